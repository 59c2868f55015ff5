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
from sem_csat.summary import ResultDisplay

if TYPE_CHECKING:
    from sem_csat.pls.results import PLSResult
    from sem_csat.rendering.mplfigure import PrintFigure
    from sem_csat.spec.model import ModelSpec
    from sem_csat.summary import Summary

__all__ = ["IPMA_COLUMNS", "IPMAFigure", "IPMAResult", "default_target", "ipma"]

FloatArray = npt.NDArray[np.float64]
Level = Literal["construct", "indicator"]
PlotLevel = Literal["construct", "indicator", "both"]

#: Columns of :attr:`IPMAResult.table` (and of ``ipma.csv``).
IPMA_COLUMNS: tuple[str, ...] = ("target", "level", "name", "importance", "performance")
_PLOT_LEVELS: tuple[PlotLevel, ...] = ("construct", "indicator", "both")
_FORMATS: tuple[str, ...] = (".png", ".pdf")


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
    """Constructs with a chain of paths to ``target`` (an interaction term is not a construct
    and has no index score; its constructs are drivers through their own paths)."""
    found: set[str] = set()
    todo = [target]
    inter = set(spec.interaction_names)
    while todo:
        for p in spec.predecessors(todo.pop()):
            if p not in found and p not in inter:
                found.add(p)
                todo.append(p)
    return [n for n in spec.topological_order if n in found]


@dataclass(frozen=True, eq=False, repr=False)
class IPMAResult(ResultDisplay):
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

    def _repr_fields(self) -> str:
        n = int((self.table["level"] == "construct").sum())
        return f"target={self.target!r}: {n} drivers"

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

    def figure(
        self,
        level: PlotLevel = "construct",
        *,
        title: str | None = None,
        size: str = "double",
        figsize: tuple[float, float] | None = None,
    ) -> PrintFigure:
        """Draw the importance-performance map at its printed size.

        Parameters
        ----------
        level
            ``"construct"`` (default), ``"indicator"`` or ``"both"`` (two panels).
        title
            Figure title; default names the target.
        size
            ``"double"`` (default): 7.2 in wide, two panels side by side; ``"single"``: 3.5 in
            wide, two panels one above the other.  Text is set at 7 pt (points, ticks,
            legend) to 9 pt (title) at that width.
        figsize
            Another size in inches; the text keeps its size in points.

        Returns
        -------
        PrintFigure
            A :class:`matplotlib.figure.Figure` with an Agg canvas (no GUI backend needed)
            that displays itself in Jupyter.  Importance is on the horizontal axis,
            performance on the vertical one; dashed lines at their means split the map into
            quadrants, and the high-importance, low-performance quadrant is shaded and marked
            "Concentrate here" (Martilla & James 1977).  Point labels are placed so that they
            touch neither each other nor the points, with a thin leader line when a label had
            to move away from its point.  Greys and marker shapes only, so the map survives
            black-and-white printing.
        """
        from sem_csat.pls.ipma_figure import draw_ipma

        if level not in _PLOT_LEVELS:
            raise UsageError(
                f"level must be one of {', '.join(map(repr, _PLOT_LEVELS))}; got {level!r}."
            )
        levels: list[Level] = ["construct", "indicator"] if level == "both" else [level]
        return draw_ipma(self, levels, title=title, size=size, figsize=figsize)

    def save(
        self,
        path: str | os.PathLike[str],
        *,
        level: PlotLevel = "construct",
        dpi: int = 300,
        size: str = "double",
    ) -> Path:
        """Write the map to a ``.png`` (raster, ``dpi`` dots per inch, default 300) or ``.pdf``.

        ``level`` and ``size`` are those of :meth:`figure`.

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
        fig = self.figure(level, size=size)
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
            owner: dict[str, str] = {}  # spec.construct_of once per item: O(k^2) for k constructs
            for c in self.spec.constructs:
                for item in c.indicator_names:
                    owner.setdefault(item, c.display)
            out["group"] = [owner.get(n) or self.spec.construct_of(n).display for n in out["name"]]
        return out


@dataclass(frozen=True, eq=False)
class IPMAFigure:
    """The importance–performance map as a result's figure (``result.figures()["ipma"]``).

    :meth:`save` and :meth:`figure` draw ``level`` (both panels by default: constructs and
    indicators), as :func:`sem_csat.write` writes ``ipma.png`` and ``ipma.pdf``.
    """

    ipma: IPMAResult
    level: PlotLevel = "both"

    @property
    def title(self) -> str:
        """The caption: ``"Importance–performance map for <target>"``."""
        return f"Importance–performance map for {self.ipma.target}"

    def figure(self) -> PrintFigure:
        """The matplotlib figure (:meth:`IPMAResult.figure`)."""
        return self.ipma.figure(self.level)

    def save(self, path: str | os.PathLike[str], *, dpi: int = 300) -> Path:
        """Write the map to a ``.png`` or ``.pdf`` file (:meth:`IPMAResult.save`)."""
        return self.ipma.save(path, level=self.level, dpi=dpi)


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
    from sem_csat.pls.hoc import construct_items

    pos = {name: k for k, name in enumerate(spec.indicator_names)}
    blocks = [[pos[i] for i in construct_items(spec, c.name)] for c in spec.constructs]
    w = result.item_weights
    omega = rescaled_weights(w, xr.std(axis=0, ddof=1), blocks)
    performance = index_scores(w, x.mean(axis=0), x.std(axis=0, ddof=1), blocks, lows, highs)
    sd_score = np.full(len(blocks), np.nan)
    for j, block in enumerate(blocks):
        if np.isfinite(performance[j]):
            sd_score[j] = float(np.std(xr[:, block] @ omega[block, j], ddof=1))
    nc = len(spec.construct_names)
    total = np.asarray(result.estimate.total_effects, dtype=np.float64)[:nc, :nc]
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
        for i in construct_items(spec, d):
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
