"""Themes (colours, line widths) and journal sizes for path diagrams.

Themes and sizes are declared as data; :func:`sem_csat.diagram.path_diagram` looks them up by
name.

Examples
--------
>>> SIZES["double"].width_in
7.2
>>> sorted(THEMES)
['colour', 'grey']
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SIZES", "THEMES", "Size", "Theme"]


@dataclass(frozen=True)
class Theme:
    """Colours (matplotlib colour strings) and line widths (points) of a diagram."""

    construct_face: str
    construct_edge: str
    indicator_face: str
    indicator_edge: str
    text: str
    path: str
    indicator_arrow: str
    label_text: str
    background: str
    line_width: float
    arrow_width: float


@dataclass(frozen=True)
class Size:
    """Printed figure width in inches, and the text sizes in points it is first tried with.

    ``font_size`` is the construct text, ``detail_size`` that of indicator names,
    coefficients, loadings and legends; neither goes below
    :data:`~sem_csat.rendering.printsize.MIN_TEXT_PT` (see :mod:`sem_csat.diagram.compact`).
    """

    width_in: float
    font_size: float
    detail_size: float


#: Journal greyscale (prints well, the default) and a restrained colour theme.
THEMES: dict[str, Theme] = {
    "grey": Theme(
        construct_face="#f0f0f0",
        construct_edge="#000000",
        indicator_face="#ffffff",
        indicator_edge="#000000",
        text="#000000",
        path="#000000",
        indicator_arrow="#404040",
        label_text="#000000",
        background="#ffffff",
        line_width=0.8,
        arrow_width=0.7,
    ),
    "colour": Theme(
        construct_face="#dbe8f5",
        construct_edge="#1f4e79",
        indicator_face="#fff5e0",
        indicator_edge="#9c6a12",
        text="#10253a",
        path="#1f4e79",
        indicator_arrow="#9c6a12",
        label_text="#10253a",
        background="#ffffff",
        line_width=0.8,
        arrow_width=0.7,
    ),
}

#: Single column: 3.5 in (89 mm); double column: 7.2 in (183 mm).
SIZES: dict[str, Size] = {
    "single": Size(width_in=3.5, font_size=7.5, detail_size=7.0),
    "double": Size(width_in=7.2, font_size=8.0, detail_size=7.0),
}
