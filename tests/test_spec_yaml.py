"""Reading and writing YAML specs: the format, safety, error messages, round trips."""

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
    ServqualDimension,
)
from sem_csat.spec.builders import formative, reflective, single_item
from sem_csat.spec.yaml_io import read_yaml, spec_from_mapping, spec_to_mapping, write_yaml

ROOT = FsPath(__file__).resolve().parents[1]

FORMAT_EXAMPLE = """\
name: ECSI
description: European Customer Satisfaction Index, mobile-phone variant
references: ["Tenenhaus et al. (2005) ..."]
scale: [1, 10]                 # answer scale of all items
constructs:
  Image:      {indicators: [IMAG1, IMAG2, IMAG3, IMAG4, IMAG5], label: Corporate image}
  Complaints: {indicators: [CUSCO]}
  QUAL:       {indicators: [qual_1, qual_2], mode: formative}
  Value:
    label: Perceived value
    scale: [1, 7]
    reverse: [PERV2]
    indicators:
      PERV1: "Given the quality, the price is ..."
      PERV2: "..."
  COMP: {indicators: [comp1]}
  LIKE: {indicators: [like1]}
  CUSA: {indicators: [cusa1]}
  CUSL: {indicators: [cusl1]}
paths:
  - Image -> Complaints, Value
  - COMP, LIKE -> CUSA, CUSL       # every source to every target
covariances:
  - Image ~~ QUAL
"""


