"""Reliability of a block of items: Cronbach's α, ρ_c, AVE, ρ_A and item statistics.

The functions work on plain arrays and accept leading batch axes (``(..., k, k)`` covariance or
correlation matrices, ``(..., k)`` loadings), so the same code serves a single fit, a bootstrap
and the property tests.  Which of them a report uses for which block is decided in
:mod:`sem_csat.measurement.report`.

Examples
--------
Four parallel standardized items that correlate 0.5 have α = 4·0.5 / (1 + 3·0.5) = 0.8
(Spearman–Brown), whatever their scale:

>>> import numpy as np
>>> R = np.full((4, 4), 0.5) + 0.5 * np.eye(4)
>>> D = np.diag([1.0, 2.0, 3.0, 4.0])
>>> round(float(standardized_alpha(D @ R @ D)), 12), round(float(cronbach_alpha(R)), 12)
(0.8, 0.8)
>>> lo, hi = alpha_ci(0.8, n_obs=250, n_items=4)
>>> round(float(lo), 4), round(float(hi), 4)
(0.7562, 0.8376)
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import stats

from sem_csat.errors import UsageError

__all__ = [
    "alpha_ci",
    "alpha_if_deleted",
    "average_variance_extracted",
    "composite_reliability",
    "cronbach_alpha",
    "item_total_correlations",
    "model_ave",
    "model_omega",
    "rho_a",
    "standardized_alpha",
    "to_correlation",
]

FloatArray = npt.NDArray[np.float64]


def _square(cov: npt.ArrayLike) -> FloatArray:
    s = np.asarray(cov, dtype=np.float64)
    if s.ndim < 2 or s.shape[-1] != s.shape[-2]:
        raise UsageError(f"Expected (..., k, k) covariance matrices; got shape {s.shape}.")
    return s


def to_correlation(cov: npt.ArrayLike) -> FloatArray:
    """Turn (stacked) covariance matrices into correlation matrices with an exact unit diagonal."""
    s = _square(cov)
    d = np.sqrt(np.diagonal(s, axis1=-2, axis2=-1))
    r: FloatArray = s / d[..., :, None] / d[..., None, :]
    k = s.shape[-1]
    r[..., np.arange(k), np.arange(k)] = 1.0
    return r


def cronbach_alpha(cov: npt.ArrayLike) -> FloatArray:
    """Cronbach's coefficient α of the items whose covariance matrix is ``cov``.

    Parameters
    ----------
    cov
        ``(..., k, k)`` item covariance matrices (the divisor, N or N − 1, does not matter).

    Returns
    -------
    numpy.ndarray
        ``(...)`` α; NaN for a single item.

    Notes
    -----
    .. math:: \\alpha = \\frac{k}{k-1}\\Bigl(1 - \\frac{\\sum_i \\sigma_{ii}}{\\mathbf 1^\\top
       \\Sigma \\mathbf 1}\\Bigr)

    This is the "raw" α of semTools (``compRelSEM(tau.eq=TRUE)``), psych (``raw_alpha``) and
    SPSS.  On a correlation matrix it is the standardized α (:func:`standardized_alpha`).

    References
    ----------
    .. [1] Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
       *Psychometrika*, 16(3), 297–334.
    """
    s = _square(cov)
    k = s.shape[-1]
    if k < 2:
        return np.full(s.shape[:-2], np.nan)
    trace = np.trace(s, axis1=-2, axis2=-1)
    total = s.sum(axis=(-2, -1))
    out: FloatArray = k / (k - 1) * (1.0 - trace / total)
    return out


def standardized_alpha(cov: npt.ArrayLike) -> FloatArray:
    """Standardized α: Cronbach's α of the standardized items.

    Notes
    -----
    With :math:`R` the item correlation matrix,
    :math:`\\alpha_{std} = \\frac{k}{k-1}\\bigl(1 - k / \\mathbf 1^\\top R \\mathbf 1\\bigr)
    = k\\bar r / (1 + (k-1)\\bar r)`, :math:`\\bar r` the mean inter-item correlation.  This
    is the "alpha" of SmartPLS, seminr and ADANCO, which standardize the data first.  It is
    invariant to rescaling an item and equals the raw α when all items have equal variance.
    """
    return cronbach_alpha(to_correlation(cov))


def alpha_ci(
    alpha: npt.ArrayLike, n_obs: int, n_items: npt.ArrayLike, conf: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Feldt's exact confidence interval of coefficient α.

    Parameters
    ----------
    alpha
        Sample α (any shape).
    n_obs
        Number of respondents :math:`n`.
    n_items
        Number of items :math:`k` (broadcast against ``alpha``).
    conf
        Confidence level.

    Returns
    -------
    lower, upper
        Interval bounds (NaN where :math:`k < 2` or :math:`n < 2`).

    Notes
    -----
    Under the assumptions of Feldt (1965) (normal, essentially τ-equivalent items with
    uncorrelated errors), :math:`(1 - \\alpha)/(1 - \\hat\\alpha) \\sim F(n - 1, (n - 1)(k - 1))`,
    which gives

    .. math:: \\bigl[1 - (1 - \\hat\\alpha) F_{1-\\gamma/2},\\;
       1 - (1 - \\hat\\alpha) F_{\\gamma/2}\\bigr], \\quad \\gamma = 1 - \\text{conf}.

    This is ``psych::alpha.ci``.  Applied to the standardized α it assumes parallel
    standardized items.  With markedly unequal loadings or non-normal answers the interval is
    too narrow; a bootstrap interval is the robust alternative.

    References
    ----------
    .. [1] Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson
       reliability coefficient twenty. *Psychometrika*, 30(3), 357–370.
    .. [2] Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for
       coefficient alpha. *Applied Psychological Measurement*, 11(1), 93–103.
    """
    if not 0.0 < conf < 1.0:
        raise UsageError(f"conf must be between 0 and 1, such as 0.95; got {conf!r}.")
    a = np.asarray(alpha, dtype=np.float64)
    k = np.asarray(n_items, dtype=np.float64)
    df1 = float(n_obs - 1)
    df2 = df1 * (k - 1.0)
    ok = (k >= 2) & (df1 >= 1)
    df2 = np.where(ok, df2, 1.0)
    gamma = 1.0 - conf
    hi_q = stats.f.ppf(1.0 - gamma / 2.0, df1, df2)
    lo_q = stats.f.ppf(gamma / 2.0, df1, df2)
    lower: FloatArray = np.where(ok, 1.0 - (1.0 - a) * hi_q, np.nan)
    upper: FloatArray = np.where(ok, 1.0 - (1.0 - a) * lo_q, np.nan)
    return lower, upper


