"""The importance-performance map drawn at its printed size.

:func:`draw_ipma` draws the map of an :class:`~sem_csat.pls.ipma.IPMAResult` one or two panels
wide, as wide as a journal column (3.5 in) or the text block (7.2 in), with every piece of text
at 7 pt or more at that width (see :mod:`sem_csat.rendering.printsize`).  Point labels are placed
by a deterministic search so that they overlap neither each other nor any marker, keeping a
clear gap of :data:`GAP_PT` points.

The figure is a :class:`~sem_csat.rendering.mplfigure.PrintFigure`: a matplotlib figure that
displays itself in Jupyter without pyplot.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from sem_csat.errors import UsageError
from sem_csat.rendering import labels
from sem_csat.rendering.labels import Box, overlaps

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase

    from sem_csat.pls.ipma import IPMAResult
    from sem_csat.rendering.mplfigure import PrintFigure

__all__ = ["FIGURE_SIZES", "GAP_PT", "MAX_POINTS", "TEXT_PT", "draw_ipma"]

FloatArray = npt.NDArray[np.float64]
Level = Literal["construct", "indicator"]

#: Size of tick labels, point labels, the quadrant caption and the legend, in points.
TEXT_PT = 7.0
#: Size of axis labels and panel titles; the figure title is one point larger.
LABEL_PT = 8.0
#: Clear space kept between a point label and any marker or other label, in points.
GAP_PT = 1.5
#: Figure size in inches by column width and number of panels (two panels side by side in a
#: double column, one above the other in a single column).
FIGURE_SIZES: dict[tuple[str, int], tuple[float, float]] = {
    ("double", 1): (7.2, 4.3),
    ("double", 2): (7.2, 4.4),
    ("single", 1): (3.5, 3.6),
    ("single", 2): (3.5, 6.9),
}

#: Rings of candidate label positions searched around a point (:mod:`sem_csat.rendering.labels`).
_RINGS = 40
#: Most points labelled in one panel: a larger model shows its most important drivers (the
#: others stay in ``ipma.csv``), so that the map stays legible and is drawn in seconds (the
#: labels of a 300-construct model took over ten minutes to place).
MAX_POINTS = 30
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">", "p")
_FILLS = ("0.1", "white", "0.55", "0.8")
_CONCENTRATE = "Concentrate here\n(high importance, low performance)"
_FONT = "DejaVu Sans"


def draw_ipma(
    result: IPMAResult,
    levels: list[Level],
    *,
    title: str | None,
    size: str,
    figsize: tuple[float, float] | None,
) -> PrintFigure:
    """Draw the map of ``result`` for ``levels`` (one panel each); see
    :meth:`IPMAResult.figure <sem_csat.pls.ipma.IPMAResult.figure>`."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from sem_csat.rendering.mplfigure import PrintFigure

    if size not in ("single", "double"):
        raise UsageError(f"size must be 'single' or 'double', got {size!r}.")
    n = len(levels)
    width, height = figsize if figsize is not None else FIGURE_SIZES[(size, n)]
    rc: Any = {"font.family": [_FONT], "font.size": TEXT_PT, "axes.linewidth": 0.6}
    with mpl.rc_context(rc):
        fig = PrintFigure(figsize=(width, height), layout="constrained")
        fig.get_layout_engine().set(w_pad=0.03, h_pad=0.03, wspace=0.04, hspace=0.06)  # type: ignore[call-arg, union-attr]
        canvas = FigureCanvasAgg(fig)
        side_by_side = n == 2 and width >= 5.0
        every = {lv: result._rows(lv) for lv in levels}
        rows = {lv: _most_important(table) for lv, table in every.items()}
        groups = len(set(rows["indicator"]["group"])) if "indicator" in rows else 0
        ncols = max(1, min(groups, int(width / 1.7)))
        # the key to the markers gets a row of its own above the panels
        key_in = (math.ceil(groups / ncols) + 1) * TEXT_PT * 1.45 / 72 if groups else 0.0
        panel_in = (height - 1.0) / (1 if side_by_side else n)
        grid = fig.add_gridspec(
            (1 if side_by_side else n) + (1 if groups else 0),
            n if side_by_side else 1,
            height_ratios=([key_in / panel_in] if groups else [])
            + [1.0] * (1 if side_by_side else n),
        )
        first = 1 if groups else 0
        axes = [
            fig.add_subplot(grid[first, k] if side_by_side else grid[first + k, 0])
            for k in range(n)
        ]
        target = result.spec.construct(result.target).display
        panels = []
        for ax, lv in zip(axes, levels, strict=True):
            panels.append(_draw_panel(ax, rows[lv], lv, n > 1, of=len(every[lv])))
        _axis_labels(fig, axes, target, side_by_side)
        if groups:
            _legend(fig.add_subplot(grid[0, :]), axes[levels.index("indicator")], ncols)
        fig.suptitle(
            title if title is not None else f"Importance–performance map: {target}",
            fontsize=LABEL_PT + 1,
            fontweight="bold",
        )
        canvas.draw()  # type: ignore[no-untyped-call]
        renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]
        moved = [_clear_caption(ax, p, renderer) for ax, p in zip(axes, panels, strict=True)]
        if any(moved):
            canvas.draw()  # type: ignore[no-untyped-call]
        fig.set_layout_engine("none")  # freeze the layout before placing labels in pixels
        for ax, panel in zip(axes, panels, strict=True):
            _place_labels(ax, panel, renderer)
    return fig


