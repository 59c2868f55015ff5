"""Every figure at its printed size: text measured in the SVG against the figure's width.

Journals print a figure one column (3.5 in) or the text block (7.2 in) wide and ask for text
of at least 6-8 pt at that width.  These tests save each figure as SVG with its text kept as
``<text>`` elements, read the width and every font size back, and check that the figure is no
wider than its column (a single column may become a double one, with a FigureWarning), that
every text is at least ``MIN_TEXT_PT`` (coefficients ``MIN_LABEL_PT``) and that it sits inside
the figure.  Bundled specs (drawn from the spec, from PLS and from CB-SEM results), random
models (hypothesis) and the importance-performance map.
"""

from __future__ import annotations

import re
import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sem_csat
from sem_csat.diagram import Diagram, path_diagram
from sem_csat.errors import FigureWarning
from sem_csat.pls.model import SPEC_FEATURES as PLS_FEATURES
from sem_csat.rendering.printsize import (
    COLUMN_WIDTHS,
    MIN_LABEL_PT,
    MIN_TEXT_PT,
    PrintMeasure,
    measure_figure,
    measure_svg,
)
from sem_csat.spec import ModelSpec
from sem_csat.spec.builders import reflective
from sem_csat.spec.model import Path

SPECS = [info.key for info in sem_csat.list_specs()]
# the bundled specs PLS can estimate (it refuses higher-order constructs until it supports them)
PLS_SPECS = [k for k in SPECS if sem_csat.load_spec(k).unsupported("PLS", PLS_FEATURES) is None]
BUNDLED_DATA = {"ecsi": "ecsi_mobile", "ecsi_bank": "bank_satisfaction"}
#: A coefficient or loading as the diagram prints it: -.53***, .85, 1.00, .12 [.05, .20]
COEFFICIENT = re.compile(r"^[−-]?\d?\.\d+\**( \[[−-]?\d?\.\d+, [−-]?\d?\.\d+\])?$")


def simulate(spec: ModelSpec, seed: int = 1, n: int = 300) -> pd.DataFrame:
    """Answers on the spec's scale from a model with paths of .45 and loadings of .8."""
    rng = np.random.default_rng(seed)
    scores: dict[str, np.ndarray] = {}
    for c in spec.topological_order:
        s = sum((0.45 * scores[p] for p in spec.predecessors(c)), start=rng.normal(size=n))
        scores[c] = (s - s.mean()) / s.std()
    low, high = spec.scale or (1, 7)
    columns = {}
    for c in spec.constructs:
        lo, hi = c.scale or (low, high)
        for name in c.indicator_names:
            x = 0.8 * scores[c.name] + 0.6 * rng.normal(size=n)
            columns[name] = np.clip(np.round((lo + hi) / 2 + x * (hi - lo) / 5), lo, hi)
    return pd.DataFrame(columns)


def quietly(make, *args, **kwargs):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make(*args, **kwargs)


@cache
def pls(key: str) -> object:
    """A PLS result of ``key``: the bundled data (bootstrapped, for stars) or simulated data."""
    spec = sem_csat.load_spec(key)
    if key in BUNDLED_DATA:
        result = quietly(sem_csat.fit, spec, BUNDLED_DATA[key])
        return quietly(result.bootstrap, n_boot=100, seed=1)
    return quietly(sem_csat.fit, spec, simulate(spec))


@cache
def cbsem(key: str) -> object:
    return quietly(sem_csat.fit, key, BUNDLED_DATA[key], method="ml")


@cache
def ipma_result() -> object:
    return quietly(sem_csat.fit, "ecsi", "ecsi_mobile").ipma()


