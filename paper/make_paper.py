"""Regenerate every computed number, table and figure of the sem_csat paper.

Run from the repository root (``make paper`` does this, then builds the PDF)::

    python paper/make_paper.py            # parity, case study, figures; checks paper.md
    python paper/make_paper.py --bench    # ... and reruns the benchmarks (a few minutes)
    python paper/make_paper.py --sync     # ... and writes the new numbers into paper.md

Outputs (``paper/`` unless ``--out``):

* ``tables/*.csv``: the raw, unrounded tables; ``tables/*.md``: the tables as paper.md shows
  them (each between ``<!-- table: NAME -->`` and ``<!-- /table -->``);
* ``tables/numbers.json``: every computed number that the text quotes, as the exact string
  quoted, keyed by name; paper.md marks each quotation as ``[string]{n=key}``;
* ``tables/performance.csv`` (and ``performance.log``) with ``--bench``; without it the figures
  of the last benchmark run are reused;
* ``figures/ipma_loyalty.pdf`` and, once ``sem_csat.diagram`` exists, ``figures/ecsi_pls.pdf``.

Only sem_csat's public API is used, plus the reference files of the other programs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from scripts import case_study, parity, performance
from scripts.common import PAPER
from scripts.text import format_tables, is_benchmark, numbers_from

#: ``[value]{n=key}``; the value may itself hold one pair of brackets (``[[0.1, 0.2]]{n=ci}``)
SPAN = re.compile(r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\{n=([A-Za-z0-9_.]+)\}")
BLOCK = re.compile(r"(<!-- table: ([a-z0-9_]+) -->\n)(.*?)(<!-- /table -->)", re.DOTALL)


# ---------------------------------------------------------------------------------------------
# units of work (module-level, so that worker processes can run them)


def _lavaan_unit(case: str) -> dict[str, pd.DataFrame]:
    (c,) = [c for c in parity.LAVAAN_CASES if c.case == case]
    return {"parity_lavaan": pd.DataFrame([parity.compare_lavaan(c, parity.fit_lavaan_case(c))])}


def _semtools_unit() -> dict[str, pd.DataFrame]:
    return {"parity_semtools": parity.semtools_parity()}


def _pls_unit() -> dict[str, pd.DataFrame]:
    return {"parity_smartpls": parity.smartpls_parity(), "parity_adanco": parity.adanco_parity()}


def _case_unit(figures: str | None) -> dict[str, pd.DataFrame]:
    results = case_study.fits()
    tables = case_study.case_tables(results)
    if figures is not None:
        out = Path(figures)
        out.mkdir(parents=True, exist_ok=True)
        case_study.ipma_figure(results, out)
        case_study.path_diagram_figure(results, out)
    return tables


def _one_thread() -> None:
    """Worker processes use one BLAS thread each, so that ``jobs`` workers fill ``jobs`` CPUs."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def units(
    figures: Path | None = None,
) -> list[tuple[Callable[..., dict[str, pd.DataFrame]], tuple]]:
    """Every deterministic computation of the paper, slowest first."""
    slow_first = sorted(
        parity.LAVAAN_CASES, key=lambda c: c.missing != "fiml" and "ecsi" not in c.case
    )
    return [
        (_case_unit, (None if figures is None else str(figures),)),
        (_semtools_unit, ()),
        *[(_lavaan_unit, (c.case,)) for c in slow_first],
        (_pls_unit, ()),
    ]


def compute(figures: Path | None = None, jobs: int | None = None) -> dict[str, pd.DataFrame]:
    """Raw tables of the parity checks and the case study (not the benchmarks).

    ``jobs`` worker processes (default: the number of CPUs); ``jobs=1`` runs in this process.
    The numbers do not depend on ``jobs``.
    """
    jobs = jobs or os.cpu_count() or 1
    work = units(figures)
    if jobs == 1:
        parts = [fn(*args) for fn, args in work]
    else:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_one_thread) as pool:
            futures = [pool.submit(fn, *args) for fn, args in work]
            parts = [f.result() for f in futures]
    merged: dict[str, list[pd.DataFrame]] = {}
    for part in parts:
        for name, table in part.items():
            merged.setdefault(name, []).append(table)
    tables = {name: pd.concat(frames, ignore_index=True) for name, frames in merged.items()}
    order = [c.case for c in parity.LAVAAN_CASES]
    lav = tables["parity_lavaan"]
    tables["parity_lavaan"] = lav.set_index("case").loc[order].reset_index()
    return tables


