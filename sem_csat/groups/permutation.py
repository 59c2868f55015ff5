"""Permutations of group membership, batched like the bootstrap: :func:`permute_groups`.

For a pair of groups :math:`a, b` with :math:`n_a` and :math:`n_b` respondents, permutation
:math:`u` shuffles the group labels of the pooled :math:`n = n_a + n_b` rows: the rows
``sort(perm[:n_a])`` of ``perm = default_rng(children[u]).permutation(n)`` form the permuted
group :math:`a`, the others group :math:`b` (group sizes are kept).  ``children`` are spawned
from one :class:`numpy.random.SeedSequence` per pair, ``SeedSequence(seed).spawn``-style
(:func:`~sem_csat.inference.bootstrap.replicate_rng`), so a permutation's numbers do not depend
on the chunk, the worker or the joblib backend that computes it.

A permutation is a pair of 0/1 count vectors, so the item moments of both permuted groups of a
whole chunk come from :func:`~sem_csat.inference.bootstrap.moments_from_counts` (one matrix
product on fixed tiles), and both groups of the chunk go through one batched PLS (or PLSc)
estimation each, exactly as bootstrap resamples do.  Only these statistics are kept, per
permutation:

=========================  ===================================================================
``paths``                  path coefficients, group :math:`a` minus group :math:`b`
``total_effects``          total effects, :math:`a - b`
``indirect_effects``       indirect effects, :math:`a - b`
``index``                  0–100 index scores (ACSI formula), :math:`a - b` (NaN where undefined)
``compositional``          MICOM step 2: correlation :math:`c_j` of construct :math:`j`'s
                           composites built with group :math:`a`'s and group :math:`b`'s
                           weights on the pooled standardized data
``mean``                   MICOM step 3: difference of the mean pooled-model composite scores
``log_variance``           MICOM step 3: difference of their log variances
=========================  ===================================================================

A permutation fails when an item is constant in a permuted group, or when either group cannot
be estimated (non-convergence, collinear predictors, an inadmissible PLSc solution); failed
permutations are counted by reason and left out of every p-value.

References
----------
.. [1] Chin, W. W., & Dibbern, J. (2010). An introduction to a permutation based procedure for
   multi-group PLS analysis. In V. Esposito Vinzi et al. (eds.), *Handbook of Partial Least
   Squares*, 171–193. Berlin: Springer.
.. [2] Henseler, J., Ringle, C. M., & Sarstedt, M. (2016). Testing measurement invariance of
   composites using partial least squares. *International Marketing Review*, 33(3), 405–431.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from sem_csat.diagnostics import Diagnostic, emit
from sem_csat.errors import BootstrapFailureWarning, EstimationError, UsageError
from sem_csat.groups.fits import GroupFits
from sem_csat.inference.bootstrap import (
    Moments,
    SeedLike,
    moments_from_counts,
    parallel_map,
    progress_bar,
    replicate_rng,
    seed_sequence,
)
from sem_csat.inference.replicates import FailureCounts
from sem_csat.pls import engine
from sem_csat.pls.bootstrap import PLSReplicateFunction, pls_replicate_fn
from sem_csat.pls.index import IndexStatistic

__all__ = [
    "DIFFERENCES",
    "MICOM_STATISTICS",
    "GroupPermutations",
    "PairPermutations",
    "group_replicate_fn",
    "permute_groups",
    "seed_streams",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
ObjectArray = npt.NDArray[np.object_]

#: Statistics compared between groups (group a minus group b).
DIFFERENCES: Final = ("paths", "total_effects", "indirect_effects", "index")
#: MICOM's statistics (one value per construct).
MICOM_STATISTICS: Final = ("compositional", "mean", "log_variance")
#: Failure reason of a permutation with an item that is constant in a permuted group.
CONSTANT_IN_GROUP: Final = "constant item in a permuted group"

_CHUNK_BYTES = 64 * 2**20
_MIN_CHUNK, _MAX_CHUNK = 50, 1000


def seed_streams(seed: SeedLike) -> tuple[np.random.SeedSequence, np.random.SeedSequence]:
    """The two independent seed streams of one seed: permutations and group bootstraps.

    ``SeedSequence(entropy, spawn_key=(0,))`` drives the permutations and ``(1,)`` the group
    bootstraps, so :func:`~sem_csat.groups.micom`, :func:`~sem_csat.groups.mga`,
    :func:`~sem_csat.groups.compare_index` and :func:`~sem_csat.groups.compare_groups` give the
    same numbers for the same seed.  None draws fresh entropy (recorded on the results).
    """
    root = seed_sequence(seed)
    key = root.spawn_key
    return (
        np.random.SeedSequence(root.entropy, spawn_key=(*key, 0), pool_size=root.pool_size),
        np.random.SeedSequence(root.entropy, spawn_key=(*key, 1), pool_size=root.pool_size),
    )


def group_replicate_fn(fits: GroupFits) -> PLSReplicateFunction:
    """The replicate function of the groups' model: PLS or PLSc, the fits' settings, index."""
    first = fits.results[fits.levels[0]]
    s = fits.settings
    return pls_replicate_fn(
        first.estimate.structure,
        s.scheme,
        s.tol,
        s.max_iter,
        extras=(IndexStatistic.for_spec(fits.spec),),
        method=s.method,
    )


# --------------------------------------------------------------------------------------------
# the statistics of a batch of (permuted or observed) splits


@dataclass(frozen=True, eq=False)
class _PairJob:
    """Everything a worker needs for one pair (picklable)."""

    fn: PLSReplicateFunction
    x: FloatArray  # (n, p) the pair's rows
    positions: IntArray  # (n,) their positions in the pooled frame
    n_a: int
    corr: FloatArray  # (p, p) pooled correlation matrix of the pair
    centre: FloatArray  # (p,) pooled item means of the pair
    scale: FloatArray  # (p,) pooled item standard deviations (ddof=1)
    weights: FloatArray  # (p, J) outer weights of the pooled model (unit-variance scores)
    root: np.random.SeedSequence

    @property
    def n(self) -> int:
        return int(self.x.shape[0])


def _composite_corr(wa: FloatArray, wb: FloatArray, corr: FloatArray) -> FloatArray:
    """``(c, J)`` correlation of the composites ``Z wa`` and ``Z wb`` (pooled standardized Z).

    :math:`c_j = w_{a j}^\\top R w_{b j} / \\sqrt{(w_{a j}^\\top R w_{a j})
    (w_{b j}^\\top R w_{b j})}` with the pooled correlation matrix :math:`R`.
    """
    r_wb = np.matmul(corr, wb)
    r_wa = np.matmul(corr, wa)
    cross = (wa * r_wb).sum(axis=-2)
    var_a = (wa * r_wa).sum(axis=-2)
    var_b = (wb * r_wb).sum(axis=-2)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = cross / np.sqrt(var_a * var_b)
    return out


def _score_moments(job: _PairJob, m: Moments) -> tuple[FloatArray, FloatArray]:
    """Means and variances (``ddof=1``) of the pooled model's scores in a batch of groups.

    The scores are :math:`\\xi = Z w` with the pooled standardization
    :math:`Z = (X - \\mu) / \\sigma`, so a group's mean is :math:`((\\bar x_g - \\mu)/\\sigma)^\\top
    w` and its variance :math:`w^\\top D S_g D w` with :math:`D = \\operatorname{diag}(1/\\sigma)`
    and the group's covariance matrix :math:`S_g`: both follow from the group's moments.
    ``einsum`` without BLAS keeps every element's sums in a fixed order.
    """
    w = job.weights
    mean = np.einsum("cp,pj->cj", (m.mean - job.centre) / job.scale, w)
    rel = m.sd / job.scale
    cov = m.corr * rel[:, :, None] * rel[:, None, :]
    var = np.einsum("cpq,pj,qj->cj", cov, w, w)
    return mean, var


def _statistics(
    job: _PairJob,
    ma: Moments,
    mb: Moments,
    mask: bool = True,
) -> tuple[dict[str, FloatArray], ObjectArray, dict[str, FloatArray], dict[str, FloatArray]]:
    """Differences, MICOM statistics and failures of a batch; also each group's statistics.

    With ``mask`` (permutations) the statistics of failed elements are NaN; without it (the
    observed groups, already fitted and warned about) they are kept as estimated.
    """
    fn = job.fn
    est_a, est_b = fn.estimate(ma), fn.estimate(mb)
    sa, sb = fn.statistics(est_a, ma), fn.statistics(est_b, mb)
    fail_a, fail_b = fn.failures(est_a, ma), fn.failures(est_b, mb)
    failure = np.where(fail_a != "", fail_a, fail_b).astype(object)
    constant = ma.constant.any(axis=1) | mb.constant.any(axis=1)
    failure[constant] = CONSTANT_IN_GROUP
    stats = {name: sa[name] - sb[name] for name in DIFFERENCES}
    stats["compositional"] = _composite_corr(
        np.asarray(est_a.weights), np.asarray(est_b.weights), job.corr
    )
    mean_a, var_a = _score_moments(job, ma)
    mean_b, var_b = _score_moments(job, mb)
    stats["mean"] = mean_a - mean_b
    with np.errstate(divide="ignore", invalid="ignore"):
        stats["log_variance"] = np.log(var_a) - np.log(var_b)
    finite = np.ones(ma.size, dtype=bool)
    for name, arr in stats.items():
        if name != "index":  # the index may be undefined without the permutation failing
            finite &= np.isfinite(arr).all(axis=1)
    failure[(failure == "") & ~finite] = "non-finite statistic"
    if mask:
        bad = failure != ""
        for arr in stats.values():
            arr[bad] = np.nan
    return stats, failure, sa, sb


def _split_counts(job: _PairJob, start: int, stop: int) -> FloatArray:
    """``(c, n)`` membership (1/0) of the permuted group a in permutations ``start .. stop-1``."""
    counts = np.zeros((stop - start, job.n))
    for r, u in enumerate(range(start, stop)):
        perm = replicate_rng(job.root, u).permutation(job.n)
        counts[r, perm[: job.n_a]] = 1.0
    return counts


@dataclass(frozen=True, eq=False)
class _ChunkResult:
    pair: int
    start: int
    stop: int
    stats: dict[str, FloatArray]
    failure: ObjectArray


def _run_chunk(job: _PairJob, pair: int, start: int, stop: int) -> _ChunkResult:
    """One chunk of permutations of one pair (runs in a worker; BLAS single-threaded)."""
    from sem_csat.inference.bootstrap import one_blas_thread

    with one_blas_thread():
        in_a = _split_counts(job, start, stop)
        ma = moments_from_counts(job.x, in_a, first=start)
        mb = moments_from_counts(job.x, 1.0 - in_a, first=start)
        stats, failure, _, _ = _statistics(job, ma, mb)
    return _ChunkResult(pair, start, stop, stats, failure)


# --------------------------------------------------------------------------------------------
# results


@dataclass(frozen=True, eq=False)
class PairPermutations(FailureCounts):
    """The permutation distribution of one pair of groups.

    Attributes
    ----------
    group_a, group_b
        The pair (differences are ``a - b``).
    n_a, n_b
        Group sizes (kept by every permutation).
    observed
        Statistics of the actual groups: :data:`DIFFERENCES` and :data:`MICOM_STATISTICS`,
        ``(k,)`` each.
    estimates_a, estimates_b
        Each actual group's own statistics (paths, effects, index, ...), ``(k,)`` each.
    replicates
        ``(n_perm, k)`` per statistic; rows of failed permutations are NaN.
    failure
        ``(n_perm,)`` reason each permutation failed, ``""`` where it succeeded.
    spawn_key
        Spawn key of the pair's seed sequence (the run's seed is on :class:`GroupPermutations`).
    positions
        ``(n_a + n_b,)`` positions in ``GroupedData.pooled.frame`` of the pair's rows, in the
        order the permutations index them: group ``a``'s rows, then group ``b``'s, each in
        data order.
    root
        The pair's seed sequence (:meth:`split` redraws any permutation from it).
    """

    group_a: str
    group_b: str
    n_a: int
    n_b: int
    observed: Mapping[str, FloatArray]
    estimates_a: Mapping[str, FloatArray]
    estimates_b: Mapping[str, FloatArray]
    replicates: Mapping[str, FloatArray]
    failure: ObjectArray
    spawn_key: tuple[int, ...]
    positions: IntArray
    root: np.random.SeedSequence

    @property
    def n_perm(self) -> int:
        """Number of permutations drawn."""
        return int(self.failure.shape[0])

    def split(self, u: int) -> tuple[IntArray, IntArray]:
        """Rows of the permuted groups ``a`` and ``b`` of permutation ``u``.

        Positions in ``GroupedData.pooled.frame``: ``perm = default_rng(child_u)
        .permutation(n_a + n_b)``, group ``a`` = ``positions[sort(perm[:n_a])]``.
        """
        perm = replicate_rng(self.root, int(u)).permutation(self.n_a + self.n_b)
        return self.positions[np.sort(perm[: self.n_a])], self.positions[np.sort(perm[self.n_a :])]

    def samples(self, name: str) -> FloatArray:
        """``(n_ok, k)`` successful permutations of statistic ``name``."""
        if name not in self.replicates:
            raise UsageError(
                f"There is no permutation statistic '{name}'; available: "
                f"{', '.join(self.replicates)}."
            )
        return self.replicates[name][self.ok]


@dataclass(frozen=True, eq=False)
class GroupPermutations:
    """Permutation distributions of every pair of groups (from :func:`permute_groups`).

    Attributes
    ----------
    fits
        The group fits that were permuted.
    pairs
        One :class:`PairPermutations` per pair, in :attr:`GroupFits.pairs` order.
    seed
        Root entropy of the run; the same seed repeats it.
    spawn_key
        Spawn key of the root sequence (pair :math:`k` uses ``(*spawn_key, k)``).
    diagnostics
        Failed permutations, by pair and reason.
    """

    fits: GroupFits
    pairs: tuple[PairPermutations, ...]
    seed: int | tuple[int, ...]
    spawn_key: tuple[int, ...]
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def n_perm(self) -> int:
        """Number of permutations per pair."""
        return self.pairs[0].n_perm

    def pair(self, a: str, b: str) -> PairPermutations:
        """The permutations of groups ``a`` and ``b`` (in either order of the arguments)."""
        for p in self.pairs:
            if {p.group_a, p.group_b} == {a, b}:
                return p
        raise UsageError(
            f"No permutations of the {self.fits.data.nouns} '{a}' and '{b}'; the pairs are "
            + ", ".join(f"'{p.group_a}'/'{p.group_b}'" for p in self.pairs)
            + "."
        )

    def __repr__(self) -> str:
        ok = ", ".join(f"{p.group_a}/{p.group_b} {p.n_ok}" for p in self.pairs)
        return f"<GroupPermutations: {self.n_perm} per pair (successful: {ok}), seed {self.seed}>"


# --------------------------------------------------------------------------------------------
# the driver


def _pair_job(fits: GroupFits, a: str, b: str, root: np.random.SeedSequence) -> _PairJob:
    data = fits.data
    ia, ib = data.levels.index(a), data.levels.index(b)
    positions = np.concatenate([np.flatnonzero(data.codes == ia), np.flatnonzero(data.codes == ib)])
    # group a's rows first: the observed split is the first n_a rows
    x = np.ascontiguousarray(data.values()[positions])
    pooled = fits.pooled(a, b)
    return _PairJob(
        fn=group_replicate_fn(fits),
        x=x,
        positions=positions.astype(np.intp),
        n_a=int(np.count_nonzero(data.codes == ia)),
        corr=engine.correlation(x),
        centre=x.mean(axis=0),
        scale=x.std(axis=0, ddof=1),
        weights=np.asarray(pooled.pls_estimate.weights, dtype=np.float64),
        root=root,
    )


def _observed(job: _PairJob) -> tuple[dict[str, FloatArray], ...]:
    in_a = (np.arange(job.n) < job.n_a).astype(np.float64)[None, :]
    ma = moments_from_counts(job.x, in_a)
    mb = moments_from_counts(job.x, 1.0 - in_a)
    stats, failure, sa, sb = _statistics(job, ma, mb, mask=False)
    if not all(np.isfinite(v[0]).all() for k, v in stats.items() if k != "index"):
        # the groups were fitted on their own before, so this is a failure of the comparison
        raise EstimationError(f"The observed groups cannot be compared: {failure[0]}")
    first = {k: v[0].copy() for k, v in stats.items()}
    return first, {k: v[0].copy() for k, v in sa.items()}, {k: v[0].copy() for k, v in sb.items()}


def _chunk_size(n_perm: int, n: int, p: int, workers: int) -> int:
    per = 8 * (4 * n + 4 * p * p + 16 * p)
    cap = max(1, min(_MAX_CHUNK, _CHUNK_BYTES // per))
    target = math.ceil(n_perm / (4 * max(workers, 1)))
    return max(1, min(cap, max(target, _MIN_CHUNK)))


def _failure_diagnostic(noun: str, pair: PairPermutations) -> Diagnostic:
    failed = pair.n_perm - pair.n_ok
    reasons = "; ".join(f"{k}: {r.rstrip('.')}" for r, k in pair.failures.items())
    return Diagnostic(
        "warning",
        "permutations_failed",
        f"{failed} of {pair.n_perm} permutations of the {noun}s '{pair.group_a}' and "
        f"'{pair.group_b}' could not be estimated and were left out ({reasons}); the "
        f"permutation p-values use the remaining {pair.n_ok}. A few failures do no harm; many "
        "point to a weakly determined block or an item that almost everyone answers alike.",
        BootstrapFailureWarning,
    )


def permute_groups(
    fits: GroupFits,
    n_perm: int = 5000,
    *,
    seed: SeedLike = None,
    n_jobs: int | None = 1,
    chunk_size: int | None = None,
    progress: bool | None = None,
) -> GroupPermutations:
    """Permute group membership ``n_perm`` times for every pair of groups.

    Parameters
    ----------
    fits
        The model fitted in every group (:func:`~sem_csat.groups.fit_groups`).
    n_perm
        Permutations per pair (5000, as Henseler et al. 2016 recommend for MICOM).
    seed
        Integer, ``SeedSequence`` or None (fresh entropy, recorded on the result).
    n_jobs
        joblib workers (``-1``: all cores); None takes the active joblib backend (such as
        Dask).  The numbers do not depend on it.
    chunk_size
        Permutations per batched estimation (no effect on the numbers).
    progress
        Progress bar (tqdm on stderr): None shows it on a terminal for runs over a second.

    Returns
    -------
    GroupPermutations

    Warns
    -----
    BootstrapFailureWarning
        When permutations fail; they are counted and left out.
    """
    if isinstance(n_perm, bool) or not isinstance(n_perm, int | np.integer) or n_perm < 1:
        raise UsageError(f"n_perm must be a positive integer, such as 5000; got {n_perm!r}.")
    if chunk_size is not None and not (
        isinstance(chunk_size, int | np.integer)
        and not isinstance(chunk_size, bool)
        and chunk_size >= 1
    ):
        raise UsageError(f"chunk_size must be a positive integer or None; got {chunk_size!r}.")
    n_perm = int(n_perm)
    root = seed_sequence(seed)
    roots = [
        np.random.SeedSequence(
            root.entropy, spawn_key=(*root.spawn_key, k), pool_size=root.pool_size
        )
        for k in range(len(fits.pairs))
    ]
    jobs = [_pair_job(fits, a, b, r) for (a, b), r in zip(fits.pairs, roots, strict=True)]
    observed = [_observed(job) for job in jobs]

    from joblib import delayed, effective_n_jobs

    p = jobs[0].x.shape[1]
    workers = effective_n_jobs(n_jobs)
    calls = []
    for k, job in enumerate(jobs):
        size = int(chunk_size) if chunk_size else _chunk_size(n_perm, job.n, p, workers)
        calls += [
            delayed(_run_chunk)(job, k, s, min(s + size, n_perm)) for s in range(0, n_perm, size)
        ]
    reps = [
        {name: np.full((n_perm, v.size), np.nan) for name, v in obs[0].items()} for obs in observed
    ]
    failures = [np.full(n_perm, "", dtype=object) for _ in jobs]
    bar = progress_bar(n_perm * len(jobs), progress, desc="permutations", unit="permutation")
    with bar:
        for res in parallel_map(n_jobs, calls):
            for name, arr in res.stats.items():
                reps[res.pair][name][res.start : res.stop] = arr
            failures[res.pair][res.start : res.stop] = res.failure
            bar.update(res.stop - res.start)

    pairs = tuple(
        PairPermutations(
            group_a=a,
            group_b=b,
            n_a=job.n_a,
            n_b=job.n - job.n_a,
            observed=obs[0],
            estimates_a=obs[1],
            estimates_b=obs[2],
            replicates=rep,
            failure=fail,
            spawn_key=tuple(int(k) for k in job.root.spawn_key),
            positions=job.positions,
            root=job.root,
        )
        for (a, b), job, obs, rep, fail in zip(
            fits.pairs, jobs, observed, reps, failures, strict=True
        )
    )
    noun = fits.data.noun
    diagnostics = tuple(_failure_diagnostic(noun, pr) for pr in pairs if pr.n_ok < pr.n_perm)
    emit(diagnostics, stacklevel=3)
    entropy = root.entropy
    recorded = int(entropy) if isinstance(entropy, int | np.integer) else tuple(entropy or ())
    return GroupPermutations(
        fits=fits,
        pairs=pairs,
        seed=recorded,
        spawn_key=tuple(int(k) for k in root.spawn_key),
        diagnostics=diagnostics,
    )
