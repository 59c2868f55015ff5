"""Helpers shared by the readers and the validation: cell parsing and message fragments.

Row references in messages are 1-based positions among the data rows: row 1 is the first row
below the header line (blank lines that a CSV reader skips are not counted).  In a spreadsheet
that shows the header on line 1, row 17 is therefore on line 18.  When a pandas DataFrame with a
non-default index is given, the index label is added: ``row 17 (index 'R17')``.
"""

from __future__ import annotations

import decimal
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import DataError, DataWarning

__all__ = [
    "NA_STRINGS",
    "NaValue",
    "apply_na_values",
    "check_na_values",
    "fmt_examples",
    "fmt_number",
    "fmt_rows",
    "fmt_value",
    "na_diagnostic",
    "parse_text_column",
    "plural",
    "spreadsheet_rows",
    "subject",
    "where",
]

NaValue = int | float | str
"""A missing-value code: a number such as ``-99`` or a text such as ``"n/a"``."""

NA_STRINGS: Final[frozenset[str]] = frozenset(
    {
        "",
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
    }
)
"""Texts read as missing (the markers that ``pandas.read_csv`` treats as missing by default)."""

_NUMBER_RE: Final = re.compile(
    r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|infinity)", re.IGNORECASE
)
_COMMA_NUMBER_RE: Final = re.compile(r"[+-]?(?:\d+,\d*|,\d+)")


def where(source: str) -> str:
    """Name a data source in a message: ``'survey.csv'`` or ``the DataFrame``."""
    return "the DataFrame" if source == "<DataFrame>" else f"'{source}'"


def subject(source: str) -> str:
    """Name a data source at the start of a sentence: ``'survey.csv'`` or ``The DataFrame``."""
    return "The DataFrame" if source == "<DataFrame>" else f"'{source}'"


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 row``, ``3 rows`` (``many`` for irregular plurals)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def fmt_number(value: float) -> str:
    """Format a number without a needless ``.0``: ``-99.0`` → ``-99``, ``3.5`` → ``3.5``."""
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def fmt_value(value: object) -> str:
    """Quote a cell value for a message: texts in quotes, numbers plain, other objects (a list
    in a cell) as Python shows them, cut to 40 characters."""
    if isinstance(value, bool | np.bool_):
        return repr(bool(value))
    if isinstance(value, int | float | np.integer | np.floating):
        return fmt_number(float(value))
    if isinstance(value, str):
        return repr(str(value))
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _row_ref(pos: int, index: pd.Index) -> str:
    label = f"{pos + 1}"
    if not isinstance(index, pd.RangeIndex) or index.start != 0 or index.step != 1:
        label += f" (index {index[pos]!r})"
    return label


def spreadsheet_rows(raw: object) -> bool:
    """Whether rows of ``raw`` (a :class:`~sem_csat.data.RawData`) are also named by their
    spreadsheet row: a CSV/TSV or Excel file, whose header is row 1 in a spreadsheet."""
    return getattr(raw, "format", None) in ("csv", "tsv", "excel")


def fmt_rows(
    positions: Sequence[int] | NDArray[np.intp],
    index: pd.Index,
    *,
    limit: int = 3,
    spreadsheet: bool = False,
) -> str:
    """Name rows by their 1-based position: ``row 4``, ``rows 4, 9, 12`` or ``rows 4, 9, 12, …``.

    ``positions`` are 0-based positions in ``index``; ``limit`` rows are shown at most.  With
    ``spreadsheet`` (data read from a CSV or Excel file) the spreadsheet rows follow, one more
    than the data rows because the header is row 1: ``rows 4, 9; spreadsheet rows 5, 10``.

    Examples
    --------
    >>> fmt_rows([3, 8], pd.RangeIndex(10), spreadsheet=True)
    'rows 4, 9; spreadsheet rows 5, 10'
    """
    pos = [int(p) for p in positions]
    shown = ", ".join(_row_ref(p, index) for p in pos[:limit])
    more = f" and {len(pos) - limit} more" if len(pos) > limit else ""
    text = f"{'row' if len(pos) == 1 else 'rows'} {shown}{more}"
    if spreadsheet and pos:
        sheet = ", ".join(str(p + 2) for p in pos[:limit])
        word = "row" if len(pos) == 1 else "rows"
        text += f"; spreadsheet {word} {sheet}{', …' if more else ''}"
    return text


def fmt_examples(
    values: pd.Series,
    mask: NDArray[np.bool_],
    index: pd.Index,
    *,
    limit: int = 3,
    spreadsheet: bool = False,
) -> tuple[str, list[object]]:
    """Describe up to ``limit`` distinct offending values with the rows where they occur.

    Returns the text (``'n/a' (row 17), -99 (rows 3, 8, 12)``) and the distinct values shown;
    ``spreadsheet`` adds the spreadsheet rows (:func:`fmt_rows`).
    """
    positions = np.flatnonzero(mask)
    seen: dict[object, list[int]] = {}
    first: dict[object, object] = {}
    for p in positions:
        value: object = values.iloc[int(p)]
        try:
            key: object = (type(value), value)
            hash(key)
        except TypeError:  # a list or dict in a cell
            key = (type(value), repr(value))
        if key not in seen and len(seen) >= limit:
            continue
        seen.setdefault(key, []).append(int(p))
        first.setdefault(key, value)
    parts = [
        f"{fmt_value(first[k])} ({fmt_rows(rows, index, spreadsheet=spreadsheet)})"
        for k, rows in seen.items()
    ]
    return ", ".join(parts), list(first.values())


