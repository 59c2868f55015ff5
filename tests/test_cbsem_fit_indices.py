"""CB-SEM fit indices (:mod:`sem_csat.cbsem.fit_indices`) against lavaan 0.6-14 ``fitMeasures()``.

Reference outputs live in ``tests/reference/lavaan/<case>/`` and are produced by
``tests/reference/lavaan/make_reference.R``: ``sample_cov.csv`` (divisor N), ``implied_cov.csv``,
``fit.csv`` (every ``fitMeasures()`` value as ``measure,value``) and ``info.json``.  The indices are
recomputed here from the two matrices, N and lavaan's ``npar`` alone.

Tolerances, stated once: every index must agree with lavaan to a relative difference of
``RTOL = 1e-3``, or to an absolute difference of ``ATOL = 1e-6`` for values within ``ATOL`` of
zero.  An index lavaan reports as NA must be NaN here.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sem_csat.cbsem.fit_indices import FIT_ROW_COLUMNS, LAVAAN_NAMES, FitIndices, fit_indices
from sem_csat.errors import DataError, EstimationError, SpecError, UsageError

RTOL = 1e-3
ATOL = 1e-6

LAVAAN = Path(__file__).resolve().parent / "reference" / "lavaan"

# Complete-data, single-group cases: every index lavaan reports is recomputed.
FULL_CASES = [
    "hs_ml",
    "hs_mlr",  # the standard (unscaled) indices; the robust ones need case-wise scores
    "hs_gls",
    "hs_uls",
    "hs_cov",
    "hs_cor_sd",
    "demo_bollen",
    "ecsi_cfa",
    "ecsi_sem",
    "bank_cfa",
    "bank_sem",
]
# FIML: the test statistic compares two FIML log-likelihoods, which cannot be recomputed from
# the EM moments; the residual-based indices can (lavaan uses the EM moments as S and ȳ).  GFI
# agrees only to 4e-4 (AGFI 8e-4) because lavaan's FIML weight matrix is not the complete-data
# one, so it is not compared.
FIML_MOMENT_INDICES = [
    "rmr",
    "rmr_nomean",
    "srmr",
    "srmr_bentler",
    "srmr_bentler_nomean",
    "crmr",
    "crmr_nomean",
    "srmr_mplus",
    "srmr_mplus_nomean",
]


def _read_case(case: str) -> tuple[FitIndices, pd.Series]:
    folder = LAVAAN / case
    if not (folder / "fit.csv").is_file():
        pytest.skip(
            f"lavaan reference {folder} is missing; run tests/reference/lavaan/make_reference.R"
        )
    info = json.loads((folder / "info.json").read_text())
    lavaan = pd.read_csv(folder / "fit.csv").set_index("measure")["value"].astype(float)
    s = pd.read_csv(folder / "sample_cov.csv", index_col=0)
    sigma = pd.read_csv(folder / "implied_cov.csv", index_col=0).loc[s.index, s.columns]
    kwargs: dict[str, Any] = {}
    if (folder / "sample_mean.csv").is_file():
        kwargs["means"] = pd.read_csv(folder / "sample_mean.csv", index_col=0).to_numpy().ravel()
        kwargs["implied_means"] = (
            pd.read_csv(folder / "implied_mean.csv", index_col=0).to_numpy().ravel()
        )
    fit = fit_indices(
        s.to_numpy(),
        sigma.to_numpy(),
        n_obs=int(info["ntotal"]),
        n_params=int(lavaan["npar"]),
        estimator=info["estimator"],
        **kwargs,
    )
    return fit, lavaan


def _mismatches(fit: FitIndices, lavaan: pd.Series, names: list[str]) -> list[str]:
    ours = fit.as_lavaan()
    bad = []
    for name in names:
        expected, got = float(lavaan[name]), ours[name]
        if math.isnan(expected) or math.isnan(got):
            if not (math.isnan(expected) and math.isnan(got)):
                bad.append(f"{name}: ours {got!r}, lavaan {expected!r}")
        elif abs(expected) <= ATOL:
            if abs(got - expected) > ATOL:
                bad.append(f"{name}: ours {got!r}, lavaan {expected!r} (absolute)")
        elif abs(got - expected) > RTOL * abs(expected):
            bad.append(f"{name}: ours {got!r}, lavaan {expected!r}")
    return bad


@pytest.mark.parametrize("case", FULL_CASES)
def test_fit_indices_match_lavaan_fitmeasures(case: str) -> None:
    fit, lavaan = _read_case(case)
    names = [lav for lav in LAVAAN_NAMES.values() if lav in lavaan.index]
    # every index of the fit.csv row that lavaan reports for this estimator is compared
    row_names = {LAVAAN_NAMES[c] for c in FIT_ROW_COLUMNS}
    missing = {n for n in row_names if n not in lavaan.index}
    if fit.estimator == "ML":
        assert not missing
    else:  # lavaan has no log-likelihood for GLS and ULS
        assert missing == {"logl", "aic", "bic"}
        for name in ("loglik", "aic", "bic"):
            assert math.isnan(getattr(fit, name)), name
    assert len(names) >= 39  # all of fitMeasures() for a single-group, complete-data model
    assert _mismatches(fit, lavaan, names) == []


def test_hs_fiml_residual_indices_match_lavaan() -> None:
    fit, lavaan = _read_case("hs_fiml")
    assert fit.meanstructure
    assert _mismatches(fit, lavaan, FIML_MOMENT_INDICES) == []
    # with means the Bentler SRMR differs from its no-mean version, as in lavaan
    assert fit.srmr != pytest.approx(fit.srmr_bentler_nomean, rel=1e-6)


def test_hs_ml_headline_values_match_lavaan() -> None:
    """The numbers printed in lavaan's tutorial for the Holzinger-Swineford CFA."""
    fit, _ = _read_case("hs_ml")
    assert fit.df == 24
    assert fit.chi2 == pytest.approx(85.306, abs=5e-4)
    assert fit.cfi == pytest.approx(0.931, abs=5e-4)
    assert fit.tli == pytest.approx(0.896, abs=5e-4)
    assert fit.rmsea == pytest.approx(0.092, abs=5e-4)
    assert (fit.rmsea_ci_lower, fit.rmsea_ci_upper) == pytest.approx((0.071, 0.114), abs=5e-4)
    assert fit.srmr == pytest.approx(0.065, abs=5e-4)


