"""Probing a moderation: simple slopes, the floodlight and the Johnson–Neyman region.

For an interaction term ``X x M -> Y`` with the paths :math:`b_X` (``X -> Y``), :math:`b_M`
(``M -> Y``) and :math:`b_{XM}` (the term, in seminr's metric; :mod:`sem_csat.pls.moderation`),
the standardized outcome is :math:`\\hat y = b_X x + b_M m + b_{XM} x m`, so the effect of X
on Y when the moderator is :math:`m` standard deviations from its mean is the *simple slope*

.. math:: \\theta(m) = b_X + b_{XM}\\, m .

:func:`simple_slopes` reports it at :math:`m = -1, 0, +1` (Aiken & West 1991), as seminr's
``slope_analysis`` draws it; after a bootstrap with the bootstrap standard error and the
percentile interval of :math:`b_X^* + b_{XM}^* m` over the resamples.  The *floodlight*
(Spiller et al. 2013) evaluates :math:`\\theta(m)` and its interval on a grid of moderator
values; the *Johnson–Neyman region* is the set of moderator values where the interval excludes
zero, and its boundaries are where the interval's end crosses zero (linear interpolation on the
grid).  Unlike the classic Johnson–Neyman technique (which uses the OLS standard errors), the
intervals here are the bootstrap percentile intervals of the PLS estimates.

The figure (:class:`SlopesFigure`) draws the simple slopes, and after a bootstrap the floodlight
beside them, at a journal's column width with text of at least 7 pt.

References
----------
.. [1] Aiken, L. S., & West, S. G. (1991). *Multiple Regression: Testing and Interpreting
   Interactions*. Newbury Park, CA: Sage.
.. [2] Spiller, S. A., Fitzsimons, G. J., Lynch, J. G., & McClelland, G. H. (2013).
   Spotlights, floodlights, and the magic number zero: Simple effects tests in moderated
   regression. *Journal of Marketing Research*, 50(2), 277–288.
.. [3] Johnson, P. O., & Neyman, J. (1936). Tests of certain linear hypotheses and their
   application to some educational problems. *Statistical Research Memoirs*, 1, 57–93.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.errors import UsageError
from sem_csat.inference.bootstrap import percentile_interval

if TYPE_CHECKING:
    from sem_csat.pls.results import PLSResult
    from sem_csat.rendering.mplfigure import PrintFigure

__all__ = [
    "FLOODLIGHT_GRID",
    "SLOPE_COLUMNS",
    "SlopesFigure",
    "floodlight",
    "johnson_neyman",
    "moderated_paths",
    "simple_slopes",
]

FloatArray = npt.NDArray[np.float64]

#: Columns of :func:`simple_slopes`.
SLOPE_COLUMNS: Final = (
    "interaction",
    "iv",
    "moderator",
    "outcome",
    "moderator_value",
    "slope",
    "std_error",
    "ci_lower",
    "ci_upper",
)
#: Moderator values of the floodlight, in standard deviations from its mean.
FLOODLIGHT_GRID: Final = np.round(np.linspace(-3.0, 3.0, 601), 10)
_LEVELS: Final = (-1.0, 0.0, 1.0)
_TEXT_PT = 7.0
_LABEL_PT = 8.0
_FONT = "DejaVu Sans"


def moderated_paths(result: PLSResult) -> list[tuple[str, str, str, str]]:
    """``(interaction, iv, moderator, outcome)`` of every path of an interaction term."""
    spec = result.spec
    out = []
    for p in spec.paths:
        if p.source in spec.interaction_names:
            i = spec.interaction(p.source)
            out.append((i.name, i.left, i.right, p.target))
    return out


def _coefficients(result: PLSResult, iv: str, moderator: str, term: str, y: str) -> FloatArray:
    """``(b_X, b_M, b_XM)`` of the fit (0 where the path does not exist)."""
    b = np.asarray(result.estimate.paths)
    t = result.nodes.index(y)
    return np.array([b[result.nodes.index(n), t] for n in (iv, moderator, term)])


def _samples(result: PLSResult, iv: str, moderator: str, term: str, y: str) -> FloatArray:
    """``(B_ok, 3)`` bootstrap replicates of ``(b_X, b_M, b_XM)`` (0 for a missing path)."""
    from sem_csat.pls.bootstrap import PLSLayout

    boot = result.boot
    if boot is None:  # pragma: no cover - callers check
        raise UsageError("No bootstrap.")
    lay = PLSLayout.from_structure(result.estimate.structure)
    pairs = list(zip(lay.paths[0].tolist(), lay.paths[1].tolist(), strict=True))
    samples = boot.replicates.samples("paths")[boot.replicates.ok]
    t = result.nodes.index(y)
    out = np.zeros((samples.shape[0], 3))
    for k, n in enumerate((iv, moderator, term)):
        key = (result.nodes.index(n), t)
        if key in pairs:
            out[:, k] = samples[:, pairs.index(key)]
    return out


def simple_slopes(result: PLSResult) -> pd.DataFrame:
    """The effect of the independent variable at the moderator's mean and ±1 SD.

    One row per interaction path and moderator value (:data:`SLOPE_COLUMNS`): the slope
    :math:`b_X + b_{XM} m` (module notes) in standardized units, and after a bootstrap its
    standard error and percentile interval at the bootstrap's level.  The independent variable
    is the first construct of the term (``left``), the moderator the second.
    """
    rows: list[dict[str, Any]] = []
    for term, iv, moderator, y in moderated_paths(result):
        b = _coefficients(result, iv, moderator, term, y)
        draws = None
        if result.boot is not None:
            draws = _samples(result, iv, moderator, term, y)
        for m in _LEVELS:
            row: dict[str, Any] = {
                "interaction": term,
                "iv": iv,
                "moderator": moderator,
                "outcome": y,
                "moderator_value": m,
                "slope": float(b[0] + b[2] * m),
            }
            if draws is not None and result.boot is not None:
                s = draws[:, 0] + draws[:, 2] * m
                lo, hi = percentile_interval(s[:, None], result.boot.conf)
                row.update(
                    std_error=float(np.std(s, ddof=1)) if s.size > 1 else np.nan,
                    ci_lower=float(lo[0]),
                    ci_upper=float(hi[0]),
                )
            rows.append(row)
    table = pd.DataFrame(rows).reindex(columns=list(SLOPE_COLUMNS))
    return table.astype({c: "float64" for c in SLOPE_COLUMNS[4:]})


def floodlight(result: PLSResult, grid: npt.ArrayLike = FLOODLIGHT_GRID) -> pd.DataFrame:
    """The simple slope and its bootstrap interval over a grid of moderator values.

    Columns ``interaction, outcome, moderator_value, slope, ci_lower, ci_upper, significant``
    (the interval excludes zero).  Needs a bootstrap.
    """
    if result.boot is None:
        raise UsageError(
            "The floodlight needs bootstrap intervals; call result.bootstrap(5000) first (or "
            "pass --bootstrap on the command line)."
        )
    m = np.asarray(grid, dtype=np.float64)
    parts = []
    for term, iv, moderator, y in moderated_paths(result):
        b = _coefficients(result, iv, moderator, term, y)
        draws = _samples(result, iv, moderator, term, y)
        s = draws[:, [0]] + draws[:, [2]] * m[None, :]
        lo, hi = percentile_interval(s, result.boot.conf)
        parts.append(
            pd.DataFrame(
                {
                    "interaction": term,
                    "outcome": y,
                    "moderator_value": m,
                    "slope": b[0] + b[2] * m,
                    "ci_lower": lo,
                    "ci_upper": hi,
                    "significant": (lo > 0) | (hi < 0),
                }
            )
        )
    columns = [
        "interaction",
        "outcome",
        "moderator_value",
        "slope",
        "ci_lower",
        "ci_upper",
        "significant",
    ]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _crossing(m: FloatArray, lo: FloatArray, hi: FloatArray, k: int) -> float:
    """Where the interval end that changes sign between grid points ``k`` and ``k+1`` is 0."""
    for end in (lo, hi):
        a, b = end[k], end[k + 1]
        if a == 0.0:
            return float(m[k])
        if a * b < 0:
            return float(m[k] + (m[k + 1] - m[k]) * a / (a - b))
    return float(0.5 * (m[k] + m[k + 1]))


def johnson_neyman(result: PLSResult, grid: npt.ArrayLike = FLOODLIGHT_GRID) -> pd.DataFrame:
    """The moderator values where the simple slope is significant: one row per interval.

    Columns ``interaction, outcome, lower, upper`` (moderator values in standard deviations;
    ``-inf``/``inf`` where the region runs to the end of the grid, ±3 SD).  A moderation whose
    slope is significant nowhere on the grid has no row.  Needs a bootstrap.
    """
    table = floodlight(result, grid)
    rows = []
    for (term, y), part in table.groupby(["interaction", "outcome"], sort=False):
        m = part["moderator_value"].to_numpy()
        lo, hi = part["ci_lower"].to_numpy(), part["ci_upper"].to_numpy()
        sig = part["significant"].to_numpy()
        k = 0
        while k < m.size:
            if not sig[k]:
                k += 1
                continue
            start = -np.inf if k == 0 else _crossing(m, lo, hi, k - 1)
            j = k
            while j + 1 < m.size and sig[j + 1]:
                j += 1
            end = np.inf if j == m.size - 1 else _crossing(m, lo, hi, j)
            rows.append({"interaction": term, "outcome": y, "lower": start, "upper": end})
            k = j + 1
    return pd.DataFrame(rows, columns=["interaction", "outcome", "lower", "upper"])


# --------------------------------------------------------------------------------------------
# the figure


@dataclass(frozen=True, eq=False)
class SlopesFigure:
    """Simple slopes of one moderated path, with the floodlight after a bootstrap
    (``result.figures()["simple_slopes_<term>_<outcome>"]``)."""

    result: PLSResult
    interaction: str
    outcome: str

    @property
    def title(self) -> str:
        """The caption."""
        i = self.result.spec.interaction(self.interaction)
        return f"Simple slopes of {i.left} on {self.outcome} at three levels of {i.right}" + (
            " and the floodlight" if self.result.boot is not None else ""
        )

    def figure(self, size: str | None = None) -> PrintFigure:
        """Draw the figure: one panel 3.5 in wide, or with the floodlight two panels 7.2 in
        wide (``size="single"`` stacks them in 3.5 in); text at 7–8 pt at that width."""
        return _draw(self.result, self.interaction, self.outcome, size)

    def save(self, path: str | os.PathLike[str], *, dpi: int = 300) -> Path:
        """Write the figure to ``.png`` (``dpi``) or ``.pdf``; returns the path."""
        out = Path(path)
        if out.suffix.lower() not in (".png", ".pdf", ".svg"):
            raise UsageError(
                f"Cannot write a slopes figure to '{out}': use a file name ending in .png, "
                ".pdf or .svg."
            )
        if not out.parent.is_dir():
            raise UsageError(
                f"Cannot write '{out}': the folder '{out.parent}' does not exist; create it first."
            )
        fig = self.figure()
        fig.savefig(out, dpi=dpi)
        return out


def _draw(result: PLSResult, term: str, y: str, size: str | None) -> PrintFigure:
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from sem_csat.rendering.mplfigure import PrintFigure

    i = result.spec.interaction(term)
    iv, moderator = i.left, i.right
    label = {c.name: c.display for c in result.spec.constructs}
    both = result.boot is not None
    size = size or ("double" if both else "single")
    if size not in ("single", "double"):
        raise UsageError(f"size must be 'single' or 'double', got {size!r}.")
    sizes = {(False, "single"): (3.5, 2.8), (False, "double"): (3.5, 2.8)}
    sizes |= {(True, "single"): (3.5, 5.6), (True, "double"): (7.2, 2.9)}
    figsize = sizes[(both, size)]
    b = _coefficients(result, iv, moderator, term, y)
    rc: Any = {"font.family": [_FONT], "font.size": _TEXT_PT, "axes.linewidth": 0.6}
    with mpl.rc_context(rc):
        fig = PrintFigure(figsize=figsize, layout="constrained")
        FigureCanvasAgg(fig)
        if both:
            axes = fig.subplots(1, 2) if size == "double" else fig.subplots(2, 1)
        else:
            axes = [fig.subplots()]
        ax = axes[0]
        x = np.array([-1.0, 1.0])
        for m, style, name in ((-1.0, "--", "−1 SD"), (0.0, "-", "mean"), (1.0, ":", "+1 SD")):
            ax.plot(
                x,
                b[0] * x + b[1] * m + b[2] * x * m,
                linestyle=style,
                color="black",
                linewidth=1.0,
                label=f"{label.get(moderator, moderator)} at {name}",
            )
        ax.set_xlabel(f"{label.get(iv, iv)} (SD from its mean)", fontsize=_LABEL_PT)
        ax.set_ylabel(f"{label.get(y, y)} (SD)", fontsize=_LABEL_PT)
        ax.set_title("Simple slopes", fontsize=_LABEL_PT)
        ax.tick_params(labelsize=_TEXT_PT, length=2.5, width=0.6, pad=2)
        ax.legend(fontsize=_TEXT_PT, frameon=False, loc="best", handlelength=2.2)
        if both:
            _floodlight_panel(axes[1], result, term, y, label.get(moderator, moderator), label)
    return fig


def _floodlight_panel(
    ax: Any, result: PLSResult, term: str, y: str, moderator: str, label: dict[str, str]
) -> None:
    table = floodlight(result)
    part = table[(table["interaction"] == term) & (table["outcome"] == y)]
    m = part["moderator_value"].to_numpy()
    ax.fill_between(
        m,
        part["ci_lower"].to_numpy(),
        part["ci_upper"].to_numpy(),
        color="0.85",
        linewidth=0,
        label=f"{result.boot.conf:.0%} interval" if result.boot is not None else None,
    )
    ax.plot(m, part["slope"].to_numpy(), color="black", linewidth=1.0, label="Simple slope")
    ax.axhline(0.0, color="0.4", linewidth=0.6)
    jn = johnson_neyman(result)
    jn = jn[(jn["interaction"] == term) & (jn["outcome"] == y)]
    for bound in (*jn["lower"], *jn["upper"]):
        if np.isfinite(bound):
            ax.axvline(float(bound), color="black", linestyle="--", linewidth=0.7)
    iv = result.spec.interaction(term).left
    ax.set_xlabel(f"{moderator} (SD from its mean)", fontsize=_LABEL_PT)
    ax.set_ylabel(f"Effect of {label.get(iv, iv)}", fontsize=_LABEL_PT)
    ax.set_title("Floodlight (Johnson–Neyman)", fontsize=_LABEL_PT)
    ax.tick_params(labelsize=_TEXT_PT, length=2.5, width=0.6, pad=2)
    ax.set_xlim(float(m.min()), float(m.max()))
    ax.legend(fontsize=_TEXT_PT, frameon=False, loc="best")
