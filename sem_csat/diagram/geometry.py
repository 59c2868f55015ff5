"""Plane geometry for path diagrams: node shapes, text extents, intersections.

Everything here is pure Python (no matplotlib), so the layout can be tested without drawing.
Coordinates are typographic points (1/72 inch) with ``y`` growing upwards; a shape is given by
its centre and its full width and height.

Examples
--------
>>> e = Shape("ellipse", 0.0, 0.0, 40.0, 20.0)
>>> border_point(e, (100.0, 0.0))
(20.0, 0.0)
>>> segment_hits_shape((-50.0, 0.0), (50.0, 0.0), e)
True
>>> text_width("满意度", 10.0) == 2 * text_width("abc", 10.0)
True
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

__all__ = [
    "HEAD_LENGTH_EM",
    "HEAD_WIDTH_EM",
    "Point",
    "Rect",
    "Shape",
    "border_point",
    "char_width",
    "head_box",
    "is_wide",
    "on_border",
    "rects_overlap",
    "rounded_corners",
    "sample_path",
    "segment_hits_rect",
    "segment_hits_shape",
    "segments_cross",
    "text_width",
]

Point = tuple[float, float]

#: Length and half width of arrowheads, in em of the construct text.
HEAD_LENGTH_EM = 0.6
HEAD_WIDTH_EM = 0.28

#: Width of a character in em, approximating DejaVu Sans (slightly generous).
_NARROW = 0.62
_UPPER = 0.74
_SPACE = 0.34


def is_wide(ch: str) -> bool:
    """Whether ``ch`` is an East Asian wide or full-width character (CJK ideograph, kana...)."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def char_width(ch: str) -> float:
    """Approximate advance width of ``ch`` in em; wide (CJK) characters count double."""
    if is_wide(ch):
        return 2 * _NARROW
    if ch == " ":
        return _SPACE
    if ch.isupper() or ch in "mwMW%":
        return _UPPER
    if ch in "il.,:;'|!":
        return 0.34
    return _NARROW


@lru_cache(maxsize=16384)  # layouts measure the same labels again and again
def _em_width(text: str) -> float:
    return sum(char_width(ch) for ch in text)


