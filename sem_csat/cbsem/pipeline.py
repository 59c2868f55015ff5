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

import dataclasses
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
from sem_csat.cbsem.defined import defined_parameters
from sem_csat.cbsem.estimate import OptimResult, Problem, Reparam, optimize_with_restarts
from sem_csat.cbsem.fiml_corrected import (
    CorrectedStatistics,
    corrected_statistics,
    fiml_gfi,
    moment_jacobian,
)
from sem_csat.cbsem.fit_groups import group_fit_measures
from sem_csat.cbsem.fit_indices import FitIndices, fit_measures, lavaan_measure_names
from sem_csat.cbsem.fit_ordinal import catml_robust, ordinal_measures
from sem_csat.cbsem.fit_robust import RobustInputs, robust_measures, scaled_measures
from sem_csat.cbsem.groups_table import check_group_options
from sem_csat.cbsem.identify import check_identification
from sem_csat.cbsem.lisrel import Implied, LisrelModel
from sem_csat.cbsem.objective import ESTIMATORS, ML, Discrepancy
from sem_csat.cbsem.objective_dwls import DWLS
from sem_csat.cbsem.objective_fiml import FIML
from sem_csat.cbsem.partable import ParTable, build_partable
from sem_csat.cbsem.samplestats import SampleStats, from_data, from_moments
from sem_csat.cbsem.standardized import r_squared, standardize
from sem_csat.cbsem.test import (
    TestResult,
    baseline_test,
    baseline_yuan_bentler,
    n_moments,
    scaled_shifted,
    standard_test,
    yuan_bentler_mplus,
)
from sem_csat.cbsem.vcov import (
    VCov,
    expected_vcov,
    observed_vcov,
    robust_huber_white,
    robust_sem,
    wls_jacobian,
    wls_ugamma,
)
from sem_csat.errors import DataError, EstimationError, UsageError
from sem_csat.inference.bootstrap import one_blas_thread
from sem_csat.spec.model import ModelSpec

__all__ = ["ALLOWED", "PARAM_COLUMNS", "CBSEMFit", "Options", "fit", "fit_data", "fit_moments"]

