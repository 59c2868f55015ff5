"""Step 4a, variation: the FIML discrepancy function for incomplete data (lavaan's
``missing = "ml"``).

Every case contributes the normal log-density of the items it answered (Arbuckle 1996); with
the patterns of :mod:`sem_csat.cbsem.missing` (n_g cases answering the items o, W_g = Σ_oo⁻¹,
T_g = S_g + d_gd_gᵀ, d_g = ȳ_g − μ_o) the group's discrepancy is

.. math:: f = \\frac{1}{N}\\Big[\\sum_g \\frac{n_g}{2}\\big(k_g\\log 2\\pi + \\log|\\Sigma_{oo}|
          + \\operatorname{tr}(W_g T_g)\\big) + \\log L_1\\Big]
          = \\frac{\\log L_1 - \\log L(\\theta)}{N},

so that T = 2N f is the likelihood-ratio statistic against the unrestricted model (log L₁ at
the EM estimates), as lavaan reports it, and f its ``fmin``.  Its derivatives, per pattern
(embedded in p × p with zeros outside o):

* ∂f/∂Σ = Σ_g (n_g/2N)(W_g − W_gT_gW_g),  ∂f/∂μ = −Σ_g (n_g/N) W_gd_g;
* expected information Σ_g (n_g/N)[½tr(W_g∂Σ W_g∂Σ) + ∂μᵀW_g∂μ] (the Fisher matrix of the
  optimizer; Savalei 2010);
* exact second derivative: per pattern the ML curvature in Σ at (W_g, U_g = W_gT_gW_g), plus
  ∂μᵀW_g∂μ and the cross terms v_gᵀ∂Σ_kW_g∂μ_l (v_g = W_gd_g); μ = ν + ΛCα is linear in the
  parameters while the latent means are zero, so nothing else enters.

The case-wise scores (for MLR's sandwich) are ∂ℓ_i/∂x_k = s_k[(z_iᵀa_k)(z_iᵀb_k) − a_kᵀW b_k]
+ z_iᵀ∂μ_k with z_i = W(y_io − μ_o).

References
----------
Arbuckle, J. L. (1996). Full information estimation in the presence of incomplete data. In
G. A. Marcoulides & R. E. Schumacker (Eds.), *Advanced structural equation modeling*
(pp. 243-277). Erlbaum.
Savalei, V. (2010). Expected versus observed information in SEM with incomplete normal and
nonnormal data. *Psychological Methods*, 15, 352-367.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from sem_csat.cbsem.lisrel import Factors, Implied
from sem_csat.cbsem.missing import MissingData, inverses, pattern_kernel
from sem_csat.cbsem.samplestats import GroupStats

__all__ = ["FIML"]

FloatArray = NDArray[np.float64]
_LOG_2PI: Final = math.log(2.0 * math.pi)


def _missing(stats: GroupStats) -> MissingData:
    if stats.missing is None:  # the pipeline pairs FIML with incomplete-data statistics
        raise ValueError("FIML needs the missing-data statistics of the group")
    return stats.missing


def _mu(imp: Implied) -> FloatArray:
    if imp.mu is None:  # a FIML model always has a mean structure
        raise ValueError("FIML needs the implied means")
    return imp.mu


def _pieces(stats: GroupStats, imp: Implied) -> dict[str, FloatArray] | None:
    """W_g, U_g = W_gT_gW_g, v_g = W_gd_g (stacked over the patterns) and log L, cached on
    ``imp``; ``None`` when Σ is not positive definite."""
    if "fiml_loglik" in imp.cache:
        if not math.isfinite(float(imp.cache["fiml_loglik"][0])):
            return None
        return imp.cache
    bt = _missing(stats).batch
    inv = inverses(imp.sigma, bt)
    if inv is None:
        imp.cache["fiml_loglik"] = np.array([-math.inf])
        return None
    d = (bt.mean - _mu(imp)) * bt.observed
    w = inv.w
    v = np.einsum("gij,gj->gi", w, d)
    quad = np.einsum("gij,gij->g", w, bt.cov) + np.einsum("gi,gi->g", d, v)
    ll = -0.5 * float(np.sum(bt.n * (bt.k * _LOG_2PI + inv.logdet + quad)))
    u = w @ bt.cov @ w + v[:, :, None] * v[:, None, :]
    imp.cache.update(fiml_w=w, fiml_u=u, fiml_v=v, fiml_loglik=np.array([ll]))
    return imp.cache


def _required(stats: GroupStats, imp: Implied) -> dict[str, FloatArray]:
    out = _pieces(stats, imp)
    if out is None:
        raise ValueError("the implied covariance matrix is not positive definite")
    return out


def _quadratic(kernel: FloatArray, dense: FloatArray) -> FloatArray:
    """Σ_abcd ∂Σ_k,ab K[a,b,c,d] ∂Σ_l,cd for the (k, p, p) stack of derivatives."""
    k, p, _ = dense.shape
    flat = dense.reshape(k, p * p)
    out: FloatArray = flat @ kernel.reshape(p * p, p * p) @ flat.T
    return out


@dataclass(frozen=True)
class FIML:
    """Full-information ML on incomplete data (lavaan's ``missing = "ml"``).

    The sums over patterns in the information and the curvature are contractions of
    :func:`~sem_csat.cbsem.missing.pattern_kernel` kernels with the stack of ∂Σ/∂x_k, e.g.
    ½ Σ_g n_g tr(W_g∂Σ_kW_g∂Σ_l) = ½ Σ ∂Σ_k,ab K[a,b,c,d] ∂Σ_l,cd with
    K[a,b,c,d] = Σ_g n_g W_g,bc W_g,da.
    """

    name: str = "ML"
    chi_square: bool = True
    likelihood: bool = True
    mean_curvature: bool = True

    def loglik(self, stats: GroupStats, imp: Implied) -> float:
        """log L(θ) of the group's answers (−inf where Σ is not PD)."""
        pieces = _pieces(stats, imp)
        return -math.inf if pieces is None else float(pieces["fiml_loglik"][0])

    def value(self, stats: GroupStats, imp: Implied) -> float:
        ll = self.loglik(stats, imp)
        if not math.isfinite(ll):
            return math.inf
        return (_missing(stats).loglik - ll) / stats.nobs

    def d_sigma(self, stats: GroupStats, imp: Implied) -> FloatArray:
        pieces = _required(stats, imp)
        n = _missing(stats).batch.n
        out: FloatArray = np.einsum("g,gij->ij", n, pieces["fiml_w"] - pieces["fiml_u"])
        out *= 0.5 / stats.nobs
        return 0.5 * (out + out.T)

    def d_mu(self, stats: GroupStats, imp: Implied) -> FloatArray | None:
        pieces = _required(stats, imp)
        n = _missing(stats).batch.n
        out: FloatArray = -(n @ pieces["fiml_v"]) / stats.nobs
        return out

    def information(self, stats: GroupStats, imp: Implied, fac: Factors) -> FloatArray:
        pieces = _required(stats, imp)
        n = _missing(stats).batch.n
        w = pieces["fiml_w"]
        kww = pattern_kernel(w, w, n).transpose(3, 0, 1, 2)  # [a,b,c,d] = Σ n W_bc W_da
        out = 0.5 * _quadratic(kww, fac.dense())
        if fac.dmu is not None:
            out = out + fac.dmu.T @ np.einsum("g,gij->ij", n, w) @ fac.dmu
        out /= stats.nobs
        return 0.5 * (out + out.T)

    def hessian_factor(self, stats: GroupStats) -> float:
        return 1.0

    def curvature(self, stats: GroupStats, imp: Implied, fac: Factors) -> FloatArray:
        """d²f = Σ_g (n_g/N)[−½tr(W dΣ₁ W dΣ₂) + ½tr(dΣ₁ W dΣ₂ U) + ½tr(dΣ₂ W dΣ₁ U)
        + dμ₁ᵀW dμ₂ + vᵀdΣ₁W dμ₂ + vᵀdΣ₂W dμ₁]."""
        pieces = _required(stats, imp)
        n = _missing(stats).batch.n
        w, u, v = pieces["fiml_w"], pieces["fiml_u"], pieces["fiml_v"]
        dense = fac.dense()
        kww = pattern_kernel(w, w, n).transpose(3, 0, 1, 2)
        kwu = pattern_kernel(w, u, n).transpose(3, 0, 1, 2)  # [a,b,c,d] = Σ n W_bc U_da
        t = _quadratic(kwu, dense)
        out = -0.5 * _quadratic(kww, dense) + 0.5 * (t + t.T)
        if fac.dmu is not None:
            out = out + fac.dmu.T @ np.einsum("g,gij->ij", n, w) @ fac.dmu
            p = v.shape[1]
            t3 = ((n[:, None] * v).T @ w.reshape(-1, p * p)).reshape(p * p, p)  # Σ n v_a W_bc
            cross = dense.reshape(-1, p * p) @ (t3 @ fac.dmu)
            out = out + cross + cross.T
        out /= stats.nobs
        return 0.5 * (out + out.T)

    def scores(self, stats: GroupStats, imp: Implied, fac: Factors) -> FloatArray:
        pieces = _required(stats, imp)
        md = _missing(stats)
        mu = _mu(imp)
        out = np.zeros((md.nobs, fac.index.size))
        for g, pat in enumerate(md.patterns):
            o = pat.observed
            w = pieces["fiml_w"][g]
            z = np.zeros((pat.n, mu.size))
            z[:, o] = (pat.values - mu[o]) @ w[np.ix_(o, o)]
            trace = np.einsum("ik,ij,jk->k", fac.a, w, fac.b)
            sc = fac.s * ((z @ fac.a) * (z @ fac.b) - trace)
            if fac.dmu is not None:
                sc = sc + z @ fac.dmu
            out[pat.rows] = sc
        return out
