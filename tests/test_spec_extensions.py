"""Higher-order constructs, interaction terms, intercepts, defined parameters, constraints and
the SERVQUAL/metrics blocks of a ModelSpec: accessors, validation sentences, and the engines'
refusal of what they do not support."""

from __future__ import annotations

import warnings
from dataclasses import replace

import pytest

import sem_csat
from sem_csat.errors import SpecError, SpecWarning
from sem_csat.spec import (
    Constraint,
    Construct,
    CsatItem,
    Defined,
    Expression,
    Indicator,
    Interaction,
    Intercept,
    KanoPair,
    Metrics,
    ModelSpec,
    Path,
    Servqual,
    ServqualDimension,
)
from sem_csat.spec.builders import higher_order, interaction, paths, reflective
from sem_csat.spec.features import FEATURES, refuse_unsupported, spec_features

ECSI = sem_csat.load_spec("ecsi")


def _rq(**kwargs: object) -> ModelSpec:
    """Trust, Commitment, Satisfaction -> RQ (second order) -> Loyalty."""
    defaults: dict[str, object] = {
        "constructs": [
            reflective("Trust", ["t1", "t2"]),
            reflective("Commitment", ["c1", "c2"]),
            reflective("Satisfaction", ["s1", "s2"]),
            higher_order("RQ", ["Trust", "Commitment", "Satisfaction"]),
            reflective("Loyalty", ["l1", "l2"]),
        ],
        "paths": paths("RQ", "Loyalty"),
    }
    defaults.update(kwargs)
    return ModelSpec("RQ", **defaults)  # type: ignore[arg-type]


def _moderation(**kwargs: object) -> ModelSpec:
    """Sat, Cost and Sat x Cost -> Loy."""
    defaults: dict[str, object] = {
        "constructs": [
            reflective("Sat", ["s1", "s2"]),
            reflective("Cost", ["k1", "k2"]),
            reflective("Loy", ["l1", "l2"]),
        ],
        "interactions": [interaction("Sat", "Cost", name="SxC")],
        "paths": paths(["Sat", "Cost", "SxC"], "Loy"),
    }
    defaults.update(kwargs)
    return ModelSpec("Mod", **defaults)  # type: ignore[arg-type]


def _labelled(**kwargs: object) -> ModelSpec:
    """Image -a-> Sat -b-> Loy with c: Image -> Loy."""
    defaults: dict[str, object] = {
        "constructs": [
            reflective("Image", ["i1", "i2"]),
            reflective("Sat", ["s1", "s2"]),
            reflective("Loy", ["l1", "l2"]),
        ],
        "paths": (Path("Image", "Sat", "a"), Path("Sat", "Loy", "b"), Path("Image", "Loy", "c")),
    }
    defaults.update(kwargs)
    return ModelSpec("Med", **defaults)  # type: ignore[arg-type]


# ---------------------------------------------------------------- higher-order constructs
def test_higher_order_accessors() -> None:
    spec = _rq()
    rq = spec.construct("RQ")
    assert rq.is_higher_order
    assert rq.indicators == ()
    assert rq.dimensions == (Indicator("Trust"), Indicator("Commitment"), Indicator("Satisfaction"))
    assert spec.higher_order == ("RQ",)
    assert spec.lower_order == ("Trust", "Commitment", "Satisfaction")
    assert spec.dimensions_of("RQ") == ("Trust", "Commitment", "Satisfaction")
    assert spec.dimensions_of("Trust") == ()
    assert spec.higher_order_of("Trust") == "RQ"
    assert spec.higher_order_of("RQ") is None
    assert spec.indicator_names == ("t1", "t2", "c1", "c2", "s1", "s2", "l1", "l2")
    # the dimensions are part of the model through RQ: no "appear in no path" warning
    assert spec.isolated == ()
    assert spec.diagnostics == ()
    assert spec.exogenous == ("RQ",)
    assert spec.endogenous == ("Loyalty",)
    # reflective: RQ comes before its dimensions
    assert spec.topological_order.index("RQ") < spec.topological_order.index("Trust")
    assert "1 higher-order" in str(spec)
    assert "dimensions: Trust, Commitment, Satisfaction" in str(spec)


