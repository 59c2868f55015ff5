"""A model fitted to several groups fills the result contract (``sem_csat.groups.result``).

``sem_csat.fit(spec, data, group=COLUMN)`` gives a :class:`~sem_csat.groups.GroupResult`; these
tests hold it to the contract the single-group results keep (names, column layouts and dtypes,
the ``bootstrap`` signature, tables, findings, run facts, display) with the groups in the
content: ``grouping``, ``group_results()``, a ``group`` column.  The numbers of MICOM and the
multi-group analysis are checked against simulated group differences and seminr's port in
``test_groups_*``; here each group's numbers must be those of the model fitted to that group's
respondents alone, and the comparison's tables those of :func:`sem_csat.groups.compare_groups`
with the same seed.
"""

from __future__ import annotations

import inspect
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.contract import (
    OUTER_COLUMNS,
    TEXT_COLUMNS,
    Grouping,
    SEMResult,
    grouped_columns,
    param_columns,
    path_columns,
)
from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import DataError, EstimationError, UsageError
from sem_csat.groups import (
    INDEX_GROUP_COLUMNS,
    MGA_COLUMNS,
    MICOM_COLUMNS,
    GroupResult,
    compare_groups,
)

SEED = 11
N_RESAMPLES = 120


def _quiet(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@pytest.fixture(scope="module")
def bank() -> pd.DataFrame:
    return sem_csat.datasets.load("bank_satisfaction")


@pytest.fixture(scope="module")
def fitted(bank: pd.DataFrame) -> GroupResult:
    result = _quiet(sem_csat.fit, "ecsi_bank", bank, group="gender")
    assert isinstance(result, GroupResult)
    return result


@pytest.fixture(scope="module")
def compared(fitted: GroupResult) -> GroupResult:
    return _quiet(fitted.bootstrap, N_RESAMPLES, n_perm=N_RESAMPLES, seed=SEED, progress=False)


def test_fit_with_a_group_gives_a_result_with_groups(fitted: GroupResult) -> None:
    assert isinstance(fitted, SEMResult)
    g = fitted.grouping
    assert isinstance(g, Grouping)
    assert (g.column, g.levels, dict(g.sizes), g.waves) == (
        "gender",
        ("female", "male"),
        {"female": 148, "male": 102},
        False,
    )
    assert fitted.n_obs == 250
    assert fitted.converged
    assert fitted.boot is None
    assert not fitted.bootstrapped
    assert fitted.statistic == "t_value"
    assert set(fitted.group_results()) == {"female", "male"}
    assert fitted.settings.as_dict()["group"] == "gender"
    json.dumps(fitted.settings.as_dict())


def test_it_offers_every_name_of_the_contract(fitted: GroupResult) -> None:
    names = {n for n in dir(SEMResult) if not n.startswith("_")}
    names |= {"spec", "data", "settings", "diagnostics"}
    missing = []
    for n in names:
        try:
            inspect.getattr_static(fitted, n)
        except AttributeError:
            missing.append(n)
    assert not missing


def test_a_single_group_result_has_no_groups() -> None:
    single = _quiet(sem_csat.fit, "ecsi", "ecsi_mobile")
    assert single.grouping is None
    assert single.group_results() == {}


def _dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {str(c): str(t) for c, t in frame.dtypes.items()}


@pytest.mark.parametrize("which", ["fitted", "compared"])
def test_column_layouts_have_the_group_first(which: str, request: pytest.FixtureRequest) -> None:
    r: GroupResult = request.getfixturevalue(which)
    text_dtype = str(r.paths["from"].dtype)
    layouts = {
        "params": (r.params, param_columns("t_value")),
        "paths": (r.paths, grouped_columns(path_columns("t_value"))),
        "outer": (r.outer, grouped_columns(OUTER_COLUMNS)),
    }
    for name, (frame, columns) in layouts.items():
        assert tuple(frame.columns) == tuple(columns), name
        for column, dtype in _dtypes(frame).items():
            assert dtype == (text_dtype if column in TEXT_COLUMNS else "float64"), (name, column)
    assert list(r.r2.columns) == ["group", "r2", "r2_adj"]
    assert r.r2.index.name == "construct"
    assert r.effects.columns[0] == "group"
    n_paths = len(r.spec.paths)
    assert list(r.paths["group"]) == ["female"] * n_paths + ["male"] * n_paths
    assert set(r.params["group"]) == {"female", "male"}


def test_each_group_is_the_model_fitted_to_its_respondents(
    fitted: GroupResult, bank: pd.DataFrame
) -> None:
    for level in ("female", "male"):
        alone = _quiet(
            sem_csat.fit, "ecsi_bank", bank[bank["gender"] == level].drop(columns="gender")
        )
        ours = fitted.paths[fitted.paths["group"] == level]
        np.testing.assert_allclose(ours["estimate"], alone.paths["estimate"], atol=1e-10)
        r2 = fitted.r2[fitted.r2["group"] == level]["r2"]
        np.testing.assert_allclose(r2, alone.r2["r2"], atol=1e-10)


def test_before_the_resampling(fitted: GroupResult) -> None:
    assert fitted.paths[["std_error", "p_value", "ci_lower"]].isna().all().all()
    tables = fitted.tables()
    assert {"paths", "outer", "r2", "effects", "group_paths", "reliability", "index"} <= set(tables)
    assert not {"micom", "mga", "index_groups"} & set(tables)
    assert "bootstrap(n_boot, n_perm" in str(fitted)
    with pytest.raises(UsageError, match="one measurement-quality report per group"):
        _ = fitted.quality


def test_the_comparison_tables(compared: GroupResult) -> None:
    tables = compared.tables()
    assert tuple(tables["micom"].columns) == MICOM_COLUMNS
    assert tuple(tables["mga"].columns) == MGA_COLUMNS
    assert tuple(tables["index_groups"].columns) == INDEX_GROUP_COLUMNS
    assert tables["group_paths"].columns.tolist() == ["from", "to", "female", "male"]
    for name in ("reliability", "htmt", "index", "mediation", "f_squared"):
        assert tables[name].columns[0] == "group", name
        assert set(tables[name]["group"]) == {"female", "male"}, name
    # the same numbers as compare_groups with the same seed
    direct = _quiet(
        compare_groups,
        compared.spec,
        compared.fits,
        n_perm=N_RESAMPLES,
        n_boot=N_RESAMPLES,
        seed=SEED,
        progress=False,
    )
    pd.testing.assert_frame_equal(tables["mga"], direct.mga.table)
    pd.testing.assert_frame_equal(tables["micom"], direct.micom.table)


def test_each_groups_inference_comes_from_its_own_bootstrap(compared: GroupResult) -> None:
    paths = compared.paths
    assert paths[["std_error", "t_value", "p_value", "ci_lower", "ci_upper"]].notna().all().all()
    cmp = compared.comparison
    assert cmp is not None
    for level in ("female", "male"):
        boot = cmp.bootstraps.boots[level].paths.set_index(["from", "to"])
        ours = paths[paths["group"] == level].set_index(["from", "to"])
        for column in ("std_error", "ci_lower", "ci_upper", "p_value"):
            np.testing.assert_allclose(
                ours[column], boot.loc[ours.index, column], rtol=1e-12, err_msg=column
            )
        # the standard error is the SD of the group's replicates (divisor B - 1), as for MGA
        np.testing.assert_allclose(
            np.sort(ours["std_error"].to_numpy()),
            np.sort(cmp.bootstraps.std_error(level, "paths")),
            rtol=1e-10,
        )


def test_resampling_facts_and_run_facts(compared: GroupResult) -> None:
    boot = compared.boot
    assert boot is not None
    facts = boot.as_dict()
    json.dumps(facts)
    assert (facts["resamples"], facts["permutations"], facts["seed"]) == (
        N_RESAMPLES,
        N_RESAMPLES,
        SEED,
    )
    assert facts["successful_by_group"] == {"female": N_RESAMPLES, "male": N_RESAMPLES}
    run = compared.run_facts()
    json.dumps(run)
    assert run["groups"]["female"]["n"] == 148


def test_the_same_seed_gives_the_same_comparison(fitted: GroupResult) -> None:
    a = _quiet(fitted.bootstrap, 40, n_perm=40, seed=5, progress=False)
    b = _quiet(fitted.bootstrap, 40, n_perm=40, seed=5, progress=False)
    pd.testing.assert_frame_equal(a.tables()["mga"], b.tables()["mga"])
    pd.testing.assert_frame_equal(a.paths, b.paths)


def test_bootstrap_signature_extends_the_contracts() -> None:
    contract = inspect.signature(SEMResult.bootstrap).parameters
    own = inspect.signature(GroupResult.bootstrap).parameters
    for name, parameter in contract.items():
        assert own[name].kind == parameter.kind, name
        assert own[name].default == parameter.default, name
    for name in set(own) - set(contract):
        assert own[name].kind is inspect.Parameter.KEYWORD_ONLY, name
        assert own[name].default is not inspect.Parameter.empty, name


def test_bca_and_bad_options_are_refused_in_one_sentence(fitted: GroupResult) -> None:
    with pytest.raises(UsageError, match="percentile intervals only"):
        fitted.bootstrap(10, ci="bca", progress=False)
    with pytest.raises(UsageError, match="centring"):
        fitted.bootstrap(10, centring="median", progress=False)  # type: ignore[arg-type]


def test_findings_display_and_repr(compared: GroupResult) -> None:
    findings = compared.findings()
    assert all(isinstance(d, Diagnostic) for d in findings)
    assert findings[: len(compared.diagnostics)] == compared.diagnostics
    line = repr(compared)
    assert "\n" not in line
    assert line.startswith("<GroupResult 'ECSI_bank' by 'gender'")
    text = str(compared)
    assert "Path coefficients by group" in text
    assert "Path differences (group a minus group b)" in text
    assert "Measurement invariance (MICOM)" in text
    assert compared._repr_html_().startswith('<div class="sem-csat-summary">')


def test_waves_are_named_waves(bank: pd.DataFrame) -> None:
    data = bank.assign(wave=np.where(np.arange(len(bank)) % 2 == 0, "2024", "2025"))
    r = _quiet(sem_csat.fit, "ecsi_bank", data.drop(columns="gender"), group="wave")
    assert r.grouping.waves
    assert r.grouping.noun == "wave"
    assert str(r).startswith("sem_csat wave comparison")
    c = _quiet(r.bootstrap, 40, n_perm=30, seed=1, progress=False)
    mga = c.tables()["mga"]
    assert (mga["group_a"].iloc[0], mga["group_b"].iloc[0]) == ("2025", "2024")  # later − earlier


def test_group_options_are_checked_before_fitting(bank: pd.DataFrame) -> None:
    with pytest.raises(EstimationError, match="'ml' or 'mlr'"):
        sem_csat.fit("ecsi_bank", bank, method="gls", group="gender")
    with pytest.raises(EstimationError, match="name the group column"):
        sem_csat.fit("ecsi_bank", bank, levels=["female", "male"])
    with pytest.raises(DataError, match="has no column 'sex'"):
        sem_csat.fit("ecsi_bank", bank, group="sex")


def test_write_writes_the_comparison(compared: GroupResult, tmp_path: Path) -> None:
    files = _quiet(sem_csat.write, compared, tmp_path)
    names = {p.name for p in files}
    assert {
        "micom.csv",
        "mga.csv",
        "mga_effects.csv",
        "index_groups.csv",
        "group_paths.csv",
        "paths.csv",
        "report.html",
        "diagram.svg",
        "tables.md",
    } <= names
    paths = pd.read_csv(tmp_path / "paths.csv")
    assert paths.columns[0] == "group"
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["settings"]["group"] == "gender"
    assert run["bootstrap"]["permutations"] == N_RESAMPLES
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<section id="groups">' in report
    assert "Measurement Invariance of Composites" in report
    assert "One panel per group" in report
    tables_md = (tmp_path / "tables.md").read_text(encoding="utf-8")
    assert "Structural Model by Group" in tables_md
    assert "Multi-Group Analysis" in tables_md
