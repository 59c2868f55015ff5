"""The group column: one clear sentence for every bad input, and the data of every group.

The checks named in issue 14 (column missing, constant, a group below 10 cases, missing values,
more than 20 levels, an item constant in a group) each get a test that reads the sentence; the
good paths check sizes, level order, wave wording, and that the input is never modified.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.errors import ConvergenceError, DataError, MissingDataWarning, UsageError
from sem_csat.groups import GroupedData, fit_groups, split
from sem_csat.spec import ModelSpec


@pytest.fixture(scope="module")
def spec() -> ModelSpec:
    return sem_csat.load_spec("ecsi_bank")


@pytest.fixture(scope="module")
def bank() -> pd.DataFrame:
    return sem_csat.datasets.load("bank_satisfaction")


def test_bank_by_gender_has_the_documented_groups(spec: ModelSpec, bank: pd.DataFrame) -> None:
    data = split(spec, bank, "gender")
    assert data.levels == ("female", "male")
    assert data.sizes == {"female": 148, "male": 102}
    assert data.pairs == (("female", "male"),)
    assert data.noun == "group"
    female = data.groups["female"].frame
    expected = bank.loc[bank["gender"] == "female", list(spec.indicator_names)]
    np.testing.assert_array_equal(female.to_numpy(), expected.to_numpy(dtype=float))
    assert list(data.pooled.frame.columns) == list(spec.indicator_names)
    # the group column is the grouping, not an ignored extra column
    assert not any("gender" in d.message for d in data.diagnostics)


def test_the_input_is_not_modified(spec: ModelSpec, bank: pd.DataFrame) -> None:
    before = bank.copy()
    split(spec, bank, "gender", missing="mean")
    pd.testing.assert_frame_equal(bank, before)


def test_a_missing_column_suggests_the_closest(spec: ModelSpec, bank: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"has no column 'gendr' \(did you mean 'gender'\?\)"):
        split(spec, bank, "gendr")


def test_an_item_is_not_a_group_column(spec: ModelSpec, bank: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="'sat1' is an item of construct 'SAT'"):
        split(spec, bank, "sat1")


def test_missing_group_values_are_counted_with_advice(spec: ModelSpec, bank: pd.DataFrame) -> None:
    data = bank.copy()
    data.loc[[4, 16, 39], "gender"] = np.nan
    data.loc[7, "gender"] = "  "
    with pytest.raises(DataError) as info:
        split(spec, data, "gender")
    message = str(info.value)
    assert "Column 'gender' has 4 missing values" in message
    assert "rows 5, 8, 17, 40" in message
    assert "dropna(subset=['gender'])" in message
    assert "fillna('unknown')" in message


def test_a_constant_column_has_nothing_to_compare(spec: ModelSpec, bank: pd.DataFrame) -> None:
    data = bank.assign(country="ES")
    with pytest.raises(DataError, match="same value 'ES' in all 250 rows"):
        split(spec, data, "country")


def test_more_than_twenty_levels_look_like_an_id(spec: ModelSpec, bank: pd.DataFrame) -> None:
    data = bank.assign(respondent=np.arange(len(bank)))
    with pytest.raises(DataError, match=r"has 250 different values.*at most 20 groups"):
        split(spec, data, "respondent")
    # twenty groups are allowed (with enough respondents each)
    twenty = bank.assign(segment=np.repeat(np.arange(20), 13)[: len(bank)])
    with pytest.raises(DataError, match="has only 3 respondents"):  # the last group is small
        split(spec, twenty, "segment")


def test_a_small_group_is_named_with_every_size(spec: ModelSpec, bank: pd.DataFrame) -> None:
    data = bank.copy()
    data.loc[:3, "gender"] = "diverse"
    with pytest.raises(DataError) as info:
        split(spec, data, "gender")
    message = str(info.value)
    assert "Group 'diverse' of column 'gender' has only 4 respondents" in message
    assert "diverse 4, female 146, male 100" in message
    assert "levels=[...]" in message
    # leaving the small group out works, and says so
    kept = split(spec, data, "gender", levels=["female", "male"])
    assert kept.sizes == {"female": 146, "male": 100}
    assert "groups_left_out" in {d.code for d in kept.diagnostics}


def test_the_floor_follows_the_largest_block(bank: pd.DataFrame) -> None:
    spec = sem_csat.load_spec("ecsi_bank")
    data = bank.copy()
    data.loc[:5, "gender"] = "x"  # 6 respondents: at least 7 needed for a 5-item block
    with pytest.raises(DataError, match=r"at least 10 \(|needs at least 10"):
        split(spec, data, "gender")
    with pytest.raises(DataError, match=r"at least 7 \(2 more than the 5 items"):
        split(spec, data, "gender", min_size=3)


def test_an_item_constant_in_one_group_names_both(spec: ModelSpec, bank: pd.DataFrame) -> None:
    data = bank.copy()
    data.loc[data["gender"] == "male", "loy3"] = 10
    with pytest.raises(DataError) as info:
        split(spec, data, "gender")
    message = str(info.value)
    assert "In group 'male' of column 'gender', item 'loy3'" in message
    assert "same answer 10 from all 102 respondents" in message


def test_waves_are_named_and_compared_later_minus_earlier(
    spec: ModelSpec, bank: pd.DataFrame
) -> None:
    data = bank.assign(wave=np.where(np.arange(len(bank)) % 2 == 0, 2023, 2024))
    waves = split(spec, data, "wave")
    assert waves.waves
    assert waves.noun == "wave"
    assert waves.levels == ("2023", "2024")
    assert waves.pairs == (("2024", "2023"),)  # the difference is the change since 2023
    other = split(spec, bank.assign(year=data["wave"]), "year", waves=True)
    assert other.noun == "wave"
    with pytest.raises(DataError, match="Wave '2024' of column 'wave' has only 2 respondents"):
        split(spec, data.assign(wave=[2024] * 2 + [2023] * (len(bank) - 2)), "wave")


def test_level_order_numbers_categories_and_selection(spec: ModelSpec, bank: pd.DataFrame) -> None:
    codes = np.tile([10.0, 2.0, 1.0], len(bank) // 3 + 1)[: len(bank)]
    numeric = split(spec, bank.assign(code=codes), "code")
    assert numeric.levels == ("1", "2", "10")  # numeric order, integers without ".0"
    assert len(numeric.pairs) == 3
    cat = pd.Categorical(bank["gender"], categories=["male", "female"], ordered=True)
    assert split(spec, bank.assign(gender=cat), "gender").levels == ("male", "female")
    chosen = split(spec, bank, "gender", levels=["male", "female"])
    assert chosen.levels == ("male", "female")
    with pytest.raises(UsageError, match=r"no group 'mal' \(did you mean 'male'\?\)"):
        split(spec, bank, "gender", levels=["mal", "female"])
    with pytest.raises(UsageError, match="at least two different"):
        split(spec, bank, "gender", levels=["male"])


def test_mean_replacement_uses_the_group_mean(spec: ModelSpec, bank: pd.DataFrame) -> None:
    data = bank.copy()
    women = np.flatnonzero(data["gender"] == "female")
    men = np.flatnonzero(data["gender"] == "male")
    data.loc[women[0], "sat1"] = np.nan
    data.loc[men[0], "sat1"] = np.nan
    grouped = split(spec, data, "gender", missing="mean")
    assert grouped.sizes == {"female": 148, "male": 102}
    note = next(d for d in grouped.diagnostics if d.code == "missing_mean_by_group")
    assert "female 1, male 1" in note.message
    filled = grouped.pooled.frame["sat1"]
    female_mean = data.loc[data["gender"] == "female", "sat1"].mean()
    male_mean = data.loc[data["gender"] == "male", "sat1"].mean()
    assert filled.iloc[women[0]] == pytest.approx(female_mean, abs=1e-12)
    assert filled.iloc[men[0]] == pytest.approx(male_mean, abs=1e-12)
    assert grouped.groups["female"].n_imputed["sat1"] == 1
    listwise = split(spec, data, "gender")
    assert listwise.sizes == {"female": 147, "male": 101}
    with pytest.warns(MissingDataWarning, match="within groups"):
        fit_groups(spec, data, "gender", missing="mean")


def test_bad_options_are_usage_errors(spec: ModelSpec, bank: pd.DataFrame) -> None:
    with pytest.raises(UsageError, match="missing must be 'listwise' or 'mean'"):
        split(spec, bank, "gender", missing="fiml")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="group must be the name of a column"):
        split(spec, bank, 3)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="prepared data hold only the model's items"):
        split(spec, sem_csat.prepare_data(spec, bank), "gender")


def test_a_bundled_data_set_name_works(spec: ModelSpec) -> None:
    data = split(spec, "bank_satisfaction", "gender")
    assert isinstance(data, GroupedData)
    assert "female (148)" in repr(data)


def test_a_failing_group_fit_names_the_group(bank: pd.DataFrame) -> None:
    spec = sem_csat.load_spec("ecsi_bank")
    fits = fit_groups(spec, bank, "gender", max_iter=300)
    assert set(fits.results) == {"female", "male"}
    with pytest.raises(ConvergenceError, match=r"^In group 'female' of column"):
        fit_groups(spec, bank, "gender", max_iter=1)
