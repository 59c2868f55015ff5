"""Prepare survey data for a model: validate it, handle missing values, recode reversed items.

:func:`prepare_data` is the one door between a data file and the engines.  It explains every
problem before any estimation starts, and returns a :class:`PreparedData` whose ``frame`` holds
exactly the model's indicators as ``float64``, in :attr:`ModelSpec.indicator_names` order.

The steps, in order:

1. columns: every indicator is present once (``missing_columns``, ``duplicate_columns``);
   reversed items have an answer scale (``reverse_without_scale``);
2. cells: texts that are numbers are converted, other texts are errors (``text_values``);
   missing-value codes given in ``na_values`` become missing;
3. values: no infinite values (``infinite_values``), no empty indicator (``empty_column``), no
   value outside the declared scale (``out_of_scale``) and, without a scale, no likely
   missing-value code (``missing_code_suspected``);
4. rows with no answer on any indicator are dropped (``empty_rows_dropped``, a warning);
5. missing values: listwise deletion (``missing_listwise``) or item-mean replacement
   (``missing_mean_imputed``), each reported as a warning;
6. sample size: at least ``max(10, largest block + 2)`` rows (``too_few_rows``, an error) and
   the "10 times rule" (``ten_times_rule``, a warning); no item may be constant among the rows
   used (``constant_item``), or constant but for rounding noise (``near_constant_item``);
   identical or perfectly collinear items of one block are a warning (``identical_items``,
   ``collinear_items``);
7. reverse-coded items are recoded as ``lowest + highest − x`` (``reverse_coded``, info).

All errors of steps 1–3 are reported together, then those of step 6.  Warnings are recorded as
diagnostics, never emitted: the caller passes them to :func:`sem_csat.diagnostics.emit`.

Rows are named by their 1-based position among the data rows (row 1 is the first row below the
header); :attr:`PreparedData.used_rows` holds 0-based positions.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sem_csat.data._common import (
    NaValue,
    check_na_values,
    fmt_number,
    fmt_rows,
    fmt_value,
    na_diagnostic,
    plural,
    spreadsheet_rows,
    subject,
    where,
)
from sem_csat.data.readers import RawData, read_data
from sem_csat.data.validate import (
    Converted,
    DataValidationError,
    check_columns,
    check_values,
    numeric_columns,
)
from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import DataError, DataWarning, MissingDataWarning
from sem_csat.spec.model import ModelSpec

if TYPE_CHECKING:
    from sem_csat.data.moments import SummaryStatistics

__all__ = ["MISSING_POLICIES", "MissingPolicy", "PreparedData", "prepare_data"]

MissingPolicy = Literal["listwise", "mean", "fiml"]
MISSING_POLICIES: Final[tuple[MissingPolicy, ...]] = ("listwise", "mean", "fiml")
"""Allowed values of ``missing``: drop incomplete rows, or replace by the item mean."""

MIN_ROWS: Final = 10
"""Fewest usable rows for any model (more when a block has 8 or more items)."""

NEAR_CONSTANT: Final = 1e-8
"""An item whose standard deviation is at most this share of the size of its values (the
largest absolute value, or the width of the declared scale) is treated as constant: such
variation is rounding noise (a variance of 1e-26 on a 1–7 scale changed the paths silently)."""


@dataclass(frozen=True, eq=False, repr=False)
class PreparedData:
    """Survey data checked against a model and ready for an engine.

    Attributes
    ----------
    frame
        ``float64`` data with exactly the model's indicators, in ``spec.indicator_names`` order;
        reversed items recoded; no missing values, except under ``missing="fiml"``, which keeps
        them as NaN.  The index keeps the source's row labels.  Summary-statistics input
        (:attr:`moments`) has the indicators as columns and no rows.
    source
        File name or ``"<DataFrame>"``.
    n_total
        Number of data rows in the source.
    n_used
        Number of rows in ``frame``.
    used_rows
        0-based positions (in the source) of the rows in ``frame``.
    missing
        The missing-data policy used, ``"listwise"`` or ``"mean"``.
    n_imputed
        Indicator → number of values replaced by the item mean (all 0 under ``"listwise"``).
    diagnostics
        The reader's diagnostics followed by those of the preparation.
    sha256
        SHA-256 of the source file (``None`` for a DataFrame).
    na_values
        Missing-value codes applied, by :func:`~sem_csat.data.read_data` or
        :func:`prepare_data`.
    moments
        For a covariance or correlation matrix given instead of answers
        (:func:`~sem_csat.data.moments.read_summary_statistics`): the matrix, N and the means;
        ``None`` for raw data.
    survey
        The columns of the source that the spec's ``servqual:`` and ``metrics:`` blocks name
        (:attr:`ModelSpec.metric_items <sem_csat.spec.model.ModelSpec.metric_items>`), as read
        and unchecked, for every row of the source (row ``k`` is source position ``k``, as in
        :attr:`used_rows`); the survey metrics (:mod:`sem_csat.metrics.dashboard`) are
        computed from them.  Items the source does not have are left out; ``None`` when the
        spec declares no such block or the data are a matrix.
    """

    frame: pd.DataFrame
    source: str
    n_total: int
    n_used: int
    used_rows: NDArray[np.intp]
    missing: MissingPolicy
    n_imputed: Mapping[str, int]
    diagnostics: tuple[Diagnostic, ...]
    sha256: str | None
    na_values: tuple[NaValue, ...] = field(default=())
    moments: SummaryStatistics | None = None
    survey: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def complete(self) -> bool:
        """Whether ``frame`` holds every respondent's answers without a gap (raw data, no
        missing values); summary statistics and FIML data are not complete."""
        return self.moments is None and not bool(self.frame.isna().to_numpy().any())

    def __repr__(self) -> str:
        if self.moments is not None:
            return (
                f"<PreparedData {self.source!r}: {self.moments.kind} matrix of "
                f"{self.frame.shape[1]} indicators, N={self.n_used}>"
            )
        return (
            f"<PreparedData {self.source!r}: {self.n_used} of {self.n_total} rows, "
            f"{self.frame.shape[1]} indicators, missing={self.missing!r}>"
        )


def prepare_data(
    spec: ModelSpec,
    raw: RawData | pd.DataFrame | str | os.PathLike[str],
    *,
    missing: MissingPolicy = "listwise",
    na_values: Iterable[NaValue] = (),
) -> PreparedData:
    """Check survey data against a model and prepare it for estimation.

    Parameters
    ----------
    spec
        The model; its indicators name the columns to use and its scales the possible answers.
    raw
        Data from :func:`~sem_csat.data.read_data`, a DataFrame or a file path (read with
        :func:`~sem_csat.data.read_data`'s defaults).  It is never modified.
    missing
        ``"listwise"`` (default) drops rows with a missing answer on any indicator; ``"mean"``
        replaces each missing answer by the mean of its item, as SmartPLS and seminr do;
        ``"fiml"`` keeps the missing answers as NaN for full-information maximum likelihood
        (CB-SEM only; rows without any answer are still dropped).
    na_values
        Missing-value codes (``[-99]``, ``["k.A."]``) applied to the indicator columns; codes
        that :func:`~sem_csat.data.read_data` already applied to ``raw`` are skipped.

    Returns
    -------
    PreparedData
        The indicator data as ``float64`` with the diagnostics of every step.

    Raises
    ------
    DataValidationError
        A :class:`~sem_csat.errors.DataError` listing every problem (missing or duplicate
        columns, text, infinite values, empty or constant items, values outside the scale,
        likely missing-value codes, too few rows); each problem is also in ``.problems``.
    DataError
        For an unknown ``missing`` policy or unreadable data.

    Notes
    -----
    Mean replacement uses the mean of the observed answers of the rows kept; rows without any
    answer are dropped under both policies.  Reversed items are recoded as
    :math:`x' = \\text{low} + \\text{high} - x` with the construct's scale.

    The sample-size floor is :math:`\\max(10, k_{max} + 2)` rows, where :math:`k_{max}` is the
    size of the largest block.  The "10 times rule" (Hair et al., 2011) asks for ten times the
    largest number of arrows pointing at a construct (structural paths, or formative items).

    References
    ----------
    Hair, J. F., Ringle, C. M., & Sarstedt, M. (2011). PLS-SEM: Indeed a silver bullet.
    *Journal of Marketing Theory and Practice*, 19(2), 139–152.

    Examples
    --------
    >>> from sem_csat import datasets
    >>> from sem_csat.spec import ModelSpec
    >>> from sem_csat.spec.builders import paths, reflective
    >>> spec = ModelSpec(
    ...     "Mini",
    ...     constructs=[reflective("Image", ["IMAG1", "IMAG2"]), reflective("Sat", ["CUSA1"])],
    ...     paths=paths("Image", "Sat"),
    ...     scale=(1, 10),
    ... )
    >>> data = prepare_data(spec, datasets.load("ecsi_mobile"))
    >>> data.frame.columns.tolist(), data.n_used
    (['IMAG1', 'IMAG2', 'CUSA1'], 250)
    """
    if missing not in MISSING_POLICIES:
        allowed = ", ".join(f"'{m}'" for m in MISSING_POLICIES)
        raise DataError(f"missing={missing!r} is not a missing-data policy; use one of {allowed}.")
    given = check_na_values(na_values)
    if not isinstance(raw, RawData):
        raw = read_data(raw)
    codes = tuple(c for c in given if c not in raw.na_values)  # not already applied by the reader
    src = where(raw.source)
    n_total = len(raw.frame)
    columns = [str(c) for c in raw.frame.columns]

    problems = check_columns(spec, raw)
    usable = [n for n in spec.indicator_names if columns.count(n) == 1]
    conv = numeric_columns(raw, usable, codes)
    problems += conv.problems
    matrix = None if problems else _stack(conv.values[n] for n in spec.indicator_names)
    # each column's extremes in one pass each, used by every check below (NaN: a gap)
    extremes = (
        None if matrix is None or not len(matrix) else (matrix.min(axis=0), matrix.max(axis=0))
    )
    value_problems, suggested = check_values(
        spec, raw, conv, extremes=None if extremes is None else _by_name(spec, extremes)
    )
    problems += value_problems
    if problems or matrix is None:
        raise DataValidationError(problems, source=raw.source, model=spec.name, codes=suggested)

    diags = [*raw.diagnostics, *_read_notes(spec, raw, conv, codes)]
    index = raw.frame.index
    # one missing answer makes its column's lowest value NaN
    gaps = extremes is not None and bool(np.isnan(extremes[0]).any())
    # a row without answers: fmax skips NaN unless all are
    empty = np.isnan(np.fmax.reduce(matrix, axis=1)) if gaps else np.zeros(n_total, dtype=bool)
    if empty.any():
        n_empty = int(empty.sum())
        rows = fmt_rows(np.flatnonzero(empty), index, limit=10, spreadsheet=spreadsheet_rows(raw))
        diags.append(
            Diagnostic(
                "warning",
                "empty_rows_dropped",
                f"{plural(n_empty, 'row')} of {src} had no answer on any of the model's items "
                f"and {'was' if n_empty == 1 else 'were'} dropped ({rows}).",
                MissingDataWarning,
            )
        )
    keep = ~empty
    n_imputed: dict[str, int] = dict.fromkeys(spec.indicator_names, 0)
    diag = None
    if gaps:
        matrix, keep, n_imputed, diag = _handle_missing(
            spec, matrix, keep, missing, src, index, spreadsheet=spreadsheet_rows(raw)
        )
    if diag is not None:
        diags.append(diag)
    used = np.flatnonzero(keep)
    used.setflags(write=False)
    if used.size < len(matrix):
        matrix, index = matrix.T[:, used].T, index[used]  # stays column-major
    # the frame owns ``matrix`` (made here, so no copy is needed): one float64 block
    frame = pd.DataFrame(matrix, index=index, columns=list(spec.indicator_names), copy=False)

    problems = _check_rows(
        spec,
        frame,
        raw.source,
        n_total,
        dropped=missing == "listwise",
        extremes=None if gaps else extremes,  # all rows kept unchanged: the same extremes
    )
    if problems:
        raise DataValidationError(problems, source=raw.source, model=spec.name)
    diags += _ten_times_rule(spec, len(frame), raw.source)
    recoded = _reverse(spec, frame)
    if recoded:
        diags.append(
            Diagnostic(
                "info",
                "reverse_coded",
                f"Reverse-coded items were recoded as lowest + highest − x: {recoded}.",
                DataWarning,
            )
        )
    return PreparedData(
        frame=frame,
        source=raw.source,
        n_total=n_total,
        n_used=len(frame),
        used_rows=used,
        missing=missing,
        n_imputed=n_imputed,
        diagnostics=tuple(diags),
        sha256=raw.sha256,
        na_values=raw.na_values + codes,
        survey=_survey_columns(spec, raw),
    )


def _survey_columns(spec: ModelSpec, raw: RawData) -> pd.DataFrame | None:
    """The source's columns named by the spec's ``servqual:`` and ``metrics:`` blocks."""
    if not spec.metric_items:
        return None
    columns = [str(c) for c in raw.frame.columns]
    present = [i for i in spec.metric_items if columns.count(i) == 1]
    survey = raw.frame.iloc[:, [columns.index(i) for i in present]].copy()
    survey.columns = present
    return survey.reset_index(drop=True)


def _stack(columns: Iterable[NDArray[np.float64]]) -> NDArray[np.float64]:
    """The columns side by side in one column-major ``(n, p)`` matrix (pandas' block layout,
    so that the prepared frame wraps it without a copy and every column is contiguous)."""
    cols = list(columns)
    matrix = np.empty((len(cols), len(cols[0]) if cols else 0)).T
    for j, col in enumerate(cols):
        matrix[:, j] = col
    return matrix


def _by_name(
    spec: ModelSpec, extremes: tuple[NDArray[np.float64], NDArray[np.float64]]
) -> dict[str, tuple[float, float]]:
    """Column name → (lowest, highest) value, from the per-column extremes in spec order."""
    low, high = extremes
    return {
        name: (float(lo), float(hi))
        for name, lo, hi in zip(spec.indicator_names, low, high, strict=True)
    }


def _read_notes(
    spec: ModelSpec, raw: RawData, conv: Converted, codes: tuple[NaValue, ...]
) -> list[Diagnostic]:
    """Information about how the cells were read: codes found, texts converted, extra columns."""
    src = where(raw.source)
    notes: list[Diagnostic] = []
    if codes:
        notes.append(
            na_diagnostic(raw.source, codes, conv.code_counts, scope="the model's columns of ")
        )
    if conv.parsed:
        notes.append(
            Diagnostic(
                "info",
                "text_as_numbers",
                f"Column(s) {', '.join(repr(c) for c in conv.parsed)} of {src} hold numbers stored "
                "as text; they were read as numbers.",
                DataWarning,
            )
        )
    # items of the spec's servqual/metrics blocks are used beside the model, not ignored
    wanted = set(spec.indicator_names) | set(spec.metric_items)
    extra = [str(c) for c in raw.frame.columns if c not in wanted]
    if extra:
        shown = ", ".join(extra[:10]) + (f" and {len(extra) - 10} more" if len(extra) > 10 else "")
        notes.append(
            Diagnostic(
                "info",
                "extra_columns_ignored",
                f"Columns of {src} that model '{spec.name}' does not use were ignored: {shown}.",
                DataWarning,
            )
        )
    return notes


def _handle_missing(
    spec: ModelSpec,
    matrix: NDArray[np.float64],
    keep: NDArray[np.bool_],
    policy: MissingPolicy,
    src: str,
    index: pd.Index,
    *,
    spreadsheet: bool = False,
) -> tuple[NDArray[np.float64], NDArray[np.bool_], dict[str, int], Diagnostic | None]:
    names = list(spec.indicator_names)
    kept = matrix if keep.all() else matrix[keep]
    holes = np.isnan(kept)
    per_col = holes.sum(axis=0)
    n_imputed = dict.fromkeys(names, 0)
    if not holes.any():
        return matrix, keep, n_imputed, None
    n_rows = int(keep.sum())
    shares = ", ".join(
        f"{n} {fmt_number(round(100 * k / n_rows, 1))}%"
        for n, k in zip(names, per_col, strict=True)
        if k
    )
    among = f"among the {n_rows} rows with at least one answer: {shares}"
    if policy == "fiml":
        message = (
            f"Full-information maximum likelihood: all {n_rows} rows of {src} with at least one "
            f"answer are used, {plural(int(per_col.sum()), 'missing answer')} included (they are "
            f"not imputed; each respondent contributes the answers given). Share missing per "
            f"item {among}. FIML assumes the answers are missing at random."
        )
        return (
            matrix,
            keep,
            n_imputed,
            Diagnostic("info", "missing_fiml", message, MissingDataWarning),
        )
    if policy == "listwise":
        incomplete = keep & np.isnan(matrix).any(axis=1)
        keep = keep & ~incomplete
        n_used = int(keep.sum())
        message = (
            f"Listwise deletion: {n_used} of the {len(matrix)} rows of {src} are used; "
            f"{plural(int(incomplete.sum()), 'row')} with missing answers "
            f"{'was' if incomplete.sum() == 1 else 'were'} dropped "
            f"({fmt_rows(np.flatnonzero(incomplete), index, limit=10, spreadsheet=spreadsheet)}). "
            f"Share missing per item "
            f"{among}."
        )
        return (
            matrix,
            keep,
            n_imputed,
            Diagnostic("warning", "missing_listwise", message, MissingDataWarning),
        )
    filled = matrix.copy(order="K")
    means = np.nanmean(kept, axis=0)
    for j, name in enumerate(names):
        hole = keep & np.isnan(filled[:, j])
        filled[hole, j] = means[j]
        n_imputed[name] = int(hole.sum())
    total = int(per_col.sum())
    caution = (
        " Mean replacement understates variances and correlations; with more than 5% missing "
        "in an item consider listwise deletion or multiple imputation."
        if (per_col / n_rows).max() > 0.05
        else ""
    )
    message = (
        f"Mean replacement: {plural(total, 'missing answer')} in "
        f"{plural(int((per_col > 0).sum()), 'item')} of {src} "
        f"were replaced by the item mean (as SmartPLS and seminr do); {n_rows} of the "
        f"{len(matrix)} rows are used. Share missing per item {among}.{caution}"
    )
    return (
        filled,
        keep,
        n_imputed,
        Diagnostic("warning", "missing_mean_imputed", message, MissingDataWarning),
    )


def _check_rows(
    spec: ModelSpec,
    frame: pd.DataFrame,
    source: str,
    n_total: int,
    *,
    dropped: bool,
    extremes: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None,
) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    largest = max(spec.constructs, key=lambda c: len(c.indicators))
    k = len(largest.indicators)
    need = max(MIN_ROWS, k + 2)
    n = len(frame)
    if n < need:
        why = (
            ""
            if need == MIN_ROWS
            else f" (2 more than the {k} items of its largest block '{largest.name}')"
        )
        after = " after listwise deletion of incomplete rows" if dropped and n < n_total else ""
        advice = (
            "collect more data, or use missing='mean' to keep rows with some missing answers"
            if after
            else "collect more data"
        )
        problems.append(
            Diagnostic(
                "error",
                "too_few_rows",
                f"Only {n} of the {n_total} rows of {where(source)} are usable{after}; model "
                f"'{spec.name}' needs at least {need}{why}, because the correlations within a "
                "block, its outer weights and the structural regressions cannot be estimated "
                f"from fewer rows; {advice}.",
                DataWarning,
            )
        )
        return problems
    x = frame.to_numpy(dtype=np.float64)
    # NaN only in a column with missing answers
    low, high = (x.min(axis=0), x.max(axis=0)) if extremes is None else extremes
    low, high = low.copy(), high.copy()  # filled in below for columns with gaps
    gaps = np.isnan(low)
    if gaps.any():  # FIML keeps incomplete rows: those columns' extremes without the gaps
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column stays NaN
            low[gaps] = np.nanmin(x[:, gaps], axis=0)
            high[gaps] = np.nanmax(x[:, gaps], axis=0)
    for j, col in enumerate(frame.columns):
        if low[j] == high[j]:
            problems.append(
                Diagnostic(
                    "error",
                    "constant_item",
                    f"In {where(source)}, column '{col}' has the same value "
                    f"{fmt_value(float(low[j]))} in all {n} rows used; an item without variance "
                    "cannot be standardized or correlated, so remove it from the model or check "
                    "the data.",
                    DataWarning,
                )
            )
            continue
        scale = spec.scale_of(spec.construct_of(str(col)).name)
        size = max(abs(low[j]), abs(high[j]), 0.0 if scale is None else scale[1] - scale[0])
        # the standard deviation only where it can be that small: sd >= range / sqrt(2 n)
        if high[j] - low[j] > NEAR_CONSTANT * size * np.sqrt(2.0 * n):
            continue
        with np.errstate(invalid="ignore"):
            sd = float(np.nanstd(x[:, j]))
        if sd <= NEAR_CONSTANT * size:
            problems.append(
                Diagnostic(
                    "error",
                    "near_constant_item",
                    f"In {where(source)}, column '{col}' is constant but for differences of "
                    f"{float(high[j] - low[j]):.1e} (standard deviation {sd:.1e}, "
                    f"against values of size {size:g}) in the {n} rows used: variation that "
                    "small is rounding noise, and standardizing it would turn that noise into "
                    "answers; "
                    "treat it like a constant item: remove it from the model or check the data.",
                    DataWarning,
                )
            )
    return problems


def _ten_times_rule(spec: ModelSpec, n: int, source: str) -> list[Diagnostic]:
    arrows: dict[str, tuple[int, str]] = {}
    for c in spec.constructs:
        preds = len(spec.predecessors(c.name))
        arrows[c.name] = (preds, f"{preds} structural paths")
        if c.mode == "formative" and len(c.indicators) > preds:
            arrows[c.name] = (len(c.indicators), f"{len(c.indicators)} formative items")
    name = max(arrows, key=lambda k: arrows[k][0])
    count, what = arrows[name]
    if count == 0 or n >= 10 * count:
        return []
    return [
        Diagnostic(
            "warning",
            "ten_times_rule",
            f"{subject(source)} has {n} usable rows, fewer than the "
            f"{10 * count} that the '10 times rule' (Hair et al., 2011) asks for, because "
            f"{what} point at '{name}'; estimates may be unstable and tests underpowered, so "
            "collect more data or treat the results with caution.",
            DataWarning,
        )
    ]


def _reverse(spec: ModelSpec, frame: pd.DataFrame) -> str:
    parts: list[str] = []
    for c in spec.constructs:
        scale = spec.scale_of(c.name)
        if not c.reverse or scale is None:
            continue
        low, high = scale
        for item in c.reverse:
            frame[item] = low + high - frame[item]
        parts.append(f"{', '.join(c.reverse)} ({c.name}, {fmt_number(low + high)} − x)")
    return "; ".join(parts)
