"""Print size of figures: journal column widths, the smallest legible text, and a ruler.

Journals print figures at the width of one column (about 3.5 in, 89 mm) or of the whole text
block (about 7.2 in, 183 mm) and ask that text set in them is at least 6 to 8 pt *at that
width* (Elsevier's artwork guidelines ask for 7 pt; APA style for 8 to 14 pt).  sem_csat draws
its figures at their real printed width, so that the sizes in the file are the printed sizes:
every piece of text at least :data:`MIN_TEXT_PT`, coefficients at least :data:`MIN_LABEL_PT`.

:func:`measure_svg` reads a figure back from its SVG (text kept as ``<text>`` elements with
``svg.fonttype = 'none'``) and reports its width and every text size, which is how the tests
check the rule for every figure.

Examples
--------
>>> import sem_csat
>>> from sem_csat.diagram import path_diagram
>>> d = path_diagram(sem_csat.load_spec("scsb"), size="single")
>>> m = measure_svg(d.to_svg())
>>> m.width_in, m.min_size >= MIN_TEXT_PT
(3.5, True)
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.etree import ElementTree

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "COLUMN_WIDTHS",
    "MIN_LABEL_PT",
    "MIN_TEXT_PT",
    "PrintMeasure",
    "TextRun",
    "figure_svg",
    "measure_figure",
    "measure_svg",
]

#: Smallest size of any text in a figure at its printed width, in points.
MIN_TEXT_PT = 7.0
#: Smallest size of coefficients and loadings printed on arrows, in points.
MIN_LABEL_PT = 6.5
#: Printed width of a single and a double column, in inches.
COLUMN_WIDTHS: dict[str, float] = {"single": 3.5, "double": 7.2}

_SVG = "{http://www.w3.org/2000/svg}"
_SIZE = re.compile(r"font-size:\s*([0-9.]+)px")
_SHORTHAND = re.compile(r"font:[^;]*?([0-9.]+)px")
_SCALE = re.compile(r"scale\(\s*([0-9.eE+-]+)")


@dataclass(frozen=True)
class TextRun:
    """One line of text in a figure: its content, size in points and anchor (points, y down)."""

    text: str
    size_pt: float
    x: float
    y: float


@dataclass(frozen=True)
class PrintMeasure:
    """Width, height and texts of a figure as it will be printed."""

    width_in: float
    height_in: float
    texts: tuple[TextRun, ...]

    @property
    def min_size(self) -> float:
        """The smallest text size in points (infinite for a figure without text)."""
        return min((t.size_pt for t in self.texts), default=float("inf"))

    def smaller_than(self, size_pt: float) -> list[TextRun]:
        """The texts set below ``size_pt`` points."""
        return [t for t in self.texts if t.size_pt < size_pt - 1e-9]


def _length_pt(value: str) -> float:
    m = re.fullmatch(r"\s*([0-9.]+)\s*(pt|px|in)?\s*", value)
    if m is None:
        raise ValueError(f"not an SVG length in points: {value!r}")
    factor = {"in": 72.0}.get(m.group(2) or "pt", 1.0)
    return float(m.group(1)) * factor


def _anchor(el: ElementTree.Element) -> tuple[float, float]:
    x, y = float(el.get("x", 0.0)), float(el.get("y", 0.0))
    m = re.search(r"translate\(\s*([0-9.eE+-]+)[ ,]+([0-9.eE+-]+)", el.get("transform", ""))
    if m is not None:
        x, y = x + float(m.group(1)), y + float(m.group(2))
    return x, y


def measure_svg(svg: str) -> PrintMeasure:
    """Measure a matplotlib SVG saved with ``svg.fonttype = 'none'`` (1 SVG unit = 1 pt).

    Raises
    ------
    ValueError
        If the document is not such an SVG (no size in points) or its text was converted to
        outlines, which cannot be measured.
    """
    root = ElementTree.fromstring(svg.encode("utf-8"))
    width = _length_pt(root.get("width", ""))
    height = _length_pt(root.get("height", ""))
    runs: list[TextRun] = []
    for el in root.iter(f"{_SVG}text"):
        style = el.get("style", "")
        m = _SIZE.search(style) or _SHORTHAND.search(style)
        if m is None:
            raise ValueError(f"an SVG <text> without a font size: {style!r}")
        size = float(m.group(1))
        scale = _SCALE.search(el.get("transform", ""))
        if scale is not None:
            size *= abs(float(scale.group(1)))
        text = "".join(el.itertext())
        runs.append(TextRun(text, size, *_anchor(el)))
    if not runs and root.find(f".//{_SVG}use") is not None:
        raise ValueError("the SVG's text is drawn as outlines; save with svg.fonttype='none'")
    return PrintMeasure(width / 72.0, height / 72.0, tuple(runs))


def figure_svg(figure: Figure) -> str:
    """The figure as SVG with its text kept as text (``svg.fonttype = 'none'``)."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "sem_csat"}):
        figure.savefig(buffer, format="svg")
    return buffer.getvalue()


def measure_figure(figure: Figure) -> PrintMeasure:
    """:func:`measure_svg` of a matplotlib figure."""
    return measure_svg(figure_svg(figure))
