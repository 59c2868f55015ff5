"""Step 2, variation: sample statistics of ordinal items (lavaan's ``ordered=``).

For ordered-categorical items lavaan's sample statistics are, per group (Muthén 1984; lavaan's
``lav_samplestats`` for categorical data):

1. **Thresholds** from the univariate marginal proportions, τ_k = Φ⁻¹(P(y ≤ k)), over the
   categories each item shows in the data.
2. **Polychoric correlations**, two-step (Olsson 1979): with the thresholds fixed, each ρ_ij
   maximizes the bivariate ordinal log-likelihood of the i × j contingency table.
3. **Γ** (lavaan's ``NACOV``), the asymptotic covariance matrix of √N (thresholds,
   correlations), from the case-wise scores of both steps.

The DWLS weight is W = diag(Γ)⁻¹ (lavaan's ``WLS.VD``), see
:mod:`sem_csat.cbsem.objective_dwls`.

The bivariate normal distribution function uses Owen's T function
(:func:`scipy.special.owens_t`): vectorized, deterministic and accurate to about 1e-16 (checked
against :func:`scipy.stats.multivariate_normal.cdf`).

References
----------
Muthén, B. (1984). A general structural equation model with dichotomous, ordered categorical,
and continuous latent variable indicators. *Psychometrika* 49, 115–132.
Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation coefficient.
*Psychometrika* 44, 443–460.
Owen, D. B. (1956). Tables for computing bivariate normal probabilities. *Ann. Math. Statist.*
27, 1075–1090.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import optimize, special, stats

from sem_csat.errors import DataError, EstimationError

__all__ = [
    "OrdinalStats",
    "PolychoricResult",
    "bivariate_normal_cdf",
    "ordinal_stats",
    "polychoric",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

_RHO_BOUND = 0.9999  # polychoric correlations are searched in [-_RHO_BOUND, _RHO_BOUND]
_ZERO_ADD_2X2 = 0.5  # lavaan's zero.add = c(0.5, 0.0): 0.5 into empty cells of 2 × 2 tables


# --------------------------------------------------------------------------------------------
# The bivariate normal distribution
# --------------------------------------------------------------------------------------------


def bivariate_normal_cdf(h: FloatArray, k: FloatArray, rho: float) -> FloatArray:
    """Φ₂(h, k; ρ) = P(X ≤ h, Y ≤ k) for standard bivariate normal (X, Y) with correlation ρ.

    Parameters
    ----------
    h, k
        Upper limits (broadcast against each other); ±inf are allowed.
    rho
        Correlation, ``-1 < rho < 1``.

    Returns
    -------
    numpy.ndarray
        The probabilities, with the broadcast shape of ``h`` and ``k``.

    Notes
    -----
    Owen's (1956) identity with his T function T(h, a):

    .. math:: \\Phi_2(h, k; \\rho) = \\tfrac12\\Phi(h) + \\tfrac12\\Phi(k)
              - T(h, a_h) - T(k, a_k) - \\beta,

    a_h = (k − ρh) / (h√(1 − ρ²)), a_k = (h − ρk) / (k√(1 − ρ²)), β = 0 if hk > 0 or
    (hk = 0 and h + k ≥ 0), else ½; T(0, ±∞) = ±¼ and Φ₂(0, 0; ρ) = ¼ + asin(ρ)/(2π).

    Examples
    --------
    >>> round(float(bivariate_normal_cdf(np.array(0.0), np.array(0.0), 0.5)), 12)  # ¼ + 1/12
    0.333333333333
    >>> from scipy.stats import multivariate_normal
    >>> p = float(bivariate_normal_cdf(np.array(0.3), np.array(-1.2), -0.7))
    >>> bool(abs(p - multivariate_normal([0, 0], [[1, -0.7], [-0.7, 1]]).cdf([0.3, -1.2])) < 1e-7)
    True
    """
    hh, kk = np.broadcast_arrays(np.asarray(h, dtype=float), np.asarray(k, dtype=float))
    out = np.zeros(hh.shape)
    ph, pk = special.ndtr(hh), special.ndtr(kk)
    out = np.where(np.isposinf(hh), pk, out)
    out = np.where(np.isposinf(kk), ph, out)
    out = np.where(np.isneginf(hh) | np.isneginf(kk), 0.0, out)
    fin = np.isfinite(hh) & np.isfinite(kk)
    if not np.any(fin):
        return out
    hf, kf = hh[fin], kk[fin]
    s = math.sqrt((1.0 - rho) * (1.0 + rho))
    with np.errstate(divide="ignore", invalid="ignore"):
        a_h = np.where(hf != 0.0, (kf - rho * hf) / (hf * s), 0.0)
        a_k = np.where(kf != 0.0, (hf - rho * kf) / (kf * s), 0.0)
    t_h = np.where(hf != 0.0, special.owens_t(hf, a_h), 0.25 * np.sign(kf))
    t_k = np.where(kf != 0.0, special.owens_t(kf, a_k), 0.25 * np.sign(hf))
    hk = hf * kf
    beta = np.where((hk > 0.0) | ((hk == 0.0) & (hf + kf >= 0.0)), 0.0, 0.5)
    val = 0.5 * (ph[fin] + pk[fin]) - t_h - t_k - beta
    both0 = (hf == 0.0) & (kf == 0.0)
    val = np.where(both0, 0.25 + math.asin(rho) / (2.0 * math.pi), val)
    out[fin] = np.clip(val, 0.0, 1.0)
    return out


def _bvn_density(h: FloatArray, k: FloatArray, rho: float) -> FloatArray:
    """φ₂(h, k; ρ) = ∂Φ₂/∂ρ (Plackett 1954); 0 where h or k is infinite."""
    one = (1.0 - rho) * (1.0 + rho)
    with np.errstate(invalid="ignore", over="ignore"):
        q = (h * h - 2.0 * rho * h * k + k * k) / (2.0 * one)
        out = np.exp(-q) / (2.0 * math.pi * math.sqrt(one))
    return np.where(np.isfinite(h) & np.isfinite(k), out, 0.0)


# --------------------------------------------------------------------------------------------
# Thresholds and polychoric correlations
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PolychoricResult:
    """Thresholds, polychoric correlations and Γ of a set of ordinal items (immutable).

    Attributes
    ----------
    items
        Item names, the order of every matrix.
    categories
        The observed categories of each item, ascending (lavaan uses the observed values).
    thresholds
        Series indexed ``"item|t1"``, ``"item|t2"``, … (lavaan's names and order).
    correlation
        Polychoric correlation matrix (DataFrame, unit diagonal).
    gamma
        Γ, lavaan's ``NACOV``: the asymptotic covariance matrix of √N times the statistics
        ``stat_names`` (thresholds, then correlations); ``None`` when not computed.
    n_obs
        Number of cases ``N``.
    stat_names
        Names of the rows/columns of ``gamma``: the threshold names, then ``"a~~b"`` for the
        lower triangle of ``correlation`` column by column, (2,1), (3,1), …, (p,1), (3,2), …
        (lavaan's ``vech(diagonal = FALSE)`` order).
    """

    items: tuple[str, ...]
    categories: tuple[tuple[float, ...], ...]
    thresholds: pd.Series
    correlation: pd.DataFrame
    gamma: pd.DataFrame | None
    n_obs: int
    stat_names: tuple[str, ...]

    def __repr__(self) -> str:
        return (
            f"PolychoricResult(n_items={len(self.items)}, n_obs={self.n_obs}, "
            f"n_thresholds={len(self.thresholds)}, gamma={self.gamma is not None})"
        )


def _pairs(p: int) -> list[tuple[int, int]]:
    """Lower-triangle index pairs (i, j), i > j, column by column (lavaan's order)."""
    return [(i, j) for j in range(p - 1) for i in range(j + 1, p)]


#: Most categories an ordinal item may have: beyond it the item is continuous in all but name
#: (lavaan has no limit, and ran 137 s and 1.9 GB before failing on continuous data).
MAX_CATEGORIES = 20


def _encode(data: pd.DataFrame, items: Sequence[str]) -> tuple[list[IntArray], list[FloatArray]]:
    """Category codes 0..K−1 of each item and its observed categories."""
    missing = [i for i in items if i not in data.columns]
    if missing:
        raise DataError(
            f"The data have no column(s) {', '.join(map(repr, missing))}; check the item names."
        )
    codes: list[IntArray] = []
    cats: list[FloatArray] = []
    for item in items:
        values = pd.to_numeric(data[item], errors="coerce").to_numpy(dtype=float)
        if np.isnan(values).any():
            raise DataError(
                f"Column {item!r} has {int(np.isnan(values).sum())} missing or non-numeric "
                "values; ordinal estimation needs complete data, so drop the incomplete rows "
                "(data.dropna()) first."
            )
        c = np.unique(values)
        if c.size > MAX_CATEGORIES:
            raise DataError(
                f"Item {item!r} has {c.size} distinct values, more than the {MAX_CATEGORIES} "
                "categories an ordinal item is treated with (its thresholds and polychoric "
                "correlations would rest on nearly empty categories, and take minutes and "
                "gigabytes); fit continuous answers by 'ml' or 'mlr' without --ordered, or "
                "recode the item into a few ordered categories."
            )
        if c.size < 2:
            raise DataError(
                f"Item {item!r} has a single observed category ({c[0]:g}), so it has no "
                "threshold and no polychoric correlation; remove it from the model."
            )
        codes.append(np.searchsorted(c, values))
        cats.append(c)
    return codes, cats


def _bounds(tau: FloatArray) -> FloatArray:
    """(−∞, τ₁, …, τ_{K−1}, +∞)."""
    return np.concatenate(([-np.inf], tau, [np.inf]))


def _cell_probabilities(u: FloatArray, v: FloatArray, rho: float) -> FloatArray:
    """π_ab(ρ) of the K₁ × K₂ table with finite thresholds ``u`` and ``v``."""
    g = np.zeros((u.size + 2, v.size + 2))
    g[1:-1, 1:-1] = bivariate_normal_cdf(u[:, None], v[None, :], rho)
    g[-1, 1:-1] = special.ndtr(v)
    g[1:-1, -1] = special.ndtr(u)
    g[-1, -1] = 1.0
    pi: FloatArray = g[1:, 1:] - g[:-1, 1:] - g[1:, :-1] + g[:-1, :-1]
    return pi


def _cell_rho_derivatives(u: FloatArray, v: FloatArray, rho: float) -> FloatArray:
    """∂π_ab/∂ρ, from ∂Φ₂(h, k; ρ)/∂ρ = φ₂(h, k; ρ)."""
    g = np.zeros((u.size + 2, v.size + 2))
    g[1:-1, 1:-1] = _bvn_density(u[:, None], v[None, :], rho)
    d: FloatArray = g[1:, 1:] - g[:-1, 1:] - g[1:, :-1] + g[:-1, :-1]
    return d


def _fit_rho(table: FloatArray, u: FloatArray, v: FloatArray) -> float:
    """Two-step ML polychoric correlation of one contingency table (thresholds fixed)."""
    if table.shape == (2, 2) and np.any(table == 0):
        table = np.where(table == 0, _ZERO_ADD_2X2, table)
    mask = table > 0
    n = table[mask]

    def negll(rho: float) -> float:
        pi = _cell_probabilities(u, v, rho)[mask]
        return -float(np.sum(n * np.log(np.maximum(pi, 1e-300))))

    res = optimize.minimize_scalar(
        negll,
        bounds=(-_RHO_BOUND, _RHO_BOUND),
        method="bounded",
        options={"xatol": 1e-11, "maxiter": 500},
    )
    rho = float(res.x)
    # one Fisher-scoring step polishes the bounded Brent search to machine precision
    pi = _cell_probabilities(u, v, rho)
    d = _cell_rho_derivatives(u, v, rho)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = float(np.sum(np.where(mask, table * d / pi, 0.0)))
        info = float(table.sum() * np.sum(np.where(pi > 0, d * d / pi, 0.0)))
    if info > 0 and math.isfinite(score):
        cand = rho + score / info
        if abs(cand) < _RHO_BOUND and negll(cand) <= negll(rho):
            rho = cand
    return rho


def polychoric(
    data: pd.DataFrame, items: Sequence[str] | None = None, *, gamma: bool = True
) -> PolychoricResult:
    """Thresholds, polychoric correlations and (optionally) their asymptotic covariance Γ.

    Parameters
    ----------
    data
        Complete data; each item's distinct values are its ordered categories.
    items
        Columns to use, in this order (default: all columns).
    gamma
        Also compute Γ (needed for WLSMV standard errors and tests).

    Returns
    -------
    PolychoricResult

    Raises
    ------
    DataError
        For missing columns, missing values or an item with a single category.

    Notes
    -----
    *Thresholds* (step 1): with n_k cases in category k of an item with K observed categories,
    τ_k = Φ⁻¹(Σ_{l≤k} n_l / N), k = 1, …, K − 1.

    *Polychoric correlation* (step 2, Olsson 1979's two-step estimator): with the thresholds
    (u of item i, v of item j) fixed, ρ̂_ij maximizes ℓ(ρ) = Σ_ab n_ab log π_ab(ρ), where

    .. math:: \\pi_{ab} = \\Phi_2(u_a, v_b; \\rho) - \\Phi_2(u_{a-1}, v_b; \\rho)
              - \\Phi_2(u_a, v_{b-1}; \\rho) + \\Phi_2(u_{a-1}, v_{b-1}; \\rho).

    As lavaan (``zero.add = c(0.5, 0)``), 0.5 is added to empty cells of 2 × 2 tables only.

    *Γ* (Muthén 1984, in lavaan's finite-sample form): with the case-wise scores
    s_τ (univariate ordinal log-likelihood w.r.t. each item's thresholds) and s_ρ (bivariate
    log-likelihood w.r.t. ρ_ij), SC = [s_τ, s_ρ] (N × m), INNER = SCᵀSC, A₁₁ the
    item-wise diagonal blocks of INNER, A₂₂ = diag(Σ s_ρ²), and
    A₂₁[ij, τ_i] = Σₙ s_ρ,ij · ∂ℓ_ij/∂τ_i (the bivariate log-likelihood's threshold score),

    .. math:: \\Gamma = N\\, B^{-1}\\, \\mathrm{INNER}\\, B^{-\\top},\\quad
              B = \\begin{pmatrix} A_{11} & 0 \\\\ A_{21} & A_{22} \\end{pmatrix},

    the sandwich of the stacked two-step estimating equations; A₂₁ carries the first step's
    sampling error into the correlations.  With ∂Φ₂(h, k; ρ)/∂h = φ(h) Φ((k − ρh)/√(1 − ρ²)).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [1, 1, 2, 2, 3, 3, 3, 1], "b": [1, 2, 2, 3, 3, 3, 2, 1]})
    >>> r = polychoric(d, gamma=False)
    >>> r.thresholds.round(4).tolist()  # Φ⁻¹(3/8), Φ⁻¹(5/8)
    [-0.3186, 0.3186, -0.6745, 0.3186]
    >>> bool(r.correlation.loc["a", "b"] > 0.8)
    True
    """
    names = [str(c) for c in (data.columns if items is None else items)]
    if len(set(names)) != len(names):
        raise DataError("Each item may be given only once to polychoric().")
    codes, cats = _encode(data, names)
    n = int(codes[0].size) if codes else 0
    if n < 2:
        raise DataError(f"The data have {n} rows; at least 2 are needed.")
    p = len(names)
    taus: list[FloatArray] = []
    th_names: list[str] = []
    for name, code, cat in zip(names, codes, cats, strict=True):
        counts = np.bincount(code, minlength=cat.size)
        taus.append(special.ndtri(np.cumsum(counts)[:-1] / n))
        th_names.extend(f"{name}|t{k}" for k in range(1, cat.size))
    pairs = _pairs(p)
    cor = np.eye(p)
    tables: list[FloatArray] = []
    for i, j in pairs:
        ki, kj = cats[i].size, cats[j].size
        table = np.bincount(codes[i] * kj + codes[j], minlength=ki * kj).reshape(ki, kj)
        tables.append(table.astype(float))
        cor[i, j] = cor[j, i] = _fit_rho(tables[-1], taus[i], taus[j])
    stat_names = (*th_names, *(f"{names[i]}~~{names[j]}" for i, j in pairs))
    gamma_frame = None
    if gamma:
        g = _gamma(codes, taus, cor, pairs)
        gamma_frame = pd.DataFrame(g, index=list(stat_names), columns=list(stat_names))
    return PolychoricResult(
        items=tuple(names),
        categories=tuple(tuple(float(x) for x in c) for c in cats),
        thresholds=pd.Series(np.concatenate(taus), index=th_names, dtype=float),
        correlation=pd.DataFrame(cor, index=names, columns=names),
        gamma=gamma_frame,
        n_obs=n,
        stat_names=stat_names,
    )


def _threshold_scores(code: IntArray, tau: FloatArray) -> FloatArray:
    """N × (K−1) scores ∂ log P(y = c)/∂τ_t of the univariate ordinal (probit) likelihood."""
    b = _bounds(tau)
    prob = np.diff(special.ndtr(b))
    dens = stats.norm.pdf(b)
    k = tau.size + 1
    out = np.zeros((code.size, k - 1))
    rows = np.arange(code.size)
    up = code < k - 1  # τ_{c+1} is finite: +φ(τ_{c+1}) / P_c
    out[rows[up], code[up]] += dens[code[up] + 1] / prob[code[up]]
    lo = code > 0  # τ_c is finite: −φ(τ_c) / P_c
    out[rows[lo], code[lo] - 1] -= dens[code[lo]] / prob[code[lo]]
    return out


def _bivariate_threshold_derivatives(u: FloatArray, v: FloatArray, rho: float) -> FloatArray:
    """E[t, b] = ∂π_{ab}/∂u_t for a = t − 1 (the sign flips for a = t), shape (K₁+1, K₂).

    ∂Φ₂(u, v; ρ)/∂u = φ(u) Φ((v − ρu)/√(1 − ρ²)), which is φ(u) at v = +∞ and 0 at v = −∞.
    """
    s = math.sqrt((1.0 - rho) * (1.0 + rho))
    vb = _bounds(v)
    ub = _bounds(u)
    with np.errstate(invalid="ignore"):
        du = stats.norm.pdf(ub)[:, None] * special.ndtr((vb[None, :] - rho * ub[:, None]) / s)
    du[~np.isfinite(ub), :] = 0.0
    out: FloatArray = du[:, 1:] - du[:, :-1]
    return out


def _gamma(
    codes: list[IntArray], taus: list[FloatArray], cor: FloatArray, pairs: list[tuple[int, int]]
) -> FloatArray:
    """Γ = N B⁻¹ INNER B⁻ᵀ (see :func:`polychoric`)."""
    n = codes[0].size
    sizes = [t.size for t in taus]
    start = np.concatenate(([0], np.cumsum(sizes)))
    nth = int(start[-1])
    sc_th = np.hstack([_threshold_scores(c, t) for c, t in zip(codes, taus, strict=True)])
    sc_rho = np.empty((n, len(pairs)))
    a21 = np.zeros((len(pairs), nth))
    for m, (i, j) in enumerate(pairs):
        u, v, rho = taus[i], taus[j], float(cor[i, j])
        ci, cj = codes[i], codes[j]
        pi = _cell_probabilities(u, v, rho)
        d = _cell_rho_derivatives(u, v, rho)
        p_case = pi[ci, cj]
        sc_rho[:, m] = d[ci, cj] / p_case
        # bivariate threshold scores of item i (rows of the table) and item j (columns)
        # (for item j the same formula with the roles of the two items swapped)
        for item, codes_a, codes_b, ua, ub in ((i, ci, cj, u, v), (j, cj, ci, v, u)):
            e = _bivariate_threshold_derivatives(ua, ub, rho)
            k = ua.size + 1
            sc = np.zeros((n, k - 1))
            rows = np.arange(n)
            up = codes_a < k - 1
            sc[rows[up], codes_a[up]] += e[codes_a[up] + 1, codes_b[up]] / p_case[up]
            lo = codes_a > 0
            sc[rows[lo], codes_a[lo] - 1] -= e[codes_a[lo], codes_b[lo]] / p_case[lo]
            a21[m, start[item] : start[item + 1]] = sc_rho[:, m] @ sc
    sc = np.hstack([sc_th, sc_rho])
    inner = sc.T @ sc
    m_all = inner.shape[0]
    b = np.zeros((m_all, m_all))
    for item in range(len(taus)):
        blk = slice(int(start[item]), int(start[item + 1]))
        b[blk, blk] = inner[blk, blk]
    b[nth:, :nth] = a21
    b[nth:, nth:] = np.diag(np.sum(sc_rho * sc_rho, axis=0))
    try:
        b_inv = np.linalg.inv(b)
    except np.linalg.LinAlgError as exc:
        raise EstimationError(
            "The information matrix of the thresholds and polychoric correlations is singular, "
            "so Γ cannot be computed; look for items with nearly empty categories and merge "
            "sparse categories."
        ) from exc
    out: FloatArray = n * (b_inv @ inner @ b_inv.T)
    sym: FloatArray = 0.5 * (out + out.T)
    return sym


@dataclass(frozen=True, eq=False)
class OrdinalStats:
    """The sample statistics of ordinal items that the DWLS pipeline uses (one group).

    Attributes
    ----------
    thresholds
        τ̂, item by item (lavaan's order), with their names ``item|t1``, ... in ``th_names``.
    th_item
        The item (index into the items) of every threshold.
    n_thresholds
        Item → its number of thresholds (observed categories − 1).
    rows, cols
        The item pairs (i > j, column by column) of the correlations in the moment vector.
    gamma
        Γ over (thresholds, correlations) (lavaan's ``NACOV``).
    weights
        The DWLS weights 1/diag(Γ) (lavaan's ``WLS.VD``).
    """

    thresholds: FloatArray = field(repr=False)
    th_item: IntArray = field(repr=False)
    th_names: tuple[str, ...] = field(repr=False)
    n_thresholds: dict[str, int] = field(repr=False)
    rows: IntArray = field(repr=False)
    cols: IntArray = field(repr=False)
    gamma: FloatArray = field(repr=False)
    weights: FloatArray = field(repr=False)

    @property
    def n_th(self) -> int:
        return int(self.thresholds.size)


def ordinal_stats(data: pd.DataFrame, items: Sequence[str]) -> tuple[OrdinalStats, FloatArray, int]:
    """Thresholds, polychoric correlations, Γ and the DWLS weights of the ordinal ``items``.

    Returns the statistics, the polychoric correlation matrix and N.

    Raises
    ------
    DataError
        For missing columns, missing values or an item with a single category.
    EstimationError
        When Γ cannot be computed (nearly empty categories).
    """
    names = list(items)
    poly = polychoric(data, names, gamma=True)
    if poly.gamma is None:  # asked for above
        raise EstimationError("Γ of the polychoric correlations could not be computed.")
    gamma = poly.gamma.to_numpy(dtype=np.float64)
    diag = np.diag(gamma)
    if np.any(diag <= 0) or not np.all(np.isfinite(gamma)):
        raise EstimationError(
            "The asymptotic variances of the thresholds and polychoric correlations are not "
            "all positive, so the DWLS weights cannot be formed; merge sparse categories."
        )
    counts = {name: len(c) - 1 for name, c in zip(names, poly.categories, strict=True)}
    th_item = np.repeat(np.arange(len(names)), [counts[v] for v in names]).astype(np.intp)
    pairs = _pairs(len(names))
    rows = np.array([i for i, _ in pairs], dtype=np.intp)
    cols = np.array([j for _, j in pairs], dtype=np.intp)
    stats = OrdinalStats(
        thresholds=poly.thresholds.to_numpy(dtype=np.float64),
        th_item=th_item,
        th_names=tuple(str(t) for t in poly.thresholds.index),
        n_thresholds=counts,
        rows=rows,
        cols=cols,
        gamma=gamma,
        weights=1.0 / diag,
    )
    return stats, poly.correlation.to_numpy(dtype=np.float64), poly.n_obs
