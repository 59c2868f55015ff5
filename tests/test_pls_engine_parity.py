"""The PLS engine against SmartPLS 2.0.M3 (ECSI) and ADANCO 2.2.1 (bank, Mode B), plus invariants.

Reference files live beside the repository in ``../shared/reference`` (see its README); the tests
skip when that folder is absent.  SmartPLS writes tab-separated text with a decimal comma, rows
"from" (or indicator) and columns "to" (or construct); ADANCO writes one CSV per output sheet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _reference import (
    ADANCO_MODE_B,
    BANK_BLOCKS,
    BANK_PATHS,
    ECSI_BLOCKS,
    ECSI_PATHS,
    SHARED,
    SMARTPLS,
    TOL_ADANCO,
    TOL_SMARTPLS,
    needs_shared,
    read_adanco_matrix,
    read_adanco_r2,
    read_smartpls,
)

from sem_csat.errors import EstimationError, SpecError
from sem_csat.pls.engine import (
    PLSEstimate,
    PLSStructure,
    Scheme,
    compile_structure,
    construct_scores,
    correlation,
    estimate,
    standardize,
)

ADANCO = ADANCO_MODE_B
TOL_SAME = 1e-12  # the same computation arranged differently (batch, order)


# ---------------------------------------------------------------------------------------------
# models


def _structure(
    columns: list[str],
    blocks: dict[str, list[str]],
    paths: list[tuple[str, str]],
    mode: str,
) -> PLSStructure:
    names = list(blocks)
    adjacency = np.zeros((len(names), len(names)), dtype=bool)
    for source, target in paths:
        adjacency[names.index(source), names.index(target)] = True
    return compile_structure(
        [[columns.index(i) for i in items] for items in blocks.values()],
        [mode] * len(names),
        adjacency,
        n_indicators=len(columns),
        names=names,
    )


@pytest.fixture(scope="module")
def ecsi() -> pd.DataFrame:
    path = SHARED / "data" / "ecsi_mobile.csv"
    if not path.is_file():
        pytest.skip(f"data set not found at {path}")
    return pd.read_csv(path)


@pytest.fixture(scope="module")
def bank() -> pd.DataFrame:
    path = SHARED / "data" / "bank_satisfaction.csv"
    if not path.is_file():
        pytest.skip(f"data set not found at {path}")
    return pd.read_csv(path).drop(columns="gender")


@pytest.fixture(scope="module")
def ecsi_structure(ecsi: pd.DataFrame) -> PLSStructure:
    return _structure(list(ecsi.columns), ECSI_BLOCKS, ECSI_PATHS, "A")


@pytest.fixture(scope="module")
def bank_structure(bank: pd.DataFrame) -> PLSStructure:
    return _structure(list(bank.columns), BANK_BLOCKS, BANK_PATHS, "B")


def _bootstrap_correlations(data: pd.DataFrame, n_boot: int, seed: int) -> np.ndarray:
    x = data.to_numpy(dtype=np.float64)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    rows = rng.integers(0, len(x), size=(n_boot, len(x)))
    return correlation(x[rows])


# ---------------------------------------------------------------------------------------------
# SmartPLS 2.0.M3, ECSI, Mode A, three schemes

SCHEME_FOLDERS: dict[Scheme, str] = {
    "path": "pathWeighting",
    "centroid": "centroid",
    "factorial": "factorial",
}


@needs_shared
@pytest.mark.parametrize("scheme", list(SCHEME_FOLDERS))
def test_ecsi_matches_smartpls(
    ecsi: pd.DataFrame, ecsi_structure: PLSStructure, scheme: Scheme
) -> None:
    names, items = list(ECSI_BLOCKS), list(ecsi.columns)
    est = estimate(correlation(ecsi.to_numpy(float)), ecsi_structure, scheme=scheme)
    assert est.converged
    ours = {
        "pathCoefficients": pd.DataFrame(est.paths, index=names, columns=names),
        "outerWeights": pd.DataFrame(est.weights, index=items, columns=names),
        "crossLoadings": pd.DataFrame(est.loadings, index=items, columns=names),
        "totalEffects": pd.DataFrame(est.total_effects, index=names, columns=names),
    }
    folder = SMARTPLS / SCHEME_FOLDERS[scheme]
    for quantity, table in ours.items():
        ref = read_smartpls(folder / f"{quantity}.txt")
        assert set(ref.index) == set(table.index)
        assert set(ref.columns) == set(table.columns)
        diff = np.abs(table.loc[ref.index, ref.columns].to_numpy() - ref.to_numpy()).max()
        assert diff < TOL_SMARTPLS, f"{quantity} ({scheme}) differs from SmartPLS by {diff:.2e}"


@needs_shared
def test_ecsi_single_item_weight_is_one(ecsi: pd.DataFrame, ecsi_structure: PLSStructure) -> None:
    est = estimate(correlation(ecsi.to_numpy(float)), ecsi_structure)
    j, i = list(ECSI_BLOCKS).index("Complaints"), list(ecsi.columns).index("CUSCO")
    assert est.weights[i, j] == 1.0
    assert est.loadings[i, j] == pytest.approx(1.0, abs=1e-15)


# ---------------------------------------------------------------------------------------------
# ADANCO 2.2.1, bank satisfaction, all Mode B, centroid


@pytest.fixture(scope="module")
def bank_estimate(bank: pd.DataFrame, bank_structure: PLSStructure) -> PLSEstimate:
    if not ADANCO.is_dir():
        pytest.skip(f"ADANCO reference not found at {ADANCO}")
    est = estimate(correlation(bank.to_numpy(float)), bank_structure, scheme="centroid")
    assert est.converged
    return est


def _frame(values: np.ndarray, index: list[str], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(values, index=index, columns=columns)


@needs_shared
@pytest.mark.parametrize(
    ("sheet", "blank"),
    [
        ("Path_Coefficients", 0.0),  # blank: no path
        ("Total_Effects", 0.0),  # blank: no effect
        ("Weights", 0.0),  # blank: not in the block
        ("Loadings", None),  # blank: cross-loading, compared in Cross_Loadings
        ("Cross_Loadings", None),
        ("Inter_Construct_Correlations", None),  # lower triangle only
    ],
)
def test_bank_mode_b_matches_adanco(
    bank: pd.DataFrame, bank_estimate: PLSEstimate, sheet: str, blank: float | None
) -> None:
    names, items = list(BANK_BLOCKS), list(bank.columns)
    ours = {
        "Path_Coefficients": _frame(bank_estimate.paths, names, names),
        "Total_Effects": _frame(bank_estimate.total_effects, names, names),
        "Weights": _frame(bank_estimate.weights, items, names),
        "Loadings": _frame(bank_estimate.loadings, items, names),
        "Cross_Loadings": _frame(bank_estimate.loadings, items, names),
        "Inter_Construct_Correlations": _frame(bank_estimate.construct_corr, names, names),
    }[sheet]
    ref = read_adanco_matrix(ADANCO, sheet)
    mine = ours.loc[ref.index, ref.columns].to_numpy()
    expected = ref.to_numpy()
    if blank is not None:
        expected = np.where(np.isnan(expected), blank, expected)
    compared = ~np.isnan(expected)
    assert compared.sum() >= min(expected.size, 10)
    diff = np.abs(mine - expected)[compared].max()
    assert diff < TOL_ADANCO, f"{sheet} differs from ADANCO by {diff:.2e}"


@needs_shared
def test_bank_r2_matches_adanco(bank: pd.DataFrame, bank_estimate: PLSEstimate) -> None:
    ref = read_adanco_r2(ADANCO)
    idx = [list(BANK_BLOCKS).index(c) for c in ref.index]
    np.testing.assert_allclose(bank_estimate.r2[idx], ref["r2"], rtol=0, atol=TOL_ADANCO)
    adj = bank_estimate.adjusted_r2(len(bank))
    np.testing.assert_allclose(adj[idx], ref["r2_adj"], rtol=0, atol=TOL_ADANCO)
    assert np.isnan(bank_estimate.r2[list(BANK_BLOCKS).index("IMAG")])


# ---------------------------------------------------------------------------------------------
# invariants


FIELDS = ("weights", "construct_corr", "loadings", "paths", "r2", "total_effects")


@needs_shared
@pytest.mark.parametrize("scheme", ["path", "centroid", "factorial"])
def test_batch_equals_one_by_one_mode_a(
    ecsi: pd.DataFrame, ecsi_structure: PLSStructure, scheme: Scheme
) -> None:
    rs = _bootstrap_correlations(ecsi, 25, seed=20240501)
    batch = estimate(rs, ecsi_structure, scheme=scheme)
    assert batch.weights.shape == (25, 24, 7)
    assert batch.iterations.shape == (25,)
    assert len(set(batch.iterations.tolist())) > 1  # elements really stop at different times
    for b in range(len(rs)):
        single = estimate(rs[b], ecsi_structure, scheme=scheme)
        for field in FIELDS:  # r2: NaN for exogenous constructs on both sides
            np.testing.assert_allclose(
                getattr(batch, field)[b], getattr(single, field), rtol=0, atol=TOL_SAME
            )
        assert batch.iterations[b] == single.iterations
        assert batch.converged[b] == single.converged


@needs_shared
def test_batch_equals_one_by_one_mode_b(bank: pd.DataFrame, bank_structure: PLSStructure) -> None:
    rs = _bootstrap_correlations(bank, 10, seed=7)
    batch = estimate(rs, bank_structure, scheme="centroid")
    for b in range(len(rs)):
        single = estimate(rs[b], bank_structure, scheme="centroid")
        np.testing.assert_allclose(batch.weights[b], single.weights, rtol=0, atol=TOL_SAME)
        np.testing.assert_allclose(batch.paths[b], single.paths, rtol=0, atol=TOL_SAME)
        assert batch.iterations[b] == single.iterations


@needs_shared
@pytest.mark.parametrize("scheme", ["path", "centroid"])
def test_invariant_to_order_of_blocks_and_indicators(ecsi: pd.DataFrame, scheme: Scheme) -> None:
    rng = np.random.default_rng(3)
    names = list(ECSI_BLOCKS)
    reordered = {n: ECSI_BLOCKS[n][::-1] for n in rng.permutation(names)}
    columns = list(rng.permutation(list(ecsi.columns)))
    est0 = estimate(
        correlation(ecsi.to_numpy(float)),
        _structure(list(ecsi.columns), ECSI_BLOCKS, ECSI_PATHS, "A"),
        scheme=scheme,
    )
    est1 = estimate(
        correlation(ecsi[columns].to_numpy(float)),
        _structure(columns, reordered, ECSI_PATHS, "A"),
        scheme=scheme,
    )
    jn = [list(reordered).index(n) for n in names]  # our construct order in est1
    ji = [columns.index(c) for c in ecsi.columns]
    np.testing.assert_allclose(est1.paths[np.ix_(jn, jn)], est0.paths, atol=1e-10)
    np.testing.assert_allclose(est1.weights[np.ix_(ji, jn)], est0.weights, atol=1e-10)
    np.testing.assert_allclose(est1.loadings[np.ix_(ji, jn)], est0.loadings, atol=1e-10)
    np.testing.assert_allclose(est1.r2[jn], est0.r2, atol=1e-10)
    assert est1.iterations == est0.iterations


@needs_shared
def test_scores_have_unit_variance_and_match_construct_correlations(
    ecsi: pd.DataFrame, ecsi_structure: PLSStructure
) -> None:
    x = ecsi.to_numpy(float)
    est = estimate(correlation(x), ecsi_structure)
    scores = construct_scores(standardize(x), est.weights)
    assert scores.shape == (250, 7)
    np.testing.assert_allclose(scores.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(scores.std(axis=0, ddof=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.corrcoef(scores, rowvar=False), est.construct_corr, atol=1e-12)


@needs_shared
def test_max_iter_one_reports_not_converged(
    ecsi: pd.DataFrame, ecsi_structure: PLSStructure
) -> None:
    est = estimate(correlation(ecsi.to_numpy(float)), ecsi_structure, max_iter=1)
    assert not est.converged
    assert est.iterations == 1
    assert np.all(np.isfinite(est.paths))


def _collinear_mode_b() -> tuple[np.ndarray, PLSStructure]:
    rng = np.random.default_rng(11)
    x = rng.normal(size=(100, 4))
    x = np.column_stack([x, x[:, 0] + x[:, 1]])  # column 4 = column 0 + column 1
    s = compile_structure(
        [[0, 1, 4], [2, 3]], ["B", "A"], [[False, True], [False, False]], names=["F", "R"]
    )
    return correlation(x), s


def test_collinear_mode_b_block_raises_estimation_error() -> None:
    r, s = _collinear_mode_b()
    with pytest.raises(EstimationError, match=r"formative \(Mode B\) construct 'F'.*collinear"):
        estimate(r, s)


def test_collinear_mode_b_block_is_flagged_in_a_batch() -> None:
    r, s = _collinear_mode_b()
    good = r.copy()
    good[4, :4] = good[:4, 4] = 0.1
    batch = np.stack([good, r, good])
    with pytest.raises(EstimationError, match="element 1 of the batch"):
        estimate(batch, s)
    est = estimate(batch, s, on_error="nan")
    np.testing.assert_array_equal(est.failed, [False, True, False])
    np.testing.assert_array_equal(est.converged, [True, False, True])
    assert np.all(np.isnan(est.paths[1]))
    assert np.all(np.isnan(est.weights[1]))
    assert np.all(np.isfinite(est.paths[[0, 2]]))
    single = estimate(good, s)
    np.testing.assert_allclose(est.weights[0], single.weights, rtol=0, atol=TOL_SAME)


def test_collinear_predictors_raise_estimation_error() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(60, 3))
    x = np.column_stack([x[:, 0], x[:, 0], x[:, 1], x[:, 2]])  # two copies of one item
    adjacency = np.zeros((3, 3), dtype=bool)
    adjacency[0, 2] = adjacency[1, 2] = True
    s = compile_structure([[0], [1], [2, 3]], ["A", "A", "A"], adjacency, names=["X", "Y", "Z"])
    with pytest.raises(EstimationError, match=r"predictors of construct 'Z' \('X', 'Y'\)"):
        estimate(correlation(x), s)


def test_non_finite_correlation_matrix_is_flagged() -> None:
    s = compile_structure([[0, 1], [2, 3]], ["A", "A"], [[False, True], [False, False]])
    r = np.full((2, 4, 4), 0.3)
    r[:, np.arange(4), np.arange(4)] = 1.0
    r[1, 0, 1] = np.nan
    with pytest.raises(EstimationError, match="missing or infinite"):
        estimate(r, s)
    est = estimate(r, s, on_error="nan")
    np.testing.assert_array_equal(est.failed, [False, True])


def test_isolated_mode_a_construct_gets_first_principal_component() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(200, 3)) + rng.normal(size=(200, 1))
    r = correlation(np.column_stack([x, rng.normal(size=(200, 2))]))
    s = compile_structure([[0, 1, 2], [3, 4]], ["A", "A"], np.zeros((2, 2), dtype=bool))
    est = estimate(r, s)
    assert est.converged
    _, vectors = np.linalg.eigh(r[:3, :3])
    pc1 = vectors[:, -1] * np.sign(vectors[0, -1])
    w = est.weights[:3, 0]
    np.testing.assert_allclose(w / np.linalg.norm(w), pc1, atol=1e-6)
    assert np.all(np.isnan(est.r2))


@pytest.mark.parametrize(
    ("adjacency", "message"),
    [
        ([[False, True], [True, False]], "cycle"),
        ([[True, False], [False, False]], "path to itself"),
    ],
)
def test_invalid_structures_raise_spec_error(adjacency: list[list[bool]], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        compile_structure([[0], [1]], ["A", "A"], adjacency)


def test_invalid_settings_raise() -> None:
    s = compile_structure([[0, 1], [2]], ["A", "B"], [[False, True], [False, False]])
    r = np.eye(3)
    with pytest.raises(EstimationError, match="scheme"):
        estimate(r, s, scheme="pathh")  # type: ignore[arg-type]
    with pytest.raises(EstimationError, match="max_iter"):
        estimate(r, s, max_iter=0)
    with pytest.raises(ValueError, match=r"shape \(3, 3\)"):
        estimate(np.eye(4), s)


# ---------------------------------------------------------------------------------------------
# cross-check with seminr's Python port (development dependency; SmartPLS is the authority)


@needs_shared
@pytest.mark.parametrize("scheme", ["path", "factorial"])
def test_ecsi_matches_seminr(
    ecsi: pd.DataFrame, ecsi_structure: PLSStructure, scheme: Scheme
) -> None:
    sm = pytest.importorskip("seminr")
    mm = sm.constructs(
        *(sm.composite(name, items, sm.mode_A) for name, items in ECSI_BLOCKS.items())
    )
    st = sm.relationships(*(sm.paths(a, b) for a, b in ECSI_PATHS))
    inner = sm.path_weighting if scheme == "path" else sm.path_factorial
    model = sm.estimate_pls(ecsi, mm, st, inner_weights=inner)
    names, items = list(ECSI_BLOCKS), list(ecsi.columns)
    est = estimate(correlation(ecsi.to_numpy(float)), ecsi_structure, scheme=scheme)
    paths = pd.DataFrame(model.path_coef.values, model.path_coef.rows, model.path_coef.cols)
    weights = pd.DataFrame(
        model.outer_weights.values, model.outer_weights.rows, model.outer_weights.cols
    )
    np.testing.assert_allclose(paths.loc[names, names], est.paths, atol=1e-6)
    np.testing.assert_allclose(weights.loc[items, names], est.weights, atol=1e-6)
