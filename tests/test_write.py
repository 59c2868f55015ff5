"""``sem_csat.write(result, out_dir)`` writes exactly what ``sem-csat fit`` writes.

The command line is parse -> ``sem_csat.fit`` -> ``result.bootstrap`` -> ``sem_csat.write``, so
a script that makes the same calls gets the same folder: the same files, the same CSV bytes and
the same ``run.json`` apart from the time stamp and the command it records (from Python: the
calling script).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

import sem_csat
from sem_csat.cli import main

LAVAAN = Path(__file__).resolve().parent / "reference" / "lavaan"
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"


def _same_folder(cli: Path, python: Path) -> None:
    names = sorted(p.name for p in cli.iterdir())
    assert names == sorted(p.name for p in python.iterdir())
    for name in names:
        if name.endswith(".csv"):
            assert (cli / name).read_bytes() == (python / name).read_bytes(), name
    a = json.loads((cli / "run.json").read_text())
    b = json.loads((python / "run.json").read_text())
    assert a["command"][:2] == ["sem-csat", "fit"]
    assert b["command"] == ["python", __file__]  # the calling script, not the interpreter's argv
    for key in ("created", "command"):
        a.pop(key)
        b.pop(key)
    assert a == b


def test_write_is_what_the_command_line_writes_pls(tmp_path: Path) -> None:
    cli = tmp_path / "cli"
    args = ["fit", "ecsi", "ecsi_mobile", "--bootstrap", "60", "--seed", "5", "--out", str(cli)]
    assert main([*args, "--quiet"]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sem_csat.fit("ecsi", "ecsi_mobile").bootstrap(60, seed=5, progress=False)
        files = sem_csat.write(result, tmp_path / "python")
    assert sorted(files) == sorted((tmp_path / "python").iterdir())
    _same_folder(cli, tmp_path / "python")
    for name in ("ipma.png", "ipma.pdf", "diagram.svg", "tables.docx", "report.html"):
        assert (cli / name).stat().st_size > 0
    findings = pd.read_csv(cli / "diagnostics.csv")
    # every finding: the estimation's, the quality verdicts and the index notes
    assert {d.code for d in result.findings()} == set(findings["code"])
    assert {"index_imprecise", "htmt_high"} <= set(findings["code"])


def test_write_is_what_the_command_line_writes_for_a_covariance_matrix(tmp_path: Path) -> None:
    hs = pd.read_csv(LAVAAN / "hs1939.csv")
    items = [f"x{i}" for i in range(1, 10)]
    hs[items].cov().to_csv(tmp_path / "cov.csv")
    hs[items].mean().rename("mean").to_csv(tmp_path / "means.csv")
    (tmp_path / "hs.lav").write_text(HS)
    cli = tmp_path / "cli"
    args = ["fit", str(tmp_path / "hs.lav"), "--cov", str(tmp_path / "cov.csv"), "--n", "301"]
    args += ["--means", str(tmp_path / "means.csv"), "--method", "ml", "--out", str(cli)]
    assert main([*args, "--quiet"]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sem_csat.fit(
            tmp_path / "hs.lav",
            cov=tmp_path / "cov.csv",
            n_obs=301,
            means=tmp_path / "means.csv",
            method="ml",
        )
        sem_csat.write(result, tmp_path / "python", figures=False)
    kept = {p.name for p in (tmp_path / "python").iterdir()}
    assert kept == {"fit.csv", "params.csv", "paths.csv", "outer.csv", "r2.csv", "effects.csv",
                    "results.xlsx", "modindices.csv", "diagnostics.csv", "run.json",
                    # the quality tables from the matrix (alpha, omega, AVE, HTMT)
                    "reliability.csv", "items.csv", "htmt.csv", "htmt2.csv",
                    "fornell_larcker.csv"}  # fmt: skip
    for name in kept:
        if name.endswith(".csv"):
            assert (cli / name).read_bytes() == (tmp_path / "python" / name).read_bytes(), name
    run = json.loads((cli / "run.json").read_text())
    assert run["data"]["source"] == "cov.csv"
    assert run["data"]["sha256"] is not None
    assert run["data"]["means"]["x1"] == pytest.approx(hs["x1"].mean())
    assert run["settings"] == {"method": "ml", "estimator": "ML", "missing": "listwise",
                               "na_values": [], "std_lv": False}  # fmt: skip
    assert run["bootstrap"] is None


def test_write_refuses_a_file_as_folder(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("a file")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sem_csat.fit("ecsi", "ecsi_mobile")
    with pytest.raises(sem_csat.errors.UsageError, match="is a file, not a folder"):
        sem_csat.write(result, target)
    assert target.read_text() == "a file"
