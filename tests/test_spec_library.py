"""Tests of the bundled model library (``model_specs/*.yaml`` and ``sem_csat.spec.library``)."""

from __future__ import annotations

import csv
import dataclasses
import importlib.resources
import re
from pathlib import Path

import pytest
from _reference import BANK_PATHS as BANK_PATH_LIST
from _reference import ECSI_PATHS as ECSI_PATH_LIST

import sem_csat
from sem_csat.errors import SpecError
from sem_csat.spec import library
from sem_csat.spec.library import SpecInfo, bundled_specs_dir, list_specs, load_spec
from sem_csat.spec.model import ModelSpec

REPO_SPECS = Path(__file__).resolve().parents[1] / "model_specs"
SHARED_DATA = Path("/work/shared/data")

# key -> (constructs, paths); the counts the library README promises.
EXPECTED = {
    "acsi": (6, 9),
    "ccsi": (6, 10),
    "ecsi": (7, 12),
    "ecsi_bank": (6, 10),
    "ecsi_bank_hoc": (7, 5),
    "relationship_quality": (5, 8),
    "relationship_quality_hoc": (6, 2),
    "scsb": (5, 6),
    "servqual": (6, 5),
}
KEYS = sorted(EXPECTED)

ECSI_PATHS = set(ECSI_PATH_LIST)
BANK_PATHS = set(BANK_PATH_LIST)


def _data_file(name: str) -> Path:
    """The bundled copy of a data set if sem_csat ships it, else the shared development copy."""
    for candidate in (Path(sem_csat.__file__).parent / "datasets" / name, SHARED_DATA / name):
        if candidate.is_file():
            return candidate
    pytest.skip(f"data file {name} is not available")


def _columns(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh))


def _pairs(spec: ModelSpec) -> set[tuple[str, str]]:
    return {(p.source, p.target) for p in spec.paths}


# ---------------------------------------------------------------- every bundled spec


def test_bundled_files_are_the_expected_ones() -> None:
    assert sorted(p.stem for p in REPO_SPECS.glob("*.yaml")) == KEYS


@pytest.mark.parametrize("key", KEYS)
def test_bundled_spec_loads_and_validates(key: str) -> None:
    spec = load_spec(key)
    assert isinstance(spec, ModelSpec)
    assert (len(spec.constructs), len(spec.paths)) == EXPECTED[key]
    # Every construct takes part in the structural model, so no spec warnings.
    assert spec.isolated == ()
    assert spec.diagnostics == ()


@pytest.mark.parametrize("key", KEYS)
def test_bundled_spec_has_description_references_and_scale(key: str) -> None:
    spec = load_spec(key)
    assert len(spec.description) > 200
    assert spec.references
    for ref in spec.references:
        assert re.search(r"\((19|20)\d\d\)", ref), ref
    assert spec.scale is not None


@pytest.mark.parametrize("key", [k for k in KEYS if not k.startswith("ecsi_bank")])
def test_bundled_spec_items_have_wording(key: str) -> None:
    # Only the bank data come without item-level wording.
    spec = load_spec(key)
    missing = [i.name for c in spec.constructs for i in c.indicators if not i.text]
    assert missing == []


@pytest.mark.parametrize("key", KEYS)
def test_bundled_spec_yaml_round_trip(key: str) -> None:
    spec = load_spec(key)
    assert ModelSpec.from_yaml(spec.to_yaml()) == spec


@pytest.mark.parametrize("key", KEYS)
def test_bundled_spec_lavaan_round_trip(key: str) -> None:
    spec = load_spec(key)
    assert ModelSpec.from_lavaan(spec.to_lavaan()) == spec


# ---------------------------------------------------------------- list_specs


def test_list_specs_lists_every_spec_with_counts() -> None:
    infos = list_specs()
    assert [i.key for i in infos] == KEYS
    for info in infos:
        assert isinstance(info, SpecInfo)
        assert (info.n_constructs, info.n_paths) == EXPECTED[info.key]
        assert info.path.is_file()
        assert info.path.stem == info.key
        assert info.name == load_spec(info.key).name
        assert info.description.endswith(".")
        assert len(info.description) < len(load_spec(info.key).description)


