"""Nonparametric bootstrap of estimators that work on the moments of the data.

The machinery here knows nothing of PLS or CB-SEM.  An engine supplies a *replicate function*
that turns a batch of :class:`Moments` (item means, standard deviations and correlations of
many resamples at once) into named statistics; :func:`run_bootstrap` draws the resamples, runs
the replicate function on chunks of them (serially or through :mod:`joblib` on several cores or
a Dask cluster), keeps only the statistics, and returns a :class:`BootstrapReplicates` that
summarizes them: bootstrap mean, standard error, t, p and percentile and BCa intervals.

Resamples and reproducibility
-----------------------------
A replicate is a vector of *counts*: how often each respondent is drawn (a multinomial with
``n`` draws).  Replicate ``b`` draws its ``n`` row indices from its own generator
``numpy.random.default_rng(children[b])`` with ``children = SeedSequence(seed).spawn(n_boot)``
(built directly as ``SeedSequence(entropy, spawn_key=(*spawn_key, b))``, which is the same
thing and never touches the caller's object), so a replicate's numbers do not depend on the
chunk it lands in, the number of workers or the parallel backend.  The seed (the root entropy)
is recorded; without a seed, fresh entropy is drawn and recorded so the run can be repeated.
:func:`bootstrap_indices` gives the row indices of any replicate, for checks and for engines
that need the resampled data themselves.

Moments of a whole chunk of replicates come from one matrix product: with the data centred
and scaled by the full-sample means and standard deviations (:math:`Z`) and the counts
:math:`C` (``c × n``), the weighted sums are :math:`C [Z \\mid P]`, where the ``n ×
p(p+1)/2`` matrix :math:`P` holds the row-wise products :math:`z_{ik} z_{il}`, :math:`k \\le l`
(:func:`moments_from_counts`).  No resampled data set is ever formed, and only the statistics
(``B × k`` numbers) are kept.  BLAS may round a row of a product differently depending on the
shape of the call, so the product runs on fixed tiles of 64 replicates (replicate ``b`` always
in row ``b mod 64``); with the batch-invariant PLS engine this makes every replicate
bit-identical whatever chunk, worker or backend computes it.

Parallel runs
-------------
Chunks go through :class:`joblib.Parallel`: ``n_jobs=1`` runs in the calling process,
``n_jobs=-1`` on all cores (loky processes), and ``n_jobs=None`` takes the backend and its size
from an enclosing ``joblib.parallel_backend`` (or ``parallel_config``) block, e.g. a Dask
cluster::

    from dask.distributed import Client
    client = Client("tcp://scheduler:8786")
    with joblib.parallel_backend("dask"):
        boot = run_bootstrap(fn, X, 5000, seed=1, n_jobs=None)

A progress bar (tqdm, on stderr) follows the chunks as they finish.

Failed replicates
-----------------
A replicate fails when an item is constant in it (its correlations are undefined), when the
replicate function says so (non-convergence, singular matrices; the reason is recorded) or when
it returns non-finite numbers.  Failed replicates are counted by reason, kept as NaN rows and
left out of every summary; :meth:`BootstrapReplicates.diagnostics` turns them into
:class:`~sem_csat.diagnostics.Diagnostic` records of category
:class:`~sem_csat.errors.BootstrapFailureWarning`.

Examples
--------
The mean of one variable and its correlation with another, read off the moments:

>>> import numpy as np
>>> x = np.random.default_rng(1).normal(size=(60, 2)) @ [[1.0, 0.5], [0.0, 1.0]]
>>> def stats(m):
...     ok = np.full(m.size, "", dtype=object)  # no replicate fails
...     return ReplicateOutput({"mean": m.mean[:, :1], "r": m.corr[:, 0, 1:2]}, ok)
>>> boot = run_bootstrap(stats, x, 2000, seed=42, progress=False)
>>> boot.n_ok, boot.seed
(2000, 42)
>>> cols = ["estimate", "std_error", "ci_lower", "ci_upper", "bca_lower", "bca_upper"]
>>> boot.summary("r")[cols].round(3)
   estimate  std_error  ci_lower  ci_upper  bca_lower  bca_upper
0     0.553      0.118     0.278     0.753      0.297      0.762

The bootstrap standard error of a mean is close to the textbook :math:`s / \\sqrt n`:

>>> se = boot.summary("mean")["std_error"].iloc[0]
>>> round(float(se), 3), round(float(x[:, 0].std(ddof=1) / np.sqrt(60)), 3)
(0.108, 0.113)
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final, Literal, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import BootstrapFailureWarning, DataError, EstimationError, UsageError

__all__ = [
    "CONSTANT_ITEM",
    "MIN_OK",
    "NONFINITE",
    "NOT_CONVERGED",
    "SUMMARY_COLUMNS",
    "BootstrapFacts",
    "BootstrapReplicates",
    "Moments",
    "ReplicateFunction",
    "ReplicateOutput",
    "bca_interval",
    "bias_correction",
    "bootstrap_indices",
    "jackknife_acceleration",
    "leave_one_out_moments",
    "moments_from_counts",
    "parallel_map",
    "percentile_interval",
    "progress_bar",
    "replicate_rng",
    "run_bootstrap",
    "seed_sequence",
    "summarize",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]
SeedLike = int | np.random.SeedSequence | None

#: Failure reason of a replicate in which an item has (numerically) zero variance.
CONSTANT_ITEM: Final = "constant item in resample"
#: Failure reason for an iterative estimator that stopped before converging.
NOT_CONVERGED: Final = "not converged"
#: Failure reason of a replicate reported as fine but with NaN or infinite statistics.
NONFINITE: Final = "non-finite statistic"
#: Fewest successful replicates for a standard error; with fewer, summaries are NaN.
MIN_OK: Final = 2
#: Fewest successful leave-one-out fits for the BCa acceleration.
MIN_JACKKNIFE: Final = 3
#: Fewer successful replicates than this get an (informational) diagnostic about interval noise.
RECOMMENDED_OK: Final = 1000
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

# An item counts as constant in a replicate when its variance is at most this share of its
# mean square about the full-sample mean (rounding leaves ~1e-16 in a truly constant column).
_CONSTANT_RTOL = 1e-10
# Working memory of one chunk and of one block of the row-product matrix, in bytes.
_CHUNK_BYTES = 64 * 2**20
_BLOCK_BYTES = 16 * 2**20
_MAX_CHUNK = 1000
_TILE = 64
_MIN_CHUNK = 100


# --------------------------------------------------------------------------------------------
# seeds and resamples


def seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    """Return the root :class:`numpy.random.SeedSequence` of a bootstrap run.

    ``None`` draws fresh entropy from the operating system (recorded in ``.entropy`` so that the
    run can be repeated); an integer ``>= 0`` or a ``SeedSequence`` is used as is.
    """
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, int | np.integer) and not isinstance(seed, bool) and int(seed) >= 0:
        return np.random.SeedSequence(int(seed))
    raise UsageError(
        f"seed must be a non-negative integer, a numpy SeedSequence or None; got {seed!r}."
    )


def replicate_rng(root: np.random.SeedSequence, b: int) -> np.random.Generator:
    """Generator of replicate ``b``: ``default_rng(root.spawn(B)[b])`` for a fresh root.

    Built from ``SeedSequence(root.entropy, spawn_key=(*root.spawn_key, b))``, so it neither
    depends on nor changes ``root``'s spawn counter; every resampling scheme (bootstrap,
    permutations) draws replicate ``b`` from it, whatever chunk or worker computes it.
    """
    child = np.random.SeedSequence(
        root.entropy, spawn_key=(*root.spawn_key, b), pool_size=root.pool_size
    )
    return np.random.default_rng(child)


def bootstrap_indices(
    seed: int | np.random.SeedSequence, n_obs: int, replicates: Iterable[int]
) -> IntArray:
    """Row indices drawn by the given replicates of a run with this seed.

    Parameters
    ----------
    seed
        The recorded seed of the run (:attr:`BootstrapReplicates.seed`) or its root sequence.
    n_obs
        Number of respondents :math:`n`.
    replicates
        Replicate numbers ``b`` (0-based).

    Returns
    -------
    numpy.ndarray
        ``(len(replicates), n_obs)`` row indices; row ``b`` is
        ``default_rng(SeedSequence(seed).spawn(B)[b]).integers(0, n_obs, n_obs)``.

    Examples
    --------
    >>> rows = bootstrap_indices(7, 5, [0, 1])
    >>> rows
    array([[1, 3, 1, 0, 4],
           [3, 2, 1, 0, 2]])
    >>> child = np.random.SeedSequence(7).spawn(2)[1]
    >>> bool((np.random.default_rng(child).integers(0, 5, 5) == rows[1]).all())
    True
    """
    root = seed_sequence(seed)
    rows = [replicate_rng(root, int(b)).integers(0, n_obs, size=n_obs) for b in replicates]
    return np.array(rows, dtype=np.intp).reshape(len(rows), n_obs)


def _bootstrap_counts(
    root: np.random.SeedSequence, n_obs: int, start: int, stop: int
) -> FloatArray:
    """``(stop - start, n_obs)`` draw counts of replicates ``start, ..., stop - 1``."""
    counts = np.empty((stop - start, n_obs))
    for row, b in enumerate(range(start, stop)):
        idx = replicate_rng(root, b).integers(0, n_obs, size=n_obs)
        counts[row] = np.bincount(idx, minlength=n_obs)
    return counts


# --------------------------------------------------------------------------------------------
# moments of a batch of replicates


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

    ``pair_sums`` holds the upper triangle (``numpy.triu_indices`` order); it is expanded to
    full matrices with one ``take`` and the rest is done in place on ``(c, p, p)`` arrays,
    keeping every matrix exactly symmetric.
    """
    c, p = sums.shape
    i0, i1 = np.triu_indices(p)
    tri = np.zeros((p, p), dtype=np.intp)
    tri[i0, i1] = np.arange(i0.size)
    tri[i1, i0] = tri[i0, i1]
    n_b = counts.sum(axis=1)
    mean_z = sums / n_b[:, None]
    cov = np.take(pair_sums, tri.reshape(-1), axis=1).reshape(c, p, p)
    u = sums / np.sqrt(n_b)[:, None]  # u u^T = n_b mean mean^T, exactly symmetric
    cov -= u[:, :, None] * u[:, None, :]
    cov /= (n_b - 1.0)[:, None, None]
    idx = np.arange(p)
    var = cov[:, idx, idx]
    constant = var <= _CONSTANT_RTOL * pair_sums[:, tri[idx, idx]] / n_b[:, None]
    sd_z = np.sqrt(np.where(constant, 0.0, var))
    inv = np.where(constant, np.nan, 1.0 / np.where(constant, 1.0, sd_z))
    corr = cov
    corr *= inv[:, :, None] * inv[:, None, :]
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
    return _moments_from_counts(np.asarray(X, dtype=np.float64), counts, int(first))


