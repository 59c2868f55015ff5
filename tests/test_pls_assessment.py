"""Assessment of a PLS fit: f² and outer VIF against ADANCO 2.2.1 (bank, Mode B), inner/outer VIF
and PLSpredict against seminr's Python port (ECSI), and properties of blindfolding."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
from _reference import ADANCO_MODE_B, TOL_ADANCO, needs_shared, read_adanco_matrix

import sem_csat
from sem_csat.errors import SemCsatError, SemCsatWarning, UsageError
from sem_csat.pls.assessment import (
    _fold_assignments,
    _omission_rounds,
    blindfolding,
    f_squared,
    f_squared_matrix,
    inner_vif,
    outer_vif,
    plspredict,
)
from sem_csat.pls.results import PLSResult
from sem_csat.spec.builders import paths, reflective
from sem_csat.spec.model import ModelSpec

TOL_SAME = 1e-12  # the same quantity computed two ways
TOL_SEMINR = 1e-7  # seminr stops at sum |change of weights| < 1e-7, sem_csat at max < 1e-7


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


def _seminr_model(result: PLSResult):  # type: ignore[no-untyped-def]
    """The same model in seminr's Python port (composites = Mode A, path weighting)."""
    seminr = pytest.importorskip("seminr")
    from seminr.estimate.data import Dataset

    frame = result.data.frame.loc[:, list(result.indicators)]
    data = Dataset(columns=tuple(frame.columns), values=frame.to_numpy(dtype=np.float64))
    mm = seminr.constructs(
        *[seminr.composite(c.name, list(c.indicator_names)) for c in result.spec.constructs]
    )
    sm = seminr.relationships(
        *[seminr.paths(from_=p.source, to=p.target) for p in result.spec.paths]
    )
    return seminr.estimate_pls(data, mm, sm)


# ---------------------------------------------------------------------------------------------
# f² and VIF


@needs_shared
def test_bank_f_squared_matches_adanco(bank_mode_b: PLSResult) -> None:
    ref = pd.read_csv(ADANCO_MODE_B / "Effect_Overview.csv", index_col=0)["Cohen's f2"].dropna()
    table = f_squared(bank_mode_b)
    mine = table.set_index(table["from"] + " -> " + table["to"])["f2"]
    assert set(mine.index) == set(ref.index)
    for effect, value in ref.items():
        assert mine[effect] == pytest.approx(value, abs=TOL_ADANCO)


@needs_shared
def test_bank_outer_vif_matches_adanco(bank_mode_b: PLSResult) -> None:
    ref = read_adanco_matrix(ADANCO_MODE_B, "Indicator_Multicollinearity")
    table = outer_vif(bank_mode_b)
    assert list(table["indicator"]) == list(bank_mode_b.indicators)
    for row in table.itertuples():
        assert row.vif == pytest.approx(ref.loc[row.indicator, row.construct], abs=TOL_ADANCO)


def test_f_squared_formula_and_batch(ecsi: PLSResult) -> None:
    table = f_squared(ecsi)
    assert list(table.columns) == ["from", "to", "r2_included", "r2_excluded", "f2"]
    assert len(table) == len(ecsi.spec.paths)
    assert (table["f2"] >= 0).all()
    assert np.allclose(table["r2_included"], ecsi.r2.loc[table["to"], "r2"], atol=TOL_SAME)
    # f² = β² / (VIF (1 - R²)): dropping a predictor costs β²/VIF of R²
    vif = inner_vif(ecsi)
    beta = ecsi.path_matrix.to_numpy()[
        [ecsi.constructs.index(a) for a in table["from"]],
        [ecsi.constructs.index(b) for b in table["to"]],
    ]
    expected = beta**2 / (vif["vif"].to_numpy() * (1.0 - table["r2_included"].to_numpy()))
    assert np.allclose(table["f2"], expected, atol=TOL_SAME)
    # the array version, single and batched
    c = np.asarray(ecsi.estimate.construct_corr)
    adj = np.asarray(ecsi.estimate.structure.adjacency)
    matrix = f_squared_matrix(c, adj)
    assert np.isnan(matrix[~adj]).all()
    i = [ecsi.constructs.index(a) for a in table["from"]]
    j = [ecsi.constructs.index(b) for b in table["to"]]
    assert np.allclose(matrix[i, j], table["f2"], atol=TOL_SAME)
    batch = f_squared_matrix(np.stack([c, c, c]), adj)
    assert batch.shape == (3, *c.shape)
    assert np.allclose(batch[1], matrix, equal_nan=True)
    with pytest.raises(ValueError, match="shape"):
        f_squared_matrix(c[:3, :3], adj)