FloatArray = NDArray[np.float64]
_Z975: Final = float(sps.norm.ppf(0.975))
#: Allowed values of the options, declared as data (checked when a fit starts).
ALLOWED: Final[dict[str, tuple[str, ...]]] = {
    "estimator": (*ESTIMATORS, "DWLS", "MLR", "WLSMV"),
    "se": ("default", "standard", "robust.huber.white", "robust.sem"),
    "information": ("default", "expected", "observed"),
    "test": ("default", "standard", "yuan.bentler.mplus", "scaled.shifted"),
    "missing": ("listwise", "ml"),
}
#: lavaan's shorthands: estimator -> (estimator, se, test, information).
SHORTHANDS: Final[dict[str, tuple[str, str, str, str]]] = {
    "MLR": ("ML", "robust.huber.white", "yuan.bentler.mplus", "observed"),
    "WLSMV": ("DWLS", "robust.sem", "scaled.shifted", "expected"),
}
#: Which estimators each se and test can follow.
_REQUIRES: Final[dict[tuple[str, str], tuple[str, ...]]] = {
    ("se", "robust.huber.white"): ("ML",),
    ("test", "yuan.bentler.mplus"): ("ML",),
    ("se", "robust.sem"): ("DWLS", "ULS"),
    ("test", "scaled.shifted"): ("DWLS", "ULS"),
    ("missing", "ml"): ("ML",),
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
        ``"ML"``, ``"GLS"``, ``"ULS"``, ``"DWLS"``, or lavaan's shorthands ``"MLR"`` (ML with
        ``se = "robust.huber.white"``, ``test = "yuan.bentler.mplus"``, ``information =
        "observed"``) and ``"WLSMV"`` (DWLS with ``se = "robust.sem"``, ``test =
        "scaled.shifted"``).  A shorthand is resolved when the options are made: ``estimator``
        then holds lavaan's estimator and ``method`` the name asked for.
    std_lv
        Identify the factors by unit variances instead of marker loadings.
    se, information, test
        lavaan's ``se``, ``information`` and ``test``; ``"default"`` takes lavaan's default
        for the estimator (observed information with ``missing = "ml"``).
    missing
        ``"listwise"`` (complete data) or ``"ml"`` (full-information ML on incomplete data).
    max_iter
        Iteration limit of each optimizer run.
    method
        The estimator's name as asked for (``"MLR"``, ``"WLSMV"``, or ``estimator``).
    meanstructure
        Fit the means too (intercepts of the items free, means of the constructs fixed at 0
        unless the spec says otherwise); ``None`` follows the spec (lavaan's ``"default"``).
        Several groups always have a mean structure (as in lavaan).
    group_equal, group_partial
        Several groups: the kinds of parameters held equal across groups and the exceptions
        (lavaan's ``group.equal`` and ``group.partial``;
        :mod:`sem_csat.cbsem.groups_table`).
    """

    estimator: str = "ML"
    std_lv: bool = False
    se: str = "default"
    information: str = "default"
    test: str = "default"
    missing: str = "listwise"
    max_iter: int = 1000
    method: str = ""
    meanstructure: bool | None = None
    group_equal: tuple[str, ...] = ()
    group_partial: tuple[str, ...] = ()

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
        if self.meanstructure is not None and not isinstance(self.meanstructure, bool):
            raise UsageError(
                f"meanstructure must be True, False or None, got {self.meanstructure!r}."
            )
        method = self.estimator
        estimator, se, test, info = SHORTHANDS.get(
            method, (method, "standard", "standard", "expected")
        )
        if self.missing == "ml":
            info = "observed"
        resolved = {
            "estimator": estimator,
            "se": se if self.se == "default" else self.se,
            "test": test if self.test == "default" else self.test,
            "information": info if self.information == "default" else self.information,
            "method": self.method or method,
        }
        for name, value in resolved.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "group_equal", tuple(self.group_equal))
        object.__setattr__(self, "group_partial", tuple(self.group_partial))
        check_group_options(self.group_equal, self.group_partial)
        for (name, value), estimators in _REQUIRES.items():
            if getattr(self, name) == value and self.estimator not in estimators:
                raise UsageError(
                    f"{name}={value!r} goes with estimator {' or '.join(estimators)}, not "
                    f"{self.estimator!r}."
                )

    @property
    def scaled(self) -> bool:
        """Whether the fit has a scaled test besides the standard one."""
        return self.test != "standard"


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
    scaled_test, baseline_scaled
        The scaled tests of the model and of the baseline model (MLR: Yuan–Bentler; WLSMV:
        scaled and shifted), or ``None``.
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
    scaled_test: TestResult | None = None
    baseline_scaled: TestResult | None = field(default=None, repr=False)

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

    @property
    def iterations(self) -> int:
        """Optimizer iterations over every run (every start tried)."""
        return int(sum(r.iterations for r in self.runs))

    @property
    def gradient_norm(self) -> float:
        """max |∂f/∂z| at the solution (the post-fit checks compare it with lavaan's
        ``optim.dx.tol``)."""
        return self.optim.gradient_max

    @property
    def information_singular(self) -> bool:
        """Whether the information matrix of a converged fit could not be inverted (the
        model is not identified there; standard errors are NaN)."""
        return bool(self.converged and self.vcov.singular)

    def sample_cov(self, group: int = 0) -> pd.DataFrame:
        """S of a group as lavaan reports it: with the estimator's divisor; with FIML the EM
        estimate of the unrestricted model; for ordinal items the polychoric correlations."""
        names = list(self.stats.ov_names)
        g = self.stats.groups[group]
        s = g.missing.sigma if g.missing is not None else g.cov
        return pd.DataFrame(s, index=names, columns=names)

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
        keep = (rows["op"] != "==").to_numpy()  # constraints are not parameters (lavaan)
        est = rows["est"].to_numpy(dtype=np.float64)[keep]
        se = rows["se"].to_numpy(dtype=np.float64)[keep]
        with np.errstate(invalid="ignore", divide="ignore"):
            z = np.where(se > 0, est / se, np.nan)
        p = 2.0 * sps.norm.sf(np.abs(z))
        labels = self.table.group_labels

        def kept(name: str) -> NDArray[Any]:
            return rows[name].to_numpy()[keep]

        return pd.DataFrame(
            {
                "lhs": kept("lhs"),
                "op": kept("op"),
                "rhs": kept("rhs"),
                "group": [labels[g - 1] if g > 0 else "" for g in kept("group")],
                "label": kept("label"),
                "estimate": est,
                "std_error": se,
                "z_value": z,
                "p_value": p,
                "ci_lower": est - _Z975 * se,
                "ci_upper": est + _Z975 * se,
                "std_lv": self.std_lv[keep],
                "std_all": self.std_all[keep],
            }
        )

    def problem(self) -> Problem:
        """The estimation problem of this fit (model, statistics, discrepancy, equalities)."""
        model = self.model if self.model is not None else LisrelModel(self.table)
        reparam = self.reparam if self.reparam is not None else Reparam.from_table(self.table)
        return Problem(model, self.stats, _discrepancy(self.stats, self.options), reparam)

    def fiml_corrected(self) -> CorrectedStatistics | None:
        """lavaan's ``lav_fit_fiml_corrected()`` of a FIML fit (V3 with a scaled test, else
        V6), the numbers behind its robust CFI/TLI/RMSEA; ``None`` for other fits."""
        group = self.stats.groups[0]
        if group.missing is None or not self.converged:
            return None
        delta = _moment_jacobian(self.problem(), list(self.implied))
        return corrected_statistics(group, self.implied[0], delta, self.test.df,
                                    scaled=self.options.scaled)  # fmt: skip

    def modification_indices(self) -> pd.DataFrame:
        """Score tests of every fixed or omitted parameter, largest first
        (:func:`sem_csat.cbsem.modindices.modification_indices`)."""
        from sem_csat.cbsem.modindices import modification_indices

        return modification_indices(self)

    def __repr__(self) -> str:
        state = "converged" if self.converged else "NOT converged"
        return (
            f"<CBSEMFit {self.spec.name!r}: {self.options.method}"
            f"{', FIML' if self.stats.missing else ''}, N={self.n_obs}, "
            f"npar={self.npar}, df={self.df}, fmin={self.fmin:.6g}, {state}>"
        )


def _check_sample(stats: SampleStats, estimator: str, meanstructure: bool) -> None:
    for g in stats.groups:
        if meanstructure and g.mean is None and g.missing is None:
            raise DataError(
                "The model has a mean structure (intercepts or means), which needs the item "
                "means, but only a covariance matrix was given; pass the means as well "
                "(means=..., --means FILE) or fit without intercepts."
            )
        if estimator in ("ML", "GLS") and g.icov is None and g.missing is None:
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
        When the model has more free parameters than sample moments (df < 0) or is not
        identified (:func:`sem_csat.cbsem.identify.check_identification`).
    """
    options = options or Options()
    multi = stats.n_groups > 1
    if multi and stats.ordinal:
        raise UsageError(
            "Ordinal items in several groups are not available yet; fit each group on its "
            "own, or treat the items as continuous (method 'ml' or 'mlr')."
        )
    disc = _discrepancy(stats, options)
    ordinal = stats.groups[0].ordinal
    table = build_partable(
        spec,
        std_lv=options.std_lv,
        group_labels=[g.label for g in stats.groups],
        item_variances=stats.item_variances(),
        meanstructure=True if stats.missing or multi else options.meanstructure,
        thresholds=None if ordinal is None else ordinal.n_thresholds,
        group_equal=options.group_equal,
        group_partial=options.group_partial,
    )
    means = table.meanstructure
    _check_sample(stats, options.estimator, means)
    moments = n_moments(stats, meanstructure=means)
    with one_blas_thread():
        model = LisrelModel(table, meanstructure=means)
        reparam = Reparam.from_table(table)
        check_identification(table, model, reparam, moments)
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
        _derived_variances(table, implied, est)
        if best.converged:
            vcov = _vcov(problem, best.z, options)
        else:
            size = table.n_free
            vcov = VCov(np.full((size, size), np.nan), np.zeros((0, 0)), 0, True, math.nan)
        se = np.full(len(est), np.nan)
        se[is_free] = vcov.se()[free[is_free] - 1]
        se[table.user == 2] = np.nan
        std_lv, std_all = standardize(table, est, implied)
        defined = defined_parameters(table)
        if defined.size:
            rows = list(defined.rows)
            est[rows] = defined.values(est)
            se[rows] = defined.standard_errors(est, vcov.x)
            std_lv[rows] = defined.values(std_lv)
            std_all[rows] = defined.values(std_all)
        table = table.with_columns(start=start_rows, est=est, se=se)
        tests = _tests(problem, best, vcov, table.npar, options)
        r2 = r_squared(table, implied)
        fit_ = None
        if best.converged:
            fit_ = _fit_measures(problem, best.z, vcov, implied, tests, table.npar, options)
    return CBSEMFit(
        spec, options, table, stats, best, runs, vcov, tests.test, tests.baseline,
        tuple(implied), std_lv, std_all, r2, fit_, model, reparam, tests.scaled,
        tests.baseline_scaled,
    )  # fmt: skip


