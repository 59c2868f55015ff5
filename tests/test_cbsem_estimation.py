"""CB-SEM estimation (ML, GLS, ULS) by the table-based pipeline against lavaan 0.6-14
(``tests/reference/lavaan``).

Tolerances (absolute), stated once: estimates, standard errors, ``std_all`` and the
model-implied covariance matrix agree with lavaan to ``TOL = 1e-3`` (the issue's requirement).
The fits actually agree to about 1e-5 or better (lavaan's own convergence tolerance is the
limit); ``TOL_TIGHT = 5e-5`` pins that for the cases where it holds, so a regression in the
optimizer or in the standard-error convention shows up long before it breaks parity.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sem_csat.cbsem.pipeline import PARAM_COLUMNS, CBSEMFit
from sem_csat.cbsem.samplestats import from_data
from sem_csat.errors import EstimationError, UsageError
from sem_csat.spec import ModelSpec
from tests._cbsem import fit_pipeline as fit_cbsem

TOL = 1e-3
TOL_TIGHT = 5e-5
LAVAAN = Path(__file__).resolve().parent / "reference" / "lavaan"


def _case(name: str) -> tuple[ModelSpec, dict[str, object]]:
    info = json.loads((LAVAAN / name / "info.json").read_text())
    return ModelSpec.from_lavaan(str(info["model"]), name=name), info


def _key(lhs: str, op: str, rhs: str) -> tuple[str, str, str]:
    if op == "~~":
        a, b = sorted((lhs, rhs))
        return (a, op, b)
    return (lhs, op, rhs)


def _compare(fit: CBSEMFit, case: str, relative_to_se: bool = False) -> dict[str, float]:
    """Max absolute differences from lavaan's params.csv and implied_cov.csv.

    With ``relative_to_se``, differences of estimates, SEs, z and CIs are divided by
    max(1, lavaan's SE): on a near-singular likelihood surface (ECSI's structural model, SEs up
    to 24) lavaan stops where the flat direction still moves estimates by ~1e-3.
    """
    ref = pd.read_csv(LAVAAN / case / "params.csv", keep_default_na=False, na_values=["NA"])
    ref = ref[ref["op"].isin(["=~", "~", "~~"])]
    ours = fit.params
    assert set(zip(ours.lhs, ours.op, ours.rhs, strict=True)) == set(
        zip(ref.lhs, ref.op, ref.rhs, strict=True)
    ), "parameter rows or their orientation differ from lavaan's"
    merged = ref.assign(key=[_key(*r) for r in zip(ref.lhs, ref.op, ref.rhs, strict=True)]).merge(
        ours.assign(key=[_key(*r) for r in zip(ours.lhs, ours.op, ours.rhs, strict=True)]),
        on="key",
        suffixes=("_ref", ""),
    )
    assert len(merged) == len(ref) == len(ours)
    free = merged["se"] > 0
    assert merged.loc[~free, "std_error"].isna().all()  # fixed: NaN, not lavaan's 0
    assert (merged["label"].astype(str) == merged["label_ref"].astype(str)).all()
    implied = pd.read_csv(LAVAAN / case / "implied_cov.csv", index_col=0)
    sigma = fit.implied_cov(0).loc[implied.index, implied.columns]
    if relative_to_se:
        scale = np.maximum(1.0, merged["se"].to_numpy())
        for col in ("estimate", "std_error", "z_value", "ci_lower", "ci_upper"):
            merged[col] = merged[col] / scale
        for col in ("est", "se", "z", "ci.lower", "ci.upper"):
            merged[col] = merged[col] / scale
    return {
        "estimate": float(np.max(np.abs(merged["estimate"] - merged["est"]))),
        "std_error": float(np.max(np.abs(merged.loc[free, "std_error"] - merged.loc[free, "se"]))),
        "z_value": float(np.max(np.abs(merged.loc[free, "z_value"] - merged.loc[free, "z"]))),
        "p_value": float(np.max(np.abs(merged.loc[free, "p_value"] - merged.loc[free, "pvalue"]))),
        "ci": float(
            np.max(
                np.abs(
                    np.r_[
                        merged.loc[free, "ci_lower"] - merged.loc[free, "ci.lower"],
                        merged.loc[free, "ci_upper"] - merged.loc[free, "ci.upper"],
                    ]
                )
            )
        ),
        "std_all": float(np.max(np.abs(merged["std_all"] - merged["std.all"]))),
        "sigma": float(np.max(np.abs(sigma.to_numpy() - implied.to_numpy()))),
    }


def _check(fit: CBSEMFit, case: str, tol: float = TOL_TIGHT, relative_to_se: bool = False) -> None:
    info = json.loads((LAVAAN / case / "info.json").read_text())
    fitm = pd.read_csv(LAVAAN / case / "fit.csv", index_col=0)["value"]
    assert fit.converged
    assert fit.gradient_norm < 1e-7
    assert not fit.information_singular
    # lavaan's npar counts every free row; equality labels then remove parameters from df
    assert int(fit.params["std_error"].notna().sum()) == info["npar"]
    assert fit.df == fitm["df"]
    diffs = _compare(fit, case, relative_to_se)
    tight = ("estimate", "std_error", "std_all", "sigma")
    assert all(diffs[k] < min(tol, TOL) for k in tight), diffs
    # z, p and CI are derived; on the flat ECSI surface z moves by ~1e-3 with the estimates
    assert all(v < (10 * TOL if relative_to_se else TOL) for v in diffs.values()), diffs
    if fit.options.estimator == "ML":
        # chi-square = 2N * fmin; ours is never above lavaan's (we stop closer to the minimum)
        assert fit.test.stat == pytest.approx(fitm["chisq"], abs=1e-3)
        assert fit.test.stat <= fitm["chisq"] + 1e-8


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(LAVAAN / "hs1939.csv")


@pytest.mark.parametrize("estimator", ["ML", "GLS", "ULS"])
def test_hs_matches_lavaan(hs: pd.DataFrame, estimator: str) -> None:
    spec, _ = _case("hs_ml")
    fit = fit_cbsem(spec, hs, estimator=estimator)
    assert list(fit.params.columns) == list(PARAM_COLUMNS)
    _check(fit, f"hs_{estimator.lower()}")


def test_demo_bollen_equality_labels_match_lavaan() -> None:
    spec, _ = _case("demo_bollen")
    data = pd.read_csv(LAVAAN / "political_democracy.csv")
    fit = fit_cbsem(spec, data)
    # lavaan stops ~1e-4 short of the minimum here (its chi-square is 4e-8 above ours)
    _check(fit, "demo_bollen", tol=TOL)
    table = fit.params
    for label in ("a", "b", "c"):
        rows = table[table["label"] == label]
        assert len(rows) == 2
        assert rows["estimate"].nunique() == 1
        assert rows["std_error"].nunique() == 1


@pytest.mark.parametrize(
    ("case", "dataset", "tol", "relative"),
    [
        ("ecsi_cfa", "ecsi_mobile", TOL_TIGHT, False),
        ("ecsi_sem", "ecsi_mobile", TOL, True),
        ("bank_cfa", "bank_satisfaction", TOL_TIGHT, False),
        ("bank_sem", "bank_satisfaction", TOL, False),
    ],
)
def test_survey_models_match_lavaan(case: str, dataset: str, tol: float, relative: bool) -> None:
    import sem_csat.datasets

    spec, _ = _case(case)
    data = pd.read_csv(Path(sem_csat.datasets.__path__[0]) / f"{dataset}.csv")
    fit = fit_cbsem(spec, data)
    _check(fit, case, tol=tol, relative_to_se=relative)


def test_hs_cov_from_summary_statistics_matches_lavaan(hs: pd.DataFrame) -> None:
    spec, info = _case("hs_cov")
    cov = pd.read_csv(LAVAAN / "hs_cov" / "input_cov.csv", index_col=0)
    fit = fit_cbsem(spec, cov=cov, n_obs=int(info["nobs"]))
    _check(fit, "hs_cov")
    ref_s = pd.read_csv(LAVAAN / "hs_cov" / "sample_cov.csv", index_col=0)
    s = fit.sample_cov(0)
    np.testing.assert_allclose(s.loc[ref_s.index, ref_s.columns], ref_s, atol=1e-12)
    # (N - 1)/N rescaling makes the summary-statistics fit identical to the raw-data fit
    raw = fit_cbsem(spec, hs)
    np.testing.assert_allclose(fit.params["estimate"], raw.params["estimate"], atol=1e-7)


def test_hs_cor_sd_from_summary_statistics_matches_lavaan() -> None:
    spec, info = _case("hs_cor_sd")
    lower = pd.read_csv(LAVAAN / "hs_cor_sd" / "input_cor_lower.csv", index_col=0)
    low = lower.to_numpy(dtype=float)
    cor = np.where(np.isnan(low), low.T, low)
    cor_frame = pd.DataFrame(cor, index=lower.index, columns=lower.columns)
    sds = pd.read_csv(LAVAAN / "hs_cor_sd" / "input_sds.csv", index_col=0)["sd"]
    fit = fit_cbsem(spec, cor=cor_frame, sds=sds, n_obs=int(info["nobs"]))
    _check(fit, "hs_cor_sd")


def test_heywood_case_gives_negative_variance_not_zero() -> None:
    # Exact correlations r12 = r13 = .8, r23 = .5 (docs/semopy_audit.md item 4): the one-factor
    # model is just identified, and the closed form gives theta1 = 1 - .8 * .8 / .5 = -0.28.
    r = np.array([[1.0, 0.8, 0.8], [0.8, 1.0, 0.5], [0.8, 0.5, 1.0]])
    names = ["y1", "y2", "y3"]
    cov = pd.DataFrame(r, index=names, columns=names)
    spec = ModelSpec.from_lavaan("f =~ y1 + y2 + y3", name="Heywood")
    fit = fit_cbsem(spec, cov=cov, n_obs=200, rescale=False)
    table = fit.params.set_index(["lhs", "op", "rhs"])
    assert table.loc[("y1", "~~", "y1"), "estimate"] == pytest.approx(-0.28, abs=1e-7)
    assert table.loc[("f", "=~", "y2"), "estimate"] == pytest.approx(0.625, abs=1e-7)
    assert table.loc[("f", "~~", "f"), "estimate"] == pytest.approx(1.28, abs=1e-7)
    assert fit.df == 0
    assert fit.fmin == pytest.approx(0.0, abs=1e-12)


def test_model_with_negative_df_is_refused(hs: pd.DataFrame) -> None:
    spec = ModelSpec.from_lavaan(
        "f =~ x1 + x2 + x3\nx1 ~~ x2\nx1 ~~ x3\nx2 ~~ x3", name="Unidentified"
    )
    with pytest.raises(EstimationError, match=r"df = -3"):
        fit_cbsem(spec, hs)


def test_empirically_unidentified_model_flags_singular_information() -> None:
    # Two two-item factors whose covariance is exactly 0: each factor is then only
    # identified up to a trade-off between its loading and its variance (df = 1 > 0).
    lam = np.array([[1.0, 0.0], [0.8, 0.0], [0.0, 1.0], [0.0, 0.7]])
    sigma = lam @ np.eye(2) @ lam.T + np.diag([0.5, 0.4, 0.6, 0.3])
    names = ["a1", "a2", "b1", "b2"]
    cov = pd.DataFrame(sigma, index=names, columns=names)
    spec = ModelSpec.from_lavaan("A =~ a1 + a2\nB =~ b1 + b2", name="Empirical")
    fit = fit_cbsem(spec, cov=cov, n_obs=100, rescale=False)
    assert fit.df == 1
    assert fit.information_singular
    assert fit.params["std_error"].isna().all()  # NaN, never a division by a tiny number
    assert np.isnan(fit.vcov.x).all()


def test_estimate_refuses_unknown_estimator(hs: pd.DataFrame) -> None:
    spec, _ = _case("hs_ml")
    with pytest.raises(UsageError, match="estimator='WLS'"):
        fit_cbsem(spec, hs, estimator="WLS")


def test_sample_covariance_divisors(hs: pd.DataFrame) -> None:
    items = [f"x{i}" for i in range(1, 10)]
    s_ml = from_data([hs], items).groups[0].cov
    s_uls = from_data([hs], items, estimator="ULS").groups[0].cov
    n = len(hs)
    np.testing.assert_allclose(s_ml * n / (n - 1), s_uls, rtol=1e-13)
    ref = pd.read_csv(LAVAAN / "hs_uls" / "sample_cov.csv", index_col=0)
    ours = pd.DataFrame(s_uls, index=items, columns=items)
    np.testing.assert_allclose(ours.loc[ref.index, ref.columns], ref, atol=1e-12)


def test_second_fit_does_not_change_first(hs: pd.DataFrame) -> None:
    spec, _ = _case("hs_ml")
    first = fit_cbsem(spec, hs)
    before = first.params.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit_cbsem(spec, hs.iloc[:200])
    pd.testing.assert_frame_equal(first.params, before)