def test_vif_matches_seminr(ecsi: PLSResult) -> None:
    model = _seminr_model(ecsi)
    from seminr.evaluate import constructs_in_model, item_vifs, pls_antecedent_vifs

    mc = constructs_in_model(model)
    inner = pls_antecedent_vifs(model, mc)
    for row in inner_vif(ecsi).itertuples():
        if len(ecsi.spec.predecessors(row.to)) == 1:
            assert row.vif == 1.0  # seminr reports NaN for a single predictor
        else:
            assert row.vif == pytest.approx(inner[row.to][row._1], abs=TOL_SEMINR)
    items = item_vifs(model, mc)
    table = outer_vif(ecsi)
    for row in table.itertuples():
        assert row.vif == pytest.approx(items[row.construct][row.indicator], abs=TOL_SAME)
    assert table.set_index("indicator").loc["CUSCO", "vif"] == 1.0
    assert (table["vif"] >= 1.0).all()


# ---------------------------------------------------------------------------------------------
# PLSpredict


def _seminr_folds(n: int, k: int, seed: int) -> tuple[list[int], np.ndarray]:
    """A row ordering for seminr and the fold label it implies for each row."""
    from seminr.predict import cut_folds

    order = [int(i) for i in np.random.default_rng(np.random.SeedSequence(seed)).permutation(n)]
    labels = np.empty(n, dtype=int)
    labels[order] = cut_folds(n, k)
    return order, labels


@pytest.mark.parametrize(("technique", "seminr_name"), [("earliest", "EA"), ("direct", "DA")])
def test_plspredict_matches_seminr(ecsi: PLSResult, technique: str, seminr_name: str) -> None:
    model = _seminr_model(ecsi)
    from seminr.predict import item_metrics, predict_DA, predict_EA, predict_pls

    order, labels = _seminr_folds(ecsi.n_obs, 10, seed=7)
    tech = predict_EA if seminr_name == "EA" else predict_DA
    ref = item_metrics(predict_pls(model, technique=tech, no_folds=10, ordering=order))
    mine = plspredict(ecsi, fold_ids=labels, technique=technique)  # type: ignore[arg-type]
    mine = mine.set_index("indicator")
    assert mine.attrs["folds"] == 10
    assert mine.attrs["seed"] is None
    for column, metrics, row in [
        ("pls_rmse", ref.pls_out_of_sample, 0),
        ("pls_mae", ref.pls_out_of_sample, 1),
        ("lm_rmse", ref.lm_out_of_sample, 0),
        ("lm_mae", ref.lm_out_of_sample, 1),
    ]:
        got = mine.loc[list(metrics.cols), column].to_numpy()
        assert np.allclose(got, metrics.values[row], atol=TOL_SEMINR, rtol=0)
    endogenous_items = [
        i for c in ecsi.spec.endogenous for i in ecsi.spec.construct(c).indicator_names
    ]
    assert list(mine.index) == endogenous_items


def test_plspredict_is_seeded(ecsi: PLSResult) -> None:
    a = plspredict(ecsi, folds=5, seed=123)
    b = plspredict(ecsi, folds=5, seed=123)
    c = plspredict(ecsi, folds=5, seed=124)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["pls_rmse"], c["pls_rmse"])
    fresh = plspredict(ecsi, folds=5)
    again = plspredict(ecsi, folds=5, seed=fresh.attrs["seed"])
    pd.testing.assert_frame_equal(fresh, again)
    # a seed sequence is not advanced by use
    sequence = np.random.SeedSequence(77)
    pd.testing.assert_frame_equal(
        plspredict(ecsi, folds=5, seed=sequence), plspredict(ecsi, folds=5, seed=sequence)
    )
    # each repetition has its own spawned child: the first does not depend on how many follow
    n = ecsi.n_obs
    one, _ = _fold_assignments(n, 5, 1, 9, None)
    two, _ = _fold_assignments(n, 5, 2, 9, None)
    assert np.array_equal(one[0], two[0])
    assert not np.array_equal(two[0], two[1])
    assert np.array_equal(np.sort(np.bincount(two[1])), [50] * 5)  # balanced folds
    pooled = plspredict(ecsi, folds=5, repeats=2, seed=9)
    assert pooled.attrs["repeats"] == 2
    assert pooled.attrs["seed"] == 9
    same = plspredict(ecsi, fold_ids=two)
    assert np.allclose(same["pls_rmse"], pooled["pls_rmse"], atol=TOL_SAME)
    singles = [plspredict(ecsi, fold_ids=row) for row in two]
    assert np.allclose(
        pooled["pls_rmse"] ** 2, np.mean([s["pls_rmse"] ** 2 for s in singles], axis=0)
    )
    assert np.allclose(pooled["lm_mae"], np.mean([s["lm_mae"] for s in singles], axis=0))