def test_formative_higher_order_and_modifiers() -> None:
    spec = _rq(
        constructs=[
            reflective("Trust", ["t1", "t2"]),
            reflective("Commitment", ["c1", "c2"]),
            Construct(
                "RQ",
                mode="formative",
                dimensions=(Indicator("Trust", fixed=1.0), Indicator("Commitment", label="w")),
            ),
            reflective("Loyalty", ["l1", "l2"]),
        ]
    )
    assert spec.labels == ("w",)
    assert spec.topological_order.index("RQ") > spec.topological_order.index("Trust")
    assert spec_features(spec)["fixed_values"] == "RQ <~ 1*Trust"


def test_isolated_higher_order_group_is_reported_once() -> None:
    spec = _rq(paths=paths("Trust", "Loyalty"))
    # Trust is in a path, so its whole group (RQ and the other dimensions) is linked
    assert spec.isolated == ()
    spec = ModelSpec(
        "m",
        [*_rq().constructs, reflective("Other", ["o1"])],
        paths=paths("Other", "Loyalty"),
    )
    assert spec.isolated == ("Trust", "Commitment", "Satisfaction", "RQ")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: Construct("RQ", ("x1",), dimensions=("A", "B")),
            "Construct 'RQ' has both indicators (x1) and dimensions (A, B)",
        ),
        (
            lambda: Construct("RQ", dimensions=("A",)),
            "Higher-order construct 'RQ' has one dimension ('A'); it needs at least two",
        ),
        (lambda: Construct("RQ", dimensions=("A", "A")), "lists dimension 'A' twice"),
        (lambda: Construct("RQ", dimensions=("RQ", "A")), "lists itself as a dimension"),
        (
            lambda: Construct("RQ", dimensions=(Indicator("A", text="wording"), "B")),
            "Dimension 'A' of 'RQ' has question wording",
        ),
        (
            lambda: Construct("RQ", scale=(1, 7), dimensions=("A", "B")),
            "Higher-order construct 'RQ' declares a scale, but it has no survey items",
        ),
        (
            lambda: Construct("RQ", reliability=0.8, dimensions=("A", "B")),
            "declares a reliability",
        ),
        (lambda: Construct("RQ"), "has no indicators; list at least one survey item (or, for a"),
        (lambda: Construct("RQ", dimensions=(1, 2)), "must be names or Indicator objects"),
    ],
)
def test_higher_order_construct_errors(make: object, message: str) -> None:
    with pytest.raises(SpecError) as info:
        make()  # type: ignore[operator]
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("constructs", "extra", "message"),
    [
        (
            [higher_order("RQ", ["Trust", "Comit"])],
            {},
            "Dimension 'Comit' of higher-order construct 'RQ' is not a declared construct "
            "(did you mean 'Commitment'?)",
        ),
        (
            [higher_order("RQ", ["Trust", "c1"])],
            {},
            "'c1' is an item of 'Commitment'; a higher-order construct is made of constructs",
        ),
        (
            [higher_order("RQ", ["Trust", "Commitment"]), higher_order("R2", ["Trust", "Sat"])],
            {},
            "Construct 'Trust' is a dimension of both 'RQ' and 'R2'",
        ),
        (
            [higher_order("RQ", ["Trust", "R2"]), higher_order("R2", ["RQ", "Sat"])],
            {},
            "The dimensions form a cycle",
        ),
        (
            [higher_order("RQ", ["Trust", "Commitment"])],
            {"paths": paths("RQ", "Trust")},
            "The path RQ -> Trust links the higher-order construct 'RQ' with its own "
            "dimension 'Trust'",
        ),
        (
            [higher_order("RQ", ["Trust", "Commitment"])],
            {"paths": paths("Commitment", "RQ")},
            "links the higher-order construct 'RQ' with its own dimension 'Commitment'",
        ),
        (
            [higher_order("RQ", ["Trust", "Commitment"])],
            {"paths": paths("Trust", "Sat") + paths("Sat", "RQ")},
            "The paths and the dimensions of higher-order constructs form a cycle",
        ),
    ],
)
def test_higher_order_model_errors(
    constructs: list[Construct], extra: dict[str, object], message: str
) -> None:
    base = [
        reflective("Trust", ["t1"]),
        reflective("Commitment", ["c1"]),
        reflective("Sat", ["s1"]),
    ]
    with pytest.raises(SpecError) as info:
        ModelSpec("m", [*base, *constructs], **extra)  # type: ignore[arg-type]
    assert message in str(info.value)


