"""The parts of the pipeline's variations, one by one: EM and the missing-data information, the
FIML and DWLS derivatives, polychorics, the scaled tests and the Satorra–Bentler difference.

The lavaan parity of whole fits is in ``test_cbsem_variations.py``; here each part is checked
against closed forms, finite differences and lavaan's ``lavTestLRT`` tables
(``tests/reference/lavaan/hs_compare``).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtr
from scipy.stats import multivariate_normal

import sem_csat
from sem_csat.cbsem.missing import missing_data, vech_index
from sem_csat.cbsem.pipeline import CBSEMFit, Options, fit_data
from sem_csat.cbsem.polychoric import bivariate_normal_cdf, polychoric
from sem_csat.cbsem.test import TestResult, satorra_bentler_2001, scaled_shifted
from sem_csat.errors import DataError, SemCsatWarning, UsageError
from sem_csat.spec import ModelSpec

LAVAAN = Path(__file__).resolve().parent / "reference" / "lavaan"
DATASETS = Path(sem_csat.datasets.__path__[0])
ITEMS = [f"x{k}" for k in range(1, 10)]
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
ORTH = HS + "\nvisual ~~ 0*textual"
ONE = "g =~ " + " + ".join(ITEMS)


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(LAVAAN / "hs1939.csv")[ITEMS]


@pytest.fixture(scope="module")
def hs_missing() -> pd.DataFrame:
    return pd.read_csv(LAVAAN / "hs1939_missing.csv")[ITEMS]


def _spec(text: str, name: str = "m") -> ModelSpec:
    return ModelSpec.from_lavaan(text, name=name)


# ----------------------------------------------------------------------------- missing data
def test_em_on_complete_data_is_the_sample_moments() -> None:
    rng = np.random.default_rng(np.random.SeedSequence(7))
    y = rng.normal(size=(50, 3))
    md = missing_data(y, ["a", "b", "c"])
    assert md.iterations == 2  # one step reaches the answer, the next confirms it
    assert md.n_patterns == 1
    np.testing.assert_allclose(md.mu, y.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(md.sigma, np.cov(y, rowvar=False, ddof=0), atol=1e-12)


def test_missing_data_drops_empty_cases_and_refuses_unpaired_items(
    hs_missing: pd.DataFrame,
) -> None:
    y = hs_missing.to_numpy(dtype=np.float64)
    md = missing_data(y, ITEMS)
    more = missing_data(np.vstack([y, np.full((2, 9), np.nan)]), ITEMS)
    assert (more.dropped, more.nobs, md.dropped) == (2, md.nobs, 0)
    np.testing.assert_allclose(more.sigma, md.sigma, atol=1e-12)
    apart = y.copy()
    apart[: len(y) // 2, 0] = np.nan
    apart[len(y) // 2 :, 6] = np.nan
    with pytest.raises(DataError, match=r"'x1' and 'x7'"):
        missing_data(apart, ITEMS)


def test_h1_information_is_the_negative_hessian_of_the_loglikelihood(
    hs_missing: pd.DataFrame,
) -> None:
    md = missing_data(hs_missing.to_numpy(dtype=np.float64), ITEMS)
    p = len(ITEMS)
    a, b, _ = vech_index(p)

    def gradient(xi: np.ndarray) -> np.ndarray:
        s = np.zeros((p, p))
        s[a, b] = xi[p:]
        s = s + s.T - np.diag(np.diag(s))
        out: np.ndarray = md.scores(xi[:p], s).sum(axis=0) / md.nobs
        return out

    xi = np.concatenate([md.mu, md.sigma[a, b]])
    numeric = np.empty((xi.size, xi.size))
    for k in range(xi.size):
        e = np.zeros(xi.size)
        e[k] = 1e-5
        numeric[:, k] = -(gradient(xi + e) - gradient(xi - e)) / 2e-5
    np.testing.assert_allclose(md.observed_information(), numeric, atol=1e-7)
    np.testing.assert_allclose(gradient(xi), 0.0, atol=1e-4)  # EM stops at lavaan's 1e-5


def test_fiml_on_complete_data_is_ml_with_means(hs: pd.DataFrame) -> None:
    spec = _spec(HS)
    ml = fit_data(spec, hs)
    fiml = fit_data(spec, hs, Options(missing="ml"))
    assert fiml.stats.groups[0].missing is not None
    assert fiml.df == ml.df  # 9 more moments, 9 more parameters
    assert fiml.test.stat == pytest.approx(ml.test.stat, rel=1e-8)
    both = ml.params.merge(fiml.params, on=["lhs", "op", "rhs"], suffixes=("_ml", ""))
    np.testing.assert_allclose(both["estimate"], both["estimate_ml"], atol=1e-6)
    nu = fiml.params[fiml.params["op"] == "~1"].set_index("lhs")["estimate"]
    np.testing.assert_allclose(nu[ITEMS], hs.mean().to_numpy(), atol=1e-6)


# ----------------------------------------------------------------------------- derivatives
def _check_derivatives(fit: CBSEMFit, seed: int) -> None:
    """The analytic gradient and exact Hessian of f against central differences."""
    problem = fit.problem()
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    z = fit.optim.z + 0.02 * rng.standard_normal(fit.optim.z.size)
    _, g, _ = problem.evaluate(z)
    h = problem.hessian(z)
    num_g = np.empty_like(z)
    num_h = np.empty((z.size, z.size))
    for k in range(z.size):
        e = np.zeros_like(z)
        e[k] = 1e-6
        num_g[k] = (problem.value(z + e) - problem.value(z - e)) / 2e-6
        num_h[:, k] = (problem.evaluate(z + e)[1] - problem.evaluate(z - e)[1]) / 2e-6
    np.testing.assert_allclose(g, num_g, atol=1e-6)
    np.testing.assert_allclose(h, num_h, atol=1e-5)


def test_fiml_gradient_and_hessian_match_finite_differences(hs_missing: pd.DataFrame) -> None:
    _check_derivatives(fit_data(_spec(HS + "\ntextual ~ visual"), hs_missing, Options(
        missing="ml")), 11)  # fmt: skip


def test_dwls_gradient_and_hessian_match_finite_differences() -> None:
    data = pd.read_csv(LAVAAN / "bank_satisfaction_ordinal5.csv")
    spec = _spec("QUAL =~ qual1 + qual2 + qual3\nSAT =~ sat1 + sat2 + sat3\nSAT ~ QUAL")
    _check_derivatives(fit_data(spec, data, Options(estimator="WLSMV")), 12)


def test_mlr_scores_vanish_at_the_estimates(hs: pd.DataFrame) -> None:
    """The mean case-wise score is the gradient of −f: zero at the ML estimates."""
    fit = fit_data(_spec(HS), hs, Options(estimator="MLR"))
    problem = fit.problem()
    imp = problem.implied(fit.optim.z)
    assert imp is not None
    np.testing.assert_allclose(problem.scores_x(imp).mean(axis=0), 0.0, atol=1e-8)


# ----------------------------------------------------------------------------- polychorics
@pytest.mark.parametrize("rho", [-0.999, -0.93, -0.5, 0.0, 0.2, 0.8, 0.95, 0.9995])
def test_bivariate_normal_cdf_matches_scipy(rho: float) -> None:
    rng = np.random.default_rng(2026)
    h = rng.normal(scale=1.5, size=40)
    k = rng.normal(scale=1.5, size=40)
    h[:3] = 0.0
    k[1:5] = 0.0
    k[5] = h[5]
    mvn = multivariate_normal([0.0, 0.0], [[1.0, rho], [rho, 1.0]])
    ref = np.array([mvn.cdf([a, b]) for a, b in zip(h, k, strict=True)])
    np.testing.assert_allclose(bivariate_normal_cdf(h, k, rho), ref, atol=1e-8)


def test_bivariate_normal_cdf_infinite_limits() -> None:
    h = np.array([np.inf, -np.inf, 0.5, 0.5, np.inf])
    k = np.array([0.3, 0.3, np.inf, -np.inf, np.inf])
    got = bivariate_normal_cdf(h, k, 0.4)
    np.testing.assert_allclose(got, [ndtr(0.3), 0.0, ndtr(0.5), 0.0, 1.0], atol=1e-15)


def test_polychoric_ignores_category_coding() -> None:
    ecsi = pd.read_csv(DATASETS / "ecsi_mobile.csv")
    items = ["CUEX1", "CUEX2", "CUSL2"]
    a = polychoric(ecsi, items, gamma=False)
    b = polychoric(10 * ecsi[items] - 3, items, gamma=False)
    np.testing.assert_allclose(a.correlation, b.correlation, atol=1e-12)
    np.testing.assert_allclose(a.thresholds, b.thresholds, atol=1e-12)


def test_empty_cell_in_2x2_table_gets_lavaans_zero_add() -> None:
    """Without lavaan's zero.add = 0.5 the ML correlation of this table is exactly 1."""
    d = pd.DataFrame({"a": [0] * 30 + [1] * 20, "b": [0] * 25 + [1] * 5 + [1] * 20})
    r = polychoric(d, gamma=False).correlation.loc["a", "b"]
    assert 0.9 < r < 0.9999


