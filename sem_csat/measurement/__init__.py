"""Measurement quality: reliability, convergent and discriminant validity, common-method bias.

Two entry points build a :class:`QualityReport`:

* :func:`quality` ``(spec, data)``: data only, no fit (Cronbach's α raw and standardized with
  Feldt intervals, corrected item–total correlations, α if item deleted, indicator VIF, HTMT
  and HTMT2, Harman's single-factor share);
* :func:`quality_from_measures` ``(spec, data, measures)``: adds ρ_A, ρ_c and AVE from a
  fitted model's loadings (:class:`ModelMeasures`, which each engine fills from its own
  estimates; ``result.quality`` does this), Fornell–Larcker, cross-loadings, Kock's full
  collinearity VIF and formative weights.

Every measure is judged against a rule of :mod:`sem_csat.measurement.thresholds` (value, source,
advice); violations become warnings and a "Warnings" section of the summary.  The array
functions (:func:`cronbach_alpha`, :func:`rho_a`, :func:`htmt`, :func:`variance_inflation`,
...) accept leading batch axes; they take arrays, never results, so that every engine can call
them.

Examples
--------
>>> import sem_csat
>>> from sem_csat.measurement import quality
>>> spec = sem_csat.load_spec("ecsi_bank")
>>> report = quality(spec, sem_csat.datasets.load("bank_satisfaction"))  # doctest: +SKIP
"""

from sem_csat.measurement.collinearity import variance_inflation
from sem_csat.measurement.method_bias import full_collinearity_vif, harman_share
from sem_csat.measurement.reliability import (
    alpha_ci,
    alpha_if_deleted,
    average_variance_extracted,
    composite_reliability,
    cronbach_alpha,
    item_total_correlations,
    model_ave,
    model_omega,
    rho_a,
    standardized_alpha,
)
from sem_csat.measurement.report import (
    RELIABILITY_CSV_COLUMNS,
    ModelMeasures,
    QualityReport,
    quality,
    quality_from_measures,
)
from sem_csat.measurement.thresholds import (
    THRESHOLDS,
    CommonMethodWarning,
    MeasurementQualityWarning,
    Threshold,
)
from sem_csat.measurement.validity import (
    HTMTBootstrap,
    cross_loading_margin,
    fornell_larcker,
    htmt,
    htmt_blocks,
    htmt_bootstrap,
    htmt_testable,
)

__all__ = [
    "RELIABILITY_CSV_COLUMNS",
    "THRESHOLDS",
    "CommonMethodWarning",
    "HTMTBootstrap",
    "MeasurementQualityWarning",
    "ModelMeasures",
    "QualityReport",
    "Threshold",
    "alpha_ci",
    "alpha_if_deleted",
    "average_variance_extracted",
    "composite_reliability",
    "cronbach_alpha",
    "cross_loading_margin",
    "fornell_larcker",
    "full_collinearity_vif",
    "harman_share",
    "htmt",
    "htmt_blocks",
    "htmt_bootstrap",
    "htmt_testable",
    "item_total_correlations",
    "model_ave",
    "model_omega",
    "quality",
    "quality_from_measures",
    "rho_a",
    "standardized_alpha",
    "variance_inflation",
]
