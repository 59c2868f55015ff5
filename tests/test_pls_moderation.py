"""Moderation in PLS: the three ways of building an interaction term against seminr's Python
port, the reported coefficients, simple slopes, the floodlight / Johnson–Neyman region, f²,
the bootstrap and the refusals.

The model is the bundled ``ecsi_bank`` with the interaction ``SATxIMAG = SAT x IMAG`` and the
path ``SATxIMAG -> LOY`` (does image moderate the satisfaction–loyalty link?).
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
from sem_csat.spec.model import Interaction, Path

TOL_SEMINR = 1e-8  # both iterate to 1e-12 here; seminr's stage 1 of two-stage terms to 1e-7
TOL_SEMINR_TWO_STAGE = 1e-6
TOL_SAME = 1e-10
METHODS = ("two-stage", "product-indicator", "orthogonal")


def _fit(spec: sem_csat.ModelSpec, data: object = "bank_satisfaction", **kw: object) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sem_csat.fit(spec, data, **kw)  # type: ignore[arg-type]


def _boot(result: object, n: int, **kw: object) -> sem_csat.PLSResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return result.bootstrap(n, progress=False, **kw)  # type: ignore[attr-defined, no-any-return]


@pytest.fixture(scope="module")
def spec() -> sem_csat.ModelSpec:
    base = sem_csat.load_spec("ecsi_bank")
    return dataclasses.replace(
        base,
        interactions=(Interaction("SATxIMAG", "SAT", "IMAG"),),
        paths=(*base.paths, Path("SATxIMAG", "LOY")),
    )


@pytest.fixture(scope="module")
def data(spec: sem_csat.ModelSpec) -> pd.DataFrame:
    frame = pd.read_csv(sem_csat.datasets.path("bank_satisfaction"))
    return frame.loc[:, list(spec.indicator_names)]


def _seminr(data: pd.DataFrame, spec: sem_csat.ModelSpec, method: str) -> object:
    sm = pytest.importorskip("seminr")
    build = {
        "two-stage": sm.two_stage,
        "product-indicator": sm.product_indicator,
        "orthogonal": sm.orthogonal,
    }[method]
    blocks = {c.name: list(c.indicator_names) for c in spec.constructs}
    mm = sm.constructs(
        *(sm.composite(k, v, sm.mode_A) for k, v in blocks.items()),
        sm.interaction_term("SAT", "IMAG", build),
    )
    st = sm.relationships(
        sm.paths("IMAG", ["EXPE", "SAT", "LOY"]),
        sm.paths("EXPE", ["QUAL", "VAL", "SAT"]),
        sm.paths("QUAL", ["VAL", "SAT"]),
        sm.paths("VAL", "SAT"),
        sm.paths(["SAT", "SAT*IMAG"], "LOY"),
    )
    return sm.estimate_pls(data, mm, st, stop_criterion=12, max_it=1000)


def _named(matrix: object) -> pd.DataFrame:
    return pd.DataFrame(matrix.values, matrix.rows, matrix.cols)  # type: ignore[attr-defined]


def _node(name: str) -> str:
    return "SAT*IMAG" if name == "SATxIMAG" else name


# ---------------------------------------------------------------------------------------------
# parity with seminr


@pytest.mark.parametrize("method", METHODS)
def test_interaction_methods_match_seminr(
    spec: sem_csat.ModelSpec, data: pd.DataFrame, method: str
) -> None:
    model = _seminr(data, spec, method)
    result = _fit(spec, interaction=method, tol=1e-12, max_iter=1000)
    tol = TOL_SEMINR_TWO_STAGE if method == "two-stage" else TOL_SEMINR
    paths = _named(model.path_coef)  # type: ignore[attr-defined]
    for p in result.paths.itertuples():
        assert p.estimate == pytest.approx(paths.loc[_node(p[1]), p.to], abs=tol), (p[1], p.to)
    r2 = _named(model.r_squared)  # type: ignore[attr-defined]
    for name, value in result.r2["r2"].items():
        assert value == pytest.approx(r2.loc["Rsq", name], abs=tol), name
    weights = _named(model.outer_weights)  # type: ignore[attr-defined]
    for row in result.outer.itertuples():
        assert row.weight == pytest.approx(weights.loc[row.indicator, row.construct], abs=tol)
    # the interaction term's own weights (its product indicators, or its one product)
    ours = result.weights["SATxIMAG"]
    theirs = weights["SAT*IMAG"]
    generated = [v for v in result.variables if "*" in v]
    column = {"SAT*IMAG": "SAT*IMAG_intxn"}
    for v in generated:
        assert ours[v] == pytest.approx(theirs[column.get(v, v)], abs=tol), v
    # std_estimate: seminr's coefficient times the standard deviation of its interaction
    # scores (the centred product, not re-standardized; LOY's scores have unit variance)
    scores = _named(model.construct_scores)  # type: ignore[attr-defined]
    row = result.paths.set_index(["from", "to"]).loc[("SATxIMAG", "LOY")]
    sd = float(np.std(scores["SAT*IMAG"], ddof=1))
    assert row["std_estimate"] == pytest.approx(paths.loc["SAT*IMAG", "LOY"] * sd, abs=tol)
    assert result.settings.interaction == method
    assert f"interaction terms: {method} approach" in str(result)


@pytest.mark.parametrize("method", METHODS)
def test_simple_slopes_match_seminr(
    spec: sem_csat.ModelSpec, data: pd.DataFrame, method: str
) -> None:
    """seminr's slope_analysis draws LOY against SAT at IMAG = -1, 0, +1 SD."""
    sm = pytest.importorskip("seminr")
    model = _seminr(data, spec, method)
    fig = sm.slope_analysis(model, dv="LOY", moderator="IMAG", iv="SAT")
    lines = fig.axes[0].get_lines()[:3]
    result = _fit(spec, interaction=method, tol=1e-12, max_iter=1000)
    table = result.simple_slopes
    tol = TOL_SEMINR_TWO_STAGE if method == "two-stage" else TOL_SEMINR
    for line, m in zip(lines, (-1.0, 0.0, 1.0), strict=True):
        x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        slope = (y[-1] - y[0]) / (x[-1] - x[0])
        ours = table.loc[table["moderator_value"] == m, "slope"].iloc[0]
        assert ours == pytest.approx(slope, abs=tol)
    assert list(table["iv"]) == ["SAT"] * 3
    assert list(table["moderator"]) == ["IMAG"] * 3