def item_total_correlations(cov: npt.ArrayLike) -> FloatArray:
    """Corrected item–total correlations: each item with the sum of the *other* items.

    Parameters
    ----------
    cov
        ``(..., k, k)`` item covariance matrices (raw data: psych's ``r.drop``; correlation
        matrix: the same for standardized items).

    Returns
    -------
    numpy.ndarray
        ``(..., k)``; NaN for a single item.

    Notes
    -----
    With :math:`T_{-i} = \\sum_{j \\ne i} x_j`,
    :math:`r_{i,T_{-i}} = \\operatorname{cov}(x_i, T_{-i}) /
    \\sqrt{\\sigma_{ii} \\operatorname{var}(T_{-i})}`, where
    :math:`\\operatorname{cov}(x_i, T_{-i}) = (\\Sigma\\mathbf 1)_i - \\sigma_{ii}` and
    :math:`\\operatorname{var}(T_{-i}) = \\mathbf 1^\\top\\Sigma\\mathbf 1 - 2(\\Sigma\\mathbf 1)_i
    + \\sigma_{ii}` (Nunnally & Bernstein 1994, ch. 8).
    """
    s = _square(cov)
    if s.shape[-1] < 2:
        return np.full(s.shape[:-1], np.nan)
    d = np.diagonal(s, axis1=-2, axis2=-1)
    row = s.sum(axis=-1)
    total = s.sum(axis=(-2, -1))[..., None]
    out: FloatArray = (row - d) / np.sqrt(d * (total - 2.0 * row + d))
    return out


