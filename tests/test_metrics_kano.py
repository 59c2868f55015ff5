"""Kano: the evaluation table cell by cell, categories with Fong's test, Berger's coefficients,
the better/worse chart at journal widths, and the one-sentence errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sem_csat.errors import DataError, UsageError
from sem_csat.metrics import classify, fong_critical_difference, kano

# The standard table (Berger et al. 1993, Table 2), written out here by row: functional answer
# like, must-be, neutral, live-with, dislike; columns the same dysfunctional answers.
STANDARD = """
Q A A A O
R I I I M
R I I I M
R I I I M
R R R R Q
"""
PAIR = {"A": (1, 3), "O": (1, 5), "M": (2, 5), "I": (3, 3), "R": (5, 1), "Q": (1, 1)}


def answers_for(counts: dict[str, int]) -> tuple[list[int], list[int]]:
    """Functional and dysfunctional answers that classify into the given counts."""
    f, d = [], []
    for cat, k in counts.items():
        f += [PAIR[cat][0]] * k
        d += [PAIR[cat][1]] * k
    return f, d


def test_every_cell_of_the_evaluation_table() -> None:
    expected = [line.split() for line in STANDARD.strip().splitlines()]
    f, d = np.meshgrid(np.arange(1, 6), np.arange(1, 6), indexing="ij")
    assert classify(f.ravel(), d.ravel()).reshape(5, 5).tolist() == expected


def test_counts_category_and_berger_coefficients_by_hand() -> None:
    f, d = answers_for({"A": 12, "O": 20, "M": 5, "I": 10, "R": 2, "Q": 1})
    res = kano(pd.DataFrame({"f": f, "d": d}), {"Screen": ("f", "d")})
    r = res.table.iloc[0]
    assert (r["n"], r["A"], r["O"], r["M"], r["I"], r["R"], r["Q"]) == (50, 12, 20, 5, 10, 2, 1)
    assert r["category"] == "O"
    assert r["second"] == "A"
    # better = (12 + 20) / 47, worse = -(20 + 5) / 47
    assert r["better"] == pytest.approx(32 / 47)
    assert r["worse"] == pytest.approx(-25 / 47)
    # Fong: 1.65 sqrt(32 * (100 - 32) / 100) = 7.6970; 20 - 12 = 8 >= 7.697 -> distinct
    assert r["fong_difference"] == pytest.approx(1.65 * math.sqrt(32 * 68 / 100))
    assert bool(r["distinct"]) is True


def test_fong_near_tie_is_not_distinct_and_noted() -> None:
    f, d = answers_for({"A": 14, "O": 11, "I": 5})
    res = kano(pd.DataFrame({"f": f, "d": d}), [("f", "d")])
    r = res.table.iloc[0]
    assert r["feature"] == "f"
    assert r["category"] == "A"
    assert r["second"] == "O"
    # Q = 1.65 sqrt(25 * 35 / 60) = 6.301 > 3
    assert r["fong_difference"] == pytest.approx(6.3010, abs=1e-4)
    assert not bool(r["distinct"])
    assert any(dg.code == "kano_category_not_distinct" for dg in res.diagnostics)
    assert "close to O" in str(res)


def test_ties_are_broken_must_be_first() -> None:
    f, d = answers_for({"A": 5, "O": 5, "M": 5, "I": 5})
    assert kano(pd.DataFrame({"f": f, "d": d}), [("f", "d")]).table.loc[0, "category"] == "M"
    f, d = answers_for({"A": 5, "I": 5})
    assert kano(pd.DataFrame({"f": f, "d": d}), [("f", "d")]).table.loc[0, "category"] == "A"


def test_fong_formula() -> None:
    assert fong_critical_difference(40, 30, 100) == pytest.approx(1.65 * math.sqrt(70 * 130 / 200))
    assert math.isnan(fong_critical_difference(0, 0, 0))


def test_missing_answers_drop_the_pair_for_that_feature_only() -> None:
    df = pd.DataFrame(
        {"f1": [1, 1, np.nan, 2], "d1": [5, 3, 5, np.nan], "f2": [1, 2, 3, 3], "d2": [5, 5, 3, 3]}
    )
    res = kano(df, {"one": ("f1", "d1"), "two": ("f2", "d2")})
    assert list(res.table["n"]) == [2, 4]
    assert list(res.categories["one"]) == ["O", "A", "", ""]
    assert any(dg.code == "metric_missing_answers" for dg in res.diagnostics)


def test_only_reverse_answers_give_nan_coefficients() -> None:
    f, d = answers_for({"R": 4})
    r = kano(pd.DataFrame({"f": f, "d": d}), [("f", "d")]).table.iloc[0]
    assert r["category"] == "R"
    assert math.isnan(r["better"])
    assert math.isnan(r["worse"])


# ------------------------------------------------------------------ the chart


def kano_result():
    rng = np.random.default_rng(5)
    cols = {}
    pairs = {}
    for k, probs in enumerate([[0.6, 0.2, 0.1, 0.1], [0.1, 0.2, 0.6, 0.1], [0.2, 0.6, 0.1, 0.1]]):
        cats = rng.choice(list("AOMI"), size=80, p=probs)
        cols[f"f{k}"] = [PAIR[c][0] for c in cats]
        cols[f"d{k}"] = [PAIR[c][1] for c in cats]
        pairs[f"Feature number {k}"] = (f"f{k}", f"d{k}")
    return kano(pd.DataFrame(cols), pairs)


@pytest.mark.parametrize(("size", "width"), [("single", 3.5), ("double", 7.2)])
def test_chart_has_a_journal_width_and_no_text_below_7_pt(size: str, width: float) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.text import Text

    chart = kano_result().figure(size, title="Features")
    fig = chart.figure
    assert fig.get_size_inches()[0] == pytest.approx(width)
    texts = [t for t in fig.findobj(Text) if t.get_text()]
    assert len(texts) >= 3 + 4 + 2  # labels, quadrant names, axis labels
    assert min(t.get_fontsize() for t in texts) >= 7.0
    png = chart._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in chart._repr_svg_()
    assert repr(chart).startswith("<Chart kano: 3 points")


def test_chart_labels_do_not_overlap() -> None:
    pytest.importorskip("matplotlib")
    chart = kano_result().figure("single")
    fig = chart.figure
    renderer = fig.canvas.get_renderer()
    labels = [t for t in fig.axes[0].texts if t.get_text().startswith("Feature")]
    boxes = [t.get_window_extent(renderer) for t in labels]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j])


def test_chart_saves_in_every_format(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    chart = kano_result().figure()
    for suffix in (".pdf", ".svg", ".png"):
        out = chart.save(tmp_path / f"kano{suffix}")
        assert out.stat().st_size > 1000
    with pytest.raises(UsageError, match=r"ending in \.pdf"):
        chart.save(tmp_path / "kano.jpg")
    with pytest.raises(UsageError, match="size must be"):
        kano_result().figure("triple")


def test_display_and_repr() -> None:
    res = kano_result()
    assert "Kano classification" in str(res)
    assert "better" in str(res)
    assert "<details" in res._repr_html_()
    assert "\n" not in repr(res)
    assert repr(res).startswith("<KanoResult: 3 features")


# ------------------------------------------------------------------ bad input


def test_kano_answer_outside_1_to_5_names_column_values_and_rows() -> None:
    df = pd.DataFrame({"f": [1, 2, 7, 0], "d": [5, 5, 5, 5]})
    with pytest.raises(DataError) as err:
        kano(df, {"Wi-Fi": ("f", "d")})
    msg = str(err.value)
    assert "'f'" in msg
    assert "2 answer(s)" in msg
    assert "Kano answers 1-5" in msg
    assert "7 (row 3)" in msg
    assert "0 (row 4)" in msg
    assert "\n" not in msg


def test_malformed_pairs() -> None:
    df = pd.DataFrame({"f": [1], "d": [5]})
    with pytest.raises(UsageError, match="needs exactly two columns"):
        kano(df, {"x": ("f",)})
    with pytest.raises(UsageError, match="got a text"):
        kano(df, "f:d")
    with pytest.raises(DataError, match="'dd' is not a column"):
        kano(df, {"x": ("f", "dd")})


def test_feature_names_are_escaped_in_html() -> None:
    f, d = answers_for({"A": 3, "O": 2})
    res = kano(pd.DataFrame({"f": f, "d": d}), {"<script>x</script>": ("f", "d")})
    page = res._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
