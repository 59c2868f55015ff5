"""RMSEA power and sample size (MacCallum, Browne & Sugawara 1996) against semTools 0.5-6.

Reference values: ``tests/reference/semtools/power`` (the references' grid, including the
nested-model functions and semTools' "Sample Size <= 5" answers) and
``tests/reference/semtools/power_metrics`` (a second grid with more RMSEA pairs and the two rows
whose smallest N falls into a gap of semTools' search), each written by its ``make_power.R``
(R 4.2.2, semTools 0.5-6).  Tolerances: power 1e-4 absolute (the agreement is about 2e-13);
sample sizes exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sem_csat.errors import UsageError
from sem_csat.power import (
    rmsea_plan,
    rmsea_power,
    rmsea_power_nested,
    rmsea_sample_size,
    rmsea_sample_size_nested,
)

REF = Path(__file__).parent / "reference" / "semtools" / "power_metrics"
TOL_POWER = 1e-4


def test_power_matches_semtools_findRMSEApower() -> None:
    ref = pd.read_csv(REF / "rmsea_power.csv")
    mine = np.array(
        [
            rmsea_power(r.df, r.rmsea0, r.rmsea1, r.n, alpha=r.alpha, groups=r.groups)
            for r in ref.itertuples()
        ]
    )
    np.testing.assert_allclose(mine, ref["power"], rtol=0, atol=TOL_POWER)
    vector = rmsea_power(50, 0.05, 0.08, [50, 100, 200, 500, 1000])
    sel = ref.query(
        "df == 50 and rmsea0 == 0.05 and rmsea1 == 0.08 and alpha == 0.05 and groups == 1"
    )
    np.testing.assert_allclose(vector, sel["power"], atol=TOL_POWER)


def test_sample_size_matches_semtools_findRMSEAsamplesize() -> None:
    ref = pd.read_csv(REF / "rmsea_samplesize.csv")
    args = [
        ((r.df, r.rmsea0, r.rmsea1), {"power": r.power, "alpha": r.alpha, "groups": r.groups})
        for r in ref.itertuples()
    ]
    semtools = [rmsea_sample_size(*a, **k, semtools_grid=True) for a, k in args]
    assert semtools == ref["n"].tolist()
    exact = np.array([rmsea_sample_size(*a, **k) for a, k in args])
    differ = np.flatnonzero(exact != ref["n"].to_numpy())
    # only where the exact smallest N falls into a gap of semTools' search (501-504, ...)
    assert len(differ) == 2
    for i in differ:
        (df, e0, e1), kw = args[i]
        total = round(float(exact[i]) * kw["groups"])
        assert 1 <= total % 500 <= 4
        assert rmsea_power(df, e0, e1, total, alpha=kw["alpha"], groups=kw["groups"]) > kw["power"]
        below = rmsea_power(df, e0, e1, total - 1, alpha=kw["alpha"], groups=kw["groups"])
        assert below <= kw["power"]


def test_smallest_n_is_exact_around_the_answer() -> None:
    for df, e0, e1 in [(50, 0.05, 0.08), (10, 0.05, 0.01), (3, 0.0, 0.05)]:
        n = int(rmsea_sample_size(df, e0, e1, power=0.9))
        assert rmsea_power(df, e0, e1, n) > 0.9
        assert rmsea_power(df, e0, e1, n - 1) <= 0.9


def test_plan_table_and_display() -> None:
    plan = rmsea_plan(50, 0.05, 0.08, power=0.8)
    assert list(plan.table.columns) == ["df", "rmsea0", "rmsea1", "alpha", "n", "power"]
    assert plan.n == 214
    assert plan.test == "close fit"
    assert "RMSEA power analysis" in str(plan)
    assert "<details" in plan._repr_html_()
    assert "\n" not in repr(plan)
    two = rmsea_plan(50, 0.05, 0.08, power=0.8, groups=2)
    assert two.n == 426
    assert "213 per group" in str(two)
    curve = rmsea_plan(20, 0.05, 0.01, n=[100, 200, 300])
    assert curve.test == "not-close fit"
    assert curve.table["power"].is_monotonic_increasing


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"df": 0}, "df must be a positive whole number"),
        ({"df": -3}, "df must be a positive whole number"),
        ({"rmsea1": 0.05}, "rmsea0 and rmsea1 are both 0.05"),
        ({"power": 1.0}, "power must be the target power"),
        ({"power": 0.0}, "power must be the target power"),
        ({"alpha": 1.5}, "alpha must be a significance level"),
        ({"rmsea0": -0.1}, "rmsea0 must be an RMSEA value >= 0"),
        ({"groups": 0}, "groups must be a positive whole number"),
    ],
)
def test_bad_requests_get_one_sentence(kwargs: dict[str, float], message: str) -> None:
    args = {"df": 50, "rmsea0": 0.05, "rmsea1": 0.08, "power": 0.8, "alpha": 0.05, "groups": 1}
    args.update(kwargs)
    with pytest.raises(UsageError, match=message) as err:
        rmsea_sample_size(
            args["df"], args["rmsea0"], args["rmsea1"],
            power=args["power"], alpha=args["alpha"], groups=args["groups"],
        )  # fmt: skip
    assert "\n" not in str(err.value)


def test_plan_needs_n_or_power_and_n_at_least_2() -> None:
    with pytest.raises(UsageError, match=r"either n .* or power"):
        rmsea_plan(50, 0.05, 0.08)
    with pytest.raises(UsageError, match=r"either n .* or power"):
        rmsea_plan(50, 0.05, 0.08, n=100, power=0.8)
    with pytest.raises(UsageError, match="at least 2"):
        rmsea_power(50, 0.05, 0.08, 1)


# ------------------------------------------------------------------ the references' grid

SEMTOOLS = Path(__file__).parent / "reference" / "semtools" / "power"


def test_power_matches_the_semtools_grid() -> None:
    ref = pd.read_csv(SEMTOOLS / "findRMSEApower.csv")
    mine = [
        rmsea_power(r.df, r.rmsea0, r.rmseaA, r.n, alpha=r.alpha, groups=r.group)
        for r in ref.itertuples()
    ]
    np.testing.assert_allclose(mine, ref["power"], rtol=0, atol=TOL_POWER)
    nested = pd.read_csv(SEMTOOLS / "findRMSEApowernested.csv")
    mine = [
        rmsea_power_nested(r.dfA, r.dfB, r.rmsea1A, r.n, rmsea1_b=r.rmsea1B, rmsea0_a=r.rmsea0A,
                           rmsea0_b=r.rmsea0B, alpha=r.alpha)
        for r in nested.itertuples()
    ]  # fmt: skip
    np.testing.assert_allclose(mine, nested["power"], rtol=0, atol=TOL_POWER)


def test_sample_sizes_match_the_semtools_grid() -> None:
    ref = pd.read_csv(SEMTOOLS / "findRMSEAsamplesize.csv")
    for r in ref.itertuples():
        n = rmsea_sample_size(
            r.df, r.rmsea0, r.rmseaA, power=r.power, alpha=r.alpha, groups=r.group,
            semtools_grid=True,
        )  # fmt: skip
        if r.result == "Sample Size <= 5":
            assert n == 5 / r.group
        else:
            assert n == float(r.result)
    nested = pd.read_csv(SEMTOOLS / "findRMSEAsamplesizenested.csv")
    for r in nested.itertuples():
        n = rmsea_sample_size_nested(
            r.dfA, r.dfB, r.rmsea1A, rmsea1_b=r.rmsea1B, rmsea0_a=r.rmsea0A, rmsea0_b=r.rmsea0B,
            power=r.power, alpha=r.alpha, semtools_grid=True,
        )  # fmt: skip
        assert n == float(r.result)


def test_nested_models_by_hand_and_bad_requests() -> None:
    # with rmsea0 = 0 for both models the null distribution is central chi-square on 2 df
    from scipy import stats

    crit = stats.chi2.isf(0.05, 2)
    ncp = 199 * (22 * 0.06**2 - 20 * 0.05**2)
    expected = stats.ncx2.sf(crit, 2, ncp)
    assert rmsea_power_nested(22, 20, 0.06, 200, rmsea1_b=0.05) == pytest.approx(expected)
    with pytest.raises(UsageError, match="df_a = 20 must exceed df_b = 22"):
        rmsea_power_nested(20, 22, 0.06, 200)
    with pytest.raises(UsageError, match="cannot fit better than model B"):
        rmsea_power_nested(22, 20, 0.04, 200, rmsea1_b=0.05)