def _moments_from_counts(x: FloatArray, counts: npt.ArrayLike, first: int) -> Moments:
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


# --------------------------------------------------------------------------------------------
# replicate functions


@dataclass(frozen=True, eq=False)
class ReplicateOutput:
    """What a replicate function returns for a batch of ``c`` replicates.

    Attributes
    ----------
    stats
        Named statistics, each ``(c, k_name)`` (``k_name`` fixed for a name).  Rows of failed
        replicates may hold anything; they are replaced by NaN.
    failure
        ``(c,)`` strings: ``""`` for a successful replicate, otherwise the reason it failed
        (such as :data:`NOT_CONVERGED` or an engine's error message).  Replicates with a
        constant item are marked :data:`CONSTANT_ITEM` by :func:`run_bootstrap` itself.
    partial
        Names of statistics that may be undefined (NaN) in a replicate without making the
        replicate fail (e.g. an index score whose weights turn negative in a resample); they are
        summarized component by component over the replicates where they are finite.
    """

    stats: Mapping[str, npt.ArrayLike]
    failure: npt.ArrayLike
    partial: frozenset[str] = frozenset()


class ReplicateFunction(Protocol):
    """Turns the moments of a batch of replicates into statistics (see :class:`ReplicateOutput`).

    It must be a pure function of the moments (the same moments give the same numbers, whatever
    else is in the batch) and picklable when run on several workers (a module-level function or
    an instance of a module-level class).
    """

    def __call__(self, moments: Moments, /) -> ReplicateOutput: ...


