"""Covariance-based SEM estimator: spec + survey data -> a :class:`CBSEMResult`.

The estimator checks its settings at the start of :meth:`CBSEM.fit`, validates the data against
the spec (the same checks as for PLS), estimates and collects every diagnostic.  ML, GLS and
ULS (and the ML point estimates of MLR) run on the table-based pipeline
(:mod:`sem_csat.cbsem.pipeline`, lavaan's steps, no semopy); FIML and the ordinal estimators
still run on the earlier engine until they are ported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from sem_csat.cbsem.results import CBSEMResult
from sem_csat.data import PreparedData, RawData, prepare_data
from sem_csat.diagnostics import Diagnostic, emit
from sem_csat.errors import ConvergenceWarning, DataWarning, EstimationError, SemCsatError
from sem_csat.spec.model import ModelSpec

if TYPE_CHECKING:
    from sem_csat.cbsem.estimation import CBSEMEstimate
    from sem_csat.cbsem.robust import RobustResult
    from sem_csat.data.moments import SummaryStatistics

__all__ = ["CBSEM", "ESTIMATORS", "MISSING", "CBSEMSettings"]

Estimator = Literal["ML", "GLS", "ULS"]
#: Estimators available now, by their command-line names (MLR: ML estimates with robust
#: standard errors and the Yuan–Bentler scaled test).
ESTIMATORS: dict[str, Estimator] = {"ml": "ML", "mlr": "ML", "gls": "GLS", "uls": "ULS"}
#: Estimators for ordinal (ordered-categorical) items.
ORDINAL_ESTIMATORS: tuple[str, ...] = ("wlsmv", "dwls")
#: Missing-data policies of the covariance-based engine.
MISSING: tuple[str, ...] = ("listwise", "fiml")
#: Methods with robust standard errors and a scaled test statistic.
ROBUST_METHODS: tuple[str, ...] = ("mlr", "wlsmv")


@dataclass(frozen=True)
class CBSEMSettings:
    """Settings of a covariance-based fit; they travel with the result.

    Attributes
    ----------
    method
        ``"ml"``, ``"mlr"``, ``"gls"``, ``"uls"`` (continuous items) or ``"dwls"``,
        ``"wlsmv"`` (ordinal items, polychoric correlations).
    missing
        ``"listwise"`` (drop incomplete respondents) or ``"fiml"`` (full-information ML, with
        ``"ml"`` and ``"mlr"``).
    na_values
        Codes treated as missing before anything else.
    std_lv
        Identify each factor by fixing its (residual) variance at 1 and freeing all its
        loadings (lavaan's ``std.lv = TRUE``) instead of fixing its first loading at 1.
    """

    method: str = "ml"
    missing: str = "listwise"
    na_values: tuple[float | str, ...] = ()
    std_lv: bool = False

    @property
    def estimator(self) -> str:
        """The discrepancy function: ``"ML"``, ``"GLS"``, ``"ULS"`` or ``"DWLS"``."""
        return "DWLS" if self.method in ORDINAL_ESTIMATORS else ESTIMATORS[self.method]

    @property
    def robust(self) -> bool:
        """Whether the standard errors are robust and the test scaled (MLR, WLSMV)."""
        return self.method in ROBUST_METHODS

    def check(self) -> CBSEMSettings:
        """Validate the settings and return them (raises :class:`EstimationError`)."""
        methods = [*ESTIMATORS, *ORDINAL_ESTIMATORS]
        if self.method not in methods:
            raise EstimationError(
                f"The covariance-based method must be one of {', '.join(methods)}; got "
                f"{self.method!r}."
            )
        if self.missing not in MISSING:
            raise EstimationError(
                f"missing={self.missing!r} is not available for covariance-based SEM: use "
                "'listwise' (drop incomplete respondents) or 'fiml' (full-information ML, with "
                "method 'ml' or 'mlr')."
            )
        if self.missing == "fiml" and self.method not in ("ml", "mlr"):
            raise EstimationError(
                f"FIML is maximum likelihood: use missing='fiml' with method 'ml' or 'mlr', "
                f"not '{self.method}'."
            )
        if not isinstance(self.std_lv, bool):
            raise EstimationError(f"std_lv must be True or False; got {self.std_lv!r}.")
        return self

    def as_dict(self) -> dict[str, Any]:
        """``method``, ``estimator``, ``missing``, ``na_values`` and ``std_lv`` (``run.json``)."""
        return {
            "method": self.method,
            "estimator": self.estimator,
            "missing": self.missing,
            "na_values": list(self.na_values),
            "std_lv": self.std_lv,
        }


class CBSEM:
    """Covariance-based SEM (Jöreskog 1973; Bollen 1989) with lavaan's conventions.

    Parameters
    ----------
    estimator
        ``"ml"`` (maximum likelihood, default), ``"mlr"`` (ML with Huber–White robust standard
        errors and the Yuan–Bentler scaled χ², as lavaan's MLR), ``"gls"`` or ``"uls"``.
    std_lv
        Identify each factor by fixing its (residual) variance at 1 and freeing all its
        loadings (lavaan's ``std.lv = TRUE``) instead of fixing its first loading at 1.

    Examples
    --------
    >>> import sem_csat
    >>> from sem_csat.spec import ModelSpec
    >>> from sem_csat.spec.builders import multi_items, paths, reflective
    >>> spec = ModelSpec(
    ...     "Quality and satisfaction",
    ...     constructs=[
    ...         reflective("QUAL", multi_items("qual", 1, 5)),
    ...         reflective("SAT", multi_items("sat", 1, 4)),
    ...     ],
    ...     paths=paths("QUAL", "SAT"),
    ... )
    >>> fit = CBSEM("ml").fit(spec, sem_csat.datasets.load("bank_satisfaction"))
    >>> fit.paths[["from", "to", "std_estimate"]].round(3)
       from   to  std_estimate
    0  QUAL  SAT         0.801
    >>> print(f"CFI {fit.fit_indices.cfi:.3f}, RMSEA {fit.fit_indices.rmsea:.3f}")
    CFI 0.987, RMSEA 0.052
    """

    def __init__(self, estimator: str = "ml", *, std_lv: bool = False) -> None:
        self.estimator = estimator
        self.std_lv = std_lv

    def fit(
        self,
        spec: ModelSpec,
        data: pd.DataFrame | RawData | PreparedData,
        *,
        missing: str = "listwise",
        na_values: Sequence[float | str] = (),
    ) -> CBSEMResult:
        """Estimate the model on survey data.

        ``missing="listwise"`` (default) drops incomplete respondents; ``missing="fiml"`` uses
        every answer given (full-information ML, for ``"ml"`` and ``"mlr"``), as lavaan's
        ``missing="fiml"``.

        Raises
        ------
        SpecError
            Formative constructs (CB-SEM needs common factors: use PLS) or an unidentified
            model (more free parameters than variances and covariances).
        DataError
            When the data do not fit the spec.
        EstimationError
            When the estimation cannot be carried out.
        """
        settings = CBSEMSettings(
            str(self.estimator).lower(), str(missing), tuple(na_values), self.std_lv
        ).check()
        if not isinstance(spec, ModelSpec):
            raise SemCsatError(f"spec must be a ModelSpec (see sem_csat.load_spec); got {spec!r}.")
        from sem_csat.cbsem.partable import check_supported

        check_supported(spec)  # refuses formative constructs before the data are read
        if isinstance(data, PreparedData):
            prepared = data
        else:
            prepared = prepare_data(
                spec,
                data,
                missing=settings.missing,  # type: ignore[arg-type]
                na_values=settings.na_values,
            )
        if settings.method in ORDINAL_ESTIMATORS:
            return _estimate_wlsmv(spec, prepared, settings)
        if settings.missing == "fiml" and bool(prepared.frame.isna().to_numpy().any()):
            return _estimate_fiml(spec, prepared, settings)
        return _estimate(spec, prepared, settings)

    def fit_moments(self, spec: ModelSpec, stats: SummaryStatistics) -> CBSEMResult:
        """Estimate the model from a covariance or correlation matrix and N (no raw data).

        The matrix is taken as an unbiased (divisor N − 1) covariance matrix, as published
        tables give it; for ML it is rescaled by (N − 1)/N as lavaan does.  MLR needs raw data.
        """
        settings = CBSEMSettings(str(self.estimator).lower(), std_lv=self.std_lv).check()
        key = settings.method
        if key not in ("ml", "gls", "uls"):
            raise EstimationError(
                f"A covariance matrix can be fitted by method 'ml', 'gls' or 'uls', not by "
                f"'{key}': {key.upper()} needs the raw answers (MLR for its robust corrections, "
                "DWLS/WLSMV for the polychoric correlations)."
            )
        from sem_csat.cbsem import legacy, pipeline
        from sem_csat.data.moments import prepared_moments

        fit = pipeline.fit_moments(
            spec,
            stats.matrix,
            stats.n_obs,
            pipeline.Options(estimator=ESTIMATORS[key], std_lv=settings.std_lv),
        )
        est = legacy.to_estimate(fit)
        notes: list[Diagnostic] = list(spec.diagnostics)
        if stats.kind == "correlation":
            notes.append(
                Diagnostic(
                    "warning",
                    "fitted_to_correlations",
                    f"'{stats.source}' is a correlation matrix and no standard deviations were "
                    "given, so the model was fitted to standardized variables: the estimates "
                    "are standardized, and their standard errors can be wrong (Cudeck 1989). "
                    "Give the SDs (--sds FILE, sds=...) when the study reports them.",
                    DataWarning,
                )
            )
        return _finish(spec, settings, est, None, prepared_moments(stats), notes)


def _estimate(spec: ModelSpec, prepared: PreparedData, settings: CBSEMSettings) -> CBSEMResult:
    from sem_csat.cbsem import legacy, pipeline

    frame = prepared.frame.loc[:, list(spec.indicator_names)]
    estimator: Estimator = ESTIMATORS[settings.method]
    options = pipeline.Options(estimator=estimator, std_lv=settings.std_lv)
    fit = pipeline.fit_data(spec, frame, options)
    est = legacy.to_estimate(fit)
    rob: RobustResult | None = None
    if settings.method == "mlr" and est.converged and est.structure is not None:
        from sem_csat.cbsem.robust import mlr

        rob = mlr(est.structure, est, frame)
        est = dataclasses.replace(est, table=rob.table)
    notes = [*spec.diagnostics, *prepared.diagnostics]
    return _finish(spec, settings, est, rob, prepared, notes)


def _estimate_wlsmv(
    spec: ModelSpec, prepared: PreparedData, settings: CBSEMSettings
) -> CBSEMResult:
    """Ordinal items: DWLS on polychoric correlations; WLSMV adds robust SEs and the adjusted
    test (``robust=True``), plain DWLS reports expected-information SEs and the DWLS χ²."""
    import dataclasses as _dc
    from typing import Any, cast

    from sem_csat.cbsem import adapter
    from sem_csat.cbsem.checks import check_sample_size, check_solution
    from sem_csat.cbsem.estimation import CBSEMEstimate
    from sem_csat.cbsem.fit_indices import FitIndices, fit_indices
    from sem_csat.cbsem.ordinal import fit_wlsmv, polychoric
    from sem_csat.cbsem.syntax import to_semopy

    robust = settings.robust
    items = list(spec.indicator_names)
    frame = prepared.frame.loc[:, items]
    poly = polychoric(frame, items)
    corr = poly.correlation.loc[items, items]
    structure = adapter.build_structure(
        to_semopy(spec).text, corr.to_numpy(), items, poly.n_obs,
        label_names=dict(to_semopy(spec).names),
    )  # fmt: skip
    fw = fit_wlsmv(
        structure,
        frame,
        items,
        poly=poly,
        order=[*spec.construct_names, *items],
        declared_covariances=[(c.left, c.right) for c in spec.covariances],
        robust=robust,
    )
    est = CBSEMEstimate(
        table=fw.table,
        sigma=fw.sigma,
        sample_cov=corr,
        n_obs=fw.n_obs,
        n_free=fw.n_free,
        df=fw.df,
        estimator=cast(Any, "DWLS"),
        fmin=fw.fmin,
        theta=fw.theta,
        vcov=fw.vcov,
        iterations=fw.iterations,
        converged=fw.converged,
        gradient_norm=fw.gradient_norm,
        information_singular=bool(not np.isfinite(fw.vcov).all()),
    )
    diagnostics = [*spec.diagnostics, *prepared.diagnostics]
    diagnostics += check_sample_size(est.n_obs, est.n_free)
    diagnostics += check_solution(est, spec)
    fit: FitIndices | None = None
    if est.converged:
        # the residual indices from the correlation structure; the test statistics and the
        # incremental indices from the DWLS chi-square (lavaan uses N - 1 for DWLS)
        base = fit_indices(corr.to_numpy(), fw.sigma.loc[items, items].to_numpy(), fw.n_obs,
                           est.n_free - len(poly.thresholds), estimator="ULS")  # fmt: skip
        chi2, df, bchi2, bdf = fw.chisq, fw.df, fw.baseline_chisq, fw.baseline_df
        excess = max(chi2 - df, 0.0)
        cfi = 1.0 - excess / max(bchi2 - bdf, excess, 1e-300)
        tli = ((bchi2 / bdf) - (chi2 / df)) / ((bchi2 / bdf) - 1.0) if df > 0 else np.nan
        rmsea = float(np.sqrt(excess / (df * (fw.n_obs - 1)))) if df > 0 else np.nan
        nan = float("nan")
        fit = _dc.replace(
            base,
            chi2=chi2, df=df, p_value=fw.pvalue, cfi=cfi, tli=tli, rmsea=rmsea,
            rmsea_ci_lower=nan, rmsea_ci_upper=nan, loglik=nan, aic=nan, bic=nan,
            gfi=nan, agfi=nan,
            chi2_scaled=fw.chisq_scaled if robust else None,
            scaling_factor=fw.scaling_factor if robust else None,
        )  # fmt: skip
        diagnostics.append(
            Diagnostic(
                "info",
                "wlsmv_fit_indices",
                "WLSMV: chi-square, CFI, TLI and RMSEA are computed from the DWLS test "
                "statistic as lavaan does, SRMR from the polychoric correlations; the "
                "mean-and-variance adjusted chi-square is chi2_scaled. There is no likelihood, "
                "so log-likelihood, AIC and BIC are empty.",
            )
        )
    emit(diagnostics, stacklevel=4)
    return CBSEMResult(
        spec=spec,
        settings=settings,
        data=prepared,
        estimate=est,
        fit_indices=fit,
        diagnostics=tuple(diagnostics),
    )


def _estimate_fiml(spec: ModelSpec, prepared: PreparedData, settings: CBSEMSettings) -> CBSEMResult:
    """Full-information ML on incomplete data (see :mod:`sem_csat.cbsem.fiml`)."""
    from sem_csat.cbsem import adapter
    from sem_csat.cbsem.estimation import CBSEMEstimate
    from sem_csat.cbsem.fiml import em_saturated, fit_fiml
    from sem_csat.cbsem.fiml_fit import fiml_fit_indices
    from sem_csat.cbsem.syntax import to_semopy

    items = list(spec.indicator_names)
    frame = prepared.frame.loc[:, items]
    _, sigma_em, _ = em_saturated(frame.to_numpy(dtype=np.float64))
    syntax = to_semopy(spec)
    variances = {i: float(v) for i, v in zip(items, np.diag(sigma_em), strict=True)}
    text = syntax.with_variances(variances) if syntax.needs_variances else syntax.text
    structure = adapter.build_structure(
        text, sigma_em, items, len(frame), label_names=dict(syntax.names), semopy_fit=True
    )
    fe = fit_fiml(
        structure,
        frame,
        robust=settings.robust,
        order=[*spec.construct_names, *items],
        declared_covariances=[(c.left, c.right) for c in spec.covariances],
    )
    est = CBSEMEstimate(
        table=fe.table,
        sigma=fe.sigma,
        sample_cov=fe.sigma_h1,
        n_obs=fe.n_obs,
        n_free=fe.n_free,
        df=fe.df,
        estimator="ML",
        fmin=fe.chi2 / (2 * fe.n_obs),
        theta=fe.theta,
        vcov=fe.vcov,
        iterations=fe.em_iterations,
        converged=fe.converged,
        gradient_norm=fe.gradient_norm,
        information_singular=fe.information_singular,
    )
    from sem_csat.cbsem.checks import check_sample_size, check_solution

    diagnostics = [*spec.diagnostics, *prepared.diagnostics]
    diagnostics += check_sample_size(est.n_obs, est.n_free)
    diagnostics += check_solution(est, spec)
    fit = None
    if est.converged:
        fit = fiml_fit_indices(structure, fe, frame.to_numpy(dtype=np.float64))
        diagnostics.append(
            Diagnostic(
                "info",
                "fiml_fit_indices",
                "With FIML the chi-square compares the model with the unrestricted model "
                "estimated by EM and CFI/TLI use the FIML independence model, as lavaan does. "
                "The robust CFI, TLI and RMSEA are Zhang & Savalei's (2023) corrections for "
                "missing data, which estimate what these indices would be with complete data; "
                "prefer them when the share of missing answers is not small.",
            )
        )
    emit(diagnostics, stacklevel=4)
    return CBSEMResult(
        spec=spec,
        settings=settings,
        data=prepared,
        estimate=est,
        fit_indices=fit,
        diagnostics=tuple(diagnostics),
    )


def _finish(
    spec: ModelSpec,
    settings: CBSEMSettings,
    est: CBSEMEstimate,
    rob: RobustResult | None,
    prepared: PreparedData,
    notes: list[Diagnostic],
) -> CBSEMResult:
    """Post-fit checks and fit indices; emits the warnings and builds the result."""
    from sem_csat.cbsem.checks import check_data_scale, check_sample_size, check_solution
    from sem_csat.cbsem.fit_indices import fit_indices

    estimator = est.estimator
    diagnostics: list[Diagnostic] = []
    solution = list(check_solution(est, spec))
    if not est.converged:  # said first, and nothing is read off the arbitrary point
        diagnostics += solution
    diagnostics += notes
    diagnostics += check_data_scale(est.sample_cov)
    diagnostics += check_sample_size(est.n_obs, est.n_free)
    fit = None
    if est.converged:
        diagnostics += solution
        pipeline_fit = est.pipeline
        if pipeline_fit is not None and pipeline_fit.fit is not None:
            fit = pipeline_fit.fit
        else:
            s = np.asarray(est.sample_cov, dtype=np.float64)
            sigma = np.asarray(est.sigma, dtype=np.float64)
            fit = fit_indices(s, sigma, est.n_obs, est.n_free, estimator=estimator)
        if rob is not None:
            from sem_csat.cbsem.robust import robust_fit_indices

            fit = robust_fit_indices(rob, fit)
        diagnostics += fit.diagnostics
    else:
        diagnostics.append(
            Diagnostic(
                "error",
                "no_fit_indices",
                "The estimation did not converge, so sem_csat reports no fit indices: they "
                "would describe an arbitrary point, not the model.",
                ConvergenceWarning,
            )
        )
    emit(diagnostics, stacklevel=4)
    return CBSEMResult(
        spec=spec,
        settings=settings,
        data=prepared,
        estimate=est,
        fit_indices=fit,
        diagnostics=tuple(diagnostics),
        robust_result=rob,
    )
