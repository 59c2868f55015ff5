"""Sizes and coordinates of a layered path diagram (steps 3 to 5 of :mod:`.layout`).

Everything here works in the *internal* frame of :mod:`sem_csat.diagram.layout`, in which the
flow runs along x: a top-to-bottom layout is computed with every box's width and height swapped
(:class:`Metrics`) and reflected into place at the end.  ``x`` is the position along the flow,
``y`` across it.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from sem_csat.diagram.geometry import (
    HEAD_LENGTH_EM,
    Point,
    Shape,
    border_point,
    segment_hits_shape,
    text_width,
)
from sem_csat.diagram.ordering import LayeredGraph, is_dummy

__all__ = [
    "LINE_EM",
    "Footprint",
    "Metrics",
    "cross_positions",
    "ellipse_size",
    "footprint",
    "indicator_id",
    "indicator_side",
    "place_layers",
    "wrap_label",
]

Side = Literal["left", "right", "above", "below"]
#: Line height of construct text, in em.
LINE_EM = 1.22


def indicator_id(construct: str, indicator: str) -> str:
    """Node id of an indicator box (construct and indicator names may coincide)."""
    return f"{construct}/{indicator}"


def wrap_label(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width) or [text]


def ellipse_size(lines: Sequence[str], fs: float, k: float = 1.18) -> tuple[float, float]:
    """Width and height of the ellipse around ``lines``: the text rectangle stretched ``k``
    times horizontally, and as much as needed vertically to enclose it."""
    w = max(text_width(s, fs) for s in lines) + 0.6 * fs
    h = len(lines) * LINE_EM * fs + 0.2 * fs
    a = k * w / 2
    b = (h / 2) / math.sqrt(1 - 1 / k**2)
    return 2 * a, max(2 * b, 2.6 * fs)


def _project(targets: list[float], seps: list[float]) -> list[float]:
    """Closest ``d`` to ``targets`` (least squares) with ``d[k+1] - d[k] >= seps[k]``.

    Isotonic regression by pool-adjacent-violators after subtracting the cumulative gaps.
    """
    offs = [0.0]
    for s in seps:
        offs.append(offs[-1] + s)
    blocks: list[list[float]] = []  # [sum, count]
    for t, o in zip(targets, offs, strict=True):
        blocks.append([t - o, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += c
    fit = [b[0] / b[1] for b in blocks for _ in range(int(b[1]))]
    return [f + o for f, o in zip(fit, offs, strict=True)]


@dataclass
class Footprint:
    """A construct with its indicator boxes: offsets relative to the construct centre."""

    w: float
    h: float
    boxes: list[tuple[str, float, float, float, float]]  # name, dx, dy, width, height

    def extent(self) -> tuple[float, float, float, float]:
        """Extents (left, right, down, up) from the centre."""
        xs = [(-self.w / 2, self.w / 2)] + [
            (dx - bw / 2, dx + bw / 2) for _, dx, _, bw, _ in self.boxes
        ]
        ys = [(-self.h / 2, self.h / 2)] + [
            (dy - bh / 2, dy + bh / 2) for _, _, dy, _, bh in self.boxes
        ]
        return (
            -min(x[0] for x in xs),
            max(x[1] for x in xs),
            -min(y[0] for y in ys),
            max(y[1] for y in ys),
        )


@dataclass(frozen=True)
class Metrics:
    """Text sizes and spacing of one layout attempt, and its orientation.

    The layout is computed in an *internal* frame in which the flow always runs along x; a
    top-to-bottom layout swaps the width and height of every box and is reflected into place
    at the end (:func:`_normalised`), so one algorithm serves both orientations.
    """

    fs: float  # construct text
    ds: float  # indicator names and edge labels
    spacing: float
    tb: bool
    band: bool = True  # long paths cross a skipped layer along its whole band
    zigzag: bool = False  # constructs of consecutive layers on alternate sides
    flip: frozenset[str] = frozenset()  # constructs whose indicators go to the other side
    reach: float = 1.0  # labelled paths at least this many times their label's length

    def dims(self, w: float, h: float) -> tuple[float, float]:
        """Internal (flow, cross) extents of a box ``w`` wide and ``h`` high on the page."""
        return (h, w) if self.tb else (w, h)

    def label(self, text: str) -> tuple[float, float]:
        """Internal extents of an edge label's box (text plus a thin white margin)."""
        if not text:
            return (0.0, 0.0)
        return self.dims(text_width(text, self.ds) + 0.5 * self.ds, 1.35 * self.ds)


