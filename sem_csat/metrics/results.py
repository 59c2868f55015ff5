"""The result of the dashboard metrics: :class:`SurveyMetrics` and its table layouts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pandas as pd

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import UsageError
from sem_csat.summary import ResultDisplay, Section, Summary

__all__ = [
    "COMPARE",
    "DETAIL_COLUMNS",
    "DIFFERENCE_COLUMNS",
    "TABLE_COLUMNS",
    "TOTAL",
    "SurveyMetrics",
]

#: Columns of :attr:`SurveyMetrics.table` (``metrics.csv``).
TABLE_COLUMNS: Final = ("metric", "group", "n", "score", "std_error", "ci_lower", "ci_upper")
#: Columns of :attr:`SurveyMetrics.differences`.
DIFFERENCE_COLUMNS: Final = (
    "metric",
    "group",
    "reference",
    "n",
    "n_reference",
    "difference",
    "std_error",
    "ci_lower",
    "ci_upper",
    "statistic",
    "df",
    "p_value",
)
#: Columns of :attr:`SurveyMetrics.details`.
DETAIL_COLUMNS: Final = (
    "metric",
    "group",
    "n",
    "n_missing",
    "promoters",
    "passives",
    "detractors",
    "top_box",
    "mean",
    "sd",
)
#: Which pairs of groups :attr:`SurveyMetrics.differences` compares: every pair, each level
#: with the one before it (survey waves), or none.
COMPARE: Final = ("all", "consecutive", "none")
#: The label of the row over all respondents.
TOTAL: Final = "all"


@dataclass(frozen=True, eq=False)
class SurveyMetrics(ResultDisplay):
    """NPS, CSAT and CES scores by group, with intervals and group differences.

    Attributes
    ----------
    table
        One row per metric and group, columns :data:`TABLE_COLUMNS` (``metrics.csv``): ``n``
        answers used, ``score`` (NPS on −100…100, CSAT in %, CES on the item's scale), its
        ``std_error`` and the ``ci_lower``/``ci_upper`` bounds at level :attr:`conf`.
    differences
        One row per metric and pair of groups, columns :data:`DIFFERENCE_COLUMNS`: ``group``
        minus ``reference`` (the later minus the earlier level), its standard error, interval,
        test statistic (z for NPS and CSAT, Welch's t for CES with its ``df``; ``df`` is NaN
        for z) and two-sided
        ``p_value``; empty without groups.  No correction for multiple comparisons.
    details
        Columns :data:`DETAIL_COLUMNS`: answers missing, % promoters/passives/detractors
        (NPS), number of top-box answers (CSAT), mean and SD (CES).
    items
        The column used for each metric.
    group
        The grouping column, or None.
    conf
        Confidence level of every interval.
    source
        The data, as named in messages.
    diagnostics
        Notes on missing answers and groups.
    """

    table: pd.DataFrame
    differences: pd.DataFrame
    details: pd.DataFrame
    items: dict[str, str]
    group: str | None
    conf: float
    source: str
    diagnostics: tuple[Diagnostic, ...] = ()

    def difference(self, metric: str, group: str, reference: str) -> pd.Series:
        """The row of :attr:`differences` for ``metric``: ``group`` minus ``reference``.

        The sign is reversed when the pair is stored the other way round.
        """
        d = self.differences
        for a, b, sign in ((group, reference, 1.0), (reference, group, -1.0)):
            hit = d[(d["metric"] == metric) & (d["group"] == a) & (d["reference"] == b)]
            if len(hit):
                row = hit.iloc[0].copy()
                if sign < 0:
                    low, high = row["ci_lower"], row["ci_upper"]
                    row["group"], row["reference"] = group, reference
                    row["n"], row["n_reference"] = row["n_reference"], row["n"]
                    row["difference"] = -row["difference"]
                    row["statistic"] = -row["statistic"]
                    row["ci_lower"], row["ci_upper"] = -high, -low
                return row
        levels = sorted(set(self.table["group"]) - {TOTAL})
        raise UsageError(
            f"No {metric} difference between groups '{group}' and '{reference}'; the groups "
            f"are {', '.join(repr(g) for g in levels) or 'none (no group column was given)'}."
        )

    def summary(self) -> Summary:
        """Scores, differences and details as a :class:`~sem_csat.summary.Summary`."""
        header = [
            ("Data", self.source),
            ("Items", ", ".join(f"{m}: {c}" for m, c in self.items.items())),
            ("Groups", self.group or "none"),
            ("Intervals", f"{self.conf:.0%}"),
        ]
        lines = []
        if "NPS" in self.items:
            lines.append(
                "NPS: % promoters (9-10) minus % detractors (0-6); SE "
                "sqrt((pP + pD - (pP - pD)^2)/n), Wald interval."
            )
        if "CSAT" in self.items:
            lines.append("CSAT: top-box share in %; Wald SE, Wilson interval.")
        if "CES" in self.items:
            lines.append("CES: mean of the item; t interval.")
        sections = [Section("Scores", self.table, lines=tuple(lines))]
        if len(self.differences):
            cols = [c for c in DIFFERENCE_COLUMNS if c not in ("n", "n_reference", "df")]
            sections.append(
                Section(
                    "Differences between groups",
                    self.differences[cols],
                    lines=(
                        "group minus reference; z test (NPS, CSAT) or Welch t test (CES), "
                        "independent samples, no correction for multiple comparisons.",
                    ),
                )
            )
        sections.append(Section("Details", self.details, collapsed=True))
        return Summary("Survey metrics", header, sections, self.diagnostics)

    def __repr__(self) -> str:
        metrics = "/".join(self.items)
        groups = len(set(self.table["group"]) - {TOTAL})
        return (
            f"<SurveyMetrics {metrics}: {len(self.table)} rows, {groups} group(s), "
            f"{self.conf:.0%} intervals>"
        )
