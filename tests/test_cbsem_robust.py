"""Robust ML (MLR) and scaled χ² differences (:mod:`sem_csat.cbsem.robust`) against lavaan 0.6-14.

References (``tests/reference/lavaan``, made by ``make_reference.R``): ``hs_mlr`` (robust SEs in
``params.csv``; ``chisq.scaled``, ``chisq.scaling.factor``, the ``*.scaled`` and ``*.robust``
indices in ``fit.csv``), ``hs_compare`` (the nested ``orth_*`` and ``onefactor_*`` models by
ML and MLR, and ``lavTestLRT`` tables ``lrt_*.csv``).

Tolerances, stated once:

* fit indices, scaled statistics, scaling factors and difference tests agree with lavaan to a
  relative difference of ``RTOL = 1e-3`` (or ``ATOL = 1e-6`` for values within ``ATOL`` of 0,
  such as p-values that lavaan prints as 0);
* robust standard errors agree to ``SE_ATOL = 1e-3`` (absolute).

They actually agree to about 1e-7 (lavaan's convergence is the limit); ``RTOL_TIGHT`` and
``SE_ATOL_TIGHT`` (1e-5) pin that, so that a regression shows up long before it breaks parity.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sem_csat.cbsem.fit_indices import fit_indices
from sem_csat.cbsem.robust import (
    DifferenceTest,
    RobustResult,
    fit_mlr,
    mlr,
    robust_fit_indices,
    scaled_difference,
)
from sem_csat.errors import DataError, SemCsatWarning, UsageError
from sem_csat.spec import ModelSpec
from sem_csat.spec.builders import reflective
from sem_csat.spec.model import Covariance

pytest.importorskip("semopy")
pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning", "ignore::FutureWarning", "ignore::RuntimeWarning"
)

RTOL = 1e-3
ATOL = 1e-6
SE_ATOL = 1e-3
RTOL_TIGHT = 1e-5
SE_ATOL_TIGHT = 1e-5

LAVAAN = Path(__file__).resolve().parent / "reference" / "lavaan"
ITEMS = [f"x{k}" for k in range(1, 10)]


def _three_factor(orthogonal: bool = False) -> ModelSpec:
    covs = (Covariance("visual", "textual", fixed=0.0),) if orthogonal else ()
    return ModelSpec(
        "HS-orth" if orthogonal else "HS",
        constructs=(
            reflective("visual", ["x1", "x2", "x3"]),
            reflective("textual", ["x4", "x5", "x6"]),
            reflective("speed", ["x7", "x8", "x9"]),
        ),
        covariances=covs,
    )


def _one_factor() -> ModelSpec:
    return ModelSpec("HS-one", constructs=(reflective("g", ITEMS),))


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(LAVAAN / "hs1939.csv")


@pytest.fixture(scope="module")
def fits(hs: pd.DataFrame) -> dict[str, RobustResult]:
    """MLR results (each holding its ML fit) of the three HS models, fitted once."""
    return {
        "full": fit_mlr(_three_factor(), hs),
        "orth": fit_mlr(_three_factor(orthogonal=True), hs),
        "onefactor": fit_mlr(_one_factor(), hs),
    }


def _lavaan_fit(case: str) -> pd.Series:
    return pd.read_csv(LAVAAN / case / "fit.csv").set_index("measure")["value"].astype(float)


def _rel_diff(ours: float, ref: float) -> float:
    if abs(ref) <= ATOL:
        return 0.0 if abs(ours - ref) <= ATOL else math.inf
    return abs(ours - ref) / abs(ref)


def _key(lhs: str, op: str, rhs: str) -> tuple[str, str, str]:
    return (min(lhs, rhs), op, max(lhs, rhs)) if op == "~~" else (lhs, op, rhs)


# --------------------------------------------------------------------------------------------
# MLR: standard errors


@pytest.mark.parametrize(
    ("name", "case", "n_rows", "n_free"),
    [
        ("full", "hs_mlr", 24, 21),
        ("orth", "hs_compare/orth_mlr", 24, 20),
        ("onefactor", "hs_compare/onefactor_mlr", 19, 18),
    ],
)
def test_hs_mlr_robust_se_match_lavaan(
    fits: dict[str, RobustResult], name: str, case: str, n_rows: int, n_free: int
) -> None:
    ref = pd.read_csv(LAVAAN / case / "params.csv", keep_default_na=False, na_values=["NA"])
    ref = ref[ref["op"].isin(["=~", "~~"])]
    ours = fits[name].table
    merged = ref.assign(key=[_key(*r) for r in zip(ref.lhs, ref.op, ref.rhs, strict=True)]).merge(
        ours.assign(key=[_key(*r) for r in zip(ours.lhs, ours.op, ours.rhs, strict=True)]),
        on="key",
    )
    assert len(merged) == len(ref) == len(ours) == n_rows
    free = merged["se"] > 0
    assert free.sum() == n_free
    assert merged.loc[~free, "std_error"].isna().all()  # fixed: NaN, not lavaan's 0
    diffs = {
        "estimate": (merged.loc[free, "estimate"] - merged.loc[free, "est"]).abs().max(),
        "std_error": (merged.loc[free, "std_error"] - merged.loc[free, "se"]).abs().max(),
        "z_value": (merged.loc[free, "z_value"] - merged.loc[free, "z"]).abs().max(),
        "ci_lower": (merged.loc[free, "ci_lower"] - merged.loc[free, "ci.lower"]).abs().max(),
        "ci_upper": (merged.loc[free, "ci_upper"] - merged.loc[free, "ci.upper"]).abs().max(),
    }
    assert max(diffs.values()) < SE_ATOL, diffs
    assert diffs["std_error"] < SE_ATOL_TIGHT, diffs
    p = (merged.loc[free, "p_value"] - merged.loc[free, "pvalue"]).abs().max()
    assert p < ATOL


def test_mlr_keeps_ml_estimates_and_table_shape(fits: dict[str, RobustResult]) -> None:
    rob = fits["full"]
    ml = rob.estimate.table
    assert list(rob.table.columns) == list(ml.columns)
    assert rob.table[["lhs", "op", "rhs", "label"]].equals(ml[["lhs", "op", "rhs", "label"]])
    np.testing.assert_array_equal(rob.table["estimate"], ml["estimate"])
    np.testing.assert_array_equal(rob.table["std_all"], ml["std_all"])
    # robust and normal-theory SEs differ, but not wildly (HS is close to normal)
    ratio = rob.std_errors / np.sqrt(np.diag(rob.estimate.vcov))
    assert np.all((ratio > 0.5) & (ratio < 2.0))
    assert not np.allclose(ratio, 1.0, atol=1e-3)
    assert rob.vcov.shape == (21, 21)
    np.testing.assert_allclose(rob.vcov, rob.vcov.T)
    assert np.all(np.linalg.eigvalsh(rob.vcov) > 0)


def test_mlr_accepts_array_in_structure_order(
    fits: dict[str, RobustResult], hs: pd.DataFrame
) -> None:
    rob = fits["full"]
    again = mlr(rob.structure, rob.estimate, hs[list(rob.structure.observed)].to_numpy())
    np.testing.assert_allclose(again.vcov, rob.vcov, rtol=1e-12)
    assert again.chi2_scaled == pytest.approx(rob.chi2_scaled, rel=1e-12)


# --------------------------------------------------------------------------------------------
# MLR: scaled test and fit indices


@pytest.mark.parametrize(
    ("name", "case"),
    [
        ("full", "hs_mlr"),
        ("orth", "hs_compare/orth_mlr"),
        ("onefactor", "hs_compare/onefactor_mlr"),
    ],
)
def test_hs_mlr_fit_measures_match_lavaan(
    fits: dict[str, RobustResult], name: str, case: str
) -> None:
    ref = _lavaan_fit(case)
    ours = fits[name].as_lavaan()
    assert set(ours) <= set(ref.index)
    diffs = {k: _rel_diff(v, float(ref[k])) for k, v in ours.items()}
    worst = max(diffs, key=lambda k: diffs[k])
    assert diffs[worst] < RTOL, (worst, ours[worst], ref[worst])
    key = ("chisq.scaled", "chisq.scaling.factor", "baseline.chisq.scaled", "cfi.robust",
           "tli.robust", "rmsea.robust")  # fmt: skip
    assert max(diffs[k] for k in key) < RTOL_TIGHT, {k: diffs[k] for k in key}


def test_hs_mlr_scaled_statistic_is_t_over_c(fits: dict[str, RobustResult]) -> None:
    rob = fits["full"]
    ref = _lavaan_fit("hs_mlr")
    assert rob.df == 24
    assert rob.chi2 == pytest.approx(ref["chisq"], rel=1e-9)
    assert rob.chi2_scaled == pytest.approx(rob.chi2 / rob.scaling_factor, rel=1e-14)
    assert rob.baseline_chi2_scaled == pytest.approx(
        rob.baseline_chi2 / rob.baseline_scaling_factor, rel=1e-14
    )
    # c = (p*·c_h1 − q·c_h0)/df
    c = (45 * rob.scaling_factor_h1 - 21 * rob.scaling_factor_h0) / 24
    assert rob.scaling_factor == pytest.approx(c, rel=1e-12)
    # robust RMSEA = scaled RMSEA · sqrt(c) (lavaan's identity)
    assert rob.rmsea_robust == pytest.approx(
        rob.rmsea_scaled * math.sqrt(rob.scaling_factor), rel=1e-12
    )


def test_robust_fit_indices_fills_extension_point(fits: dict[str, RobustResult]) -> None:
    rob = fits["full"]
    est = rob.estimate
    ml = fit_indices(est.sample_cov.to_numpy(), est.sigma.to_numpy(), est.n_obs, est.n_free)
    assert ml.chi2_scaled is None
    filled = robust_fit_indices(rob, ml)
    assert robust_fit_indices(rob) == filled
    ref = _lavaan_fit("hs_mlr")
    assert filled.chi2_scaled == pytest.approx(ref["chisq.scaled"], rel=RTOL)
    assert filled.scaling_factor == pytest.approx(ref["chisq.scaling.factor"], rel=RTOL)
    assert filled.cfi_robust == pytest.approx(ref["cfi.robust"], rel=RTOL)
    assert filled.tli_robust == pytest.approx(ref["tli.robust"], rel=RTOL)
    assert filled.rmsea_robust == pytest.approx(ref["rmsea.robust"], rel=RTOL)
    unchanged = {"chi2_scaled", "scaling_factor", "cfi_robust", "tli_robust", "rmsea_robust"}
    for f in dataclasses.fields(ml):
        if f.name not in unchanged and f.name != "diagnostics":
            a, b = getattr(ml, f.name), getattr(filled, f.name)
            assert a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))


# --------------------------------------------------------------------------------------------
# Difference tests


def _lrt(name: str) -> pd.Series:
    table = pd.read_csv(LAVAAN / "hs_compare" / f"lrt_{name}.csv")
    return table.set_index("model").loc["restricted"]


@pytest.mark.parametrize("restricted", ["orth", "onefactor"])
def test_hs_compare_ml_difference_matches_lavaan(
    fits: dict[str, RobustResult], restricted: str
) -> None:
    ref = _lrt(f"{restricted}_ml")
    test = scaled_difference(fits[restricted].estimate, fits["full"].estimate)
    assert isinstance(test, DifferenceTest)
    assert test.method == "standard"
    assert test.df_diff == int(ref["Df diff"])
    assert test.chi2_diff == test.chi2_diff_standard
    assert math.isnan(test.scaling_factor)
    for ours, lav in [
        (test.chi2_diff, ref["Chisq diff"]),
        (test.p_value, ref["Pr(>Chisq)"]),
        (test.rmsea, ref["RMSEA"]),
    ]:
        assert _rel_diff(ours, float(lav)) < RTOL_TIGHT, (ours, lav)


@pytest.mark.parametrize("restricted", ["orth", "onefactor"])
def test_hs_compare_mlr_satorra_bentler_2001_matches_lavaan(
    fits: dict[str, RobustResult], restricted: str
) -> None:
    ref = _lrt(f"{restricted}_mlr")
    test = scaled_difference(fits["full"], fits[restricted])  # either order
    assert test.method == "satorra.bentler.2001"
    assert test.df_diff == int(ref["Df diff"])
    assert test.df_restricted > test.df_full
    # c_d is a difference of two close numbers, so it amplifies lavaan's ~1e-7 error in c
    assert _rel_diff(test.chi2_diff, float(ref["Chisq diff"])) < 10 * RTOL_TIGHT
    assert _rel_diff(test.p_value, float(ref["Pr(>Chisq)"])) < RTOL
    assert test.chi2_diff_standard == pytest.approx(
        float(_lrt(f"{restricted}_ml")["Chisq diff"]), rel=RTOL_TIGHT
    )
    assert math.isnan(test.rmsea)
    assert test == scaled_difference(fits[restricted], fits["full"])


def test_scaled_difference_rejects_mixed_and_non_nested(fits: dict[str, RobustResult]) -> None:
    with pytest.raises(UsageError, match="not one of each"):
        scaled_difference(fits["orth"], fits["full"].estimate)
    with pytest.raises(UsageError, match="not nested"):
        scaled_difference(fits["full"], fits["full"])


def test_scaled_difference_rejects_other_data(fits: dict[str, RobustResult]) -> None:
    full = fits["full"].estimate
    other = dataclasses.replace(fits["orth"].estimate, n_obs=full.n_obs - 1)
    with pytest.raises(DataError, match="same data"):
        scaled_difference(other, full)


def test_negative_scaling_factor_of_difference_warns(fits: dict[str, RobustResult]) -> None:
    # c_d = (df0·c0 − df1·c1)/Δdf < 0 when the restricted model's factor is much smaller
    fake = dataclasses.replace(fits["orth"], scaling_factor=0.5)
    with pytest.warns(SemCsatWarning, match="non-positive scaling factor"):
        test = scaled_difference(fake, fits["full"])
    assert math.isnan(test.chi2_diff)
    assert math.isnan(test.p_value)


def test_saturated_model_has_no_scaled_test(hs: pd.DataFrame) -> None:
    rob = fit_mlr(ModelSpec("visual", constructs=(reflective("visual", ["x1", "x2", "x3"]),)), hs)
    assert rob.df == 0
    assert np.all(np.isfinite(rob.std_errors))
    for value in (rob.chi2_scaled, rob.scaling_factor, rob.cfi_robust, rob.rmsea_robust):
        assert math.isnan(value)
    assert math.isfinite(rob.baseline_chi2_scaled)


# --------------------------------------------------------------------------------------------
# Input checks


def test_mlr_rejects_non_ml_fit(fits: dict[str, RobustResult], hs: pd.DataFrame) -> None:
    rob = fits["full"]
    gls = dataclasses.replace(rob.estimate, estimator="GLS")
    with pytest.raises(UsageError, match="estimator='ML'"):
        mlr(rob.structure, gls, hs)


def test_mlr_rejects_other_or_incomplete_data(
    fits: dict[str, RobustResult], hs: pd.DataFrame
) -> None:
    rob = fits["full"]
    with pytest.raises(DataError, match="not the data"):
        mlr(rob.structure, rob.estimate, hs.iloc[:-1])
    shuffled = hs[list(reversed(list(rob.structure.observed)))].to_numpy()
    with pytest.raises(DataError, match="not the data"):
        mlr(rob.structure, rob.estimate, shuffled)
    holes = hs.copy()
    holes.loc[3, "x4"] = np.nan
    with pytest.raises(DataError, match="missing"):
        mlr(rob.structure, rob.estimate, holes)
    with pytest.raises(DataError, match="n × 9"):
        mlr(rob.structure, rob.estimate, hs[ITEMS[:5]].to_numpy())
    with pytest.raises(DataError, match="no column"):
        mlr(rob.structure, rob.estimate, hs.drop(columns="x9"))
