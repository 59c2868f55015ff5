"""The table layer: APA formatting, safety, and one Table rendered in every format."""

from __future__ import annotations

import io
import math
import re

import docx
import numpy as np
import pandas as pd
import pytest

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import UsageError
from sem_csat.summary import Section, Summary
from sem_csat.tables import (
    MINUS,
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

XSS = "<script>alert(1)</script>"


# ---------------------------------------------------------------------------- APA numbers
@pytest.mark.parametrize(
    ("value", "kind", "decimals", "expected"),
    [
        (0.6789, "bounded", 2, ".68"),
        (-0.0512, "bounded", 2, f"{MINUS}.05"),
        (0.6789, "coef", 2, "0.68"),
        (-1.2346, "coef", 3, f"{MINUS}1.235"),
        (1.0, "bounded", 3, "1.000"),
        (1.08, "bounded", 2, "1.08"),  # a Heywood case keeps its leading digit
        (0.9996, "bounded", 3, "1.000"),
        (-0.0004, "coef", 3, "0.000"),  # no "−0.000"
        (-0.0004, "bounded", 3, ".000"),
        (12.0, "int", 0, "12"),
        (-3.0, "int", 0, f"{MINUS}3"),
        ("Image", "text", 3, "Image"),
        (float("nan"), "coef", 3, ""),
        (None, "bounded", 3, ""),
    ],
)
def test_format_value_follows_apa(value: object, kind: str, decimals: int, expected: str) -> None:
    assert format_value(value, kind, decimals) == expected  # type: ignore[arg-type]


def test_minus_sign_is_u2212_everywhere_but_csv() -> None:
    assert MINUS == "\u2212"
    assert "-" not in format_value(-0.5, "coef", 2)


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (0.0, "< .001"),
        (0.000999, "< .001"),
        (0.001, ".001"),
        (0.0312, ".031"),
        (0.05, ".050"),
        (0.5, ".500"),
        (0.9994, ".999"),
        (0.99999, "> .999"),
        (float("nan"), ""),
    ],
)
def test_format_p(p: float, expected: str) -> None:
    assert format_p(p) == expected


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (0.0009999, "***"),
        (0.001, "**"),
        (0.0099999, "**"),
        (0.01, "*"),
        (0.0499999, "*"),
        (0.05, ""),
        (0.2, ""),
        (float("nan"), ""),
        (None, ""),
    ],
)
def test_star_thresholds_are_strict_at_the_boundaries(p: float | None, expected: str) -> None:
    assert stars(p) == expected


