"""The survey metrics a spec declares, computed beside its model: :func:`dashboard`.

A spec's ``metrics:`` block names the NPS, CSAT and CES questions and the Kano question pairs,
its ``servqual:`` block the expectation and perception items of each SERVQUAL dimension
(:mod:`sem_csat.spec.practice`).  Customer-satisfaction teams report these "dashboard numbers"
next to the index model, so one ``sem_csat.fit`` computes both: the fitted result's
:attr:`~sem_csat.contract.SEMResult.dashboard` holds them, its ``tables()`` gain
``metrics.csv``, ``kano.csv`` and ``servqual.csv``, its ``figures()`` the Kano better/worse map,
and the report and the publication tables a survey-metrics section.

Which respondents
    The dashboard describes the respondents the model used (``data.used_rows``: after listwise
    deletion, the same N as the model), so that an index and an NPS in one report refer to one
    sample.  Within them, a missing answer leaves the respondent out of that metric only (each
    row of the tables states its ``n``).  In a multi-group result, NPS, CSAT and CES are given
    per group (and for all groups together) with the differences between groups.
Items the data do not have
    A metric whose items are not columns of the data is left out with a warning that names
    them (the bundled ``servqual`` model declares expectation items that a perception-only
    survey does not have); answers outside an item's scale are an error, as everywhere.
Scales
    NPS is 0–10; a CSAT item's scale is the one its ``csat:`` entry gives, else its construct's
    or the model's (``ModelSpec.item_scale``); CES and SERVQUAL answers are checked against the
    model's scale when it has one; Kano answers are 1–5.

Examples
--------
>>> import pandas as pd
>>> from sem_csat.spec.builders import reflective
>>> from sem_csat.spec.model import ModelSpec
>>> from sem_csat.spec.practice import Metrics
>>> spec = ModelSpec("Mini", constructs=[reflective("Sat", ["s1", "s2"])], scale=(1, 5),
...                  metrics=Metrics(nps="rec", csat="s1"))
>>> frame = pd.DataFrame({"rec": [10, 9, 3, 8], "s1": [5, 4, 2, 4], "s2": [4, 4, 2, 5]})
>>> board = dashboard(spec, frame)
>>> board.tables()["metrics"][["metric", "n", "score"]]
  metric  n  score
0    NPS  4   25.0
1   CSAT  4   75.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import MissingDataWarning
from sem_csat.metrics.kano import KanoResult, kano
from sem_csat.metrics.results import SurveyMetrics
from sem_csat.metrics.scores import survey_metrics
from sem_csat.metrics.servqual import ServqualResult, servqual
from sem_csat.summary import ResultDisplay, Section, Summary

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sem_csat.spec.model import ModelSpec

__all__ = ["Dashboard", "KanoFigure", "dashboard", "spec_servqual"]

#: The name of the group column added to the survey frame of a multi-group result.
_GROUP = "__group__"


@dataclass(frozen=True, eq=False)
class KanoFigure:
    """The Kano better/worse map as a result figure (``title``, ``figure()``, ``save()``)."""

    kano: KanoResult
    size: str = "single"

    @property
    def title(self) -> str:
        """The caption."""
        return (
            "Kano better/worse map: Berger et al.'s satisfaction and dissatisfaction coefficients"
        )

    def figure(self) -> Figure:
        """The drawing (a journal column wide, text at least 7 pt)."""
        return self.kano.figure(self.size).figure

    def save(self, path: str | Path) -> Path:
        """Write the map; the format follows the suffix (``.png``, ``.pdf``, ``.svg``)."""
        return self.kano.figure(self.size).save(path)


@dataclass(frozen=True, eq=False, repr=False)
class Dashboard(ResultDisplay):
    """The survey metrics a spec declares, computed on a fitted result's respondents.

    Attributes
    ----------
    metrics
        NPS, CSAT and CES (:class:`~sem_csat.metrics.SurveyMetrics`), by group in a
        multi-group result; None when the spec names none of them or the data lack them.
    kano
        The Kano classification of the declared question pairs, or None.
    servqual
        The SERVQUAL gaps of the declared dimensions, or None.
    notes
        Declared metrics that could not be computed (items missing from the data).
    n_obs
        Respondents the metrics were computed on.
    group
        The group column of a multi-group result, or None.
    """

    metrics: SurveyMetrics | None
    kano: KanoResult | None
    servqual: ServqualResult | None
    notes: tuple[Diagnostic, ...]
    n_obs: int
    group: str | None = None

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """The notes, then the findings of each metric (missing answers, ties, ...)."""
        parts = [self.notes]
        parts += [r.diagnostics for r in (self.metrics, self.kano, self.servqual) if r is not None]
        return tuple(dict.fromkeys(d for part in parts for d in part))

    def tables(self) -> dict[str, pd.DataFrame]:
        """``metrics`` (and ``metric_differences`` with groups), ``kano``, ``servqual`` and
        ``servqual_items``: the tables a fitted result writes beside its own."""
        out: dict[str, pd.DataFrame] = {}
        if self.metrics is not None:
            out["metrics"] = self.metrics.table
            if len(self.metrics.differences):
                out["metric_differences"] = self.metrics.differences
        if self.kano is not None:
            out["kano"] = self.kano.table
        if self.servqual is not None:
            out["servqual"] = self.servqual.table
            out["servqual_items"] = self.servqual.items
        return out

    def figures(self) -> dict[str, KanoFigure]:
        """``kano``: the better/worse map, when Kano pairs were classified."""
        return {} if self.kano is None else {"kano": KanoFigure(self.kano)}

    def sections(self) -> list[Section]:
        """The summary sections a fitted result shows after its own."""
        out: list[Section] = []
        if self.metrics is not None:
            out += [
                Section(
                    f"Survey metrics: {s.title.lower()}", s.table, s.lines, s.index, s.collapsed
                )
                for s in self.metrics.summary().sections
                if s.title != "Details"
            ]
        if self.kano is not None:
            out += [
                Section("Kano classification", s.table, s.lines)
                for s in self.kano.summary().sections
            ]
        if self.servqual is not None:
            out += [
                Section(f"SERVQUAL: {s.title.lower()}", s.table, s.lines, s.index, s.collapsed)
                for s in self.servqual.summary().sections
            ]
        return out

    def summary(self) -> Summary:
        """The declared survey metrics as one summary."""
        header = [("Respondents", str(self.n_obs))]
        if self.group is not None:
            header.append(("Groups", f"column '{self.group}'"))
        return Summary(
            "Survey metrics declared by the spec", header, self.sections(), self.diagnostics
        )

    def _repr_fields(self) -> str:
        parts = [name for name, r in self.parts() if r is not None]
        return f"{', '.join(parts) or 'nothing computed'}; N={self.n_obs}"

    def parts(self) -> tuple[tuple[str, object], ...]:
        """``(name, result)`` of the three analyses, None where not computed."""
        return (("metrics", self.metrics), ("kano", self.kano), ("servqual", self.servqual))


def _absent(items: Sequence[str], frame: pd.DataFrame) -> list[str]:
    return [i for i in items if i not in frame.columns]


def _skipped(
    spec: ModelSpec, frame: pd.DataFrame, items: Sequence[str], block: str, result: str
) -> Diagnostic:
    """The note for a metric whose ``items`` are not all in ``frame``.

    When the data have none of the metric's own questions (those that are not indicators of
    the model), the survey did not ask them: a note.  When some are there, a name is probably
    misspelt: a warning.
    """
    missing = _absent(items, frame)
    own = [i for i in items if i not in spec.indicator_names]
    asked = any(i in frame.columns for i in own)
    shown = ", ".join(f"'{m}'" for m in missing[:6]) + (", ..." if len(missing) > 6 else "")
    return Diagnostic(
        "warning" if asked else "info",
        "metric_items_missing",
        f"The spec's {block} block names items that the data do not have ({shown}), so "
        f"{result} not computed; add the columns to the data, or remove them from the spec's "
        f"{block} block.",
        MissingDataWarning,
    )


def dashboard(
    spec: ModelSpec,
    frame: pd.DataFrame | None,
    *,
    groups: Sequence[str] | None = None,
    group_name: str | None = None,
    levels: Sequence[str] | None = None,
    na_values: Sequence[float | str] = (),
    conf: float = 0.95,
) -> Dashboard | None:
    """Compute the survey metrics that ``spec`` declares from the survey columns ``frame``.

    Parameters
    ----------
    spec
        The model with its ``metrics:`` and ``servqual:`` blocks.
    frame
        The respondents' answers to the declared items (one row per respondent; such as
        ``PreparedData.survey`` at the rows the model used).  None (a covariance matrix, no
        answers) gives None, and so does a spec without either block.
    groups
        The group label of every row, for NPS, CSAT and CES by group (a multi-group result).
    group_name
        The group column's name, as the tables and messages show it.
    levels
        The groups in comparison order (the order of the rows and differences).
    na_values
        Codes that mean "no answer".
    conf
        Confidence level of the intervals.

    Returns
    -------
    Dashboard or None

    Raises
    ------
    DataError
        Answers outside an item's scale (an NPS answer of 11, a Kano answer of 6, ...).
    SpecError
        A CSAT item without an answer scale.
    """
    if frame is None or (spec.metrics is None and spec.servqual is None):
        return None
    notes: list[Diagnostic] = []
    survey = _survey_metrics(spec, frame, groups, group_name, levels, na_values, conf, notes)
    kano_result = _kano(spec, frame, na_values, notes)
    gaps = _servqual(spec, frame, na_values, conf, notes)
    return Dashboard(
        metrics=survey,
        kano=kano_result,
        servqual=gaps,
        notes=tuple(notes),
        n_obs=len(frame),
        group=group_name if groups is not None else None,
    )


def _survey_metrics(
    spec: ModelSpec,
    frame: pd.DataFrame,
    groups: Sequence[str] | None,
    group_name: str | None,
    levels: Sequence[str] | None,
    na_values: Sequence[float | str],
    conf: float,
    notes: list[Diagnostic],
) -> SurveyMetrics | None:
    from sem_csat.errors import SpecError

    m = spec.metrics
    if m is None or (m.nps is None and m.csat is None and m.ces is None):
        return None
    wanted = [i for i in (m.nps, m.csat.item if m.csat else None, m.ces) if i is not None]
    if _absent(wanted, frame):
        notes.append(_skipped(spec, frame, wanted, "metrics", "the NPS, CSAT and CES scores were"))
        return None
    options: dict[str, Any] = {"nps": m.nps, "ces": m.ces, "conf": conf}
    if m.csat is not None:
        scale = m.csat.scale or spec.item_scale(m.csat.item)
        if scale is None:
            raise SpecError(
                f"The CSAT item '{m.csat.item}' of the metrics block has no answer scale, so its "
                f"top box is unknown; write 'csat: {{item: {m.csat.item}, scale: [1, 5]}}' (its "
                "lowest and highest answers) or give the model a scale."
            )
        options |= {"csat": m.csat.item, "csat_scale": scale, "csat_top": m.csat.top_box}
    if m.ces is not None and spec.item_scale(m.ces) is not None:
        options["ces_scale"] = spec.item_scale(m.ces)
    data = frame
    if groups is not None:
        data = frame.copy()
        order = list(levels) if levels is not None else list(dict.fromkeys(groups))
        data[_GROUP] = pd.Categorical(np.asarray(groups, dtype=object), categories=order)
        options["group"] = _GROUP
    result = survey_metrics(data, na_values=na_values, **options)
    if groups is None:
        return result
    name = group_name or "group"
    return SurveyMetrics(
        table=result.table,
        differences=result.differences,
        details=result.details,
        items=result.items,
        group=name,
        conf=result.conf,
        source=result.source,
        diagnostics=result.diagnostics,
    )


def _kano(
    spec: ModelSpec,
    frame: pd.DataFrame,
    na_values: Sequence[float | str],
    notes: list[Diagnostic],
) -> KanoResult | None:
    m = spec.metrics
    if m is None or not m.kano:
        return None
    items = [i for p in m.kano for i in (p.functional, p.dysfunctional)]
    if _absent(items, frame):
        notes.append(_skipped(spec, frame, items, "metrics", "the Kano classification was"))
        return None
    pairs = {p.feature: (p.functional, p.dysfunctional) for p in m.kano}
    return kano(frame, pairs, na_values=na_values)


def _servqual(
    spec: ModelSpec,
    frame: pd.DataFrame,
    na_values: Sequence[float | str],
    conf: float,
    notes: list[Diagnostic],
) -> ServqualResult | None:
    block = spec.servqual
    if block is None:
        return None
    if _absent(block.items, frame):
        notes.append(_skipped(spec, frame, block.items, "servqual", "the SERVQUAL gaps were"))
        return None
    return spec_servqual(spec, frame, conf=conf, na_values=na_values)


def spec_servqual(
    spec: ModelSpec,
    data: Any,
    *,
    conf: float = 0.95,
    na_values: Sequence[float | str] = (),
) -> ServqualResult:
    """SERVQUAL gaps of the dimensions that a spec's ``servqual:`` block declares.

    What ``sem-csat servqual DATA --spec SPEC`` computes: the block's dimensions with their
    expectation and perception items, its importance weights (if every dimension has one) and
    the model's answer scale (answers outside it are an error).

    Parameters
    ----------
    spec
        A model with a ``servqual:`` block (such as the bundled ``servqual``).
    data
        The survey (DataFrame, file or :func:`sem_csat.read_data`'s result).
    conf, na_values
        As in :func:`~sem_csat.metrics.servqual`.

    Raises
    ------
    UsageError
        When the spec has no ``servqual:`` block.
    DataError
        A declared item missing from the data, or answers outside the scale.
    """
    from sem_csat.errors import UsageError

    block = spec.servqual
    if block is None:
        raise UsageError(
            f"Model '{spec.name}' has no servqual block; declare the dimensions with their "
            "expectation and perception items under 'servqual:' in the spec (see the bundled "
            "model: sem-csat specs, 'servqual')."
        )
    dims = {d.name: (list(d.expectation), list(d.perception)) for d in block.dimensions}
    weights = block.weights
    return servqual(
        data,
        dims,
        weights=dict(weights) if weights is not None else None,
        scale=spec.scale,
        conf=conf,
        na_values=na_values,
    )
