"""Higher-order constructs in PLS: the disjoint two-stage approach against seminr's Python
port (``higher_composite``), the embedded two-stage and the repeated-indicators approaches
against their published algorithm (Becker et al. 2012; Sarstedt et al. 2019) written out here
with the engine, and what the result reports about them.

The model is the bundled ``ecsi_bank_hoc``: quality, value and satisfaction as the dimensions
of a reflective second-order construct EVAL, with IMAG and EXPE as its antecedents and LOY as
its outcome, on the bundled bank survey.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.errors import SpecError
from sem_csat.inference.bootstrap import bootstrap_indices
from sem_csat.pls.bootstrap import PLSLayout
from sem_csat.pls.engine import compile_structure, correlation, estimate, standardize
from sem_csat.pls.plsc import consistent

TOL_SEMINR = 1e-8  # both iterate to 1e-12 here (seminr: summed weight change)
TOL_SAME = 1e-10  # the same algorithm written out with the engine
DIMS = ["QUAL", "VAL", "SAT"]


def _fit(spec: sem_csat.ModelSpec, data: object = "bank_satisfaction", **kw: object) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sem_csat.fit(spec, data, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def spec() -> sem_csat.ModelSpec:
    return sem_csat.load_spec("ecsi_bank_hoc")


@pytest.fixture(scope="module")
def data(spec: sem_csat.ModelSpec) -> pd.DataFrame:
    return pd.read_csv(sem_csat.datasets.path("bank_satisfaction")).loc[
        :, list(spec.indicator_names)
    ]


def _formative(spec: sem_csat.ModelSpec) -> sem_csat.ModelSpec:
    return dataclasses.replace(
        spec,
        constructs=[
            dataclasses.replace(c, mode="formative") if c.is_higher_order else c
            for c in spec.constructs
        ],
    )


# ---------------------------------------------------------------------------------------------
# the disjoint two-stage approach against seminr


def _seminr(data: pd.DataFrame, spec: sem_csat.ModelSpec, formative: bool) -> object:
    sm = pytest.importorskip("seminr")
    blocks = {c.name: list(c.indicator_names) for c in spec.constructs if c.indicator_names}
    mm = sm.constructs(
        *(sm.composite(k, v, sm.mode_A) for k, v in blocks.items()),
        sm.higher_composite("EVAL", DIMS, weights=sm.mode_B if formative else sm.mode_A),
    )
    st = sm.relationships(
        sm.paths("IMAG", ["EXPE", "EVAL", "LOY"]), sm.paths("EXPE", "EVAL"), sm.paths("EVAL", "LOY")
    )
    return sm.estimate_pls(data, mm, st, stop_criterion=12, max_it=1000)


def _named(matrix: object) -> pd.DataFrame:
    return pd.DataFrame(matrix.values, matrix.rows, matrix.cols)  # type: ignore[attr-defined]


@pytest.mark.parametrize("formative", [False, True], ids=["reflective", "formative"])
def test_two_stage_matches_seminr(
    spec: sem_csat.ModelSpec, data: pd.DataFrame, formative: bool
) -> None:
    model = _seminr(data, spec, formative)
    hoc_spec = _formative(spec) if formative else spec
    result = _fit(hoc_spec, hoc="two-stage", tol=1e-12, max_iter=1000)
    paths = _named(model.path_coef)  # type: ignore[attr-defined]
    for p in result.paths.itertuples():
        assert p.estimate == pytest.approx(paths.loc[p[1], p.to], abs=TOL_SEMINR), (p[1], p.to)
    weights = _named(model.outer_weights)  # type: ignore[attr-defined]
    loadings = _named(model.outer_loadings)  # type: ignore[attr-defined]
    for row in result.outer.itertuples():
        assert row.weight == pytest.approx(
            weights.loc[row.indicator, row.construct], abs=TOL_SEMINR
        ), row
        assert row.loading == pytest.approx(
            loadings.loc[row.indicator, row.construct], abs=TOL_SEMINR
        ), row
    r2 = _named(model.r_squared)  # type: ignore[attr-defined]
    for name, value in result.r2["r2"].items():
        assert value == pytest.approx(r2.loc["Rsq", name], abs=TOL_SEMINR), name


def test_two_stage_plsc_corrects_the_stages(spec: sem_csat.ModelSpec, data: pd.DataFrame) -> None:
    """PLSc on the two stages as written out: the final stage is the model with EVAL measured
    by the stage-1 scores of its dimensions, corrected by consistent PLS."""
    result = _fit(spec, hoc="two-stage", method="plsc")
    z = standardize(data.to_numpy(float))
    items = list(spec.indicator_names)
    w1 = _stage1_weights(spec, correlation(z))
    scores = z @ w1[:, [2, 3, 4]]  # QUAL, VAL, SAT in the first stage's order
    x = np.column_stack([z, scores])
    blocks = [_items(items, spec, n) for n in ("IMAG", "EXPE")]
    blocks += [[len(items), len(items) + 1, len(items) + 2], _items(items, spec, "LOY")]
    adj = np.zeros((4, 4), dtype=bool)
    for s, t in [(0, 1), (0, 2), (1, 2), (0, 3), (2, 3)]:
        adj[s, t] = True
    structure = compile_structure(blocks, ["A"] * 4, adj, names=["IMAG", "EXPE", "EVAL", "LOY"])
    r = correlation(x)
    fit = consistent(estimate(r, structure, tol=1e-7), r)
    p = result.paths.set_index(["from", "to"])["estimate"]
    names = ["IMAG", "EXPE", "EVAL", "LOY"]
    for (s, t), value in p.items():
        assert value == pytest.approx(fit.paths[names.index(s), names.index(t)], abs=1e-6)
    assert result.rho_a["EVAL"] == pytest.approx(fit.rho_a[2], abs=1e-6)


def _items(items: list[str], spec: sem_csat.ModelSpec, name: str) -> list[int]:
    return [items.index(i) for i in spec.construct(name).indicator_names]


def _stage1_weights(spec: sem_csat.ModelSpec, r: np.ndarray) -> np.ndarray:
    """Stage 1 of the disjoint approach: EVAL replaced by its dimensions in every path."""
    items = list(spec.indicator_names)
    names = ["IMAG", "EXPE", "QUAL", "VAL", "SAT", "LOY"]
    adj = np.zeros((6, 6), dtype=bool)
    for s in ("IMAG", "EXPE"):
        for d in DIMS:
            adj[names.index(s), names.index(d)] = True
    for d in DIMS:
        adj[names.index(d), names.index("LOY")] = True
    adj[names.index("IMAG"), names.index("EXPE")] = True
    adj[names.index("IMAG"), names.index("LOY")] = True
    blocks = [_items(items, spec, n) for n in names]
    s = compile_structure(blocks, ["A"] * 6, adj, names=names)
    return np.asarray(estimate(r, s, tol=1e-12, max_iter=1000).weights)


# ---------------------------------------------------------------------------------------------
# the embedded two-stage and the repeated-indicators approach, written out


def _repeated_structure(spec: sem_csat.ModelSpec, mode: str = "A") -> tuple[object, list[str]]:
    """One model: EVAL measured by all items of its dimensions, paths EVAL -> QUAL, VAL, SAT
    (reflective; formative: the dimensions -> EVAL) and the spec's paths."""
    items = list(spec.indicator_names)
    names = ["IMAG", "EXPE", "QUAL", "VAL", "SAT", "EVAL", "LOY"]
    blocks = [_items(items, spec, n) for n in names if n != "EVAL"]
    blocks.insert(5, [i for d in DIMS for i in _items(items, spec, d)])
    adj = np.zeros((7, 7), dtype=bool)
    for s, t in [("IMAG", "EXPE"), ("IMAG", "EVAL"), ("EXPE", "EVAL"), ("IMAG", "LOY")]:
        adj[names.index(s), names.index(t)] = True
    adj[names.index("EVAL"), names.index("LOY")] = True
    for d in DIMS:
        if mode == "A":
            adj[names.index("EVAL"), names.index(d)] = True
        else:
            adj[names.index(d), names.index("EVAL")] = True
    modes = ["A"] * 7
    modes[5] = mode
    return compile_structure(blocks, modes, adj, names=names), names


