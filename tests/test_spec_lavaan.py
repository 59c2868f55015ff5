"""Reading and writing lavaan-style model syntax."""

from __future__ import annotations

import textwrap
from pathlib import Path as FsPath

import pytest

from sem_csat.errors import SpecError, SpecSyntaxError
from sem_csat.spec import (
    Covariance,
    CsatItem,
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
from sem_csat.spec.builders import formative, reflective, single_item
from sem_csat.spec.lavaan import format_number, parse_term, read_lavaan, write_lavaan

ROOT = FsPath(__file__).resolve().parents[1]

# Bollen's (1989) industrialization and political democracy model with the equality
# constraints of the lavaan tutorial (labels a, b, c shared by the two democracy factors).
POLITICAL_DEMOCRACY = """
  # measurement model
    ind60 =~ x1 + x2 + x3
    dem60 =~ y1 + a*y2 + b*y3 + c*y4
    dem65 =~ y5 + a*y6 + b*y7 + c*y8

  # regressions
    dem60 ~ ind60
    dem65 ~ ind60 + dem60

  # residual correlations
    y1 ~~ y5
    y2 ~~ y4 + y6
    y3 ~~ y7
    y4 ~~ y8
    y6 ~~ y8
"""


def _syntax_error(text: str) -> SpecSyntaxError:
    with pytest.raises(SpecSyntaxError) as info:
        read_lavaan(text)
    return info.value


# ---------------------------------------------------------------- statements
def test_political_democracy_with_equality_labels() -> None:
    spec = read_lavaan(POLITICAL_DEMOCRACY, name="PoliticalDemocracy")
    assert spec.name == "PoliticalDemocracy"
    assert spec.construct_names == ("ind60", "dem60", "dem65")
    assert spec.construct("dem60").indicators == (
        Indicator("y1"),
        Indicator("y2", label="a"),
        Indicator("y3", label="b"),
        Indicator("y4", label="c"),
    )
    assert [i.label for i in spec.construct("dem65").indicators] == [None, "a", "b", "c"]
    assert spec.paths == (
        Path("ind60", "dem60"),
        Path("ind60", "dem65"),
        Path("dem60", "dem65"),
    )
    assert [(c.left, c.right) for c in spec.covariances] == [
        ("y1", "y5"),
        ("y2", "y4"),
        ("y2", "y6"),
        ("y3", "y7"),
        ("y4", "y8"),
        ("y6", "y8"),
    ]
    assert read_lavaan(write_lavaan(spec)) == spec


def test_all_operators() -> None:
    spec = read_lavaan(
        """
        Image =~ i1 + i2
        QUAL <~ q1 + q2
        Sat =~ s1
        Loy =~ l1
        Sat + Loy ~ Image + QUAL
        Loy ~ Sat
        Image ~~ QUAL
        i1 ~~ i1
        """
    )
    assert spec.construct("Image").mode == "reflective"
    assert spec.construct("QUAL").mode == "formative"
    assert {(p.source, p.target) for p in spec.paths} == {
        ("Image", "Sat"),
        ("QUAL", "Sat"),
        ("Image", "Loy"),
        ("QUAL", "Loy"),
        ("Sat", "Loy"),
    }
    assert spec.covariances == (Covariance("Image", "QUAL"), Covariance("i1", "i1"))
    assert spec.name == "model"
    assert spec.source == "<string>"


def test_modifiers_on_every_operator() -> None:
    spec = read_lavaan(
        """
        f =~ 1*y1 + a*y2 + 0.5*y3 + -2*y4 + 1e-3*y5 + b*1*y6 + 2.5 * c * y7
        g <~ w*z1 + z2
        g ~ b1*f
        f ~~ 0*g
        y1 ~~ e1*y2
        """
    )
    assert spec.construct("f").indicators == (
        Indicator("y1", fixed=1.0),
        Indicator("y2", label="a"),
        Indicator("y3", fixed=0.5),
        Indicator("y4", fixed=-2.0),
        Indicator("y5", fixed=0.001),
        Indicator("y6", label="b", fixed=1.0),
        Indicator("y7", label="c", fixed=2.5),
    )
    assert spec.construct("g").indicators[0] == Indicator("z1", label="w")
    assert spec.paths == (Path("f", "g", label="b1"),)
    assert spec.covariances == (Covariance("f", "g", fixed=0.0), Covariance("y1", "y2", "e1"))


def test_comments_semicolons_continuation_and_repeated_blocks() -> None:
    spec = read_lavaan(
        "! a comment\n"
        "f =~ x1 + x2   # inline comment\n"
        "f =~ x3 ; g =~ y1 +\n"
        "               y2 +   ! continued\n"
        "\n"
        "               y3\n"
        "h =~\n"
        "    z1\n"
        "    + z2\n"
        "h ~ f\n"
        "  + g\n"
        "# f =~ ignored\n"
    )
    assert spec.construct("f").indicator_names == ("x1", "x2", "x3")
    assert spec.construct("g").indicator_names == ("y1", "y2", "y3")
    assert spec.construct("h").indicator_names == ("z1", "z2")
    assert {(p.source, p.target) for p in spec.paths} == {("f", "h"), ("g", "h")}


def test_windows_line_ends() -> None:
    assert read_lavaan("f =~ x1 +\r\n x2\r\n").construct("f").indicator_names == ("x1", "x2")


def test_parse_term() -> None:
    assert parse_term("y1") == ("y1", None, None)
    assert parse_term("a*y2") == ("y2", "a", None)
    assert parse_term("b1 * -0.5 * Image") == ("Image", "b1", -0.5)
    with pytest.raises(SpecSyntaxError, match="only one label"):
        parse_term("a*b*y")
    with pytest.raises(SpecSyntaxError, match="only one fixed value"):
        parse_term("1*2*y")
    with pytest.raises(SpecSyntaxError, match="Expected the end after 'y'"):
        parse_term("y z")


def test_format_number_reads_back_exactly() -> None:
    for x in (1.0, -0.0, 0.1, 1e-05, 123456789.125, 1e300, 2.0**60, -3.5):
        assert float(format_number(x)) == x


# ---------------------------------------------------------------- syntax errors
@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("Sat ~ Image +", 1, 14, "The statement ends after '+'"),
        ("f =~ x1\nSat ~ Image +\n\n", 2, 14, "The statement ends after '+'"),
        ("Sat =~", 1, 7, "The statement ends after '=~'; write the names after it"),
        ("f =~ 1**y", 1, 8, "Expected a name after '*', found '*'"),
        ("f =~ x@1", 1, 7, "Illegal character '@'"),
        ("f =~ x1\n  f =~ x2 x3", 2, 11, "Expected '+' or the end of the statement"),
        ("Sat ~ ~ Image", 1, 7, "A statement has only one operator, but '~' follows '~'"),
        ("f =~ x ~ y", 1, 8, "A statement has only one operator, but '~' follows '=~'"),
        ("=~ x1", 1, 1, "Nothing stands on the left of '=~'"),
        ("f x1 + x2", 1, 3, "Expected an operator ('=~', '<~', '~', '~~', ':=' or '==') after 'f'"),
        ("f", 1, 2, "Expected an operator"),
        ("f + g =~ x", 1, 5, "Only one name can stand on the left of '=~'"),
        ("a*f =~ x", 1, 1, "Modifiers such as 'a*' or '1*' belong to the names on the right"),
        ("f =~ x1 + + x2", 1, 11, "Expected a name after '+', found '+'"),
        ("f =~ 2 + x", 1, 7, "The number '2' must be followed by '*'"),
        ("f =~ a*b*x", 1, 8, "only one label"),
        ("f =~ 1e999*x", 1, 6, "too large"),
        ("f =~ 满意", 1, 6, "Names may only use ASCII letters"),
        ("f =~ start(0.5)*x", 1, 11, "function modifiers such as start()"),
        ('f =~ "a"*x', 1, 6, "Quoted labels are not supported"),
        ("f =~ NA*x1 + x2", 1, 6, "'NA*' modifier"),
    ],
)
def test_syntax_errors_point_at_line_and_column(
    text: str, line: int, column: int, message: str
) -> None:
    err = _syntax_error(text)
    assert (err.line, err.column) == (line, column), str(err)
    assert message in err.reason
    excerpt, caret = str(err).splitlines()[1:3]
    assert caret.index("^") == column - 1 + 4  # four spaces of indentation
    assert excerpt.strip() == text.split("\n")[line - 1].strip()


