"""Re-estimating a fitted CB-SEM on many resamples at once (the bootstrap's replicate
function).

The fitted model's matrices, equality reparametrisation and estimator are taken from the
pipeline's :class:`~sem_csat.cbsem.pipeline.CBSEMFit` once.  For a chunk of resamples (their
covariance matrices and means, :class:`~sem_csat.inference.bootstrap.Moments`) the replicate
function

1. refuses resamples whose covariance matrix is not positive definite (ML, GLS) or not finite;
2. re-estimates all the others together by batched BFGS from the full-sample estimate ẑ with
   the inverse of the full-sample exact Hessian (:func:`sem_csat.cbsem.batch.solve`);
3. refits the few that did not settle one by one: dense BFGS from where they stopped, then
   from lavaan's start values (as lavaan's nlminb), each polished by the pipeline's
   :func:`~sem_csat.cbsem.estimate.minimize` with its convergence checks, and marks those that
   still do not converge as failed (:data:`NOT_CONVERGED`);
4. returns the statistics :data:`STATISTICS`.

Improper solutions (a negative variance, a latent or residual covariance matrix that is not
positive definite: lavaan's post-check) are found afterwards from the stored estimates
(:meth:`CBSEMReplicateFunction.improper`); as lavaan's ``bootstrapLavaan`` does, they are kept
in the summaries and counted.

Statistics
----------
=============  ==================================================================================
``params``     every free parameter, one value per free row of the parameter table (a parameter
               tied by an equality appears on each of its rows)
``std_all``    the same rows standardized as lavaan's ``std.all`` (NaN in a resample where a
               variance it divides by is negative, which does not make the resample fail)
``defined``    the defined parameters (``:=``), evaluated at the resample's estimates (only when
               the model has some)
``indirect``   unstandardized indirect effects (total minus direct) of the pairs of
               :attr:`CBSEMResult.effects <sem_csat.cbsem.results.CBSEMResult.effects>`
``total``      unstandardized total effects of the same pairs, (I − B)⁻¹ − I over the paths
=============  ==================================================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.cbsem import start as start_values
from sem_csat.cbsem.batch import BatchProblem, StartMap, hessian_inverse, solve
from sem_csat.cbsem.batch import Moments as BatchMoments
from sem_csat.cbsem.defined import DefinedParameters, defined_parameters
from sem_csat.cbsem.estimate import Problem, Reparam, bfgs_then_polish
from sem_csat.cbsem.lisrel import LisrelModel
from sem_csat.cbsem.objective import ESTIMATORS
from sem_csat.cbsem.partable import ParTable
from sem_csat.cbsem.samplestats import GroupStats, SampleStats
from sem_csat.inference.bootstrap import NOT_CONVERGED, Moments, ReplicateOutput

if TYPE_CHECKING:
    from sem_csat.cbsem.pipeline import CBSEMFit

__all__ = [
    "NOT_POSITIVE_DEFINITE",
    "SAMPLE_NOT_POSITIVE_DEFINITE",
    "STATISTICS",
    "CBSEMLayout",
    "CBSEMReplicateFunction",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

#: Names of the statistics every CB-SEM replicate returns, in order.
STATISTICS: Final = ("params", "std_all", "defined", "indirect", "total")
#: Failure reason of a resample whose model-implied covariance matrix is not positive definite.
NOT_POSITIVE_DEFINITE: Final = "model-implied covariance matrix not positive definite"
#: Failure reason of a resample whose sample covariance matrix is not positive definite (ML, GLS).
SAMPLE_NOT_POSITIVE_DEFINITE: Final = "sample covariance matrix not positive definite"
_TOL: Final = 1e-7  # batched BFGS: step size at which a resample counts as converged
_MAX_ITER: Final = 80


@dataclass(frozen=True, eq=False)
class CBSEMLayout:
    """Which entries of the model are bootstrapped, and how they are standardized.

    Attributes
    ----------
    rows
        ``lhs, op, rhs, label`` of the free rows of the parameter table, in its order.
    row_index, x_index
        Their positions in the table and in x.
    num, den1, den2
        For ``std_all``: each row's value is multiplied by ``U[num]`` and divided by
        ``U[den1]·U[den2]``, with U = (sd of the latent variables, sd of the items, sd of the
        latent (residual) variances, sd of the item residual variances, 1).
    defined
        The defined parameters (``:=``) and their labels (``lhs, op, rhs, label``).
    effects
        ``from, to`` of the effect pairs; ``effect_to``, ``effect_from`` their positions among
        the latent variables; ``path_rows``, ``path_cols``, ``path_x`` where the paths (``~``
        rows, free) sit in B and x, ``path_fixed`` the fixed paths (row, col, value).
    """

    rows: pd.DataFrame
    row_index: IntArray
    x_index: IntArray
    num: IntArray
    den1: IntArray
    den2: IntArray
    defined: DefinedParameters
    defined_rows: pd.DataFrame
    effects: pd.DataFrame
    effect_to: IntArray
    effect_from: IntArray
    path_rows: IntArray
    path_cols: IntArray
    path_x: IntArray
    path_fixed: tuple[tuple[int, int, float], ...] = field(default=())

    @classmethod
    def build(cls, table: ParTable, effects: pd.DataFrame) -> CBSEMLayout:
        """The layout of a one-block table and the result's effect pairs."""
        ov = {n: k for k, n in enumerate(table.ov_names[0])}
        lv = {n: k for k, n in enumerate(table.lv_names[0])}
        m, p = len(lv), len(ov)
        one = 2 * (m + p)

        def sd(name: str) -> int:
            return lv[name] if name in lv else m + ov[name]

        def own(name: str) -> int:
            return m + p + (lv[name] if name in lv else m + ov[name])

        rows, num, den1, den2 = [], [], [], []
        for i, (lhs, op, rhs, free) in enumerate(
            zip(table.lhs, table.op, table.rhs, table.free, strict=True)
        ):
            if free <= 0 or op not in ("=~", "~", "~~", "~1"):
                continue
            rows.append(i)
            if op == "=~":
                code = (sd(lhs), sd(rhs), one)
            elif op == "~":
                code = (sd(rhs), sd(lhs), one)
            elif op == "~~" and lhs == rhs:
                code = (one, sd(lhs), sd(lhs))
            elif op == "~~":
                code = (one, own(lhs), own(rhs))
            else:
                code = (one, sd(lhs), one)
            num.append(code[0])
            den1.append(code[1])
            den2.append(code[2])
        frame = table.rows
        labels = frame.iloc[rows][["lhs", "op", "rhs", "label"]].reset_index(drop=True)
        defined = defined_parameters(table)
        def_rows = frame.iloc[list(defined.rows)][["lhs", "op", "rhs", "label"]]
        eff = effects[["from", "to"]].reset_index(drop=True).astype(str)
        paths = [i for i, op in enumerate(table.op) if op == "~" and int(table.block[i]) == 1]
        free_paths = [i for i in paths if table.free[i] > 0]
        fixed = tuple(
            (int(table.index[i][0]), int(table.index[i][1]), float(table.ustart[i]))
            for i in paths
            if table.free[i] == 0
        )
        return cls(
            rows=labels,
            row_index=np.array(rows, dtype=np.intp),
            x_index=np.array([table.free[i] - 1 for i in rows], dtype=np.intp),
            num=np.array(num, dtype=np.intp),
            den1=np.array(den1, dtype=np.intp),
            den2=np.array(den2, dtype=np.intp),
            defined=defined,
            defined_rows=def_rows.reset_index(drop=True),
            effects=eff,
            effect_to=np.array([lv[t] for t in eff["to"]], dtype=np.intp),
            effect_from=np.array([lv[f] for f in eff["from"]], dtype=np.intp),
            path_rows=np.array([table.index[i][0] for i in free_paths], dtype=np.intp),
            path_cols=np.array([table.index[i][1] for i in free_paths], dtype=np.intp),
            path_x=np.array([table.free[i] - 1 for i in free_paths], dtype=np.intp),
            path_fixed=fixed,
        )


