"""Tests of the spec -> semopy translator (:mod:`sem_csat.cbsem.syntax`).

Parameter counts are lavaan's (lavaan 0.6.14, ``fitMeasures(fit, "npar")``): HS CFA 21,
Bollen's political democracy with the a/b/c equality labels 28, ECSI mobile 59.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sem_csat.cbsem.syntax import FixedResidual, to_semopy
from sem_csat.errors import DataError, SpecError
from sem_csat.spec import Construct, Covariance, Indicator, ModelSpec, Path
from sem_csat.spec.builders import formative, paths, reflective, single_item
from sem_csat.spec.library import load_spec

semopy = pytest.importorskip("semopy")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
BOLLEN = """
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + a*y2 + b*y3 + c*y4
dem65 =~ y5 + a*y6 + b*y7 + c*y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4
y2 ~~ y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
"""


def _free_parameters(text: str, data: pd.DataFrame) -> int:
    model = semopy.Model(text)
    result = model.fit(data)
    assert result.success
    return len(model.param_vals)


def test_hs_cfa_text_and_lavaan_parameter_count() -> None:
    syntax = to_semopy(ModelSpec.from_lavaan(HS, name="HS"))
    assert syntax.text == (
        "# measurement model\n"
        "visual =~ 1*x1 + x2 + x3\n"
        "textual =~ 1*x4 + x5 + x6\n"
        "speed =~ 1*x7 + x8 + x9"
    )
    assert syntax.fixed_residuals == ()
    assert dict(syntax.labels) == {}
    assert _free_parameters(syntax.text, semopy.examples.holzinger39.get_data()) == 21


def test_bollen_with_equality_labels_matches_lavaan_parameter_count() -> None:
    syntax = to_semopy(ModelSpec.from_lavaan(BOLLEN, name="Bollen"))
    assert syntax.text.splitlines() == [
        "# measurement model",
        "ind60 =~ 1*x1 + x2 + x3",
        "dem60 =~ 1*y1 + a*y2 + b*y3 + c*y4",
        "dem65 =~ 1*y5 + a*y6 + b*y7 + c*y8",
        "# structural model",
        "dem60 ~ ind60",
        "dem65 ~ ind60 + dem60",
        "# covariances",
        "y1 ~~ y5",
        "y2 ~~ y4",
        "y2 ~~ y6",
        "y3 ~~ y7",
        "y4 ~~ y8",
        "y6 ~~ y8",
    ]
    assert syntax.labels["b"] == ("dem60 =~ y3", "dem65 =~ y7")
    data = semopy.examples.political_democracy.get_data()
    assert _free_parameters(syntax.text, data) == 28
    model = semopy.Model(syntax.text)
    model.fit(data)
    est = model.inspect().set_index(["lval", "rval"])["Estimate"]
    assert est[("y2", "dem60")] == est[("y6", "dem65")]


def test_ecsi_single_indicator_complaints() -> None:
    spec = load_spec("ecsi")
    syntax = to_semopy(spec)
    lines = syntax.text.splitlines()
    assert "Complaints =~ 1*CUSCO" in lines
    assert lines[-2:] == ["# fixed residual variances of single indicators", "CUSCO ~~ 0*CUSCO"]
    assert "Satisfaction ~ Image + Expectation + Quality + Value" in lines
    assert syntax.fixed_residuals == (FixedResidual("CUSCO", "Complaints"),)
    data = pd.read_csv(
        __import__("sem_csat.datasets", fromlist=["x"]).__path__[0] + "/ecsi_mobile.csv"
    )
    model = semopy.Model(syntax.text)
    assert model.fit(data).success
    assert len(model.param_vals) == 59  # lavaan: npar 59 (CUSCO ~~ CUSCO fixed at 0)
    ins = model.inspect()
    theta = ins[(ins.lval == "CUSCO") & (ins.op == "~~") & (ins.rval == "CUSCO")]
    assert theta["Estimate"].iloc[0] == 0.0


def test_single_indicator_reliability_needs_variances() -> None:
    spec = ModelSpec(
        "R",
        constructs=[
            reflective("Sat", ["s1", "s2", "s3"]),
            reflective("Comp", ["c1"], reliability=0.75),
        ],
        paths=paths("Sat", "Comp"),
    )
    syntax = to_semopy(spec)
    assert syntax.needs_variances
    with pytest.raises(SpecError, match="with_variances"):
        _ = syntax.text
    text = syntax.with_variances({"c1": 2.0})
    assert text.splitlines()[-1] == "c1 ~~ 0.5*c1"
    with pytest.raises(DataError, match="'c1'"):
        syntax.with_variances({})
    full = ModelSpec("R1", constructs=[reflective("Comp", ["c1"], reliability=1.0)])
    assert to_semopy(full).text.splitlines()[-1] == "c1 ~~ 0*c1"


def test_user_variance_of_single_indicator_takes_precedence() -> None:
    spec = ModelSpec(
        "V",
        constructs=[single_item("Comp", "c1"), reflective("Sat", ["s1", "s2", "s3"])],
        covariances=[Covariance("c1", "c1", fixed=0.3)],
    )
    syntax = to_semopy(spec)
    assert syntax.fixed_residuals == ()
    assert syntax.text.splitlines()[-1] == "c1 ~~ 0.3*c1"


def test_formative_construct_is_refused_with_pls_hint() -> None:
    spec = ModelSpec(
        "F",
        constructs=[formative("Image", ["i1", "i2"]), reflective("Sat", ["s1", "s2"])],
        paths=paths("Image", "Sat"),
    )
    with pytest.raises(SpecError, match=r"'Image' is formative.*method=\"pls\""):
        to_semopy(spec)


def test_marker_follows_a_fixed_loading_and_fixed_labels() -> None:
    spec = ModelSpec(
        "M",
        constructs=[
            Construct("F", (Indicator("x1"), Indicator("x2", fixed=1.0), Indicator("x3"))),
            Construct("G", (Indicator("y1", label="a"), Indicator("y2", label="a"))),
        ],
        paths=[Path("F", "G", fixed=-0.5)],
    )
    lines = to_semopy(spec).text.splitlines()
    assert "F =~ x1 + 1*x2 + x3" in lines
    # the marker fixes y1 at 1, and the equality label ties y2 to it
    assert "G =~ 1*y1 + 1*y2" in lines
    assert "G ~ -0.5*F" in lines


def test_labels_semopy_would_misread_are_renamed() -> None:
    spec = ModelSpec(
        "L",
        constructs=[
            reflective("F", ["x1", "x2", "x3"]),
            Construct("G", (Indicator("y1"), Indicator("y2", label="nan"), Indicator("y3"))),
        ],
        paths=[Path("F", "G", label="_b1")],
        covariances=[Covariance("x1", "y1", label="START")],
    )
    syntax = to_semopy(spec)
    assert dict(syntax.names) == {"nan_eq": "nan", "_b1_eq": "_b1", "START_eq": "START"}
    assert "G =~ 1*y1 + nan_eq*y2 + y3" in syntax.text
    assert "G ~ _b1_eq*F" in syntax.text
    assert "x1 ~~ START_eq*y1" in syntax.text


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        (
            ModelSpec(
                "D",
                constructs=[reflective("F", ["x1", "x2"]), reflective("G", ["y1", "y2"])],
                covariances=[Covariance("F", "G"), Covariance("G", "F")],
            ),
            "declared twice",
        ),
        (
            ModelSpec(
                "V",
                constructs=[reflective("F", ["x1", "x2", "x3"])],
                covariances=[Covariance("x1", "x1", label="a"), Covariance("x2", "x3", label="a")],
            ),
            "ties a variance",
        ),
        (
            ModelSpec("R", constructs=[reflective("F", ["x1", "x2"], reliability=0.7)]),
            "declares a reliability but has 2 indicators",
        ),
    ],
)
def test_inexpressible_specs_are_refused(spec: ModelSpec, match: str) -> None:
    with pytest.raises(SpecError, match=match):
        to_semopy(spec)


def test_semopy_accepts_dotted_names_and_large_fixed_values() -> None:
    spec = ModelSpec(
        "Dots",
        constructs=[
            Construct("F.a", (Indicator("x.1", fixed=1e20), Indicator("x.2"), Indicator("x.3")))
        ],
    )
    text = to_semopy(spec).text
    assert "F.a =~ 1e20*x.1 + x.2 + x.3" in text
    model = semopy.Model(text)
    assert set(model.vars["observed"]) == {"x.1", "x.2", "x.3"}
    assert model.parameters  # parsed; x.1's loading is fixed, not a label
    est = model.inspect()
    assert est.loc[est.lval == "x.1", "Estimate"].iloc[0] == 1e20


# ---------------------------------------------------------------- property test
_FIRST = "abxyzABXYZ_"
NAMES = st.builds(str.__add__, st.sampled_from(_FIRST), st.text(_FIRST + "019._", max_size=4))
FIXED = st.none() | st.floats(allow_nan=False, allow_infinity=False, width=32)
LABELS = st.none() | st.sampled_from(["a", "b", "nan", "inf", "START", "_b1", "l.1"])
FORBIDDEN = ("CONSTRAINT", "DEFINE", "eval", "START(", "BOUND", "(", ")", ";", '"', "'", "`")
TOKEN = re.compile(r"(?:(-?[0-9][0-9.e-]*|[A-Za-z_][A-Za-z0-9_.]*)\*)?([A-Za-z_][A-Za-z0-9_.]*)")


@st.composite
def specs(draw: st.DrawFn) -> ModelSpec:
    n = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    names = draw(st.lists(NAMES, min_size=n + sum(sizes), max_size=n + sum(sizes), unique=True))
    cnames, rest = names[:n], names[n:]
    constructs, items = [], []
    for cname, size in zip(cnames, sizes, strict=True):
        block, rest = rest[:size], rest[size:]
        items += block
        inds = tuple(Indicator(i, label=draw(LABELS), fixed=draw(FIXED)) for i in block)
        constructs.append(Construct(cname, inds))
    pairs = [(a, b) for i, a in enumerate(cnames) for b in cnames[i + 1 :]]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    ps = [Path(a, b, label=draw(LABELS), fixed=draw(FIXED)) for a, b in chosen]
    covs = []
    if len(items) > 1 and draw(st.booleans()):
        covs.append(Covariance(items[0], items[-1], fixed=draw(FIXED)))
    return ModelSpec("P", constructs=constructs, paths=ps, covariances=covs)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_generated_text_holds_only_spec_names_and_safe_tokens(spec: ModelSpec) -> None:
    try:
        syntax = to_semopy(spec)
    except SpecError as err:  # one label on two different fixed values
        if "label" not in str(err):
            raise
        return
    text = syntax.text
    for bad in FORBIDDEN:
        assert bad not in text
    allowed = set(spec.construct_names) | set(spec.indicator_names)
    emitted_labels = {syntax.names.get(lab, lab) for lab in syntax.labels} | set(syntax.names)
    for line in text.splitlines():
        if line.startswith("#"):
            assert line in {
                "# measurement model",
                "# structural model",
                "# covariances",
                "# fixed residual variances of single indicators",
            }
            continue
        lhs, op, rhs = line.split(" ", 2)
        assert lhs in allowed
        assert op in {"=~", "~", "~~"}
        for term in rhs.split(" + "):
            m = TOKEN.fullmatch(term)
            assert m is not None, term
            mod, name = m.groups()
            assert name in allowed
            if mod is not None and not mod[0].isdigit() and mod[0] != "-":
                assert mod in emitted_labels
            elif mod is not None:
                assert np.isfinite(float(mod))
    semopy.Model(text)  # semopy parses every generated description