# ---------------------------------------------------------------------------------------------
# paper.md


def check_paper(text: str, numbers: dict[str, str], tables: dict[str, str]) -> list[str]:
    """What in ``text`` disagrees with the generated numbers and tables (empty: all agree)."""
    problems = []
    quoted = {}
    for value, key in SPAN.findall(text):
        quoted.setdefault(key, []).append(value)
        if key not in numbers:
            problems.append(f"paper.md quotes [{value}]{{n={key}}}, but numbers.json has no {key}")
        elif value != numbers[key]:
            problems.append(
                f"paper.md quotes {key} as {value!r}; the scripts give {numbers[key]!r}"
            )
    for key in numbers:
        if key not in quoted:
            problems.append(f"numbers.json has {key} = {numbers[key]!r}, not quoted in paper.md")
    blocks = {m.group(2): m.group(3) for m in BLOCK.finditer(text)}
    for name, md in tables.items():
        if name in blocks and blocks[name] != md:
            problems.append(f"table {name} in paper.md differs from tables/{name}.md")
    return problems


def sync_paper(text: str, numbers: dict[str, str], tables: dict[str, str]) -> str:
    """``text`` with the marked numbers and tables of ``numbers``/``tables`` written in."""
    text = SPAN.sub(lambda m: f"[{numbers.get(m.group(2), m.group(1))}]{{n={m.group(2)}}}", text)
    return BLOCK.sub(lambda m: m.group(1) + tables.get(m.group(2), m.group(3)) + m.group(4), text)


# ---------------------------------------------------------------------------------------------


def write_outputs(
    out: Path,
    tables: dict[str, pd.DataFrame],
    perf: pd.DataFrame | None,
) -> tuple[dict[str, str], dict[str, str]]:
    """Write the CSV/Markdown tables and numbers.json; return (numbers, markdown tables)."""
    (out / "tables").mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.to_csv(out / "tables" / f"{name}.csv", index=False)
    md = format_tables(tables, perf)
    for name, text in md.items():
        (out / "tables" / f"{name}.md").write_text(text)
    numbers = numbers_from(tables, perf)
    (out / "tables" / "numbers.json").write_text(
        json.dumps(numbers, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    )
    return numbers, md


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", action="store_true", help="rerun the benchmarks")
    parser.add_argument("--sync", action="store_true", help="write the numbers into paper.md")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (all CPUs)")
    parser.add_argument("--out", type=Path, default=PAPER, help="output folder (paper/)")
    args = parser.parse_args(argv)
    out: Path = args.out
    start = time.perf_counter()
    tables = compute(figures=out / "figures", jobs=args.jobs)
    print(f"parity and case study: {time.perf_counter() - start:.1f} s")
    perf_csv = out / "tables" / "performance.csv"
    if args.bench:
        start = time.perf_counter()
        perf, log = performance.run_all()
        (out / "tables").mkdir(parents=True, exist_ok=True)
        perf.to_csv(perf_csv, index=False)
        (out / "tables" / "performance.log").write_text(log)
        print(f"benchmarks: {time.perf_counter() - start:.1f} s")
    elif perf_csv.is_file():
        perf = pd.read_csv(perf_csv)
    elif (PAPER / "tables" / "performance.csv").is_file():
        perf = pd.read_csv(PAPER / "tables" / "performance.csv")
    else:
        perf = None
        print("note: no benchmark figures yet (tables/performance.csv); run with --bench")
    numbers, md = write_outputs(out, tables, perf)
    paper_md = PAPER / "paper.md"
    text = paper_md.read_text()
    if args.sync:
        text = sync_paper(text, numbers, md)
        paper_md.write_text(text)
        print("paper.md: numbers and tables synchronised")
    elif args.bench:
        # benchmark figures change with every run and machine: always write them in
        bench = {k: v for k, v in numbers.items() if is_benchmark(k)}
        new = sync_paper(text, bench, {"performance": md["performance"]})
        if new != text:
            paper_md.write_text(new)
            print("paper.md: benchmark figures updated")
        text = new
    problems = check_paper(text, numbers, md)
    for problem in problems:
        print(f"warning: {problem}")
    if problems:
        print("paper.md disagrees with the scripts; re-read the text, then run with --sync")
        return 1
    print(f"paper.md agrees with the {len(numbers)} numbers and {len(md)} tables")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