@pytest.mark.parametrize("formative", [False, True], ids=["reflective", "formative"])
def test_repeated_indicators_algorithm(
    spec: sem_csat.ModelSpec, data: pd.DataFrame, formative: bool
) -> None:
    hoc_spec = _formative(spec) if formative else spec
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = _fit(hoc_spec, hoc="repeated", tol=1e-12, max_iter=1000)
    z = standardize(data.to_numpy(float))
    structure, names = _repeated_structure(spec, "B" if formative else "A")
    est = estimate(correlation(z), structure, tol=1e-12, max_iter=1000)
    b = np.asarray(est.paths)
    for p in result.paths.itertuples():
        assert p.estimate == pytest.approx(b[names.index(p[1]), names.index(p.to)], abs=TOL_SAME)
    scores = z @ np.asarray(est.weights)
    h = scores[:, names.index("EVAL")]
    dims = scores[:, [names.index(d) for d in DIMS]]
    outer = result.outer.set_index(["construct", "indicator"])
    beta = np.linalg.lstsq(dims, h, rcond=None)[0]
    for k, d in enumerate(DIMS):
        assert outer.loc[("EVAL", d), "loading"] == pytest.approx(
            np.corrcoef(h, dims[:, k])[0, 1], abs=TOL_SAME
        )
        assert outer.loc[("EVAL", d), "weight"] == pytest.approx(beta[k], abs=TOL_SAME)
    items = list(spec.indicator_names)
    for d in DIMS:
        for i in spec.construct(d).indicator_names:
            assert outer.loc[(d, i), "weight"] == pytest.approx(
                est.weights[items.index(i), names.index(d)], abs=TOL_SAME
            )


