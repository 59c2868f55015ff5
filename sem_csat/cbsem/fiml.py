"""Full-information maximum likelihood (FIML) for incomplete data, as lavaan's ``missing="fiml"``.

The model is the covariance structure of :mod:`sem_csat.cbsem.estimation` plus a saturated mean
structure: every observed variable has a free intercept ν and the latent means are fixed at 0
(lavaan's default for ``cfa(..., missing = "fiml")``), so that

.. math:: \\mu(\\theta) = \\nu, \\qquad
          \\Sigma(\\theta) = \\Lambda (I - B)^{-1} \\Psi (I - B)^{-\\top} \\Lambda^\\top + \\Theta.

Each case contributes the normal log-density of the variables it observes (Arbuckle 1996), and
cases are grouped by missing-data pattern so that each pattern needs one Cholesky factor.  The
unrestricted (H1) model, saturated μ and Σ, is fitted by EM (Dempster, Laird & Rubin 1977;
Enders 2010, ch. 4) and gives χ² = 2 (log L_H1 − log L_H0).

Standard errors come from the **observed** information (the Hessian of log L at θ̂), which is
lavaan's default for FIML even with plain ML; ``robust=True`` gives the Huber–White sandwich with
case-wise scores (lavaan's ``estimator = "MLR"``, ``se = "robust.huber.white"``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats

from sem_csat.cbsem.estimation import (
    TABLE_COLUMNS,
    ModelStructure,
    _moments,
    _parameter_table,
    _sigma_derivatives,
    _vcov,
    estimate,
)
from sem_csat.errors import DataError, EstimationError, MissingDataWarning

__all__ = ["FIMLEstimate", "em_saturated", "fit_fiml", "loglik_normal"]

FloatArray = np.ndarray
IntArray = np.ndarray

_LOG_2PI = math.log(2.0 * math.pi)
_Z975 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True, eq=False)
class _Pattern:
    """The cases sharing one missing-data pattern.

    ``observed`` indexes the observed variables, ``values`` holds those cases' observed values
    (``n × k``), ``mean`` and ``cov`` their mean and divisor-``n`` covariance.
    """

    observed: IntArray
    values: FloatArray
    mean: FloatArray
    cov: FloatArray

    @property
    def n(self) -> int:
        return int(self.values.shape[0])


def _patterns(y: FloatArray) -> list[_Pattern]:
    """Group the rows of ``y`` (no empty rows) by which variables they observe."""
    mask = ~np.isnan(y)
    keys, inverse = np.unique(mask, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    out = []
    for g in range(keys.shape[0]):
        obs = np.flatnonzero(keys[g])
        vals = y[np.ix_(np.flatnonzero(inverse == g), obs)]
        mean = vals.mean(axis=0)
        centred = vals - mean
        out.append(_Pattern(obs, vals, mean, centred.T @ centred / vals.shape[0]))
    return out


def loglik_normal(mu: FloatArray, sigma: FloatArray, patterns: Sequence[_Pattern]) -> float:
    """Casewise normal log-likelihood of incomplete data, summed by pattern.

    Notes
    -----
    For a pattern g with n_g cases observing the variables o, sample mean ȳ_g and
    divisor-n_g covariance S_g (Arbuckle 1996; Enders 2010, eq. 4.4):

    .. math:: \\log L_g = -\\tfrac{n_g}{2}\\left[p_o \\log 2\\pi + \\log|\\Sigma_{oo}|
              + \\operatorname{tr}\\{\\Sigma_{oo}^{-1}(S_g + d_g d_g^\\top)\\}\\right],
              \\quad d_g = \\bar y_g - \\mu_o.

    Returns ``-inf`` when some Σ_oo is not positive definite.
    """
    total = 0.0
    for pat in patterns:
        o = pat.observed
        try:
            chol = linalg.cho_factor(sigma[np.ix_(o, o)], lower=True)
        except linalg.LinAlgError:
            return -math.inf
        d = pat.mean - mu[o]
        logdet = 2.0 * float(np.sum(np.log(np.diag(chol[0]))))
        quad = float(np.sum(linalg.cho_solve(chol, pat.cov + np.outer(d, d)).diagonal()))
        total -= 0.5 * pat.n * (o.size * _LOG_2PI + logdet + quad)
    return total


def _loglik_gradient(
    mu: FloatArray, sigma: FloatArray, patterns: Sequence[_Pattern]
) -> tuple[FloatArray, FloatArray]:
    """∂ log L/∂μ and ∂ log L/∂Σ (entries treated as distinct; G is symmetric).

    ∂ log L_g/∂μ_o = n_g Σ_oo⁻¹ d_g and ∂ log L_g/∂Σ_oo = −(n_g/2)(W − W T_g W) with
    W = Σ_oo⁻¹ and T_g = S_g + d_g d_gᵀ.
    """
    p = mu.size
    g_mu = np.zeros(p)
    g_sigma = np.zeros((p, p))
    for pat in patterns:
        o = pat.observed
        w = np.linalg.inv(sigma[np.ix_(o, o)])
        d = pat.mean - mu[o]
        g_mu[o] += pat.n * (w @ d)
        wt = w @ (pat.cov + np.outer(d, d))
        g_sigma[np.ix_(o, o)] -= 0.5 * pat.n * (w - wt @ w)
    return g_mu, 0.5 * (g_sigma + g_sigma.T)


def em_saturated(
    y: FloatArray, *, tol: float = 1e-11, max_iter: int = 10_000
) -> tuple[FloatArray, FloatArray, int]:
    """ML estimates of an unrestricted mean vector and covariance matrix by EM.

    Parameters
    ----------
    y
        ``n × p`` data with NaN for missing values; no row may be entirely missing.
    tol
        Stop when no entry of μ or Σ changes by more than ``tol`` (relative to max(1, |value|)).
    max_iter
        Iteration limit.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, int)
        μ̂, Σ̂ (divisor ``n``) and the number of EM iterations.

    Raises
    ------
    EstimationError
        When EM has not converged after ``max_iter`` iterations or Σ becomes singular.

    Notes
    -----
    E step, per pattern with observed o and missing m: E(y_m | y_o) = μ_m + B(y_o − μ_o),
    B = Σ_mo Σ_oo⁻¹, and Cov(y_m | y_o) = Σ_mm − B Σ_om is added to the cross-products.
    M step: μ = mean of the completed rows, Σ = mean cross-product − μμᵀ (Little & Rubin 2002,
    sec. 11.2; Enders 2010, ch. 4).  Starting values: available-case means and variances.

    Examples
    --------
    >>> y = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 5.0], [4.0, 7.0]])
    >>> mu, sigma, _ = em_saturated(y)
    >>> [round(float(v), 4) for v in mu]
    [2.5, 4.3929]

    This is the closed-form ML estimate for a monotone pattern (Little & Rubin 2002, sec. 7.2):
    μ₂ = ȳ₂ + b(μ₁ − ȳ₁) on the complete cases, b = s₁₂/s₁₁ = 69/42, i.e. 14/3 − 23/84.
    """
    y = np.asarray(y, dtype=float)
    n, p = y.shape
    patterns = _patterns(y)
    mu = np.nanmean(y, axis=0)
    sigma = np.diag(np.nanvar(y, axis=0))
    for it in range(1, max_iter + 1):
        sum_x = np.zeros(p)
        sum_xx = np.zeros((p, p))
        for pat in patterns:
            o = pat.observed
            m = np.setdiff1d(np.arange(p), o)
            if m.size == 0:
                sum_x += pat.n * pat.mean
                sum_xx += pat.n * (pat.cov + np.outer(pat.mean, pat.mean))
                continue
            try:
                b = np.linalg.solve(sigma[np.ix_(o, o)], sigma[np.ix_(o, m)]).T
            except np.linalg.LinAlgError as exc:
                raise EstimationError(
                    "The EM algorithm for the unrestricted model met a singular covariance "
                    "matrix; look for items that are constant or exact combinations of others."
                ) from exc
            full = np.empty((pat.n, p))
            full[:, o] = pat.values
            full[:, m] = mu[m] + (pat.values - mu[o]) @ b.T
            sum_x += full.sum(axis=0)
            sum_xx += full.T @ full
            sum_xx[np.ix_(m, m)] += pat.n * (sigma[np.ix_(m, m)] - b @ sigma[np.ix_(o, m)])
        mu_new = sum_x / n
        sigma_new = sum_xx / n - np.outer(mu_new, mu_new)
        sigma_new = 0.5 * (sigma_new + sigma_new.T)
        change = max(
            float(np.max(np.abs(mu_new - mu) / np.maximum(1.0, np.abs(mu)))),
            float(np.max(np.abs(sigma_new - sigma) / np.maximum(1.0, np.abs(sigma)))),
        )
        mu, sigma = mu_new, sigma_new
        if change <= tol:
            return mu, sigma, it
    raise EstimationError(
        f"The EM algorithm for the unrestricted model did not converge in {max_iter} "
        "iterations; the data may hold too little information on some pair of items."
    )


@dataclass(frozen=True, eq=False)
class FIMLEstimate:
    """Result of a FIML fit (immutable).

    Attributes
    ----------
    table
        Parameter table, columns :data:`~sem_csat.cbsem.estimation.TABLE_COLUMNS`: the rows of
        :class:`~sem_csat.cbsem.estimation.CBSEMEstimate` followed by intercepts (``op="~1"``,
        ``rhs=""``), free for observed variables and fixed at 0 for latent ones.
    sigma, mu
        Model-implied Σ(θ̂) and μ(θ̂) = ν̂.
    sigma_h1, mu_h1
        EM estimates of the unrestricted model (lavaan's ``sampstat`` for FIML).
    loglik, loglik_h1
        Log-likelihood of the model and of the unrestricted model (with the 2π constant).
    chi2, df, p_value
        Likelihood-ratio test against H1: χ² = 2(log L_H1 − log L), df = p(p+3)/2 − n_free.
    chi2_scaled, p_value_scaled
        Yuan–Bentler scaled statistic χ²/c (lavaan's ``test = "yuan.bentler.mplus"``), NaN
        unless ``robust``.
    scaling_factor
        c = [tr(A₁⁻¹B₁) − tr(A₀⁻¹B₀)]/df, NaN unless ``robust``.
    scaling_factor_h0, scaling_factor_h1
        tr(A₀⁻¹B₀)/n_free and tr(A₁⁻¹B₁)/(p(p+3)/2) (lavaan's ``scaling.factor.h0``/``.h1``).
    n_obs
        Cases used (cases with no observed value are dropped).
    n_dropped
        Cases dropped because they observe none of the model's items.
    n_free
        Free parameters, intercepts included.
    n_patterns
        Distinct missing-data patterns among the cases used.
    coverage
        Share of the cases used that observe each pair of items (diagonal: each item).
    theta
        θ̂: the covariance-structure parameters (``structure`` order), then ν̂.
    vcov
        Cov(θ̂): inverse observed information, or the sandwich when ``robust``.
    robust
        Whether ``vcov`` is the Huber–White sandwich (MLR).
    converged
        Whether max |∂(−log L/N)/∂θ| ≤ 1e-6 at θ̂.
    gradient_norm
        max |∂(−log L/N)/∂θ| at θ̂.
    information_singular
        True when the observed information is singular (standard errors NaN).
    em_iterations
        EM iterations for the unrestricted model.
    """

    table: pd.DataFrame
    sigma: pd.DataFrame
    mu: pd.Series
    sigma_h1: pd.DataFrame
    mu_h1: pd.Series
    loglik: float
    loglik_h1: float
    chi2: float
    df: int
    p_value: float
    chi2_scaled: float
    p_value_scaled: float
    scaling_factor: float
    scaling_factor_h0: float
    scaling_factor_h1: float
    n_obs: int
    n_dropped: int
    n_free: int
    n_patterns: int
    coverage: pd.DataFrame
    theta: FloatArray
    vcov: FloatArray
    robust: bool
    converged: bool
    gradient_norm: float
    information_singular: bool
    em_iterations: int

    def __repr__(self) -> str:
        return (
            f"FIMLEstimate(n_obs={self.n_obs}, n_patterns={self.n_patterns}, "
            f"n_free={self.n_free}, df={self.df}, chi2={self.chi2:.6g}, "
            f"robust={self.robust}, converged={self.converged})"
        )


class _FIMLObjective:
    """f(x) = −log L(x)/N with x = (θ_Σ, ν), its analytic gradient and a numerical Hessian."""

    def __init__(self, structure: ModelStructure, patterns: list[_Pattern], n_obs: int) -> None:
        self.structure = structure
        self.patterns = patterns
        self.n_obs = n_obs
        self.q = structure.n_free

    def _split(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        return x[: self.q], x[self.q :]

    def value(self, x: FloatArray) -> float:
        theta, nu = self._split(x)
        sigma = _moments(self.structure, theta)[0]
        ll = loglik_normal(nu, sigma, self.patterns)
        return -ll / self.n_obs if math.isfinite(ll) else math.inf

    def gradient(self, x: FloatArray) -> FloatArray:
        theta, nu = self._split(x)
        sigma, mats, mm, c = _moments(self.structure, theta)
        d = _sigma_derivatives(self.structure, mats, mm, c)
        try:
            g_mu, g_sigma = _loglik_gradient(nu, sigma, self.patterns)
        except np.linalg.LinAlgError:
            return np.full(x.size, np.nan)
        g_theta = np.einsum("kij,ij->k", d, g_sigma)
        out: FloatArray = -np.concatenate([g_theta, g_mu]) / self.n_obs
        return out

    def hessian(self, x: FloatArray) -> FloatArray:
        """Central differences of the analytic gradient, step 1e-5 · max(1, |xₖ|)."""
        k = x.size
        h = np.empty((k, k))
        for j in range(k):
            step = 1e-5 * max(1.0, abs(float(x[j])))
            e = np.zeros(k)
            e[j] = step
            h[:, j] = (self.gradient(x + e) - self.gradient(x - e)) / (2.0 * step)
        out: FloatArray = 0.5 * (h + h.T)
        return out

    def scores(self, x: FloatArray) -> FloatArray:
        """Case-wise scores ∂ log L_i/∂x, shape ``(N, len(x))`` (rows in pattern order).

        For case i observing o, with u = Σ_oo⁻¹(y_io − μ_o):
        ∂/∂μ_o = u, ∂/∂θ_k = −½ tr(Σ_oo⁻¹ ∂Σ_oo/∂θ_k) + ½ uᵀ (∂Σ_oo/∂θ_k) u.
        """
        theta, nu = self._split(x)
        sigma, mats, mm, c = _moments(self.structure, theta)
        d = _sigma_derivatives(self.structure, mats, mm, c)
        p = nu.size
        blocks = []
        for pat in self.patterns:
            o = pat.observed
            w = np.linalg.inv(sigma[np.ix_(o, o)])
            u = (pat.values - nu[o]) @ w
            d_oo = d[:, o][:, :, o]
            s_theta = 0.5 * np.einsum("ia,kab,ib->ik", u, d_oo, u) - 0.5 * np.einsum(
                "ab,kab->k", w, d_oo
            )
            s_mu = np.zeros((pat.n, p))
            s_mu[:, o] = u
            blocks.append(np.hstack([s_theta, s_mu]))
        return np.vstack(blocks)


def _vech_gradient(g_sigma: FloatArray) -> FloatArray:
    """Derivative with respect to the distinct entries σ_ab (a ≤ b) of Σ, from ∂/∂Σ."""
    p = g_sigma.shape[0]
    both = 2.0 * g_sigma
    np.fill_diagonal(both, np.diag(g_sigma))
    out: FloatArray = both[np.triu_indices(p)]
    return out


def saturated_information(
    patterns: Sequence[_Pattern], mu: FloatArray, sigma: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Observed information A₁ and score cross-product B₁ of the unrestricted model.

    The parameters are (μ, σ_ab for a ≤ b, row-major upper triangle), at the ML (EM) estimate.
    A₁ = −∂² log L/∂ξ∂ξᵀ by central differences of the analytic gradient; B₁ = Σ_i s_i s_iᵀ with
    the case-wise scores ∂ log L_i/∂μ_o = u_i and ∂ log L_i/∂Σ_oo = −½(W − u_i u_iᵀ),
    u_i = W(y_io − μ_o), W = Σ_oo⁻¹.  Both are totals over the N cases (divide by N for lavaan's
    unit information).
    """
    p = mu.size
    iu = np.triu_indices(p)

    def gradient(x: FloatArray) -> FloatArray:
        s = np.zeros((p, p))
        s[iu] = x[p:]
        s = s + s.T - np.diag(np.diag(s))
        g_mu, g_sigma = _loglik_gradient(x[:p], s, patterns)
        return np.concatenate([g_mu, _vech_gradient(g_sigma)])

    x = np.concatenate([mu, sigma[iu]])
    k = x.size
    info = np.empty((k, k))
    for j in range(k):
        step = 1e-5 * max(1.0, abs(float(x[j])))
        e = np.zeros(k)
        e[j] = step
        info[:, j] = -(gradient(x + e) - gradient(x - e)) / (2.0 * step)
    info = 0.5 * (info + info.T)
    rows = []
    for pat in patterns:
        o = pat.observed
        w = np.linalg.inv(sigma[np.ix_(o, o)])
        u = (pat.values - mu[o]) @ w
        for ui in u:
            g = np.zeros((p, p))
            g[np.ix_(o, o)] = -0.5 * (w - np.outer(ui, ui))
            s_mu = np.zeros(p)
            s_mu[o] = ui
            rows.append(np.concatenate([s_mu, _vech_gradient(g)]))
    scores = np.asarray(rows)
    return info, scores.T @ scores


def _saturated_trace(patterns: Sequence[_Pattern], mu: FloatArray, sigma: FloatArray) -> float:
    """tr(A₁⁻¹B₁) of the unrestricted model (see :func:`saturated_information`)."""
    info, meat = saturated_information(patterns, mu, sigma)
    return float(np.trace(np.linalg.solve(info, meat)))


def _prepare(structure: ModelStructure, data: pd.DataFrame | FloatArray) -> tuple[FloatArray, int]:
    """The data as an ``n × p`` float array in ``structure.observed`` order, empty rows dropped."""
    names = list(structure.observed)
    if isinstance(data, pd.DataFrame):
        absent = [v for v in names if v not in data.columns]
        if absent:
            raise DataError(
                f"The data have no column(s) {', '.join(map(repr, absent))} that the model "
                "uses; check the item names."
            )
        frame = data[names]
        bad = [v for v in names if not pd.api.types.is_numeric_dtype(frame[v])]
        if bad:
            raise DataError(
                f"Column(s) {', '.join(map(repr, bad))} are not numeric; recode text answers "
                "as numbers and missing answers as NaN."
            )
        y = frame.to_numpy(dtype=float)
    else:
        y = np.asarray(data, dtype=float)
        if y.ndim != 2 or y.shape[1] != len(names):
            raise DataError(
                f"The data array has shape {y.shape} but the model has {len(names)} observed "
                f"variables ({', '.join(names)}); pass an n × {len(names)} array in that order "
                "or a DataFrame with those columns."
            )
    if np.isinf(y).any():
        raise DataError("The data hold infinite values; code missing answers as NaN instead.")
    empty = np.isnan(y).all(axis=1)
    n_dropped = int(empty.sum())
    if n_dropped:
        warnings.warn(
            f"{n_dropped} case(s) observe none of the model's items and were dropped; they carry "
            "no information for FIML.",
            MissingDataWarning,
            stacklevel=3,
        )
    return y[~empty], n_dropped


def _coverage(y: FloatArray, names: Sequence[str]) -> pd.DataFrame:
    """Share of cases observing each pair (lavaan's ``lavInspect(fit, "coverage")``)."""
    r = (~np.isnan(y)).astype(float)
    cov = r.T @ r / max(y.shape[0], 1)
    frame = pd.DataFrame(cov, index=list(names), columns=list(names))
    zero = np.argwhere(np.triu(cov == 0.0))
    if zero.size:
        pairs = [f"{names[i]!r} and {names[j]!r}" for i, j in zero[:3]]
        more = f" (and {len(zero) - 3} more)" if len(zero) > 3 else ""
        raise EstimationError(
            f"No case observes both {'; '.join(pairs)}{more}, so their covariance cannot be "
            "estimated by FIML; collect data on that pair, drop one of the items, or check "
            "that the survey did not route them to different respondents."
        )
    return frame


def _intercept_rows(
    structure: ModelStructure, nu: FloatArray, se: FloatArray, sigma: FloatArray
) -> pd.DataFrame:
    """``~1`` rows: free intercepts of the observed variables, fixed 0 latent means."""
    sd = np.sqrt(np.diag(sigma))
    rows: list[dict[str, object]] = []
    for name, est, s, sdev in zip(structure.observed, nu, se, sd, strict=True):
        z = est / s if s > 0 else math.nan
        rows.append(
            {
                "lhs": name,
                "op": "~1",
                "rhs": "",
                "label": "",
                "estimate": float(est),
                "std_error": float(s),
                "z_value": z,
                "p_value": float(2.0 * stats.norm.sf(abs(z))) if math.isfinite(z) else z,
                "ci_lower": float(est - _Z975 * s),
                "ci_upper": float(est + _Z975 * s),
                "std_all": float(est / sdev) if sdev > 0 else math.nan,
            }
        )
    for name in structure.latent:
        rows.append(
            {
                "lhs": name,
                "op": "~1",
                "rhs": "",
                "label": "",
                "estimate": 0.0,
                "std_error": math.nan,
                "z_value": math.nan,
                "p_value": math.nan,
                "ci_lower": math.nan,
                "ci_upper": math.nan,
                "std_all": 0.0,
            }
        )
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def _minimize(obj: _FIMLObjective, x0: FloatArray, gtol: float, max_iter: int) -> FloatArray:
    """Trust-region Newton (analytic gradient, numerical Hessian); Newton polish if needed."""
    res = optimize.minimize(
        obj.value,
        x0,
        jac=obj.gradient,
        hess=obj.hessian,
        method="trust-exact",
        options={"gtol": gtol, "maxiter": max_iter},
    )
    x = np.asarray(res.x, dtype=float) if math.isfinite(res.fun) else x0
    f0 = obj.value(x)
    g0 = obj.gradient(x)
    for _ in range(20):
        if not np.all(np.isfinite(g0)) or float(np.max(np.abs(g0))) <= gtol:
            break
        try:
            step = np.linalg.solve(obj.hessian(x), g0)
        except np.linalg.LinAlgError:
            break
        for t in (1.0, 0.5, 0.25, 0.125):
            cand = x - t * step
            f1 = obj.value(cand)
            g1 = obj.gradient(cand)
            if math.isfinite(f1) and (
                f1 < f0 or (f1 <= f0 + 1e-13 * abs(f0) and np.max(np.abs(g1)) < np.max(np.abs(g0)))
            ):
                x, f0, g0 = cand, f1, g1
                break
        else:
            break
    return x


def fit_fiml(
    structure: ModelStructure,
    data: pd.DataFrame | FloatArray,
    *,
    robust: bool = False,
    order: Sequence[str] = (),
    declared_covariances: Sequence[tuple[str, str]] = (),
    gtol: float = 1e-9,
    max_iter: int = 500,
) -> FIMLEstimate:
    """Fit a model to incomplete data by full-information maximum likelihood.

    Parameters
    ----------
    structure
        The model, from :func:`sem_csat.cbsem.adapter.build_structure`.  Its structural part
        must link latent variables only (as every spec translated by
        :func:`sem_csat.cbsem.syntax.to_semopy` does).
    data
        ``n × p`` raw data with NaN for missing values: a DataFrame with the model's items as
        columns, or an array whose columns follow ``structure.observed``.
    robust
        Huber–White sandwich standard errors (lavaan's ``estimator = "MLR"``).
    order, declared_covariances
        Row order and covariance orientation of the table, as in
        :func:`sem_csat.cbsem.estimation.estimate`.
    gtol
        Convergence tolerance on max |∂(−log L/N)/∂θ|.
    max_iter
        Iteration limit of the trust-region optimizer.

    Returns
    -------
    FIMLEstimate

    Raises
    ------
    DataError
        When columns are missing or not numeric.
    EstimationError
        When a pair of items is never observed together, df < 0, the structural part involves
        observed variables, or the optimization cannot start.

    Warns
    -----
    MissingDataWarning
        When cases with no observed item are dropped.

    Notes
    -----
    The log-likelihood is the sum over missing-data patterns of (Arbuckle 1996; Enders 2010,
    ch. 4)

    .. math:: \\log L_g = -\\tfrac{n_g}{2}\\left[p_o \\log 2\\pi + \\log|\\Sigma_{oo}|
              + \\operatorname{tr}\\{\\Sigma_{oo}^{-1}(S_g + (\\bar y_g - \\mu_o)
              (\\bar y_g - \\mu_o)^\\top)\\}\\right],

    maximized over θ = (θ_Σ, ν) with the analytic gradient ∂ log L/∂θ_k =
    Σ_ij G_ij (∂Σ/∂θ_k)_ij, G = Σ_g −(n_g/2)(W − W T_g W) embedded at (o, o), and
    ∂ log L/∂ν = Σ_g n_g W (ȳ_g − μ_o), W = Σ_oo⁻¹.  Warm start: ML on the EM estimate of Σ
    (:func:`sem_csat.cbsem.estimation.estimate`), with ν = the EM means.

    Cov(θ̂) is the inverse observed information −[∂² log L/∂θ∂θᵀ]⁻¹ (lavaan's default
    ``information = "observed"`` for FIML), the Hessian taken by central differences of the
    analytic gradient.  With ``robust``: H⁻¹ (Σ_i s_i s_iᵀ) H⁻¹ with case-wise scores s_i
    (lavaan's ``se = "robust.huber.white"``, ``information.meat = "first.order"``).

    With ``robust`` the Yuan–Bentler statistic for incomplete data (Yuan & Bentler 2000; lavaan's
    ``test = "yuan.bentler.mplus"``) is χ²/c with c = [tr(A₁⁻¹B₁) − tr(A₀⁻¹B₀)]/df, where A is
    the observed information and B the cross-product of case-wise scores, of the model (A₀, B₀,
    at θ̂) and of the unrestricted model (A₁, B₁, in (μ, vech Σ) at the EM estimate).

    The unrestricted model is fitted by EM (:func:`em_saturated`); χ² = 2(log L_H1 − log L)
    with df = p(p + 3)/2 − n_free.

    References
    ----------
    Arbuckle, J. L. (1996). Full information estimation in the presence of incomplete data.
    In Marcoulides & Schumacker (eds.), *Advanced Structural Equation Modeling*, 243–277.
    Enders, C. K. (2010). *Applied Missing Data Analysis*. Guilford.
    Little, R. J. A., & Rubin, D. B. (2002). *Statistical Analysis with Missing Data*, 2nd ed.
    Wiley.
    Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for mean and
    covariance structure analysis with nonnormal missing data. *Sociological Methodology* 30,
    165–200.
    Rosseel, Y. lavaan documentation, ``lavOptions``: ``missing = "ml"``, ``information``.
    """
    if set(structure.inner) != set(structure.latent):
        raise EstimationError(
            "FIML is implemented for models whose structural part links latent constructs only; "
            "give each observed predictor its own single-item construct."
        )
    names = list(structure.observed)
    y, n_dropped = _prepare(structure, data)
    n, p = y.shape
    if n < 2:
        raise DataError(f"Only {n} case(s) observe any of the model's items; FIML needs more.")
    coverage = _coverage(y, names)
    q = structure.n_free
    df = p * (p + 3) // 2 - (q + p)
    if df < 0:
        raise EstimationError(
            f"The model has {q + p} free parameters (with {p} intercepts) but the {p} items "
            f"give only {p * (p + 3) // 2} means, variances and covariances (df = {df}); fix or "
            "remove parameters."
        )
    patterns = _patterns(y)
    mu_h1, sigma_h1, em_iter = em_saturated(y)
    loglik_h1 = loglik_normal(mu_h1, sigma_h1, patterns)

    warm = estimate(structure, sigma_h1, n, "ML", gtol=1e-8)
    x0 = np.concatenate([warm.theta, mu_h1])
    obj = _FIMLObjective(structure, patterns, n)
    if not math.isfinite(obj.value(x0)):
        raise EstimationError(
            "The starting values give a model-implied covariance matrix that is not positive "
            "definite for some missing-data pattern; the model may be misspecified."
        )
    x = _minimize(obj, x0, gtol, max_iter)
    grad = float(np.max(np.abs(obj.gradient(x))))
    hess = obj.hessian(x)
    vcov, singular = _vcov(hess, float(n))
    scaling = (math.nan, math.nan, math.nan)
    if robust and not singular:
        s = obj.scores(x)
        meat = s.T @ s
        trace_h0 = float(np.sum(vcov * meat))  # tr(A0⁻¹ B0), A0⁻¹ = vcov (symmetric)
        vcov = vcov @ meat @ vcov
        vcov = 0.5 * (vcov + vcov.T)
        trace_h1 = _saturated_trace(patterns, mu_h1, sigma_h1)
        factor = (trace_h1 - trace_h0) / df if df > 0 else math.nan
        scaling = (factor, trace_h0 / (q + p), trace_h1 / (p * (p + 3) // 2))

    theta, nu = x[:q], x[q:]
    sigma = _moments(structure, theta)[0]
    loglik = -n * obj.value(x)
    chi2 = max(2.0 * (loglik_h1 - loglik), 0.0)
    table = _parameter_table(structure, theta, vcov[:q, :q], sigma, order, declared_covariances)
    var_nu = np.diag(vcov)[q:]
    se_nu = np.where(np.isfinite(var_nu), np.sqrt(np.clip(var_nu, 0.0, None)), np.nan)
    table = pd.concat([table, _intercept_rows(structure, nu, se_nu, sigma)], ignore_index=True)
    return FIMLEstimate(
        table=table,
        sigma=pd.DataFrame(sigma, index=names, columns=names),
        mu=pd.Series(nu, index=names, dtype=float),
        sigma_h1=pd.DataFrame(sigma_h1, index=names, columns=names),
        mu_h1=pd.Series(mu_h1, index=names, dtype=float),
        loglik=loglik,
        loglik_h1=loglik_h1,
        chi2=chi2,
        df=df,
        p_value=float(stats.chi2.sf(chi2, df)) if df > 0 else math.nan,
        chi2_scaled=chi2 / scaling[0] if scaling[0] > 0 else math.nan,
        p_value_scaled=(
            float(stats.chi2.sf(chi2 / scaling[0], df)) if scaling[0] > 0 else math.nan
        ),
        scaling_factor=scaling[0],
        scaling_factor_h0=scaling[1],
        scaling_factor_h1=scaling[2],
        n_obs=n,
        n_dropped=n_dropped,
        n_free=q + p,
        n_patterns=len(patterns),
        coverage=coverage,
        theta=x,
        vcov=vcov,
        robust=robust,
        converged=bool(grad <= max(gtol, 1e-6)),
        gradient_norm=grad,
        information_singular=singular,
        em_iterations=em_iter,
    )
