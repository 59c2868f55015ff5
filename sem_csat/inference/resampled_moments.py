"""Moments of a batch of bootstrap replicates from their draw counts, in one matrix product.

With the data centred and scaled by the full-sample means and standard deviations (:math:`Z`)
and the counts :math:`C` (``c × n``), the weighted sums of a chunk of replicates are
:math:`C [Z \\mid P]`, where the ``n × p(p+1)/2`` matrix :math:`P` holds the row-wise products
:math:`z_{ik} z_{il}`, :math:`k \\le l`.  No resampled data set is ever formed.  BLAS may round a
row of a product differently depending on the shape of the call, so the product runs on fixed
tiles of 64 replicates (replicate ``b`` always in row ``b mod 64``): a replicate's moments are
bit-identical whatever chunk or worker computes them.  The leave-one-out moments of the BCa
jackknife come from the same sums less one respondent.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

__all__ = ["Moments", "leave_one_out_moments", "moments_from_counts", "moments_of_counts"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# An item counts as constant in a replicate when its variance is at most this share of its
# mean square about the full-sample mean (rounding leaves ~1e-16 in a truly constant column).
_CONSTANT_RTOL = 1e-10
_BLOCK_BYTES = 16 * 2**20
_TILE = 64


@dataclass(frozen=True, eq=False)
class Moments:
    """Weighted moments of the data for a batch of ``c`` replicates.

    Attributes
    ----------
    counts
        ``(c, n)`` how often each respondent is in the replicate (its weight).
    n_obs
        ``(c,)`` size of each replicate, :math:`n_b = \\sum_i c_{bi}`.
    mean
        ``(c, p)`` item means, in the units of the data.
    sd
        ``(c, p)`` item standard deviations (``ddof=1``), in the units of the data.
    corr
        ``(c, p, p)`` item correlation matrices; rows and columns of a constant item are NaN.
    constant
        ``(c, p)`` True where an item is (numerically) constant in the replicate.

    Notes
    -----
    With weights :math:`c_{bi}`, :math:`\\bar x_b = \\sum_i c_{bi} x_i / n_b` and
    :math:`S_b = \\sum_i c_{bi} (x_i - \\bar x_b)(x_i - \\bar x_b)^\\top / (n_b - 1)`: exactly
    the sample moments of the data set that repeats respondent :math:`i` :math:`c_{bi}` times.
    """

    counts: FloatArray
    n_obs: FloatArray
    mean: FloatArray
    sd: FloatArray
    corr: FloatArray
    constant: BoolArray

    @property
    def size(self) -> int:
        """Number of replicates ``c`` in the batch."""
        return int(self.n_obs.shape[0])

    @cached_property
    def cov(self) -> FloatArray:
        """``(c, p, p)`` covariance matrices (``ddof=1``), in the units of the data."""
        cov: FloatArray = self.corr * self.sd[:, :, None] * self.sd[:, None, :]
        return cov


def _standardize(x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Full-sample centre and scale (1 for a constant column) and the scaled data."""
    centre = x.mean(axis=0)
    scale = x.std(axis=0, ddof=1)
    scale = np.where(scale > 0.0, scale, 1.0)
    return centre, scale, (x - centre) / scale


def _products(zb: FloatArray) -> FloatArray:
    """``[Z | P]`` for a block of rows: the data and their pairwise products (``k <= l``)."""
    i0, i1 = np.triu_indices(zb.shape[1])
    return np.hstack([zb, zb[:, i0] * zb[:, i1]])


