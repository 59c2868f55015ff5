"""Split survey data into the groups (or survey waves) that are to be compared.

:func:`split` is the one door between a data set with a group column and the group analyses
(:mod:`sem_csat.groups.micom`, :mod:`sem_csat.groups.mga`, :mod:`sem_csat.groups.index_compare`).
It checks the group column before any estimation and says in one sentence what is wrong:

* the column does not exist (with the closest column name), or it is one of the model's items;
* it has missing values (how many, in which rows, and how to handle them);
* it is constant, or it has more than :data:`MAX_LEVELS` different values (a continuous or ID
  column rather than a grouping);
* a group has fewer respondents than the model needs (:data:`MIN_GROUP_SIZE`, or two more than
  the items of the largest block), named with the size of every group;
* an item is constant within a group (named with the group and the item).

The items are checked and prepared once for the pooled data (:func:`~sem_csat.data.prepare_data`:
the same validation, reverse coding and missing-value policy for every group, which is what
MICOM's step 1 asks for).  With ``missing="mean"`` a missing answer is replaced by the item's
mean *within the respondent's own group*: the pooled mean would pull the groups towards each
other and bias every comparison of means towards "no difference".

A survey wave is a group like any other; with ``waves=True`` (or a column called ``wave``) the
messages and summaries speak of waves.

Examples
--------
>>> import sem_csat
>>> from sem_csat.groups import split
>>> data = split(sem_csat.load_spec("ecsi_bank"), sem_csat.datasets.load("bank_satisfaction"),
...              "gender")
>>> data
<GroupedData 'gender': female (148), male (102)>
>>> data.pairs
(('female', 'male'),)
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.data import PreparedData, RawData, prepare_data, read_data
from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import DataError, MissingDataWarning, UsageError
from sem_csat.spec.model import ModelSpec, did_you_mean

if TYPE_CHECKING:
    from sem_csat.groups.fits import GroupFits

__all__ = ["MAX_LEVELS", "MIN_GROUP_SIZE", "WAVE_COLUMNS", "GroupedData", "split"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Most groups a column may define: more look like a continuous variable or an ID.
MAX_LEVELS: Final = 20
#: Fewest respondents per group for a PLS model estimated in that group alone.
MIN_GROUP_SIZE: Final = 10
#: Column names that mark survey waves (compared case-insensitively).
WAVE_COLUMNS: Final = ("wave", "waves")

Missing = Literal["listwise", "mean"]
_MISSING: Final[tuple[Missing, ...]] = ("listwise", "mean")


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def _where(source: str) -> str:
    return "the DataFrame" if source == "<DataFrame>" else f"'{source}'"


def _rows(positions: Sequence[int], limit: int = 5) -> str:
    shown = ", ".join(str(int(p) + 1) for p in positions[:limit])
    more = f" and {len(positions) - limit} more" if len(positions) > limit else ""
    return f"{'row' if len(positions) == 1 else 'rows'} {shown}{more}"


def _number(value: float) -> str:
    return str(int(value)) if math.isfinite(value) and float(value).is_integer() else repr(value)


@dataclass(frozen=True, eq=False, repr=False)
class GroupedData:
    """Survey data prepared for a model and split by a group column (from :func:`split`).

    Attributes
    ----------
    spec
        The model.
    column
        Name of the group column.
    levels
        Group labels in comparison order (the first of a pair is ``group_a``): the categories'
        order for a pandas categorical, numeric order for numbers, otherwise alphabetical;
        or the order given in ``split(..., levels=...)``.
    codes
        ``(n,)`` position in :attr:`levels` of every row of ``pooled.frame``.
    pooled
        The prepared data of all groups together (rows in their original order).
    groups
        The prepared data of each group, by label.
    waves
        True when the groups are survey waves (texts then speak of waves).
    diagnostics
        Findings of the preparation (dropped rows, missing values, groups left out).
    """

    spec: ModelSpec
    column: str
    levels: tuple[str, ...]
    codes: IntArray
    pooled: PreparedData
    groups: Mapping[str, PreparedData]
    waves: bool = False
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def noun(self) -> str:
        """``"wave"`` or ``"group"``."""
        return "wave" if self.waves else "group"

    @property
    def nouns(self) -> str:
        """``"waves"`` or ``"groups"``."""
        return self.noun + "s"

    @cached_property
    def sizes(self) -> dict[str, int]:
        """Number of respondents per group, in level order."""
        return {g: int(self.groups[g].n_used) for g in self.levels}

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """Every pair of groups ``(a, b)``; differences are ``a - b``.

        Groups: ``a`` comes before ``b`` in :attr:`levels`.  Waves: ``a`` is the *later* wave,
        so that a difference is the change since the earlier wave ``b``.
        """
        k, lv = len(self.levels), self.levels
        if self.waves:
            return tuple((lv[j], lv[i]) for i in range(k) for j in range(i + 1, k))
        return tuple((lv[i], lv[j]) for i in range(k) for j in range(i + 1, k))

    def name(self, level: str) -> str:
        """``"group 'male'"`` or ``"wave '2024'"`` (for messages)."""
        return f"{self.noun} '{level}'"

    def values(self, level: str | None = None) -> FloatArray:
        """``(n, p)`` item values of one group (or of all groups), in spec order."""
        frame = self.pooled.frame if level is None else self.groups[self.check_level(level)].frame
        return frame.to_numpy(dtype=np.float64)

    def pooled_data(self, a: str, b: str) -> PreparedData:
        """The prepared data of groups ``a`` and ``b`` together (the pooled data of a pair)."""
        if len(self.levels) == 2:
            return self.pooled
        ia, ib = self.levels.index(self.check_level(a)), self.levels.index(self.check_level(b))
        rows = np.flatnonzero((self.codes == ia) | (self.codes == ib))
        return _subset(self.pooled, rows, f"{self.column} = {a} or {b}")

    def fit(
        self,
        *,
        method: Literal["pls", "plsc"] = "pls",
        scheme: Literal["path", "centroid", "factorial"] = "path",
        tol: float = 1e-7,
        max_iter: int = 300,
    ) -> GroupFits:
        """Fit the model in every group (see :func:`sem_csat.groups.fit_groups`)."""
        from sem_csat.groups.fits import fit_split

        return fit_split(self, method=method, scheme=scheme, tol=tol, max_iter=max_iter)

    def check_level(self, level: str) -> str:
        """Return ``level`` if it is one of the groups; otherwise a UsageError naming them."""
        if level not in self.levels:
            raise UsageError(
                f"Column '{self.column}' has no {self.noun} '{level}'"
                f"{did_you_mean(str(level), self.levels)}; the {self.nouns} are "
                f"{', '.join(repr(g) for g in self.levels)}."
            )
        return level

    def __repr__(self) -> str:
        groups = ", ".join(f"{g} ({n})" for g, n in self.sizes.items())
        return f"<GroupedData '{self.column}': {groups}>"


def _subset(
    prepared: PreparedData, rows: IntArray, label: str, imputed: Mapping[str, int] | None = None
) -> PreparedData:
    frame = prepared.frame.iloc[rows].copy()
    if imputed is None:
        imputed = dict.fromkeys(prepared.n_imputed, 0)
    return dataclasses.replace(
        prepared,
        frame=frame,
        source=f"{prepared.source} [{label}]",
        n_total=len(frame),
        n_used=len(frame),
        used_rows=np.asarray(prepared.used_rows[rows], dtype=np.intp),
        n_imputed=dict(imputed),
        diagnostics=(),
    )


def _raw(data: object, na_values: Sequence[float | str]) -> RawData:
    if isinstance(data, PreparedData):
        raise DataError(
            "split() needs the survey data with the group column; prepared data hold only the "
            "model's items. Pass the DataFrame or the file instead."
        )
    if isinstance(data, RawData):
        return data
    if isinstance(data, pd.DataFrame):
        return read_data(data, na_values=na_values)
    if isinstance(data, str | os.PathLike):
        from sem_csat.datasets import list_datasets, path

        source = os.fspath(data)
        if not os.path.splitext(source)[1] and source in list_datasets():
            source = os.fspath(path(source))  # a bundled data set, as sem_csat.fit reads it
        return read_data(source, na_values=na_values)
    raise DataError(
        f"The data must be a DataFrame, a data file or a bundled data set name; got "
        f"{type(data).__name__}."
    )


def _check_column(raw: RawData, column: object, spec: ModelSpec) -> str:
    if not isinstance(column, str) or not column:
        raise UsageError(f"group must be the name of a column of the data; got {column!r}.")
    columns = [str(c) for c in raw.frame.columns]
    if column not in columns:
        candidates = [c for c in columns if c not in spec.indicator_names]
        raise DataError(
            f"{_where(raw.source)[0].upper()}{_where(raw.source)[1:]} has no column "
            f"'{column}'{did_you_mean(column, candidates)}; name the column that holds the "
            f"groups (its columns besides the model's items: "
            f"{', '.join(candidates[:10]) or 'none'})."
        )
    if column in spec.indicator_names:
        owner = next(c.name for c in spec.constructs if column in c.indicator_names)
        raise DataError(
            f"Column '{column}' is an item of construct '{owner}' in model '{spec.name}'; group "
            "by a column that is not part of the model (such as gender, segment or wave)."
        )
    return column


def _is_missing(values: pd.Series) -> npt.NDArray[np.bool_]:
    blank = values.map(lambda v: isinstance(v, str) and not v.strip())
    return np.asarray(values.isna().to_numpy() | blank.to_numpy(dtype=bool), dtype=bool)


def _label(value: Any, labels: Mapping[Any, str]) -> str:
    if value in labels:
        return str(labels[value])
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, float | np.floating):
        return _number(float(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def _ordered_values(values: pd.Series) -> list[Any]:
    """Distinct values in comparison order (categories, numbers ascending, texts sorted)."""
    present = pd.unique(values)
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [c for c in values.cat.categories if c in set(present)]
    numeric = all(
        isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
        for v in present
    )
    if numeric:
        return sorted(present, key=float)
    return sorted(present, key=str)


def _levels(raw: RawData, column: str, values: pd.Series) -> tuple[list[str], IntArray]:
    """Group labels and the code of every row; refuses constant and many-valued columns."""
    labels_of = raw.value_labels.get(column, {})
    ordered = _ordered_values(values)
    labels = [_label(v, labels_of) for v in ordered]
    if len(set(labels)) != len(labels):
        dup = next(lab for lab in labels if labels.count(lab) > 1)
        raise DataError(
            f"Column '{column}' holds two different values that both read '{dup}' (such as the "
            "number 1 and the text '1'); recode the column so that each group has one value."
        )
    n = len(values)
    if len(labels) == 1:
        raise DataError(
            f"Column '{column}' has the same value '{labels[0]}' in all {n} rows used, so "
            "there is nothing to compare; choose a column with at least two groups."
        )
    if len(labels) > MAX_LEVELS:
        shown = ", ".join(labels[:5])
        raise DataError(
            f"Column '{column}' has {len(labels)} different values ({shown}, ...); a group "
            f"comparison estimates the model once per group and allows at most {MAX_LEVELS} "
            "groups. This looks like a numeric or ID column: recode it into a few groups first "
            f"(for example with pandas.cut) or choose another column."
        )
    index = {v: k for k, v in enumerate(ordered)}
    codes = np.array([index[v] for v in values], dtype=np.intp)
    return labels, codes


def _select(
    column: str, labels: list[str], codes: IntArray, levels: Sequence[str] | None, noun: str
) -> tuple[list[str], IntArray, npt.NDArray[np.bool_], list[str]]:
    """Keep (and order) the requested groups; return labels, codes, kept rows, left out."""
    if levels is None:
        return labels, codes, np.ones(codes.size, dtype=bool), []
    wanted = [str(g) for g in levels]
    for g in wanted:
        if g not in labels:
            raise UsageError(
                f"Column '{column}' has no {noun} '{g}'{did_you_mean(g, labels)}; its {noun}s "
                f"are {', '.join(repr(x) for x in labels)}."
            )
    if len(set(wanted)) != len(wanted) or len(wanted) < 2:
        raise UsageError(
            f"levels must name at least two different {noun}s of column '{column}'; got {wanted!r}."
        )
    old = [labels.index(g) for g in wanted]
    remap = np.full(len(labels), -1, dtype=np.intp)
    remap[old] = np.arange(len(wanted))
    new = remap[codes]
    keep = new >= 0
    left_out = [g for g in labels if g not in wanted]
    return wanted, new[keep], keep, left_out


def _check_sizes(
    spec: ModelSpec,
    column: str,
    labels: list[str],
    codes: IntArray,
    min_size: int,
    noun: str,
    engine: str = "PLS",
) -> None:
    largest = max(spec.constructs, key=lambda c: len(c.indicators))
    need = max(min_size, len(largest.indicators) + 2)
    sizes = np.bincount(codes, minlength=len(labels))
    small = [(g, int(n)) for g, n in zip(labels, sizes, strict=True) if n < need]
    if not small:
        return
    g, n = small[0]
    why = (
        f"at least {need}"
        if need == min_size
        else f"at least {need} (2 more than the {len(largest.indicators)} items of its largest "
        f"block '{largest.name}')"
    )
    all_sizes = ", ".join(f"{lab} {int(k)}" for lab, k in zip(labels, sizes, strict=True))
    others = f" ({len(small) - 1} more {noun}s are too small)" if len(small) > 1 else ""
    raise DataError(
        f"{noun.capitalize()} '{g}' of column '{column}' has only {_plural(n, 'respondent')} "
        f"({all_sizes}){others}; {engine} estimates the model in each {noun} and needs "
        f"{why} per {noun}: merge '{g}' with another {noun}, or leave it out with "
        f"levels=[...] (on the command line: --levels)."
    )


def _impute_by_group(
    frame: pd.DataFrame, codes: IntArray, labels: list[str], source: str, column: str, noun: str
) -> tuple[pd.DataFrame, dict[str, dict[str, int]], Diagnostic | None]:
    """Replace missing answers by the item mean of the respondent's group."""
    values = frame.to_numpy(dtype=np.float64, copy=True)
    holes = np.isnan(values)
    items = [str(c) for c in frame.columns]
    counts = {
        g: dict(zip(items, holes[codes == k].sum(axis=0).tolist(), strict=True))
        for k, g in enumerate(labels)
    }
    if not holes.any():
        return frame, counts, None
    per_group = []
    for k, g in enumerate(labels):
        rows = codes == k
        block = values[rows]
        gap = np.isnan(block)
        unanswered = np.flatnonzero(gap.all(axis=0))
        if unanswered.size:
            raise DataError(
                f"In {noun} '{g}' of column '{column}', item '{items[unanswered[0]]}' has no "
                f"answer at all, so its missing answers cannot be replaced by the {noun}'s item "
                f"mean; use missing='listwise', drop the item, or merge '{g}' with another "
                f"{noun}."
            )
        means = np.nanmean(block, axis=0)
        values[rows] = np.where(gap, means, block)
        per_group.append(f"{g} {int(gap.sum())}")
    total = int(holes.sum())
    message = (
        f"Mean replacement within {noun}s: {_plural(total, 'missing answer')} of "
        f"{_where(source)} were replaced by the item mean of the respondent's own {noun} "
        f"({', '.join(per_group)}), so that the replacement does not pull the {noun}s towards "
        "each other. Mean replacement understates variances and correlations; with more than "
        "5% missing in an item consider listwise deletion."
    )
    out = pd.DataFrame(values, index=frame.index, columns=frame.columns)
    note = Diagnostic("warning", "missing_mean_by_group", message, MissingDataWarning)
    return out, counts, note