@pytest.mark.parametrize(
    ("text", "line", "column", "what"),
    [
        ("f =~ a*x1 + b*x2\na < 1", 2, 3, "Inequality constraints ('<' and '>') are not yet"),
        ("f =~ a*x1 + b*x2\na > 1", 2, 3, "Inequality constraints ('<' and '>') are not yet"),
        ("f =~ x1\nx1 | t1 + t2", 2, 4, "Thresholds ('|') are not yet supported"),
        ("f =~ x1\nf ~*~ f", 2, 3, "Scaling factors ('~*~') are not yet supported"),
        ("f =~ x1\nf =~ x1 % x2", 2, 9, "The '%' operator is not supported"),
        ("f =~ x1\nf =~ 0.5?x2", 2, 9, "Starting values ('?') are not supported"),
        ("group: 1\nf =~ x1", 1, 6, "Blocks such as 'group:' or 'level:' (multiple-group"),
        ("f =~ x1\nlevel: 2\ng =~ y1", 2, 6, "Blocks such as 'group:' or 'level:'"),
        ("efa('e1')*f1 =~ x1 + x2", 1, 1, "Exploratory factor blocks (efa())"),
        ('f =~ x1\nefa("e")*f =~ x2', 2, 1, "Exploratory factor blocks (efa())"),
        ("f =~ x1\ng =~ y1\nh =~ z1\nh ~ f:g:h", 4, 8, "three or more constructs"),
        ("f =~ x1 + g:h", 1, 12, "interaction term such as 'A:B' can only be a predictor"),
    ],
)
def test_unsupported_lavaan_features_are_named(
    text: str, line: int, column: int, what: str
) -> None:
    err = _syntax_error(text)
    assert what in err.reason, err.reason
    assert (err.line, err.column) == (line, column), str(err)


