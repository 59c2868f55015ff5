"""Multi-group CB-SEM and the invariance ladder against lavaan 0.6-14 and semTools 0.5-6.

References: ``tests/reference/lavaan/make_groups.R`` (``mg_hs_school``: the Holzinger–Swineford
CFA by school, with a partial scalar level freeing the intercepts of x3 and x7; ``mg_bank_gender``:
the ECSI bank SEM without QUAL by gender), each level by ML and MLR: parameter estimates, SEs
and std.all (``params.csv``), every fitMeasures() value (``fit.csv``), lavTestLRT (``lrt_*.csv``,
Satorra–Bentler 2001 for MLR), semTools' compareFit differences and the latent means at the
scalar and strict levels.  Tolerance max(1e-4, 1e-3·|x|), as for every lavaan comparison.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.cbsem.group_result import CBSEMGroupResult
from sem_csat.cli import main as cli_main
from sem_csat.errors import (
    DataError,
    EstimationError,
    SemCsatError,
    SemCsatWarning,
    UsageError,
)
from sem_csat.spec import ModelSpec

LAVAAN = Path(__file__).parent / "reference" / "lavaan"
ATOL, RTOL = 1e-4, 1e-3
LADDER = ("configural", "metric", "scalar", "strict")
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
BANK_MODEL = """
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
VAL  =~ val1 + val2 + val3 + val4
SAT  =~ sat1 + sat2 + sat3 + sat4
LOY  =~ loy1 + loy2 + loy3 + loy4
EXPE ~ IMAG
VAL  ~ EXPE
SAT  ~ IMAG + EXPE + VAL
LOY  ~ IMAG + SAT
"""
#: (reference folder, model, data, group column, levels in lavaan's order, group_partial,
#: ladder, missing)
Case = tuple[str, str, str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...], str]
LADDERS: dict[str, Case] = {
    "hs": ("mg_hs_school", HS_MODEL, "hs1939.csv", "school", ("Pasteur", "Grant-White"), (),
           LADDER, "listwise"),
    "hs_partial": ("mg_hs_school", HS_MODEL, "hs1939.csv", "school",
                   ("Pasteur", "Grant-White"), ("x3 ~ 1", "x7 ~ 1"), LADDER[:3], "listwise"),
    "bank": ("mg_bank_gender", BANK_MODEL, "bank_satisfaction", "gender", ("male", "female"), (),
             LADDER, "listwise"),
    "hs_fiml": ("mg_hs_fiml", HS_MODEL, "hs1939_missing.csv", "school",
                ("Pasteur", "Grant-White"), (), LADDER[:2], "fiml"),
}  # fmt: skip
#: lavTestLRT file and the levels it compares, per ladder.
LRT_FILES = {"hs": "lrt", "hs_partial": "lrt_partial", "bank": "lrt", "hs_fiml": "lrt"}

T = TypeVar("T")


def _quiet(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def _close(ours: float, ref: float) -> bool:
    if math.isnan(ref) or math.isnan(ours):
        return math.isnan(ref) and math.isnan(ours)
    return abs(ours - ref) <= max(ATOL, RTOL * abs(ref))


def _data(name: str) -> pd.DataFrame:
    path = LAVAAN / name
    return pd.read_csv(path) if path.is_file() else sem_csat.datasets.load(name)


def _fit_ladder(key: str, method: str) -> CBSEMGroupResult:
    _, model, data, column, levels, partial, ladder, missing = LADDERS[key]
    spec = ModelSpec.from_lavaan(model, name=key)
    result = _quiet(sem_csat.fit, spec, _data(data), method=method, group=column,
                    levels=list(levels), invariance=",".join(ladder),
                    group_partial=list(partial), missing=missing)  # fmt: skip
    assert isinstance(result, CBSEMGroupResult)
    return result


@pytest.fixture(scope="module", params=[(k, m) for k in LADDERS for m in ("ml", "mlr")],
                ids=lambda p: f"{p[0]}-{p[1]}")  # fmt: skip
def ladder(request: pytest.FixtureRequest) -> tuple[str, str, CBSEMGroupResult]:
    key, method = request.param
    return key, method, _fit_ladder(key, method)


def _mismatches(ours: pd.Series, ref: pd.Series, what: str) -> list[str]:
    out = []
    for k, (a, b) in enumerate(zip(ours.to_numpy(float), ref.to_numpy(float), strict=True)):
        if not _close(float(a), float(b)):
            out.append(f"{what} row {k}: {a!r} vs lavaan {b!r}")
    return out


def test_every_level_matches_lavaans_estimates_ses_and_std_all(
    ladder: tuple[str, str, CBSEMGroupResult],
) -> None:
    key, method, result = ladder
    assert result.ladder is not None
    folder = LAVAAN / LADDERS[key][0]
    assert not result.ladder.stopped
    bad: list[str] = []
    for name, fit in result.ladder.fits.items():
        ref = pd.read_csv(folder / f"{name}_{method}" / "params.csv")
        ref = ref[ref["op"] != "r2"].reset_index(drop=True)
        ours = fit.params
        assert len(ours) == len(ref), name
        assert ours["lhs"].tolist() == ref["lhs"].tolist()
        assert ours["op"].tolist() == ref["op"].tolist()
        assert ours["group"].tolist() == ref["group.label"].tolist()
        labels = ["" if pd.isna(v) else str(v) for v in ref["label"]]
        assert ours["label"].tolist() == labels, name
        se_ref = ref["se"].where(ref["se"] > 0)
        bad += _mismatches(ours["estimate"], ref["est"], f"{name} est")
        bad += _mismatches(ours["std_error"], se_ref, f"{name} se")
        bad += _mismatches(ours["std_all"], ref["std.all"], f"{name} std.all")
    assert not bad, "\n".join(bad[:20])


def test_every_fit_measure_matches_lavaan(ladder: tuple[str, str, CBSEMGroupResult]) -> None:
    key, method, result = ladder
    assert result.ladder is not None
    folder = LAVAAN / LADDERS[key][0]
    bad = []
    for name, fit in result.ladder.fits.items():
        ref = pd.read_csv(folder / f"{name}_{method}" / "fit.csv").set_index("measure")["value"]
        ours = fit.fit_measures()
        info = json.loads((folder / f"{name}_{method}" / "info.json").read_text())
        assert fit.converged
        assert info["converged"]
        for measure, value in ref.items():
            if measure == "ntotal":
                continue
            key_ = str(measure).replace(".", "_")
            assert key_ in ours, f"{name}: {measure} missing"
            if not _close(float(ours[key_]), float(value)):
                bad.append(f"{name} {measure}: {ours[key_]!r} vs lavaan {value!r}")
    assert not bad, "\n".join(bad)


def test_invariance_table_matches_lavtestlrt_and_comparefit(
    ladder: tuple[str, str, CBSEMGroupResult],
) -> None:
    key, method, result = ladder
    folder = LAVAAN / LADDERS[key][0]
    table = result.invariance
    assert table is not None
    assert tuple(table.columns) == (
        "model", "chi2", "df", "p_value", "cfi", "tli", "rmsea", "srmr", "aic", "bic",
        "delta_chi2", "delta_df", "delta_p_value", "delta_cfi", "delta_rmsea",
    )  # fmt: skip
    lrt = pd.read_csv(folder / f"{LRT_FILES[key]}_{method}.csv")
    assert table["model"].tolist() == lrt["model"].tolist()
    robust = method == "mlr"
    columns = {
        "chi2": "chisq.scaled" if robust else "chisq",
        "p_value": "pvalue.scaled" if robust else "pvalue",
        "cfi": "cfi.robust" if robust else "cfi",
        "tli": "tli.robust" if robust else "tli",
        "rmsea": "rmsea.robust" if robust else "rmsea",
        "srmr": "srmr",
        "aic": "aic",
        "bic": "bic",
        "df": "df",
        "delta_chi2": "Chisq diff",
        "delta_df": "Df diff",
        "delta_p_value": "Pr(>Chisq)",
    }
    bad: list[str] = []
    for ours, theirs in columns.items():
        bad += _mismatches(table[ours].astype(float), lrt[theirs].astype(float), ours)
    diff = pd.read_csv(folder / f"{LRT_FILES[key]}_{method}_comparefit_diff.csv")
    suffix = ".robust" if robust else ""
    bad += _mismatches(table["delta_cfi"].iloc[1:], diff[f"cfi{suffix}"], "delta_cfi")
    bad += _mismatches(table["delta_rmsea"].iloc[1:], diff[f"rmsea{suffix}"], "delta_rmsea")
    assert not bad, "\n".join(bad)


def test_latent_means_match_lavaan(ladder: tuple[str, str, CBSEMGroupResult]) -> None:
    key, method, result = ladder
    folder = LAVAAN / LADDERS[key][0]
    ours = result.latent_means
    assert ours is not None
    if "scalar" not in LADDERS[key][6]:  # latent means are fixed below the scalar level
        assert ours.empty
        return
    ref = pd.read_csv(folder / f"latent_means_{method}.csv")
    ref = ref[(ref["group"] > 1) & ref["model"].isin(ours["model"].unique())]
    merged = ours.merge(ref, left_on=["model", "construct", "group"],
                        right_on=["model", "lhs", "group.label"])  # fmt: skip
    assert len(merged) == len(ours) == len(ref) > 0
    assert (merged["reference"] == LADDERS[key][4][0]).all()
    bad: list[str] = []
    for a, b in (("estimate", "est"), ("std_error", "se"), ("std_lv", "std.lv")):
        bad += _mismatches(merged[a], merged[b], a)
    # z and p of a mean near 0 carry the estimate's own tolerance: ATOL / SE in z units
    slack = ATOL / merged["se"].to_numpy(float)
    for a, b, scale in (("z_value", "z", 1.0), ("p_value", "pvalue", 2 * 0.3989)):
        ours, ref = merged[a].to_numpy(float), merged[b].to_numpy(float)
        tol = np.maximum(np.maximum(ATOL, RTOL * np.abs(ref)), scale * slack)
        bad += [f"{a} row {k}" for k in np.flatnonzero(np.abs(ours - ref) > tol)]
    assert not bad, "\n".join(bad)


def test_every_levels_table_matches_lavaans_partable(
    ladder: tuple[str, str, CBSEMGroupResult],
) -> None:
    """Rows, labels (lavaan's ``.pN.`` for group.equal), free/fixed and the ``==`` rows."""
    key, method, result = ladder
    assert result.ladder is not None
    folder = LAVAAN / LADDERS[key][0]
    for name, fit in result.ladder.fits.items():
        ref = pd.read_csv(folder / f"{name}_{method}" / "partable.csv", keep_default_na=False,
                          na_values=["NA"])  # fmt: skip
        ours = fit.table.frame()
        cols = ["lhs", "op", "rhs", "user", "block", "group", "label"]
        pd.testing.assert_frame_equal(ours[cols], ref[cols], check_dtype=False)
        assert ((ours["free"] > 0) == (ref["free"] > 0)).all(), name
        np.testing.assert_allclose(ours["ustart"], ref["ustart"], atol=1e-12)
        info = json.loads((folder / f"{name}_{method}" / "info.json").read_text())
        assert fit.table.n_free == info["npar"]  # lavaan's free rows before the constraints


def test_the_ladder_stops_at_the_first_level_that_does_not_converge(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import dataclasses

    from sem_csat.cbsem import invariance

    real = invariance.fit

    def failing_scalar(spec: Any, stats: Any, options: Any) -> Any:
        f = real(spec, stats, options)
        if "intercepts" in options.group_equal:
            optim = dataclasses.replace(f.optim, converged=False, message="iteration limit")
            return dataclasses.replace(f, optim=optim)
        return f

    monkeypatch.setattr(invariance, "fit", failing_scalar)
    spec = ModelSpec.from_lavaan(HS_MODEL, name="hs")
    with pytest.warns(SemCsatWarning, match="stops at the scalar level"):
        r = sem_csat.fit(spec, _data("hs1939.csv"), method="ml", group="school",
                         invariance="configural,metric,scalar,strict")  # fmt: skip
    assert r.invariance is not None
    assert r.invariance["model"].tolist() == ["configural", "metric"]
    assert r.ladder is not None
    assert "did not converge" in r.ladder.stopped
    assert "stops at the scalar level" in str(r)


def test_the_summary_states_both_verdicts(ladder: tuple[str, str, CBSEMGroupResult]) -> None:
    _, _, result = ladder
    assert result.ladder is not None
    lines = result.ladder.verdicts()
    assert len(lines) == len(result.ladder.fits) - 1
    assert all("Cheung & Rensvold" in line and "Chen (2007" in line for line in lines)
    text = str(result)
    assert "Measurement invariance" in text


# --------------------------------------------------------------------------------- contract
@pytest.fixture(scope="module")
def bank_ml() -> CBSEMGroupResult:
    return _fit_ladder("bank", "ml")


def test_a_grouped_result_fills_the_contract(bank_ml: CBSEMGroupResult) -> None:
    r = bank_ml
    g = r.grouping
    assert g.column == "gender"
    assert g.levels == ("male", "female")
    assert sum(g.sizes.values()) == r.n_obs == 250
    results = r.group_results()
    assert list(results) == ["male", "female"]
    assert results is r.group_results()
    assert set(r.params["group"]) == {"male", "female"}
    assert r.paths.columns[0] == "group"
    assert r.outer.columns[0] == "group"
    assert r.effects.columns[0] == "group"
    assert list(r.r2.columns) == ["group", "r2", "r2_adj"]
    assert len(r.fit_table) == 1
    # each group's result holds that group's rows of the joint fit
    for level, one in results.items():
        rows = r.params[r.params["group"] == level]
        np.testing.assert_allclose(one.params["estimate"], rows["estimate"])
        np.testing.assert_allclose(one.params["std_error"], rows["std_error"])
        paths = r.paths[r.paths["group"] == level]
        np.testing.assert_allclose(one.paths["estimate"], paths["estimate"])
        quality = _quiet(getattr, one, "quality")
        assert quality.reliability is not None
    with pytest.raises(UsageError, match="group_results"):
        _ = r.quality
    with pytest.raises(UsageError, match="not available yet"):
        r.bootstrap(100)


def test_write_and_report_take_a_grouped_cbsem_result(
    bank_ml: CBSEMGroupResult, tmp_path: Path
) -> None:
    files = _quiet(sem_csat.write, bank_ml, tmp_path)
    names = {Path(f).name for f in files}
    for name in ("params.csv", "paths.csv", "fit.csv", "invariance.csv", "latent_means.csv",
                 "report.html", "run.json"):  # fmt: skip
        assert name in names, name
    inv = pd.read_csv(tmp_path / "invariance.csv")
    assert inv["model"].tolist() == list(LADDER)
    params = pd.read_csv(tmp_path / "params.csv")
    assert set(params["group"]) == {"male", "female"}
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["settings"]["group"] == "gender"
    assert run["settings"]["invariance"] == list(LADDER)
    html = (tmp_path / "report.html").read_text()
    assert "Measurement Invariance Across Groups" in html
    assert "Latent Mean Differences" in html
    assert "estimated jointly" in html


def test_cli_fits_the_ladder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "sat.lav"
    spec.write_text("SAT =~ sat1 + sat2 + sat3 + sat4\nLOY =~ loy1 + loy2 + loy3\n")
    data = tmp_path / "bank.csv"
    sem_csat.datasets.load("bank_satisfaction").to_csv(data, index=False)
    out = tmp_path / "out"
    args = ["fit", str(spec), str(data), "--method", "mlr", "--group", "gender",
            "--invariance", "configural,metric,scalar", "--out", str(out), "--quiet"]  # fmt: skip
    assert cli_main(args) == 0, capsys.readouterr().err
    inv = pd.read_csv(out / "invariance.csv")
    assert inv["model"].tolist() == ["configural", "metric", "scalar"]
    assert inv["delta_df"].iloc[1:].tolist() == [5, 5]


# --------------------------------------------------------------------------------- bad input
@pytest.fixture(scope="module")
def bank() -> pd.DataFrame:
    return sem_csat.datasets.load("bank_satisfaction")


SMALL = "SAT =~ sat1 + sat2 + sat3 + sat4"


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"method": "gls"}, EstimationError, "'ml' or 'mlr'"),
        ({"missing": "mean"}, EstimationError, "missing='mean'"),
        ({"group_equal": ["slopes"]}, UsageError, "'slopes'"),
        ({"group_partial": ["x9 ~ 1"]}, UsageError, "'x9~1'"),
        ({"invariance": "metric,configural"}, UsageError, "ladder's order"),
        ({"invariance": "weak"}, UsageError, "'weak'"),
        ({"group": "sex"}, DataError, "no column 'sex'"),
    ],
)
def test_group_mistakes_get_one_sentence(
    bank: pd.DataFrame, kwargs: dict[str, Any], error: type[SemCsatError], needle: str
) -> None:
    spec = ModelSpec.from_lavaan(SMALL, name="sat")
    options: dict[str, Any] = {"method": "ml", "group": "gender", **kwargs}
    with pytest.raises(error, match=needle.replace("(", r"\(")):
        _quiet(sem_csat.fit, spec, bank, **options)