@dataclass(frozen=True)
class _Task:
    kind: Literal["boot", "jack"]
    start: int
    stop: int


@dataclass(frozen=True, eq=False)
class _ChunkResult:
    task: _Task
    stats: dict[str, FloatArray]
    failure: ObjectArray
    constant: IntArray  # (p,) how often each item made a replicate fail


def _evaluate(
    fn: ReplicateFunction, moments: Moments, widths: Mapping[str, int] | None
) -> tuple[dict[str, FloatArray], ObjectArray]:
    """Call ``fn`` and check its output; mark constant items and non-finite statistics."""
    out = fn(moments)
    c = moments.size
    failure = np.asarray(out.failure, dtype=object).reshape(-1)
    if failure.shape != (c,):
        raise EstimationError(
            f"The replicate function returned {failure.size} failure reasons for {c} replicates."
        )
    stats: dict[str, FloatArray] = {}
    for name, value in out.stats.items():
        arr = np.array(value, dtype=np.float64)  # a copy: failed rows are overwritten
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2 or arr.shape[0] != c:
            raise EstimationError(
                f"The replicate statistic '{name}' has shape {arr.shape}; expected ({c}, k)."
            )
        stats[name] = arr
    if widths is not None and {k: v.shape[1] for k, v in stats.items()} != dict(widths):
        raise EstimationError(
            "The replicate function returned other statistics (or other sizes) than for the "
            "full sample; it must always return the same names and shapes."
        )
    failure = np.array(["" if f is None else str(f) for f in failure], dtype=object)
    failure[moments.constant.any(axis=1)] = CONSTANT_ITEM
    finite = np.ones(c, dtype=bool)
    for name, arr in stats.items():
        if name not in out.partial:
            finite &= np.isfinite(arr).all(axis=1)
    failure[(failure == "") & ~finite] = NONFINITE
    bad = failure != ""
    for arr in stats.values():
        arr[bad] = np.nan
    return stats, failure