def _axis_labels(fig: PrintFigure, axes: list[Axes], target: str, side_by_side: bool) -> None:
    """Axis titles: one shared pair for two panels side by side, else one per panel."""
    performance = "Performance (0–100 index)"
    width_pt = fig.get_figwidth() * 72 * (0.9 if side_by_side else 0.8)
    chars = max(20, int(width_pt / (0.56 * LABEL_PT)))
    xlabel = "\n".join(
        line
        for words in (
            f"Importance: unstandardized total effect on {target}",
            "(points of its 0–100 score per point of the driver)",
        )
        for line in textwrap.wrap(words, chars)
    )
    if side_by_side:
        fig.supxlabel(xlabel, fontsize=LABEL_PT)
        fig.supylabel(performance, fontsize=LABEL_PT)
        return
    for ax in axes:
        ax.set_xlabel(xlabel, fontsize=LABEL_PT)
        ax.set_ylabel(performance, fontsize=LABEL_PT)


def _legend(key: Axes, ax: Axes, ncols: int) -> None:
    """The key to the markers of the indicator panel ``ax``, drawn in the empty axes ``key``."""
    key.set_axis_off()
    handles, labels = ax.get_legend_handles_labels()
    key.legend(
        handles,
        labels,
        loc="center",
        ncols=ncols,
        frameon=False,
        fontsize=TEXT_PT,
        title="Indicators of",
        title_fontsize=TEXT_PT,
        handletextpad=0.3,
        columnspacing=1.2,
        borderaxespad=0.0,
        borderpad=0.0,
    )


@dataclass
class _Panel:
    rows: pd.DataFrame
    marker_size: float  # points
    caption: object | None = None  # matplotlib Text of the quadrant caption


def _limits(values: FloatArray, pad: float, minimum_span: float) -> tuple[float, float]:
    lo, hi = float(values.min()), float(values.max())
    span = max(hi - lo, minimum_span)
    mid = 0.5 * (lo + hi)
    lo, hi = min(lo, mid - span / 2), max(hi, mid + span / 2)
    return lo - pad * span, hi + pad * span


def _most_important(rows: pd.DataFrame) -> pd.DataFrame:
    """The :data:`MAX_POINTS` points of largest importance, in table order (all when fewer)."""
    if len(rows) <= MAX_POINTS:
        return rows
    order = np.argsort(-np.abs(rows["x"].to_numpy(dtype=np.float64)), kind="stable")
    return rows.iloc[np.sort(order[:MAX_POINTS])].reset_index(drop=True)


