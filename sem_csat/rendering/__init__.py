"""Rendering primitives: APA number formats and one :class:`Table` for every output format.

This package knows nothing about models or results.  It turns numbers into text: the APA
formats of :mod:`sem_csat.rendering.apa`, the :class:`Table` that renders text, HTML, LaTeX,
Markdown, CSV and Word (:mod:`~sem_csat.rendering.table`, :mod:`~sem_csat.rendering.latex`,
:mod:`~sem_csat.rendering.word`), spreadsheet-safe cells (:mod:`~sem_csat.rendering.safety`)
numbered sets of tables (:class:`TableSet`), and figures at their printed size
(:mod:`~sem_csat.rendering.printsize`, :mod:`~sem_csat.rendering.mplfigure`, which imports
matplotlib and is therefore not imported here).  It sits below everything else, so that every
result's :class:`~sem_csat.summary.Summary` and the publication tables of
:mod:`sem_csat.tables` render numbers the same way.  The public names are re-exported by
:mod:`sem_csat.tables`.

>>> format_value(0.6789, "bounded", 2), format_p(0.0004), spreadsheet_safe("=cmd()")
('.68', '< .001', "'=cmd()")
"""

from sem_csat.rendering.apa import MINUS, STAR_NOTE, format_p, format_value, stars
from sem_csat.rendering.latex import LATEX_PREAMBLE, latex_escape
from sem_csat.rendering.safety import safe_frame, spreadsheet_safe
from sem_csat.rendering.table import Cell, Column, Table
from sem_csat.rendering.tableset import TableSet

__all__ = [
    "LATEX_PREAMBLE",
    "MINUS",
    "STAR_NOTE",
    "Cell",
    "Column",
    "Table",
    "TableSet",
    "format_p",
    "format_value",
    "latex_escape",
    "safe_frame",
    "spreadsheet_safe",
    "stars",
]
