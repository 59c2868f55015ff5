"""Bootstrap inference through the public API: ``PLSResult.bootstrap``.

The bootstrap machinery itself (seeding, batching, intervals, failures) is tested in
``test_bootstrap.py``; these tests check that a bootstrapped result carries the inference into
every table, that PLSc resamples are handled, and that the original result is left alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.errors import (
    BootstrapFailureWarning,
    InadmissibleSolutionWarning,
    SemCsatWarning,
    UsageError,
)
from sem_csat.pls.results import PLSResult

MEDIATION_TYPES = {"complementary", "competitive", "indirect-only", "direct-only", "no-effect"}


@pytest.fixture(scope="module")
def ecsi() -> PLSResult:
    return sem_csat.fit("ecsi", "ecsi_mobile")


@pytest.fixture(scope="module")
def boot(ecsi: PLSResult) -> PLSResult:
    with pytest.warns(SemCsatWarning):  # Loyalty's index and EPSI precision flags
        return ecsi.bootstrap(400, seed=7, progress=False)


def test_bootstrap_returns_a_new_result(ecsi: PLSResult, boot: PLSResult) -> None:
    assert ecsi.boot is None
    assert boot.boot is not None
    inference = ["std_error", "t_value", "p_value", "ci_lower", "ci_upper"]
    assert list(ecsi.paths.columns) == [
        "from",
        "to",
        "label",
        "estimate",
        "std_estimate",
        *inference,
    ]
    assert ecsi.paths[inference].isna().all().all()  # no bootstrap yet: the columns are empty
    pd.testing.assert_series_equal(ecsi.paths["estimate"], boot.paths["estimate"])
    assert boot.boot.n_boot == 400
    assert boot.boot.seed == 7


def test_paths_carry_standard_errors_and_intervals(boot: PLSResult) -> None:
    paths = boot.paths
    for col in ("std_error", "t_value", "p_value", "ci_lower", "ci_upper"):
        assert paths[col].notna().all(), col
    assert (paths["std_error"] > 0).all()
    assert paths["p_value"].between(0, 1).all()
    assert (paths["ci_lower"] <= paths["estimate"]).all()
    assert (paths["estimate"] <= paths["ci_upper"]).all()
    np.testing.assert_allclose(paths["t_value"], paths["estimate"] / paths["std_error"])


def test_bca_intervals_on_request(ecsi: PLSResult, boot: PLSResult) -> None:
    with pytest.warns(SemCsatWarning):
        bca = ecsi.bootstrap(400, seed=7, ci="bca", progress=False)
    assert bca.ci == "bca"
    np.testing.assert_allclose(bca.paths["ci_lower"], bca.boot.paths["bca_lower"])
    np.testing.assert_allclose(bca.paths["std_error"], boot.paths["std_error"])
    with pytest.raises(UsageError, match="ci must be"):
        ecsi.bootstrap(10, ci="normal")  # type: ignore[arg-type]


def test_parameter_table_is_filled(boot: PLSResult) -> None:
    params = boot.params
    inferred = params["op"].isin(["=~", "<~", "~", "r2"])
    assert params.loc[inferred, "std_error"].notna().all()
    assert params.loc[~inferred, "std_error"].isna().all()  # construct correlations
    reg = params[params["op"] == "~"].set_index(["rhs", "lhs"])
    paths = boot.paths.set_index(["from", "to"])
    for key in paths.index:
        assert reg.loc[key, "std_error"] == paths.loc[key, "std_error"]
        assert reg.loc[key, "t_value"] == paths.loc[key, "t_value"]


def test_specific_indirect_effects_add_up(boot: PLSResult) -> None:
    chains = boot.specific_indirect_effects
    assert {"chain", "estimate", "std_error", "ci_lower", "ci_upper"} <= set(chains.columns)
    summed = chains.groupby(["from", "to"])["estimate"].sum()
    effects = boot.effects.set_index(["from", "to"])
    for key, value in summed.items():
        assert value == pytest.approx(effects.loc[key, "indirect"], abs=1e-12)


def test_mediation_table(ecsi: PLSResult, boot: PLSResult) -> None:
    med = boot.mediation
    assert set(med["type"]) <= MEDIATION_TYPES
    both = med[(med["direct"] != 0) & (np.sign(med["direct"]) == np.sign(med["indirect"]))]
    np.testing.assert_allclose(both["vaf"], both["indirect"] / both["total"])
    row = med.set_index(["from", "to"]).loc[("Image", "Quality")]
    assert row["type"] == "indirect-only"  # no direct path, significant indirect effect
    with pytest.raises(UsageError, match="bootstrap"):
        _ = ecsi.mediation


def test_index_intervals(boot: PLSResult) -> None:
    index = boot.index
    assert (index["ci_lower"] <= index["index"]).all()
    assert (index["index"] <= index["ci_upper"]).all()
    codes = {d.code for d in boot.diagnostics}
    assert "index_imprecise" in codes  # some intervals are wider than EPSI's 4 points


def test_same_numbers_for_any_number_of_jobs(ecsi: PLSResult, boot: PLSResult) -> None:
    with pytest.warns(SemCsatWarning):
        two = ecsi.bootstrap(400, seed=7, n_jobs=2, progress=False)
    pd.testing.assert_frame_equal(two.paths, boot.paths)
    pd.testing.assert_frame_equal(two.index, boot.index)


def test_plsc_bootstrap_counts_inadmissible_resamples() -> None:
    with pytest.warns(InadmissibleSolutionWarning):
        plsc = sem_csat.fit("ecsi_bank", "bank_satisfaction", method="plsc", scheme="centroid")
    with pytest.warns(SemCsatWarning) as record:
        boot = plsc.bootstrap(200, seed=3, progress=False)
    assert boot.boot is not None
    failures = boot.boot.failures
    assert boot.boot.n_ok + sum(failures.values()) == 200
    inadmissible = sum(v for k, v in failures.items() if "inadmissible" in k)
    assert inadmissible > 0  # EXPE and QUAL correlate .98 after the correction
    assert any(isinstance(w.message, BootstrapFailureWarning) for w in record)
    assert any("inadmissible" in d.message for d in boot.diagnostics)
    assert boot.paths["std_error"].notna().all()
