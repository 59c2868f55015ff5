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
    - a negative value below ``-(hi + 1)``;
    - negative values down to ``-(hi + 1)``, unless there are at least ``hi / 2`` distinct
      ones, as on a bipolar scale such as −3…3.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
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
def check_columns(spec: ModelSpec, raw: RawData) -> list[Diagnostic]:
    """Check that every indicator is one column of the data and reversed items have a scale.

    Codes: ``missing_columns``, ``duplicate_columns``, ``reverse_without_scale``.
    """
    problems: list[Diagnostic] = []
    columns = [str(c) for c in raw.frame.columns]
    present = set(columns)
    absent = [n for n in spec.indicator_names if n not in present]
    if absent:
        listed = ", ".join(f"'{n}'{did_you_mean(n, columns)}" for n in absent)
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
    dupes = [n for n in spec.indicator_names if columns.count(n) > 1]
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
        if pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_timedelta64_dtype(s):
            arr = np.full(len(s), np.nan)
            is_text = s.notna().to_numpy(dtype=bool)
        elif pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            arr = s.to_numpy(dtype="float64", na_value=np.nan)
            is_text = np.zeros(len(s), dtype=bool)
        else:
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
    examples, shown = fmt_examples(s, is_text, index)
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
    """
    low, high = scale
    width = high - low
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
    """
    uniq = [float(v) for v in np.unique(values)]
    big = [x for x in uniq if x > 0 and x.is_integer() and x in _UNSCALED_CODES]
    rest = [x for x in uniq if x >= 0 and x not in big]
    if not rest:
        return []
    hi = max(rest)
    found = [x for x in big if x >= hi + 2 and (x >= 2 * hi or hi <= 7)]
    near = [x for x in uniq if -(hi + 1) <= x < 0]
    far = [x for x in uniq if x < -(hi + 1)]
    bipolar = bool(near) and len(near) >= hi / 2
    return sorted(far + ([] if bipolar else near) + found)


def check_values(
    spec: ModelSpec, raw: RawData, conv: Converted
) -> tuple[list[Diagnostic], list[float]]:
    """Check converted columns: infinite values, empty columns, scale and missing-value codes.

    Columns holding text are not checked.  Codes: ``infinite_values``, ``empty_column``,
    ``out_of_scale``, ``missing_code_suspected``.

    Returns
    -------
    problems
        The ``error`` diagnostics.
    codes
        The missing-value codes the messages suggest.
    """
    index = raw.frame.index
    src = where(raw.source)
    problems: list[Diagnostic] = []
    suggested: list[float] = []
    for col, arr in conv.values.items():
        if col in conv.text_columns:
            continue
        if _on_scale(arr, spec.scale_of(spec.construct_of(col).name)):
            continue  # every value finite and on the declared scale: none of the checks fires
        inf = np.isinf(arr)
        if inf.any():
            examples, _ = fmt_examples(pd.Series(arr), inf, index)
            problems.append(
                _problem(
                    "infinite_values",
                    f"In {src}, column '{col}' contains "
                    f"{plural(int(inf.sum()), 'infinite value')}, such as {examples}; replace "
                    "them by answers or leave the cells empty.",
                )
            )
        observed = np.isfinite(arr)
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
                diag, codes = _scale_problem(src, col, construct, scale, arr, bad, index)
                problems.append(diag)
                suggested += [c for c in codes if c not in suggested]
        else:
            codes = suspected_codes(arr[observed])
            if codes:
                problems.append(_code_problem(src, col, arr, codes, index))
                suggested += [c for c in codes if c not in suggested]
    return problems, suggested


def _on_scale(arr: NDArray[np.float64], scale: Scale | None) -> bool:
    """Whether a non-empty column has only finite values on ``scale`` (two passes: min, max;
    a NaN makes both comparisons false)."""
    if scale is None or not len(arr):
        return False
    return bool(scale[0] <= arr.min() and arr.max() <= scale[1])


def _scale_problem(
    src: str,
    col: str,
    construct: str,
    scale: Scale,
    arr: NDArray[np.float64],
    bad: NDArray[np.bool_],
    index: pd.Index,
) -> tuple[Diagnostic, list[float]]:
    n = int(bad.sum())
    examples, _ = fmt_examples(pd.Series(arr), bad, index)
    distinct = [float(v) for v in pd.unique(arr[bad])]
    codes = [v for v in distinct if looks_like_code(v, scale)]
    others = [v for v in distinct if v not in codes]
    parts = []
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
    message = (
        f"In {src}, column '{col}' has {n} {'value' if n == 1 else 'values'} outside the "
        f"declared scale {_fmt_scale(scale)}, such as {examples}; {'; '.join(parts)}."
    )
    return _problem("out_of_scale", message), codes


def _code_problem(
    src: str, col: str, arr: NDArray[np.float64], codes: list[float], index: pd.Index
) -> Diagnostic:
    observed = np.isfinite(arr)
    is_code = observed & np.isin(arr, codes)
    rest = arr[observed & ~is_code]
    examples, _ = fmt_examples(pd.Series(arr), is_code, index)
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