def _derived_variances(table: ParTable, implied: list[Implied], est: FloatArray) -> None:
    """Residual variances of ordinal items are not parameters but 1 − their communality
    (delta parameterization): write their implied value into ``est``, as lavaan reports it."""
    for b, imp in enumerate(implied):
        block = table.ov_names[b]
        scaled = {table.lhs[i] for i in range(len(table.op)) if table.op[i] == "~*~"}
        for i, (lhs, op, rhs, blk) in enumerate(
            zip(table.lhs, table.op, table.rhs, table.block, strict=True)
        ):
            if op == "~~" and lhs == rhs and lhs in scaled and blk == b + 1:
                k = block.index(lhs)
                est[i] = imp.mats["theta"][k, k]


def _discrepancy(stats: SampleStats, options: Options) -> Discrepancy:
    """Step 4a: the discrepancy function of the estimator (and of the data's kind)."""
    if stats.ordinal:
        if options.estimator != "DWLS":
            raise UsageError(
                "Ordinal items are fitted by diagonally weighted least squares: use estimator "
                f"DWLS or WLSMV, not {options.estimator}."
            )
        return DWLS()
    if options.estimator == "DWLS":
        raise UsageError(
            "DWLS and WLSMV are for ordinal items here: fit the raw answers (fit_data), which "
            "are then treated as ordered categories."
        )
    if stats.missing:
        if options.estimator != "ML":
            raise UsageError(
                f"Incomplete data need full-information ML (missing='ml'), which is maximum "
                f"likelihood: use estimator ML or MLR, not {options.estimator}."
            )
        return FIML()
    if options.missing == "ml":
        raise UsageError("missing='ml' needs the raw data (fit_data), not a covariance matrix.")
    robust = options.se == "robust.huber.white" or options.test == "yuan.bentler.mplus"
    if robust and any(g.data is None for g in stats.groups):
        raise UsageError(
            f"{options.method}'s robust standard errors and scaled test use every respondent's "
            "answers, so they need the raw data, not a covariance matrix; fit the data, or use "
            "estimator ML with a covariance matrix."
        )
    return ESTIMATORS[options.estimator]


