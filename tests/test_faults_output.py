"""Fault battery, output: full disks, folders in the way, tampered results, large models.

A write that fails part-way (a full disk, a folder where a file goes, no permission) is one
sentence and leaves the output folder as it was: nothing half-written that looks complete.
``diagram --from`` refuses a results folder whose tables were edited into nonsense, and a large
model is fitted and written to the end.
"""

from __future__ import annotations

import errno
import os
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.errors import SemCsatWarning, UsageError
from tests._faults import SMALL_SPEC, assert_user_error, ecsi, hashes, run_cli


@pytest.fixture(scope="module")
def small_result() -> sem_csat.SEMResult:
    spec = sem_csat.ModelSpec.from_yaml(SMALL_SPEC)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SemCsatWarning)
        return sem_csat.fit(spec, ecsi())


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    spec = tmp_path / "small.yaml"
    spec.write_text(SMALL_SPEC, encoding="utf-8")
    data = tmp_path / "survey.csv"
    ecsi().to_csv(data, index=False)
    return spec, data


def _raiser(code: int) -> Callable[..., None]:
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code))

    return fail


# where the disk fills up: (object, attribute) whose call raises
WRITERS = {
    "csv": (pd.DataFrame, "to_csv"),
    "json": (Path, "write_text"),
}


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES, errno.EROFS])
@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_failing_write_is_one_sentence_and_leaves_nothing(
    writer: str,
    code: int,
    tmp_path: Path,
    small_result: sem_csat.SEMResult,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("the user's own file")
    owner, name = WRITERS[writer]
    monkeypatch.setattr(owner, name, _raiser(code))
    with pytest.raises(UsageError) as info:
        sem_csat.write(small_result, out, figures=False)
    monkeypatch.undo()
    message = str(info.value)
    assert os.strerror(code).lower().split()[0] in message.lower(), message
    assert _listing(out) == ["notes.txt"]  # no staging folder, no partial results
    assert (out / "notes.txt").read_text() == "the user's own file"


def test_a_full_disk_through_the_cli_is_one_sentence(
    tmp_path: Path,
    inputs: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec, data = inputs
    before = hashes(inputs)
    monkeypatch.setattr(pd.DataFrame, "to_csv", _raiser(errno.ENOSPC))
    out = tmp_path / "out"
    code, _, err = run_cli(["fit", str(spec), str(data), "--out", str(out), "--quiet"], capsys)
    monkeypatch.undo()
    assert_user_error(code, err, "No space left on device")
    assert _listing(out) == []
    assert hashes(inputs) == before


def test_a_full_disk_while_saving_a_diagram_leaves_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from matplotlib.figure import Figure

    monkeypatch.setattr(Figure, "savefig", _raiser(errno.ENOSPC))
    target = tmp_path / "diagram.pdf"
    code, _, err = run_cli(["diagram", "ecsi", "-o", str(target)], capsys)
    monkeypatch.undo()
    assert_user_error(code, err, "diagram.pdf")
    assert _listing(tmp_path) == []


def test_an_output_slot_that_is_a_folder_is_one_sentence(
    tmp_path: Path, small_result: sem_csat.SEMResult
) -> None:
    out = tmp_path / "out"
    (out / "paths.csv").mkdir(parents=True)
    with pytest.raises(UsageError, match=r"paths\.csv.*folder"):
        sem_csat.write(small_result, out, figures=False)
    assert _listing(out) == ["paths.csv"]
    assert _listing(out / "paths.csv") == []


def test_an_output_folder_that_is_a_file_is_one_sentence(
    tmp_path: Path, small_result: sem_csat.SEMResult
) -> None:
    target = tmp_path / "taken"
    target.write_text("not a folder")
    with pytest.raises(UsageError, match="is a file"):
        sem_csat.write(small_result, target)
    assert target.read_text() == "not a folder"


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="runs as root, for whom no folder is unwritable (the EACCES write above covers it)",
)
def test_an_unwritable_folder_is_one_sentence(
    tmp_path: Path, inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    spec, data = inputs
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        code, _, err = run_cli(
            ["fit", str(spec), str(data), "--out", str(locked / "out"), "--quiet"], capsys
        )
        assert_user_error(code, err, "locked")
        code, _, err = run_cli(["diagram", "ecsi", "-o", str(locked / "d.pdf")], capsys)
        assert_user_error(code, err, "d.pdf")
    finally:
        locked.chmod(0o700)


# --------------------------------------------------------------------------- diagram --from
@pytest.fixture(scope="module")
def results_folder(tmp_path_factory: pytest.TempPathFactory, small_result: sem_csat.SEMResult):
    folder = tmp_path_factory.mktemp("results")
    sem_csat.write(small_result, folder, figures=False)
    return folder


def _edit(table: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        frame = pd.read_csv(folder / table, dtype=object)
        change(frame).to_csv(folder / table, index=False)

    return apply


def _set(row: int, column: str, value: object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[row, column] = value
        return frame

    return change


TAMPERED: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "estimate_not_a_number": (_edit("paths.csv", _set(0, "estimate", "big")), ("paths.csv",)),
    "estimate_empty": (_edit("paths.csv", _set(0, "estimate", np.nan)), ("paths.csv",)),
    "p_value_above_one": (_edit("paths.csv", _set(1, "p_value", "2.5")), ("paths.csv",)),
    "path_missing": (_edit("paths.csv", lambda f: f.iloc[1:]), ("paths.csv",)),
    "path_repeated": (_edit("paths.csv", lambda f: pd.concat([f, f.iloc[:1]])), ("twice",)),
    "path_foreign": (_edit("paths.csv", _set(0, "from", "Loyalty")), ("paths.csv",)),
    "row_cut_short": (
        lambda d: (d / "paths.csv").write_text(
            (d / "paths.csv").read_text().rsplit("\n", 2)[0].rsplit(",", 4)[0] + "\n"
        ),
        ("paths.csv",),
    ),
    "indicator_not_in_model": (_edit("outer.csv", _set(0, "indicator", "XYZ9")), ("XYZ9",)),
    "paths_file_removed": (lambda d: (d / "paths.csv").unlink(), ("paths.csv",)),
}


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_a_tampered_results_folder_is_refused(
    case: str,
    tmp_path: Path,
    results_folder: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "results"
    folder.mkdir()
    for p in results_folder.iterdir():
        if p.is_file():
            (folder / p.name).write_bytes(p.read_bytes())
    spec = tmp_path / "small.yaml"
    spec.write_text(SMALL_SPEC, encoding="utf-8")
    tamper, needles = TAMPERED[case]
    tamper(folder)
    before = hashes(folder.iterdir())
    target = tmp_path / "d.svg"
    args = ["diagram", str(spec), "--from", str(folder), "-o", str(target), "--indicators"]
    code, _, err = run_cli(args, capsys)
    assert_user_error(code, err, *needles)
    assert not target.exists()
    assert hashes(folder.iterdir()) == before


def test_an_untampered_results_folder_is_drawn(
    tmp_path: Path, results_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "small.yaml"
    spec.write_text(SMALL_SPEC, encoding="utf-8")
    target = tmp_path / "d.svg"
    args = ["diagram", str(spec), "--from", str(results_folder), "-o", str(target)]
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    assert target.read_text().count("<svg") == 1


# --------------------------------------------------------------------------- size
def _chain_model(k: int, n: int = 150) -> tuple[sem_csat.ModelSpec, pd.DataFrame]:
    """A chain of ``k`` constructs with three items each, answers on a 1-7 scale."""
    rng = np.random.default_rng(0)
    eta = np.zeros((n, k))
    lines = ["name: Chain", "scale: [1, 7]", "constructs:"]
    columns: dict[str, np.ndarray] = {}
    for j in range(k):
        eta[:, j] = rng.normal(size=n) + (0.5 * eta[:, j - 1] if j else 0.0)
        items = [f"x{j}_{i}" for i in range(3)]
        lines.append(f"  C{j}: {{indicators: [{', '.join(items)}]}}")
        for item in items:
            columns[item] = np.clip(np.round(4 + eta[:, j] + rng.normal(size=n) * 0.7), 1, 7)
    lines.append("paths:")
    lines += [f"  - C{j - 1} -> C{j}" for j in range(1, k)]
    return sem_csat.ModelSpec.from_yaml("\n".join(lines) + "\n"), pd.DataFrame(columns)


def test_a_long_chain_of_constructs_is_fitted_and_written(tmp_path: Path) -> None:
    """Every step scales with the model (a chain of 300 constructs once ran for minutes in
    matrix powers; ``benchmarks/bench_size.py`` times ``sem-csat fit`` of chains of 50, 150
    and 300 constructs step by step, this checks the path end to end)."""
    k = 40
    spec, data = _chain_model(k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SemCsatWarning)
        result = sem_csat.fit(spec, data)
        files = sem_csat.write(result, tmp_path / "out", figures=False)
    paths = result.paths.set_index(["from", "to"])["estimate"]
    assert len(paths) == k - 1
    assert np.isfinite(paths).all()
    effects = pd.read_csv(tmp_path / "out" / "effects.csv")
    first_to_last = effects[(effects["from"] == "C0") & (effects["to"] == f"C{k - 1}")]
    # the total effect along a chain is the product of its paths
    assert float(first_to_last["total"].iloc[0]) == pytest.approx(float(np.prod(paths)), rel=1e-9)
    assert {"paths.csv", "effects.csv", "results.xlsx", "run.json"} <= {p.name for p in files}