def test_observed_variable_in_a_regression() -> None:
    err = _syntax_error("Sat =~ s1 + s2\nSat ~ price")
    assert (err.line, err.column) == (2, 7)
    assert "'price' is not a declared construct" in err.reason
    assert "declare it as a single-item construct first, as in 'X =~ price'" in err.reason
    err = _syntax_error("Sat =~ s1 + s2\nImage =~ i1\nSat ~ i1")
    assert "'i1' is an indicator of construct 'Image'" in err.reason
    assert "use 'Image' here" in err.reason
    err = _syntax_error("Sat =~ s1\nImage =~ i1\nSat ~ image")
    assert "did you mean 'Image'?" in err.reason


def test_other_name_errors() -> None:
    err = _syntax_error("f =~ x1\nf <~ x2")
    assert "declared reflective (line 1) and here formative" in err.reason
    err = _syntax_error("f =~ x1\nf ~~ g")
    assert (err.line, err.column) == (2, 6)
    assert "neither a construct nor an indicator" in err.reason


def test_model_errors_name_the_line() -> None:
    with pytest.raises(SpecError, match=r"^<string>, line 4: The paths form a cycle"):
        read_lavaan("f =~ x1\ng =~ y1\ng ~ f\nf ~ g\n")
    with pytest.raises(SpecError, match=r"^<string>, line 3: The path f -> g is declared twice"):
        read_lavaan("f =~ x1\ng =~ y1\ng ~ f + f\n")
    with pytest.raises(SpecError, match=r"^<string>, line 2: Indicator 'x1' is listed under both"):
        read_lavaan("f =~ x1\ng =~ x1\n")
    with pytest.raises(SpecError, match=r"^<string>, line 1: Construct 'f' lists indicator 'x1'"):
        read_lavaan("f =~ x1 + x1\n")
    with pytest.raises(SpecError, match="declares no constructs"):
        read_lavaan("# nothing here\n")


