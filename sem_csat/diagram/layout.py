"""Layered layout of a path diagram, computed without matplotlib.

:func:`compute_layout` turns a :class:`~sem_csat.spec.model.ModelSpec` into frozen
:class:`Layout` data (node outlines, edge polylines, label boxes) in typographic points, which
the matplotlib renderer and the TikZ writer both draw from, and which tests can check.

Notes
-----
The layout follows the Sugiyama framework (Sugiyama, Tagawa & Toda 1981) as refined by Gansner
et al. (1993):

1. **Layering** by longest path (:mod:`sem_csat.diagram.ordering`): exogenous constructs in
   the leftmost layer, every construct one layer after its latest predecessor, outcomes right.
   Long paths get one dummy vertex per skipped layer.
2. **Crossing reduction** by barycenter sweeps and exhaustive search in small layers.
3. **Node sizes** from the text (wrapped label and an optional second line such as
   ``R² = .68``; CJK characters count double width).  With ``indicators=True`` each construct
   carries its indicator boxes: a column on the left of first-layer constructs, on the right of
   last-layer ones, and a row above (top construct of a layer) or below the others.  The
   construct and its boxes form one *footprint* that later steps keep free.
4. **Vertical coordinates**: each layer is stacked with minimum gaps, then vertices are pulled
   repeatedly toward the mean height of their neighbours, solving the gap constraints exactly
   by isotonic regression (pool-adjacent-violators), which straightens long paths.
5. **Horizontal coordinates**: layers are placed left to right, each as close to the previous
   ones as footprints allow, then moved further right until no edge segment passes through a
   node other than its two ends.  Footprints at different heights may thus interleave.
6. **Edges** become polylines through their dummies, clipped at the node outlines; labels
   are placed by :func:`sem_csat.diagram.labels.place_labels`.  If a label finds no free
   place, the whole layout is recomputed with more generous spacing.

References
----------
Sugiyama, K., Tagawa, S. & Toda, M. (1981). Methods for visual understanding of hierarchical
system structures. *IEEE Transactions on Systems, Man, and Cybernetics*, 11(2), 109-125.

Gansner, E. R., Koutsofios, E., North, S. C. & Vo, K.-P. (1993). A technique for drawing
directed graphs. *IEEE Transactions on Software Engineering*, 19(3), 214-230.

Examples
--------
>>> import sem_csat
>>> lay = compute_layout(sem_csat.load_spec("ecsi"))
>>> lay.layers[0], lay.layers[-1]
(('Image',), ('Loyalty',))
>>> lay.node("Image").x < lay.node("Loyalty").x
True
"""

from __future__ import annotations

import itertools
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sem_csat.diagram.geometry import (
    Point,
    Rect,
    Shape,
    border_point,
    head_box,
    rounded_corners,
    segment_hits_shape,
    segments_cross,
    text_width,
)
from sem_csat.diagram.labels import LabelRequest, count_problems, place_labels
from sem_csat.diagram.ordering import LayeredGraph, is_dummy, longest_path_layers
from sem_csat.errors import UsageError

if TYPE_CHECKING:
    from sem_csat.spec.model import ModelSpec

__all__ = [
    "CORNER_EM",
    "HEAD_LENGTH_EM",
    "HEAD_WIDTH_EM",
    "ORIENTATIONS",
    "Edge",
    "Layout",
    "Node",
    "compute_layout",
    "edge_crossings",
    "indicator_id",
    "layout_within",
]

Side = Literal["left", "right", "above", "below"]
Orientation = Literal["LR", "TB"]
#: Flow directions: left to right (the convention) or top to bottom (for narrow columns).
ORIENTATIONS: tuple[Orientation, ...] = ("LR", "TB")
_LINE = 1.22  # line height in em
_INDICATOR_SCALE = 0.85  # default indicator and edge-label text relative to construct text
_MAX_ATTEMPTS = 5
#: Radius of the rounded bends of long paths, in em of the construct text.
CORNER_EM = 2.0
#: Length and half width of arrowheads, in em of the construct text.
HEAD_LENGTH_EM = 0.6
HEAD_WIDTH_EM = 0.28


