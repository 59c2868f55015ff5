"""prepare_data: every check against the model, missing-data policies, and untouched inputs."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sem_csat.data import DataValidationError, PreparedData, RawData, prepare_data, read_data
from sem_csat.diagnostics import Diagnostic, emit
from sem_csat.errors import DataError, DataWarning, MissingDataWarning
from sem_csat.spec import ModelSpec
from sem_csat.spec.builders import formative, paths, reflective, single_item

ITEMS = ["q1", "q2", "q3", "s1", "s2"]
FLOAT = dict.fromkeys(ITEMS, float)


def make_spec(scale: tuple[float, float] | None = (1, 7), **sat: object) -> ModelSpec:
    return ModelSpec(
        "Mini",
        constructs=[
            reflective("Quality", ["q1", "q2", "q3"]),
            reflective("Sat", ["s1", "s2"], **sat),  # type: ignore[arg-type]
        ],
        paths=paths("Quality", "Sat"),
        scale=scale,
    )


def survey(n: int = 40, seed: int = 1, extra: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.integers(1, 8, size=(n, len(ITEMS))), columns=ITEMS)
    if extra:
        df["gender"] = rng.choice(["f", "m"], size=n)
    return df


def codes(data: PreparedData) -> list[str]:
    return [d.code for d in data.diagnostics]


def problem_codes(exc: pytest.ExceptionInfo[DataValidationError]) -> list[str]:
    return [p.code for p in exc.value.problems]


# ---------------------------------------------------------------------------- happy path
def test_frame_has_exactly_the_indicators_as_float(tmp_path: Path) -> None:
    df = survey()[["s2", "gender", "q3", "q1", "s1", "q2"]]
    p = tmp_path / "survey.csv"
    df.to_csv(p, index=False)
    raw = read_data(p)
    data = prepare_data(make_spec(), raw)
    assert data.frame.columns.tolist() == ITEMS
    assert (data.frame.dtypes == np.float64).all()
    assert (data.n_total, data.n_used) == (40, 40)
    assert data.used_rows.tolist() == list(range(40))
    assert data.source == "survey.csv"
    assert data.sha256 == raw.sha256
    assert data.missing == "listwise"
    assert data.n_imputed == dict.fromkeys(ITEMS, 0)
    np.testing.assert_array_equal(data.frame.to_numpy(), df[ITEMS].to_numpy(dtype=float))
    assert "extra_columns_ignored" in codes(data)
    assert "gender" in next(
        d.message for d in data.diagnostics if d.code == "extra_columns_ignored"
    )
    assert (
        repr(data) == "<PreparedData 'survey.csv': 40 of 40 rows, 5 indicators, missing='listwise'>"
    )


def test_accepts_a_path_and_a_dataframe(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    survey().to_csv(p, index=False)
    assert prepare_data(make_spec(), str(p)).n_used == 40
    assert prepare_data(make_spec(), survey()).source == "<DataFrame>"


def test_non_integer_values_on_a_likert_scale_are_fine() -> None:
    df = survey().astype({"q1": float})
    df["q1"] = np.clip(df["q1"] - 0.25, 1, 7)
    data = prepare_data(make_spec(), df)
    assert data.n_used == 40
    assert not [d for d in data.diagnostics if d.severity != "info"]


def test_prepare_data_records_but_never_emits_warnings() -> None:
    df = survey().astype(FLOAT)
    df.loc[3, "q2"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = prepare_data(make_spec(), df)
    with pytest.warns(MissingDataWarning, match="Listwise deletion"):
        emit(data.diagnostics)


# ---------------------------------------------------------------------------- columns
def test_missing_columns_are_reported_together_with_suggestions(tmp_path: Path) -> None:
    df = survey().rename(columns={"q1": "Q1", "s2": "sat_2"})
    p = tmp_path / "wave1.csv"
    df.to_csv(p, index=False)
    with pytest.raises(DataValidationError) as info:
        prepare_data(make_spec(), p)
    message = str(info.value)
    assert problem_codes(info) == ["missing_columns"]
    assert "'wave1.csv' has no column 'q1' (did you mean 'Q1'?), 's2'" in message
    assert "case-sensitive" in message
    assert "model 'Mini'" in message
    assert isinstance(info.value, DataError)
    assert isinstance(info.value, ValueError)


def test_duplicate_columns_are_an_error() -> None:
    frame = survey(extra=False)
    frame.columns = ["q1", "q2", "q3", "s1", "q1"]
    raw = RawData(frame, "dups.csv", None, "csv")
    with pytest.raises(
        DataValidationError, match=r"'dups\.csv' has several columns named 'q1'"
    ) as info:
        prepare_data(make_spec(), raw)
    assert set(problem_codes(info)) == {"duplicate_columns", "missing_columns"}


# ---------------------------------------------------------------------------- cells
def test_text_in_a_numeric_column_names_values_and_rows(tmp_path: Path) -> None:
    df = survey().astype({"s2": object})
    df.loc[16, "s2"] = "k.A."
    df.loc[19, "s2"] = "seven"
    df.loc[20, "s2"] = "7 "
    p = tmp_path / "answers.csv"
    df.to_csv(p, index=False)
    with pytest.raises(DataValidationError) as info:
        prepare_data(make_spec(), p)
    message = str(info.value)
    assert problem_codes(info) == ["text_values"]
    assert "In 'answers.csv', column 's2' contains 2 texts" in message
    assert "'k.A.' (row 17; spreadsheet row 18)" in message  # header = spreadsheet row 1
    assert "'seven' (row 20; spreadsheet row 21)" in message
    assert "na_values=['k.A.', 'seven']" in message
    assert "'7 '" not in message


def test_text_codes_can_be_declared() -> None:
    df = survey().astype({"s2": object})
    df.loc[16, "s2"] = "k.A."
    data = prepare_data(make_spec(), df, na_values=["k.A."])
    assert data.n_used == 39
    assert 16 not in data.used_rows
    applied = next(d for d in data.diagnostics if d.code == "na_values_applied")
    assert "s2 1" in applied.message


def test_numbers_stored_as_text_are_converted() -> None:
    df = survey().astype({"q1": object, "q2": object})
    df["q1"] = [f" {v} " for v in df["q1"]]
    df["q2"] = [f"{v},5" if v < 7 else f"{v}" for v in df["q2"]]
    data = prepare_data(make_spec(), df)
    assert data.frame["q1"].tolist() == survey()["q1"].astype(float).tolist()
    expected = [v + 0.5 if v < 7 else float(v) for v in survey()["q2"]]
    assert data.frame["q2"].tolist() == expected
    assert "text_as_numbers" in codes(data)


def test_decimal_commas_in_a_decimal_point_file_get_advice(tmp_path: Path) -> None:
    p = tmp_path / "dec.csv"
    rows = ["q1;q2;q3;s1;s2"] + [
        f"{i % 7 + 1};{i % 3 + 1};3,5;{i % 5 + 1};{i % 4 + 1}" for i in range(20)
    ]
    rows[1] = "1;2;4,5;3;4"
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert prepare_data(make_spec(), p).frame["q3"].tolist()[:2] == [4.5, 3.5]
    with pytest.raises(DataValidationError, match=r"decimal=','") as info:
        prepare_data(make_spec(), read_data(p, decimal="."))
    assert problem_codes(info) == ["text_values"]


def test_infinite_values() -> None:
    df = survey().astype(FLOAT)
    df.loc[7, "q2"] = np.inf
    df.loc[9, "q2"] = -np.inf
    with pytest.raises(
        DataValidationError, match=r"column 'q2' contains 2 infinite values.*row 8"
    ) as info:
        prepare_data(make_spec(), df)
    assert problem_codes(info) == ["infinite_values"]


def test_empty_indicator_column() -> None:
    df = survey().astype(FLOAT)
    df["s1"] = np.nan
    with pytest.raises(
        DataValidationError, match=r"column 's1' has no values in any of its 40 rows"
    ) as info:
        prepare_data(make_spec(), df)
    assert problem_codes(info) == ["empty_column"]
    df["s1"] = -99
    with pytest.raises(DataValidationError, match=r"once missing-value codes are removed"):
        prepare_data(make_spec(), df, na_values=[-99])


# ---------------------------------------------------------------------------- scale and codes
def test_out_of_scale_code_gets_na_values_advice(tmp_path: Path) -> None:
    df = survey()
    df.loc[[2, 7, 11], "s1"] = -99
    p = tmp_path / "codes.csv"
    df.to_csv(p, index=False)
    with pytest.raises(DataValidationError) as info:
        prepare_data(make_spec(), p)
    message = str(info.value)
    assert problem_codes(info) == ["out_of_scale"]
    assert "In 'codes.csv', column 's1' has 3 values outside the declared scale 1–7" in message
    assert "-99 (rows 3, 8, 12; spreadsheet rows 4, 9, 13)" in message
    assert "looks like a missing-value code" in message
    assert "na_values=[-99]" in message
    assert "--na-values -99" in message
    assert prepare_data(make_spec(), p, na_values=[-99]).n_used == 37


@pytest.mark.parametrize("code", [0, 99, 999, 9, -1, 70])
def test_values_that_look_like_codes(code: int) -> None:
    df = survey()
    df.loc[5, "q3"] = code
    with pytest.raises(DataValidationError, match=rf"na_values=\[{code}\]"):
        prepare_data(make_spec(), df)


def test_typo_outside_the_scale_is_not_called_a_code() -> None:
    df = survey().astype(FLOAT)
    df.loc[5, "q3"] = 8.5
    with pytest.raises(DataValidationError) as info:
        prepare_data(make_spec(), df)
    message = str(info.value)
    assert "8.5 (row 6)" in message
    assert "8.5 is not a possible answer" in message
    assert "na_values" not in message


def test_construct_scale_overrides_model_scale() -> None:
    df = survey()
    df["s1"] = df["s1"] + 3  # 4..10
    spec = ModelSpec(
        "Mini",
        constructs=[
            reflective("Quality", ["q1", "q2", "q3"]),
            reflective("Sat", ["s1", "s2"], scale=(1, 10)),
        ],
        paths=paths("Quality", "Sat"),
        scale=(1, 7),
    )
    assert prepare_data(spec, df).n_used == 40
    with pytest.raises(DataValidationError, match=r"scale 1–7"):
        prepare_data(make_spec(), df)


@pytest.mark.parametrize("code", [-99, -9, -999, 99, 999, 9999])
def test_codes_are_detected_without_a_declared_scale(code: int) -> None:
    df = survey()
    df.loc[[3, 30], "q1"] = code
    with pytest.raises(DataValidationError) as info:
        prepare_data(make_spec(scale=None), df)
    message = str(info.value)
    assert problem_codes(info) == ["missing_code_suspected"]
    assert f"column 'q1' contains {code} (rows 4, 31)" in message
    assert f"na_values=[{code}]" in message
    assert "declare the answer scale" in message


@pytest.mark.parametrize(
    "values",
    [
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],  # 1–10 scale: 9 is an answer
        [-3, -2, -1, 0, 1, 2, 3],  # bipolar scale: negatives are answers
        [0, 10, 20, 50, 90, 97, 99, 100],  # 0–100 slider: 97 and 99 are answers
        [1, 2, 3, 4, 5, 6, 7, 8, 9],  # 1–9 scale
    ],
)
def test_real_answers_are_not_taken_for_codes_without_a_scale(values: list[int]) -> None:
    rng = np.random.default_rng(3)
    df = pd.DataFrame({c: rng.permutation(np.resize(values, 30)) for c in ITEMS})
    assert prepare_data(make_spec(scale=None), df).n_used == 30


def test_all_problems_are_reported_at_once() -> None:
    df = survey().astype({"q2": object})
    df.loc[0, "q1"] = -99
    df.loc[1, "q2"] = "none"
    df.loc[2, "s1"] = 999
    df = df.drop(columns="s2")
    with pytest.raises(DataValidationError) as info:
        prepare_data(make_spec(), df)
    message = str(info.value)
    assert problem_codes(info) == ["missing_columns", "text_values", "out_of_scale", "out_of_scale"]
    assert "there are 4 problems:" in message
    assert "To declare every suggested missing-value code: na_values=[-99, 999]" in message
    assert all(p.severity == "error" for p in info.value.problems)


# ---------------------------------------------------------------------------- rows and missing data
def test_entirely_empty_rows_are_dropped_with_a_warning() -> None:
    df = survey().astype(FLOAT)
    df.loc[[4, 9], ITEMS] = np.nan
    for policy in ("listwise", "mean"):
        data = prepare_data(make_spec(), df, missing=policy)
        diag = next(d for d in data.diagnostics if d.code == "empty_rows_dropped")
        assert diag.severity == "warning"
        assert diag.category is MissingDataWarning
        assert "2 rows" in diag.message
        assert "rows 5, 10" in diag.message
        assert data.n_used == 38
        assert "missing_listwise" not in codes(data)
        assert "missing_mean_imputed" not in codes(data)


def test_listwise_deletion() -> None:
    df = survey().astype(FLOAT)
    df.loc[[1, 2], "q2"] = np.nan
    df.loc[5, "s1"] = np.nan
    data = prepare_data(make_spec(), df)
    assert data.n_used == 37
    assert data.used_rows.tolist() == [i for i in range(40) if i not in (1, 2, 5)]
    assert data.frame.index.tolist() == data.used_rows.tolist()
    assert not data.frame.isna().any().any()
    diag = next(d for d in data.diagnostics if d.code == "missing_listwise")
    assert diag.category is MissingDataWarning
    assert diag.severity == "warning"
    assert "37 of the 40 rows" in diag.message
    assert "rows 2, 3, 6" in diag.message
    assert "q2 5%" in diag.message
    assert "s1 2.5%" in diag.message


def test_mean_replacement() -> None:
    df = survey().astype(FLOAT)
    df.loc[[1, 2], "q2"] = np.nan
    mean = df["q2"].mean()
    data = prepare_data(make_spec(), df, missing="mean")
    assert data.n_used == 40
    assert data.missing == "mean"
    assert data.frame.loc[[1, 2], "q2"].tolist() == [mean, mean]
    assert data.n_imputed == {"q1": 0, "q2": 2, "q3": 0, "s1": 0, "s2": 0}
    diag = next(d for d in data.diagnostics if d.code == "missing_mean_imputed")
    assert "2 missing answers in 1 item" in diag.message
    assert "40 of the 40 rows" in diag.message
    assert diag.category is MissingDataWarning


def test_no_missing_data_means_no_missing_diagnostic() -> None:
    data = prepare_data(make_spec(), survey(), missing="mean")
    assert not [d for d in data.diagnostics if d.category is MissingDataWarning]


def test_unknown_missing_policy() -> None:
    with pytest.raises(DataError, match=r"missing='pairwise'.*'listwise', 'mean'"):
        prepare_data(make_spec(), survey(), missing="pairwise")  # type: ignore[arg-type]


def test_na_values_not_found_is_info() -> None:
    data = prepare_data(make_spec(), survey(), na_values=[-99])
    diag = next(d for d in data.diagnostics if d.code == "na_values_not_found")
    assert diag.severity == "info"


# ---------------------------------------------------------------------------- sample size
def test_too_few_rows() -> None:
    with pytest.raises(DataValidationError, match=r"Only 8 of the 8 rows.*at least 10") as info:
        prepare_data(make_spec(), survey(n=8))
    assert problem_codes(info) == ["too_few_rows"]


def test_too_few_rows_for_a_large_block() -> None:
    items = [f"p{i}" for i in range(1, 13)]
    spec = ModelSpec("Big", constructs=[reflective("Quality", items)], scale=(1, 7))
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.integers(1, 8, size=(13, 12)), columns=items)
    with pytest.raises(
        DataValidationError,
        match=r"at least 14 \(2 more than the 12 items of its largest block 'Quality'\)",
    ):
        prepare_data(spec, df)


def test_too_few_rows_after_listwise_deletion_suggests_mean() -> None:
    df = survey(n=12).astype(FLOAT)
    df.loc[[0, 1, 2], "q1"] = np.nan
    with pytest.raises(
        DataValidationError, match=r"Only 9 of the 12 rows.*after listwise.*missing='mean'"
    ):
        prepare_data(make_spec(), df)
    assert prepare_data(make_spec(), df, missing="mean").n_used == 12


def test_ten_times_rule_is_a_warning() -> None:
    spec = ModelSpec(
        "Wide",
        constructs=[
            reflective("A", ["q1"]),
            reflective("B", ["q2"]),
            reflective("C", ["q3"]),
            reflective("D", ["s1"]),
            reflective("Sat", ["s2"]),
        ],
        paths=paths(["A", "B", "C", "D"], "Sat"),
        scale=(1, 7),
    )
    data = prepare_data(spec, survey(n=30))
    diag = next(d for d in data.diagnostics if d.code == "ten_times_rule")
    assert diag.severity == "warning"
    assert issubclass(diag.category, DataWarning)
    assert "30 usable rows" in diag.message
    assert "40" in diag.message
    assert "'Sat'" in diag.message
    assert "ten_times_rule" not in codes(prepare_data(spec, survey(n=40)))


def test_ten_times_rule_counts_formative_items() -> None:
    spec = ModelSpec(
        "Formative",
        constructs=[formative("Quality", ["q1", "q2", "q3"]), single_item("Sat", "s1")],
        paths=paths("Quality", "Sat"),
        scale=(1, 7),
    )
    data = prepare_data(spec, survey(n=20))
    diag = next(d for d in data.diagnostics if d.code == "ten_times_rule")
    assert "3 formative items point at 'Quality'" in diag.message


def test_constant_item() -> None:
    df = survey()
    df["s2"] = 4
    with pytest.raises(
        DataValidationError, match=r"column 's2' has the same value 4 in all 40 rows used"
    ) as info:
        prepare_data(make_spec(), df)
    assert problem_codes(info) == ["constant_item"]


def test_item_constant_only_among_used_rows() -> None:
    df = survey().astype(FLOAT)
    df["s2"] = 4.0
    df.loc[0, "s2"] = 5.0
    df.loc[0, "q1"] = np.nan
    with pytest.raises(DataValidationError, match=r"'s2' has the same value 4 in all 39 rows"):
        prepare_data(make_spec(), df)


# ---------------------------------------------------------------------------- reverse coding
def test_reverse_coded_items_are_recoded() -> None:
    df = survey()
    data = prepare_data(make_spec(reverse=["s2"]), df)
    assert data.frame["s2"].tolist() == (8 - df["s2"]).astype(float).tolist()
    assert data.frame["s1"].tolist() == df["s1"].astype(float).tolist()
    note = next(d for d in data.diagnostics if d.code == "reverse_coded")
    assert "s2 (Sat, 8 − x)" in note.message


def test_reverse_coding_needs_a_scale() -> None:
    with pytest.raises(
        DataValidationError, match=r"'s2' as reverse-coded.*declare the scale"
    ) as info:
        prepare_data(make_spec(scale=None, reverse=["s2"]), survey())
    assert problem_codes(info) == ["reverse_without_scale"]


# ---------------------------------------------------------------------------- inputs unchanged
def test_user_dataframe_is_never_modified() -> None:
    df = survey().astype({"q2": object})
    df.loc[1, "q1"] = -99
    df.loc[2, "q2"] = "k.A."
    df.loc[3, "q3"] = -99
    before = df.copy()
    data = prepare_data(make_spec(reverse=["s2"]), df, missing="mean", na_values=[-99, "k.A."])
    data.frame.loc[:, "q1"] = 0.0
    pd.testing.assert_frame_equal(df, before)


def test_raw_data_is_never_modified() -> None:
    raw = read_data(survey().astype(FLOAT))
    before = raw.frame.copy()
    raw.frame.loc[1, "q1"] = np.nan
    before.loc[1, "q1"] = np.nan
    prepare_data(make_spec(reverse=["s1"]), raw, missing="mean", na_values=[7])
    pd.testing.assert_frame_equal(raw.frame, before)


def test_rows_of_a_dataframe_with_its_own_index() -> None:
    df = survey()
    df.index = [f"R{i + 1}" for i in range(40)]
    df.loc["R17", "q1"] = 99
    with pytest.raises(DataValidationError, match=r"99 \(row 17 \(index 'R17'\)\)"):
        prepare_data(make_spec(), df)
    df.loc["R17", "q1"] = np.nan
    data = prepare_data(make_spec(), df)
    assert "R17" not in data.frame.index
    assert 16 not in data.used_rows


def test_diagnostics_are_diagnostics() -> None:
    df = survey().astype(FLOAT)
    df.loc[1, "q1"] = np.nan
    data = prepare_data(make_spec(), df)
    assert all(isinstance(d, Diagnostic) for d in data.diagnostics)


# ---------------------------------------------------------------------------- property tests
@settings(max_examples=30, deadline=None)
@given(
    holes=arrays(np.bool_, (30, 5), elements=st.booleans()),
    seed=st.integers(0, 1000),
)
def test_missing_policies_keep_their_promises(holes: np.ndarray, seed: int) -> None:
    holes = holes & (np.arange(30)[:, None] % 3 == 0)  # at most 10 incomplete rows
    df = survey(n=30, seed=seed, extra=False).astype(float)
    df.loc[1, ITEMS] = 1.0  # rows 1 and 2 stay complete: no item is constant
    df.loc[2, ITEMS] = 7.0
    df = df.mask(holes)
    before = df.copy()
    complete = ~df.isna().any(axis=1)
    nonempty = ~df.isna().all(axis=1)
    listwise = prepare_data(make_spec(scale=None), df)
    assert listwise.n_used == int(complete.sum())
    assert not listwise.frame.isna().any().any()
    mean = prepare_data(make_spec(scale=None), df, missing="mean")
    assert mean.n_used == int(nonempty.sum())
    kept = df[nonempty]
    np.testing.assert_allclose(mean.frame.mean().to_numpy(), kept.mean().to_numpy())
    assert sum(mean.n_imputed.values()) == int(kept.isna().sum().sum())
    pd.testing.assert_frame_equal(df, before)


def test_usual_missing_markers_in_text_are_missing_not_text() -> None:
    df = survey().astype({"q3": object})
    df.loc[4, "q3"] = "n/a"
    df.loc[5, "q3"] = "NA"
    data = prepare_data(make_spec(), df)
    assert data.n_used == 38
    assert "missing_listwise" in codes(data)


def test_codes_already_applied_by_the_reader_are_not_reported_twice() -> None:
    df = survey()
    df.loc[3, "q1"] = -99
    raw = read_data(df, na_values=[-99])
    data = prepare_data(make_spec(), raw, na_values=[-99])
    assert data.na_values == (-99,)
    assert "na_values_not_found" not in codes(data)
    assert codes(data).count("na_values_applied") == 1
