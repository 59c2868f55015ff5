"""``sem-csat metrics``, ``kano``, ``servqual`` and ``power``: files, numbers and mistakes.

The numbers are the libraries' (checked against hand computations and semTools in
``test_metrics*`` and ``test_power_rmsea``); here the command line must write them unchanged,
print the summary, and turn every bad input of issue 16 into one ``error:`` line and exit
status 2, leaving the input files as they were.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.cli import main
from sem_csat.metrics import kano, servqual, survey_metrics
from sem_csat.power import inverse_square_root, rmsea_plan


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def assert_user_error(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, f"{needle!r} not in {err!r}"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def survey(tmp_path: Path) -> Path:
    rng = np.random.default_rng(16)
    n = 240
    frame = pd.DataFrame(
        {
            "rec": rng.integers(0, 11, n),
            "sat": rng.integers(1, 6, n),
            "effort": rng.integers(1, 8, n),
            "wave": rng.choice(["2024", "2025"], n),
            "F1": rng.integers(1, 6, n),
            "D1": rng.integers(1, 6, n),
            "F2": rng.integers(1, 6, n),
            "D2": rng.integers(1, 6, n),
        }
    )
    path = tmp_path / "survey.csv"
    frame.to_csv(path, index=False)
    return path


# --------------------------------------------------------------------------- metrics
def test_metrics_writes_the_librarys_table(
    survey: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["metrics", str(survey), "--nps", "rec", "--csat", "sat", "--csat-scale", "1,5"]
    code, stdout, _ = run([*args, "--ces", "effort", "--group", "wave", "--out", str(out)], capsys)
    assert code == 0
    assert "Survey metrics" in stdout
    assert "Wrote 2 files" in stdout
    written = pd.read_csv(out / "metrics.csv", dtype={"group": str})
    expected = survey_metrics(
        pd.read_csv(survey),
        nps="rec",
        csat="sat",
        csat_scale=(1, 5),
        ces="effort",
        group="wave",
    )
    assert list(written.columns) == [
        "metric",
        "group",
        "n",
        "score",
        "std_error",
        "ci_lower",
        "ci_upper",
    ]
    np.testing.assert_allclose(written["score"], expected.table["score"], rtol=1e-12)
    assert (out / "metric_differences.csv").is_file()


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--nps", "rec"], ("'rec'", "0 to 10", "11")),  # an NPS answer outside 0-10
        ([], ("at least one item",)),
        (["--csat", "sat"], ("--csat-scale",)),
        (["--nps", "recommend"], ("'recommend'", "rec")),
        (["--nps", "rec", "--csat-scale", "1,5"], ("--csat COL",)),
        (["--csat", "sat", "--csat-scale", "5,1"], ("lowest answer",)),
        (["--csat", "sat", "--csat-scale", "one,five"], ("LOWEST,HIGHEST",)),
        (["--nps", "rec", "--group", "segment"], ("'segment'",)),
    ],
)
def test_metrics_mistakes(
    survey: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    needles: tuple[str, ...],
) -> None:
    bad = tmp_path / "bad.csv"
    frame = pd.read_csv(survey)
    frame.loc[9, "rec"] = 11
    frame.to_csv(bad, index=False)
    before = _sha(bad)
    code, _, err = run(["metrics", str(bad), *args, "--out", str(tmp_path / "o")], capsys)
    assert_user_error(code, err, *needles)
    assert _sha(bad) == before


# --------------------------------------------------------------------------- kano
def test_kano_writes_the_table_and_the_map(
    survey: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "k"
    code, stdout, _ = run(
        ["kano", str(survey), "--pairs", "Speed=F1:D1,F2:D2", "--out", str(out)], capsys
    )
    assert code == 0
    assert "Kano classification" in stdout
    table = pd.read_csv(out / "kano.csv")
    expected = kano(pd.read_csv(survey), {"Speed": ("F1", "D1"), "F2": ("F2", "D2")}).table
    assert table["feature"].tolist() == ["Speed", "F2"]
    np.testing.assert_allclose(table["better"], expected["better"], rtol=1e-12)
    np.testing.assert_allclose(table["worse"], expected["worse"], rtol=1e-12)
    for name in ("kano.png", "kano.pdf"):
        assert (out / name).stat().st_size > 0


@pytest.mark.parametrize(
    ("pairs", "needles"),
    [
        ("F1:D1", ("'F1'", "1-5", "6")),  # a Kano answer outside 1-5
        ("F1-D1", ("FUNCTIONAL:DYSFUNCTIONAL",)),
        ("F2:D9", ("'D9'",)),
        ("A=F1:D1,A=F2:D2", ("'A'", "twice")),
    ],
)
def test_kano_mistakes(
    survey: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    pairs: str,
    needles: tuple[str, ...],
) -> None:
    bad = tmp_path / "bad.csv"
    frame = pd.read_csv(survey)
    frame.loc[3, "F1"] = 6
    frame.to_csv(bad, index=False)
    before = _sha(bad)
    code, _, err = run(["kano", str(bad), "--pairs", pairs, "--out", str(tmp_path / "o")], capsys)
    assert_user_error(code, err, *needles)
    assert _sha(bad) == before


# --------------------------------------------------------------------------- servqual
@pytest.fixture
def servqual_data(tmp_path: Path) -> Path:
    spec = sem_csat.load_spec("servqual")
    assert spec.servqual is not None
    rng = np.random.default_rng(5)
    items = [*spec.indicator_names, *spec.servqual.items]
    frame = pd.DataFrame({i: rng.integers(1, 8, 180) for i in items})
    path = tmp_path / "servqual.csv"
    frame.to_csv(path, index=False)
    return path


def test_servqual_uses_the_specs_block(
    servqual_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "s"
    code, stdout, _ = run(
        ["servqual", str(servqual_data), "--spec", "servqual", "--out", str(out)], capsys
    )
    assert code == 0
    assert "SERVQUAL gap analysis" in stdout
    table = pd.read_csv(out / "servqual.csv")
    block = sem_csat.load_spec("servqual").servqual
    assert block is not None
    dims = {d.name: (list(d.expectation), list(d.perception)) for d in block.dimensions}
    expected = servqual(pd.read_csv(servqual_data), dims, scale=(1, 7)).table
    assert table["dimension"].tolist() == [*block.dimension_names, "overall"]
    np.testing.assert_allclose(table["gap"], expected["gap"], rtol=1e-12)
    assert (out / "servqual_items.csv").is_file()


SERVQUAL_SPEC = """\
name: Gaps
scale: [1, 7]
constructs:
  Reliability: {{indicators: [REL1, REL2]}}
  Satisfaction: {{indicators: [SAT1, SAT2]}}