def _error(text: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        read_yaml(textwrap.dedent(text))
    return info.value


def _syntax_error(text: str) -> SpecSyntaxError:
    err = _error(text)
    assert isinstance(err, SpecSyntaxError), str(err)
    return err


# ---------------------------------------------------------------- the format
def test_reads_the_documented_format() -> None:
    spec = read_yaml(FORMAT_EXAMPLE)
    assert spec.name == "ECSI"
    assert spec.description.startswith("European")
    assert spec.references == ("Tenenhaus et al. (2005) ...",)
    assert spec.scale == (1.0, 10.0)
    assert spec.source == "<string>"
    image = spec.construct("Image")
    assert image.label == "Corporate image"
    assert image.indicator_names == ("IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5")
    assert image.mode == "reflective"
    assert spec.construct("QUAL").mode == "formative"
    value = spec.construct("Value")
    assert value.scale == (1.0, 7.0)
    assert value.reverse == ("PERV2",)
    assert value.indicators[0] == Indicator("PERV1", "Given the quality, the price is ...")
    assert spec.scale_of("Complaints") == (1.0, 10.0)
    pairs = {(p.source, p.target) for p in spec.paths}
    assert pairs == {
        ("Image", "Complaints"),
        ("Image", "Value"),
        ("COMP", "CUSA"),
        ("COMP", "CUSL"),
        ("LIKE", "CUSA"),
        ("LIKE", "CUSL"),
    }
    assert spec.covariances == (Covariance("Image", "QUAL"),)


@pytest.mark.parametrize("name", ["ecsi", "acsi"])
def test_bundled_models_read_and_round_trip(name: str) -> None:
    path = ROOT / "model_specs" / f"{name}.yaml"
    spec = read_yaml(path)
    assert spec.source == str(path)
    assert read_yaml(str(path)) == spec
    assert read_yaml(write_yaml(spec)) == spec
    assert ModelSpec.from_lavaan(spec.to_lavaan()) == spec


def test_ecsi_contents() -> None:
    spec = ModelSpec.from_yaml(ROOT / "model_specs" / "ecsi.yaml")
    assert (len(spec.constructs), len(spec.indicator_names), len(spec.paths)) == (7, 24, 12)
    assert spec.construct("Image").label == "Corporate image"


def test_modifiers() -> None:
    spec = read_yaml(
        """
        name: Bollen
        constructs:
          ind60: {indicators: [x1, x2, x3]}
          dem60: {indicators: [1*y1, a*y2, b*-0.5*y3, "c*y4"]}
          dem65:
            indicators:
              y5: Freedom of the press
              a*y6: Freedom of group opposition
              y7: {text: Fairness of elections, label: b, fixed: 1}
              y8:
        paths:
          - ind60 -> b1*dem60, dem65
          - dem60 -> 0.5*dem65
        covariances:
          - y1 ~~ c1*y5
          - y2 ~~ 0*y4
        """.replace("\n        ", "\n")
    )
    assert spec.construct("dem60").indicators == (
        Indicator("y1", fixed=1.0),
        Indicator("y2", label="a"),
        Indicator("y3", label="b", fixed=-0.5),
        Indicator("y4", label="c"),
    )
    assert spec.construct("dem65").indicators == (
        Indicator("y5", "Freedom of the press"),
        Indicator("y6", "Freedom of group opposition", label="a"),
        Indicator("y7", "Fairness of elections", label="b", fixed=1.0),
        Indicator("y8"),
    )
    assert spec.paths == (
        Path("ind60", "dem60", label="b1"),
        Path("ind60", "dem65"),
        Path("dem60", "dem65", fixed=0.5),
    )
    assert spec.covariances == (Covariance("y1", "y5", "c1"), Covariance("y2", "y4", fixed=0.0))
    assert read_yaml(write_yaml(spec)) == spec


def test_optional_keys_may_be_empty_and_references_a_text() -> None:
    spec = read_yaml(
        "name: m\nreferences: One paper\ndescription:\npaths:\ncovariances:\n"
        "constructs:\n  A: {indicators: [a], mode: , label: }\n"
    )
    assert spec.references == ("One paper",)
    assert spec.description == ""
    assert spec.construct("A").mode == "reflective"
    assert spec.paths == ()


def test_yes_no_on_off_stay_names() -> None:
    spec = read_yaml(
        "name: m\nconstructs:\n  No: {indicators: [yes, off]}\n  On: {indicators: [n]}"
    )
    assert spec.construct_names == ("No", "On")
    assert spec.construct("No").indicator_names == ("yes", "off")


def test_merge_keys_are_not_duplicates() -> None:
    spec = read_yaml(
        "name: m\nconstructs:\n  A: &a {indicators: [a1], scale: [1, 5]}\n"
        "  B: {<<: *a, indicators: [b1]}\n"
    )
    assert spec.construct("B").scale == (1.0, 5.0)
    assert spec.construct("B").indicator_names == ("b1",)


# ---------------------------------------------------------------- files
def test_files_chinese_labels_and_bom(tmp_path: FsPath) -> None:
    path = tmp_path / "满意度.yaml"
    path.write_text(
        "\ufeffname: 顾客满意度\nconstructs:\n  Sat: {indicators: [s1], label: 顾客满意}\n",
        encoding="utf-8",
    )
    spec = read_yaml(path)
    assert spec.name == "顾客满意度"
    assert spec.construct("Sat").label == "顾客满意"
    assert spec.source == str(path)
    text = write_yaml(spec)
    assert "label: 顾客满意\n" in text  # kept as text, not escaped
    assert read_yaml(text) == spec


def test_unreadable_files_name_the_file(tmp_path: FsPath) -> None:
    with pytest.raises(SpecError, match=r"Cannot read the YAML file 'nowhere\.yaml'"):
        read_yaml("nowhere.yaml")
    with pytest.raises(SpecError, match="Cannot read the YAML file"):
        read_yaml(tmp_path)
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("name: Zufriedenheit für alle\n".encode("latin-1"))
    with pytest.raises(SpecError, match=r"'.*latin1\.yaml' is not UTF-8 text"):
        read_yaml(bad)


def test_a_word_is_not_a_spec() -> None:
    with pytest.raises(SpecError, match="neither a YAML spec nor an existing file"):
        read_yaml("ecsi")


# ---------------------------------------------------------------- safety
@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/new:os.system ['touch {marker}']",
        "!!python/name:os.system",
        "!custom 'touch {marker}'",
    ],
)
def test_python_tags_are_refused_and_never_executed(tag: str, tmp_path: FsPath) -> None:
    marker = tmp_path / "executed"
    text = f"name: {tag.format(marker=marker)}\nconstructs:\n  A: {{indicators: [a]}}\n"
    err = _syntax_error(text)
    assert "is not allowed here: sem_csat reads plain YAML only" in str(err)
    assert (err.line, err.column) == (1, 7)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!!binary aGVsbG8=", "The tag '!!binary' is not allowed here"),
        ("!!set {a: 1}", "The tag '!!set' is not allowed here"),
        ("!!str [a]", "The tag '!!str' is not allowed here"),
        ("!!bool maybe", "The value 'maybe' cannot be read as !!bool; quote it"),
        ("2020-13-45", "The value '2020-13-45' cannot be read as !!timestamp; quote it"),
    ],
)
def test_other_tags_and_unreadable_values(value: str, message: str) -> None:
    err = _syntax_error(f"name: {value}\nconstructs: {{A: {{indicators: [a]}}}}\n")
    assert message in err.reason
    assert (err.line, err.column) == (1, 7)