_BLAS: Any = None


def _one_blas_thread() -> Any:
    """A context manager limiting BLAS to one thread, from one ``ThreadpoolController`` per
    process (creating one scans the loaded libraries, which costs milliseconds per chunk)."""
    global _BLAS
    if _BLAS is None:
        from threadpoolctl import ThreadpoolController

        _BLAS = ThreadpoolController()
    return _BLAS.limit(limits=1, user_api="blas")


def _run_chunk(
    fn: ReplicateFunction,
    x: FloatArray,
    root: np.random.SeedSequence,
    task: _Task,
    widths: Mapping[str, int],
) -> _ChunkResult:
    """Work of one chunk (runs in a worker): counts, moments, statistics.

    BLAS runs single-threaded inside a chunk, in the main process as in the workers: a
    multi-threaded matrix product sums in another order, and the numbers must not depend on
    how many processes or threads the machine offers.
    """
    with _one_blas_thread():
        if task.kind == "boot":
            counts = _bootstrap_counts(root, x.shape[0], task.start, task.stop)
            moments = _moments_from_counts(x, counts, task.start)
        else:
            moments = leave_one_out_moments(x, np.arange(task.start, task.stop))
        stats, failure = _evaluate(fn, moments, widths)
    constant = moments.constant.sum(axis=0).astype(np.intp)
    return _ChunkResult(task=task, stats=stats, failure=failure, constant=constant)


# --------------------------------------------------------------------------------------------
# interval estimates


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
    alpha = (1.0 - conf) / 2.0
    if s.shape[0] == 0:
        nan = np.full(s.shape[1:], np.nan)
        return nan, nan.copy()
    q = np.quantile(s, [alpha, 1.0 - alpha], axis=0)
    return q[0], q[1]


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
    from scipy.special import ndtr, ndtri

    s = np.asarray(samples, dtype=np.float64)
    est = np.asarray(estimate, dtype=np.float64)
    a = np.asarray(acceleration, dtype=np.float64)
    if s.shape[0] == 0:
        nan = np.full(s.shape[1:], np.nan)
        return nan, nan.copy()
    z0 = bias_correction(s, est)
    alpha = (1.0 - conf) / 2.0
    ordered = np.sort(s, axis=0)
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
        out["ci_lower"], out["ci_upper"] = percentile_interval(s, conf)
        jack = None if jackknife is None else np.asarray(jackknife, dtype=np.float64)
        if jack is not None and jack.shape[0] >= MIN_JACKKNIFE:
            a = jackknife_acceleration(jack.reshape(jack.shape[0], k))
            out["bca_lower"], out["bca_upper"] = bca_interval(s, est, a, conf)
    return pd.DataFrame(out, columns=list(SUMMARY_COLUMNS))


# --------------------------------------------------------------------------------------------
# results


def _share(k: int, n: int) -> str:
    pct = 100.0 * k / n
    return f"{pct:.2g}%" if pct < 1 else f"{pct:.1f}%"


