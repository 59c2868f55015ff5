"""Checks of survey data against a model, run before any estimation.

Every check produces a :class:`~sem_csat.diagnostics.Diagnostic` with a stable ``code``.
Problems that make an estimation meaningless (``severity="error"``) are collected, so that one
:class:`DataValidationError` explains all of them at once; the others are returned as warnings
or information for the caller to emit.

Rows are named by their 1-based position among the data rows: row 1 is the first row below the
header (in a spreadsheet that shows the header on line 1, row 17 is on line 18).

Missing-value codes
    Survey software often stores "no answer" as a number (-99, -9, -1, 9, 99, 999, ...).  Such
    a number must never enter a fit as if it were an answer.  With a declared answer scale,
    every value outside it is an error, and the message says when the value looks like a code
    (a negative value on a non-negative scale, 0 on a scale that starts at 1, a number such as
    9, 99, 98 or 999, or a value more than one scale width away).  Without a declared scale,
    with ``hi`` the largest non-negative value that is not code-like, a column is flagged when
    it holds

    - one of 9, 96–99, 997–999, 9999, ... at least ``hi + 2`` and either ``2 × hi`` or more, or
      above a 7-point range (``hi <= 7``);
    - a negative whole number below ``-(hi + 1)``;
    - negative whole numbers down to ``-(hi + 1)``, unless there are at least ``hi / 2`` distinct
      ones, as on a bipolar scale such as −3…3.
"""

from __future__ import annotations

import decimal
import shlex
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sem_csat.data._common import (
    NaValue,
    fmt_examples,
    fmt_number,
    fmt_value,
    parse_text_column,
    plural,
    spreadsheet_rows,
    subject,
    where,
)
from sem_csat.data.readers import RawData
from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import DataError, DataWarning
from sem_csat.spec.model import ModelSpec, Scale, did_you_mean

__all__ = [
    "CODE_MAGNITUDES",
    "Converted",
    "DataValidationError",
    "check_columns",
    "check_values",
    "looks_like_code",
    "na_advice",
    "numeric_columns",
    "suspected_codes",
]

CODE_MAGNITUDES: Final[frozenset[float]] = frozenset(
    {7, 8, 9, 77, 88, 96, 97, 98, 99, 777, 888, 997, 998, 999, 9997, 9998, 9999, 99999}
)
"""Absolute values that survey software commonly uses as missing-value codes."""

_UNSCALED_CODES: Final[frozenset[float]] = frozenset(v for v in CODE_MAGNITUDES if v >= 9)

MAX_ABS_VALUE: Final = 1e15
"""Largest absolute value accepted in an indicator: beyond it float64 no longer holds every whole
number, and products in variances and correlations lose all precision or overflow."""


class DataValidationError(DataError):
    """The data cannot be used with the model; :attr:`problems` lists every reason.

    Parameters
    ----------
    problems
        One ``error`` diagnostic per problem; each message is a full sentence naming the file.
    source
        The data source (file name or ``"<DataFrame>"``).
    model
        Name of the model the data was checked against.
    codes
        Missing-value codes suggested by the messages, repeated once at the end when there are
        several problems.
    """

    def __init__(
        self,
        problems: Sequence[Diagnostic],
        *,
        source: str,
        model: str,
        codes: Sequence[float | str] = (),
    ) -> None:
        self.problems = tuple(problems)
        self.source = source
        if len(self.problems) == 1:
            message = self.problems[0].message
        else:
            lines = [
                f"The data in {where(source)} cannot be used with model '{model}'; "
                f"there are {len(self.problems)} problems:"
            ]
            lines += [f"  - {p.message}" for p in self.problems]
            if codes:
                lines.append(f"To declare every suggested missing-value code: {na_advice(codes)}.")
            message = "\n".join(lines)
        super().__init__(message)


def na_advice(codes: Sequence[float | str]) -> str:
    """``na_values=[-99] in Python or --na-values -99 on the command line``."""
    py = ", ".join(fmt_value(c) for c in codes)
    cli = " ".join(shlex.quote(c if isinstance(c, str) else fmt_number(c)) for c in codes)
    return f"na_values=[{py}] in Python or --na-values {cli} on the command line"


def _problem(code: str, message: str) -> Diagnostic:
    return Diagnostic("error", code, message, DataWarning)