def _vcov(problem: Problem, z: FloatArray, options: Options) -> VCov:
    """Step 5: the variation of the standard errors that the options ask for."""
    if options.se == "robust.huber.white":
        return robust_huber_white(problem, z)
    if options.se == "robust.sem":
        return robust_sem(problem, z)
    if options.information == "observed":
        return observed_vcov(problem, z)
    return expected_vcov(problem, z)


@dataclass(frozen=True)
class _Tests:
    test: TestResult
    baseline: TestResult
    scaled: TestResult | None = None
    baseline_scaled: TestResult | None = None


def _tests(problem: Problem, best: OptimResult, vcov: VCov, npar: int, options: Options) -> _Tests:
    """Step 6: the standard test, the baseline model's, and their scaled versions."""
    stats, disc = problem.stats, problem.discrepancy
    meanstructure = problem.model.meanstructure
    test = standard_test(best.f, stats, npar, chi_square=disc.chi_square,
                         meanstructure=meanstructure)  # fmt: skip
    baseline = baseline_test(stats, options.estimator, chi_square=disc.chi_square)
    if not best.converged:
        nan = TestResult("standard", math.nan, test.df, math.nan)
        return _Tests(nan, baseline)
    if options.test == "yuan.bentler.mplus":
        trace_h0 = vcov.trace_h0()
        if vcov.meat is None:  # standard SEs with a scaled test: the meat on its own
            trace_h0 = robust_huber_white(problem, best.z).trace_h0()
        scaled = yuan_bentler_mplus(test, stats, trace_h0, problem.model.n_free,
                                    meanstructure=meanstructure)  # fmt: skip
        baseline_scaled = baseline_yuan_bentler(baseline, stats, meanstructure=meanstructure)
        return _Tests(test, baseline, scaled, baseline_scaled)
    if options.test == "scaled.shifted":
        scaled = scaled_shifted(test, wls_ugamma(problem, best.z, vcov))
        od = stats.groups[0].ordinal
        if od is None:  # the options checks pair scaled.shifted with DWLS (ordinal items)
            raise UsageError("The scaled-shifted test needs ordinal items.")
        nth = od.n_th
        ug0 = od.weights[nth:, None] * od.gamma[nth:, nth:]  # baseline: U = W on ρ
        return _Tests(test, baseline, scaled, scaled_shifted(baseline, ug0))
    return _Tests(test, baseline)


