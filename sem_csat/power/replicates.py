"""The replicates of a Monte Carlo power study: draw a sample, fit it, test every path.

:func:`run_chunk` is the unit of work that :func:`sem_csat.power.simulate` hands to joblib: the
replicates ``start, ..., stop - 1`` of a :class:`SimulationPlan`.  Chunks are a fixed partition of
the replicates (:data:`CHUNK` each), whatever the number of workers, and replicate ``r`` draws
everything (its sample, its bootstrap resamples) from its own generator
``default_rng(SeedSequence(seed).spawn(reps)[r])``; so the numbers are the same for any
``n_jobs`` and any joblib backend, a Dask cluster included.

Per replicate and path a chunk returns the estimate (standardized), the estimate in the metric
of the test, its standard error, p-value and interval, and the replicate's status
(:data:`OK`, :data:`INADMISSIBLE`, :data:`NOT_CONVERGED`, :data:`FAILED`).  With the warp-speed
bootstrap (``inference="warp"``) the chunk returns each replicate's single bootstrap estimate
instead; the p-values and intervals are formed once all replicates are in
(:func:`warp_inference`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.errors import EstimationError
from sem_csat.power.implied import discretize

if TYPE_CHECKING:
    from sem_csat.cbsem.estimate import Reparam
    from sem_csat.cbsem.lisrel import LisrelModel
    from sem_csat.cbsem.partable import ParTable
    from sem_csat.pls.engine import PLSEstimate, PLSStructure
    from sem_csat.pls.plsc import PLScEstimate

__all__ = [
    "CHUNK",
    "FAILED",
    "INADMISSIBLE",
    "NOT_CONVERGED",
    "OK",
    "ChunkResult",
    "MLSetup",
    "SimulationPlan",
    "bootstrap_summary",
    "chunk_size",
    "population_factor",
    "replicate_generator",
    "resample_correlations",
    "run_chunk",
    "warp_inference",
    "warp_spread_ratio",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Replicates per unit of work; fixed, so that the numbers do not depend on the workers.
CHUNK: Final = 64
#: Replicate status: estimated and admissible.
OK: Final = 0
#: Estimated, but the solution is inadmissible (|standardized path| > 1, a negative variance,
#: a PLSc reliability above 1, ...); its numbers are kept.
INADMISSIBLE: Final = 1
#: The algorithm did not converge; the replicate is left out.
NOT_CONVERGED: Final = 2
#: The replicate could not be estimated (constant item, singular matrices, no standard errors);
#: it is left out.
FAILED: Final = 3

Method = Literal["pls", "plsc", "ml"]
Inference = Literal["warp", "bootstrap", "ols", "wald"]


@dataclass(frozen=True, eq=False)
class MLSetup:
    """What a replicate needs to fit the model by ML (built once from the population fit with
    the CB-SEM pipeline).

    Attributes
    ----------
    table, model, reparam
        The pipeline's parameter table, its matrices and its equality reparametrisation.
    start
        The population values in the free coordinates z (the warm start of every replicate).
    h_inv
        The inverse Hessian of the discrepancy function at the population values.
    observed
        Positions of the table's items among the simulated items.
    path_rows
        The table row of every path, in the order of the spec's paths.
    """

    table: ParTable
    model: LisrelModel
    reparam: Reparam
    start: FloatArray
    h_inv: FloatArray
    observed: IntArray
    path_rows: IntArray


@dataclass(frozen=True, eq=False)
class SimulationPlan:
    """Everything a worker needs to run replicates; picklable.

    Attributes
    ----------
    method, inference
        The estimator and how each replicate is tested.
    n
        Sample size of every replicate.
    alpha
        Significance level (intervals at ``1 - alpha``).
    n_boot
        Resamples per replicate for ``inference="bootstrap"``.
    factor
        ``(p, p)`` matrix :math:`A` with :math:`A A^\\top = R`, the population correlations:
        a sample is :math:`Z A^\\top`, :math:`Z` standard normal.
    thresholds
        Likert thresholds, or None for continuous items.
    entropy, spawn_key
        The root seed sequence.
    sources, targets
        Construct positions of every path (PLS).
    pls
        The compiled PLS model (``"pls"``, ``"plsc"``).
    scheme
        PLS inner weighting scheme.
    ml
        The ML set-up (``"ml"``).
    """

    method: Method
    inference: Inference
    n: int
    alpha: float
    n_boot: int
    factor: FloatArray
    thresholds: FloatArray | None
    entropy: int | tuple[int, ...]
    spawn_key: tuple[int, ...]
    sources: IntArray
    targets: IntArray
    pls: PLSStructure | None = None
    scheme: str = "path"
    ml: MLSetup | None = None

    @property
    def n_paths(self) -> int:
        """Number of paths tested."""
        return int(self.sources.size)


@dataclass(eq=False)
class ChunkResult:
    """Per-replicate arrays of one chunk, ``(c, k)`` for ``k`` paths, ``(c,)`` for status."""

    start: int
    stop: int
    estimate: FloatArray
    test_estimate: FloatArray
    std_error: FloatArray
    p_value: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray
    status: IntArray
    boot: FloatArray | None = None
    reasons: dict[str, int] = field(default_factory=dict)


def replicate_generator(plan: SimulationPlan, r: int) -> np.random.Generator:
    """Generator of replicate ``r``: ``default_rng(SeedSequence(seed).spawn(reps)[r])``."""
    child = np.random.SeedSequence(plan.entropy, spawn_key=(*plan.spawn_key, r))
    return np.random.default_rng(child)


def _sample(plan: SimulationPlan, rng: np.random.Generator) -> FloatArray:
    p = plan.factor.shape[0]
    x: FloatArray = rng.standard_normal((plan.n, p)) @ plan.factor.T
    if plan.thresholds is not None:
        x = discretize(x, plan.thresholds)
    return x


def _correlation(x: FloatArray) -> FloatArray | None:
    """Pearson correlations, or None when an item is constant."""
    centred = x - x.mean(axis=0)
    ss = np.einsum("ij,ij->j", centred, centred)
    if np.any(ss <= 1e-12 * x.shape[0]):
        return None
    z = centred / np.sqrt(ss)
    r: FloatArray = z.T @ z
    r = 0.5 * (r + r.T)
    np.fill_diagonal(r, 1.0)
    return r


def _result(
    start: int,
    stop: int,
    out: dict[str, FloatArray],
    status: IntArray,
    *,
    boot: FloatArray | None = None,
    reasons: dict[str, int] | None = None,
) -> ChunkResult:
    return ChunkResult(
        start=start,
        stop=stop,
        estimate=out["estimate"],
        test_estimate=out["test_estimate"],
        std_error=out["std_error"],
        p_value=out["p_value"],
        ci_lower=out["ci_lower"],
        ci_upper=out["ci_upper"],
        status=status,
        boot=boot,
        reasons=reasons or {},
    )


def _empty(c: int, k: int) -> dict[str, FloatArray]:
    names = ("estimate", "test_estimate", "std_error", "p_value", "ci_lower", "ci_upper")
    return {name: np.full((c, k), np.nan) for name in names}


# --------------------------------------------------------------------------------------------
# PLS and PLSc


def _pls_fit(
    plan: SimulationPlan, corr: FloatArray
) -> tuple[PLSEstimate | PLScEstimate, FloatArray, IntArray, npt.NDArray[np.bool_]]:
    """Batched fit: the estimate, the ``(c, k)`` paths, the ``(c,)`` status, and which elements a
    bootstrap leaves out (as :func:`sem_csat.pls.bootstrap.bootstrap_pls`: failed or not
    converged, and for PLSc inadmissible)."""
    from sem_csat.pls import engine
    from sem_csat.pls.plsc import consistent

    s = plan.pls
    if s is None:  # pragma: no cover - the plan is built with a structure for PLS
        raise EstimationError("The simulation plan has no PLS model.")
    est = engine.estimate(corr, s, scheme=plan.scheme, on_error="nan")  # type: ignore[arg-type]
    status = np.where(est.converged, OK, NOT_CONVERGED).astype(np.intp)
    status[np.asarray(est.failed)] = FAILED
    final: PLSEstimate | PLScEstimate = est
    dropped = status > INADMISSIBLE
    if plan.method == "plsc":
        final = consistent(est, corr)
        inadmissible = ~np.asarray(final.admissible)
        status[inadmissible & (status == OK)] = INADMISSIBLE
        dropped = dropped | inadmissible
    paths = np.asarray(final.paths)[:, plan.sources, plan.targets]
    with np.errstate(invalid="ignore"):
        beyond = (np.abs(paths) > 1.0).any(axis=1)
    status[beyond & (status == OK)] = INADMISSIBLE
    nonfinite = ~np.isfinite(paths).all(axis=1)
    status[nonfinite & (status <= INADMISSIBLE)] = FAILED
    return final, paths, status, dropped | nonfinite


def _ols(
    plan: SimulationPlan, est: PLSEstimate | PLScEstimate, paths: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Classical regression t tests of the paths on the composite scores.

    For endogenous :math:`j` with :math:`k` predictors, composite correlations :math:`C_{PP}`
    and :math:`R^2_j`: :math:`\\operatorname{se}(b_i) = \\sqrt{(1 - R^2_j) [C_{PP}^{-1}]_{ii}
    / (n - k - 1)}`, :math:`t = b_i/\\operatorname{se}` on :math:`n - k - 1` df.
    """
    from scipy import stats

    se = np.full_like(paths, np.nan)
    df = np.full(paths.shape[1], np.nan)
    corr = np.asarray(est.construct_corr)
    r2 = np.asarray(est.r2)
    for j in np.unique(plan.targets):
        cols = np.flatnonzero(plan.targets == j)
        pred_all = np.flatnonzero(np.asarray(est.structure.adjacency)[:, j])
        sub = corr[:, pred_all[:, None], pred_all[None, :]]
        finite = np.isfinite(sub).all(axis=(1, 2))
        inv = np.full_like(sub, np.nan)
        for b in np.flatnonzero(finite):
            try:
                inv[b] = np.linalg.inv(sub[b])
            except np.linalg.LinAlgError:
                continue
        k = pred_all.size
        dof = plan.n - k - 1
        pos = {int(q): i for i, q in enumerate(pred_all)}
        for col in cols:
            i = pos[int(plan.sources[col])]
            with np.errstate(invalid="ignore"):
                se[:, col] = np.sqrt((1.0 - r2[:, j]) * inv[:, i, i] / dof)
            df[col] = dof
    with np.errstate(invalid="ignore", divide="ignore"):
        t = paths / se
    p = 2.0 * stats.t.sf(np.abs(t), df[None, :])
    half = stats.t.ppf(1.0 - plan.alpha / 2.0, df)[None, :] * se
    return se, p, paths - half, paths + half