def _fmt_scale(scale: Scale) -> str:
    return f"{fmt_number(scale[0])}–{fmt_number(scale[1])}"


# ---------------------------------------------------------------------------- columns
#: Missing columns named one by one in the message (the rest are counted).
_NAMED = 12


def check_columns(spec: ModelSpec, raw: RawData) -> list[Diagnostic]:
    """Check that every indicator is one column of the data and reversed items have a scale.

    Codes: ``missing_columns``, ``duplicate_columns``, ``reverse_without_scale``.
    """
    problems: list[Diagnostic] = []
    columns = [str(c) for c in raw.frame.columns]
    present = set(columns)
    absent = [n for n in spec.indicator_names if n not in present]
    if absent:
        # name (and look for near misses of) the first few only: a model of thousands of
        # items that the data lack is one sentence, not thousands of suggestions
        listed = ", ".join(f"'{n}'{did_you_mean(n, columns)}" for n in absent[:_NAMED])
        if len(absent) > _NAMED:
            listed += f" and {len(absent) - _NAMED} more"
        shown = ", ".join(columns[:30]) + (
            f" and {len(columns) - 30} more" if len(columns) > 30 else ""
        )
        lower = {c.lower() for c in columns}
        case = (
            " (column names are case-sensitive)" if any(n.lower() in lower for n in absent) else ""
        )
        problems.append(
            _problem(
                "missing_columns",
                f"{subject(raw.source)} has no column {listed}, which model '{spec.name}' "
                f"needs{case}; its columns are: {shown or 'none'}.",
            )
        )
    counts = Counter(columns)
    dupes = [n for n in spec.indicator_names if counts[n] > 1]
    if dupes:
        problems.append(
            _problem(
                "duplicate_columns",
                f"{subject(raw.source)} has several columns named "
                f"{', '.join(repr(n) for n in dupes)}; rename them so that every column name is "
                "unique.",
            )
        )
    for c in spec.constructs:
        if c.reverse and spec.scale_of(c.name) is None:
            problems.append(
                _problem(
                    "reverse_without_scale",
                    f"Construct '{c.name}' marks {', '.join(repr(r) for r in c.reverse)} as "
                    "reverse-coded, but no answer scale is declared for it; declare the scale "
                    "of the construct or the model (e.g. scale: [1, 7]) so that these items can "
                    "be recoded as lowest + highest − x.",
                )
            )
    return problems


# ---------------------------------------------------------------------------- conversion
@dataclass(frozen=True)
class Converted:
    """Indicator columns converted to numbers by :func:`numeric_columns`.

    Attributes
    ----------
    values
        Column → float array (NaN where missing, a code or text).
    problems
        ``text_values`` errors.
    text_columns
        Columns holding text that is not a number.
    parsed
        Columns whose numbers were stored as text.
    code_counts
        Column → number of cells that matched a missing-value code.
    """

    values: dict[str, NDArray[np.float64]]
    problems: list[Diagnostic]
    text_columns: list[str]
    parsed: list[str]
    code_counts: dict[str, int]


