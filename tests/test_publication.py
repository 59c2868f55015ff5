"""Publication files of ``sem-csat fit`` (diagram, tables, report.html) and ``sem-csat diagram``.

The report must be one self-contained file: inline CSS and SVG, no script, nothing loaded from
the network; every name from the spec or the data HTML-escaped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from sem_csat import datasets
from sem_csat.cli import main
from sem_csat.errors import UsageError
from sem_csat.output import contained_path, write_csv

pytestmark = pytest.mark.filterwarnings("ignore")

EVIL_SPEC = """\
name: Evil
scale: [1, 10]
constructs:
  Quality:
    label: "<img src=x onerror=alert(1)> & Co"
    indicators: [PERQ1, PERQ2, PERQ3]
  Satisfaction: {indicators: [CUSA1, CUSA2, CUSA3]}
  Loyalty: {indicators: [CUSL1, CUSL3]}
paths:
  - Quality -> Satisfaction
  - Satisfaction -> Loyalty
"""
PUBLICATION = ("diagram.pdf", "diagram.svg", "diagram.png", "tables.tex", "tables.md",
               "tables.docx", "report.html")  # fmt: skip
NETWORK = re.compile(r"<script|<link|<iframe|src=[\"']?https?:|url\(\s*[\"']?https?:", re.I)


@pytest.fixture(scope="module")
def pls_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pls")
    spec = root / "evil.yaml"
    spec.write_text(EVIL_SPEC, encoding="utf-8")
    data = root / "survey <2026>.csv"
    datasets.load("ecsi_mobile").to_csv(data, index=False)
    out = root / "out"
    assert main(["fit", str(spec), str(data), "--bootstrap", "100", "--seed", "1",
                 "--out", str(out), "--quiet"]) == 0  # fmt: skip
    return out


@pytest.fixture(scope="module")
def cbsem_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ml") / "out"
    assert main(["fit", "ecsi", "ecsi_mobile", "--method", "ml", "--out", str(out),
                 "--quiet"]) == 0  # fmt: skip
    return out


@pytest.mark.parametrize("run", ["pls_run", "cbsem_run"])
def test_fit_writes_the_publication_files(run: str, request: pytest.FixtureRequest) -> None:
    from docx import Document
    from matplotlib.image import imread

    out: Path = request.getfixturevalue(run)
    for name in PUBLICATION:
        assert (out / name).stat().st_size > 0, name
    assert (out / "diagram.pdf").read_bytes().startswith(b"%PDF")
    assert imread(out / "diagram.png").shape[1] >= 1200
    assert "<text" in (out / "diagram.svg").read_text(encoding="utf-8")
    tex = (out / "tables.tex").read_text(encoding="utf-8")
    assert r"\toprule" in tex
    assert r"\bottomrule" in tex
    assert "| " in (out / "tables.md").read_text(encoding="utf-8")
    assert len(Document(str(out / "tables.docx")).tables) >= 3


@pytest.mark.parametrize("run", ["pls_run", "cbsem_run"])
def test_report_is_self_contained(run: str, request: pytest.FixtureRequest) -> None:
    page = (request.getfixturevalue(run) / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert NETWORK.search(page) is None
    assert "<svg" in page
    for section in ("Warnings", "Model", "Data", "Measurement quality", "Structural model",
                    "Settings and versions"):  # fmt: skip
        assert f">{section}</h2>" in page, section


def test_report_escapes_names_from_spec_and_data(pls_run: Path) -> None:
    page = (pls_run / "report.html").read_text(encoding="utf-8")
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; Co" in page
    assert "survey &lt;2026&gt;.csv" in page
    assert "Index scores" in page  # the spec declares the answer scale


def test_report_shows_the_inadmissible_cbsem_solution(cbsem_run: Path) -> None:
    page = (cbsem_run / "report.html").read_text(encoding="utf-8")
    warnings = page.split('id="warnings"')[1].split("</section>")[0]
    assert "cbsem_collinear_constructs" in warnings
    assert ">Model fit</h2>" in page


def test_csv_text_cells_are_spreadsheet_safe(tmp_path: Path) -> None:
    frame = pd.DataFrame({"name": ["=cmd()", "+1", "-2+3", "@SUM(A1)", "ok"],
                          "value": [-1.5, 2.0, -0.25, 1e-12, 3.0]})  # fmt: skip
    path = tmp_path / "x.csv"
    write_csv(frame, path)
    back = pd.read_csv(path)
    assert list(back["name"]) == ["'=cmd()", "'+1", "'-2+3", "'@SUM(A1)", "ok"]
    assert list(back["value"]) == list(frame["value"])


def test_output_names_stay_inside_the_folder(tmp_path: Path) -> None:
    assert contained_path(tmp_path, "diagram.pdf") == (tmp_path / "diagram.pdf").resolve()
    for bad in ("../escape.csv", "sub/../../x.csv", "/etc/passwd"):
        with pytest.raises(UsageError, match="outside the output folder"):
            contained_path(tmp_path, bad)


@pytest.mark.parametrize("suffix", [".pdf", ".svg", ".png", ".eps", ".tex"])
def test_diagram_command_from_spec(suffix: str, tmp_path: Path) -> None:
    target = tmp_path / f"ecsi{suffix}"
    assert main(["diagram", "ecsi", "-o", str(target), "--quiet"]) == 0
    assert target.stat().st_size > 0


def test_diagram_command_from_results(pls_run: Path, cbsem_run: Path, tmp_path: Path) -> None:
    spec = pls_run.parent / "evil.yaml"
    svg = tmp_path / "pls.svg"
    assert main(["diagram", str(spec), "--from", str(pls_run), "-o", str(svg), "--indicators",
                 "--quiet"]) == 0  # fmt: skip
    text = svg.read_text(encoding="utf-8")
    paths = pd.read_csv(pls_run / "paths.csv")
    beta = paths.loc[paths["to"] == "Loyalty", "estimate"].iloc[0]
    assert f"{beta:.2f}".lstrip("0") in text
    tex = tmp_path / "ml.tex"
    assert main(["diagram", "ecsi", "--from", str(cbsem_run), "-o", str(tex), "--quiet"]) == 0
    assert r"\begin{tikzpicture}" in tex.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["diagram", "ecsi", "--from", "no-such-dir", "-o", "x.pdf"], "not a folder"),
        (["diagram", "acsi", "--from", "{ml}", "-o", "x.pdf"], "does not have"),
        (["diagram", "ecsi", "-o", "x.docx"], "use one of"),
        (["diagram", "no_such_model", "-o", "x.pdf"], "no_such_model"),
        (["diagram", "ecsi", "--from", "{empty}", "-o", "x.pdf"], "paths.csv"),
    ],
)
def test_diagram_command_mistakes(
    args: list[str], needle: str, cbsem_run: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    empty = tmp_path / "empty"
    empty.mkdir()
    args = [a.format(ml=cbsem_run, empty=empty) for a in args]
    args = [str(tmp_path / a) if a.startswith("x.") else a for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:")
    assert err.count("\n") == 1
    assert needle in err
