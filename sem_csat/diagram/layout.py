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
    segment_hits_rect,
    segment_hits_shape,
    segments_cross,
    text_width,
)
from sem_csat.diagram.labels import LabelRequest, label_conflicts, place_labels
from sem_csat.diagram.ordering import LayeredGraph, is_dummy, longest_path_layers
from sem_csat.errors import UsageError

if TYPE_CHECKING:
    from sem_csat.spec.model import ModelSpec

__all__ = ["Edge", "Layout", "Node", "compute_layout", "edge_crossings", "indicator_id"]

Side = Literal["left", "right", "above", "below"]
_LINE = 1.22  # line height in em
_INDICATOR_SCALE = 0.85  # indicator and edge-label text relative to construct text
_MAX_ATTEMPTS = 5


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

    def label_problems(self) -> int:
        """Number of collisions of label boxes with nodes, other labels and other edges."""
        shapes = [n.shape for n in self.nodes]
        polys = [e.points for e in self.edges]
        total = 0
        placed: list[Rect] = []
        for k, e in enumerate(self.edges):
            if e.label_box is None:
                continue
            on_line = any(segment_hits_rect(p, q, e.label_box) for p, q in e.segments)
            total += label_conflicts(e.label_box, k, on_line, shapes, polys, placed, 0.0)
            placed.append(e.label_box)
        return total


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


def _ellipse_size(lines: Sequence[str], fs: float) -> tuple[float, float]:
    w = max(text_width(s, fs) for s in lines) + 0.6 * fs
    h = len(lines) * _LINE * fs + 0.2 * fs
    k = 1.18  # horizontal stretch of the ellipse around the text rectangle
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


def _footprint(
    w: float, h: float, names: Sequence[str], side: Side | None, fs: float, spacing: float
) -> _Foot:
    if side is None:
        return _Foot(w, h, [])
    ifs = _INDICATOR_SCALE * fs
    bw = max(text_width(n, ifs) for n in names) + 1.0 * ifs
    bh = 1.7 * ifs
    n = len(names)
    centre = Shape("ellipse", 0.0, 0.0, w, h)
    gap = (4.2 if side in ("left", "right") else 2.6) * fs * spacing
    for _ in range(200):
        boxes = []
        for k, name in enumerate(names):
            if side in ("left", "right"):
                step = bh + 0.7 * fs
                dy = ((n - 1) / 2 - k) * step
                dx = w / 2 + gap + bw / 2
                boxes.append((name, -dx if side == "left" else dx, dy, bw, bh))
            else:
                step = bw + 0.5 * fs
                dx = (k - (n - 1) / 2) * step
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
    graph: LayeredGraph, foot: dict[str, _Foot], lane: float, unit: float
) -> dict[str, float]:
    """Heights of all vertices: stacked layers, relaxed toward the mean of their neighbours."""
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
    return {v: -dv for v, dv in d.items()}


_Link = tuple[str, str, Point, Point]  # endpoint ids (ignored in tests) and the segment


def _place_layers(
    graph: LayeredGraph,
    foot: dict[str, _Foot],
    y: dict[str, float],
    edge_labels: Mapping[tuple[str, str], str],
    fs: float,
    spacing: float,
    lane: float,
) -> tuple[dict[str, float], dict[str, list[tuple[str, Shape]]]]:
    """Give each layer the smallest x that keeps shapes apart and edges out of nodes."""
    hgap, min_len, pad = 1.0 * fs * spacing, 2.2 * fs * spacing, 0.35 * fs
    x: dict[str, float] = {}
    shapes: dict[str, list[tuple[str, Shape]]] = {}
    links: list[_Link] = []

    def place(v: str, xv: float) -> list[tuple[str, Shape]]:
        if v not in foot:
            return [(v, Shape("box", xv, y[v], 0.0, lane))]
        f = foot[v]
        out = [(v, Shape("ellipse", xv, y[v], f.w, f.h))]
        for name, dx, dy, bw, bh in f.boxes:
            out.append((indicator_id(v, name), Shape("box", xv + dx, y[v] + dy, bw, bh)))
        return out

    def real(lst: list[tuple[str, Shape]]) -> list[tuple[str, Shape]]:
        return [(nid, sh) for nid, sh in lst if sh.width > 0]

    for i, order in enumerate(graph.order):
        lo = 0.0
        if i > 0:
            lo = max(x[u] for u in graph.order[i - 1]) + min_len
            placed = [sh for lst in shapes.values() for _, sh in lst]
            for v in order:
                for _, sv in place(v, 0.0):
                    for su in placed:
                        a, b = sv.bbox, su.bbox
                        if a.bottom < b.top + hgap and b.bottom < a.top + hgap:
                            lo = max(lo, su.x + su.width / 2 + hgap - (sv.x - sv.width / 2))
        new_edges = [(u, v) for u, v in graph.edges if v in order]
        for _ in range(400):
            new_shapes = {v: place(v, lo) for v in order}
            pos = {**x, **dict.fromkeys(order, lo)}
            new_links: list[_Link] = [(u, v, (pos[u], y[u]), (pos[v], y[v])) for u, v in new_edges]
            for v in order:
                for nid, sh in new_shapes[v][1:]:
                    new_links.append((v, nid, (lo, y[v]), (sh.x, sh.y)))
            every = real([s for lst in (*shapes.values(), *new_shapes.values()) for s in lst])
            fresh = real([s for lst in new_shapes.values() for s in lst])
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
                    need = min_len + text_width(edge_labels.get((u, v), ""), fs * 0.85)
                    if (
                        math.dist(border_point(su, (lo, y[v])), border_point(sv, (x[u], y[u])))
                        < need
                    ):
                        ok = False
            if ok:
                break
            lo += 0.5 * fs
        x.update(dict.fromkeys(order, lo))
        shapes.update(new_shapes)
        links.extend(new_links)
    return x, {v: lst for v, lst in shapes.items() if v in foot}


