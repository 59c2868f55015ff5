"""Estimates read back from a results folder, so that a diagram can be redrawn without refitting.

:func:`read_results_folder` reads a folder written by ``sem-csat fit`` (or
:func:`sem_csat.write`) into a :class:`SavedResults`, which :func:`sem_csat.diagram.path_diagram`
draws like a result (``sem-csat diagram SPEC --from DIR``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sem_csat.errors import DataError, UsageError
from sem_csat.spec.model import ModelSpec

__all__ = ["SavedResults", "read_results_folder"]


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
        ``outer.csv`` (``construct, indicator, weight, loading, std_loading``); for a folder
        written before ``outer.csv`` had ``std_loading``, the standardized loadings are taken
        from ``params.csv`` (its ``=~`` rows) when it is there, otherwise from ``loading``.
        ``None`` when neither file is there.
    folder
        Where the files were read.
    """

    spec: ModelSpec
    paths: pd.DataFrame
    r2: pd.DataFrame
    outer: pd.DataFrame | None
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
    """Read ``paths.csv``, ``r2.csv`` and ``outer.csv`` (or ``params.csv``) of a results folder.

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
    if "std_loading" not in outer.columns and not params.empty:
        loads = params[params["op"] == "=~"]
        outer = pd.DataFrame(
            {
                "construct": loads["lhs"].to_numpy(),
                "indicator": loads["rhs"].to_numpy(),
                "std_loading": loads["std_all"].to_numpy(),
            }
        )
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
        folder=root,
    )