def test_repeated_formative_with_antecedents_warns(spec: sem_csat.ModelSpec) -> None:
    with pytest.warns(sem_csat.errors.SpecWarning, match="close\\s+to zero"):
        sem_csat.fit(_formative(spec), "bank_satisfaction", hoc="repeated")


def test_embedded_two_stage_algorithm(spec: sem_csat.ModelSpec, data: pd.DataFrame) -> None:
    """Stage 1 is the repeated-indicators model; its dimension scores measure EVAL in stage 2
    (Ringle et al. 2012; Sarstedt et al. 2019)."""
    result = _fit(spec, hoc="embedded", tol=1e-12, max_iter=1000)
    z = standardize(data.to_numpy(float))
    structure, names = _repeated_structure(spec)
    stage1 = estimate(correlation(z), structure, tol=1e-12, max_iter=1000)
    scores = z @ np.asarray(stage1.weights)[:, [names.index(d) for d in DIMS]]
    items = list(spec.indicator_names)
    x = np.column_stack([z, scores])
    final = ["IMAG", "EXPE", "EVAL", "LOY"]
    blocks = [_items(items, spec, "IMAG"), _items(items, spec, "EXPE")]
    blocks += [[len(items) + k for k in range(3)], _items(items, spec, "LOY")]
    adj = np.zeros((4, 4), dtype=bool)
    for s, t in [(0, 1), (0, 2), (1, 2), (0, 3), (2, 3)]:
        adj[s, t] = True
    est = estimate(correlation(x), compile_structure(blocks, ["A"] * 4, adj), tol=1e-12)
    for p in result.paths.itertuples():
        expected = est.paths[final.index(p[1]), final.index(p.to)]
        assert p.estimate == pytest.approx(expected, abs=TOL_SAME)
    outer = result.outer.set_index(["construct", "indicator"])
    for k, d in enumerate(DIMS):
        assert outer.loc[("EVAL", d), "weight"] == pytest.approx(
            est.weights[len(items) + k, 2], abs=TOL_SAME
        )
        for i in spec.construct(d).indicator_names:  # the dimensions keep their stage-1 weights
            assert outer.loc[(d, i), "weight"] == pytest.approx(
                stage1.weights[items.index(i), names.index(d)], abs=TOL_SAME
            )


# ---------------------------------------------------------------------------------------------
# what the result reports


