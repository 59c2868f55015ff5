"""Point labels without overlaps: the greedy ring search shared by the scatter maps (the Kano
better/worse map and the importance–performance map).

Each label, in the caller's order, takes the first candidate position on growing rings of
eight directions around its point (right, upper right, above, upper left, left, lower left,
below, lower right) whose box lies inside the axes and keeps a clear gap from every obstacle:
the markers, the labels already placed and any fixed text.  When no candidate is free within
the search, the one with the least overlap (an area in square pixels, plus an optional charge
per overlapped obstacle) is used, and a candidate outside the axes costs more than any
overlap.  The search is deterministic: the same figure always gets the same labels.  A label
far from its point gets a thin leader line to it.

All geometry is in display pixels (the figure's dpi); callers convert points to pixels.  This
module does not import matplotlib: :func:`draw_leader` takes the axes it draws on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "DIRECTIONS",
    "Box",
    "Placement",
    "draw_leader",
    "is_far",
    "overlap_area",
    "overlaps",
    "place",
]

#: ``(x0, y0, x1, y1)`` in display pixels.
Box = tuple[float, float, float, float]

#: The eight directions of a ring, in the order they are tried.
DIRECTIONS: Final = ((1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1))

#: Cost of a candidate outside the axes (more than any overlap of labels on a figure).
_OUTSIDE: Final = 1e6


@dataclass(frozen=True)
class Placement:
    """Where a label goes: its centre ``(cx, cy)``, its box and the direction ``(ux, uy)``."""

    cx: float
    cy: float
    box: Box
    ux: int
    uy: int


def overlaps(a: Box, b: Box, gap: float = 0.0) -> bool:
    """Whether two boxes come closer than ``gap`` pixels."""
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


def overlap_area(a: Box, b: Box) -> float:
    """The area the two boxes share (0 when they are apart)."""
    dx = min(a[2], b[2]) - max(a[0], b[0])
    dy = min(a[3], b[3]) - max(a[1], b[1])
    return max(dx, 0.0) * max(dy, 0.0)


def place(
    point: tuple[float, float],
    half_size: tuple[float, float],
    *,
    clearance: float,
    step: float,
    rings: int,
    inside: Box,
    obstacles: list[Box],
    gap: float,
    per_overlap: float = 0.0,
) -> Placement:
    """Find the place of one label and add its box to ``obstacles``.

    Parameters
    ----------
    point
        The point ``(px, py)`` the label belongs to.
    half_size
        Half the label's width and height ``(hw, hh)``.
    clearance
        Distance kept between the point and the label's box on the first ring (the marker's
        half size and the gap); ring ``k`` moves the box ``k · step`` further out.
    step, rings
        Distance between rings and their number.
    inside
        The box every label must stay in (the axes, less a margin).
    obstacles
        Boxes a label must keep ``gap`` from; the chosen box is appended.
    per_overlap
        Cost added per overlapped obstacle when no candidate is free (0: the area alone).

    Returns
    -------
    Placement
        The first free candidate, else the cheapest one.  The candidate at ring ``k`` in
        direction ``(ux, uy)`` is centred at :math:`p + u \\circ (h + c + k s)` with the half
        size :math:`h`, the clearance :math:`c` and the step :math:`s`.
    """
    px, py = point
    hw, hh = half_size
    best: tuple[float, Placement] | None = None
    for ring in range(rings):
        for ux, uy in DIRECTIONS:
            cx = px + ux * (hw + clearance + ring * step)
            cy = py + uy * (hh + clearance + ring * step)
            box = (cx - hw, cy - hh, cx + hw, cy + hh)
            fits = (
                box[0] >= inside[0]
                and box[1] >= inside[1]
                and box[2] <= inside[2]
                and box[3] <= inside[3]
            )
            hits = [o for o in obstacles if overlaps(box, o, gap)]
            candidate = Placement(cx, cy, box, ux, uy)
            if fits and not hits:
                obstacles.append(box)
                return candidate
            cost = sum(overlap_area(box, o) + per_overlap for o in hits)
            cost += 0.0 if fits else _OUTSIDE
            if best is None or cost < best[0]:
                best = (cost, candidate)
    chosen = best[1] if best is not None else Placement(px, py, (px, py, px, py), 1, 0)
    obstacles.append(chosen.box)
    return chosen


def draw_leader(
    ax: Any,
    xy: tuple[float, float],
    point: tuple[float, float],
    box: Box,
    *,
    dpi: float,
    linewidth: float,
    shrink_pt: float,
) -> None:
    """A thin grey line from a label's box (its edge nearest to the point) to the point.

    ``xy`` is the point in data coordinates, ``point`` and ``box`` in display pixels;
    ``shrink_pt`` stops the line short of the point (the marker's half size, in points).
    """
    px, py = point
    ex = min(max(px, box[0]), box[2])
    ey = min(max(py, box[1]), box[3])
    ax.annotate(
        "",
        xy=xy,
        xytext=((ex - px) * 72.0 / dpi, (ey - py) * 72.0 / dpi),
        textcoords="offset points",
        arrowprops={
            "arrowstyle": "-",
            "color": "0.45",
            "linewidth": linewidth,
            "shrinkA": 0.0,
            "shrinkB": shrink_pt,
        },
        zorder=2,
    )


def is_far(placement: Placement, point: tuple[float, float], near: float) -> bool:
    """Whether a label sits farther than ``near`` pixels from its point (it needs a leader)."""
    return math.hypot(placement.cx - point[0], placement.cy - point[1]) > near