# ---------------------------------------------------------------- directives
def test_directives() -> None:
    spec = read_lavaan(
        """
        #: name: ECSI-lite
        #: description: "Two lines:\\nhere"
        #: reference: Tenenhaus et al. (2005)
        #: reference: Fornell et al. (1996)
        #: scale: 1, 10
        #:label Image: 企业形象
        #: scale Value: [1, 7]
        #: reverse Value: PERV2
        #: reliability Complaints: 0.8
        #: text PERV1: Given the quality, the price is ... # not a comment
        # an ordinary comment, ignored
        Image =~ IMAG1 + IMAG2
        Value =~ PERV1 + PERV2
        Complaints =~ CUSCO
        Value ~ Image
        """
    )
    assert spec.name == "ECSI-lite"
    assert spec.description == "Two lines:\nhere"
    assert spec.references == ("Tenenhaus et al. (2005)", "Fornell et al. (1996)")
    assert spec.scale == (1.0, 10.0)
    assert spec.construct("Image").label == "企业形象"
    value = spec.construct("Value")
    assert value.scale == (1.0, 7.0)
    assert value.reverse == ("PERV2",)
    assert value.indicators[0].text == "Given the quality, the price is ... # not a comment"
    assert spec.construct("Complaints").reliability == 0.8


def test_name_comes_from_argument_directive_or_file(tmp_path: FsPath) -> None:
    path = tmp_path / "bollen.lav"
    path.write_text(POLITICAL_DEMOCRACY, encoding="utf-8")
    assert read_lavaan(path).name == "bollen"
    assert read_lavaan(str(path)).source == str(path)
    assert read_lavaan(path, name="PD").name == "PD"
    assert read_lavaan("#: name: N\nf =~ x").name == "N"
    assert read_lavaan("#: name: N\nf =~ x", name="M").name == "M"
    assert ModelSpec.from_lavaan(path) == read_lavaan(path)


def test_unreadable_lavaan_file() -> None:
    with pytest.raises(SpecError, match=r"Cannot read the lavaan file 'missing\.lav'"):
        read_lavaan("missing.lav")


@pytest.mark.parametrize(
    ("directive", "column", "message"),
    [
        ("#: labl f: F", 4, "Unknown directive 'labl' (did you mean 'label'?)"),
        ("#: label g: G", 10, "'g' is not a declared construct"),
        ("#: label: G", 4, "needs the name it applies to"),
        ("#: name f: N", 9, "applies to the whole model"),
        ("#: text Y1: T", 9, "'Y1' is not an indicator of any construct (did you mean 'y1'?)"),
        ("#: scale f: 1 to 5", 12, "must be two numbers 'lowest, highest'"),
        ("#: scale: 5, 1", 10, "the lowest answer must be smaller than the highest"),
        ("#: reverse f: y2", 14, "'y2' is not an indicator of 'f'"),
        ("#: reliability f: high", 18, "must be a number in (0, 1]"),
        ("#: reliability f: 1.5", 18, "it must lie in (0, 1]"),
        ("#: label f:", 12, 'The directive has no value; write "" for an empty text'),
        ('#: label f: "open', 12, "not a valid JSON string"),
        ("#: label f: [1]", None, None),
        ("#: name:    ", 9, "has no value"),
        ('#: name: " "', 9, "must not be blank"),
        ("#: just words", 1, "A directive is written '#: key: value'"),
    ],
)
def test_directive_errors(directive: str, column: int | None, message: str | None) -> None:
    text = f"f =~ y1\n{directive}\n"
    if message is None:
        assert read_lavaan(text).construct("f").label == "[1]"
        return
    err = _syntax_error(text)
    assert message in err.reason
    assert (err.line, err.column) == (2, column)


def test_duplicate_directive() -> None:
    err = _syntax_error("#: label f: A\nf =~ x\n#: label f: B\n")
    assert err.line == 3
    assert "given twice (first on line 1)" in err.reason