@dataclass(frozen=True, eq=False)
class BootstrapReplicates:
    """The replicates of a bootstrap run and their summaries.

    Attributes
    ----------
    estimate
        Full-sample value of every statistic, ``(k,)`` per name.
    replicates
        ``(n_boot, k)`` per name; rows of failed replicates are NaN.
    failure
        ``(n_boot,)`` reason each replicate failed, ``""`` where it succeeded.
    jackknife
        ``(n, k)`` leave-one-out values per name (for the BCa acceleration), or None when the
        jackknife was not run.
    jackknife_failure
        ``(n,)`` failure reasons of the leave-one-out fits (empty when not run).
    constant_items
        ``(p,)`` for each item, the number of replicates in which it was constant.
    seed
        Root entropy of the run: the integer seed given, or the entropy drawn when none was.
    spawn_key
        Spawn key of the root sequence (``()`` unless a spawned ``SeedSequence`` was given).
    n_obs
        Number of respondents resampled.
    """

    estimate: Mapping[str, FloatArray]
    replicates: Mapping[str, FloatArray]
    failure: ObjectArray
    jackknife: Mapping[str, FloatArray] | None
    jackknife_failure: ObjectArray
    constant_items: IntArray
    seed: int | tuple[int, ...]
    spawn_key: tuple[int, ...]
    n_obs: int

    def __repr__(self) -> str:
        return (
            f"BootstrapReplicates({self.n_ok}/{self.n_boot} successful, "
            f"{len(self.estimate)} statistics, seed={self.seed})"
        )

    @property
    def n_boot(self) -> int:
        """Number of resamples drawn."""
        return int(self.failure.shape[0])

    @property
    def root(self) -> np.random.SeedSequence:
        """The root sequence of the run: another statistic bootstrapped with it as ``seed``
        (and the same ``n_boot`` and rows) sees exactly the same resamples."""
        return np.random.SeedSequence(self.seed, spawn_key=self.spawn_key)

    @cached_property
    def ok(self) -> BoolArray:
        """``(n_boot,)`` True for successful replicates."""
        ok: BoolArray = self.failure == ""
        return ok

    @property
    def n_ok(self) -> int:
        """Number of successful replicates."""
        return int(self.ok.sum())

    @cached_property
    def failures(self) -> dict[str, int]:
        """Number of failed replicates by reason, most frequent first."""
        return dict(Counter(str(f) for f in self.failure if f != "").most_common())

    @cached_property
    def jackknife_failures(self) -> dict[str, int]:
        """Number of failed leave-one-out fits by reason."""
        return dict(Counter(str(f) for f in self.jackknife_failure if f != "").most_common())

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the statistics."""
        return tuple(self.estimate)

    def samples(self, name: str) -> FloatArray:
        """``(n_ok, k)`` successful replicates of statistic ``name``."""
        return self.replicates[self._check(name)][self.ok]

    def summary(self, name: str, conf: float = 0.95) -> pd.DataFrame:
        """Bootstrap summary of statistic ``name`` (see :func:`summarize`)."""
        self._check(name)
        jack = None
        if self.jackknife is not None:
            jack = self.jackknife[name][self.jackknife_failure == ""]
        samples = self.samples(name)
        conf = _check_conf(conf)
        if np.isfinite(samples).all() and (jack is None or np.isfinite(jack).all()):
            return summarize(self.estimate[name], samples, jack, conf)
        # a partial statistic: summarize each component over the replicates where it is finite
        parts = []
        for k in range(samples.shape[1]):
            col = samples[:, k]
            jk = None if jack is None else jack[:, k][np.isfinite(jack[:, k])]
            parts.append(summarize(self.estimate[name][k : k + 1], col[np.isfinite(col)], jk, conf))
        return pd.concat(parts, ignore_index=True)

    def n_undefined(self, name: str) -> IntArray:
        """Per component, how many successful replicates left a partial statistic undefined."""
        return np.asarray((~np.isfinite(self.samples(name))).sum(axis=0), dtype=np.intp)

    def _check(self, name: str) -> str:
        if name not in self.estimate:
            raise UsageError(
                f"There is no bootstrap statistic '{name}'; available: {', '.join(self.names)}."
            )
        return name

    def diagnostics(
        self, conf: float = 0.95, item_names: Sequence[str] | None = None
    ) -> tuple[Diagnostic, ...]:
        """Findings worth reporting: failed resamples, too few resamples, missing BCa bounds.

        ``item_names`` (in column order) make the messages name the items that were constant.
        """
        conf = _check_conf(conf)
        out: list[Diagnostic] = []
        nb, ok = self.n_boot, self.n_ok
        if ok < nb:
            out.append(self._failure_diagnostic(item_names))
        if ok < MIN_OK:
            out.append(
                Diagnostic(
                    "error",
                    "bootstrap_too_few_resamples",
                    f"Only {ok} of {nb} bootstrap resamples could be estimated; at least "
                    f"{MIN_OK} are needed, so every bootstrap standard error, p-value and "
                    "confidence interval is NaN. Fix the cause of the failures above or draw "
                    "more resamples.",
                    BootstrapFailureWarning,
                )
            )
            return tuple(out)
        if ok < RECOMMENDED_OK:
            out.append(
                Diagnostic(
                    "info",
                    "bootstrap_few_resamples",
                    f"The confidence intervals rest on {ok} resamples; interval end points "
                    "from fewer than 1,000 resamples vary noticeably from seed to seed "
                    "(Efron & Tibshirani 1993, §19.3). Use n_boot=5000 for reported results.",
                )
            )
        out += self._jackknife_diagnostics()
        out += self._bca_diagnostics(conf)
        return tuple(out)

    def _failure_diagnostic(self, item_names: Sequence[str] | None) -> Diagnostic:
        nb, ok = self.n_boot, self.n_ok
        failed = nb - ok
        parts = []
        for reason, count in self.failures.items():
            if reason == CONSTANT_ITEM:
                items = np.flatnonzero(self.constant_items)
                top = items[np.argsort(-self.constant_items[items], kind="stable")][:3]
                label = [
                    f"'{item_names[i]}'" if item_names is not None else f"column {i}" for i in top
                ]
                more = ", ..." if items.size > 3 else ""
                parts.append(
                    f"{count} because an item was constant in the resample "
                    f"({', '.join(label)}{more})"
                )
            elif reason == NOT_CONVERGED:
                parts.append(f"{count} because the algorithm did not converge")
            elif reason == NONFINITE:
                parts.append(f"{count} because a statistic was not finite")
            else:
                parts.append(f"{count} because: {reason.rstrip('.')}")
        advice = []
        if CONSTANT_ITEM in self.failures:
            advice.append(
                "An item that is constant in a resample is one that nearly every respondent "
                "answers alike, so its results hinge on the few who do not; consider dropping it."
            )
        if NOT_CONVERGED in self.failures:
            advice.append(
                "Resamples that do not converge point to a weakly determined block (items that "
                "barely correlate with each other or with the neighbouring constructs); check "
                "its loadings."
            )
        message = " ".join(
            [
                f"{failed} of {nb} bootstrap resamples ({_share(failed, nb)}) could not be "
                f"estimated and were left out: {'; '.join(parts)}.",
                f"Standard errors, p-values and confidence intervals use the remaining {ok}.",
                "A few failures do no harm; when more than a few percent fail, the intervals "
                "describe only the resamples that worked and are too narrow.",
                *advice,
            ]
        )
        severity: Literal["warning", "error"] = "error" if ok < MIN_OK else "warning"
        return Diagnostic(severity, "bootstrap_failed_resamples", message, BootstrapFailureWarning)

    def _jackknife_diagnostics(self) -> list[Diagnostic]:
        if self.jackknife is None:
            return [
                Diagnostic(
                    "info",
                    "bootstrap_no_jackknife",
                    "The jackknife was not run, so the BCa intervals are NaN; use the "
                    "percentile intervals.",
                )
            ]
        n = self.jackknife_failure.shape[0]
        failed = int((self.jackknife_failure != "").sum())
        if failed == 0:
            return []
        if n - failed < MIN_JACKKNIFE:
            return [
                Diagnostic(
                    "warning",
                    "bootstrap_jackknife_failed",
                    f"{failed} of the {n} leave-one-out fits needed for the BCa acceleration "
                    "failed, so the BCa intervals are NaN; use the percentile intervals.",
                    BootstrapFailureWarning,
                )
            ]
        reasons = "; ".join(f"{c}: {r.rstrip('.')}" for r, c in self.jackknife_failures.items())
        return [
            Diagnostic(
                "info",
                "bootstrap_jackknife_failed",
                f"{failed} of the {n} leave-one-out fits used for the BCa acceleration failed "
                f"({reasons}); the acceleration uses the other {n - failed}.",
            )
        ]

    def _bca_diagnostics(self, conf: float) -> list[Diagnostic]:
        if self.jackknife is None or (self.jackknife_failure == "").sum() < MIN_JACKKNIFE:
            return []
        missing: list[str] = []
        for name in self.names:
            table = self.summary(name, conf)
            bad = (table["std_error"] > 0) & table["bca_lower"].isna()
            missing += [f"{name}[{k}]" for k in np.flatnonzero(bad.to_numpy())]
        if not missing:
            return []
        shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
        return [
            Diagnostic(
                "info",
                "bootstrap_bca_undefined",
                f"The BCa interval is NaN for {len(missing)} of the bootstrapped quantities "
                f"({shown}): all resamples lie on one side of the estimate, or the acceleration "
                "is too large for this level. Use the percentile interval for them.",
            )
        ]


def _check_conf(conf: float) -> float:
    if not (isinstance(conf, int | float | np.floating) and 0.0 < float(conf) < 1.0):
        raise UsageError(
            f"conf must be a confidence level between 0 and 1, such as 0.95; got {conf!r}."
        )
    return float(conf)


# --------------------------------------------------------------------------------------------
# the driver


def _check_data(X: npt.ArrayLike) -> FloatArray:
    x = np.asarray(X, dtype=np.float64)
    if x.ndim != 2:
        raise DataError(f"The data must be a 2-d array (rows x items), got shape {x.shape}.")
    if x.shape[0] < 3:
        raise DataError(f"Bootstrapping needs at least 3 respondents, got {x.shape[0]}.")
    if not np.isfinite(x).all():
        raise DataError("The data contain missing or infinite values; remove or impute them first.")
    return x


def _default_chunk(n_boot: int, n: int, p: int, workers: int) -> int:
    """Replicates per chunk: a few chunks per worker, within the memory budget."""
    per_replicate = 8 * (2 * n + p * (p + 1) // 2 + 8 * p * p)
    cap = max(1, min(_MAX_CHUNK, _CHUNK_BYTES // per_replicate))
    target = math.ceil(n_boot / (4 * max(workers, 1)))
    return max(1, min(cap, max(target, _MIN_CHUNK)))


def progress_bar(
    total: int, progress: bool | None, *, desc: str = "bootstrap", unit: str = "resample"
) -> Any:
    """A tqdm progress bar on stderr: None shows it on a terminal after a second; else as told."""
    from tqdm import tqdm

    if progress is None:
        stream = sys.stderr
        on = stream is not None and hasattr(stream, "isatty") and stream.isatty()
        return tqdm(total=total, disable=not on, delay=1.0, unit=unit, desc=desc)
    return tqdm(total=total, disable=not progress, unit=unit, desc=desc)


def parallel_map(n_jobs: int | None, calls: list[Any]) -> Iterator[Any]:
    """Run the delayed ``calls`` through joblib, yielding results in order as they finish."""
    from joblib import Parallel

    try:
        parallel = Parallel(n_jobs=n_jobs, return_as="generator")
    except ValueError:  # a backend that cannot stream results (multiprocessing)
        parallel = Parallel(n_jobs=n_jobs)
    return iter(parallel(calls))


def run_bootstrap(
    replicate_fn: ReplicateFunction,
    X: npt.ArrayLike,
    n_boot: int,
    *,
    seed: SeedLike = None,
    n_jobs: int | None = 1,
    chunk_size: int | None = None,
    progress: bool | None = None,
    jackknife: bool = True,
) -> BootstrapReplicates:
    """Resample respondents ``n_boot`` times and evaluate ``replicate_fn`` on every resample.

    Parameters
    ----------
    replicate_fn
        Statistics of a batch of replicates from their :class:`Moments`
        (:class:`ReplicateFunction`).
    X
        ``(n, p)`` data, respondents in rows, without missing values.
    n_boot
        Number of resamples :math:`B`.
    seed
        Integer, ``SeedSequence`` or None (fresh entropy, recorded on the result).
    n_jobs
        Number of joblib workers (``-1``: all cores; default 1: in this process).  None takes
        the number from an enclosing ``joblib.parallel_config`` / ``parallel_backend``, which
        is how to run on a Dask cluster::

            with joblib.parallel_backend("dask"):
                run_bootstrap(fn, X, 5000, seed=1, n_jobs=-1)

    chunk_size
        Replicates per batch (default: about four chunks per worker, 100 to 1000 replicates,
        fewer when the data are so large that a chunk would need more than about 64 MB of
        working memory).  It does not change the numbers.
    progress
        Progress bar (tqdm, on stderr): None shows it when stderr is a terminal and the run
        takes more than a second; True always; False never.
    jackknife
        Also evaluate the ``n`` leave-one-out samples for the BCa acceleration (default True;
        without them the BCa bounds are NaN).  They cost ``n`` more evaluations, little next
        to 5000 resamples unless the sample is very large.

    Returns
    -------
    BootstrapReplicates

    Raises
    ------
    EstimationError
        The full sample itself cannot be estimated, or the replicate function returns
        inconsistent statistics.
    DataError, UsageError
        Unusable data or options.

    Notes
    -----
    Replicate ``b`` resamples with ``default_rng(SeedSequence(seed).spawn(n_boot)[b])``, so the
    results are identical for any ``n_jobs``, ``chunk_size`` and joblib backend.  Replicates
    are evaluated in chunks of ``chunk_size`` (one vectorized call of ``replicate_fn``) and only
    their statistics are kept.  A replicate fails when an item is constant in it, or when
    ``replicate_fn`` says so (non-convergence, singular matrices) or returns non-finite numbers;
    failed replicates are counted by reason and excluded from every summary.
    """
    x = _check_data(X)
    if not (isinstance(n_boot, int | np.integer) and not isinstance(n_boot, bool) and n_boot >= 1):
        raise UsageError(f"n_boot must be a positive integer, such as 5000; got {n_boot!r}.")
    if chunk_size is not None and not (
        isinstance(chunk_size, int | np.integer) and chunk_size >= 1
    ):
        raise UsageError(f"chunk_size must be a positive integer or None; got {chunk_size!r}.")
    n_boot = int(n_boot)
    root = seed_sequence(seed)
    n, p = x.shape

    full = moments_from_counts(x, np.ones((1, n)))
    stats, failure = _evaluate(replicate_fn, full, None)
    if failure[0] != "":
        raise EstimationError(
            f"The full sample cannot be estimated ({failure[0]}), so it cannot be "
            "bootstrapped; fix the model or the data first."
        )
    estimate = {name: arr[0].copy() for name, arr in stats.items()}
    widths = {name: arr.shape[1] for name, arr in stats.items()}

    from joblib import delayed, effective_n_jobs

    size = int(chunk_size) if chunk_size else _default_chunk(n_boot, n, p, effective_n_jobs(n_jobs))
    tasks = [_Task("boot", s, min(s + size, n_boot)) for s in range(0, n_boot, size)]
    if jackknife:
        tasks += [_Task("jack", s, min(s + size, n)) for s in range(0, n, size)]
    boot = {k: np.full((n_boot, w), np.nan) for k, w in widths.items()}
    jack = {k: np.full((n, w), np.nan) for k, w in widths.items()} if jackknife else {}
    boot_failure = np.full(n_boot, "", dtype=object)
    jack_failure = np.full(n if jackknife else 0, "", dtype=object)
    constant = np.zeros(p, dtype=np.intp)

    calls = [delayed(_run_chunk)(replicate_fn, x, root, task, widths) for task in tasks]
    # BLAS single-threaded in this process for the whole run, not only inside each chunk: with
    # a threaded backend (a Dask cluster of threads) chunks share the process, and one chunk
    # leaving its single-thread block would hand its neighbours the multi-threaded BLAS, whose
    # sums round differently
    with (
        _one_blas_thread(),
        progress_bar(n_boot + (n if jackknife else 0), progress) as bar,
    ):
        for res in parallel_map(n_jobs, calls):
            t = res.task
            target, fail = (boot, boot_failure) if t.kind == "boot" else (jack, jack_failure)
            for name, arr in res.stats.items():
                target[name][t.start : t.stop] = arr
            fail[t.start : t.stop] = res.failure
            if t.kind == "boot":
                constant += res.constant
            bar.update(t.stop - t.start)

    entropy = root.entropy
    recorded = int(entropy) if isinstance(entropy, int | np.integer) else tuple(entropy or ())
    return BootstrapReplicates(
        estimate=estimate,
        replicates=boot,
        failure=boot_failure,
        jackknife=jack if jackknife else None,
        jackknife_failure=jack_failure,
        constant_items=constant,
        seed=recorded,
        spawn_key=tuple(int(k) for k in root.spawn_key),
        n_obs=n,
    )


class BootstrapFacts:
    """Run facts shared by every engine's bootstrap results (they hold ``replicates``)."""

    replicates: BootstrapReplicates
    conf: float

    def as_dict(self) -> dict[str, Any]:
        """The facts ``run.json`` records: ``resamples, successful, failures, seed, conf``."""
        seed = self.seed
        return {
            "resamples": self.n_boot,
            "successful": self.n_ok,
            "failures": dict(self.failures),
            "seed": list(seed) if isinstance(seed, tuple) else seed,
            "conf": self.conf,
        }

    @property
    def n_boot(self) -> int:
        """Number of resamples drawn."""
        return self.replicates.n_boot

    @property
    def n_ok(self) -> int:
        """Number of resamples that could be estimated (the others are excluded)."""
        return self.replicates.n_ok

    @property
    def seed(self) -> int | tuple[int, ...]:
        """The seed (root entropy); the same seed repeats the run."""
        return self.replicates.seed

    @property
    def failures(self) -> dict[str, int]:
        """Number of failed resamples by reason."""
        return self.replicates.failures
