"""The CB-SEM pipeline, in lavaan's steps: spec + data → :class:`CBSEMFit`.

====  ==================================  =================================================
step  module                              lavaan
====  ==================================  =================================================
1     :mod:`~sem_csat.cbsem.partable`     ``lav_partable*.R`` (step04)
2     :mod:`~sem_csat.cbsem.samplestats`  ``lav_samplestats.R`` (step05)
3     :mod:`~sem_csat.cbsem.start`        ``lav_start.R`` (step08)
4     :mod:`~sem_csat.cbsem.lisrel`,      ``lav_model*.R``, ``lav_objective.R``,
      :mod:`~sem_csat.cbsem.objective`,   ``lav_model_estimate.R`` (step09, step11)
      :mod:`~sem_csat.cbsem.estimate`
5     :mod:`~sem_csat.cbsem.vcov`         ``lav_model_vcov.R`` (step13)
6     :mod:`~sem_csat.cbsem.test`         ``lav_test.R`` (step14)
7     :mod:`~sem_csat.cbsem.fit_indices`  ``lav_fit_measures.R``
8     :mod:`~sem_csat.cbsem.standardized` ``lav_standardize.R``
====  ==================================  =================================================

An estimator is a variation inside the steps (its discrepancy function, its information, its
test), chosen by :class:`Options`, never a separate module.  The linear algebra runs on one
BLAS thread: the matrices are small, and threaded BLAS on small matrices slows down badly when
other processes keep the cores busy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats as sps

from sem_csat.cbsem import start as start_values
from sem_csat.cbsem.estimate import OptimResult, Problem, Reparam, optimize_with_restarts
from sem_csat.cbsem.fit_indices import FitIndices, fit_measures
from sem_csat.cbsem.lisrel import Implied, LisrelModel
from sem_csat.cbsem.objective import ESTIMATORS, ML
from sem_csat.cbsem.partable import ParTable, build_partable
from sem_csat.cbsem.samplestats import SampleStats, from_data, from_moments
from sem_csat.cbsem.standardized import r_squared, standardize
from sem_csat.cbsem.test import TestResult, baseline_test, n_moments, standard_test
from sem_csat.cbsem.vcov import VCov, expected_vcov
from sem_csat.errors import DataError, EstimationError, UsageError
from sem_csat.spec.model import ModelSpec

__all__ = ["ALLOWED", "PARAM_COLUMNS", "CBSEMFit", "Options", "fit", "fit_data", "fit_moments"]

FloatArray = NDArray[np.float64]
_Z975: Final = float(sps.norm.ppf(0.975))
#: Allowed values of the options, declared as data (checked when a fit starts).
ALLOWED: Final[dict[str, tuple[str, ...]]] = {
    "estimator": tuple(ESTIMATORS),
    "se": ("standard",),
    "information": ("expected",),
    "test": ("standard",),
}
#: Columns of :attr:`CBSEMFit.params` (the result contract's parameter table).
PARAM_COLUMNS: Final = (
    "lhs",
    "op",
    "rhs",
    "group",
    "label",
    "estimate",
    "std_error",
    "z_value",
    "p_value",
    "ci_lower",
    "ci_upper",
    "std_lv",
    "std_all",
)


@dataclass(frozen=True)
class Options:
    """Estimation settings, with lavaan's names and defaults.

    Attributes
    ----------
    estimator
        ``"ML"``, ``"GLS"`` or ``"ULS"``.
    std_lv
        Identify the factors by unit variances instead of marker loadings.
    se, information, test
        lavaan's ``se``, ``information`` and ``test`` (only the standard ones for now).
    max_iter
        Iteration limit of each optimizer run.
    """

    estimator: str = "ML"
    std_lv: bool = False
    se: str = "standard"
    information: str = "expected"
    test: str = "standard"
    max_iter: int = 1000

    def __post_init__(self) -> None:
        for name, allowed in ALLOWED.items():
            value = getattr(self, name)
            if value not in allowed:
                raise UsageError(
                    f"{name}={value!r} is not available for CB-SEM; use one of "
                    f"{', '.join(map(repr, allowed))}."
                )
        if not isinstance(self.std_lv, bool):
            raise UsageError(f"std_lv must be True or False, got {self.std_lv!r}.")


@dataclass(frozen=True, eq=False)
class CBSEMFit:
    """Everything one run of the pipeline produced (immutable).

    Attributes
    ----------
    spec, options
        What was fitted, and how.
    table
        The parameter table with ``start``, ``est`` and ``se`` filled.
    stats
        The sample statistics.
    optim, runs
        The chosen optimizer run, and every run made (one per start tried).
    vcov
        Cov(x̂) (NaN when not converged or the information is singular).
    test, baseline
        The model's and the baseline model's test statistics.
    implied
        Implied moments per group at the estimates.
    std_lv, std_all
        Standardized values of every table row.
    r2
        R² per group and variable (``group, variable, r2``).
    fit
        Every fit measure (``None`` when the run did not converge).
    model, reparam
        The matrix representation and the equality reparametrisation x = Kz + x₀ (for later
        steps: robust corrections, modification indices, the bootstrap).
    """

    spec: ModelSpec
    options: Options
    table: ParTable = field(repr=False)
    stats: SampleStats = field(repr=False)
    optim: OptimResult = field(repr=False)
    runs: tuple[OptimResult, ...] = field(repr=False)
    vcov: VCov = field(repr=False)
    test: TestResult
    baseline: TestResult = field(repr=False)
    implied: tuple[Implied, ...] = field(repr=False)
    std_lv: FloatArray = field(repr=False)
    std_all: FloatArray = field(repr=False)
    r2: pd.DataFrame = field(repr=False)
    fit: FitIndices | None = field(repr=False)
    model: LisrelModel | None = field(default=None, repr=False)
    reparam: Reparam | None = field(default=None, repr=False)

    @property
    def converged(self) -> bool:
        return self.optim.converged

    @property
    def fmin(self) -> float:
        """lavaan's ``fmin``: the minimum of f (χ² = 2N·fmin)."""
        return self.optim.f

    @property
    def npar(self) -> int:
        """Free parameters net of equality constraints."""
        return self.table.npar

    @property
    def df(self) -> int:
        return int(self.test.df)

    @property
    def n_obs(self) -> int:
        return self.stats.ntotal

    def sample_cov(self, group: int = 0) -> pd.DataFrame:
        """S of a group (with the estimator's divisor)."""
        names = list(self.stats.ov_names)
        return pd.DataFrame(self.stats.groups[group].cov, index=names, columns=names)

    def implied_cov(self, group: int = 0) -> pd.DataFrame:
        """Σ̂ of a group."""
        names = list(self.table.ov_names[group])
        return pd.DataFrame(self.implied[group].sigma, index=names, columns=names)

    def fit_measures(self) -> dict[str, float]:
        """Every fit measure under lavaan's ``fitMeasures()`` names, ``.`` written ``_``."""
        if self.fit is None:
            return {}
        return {k.replace(".", "_"): v for k, v in self.fit.as_lavaan().items()}

    @cached_property
    def params(self) -> pd.DataFrame:
        """The parameter table in the result contract's layout (:data:`PARAM_COLUMNS`)."""
        rows = self.table.rows
        keep = (rows["user"] != 2).to_numpy()
        est = rows["est"].to_numpy(dtype=np.float64)
        se = rows["se"].to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            z = np.where(se > 0, est / se, np.nan)
        p = 2.0 * sps.norm.sf(np.abs(z))
        labels = self.table.group_labels
        out = pd.DataFrame(
            {
                "lhs": rows["lhs"],
                "op": rows["op"],
                "rhs": rows["rhs"],
                "group": [labels[g - 1] if g > 0 else "" for g in rows["group"]],
                "label": rows["label"],
                "estimate": est,
                "std_error": se,
                "z_value": z,
                "p_value": p,
                "ci_lower": est - _Z975 * se,
                "ci_upper": est + _Z975 * se,
                "std_lv": self.std_lv,
                "std_all": self.std_all,
            }
        )
        return out.loc[keep].reset_index(drop=True)

    def __repr__(self) -> str:
        state = "converged" if self.converged else "NOT converged"
        return (
            f"<CBSEMFit {self.spec.name!r}: {self.options.estimator}, N={self.n_obs}, "
            f"npar={self.npar}, df={self.df}, fmin={self.fmin:.6g}, {state}>"
        )


