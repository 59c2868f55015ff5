"""CB-SEM bootstrap: every resample reaches the optimum of a full refit by the pipeline.

Improper resamples (a Heywood case in a resample of the HS CFA) are kept and reported with an
``InadmissibleSolutionWarning``, as lavaan's ``bootstrapLavaan`` keeps them; the tests that do
not look at them silence that warning.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.cbsem.bootstrap import CBSEMBootstrap, bootstrap_cbsem
from sem_csat.cbsem.pipeline import Options, fit_data
from sem_csat.cbsem.results import CBSEMResult
from sem_csat.errors import (
    DataError,
    DataWarning,
    DiscriminantValidityWarning,
    InadmissibleSolutionWarning,
)
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


def _boot(result: CBSEMResult, n_boot: int, **kwargs: object) -> CBSEMBootstrap:
    """bootstrap_cbsem without the improper-resample warning (tested on its own below)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InadmissibleSolutionWarning)
        return bootstrap_cbsem(result, n_boot, progress=False, **kwargs)  # type: ignore[arg-type]


def _fit(spec: ModelSpec, data: pd.DataFrame, method: str) -> CBSEMResult:
    with warnings.catch_warnings():
        # political democracy: N = 75 is small, dem60 and dem65 correlate .97 (as in lavaan)
        warnings.simplefilter("ignore", DataWarning)
        warnings.simplefilter("ignore", DiscriminantValidityWarning)
        result = sem_csat.fit(spec, data, method=method)
    assert isinstance(result, CBSEMResult)
    return result


@pytest.mark.parametrize(
    ("spec", "method"), [(HS, "ml"), (HS_SEM, "ml"), (HS, "uls"), (HS_SEM, "uls")]
)
def test_replicates_match_full_refits(spec: ModelSpec, method: str, hs_data: pd.DataFrame) -> None:
    result = _fit(spec, hs_data, method)
    boot = _boot(result, 10, data=hs_data, seed=11, bca=False)
    assert boot.n_ok == 10
    rows = bootstrap_indices(11, len(hs_data), range(10))
    layout = boot.layout
    for b in range(10):
        refit = fit_data(
            spec, hs_data.iloc[rows[b]], Options(estimator=result.estimate.options.estimator)
        )
        assert refit.converged
        expected = refit.optim.x[layout.x_index]
        got = boot.replicates.replicates["params"][b]
        np.testing.assert_allclose(got, expected, rtol=0, atol=TOL_REFIT)
        table = refit.params.set_index(["lhs", "op", "rhs"])
        std = [table.loc[(r.lhs, r.op, r.rhs), "std_all"] for r in layout.rows.itertuples()]
        np.testing.assert_allclose(
            boot.replicates.replicates["std_all"][b], std, rtol=0, atol=TOL_REFIT
        )


def test_effects_and_paths_of_a_chain(hs_data: pd.DataFrame) -> None:
    result = _fit(HS_SEM, hs_data, "ml")
    boot = _boot(result, 50, data=hs_data, seed=3)
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
    one = _boot(result, 40, seed=5, bca=False)
    two = _boot(result, 40, seed=5, n_jobs=2, bca=False)
    for name in one.replicates.names:
        np.testing.assert_array_equal(
            one.replicates.replicates[name], two.replicates.replicates[name]
        )
    other = _boot(result, 40, seed=5, chunk_size=7, bca=False)
    for name in one.replicates.names:  # another chunk size: the same to the tolerance
        np.testing.assert_allclose(
            one.replicates.replicates[name], other.replicates.replicates[name], rtol=0, atol=1e-8
        )
    assert one.seed == two.seed == 5


def test_standard_errors_are_close_to_lavaan_information_ses(hs_data: pd.DataFrame) -> None:
    result = _fit(HS, hs_data, "ml")
    boot = _boot(result, 300, seed=1, bca=False)
    se = result.params.set_index(["lhs", "op", "rhs"])["std_error"]
    ours = boot.params.set_index(["lhs", "op", "rhs"])["std_error"]
    ratio = ours / se.loc[ours.index]
    assert 0.6 < float(ratio.median()) < 1.6


def test_other_data_are_refused(hs_data: pd.DataFrame) -> None:
    result = _fit(HS, hs_data, "ml")
    with pytest.raises(DataError, match="not the data"):
        _boot(result, 5, data=hs_data.iloc[:200], seed=1)


