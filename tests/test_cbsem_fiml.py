"""FIML for incomplete data against lavaan 0.6-14 (``tests/reference/lavaan/hs_fiml*``).

Tolerances, stated once: estimates, standard errors (plain and robust), intercepts and
``std_all`` agree with lavaan to ``TOL = 1e-3`` absolute; log-likelihoods, χ² and the scaled
χ² to ``RTOL = 1e-3`` relative.  The fits actually agree to about 1e-6 (lavaan's own convergence
tolerance is the limit).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sem_csat.cbsem.estimation import TABLE_COLUMNS, ModelStructure, fit_cbsem
from sem_csat.cbsem.fiml import FIMLEstimate, em_saturated, fit_fiml
from sem_csat.errors import EstimationError, MissingDataWarning
from sem_csat.spec import ModelSpec
from sem_csat.spec.builders import reflective

pytest.importorskip("semopy")
pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning", "ignore::FutureWarning", "ignore::RuntimeWarning"
)

TOL = 1e-3
RTOL = 1e-3
LAVAAN = Path(__file__).resolve().parent / "reference" / "lavaan"
ITEMS = [f"x{i}" for i in range(1, 10)]
HS = ModelSpec(
    "HS",
    constructs=[
        reflective("visual", ITEMS[:3]),
        reflective("textual", ITEMS[3:6]),
        reflective("speed", ITEMS[6:]),
    ],
)
ORDER = [*HS.construct_names, *ITEMS]


def _structure(cov: np.ndarray, n: int) -> ModelStructure:
    """The HS model's structure, built as :func:`fit_cbsem` builds it, warm-started at ``cov``."""
    from sem_csat.cbsem import adapter
    from sem_csat.cbsem.syntax import to_semopy

    syntax = to_semopy(HS)
    return adapter.build_structure(
        syntax.text, cov, ITEMS, n, label_names=dict(syntax.names), semopy_fit=True
    )


@pytest.fixture(scope="module")
def missing_data() -> pd.DataFrame:
    return pd.read_csv(LAVAAN / "hs1939_missing.csv")[ITEMS]


@pytest.fixture(scope="module")
def structure(missing_data: pd.DataFrame) -> ModelStructure:
    _, sigma, _ = em_saturated(missing_data.to_numpy(dtype=float))
    return _structure(sigma, len(missing_data))


@pytest.fixture(scope="module")
def fiml(structure: ModelStructure, missing_data: pd.DataFrame) -> FIMLEstimate:
    return fit_fiml(structure, missing_data, order=ORDER)


@pytest.fixture(scope="module")
def fiml_mlr(structure: ModelStructure, missing_data: pd.DataFrame) -> FIMLEstimate:
    return fit_fiml(structure, missing_data, robust=True, order=ORDER)


def _merged(fit: FIMLEstimate, case: str) -> pd.DataFrame:
    ref = pd.read_csv(LAVAAN / case / "params.csv", keep_default_na=False, na_values=["NA"])
    ref = ref[ref["op"] != "r2"]
    assert set(zip(ref.lhs, ref.op, ref.rhs, strict=True)) == set(
        zip(fit.table.lhs, fit.table.op, fit.table.rhs, strict=True)
    ), "parameter rows or their orientation differ from lavaan's"
    merged = ref.merge(fit.table, on=["lhs", "op", "rhs"])
    assert len(merged) == len(ref) == len(fit.table)
    return merged


def _fit_measures(case: str) -> pd.Series:
    return pd.read_csv(LAVAAN / case / "fit.csv", index_col=0)["value"]


