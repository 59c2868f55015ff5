"""Step 6: the test statistic of the model and of the baseline model (lavaan's ``lav_test.R``).

``test = "standard"``: T = 2 N f̂ (N F_ML for ML, (N − 1) F for GLS and ULS in one group),
with df = (moments) − npar, npar the free parameters net of equality constraints.  lavaan
refers the ML and GLS statistics to χ²(df) and reports no p-value for ULS, whose standard
statistic is not χ²-distributed.

The baseline (independence) model, needed by CFI, TLI and the other incremental indices,
has diagonal Σ₀ (and saturated means) in every group, df₀ = Σ_g p(p − 1)/2, and is fitted with
the same estimator; its minimum has a closed form:

* ML and ULS: Σ₀ = diag(S), so T₀ = Σ_g N_g (Σ_i log s_ii − log|S|) for ML and
  Σ_g (N_g − 1) Σ_{i<j} s_ij² for ULS;
* GLS: diag(Σ₀) = d = (W∘W)⁻¹ diag(W) with W = S⁻¹, and
  T₀ = Σ_g (N_g − 1) · ½ tr[(I − W D)²].

Variations:

* ``test = "yuan.bentler.mplus"`` (:func:`yuan_bentler_mplus`; MLR): T/c with
  c = [tr(A₁⁻¹B₁) − tr(A₀⁻¹B₀)]/df, A the observed and B the first-order information of the
  unrestricted model (h1, at the sample moments) and of the model (h0, at the estimates)
  (Yuan & Bentler 2000; the Mplus variant, which takes the h0 trace from the model's own
  information instead of the projection through the Jacobian).  The baseline model gets its
  own c₀ the same way (:func:`baseline_yuan_bentler`);
* ``test = "scaled.shifted"`` (:func:`scaled_shifted`; WLSMV): aT + b with
  a = sqrt(df/tr[(UΓ)²]) and b = df − a·tr(UΓ), U = W − WΔ(ΔᵀWΔ)⁻¹ΔᵀW (Asparouhov & Muthén
  2010); lavaan reports 1/a as the scaling factor and b as the shift;
* :func:`satorra_bentler_2001`: the scaled difference of two nested robust fits.

References
----------
Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for mean and covariance
structure analysis with nonnormal missing data. *Sociological Methodology*, 30, 165-200.
Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test statistic for
moment structure analysis. *Psychometrika*, 66, 507-514.
Asparouhov, T., & Muthén, B. (2010). Simple second order chi-square correction. Mplus
technical appendix.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps

from sem_csat.cbsem.samplestats import GroupStats, SampleStats
from sem_csat.errors import SemCsatWarning

__all__ = [
    "DifferenceTest",
    "TestResult",
    "baseline_test",
    "baseline_yuan_bentler",
    "h1_trace",
    "satorra_bentler_2001",
    "scaled_shifted",
    "standard_test",
    "yuan_bentler_mplus",
]

_NAN = math.nan

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class TestResult:
    """One test statistic.

    Attributes
    ----------
    test
        lavaan's name of the test (``"standard"``, ``"yuan.bentler.mplus"``,
        ``"scaled.shifted"``).
    stat, df, pvalue
        The statistic, its degrees of freedom and p-value (NaN when not χ²-distributed).
    scaling_factor
        c of a scaled test (T/c), or 1/a of the scaled-shifted test aT + b; NaN otherwise.
    shift
        b of the scaled-shifted test; NaN otherwise.
    trace_ugamma
        tr(UΓ) (= c·df for the Yuan–Bentler test).
    scaling_factor_h1, scaling_factor_h0
        lavaan's tr(A₁⁻¹B₁)/p* and tr(A₀⁻¹B₀)/npar of the Yuan–Bentler test.
    """

    __test__ = False  # not a pytest test class

    test: str
    stat: float
    df: float
    pvalue: float
    scaling_factor: float = _NAN
    shift: float = _NAN
    trace_ugamma: float = _NAN
    scaling_factor_h1: float = _NAN
    scaling_factor_h0: float = _NAN


def n_moments(stats: SampleStats, *, meanstructure: bool = False) -> int:
    """Sample moments over the groups: p(p + 1)/2 (+ p with a mean structure) per group;
    for ordinal items the thresholds and the p(p − 1)/2 polychoric correlations."""
    p = len(stats.ov_names)
    total = 0
    for g in stats.groups:
        if g.ordinal is not None:
            total += g.ordinal.n_th + p * (p - 1) // 2
        else:
            total += p * (p + 1) // 2 + (p if meanstructure else 0)
    return total


def standard_test(
    fmin: float, stats: SampleStats, npar: int, *, chi_square: bool, meanstructure: bool = False
) -> TestResult:
    """T = 2 N f̂ with df = moments − npar (lavaan's ``test = "standard"``).

    Examples
    --------
    The Holzinger–Swineford CFA by ML: lavaan's fmin 0.14170, N = 301, 21 parameters.

    >>> import numpy as np
    >>> from sem_csat.cbsem.samplestats import GroupStats, SampleStats
    >>> st = SampleStats(tuple(f"x{i}" for i in range(1, 10)),
    ...                  (GroupStats("", 301, np.eye(9)),))
    >>> t = standard_test(0.1417043, st, 21, chi_square=True)
    >>> round(t.stat, 2), t.df, round(t.pvalue, 6)
    (85.31, 24.0, 0.0)
    """
    df = float(n_moments(stats, meanstructure=meanstructure) - npar)
    stat = max(2.0 * stats.ntotal * fmin, 0.0)
    pvalue = float(sps.chi2.sf(stat, df)) if chi_square and df > 0 else math.nan
    return TestResult("standard", stat, df, pvalue)


def _baseline_f(s: FloatArray, estimator: str) -> float:
    """The baseline discrepancy F₀ of one group (without lavaan's ½ factors)."""
    p = s.shape[0]
    if estimator == "ML":
        sign, logdet = np.linalg.slogdet(s)
        return float(np.sum(np.log(np.diag(s)))) - float(logdet) if sign > 0 else math.nan
    if estimator == "GLS":
        w = np.linalg.inv(s)
        d0 = np.linalg.solve(w * w, np.diag(w))
        a = np.eye(p) - w * d0[np.newaxis, :]
        return 0.5 * float(np.sum(a * a.T))
    off = s[np.tril_indices(p, -1)]
    return float(np.sum(off**2))


def _fiml_baseline_stat(group: GroupStats) -> float:
    """2(log L₁ − log L₀) of the FIML independence model (each item's own mean and variance
    over its answers: log L₀ = −½ Σ_j n_j (log 2πv_j + 1))."""
    md = group.missing
    if md is None:
        return _NAN
    y = md.data
    mean = np.nanmean(y, axis=0)
    var = np.nanmean((y - mean) ** 2, axis=0)
    counts = np.sum(np.isfinite(y), axis=0)
    ll0 = float(-0.5 * np.sum(counts * (np.log(2.0 * np.pi * var) + 1.0)))
    return 2.0 * (md.loglik - ll0)


def baseline_test(stats: SampleStats, estimator: str, *, chi_square: bool) -> TestResult:
    """The independence model's statistic with the same estimator (closed form).

    With incomplete data (FIML) the independence model is fitted by FIML too and compared
    with the EM-estimated unrestricted model.
    """
    p = len(stats.ov_names)
    stat = 0.0
    for g in stats.groups:
        if g.missing is not None:
            stat += _fiml_baseline_stat(g)
            continue
        if g.ordinal is not None:  # all correlations 0, thresholds saturated
            od = g.ordinal
            r = g.cov[od.rows, od.cols]
            stat += (g.nobs - 1) * float(od.weights[od.n_th :] @ (r * r))
            continue
        n = g.nobs if estimator == "ML" else g.nobs - 1
        stat += n * _baseline_f(g.cov, estimator)
    df = float(stats.n_groups * p * (p - 1) // 2)
    stat = max(stat, 0.0)
    pvalue = float(sps.chi2.sf(stat, df)) if chi_square and df > 0 else math.nan
    return TestResult("standard", stat, df, pvalue)


def _pvalue(stat: float, df: float) -> float:
    if not (math.isfinite(stat) and df > 0):
        return _NAN
    return float(sps.chi2.sf(stat, df))


def _mardia_trace(data: FloatArray, meanstructure: bool) -> float:
    """tr(A₁⁻¹B₁) of the unrestricted normal model for complete data, at the sample moments.

    With A₁ = ½Dᵀ(S⁻¹⊗S⁻¹)D the information of vech Σ and B₁ the mean outer product of its
    case-wise scores ½Dᵀvec(S⁻¹e_ie_iᵀS⁻¹ − S⁻¹), the trace is (1/N) Σ_i 2 tr(G_iSG_iS) =
    ½(b₂ − p), b₂ = (1/N) Σ_i d_i² Mardia's multivariate kurtosis with d_i = e_iᵀS⁻¹e_i
    (S with divisor N); the means add tr(S⁻¹ · (1/N)Σ e_ie_iᵀ) = p.
    """
    e = data - data.mean(axis=0)
    n, p = e.shape
    s = e.T @ e / n
    d = np.einsum("ij,ij->i", e @ np.linalg.inv(s), e)
    out = 0.5 * (float(np.mean(d * d)) - float(p))
    return out + p if meanstructure else out


def h1_trace(group: GroupStats, *, meanstructure: bool = False) -> tuple[float, int]:
    """tr(A₁⁻¹B₁) of one group's unrestricted model and its number of moments (p* [+ p]).

    A₁ is the observed information and B₁ the first-order information of the saturated model
    at the sample moments (lavaan's ``h1.information = "unstructured"``, which the Mplus
    variant of the Yuan–Bentler test always uses).
    """
    p = group.cov.shape[0]
    ndat = p * (p + 1) // 2 + (p if meanstructure or group.missing is not None else 0)
    if group.missing is not None:
        return group.missing.h1_trace(), ndat
    if group.data is None:
        return _NAN, ndat
    return _mardia_trace(group.data, meanstructure), ndat


def yuan_bentler_mplus(
    standard: TestResult, stats: SampleStats, trace_h0: float, npar: int, *,
    meanstructure: bool = False,
) -> TestResult:  # fmt: skip
    """lavaan's ``test = "yuan.bentler.mplus"`` from the standard test and tr(A₀⁻¹B₀).

    c = Σ_g [tr(A₁⁻¹B₁)_g − tr(A₀⁻¹B₀)]/df (lavaan's ``trace.UGamma``/df), T/c referred to
    χ²(df); c ≤ 0 gives NaN, and df = 0 no scaled test (as lavaan).
    """
    traces = [h1_trace(g, meanstructure=meanstructure) for g in stats.groups]
    trace_h1 = float(sum(t for t, _ in traces))
    ndat = sum(k for _, k in traces)
    trace = trace_h1 - trace_h0
    df = standard.df
    c = trace / df if df > 0 else _NAN
    if not c > 0:
        c = _NAN
    stat = standard.stat / c if math.isfinite(c) else _NAN
    return TestResult(
        "yuan.bentler.mplus", stat, df, _pvalue(stat, df), scaling_factor=c,
        trace_ugamma=trace, scaling_factor_h1=trace_h1 / ndat,
        scaling_factor_h0=trace_h0 / npar if npar else _NAN,
    )  # fmt: skip


def scaled_shifted(standard: TestResult, ugamma: FloatArray) -> TestResult:
    """lavaan's ``test = "scaled.shifted"`` from the standard test and UΓ.

    Examples
    --------
    >>> t = scaled_shifted(TestResult("standard", 10.0, 4.0, 0.0), np.diag([2.0, 1.0, 1.0, 1.0]))
    >>> round(t.scaling_factor, 4), round(t.shift, 4), round(t.stat, 4)  # a = sqrt(4/7)
    (1.3229, 0.2204, 7.7796)
    """
    df = standard.df
    tr1 = float(np.trace(ugamma))
    tr2 = float(np.sum(ugamma * ugamma.T))
    if not (df > 0 and tr2 > 0):
        return TestResult("scaled.shifted", _NAN, df, _NAN, trace_ugamma=tr1)
    a = math.sqrt(df / tr2)
    shift = df - a * tr1
    stat = a * standard.stat + shift
    return TestResult("scaled.shifted", stat, df, _pvalue(stat, df), scaling_factor=1.0 / a,
                      shift=shift, trace_ugamma=tr1)  # fmt: skip


def _independence_trace(data: FloatArray, meanstructure: bool) -> float:
    """tr(A₀⁻¹B₀) of the independence model (diagonal Σ₀, saturated means) at its estimates.

    Per item j with variance v_j = s_jj the observed information is 1/(2v_j²) (and 1/v_j for
    a mean), diagonal across items, and the mean squared scores give
    ½(κ_j − 1) per variance (κ_j = m₄/m₂², the item's kurtosis over its observed values)
    and 1 per mean.
    """
    total = 0.0
    for col in data.T:
        x = col[np.isfinite(col)]
        e = x - x.mean()
        m2 = float(np.mean(e * e))
        total += 0.5 * (float(np.mean(e**4)) / (m2 * m2) - 1.0)
        if meanstructure:
            total += 1.0
    return total


def baseline_yuan_bentler(
    baseline: TestResult, stats: SampleStats, *, meanstructure: bool = False
) -> TestResult:
    """The baseline (independence) model's Yuan–Bentler (Mplus) scaled test."""
    meanstructure = meanstructure or stats.missing
    trace_h0 = 0.0
    for g in stats.groups:
        data = g.missing.data if g.missing is not None else g.data
        if data is None:
            return TestResult("yuan.bentler.mplus", _NAN, baseline.df, _NAN)
        trace_h0 += _independence_trace(data, meanstructure)
    p = len(stats.ov_names)
    npar = stats.n_groups * (2 * p if meanstructure else p)
    return yuan_bentler_mplus(baseline, stats, trace_h0, npar, meanstructure=meanstructure)


@dataclass(frozen=True)
class DifferenceTest:
    """χ² difference test of two nested models (lavaan's ``lavTestLRT`` for two fits).

    Attributes
    ----------
    method
        ``"standard"`` or ``"satorra.bentler.2001"``.
    chi2_diff
        T₀ − T₁, or (T₀ − T₁)/c_d for the scaled difference.
    df_diff
        df₀ − df₁ > 0.
    p_value
        P(χ²_{Δdf} > chi2_diff).
    chi2_diff_standard
        The unscaled difference T₀ − T₁.
    scaling_factor
        c_d of the scaled difference; NaN for the standard test.
    rmsea
        RMSEA of the difference, sqrt(max(ΔT/(N·Δdf) − 1/N, 0)) (lavaan 0.6-14 reports it
        for the standard test only; NaN for the scaled one).
    df_restricted, df_full
        Degrees of freedom of the restricted (H₀) and the full model.
    """

    __test__ = False

    method: str
    chi2_diff: float
    df_diff: int
    p_value: float
    chi2_diff_standard: float
    scaling_factor: float
    rmsea: float
    df_restricted: int
    df_full: int


def satorra_bentler_2001(
    restricted: tuple[float, int, float],
    full: tuple[float, int, float],
    n_obs: int,
    *,
    scaled: bool,
) -> DifferenceTest:
    """The χ² difference of two nested fits: standard, or Satorra–Bentler (2001) scaled.

    ``restricted`` and ``full`` are (T, df, c) with T the *standard* statistic and c the
    scaling factor of the robust test (ignored unless ``scaled``).  The scaled difference is
    (T₀ − T₁)/c_d with c_d = (df₀c₀ − df₁c₁)/(df₀ − df₁) (lavaan's
    ``lav_test_diff_SatorraBentler2001``; c₁ = 1 for a saturated full model); a negative c_d
    gives NaN with a warning, as in lavaan.

    Examples
    --------
    lavaan's ``lavTestLRT`` of the orthogonal HS model against the three-factor model by MLR
    (``tests/reference/lavaan/hs_compare``): Δχ² = 22.023.

    >>> t = satorra_bentler_2001((121.4712, 25, 1.0), (85.3055, 24, 0.97904), 301, scaled=True)
    >>> t.df_diff, t.method
    (1, 'satorra.bentler.2001')
    """
    t0, df0, c0 = restricted
    t1, df1, c1 = full
    df_diff = int(df0 - df1)
    delta = t0 - t1
    if not scaled:
        rmsea_diff = _NAN
        if df_diff > 0:
            rmsea_diff = math.sqrt(max(delta / (n_obs * df_diff) - 1.0 / n_obs, 0.0))
        return DifferenceTest("standard", delta, df_diff, _pvalue(delta, df_diff), delta, _NAN,
                              rmsea_diff, int(df0), int(df1))  # fmt: skip
    if df1 == 0:
        c1 = 1.0
    c_d = (df0 * c0 - df1 * c1) / df_diff if df_diff else _NAN
    stat = _NAN
    if math.isfinite(c_d) and c_d > 0.0:
        stat = delta / c_d
    else:
        warnings.warn(
            f"The Satorra–Bentler (2001) scaled difference has a non-positive scaling factor "
            f"(c_d = {c_d:.4g}), so the test is undefined and reported as NaN; compare the "
            "standard χ² difference, or check that the full model fits.",
            SemCsatWarning,
            stacklevel=2,
        )
    return DifferenceTest("satorra.bentler.2001", stat, df_diff, _pvalue(stat, df_diff), delta,
                          c_d, _NAN, int(df0), int(df1))  # fmt: skip