def numeric_columns(
    raw: RawData, columns: Sequence[str], codes: Sequence[NaValue] = ()
) -> Converted:
    """Convert ``columns`` of ``raw.frame`` to float arrays and apply missing-value ``codes``.

    Numbers stored as text are converted (spaces ignored; ``3,5`` read as 3.5 unless the file's
    decimal mark is known to be a point); other texts are a ``text_values`` problem.
    """
    numbers = np.array([float(c) for c in codes if not isinstance(c, str)], dtype=float)
    texts = frozenset(c.strip() for c in codes if isinstance(c, str))
    comma = raw.decimal != "."
    index = raw.frame.index
    out = Converted({}, [], [], [], {})
    for col in columns:
        s = raw.frame[col]
        n_codes = 0
        if pd.api.types.is_bool_dtype(s):
            out.problems.append(_boolean_problem(raw, col, s, s.notna().to_numpy(bool), index))
            out.text_columns.append(col)
            out.values[col] = np.full(len(s), np.nan)
            continue
        if (
            pd.api.types.is_datetime64_any_dtype(s)
            or pd.api.types.is_timedelta64_dtype(s)
            or pd.api.types.is_complex_dtype(s)
        ):
            arr = np.full(len(s), np.nan)
            is_text = s.notna().to_numpy(dtype=bool)
        elif s.dtype == np.float64:  # a view, read only here (the data are never modified)
            arr = s.to_numpy()
            is_text = np.zeros(len(s), dtype=bool)
        elif pd.api.types.is_numeric_dtype(s):
            arr = s.to_numpy(dtype="float64", na_value=np.nan)
            is_text = np.zeros(len(s), dtype=bool)
        else:
            cells = s.astype(object).to_numpy()
            kinds = np.array([_cell_kind(v) for v in cells], dtype=object)
            if (kinds == "bool").any():
                out.problems.append(_boolean_problem(raw, col, s, kinds == "bool", index))
            if (kinds == "other").any():
                out.problems.append(_other_problem(raw, col, s, kinds == "other", index))
            if (kinds == "bool").any() or (kinds == "other").any():
                out.text_columns.append(col)
                out.values[col] = np.full(len(s), np.nan)
                continue
            arr, is_text, n_codes = parse_text_column(s, comma=comma, text_codes=texts)
            if not np.isnan(arr).all():
                out.parsed.append(col)
        if is_text.any():
            out.problems.append(_text_problem(raw, col, s, is_text, index))
            out.text_columns.append(col)
        if numbers.size:
            hit = np.isin(arr, numbers)
            n_codes += int(hit.sum())
            arr = np.where(hit, np.nan, arr)
        if n_codes:
            out.code_counts[col] = n_codes
        out.values[col] = arr.astype(np.float64, copy=False)
    return out


def _cell_kind(value: object) -> str:
    """``"bool"``, ``"other"`` (a list, dict, date, bytes, complex ... in one cell) or
    ``"scalar"`` (a number, a text or a missing value)."""
    if isinstance(value, bool | np.bool_):
        return "bool"
    if value is None or value is pd.NA or value is pd.NaT:
        return "scalar"
    if isinstance(value, str | int | float | np.integer | np.floating | decimal.Decimal):
        return "scalar"
    return "other"


def _boolean_problem(
    raw: RawData, col: str, s: pd.Series, mask: NDArray[np.bool_], index: pd.Index
) -> Diagnostic:
    examples, _ = fmt_examples(s, mask, index, spreadsheet=spreadsheet_rows(raw))
    fix = (
        f"df[{col!r}] = df[{col!r}].astype(int)"
        if raw.format == "dataframe"
        else "write them as 1 and 0 in the file"
    )
    return _problem(
        "boolean_values",
        f"In {where(raw.source)}, column '{col}' holds TRUE/FALSE values (such as {examples}), "
        "not answers on a scale, and sem_csat does not guess what they mean; if it is a yes/no "
        f"item, convert it explicitly ({fix}; 1 = TRUE, 0 = FALSE) and declare its scale as "
        "[0, 1].",
    )


def _other_problem(
    raw: RawData, col: str, s: pd.Series, mask: NDArray[np.bool_], index: pd.Index
) -> Diagnostic:
    n = int(mask.sum())
    examples, shown = fmt_examples(s, mask, index, spreadsheet=spreadsheet_rows(raw))
    kinds = sorted({type(v).__name__ for v in shown})
    what = f"a Python {kinds[0]}" if len(kinds) == 1 else f"Python {' and '.join(kinds)} values"
    return _problem(
        "non_scalar_values",
        f"In {where(raw.source)}, column '{col}' has {plural(n, 'cell')} that "
        f"{'holds' if n == 1 else 'hold'} not one answer but {what} (such as {examples}); "
        "every cell must hold one number (or be empty), so unpack or remove these cells.",
    )


def _text_problem(
    raw: RawData, col: str, s: pd.Series, is_text: NDArray[np.bool_], index: pd.Index
) -> Diagnostic:
    n = int(is_text.sum())
    if pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_timedelta64_dtype(s):
        return _problem(
            "text_values",
            f"In {where(raw.source)}, column '{col}' holds dates or times, not answers on a "
            "scale; check that the model names the right column.",
        )
    if pd.api.types.is_complex_dtype(s):
        return _problem(
            "text_values",
            f"In {where(raw.source)}, column '{col}' holds complex numbers, not answers on a "
            "scale; keep the real part (df[col].real) if that is the answer, or check that the "
            "model names the right column.",
        )
    examples, shown = fmt_examples(s, is_text, index, spreadsheet=spreadsheet_rows(raw))
    codes = [str(v).strip() for v in shown]
    w = _words(len(codes) == 1)
    advice = (
        f"fix the file, or declare {'the text' if len(codes) == 1 else 'these texts'} as "
        f"{w['a_code']} with {na_advice(codes)}"
    )
    if raw.decimal == "." and any(
        isinstance(v, str) and v.strip().replace(",", "", 1).isdigit() for v in shown
    ):
        advice = "they look like numbers with a decimal comma: read the file with decimal=','"
    return _problem(
        "text_values",
        f"In {where(raw.source)}, column '{col}' contains {plural(n, 'text')} that "
        f"{'is' if n == 1 else 'are'} not {'a number' if n == 1 else 'numbers'}, such as "
        f"{examples}; {advice}.",
    )