def _fit_measures(
    problem: Problem,
    z: FloatArray,
    vcov: VCov,
    implied: list[Implied],
    tests: _Tests,
    npar: int,
    options: Options,
) -> FitIndices | None:
    """Step 7: every fit measure lavaan reports for these options."""
    stats = problem.stats
    test, baseline = tests.test, tests.baseline
    if not math.isfinite(test.stat):
        return None
    estimator = options.estimator
    if stats.n_groups > 1:
        deltas = None
        if stats.missing:
            deltas = _moment_jacobians(problem, implied)
        return group_fit_measures(stats, implied, test, baseline, npar, estimator,
                                  tests.scaled, tests.baseline_scaled, deltas)  # fmt: skip
    group, imp = stats.groups[0], implied[0]
    loglik = unrestricted = math.nan
    s, means = group.cov, (group.mean if imp.mu is not None else None)
    if group.missing is not None:  # FIML: residuals against the EM moments
        s, means = group.missing.sigma, group.missing.mu
        loglik = FIML().loglik(group, imp)
        unrestricted = group.missing.loglik
    elif estimator == "ML":
        loglik = ML.loglik(group, imp)
        p = group.cov.shape[0]
        unrestricted = -0.5 * group.nobs * (p * math.log(2 * math.pi) + group.logdet + p)
    out = fit_measures(
        s,
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
        means=means,
        implied_means=imp.mu if means is not None else None,
    )
    scaled, baseline_scaled = tests.scaled, tests.baseline_scaled
    extra: dict[str, float] = {}
    robust: RobustInputs | None = None
    if scaled is not None and baseline_scaled is not None:
        extra |= scaled_measures(test, scaled, baseline, baseline_scaled, n_stat=out.n_stat)
        robust = RobustInputs.from_scaled(test, scaled, baseline, baseline_scaled)
        if scaled.test == "yuan.bentler.mplus":
            extra |= {
                "scaling.factor.h1": scaled.scaling_factor_h1,
                "scaling.factor.h0": scaled.scaling_factor_h0,
            }
    if group.ordinal is not None:
        extra |= ordinal_measures(group, imp, test.stat, test.df)
        robust = None  # lavaan: robust indices of ordinal data only with a scaled test
        if scaled is not None:
            delta = wls_jacobian(problem, z)
            robust = catml_robust(group, imp.sigma, delta, vcov.inverse_information, test.df)
    if group.missing is not None:
        extra |= fiml_gfi(group, imp, test.df)
        delta = _moment_jacobian(problem, implied)
        corrected = corrected_statistics(group, imp, delta, test.df, scaled=scaled is not None)
        robust = corrected.robust_inputs()
    if robust is not None:
        extra |= robust_measures(robust, test.df, baseline.df, n_stat=out.n_stat)
    if not extra:
        return out
    names = lavaan_measure_names(
        estimator,
        scaled=scaled is not None,
        robust=robust is not None,
        categorical=group.ordinal is not None,
        yuan_bentler=scaled is not None and scaled.test == "yuan.bentler.mplus",
    )
    return dataclasses.replace(
        out,
        srmr=extra.get("srmr", out.srmr),
        extra=extra,
        measure_names=names,
        gfi=extra.get("gfi", out.gfi),
        agfi=extra.get("agfi", out.agfi),
        pgfi=extra.get("pgfi", out.pgfi),
        chi2_scaled=None if scaled is None else scaled.stat,
        scaling_factor=None if scaled is None else scaled.scaling_factor,
        cfi_robust=extra.get("cfi.robust"),
        tli_robust=extra.get("tli.robust"),
        rmsea_robust=extra.get("rmsea.robust"),
    )