def _draw_panel(ax: Axes, rows: pd.DataFrame, level: Level, both: bool, *, of: int) -> _Panel:
    from matplotlib.patches import Rectangle

    ax.tick_params(labelsize=TEXT_PT, length=2.5, width=0.6, pad=2)
    what = "Constructs" if level == "construct" else "Indicators"
    if of > len(rows):  # a large model: the most important points, the rest in ipma.csv
        ax.set_title(
            f"{what}: the {len(rows)} most important of {of} (all in ipma.csv)",
            fontsize=LABEL_PT,
        )
    elif both:
        ax.set_title(what, fontsize=LABEL_PT)
    panel = _Panel(rows=rows, marker_size=5.5 if level == "construct" else 4.5)
    if rows.empty:
        ax.text(
            0.5,
            0.5,
            "no finite values to map",
            transform=ax.transAxes,
            ha="center",
            fontsize=TEXT_PT,
        )
        return panel
    xs = rows["x"].to_numpy(dtype=np.float64)
    ys = rows["y"].to_numpy(dtype=np.float64)
    x0, x1 = _limits(xs, 0.12, max(0.05, 0.2 * float(np.abs(xs).max())))
    y0, y1 = _limits(ys, 0.12, 5.0)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    mx, my = float(xs.mean()), float(ys.mean())
    ax.add_patch(
        Rectangle((mx, y0 - (y1 - y0)), 3 * (x1 - x0), my - y0 + (y1 - y0), color="0.92", zorder=0)
    )
    ax.axvline(mx, color="0.35", linestyle="--", linewidth=0.7, zorder=1)
    ax.axhline(my, color="0.35", linestyle="--", linewidth=0.7, zorder=1)
    panel.caption = ax.text(
        0.985,
        0.02,
        _CONCENTRATE,
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=TEXT_PT,
        style="italic",
        color="0.2",
        zorder=2,
    )
    groups = list(dict.fromkeys(rows["group"]))
    for g, group in enumerate(groups):
        sel = (rows["group"] == group).to_numpy()
        ax.plot(
            xs[sel],
            ys[sel],
            linestyle="none",
            marker=_MARKERS[g % len(_MARKERS)],
            markersize=panel.marker_size,
            markerfacecolor=_FILLS[(g // len(_MARKERS) + g) % len(_FILLS)],
            markeredgecolor="black",
            markeredgewidth=0.7,
            label=group,
            zorder=3,
        )
    ax.grid(False)
    return panel


def _pixels(ax: Axes, points: float) -> float:
    fig = ax.get_figure(root=True)
    dpi = float(fig.dpi) if fig is not None else 72.0
    return points * dpi / 72.0


def marker_boxes(ax: Axes, rows: pd.DataFrame, marker_size: float) -> list[Box]:
    """Pixel boxes of the markers of ``rows`` (their size in points, plus the edge line)."""
    pts = ax.transData.transform(np.column_stack([rows["x"], rows["y"]]))
    half = 0.5 * _pixels(ax, marker_size + 0.7)
    return [(px - half, py - half, px + half, py + half) for px, py in pts]


def _clear_caption(ax: Axes, panel: _Panel, renderer: RendererBase) -> bool:
    """Lower the bottom of the axes until no point sits under the quadrant caption.

    Returns True when the limits changed.
    """
    from matplotlib.text import Text

    if not isinstance(panel.caption, Text) or panel.rows.empty:
        return False
    moved = False
    for _ in range(5):
        ext = panel.caption.get_window_extent(renderer)
        box = (ext.x0, ext.y0, ext.x1, ext.y1)
        markers = marker_boxes(ax, panel.rows, panel.marker_size)
        if not any(overlaps(box, m, _pixels(ax, GAP_PT)) for m in markers):
            break
        moved = True
        y0, y1 = ax.get_ylim()
        axes_height = ax.get_window_extent(renderer).height
        ax.set_ylim(y0 - (ext.height + 6.0) / axes_height * (y1 - y0) * 1.2, y1)
    return moved


def _place_labels(ax: Axes, panel: _Panel, renderer: RendererBase) -> None:
    """Label every point without overlaps: a deterministic greedy search on growing rings.

    Each label, in table order, goes to the first candidate position (rings of 8 directions at
    growing distance from its point) that lies inside the axes and meets no marker, no placed
    label and no caption, keeping :data:`GAP_PT` of clear space; if none does, the position
    with the least overlap is used.  Offsets are stored in inches, so the layout does not
    depend on the dpi.
    """
    from matplotlib.text import Text
    from matplotlib.transforms import ScaledTranslation

    rows = panel.rows
    if rows.empty:
        return
    fig = ax.get_figure(root=True)
    if fig is None:  # pragma: no cover - axes always belong to a figure here
        return
    dpi = float(fig.dpi)
    gap = _pixels(ax, GAP_PT)
    frame = ax.get_window_extent(renderer)
    inside: Box = (frame.x0 + gap, frame.y0 + gap, frame.x1 - gap, frame.y1 - gap)
    obstacles: list[Box] = list(marker_boxes(ax, rows, panel.marker_size))
    if isinstance(panel.caption, Text):
        ext = panel.caption.get_window_extent(renderer)
        obstacles.append((ext.x0, ext.y0, ext.x1, ext.y1))
    pts = ax.transData.transform(np.column_stack([rows["x"], rows["y"]]))
    half_marker = 0.5 * _pixels(ax, panel.marker_size + 0.7)
    for (px, py), label in zip(pts, rows["label"], strict=True):
        probe = ax.text(px, py, str(label), fontsize=TEXT_PT, transform=None)
        ext = probe.get_window_extent(renderer)
        probe.remove()
        hw, hh = 0.5 * ext.width, 0.5 * ext.height
        step = max(hh, 4.0)
        spot = labels.place(
            (px, py), (hw, hh), clearance=half_marker + 2 * gap, step=step, rings=_RINGS,
            inside=inside, obstacles=obstacles, gap=gap,
        )  # fmt: skip
        offset = ScaledTranslation((spot.cx - px) / dpi, (spot.cy - py) / dpi, fig.dpi_scale_trans)
        x, y = ax.transData.inverted().transform((px, py))
        text = ax.text(
            x,
            y,
            str(label),
            fontsize=TEXT_PT,
            ha="center",
            va="center",
            transform=ax.transData + offset,
            zorder=4,
        )
        text.set_gid("ipma-label")
        near = math.hypot(hw, hh) + half_marker + 2 * gap + step
        if labels.is_far(spot, (px, py), near):
            shrink = half_marker * 72.0 / dpi + 1.0
            labels.draw_leader(
                ax, (x, y), (px, py), spot.box, dpi=dpi, linewidth=0.6, shrink_pt=shrink
            )