# ---------------------------------------------------------------------------------------------
# effect size, probing, bootstrap


def test_f_squared_of_the_interaction(spec: sem_csat.ModelSpec) -> None:
    """f² holds the scores fixed: R² of LOY on all its predictors against R² without the
    interaction term, by least squares on the scores."""
    result = _fit(spec)
    scores = result.scores
    y = scores["LOY"].to_numpy()

    def r2(columns: list[str]) -> float:
        x = scores[columns].to_numpy()
        fitted = x @ np.linalg.lstsq(x, y, rcond=None)[0]
        return float(1 - np.sum((y - fitted) ** 2) / np.sum(y**2))

    full, reduced = r2(["IMAG", "SAT", "SATxIMAG"]), r2(["IMAG", "SAT"])
    table = result.f_squared.set_index(["from", "to"])
    assert table.loc[("SATxIMAG", "LOY"), "f2"] == pytest.approx(
        (full - reduced) / (1 - full), abs=TOL_SAME
    )


@pytest.mark.parametrize("method", ["two-stage", "product-indicator"])
def test_bootstrap_resamples_rebuild_the_term(
    spec: sem_csat.ModelSpec, data: pd.DataFrame, method: str
) -> None:
    """Replicate b equals the fit of resample b: the term is rebuilt from the resampled answers
    (and, two-stage, from the resample's own stage-1 scores)."""
    result = _fit(spec, interaction=method)
    boot = _boot(result, 40, seed=5)
    lay = PLSLayout.from_structure(result.estimate.structure)
    nodes = result.nodes
    column = {(nodes[i], nodes[j]): k for k, (i, j) in enumerate(zip(*lay.paths, strict=True))}
    samples = boot.boot.replicates.samples("paths")
    rows = bootstrap_indices(5, len(data), range(16))
    for b in (0, 9, 15):
        refit = _fit(spec, data.iloc[rows[b]].reset_index(drop=True), interaction=method)
        for p in refit.paths.itertuples():
            assert samples[b, column[(p[1], p.to)]] == pytest.approx(p.estimate, abs=1e-9)


