"""Step 7, variation: the fit measures of a FIML fit that lavaan computes differently.

Robust CFI, TLI and RMSEA (Zhang & Savalei 2023; lavaan's ``lav_fit_fiml_corrected``)
----------------------------------------------------------------------------------------
With missing data the FIML statistic's population value depends on how much is missing, so
lavaan (for every FIML fit, ML or MLR) computes the robust indices from the complete-data ML
discrepancy between the EM moments (μ̃, Σ̃) and the model's estimates,

.. math:: T_3 = N\\,[\\log|\\Sigma(\\hat\\theta)| - \\log|\\tilde\\Sigma|
          + \\operatorname{tr}(\\tilde\\Sigma\\Sigma^{-1}) - p
          + (\\tilde\\mu - \\mu)^\\top\\Sigma^{-1}(\\tilde\\mu - \\mu)],

with the scaling ĉ₃ = k/df and, in the unit information matrices of the unrestricted model in
ξ = (μ, vech Σ) — W_m the observed information of the incomplete data and J_m its first-order
information at (μ̃, Σ̃), W_c the complete-data information at (μ̃, Σ̃) —, the Jacobian
Δ = ∂ξ/∂θᵀ at θ̂, E = ΔᵀW_mΔ and U = W_m − W_mΔE⁻¹ΔᵀW_m:

* V3 (MLR, a scaled test): k = tr(U W_m⁻¹ W_c W_m⁻¹ U Γ), Γ = W_m⁻¹J_mW_m⁻¹;
* V6 (ML): k = tr(W_c W_m⁻¹ U W_m⁻¹).

The baseline model gets the same with its own estimates (each item's mean and variance over
its answers) and Jacobian.  The indices then follow :mod:`sem_csat.cbsem.fit_robust` with
T = T₃, ĉ = ĉ₃ and the interval of T₃/ĉ₃.

GFI, AGFI, PGFI
---------------
lavaan's GFI = 1 − eᵀVe/sᵀVs over ξ, with e = s − ξ̂, V the expected information of the
incomplete data at the implied moments (its ``WLS.V``), and s not the EM moments but
lavaan's sample statistics of the incomplete data: the available-case means and the
pairwise-complete covariances times (N − 1)/N.

References
----------
Zhang, X., & Savalei, V. (2023). New computations for RMSEA and CFI following FIML and TS
estimation with missing data. *Psychological Methods*, 28(2), 263-283.
Savalei, V. (2010). Expected versus observed information in SEM with incomplete normal and
nonnormal data. *Psychological Methods*, 15, 352-367.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sem_csat.cbsem.fit_robust import RobustInputs
from sem_csat.cbsem.lisrel import Factors, Implied
from sem_csat.cbsem.missing import MissingData, vech_index
from sem_csat.cbsem.samplestats import GroupStats

__all__ = [
    "CorrectedStatistics",
    "corrected_statistics",
    "corrected_statistics_groups",
    "fiml_baseline",
    "fiml_gfi",
    "moment_jacobian",
]

FloatArray = NDArray[np.float64]
_NAN = math.nan


@dataclass(frozen=True)
class CorrectedStatistics:
    """lavaan's ``lav_fit_fiml_corrected()`` output (``XX3`` ... ``c.hat3.null``)."""

    chi2: float
    df: float
    c_hat: float
    chi2_null: float
    df_null: float
    c_hat_null: float
    version: str

    @property
    def chi2_scaled(self) -> float:
        return self.chi2 / self.c_hat if self.c_hat > 0 else _NAN

    def robust_inputs(self) -> RobustInputs:
        """The inputs of :func:`~sem_csat.cbsem.fit_robust.robust_measures`."""
        return RobustInputs(self.chi2, self.df, self.c_hat, self.c_hat, self.chi2_scaled,
                            self.chi2_null, self.c_hat_null)  # fmt: skip


def moment_jacobian(fac: Factors, p: int, n_free: int) -> FloatArray:
    """Δ = ∂(μ, vech Σ)/∂xᵀ ((p + p*) × n_free) from the rank-2 factors of one block."""
    a, b, _ = vech_index(p)
    out = np.zeros((p + a.size, n_free))
    if fac.index.size:
        sig = fac.s * (fac.a[a] * fac.b[b] + fac.b[a] * fac.a[b])
        out[p:, fac.index] = sig
        if fac.dmu is not None:
            out[:p, fac.index] = fac.dmu
    return out


