"""A large model through ``sem-csat fit``: chains of 50, 150 and 300 constructs, step by step.

Run from the repository root::

    python benchmarks/bench_size.py [--sizes 50 150 300] [--repeat 3] [--n 150]

The model
    A chain ``C0 -> C1 -> ... -> C{k-1}`` of ``k`` reflective constructs with three items each,
    answered on a 1-7 scale by ``--n`` simulated respondents (seed 0): each construct's score
    is a standard normal plus half the previous one, each item is ``4 + score + 0.7 * noise``
    rounded and clipped to 1-7 (the model of
    ``tests/test_faults_output.py::test_a_long_chain_of_constructs_is_fitted_and_written``,
    which checks the same path end to end at 40 constructs).  A chain is the worst case of the
    layered diagram: one layer per construct.

What is measured
    * ``sem-csat fit SPEC DATA --out DIR --quiet`` as a child process (interpreter start and
      imports included), every file written: the wall-clock time of ``--repeat`` runs.
    * The same work in this process, step by step in the order of
      :func:`sem_csat.output.writer.write`, each on a freshly fitted result (results cache
      their derived tables, so a step that reuses another's work is timed where that work is
      first done):

      ``fit``            ``sem_csat.fit(spec, data)``
      ``tables``         ``result.tables()`` and ``result.findings()`` (quality, index notes)
      ``csv``            every ``<name>.csv`` and ``diagnostics.csv``
      ``run.json``       the run record and its file
      ``xlsx``           ``results.xlsx``
      ``IPMA``           ``ipma.png`` and ``ipma.pdf``
      ``diagram layout`` ``path_diagram(result, size="double")`` (layout and drawing)
      ``diagram save``   ``diagram.pdf``, ``.svg``, ``.png`` (300 dpi)
      ``pub tables``     ``publication_tables(result)`` (the APA tables, not yet formatted)
      ``tex``, ``md``, ``docx``   ``tables.tex``, ``tables.md``, ``tables.docx``
      ``report.html``    ``write_report`` with the tables and diagram above

    Medians of ``--repeat`` runs are printed (the machine may be shared: the load average is
    printed too).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sem_csat
from sem_csat.output.excel import excel_tables, write_excel
from sem_csat.output.files import write_csv
from sem_csat.output.writer import DIAGNOSTIC_COLUMNS, DIAGRAM_FILES, FIGURE_FORMATS
from sem_csat.provenance import run_record

STEPS = (
    "fit",
    "tables",
    "csv",
    "run.json",
    "xlsx",
    "IPMA",
    "diagram layout",
    "diagram save",
    "pub tables",
    "tex",
    "md",
    "docx",
    "report.html",
)


def chain_model(k: int, n: int = 150) -> tuple[str, pd.DataFrame]:
    """The YAML spec of a chain of ``k`` constructs and ``n`` answers to its ``3 k`` items."""
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
    return "\n".join(lines) + "\n", pd.DataFrame(columns)


def cli_seconds(spec_file: Path, data_file: Path, out: Path) -> float:
    """Wall-clock seconds of one ``sem-csat fit`` in a child process that imports the same
    sem_csat as this one (run in the output's folder, so that no ``sem_csat`` folder in the
    working directory comes first)."""
    package_root = str(Path(sem_csat.__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=path)
    command = ["fit", str(spec_file), str(data_file), "--out", str(out), "--quiet"]
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sem_csat.cli", *command],
        check=True,
        env=env,
        cwd=out.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def steps(spec: Any, data: pd.DataFrame, folder: Path) -> dict[str, float]:
    """Seconds of each step of :func:`sem_csat.write`, in its order, on a fresh fit."""
    from sem_csat.diagram import path_diagram
    from sem_csat.report import write_report
    from sem_csat.tables import publication_tables

    out: dict[str, float] = {}
    state: dict[str, Any] = {}

    def timed(name: str, fn: Callable[[], object]) -> None:
        start = time.perf_counter()
        state[name] = fn()
        out[name] = time.perf_counter() - start

    def csv_files() -> None:
        for name, table in state["tables"][0].items():
            write_csv(table, folder / f"{name}.csv")
        rows = [d.as_row() for d in state["tables"][1]]
        frame = pd.DataFrame(rows, columns=list(DIAGNOSTIC_COLUMNS))
        write_csv(frame, folder / "diagnostics.csv")

    def run_json() -> dict[str, Any]:
        info = run_record(result)
        (folder / "run.json").write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n")
        return info

    def ipma() -> None:
        for name, figure in result.figures().items():
            for ext in FIGURE_FORMATS:
                figure.save(folder / f"{name}.{ext}")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        timed("fit", lambda: sem_csat.fit(spec, data))
        result = state["fit"]
        timed("tables", lambda: (result.tables(), result.findings()))
        tables, findings = state["tables"]
        timed("csv", csv_files)
        timed("run.json", run_json)
        info = state["run.json"]
        timed(
            "xlsx",
            lambda: write_excel(excel_tables(tables, findings, info), folder / "results.xlsx"),
        )
        timed("IPMA", ipma)
        timed("diagram layout", lambda: path_diagram(result, size="double"))
        diagram = state["diagram layout"]
        timed("diagram save", lambda: [diagram.save(folder / n, dpi=300) for n in DIAGRAM_FILES])
        timed("pub tables", lambda: publication_tables(result))
        tableset = state["pub tables"]
        timed("tex", lambda: (folder / "tables.tex").write_text(tableset.to_latex()))
        timed("md", lambda: (folder / "tables.md").write_text(tableset.to_markdown()))
        timed("docx", lambda: tableset.to_docx(folder / "tables.docx"))
        timed(
            "report.html",
            lambda: write_report(result, folder, info, tables=tableset, diagram=diagram),
        )
        diagram.figure.clear()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[50, 150, 300], help="constructs (50 150 300)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per size (3)")
    parser.add_argument("--n", type=int, default=150, help="respondents (150)")
    parser.add_argument("--no-cli", action="store_true", help="skip the child-process runs")
    args = parser.parse_args()

    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, load average {load}; medians of {args.repeat} runs, seconds")
    medians: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for k in args.sizes:
            text, data = chain_model(k, args.n)
            spec_file, data_file = root / f"chain{k}.yaml", root / f"chain{k}.csv"
            spec_file.write_text(text)
            data.to_csv(data_file, index=False)
            spec = sem_csat.ModelSpec.from_yaml(text)
            runs: dict[str, list[float]] = {s: [] for s in (*STEPS, "sum of steps", "CLI")}
            for r in range(args.repeat):
                folder = root / f"steps{k}_{r}"
                folder.mkdir()
                for name, seconds in steps(spec, data, folder).items():
                    runs[name].append(seconds)
                runs["sum of steps"].append(sum(runs[s][-1] for s in STEPS))
                if not args.no_cli:
                    runs["CLI"].append(cli_seconds(spec_file, data_file, root / f"cli{k}_{r}"))
            medians[k] = {s: statistics.median(v) for s, v in runs.items() if v}
            print(f"  {k} constructs: CLI {medians[k].get('CLI', float('nan')):.1f} s", flush=True)

    rows = [*STEPS, "sum of steps", *([] if args.no_cli else ["CLI"])]
    print()
    print(f"{'step':<16}" + "".join(f"{f'{k} constructs':>16}" for k in args.sizes))
    for name in rows:
        print(f"{name:<16}" + "".join(f"{medians[k][name]:16.2f}" for k in args.sizes))


if __name__ == "__main__":
    main()
