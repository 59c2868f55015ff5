"""Covariance-based SEM estimator: spec + survey data -> a :class:`CBSEMResult`.

The estimator checks its settings at the start of :meth:`CBSEM.fit`, validates the data against
the spec (the same checks as for PLS), estimates and collects every diagnostic.  Every method
runs on the table-based pipeline (:mod:`sem_csat.cbsem.pipeline`, lavaan's steps, no semopy):
ML, MLR, GLS and ULS; FIML (ML and MLR) on incomplete data; DWLS and WLSMV on ordinal items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from sem_csat.cbsem.results import CBSEMResult
from sem_csat.data import PreparedData, RawData, prepare_data
from sem_csat.diagnostics import Diagnostic, emit
from sem_csat.errors import ConvergenceWarning, DataWarning, EstimationError, SemCsatError
from sem_csat.inference.bootstrap import one_blas_thread
from sem_csat.spec.model import ModelSpec

if TYPE_CHECKING:
    from sem_csat.cbsem.pipeline import CBSEMFit
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
        # small matrices throughout: one BLAS thread, so that a busy machine (other fits, other
        # users) does not oversubscribe the cores for products a thread team cannot speed up
        with one_blas_thread():
            if isinstance(data, PreparedData):
                prepared = data
            else:
                prepared = prepare_data(
                    spec,
                    data,
                    missing=settings.missing,  # type: ignore[arg-type]
                    na_values=settings.na_values,
                )
            return _estimate(spec, prepared, settings)

    def fit_moments(self, spec: ModelSpec, stats: SummaryStatistics) -> CBSEMResult:
        """Estimate the model from a covariance or correlation matrix and N (no raw data).

        The matrix is taken as an unbiased (divisor N − 1) covariance matrix, as published
        tables give it; for ML it is rescaled by (N − 1)/N as lavaan does.  MLR needs raw data.
        A spec with a mean structure (intercepts) needs the item means as well
        (``stats.means``); without one the means do not change any estimate.
        """
        settings = CBSEMSettings(str(self.estimator).lower(), std_lv=self.std_lv).check()
        key = settings.method
        if key not in ("ml", "gls", "uls"):
            raise EstimationError(
                f"A covariance matrix can be fitted by method 'ml', 'gls' or 'uls', not by "
                f"'{key}': {key.upper()} needs the raw answers (MLR for its robust corrections, "
                "DWLS/WLSMV for the polychoric correlations)."
            )
        from sem_csat.cbsem import pipeline
        from sem_csat.data.moments import prepared_moments

        fit = pipeline.fit_moments(
            spec,
            stats.matrix,
            stats.n_obs,
            pipeline.Options(estimator=ESTIMATORS[key], std_lv=settings.std_lv),
            means=stats.means,
        )
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
        return _finish(spec, settings, fit, prepared_moments(stats), notes)


#: Pipeline estimator of every method (lavaan's names; MLR and WLSMV are its shorthands).
_PIPELINE_ESTIMATORS: dict[str, str] = {
    "ml": "ML",
    "mlr": "MLR",
    "gls": "GLS",
    "uls": "ULS",
    "dwls": "DWLS",
    "wlsmv": "WLSMV",
}
#: What the fit of each variation reports beside its estimates, for the summary's notes.
_FIML_NOTE = (
    "With FIML the chi-square compares the model with the unrestricted model estimated by EM "
    "and CFI/TLI use the FIML independence model, as lavaan does. The robust CFI, TLI and "
    "RMSEA are Zhang & Savalei's (2023) corrections for missing data, which estimate what "
    "these indices would be with complete data; prefer them when the share of missing answers "
    "is not small."
)
_ORDINAL_NOTE = (
    "DWLS on the polychoric correlations of the ordinal items: chi-square, CFI, TLI and RMSEA "
    "are computed from the DWLS test statistic as lavaan does, SRMR from the polychoric "
    "correlations. With WLSMV the scaled-and-shifted chi-square is chi2_scaled and the robust "
    "CFI, TLI and RMSEA are Savalei's (2021) catML versions. There is no likelihood, so "
    "log-likelihood, AIC and BIC are empty."
)


def _estimate(spec: ModelSpec, prepared: PreparedData, settings: CBSEMSettings) -> CBSEMResult:
    """Every raw-data fit: ML, MLR, GLS, ULS; FIML on incomplete data; DWLS/WLSMV on ordinal
    items; each a variation of the one pipeline (:mod:`sem_csat.cbsem.pipeline`)."""
    from sem_csat.cbsem import pipeline

    frame = prepared.frame.loc[:, list(spec.indicator_names)]
    fiml = settings.missing == "fiml" and bool(frame.isna().to_numpy().any())
    options = pipeline.Options(
        estimator=_PIPELINE_ESTIMATORS[settings.method],
        std_lv=settings.std_lv,
        missing="ml" if fiml else "listwise",
    )
    fit = pipeline.fit_data(spec, frame, options)
    notes = [*spec.diagnostics, *prepared.diagnostics]
    if fit.converged and fiml:
        notes.append(Diagnostic("info", "fiml_fit_indices", _FIML_NOTE))
    if fit.converged and settings.method in ORDINAL_ESTIMATORS:
        notes.append(Diagnostic("info", "wlsmv_fit_indices", _ORDINAL_NOTE))
    return _finish(spec, settings, fit, prepared, notes)


def _finish(
    spec: ModelSpec,
    settings: CBSEMSettings,
    est: CBSEMFit,
    prepared: PreparedData,
    notes: list[Diagnostic],
) -> CBSEMResult:
    """Post-fit checks and fit indices; emits the warnings and builds the result."""
    from sem_csat.cbsem.checks import check_data_scale, check_sample_size, check_solution

    diagnostics: list[Diagnostic] = []
    solution = list(check_solution(est, spec))
    if not est.converged:  # said first, and nothing is read off the arbitrary point
        diagnostics += solution
    diagnostics += notes
    diagnostics += check_data_scale(est.sample_cov(0))
    diagnostics += check_sample_size(est.n_obs, est.npar)
    fit = None
    if est.converged:
        diagnostics += solution
        fit = est.fit
        if fit is not None:
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
    )