def fiml_baseline(md: MissingData) -> tuple[float, FloatArray, FloatArray]:
    """log L₀, means and variances of the FIML independence model.

    With a diagonal Σ the case-wise likelihood factorises over items, so the estimates are
    each item's mean m_j and variance v_j (divisor n_j) over its n_j answers, and
    log L₀ = −½ Σ_j n_j (log 2πv_j + 1).
    """
    y = md.data
    means = np.nanmean(y, axis=0)
    variances = np.nanmean((y - means) ** 2, axis=0)
    counts = np.sum(np.isfinite(y), axis=0)
    ll = float(-0.5 * np.sum(counts * (np.log(2.0 * np.pi * variances) + 1.0)))
    return ll, means, variances


def _complete_information(sigma: FloatArray) -> FloatArray:
    """blockdiag(Σ⁻¹, ½Dᵀ(Σ⁻¹⊗Σ⁻¹)D) in ξ (complete data, observed = expected at h1)."""
    p = sigma.shape[0]
    w = np.linalg.inv(sigma)
    a, b, s = vech_index(p)
    out = np.zeros((p + a.size, p + a.size))
    out[:p, :p] = w
    out[p:, p:] = np.outer(s, s) * (w[np.ix_(a, b)] * w[np.ix_(b, a)]
                                    + w[np.ix_(a, a)] * w[np.ix_(b, b)])  # fmt: skip
    return out


def _ml_statistic(
    n: int, mu_t: FloatArray, sigma_t: FloatArray, mu: FloatArray, sigma: FloatArray
) -> float:
    inv = np.linalg.inv(sigma)
    d = mu_t - mu
    value = (np.linalg.slogdet(sigma)[1] - np.linalg.slogdet(sigma_t)[1]
             + float(np.sum(sigma_t * inv)) - sigma.shape[0] + float(d @ inv @ d))  # fmt: skip
    return float(n * value)


def _trace(delta: FloatArray, wm: FloatArray, wm_inv: FloatArray, wc: FloatArray,
           gamma: FloatArray | None) -> float:  # fmt: skip
    wd = wm @ delta
    e = delta.T @ wd
    u = wm - wd @ np.linalg.solve(e, wd.T)
    if gamma is None:  # V6
        return float(np.trace(wc @ wm_inv @ u @ wm_inv))
    return float(np.trace(u @ wm_inv @ wc @ wm_inv @ u @ gamma))


def corrected_statistics(
    group: GroupStats, imp: Implied, delta: FloatArray, df: float, *, scaled: bool
) -> CorrectedStatistics:
    """lavaan's ``lav_fit_fiml_corrected`` (V3 when ``scaled``, else V6) of a one-group fit.

    ``delta`` is the model's Jacobian Δ in the free coordinates (equality constraints
    removed), ``df`` the model's df.
    """
    md = group.missing
    if md is None or imp.mu is None:
        raise ValueError("corrected statistics need a FIML fit")
    n, p = md.nobs, imp.sigma.shape[0]
    wm, jm = md.h1_information()
    wm_inv: FloatArray = np.asarray(np.linalg.inv(wm), dtype=np.float64)
    wc = _complete_information(md.sigma)
    gamma = wm_inv @ jm @ wm_inv if scaled else None
    chi2 = _ml_statistic(n, md.mu, md.sigma, imp.mu, imp.sigma)
    k = _trace(delta, wm, wm_inv, wc, gamma)
    _, means0, vars0 = fiml_baseline(md)
    chi2_null = _ml_statistic(n, md.mu, md.sigma, means0, np.diag(vars0))
    a, b, _ = vech_index(p)
    delta0 = np.zeros((p + a.size, 2 * p))
    delta0[:p, :p] = np.eye(p)
    diagonal = np.flatnonzero(a == b)
    delta0[p + diagonal, p + np.arange(p)] = 1.0
    k0 = _trace(delta0, wm, wm_inv, wc, gamma)
    df_null = p * (p - 1) / 2
    return CorrectedStatistics(
        chi2, df, k / df if df > 0 else _NAN, chi2_null, df_null,
        k0 / df_null if df_null > 0 else _NAN, "V3" if scaled else "V6",
    )  # fmt: skip


