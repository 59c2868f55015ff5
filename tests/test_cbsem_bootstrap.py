"""CB-SEM bootstrap: every resample reaches the optimum of a full refit by the pipeline."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.cbsem.bootstrap import bootstrap_cbsem
from sem_csat.cbsem.legacy import to_estimate
from sem_csat.cbsem.pipeline import Options, fit_data
from sem_csat.cbsem.results import CBSEMResult
from sem_csat.errors import DataError
from sem_csat.inference.bootstrap import bootstrap_indices
from sem_csat.spec.builders import paths, reflective
from sem_csat.spec.model import ModelSpec

LAVAAN = Path(__file__).resolve().parent / "reference" / "lavaan"
#: Replicate estimates against full refits of the resampled rows (both converge to 1e-9).
TOL_REFIT = 1e-6

HS = ModelSpec(
    "HS",
    constructs=[
        reflective("visual", ["x1", "x2", "x3"]),
        reflective("textual", ["x4", "x5", "x6"]),
        reflective("speed", ["x7", "x8", "x9"]),
    ],
)
HS_SEM = dataclasses.replace(HS, paths=paths("visual", "textual") + paths("textual", "speed"))


@pytest.fixture(scope="module")
def hs_data() -> pd.DataFrame:
    return pd.read_csv(LAVAAN / "hs1939.csv")[[f"x{i}" for i in range(1, 10)]]


def _fit(spec: ModelSpec, data: pd.DataFrame, method: str) -> CBSEMResult:
    result = sem_csat.fit(spec, data, method=method)
    assert isinstance(result, CBSEMResult)
    return result


@pytest.mark.parametrize(
    ("spec", "method"), [(HS, "ml"), (HS_SEM, "ml"), (HS, "uls"), (HS_SEM, "uls")]
)
def test_replicates_match_full_refits(spec: ModelSpec, method: str, hs_data: pd.DataFrame) -> None:
    result = _fit(spec, hs_data, method)
    boot = bootstrap_cbsem(result, 10, data=hs_data, seed=11, progress=False, bca=False)
    assert boot.n_ok == 10
    rows = bootstrap_indices(11, len(hs_data), range(10))
    layout = boot.layout
    for b in range(10):
        refit = to_estimate(
            fit_data(spec, hs_data.iloc[rows[b]], Options(estimator=result.estimate.estimator))
        )
        assert refit.converged
        expected = refit.theta[layout.index]
        got = boot.replicates.replicates["params"][b]
        np.testing.assert_allclose(got, expected, rtol=0, atol=TOL_REFIT)
        table = refit.table.set_index(["lhs", "op", "rhs"])
        std = [table.loc[(r.lhs, r.op, r.rhs), "std_all"] for r in layout.rows.itertuples()]
        np.testing.assert_allclose(
            boot.replicates.replicates["std_all"][b], std, rtol=0, atol=TOL_REFIT
        )


def test_effects_and_paths_of_a_chain(hs_data: pd.DataFrame) -> None:
    result = _fit(HS_SEM, hs_data, "ml")
    boot = bootstrap_cbsem(result, 50, data=hs_data, seed=3, progress=False)
    eff = boot.effects.set_index(["from", "to", "effect"])
    ref = result.effects.set_index(["from", "to"])
    assert eff.loc[("visual", "speed", "indirect"), "estimate"] == pytest.approx(
        ref.loc[("visual", "speed"), "indirect"], abs=1e-8
    )
    assert eff.loc[("visual", "speed", "total"), "estimate"] == pytest.approx(
        ref.loc[("visual", "speed"), "total"], abs=1e-8
    )
    paths_ = boot.paths
    assert list(zip(paths_["from"], paths_["to"], strict=True)) == [
        ("visual", "textual"),
        ("textual", "speed"),
    ]
    np.testing.assert_allclose(paths_["estimate"], result.paths["std_estimate"], rtol=0, atol=1e-8)
    params = boot.params.set_index(["lhs", "op", "rhs"])
    table = result.params.set_index(["lhs", "op", "rhs"])
    np.testing.assert_allclose(
        params["estimate"], table.loc[params.index, "estimate"], rtol=0, atol=1e-8
    )
    assert np.isfinite(boot.params[["bca_lower", "bca_upper"]].to_numpy()).all()
    assert "CB-SEM bootstrap" in str(boot)


def test_same_seed_same_numbers_for_one_and_two_workers(hs_data: pd.DataFrame) -> None:
    result = _fit(HS, hs_data, "ml")
    one = bootstrap_cbsem(result, 40, data=hs_data, seed=5, progress=False, bca=False)
    two = bootstrap_cbsem(result, 40, data=hs_data, seed=5, n_jobs=2, progress=False, bca=False)
    for name in one.replicates.names:
        np.testing.assert_array_equal(
            one.replicates.replicates[name], two.replicates.replicates[name]
        )
    other = bootstrap_cbsem(
        result, 40, data=hs_data, seed=5, chunk_size=7, progress=False, bca=False
    )
    for name in one.replicates.names:  # another chunk size: the same up to rounding
        np.testing.assert_allclose(
            one.replicates.replicates[name], other.replicates.replicates[name], rtol=0, atol=1e-12
        )
    assert one.seed == two.seed == 5


def test_standard_errors_are_close_to_lavaan_information_ses(hs_data: pd.DataFrame) -> None:
    result = _fit(HS, hs_data, "ml")
    boot = bootstrap_cbsem(result, 300, data=hs_data, seed=1, progress=False, bca=False)
    se = result.params.set_index(["lhs", "op", "rhs"])["std_error"]
    ours = boot.params.set_index(["lhs", "op", "rhs"])["std_error"]
    ratio = ours / se.loc[ours.index]
    assert 0.6 < float(ratio.median()) < 1.6


def test_other_data_are_refused(hs_data: pd.DataFrame) -> None:
    result = _fit(HS, hs_data, "ml")
    with pytest.raises(DataError, match="not the data"):
        bootstrap_cbsem(result, 5, data=hs_data.iloc[:200], seed=1, progress=False)
