"""Step 4a, variation: diagonally weighted least squares for ordinal items (lavaan's ``DWLS``).

With ordinal items the sample moments are the thresholds τ̂ and the polychoric correlations
r (:mod:`sem_csat.cbsem.polychoric`), the model implies the thresholds τ and the correlations
ρ(θ) of the latent responses (delta parameterization, :mod:`sem_csat.cbsem.lisrel`), and the
discrepancy is a weighted sum of squares with the diagonal weights W = diag(Γ)⁻¹ (lavaan's
``WLS.VD``):

.. math:: f = \\tfrac12 c\\,\\Big[\\sum_t w_t(\\hat\\tau_t - \\tau_t)^2
          + \\sum_{i>j} w_{ij}(r_{ij} - \\rho_{ij})^2\\Big],\\qquad c = (N-1)/N,

so that T = 2Nf = (N − 1)·F_DWLS is lavaan's statistic (its least-squares convention), and f
its ``fmin``.  With the moment Jacobian Δ (thresholds, correlations) the unit expected
information is ΔᵀWΔ and the Fisher Hessian c·ΔᵀWΔ, exact in the moments (f is quadratic in
them), so the curvature is c·ΔᵀWΔ as for ULS.  WLSMV adds the sandwich standard errors and
the scaled-and-shifted test (:mod:`sem_csat.cbsem.vcov`, :mod:`sem_csat.cbsem.test`).

References
----------
Muthén, B., du Toit, S. H. C., & Spisic, D. (1997). Robust inference using weighted least
squares and quadratic estimating equations in latent variable modeling with categorical and
continuous outcomes. Unpublished technical report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sem_csat.cbsem.lisrel import Factors, Implied
from sem_csat.cbsem.polychoric import OrdinalStats
from sem_csat.cbsem.samplestats import GroupStats
from sem_csat.errors import UsageError

__all__ = ["DWLS", "moment_jacobian", "residuals"]

FloatArray = NDArray[np.float64]


def _ordinal(stats: GroupStats) -> OrdinalStats:
    if stats.ordinal is None:  # the pipeline pairs DWLS with ordinal statistics
        raise ValueError("DWLS needs the thresholds and polychoric correlations of the group")
    return stats.ordinal


def _c(stats: GroupStats) -> float:
    return (stats.nobs - 1) / stats.nobs


def residuals(stats: GroupStats, imp: Implied) -> tuple[FloatArray, FloatArray]:
    """τ̂ − τ and r − ρ (the correlations in the order of :class:`OrdinalStats`)."""
    od = _ordinal(stats)
    th = imp.th if imp.th is not None else np.zeros(od.n_th)
    r = stats.cov[od.rows, od.cols] - imp.sigma[od.rows, od.cols]
    return od.thresholds - th, r


def moment_jacobian(stats: GroupStats, fac: Factors) -> FloatArray:
    """Δ = ∂(τ, ρ)/∂xᵀ over the columns of ``fac`` ((n_th + p(p − 1)/2) × k)."""
    od = _ordinal(stats)
    i, j = od.rows, od.cols
    rho = fac.s * (fac.a[i] * fac.b[j] + fac.b[i] * fac.a[j])
    th = fac.dth if fac.dth is not None else np.zeros((od.n_th, fac.index.size))
    out: FloatArray = np.vstack([th, rho])
    return out


@dataclass(frozen=True)
class DWLS:
    """Diagonally weighted least squares on thresholds and polychoric correlations."""

    name: str = "DWLS"
    chi_square: bool = True
    likelihood: bool = False

    def value(self, stats: GroupStats, imp: Implied) -> float:
        od = _ordinal(stats)
        e_th, e_r = residuals(stats, imp)
        nth = od.n_th
        total = float(od.weights[:nth] @ (e_th * e_th) + od.weights[nth:] @ (e_r * e_r))
        return 0.5 * _c(stats) * total

    def d_sigma(self, stats: GroupStats, imp: Implied) -> FloatArray:
        od = _ordinal(stats)
        _, e_r = residuals(stats, imp)
        p = imp.sigma.shape[0]
        out = np.zeros((p, p))
        g = -0.5 * _c(stats) * od.weights[od.n_th :] * e_r
        out[od.rows, od.cols] = g
        out[od.cols, od.rows] = g
        return out

    def d_mu(self, stats: GroupStats, imp: Implied) -> FloatArray | None:
        return None

    def d_th(self, stats: GroupStats, imp: Implied) -> FloatArray:
        """∂f/∂τ = −c W_τ (τ̂ − τ)."""
        od = _ordinal(stats)
        e_th, _ = residuals(stats, imp)
        out: FloatArray = -_c(stats) * od.weights[: od.n_th] * e_th
        return out

    def information(self, stats: GroupStats, imp: Implied, fac: Factors) -> FloatArray:
        delta = moment_jacobian(stats, fac)
        out: FloatArray = delta.T @ (_ordinal(stats).weights[:, None] * delta)
        return 0.5 * (out + out.T)

    def hessian_factor(self, stats: GroupStats) -> float:
        return _c(stats)

    def curvature(self, stats: GroupStats, imp: Implied, fac: Factors) -> FloatArray:
        return _c(stats) * self.information(stats, imp, fac)

    def scores(self, stats: GroupStats, imp: Implied, fac: Factors) -> FloatArray:
        raise UsageError(
            "DWLS has no likelihood, so it has no case-wise scores; its robust standard "
            "errors come from Γ (method 'wlsmv')."
        )