def text_width(text: str, size: float) -> float:
    """Approximate width in points of one line of ``text`` set at ``size`` points."""
    return _em_width(text) * size


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle given by its centre ``(x, y)`` and full ``width``/``height``."""

    x: float
    y: float
    width: float
    height: float

    @property
    def left(self) -> float:
        """Smallest x."""
        return self.x - self.width / 2

    @property
    def right(self) -> float:
        """Largest x."""
        return self.x + self.width / 2

    @property
    def bottom(self) -> float:
        """Smallest y."""
        return self.y - self.height / 2

    @property
    def top(self) -> float:
        """Largest y."""
        return self.y + self.height / 2

    def inflate(self, pad: float) -> Rect:
        """The rectangle grown by ``pad`` on every side."""
        return Rect(self.x, self.y, self.width + 2 * pad, self.height + 2 * pad)


@dataclass(frozen=True)
class Shape:
    """A node outline: an ``"ellipse"`` or a ``"box"`` centred at ``(x, y)``."""

    kind: Literal["ellipse", "box"]
    x: float
    y: float
    width: float
    height: float

    @property
    def bbox(self) -> Rect:
        """Bounding rectangle of the outline."""
        return Rect(self.x, self.y, self.width, self.height)


def rects_overlap(a: Rect, b: Rect, pad: float = 0.0) -> bool:
    """Whether two rectangles overlap (or come closer than ``pad``)."""
    return (
        a.left < b.right + pad
        and b.left < a.right + pad
        and a.bottom < b.top + pad
        and b.bottom < a.top + pad
    )


def border_point(shape: Shape, toward: Point) -> Point:
    """Where the ray from the centre of ``shape`` toward ``toward`` leaves its outline."""
    dx, dy = toward[0] - shape.x, toward[1] - shape.y
    a, b = shape.width / 2, shape.height / 2
    if dx == 0 and dy == 0:
        return (shape.x + a, shape.y)
    if shape.kind == "ellipse":
        t = 1.0 / math.sqrt((dx / a) ** 2 + (dy / b) ** 2)
    else:
        t = 1.0 / max(abs(dx) / a, abs(dy) / b)
    return (shape.x + t * dx, shape.y + t * dy)


def on_border(shape: Shape, p: Point, tol: float = 1e-6) -> bool:
    """Whether ``p`` lies on the outline of ``shape`` (to a relative tolerance ``tol``)."""
    u, v = (p[0] - shape.x) / (shape.width / 2), (p[1] - shape.y) / (shape.height / 2)
    r = math.hypot(u, v) if shape.kind == "ellipse" else max(abs(u), abs(v))
    return abs(r - 1.0) <= tol


def _segment_origin_distance(p: Point, q: Point) -> float:
    dx, dy = q[0] - p[0], q[1] - p[1]
    den = dx * dx + dy * dy
    t = 0.0 if den == 0 else max(0.0, min(1.0, -(p[0] * dx + p[1] * dy) / den))
    return math.hypot(p[0] + t * dx, p[1] + t * dy)


def segment_hits_rect(p: Point, q: Point, r: Rect) -> bool:
    """Whether the segment ``p``-``q`` meets the interior of rectangle ``r`` (Liang-Barsky)."""
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for num, den in (
        (p[0] - r.left, -dx),
        (r.right - p[0], dx),
        (p[1] - r.bottom, -dy),
        (r.top - p[1], dy),
    ):
        if den == 0:
            if num <= 0:
                return False
            continue
        t = num / den
        if den < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 >= t1:
            return False
    return t1 - t0 > 1e-12


def segment_hits_shape(p: Point, q: Point, shape: Shape, pad: float = 0.0) -> bool:
    """Whether the segment ``p``-``q`` enters ``shape`` grown by ``pad`` (touching is fine)."""
    a, b = shape.width / 2 + pad, shape.height / 2 + pad
    # a segment that passes wholly beside the grown outline's bounding box cannot enter it:
    # the quick test that keeps placement fast when a model has hundreds of shapes
    if (
        (p[0] < shape.x - a and q[0] < shape.x - a)
        or (p[0] > shape.x + a and q[0] > shape.x + a)
        or (p[1] < shape.y - b and q[1] < shape.y - b)
        or (p[1] > shape.y + b and q[1] > shape.y + b)
    ):
        return False
    if shape.kind == "box":
        return segment_hits_rect(p, q, Rect(shape.x, shape.y, 2 * a, 2 * b))
    pu = ((p[0] - shape.x) / a, (p[1] - shape.y) / b)
    qu = ((q[0] - shape.x) / a, (q[1] - shape.y) / b)
    return _segment_origin_distance(pu, qu) < 1.0 - 1e-9


def _orient(a: Point, b: Point, c: Point) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def segments_cross(p1: Point, p2: Point, q1: Point, q2: Point) -> bool:
    """Whether two segments cross at a point interior to both (shared endpoints do not count)."""
    d1, d2 = _orient(q1, q2, p1), _orient(q1, q2, p2)
    d3, d4 = _orient(p1, p2, q1), _orient(p1, p2, q2)
    eps = 1e-9
    return ((d1 > eps and d2 < -eps) or (d1 < -eps and d2 > eps)) and (
        (d3 > eps and d4 < -eps) or (d3 < -eps and d4 > eps)
    )


def head_box(points: Sequence[Point], length: float, half_width: float) -> Rect:
    """Bounding rectangle of the arrowhead at the end of the polyline ``points``.

    The head is the triangle with its tip at the last point, ``length`` long along the last
    segment and ``half_width`` wide on either side of it.

    >>> head_box([(0.0, 0.0), (10.0, 0.0)], 4.0, 1.5)
    Rect(x=8.0, y=0.0, width=4.0, height=3.0)
    """
    (x0, y0), (x1, y1) = points[-2], points[-1]
    d = math.dist((x0, y0), (x1, y1)) or 1.0
    ux, uy = (x1 - x0) / d, (y1 - y0) / d
    bx, by = x1 - length * ux, y1 - length * uy
    xs = (x1, bx - half_width * uy, bx + half_width * uy)
    ys = (y1, by + half_width * ux, by - half_width * ux)
    left, right, bottom, top = min(xs), max(xs), min(ys), max(ys)
    return Rect((left + right) / 2, (bottom + top) / 2, right - left, top - bottom)


def rounded_corners(points: Sequence[Point], radius: float) -> tuple[list[Point], list[int]]:
    """A polyline whose interior corners are rounded by quadratic Bézier arcs.

    Each corner ``P`` between neighbours ``A`` and ``B`` is replaced by a curve from ``P``
    moved ``r`` toward ``A`` to ``P`` moved ``r`` toward ``B``, with ``P`` as control point,
    where ``r`` is ``radius`` but at most half of either segment.  The curve stays inside the
    triangle of these three points, so it keeps close to the polyline.

    Returns
    -------
    vertices, codes
        In the layout of :class:`matplotlib.path.Path`: codes 1 (move to), 2 (line to) and
        3 (quadratic curve: a control point followed by an end point).

    Examples
    --------
    >>> rounded_corners([(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)], 2.0)
    ([(0.0, 0.0), (8.0, 0.0), (10.0, 0.0), (10.0, 2.0), (10.0, 10.0)], [1, 2, 3, 3, 2])
    """
    verts: list[Point] = [points[0]]
    codes = [1]
    for a, p, b in zip(points[:-2], points[1:-1], points[2:], strict=True):
        la, lb = math.dist(a, p), math.dist(p, b)
        r = min(radius, la / 2, lb / 2)
        if r <= 0:
            verts.append(p)
            codes.append(2)
            continue
        p1 = (p[0] + (a[0] - p[0]) * r / la, p[1] + (a[1] - p[1]) * r / la)
        p2 = (p[0] + (b[0] - p[0]) * r / lb, p[1] + (b[1] - p[1]) * r / lb)
        verts += [p1, p, p2]
        codes += [2, 3, 3]
    verts.append(points[-1])
    codes.append(2)
    return verts, codes


def sample_path(vertices: Sequence[Point], codes: Sequence[int], steps: int = 8) -> list[Point]:
    """Points along a path of :func:`rounded_corners` (curves sampled at ``steps`` points)."""
    out: list[Point] = []
    k = 0
    while k < len(codes):
        if codes[k] == 3:
            p0, c, p2 = out[-1], vertices[k], vertices[k + 1]
            for i in range(1, steps + 1):
                t = i / steps
                out.append(
                    (
                        (1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * c[0] + t**2 * p2[0],
                        (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * c[1] + t**2 * p2[1],
                    )
                )
            k += 2
        else:
            out.append(vertices[k])
            k += 1
    return out