def test_polychoric_refuses_bad_data() -> None:
    ecsi = pd.read_csv(DATASETS / "ecsi_mobile.csv")
    with pytest.raises(DataError, match="missing"):
        polychoric(ecsi.assign(CUEX1=ecsi["CUEX1"].where(ecsi.index > 0)), ["CUEX1", "CUEX2"])
    with pytest.raises(DataError, match="single observed category"):
        polychoric(ecsi.assign(CUEX1=5), ["CUEX1", "CUEX2"])
    with pytest.raises(DataError, match="no column"):
        polychoric(ecsi, ["CUEX1", "nope"])


# ----------------------------------------------------------------------------- options
def test_options_resolve_lavaans_shorthands_and_refuse_mismatches() -> None:
    mlr = Options(estimator="MLR")
    assert (mlr.estimator, mlr.se, mlr.test, mlr.information, mlr.method) == (
        "ML", "robust.huber.white", "yuan.bentler.mplus", "observed", "MLR"
    )  # fmt: skip
    wlsmv = Options(estimator="WLSMV")
    assert (wlsmv.estimator, wlsmv.se, wlsmv.test) == ("DWLS", "robust.sem", "scaled.shifted")
    assert Options(missing="ml").information == "observed"
    with pytest.raises(UsageError, match=r"robust\.huber\.white"):
        Options(estimator="GLS", se="robust.huber.white")
    with pytest.raises(UsageError, match="missing"):
        Options(estimator="ULS", missing="ml")