def _block_diagonal(blocks: list[FloatArray]) -> FloatArray:
    size = sum(b.shape[0] for b in blocks)
    out = np.zeros((size, size))
    k = 0
    for b in blocks:
        n = b.shape[0]
        out[k : k + n, k : k + n] = b
        k += n
    return out


def corrected_statistics_groups(
    groups: list[GroupStats],
    implied: list[Implied],
    deltas: list[FloatArray],
    df: float,
    *,
    scaled: bool,
) -> CorrectedStatistics:
    """:func:`corrected_statistics` of a multi-group FIML fit.

    As lavaan: T₃ and T₃,₀ are sums over the groups; the traces use block-diagonal matrices
    over the groups, each group's W_m, W_c and J_m weighted by f_g = N_g/N (W_m⁻¹ and Γ by
    1/f_g), and Δ stacks the groups' Jacobians (``deltas``: one (p + p*) × k block per group in
    the free coordinates).  The baseline model has its own means and variances in every group.
    """
    ntotal = sum(g.nobs for g in groups)
    wm_all, wmi_all, wc_all, gamma_all, delta0 = [], [], [], [], []
    chi2 = chi2_null = 0.0
    for g, imp in zip(groups, implied, strict=True):
        md = g.missing
        if md is None or imp.mu is None:
            raise ValueError("corrected statistics need a FIML fit")
        f = g.nobs / ntotal
        p = imp.sigma.shape[0]
        wm, jm = md.h1_information()
        wm_inv = np.asarray(np.linalg.inv(wm), dtype=np.float64)
        wm_all.append(f * wm)
        wmi_all.append(wm_inv / f)
        wc_all.append(f * _complete_information(md.sigma))
        if scaled:
            gamma_all.append(wm_inv @ jm @ wm_inv / f)
        chi2 += _ml_statistic(md.nobs, md.mu, md.sigma, imp.mu, imp.sigma)
        _, means0, vars0 = fiml_baseline(md)
        chi2_null += _ml_statistic(md.nobs, md.mu, md.sigma, means0, np.diag(vars0))
        a, b, _ = vech_index(p)
        d0 = np.zeros((p + a.size, 2 * p))
        d0[:p, :p] = np.eye(p)
        d0[p + np.flatnonzero(a == b), p + np.arange(p)] = 1.0
        delta0.append(d0)
    wm_b, wmi_b, wc_b = (_block_diagonal(m) for m in (wm_all, wmi_all, wc_all))
    gamma = _block_diagonal(gamma_all) if scaled else None
    k = _trace(np.vstack(deltas), wm_b, wmi_b, wc_b, gamma)
    k0 = _trace(_block_diagonal_columns(delta0), wm_b, wmi_b, wc_b, gamma)
    p = implied[0].sigma.shape[0]
    df_null = len(groups) * p * (p - 1) / 2
    return CorrectedStatistics(
        chi2, df, k / df if df > 0 else _NAN, chi2_null, df_null,
        k0 / df_null if df_null > 0 else _NAN, "V3" if scaled else "V6",
    )  # fmt: skip


def _block_diagonal_columns(blocks: list[FloatArray]) -> FloatArray:
    """Rectangular blocks on the diagonal (rows and columns of each block its own)."""
    rows = sum(b.shape[0] for b in blocks)
    cols = sum(b.shape[1] for b in blocks)
    out = np.zeros((rows, cols))
    r = c = 0
    for b in blocks:
        out[r : r + b.shape[0], c : c + b.shape[1]] = b
        r, c = r + b.shape[0], c + b.shape[1]
    return out


def fiml_gfi(group: GroupStats, imp: Implied, df: float) -> dict[str, float]:
    """GFI, AGFI and PGFI of a FIML fit as lavaan computes them (see the module docstring)."""
    md = group.missing
    if md is None or imp.mu is None or group.mean is None:
        raise ValueError("GFI for FIML needs a FIML fit")
    p = imp.sigma.shape[0]
    a, b, _ = vech_index(p)
    obs = np.concatenate([group.mean, group.cov[a, b]])
    est = np.concatenate([imp.mu, imp.sigma[a, b]])
    v = md.expected_information(imp.sigma)
    e = obs - est
    gfi = 1.0 - float(e @ v @ e) / float(obs @ v @ obs)
    nel = obs.size
    return {
        "gfi": gfi,
        "agfi": 1.0 - (nel / df) * (1.0 - gfi) if df > 0 else _NAN,
        "pgfi": (df / nel) * gfi,
    }
