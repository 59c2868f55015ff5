"""Bootstrap interval estimates and summaries of replicate statistics: percentile and BCa
intervals (Efron 1987; the acceleration from the jackknife), the bootstrap mean, standard
error, t and p of each column (:func:`summarize`).

References
----------
Efron, B. (1987). Better bootstrap confidence intervals. *Journal of the American Statistical
Association*, 82(397), 171–185.
Davison, A. C., & Hinkley, D. V. (1997). *Bootstrap methods and their application*. Cambridge
University Press.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "MIN_JACKKNIFE",
    "MIN_OK",
    "SUMMARY_COLUMNS",
    "bca_interval",
    "bias_correction",
    "jackknife_acceleration",
    "percentile_interval",
    "summarize",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Fewest successful replicates for a standard error; with fewer, summaries are NaN.
MIN_OK: Final = 2
#: Fewest successful leave-one-out fits for the BCa acceleration.
MIN_JACKKNIFE: Final = 3
#: Columns of :meth:`BootstrapReplicates.summary` (and of :func:`summarize`).
SUMMARY_COLUMNS: Final = (
    "estimate",
    "boot_mean",
    "std_error",
    "t_value",
    "p_value",
    "ci_lower",
    "ci_upper",
    "bca_lower",
    "bca_upper",
)


def percentile_interval(
    samples: npt.ArrayLike, conf: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Percentile bootstrap interval of each column of ``samples``.

    Parameters
    ----------
    samples
        ``(B, k)`` successful replicates.
    conf
        Confidence level, between 0 and 1.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lower, upper)``, each ``(k,)``: the :math:`\\alpha/2` and :math:`1 - \\alpha/2`
        sample quantiles, :math:`\\alpha = 1 - \\text{conf}` (linear interpolation, R's type 7,
        as seminr).

    Examples
    --------
    >>> percentile_interval(np.arange(101.0)[:, None], 0.9)
    (array([5.]), array([95.]))
    """
    s = np.asarray(samples, dtype=np.float64)
    if s.shape[0] == 0:
        nan = np.full(s.shape[1:], np.nan)
        return nan, nan.copy()
    return _percentile_sorted(np.sort(s, axis=0), conf)


def _percentile_sorted(ordered: FloatArray, conf: float) -> tuple[FloatArray, FloatArray]:
    """:func:`percentile_interval` of replicates already sorted column by column."""
    alpha = (1.0 - conf) / 2.0
    k = ordered.shape[1:]
    lower = _column_quantiles(ordered, np.full(k, alpha))
    upper = _column_quantiles(ordered, np.full(k, 1.0 - alpha))
    return lower, upper


def bias_correction(samples: npt.ArrayLike, estimate: npt.ArrayLike) -> FloatArray:
    """BCa bias correction :math:`\\hat z_0` of each column.

    :math:`\\hat z_0 = \\Phi^{-1}\\big((\\#\\{\\hat\\theta^*_b < \\hat\\theta\\} +
    \\tfrac12 \\#\\{\\hat\\theta^*_b = \\hat\\theta\\}) / B\\big)`; ties count half, so that
    replicates that all equal the estimate give :math:`\\hat z_0 = 0`.  It is :math:`\\pm\\infty`
    when every replicate lies on one side of the estimate.
    """
    from scipy.special import ndtri

    s = np.asarray(samples, dtype=np.float64)
    est = np.asarray(estimate, dtype=np.float64)
    share = ((s < est).sum(axis=0) + 0.5 * (s == est).sum(axis=0)) / s.shape[0]
    z0: FloatArray = ndtri(share)
    return z0


