"""Fault battery, options: resources, meaningless inference and the Python API's parity.

Options that would exhaust the machine (``--jobs 100000``, ``--bootstrap 1e9``, ``--dpi
200000``), that give inference without meaning (2 resamples), or that do not go together are
refused before any work with one sentence; the Python API refuses the same things the same
way, and accepts what the command line accepts.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.errors import SemCsatError, SemCsatWarning, UsageError
from tests._faults import (
    SMALL_SPEC,
    assert_user_error,
    ecsi,
    hashes,
    run_cli,
    run_subprocess,
)

# case -> (options after 'fit SPEC DATA', words the message must contain)
FIT_OPTIONS: dict[str, tuple[list[str], tuple[str, ...]]] = {
    # resources
    "jobs_100000": (["--bootstrap", "100", "--jobs", "100000"], ("--jobs=100000", "at most")),
    "jobs_zero": (["--bootstrap", "100", "--jobs", "0"], ("jobs",)),
    "jobs_negative": (["--bootstrap", "100", "--jobs", "-5"], ("jobs", "-5")),
    "bootstrap_1e9": (["--bootstrap", "1e9"], ("1,000,000,000", "memory")),
    "bootstrap_10_to_the_9": (["--bootstrap", "1000000000"], ("memory",)),
    # inference that means nothing
    "bootstrap_2": (["--bootstrap", "2"], ("at least 40",)),
    "bootstrap_39": (["--bootstrap", "39"], ("at least 40",)),
    "bootstrap_50_at_99_percent": (["--bootstrap", "50", "--conf", "0.99"], ("at least 200",)),
    "bootstrap_negative": (["--bootstrap", "-5"], ("whole number",)),
    "bootstrap_nan": (["--bootstrap", "nan"], ("whole number",)),
    "bootstrap_inf": (["--bootstrap", "inf"], ("whole number",)),
    "conf_zero": (["--conf", "0"], ("between 0 and 1",)),
    "conf_one": (["--conf", "1"], ("between 0 and 1",)),
    "conf_nan": (["--conf", "nan"], ("between 0 and 1",)),
    # options that do not go together
    "ordered_with_pls": (["--ordered"], ("wlsmv",)),
    "fiml_with_pls": (["--missing", "fiml"], ("fiml",)),
    "mean_with_ml": (["--missing", "mean", "--method", "ml"], ("mean",)),
    "n_without_cov": (["--n", "100"], ("--n", "--cov")),
    "sheet_of_a_csv": (["--sheet", "3"], ("Excel",)),
    "levels_without_group": (["--levels", "a"], ("--group",)),
    "group_not_a_column": (["--group", "WAVE"], ("WAVE",)),
    "group_level_unknown": (["--group", "CUSCO", "--levels", "zz", "yy"], ("zz",)),
    "groups_too_small": (["--group", "CUSCO"], ("CUSCO", "at least 10")),
}


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    spec = tmp_path / "small.yaml"
    spec.write_text(SMALL_SPEC, encoding="utf-8")
    data = tmp_path / "survey.csv"
    ecsi().to_csv(data, index=False)
    return spec, data


@pytest.mark.parametrize("case", sorted(FIT_OPTIONS))
def test_fit_option_fault_is_one_sentence(
    case: str, tmp_path: Path, inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    extra, needles = FIT_OPTIONS[case]
    spec, data = inputs
    before = hashes(inputs)
    out = tmp_path / "out"
    code, _, err = run_cli(["fit", str(spec), str(data), "--out", str(out), *extra], capsys)
    assert_user_error(code, err, *needles)
    assert hashes(inputs) == before
    assert not out.exists()


def test_ordered_items_with_many_categories_are_refused_before_the_polychoric_step(
    tmp_path: Path, inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    spec, _ = inputs
    rng = np.random.default_rng(3)
    frame = ecsi().astype(float)
    for col in frame.columns:
        frame[col] = np.clip(frame[col] + rng.uniform(-0.4, 0.4, len(frame)), 1, 10)
    data = tmp_path / "continuous.csv"
    frame.to_csv(data, index=False)
    args = ["fit", str(spec), str(data), "--ordered", "--method", "wlsmv"]
    code, _, err = run_cli(args, capsys)
    assert_user_error(code, err, "distinct values", "20 categories")


# diagram options: (output name, options, words)
DIAGRAM_OPTIONS: dict[str, tuple[str, list[str], tuple[str, ...]]] = {
    "dpi_200000": ("d.png", ["--dpi", "200000"], ("65,535", "--dpi 300")),
    "dpi_zero": ("d.png", ["--dpi", "0"], ("at least 72",)),
    "dpi_negative": ("d.png", ["--dpi", "-1"], ("at least 72",)),
    "decimals_50": ("d.svg", ["--decimals", "50"], ("decimals",)),
    "font_not_installed": ("d.svg", ["--font", "NoSuchFontXYZ"], ("NoSuchFontXYZ", "installed")),
    "unknown_suffix": ("d.xyz", [], (".pdf", ".svg")),
    "no_suffix": ("d", [], (".pdf",)),
}


@pytest.mark.parametrize("case", sorted(DIAGRAM_OPTIONS))
def test_diagram_option_fault_is_one_sentence(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, extra, needles = DIAGRAM_OPTIONS[case]
    target = tmp_path / name
    code, _, err = run_cli(["diagram", "ecsi", "-o", str(target), *extra], capsys)
    assert_user_error(code, err, *needles)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # no partial file left behind


def test_resource_faults_through_a_separate_process(
    tmp_path: Path, inputs: tuple[Path, Path]
) -> None:
    spec, data = inputs
    for extra in (["--jobs", "100000", "--bootstrap", "100"], ["--bootstrap", "1e9"]):
        done = run_subprocess(["fit", str(spec), str(data), *extra], tmp_path)
        assert_user_error(done.returncode, done.stderr)
    done = run_subprocess(["diagram", "ecsi", "-o", "d.png", "--dpi", "200000"], tmp_path)
    assert_user_error(done.returncode, done.stderr, "--dpi")


# --------------------------------------------------------------------------- the Python API
@pytest.fixture(scope="module")
def ecsi_result() -> sem_csat.SEMResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SemCsatWarning)
        return sem_csat.fit("ecsi", ecsi())


BOOTSTRAP_CALLS: dict[str, tuple[dict[str, object], str]] = {
    "n_jobs_zero": ({"n_boot": 100, "n_jobs": 0}, "n_jobs=0"),
    "n_jobs_huge": ({"n_boot": 100, "n_jobs": 10**6}, "processors"),
    "two_resamples": ({"n_boot": 2}, "at least 40"),
    "a_billion_resamples": ({"n_boot": 10**9}, "memory"),
    "fractional_resamples": ({"n_boot": 100.5}, "whole number"),
    "text_resamples": ({"n_boot": "many"}, "whole number"),
}


@pytest.mark.parametrize("case", sorted(BOOTSTRAP_CALLS))
def test_bootstrap_arguments_are_one_sentence(case: str, ecsi_result: sem_csat.SEMResult) -> None:
    kwargs, needle = BOOTSTRAP_CALLS[case]
    with pytest.raises(UsageError) as info:
        ecsi_result.bootstrap(**kwargs)  # type: ignore[attr-defined]
    assert needle in str(info.value)


def test_fit_arguments_are_one_sentence() -> None:
    frame = ecsi()
    with pytest.raises(SemCsatError, match="Unknown method 'sem'"):
        sem_csat.fit("ecsi", frame, method="sem")
    with pytest.raises(SemCsatError, match="ecsi"):
        sem_csat.fit("ecsy", frame)
    with pytest.raises(SemCsatError, match="wlsmv"):
        sem_csat.fit("ecsi", frame, ordered=True)


def test_quality_takes_a_bundled_model_name_like_fit(ecsi_result: sem_csat.SEMResult) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SemCsatWarning)
        report = sem_csat.quality("ecsi", ecsi())
        fitted = ecsi_result.quality.reliability.set_index("construct")["alpha"]
    alpha = report.reliability.set_index("construct")["alpha"]
    pd.testing.assert_series_equal(alpha, fitted, check_exact=False, rtol=1e-12)
    assert alpha.drop("Complaints").notna().all()  # a single item has no alpha
