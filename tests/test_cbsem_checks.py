"""Post-fit checks of CB-SEM solutions (:mod:`sem_csat.cbsem.checks`).

The ECSI cases are compared with lavaan 0.6-14 (``tests/reference/lavaan/ecsi_sem`` and
``ecsi_cfa``, see the README there): the CFA's latent covariance matrix is not positive definite
(smallest eigenvalue −0.00758, lavaan's post-check warning), and the structural model is the
classic near-singular case (implied latent correlations up to .995, standardized paths up to
3.27, standard errors up to 24).  Tolerance for eigenvalues and correlations against lavaan:
``TOL = 1e-4`` (the fits agree to about 1e-5, ``tests/test_cbsem_estimation.py``).
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _reference import assert_quotes

import sem_csat
from sem_csat.cbsem.checks import (
    CODES,
    check_data_scale,
    check_sample_size,
    check_solution,
    latent_covariance,
)
from sem_csat.cbsem.pipeline import CBSEMFit
from sem_csat.cbsem.samplestats import from_data
from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import (
    ConvergenceWarning,
    DataWarning,
    DiscriminantValidityWarning,
    InadmissibleSolutionWarning,
    PoorlyDeterminedWarning,
)
from sem_csat.spec import ModelSpec
from tests._cbsem import fit_pipeline as fit_cbsem


def sample_covariance(data: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """S with divisor N (ML), as a labelled frame, and N."""
    names = [str(c) for c in data.columns]
    s = from_data([data], names).groups[0].cov
    return pd.DataFrame(s, index=names, columns=names), len(data)


TOL = 1e-4
LAVAAN = Path(__file__).resolve().parent / "reference" / "lavaan"
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _by_code(diagnostics: tuple[Diagnostic, ...]) -> dict[str, Diagnostic]:
    codes = [d.code for d in diagnostics]
    assert len(codes) == len(set(codes)), f"a code appears twice: {codes}"
    assert set(codes) <= set(CODES), f"undocumented code in {codes}"
    return {d.code: d for d in diagnostics}


@pytest.fixture(scope="module")
def ecsi() -> tuple[ModelSpec, pd.DataFrame]:
    return sem_csat.load_spec("ecsi"), sem_csat.datasets.load("ecsi_mobile")


@pytest.fixture(scope="module")
def ecsi_sem(ecsi: tuple[ModelSpec, pd.DataFrame]) -> tuple[CBSEMFit, ModelSpec]:
    spec, data = ecsi
    return fit_cbsem(spec, data), spec


@pytest.fixture(scope="module")
def ecsi_cfa(ecsi: tuple[ModelSpec, pd.DataFrame]) -> tuple[CBSEMFit, ModelSpec]:
    spec, data = ecsi
    cfa = dataclasses.replace(spec, paths=())
    return fit_cbsem(cfa, data), cfa


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(LAVAAN / "hs1939.csv")


@pytest.fixture(scope="module")
def hs_fit(hs: pd.DataFrame) -> tuple[CBSEMFit, ModelSpec]:
    spec = ModelSpec.from_lavaan(HS_MODEL, name="HS")
    return fit_cbsem(spec, hs), spec


# ----------------------------------------------------------------------------- lavaan cases
def test_hs_cfa_has_no_diagnostics_as_lavaan(hs_fit: tuple[CBSEMFit, ModelSpec]) -> None:
    fit, spec = hs_fit
    assert check_solution(fit, spec) == ()
    assert check_sample_size(fit.n_obs, fit.npar) == ()
    assert check_data_scale(fit.sample_cov(0)) == ()


def test_ecsi_sem_latent_covariance_matches_lavaan_cov_lv(
    ecsi_sem: tuple[CBSEMFit, ModelSpec],
) -> None:
    fit, spec = ecsi_sem
    ref = pd.read_csv(LAVAAN / "ecsi_sem" / "cor_lv.csv", index_col=0)
    cov = latent_covariance(fit, spec).loc[ref.index, ref.columns].to_numpy()
    sd = np.sqrt(np.diag(cov))
    np.testing.assert_allclose(cov / np.outer(sd, sd), ref.to_numpy(), atol=TOL)


def test_ecsi_sem_names_the_collinear_constructs(
    ecsi_sem: tuple[CBSEMFit, ModelSpec],
) -> None:
    fit, spec = ecsi_sem
    found = _by_code(check_solution(fit, spec))
    # lavaan's post.check is TRUE: nothing is formally improper
    for code in (
        "cbsem_not_converged",
        "cbsem_negative_residual_variance",
        "cbsem_negative_latent_variance",
        "cbsem_latent_cov_not_pd",
        "cbsem_latent_correlation_above_one",
        "cbsem_information_singular",
    ):
        assert code not in found
    high = found["cbsem_latent_correlation_high"]
    assert high.severity == "warning"
    assert high.category is DiscriminantValidityWarning
    for pair in ("Expectation–Quality .995", "Image–Expectation .988", "Image–Quality .983"):
        assert pair in high.message  # lavaan's cor_lv.csv: .9948, .9879, .9828
    summary = found["cbsem_collinear_constructs"]
    assert summary.severity == "error"
    assert summary.category is InadmissibleSolutionWarning
    assert summary.message.startswith("Image, Expectation, Quality and Satisfaction are ")
    assert "empirically indistinguishable" in summary.message
    assert "latent correlations .959–.995" in summary.message
    assert "swing wildly" in summary.message
    assert "merging the constructs" in summary.message
    assert "PLS" in summary.message
    # the first diagnostic a reader sees is the summary
    assert check_solution(fit, spec)[0].code == "cbsem_collinear_constructs"


def test_ecsi_sem_names_standardized_paths_above_one(
    ecsi_sem: tuple[CBSEMFit, ModelSpec],
) -> None:
    fit, spec = ecsi_sem
    paths = _by_code(check_solution(fit, spec))["cbsem_std_path_above_one"]
    # lavaan's std.all: 3.27, -2.45, 2.19, -1.51, 1.38, -1.15
    for text in (
        "Satisfaction → Loyalty 3.27",
        "Image → Loyalty -2.45",
        "Expectation → Value 2.19",
        "Quality → Value -1.51",
        "Image → Satisfaction 1.38",
        "Quality → Satisfaction -1.15",
    ):
        assert text in paths.message
    assert len(re.findall(r" → ", paths.message)) == 6
    assert "Loading" not in paths.message


def test_ecsi_sem_flags_huge_standard_errors(ecsi_sem: tuple[CBSEMFit, ModelSpec]) -> None:
    fit, spec = ecsi_sem
    found = _by_code(check_solution(fit, spec))
    se = found["cbsem_large_standard_errors"]
    assert se.category is PoorlyDeterminedWarning
    assert_quotes(se.message, "Expectation → Value estimate ", 4.82)
    assert_quotes(se.message, ", SE ", 23.7)  # lavaan: SE 23.7
    assert "poorly determined" in se.message
    assert_quotes(found["cbsem_collinear_constructs"].message, "standard errors up to ", 23.7)
    # well-determined parameters are not listed
    assert "Complaints" not in se.message
    assert "(loading)" not in se.message


def test_ecsi_sem_has_few_cases_per_parameter(ecsi_sem: tuple[CBSEMFit, ModelSpec]) -> None:
    fit, _ = ecsi_sem
    found = _by_code(check_sample_size(fit.n_obs, fit.npar))
    assert set(found) == {"sample_size_per_parameter"}
    assert "59 free parameters for N = 250" in found["sample_size_per_parameter"].message
    assert "Bentler & Chou (1987)" in found["sample_size_per_parameter"].message


def test_ecsi_cfa_latent_covariance_not_pd_as_lavaan(
    ecsi_cfa: tuple[CBSEMFit, ModelSpec],
) -> None:
    fit, spec = ecsi_cfa
    info = json.loads((LAVAAN / "ecsi_cfa" / "info.json").read_text())
    assert info["post_check"] is False
    ref_eig = min(info["cov_lv_eigenvalues"])
    cov = latent_covariance(fit, spec).to_numpy()
    assert np.linalg.eigvalsh(cov)[0] == pytest.approx(ref_eig, abs=TOL)
    assert ref_eig == pytest.approx(-0.00758, abs=1e-5)

    found = _by_code(check_solution(fit, spec))
    not_pd = found["cbsem_latent_cov_not_pd"]
    assert not_pd.severity == "error"
    assert not_pd.category is InadmissibleSolutionWarning
    assert_quotes(not_pd.message, "smallest eigenvalue is ", ref_eig)
    assert_quotes(not_pd.message, "Quality–Satisfaction ", 0.955)
    # lavaan: no negative variance, no correlation above 1, only Quality-Satisfaction >= .95
    assert set(found) == {"cbsem_latent_cov_not_pd", "cbsem_latent_correlation_high"}
    assert_quotes(found["cbsem_latent_correlation_high"].message, "Quality–Satisfaction ", 0.955)


def test_bank_cfa_latent_covariance_not_pd_as_lavaan() -> None:
    info = json.loads((LAVAAN / "bank_cfa" / "info.json").read_text())
    spec = ModelSpec.from_lavaan(str(info["model"]), name="bank_cfa")
    fit = fit_cbsem(spec, sem_csat.datasets.load("bank_satisfaction"))
    found = _by_code(check_solution(fit, spec))
    ref_cov = pd.read_csv(LAVAAN / "bank_cfa" / "cov_lv.csv", index_col=0)
    ref_eig = float(np.linalg.eigvalsh(ref_cov.to_numpy())[0])  # README: -0.0017
    assert np.linalg.eigvalsh(latent_covariance(fit, spec))[0] == pytest.approx(ref_eig, abs=TOL)
    assert_quotes(found["cbsem_latent_cov_not_pd"].message, "smallest eigenvalue is ", ref_eig)
    assert_quotes(found["cbsem_latent_correlation_high"].message, "EXPE–QUAL ", 0.980)


# ------------------------------------------------------------------------- constructed cases
def _edited(
    fit: CBSEMFit, rows: dict[tuple[str, str, str], tuple[float, float | None]]
) -> CBSEMFit:
    """The fit with the estimates (and standard errors, unless ``None``) of some table rows
    replaced, as an improper solution would have them."""
    table = fit.table
    est = table.rows["est"].to_numpy(dtype=np.float64).copy()
    se = table.rows["se"].to_numpy(dtype=np.float64).copy()
    for (lhs, op, rhs), (value, std_error) in rows.items():
        i = table.find(lhs, op, rhs, 1)
        assert i is not None, (lhs, op, rhs)
        est[i] = value
        if std_error is not None:
            se[i] = std_error
    return dataclasses.replace(fit, table=table.with_columns(est=est, se=se))


def _fit_cov(model: str, sigma: np.ndarray, names: list[str]) -> tuple[CBSEMFit, ModelSpec]:
    spec = ModelSpec.from_lavaan(model, name="Constructed")
    cov = pd.DataFrame(sigma, index=names, columns=names)
    return fit_cbsem(spec, cov=cov, n_obs=200, rescale=False), spec


def test_heywood_case_names_item_and_value() -> None:
    # r12 = r13 = .8, r23 = .5: theta1 = 1 - .8 * .8 / .5 = -0.28 (just identified, exact fit)
    r = np.array([[1.0, 0.8, 0.8], [0.8, 1.0, 0.5], [0.8, 0.5, 1.0]])
    fit, spec = _fit_cov("f =~ y1 + y2 + y3", r, ["y1", "y2", "y3"])
    found = _by_code(check_solution(fit, spec))
    heywood = found["cbsem_negative_residual_variance"]
    assert heywood.severity == "error"
    assert heywood.category is InadmissibleSolutionWarning
    assert_quotes(heywood.message, "'y1' ", -0.28)
    assert "(SE" in heywood.message
    assert "excludes 0" in heywood.message
    # lambda1^2 = .8 * .8 / .5 = 1.28 in the standardized solution
    assert_quotes(found["cbsem_std_loading_above_one"].message, "f → y1 (loading) ", 1.28**0.5)
    # lavaan skips the residual-PD check once a variance is negative
    assert "cbsem_residual_cov_not_pd" not in found


def test_negative_latent_variance_is_named() -> None:
    # edit a fit's table: the factor variance negative, the item variances positive
    r = np.array([[1.0, 0.8, 0.8], [0.8, 1.0, 0.5], [0.8, 0.5, 1.0]])
    base, spec = _fit_cov("f =~ y1 + y2 + y3", r, ["y1", "y2", "y3"])
    edited = _edited(base, {("f", "~~", "f"): (-0.5, 0.2), ("y1", "~~", "y1"): (0.2, 0.05)})
    found = _by_code(check_solution(edited, spec))
    assert "variance of 'f' -0.5" in found["cbsem_negative_latent_variance"].message
    assert "excludes 0" in found["cbsem_negative_latent_variance"].message
    assert "cbsem_latent_cov_not_pd" not in found  # skipped, as lavaan
    assert "cbsem_negative_residual_variance" not in found


def test_latent_correlation_above_one_is_inadmissible(
    hs_fit: tuple[CBSEMFit, ModelSpec],
) -> None:
    # edit the HS fit: Cov(visual, textual) such that their correlation is 1.05
    fit, spec = hs_fit
    table = fit.params.set_index(["lhs", "op", "rhs"])
    v_vis = table.loc[("visual", "~~", "visual"), "estimate"]
    v_tex = table.loc[("textual", "~~", "textual"), "estimate"]
    cov = 1.05 * np.sqrt(v_vis * v_tex)
    edited = _edited(fit, {("visual", "~~", "textual"): (cov, None)})
    found = _by_code(check_solution(edited, spec))
    above = found["cbsem_latent_correlation_above_one"]
    assert above.severity == "error"
    assert above.category is InadmissibleSolutionWarning
    assert_quotes(above.message, "visual–textual ", 1.05)
    assert "cbsem_latent_cov_not_pd" in found
    assert "cbsem_latent_correlation_high" not in found


def test_residual_covariance_not_pd() -> None:
    lam = np.array([1.5, 0.3, 0.8, 0.7])
    theta = np.diag([0.5, 0.5, 0.5, 0.5])
    theta[0, 1] = theta[1, 0] = 0.6  # residual correlation 1.2
    sigma = np.outer(lam, lam) + theta
    assert np.linalg.eigvalsh(sigma)[0] > 0
    fit, spec = _fit_cov("f =~ y1 + y2 + y3 + y4\ny1 ~~ y2", sigma, ["y1", "y2", "y3", "y4"])
    found = _by_code(check_solution(fit, spec))
    not_pd = found["cbsem_residual_cov_not_pd"]
    assert "smallest eigenvalue is -0.1" in not_pd.message
    assert "Cov(y2, y1) = 0.6" in not_pd.message or "Cov(y1, y2) = 0.6" in not_pd.message


def test_singular_information_is_reported() -> None:
    lam = np.array([[1.0, 0.0], [0.8, 0.0], [0.0, 1.0], [0.0, 0.7]])
    sigma = lam @ lam.T + np.diag([0.5, 0.4, 0.6, 0.3])
    fit, spec = _fit_cov("A =~ a1 + a2\nB =~ b1 + b2", sigma, ["a1", "a2", "b1", "b2"])
    assert fit.information_singular
    found = _by_code(check_solution(fit, spec))
    assert found["cbsem_information_singular"].severity == "error"
    assert "NaN" in found["cbsem_information_singular"].message
    assert "cbsem_large_standard_errors" not in found


def test_convergence_problems(hs_fit: tuple[CBSEMFit, ModelSpec]) -> None:
    fit, spec = hs_fit
    gradient = np.zeros_like(fit.optim.gradient)
    gradient[0] = 0.25
    run = dataclasses.replace(fit.optim, converged=False, gradient=gradient, iterations=2000)
    failed = dataclasses.replace(fit, optim=run, runs=(run,))
    found = _by_code(check_solution(failed, spec))
    assert set(found) == {"cbsem_not_converged"}
    assert "2000 iterations" in found["cbsem_not_converged"].message
    assert "0.25" in found["cbsem_not_converged"].message
    gradient[0] = 0.02
    false = dataclasses.replace(fit, optim=dataclasses.replace(fit.optim, gradient=gradient))
    found = _by_code(check_solution(false, spec))
    assert set(found) == {"cbsem_false_convergence"}
    assert found["cbsem_false_convergence"].category is ConvergenceWarning


def test_free_variance_at_zero_but_not_fixed_one(
    ecsi_sem: tuple[CBSEMFit, ModelSpec], hs_fit: tuple[CBSEMFit, ModelSpec]
) -> None:
    # CUSCO ~~ 0*CUSCO is fixed by the translator: never reported
    fit, spec = ecsi_sem
    assert "cbsem_zero_variance" not in _by_code(check_solution(fit, spec))
    fit, spec = hs_fit
    found = _by_code(check_solution(_edited(fit, {("x3", "~~", "x3"): (0.0, None)}), spec))
    assert "'x3'" in found["cbsem_zero_variance"].message


# -------------------------------------------------------------------- data scale, sample size
def test_badly_scaled_item_is_detected(hs: pd.DataFrame) -> None:
    data = hs[[f"x{i}" for i in range(1, 10)]].copy()
    data["x1"] = data["x1"] * 1000
    s, _ = sample_covariance(data)
    found = _by_code(check_data_scale(s))
    assert set(found) == {"items_badly_scaled"}
    scale = found["items_badly_scaled"]
    assert scale.severity == "info"
    assert scale.category is DataWarning
    assert "largest 'x1'" in scale.message
    assert "does not depend on the items' units" in scale.message
    ratio = float(s.loc["x1", "x1"] / np.diag(s.drop(index="x1", columns="x1")).min())
    assert f"{ratio:,.0f}" in scale.message
    # the unscaled data are fine
    assert check_data_scale(sample_covariance(hs[list(s.index)])[0]) == ()


def test_constant_item_is_detected() -> None:
    s = pd.DataFrame(np.diag([1.0, 0.0, 2.0]), index=[*"abc"], columns=[*"abc"])
    found = _by_code(check_data_scale(s))
    assert set(found) == {"item_zero_variance"}
    assert "'b'" in found["item_zero_variance"].message


@pytest.mark.parametrize(
    ("n_obs", "n_free", "codes"),
    [
        (301, 21, set()),
        (100, 20, set()),
        (99, 10, {"sample_size_small"}),
        (99, 21, {"sample_size_small", "sample_size_per_parameter"}),
        (250, 51, {"sample_size_per_parameter"}),
    ],
)
def test_sample_size_rules(n_obs: int, n_free: int, codes: set[str]) -> None:
    assert set(_by_code(check_sample_size(n_obs, n_free))) == codes


def test_checks_do_not_emit_warnings(ecsi_cfa: tuple[CBSEMFit, ModelSpec]) -> None:
    import warnings

    fit, spec = ecsi_cfa
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_solution(fit, spec)
