"""Exceptions and warnings raised by sem_csat.

Every error a user can provoke is a :class:`SemCsatError`; each also derives from the matching
built-in (``ValueError``, ``RuntimeError``) so that existing ``except ValueError`` blocks keep
working.  Messages are single, complete sentences that name the offending file, line, column,
construct or option and say how to fix it.

Warnings derive from :class:`SemCsatWarning` and are also collected as
:class:`sem_csat.diagnostics.Diagnostic` records on every result.
"""

from __future__ import annotations

__all__ = [
    "BootstrapFailureWarning",
    "CommonMethodWarning",
    "ConvergenceError",
    "ConvergenceWarning",
    "DataError",
    "DataWarning",
    "DiscriminantValidityWarning",
    "EstimationError",
    "FigureWarning",
    "InadmissibleSolutionWarning",
    "MeasurementQualityWarning",
    "MissingDataWarning",
    "PoorlyDeterminedWarning",
    "SemCsatError",
    "SemCsatWarning",
    "SpecError",
    "SpecSyntaxError",
    "SpecWarning",
    "UsageError",
]


class SemCsatError(Exception):
    """Base class of every error sem_csat raises on purpose."""


class SpecError(SemCsatError, ValueError):
    """A model specification is invalid (unknown construct, duplicate name, cycle, ...)."""


class SpecSyntaxError(SpecError):
    """A model specification cannot be parsed.

    Parameters
    ----------
    message
        What is wrong, as a full sentence.
    source
        File name or ``"<string>"``.
    line, column
        1-based position of the problem (``None`` when unknown).
    text
        The offending source line, shown with a caret under ``column``.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str = "<string>",
        line: int | None = None,
        column: int | None = None,
        text: str | None = None,
    ) -> None:
        self.reason = message
        self.source = source
        self.line = line
        self.column = column
        self.text = text
        super().__init__(self._format())

    def _format(self) -> str:
        where = self.source
        if self.line is not None:
            where += f", line {self.line}"
            if self.column is not None:
                where += f", column {self.column}"
        msg = f"{where}: {self.reason}"
        if self.text is not None and self.column is not None:
            caret = " " * (max(self.column, 1) - 1) + "^"
            msg += f"\n    {self.text}\n    {caret}"
        return msg


class DataError(SemCsatError, ValueError):
    """Survey data cannot be used with the specification (missing column, text, ...)."""


class UsageError(SemCsatError, ValueError):
    """An option or an output location is unusable (bad value, output path is a file, ...)."""


class EstimationError(SemCsatError, RuntimeError):
    """An estimation could not be carried out."""


class ConvergenceError(EstimationError):
    """An iterative algorithm did not converge."""


class SemCsatWarning(UserWarning):
    """Base class of every warning sem_csat emits."""


class SpecWarning(SemCsatWarning):
    """Something in a specification is legal but probably unintended."""


class FigureWarning(SemCsatWarning):
    """A figure cannot be drawn as asked at print size (it needs a wider column, ...)."""


class DataWarning(SemCsatWarning):
    """Something in the data deserves attention (dropped rows, odd values, ...)."""


class MissingDataWarning(DataWarning):
    """Missing values were removed or imputed."""


class ConvergenceWarning(SemCsatWarning):
    """An estimation converged badly or only after many iterations."""


class InadmissibleSolutionWarning(SemCsatWarning):
    """A solution contains impossible values (negative variances, correlations above 1, ...)."""


class PoorlyDeterminedWarning(SemCsatWarning):
    """A converged solution whose estimates are poorly determined (very large standard errors)."""


class DiscriminantValidityWarning(SemCsatWarning):
    """Two constructs are not empirically distinct."""


class MeasurementQualityWarning(SemCsatWarning):
    """A reliability, convergent-validity or collinearity rule of thumb is violated."""


class CommonMethodWarning(MeasurementQualityWarning):
    """The data show signs of common-method variance (Podsakoff et al. 2003; Kock 2015)."""


class BootstrapFailureWarning(SemCsatWarning):
    """Some bootstrap resamples failed and were excluded."""
