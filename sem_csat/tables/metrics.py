"""Publication tables of the survey metrics a spec declares beside its model.

A fitted result whose spec has ``metrics:`` or ``servqual:`` blocks carries the "dashboard
numbers" (:attr:`~sem_csat.contract.SEMResult.dashboard`) among its tables: ``metrics``
(NPS, CSAT, CES), ``metric_differences`` (between groups), ``kano`` and ``servqual``.  The
builders here read those tables by name (the content decides, never the engine) and
:func:`metrics_tables` gives the ones a result has, for the publication set and the report's
survey-metrics section.

References
----------
Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*, 81(12),
46–54.

Berger, C., et al. (1993). Kano's methods for understanding customer-defined quality. *Center
for Quality of Management Journal*, 2(4), 3–36.

Parasuraman, A., Zeithaml, V. A., & Berry, L. L. (1988). SERVQUAL: A multiple-item scale for
measuring consumer perceptions of service quality. *Journal of Retailing*, 64(1), 12–40.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from sem_csat.rendering.table import Column, Table

__all__ = [
    "kano_table",
    "metric_differences_table",
    "metrics_tables",
    "servqual_table",
    "survey_metrics_table",
]

#: The dashboard's intervals (:func:`sem_csat.metrics.dashboard.dashboard`'s ``conf``).
_CI = "95% CI"


def survey_metrics_table(table: pd.DataFrame) -> Table:
    """NPS, CSAT and CES (``metrics.csv``): score, standard error and interval, by group."""
    data = table.reset_index(drop=True)
    grouped = bool((data["group"] != "all").any())
    cols = [Column("metric", "Metric", "text", per_group=True)]
    if grouped:
        cols.append(Column("group", "Group", "text"))
    cols += [
        Column("n", "n", "int"),
        Column("score", "Score", "coef", 1),
        Column("std_error", "SE", "coef", 2),
        Column("ci_lower", _CI, "ci", 1, upper="ci_upper"),
    ]
    note = (
        "NPS = % promoters (9–10) − % detractors (0–6) of the 0–10 recommendation item, "
        "−100 to 100, Wald interval; CSAT = % of answers in the top categories of the scale, "
        "Wilson interval; CES = mean effort score, t interval. n = respondents who answered."
    )
    return Table(
        data,
        tuple(cols),
        "Survey Metrics",
        note=note,
        group_by="metric",
        label="survey-metrics",
        kind="metrics",
    )


def metric_differences_table(table: pd.DataFrame) -> Table:
    """Differences of NPS, CSAT and CES between groups (``metric_differences``)."""
    data = table.reset_index(drop=True).copy()
    data["pair"] = [f"{a} − {b}" for a, b in zip(data["group"], data["reference"], strict=True)]
    cols = (
        Column("metric", "Metric", "text", per_group=True),
        Column("pair", "Groups", "text"),
        Column("difference", "Difference", "coef", 1),
        Column("std_error", "SE", "coef", 2),
        Column("ci_lower", _CI, "ci", 1, upper="ci_upper"),
        Column("p_value", "p", "p"),
    )
    note = (
        "Independent samples; z test (NPS, CSAT) or Welch's t test (CES), two-sided, no "
        "correction for multiple comparisons."
    )
    return Table(
        data,
        cols,
        "Survey Metrics: Differences Between Groups",
        note=note,
        group_by="metric",
        label="survey-metric-differences",
        kind="metrics",
    )


def kano_table(table: pd.DataFrame) -> Table:
    """Kano categories and Berger's better/worse coefficients (``kano.csv``)."""
    data = table.reset_index(drop=True)
    cols = [
        Column("feature", "Feature", "text"),
        Column("n", "n", "int"),
        *(Column(c, c, "int", group="Answers") for c in ("A", "O", "M", "I", "R", "Q")),
        Column("category", "Category", "text"),
        Column("better", "Better", "bounded", 2),
        Column("worse", "Worse", "bounded", 2),
    ]
    note = (
        "A = attractive, O = one-dimensional, M = must-be, I = indifferent, R = reverse, "
        "Q = questionable (Kano evaluation table); category = the most frequent answer. "
        "Better = (A + O)/(A + O + M + I), worse = −(O + M)/(A + O + M + I) (Berger et al., "
        "1993)."
    )
    return Table(data, tuple(cols), "Kano Classification", note=note, label="kano", kind="metrics")


def servqual_table(table: pd.DataFrame) -> Table:
    """SERVQUAL gaps by dimension (``servqual.csv``)."""
    data = table.reset_index(drop=True)
    cols = (
        Column("dimension", "Dimension", "text"),
        Column("n", "n", "int"),
        Column("expectation", "Expectation", "coef", 2),
        Column("perception", "Perception", "coef", 2),
        Column("gap", "Gap", "coef", 2),
        Column("ci_lower", _CI, "ci", 2, upper="ci_upper"),
    )
    note = (
        "Gap = perception − expectation, item by item, averaged per dimension; paired t "
        "interval over the respondents' dimension gaps. A negative gap: the service falls "
        "short of what customers expect (Parasuraman et al., 1988)."
    )
    return Table(data, cols, "SERVQUAL Gaps", note=note, label="servqual", kind="metrics")


def metrics_tables(tables: Mapping[str, pd.DataFrame]) -> list[Table]:
    """The survey-metric tables among a result's ``tables()``, in a fixed order."""
    builders = (
        ("metrics", survey_metrics_table),
        ("metric_differences", metric_differences_table),
        ("kano", kano_table),
        ("servqual", servqual_table),
    )
    return [build(tables[name]) for name, build in builders if name in tables]
