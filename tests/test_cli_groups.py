"""``sem-csat fit SPEC DATA --group COLUMN``: the group comparison from the command line.

One run writes the comparison (``micom.csv``, ``mga.csv``, ``index_groups.csv``, per-group
paths side by side, the panels diagram, the report's group section) and prints it; every bad
group column of issue 14 ends in one ``error:`` line and exit status 2 with the input file
unchanged.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.cli import main

SMALL_SPEC = """\
name: Small
scale: [1, 10]
constructs:
  Quality: {indicators: [PERQ1, PERQ2, PERQ3]}
  Satisfaction: {indicators: [CUSA1, CUSA2, CUSA3]}
  Loyalty: {indicators: [CUSL1, CUSL3]}
paths:
  - Quality -> Satisfaction
  - Satisfaction -> Loyalty
"""


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    p = tmp_path / "small.yaml"
    p.write_text(SMALL_SPEC, encoding="utf-8")
    return p


@pytest.fixture
def ecsi() -> pd.DataFrame:
    data = sem_csat.datasets.load("ecsi_mobile")
    rng = np.random.default_rng(14)
    return data.assign(segment=rng.choice(["prepaid", "contract"], len(data)))


def test_fit_with_groups_writes_the_comparison(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, stdout, _ = run(
        [
            "fit",
            "ecsi_bank",
            "bank_satisfaction",
            "--group",
            "gender",
            "--permutations",
            "60",
            "--bootstrap",
            "60",
            "--seed",
            "3",
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code == 0
    assert stdout.startswith("sem_csat group comparison: ECSI_bank by gender")
    for section in (
        "Path coefficients by group",
        "Measurement invariance (MICOM)",
        "Path differences",
    ):
        assert section in stdout
    names = {p.name for p in out.iterdir()}
    assert {
        "micom.csv",
        "mga.csv",
        "mga_effects.csv",
        "index_groups.csv",
        "group_paths.csv",
        "paths.csv",
        "diagram.pdf",
        "report.html",
        "tables.docx",
    } <= names
    group_paths = pd.read_csv(out / "group_paths.csv")
    assert group_paths.columns.tolist() == ["from", "to", "female", "male"]
    run_json = json.loads((out / "run.json").read_text())
    assert run_json["settings"]["group"] == "gender"
    assert (run_json["bootstrap"]["permutations"], run_json["bootstrap"]["resamples"]) == (60, 60)
    assert run_json["command"][:2] == ["sem-csat", "fit"]
    # the command line writes what Python writes with the same seed
    result = sem_csat.fit("ecsi_bank", "bank_satisfaction", group="gender")
    python = result.bootstrap(60, n_perm=60, seed=3, progress=False)
    mga = pd.read_csv(out / "mga.csv")
    np.testing.assert_allclose(mga["p_permutation"], python.tables()["mga"]["p_permutation"])


def test_a_wave_column_speaks_of_waves(
    spec_file: Path, ecsi: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "waves.csv"
    ecsi.rename(columns={"segment": "wave"}).replace(
        {"prepaid": "2024", "contract": "2025"}
    ).to_csv(data, index=False)
    out = tmp_path / "w"
    args = ["fit", str(spec_file), str(data), "--group", "wave", "--permutations", "30"]
    code, stdout, _ = run([*args, "--bootstrap", "40", "--seed", "1", "--out", str(out)], capsys)
    assert code == 0
    assert stdout.startswith("sem_csat wave comparison")
    assert "Path differences (wave a minus wave b)" in stdout
    mga = pd.read_csv(out / "mga.csv", dtype={"group_a": str, "group_b": str})
    assert (mga["group_a"].iloc[0], mga["group_b"].iloc[0]) == ("2025", "2024")


def test_levels_choose_the_groups(
    spec_file: Path, ecsi: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "three.csv"
    rng = np.random.default_rng(2)
    ecsi.assign(segment=rng.choice(["a", "b", "c"], len(ecsi))).to_csv(data, index=False)
    out = tmp_path / "lv"
    args = ["fit", str(spec_file), str(data), "--group", "segment", "--levels", "c", "a"]
    code, _, _ = run(
        [*args, "--permutations", "20", "--bootstrap", "40", "--out", str(out)], capsys
    )
    assert code == 0
    assert pd.read_csv(out / "group_paths.csv").columns.tolist() == ["from", "to", "c", "a"]


def _bad_group(frame: pd.DataFrame, case: str) -> tuple[pd.DataFrame, str]:
    rng = np.random.default_rng(1)
    n = len(frame)
    if case == "missing column":
        return frame, "segmnt"
    if case == "constant":
        return frame.assign(segment="all"), "segment"
    if case == "too small":
        small = np.where(np.arange(n) < 6, "tiny", "big")
        return frame.assign(segment=small), "segment"
    if case == "missing values":
        seg = frame["segment"].astype(object).copy()
        seg.iloc[[4, 17]] = np.nan
        return frame.assign(segment=seg), "segment"
    if case == "many levels":
        return frame.assign(segment=rng.integers(0, 40, n)), "segment"
    if case == "constant item":
        item = frame["CUSA1"].where(frame["segment"] != "prepaid", 7)
        return frame.assign(CUSA1=item), "segment"
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "needles"),
    [
        ("missing column", ("'segmnt'", "segment")),
        ("constant", ("'segment'", "same value 'all'", "250")),
        ("too small", ("'tiny'", "6 respondents", "big 244, tiny 6", "--levels")),
        ("missing values", ("'segment'", "2 missing values")),
        ("many levels", ("'segment'", "40 different values", "at most 20")),
        ("constant item", ("'prepaid'", "'CUSA1'", "same answer 7")),
    ],
)
def test_bad_group_columns_are_one_sentence(
    spec_file: Path,
    ecsi: pd.DataFrame,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
    needles: tuple[str, ...],
) -> None:
    frame, column = _bad_group(ecsi, case)
    data = tmp_path / "bad.csv"
    frame.to_csv(data, index=False)
    before = _sha(data)
    out = tmp_path / "o"
    code, _, err = run(
        ["fit", str(spec_file), str(data), "--group", column, "--out", str(out)], capsys
    )
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"
    assert _sha(data) == before
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize(
    ("extra", "needles"),
    [
        (["--permutations", "100"], ("--permutations", "--group COLUMN")),
        (["--levels", "a", "b"], ("--levels", "--group COLUMN")),
        (["--group", "segment", "--method", "gls"], ("'ml' or 'mlr'", "'gls'")),
        (["--group", "segment", "--levels", "prepaid", "business"], ("'business'", "'prepaid'")),
        (["--group", "segment", "--ci", "bca"], ("percentile intervals only",)),
        (["--group", "segment", "--missing", "fiml"], ("fiml",)),
        (["--group", "PERQ1"], ("item of construct 'Quality'",)),
    ],
)
def test_group_option_mistakes(
    spec_file: Path,
    ecsi: pd.DataFrame,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    needles: tuple[str, ...],
) -> None:
    data = tmp_path / "seg.csv"
    ecsi.to_csv(data, index=False)
    args = [
        "fit",
        str(spec_file),
        str(data),
        *extra,
        "--bootstrap",
        "40",
        "--out",
        str(tmp_path / "o"),
    ]
    code, _, err = run(args, capsys)
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"
