"""The public PLS API (``sem_csat.fit`` and ``PLSResult``) against SmartPLS and ADANCO.

The engine itself is tested in ``test_pls_engine_parity.py``; these tests go through the whole
path a user takes (bundled spec and data, validation, estimation, result tables) and compare the
tables with the other programs' values.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from _reference import (
    ADANCO_MODE_B,
    ADANCO_PLSC,
    SMARTPLS,
    TOL_ADANCO,
    TOL_SMARTPLS,
    assert_quotes,
    needs_shared,
    read_adanco_matrix,
    read_adanco_r2,
    read_smartpls,
)

import sem_csat
from sem_csat.errors import (
    ConvergenceError,
    InadmissibleSolutionWarning,
    MissingDataWarning,
    SemCsatError,
    SemCsatWarning,
)
from sem_csat.pls.model import PLS
from sem_csat.pls.results import PARAM_COLUMNS, PLSResult
from sem_csat.spec.model import ModelSpec

SCHEME_DIRS = {"path": "pathWeighting", "centroid": "centroid", "factorial": "factorial"}


@pytest.fixture(scope="module")
def ecsi_spec() -> ModelSpec:
    return sem_csat.load_spec("ecsi")


@pytest.fixture(scope="module")
def ecsi_data() -> pd.DataFrame:
    return sem_csat.datasets.load("ecsi_mobile")


@needs_shared
@pytest.mark.parametrize("scheme", sorted(SCHEME_DIRS))
def test_ecsi_fit_matches_smartpls(
    scheme: str, ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame
) -> None:
    result = sem_csat.fit(ecsi_spec, ecsi_data, scheme=scheme)
    folder = SMARTPLS / SCHEME_DIRS[scheme]
    ref_paths = read_smartpls(folder / "pathCoefficients.txt")
    for row in result.paths.itertuples():
        expected = ref_paths.loc[row._1, row.to]
        assert row.estimate == pytest.approx(expected, abs=TOL_SMARTPLS)
        assert row.std_estimate == pytest.approx(expected, abs=TOL_SMARTPLS)
    ref_weights = read_smartpls(folder / "outerWeights.txt")
    ref_loadings = read_smartpls(folder / "crossLoadings.txt")
    for row in result.outer.itertuples():
        assert row.weight == pytest.approx(
            ref_weights.loc[row.indicator, row.construct], abs=TOL_SMARTPLS
        )
        assert row.loading == pytest.approx(
            ref_loadings.loc[row.indicator, row.construct], abs=TOL_SMARTPLS
        )
    cross = result.cross_loadings.loc[ref_loadings.index, ref_loadings.columns]
    np.testing.assert_allclose(cross.to_numpy(), ref_loadings.to_numpy(), atol=TOL_SMARTPLS)
    ref_total = read_smartpls(folder / "totalEffects.txt")
    total = result.total_effects.loc[ref_total.index, ref_total.columns]
    np.testing.assert_allclose(total.to_numpy(), ref_total.to_numpy(), atol=TOL_SMARTPLS)


@needs_shared
def test_ecsi_r2_from_smartpls_weights(ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame) -> None:
    """R² recomputed by ordinary least squares on scores built from SmartPLS's own weights."""
    result = sem_csat.fit(ecsi_spec, ecsi_data)
    weights = read_smartpls(SMARTPLS / "pathWeighting" / "outerWeights.txt")
    items = list(ecsi_spec.indicator_names)
    x = ecsi_data[items].to_numpy(float)
    z = (x - x.mean(0)) / x.std(0, ddof=1)
    scores = pd.DataFrame(
        z @ weights.loc[items, list(ecsi_spec.construct_names)].to_numpy(),
        columns=list(ecsi_spec.construct_names),
    )
    for target in ecsi_spec.endogenous:
        preds = list(ecsi_spec.predecessors(target))
        design = np.column_stack([np.ones(len(scores)), scores[preds].to_numpy()])
        y = scores[target].to_numpy()
        beta, *_ = np.linalg.lstsq(design, y, rcond=None)
        resid = y - design @ beta
        r2 = 1 - resid @ resid / ((y - y.mean()) @ (y - y.mean()))
        assert result.r2.loc[target, "r2"] == pytest.approx(r2, abs=TOL_SMARTPLS)


