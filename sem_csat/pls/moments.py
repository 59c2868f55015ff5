"""Means, standard deviations, correlations and construct scores of the indicator data.

Every quantity of a PLS fit is a function of the indicator correlation matrix
(:mod:`sem_csat.pls.engine`), so a fit needs one pass over the data for the correlations and,
when they are wanted, one more for the construct scores.  The correlations come
from one BLAS product :math:`X^\\top X` over the data as they are; the scores (and the rare
second pass of the correlations, below) walk the rows in fixed tiles of about 1 MiB copied into
a small buffer.  No data-sized temporary is ever made, so the memory a pass needs is a tile
buffer and its result; the time is that of reading the data once plus the arithmetic of
:math:`X^\\top X`.

Numerics
--------
The first pass takes the raw cross-products :math:`X^\\top X` and column sums in one BLAS call
each (no copy, no buffer) and corrects them to the mean:

.. math::

   \\bar x = \\frac{1}{n} \\sum_i x_i, \\qquad
   (n - 1)\\, S = X^\\top X - n \\bar x \\bar x^\\top .

The correction cancels digits when a mean is large against its standard deviation: the
relative error of a variance grows with :math:`c = \\sum_i x_{ik}^2 / \\sum_i (x_{ik} - \\bar
x_k)^2`.  Survey answers have :math:`c` between about 5 and 30 (a mean of 7 and a standard
deviation of 2 on a 1–10 scale give 13), which costs one or two of the sixteen digits.  When
:math:`c > 100` for any column (a correction that removes more than 99% of a sum of squares:
years, amounts with a large offset), the pass is repeated about a *shift* :math:`K`, the mean
just found (the shifted-data algorithm; Chan, Golub & LeVeque 1983), in tiles of about 1 MiB
copied into a small buffer:

.. math::

   (n - 1)\\, S = \\sum_i (x_i - K)(x_i - K)^\\top - n (\\bar x - K)(\\bar x - K)^\\top ,

which is as accurate as centring with the exact mean.  The same shifted pass is used when the
raw sums overflow (values near :math:`10^{150}`) and for data that are neither row- nor
column-contiguous (so that no data-sized copy is made).  On 1,000,000 simulated ECSI answers
the correlations agree with an extended-precision (80-bit) computation to 4e-15
(``benchmarks/bench_scale.py`` prints the figure).

The tile size depends only on the number of columns, so the same data always give the same
numbers.

References
----------
.. [1] Chan, T. F., Golub, G. H., & LeVeque, R. J. (1983). Algorithms for computing the sample
   variance: analysis and recommendations. *The American Statistician*, 37(3), 242–247.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sem_csat.errors import DataError

__all__ = [
    "DataMoments",
    "construct_scores",
    "correlation",
    "data_moments",
    "scores_from_data",
    "standardize",
]

FloatArray = npt.NDArray[np.float64]

#: Bytes of one tile of rows in a pass over the data.
TILE_BYTES = 2**20
# Repeat the pass about the mean when the shift correction removes more than this share of a
# column's sum of squares (the shift was far from the mean; digits would be lost).
_RESHIFT = 0.99
# A column whose sum of squares about the mean is at most this share of its sum of squares
# about the shift is checked for being constant, value by value.
_CONSTANT_SUSPECT = 1e-8


def tile_rows(p: int) -> int:
    """Rows per tile for data with ``p`` columns (about :data:`TILE_BYTES` of float64)."""
    return max(64, TILE_BYTES // (8 * max(p, 1)))


@dataclass(frozen=True, eq=False)
class DataMoments:
    """Sample size, means, standard deviations and correlations of a data matrix.

    Attributes
    ----------
    n_obs
        Number of rows :math:`n`.
    mean
        ``(p,)`` column means.
    sd
        ``(p,)`` column standard deviations (``ddof=1``).
    corr
        ``(p, p)`` Pearson correlation matrix, exactly symmetric with a unit diagonal.
    """

    n_obs: int
    mean: FloatArray
    sd: FloatArray
    corr: FloatArray


def _matrix(X: npt.ArrayLike) -> FloatArray:
    """``X`` as a float64 array of at least two dimensions (a view when it already is one)."""
    x = np.asarray(X, dtype=np.float64)
    if x.ndim < 2:
        raise DataError(f"The data must be a 2-d array (rows x indicators), got shape {x.shape}.")
    n = x.shape[-2]
    if n < 2:
        raise DataError(f"At least two rows of data are needed to standardize, got {n}.")
    return x


def _buffer(x: FloatArray, rows: int) -> FloatArray:
    """A ``(rows, p)`` tile buffer in the memory order of ``x`` (copies then stream)."""
    p = x.shape[1]
    if x.strides[0] < x.strides[1]:  # column-major, as pandas stores a float64 block
        return np.empty((p, rows)).T
    return np.empty((rows, p))


def _shifted_sums(x: FloatArray, shift: FloatArray, rows: int) -> tuple[FloatArray, FloatArray]:
    """:math:`\\sum_i (x_i - K)` and :math:`\\sum_i (x_i - K)(x_i - K)^\\top` over row tiles."""
    n, p = x.shape
    buf = _buffer(x, rows)
    s1 = np.zeros(p)
    s2 = np.zeros((p, p))
    for start in range(0, n, rows):
        t = buf[: min(rows, n - start)]
        np.subtract(x[start : start + rows], shift, out=t)
        s1 += t.sum(axis=0)
        s2 += t.T @ t  # a symmetric rank-k update (numpy calls syrk for a.T @ a)
    return s1, s2


def _nonfinite(x: FloatArray, s2: FloatArray) -> DataError:
    """The error for data whose sums are not finite: missing/infinite values, or overflow."""
    if not np.isfinite(x).all():
        return DataError(
            "The data contain missing or infinite values; remove or impute them first."
        )
    col = int(np.flatnonzero(~np.isfinite(np.diag(s2)))[0])
    big = float(np.abs(x[:, col]).max())
    return DataError(
        f"The values of indicator column {col} are too large (up to {big:.3g}) to compute "
        "their variance in double precision; rescale the column (e.g. divide it by a power "
        "of 10)."
    )


def data_moments(X: npt.ArrayLike) -> DataMoments:
    """Means, standard deviations and correlations of the columns of ``X`` in one pass.

    Parameters
    ----------
    X
        ``(n, p)`` data, any memory order (pandas' column-major blocks are read without a
        copy).

    Returns
    -------
    DataMoments

    Raises
    ------
    DataError
        Fewer than two rows, missing or infinite values, values too large to square, or a
        constant column.

    Notes
    -----
    See the module notes: raw cross-products corrected to the mean (again about the mean when
    that correction would cancel more than two digits);
    :math:`r_{kl} = s_{kl} / (s_k s_l)` with ``ddof=1``.

    Examples
    --------
    >>> m = data_moments([[1.0, 2.0], [2.0, 4.0], [3.0, 9.0]])
    >>> m.mean, m.sd.round(6), m.corr.round(6)
    (array([2., 5.]), array([1.      , 3.605551]), array([[1.      , 0.970725],
           [0.970725, 1.      ]]))
    """
    x = _matrix(X)
    if x.ndim != 2:
        raise DataError(f"The data must be a 2-d array (rows x indicators), got shape {x.shape}.")
    n, p = x.shape
    rows = tile_rows(p)
    contiguous = x.flags.c_contiguous or x.flags.f_contiguous
    with np.errstate(invalid="ignore", over="ignore"):  # bad values are explained below
        shift = np.zeros(p)
        if contiguous:  # one BLAS call (syrk) on the data as they are: no copy
            s1, s2 = x.sum(axis=0), x.T @ x
        if not contiguous or not np.isfinite(np.diag(s2)).all():
            shift = x[:rows].mean(axis=0)  # overflow of the raw squares, or strided data
            s1, s2 = _shifted_sums(x, shift, rows)
    if not (np.isfinite(np.diag(s2)).all() and np.isfinite(s1).all()):
        raise _nonfinite(x, s2)
    u = s1 / np.sqrt(n)  # u u^T = n d d^T with d = mean - shift, exactly symmetric
    ss = s2 - np.outer(u, u)
    about_shift = np.diag(s2)
    if np.any(np.diag(ss) < (1.0 - _RESHIFT) * about_shift):
        shift = shift + s1 / n
        with np.errstate(invalid="ignore", over="ignore"):
            s1, s2 = _shifted_sums(x, shift, rows)
        u = s1 / np.sqrt(n)
        ss = s2 - np.outer(u, u)
        about_shift = np.diag(s2)
    var = np.diag(ss) / (n - 1)
    for col in np.flatnonzero(np.diag(ss) <= _CONSTANT_SUSPECT * about_shift):
        if np.all(x[:, col] == x[0, col]) or var[col] <= 0.0:
            raise DataError(
                f"Indicator column {int(col)} is constant and cannot be standardized; drop it "
                "from the model."
            )
    sd = np.sqrt(var)
    corr = ss / (n - 1)
    corr /= sd[:, None]
    corr /= sd[None, :]
    corr = 0.5 * (corr + corr.T)
    corr[np.diag_indices(p)] = 1.0
    return DataMoments(n_obs=n, mean=shift + s1 / n, sd=sd, corr=corr)


def standardize(X: npt.ArrayLike) -> FloatArray:
    """Center every column at mean 0 and scale it to standard deviation 1 (``ddof=1``).

    Parameters
    ----------
    X
        ``(n, p)`` data, or ``(..., n, p)`` for a batch of data sets.

    Returns
    -------
    numpy.ndarray
        The standardized data, same shape.

    Raises
    ------
    DataError
        Fewer than two rows, missing or infinite values, or a constant column.

    Notes
    -----
    :math:`z_{ik} = (x_{ik} - \\bar x_k) / s_k` with the sample standard deviation
    :math:`s_k^2 = \\sum_i (x_{ik} - \\bar x_k)^2 / (n - 1)` (from :func:`data_moments`), so that
    :math:`Z^\\top Z / (n - 1)` is the correlation matrix (SmartPLS' "Mean 0, Var 1" metric).
    Weights, loadings and paths do not depend on the divisor; only the scale of
    :func:`construct_scores` does (unit variance with ``ddof=1``).

    Examples
    --------
    >>> standardize([[1.0, 2.0], [2.0, 4.0], [3.0, 9.0]]).round(4)
    array([[-1.    , -0.8321],
           [ 0.    , -0.2774],
           [ 1.    ,  1.1094]])
    """
    x = _matrix(X)
    if x.ndim > 2:
        flat = x.reshape(-1, *x.shape[-2:])
        return np.stack([standardize(part) for part in flat]).reshape(x.shape)
    m = data_moments(x)
    z: FloatArray = np.subtract(x, m.mean)
    z /= m.sd
    return z


def correlation(X: npt.ArrayLike) -> FloatArray:
    """Return the Pearson correlation matrix of the columns of ``X``.

    Parameters
    ----------
    X
        ``(n, p)`` raw or standardized data, or ``(..., n, p)`` for a batch.

    Returns
    -------
    numpy.ndarray
        ``(p, p)`` (or ``(..., p, p)``) symmetric matrix with an exact unit diagonal.

    Raises
    ------
    DataError
        As :func:`standardize`.

    Notes
    -----
    :math:`R = D^{-1} S D^{-1}` with the covariance matrix :math:`S` and standard deviations
    :math:`D` of :func:`data_moments` (one pass over the data); the same as
    :math:`Z^\\top Z / (n - 1)` with :math:`Z` = :func:`standardize` ``(X)``.  A batch is
    computed matrix by matrix, so an element gets the same numbers as when given alone.

    Examples
    --------
    >>> correlation([[1.0, 2.0], [2.0, 4.0], [3.0, 9.0]]).round(6)
    array([[1.      , 0.970725],
           [0.970725, 1.      ]])

    the same value as ``numpy.corrcoef`` and R's ``cor``.
    """
    x = _matrix(X)
    if x.ndim > 2:
        flat = x.reshape(-1, *x.shape[-2:])
        return np.stack([data_moments(part).corr for part in flat]).reshape(
            *x.shape[:-2], x.shape[-1], x.shape[-1]
        )
    return data_moments(x).corr


def construct_scores(X_std: npt.ArrayLike, weights: npt.ArrayLike) -> FloatArray:
    """Return construct scores :math:`Y = Z W` from standardized data and outer weights.

    Parameters
    ----------
    X_std
        ``(..., n, p)`` standardized indicators (:func:`standardize`).
    weights
        ``(..., p, J)`` outer weights (:attr:`PLSEstimate.weights
        <sem_csat.pls.engine.PLSEstimate.weights>`).

    Returns
    -------
    numpy.ndarray
        ``(..., n, J)`` scores with mean 0 and variance 1 (``ddof=1``).
    """
    y: FloatArray = np.matmul(
        np.asarray(X_std, dtype=np.float64), np.asarray(weights, dtype=np.float64)
    )
    return y


def scores_from_data(
    X: npt.ArrayLike, weights: npt.ArrayLike, moments: DataMoments | None = None
) -> FloatArray:
    """Construct scores :math:`Y = Z W` from the raw data, in one pass without forming :math:`Z`.

    Parameters
    ----------
    X
        ``(n, p)`` raw indicator data.
    weights
        ``(p, J)`` outer weights.
    moments
        :func:`data_moments` of ``X`` when already known (saves a pass).

    Returns
    -------
    numpy.ndarray
        ``(n, J)`` scores, equal to ``construct_scores(standardize(X), weights)`` up to the
        rounding of the matrix product; the only data-sized allocation is the result.
    """
    x = _matrix(X)
    if x.ndim != 2:
        raise DataError(f"The data must be a 2-d array (rows x indicators), got shape {x.shape}.")
    m = moments if moments is not None else data_moments(x)
    w = np.asarray(weights, dtype=np.float64)
    n = x.shape[0]
    rows = tile_rows(x.shape[1])
    buf = _buffer(x, rows)
    out = np.empty((n, w.shape[1]))
    for start in range(0, n, rows):
        t = buf[: min(rows, n - start)]
        np.subtract(x[start : start + rows], m.mean, out=t)
        t /= m.sd
        np.matmul(t, w, out=out[start : start + rows])
    return out
