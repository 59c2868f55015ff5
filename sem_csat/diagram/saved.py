"""Estimates read back from a results folder, so that a diagram can be redrawn without refitting.

:func:`read_results_folder` reads a folder written by ``sem-csat fit`` (or
:func:`sem_csat.write`) into a :class:`SavedResults`, which :func:`sem_csat.diagram.path_diagram`
draws like a result (``sem-csat diagram SPEC --from DIR``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
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


def _numbers(
    frame: pd.DataFrame,
    path: Path,
    columns: Sequence[str],
    *,
    required: Sequence[str] = (),
    bounds: dict[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """The ``columns`` of ``frame`` as numbers, refusing a cell that is not one (an edited or
    damaged file), an empty cell in a ``required`` column and a value outside ``bounds``."""
    out = frame.copy()
    for column in columns:
        if column not in out.columns:
            continue
        raw = out[column]
        values = pd.to_numeric(raw, errors="coerce")
        bad = values.isna() & raw.notna()
        if column in required:
            bad |= values.isna()
        low, high = (bounds or {}).get(column, (-np.inf, np.inf))
        bad |= (values < low) | (values > high) | np.isinf(values)
        if bad.any():
            k = int(np.flatnonzero(bad.to_numpy())[0])
            shown = raw.iloc[k]
            what = "is empty" if pd.isna(shown) else f"holds {str(shown)!r}"
            rule = "a number" if np.isinf(high) else f"a number from {low:g} to {high:g}"
            raise DataError(
                f"'{path}', line {k + 2}: the {column!r} cell {what}, where {rule} belongs; "
                "the file was edited or damaged, so it is not drawn. Write the folder again "
                "with 'sem-csat fit'."
            )
        out[column] = values.astype(np.float64)
    return out


def _check_paths(paths: pd.DataFrame, spec: ModelSpec, path: Path) -> None:
    """Every structural path of the model once, and no other."""
    pairs = list(zip(paths["from"].astype(str), paths["to"].astype(str), strict=True))
    wanted = {(p.source, p.target) for p in spec.paths}
    repeated = sorted({p for p in pairs if pairs.count(p) > 1})
    absent = sorted(wanted - set(pairs))
    extra = sorted(set(pairs) - wanted)
    for problem, items in (
        ("lists a path twice", repeated),
        ("lacks the model's path(s)", absent),
        ("has path(s) that the model does not have", extra),
    ):
        if items:
            shown = ", ".join(f"{a} → {b}" for a, b in items[:5])
            raise DataError(
                f"'{path}' {problem}: {shown}; it was edited, or written for another model, so "
                "it is not drawn. Give the spec the results were fitted with, or write the "
                "folder again with 'sem-csat fit'."
            )


def read_results_folder(folder: str | Path, spec: ModelSpec) -> SavedResults:
    """Read ``paths.csv``, ``r2.csv`` and ``outer.csv`` (or ``params.csv``) of a results folder.

    Raises
    ------
    DataError
        When a file is missing or malformed (a cell that is not a number, an empty estimate,
        a p-value outside 0–1), names a construct or indicator the spec does not have, or
        lacks, repeats or adds a path of the model: a tampered folder is refused, never drawn
        with a coefficient missing.
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
    for name, column in (
        ("paths.csv", paths["from"]),
        ("paths.csv", paths["to"]),
        ("r2.csv", r2["construct"]),
    ):
        unknown = sorted(set(map(str, column)) - known)
        if unknown:
            raise DataError(
                f"'{root / name}' names construct(s) {', '.join(map(repr, unknown))} that the "
                f"model {spec.name!r} does not have; give the spec the results were fitted with."
            )
    _check_paths(paths, spec, root / "paths.csv")
    unit = (0.0, 1.0)
    paths = _numbers(
        paths,
        root / "paths.csv",
        ("estimate", "std_estimate", "std_error", "p_value", "ci_lower", "ci_upper"),
        required=("estimate",),
        bounds={"p_value": unit, "std_error": (0.0, np.inf)},
    )
    r2 = _numbers(r2, root / "r2.csv", ("r2", "r2_adj"), bounds={"r2": (-1e-9, 1.0 + 1e-9)})
    if not outer.empty:
        indicators = {str(i): c.name for c in spec.constructs for i in c.indicator_names}
        for k, (construct, indicator) in enumerate(
            zip(outer["construct"].astype(str), outer["indicator"].astype(str), strict=True)
        ):
            if indicators.get(indicator) != construct:
                raise DataError(
                    f"'{root / 'outer.csv'}', line {k + 2}: indicator {indicator!r} of "
                    f"construct {construct!r} is not in model {spec.name!r}; give the spec the "
                    "results were fitted with."
                )
        outer = _numbers(
            outer, root / "outer.csv", ("weight", "loading", "std_loading"), required=()
        )
    return SavedResults(
        spec=spec,
        paths=paths,
        r2=r2.set_index("construct"),
        outer=outer if not outer.empty else None,
        folder=root,
    )
