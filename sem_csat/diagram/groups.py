"""Path diagrams of a multi-group result: one panel per group, differences marked.

:func:`group_diagram` (what :func:`~sem_csat.diagram.path_diagram` draws for a result with
groups) lays out each group's diagram from its own result (``result.group_results()``) exactly
as a single diagram is laid out, at the column's width, and stacks the panels in one figure
with the group and its N above each.  Text therefore keeps its printed size (at least 7 pt at
3.5 or 7.2 in, :mod:`sem_csat.rendering.printsize`) however many groups there are; the figure
grows in height, not in density.

When the result compares the groups (an ``mga`` table in ``result.tables()``: after
``result.bootstrap(...)``), a path whose coefficient differs between this group and another
(permutation test, p < .05) carries a dagger (†), explained in a line below the panels.

Examples
--------
>>> import sem_csat, warnings
>>> result = sem_csat.fit("ecsi_bank", "bank_satisfaction", group="gender")
>>> d = group_diagram(result, size="double")
>>> d
<GroupDiagram 'ECSI_bank' by 'gender': 2 panels, 7.20 x ... in, grey>
>>> list(d.panels)
['female', 'male']
"""

from __future__ import annotations

import dataclasses
import math
import textwrap
from collections.abc import Mapping
from typing import Any, Final

from sem_csat.contract import SEMResult
from sem_csat.diagram.column import MARGIN_PT, warn_width
from sem_csat.diagram.render import (
    Diagram,
    DiagramPlan,
    draw_on_axes,
    plan_diagram,
)
from sem_csat.errors import SemCsatError, UsageError

__all__ = ["DIFFERENCE_MARK", "GroupDiagram", "difference_marks", "group_diagram"]

#: The sign after a coefficient that differs between groups.
DIFFERENCE_MARK: Final = "†"
#: Significance level of the marked differences.
DIFFERENCE_ALPHA: Final = 0.05
#: Average width of a character of the legend, in em (DejaVu Sans runs about 0.55 em).
_CHAR_EM: Final = 0.6
_LEGEND_LINE: Final = 1.3


class GroupDiagram(Diagram):
    """One figure with a path diagram per group (from :func:`group_diagram`).

    Besides the attributes of :class:`~sem_csat.diagram.Diagram` (those of the first panel for
    ``layout``, ``step`` and ``edge_artists``), it has:

    Attributes
    ----------
    panels
        The plan of each group's panel, by group.
    marked
        The paths marked as different, by group.
    note
        The line below the panels that explains the marks (``""`` when nothing is marked).
    column
        The group column.
    """

    panels: dict[str, DiagramPlan]
    marked: dict[str, frozenset[tuple[str, str]]]
    note: str
    column: str

    def to_tikz(self) -> str:
        """Not available for panels: TikZ draws one model."""
        raise UsageError(
            "A TikZ picture draws one model; save each group's diagram instead: "
            "path_diagram(result.group_results()['<group>']).save('group.tex')."
        )

    def __repr__(self) -> str:
        w, h = self.figure.get_size_inches()
        return (
            f"<GroupDiagram {self.spec.name!r} by {self.column!r}: {len(self.panels)} panels, "
            f"{w:.2f} x {h:.2f} in, {self.theme}>"
        )


def difference_marks(
    result: SEMResult, alpha: float = DIFFERENCE_ALPHA
) -> dict[str, frozenset[tuple[str, str]]]:
    """The paths of each group that differ from another group's (permutation p < ``alpha``).

    Read from the ``mga`` table of ``result.tables()`` (columns ``from, to, group_a, group_b,
    p_permutation``); empty sets when the result has none (no comparison yet).
    """
    grouping = result.grouping
    if grouping is None:
        return {}
    marks: dict[str, set[tuple[str, str]]] = {g: set() for g in grouping.levels}
    table = result.tables().get("mga")
    if table is None:
        return {g: frozenset() for g in grouping.levels}
    for row in table.to_dict("records"):
        p = float(row["p_permutation"])
        if math.isfinite(p) and p < alpha:
            key = (str(row["from"]), str(row["to"]))
            for g in (str(row["group_a"]), str(row["group_b"])):
                if g in marks:
                    marks[g].add(key)
    return {g: frozenset(v) for g, v in marks.items()}


def _panel_title(result: SEMResult, level: str) -> str:
    g = result.grouping
    if g is None:  # pragma: no cover - group_diagram checks it
        return level
    n = g.sizes.get(level)
    size = "" if n is None else f" (N = {n})"
    return f"Wave {level}{size}" if g.waves else f"{g.column} = {level}{size}"


def _note(result: SEMResult, marked: Mapping[str, frozenset[tuple[str, str]]]) -> str:
    g = result.grouping
    if g is None or not any(marked.values()):
        return ""
    between = "the two" if len(g.levels) == 2 else "this and another"
    level = f"{DIFFERENCE_ALPHA:.2f}".removeprefix("0")
    return (
        f"{DIFFERENCE_MARK} The path coefficient differs between {between} {g.nouns} "
        f"(permutation test, p < {level})."
    )