def test_indicator_named_like_a_construct_points_to_dimensions() -> None:
    with pytest.raises(SpecError) as info:
        ModelSpec(
            "m",
            [reflective("Trust", ["t1"]), reflective("Comm", ["c1"]), reflective("RQ", ["Trust"])],
        )
    message = str(info.value)
    assert "Indicator 'Trust' of construct 'RQ' has the name of a construct" in message
    assert "list them under 'dimensions:' instead of 'indicators:'" in message
    assert "read as a higher-order construct automatically" in message


# ---------------------------------------------------------------- interactions
def test_interaction_accessors() -> None:
    spec = _moderation()
    assert spec.interaction_names == ("SxC",)
    assert spec.interaction("SxC") == Interaction("SxC", "Sat", "Cost")
    assert spec.predecessors("Loy") == ("Sat", "Cost", "SxC")
    assert spec.exogenous == ("Sat", "Cost")
    assert spec.diagnostics == ()
    assert [p.source for p in spec.paths] == ["Sat", "Cost", "SxC"]
    assert interaction("A", "B").name == "A_x_B"
    with pytest.raises(SpecError, match="no interaction 'SxD' \\(did you mean 'SxC'\\?\\)"):
        spec.interaction("SxD")


def test_interaction_order_does_not_matter() -> None:
    spec = ModelSpec(
        "m",
        [reflective(n, [n.lower()]) for n in ("A", "B", "C", "Y")],
        interactions=[interaction("B", "C"), interaction("A", "B")],
        paths=paths(["B_x_C", "A_x_B", "A", "B", "C"], "Y"),
    )
    assert spec.interaction_names == ("A_x_B", "B_x_C")
    assert spec == replace(spec, interactions=tuple(reversed(spec.interactions)))


def test_interaction_only_construct_counts_as_linked_and_warns() -> None:
    spec = _moderation(paths=paths(["Sat", "SxC"], "Loy"))
    assert spec.isolated == ()
    assert spec.exogenous == ("Sat", "Cost")
    (diag,) = spec.diagnostics
    assert diag.code == "interaction_without_main_effect"
    assert "without the main effect Cost -> Loy" in diag.message


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"interactions": [interaction("Sat", "Cost", name="SxC")], "paths": ()},
            "The interaction 'SxC' (Sat x Cost) is not used in any path",
        ),
        (
            {"interactions": [interaction("Sat", "Csot", name="SxC")]},
            "uses 'Csot', which is not a declared construct (did you mean 'Cost'?)",
        ),
        (
            {"interactions": [interaction("Sat", "k1", name="SxC")]},
            "('k1' is an item of 'Cost')",
        ),
        (
            {
                "interactions": [
                    interaction("Sat", "Cost", name="SxC"),
                    interaction("Cost", "Sat", name="CxS"),
                ],
                "paths": paths(["SxC", "CxS"], "Loy"),
            },
            "The interactions 'SxC' and 'CxS' both multiply",
        ),
        (
            {"interactions": [interaction("Sat", "Cost", name="Loy")]},
            "The interaction 'Loy' has the name of a construct",
        ),
        (
            {
                "interactions": [interaction("Sat", "Cost", name="SxC")],
                "paths": (*paths("SxC", "Loy"), Path("Loy", "SxC")),
            },
            "points at the interaction term 'SxC'; an interaction term can only be the source",
        ),
        (
            {"paths": (*paths("SxC", "Loy"), *paths("SxC", "Sat"))},
            "points from the interaction 'SxC' to 'Sat', one of the two constructs it is made of",
        ),
        (
            {"paths": (*paths("SxC", "Loy"), *paths("Loy", "Cost"))},
            "form a cycle",
        ),
    ],
)
def test_interaction_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(SpecError) as info:
        _moderation(**kwargs)
    assert message in str(info.value)