def indicator_id(construct: str, indicator: str) -> str:
    """Node id of an indicator box (construct and indicator names may coincide)."""
    return f"{construct}/{indicator}"


@dataclass(frozen=True)
class Node:
    """A construct (ellipse) or an indicator (box) with its text lines."""

    id: str
    name: str
    kind: Literal["construct", "indicator"]
    shape: Shape
    lines: tuple[str, ...]
    font_size: float
    layer: int
    construct: str

    @property
    def x(self) -> float:
        """Centre x."""
        return self.shape.x

    @property
    def y(self) -> float:
        """Centre y."""
        return self.shape.y


@dataclass(frozen=True)
class Edge:
    """A drawn arrow from node ``source`` to node ``target`` (ids) along ``points``."""

    source: str
    target: str
    kind: Literal["path", "indicator"]
    points: tuple[Point, ...]
    label: str | None = None
    label_box: Rect | None = None
    label_size: float = 0.0

    @property
    def segments(self) -> list[tuple[Point, Point]]:
        """Consecutive point pairs of the polyline."""
        return list(zip(self.points[:-1], self.points[1:], strict=True))


@dataclass(frozen=True)
class Layout:
    """Geometry of a path diagram in points (y up); draw it with any backend."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    layers: tuple[tuple[str, ...], ...]
    font_size: float
    crossings: int
    bounds: Rect
    orientation: Orientation = "LR"

    def flow(self, id: str) -> float:
        """Position of node ``id`` along the flow: x (left to right) or -y (top to bottom)."""
        n = self.node(id)
        return n.x if self.orientation == "LR" else -n.y

    def node(self, id: str) -> Node:
        """The node with id ``id`` (a construct name or :func:`indicator_id`)."""
        for n in self.nodes:
            if n.id == id:
                return n
        raise UsageError(f"The layout has no node '{id}'.")

    def edge(self, source: str, target: str) -> Edge:
        """The edge between the nodes with ids ``source`` and ``target``."""
        for e in self.edges:
            if (e.source, e.target) == (source, target):
                return e
        raise UsageError(f"The layout has no edge {source} -> {target}.")

    def edge_path(self, edge: Edge) -> tuple[list[Point], list[int]]:
        """How ``edge`` is drawn: its polyline with the bends of long paths rounded off.

        See :func:`~sem_csat.diagram.geometry.rounded_corners`; the radius is
        :data:`CORNER_EM` times the construct text size.
        """
        return rounded_corners(edge.points, CORNER_EM * self.font_size)

    def heads(self) -> list[Rect]:
        """Bounding boxes of the arrowheads of all edges (see :data:`HEAD_LENGTH_EM`)."""
        return _heads([e.points for e in self.edges], self.font_size)

    def label_problems(self) -> int:
        """Number of collisions of label boxes with nodes, arrowheads, other labels and edges."""
        return count_problems(
            [n.shape for n in self.nodes],
            [e.points for e in self.edges],
            [e.label_box for e in self.edges],
            self.heads(),
        )


def _heads(polylines: Sequence[Sequence[Point]], fs: float) -> list[Rect]:
    return [head_box(pts, HEAD_LENGTH_EM * fs, HEAD_WIDTH_EM * fs) for pts in polylines]


def edge_crossings(layout: Layout) -> int:
    """Number of crossings between segments of different edges in a drawn layout."""
    segs = [(k, p, q) for k, e in enumerate(layout.edges) for p, q in e.segments]
    return sum(
        1
        for i, (k1, p1, q1) in enumerate(segs)
        for k2, p2, q2 in segs[i + 1 :]
        if k1 != k2 and segments_cross(p1, q1, p2, q2)
    )


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width) or [text]


def _ellipse_size(lines: Sequence[str], fs: float, k: float = 1.18) -> tuple[float, float]:
    """Width and height of the ellipse around ``lines``: the text rectangle stretched ``k``
    times horizontally, and as much as needed vertically to enclose it."""
    w = max(text_width(s, fs) for s in lines) + 0.6 * fs
    h = len(lines) * _LINE * fs + 0.2 * fs
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
class _Foot:
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
class _Metrics:
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

    def dims(self, w: float, h: float) -> tuple[float, float]:
        """Internal (flow, cross) extents of a box ``w`` wide and ``h`` high on the page."""
        return (h, w) if self.tb else (w, h)

    def label(self, text: str) -> tuple[float, float]:
        """Internal extents of an edge label's box (text plus a thin white margin)."""
        if not text:
            return (0.0, 0.0)
        return self.dims(text_width(text, self.ds) + 0.5 * self.ds, 1.35 * self.ds)


