"""A matplotlib figure that displays itself in Jupyter and knows its printed size.

sem_csat draws its figures on bare :class:`matplotlib.figure.Figure` objects with an Agg canvas
(no pyplot, no GUI, no global state).  IPython only knows how to show such a figure when pyplot
set up its inline backend; :class:`PrintFigure` adds ``_repr_png_`` and ``_repr_svg_``, so
``result.ipma().figure()`` displays in a fresh kernel too.

This module imports matplotlib; it is imported only by the functions that draw.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure

from sem_csat.rendering.printsize import PrintMeasure, figure_svg, measure_svg

__all__ = ["PrintFigure", "png_bytes"]

#: Pixels per inch of the PNG shown in notebooks (sharp on high-density screens; it is
#: displayed at its physical size, 96 CSS pixels per inch).
DISPLAY_DPI = 200


def png_bytes(figure: Figure) -> tuple[bytes, dict[str, int]]:
    """The figure as PNG with IPython's display metadata (its width and height in CSS px)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DISPLAY_DPI, facecolor=figure.get_facecolor())
    w, h = figure.get_size_inches()
    return buffer.getvalue(), {"width": round(w * 96), "height": round(h * 96)}


class PrintFigure(Figure):
    """A :class:`matplotlib.figure.Figure` drawn at its printed size, displayable in Jupyter."""

    def _repr_png_(self) -> tuple[bytes, dict[str, int]]:
        return png_bytes(self)

    def _repr_svg_(self) -> str:
        return figure_svg(self)

    def measure(self) -> PrintMeasure:
        """Width and text sizes as printed (:func:`~sem_csat.rendering.printsize.measure_svg`)."""
        return measure_svg(figure_svg(self))
