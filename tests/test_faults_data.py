"""Fault battery, data: degenerate, mistyped and hostile data through the CLI and the API.

Each faulty data set is refused with one sentence that names the column (exit 2, no traceback,
the file unchanged), or, where the data are legitimate but unusual (identical items, z-scored
answers), fitted with a warning that says what was found and with the right numbers.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.errors import DataError, SemCsatError, SemCsatWarning
from tests._faults import (
    SMALL_SPEC,
    assert_user_error,
    ecsi,
    hashes,
    run_cli,
    run_subprocess,
)

Mutation = Callable[[pd.DataFrame], pd.DataFrame]


def _tiny_variance(f: pd.DataFrame) -> pd.DataFrame:
    noise = np.random.default_rng(1).normal(size=len(f)) * 1e-13
    return f.assign(PERQ3=5.0 + noise)


def _one_huge(f: pd.DataFrame) -> pd.DataFrame:
    f = f.astype(float)
    f.loc[3, "CUSA1"] = 1e300
    return f


def _text_cell(f: pd.DataFrame) -> pd.DataFrame:
    f = f.astype({"CUSA2": object})
    f.loc[16, "CUSA2"] = "seven"
    return f


def _negative_code(f: pd.DataFrame) -> pd.DataFrame:
    f = f.copy()
    f.loc[[1, 5], "PERQ2"] = -99
    return f


# case -> (mutation, words the message must contain)
REFUSED: dict[str, tuple[Mutation, tuple[str, ...]]] = {
    "variance_1e-26": (_tiny_variance, ("PERQ3", "constant")),
    "true_false_column": (lambda f: f.assign(PERQ3=f["PERQ3"] > 5), ("PERQ3", "TRUE/FALSE")),
    "one_value_1e300": (_one_huge, ("CUSA1", "1e+300", "spreadsheet row 5")),
    "column_times_1e300": (lambda f: f.assign(CUSA1=f["CUSA1"] * 1e300), ("CUSA1",)),
    "constant_column": (lambda f: f.assign(CUSA3=7), ("CUSA3", "same value")),
    "text_in_a_cell": (_text_cell, ("CUSA2", "seven")),
    "missing_value_code": (_negative_code, ("PERQ2", "-99", "na-values")),
    "scale_too_narrow": (lambda f: f.clip(lower=3) + 0, ("too narrow",)),
    "every_row_incomplete": (lambda f: f.assign(CUSL3=np.nan), ("CUSL3",)),
    "infinite_value": (lambda f: f.astype(float).assign(CUSA1=np.inf), ("CUSA1",)),
}


@pytest.fixture
def small_spec(tmp_path: Path) -> Path:
    p = tmp_path / "small.yaml"
    p.write_text(SMALL_SPEC, encoding="utf-8")
    return p


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_faulty_data_is_one_sentence_through_the_cli(
    case: str, tmp_path: Path, small_spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mutate, needles = REFUSED[case]
    data = tmp_path / "survey.csv"
    frame = mutate(ecsi())
    if case == "scale_too_narrow":
        small_spec.write_text(SMALL_SPEC.replace("[1, 10]", "[3, 8]"), encoding="utf-8")
    frame.to_csv(data, index=False)
    before = hashes([small_spec, data])
    out = tmp_path / "out"
    code, _, err = run_cli(["fit", str(small_spec), str(data), "--out", str(out)], capsys)
    assert_user_error(code, err, *needles)
    assert hashes([small_spec, data]) == before
    assert not out.exists()


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_faulty_data_is_one_sentence_through_the_api(case: str, small_spec: Path) -> None:
    mutate, needles = REFUSED[case]
    frame = mutate(ecsi())
    copy = frame.copy()
    if case == "scale_too_narrow":
        small_spec.write_text(SMALL_SPEC.replace("[1, 10]", "[3, 8]"), encoding="utf-8")
    spec = sem_csat.load_spec(small_spec)
    with pytest.raises(DataError) as info:
        sem_csat.fit(spec, frame)
    message = str(info.value)
    assert "Traceback" not in message
    for needle in needles:
        if needle not in ("spreadsheet row 5", "na-values"):
            assert needle in message, message
    pd.testing.assert_frame_equal(frame, copy)  # the caller's frame is not modified


# --------------------------------------------------------------------------- Python-only data
def _cell(value: object) -> Mutation:
    def mutate(f: pd.DataFrame) -> pd.DataFrame:
        f = f.astype({"CUSA1": object})
        f.at[3, "CUSA1"] = value
        return f

    return mutate


API_REFUSED: dict[str, tuple[Mutation, tuple[str, ...]]] = {
    "list_in_a_cell": (_cell([1, 2]), ("CUSA1", "list")),
    "dict_in_a_cell": (_cell({"a": 1}), ("CUSA1", "dict")),
    "complex_numbers": (lambda f: f.assign(CUSA1=f["CUSA1"] + 1j), ("CUSA1", "complex")),
    "dates": (lambda f: f.assign(CUSA1=pd.Timestamp("2020-01-01")), ("CUSA1", "dates")),
    "text_categories": (
        lambda f: f.assign(CUSA1=pd.Categorical(f["CUSA1"].map(lambda v: f"v{v}"))),
        ("CUSA1", "v10"),
    ),
    "no_rows": (lambda f: f.iloc[:0], ("0 rows",)),
}


@pytest.mark.parametrize("case", sorted(API_REFUSED))
def test_python_objects_in_the_frame_are_one_sentence(case: str) -> None:
    mutate, needles = API_REFUSED[case]
    frame = mutate(ecsi())
    with pytest.raises(DataError) as info:
        sem_csat.fit("ecsi", frame)
    for needle in needles:
        assert needle in str(info.value), str(info.value)


def test_not_a_frame_is_one_sentence() -> None:
    with pytest.raises(DataError, match="DataFrame"):
        sem_csat.fit("ecsi", [[1, 2], [3, 4]])  # type: ignore[arg-type]
    with pytest.raises(SemCsatError, match="data"):
        sem_csat.fit("ecsi", None)


def test_nullable_and_numeric_categorical_columns_give_the_plain_numbers() -> None:
    frame = ecsi()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SemCsatWarning)
        plain = sem_csat.fit("ecsi", frame).paths["estimate"].to_numpy()
        other = frame.assign(
            CUSA1=frame["CUSA1"].astype("Int64"), CUSA2=pd.Categorical(frame["CUSA2"])
        )
        again = sem_csat.fit("ecsi", other).paths["estimate"].to_numpy()
    np.testing.assert_allclose(again, plain, rtol=1e-12)


# --------------------------------------------------------------------------- legitimate oddities
def _identical(f: pd.DataFrame) -> pd.DataFrame:
    return f.assign(PERQ2=f["PERQ1"])


def _reversed(f: pd.DataFrame) -> pd.DataFrame:
    return f.assign(PERQ3=11 - f["PERQ1"])


def _mean_of_two(f: pd.DataFrame) -> pd.DataFrame:
    return f.assign(PERQ3=(f["PERQ1"] + f["PERQ2"]) / 2)


WARNED: dict[str, tuple[Mutation, str]] = {
    "identical_items": (_identical, "identical_items"),
    "reversed_items": (_reversed, "identical_items"),
    "collinear_items": (_mean_of_two, "collinear_items"),
}


@pytest.mark.parametrize("case", sorted(WARNED))
def test_identical_or_collinear_items_are_fitted_with_a_warning(
    case: str, small_spec: Path
) -> None:
    mutate, code_name = WARNED[case]
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        result = sem_csat.fit(sem_csat.load_spec(small_spec), mutate(ecsi()))
        findings = result.findings()
        items = result.quality.items
    assert code_name in {d.code for d in findings}
    assert np.isfinite(result.paths["estimate"]).all()
    # the collinear items' VIF is infinite (1 / (1 - R^2) with R^2 = 1; or as large as
    # rounding leaves it), the others finite
    vif = items.set_index("indicator")["vif"]
    other = "PERQ2" if case == "identical_items" else "PERQ3"
    assert vif["PERQ1"] > 1e10
    assert vif[other] > 1e10
    assert np.isfinite(vif[["CUSA1", "CUSA2", "CUSA3"]]).all()


def test_identical_items_through_the_cli_are_written_with_their_warning(
    tmp_path: Path, small_spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "survey.csv"
    _identical(ecsi()).to_csv(data, index=False)
    out = tmp_path / "out"
    code, _, err = run_cli(["fit", str(small_spec), str(data), "--out", str(out)], capsys)
    assert code == 0, err
    assert "Traceback" not in err
    assert "internal error" not in err
    assert "identical" in err
    diagnostics = pd.read_csv(out / "diagnostics.csv")
    assert "identical_items" in set(diagnostics["code"])
    assert np.isfinite(pd.read_csv(out / "paths.csv")["estimate"]).all()


def test_identical_items_under_cbsem_are_one_sentence(
    tmp_path: Path, small_spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "survey.csv"
    _identical(ecsi()).to_csv(data, index=False)
    code, _, err = run_cli(
        ["fit", str(small_spec), str(data), "--method", "ml", "--out", str(tmp_path / "o")],
        capsys,
    )
    assert_user_error(code, err, "positive definite")


def test_z_scored_data_without_a_scale_are_not_missing_value_codes(tmp_path: Path) -> None:
    spec_file = tmp_path / "noscale.yaml"
    spec_file.write_text(SMALL_SPEC.replace("scale: [1, 10]\n", ""), encoding="utf-8")
    spec = sem_csat.load_spec(spec_file)
    raw = ecsi()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plain = sem_csat.fit(spec, raw)
        z = sem_csat.fit(spec, (raw - raw.mean()) / raw.std())
        messages = [d.message for d in z.findings()] + [str(w.message) for w in caught]
    assert not any("missing-value" in m or "na_values" in m for m in messages), messages
    # PLS standardizes the items: z-scoring them first leaves every estimate unchanged.
    np.testing.assert_allclose(z.paths["estimate"], plain.paths["estimate"], atol=1e-10)


def test_missing_value_codes_as_a_comma_list(
    tmp_path: Path, small_spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = ecsi()
    frame.loc[[1, 5], "PERQ2"] = -99
    frame.loc[[7], "CUSA1"] = -98
    data = tmp_path / "survey.csv"
    frame.to_csv(data, index=False)
    code, out, err = run_cli(
        ["validate", str(small_spec), str(data), "--na-values=-99,-98"], capsys
    )
    assert code == 0, err
    assert "247 of 250" in out
    # the Python API reads the same comma list the same way
    raw = sem_csat.read_data(data, na_values="-99,-98")
    listed = sem_csat.read_data(data, na_values=[-99, -98])
    pd.testing.assert_frame_equal(raw.frame, listed.frame)
    assert int(raw.frame.isna().sum().sum()) == 3


def test_per_column_missing_value_codes_are_refused() -> None:
    with pytest.raises(DataError, match="per column"):
        sem_csat.read_data(ecsi(), na_values={"CUSA1": -99})  # type: ignore[arg-type]


# --------------------------------------------------------------------------- hostile files
def _xlsx(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "survey.xlsx"
    frame.to_excel(path, index=False)
    return path


def _inject(path: Path, member: str, prologue: str, body_from: str, body_to: str) -> None:
    """Rewrite one XML member of an .xlsx with a DOCTYPE ``prologue``."""
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    text = members[member].decode("utf-8")
    head, rest = text.split("?>", 1) if text.startswith("<?xml") else ("", text)
    text = (head + "?>" if head else "") + prologue + rest.replace(body_from, body_to, 1)
    members[member] = text.encode("utf-8")
    with zipfile.ZipFile(path, "w") as z:
        for n, b in members.items():
            z.writestr(n, b)


BOMB = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>'
)
EXTERNAL = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _bad_file(tmp_path: Path, case: str) -> Path:
    frame = ecsi().head(60)
    if case.startswith("xlsx_") and case != "xlsx_not_a_zip":
        path = _xlsx(tmp_path, frame)
        member, prologue, body_from, body_to = {
            "xlsx_entity_bomb": ("xl/worksheets/sheet1.xml", BOMB, "<v>", "<v>&lol2;"),
            "xlsx_external_entity": ("xl/worksheets/sheet1.xml", EXTERNAL, "<v>", "<v>&xxe;"),
            "xlsx_bomb_in_workbook": ("xl/workbook.xml", BOMB, "<sheets>", "<sheets>"),
        }[case]
        _inject(path, member, prologue, body_from, body_to)
        return path.rename(tmp_path / f"{case}.xlsx")
    if case == "xlsx_not_a_zip":
        path = tmp_path / "garbage.xlsx"
        path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
        return path
    if case == "binary_csv":
        path = tmp_path / "binary.csv"
        path.write_bytes(bytes(range(256)) * 8)
        return path
    if case == "nul_bytes":
        path = tmp_path / "nul.csv"
        text = ecsi().head(30).to_csv(index=False).encode()
        path.write_bytes(text.replace(b",", b"\x00,", 5))
        return path
    raise AssertionError(case)


BAD_FILE_CASES = (
    "xlsx_entity_bomb",
    "xlsx_external_entity",
    "xlsx_bomb_in_workbook",
    "xlsx_not_a_zip",
    "binary_csv",
    "nul_bytes",
)


@pytest.mark.parametrize("case", BAD_FILE_CASES)
def test_hostile_data_files_are_one_sentence(
    case: str, tmp_path: Path, small_spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _bad_file(tmp_path, case)
    before = hashes([data])
    code, _, err = run_cli(
        ["fit", str(small_spec), str(data), "--out", str(tmp_path / "o")], capsys
    )
    assert_user_error(code, err, data.name)
    assert "root:" not in err  # an external entity is never resolved
    assert hashes([data]) == before
    assert not (tmp_path / "o").exists()


def test_data_faults_through_a_separate_process(tmp_path: Path) -> None:
    """The installed entry point: one line, exit 2, for a few data faults in a row."""
    spec = tmp_path / "small.yaml"
    spec.write_text(SMALL_SPEC, encoding="utf-8")
    for case in ("variance_1e-26", "true_false_column", "one_value_1e300"):
        data = tmp_path / f"{case}.csv"
        REFUSED[case][0](ecsi()).to_csv(data, index=False)
        done = run_subprocess(["fit", str(spec), str(data), "--quiet"], tmp_path)
        assert_user_error(done.returncode, done.stderr, *REFUSED[case][1])
    bomb = _bad_file(tmp_path, "xlsx_entity_bomb")
    done = run_subprocess(["fit", str(spec), str(bomb), "--quiet"], tmp_path)
    assert_user_error(done.returncode, done.stderr, "xlsx_entity_bomb.xlsx")