def _check_constant_items(
    frame: pd.DataFrame, codes: IntArray, labels: list[str], column: str, noun: str
) -> None:
    values = frame.to_numpy(dtype=np.float64)
    for k, g in enumerate(labels):
        block = values[codes == k]
        with np.errstate(invalid="ignore"):
            spread = np.nanmax(block, axis=0) - np.nanmin(block, axis=0)
        flat = np.flatnonzero(spread == 0)
        if flat.size:
            item = str(frame.columns[flat[0]])
            more = f" (and {_plural(flat.size - 1, 'more item')})" if flat.size > 1 else ""
            raise DataError(
                f"In {noun} '{g}' of column '{column}', item '{item}'{more} has the same answer "
                f"{_number(float(np.nanmax(block[:, flat[0]])))} from all {block.shape[0]} "
                "respondents, so "
                f"the model cannot be estimated in that {noun} (an item without variance cannot "
                f"be standardized); drop the item from the model, or merge '{g}' with another "
                f"{noun}."
            )


def split(
    spec: ModelSpec,
    data: pd.DataFrame | RawData | str | os.PathLike[str],
    group: str,
    *,
    levels: Sequence[str] | None = None,
    waves: bool | None = None,
    missing: Missing | Literal["fiml"] = "listwise",
    na_values: Sequence[float | str] = (),
    min_size: int = MIN_GROUP_SIZE,
    engine: str = "PLS",
) -> GroupedData:
    """Check a group column and split the survey data into the groups to compare.

    Parameters
    ----------
    spec
        The model.
    data
        A DataFrame, a :class:`~sem_csat.data.RawData`, a data file or a bundled data set name;
        it must contain the model's items and the group column.  It is never modified.
    group
        Name of the column that holds the groups (customer segment, gender, country, survey
        wave, ...).
    levels
        The groups to compare, in order (default: every group, in the column's natural order).
        Rows of other groups are left out.
    waves
        True when the groups are survey waves; the default is True for a column called
        ``wave`` (any case).
    missing
        ``"listwise"`` (default) or ``"mean"``: replace a missing answer by the item's mean in
        the respondent's own group; with ``engine="CB-SEM"`` also ``"fiml"`` (incomplete
        answers are kept for full-information ML).
    na_values
        Numeric or text codes that mean "no answer" (e.g. ``[-99]``).
    min_size
        Fewest respondents per group (default 10; the largest block's size + 2 if larger).
    engine
        The engine named in the message about a group that is too small.

    Returns
    -------
    GroupedData

    Raises
    ------
    DataError
        The column is missing, has missing values, is constant, has more than
        :data:`MAX_LEVELS` values; a group is too small; an item is constant in a group; or
        the items fail the usual checks of :func:`~sem_csat.data.prepare_data`.
    UsageError
        Unknown ``levels`` or options.
    """
    fiml = missing == "fiml" and engine == "CB-SEM"  # incomplete rows kept for FIML
    if missing not in _MISSING and not fiml:
        raise UsageError(
            f"missing must be 'listwise' or 'mean' for a {engine} group comparison; got "
            f"{missing!r}."
        )
    if isinstance(min_size, bool) or not isinstance(min_size, int) or min_size < 3:
        raise UsageError(f"min_size must be an integer of at least 3; got {min_size!r}.")
    if not isinstance(spec, ModelSpec):
        raise UsageError(f"spec must be a ModelSpec (see sem_csat.load_spec); got {spec!r}.")
    raw = _raw(data, na_values)
    column = _check_column(raw, group, spec)
    is_wave = column.lower() in WAVE_COLUMNS if waves is None else bool(waves)
    noun = "wave" if is_wave else "group"
    items_only = dataclasses.replace(raw, frame=raw.frame.drop(columns=[column]))
    prepared = prepare_data(
        spec,
        items_only,
        missing="fiml" if missing == "mean" or fiml else "listwise",
        na_values=na_values,
    )
    positions = np.asarray(prepared.used_rows, dtype=np.intp)
    values = raw.frame[column].iloc[positions]
    absent = _is_missing(values)
    if absent.any():
        rows = positions[absent].tolist()
        raise DataError(
            f"Column '{column}' has {_plural(len(rows), 'missing value')} among the rows used "
            f"({_rows(rows)}); every respondent needs a {noun}. Drop those rows first "
            f"(data.dropna(subset=['{column}'])) or give them a {noun} of their own "
            f"(data['{column}'].fillna('unknown'))."
        )
    labels, codes = _levels(raw, column, values)
    labels, codes, keep, left_out = _select(column, labels, codes, levels, noun)
    _check_sizes(spec, column, labels, codes, min_size, noun, engine)

    diagnostics = [d for d in prepared.diagnostics if fiml or d.code != "missing_fiml"]
    frame = prepared.frame.iloc[np.flatnonzero(keep)]
    if left_out:
        diagnostics.append(
            Diagnostic(
                "info",
                "groups_left_out",
                f"Rows of the {noun}s {', '.join(repr(g) for g in left_out)} of column "
                f"'{column}' were left out ({_plural(int((~keep).sum()), 'row')}); only "
                f"{', '.join(repr(g) for g in labels)} are compared.",
            )
        )
    per_group: dict[str, dict[str, int]] = {}
    n_imputed = dict(prepared.n_imputed)
    if missing == "mean":
        frame, per_group, note = _impute_by_group(
            frame, codes, labels, prepared.source, column, noun
        )
        n_imputed = {i: sum(c[i] for c in per_group.values()) for i in spec.indicator_names}
        if note is not None:
            diagnostics.append(note)
    _check_constant_items(frame, codes, labels, column, noun)
    pooled = dataclasses.replace(
        prepared,
        frame=frame,
        n_used=len(frame),
        used_rows=np.asarray(positions[keep], dtype=np.intp),
        missing=missing,
        n_imputed=n_imputed,
        diagnostics=tuple(diagnostics),
    )
    groups = {
        g: _subset(pooled, np.flatnonzero(codes == k), f"{column} = {g}", per_group.get(g))
        for k, g in enumerate(labels)
    }
    return GroupedData(
        spec=spec,
        column=column,
        levels=tuple(labels),
        codes=codes,
        pooled=pooled,
        groups=groups,
        waves=is_wave,
        diagnostics=tuple(diagnostics),
    )
