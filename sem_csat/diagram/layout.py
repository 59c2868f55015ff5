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

import math
from collections.abc import Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from sem_csat.diagram.geometry import (
    HEAD_LENGTH_EM,
    HEAD_WIDTH_EM,
    Point,
    Rect,
    Shape,
    border_point,
    head_box,
    rounded_corners,
    segments_cross,
    text_width,
)
from sem_csat.diagram.labels import LabelRequest, count_problems, place_labels
from sem_csat.diagram.ordering import LayeredGraph, is_dummy, longest_path_layers
from sem_csat.diagram.placement import (
    Footprint,
    Metrics,
    cross_positions,
    ellipse_size,
    footprint,
    indicator_id,
    indicator_side,
    place_layers,
    wrap_label,
)
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
    "shared_geometry",
]

Orientation = Literal["LR", "TB"]
#: Flow directions: left to right (the convention) or top to bottom (for narrow columns).
ORIENTATIONS: tuple[Orientation, ...] = ("LR", "TB")
_INDICATOR_SCALE = 0.85  # default indicator and edge-label text relative to construct text
_MAX_ATTEMPTS = 5
#: Radius of the rounded bends of long paths, in em of the construct text.
CORNER_EM = 2.0


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
        return sum(self._label_problems())

    def _label_problems(self) -> list[int]:
        return count_problems(
            [n.shape for n in self.nodes],
            [e.points for e in self.edges],
            [e.label_box for e in self.edges],
            self.heads(),
        )

    def crowded(self) -> frozenset[str]:
        """Constructs with an indicator label that found no free place."""
        return frozenset(
            self.node(e.source).construct
            for e, n in zip(self.edges, self._label_problems(), strict=True)
            if n and e.kind == "indicator"
        )


def _heads(polylines: Sequence[Sequence[Point]], fs: float) -> list[Rect]:
    return [head_box(pts, HEAD_LENGTH_EM * fs, HEAD_WIDTH_EM * fs) for pts in polylines]


def edge_crossings(layout: Layout) -> int:
    """Number of crossings between segments of different edges in a drawn layout.

    Pairs of segments whose bounding boxes do not meet cannot cross; they are screened out
    in bulk, and the others are tested exactly (:func:`~sem_csat.diagram.geometry.segments_cross`).
    """
    import numpy as np

    segs = [(k, p, q) for k, e in enumerate(layout.edges) for p, q in e.segments]
    if len(segs) < 2:
        return 0
    owner = np.array([k for k, _, _ in segs])
    xy = np.array([(*p, *q) for _, p, q in segs], dtype=np.float64)
    lo = np.minimum(xy[:, :2], xy[:, 2:]) - 1e-6
    hi = np.maximum(xy[:, :2], xy[:, 2:]) + 1e-6
    count = 0
    for i in range(len(segs) - 1):
        rest = slice(i + 1, None)
        near = (lo[rest, 0] <= hi[i, 0]) & (lo[i, 0] <= hi[rest, 0])
        near &= (lo[rest, 1] <= hi[i, 1]) & (lo[i, 1] <= hi[rest, 1])
        near &= owner[rest] != owner[i]
        _, p1, q1 = segs[i]
        for j in np.flatnonzero(near) + i + 1:
            _, p2, q2 = segs[j]
            count += segments_cross(p1, q1, p2, q2)
    return count


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
) -> Metrics:
    ds = _INDICATOR_SCALE * font_size if detail_size is None else detail_size
    if not (font_size > 0 and ds > 0 and spacing > 0) or wrap < 1:
        raise UsageError(
            f"font_size, detail_size, spacing and wrap must be positive, got "
            f"font_size={font_size!r}, detail_size={detail_size!r}, spacing={spacing!r}, "
            f"wrap={wrap!r}."
        )
    if orientation not in ORIENTATIONS:
        raise UsageError(f"orientation must be 'LR' or 'TB', got {orientation!r}.")
    return Metrics(font_size, ds, spacing, orientation == "TB", zigzag=zigzag)


def _best_spacing(
    spec: ModelSpec,
    indicators: bool,
    node_text: Mapping[str, Sequence[str]] | None,
    edge_labels: Mapping[tuple[str, str], str],
    m: Metrics,
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
            # long paths straight through the layers they skip, else bending at their middle;
            # wider gaps across the flow, then also longer labelled paths, so that a fan of
            # paths leaving one construct spreads apart before their labels
            for band in (True,) if m.tb else (True, False):
                for reach in (1.0,) if k == 0 else (1.0, 1.25**k):
                    attempt = Metrics(
                        m.fs, m.ds, m.spacing * 1.35**k, m.tb, band, zigzag, reach=reach
                    )
                    lay = _layout(spec, indicators, node_text, edge_labels, attempt, wrap)
                    tries = [lay]
                    crowded = lay.crowded() if edge_labels and indicators else frozenset()
                    if crowded:  # their indicators on the other side, where paths may be fewer
                        flipped = replace(attempt, flip=crowded)
                        tries.append(
                            _layout(spec, indicators, node_text, edge_labels, flipped, wrap)
                        )
                    for lay in tries:
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
    m: Metrics,
    wrap: int,
    place: bool = True,
) -> Layout:
    """One layout attempt; ``place=False`` leaves the edge labels unplaced (to measure)."""
    shared = _SHARED.get()
    key = None
    if shared is not None:
        key = (
            id(spec),
            indicators,
            None if node_text is None else tuple((k, tuple(v)) for k, v in node_text.items()),
            tuple(edge_labels.items()),
            m,
            wrap,
        )
    geometry = shared.get(key) if shared is not None else None
    if geometry is None:
        geometry = _geometry(spec, indicators, node_text, edge_labels, m, wrap)
        if shared is not None:
            shared[key] = geometry
    nodes, raw, graph, crossings = geometry
    fs = m.fs
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
    return _normalised(list(nodes), edges, graph, m, crossings)