def footprint(
    w: float,
    h: float,
    names: Sequence[str],
    side: Side | None,
    m: Metrics,
    label_text: str,
) -> Footprint:
    """The construct (internal extents ``w`` x ``h``) with its indicator boxes on ``side``.

    ``label_text`` is the widest label on the indicator arrows (``""`` without labels); the
    arrows are made long enough to carry it.
    """
    if side is None or not names:  # a higher-order construct has no indicator boxes
        return Footprint(w, h, [])
    fs = m.fs
    bw, bh = m.dims(max(text_width(n, m.ds) for n in names) + 1.0 * m.ds, 1.7 * m.ds)
    n = len(names)
    centre = Shape("ellipse", 0.0, 0.0, w, h)
    lw, lh = m.label(label_text)
    across = side in ("left", "right")
    # indicators beside a construct (across the flow in a top-to-bottom layout) get longer
    # arrows: there is room across the flow, and their labels need it between converging arrows
    gap = (lw + 2.4 * fs * m.spacing) if across else (lh + (3.8 if m.tb else 2.6) * fs * m.spacing)
    sep = max(0.35, 0.7 * m.spacing) * fs if across else max(0.3, 0.5 * m.spacing) * fs
    for _ in range(200):
        boxes = []
        for k, name in enumerate(names):
            if across:
                dy = ((n - 1) / 2 - k) * (bh + sep)
                dx = w / 2 + gap + bw / 2
                boxes.append((name, -dx if side == "left" else dx, dy, bw, bh))
            else:
                dx = (k - (n - 1) / 2) * (bw + sep)
                dy = h / 2 + gap + bh / 2
                boxes.append((name, dx, dy if side == "above" else -dy, bw, bh))
        shapes = [Shape("box", dx, dy, bw, bh) for _, dx, dy, bw, bh in boxes]
        ok = True
        for i, s in enumerate(shapes):
            p = border_point(centre, (s.x, s.y))
            q = border_point(s, (0.0, 0.0))
            if any(segment_hits_shape(p, q, o, 0.4 * fs) for j, o in enumerate(shapes) if j != i):
                ok = False
                break
        if ok:
            return Footprint(w, h, boxes)
        gap += 0.5 * fs
    return Footprint(w, h, boxes)  # pragma: no cover - gaps always end up large enough


def indicator_side(name: str, graph: LayeredGraph, i: int, y: dict[str, float]) -> Side:
    """Where a construct's indicators go: outside in the end layers, else away from its paths."""
    if i == 0:
        return "left"
    if i == len(graph.order) - 1:
        return "right"
    nb = [v for u, v in graph.edges if u == name] + [u for u, v in graph.edges if v == name]
    mean = sum(y[v] for v in nb) / len(nb) if nb else y[name]
    real = [v for v in graph.order[i] if not is_dummy(v)]
    if abs(mean - y[name]) > 1e-6:
        return "above" if mean < y[name] else "below"
    return "above" if real[0] == name else "below"


