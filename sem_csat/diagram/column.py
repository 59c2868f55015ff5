"""Fitting a path diagram to its column: the compaction ladder of :mod:`.compact` at work.

:func:`fit_to_column` lays out the steps of the ladder for the column asked for (a single column
falls back to a double one) and keeps the best that fits; :class:`Drawing` holds a layout with
the size of the figure that draws it (margins, title, abbreviation legend).
"""

from __future__ import annotations

import math
import textwrap
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sem_csat.diagram.compact import LADDERS, MAX_HEIGHT_IN, Step, abbreviations, legend_lines
from sem_csat.diagram.layout import (
    Layout,
    compute_layout,
    edge_crossings,
    layout_within,
    shared_geometry,
)
from sem_csat.diagram.themes import SIZES
from sem_csat.errors import FigureWarning
from sem_csat.rendering.apa import format_value

if TYPE_CHECKING:
    from sem_csat.spec.model import ModelSpec

__all__ = [
    "LEGEND_LINE",
    "MARGIN_PT",
    "TITLE_SCALE",
    "Drawing",
    "construct_text",
    "drawing",
    "fit_to_column",
    "legend_pt",
    "step_layout",
    "title_pt",
    "warn_width",
]

#: White space around the drawing, in points.
MARGIN_PT = 4.0
#: Title size relative to construct text.
TITLE_SCALE = 1.15
#: Line height of the abbreviation legend, in em.
LEGEND_LINE = 1.3


def construct_text(
    spec: ModelSpec,
    r2: Mapping[str, float],
    show_r2: bool,
    shown: dict[str, str],
    wrap: int,
) -> dict[str, list[str]]:
    """Lines inside each construct: its shown name wrapped at ``wrap`` characters (words are
    never broken), then ``R² = .68`` for endogenous constructs when ``show_r2``."""
    out: dict[str, list[str]] = {}
    for c in spec.constructs:
        text = shown[c.name]
        lines = textwrap.wrap(text, wrap, break_long_words=False, break_on_hyphens=False) or [text]
        value = r2.get(c.name, math.nan)
        if show_r2 and c.name in spec.endogenous and math.isfinite(value):
            lines.append("R² = " + format_value(value, "bounded", 2))
        out[c.name] = lines
    return out


@dataclass(frozen=True)
class Drawing:
    """A candidate layout with everything that decides whether it fits the column."""

    layout: Layout
    step: Step
    legend: list[str]
    width_pt: float
    height_pt: float
    flaws: int  # label collisions and crossings beyond those of the layer ordering


def step_layout(
    spec: ModelSpec,
    r2: Mapping[str, float],
    step: Step,
    limit: tuple[float, float] | None,
    shown: dict[str, str],
    show_r2: bool,
    indicators: bool,
    edge_labels: dict[tuple[str, str], str],
) -> Layout | None:
    """The layout of one ladder step; ``None`` if it exceeds ``limit`` (width, height in pt)."""
    codes = abbreviations(spec) if step.abbreviate else {}
    names = {k: codes.get(k, v) for k, v in shown.items()}
    kwargs: dict[str, Any] = {
        "indicators": indicators,
        "node_text": construct_text(spec, r2, show_r2, names, step.wrap),
        "edge_labels": edge_labels,
        "font_size": step.font_size,
        "detail_size": step.detail_size,
        "spacing": step.spacing,
        "orientation": step.orientation,
        "zigzag": step.zigzag,
    }
    if limit is None:
        return compute_layout(spec, **kwargs)
    return layout_within(spec, *limit, **kwargs)


def drawing(
    layout: Layout,
    step: Step,
    spec: ModelSpec,
    shown: dict[str, str],
    column_pt: float,
    title: str | None,
) -> Drawing:
    """The size of the figure that draws ``layout`` in a column ``column_pt`` wide."""
    w = layout.bounds.width + 2 * MARGIN_PT
    legend = []
    if step.abbreviate:
        codes = abbreviations(spec)
        entries = [(codes[c.name], shown[c.name]) for c in spec.constructs]
        legend = legend_lines(entries, step.detail_size, max(w, column_pt) - 2 * MARGIN_PT)
    h = layout.bounds.height + 2 * MARGIN_PT + title_pt(step, title)
    h += legend_pt(step, legend)
    flaws = layout.label_problems() + max(0, edge_crossings(layout) - layout.crossings)
    return Drawing(layout, step, legend, w, h, flaws)