# ---------------------------------------------------------------------------- CSV safety
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=cmd()", "'=cmd()"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-0.5", "'-0.5"),  # text that looks like a number is still text
        ("Satisfaction", "Satisfaction"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_spreadsheet_safe_text(value: str, expected: str) -> None:
    assert spreadsheet_safe(value) == expected


@pytest.mark.parametrize("value", [-2.5, 3, np.float64(-0.25), np.int64(-7), float("nan"), None])
def test_spreadsheet_safe_leaves_numbers_alone(value: object) -> None:
    out = spreadsheet_safe(value)
    assert out is value


def test_safe_frame_keeps_numbers_and_input() -> None:
    df = pd.DataFrame(
        {"name": ["=cmd()", "+1", "-2+3", "@SUM", "ok"], "x": [-1.5, -2.0, 0.1, 3.0, -0.0]},
        index=pd.Index(["=i", "b", "c", "d", "e"]),
    )
    df["-col"] = [1, -2, 3, -4, 5]
    out = safe_frame(df)
    assert list(out["name"]) == ["'=cmd()", "'+1", "'-2+3", "'@SUM", "ok"]
    assert out["x"].dtype == np.float64
    np.testing.assert_array_equal(out["x"].to_numpy(), df["x"].to_numpy())
    assert list(out.iloc[:, 2]) == [1, -2, 3, -4, 5]
    assert list(out.columns) == ["name", "x", "'-col"]
    assert out.index[0] == "'=i"
    assert df["name"].iloc[0] == "=cmd()"  # input unchanged


# ---------------------------------------------------------------------------- a Table
@pytest.fixture
def table() -> Table:
    data = pd.DataFrame(
        {
            "to": ["Y", "Y", "Z"],
            "from": [XSS, "A_1 & 50% $#{}~^\\", "=cmd()"],
            "beta": [0.42312345678901234, -0.0512, 1.2],
            "p": [0.0004, 0.03, 0.5],
            "lo": [0.1, -0.2, 0.9],
            "hi": [0.6, 0.1, 1.5],
        }
    )
    cols = (
        Column("to", "Outcome", "text", per_group=True),
        Column("from", "Predictor", "text"),
        Column("beta", "β", "bounded", stars="p", group="PLS"),
        Column("lo", "95% CI", "ci", upper="hi", ci_kind="bounded", group="PLS"),
        Column("p", "p", "p"),
    )
    return Table(data, cols, "Paths", caption="N = 3, PLS", note="A note.", number=2, group_by="to")


def test_table_stores_raw_values(table: Table) -> None:
    assert table.data["beta"].iloc[0] == 0.42312345678901234
    assert table.cells()[0][2].text == ".423"
    assert table.cells()[0][2].stars == "***"
    assert table.cells()[1][0].text == ""  # per-group value shown once


def test_table_rejects_unknown_columns() -> None:
    with pytest.raises(UsageError, match="'nope'"):
        Table(pd.DataFrame({"a": [1.0]}), (Column("nope"),), "t")
    with pytest.raises(UsageError, match="upper"):
        Table(pd.DataFrame({"a": [1.0]}), (Column("a", kind="ci"),), "t")


def test_text_rendering(table: Table) -> None:
    text = table.to_text()
    lines = text.splitlines()
    assert lines[:2] == ["Table 2", "Paths (N = 3, PLS)"]
    assert "PLS" in lines[3]
    assert f"{MINUS}.051*" in text
    assert "[.900, 1.500]" in text
    assert "Note. A note." in text
    assert lines[-1] == "* p < .05. ** p < .01. *** p < .001."


def test_html_is_escaped(table: Table) -> None:
    out = table.to_html()
    assert XSS not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert '<table class="sem-csat-table"' in out
    assert "<caption" in out
    assert "Table 2" in out
    assert 'colspan="2"' in out  # the PLS spanner
    assert "<sup>***</sup>" in out
    assert "<em>Note.</em> A note." in out
    assert out == table._repr_html_()


def test_markdown_is_escaped(table: Table) -> None:
    out = table.to_markdown()
    assert "<script>" not in out
    assert "&lt;script&gt;" in out
    assert "A\\_1 &amp; 50%" in out
    assert "\\*\\*\\*" in out  # stars do not turn into emphasis
    rows = [line for line in out.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + 3
    assert rows[1] == "|---|---|---:|---:|---:|"
    assert "| PLS β |" in rows[0]


def test_latex_booktabs_structure_and_escaping(table: Table) -> None:
    out = table.to_latex()
    order = [out.index(k) for k in (r"\toprule", r"\midrule", r"\bottomrule")]
    assert order == sorted(order)
    for key in (r"\caption{Paths (N = 3, PLS)}", r"\label{tab:paths}", r"\begin{tabular}{llrrr}"):
        assert key in out
    assert r"\multicolumn{2}{c}{PLS}" in out
    assert r"\cmidrule(lr){3-4}" in out
    assert r"A\_1 \& 50\% \$\#\{\}\textasciitilde{}\textasciicircum{}\textbackslash{}" in out
    assert r"\textless{}script\textgreater{}" in out
    assert r"$-$.051\textsuperscript{*}" in out
    assert r"\textit{Note.} A note." in out
    body = out[out.index(r"\midrule") : out.index(r"\bottomrule")]
    assert body.count(r"\\") == 3
    assert out.count("{") == out.count("}") + out.count(r"\{") - out.count(r"\}")
    assert "\u2212" not in out
    assert "β" not in out


def test_latex_escape_symbols() -> None:
    assert latex_escape("ρ_A") == r"$\rho_{A}$"
    assert latex_escape("R²") == r"$R^{2}$"
    assert latex_escape("a_b") == r"a\_b"


def test_csv_round_trips_raw_numbers_and_is_safe(table: Table, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = table.to_csv(tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == text
    back = pd.read_csv(io.StringIO(text))
    assert list(back.columns) == ["to", "from", "beta", "p", "lo", "hi"]
    assert back["beta"].iloc[0] == 0.42312345678901234  # float repr round-trips exactly
    assert back["beta"].dtype == np.float64
    assert back["lo"].iloc[1] == -0.2  # negative numbers stay numbers
    assert back["from"].iloc[2] == "'=cmd()"


def test_docx_contains_caption_header_rows_and_note(table: Table, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = table.to_docx(tmp_path / "t.docx")
    doc = docx.Document(str(path))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[:2] == ["Table 2", "Paths (N = 3, PLS)"]
    assert doc.paragraphs[0].runs[0].bold
    assert doc.paragraphs[1].runs[0].italic
    assert "Note. A note." in paragraphs
    assert paragraphs[-1] == "*p < .05. **p < .01. ***p < .001."
    (grid,) = doc.tables
    assert len(grid.rows) == 2 + 3  # spanner row, heading row, 3 body rows
    assert [c.text for c in grid.rows[1].cells] == ["Outcome", "Predictor", "β", "95% CI", "p"]
    assert grid.rows[2].cells[1].text == XSS  # stored as text, Word does not run it
    assert grid.rows[2].cells[2].text == ".423***"
    xml = grid._tbl.xml
    assert xml.count("<w:top ") == 4  # 5 columns, two merged under the spanner
    assert xml.count("<w:left") == 0  # horizontal rules only


def test_summary_accepts_tables_and_renders_latex(table: Table) -> None:
    df = pd.DataFrame({"construct": ["A_b"], "r2": [0.123456]})
    s = Summary(
        "T & t",
        [("Data", "x_y.csv")],
        [Section("Frame", df), Section("Table", table, ("a line",))],
        [Diagnostic("warning", "w_code", "look at 50%")],
    )
    for out in (s.as_text(), s.as_markdown(), s.as_html()):
        assert "Outcome" in out
        assert "Frame" in out
    assert "0.123" in s.as_text()
    latex = s.as_latex()
    assert r"\section*{T \& t}" in latex
    assert r"x\_y.csv" in latex
    assert r"A\_b & 0.123 \\" in latex
    assert r"\multicolumn{2}{c}{PLS}" in latex
    assert r"\item \textbf{warning} \texttt{w\_code}: look at 50\%" in latex
    assert "Table 2" not in s.as_text()  # the section title replaces the table heading


def test_tableset_numbers_and_writes(table: Table, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ts = TableSet.numbered([table, table])
    assert [t.number for t in ts] == [1, 2]
    assert table.number == 2  # the original is not changed
    paths = ts.write(tmp_path / "out")
    assert [p.name for p in paths] == ["tables.tex", "tables.md", "tables.docx"]
    assert paths[0].read_text(encoding="utf-8").count(r"\begin{table}") == 2
    assert "**Table 2**" in paths[1].read_text(encoding="utf-8")
    assert len(docx.Document(str(paths[2])).tables) == 2
    standalone = ts.to_latex(standalone=True)
    assert standalone.startswith(r"\documentclass")
    assert r"\usepackage{booktabs}" in standalone
    assert ts.to_html().count("<table") == 2


def test_from_frame_infers_kinds() -> None:
    df = pd.DataFrame({"name": ["a"], "n": [3], "x": [0.5], "flag": [True]})
    t = Table.from_frame(df)
    assert [c.kind for c in t.columns] == ["text", "int", "coef", "text"]
    assert not math.isnan(t.data["x"].iloc[0])
    assert re.search(r"\b3\b", t.to_text())


# ---------------------------------------------------------------------------- large tables
def _mixed_table() -> Table:
    """Integer, float, text, boolean and nullable columns, NaN and pd.NA, row groups, stars
    and an interval: every path of the cell formatting."""
    data = pd.DataFrame(
        {
            "group": ["A", "A", "B", "B"],
            "n": [1, 2, 3, 4],
            "beta": [0.4231, -0.0004, np.nan, 1.08],
            "lo": [0.1, np.nan, -0.2, 0.5],
            "hi": [0.7, 0.3, 0.2, np.inf],
            "p": [0.0004, 0.04, np.nan, 0.5],
            "flag": [True, False, True, False],
            "count": pd.array([1, None, 3, 4], dtype="Int64"),
            "label": [" lead", "a & b", "x\ty", "—"],
        }
    )
    columns = (
        Column("group", "Group", "text", per_group=True),
        Column("n", "n", "int"),
        Column("beta", "β", "bounded", stars="p", missing="—"),
        Column("lo", "CI", "ci", upper="hi"),
        Column("p", "p", "p"),
        Column("flag", "Flag", "coef"),
        Column("count", "Count", "int", missing="—"),
        Column("label", "Label", "text"),
    )
    return Table(data, columns, "Mixed", group_by="group", note="A note.")


def _cells_row_by_row(table: Table) -> list[list[tuple[str, str]]]:
    """The table's cells formatted one row of ``iterrows()`` at a time (the definition)."""
    out = []
    first = True
    previous = None
    for _, row in table.data.iterrows():
        first = table.group_by is None or row[table.group_by] != previous
        previous = row[table.group_by] if table.group_by else None
        cells = []
        for col in table.columns:
            if col.per_group and not first:
                cells.append(("", ""))
                continue
            decimals = table.decimals if col.decimals is None else col.decimals
            if col.kind == "ci":
                lo = format_value(row[col.key], col.ci_kind, decimals)
                hi = format_value(row[col.upper], col.ci_kind, decimals)
                text = f"[{lo}, {hi}]" if lo and hi else col.missing
            else:
                text = format_value(row[col.key], col.kind, decimals, col.missing)
            mark = stars(row[col.stars]) if col.stars and text != col.missing else ""
            cells.append((text, mark))
        out.append(cells)
    return out


def test_cells_are_formatted_once_as_row_by_row() -> None:
    table = _mixed_table()
    cells = table.cells()
    assert [[(c.text, c.stars) for c in row] for row in cells] == _cells_row_by_row(table)
    cells[0][0] = cells[0][1]  # the caller's copy: the table keeps its own
    assert table.cells()[0][0].text == "A"
    # every renderer shows the formatted body
    assert ".423" in table.to_text()
    assert ".423" in table.to_markdown()
    assert "[0.100, 0.700]" in table.to_html()


def test_docx_body_is_what_python_docx_makes_cell_by_cell() -> None:
    """The body rows, built as XML in one piece, equal python-docx's own objects."""
    from lxml import etree

    from sem_csat.rendering.word import add_table

    plain = pd.DataFrame({"a": ["x", " y", "a & b <c>", ""], "b": [0.5, np.nan, -2.0, 1.0]})
    plain["p"] = [0.01, 0.2, 0.0001, 0.5]
    table = Table(
        plain,
        (
            Column("a", "A", "text", group="G"),
            Column("b", "B", "coef", stars="p", group="G"),
            Column("p", "p", "p"),
        ),
        title="T",
    )
    document = docx.Document()
    add_table(document, table)
    built = document.tables[0]

    reference = docx.Document()
    grid = reference.add_table(rows=2 + len(plain), cols=3)
    jc = {"left": 0, "right": 2}
    for i, row in enumerate(table.cells()):
        last = i == len(plain) - 1
        for j, (cell, col) in enumerate(zip(row, table.columns, strict=True)):
            paragraph = grid.cell(2 + i, j).paragraphs[0]
            paragraph.add_run(cell.text).bold = None
            if cell.stars:
                paragraph.add_run(cell.stars).font.superscript = True
            paragraph.alignment = jc[col.align]
            if last:
                tc_pr = grid.cell(2 + i, j)._tc.get_or_add_tcPr()
                borders = etree.SubElement(tc_pr, docx.oxml.ns.qn("w:tcBorders"))
                bottom = etree.SubElement(borders, docx.oxml.ns.qn("w:bottom"))
                for name, value in (("val", "single"), ("sz", "8"), ("space", "0")):
                    bottom.set(docx.oxml.ns.qn(f"w:{name}"), value)
                bottom.set(docx.oxml.ns.qn("w:color"), "000000")
    body = [etree.tostring(tr) for tr in built._tbl.tr_lst[2:]]
    expected = [etree.tostring(tr) for tr in grid._tbl.tr_lst[2:]]
    assert body == expected
    assert built.cell(3, 0).text == " y"
    assert built.cell(2, 1).text == "0.500*"


def test_docx_writes_tabs_and_line_breaks_as_python_docx_does(tmp_path) -> None:  # type: ignore[no-untyped-def]
    table = _mixed_table()
    path = table.to_docx(tmp_path / "mixed.docx")
    grid = docx.Document(str(path)).tables[0]
    assert grid.cell(3, 7).text == "x\ty"  # a w:tab element, read back as a tab
    assert grid.cell(1, 2).text == ".423***"
