"""The path diagram of a result with groups: one panel per group, at its printed size.

Every panel is laid out as a single diagram at the column's width, so the rule of
``test_figure_print_size`` holds for the whole figure: no wider than its column, every text at
least ``MIN_TEXT_PT`` (coefficients ``MIN_LABEL_PT``) at that width.  The paths marked as
different are those with a permutation p below .05 in the result's ``mga`` table.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.diagram import Diagram, path_diagram
from sem_csat.diagram.groups import DIFFERENCE_MARK, GroupDiagram, group_diagram
from sem_csat.errors import UsageError
from sem_csat.rendering.printsize import (
    COLUMN_WIDTHS,
    MIN_LABEL_PT,
    MIN_TEXT_PT,
    measure_svg,
)

COEFFICIENT = re.compile(r"^[−-]?\d?\.\d+\**†?$")


def _quiet(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@pytest.fixture(scope="module")
def compared() -> sem_csat.GroupResult:
    fitted = _quiet(sem_csat.fit, "ecsi_bank", "bank_satisfaction", group="gender")
    return _quiet(fitted.bootstrap, 150, n_perm=150, seed=4, progress=False)


@pytest.fixture(scope="module")
def three_groups() -> sem_csat.GroupResult:
    data = sem_csat.datasets.load("ecsi_mobile")
    rng = np.random.default_rng(8)
    data = data.assign(region=rng.choice(["north", "south", "east"], len(data)))
    return _quiet(sem_csat.fit, "ecsi", data, group="region")


@pytest.mark.parametrize("size", ["single", "double"])
def test_panels_keep_the_printed_text_size(compared: sem_csat.GroupResult, size: str) -> None:
    d = _quiet(path_diagram, compared, size=size)
    assert isinstance(d, GroupDiagram)
    assert isinstance(d, Diagram)
    assert list(d.panels) == ["female", "male"]
    m = measure_svg(d.to_svg())
    assert m.width_in == pytest.approx(COLUMN_WIDTHS[size], abs=0.01)
    assert m.min_size >= MIN_TEXT_PT - 1e-6
    coefficients = [t for t in m.texts if COEFFICIENT.match(t.text)]
    assert coefficients
    assert min(t.size_pt for t in coefficients) >= MIN_LABEL_PT - 1e-6
    width_pt, height_pt = m.width_in * 72, m.height_in * 72
    for t in m.texts:
        assert -1 <= t.x <= width_pt + 1, t
        assert -1 <= t.y <= height_pt + 1, t


def test_each_panel_names_its_group_and_n(compared: sem_csat.GroupResult) -> None:
    texts = {t.text for t in measure_svg(_quiet(path_diagram, compared).to_svg()).texts}
    assert {"gender = female (N = 148)", "gender = male (N = 102)"} <= texts


def test_the_marked_paths_are_the_significant_differences(
    compared: sem_csat.GroupResult,
) -> None:
    mga = compared.tables()["mga"]
    different = {
        (a, b)
        for a, b, p in zip(mga["from"], mga["to"], mga["p_permutation"], strict=True)
        if p < 0.05
    }
    assert different  # the bank survey differs by gender in at least one path
    d = _quiet(group_diagram, compared)
    assert d.marked == {"female": frozenset(different), "male": frozenset(different)}
    texts = [t.text for t in measure_svg(d.to_svg()).texts]
    assert sum(t.endswith(DIFFERENCE_MARK) for t in texts) == 2 * len(different)
    assert any(t.startswith(DIFFERENCE_MARK) and "permutation" in t for t in texts)
    assert "differs between the two groups" in d.note


def test_before_the_comparison_nothing_is_marked(three_groups: sem_csat.GroupResult) -> None:
    d = _quiet(path_diagram, three_groups, size="double")
    assert list(d.panels) == ["east", "north", "south"]
    assert not any(d.marked.values())
    assert d.note == ""
    m = measure_svg(d.to_svg())
    assert m.width_in == pytest.approx(7.2, abs=0.01)
    assert m.min_size >= MIN_TEXT_PT - 1e-6


def test_panels_save_and_refuse_tikz(compared: sem_csat.GroupResult, tmp_path) -> None:  # type: ignore[no-untyped-def]
    d = _quiet(path_diagram, compared, size="double")
    for suffix in (".pdf", ".svg", ".png"):
        assert d.save(tmp_path / f"groups{suffix}").stat().st_size > 0
    with pytest.raises(UsageError, match="one model"):
        d.save(tmp_path / "groups.tex")
    assert d._repr_svg_().lstrip().startswith("<?xml")
    assert repr(d).startswith("<GroupDiagram 'ECSI_bank' by 'gender': 2 panels")


def test_a_result_without_groups_is_refused() -> None:
    with pytest.raises(UsageError, match="result with groups"):
        group_diagram(sem_csat.load_spec("ecsi"))
    single = _quiet(sem_csat.fit, "ecsi", pd.DataFrame(sem_csat.datasets.load("ecsi_mobile")))
    assert not isinstance(_quiet(path_diagram, single), GroupDiagram)
