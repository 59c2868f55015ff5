"""Importance-performance map analysis (IPMA) of a PLS fit.

For one *target* construct (by default the last endogenous construct, Loyalty in the ECSI), an
IPMA sets each driver's *importance*, its unstandardized total effect on the target, against its
*performance*, its 0–100 index (Ringle & Sarstedt 2016; Hair et al. 2018, ch. 4).  Drivers
that matter much but perform poorly are where improvement pays most.  :func:`ipma` returns an
:class:`IPMAResult` with the table (construct and indicator level) and a matplotlib figure.

Examples
--------
>>> import sem_csat
>>> from sem_csat.pls.ipma import ipma
>>> result = sem_csat.fit(sem_csat.load_spec("ecsi"), sem_csat.datasets.load("ecsi_mobile"))
>>> res = ipma(result)
>>> res.table[res.table.level == "construct"].round(3)
    target      level          name  importance  performance
0  Loyalty  construct         Image       0.643       73.528
1  Loyalty  construct   Expectation       0.341       72.474
2  Loyalty  construct       Quality       0.505       74.977
3  Loyalty  construct         Value       0.109       62.347
4  Loyalty  construct  Satisfaction       0.790       72.454
5  Loyalty  construct    Complaints       0.058       67.422
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.diagnostics import Diagnostic, emit
from sem_csat.errors import UsageError
from sem_csat.pls.index import index_diagnostics, index_scores, item_scales, rescaled_weights
from sem_csat.spec.model import did_you_mean

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure

    from sem_csat.pls.results import PLSResult
    from sem_csat.spec.model import ModelSpec
    from sem_csat.summary import Summary

__all__ = ["IPMA_COLUMNS", "IPMAResult", "default_target", "ipma"]

FloatArray = npt.NDArray[np.float64]
Level = Literal["construct", "indicator"]
PlotLevel = Literal["construct", "indicator", "both"]

#: Columns of :attr:`IPMAResult.table` (and of ``ipma.csv``).
IPMA_COLUMNS: tuple[str, ...] = ("target", "level", "name", "importance", "performance")
_PLOT_LEVELS: tuple[PlotLevel, ...] = ("construct", "indicator", "both")
_FORMATS: tuple[str, ...] = (".png", ".pdf")

#: The label of a point sits in the first free place of a growing ring around it (in this
#: order: right, upper right, above, upper left, left, lower left, below, lower right).
_DIRECTIONS: tuple[tuple[int, int], ...] = (
    (1, 0),
    (1, 1),
    (0, 1),
    (-1, 1),
    (-1, 0),
    (-1, -1),
    (0, -1),
    (1, -1),
)
_RINGS = 40
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">", "p")
_FILLS = ("0.1", "white", "0.55", "0.8")
_CONCENTRATE = "Concentrate here\n(high importance, low performance)"


# --------------------------------------------------------------------------------------------
# the analysis


def default_target(spec: ModelSpec) -> str:
    """The default IPMA target: the last endogenous construct in topological order.

    Raises
    ------
    UsageError
        When the model has no structural paths.
    """
    if not spec.endogenous:
        raise UsageError(
            f"An IPMA needs a structural model, but the model '{spec.name}' has no paths: no "
            "construct has an effect on another."
        )
    return spec.endogenous[-1]


def _check_target(spec: ModelSpec, target: str | None) -> str:
    if target is None:
        return default_target(spec)
    if not isinstance(target, str) or target not in spec.construct_names:
        hint = did_you_mean(target, spec.construct_names) if isinstance(target, str) else ""
        raise UsageError(
            f"The IPMA target {target!r} is not a construct of the model '{spec.name}'{hint}; "
            f"choose one of {', '.join(spec.endogenous) or 'its endogenous constructs'}."
        )
    if not spec.predecessors(target):
        choices = ", ".join(f"'{n}'" for n in spec.endogenous)
        raise UsageError(
            f"The IPMA target '{target}' has no predecessors: no path leads into it, so no "
            "construct has an effect on it whose importance could be mapped. Choose a "
            f"construct that paths lead into ({choices}); the default is the last of them."
        )
    return target


def _ancestors(spec: ModelSpec, target: str) -> list[str]:
    found: set[str] = set()
    todo = [target]
    while todo:
        for p in spec.predecessors(todo.pop()):
            if p not in found:
                found.add(p)
                todo.append(p)
    return [n for n in spec.topological_order if n in found]


@dataclass(frozen=True, eq=False)
class IPMAResult:
    """An importance-performance map for one target construct.

    Attributes
    ----------
    target
        The target construct.
    table
        Columns :data:`IPMA_COLUMNS`: ``target, level`` (``"construct"`` or ``"indicator"``),
        ``name, importance, performance``; constructs first (topological order), then their
        indicators.  NaN where a value is undefined (see ``diagnostics``).
    total_effects
        Unstandardized total effects between all constructs (row = from, column = to), in
        0–100 points of the column construct per point of the row construct.
    spec
        The model (for labels).
    diagnostics
        Warnings about undefined values (negative rescaled weights).
    """

    target: str
    table: pd.DataFrame
    total_effects: pd.DataFrame
    spec: ModelSpec
    diagnostics: tuple[Diagnostic, ...] = ()

    def __repr__(self) -> str:
        n = int((self.table["level"] == "construct").sum())
        return f"<IPMAResult target={self.target!r}: {n} drivers>"

    def summary(self) -> Summary:
        """Importance (total effect) and performance (0–100) of every driver, constructs first."""
        from sem_csat.summary import Section, Summary

        constructs = self.table[self.table["level"] == "construct"]
        indicators = self.table[self.table["level"] == "indicator"]
        cols = ["name", "importance", "performance"]
        return Summary(
            f"Importance-performance map for {self.target}",
            [("Target", self.target), ("Drivers", str(len(constructs)))],
            [
                Section("Constructs", constructs[cols]),
                Section("Indicators", indicators[cols], collapsed=True),
            ],
            self.diagnostics,
        )

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def figure(
        self,
        level: PlotLevel = "construct",
        *,
        title: str | None = None,
        figsize: tuple[float, float] | None = None,
    ) -> Figure:
        """Draw the importance-performance map.

        Parameters
        ----------
        level
            ``"construct"`` (default), ``"indicator"`` or ``"both"`` (two panels).
        title
            Figure title; default names the target.
        figsize
            Size in inches.

        Returns
        -------
        matplotlib.figure.Figure
            A figure with an Agg canvas (no GUI backend needed).  Importance is on the
            horizontal axis, performance on the vertical one; dashed lines at their means split
            the map into quadrants, and the high-importance, low-performance quadrant is shaded
            and marked "Concentrate here" (Martilla & James 1977).  Point labels are placed so
            that they overlap neither each other nor the points, with a thin leader line when a
            label had to move away from its point.  Greys and marker shapes only, so the map
            survives black-and-white printing.
        """
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        if level not in _PLOT_LEVELS:
            raise UsageError(
                f"level must be one of {', '.join(map(repr, _PLOT_LEVELS))}; got {level!r}."
            )
        levels: list[Level] = ["construct", "indicator"] if level == "both" else [level]
        if figsize is None:
            figsize = (7.5 * len(levels), 5.5) if level != "construct" else (7.0, 5.2)
        fig = Figure(figsize=figsize, layout="constrained")
        canvas = FigureCanvasAgg(fig)
        axes = fig.subplots(1, len(levels), squeeze=False)[0]
        target_label = self.spec.construct(self.target).display
        panels = [
            _draw_panel(ax, self._rows(lv), lv, target_label, len(levels) > 1)
            for ax, lv in zip(axes, levels, strict=True)
        ]
        fig.suptitle(title if title is not None else f"Importance–performance map: {target_label}")
        canvas.draw()  # type: ignore[no-untyped-call]
        renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]
        moved = [
            _clear_caption(ax, panel, renderer) for ax, panel in zip(axes, panels, strict=True)
        ]
        if any(moved):
            canvas.draw()  # type: ignore[no-untyped-call]
        fig.set_layout_engine("none")  # freeze the layout before placing labels in pixels
        for ax, panel in zip(axes, panels, strict=True):
            _place_labels(ax, panel, renderer)
        return fig

    def save(
        self, path: str | os.PathLike[str], *, level: PlotLevel = "construct", dpi: int = 300
    ) -> Path:
        """Write the map to a ``.png`` (raster, ``dpi`` dots per inch, default 300) or ``.pdf``.

        Returns
        -------
        pathlib.Path
            The file written.

        Raises
        ------
        UsageError
            For another file type or a folder that does not exist.
        """
        out = Path(path)
        suffix = out.suffix.lower()
        if suffix not in _FORMATS:
            raise UsageError(
                f"Cannot write an IPMA figure to '{out}': use a file name ending in .png or .pdf."
            )
        if not out.parent.is_dir():
            raise UsageError(
                f"Cannot write '{out}': the folder '{out.parent}' does not exist; create it first."
            )
        fig = self.figure(level)
        metadata: dict[str, str | None] = {"CreationDate": None} if suffix == ".pdf" else {}
        fig.savefig(out, dpi=dpi, format=suffix[1:], metadata=metadata)
        return out

    def _rows(self, level: Level) -> pd.DataFrame:
        rows = self.table[self.table["level"] == level]
        finite = np.isfinite(rows["importance"].to_numpy(dtype=np.float64)) & np.isfinite(
            rows["performance"].to_numpy(dtype=np.float64)
        )
        rows = rows[finite]
        out = pd.DataFrame(
            {
                "x": rows["importance"].to_numpy(dtype=np.float64),
                "y": rows["performance"].to_numpy(dtype=np.float64),
                "name": rows["name"].to_numpy(dtype=object),
            }
        )
        if level == "construct":
            out["label"] = [self.spec.construct(n).display for n in out["name"]]
            out["group"] = ""
        else:
            out["label"] = out["name"]
            out["group"] = [self.spec.construct_of(n).display for n in out["name"]]
        return out


def ipma(result: PLSResult, target: str | None = None) -> IPMAResult:
    """Importance-performance map analysis of a PLS fit for one target construct.

    Parameters
    ----------
    result
        A PLS fit of a model that declares the answer scale (``scale:``) of the target and of
        every construct with an effect on it.
    target
        The target construct; default :func:`default_target` (the last endogenous construct).

    Returns
    -------
    IPMAResult

    Raises
    ------
    UsageError
        When ``target`` is unknown (with a did-you-mean hint) or has no predecessors.
    SpecError
        When a construct involved has no declared answer scale.

    Warns
    -----
    SemCsatWarning
        When a construct involved has a negative rescaled weight; its values are NaN.

    Notes
    -----
    The recipe of Ringle & Sarstedt (2016) and Hair et al. (2018, ch. 4):

    1. rescale every item to 0–100 with its declared scale,
       :math:`x'_k = (x_k - \\text{low}_k) / (\\text{high}_k - \\text{low}_k) \\times 100`;
    2. unstandardize the standardized outer weights with the items' standard deviations
       :math:`s'_k` and rescale them to sum to 1 per block,
       :math:`\\tilde w_{kj} = (w_{kj} / s'_k) / \\sum_{m \\in K_j} w_{mj} / s'_m`;
    3. build the unstandardized scores :math:`\\xi'_j = \\sum_{k \\in K_j} \\tilde w_{kj} x'_k`;
       the *performance* of a construct is their mean, which is exactly its ACSI index
       (:func:`sem_csat.pls.index.index_scores`), and the performance of an item is
       :math:`\\bar x'_k`;
    4. estimate the structural model on the unstandardized scores; its total effects are the
       *importance* of each predecessor (direct or indirect) of the target.  Because
       :math:`\\xi'_j` is an increasing linear function of the standardized PLS score with slope
       :math:`\\text{sd}(\\xi'_j)`, the OLS paths on :math:`\\xi'` are
       :math:`\\beta_{ij}\\,\\text{sd}(\\xi'_j)/\\text{sd}(\\xi'_i)` and so are the total
       effects: :math:`T'_{ij} = T_{ij}\\,\\text{sd}(\\xi'_j)/\\text{sd}(\\xi'_i)`, computed so;
       ``tests/test_ipma.py`` checks it against the regressions;
    5. the importance of an item is :math:`\\tilde w_{kj} \\, T'_{j,\\text{target}}`: one more
       point on item :math:`k` raises :math:`\\xi'_j` by :math:`\\tilde w_{kj}` points.

    Importance is read as "points of the target's 0–100 score gained per point gained by the
    driver".  IPMA needs non-negative rescaled weights: a construct with a negative one gets
    NaN importance and performance (and the indicator-level importance of its items), and a
    target with one makes every importance NaN.  seminrExtras' ``assess_ipma`` differs in two
    ways: its performance weights are the standardized weights (not divided by the item SDs),
    and the scale is one ``scale_min, scale_max`` for all items.

    References
    ----------
    .. [1] Ringle, C. M., & Sarstedt, M. (2016). Gain more insight from your PLS-SEM results:
       the importance-performance map analysis. *Industrial Management & Data Systems*,
       116(9), 1865–1886.
    .. [2] Hair, J. F., Sarstedt, M., Ringle, C. M., & Gudergan, S. P. (2018). *Advanced Issues
       in Partial Least Squares Structural Equation Modeling*, ch. 4. Thousand Oaks: Sage.
    .. [3] Martilla, J. A., & James, J. C. (1977). Importance-performance analysis. *Journal of
       Marketing*, 41(1), 77–79.
    """
    spec = result.spec
    target = _check_target(spec, target)
    drivers = _ancestors(spec, target)
    involved = [*drivers, target]
    lows, highs = item_scales(spec, involved)
    x = result.data.frame.loc[:, list(spec.indicator_names)].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        xr = (x - lows) / (highs - lows) * 100.0
    pos = {name: k for k, name in enumerate(spec.indicator_names)}
    blocks = [[pos[i] for i in c.indicator_names] for c in spec.constructs]
    w = np.asarray(result.estimate.weights, dtype=np.float64)
    omega = rescaled_weights(w, xr.std(axis=0, ddof=1), blocks)
    performance = index_scores(w, x.mean(axis=0), x.std(axis=0, ddof=1), blocks, lows, highs)
    sd_score = np.full(len(blocks), np.nan)
    for j, block in enumerate(blocks):
        if np.isfinite(performance[j]):
            sd_score[j] = float(np.std(xr[:, block] @ omega[block, j], ddof=1))
    total = np.asarray(result.estimate.total_effects, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        unstd = total * sd_score[None, :] / sd_score[:, None]
    names = spec.construct_names
    t = names.index(target)
    rows: list[dict[str, object]] = []
    for d in drivers:
        j = names.index(d)
        rows.append(_row(target, "construct", d, unstd[j, t], performance[j]))
    item_perf = xr.mean(axis=0)
    for d in drivers:
        j = names.index(d)
        for i in spec.construct(d).indicator_names:
            k = pos[i]
            rows.append(_row(target, "indicator", i, omega[k, j] * unstd[j, t], item_perf[k]))
    table = pd.DataFrame(rows, columns=list(IPMA_COLUMNS))
    diagnostics = list(index_diagnostics(result, involved))
    if not np.isfinite(performance[t]):
        diagnostics.append(
            Diagnostic(
                "warning",
                "ipma_target_undefined",
                f"The IPMA target '{target}' has a negative rescaled weight, so its 0–100 score "
                "is undefined and so is every importance (reported as NaN). Fix its block "
                "first (see the previous warning).",
            )
        )
    emit(diagnostics, stacklevel=3)
    return IPMAResult(
        target=target,
        table=table,
        total_effects=pd.DataFrame(unstd, index=list(names), columns=list(names)),
        spec=spec,
        diagnostics=tuple(diagnostics),
    )


def _row(target: str, level: str, name: str, importance: float, perf: float) -> dict[str, object]:
    return {
        "target": target,
        "level": level,
        "name": name,
        "importance": float(importance),
        "performance": float(perf),
    }


# --------------------------------------------------------------------------------------------
# the figure


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


def _draw_panel(ax: Axes, rows: pd.DataFrame, level: Level, target: str, both: bool) -> _Panel:
    from matplotlib.patches import Rectangle

    ax.set_xlabel(
        f"Importance: unstandardized total effect on {target}\n"
        "(points of its 0–100 score per point of the driver)"
    )
    ax.set_ylabel("Performance (0–100 index)")
    if both:
        ax.set_title("Constructs" if level == "construct" else "Indicators")
    panel = _Panel(rows=rows, marker_size=6.0 if level == "construct" else 5.0)
    if rows.empty:
        ax.text(0.5, 0.5, "no finite values to map", transform=ax.transAxes, ha="center")
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
    ax.axvline(mx, color="0.35", linestyle="--", linewidth=0.8, zorder=1)
    ax.axhline(my, color="0.35", linestyle="--", linewidth=0.8, zorder=1)
    panel.caption = ax.text(
        0.985,
        0.02,
        _CONCENTRATE,
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize="small",
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
            markeredgewidth=0.8,
            label=group,
            zorder=3,
        )
    if level == "indicator":
        ax.legend(
            title="Construct",
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
            fontsize="small",
            title_fontsize="small",
        )
    ax.grid(False)
    return panel


def _pixels(ax: Axes, points: float) -> float:
    fig = ax.get_figure(root=True)
    dpi = float(fig.dpi) if fig is not None else 72.0
    return points * dpi / 72.0


def _marker_boxes(ax: Axes, panel: _Panel, renderer: RendererBase) -> list[_Box]:
    rows = panel.rows
    pts = ax.transData.transform(np.column_stack([rows["x"], rows["y"]]))
    half = 0.5 * _pixels(ax, panel.marker_size) + 1.0
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
        if not any(_overlap(box, m, 2.0) for m in _marker_boxes(ax, panel, renderer)):
            break
        moved = True
        y0, y1 = ax.get_ylim()
        axes_height = ax.get_window_extent(renderer).height
        ax.set_ylim(y0 - (ext.height + 6.0) / axes_height * (y1 - y0) * 1.2, y1)
    return moved


_Box = tuple[float, float, float, float]


def _overlap(a: _Box, b: _Box, margin: float = 0.0) -> bool:
    return (
        a[0] < b[2] + margin
        and b[0] < a[2] + margin
        and a[1] < b[3] + margin
        and b[1] < a[3] + margin
    )


def _area(a: _Box, b: _Box) -> float:
    dx = min(a[2], b[2]) - max(a[0], b[0])
    dy = min(a[3], b[3]) - max(a[1], b[1])
    return max(dx, 0.0) * max(dy, 0.0)


def _place_labels(ax: Axes, panel: _Panel, renderer: RendererBase) -> None:
    """Label every point without overlaps: a deterministic greedy search on growing rings.

    Each label, in table order, goes to the first candidate position (rings of 8 directions at
    growing distance from its point) that lies inside the axes and meets no marker, no placed
    label and no caption, keeping a 2-pixel gap; if none does, the position with the least
    overlap is used.  Offsets are stored in inches, so the layout does not depend on the dpi.
    """
    from matplotlib.transforms import ScaledTranslation

    rows = panel.rows
    if rows.empty:
        return
    fig = ax.get_figure(root=True)
    if fig is None:  # pragma: no cover - axes always belong to a figure here
        return
    dpi = float(fig.dpi)
    frame = ax.get_window_extent(renderer)
    inside: _Box = (frame.x0 + 2, frame.y0 + 2, frame.x1 - 2, frame.y1 - 2)
    markers = _marker_boxes(ax, panel, renderer)
    obstacles: list[_Box] = list(markers)
    if panel.caption is not None:
        from matplotlib.text import Text

        if isinstance(panel.caption, Text):
            ext = panel.caption.get_window_extent(renderer)
            obstacles.append((ext.x0, ext.y0, ext.x1, ext.y1))
    gap = 2.0
    pts = ax.transData.transform(np.column_stack([rows["x"], rows["y"]]))
    half_marker = 0.5 * _pixels(ax, panel.marker_size)
    for (px, py), label in zip(pts, rows["label"], strict=True):
        probe = ax.text(px, py, str(label), fontsize="small", transform=None)
        ext = probe.get_window_extent(renderer)
        probe.remove()
        hw, hh = 0.5 * ext.width, 0.5 * ext.height
        step = max(hh, 4.0)
        best: tuple[float, float, float, _Box] = (math.inf, px, py, (px, py, px, py))
        chosen: tuple[float, float, _Box] | None = None
        for ring in range(_RINGS):
            for ux, uy in _DIRECTIONS:
                cx = px + ux * (hw + half_marker + gap + ring * step)
                cy = py + uy * (hh + half_marker + gap + ring * step)
                box = (cx - hw, cy - hh, cx + hw, cy + hh)
                fits = (
                    box[0] >= inside[0]
                    and box[1] >= inside[1]
                    and box[2] <= inside[2]
                    and box[3] <= inside[3]
                )
                clash = sum(_area(box, o) for o in obstacles if _overlap(box, o, gap))
                if fits and clash == 0.0 and not any(_overlap(box, o, gap) for o in obstacles):
                    chosen = (cx, cy, box)
                    break
                penalty = clash + (0.0 if fits else 1e6)
                if penalty < best[0]:
                    best = (penalty, cx, cy, box)
            if chosen is not None:
                break
        if chosen is None:
            chosen = (best[1], best[2], best[3])
        cx, cy, box = chosen
        obstacles.append(box)
        offset = ScaledTranslation((cx - px) / dpi, (cy - py) / dpi, fig.dpi_scale_trans)
        x, y = ax.transData.inverted().transform((px, py))
        text = ax.text(
            x,
            y,
            str(label),
            fontsize="small",
            ha="center",
            va="center",
            transform=ax.transData + offset,
            zorder=4,
        )
        text.set_gid("ipma-label")
        far = math.hypot(cx - px, cy - py) > math.hypot(hw, hh) + half_marker + gap + step
        if far:
            ex = min(max(px, box[0]), box[2])
            ey = min(max(py, box[1]), box[3])
            ax.annotate(
                "",
                xy=(x, y),
                xytext=((ex - px) * 72.0 / dpi, (ey - py) * 72.0 / dpi),
                textcoords="offset points",
                arrowprops={
                    "arrowstyle": "-",
                    "color": "0.45",
                    "linewidth": 0.6,
                    "shrinkA": 0.0,
                    "shrinkB": half_marker * 72.0 / dpi + 1.0,
                },
                zorder=2,
            )
