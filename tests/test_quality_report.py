"""The QualityReport object, its warnings, and the HTMT bootstrap test."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from _reference import assert_quotes

import sem_csat
from sem_csat.datasets import load
from sem_csat.errors import DiscriminantValidityWarning, SemCsatWarning, UsageError
from sem_csat.inference.bootstrap import bootstrap_indices
from sem_csat.measurement import (
    MeasurementQualityWarning,
    htmt,
    htmt_bootstrap,
    quality,
)
from sem_csat.measurement.report import ITEM_COLUMNS, RELIABILITY_COLUMNS, QualityReport
from sem_csat.measurement.validity import htmt_blocks
from sem_csat.spec import ModelSpec
from sem_csat.spec.builders import formative, reflective

TOL_SAME = 1e-12


@pytest.fixture(scope="module")
def bank() -> pd.DataFrame:
    return load("bank_satisfaction")


@pytest.fixture(scope="module")
def bank_spec() -> ModelSpec:
    return sem_csat.load_spec("ecsi_bank")


@pytest.fixture(scope="module")
def pls_report(bank_spec: ModelSpec, bank: pd.DataFrame) -> QualityReport:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SemCsatWarning)
        return sem_csat.fit(bank_spec, bank).quality


def test_data_only_report_warns_about_htmt(bank_spec: ModelSpec, bank: pd.DataFrame) -> None:
    with pytest.warns(DiscriminantValidityWarning, match=r"EXPE–QUAL \(") as record:
        report = quality(bank_spec, bank)
    message = next(str(w.message) for w in record if "EXPE–QUAL (" in str(w.message))
    assert report.htmt.loc["QUAL", "EXPE"] == pytest.approx(0.982, abs=5e-4)
    assert_quotes(message, "EXPE–QUAL (", report.htmt.loc["QUAL", "EXPE"])
    assert report.method == "data"
    assert list(report.reliability.columns) == list(RELIABILITY_COLUMNS)
    assert list(report.items.columns) == list(ITEM_COLUMNS)
    assert report.reliability[["rho_a", "rho_c", "ave"]].isna().all().all()
    assert report.reliability["alpha"].notna().all()
    assert report.fornell_larcker is None
    assert set(report.tables) == {"reliability", "items", "htmt", "htmt2", "verdicts"}
    codes = {d.code for d in report.diagnostics}
    assert "htmt_high" in codes
    assert 0 < report.harman_share < 1


def test_pls_report_tables_and_rendering(pls_report: QualityReport) -> None:
    names = list(pls_report.spec.construct_names)
    assert list(pls_report.htmt.index) == names
    assert list(pls_report.htmt.columns) == names
    assert pls_report.fornell_larcker is not None
    fl = pls_report.fornell_larcker.to_numpy()
    ave = pls_report.reliability["ave"].to_numpy()
    np.testing.assert_allclose(np.diag(fl), np.sqrt(ave), 0, TOL_SAME)
    assert pls_report.cross_loadings is not None
    assert pls_report.cross_loadings.shape == (27, 6)
    assert pls_report.full_collinearity is not None
    assert (
        pls_report.reliability[["alpha", "alpha_std", "rho_a", "rho_c", "ave"]].notna().all().all()
    )
    items = pls_report.items
    np.testing.assert_allclose(items["indicator_reliability"], items["loading"] ** 2, 0, TOL_SAME)
    text = str(pls_report)
    assert "Warnings (" in text
    assert "Reliability and convergent validity" in text
    assert "<details" in pls_report._repr_html_()
    assert "\n" not in repr(pls_report)
    assert repr(pls_report).startswith("<QualityReport 'ECSI_bank': pls, N=250")
    v = pls_report.verdicts
    assert set(v["verdict"]) <= {"ok", "low", "high"}
    assert v["source"].str.len().gt(0).all()
    # every warning is backed by at least one violated verdict of the same measure
    for d in pls_report.diagnostics:
        measure = d.code.rsplit("_", 1)[0]
        assert ((v["measure"] == measure) & (v["verdict"] != "ok")).any(), d.code


def test_pls_report_is_frozen(pls_report: QualityReport) -> None:
    with pytest.raises(AttributeError):
        pls_report.n_obs = 3  # type: ignore[misc]


def test_formative_block_gets_weights_and_vif(bank: pd.DataFrame) -> None:
    spec = ModelSpec(
        "mixed",
        constructs=[
            formative("QUAL", [f"qual{i}" for i in range(1, 6)]),
            reflective("SAT", [f"sat{i}" for i in range(1, 5)]),
            reflective("LOY", [f"loy{i}" for i in range(1, 5)]),
        ],
        paths=sem_csat.spec.builders.paths("QUAL", "SAT")
        + sem_csat.spec.builders.paths("SAT", "LOY"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SemCsatWarning)
        result = sem_csat.fit(spec, bank).bootstrap(100, seed=1, progress=False)
        report = result.quality
    rel = report.reliability.set_index("construct")
    assert rel.loc["QUAL", ["alpha", "rho_a", "rho_c", "ave"]].isna().all()
    assert rel.loc["SAT", ["alpha", "rho_a", "rho_c", "ave"]].notna().all()
    qual = report.items[report.items["construct"] == "QUAL"]
    assert qual[["weight", "weight_p_value", "weight_ci_lower", "vif"]].notna().all().all()
    assert qual[["item_total_corr", "alpha_if_deleted"]].isna().all().all()
    assert np.isnan(report.htmt.loc["QUAL"]).all()
    assert "weight" in set(report.verdicts["measure"])


def test_low_reliability_becomes_a_warning_with_advice() -> None:
    rng = np.random.default_rng(1)
    f, g = rng.normal(size=(300, 1)), rng.normal(size=(300, 1))
    x = np.hstack([0.3 * f + rng.normal(size=(300, 3)), 0.9 * g + 0.4 * rng.normal(size=(300, 3))])
    data = pd.DataFrame(x, columns=["a1", "a2", "a3", "b1", "b2", "b3"])
    spec = ModelSpec(
        "weak",
        constructs=[reflective("A", ["a1", "a2", "a3"]), reflective("B", ["b1", "b2", "b3"])],
    )
    with pytest.warns(MeasurementQualityWarning) as record:
        report = quality(spec, data)
    assert any("Cronbach's α is too low" in str(w.message) for w in record)
    assert any(
        "item-total" in d.message.lower() for d in report.diagnostics if d.code == "alpha_low"
    )


def test_htmt_bootstrap_matches_resampled_data(bank_spec: ModelSpec, bank: pd.DataFrame) -> None:
    boot = htmt_bootstrap(bank_spec, bank, 120, seed=11, progress=False)
    again = htmt_bootstrap(bank_spec, bank, 120, seed=11, n_jobs=2, progress=False)
    pd.testing.assert_frame_equal(boot.table, again.table)
    assert boot.seed == 11
    assert boot.n_ok == 120
    t = boot.table[boot.table["statistic"] == "htmt"].reset_index(drop=True)
    assert len(t) == 15
    # the estimate is the point HTMT, and replicate b is HTMT of the resampled raw data
    x = bank.loc[:, list(bank_spec.indicator_names)].to_numpy(float)
    blocks = htmt_blocks(bank_spec)
    full = htmt(np.corrcoef(x, rowvar=False), blocks)
    iu = np.triu_indices(6, 1)
    np.testing.assert_allclose(t["estimate"], full[iu], 0, 1e-10)
    rows = bootstrap_indices(11, x.shape[0], [0, 57])
    for k, b in enumerate((0, 57)):
        direct = htmt(np.corrcoef(x[rows[k]], rowvar=False), blocks)[iu]
        np.testing.assert_allclose(boot.replicates.replicates["htmt"][b], direct, 0, 1e-9)
    samples = boot.replicates.samples("htmt")
    np.testing.assert_allclose(t["upper_bound"], np.quantile(samples, 0.95, axis=0), 0, 0)
    assert (t["distinct_090"] == (t["upper_bound"] < 0.90)).all()
    assert (t["distinct_085"] <= t["distinct_090"]).all()
    pair = t[(t["construct_a"] == "EXPE") & (t["construct_b"] == "QUAL")].iloc[0]
    assert not pair["distinct_090"]
    assert pair["p_090"] > 0.5


def test_quality_with_bootstrap_uses_upper_bound(bank_spec: ModelSpec, bank: pd.DataFrame) -> None:
    with pytest.warns(DiscriminantValidityWarning):
        report = quality(bank_spec, bank, n_boot=100, seed=3)
    assert report.htmt_boot is not None
    assert "htmt_bootstrap" in report.tables
    assert "htmt_upper" in set(report.verdicts["measure"])
    assert "HTMT bootstrap" in str(report)


def test_htmt_bootstrap_needs_two_reflective_blocks(bank: pd.DataFrame) -> None:
    spec = ModelSpec(
        "one", constructs=[reflective("SAT", ["sat1", "sat2"]), formative("LOY", ["loy1", "loy2"])]
    )
    with pytest.raises(UsageError, match="at least two reflective"):
        htmt_bootstrap(spec, bank, 10, seed=1)
