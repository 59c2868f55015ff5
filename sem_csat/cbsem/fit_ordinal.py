"""Step 7, variation: the fit measures lavaan computes differently for ordinal data.

Robust CFI, TLI, RMSEA (lavaan's ``lav_fit_catml_dwls``)
-------------------------------------------------------
For a DWLS/WLSMV fit of ordinal items lavaan computes the robust CFI, TLI and RMSEA from the
"catML" statistic of Savalei (2021): the normal-theory ML discrepancy between the polychoric
correlation matrix R and the implied correlation matrix P(θ̂) of the DWLS estimates,

.. math:: T_3 = N\\,[\\log|P| + \\operatorname{tr}(RP^{-1}) - \\log|R| - p],

with df₃ the model's df (the correlations minus the structural parameters) and the scaling

.. math:: \\hat c_3 = \\operatorname{tr}\\big[(I - \\Delta E^{-1}\\Delta^\\top W)^\\top V
          (I - \\Delta E^{-1}\\Delta^\\top W)\\,\\Gamma\\big] / df_3,

where, in the correlation moments, Δ is the model's Jacobian, W the DWLS weights, E the DWLS
unit information (over all parameters, thresholds included), Γ the correlations' block of
lavaan's NACOV and V the normal-theory information of a correlation structure at P,
V_(ab)(cd) = (P⁻¹)_ac(P⁻¹)_bd + (P⁻¹)_ad(P⁻¹)_bc.  The baseline statistic is −N log|R|
(P = I) with ĉ₀ = tr(Γ)/(p(p − 1)/2).  lavaan gives up (NaN) when R is not positive definite
(an eigenvalue below √ε).  The robust measures then follow
:mod:`sem_csat.cbsem.fit_robust` with T = T₃ and ĉ = ĉ₃.

Residual indices, GFI, WRMR (:func:`ordinal_measures`)
-----------------------------------------------------
The residuals are those of the moments DWLS fits: the correlation residuals r − ρ (the
diagonal residuals are 0) and the threshold residuals τ̂ − τ (the "means" of lavaan's
``*_nomean`` pairs).  With SS the sum of squared correlation residuals, SS_τ that of the
thresholds, p* = p(p + 1)/2 and q the number of thresholds: RMR = SRMR (Bentler) =
sqrt((SS + SS_τ)/(p* + q)), their ``_nomean`` versions sqrt(SS/p*), CRMR =
sqrt((SS + SS_τ)/(p* − p + q)) and sqrt(SS/(p* − p)); lavaan's ``srmr`` is the ``_nomean``
one, and the Mplus SRMR is not reported (NaN).  GFI = 1 − eᵀWe/sᵀWs over the moment vector s
with the DWLS weights W, AGFI and PGFI from it with the number of moments, and WRMR =
sqrt(T/(number of moments)) (Muthén 1998-2004).

References
----------
Savalei, V. (2021). Improving fit indices in structural equation modeling with categorical
data. *Multivariate Behavioral Research*, 56, 390-407.
lavaan 0.6-14, ``lav_fit_catml_dwls``, ``lav_object_catml``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from sem_csat.cbsem.fit_robust import RobustInputs
from sem_csat.cbsem.lisrel import Implied
from sem_csat.cbsem.samplestats import GroupStats

__all__ = ["catml_robust", "ordinal_measures"]

FloatArray = NDArray[np.float64]
_NAN = math.nan


def catml_robust(
    group: GroupStats,
    implied_cor: FloatArray,
    delta: FloatArray,
    e_inv: FloatArray,
    df: float,
) -> RobustInputs:
    """lavaan's catML inputs of the robust indices of one group of ordinal items.

    ``delta`` is the full moment Jacobian (thresholds then correlations) in the free
    coordinates, ``e_inv`` the inverse DWLS unit information, ``df`` the model's df.
    """
    od = group.ordinal
    if od is None:
        raise ValueError("catML needs ordinal statistics")
    nan = RobustInputs(_NAN, df, _NAN, _NAN, _NAN, _NAN, _NAN)
    r = group.cov
    p = r.shape[0]
    if np.linalg.eigvalsh(r)[0] < math.sqrt(np.finfo(float).eps):
        return nan
    n = group.nobs
    sign, logdet_p = np.linalg.slogdet(implied_cor)
    if sign <= 0:
        return nan
    p_inv = np.linalg.inv(implied_cor)
    logdet_r = float(np.linalg.slogdet(r)[1])
    chi2 = n * (float(logdet_p) + float(np.sum(r * p_inv)) - logdet_r - p)
    i, j = od.rows, od.cols
    v = p_inv[np.ix_(i, i)] * p_inv[np.ix_(j, j)] + p_inv[np.ix_(i, j)] * p_inv[np.ix_(j, i)]
    nth = od.n_th
    d_rho = delta[nth:]
    w = od.weights[nth:]
    gamma = od.gamma[nth:, nth:]
    wiu = np.eye(w.size) - d_rho @ e_inv @ d_rho.T * w[None, :]
    ks = float(np.trace(wiu.T @ v @ wiu @ gamma))
    c_hat = ks / df if df > 0 else _NAN
    chi2_null = -n * logdet_r
    df_null = p * (p - 1) / 2
    c_null = float(np.trace(gamma)) / df_null
    scaled = chi2 / c_hat if c_hat > 0 else _NAN
    return RobustInputs(chi2, df, c_hat, c_hat, scaled, chi2_null, c_null)


def ordinal_measures(group: GroupStats, imp: Implied, chi2: float, df: float) -> dict[str, float]:
    """RMR/SRMR/CRMR, GFI/AGFI/PGFI and WRMR of a fit to ordinal items (module docstring)."""
    od = group.ordinal
    if od is None or imp.th is None:
        raise ValueError("ordinal measures need ordinal statistics")
    p = group.cov.shape[0]
    r = group.cov[od.rows, od.cols] - imp.sigma[od.rows, od.cols]
    e_th = od.thresholds - imp.th
    ss, ss_th = float(r @ r), float(e_th @ e_th)
    pstar, nth = p * (p + 1) // 2, od.n_th
    rmr_nomean = math.sqrt(ss / pstar)
    rmr = math.sqrt((ss + ss_th) / (pstar + nth))
    crmr_nomean = math.sqrt(ss / (pstar - p)) if pstar > p else _NAN
    crmr = math.sqrt((ss + ss_th) / (pstar - p + nth))
    obs = np.concatenate([od.thresholds, group.cov[od.rows, od.cols]])
    est = np.concatenate([imp.th, imp.sigma[od.rows, od.cols]])
    e = obs - est
    gfi = 1.0 - float(od.weights @ (e * e)) / float(od.weights @ (obs * obs))
    nel = obs.size
    return {
        "rmr": rmr,
        "rmr_nomean": rmr_nomean,
        "srmr": rmr_nomean,
        "srmr_bentler": rmr,
        "srmr_bentler_nomean": rmr_nomean,
        "crmr": crmr,
        "crmr_nomean": crmr_nomean,
        "srmr_mplus": _NAN,
        "srmr_mplus_nomean": _NAN,
        "gfi": gfi,
        "agfi": 1.0 - (nel / df) * (1.0 - gfi) if df > 0 else _NAN,
        "pgfi": (df / nel) * gfi,
        "wrmr": math.sqrt(chi2 / nel) if nel > 0 else _NAN,
    }