def _moment_jacobians(problem: Problem, implied: list[Implied]) -> list[FloatArray]:
    """Δ_g = ∂(μ_g, vech Σ_g)/∂zᵀ of every group at the estimates (equalities removed)."""
    out = []
    for fac, imp in zip(problem.model.jacobian(implied), implied, strict=True):
        delta = moment_jacobian(fac, imp.sigma.shape[0], problem.model.n_free)
        out.append(problem.reparam.reduce_matrix_rows(delta))
    return out


def _moment_jacobian(problem: Problem, implied: list[Implied]) -> FloatArray:
    """Δ = ∂(μ, vech Σ)/∂zᵀ of the one group at the estimates (equalities removed)."""
    fac = problem.model.jacobian(implied)[0]
    p = implied[0].sigma.shape[0]
    delta = moment_jacobian(fac, p, problem.model.n_free)
    return problem.reparam.reduce_matrix_rows(delta)


def fit_data(
    spec: ModelSpec,
    data: pd.DataFrame | Sequence[pd.DataFrame],
    options: Options | None = None,
) -> CBSEMFit:
    """Fit complete raw data (one frame, or one per group)."""
    options = options or Options()
    frames = [data] if isinstance(data, pd.DataFrame) else list(data)
    stats = from_data(
        frames,
        spec.indicator_names,
        estimator=options.estimator,
        missing=options.missing,
        ordered=options.estimator == "DWLS",
    )
    return fit(spec, stats, options)


def fit_moments(
    spec: ModelSpec,
    cov: pd.DataFrame,
    n_obs: int,
    options: Options | None = None,
    *,
    rescale: bool | None = None,
    means: pd.Series | None = None,
) -> CBSEMFit:
    """Fit a covariance matrix (divisor N − 1) and its N (lavaan's ``sample.cov``), and the
    item means (``sample.mean``), which a model with a mean structure needs."""
    options = options or Options()
    stats = from_moments(
        [cov],
        [n_obs],
        spec.indicator_names,
        estimator=options.estimator,
        rescale=rescale,
        means=None if means is None else [means],
    )
    return fit(spec, stats, options)