@needs_shared
def test_bank_mode_b_fit_matches_adanco() -> None:
    spec = sem_csat.load_spec("ecsi_bank")
    formative = dataclasses.replace(
        spec, constructs=[dataclasses.replace(c, mode="formative") for c in spec.constructs]
    )
    result = sem_csat.fit(formative, "bank_satisfaction", scheme="centroid")
    ref = read_adanco_r2(ADANCO_MODE_B)
    for name in ref.index:
        assert result.r2.loc[name, "r2"] == pytest.approx(ref.loc[name, "r2"], abs=TOL_ADANCO)
        assert result.r2.loc[name, "r2_adj"] == pytest.approx(
            ref.loc[name, "r2_adj"], abs=TOL_ADANCO
        )
    paths = read_adanco_matrix(ADANCO_MODE_B, "Path_Coefficients")
    for row in result.paths.itertuples():
        assert row.estimate == pytest.approx(paths.loc[row._1, row.to], abs=TOL_ADANCO)
    weights = read_adanco_matrix(ADANCO_MODE_B, "Weights")
    for row in result.outer.itertuples():
        assert row.weight == pytest.approx(
            weights.loc[row.indicator, row.construct], abs=TOL_ADANCO
        )


def test_params_table_has_the_lavaan_shape(ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame) -> None:
    result = sem_csat.fit(ecsi_spec, ecsi_data)
    params = result.params
    assert tuple(params.columns) == PARAM_COLUMNS
    counts = params["op"].value_counts()
    assert counts["=~"] == counts["<~"] == 24
    assert counts["~"] == 12
    assert counts["~~"] == 7 * 6 // 2
    assert counts["r2"] == 6
    reg = params[params["op"] == "~"].set_index(["rhs", "lhs"])["estimate"]
    for row in result.paths.itertuples():
        assert reg[(row._1, row.to)] == row.estimate
    assert params["std_error"].isna().all()  # no inference without a bootstrap


def test_result_is_immutable_and_a_refit_leaves_it_alone(
    ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame
) -> None:
    first = sem_csat.fit(ecsi_spec, ecsi_data)
    before = first.paths.copy()
    sem_csat.fit(ecsi_spec, ecsi_data, scheme="centroid")
    pd.testing.assert_frame_equal(first.paths, before)
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.spec = ecsi_spec  # type: ignore[misc]
    assert first.settings.scheme == "path"


def test_display(ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame) -> None:
    result = sem_csat.fit(ecsi_spec, ecsi_data)
    assert "\n" not in repr(result)
    text = str(result)
    assert "Satisfaction" in text
    assert "250 of 250" in text
    html = result._repr_html_()
    assert html.startswith("<div")
    assert "<details" in html


def test_scores_have_unit_variance(ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame) -> None:
    result = sem_csat.fit(ecsi_spec, ecsi_data)
    np.testing.assert_allclose(result.scores.std(ddof=1).to_numpy(), 1.0, atol=1e-10)
    np.testing.assert_allclose(
        result.scores.corr().to_numpy(), result.construct_correlations.to_numpy(), atol=1e-10
    )


def test_non_convergence_is_an_error(ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame) -> None:
    with pytest.raises(ConvergenceError, match="did not converge within 1 iterations"):
        PLS(max_iter=1).fit(ecsi_spec, ecsi_data)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"scheme": "pathh"}, "scheme"),
        ({"tol": 0}, "tol"),
        ({"max_iter": 0}, "max_iter"),
    ],
)
def test_bad_settings_are_errors(
    kwargs: dict[str, object], needle: str, ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame
) -> None:
    with pytest.raises(SemCsatError, match=needle):
        PLS(**kwargs).fit(ecsi_spec, ecsi_data)  # type: ignore[arg-type]


def test_unknown_method_and_option(ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame) -> None:
    with pytest.raises(SemCsatError, match="did you mean 'pls'"):
        sem_csat.fit(ecsi_spec, ecsi_data, method="plss")
    with pytest.raises(SemCsatError, match="scheem"):
        sem_csat.fit(ecsi_spec, ecsi_data, scheem="path")