def alpha_if_deleted(cov: npt.ArrayLike, *, standardized: bool = False) -> FloatArray:
    """Cronbach's α of the block without each item in turn.

    Parameters
    ----------
    cov
        ``(..., k, k)`` item covariance matrices.
    standardized
        Use the standardized α (:func:`standardized_alpha`) instead of the raw α.

    Returns
    -------
    numpy.ndarray
        ``(..., k)``; NaN when fewer than two items would remain.
    """
    s = to_correlation(cov) if standardized else _square(cov)
    k = s.shape[-1]
    out = np.full(s.shape[:-1], np.nan)
    if k < 3:
        return out
    for i in range(k):
        keep = [j for j in range(k) if j != i]
        out[..., i] = cronbach_alpha(s[..., keep, :][..., :, keep])
    return out


def composite_reliability(loadings: npt.ArrayLike) -> FloatArray:
    """Jöreskog's composite reliability ρ_c from standardized loadings.

    Parameters
    ----------
    loadings
        ``(..., k)`` standardized loadings of one block.

    Returns
    -------
    numpy.ndarray
        ``(...)`` ρ_c.

    Notes
    -----
    .. math:: \\rho_c = \\frac{(\\sum_i \\lambda_i)^2}{(\\sum_i \\lambda_i)^2 +
       \\sum_i (1 - \\lambda_i^2)}

    With PLS loadings this is SmartPLS's and seminr's "composite reliability"; with PLSc
    (consistent) loadings it is ADANCO's "Jöreskog's rho".

    References
    ----------
    .. [1] Jöreskog, K. G. (1971). Statistical analysis of sets of congeneric tests.
       *Psychometrika*, 36(2), 109–133.

    Examples
    --------
    >>> round(float(composite_reliability([0.8, 0.7, 0.6])), 6)  # 2.1² / (2.1² + 1.51)
    0.744932
    """
    lam = np.asarray(loadings, dtype=np.float64)
    num = lam.sum(axis=-1) ** 2
    out: FloatArray = num / (num + (1.0 - lam**2).sum(axis=-1))
    return out


def average_variance_extracted(loadings: npt.ArrayLike) -> FloatArray:
    """Average variance extracted (AVE): the mean squared standardized loading.

    Notes
    -----
    :math:`\\text{AVE} = \\frac1k\\sum_i \\lambda_i^2` (Fornell & Larcker 1981), the share of
    its items' variance that a construct explains on average.

    References
    ----------
    .. [1] Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models with
       unobservable variables and measurement error. *Journal of Marketing Research*, 18(1),
       39–50.

    Examples
    --------
    >>> round(float(average_variance_extracted([0.8, 0.7, 0.6])), 6)
    0.496667
    """
    lam = np.asarray(loadings, dtype=np.float64)
    out: FloatArray = (lam**2).mean(axis=-1)
    return out


def rho_a(weights: npt.ArrayLike, cov: npt.ArrayLike) -> FloatArray:
    """Dijkstra–Henseler's reliability ρ_A of a composite from its weights and its items.

    Parameters
    ----------
    weights
        ``(..., k)`` outer weights of one block (any scale: ρ_A does not depend on it).
    cov
        ``(..., k, k)`` covariance or correlation matrix of the block's items (the matrix the
        weights were estimated on; PLS uses the correlation matrix).

    Returns
    -------
    numpy.ndarray
        ``(...)`` ρ_A; NaN for a single item and where it is undefined (the weighted items do
        not correlate positively).

    Notes
    -----
    With :math:`\\hat w` the weights and :math:`S` the item covariance matrix, the correction
    constant is :math:`\\hat c^2 = \\hat w^\\top (S - \\operatorname{diag} S)\\hat w \\,/\\,
    \\hat w^\\top (\\hat w \\hat w^\\top - \\operatorname{diag}(\\hat w \\hat w^\\top))
    \\hat w` and

    .. math:: \\rho_A = \\frac{\\hat c^2 (\\hat w^\\top \\hat w)^2}{\\hat w^\\top S \\hat w},

    which is D&H's :math:`\\hat c^2 (\\hat w^\\top \\hat w)^2` for unit-variance weights
    and stays right for weights in any other scale.  It is the ρ_A that consistent PLS
    (:func:`sem_csat.pls.plsc.consistent`) corrects with; the engines call this function with
    their own weights (for ordinary PLS it depends on the inner scheme, as in SmartPLS).
    Formative blocks have no ρ_A: the caller leaves them out.

    References
    ----------
    .. [1] Dijkstra, T. K., & Henseler, J. (2015). Consistent partial least squares path
       modeling. *MIS Quarterly*, 39(2), 297–316.

    Examples
    --------
    Parallel items (loadings 0.8, so correlations 0.64) with equal weights: ρ_A equals ρ_c
    and α, 3·0.64 / (1 + 2·0.64):

    >>> import numpy as np
    >>> R = np.full((3, 3), 0.64) + 0.36 * np.eye(3)
    >>> round(float(rho_a([0.4, 0.4, 0.4], R)), 6), round(1.92 / 2.28, 6)
    (0.842105, 0.842105)
    """
    w = np.asarray(weights, dtype=np.float64)
    s = _square(cov)
    if w.shape[-1] != s.shape[-1]:
        raise UsageError(
            f"weights have {w.shape[-1]} entries but the covariance matrix is "
            f"{s.shape[-1]} × {s.shape[-1]}; give one weight per item of the block."
        )
    if s.shape[-1] < 2:
        return np.full(np.broadcast_shapes(w.shape[:-1], s.shape[:-2]), np.nan)
    sw = (s @ w[..., None])[..., 0]
    wsw = (w * sw).sum(axis=-1)
    w2 = w * w
    off = wsw - (w2 * np.diagonal(s, axis1=-2, axis2=-1)).sum(axis=-1)
    wtw = w2.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        c2 = off / (wtw * wtw - (w2 * w2).sum(axis=-1))
        rho = c2 * wtw * wtw / wsw
    out: FloatArray = np.where(np.isfinite(rho) & (rho > 0.0), rho, np.nan)
    return out