paths:
  - Reliability -> Satisfaction
servqual:
  Reliability:
{block}
"""


@pytest.mark.parametrize(
    ("block", "needles"),
    [
        ("    expectation: []\n    perception: [REL1, REL2]", ("no expectation items",)),
        (
            "    expectation: [E_REL1]\n    perception: [REL1, REL2]",
            ("1 expectation and 2 perception items",),
        ),
    ],
)
def test_servqual_spec_mistakes(
    servqual_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    block: str,
    needles: tuple[str, ...],
) -> None:
    spec = tmp_path / "gaps.yaml"
    spec.write_text(SERVQUAL_SPEC.format(block=block), encoding="utf-8")
    code, _, err = run(
        ["servqual", str(servqual_data), "--spec", str(spec), "--out", str(tmp_path / "o")],
        capsys,
    )
    assert_user_error(code, err, *needles)


def test_servqual_needs_a_servqual_block(
    servqual_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        ["servqual", str(servqual_data), "--spec", "ecsi", "--out", str(tmp_path / "o")], capsys
    )
    assert_user_error(code, err, "has no servqual block")


# --------------------------------------------------------------------------- power
def test_power_finds_the_sample_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p"
    args = ["power", "--df", "50", "--rmsea0", ".05", "--rmsea1", ".08", "--power", ".8"]
    code, stdout, _ = run([*args, "--out", str(out)], capsys)
    assert code == 0
    assert "RMSEA power analysis" in stdout
    table = pd.read_csv(out / "power.csv")
    plan = rmsea_plan(50, 0.05, 0.08, power=0.8)
    assert list(table.columns) == ["df", "rmsea0", "rmsea1", "alpha", "n", "power"]
    assert int(table["n"].iloc[0]) == plan.n
    assert table["power"].iloc[0] == pytest.approx(plan.power, rel=1e-12)


def test_power_at_given_sample_sizes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p"
    args = ["power", "--df", "50", "--rmsea0", ".05", "--rmsea1", ".01", "--n", "200", "400"]
    assert run([*args, "--out", str(out), "--quiet"], capsys)[0] == 0
    table = pd.read_csv(out / "power.csv")
    plan = rmsea_plan(50, 0.05, 0.01, n=[200, 400])
    np.testing.assert_allclose(table["power"], plan.table["power"], rtol=1e-12)


def test_power_for_pls(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p"
    code, stdout, _ = run(["power", "--pls", "--min-path", "0.2", "--out", str(out)], capsys)
    assert code == 0
    assert "inverse square root" in stdout
    table = pd.read_csv(out / "power.csv")
    assert int(table["n"].iloc[0]) == inverse_square_root(0.2)
    assert run(["power", "--pls", "--n", "100", "--out", str(out), "--quiet"], capsys)[0] == 0
    assert pd.read_csv(out / "power.csv")["min_path"].iloc[0] == pytest.approx(2.486 / 10, abs=1e-3)


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--df", "0", "--rmsea0", ".05", "--rmsea1", ".08", "--power", ".8"], ("df",)),
        (["--df", "-3", "--rmsea0", ".05", "--rmsea1", ".08", "--power", ".8"], ("df",)),
        (["--df", "50", "--rmsea0", ".05", "--rmsea1", ".05", "--power", ".8"], ("must differ",)),
        (["--df", "50", "--rmsea0", ".05", "--rmsea1", ".08", "--power", "1"], ("power",)),
        (["--df", "50", "--rmsea0", ".05", "--rmsea1", ".08", "--power", "1.2"], ("power",)),
        (["--df", "50", "--rmsea0", ".05", "--rmsea1", ".08"], ("--power", "--n")),
        (["--rmsea0", ".05", "--rmsea1", ".08", "--power", ".8"], ("--df",)),
        (["--df", "50", "--rmsea0", ".05", "--rmsea1", ".08", "--power", ".8", "--n", "9"], ()),
        (["--pls", "--df", "20", "--min-path", ".2"], ("--df", "--pls")),
        (["--pls"], ("min_path",)),
        (["--pls", "--min-path", "1.5"], ("between 0 and 1",)),
        (["--pls", "--min-path", ".2", "--power", "1"], ("power",)),
        (["--df", "50", "--rmsea0", ".05", "--rmsea1", ".08", "--min-path", ".2"], ("--pls",)),
    ],
)
def test_power_mistakes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], needles: tuple[str, ...]
) -> None:
    code, _, err = run(["power", *args, "--out", str(tmp_path / "o")], capsys)
    assert_user_error(code, err, *needles)