def test_yaml_11_oddities_stay_text() -> None:
    spec = read_yaml("name: =\nconstructs:\n  A: {indicators: [a], label: <<}\n")
    assert spec.name == "="
    assert spec.construct("A").label == "<<"


def test_duplicate_construct_is_an_error() -> None:
    err = _syntax_error(
        """\
        name: m
        constructs:
          A: {indicators: [a1]}
          B: {indicators: [b1]}
          A: {indicators: [a2]}
        """
    )
    assert (err.line, err.column) == (5, 3)
    assert "The key 'A' appears twice in this mapping (first on line 3)" in str(err)


def test_duplicate_top_level_key() -> None:
    err = _syntax_error("name: a\nname: b\nconstructs: {A: {indicators: [a]}}\n")
    assert err.line == 2
    assert "'name' appears twice" in err.reason


# ---------------------------------------------------------------- unknown keys and types
@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        (
            "name: m\nconstruct:\n  A: {indicators: [a]}\n",
            2,
            1,
            "The spec has an unknown key 'construct' (did you mean 'constructs'?)",
        ),
        (
            "name: m\nconstructs:\n  A:\n    indicator: [a]\n",
            4,
            5,
            "Construct 'A' has an unknown key 'indicator' (did you mean 'indicators'?)",
        ),
        (
            "name: m\nconstructs:\n  A:\n    indicators:\n      a: {txt: Wording}\n",
            5,
            11,
            "Indicator 'a' of construct 'A' has an unknown key 'txt' (did you mean 'text'?)",
        ),
        (
            "name: m\nconstructs:\n  A: {indicators: [a], mode: formativ}\n",
            3,
            30,
            "has mode 'formativ' (did you mean 'formative'?)",
        ),
    ],
)
def test_unknown_keys_and_values_suggest_the_right_one(
    text: str, line: int, column: int, message: str
) -> None:
    err = _syntax_error(text)
    assert (err.line, err.column) == (line, column)
    assert message in err.reason
    assert err.text is not None
    assert str(err).endswith("^")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("A: {indicators: a1}", "The indicators of construct 'A' must be a list"),
        ("A: {indicators: []}", "Construct 'A' has no indicators"),
        ("A: {indicators: [a1, 2]}", "must be item names, got the number 2"),
        ("A: {indicators: [a1], scale: [1]}", "must be two numbers [lowest, highest]"),
        ("A: {indicators: [a1], scale: [1, ten]}", "got [1, 'ten']"),
        ("A: {indicators: [a1], scale: [7, 1]}", "lowest answer must be smaller"),
        ("A: {indicators: [a1], label: 12}", "must be a text, got the number 12; put it in quotes"),
        ("A: {indicators: [a1], reliability: high}", "reliability of construct 'A' must be a"),
        ("A: {indicators: [a1], reverse: [a2]}", "marks 'a2' as reverse-coded"),
        ("A: {indicators: [a1], reverse: {a: 1}}", "'reverse' of construct 'A' must be a list"),
        ("A: [a1, a2]", "Construct 'A' must be a mapping with at least 'indicators'"),
        ("A: {label: x}", "Construct 'A' has no 'indicators'"),
        ("'': {indicators: [a1]}", "construct name must be a non-empty text"),
        ("my A: {indicators: [a1]}", "The construct name 'my A' is not allowed"),
        ("A: {indicators: [a**1]}", "is not an item name with optional modifiers"),
        ("A: {indicators: [NA*a1]}", "'NA*' modifier"),
        ("A: {indicators: {a1: [x]}}", "The wording of indicator 'a1' in construct 'A'"),
        ("A: {indicators: {a*a1: {label: b}}}", "both in front of its name and in 'label:'"),
        (
            "A: {indicators: {a1: {fixed: one}}}",
            "fixed value of indicator 'a1' of construct 'A' must be a number",
        ),
    ],
)
def test_wrong_construct_settings(body: str, message: str) -> None:
    err = _error(f"name: m\nconstructs:\n  {body}\n")
    assert message in str(err)
    assert "line 3" in str(err)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("A B", "must have exactly one '->'"),
        ("A -> B -> A", "write a chain as separate entries"),
        ("', A -> B'", "name must be a non-empty text"),
        ("A -> ", "is not an item name"),
        ("a*A -> B", "put modifiers on the target"),
        ("{from: A, to: B}", "Each entry of 'paths' must be a text"),
    ],
)
def test_wrong_paths(entry: str, message: str) -> None:
    err = _syntax_error(
        f"name: m\nconstructs:\n  A: {{indicators: [a]}}\n  B: {{indicators: [b]}}\n"
        f"paths:\n  - {entry}\n"
    )
    assert message in err.reason
    assert err.line == 6


