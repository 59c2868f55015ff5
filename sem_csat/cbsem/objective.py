"""Step 4a: discrepancy functions, one variation per estimator (lavaan's ``lav_objective.R``).

The function minimised is lavaan's: a weighted mean over groups of the group contributions

.. math:: f = \\sum_g \\frac{N_g}{N} f_g,

so that f is lavaan's ``fmin`` and the test statistic is T = 2 N f.  With S_g the sample and
Σ_g the implied covariance matrix, R = S − Σ, p items and c_g = (N_g − 1)/N_g:

* ML: f_g = ½ [log|Σ| + tr(SΣ⁻¹) − log|S| − p]  (T = Σ_g N_g F_ML);
* GLS: f_g = ½ c_g · ½ tr[(S⁻¹R)²]  (T = Σ_g (N_g − 1) F_GLS);
* ULS: f_g = ½ c_g · Σ_{i≤j} r_ij²  (least squares on the distinct moments, lavaan's ULS).

With a mean structure (intercepts; ȳ the sample and μ the implied means, d = ȳ − μ) each
f_g gains the mean term of lavaan's discrepancy: ½ dᵀΣ⁻¹d (ML), ½ c_g dᵀS⁻¹d (GLS) and
½ c_g dᵀd (ULS); the information gains ∂μᵀV∂μ (V = Σ⁻¹, S⁻¹ or I).

Each estimator supplies, per group, the value f_g, its derivative G = ∂f_g/∂Σ (a symmetric
matrix with df_g = tr(G dΣ)) and ∂f_g/∂μ, and the unit expected information
I_g = Δᵀ W Δ of its weight W: ½ tr(V ∂Σ V ∂Σ) with V = Σ⁻¹ (ML) or S⁻¹ (GLS), and
Σ_{i≤j} ∂σ_ij ∂σ_ij (ULS).  The Gauss–Newton (Fisher) approximation of the Hessian of f_g is
``hessian_factor`` × I_g (1 for ML, c_g for GLS and ULS), and Cov(x̂) = (Σ_g N_g/N · I_g)⁻¹ / n
with n = N for ML and N − G otherwise (lavaan's ``lav_model_vcov``).

New estimators (DWLS and WLS on the vech moments, FIML on case-wise likelihoods) are further
variations with the same four methods.

References
----------
Browne, M. W. (1974). Generalized least squares estimators in the analysis of covariance
structures. *South African Statistical Journal*, 8, 1-24.
Bollen, K. A. (1989). *Structural Equations with Latent Variables*, ch. 4. Wiley.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Protocol

import numpy as np
from numpy.typing import NDArray

from sem_csat.cbsem.lisrel import Factors, Implied
from sem_csat.cbsem.samplestats import GroupStats
from sem_csat.errors import UsageError

__all__ = ["ESTIMATORS", "GLS", "ML", "ULS", "Discrepancy"]

FloatArray = NDArray[np.float64]
_LOG_2PI: Final = math.log(2.0 * math.pi)


def _vech_weights(p: int) -> FloatArray:
    """1 on the diagonal, ½ off it: Σ_{i≤j} a_ij b_ij = Σ_ij w_ij a_ij b_ij (a, b symmetric)."""
    w = np.full((p, p), 0.5)
    np.fill_diagonal(w, 1.0)
    return w


def _sandwich_information(v: FloatArray, fac: Factors) -> FloatArray:
    """½ tr(V ∂Σ_k V ∂Σ_l) (+ ∂μ_kᵀ V ∂μ_l) from the rank-2 factors of ∂Σ.

    With ∂Σ_k = s_k(a_k b_kᵀ + b_k a_kᵀ), P = AᵀVA, Q = AᵀVB, R = BᵀVB:
    ½ tr(V ∂Σ_k V ∂Σ_l) = s_k s_l (Q_kl Q_lk + P_kl R_kl).
    """
    va, vb = v @ fac.a, v @ fac.b
    p_, q, r = fac.a.T @ va, fac.a.T @ vb, fac.b.T @ vb
    out: FloatArray = np.outer(fac.s, fac.s) * (q * q.T + p_ * r)
    if fac.dmu is not None:
        out = out + fac.dmu.T @ v @ fac.dmu
    return 0.5 * (out + out.T)


def ml_curvature(v: FloatArray, u: FloatArray, fac: Factors) -> FloatArray:
    """Δᵀ(∂²f/∂Σ²)Δ of f = ½[log|Σ| + tr(SΣ⁻¹)] at V = Σ⁻¹ and U = VSV (covariance part).

    d²f = −½tr(V dΣ₁ V dΣ₂) + ½tr(V dΣ₁ V dΣ₂ V S) + ½tr(V dΣ₂ V dΣ₁ V S); with the factor
    products of V and U (P, Q, R as in the information),
    tr(V ∂Σ_k V ∂Σ_l V S) = s_k s_l (Qv_lk Qu_kl + Rv_kl Pu_kl + Pv_kl Ru_kl + Qv_kl Qu_lk).
    """
    a, b = fac.a, fac.b
    va, vb, ua, ub = v @ a, v @ b, u @ a, u @ b
    pv, qv, rv = a.T @ va, a.T @ vb, b.T @ vb
    pu, qu, ru = a.T @ ua, a.T @ ub, b.T @ ub
    ss = np.outer(fac.s, fac.s)
    t = ss * (qv.T * qu + rv * pu + pv * ru + qv * qu.T)
    info = ss * (qv * qv.T + pv * rv)
    out: FloatArray = -0.5 * (info + info.T) + 0.5 * (t + t.T)
    return out


def _vech_information(fac: Factors) -> FloatArray:
    """Σ_{i≤j} ∂σ_ij,k ∂σ_ij,l (+ ∂μ_kᵀ∂μ_l): ½[tr(∂Σ_k ∂Σ_l) + Σ_i ∂σ_ii,k ∂σ_ii,l].

    = s_k s_l (Q_kl Q_lk + P_kl R_kl + 2 Cᵀ C) with P = AᵀA, Q = AᵀB, R = BᵀB, C = A∘B.
    """
    p_, q, r = fac.a.T @ fac.a, fac.a.T @ fac.b, fac.b.T @ fac.b
    c = fac.a * fac.b
    out: FloatArray = np.outer(fac.s, fac.s) * (q * q.T + p_ * r + 2.0 * (c.T @ c))
    if fac.dmu is not None:
        out = out + fac.dmu.T @ fac.dmu
    return 0.5 * (out + out.T)


class Discrepancy(Protocol):
    """What an estimator contributes to the pipeline (see the module docstring)."""

    @property
    def name(self) -> str:
        """lavaan's name of the estimator."""
        ...

    @property
    def chi_square(self) -> bool:
        """Whether the statistic T = 2Nf is referred to a χ² distribution (not for ULS)."""
        ...

    @property
    def likelihood(self) -> bool:
        """Whether there is a likelihood (log L, AIC, BIC; and n = N in the vcov)."""
        ...

    def value(self, stats: GroupStats, imp: Implied) -> float:
        """f_g; ``inf`` where the discrepancy is not defined (ML with Σ not PD)."""
        ...

    def d_sigma(self, stats: GroupStats, imp: Implied) -> FloatArray:
        """∂f_g/∂Σ (symmetric)."""
        ...

    def d_mu(self, stats: GroupStats, imp: Implied) -> FloatArray | None:
        """∂f_g/∂μ, or ``None`` when f_g does not depend on the means."""
        ...

    def information(self, stats: GroupStats, imp: Implied, fac: Factors) -> FloatArray:
        """Unit expected information Δᵀ W Δ of the group (Δ given as rank-2 factors)."""
        ...

    def hessian_factor(self, stats: GroupStats) -> float:
        """The factor that turns the unit information into the Fisher Hessian of f_g."""
        ...

    def curvature(self, stats: GroupStats, imp: Implied, fac: Factors) -> FloatArray:
        """Δᵀ (∂²f_g/∂Σ∂Σ) Δ, the exact second derivative of f_g in Σ, contracted with Δ."""
        ...

    def scores(self, stats: GroupStats, imp: Implied, fac: Factors) -> FloatArray:
        """Case-wise scores ∂ℓ_i/∂x (N_g × k) of a likelihood (robust standard errors)."""
        ...


