"""Fit indices of a FIML fit to incomplete data, as lavaan 0.6-14 computes them.

With missing data the test statistic is the likelihood ratio against the unrestricted model
estimated by EM, χ² = 2(log L_H1 − log L_H0), and the baseline is the *FIML* independence model
(each item's own mean and variance over the answers given to it).  The residual indices (SRMR,
RMR, ...) and GFI compare the EM moments with the model-implied ones.

The robust CFI, TLI and RMSEA follow Zhang & Savalei (2023): the usual robust formulas
(Brosseau-Liard & Savalei 2014) applied not to the FIML statistic, whose population value depends
on the amount of missing data, but to the complete-data ML discrepancy between the EM moments
(μ̃, Σ̃) and the FIML estimates, corrected by a scaling factor that accounts for the missingness
(their "FIML-C" statistics).  lavaan reports these as ``cfi.robust``, ``tli.robust`` and
``rmsea.robust`` for every FIML fit: with the sandwich (MLR, version V3 of the correction) and
with plain ML (version V6).

>>> import numpy as np
>>> w = np.array([[2.0, 0.5], [0.5, 1.0]])
>>> info = complete_information(w)
>>> info.shape  # (μ₁, μ₂, σ₁₁, σ₁₂, σ₂₂)
(5, 5)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sem_csat.cbsem.estimation import ModelStructure, _moments, _sigma_derivatives
from sem_csat.cbsem.fiml import FIMLEstimate, _Pattern, _patterns, saturated_information
from sem_csat.cbsem.fit_indices import (
    FitIndices,
    chi2_based_indices,
    fit_indices,
    rmsea,
    rmsea_ci,
)

__all__ = [
    "CorrectedStatistics",
    "complete_information",
    "corrected_statistics",
    "fiml_baseline_loglik",
    "fiml_fit_indices",
    "missing_expected_information",
]

FloatArray = np.ndarray
_NAN = float("nan")


@dataclass(frozen=True)
class CorrectedStatistics:
    """The FIML-corrected statistics of Zhang & Savalei (2023) for a model and its baseline.

    Attributes
    ----------
    chi2, df
        T = N·F_ML(μ̃, Σ̃; θ̂): the complete-data ML discrepancy between the EM moments and the
        FIML estimate, and the model's df (lavaan's ``XX3``, ``df3``).
    scaling_factor
        ĉ = k/df with k the trace of eq. (V3) or (V6) below (lavaan's ``c.hat3``).
    chi2_null, df_null, scaling_factor_null
        The same for the FIML independence model.
    version
        ``"V3"`` (sandwich, MLR) or ``"V6"`` (plain ML).
    """

    chi2: float
    df: int
    scaling_factor: float
    chi2_null: float
    df_null: int
    scaling_factor_null: float
    version: str

    @property
    def chi2_scaled(self) -> float:
        """T/ĉ."""
        return self.chi2 / self.scaling_factor if self.scaling_factor > 0 else _NAN

    def robust_indices(self, n_obs: int, ci_level: float = 0.90) -> dict[str, float]:
        """Robust CFI, TLI and RMSEA (with its interval) from the corrected statistics.

        Notes
        -----
        As lavaan's ``lav_fit_cfi`` and ``lav_fit_rmsea`` with ĉ ≠ 1:

        .. math:: \\mathrm{CFI} = 1 - \\frac{\\max(T - \\hat c\\,df, 0)}
                  {\\max(T - \\hat c\\,df,\\; T_0 - \\hat c_0 df_0,\\; 0)}, \\qquad
                  \\mathrm{TLI} = 1 - \\frac{(T - \\hat c\\,df)\\,df_0}
                  {(T_0 - \\hat c_0 df_0)\\,df},

        RMSEA = sqrt(max(T/(N·df) − ĉ/N, 0)), and its interval is the Browne–Cudeck interval of
        T/ĉ multiplied by sqrt(ĉ).
        """
        t, c, df = self.chi2, self.scaling_factor, self.df
        t0, c0, df0 = self.chi2_null, self.scaling_factor_null, self.df_null
        if not all(math.isfinite(v) for v in (t, c, t0, c0)) or df <= 0:
            return dict.fromkeys(
                ("cfi_robust", "tli_robust", "rmsea_robust", "rmsea_ci_lower_robust",
                 "rmsea_ci_upper_robust"),
                _NAN,
            )  # fmt: skip
        t1 = max(t - c * df, 0.0)
        t2 = max(t - c * df, t0 - c0 * df0, 0.0)
        cfi = 1.0 if math.isclose(t1, 0.0, abs_tol=1e-8) and math.isclose(t2, 0.0, abs_tol=1e-8) \
            else 1.0 - t1 / t2  # fmt: skip
        den = (t0 - c0 * df0) * df
        tli = 1.0 - (t - c * df) * df0 / den if den != 0.0 else 1.0
        rmsea_r = rmsea(t, df, n_obs, c_hat=c)
        lower, upper = rmsea_ci(self.chi2_scaled, df, n_obs, level=ci_level)
        return {
            "cfi_robust": cfi,
            "tli_robust": tli,
            "rmsea_robust": rmsea_r,
            "rmsea_ci_lower_robust": lower * math.sqrt(c),
            "rmsea_ci_upper_robust": upper * math.sqrt(c),
        }


def complete_information(sigma: FloatArray) -> FloatArray:
    """Unit information of the saturated normal model for complete data at (μ, Σ).

    Parameters are ordered as in :func:`sem_csat.cbsem.fiml.saturated_information`: μ, then
    σ_ab (a ≤ b, row-major).  The μ block is Σ⁻¹, the Σ block ½ Dᵀ(Σ⁻¹ ⊗ Σ⁻¹)D with D the
    duplication matrix of the distinct elements, the cross block 0 (observed = expected
    information at the ML estimate; Magnus & Neudecker 1999).
    """
    return _information_from_precision(np.linalg.inv(sigma))


def missing_expected_information(patterns: Sequence[_Pattern], sigma: FloatArray) -> FloatArray:
    """Expected unit information of the saturated model for incomplete data at Σ.

    The pattern-weighted sum (1/N) Σ_g n_g I(W_g) where W_g is Σ_oo⁻¹ of pattern g embedded in a
    p × p zero matrix and I(W) the blocks of :func:`complete_information` (Savalei 2010).  lavaan
    uses it, at the model-implied moments, as the weight of GFI for FIML fits (its ``WLS.V``).
    """
    p = sigma.shape[0]
    total = 0
    out: FloatArray | None = None
    for pat in patterns:
        o = pat.observed
        w = np.zeros((p, p))
        w[np.ix_(o, o)] = np.linalg.inv(sigma[np.ix_(o, o)])
        block = pat.n * _information_from_precision(w)
        out = block if out is None else out + block
        total += pat.n
    if out is None:
        raise ValueError("no missing-data patterns")
    return out / total


def _information_from_precision(w: FloatArray) -> FloatArray:
    """Blocks diag(W, ½ Dᵀ(W ⊗ W)D) in the (μ, σ_ab a ≤ b) order."""
    p = w.shape[0]
    iu = np.triu_indices(p)
    k = p + iu[0].size
    out = np.zeros((k, k))
    out[:p, :p] = w
    # ½ tr(W E_ab W E_cd) with E_ab the symmetric unit matrix of σ_ab
    a, b = iu
    wac, wbd = w[np.ix_(a, a)], w[np.ix_(b, b)]
    wad, wbc = w[np.ix_(a, b)], w[np.ix_(b, a)]
    cov = wac * wbd + wad * wbc
    single = a == b
    cov[single, :] *= 0.5
    cov[:, single] *= 0.5
    out[p:, p:] = cov
    return out


def fiml_baseline_loglik(y: FloatArray) -> tuple[float, FloatArray, FloatArray]:
    """Log-likelihood and estimates of the FIML independence model.

    With a diagonal Σ the casewise likelihood factorizes over items, so the ML estimates are each
    item's mean m_j and variance v_j (divisor n_j) over the n_j answers it received, and
    log L₀ = −½ Σ_j n_j (log 2πv_j + 1).

    Returns
    -------
    loglik, means, variances
    """
    means = np.nanmean(y, axis=0)
    variances = np.nanvar(y, axis=0)
    counts = np.sum(np.isfinite(y), axis=0)
    loglik = float(-0.5 * np.sum(counts * (np.log(2.0 * np.pi * variances) + 1.0)))
    return loglik, means, variances


def _ml_discrepancy(
    mu_t: FloatArray, sigma_t: FloatArray, mu: FloatArray, sigma: FloatArray, n: int
) -> float:
    """N·[log|Σ| − log|Σ̃| + tr(Σ̃Σ⁻¹) − p + (μ̃ − μ)ᵀΣ⁻¹(μ̃ − μ)]."""
    inv = np.linalg.inv(sigma)
    d = mu_t - mu
    value = (
        np.linalg.slogdet(sigma)[1] - np.linalg.slogdet(sigma_t)[1]
        + float(np.trace(sigma_t @ inv)) - sigma.shape[0] + float(d @ inv @ d)
    )  # fmt: skip
    return max(float(n * value), 0.0)


def _correction_trace(
    delta: FloatArray, wm: FloatArray, wm_inv: FloatArray, wc: FloatArray, gamma: FloatArray | None
) -> float:
    """k of Zhang & Savalei (2023) for a model with Jacobian Δ; see :func:`corrected_statistics`."""
    e_inv = np.linalg.inv(delta.T @ wm @ delta)
    u = wm - wm @ delta @ e_inv @ delta.T @ wm
    if gamma is None:  # V6
        return float(np.trace(wc @ wm_inv @ u @ wm_inv))
    return float(np.trace(u @ wm_inv @ wc @ wm_inv @ u @ gamma))


def corrected_statistics(
    structure: ModelStructure,
    patterns: Sequence[_Pattern],
    fe: FIMLEstimate,
    y: FloatArray,
) -> CorrectedStatistics:
    """FIML-corrected statistics of the model and of the independence model.

    Parameters
    ----------
    structure
        The model the FIML fit used.
    patterns
        The missing-data patterns of ``y``.
    fe
        The FIML fit (``fe.robust`` selects version V3, else V6).
    y
        The n × p data the fit used (rows with no answer removed).

    Returns
    -------
    CorrectedStatistics

    Notes
    -----
    With unit (per-case) information matrices of the unrestricted model at the EM estimate
    (μ̃, Σ̃): W_m the observed information of the incomplete data, J_m the cross-product of the
    case-wise scores, W_c the complete-data information at (μ̃, Σ̃); Δ = ∂(μ, vech Σ)/∂θ at θ̂;
    E = ΔᵀW_mΔ and U = W_m − W_mΔE⁻¹ΔᵀW_m (Zhang & Savalei 2023; lavaan's
    ``lav_fit_fiml_corrected``):

    - V3 (MLR): k = tr(U W_m⁻¹ W_c W_m⁻¹ U Γ) with Γ = W_m⁻¹ J_m W_m⁻¹;
    - V6 (ML): k = tr(W_c W_m⁻¹ U W_m⁻¹).

    ĉ = k/df, and T = N·F_ML(μ̃, Σ̃; μ(θ̂), Σ(θ̂)).  The baseline uses the same matrices with the
    Jacobian of the independence model (∂μ/∂m_j = e_j, ∂σ_jj/∂v_j = 1) at its FIML estimates.

    References
    ----------
    Zhang, X., & Savalei, V. (2023). New computations for RMSEA and CFI following FIML and TS
    estimation with missing data. *Psychological Methods*, 28(2), 263–283.
    Brosseau-Liard, P. E., & Savalei, V. (2014). Adjusting incremental fit indices for
    nonnormality. *Multivariate Behavioral Research*, 49(5), 460–470.
    """
    n, p = y.shape
    mu_t = fe.mu_h1.to_numpy(dtype=float)
    sigma_t = fe.sigma_h1.to_numpy(dtype=float)
    info, meat = saturated_information(patterns, mu_t, sigma_t)
    wm = info / n
    wm_inv = np.linalg.inv(wm)
    wc = complete_information(sigma_t)
    gamma = wm_inv @ (meat / n) @ wm_inv if fe.robust else None

    q = structure.n_free
    iu = np.triu_indices(p)
    sigma, mats, mm, c = _moments(structure, fe.theta[:q])
    d = _sigma_derivatives(structure, mats, mm, c)
    delta = np.zeros((p + iu[0].size, q + p))
    delta[:p, q:] = np.eye(p)
    delta[p:, :q] = d[:, iu[0], iu[1]].T
    chi2 = _ml_discrepancy(mu_t, sigma_t, fe.mu.to_numpy(dtype=float), sigma, n)
    k = _correction_trace(delta, wm, wm_inv, wc, gamma)

    _, means0, vars0 = fiml_baseline_loglik(y)
    chi2_null = _ml_discrepancy(mu_t, sigma_t, means0, np.diag(vars0), n)
    delta0 = np.zeros((p + iu[0].size, 2 * p))
    delta0[:p, :p] = np.eye(p)
    diagonal = np.flatnonzero(iu[0] == iu[1])
    delta0[p + diagonal, p + np.arange(p)] = 1.0
    k0 = _correction_trace(delta0, wm, wm_inv, wc, gamma)
    df_null = p * (p - 1) // 2
    return CorrectedStatistics(
        chi2=chi2,
        df=fe.df,
        scaling_factor=k / fe.df if fe.df > 0 else _NAN,
        chi2_null=chi2_null,
        df_null=df_null,
        scaling_factor_null=k0 / df_null if df_null > 0 else _NAN,
        version="V3" if fe.robust else "V6",
    )


def fiml_fit_indices(structure: ModelStructure, fe: FIMLEstimate, data: FloatArray) -> FitIndices:
    """lavaan's fit measures for a FIML fit.

    Parameters
    ----------
    structure
        The model the FIML fit used.
    fe
        The FIML fit.
    data
        The n × p data in ``structure.observed`` order, NaN for missing answers.

    Returns
    -------
    FitIndices
        The χ²-based indices from the FIML likelihood ratio and the FIML baseline; the residual
        indices from the EM moments; GFI, AGFI and PGFI as lavaan computes them (see
        :func:`_gfi`); ``cfi_robust``, ``tli_robust`` and ``rmsea_robust``
        from :func:`corrected_statistics` (for plain ML too, as lavaan does); with MLR also
        ``chi2_scaled`` and ``scaling_factor`` (Yuan–Bentler).
    """
    y = np.asarray(data, dtype=float)
    y = y[~np.isnan(y).all(axis=1)]
    n = fe.n_obs
    moments = fit_indices(
        fe.sigma_h1.to_numpy(), fe.sigma.to_numpy(), n, fe.n_free,
        means=fe.mu_h1.to_numpy(), implied_means=fe.mu.to_numpy(),
    )  # fmt: skip
    loglik_0, _, _ = fiml_baseline_loglik(y)
    chi2_0 = max(2.0 * (fe.loglik_h1 - loglik_0), 0.0)
    p = y.shape[1]
    tests = chi2_based_indices(
        fe.chi2, fe.df, chi2_0, p * (p - 1) // 2,
        n_obs=n, n_stat=n, n_params=fe.n_free,
        loglik=fe.loglik, unrestricted_loglik=fe.loglik_h1,
    )  # fmt: skip
    patterns = _patterns(y)
    fit = dataclasses.replace(moments, **tests, **_gfi(fe, patterns, y))
    corrected = corrected_statistics(structure, patterns, fe, y)
    robust = corrected.robust_indices(n)
    fit = dataclasses.replace(
        fit,
        cfi_robust=robust["cfi_robust"],
        tli_robust=robust["tli_robust"],
        rmsea_robust=robust["rmsea_robust"],
    )
    if fe.robust:
        fit = dataclasses.replace(fit, chi2_scaled=fe.chi2_scaled, scaling_factor=fe.scaling_factor)
    return fit


def _gfi(fe: FIMLEstimate, patterns: Sequence[_Pattern], y: FloatArray) -> dict[str, Any]:
    """GFI, AGFI and PGFI of a FIML fit, as lavaan 0.6-14 computes them.

    GFI = 1 − eᵀVe / sᵀVs over (μ, vech Σ), with e = s − σ̂ and V the incomplete-data expected
    information at the implied moments (:func:`missing_expected_information`).  lavaan's ``s``
    here is not the EM estimate but its starting values: each item's mean over the answers it
    received, and the pairwise-complete covariances (divisor n_ab − 1) times (N − 1)/N.  AGFI and
    PGFI follow as in :func:`sem_csat.cbsem.fit_indices.fit_indices`.
    """
    sigma = fe.sigma.to_numpy(dtype=float)
    n, p = y.shape
    iu = np.triu_indices(p)
    pairwise = pd.DataFrame(y).cov(ddof=1).to_numpy() * (n - 1) / n
    obs = np.concatenate([np.nanmean(y, axis=0), pairwise[iu]])
    est = np.concatenate([fe.mu.to_numpy(dtype=float), sigma[iu]])
    v = missing_expected_information(patterns, sigma)
    e = obs - est
    gfi = 1.0 - float(e @ v @ e) / float(obs @ v @ obs)
    n_moments, df = obs.size, fe.df
    return {
        "gfi": gfi,
        "agfi": 1.0 - (n_moments / df) * (1.0 - gfi) if df > 0 else _NAN,
        "pgfi": (df / n_moments) * gfi,
    }
