"""Drawing path diagrams: content, line styles, file formats, CJK fonts, reference images.

Reference images live in ``tests/baseline/diagram``; regenerate them with
``tests/baseline/diagram/make_baselines.py`` after checking the new drawings by eye.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

import sem_csat
from sem_csat.diagram import Diagram, path_diagram
from sem_csat.diagram.render import find_cjk_font
from sem_csat.errors import FigureWarning, SpecWarning, UsageError
from sem_csat.rendering.apa import format_value
from sem_csat.spec import ModelSpec
from sem_csat.spec.builders import paths, reflective

BASELINE_DIR = Path(__file__).resolve().parent / "baseline" / "diagram"
HAS_CJK = find_cjk_font() is not None


@cache
def pls_boot() -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sem_csat.fit("ecsi", "ecsi_mobile", method="pls")
        return result.bootstrap(n_boot=200, seed=1)


@cache
def pls_plain() -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sem_csat.fit("ecsi", "ecsi_mobile", method="pls")


@cache
def cbsem() -> object:
    spec = ModelSpec(
        "Mini",
        constructs=[
            reflective("Image", ["IMAG1", "IMAG2", "IMAG3"], label="Corporate image"),
            reflective("Satisfaction", ["CUSA1", "CUSA2", "CUSA3"]),
            reflective("Loyalty", ["CUSL1", "CUSL2", "CUSL3"]),
        ],
        paths=paths("Image", ["Satisfaction", "Loyalty"]) + paths("Satisfaction", "Loyalty"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sem_csat.fit(spec, "ecsi_mobile", method="ml")


def texts(d: Diagram) -> list[str]:
    return [t.get_text() for t in d.ax.texts]


BASELINES: dict[str, Callable[[], Diagram]] = {
    # left to right, full labels
    "ecsi_spec": lambda: path_diagram(sem_csat.load_spec("ecsi"), size="double"),
    # top to bottom with indicators (too wide left to right at 7 pt)
    "ecsi_pls_indicators": lambda: path_diagram(pls_boot(), indicators=True, size="double"),
    # a single column: top to bottom, zigzag
    "ecsi_pls_single": lambda: path_diagram(pls_boot()),
    # a single column: abbreviated labels with their legend
    "acsi_spec_colour": lambda: path_diagram(sem_csat.load_spec("acsi"), theme="colour"),
}


def test_import_does_not_load_matplotlib() -> None:
    import subprocess

    code = "import sys, sem_csat, sem_csat.diagram; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_spec_only_has_no_numbers() -> None:
    d = path_diagram(sem_csat.load_spec("ecsi"))
    shown = texts(d)
    assert "Customer\nsatisfaction" in shown
    assert not any(re.search(r"\d", t) for t in shown)
    assert all(a.get_linestyle() == "-" for a in d.edge_artists.values())
    assert len(d.edge_artists) == 12
    assert d.figure.get_size_inches()[0] == pytest.approx(3.5)
    assert repr(d).startswith("<Diagram 'ECSI': 7 constructs, 12 paths, 3.50 x")


def test_pls_bootstrap_stars_and_dashes() -> None:
    result = pls_boot()
    d = path_diagram(result)
    table = result.paths.set_index(["from", "to"])  # type: ignore[attr-defined]
    shown = texts(d)
    for (s, t), row in table.iterrows():
        style = d.edge_artists[(s, t)].get_linestyle()
        assert style == ("--" if row["p_value"] >= 0.05 else "-"), (s, t)
        label = format_value(row["estimate"], "bounded", 2)
        assert any(x.startswith(label) for x in shown), label
    assert any(x.endswith("***") for x in shown)
    assert any("R² = ." in x for x in shown)


def test_pls_without_bootstrap_has_no_stars_and_ci_needs_intervals() -> None:
    d = path_diagram(pls_plain(), decimals=3)
    assert not any("*" in t for t in texts(d))
    assert any(re.fullmatch(r"−?\.\d{3}", t) for t in texts(d))
    with pytest.raises(UsageError, match="bootstrap"):
        path_diagram(pls_plain(), ci=True)


def test_ci_labels() -> None:
    d = path_diagram(pls_boot(), ci=True, size="double")
    assert any(re.fullmatch(r"−?\.\d\d \[−?\.\d\d, −?\.\d\d\]", t) for t in texts(d))


def test_cbsem_uses_standardized_values() -> None:
    result = cbsem()
    d = path_diagram(result, indicators=True)
    shown = texts(d)
    std = result.paths.set_index(["from", "to"])["std_estimate"]  # type: ignore[attr-defined]
    assert any(
        t.startswith(format_value(std[("Image", "Satisfaction")], "bounded", 2)) for t in shown
    )
    loading = result.params.query("op == '=~' and rhs == 'CUSA3'")["std_all"].iloc[0]  # type: ignore[attr-defined]
    assert format_value(loading, "bounded", 2) in shown


def test_saves_every_format(tmp_path: Path) -> None:
    import matplotlib.image as mpimg

    d = path_diagram(pls_boot(), size="double", indicators=True)
    pdf = d.save(tmp_path / "d.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    svg = d.save(tmp_path / "d.svg").read_text(encoding="utf-8")
    for c in ("Corporate image", "Perceived value", "CUSL1"):
        assert re.search(r"<text[^>]*>[^<]*" + re.escape(c.split()[-1]), svg), c
    png = d.save(tmp_path / "d.png")
    assert mpimg.imread(png).shape[1] >= 1200
    assert d.save(tmp_path / "d.eps").read_bytes().startswith(b"%!PS")
    tex = d.save(tmp_path / "d.tex").read_text(encoding="utf-8")
    assert r"\begin{tikzpicture}" in tex
    assert r"\end{tikzpicture}" in tex
    for c in sem_csat.load_spec("ecsi").constructs:
        assert c.display.split()[-1] in tex
    assert "dashed" in tex
    with pytest.raises(UsageError, match="use one of"):
        d.save(tmp_path / "d.jpg")


def test_tikz_escapes_names() -> None:
    spec = ModelSpec(
        "Esc",
        constructs=[
            reflective("R_D", ["a_1"], label="R&D 100%"),
            reflective("Sat", ["s1"], label="Sat #1"),
        ],
        paths=paths("R_D", "Sat"),
    )
    tex = path_diagram(spec, indicators=True).to_tikz()
    assert r"R\&D 100\%" in tex
    assert r"Sat \#1" in tex
    assert r"a\_1" in tex


def test_jupyter_repr() -> None:
    d = path_diagram(sem_csat.load_spec("scsb"))
    svg = d._repr_svg_()
    assert svg.lstrip().startswith("<?xml")
    assert "<text" in svg
    png, meta = d._repr_png_()
    assert png.startswith(b"\x89PNG")
    assert meta["width"] == round(3.5 * 96)


def test_labels_or_names() -> None:
    spec = sem_csat.load_spec("ecsi")
    shown = " ".join(texts(path_diagram(spec, size="double")))
    assert "Customer" in shown
    named = texts(path_diagram(spec, size="double", labels="name"))
    assert "Satisfaction" in named
    assert not any("Customer" in t for t in named)
    with pytest.raises(UsageError, match="labels must be"):
        path_diagram(spec, labels="short")


def test_construct_names_follow_the_tables() -> None:
    from sem_csat.diagram import construct_names

    spec = sem_csat.load_spec("ecsi")
    assert construct_names(spec) == {c.name: c.display for c in spec.constructs}
    assert construct_names(spec, "name") == {c.name: c.name for c in spec.constructs}


def test_abbreviated_labels_come_with_a_legend() -> None:
    d = path_diagram(sem_csat.load_spec("acsi"))
    assert d.step is not None
    assert d.step.abbreviate
    assert d.abbreviations["Satisfaction"] == "SAT"
    assert "SAT = Customer satisfaction (ACSI)" in d.legend
    legend = " ".join(t for t in texts(d) if "=" in t).replace("\n", " ")
    for code, label in (("EXP", "Customer expectations"), ("LOY", "Customer loyalty")):
        assert f"{code} = {label}" in legend
    shown = texts(d)
    assert "SAT" in shown


def test_single_column_that_does_not_fit_is_drawn_double() -> None:
    with pytest.warns(FigureWarning, match="double-column width"):
        d = path_diagram(pls_plain(), indicators=True)
    assert d.needs_double_width
    assert d.size == "single"
    assert d.width_in == pytest.approx(7.2)
    fits = path_diagram(pls_plain(), indicators=True, size="double")
    assert not fits.needs_double_width


def test_tikz_draws_the_rounded_bends() -> None:
    tex = path_diagram(sem_csat.load_spec("ecsi"), size="double").to_tikz()
    assert ".. controls" in tex


def test_bad_options() -> None:
    spec = sem_csat.load_spec("acsi")
    with pytest.raises(UsageError, match="theme"):
        path_diagram(spec, theme="pink")
    with pytest.raises(UsageError, match="size"):
        path_diagram(spec, size="poster")
    with pytest.raises(UsageError, match="decimals"):
        path_diagram(spec, decimals=-1)
    with pytest.raises(UsageError, match="ModelSpec"):
        path_diagram("ecsi")


@pytest.mark.skipif(not HAS_CJK, reason="no CJK font installed")
def test_cjk_labels_use_installed_font() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = path_diagram(sem_csat.load_spec("ccsi"))
    assert "顾客满意度\nR² = .68" not in texts(d)  # no result: no R²
    assert "顾客满意度" in texts(d)
    family = d.ax.texts[0].get_fontfamily()
    assert find_cjk_font() in family


@pytest.mark.skipif(HAS_CJK, reason="a CJK font is installed")
def test_cjk_labels_without_font_warn() -> None:
    with pytest.warns(SpecWarning, match="fonts-noto-cjk"):
        d = path_diagram(sem_csat.load_spec("ccsi"), size="double")
    assert "Satisfaction" in texts(d)


def test_cjk_fallback_when_font_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    import sem_csat.diagram.render as render

    monkeypatch.setattr(render, "find_cjk_font", lambda: None)
    with pytest.warns(SpecWarning, match="fonts-noto-cjk") as record:
        d = path_diagram(sem_csat.load_spec("ccsi"), size="double")
    assert len(record) == 1
    assert "BrandImage" in str(record[0].message)
    assert "Satisfaction" in texts(d)
    assert not any("满" in t for t in texts(d))


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_matches_baseline_image(name: str, tmp_path: Path) -> None:
    from matplotlib.testing.compare import compare_images

    expected = BASELINE_DIR / f"{name}.png"
    actual = BASELINES[name]().save(tmp_path / f"{name}.png", dpi=100)
    assert compare_images(str(expected), str(actual), tol=5) is None