def jackknife_acceleration(values: npt.ArrayLike) -> FloatArray:
    """BCa acceleration :math:`\\hat a` of each column from leave-one-out estimates.

    Parameters
    ----------
    values
        ``(n, k)`` estimates :math:`\\hat\\theta_{(i)}` without respondent :math:`i`.

    Returns
    -------
    numpy.ndarray
        ``(k,)`` :math:`\\hat a = \\sum_i d_i^3 / \\big(6 (\\sum_i d_i^2)^{3/2}\\big)` with
        :math:`d_i = \\bar\\theta_{(\\cdot)} - \\hat\\theta_{(i)}` (Efron & Tibshirani 1993,
        eq. 14.15); 0 where all :math:`d_i` are 0.

    Examples
    --------
    Leave-one-out values 0, 0, 3 have :math:`d = (1, 1, -2)`, so
    :math:`\\hat a = -6 / (6 \\cdot 6^{3/2}) = -0.0680`:

    >>> jackknife_acceleration([[0.0], [0.0], [3.0]]).round(4)
    array([-0.068])
    """
    v = np.asarray(values, dtype=np.float64)
    d = v.mean(axis=0) - v
    s2 = (d * d).sum(axis=0)
    s3 = (d * d * d).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = s3 / (6.0 * s2**1.5)
    out: FloatArray = np.where(s2 > 0.0, a, 0.0)
    return out


def _column_quantiles(ordered: FloatArray, q: FloatArray) -> FloatArray:
    """Type-7 quantile ``q[j]`` of each sorted column ``ordered[:, j]`` (NaN where q is NaN)."""
    n = ordered.shape[0]
    ok = np.isfinite(q)
    h = (n - 1) * np.where(ok, np.clip(q, 0.0, 1.0), 0.0)
    lo = np.floor(h).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    frac = h - lo
    a = np.take_along_axis(ordered, lo[None, :], axis=0)[0]
    b = np.take_along_axis(ordered, hi[None, :], axis=0)[0]
    out: FloatArray = np.where(ok, a + frac * (b - a), np.nan)
    return out


def bca_interval(
    samples: npt.ArrayLike,
    estimate: npt.ArrayLike,
    acceleration: npt.ArrayLike,
    conf: float = 0.95,
) -> tuple[FloatArray, FloatArray]:
    """Bias-corrected and accelerated (BCa) bootstrap interval of each column.

    Parameters
    ----------
    samples
        ``(B, k)`` successful replicates.
    estimate
        ``(k,)`` full-sample estimates :math:`\\hat\\theta`.
    acceleration
        ``(k,)`` :math:`\\hat a`, usually :func:`jackknife_acceleration`.
    conf
        Confidence level.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lower, upper)``; NaN where :math:`\\hat z_0` is infinite (all replicates on one side
        of the estimate) or the adjusted level is undefined
        (:math:`1 - \\hat a (\\hat z_0 + z_\\alpha) \\le 0`).

    Notes
    -----
    With :math:`\\hat z_0` from :func:`bias_correction` and :math:`z_\\alpha = \\Phi^{-1}(\\alpha)`,
    the interval's end points are the :math:`\\alpha_1` and :math:`\\alpha_2` quantiles of the
    replicates (Efron 1987; Efron & Tibshirani 1993, §14.3, eq. 14.10):

    .. math::

        \\alpha_1 = \\Phi\\Big(\\hat z_0 + \\frac{\\hat z_0 + z_{\\alpha/2}}
                     {1 - \\hat a (\\hat z_0 + z_{\\alpha/2})}\\Big), \\qquad
        \\alpha_2 = \\Phi\\Big(\\hat z_0 + \\frac{\\hat z_0 + z_{1-\\alpha/2}}
                     {1 - \\hat a (\\hat z_0 + z_{1-\\alpha/2})}\\Big).

    With :math:`\\hat z_0 = \\hat a = 0` this is the percentile interval.

    References
    ----------
    .. [1] Efron, B. (1987). Better bootstrap confidence intervals. *Journal of the American
       Statistical Association*, 82(397), 171–185.
    .. [2] Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*, ch. 14.
       New York: Chapman & Hall.
    """

    s = np.asarray(samples, dtype=np.float64)
    if s.shape[0] == 0:
        nan = np.full(s.shape[1:], np.nan)
        return nan, nan.copy()
    return _bca_sorted(s, np.sort(s, axis=0), estimate, acceleration, conf)