# ---------------------------------------------------------------- writing
def test_written_text() -> None:
    spec = ModelSpec(
        "Demo",
        [
            reflective("Image", ["i1", "i2"], label="Corporate image"),
            formative("QUAL", ["q1", "q2"], scale=(1, 5), reverse=["q2"]),
            single_item("Sat", "s1", text="How satisfied are you?", reliability=0.9),
        ],
        [Path("Image", "Sat", label="b1"), Path("QUAL", "Sat"), Path("Image", "QUAL")],
        [Covariance("i1", "q1", fixed=0.0), Covariance("i1", "q2")],
        description=" padded ",
        references=["R"],
        scale=(1, 10),
    )
    assert write_lavaan(spec) == textwrap.dedent(
        """\
        #: name: Demo
        #: description: " padded "
        #: reference: R
        #: scale: 1, 10

        # measurement model
        #: label Image: Corporate image
        Image =~ i1 + i2
        #: scale QUAL: 1, 5
        #: reverse QUAL: q2
        QUAL <~ q1 + q2
        #: reliability Sat: 0.9
        #: text s1: How satisfied are you?
        Sat =~ s1

        # structural model
        QUAL ~ Image
        Sat ~ b1*Image + QUAL

        # covariances
        i1 ~~ 0*q1 + q2
        """
    )
    assert spec.to_lavaan() == write_lavaan(spec)
    assert read_lavaan(write_lavaan(spec)) == spec


def test_long_blocks_are_wrapped_and_read_back() -> None:
    spec = ModelSpec("Wide", [reflective("F", [f"item_number_{k}" for k in range(20)])])
    text = write_lavaan(spec)
    assert max(len(line) for line in text.splitlines()) <= 100
    assert text.count("F =~") == 1
    assert read_lavaan(text) == spec


def test_bundled_ecsi_round_trips() -> None:
    spec = ModelSpec.from_yaml(ROOT / "model_specs" / "ecsi.yaml")
    text = spec.to_lavaan()
    assert "Satisfaction ~ Image + Expectation + Quality + Value" in text
    assert ModelSpec.from_lavaan(text) == spec


# ---------------------------------------------------------------- higher-order, moderation, means
RELATIONSHIP_QUALITY = """
TRUST =~ t1 + t2 + t3
COMMIT =~ c1 + c2 + c3
SAT =~ s1 + s2 + s3
RQ =~ 1*TRUST + a*COMMIT + a*SAT   # right-hand names are constructs: dimensions
LOY =~ l1 + l2
COST =~ k1 + k2
LOY ~ RQ + COST + b3*RQ:COST
"""


def test_higher_order_constructs_are_detected() -> None:
    spec = read_lavaan(RELATIONSHIP_QUALITY)
    rq = spec.construct("RQ")
    assert rq.is_higher_order
    assert rq.dimensions == (
        Indicator("TRUST", fixed=1.0),
        Indicator("COMMIT", label="a"),
        Indicator("SAT", label="a"),
    )
    assert spec.higher_order == ("RQ",)
    assert "RQ =~ 1*TRUST + a*COMMIT + a*SAT" in write_lavaan(spec)
    assert read_lavaan(write_lavaan(spec)) == spec
    # a dimension declared after the higher-order construct is found as well
    later = read_lavaan("RQ <~ A + B\nA =~ a1\nB =~ b1\nY =~ y1\nY ~ RQ")
    assert later.construct("RQ").mode == "formative"
    assert later.dimensions_of("RQ") == ("A", "B")


def test_items_and_constructs_cannot_be_mixed() -> None:
    err = _syntax_error("A =~ a1\nB =~ b1\nRQ =~ A + x1 + B")
    assert (err.line, err.column) == (3, 7)
    assert "Construct 'RQ' has both constructs (A, B) and items (x1) on the right" in err.reason