def test_missing_answers_listwise_and_mean(ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame) -> None:
    data = ecsi_data.copy()
    data.loc[[0, 5, 9], "PERQ3"] = np.nan
    original = data.copy()
    with pytest.warns(MissingDataWarning):
        listwise = sem_csat.fit(ecsi_spec, data)
    assert listwise.n_obs == 247
    with pytest.warns(MissingDataWarning):
        mean = sem_csat.fit(ecsi_spec, data, missing="mean")
    assert mean.n_obs == 250
    pd.testing.assert_frame_equal(data, original)
    # mean replacement by hand gives the same model
    filled = data.fillna({"PERQ3": data["PERQ3"].mean()})
    by_hand = sem_csat.fit(ecsi_spec, filled)
    pd.testing.assert_frame_equal(mean.paths, by_hand.paths)


def test_reverse_coded_items_are_recoded_from_the_scale(
    ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame
) -> None:
    flipped = ecsi_data.copy()
    flipped["CUSL2"] = 11 - flipped["CUSL2"]
    loyalty = ecsi_spec.construct("Loyalty")
    spec = dataclasses.replace(
        ecsi_spec,
        constructs=[
            dataclasses.replace(c, reverse=("CUSL2",)) if c is loyalty else c
            for c in ecsi_spec.constructs
        ],
    )
    a = sem_csat.fit(ecsi_spec, ecsi_data)
    b = sem_csat.fit(spec, flipped)
    np.testing.assert_allclose(a.paths["estimate"], b.paths["estimate"], atol=1e-12)


def test_import_is_light() -> None:
    code = (
        "import sys, sem_csat; "
        "heavy = [m for m in ('semopy', 'matplotlib') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_result_type(ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame) -> None:
    assert isinstance(sem_csat.fit(ecsi_spec, ecsi_data), PLSResult)


@needs_shared
def test_plsc_fit_matches_adanco_common_factor_model() -> None:
    with pytest.warns(InadmissibleSolutionWarning) as record:
        result = sem_csat.fit("ecsi_bank", "bank_satisfaction", method="plsc", scheme="centroid")
    assert result.method == "plsc"
    # ADANCO's "extreme, but correct" paths around VAL are explained, not hidden
    codes = {d.code for d in result.diagnostics}
    assert {"standardized_path_above_one", "construct_correlation_near_one"} <= codes
    above = next(str(w.message) for w in record if "QUAL -> VAL (" in str(w.message))
    path = result.path_matrix.loc["QUAL", "VAL"]
    assert path == pytest.approx(2.56, abs=0.001)  # ADANCO: 2.560
    assert_quotes(above, "QUAL -> VAL (", path)
    paths = read_adanco_matrix(ADANCO_PLSC, "Path_Coefficients")
    for row in result.paths.itertuples():
        assert row.estimate == pytest.approx(paths.loc[row._1, row.to], abs=TOL_ADANCO)
    ref = read_adanco_r2(ADANCO_PLSC)
    for name in ref.index:
        assert result.r2.loc[name, "r2"] == pytest.approx(ref.loc[name, "r2"], abs=TOL_ADANCO)
    assert result.rho_a is not None
    assert result.rho_a.between(0, 1).all()
    assert "consistent PLS" in str(result)


def test_quality_is_available_on_the_result_and_without_a_fit(
    ecsi_spec: ModelSpec, ecsi_data: pd.DataFrame
) -> None:
    result = sem_csat.fit(ecsi_spec, ecsi_data)
    with pytest.warns(SemCsatWarning):
        report = result.quality
    rel = report.tables["reliability"].set_index("construct")
    assert rel.loc["Satisfaction", "rho_c"] > 0.7
    with pytest.warns(SemCsatWarning):
        data_only = sem_csat.quality(ecsi_spec, ecsi_data)
    alpha = data_only.tables["reliability"].set_index("construct")["alpha_std"]
    assert alpha["Satisfaction"] == pytest.approx(rel.loc["Satisfaction", "alpha_std"])
