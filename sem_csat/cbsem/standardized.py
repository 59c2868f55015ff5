"""Step 8: the standardized solution and R² (lavaan's ``lav_standardize.R``, ``lavInspect(,
"rsquare")``).

With model-implied standard deviations — of the latent variables from Var(η) = CΨCᵀ and of the
observed variables from Σ̂ — lavaan's two standardizations are:

``std_lv`` (latent variables standardized, observed ones not)
    loading λ·sd(F) (an indicator that is itself latent: λ·sd(F)/sd(G)); regression
    β·sd(x)/sd(y) over latent variables; latent variance ψ/Var(F); latent covariance
    ψ_FG / sqrt(|ψ_FF ψ_GG|) (lavaan's ``cov.std = TRUE``: residual covariances become
    residual correlations); observed rows unchanged.
``std_all`` (everything standardized)
    the ``std_lv`` values further divided by sd(item) for loadings and intercepts of items,
    residual variances of items divided by Var(item), residual covariances of items
    θ_ij / sqrt(|θ_ii θ_jj|).

A variance that is negative or (numerically) zero gives NaN where it would be a divisor, as in
lavaan.  R² is 1 − θ_ii/σ̂_ii for every observed variable and 1 − ψ_FF/Var(F) for every latent
variable that is dependent (regressed on others or an indicator of a higher-order factor); an
R² above 1 (a negative residual variance) is NaN, as lavaan reports it.

Later variations: standard errors of the standardized values by the delta method
(:func:`sem_csat.cbsem.vcov.delta_method`), and ``std_nox``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sem_csat.cbsem.lisrel import Implied
from sem_csat.cbsem.partable import ParTable

__all__ = ["r_squared", "standardize"]

FloatArray = NDArray[np.float64]
_EPS = float(np.finfo(float).eps)


def _sd(var: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore"):
        out: FloatArray = np.sqrt(np.where(var >= 0, var, np.nan))
    return out


def standardize(
    table: ParTable, est: FloatArray, implied: list[Implied]
) -> tuple[FloatArray, FloatArray]:
    """``std_lv`` and ``std_all`` of every table row (NaN for rows without a meaning).

    Parameters
    ----------
    table
        The parameter table.
    est
        The estimate of every row.
    implied
        The implied moments of every block at the estimates.
    """
    lhs, op, rhs, block = table.lhs, table.op, table.rhs, table.block
    std_lv = np.full(len(op), np.nan)
    std_all = np.full(len(op), np.nan)
    for b, imp in enumerate(implied):
        lv = {n: k for k, n in enumerate(table.lv_names[b])}
        ov = {n: k for k, n in enumerate(table.ov_names[b])}
        eta2 = np.diag(imp.latent_cov).copy()
        eta = _sd(eta2)
        eta2 = np.where(eta2 >= 0, eta2, np.nan)
        ov2 = np.diag(imp.sigma).copy()
        ov2 = np.where(np.abs(ov2) < _EPS, np.nan, ov2)
        ovsd = _sd(ov2)
        idx = np.flatnonzero(block == b + 1)
        rv_lv: dict[str, float] = {}
        rv_ov: dict[str, float] = {}
        for i in idx:
            if op[i] == "~~" and lhs[i] == rhs[i]:
                target = rv_lv if lhs[i] in lv else rv_ov
                target[str(lhs[i])] = math.sqrt(abs(float(est[i])))
        for i in idx:
            a, o, c, v = str(lhs[i]), str(op[i]), str(rhs[i]), float(est[i])
            s_lv = s_all = math.nan
            if o == "=~":
                if c in lv:
                    s_lv = s_all = v * eta[lv[a]] / eta[lv[c]]
                else:
                    s_lv = v * eta[lv[a]]
                    s_all = s_lv / ovsd[ov[c]]
            elif o == "~":
                s_lv = v * (eta[lv[c]] if c in lv else 1.0) / (eta[lv[a]] if a in lv else 1.0)
                s_all = s_lv * (ovsd[ov[c]] if c in ov else 1.0) / (ovsd[ov[a]] if a in ov else 1.0)
            elif o == "~~":
                if a in lv:
                    if a == c:
                        s_lv = v / eta2[lv[a]]
                    else:
                        s_lv = _ratio(v, rv_lv.get(a, math.nan) * rv_lv.get(c, math.nan))
                    s_all = s_lv
                else:
                    s_lv = v
                    if a == c:
                        s_all = v / ov2[ov[a]]
                    else:
                        s_all = _ratio(v, rv_ov.get(a, math.nan) * rv_ov.get(c, math.nan))
            elif o == "~1":
                if a in lv:
                    s_lv = s_all = v / eta[lv[a]]
                else:
                    s_lv, s_all = v, v / ovsd[ov[a]]
            elif o == "|":  # thresholds of an ordinal item: in units of its latent response
                s_lv, s_all = v, v / ovsd[ov[a]]
            elif o == "~*~":  # the scaling factors of ordinal items, as lavaan reports them
                s_lv = s_all = v
            std_lv[i], std_all[i] = s_lv, s_all
    return std_lv, std_all


def _ratio(num: float, den: float) -> float:
    if not math.isfinite(den) or den == 0.0:
        return math.nan
    return num / den


def _proper(r2: float) -> float:
    """lavaan reports no R² above 1 (a negative residual variance): NaN."""
    return float(r2) if not r2 > 1.0 else math.nan


def r_squared(table: ParTable, implied: list[Implied]) -> pd.DataFrame:
    """R² of every observed variable and every dependent latent variable, per group.

    Returns a frame ``group, variable, r2`` in the order of lavaan's ``r2`` rows: observed
    variables first, then latent ones.
    """
    out = []
    for b, imp in enumerate(implied):
        in_block = table.block == b + 1
        # dependent: regressed on others, or an indicator of a higher-order factor
        dependent = {
            table.lhs[i] if table.op[i] == "~" else table.rhs[i]
            for i in np.flatnonzero(in_block)
            if table.op[i] in ("~", "=~")
        }
        theta, psi = imp.mats["theta"], imp.mats["psi"]
        total = np.diag(imp.sigma)
        for k, name in enumerate(table.ov_names[b]):
            r2 = 1.0 - theta[k, k] / total[k] if total[k] != 0 else math.nan
            out.append({"group": b + 1, "variable": name, "r2": _proper(r2)})
        veta = np.diag(imp.latent_cov)
        for k, name in enumerate(table.lv_names[b]):
            if name in dependent:
                r2 = 1.0 - psi[k, k] / veta[k] if veta[k] != 0 else math.nan
                out.append({"group": b + 1, "variable": name, "r2": _proper(r2)})
    return pd.DataFrame(out, columns=["group", "variable", "r2"])
