"""Paths, quiet fitting and number formatting shared by the paper scripts.

Every number that the paper quotes is formatted here, once, so that the text, the tables and
``numbers.json`` carry the identical string.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

import sem_csat
from sem_csat.errors import SemCsatWarning

ROOT = Path(__file__).resolve().parents[2]
PAPER = ROOT / "paper"
LAVAAN = ROOT / "tests" / "reference" / "lavaan"
SEMTOOLS = LAVAAN / "semtools"
SHARED_REFERENCE = ROOT.parent / "shared" / "reference"
SMARTPLS = SHARED_REFERENCE / "smartpls_ecsi"
ADANCO = SHARED_REFERENCE / "adanco_bank_satisfaction"

T = TypeVar("T")


@contextmanager
def quiet() -> Iterator[None]:
    """Silence sem_csat's own warnings and third-party deprecation noise.

    The warnings are not lost: every finding is also on the result's ``diagnostics``, and the
    case study reports those.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SemCsatWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def fit(*args: Any, **kwargs: Any) -> Any:
    """``sem_csat.fit`` with the warnings kept on the result only."""
    with quiet():
        return sem_csat.fit(*args, **kwargs)


def call_quietly(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with quiet():
        return fn(*args, **kwargs)


# ---------------------------------------------------------------------------------------------
# formatting: one function per kind of number


def fmt_diff(x: float) -> str:
    """A maximal absolute difference, one significant digit in scientific notation (``2e-08``).

    Differences below 1e-12 (rounding noise, which changes with the BLAS library) are written
    ``< 1e-12``.  One digit is all a parity claim needs, and it keeps the printed number stable
    against the last bits of floating-point arithmetic.
    """
    if not math.isfinite(x):
        return "n/a"
    if x < 1e-12:
        return "< 1e-12"
    return f"{x:.0e}".replace("e-0", "e-").replace("e+0", "e+")


def fmt_bound(x: float) -> str:
    """The smallest power of ten above ``x``, as ``1e-6``: "agrees to ``fmt_bound``"."""
    if x <= 0:
        return "1e-15"
    k = math.floor(math.log10(x)) + 1
    return f"1e{k}" if k != 0 else "1"


def fmt_num(x: float, digits: int = 3) -> str:
    """A coefficient or index, fixed decimals, proper minus sign left to Markdown (``-0.054``)."""
    if not math.isfinite(x):
        return ""
    out = f"{x:.{digits}f}"
    return "0." + "0" * digits if out in ("-0." + "0" * digits,) else out


def fmt_ratio(x: float) -> str:
    """A speed ratio: ``33`` (no decimals from 10 on), ``6.7`` below."""
    return f"{x:.0f}" if x >= 10 else f"{x:.1f}"


def fmt_ms(seconds: float) -> str:
    """A duration in milliseconds with two significant decimals where useful."""
    ms = seconds * 1e3
    return f"{ms:.1f}" if ms >= 1 else f"{ms:.2f}"


def markdown_table(frame: pd.DataFrame, align: str | None = None) -> str:
    """A pipe table of strings; ``align`` is one letter per column (``l``/``r``)."""
    cols = [str(c) for c in frame.columns]
    align = align or "l" + "r" * (len(cols) - 1)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join(rule) + "|"]
    for row in frame.astype(str).itertuples(index=False):
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"