@dataclass(frozen=True)
class ML:
    """Normal-theory maximum likelihood (lavaan's ``estimator = "ML"``)."""

    name: str = "ML"
    chi_square: bool = True
    likelihood: bool = True

    def value(self, stats: GroupStats, imp: Implied) -> float:
        inv = _sigma_inverse(imp)
        if inv is None:
            return math.inf
        p = imp.sigma.shape[0]
        logdet = float(imp.cache["logdet"][0])
        f = logdet + float(np.sum(stats.cov * inv)) - stats.logdet - p
        d = _mean_residual(stats, imp)
        if d is not None:
            f += float(d @ inv @ d)
        return float(0.5 * f)

    def d_sigma(self, stats: GroupStats, imp: Implied) -> FloatArray:
        inv = _inverse_or_pinv(imp)
        target = imp.sigma - stats.cov
        d = _mean_residual(stats, imp)
        if d is not None:
            target = target - np.outer(d, d)
        out: FloatArray = 0.5 * inv @ target @ inv
        return 0.5 * (out + out.T)

    def d_mu(self, stats: GroupStats, imp: Implied) -> FloatArray | None:
        d = _mean_residual(stats, imp)
        if d is None:
            return None
        out: FloatArray = -(_inverse_or_pinv(imp) @ d)
        return out

    def information(self, stats: GroupStats, imp: Implied, fac: Factors) -> FloatArray:
        return _sandwich_information(_inverse_or_pinv(imp), fac)

    def hessian_factor(self, stats: GroupStats) -> float:
        return 1.0

    def curvature(self, stats: GroupStats, imp: Implied, fac: Factors) -> FloatArray:
        v = _inverse_or_pinv(imp)
        return ml_curvature(v, v @ stats.cov @ v, fac)

    def scores(self, stats: GroupStats, imp: Implied, fac: Factors) -> FloatArray:
        """Case-wise scores ∂ℓ_i/∂x_k of the normal log-likelihood (N_g × k).

        With e_i = y_i − μ (the sample mean ȳ without a mean structure) and z_i = Σ⁻¹e_i,
        ∂ℓ_i/∂x_k = ½ z_iᵀ ∂Σ_k z_i − ½ tr(Σ⁻¹∂Σ_k) + z_iᵀ ∂μ_k; with the rank-2 factors of
        ∂Σ_k that is s_k[(z_iᵀa_k)(z_iᵀb_k) − a_kᵀΣ⁻¹b_k] + z_iᵀ∂μ_k, O(N p k) in all.
        """
        return casewise_scores(_data(stats), stats.mean, _inverse_or_pinv(imp), imp, fac)

    @staticmethod
    def loglik(stats: GroupStats, imp: Implied) -> float:
        """log L of the group: −N/2 [p log 2π + log|Σ| + tr(SΣ⁻¹) + dᵀΣ⁻¹d] (d = ȳ − μ, only
        with a mean structure)."""
        sign, logdet = np.linalg.slogdet(imp.sigma)
        if sign <= 0:
            return math.nan
        p = imp.sigma.shape[0]
        inv = np.linalg.inv(imp.sigma)
        trace = float(np.sum(stats.cov * inv))
        d = _mean_residual(stats, imp)
        if d is not None:
            trace += float(d @ inv @ d)
        return float(-0.5 * stats.nobs * (p * _LOG_2PI + float(logdet) + trace))