def title_pt(step: Step, title: str | None) -> float:
    return TITLE_SCALE * step.font_size * 1.6 if title else 0.0


def legend_pt(step: Step, legend: list[str]) -> float:
    return (len(legend) * LEGEND_LINE + 0.6) * step.detail_size if legend else 0.0


@shared_geometry()  # a context manager as decorator: each call's attempts share the geometry
def fit_to_column(
    spec: ModelSpec,
    r2: Mapping[str, float],
    size: str,
    shown: dict[str, str],
    show_r2: bool,
    indicators: bool,
    edge_labels: dict[tuple[str, str], str],
    title: str | None,
) -> tuple[Drawing, bool]:
    """The step of the compaction ladder that fits the column best (see :mod:`.compact`).

    Returns the drawing and whether it had to move from a single to a double column.  Each
    step is laid out once, within the size of a double column, and then judged against the
    column asked for (the attempts share their geometry: :func:`.layout.shared_geometry`).
    """
    args = (shown, show_r2, indicators, edge_labels)
    margins = 2 * MARGIN_PT
    limit = (SIZES["double"].width_in * 72 - margins, MAX_HEIGHT_IN["double"] * 72 - margins)
    layouts: dict[Step, Layout | None] = {}
    too_tall: list[Drawing] = []
    for column in ("single", "double") if size == "single" else ("double",):
        width_pt = SIZES[column].width_in * 72
        fitting: list[Drawing] = []
        for step in LADDERS[column]:
            if step not in layouts:
                layouts[step] = step_layout(spec, r2, step, limit, *args)
            layout = layouts[step]
            if layout is None:
                continue
            d = drawing(layout, step, spec, shown, width_pt, title)
            if d.width_pt > width_pt + 1e-6:
                continue
            if not d.flaws and d.height_pt <= MAX_HEIGHT_IN[column] * 72:
                fitting.append(d)
                if step.cost == 1.0:
                    break
            elif column == "double":
                too_tall.append(d)
        if fitting:
            return min(fitting, key=lambda d: d.height_pt * d.step.cost), column != size
    if too_tall:  # fits a double column's width, not its height (or has flaws): the best
        return min(too_tall, key=lambda d: (d.flaws, d.height_pt * d.step.cost)), size == "single"
    # larger than a double column whatever the step: the narrowest, drawn as large as it is
    drawn = []
    for step in LADDERS["double"]:
        layout = step_layout(spec, r2, step, None, *args)
        if layout is not None:
            drawn.append(drawing(layout, step, spec, shown, 0.0, title))
    best = min(drawn, key=lambda d: (d.width_pt > limit[0] + margins, d.height_pt, d.width_pt))
    return best, size == "single"


def warn_width(
    spec: ModelSpec, size: str, indicators: bool, needs_double: bool, width_in: float
) -> None:
    what = f"The {spec.name} diagram" + (" with indicators" if indicators else "")
    if needs_double and width_in <= SIZES["double"].width_in + 1e-6:
        message = (
            f"{what} does not fit a single column (3.5 in) with its text at 7 pt or more; it "
            "is drawn at double-column width (7.2 in). Pass size='double' to ask for that "
            "width directly" + (", or leave out the indicators." if indicators else ".")
        )
    else:
        message = (
            f"{what} needs {width_in:.1f} in to keep its text at 7 pt or more, more than a "
            "double column (7.2 in); it is drawn at that width. Print it across the page "
            "(landscape) or draw it without indicators."
        )
    warnings.warn(message, FigureWarning, stacklevel=3)


def warn_labels(spec: ModelSpec, problems: int, indicators: bool) -> None:
    """Say that some coefficient labels could not be placed clear of the drawing."""
    what = f"The {spec.name} diagram" + (" with indicators" if indicators else "")
    warnings.warn(
        f"{what} has {problems} coefficient label(s) touching another label, a path or a "
        "construct: no free place was found for them. Read the values from the paths table, "
        "or draw it at size='double'" + (" or without indicators." if indicators else "."),
        FigureWarning,
        stacklevel=3,
    )