def test_variations_refuse_what_their_data_cannot_give(hs: pd.DataFrame) -> None:
    spec = _spec(HS)
    cov = hs.cov()
    from sem_csat.cbsem.pipeline import fit_moments

    with pytest.raises(UsageError, match="raw data"):
        fit_moments(spec, cov, len(hs), Options(estimator="MLR"))
    with pytest.raises(UsageError, match="ordinal"):
        fit_moments(spec, cov, len(hs), Options(estimator="WLSMV"))


# ----------------------------------------------------------------------------- tests
def test_scaled_shifted_of_an_identity_ugamma_is_the_standard_test() -> None:
    t = scaled_shifted(TestResult("standard", 10.0, 4.0, math.nan), np.eye(4))
    assert (t.stat, t.scaling_factor, t.shift) == pytest.approx((10.0, 1.0, 0.0))


def _lrt(name: str) -> pd.Series:
    table = pd.read_csv(LAVAAN / "hs_compare" / f"lrt_{name}.csv")
    return table.set_index("model").loc["restricted"]


@pytest.mark.parametrize(("restricted", "text"), [("orth", ORTH), ("onefactor", ONE)])
@pytest.mark.parametrize("estimator", ["ML", "MLR"])
def test_difference_tests_match_lavaans_lavtestlrt(
    hs: pd.DataFrame, restricted: str, text: str, estimator: str
) -> None:
    full = fit_data(_spec(HS), hs, Options(estimator=estimator))
    small = fit_data(_spec(text), hs, Options(estimator=estimator))
    scaled = estimator == "MLR"

    def triple(f: CBSEMFit) -> tuple[float, int, float]:
        c = f.scaled_test.scaling_factor if f.scaled_test is not None else math.nan
        return f.test.stat, f.df, c

    test = satorra_bentler_2001(triple(small), triple(full), full.n_obs, scaled=scaled)
    ref = _lrt(f"{restricted}_{estimator.lower()}")
    assert test.method == ("satorra.bentler.2001" if scaled else "standard")
    assert test.df_diff == int(ref["Df diff"])
    assert test.chi2_diff == pytest.approx(float(ref["Chisq diff"]), rel=1e-4)
    assert test.p_value == pytest.approx(float(ref["Pr(>Chisq)"]), rel=1e-3, abs=1e-12)
    if scaled:
        assert math.isnan(test.rmsea)
    else:
        assert test.rmsea == pytest.approx(float(ref["RMSEA"]), rel=1e-4)


def test_negative_scaling_factor_of_a_difference_warns() -> None:
    with pytest.warns(SemCsatWarning, match="non-positive scaling factor"):
        test = satorra_bentler_2001((121.5, 25, 0.5), (85.3, 24, 1.0), 301, scaled=True)
    assert math.isnan(test.chi2_diff)
    assert math.isnan(test.p_value)
