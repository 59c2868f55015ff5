"""Both engines fill the one result contract (``sem_csat.contract``).

Every result below — PLS, PLSc, CB-SEM by ML and MLR, a CB-SEM fit to a covariance matrix and a
FIML fit to incomplete data, with and without a bootstrap — is checked against the contract:
the same attribute names, the exact column names, order and dtypes of ``params``, ``paths``,
``outer``, ``r2`` and ``effects``, the same ``bootstrap`` signature, the types returned by
``tables()``, ``figures()``, ``findings()``, ``run_facts()``, ``settings.as_dict()`` and a
one-line ``repr``.  The numbers themselves are checked against other programs elsewhere; the
new quantities of the contract (lavaan's ``std.lv``, the regression factor-score weights) are
checked here, against lavaan and against a closed form.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.contract import (
    CI_METHODS,
    EFFECT_COLUMNS,
    OUTER_COLUMNS,
    R2_COLUMNS,
    TEXT_COLUMNS,
    SEMResult,
    effect_boot_columns,
    param_columns,
    path_columns,
)
from sem_csat.data import PreparedData
from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import UsageError
from sem_csat.measurement import QualityReport
from sem_csat.pls.fit_measures import FIT_COLUMNS
from sem_csat.spec import ModelSpec

LAVAAN = Path(__file__).resolve().parent / "reference" / "lavaan"
HS_MODEL = (
    "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
    "speed ~ visual + textual"
)
#: lavaan 0.6-14 against sem_csat, stated once: max(1e-4, 1e-3 |x|).
TOL_LAVAAN = {"abs": 1e-4, "rel": 1e-3}


def _quiet(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(LAVAAN / "hs1939.csv")


@pytest.fixture(scope="module")
def hs_spec() -> ModelSpec:
    return ModelSpec.from_lavaan(HS_MODEL, name="HS")


@pytest.fixture(scope="module")
def results(hs: pd.DataFrame, hs_spec: ModelSpec) -> dict[str, SEMResult]:
    """One result of every kind, fitted through the one entry point."""
    bank = sem_csat.datasets.load("bank_satisfaction")
    cov = hs[list(hs_spec.indicator_names)].cov()
    out: dict[str, SEMResult] = {
        "pls": _quiet(sem_csat.fit, "ecsi", "ecsi_mobile"),
        "plsc": _quiet(sem_csat.fit, "ecsi_bank", bank, method="plsc", scheme="centroid"),
        "ml": _quiet(sem_csat.fit, hs_spec, hs, method="ml"),
        "mlr": _quiet(sem_csat.fit, hs_spec, hs, method="mlr"),
        "ml_cov": _quiet(sem_csat.fit, hs_spec, cov=cov, n_obs=len(hs), method="ml"),
        "fiml": _quiet(
            sem_csat.fit,
            hs_spec,
            pd.read_csv(LAVAAN / "hs1939_missing.csv"),
            method="ml",
            missing="fiml",
        ),
    }
    out["pls_boot"] = _quiet(out["pls"].bootstrap, 60, seed=3, progress=False)
    out["ml_boot"] = _quiet(out["ml"].bootstrap, 60, seed=3, progress=False)
    return out


def _each(results: dict[str, SEMResult]) -> Iterator[tuple[str, SEMResult]]:
    yield from results.items()


def _contract_names() -> set[str]:
    """The public names :class:`SEMResult` promises (attributes, properties, methods)."""
    names = {n for n in dir(SEMResult) if not n.startswith("_")}
    return names | {"spec", "data", "settings", "diagnostics"}


def test_every_result_is_an_sem_result(results: dict[str, SEMResult]) -> None:
    for name, r in _each(results):
        assert isinstance(r, SEMResult), name
        assert isinstance(r, sem_csat.PLSResult | sem_csat.CBSEMResult), name
    assert {type(r).__name__ for r in results.values()} == {"PLSResult", "CBSEMResult"}


def test_both_engines_offer_the_same_names(results: dict[str, SEMResult]) -> None:
    names = _contract_names()
    assert {
        "params", "paths", "outer", "r2", "effects", "fit_table", "quality", "bootstrap",
        "tables", "figures", "findings", "run_facts", "nested_test_info", "summary",
        "method", "method_name", "statistic", "n_obs", "converged", "constructs", "boot",
        "bootstrapped", "ci",
    } <= names  # fmt: skip
    for name, r in _each(results):
        missing = [n for n in names if not _has_static(r, n)]
        assert not missing, f"{name} lacks {missing}"


def _has_static(obj: object, name: str) -> bool:
    try:
        inspect.getattr_static(obj, name)
    except AttributeError:
        return False
    return True


def test_basic_facts(results: dict[str, SEMResult]) -> None:
    statistics = {"pls": "t_value", "plsc": "t_value"}
    for name, r in _each(results):
        assert r.statistic == statistics.get(name.removesuffix("_boot"), "z_value"), name
        assert r.method == r.settings.method
        assert isinstance(r.method_name, str)
        assert r.method_name
        assert r.constructs == r.spec.construct_names
        assert isinstance(r.data, PreparedData)
        assert isinstance(r.n_obs, int)
        assert r.n_obs > 0
        assert r.converged is True
        assert r.bootstrapped is name.endswith("_boot")
        assert r.ci in CI_METHODS
        assert all(isinstance(d, Diagnostic) for d in r.diagnostics)


def test_data_is_prepared_data_for_every_input(results: dict[str, SEMResult]) -> None:
    cov = results["ml_cov"].data
    assert cov.moments is not None
    assert cov.frame.shape == (0, 9)
    assert cov.n_used == cov.n_total == 301
    assert not cov.complete
    fiml = results["fiml"].data
    assert fiml.moments is None
    assert fiml.frame.isna().to_numpy().any()  # FIML keeps the missing answers
    assert not fiml.complete
    assert results["ml"].data.complete


def test_settings_travel_with_the_result(results: dict[str, SEMResult]) -> None:
    for name, r in _each(results):
        facts = r.settings.as_dict()
        json.dumps(facts)
        assert facts["method"] == r.method, name
        assert facts["missing"] == r.settings.missing
        assert facts["na_values"] == list(r.settings.na_values)
    assert results["fiml"].settings.missing == "fiml"
    assert results["pls"].settings.as_dict()["scheme"] == "path"
    assert results["mlr"].settings.as_dict()["estimator"] == "ML"


def _dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {str(c): str(t) for c, t in frame.dtypes.items()}


def test_column_layouts_and_dtypes(results: dict[str, SEMResult]) -> None:
    text = {str(t) for t in results["pls"].paths.dtypes[["from", "to", "label"]]}
    assert len(text) == 1  # one dtype for every text column, whichever engine
    (text_dtype,) = text
    for name, r in _each(results):
        layouts = {
            "params": (r.params, param_columns(r.statistic)),
            "paths": (r.paths, path_columns(r.statistic)),
            "outer": (r.outer, OUTER_COLUMNS),
            "r2": (r.r2, R2_COLUMNS),
            "effects": (
                r.effects,
                (*EFFECT_COLUMNS, *effect_boot_columns()) if r.bootstrapped else EFFECT_COLUMNS,
            ),
        }
        for table, (frame, columns) in layouts.items():
            assert tuple(frame.columns) == tuple(columns), f"{name}.{table}"
            for column, dtype in _dtypes(frame).items():
                want = text_dtype if column in TEXT_COLUMNS else "float64"
                assert dtype == want, f"{name}.{table}.{column}: {dtype}"
        assert r.r2.index.name == "construct"
        assert list(r.r2.index) == list(r.spec.endogenous)
        assert list(zip(r.paths["from"], r.paths["to"], strict=True)) == [
            (p.source, p.target) for p in r.spec.paths
        ]
        assert set(r.params["group"]) == {""}  # single-group models


def test_inference_columns(results: dict[str, SEMResult]) -> None:
    inference = list(path_columns("t_value")[5:])
    assert results["pls"].paths[inference].isna().all().all()  # PLS needs a bootstrap
    for name in ("pls_boot", "ml", "mlr", "ml_cov", "fiml", "ml_boot"):
        paths = results[name].paths
        columns = [c if c != "t_value" else results[name].statistic for c in inference]
        assert paths[columns].notna().all().all(), name


def test_standardized_columns(results: dict[str, SEMResult]) -> None:
    for name in ("pls", "plsc"):
        r = results[name]
        np.testing.assert_array_equal(r.paths["std_estimate"], r.paths["estimate"])
        np.testing.assert_array_equal(r.outer["std_loading"], r.outer["loading"])
        np.testing.assert_array_equal(r.params["std_lv"], r.params["estimate"])
        np.testing.assert_array_equal(r.params["std_all"], r.params["estimate"])
    for name in ("ml", "mlr", "ml_cov", "fiml"):
        r = results[name]
        loads = r.params[r.params["op"] == "=~"].set_index(["lhs", "rhs"])
        outer = r.outer.set_index(["construct", "indicator"])
        np.testing.assert_array_equal(outer["loading"], loads.loc[outer.index, "estimate"])
        np.testing.assert_array_equal(outer["std_loading"], loads.loc[outer.index, "std_all"])


def test_fit_table_is_one_row(results: dict[str, SEMResult]) -> None:
    for name, r in _each(results):
        assert len(r.fit_table) == 1, name
        assert ("chi2" in r.fit_table.columns) is (r.nested_test_info() is not None), name
    # PLS: SRMR, d_ULS, d_G (estimated and saturated), NFI, RMS_theta (issue 15)
    assert tuple(results["pls"].fit_table.columns) == FIT_COLUMNS
    assert {"chi2_scaled", "cfi_robust"} <= set(results["mlr"].fit_table.columns)


def test_bootstrap_signatures_agree() -> None:
    contract = inspect.signature(SEMResult.bootstrap).parameters
    for engine in (sem_csat.PLSResult, sem_csat.CBSEMResult):
        own = inspect.signature(engine.bootstrap).parameters
        for name, parameter in contract.items():
            assert name in own, (engine.__name__, name)
            assert own[name].kind == parameter.kind, (engine.__name__, name)
            assert own[name].default == parameter.default, (engine.__name__, name)
        extra = [p for n, p in own.items() if n not in contract]
        for parameter in extra:  # engine-specific options: keyword-only, with a default
            assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, parameter
            assert parameter.default is not inspect.Parameter.empty, parameter
    assert inspect.signature(SEMResult.bootstrap).parameters["n_boot"].default == 5000


def test_bootstrap_is_refused_in_one_sentence_where_undefined(
    results: dict[str, SEMResult],
) -> None:
    for name in ("ml_cov", "fiml"):
        with pytest.raises(UsageError, match="answers of every respondent"):
            results[name].bootstrap(10, seed=1, progress=False)
    with pytest.raises(UsageError, match="ci must be"):
        results["pls"].bootstrap(10, ci="normal", progress=False)  # type: ignore[arg-type]


def test_tables_figures_findings_run_facts(results: dict[str, SEMResult]) -> None:
    for name, r in _each(results):
        tables = r.tables()
        assert all(isinstance(k, str) and isinstance(v, pd.DataFrame) for k, v in tables.items())
        assert {"paths", "outer", "r2", "effects"} <= set(tables), name
        for figure in r.figures().values():
            assert isinstance(figure.title, str)
            assert callable(figure.save)
            assert callable(figure.figure)
        findings = r.findings()
        assert all(isinstance(d, Diagnostic) for d in findings)
        assert findings[: len(r.diagnostics)] == r.diagnostics
        facts = r.run_facts()
        json.dumps(facts)
        assert facts["converged"] is True
        if r.boot is not None:
            boot = r.boot.as_dict()
            json.dumps(boot)
            assert (boot["resamples"], boot["seed"]) == (60, 3)
    assert set(results["pls"].figures()) == {"ipma"}
    assert {"index", "ipma", "f_squared"} <= set(results["pls"].tables())
    assert {"mediation", "specific_indirect", "htmt_bootstrap"} <= set(results["pls_boot"].tables())
    assert {"fit", "params", "reliability", "htmt"} <= set(results["ml"].tables())
    assert "htmt_bootstrap" in results["ml_boot"].tables()
    # a matrix's and FIML's quality report come from the moments (the fitted matrix, the EM h1)
    assert {"reliability", "htmt"} <= set(results["ml_cov"].tables())
    assert isinstance(results["fiml"].quality, QualityReport)
    assert isinstance(results["ml"].quality, QualityReport)


def test_htmt_bootstrap_uses_the_results_resamples(results: dict[str, SEMResult]) -> None:
    for name in ("pls_boot", "ml_boot"):
        r = results[name]
        htmt = r.htmt_bootstrap  # type: ignore[attr-defined]
        assert r.boot is not None
        assert htmt.n_boot == r.boot.n_boot
        assert htmt.seed == r.boot.seed
        assert htmt.replicates.spawn_key == r.boot.replicates.spawn_key  # type: ignore[attr-defined]
        pd.testing.assert_frame_equal(r.tables()["htmt_bootstrap"], htmt.table)
    assert results["pls"].htmt_bootstrap is None  # type: ignore[attr-defined]


def test_display_is_one_mixin(results: dict[str, SEMResult]) -> None:
    for name, r in _each(results):
        line = repr(r)
        assert "\n" not in line, name
        assert line.startswith(f"<{type(r).__name__} "), name
        assert line.endswith(">")
        assert str(r) == r.summary().as_text()
        assert r._repr_html_().startswith('<div class="sem-csat-summary">')


def test_nested_test_info(results: dict[str, SEMResult]) -> None:
    assert results["pls"].nested_test_info() is None
    ml = results["ml"].nested_test_info()
    assert ml is not None
    assert (ml.estimator, ml.robust, ml.n_obs, ml.df, ml.npar) == ("ML", False, 301, 24, 21)
    mlr = results["mlr"].nested_test_info()
    assert mlr is not None
    assert (mlr.estimator, mlr.robust) == ("MLR", True)


# ------------------------------------------------------------------------ new quantities
@pytest.mark.parametrize("case", ["hs_ml", "demo_bollen", "bank_sem", "hs_fiml"])
def test_std_lv_matches_lavaan(case: str) -> None:
    info = json.loads((LAVAAN / case / "info.json").read_text())
    spec = ModelSpec.from_lavaan(str(info["model"]), name=case)
    source = LAVAAN / str(info["data"])
    data = pd.read_csv(source if source.is_file() else LAVAAN.parents[2] / str(info["data"]))
    missing = "fiml" if info["missing"] == "ml" else "listwise"
    result = _quiet(sem_csat.fit, spec, data, method="ml", missing=missing)
    ref = pd.read_csv(LAVAAN / case / "params.csv", keep_default_na=False, na_values=["NA"])
    ref = ref[ref["op"].isin(["=~", "~", "~~", "~1"])]

    def key(lhs: str, op: str, rhs: str) -> tuple[str, ...]:
        return (op, *sorted((lhs, rhs))) if op == "~~" else (op, lhs, rhs)

    params = result.params
    ours = {
        key(lhs, op, rhs): value
        for lhs, op, rhs, value in zip(
            params["lhs"], params["op"], params["rhs"], params["std_lv"], strict=True
        )
    }
    theirs = {
        key(lhs, op, rhs): value
        for lhs, op, rhs, value in zip(
            ref["lhs"], ref["op"], ref["rhs"], ref["std.lv"], strict=True
        )
    }
    assert set(ours) == set(theirs)
    for k, value in theirs.items():
        assert ours[k] == pytest.approx(value, **TOL_LAVAAN), (case, k)


def test_factor_score_weights_have_the_closed_form_of_one_factor(hs: pd.DataFrame) -> None:
    # one factor: W = psi lambda' Sigma^-1 = lambda' Theta^-1 / (1/psi + lambda' Theta^-1 lambda)
    spec = ModelSpec.from_lavaan("g =~ x1 + x2 + x3 + x4 + x5 + x6", name="g")
    r = _quiet(sem_csat.fit, spec, hs, method="ml")
    p = r.params.set_index(["lhs", "op", "rhs"])["estimate"]
    items = list(spec.indicator_names)
    lam = np.array([p[("g", "=~", i)] for i in items])
    theta = np.array([p[(i, "~~", i)] for i in items])
    psi = p[("g", "~~", "g")]
    expected = (lam / theta) / (1.0 / psi + (lam**2 / theta).sum())
    np.testing.assert_allclose(r.outer["weight"], expected, rtol=1e-10)


# ------------------------------------------------------------------------ the package
def test_package_attributes() -> None:
    assert sem_csat.SEMResult is SEMResult
    assert callable(sem_csat.write)
    assert sem_csat.diagram.path_diagram
    assert sem_csat.tables.publication_tables
    assert sem_csat.report.render_report
    for name in ("PLSResult", "CBSEMResult", "SEMResult", "write", "diagram", "tables", "report"):
        assert name in sem_csat.__all__
        assert name in dir(sem_csat)


def test_import_stays_light() -> None:
    code = (
        "import sys, sem_csat\n"
        "heavy = ('semopy', 'matplotlib')\n"
        "assert not [m for m in heavy if m in sys.modules], 'import sem_csat'\n"
        "sem_csat.SEMResult, sem_csat.PLSResult, sem_csat.CBSEMResult, sem_csat.write\n"
        "assert not [m for m in heavy if m in sys.modules], 'the result classes'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
