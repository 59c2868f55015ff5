"""APA-style formatting of single numbers: coefficients, bounded values, p values and stars.

Every renderer of :class:`~sem_csat.rendering.Table` formats its cells here, so that text, HTML,
LaTeX, Markdown and Word show the same characters.  The conventions follow the *Publication
Manual of the American Psychological Association* (7th ed., 2020), sections 6.36 (decimal
places, leading zeros) and 7.14 (table notes, probability notes):

* a leading zero is dropped for numbers that cannot exceed 1 in absolute value (correlations,
  proportions, reliabilities, standardized loadings, p values): ``.68``;
* p values are given to three decimals, and values below .001 as ``< .001``;
* negative numbers carry a true minus sign (U+2212, ``−``), not a hyphen; the LaTeX renderer
  turns it into ``$-$``.  CSV output never uses these strings: it holds the raw numbers.

Examples
--------
>>> format_value(0.6789, "bounded", 2)
'.68'
>>> format_value(-0.0512, "bounded", 2)
'−.05'
>>> format_value(1.2345, "coef", 2)
'1.23'
>>> format_p(0.0004)
'< .001'
>>> format_p(0.0312)
'.031'
>>> stars(0.01)
'*'
"""

from __future__ import annotations

import math
from typing import Literal, TypeAlias

import numpy as np

__all__ = [
    "MINUS",
    "STAR_LEVELS",
    "STAR_NOTE",
    "Kind",
    "format_p",
    "format_value",
    "is_missing",
    "stars",
]

#: How a column is formatted: ``coef`` (any real number), ``bounded`` (|x| ≤ 1: no leading
#: zero), ``p`` (p value), ``int``, ``text``, ``ci`` (an interval ``[lower, upper]`` from two
#: columns).
Kind: TypeAlias = Literal["coef", "bounded", "p", "int", "text", "ci"]
KINDS: tuple[str, ...] = ("coef", "bounded", "p", "int", "text", "ci")

#: The minus sign used in rendered tables (U+2212 MINUS SIGN).
MINUS = "\u2212"

#: Significance levels and their stars, strictest first: p < .001 gives ``***``.
STAR_LEVELS: tuple[tuple[float, str], ...] = ((0.001, "***"), (0.01, "**"), (0.05, "*"))

#: The probability note that explains the stars (APA 7th ed., 7.14).
STAR_NOTE = "* p < .05. ** p < .01. *** p < .001."


def is_missing(value: object) -> bool:
    """True for ``None``, ``pd.NA`` and float NaN (the cells shown as the column's placeholder)."""
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    try:
        import pandas as pd

        return value is pd.NA or value is pd.NaT
    except ImportError:  # pragma: no cover - pandas is a dependency
        return False


def _signed(text: str, negative: bool) -> str:
    # "-0.00" would suggest a negative value that the shown digits do not have.
    if negative and any(ch in "123456789" for ch in text):
        return MINUS + text
    return text


def format_value(value: object, kind: Kind = "coef", decimals: int = 3, missing: str = "") -> str:
    """Format one number the APA way (see the module docstring).

    Parameters
    ----------
    value
        The raw value (a number, or text for ``kind="text"``).
    kind
        ``"coef"``, ``"bounded"``, ``"p"``, ``"int"`` or ``"text"`` (``"ci"`` intervals are
        formatted by the table from two values, each as ``"coef"`` or ``"bounded"``).
    decimals
        Decimal places (ignored for ``"p"``, which always shows three, and ``"int"``).
    missing
        What to show for a missing value (``""``; APA uses an em dash for cells that cannot be
        computed).

    Returns
    -------
    str
        The formatted cell.

    Notes
    -----
    ``bounded`` drops the leading zero only while the rounded value is below 1 in absolute
    value; a Heywood case such as a standardized loading of 1.08 keeps its ``1``, so a broken
    solution is not disguised.

    References
    ----------
    American Psychological Association (2020). *Publication Manual of the American
    Psychological Association* (7th ed.), section 6.36.

    Examples
    --------
    >>> format_value(-0.0004, "coef", 3)
    '0.000'
    >>> format_value(1.08, "bounded", 2)
    '1.08'
    >>> format_value(float("nan"), "bounded", 2, missing="—")
    '—'
    >>> format_value(12.0, "int")
    '12'
    """
    if kind == "p":
        return format_p(value, missing=missing)
    if is_missing(value):
        return missing
    if kind == "text" or isinstance(value, str):
        return str(value)
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if not isinstance(value, int | float | np.integer | np.floating):
        return str(value)
    x = float(value)
    if math.isinf(x):
        return _signed("∞", x < 0)
    if kind == "int":
        return _signed(f"{abs(round(x)):d}", x < 0)
    text = f"{abs(x):.{decimals}f}"
    if kind == "bounded" and text.startswith("0.") and decimals > 0:
        text = text[1:]
    return _signed(text, x < 0)


def format_p(value: object, missing: str = "") -> str:
    """Format a p value: three decimals without the leading zero, ``< .001`` below .001.

    Values that would round to 1.000 are shown as ``> .999`` (a p value is never exactly 1 in
    a continuous test).

    References
    ----------
    American Psychological Association (2020). *Publication Manual* (7th ed.), section 6.36:
    "report exact p values to two or three decimal places; however, report p values less
    than .001 as p < .001".

    Examples
    --------
    >>> format_p(0.001), format_p(0.000999), format_p(0.05), format_p(0.99999)
    ('.001', '< .001', '.050', '> .999')
    """
    if is_missing(value) or not isinstance(value, int | float | np.integer | np.floating):
        return missing if is_missing(value) else str(value)
    p = float(value)
    if p < 0.001:
        return "< .001"
    if p >= 0.9995:
        return "> .999"
    return f"{p:.3f}"[1:]


def stars(p: object) -> str:
    """Significance stars: ``***`` for p < .001, ``**`` for p < .01, ``*`` for p < .05.

    The thresholds are strict: p = .05 gets no star, p = .01 one, p = .001 two.

    Examples
    --------
    >>> [stars(p) for p in (0.0009, 0.001, 0.0099, 0.01, 0.0499, 0.05, float("nan"))]
    ['***', '**', '**', '*', '*', '', '']
    """
    if is_missing(p) or not isinstance(p, int | float | np.integer | np.floating):
        return ""
    for level, mark in STAR_LEVELS:
        if float(p) < level:
            return mark
    return ""
