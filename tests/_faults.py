"""Shared pieces of the fault battery (``tests/test_faults_*.py``).

A fault is handled when the command line ends with exit status 2 and exactly one line on
standard error that starts with ``error:`` (the message itself may list several problems on
indented lines below it), with no traceback and no "internal error", and when every input file
is byte-for-byte unchanged.  A fault that must *not* be an error (identical items, z-scored
data) is handled when the run succeeds, says what it found, and gives the right numbers.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pytest

from sem_csat import datasets
from sem_csat.cli import main

REPO = Path(__file__).resolve().parents[1]

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


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hashes(paths: Iterable[Path]) -> dict[str, str]:
    return {str(p): sha(p) for p in paths if p.is_file()}


def ecsi() -> pd.DataFrame:
    return datasets.load("ecsi_mobile")


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the command line in this process (as ``sem-csat`` does), capturing its output."""
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def assert_user_error(code: int, err: str, *needles: str) -> None:
    """Exit 2, one ``error:`` line that starts the output, no traceback, the needles named."""
    assert code == 2, err
    assert err.startswith("error: "), err
    assert sum(line.startswith("error:") for line in err.splitlines()) == 1, err
    assert "Traceback" not in err, err
    assert "internal error" not in err, err
    for needle in needles:
        assert needle in err, f"{needle!r} not in {err!r}"


def run_subprocess(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m sem_csat.cli`` as a separate process, as a user's shell would."""
    env = dict(os.environ, PYTHONPATH=str(REPO), MPLBACKEND="Agg")
    return subprocess.run(
        [sys.executable, "-m", "sem_csat.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env,
        timeout=300,
    )
