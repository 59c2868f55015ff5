"""Per-resample cost of the CB-SEM bootstrap: sem_csat vs refitting semopy vs lavaan.

Run: ``python benchmarks/bench_cbsem_bootstrap.py`` (HS CFA, 301 respondents).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import sem_csat
from sem_csat.cbsem.bootstrap import bootstrap_cbsem
from sem_csat.spec.builders import reflective
from sem_csat.spec.model import ModelSpec

DATA = Path(__file__).resolve().parents[1] / "tests" / "reference" / "lavaan" / "hs1939.csv"
DESC = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
HS = ModelSpec(
    "HS",
    constructs=[
        reflective("visual", ["x1", "x2", "x3"]),
        reflective("textual", ["x4", "x5", "x6"]),
        reflective("speed", ["x7", "x8", "x9"]),
    ],
)


def ours(hs: pd.DataFrame, n_boot: int) -> float:
    result = sem_csat.fit(HS, hs, method="ml")
    start = time.perf_counter()
    boot = bootstrap_cbsem(result, n_boot, data=hs, seed=1, progress=False, bca=False)
    elapsed = time.perf_counter() - start
    print(f"sem_csat: {n_boot} resamples ({boot.n_ok} ok) in {elapsed:.2f} s")
    return elapsed / n_boot


def semopy_refit(hs: pd.DataFrame, n_boot: int) -> float:
    import semopy

    rng = np.random.default_rng(1)
    logging.getLogger().setLevel(logging.ERROR)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(n_boot):
            rows = rng.integers(0, len(hs), len(hs))
            semopy.Model(DESC).fit(hs.iloc[rows].reset_index(drop=True))
    elapsed = time.perf_counter() - start
    print(f"semopy refit: {n_boot} resamples in {elapsed:.2f} s")
    return elapsed / n_boot


def lavaan(n_boot: int) -> float | None:
    if shutil.which("Rscript") is None:
        print("lavaan: Rscript not found, skipped")
        return None
    code = (
        "suppressMessages(library(lavaan));"
        f"d <- read.csv('{DATA}');"
        f"f <- cfa('{DESC.replace(chr(10), '; ')}', data = d);"
        f"set.seed(1); t <- system.time(b <- bootstrapLavaan(f, R = {n_boot}));"
        "cat(t[['elapsed']])"
    )
    out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True)
    elapsed = float(out.stdout.strip().split()[-1])
    print(f"lavaan bootstrapLavaan: {n_boot} resamples in {elapsed:.2f} s")
    return elapsed / n_boot


def main() -> None:
    hs = pd.read_csv(DATA)[[f"x{i}" for i in range(1, 10)]]
    t_ours = ours(hs, 1000)
    t_semopy = semopy_refit(hs, 50)
    t_lavaan = lavaan(200)
    print(
        f"\nper resample: sem_csat {1e3 * t_ours:.3f} ms, semopy refit {1e3 * t_semopy:.2f} ms",
        end="",
    )
    print("" if t_lavaan is None else f", lavaan {1e3 * t_lavaan:.2f} ms")
    print(f"speed-up vs semopy refit: {t_semopy / t_ours:.1f}x")
    if t_lavaan is not None:
        print(f"speed-up vs lavaan:       {t_lavaan / t_ours:.1f}x")


if __name__ == "__main__":
    main()
