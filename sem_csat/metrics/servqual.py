"""SERVQUAL: service quality as the gap between perceptions and expectations.

Parasuraman, Zeithaml and Berry (1988) measure service quality on five dimensions (tangibles,
reliability, responsiveness, assurance, empathy) with pairs of statements: what customers
*expect* of an excellent firm in the industry (E) and what they *perceive* of this firm (P).
The gap :math:`P - E` of each item, averaged within a dimension, says where the firm falls short
(negative) or exceeds expectations (positive).

:func:`servqual` takes the dimensions as a mapping ``{dimension: (E items, P items)}``, pairs
the k-th expectation item with the k-th perception item, and reports per dimension the mean
expectation, the mean perception and the gap with a paired t interval over the respondents'
own dimension gaps; then the unweighted overall gap (mean of the dimensions) and, with
importance weights, the weighted overall gap (Parasuraman et al. 1991).

Examples
--------
Two respondents, one dimension of two item pairs; the first respondent's dimension gap is
((4-6) + (5-6))/2 = -1.5, the second's ((6-5) + (5-6))/2 = 0:

>>> import pandas as pd
>>> df = pd.DataFrame({"E1": [6, 5], "E2": [6, 6], "P1": [4, 6], "P2": [5, 5]})
>>> res = servqual(df, {"Reliability": (["E1", "E2"], ["P1", "P2"])})
>>> res.table[["dimension", "n", "expectation", "perception", "gap"]]
     dimension  n  expectation  perception   gap
0  Reliability  2         5.75         5.0 -0.75
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import DataError, MissingDataWarning, SpecError, UsageError
from sem_csat.metrics.columns import (
    DataLike,
    answers,
    check_answers,
    check_conf,
    check_scale,
    survey_frame,
)
from sem_csat.spec.model import did_you_mean
from sem_csat.summary import ResultDisplay, Section, Summary

__all__ = [
    "DIMENSIONS",
    "ITEM_COLUMNS",
    "TABLE_COLUMNS",
    "ServqualDimension",
    "ServqualResult",
    "servqual",
]

FloatArray = npt.NDArray[np.float64]

#: SERVQUAL's five dimensions (Parasuraman et al. 1988).
DIMENSIONS: Final = ("Tangibles", "Reliability", "Responsiveness", "Assurance", "Empathy")
#: Columns of :attr:`ServqualResult.table` (``servqual.csv``).
TABLE_COLUMNS: Final = (
    "dimension",
    "n",
    "expectation",
    "perception",
    "gap",
    "ci_lower",
    "ci_upper",
)
#: Columns of :attr:`ServqualResult.items`.
ITEM_COLUMNS: Final = (
    "dimension",
    "expectation_item",
    "perception_item",
    "n",
    "expectation",
    "perception",
    "gap",
    "ci_lower",
    "ci_upper",
)
#: Row labels of the overall gaps.
OVERALL: Final = "overall"
WEIGHTED: Final = "weighted overall"


@dataclass(frozen=True)
class ServqualDimension:
    """One dimension: its expectation items and the perception items paired with them."""

    name: str
    expectation: tuple[str, ...]
    perception: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.expectation and not self.perception:
            raise SpecError(
                f"SERVQUAL dimension '{self.name}' has no items; give its expectation and "
                "perception item lists."
            )
        if len(self.expectation) != len(self.perception):
            raise SpecError(
                f"SERVQUAL dimension '{self.name}' has {len(self.expectation)} expectation "
                f"item(s) but {len(self.perception)} perception item(s); each expectation item "
                "needs its perception item, since the gap is P - E item by item."
            )


def _dimensions(
    spec: Mapping[str, object] | Sequence[ServqualDimension],
) -> tuple[ServqualDimension, ...]:
    """Normalize ``{name: (E, P)}``, ``{name: {"expectation": E, "perception": P}}`` or a list
    of :class:`ServqualDimension`."""
    if isinstance(spec, Mapping):
        out = []
        for name, value in spec.items():
            if isinstance(value, Mapping):
                unknown = sorted(set(value) - {"expectation", "perception"})
                if unknown:
                    raise SpecError(
                        f"SERVQUAL dimension '{name}' has the key(s) {', '.join(unknown)}; use "
                        "'expectation' and 'perception'."
                    )
                e, p = value.get("expectation", ()), value.get("perception", ())
            elif isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
                e, p = value[0], value[1]
            else:
                raise SpecError(
                    f"SERVQUAL dimension '{name}' must give (expectation items, perception "
                    f"items) or {{'expectation': [...], 'perception': [...]}}; got {value!r}."
                )
            out.append(ServqualDimension(str(name), _names(e, name), _names(p, name)))
        dims = tuple(out)
    else:
        dims = tuple(spec)
        if not all(isinstance(d, ServqualDimension) for d in dims):
            raise SpecError("dimensions must be a mapping {dimension: (E items, P items)}.")
    if not dims:
        raise SpecError("Give at least one SERVQUAL dimension with its E and P items.")
    seen: dict[str, str] = {}
    for d in dims:
        for item in (*d.expectation, *d.perception):
            if item in seen:
                where = "twice" if seen[item] == d.name else f"under '{seen[item]}' and '{d.name}'"
                raise SpecError(
                    f"SERVQUAL item '{item}' is listed {where}; every item belongs to one "
                    "dimension, once."
                )
            seen[item] = d.name
    return dims


def _names(value: object, dim: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, Iterable) or not all(isinstance(v, str) for v in value):
        raise SpecError(f"The items of SERVQUAL dimension '{dim}' must be column names.")
    return tuple(value)


@dataclass(frozen=True, eq=False)
class ServqualResult(ResultDisplay):
    """SERVQUAL gaps by dimension and item.

    Attributes
    ----------
    table
        One row per dimension, then ``"overall"`` (mean of the dimension gaps) and, with
        weights, ``"weighted overall"``; columns :data:`TABLE_COLUMNS` (``servqual.csv``):
        ``n`` respondents who answered every item of the dimension, mean ``expectation`` and
        ``perception`` (item means averaged), ``gap`` = perception − expectation, and its
        paired t interval ``ci_lower``/``ci_upper`` at level :attr:`conf`.
    items
        One row per item pair, columns :data:`ITEM_COLUMNS`, with the same quantities over
        the respondents who answered both items of the pair.
    dimensions
        The dimensions and their items.
    weights
        Importance weight of each dimension (numbers, or the names of columns holding each
        respondent's weights), or None.
    conf
        Confidence level.
    source
        The data, as named in messages.
    diagnostics
        Notes on missing answers.
    """

    table: pd.DataFrame
    items: pd.DataFrame
    dimensions: tuple[ServqualDimension, ...]
    weights: dict[str, float | str] | None
    conf: float
    source: str
    diagnostics: tuple[Diagnostic, ...] = ()

    def summary(self) -> Summary:
        """The dimension and item tables as a :class:`~sem_csat.summary.Summary`."""
        weights = (
            "none"
            if self.weights is None
            else ", ".join(
                f"{k}: {v if isinstance(v, str) else f'{v:g}'}" for k, v in self.weights.items()
            )
        )
        header = [
            ("Data", self.source),
            ("Dimensions", str(len(self.dimensions))),
            ("Importance weights", weights),
            ("Intervals", f"{self.conf:.0%} paired t"),
        ]
        lines = (
            "gap = perception - expectation; negative: the service falls short of expectations.",
        )
        sections = [
            Section("Gaps by dimension", self.table, lines=lines),
            Section("Gaps by item", self.items, collapsed=True),
        ]
        return Summary("SERVQUAL gap analysis", header, sections, self.diagnostics)

    def __repr__(self) -> str:
        overall = self.table.loc[self.table["dimension"] == OVERALL, "gap"]
        gap = f", overall gap {float(overall.iloc[0]):.3f}" if len(overall) else ""
        return (
            f"<ServqualResult: {len(self.dimensions)} dimensions, {len(self.items)} item pairs"
            f"{gap}>"
        )


def _paired(diff: FloatArray, conf: float) -> tuple[float, float]:
    """Paired t interval :math:`\\bar d \\pm t_{n-1} s_d/\\sqrt n` of the differences."""
    from scipy import stats

    n = diff.size
    if n < 2:
        return math.nan, math.nan
    half = float(stats.t.ppf(0.5 + conf / 2.0, n - 1)) * float(diff.std(ddof=1)) / math.sqrt(n)
    mean = float(diff.mean())
    return mean - half, mean + half


def _row(label: str, e: FloatArray, p: FloatArray, conf: float) -> dict[str, object]:
    lo, hi = _paired(p - e, conf)
    n = int(e.size)
    return {
        "dimension": label,
        "n": n,
        "expectation": float(e.mean()) if n else math.nan,
        "perception": float(p.mean()) if n else math.nan,
        "gap": float((p - e).mean()) if n else math.nan,
        "ci_lower": lo,
        "ci_upper": hi,
    }


def _check_weights(
    weights: Mapping[str, float | str] | None, dims: Sequence[ServqualDimension]
) -> dict[str, float | str] | None:
    if weights is None:
        return None
    if not isinstance(weights, Mapping):
        raise UsageError("weights must map each dimension to a number or a column name.")
    names = [d.name for d in dims]
    for key in weights:
        if key not in names:
            raise UsageError(
                f"weights names the dimension '{key}', which is not one of "
                f"{', '.join(names)}{did_you_mean(str(key), names)}."
            )
    missing = [n for n in names if n not in weights]
    if missing:
        raise UsageError(f"weights gives no weight for {', '.join(repr(m) for m in missing)}.")
    out: dict[str, float | str] = {}
    for name in names:
        w = weights[name]
        if isinstance(w, str):
            out[name] = w
        elif isinstance(w, int | float | np.integer | np.floating) and not isinstance(w, bool):
            if not (math.isfinite(float(w)) and float(w) >= 0):
                raise UsageError(f"The weight of '{name}' must be a number >= 0; got {w!r}.")
            out[name] = float(w)
        else:
            raise UsageError(
                f"The weight of '{name}' must be a number or a column name; got {w!r}."
            )
    numbers = [w for w in out.values() if not isinstance(w, str)]
    if len(numbers) == len(out) and sum(numbers) <= 0:
        raise UsageError("The importance weights are all 0; give at least one positive weight.")
    return out


def servqual(
    data: DataLike,
    dimensions: Mapping[str, object] | Sequence[ServqualDimension],
    *,
    weights: Mapping[str, float | str] | None = None,
    scale: tuple[float, float] | None = None,
    conf: float = 0.95,
    na_values: Iterable[float | str] = (),
) -> ServqualResult:
    """SERVQUAL gap scores by dimension and item, with paired t intervals.

    Parameters
    ----------
    data
        The survey (DataFrame, file path or :func:`sem_csat.read_data`'s result); never
        changed.
    dimensions
        ``{dimension: (expectation items, perception items)}`` (or
        ``{dimension: {"expectation": [...], "perception": [...]}}``); the k-th expectation
        item is paired with the k-th perception item.
    weights
        Importance of each dimension: a number per dimension (such as the mean of the points
        respondents allocated out of 100), or the name of a column with each respondent's own
        points.  Weights are normalized to sum to 1.
    scale
        Lowest and highest answer (such as ``(1, 7)``); answers outside it are an error.
    conf
        Confidence level of the intervals.
    na_values
        Codes that mean "no answer".

    Returns
    -------
    ServqualResult

    Raises
    ------
    SpecError
        A dimension without items, with unequal numbers of E and P items, or an item listed
        twice.
    DataError
        A missing or text column, or answers outside ``scale``.
    UsageError
        Weights for unknown dimensions, missing or negative weights.

    Notes
    -----
    For respondent :math:`i` and dimension :math:`d` with item pairs
    :math:`(E_k, P_k)_{k=1}^{K_d}`, the respondent's dimension gap is
    :math:`g_{id} = K_d^{-1} \\sum_k (P_{ik} - E_{ik})`, defined when all :math:`2K_d` answers
    are given (the others are left out of that dimension).  The dimension's gap is the mean
    :math:`\\bar g_d` over its :math:`n_d` respondents, equal to the mean of its item gaps
    over the same respondents, with the paired t interval
    :math:`\\bar g_d \\pm t_{n_d - 1}\\, s_{g_d}/\\sqrt{n_d}` (E and P come from the same
    respondents, so the interval uses the spread of the differences).  The overall gap averages
    a respondent's dimension gaps, :math:`\\bar g_i = D^{-1}\\sum_d g_{id}`; the weighted one
    uses :math:`\\sum_d w_{d} g_{id} / \\sum_d w_d` (with each respondent's own weights when
    columns are given), both over the respondents with every dimension answered.

    References
    ----------
    .. [1] Parasuraman, A., Zeithaml, V. A., & Berry, L. L. (1988). SERVQUAL: A multiple-item
       scale for measuring consumer perceptions of service quality. *Journal of Retailing*,
       64(1), 12–40.
    .. [2] Parasuraman, A., Berry, L. L., & Zeithaml, V. A. (1991). Refinement and
       reassessment of the SERVQUAL scale. *Journal of Retailing*, 67(4), 420–450.
    """
    conf = check_conf(conf)
    dims = _dimensions(dimensions)
    checked = _check_weights(weights, dims)
    bounds = check_scale(scale, "the SERVQUAL items") if scale is not None else None
    frame, source, reader_notes = survey_frame(data, na_values)

    def column(name: str, what: str, *, on_scale: bool = True) -> FloatArray:
        x = answers(frame, name, source, what)
        if bounds is not None and on_scale:
            low, high = bounds
            check_answers(
                x, frame.index, name, source,
                allowed=lambda v: np.asarray((v >= low) & (v <= high), dtype=bool),
                rule=f"within the declared scale {low:g}-{high:g}",
            )  # fmt: skip
        return x

    rows: list[dict[str, object]] = []
    item_rows: list[dict[str, object]] = []
    mean_e: list[FloatArray] = []
    mean_p: list[FloatArray] = []
    notes: list[Diagnostic] = list(reader_notes)
    n_all = len(frame)
    for d in dims:
        e = np.column_stack(
            [column(c, f"an expectation item of '{d.name}'") for c in d.expectation]
        )
        p = np.column_stack([column(c, f"a perception item of '{d.name}'") for c in d.perception])
        for k, (ce, cp) in enumerate(zip(d.expectation, d.perception, strict=True)):
            ok = ~(np.isnan(e[:, k]) | np.isnan(p[:, k]))
            item = _row(d.name, e[ok, k], p[ok, k], conf)
            item_rows.append({**item, "expectation_item": ce, "perception_item": cp})
        complete = ~(np.isnan(e).any(axis=1) | np.isnan(p).any(axis=1))
        if not complete.all():
            notes.append(
                Diagnostic(
                    "info",
                    "servqual_missing_answers",
                    f"{int((~complete).sum())} of {n_all} respondents miss an answer in "
                    f"'{d.name}' and are left out of that dimension's gap.",
                    MissingDataWarning,
                )
            )
        mean_e.append(np.where(complete, e.mean(axis=1), np.nan))
        mean_p.append(np.where(complete, p.mean(axis=1), np.nan))
        rows.append(_row(d.name, mean_e[-1][complete], mean_p[-1][complete], conf))
    big_e, big_p = np.column_stack(mean_e), np.column_stack(mean_p)
    every = ~np.isnan(big_e).any(axis=1)
    if len(dims) > 1:
        rows.append(_row(OVERALL, big_e[every].mean(axis=1), big_p[every].mean(axis=1), conf))
    if checked is not None:
        w = np.column_stack(
            [
                column(v, f"the importance weight of '{k}'", on_scale=False) if isinstance(v, str)
                else np.full(n_all, float(v))
                for k, v in checked.items()
            ]
        )  # fmt: skip
        if (w[~np.isnan(w)] < 0).any():
            raise DataError("The importance weight columns hold negative points; weights are >= 0.")
        total = w.sum(axis=1)
        use = every & ~np.isnan(total) & (total > 0)
        if not use[every].all():
            notes.append(
                Diagnostic(
                    "info",
                    "servqual_missing_weights",
                    f"{int((every & ~use).sum())} respondents have no usable importance points "
                    "and are left out of the weighted overall gap.",
                    MissingDataWarning,
                )
            )
        share = w[use] / total[use][:, None]
        rows.append(
            _row(WEIGHTED, (share * big_e[use]).sum(axis=1), (share * big_p[use]).sum(axis=1), conf)
        )
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    items = pd.DataFrame(item_rows, columns=list(ITEM_COLUMNS))
    return ServqualResult(
        table=table,
        items=items,
        dimensions=dims,
        weights=checked,
        conf=conf,
        source=source,
        diagnostics=tuple(notes),
    )
