"""Characterization tests of semopy 2.3.11 (with numpy 2, pandas 3, scipy 1.17): what the
dependency gets wrong, as found by the audit in ``docs/semopy_audit.md``.

Each test pins semopy's *current* behaviour next to the correct value (lavaan 0.6.14, or a
numpy computation from ``model.calc_sigma()`` and the sample covariance).  When a semopy upgrade
makes one of them fail, the workaround in the CB-SEM adapter may no longer be needed: read the
audit entry of that test before changing anything.
"""

from __future__ import annotations

import builtins
import warnings

import numpy as np
import pandas as pd
import pytest

semopy = pytest.importorskip("semopy")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
# lavaan 0.6.14: cfa(HS_MODEL, data = HolzingerSwineford1939); see docs/semopy_audit.md
LAVAAN_HS = {
    "chisq": 85.30552177,
    "logl": -3737.744927,
    "aic": 7517.489853,
    "bic": 7595.339169,
    "gfi": 0.9433320613,
    "nfi": 0.907160718,
    "srmr": 0.06520505718,
    "rmsea": 0.09212148451,
    "loadings": {
        "x2": 0.55350029,
        "x3": 0.72937021,
        "x5": 1.11307658,
        "x6": 0.92614624,
        "x8": 1.17995084,
        "x9": 1.08153016,
    },
}


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return semopy.examples.holzinger39.get_data()


@pytest.fixture(scope="module")
def ecsi() -> pd.DataFrame:
    import sem_csat.datasets

    return pd.read_csv(sem_csat.datasets.__path__[0] + "/ecsi_mobile.csv")


@pytest.fixture(scope="module")
def hs_fit(hs: pd.DataFrame) -> tuple[object, pd.DataFrame, np.ndarray, np.ndarray]:
    model = semopy.Model(HS_MODEL)
    model.fit(hs)
    stats = semopy.calc_stats(model)
    sigma = model.calc_sigma()[0]
    x = hs[model.vars["observed"]].to_numpy()
    s = np.cov(x, rowvar=False, bias=True)
    return model, stats, sigma, s


def _ml_quantities(sigma: np.ndarray, s: np.ndarray, n: int, k: int) -> dict[str, float]:
    p = s.shape[0]
    si = np.linalg.inv(sigma)
    a = si @ s
    logl = -n / 2 * (p * np.log(2 * np.pi) + np.linalg.slogdet(sigma)[1] + np.trace(a))
    d = np.sqrt(np.diag(s))
    resid = (s - sigma) / np.outer(d, d)
    return {
        "fml": np.linalg.slogdet(sigma)[1] + np.trace(a) - np.linalg.slogdet(s)[1] - p,
        "logl": logl,
        "aic": -2 * logl + 2 * k,
        "bic": -2 * logl + np.log(n) * k,
        "gfi": 1 - np.trace((a - np.eye(p)) @ (a - np.eye(p))) / np.trace(a @ a),
        "srmr": float(np.sqrt(np.mean(resid[np.tril_indices(p)] ** 2))),
    }


def test_semopy_gfi_is_the_nfi_formula(hs_fit) -> None:
    model, stats, sigma, s = hs_fit
    ours = _ml_quantities(sigma, s, model.n_samples, len(model.param_vals))
    assert ours["gfi"] == pytest.approx(LAVAAN_HS["gfi"], abs=1e-5)
    assert stats["GFI"].iloc[0] == pytest.approx(stats["NFI"].iloc[0], rel=1e-12)
    assert stats["GFI"].iloc[0] == pytest.approx(LAVAAN_HS["nfi"], abs=1e-5)  # 0.907, not 0.943


def test_semopy_loglik_is_the_ml_discrepancy_so_aic_bic_are_wrong(hs_fit) -> None:
    model, stats, sigma, s = hs_fit
    ours = _ml_quantities(sigma, s, model.n_samples, len(model.param_vals))
    assert stats["LogLik"].iloc[0] == pytest.approx(ours["fml"], rel=1e-9)  # 0.283
    assert ours["logl"] == pytest.approx(LAVAAN_HS["logl"], abs=1e-3)
    assert ours["aic"] == pytest.approx(LAVAAN_HS["aic"], abs=1e-3)
    assert ours["bic"] == pytest.approx(LAVAAN_HS["bic"], abs=1e-3)
    assert stats["AIC"].iloc[0] == pytest.approx(2 * 21 - 2 * ours["fml"], rel=1e-9)  # 41.4
    assert stats["BIC"].iloc[0] < 200  # lavaan: 7595.3


def test_semopy_reports_no_srmr_and_no_rmsea_ci(hs_fit) -> None:
    model, stats, sigma, s = hs_fit
    assert not any("SRMR" in c or ("RMSEA" in c and c != "RMSEA") for c in stats.columns)
    ours = _ml_quantities(sigma, s, model.n_samples, len(model.param_vals))
    assert ours["srmr"] == pytest.approx(LAVAAN_HS["srmr"], abs=1e-6)
    # semopy's RMSEA divides by N - 1, lavaan's by N: 0.09228 vs 0.09212.
    n, chi2, df = model.n_samples, stats["chi2"].iloc[0], stats["DoF"].iloc[0]
    assert stats["RMSEA"].iloc[0] == pytest.approx(np.sqrt((chi2 / df - 1) / (n - 1)))
    assert np.sqrt((chi2 - df) / (df * n)) == pytest.approx(LAVAAN_HS["rmsea"], abs=1e-5)


