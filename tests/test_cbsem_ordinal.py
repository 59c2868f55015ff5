"""Ordinal CB-SEM (polychorics, Γ, DWLS/WLSMV) against lavaan 0.6-14 (``tests/reference/lavaan``).

Cases ``ecsi_wlsmv`` (4 constructs, 11 ordered items) and ``ecsi_wlsmv_full`` (6 constructs,
22 ordered items), ``estimator = "WLSMV"``, delta parameterization.

Tolerances, stated once:

- ``TOL_SAMPLE = 1e-4`` (absolute): thresholds and polychoric correlations (the requirement);
- ``TOL = 1e-3`` (absolute): estimates, standard errors, z, ``std_all``, implied correlations;
  ``TOL_REL = 1e-3`` (relative): test statistics and fit measures (the requirement);
- ``TOL_TIGHT = 1e-5``: what the implementation actually achieves for every quantity above
  (lavaan's own optimizer tolerance is the limit, about 1e-6), pinned so that a regression shows
  long before it breaks parity.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import multivariate_normal

from sem_csat.cbsem.estimation import TABLE_COLUMNS
from sem_csat.cbsem.ordinal import (
    PolychoricResult,
    WLSMVEstimate,
    bivariate_normal_cdf,
    fit_wlsmv,
    polychoric,
)
from sem_csat.errors import DataError, EstimationError
from sem_csat.spec import ModelSpec

pytest.importorskip("semopy")
pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning", "ignore::FutureWarning", "ignore::RuntimeWarning"
)

TOL_SAMPLE = 1e-4
TOL = 1e-3
TOL_REL = 1e-3
TOL_TIGHT = 1e-5
ROOT = Path(__file__).resolve().parents[1]
LAVAAN = ROOT / "tests" / "reference" / "lavaan"
CASES = ("ecsi_wlsmv", "ecsi_wlsmv_full")
FIT_MEASURES = {
    "chisq": "chisq",
    "chisq.scaled": "chisq_scaled",
    "chisq.scaling.factor": "scaling_factor",
    "pvalue": "pvalue",
    "baseline.chisq": "baseline_chisq",
    "baseline.chisq.scaled": "baseline_chisq_scaled",
    "cfi.scaled": "cfi_scaled",
    "tli.scaled": "tli_scaled",
}


@pytest.fixture(scope="module")
def ecsi() -> pd.DataFrame:
    return pd.read_csv(ROOT / "sem_csat" / "datasets" / "ecsi_mobile.csv")


def _spec(case: str) -> ModelSpec:
    info = json.loads((LAVAAN / case / "info.json").read_text())
    return ModelSpec.from_lavaan(str(info["model"]), name=case)


def _items(spec: ModelSpec) -> list[str]:
    return [i.name for c in spec.constructs for i in c.indicators]


@pytest.fixture(scope="module")
def fits(ecsi: pd.DataFrame) -> dict[str, WLSMVEstimate]:
    """Both lavaan cases fitted once (about 6 s, most of it polychorics and semopy's parse)."""
    from sem_csat.cbsem import adapter
    from sem_csat.cbsem.syntax import to_semopy

    out = {}
    for case in CASES:
        spec = _spec(case)
        items = _items(spec)
        poly = polychoric(ecsi, items)
        structure = adapter.build_structure(
            to_semopy(spec), poly.correlation.to_numpy(), items, poly.n_obs
        )
        out[case] = fit_wlsmv(structure, ecsi, poly=poly, order=[*spec.construct_names, *items])
    return out


# ---------------------------------------------------------------------------------------------
# the bivariate normal distribution
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rho", [-0.999, -0.93, -0.5, 0.0, 0.2, 0.8, 0.95, 0.9995])
def test_bivariate_normal_cdf_matches_scipy(rho: float) -> None:
    rng = np.random.default_rng(2026)
    h = rng.normal(scale=1.5, size=40)
    k = rng.normal(scale=1.5, size=40)
    h[:3] = 0.0
    k[1:5] = 0.0  # both zero at index 1 and 2, one zero at 0, 3 and 4
    k[5] = h[5]
    ours = bivariate_normal_cdf(h, k, rho)
    mvn = multivariate_normal([0.0, 0.0], [[1.0, rho], [rho, 1.0]])
    ref = np.array([mvn.cdf([a, b]) for a, b in zip(h, k, strict=True)])
    np.testing.assert_allclose(ours, ref, atol=1e-8)


def test_bivariate_normal_cdf_infinite_limits() -> None:
    h = np.array([np.inf, -np.inf, 0.5, 0.5, np.inf])
    k = np.array([0.3, 0.3, np.inf, -np.inf, np.inf])
    got = bivariate_normal_cdf(h, k, 0.4)
    from scipy.special import ndtr

    np.testing.assert_allclose(got, [ndtr(0.3), 0.0, ndtr(0.5), 0.0, 1.0], atol=1e-15)


# ---------------------------------------------------------------------------------------------
# thresholds, polychoric correlations, Γ
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_thresholds_and_polychorics_match_lavaan(case: str, fits: dict[str, WLSMVEstimate]) -> None:
    poly = fits[case].polychoric
    th_ref = pd.read_csv(LAVAAN / case / "sample_th.csv", index_col=0)["value"]
    assert list(poly.thresholds.index) == list(th_ref.index)
    d_th = np.max(np.abs(poly.thresholds.to_numpy() - th_ref.to_numpy()))
    cor_ref = pd.read_csv(LAVAAN / case / "sample_cov.csv", index_col=0)
    cor = poly.correlation.loc[cor_ref.index, cor_ref.columns].to_numpy()
    d_cor = np.max(np.abs(cor - cor_ref.to_numpy()))
    assert d_th < TOL_SAMPLE
    assert d_cor < TOL_SAMPLE
    assert max(d_th, d_cor) < TOL_TIGHT


def test_gamma_threshold_block_gives_lavaans_threshold_standard_errors(
    fits: dict[str, WLSMVEstimate],
) -> None:
    """Γ's threshold block alone fixes the thresholds' SEs: sqrt(Γ_ττ / (N − 1))."""
    poly = fits["ecsi_wlsmv"].polychoric
    assert poly.gamma is not None
    ref = pd.read_csv(LAVAAN / "ecsi_wlsmv" / "params.csv")
    ref = ref[ref["op"] == "|"]
    names = [f"{a}|{b}" for a, b in zip(ref["lhs"], ref["rhs"], strict=True)]
    se = np.sqrt(np.diag(poly.gamma.loc[names, names].to_numpy()) / (poly.n_obs - 1))
    assert np.max(np.abs(se - ref["se"].to_numpy())) < TOL_TIGHT


def test_gamma_is_symmetric_positive_definite(fits: dict[str, WLSMVEstimate]) -> None:
    poly = fits["ecsi_wlsmv"].polychoric
    assert poly.gamma is not None
    g = poly.gamma.to_numpy()
    assert g.shape == (95 + 55, 95 + 55)
    assert list(poly.gamma.index) == list(poly.stat_names)
    assert poly.stat_names[95:97] == ("CUEX2~~CUEX1", "CUEX3~~CUEX1")  # lavaan's vech order
    np.testing.assert_array_equal(g, g.T)
    assert np.linalg.eigvalsh(g)[0] > 0


def test_polychoric_ignores_category_coding(ecsi: pd.DataFrame) -> None:
    """Only the order of the categories matters, not their values."""
    items = ["CUEX1", "CUEX2", "CUSL2"]
    a = polychoric(ecsi, items, gamma=False)
    b = polychoric(10 * ecsi[items] - 3, items, gamma=False)
    np.testing.assert_allclose(a.correlation, b.correlation, atol=1e-12)
    np.testing.assert_allclose(a.thresholds, b.thresholds, atol=1e-12)
    assert a.gamma is None
    assert "PolychoricResult(n_items=3" in repr(a)


def test_empty_cell_in_2x2_table_gets_lavaans_zero_add() -> None:
    """Without lavaan's zero.add = 0.5 the ML correlation of this table is exactly 1."""
    d = pd.DataFrame({"a": [0] * 30 + [1] * 20, "b": [0] * 25 + [1] * 5 + [1] * 20})
    r = polychoric(d, gamma=False).correlation.loc["a", "b"]
    assert 0.9 < r < 0.9999


def test_polychoric_refuses_bad_data(ecsi: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="missing"):
        polychoric(ecsi.assign(CUEX1=ecsi["CUEX1"].where(ecsi.index > 0)), ["CUEX1", "CUEX2"])
    with pytest.raises(DataError, match="single observed category"):
        polychoric(ecsi.assign(CUEX1=5), ["CUEX1", "CUEX2"])
    with pytest.raises(DataError, match="no column"):
        polychoric(ecsi, ["CUEX1", "nope"])


# ---------------------------------------------------------------------------------------------
# DWLS / WLSMV
# ---------------------------------------------------------------------------------------------


def _key(lhs: str, op: str, rhs: str) -> tuple[str, str, str]:
    if op == "~~":
        a, b = sorted((lhs, rhs))
        return (a, op, b)
    return (lhs, op, rhs)


@pytest.mark.parametrize("case", CASES)
def test_wlsmv_parameters_match_lavaan(case: str, fits: dict[str, WLSMVEstimate]) -> None:
    fit = fits[case]
    ref = pd.read_csv(LAVAAN / case / "params.csv", keep_default_na=False, na_values=["NA"])
    ref = ref[ref["op"].isin(["=~", "~", "~~", "|"])].rename(columns={"std.all": "std_all"})
    # lavaan prints se = 0 for fixed parameters; we use NaN
    ref = ref.assign(se=ref["se"].where(ref["se"] != 0))
    ref_rows = {_key(r.lhs, r.op, r.rhs): r for r in ref.itertuples()}
    assert len(fit.table) == len(ref)
    worst = dict.fromkeys(("estimate", "std_error", "z_value", "std_all"), 0.0)
    for row in fit.table.itertuples():
        r = ref_rows[_key(row.lhs, row.op, row.rhs)]
        for ours, theirs in (
            ("estimate", r.est),
            ("std_error", r.se),
            ("z_value", r.z),
            ("std_all", r.std_all),
        ):
            a, b = float(getattr(row, ours)), float(theirs)
            assert math.isnan(a) == math.isnan(b), (row, ours)
            if not math.isnan(a):
                worst[ours] = max(worst[ours], abs(a - b))
    assert max(worst.values()) < TOL, worst
    assert worst["estimate"] < TOL_TIGHT, worst
    assert worst["std_error"] < TOL_TIGHT, worst
    assert worst["z_value"] < 10 * TOL_TIGHT, worst  # z is about 20: relative 5e-7


@pytest.mark.parametrize("case", CASES)
def test_wlsmv_test_statistics_match_lavaan(case: str, fits: dict[str, WLSMVEstimate]) -> None:
    fit = fits[case]
    ref = pd.read_csv(LAVAAN / case / "fit.csv", index_col=0)["value"]
    assert fit.df == int(ref["df"])
    assert fit.n_free == int(ref["npar"])
    assert fit.baseline_df == int(ref["baseline.df"])
    assert fit.converged
    for measure, attr in FIT_MEASURES.items():
        ours, theirs = float(getattr(fit, attr)), float(ref[measure])
        rel = abs(ours - theirs) / max(abs(theirs), 1e-12)
        assert rel < TOL_REL, (measure, ours, theirs)
        assert rel < TOL_TIGHT, (measure, ours, theirs)
    # lavaan's fmin for least-squares estimators is chisq / (2N)
    assert fit.chisq / (2 * fit.n_obs) == pytest.approx(float(ref["fmin"]), rel=TOL_TIGHT)
    # shift b = df − a·tr(UΓ) enters chisq.scaled = chisq / scaling factor + shift
    assert fit.chisq / fit.scaling_factor + fit.shift == pytest.approx(fit.chisq_scaled)


@pytest.mark.parametrize("case", CASES)
def test_wlsmv_implied_correlations_match_lavaan(case: str, fits: dict[str, WLSMVEstimate]) -> None:
    ref = pd.read_csv(LAVAAN / case / "implied_cov.csv", index_col=0)
    ours = fits[case].sigma.loc[ref.index, ref.columns].to_numpy()
    assert np.max(np.abs(ours - ref.to_numpy())) < TOL_TIGHT
    np.testing.assert_allclose(np.diag(ours), 1.0, atol=1e-12)


def test_wlsmv_table_shape(fits: dict[str, WLSMVEstimate]) -> None:
    fit = fits["ecsi_wlsmv"]
    assert tuple(fit.table.columns) == TABLE_COLUMNS
    th = fit.table[fit.table["op"] == "|"]
    assert len(th) == 95
    assert th.iloc[0][["lhs", "rhs"]].tolist() == ["CUEX1", "t1"]
    # loadings come first, then thresholds, then (co)variances, as lavaan prints them
    ops = fit.table["op"].tolist()
    assert ops.index("|") > max(i for i, o in enumerate(ops) if o == "=~")
    assert ops.index("~~") > max(i for i, o in enumerate(ops) if o == "|")
    resid = fit.table[(fit.table["op"] == "~~") & (fit.table["lhs"] == "CUEX1")]
    assert resid["std_error"].isna().all()  # fixed by the delta parameterization
    assert fit.vcov.shape == (fit.theta.size, fit.theta.size)
    assert "WLSMVEstimate(n_obs=250" in repr(fit)


def test_wlsmv_needs_gamma(ecsi: pd.DataFrame, fits: dict[str, WLSMVEstimate]) -> None:
    from sem_csat.cbsem import adapter
    from sem_csat.cbsem.syntax import to_semopy

    spec = _spec("ecsi_wlsmv")
    items = _items(spec)
    poly = polychoric(ecsi, items, gamma=False)
    assert isinstance(poly, PolychoricResult)
    structure = adapter.build_structure(
        to_semopy(spec), poly.correlation.to_numpy(), items, poly.n_obs, semopy_fit=False
    )
    with pytest.raises(EstimationError, match="Γ"):
        fit_wlsmv(structure, ecsi, poly=poly)
    # without a precomputed result the polychorics are computed from the data
    fit = fit_wlsmv(structure, ecsi)
    assert fit.chisq == pytest.approx(fits["ecsi_wlsmv"].chisq, rel=1e-6)