def test_hs_fiml_matches_lavaan_parameters(fiml: FIMLEstimate) -> None:
    m = _merged(fiml, "hs_fiml")
    free = m["se"] > 0
    assert list(fiml.table.columns) == list(TABLE_COLUMNS)
    assert np.max(np.abs(m["est"] - m["estimate"])) < TOL
    assert np.max(np.abs(m.loc[free, "se"] - m.loc[free, "std_error"])) < TOL
    assert m.loc[~free, "std_error"].isna().all()
    assert np.max(np.abs(m["std.all"] - m["std_all"])) < TOL
    assert np.max(np.abs(m.loc[free, "z"] - m.loc[free, "z_value"])) < 10 * TOL
    intercepts = m[(m["op"] == "~1") & free]
    assert len(intercepts) == len(ITEMS)
    assert np.max(np.abs(intercepts["est"] - intercepts["estimate"])) < TOL
    assert np.max(np.abs(intercepts["se"] - intercepts["std_error"])) < TOL


def test_hs_fiml_matches_lavaan_fit(fiml: FIMLEstimate) -> None:
    ref = _fit_measures("hs_fiml")
    info = json.loads((LAVAAN / "hs_fiml" / "info.json").read_text())
    assert fiml.converged
    assert fiml.loglik == pytest.approx(ref["logl"], rel=RTOL)
    assert fiml.loglik_h1 == pytest.approx(ref["unrestricted.logl"], rel=RTOL)
    assert fiml.chi2 == pytest.approx(ref["chisq"], rel=RTOL)
    assert fiml.df == int(ref["df"])
    assert fiml.n_free == int(ref["npar"])
    assert fiml.p_value == pytest.approx(ref["pvalue"], rel=RTOL)
    assert fiml.n_obs == info["nobs"]
    assert fiml.n_patterns == info["n_patterns"]
    assert fiml.n_dropped == 0
    assert math.isnan(fiml.chi2_scaled)


def test_hs_fiml_matches_lavaan_moments(fiml: FIMLEstimate) -> None:
    case = LAVAAN / "hs_fiml"
    coverage = pd.read_csv(case / "coverage.csv", index_col=0)
    assert np.max(np.abs(fiml.coverage.loc[ITEMS, ITEMS].to_numpy() - coverage.to_numpy())) < 1e-12
    implied = pd.read_csv(case / "implied_cov.csv", index_col=0)
    assert np.max(np.abs(fiml.sigma.loc[ITEMS, ITEMS].to_numpy() - implied.to_numpy())) < TOL
    h1 = pd.read_csv(case / "sample_cov.csv", index_col=0)  # lavaan's EM, em.h1.tol = 1e-5
    assert np.max(np.abs(fiml.sigma_h1.loc[ITEMS, ITEMS].to_numpy() - h1.to_numpy())) < TOL
    h1_mean = pd.read_csv(case / "sample_mean.csv", index_col=0)["value"]
    assert np.max(np.abs(fiml.mu_h1[ITEMS].to_numpy() - h1_mean[ITEMS].to_numpy())) < TOL


def test_hs_fiml_mlr_matches_lavaan(fiml_mlr: FIMLEstimate) -> None:
    m = _merged(fiml_mlr, "hs_fiml_mlr")
    free = m["se"] > 0
    assert fiml_mlr.robust
    assert np.max(np.abs(m["est"] - m["estimate"])) < TOL
    assert np.max(np.abs(m.loc[free, "se"] - m.loc[free, "std_error"])) < TOL
    ref = _fit_measures("hs_fiml_mlr")
    assert fiml_mlr.chi2 == pytest.approx(ref["chisq"], rel=RTOL)
    assert fiml_mlr.chi2_scaled == pytest.approx(ref["chisq.scaled"], rel=RTOL)
    assert fiml_mlr.p_value_scaled == pytest.approx(ref["pvalue.scaled"], rel=RTOL)
    assert fiml_mlr.scaling_factor == pytest.approx(ref["chisq.scaling.factor"], rel=RTOL)
    assert fiml_mlr.scaling_factor_h0 == pytest.approx(ref["scaling.factor.h0"], rel=RTOL)
    assert fiml_mlr.scaling_factor_h1 == pytest.approx(ref["scaling.factor.h1"], rel=RTOL)


