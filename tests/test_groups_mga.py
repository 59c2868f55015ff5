"""PLS multi-group analysis: known differences are found, random splits find none, seminr agrees.

- Data simulated from a common-factor model with a path X -> M of 0.15 in one group and 0.55 in
  the other (600 respondents each): every test gives p < .01 for that path (issue 14).
- A random split of one simulated sample of 1200: no path has p < .001 in any test, and every
  construct is compositionally invariant.
- seminr's Python port ``estimate_pls_mga`` given the same bootstrap resamples of each group:
  the group coefficients agree to ``TOL_SEMINR_BETA`` (seminr stops its iteration on another
  rule, leaving differences of about 1e-9) and Henseler's one-sided probability (our
  ``centring="bootstrap_mean"``, which is seminr's formula) agrees to ``TOL_SEMINR_P``: it
  counts pairs of replicates, so it could move by 1/B² only if two replicates were closer
  than the coefficients' 1e-9 disagreement; 1e-12 leaves room for rounding only.
- The parametric and Welch tests against the formulas written out here with scipy's t
  distribution, Henseler's probability against a brute-force double loop.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sem_csat
from sem_csat.errors import UsageError
from sem_csat.groups import (
    GroupFits,
    MGAResult,
    bootstrap_groups,
    fit_groups,
    mga,
    micom,
    permute_groups,
)
from sem_csat.groups.stats import henseler_probability, parametric_test, welch_test
from sem_csat.inference.bootstrap import bootstrap_indices
from sem_csat.spec import ModelSpec
from sem_csat.spec.builders import paths, reflective

TOL_SEMINR_BETA = 1e-8
TOL_SEMINR_P = 1e-12
LOADINGS = (0.85, 0.8, 0.75)


def simulate(n: int, b_xm: float, rng: np.random.Generator) -> pd.DataFrame:
    """Indicators of X -> M -> Y, X -> Y (standardized factors, three items each)."""
    x = rng.normal(size=n)
    m = b_xm * x + np.sqrt(1 - b_xm**2) * rng.normal(size=n)
    explained = 0.3**2 + 0.4**2 + 2 * 0.3 * 0.4 * b_xm
    y = 0.3 * x + 0.4 * m + np.sqrt(1 - explained) * rng.normal(size=n)
    cols = {}
    for name, factor in (("x", x), ("m", m), ("y", y)):
        for k, lam in enumerate(LOADINGS, start=1):
            cols[f"{name}{k}"] = lam * factor + np.sqrt(1 - lam**2) * rng.normal(size=n)
    return pd.DataFrame(cols)


@pytest.fixture(scope="module")
def sim_spec() -> ModelSpec:
    return ModelSpec(
        "Sim",
        constructs=[
            reflective("X", ["x1", "x2", "x3"]),
            reflective("M", ["m1", "m2", "m3"]),
            reflective("Y", ["y1", "y2", "y3"]),
        ],
        paths=(*paths("X", ["M", "Y"]), *paths("M", "Y")),
    )


@pytest.fixture(scope="module")
def different(sim_spec: ModelSpec) -> MGAResult:
    rng = np.random.default_rng(20240601)
    data = pd.concat(
        [simulate(600, 0.15, rng).assign(g="weak"), simulate(600, 0.55, rng).assign(g="strong")],
        ignore_index=True,
    )
    fits = fit_groups(sim_spec, data, "g", levels=["weak", "strong"])
    return mga(fits, 1000, 1000, seed=1, progress=False)


def test_a_known_difference_is_found_by_every_test(different: MGAResult) -> None:
    row = different.table.set_index(["from", "to"]).loc[("X", "M")]
    assert row["group_a"] == "weak"
    assert row["difference"] < -0.25
    for test in ("p_permutation", "p_henseler", "p_parametric", "p_welch"):
        assert row[test] < 0.01, test
    # the other paths are the same in both populations
    others = different.table[~((different.table["from"] == "X") & (different.table["to"] == "M"))]
    assert (others[["p_permutation", "p_henseler", "p_parametric", "p_welch"]] > 0.001).all().all()


def test_the_mga_csv_columns_are_the_issue_columns(different: MGAResult) -> None:
    assert list(different.table.columns) == [
        "from", "to", "group_a", "group_b", "estimate_a", "estimate_b", "difference",
        "p_permutation", "p_henseler", "p_parametric", "p_welch",
    ]  # fmt: skip
    assert [tuple(r) for r in different.table[["from", "to"]].to_numpy()] == [
        ("X", "M"), ("X", "Y"), ("M", "Y"),
    ]  # fmt: skip
    effects = different.effects
    assert set(effects["effect"]) == {"total", "indirect"}
    indirect = effects[effects["effect"] == "indirect"].set_index(["from", "to"])
    total = effects[effects["effect"] == "total"].set_index(["from", "to"])
    direct = different.table.set_index(["from", "to"])
    for g in ("estimate_a", "estimate_b"):
        expected = direct.loc[("X", "M"), g] * direct.loc[("M", "Y"), g]
        assert indirect.loc[("X", "Y"), g] == pytest.approx(expected, abs=1e-12)
        assert total.loc[("X", "Y"), g] == pytest.approx(
            direct.loc[("X", "Y"), g] + expected, abs=1e-12
        )
    assert different.index.empty  # the simulated items have no answer scale


def test_estimates_are_each_groups_own_fit(different: MGAResult) -> None:
    fits = different.fits
    for col, g in (("estimate_a", "weak"), ("estimate_b", "strong")):
        own = fits.results[g].paths.set_index(["from", "to"])["estimate"]
        mine = different.table.set_index(["from", "to"])[col]
        np.testing.assert_allclose(mine.loc[own.index], own, atol=1e-12)


def test_a_random_split_finds_no_difference_and_full_invariance(sim_spec: ModelSpec) -> None:
    rng = np.random.default_rng(77)
    data = simulate(1200, 0.35, rng)
    data["half"] = rng.permutation(np.repeat(["first", "second"], 600))
    fits = fit_groups(sim_spec, data, "half")
    perms = permute_groups(fits, 1000, seed=5, progress=False)
    result = mga(fits, seed=5, n_boot=1000, permutations=perms, progress=False)
    tests = result.details[["p_permutation", "p_henseler", "p_parametric", "p_welch"]]
    assert (tests > 0.001).all().all()
    step2 = micom(fits, permutations=perms).table
    assert step2[step2["step"] == "compositional"]["invariant"].all()


def test_parametric_and_welch_follow_the_stated_formulas(different: MGAResult) -> None:
    det = different.details
    boots = different.bootstraps
    assert boots is not None
    n_a, n_b = 600, 600
    se_a = boots.samples("weak", "paths").std(axis=0, ddof=1)
    se_b = boots.samples("strong", "paths").std(axis=0, ddof=1)
    paths_ = det[det["kind"] == "path"]
    np.testing.assert_allclose(paths_["se_a"], se_a, rtol=1e-12)
    d = paths_["difference"].to_numpy()
    pooled = np.sqrt(
        (n_a - 1) ** 2 / (n_a + n_b - 2) * se_a**2 + (n_b - 1) ** 2 / (n_a + n_b - 2) * se_b**2
    ) * np.sqrt(1 / n_a + 1 / n_b)
    t = d / pooled
    np.testing.assert_allclose(paths_["t_parametric"], t, rtol=1e-12)
    np.testing.assert_allclose(
        paths_["p_parametric"], 2 * stats.t.sf(np.abs(t), n_a + n_b - 2), rtol=1e-9
    )
    va, vb = (n_a - 1) / n_a * se_a**2, (n_b - 1) / n_b * se_b**2
    t_w = d / np.sqrt(va + vb)
    df_w = (va + vb) ** 2 / ((n_a - 1) / n_a**2 * se_a**4 + (n_b - 1) / n_b**2 * se_b**4) - 2
    np.testing.assert_allclose(paths_["df_welch"], df_w, rtol=1e-12)
    np.testing.assert_allclose(paths_["p_welch"], 2 * stats.t.sf(np.abs(t_w), df_w), rtol=1e-9)


def test_welch_and_parametric_agree_for_equal_groups_and_errors() -> None:
    par = parametric_test([0.2], [0.05], [0.05], 100, 100)
    wel = welch_test([0.2], [0.05], [0.05], 100, 100)
    assert par.t[0] == pytest.approx(wel.t[0], rel=1e-12)
    assert par.df[0] == 198.0
    assert wel.df[0] == pytest.approx(196.0, rel=1e-12)  # Satterthwaite's 198, minus 2


def test_henseler_probability_matches_a_double_loop() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(0.4, 0.1, size=(60, 2))
    b = rng.normal(0.3, 0.15, size=(45, 2))
    b[0, 0] = a[0, 0] - a[:, 0].mean() + 0.4 - (-b[:, 0].mean() + 0.3)  # one exact tie
    est_a, est_b = np.array([0.4, 0.41]), np.array([0.3, 0.29])
    got_est = henseler_probability(est_a, a, est_b, b, "estimate")
    got_mean = henseler_probability(est_a, a, est_b, b, "bootstrap_mean")
    for k in range(2):
        ca = a[:, k] - a[:, k].mean() + est_a[k]
        cb = b[:, k] - b[:, k].mean() + est_b[k]
        loop = np.mean([(x < y) + 0.5 * (x == y) for x in ca for y in cb])
        assert got_est[k] == pytest.approx(loop, abs=1e-15)
        ra, rb = 2 * a[:, k].mean() - a[:, k], 2 * b[:, k].mean() - b[:, k]
        theta = [2 * a[:, k].mean() - x - 2 * b[:, k].mean() + y for x in a[:, k] for y in b[:, k]]
        seminr_formula = 1 - np.mean(np.array(theta) > 0)  # Henseler et al. 2009, ties to p
        assert got_mean[k] == pytest.approx(
            np.mean([(x < y) + 0.5 * (x == y) for x in ra for y in rb]), abs=1e-15
        )
        assert got_mean[k] == pytest.approx(seminr_formula, abs=1 / (60 * 45))


def test_henseler_matches_seminr_with_the_same_resamples() -> None:
    sm = pytest.importorskip("seminr")
    spec = sem_csat.load_spec("ecsi_bank")
    bank = sem_csat.datasets.load("bank_satisfaction")
    fits = fit_groups(spec, bank, "gender")
    n_boot = 60
    root = np.random.SeedSequence(11)
    boots = bootstrap_groups(fits, n_boot, seed=root, progress=False)
    result = mga(fits, n_perm=0, bootstraps=boots, centring="bootstrap_mean")
    indices = [
        bootstrap_indices(
            np.random.SeedSequence(root.entropy, spawn_key=(g,)), fits.data.sizes[lv], range(n_boot)
        )
        for g, lv in enumerate(fits.levels)
    ]
    mm = sm.constructs(
        *(sm.composite(c.name, list(c.indicator_names), sm.mode_A) for c in spec.constructs)
    )
    st = sm.relationships(*(sm.paths(p.source, p.target) for p in spec.paths))
    model = sm.estimate_pls(
        bank[list(spec.indicator_names)], mm, st, inner_weights=sm.path_weighting
    )
    female = (bank["gender"] == "female").to_numpy()
    ref = sm.estimate_pls_mga(
        model, female, nboot=n_boot, group1_indices=indices[0], group2_indices=indices[1]
    )
    det = result.details[result.details["kind"] == "path"].set_index(["from", "to"])
    assert len(ref) == len(spec.paths)
    for row in ref:
        mine = det.loc[(row.source, row.target)]
        assert mine["estimate_a"] == pytest.approx(row.group1_beta, abs=TOL_SEMINR_BETA)
        assert mine["estimate_b"] == pytest.approx(row.group2_beta, abs=TOL_SEMINR_BETA)
        assert mine["henseler_pr_a_le_b"] == pytest.approx(row.pls_mga_p, abs=TOL_SEMINR_P)
        two_sided = min(1.0, 2 * min(row.pls_mga_p, 1 - row.pls_mga_p))
        assert mine["p_henseler"] == pytest.approx(two_sided, abs=TOL_SEMINR_P)


def test_plsc_finds_the_known_difference(sim_spec: ModelSpec, different: MGAResult) -> None:
    rng = np.random.default_rng(20240601)
    data = pd.concat(
        [simulate(600, 0.15, rng).assign(g="weak"), simulate(600, 0.55, rng).assign(g="strong")],
        ignore_index=True,
    )
    fits = fit_groups(sim_spec, data, "g", levels=["weak", "strong"], method="plsc")
    result = mga(fits, 300, 300, seed=2, progress=False)
    row = result.table.set_index(["from", "to"]).loc[("X", "M")]
    # PLSc corrects the attenuation of PLS: larger paths in both groups
    pls = different.table.set_index(["from", "to"]).loc[("X", "M")]
    assert row["estimate_a"] > pls["estimate_a"]
    assert row["estimate_b"] > pls["estimate_b"]
    assert (row[["p_permutation", "p_henseler", "p_parametric", "p_welch"]] < 0.01).all()


def test_index_scores_are_compared_too() -> None:
    spec = sem_csat.load_spec("ecsi_bank")
    fits = fit_groups(spec, sem_csat.datasets.load("bank_satisfaction"), "gender")
    result = mga(fits, 100, 100, seed=3, progress=False)
    index = result.index
    assert list(index.columns[:3]) == ["construct", "group_a", "group_b"]
    assert len(index) == len(spec.construct_names)
    from sem_csat.pls.index import index_table

    own = index_table(fits.results["female"]).set_index("construct")["index"]
    np.testing.assert_allclose(index.set_index("construct")["estimate_a"], own, atol=1e-9)
    assert index[["p_permutation", "p_henseler", "p_parametric", "p_welch"]].notna().all().all()


def test_skipping_one_run_leaves_its_columns_empty(different: MGAResult) -> None:
    fits: GroupFits = different.fits
    perm_only = mga(fits, 50, 0, seed=1, progress=False)
    assert perm_only.table["p_permutation"].notna().all()
    assert perm_only.table[["p_henseler", "p_parametric", "p_welch"]].isna().all().all()
    boot_only = mga(fits, 0, 50, seed=1, progress=False)
    assert boot_only.table["p_permutation"].isna().all()
    pd.testing.assert_frame_equal(
        boot_only.table[["estimate_a", "estimate_b"]],
        perm_only.table[["estimate_a", "estimate_b"]],
        atol=1e-12,
    )
    with pytest.raises(UsageError, match="needs permutations"):
        mga(fits, 0, 0)
    with pytest.raises(UsageError, match="centring must be"):
        mga(fits, 10, 10, centring="median")  # type: ignore[arg-type]


def test_the_same_seed_repeats_and_is_recorded(different: MGAResult) -> None:
    again = mga(different.fits, 1000, 1000, seed=1, progress=False, n_jobs=2)
    pd.testing.assert_frame_equal(again.details, different.details)
    assert different.permutations is not None
    assert different.bootstraps is not None
    assert different.permutations.seed == 1
    assert different.bootstraps.seed == 1


def test_summary_states_the_formulas(different: MGAResult) -> None:
    text = str(different)
    assert "Chin & Dibbern 2010" in text
    assert "centre on each group's estimate" in text
    assert "Keil et al. 2000" in text
    assert "divisor B - 1" in text
    assert "\n" not in repr(different)
    assert "<details" in different._repr_html_()