_BLAS: Any = None


def _one_thread() -> Any:
    """A context manager that limits BLAS to one thread (threadpoolctl, created once)."""
    global _BLAS
    if _BLAS is None:
        from threadpoolctl import ThreadpoolController

        _BLAS = ThreadpoolController()
    return _BLAS.limit(limits=1, user_api="blas")


def _check_sample(stats: SampleStats, estimator: str) -> None:
    for g in stats.groups:
        if estimator in ("ML", "GLS") and g.icov is None:
            where = f" in group '{g.label}'" if g.label else ""
            raise DataError(
                f"The sample covariance matrix{where} is not positive definite, so "
                f"{estimator} cannot be used; look for constant items or items that are exact "
                "sums of others, or use method 'uls'."
            )


def fit(spec: ModelSpec, stats: SampleStats, options: Options | None = None) -> CBSEMFit:
    """Run the pipeline on sample statistics (see the module docstring for the steps).

    Raises
    ------
    SpecError
        When the spec cannot be estimated by CB-SEM (formative constructs, ...).
    DataError
        When S is not positive definite for ML or GLS.
    EstimationError
        When the model has more free parameters than sample moments (df < 0).
    """
    options = options or Options()
    if stats.n_groups != 1:
        raise UsageError(
            "CB-SEM fits one group for now; several groups come with the group comparison."
        )
    disc = ESTIMATORS[options.estimator]
    _check_sample(stats, options.estimator)
    table = build_partable(
        spec,
        std_lv=options.std_lv,
        group_labels=[g.label for g in stats.groups],
        item_variances=stats.item_variances(),
    )
    moments = n_moments(stats)
    if table.npar > moments:
        p = len(stats.ov_names)
        raise EstimationError(
            f"The model has {table.npar} free parameters but the {p} items give only "
            f"{moments} distinct variances and covariances (df = {moments - table.npar}), so "
            "it is not identified; fix or remove parameters (e.g. error covariances) or add "
            "items."
        )
    with _one_thread():
        model = LisrelModel(table)
        reparam = Reparam.from_table(table)
        problem = Problem(model, stats, disc, reparam)
        free = table.free
        is_free = free > 0

        def to_x(row_values: FloatArray) -> FloatArray:
            x = np.zeros(table.n_free)
            x[free[is_free] - 1] = row_values[is_free]
            return x

        starts = {
            name: (lambda make=make: to_x(make(table, stats)))
            for name, make in start_values.STARTS.items()
        }
        best, runs = optimize_with_restarts(problem, starts, max_iter=options.max_iter)
        start_rows = start_values.lavaan_start(table, stats)
        x = best.x
        est = table.ustart.copy()
        est[is_free] = x[free[is_free] - 1]
        est[np.isnan(est)] = 0.0
        implied = problem.implied(best.z)
        if implied is None:
            raise EstimationError(
                "I - B is singular at the solution, so the structural model has no solution; "
                "check for feedback loops among the paths."
            )
        if best.converged:
            vcov = expected_vcov(problem, best.z)
        else:
            size = table.n_free
            vcov = VCov(np.full((size, size), np.nan), np.zeros((0, 0)), 0, True, math.nan)
        se = np.full(len(est), np.nan)
        se[is_free] = vcov.se()[free[is_free] - 1]
        se[table.user == 2] = np.nan
        table = table.with_columns(start=start_rows, est=est, se=se)
        test = standard_test(best.f, stats, table.npar, chi_square=disc.chi_square)
        baseline = baseline_test(stats, options.estimator, chi_square=disc.chi_square)
        if not best.converged:
            test = TestResult("standard", math.nan, test.df, math.nan)
        std_lv, std_all = standardize(table, est, implied)
        r2 = r_squared(table, implied)
        fit_ = _fit_measures(stats, implied, test, baseline, table.npar, options.estimator)
    return CBSEMFit(
        spec, options, table, stats, best, runs, vcov, test, baseline, tuple(implied),
        std_lv, std_all, r2, fit_ if best.converged else None, model, reparam,
    )  # fmt: skip


