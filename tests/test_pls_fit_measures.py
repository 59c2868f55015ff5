"""PLS model fit: SRMR, d_ULS, d_G, NFI, RMS_theta and the Bollen–Stine exact-fit test.

The discrepancies of the estimated and the saturated model are checked against ADANCO 2.2.1 on
the bank data (``../shared/reference/adanco_bank_satisfaction/*/Goodness_of_model_fit_*.csv``:
all constructs composites in Mode B, and all common factors by PLSc; centroid scheme).  ADANCO's
HI95/HI99 come from its own random resamples, so they are a plausibility check only; the
exact-fit test itself is checked against an independent loop that transforms the data as Beran
& Srivastava (1985) do and refits every resample through the public ``sem_csat.fit``.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.linalg
from _reference import ADANCO_MODE_B, ADANCO_PLSC, TOL_ADANCO, needs_shared

import sem_csat
from sem_csat.inference.bootstrap import bootstrap_indices
from sem_csat.pls.fit_measures import (
    FIT_COLUMNS,
    distances,
    implied_construct_corr,
)
from sem_csat.spec.model import Interaction, Path

TOL_SAME = 1e-10  # the same quantity computed another way


def _bank(spec: sem_csat.ModelSpec) -> pd.DataFrame:
    data = pd.read_csv(sem_csat.datasets.path("bank_satisfaction"))
    return data.loc[:, list(spec.indicator_names)]


def _fit(spec: sem_csat.ModelSpec, data: object = "bank_satisfaction", **kw: object) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sem_csat.fit(spec, data, **kw)  # type: ignore[arg-type]


def _boot(result: object, n: int, **kw: object) -> sem_csat.PLSResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return result.bootstrap(n, progress=False, **kw)  # type: ignore[attr-defined, no-any-return]


@pytest.fixture(scope="module")
def bank_spec() -> sem_csat.ModelSpec:
    return sem_csat.load_spec("ecsi_bank")


@pytest.fixture(scope="module")
def mode_b(bank_spec: sem_csat.ModelSpec) -> sem_csat.PLSResult:
    spec = dataclasses.replace(
        bank_spec,
        constructs=[dataclasses.replace(c, mode="formative") for c in bank_spec.constructs],
    )
    return _fit(spec, scheme="centroid")  # type: ignore[return-value]


@pytest.fixture(scope="module")
def plsc(bank_spec: sem_csat.ModelSpec) -> sem_csat.PLSResult:
    return _fit(bank_spec, scheme="centroid", method="plsc")  # type: ignore[return-value]


def _adanco(folder: object, kind: str) -> pd.Series:
    table = pd.read_csv(folder / f"Goodness_of_model_fit_{kind}.csv", index_col=0)  # type: ignore[operator]
    return table["Value"].rename({"SRMR": "srmr", "dULS": "d_uls", "dG": "d_g"})


# ---------------------------------------------------------------------------------------------
# parity with ADANCO


@needs_shared
@pytest.mark.parametrize("model", ["mode_b", "plsc"])
def test_fit_measures_match_adanco(model: str, request: pytest.FixtureRequest) -> None:
    result = request.getfixturevalue(model)
    folder = ADANCO_MODE_B if model == "mode_b" else ADANCO_PLSC
    row = result.fit_table.iloc[0]
    estimated, saturated = _adanco(folder, "estimate"), _adanco(folder, "saturate")
    for name in ("srmr", "d_uls", "d_g"):
        assert row[name] == pytest.approx(estimated[name], abs=TOL_ADANCO), name
        assert row[f"{name}_saturated"] == pytest.approx(saturated[name], abs=TOL_ADANCO), name


@needs_shared
def test_exact_fit_quantiles_are_plausible_next_to_adanco(mode_b: sem_csat.PLSResult) -> None:
    """ADANCO's HI95/HI99 come from its own resamples: ours, from 400 other resamples, must be
    of the same size (a plausibility check, not parity)."""
    boot = _boot(mode_b, 400, seed=15)
    row = boot.fit_table.iloc[0]
    for kind, suffix in (("estimate", ""), ("saturate", "_saturated")):
        table = pd.read_csv(ADANCO_MODE_B / f"Goodness_of_model_fit_{kind}.csv", index_col=0)
        for adanco, ours in (("SRMR", "srmr"), ("dULS", "d_uls"), ("dG", "d_g")):
            for level in ("HI95", "HI99"):
                ref = table.loc[adanco, level]
                value = row[f"{ours}{suffix}_{level.lower()}"]
                assert value == pytest.approx(ref, rel=0.25), (ours, suffix, level)


# ---------------------------------------------------------------------------------------------
# the formulas, computed independently


def test_d_g_uses_the_base_10_logarithm() -> None:
    s = np.array([[1.0, 0.5, 0.3], [0.5, 1.0, 0.2], [0.3, 0.2, 1.0]])
    sigma = np.array([[1.0, 0.4, 0.2], [0.4, 1.0, 0.3], [0.2, 0.3, 1.0]])
    eig = np.linalg.eigvals(np.linalg.inv(s) @ sigma).real
    natural = 0.5 * float(np.sum(np.log(eig) ** 2))
    assert float(distances(s, sigma)["d_g"]) == pytest.approx(natural / math.log(10) ** 2, 1e-12)
    diff = s - sigma
    assert float(distances(s, sigma)["d_uls"]) == pytest.approx(0.5 * float((diff**2).sum()))
    lower = [diff[i, j] ** 2 for i in range(3) for j in range(i + 1)]
    assert float(distances(s, sigma)["srmr"]) == pytest.approx(math.sqrt(sum(lower) / 6))


def test_implied_construct_correlations_follow_the_reduced_form(
    mode_b: sem_csat.PLSResult,
) -> None:
    """Var(η) = (I − B')⁻¹ Ψ (I − B')⁻ᵀ with Ψ the exogenous correlations and the residual
    variances 1 − R² (Bollen 1989, ch. 4), diagonal set to 1 as in cSEM."""
    names = list(mode_b.constructs)
    c = mode_b.construct_correlations.loc[names, names].to_numpy()
    b = mode_b.path_matrix.loc[names, names].to_numpy()
    endo = [names.index(n) for n in mode_b.spec.endogenous]
    exo = [k for k in range(len(names)) if k not in endo]
    psi = np.zeros_like(c)
    psi[np.ix_(exo, exo)] = c[np.ix_(exo, exo)]
    r2 = mode_b.r2["r2"]
    for k in endo:
        psi[k, k] = 1.0 - r2[names[k]]
    inv = np.linalg.inv(np.eye(len(names)) - b.T)
    expected = inv @ psi @ inv.T
    np.fill_diagonal(expected, 1.0)
    adjacency = b != 0
    np.testing.assert_allclose(implied_construct_corr(c, b, adjacency), expected, atol=TOL_SAME)


def test_nfi_and_rms_theta_by_hand(plsc: sem_csat.PLSResult) -> None:
    """NFI and RMS_theta from their definitions (Bentler & Bonett 1980; Lohmöller 1989)."""
    spec = plsc.spec
    items = list(spec.indicator_names)
    names = list(spec.construct_names)
    s = plsc.item_corr
    lam = np.zeros((len(items), len(names)))
    w = np.zeros_like(lam)
    for row in plsc.outer.itertuples():
        lam[items.index(row.indicator), names.index(row.construct)] = row.loading
        w[items.index(row.indicator), names.index(row.construct)] = row.weight
    phi = plsc.construct_correlations.loc[names, names].to_numpy()
    # the estimated model: construct correlations implied by the paths, factors in every block
    v = implied_construct_corr(phi, plsc.path_matrix.to_numpy(), plsc.path_matrix.to_numpy() != 0)
    sigma = lam @ v @ lam.T
    np.fill_diagonal(sigma, 1.0)
    f_model = np.trace(s @ np.linalg.inv(sigma)) - np.log(np.linalg.det(s @ np.linalg.inv(sigma)))
    f_model -= len(items)
    f_null = -np.log(np.linalg.det(s))
    row = plsc.fit_table.iloc[0]
    assert row["nfi"] == pytest.approx((f_null - f_model) / f_null, abs=TOL_SAME)
    theta = s - s @ w @ lam.T - (s @ w @ lam.T).T + lam @ phi @ lam.T
    below = [theta[i, j] for i in range(len(items)) for j in range(i)]
    assert row["rms_theta"] == pytest.approx(math.sqrt(np.mean(np.square(below))), abs=TOL_SAME)


# ---------------------------------------------------------------------------------------------
# the exact-fit test


def test_exact_fit_resamples_are_refits_of_the_transformed_data(
    bank_spec: sem_csat.ModelSpec,
) -> None:
    """Every replicate of the reference distribution equals a fit of the resampled transformed
    data X* = Z S^(-1/2) Σ^(1/2) by the public ``sem_csat.fit`` (Bollen & Stine 1992)."""
    result = _fit(bank_spec)
    boot = _boot(result, 40, seed=7, fit_test=True)
    test = boot.exact_fit
    assert test is not None
    z = result.standardized
    s = result.item_corr
    root = np.random.SeedSequence(7)
    for k, (run, reps) in enumerate((("", test.estimated), ("_saturated", test.saturated))):
        sigma = _implied(result, saturated=bool(k))
        transformed = z @ np.linalg.inv(scipy.linalg.sqrtm(s).real) @ scipy.linalg.sqrtm(sigma).real
        stream = np.random.SeedSequence(root.entropy, spawn_key=(0xB5, k))
        rows = bootstrap_indices(stream, len(z), range(12))
        for b in (0, 5, 11):
            # moved into the answer scale 0-10: a shift leaves every correlation unchanged
            frame = pd.DataFrame(
                5.0 + transformed[rows[b]], columns=list(bank_spec.indicator_names)
            )
            refit = _fit(bank_spec, frame)
            for name in ("srmr", "d_uls", "d_g"):
                assert reps.samples(name)[b, 0] == pytest.approx(
                    refit.fit_table.iloc[0][f"{name}{run}"], abs=1e-9
                ), (name, run, b)
        for name in ("srmr", "d_uls", "d_g"):
            draws = reps.samples(name)[:, 0]
            row = boot.fit_table.iloc[0]
            assert row[f"{name}{run}_hi95"] == pytest.approx(np.quantile(draws, 0.95))
            assert row[f"{name}{run}_hi99"] == pytest.approx(np.quantile(draws, 0.99))


def _implied(result: sem_csat.PLSResult, *, saturated: bool) -> np.ndarray:
    from sem_csat.pls.fit_measures import implied_correlation

    f = result._fit_inputs
    assert f is not None
    return implied_correlation(f, saturated=saturated)


def test_fit_table_columns_before_and_after_the_bootstrap(bank_spec: sem_csat.ModelSpec) -> None:
    result = _fit(bank_spec)
    assert tuple(result.fit_table.columns) == FIT_COLUMNS
    assert result.fit_table.shape == (1, len(FIT_COLUMNS))
    boot = _boot(result, 40, seed=1)
    extra = [c for c in boot.fit_table.columns if c not in FIT_COLUMNS]
    expected = [
        f"{d}{s}_{level}"
        for s in ("", "_saturated")
        for d in ("srmr", "d_uls", "d_g")
        for level in ("hi95", "hi99")
    ]
    assert sorted(extra) == sorted(expected)
    assert (boot.fit_table[expected].to_numpy() > 0).all()
    assert "fit" in boot.tables()
    np.testing.assert_array_equal(boot.tables()["fit"].to_numpy(), boot.fit_table.to_numpy())
    without = _boot(result, 40, seed=1, fit_test=False)
    assert tuple(without.fit_table.columns) == FIT_COLUMNS


# ---------------------------------------------------------------------------------------------
# higher-order constructs and interaction terms


def test_hoc_fit_measures_by_path_tracing() -> None:
    """ecsi_bank_hoc (two-stage): the first-order constructs' correlations implied by the final
    stage, traced by hand: IMAG → EXPE (a), IMAG → EVAL (b), EXPE → EVAL (c), IMAG → LOY (d),
    EVAL → LOY (e), and EVAL → QUAL, VAL, SAT by their loadings λ."""
    result = _fit(sem_csat.load_spec("ecsi_bank_hoc"))
    p = result.paths.set_index(["from", "to"])["estimate"]
    a, b, c = p[("IMAG", "EXPE")], p[("IMAG", "EVAL")], p[("EXPE", "EVAL")]
    d, e = p[("IMAG", "LOY")], p[("EVAL", "LOY")]
    lam = result.outer.set_index(["construct", "indicator"])["loading"]
    r = {("IMAG", "EXPE"): a, ("IMAG", "EVAL"): b + a * c, ("EXPE", "EVAL"): c + a * b}
    r[("IMAG", "LOY")] = d + r[("IMAG", "EVAL")] * e
    r[("EXPE", "LOY")] = a * d + r[("EXPE", "EVAL")] * e
    r[("EVAL", "LOY")] = d * r[("IMAG", "EVAL")] + e
    first = ["IMAG", "EXPE", "QUAL", "VAL", "SAT", "LOY"]
    v = np.eye(len(first))

    def corr(x: str, y: str) -> float:
        return r[(x, y)] if (x, y) in r else r[(y, x)]

    for i, x in enumerate(first):
        for j, y in enumerate(first):
            if i >= j:
                continue
            dims = [n for n in (x, y) if n in ("QUAL", "VAL", "SAT")]
            if len(dims) == 2:
                value = lam[("EVAL", x)] * lam[("EVAL", y)]
            elif len(dims) == 1:
                other = y if x in dims else x
                value = lam[("EVAL", dims[0])] * corr(other, "EVAL")
            else:
                value = corr(x, y)
            v[i, j] = v[j, i] = value
    items = list(result.spec.indicator_names)
    big = np.zeros((len(items), len(first)))
    for row in result.outer.itertuples():
        if row.construct in first:
            big[items.index(row.indicator), first.index(row.construct)] = row.loading
    sigma = big @ v @ big.T
    np.fill_diagonal(sigma, 1.0)
    phi = result.construct_correlations.loc[first, first].to_numpy()
    sigma_sat = big @ phi @ big.T
    np.fill_diagonal(sigma_sat, 1.0)
    row = result.fit_table.iloc[0]
    for name, value in distances(result.item_corr, sigma).items():
        assert row[name] == pytest.approx(float(value), abs=TOL_SAME), name
    for name, value in distances(result.item_corr, sigma_sat).items():
        assert row[f"{name}_saturated"] == pytest.approx(float(value), abs=TOL_SAME), name


def test_hoc_exact_fit_test_runs() -> None:
    result = _fit(sem_csat.load_spec("ecsi_bank_hoc"))
    boot = _boot(result, 40, seed=3)
    assert boot.exact_fit is not None
    assert boot.exact_fit.n_ok == {"estimated": 40, "saturated": 40}
    assert np.isfinite(boot.fit_table.to_numpy()).all()


def test_interaction_model_has_no_fit_measures(bank_spec: sem_csat.ModelSpec) -> None:
    spec = dataclasses.replace(
        bank_spec,
        interactions=(Interaction("SATxIMAG", "SAT", "IMAG"),),
        paths=(*bank_spec.paths, Path("SATxIMAG", "LOY")),
    )
    result = _fit(spec)
    assert tuple(result.fit_table.columns) == FIT_COLUMNS
    assert result.fit_table.isna().all(axis=None)
    codes = [d.code for d in result.findings()]
    assert "fit_measures_not_defined" in codes
    boot = _boot(result, 40, seed=1)
    assert boot.exact_fit is None
