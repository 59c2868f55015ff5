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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from sem_csat.errors import DataError, EstimationError, UsageError
from sem_csat.inference.intervals import (
    MIN_OK,
    SUMMARY_COLUMNS,
    bca_interval,
    bias_correction,
    jackknife_acceleration,
    percentile_interval,
    summarize,
)
from sem_csat.inference.limits import RECOMMENDED_RESAMPLES, check_memory, check_n_jobs
from sem_csat.inference.replicates import (
    CONSTANT_ITEM,
    NONFINITE,
    NOT_CONVERGED,
    BootstrapReplicates,
)
from sem_csat.inference.resampled_moments import (
    Moments,
    leave_one_out_moments,
    moments_from_counts,
    moments_of_counts,
)
from sem_csat.inference.seeding import replicate_generators

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
    "one_blas_thread",
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


# Working memory of one chunk and of one block of the row-product matrix, in bytes.
_CHUNK_BYTES = 64 * 2**20
_MAX_CHUNK = 1000
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
    """``(stop - start, n_obs)`` draw counts of replicates ``start, ..., stop - 1``.

    The generators are those of :func:`replicate_rng`, seeded in one vectorized step
    (:func:`sem_csat.inference.seeding.replicate_generators`).
    """
    counts = np.empty((stop - start, n_obs))
    for row, rng in enumerate(replicate_generators(root, start, stop, replicate_rng)):
        counts[row] = np.bincount(rng.integers(0, n_obs, size=n_obs), minlength=n_obs)
    return counts


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


_BLAS_CONTROLLER: Any = None


def one_blas_thread() -> Any:
    """A context manager that limits BLAS to one thread while it is active.

    threadpoolctl's ``ThreadpoolController`` looks the loaded BLAS libraries up once per process
    (about a millisecond) and is reused, so that entering the limit costs microseconds: the
    bootstrap enters it once per chunk.
    """
    global _BLAS_CONTROLLER
    if _BLAS_CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _BLAS_CONTROLLER = ThreadpoolController()
    return _BLAS_CONTROLLER.limit(limits=1, user_api="blas")


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
    with one_blas_thread():
        if task.kind == "boot":
            counts = _bootstrap_counts(root, x.shape[0], task.start, task.stop)
            moments = moments_of_counts(x, counts, task.start)
        else:
            moments = leave_one_out_moments(x, np.arange(task.start, task.stop))
        stats, failure = _evaluate(fn, moments, widths)
    constant = moments.constant.sum(axis=0).astype(np.intp)
    return _ChunkResult(task=task, stats=stats, failure=failure, constant=constant)


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
    n_jobs = check_n_jobs(int(n_jobs) if isinstance(n_jobs, np.integer) else n_jobs)
    if chunk_size is not None and not (
        isinstance(chunk_size, int | np.integer) and chunk_size >= 1
    ):
        raise UsageError(f"chunk_size must be a positive integer or None; got {chunk_size!r}.")
    n_boot = int(n_boot)
    root = seed_sequence(seed)
    n, p = x.shape

    with one_blas_thread():  # as in the chunks (a threaded BLAS rounds differently, and is slow)
        full = moments_from_counts(x, np.ones((1, n)))
        stats, failure = _evaluate(replicate_fn, full, None)
    if failure[0] != "":
        raise EstimationError(
            f"The full sample cannot be estimated ({failure[0]}), so it cannot be "
            "bootstrapped; fix the model or the data first."
        )
    estimate = {name: arr[0].copy() for name, arr in stats.items()}
    widths = {name: arr.shape[1] for name, arr in stats.items()}
    # the replicates (8 bytes per statistic, and a failure slot), before they are allocated
    per_row = 8 * (sum(widths.values()) + 1)
    check_memory(
        per_row * (n_boot + (n if jackknife else 0)),
        f"Holding {n_boot:,} bootstrap resamples of {sum(widths.values())} statistics",
        advice=f"use fewer resamples ({RECOMMENDED_RESAMPLES} is customary)",
    )

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
        one_blas_thread(),
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