def test_interaction_with_itself() -> None:
    with pytest.raises(SpecError, match="'SxS' multiplies construct 'Sat' with itself"):
        Interaction("SxS", "Sat", "Sat")


# ---------------------------------------------------------------- intercepts
def test_intercepts_and_meanstructure() -> None:
    spec = _labelled(intercepts=[Intercept("s1"), Intercept("Sat", fixed=0), Intercept("l1", "m")])
    assert spec.meanstructure
    assert spec.intercepts[1].fixed == 0.0
    assert spec.labels == ("a", "c", "b", "m")  # paths in canonical order (by target)
    assert ("m", "l1 ~ 1") in spec.labelled_parameters()
    assert _labelled(meanstructure=True).meanstructure
    assert not _labelled().meanstructure
    # declaring intercepts sets the mean structure: equal to a spec that says so explicitly
    assert spec == replace(spec, meanstructure=True)
    assert "Mean structure" in str(spec)
    with pytest.raises(SpecError, match="The intercept x9 ~ 1 belongs to 'x9', which is neither"):
        _labelled(intercepts=[Intercept("x9")])
    with pytest.raises(SpecError, match="The intercept s1 ~ 1 is declared twice"):
        _labelled(intercepts=[Intercept("s1"), Intercept("s1", fixed=1)])
    with pytest.raises(SpecError, match="meanstructure must be true or false"):
        _labelled(meanstructure="yes")


# ---------------------------------------------------------------- defined, constraints
def test_defined_parameters_and_constraints() -> None:
    spec = _labelled(
        defined=[Defined("ind", "a*b"), Defined("tot", Expression("c + ind"))],
        constraints=[Constraint.parse("a == 2*b"), Constraint("tot", "0.5")],
    )
    assert spec.defined_names == ("ind", "tot")
    assert spec.defined[1].text == "tot := c + ind"
    assert spec.expand("tot").text == "c + a*b"
    assert spec.expand(spec.constraints[1].residual).text == "c + a*b - 0.5"
    assert spec.constraints[0].linear() == ({"a": 1.0, "b": -2.0}, 0.0)
    assert spec.constraints[0].op == "=="
    assert spec.constraints[1].linear() == ({"tot": 1.0}, -0.5)
    # written out in labels, the constraint is not linear
    assert spec.expand(spec.constraints[1].residual).linear() is None
    assert spec.constraints[1].names == frozenset({"tot"})
    text = str(spec)
    assert "ind := a*b" in text
    assert "a == 2*b" in text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"defined": [Defined("ind", "a*d")]}, "uses 'd', which is not a parameter label"),
        ({"defined": [Defined("ind", "a*bb")]}, "(did you mean 'b'?)"),
        ({"defined": [Defined("ind", "a*Sat")]}, "uses 'Sat', which is a construct, not a"),
        ({"defined": [Defined("ind", "a*s1")]}, "uses 's1', which is an indicator, not a"),
        (
            {"defined": [Defined("x", "y*2"), Defined("y", "a*b")]},
            "uses 'y', which is defined only after it; define 'y' first",
        ),
        ({"defined": [Defined("a", "b*c")]}, "The defined parameter 'a' has the name of a"),
        ({"defined": [Defined("Sat", "b*c")]}, "has the name of a construct"),
        ({"defined": [Defined("x", "b"), Defined("x", "c")]}, "is defined twice"),
        ({"defined": [Defined("x", "2*3")]}, "is the constant 2*3"),
        ({"constraints": [Constraint.parse("a == q")]}, "The constraint a == q uses 'q'"),
        ({"constraints": [Constraint.parse("a == a")]}, "is always true and constrains no"),
        ({"constraints": [Constraint.parse("a - a == 1")]}, "is never true"),
    ],
)
def test_expression_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(SpecError) as info:
        _labelled(**kwargs)
    assert message in str(info.value), str(info.value)


def test_bad_expression_text_is_located_in_the_expression() -> None:
    with pytest.raises(SpecError) as info:
        Defined("x", "a b")
    assert str(info.value).startswith(
        "<expression>, line 1, column 3: The defined parameter 'x': Expected an operator"
    )