# ---------------------------------------------------------------------------- values
def looks_like_code(value: float, scale: Scale) -> bool:
    """Whether a value outside ``scale`` looks like a missing-value code rather than a typo.

    Examples
    --------
    >>> looks_like_code(-99, (1, 10)), looks_like_code(0, (1, 10)), looks_like_code(11, (1, 10))
    (True, True, False)
    >>> looks_like_code(-1.27, (1, 10))  # a standardized answer, not a code
    False
    """
    low, high = scale
    width = high - low
    if not float(value).is_integer():  # codes are whole numbers; 3.5 or -1.27 are not
        return False
    return bool(
        (value < 0 <= low)
        or (value == 0 and low >= 1)
        or (float(value).is_integer() and abs(value) in CODE_MAGNITUDES)
        or value >= high + width
        or value <= low - width
    )


def suspected_codes(values: NDArray[np.float64]) -> list[float]:
    """Values of a column without a declared scale that look like missing-value codes.

    ``values`` are the observed (finite) values.  See the module documentation for the rule.

    Examples
    --------
    >>> import numpy as np
    >>> suspected_codes(np.array([1, 2, 3, 4, 5, -99, 9, 3]))
    [-99.0, 9.0]
    >>> suspected_codes(np.array([0, 3, 7, 9, 10]))
    []
    >>> suspected_codes(np.array([-3.32, -1.2, 0.4, 1.38]))  # z-scores: no whole numbers
    []
    """
    uniq = [float(v) for v in np.unique(values)]
    big = [x for x in uniq if x > 0 and x.is_integer() and x in _UNSCALED_CODES]
    rest = [x for x in uniq if x >= 0 and x not in big]
    if not rest:
        return []
    hi = max(rest)
    found = [x for x in big if x >= hi + 2 and (x >= 2 * hi or hi <= 7)]
    # codes are whole numbers: -3.32 in standardized (z-score) data is an answer, not a code
    near = [x for x in uniq if -(hi + 1) <= x < 0 and x.is_integer()]
    far = [x for x in uniq if x < -(hi + 1) and x.is_integer()]
    bipolar = bool(near) and len(near) >= hi / 2
    return sorted(far + ([] if bipolar else near) + found)