def test_semopy_default_tolerance_leaves_estimates_off_lavaan(hs: pd.DataFrame) -> None:
    def max_diff(**kwargs: object) -> float:
        model = semopy.Model(HS_MODEL)
        model.fit(hs, **kwargs)
        est = model.inspect().set_index(["lval", "op"])["Estimate"]
        return max(abs(est[(k, "~")] - v) for k, v in LAVAAN_HS["loadings"].items())

    assert max_diff() > 1e-3  # 1.16e-3 on HS (1.2e-2 on a variance of Bollen's model)
    assert max_diff(options={"ftol": 1e-10}) < 1e-5


def test_semopy_bounds_variances_at_zero_so_heywood_cases_vanish() -> None:
    # Exact sample correlations r12 = r13 = .8, r23 = .5: the just-identified one-factor model
    # has psi = r12 r13 / r23 = 1.28 and theta_1 = 1 - 1.28 = -0.28 (lavaan: -0.28 + warning).
    r = np.array([[1, 0.8, 0.8], [0.8, 1, 0.5], [0.8, 0.5, 1]])
    z = np.random.default_rng(1).standard_normal((200, 3))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False, bias=True))).T
    data = pd.DataFrame(z @ np.linalg.cholesky(r).T, columns=["y1", "y2", "y3"])
    model = semopy.Model("f =~ y1 + y2 + y3")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert model.fit(data).success
    est = model.inspect().set_index(["lval", "op", "rval"])["Estimate"]
    assert abs(est[("y1", "~~", "y1")]) < 1e-8  # correct: -0.28
    assert est[("y2", "~", "f")] == pytest.approx(0.8, abs=1e-3)  # correct: 0.625
    assert not [w for w in caught if "variance" in str(w.message).lower()]


def test_semopy_rescaling_one_indicator_changes_chi2(hs: pd.DataFrame) -> None:
    scaled = hs.copy()
    scaled["x1"] = scaled["x1"] * 1000
    model = semopy.Model(HS_MODEL)
    result = model.fit(scaled)
    assert result.success
    chi2 = semopy.calc_stats(model)["chi2"].iloc[0]
    assert abs(chi2 - LAVAAN_HS["chisq"]) > 0.5  # 86.55; ML chi2 is scale-free: 85.31


def test_semopy_fiml_without_mean_structure_on_raw_likert(ecsi: pd.DataFrame) -> None:
    desc = "S =~ CUSA1 + CUSA2 + CUSA3\nL =~ CUSL1 + CUSL2 + CUSL3\nL ~ S"
    fits = {}
    for obj in ("MLW", "FIML"):
        model = semopy.Model(desc)
        assert model.fit(ecsi, obj=obj).success
        fits[obj] = model.inspect().set_index(["lval", "op", "rval"])["Estimate"]
    # Complete data: FIML must equal ML.  semopy's Model has no means, so FIML fits the raw
    # second moments of items centred at ~7: CUSA2 loading 0.91 instead of 1.55.
    assert fits["MLW"][("CUSA2", "~", "S")] == pytest.approx(1.551, abs=1e-2)
    assert fits["FIML"][("CUSA2", "~", "S")] < 1.0
    assert fits["FIML"][("CUSL2", "~", "L")] > 3 * fits["MLW"][("CUSL2", "~", "L")]


def test_semopy_ordinal_path_crashes(ecsi: pd.DataFrame) -> None:
    model = semopy.Model("S =~ CUSA1 + CUSA2 + CUSA3\nDEFINE(ordinal) CUSA1 CUSA2 CUSA3")
    with pytest.raises(TypeError, match="bias"):  # np.ma.corrcoef lost 'bias' in numpy 2
        model.fit(ecsi)
    from semopy.polycorr import polychoric_corr

    with pytest.raises(AttributeError, match="mvnun"):  # removed from scipy.stats.mvn
        polychoric_corr(ecsi["CUSA1"], ecsi["CUSA2"])


@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt:RuntimeWarning")
def test_semopy_fits_unidentified_models_without_complaint(hs: pd.DataFrame) -> None:
    model = semopy.Model("f =~ x1 + x2 + x3\nx1 ~~ x2\nx1 ~~ x3\nx2 ~~ x3")
    assert model.fit(hs).success
    stats = semopy.calc_stats(model)
    assert stats["DoF"].iloc[0] == -3
    assert 0.9 < stats["CFI"].iloc[0] < 1.0  # reported as a good fit


def test_semopy_leaves_single_indicator_constructs_unidentified(ecsi: pd.DataFrame) -> None:
    model = semopy.Model("S =~ CUSA1 + CUSA2 + CUSA3\nC =~ CUSCO\nC ~ S")
    assert model.fit(ecsi).success
    ins = model.inspect().set_index(["lval", "op", "rval"])
    # lavaan fixes CUSCO ~~ CUSCO at 0; semopy frees it and splits var(CUSCO) arbitrarily
    # (where the split lands depends on the optimizer's path, so only its freedom and the
    # singular information are asserted)
    se = ins.loc[("CUSCO", "~~", "CUSCO"), "Std. Err"]
    assert se != "-"  # a free parameter
    # one more free parameter than lavaan's 8 (2 loadings, 3 residuals, 1 variance, 1 residual
    # variance of C, 1 path): the model is not identified, and semopy's standard errors then
    # come from a pseudo-inverse (their size varies from run to run, so it is not asserted)
    assert len(model.param_vals) == 9


def test_semopy_constraint_syntax_reaches_eval() -> None:
    probe = "SEM_CSAT_AUDIT_EVAL_PROBE"
    desc = (
        f"f =~ x1 + a*x2 + x3\nCONSTRAINT(a > vars(__import__('builtins')).update({probe}=1) or 0)"
    )
    try:
        semopy.Model(desc)  # building the model runs the code; nothing is fitted
        assert getattr(builtins, probe, None) == 1
    finally:
        if hasattr(builtins, probe):
            delattr(builtins, probe)
