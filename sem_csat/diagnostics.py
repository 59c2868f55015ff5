"""Diagnostic records: every warning a run produces, kept with the result.

A :class:`Diagnostic` is what ends up in ``diagnostics.csv`` and in the "Warnings" section of every
summary: a severity, a stable machine-readable code and a sentence that tells the researcher what
happened, what it means and what to do.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sem_csat.errors import SemCsatWarning

__all__ = ["Diagnostic", "Severity", "emit"]

Severity = Literal["info", "warning", "error"]


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


def emit(diagnostics: Iterable[Diagnostic], *, stacklevel: int = 3) -> None:
    """Emit ``warning``- and ``error``-level diagnostics as Python warnings.

    ``info`` diagnostics are only recorded, never emitted.
    """
    for d in diagnostics:
        if d.severity != "info":
            warnings.warn(d.message, d.category, stacklevel=stacklevel)