def test_outer_lists_the_dimensions_of_the_hoc(spec: sem_csat.ModelSpec) -> None:
    result = _fit(spec)
    rows = result.outer[result.outer["construct"] == "EVAL"]
    assert list(rows["indicator"]) == DIMS
    scores = result.scores
    for row in rows.itertuples():
        r = np.corrcoef(scores["EVAL"], scores[row.indicator])[0, 1]
        assert row.loading == pytest.approx(r, abs=TOL_SAME)
    # EVAL's scores are its weights times the scores of its dimensions (two-stage)
    w = rows.set_index("indicator")["weight"]
    np.testing.assert_allclose(scores["EVAL"], scores[DIMS] @ w[DIMS].to_numpy(), atol=1e-10)
    params = result.params
    assert set(params[(params.lhs == "EVAL") & (params.op == "<~")]["rhs"]) == set(DIMS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quality = result.quality
    assert set(quality.reliability["construct"]) == {
        "IMAG",
        "EXPE",
        "QUAL",
        "VAL",
        "SAT",
        "LOY",
    }


def test_hoc_quality_from_its_dimensions(spec: sem_csat.ModelSpec) -> None:
    result = _fit(spec)
    row = result.hoc_quality.set_index("construct").loc["EVAL"]
    lam = result.outer.set_index(["construct", "indicator"]).loc["EVAL", "loading"].to_numpy()
    assert row["rho_c"] == pytest.approx(lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum()))
    assert row["ave"] == pytest.approx(float(np.mean(lam**2)))
    c = result.scores[DIMS].corr().to_numpy()
    k = len(DIMS)
    mean_r = (c.sum() - k) / (k * (k - 1))
    assert row["alpha"] == pytest.approx(k * mean_r / (1 + (k - 1) * mean_r))
    assert row["max_vif"] == pytest.approx(float(np.max(np.diag(np.linalg.inv(c)))))
    assert "hoc_quality" in result.tables()


def test_effects_and_index_include_the_hoc(spec: sem_csat.ModelSpec, data: pd.DataFrame) -> None:
    result = _fit(spec)
    effects = result.effects.set_index(["from", "to"])
    p = result.paths.set_index(["from", "to"])["estimate"]
    expected = p[("IMAG", "EVAL")] * p[("EVAL", "LOY")]
    expected += p[("IMAG", "EXPE")] * p[("EXPE", "EVAL")] * p[("EVAL", "LOY")]
    assert effects.loc[("IMAG", "LOY"), "indirect"] == pytest.approx(expected, abs=TOL_SAME)
    # the index of EVAL: its effective item weights (stage 2 times stage 1), unstandardized by
    # the item SDs and rescaled to sum to 1, on the items' means (Fornell et al. 1996)
    outer = result.outer.set_index(["construct", "indicator"])["weight"]
    sd = data.std(ddof=1)
    num = den = 0.0
    for d in DIMS:
        for i in spec.construct(d).indicator_names:
            u = outer[("EVAL", d)] * outer[(d, i)] / sd[i]
            num += u * data[i].mean()
            den += u
    index = result.index.set_index("construct").loc["EVAL", "index"]
    assert index == pytest.approx((num / den - 0.0) / 10.0 * 100.0, abs=1e-9)
    assert "EVAL" in set(result.ipma().table["name"])


