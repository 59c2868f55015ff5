"""The three dashboard scores of one group: NPS, CSAT (top box) and CES, and differences.

Each function turns the answers of one group (missing answers already left out) into a
:class:`Cell`: the score, its standard error and interval, and what the differences between
groups need.  :func:`sem_csat.metrics.survey_metrics` and its siblings call them group by group.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = ["Cell", "Kind", "ces_cell", "csat_cell", "difference", "nps_cell"]

FloatArray = npt.NDArray[np.float64]

Kind = Literal["NPS", "CSAT", "CES"]


@dataclass(frozen=True)
class Cell:
    """One metric in one group, with what its differences need."""

    metric: Kind
    group: str
    n: int
    n_missing: int
    score: float
    se: float
    lower: float
    upper: float
    detail: dict[str, float] = field(default_factory=dict)


def nps_cell(x: FloatArray, group: str, n_missing: int, z: float) -> Cell:
    """NPS of the answers ``x`` (no NaN).

    :math:`\\text{NPS} = 100(p_P - p_D)`, :math:`\\operatorname{se} =
    100\\sqrt{(p_P + p_D - (p_P - p_D)^2)/n}` (the variance of a difference of two shares of
    one multinomial sample), interval :math:`\\text{NPS} \\pm z\\,\\operatorname{se}`, clipped
    to [−100, 100].
    """
    n = int(x.size)
    if n == 0:
        nan = math.nan
        return Cell("NPS", group, 0, n_missing, nan, nan, nan, nan, _shares(nan, nan))
    p_pro = float(np.mean(x >= 9.0))
    p_det = float(np.mean(x <= 6.0))
    score = 100.0 * (p_pro - p_det)
    se = 100.0 * math.sqrt(max(p_pro + p_det - (p_pro - p_det) ** 2, 0.0) / n)
    lower = max(score - z * se, -100.0)
    upper = min(score + z * se, 100.0)
    return Cell("NPS", group, n, n_missing, score, se, lower, upper, _shares(p_pro, p_det))


def _shares(p_pro: float, p_det: float) -> dict[str, float]:
    return {
        "promoters": 100.0 * p_pro,
        "passives": 100.0 * (1.0 - p_pro - p_det),
        "detractors": 100.0 * p_det,
    }


def csat_cell(x: FloatArray, group: str, n_missing: int, z: float, high: float, top: int) -> Cell:
    """Top-box share of ``x``: Wald standard error, Wilson interval (in %).

    With :math:`p` the share of answers in the top ``top`` categories,
    :math:`\\operatorname{se} = 100\\sqrt{p(1-p)/n}` and the Wilson (1927) interval
    :math:`100\\,\\frac{p + z^2/2n \\pm z\\sqrt{p(1-p)/n + z^2/4n^2}}{1 + z^2/n}`.
    """
    n = int(x.size)
    if n == 0:
        nan = math.nan
        return Cell("CSAT", group, 0, n_missing, nan, nan, nan, nan, {"top_box": 0.0})
    k = int(np.sum(x > high - top))
    p = k / n
    se = math.sqrt(p * (1.0 - p) / n)
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denom
    half = z * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denom
    return Cell(
        "CSAT",
        group,
        n,
        n_missing,
        100.0 * p,
        100.0 * se,
        100.0 * max(centre - half, 0.0),
        100.0 * min(centre + half, 1.0),
        {"top_box": float(k)},
    )


def ces_cell(x: FloatArray, group: str, n_missing: int, conf: float) -> Cell:
    """Mean of ``x`` with the t interval :math:`\\bar x \\pm t_{n-1} s/\\sqrt n`."""
    from scipy import stats

    n = int(x.size)
    mean = float(x.mean()) if n else math.nan
    sd = float(x.std(ddof=1)) if n > 1 else math.nan
    se = sd / math.sqrt(n) if n > 1 else math.nan
    half = float(stats.t.ppf(0.5 + conf / 2.0, n - 1)) * se if n > 1 else math.nan
    return Cell(
        "CES", group, n, n_missing, mean, se, mean - half, mean + half, {"mean": mean, "sd": sd}
    )


def difference(a: Cell, b: Cell, conf: float) -> dict[str, object]:
    """``a - b``: a z test for NPS and CSAT (independent samples, unpooled standard errors),
    Welch's t test for CES."""
    from scipy import stats

    diff = a.score - b.score
    se = math.sqrt(a.se**2 + b.se**2)
    df = math.inf
    if a.metric == "CES" and a.n > 1 and b.n > 1 and se > 0:
        df = se**4 / (a.se**4 / (a.n - 1) + b.se**4 / (b.n - 1))
    valid = math.isfinite(se) and se > 0
    stat = diff / se if valid else math.nan
    if math.isinf(df):
        crit = float(stats.norm.ppf(0.5 + conf / 2.0))
        p = float(2.0 * stats.norm.sf(abs(stat))) if valid else math.nan
    else:
        crit = float(stats.t.ppf(0.5 + conf / 2.0, df))
        p = float(2.0 * stats.t.sf(abs(stat), df)) if valid else math.nan
    return {
        "metric": a.metric,
        "group": a.group,
        "reference": b.group,
        "n": a.n,
        "n_reference": b.n,
        "difference": diff,
        "std_error": se,
        "ci_lower": diff - crit * se if valid else math.nan,
        "ci_upper": diff + crit * se if valid else math.nan,
        "statistic": stat,
        "df": df if valid and math.isfinite(df) else math.nan,
        "p_value": p,
    }
