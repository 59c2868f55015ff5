"""Charts of the survey metrics, drawn at a journal's width, that display themselves in Jupyter.

matplotlib is imported only when a chart is drawn; the figure is a bare
:class:`matplotlib.figure.Figure` with an Agg canvas (no pyplot, no GUI, no global state).
A :class:`Chart` shows itself in Jupyter (``_repr_png_``, ``_repr_svg_``) and is written with
:meth:`Chart.save`.  Widths are those of journal columns (:data:`WIDTHS`: 3.5 in single,
7.2 in double) and no text is smaller than :data:`MIN_FONT_PT` (7 pt) at that width.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from sem_csat.errors import UsageError
from sem_csat.rendering import labels
from sem_csat.rendering.labels import Box

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure

__all__ = ["MIN_FONT_PT", "WIDTHS", "Chart", "kano_chart"]

#: Figure widths of a single and a double journal column, in inches.
WIDTHS: Final = {"single": 3.5, "double": 7.2}
#: Smallest font size used anywhere in a chart, in points.
MIN_FONT_PT: Final = 7.0
_FORMATS: Final = (".pdf", ".svg", ".png", ".eps")


def _width(size: str | float) -> float:
    if isinstance(size, str):
        if size not in WIDTHS:
            raise UsageError(
                f"size must be 'single' (3.5 in), 'double' (7.2 in) or a width in inches; "
                f"got {size!r}."
            )
        return WIDTHS[size]
    if isinstance(size, bool) or not isinstance(size, int | float) or not 2.0 <= size <= 12.0:
        raise UsageError(f"A chart width must be between 2 and 12 inches; got {size!r}.")
    return float(size)


@dataclass(frozen=True, eq=False)
class Chart:
    """A drawn chart: the matplotlib figure and what it shows.

    Attributes
    ----------
    figure
        The :class:`matplotlib.figure.Figure` (Agg canvas); change it freely before saving.
    kind
        What is drawn (``"kano"``).
    data
        The numbers plotted, one row per point.
    """

    figure: Figure
    kind: str
    data: pd.DataFrame

    def save(self, path: str | Path, *, dpi: int = 300) -> Path:
        """Write the chart; the format follows the suffix (.pdf, .svg, .png, .eps).

        PDF and EPS embed TrueType fonts, SVG keeps text as text, PNG uses ``dpi`` (300 by
        default, the usual minimum for print).
        """
        import matplotlib as mpl

        out = Path(path)
        suffix = out.suffix.lower()
        if suffix not in _FORMATS:
            raise UsageError(
                f"Cannot save a chart as '{out.name}': use a file name ending in "
                f"{', '.join(_FORMATS)}."
            )
        if not out.parent.is_dir():
            raise UsageError(
                f"Cannot write '{out}': the folder '{out.parent}' does not exist; create it first."
            )
        metadata: dict[str, str | None] = {"CreationDate": None} if suffix == ".pdf" else {}
        rc: Any = {"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none"}
        with mpl.rc_context(rc):
            self.figure.savefig(out, dpi=dpi, metadata=metadata or None)
        return out

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=150)
        return buf.getvalue()

    def _repr_svg_(self) -> str:
        import matplotlib as mpl

        buf = io.StringIO()
        with mpl.rc_context({"svg.fonttype": "none"}):
            self.figure.savefig(buf, format="svg")
        return buf.getvalue()

    def __repr__(self) -> str:
        w, h = self.figure.get_size_inches()
        return f"<Chart {self.kind}: {len(self.data)} points, {w:.2f} x {h:.2f} in>"


# --------------------------------------------------------------------------------------------
# the Kano better/worse map

_QUADRANTS: Final = (
    (0.02, 0.98, "left", "top", "Attractive (A)"),
    (0.98, 0.98, "right", "top", "One-dimensional (O)"),
    (0.98, 0.02, "right", "bottom", "Must-be (M)"),
    (0.02, 0.02, "left", "bottom", "Indifferent (I)"),
)


def kano_chart(
    table: pd.DataFrame, *, size: str | float = "single", title: str | None = None
) -> Chart:
    """Berger et al.'s better/worse map of Kano features.

    Parameters
    ----------
    table
        :attr:`~sem_csat.metrics.kano.KanoResult.table` (columns ``feature``, ``better``,
        ``worse``); features with NaN coefficients are left out.
    size
        ``"single"`` (3.5 in), ``"double"`` (7.2 in) or a width in inches.
    title
        Optional title above the map.

    Returns
    -------
    Chart

    Notes
    -----
    The horizontal axis is the dissatisfaction coefficient :math:`|\\text{worse}|` (how much
    satisfaction falls when the feature is missing), the vertical axis the satisfaction
    coefficient better (how much it rises when the feature is offered), both from 0 to 1.
    Lines at 0.5 cut the map into the quadrants attractive (top left), one-dimensional (top
    right), must-be (bottom right) and indifferent (bottom left) (Berger et al. 1993).
    Labels are placed next to their points without overlapping points, other labels or the
    quadrant names; a label pushed away from its point gets a thin leader line.  Black and
    greys only, so the map prints in black and white.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width = _width(size)
    height = width * (0.92 if width < 5 else 0.62)
    base = 8.0 if width < 5 else 9.0
    rows = table.loc[np.isfinite(table["better"].to_numpy(dtype=float))]
    rows = rows.loc[np.isfinite(rows["worse"].to_numpy(dtype=float))]
    data = pd.DataFrame(
        {
            "feature": rows["feature"].astype(str).to_numpy(),
            "x": np.abs(rows["worse"].to_numpy(dtype=float)),
            "y": rows["better"].to_numpy(dtype=float),
        }
    )
    fig = Figure(figsize=(width, height), layout="constrained")
    canvas = FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("Dissatisfaction if missing, |worse|", fontsize=base)
    ax.set_ylabel("Satisfaction if present, better", fontsize=base)
    ax.tick_params(labelsize=base - 0.5, width=0.6, length=3)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
    ax.axvline(0.5, color="0.4", linestyle="--", linewidth=0.7, zorder=1)
    ax.axhline(0.5, color="0.4", linestyle="--", linewidth=0.7, zorder=1)
    names = [
        ax.text(
            x,
            y,
            text,
            transform=ax.transAxes,
            ha=ha,
            va=va,
            fontsize=max(base - 0.5, MIN_FONT_PT),
            style="italic",
            color="0.3",
            zorder=2,
        )
        for x, y, ha, va, text in _QUADRANTS
    ]
    marker = 4.5
    ax.plot(
        data["x"], data["y"], linestyle="none", marker="o", markersize=marker,
        markerfacecolor="black", markeredgecolor="black", zorder=3,
    )  # fmt: skip
    if title:
        ax.set_title(title, fontsize=base + 0.5)
    canvas.draw()  # type: ignore[no-untyped-call]
    fig.set_layout_engine("none")  # freeze the layout before placing labels in pixels
    renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]
    _label_points(ax, data, names, renderer, marker, max(base - 0.5, MIN_FONT_PT))
    return Chart(figure=fig, kind="kano", data=data)


