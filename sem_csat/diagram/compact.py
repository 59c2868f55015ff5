"""Making a path diagram fit its column without shrinking its text.

A diagram is laid out at its printed text sizes (:mod:`sem_csat.rendering.printsize`).  The
renderer tries the steps of a *ladder*, each more compact than the last:

1. left to right with the default spacing (used at once when it fits);
2. left to right, labels wrapped onto shorter lines, tighter gaps, construct text at 7 pt;
   then the same with the constructs of consecutive layers on alternate sides of the flow (a
   zigzag, so that layers can overlap and chains of paths take less room);
3. top to bottom (layers stacked downwards, which suits narrow columns), tighter, zigzag;
4. abbreviated construct labels (left to right, then top to bottom), explained in a legend
   under the diagram (:func:`abbreviations`, :func:`legend_lines`).

Of the steps that fit the column's width and :data:`MAX_HEIGHT_IN`, it keeps the one with the
smallest height times the step's ``cost``, a factor that makes the conventional left-to-right
flow and full labels win unless the alternative is much more compact.

Text never becomes smaller than :data:`~sem_csat.rendering.printsize.MIN_TEXT_PT`: a single-column
diagram that fits no step is drawn at double width (with a
:class:`~sem_csat.errors.FigureWarning`), and a double-column one at the width it needs.

Examples
--------
>>> import sem_csat
>>> abbreviations(sem_csat.load_spec("ecsi"))["Satisfaction"]
'CUSA'
>>> [s.orientation for s in LADDERS["single"]]
['LR', 'LR', 'LR', 'TB', 'TB', 'TB', 'LR', 'TB']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sem_csat.diagram.geometry import text_width
from sem_csat.diagram.layout import Orientation
from sem_csat.diagram.themes import SIZES, Size
from sem_csat.rendering.printsize import MIN_TEXT_PT

if TYPE_CHECKING:
    from sem_csat.spec.model import ModelSpec

__all__ = ["LADDERS", "MAX_HEIGHT_IN", "Step", "abbreviations", "legend_lines"]


@dataclass(frozen=True)
class Step:
    """One way of laying out a diagram: orientation, text sizes (pt), line length, gaps."""

    orientation: Orientation
    font_size: float  # construct text
    detail_size: float  # indicator names, coefficients and loadings, legend
    wrap: int  # longest line of a construct label, in characters
    spacing: float  # factor on the gaps between nodes
    abbreviate: bool = False
    zigzag: bool = False  # constructs of consecutive layers on alternate sides of the flow
    cost: float = 1.0  # factor on the height when choosing among the steps that fit

    def __post_init__(self) -> None:
        if min(self.font_size, self.detail_size) < MIN_TEXT_PT:
            raise ValueError(f"a layout step may not set text below {MIN_TEXT_PT} pt: {self}")


def _ladder(size: Size) -> tuple[Step, ...]:
    fs, ds = size.font_size, size.detail_size
    tight = MIN_TEXT_PT
    return (
        Step("LR", fs, ds, 14, 1.0),
        Step("LR", tight, tight, 11, 0.75, cost=1.25),
        Step("LR", tight, tight, 11, 0.75, zigzag=True, cost=1.35),
        Step("TB", fs, ds, 14, 1.0, cost=1.3),
        Step("TB", tight, tight, 11, 0.75, cost=1.4),
        Step("TB", tight, tight, 11, 0.75, zigzag=True, cost=1.45),
        Step("LR", tight, tight, 11, 0.75, abbreviate=True, cost=1.6),
        Step("TB", tight, tight, 11, 0.75, abbreviate=True, cost=2.0),
    )


#: The steps tried for each column width, most generous first.
LADDERS: dict[str, tuple[Step, ...]] = {name: _ladder(size) for name, size in SIZES.items()}
#: The tallest figure accepted for each column width before trying the next step, in inches
#: (a single column keeps to about 1.6 times its width; a double column leaves room for the
#: caption on a page).
MAX_HEIGHT_IN: dict[str, float] = {"single": 5.6, "double": 8.0}


def _prefix(names: tuple[str, ...]) -> str:
    """The letters that begin every name, before the first digit or separator (none for a
    higher-order construct, which has no indicators)."""
    if not names:
        return ""
    first = names[0]
    n = 0
    while n < len(first) and first[n].isalpha() and all(s[n : n + 1] == first[n] for s in names):
        n += 1
    return first[:n]


def abbreviations(spec: ModelSpec) -> dict[str, str]:
    """Short codes for the constructs of ``spec``, by construct name.

    The common prefix of a construct's indicator names is used when it is a word of 2 to 6
    letters for every construct and no two constructs share it (``IMAG`` for IMAG1–IMAG5, as
    customer-satisfaction papers write them); otherwise the first three letters of each name in
    capitals (``SAT``), lengthened until the codes are distinct.  Names of four characters or
    fewer are kept.
    """
    prefixes = {c.name: _prefix(c.indicator_names).upper() for c in spec.constructs}
    codes = list(prefixes.values())
    if all(2 <= len(p) <= 6 for p in codes) and len(set(codes)) == len(codes):
        return prefixes
    out: dict[str, str] = {}
    for n in range(3, 1 + max(len(c.name) for c in spec.constructs)):
        out = {c.name: c.name if len(c.name) <= 4 else c.name[:n].upper() for c in spec.constructs}
        if len(set(out.values())) == len(out):
            return out
    return {c.name: c.name for c in spec.constructs}


def legend_lines(entries: list[tuple[str, str]], size: float, width_pt: float) -> list[str]:
    """Lines of the legend ``CODE = label; ...`` wrapped to ``width_pt`` at ``size`` points."""
    lines: list[str] = []
    current = ""
    for k, (code, label) in enumerate(entries):
        item = f"{code} = {label}" + (";" if k < len(entries) - 1 else "")
        trial = f"{current} {item}" if current else item
        if current and text_width(trial, size) > width_pt:
            lines.append(current)
            current = item
        else:
            current = trial
    if current:
        lines.append(current)
    return lines
