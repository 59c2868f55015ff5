"""Name, label, number and scale checks shared by the parts of a spec."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Sequence
from typing import Literal

from sem_csat.errors import SpecError

__all__ = [
    "MODES",
    "Mode",
    "Scale",
    "check_fixed",
    "check_label",
    "check_name",
    "check_scale",
    "did_you_mean",
    "format_number",
    "format_term",
]

Mode = Literal["reflective", "formative"]
MODES: tuple[Mode, ...] = ("reflective", "formative")
Scale = tuple[float, float]

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest candidate, or ``""``.

    Matching is case-insensitive first, then by :func:`difflib.get_close_matches`.
    """
    cands = list(candidates)
    lower = {c.lower(): c for c in cands}
    if name.lower() in lower and lower[name.lower()] != name:
        return f" (did you mean '{lower[name.lower()]}'?)"
    close = difflib.get_close_matches(name, cands, n=1, cutoff=0.6)
    if not close:
        close_l = difflib.get_close_matches(name.lower(), list(lower), n=1, cutoff=0.6)
        close = [lower[c] for c in close_l]
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_name(name: object, what: str) -> str:
    """Check that ``name`` is a usable construct or indicator name and return it."""
    if not isinstance(name, str) or not name:
        raise SpecError(f"A {what} name must be a non-empty text, got {name!r}.")
    if not _NAME_RE.match(name):
        raise SpecError(
            f"The {what} name {name!r} is not allowed: use letters, digits, '_' and '.', "
            "starting with a letter or '_' (put a readable name in 'label')."
        )
    return name


def check_label(label: object) -> str:
    """Check a parameter label (lavaan's ``label*item``) and return it."""
    name = check_name(label, "parameter label")
    if name == "NA":
        raise SpecError(
            "'NA' cannot be a parameter label: lavaan reads 'NA*x' as 'free this parameter'; "
            "choose another label."
        )
    return name


def check_fixed(value: object, where: str) -> float:
    """Check a fixed parameter value (lavaan's ``1*item``) and return it as a float."""
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not math.isfinite(float(value))
    ):
        raise SpecError(f"The fixed value of {where} must be a finite number, got {value!r}.")
    return float(value)


def check_scale(value: object, where: str) -> Scale:
    """Check an answer scale ``[low, high]`` and return it as a tuple of floats."""
    if (
        not isinstance(value, Sequence)
        or isinstance(value, str)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise SpecError(
            f"The scale of {where} must be two numbers [lowest, highest], such as [1, 10]; "
            f"got {value!r}."
        )
    low, high = float(value[0]), float(value[1])
    if not low < high:
        raise SpecError(
            f"The scale of {where} is [{value[0]}, {value[1]}]: the lowest answer must be "
            "smaller than the highest."
        )
    return (low, high)


def format_number(value: float) -> str:
    """Format a number so that :func:`float` reads it back exactly (``1``, ``0.5``, ``inf``).

    >>> format_number(1.0), format_number(0.1), format_number(1e-05)
    ('1', '0.1', '1e-05')
    """
    x = float(value)
    if math.isfinite(x) and x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    return repr(x)


def format_term(name: str, label: str | None = None, fixed: float | None = None) -> str:
    """Write a name with its modifiers, lavaan style.

    >>> format_term("y2", "a"), format_term("y1", fixed=1.0), format_term("y1", "a", 0.5)
    ('a*y2', '1*y1', 'a*0.5*y1')
    """
    mods = ([label] if label is not None else []) + (
        [format_number(fixed)] if fixed is not None else []
    )
    return "*".join([*mods, name])