FEATURES = {
    "defined": (
        "ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8\n"
        "dem60 ~ a*ind60\ndem65 ~ c*ind60 + b*dem60\ny1 ~~ y5\ny2 ~~ y4 + y6\ny3 ~~ y7\n"
        "y4 ~~ y8\ny6 ~~ y8\nind := a*b\ntot := c + a*b",
        "political_democracy.csv",
    ),
    "equality_2b": (
        "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
        "x2 ~~ a*x2\nx1 ~~ b*x1\na == 2*b",
        "hs1939.csv",
    ),
    "second_order": (
        "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
        "g =~ visual + textual + speed",
        "hs1939.csv",
    ),
    "means": (
        "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
        "x4 ~ 0*1\ntextual ~ 1\nx5 ~ t*1\nx6 ~ t*1",
        "hs1939.csv",
    ),
}


@pytest.mark.parametrize("case", list(FEATURES))
def test_replicates_of_every_spec_feature_match_full_refits(case: str) -> None:
    model, data_name = FEATURES[case]
    spec = ModelSpec.from_lavaan(model, name=case)
    data = pd.read_csv(LAVAAN / data_name)[list(spec.indicator_names)]
    result = _fit(spec, data, "ml")
    boot = _boot(result, 6, seed=4, bca=False)
    assert boot.n_ok == 6
    rows = bootstrap_indices(4, len(data), range(6))
    for b in range(6):
        refit = fit_data(spec, data.iloc[rows[b]])
        assert refit.converged
        got = boot.replicates.replicates["params"][b]
        np.testing.assert_allclose(got, refit.optim.x[boot.layout.x_index], atol=TOL_REFIT)
        if "defined" in boot.replicates.names:
            params = refit.params.set_index("lhs")
            expected = [params.loc[n, "estimate"] for n in boot.layout.defined.names]
            np.testing.assert_allclose(
                boot.replicates.replicates["defined"][b], expected, atol=TOL_REFIT
            )


def test_defined_parameters_get_bootstrap_intervals() -> None:
    model, data_name = FEATURES["defined"]
    spec = ModelSpec.from_lavaan(model, name="defined")
    data = pd.read_csv(LAVAAN / data_name)[list(spec.indicator_names)]
    result = _fit(spec, data, "ml")
    boot = _boot(result, 200, seed=9, bca=False)
    table = boot.defined.set_index("lhs")
    assert list(table.index) == ["ind", "tot"]
    assert table.loc["ind", "rhs"] == "a*b"
    params = result.params.set_index(["lhs", "op"])
    assert table.loc["ind", "estimate"] == pytest.approx(params.loc[("ind", ":="), "estimate"])
    # the bootstrap SE of a*b is of the size of the delta-method SE (lavaan: 0.355)
    assert 0.5 < table.loc["ind", "std_error"] / params.loc[("ind", ":="), "std_error"] < 2.0
    assert (table["ci_lower"] < table["estimate"]).all()
    assert (table["estimate"] < table["ci_upper"]).all()
    assert "Defined parameters" in str(boot)


def test_improper_resamples_are_kept_counted_and_reported(hs_data: pd.DataFrame) -> None:
    result = _fit(HS, hs_data, "ml")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        boot = bootstrap_cbsem(result, 40, seed=11, progress=False, bca=False)
    assert boot.n_ok == 40  # kept ...
    assert boot.improper > 0  # ... counted (Heywood cases: a negative residual variance)
    flagged = boot.replicates.replicates["params"][boot.improper_flags]
    variances = [k for k, r in enumerate(boot.layout.rows.itertuples()) if r.lhs == r.rhs]
    assert (flagged[:, variances].min(axis=1) < 0).all()
    codes = {d.code for d in boot.diagnostics}
    assert "bootstrap_improper_solutions" in codes
    assert any(issubclass(w.category, InadmissibleSolutionWarning) for w in caught)


@pytest.mark.parametrize("method", ["mlr", "gls"])
def test_mlr_and_gls_fits_are_bootstrapped(method: str, hs_data: pd.DataFrame) -> None:
    result = _fit(HS, hs_data, method)
    boot = _boot(result, 5, seed=2, bca=False)
    assert boot.n_ok == 5
    rows = bootstrap_indices(2, len(hs_data), range(5))
    estimator = "GLS" if method == "gls" else "ML"
    refit = fit_data(HS, hs_data.iloc[rows[0]], Options(estimator=estimator))
    np.testing.assert_allclose(
        boot.replicates.replicates["params"][0], refit.optim.x[boot.layout.x_index], atol=1e-6
    )
