"""``results.xlsx``: written by ``sem_csat.write`` (and so by ``sem-csat fit``), read back with
openpyxl.

One sheet per table of ``result.tables()`` (then ``diagnostics`` and ``settings``), numbers as
numbers equal to the result's own values, the header row frozen, text cells with the same
formula-injection safety as the CSV files and no cell that is a formula.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import sem_csat
from sem_csat.cli import main
from sem_csat.output.excel import excel_tables, write_excel

LAVAAN = Path(__file__).resolve().parent / "reference" / "lavaan"
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"


def _quiet(fn: Any, *args: Any, **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def _sheet(book: Any, name: str) -> pd.DataFrame:
    rows = list(book[name].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=list(rows[0]))


def _cells(book: Any) -> list[Any]:
    return [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row]


def _check_numbers(table: pd.DataFrame, sheet: pd.DataFrame, name: str) -> None:
    assert list(sheet.columns) == [str(c) for c in table.columns], name
    assert len(sheet) == len(table), name
    for column in table.columns:
        ours = table[column]
        theirs = sheet[str(column)]
        if pd.api.types.is_bool_dtype(ours):
            assert [bool(v) for v in theirs] == [bool(v) for v in ours], (name, column)
        elif pd.api.types.is_numeric_dtype(ours):
            values = [np.nan if v is None else v for v in theirs]
            assert all(isinstance(v, int | float) for v in values), (name, column)
            np.testing.assert_allclose(
                np.asarray(values, float), ours.to_numpy(float), rtol=1e-15, atol=0,
                err_msg=f"{name}.{column}",
            )  # fmt: skip


@pytest.fixture(scope="module")
def pls_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    result = _quiet(sem_csat.fit, "ecsi", "ecsi_mobile")
    result = _quiet(result.bootstrap, 40, seed=3, progress=False)
    folder = tmp_path_factory.mktemp("pls")
    _quiet(sem_csat.write, result, folder, figures=False)
    return result, folder


def test_one_sheet_per_table_with_the_results_numbers(pls_folder: tuple[Any, Path]) -> None:
    result, folder = pls_folder
    book = load_workbook(folder / "results.xlsx")
    tables = _quiet(result.tables)
    expected = {"paths", "outer", "reliability", "htmt", "effects", "index", "ipma"}
    assert expected <= set(tables)
    assert book.sheetnames[:2] == ["paths", "outer"]
    assert set(book.sheetnames) == {*tables, "diagnostics", "settings"}
    for name, table in tables.items():
        _check_numbers(table, _sheet(book, name), name)
    # the CSV and the sheet hold the same numbers
    csv = pd.read_csv(folder / "paths.csv")
    np.testing.assert_allclose(
        _sheet(book, "paths")["estimate"].to_numpy(float), csv["estimate"].to_numpy(), rtol=1e-15
    )


def test_headers_are_frozen_and_bold(pls_folder: tuple[Any, Path]) -> None:
    _, folder = pls_folder
    book = load_workbook(folder / "results.xlsx")
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert all(cell.font.b for cell in ws[1]), ws.title


def test_diagnostics_and_settings_sheets(pls_folder: tuple[Any, Path]) -> None:
    result, folder = pls_folder
    book = load_workbook(folder / "results.xlsx")
    diags = _sheet(book, "diagnostics")
    findings = _quiet(result.findings)
    assert list(diags["code"]) == [d.code for d in findings]
    assert list(diags["message"]) == [d.message for d in findings]
    settings = dict(_sheet(book, "settings").itertuples(index=False, name=None))
    run = json.loads((folder / "run.json").read_text())
    assert settings["seed"] == run["seed"] == 3
    assert settings["settings.scheme"] == "path"
    assert settings["spec.sha256"] == run["spec"]["sha256"]
    assert settings["data.n_used"] == 250


def test_no_cell_is_a_formula_and_text_is_made_safe(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "lhs": ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "Loyalty"],
            "op": ["=~", "~", "~~", "=~", "~"],
            "estimate": [-0.5, 1.0, np.nan, np.inf, 2.5],
            "flag": [True, False, True, False, True],
        }
    )
    sheets = excel_tables({"params": frame}, [], {"data": {"source": "=cmd|' /C calc'!A0"}})
    path = write_excel(sheets, tmp_path / "x.xlsx")
    book = load_workbook(path)
    assert not [c.coordinate for c in _cells(book) if c.data_type == "f"]
    got = _sheet(book, "params")
    assert list(got["lhs"]) == ['\'=HYPERLINK("http://x")', "'+1", "'-2+3", "'@SUM(A1)", "Loyalty"]
    assert list(got["op"]) == ["=~", "~", "~~", "=~", "~"]  # operators as the CSV writes them
    assert got["estimate"].iloc[0] == -0.5  # negative numbers stay numbers
    assert got["estimate"].iloc[2] is None  # NaN: an empty cell
    assert got["estimate"].iloc[3] == "inf"  # a workbook cannot hold infinity as a number
    assert list(got["flag"]) == [True, False, True, False, True]
    settings = dict(_sheet(book, "settings").itertuples(index=False, name=None))
    assert settings["data.source"] == "'=cmd|' /C calc'!A0"


def test_sheet_names_are_cut_and_unique(tmp_path: Path) -> None:
    long = "specific_indirect_effects_of_a_very_long_name"
    tables = {long: pd.DataFrame({"a": [1.0]}), long + "_2": pd.DataFrame({"a": [2.0]})}
    sheets = excel_tables(tables, [], {})
    names = list(sheets)
    assert all(len(n) <= 31 for n in names)
    assert len(set(names)) == len(names) == 4
    book = load_workbook(write_excel(sheets, tmp_path / "x.xlsx"))
    assert book.sheetnames == names


def test_cbsem_workbook_has_fit_and_params(tmp_path: Path) -> None:
    hs = pd.read_csv(LAVAAN / "hs1939.csv")
    spec = tmp_path / "hs.lav"
    spec.write_text(HS)
    result = _quiet(sem_csat.fit, str(spec), hs, method="ml")
    _quiet(sem_csat.write, result, tmp_path / "out", figures=False)
    book = load_workbook(tmp_path / "out" / "results.xlsx")
    tables = _quiet(result.tables)
    assert {"fit", "params"} <= set(book.sheetnames)
    for name in ("fit", "params", "paths", "outer"):
        _check_numbers(tables[name], _sheet(book, name), name)
    fit = _sheet(book, "fit")
    assert math.isclose(fit["chi2"].iloc[0], float(result.fit_table["chi2"].iloc[0]))


def test_the_command_line_writes_the_workbook(tmp_path: Path) -> None:
    out = tmp_path / "cli"
    assert main(["fit", "ecsi", "ecsi_mobile", "--out", str(out), "--quiet"]) == 0
    book = load_workbook(out / "results.xlsx")
    assert "paths" in book.sheetnames
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # no staging left


def test_text_that_openpyxl_would_read_as_a_formula_or_error_stays_text(tmp_path: Path) -> None:
    """Plain values go to openpyxl as they are; text such as an operator ``==`` or ``#N/A``
    (which openpyxl reads as a formula or an error code) is still stored as text."""
    frame = pd.DataFrame(
        {
            "op": ["==", "=~", "~"],
            "label": ["#N/A", "#DIV/0!", "ok"],
            "n": [1, 2, 3],
            "x": [0.25, -np.inf, np.nan],
            "count": pd.array([1, None, 3], dtype="Int64"),
        }
    )
    path = write_excel(excel_tables({"params": frame}, [], {}), tmp_path / "x.xlsx")
    book = load_workbook(path)
    sheet = book["params"]
    cells = {c.coordinate: c for row in sheet.iter_rows() for c in row}
    assert [cells[f"A{r}"].data_type for r in (2, 3, 4)] == ["s", "s", "s"]
    assert [cells[f"B{r}"].data_type for r in (2, 3, 4)] == ["s", "s", "s"]
    got = _sheet(book, "params")
    assert list(got["op"]) == ["==", "=~", "~"]
    assert list(got["label"]) == ["#N/A", "#DIV/0!", "ok"]
    assert list(got["n"]) == [1, 2, 3]
    assert got["x"].iloc[0] == 0.25
    assert got["x"].iloc[1] == "-inf"
    assert got["x"].iloc[2] is None
    assert [cells[f"E{r}"].value for r in (2, 3, 4)] == [1, None, 3]  # pd.NA: an empty cell
