"""Publication tables: one table layer for text, HTML, LaTeX, Markdown, CSV and Word.

A :class:`Table` keeps a result's numbers unrounded and renders them in APA style
(*Publication Manual*, 7th ed., 2020; the primitives live in :mod:`sem_csat.rendering` and are
re-exported here); the builders in :mod:`sem_csat.tables.standard` make
the standard tables of a PLS, PLSc or CB-SEM result, :mod:`sem_csat.tables.groups` those of a
result with groups (MICOM, multi-group analysis), :mod:`sem_csat.tables.metrics` those of the
survey metrics a spec declares, and :func:`publication_tables` numbers
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
from sem_csat.tables.groups import (
    group_index_table,
    group_measurement_tables,
    group_structural_table,
    group_tables,
    mga_table,
    micom_table,
)
from sem_csat.tables.metrics import (
    kano_table,
    metric_differences_table,
    metrics_tables,
    servqual_table,
    survey_metrics_table,
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
    "group_index_table",
    "group_measurement_tables",
    "group_structural_table",
    "group_tables",
    "index_table",
    "ipma_table",
    "kano_table",
    "latex_escape",
    "measurement_table",
    "metric_differences_table",
    "metrics_tables",
    "mga_table",
    "micom_table",
    "publication_tables",
    "safe_frame",
    "servqual_table",
    "spreadsheet_safe",
    "stars",
    "structural_table",
    "survey_metrics_table",
]