def test_wrong_top_level_values() -> None:
    assert "has no 'name'" in str(_error("constructs: {A: {indicators: [a]}}"))
    assert "has no 'constructs'" in str(_error("name: m"))
    assert "non-empty text, got the number 5" in str(_error("name: 5\nconstructs: {A: {}}"))
    assert "'constructs' must be a mapping" in str(_error("name: m\nconstructs: [A]"))
    assert "'references' must be a text or a list" in str(
        _error("name: m\nreferences: {a: 1}\nconstructs: {A: {indicators: [a]}}")
    )
    assert "'paths' must be a list" in str(
        _error("name: m\nconstructs: {A: {indicators: [a]}}\npaths: {A: B}")
    )
    assert "must be written 'A ~~ B'" in str(
        _error("name: m\nconstructs: {A: {indicators: [a]}}\ncovariances: [A ~~ B ~~ C]")
    )
    assert "A spec must be a mapping" in str(_error("- a\n- b\n"))
    assert "A spec must be a mapping" in str(_error(""))


# ---------------------------------------------------------------- model errors get the line
def test_unknown_construct_in_a_path_names_the_line() -> None:
    err = _error(
        """\
        name: m
        constructs:
          Image: {indicators: [i1]}
          Sat: {indicators: [s1]}
        paths:
          - Image -> Sat
          - Image -> Loyalty
        """
    )
    assert type(err) is SpecError
    assert str(err).startswith("<string>, line 7: The path Image -> Loyalty uses 'Loyalty'")


def test_cycle_names_the_line_of_the_closing_path(tmp_path: FsPath) -> None:
    path = tmp_path / "cyclic.yaml"
    path.write_text(
        "name: m\nconstructs:\n  A: {indicators: [a]}\n  B: {indicators: [b]}\n"
        "paths:\n  - A -> B\n  - B -> A\n",
        encoding="utf-8",
    )
    with pytest.raises(SpecError, match=r"cyclic\.yaml, line 7: The paths form a cycle"):
        read_yaml(path)