def group_diagram(
    result: object,
    *,
    indicators: bool = False,
    theme: str = "grey",
    size: str = "double",
    stars: bool = True,
    ci: bool = False,
    decimals: int = 2,
    font: str | None = None,
    show_r2: bool = True,
    labels: str = "label",
    mark_differences: bool = True,
) -> GroupDiagram:
    """One panel per group of a multi-group result, stacked, differences marked.

    Parameters
    ----------
    result
        A result with groups (``result.grouping`` is not None), such as
        ``sem_csat.fit(spec, data, group="gender")`` (bootstrapped for stars, intervals and
        the marked differences).
    indicators, theme, size, stars, ci, decimals, font, show_r2, labels
        As in :func:`~sem_csat.diagram.path_diagram`; every panel is laid out for the column
        ``size`` (a panel that needs a double column makes every panel double).
    mark_differences
        Mark with † the paths that differ between groups (permutation p < .05, from the
        result's ``mga`` table).

    Returns
    -------
    GroupDiagram

    Raises
    ------
    UsageError
        When ``result`` has no groups, or for the options :func:`path_diagram` refuses.
    """
    if not isinstance(result, SEMResult) or result.grouping is None:
        raise UsageError(
            "group_diagram() draws a result with groups (sem_csat.fit(..., group='COLUMN')); "
            "draw a single-group result with path_diagram()."
        )
    grouping = result.grouping
    members = result.group_results()
    marked = (
        difference_marks(result) if mark_differences else {g: frozenset() for g in grouping.levels}
    )
    plans: dict[str, DiagramPlan] = {}
    for level in grouping.levels:
        try:
            plans[level] = plan_diagram(
                members[level],
                indicators=indicators,
                theme=theme,
                size=size,
                stars=stars,
                ci=ci,
                decimals=decimals,
                font=font,
                title=_panel_title(result, level),
                show_r2=show_r2,
                labels=labels,
                marks=dict.fromkeys(marked.get(level, ()), DIFFERENCE_MARK),
                warn=False,
            )
        except SemCsatError as exc:
            raise type(exc)(f"In the panel of {grouping.noun} '{level}': {exc}") from exc
    first = next(iter(plans.values()))
    width_in = max(p.width_in for p in plans.values())
    needs_double = any(p.needs_double for p in plans.values())
    if width_in > _width(size) + 1e-6:
        warn_width(first.spec, size, indicators, needs_double, width_in)
    plans = {g: dataclasses.replace(p, width_in=width_in) for g, p in plans.items()}
    note = _note(result, marked)
    detail = first.drawn.step.detail_size
    note_lines = _wrap(note, width_in * 72 - 2 * MARGIN_PT, detail)
    note_pt = (len(note_lines) * _LEGEND_LINE + 0.6) * detail + MARGIN_PT if note_lines else 0.0
    return _compose(result, plans, marked, note, note_lines, note_pt, width_in, needs_double)


def _width(size: str) -> float:
    from sem_csat.diagram.themes import SIZES

    return SIZES[size].width_in


def _wrap(text: str, width_pt: float, size_pt: float) -> list[str]:
    if not text:
        return []
    chars = max(20, int(width_pt / (size_pt * _CHAR_EM)))
    return textwrap.wrap(text, chars, break_long_words=False)


def _compose(
    result: SEMResult,
    plans: dict[str, DiagramPlan],
    marked: dict[str, frozenset[tuple[str, str]]],
    note: str,
    note_lines: list[str],
    note_pt: float,
    width_in: float,
    needs_double: bool,
) -> GroupDiagram:
    from sem_csat.rendering.mplfigure import PrintFigure

    first = next(iter(plans.values()))
    height_pt = sum(p.height_pt for p in plans.values()) + note_pt
    fig = PrintFigure(figsize=(width_in, height_pt / 72), facecolor=first.theme.background)
    top = height_pt
    drawn: list[tuple[Any, dict[tuple[str, str], Any], set[tuple[str, str]]]] = []
    for plan in plans.values():
        top -= plan.height_pt
        ax = fig.add_axes((0.0, top / height_pt, 1.0, plan.height_pt / height_pt))
        drawn.append((ax, *draw_on_axes(ax, plan)))
    first_ax, artists, dashed = drawn[0]
    if note_lines:
        detail = first.drawn.step.detail_size
        fig.text(
            MARGIN_PT / (width_in * 72),
            (note_pt - MARGIN_PT / 2) / height_pt,
            "\n".join(note_lines),
            ha="left",
            va="top",
            fontsize=detail,
            color=first.theme.text,
            linespacing=_LEGEND_LINE / 1.2,
            fontdict={"family": first.families},
        )
    grouping = result.grouping
    column = "" if grouping is None else grouping.column
    diagram = GroupDiagram(
        fig,
        first_ax,
        first.drawn.layout,
        first.spec,
        theme=first.theme_name,
        families=first.families,
        edge_artists=artists,
        dashed=frozenset(dashed),
        size=first.size,
        step=first.drawn.step,
        needs_double_width=needs_double,
        abbreviations=first.codes,
        legend=first.legend,
    )
    diagram.panels = plans
    diagram.marked = marked
    diagram.note = note
    diagram.column = column
    return diagram
