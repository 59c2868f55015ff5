"""The command line: end-to-end runs and a battery of user mistakes.

Every mistake must end in exit status 2, exactly one line starting with ``error:`` on standard
error, no traceback, and input files left byte-for-byte unchanged.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from sem_csat import datasets
from sem_csat.cli import main

ECSI_ITEMS = [
    "IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5", "CUEX1", "CUEX2", "CUEX3",
    "PERQ1", "PERQ2", "PERQ3", "PERQ4", "PERQ5", "PERQ6", "PERQ7", "PERV1", "PERV2",
    "CUSA1", "CUSA2", "CUSA3", "CUSCO", "CUSL1", "CUSL2", "CUSL3",
]  # fmt: skip

SMALL_SPEC = """\
name: Small
scale: [1, 10]
constructs:
  Quality: {indicators: [PERQ1, PERQ2, PERQ3]}
  Satisfaction: {indicators: [CUSA1, CUSA2, CUSA3]}
  Loyalty: {indicators: [CUSL1, CUSL3]}
paths:
  - Quality -> Satisfaction
  - Satisfaction -> Loyalty
"""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def ecsi_frame() -> pd.DataFrame:
    return datasets.load("ecsi_mobile")


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    p = tmp_path / "small.yaml"
    p.write_text(SMALL_SPEC, encoding="utf-8")
    return p


@pytest.fixture
def data_file(tmp_path: Path, ecsi_frame: pd.DataFrame) -> Path:
    p = tmp_path / "survey.csv"
    ecsi_frame.to_csv(p, index=False)
    return p


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def assert_user_error(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    error_lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, f"{needle!r} not in {err!r}"


# --------------------------------------------------------------------------- end to end
def test_fit_writes_the_output_contract(
    tmp_path: Path, spec_file: Path, data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    before = (_sha(spec_file), _sha(data_file))
    code, stdout, _ = run_cli(["fit", str(spec_file), str(data_file), "--out", str(out)], capsys)
    assert code == 0
    assert "Satisfaction" in stdout
    assert (_sha(spec_file), _sha(data_file)) == before
    paths = pd.read_csv(out / "paths.csv")
    assert list(paths.columns) == [
        "from", "to", "label", "estimate", "std_estimate",
        "std_error", "t_value", "p_value", "ci_lower", "ci_upper",
    ]  # fmt: skip
    assert len(paths) == 2
    assert paths[["std_error", "t_value", "p_value", "ci_lower", "ci_upper"]].isna().all().all()
    outer = pd.read_csv(out / "outer.csv")
    assert list(outer.columns) == ["construct", "indicator", "weight", "loading", "std_loading"]
    assert len(outer) == 8
    r2 = pd.read_csv(out / "r2.csv")
    assert list(r2.columns) == ["construct", "r2", "r2_adj"]
    assert set(r2["construct"]) == {"Satisfaction", "Loyalty"}
    diag = pd.read_csv(out / "diagnostics.csv")
    assert list(diag.columns) == ["severity", "code", "message"]
    effects = pd.read_csv(out / "effects.csv")
    assert list(effects.columns) == ["from", "to", "direct", "indirect", "total"]
    run = json.loads((out / "run.json").read_text())
    assert run["bootstrap"] is None
    assert run["data"]["n_total"] == 250
    assert run["data"]["n_used"] == 250
    assert run["data"]["sha256"] == _sha(data_file)
    assert run["spec"]["sha256"] == _sha(spec_file)
    assert run["settings"]["scheme"] == "path"
    assert run["versions"]["sem_csat"]


def test_demo_fits_the_bundled_ecsi_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    code, stdout, _ = run_cli(["demo", "--out", str(out)], capsys)
    assert code == 0
    assert "ECSI" in stdout
    paths = pd.read_csv(out / "paths.csv")
    assert len(paths) == 12
    # SmartPLS 2.0 (path weighting): Satisfaction -> Loyalty 0.48547762
    row = paths.query("`from` == 'Satisfaction' and to == 'Loyalty'")
    assert row["estimate"].item() == pytest.approx(0.48547762, abs=1e-6)
    # the demo bootstraps (5,000 resamples, seed 2026)
    assert list(paths.columns) == [
        "from", "to", "label", "estimate", "std_estimate",
        "std_error", "t_value", "p_value", "ci_lower", "ci_upper",
    ]  # fmt: skip
    assert (paths["ci_lower"] <= paths["estimate"]).all()
    assert (paths["estimate"] <= paths["ci_upper"]).all()
    assert paths["p_value"].between(0, 1).all()
    effects = pd.read_csv(out / "effects.csv")
    assert list(effects.columns[:5]) == ["from", "to", "direct", "indirect", "total"]
    for kind in ("direct", "indirect", "total"):
        for stat in ("se", "ci_lower", "ci_upper"):
            assert f"{kind}_{stat}" in effects.columns
    # SmartPLS 2.0 total effect Image -> Loyalty (path weighting): 0.39873238
    row = effects.query("`from` == 'Image' and to == 'Loyalty'")
    assert row["total"].item() == pytest.approx(0.39873238, abs=1e-6)
    index = pd.read_csv(out / "index.csv")
    assert list(index.columns) == ["construct", "index", "std_error", "ci_lower", "ci_upper"]
    assert index["index"].between(0, 100).all()
    assert (index["ci_lower"] < index["index"]).all()
    run = json.loads((out / "run.json").read_text())
    assert run["bootstrap"]["resamples"] == 5000
    assert run["bootstrap"]["seed"] == 2026
    assert (out / "mediation.csv").exists()
    htmt = pd.read_csv(out / "htmt_bootstrap.csv")
    assert {"estimate", "upper_bound", "distinct_085", "distinct_090"} <= set(htmt.columns)
    diag = pd.read_csv(out / "diagnostics.csv")
    assert "index_imprecise" in set(diag["code"])  # EPSI: 95% CI wider than 4 points
    ipma = pd.read_csv(out / "ipma.csv")
    assert list(ipma.columns) == ["target", "level", "name", "importance", "performance"]
    assert set(ipma["target"]) == {"Loyalty"}
    assert (out / "ipma.png").stat().st_size > 10_000
    assert (out / "ipma.pdf").read_bytes().startswith(b"%PDF")


def test_existing_output_folder_is_reused(
    tmp_path: Path, spec_file: Path, data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code, _, _ = run_cli(
        ["fit", str(spec_file), str(data_file), "--out", str(out), "--quiet"], capsys
    )
    assert code == 0
    assert (out / "keep.txt").read_text() == "mine"
    assert (out / "paths.csv").exists()


def test_na_values_make_missing_codes_missing(
    tmp_path: Path, spec_file: Path, ecsi_frame: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = ecsi_frame.copy()
    frame.loc[[3, 10, 20], "CUSA2"] = -99
    data = tmp_path / "codes.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "out"
    code, _, err = run_cli(
        ["fit", str(spec_file), str(data), "--na-values", "-99", "--out", str(out)], capsys
    )
    assert code == 0, err
    run = json.loads((out / "run.json").read_text())
    assert run["data"]["n_used"] == 247
    assert run["settings"]["na_values"] == [-99]


def test_specs_lists_bundled_models(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["specs"], capsys)
    assert code == 0
    for key in ("acsi", "ecsi", "ecsi_bank", "scsb", "ccsi", "relationship_quality", "servqual"):
        assert key in out


def test_validate_spec_and_data(
    spec_file: Path, data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["validate", str(spec_file), str(data_file)], capsys)
    assert code == 0
    assert "250 of 250" in out


def test_console_script_runs_without_traceback(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("sem-csat")
    if not exe.exists():
        found = shutil.which("sem-csat")
        if found is None:
            pytest.skip("the sem-csat console script is not installed")
        exe = Path(found)
    ok = subprocess.run(
        [str(exe), "demo", "--out", str(tmp_path / "d"), "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(
        [str(exe), "fit", "no_such_model", "ecsi_mobile"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("error:")
    assert "Traceback" not in bad.stderr


# --------------------------------------------------------------------------- bad specs
BAD_SPECS: dict[str, tuple[str, tuple[str, ...]]] = {
    "unknown_key": (
        SMALL_SPEC.replace("Loyalty: {indicators:", "Loyalty: {indicator:"),
        ("indicator", "indicators"),
    ),
    "undeclared_construct": (
        SMALL_SPEC.replace("Satisfaction -> Loyalty", "Satisfaction -> Loyalti"),
        ("Loyalti", "Loyalty"),
    ),
    "cycle": (SMALL_SPEC + "  - Loyalty -> Quality\n", ("cycle",)),
    "python_tag": (
        SMALL_SPEC.replace("name: Small", "name: !!python/object/apply:os.system ['true']"),
        ("bad.yaml",),
    ),
    "item_twice": (
        SMALL_SPEC.replace("[CUSL1, CUSL3]", "[CUSL1, PERQ1]"),
        ("PERQ1",),
    ),
    "empty_block": (SMALL_SPEC.replace("[CUSL1, CUSL3]", "[]"), ("Loyalty",)),
    "self_loop": (SMALL_SPEC + "  - Quality -> Quality\n", ("Quality",)),
    "not_a_mapping": ("- just\n- a list\n", ("bad.yaml",)),
    "empty_file": ("", ("bad.yaml",)),
    "bad_yaml": ("name: [unclosed\nconstructs: {}\n", ("bad.yaml", "line")),
    "bad_mode": (
        SMALL_SPEC.replace("[CUSL1, CUSL3]}", "[CUSL1, CUSL3], mode: formativ}"),
        ("mode",),
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_SPECS))
def test_bad_spec_is_one_clear_error(
    case: str, tmp_path: Path, data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, needles = BAD_SPECS[case]
    spec = tmp_path / "bad.yaml"
    spec.write_text(text, encoding="utf-8")
    before = (_sha(spec), _sha(data_file))
    code, _, err = run_cli(["fit", str(spec), str(data_file), "--out", str(tmp_path / "o")], capsys)
    assert_user_error(code, err, *needles)
    assert (_sha(spec), _sha(data_file)) == before
    assert not (tmp_path / "o").exists()


def test_lavaan_syntax_error_gives_line_and_column(
    tmp_path: Path, data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "model.lav"
    spec.write_text("Quality =~ PERQ1 + PERQ2\nSatisfaction =~ CUSA1 + + CUSA2\n")
    code, _, err = run_cli(["fit", str(spec), str(data_file)], capsys)
    assert_user_error(code, err, "model.lav", "line 2")


def test_missing_spec_file_and_unknown_model(
    tmp_path: Path, data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["fit", str(tmp_path / "nope.yaml"), str(data_file)], capsys)
    assert_user_error(code, err, "nope.yaml")
    code, _, err = run_cli(["fit", "ecsy", str(data_file)], capsys)
    assert_user_error(code, err, "ecsi")


# --------------------------------------------------------------------------- bad data
def _mutate(frame: pd.DataFrame, case: str) -> pd.DataFrame | str:
    f = frame.copy()
    if case == "missing_column":
        return f.drop(columns=["CUSA2"])
    if case == "lowercase_column":
        return f.rename(columns={"CUSA2": "cusa2"})
    if case == "text_in_column":
        f["CUSA2"] = f["CUSA2"].astype(object)
        f.loc[16, "CUSA2"] = "seven"
        return f
    if case == "missing_code":
        f.loc[[1, 5], "PERQ2"] = -99
        return f
    if case == "outside_scale":
        f.loc[7, "CUSL1"] = 12
        return f
    if case == "constant_item":
        f["PERQ3"] = 5
        return f
    if case == "empty_column":
        f["CUSA1"] = float("nan")
        return f
    if case == "infinite":
        f["CUSA3"] = f["CUSA3"].astype(float)
        f.loc[2, "CUSA3"] = float("inf")
        return f
    if case == "too_few_rows":
        return f.head(4)
    if case == "duplicate_columns":
        text = f.to_csv(index=False)
        header, rest = text.split("\n", 1)
        return header.replace("CUSL3", "CUSA1") + "\n" + rest
    raise AssertionError(case)


BAD_DATA: dict[str, tuple[str, ...]] = {
    "missing_column": ("CUSA2",),
    "lowercase_column": ("CUSA2", "cusa2"),
    "text_in_column": ("CUSA2", "seven"),
    "missing_code": ("PERQ2", "-99", "na-values"),
    "outside_scale": ("CUSL1", "12"),
    "constant_item": ("PERQ3",),
    "empty_column": ("CUSA1",),
    "infinite": ("CUSA3",),
    "too_few_rows": ("survey.csv",),
    "duplicate_columns": ("CUSA1",),
}


@pytest.mark.parametrize("case", sorted(BAD_DATA))
def test_bad_data_is_one_clear_error(
    case: str,
    tmp_path: Path,
    spec_file: Path,
    ecsi_frame: pd.DataFrame,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = tmp_path / "survey.csv"
    mutated = _mutate(ecsi_frame, case)
    if isinstance(mutated, str):
        data.write_text(mutated, encoding="utf-8")
    else:
        mutated.to_csv(data, index=False)
    before = (_sha(spec_file), _sha(data))
    code, _, err = run_cli(["fit", str(spec_file), str(data), "--out", str(tmp_path / "o")], capsys)
    assert_user_error(code, err, *BAD_DATA[case])
    assert (_sha(spec_file), _sha(data)) == before


BAD_FILES: dict[str, Callable[[Path], Path]] = {
    "no_such_file": lambda d: d / "nope.csv",
    "empty_file": lambda d: _write(d / "empty.csv", ""),
    "unsupported_extension": lambda d: _write(d / "survey.json", "{}"),
    "a_directory": lambda d: _mkdir(d / "folder.csv"),
}


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_unreadable_data_file_is_one_clear_error(
    case: str, tmp_path: Path, spec_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = BAD_FILES[case](tmp_path)
    code, _, err = run_cli(["fit", str(spec_file), str(data)], capsys)
    assert_user_error(code, err, data.name)


# --------------------------------------------------------------------------- bad options
BAD_OPTIONS: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "scheme": (["--scheme", "pathh"], ("scheme",)),
    "missing": (["--missing", "drop"], ("missing",)),
    "method": (["--method", "sem"], ("method",)),
    "seed_text": (["--seed", "abc"], ("seed",)),
    "seed_negative": (["--seed", "-1"], ("seed",)),
    "unknown_option": (["--frobnicate"], ("frobnicate",)),
    "decimal": (["--decimal", ";"], ("decimal",)),
    "bootstrap_text": (["--bootstrap", "many"], ("resamples",)),
    "bootstrap_one": (["--bootstrap", "1"], ("at least 40",)),
    "bootstrap_below_minimum": (["--bootstrap", "39"], ("at least 40",)),
    "bootstrap_fraction": (["--bootstrap", "50.5"], ("whole number",)),
    "ci": (["--ci", "normal"], ("ci",)),
    "conf_above_one": (["--conf", "95"], ("between 0 and 1",)),
    "jobs_zero": (["--jobs", "0"], ("jobs",)),
}


@pytest.mark.parametrize("case", sorted(BAD_OPTIONS))
def test_bad_option_is_one_clear_error(
    case: str, spec_file: Path, data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra, needles = BAD_OPTIONS[case]
    code, _, err = run_cli(["fit", str(spec_file), str(data_file), *extra], capsys)
    assert_user_error(code, err, *needles)


def test_missing_arguments_and_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["fit", "ecsi"], capsys)
    assert_user_error(code, err, "DATA")
    code, _, err = run_cli(["frobnicate"], capsys)
    assert_user_error(code, err, "frobnicate")
    code, _, err = run_cli([], capsys)
    assert_user_error(code, err)


def test_output_path_that_is_a_file_is_an_error(
    tmp_path: Path, spec_file: Path, data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "taken"
    target.write_text("not a folder")
    code, _, err = run_cli(["fit", str(spec_file), str(data_file), "--out", str(target)], capsys)
    assert_user_error(code, err, "taken")
    assert target.read_text() == "not a folder"


def test_bootstrap_is_reproducible_for_any_number_of_jobs(
    tmp_path: Path, spec_file: Path, data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}"
        args = ["fit", str(spec_file), str(data_file), "--out", str(out), "--quiet"]
        args += ["--bootstrap", "300", "--seed", "11", "--jobs", jobs, "--ci", "bca"]
        code, _, err = run_cli(args, capsys)
        assert code == 0, err
        outs.append(pd.read_csv(out / "paths.csv"))
    pd.testing.assert_frame_equal(outs[0], outs[1])
    run = json.loads((tmp_path / "jobs2" / "run.json").read_text())
    assert run["bootstrap"]["ci"] == "bca"
    assert run["seed"] == 11


def test_plsc_method_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plsc"
    code, stdout, _ = run_cli(
        ["fit", "ecsi_bank", "bank_satisfaction", "--method", "plsc", "--scheme", "centroid",
         "--out", str(out)],
        capsys,
    )  # fmt: skip
    assert code == 0
    assert "consistent PLS" in stdout
    diag = pd.read_csv(out / "diagnostics.csv")
    assert "standardized_path_above_one" in set(diag["code"])


def test_debug_shows_the_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["fit", str(tmp_path / "nope.yaml"), "ecsi_mobile", "--debug"], capsys)
    assert code == 2
    assert "Traceback" in err


def test_fit_writes_the_measurement_quality_tables(
    tmp_path: Path, spec_file: Path, data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, _, err = run_cli(["fit", str(spec_file), str(data_file), "--out", str(out)], capsys)
    assert code == 0, err
    rel = pd.read_csv(out / "reliability.csv")
    assert list(rel.columns) == ["construct", "alpha", "alpha_std", "rho_a", "rho_c", "ave"]
    assert rel[["alpha_std", "rho_a", "rho_c", "ave"]].notna().all().all()
    for name in ("htmt", "htmt2", "fornell_larcker"):
        square = pd.read_csv(out / f"{name}.csv", index_col=0)
        assert list(square.index) == list(square.columns) == ["Quality", "Satisfaction", "Loyalty"]
    cross = pd.read_csv(out / "cross_loadings.csv", index_col=0)
    assert cross.shape == (8, 3)
    assert (out / "items.csv").exists()


def test_quality_command_needs_no_structural_model(
    tmp_path: Path, spec_file: Path, data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "quality"
    before = _sha(data_file)
    code, stdout, _ = run_cli(
        ["quality", str(spec_file), str(data_file), "--out", str(out)], capsys
    )
    assert code == 0
    assert "Quality" in stdout
    rel = pd.read_csv(out / "reliability.csv")
    assert rel["alpha"].notna().all()
    assert rel["rho_c"].isna().all()  # needs loadings, i.e. a fit
    assert (out / "htmt.csv").exists()
    assert _sha(data_file) == before
    code, _, err = run_cli(["quality", str(spec_file), str(tmp_path / "nope.csv")], capsys)
    assert_user_error(code, err, "nope.csv")