def test_interaction_terms() -> None:
    spec = read_lavaan(RELATIONSHIP_QUALITY)
    assert spec.interactions == (Interaction("RQ_x_COST", "RQ", "COST"),)
    assert Path("RQ_x_COST", "LOY", "b3") in spec.paths
    text = write_lavaan(spec)
    assert "LOY ~ RQ + COST + b3*RQ:COST" in text
    assert "#: interaction" not in text  # the default name needs no directive
    # a directive names it; the reversed pair is the same interaction
    named = read_lavaan(
        "#: interaction RQxC: RQ:COST\n" + RELATIONSHIP_QUALITY + "WOM =~ w1\nWOM ~ COST:RQ\n"
    )
    assert named.interactions == (Interaction("RQxC", "RQ", "COST"),)
    assert {p.target for p in named.paths if p.source == "RQxC"} == {"LOY", "WOM"}
    assert "#: interaction RQxC: RQ:COST" in write_lavaan(named)
    assert read_lavaan(write_lavaan(named)) == named


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("A =~ a1\nY =~ y1\nY ~ A:B", 3, 7, "'B' is not a declared construct"),
        ("A =~ a1\nY =~ y1\nY ~ A:a1", 3, 7, "'a1' is an indicator of construct 'A'"),
        ("A =~ a1\nY =~ y1\nY ~ A:", 3, 7, "add the second construct after ':'"),
        ("A =~ a1\nY =~ y1\nA ~~ A:Y", 3, 7, "can only be a predictor on the right of '~'"),
    ],
)
def test_interaction_errors_are_located(text: str, line: int, column: int, message: str) -> None:
    err = _syntax_error(text)
    assert message in err.reason
    assert (err.line, err.column) == (line, column), str(err)


def test_interaction_model_errors_name_the_line() -> None:
    with pytest.raises(SpecError, match=r"^<string>, line 1: The interaction 'AxB' \(A x B\)"):
        read_lavaan("#: interaction AxB: A:B\nA =~ a1\nB =~ b1\nY =~ y1\nY ~ A + B\n")
    with pytest.raises(SpecError, match=r"^<string>, line 3: .*multiplies construct 'A' with"):
        read_lavaan("A =~ a1\nY =~ y1\nY ~ A:A\n")


def test_intercepts() -> None:
    spec = read_lavaan(
        "F =~ y1 + y2\nG =~ z1\ny1 ~ 1\nF ~ 0*1\ny2 ~ a*1\nG ~ F + 1\nz1 + y1.x ~ 1\nH =~ y1.x\n"
    )
    assert spec.intercepts == (
        Intercept("y1"),
        Intercept("F", fixed=0.0),
        Intercept("y2", label="a"),
        Intercept("G"),
        Intercept("z1"),
        Intercept("y1.x"),
    )
    assert spec.paths == (Path("F", "G"),)
    assert spec.meanstructure
    text = write_lavaan(spec)
    assert "# intercepts and means\ny1 ~ 1\nF ~ 0*1\ny2 ~ a*1\nG ~ 1\n" in text
    assert read_lavaan(text) == spec


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("F =~ y1\nF ~ 2", 2, 5, "a number without '*' stands for the intercept and must be 1"),
        ("F =~ y1\nF ~ -1", 2, 6, "must be 1"),
        ("F =~ y1\nx9 ~ 1", 2, 1, "'x9' in the intercept 'x9 ~ 1' is neither a construct"),
        ("F =~ y1\ny1 ~ F + 1", 2, 1, "'y1' is an indicator of construct 'F', but regressions"),
        ("F =~ y1\nF =~ 1", 2, 7, "The number '1' must be followed by '*'"),
    ],
)
def test_intercept_errors(text: str, line: int, column: int, message: str) -> None:
    err = _syntax_error(text)
    assert message in err.reason
    assert (err.line, err.column) == (line, column), str(err)


def test_meanstructure_directive() -> None:
    spec = read_lavaan("#: meanstructure: true\nF =~ y1")
    assert spec.meanstructure
    assert "#: meanstructure: true" in write_lavaan(spec)
    assert read_lavaan(write_lavaan(spec)) == spec
    err = _syntax_error("#: meanstructure: false\nF =~ y1\ny1 ~ 1")
    assert "contradicts the intercepts" in err.reason
    err = _syntax_error("#: meanstructure: yes\nF =~ y1")
    assert "meanstructure must be true or false" in err.reason


