"""The standard publication tables of PLS, PLSc, CB-SEM (ML, MLR) results and comparisons."""

from __future__ import annotations

import io
import warnings
from typing import Any

import docx
import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.errors import UsageError
from sem_csat.spec import ModelSpec
from sem_csat.spec.builders import formative, paths, reflective
from sem_csat.tables import (
    Table,
    comparison_table,
    discriminant_table,
    fit_table,
    format_p,
    format_value,
    index_table,
    ipma_table,
    measurement_table,
    publication_tables,
    stars,
    structural_table,
)

# The ECSI example data break several rules of thumb (low AVE, a Heywood case under CB-SEM);
# those warnings are tested elsewhere, here only the tables matter.
pytestmark = pytest.mark.filterwarnings("ignore::sem_csat.errors.SemCsatWarning")


def _fit(method: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sem_csat.fit("ecsi", "ecsi_mobile", method=method)


@pytest.fixture(scope="module")
def pls() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _fit("pls").bootstrap(n_boot=100, seed=1)


@pytest.fixture(scope="module")
def plsc() -> Any:
    return _fit("plsc")


@pytest.fixture(scope="module")
def ml() -> Any:
    return _fit("ml")


@pytest.fixture(scope="module")
def mlr() -> Any:
    return _fit("mlr")


@pytest.fixture(scope="module")
def comparison(pls: Any, ml: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sem_csat.compare(pls, ml)


def _render_all(table: Table, tmp_path: Any) -> dict[str, str]:
    out = {
        "text": table.to_text(),
        "html": table.to_html(),
        "latex": table.to_latex(),
        "markdown": table.to_markdown(),
        "csv": table.to_csv(),
    }
    doc = docx.Document(str(table.to_docx(tmp_path / f"{table.slug}.docx")))
    out["docx"] = "\n".join(
        [p.text for p in doc.paragraphs]
        + ["\t".join(c.text for c in row.cells) for t in doc.tables for row in t.rows]
    )
    assert len(doc.tables) == 1
    return out


def _cell(value: float, kind: str = "bounded", decimals: int = 3) -> str:
    return format_value(value, kind, decimals)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["pls", "plsc", "ml", "mlr"])
def test_every_standard_table_renders_in_every_format(
    name: str, request: pytest.FixtureRequest, tmp_path: Any
) -> None:
    result = request.getfixturevalue(name)
    tables = publication_tables(result)
    assert [t.number for t in tables] == list(range(1, len(tables) + 1))
    assert len(tables) == (5 if name in ("pls", "plsc") else 4)
    for table in tables:
        out = _render_all(table, tmp_path)
        assert f"Table {table.number}" in out["text"]
        assert f"N = {result.n_obs}" in out["text"]
        assert "\u2212" not in out["latex"]
        assert "\u2212" not in out["csv"]
    written = tables.write(tmp_path / name)
    assert all(p.stat().st_size > 0 for p in written)


def test_pls_measurement_table_holds_the_results_values(pls: Any) -> None:
    t = measurement_table(pls)
    items = pls.quality.items
    np.testing.assert_array_equal(t.data["loading"].to_numpy(), items["loading"].to_numpy())
    rel = pls.quality.reliability.set_index("construct")
    first = t.data.drop_duplicates("construct").set_index("construct")
    # α of the standardized items, as SmartPLS and seminr print it
    sources = {"alpha": "alpha_std", "rho_a": "rho_a", "rho_c": "rho_c", "ave": "ave"}
    for m, source in sources.items():
        pd.testing.assert_series_equal(first[m], rel[source].loc[first.index], check_names=False)
    text = t.to_text()
    assert _cell(items["loading"].iloc[0]) in text
    assert _cell(rel.loc["Quality", "rho_a"]) in text
    assert [c.label for c in t.columns] == [
        "Construct",
        "Item",
        "Loading",
        "α",
        "ρ_A",
        "ρ_c",
        "AVE",
    ]


def test_cbsem_measurement_table_uses_standardized_loadings_and_omega(ml: Any) -> None:
    t = measurement_table(ml)
    assert [c.label for c in t.columns] == ["Construct", "Item", "Loading", "α", "ω", "AVE"]
    std = ml.params[ml.params["op"] == "=~"]
    np.testing.assert_allclose(t.data["loading"].to_numpy(), std["std_all"].to_numpy())
    assert "standardized" in t.note


def test_discriminant_table_combines_htmt_and_fornell_larcker(pls: Any) -> None:
    t = discriminant_table(pls)
    htmt, fl = pls.quality.htmt, pls.quality.fornell_larcker
    data = t.data.set_index("construct")
    assert data.loc["Quality", "Image"] == htmt.loc["Quality", "Image"]  # below the diagonal
    assert data.loc["Image", "Quality"] == fl.loc["Image", "Quality"]  # above
    assert data.loc["Image", "Image"] == fl.loc["Image", "Image"]  # √AVE
    assert _cell(htmt.loc["Quality", "Image"]) in t.to_text()


def test_pls_structural_table(pls: Any) -> None:
    t = structural_table(pls)
    row = t.data[(t.data["from"] == "Image") & (t.data["to"] == "Expectation")].iloc[0]
    path = pls.paths[(pls.paths["from"] == "Image") & (pls.paths["to"] == "Expectation")].iloc[0]
    for key in ("estimate", "std_error", "p_value", "ci_lower", "ci_upper"):
        assert row[key] == path[key]
    assert row["r2"] == pls.r2.loc["Expectation", "r2"]
    f2 = pls.f_squared.set_index(["from", "to"]).loc[("Image", "Expectation"), "f2"]
    assert row["f2"] == f2
    text = t.to_text()
    assert _cell(path["estimate"]) + stars(path["p_value"]) in text
    assert format_p(path["p_value"]) in text
    assert _cell(f2, "coef") in text
    assert t.has_stars
    assert "*** p < .001." in text
    assert "bootstrap" in t.note


def test_unbootstrapped_pls_structural_table_has_no_p() -> None:
    t = structural_table(_fit("pls"))
    assert [c.label for c in t.columns] == ["Outcome", "R²", "Predictor", "β", "f²"]
    assert not t.has_stars
    assert "result.bootstrap()" in t.note


def test_cbsem_structural_table(mlr: Any) -> None:
    t = structural_table(mlr)
    assert [c.label for c in t.columns][3:] == ["B", "SE", "95% CI", "β", "p"]
    row = t.data.iloc[0]
    path = mlr.paths.iloc[0]
    assert row["std_error"] == path["std_error"]
    assert row["std_estimate"] == path["std_estimate"]
    assert "robust" in t.note
    assert _cell(path["estimate"], "coef") in t.to_text()


def test_fit_table_ml_and_mlr(ml: Any, mlr: Any, pls: Any) -> None:
    assert fit_table(pls) is None
    t = fit_table(ml)
    assert t is not None
    assert len(t.data) == 1
    assert t.data["chi2"].iloc[0] == ml.fit_indices.chi2
    text = t.to_text()
    for part in (
        f"{ml.fit_indices.chi2:.2f}",
        _cell(ml.fit_indices.cfi),
        _cell(ml.fit_indices.rmsea),
        _cell(ml.fit_indices.srmr),
    ):
        assert part in text
    ci = f"[{_cell(ml.fit_indices.rmsea_ci_lower)}, {_cell(ml.fit_indices.rmsea_ci_upper)}]"
    assert ci in text
    r = fit_table(mlr)
    assert r is not None
    assert len(r.data) == 2
    assert r.data["chi2"].iloc[1] == mlr.fit_indices.chi2_scaled
    assert r.data["cfi"].iloc[1] == mlr.fit_indices.cfi_robust
    assert _cell(mlr.fit_indices.rmsea_robust) in r.to_text()


def test_index_and_ipma_tables(pls: Any, ml: Any) -> None:
    t = index_table(pls)
    assert t.data["index"].iloc[0] == pls.index["index"].iloc[0]
    assert f"{pls.index['index'].iloc[0]:.1f}" in t.to_text()
    ip = ipma_table(pls)
    table = pls.ipma().table
    drivers = table[table["level"] == "construct"]
    np.testing.assert_array_equal(ip.data["importance"], drivers["importance"])
    with pytest.raises(UsageError, match="PLS"):
        index_table(ml)


def test_comparison_table(comparison: Any, tmp_path: Any) -> None:
    t = comparison_table(comparison)
    assert [s.label for s in t.spanners() if s.label] == ["PLS", "CB-SEM (ML)"]
    assert t.data["difference"].iloc[0] == comparison.table["difference"].iloc[0]
    out = _render_all(t, tmp_path)
    assert r"\multicolumn{3}{c}{PLS}" in out["latex"]
    first = comparison.table.iloc[0]
    assert _cell(first["cbsem_std_estimate"]) in out["text"]
    tables = publication_tables(comparison)
    assert len(tables) == 2
    assert "Explained Variance" in tables[1].title


def test_publication_tables_reject_other_objects() -> None:
    with pytest.raises(UsageError, match="fitted model"):
        publication_tables(pd.DataFrame())


def test_formative_weights_and_escaping_in_a_real_fit(tmp_path: Any) -> None:
    rng = np.random.default_rng(7)
    n = 150
    f = rng.normal(size=n)
    g = 0.6 * f + 0.8 * rng.normal(size=n)

    def item(score: np.ndarray) -> np.ndarray:  # answers on a 1-7 scale
        return np.clip(np.round(4 + 1.2 * (score + 0.6 * rng.normal(size=n))), 1, 7)

    data = pd.DataFrame(
        {**{f"x_{i}": item(f) for i in range(1, 4)}, **{f"y_{i}": item(g) for i in range(1, 4)}}
    )
    spec = ModelSpec(
        "escaping",
        constructs=[
            formative("Brand_image", ["x_1", "x_2", "x_3"], label="<script>alert(1)</script>"),
            reflective("Loyalty_1", ["y_1", "y_2", "y_3"]),
        ],
        paths=paths("Brand_image", "Loyalty_1"),
        scale=(1, 7),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sem_csat.fit(spec, data, method="pls")
    t = measurement_table(result)
    assert "Weight" in [c.label for c in t.columns]
    assert t.data["weight"].iloc[0] == result.quality.items["weight"].iloc[0]
    latex = publication_tables(result).to_latex()
    assert r"Brand\_image" in latex
    assert "Brand_image" not in latex.replace(r"Brand\_image", "")
    back = pd.read_csv(io.StringIO(t.to_csv()))
    assert back["weight"].iloc[0] == result.quality.items["weight"].iloc[0]


def test_tables_say_which_part_of_a_report_they_belong_to(pls: Any, ml: Any) -> None:
    assert [t.kind for t in publication_tables(pls)] == [
        "measurement",
        "measurement",
        "structural",
        "index",
        "index",
    ]
    assert [t.kind for t in publication_tables(ml)][-1] == "fit"