def test_plspredict_properties(ecsi: PLSResult) -> None:
    table = plspredict(ecsi, seed=1)
    assert list(table.columns) == [
        "construct",
        "indicator",
        "pls_rmse",
        "pls_mae",
        "lm_rmse",
        "lm_mae",
        "q2_predict",
    ]
    assert (table["pls_mae"] <= table["pls_rmse"]).all()
    assert (table["lm_mae"] <= table["lm_rmse"]).all()
    assert (table["q2_predict"] < 1.0).all()
    # the satisfaction items are well predicted by image, expectations, quality and value
    sat = table[table["construct"] == "Satisfaction"]
    assert (sat["q2_predict"] > 0.2).all()
    # leave-one-out is a fold assignment like any other
    loo = plspredict(ecsi, fold_ids=np.arange(ecsi.n_obs))
    assert loo.attrs["folds"] == ecsi.n_obs
    assert np.all(np.isfinite(loo[["pls_rmse", "lm_rmse", "q2_predict"]].to_numpy()))


def test_plspredict_scale_invariance(ecsi: PLSResult) -> None:
    """Rescaling an item scales its RMSE and MAE and leaves Q²_predict unchanged."""
    spec = dataclasses.replace(ecsi.spec, scale=None)
    data = ecsi.data.frame.copy()
    data["CUSA2"] = 3.0 * data["CUSA2"] + 7.0
    rescaled = sem_csat.fit(spec, data)
    labels = np.arange(ecsi.n_obs) % 5
    a = plspredict(ecsi, fold_ids=labels).set_index("indicator")
    b = plspredict(rescaled, fold_ids=labels).set_index("indicator")
    assert np.allclose(a["q2_predict"], b["q2_predict"], atol=1e-9)
    for column in ("pls_rmse", "pls_mae", "lm_rmse", "lm_mae"):
        assert b.loc["CUSA2", column] == pytest.approx(3.0 * a.loc["CUSA2", column], rel=1e-9)
        others = a.index != "CUSA2"
        assert np.allclose(a.loc[others, column], b.loc[others, column], rtol=1e-9)


def test_plspredict_rejects_bad_settings(ecsi: PLSResult) -> None:
    with pytest.raises(UsageError, match="folds must be an integer between 2"):
        plspredict(ecsi, folds=1)
    with pytest.raises(UsageError, match="repeats"):
        plspredict(ecsi, repeats=0)
    with pytest.raises(UsageError, match="technique"):
        plspredict(ecsi, technique="all")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="fold_ids"):
        plspredict(ecsi, fold_ids=np.zeros(10))
    with pytest.raises(UsageError, match="at least two folds"):
        plspredict(ecsi, fold_ids=np.zeros(ecsi.n_obs))
    with pytest.raises(UsageError, match="too small"):
        plspredict(ecsi, fold_ids=(np.arange(ecsi.n_obs) >= 5).astype(int))
    with pytest.raises(UsageError, match="folds"):
        plspredict(ecsi, folds=True)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# blindfolding