def _bca_sorted(
    s: FloatArray,
    ordered: FloatArray,
    estimate: npt.ArrayLike,
    acceleration: npt.ArrayLike,
    conf: float,
) -> tuple[FloatArray, FloatArray]:
    """:func:`bca_interval` given the replicates ``s`` and the same sorted column by column."""
    from scipy.special import ndtr, ndtri

    est = np.asarray(estimate, dtype=np.float64)
    a = np.asarray(acceleration, dtype=np.float64)
    z0 = bias_correction(s, est)
    alpha = (1.0 - conf) / 2.0
    bounds = []
    for z in (ndtri(alpha), ndtri(1.0 - alpha)):
        num = z0 + z
        with np.errstate(divide="ignore", invalid="ignore"):
            den = 1.0 - a * num
            level = ndtr(z0 + num / den)
        level = np.where(np.isfinite(z0) & (den > 0.0), level, np.nan)
        bounds.append(_column_quantiles(ordered, level))
    return bounds[0], bounds[1]


def summarize(
    estimate: npt.ArrayLike,
    samples: npt.ArrayLike,
    jackknife: npt.ArrayLike | None = None,
    conf: float = 0.95,
) -> pd.DataFrame:
    """Bootstrap summary of each component of a statistic.

    Parameters
    ----------
    estimate
        ``(k,)`` full-sample estimates.
    samples
        ``(B, k)`` successful replicates.
    jackknife
        ``(m, k)`` successful leave-one-out estimates for the BCa acceleration; without them
        (or with fewer than 3) the BCa bounds are NaN.
    conf
        Confidence level of both intervals.

    Returns
    -------
    pandas.DataFrame
        One row per component, columns :data:`SUMMARY_COLUMNS`.

    Notes
    -----
    * ``boot_mean`` :math:`\\bar\\theta^* = \\sum_b \\hat\\theta^*_b / B`; ``std_error``
      :math:`\\operatorname{se} = \\sqrt{\\sum_b (\\hat\\theta^*_b - \\bar\\theta^*)^2 / (B - 1)}`;
    * ``t_value`` :math:`t = \\hat\\theta / \\operatorname{se}` and the two-sided ``p_value``
      :math:`2 P(T_{B-1} > |t|)` from Student's t distribution with :math:`B - 1` degrees of
      freedom, as SmartPLS does (with thousands of resamples this is the normal p-value);
      both NaN when :math:`\\operatorname{se} = 0`;
    * ``ci_lower``, ``ci_upper``: :func:`percentile_interval`; ``bca_lower``, ``bca_upper``:
      :func:`bca_interval` with :func:`jackknife_acceleration`.

    With fewer than :data:`MIN_OK` replicates everything but the estimate (and the mean of a
    single replicate) is NaN.
    """
    from scipy.special import stdtr

    est = np.asarray(estimate, dtype=np.float64).reshape(-1)
    s = np.asarray(samples, dtype=np.float64)
    s = s.reshape(s.shape[0], est.size)
    nb, k = s.shape
    nan = np.full(k, np.nan)
    out: dict[str, FloatArray] = {name: nan.copy() for name in SUMMARY_COLUMNS}
    out["estimate"] = est
    if nb >= 1:
        out["boot_mean"] = s.mean(axis=0)
    if nb >= MIN_OK:
        se = s.std(axis=0, ddof=1)
        out["std_error"] = se
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(se > 0.0, est / se, np.nan)
        out["t_value"] = t
        out["p_value"] = np.where(np.isfinite(t), 2.0 * stdtr(nb - 1, -np.abs(t)), np.nan)
        ordered = np.sort(s, axis=0)  # one sort for both intervals
        out["ci_lower"], out["ci_upper"] = _percentile_sorted(ordered, conf)
        jack = None if jackknife is None else np.asarray(jackknife, dtype=np.float64)
        if jack is not None and jack.shape[0] >= MIN_JACKKNIFE:
            a = jackknife_acceleration(jack.reshape(jack.shape[0], k))
            out["bca_lower"], out["bca_upper"] = _bca_sorted(s, ordered, est, a, conf)
    return pd.DataFrame(out, columns=list(SUMMARY_COLUMNS))