# ---------------------------------------------------------------- := and ==
MEDIATION = """
X =~ x1
M =~ m1
Y =~ y1
Y ~ c*X
M ~ a*X
Y ~ b*M
ab := a*b
total := c + (a*b)
  # a continued expression and a constraint with a defined parameter
share := ab /
         total
a == 2*b; total == .5
"""


def test_defined_parameters_and_constraints() -> None:
    spec = read_lavaan(MEDIATION)
    assert [d.text for d in spec.defined] == [
        "ab := a*b",
        "total := c + a*b",
        "share := ab/total",
    ]
    assert [c.text for c in spec.constraints] == ["a == 2*b", "total == 0.5"]
    assert spec.expand("share").text == "a*b/(c + a*b)"
    text = write_lavaan(spec)
    assert "# defined parameters\nab := a*b\ntotal := c + a*b\nshare := ab/total\n" in text
    assert "# constraints\na == 2*b\ntotal == 0.5\n" in text
    assert read_lavaan(text) == spec


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("X =~ x1\nY =~ y1\nY ~ a*X\nab := a*", 4, 9, "The expression ends after '*'"),
        ("X =~ x1\nY =~ y1\nY ~ a*X\nab := (a", 4, 7, "This '(' is not closed"),
        ("X =~ x1\nY =~ y1\nY ~ a*X\nab := a b", 4, 9, "Expected an operator (+ - * / ^)"),
        ("X =~ x1\nY =~ y1\nY ~ a*X\nab := pnorm(a)", 4, 7, "'pnorm()' is not a function"),
        ("X =~ x1\nY =~ y1\nY ~ a*X\nab :=", 4, 6, "The statement ends after ':='"),
        ("X =~ x1\nY =~ y1\nY ~ a*X\n:= a", 4, 1, "A defined parameter is written 'name :="),
        ("X =~ x1\nY =~ y1\nY ~ a*X\nb c := a", 4, 1, "A defined parameter is written"),
        ("X =~ x1\nY =~ y1\nY ~ a*X\n== a", 4, 1, "Nothing stands on the left of '=='"),
        ("X =~ x1\nY =~ y1\nY ~ a*X\na == b == c", 4, 8, "A statement has only one operator"),
        ("X =~ x1\nY =~ y1\nY ~ a*X\nab := a ~ b", 4, 9, "A statement has only one operator"),
        ("X =~ x1\nY =~ y1\nY ~ a*X\nab := a & b", 4, 9, "Illegal character '&'"),
        ("X =~ x1\nY =~ y1\nY ~ a/X", 3, 6, "Illegal character '/'"),
        ("X =~ x1\nY =~ y1\nY ~ a^X", 3, 6, "Illegal character '^'"),
    ],
)
def test_expression_errors_are_located(text: str, line: int, column: int, message: str) -> None:
    err = _syntax_error(text)
    assert message in err.reason, err.reason
    assert (err.line, err.column) == (line, column), str(err)


def test_expression_model_errors_name_the_line() -> None:
    base = "X =~ x1\nY =~ y1\nY ~ a*X\n"
    with pytest.raises(SpecError, match=r"^<string>, line 4: The defined parameter 'ab' uses 'd'"):
        read_lavaan(base + "ab := a*d\n")
    with pytest.raises(SpecError, match=r"^<string>, line 5: The constraint a == q uses 'q'"):
        read_lavaan(base + "ab := a*2\na == q\n")
    with pytest.raises(SpecError, match=r"line 4: The defined parameter 'X' has the name of a"):
        read_lavaan(base + "X := a*2\n")