def test_list_specs_description_is_first_sentence() -> None:
    info = {i.key: i for i in list_specs()}
    assert info["ecsi"].description == (
        "European Customer Satisfaction Index (ECSI) model in the mobile-phone variant of "
        "Tenenhaus, Esposito Vinzi, Chatelin and Lauro (2005)."
    )


def test_spec_info_is_frozen() -> None:
    info = list_specs()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.key = "other"  # type: ignore[misc]


def test_first_sentence_skips_abbreviations() -> None:
    text = "A model of Tenenhaus et al. (2005) and J. Doe. It has more.\nAnd more."
    assert library._first_sentence(text) == "A model of Tenenhaus et al. (2005) and J. Doe."
    assert library._first_sentence("No full stop") == "No full stop"


# ---------------------------------------------------------------- names and paths


@pytest.mark.parametrize("name", ["ecsi", "ECSI", "Ecsi", "  ecsi  "])
def test_load_spec_is_case_insensitive(name: str) -> None:
    assert load_spec(name) == load_spec("ecsi")


@pytest.mark.parametrize("name", ["ecsi_bank", "ECSI_BANK", "ecsi-bank", "ECSI bank"])
def test_load_spec_ignores_separators(name: str) -> None:
    assert load_spec(name).name == "ECSI_bank"


def test_load_spec_accepts_the_model_name() -> None:
    assert load_spec("relationshipquality") == load_spec("relationship_quality")


def test_load_spec_from_path(tmp_path: Path) -> None:
    source = REPO_SPECS / "scsb.yaml"
    assert load_spec(source) == load_spec("scsb")
    assert load_spec(str(source)) == load_spec("scsb")
    copy = tmp_path / "my model.yml"
    copy.write_bytes(source.read_bytes())
    assert load_spec(copy) == load_spec("scsb")


def test_load_spec_lavaan_file(tmp_path: Path) -> None:
    model = tmp_path / "mini.lav"
    model.write_text(
        "Quality =~ q1 + q2 + q3\nSat =~ s1 + s2 + s3\nSat ~ Quality\n", encoding="utf-8"
    )
    spec = load_spec(model)
    assert spec.construct_names == ("Quality", "Sat")
    assert _pairs(spec) == {("Quality", "Sat")}


def test_lavaan_example_matches_ecsi_spec() -> None:
    example = load_spec(REPO_SPECS / "examples" / "ecsi_measurement.lav")
    ecsi = load_spec("ecsi")
    assert example.name == ecsi.name
    assert example.scale == ecsi.scale
    assert [(c.name, c.label, c.indicator_names) for c in example.constructs] == [
        (c.name, c.label, c.indicator_names) for c in ecsi.constructs
    ]
    assert _pairs(example) == ECSI_PATHS


def test_examples_are_not_listed_as_bundled_specs() -> None:
    assert "ecsi_measurement" not in {i.key for i in list_specs()}


def test_unknown_name_lists_specs_and_suggests() -> None:
    with pytest.raises(SpecError) as err:
        load_spec("ecsj")
    message = str(err.value)
    assert "'ecsj'" in message
    assert "did you mean 'ecsi'?" in message
    for key in KEYS:
        assert key in message
    assert isinstance(err.value, ValueError)


def test_unknown_name_without_close_match() -> None:
    with pytest.raises(SpecError, match="The bundled specs are: acsi, ccsi"):
        load_spec("completely different")


def test_missing_file_is_a_spec_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="does not exist"):
        load_spec(tmp_path / "missing.yaml")
    with pytest.raises(SpecError, match="does not exist"):
        load_spec(str(tmp_path / "missing.lav"))


def test_missing_file_named_like_bundled_spec_hints(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"load_spec\('ecsi'\)"):
        load_spec(tmp_path / "ECSI.yaml")


