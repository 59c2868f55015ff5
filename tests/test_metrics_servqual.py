"""SERVQUAL gaps: hand-computed dimension and item gaps, paired t intervals checked against
scipy's ``ttest_rel``, weighted overall gaps, missing answers and the one-sentence errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sem_csat.errors import DataError, SpecError, UsageError
from sem_csat.metrics import ServqualDimension, servqual

DATA = pd.DataFrame(
    {
        # Reliability: two pairs; Empathy: one pair
        "E_rel1": [7, 6, 6, 5],
        "E_rel2": [6, 6, 7, 5],
        "P_rel1": [5, 6, 4, 5],
        "P_rel2": [4, 5, 6, 6],
        "E_emp1": [5, 6, 4, 7],
        "P_emp1": [6, 6, 5, 5],
        "w_rel": [60, 50, 70, 40],
        "w_emp": [40, 50, 30, 60],
    }
)
DIMS = {
    "Reliability": (["E_rel1", "E_rel2"], ["P_rel1", "P_rel2"]),
    "Empathy": {"expectation": ["E_emp1"], "perception": ["P_emp1"]},
}
# respondents' reliability gaps: ((5-7)+(4-6))/2 = -2, ((6-6)+(5-6))/2 = -0.5,
# ((4-6)+(6-7))/2 = -1.5, ((5-5)+(6-5))/2 = 0.5; empathy gaps: 1, 0, 1, -2
REL = np.array([-2.0, -0.5, -1.5, 0.5])
EMP = np.array([1.0, 0.0, 1.0, -2.0])


def by_dim(res) -> pd.DataFrame:
    return res.table.set_index("dimension")


def test_dimension_gaps_by_hand_and_paired_t_intervals() -> None:
    res = servqual(DATA, DIMS)
    t = by_dim(res)
    assert list(t.index) == ["Reliability", "Empathy", "overall"]
    assert t.loc["Reliability", "n"] == 4
    assert t.loc["Reliability", "expectation"] == pytest.approx(6.0)  # (6.5+6+6.5+5)/4
    assert t.loc["Reliability", "perception"] == pytest.approx(5.125)  # (4.5+5.5+5+5.5)/4
    assert t.loc["Reliability", "gap"] == pytest.approx(REL.mean())  # -0.875
    e = DATA[["E_rel1", "E_rel2"]].mean(axis=1)
    p = DATA[["P_rel1", "P_rel2"]].mean(axis=1)
    ci = stats.ttest_rel(p, e).confidence_interval(0.95)
    assert (t.loc["Reliability", "ci_lower"], t.loc["Reliability", "ci_upper"]) == pytest.approx(
        (ci.low, ci.high)
    )
    assert t.loc["Empathy", "gap"] == pytest.approx(0.0)
    overall = (REL + EMP) / 2
    assert t.loc["overall", "gap"] == pytest.approx(overall.mean())
    ci = stats.ttest_1samp(overall, 0.0).confidence_interval(0.95)
    assert (t.loc["overall", "ci_lower"], t.loc["overall", "ci_upper"]) == pytest.approx(
        (ci.low, ci.high)
    )


def test_item_gaps() -> None:
    items = servqual(DATA, DIMS).items
    first = items.iloc[0]
    assert (first["expectation_item"], first["perception_item"]) == ("E_rel1", "P_rel1")
    assert first["gap"] == pytest.approx(np.mean([5 - 7, 0, 4 - 6, 0]))
    ci = stats.ttest_rel(DATA["P_rel1"], DATA["E_rel1"]).confidence_interval(0.95)
    assert (first["ci_lower"], first["ci_upper"]) == pytest.approx((ci.low, ci.high))
    # the dimension gap is the mean of its item gaps
    rel = items[items["dimension"] == "Reliability"]["gap"].mean()
    assert rel == pytest.approx(REL.mean())


def test_weighted_overall_gap_with_fixed_and_respondent_weights() -> None:
    fixed = by_dim(servqual(DATA, DIMS, weights={"Reliability": 30, "Empathy": 10}))
    assert fixed.loc["weighted overall", "gap"] == pytest.approx((0.75 * REL + 0.25 * EMP).mean())
    # the weight columns hold points out of 100, not answers on the items' scale
    own = by_dim(
        servqual(DATA, DIMS, weights={"Reliability": "w_rel", "Empathy": "w_emp"}, scale=(1, 7))
    )
    w = DATA["w_rel"].to_numpy() / 100
    per_respondent = w * REL + (1 - w) * EMP
    assert own.loc["weighted overall", "gap"] == pytest.approx(per_respondent.mean())
    ci = stats.ttest_1samp(per_respondent, 0.0).confidence_interval(0.95)
    assert own.loc["weighted overall", "ci_lower"] == pytest.approx(ci.low)


def test_missing_answers_leave_the_respondent_out_of_that_dimension() -> None:
    df = DATA.copy()
    df.loc[1, "P_rel2"] = np.nan
    res = servqual(df, DIMS)
    t = by_dim(res)
    assert t.loc["Reliability", "n"] == 3
    assert t.loc["Empathy", "n"] == 4
    assert t.loc["Reliability", "gap"] == pytest.approx(REL[[0, 2, 3]].mean())
    assert t.loc["overall", "n"] == 3
    assert any(d.code == "servqual_missing_answers" for d in res.diagnostics)
    assert DATA.loc[1, "P_rel2"] == 5  # input unchanged


def test_display_and_repr() -> None:
    res = servqual(DATA, DIMS, weights={"Reliability": 1, "Empathy": 1})
    assert "SERVQUAL gap analysis" in str(res)
    assert "weighted overall" in str(res)
    assert "<details" in res._repr_html_()
    assert "\n" not in repr(res)
    assert repr(res).startswith("<ServqualResult: 2 dimensions")


# ------------------------------------------------------------------ bad input


def test_dimension_without_items_or_with_unequal_counts() -> None:
    with pytest.raises(SpecError, match="SERVQUAL dimension 'Empathy' has no items"):
        servqual(DATA, {"Empathy": ([], [])})
    with pytest.raises(SpecError, match=r"'Reliability' has 2 expectation item\(s\) but 1"):
        servqual(DATA, {"Reliability": (["E_rel1", "E_rel2"], ["P_rel1"])})
    with pytest.raises(SpecError, match="'E_rel1' is listed under 'Reliability' and 'Empathy'"):
        servqual(DATA, {"Reliability": (["E_rel1"], ["P_rel1"]), "Empathy": (["E_rel1"], ["x"])})
    with pytest.raises(SpecError, match="use 'expectation' and 'perception'"):
        servqual(DATA, {"Empathy": {"expected": ["E_emp1"], "perception": ["P_emp1"]}})
    with pytest.raises(SpecError):
        ServqualDimension("Tangibles", ("a",), ())


def test_bad_weights_and_answers_off_the_scale() -> None:
    with pytest.raises(UsageError, match=r"'Empaty'.*did you mean 'Empathy'"):
        servqual(DATA, DIMS, weights={"Reliability": 1, "Empaty": 1})
    with pytest.raises(UsageError, match="no weight for 'Empathy'"):
        servqual(DATA, DIMS, weights={"Reliability": 1})
    with pytest.raises(UsageError, match="must be a number >= 0"):
        servqual(DATA, DIMS, weights={"Reliability": -1, "Empathy": 1})
    with pytest.raises(DataError, match=r"'E_rel1'.*declared scale 1-5.*7 \(row 1\)"):
        servqual(DATA, DIMS, scale=(1, 5))