def cross_positions(
    graph: LayeredGraph, foot: dict[str, Footprint], lane: float, unit: float, stagger: float = 0.0
) -> dict[str, float]:
    """Heights of all vertices: stacked layers, relaxed toward the mean of their neighbours.

    With ``stagger``, the constructs of consecutive layers are then moved ``stagger / 2`` up
    and down in turn (a zigzag), so that consecutive layers can overlap along the flow.
    """
    ext = {
        v: foot[v].extent() if v in foot else (0.0, 0.0, lane / 2, lane / 2)
        for order in graph.order
        for v in order
    }

    def sep(u: str, v: str) -> float:  # d grows downwards
        gap = 0.6 * unit if is_dummy(u) or is_dummy(v) else 1.6 * unit
        return ext[u][2] + ext[v][3] + gap

    d: dict[str, float] = {}
    for order in graph.order:
        seps = [sep(u, v) for u, v in itertools.pairwise(order)]
        d.update(zip(order, _project([0.0] * len(order), seps), strict=True))
    nbrs: dict[str, list[str]] = {v: [] for v in d}
    for u, v in graph.edges:
        nbrs[u].append(v)
        nbrs[v].append(u)
    n = len(graph.order)
    for it in range(24):
        for i in range(n) if it % 2 == 0 else range(n - 1, -1, -1):
            order = graph.order[i]
            targets = [
                sum(d[u] for u in nbrs[v]) / len(nbrs[v]) if nbrs[v] else d[v] for v in order
            ]
            seps = [sep(u, v) for u, v in itertools.pairwise(order)]
            d.update(zip(order, _project(targets, seps), strict=True))
    if stagger > 0:
        for i, order in enumerate(graph.order):
            shift = stagger / 2 if i % 2 == 0 else -stagger / 2
            targets = [d[v] + (0.0 if is_dummy(v) else shift) for v in order]
            seps = [sep(u, v) for u, v in itertools.pairwise(order)]
            d.update(zip(order, _project(targets, seps), strict=True))
    return {v: -dv for v, dv in d.items()}


_Link = tuple[str, str, Point, Point]  # endpoint ids (ignored in tests) and the segment

#: Slack of the screening by bounding boxes, in points: a screen only lets through more
#: candidates, which are then tested exactly.
_SCREEN = 1e-6


def _grown_boxes(shapes: Sequence[Shape], pad: float) -> np.ndarray:
    """``(left, right, bottom, top)`` of every shape grown by ``pad``, as in
    :func:`~sem_csat.diagram.geometry.segment_hits_shape`."""
    rows = [
        (
            s.x - (s.width / 2 + pad),
            s.x + (s.width / 2 + pad),
            s.y - (s.height / 2 + pad),
            s.y + (s.height / 2 + pad),
        )
        for s in shapes
    ]
    return np.array(rows, dtype=np.float64).reshape(-1, 4)


def _segment_boxes(segments: Sequence[tuple[Point, Point]]) -> np.ndarray:
    """``(min x, max x, min y, max y)`` of every segment."""
    rows = [
        (min(p[0], q[0]), max(p[0], q[0]), min(p[1], q[1]), max(p[1], q[1])) for p, q in segments
    ]
    return np.array(rows, dtype=np.float64).reshape(-1, 4)