def test_johnson_neyman_region_by_hand(spec: sem_csat.ModelSpec) -> None:
    boot = _boot(_fit(spec), 200, seed=2)
    lay = PLSLayout.from_structure(boot.estimate.structure)
    nodes = boot.nodes
    column = {(nodes[i], nodes[j]): k for k, (i, j) in enumerate(zip(*lay.paths, strict=True))}
    reps = boot.boot.replicates
    draws = reps.samples("paths")[reps.ok]
    b_x = draws[:, column[("SAT", "LOY")]]
    b_xm = draws[:, column[("SATxIMAG", "LOY")]]
    flood = boot.floodlight
    for m in (-3.0, -1.0, 0.0, 0.5, 3.0):
        row = flood[np.isclose(flood["moderator_value"], m)].iloc[0]
        s = b_x + b_xm * m
        assert row["ci_lower"] == pytest.approx(np.quantile(s, 0.025), abs=TOL_SAME)
        assert row["ci_upper"] == pytest.approx(np.quantile(s, 0.975), abs=TOL_SAME)
        assert bool(row["significant"]) == bool(np.quantile(s, 0.025) > 0)
    slopes = boot.simple_slopes
    for m in (-1.0, 0.0, 1.0):
        s = b_x + b_xm * m
        row = slopes[slopes["moderator_value"] == m].iloc[0]
        assert row["std_error"] == pytest.approx(np.std(s, ddof=1), abs=TOL_SAME)
    jn = boot.johnson_neyman
    significant = flood["significant"].to_numpy()
    if significant.all():
        assert jn[["lower", "upper"]].to_numpy().tolist() == [[-np.inf, np.inf]]
    for r in jn.itertuples():  # inside every interval the slope is significant
        inside = (flood["moderator_value"] > r.lower) & (flood["moderator_value"] < r.upper)
        assert flood.loc[inside, "significant"].all()
    assert "johnson_neyman" in boot.tables()


def test_johnson_neyman_boundaries_where_the_interval_crosses_zero() -> None:
    """A strong moderation in simulated data, slope 0.2 + 0.35 m: significantly negative for
    low and positive for high moderator values, with a gap between; each boundary is where an
    end of the interval crosses zero, interpolated between two grid points."""
    rng = np.random.default_rng(4)
    n = 300
    x, m = rng.normal(size=n), rng.normal(size=n)
    y = 0.2 * x + 0.2 * m + 0.35 * x * m + rng.normal(scale=0.8, size=n)
    cols = {}
    for name, latent in (("x", x), ("m", m), ("y", y)):
        for k in (1, 2, 3):
            cols[f"{name}{k}"] = latent + rng.normal(scale=0.5, size=n)
    frame = pd.DataFrame(cols)
    model = sem_csat.ModelSpec.from_lavaan(
        "X =~ x1 + x2 + x3\nM =~ m1 + m2 + m3\nY =~ y1 + y2 + y3\nY ~ X + M + X:M"
    )
    model = dataclasses.replace(model, scale=(-10, 10))  # simulated, continuous answers
    boot = _boot(_fit(model, frame), 300, seed=9)
    jn = boot.johnson_neyman
    assert len(jn) == 2
    (low_end, high_start) = float(jn["upper"].iloc[0]), float(jn["lower"].iloc[1])
    assert np.isinf(jn["lower"].iloc[0])
    assert np.isinf(jn["upper"].iloc[1])
    assert low_end < high_start
    flood = boot.floodlight
    mv = flood["moderator_value"].to_numpy()
    sig = flood["significant"].to_numpy()
    assert sig[mv < low_end].all()
    assert not sig[(mv > low_end) & (mv < high_start)].any()
    assert sig[mv > high_start].all()
    assert (flood.loc[mv < low_end, "ci_upper"] < 0).all()
    for bound, end in ((low_end, "ci_upper"), (high_start, "ci_lower")):
        k = int(np.searchsorted(mv, bound))
        e = flood[end].to_numpy()
        expected = mv[k - 1] + (mv[k] - mv[k - 1]) * e[k - 1] / (e[k - 1] - e[k])
        assert bound == pytest.approx(expected, abs=TOL_SAME)