def compute_layout(
    spec: ModelSpec,
    *,
    indicators: bool = False,
    node_text: Mapping[str, Sequence[str]] | None = None,
    edge_labels: Mapping[tuple[str, str], str] | None = None,
    font_size: float = 8.0,
    wrap: int = 14,
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
    wrap
        Maximum line length when wrapping default labels.
    Returns
    -------
    Layout
        Frozen geometry in points; identical inputs give identical layouts.

    Raises
    ------
    UsageError
        If ``font_size`` or ``wrap`` is not positive.
    """
    if not font_size > 0 or wrap < 1:
        raise UsageError(
            f"font_size and wrap must be positive, got font_size={font_size!r}, wrap={wrap!r}."
        )
    return _best_spacing(spec, indicators, node_text, edge_labels or {}, font_size, wrap)


def _best_spacing(
    spec: ModelSpec,
    indicators: bool,
    node_text: Mapping[str, Sequence[str]] | None,
    edge_labels: Mapping[tuple[str, str], str],
    fs: float,
    wrap: int,
) -> Layout:
    best: tuple[int, Layout] | None = None
    spacing = 1.0
    for _ in range(_MAX_ATTEMPTS):
        lay = _layout(spec, indicators, node_text, edge_labels, fs, wrap, spacing)
        problems = lay.label_problems() if edge_labels else 0
        if best is None or problems < best[0]:
            best = (problems, lay)
        if best[0] == 0:
            break
        spacing *= 1.35
    return best[1]  # type: ignore[index]


def _layout(
    spec: ModelSpec,
    indicators: bool,
    node_text: Mapping[str, Sequence[str]] | None,
    edge_labels: Mapping[tuple[str, str], str],
    fs: float,
    wrap: int,
    spacing: float,
) -> Layout:
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
        foot[c.name] = _Foot(*_ellipse_size(text[c.name], fs), [])
    lane = 1.1 * fs * spacing
    y = _vertical(graph, foot, lane, fs * spacing)
    if indicators:
        for c in spec.constructs:
            side = _side(c.name, graph, layer[c.name], y)
            f = foot[c.name]
            foot[c.name] = _footprint(f.w, f.h, c.indicator_names, side, fs, spacing)
        y = _vertical(graph, foot, lane, fs * spacing)

    # --- horizontal coordinates, layer by layer
    x, shapes = _place_layers(graph, foot, y, edge_labels, fs, spacing, lane)

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
                ifs = _INDICATOR_SCALE * fs
                nodes.append(Node(nid, name, "indicator", s, (name,), ifs, layer[c.name], c.name))
    by_id = {n.id: n for n in nodes}

    # --- edges
    raw: list[tuple[str, str, Literal["path", "indicator"], tuple[Point, ...], str | None]] = []
    for src, tgt in pairs:
        pts = [(x[v], y[v]) for v in graph.chains[(src, tgt)]]
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
    lfs = _INDICATOR_SCALE * fs
    requests = [
        LabelRequest(pts, text_width(lab, lfs) + 0.5 * lfs, 1.35 * lfs, kind == "path")
        if lab
        else None
        for _, _, kind, pts, lab in raw
    ]
    boxes = place_labels([n.shape for n in nodes], requests, pad=0.15 * fs)
    edges = tuple(
        Edge(s, t, kind, pts, lab, box, lfs if lab else 0.0)
        for (s, t, kind, pts, lab), box in zip(raw, boxes, strict=True)
    )
    return _normalised(nodes, edges, graph, fs, crossings)


def _normalised(
    nodes: list[Node], edges: tuple[Edge, ...], graph: LayeredGraph, fs: float, crossings: int
) -> Layout:
    rects = [n.shape.bbox for n in nodes] + [e.label_box for e in edges if e.label_box]
    rects += [Rect(x, y, 0.0, 0.0) for e in edges for x, y in e.points]
    left = min(r.left for r in rects)
    bottom = min(r.bottom for r in rects)
    right = max(r.right for r in rects)
    top = max(r.top for r in rects)

    def mv(p: Point) -> Point:
        return (p[0] - left, p[1] - bottom)

    def mv_rect(r: Rect) -> Rect:
        return Rect(r.x - left, r.y - bottom, r.width, r.height)

    moved_nodes = tuple(
        Node(
            n.id,
            n.name,
            n.kind,
            Shape(
                n.shape.kind, n.shape.x - left, n.shape.y - bottom, n.shape.width, n.shape.height
            ),
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
    return Layout(moved_nodes, moved_edges, layers, fs, crossings, bounds)