@dataclass(frozen=True)
class GLS:
    """Normal-theory generalized least squares with weight S⁻¹ (lavaan's ``"GLS"``)."""

    name: str = "GLS"
    chi_square: bool = True
    likelihood: bool = False

    def value(self, stats: GroupStats, imp: Implied) -> float:
        inv = _icov(stats)
        a = inv @ (stats.cov - imp.sigma)
        c = (stats.nobs - 1) / stats.nobs
        f = 0.5 * float(np.sum(a * a.T, dtype=np.float64))
        d = _mean_residual(stats, imp)
        if d is not None:
            f += float(d @ inv @ d)
        return 0.5 * c * f

    def d_sigma(self, stats: GroupStats, imp: Implied) -> FloatArray:
        inv = _icov(stats)
        c = (stats.nobs - 1) / stats.nobs
        out: FloatArray = -0.5 * c * inv @ (stats.cov - imp.sigma) @ inv
        return 0.5 * (out + out.T)

    def d_mu(self, stats: GroupStats, imp: Implied) -> FloatArray | None:
        d = _mean_residual(stats, imp)
        if d is None:
            return None
        out: FloatArray = -self.hessian_factor(stats) * (_icov(stats) @ d)
        return out

    def information(self, stats: GroupStats, imp: Implied, fac: Factors) -> FloatArray:
        return _sandwich_information(_icov(stats), fac)

    def hessian_factor(self, stats: GroupStats) -> float:
        return (stats.nobs - 1) / stats.nobs

    def curvature(self, stats: GroupStats, imp: Implied, fac: Factors) -> FloatArray:
        return self.hessian_factor(stats) * self.information(stats, imp, fac)

    def scores(self, stats: GroupStats, imp: Implied, fac: Factors) -> FloatArray:
        raise _no_likelihood(self.name)