# --------------------------------------------------------------------------------------------
# Unit tests of the definitions


def _random_cov(p: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(4 * p, p))
    return np.cov(a, rowvar=False, ddof=0)


@pytest.mark.parametrize("estimator", ["ML", "GLS", "ULS"])
def test_perfect_fit_gives_zero_chi2_rmsea_srmr_and_unit_gfi(estimator: str) -> None:
    s = _random_cov(5)
    fit = fit_indices(s, s, n_obs=200, n_params=10, estimator=estimator)  # type: ignore[arg-type]
    assert fit.df == 5
    assert fit.chi2 == pytest.approx(0.0, abs=1e-10)
    assert fit.rmsea == 0.0
    assert (fit.rmsea_ci_lower, fit.rmsea_ci_upper) == (0.0, 0.0)
    assert fit.srmr == pytest.approx(0.0, abs=1e-12)
    assert fit.srmr_mplus == pytest.approx(0.0, abs=1e-12)
    assert fit.gfi == pytest.approx(1.0)
    assert fit.agfi == pytest.approx(1.0)
    assert fit.cfi == 1.0
    assert not fit.saturated
    assert fit.diagnostics == ()


def test_saturated_model_has_df_zero_and_nan_indices_with_a_diagnostic() -> None:
    s = _random_cov(4)
    fit = fit_indices(s, s, n_obs=150, n_params=10)
    assert fit.saturated
    assert fit.df == 0
    assert fit.chi2 == pytest.approx(0.0, abs=1e-10)
    for name in ("p_value", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper", "rmsea_pvalue", "tli"):
        assert math.isnan(getattr(fit, name)), name
    for name in ("rfi", "agfi", "cn_05"):
        assert math.isnan(getattr(fit, name)), name
    assert fit.cfi == 1.0
    assert [d.code for d in fit.diagnostics] == ["model_saturated"]
    assert "the model is saturated (df = 0): fit indices cannot be interpreted" in (
        fit.diagnostics[0].message.lower()
    )


def test_saturated_model_that_misfits_is_flagged() -> None:
    s = _random_cov(3)
    sigma = s + 0.1 * np.eye(3)
    fit = fit_indices(s, sigma, n_obs=100, n_params=6)
    assert fit.chi2 > 0.0
    assert "saturated_model_misfit" in [d.code for d in fit.diagnostics]


def test_negative_df_raises_spec_error_with_counts() -> None:
    s = _random_cov(6)
    with pytest.raises(SpecError, match="not identified") as info:
        fit_indices(s, s, n_obs=100, n_params=25)
    message = str(info.value)
    assert "25 free parameters" in message
    assert "21 sample moments" in message
    assert "df = -4" in message
    assert isinstance(info.value, ValueError)


def test_negative_df_with_means_counts_the_means() -> None:
    s = _random_cov(3)
    m = np.zeros(3)
    with pytest.raises(SpecError, match="9 sample moments"):
        fit_indices(s, s, n_obs=100, n_params=10, means=m, implied_means=m)


def test_non_positive_definite_matrices_raise() -> None:
    s = _random_cov(3)
    singular = np.ones((3, 3))
    with pytest.raises(DataError, match="not positive definite"):
        fit_indices(singular, s, n_obs=100, n_params=3)
    with pytest.raises(EstimationError, match="not positive definite"):
        fit_indices(s, singular + np.diag([0.0, 0.0, -0.5]), n_obs=100, n_params=3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"estimator": "WLSMV"}, "not supported"),
        ({"n_obs": 1}, "n_obs"),
        ({"n_params": -1}, "n_params"),
        ({"means": np.zeros(3)}, "both"),
        ({"means": np.zeros(2), "implied_means": np.zeros(2)}, "one value per observed variable"),
    ],
)
def test_invalid_arguments_raise_usage_error(kwargs: dict[str, object], message: str) -> None:
    s = _random_cov(3)
    args: dict[str, object] = {"n_obs": 100, "n_params": 3} | kwargs
    with pytest.raises(UsageError, match=message):
        fit_indices(s, s, **args)  # type: ignore[arg-type]


