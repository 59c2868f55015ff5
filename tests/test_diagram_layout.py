"""Properties of the pure path-diagram layout (no matplotlib involved)."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sem_csat
from sem_csat.diagram import Layout, compute_layout
from sem_csat.diagram.geometry import on_border, rects_overlap, segment_hits_shape
from sem_csat.diagram.layout import edge_crossings
from sem_csat.errors import UsageError
from sem_csat.spec import ModelSpec
from sem_csat.spec.builders import reflective

SPECS = [info.key for info in sem_csat.list_specs()]


def fake_labels(spec: ModelSpec, indicators: bool) -> dict[tuple[str, str], str]:
    """Labels as long as the renderer's widest ordinary ones (coefficient and stars)."""
    labels = {(p.source, p.target): "−.53***" for p in spec.paths}
    if indicators:
        for c in spec.constructs:
            labels.update({(c.name, i): ".85" for i in c.indicator_names})
    return labels


def check_invariants(lay: Layout, spec: ModelSpec) -> None:
    nodes = {n.id: n for n in lay.nodes}
    for n in lay.nodes:
        assert all(math.isfinite(v) for v in (n.x, n.y, n.shape.width, n.shape.height))
        assert n.shape.width > 0
        assert n.shape.height > 0
    # every path points strictly to the right
    for p in spec.paths:
        assert nodes[p.source].x < nodes[p.target].x
    # no two nodes overlap
    for a, b in itertools.combinations(lay.nodes, 2):
        assert not rects_overlap(a.shape.bbox, b.shape.bbox), (a.id, b.id)
    for e in lay.edges:
        # endpoints on the borders of their nodes
        assert on_border(nodes[e.source].shape, e.points[0]), (e.source, e.target)
        assert on_border(nodes[e.target].shape, e.points[-1]), (e.source, e.target)
        # no segment through another node
        for p, q in e.segments:
            for n in lay.nodes:
                if n.id not in (e.source, e.target):
                    assert not segment_hits_shape(p, q, n.shape), (e.source, e.target, n.id)
    # label boxes clear of nodes, other labels and other edges
    assert lay.label_problems() == 0
    boxes = [e.label_box for e in lay.edges if e.label_box is not None]
    for a, b in itertools.combinations(boxes, 2):
        assert not rects_overlap(a, b)


@pytest.mark.parametrize("indicators", [False, True])
@pytest.mark.parametrize("key", SPECS)
def test_bundled_specs_layout_invariants(key: str, indicators: bool) -> None:
    spec = sem_csat.load_spec(key)
    lay = compute_layout(spec, indicators=indicators, edge_labels=fake_labels(spec, indicators))
    check_invariants(lay, spec)
    n_ind = len(spec.indicator_names) if indicators else 0
    assert len(lay.nodes) == len(spec.constructs) + n_ind
    assert len(lay.edges) == len(spec.paths) + n_ind


@pytest.mark.parametrize("key", SPECS)
def test_bundled_specs_without_labels(key: str) -> None:
    spec = sem_csat.load_spec(key)
    check_invariants(compute_layout(spec), spec)


def test_exogenous_left_outcomes_right() -> None:
    lay = compute_layout(sem_csat.load_spec("ecsi"))
    assert lay.layers[0] == ("Image",)
    assert lay.layers[-1] == ("Loyalty",)
    lay = compute_layout(sem_csat.load_spec("acsi"))
    assert lay.layers[0] == ("Expectations",)
    servqual = compute_layout(sem_csat.load_spec("servqual"))
    assert len(servqual.layers[0]) == 5
    assert servqual.layers[1] == ("Satisfaction",)


def test_ecsi_has_no_crossings() -> None:
    lay = compute_layout(sem_csat.load_spec("ecsi"), indicators=True)
    assert lay.crossings == 0
    assert edge_crossings(lay) == 0


def test_relationship_quality_crossings() -> None:
    # the value the barycenter heuristic reaches; a regression guard, not an optimum
    lay = compute_layout(sem_csat.load_spec("relationship_quality"))
    assert lay.crossings <= 1


def test_layout_is_deterministic() -> None:
    spec = sem_csat.load_spec("ecsi")
    labels = fake_labels(spec, True)
    a = compute_layout(spec, indicators=True, edge_labels=labels)
    b = compute_layout(sem_csat.load_spec("ecsi"), indicators=True, edge_labels=dict(labels))
    assert a == b


def test_indicator_arrows_follow_mode() -> None:
    from sem_csat.spec.builders import formative, paths

    spec = ModelSpec(
        "Mixed",
        constructs=[formative("Q", ["q1", "q2"]), reflective("S", ["s1", "s2"])],
        paths=paths("Q", "S"),
    )
    lay = compute_layout(spec, indicators=True)
    assert lay.edge("Q/q1", "Q").kind == "indicator"
    assert lay.edge("S", "S/s1").kind == "indicator"
    assert lay.node("Q/q1").x < lay.node("Q").x  # first layer: boxes on the left
    assert lay.node("S/s1").x > lay.node("S").x  # last layer: boxes on the right


def test_cjk_labels_are_wider() -> None:
    spec = sem_csat.load_spec("ccsi")
    lay = compute_layout(spec)
    assert lay.node("Satisfaction").lines == ("顾客满意度",)
    check_invariants(lay, spec)


def test_bad_arguments() -> None:
    with pytest.raises(UsageError, match="font_size"):
        compute_layout(sem_csat.load_spec("acsi"), font_size=0)
    with pytest.raises(UsageError, match="no node"):
        compute_layout(sem_csat.load_spec("acsi")).node("Nope")


@st.composite
def random_specs(draw: st.DrawFn) -> ModelSpec:
    n = draw(st.integers(2, 8))
    names = [f"C{k}" for k in range(n)]
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, min_size=1, max_size=12))
    sizes = draw(st.lists(st.integers(1, 5), min_size=n, max_size=n))
    long = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    constructs = [
        reflective(
            name,
            [f"x{k}_{m}" for m in range(sizes[k])],
            label=f"Construct number {k}" if long[k] else None,
        )
        for k, name in enumerate(names)
    ]
    from sem_csat.spec.model import Path

    return ModelSpec("Random", constructs, tuple(Path(names[i], names[j]) for i, j in chosen))


@settings(max_examples=10, deadline=None)
@given(random_specs(), st.booleans())
def test_random_dags_keep_invariants(spec: ModelSpec, indicators: bool) -> None:
    lay = compute_layout(spec, indicators=indicators, edge_labels=fake_labels(spec, indicators))
    check_invariants(lay, spec)
