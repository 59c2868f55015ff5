"""Word (.docx) rendering of tables with python-docx, in APA layout.

Each table is preceded by its number in bold ("Table 1") and its title in italics, drawn with
horizontal rules only (above the headings, below the headings, under spanner headings and at
the bottom; set as cell-border XML because Word's built-in table styles draw grids), and
followed by the note ("*Note.*" in italics) and the probability note with superscript stars.

References
----------
American Psychological Association (2020). *Publication Manual of the American Psychological
Association* (7th ed.), sections 7.8–7.14 (table components, borders, notes).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from sem_csat.rendering.apa import STAR_LEVELS

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.table import _Cell
    from docx.text.paragraph import Paragraph

    from sem_csat.rendering.table import Cell, Table

__all__ = ["add_table", "write_docx"]

_EDGES = ("top", "bottom")  # schema order inside w:tcBorders
#: A rule of the table: a single black line, 1 pt (eighths of a point).
_RULE_ATTRIBUTES = (("val", "single"), ("sz", "8"), ("space", "0"), ("color", "000000"))
_RULE = " ".join(f'w:{name}="{value}"' for name, value in _RULE_ATTRIBUTES)


def _set_borders(cell: _Cell, edges: Iterable[str]) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    wanted = set(edges)
    if not wanted:
        return
    tc_pr = cell._tc.get_or_add_tcPr()
    old = tc_pr.find(qn("w:tcBorders"))
    if old is not None:
        tc_pr.remove(old)
    borders = OxmlElement("w:tcBorders")
    for edge in _EDGES:
        if edge in wanted:
            element = OxmlElement(f"w:{edge}")
            for name, value in _RULE_ATTRIBUTES:
                element.set(qn(f"w:{name}"), value)
            borders.append(element)
    tc_pr.append(borders)


def _write(paragraph: Paragraph, text: str, stars: str = "", *, bold: bool = False) -> None:
    run = paragraph.add_run(text)
    run.bold = bold or None
    if stars:
        sup = paragraph.add_run(stars)
        sup.font.superscript = True


def _align(paragraph: Paragraph, align: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph.alignment = {
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
    }[align]


def _plain(text: str) -> bool:
    """Text that python-docx writes as one ``w:t`` (no tab, line break or control character)."""
    return all(ch >= " " for ch in text)


def _run_xml(text: str, properties: str) -> str:
    """A run as ``Paragraph.add_run(text)`` makes it, with ``properties`` (``w:rPr``)."""
    if not text:
        return f"<w:r>{properties}</w:r>"
    space = ' xml:space="preserve"' if len(text.strip()) < len(text) else ""
    return f"<w:r>{properties}<w:t{space}>{escape(text)}</w:t></w:r>"


def _append_body(tbl: Any, body: Sequence[Sequence[Cell]], table: Table) -> None:
    """Append the body rows of ``table`` to its python-docx table element ``tbl``.

    Each cell is what python-docx's objects make of it in :func:`add_table`'s other branch:
    the cell width of the table's grid, a paragraph aligned as its column with a run of the
    text (an empty ``w:rPr``: not bold) and a superscript run of the stars; the last row is
    ruled below.  The rows are parsed in one piece and the table's own elements moved in
    front of them (moving a few elements between XML trees is cheap, thousands is not).
    """
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn

    widths = [gc.get(qn("w:w")) for gc in tbl.tblGrid.gridCol_lst]
    rule = f"<w:tcBorders><w:bottom {_RULE}/></w:tcBorders>"
    plain, sup = "<w:rPr/>", '<w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
    made: dict[tuple[Cell, str, str, str], str] = {}  # the same value recurs in a large table

    def tc(cell: Cell, align: str, width: str, borders: str) -> str:
        key = (cell, align, width, borders)
        if key not in made:
            runs = _run_xml(cell.text, plain) + (_run_xml(cell.stars, sup) if cell.stars else "")
            made[key] = (
                f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/>{borders}</w:tcPr>'
                f'<w:p><w:pPr><w:jc w:val="{align}"/></w:pPr>{runs}</w:p></w:tc>'
            )
        return made[key]

    aligns = [col.align for col in table.columns]
    rows = []
    for i, row in enumerate(body):
        borders = rule if i == len(body) - 1 else ""
        cells = zip(row, aligns, widths, strict=True)
        rows.append("<w:tr>" + "".join(tc(c, a, w, borders) for c, a, w in cells) + "</w:tr>")
    new = parse_xml(f"<w:tbl {nsdecls('w')}>{''.join(rows)}</w:tbl>")
    for k, child in enumerate(list(tbl)):
        new.insert(k, child)
    tbl.getparent().replace(tbl, new)


def add_table(document: DocxDocument, table: Table) -> None:
    """Append ``table`` to ``document``: number, italic title, ruled table, notes.

    Parameters
    ----------
    document
        A ``docx.Document()``.
    table
        The table to add.

    Notes
    -----
    The headings are written through python-docx's objects; the body rows, which can be
    tens of thousands of cells (the discriminant-validity matrix of a large model), are built
    as the same XML in one piece (:func:`_append_body`), as python-docx's cell, paragraph and
    run objects would make them.
    """
    if table.number_label:
        _write(document.add_paragraph(), table.number_label, bold=True)
    title = document.add_paragraph().add_run(table.heading)
    title.italic = True

    spans = table.spanners()
    body = table.cells()
    n_head = 2 if spans else 1
    bulk = all(_plain(c.text) and _plain(c.stars) for row in body for c in row)
    n_rows = n_head if bulk else n_head + len(body)
    grid = document.add_table(rows=n_rows, cols=len(table.columns))
    borders: dict[tuple[int, int], set[str]] = {}

    def mark(row: int, col: int, edge: str) -> None:
        borders.setdefault((row, col), set()).add(edge)

    for j in range(len(table.columns)):
        mark(0, j, "top")
        mark(n_head - 1, j, "bottom")
        if not bulk or not body:
            mark(n_head + len(body) - 1, j, "bottom")
    if spans:
        for s in spans:
            if not s.label:
                continue
            merged = grid.cell(0, s.start).merge(grid.cell(0, s.start + s.span - 1))
            merged.text = ""
            paragraph = merged.paragraphs[0]
            _write(paragraph, s.label)
            _align(paragraph, "center")
            mark(0, s.start, "bottom")
    # one pass over the rows: ``grid.cell(i, j)`` walks the whole table on every call, which
    # made a 60-construct discriminant table (3,600 cells) take minutes
    cells = [row.cells for row in grid.rows]
    for j, col in enumerate(table.columns):
        paragraph = cells[n_head - 1][j].paragraphs[0]
        _write(paragraph, col.label)
        _align(paragraph, col.align)
    for (i, j), edges in borders.items():
        _set_borders(cells[i][j], edges)
    if not bulk:  # tabs or line breaks, which python-docx turns into elements of their own
        for i, row in enumerate(body):
            for j, (cell, col) in enumerate(zip(row, table.columns, strict=True)):
                paragraph = cells[n_head + i][j].paragraphs[0]
                _write(paragraph, cell.text, cell.stars)
                _align(paragraph, col.align)
    elif body:
        _append_body(grid._tbl, body, table)

    if table.note:
        paragraph = document.add_paragraph()
        note = paragraph.add_run("Note.")
        note.italic = True
        paragraph.add_run(" " + table.note)
    if table.has_stars:
        paragraph = document.add_paragraph()
        for k, (level, mark_) in enumerate(reversed(STAR_LEVELS)):
            sup = paragraph.add_run(mark_)
            sup.font.superscript = True
            p = paragraph.add_run("p")
            p.italic = True
            paragraph.add_run(f" < {str(level)[1:]}." + (" " if k < len(STAR_LEVELS) - 1 else ""))


def write_docx(tables: Sequence[Table], path: str | Path) -> Path:
    """Write ``tables`` to a new Word document at ``path`` (one after another); return it."""
    import docx

    document = docx.Document()
    for k, table in enumerate(tables):
        if k:
            document.add_paragraph()
        add_table(document, table)
    out = Path(path)
    document.save(str(out))
    return out