def _weighted_sums(
    z: FloatArray, weights: FloatArray, first: int = 0
) -> tuple[FloatArray, FloatArray]:
    """``(weights @ Z, weights @ P)``, row ``r`` belonging to replicate ``first + r``.

    The products are formed in blocks of respondents (at most ``_BLOCK_BYTES`` each).  The
    matrix products run on fixed tiles of ``_TILE`` replicates, replicate ``b`` always in row
    ``b % _TILE`` (missing rows are zero): BLAS may round a row differently depending on the
    shape of the call and the row's place in it, and fixed tiles make every replicate's sums
    bit-identical whatever chunk it is computed in.
    """
    n, p = z.shape
    c = weights.shape[0]
    width = p + p * (p + 1) // 2
    rows = max(1, _BLOCK_BYTES // (8 * width))
    lead = first % _TILE
    n_tiles = -(-(lead + c) // _TILE)
    padded = np.zeros((n_tiles * _TILE, n))
    padded[lead : lead + c] = weights
    out = np.zeros((n_tiles * _TILE, width))
    for start in range(0, n, rows):
        block = _products(z[start : start + rows])
        for t in range(0, n_tiles * _TILE, _TILE):
            out[t : t + _TILE] += padded[t : t + _TILE, start : start + rows] @ block
    out = out[lead : lead + c]
    return out[:, :p], out[:, p:]


def _column_sums(z: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Column sums of ``Z`` and of ``P`` (over all respondents)."""
    n, p = z.shape
    width = p + p * (p + 1) // 2
    rows = max(1, _BLOCK_BYTES // (8 * width))
    out = np.zeros(width)
    for start in range(0, n, rows):
        out += _products(z[start : start + rows]).sum(axis=0)
    return out[:p], out[p:]


def _finish(
    counts: FloatArray,
    sums: FloatArray,
    pair_sums: FloatArray,
    centre: FloatArray,
    scale: FloatArray,
) -> Moments:
    """Moments from the weighted sums of the scaled data and of its pairwise products.

    ``pair_sums`` holds the upper triangle (``numpy.triu_indices`` order); the covariances and
    correlations are computed on that triangle and expanded to full, exactly symmetric
    matrices with one ``take`` at the end.
    """
    c, p = sums.shape
    i0, i1 = np.triu_indices(p)
    tri = np.zeros((p, p), dtype=np.intp)
    tri[i0, i1] = np.arange(i0.size)
    tri[i1, i0] = tri[i0, i1]
    idx = np.arange(p)
    diag = tri[idx, idx]
    n_b = counts.sum(axis=1)
    mean_z = sums / n_b[:, None]
    u = sums / np.sqrt(n_b)[:, None]  # u u^T = n_b mean mean^T
    # few temporaries: fresh memory for each would cost page faults on every chunk
    cov = np.take(u, i0, axis=1)
    cov *= np.take(u, i1, axis=1)
    np.subtract(pair_sums, cov, out=cov)
    cov /= (n_b - 1.0)[:, None]
    var = cov[:, diag]
    constant = var <= _CONSTANT_RTOL * pair_sums[:, diag] / n_b[:, None]
    sd_z = np.sqrt(np.where(constant, 0.0, var))
    inv = np.where(constant, np.nan, 1.0 / np.where(constant, 1.0, sd_z))
    scale_pairs = np.take(inv, i0, axis=1)
    scale_pairs *= np.take(inv, i1, axis=1)
    cov *= scale_pairs
    corr = np.take(cov, tri.reshape(-1), axis=1).reshape(c, p, p)
    corr[:, idx, idx] = np.where(constant, np.nan, 1.0)
    return Moments(
        counts=counts,
        n_obs=n_b,
        mean=centre + scale * mean_z,
        sd=scale * sd_z,
        corr=corr,
        constant=constant,
    )


def moments_from_counts(X: npt.ArrayLike, counts: npt.ArrayLike, *, first: int = 0) -> Moments:
    """Moments of the replicates given by draw counts (one row per replicate).

    Parameters
    ----------
    X
        ``(n, p)`` data without missing values.
    counts
        ``(c, n)`` non-negative counts (or weights) per replicate and respondent; each row must
        sum to at least 2.
    first
        Number of the replicate in the first row (default 0).  Row ``r`` is computed in row
        ``(first + r) % 64`` of a fixed tile, so that a replicate's moments are bit-identical
        whatever chunk it is computed in (see the module notes); pass the replicate number of
        the first row when a run is split into chunks.

    Returns
    -------
    Moments

    Notes
    -----
    With :math:`Z = (X - \\bar x) / s` (full-sample mean and standard deviation), the sums
    :math:`C Z` and :math:`C P` (:math:`P` the row-wise products :math:`z_{ik} z_{il}`,
    :math:`k \\le l`) give :math:`S^Z_b = (C P - n_b \\bar z_b \\bar z_b^\\top) / (n_b - 1)`,
    from which the correlations follow.  Centring first keeps the subtraction well conditioned
    (resample means of :math:`Z` are close to 0).  Cost :math:`O(c\\, n\\, p^2 / 2)` in one
    matrix product (on fixed tiles of replicates, see the module notes).

    Examples
    --------
    Counts ``[2, 1, 0, 1]`` are the data set with the first row twice and the third row left out:

    >>> X = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 5.0], [4.0, 3.0]])
    >>> m = moments_from_counts(X, [[2, 1, 0, 1]])
    >>> bool(np.allclose(m.corr[0], np.corrcoef(X[[0, 0, 1, 3]].T)))
    True
    """
    return moments_of_counts(np.asarray(X, dtype=np.float64), counts, int(first))


def moments_of_counts(x: FloatArray, counts: npt.ArrayLike, first: int) -> Moments:
    weights = np.asarray(counts, dtype=np.float64).reshape(-1, x.shape[0])
    centre, scale, z = _standardize(x)
    sums, pair_sums = _weighted_sums(z, weights, first)
    return _finish(weights, sums, pair_sums, centre, scale)


def leave_one_out_moments(X: npt.ArrayLike, rows: npt.ArrayLike) -> Moments:
    """Moments of the data without one respondent, for each of ``rows`` (the jackknife).

    The same as :func:`moments_from_counts` with counts of all ones and a zero at the left-out
    row, computed in :math:`O(c\\, p^2)` by subtracting that row from the full-sample sums.
    """
    x = np.asarray(X, dtype=np.float64)
    left_out = np.asarray(rows, dtype=np.intp).reshape(-1)
    n, p = x.shape
    centre, scale, z = _standardize(x)
    i0, i1 = np.triu_indices(p)
    counts = np.ones((left_out.size, n))
    counts[np.arange(left_out.size), left_out] = 0.0
    zl = z[left_out]
    total, pair_total = _column_sums(z)
    sums = total - zl
    pair_sums = pair_total - zl[:, i0] * zl[:, i1]
    return _finish(counts, sums, pair_sums, centre, scale)