def test_item_in_two_constructs_names_the_second() -> None:
    err = _error("name: m\nconstructs:\n  A: {indicators: [x]}\n  B:\n    indicators: [y, x]\n")
    assert str(err).startswith("<string>, line 5: Indicator 'x' is listed under both")


# ---------------------------------------------------------------- malformed YAML
def test_malformed_yaml_has_line_column_and_caret() -> None:
    err = _syntax_error("name: m\nconstructs:\n  A: {indicators: [a1, a2}\n")
    assert err.line == 3
    assert err.column is not None
    assert "This is not valid YAML" in err.reason
    assert str(err).splitlines()[1].strip() == "A: {indicators: [a1, a2}"
    assert str(err).splitlines()[2].strip() == "^"


def test_bad_indentation() -> None:
    err = _syntax_error("name: m\n  constructs: x\n")
    assert (err.line, err.column) == (2, 13)


def test_control_characters_are_located() -> None:
    err = _syntax_error("name: m\nconstructs:\n  A: {indicators: [a\x07]}\n")
    assert (err.line, err.column) == (3, 21)


def test_several_documents_are_refused() -> None:
    assert "single document" in str(_error("name: a\n---\nname: b\n"))


# ---------------------------------------------------------------- dicts
def test_mapping_round_trip_and_errors_without_positions() -> None:
    spec = ModelSpec(
        "m",
        [
            reflective("A", {"a1": "Wording", "a2": None}, label="Ä", scale=(1, 5)),
            formative("B", ["b1", "b2"], reverse=["b2"]),
            single_item("C", "c1", reliability=0.8),
        ],
        [Path("A", "B", "p1"), Path("B", "C", fixed=0.3)],
        [Covariance("a1", "b1", fixed=0.0)],
        description="d",
        references=["r1", "r2"],
        scale=(1, 10),
    )
    mapping = spec_to_mapping(spec)
    assert mapping == spec.to_dict()
    assert list(mapping) == [
        "name",
        "description",
        "references",
        "scale",
        "constructs",
        "paths",
        "covariances",
    ]
    assert mapping["constructs"]["A"] == {
        "label": "Ä",
        "scale": [1, 5],
        "indicators": {"a1": "Wording", "a2": None},
    }
    assert mapping["paths"] == ["A -> p1*B", "B -> 0.3*C"]
    assert mapping["covariances"] == ["a1 ~~ 0*b1"]
    assert ModelSpec.from_dict(mapping) == spec
    assert spec_from_mapping(mapping, source="x") == spec
    with pytest.raises(SpecError, match=r"^<dict>: Construct 'A' has an unknown key 'lable'"):
        ModelSpec.from_dict({"name": "m", "constructs": {"A": {"indicators": ["a"], "lable": 1}}})


# ---------------------------------------------------------------- writing
def test_written_yaml_is_readable() -> None:
    spec = ModelSpec(
        "Demo",
        [
            reflective("COMP", ["comp1", "comp2"], label="Competence"),
            reflective("LIKE", ["like1"]),
            reflective("CUSA", {"cusa1": "Overall satisfaction."}),
            formative("CUSL", ["cusl1", "cusl2"], scale=(1, 7)),
        ],
        [Path(s, t) for s in ("COMP", "LIKE") for t in ("CUSA", "CUSL")],
        [Covariance("COMP", "LIKE", label="c")],
        references=["Hair et al. (2022)"],
    )
    assert write_yaml(spec) == textwrap.dedent(
        """\
        name: Demo
        references:
          - Hair et al. (2022)
        constructs:
          COMP:
            label: Competence
            indicators: [comp1, comp2]
          LIKE:
            indicators: [like1]
          CUSA:
            indicators:
              cusa1: Overall satisfaction.
          CUSL:
            mode: formative
            scale: [1, 7]
            indicators: [cusl1, cusl2]
        paths:
          - COMP, LIKE -> CUSA, CUSL
        covariances:
          - COMP ~~ c*LIKE
        """
    )
    assert ModelSpec.from_yaml(spec.to_yaml()) == spec