def check_values(
    spec: ModelSpec,
    raw: RawData,
    conv: Converted,
    *,
    extremes: Mapping[str, tuple[float, float]] | None = None,
) -> tuple[list[Diagnostic], list[float]]:
    """Check converted columns: infinite values, empty columns, scale and missing-value codes.

    Columns holding text are not checked.  Codes: ``infinite_values``, ``huge_values``
    (beyond ±:data:`MAX_ABS_VALUE`), ``empty_column``, ``out_of_scale``,
    ``missing_code_suspected``.  ``extremes`` (column → lowest and highest value, NaN when the
    column has a gap) spares the pass that finds them when the caller has them already.

    Returns
    -------
    problems
        The ``error`` diagnostics.
    codes
        The missing-value codes the messages suggest.
    """
    index = raw.frame.index
    src = where(raw.source)
    sheet = spreadsheet_rows(raw)
    problems: list[Diagnostic] = []
    suggested: list[float] = []
    for col, arr in conv.values.items():
        if col in conv.text_columns:
            continue
        scale = spec.item_scale(col)
        if _on_scale(arr, scale, None if extremes is None else extremes.get(col)):
            continue  # every value finite and on the declared scale: none of the checks fires
        inf = np.isinf(arr)
        if inf.any():
            examples, _ = fmt_examples(pd.Series(arr), inf, index, spreadsheet=sheet)
            problems.append(
                _problem(
                    "infinite_values",
                    f"In {src}, column '{col}' contains "
                    f"{plural(int(inf.sum()), 'infinite value')}, such as {examples}; replace "
                    "them by answers or leave the cells empty.",
                )
            )
        observed = np.isfinite(arr)
        huge = observed & (np.abs(arr) > MAX_ABS_VALUE)
        if huge.any():
            examples, _ = fmt_examples(pd.Series(arr), huge, index, spreadsheet=sheet)
            problems.append(
                _problem(
                    "huge_values",
                    f"In {src}, column '{col}' holds {plural(int(huge.sum()), 'value')} beyond "
                    f"±{MAX_ABS_VALUE:.0e}, such as {examples}: no answer on a scale is that "
                    "large, and sums of squares of such numbers overflow; check that the model "
                    "names the right column (not an ID, a date or an amount in the wrong unit) "
                    "and correct the values.",
                )
            )
            continue
        if not observed.any():
            if len(arr) and not inf.any():
                coded = " once missing-value codes are removed" if col in conv.code_counts else ""
                problems.append(
                    _problem(
                        "empty_column",
                        f"In {src}, column '{col}' has no values in any of its "
                        f"{plural(len(arr), 'row')}{coded}; fill in the data or remove the item "
                        "from the model.",
                    )
                )
            continue
        construct = spec.construct_of(col).name
        scale = spec.scale_of(construct)
        if scale is not None:
            bad = observed & ((arr < scale[0]) | (arr > scale[1]))
            if bad.any():
                diag, codes = _scale_problem(
                    src, col, construct, scale, arr, bad, index, spreadsheet=sheet
                )
                problems.append(diag)
                suggested += [c for c in codes if c not in suggested]
        else:
            codes = suspected_codes(arr[observed])
            if codes:
                problems.append(_code_problem(src, col, arr, codes, index, spreadsheet=sheet))
                suggested += [c for c in codes if c not in suggested]
    return problems, suggested


def _on_scale(
    arr: NDArray[np.float64], scale: Scale | None, extremes: tuple[float, float] | None = None
) -> bool:
    """Whether a non-empty column has only finite values on ``scale`` (from its lowest and
    highest value, found in two passes unless given; a NaN makes both comparisons false)."""
    if scale is None or not len(arr):
        return False
    low, high = (arr.min(), arr.max()) if extremes is None else extremes
    return bool(scale[0] <= low and high <= scale[1])


def _scale_problem(
    src: str,
    col: str,
    construct: str,
    scale: Scale,
    arr: NDArray[np.float64],
    bad: NDArray[np.bool_],
    index: pd.Index,
    *,
    spreadsheet: bool = False,
) -> tuple[Diagnostic, list[float]]:
    n = int(bad.sum())
    examples, _ = fmt_examples(pd.Series(arr), bad, index, spreadsheet=spreadsheet)
    distinct = [float(v) for v in pd.unique(arr[bad])]
    edge = scale_edge_values(distinct, scale)
    codes = [v for v in distinct if v not in edge and looks_like_code(v, scale)]
    others = [v for v in distinct if v not in codes and v not in edge]
    # one value just past the edge may also be a code (0 or 8 on 1–7); a run of several (6 and
    # 7 on 1–5) is the top of a wider scale: never advise deleting those answers
    edge_code = edge if len(edge) == 1 and looks_like_code(edge[0], scale) else []
    parts = []
    if edge:
        parts.append(_narrow_scale_advice(arr, edge, scale, construct))
    if edge_code:
        parts.append(
            f"only if {fmt_number(edge[0])} means 'no answer' rather than the "
            f"{'top' if edge[0] > scale[1] else 'bottom'} answer, declare it with "
            f"{na_advice(edge_code)}"
        )
    if codes:
        shown = ", ".join(fmt_number(v) for v in codes)
        w = _words(len(codes) == 1)
        parts.append(
            f"{shown} {w['looks']} like {w['a_code']}: if {w['it']} {w['means']} 'no answer', "
            f"declare {w['it_obj']} with {na_advice(codes)}"
        )
    if others:
        shown = ", ".join(fmt_number(v) for v in others[:5])
        parts.append(
            f"{shown} {'is' if len(others) == 1 else 'are'} not a possible answer: correct the "
            f"data, or the scale declared for construct '{construct}'"
        )
    observed = arr[np.isfinite(arr)]
    if observed.size > 2 and abs(observed.mean()) < 0.01 and abs(observed.std(ddof=1) - 1) < 0.01:
        parts.insert(
            0,
            "the column looks standardized (mean 0, standard deviation 1): fit the raw "
            "answers, or leave the scale undeclared for standardized data",
        )
    message = (
        f"In {src}, column '{col}' has {n} {'value' if n == 1 else 'values'} outside the "
        f"declared scale {_fmt_scale(scale)}, such as {examples}; {'; '.join(parts)}."
    )
    return _problem("out_of_scale", message), [*edge_code, *codes]


