"""Effect decomposition: ADANCO 2.2.1 (bank, Mode B) and SmartPLS 2.0.M3 (ECSI) parity, chains,
batches and the mediation helpers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from _reference import (
    ADANCO_MODE_B,
    SMARTPLS,
    TOL_ADANCO,
    TOL_SMARTPLS,
    needs_shared,
    read_smartpls,
)
from hypothesis import given, settings
from hypothesis import strategies as st

import sem_csat
from sem_csat.errors import SpecError
from sem_csat.pls.effects import (
    EFFECT_COLUMNS,
    MEDIATION_TYPES,
    SPECIFIC_COLUMNS,
    Chain,
    effects_table,
    enumerate_chains,
    indirect_effects,
    mediation_type,
    specific_indirect_effects,
    specific_indirect_table,
    total_effects,
    vaf,
)
from sem_csat.pls.results import PLSResult

TOL_SAME = 1e-12  # the same quantity computed two ways


@pytest.fixture(scope="module")
def ecsi() -> PLSResult:
    return sem_csat.fit(sem_csat.load_spec("ecsi"), "ecsi_mobile")


@pytest.fixture(scope="module")
def bank_mode_b() -> PLSResult:
    spec = sem_csat.load_spec("ecsi_bank")
    formative = dataclasses.replace(
        spec, constructs=[dataclasses.replace(c, mode="formative") for c in spec.constructs]
    )
    return sem_csat.fit(formative, "bank_satisfaction", scheme="centroid")


# ---------------------------------------------------------------------------------------------
# parity


@needs_shared
def test_bank_effects_match_adanco(bank_mode_b: PLSResult) -> None:
    ref = pd.read_csv(ADANCO_MODE_B / "Effect_Overview.csv", index_col=0)
    table = effects_table(bank_mode_b)
    assert tuple(table.columns) == EFFECT_COLUMNS
    mine = table.set_index(table["from"] + " -> " + table["to"])
    assert set(mine.index) == set(ref.index)
    for effect, row in ref.iterrows():
        got = mine.loc[effect]
        assert got["direct"] == pytest.approx(np.nan_to_num(row["Beta"]), abs=TOL_ADANCO)
        assert got["indirect"] == pytest.approx(
            np.nan_to_num(row["Indirect effects"]), abs=TOL_ADANCO
        )
        assert got["total"] == pytest.approx(row["Total effect"], abs=TOL_ADANCO)


@needs_shared
@pytest.mark.parametrize(
    ("folder", "scheme"),
    [("pathWeighting", "path"), ("centroid", "centroid"), ("factorial", "factorial")],
)
def test_ecsi_total_effects_match_smartpls(folder: str, scheme: str) -> None:
    result = sem_csat.fit(sem_csat.load_spec("ecsi"), "ecsi_mobile", scheme=scheme)
    ref = read_smartpls(SMARTPLS / folder / "totalEffects.txt")
    table = effects_table(result).set_index(["from", "to"])
    expected = {(a, b) for a in ref.index for b in ref.columns if ref.loc[a, b] != 0.0}
    assert set(table.index) == expected
    for (a, b), value in table["total"].items():
        assert value == pytest.approx(ref.loc[a, b], abs=TOL_SMARTPLS)
    assert np.allclose(table["direct"] + table["indirect"], table["total"], atol=TOL_SAME)


# ---------------------------------------------------------------------------------------------
# chains


def test_enumerate_chains_small_model() -> None:
    adjacency = [[0, 1, 1, 0], [0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]]
    chains = enumerate_chains(adjacency, ["A", "B", "C", "D"])
    assert [str(c) for c in chains] == [
        "A -> B -> C",
        "A -> B -> D",
        "A -> C -> D",
        "A -> B -> C -> D",
        "B -> C -> D",
    ]
    longest = chains[3]
    assert (longest.source, longest.target, longest.mediators) == ("A", "D", ("B", "C"))
    assert longest.nodes == (0, 1, 2, 3)
    assert next(str(c) for c in enumerate_chains(adjacency)) == "0 -> 1 -> 2"


def test_enumerate_chains_rejects_bad_input() -> None:
    with pytest.raises(SpecError, match="cycle"):
        enumerate_chains([[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    with pytest.raises(SpecError, match="cycle"):
        enumerate_chains([[1, 1], [0, 0]])
    with pytest.raises(SpecError, match="square"):
        enumerate_chains([[0, 1, 0], [0, 0, 1]])
    with pytest.raises(SpecError, match="one name per construct"):
        enumerate_chains([[0, 1], [0, 0]], ["A"])
    with pytest.raises(ValueError, match="at least three constructs"):
        specific_indirect_effects(np.zeros((3, 3)), [(0, 1)])
    with pytest.raises(SpecError, match="cycle"):
        total_effects([[0.0, 0.5], [0.5, 0.0]])


@pytest.mark.parametrize("name", ["ecsi", "bank_mode_b"])
def test_chain_sums_equal_total_indirect_effects(name: str, request: pytest.FixtureRequest) -> None:
    result: PLSResult = request.getfixturevalue(name)
    specific = specific_indirect_table(result)
    assert tuple(specific.columns) == SPECIFIC_COLUMNS
    assert (specific["chain"].str.count(" -> ") >= 2).all()
    sums = specific.groupby(["from", "to"])["estimate"].sum()
    table = effects_table(result).set_index(["from", "to"])
    joined = table["indirect"].to_frame().join(sums, how="outer").fillna(0.0)
    assert np.allclose(joined["indirect"], joined["estimate"], atol=TOL_SAME)
    # every pair with an indirect effect has at least one chain, and no chain is listed twice
    assert set(sums.index) == set(table.index[table["indirect"] != 0.0])
    assert not specific["chain"].duplicated().any()


def test_ecsi_specific_chain_value(ecsi: PLSResult) -> None:
    b = ecsi.path_matrix
    table = specific_indirect_table(ecsi).set_index("chain")
    chain = "Image -> Expectation -> Quality -> Satisfaction"
    expected = (
        b.loc["Image", "Expectation"]
        * b.loc["Expectation", "Quality"]
        * b.loc["Quality", "Satisfaction"]
    )
    assert table.loc[chain, "estimate"] == pytest.approx(expected, abs=TOL_SAME)
    assert table.loc[chain, "from"] == "Image"
    assert table.loc[chain, "to"] == "Satisfaction"


@st.composite
def _dag(draw: st.DrawFn) -> np.ndarray:
    """A random recursive path matrix (upper triangular after a random relabelling)."""
    n = draw(st.integers(2, 6))
    mask = np.triu(
        np.array(draw(st.lists(st.booleans(), min_size=n * n, max_size=n * n))).reshape(n, n),
        k=1,
    )
    coef = np.array(draw(st.lists(st.floats(-0.9, 0.9), min_size=n * n, max_size=n * n))).reshape(
        n, n
    )
    perm = np.array(draw(st.permutations(range(n))))
    b = np.where(mask, coef, 0.0)
    return b[np.ix_(perm, perm)]


@settings(max_examples=60, deadline=None)
@given(_dag())
def test_chain_properties_on_random_dags(b: np.ndarray) -> None:
    adj = b != 0.0
    n = b.shape[0]
    chains = enumerate_chains(adj)
    # the number of chains i -> j with k paths is [A^k]_ij
    counts = np.zeros((n, n), dtype=int)
    for c in chains:
        counts[c.nodes[0], c.nodes[-1]] += 1
        assert all(adj[a, z] for a, z in zip(c.nodes[:-1], c.nodes[1:], strict=True))
    a = adj.astype(int)
    power, expected = a @ a, np.zeros((n, n), dtype=int)
    for _ in range(n):
        expected += power
        power = power @ a
    assert np.array_equal(counts, expected)
    # chain sums equal the indirect effects; total effects equal (I - B)^-1 - I
    sums = np.zeros((n, n))
    for c, value in zip(chains, specific_indirect_effects(b, chains), strict=True):
        sums[c.nodes[0], c.nodes[-1]] += value
    assert np.allclose(sums, indirect_effects(b), atol=1e-12)
    assert np.allclose(total_effects(b), np.linalg.inv(np.eye(n) - b) - np.eye(n), atol=1e-12)


# ---------------------------------------------------------------------------------------------
# batches


def test_batch_matches_elementwise(ecsi: PLSResult) -> None:
    b = np.asarray(ecsi.estimate.paths)
    adj = np.asarray(ecsi.estimate.structure.adjacency)
    rng = np.random.default_rng(np.random.SeedSequence(11))
    batch = np.where(adj, b + rng.normal(scale=0.1, size=(5, *b.shape)), 0.0)
    batch[2] = np.nan  # a failed resample
    chains = enumerate_chains(adj, ecsi.constructs)
    total = total_effects(batch)
    indirect = indirect_effects(batch)
    specific = specific_indirect_effects(batch, chains)
    assert total.shape == batch.shape
    assert specific.shape == (5, len(chains))
    assert np.isnan(total[2]).all()
    assert np.isnan(specific[2]).all()
    for k in (0, 1, 3, 4):
        assert np.allclose(total[k], total_effects(batch[k]), atol=TOL_SAME)
        assert np.allclose(specific[k], specific_indirect_effects(batch[k], chains), atol=TOL_SAME)
    # a (B, n_boot) stack of stacks works too
    nested = total_effects(batch.reshape(5, 1, *b.shape))
    assert np.allclose(nested[:, 0], total, equal_nan=True)
    # the chains of each pair add up to its indirect effect in every resample
    src = np.array([c.nodes[0] for c in chains])
    dst = np.array([c.nodes[-1] for c in chains])
    sums = np.zeros_like(batch)
    np.add.at(sums, (slice(None), src, dst), specific)
    ok = [0, 1, 3, 4]
    assert np.allclose(sums[ok], indirect[ok], atol=TOL_SAME)
    # the engine's total effects agree
    assert np.allclose(total_effects(b), np.asarray(ecsi.estimate.total_effects), atol=TOL_SAME)


def test_specific_effects_accept_index_tuples() -> None:
    b = np.array([[0.0, 0.5, 0.2], [0.0, 0.0, 0.4], [0.0, 0.0, 0.0]])
    assert specific_indirect_effects(b, [(0, 1, 2)]) == pytest.approx([0.2])
    assert specific_indirect_effects(b, [Chain((0, 1, 2), ("A", "M", "Y"))]) == pytest.approx([0.2])
    assert specific_indirect_effects(b, []).shape == (0,)


# ---------------------------------------------------------------------------------------------
# mediation helpers


def test_vaf_defined_only_for_same_sign_effects() -> None:
    direct = np.array([0.3, 0.0, 0.3, 0.2, 0.1, -0.2])
    indirect = np.array([0.1, 0.2, -0.1, -0.2, 0.0, -0.6])
    out = vaf(direct, indirect)
    assert out[0] == pytest.approx(0.25)
    assert out[1] == pytest.approx(1.0)  # no direct effect: full mediation
    assert np.isnan(out[2])
    assert np.isnan(out[3])
    assert out[4] == pytest.approx(0.0)
    assert out[5] == pytest.approx(0.75)  # both negative: still a proportion
    assert np.all((out[np.isfinite(out)] >= 0.0) & (out[np.isfinite(out)] <= 1.0))
    assert np.isnan(vaf(1e-10, 1e-10))
    assert vaf(np.zeros((4, 3)), np.ones(3)).shape == (4, 3)


def test_mediation_types_follow_zhao_lynch_chen() -> None:
    labels = mediation_type(
        [0.3, -0.3, 0.0, 0.3, 0.0, -0.2],
        [0.2, 0.2, 0.2, 0.01, 0.01, -0.1],
        [True, True, False, True, False, True],
        [True, True, True, False, False, True],
    )
    assert labels.tolist() == [
        "complementary",
        "competitive",
        "indirect-only",
        "direct-only",
        "no-effect",
        "complementary",
    ]
    assert set(labels.tolist()) == set(MEDIATION_TYPES)
    assert mediation_type(0.1, [0.2, -0.2], True, True).tolist() == [
        "complementary",
        "competitive",
    ]
