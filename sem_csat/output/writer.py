"""Write a result to a folder: :func:`write`, the one writer of ``sem-csat fit`` and of Python.

Files (full precision, never rounded):

``<name>.csv`` for every table of ``result.tables()``
    Both engines: ``paths.csv``, ``outer.csv``, ``r2.csv``, ``effects.csv`` in the contract's
    column layouts (:mod:`sem_csat.contract`) and the measurement-quality tables
    ``reliability.csv``, ``items.csv``, ``htmt.csv``, ``htmt2.csv``, ``fornell_larcker.csv``,
    ``cross_loadings.csv`` (they need every respondent's answers), and after a bootstrap
    ``htmt_bootstrap.csv`` (HTMT and HTMT2 intervals and the tests against .85 and .90, from
    the same resamples).  PLS adds ``f_squared.csv``, after a bootstrap ``mediation.csv`` and
    ``specific_indirect.csv``, and with a declared answer scale ``index.csv`` and ``ipma.csv``;
    CB-SEM adds ``fit.csv`` and ``params.csv``.
``results.xlsx``
    Every table above in one workbook, one sheet per table, then ``diagnostics`` and
    ``settings`` (``run.json`` flattened): numbers as numbers, frozen header row, the same
    formula-injection safety as the CSV files (:mod:`sem_csat.output.excel`).
``diagnostics.csv``
    ``severity,code,message``: every finding of the run (``result.findings()``: the
    estimation's warnings and notes, the measurement-quality verdicts, the notes on index
    scores and the IPMA).
``run.json``
    :func:`sem_csat.provenance.run_record`: settings, versions, seed, input file hashes, N used
    and total, the engine's run facts and the command.
``<name>.png``, ``<name>.pdf`` for every figure of ``result.figures()`` (PLS: ``ipma``), and
the publication files: ``diagram.pdf``, ``diagram.svg``, ``diagram.png`` (double-column width,
300 dpi), ``tables.tex``, ``tables.md``, ``tables.docx`` (APA style) and ``report.html``
    With ``figures=True`` (the default).

A result that did not converge (``result.converged`` is false) has no interpretable estimates:
then only ``diagnostics.csv`` (the estimation's findings, the non-convergence first) and
``run.json`` are written.

The files are written into a hidden staging folder inside ``out_dir`` and moved into place
only when every one of them was written (:func:`sem_csat.output.files.staged_folder`): a full
disk, an unwritable folder or a folder in the place of a file is one sentence
(:class:`~sem_csat.errors.UsageError`) and leaves ``out_dir`` as it was.

Nothing here asks which engine made the result: everything comes from the contract.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sem_csat.output.excel import excel_tables, write_excel
from sem_csat.output.files import contained_path, ensure_out_dir, staged_folder, write_csv
from sem_csat.provenance import run_record

if TYPE_CHECKING:
    from sem_csat.contract import SEMResult
    from sem_csat.diagnostics import Diagnostic
    from sem_csat.measurement import QualityReport

__all__ = ["DIAGNOSTIC_COLUMNS", "DIAGRAM_FILES", "EXCEL_FILE", "write", "write_quality"]

#: Columns of ``diagnostics.csv``.
DIAGNOSTIC_COLUMNS = ("severity", "code", "message")
#: Diagram files written with the publication files.
DIAGRAM_FILES = ("diagram.pdf", "diagram.svg", "diagram.png")
#: The workbook with every table (:mod:`sem_csat.output.excel`).
EXCEL_FILE = "results.xlsx"
#: Formats every figure of ``result.figures()`` is written in.
FIGURE_FORMATS = ("png", "pdf")


def _diagnostics_table(findings: Sequence[Diagnostic]) -> pd.DataFrame:
    return pd.DataFrame([d.as_row() for d in findings], columns=list(DIAGNOSTIC_COLUMNS))


def write(
    result: SEMResult,
    out_dir: str | Path,
    *,
    figures: bool = True,
    command: Sequence[str] | None = None,
) -> list[Path]:
    """Write everything ``sem-csat fit`` writes for ``result`` into the folder ``out_dir``.

    Parameters
    ----------
    result
        A fitted result of either engine (:class:`~sem_csat.contract.SEMResult`), bootstrapped
        or not.
    out_dir
        Output folder (created if missing, reused if it exists).
    figures
        Also write the figures and the publication files (diagram, tables in LaTeX, Markdown
        and Word, ``report.html``); ``False`` writes the CSV files and ``run.json`` only.
    command
        The command recorded in ``run.json``; by default the calling script
        (:func:`sem_csat.provenance.calling_script`).  The command line passes its arguments.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    UsageError
        When ``out_dir`` is a file or cannot be created or written, when a file cannot be
        written (full disk) or its name is taken by a folder; nothing is then written.

    Examples
    --------
    >>> import sem_csat, tempfile
    >>> result = sem_csat.fit("ecsi", "ecsi_mobile")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     files = sem_csat.write(result, folder, figures=False)
    ...     sorted(p.name for p in files)[:4]
    ['cross_loadings.csv', 'diagnostics.csv', 'effects.csv', 'f_squared.csv']
    """
    folder = ensure_out_dir(out_dir)
    with staged_folder(folder) as staging:
        names = _write_all(result, staging, figures=figures, command=command)
    return [folder / name for name in names]


def _write_all(
    result: SEMResult, folder: Path, *, figures: bool, command: Sequence[str] | None
) -> list[str]:
    """Write every file into ``folder`` (the staging folder); return their names in order."""
    written: list[Path] = []
    if result.converged:
        findings = result.findings()
        tables = result.tables()
        for name, table in tables.items():
            written.append(write_csv(table, contained_path(folder, f"{name}.csv")))
    else:  # an arbitrary point: nothing is read off it
        findings = result.diagnostics
        tables = {}
    written.append(
        write_csv(_diagnostics_table(findings), contained_path(folder, "diagnostics.csv"))
    )
    info = run_record(result, command=command)
    if result.converged:
        sheets = excel_tables(tables, findings, info)
        written.append(write_excel(sheets, contained_path(folder, EXCEL_FILE)))
    run_json = contained_path(folder, "run.json")
    run_json.write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    written.append(run_json)
    if figures and result.converged:
        for name, figure in result.figures().items():
            for ext in FIGURE_FORMATS:
                written.append(Path(figure.save(contained_path(folder, f"{name}.{ext}"))))
        written += _publication(result, folder, info)
    return list(dict.fromkeys(p.name for p in written))


def _publication(result: SEMResult, folder: Path, info: dict[str, object]) -> list[Path]:
    """The diagram, the APA tables and ``report.html``."""
    from sem_csat.diagram import path_diagram
    from sem_csat.report import write_report
    from sem_csat.tables import publication_tables

    written: list[Path] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        diagram = path_diagram(result, size="double")
        for name in DIAGRAM_FILES:
            written.append(diagram.save(contained_path(folder, name), dpi=300))
        tableset = publication_tables(result)
    for path in tableset.write(folder):
        written.append(contained_path(folder, path.name))
    written.append(write_report(result, folder, info, tables=tableset, diagram=diagram))
    diagram.figure.clear()
    return written


def write_quality(report: QualityReport, out: str | Path) -> list[Path]:
    """Write the measurement-quality tables and ``diagnostics.csv`` (``sem-csat quality``)."""
    folder = ensure_out_dir(out)
    with staged_folder(folder) as staging:
        written = [
            write_csv(table, contained_path(staging, f"{name}.csv"))
            for name, table in report.csv_tables().items()
        ]
        diagnostics = _diagnostics_table(report.diagnostics)
        written.append(write_csv(diagnostics, contained_path(staging, "diagnostics.csv")))
    return [folder / p.name for p in written]
