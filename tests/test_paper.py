"""The paper quotes what the scripts compute (``paper/``), and CITATION.cff is current.

``paper/make_paper.py`` writes every raw, unrounded table of the paper into
``paper/tables/<name>.csv``, every computed number of ``paper/paper.md`` into
``paper/tables/numbers.json`` and every table into ``paper/tables/<name>.md``; paper.md marks a
quoted number as ``[value]{n=key}`` and embeds each table between ``<!-- table: name -->`` and
``<!-- /table -->``.

The tests compare *values*, never printed digits, so that they pass on any machine:

* the deterministic part (parity with lavaan, semTools, SmartPLS and ADANCO; the ECSI case study
  with its fixed-seed bootstrap) is recomputed from scratch and compared with the committed raw
  tables within the tolerances below;
* the quoted strings and Markdown tables are checked to be what the formatting of the committed
  raw tables gives (no computation involved), and paper.md to quote them.

The benchmark figures are machine-dependent and are only checked to be quoted as committed.
R is not needed.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import sem_csat

ROOT = Path(__file__).resolve().parents[1]
PAPER = ROOT / "paper"
TABLES = PAPER / "tables"
SHARED_REFERENCE = ROOT.parent / "shared" / "reference"

if str(PAPER) not in sys.path:
    sys.path.insert(0, str(PAPER))

import make_paper  # noqa: E402
from scripts.text import format_tables, is_benchmark, numbers_from  # noqa: E402

#: Estimates, fit measures, bootstrap intervals and index scores recomputed from scratch
#: (the bootstrap has a fixed seed): equal up to floating-point rounding.
TOL_VALUE = {"rtol": 1e-6, "atol": 1e-9}
#: Differences between two programs (sem_csat against lavaan, semTools, SmartPLS, ADANCO): below
#: 1e-6 they are rounding noise of both programs, which changes with the BLAS library, so a
#: recomputed difference must stay in that noise; above it, within half of its value.
TOL_DIFFERENCE = {"rtol": 0.5, "atol": 1e-6}
#: The columns that hold differences between programs.
DIFFERENCES = {
    "parity_lavaan": ("estimate", "std_error", "std_all", "fit_rel"),
    "parity_semtools": ("max_abs_diff",),
    "parity_smartpls": ("max_abs_diff",),
    "parity_adanco": ("max_abs_diff",),
}


def _committed_numbers() -> dict[str, str]:
    return json.loads((TABLES / "numbers.json").read_text())


def _committed_tables() -> dict[str, str]:
    return {p.stem: p.read_text() for p in TABLES.glob("*.md")}


def _committed_raw() -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_csv(p) for p in TABLES.glob("*.csv") if p.stem != "performance"}


def _performance() -> pd.DataFrame:
    return pd.read_csv(TABLES / "performance.csv")


@pytest.fixture(scope="module")
def regenerated() -> dict[str, pd.DataFrame]:
    """The raw tables recomputed from scratch (all CPUs; no figures, no benchmarks)."""
    if not SHARED_REFERENCE.is_dir():
        pytest.skip(f"SmartPLS/ADANCO reference files not found at {SHARED_REFERENCE}")
    return make_paper.compute(figures=None)


def _compare(name: str, fresh: pd.DataFrame, committed: pd.DataFrame) -> list[str]:
    """Where a recomputed raw table differs from the committed one (empty: they agree)."""
    problems: list[str] = []
    if list(fresh.columns) != list(committed.columns) or len(fresh) != len(committed):
        return [f"{name}: columns or rows changed ({list(fresh.columns)}, {len(fresh)} rows)"]
    for column in committed.columns:
        old, new = committed[column], fresh[column]
        if pd.api.types.is_numeric_dtype(old) and not pd.api.types.is_bool_dtype(old):
            a, b = new.to_numpy(dtype=float), old.to_numpy(dtype=float)
            if pd.api.types.is_integer_dtype(old):
                same = np.array_equal(a, b)
            else:
                tol = TOL_DIFFERENCE if column in DIFFERENCES.get(name, ()) else TOL_VALUE
                same = bool(np.allclose(a, b, equal_nan=True, **tol))
        else:
            same = [str(v) for v in new] == [str(v) for v in old]
        if not same:
            problems.append(f"{name}.{column}: {list(old)} (committed) vs {list(new)}")
    return problems


def test_paper_tables_are_what_the_scripts_compute(regenerated: dict[str, pd.DataFrame]) -> None:
    committed = _committed_raw()
    assert set(regenerated) == set(committed)
    problems = [
        p for name, table in regenerated.items() for p in _compare(name, table, committed[name])
    ]
    assert not problems, "tables/*.csv are out of date:\n" + "\n".join(problems)


def test_quoted_numbers_and_tables_are_the_committed_values_formatted() -> None:
    raw, perf = _committed_raw(), _performance()
    assert numbers_from(raw, perf) == _committed_numbers()
    formatted = format_tables(raw, perf)
    committed = _committed_tables()
    for name, text in formatted.items():
        assert committed.get(name) == text, f"tables/{name}.md is not tables/{name}.csv formatted"


def test_paper_md_quotes_every_number_and_table_as_generated() -> None:
    text = (PAPER / "paper.md").read_text()
    numbers = _committed_numbers()
    assert make_paper.check_paper(text, numbers, _committed_tables()) == []
    quoted = {key for _, key in make_paper.SPAN.findall(text)}
    assert quoted == set(numbers)
    assert any(is_benchmark(k) for k in numbers)  # the performance figures are quoted too
    blocks = set(re.findall(r"<!-- table: ([a-z0-9_]+) -->", text))
    assert blocks == set(_committed_tables())


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda v: v + "1", "scripts give"),  # a number changed by hand in paper.md
        (lambda v: "", "scripts give"),
    ],
)
def test_a_changed_number_is_caught(edit: Any, message: str) -> None:
    text = (PAPER / "paper.md").read_text()
    numbers = _committed_numbers()
    key = "r2_pls_sati"
    marked = f"[{numbers[key]}]{{n={key}}}"
    assert marked in text
    changed = text.replace(marked, f"[{edit(numbers[key])}]{{n={key}}}")
    problems = make_paper.check_paper(changed, numbers, _committed_tables())
    assert any(key in p and message in p for p in problems), problems
    other = {**numbers, key: numbers[key] + "0"}  # the scripts now compute something else
    assert make_paper.check_paper(text, other, _committed_tables())


def test_every_citation_is_in_the_bibliography() -> None:
    text = (PAPER / "paper.md").read_text()
    bib = (PAPER / "paper.bib").read_text()
    keys = set(re.findall(r"@(\w+)\{(\w+),", bib))
    entries = {k for _, k in keys}
    cited = set(re.findall(r"@([A-Za-z][\w]*)", text.split("---", 2)[2]))
    assert cited <= entries, f"cited but not in paper.bib: {sorted(cited - entries)}"


def test_citation_cff_is_valid_yaml_with_the_package_version() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    assert cff["version"] == sem_csat.__version__
    assert cff["license"] == "MIT"
    assert cff["title"]
    assert cff["message"]
    assert cff["authors"]
    preferred = cff["preferred-citation"]
    assert preferred["type"] == "article"
    assert preferred["title"]
    assert preferred["authors"]