def test_unusual_text_survives() -> None:
    texts = [
        "顾客满意度",
        "a\nb\n",
        "  padded ",
        "",
        "tab\there",
        "\x85nel",
        "yes",
        "- dash",
        "1.5",
    ]
    spec = ModelSpec(
        "m",
        [reflective("A", {f"a{k}": t for k, t in enumerate(texts)}, label=texts[0])],
        description="line one\nline two",
    )
    assert read_yaml(write_yaml(spec)) == spec


# ---------------------------------------------------------------- the extensions
EXTENDED = """\
name: Moderated RQ
meanstructure: true
constructs:
  TRUST: {indicators: [t1, t2]}
  COMMIT: {indicators: [c1, c2]}
  RQ: {dimensions: [1*TRUST, a*COMMIT], label: Relationship quality}
  COST: {indicators: [k1, k2]}
  LOY: {indicators: [l1, l2]}
interactions:
  RQxCOST: [RQ, COST]
paths:
  - RQ -> b1*LOY
  - COST -> b2*LOY
  - RQxCOST -> b3*LOY
intercepts:
  - t1                          # a free intercept
  - LOY ~ 0*1                   # a fixed mean
  - c1, c2 ~ m*1                # equal intercepts
defined:
  slope_hi: b1 + b3             # simple slope one SD above the moderator's mean
  ratio: "b3 / b1"
  half: 0.5 * b1
constraints:
  - b2 == 2*b1
  - "ratio == -0.25"
servqual:
  Tangibles:
    expectation: [E_TAN1, E_TAN2]
    perception: [P_TAN1, P_TAN2]
    weight: 60
  Empathy: {expectation: E_EMP1, perception: P_EMP1, weight: 40}
metrics:
  nps: REC
  csat: {item: CSAT, scale: [1, 5], top_box: 2}
  ces: EFFORT
  kano: [[KF1, KD1], [KF2, KD2]]
"""


def test_reads_the_extensions() -> None:
    spec = read_yaml(EXTENDED)
    rq = spec.construct("RQ")
    assert rq.dimensions == (Indicator("TRUST", fixed=1.0), Indicator("COMMIT", label="a"))
    assert rq.label == "Relationship quality"
    assert spec.interactions == (Interaction("RQxCOST", "RQ", "COST"),)
    assert Path("RQxCOST", "LOY", "b3") in spec.paths
    assert spec.intercepts == (
        Intercept("t1"),
        Intercept("LOY", fixed=0.0),
        Intercept("c1", "m"),
        Intercept("c2", "m"),
    )
    assert spec.meanstructure
    assert [d.text for d in spec.defined] == [
        "slope_hi := b1 + b3",
        "ratio := b3/b1",
        "half := 0.5*b1",
    ]
    assert [c.text for c in spec.constraints] == ["b2 == 2*b1", "ratio == -0.25"]
    assert spec.servqual is not None
    assert spec.servqual.dimension("Empathy") == ServqualDimension(
        "Empathy", ("E_EMP1",), ("P_EMP1",), 40.0
    )
    assert spec.metrics == Metrics(
        "REC",
        CsatItem("CSAT", (1.0, 5.0), 2),
        "EFFORT",
        (KanoPair("KF1", "KF1", "KD1"), KanoPair("KF2", "KF2", "KD2")),
    )
    assert read_yaml(write_yaml(spec)) == spec
    assert spec_from_mapping(spec_to_mapping(spec), source="<dict>") == spec
    assert ModelSpec.from_lavaan(spec.to_lavaan()) == spec