def draw(source: object, size: str, indicators: bool) -> Diagram:
    """Draw, checking that a FigureWarning comes exactly when the column is left."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d = path_diagram(source, size=size, indicators=indicators)
    figure_warnings = [w for w in caught if issubclass(w.category, FigureWarning)]
    too_wide = d.width_in > COLUMN_WIDTHS["double"] + 1e-9
    assert bool(figure_warnings) == (d.needs_double_width or too_wide), caught
    return d


def check_print_size(m: PrintMeasure, column: float) -> None:
    """No wider than ``column`` inches, text large enough and inside the figure."""
    assert m.width_in <= column + 1e-9
    assert m.texts
    for t in m.texts:
        floor = MIN_LABEL_PT if COEFFICIENT.match(t.text) else MIN_TEXT_PT
        assert t.size_pt >= floor - 1e-9, (t.text, t.size_pt)
        assert 0.0 <= t.x <= m.width_in * 72 + 1e-6, t
        assert 0.0 <= t.y <= m.height_in * 72 + 1e-6, t


def check_diagram(d: Diagram, size: str) -> PrintMeasure:
    m = measure_svg(d.to_svg())
    column = COLUMN_WIDTHS["double" if d.needs_double_width else size]
    check_print_size(m, column)
    assert m.width_in == pytest.approx(column)
    if size == "double":
        assert not d.needs_double_width
    return m


@pytest.mark.parametrize("indicators", [False, True], ids=["constructs", "indicators"])
@pytest.mark.parametrize("size", ["single", "double"])
@pytest.mark.parametrize("key", SPECS)
def test_bundled_spec_diagram_at_print_size(key: str, size: str, indicators: bool) -> None:
    check_diagram(draw(sem_csat.load_spec(key), size, indicators), size)


@pytest.mark.parametrize("indicators", [False, True], ids=["constructs", "indicators"])
@pytest.mark.parametrize("size", ["single", "double"])
@pytest.mark.parametrize("key", PLS_SPECS)
def test_pls_diagram_at_print_size(key: str, size: str, indicators: bool) -> None:
    d = draw(pls(key), size, indicators)
    m = check_diagram(d, size)
    assert any(COEFFICIENT.match(t.text) for t in m.texts)  # the numbers are there
    assert any(t.text.startswith("R² = ") for t in m.texts)


@pytest.mark.parametrize("indicators", [False, True], ids=["constructs", "indicators"])
@pytest.mark.parametrize("size", ["single", "double"])
@pytest.mark.parametrize("key", sorted(BUNDLED_DATA))
def test_cbsem_diagram_at_print_size(key: str, size: str, indicators: bool) -> None:
    check_diagram(draw(cbsem(key), size, indicators), size)


def test_bundled_models_fit_a_double_column_without_abbreviations() -> None:
    # the compaction ladder keeps full labels for every bundled model in a double column
    for key in SPECS:
        d = quietly(path_diagram, sem_csat.load_spec(key), size="double")
        assert not d.abbreviations, key


@st.composite
def random_models(draw_: st.DrawFn) -> ModelSpec:
    n = draw_(st.integers(2, 7))
    names = [f"C{k}" for k in range(n)]
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw_(st.lists(st.sampled_from(pairs), unique=True, min_size=1, max_size=10))
    sizes = draw_(st.lists(st.integers(2, 5), min_size=n, max_size=n))
    long = draw_(st.lists(st.booleans(), min_size=n, max_size=n))
    constructs = [
        reflective(
            name,
            [f"x{k}_{m}" for m in range(sizes[k])],
            label=f"Construct number {k}" if long[k] else None,
        )
        for k, name in enumerate(names)
    ]
    paths = tuple(Path(names[i], names[j]) for i, j in chosen)
    return ModelSpec("Random", constructs, paths, scale=(1, 7))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_models(), st.sampled_from(["single", "double"]), st.booleans())
def test_random_fitted_models_at_print_size(spec: ModelSpec, size: str, indicators: bool) -> None:
    result = quietly(sem_csat.fit, spec, simulate(spec, seed=len(spec.paths)))
    d = draw(result, size, indicators)
    m = measure_svg(d.to_svg())
    # wider than a double column only with a FigureWarning (checked in draw), never smaller
    column = max(COLUMN_WIDTHS["double" if d.needs_double_width else size], d.width_in)
    check_print_size(m, column)


@pytest.mark.parametrize("size", ["single", "double"])
@pytest.mark.parametrize("level", ["construct", "indicator", "both"])
def test_ipma_figure_at_print_size(level: str, size: str) -> None:
    fig = ipma_result().figure(level, size=size)  # type: ignore[attr-defined]
    m = measure_figure(fig)
    check_print_size(m, COLUMN_WIDTHS[size])
    assert m.width_in == pytest.approx(COLUMN_WIDTHS[size])
    assert m.height_in <= 7.0
    shown = {t.text for t in m.texts}
    assert "Customer expectation" in shown  # a point label, or the key to the markers
    assert ("PERQ1" in shown) == (level != "construct")


@pytest.mark.parametrize("size", ["single", "double"])
@pytest.mark.parametrize("level", ["construct", "indicator", "both"])
def test_ipma_labels_keep_clear_of_markers(level: str, size: str) -> None:
    from sem_csat.pls.ipma_figure import GAP_PT, marker_boxes

    fig = ipma_result().figure(level, size=size)  # type: ignore[attr-defined]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    clear = GAP_PT * fig.dpi / 72 - 1e-6
    n = 0
    for ax in fig.axes:
        lines = [line for line in ax.get_lines() if line.get_marker() not in (None, "None", "")]
        markers = []
        for line in lines:
            rows = pd.DataFrame({"x": line.get_xdata(), "y": line.get_ydata()})
            markers += marker_boxes(ax, rows, line.get_markersize())
        for text in ax.texts:
            if text.get_gid() != "ipma-label":
                continue
            n += 1
            e = text.get_window_extent(renderer)
            for x0, y0, x1, y1 in markers:
                apart = e.x0 >= x1 + clear or x0 >= e.x1 + clear
                apart = apart or e.y0 >= y1 + clear or y0 >= e.y1 + clear
                assert apart, (text.get_text(), (e.x0, e.y0, e.x1, e.y1), (x0, y0, x1, y1))
    assert n == {"construct": 6, "indicator": 21, "both": 27}[level]


def test_measure_rejects_outlined_text() -> None:
    import io

    import matplotlib

    fig = ipma_result().figure()  # type: ignore[attr-defined]
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path"}):
        fig.savefig(buffer, format="svg")
    with pytest.raises(ValueError, match="outlines"):
        measure_svg(buffer.getvalue())