def _sd(var: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore"):
        out: FloatArray = np.sqrt(np.where(var >= 0, var, np.nan))
    return out


@dataclass(frozen=True, eq=False)
class CBSEMReplicateFunction:
    """Replicate function of a fitted CB-SEM for
    :func:`~sem_csat.inference.bootstrap.run_bootstrap` (see the module docstring).

    Built by :meth:`from_fit`; picklable (bootstrap workers receive it in another process).
    """

    table: ParTable = field(repr=False)
    model: LisrelModel = field(repr=False)
    reparam: Reparam = field(repr=False)
    estimator: str
    z_hat: FloatArray = field(repr=False)
    h_inv: FloatArray = field(repr=False)
    layout: CBSEMLayout = field(repr=False)

    @classmethod
    def from_fit(cls, fit: CBSEMFit, effects: pd.DataFrame) -> CBSEMReplicateFunction:
        """The replicate function of a converged one-group pipeline fit."""
        if fit.model is None or fit.reparam is None:
            raise ValueError("the fit has no model")
        problem = Problem(fit.model, fit.stats, ESTIMATORS[fit.options.estimator], fit.reparam)
        z = np.asarray(fit.optim.z, dtype=np.float64)
        implied = problem.implied(z)
        fisher = problem.fisher(implied) if implied is not None else np.full((z.size,) * 2, 1.0)
        h_inv = hessian_inverse(problem.hessian(z), fisher)
        return cls(
            table=fit.table,
            model=fit.model,
            reparam=fit.reparam,
            estimator=fit.options.estimator,
            z_hat=z.copy(),
            h_inv=h_inv,
            layout=CBSEMLayout.build(fit.table, effects),
        )

    @cached_property
    def _batch(self) -> BatchProblem:
        return BatchProblem(self.model, self.reparam, self.estimator)

    @cached_property
    def _start_map(self) -> StartMap | None:
        return self._batch.start_map(self.z_hat)

    # ------------------------------------------------------------------------ estimation
    def moments(self, moments: Moments) -> BatchMoments:
        """The resamples' moments with the estimator's divisor (N for ML, N − 1 otherwise)."""
        cov = moments.cov
        if self.estimator == "ML":
            cov = cov * ((moments.n_obs - 1.0) / moments.n_obs)[:, None, None]
        mean = moments.mean if self.model.meanstructure else None
        return BatchMoments.build(cov, moments.n_obs, mean, self.estimator)

    def fit(self, data: BatchMoments) -> tuple[FloatArray, npt.NDArray[np.object_]]:
        """Estimates ``(c, n_z)`` and failure reasons ``(c,)``."""
        c = data.cov.shape[0]
        z = np.full((c, self.z_hat.size), np.nan)
        failure = np.full(c, "", dtype=object)
        usable = np.isfinite(data.cov).all(axis=(1, 2))
        if data.mean is not None:
            usable &= np.isfinite(data.mean).all(axis=1)
        failure[~usable] = "non-finite sample moments"
        if self.estimator in ("ML", "GLS"):
            bad = usable & ~np.isfinite(np.asarray(data.logdet))
            failure[bad] = SAMPLE_NOT_POSITIVE_DEFINITE
            usable &= ~bad
        idx = np.flatnonzero(usable)
        if idx.size == 0:
            return z, failure
        sub = data.take(idx)
        start = self._start_map
        est, converged = solve(
            self._batch, sub, self.z_hat, self.h_inv, tol=_TOL, max_iter=_MAX_ITER,
            initial=None if start is None else start(sub),
        )  # fmt: skip
        for j in np.flatnonzero(~converged):  # rare: the full optimizer takes over
            est[j], converged[j] = self._refit(sub.take(np.array([j])), est[j])
        z[idx] = est
        failure[idx[~converged]] = NOT_CONVERGED
        ok = idx[converged]
        if ok.size and self.estimator != "ML":  # ML's f is finite only where Σ is PD
            low = np.linalg.eigvalsh(self._batch.point(self._batch.x(z[ok])).sigma)[:, 0]
            failure[ok[~(low > 0.0)]] = NOT_POSITIVE_DEFINITE
        return z, failure

    def _refit(self, one: BatchMoments, z_stop: FloatArray) -> tuple[FloatArray, bool]:
        """One resample that the batched iterations did not settle: dense BFGS from where
        they stopped (with the full-sample inverse Hessian), then BFGS from lavaan's start
        values (as nlminb starts), each followed by the pipeline's Newton polish and
        convergence checks."""
        mean = None if one.mean is None else one.mean[0]
        cov = one.cov[0]
        logdet = float(one.logdet[0]) if one.logdet is not None else math.nan
        icov = None if one.icov is None else one.icov[0]
        if icov is None and np.isfinite(logdet):
            icov = np.linalg.inv(cov)
        group = GroupStats("", int(one.nobs[0]), cov, mean=mean, logdet=logdet, icov=icov)
        stats = SampleStats(self.table.ov_names[0], (group,))
        problem = Problem(self.model, stats, ESTIMATORS[self.estimator], self.reparam)
        z0 = z_stop if np.all(np.isfinite(z_stop)) else self.z_hat
        res = bfgs_then_polish(problem, z0, self.h_inv, max_iter=600)
        if res.converged:
            return res.z, True
        free = self.table.free
        x = np.zeros(self.table.n_free)
        rows = start_values.lavaan_start(self.table, stats)
        x[free[free > 0] - 1] = rows[free > 0]
        res = bfgs_then_polish(problem, self.reparam.z(x), max_iter=1000)
        return res.z, bool(res.converged)

    # ------------------------------------------------------------------------ statistics
    def statistics(self, z: FloatArray) -> dict[str, FloatArray]:
        """The named statistics :data:`STATISTICS` of a stack of estimates."""
        lay = self.layout
        safe = np.where(np.isfinite(z), z, self.z_hat[None])
        x = self._batch.x(safe)
        pt = self._batch.point(x)
        sd_lv = _sd(np.einsum("cii->ci", pt.latent_cov))
        sd_ov = _sd(np.einsum("cii->ci", pt.sigma))
        own_lv = np.sqrt(np.abs(np.einsum("cii->ci", pt.mats["psi"])))
        own_ov = np.sqrt(np.abs(np.einsum("cii->ci", pt.mats["theta"])))
        u = np.concatenate([sd_lv, sd_ov, own_lv, own_ov, np.ones((x.shape[0], 1))], axis=1)
        est = x[:, lay.x_index]
        with np.errstate(invalid="ignore", divide="ignore"):
            std = est * u[:, lay.num] / (u[:, lay.den1] * u[:, lay.den2])
        std = np.where(np.isfinite(std), std, np.nan)
        out = {"params": est, "std_all": std}
        if lay.defined.size:
            rows = np.repeat(self.table.ustart[None], x.shape[0], axis=0)
            rows = np.where(np.isnan(rows), 0.0, rows)
            free = self.table.free
            rows[:, free > 0] = x[:, free[free > 0] - 1]
            out["defined"] = lay.defined.values_many(rows)
        if lay.effect_to.size == 0:
            out["indirect"] = out["total"] = np.zeros((x.shape[0], 0))
            return out
        m = len(self.table.lv_names[0])
        b = np.zeros((x.shape[0], m, m))
        b[:, lay.path_rows, lay.path_cols] = x[:, lay.path_x]
        for r, col, value in lay.path_fixed:
            b[:, r, col] = value
        eye = np.eye(m)
        try:
            total = np.linalg.inv(eye - b) - eye
        except np.linalg.LinAlgError:
            total = np.full(b.shape, np.nan)
        to, frm = lay.effect_to, lay.effect_from
        out["indirect"] = (total - b)[:, to, frm]
        out["total"] = total[:, to, frm]
        return out

    def improper(self, params: FloatArray) -> BoolArray:
        """Which rows of replicated ``params`` (the ``params`` statistic) are improper
        solutions (lavaan's post-check; False for failed, all-NaN rows)."""
        x = np.zeros((params.shape[0], self.table.n_free))
        x[:, self.layout.x_index] = params
        ok = np.isfinite(params).all(axis=1)
        out = np.zeros(params.shape[0], dtype=bool)
        if ok.any():
            out[ok] = self._batch.improper(self._batch.point(x[ok]))
        return out

    def __call__(self, moments: Moments, /) -> ReplicateOutput:
        z, failure = self.fit(self.moments(moments))
        return ReplicateOutput(self.statistics(z), failure, partial=frozenset({"std_all"}))
