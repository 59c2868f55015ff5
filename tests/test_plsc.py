"""Consistent PLS (PLSc) against ADANCO 2.2.1 and seminr, plus invariants and inadmissible cases.

ADANCO's reference ("Mode A consistent", centroid scheme, bank data) lives in
``../shared/reference/adanco_bank_satisfaction/common_factor_PLSc`` and the parity tests skip
when it is absent; everything else runs on the bundled bank data and on hand-made correlation
matrices.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from _reference import (
    ADANCO_PLSC,
    TOL_ADANCO,
    needs_shared,
    read_adanco_matrix,
    read_adanco_r2,
)

import sem_csat
from sem_csat.datasets import load
from sem_csat.errors import DataError, EstimationError, SpecError
from sem_csat.pls.engine import (
    PLSStructure,
    Scheme,
    compile_structure,
    correlation,
    estimate,
)
from sem_csat.pls.plsc import PLScEstimate, consistent, default_factors, estimate_plsc

TOL_SAME = 1e-12  # the same computation arranged differently (batch, order)
TOL_EXACT = 1e-10  # population values that PLSc recovers exactly (up to the PLS iteration)
TOL_SEMINR = 1e-6  # seminr-py stops its iteration by another rule; observed differences ~1e-8

FIELDS = ("rho_a", "loadings", "construct_corr", "paths", "r2", "total_effects")
FLAGS = (
    "rho_a_above_one",
    "rho_a_undefined",
    "corr_above_one",
    "not_positive_definite",
    "failed",
    "admissible",
)


# ---------------------------------------------------------------------------------------------
# the bank model (bundled spec "ecsi_bank" and data)


@pytest.fixture(scope="module")
def bank_spec() -> sem_csat.ModelSpec:
    return sem_csat.load_spec("ecsi_bank")


@pytest.fixture(scope="module")
def bank(bank_spec: sem_csat.ModelSpec) -> pd.DataFrame:
    return load("bank_satisfaction").loc[:, list(bank_spec.indicator_names)]


def _structure(
    spec: sem_csat.ModelSpec,
    modes: dict[str, str] | None = None,
    items: dict[str, list[str]] | None = None,
) -> tuple[PLSStructure, list[str]]:
    """Compile ``spec`` with optional per-construct modes and blocks; return it and its columns."""
    names = list(spec.construct_names)
    blocks = {c.name: list(c.indicator_names) for c in spec.constructs} | (items or {})
    columns = [i for b in blocks.values() for i in b]
    adjacency = np.zeros((len(names), len(names)), dtype=bool)
    for p in spec.paths:
        adjacency[names.index(p.source), names.index(p.target)] = True
    structure = compile_structure(
        [[columns.index(i) for i in blocks[n]] for n in names],
        [(modes or {}).get(n, "A") for n in names],
        adjacency,
        n_indicators=len(columns),
        names=names,
    )
    return structure, columns


@pytest.fixture(scope="module")
def bank_structure(bank_spec: sem_csat.ModelSpec) -> PLSStructure:
    return _structure(bank_spec)[0]


@pytest.fixture(scope="module")
def bank_r(bank: pd.DataFrame) -> np.ndarray:
    return correlation(bank.to_numpy(np.float64))


def _bootstrap_correlations(data: pd.DataFrame, n_boot: int, seed: int) -> np.ndarray:
    x = data.to_numpy(dtype=np.float64)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    rows = rng.integers(0, len(x), size=(n_boot, len(x)))
    return correlation(x[rows])


# ---------------------------------------------------------------------------------------------
# ADANCO 2.2.1, bank satisfaction, all constructs "Mode A consistent", centroid


@pytest.fixture(scope="module")
def adanco_fit(bank_r: np.ndarray, bank_structure: PLSStructure) -> PLScEstimate:
    if not ADANCO_PLSC.is_dir():
        pytest.skip(f"ADANCO reference not found at {ADANCO_PLSC}")
    fit = estimate_plsc(bank_r, bank_structure, scheme="centroid")
    assert fit.pls.converged
    return fit


def _ours(fit: PLScEstimate, sheet: str, items: list[str], names: list[str]) -> pd.DataFrame:
    values = {
        "Path_Coefficients": fit.paths,
        "Total_Effects": fit.total_effects,
        "Weights": fit.weights,
        "Loadings": fit.loadings,
        "Cross_Loadings": fit.loadings,
        "Inter_Construct_Correlations": fit.construct_corr,
    }[sheet]
    return pd.DataFrame(
        values, index=items if values.shape[0] == len(items) else names, columns=names
    )


@needs_shared
@pytest.mark.parametrize(
    ("sheet", "blank"),
    [
        ("Path_Coefficients", 0.0),  # blank: no path
        ("Total_Effects", 0.0),  # blank: no effect
        ("Weights", 0.0),  # blank: not in the block
        ("Loadings", None),  # blank: outside the block, compared in Cross_Loadings
        ("Cross_Loadings", None),
        ("Inter_Construct_Correlations", None),  # lower triangle only
    ],
)
def test_bank_plsc_matches_adanco(
    bank: pd.DataFrame,
    bank_structure: PLSStructure,
    adanco_fit: PLScEstimate,
    sheet: str,
    blank: float | None,
) -> None:
    names, items = list(bank_structure.names), list(bank.columns)
    ours = _ours(adanco_fit, sheet, items, names)
    ref = read_adanco_matrix(ADANCO_PLSC, sheet)
    mine = ours.loc[ref.index, ref.columns].to_numpy()
    expected = ref.to_numpy()
    if blank is not None:
        expected = np.where(np.isnan(expected), blank, expected)
    compared = ~np.isnan(expected)
    assert compared.sum() >= min(expected.size, 10)
    diff = np.abs(mine - expected)[compared].max()
    assert diff < TOL_ADANCO, f"{sheet} differs from ADANCO by {diff:.2e}"


@needs_shared
def test_bank_plsc_r2_matches_adanco(
    bank: pd.DataFrame, bank_structure: PLSStructure, adanco_fit: PLScEstimate
) -> None:
    ref = read_adanco_r2(ADANCO_PLSC)
    idx = [bank_structure.names.index(c) for c in ref.index]
    np.testing.assert_allclose(adanco_fit.r2[idx], ref["r2"], rtol=0, atol=TOL_ADANCO)
    adj = adanco_fit.adjusted_r2(len(bank))
    np.testing.assert_allclose(adj[idx], ref["r2_adj"], rtol=0, atol=TOL_ADANCO)
    assert np.isnan(adanco_fit.r2[bank_structure.names.index("IMAG")])


@needs_shared
def test_bank_rho_a_matches_adanco(bank_structure: PLSStructure, adanco_fit: PLScEstimate) -> None:
    ref = pd.read_csv(ADANCO_PLSC / "Construct_Reliability.csv", index_col=0)
    assert ref.columns[0].startswith("Dijkstra-Henseler")
    idx = [bank_structure.names.index(c) for c in ref.index]
    np.testing.assert_allclose(adanco_fit.rho_a[idx], ref.iloc[:, 0], rtol=0, atol=TOL_ADANCO)


@needs_shared
def test_bank_plsc_is_admissible_despite_extreme_paths(
    bank_structure: PLSStructure, adanco_fit: PLScEstimate
) -> None:
    # QUAL and EXPE correlate 0.98 after disattenuation, so the paths into VAL are far outside
    # [-1, 1]; the solution is nonetheless admissible (and ADANCO reports the same values)
    j = bank_structure.names.index
    assert adanco_fit.construct_corr[j("EXPE"), j("QUAL")] == pytest.approx(0.9798, abs=1e-4)
    assert adanco_fit.paths[j("QUAL"), j("VAL")] == pytest.approx(2.5596, abs=1e-4)
    assert bool(adanco_fit.admissible)
    assert np.all(adanco_fit.rho_a < 1.0)


# ---------------------------------------------------------------------------------------------
# seminr (Python port): reflective constructs are estimated by PLSc, path weighting


def test_bank_plsc_matches_seminr(
    bank: pd.DataFrame, bank_r: np.ndarray, bank_structure: PLSStructure
) -> None:
    seminr = pytest.importorskip("seminr")
    names = list(bank_structure.names)
    blocks = [[bank.columns[k] for k in b] for b in bank_structure.blocks]
    mm = seminr.constructs(*(seminr.reflective(n, b) for n, b in zip(names, blocks, strict=True)))
    pairs = np.argwhere(bank_structure.adjacency)
    sm = seminr.relationships(*(seminr.paths(names[i], names[j]) for i, j in pairs))
    theirs = seminr.estimate_pls(bank, mm, sm)
    rho = seminr.rho_A(theirs)

    fit = estimate_plsc(bank_r, bank_structure, scheme="path")
    for i, j in pairs:
        assert fit.paths[i, j] == pytest.approx(
            theirs.path_coef.get(names[i], names[j]), abs=TOL_SEMINR
        )
    for j, n in enumerate(names):
        assert fit.rho_a[j] == pytest.approx(rho.get(n, "rhoA"), abs=TOL_SEMINR)
        for k, item in zip(bank_structure.blocks[j], blocks[j], strict=True):
            assert fit.loadings[k, j] == pytest.approx(
                theirs.outer_loadings.get(item, n), abs=TOL_SEMINR
            )
        if fit.structure.n_predictors[j]:
            assert fit.r2[j] == pytest.approx(theirs.r_squared.get("Rsq", n), abs=TOL_SEMINR)


# ---------------------------------------------------------------------------------------------
# population models: PLSc is consistent, so it recovers population values exactly


def _population(lam: np.ndarray, phi: np.ndarray) -> np.ndarray:
    r = lam @ phi @ lam.T
    np.fill_diagonal(r, 1.0)
    return r


@pytest.mark.parametrize("scheme", ["path", "centroid", "factorial"])
def test_population_values_are_recovered(scheme: Scheme) -> None:
    # chain A -> B -> C plus A -> C; factor correlations implied by the paths
    b_ab, b_ac, b_bc = 0.6, 0.2, 0.5
    r_ac = b_ac + b_bc * b_ab
    phi = np.array([[1.0, b_ab, r_ac], [b_ab, 1.0, b_bc + b_ac * b_ab], [r_ac, 0.0, 1.0]])
    phi[2, 1] = phi[1, 2]
    loadings = [[0.9, 0.8, 0.6], [0.7, 0.75], [0.85, 0.5, 0.65, 0.7]]
    lam = np.zeros((9, 3))
    start = 0
    for j, block in enumerate(loadings):
        lam[start : start + len(block), j] = block
        start += len(block)
    adjacency = [[False, True, True], [False, False, True], [False, False, False]]
    s = compile_structure([[0, 1, 2], [3, 4], [5, 6, 7, 8]], ["A"] * 3, adjacency)
    fit = estimate_plsc(_population(lam, phi), s, scheme=scheme, tol=1e-12)
    inside = lam != 0.0
    np.testing.assert_allclose(fit.loadings[inside], lam[inside], atol=TOL_EXACT)
    np.testing.assert_allclose(fit.construct_corr, phi, atol=TOL_EXACT)
    np.testing.assert_allclose(fit.paths[[0, 0, 1], [1, 2, 2]], [b_ab, b_ac, b_bc], atol=TOL_EXACT)
    # rho_A is the squared correlation between the composite and its factor
    w = fit.weights
    r = _population(lam, phi)
    expected = (np.einsum("pj,pj->j", w, lam) ** 2) / np.einsum("pj,pq,qj->j", w, r, w)
    np.testing.assert_allclose(fit.rho_a, expected, atol=TOL_EXACT)
    assert bool(fit.admissible)
    assert np.all(fit.pls.paths[[0, 1], [1, 2]] < [b_ab, b_bc])  # PLS attenuates


def test_rho_a_and_loadings_do_not_depend_on_the_scale_of_the_weights(
    bank_r: np.ndarray, bank_structure: PLSStructure
) -> None:
    est = estimate(bank_r, bank_structure, scheme="centroid")
    scaled = dataclasses.replace(est, weights=est.weights * np.linspace(0.5, 3.0, 6))
    a, b = consistent(est, bank_r), consistent(scaled, bank_r)
    np.testing.assert_allclose(b.rho_a, a.rho_a, rtol=1e-13)
    inside = est.weights != 0.0  # the consistent loadings; outside are score correlations
    np.testing.assert_allclose(b.loadings[inside], a.loadings[inside], rtol=1e-13)


# ---------------------------------------------------------------------------------------------
# batches


@pytest.mark.parametrize("scheme", ["path", "centroid"])
def test_batch_equals_one_by_one(
    bank: pd.DataFrame, bank_structure: PLSStructure, scheme: Scheme
) -> None:
    rs = _bootstrap_correlations(bank, 12, seed=20240607)
    batch = estimate_plsc(rs, bank_structure, scheme=scheme)
    assert batch.rho_a.shape == (12, 6)
    assert batch.loadings.shape == (12, 27, 6)
    assert batch.admissible.shape == (12,)
    for b in range(len(rs)):
        single = estimate_plsc(rs[b], bank_structure, scheme=scheme)
        for name in FIELDS:
            np.testing.assert_allclose(
                getattr(batch, name)[b], getattr(single, name), rtol=0, atol=TOL_SAME
            )
        for name in FLAGS:
            assert getattr(batch, name)[b] == getattr(single, name), name


def test_arrays_are_read_only(bank_r: np.ndarray, bank_structure: PLSStructure) -> None:
    fit = estimate_plsc(bank_r, bank_structure)
    for name in (*FIELDS, *FLAGS, "factors"):
        assert not getattr(fit, name).flags.writeable, name
    assert fit.admissible.shape == ()
    assert repr(fit) == (
        "PLScEstimate(batch=(), 6 constructs (6 corrected), admissible 1/1, failed 0)"
    )


# ---------------------------------------------------------------------------------------------
# constructs that are left as they are


def test_single_item_construct_gets_rho_a_one_and_is_not_corrected(
    bank: pd.DataFrame, bank_spec: sem_csat.ModelSpec
) -> None:
    s, columns = _structure(bank_spec, items={"LOY": ["loy1"]})
    r = correlation(bank[columns].to_numpy(np.float64))
    fit = estimate_plsc(r, s, scheme="centroid")
    j = s.names.index("LOY")
    k = columns.index("loy1")
    assert not default_factors(s)[j]
    assert not fit.factors[j]
    assert fit.rho_a[j] == 1.0
    assert fit.loadings[k, j] == pytest.approx(1.0, abs=1e-15)
    others = np.arange(6) != j
    # corrected only for the other construct's reliability
    expected = fit.pls.construct_corr[j, others] / np.sqrt(fit.rho_a[others])
    np.testing.assert_allclose(fit.construct_corr[j, others], expected, rtol=1e-14)
    # an explicit request to correct a single item changes nothing either
    forced = consistent(fit.pls, r, factors=np.ones(6, dtype=bool))
    np.testing.assert_array_equal(forced.rho_a, fit.rho_a)


def test_mode_b_constructs_are_left_as_they_are(
    bank: pd.DataFrame, bank_spec: sem_csat.ModelSpec
) -> None:
    s, columns = _structure(bank_spec, modes={"IMAG": "B", "EXPE": "B"})
    r = correlation(bank[columns].to_numpy(np.float64))
    fit = estimate_plsc(r, s, scheme="centroid")
    jb = [s.names.index("IMAG"), s.names.index("EXPE")]
    np.testing.assert_array_equal(fit.factors, [False, False, True, True, True, True])
    np.testing.assert_array_equal(fit.rho_a[jb], 1.0)
    for j in jb:
        block = s.blocks[j]
        np.testing.assert_array_equal(fit.loadings[block, j], fit.pls.loadings[block, j])
        np.testing.assert_array_equal(fit.weights[block, j], fit.pls.weights[block, j])
    # two composites keep their correlation, and the path between them
    assert fit.construct_corr[jb[0], jb[1]] == fit.pls.construct_corr[jb[0], jb[1]]
    assert fit.paths[jb[0], jb[1]] == pytest.approx(fit.pls.paths[jb[0], jb[1]], abs=1e-15)
    assert fit.r2[jb[1]] == pytest.approx(fit.pls.r2[jb[1]], abs=1e-15)


def test_without_factors_plsc_is_pls(bank_r: np.ndarray, bank_structure: PLSStructure) -> None:
    est = estimate(bank_r, bank_structure, scheme="centroid")
    fit = consistent(est, bank_r, factors=np.zeros(6, dtype=bool))
    np.testing.assert_array_equal(fit.rho_a, 1.0)
    for name in ("loadings", "construct_corr", "paths", "r2", "total_effects"):
        np.testing.assert_allclose(getattr(fit, name), getattr(est, name), rtol=0, atol=1e-14)


def test_factors_must_be_mode_a_and_one_per_construct(
    bank_r: np.ndarray, bank_spec: sem_csat.ModelSpec, bank_structure: PLSStructure
) -> None:
    est = estimate(bank_r, bank_structure)
    with pytest.raises(SpecError, match="one entry per construct"):
        consistent(est, bank_r, factors=np.ones(5, dtype=bool))
    with pytest.raises(SpecError, match="boolean"):
        consistent(est, bank_r, factors=np.ones(6))
    s, _ = _structure(bank_spec, modes={"SAT": "B"})
    est_b = estimate(bank_r, s)
    with pytest.raises(SpecError, match="'SAT' is estimated in Mode B"):
        consistent(est_b, bank_r, factors=np.ones(6, dtype=bool))


def test_r_must_match_the_estimate(bank_r: np.ndarray, bank_structure: PLSStructure) -> None:
    est = estimate(bank_r, bank_structure)
    with pytest.raises(DataError, match=r"R must have shape \(27, 27\)"):
        consistent(est, np.stack([bank_r, bank_r]))


# ---------------------------------------------------------------------------------------------
# inadmissible solutions are flagged, not raised

TWO_BY_TWO = compile_structure([[0, 1], [2, 3]], ["A", "A"], [[False, True], [False, False]])
THREE_AND_ONE = compile_structure([[0, 1, 2], [3]], ["A", "A"], [[False, True], [False, False]])


def _corr_above_one() -> np.ndarray:
    # weakly correlated items within the blocks, strongly between them
    return np.array(
        [[1.0, 0.3, 0.5, 0.5], [0.3, 1.0, 0.5, 0.5], [0.5, 0.5, 1.0, 0.3], [0.5, 0.5, 0.3, 1.0]]
    )


def _rho_a_above_one() -> np.ndarray:
    # two items that belong together and a third that carries the block's relation to the
    # single item, so the block is not unidimensional
    return np.array(
        [[1.0, 0.7, 0.1, 0.05], [0.7, 1.0, 0.1, 0.05], [0.1, 0.1, 1.0, 0.5], [0.05, 0.05, 0.5, 1.0]]
    )


def _negative_items() -> np.ndarray:
    # items of the first block correlate negatively although both relate positively to the other
    return np.array(
        [[1.0, -0.2, 0.4, 0.4], [-0.2, 1.0, 0.4, 0.4], [0.4, 0.4, 1.0, 0.5], [0.4, 0.4, 0.5, 1.0]]
    )


def test_disattenuated_correlation_above_one_is_flagged() -> None:
    r = _corr_above_one()
    assert np.linalg.eigvalsh(r)[0] > 0  # a valid correlation matrix
    fit = estimate_plsc(r, TWO_BY_TWO)
    assert fit.construct_corr[0, 1] > 1.0
    assert bool(fit.corr_above_one)
    assert bool(fit.not_positive_definite)
    assert not fit.rho_a_above_one
    assert not fit.admissible
    # still estimated: the path is the correlation, R² exceeds 1
    assert fit.paths[0, 1] == pytest.approx(fit.construct_corr[0, 1], abs=1e-14)
    assert fit.r2[1] > 1.0


def test_rho_a_above_one_is_flagged() -> None:
    r = _rho_a_above_one()
    assert np.linalg.eigvalsh(r)[0] > 0
    fit = estimate_plsc(r, THREE_AND_ONE)
    assert fit.rho_a[0] > 1.0
    assert fit.rho_a[1] == 1.0
    assert bool(fit.rho_a_above_one)
    assert not fit.admissible
    assert np.all(np.isfinite(fit.paths))


def test_non_positive_rho_a_is_flagged_and_leaves_nan() -> None:
    r = _negative_items()
    assert np.linalg.eigvalsh(r)[0] > 0
    fit = estimate_plsc(r, TWO_BY_TWO)
    assert fit.rho_a[0] < 0.0
    assert bool(fit.rho_a_undefined)
    assert not fit.admissible
    assert np.all(np.isnan(fit.loadings[:, 0]))
    assert np.all(np.isnan(fit.paths))
    assert np.all(np.isfinite(fit.loadings[:, 1]))


def test_flags_are_per_batch_element() -> None:
    good = _corr_above_one()
    good[:2, 2:] = good[2:, :2] = 0.2
    batch = np.stack([good, _corr_above_one(), good, _negative_items()])
    fit = estimate_plsc(batch, TWO_BY_TWO)
    np.testing.assert_array_equal(fit.admissible, [True, False, True, False])
    np.testing.assert_array_equal(fit.corr_above_one, [False, True, False, False])
    np.testing.assert_array_equal(fit.rho_a_undefined, [False, False, False, True])
    np.testing.assert_array_equal(fit.failed, False)
    assert repr(fit).endswith("admissible 2/4, failed 0)")


def test_failed_pls_elements_stay_failed_without_flags() -> None:
    good = _corr_above_one()
    good[:2, 2:] = good[2:, :2] = 0.2
    bad = good.copy()
    bad[0, 1] = np.nan
    with pytest.raises(EstimationError):
        estimate_plsc(np.stack([good, bad]), TWO_BY_TWO)
    fit = estimate_plsc(np.stack([good, bad]), TWO_BY_TWO, on_error="nan")
    np.testing.assert_array_equal(fit.failed, [False, True])
    np.testing.assert_array_equal(fit.admissible, [True, False])
    for name in ("rho_a_above_one", "rho_a_undefined", "corr_above_one", "not_positive_definite"):
        assert not getattr(fit, name)[1], name
    for name in FIELDS:
        assert np.all(np.isnan(getattr(fit, name)[1])), name
    assert np.all(np.isfinite(fit.paths[0]))


def test_singular_disattenuated_predictors_give_nan_paths(
    bank_r: np.ndarray, bank_structure: PLSStructure
) -> None:
    # make EXPE and QUAL (both predictors of VAL and SAT) perfectly correlated after correction
    est = estimate(bank_r, bank_structure, scheme="centroid")
    rho = consistent(est, bank_r).rho_a
    e, q = bank_structure.names.index("EXPE"), bank_structure.names.index("QUAL")
    c = est.construct_corr.copy()
    c[e, q] = c[q, e] = np.sqrt(rho[e] * rho[q])
    fit = consistent(dataclasses.replace(est, construct_corr=c), bank_r)
    assert fit.construct_corr[e, q] == pytest.approx(1.0, abs=1e-15)
    assert bool(fit.not_positive_definite)
    assert not fit.admissible
    assert np.all(np.isnan(fit.paths))
    assert np.all(np.isnan(fit.r2))
    assert np.all(np.isnan(fit.total_effects))