def _footprint(
    w: float,
    h: float,
    names: Sequence[str],
    side: Side | None,
    m: _Metrics,
    label_text: str,
) -> _Foot:
    """The construct (internal extents ``w`` x ``h``) with its indicator boxes on ``side``.

    ``label_text`` is the widest label on the indicator arrows (``""`` without labels); the
    arrows are made long enough to carry it.
    """
    if side is None:
        return _Foot(w, h, [])
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
            return _Foot(w, h, boxes)
        gap += 0.5 * fs
    return _Foot(w, h, boxes)  # pragma: no cover - gaps always end up large enough


def _side(name: str, graph: LayeredGraph, i: int, y: dict[str, float]) -> Side:
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


def _vertical(
    graph: LayeredGraph, foot: dict[str, _Foot], lane: float, unit: float, stagger: float = 0.0
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


def _place_layers(
    graph: LayeredGraph,
    foot: dict[str, _Foot],
    y: dict[str, float],
    edge_labels: Mapping[tuple[str, str], str],
    m: _Metrics,
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
    links: list[_Link] = []
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

    def real(lst: list[tuple[str, Shape]]) -> list[tuple[str, Shape]]:
        return [(nid, sh) for nid, sh in lst if not is_dummy(nid)]

    def clear(p: Point, q: Point, obstacles: list[tuple[str, Shape]]) -> bool:
        return not any(segment_hits_shape(p, q, sh, pad) for _, sh in obstacles)

    entries: dict[str, float] = {}
    exits: dict[str, float] = {}
    for i, order in enumerate(graph.order):
        lo = 0.0
        if i > 0:
            lo = lx[i - 1] + min_len
            placed = [sh for lst in shapes.values() for _, sh in lst]
            for v in order:
                for _, sv in place(v, 0.0):
                    for su in placed:
                        a, b = sv.bbox, su.bbox
                        if a.bottom < b.top + hgap and b.bottom < a.top + hgap:
                            lo = max(lo, su.x + su.width / 2 + hgap - (sv.x - sv.width / 2))
        new_edges = [(u, v) for u, v in graph.edges if v in order]
        before = [u for u in graph.order[i - 1] if is_dummy(u)] if i > 0 else []
        for _ in range(400):
            new_shapes = {v: place(v, lo) for v in order}
            every = real([s for lst in (*shapes.values(), *new_shapes.values()) for s in lst])
            fresh = real([s for lst in new_shapes.values() for s in lst])
            # where long paths enter this layer and leave the previous one: along the band
            # where that is free, else at the dummy itself
            ins, outs = {}, {}
            for v in order:
                if is_dummy(v):
                    e = enter(i, lo)
                    ins[v] = e if clear((e, y[v]), (lo, y[v]), every) else lo
            for u in before:
                e = leave(i - 1, lx[i - 1], lo)
                outs[u] = e if clear((lx[i - 1], y[u]), (e, y[u]), every) else lx[i - 1]
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
            ok = all(
                not segment_hits_shape(p, q, sh, pad)
                for a, b, p, q in new_links
                for nid, sh in every
                if nid not in (a, b)
            ) and all(
                not segment_hits_shape(p, q, sh, pad)
                for a, b, p, q in links
                for nid, sh in fresh
                if nid not in (a, b)
            )
            for u, v in new_edges if ok else ():
                if u in foot and v in foot:
                    su, sv = shapes[u][0][1], new_shapes[v][0][1]
                    text = edge_labels.get((u, v), "")
                    # room for the label, clear of the arrowhead, or simply a short arrow
                    need = (
                        m.label(text)[0] + (HEAD_LENGTH_EM + (1.2 if m.tb else 0.6) * spacing) * fs
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
        links.extend(new_links)
    through = {v: (entries[v], exits[v]) for v in entries}
    return x, {v: lst for v, lst in shapes.items() if v in foot}, through


def compute_layout(
    spec: ModelSpec,
    *,
    indicators: bool = False,
    node_text: Mapping[str, Sequence[str]] | None = None,
    edge_labels: Mapping[tuple[str, str], str] | None = None,
    font_size: float = 8.0,
    detail_size: float | None = None,
    wrap: int = 14,
    spacing: float = 1.0,
    orientation: Orientation = "LR",
    zigzag: bool = False,
) -> Layout:
    """Lay out the path diagram of ``spec`` (see the module notes for the algorithm).

    Parameters
    ----------
    spec
        The model.
    indicators
        Also place one box per indicator, with its arrow (reflective: construct to indicator;
        formative: indicator to construct).
    node_text
        Text lines inside each construct's ellipse, by construct name.  Default: the display
        label (:attr:`Construct.display`) wrapped at ``wrap`` characters.
    edge_labels
        Label text by ``(source, target)`` construct names for paths and by
        ``(construct, indicator)`` names for indicator arrows.
    font_size
        Size in points of the construct text; all distances scale with it.
    detail_size
        Size in points of indicator names and edge labels; default ``0.85 * font_size``.
    wrap
        Maximum line length when wrapping default labels.
    spacing
        Factor on every gap between nodes (1 = the default; smaller is tighter).  Where a
        label finds no free place, the layout is recomputed with up to 1.35⁴ times the gaps.
    orientation
        ``"LR"``: paths run left to right (exogenous constructs on the left); ``"TB"``: top to
        bottom, which suits narrow columns.
    zigzag
        Put the constructs of consecutive layers on alternate sides of the flow, so that the
        layers can overlap: chains of paths then take less room along the flow.  Where the
        labels find no free place in the zigzag, the straight layout is used.

    Returns
    -------
    Layout
        Frozen geometry in points; identical inputs give identical layouts.

    Raises
    ------
    UsageError
        If a size, ``wrap`` or ``spacing`` is not positive, or the orientation is unknown.
    """
    m = _metrics(font_size, detail_size, wrap, spacing, orientation, zigzag)
    return _best_spacing(spec, indicators, node_text, edge_labels or {}, m, wrap, math.inf)


def layout_within(
    spec: ModelSpec,
    max_width: float,
    max_height: float = math.inf,
    *,
    indicators: bool = False,
    node_text: Mapping[str, Sequence[str]] | None = None,
    edge_labels: Mapping[tuple[str, str], str] | None = None,
    font_size: float = 8.0,
    detail_size: float | None = None,
    wrap: int = 14,
    spacing: float = 1.0,
    orientation: Orientation = "LR",
    zigzag: bool = False,
) -> Layout | None:
    """:func:`compute_layout`, or ``None`` when the layout is wider than ``max_width`` or
    higher than ``max_height`` points.

    Cheaper than computing the layout and measuring it: a layout whose nodes alone are too
    large is not labelled, and wider spacings are not tried once the narrowest attempt is too
    wide.
    """
    m = _metrics(font_size, detail_size, wrap, spacing, orientation, zigzag)
    labels = edge_labels or {}
    bare = _layout(spec, indicators, node_text, labels, m, wrap, place=False)
    if bare.bounds.width > max_width or bare.bounds.height > max_height:
        return None
    lay = _best_spacing(spec, indicators, node_text, labels, m, wrap, max_width)
    return lay if lay.bounds.width <= max_width and lay.bounds.height <= max_height else None


def _metrics(
    font_size: float,
    detail_size: float | None,
    wrap: int,
    spacing: float,
    orientation: str,
    zigzag: bool,
) -> _Metrics:
    ds = _INDICATOR_SCALE * font_size if detail_size is None else detail_size
    if not (font_size > 0 and ds > 0 and spacing > 0) or wrap < 1:
        raise UsageError(
            f"font_size, detail_size, spacing and wrap must be positive, got "
            f"font_size={font_size!r}, detail_size={detail_size!r}, spacing={spacing!r}, "
            f"wrap={wrap!r}."
        )
    if orientation not in ORIENTATIONS:
        raise UsageError(f"orientation must be 'LR' or 'TB', got {orientation!r}.")
    return _Metrics(font_size, ds, spacing, orientation == "TB", zigzag=zigzag)


def _best_spacing(
    spec: ModelSpec,
    indicators: bool,
    node_text: Mapping[str, Sequence[str]] | None,
    edge_labels: Mapping[tuple[str, str], str],
    m: _Metrics,
    wrap: int,
    limit: float,
) -> Layout:
    """The first layout, with growing gaps, whose labels all find a free place and whose
    drawn edges cross no more often than the layer ordering says; else the best one."""
    best: tuple[tuple[int, int], Layout] | None = None
    # a zigzag that leaves labels without a place gives way to the straight layout
    for zigzag in (True, False) if m.zigzag else (False,):
        for k in range(_MAX_ATTEMPTS):
            narrowest = math.inf
            # long paths straight through the layers they skip, else bending at their middle
            for band in (True,) if m.tb else (True, False):
                attempt = _Metrics(m.fs, m.ds, m.spacing * 1.35**k, m.tb, band, zigzag)
                lay = _layout(spec, indicators, node_text, edge_labels, attempt, wrap)
                problems = lay.label_problems() if edge_labels else 0
                score = (problems, max(0, edge_crossings(lay) - lay.crossings))
                if best is None or score < best[0]:
                    best = (score, lay)
                if best[0] == (0, 0):
                    return lay
                narrowest = min(narrowest, lay.bounds.width)
            if narrowest > limit:  # wider gaps only make it wider
                break
    return best[1]  # type: ignore[index]


def _layout(
    spec: ModelSpec,
    indicators: bool,
    node_text: Mapping[str, Sequence[str]] | None,
    edge_labels: Mapping[tuple[str, str], str],
    m: _Metrics,
    wrap: int,
    place: bool = True,
) -> Layout:
    """One layout attempt; ``place=False`` leaves the edge labels unplaced (to measure)."""
    fs = m.fs
    names = list(spec.topological_order)
    pairs = [(p.source, p.target) for p in spec.paths]
    layer = longest_path_layers(names, pairs)
    graph = LayeredGraph.build(names, pairs, layer)
    crossings = graph.reduce_crossings()

    # --- sizes, then heights; with indicators, sides from the first pass and a second pass
    text: dict[str, tuple[str, ...]] = {}
    foot: dict[str, _Foot] = {}
    for c in spec.constructs:
        lines = tuple(node_text[c.name]) if node_text and c.name in node_text else None
        text[c.name] = lines or tuple(_wrap(c.display, wrap))
        # flatter ellipses when stacked downwards: height is what a narrow column lacks
        size = _ellipse_size(text[c.name], fs, 1.4 if m.tb else 1.18)
        foot[c.name] = _Foot(*m.dims(*size), [])
    lane = 1.1 * fs * m.spacing
    stagger = max(f.h for f in foot.values()) + 1.6 * fs * m.spacing if m.zigzag else 0.0
    y = _vertical(graph, foot, lane, fs * m.spacing, stagger)
    if indicators:
        for c in spec.constructs:
            side = _side(c.name, graph, layer[c.name], y)
            f = foot[c.name]
            widest = max(
                (edge_labels.get((c.name, i), "") for i in c.indicator_names),
                key=lambda t: text_width(t, 1.0),
            )
            foot[c.name] = _footprint(f.w, f.h, c.indicator_names, side, m, widest)
        y = _vertical(graph, foot, lane, fs * m.spacing, stagger)

    # --- horizontal coordinates, layer by layer
    x, shapes, through = _place_layers(graph, foot, y, edge_labels, m, lane)

    # --- nodes
    nodes: list[Node] = []
    for c in spec.constructs:
        for nid, s in shapes[c.name]:
            if nid == c.name:
                nodes.append(
                    Node(nid, c.name, "construct", s, text[c.name], fs, layer[c.name], c.name)
                )
            else:
                name = nid.split("/", 1)[1]
                nodes.append(Node(nid, name, "indicator", s, (name,), m.ds, layer[c.name], c.name))
    by_id = {n.id: n for n in nodes}

    # --- edges
    raw: list[tuple[str, str, Literal["path", "indicator"], tuple[Point, ...], str | None]] = []
    for src, tgt in pairs:
        pts: list[Point] = []
        for v in graph.chains[(src, tgt)]:
            for px in through.get(v, (x[v],)):
                if not pts or pts[-1] != (px, y[v]):
                    pts.append((px, y[v]))
        pts[0] = border_point(by_id[src].shape, pts[1])
        pts[-1] = border_point(by_id[tgt].shape, pts[-2])
        raw.append((src, tgt, "path", tuple(pts), edge_labels.get((src, tgt))))
    if indicators:
        for c in spec.constructs:
            for ind in c.indicator_names:
                iid = indicator_id(c.name, ind)
                cs, bs = by_id[c.name].shape, by_id[iid].shape
                a, b = border_point(cs, (bs.x, bs.y)), border_point(bs, (cs.x, cs.y))
                label = edge_labels.get((c.name, ind))
                if c.mode == "formative":
                    raw.append((iid, c.name, "indicator", (b, a), label))
                else:
                    raw.append((c.name, iid, "indicator", (a, b), label))
    requests = [
        LabelRequest(pts, *m.label(lab), kind == "path") if lab else None
        for _, _, kind, pts, lab in raw
    ]
    heads = _heads([pts for _, _, _, pts, _ in raw], fs)
    boxes: list[Rect | None] = [None] * len(requests)
    if place:
        boxes = place_labels([n.shape for n in nodes], requests, pad=0.15 * fs, heads=heads)
    edges = tuple(
        Edge(s, t, kind, pts, lab, box, m.ds if lab else 0.0)
        for (s, t, kind, pts, lab), box in zip(raw, boxes, strict=True)
    )
    return _normalised(nodes, edges, graph, m, crossings)


def _normalised(
    nodes: list[Node], edges: tuple[Edge, ...], graph: LayeredGraph, m: _Metrics, crossings: int
) -> Layout:
    """Reflect a top-to-bottom layout into place and move the drawing to the origin.

    The internal frame runs the flow along x; for ``TB`` the page coordinates are
    ``(-y, -x)`` (a reflection, so distances, crossings and clearances are kept).
    """

    def page(p: Point) -> Point:
        return (-p[1], -p[0]) if m.tb else p

    def page_rect(r: Rect) -> Rect:
        x, y = page((r.x, r.y))
        w, h = m.dims(r.width, r.height)
        return Rect(x, y, w, h)

    rects = [page_rect(n.shape.bbox) for n in nodes]
    rects += [page_rect(e.label_box) for e in edges if e.label_box]
    rects += [Rect(*page(p), 0.0, 0.0) for e in edges for p in e.points]
    left = min(r.left for r in rects)
    bottom = min(r.bottom for r in rects)
    right = max(r.right for r in rects)
    top = max(r.top for r in rects)

    def mv(p: Point) -> Point:
        x, y = page(p)
        return (x - left, y - bottom)

    def mv_rect(r: Rect) -> Rect:
        q = page_rect(r)
        return Rect(q.x - left, q.y - bottom, q.width, q.height)

    moved_nodes = tuple(
        Node(
            n.id,
            n.name,
            n.kind,
            _shape(n.shape.kind, mv_rect(n.shape.bbox)),
            n.lines,
            n.font_size,
            n.layer,
            n.construct,
        )
        for n in nodes
    )
    moved_edges = tuple(
        Edge(
            e.source,
            e.target,
            e.kind,
            tuple(mv(p) for p in e.points),
            e.label,
            mv_rect(e.label_box) if e.label_box else None,
            e.label_size,
        )
        for e in edges
    )
    layers = tuple(tuple(v for v in order if not is_dummy(v)) for order in graph.order)
    bounds = Rect((right - left) / 2, (top - bottom) / 2, right - left, top - bottom)
    orientation: Orientation = "TB" if m.tb else "LR"
    return Layout(moved_nodes, moved_edges, layers, m.fs, crossings, bounds, orientation)


def _shape(kind: Literal["ellipse", "box"], r: Rect) -> Shape:
    return Shape(kind, r.x, r.y, r.width, r.height)