@dataclass(frozen=True)
class ULS:
    """Unweighted least squares on the distinct moments (lavaan's ``"ULS"``)."""

    name: str = "ULS"
    chi_square: bool = False
    likelihood: bool = False

    def value(self, stats: GroupStats, imp: Implied) -> float:
        r = stats.cov - imp.sigma
        c = (stats.nobs - 1) / stats.nobs
        f = float(np.sum(_vech_weights(r.shape[0]) * r * r, dtype=np.float64))
        d = _mean_residual(stats, imp)
        if d is not None:
            f += float(d @ d)
        return 0.5 * c * f

    def d_sigma(self, stats: GroupStats, imp: Implied) -> FloatArray:
        r = stats.cov - imp.sigma
        c = (stats.nobs - 1) / stats.nobs
        out: FloatArray = -c * _vech_weights(r.shape[0]) * r
        return out

    def d_mu(self, stats: GroupStats, imp: Implied) -> FloatArray | None:
        d = _mean_residual(stats, imp)
        if d is None:
            return None
        return -self.hessian_factor(stats) * d

    def information(self, stats: GroupStats, imp: Implied, fac: Factors) -> FloatArray:
        return _vech_information(fac)

    def hessian_factor(self, stats: GroupStats) -> float:
        return (stats.nobs - 1) / stats.nobs

    def curvature(self, stats: GroupStats, imp: Implied, fac: Factors) -> FloatArray:
        return self.hessian_factor(stats) * _vech_information(fac)

    def scores(self, stats: GroupStats, imp: Implied, fac: Factors) -> FloatArray:
        raise _no_likelihood(self.name)


def _no_likelihood(name: str) -> UsageError:
    return UsageError(
        f"{name} has no likelihood, so it has no case-wise scores for sandwich standard "
        "errors; use method 'mlr' (robust ML) or 'wlsmv' for robust inference."
    )


def casewise_scores(
    y: FloatArray,
    mean: FloatArray | None,
    v: FloatArray,
    imp: Implied,
    fac: Factors,
) -> FloatArray:
    """Case-wise normal-likelihood scores at Σ⁻¹ = ``v`` (see :meth:`ML.scores`).

    ``y`` holds complete rows; they are centred at the implied μ with a mean structure, else
    at ``mean`` (the saturated means).
    """
    centre = imp.mu if imp.mu is not None else mean
    e = y - centre if centre is not None else y
    z = e @ v
    za, zb = z @ fac.a, z @ fac.b
    trace = np.einsum("ik,ij,jk->k", fac.a, v, fac.b)
    out: FloatArray = fac.s * (za * zb - trace)
    if fac.dmu is not None:
        out = out + z @ fac.dmu
    return out


def _data(stats: GroupStats) -> FloatArray:
    if stats.data is None:
        raise UsageError(
            "Robust (sandwich) standard errors and scaled tests need the raw data, not only a "
            "covariance matrix; fit the data themselves, or use method 'ml'."
        )
    return stats.data


def _mean_residual(stats: GroupStats, imp: Implied) -> FloatArray | None:
    """d = ȳ − μ with a mean structure, else ``None``."""
    if imp.mu is None:
        return None
    if stats.mean is None:  # checked before estimation starts; kept as a guard
        raise ValueError("a mean structure needs the sample means")
    out: FloatArray = stats.mean - imp.mu
    return out


def _inverse_or_pinv(imp: Implied) -> FloatArray:
    inv = _sigma_inverse(imp)
    if inv is None:
        out: FloatArray = np.asarray(np.linalg.pinv(imp.sigma), dtype=np.float64)
        return out
    return inv


def _icov(stats: GroupStats) -> FloatArray:
    if stats.icov is None:  # checked before estimation starts; kept as a guard
        raise ValueError("S is not positive definite")
    return stats.icov


def _sigma_inverse(imp: Implied) -> FloatArray | None:
    """Σ⁻¹ (cached on ``imp`` with log|Σ|), or ``None`` when Σ is not positive definite."""
    if "inv" in imp.cache:
        return imp.cache["inv"]
    try:
        chol = np.linalg.cholesky(imp.sigma)
    except np.linalg.LinAlgError:
        return None
    linv: FloatArray = np.asarray(np.linalg.inv(chol), dtype=np.float64)
    inv: FloatArray = linv.T @ linv
    imp.cache["inv"] = inv
    imp.cache["logdet"] = np.array([2.0 * float(np.sum(np.log(np.diag(chol))))])
    return inv


#: The discrepancy functions, by lavaan's estimator names.
ESTIMATORS: Final[dict[str, Discrepancy]] = {"ML": ML(), "GLS": GLS(), "ULS": ULS()}
