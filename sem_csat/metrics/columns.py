"""Reading survey columns for the metrics: numbers, missing answers and one-sentence errors.

Every metric reads its columns through :func:`survey_frame` (data from a file, a DataFrame or a
:class:`~sem_csat.data.RawData`, with missing-value codes applied) and :func:`answers` (one
column as floats, NaN where there is no answer).  Answers that break a metric's rule (an NPS
answer of 11, a Kano answer of 0) are reported by :func:`check_answers` in one sentence that
names the column, counts the offending answers and shows a few of them with their rows.

Rows are counted from 1 at the first data row (the row under the header in a spreadsheet), as
everywhere in sem_csat; a DataFrame with its own index also shows the index label.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.data import RawData, read_data
from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import DataError, MissingDataWarning, UsageError
from sem_csat.spec.model import did_you_mean

__all__ = [
    "DataLike",
    "answers",
    "check_answers",
    "check_conf",
    "check_scale",
    "describe_rows",
    "missing_note",
    "survey_frame",
    "z_value",
]

#: What the metric functions accept as data.
DataLike = pd.DataFrame | RawData | str | os.PathLike[str]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_NA_TEXTS: Final = frozenset({"", "na", "n/a", "nan", "null", "none", "#n/a", "<na>", "-"})


def survey_frame(
    data: DataLike, na_values: Iterable[float | str] = ()
) -> tuple[pd.DataFrame, str, tuple[Diagnostic, ...]]:
    """The survey as a private DataFrame copy, its name for messages, and the reader's notes.

    A path is read with :func:`sem_csat.read_data`; a DataFrame is copied (never changed);
    ``na_values`` (such as ``[-99]``) become missing answers.
    """
    codes = tuple(na_values)
    if isinstance(data, RawData):
        raw = read_data(data.frame, na_values=codes) if codes else data
        source = data.source
    elif isinstance(data, pd.DataFrame | str | os.PathLike):
        raw = read_data(data, na_values=codes)
        source = raw.source
    else:
        raise UsageError(
            "data must be a pandas DataFrame, a file path or the result of sem_csat.read_data; "
            f"got {type(data).__name__}."
        )
    name = "the DataFrame" if source == "<DataFrame>" else f"'{source}'"
    return raw.frame, name, tuple(raw.diagnostics)


def describe_rows(positions: Sequence[int] | npt.NDArray[np.intp], index: pd.Index) -> str:
    """``row 4``, ``rows 4, 9, 12`` or ``rows 4, 9, 12 and 5 more`` (1-based positions).

    A DataFrame whose index is not the default 0, 1, 2, ... also shows the index label:
    ``row 4 (index 'R17')``.
    """
    plain = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
    pos = [int(p) for p in positions]
    shown = ", ".join(f"{p + 1}" if plain else f"{p + 1} (index {index[p]!r})" for p in pos[:3])
    more = f" and {len(pos) - 3} more" if len(pos) > 3 else ""
    return f"{'row' if len(pos) == 1 else 'rows'} {shown}{more}"


def _value_text(value: object) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _examples(values: Sequence[object], mask: BoolArray, index: pd.Index) -> str:
    """Up to three distinct offending values, each with the rows where it occurs."""
    seen: dict[str, list[int]] = {}
    for p in np.flatnonzero(mask):
        key = _value_text(values[int(p)])
        if key not in seen and len(seen) >= 3:
            continue
        seen.setdefault(key, []).append(int(p))
    return ", ".join(f"{v} ({describe_rows(rows, index)})" for v, rows in seen.items())


def answers(frame: pd.DataFrame, column: str, source: str, what: str) -> FloatArray:
    """One column as floats, NaN where there is no answer.

    Parameters
    ----------
    frame, source
        The survey and its name for messages (:func:`survey_frame`).
    column
        The column.
    what
        What the column is for, in messages (``"the NPS item"``).

    Raises
    ------
    DataError
        When the column does not exist (with a did-you-mean hint) or holds text that is not a
        number.
    """
    if not isinstance(column, str) or column not in frame.columns:
        names = [str(c) for c in frame.columns]
        raise DataError(
            f"{what[0].upper()}{what[1:]} '{column}' is not a column of {source}"
            f"{did_you_mean(str(column), names)}; the columns are {', '.join(names[:12])}"
            f"{', ...' if len(names) > 12 else ''}."
        )
    series = frame[column]
    if pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=np.float64)
    if pd.api.types.is_numeric_dtype(series):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    raw = series.astype(object).to_numpy()
    out = np.full(raw.shape[0], np.nan)
    text = np.zeros(raw.shape[0], dtype=bool)
    for i, value in enumerate(raw):
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            continue
        if isinstance(value, int | float | np.integer | np.floating) and not isinstance(
            value, bool
        ):
            out[i] = float(value)
            continue
        cell = str(value).strip()
        if cell.lower() in _NA_TEXTS:
            continue
        try:
            out[i] = float(cell)
        except ValueError:
            text[i] = True
    if text.any():
        raise DataError(
            f"Column '{column}' of {source} ({what}) holds {int(text.sum())} text answer(s) that "
            f"are not numbers, such as {_examples(list(raw), text, frame.index)}; recode them as "
            "numbers, or pass them in na_values if they mean 'no answer'."
        )
    return out


def check_answers(
    values: FloatArray,
    index: pd.Index,
    column: str,
    source: str,
    *,
    allowed: Callable[[FloatArray], BoolArray],
    rule: str,
    hint: str = "",
) -> None:
    """Raise one :class:`DataError` sentence when some answers break ``rule``.

    ``allowed`` maps the answers (NaN left out) to True where an answer is valid; ``rule`` says
    what is allowed (``"whole numbers from 0 to 10"``); ``hint`` is the advice appended.
    """
    present = ~np.isnan(values)
    bad = np.zeros(values.shape[0], dtype=bool)
    bad[present] = ~allowed(values[present])
    if not bad.any():
        return
    codes = [v for v in (-99.0, -9.0, -1.0, 99.0, 999.0, 9999.0) if bool((values[bad] == v).any())]
    advice = hint
    if codes:
        shown = ", ".join(_value_text(c) for c in codes)
        advice = (
            f"if {shown} mean{'s' if len(codes) == 1 else ''} 'no answer', pass na_values=[{shown}]"
        )
    raise DataError(
        f"Column '{column}' of {source} has {int(bad.sum())} answer(s) that are not {rule}, "
        f"such as {_examples(list(values), bad, index)}"
        f"{'; ' + advice if advice else ''}."
    )


def missing_note(column: str, n_missing: int, n_total: int, metric: str) -> Diagnostic | None:
    """An ``info`` note on answers left out of a metric, or None when nothing is missing."""
    if n_missing == 0:
        return None
    return Diagnostic(
        "info",
        "metric_missing_answers",
        f"{n_missing} of {n_total} respondents have no answer to '{column}' and are left out "
        f"of {metric}; its n counts the others.",
        MissingDataWarning,
    )


def check_conf(conf: object) -> float:
    """A confidence level strictly between 0 and 1."""
    if (
        isinstance(conf, bool)
        or not isinstance(conf, int | float | np.floating)
        or not 0.0 < float(conf) < 1.0
    ):
        raise UsageError(
            f"conf must be a confidence level between 0 and 1, such as 0.95; got {conf!r}."
        )
    return float(conf)


def check_scale(scale: object, what: str) -> tuple[float, float]:
    """An answer scale ``(lowest, highest)`` with lowest < highest."""
    if (
        not isinstance(scale, Sequence)
        or isinstance(scale, str)
        or len(scale) != 2
        or not all(
            isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
            for v in scale
        )
        or not float(scale[0]) < float(scale[1])
    ):
        raise UsageError(
            f"The scale of {what} must be two numbers (lowest, highest) with lowest < highest, "
            f"such as (1, 5); got {scale!r}."
        )
    return float(scale[0]), float(scale[1])


def z_value(conf: float) -> float:
    """The two-sided normal quantile :math:`z_{1 - (1 - \\text{conf})/2}` (1.96 for 0.95)."""
    from scipy import stats

    return float(stats.norm.ppf(0.5 + conf / 2.0))
