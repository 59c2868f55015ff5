"""Diagnostic records: every warning a run produces, kept with the result.

A :class:`Diagnostic` is what ends up in ``diagnostics.csv`` and in the "Warnings" section of every
summary: a severity, a stable machine-readable code and a sentence that tells the researcher what
happened, what it means and what to do.
"""

from __future__ import annotations

import sys
import sysconfig
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sem_csat.errors import SemCsatWarning

__all__ = ["Diagnostic", "Severity", "emit", "user_stacklevel"]

Severity = Literal["info", "warning", "error"]

_PACKAGE = Path(__file__).resolve().parent
_STDLIB = tuple({Path(sysconfig.get_paths()[k]).resolve() for k in ("stdlib", "platstdlib")})
#: installed packages (under the standard library's folder in some installations): not internal
_SITE = tuple({Path(sysconfig.get_paths()[k]).resolve() for k in ("purelib", "platlib")})


@dataclass(frozen=True)
class Diagnostic:
    """One finding of a run.

    Attributes
    ----------
    severity
        ``"info"`` (worth knowing), ``"warning"`` (look at it before you publish) or ``"error"``
        (the affected numbers must not be interpreted).
    code
        Stable identifier such as ``"rows_dropped"`` or ``"pls_not_converged"``.
    message
        One or more full sentences: what happened, what it means, what to do.
    category
        The warning class used when the diagnostic is emitted with :func:`warnings.warn`.
    """

    severity: Severity
    code: str
    message: str
    category: type[SemCsatWarning] = SemCsatWarning

    def as_row(self) -> dict[str, str]:
        """Return the ``severity, code, message`` row written to ``diagnostics.csv``."""
        return {"severity": self.severity, "code": self.code, "message": self.message}


def _internal(filename: str) -> bool:
    """Whether a frame's file belongs to sem_csat or to Python's standard library (such as
    ``functools.cached_property``, through which a result's tables are computed)."""
    if filename.startswith("<frozen "):
        return True
    try:
        path = Path(filename).resolve()
    except (OSError, ValueError):  # pragma: no cover - an unresolvable name is the user's code
        return False
    if path.is_relative_to(_PACKAGE):
        return True
    in_stdlib = any(path.is_relative_to(p) for p in _STDLIB)
    return in_stdlib and not any(path.is_relative_to(p) for p in _SITE)


def user_stacklevel(default: int = 2) -> int:
    """The ``stacklevel`` that makes :func:`warnings.warn`, called by the caller of this
    function, point at the user's line: the first frame outside sem_csat and the standard
    library.  ``default`` when every frame is inside (sem_csat calling itself)."""
    frame = sys._getframe(1)  # the function that will call warnings.warn: stacklevel 1
    level = 1
    while frame is not None:
        if not _internal(frame.f_code.co_filename):
            return level
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return default


def emit(diagnostics: Iterable[Diagnostic], *, stacklevel: int = 3) -> None:
    """Emit ``warning``- and ``error``-level diagnostics as Python warnings.

    ``info`` diagnostics are only recorded, never emitted.  The warnings point at the user's
    line (the first caller outside sem_csat, :func:`user_stacklevel`), however deep inside
    sem_csat they arise; ``stacklevel`` is used only when sem_csat calls itself from the top
    (the command line).
    """
    level = None
    for d in diagnostics:
        if d.severity != "info":
            if level is None:
                level = user_stacklevel(stacklevel)
            warnings.warn(d.message, d.category, stacklevel=level)