def scale_edge_values(values: Sequence[float], scale: Scale) -> list[float]:
    """Out-of-scale values that continue the declared scale without a gap: the top or bottom
    answers of a wider scale (6 and 7 when ``scale: [1, 5]`` was declared for 1–7 answers).

    Whole numbers from ``highest + 1`` upwards (and from ``lowest − 1`` downwards, not below 0
    on a non-negative scale) while each one occurs, at most one scale width beyond the edge.

    Examples
    --------
    >>> scale_edge_values([6.0, 7.0, 99.0], (1, 5))
    [6.0, 7.0]
    >>> scale_edge_values([0.0, -99.0], (1, 10))
    [0.0]
    >>> scale_edge_values([7.0], (1, 5))
    []
    """
    low, high = float(scale[0]), float(scale[1])
    if not (low.is_integer() and high.is_integer()):
        return []
    present = {float(v) for v in values if float(v).is_integer()}
    width = high - low
    run: list[float] = []
    v = high + 1
    while v in present and v <= high + width:
        run.append(v)
        v += 1
    v = low - 1
    while v in present and v >= low - width and (v >= 0 or low < 0):
        run.append(v)
        v -= 1
    return sorted(run)


def _narrow_scale_advice(
    arr: NDArray[np.float64], edge: Sequence[float], scale: Scale, construct: str
) -> str:
    """Say first that the declared scale looks too narrow (never to delete top-box answers)."""
    low = min(float(scale[0]), *edge)
    high = max(float(scale[1]), *edge)
    counts = ", ".join(
        f"{fmt_number(v)} given {plural(int(np.sum(arr == v)), 'time')}" for v in edge
    )
    wider = f"[{fmt_number(low)}, {fmt_number(high)}]"
    text = (
        f"the declared scale looks too narrow: the answers continue past it without a gap "
        f"({counts}), as on a "
        f"{fmt_number(low)}–{fmt_number(high)} scale; if that is the scale the items were "
        f"answered on, declare scale: {wider} for construct '{construct}' (or for the model)"
    )
    return text


def _code_problem(
    src: str,
    col: str,
    arr: NDArray[np.float64],
    codes: list[float],
    index: pd.Index,
    *,
    spreadsheet: bool = False,
) -> Diagnostic:
    observed = np.isfinite(arr)
    is_code = observed & np.isin(arr, codes)
    rest = arr[observed & ~is_code]
    examples, _ = fmt_examples(pd.Series(arr), is_code, index, spreadsheet=spreadsheet)
    w = _words(len(codes) == 1)
    lo, hi = fmt_number(float(rest.min())), fmt_number(float(rest.max()))
    return _problem(
        "missing_code_suspected",
        f"In {src}, column '{col}' contains {examples}, which {w['looks']} like {w['a_code']} "
        f"rather than {w['an_answer']} (the other values lie between {lo} and {hi}) and no "
        f"answer scale is declared; declare {w['it_obj']} with {na_advice(codes)}, or, if "
        f"{w['it']} {w['is_']} real {w['answer_s']}, declare the answer scale of the items "
        "(scale: [lowest, highest]).",
    )


_WORDS: Final[dict[str, tuple[str, str]]] = {
    "looks": ("looks", "look"),
    "a_code": ("a missing-value code", "missing-value codes"),
    "it": ("it", "they"),
    "it_obj": ("it", "them"),
    "means": ("means", "mean"),
    "an_answer": ("an answer", "answers"),
    "is_": ("is a", "are"),
    "answer_s": ("answer", "answers"),
}


def _words(one: bool) -> dict[str, str]:
    """Singular or plural wording for one or several codes."""
    return {k: v[0] if one else v[1] for k, v in _WORDS.items()}