def test_group_options_need_a_group(bank: pd.DataFrame) -> None:
    spec = ModelSpec.from_lavaan(SMALL, name="sat")
    with pytest.raises(EstimationError, match="group=COLUMN"):
        sem_csat.fit(spec, bank, method="ml", invariance="configural,metric")
    with pytest.raises(EstimationError, match="group=COLUMN"):
        sem_csat.fit(spec, bank, method="pls", group="gender", group_equal=["loadings"])


def test_a_group_smaller_than_the_free_parameters_is_refused(bank: pd.DataFrame) -> None:
    spec = ModelSpec.from_lavaan(SMALL, name="sat")
    data = bank.assign(segment=np.where(np.arange(len(bank)) < 10, "tiny", "rest"))
    with pytest.raises(DataError, match=r"'tiny'.*only 10 respondents.*free parameters"):
        _quiet(sem_csat.fit, spec, data, method="ml", group="segment")


def test_missing_and_constant_group_columns_are_refused(bank: pd.DataFrame) -> None:
    spec = ModelSpec.from_lavaan(SMALL, name="sat")
    holes = bank.assign(gender=bank["gender"].where(np.arange(len(bank)) != 3))
    with pytest.raises(DataError, match="missing value"):
        _quiet(sem_csat.fit, spec, holes, method="ml", group="gender")
    with pytest.raises(DataError, match="same value"):
        _quiet(sem_csat.fit, spec, bank.assign(gender="x"), method="ml", group="gender")
    many = bank.assign(gender=np.arange(len(bank)) % 25)
    with pytest.raises(DataError, match="at most 20"):
        _quiet(sem_csat.fit, spec, many, method="ml", group="gender")
