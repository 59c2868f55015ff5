"""NPS, CSAT and CES: hand-computed values, other programs' intervals and tests, coverage of the
NPS interval by simulation, and the one-sentence errors.

Hand values are worked out in the comments; Wilson intervals are checked against statsmodels'
``proportion_confint(method="wilson")``, Welch tests and t intervals against scipy.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sem_csat.errors import DataError, UsageError
from sem_csat.metrics import TABLE_COLUMNS, ces, csat, nps, survey_metrics

Z95 = 1.959963984540054


def row(res, metric: str = "NPS", group: str = "all") -> pd.Series:
    t = res.table
    return t[(t["metric"] == metric) & (t["group"] == group)].iloc[0]


# ------------------------------------------------------------------ NPS


def test_nps_by_hand() -> None:
    # promoters 10, 9, 9, 10 (4); passives 8, 7 (2); detractors 6, 5, 0, 3 (4) of 10
    df = pd.DataFrame({"rec": [10, 9, 9, 8, 7, 6, 5, 0, 10, 3]})
    r = row(nps(df, "rec"))
    assert r["n"] == 10
    assert r["score"] == pytest.approx(0.0, abs=1e-12)
    # sqrt((0.4 + 0.4 - 0^2) / 10) = sqrt(0.08) = 0.2828427
    assert r["std_error"] == pytest.approx(28.28427125, abs=1e-6)
    assert r["ci_lower"] == pytest.approx(-Z95 * 28.28427125, abs=1e-6)
    assert r["ci_upper"] == pytest.approx(55.43615, abs=1e-4)


def test_nps_groups_and_difference_by_hand() -> None:
    # wave 2024: 10, 10, 9, 6 -> pP .75, pD .25, NPS 50, se 100 sqrt((1 - .25)/4) = 43.30127
    # wave 2025: 7, 8, 2, 10, 9, 9 -> pP .5, pD 1/6, NPS 33.333,
    #   se 100 sqrt((2/3 - 1/9)/6) = 30.42903
    df = pd.DataFrame(
        {
            "rec": [10, 10, 9, 6, 7, 8, 2, 10, 9, 9],
            "wave": ["2024"] * 4 + ["2025"] * 6,
        }
    )
    res = nps(df, "rec", group="wave")
    assert list(res.table.columns) == list(TABLE_COLUMNS)
    assert list(res.table["group"]) == ["all", "2024", "2025"]
    assert row(res, group="2024")["score"] == pytest.approx(50.0)
    assert row(res, group="2024")["std_error"] == pytest.approx(43.30127019, abs=1e-6)
    assert row(res, group="2025")["score"] == pytest.approx(100 / 3)
    assert row(res, group="2025")["std_error"] == pytest.approx(30.42903097, abs=1e-6)
    # 2024 upper bound clipped: 50 + 1.96 * 43.3 = 134.9 -> 100
    assert row(res, group="2024")["ci_upper"] == 100.0
    d = res.difference("NPS", "2025", "2024")
    # -16.667 with se sqrt(1875 + 925.926) = 52.92380, z = -0.314918, p = 0.752818
    assert d["difference"] == pytest.approx(-50 / 3)
    assert d["std_error"] == pytest.approx(52.9238, abs=1e-4)
    assert d["statistic"] == pytest.approx(-0.3149179, abs=1e-6)
    assert d["p_value"] == pytest.approx(2 * stats.norm.sf(0.3149179), abs=1e-6)
    assert d["ci_lower"] == pytest.approx(-50 / 3 - Z95 * 52.9238, abs=1e-3)
    flipped = res.difference("NPS", "2024", "2025")
    assert flipped["difference"] == pytest.approx(50 / 3)
    assert flipped["ci_lower"] == pytest.approx(-d["ci_upper"])


def test_missing_answers_are_left_out_and_counted() -> None:
    df = pd.DataFrame({"rec": [10, np.nan, 9, 0, None], "sat": [5, 4, np.nan, 1, 2]})
    res = survey_metrics(df, nps="rec", csat="sat", csat_scale=(1, 5))
    assert row(res, "NPS")["n"] == 3
    assert row(res, "CSAT")["n"] == 4
    details = res.details.set_index("metric")
    assert details.loc["NPS", "n_missing"] == 2
    assert any(d.code == "metric_missing_answers" and "'rec'" in d.message for d in res.diagnostics)
    assert df["rec"].isna().sum() == 2  # the input is not changed


def test_na_values_codes_become_missing() -> None:
    df = pd.DataFrame({"rec": [10, -99, 9, 0]})
    assert row(nps(df, "rec", na_values=[-99]))["n"] == 3


def test_nps_interval_covers_the_true_score_at_its_level() -> None:
    """Coverage of the 95% interval in 2000 simulated surveys of 150 respondents each.

    Population: 45% promoters, 20% detractors (NPS 25).  The exact coverage of the Wald
    interval at n = 150, by enumerating every multinomial outcome, is 0.9465; the simulated
    coverage must agree with it within three binomial standard errors, and the exact coverage
    lies within 0.01 of the nominal 0.95.
    """
    n, reps, p_pro, p_det = 150, 2000, 0.45, 0.20
    rng = np.random.default_rng(20240516)
    category = rng.choice(3, size=(reps, n), p=[p_pro, 1 - p_pro - p_det, p_det])
    answers = np.array([10.0, 8.0, 3.0])[category]
    df = pd.DataFrame({"rec": answers.reshape(-1), "survey": np.repeat(np.arange(reps), n)})
    table = nps(df, "rec", group="survey", total=False, compare="none").table
    assert len(table) == reps
    covered = ((table["ci_lower"] <= 25.0) & (table["ci_upper"] >= 25.0)).mean()

    # exact coverage: enumerate (promoters, detractors) counts
    k_pro, k_det = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    ok = k_pro + k_det <= n
    a, b = k_pro[ok], k_det[ok]
    log_p = (
        math.lgamma(n + 1)
        - np.array([math.lgamma(x + 1) for x in a])
        - np.array([math.lgamma(x + 1) for x in b])
        - np.array([math.lgamma(n - x - y + 1) for x, y in zip(a, b, strict=True)])
        + a * math.log(p_pro)
        + b * math.log(p_det)
        + (n - a - b) * math.log(1 - p_pro - p_det)
    )
    pp, pd_ = a / n, b / n
    score = 100 * (pp - pd_)
    se = 100 * np.sqrt((pp + pd_ - (pp - pd_) ** 2) / n)
    hit = (score - Z95 * se <= 25.0) & (score + Z95 * se >= 25.0)
    exact = float(np.exp(log_p)[hit].sum())
    assert abs(exact - 0.95) < 0.01
    tolerance = 3 * math.sqrt(exact * (1 - exact) / reps)
    assert abs(covered - exact) < tolerance


# ------------------------------------------------------------------ CSAT


def test_csat_top_two_box_wald_and_wilson() -> None:
    sat = [5, 4, 4, 5, 3, 5, 2, 4, 4, 5]  # 8 of 10 answers are 4 or 5
    r = row(csat(pd.DataFrame({"sat": sat}), "sat", scale=(1, 5)), "CSAT")
    assert r["score"] == pytest.approx(80.0)
    assert r["std_error"] == pytest.approx(100 * math.sqrt(0.8 * 0.2 / 10))
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    low, high = proportion.proportion_confint(8, 10, alpha=0.05, method="wilson")
    assert r["ci_lower"] == pytest.approx(100 * low, abs=1e-9)
    assert r["ci_upper"] == pytest.approx(100 * high, abs=1e-9)


def test_csat_top_box_on_a_ten_point_scale_and_wilson_at_the_edges() -> None:
    # top 3 of 1-10: 8, 9, 10
    r = row(csat(pd.DataFrame({"s": [10, 9, 8, 7, 1]}), "s", scale=(1, 10), top=3), "CSAT")
    assert r["score"] == pytest.approx(60.0)
    every = row(csat(pd.DataFrame({"s": [5, 5, 4, 5]}), "s", scale=(1, 5)), "CSAT")
    assert every["score"] == 100.0
    assert every["std_error"] == 0.0
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    low, _high = proportion.proportion_confint(4, 4, alpha=0.05, method="wilson")
    assert every["ci_lower"] == pytest.approx(100 * low)
    assert every["ci_upper"] == 100.0


def test_csat_difference_is_a_z_test_of_two_proportions() -> None:
    df = pd.DataFrame({"s": [5, 5, 4, 1, 2, 5, 1, 1, 2, 4], "g": ["a"] * 4 + ["b"] * 6})
    d = csat(df, "s", scale=(1, 5), group="g").difference("CSAT", "b", "a")
    p_a, p_b = 3 / 4, 2 / 6
    se = math.sqrt(p_a * (1 - p_a) / 4 + p_b * (1 - p_b) / 6)
    assert d["difference"] == pytest.approx(100 * (p_b - p_a))
    assert d["std_error"] == pytest.approx(100 * se)
    assert d["p_value"] == pytest.approx(2 * stats.norm.sf(abs(p_b - p_a) / se))


# ------------------------------------------------------------------ CES


def test_ces_mean_and_t_interval() -> None:
    x = np.array([2, 3, 5, 4, 1.0])
    r = row(ces(pd.DataFrame({"e": x}), "e", scale=(1, 7)), "CES")
    assert r["score"] == 3.0
    assert r["std_error"] == pytest.approx(math.sqrt(2.5 / 5))
    low, high = stats.t.interval(0.95, 4, loc=3.0, scale=math.sqrt(0.5))
    assert (r["ci_lower"], r["ci_upper"]) == pytest.approx((low, high))


def test_ces_difference_is_welchs_test() -> None:
    a, b = [1.0, 2.0, 3.0], [4.0, 6.0, 8.0, 10.0]
    df = pd.DataFrame({"e": a + b, "g": ["a"] * 3 + ["b"] * 4})
    d = ces(df, "e", group="g").difference("CES", "b", "a")
    welch = stats.ttest_ind(b, a, equal_var=False)
    assert d["difference"] == pytest.approx(5.0)
    assert d["statistic"] == pytest.approx(welch.statistic)
    assert d["p_value"] == pytest.approx(welch.pvalue)
    assert d["df"] == pytest.approx(welch.df)
    ci = welch.confidence_interval(0.95)
    assert (d["ci_lower"], d["ci_upper"]) == pytest.approx((ci.low, ci.high))


def test_consecutive_comparisons_for_waves() -> None:
    df = pd.DataFrame({"rec": [10, 9, 3, 7, 8, 10], "w": [1, 1, 2, 2, 3, 3]})
    every = nps(df, "rec", group="w").differences
    waves = nps(df, "rec", group="w", compare="consecutive").differences
    assert len(every) == 3
    assert list(zip(waves["group"], waves["reference"], strict=True)) == [("2", "1"), ("3", "2")]


def test_display_text_html_and_one_line_repr() -> None:
    df = pd.DataFrame({"rec": [10, 9, 3, 7], "g": ["x", "x", "y", "y"]})
    res = nps(df, "rec", group="g")
    assert "Survey metrics" in str(res)
    assert "Differences between groups" in str(res)
    html = res._repr_html_()
    assert html.startswith('<div class="sem-csat-summary">')
    assert "\n" not in repr(res)
    assert repr(res).startswith("<SurveyMetrics NPS")


# ------------------------------------------------------------------ bad input


def test_nps_answers_outside_0_to_10_name_the_column_values_and_rows() -> None:
    df = pd.DataFrame({"rec": [10, 11, 3, 12, 11]})
    with pytest.raises(DataError) as err:
        nps(df, "rec")
    msg = str(err.value)
    assert msg.count(".") >= 1
    assert "\n" not in msg
    assert "'rec'" in msg
    assert "3 answer(s)" in msg
    assert "0 to 10" in msg
    assert "11 (rows 2, 5)" in msg
    assert "12 (row 4)" in msg


def test_nps_code_minus_99_suggests_na_values() -> None:
    with pytest.raises(DataError, match=r"pass na_values=\[-99\]"):
        nps(pd.DataFrame({"rec": [10, -99, 3]}), "rec")


def test_nps_answers_must_be_whole_numbers() -> None:
    with pytest.raises(DataError, match=r"whole numbers from 0 to 10.*7\.5 \(row 2\)"):
        nps(pd.DataFrame({"rec": [10, 7.5, 3]}), "rec")


def test_unknown_column_and_text_answers() -> None:
    df = pd.DataFrame({"recommend": [10, 9], "eff": ["2", "a lot"]})
    with pytest.raises(DataError, match=r"'recomend' is not a column.*did you mean 'recommend'"):
        nps(df, "recomend")
    with pytest.raises(DataError, match=r"'eff'.*text.*'a lot' \(row 2\)"):
        ces(df, "eff")


def test_csat_needs_its_scale_and_answers_on_it() -> None:
    df = pd.DataFrame({"s": [5, 4, 6]})
    with pytest.raises(UsageError, match="CSAT needs the scale of 's'"):
        survey_metrics(df, csat="s")
    with pytest.raises(DataError, match=r"declared scale 1-5.*6 \(row 3\)"):
        csat(df, "s", scale=(1, 5))
    with pytest.raises(UsageError, match="top must be"):
        csat(df, "s", scale=(1, 7), top=7)


def test_bad_options() -> None:
    df = pd.DataFrame({"rec": [10, 9], "g": ["all", "x"]})
    with pytest.raises(UsageError, match="level called 'all'"):
        nps(df, "rec", group="g")
    with pytest.raises(UsageError, match="conf must be"):
        nps(df, "rec", conf=95)
    with pytest.raises(UsageError, match="compare must be"):
        nps(df, "rec", compare="pairs")
    with pytest.raises(UsageError, match="at least one item"):
        survey_metrics(df)
    with pytest.raises(DataError, match="group column 'grp'"):
        nps(df, "rec", group="grp")
