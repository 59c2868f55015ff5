"""The paper quotes what the scripts compute (``paper/``), and CITATION.cff is current.

``paper/make_paper.py`` writes every computed number of ``paper/paper.md`` into
``paper/tables/numbers.json`` and every table into ``paper/tables/<name>.md``; paper.md marks a
quoted number as ``[value]{n=key}`` and embeds each table between ``<!-- table: name -->`` and
``<!-- /table -->``.  Here the deterministic part (parity with lavaan, semTools, SmartPLS and
ADANCO; the ECSI case study with its fixed-seed bootstrap) is recomputed from scratch and must
give the committed strings exactly; the benchmark figures are machine-dependent and are only
checked to be quoted as committed.  R is not needed.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

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


def _committed_numbers() -> dict[str, str]:
    return json.loads((TABLES / "numbers.json").read_text())


def _committed_tables() -> dict[str, str]:
    return {p.stem: p.read_text() for p in TABLES.glob("*.md")}


@pytest.fixture(scope="module")
def regenerated() -> tuple[dict[str, str], dict[str, str]]:
    """Numbers and Markdown tables recomputed from scratch (all CPUs; no figures, no benchmarks)."""
    if not SHARED_REFERENCE.is_dir():
        pytest.skip(f"SmartPLS/ADANCO reference files not found at {SHARED_REFERENCE}")
    tables = make_paper.compute(figures=None)
    perf = pd.read_csv(TABLES / "performance.csv")
    return numbers_from(tables, perf), format_tables(tables, perf)


def test_paper_numbers_are_what_the_scripts_compute(
    regenerated: tuple[dict[str, str], dict[str, str]],
) -> None:
    numbers, _ = regenerated
    committed = _committed_numbers()
    assert set(numbers) == set(committed)
    fresh = {k: v for k, v in numbers.items() if not is_benchmark(k)}
    stale = {k: (committed[k], v) for k, v in fresh.items() if committed[k] != v}
    assert not stale, f"numbers.json is out of date (committed, recomputed): {stale}"


def test_paper_tables_are_what_the_scripts_compute(
    regenerated: tuple[dict[str, str], dict[str, str]],
) -> None:
    _, tables = regenerated
    committed = _committed_tables()
    for name, text in tables.items():
        if name == "performance":
            continue  # machine-dependent; its numbers are checked against paper.md below
        assert committed.get(name) == text, f"tables/{name}.md is out of date"


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