def resample_correlations(x: FloatArray, rows: IntArray) -> FloatArray:
    """Correlation matrices of the resamples ``x[rows[b]]`` without forming them.

    Parameters
    ----------
    x
        ``(n, p)`` one sample (no constant column).
    rows
        ``(B, n)`` row indices of ``B`` resamples.

    Returns
    -------
    numpy.ndarray
        ``(B, p, p)``; NaN rows and columns for an item that is constant in a resample.

    Notes
    -----
    With :math:`Z` the sample standardized by its own mean and standard deviation, the draw
    counts :math:`C` (``B × n``) and :math:`P` the row-wise products :math:`z_{ik} z_{il}`
    (all :math:`k, l`), one matrix product :math:`C [Z \\mid P] / n` gives every resample's
    means and second moments, hence its covariances and correlations (the device of
    :func:`sem_csat.inference.bootstrap.moments_from_counts`, here for one small batch).  Up to
    four resamples are gathered and correlated directly, which is cheaper.
    """
    n, p = x.shape
    b = rows.shape[0]
    if b <= 4:  # a few resamples (the warp-speed bootstrap): gather them directly
        out = np.full((b, p, p), np.nan)
        for k in range(b):
            r = _correlation(x[rows[k]])
            if r is not None:
                out[k] = r
        return out
    counts = np.bincount((rows + (np.arange(b) * n)[:, None]).ravel(), minlength=b * n)
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    products = np.empty((n, p + p * p))
    products[:, :p] = z
    products[:, p:] = np.einsum("ni,nj->nij", z, z).reshape(n, p * p)
    moments = counts.reshape(b, n).astype(np.float64) @ products / n
    mean = moments[:, :p]
    cov = moments[:, p:].reshape(b, p, p) - mean[:, :, None] * mean[:, None, :]
    var = np.einsum("bii->bi", cov)
    sd = np.sqrt(np.where(var > 1e-12, var, np.nan))
    corr: FloatArray = cov / (sd[:, :, None] * sd[:, None, :])
    corr = 0.5 * (corr + np.swapaxes(corr, 1, 2))
    idx = np.arange(p)
    corr[:, idx, idx] = np.where(np.isfinite(sd), 1.0, np.nan)
    return corr