_RawEdge = tuple[str, str, Literal["path", "indicator"], tuple[Point, ...], str | None]
#: Nodes, edges before their labels are placed, the layered graph and its crossings.
_Geometry = tuple[tuple[Node, ...], tuple[_RawEdge, ...], LayeredGraph, int]
#: Geometries computed within :func:`shared_geometry`, by their inputs.
_SHARED: ContextVar[dict[Hashable, _Geometry] | None] = ContextVar("_SHARED", default=None)


@contextmanager
def shared_geometry() -> Iterator[None]:
    """Within this block, layout attempts with the same model, text, labels and metrics share
    their geometry (nodes and edge polylines), so that only their labels are placed again.

    :func:`layout_within` measures a layout without its labels before it lays it out in full,
    and :func:`~sem_csat.diagram.column.fit_to_column` lays out without a size limit the steps
    that fit no column: the same geometry each time, which costs most for large models.
    """
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def _geometry(
    spec: ModelSpec,
    indicators: bool,
    node_text: Mapping[str, Sequence[str]] | None,
    edge_labels: Mapping[tuple[str, str], str],
    m: Metrics,
    wrap: int,
) -> _Geometry:
    """Steps 1 to 5 of the module notes and the edge polylines (see :func:`_layout`)."""
    fs = m.fs
    terms = {i.name: i for i in spec.interactions}  # drawn as nodes with their paths
    names = [*terms, *spec.topological_order]
    pairs = [(p.source, p.target) for p in spec.paths] + _dimension_links(spec)
    layer = longest_path_layers(names, pairs)
    graph = LayeredGraph.build(names, pairs, layer)
    crossings = graph.reduce_crossings()

    # --- sizes, then heights; with indicators, sides from the first pass and a second pass
    text: dict[str, tuple[str, ...]] = {}
    foot: dict[str, Footprint] = {}
    for c in spec.constructs:
        lines = tuple(node_text[c.name]) if node_text and c.name in node_text else None
        text[c.name] = lines or tuple(wrap_label(c.display, wrap))
        # flatter ellipses when stacked downwards: height is what a narrow column lacks
        size = ellipse_size(text[c.name], fs, 1.4 if m.tb else 1.18)
        foot[c.name] = Footprint(*m.dims(*size), [])
    for name, term in terms.items():
        text[name] = _term_text(spec, term.left, term.right, node_text, wrap)
        foot[name] = Footprint(*m.dims(*ellipse_size(text[name], fs, 1.4 if m.tb else 1.18)), [])
    lane = 1.1 * fs * m.spacing
    stagger = max(f.h for f in foot.values()) + 1.6 * fs * m.spacing if m.zigzag else 0.0
    y = cross_positions(graph, foot, lane, fs * m.spacing, stagger)
    if indicators:
        for c in spec.constructs:
            side = indicator_side(c.name, graph, layer[c.name], y)
            if c.name in m.flip:
                side = {"above": "below", "below": "above"}.get(side, side)  # type: ignore[assignment]
            f = foot[c.name]
            widest = max(
                (edge_labels.get((c.name, i), "") for i in c.indicator_names),
                key=lambda t: text_width(t, 1.0),
                default="",  # a higher-order construct has no indicators
            )
            foot[c.name] = footprint(f.w, f.h, c.indicator_names, side, m, widest)
        y = cross_positions(graph, foot, lane, fs * m.spacing, stagger)

    # --- horizontal coordinates, layer by layer
    x, shapes, through = place_layers(graph, foot, y, edge_labels, m, lane)

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
    for name in terms:
        for nid, s in shapes[name]:
            nodes.append(Node(nid, name, "construct", s, text[name], fs, layer[name], name))
    by_id = {n.id: n for n in nodes}

    # --- edges
    raw: list[_RawEdge] = []
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
    return tuple(nodes), tuple(raw), graph, crossings


def _dimension_links(spec: ModelSpec) -> list[tuple[str, str]]:
    """The links of every higher-order construct with its dimensions, drawn as paths beside
    it: to each dimension when it is reflective, from each when it is formative."""
    return [
        (c.name, d) if c.mode == "reflective" else (d, c.name)
        for c in spec.constructs
        for d in c.dimension_names
    ]


def _term_text(
    spec: ModelSpec,
    left: str,
    right: str,
    node_text: Mapping[str, Sequence[str]] | None,
    wrap: int,
) -> tuple[str, ...]:
    """The text of an interaction term's node: ``Satisfaction × Image`` (the first line of its
    constructs' text, so abbreviations carry over)."""

    def first(name: str) -> str:
        if node_text and node_text.get(name):
            return str(node_text[name][0])
        return spec.construct(name).display

    return tuple(wrap_label(f"{first(left)} × {first(right)}", wrap))


def _normalised(
    nodes: list[Node], edges: tuple[Edge, ...], graph: LayeredGraph, m: Metrics, crossings: int
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
