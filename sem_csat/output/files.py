"""Files of a results folder: the folder itself, paths inside it, spreadsheet-safe CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from sem_csat.errors import UsageError
from sem_csat.rendering import safe_frame

__all__ = ["contained_path", "ensure_out_dir", "write_csv"]

#: Operators of the parameter table, written as they are: sem_csat's own fixed vocabulary
#: (lavaan's), never user text, and ``params.csv`` is read back by programs.
OPERATORS = frozenset({"=~", "<~", "~", "~~", "~1", "|", "~*~", "r2", ":=", "=="})


def ensure_out_dir(out: str | Path) -> Path:
    """Create the output folder if needed; an existing folder is reused, a file is an error."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise UsageError(
            f"The output path '{path}' is a file, not a folder; choose another --out folder."
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"Cannot create the output folder '{path}' ({exc.strerror or exc}); "
            "choose another --out folder."
        ) from exc
    return path


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


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` with full precision and return ``path``.

    Text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) are
    prefixed with ``'`` (numbers are untouched), except the parameter table's operator column
    (``op``: ``=~``, ``~~``, ...).
    """
    safe = safe_frame(frame)
    if "op" in frame.columns and set(frame["op"].dropna().astype(str)) <= OPERATORS:
        safe["op"] = frame["op"].to_numpy()
    safe.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    return path