def _label_points(
    ax: Axes,
    data: pd.DataFrame,
    fixed: list[Any],
    renderer: RendererBase,
    marker_pt: float,
    fontsize: float,
) -> None:
    """Place one label per point by a deterministic greedy search on growing rings.

    Each label takes the first of eight directions, at growing distance, whose box lies in the
    axes and keeps a 2.5-point gap from every marker, placed label and quadrant name; when none
    does within the search, the least-overlapping candidate is used.  A label is anchored at its
    edge nearest to its point, so the gap holds at any resolution.
    """
    from matplotlib.transforms import ScaledTranslation

    if data.empty:
        return
    fig = ax.get_figure(root=True)
    if fig is None:  # pragma: no cover - an axes always has a figure here
        return
    dpi = float(fig.dpi)
    frame = ax.get_window_extent(renderer)
    inside: Box = (frame.x0 + 1, frame.y0 + 1, frame.x1 - 1, frame.y1 - 1)
    pts = ax.transData.transform(np.column_stack([data["x"], data["y"]]))
    half = 0.5 * marker_pt * dpi / 72.0 + 1.0
    obstacles: list[Box] = [(px - half, py - half, px + half, py + half) for px, py in pts]
    for t in fixed:
        e = t.get_window_extent(renderer)
        obstacles.append((e.x0, e.y0, e.x1, e.y1))
    gap = 2.5 * dpi / 72.0  # 2.5 pt between a label and anything else
    for (px, py), label in zip(pts, data["feature"], strict=True):
        probe = ax.text(0, 0, str(label), fontsize=fontsize, transform=None)
        ext = probe.get_window_extent(renderer)
        probe.remove()
        # text drawn at a higher resolution comes out a little wider than measured on screen:
        # keep 10% in hand, and anchor each label at its edge nearest to the point
        hw, hh = 0.55 * ext.width, 0.5 * ext.height
        step = max(hh, 4.0)
        spot = labels.place(
            (px, py), (hw, hh), clearance=half + gap, step=step, rings=12, inside=inside,
            obstacles=obstacles, gap=gap, per_overlap=1.0,
        )  # fmt: skip
        box, ux, uy = spot.box, spot.ux, spot.uy
        ha = {1: "left", 0: "center", -1: "right"}[ux]
        va = {1: "bottom", 0: "center", -1: "top"}[uy]
        anchor_x = box[0] if ux == 1 else box[2] if ux == -1 else spot.cx
        anchor_y = box[1] if uy == 1 else box[3] if uy == -1 else spot.cy
        offset = ScaledTranslation(
            (anchor_x - px) / dpi, (anchor_y - py) / dpi, fig.dpi_scale_trans
        )
        x, y = ax.transData.inverted().transform((px, py))
        ax.text(
            x, y, str(label), fontsize=fontsize, ha=ha, va=va,
            transform=ax.transData + offset, zorder=4,
        )  # fmt: skip
        if labels.is_far(spot, (px, py), math.hypot(hw, hh) + half + gap + step):
            labels.draw_leader(
                ax, (x, y), (px, py), box, dpi=dpi, linewidth=0.5, shrink_pt=half * 72.0 / dpi
            )