def test_unknown_suffix_is_a_spec_error(tmp_path: Path) -> None:
    other = tmp_path / "model.json"
    other.write_text("{}", encoding="utf-8")
    with pytest.raises(SpecError, match=r"\.yaml or \.yml"):
        load_spec(other)


def test_folder_is_a_spec_error(tmp_path: Path) -> None:
    folder = tmp_path / "specs.yaml"
    folder.mkdir()
    with pytest.raises(SpecError, match="folder"):
        load_spec(folder)


def test_wrong_type_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="int"):
        load_spec(3)  # type: ignore[arg-type]


# ---------------------------------------------------------------- where the files live


def test_source_checkout_uses_top_level_folder() -> None:
    if (Path(sem_csat.__file__).parent / "model_specs").is_dir():
        pytest.skip("sem_csat is installed from a wheel")
    assert bundled_specs_dir() == REPO_SPECS


def test_installed_package_folder_is_preferred(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = tmp_path / "model_specs"
    installed.mkdir()
    (installed / "ecsi.yaml").write_bytes((REPO_SPECS / "ecsi.yaml").read_bytes())
    monkeypatch.setattr(importlib.resources, "files", lambda package: tmp_path)
    assert bundled_specs_dir() == installed
    assert [i.key for i in list_specs()] == ["ecsi"]


def test_missing_library_is_a_spec_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.resources, "files", lambda package: tmp_path)
    monkeypatch.setattr(library, "_SOURCE_TREE_DIR", tmp_path / "nowhere")
    with pytest.raises(SpecError, match="Reinstall"):
        list_specs()


# ---------------------------------------------------------------- the models and their data


def test_ecsi_matches_mobile_data() -> None:
    spec = load_spec("ecsi")
    columns = _columns(_data_file("ecsi_mobile.csv"))
    assert sorted(spec.indicator_names) == sorted(columns)
    assert _pairs(spec) == ECSI_PATHS
    assert spec.scale == (1.0, 10.0)
    assert spec.construct("Complaints").indicator_names == ("CUSCO",)


def test_ecsi_blocks() -> None:
    spec = load_spec("ecsi")
    blocks = {c.name: c.indicator_names for c in spec.constructs}
    assert blocks == {
        "Image": ("IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"),
        "Expectation": ("CUEX1", "CUEX2", "CUEX3"),
        "Quality": tuple(f"PERQ{i}" for i in range(1, 8)),
        "Value": ("PERV1", "PERV2"),
        "Satisfaction": ("CUSA1", "CUSA2", "CUSA3"),
        "Complaints": ("CUSCO",),
        "Loyalty": ("CUSL1", "CUSL2", "CUSL3"),
    }


def test_bank_variant_matches_bank_data() -> None:
    spec = load_spec("ecsi_bank")
    columns = [c for c in _columns(_data_file("bank_satisfaction.csv")) if c != "gender"]
    assert list(spec.indicator_names) == columns
    assert _pairs(spec) == BANK_PATHS
    assert spec.scale == (0.0, 10.0)


def test_acsi_structure() -> None:
    spec = load_spec("acsi")
    assert _pairs(spec) == {
        ("Expectations", "Quality"),
        ("Expectations", "Value"),
        ("Expectations", "Satisfaction"),
        ("Quality", "Value"),
        ("Quality", "Satisfaction"),
        ("Value", "Satisfaction"),
        ("Satisfaction", "Complaints"),
        ("Satisfaction", "Loyalty"),
        ("Complaints", "Loyalty"),
    }
    assert spec.scale == (1.0, 10.0)
    assert spec.scale_of("Complaints") == (0.0, 1.0)


def test_scsb_structure() -> None:
    spec = load_spec("scsb")
    assert _pairs(spec) == {
        ("Expectations", "Performance"),
        ("Expectations", "Satisfaction"),
        ("Performance", "Satisfaction"),
        ("Satisfaction", "Voice"),
        ("Satisfaction", "Loyalty"),
        ("Voice", "Loyalty"),
    }


