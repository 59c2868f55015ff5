"""Reading and writing lavaan-style model syntax."""

from __future__ import annotations

import textwrap
from pathlib import Path as FsPath

import pytest

from sem_csat.errors import SpecError, SpecSyntaxError
from sem_csat.spec import Covariance, Indicator, ModelSpec, Path
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
