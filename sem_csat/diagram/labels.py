"""Placing edge labels (coefficients, loadings) where they collide with nothing.

For every label, candidate positions are generated along its own edge: at several fractions of
each segment, either beside the line (offset along the normal just far enough for the text box
to clear it) or centred on the line (drawn with a white background).  The first candidate whose
box overlaps no node, no label placed before and no segment of any other edge wins.  Labels are
placed in order, longest first, so that the hardest ones choose first.

Examples
--------
>>> from sem_csat.diagram.geometry import Shape
>>> boxes = place_labels(
...     [Shape("ellipse", 0, 0, 40, 20), Shape("ellipse", 200, 0, 40, 20)],
...     [LabelRequest(((20.0, 0.0), (180.0, 0.0)), 30.0, 8.0, beside=True)],
...     pad=2.0,
... )
>>> boxes[0] is not None and boxes[0].y > 0
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from sem_csat.diagram.geometry import (
    Point,
    Rect,
    Shape,
    rects_overlap,
    segment_hits_rect,
)

__all__ = ["LabelRequest", "label_conflicts", "place_labels"]

_FRACTIONS = (0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74)


@dataclass(frozen=True)
class LabelRequest:
    """A label to place: the edge polyline, the text box size and the preferred placement."""

    points: tuple[Point, ...]
    width: float
    height: float
    beside: bool


def _candidates(req: LabelRequest, gap: float) -> list[tuple[Rect, bool]]:
    segs = list(zip(req.points[:-1], req.points[1:], strict=True))
    order = sorted(range(len(segs)), key=lambda k: (-math.dist(*segs[k]), k))
    beside: list[tuple[Rect, bool]] = []
    online: list[tuple[Rect, bool]] = []
    for k in order:
        (x0, y0), (x1, y1) = segs[k]
        length = math.dist((x0, y0), (x1, y1))
        if length == 0:
            continue
        nx, ny = -(y1 - y0) / length, (x1 - x0) / length
        d = abs(nx) * req.width / 2 + abs(ny) * req.height / 2 + gap
        for f in _FRACTIONS:
            cx, cy = x0 + f * (x1 - x0), y0 + f * (y1 - y0)
            online.append((Rect(cx, cy, req.width, req.height), True))
            for sign in (1.0, -1.0) if ny >= 0 else (-1.0, 1.0):
                r = Rect(cx + sign * d * nx, cy + sign * d * ny, req.width, req.height)
                beside.append((r, False))
    return beside + online if req.beside else online + beside


def label_conflicts(
    box: Rect,
    own: int,
    on_line: bool,
    shapes: Sequence[Shape],
    edges: Sequence[tuple[Point, ...]],
    placed: Sequence[Rect],
    pad: float,
) -> int:
    """Number of objects that the label ``box`` of edge ``own`` would collide with."""
    grown = box.inflate(pad)
    n = sum(1 for s in shapes if rects_overlap(grown, s.bbox))
    n += sum(1 for r in placed if rects_overlap(grown, r))
    for k, pts in enumerate(edges):
        if k == own and on_line:
            continue
        n += sum(1 for p, q in itertools.pairwise(pts) if segment_hits_rect(p, q, grown))
    return n


def place_labels(
    shapes: Sequence[Shape],
    requests: Sequence[LabelRequest | None],
    *,
    pad: float,
    others: Sequence[tuple[Point, ...]] = (),
) -> list[Rect | None]:
    """Choose a box for every label request (``None`` requests get ``None``).

    Parameters
    ----------
    shapes
        Node outlines that labels must avoid.
    requests
        One request per edge; the edge polylines are taken from the requests.
    pad
        Clearance kept around every label box.
    others
        Polylines of edges without a label, which labels must avoid too.

    Returns
    -------
    list
        The chosen boxes; where no candidate is free of collisions, the one with the fewest
        collisions is returned (check with :func:`label_conflicts`).
    """
    edges = [r.points if r is not None else () for r in requests] + list(others)
    boxes: list[Rect | None] = [None] * len(requests)
    placed: list[Rect] = []
    todo = sorted(
        (k for k, r in enumerate(requests) if r is not None),
        key=lambda k: (-(requests[k].width if requests[k] else 0.0), k),  # type: ignore[union-attr]
    )
    for k in todo:
        req = requests[k]
        if req is None:  # pragma: no cover - filtered above
            continue
        best: tuple[int, Rect] | None = None
        for rect, on_line in _candidates(req, pad):
            c = label_conflicts(rect, k, on_line, shapes, edges, placed, pad)
            if best is None or c < best[0]:
                best = (c, rect)
            if c == 0:
                break
        if best is not None:
            boxes[k] = best[1]
            placed.append(best[1])
    return boxes