def test_ccsi_labels_are_chinese() -> None:
    spec = load_spec("ccsi")
    labels = [c.label for c in spec.constructs]
    assert labels == ["品牌形象", "预期质量", "感知质量", "感知价值", "顾客满意度", "顾客忠诚度"]
    for label in labels:
        assert label is not None
        assert all("\u4e00" <= ch <= "\u9fff" for ch in label)
    assert spec.construct("BrandImage").display == "品牌形象"


def test_relationship_quality_structure() -> None:
    spec = load_spec("relationship_quality")
    assert set(spec.predecessors("Loyalty")) == {"Satisfaction", "Trust", "Commitment"}
    assert set(spec.predecessors("WOM")) == {"Satisfaction", "Commitment"}
    assert set(spec.predecessors("Commitment")) == {"Satisfaction", "Trust"}
    assert spec.scale == (1.0, 7.0)


def test_relationship_quality_hoc_is_a_second_order_model() -> None:
    spec = load_spec("relationship_quality_hoc")
    assert spec.higher_order == ("RelationshipQuality",)
    assert spec.dimensions_of("RelationshipQuality") == ("Trust", "Commitment", "Satisfaction")
    assert spec.lower_order == ("Trust", "Commitment", "Satisfaction")
    assert spec.predecessors("Loyalty") == ("RelationshipQuality",)
    assert spec.predecessors("WOM") == ("RelationshipQuality",)
    assert spec.isolated == ()
    assert spec.diagnostics == ()
    # the same items as the first-order relationship_quality model
    first = load_spec("relationship_quality")
    assert set(spec.indicator_names) == set(first.indicator_names)
    for name in spec.lower_order:
        assert spec.construct(name).indicators == first.construct(name).indicators
    assert any("De Wulf" in r for r in spec.references)
    assert any("Hennig-Thurau" in r for r in spec.references)
    lavaan = spec.to_lavaan()
    assert "RelationshipQuality =~ Trust + Commitment + Satisfaction" in lavaan
    assert ModelSpec.from_lavaan(lavaan) == spec


def test_ecsi_bank_hoc_fits_the_bank_data() -> None:
    spec = load_spec("ecsi_bank_hoc")
    bank = load_spec("ecsi_bank")
    assert spec.higher_order == ("EVAL",)
    assert spec.dimensions_of("EVAL") == ("QUAL", "VAL", "SAT")
    assert spec.indicator_names == bank.indicator_names
    assert set(spec.indicator_names) <= set(_columns(_data_file("bank_satisfaction.csv")))
    assert any("Sarstedt" in r for r in spec.references)


def test_servqual_has_22_items_in_five_dimensions() -> None:
    spec = load_spec("servqual")
    sizes = {c.name: len(c.indicators) for c in spec.constructs}
    assert sizes == {
        "Tangibles": 4,
        "Reliability": 5,
        "Responsiveness": 4,
        "Assurance": 4,
        "Empathy": 5,
        "Satisfaction": 3,
    }
    assert sum(sizes.values()) - sizes["Satisfaction"] == 22
    assert spec.predecessors("Satisfaction") == (
        "Tangibles",
        "Reliability",
        "Responsiveness",
        "Assurance",
        "Empathy",
    )
    assert spec.scale == (1.0, 7.0)
    # the standard assignment of Parasuraman, Zeithaml & Berry (1988), as E/P item pairs
    block = spec.servqual
    assert block is not None
    assert {d.name: len(d.perception) for d in block.dimensions} == {
        k: v for k, v in sizes.items() if k != "Satisfaction"
    }
    for d in block.dimensions:
        assert d.perception == spec.construct(d.name).indicator_names
        assert d.expectation == tuple(f"E_{p}" for p in d.perception)
        assert not set(d.expectation) & set(spec.indicator_names)
    assert block.weights is None
