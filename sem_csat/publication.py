"""The publication files of a run: path diagram, tables and the HTML report.

:func:`write_publication` adds to a results folder what goes into a paper: ``diagram.pdf``,
``diagram.svg`` and ``diagram.png`` (double-column width, 300 dpi, so at least 2000 px wide),
``tables.tex``, ``tables.md`` and ``tables.docx`` (APA style), and ``report.html``.

:func:`read_results_folder` reads a folder written by ``sem-csat fit`` back into an object that
:func:`sem_csat.diagram.path_diagram` draws (``sem-csat diagram SPEC --from DIR``), so a figure can
be redrawn in another style without refitting.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import DataError, UsageError

if TYPE_CHECKING:
    from sem_csat.cbsem.results import CBSEMResult
    from sem_csat.pls.results import PLSResult
    from sem_csat.spec.model import ModelSpec

__all__ = ["SavedResults", "contained_path", "read_results_folder", "write_publication"]

#: Diagram files written by ``sem-csat fit``.
DIAGRAM_FILES = ("diagram.pdf", "diagram.svg", "diagram.png")


def contained_path(folder: Path, name: str) -> Path:
    """``folder / name``, refusing a name that would leave ``folder``.

    Output file names are fixed or built from names that the spec validates (letters, digits,
    ``_`` and ``.``), so this never fails for a valid run; it guards every path the writers build
    against a future name with a separator or ``..``.
    """
    root = folder.resolve()
    path = (root / name).resolve()
    if path.parent != root:
        raise UsageError(
            f"The output file name {name!r} would be written outside the output folder "
            f"'{folder}'; rename the construct or model so that its name has no '/' or '..'."
        )
    return path


def write_publication(
    result: PLSResult | CBSEMResult,
    out: str | Path,
    info: Mapping[str, Any] | None = None,
    *,
    extra_diagnostics: Sequence[Diagnostic] = (),
) -> list[Path]:
    """Write the diagram, the tables and ``report.html`` of a result into the folder ``out``.

    Parameters
    ----------
    result
        A PLS or CB-SEM result.
    out
        An existing output folder.
    info
        The run facts of ``run.json`` (for the report's settings and versions).
    extra_diagnostics
        Findings not stored on the result (measurement-quality verdicts, index notes), shown in
        the report's Warnings section.

    Returns
    -------
    list of Path
        The files written.
    """
    from sem_csat.diagram import path_diagram
    from sem_csat.report import write_report
    from sem_csat.tables import publication_tables

    folder = Path(out)
    written: list[Path] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        diagram = path_diagram(result, size="double")
        for name in DIAGRAM_FILES:
            written.append(diagram.save(contained_path(folder, name), dpi=300))
        tables = publication_tables(result)
    for path in tables.write(folder):
        written.append(contained_path(folder, path.name))
    written.append(
        write_report(
            result, folder, info, extra_diagnostics=extra_diagnostics, tables=tables,
            diagram=diagram,
        )
    )  # fmt: skip
    diagram.figure.clear()
    return written


@dataclass(frozen=True)
class SavedResults:
    """Estimates read back from a results folder, in the shape the path diagram draws.

    Attributes
    ----------
    spec
        The model.
    paths
        ``paths.csv``: ``from, to, estimate`` (+ ``std_estimate``, ``p_value``, ``ci_lower``,
        ``ci_upper`` when present).
    r2
        ``r2.csv`` indexed by construct.
    outer
        PLS ``outer.csv`` (``construct, indicator, weight, loading``), or ``None``.
    params
        CB-SEM ``params.csv`` (its ``=~`` rows give the standardized loadings), or ``None``.
    folder
        Where the files were read.
    """

    spec: ModelSpec
    paths: pd.DataFrame
    r2: pd.DataFrame
    outer: pd.DataFrame | None
    params: pd.DataFrame | None
    folder: Path

    def __repr__(self) -> str:
        return f"<SavedResults {self.spec.name!r} from {str(self.folder)!r}>"


def _read_csv(folder: Path, name: str, columns: Sequence[str], *, required: bool) -> pd.DataFrame:
    path = folder / name
    if not path.is_file():
        if required:
            raise DataError(
                f"The results folder '{folder}' has no {name}; give the folder that "
                "'sem-csat fit --out' wrote."
            )
        return pd.DataFrame()
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"'{path}' is not a readable CSV file ({exc}).") from exc
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise DataError(
            f"'{path}' lacks the column(s) {', '.join(map(repr, absent))}; it was not written "
            "by 'sem-csat fit', or it was edited."
        )
    return frame


def read_results_folder(folder: str | Path, spec: ModelSpec) -> SavedResults:
    """Read ``paths.csv``, ``r2.csv`` and ``outer.csv`` or ``params.csv`` of a results folder.

    Raises
    ------
    DataError
        When a file is missing or malformed, or names a construct the spec does not have.
    """
    root = Path(folder)
    if not root.is_dir():
        raise UsageError(f"'{root}' is not a folder; give the folder that 'sem-csat fit' wrote.")
    paths = _read_csv(root, "paths.csv", ("from", "to", "estimate"), required=True)
    r2 = _read_csv(root, "r2.csv", ("construct", "r2"), required=True)
    outer = _read_csv(root, "outer.csv", ("construct", "indicator", "loading"), required=False)
    params = _read_csv(root, "params.csv", ("lhs", "op", "rhs", "std_all"), required=False)
    known = set(spec.construct_names)
    for name, column in (("paths.csv", paths["from"]), ("paths.csv", paths["to"])):
        unknown = sorted(set(map(str, column)) - known)
        if unknown:
            raise DataError(
                f"'{root / name}' names construct(s) {', '.join(map(repr, unknown))} that the "
                f"model {spec.name!r} does not have; give the spec the results were fitted with."
            )
    return SavedResults(
        spec=spec,
        paths=paths,
        r2=r2.set_index("construct"),
        outer=outer if not outer.empty else None,
        params=params if not params.empty else None,
        folder=root,
    )