def test_constraint_parse_needs_one_equality() -> None:
    with pytest.raises(SpecError, match="written 'left == right'"):
        Constraint.parse("a = b")
    with pytest.raises(SpecError, match="written 'left == right'"):
        Constraint.parse("a == b == c")


# ---------------------------------------------------------------- servqual, metrics
def test_servqual_block() -> None:
    block = Servqual(
        [
            ServqualDimension("Tangibles", ["E1", "E2"], ["P1", "P2"], 30),
            ServqualDimension("Empathy", ["E3"], ["P3"], 10),
        ]
    )
    assert block.dimension_names == ("Tangibles", "Empathy")
    assert block.items == ("E1", "E2", "P1", "P2", "E3", "P3")
    assert block.weights == {"Tangibles": 0.75, "Empathy": 0.25}
    assert block.dimension("Empathy").perception == ("P3",)
    with pytest.raises(SpecError, match="no dimension 'Empaty' \\(did you mean 'Empathy'\\?\\)"):
        block.dimension("Empaty")
    spec = _labelled(servqual=block)
    # perception items may be indicators; the rest are items beside the model
    assert spec.metric_items == ("E1", "E2", "P1", "P2", "E3", "P3")
    assert spec.item_scale("E1") is None
    assert replace(spec, scale=(1, 7)).item_scale("E1") == (1.0, 7.0)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ServqualDimension("T", [], ["P1"]), "has no expectation items"),
        (
            lambda: ServqualDimension("T", ["E1", "E2"], ["P1"]),
            "has 2 expectation and 1 perception items; SERVQUAL pairs them item by item",
        ),
        (lambda: ServqualDimension("T", ["E1"], ["P1"], -1), "weights cannot be negative"),
        (lambda: ServqualDimension("T", "E1", ["P1"]), "must be a list of item names"),
        (lambda: Servqual([]), "declares no dimensions"),
        (
            lambda: Servqual(
                [ServqualDimension("A", ["E1"], ["P1"]), ServqualDimension("B", ["E1"], ["P2"])]
            ),
            "The SERVQUAL item 'E1' is listed in 'A' and 'B'",
        ),
        (
            lambda: Servqual(
                [ServqualDimension("A", ["E1"], ["P1"], 1), ServqualDimension("B", ["E2"], ["P2"])]
            ),
            "SERVQUAL dimension(s) 'B' have no weight while others have one",
        ),
        (lambda: Servqual([ServqualDimension("A", ["E1"], ["P1"], 0)]), "weights are all zero"),
    ],
)
def test_servqual_errors(make: object, message: str) -> None:
    with pytest.raises(SpecError) as info:
        make()  # type: ignore[operator]
    assert message in str(info.value)


def test_metrics_block() -> None:
    m = Metrics(
        nps="REC", csat=CsatItem("CS", (1, 5), 1), ces="EFF", kano=[KanoPair("Speed", "F", "D")]
    )
    assert m.items == ("REC", "CS", "EFF", "F", "D")
    assert Metrics(csat="CS").csat == CsatItem("CS")
    spec = _labelled(metrics=m)
    assert spec.metric_items == m.items
    assert "Survey metrics" in str(spec)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Metrics(), "The metrics block declares nothing"),
        (lambda: Metrics(nps="X", ces="X"), "'X' is used as the NPS item and as the CES item"),
        (lambda: KanoPair("F", "a", "a"), "uses 'a' as both its functional and its dysfunctional"),
        (
            lambda: Metrics(kano=[KanoPair("F", "a", "b"), KanoPair("F", "c", "d")]),
            "The Kano feature 'F' is declared twice",
        ),
        (lambda: CsatItem("C", (1, 5), 5), "covers all 5 answers of its scale [1, 5]"),
        (lambda: CsatItem("C", (1, 5.5)), "give whole numbers such as [1, 5]"),
        (lambda: CsatItem("C", top_box=0), "count at least the top category"),
        (lambda: CsatItem("C", top_box=True), "must be a whole number of answer categories"),
        (lambda: Metrics(nps="bad name"), "The NPS item name 'bad name' is not allowed"),
    ],
)
def test_metrics_errors(make: object, message: str) -> None:
    with pytest.raises(SpecError) as info:
        make()  # type: ignore[operator]
    assert message in str(info.value)