def test_writes_the_extensions() -> None:
    text = write_yaml(read_yaml(EXTENDED))
    for line in (
        "    dimensions: [1*TRUST, a*COMMIT]",
        "interactions:\n  RQxCOST: [RQ, COST]",
        "  - RQxCOST -> b3*LOY",
        "intercepts:\n  - t1\n  - LOY ~ 0*1\n  - c1 ~ m*1\n  - c2 ~ m*1",
        "defined:\n  slope_hi: b1 + b3\n  ratio: b3/b1\n  half: 0.5*b1",
        "constraints:\n  - b2 == 2*b1\n  - ratio == -0.25",
        "    expectation: [E_TAN1, E_TAN2]\n    perception: [P_TAN1, P_TAN2]\n    weight: 60",
        "  csat: {item: CSAT, scale: [1, 5]}",
        "  kano:\n    - [KF1, KD1]\n    - [KF2, KD2]",
    ):
        assert line in text, line
    assert "meanstructure" not in text  # implied by the intercepts
    no_means = read_yaml("name: m\nmeanstructure: true\nconstructs: {A: {indicators: [a]}}")
    assert no_means.meanstructure
    assert "meanstructure: true" in write_yaml(no_means)
    kano = read_yaml(
        "name: m\nconstructs: {A: {indicators: [a]}}\nmetrics: {kano: {Speed: [f, d]}}"
    )
    assert kano.metrics == Metrics(kano=(KanoPair("Speed", "f", "d"),))
    assert "  kano:\n    Speed: [f, d]" in write_yaml(kano)
    assert read_yaml("name: m\nconstructs: {A: {indicators: [a]}}\nmetrics: {csat: c}").metrics
    assert "csat: c\n" in write_yaml(
        read_yaml("name: m\nconstructs: {A: {indicators: [a]}}\nmetrics: {csat: c}")
    )


_BASE = (
    "name: m\nconstructs:\n  A: {indicators: [a1, a2]}\n  B: {indicators: [b1, b2]}\n"
    "  C: {indicators: [c1]}\npaths:\n  - A -> x*C\n  - B -> y*C\n"
)


