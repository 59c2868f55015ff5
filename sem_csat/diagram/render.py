"""Drawing path diagrams with matplotlib (no Graphviz), and saving them for journals.

matplotlib is imported inside the functions, so ``import sem_csat`` stays fast, and the figure
is a bare :class:`matplotlib.figure.Figure` (no pyplot), so no GUI or global state is touched.

Examples
--------
>>> import sem_csat
>>> from sem_csat.diagram import path_diagram
>>> d = path_diagram(sem_csat.load_spec("acsi"))
>>> d  # doctest: +ELLIPSIS
<Diagram 'ACSI': 6 constructs, 9 paths, 3.50 x ... in, grey>
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sem_csat.diagram.column import (
    LEGEND_LINE,
    MARGIN_PT,
    TITLE_SCALE,
    Drawing,
    fit_to_column,
    legend_pt,
    title_pt,
    warn_labels,
    warn_width,
)
from sem_csat.diagram.compact import Step, abbreviations
from sem_csat.diagram.geometry import is_wide
from sem_csat.diagram.layout import (
    HEAD_LENGTH_EM,
    HEAD_WIDTH_EM,
    Layout,
)
from sem_csat.diagram.themes import SIZES, THEMES, Theme
from sem_csat.errors import SpecWarning, UsageError
from sem_csat.rendering.apa import format_value
from sem_csat.rendering.apa import stars as star_marks

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sem_csat.spec.model import ModelSpec

__all__ = [
    "CJK_FONTS",
    "DEFAULT_FONT",
    "LABELS",
    "Diagram",
    "construct_names",
    "find_cjk_font",
    "path_diagram",
]

DEFAULT_FONT = "DejaVu Sans"
#: Families tried, in order, for Chinese, Japanese and Korean labels.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Noto Sans CJK KR",
    "Source Han Sans SC",
    "Source Han Sans",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Serif CJK SC",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
)
_FORMATS = (".pdf", ".svg", ".png", ".eps", ".tex")
#: Ways of naming constructs in a diagram: the spec's labels (as the tables do) or the names.
LABELS = ("label", "name")


_CJK_FILE_HINTS = (
    "cjk",
    "wqy",
    "wenquanyi",
    "sourcehan",
    "simhei",
    "yahei",
    "pingfang",
    "hiragino",
)


def find_cjk_font() -> str | None:
    """Name of an installed font family with CJK glyphs (see :data:`CJK_FONTS`), or ``None``.

    Fonts installed after matplotlib built its font cache are found too: system font files
    whose names suggest CJK coverage are registered with matplotlib's font manager (in memory
    only; the cache on disk is left alone).
    """
    from matplotlib import font_manager

    def pick() -> str | None:
        installed = {f.name for f in font_manager.fontManager.ttflist}
        return next((name for name in CJK_FONTS if name in installed), None)

    found = pick()
    if found is not None:
        return found
    known = {f.fname for f in font_manager.fontManager.ttflist}
    for path in sorted(font_manager.findSystemFonts()):
        name = Path(path).name.lower().replace("-", "").replace("_", "")
        if path not in known and any(hint in name for hint in _CJK_FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # pragma: no cover - broken font file
                continue
    return pick()


@dataclass(frozen=True)
class _Values:
    spec: ModelSpec
    paths: dict[tuple[str, str], tuple[float, float, float, float]]  # est, p, lo, hi
    r2: dict[str, float]
    outer: dict[tuple[str, str], float]


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _extract(source: object) -> _Values:
    """Read the spec and the standardized estimates from a spec, a result or saved results.

    Everything comes from the result contract (:mod:`sem_csat.contract`): ``paths`` (the
    standardized estimate, its p value and interval), ``r2`` and ``outer`` (the standardized
    loading, or the weight of a formative construct's item).
    """
    from sem_csat.contract import SEMResult
    from sem_csat.diagram.saved import SavedResults
    from sem_csat.spec.model import ModelSpec

    if isinstance(source, ModelSpec):
        return _Values(source, {}, {}, {})
    if not isinstance(source, SEMResult | SavedResults):
        raise UsageError(
            "path_diagram() draws a ModelSpec, a fitted result or saved results, got "
            f"{type(source).__name__}; pass sem_csat.load_spec(...), a result of "
            "sem_csat.fit() or sem_csat.diagram.read_results_folder(...)."
        )
    spec = source.spec
    table = source.paths
    cols = set(table.columns)
    paths: dict[tuple[str, str], tuple[float, float, float, float]] = {}
    for row in table.to_dict("records"):
        est, std = _num(row.get("estimate")), _num(row.get("std_estimate"))
        value = std if math.isfinite(std) else est
        lo, hi = _num(row.get("ci_lower")), _num(row.get("ci_upper"))
        if "std_estimate" in cols and est != 0 and math.isfinite(est) and value != est:
            # intervals of an unstandardized estimate: rescale them like the estimate.
            lo, hi = sorted((lo * value / est, hi * value / est))
        paths[(str(row["from"]), str(row["to"]))] = (value, _num(row.get("p_value")), lo, hi)
    r2 = {str(k): _num(v) for k, v in source.r2["r2"].items()}
    outer: dict[tuple[str, str], float] = {}
    loadings = source.outer
    if loadings is not None:
        std_column = "std_loading" if "std_loading" in loadings.columns else "loading"
        for row in loadings.to_dict("records"):
            c = spec.construct(str(row["construct"]))
            formative = c.mode == "formative" and "weight" in row
            outer[(c.name, str(row["indicator"]))] = _num(
                row["weight"] if formative else row[std_column]
            )
    return _Values(spec, paths, r2, outer)


class Diagram:
    """A drawn path diagram: a matplotlib figure plus the layout it was drawn from.

    The figure is as wide as it will be printed and its text has its printed size (see
    :mod:`sem_csat.rendering.printsize`); in Jupyter it displays itself (SVG and PNG).

    Attributes
    ----------
    figure, ax
        The :class:`matplotlib.figure.Figure` and its single axes.
    layout
        The :class:`~sem_csat.diagram.layout.Layout` (coordinates in points).
    spec
        The model drawn.
    size
        The column width asked for (``"single"`` or ``"double"``).
    width_in
        The width of the figure in inches: the column's, or more when the model needs it.
    needs_double_width
        True when a single column was asked for but the model does not fit one with legible
        text, so the diagram was drawn at double-column width (a
        :class:`~sem_csat.errors.FigureWarning` says so).
    step
        The :class:`~sem_csat.diagram.compact.Step` of the compaction ladder that was used.
    abbreviations
        Construct name to the code shown in the diagram, when labels had to be abbreviated
        (empty otherwise); :attr:`legend` explains the codes.
    legend
        ``"CODE = label; ..."`` for the caption, or ``""``.
    edge_artists
        The arrow patch of every edge, by ``(source id, target id)``.
    """

    def __init__(
        self,
        figure: Figure,
        ax: Axes,
        layout: Layout,
        spec: ModelSpec,
        *,
        theme: str,
        families: list[str],
        edge_artists: dict[tuple[str, str], Any],
        dashed: frozenset[tuple[str, str]],
        size: str = "single",
        step: Step | None = None,
        needs_double_width: bool = False,
        abbreviations: dict[str, str] | None = None,
        legend: str = "",
    ) -> None:
        self.figure = figure
        self.ax = ax
        self.layout = layout
        self.spec = spec
        self.theme = theme
        self.scale = 1.0  # text and geometry are drawn at their printed size
        self.families = families
        self.edge_artists = edge_artists
        self.dashed = dashed
        self.size = size
        self.step = step
        self.needs_double_width = needs_double_width
        self.abbreviations = abbreviations or {}
        self.legend = legend

    @property
    def width_in(self) -> float:
        """Width of the figure in inches."""
        return float(self.figure.get_size_inches()[0])

    def __repr__(self) -> str:
        w, h = self.figure.get_size_inches()
        return (
            f"<Diagram {self.spec.name!r}: {len(self.spec.constructs)} constructs, "
            f"{len(self.spec.paths)} paths, {w:.2f} x {h:.2f} in, {self.theme}>"
        )

    @contextmanager
    def _rc(self, **extra: Any) -> Iterator[None]:
        import matplotlib as mpl

        params: Any = {"pdf.fonttype": 42, "ps.fonttype": 42, "svg.hashsalt": "sem_csat", **extra}
        with mpl.rc_context(params):
            yield

    def save(self, path: str | Path, *, dpi: int = 300) -> Path:
        """Save the diagram; the format follows the suffix (.pdf, .svg, .png, .eps, .tex).

        PDF and EPS embed TrueType fonts, SVG keeps text as text (``svg.fonttype='none'``),
        PNG uses ``dpi`` (at least 300 is advised for print: a double-column figure is then
        2160 px wide), and ``.tex`` writes the TikZ picture of :meth:`to_tikz`.
        """
        out = Path(path)
        suffix = out.suffix.lower()
        if suffix not in _FORMATS:
            raise UsageError(
                f"Cannot save a diagram as '{out.name}': use one of {', '.join(_FORMATS)}."
            )
        if out.parent.exists() and not out.parent.is_dir():
            raise UsageError(f"Cannot save into '{out.parent}': it is a file, not a folder.")
        out.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".tex":
            out.write_text(self.to_tikz(), encoding="utf-8")
            return out
        rc = {"svg.fonttype": "none"} if suffix == ".svg" else {}
        with self._rc(**rc):
            self.figure.savefig(out, dpi=dpi, facecolor=self.figure.get_facecolor())
        return out

    def to_tikz(self) -> str:
        """A ``tikzpicture`` with the same geometry (see :func:`sem_csat.diagram.tikz.to_tikz`)."""
        from sem_csat.diagram.tikz import to_tikz

        return to_tikz(self.layout, scale=self.scale, dashed=self.dashed)

    def to_svg(self) -> str:
        """The diagram as an SVG document with its text kept as text, at its printed size."""
        buf = io.StringIO()
        with self._rc(**{"svg.fonttype": "none"}):
            self.figure.savefig(buf, format="svg", facecolor=self.figure.get_facecolor())
        return buf.getvalue()

    def _repr_svg_(self) -> str:
        return self.to_svg()

    def _repr_png_(self) -> tuple[bytes, dict[str, int]]:
        from sem_csat.rendering.mplfigure import png_bytes

        with self._rc():
            return png_bytes(self.figure)


def _check_font(font: str) -> None:
    """Refuse a font family that is not installed (matplotlib would print a 'findfont' line
    per label and draw in its default font)."""
    from matplotlib import font_manager

    try:
        font_manager.findfont(font_manager.FontProperties(family=font), fallback_to_default=False)
    except ValueError:
        installed = sorted({f.name for f in font_manager.fontManager.ttflist})
        shown = ", ".join(installed[:8]) + (" and others" if len(installed) > 8 else "")
        raise UsageError(
            f"The font {font!r} is not installed (installed: {shown or 'none'}); pass one of "
            "these, a generic family such as 'serif' or 'sans-serif', or install the font."
        ) from None


def _choose_fonts(spec: ModelSpec, font: str | None) -> tuple[list[str], dict[str, bool]]:
    """Font families to use and, per construct, whether its label can be shown."""
    if font is not None:
        _check_font(font)
    cjk = [c for c in spec.constructs if any(is_wide(ch) for ch in c.display)]
    families = [font or DEFAULT_FONT]
    use_label = {c.name: True for c in spec.constructs}
    if not cjk or font is not None:
        return families, use_label
    found = find_cjk_font()
    if found is not None:
        return [*families, found], use_label
    names = ", ".join(f"'{c.name}' ({c.display})" for c in cjk)
    warnings.warn(
        f"No installed font has the Chinese/Japanese/Korean characters in the labels of {names}; "
        "the diagram shows the construct names instead. Install a CJK font (on Debian/Ubuntu: "
        "apt install fonts-noto-cjk) or pass font='<family>' to path_diagram().",
        SpecWarning,
        stacklevel=3,
    )
    for c in cjk:
        use_label[c.name] = False
    return families, use_label


def construct_names(spec: ModelSpec, labels: str = "label") -> dict[str, str]:
    """The name shown for each construct: its spec label (default) or its short name.

    ``labels="label"`` gives :attr:`Construct.display <sem_csat.spec.model.Construct.display>`
    (the ``label:`` of the spec, else the name), the naming of the publication tables;
    ``labels="name"`` the names used in paths and data.

    >>> import sem_csat
    >>> construct_names(sem_csat.load_spec("ecsi"))["Satisfaction"]
    'Customer satisfaction'
    >>> construct_names(sem_csat.load_spec("ecsi"), "name")["Satisfaction"]
    'Satisfaction'
    """
    if labels not in LABELS:
        raise UsageError(f"labels must be 'label' or 'name', got {labels!r}.")
    return {c.name: c.display if labels == "label" else c.name for c in spec.constructs}


def path_diagram(
    source: object,
    *,
    indicators: bool = False,
    theme: str = "grey",
    size: str = "single",
    stars: bool = True,
    ci: bool = False,
    decimals: int = 2,
    font: str | None = None,
    title: str | None = None,
    show_r2: bool = True,
    labels: str = "label",
) -> Diagram:
    """Draw the path diagram of a model or of fitted results at its printed size.

    Parameters
    ----------
    source
        A :class:`~sem_csat.spec.model.ModelSpec` (the model only), a fitted result of either
        engine (:class:`~sem_csat.contract.SEMResult`: the standardized estimates
        ``paths.std_estimate``, ``r2`` and ``outer.std_loading``, with p values and intervals
        where the result has them) or :class:`~sem_csat.diagram.saved.SavedResults`.
    indicators
        Also draw the indicators as boxes, with loadings (reflective) or weights (formative).
    theme
        ``"grey"`` (journal greyscale, default) or ``"colour"``.
    size
        ``"single"`` column (3.5 in, 89 mm) or ``"double"`` column (7.2 in, 183 mm) width.
    stars
        Mark significant paths with ``*`` (p < .05), ``**`` (p < .01), ``***`` (p < .001).
    ci
        Print the 95 % interval ``[lo, hi]`` after each coefficient (needs intervals: a
        bootstrap, or a CB-SEM result).  Intervals of unstandardized estimates are rescaled to
        the standardized metric.
    decimals
        Decimals of coefficients, R² and loadings.
    font
        Font family; default DejaVu Sans (ships with matplotlib, so images are reproducible),
        with a CJK fallback font when labels need one.
    title
        Optional title above the diagram.
    show_r2
        Print ``R² = .68`` inside endogenous constructs.
    labels
        ``"label"`` (default): the constructs' labels from the spec (``Customer
        satisfaction``), as the publication tables name them; ``"name"``: their short names
        (``Satisfaction``).

    Returns
    -------
    Diagram
        Non-significant paths (p ≥ .05, or an interval containing 0) are dashed.

    Warns
    -----
    FigureWarning
        When a single-column diagram cannot keep its text at 7 pt in 3.5 in and is drawn at
        double-column width (``needs_double_width``), or a double-column one needs more than
        7.2 in.

    Raises
    ------
    UsageError
        For an unknown theme, size or labels option, a negative ``decimals``, or ``ci=True``
        without intervals.

    Notes
    -----
    The diagram is laid out at its printed text sizes: construct labels at 7.5 pt (single
    column) or 8 pt (double), indicator names, coefficients, loadings and the legend at 7 pt.
    Text is never scaled down to fit: when the layout is too wide for the column, more compact
    layouts are tried in turn (:mod:`sem_csat.diagram.compact`): shorter label lines and
    tighter gaps, a top-to-bottom flow, abbreviated labels explained in a legend.
    """
    if _is_grouped(source):
        from sem_csat.diagram.groups import group_diagram

        return group_diagram(
            source,
            indicators=indicators,
            theme=theme,
            size=size,
            stars=stars,
            ci=ci,
            decimals=decimals,
            font=font,
            show_r2=show_r2,
            labels=labels,
        )
    plan = plan_diagram(
        source,
        indicators=indicators,
        theme=theme,
        size=size,
        stars=stars,
        ci=ci,
        decimals=decimals,
        font=font,
        title=title,
        show_r2=show_r2,
        labels=labels,
    )
    return draw_plan(plan)


def _is_grouped(source: object) -> bool:
    """Whether ``source`` is a multi-group result (decided by its content, the grouping)."""
    from sem_csat.contract import SEMResult

    return isinstance(source, SEMResult) and source.grouping is not None


@dataclass(frozen=True)
class DiagramPlan:
    """Everything decided before a diagram is drawn: the laid-out drawing at its column width,
    the theme, fonts and which paths are dashed (:func:`plan_diagram`)."""

    drawn: Drawing
    spec: ModelSpec
    theme: Theme
    theme_name: str
    width_in: float
    families: list[str]
    title: str | None
    dashed: frozenset[tuple[str, str]]
    size: str
    needs_double: bool
    codes: dict[str, str]
    legend: str

    @property
    def height_pt(self) -> float:
        """Height of the drawing in points."""
        return float(self.drawn.height_pt)


def plan_diagram(
    source: object,
    *,
    indicators: bool = False,
    theme: str = "grey",
    size: str = "single",
    stars: bool = True,
    ci: bool = False,
    decimals: int = 2,
    font: str | None = None,
    title: str | None = None,
    show_r2: bool = True,
    labels: str = "label",
    marks: dict[tuple[str, str], str] | None = None,
    warn: bool = True,
) -> DiagramPlan:
    """Lay out the diagram of ``source`` for its column (arguments as :func:`path_diagram`).

    ``marks`` appends a sign to the coefficient of a path, ``(from, to) -> "†"`` (the group
    panels mark the paths that differ between groups); ``warn=False`` leaves the width warning
    to the caller.
    """
    if theme not in THEMES:
        raise UsageError(f"Unknown theme {theme!r}; use one of {', '.join(sorted(THEMES))}.")
    if size not in SIZES:
        raise UsageError(f"Unknown size {size!r}; use 'single' or 'double'.")
    if not isinstance(decimals, int) or not 0 <= decimals <= 6:
        raise UsageError(f"decimals must be a whole number from 0 to 6, got {decimals!r}.")
    shown = construct_names(_spec_of(source), labels) if labels != "label" else None
    values = _extract(source)
    spec = values.spec
    if ci and values.paths and not any(math.isfinite(v[2]) for v in values.paths.values()):
        raise UsageError(
            "ci=True needs confidence intervals; bootstrap the PLS result first "
            "(result.bootstrap(n_boot=...)) or pass ci=False."
        )
    families, use_label = _choose_fonts(spec, font)
    if shown is None:
        shown = {c.name: c.display if use_label[c.name] else c.name for c in spec.constructs}
    edge_labels, dashed = _edge_labels(values, indicators, stars, ci, decimals)
    for key, mark in (marks or {}).items():
        if key in edge_labels:
            edge_labels[key] += mark
    drawn, needs_double = fit_to_column(
        spec, values.r2, size, shown, show_r2, indicators, edge_labels, title
    )
    codes = abbreviations(spec) if drawn.step.abbreviate else {}
    width_in = max(SIZES["double" if needs_double else size].width_in, drawn.width_pt / 72)
    if warn and (needs_double or drawn.width_pt > SIZES[size].width_in * 72 + 1e-6):
        warn_width(spec, size, indicators, needs_double, width_in)
    if warn and drawn.flaws and (problems := drawn.layout.label_problems()):
        warn_labels(spec, problems, indicators)  # flaws count label problems and crossings
    return DiagramPlan(
        drawn=drawn,
        spec=spec,
        theme=THEMES[theme],
        theme_name=theme,
        width_in=width_in,
        families=families,
        title=title,
        dashed=frozenset(dashed),
        size=size,
        needs_double=needs_double,
        codes=codes,
        legend="; ".join(f"{codes[c.name]} = {shown[c.name]}" for c in spec.constructs)
        if codes
        else "",
    )


def draw_plan(plan: DiagramPlan) -> Diagram:
    """Draw a planned diagram in a figure of its own."""
    from sem_csat.rendering.mplfigure import PrintFigure

    fig = PrintFigure(figsize=(plan.width_in, plan.height_pt / 72), facecolor=plan.theme.background)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    artists, dashed = draw_on_axes(ax, plan)
    return Diagram(
        fig,
        ax,
        plan.drawn.layout,
        plan.spec,
        theme=plan.theme_name,
        families=plan.families,
        edge_artists=artists,
        dashed=frozenset(dashed),
        size=plan.size,
        step=plan.drawn.step,
        needs_double_width=plan.needs_double,
        abbreviations=plan.codes,
        legend=plan.legend,
    )


def _spec_of(source: object) -> ModelSpec:
    from sem_csat.contract import SEMResult
    from sem_csat.diagram.saved import SavedResults
    from sem_csat.spec.model import ModelSpec

    if isinstance(source, ModelSpec):
        return source
    if isinstance(source, SEMResult | SavedResults):
        return source.spec
    return _extract(source).spec  # raises the UsageError that names the type


def _edge_labels(
    values: _Values, indicators: bool, stars: bool, ci: bool, decimals: int
) -> tuple[dict[tuple[str, str], str], set[tuple[str, str]]]:
    labels: dict[tuple[str, str], str] = {}
    dashed: set[tuple[str, str]] = set()
    for (s, t), (est, p, lo, hi) in values.paths.items():
        text = format_value(est, "bounded", decimals)
        if ci and math.isfinite(lo) and math.isfinite(hi):
            lo_text, hi_text = (format_value(v, "bounded", decimals) for v in (lo, hi))
            text += f" [{lo_text}, {hi_text}]"
            if lo <= 0 <= hi:
                dashed.add((s, t))
        elif stars:
            text += star_marks(p)
        if math.isfinite(p) and p >= 0.05 and not ci:
            dashed.add((s, t))
        labels[(s, t)] = text
    spec = values.spec
    for (c, ind), v in values.outer.items():
        construct = spec.construct(c)
        if not math.isfinite(v) or not (indicators or construct.is_higher_order):
            continue
        # a higher-order construct's dimensions are drawn with their loading (weight)
        formative = construct.is_higher_order and construct.mode == "formative"
        labels[(ind, c) if formative else (c, ind)] = format_value(v, "bounded", decimals)
    return labels, dashed


def draw_on_axes(
    ax: Axes, plan: DiagramPlan
) -> tuple[dict[tuple[str, str], Any], set[tuple[str, str]]]:
    """Draw ``plan`` into ``ax``, whose box must be ``plan.width_in`` wide and
    ``plan.height_pt`` high (one data unit is then one printed point).

    Returns the arrow of every edge and the paths drawn dashed.
    """
    from matplotlib.patches import Ellipse, FancyArrowPatch, Rectangle
    from matplotlib.path import Path as MplPath

    drawn, th, title, families = plan.drawn, plan.theme, plan.title, plan.families
    width_in, dashed_paths = plan.width_in, plan.dashed
    layout, step = drawn.layout, drawn.step
    b = layout.bounds
    title_h = title_pt(step, title)
    legend_h = legend_pt(step, drawn.legend)
    height_pt = drawn.height_pt
    ax.set_axis_off()
    # 1 data unit = 1 printed point; the drawing is centred horizontally.
    half_w = width_in * 72 / 2
    ax.set_xlim(b.x - half_w, b.x + half_w)
    bottom = b.bottom - MARGIN_PT - legend_h
    ax.set_ylim(bottom, bottom + height_pt)
    font = {"family": families}
    for n in layout.nodes:
        s = n.shape
        if s.kind == "ellipse":
            patch: Any = Ellipse((s.x, s.y), s.width, s.height)
            face, edge = th.construct_face, th.construct_edge
        else:
            patch = Rectangle((s.x - s.width / 2, s.y - s.height / 2), s.width, s.height)
            face, edge = th.indicator_face, th.indicator_edge
        patch.set(facecolor=face, edgecolor=edge, linewidth=th.line_width, zorder=2)
        ax.add_patch(patch)
        ax.text(
            s.x,
            s.y,
            "\n".join(n.lines),
            ha="center",
            va="center",
            ma="center",
            fontsize=n.font_size,
            color=th.text,
            zorder=3,
            linespacing=1.1,
            fontdict=font,
        )
    artists: dict[tuple[str, str], Any] = {}
    dashed: set[tuple[str, str]] = set()
    head = layout.font_size
    for e in layout.edges:
        is_dashed = e.kind == "path" and (e.source, e.target) in dashed_paths
        if is_dashed:
            dashed.add((e.source, e.target))
        colour = th.path if e.kind == "path" else th.indicator_arrow
        verts, codes_ = layout.edge_path(e)
        arrow = FancyArrowPatch(
            path=MplPath(verts, codes_),
            arrowstyle=f"-|>,head_length={HEAD_LENGTH_EM * head:.3f},"
            f"head_width={HEAD_WIDTH_EM * head:.3f}",
            mutation_scale=1,
            linewidth=th.arrow_width,
            linestyle="--" if is_dashed else "-",
            color=colour,
            zorder=1,
            joinstyle="round",
            capstyle="butt",
        )
        ax.add_patch(arrow)
        artists[(e.source, e.target)] = arrow
        if e.label and e.label_box is not None:
            ax.text(
                e.label_box.x,
                e.label_box.y,
                e.label,
                ha="center",
                va="center",
                fontsize=e.label_size,
                color=th.label_text,
                zorder=4,
                fontdict=font,
                bbox={"boxstyle": "square,pad=0.05", "facecolor": th.background, "linewidth": 0},
            )
    if title:
        ax.text(
            b.x,
            b.top + MARGIN_PT + title_h / 2,
            title,
            ha="center",
            va="center",
            fontsize=layout.font_size * TITLE_SCALE,
            fontweight="bold",
            color=th.text,
            fontdict=font,
        )
    if drawn.legend:
        ax.text(
            b.x - half_w + MARGIN_PT,
            b.bottom - MARGIN_PT,
            "\n".join(drawn.legend),
            ha="left",
            va="top",
            fontsize=step.detail_size,
            color=th.text,
            linespacing=LEGEND_LINE / 1.2,
            fontdict=font,
        )
    return artists, dashed