def bootstrap_summary(
    estimate: FloatArray, boot: FloatArray, alpha: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per-replicate bootstrap tests, as :func:`sem_csat.inference.bootstrap.summarize`.

    ``estimate`` is ``(c, k)``, ``boot`` ``(c, B, k)`` with NaN for left-out resamples.  The
    standard error is the standard deviation of the resamples, the test
    :math:`t = \\hat\\theta/\\text{se}` on :math:`m - 1` degrees of freedom (:math:`m` usable
    resamples, as SmartPLS), the interval the percentile interval (type 7 quantiles).
    """
    from scipy import stats

    m = np.isfinite(boot).sum(axis=1)
    enough = m >= 2
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.where(
            enough, np.nanstd(np.where(enough[:, None, :], boot, 0.0), axis=1, ddof=1), np.nan
        )
        p = np.where(
            enough & (se > 0), 2.0 * stats.t.sf(np.abs(estimate / se), np.maximum(m - 1, 1)), np.nan
        )
    lo = np.full_like(estimate, np.nan)
    hi = np.full_like(estimate, np.nan)
    rows, cols = np.nonzero(enough)
    for r, j in zip(rows, cols, strict=True):
        values = boot[r, :, j]
        q = np.quantile(values[np.isfinite(values)], [alpha / 2.0, 1.0 - alpha / 2.0])
        lo[r, j], hi[r, j] = q[0], q[1]
    return se, p, lo, hi


def chunk_size(plan: SimulationPlan) -> int:
    """Replicates per unit of work: :data:`CHUNK`, fewer with many resamples per replicate (at
    most about 4096 resamples in one batched fit).  A function of the settings only."""
    if plan.method != "ml" and plan.inference == "bootstrap":
        return max(1, min(CHUNK, 4096 // plan.n_boot))
    return CHUNK


def _pls_chunk(plan: SimulationPlan, start: int, stop: int) -> ChunkResult:
    c, k, p, n = stop - start, plan.n_paths, plan.factor.shape[0], plan.n
    out = _empty(c, k)
    corr = np.full((c, p, p), np.nan)
    resamples = {"warp": 1, "bootstrap": plan.n_boot}.get(plan.inference, 0)
    boot_corr = np.full((c * resamples, p, p), np.nan) if resamples else None
    for row, r in enumerate(range(start, stop)):
        rng = replicate_generator(plan, r)
        x = _sample(plan, rng)
        rx = _correlation(x)
        if rx is None:
            continue
        corr[row] = rx
        if boot_corr is not None:
            rows = rng.integers(0, n, size=(resamples, n))
            boot_corr[row * resamples : (row + 1) * resamples] = resample_correlations(x, rows)
    est, paths, status, _ = _pls_fit(plan, corr)
    out["estimate"] = paths
    out["test_estimate"] = paths.copy()
    boot = None
    if boot_corr is not None:
        _, bpaths, _, dropped = _pls_fit(plan, boot_corr)
        bpaths[dropped] = np.nan
        draws = bpaths.reshape(c, resamples, k)
        if plan.inference == "warp":
            boot = draws[:, 0, :]
        else:
            se, pv, lo, hi = bootstrap_summary(paths, draws, plan.alpha)
            out.update(std_error=se, p_value=pv, ci_lower=lo, ci_upper=hi)
    elif plan.inference == "ols":
        se, pv, lo, hi = _ols(plan, est, paths)
        out.update(std_error=se, p_value=pv, ci_lower=lo, ci_upper=hi)
    bad = status > INADMISSIBLE
    for arr in out.values():
        arr[bad] = np.nan
    return _result(start, stop, out, status, boot=boot)


# --------------------------------------------------------------------------------------------
# maximum likelihood


def _ml_chunk(plan: SimulationPlan, start: int, stop: int) -> ChunkResult:
    """Every replicate of the chunk by the CB-SEM pipeline: batched BFGS from the population
    values (refits one by one for the few that do not settle, as the bootstrap), Wald tests
    from the expected information, standardized paths as lavaan's ``std.all``."""
    from scipy import stats

    from sem_csat.cbsem.batch import Moments as BatchMoments
    from sem_csat.cbsem.estimate import Problem
    from sem_csat.cbsem.objective import ESTIMATORS
    from sem_csat.cbsem.resample import CBSEMLayout, CBSEMReplicateFunction
    from sem_csat.cbsem.samplestats import GroupStats, SampleStats
    from sem_csat.cbsem.standardized import standardize
    from sem_csat.cbsem.vcov import expected_vcov

    setup = plan.ml
    if setup is None:  # pragma: no cover - the plan is built with a set-up for ML
        raise EstimationError("The simulation plan has no ML model.")
    c, k = stop - start, plan.n_paths
    out = _empty(c, k)
    status = np.full(c, OK, dtype=np.intp)
    reasons: dict[str, int] = {}
    z_crit = float(stats.norm.ppf(1.0 - plan.alpha / 2.0))
    samples = [
        _sample(plan, replicate_generator(plan, r))[:, setup.observed] for r in range(start, stop)
    ]
    covs = np.array([np.cov(x, rowvar=False, bias=True) for x in samples])
    table = setup.table
    fn = CBSEMReplicateFunction(
        table=table,
        model=setup.model,
        reparam=setup.reparam,
        estimator="ML",
        z_hat=setup.start,
        h_inv=setup.h_inv,
        layout=CBSEMLayout.build(table, pd.DataFrame({"from": [], "to": []})),
    )
    moments = BatchMoments.build(covs, np.full(c, float(plan.n)), None, "ML")
    logdet = np.asarray(moments.logdet, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rejected trial steps
        z_all, failure = fn.fit(moments)
    free = table.free
    is_free = free > 0
    variance = np.array(
        [op == "~~" and a == b for a, op, b in zip(table.lhs, table.op, table.rhs, strict=True)]
    )
    directed = np.array([op in ("~", "=~") for op in table.op])
    path_rows = setup.path_rows
    for row in range(c):
        if failure[row]:
            status[row] = NOT_CONVERGED if failure[row] == "not converged" else FAILED
            if status[row] == FAILED:
                reasons[str(failure[row])] = reasons.get(str(failure[row]), 0) + 1
            continue
        group = GroupStats("", plan.n, moments.cov[row], logdet=float(logdet[row]))
        problem = Problem(
            setup.model, SampleStats(table.ov_names[0], (group,)), ESTIMATORS["ML"],
            setup.reparam,
        )  # fmt: skip
        z = z_all[row]
        vcov = expected_vcov(problem, z)
        if vcov.singular:
            status[row] = FAILED
            key = "information matrix singular (no standard errors)"
            reasons[key] = reasons.get(key, 0) + 1
            continue
        x = setup.reparam.x(z)
        est = table.ustart.copy()
        est[is_free] = x[free[is_free] - 1]
        est[np.isnan(est)] = 0.0
        se_x = vcov.se()
        se = np.where(is_free, se_x[np.maximum(free, 1) - 1], np.nan)
        implied = problem.implied(z)
        if implied is None:  # pragma: no cover - a converged fit has its moments
            status[row] = FAILED
            continue
        _, std = standardize(table, est, implied)
        with np.errstate(invalid="ignore", divide="ignore"):
            p_value = 2.0 * stats.norm.sf(np.abs(est[path_rows] / se[path_rows]))
        out["estimate"][row] = std[path_rows]
        out["test_estimate"][row] = est[path_rows]
        out["std_error"][row] = se[path_rows]
        out["p_value"][row] = p_value
        out["ci_lower"][row] = est[path_rows] - z_crit * se[path_rows]
        out["ci_upper"][row] = est[path_rows] + z_crit * se[path_rows]
        with np.errstate(invalid="ignore"):
            if (est[variance] < 0).any() or (np.abs(std[directed]) > 1.0).any():
                status[row] = INADMISSIBLE
    return _result(start, stop, out, status, reasons=reasons)


def run_chunk(plan: SimulationPlan, start: int, stop: int) -> ChunkResult:
    """Simulate and fit the replicates ``start, ..., stop - 1`` of ``plan``.

    BLAS runs single-threaded inside a chunk: the work is parallel over chunks (``n_jobs``),
    and the small matrix products of one replicate gain nothing from threads (on a busy
    machine, threads that wait for each other make them several times slower).
    """
    from sem_csat.inference.bootstrap import one_blas_thread

    with one_blas_thread():
        if plan.method == "ml":
            return _ml_chunk(plan, start, stop)
        return _pls_chunk(plan, start, stop)


def warp_inference(
    estimate: FloatArray, boot: FloatArray, usable: npt.NDArray[np.bool_], alpha: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Warp-speed bootstrap tests of every replicate (Giacomini, Politis & White 2013).

    Parameters
    ----------
    estimate
        ``(R, k)`` estimates :math:`\\hat\\theta_r` of the replicates.
    boot
        ``(R, k)`` one bootstrap estimate :math:`\\theta^*_r` per replicate (NaN where the
        resample failed).
    usable
        ``(R,)`` replicates whose estimates count.
    alpha
        Significance level.

    Returns
    -------
    tuple of numpy.ndarray
        ``(R, k)`` standard error, p-value, interval lower and upper bound.

    Notes
    -----
    The deviations :math:`\\delta_r = \\theta^*_r - \\hat\\theta_r` of all replicates pool into one
    bootstrap distribution, which stands for the bootstrap distribution of
    :math:`\\theta^* - \\hat\\theta` of every replicate.  The standard error is their standard
    deviation, :math:`s_\\delta`; replicate :math:`r` is tested as sem_csat's bootstrap tests
    (and SmartPLS): :math:`t_r = \\hat\\theta_r / s_\\delta` on :math:`m - 1` degrees of freedom
    (:math:`m` pooled resamples); its percentile interval is
    :math:`[\\hat\\theta_r + q_{\\alpha/2}(\\delta), \\hat\\theta_r + q_{1-\\alpha/2}(\\delta)]`.
    """
    from scipy import stats

    from sem_csat.inference.bootstrap import percentile_interval

    k = estimate.shape[1]
    se = np.full_like(estimate, np.nan)
    p = np.full_like(estimate, np.nan)
    lo = np.full_like(estimate, np.nan)
    hi = np.full_like(estimate, np.nan)
    for j in range(k):
        ok = usable & np.isfinite(boot[:, j]) & np.isfinite(estimate[:, j])
        delta = boot[ok, j] - estimate[ok, j]
        if delta.size < 2:
            continue
        s = float(delta.std(ddof=1))
        q_lo, q_hi = percentile_interval(delta[:, None], 1.0 - alpha)
        rows = usable & np.isfinite(estimate[:, j])
        se[rows, j] = s
        if s > 0:
            p[rows, j] = 2.0 * stats.t.sf(np.abs(estimate[rows, j] / s), delta.size - 1)
        lo[rows, j] = estimate[rows, j] + float(q_lo[0])
        hi[rows, j] = estimate[rows, j] + float(q_hi[0])
    return se, p, lo, hi


def warp_spread_ratio(
    estimate: FloatArray, boot: FloatArray, usable: npt.NDArray[np.bool_]
) -> FloatArray:
    """A check of the warp-speed assumption: does the bootstrap spread depend on the sample?

    For every path, the standard deviation of the deviations :math:`\\delta_r` of the replicates
    whose :math:`|\\hat\\theta_r|` is at most the median, divided by that of the others.  Under
    the assumption it is near 1 (its sampling error is about :math:`2/\\sqrt R`); PLS weights
    that are less stable in samples with weak paths make it larger, and the pooled bootstrap
    then overstates power.  NaN with fewer than 100 usable replicates.
    """
    k = estimate.shape[1]
    out = np.full(k, np.nan)
    for j in range(k):
        ok = usable & np.isfinite(boot[:, j]) & np.isfinite(estimate[:, j])
        if ok.sum() < 100:
            continue
        size = np.abs(estimate[ok, j])
        delta = boot[ok, j] - estimate[ok, j]
        low = size <= np.median(size)
        if low.sum() < 2 or (~low).sum() < 2:
            continue
        top = float(delta[~low].std(ddof=1))
        out[j] = float(delta[low].std(ddof=1)) / top if top > 0 else np.nan
    return out


def population_factor(corr: FloatArray) -> FloatArray:
    """A matrix :math:`A` with :math:`A A^\\top = R`: Cholesky, or the symmetric square root of
    a positive semi-definite ``R`` (items that are exact copies of their construct)."""
    try:
        return np.asarray(np.linalg.cholesky(corr), dtype=np.float64)
    except np.linalg.LinAlgError:
        lam, vec = np.linalg.eigh(corr)
        if lam[0] < -1e-10:
            raise EstimationError(
                "The population correlation matrix is not positive semi-definite; check the "
                "population values."
            ) from None
        root = np.asarray(vec * np.sqrt(np.clip(lam, 0.0, None)), dtype=np.float64)
        return root