def check_na_values(na_values: Iterable[NaValue] | NaValue | None) -> tuple[NaValue, ...]:
    """Check the user's missing-value codes and return them as a tuple.

    A text with commas is a list of codes, as on the command line: ``"-99,-98"`` gives
    ``(-99, -98)``.

    Raises
    ------
    DataError
        When a code is neither a number nor a text.
    """
    if na_values is None:
        return ()
    if isinstance(na_values, Mapping):
        first = next(iter(na_values.items()), ("CUSA1", -99))
        raise DataError(
            f"na_values={{{first[0]!r}: {first[1]!r}, ...}} gives codes per column, which "
            "sem_csat does not support (it would otherwise read the column names as codes); "
            "pass codes that mean 'no answer' in every column as a list, such as "
            f"na_values=[{first[1]!r}], or replace per-column codes before fitting, e.g. "
            f"df = df.replace({{{first[0]!r}: {{{first[1]!r}: float('nan')}}}})."
        )
    if isinstance(na_values, str) and "," in na_values:
        # "-99,-98" is the command line's comma list; read it the same way here.
        na_values = [_code_from_text(p) for p in na_values.split(",") if p.strip()]
    elif isinstance(na_values, str | int | float):
        na_values = [na_values]
    try:
        given = list(na_values)
    except TypeError:
        raise DataError(
            f"na_values must be a list of codes such as [-99, 'n/a'], got {na_values!r}."
        ) from None
    out: list[NaValue] = []
    for v in given:
        if isinstance(v, bool | np.bool_) or not isinstance(
            v, str | int | float | np.integer | np.floating
        ):
            raise DataError(
                f"na_values must hold numbers or texts such as [-99, 'n/a'], got {v!r}."
            )
        if isinstance(v, np.integer | np.floating):
            v = v.item()
        if isinstance(v, float) and math.isnan(v):
            continue
        out.append(v)
    return tuple(out)


def _code_from_text(text: str) -> NaValue:
    """One code of a comma list: a number when it reads as one (``-99``), else the text."""
    text = text.strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and math.isfinite(number) else number


def _parse_cell(value: object, comma: bool) -> float | None:
    """Return the number in ``value``, NaN for missing markers, or None for text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return math.nan
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating | decimal.Decimal):
        return float(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text in NA_STRINGS:
        return math.nan
    if _NUMBER_RE.fullmatch(text):
        return float(text)
    if comma and _COMMA_NUMBER_RE.fullmatch(text):
        return float(text.replace(",", "."))
    return None


def parse_text_column(
    series: pd.Series, *, comma: bool, text_codes: frozenset[str] = frozenset()
) -> tuple[NDArray[np.float64], NDArray[np.bool_], int]:
    """Convert a text (object or string) column to numbers.

    Surrounding spaces are ignored, the texts of :data:`NA_STRINGS` and ``text_codes`` become
    NaN, and ``3,5`` is read as 3.5 when ``comma`` is true.

    Returns
    -------
    values
        The numbers (NaN where missing or not a number).
    is_text
        True where a cell holds text that is not a number.
    n_codes
        How many cells matched one of ``text_codes``.
    """
    out = np.full(len(series), np.nan)
    is_text = np.zeros(len(series), dtype=bool)
    n_codes = 0
    for i, value in enumerate(series.astype(object).to_numpy()):
        if isinstance(value, str) and value.strip() in text_codes:
            n_codes += 1
            continue
        number = _parse_cell(value, comma)
        if number is None:
            is_text[i] = True
        else:
            out[i] = number
    return out, is_text, n_codes


def apply_na_values(frame: pd.DataFrame, codes: Sequence[NaValue]) -> dict[str, int]:
    """Replace missing-value ``codes`` by NaN in ``frame`` (changed in place); count per column.

    Numeric codes match numbers and texts that hold that number (``"-99"``); text codes match
    texts after surrounding spaces are removed.
    """
    numbers = [float(c) for c in codes if not isinstance(c, str)]
    texts = frozenset(c.strip() for c in codes if isinstance(c, str))
    counts: dict[str, int] = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_bool_dtype(s):
            continue
        if pd.api.types.is_numeric_dtype(s):
            mask = s.isin(numbers).to_numpy(dtype=bool) if numbers else np.zeros(len(s), bool)
        elif pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s):
            mask = np.zeros(len(s), dtype=bool)
            for i, value in enumerate(s.astype(object).to_numpy()):
                if isinstance(value, str):
                    text = value.strip()
                    if text in texts:
                        mask[i] = True
                    elif numbers and _NUMBER_RE.fullmatch(text):
                        mask[i] = float(text) in numbers
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    mask[i] = float(value) in numbers
        else:
            continue
        n = int(mask.sum())
        if n:
            if pd.api.types.is_integer_dtype(s):
                frame[col] = s.astype("float64")
            frame.loc[mask, col] = np.nan
            counts[str(col)] = n
    return counts


def na_diagnostic(
    source: str, codes: Sequence[NaValue], counts: Mapping[str, int], *, scope: str = ""
) -> Diagnostic:
    """Report which missing-value codes were found (``na_values_applied``) or that none was."""
    shown = ", ".join(fmt_value(c) for c in codes)
    if not counts:
        return Diagnostic(
            "info",
            "na_values_not_found",
            f"None of the missing-value codes {shown} occurs in {scope}{where(source)}; "
            "check na_values.",
            DataWarning,
        )
    per_col = ", ".join(f"{c} {n}" for c, n in counts.items())
    return Diagnostic(
        "info",
        "na_values_applied",
        f"{sum(counts.values())} cells of {scope}{where(source)} held a missing-value code "
        f"({shown}) and were read as missing: {per_col}.",
        DataWarning,
    )
