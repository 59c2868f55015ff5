"""The survey metrics a spec declares come with one fit (``SEMResult.dashboard``).

A spec with ``metrics:`` (NPS, CSAT, CES, Kano pairs) and ``servqual:`` blocks, fitted once:
the result's tables, findings, summary, the written folder, the publication tables and the
report carry the metrics, for either engine, after a bootstrap and by group.  Values are
checked against hand computations on the same respondents.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.cli import main
from sem_csat.errors import DataError, SpecError
from sem_csat.metrics import Dashboard

SPEC = """\
name: Dashboard
scale: [1, 10]
constructs:
  Quality: {indicators: [PERQ1, PERQ2, PERQ3]}
  Satisfaction: {indicators: [CUSA1, CUSA2, CUSA3]}
  Loyalty: {indicators: [CUSL1, CUSL3]}
paths:
  - Quality -> Satisfaction
  - Satisfaction -> Loyalty
metrics:
  nps: REC
  csat: {item: CUSA1, top_box: 2}
  ces: EFFORT
  kano:
    Speed: [KF1, KD1]
    App: [KF2, KD2]
servqual:
  Reliability:
    expectation: [E_REL1, E_REL2]
    perception: [PERQ1, PERQ2]
"""


def _quiet(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("spec") / "dashboard.yaml"
    p.write_text(SPEC, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    data = sem_csat.datasets.load("ecsi_mobile")
    rng = np.random.default_rng(2026)
    n = len(data)
    return data.assign(
        REC=rng.integers(0, 11, n),
        EFFORT=rng.integers(1, 11, n),
        KF1=rng.integers(1, 6, n),
        KD1=rng.integers(1, 6, n),
        KF2=np.ones(n, dtype=int),  # "I like it" when present ...
        KD2=np.full(n, 5),  # ... "I dislike it" when absent: one-dimensional (O) for everyone
        E_REL1=rng.integers(5, 11, n),
        E_REL2=rng.integers(5, 11, n),
        segment=rng.choice(["prepaid", "contract"], n),
    )


@pytest.fixture(scope="module")
def fitted(spec_path: Path, survey: pd.DataFrame) -> sem_csat.PLSResult:
    return _quiet(sem_csat.fit, spec_path, survey)


def test_one_fit_gives_the_dashboard(fitted: sem_csat.PLSResult, survey: pd.DataFrame) -> None:
    board = fitted.dashboard
    assert isinstance(board, Dashboard)
    assert board.n_obs == fitted.n_obs == len(survey)
    tables = fitted.tables()
    assert {"metrics", "kano", "servqual", "servqual_items"} <= set(tables)
    metrics = tables["metrics"].set_index("metric")
    rec = survey["REC"].to_numpy()
    nps = 100 * (np.mean(rec >= 9) - np.mean(rec <= 6))
    assert metrics.loc["NPS", "score"] == pytest.approx(nps, abs=1e-12)
    csat = 100 * np.mean(survey["CUSA1"].to_numpy() >= 9)  # top-2 box of the model's 1-10 scale
    assert metrics.loc["CSAT", "score"] == pytest.approx(csat, abs=1e-12)
    assert metrics.loc["CES", "score"] == pytest.approx(survey["EFFORT"].mean(), abs=1e-12)
    kano = tables["kano"].set_index("feature")
    assert kano.loc["App", "category"] == "O"
    assert kano.loc["App", "better"] == pytest.approx(1.0)
    assert kano.loc["App", "worse"] == pytest.approx(-1.0)
    gap = tables["servqual"].set_index("dimension").loc["Reliability", "gap"]
    e = survey[["E_REL1", "E_REL2"]].to_numpy()
    p = survey[["PERQ1", "PERQ2"]].to_numpy()
    assert gap == pytest.approx(float((p - e).mean()), abs=1e-12)
    assert set(fitted.figures()) == {"ipma", "kano"}
    text = str(fitted)
    assert "Survey metrics: scores" in text
    assert "Kano classification" in text
    assert "SERVQUAL: gaps by dimension" in text


def test_the_dashboard_survives_the_bootstrap(fitted: sem_csat.PLSResult) -> None:
    boot = _quiet(fitted.bootstrap, 40, seed=1, progress=False)
    assert boot.dashboard is not None
    pd.testing.assert_frame_equal(boot.tables()["metrics"], fitted.tables()["metrics"])


def test_the_covariance_based_engine_carries_it_too(spec_path: Path, survey: pd.DataFrame) -> None:
    ml = _quiet(sem_csat.fit, spec_path, survey, method="ml")
    assert {"metrics", "kano", "servqual"} <= set(ml.tables())
    assert "kano" in ml.figures()
    pd.testing.assert_frame_equal(ml.tables()["kano"], ml.dashboard.tables()["kano"])
    assert "Survey metrics: scores" in str(ml)


def test_dashboard_by_group(spec_path: Path, survey: pd.DataFrame) -> None:
    grouped = _quiet(sem_csat.fit, spec_path, survey, group="segment")
    board = grouped.dashboard
    assert board is not None
    assert board.group == "segment"
    table = grouped.tables()["metrics"]
    assert set(table["group"]) == {"all", "contract", "prepaid"}
    nps = table[(table["metric"] == "NPS") & (table["group"] == "prepaid")]["score"].iloc[0]
    rec = survey.loc[survey["segment"] == "prepaid", "REC"].to_numpy()
    assert nps == pytest.approx(100 * (np.mean(rec >= 9) - np.mean(rec <= 6)), abs=1e-12)
    assert "metric_differences" in grouped.tables()


def test_write_report_and_tables(fitted: sem_csat.PLSResult, tmp_path: Path) -> None:
    files = {p.name for p in _quiet(sem_csat.write, fitted, tmp_path)}
    assert {"metrics.csv", "kano.csv", "servqual.csv", "kano.png", "kano.pdf"} <= files
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<section id="metrics">' in report
    assert "Kano better/worse map" in report
    md = (tmp_path / "tables.md").read_text(encoding="utf-8")
    for title in ("Survey Metrics", "Kano Classification", "SERVQUAL Gaps"):
        assert title in md


def test_items_the_survey_did_not_ask_are_a_note(spec_path: Path, survey: pd.DataFrame) -> None:
    without = _quiet(sem_csat.fit, spec_path, survey.drop(columns=["E_REL1", "E_REL2"]))
    assert "servqual" not in without.tables()
    notes = [d for d in without.findings() if d.code == "metric_items_missing"]
    assert len(notes) == 1
    assert notes[0].severity == "info"
    assert "E_REL1" in notes[0].message
    partly = _quiet(sem_csat.fit, spec_path, survey.drop(columns=["KD2"]))
    (warning,) = [d for d in partly.findings() if d.code == "metric_items_missing"]
    assert warning.severity == "warning"  # KF2 is there: a name is probably misspelt
    assert "'KD2'" in warning.message


def test_an_answer_outside_the_scale_stops_the_fit(spec_path: Path, survey: pd.DataFrame) -> None:
    bad = survey.copy()
    bad.loc[4, "REC"] = 11
    with pytest.raises(DataError, match=r"REC.*0 to 10"):
        _quiet(sem_csat.fit, spec_path, bad)


def test_csat_needs_a_scale(tmp_path: Path, survey: pd.DataFrame) -> None:
    spec = tmp_path / "noscale.yaml"
    spec.write_text(SPEC.replace("scale: [1, 10]\n", ""), encoding="utf-8")
    with pytest.raises(SpecError, match=r"CSAT item 'CUSA1'.*no answer scale"):
        _quiet(sem_csat.fit, spec, survey)


def test_cli_fit_writes_the_metrics_and_stops_on_bad_answers(
    spec_path: Path, survey: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "survey.csv"
    survey.to_csv(data, index=False)
    out = tmp_path / "out"
    assert main(["fit", str(spec_path), str(data), "--out", str(out), "--quiet"]) == 0
    assert (out / "metrics.csv").is_file()
    assert (out / "kano.csv").is_file()
    bad = tmp_path / "bad.csv"
    survey.assign(KF1=survey["KF1"].where(survey.index != 7, 9)).to_csv(bad, index=False)
    before = hashlib.sha256(bad.read_bytes()).hexdigest()
    capsys.readouterr()
    code = main(["fit", str(spec_path), str(bad), "--out", str(tmp_path / "bad_out")])
    err = capsys.readouterr().err
    assert code == 2
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        line for line in err.splitlines() if "KF1" in line
    ]
    assert "Traceback" not in err
    assert hashlib.sha256(bad.read_bytes()).hexdigest() == before