def test_fiml_on_complete_data_equals_ml() -> None:
    hs = pd.read_csv(LAVAAN / "hs1939.csv")[ITEMS]
    ml = fit_cbsem(HS, hs)
    cov = np.cov(hs.to_numpy(dtype=float), rowvar=False, ddof=0)
    fit = fit_fiml(_structure(cov, len(hs)), hs, order=ORDER)
    assert fit.n_patterns == 1
    assert fit.coverage.to_numpy() == pytest.approx(np.ones((9, 9)))
    assert fit.chi2 == pytest.approx(len(hs) * ml.fmin, rel=RTOL)
    assert fit.df == ml.df  # 9 more moments, 9 more parameters
    merged = ml.table.merge(fit.table, on=["lhs", "op", "rhs"], suffixes=("_ml", ""))
    assert len(merged) == len(ml.table)
    assert np.max(np.abs(merged["estimate_ml"] - merged["estimate"])) < TOL
    nu = fit.table[(fit.table["op"] == "~1") & fit.table["lhs"].isin(ITEMS)]
    means = hs.mean().to_numpy()
    assert np.max(np.abs(nu.set_index("lhs").loc[ITEMS, "estimate"].to_numpy() - means)) < TOL
    n, p = hs.shape
    expected = -0.5 * n * (p * np.log(2 * np.pi) + np.linalg.slogdet(cov)[1] + p)
    assert fit.loglik_h1 == pytest.approx(expected, rel=1e-9)


def test_fiml_drops_empty_cases_with_count(
    structure: ModelStructure, missing_data: pd.DataFrame, fiml: FIMLEstimate
) -> None:
    empty = pd.DataFrame(np.nan, index=[1000, 1001], columns=ITEMS)
    with pytest.warns(MissingDataWarning, match="2 case"):
        fit = fit_fiml(structure, pd.concat([missing_data, empty]), order=ORDER)
    assert fit.n_dropped == 2
    assert fit.n_obs == len(missing_data)
    assert fit.n_patterns == fiml.n_patterns
    assert fit.loglik == pytest.approx(fiml.loglik, rel=1e-9)
    assert fit.table["estimate"].to_numpy() == pytest.approx(
        fiml.table["estimate"].to_numpy(), abs=1e-6
    )


def test_fiml_refuses_pair_never_observed_together(
    structure: ModelStructure, missing_data: pd.DataFrame
) -> None:
    data = missing_data.copy()
    data.loc[data.index[: len(data) // 2], "x1"] = np.nan
    data.loc[data.index[len(data) // 2 :], "x7"] = np.nan
    with pytest.raises(EstimationError, match=r"'x1' and 'x7'"):
        fit_fiml(structure, data)


def test_em_saturated_on_complete_data_is_the_sample_moments() -> None:
    rng = np.random.default_rng(np.random.SeedSequence(7))
    y = rng.normal(size=(50, 3))
    mu, sigma, iterations = em_saturated(y)
    assert iterations == 2  # one step reaches the answer, the next confirms it
    assert mu == pytest.approx(y.mean(axis=0))
    assert sigma == pytest.approx(np.cov(y, rowvar=False, ddof=0))


def test_fiml_gradient_matches_finite_differences(
    structure: ModelStructure, missing_data: pd.DataFrame, fiml: FIMLEstimate
) -> None:
    from sem_csat.cbsem.fiml import _FIMLObjective, _patterns

    y = missing_data.to_numpy(dtype=float)
    obj = _FIMLObjective(structure, _patterns(y), len(y))
    rng = np.random.default_rng(np.random.SeedSequence(11))
    x = fiml.theta + 0.05 * rng.standard_normal(fiml.theta.size)
    numeric = np.empty_like(x)
    for k in range(x.size):
        e = np.zeros_like(x)
        e[k] = 1e-6
        numeric[k] = (obj.value(x + e) - obj.value(x - e)) / 2e-6
    assert obj.gradient(x) == pytest.approx(numeric, abs=1e-6)
