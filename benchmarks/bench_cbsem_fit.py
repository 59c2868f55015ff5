"""Time one ML fit of the ECSI bank SEM and of the Holzinger–Swineford CFA: sem_csat against
lavaan (R, when installed) and semopy (when installed), on a quiet machine and with the cores
busy, in one run.

Run from the repository root::

    python benchmarks/bench_cbsem_fit.py [--repeat 15] [--busy 2]

Each program fits each model ``--repeat`` times (after two warm-up fits; the programs take turns
in ``--rounds`` rounds so that load from other users falls on all of them alike), twice: first as
the machine is, then while ``--busy`` processes (default 2, one per core of a two-core machine)
spin on the CPU.  Printed per model and program: the median wall-clock time of a fit in both phases
and their ratio (how much the program degrades when the cores are shared; the CB-SEM issue asks
that sem_csat be no slower than lavaan in both phases and degrade no more than lavaan does).

* ``sem_csat.fit``: the whole public path (data checks, the pipeline, post-fit checks, fit
  indices, result);
* ``pipeline``: the estimation pipeline alone (:func:`sem_csat.cbsem.pipeline.fit_data`);
* ``semopy``: ``semopy.Model(...).fit()`` with its defaults (sem_csat does not use semopy; it
  is timed as the other Python program);
* ``lavaan``: ``sem()`` timed inside R (``Rscript``, started in each phase).

The load average at the start of each phase is printed too: on a shared machine the "quiet"
phase is only as quiet as the other users leave it.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import statistics
import subprocess
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

import sem_csat
from sem_csat.spec import ModelSpec

ROOT = Path(__file__).resolve().parents[1]
HS_DATA = ROOT / "tests" / "reference" / "lavaan" / "hs1939.csv"
BANK_DATA = ROOT / "sem_csat" / "datasets" / "bank_satisfaction.csv"
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
PROGRAMS = ("sem_csat.fit", "pipeline", "semopy", "lavaan")


def _spin(stop: mp.synchronize.Event) -> None:  # pragma: no cover - a load generator
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


def timed(fn: Callable[[], object], repeat: int, warmup: int = 2) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    wall = []
    for _ in range(repeat):
        w0 = time.perf_counter()
        fn()
        wall.append(time.perf_counter() - w0)
    return wall


def lavaan_times(model: str, data: Path, repeat: int) -> list[float] | None:
    """Seconds per ``sem()`` call, timed inside R, or None without R/lavaan."""
    if shutil.which("Rscript") is None:
        return None
    code = (
        "suppressPackageStartupMessages(library(lavaan));"
        f"d <- read.csv('{data}'); m <- '{model}';"
        "invisible(sem(m, d)); invisible(sem(m, d));"
        f"t <- sapply(1:{repeat}, function(i) system.time(sem(m, d))[['elapsed']]);"
        "cat(t, sep='\\n')"
    )
    try:
        out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True)
    except (subprocess.CalledProcessError, OSError):
        return None
    return [float(v) for v in out.stdout.split()]


def semopy_fit(model: str, data: pd.DataFrame) -> Callable[[], object] | None:
    try:
        import semopy
    except ImportError:
        return None

    def run() -> object:
        m = semopy.Model(model)
        return m.fit(data)

    return run


def programs(spec: ModelSpec, data: pd.DataFrame) -> dict[str, Callable[[], object]]:
    """One fit by each Python program available."""
    from sem_csat.cbsem.pipeline import fit_data

    items = data[list(spec.indicator_names)]
    out: dict[str, Callable[[], object]] = {
        "sem_csat.fit": lambda: sem_csat.fit(spec, items, method="ml"),
        "pipeline": lambda: fit_data(spec, items),
    }
    run = semopy_fit("\n".join(_lines(spec)), items)
    if run is not None:
        out["semopy"] = run
    return out


def _lines(spec: ModelSpec) -> list[str]:
    model = spec.to_lavaan()
    return [line for line in model.splitlines() if line.strip() and not line.startswith("#")]


def phase(
    cases: list[tuple[str, ModelSpec, pd.DataFrame, Path]], repeat: int, rounds: int
) -> dict[str, dict[str, float]]:
    """Median seconds per fit of every program available (missing ones are left out).

    The programs take turns: ``rounds`` rounds of ``repeat // rounds`` fits each, so that load
    from other users of the machine falls on all of them alike.
    """
    per_round = max(1, repeat // rounds)
    times: dict[str, dict[str, list[float]]] = {title: {} for title, *_ in cases}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runs = {title: programs(spec, data) for title, spec, data, _ in cases}
        for k in range(rounds):
            for title, spec, _, path in cases:
                for name, fn in runs[title].items():
                    warmup = 2 if k == 0 else 0
                    times[title].setdefault(name, []).extend(timed(fn, per_round, warmup))
                lavaan = lavaan_times("\\n".join(_lines(spec)), path, per_round)
                if lavaan:
                    times[title].setdefault("lavaan", []).extend(lavaan)
    return {
        title: {name: statistics.median(v) for name, v in found.items()}
        for title, found in times.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="fits timed per program")
    parser.add_argument("--busy", type=int, default=2, help="CPU-spinning processes")
    parser.add_argument("--rounds", type=int, default=3, help="turns the programs take")
    args = parser.parse_args()
    bank = sem_csat.load_spec("ecsi_bank")
    cases = [
        ("ECSI bank SEM", bank, pd.read_csv(BANK_DATA), BANK_DATA),
        ("Holzinger-Swineford CFA", ModelSpec.from_lavaan(HS_MODEL, name="HS"),
         pd.read_csv(HS_DATA), HS_DATA),
    ]  # fmt: skip
    print(f"ML fit, median of {args.repeat}; {os.cpu_count()} cores")
    print(f"quiet phase: load average {os.getloadavg()[0]:.2f}")
    quiet = phase(cases, args.repeat, args.rounds)
    stop = mp.Event()
    spinners = [mp.Process(target=_spin, args=(stop,), daemon=True) for _ in range(args.busy)]
    for p in spinners:
        p.start()
    try:
        time.sleep(1.0)
        print(f"busy phase: {args.busy} spinning processes, load average {os.getloadavg()[0]:.2f}")
        busy = phase(cases, args.repeat, args.rounds)
    finally:
        stop.set()
        for p in spinners:
            p.join(timeout=5)
    print()
    print(f"{'':28}{'quiet ms':>10}{'busy ms':>10}{'busy/quiet':>12}{'vs lavaan':>18}")
    for title, spec, data, _ in cases:
        print(f"{title} (N = {len(data)}, {len(spec.indicator_names)} items)")
        q, b = quiet[title], busy[title]
        for name in PROGRAMS:
            if name not in q or name not in b:
                print(f"  {name:<26}not available")
                continue
            text = f"  {name:<26}{1000 * q[name]:10.1f}{1000 * b[name]:10.1f}"
            text += f"{b[name] / q[name]:11.2f}x"
            if "lavaan" in q and "lavaan" in b and name != "lavaan":
                text += f"   {q[name] / q['lavaan']:5.2f}x / {b[name] / b['lavaan']:4.2f}x"
            print(text)
    print("\nvs lavaan: time relative to lavaan's, quiet / busy (below 1: faster than lavaan)")


if __name__ == "__main__":
    main()
