"""Validation rules of ModelSpec and its parts, and the Python builders."""

from __future__ import annotations

import math

import pytest

from sem_csat.errors import SpecError, SpecWarning
from sem_csat.spec import Construct, Covariance, Indicator, ModelSpec, Path
from sem_csat.spec.builders import (
    covariance,
    formative,
    multi_items,
    paths,
    reflective,
    single_item,
)
from sem_csat.spec.model import did_you_mean


def _spec(*, extra_paths: tuple[Path, ...] = (), **kwargs: object) -> ModelSpec:
    """Image -> Quality -> Sat, Image -> Sat."""
    defaults: dict[str, object] = {
        "constructs": [
            reflective("Image", ["i1", "i2"]),
            reflective("Quality", ["q1", "q2"]),
            reflective("Sat", ["s1", "s2"]),
        ],
        "paths": paths("Image", ["Quality", "Sat"]) + paths("Quality", "Sat") + extra_paths,
    }
    defaults.update(kwargs)
    return ModelSpec("Mini", **defaults)  # type: ignore[arg-type]


def test_valid_spec_and_accessors() -> None:
    spec = _spec(scale=(1, 10))
    assert spec.construct_names == ("Image", "Quality", "Sat")
    assert spec.indicator_names == ("i1", "i2", "q1", "q2", "s1", "s2")
    assert spec.endogenous == ("Quality", "Sat")
    assert spec.exogenous == ("Image",)
    assert spec.isolated == ()
    assert spec.topological_order == ("Image", "Quality", "Sat")
    assert spec.predecessors("Sat") == ("Image", "Quality")
    assert spec.construct_of("q2").name == "Quality"
    assert spec.scale == (1.0, 10.0)
    assert spec.scale_of("Sat") == (1.0, 10.0)
    assert spec.diagnostics == ()
    assert repr(spec) == "<ModelSpec 'Mini': 3 constructs, 6 indicators, 3 paths>"


def test_spec_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="declares no constructs"):
        ModelSpec("Empty", constructs=())


# ---------------------------------------------------------------- names
def test_construct_names_must_be_unique() -> None:
    with pytest.raises(SpecError, match="Construct 'A' is declared twice"):
        ModelSpec("m", [reflective("A", ["a1"]), reflective("A", ["a2"])])


def test_indicator_cannot_share_a_construct_name() -> None:
    with pytest.raises(
        SpecError, match="Indicator 'B' of construct 'A' has the name of a construct"
    ):
        ModelSpec("m", [reflective("A", ["B"]), reflective("B", ["b1"])])


def test_indicator_in_two_constructs() -> None:
    with pytest.raises(SpecError, match="'x' is listed under both 'A' and 'B'"):
        ModelSpec("m", [reflective("A", ["x", "a"]), reflective("B", ["x"])])


def test_indicator_twice_in_one_block() -> None:
    with pytest.raises(SpecError, match="lists indicator 'x' twice"):
        reflective("A", ["x", "x"])


def test_empty_construct() -> None:
    with pytest.raises(SpecError, match="Construct 'A' has no indicators"):
        Construct("A", ())


@pytest.mark.parametrize("name", ["", "my construct", "1st", "Zufriedenheit!", "满意"])
def test_bad_names(name: str) -> None:
    with pytest.raises(SpecError, match="name"):
        reflective(name, ["x"])
    with pytest.raises(SpecError, match="name"):
        Indicator(name)


def test_blank_model_name() -> None:
    with pytest.raises(SpecError, match="non-empty name"):
        ModelSpec("  ", [reflective("A", ["a"])])


# ---------------------------------------------------------------- paths
def test_path_to_unknown_construct_suggests_a_name() -> None:
    with pytest.raises(
        SpecError, match=r"'Satt', which is not a declared construct \(did you mean"
    ):
        _spec(extra_paths=(Path("Image", "Satt"),))


