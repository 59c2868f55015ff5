"""``results.xlsx``: every table of a result in one workbook, one sheet per table.

What SmartPLS users get from its Excel export: the tables that :func:`sem_csat.write` writes as
CSV (``result.tables()``: paths, outer model, reliability, items, HTMT, HTMT2, Fornell–Larcker,
cross-loadings, effects, index, IPMA, global fit, the parameter table, ...), then
``diagnostics`` (every finding) and ``settings`` (``run.json`` flattened to one row per
setting).

- Numbers are stored as numbers, at full precision (format only when shown); NaN is an empty
  cell; ±infinity, which a workbook cannot hold as a number, is the text ``inf``/``-inf``.
- The first row holds the column names, in bold, and stays visible when scrolling (frozen).
- The same formula-injection safety as the CSV files (:func:`sem_csat.rendering.safe_frame`: a
  text cell that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading
  ``'``, except the parameter table's operators), and every text cell is stored as text, so
  that no cell of the workbook is ever a formula.
- Sheet names are the table names, cut to Excel's 31 characters and made unique.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sem_csat.output.files import OPERATORS
from sem_csat.rendering import safe_frame

if TYPE_CHECKING:
    from sem_csat.diagnostics import Diagnostic

__all__ = ["SHEET_ORDER", "excel_tables", "write_excel"]

#: Tables first in the workbook, in this order (the others follow in the result's order).
SHEET_ORDER: tuple[str, ...] = (
    "paths",
    "outer",
    "r2",
    "reliability",
    "items",
    "htmt",
    "htmt2",
    "fornell_larcker",
    "cross_loadings",
    "htmt_bootstrap",
    "effects",
    "f_squared",
    "mediation",
    "specific_indirect",
    "index",
    "ipma",
    "fit",
    "modification_indices",
    "params",
)
_MAX_NAME = 31
_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


def excel_tables(
    tables: Mapping[str, pd.DataFrame],
    findings: Sequence[Diagnostic],
    info: Mapping[str, Any],
) -> dict[str, pd.DataFrame]:
    """The sheets of ``results.xlsx``, ``sheet name -> table``, in workbook order.

    Parameters
    ----------
    tables
        ``result.tables()``.
    findings
        ``result.findings()`` (the ``diagnostics`` sheet).
    info
        The run record (:func:`sem_csat.provenance.run_record`; the ``settings`` sheet).
    """
    ordered = [n for n in SHEET_ORDER if n in tables] + [n for n in tables if n not in SHEET_ORDER]
    sheets: dict[str, pd.DataFrame] = {}
    for name in ordered:
        sheets[_sheet_name(name, sheets)] = tables[name]
    sheets[_sheet_name("diagnostics", sheets)] = pd.DataFrame(
        [d.as_row() for d in findings], columns=["severity", "code", "message"]
    )
    sheets[_sheet_name("settings", sheets)] = pd.DataFrame(
        list(_flatten(info)), columns=["setting", "value"]
    )
    return sheets


def _sheet_name(name: str, taken: Iterable[str]) -> str:
    base = str(name).translate(_FORBIDDEN).strip("'") or "sheet"
    base = base[:_MAX_NAME]
    used = {t.lower() for t in taken}
    candidate, k = base, 2
    while candidate.lower() in used:
        suffix = f"_{k}"
        candidate = base[: _MAX_NAME - len(suffix)] + suffix
        k += 1
    return candidate


def _flatten(value: object, prefix: str = "") -> Iterable[tuple[str, object]]:
    """``run.json`` as ``(dotted.key, value)`` rows; lists of plain values as JSON text."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list | tuple) and any(isinstance(v, Mapping) for v in value):
        for k, item in enumerate(value):
            yield from _flatten(item, f"{prefix}[{k}]")
    elif isinstance(value, list | tuple):
        yield prefix, json.dumps(list(value), ensure_ascii=False, default=str)
    else:
        yield prefix, value


def _cell_value(value: object) -> object:
    """A workbook value: Python numbers, booleans and texts; NaN/None empty."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return None
        if math.isinf(number):
            return "inf" if number > 0 else "-inf"
        return number
    return str(value)


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    safe = safe_frame(frame)
    if "op" in frame.columns and set(frame["op"].dropna().astype(str)) <= OPERATORS:
        safe["op"] = frame["op"].to_numpy()
    return safe


def _cell(sheet: Any, value: object, font: Any = None) -> Any:
    """A write-only cell; text is stored as text, never as a formula."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=_cell_value(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


def _column_values(sheet: Any, column: pd.Series) -> list[object]:
    """The workbook values of one column: what :func:`_cell` stores, as plain values where
    openpyxl stores them so by itself (numbers, booleans, empty cells and text that it does
    not read as a formula or an error code), else as a cell of :func:`_cell`.

    Plain values let openpyxl write a row without a cell object per value, which is what a
    sheet of a quarter of a million cells (the cross-loadings of a large model) costs.
    """
    from openpyxl.cell.cell import ERROR_CODES

    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iubf":
        values = column.to_numpy()
        out: list[object] = values.tolist()  # Python numbers, as _cell_value makes them
        if values.dtype.kind == "f":
            for i in np.flatnonzero(~np.isfinite(values)):
                out[i] = _cell_value(out[i])
        return out
    out = []
    for value in column.to_numpy(dtype=object):
        plain = _cell_value(value)
        if isinstance(plain, str) and (plain.startswith("=") or plain in ERROR_CODES):
            out.append(_cell(sheet, plain))
        else:
            out.append(plain)
    return out


def write_excel(sheets: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write ``sheets`` (from :func:`excel_tables`) to the workbook ``path``; return it.

    A DataFrame's index is written as its first column(s) only when it is not the default
    ``0, 1, 2, ...`` (the HTMT and Fornell–Larcker matrices carry construct names there).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, frame in sheets.items():
        table = frame
        default_index = isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0
        if not default_index:
            table = frame.reset_index(names=[str(n or "") for n in frame.index.names])
        safe = _safe(table)
        sheet = book.create_sheet(name)
        sheet.freeze_panes = "A2"
        headers = [str(c) for c in safe.columns]
        columns = [safe.iloc[:, j] for j in range(safe.shape[1])]
        for j, (header, column) in enumerate(zip(headers, columns, strict=True), start=1):
            first = column.iloc[:50].to_numpy(dtype=object)
            widths = [len(header), *(len(str(_cell_value(v) or "")) for v in first)]
            sheet.column_dimensions[get_column_letter(j)].width = min(60, max(widths) + 2)
        sheet.append([_cell(sheet, h, bold) for h in headers])
        for row in zip(*(_column_values(sheet, column) for column in columns), strict=True):
            sheet.append(row)
    out = Path(path)
    book.save(str(out))
    return out