def test_bootstrap_resamples_refit_both_stages(
    spec: sem_csat.ModelSpec, data: pd.DataFrame
) -> None:
    """Replicate b of the bootstrap equals the fit of resample b (both stages re-estimated)."""
    result = _fit(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot = result.bootstrap(40, seed=11, progress=False, fit_test=False)
    lay = PLSLayout.from_structure(result.estimate.structure)
    nodes = result.nodes
    columns = {(nodes[i], nodes[j]): k for k, (i, j) in enumerate(zip(*lay.paths, strict=True))}
    rows = bootstrap_indices(11, len(data), range(25))
    samples = boot.boot.replicates.samples("paths")
    weights = boot.boot.replicates.samples("weights")
    outer_cols = {
        (nodes[j], result.variables[k]): n for n, (k, j) in enumerate(zip(*lay.outer, strict=True))
    }
    for b in (0, 13, 24):
        refit = _fit(spec, data.iloc[rows[b]].reset_index(drop=True))
        for p in refit.paths.itertuples():
            assert samples[b, columns[(p[1], p.to)]] == pytest.approx(p.estimate, abs=1e-9)
        for row in refit.outer.itertuples():
            assert weights[b, outer_cols[(row.construct, row.indicator)]] == pytest.approx(
                row.weight, abs=1e-9
            )
    hoc_rows = boot.params[(boot.params.lhs == "EVAL") & (boot.params.op == "<~")]
    assert hoc_rows["std_error"].notna().all()
    assert boot.outer.shape[0] == result.outer.shape[0]


def test_write_draws_and_tabulates_a_hoc_model(spec: sem_csat.ModelSpec, tmp_path: object) -> None:
    result = _fit(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        files = sem_csat.write(result, tmp_path, figures=True)
    names = {f.name for f in files}
    assert {"outer.csv", "hoc_quality.csv", "fit.csv", "diagram.pdf"} <= names
    outer = pd.read_csv(tmp_path / "outer.csv")  # type: ignore[operator]
    assert list(outer.loc[outer.construct == "EVAL", "indicator"]) == DIMS


# ---------------------------------------------------------------------------------------------
# bad input: one sentence each, naming the construct


def _yaml(dims: str, extra: str = "") -> str:
    return f"""
name: bad
constructs:
  A: {{indicators: [a1, a2]}}
  B: {{indicators: [b1, b2]}}
  C: {{indicators: [c1, c2]}}
  H: {{dimensions: [{dims}]}}
{extra}
  Y: {{indicators: [y1, y2]}}
paths: [H -> Y]
"""


def test_one_dimension_is_refused() -> None:
    with pytest.raises(SpecError, match="'H' has one dimension \\('A'\\)"):
        sem_csat.ModelSpec.from_yaml(_yaml("A"))


def test_a_dimension_of_two_hocs_is_refused() -> None:
    text = _yaml("A, B", "  G: {dimensions: [B, C]}").replace("[H -> Y]", "[H -> Y, G -> Y]")
    with pytest.raises(SpecError, match="'B' is a dimension of both 'H' and 'G'"):
        sem_csat.ModelSpec.from_yaml(text)


def test_a_cycle_through_dimensions_is_refused() -> None:
    text = """
name: bad
constructs:
  A: {indicators: [a1, a2]}
  H: {dimensions: [A, G]}
  G: {dimensions: [H, A]}
  Y: {indicators: [y1, y2]}
paths: [H -> Y]
"""
    with pytest.raises(SpecError):
        sem_csat.ModelSpec.from_yaml(text)


def test_a_third_order_model_is_refused_by_pls() -> None:
    text = _yaml("A, B", "  T: {dimensions: [H, C]}").replace("[H -> Y]", "[T -> Y]")
    model = sem_csat.ModelSpec.from_yaml(text)
    data = pd.DataFrame(
        np.random.default_rng(1).integers(1, 6, size=(40, 8)),
        columns=["a1", "a2", "b1", "b2", "c1", "c2", "y1", "y2"],
    )
    with pytest.raises(SpecError, match="Dimension 'H' of the higher-order construct 'T'"):
        sem_csat.fit(model, data)


def test_a_fixed_dimension_loading_is_refused_by_pls(spec: sem_csat.ModelSpec) -> None:
    text = spec.to_lavaan().replace("EVAL =~ QUAL", "EVAL =~ 1*QUAL")
    model = sem_csat.ModelSpec.from_lavaan(text)
    with pytest.raises(SpecError, match="Fixed parameter values are not yet supported for PLS"):
        sem_csat.fit(model, "bank_satisfaction")


def test_unknown_hoc_approach_is_refused(spec: sem_csat.ModelSpec) -> None:
    with pytest.raises(sem_csat.errors.EstimationError, match="hoc must be one of"):
        sem_csat.fit(spec, "bank_satisfaction", hoc="disjoint")


def test_group_comparisons_of_a_hoc_model_are_refused(spec: sem_csat.ModelSpec) -> None:
    from sem_csat.groups import fit_groups

    bank = sem_csat.datasets.load("bank_satisfaction")
    with pytest.raises(sem_csat.errors.UsageError, match="with higher-order constructs are not"):
        fit_groups(spec, bank, "gender")