# ---------------------------------------------------------------- servqual, metrics directives
def test_servqual_and_metrics_directives() -> None:
    text = (
        "#: servqual Tangibles: expectation E1, E2; perception P1, P2; weight 20\n"
        "#: servqual Empathy: expectation E3; perception P3; weight 10\n"
        "#: nps: REC\n"
        "#: csat: CS; scale 1, 5; top_box 1\n"
        "#: ces: EFF\n"
        "#: kano Speed: KF1, KD1\n"
        "#: kano KF2: KF2, KD2\n"
        "T =~ P1 + P2\nE =~ P3\n"
    )
    spec = read_lavaan(text)
    assert spec.servqual == Servqual(
        (
            ServqualDimension("Tangibles", ("E1", "E2"), ("P1", "P2"), 20.0),
            ServqualDimension("Empathy", ("E3",), ("P3",), 10.0),
        )
    )
    assert spec.metrics == Metrics(
        "REC",
        CsatItem("CS", (1.0, 5.0), 1),
        "EFF",
        (KanoPair("Speed", "KF1", "KD1"), KanoPair("KF2", "KF2", "KD2")),
    )
    assert read_lavaan(write_lavaan(spec)) == spec
    assert read_lavaan("#: csat: CS\nT =~ P1").metrics == Metrics(csat=CsatItem("CS"))


@pytest.mark.parametrize(
    ("directive", "message"),
    [
        ("#: servqual T: expectation E1; perception P1, P2", "has 1 expectation and 2 perception"),
        ("#: servqual T: expectation E1", "has no 'perception' items"),
        ("#: servqual T: expect E1; perception P1", "Cannot read 'expect E1'"),
        ("#: servqual T: expectation E1; perception P1; weight x", "must be a number"),
        ("#: kano Speed: KF1", "needs two items, 'functional, dysfunctional'"),
        ("#: csat: CS; top_box two", "top_box of the CSAT item must be a whole number"),
        ("#: csat: CS; scale 1, 5; top_box 5", "covers all 5 answers"),
        ("#: nps: bad-name", "The NPS item name 'bad-name' is not allowed"),
        ("#: interaction AxB: A", "written '#: interaction AxB: A:B'"),
        ("#: nps T: REC", "The directive 'nps' applies to the whole model"),
    ],
)
def test_block_directive_errors(directive: str, message: str) -> None:
    err = _syntax_error(directive + "\nT =~ P1 + P2\n")
    assert message in err.reason, err.reason
    assert err.line == 1


def test_block_errors_across_directives_name_the_first_line() -> None:
    err = _syntax_error(
        "F =~ y1\n#: servqual A: expectation E1; perception P1\n"
        "#: servqual B: expectation E1; perception P2\n"
    )
    assert "The SERVQUAL item 'E1' is listed in 'A' and 'B'" in err.reason
    assert err.line == 2
    err = _syntax_error("F =~ y1\n#: nps: X\n#: ces: X\n")
    assert "'X' is used as the NPS item and as the CES item" in err.reason
    with pytest.raises(SpecError, match=r"^<string>, line 2: The metrics block names 'F'"):
        read_lavaan("F =~ y1\n#: nps: F\n")


# ---------------------------------------------------------------- lavaan's own reference models
def _reference_models() -> list[tuple[str, str]]:
    import json

    out = []
    for info in sorted((ROOT / "tests" / "reference" / "lavaan").glob("*/info.json")):
        model = json.loads(info.read_text(encoding="utf-8")).get("model")
        if isinstance(model, str):
            out.append((info.parent.name, model))
    return out


@pytest.mark.parametrize(("case", "model"), _reference_models())
def test_every_lavaan_reference_model_reads_and_round_trips(case: str, model: str) -> None:
    spec = read_lavaan(model)
    assert read_lavaan(write_lavaan(spec)) == spec
    assert ModelSpec.from_yaml(spec.to_yaml()) == spec
    if case.startswith("second_order"):
        assert len(spec.higher_order) == 1
    if case.startswith("defined"):
        assert [d.name for d in spec.defined] == ["ind", "tot", "prop"]
        assert spec.expand("prop").text == "a*b/(c + a*b)"
    if case.startswith("equality"):
        assert len(spec.constraints) == 1
        assert spec.constraints[0].linear() is not None
    if case.startswith("means_") and case != "means_hs":  # means_hs sets meanstructure=TRUE
        assert spec.meanstructure
        assert spec.intercepts
