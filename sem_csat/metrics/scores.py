"""NPS, CSAT and CES: the dashboard scores, with standard errors, intervals and differences.

Each score is computed from one survey item, overall or by group (a segment or a survey wave),
and lands in one tidy table with the columns :data:`TABLE_COLUMNS`
(``metric, group, n, score, std_error, ci_lower, ci_upper``), the layout of ``metrics.csv``.
Differences between groups (later level minus earlier level, for every pair of levels) are in
:attr:`SurveyMetrics.differences`.  Missing answers are left out metric by metric, and the ``n``
of every row counts the answers used.

=====  ========================================================================================
NPS    Net promoter score of a 0–10 "would you recommend" item: % promoters (9–10) minus
       % detractors (0–6), on −100…100.
CSAT   Top-box share of a rating item on a declared scale (top 2 by default: 4 and 5 on a 1–5
       scale), in %.
CES    Customer effort score: the mean of an effort item, on the item's own scale.
=====  ========================================================================================

Examples
--------
Ten answers: four promoters (9, 10, 10, 9), three passives (7, 8, 8), three detractors
(0, 5, 6), so NPS = 40 − 30 = 10 with standard error
:math:`100\\sqrt{(.4 + .3 - .1^2)/10} = 26.27`:

>>> import pandas as pd
>>> df = pd.DataFrame({"rec": [9, 10, 10, 9, 7, 8, 8, 0, 5, 6]})
>>> nps(df, "rec").table.round(2)
  metric group   n  score  std_error  ci_lower  ci_upper
0    NPS   all  10   10.0      26.27    -41.48     61.48
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import MissingDataWarning, UsageError
from sem_csat.metrics.cells import Cell, Kind, ces_cell, csat_cell, difference, nps_cell
from sem_csat.metrics.columns import (
    DataLike,
    answers,
    check_answers,
    check_conf,
    check_scale,
    missing_note,
    survey_frame,
    z_value,
)
from sem_csat.metrics.results import (
    COMPARE,
    DETAIL_COLUMNS,
    DIFFERENCE_COLUMNS,
    TABLE_COLUMNS,
    TOTAL,
    SurveyMetrics,
)

__all__ = [
    "DIFFERENCE_COLUMNS",
    "TABLE_COLUMNS",
    "SurveyMetrics",
    "ces",
    "csat",
    "nps",
    "survey_metrics",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


# --------------------------------------------------------------------------------------------
# groups and the driver


def _levels(
    frame: pd.DataFrame, group: str | None, source: str, total: bool
) -> tuple[list[tuple[str, BoolArray]], list[Diagnostic]]:
    """``(label, rows)`` of the total and of every level of ``group``, in a stable order.

    Levels of a categorical column keep its category order; other levels are sorted when they
    can be, else kept in order of appearance.
    """
    everyone = np.ones(len(frame), dtype=bool)
    if group is None:
        return [(TOTAL, everyone)], []
    if not isinstance(group, str) or group not in frame.columns:
        from sem_csat.errors import DataError
        from sem_csat.spec.model import did_you_mean

        names = [str(c) for c in frame.columns]
        raise DataError(
            f"The group column '{group}' is not a column of {source}"
            f"{did_you_mean(str(group), names)}."
        )
    col = frame[group]
    if isinstance(col.dtype, pd.CategoricalDtype):
        values = [v for v in col.cat.categories if bool((col == v).any())]
    else:
        values = list(pd.unique(col.dropna()))
        with contextlib.suppress(TypeError):  # mixed types: keep the order of appearance
            values = sorted(values)
    labels = [str(v) for v in values]
    if total and TOTAL in labels:
        raise UsageError(
            f"The group column '{group}' has a level called '{TOTAL}', which is the label of "
            "the row over all respondents; pass total=False or rename that level."
        )
    out = [(TOTAL, everyone)] if total else []
    codes, uniques = pd.factorize(col)
    position = {v: k for k, v in enumerate(uniques)}
    out += [(label, codes == position[v]) for label, v in zip(labels, values, strict=True)]
    notes = []
    n_na = int(col.isna().sum())
    if n_na:
        notes.append(
            Diagnostic(
                "info",
                "metric_group_missing",
                f"{n_na} respondents have no value in the group column '{group}'; they count "
                f"in the '{TOTAL}' row only."
                if total
                else f"{n_na} respondents have no value in the group column '{group}' and are left "
                "out.",
                MissingDataWarning,
            )
        )
    return out, notes


@dataclass(frozen=True)
class _Request:
    metric: Kind
    column: str
    scale: tuple[float, float] | None = None
    top: int = 2


def _item_values(frame: pd.DataFrame, source: str, req: _Request) -> FloatArray:
    what = {"NPS": "the NPS item", "CSAT": "the CSAT item", "CES": "the CES item"}[req.metric]
    x = answers(frame, req.column, source, what)
    if req.metric == "NPS":
        check_answers(
            x,
            frame.index,
            req.column,
            source,
            allowed=lambda v: np.asarray((v >= 0) & (v <= 10) & (v == np.round(v)), dtype=bool),
            rule="whole numbers from 0 to 10 (the NPS scale)",
            hint="check that this is the 0-10 recommendation item",
        )
    elif req.scale is not None:
        low, high = req.scale
        whole = float(low).is_integer() and float(high).is_integer()

        def allowed(v: FloatArray) -> BoolArray:
            ok = (v >= low) & (v <= high)
            if whole and req.metric == "CSAT":
                ok &= v == np.round(v)
            return np.asarray(ok, dtype=bool)

        rule = f"{'whole numbers ' if whole and req.metric == 'CSAT' else ''}within the " + (
            f"declared scale {low:g}-{high:g}"
        )
        check_answers(
            x,
            frame.index,
            req.column,
            source,
            allowed=allowed,
            rule=rule,
            hint=f"declare the item's scale with {req.metric.lower()}_scale= if it is not "
            f"{low:g}-{high:g}"
            if req.metric == "CSAT"
            else "",
        )
    return x


def _compute(
    data: DataLike,
    requests: Sequence[_Request],
    *,
    group: str | None,
    total: bool,
    conf: float,
    na_values: Iterable[float | str],
    compare: str = "all",
) -> SurveyMetrics:
    conf = check_conf(conf)
    if compare not in COMPARE:
        raise UsageError(
            f"compare must be one of {', '.join(map(repr, COMPARE))}; got {compare!r}."
        )
    if not requests:
        raise UsageError("Name at least one item: nps=COLUMN, csat=COLUMN or ces=COLUMN.")
    frame, source, reader_notes = survey_frame(data, na_values)
    levels, notes = _levels(frame, group, source, total or group is None)
    z = z_value(conf)
    cells: list[Cell] = []
    diagnostics: list[Diagnostic] = [*reader_notes, *notes]
    for req in requests:
        x = _item_values(frame, source, req)
        present = ~np.isnan(x)
        note = missing_note(req.column, int((~present).sum()), x.size, req.metric)
        if note is not None:
            diagnostics.append(note)
        for label, rows in levels:
            sel = x[rows & present]
            missing = int((rows & ~present).sum())
            if req.metric == "NPS":
                cells.append(nps_cell(sel, label, missing, z))
            elif req.metric == "CSAT" and req.scale is not None:
                cells.append(csat_cell(sel, label, missing, z, req.scale[1], req.top))
            else:
                cells.append(ces_cell(sel, label, missing, conf))
    empty = [f"{c.metric} in group '{c.group}'" for c in cells if c.n == 0]
    if empty:
        diagnostics.append(
            Diagnostic(
                "warning",
                "metric_no_answers",
                f"No answers for {', '.join(empty)}; the score is missing (NaN).",
                MissingDataWarning,
            )
        )
    table = pd.DataFrame(
        [
            {
                "metric": c.metric,
                "group": c.group,
                "n": c.n,
                "score": c.score,
                "std_error": c.se,
                "ci_lower": c.lower,
                "ci_upper": c.upper,
            }
            for c in cells
        ],
        columns=list(TABLE_COLUMNS),
    )
    details = pd.DataFrame(
        [
            {"metric": c.metric, "group": c.group, "n": c.n, "n_missing": c.n_missing, **c.detail}
            for c in cells
        ]
    ).reindex(columns=list(DETAIL_COLUMNS))
    diffs = []
    for req in requests:
        own = [c for c in cells if c.metric == req.metric and c.group != TOTAL]
        pairs = (
            itertools.combinations(own, 2)
            if compare == "all"
            else itertools.pairwise(own)
            if compare == "consecutive"
            else iter(())
        )
        diffs += [difference(b, a, conf) for a, b in pairs if a.n and b.n]
    differences = pd.DataFrame(diffs, columns=list(DIFFERENCE_COLUMNS))
    return SurveyMetrics(
        table=table,
        differences=differences,
        details=details,
        items={r.metric: r.column for r in requests},
        group=group,
        conf=conf,
        source=source,
        diagnostics=tuple(diagnostics),
    )


def _csat_request(column: str, scale: object, top: object) -> _Request:
    if scale is None:
        raise UsageError(
            f"CSAT needs the scale of '{column}' to know its top box: pass csat_scale=(1, 5) "
            "(or the item's own lowest and highest answers)."
        )
    low, high = check_scale(scale, f"the CSAT item '{column}'")
    points = high - low + 1
    if isinstance(top, bool) or not isinstance(top, int | np.integer) or not 1 <= int(top) < points:
        raise UsageError(
            f"top must be a whole number of top categories between 1 and {points - 1:g} for the "
            f"scale {low:g}-{high:g}, such as 2 (top-2 box); got {top!r}."
        )
    return _Request("CSAT", column, (low, high), int(top))


def nps(
    data: DataLike,
    item: str,
    *,
    group: str | None = None,
    total: bool = True,
    conf: float = 0.95,
    na_values: Iterable[float | str] = (),
    compare: str = "all",
) -> SurveyMetrics:
    """Net promoter score of a 0–10 recommendation item, overall or by group.

    Parameters
    ----------
    data
        The survey: a DataFrame, a file path (CSV, Excel, SPSS, Parquet) or
        :func:`sem_csat.read_data`'s result.  Never changed.
    item
        The column with the 0–10 answers.
    group
        A column whose levels (segments, survey waves) get their own rows and pairwise
        differences.
    total
        With ``group``: also the row over all respondents (labelled ``"all"``).
    conf
        Confidence level of the intervals.
    na_values
        Codes that mean "no answer", such as ``[-99]``.
    compare
        Which pairs of groups get a difference: ``"all"`` (default), ``"consecutive"`` (each
        level against the one before it, for survey waves) or ``"none"``.

    Returns
    -------
    SurveyMetrics

    Raises
    ------
    DataError
        When ``item`` is not a column, holds text, or has answers that are not whole numbers
        from 0 to 10 (the sentence names the column, counts them and shows a few with rows).

    Notes
    -----
    With :math:`p_P` the share of promoters (9–10) and :math:`p_D` of detractors (0–6) among
    the :math:`n` answers, :math:`\\text{NPS} = 100(p_P - p_D)`.  The counts of promoters,
    passives and detractors are one multinomial sample, so
    :math:`\\operatorname{Var}(\\hat p_P - \\hat p_D) = (p_P + p_D - (p_P - p_D)^2)/n` and
    :math:`\\operatorname{se} = 100\\sqrt{(p_P + p_D - (p_P - p_D)^2)/n}`; the interval is
    :math:`\\text{NPS} \\pm z_{1-\\alpha/2}\\operatorname{se}`, clipped to [−100, 100]
    (Rocks 2016).  Two groups are independent samples: their difference has standard error
    :math:`\\sqrt{\\operatorname{se}_1^2 + \\operatorname{se}_2^2}`, a Wald interval and the
    two-sided p of :math:`z = d/\\operatorname{se}`.  With few answers or shares near 0 or 1
    the Wald interval undercovers; ``tests/test_metrics.py`` checks its coverage by simulation.

    References
    ----------
    .. [1] Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business
       Review*, 81(12), 46–54.
    .. [2] Rocks, B. (2016). Margin of error and the net promoter score. *Journal of
       Customer Behaviour*, 15(2), 157–170.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"rec": [10, 9, 8, 3, 10, 6, 9, 7],
    ...                    "wave": ["2024"] * 4 + ["2025"] * 4})
    >>> res = nps(df, "rec", group="wave")
    >>> res.table[["group", "n", "score"]]
      group  n  score
    0   all  8   25.0
    1  2024  4   25.0
    2  2025  4   25.0
    >>> float(res.difference("NPS", "2025", "2024")["difference"])
    0.0
    """
    return _compute(
        data,
        [_Request("NPS", item)],
        group=group,
        total=total,
        conf=conf,
        na_values=na_values,
        compare=compare,
    )


def csat(
    data: DataLike,
    item: str,
    *,
    scale: tuple[float, float],
    top: int = 2,
    group: str | None = None,
    total: bool = True,
    conf: float = 0.95,
    na_values: Iterable[float | str] = (),
    compare: str = "all",
) -> SurveyMetrics:
    """CSAT: the top-box share (%) of a satisfaction rating on a declared scale.

    Parameters
    ----------
    data, item, group, total, conf, na_values, compare
        As :func:`nps`.
    scale
        Lowest and highest answer of the item, such as ``(1, 5)``; answers outside it are an
        error.
    top
        Number of top categories that count as satisfied (2: "top-2 box", 4 and 5 on 1–5).

    Returns
    -------
    SurveyMetrics

    Notes
    -----
    With :math:`k` of :math:`n` answers in the top box, :math:`p = k/n`, the score is
    :math:`100p`, its standard error the Wald :math:`100\\sqrt{p(1-p)/n}`, and the interval
    Wilson's score interval (Wilson 1927; Agresti & Coull 1998), which keeps its coverage near
    0 and 1 where the Wald interval does not:

    .. math::

       100\\,\\frac{p + \\frac{z^2}{2n} \\pm z\\sqrt{\\frac{p(1-p)}{n} +
       \\frac{z^2}{4n^2}}}{1 + z^2/n}.

    Differences between groups: unpooled standard error, Wald interval, two-sided z test.

    References
    ----------
    .. [1] Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
       inference. *JASA*, 22, 209–212.
    .. [2] Agresti, A., & Coull, B. A. (1998). Approximate is better than "exact" for interval
       estimation of binomial proportions. *The American Statistician*, 52, 119–126.

    Examples
    --------
    Eight of ten answers are 4 or 5 on 1–5; Wilson's interval is asymmetric around 80%:

    >>> import pandas as pd
    >>> df = pd.DataFrame({"sat": [5, 4, 4, 5, 3, 5, 2, 4, 4, 5]})
    >>> csat(df, "sat", scale=(1, 5)).table[["score", "std_error", "ci_lower", "ci_upper"]].round(2)
       score  std_error  ci_lower  ci_upper
    0   80.0      12.65      49.02     94.33
    """
    return _compute(
        data,
        [_csat_request(item, scale, top)],
        group=group,
        total=total,
        conf=conf,
        na_values=na_values,
        compare=compare,
    )


def ces(
    data: DataLike,
    item: str,
    *,
    scale: tuple[float, float] | None = None,
    group: str | None = None,
    total: bool = True,
    conf: float = 0.95,
    na_values: Iterable[float | str] = (),
    compare: str = "all",
) -> SurveyMetrics:
    """CES (customer effort score): the mean of an effort item with its t interval.

    Parameters
    ----------
    data, item, group, total, conf, na_values, compare
        As :func:`nps`.
    scale
        Lowest and highest answer (such as ``(1, 7)``); when given, answers outside it are an
        error.

    Notes
    -----
    :math:`\\bar x \\pm t_{n-1, 1-\\alpha/2}\\, s/\\sqrt n`; differences between groups by
    Welch's t test (Welch 1947) with the Welch–Satterthwaite degrees of freedom.

    Examples
    --------
    >>> import pandas as pd
    >>> res = ces(pd.DataFrame({"effort": [2, 3, 5, 4, 1]}), "effort", scale=(1, 7))
    >>> res.table[["score", "std_error", "ci_lower", "ci_upper"]].round(4)
       score  std_error  ci_lower  ci_upper
    0    3.0     0.7071    1.0368    4.9632
    """
    request = _Request("CES", item, check_scale(scale, f"the CES item '{item}'") if scale else None)
    return _compute(
        data, [request], group=group, total=total, conf=conf, na_values=na_values, compare=compare
    )


def survey_metrics(
    data: DataLike,
    *,
    nps: str | None = None,
    csat: str | None = None,
    ces: str | None = None,
    csat_scale: tuple[float, float] | None = None,
    csat_top: int = 2,
    ces_scale: tuple[float, float] | None = None,
    group: str | None = None,
    total: bool = True,
    conf: float = 0.95,
    na_values: Iterable[float | str] = (),
    compare: str = "all",
) -> SurveyMetrics:
    """NPS, CSAT and CES of one survey in one table (``metrics.csv``).

    Give the column of each metric wanted; the options are those of :func:`nps`,
    :func:`csat` (``csat_scale``, ``csat_top``) and :func:`ces` (``ces_scale``), with ``compare``
    as in :func:`nps`.  Missing answers
    are left out metric by metric.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"rec": [10, 9, 3, 8], "sat": [5, 4, 2, 4], "eff": [2, 1, 4, 2]})
    >>> survey_metrics(df, nps="rec", csat="sat", csat_scale=(1, 5), ces="eff").table[
    ...     ["metric", "n", "score"]]
      metric  n  score
    0    NPS  4  25.00
    1   CSAT  4  75.00
    2    CES  4   2.25
    """
    requests: list[_Request] = []
    if nps is not None:
        requests.append(_Request("NPS", nps))
    if csat is not None:
        requests.append(_csat_request(csat, csat_scale, csat_top))
    if ces is not None:
        scale = check_scale(ces_scale, f"the CES item '{ces}'") if ces_scale else None
        requests.append(_Request("CES", ces, scale))
    return _compute(
        data, requests, group=group, total=total, conf=conf, na_values=na_values, compare=compare
    )