def test_block_items_cannot_be_constructs() -> None:
    with pytest.raises(SpecError, match="The metrics block names 'Sat', which is a construct"):
        _labelled(metrics=Metrics(nps="Sat"))
    with pytest.raises(SpecError, match="The servqual block names 'Loy', which is a construct"):
        _labelled(servqual=Servqual([ServqualDimension("T", ["Loy"], ["s1"])]))


# ---------------------------------------------------------------- features and engines
def test_spec_features_name_the_first_use() -> None:
    assert spec_features(ECSI) == {}
    assert spec_features(_rq()) == {
        "higher_order": "'RQ' is made of Trust, Commitment, Satisfaction"
    }
    assert spec_features(_moderation()) == {"interactions": "'SxC' = Sat x Cost"}
    spec = _labelled(
        constructs=[
            reflective("Image", ["i1", "i2"]),
            Construct("Sat", (Indicator("s1", label="e"), Indicator("s2", label="e"))),
            reflective("Loy", ["l1", "l2"]),
        ],
        covariances=[],
        intercepts=[Intercept("Loy", fixed=0.0)],
        defined=[Defined("ind", "a*b")],
        constraints=[Constraint.parse("a == b")],
    )
    assert spec_features(spec) == {
        "defined": "ind := a*b",
        "constraints": "a == b",
        "meanstructure": "Loy ~ 0*1",
        "equality_labels": "label 'e' on Sat =~ s1 and Sat =~ s2",
    }
    assert spec_features(_labelled(meanstructure=True)) == {"meanstructure": "meanstructure: true"}
    assert set(FEATURES) == {
        "higher_order",
        "interactions",
        "defined",
        "constraints",
        "meanstructure",
        "fixed_values",
        "equality_labels",
    }


def test_refuse_unsupported() -> None:
    refuse_unsupported(_rq(), "X", {"higher_order"})
    with pytest.raises(SpecError) as info:
        refuse_unsupported(_rq(), "X", set())
    assert str(info.value) == (
        "Higher-order constructs are not yet supported for X ('RQ' is made of Trust, "
        "Commitment, Satisfaction); until then, fit its dimensions as first-order constructs, "
        "or use a method that supports higher-order constructs."
    )
    assert _rq().unsupported("X", {"higher_order"}) is None
    with pytest.raises(ValueError, match="unknown spec features"):
        refuse_unsupported(_rq(), "X", {"dimensions"})


def _ecsi_variant(lavaan_lines: str) -> ModelSpec:
    return ModelSpec.from_lavaan(ECSI.to_lavaan() + lavaan_lines)


# interaction terms and higher-order constructs are PLS features now (test_pls_moderation.py,
# test_pls_hoc.py); what PLS would silently ignore is refused
HOC = ModelSpec.from_lavaan(
    "Image =~ IMAG1 + IMAG2 + IMAG3\nExp =~ CUEX1 + CUEX2 + CUEX3\n"
    "Sat =~ CUSA1 + CUSA2 + CUSA3\nIE =~ Image + Exp\nSat ~ IE\n"
)
PLS_REFUSED = [
    (
        ModelSpec.from_lavaan("Image =~ 1*IMAG1 + IMAG2\nSat =~ CUSA1 + CUSA2\nSat ~ Image\n"),
        "Fixed parameter values are not yet supported for PLS (Image =~ 1*IMAG1); remove the "
        "fixed value, since PLS estimates every weight, loading and path from the data, or fit "
        "the model by CB-SEM (method='ml'), which honours it.",
    ),
    (
        ModelSpec.from_lavaan(
            "Image =~ IMAG1 + a*IMAG2 + a*IMAG3\nSat =~ CUSA1 + CUSA2\nSat ~ Image"
        ),
        "Equality labels (one label on several parameters) are not yet supported for PLS "
        "(label 'a' on Image =~ IMAG2 and Image =~ IMAG3)",
    ),
    (
        ModelSpec.from_lavaan(
            "Image =~ IMAG1 + IMAG2\nSat =~ CUSA1 + CUSA2\nSat ~ b*Image\n"
            "Loy =~ CUSL1 + CUSL3\nLoy ~ c*Sat\nbc := b*c\n"
        ),
        "Defined parameters (':=') are not yet supported for PLS (bc := b*c)",
    ),
    (
        ModelSpec.from_lavaan(
            "Image =~ IMAG1 + IMAG2\nSat =~ CUSA1 + CUSA2\nSat ~ b*Image\n"
            "Loy =~ CUSL1 + CUSL3\nLoy ~ c*Sat\nb == c\n"
        ),
        "Equality constraints ('==') are not yet supported for PLS (b == c)",
    ),
    (
        ModelSpec.from_lavaan(
            "Image =~ IMAG1 + IMAG2\nSat =~ CUSA1 + CUSA2\nSat ~ Image\nIMAG1 ~ 1\n"
        ),
        "Intercepts and means ('~ 1') are not yet supported for PLS (IMAG1 ~ 1)",
    ),
]