@pytest.mark.parametrize(
    ("extra", "line", "column", "message"),
    [
        ("defined:\n  d: x*\n", 10, 8, "In the defined parameter 'd': The expression ends after"),
        ("defined:\n  d: 'x + (y'\n", 10, 11, "In the defined parameter 'd': This '(' is not"),
        ("defined:\n  d: [x, y]\n", 10, 6, "must be an expression such as 'a*b'"),
        ("defined:\n  d e: x\n", 10, 3, "The defined parameter name 'd e' is not allowed"),
        ("defined: [x*y]\n", 9, 10, "'defined' must be a mapping such as 'ind_QS: a*b'"),
        ("constraints:\n  - x == 2*\n", 10, 12, "In the constraint 'x == 2*': The expression ends"),
        ("constraints:\n  - x = y\n", 10, 5, "must be written 'left == right'"),
        ("constraints:\n  - '  x == y z'\n", 10, 15, "Expected an operator (+ - * / ^)"),
        ("intercepts: [a1 ~ 2]\n", 9, 14, "must be written 'y1' or 'y1 ~ 1'"),
        ("intercepts: [a1 ~ NA*1]\n", 9, 14, "has unreadable modifiers"),
        ("intercepts: ['my a ~ 1']\n", 9, 14, "In the intercept 'my a ~ 1'"),
        ("intercepts: [a1 ~~ 1]\n", 9, 14, "must be written 'y1' or 'y1 ~ 1'"),
        ("meanstructure: yes\n", 9, 16, "'meanstructure' must be true or false"),
        ("meanstructure: false\nintercepts: [a1]\n", 9, 16, "contradicts the intercepts"),
        ("interactions: {AxB: [A]}\n", 9, 21, "must list the two constructs it multiplies"),
        ("interactions: [A, B]\n", 9, 15, "'interactions' must be a mapping"),
        ("servqual: {T: [a1]}\n", 9, 15, "must be a mapping with 'expectation' and"),
        ("servqual: {T: {expectation: [e1]}}\n", 9, 12, "has no 'perception' items"),
        ("servqual: {T: {expectation: [e1], perception: [p1], wieght: 1}}\n", 9, 53, "'wieght'"),
        ("servqual: {T: {expectation: [1], perception: [p1]}}\n", 9, 29, "must be a list of item"),
        ("servqual: {T: {expectation: [e1], perception: [p1], weight: a}}\n", 9, 61, "must be a"),
        ("servqual: {T: {expectation: [e1, e2], perception: [p1]}}\n", 9, 12, "has 2 expectation"),
        ("metrics: {npss: x}\n", 9, 11, "unknown key 'npss' (did you mean 'nps'?)"),
        ("metrics: {nps: [x, y]}\n", 9, 16, "'nps' must name one item"),
        ("metrics: {csat: {scale: [1, 5]}}\n", 9, 17, "'csat' must name one item"),
        ("metrics: {csat: {item: c, top_box: 1.5}}\n", 9, 36, "top_box must be a whole number"),
        ("metrics: {csat: {item: c, scale: [1, 5], top_box: 5}}\n", 9, 17, "covers all 5"),
        ("metrics: {kano: [[f1]]}\n", 9, 18, "Each Kano entry is a pair [functional, dysfunct"),
        ("metrics: {kano: f1}\n", 9, 17, "'kano' must list [functional, dysfunctional]"),
        ("metrics: {}\n", 9, 1, "The metrics block declares nothing"),
        ("metrics: {nps: A}\n", 9, 1, "The metrics block names 'A', which is a construct"),
    ],
)
def test_extension_errors_are_located(extra: str, line: int, column: int, message: str) -> None:
    err = _error(_BASE + extra)
    assert message in str(err), str(err)
    if isinstance(err, SpecSyntaxError):
        assert (err.line, err.column) == (line, column), str(err)
    else:
        assert f"line {line}:" in str(err), str(err)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("R: {dimensions: [A]}", "has one dimension ('A'); it needs at least two"),
        ("R: {dimensions: [A, X]}", "Dimension 'X' of higher-order construct 'R' is not a"),
        ("R: {dimensions: [A, B], indicators: [r1]}", "has both 'indicators' and 'dimensions'"),
        ("R: {dimensions: {A: x}}", "must be a list of constructs such as [Trust, Commitment]"),
        ("R: {dimensions: [A, 2]}", "must be a name, got the number 2"),
        ("R: {dimensions: [A, B], reverse: [A]}", "declares reverse-coded items, but it has no"),
        ("R: {dimensions: [A, B], scale: [1, 5]}", "declares a scale, but it has no survey"),
        ("R: {indicators: [A, r1]}", "list them under 'dimensions:' instead of 'indicators:'"),
    ],
)
def test_dimension_errors_name_the_line(body: str, message: str) -> None:
    err = _error(
        f"name: m\nconstructs:\n  A: {{indicators: [a]}}\n  B: {{indicators: [b]}}\n  {body}\n"
    )
    assert message in str(err), str(err)
    assert "line 5" in str(err)


def test_extension_model_errors_name_the_line() -> None:
    err = _error(_BASE + "defined:\n  d: x*z\n")
    assert "line 10: The defined parameter 'd' uses 'z', which is not a parameter label" in str(err)
    err = _error(_BASE + "constraints:\n  - x == x\n")
    assert "line 10: The constraint x == x is always true" in str(err)
    err = _error(_BASE + "interactions:\n  AxB: [A, B]\n")
    assert "line 10: The interaction 'AxB' (A x B) is not used in any path" in str(err)
    err = _error(_BASE + "intercepts: [a1, a1]\n")
    assert "line 9: The intercept a1 ~ 1 is declared twice" in str(err)
    err = _error(_BASE + "  - A:B -> C\n")
    assert "declare the interaction term under 'interactions:'" in str(err)