def test_path_to_an_indicator_explains() -> None:
    with pytest.raises(SpecError, match="'s1' is an indicator of 'Sat'; paths connect constructs"):
        _spec(extra_paths=(Path("Image", "s1"),))


def test_self_loop() -> None:
    with pytest.raises(SpecError, match="from a construct to itself"):
        _spec(extra_paths=(Path("Sat", "Sat"),))


def test_duplicate_path() -> None:
    with pytest.raises(SpecError, match="Image -> Sat is declared twice"):
        _spec(extra_paths=(Path("Image", "Sat"),))


def test_cycle_mentions_cycle_and_pls() -> None:
    with pytest.raises(SpecError, match=r"cycle \(.*Sat -> Image.*\).*PLS"):
        _spec(extra_paths=(Path("Sat", "Image"),))


def test_paths_are_kept_in_canonical_order() -> None:
    listed = _spec()
    reordered = _spec(paths=tuple(reversed(listed.paths)))
    assert listed == reordered
    assert [(p.source, p.target) for p in listed.paths] == [
        ("Image", "Quality"),
        ("Image", "Sat"),
        ("Quality", "Sat"),
    ]


def test_isolated_constructs_are_reported_in_diagnostics() -> None:
    spec = _spec(constructs=[*_spec().constructs, single_item("Price", "p1")])
    (diag,) = spec.diagnostics
    assert diag.code == "construct_not_in_paths"
    assert diag.severity == "warning"
    assert "'Price'" in diag.message
    assert diag.category is SpecWarning
    assert spec.isolated == ("Price",)


def test_no_paths_is_an_info_diagnostic() -> None:
    spec = ModelSpec("m", [reflective("A", ["a1", "a2"])])
    assert [d.code for d in spec.diagnostics] == ["no_paths"]
    assert spec.diagnostics[0].severity == "info"


# ---------------------------------------------------------------- covariances
def test_covariance_endpoints() -> None:
    ok = _spec(covariances=[Covariance("Image", "Quality"), Covariance("i1", "q1")])
    assert len(ok.covariances) == 2
    with pytest.raises(SpecError, match="'Imag', which is neither a construct nor an indicator"):
        _spec(covariances=[Covariance("Imag", "Quality")])
    with pytest.raises(SpecError, match="links a construct with an indicator"):
        _spec(covariances=[Covariance("Image", "q1")])


def test_variance_is_a_covariance_with_itself() -> None:
    assert _spec(covariances=[Covariance("i1", "i1")]).covariances[0].right == "i1"


# ---------------------------------------------------------------- construct settings
def test_reverse_must_name_an_item_of_the_block() -> None:
    with pytest.raises(SpecError, match=r"marks 'a3' as reverse-coded.*\(a1, a2\)"):
        reflective("A", ["a1", "a2"], reverse=["a3"])
    with pytest.raises(SpecError, match="did you mean 'a2'"):
        reflective("A", ["a1", "a2"], reverse=["A2"])


def test_mode_must_be_known() -> None:
    with pytest.raises(SpecError, match="use 'reflective' or 'formative'"):
        Construct("A", (Indicator("a"),), "formativ")  # type: ignore[arg-type]


@pytest.mark.parametrize("scale", [(5, 1), (3, 3), (1,), ("1", "10"), (True, 2), "1-10", (1, 2, 3)])
def test_bad_scales(scale: object) -> None:
    with pytest.raises(SpecError, match="scale of"):
        reflective("A", ["a"], scale=scale)  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="scale of the model"):
        ModelSpec("m", [reflective("A", ["a"])], scale=scale)  # type: ignore[arg-type]


def test_construct_scale_overrides_model_scale() -> None:
    spec = ModelSpec(
        "m", [reflective("A", ["a"], scale=[0, 1]), reflective("B", ["b"])], scale=(1, 7)
    )
    assert spec.scale_of("A") == (0.0, 1.0)
    assert spec.scale_of("B") == (1.0, 7.0)


