"""Publication tables: one table layer for text, HTML, LaTeX, Markdown, CSV and Word.

A :class:`Table` keeps a result's numbers unrounded and renders them in APA style
(*Publication Manual*, 7th ed., 2020; the primitives live in :mod:`sem_csat.rendering` and are
re-exported here); the builders in :mod:`sem_csat.tables.standard` make
the standard tables of a PLS, PLSc or CB-SEM result, and :func:`publication_tables` numbers
them in a :class:`TableSet` that writes ``tables.tex``, ``tables.md`` and ``tables.docx``.

Examples
--------
>>> from sem_csat.tables import format_p, format_value, spreadsheet_safe
>>> format_value(0.6789, "bounded", 2), format_p(0.0004), spreadsheet_safe("=cmd()")
('.68', '< .001', "'=cmd()")

``publication_tables(sem_csat.fit("ecsi", "ecsi_mobile"))`` gives the numbered standard set.
"""

from sem_csat.rendering import (
    LATEX_PREAMBLE,
    MINUS,
    STAR_NOTE,
    Cell,
    Column,
    Table,
    TableSet,
    format_p,
    format_value,
    latex_escape,
    safe_frame,
    spreadsheet_safe,
    stars,
)
from sem_csat.tables.standard import (
    comparison_r2_table,
    comparison_table,
    discriminant_table,
    estimator_name,
    fit_table,
    index_table,
    ipma_table,
    measurement_table,
    publication_tables,
    structural_table,
)

__all__ = [
    "LATEX_PREAMBLE",
    "MINUS",
    "STAR_NOTE",
    "Cell",
    "Column",
    "Table",
    "TableSet",
    "comparison_r2_table",
    "comparison_table",
    "discriminant_table",
    "estimator_name",
    "fit_table",
    "format_p",
    "format_value",
    "index_table",
    "ipma_table",
    "latex_escape",
    "measurement_table",
    "publication_tables",
    "safe_frame",
    "spreadsheet_safe",
    "stars",
    "structural_table",
]
