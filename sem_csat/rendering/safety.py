"""Spreadsheet-safe CSV cells (CSV / formula injection).

A spreadsheet program that opens a CSV file treats a text cell that begins with ``=``, ``+``,
``-`` or ``@`` as a formula; tab and carriage return at the start of a cell can smuggle one in
as well.  Construct names, item wordings and file names travel from user-supplied specs and
data into every CSV sem_csat writes, so every CSV writer passes its frame through
:func:`safe_frame` first.

The rule (after the OWASP "CSV Injection" guidance): a *text* cell whose first character is one
of ``= + - @ \\t \\r`` gets a leading apostrophe ``'``, which spreadsheets show as a text marker.
Real numbers (``int``, ``float``, NumPy numbers, negative ones included) are never touched:
sem_csat stores numbers as numbers, so a negative estimate stays a number in the file.

Decision: a *string* that merely looks like a number (``"-0.5"``) is still prefixed.  Text
columns hold names and labels, not numbers; a numeric-looking string there is exactly what an
attacker would use (``-2+3``, ``-cmd|...``), and OWASP recommends prefixing over trying to
recognise "harmless" formulas.

References
----------
OWASP Foundation. *CSV Injection*. https://owasp.org/www-community/attacks/CSV_Injection

Examples
--------
>>> spreadsheet_safe("=cmd()")
"'=cmd()"
>>> spreadsheet_safe(-2.5)
-2.5
>>> spreadsheet_safe("Satisfaction")
'Satisfaction'
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import pandas as pd

__all__ = ["FORMULA_PREFIXES", "safe_frame", "spreadsheet_safe"]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

T = TypeVar("T")


def spreadsheet_safe(value: T) -> T | str:
    """Return ``value`` with a leading ``'`` if it is text that a spreadsheet would run.

    Parameters
    ----------
    value
        Any cell value.  Only ``str`` (and subclasses such as ``numpy.str_``) can change.

    Returns
    -------
    object
        ``"'" + value`` for text starting with one of :data:`FORMULA_PREFIXES`, otherwise
        ``value`` itself (numbers, NaN, ``None`` and ordinary text unchanged).

    Examples
    --------
    >>> [spreadsheet_safe(v) for v in ("+1", "-2+3", "@SUM(A1)", "\\tx", "a-b", 3, -1.0)]
    ["'+1", "'-2+3", "'@SUM(A1)", "'\\tx", 'a-b', 3, -1.0]
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + str(value)
    return value


def _safe_labels(labels: pd.Index) -> pd.Index:
    if isinstance(labels, pd.MultiIndex):
        return pd.MultiIndex.from_tuples(
            [tuple(spreadsheet_safe(v) for v in t) for t in labels], names=labels.names
        )
    return pd.Index([spreadsheet_safe(v) for v in labels], name=labels.name)


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, column names and index labels are spreadsheet-safe.

    Numeric columns are returned unchanged (same dtype, same values); only object, string and
    category columns are inspected.  The input is not modified.

    Parameters
    ----------
    frame
        The table about to be written as CSV.

    Returns
    -------
    pandas.DataFrame
        The safe copy.

    Examples
    --------
    >>> df = pd.DataFrame({"construct": ["=HYPERLINK()", "Loyalty"], "estimate": [-0.5, 0.25]})
    >>> safe_frame(df)
           construct  estimate
    0  '=HYPERLINK()     -0.50
    1        Loyalty      0.25
    """
    out = frame.copy()
    for position in range(frame.shape[1]):
        series = frame.iloc[:, position]
        if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
            continue
        values = [spreadsheet_safe(v) for v in series]
        out.isetitem(position, np.array(values, dtype=object))
    out.columns = _safe_labels(frame.columns)
    out.index = _safe_labels(frame.index)
    return out
