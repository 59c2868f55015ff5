"""Model comparison (:mod:`sem_csat.comparison`) against lavaan 0.6-14's ``lavTestLRT``.

References (``tests/reference/lavaan/hs_compare``, made by ``make_reference.R``): the
Holzinger–Swineford three-factor model ("full") against the orthogonal model
(``visual ~~ 0*textual``) and the one-factor model, by ML (``lrt_*_ml.csv``, standard
chi-square difference) and by MLR (``lrt_*_mlr.csv``, Satorra–Bentler 2001).

Tolerance, stated once: every figure (χ², Δχ², p, RMSEA of the difference, AIC, BIC) agrees
with lavaan to a relative difference of ``RTOL = 1e-3`` (``ATOL = 1e-6`` for values within
``ATOL`` of 0, such as p-values far below lavaan's print precision).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.cbsem.model import CBSEM
from sem_csat.cbsem.results import CBSEMResult
from sem_csat.comparison import MODEL_COLUMNS, TEST_COLUMNS, Comparison, compare
from sem_csat.errors import SemCsatWarning, UsageError
from sem_csat.pls.results import PLSResult
from sem_csat.spec import ModelSpec
from sem_csat.spec.builders import multi_items, paths, reflective
from sem_csat.spec.model import Covariance

pytest.importorskip("semopy")
pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning", "ignore::FutureWarning", "ignore::RuntimeWarning"
)

RTOL = 1e-3
ATOL = 1e-6

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


def _close(ours: float, ref: float) -> bool:
    if abs(ref) <= ATOL:
        return abs(ours - ref) <= ATOL
    return abs(ours - ref) / abs(ref) < RTOL


def _lrt(name: str) -> pd.DataFrame:
    return pd.read_csv(LAVAAN / "hs_compare" / f"lrt_{name}.csv").set_index("model")


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(LAVAAN / "hs1939.csv")


@pytest.fixture(scope="module")
def ml(hs: pd.DataFrame) -> dict[str, CBSEMResult]:
    est = CBSEM("ml")
    return {
        "full": est.fit(_three_factor(), hs),
        "orth": est.fit(_three_factor(orthogonal=True), hs),
        "onefactor": est.fit(_one_factor(), hs),
    }


@pytest.fixture(scope="module")
def mlr(hs: pd.DataFrame) -> dict[str, CBSEMResult]:
    est = CBSEM("mlr")
    return {
        "full": est.fit(_three_factor(), hs),
        "orth": est.fit(_three_factor(orthogonal=True), hs),
        "onefactor": est.fit(_one_factor(), hs),
    }


# --------------------------------------------------------------------------------------------
# Nested models against lavaan


@pytest.mark.parametrize("restricted", ["orth", "onefactor"])
def test_hs_compare_ml_matches_lavaan_lrt(ml: dict[str, CBSEMResult], restricted: str) -> None:
    ref = _lrt(f"{restricted}_ml")
    cmp = compare(ml[restricted], ml["full"])  # restricted first: ordered by df anyway
    assert cmp.kind == "nested"
    assert list(cmp.table["name"]) == ["HS", ml[restricted].spec.name]
    for pos, model in enumerate(["full", "restricted"]):
        row = cmp.table.iloc[pos]
        assert int(row["df"]) == int(ref.loc[model, "Df"])
        for ours, lav in [("chi2", "Chisq"), ("aic", "AIC"), ("bic", "BIC")]:
            assert _close(float(row[ours]), float(ref.loc[model, lav])), (model, ours)
    test = cmp.tests.iloc[0]
    assert (test["restricted"], test["full"]) == (ml[restricted].spec.name, "HS")
    assert test["method"] == "standard"
    assert int(test["df_diff"]) == int(ref.loc["restricted", "Df diff"])
    for ours, lav in [("chi2_diff", "Chisq diff"), ("p_value", "Pr(>Chisq)"), ("rmsea", "RMSEA")]:
        assert _close(float(test[ours]), float(ref.loc["restricted", lav])), ours


@pytest.mark.parametrize("restricted", ["orth", "onefactor"])
def test_hs_compare_mlr_satorra_bentler_matches_lavaan_lrt(
    mlr: dict[str, CBSEMResult], restricted: str
) -> None:
    ref = _lrt(f"{restricted}_mlr")
    cmp = compare(mlr["full"], mlr[restricted], names=["full", "restricted"])
    assert list(cmp.table["name"]) == ["full", "restricted"]
    assert {"chi2_scaled", "scaling_factor", "cfi_robust", "rmsea_robust"} <= set(cmp.table)
    for model in ("full", "restricted"):
        row = cmp.table.set_index("name").loc[model]
        assert row["estimator"] == "MLR"
        for ours, lav in [("chi2", "Chisq"), ("aic", "AIC"), ("bic", "BIC")]:
            assert _close(float(row[ours]), float(ref.loc[model, lav])), (model, ours)
    test = cmp.tests.iloc[0]
    assert test["method"] == "satorra.bentler.2001"
    assert int(test["df_diff"]) == int(ref.loc["restricted", "Df diff"])
    assert _close(float(test["chi2_diff"]), float(ref.loc["restricted", "Chisq diff"]))
    assert _close(float(test["p_value"]), float(ref.loc["restricted", "Pr(>Chisq)"]))
    assert math.isnan(float(test["rmsea"]))


def test_three_models_are_tested_pairwise_in_df_order(mlr: dict[str, CBSEMResult]) -> None:
    cmp = compare(mlr["onefactor"], mlr["full"], mlr["orth"])
    assert list(cmp.table["df"]) == [24, 25, 27]
    assert list(cmp.table["name"]) == ["HS", "HS-orth", "HS-one"]
    assert list(cmp.tests.columns) == list(TEST_COLUMNS)
    assert [(r, f) for r, f in zip(cmp.tests["restricted"], cmp.tests["full"], strict=True)] == [
        ("HS-orth", "HS"),
        ("HS-one", "HS-orth"),
    ]
    assert list(cmp.tests["df_diff"]) == [1, 2]


def test_equal_df_is_reported_as_not_nested(ml: dict[str, CBSEMResult]) -> None:
    cmp = compare(ml["full"], ml["full"], names=["a", "b"])
    assert cmp.tests.empty
    assert any("neither is nested" in line for line in cmp.notes)
    assert "neither is nested" in str(cmp)


def test_restricted_model_fitting_better_warns(ml: dict[str, CBSEMResult]) -> None:
    full = ml["full"]
    assert full.fit_indices is not None
    assert ml["orth"].fit_indices is not None
    lower = dataclasses.replace(ml["orth"].fit_indices, chi2=0.5 * full.fit_indices.chi2)
    cheat = dataclasses.replace(ml["orth"], fit_indices=lower)
    with pytest.warns(SemCsatWarning, match="fits better"):
        cmp = compare(full, cheat)
    assert any(d.code == "compare_not_nested" for d in cmp.diagnostics)
    assert "Warnings" in str(cmp)


def test_nested_comparison_renders(ml: dict[str, CBSEMResult]) -> None:
    cmp = compare(ml["full"], ml["orth"], ml["onefactor"])
    assert isinstance(cmp, Comparison)
    assert list(cmp.table.columns) == list(MODEL_COLUMNS)
    assert cmp.r2 is None
    text = str(cmp)
    assert "Chi-square difference tests" in text
    assert "cannot prove" in text
    assert "<details" in cmp._repr_html_()
    assert "\n" not in repr(cmp)
    assert repr(cmp) == "<Comparison 3 models, 2 difference tests, 0 warnings>"
    with pytest.raises(dataclasses.FrozenInstanceError):
        cmp.kind = "engines"  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# PLS and CB-SEM side by side


@pytest.fixture(scope="module")
def bank_fits() -> tuple[PLSResult, CBSEMResult]:
    spec = sem_csat.load_spec("ecsi_bank")
    data = sem_csat.datasets.load("bank_satisfaction")
    pls = sem_csat.fit(spec, data, method="pls")
    assert isinstance(pls, PLSResult)
    with pytest.warns(SemCsatWarning):  # the CB-SEM solution is inadmissible (EXPE–QUAL .99)
        cb = sem_csat.fit(spec, data, method="ml")
    assert isinstance(cb, CBSEMResult)
    return pls, cb


def test_ecsi_bank_pls_vs_cbsem_side_by_side(bank_fits: tuple[PLSResult, CBSEMResult]) -> None:
    pls, cb = bank_fits
    cmp = compare(cb, pls)  # either order
    assert cmp.kind == "engines"
    assert cmp.names == ("ECSI_bank (PLS)", "ECSI_bank (ML)")
    t = cmp.table
    assert list(t.columns) == [
        "from",
        "to",
        "pls_estimate",
        "cbsem_std_estimate",
        "cbsem_p_value",
        "difference",
    ]
    assert len(t) == len(pls.spec.paths)
    np.testing.assert_allclose(t["pls_estimate"], pls.paths["estimate"])
    merged = t.merge(cb.paths, on=["from", "to"])
    np.testing.assert_allclose(merged["cbsem_std_estimate"], merged["std_estimate"])
    np.testing.assert_allclose(merged["cbsem_p_value"], merged["p_value"])
    np.testing.assert_allclose(t["difference"], t["pls_estimate"] - t["cbsem_std_estimate"])
    assert cmp.r2 is not None
    assert list(cmp.r2["construct"]) == list(pls.spec.endogenous)
    # composites attenuate: every CB-SEM R² is larger here
    assert (cmp.r2["cbsem_r2"] > cmp.r2["pls_r2"]).all()
    codes = {d.code for d in cmp.diagnostics if d.severity != "info"}
    assert "cbsem_collinear_constructs" in codes
    text = str(cmp)
    assert "Warnings" in text
    assert "ECSI_bank (ML): EXPE and QUAL are empirically indistinguishable" in text
    assert "PLSc" in text
    assert "attenuated" in text
    assert repr(cmp).startswith("<Comparison PLS vs CB-SEM, 10 paths")


def test_side_by_side_carries_bootstrap_intervals(
    bank_fits: tuple[PLSResult, CBSEMResult],
) -> None:
    pls, cb = bank_fits
    with pytest.warns(SemCsatWarning):  # index intervals wider than EPSI's target
        boot = pls.bootstrap(100, seed=2026)
    cmp = compare(boot, cb, names=["pls", "cb"])
    for col in ("pls_p_value", "pls_ci_lower", "pls_ci_upper"):
        assert col in cmp.table
    np.testing.assert_allclose(cmp.table["pls_ci_lower"], boot.paths["ci_lower"])
    assert (cmp.table["pls_ci_lower"] <= cmp.table["pls_estimate"]).all()


# --------------------------------------------------------------------------------------------
# Errors


def test_compare_needs_two_results(ml: dict[str, CBSEMResult]) -> None:
    with pytest.raises(UsageError, match="at least two fitted models, got 1"):
        compare(ml["full"])
    with pytest.raises(UsageError, match="not a fitted model"):
        compare(ml["full"], "HS")  # type: ignore[arg-type]


def test_compare_rejects_bad_names(ml: dict[str, CBSEMResult]) -> None:
    with pytest.raises(UsageError, match="2 entries for 3 models"):
        compare(ml["full"], ml["orth"], ml["onefactor"], names=["a", "b"])
    with pytest.raises(UsageError, match="'a' appears more than once"):
        compare(ml["full"], ml["orth"], names=["a", "a"])


def test_compare_rejects_different_data(ml: dict[str, CBSEMResult], hs: pd.DataFrame) -> None:
    fewer = CBSEM("ml").fit(_three_factor(orthogonal=True), hs.iloc[:250])
    with pytest.raises(
        UsageError, match=r"not fitted to the same data \(N = 250 against N = 301\)"
    ):
        compare(ml["full"], fewer)
    shifted = hs.assign(x1=hs["x1"] * 2.0)
    other = CBSEM("ml").fit(_three_factor(orthogonal=True), shifted)
    with pytest.raises(UsageError, match="different sample covariance matrices"):
        compare(ml["full"], other)


def test_compare_rejects_mixed_ml_and_mlr(
    ml: dict[str, CBSEMResult], mlr: dict[str, CBSEMResult]
) -> None:
    with pytest.raises(UsageError, match="ML results and MLR results"):
        compare(ml["full"], mlr["orth"])


def test_side_by_side_rejects_other_spec(
    bank_fits: tuple[PLSResult, CBSEMResult], ml: dict[str, CBSEMResult]
) -> None:
    pls, _ = bank_fits
    with pytest.raises(UsageError, match="different models: constructs"):
        compare(pls, ml["full"])
    bank = sem_csat.datasets.load("bank_satisfaction")
    small = ModelSpec(
        "QS",
        constructs=[
            reflective("QUAL", multi_items("qual", 1, 5)),
            reflective("SAT", multi_items("sat", 1, 4)),
        ],
        paths=paths("QUAL", "SAT"),
    )
    reverse = dataclasses.replace(small, paths=paths("SAT", "QUAL"))
    with pytest.raises(UsageError, match="the paths QUAL → SAT, SAT → QUAL are in only one"):
        compare(sem_csat.fit(small, bank), sem_csat.fit(reverse, bank, method="ml"))


def test_side_by_side_needs_exactly_one_of_each(
    bank_fits: tuple[PLSResult, CBSEMResult], mlr: dict[str, CBSEMResult]
) -> None:
    pls, cb = bank_fits
    with pytest.raises(UsageError, match="exactly one PLS fit and one"):
        compare(pls, cb, cb, names=["a", "b", "c"])
    with pytest.raises(UsageError, match="got PLS, PLS"):
        compare(pls, pls, names=["a", "b"])
    with pytest.raises(UsageError, match="different models"):  # an MLR fit is a CB-SEM fit
        compare(pls, mlr["full"])


def test_mlr_fits_from_the_public_api_get_the_scaled_difference(hs: pd.DataFrame) -> None:
    import sem_csat

    data = hs[ITEMS]
    full = sem_csat.fit(_three_factor(), data, method="mlr")
    restricted = sem_csat.fit(_three_factor(orthogonal=True), data, method="mlr")
    result = compare(full, restricted)
    test = result.tests.iloc[0]
    ref = _lrt("orth_mlr").loc["restricted"]
    assert _close(float(test["chi2_diff"]), float(ref["Chisq diff"]))
