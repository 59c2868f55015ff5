"""Files of a results folder: the folder itself, paths inside it, spreadsheet-safe CSV."""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from sem_csat.errors import UsageError
from sem_csat.rendering import safe_frame

__all__ = [
    "atomic_file",
    "contained_path",
    "ensure_out_dir",
    "staged_folder",
    "write_csv",
]

#: Operators of the parameter table, written as they are: sem_csat's own fixed vocabulary
#: (lavaan's), never user text, and ``params.csv`` is read back by programs.
OPERATORS = frozenset({"=~", "<~", "~", "~~", "~1", "|", "~*~", "r2", ":=", "=="})


def _reason(exc: OSError) -> str:
    return str(exc.strerror or exc).rstrip(".")


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
            f"Cannot create the output folder '{path}' ({_reason(exc)}); "
            "choose another --out folder."
        ) from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise UsageError(
            f"The output folder '{path}' is not writable; choose another --out folder or "
            "change its permissions."
        )
    return path


@contextlib.contextmanager
def staged_folder(folder: Path) -> Iterator[Path]:
    """A hidden staging folder inside ``folder`` for a run's files.

    The files are written into the staging folder; when the block ends without an error they
    are moved into ``folder`` (a rename on the same file system, which cannot run out of
    space), after checking that none of their names is taken by a folder.  On any error the
    staging folder is removed and ``folder`` is left as it was: a full disk or an unwritable
    file never leaves a half-written set of results that looks complete.  An ``OSError`` is
    reported as one sentence (:class:`~sem_csat.errors.UsageError`).
    """
    try:
        staging = Path(tempfile.mkdtemp(prefix=".sem-csat-partial-", dir=folder))
    except OSError as exc:
        raise UsageError(
            f"Cannot write into the output folder '{folder}' ({_reason(exc)}); choose another "
            "--out folder."
        ) from exc
    try:
        yield staging
        names = sorted(p.name for p in staging.iterdir())
        _check_targets(folder, names)
        for name in names:
            os.replace(staging / name, folder / name)
    except OSError as exc:
        raise UsageError(
            f"Writing the results into '{folder}' failed ({_reason(exc)}); nothing was written "
            "there. Free some disk space or choose another --out folder, then run again."
        ) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_targets(folder: Path, names: Sequence[str]) -> None:
    taken = [n for n in names if (folder / n).is_dir()]
    if taken:
        shown = ", ".join(f"'{folder / n}'" for n in taken)
        raise UsageError(
            f"{shown} {'is a folder' if len(taken) == 1 else 'are folders'}, where sem_csat "
            f"writes a file of the same name; nothing was written. Move or rename "
            f"{'it' if len(taken) == 1 else 'them'}, or choose another --out folder."
        )


@contextlib.contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """Write one output file through a temporary file in the same folder.

    Yields a temporary path with the same suffix; when the block ends without an error the
    file replaces ``path``, otherwise it is removed and ``path`` is left untouched.  A target
    that is a folder, a missing or unwritable folder, or a full disk is reported as one
    sentence (:class:`~sem_csat.errors.UsageError`).
    """
    target = Path(path)
    if target.is_dir():
        raise UsageError(
            f"The output file '{target}' is a folder; give the name of a file, such as "
            f"'{target / ('diagram' + (target.suffix or '.pdf'))}'."
        )
    folder = target.parent
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"Cannot write '{target}': '{folder}' is a file, not a folder.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"Cannot create the folder '{folder}' for '{target.name}' ({_reason(exc)})."
        ) from exc
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=folder)
    except OSError as exc:
        raise UsageError(f"Cannot write '{target}' ({_reason(exc)}).") from exc
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
        os.replace(temp, target)
    except OSError as exc:
        raise UsageError(
            f"Writing '{target}' failed ({_reason(exc)}); the file was not written."
        ) from exc
    finally:
        temp.unlink(missing_ok=True)


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