@pytest.mark.parametrize("pattern", ["rows", "columns"])
@pytest.mark.parametrize(("n", "k", "d"), [(250, 3, 7), (20, 7, 8), (12, 1, 5), (21, 4, 7)])
def test_omission_pattern_omits_every_point_once(pattern: str, n: int, k: int, d: int) -> None:
    rounds = _omission_rounds(n, k, d, pattern)  # type: ignore[arg-type]
    assert rounds.shape == (n, k)
    assert set(np.unique(rounds)) <= set(range(d))
    counts = np.bincount(rounds.ravel(), minlength=d)
    assert counts.max() - counts.min() <= 1  # every round omits about N K / D points
    assert rounds[0, 0] == 0  # the first round starts with the first data point
    flat = rounds.ravel() if pattern == "rows" else rounds.T.ravel()
    assert np.array_equal(flat, np.arange(n * k) % d)  # every D-th point in reading order


def test_blindfolding_properties(ecsi: PLSResult) -> None:
    table = blindfolding(ecsi, 8, pattern="rows")
    assert table.attrs == {"omission_distance": 8, "pattern": "rows"}
    assert list(table["construct"]) == list(ecsi.spec.endogenous)
    sizes = [len(ecsi.spec.construct(c).indicator_names) for c in table["construct"]]
    assert np.allclose(table["sso"], ecsi.n_obs * np.array(sizes))  # SmartPLS' SSO = N K
    assert np.allclose(table["q2"], 1.0 - table["sse"] / table["sso"], atol=TOL_SAME)
    assert (table["q2"] <= 1.0).all()
    assert (table["q2"] > 0.0).all()  # every ECSI construct is predictively relevant
    q2 = table.set_index("construct")["q2"]
    assert q2["Satisfaction"] == q2.max()  # the construct with the highest R²
    pd.testing.assert_frame_equal(table, blindfolding(ecsi, 8, pattern="rows"))  # deterministic
    columns = blindfolding(ecsi, constructs=["Satisfaction"])  # default: D = 7, by column
    assert columns.attrs == {"omission_distance": 7, "pattern": "columns"}
    assert list(columns["construct"]) == ["Satisfaction"]
    assert columns["q2"].iloc[0] == pytest.approx(q2["Satisfaction"], abs=0.05)


def _simulated(strength: float, n: int = 251, seed: int = 5) -> PLSResult:
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    xi = rng.normal(size=n)
    eta = strength * xi + np.sqrt(1.0 - strength**2) * rng.normal(size=n)
    columns = {f"x{k}": xi + 0.5 * rng.normal(size=n) for k in range(1, 4)}
    columns |= {f"y{k}": eta + 0.5 * rng.normal(size=n) for k in range(1, 4)}
    spec = ModelSpec(
        "Sim",
        constructs=[reflective("X", ["x1", "x2", "x3"]), reflective("Y", ["y1", "y2", "y3"])],
        paths=paths("X", "Y"),
    )
    return sem_csat.fit(spec, pd.DataFrame(columns))


def test_blindfolding_strong_and_null_paths() -> None:
    strong = blindfolding(_simulated(0.8))["q2"].iloc[0]
    null = blindfolding(_simulated(0.0))["q2"].iloc[0]
    assert 0.3 < strong < 1.0
    assert -0.05 < null < 0.02
    assert null < strong


def test_blindfolding_checks_the_omission_distance(ecsi: PLSResult, bank_mode_b: PLSResult) -> None:
    with pytest.raises(UsageError, match=r"divides the 7 indicators of 'Quality'"):
        blindfolding(ecsi, pattern="rows")  # D = 7 and seven quality items: one item per round
    with pytest.raises(UsageError, match="omission_distance must be an integer between 2"):
        blindfolding(ecsi, 1)
    with pytest.raises(UsageError, match="omission_distance"):
        blindfolding(ecsi, 7.5)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="pattern"):
        blindfolding(ecsi, 8, pattern="diagonal")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="'Image' is not endogenous"):
        blindfolding(ecsi, 8, constructs=["Image"])
    with pytest.raises(SemCsatError, match="no construct 'Satisfation'"):
        blindfolding(ecsi, 8, constructs=["Satisfation"])
    with pytest.warns(SemCsatWarning, match="divides the number of respondents 250"):
        blindfolding(ecsi, 10, constructs=["Loyalty"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        blindfolding(ecsi, 8, constructs=["Loyalty"])
    # formative blocks are skipped unless asked for
    assert blindfolding(bank_mode_b, 8).empty
    assert len(blindfolding(bank_mode_b, 8, constructs=["SAT"])) == 1