def model_omega(
    loadings: npt.ArrayLike, factor_variance: npt.ArrayLike, cov: npt.ArrayLike
) -> FloatArray:
    """McDonald's ω of a block from a fitted factor model and the observed covariances.

    Parameters
    ----------
    loadings
        ``(..., k)`` unstandardized loadings of the block's items on their factor.
    factor_variance
        ``(...)`` variance of the factor.
    cov
        ``(..., k, k)`` observed covariance matrix of the items (divisor N).

    Returns
    -------
    numpy.ndarray
        ``(...)`` ω.

    Notes
    -----
    .. math:: \\omega = \\frac{(\\sum_i \\lambda_i)^2 \\psi}{\\mathbf 1^\\top S \\mathbf 1}

    the share of the variance of the sum score that the factor explains, with the observed
    variance of the sum in the denominator: semTools' ``compRelSEM`` default (``obs.var =
    TRUE``; Bentler 2009).

    References
    ----------
    .. [1] McDonald, R. P. (1999). *Test Theory: A Unified Treatment*. Erlbaum.
    .. [2] Bentler, P. M. (2009). Alpha, dimension-free, and model-based internal consistency
       reliability. *Psychometrika*, 74(1), 137–143.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.full((3, 3), 0.64) + 0.36 * np.eye(3)  # the model fits exactly
    >>> round(float(model_omega([0.8, 0.8, 0.8], 1.0, S)), 6)  # 2.4² / 6.84
    0.842105
    """
    lam = np.asarray(loadings, dtype=np.float64)
    s = _square(cov)
    total = s.sum(axis=(-2, -1))
    out: FloatArray = lam.sum(axis=-1) ** 2 * np.asarray(factor_variance, dtype=np.float64) / total
    return out


def model_ave(
    loadings: npt.ArrayLike, factor_variance: npt.ArrayLike, cov: npt.ArrayLike
) -> FloatArray:
    """Average variance extracted from a fitted factor model and the observed variances.

    Notes
    -----
    .. math:: \\text{AVE} = \\frac{\\psi \\sum_i \\lambda_i^2}{\\sum_i s_{ii}}

    the explained share of the items' total observed variance, semTools' ``AVE`` (with
    standardized loadings and items it is the mean squared loading of
    :func:`average_variance_extracted`).

    Examples
    --------
    >>> import numpy as np
    >>> S = np.full((3, 3), 0.64) + 0.36 * np.eye(3)
    >>> round(float(model_ave([0.8, 0.8, 0.8], 1.0, S)), 6)
    0.64
    """
    lam = np.asarray(loadings, dtype=np.float64)
    s = _square(cov)
    trace = np.trace(s, axis1=-2, axis2=-1)
    out: FloatArray = (lam**2).sum(axis=-1) * np.asarray(factor_variance, dtype=np.float64) / trace
    return out