def test_mean_misfit_adds_the_mahalanobis_term_to_chi2() -> None:
    s = _random_cov(4)
    sigma = s + 0.05 * np.eye(4)
    ybar = np.array([1.0, 2.0, 3.0, 4.0])
    mu = ybar + np.array([0.1, -0.1, 0.0, 0.2])
    without = fit_indices(s, sigma, n_obs=300, n_params=6)
    with_means = fit_indices(s, sigma, n_obs=300, n_params=10, means=ybar, implied_means=mu)
    r = ybar - mu
    extra = 300 * float(r @ np.linalg.solve(sigma, r))
    assert with_means.df == without.df
    assert with_means.chi2 == pytest.approx(without.chi2 + extra)
    assert with_means.baseline_chi2 == pytest.approx(without.baseline_chi2)
    assert with_means.srmr_bentler_nomean == pytest.approx(without.srmr)
    assert with_means.srmr > with_means.srmr_bentler_nomean


def test_ml_indices_do_not_depend_on_the_units_of_the_indicators() -> None:
    s = _random_cov(5, seed=3)
    sigma = np.diag(np.diag(s)) + 0.5 * (s - np.diag(np.diag(s)))
    d = np.diag([1.0, 10.0, 0.1, 3.0, 7.0])
    a = fit_indices(s, sigma, n_obs=250, n_params=8)
    b = fit_indices(d @ s @ d, d @ sigma @ d, n_obs=250, n_params=8)
    for name in ("chi2", "cfi", "tli", "rmsea", "srmr", "gfi", "agfi"):
        assert getattr(b, name) == pytest.approx(getattr(a, name), rel=1e-9), name


def test_result_is_frozen_and_rows_have_the_fit_csv_columns() -> None:
    s = _random_cov(4)
    fit = fit_indices(s, s + 0.01 * np.eye(4), n_obs=120, n_params=8)
    assert tuple(fit.as_row()) == FIT_ROW_COLUMNS
    assert fit.as_lavaan()["chisq"] == fit.chi2
    assert fit.nnfi == fit.tli
    assert fit.as_dict()["diagnostics"] == []
    for name in ("chi2_scaled", "scaling_factor", "cfi_robust", "tli_robust", "rmsea_robust"):
        assert getattr(fit, name) is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.chi2 = 0.0  # type: ignore[misc]
