"""Placing edge labels (coefficients, loadings) where they collide with nothing.

For every label, candidate positions are generated along its own edge: at several fractions of
each segment, either beside the line (offset along the normal just far enough for the text box
to clear it) or centred on the line (drawn with a white background).  The first candidate whose
box overlaps no node, no arrowhead, no label placed before and no segment of any other edge,
and has no other edge close by (so that it cannot be read as that edge's label), wins; failing
that, the first free one.  Labels are
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

import numpy as np

from sem_csat.diagram.geometry import (
    Point,
    Rect,
    Shape,
    rects_overlap,
    segment_hits_rect,
)

__all__ = ["LabelRequest", "count_problems", "label_conflicts", "place_labels"]

_FRACTIONS = (0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82)
_NEAR = 0.7  # clearance from other edges, in label heights, that makes a place unambiguous


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
    heads: Sequence[Rect] = (),
) -> int:
    """Number of objects that the label ``box`` of edge ``own`` would collide with.

    The objects are node outlines, arrowheads (bounding boxes, the edge's own included),
    labels already placed and segments of other edges (and of its own edge, unless the label
    sits on the line with a background).
    """
    grown = box.inflate(pad)
    n = sum(1 for s in shapes if rects_overlap(grown, s.bbox))
    n += sum(1 for h in heads if rects_overlap(grown, h))
    n += sum(1 for r in placed if rects_overlap(grown, r))
    for k, pts in enumerate(edges):
        if k == own and on_line:
            continue
        n += sum(1 for p, q in itertools.pairwise(pts) if segment_hits_rect(p, q, grown))
    return n


class _Obstacles:
    """The fixed obstacles of a labelling, indexed for fast counting (numpy arrays).

    Counts the same collisions as :func:`label_conflicts` (labels placed so far are checked
    by the caller); segments are first screened by their bounding boxes, then tested
    exactly.
    """

    def __init__(
        self, shapes: Sequence[Shape], heads: Sequence[Rect], edges: Sequence[tuple[Point, ...]]
    ) -> None:
        rects = [s.bbox for s in shapes] + list(heads)
        self.rects = np.array(
            [(r.left, r.bottom, r.right, r.top) for r in rects], dtype=float
        ).reshape(-1, 4)
        segs = [(k, p, q) for k, pts in enumerate(edges) for p, q in itertools.pairwise(pts)]
        self.owner = np.array([k for k, _, _ in segs], dtype=int)
        self.points = [(p, q) for _, p, q in segs]
        xy = np.array([(*p, *q) for _, p, q in segs], dtype=float).reshape(-1, 4)
        self.seg_box = np.column_stack(
            [
                np.minimum(xy[:, 0], xy[:, 2]),
                np.minimum(xy[:, 1], xy[:, 3]),
                np.maximum(xy[:, 0], xy[:, 2]),
                np.maximum(xy[:, 1], xy[:, 3]),
            ]
        )

    def count(self, box: Rect, own: int, on_line: bool, pad: float, rects: bool = True) -> int:
        g = box.inflate(pad)
        n = 0
        if rects and len(self.rects):
            r = self.rects
            n += int(
                np.count_nonzero(
                    (g.left < r[:, 2])
                    & (r[:, 0] < g.right)
                    & (g.bottom < r[:, 3])
                    & (r[:, 1] < g.top)
                )
            )
        if len(self.seg_box):
            b = self.seg_box
            near = (
                (b[:, 0] <= g.right)
                & (g.left <= b[:, 2])
                & (b[:, 1] <= g.top)
                & (g.bottom <= b[:, 3])
            )
            if on_line:
                near &= self.owner != own
            for i in np.flatnonzero(near):
                p, q = self.points[i]
                n += segment_hits_rect(p, q, g)
        return n


class _Placed:
    """Label boxes placed so far, as an array: :meth:`count` gives the number that overlap a
    box, as :func:`~sem_csat.diagram.geometry.rects_overlap` counts them one by one."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, float, float, float]] = []
        self._array: np.ndarray | None = None

    def add(self, r: Rect) -> None:
        self.rows.append((r.left, r.right, r.bottom, r.top))
        self._array = None

    def count(self, box: Rect) -> int:
        if not self.rows:
            return 0
        if self._array is None:
            self._array = np.array(self.rows, dtype=np.float64)
        b = self._array
        hits = (box.left < b[:, 1]) & (b[:, 0] < box.right) & (box.bottom < b[:, 3])
        hits &= b[:, 2] < box.top
        return int(np.count_nonzero(hits))


def count_problems(
    shapes: Sequence[Shape],
    edges: Sequence[tuple[Point, ...]],
    boxes: Sequence[Rect | None],
    heads: Sequence[Rect] = (),
) -> list[int]:
    """:func:`label_conflicts` of the label ``boxes[k]`` of every edge ``edges[k]`` (without
    clearance), each checked against the labels before it: one count per edge."""
    index = _Obstacles(shapes, heads, edges)
    counts = [0] * len(boxes)
    placed = _Placed()
    for k, box in enumerate(boxes):
        if box is None:
            continue
        own = list(itertools.pairwise(edges[k]))
        on_line = any(segment_hits_rect(p, q, box) for p, q in own)
        counts[k] = index.count(box, k, on_line, 0.0)
        counts[k] += placed.count(box)
        placed.add(box)
    return counts


def place_labels(
    shapes: Sequence[Shape],
    requests: Sequence[LabelRequest | None],
    *,
    pad: float,
    others: Sequence[tuple[Point, ...]] = (),
    heads: Sequence[Rect] = (),
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
    heads
        Bounding boxes of the arrowheads, which labels must not touch.

    Returns
    -------
    list
        The chosen boxes; where no candidate is free of collisions, the one with the fewest
        collisions is returned (check with :func:`label_conflicts`).
    """
    edges = [r.points if r is not None else () for r in requests] + list(others)
    index = _Obstacles(shapes, heads, edges)
    boxes: list[Rect | None] = [None] * len(requests)
    placed = _Placed()
    todo = sorted(
        (k for k, r in enumerate(requests) if r is not None),
        key=lambda k: (-(requests[k].width if requests[k] else 0.0), k),  # type: ignore[union-attr]
    )
    for k in todo:
        req = requests[k]
        if req is None:  # pragma: no cover - filtered above
            continue
        best: tuple[int, Rect] | None = None
        free: Rect | None = None
        for rect, on_line in _candidates(req, pad):
            grown = rect.inflate(pad)
            c = index.count(rect, k, on_line, pad)
            c += placed.count(grown)
            if best is None or c < best[0]:
                best = (c, rect)
            if c == 0:
                # prefer a place where no other edge passes close by: a label between two
                # near edges could be read as belonging to either
                near = index.count(rect, k, True, pad + _NEAR * req.height, rects=False)
                if near == 0:
                    free = rect
                    break
                free = free or rect
        chosen = free or (best[1] if best is not None else None)
        if chosen is not None:
            boxes[k] = chosen
            placed.add(chosen)
    return boxes