def _fit_measures(
    stats: SampleStats,
    implied: list[Implied],
    test: TestResult,
    baseline: TestResult,
    npar: int,
    estimator: str,
) -> FitIndices | None:
    if not math.isfinite(test.stat):
        return None
    group, imp = stats.groups[0], implied[0]
    loglik = unrestricted = math.nan
    if estimator == "ML":
        loglik = ML.loglik(group, imp)
        p = group.cov.shape[0]
        unrestricted = -0.5 * group.nobs * (p * math.log(2 * math.pi) + group.logdet + p)
    return fit_measures(
        group.cov,
        imp.sigma,
        n_obs=stats.ntotal,
        n_params=npar,
        estimator=estimator,
        chi2=test.stat,
        df=int(test.df),
        baseline_chi2=baseline.stat,
        baseline_df=int(baseline.df),
        loglik=loglik,
        unrestricted_loglik=unrestricted,
    )


def fit_data(
    spec: ModelSpec,
    data: pd.DataFrame | Sequence[pd.DataFrame],
    options: Options | None = None,
) -> CBSEMFit:
    """Fit complete raw data (one frame, or one per group)."""
    options = options or Options()
    frames = [data] if isinstance(data, pd.DataFrame) else list(data)
    stats = from_data(frames, spec.indicator_names, estimator=options.estimator)
    return fit(spec, stats, options)


def fit_moments(
    spec: ModelSpec,
    cov: pd.DataFrame,
    n_obs: int,
    options: Options | None = None,
    *,
    rescale: bool | None = None,
) -> CBSEMFit:
    """Fit a covariance matrix (divisor N − 1) and its N (lavaan's ``sample.cov``)."""
    options = options or Options()
    stats = from_moments(
        [cov], [n_obs], spec.indicator_names, estimator=options.estimator, rescale=rescale
    )
    return fit(spec, stats, options)