def _near(segs: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """``(segment, box)`` index pairs whose bounding boxes meet (with :data:`_SCREEN` slack):
    the only pairs in which the segment can enter the shape."""
    if not len(segs) or not len(boxes):
        return np.empty((0, 2), dtype=np.intp)
    meet = (
        (segs[:, None, 1] + _SCREEN >= boxes[None, :, 0])
        & (segs[:, None, 0] - _SCREEN <= boxes[None, :, 1])
        & (segs[:, None, 3] + _SCREEN >= boxes[None, :, 2])
        & (segs[:, None, 2] - _SCREEN <= boxes[None, :, 3])
    )
    return np.argwhere(meet)


class _Placed:
    """The shapes and links of the layers placed so far, with their bounding boxes as arrays.

    Segments are screened against shapes by their bounding boxes in bulk and only the pairs
    that pass are tested exactly (:func:`~sem_csat.diagram.geometry.segment_hits_shape`), so
    the answers are those of testing every pair, at a cost that grows with the pairs that
    are close rather than with all pairs (a chain of hundreds of constructs).
    """

    def __init__(self, pad: float) -> None:
        self.pad = pad
        self.real: list[tuple[str, Shape]] = []  # construct and indicator shapes
        self.real_boxes = np.empty((0, 4))
        self.links: list[_Link] = []
        self.link_boxes = np.empty((0, 4))
        self.every_shape = np.empty((0, 6))  # left, right, bottom, top, x, width (dummies too)

    def add(self, shapes: Sequence[tuple[str, Shape]], links: Sequence[_Link]) -> None:
        real = [(nid, sh) for nid, sh in shapes if not is_dummy(nid)]
        self.real += real
        self.real_boxes = np.vstack([self.real_boxes, _grown_boxes([s for _, s in real], self.pad)])
        self.links += links
        self.link_boxes = np.vstack(
            [self.link_boxes, _segment_boxes([(p, q) for _, _, p, q in links])]
        )
        rows = [
            (
                s.x - s.width / 2,
                s.x + s.width / 2,
                s.y - s.height / 2,
                s.y + s.height / 2,
                s.x,
                s.width,
            )
            for _, s in shapes
        ]
        self.every_shape = np.vstack([self.every_shape, np.array(rows).reshape(-1, 6)])

    def clear_of(
        self, links: Sequence[_Link], fresh: Sequence[tuple[str, Shape]], *, both: bool = True
    ) -> bool:
        """Whether no segment of ``links`` enters a placed or a ``fresh`` shape and, with
        ``both``, no placed link enters a ``fresh`` shape (a link never counts against its
        own two ends)."""
        pad = self.pad
        segs = _segment_boxes([(p, q) for _, _, p, q in links])
        fresh_boxes = _grown_boxes([s for _, s in fresh], pad)
        for shapes, boxes in ((self.real, self.real_boxes), (fresh, fresh_boxes)):
            for i, j in _near(segs, boxes):
                a, b, p, q = links[i]
                nid, sh = shapes[j]
                if nid not in (a, b) and segment_hits_shape(p, q, sh, pad):
                    return False
        if not both:
            return True
        for i, j in _near(self.link_boxes, fresh_boxes):
            a, b, p, q = self.links[i]
            nid, sh = fresh[j]
            if nid not in (a, b) and segment_hits_shape(p, q, sh, pad):
                return False
        return True

    def start(self, shapes: Sequence[Shape], lo: float, hgap: float) -> float:
        """The smallest x, at least ``lo``, at which ``shapes`` (placed at x = 0) keep ``hgap``
        from every placed shape whose height range comes within ``hgap`` of theirs."""
        e = self.every_shape
        for sv in shapes:
            a = sv.bbox
            rows = e[(a.bottom < e[:, 3] + hgap) & (e[:, 2] < a.top + hgap)]
            if len(rows):
                need = rows[:, 4] + rows[:, 5] / 2 + hgap - (sv.x - sv.width / 2)
                lo = max(lo, float(need.max()))
        return lo


def place_layers(
    graph: LayeredGraph,
    foot: dict[str, Footprint],
    y: dict[str, float],
    edge_labels: Mapping[tuple[str, str], str],
    m: Metrics,
    lane: float,
) -> tuple[dict[str, float], dict[str, list[tuple[str, Shape]]], dict[str, tuple[float, float]]]:
    """Give each layer the smallest x that keeps shapes apart and edges out of nodes.

    A long path crosses each layer it skips straight, along the whole *band* of that layer
    (the flow extent of its constructs with their indicators), and bends only between
    layers; so it passes beside indicator boxes instead of cutting diagonally past them.

    Returns
    -------
    x, shapes, through
        The x of every vertex, the shapes of every construct footprint, and for every dummy
        vertex the x where its path enters and leaves the layer.
    """
    fs, spacing = m.fs, m.spacing
    hgap, min_len, pad = 1.0 * fs * spacing, 2.2 * fs * spacing, 0.35 * fs
    x: dict[str, float] = {}
    lx: list[float] = []  # x of each placed layer
    shapes: dict[str, list[tuple[str, Shape]]] = {}
    edge_rank = {e: k for k, e in enumerate(graph.edges)}
    band = [
        (
            max((foot[v].extent()[0] for v in order if v in foot), default=0.0),
            max((foot[v].extent()[1] for v in order if v in foot), default=0.0),
        )
        for order in graph.order
    ]

    def enter(i: int, xi: float) -> float:
        return max(xi - band[i][0], (lx[i - 1] + xi) / 2) if m.band else xi

    def leave(i: int, xi: float, x_next: float) -> float:
        return min(xi + band[i][1], (xi + x_next) / 2) if m.band else xi

    def place(v: str, xv: float) -> list[tuple[str, Shape]]:
        if v not in foot:
            return [(v, Shape("box", xv, y[v], 0.0, lane))]
        f = foot[v]
        out = [(v, Shape("ellipse", xv, y[v], f.w, f.h))]
        for name, dx, dy, bw, bh in f.boxes:
            out.append((indicator_id(v, name), Shape("box", xv + dx, y[v] + dy, bw, bh)))
        return out

    placed = _Placed(pad)

    def clear(p: Point, q: Point, fresh: list[tuple[str, Shape]]) -> bool:
        return placed.clear_of([("", "", p, q)], fresh, both=False)

    incoming: dict[str, list[tuple[str, str]]] = {}
    for u, v in graph.edges:
        incoming.setdefault(v, []).append((u, v))
    entries: dict[str, float] = {}
    exits: dict[str, float] = {}
    for i, order in enumerate(graph.order):
        lo = 0.0
        if i > 0:
            lo = lx[i - 1] + min_len
            lo = placed.start([sv for v in order for _, sv in place(v, 0.0)], lo, hgap)
        new_edges = [e for v in order for e in incoming.get(v, ())]
        new_edges.sort(key=edge_rank.__getitem__)
        before = [u for u in graph.order[i - 1] if is_dummy(u)] if i > 0 else []
        for _ in range(400):
            new_shapes = {v: place(v, lo) for v in order}
            fresh = [s for lst in new_shapes.values() for s in lst if not is_dummy(s[0])]
            # where long paths enter this layer and leave the previous one: along the band
            # where that is free, else at the dummy itself
            ins, outs = {}, {}
            for v in order:
                if is_dummy(v):
                    e = enter(i, lo)
                    ins[v] = e if clear((e, y[v]), (lo, y[v]), fresh) else lo
            for u in before:
                e = leave(i - 1, lx[i - 1], lo)
                outs[u] = e if clear((lx[i - 1], y[u]), (e, y[u]), fresh) else lx[i - 1]
            new_links: list[_Link] = []
            for u, v in new_edges:
                new_links.append((u, v, (outs.get(u, x.get(u, 0.0)), y[u]), (ins.get(v, lo), y[v])))
            for v, e in ins.items():
                new_links.append((v, v, (e, y[v]), (lo, y[v])))
            for u, e in outs.items():
                new_links.append((u, u, (lx[i - 1], y[u]), (e, y[u])))
            for v in order:
                for nid, sh in new_shapes[v][1:]:
                    new_links.append((v, nid, (lo, y[v]), (sh.x, sh.y)))
            ok = placed.clear_of(new_links, fresh)
            for u, v in new_edges if ok else ():
                if u in foot and v in foot:
                    su, sv = shapes[u][0][1], new_shapes[v][0][1]
                    text = edge_labels.get((u, v), "")
                    # room for the label, clear of the arrowhead, or simply a short arrow
                    need = (
                        m.reach * m.label(text)[0]
                        + (HEAD_LENGTH_EM + (1.2 if m.tb else 0.6) * spacing) * fs
                        if text
                        else min_len
                    )
                    if (
                        math.dist(border_point(su, (lo, y[v])), border_point(sv, (x[u], y[u])))
                        < need
                    ):
                        ok = False
            if ok:
                break
            lo += 0.5 * fs
        x.update(dict.fromkeys(order, lo))
        lx.append(lo)
        entries.update(ins)
        exits.update(outs)
        shapes.update(new_shapes)
        placed.add([s for lst in new_shapes.values() for s in lst], new_links)
    through = {v: (entries[v], exits[v]) for v in entries}
    return x, {v: lst for v, lst in shapes.items() if v in foot}, through