def test_slopes_figure_at_print_size(spec: sem_csat.ModelSpec) -> None:
    from sem_csat.rendering.printsize import MIN_TEXT_PT

    result = _fit(spec)
    figure = result.figures()["simple_slopes_SATxIMAG_LOY"]
    fig = figure.figure()
    assert fig.measure().width_in == pytest.approx(3.5)
    assert fig.measure().min_size >= MIN_TEXT_PT
    png, meta = fig._repr_png_()
    assert png[:4] == b"\x89PNG"
    assert meta["width"] == round(3.5 * 96)
    boot = _boot(result, 50, seed=1)
    both = boot.figures()["simple_slopes_SATxIMAG_LOY"].figure()
    assert both.measure().width_in == pytest.approx(7.2)
    assert both.measure().min_size >= MIN_TEXT_PT
    single = boot.figures()["simple_slopes_SATxIMAG_LOY"].figure(size="single")
    assert single.measure().width_in == pytest.approx(3.5)
    assert "simple slopes" in figure.title.lower()


def test_lavaan_interaction_end_to_end(tmp_path: object) -> None:
    text = sem_csat.load_spec("ecsi_bank").to_lavaan() + "\nLOY ~ SAT:IMAG\n"
    model = sem_csat.ModelSpec.from_lavaan(text)
    assert model.interaction_names == ("SAT_x_IMAG",)
    result = _fit(model)
    assert ("SAT_x_IMAG", "LOY") in set(zip(result.paths["from"], result.paths["to"], strict=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        files = sem_csat.write(result, tmp_path)
    names = {f.name for f in files}
    assert {"simple_slopes.csv", "simple_slopes_SAT_x_IMAG_LOY.png", "diagram.pdf"} <= names
    run = pd.read_json(tmp_path / "run.json", typ="series")  # type: ignore[operator]
    assert run["settings"]["interaction"] == "two-stage"


# ---------------------------------------------------------------------------------------------
# bad input: one sentence each, naming the term


def test_an_interaction_of_a_construct_with_itself_is_refused() -> None:
    with pytest.raises(SpecError, match="'SATxSAT' multiplies construct 'SAT' with itself"):
        Interaction("SATxSAT", "SAT", "SAT")


def test_an_interaction_in_no_path_is_refused(spec: sem_csat.ModelSpec) -> None:
    with pytest.raises(SpecError, match=r"'SATxIMAG' \(SAT x IMAG\).*is not used in any path"):
        dataclasses.replace(spec, paths=tuple(p for p in spec.paths if p.source != "SATxIMAG"))


def test_an_interaction_in_a_matrix_fit_is_refused(
    spec: sem_csat.ModelSpec, data: pd.DataFrame
) -> None:
    with pytest.raises(SpecError, match="interaction term 'SATxIMAG' \\(SAT x IMAG\\) is built"):
        sem_csat.fit(spec, cov=data.cov(), n_obs=len(data))


def test_product_indicators_of_a_hoc_are_refused() -> None:
    hoc = sem_csat.load_spec("ecsi_bank_hoc")
    model = dataclasses.replace(
        hoc,
        interactions=(Interaction("EVALxIMAG", "EVAL", "IMAG"),),
        paths=(*hoc.paths, Path("EVALxIMAG", "LOY")),
    )
    with pytest.raises(SpecError, match="'EVALxIMAG' uses the higher-order construct 'EVAL'"):
        sem_csat.fit(model, "bank_satisfaction", interaction="product-indicator")
    result = _fit(model)  # two-stage multiplies the construct scores
    assert np.isfinite(result.paths["estimate"]).all()


def test_unknown_interaction_approach_is_refused(spec: sem_csat.ModelSpec) -> None:
    with pytest.raises(sem_csat.errors.EstimationError, match="interaction must be one of"):
        sem_csat.fit(spec, "bank_satisfaction", interaction="latent")