@pytest.mark.parametrize(("spec", "message"), PLS_REFUSED)
@pytest.mark.parametrize("method", ["pls", "plsc"])
def test_pls_refuses_what_it_would_ignore(spec: ModelSpec, message: str, method: str) -> None:
    data = sem_csat.datasets.load("ecsi_mobile")
    with pytest.raises(SpecError) as info:
        sem_csat.fit(spec, data, method=method)
    assert str(info.value).startswith(message), str(info.value)


def test_pls_keeps_single_labels() -> None:
    spec = ModelSpec.from_lavaan(
        "Image =~ IMAG1 + IMAG2 + IMAG3\nSat =~ CUSA1 + CUSA2 + CUSA3\nSat ~ b1*Image\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecWarning)
        result = sem_csat.fit(spec, sem_csat.datasets.load("ecsi_mobile"), method="pls")
    assert result.path_matrix.loc["Image", "Sat"] > 0


@pytest.mark.parametrize(("spec", "message"), [(HOC, "higher-order construct"), *PLS_REFUSED[2:]])
def test_cbsem_fits_what_pls_refuses(spec: ModelSpec, message: str) -> None:
    # higher-order constructs, ':=', '==' and intercepts are CB-SEM features (their numbers
    # are compared with lavaan in test_cbsem_pipeline.py and test_cbsem_features.py)
    data = sem_csat.datasets.load("ecsi_mobile")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small models on a few items: inadmissible is fine
        result = sem_csat.fit(spec, data, method="ml")
    assert result.converged, message


def test_data_check_accepts_metric_items_beside_the_model() -> None:
    from sem_csat.data import prepare_data

    data = sem_csat.datasets.load("ecsi_mobile").assign(REC=7.0, E_IMAG1=5.0)
    spec = replace(
        ECSI,
        servqual=Servqual([ServqualDimension("Image", ["E_IMAG1"], ["IMAG1"])]),
        metrics=Metrics(nps="REC"),
    )
    notes = {d.code: d.message for d in prepare_data(spec, data).diagnostics}
    assert "extra_columns_ignored" not in notes
    notes = {d.code: d.message for d in prepare_data(ECSI, data).diagnostics}
    assert "REC" in notes["extra_columns_ignored"]
    # the data check never requires them
    prepared = prepare_data(spec, data.drop(columns=["REC", "E_IMAG1"]))
    assert list(prepared.frame.columns) == list(ECSI.indicator_names)


def test_specs_with_every_feature_pickle_and_hash() -> None:
    # bootstrap workers receive the spec in another process
    import pickle

    spec = _labelled(
        defined=[Defined("ind", "a*b")],
        constraints=[Constraint.parse("a == 2*b")],
        intercepts=[Intercept("s1", "m")],
        metrics=Metrics(nps="REC"),
        servqual=Servqual([ServqualDimension("T", ["E1"], ["s1"])]),
    )
    again = pickle.loads(pickle.dumps(spec))
    assert again == spec
    assert hash(again) == hash(spec)
    assert again.defined[0].expression.gradient({"a": 2.0, "b": 3.0}) == {"a": 3.0, "b": 2.0}
    assert pickle.loads(pickle.dumps(_rq())) == _rq()
    assert pickle.loads(pickle.dumps(_moderation())) == _moderation()