@pytest.mark.parametrize("value", [0.0, -0.2, 1.5])
def test_reliability_range(value: float) -> None:
    with pytest.raises(SpecError, match=r"must lie in \(0, 1\]"):
        single_item("A", "a", reliability=value)
    assert single_item("A", "a", reliability=1.0).reliability == 1.0


# ---------------------------------------------------------------- modifiers
def test_labels_must_be_names_and_not_na() -> None:
    assert Indicator("y2", label="a").label == "a"
    for make in (
        lambda label: Indicator("y", label=label),
        lambda label: Path("A", "B", label=label),
        lambda label: Covariance("A", "B", label=label),
    ):
        with pytest.raises(SpecError, match="parameter label"):
            make("b 1")
        with pytest.raises(SpecError, match="'NA' cannot be a parameter label"):
            make("NA")


@pytest.mark.parametrize("value", [math.nan, math.inf, True, "1"])
def test_fixed_values_must_be_finite_numbers(value: object) -> None:
    with pytest.raises(SpecError, match="must be a finite number"):
        Indicator("y", fixed=value)  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="path A -> B must be a finite number"):
        Path("A", "B", fixed=value)  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="covariance A ~~ B must be a finite number"):
        Covariance("A", "B", fixed=value)  # type: ignore[arg-type]


def test_fixed_integers_become_floats() -> None:
    fixed = Indicator("y", fixed=1).fixed
    assert fixed == 1.0
    assert isinstance(fixed, float)


# ---------------------------------------------------------------- lookups
def test_lookups_suggest_names() -> None:
    spec = _spec()
    with pytest.raises(SpecError, match="no construct 'sat' \\(did you mean 'Sat'\\?\\)"):
        spec.construct("sat")
    with pytest.raises(SpecError, match="no indicator 'Q1' \\(did you mean 'q1'\\?\\)"):
        spec.construct_of("Q1")


def test_did_you_mean() -> None:
    assert did_you_mean("indicator", ["indicators", "mode"]) == " (did you mean 'indicators'?)"
    assert did_you_mean("MODE", ["indicators", "mode"]) == " (did you mean 'mode'?)"
    assert did_you_mean("zzz", ["indicators", "mode"]) == ""


# ---------------------------------------------------------------- builders
def test_builders() -> None:
    image = reflective("Image", {"IMAG1": "It can be trusted.", "IMAG2": None}, label="Image")
    assert image.indicators[0] == Indicator("IMAG1", text="It can be trusted.")
    assert image.indicators[1].text is None
    assert image.display == "Image"
    qual = formative("QUAL", multi_items("q", 1, 3), reverse=["q2"], scale=(1, 5))
    assert qual.mode == "formative"
    assert qual.indicator_names == ("q1", "q2", "q3")
    assert qual.reverse == ("q2",)
    assert qual.scale == (1.0, 5.0)
    assert qual.display == "QUAL"
    comp = single_item("Complaints", "CUSCO", text="How was your complaint handled?")
    assert comp.indicators == (Indicator("CUSCO", text="How was your complaint handled?"),)
    assert multi_items("x", 1, 2, suffix="_t1") == ["x1_t1", "x2_t1"]
    assert paths(["A", "B"], ["C", "D"]) == (
        Path("A", "C"),
        Path("A", "D"),
        Path("B", "C"),
        Path("B", "D"),
    )
    assert covariance("A", "B") == Covariance("A", "B")
    assert reflective("S", "s1").indicator_names == ("s1",)


def test_spec_is_immutable_and_takes_lists() -> None:
    spec = ModelSpec("m", [reflective("A", ["a"])], references=["R"])
    assert spec.constructs == (reflective("A", ["a"]),)
    assert spec.references == ("R",)
    with pytest.raises(AttributeError):
        spec.name = "other"  # type: ignore[misc]
