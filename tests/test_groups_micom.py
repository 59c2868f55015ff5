"""MICOM (Henseler, Ringle & Sarstedt 2016) on the bank survey by gender.

Checked against a direct computation, written here with pandas and numpy from the paper's
definitions and the outer weights of ordinary fits (``PLS().fit`` on each group's rows):

- step 2: ``c`` is the correlation of the composites built with each group's weights on the
  pooled standardized data;
- step 3: the difference of the groups' means and log variances of the pooled model's scores;
- every permutation: refitting both permuted groups from scratch gives the same statistics.

Tolerances: ``TOL_DIRECT = 1e-10`` (the same numbers computed along another path: correlation
matrix from moments vs. from the data), exact equality for reproducibility across workers,
chunk sizes and joblib backends.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.errors import BootstrapFailureWarning, InadmissibleSolutionWarning
from sem_csat.groups import (
    GroupFits,
    GroupPermutations,
    fit_groups,
    micom,
    permute_groups,
)
from sem_csat.groups.permutation import seed_streams
from sem_csat.pls.model import PLS
from sem_csat.spec import ModelSpec

TOL_DIRECT = 1e-10
N_PERM = 300
SEED = 7


@pytest.fixture(scope="module")
def spec() -> ModelSpec:
    return sem_csat.load_spec("ecsi_bank")


@pytest.fixture(scope="module")
def bank() -> pd.DataFrame:
    return sem_csat.datasets.load("bank_satisfaction")


@pytest.fixture(scope="module")
def fits(spec: ModelSpec, bank: pd.DataFrame) -> GroupFits:
    return fit_groups(spec, bank, "gender")


@pytest.fixture(scope="module")
def perms(fits: GroupFits) -> GroupPermutations:
    return permute_groups(fits, N_PERM, seed=seed_streams(SEED)[0], progress=False)


def _weights(spec: ModelSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """Outer weights (items x constructs) of an ordinary fit of ``frame``."""
    outer = PLS().fit(spec, frame).outer
    w = pd.DataFrame(0.0, index=list(spec.indicator_names), columns=list(spec.construct_names))
    for row in outer.itertuples():
        w.loc[row.indicator, row.construct] = row.weight
    return w


def _standardized(frame: pd.DataFrame) -> pd.DataFrame:
    return (frame - frame.mean()) / frame.std(ddof=1)


def test_step2_c_matches_a_direct_computation(
    spec: ModelSpec, bank: pd.DataFrame, fits: GroupFits, perms: GroupPermutations
) -> None:
    items = bank[list(spec.indicator_names)].astype(float)
    z = _standardized(items)
    w_f = _weights(spec, items[bank["gender"] == "female"])
    w_m = _weights(spec, items[bank["gender"] == "male"])
    result = micom(fits, permutations=perms)
    step2 = result.table[result.table["step"] == "compositional"].set_index("construct")
    for name in spec.construct_names:
        c = np.corrcoef(z @ w_f[name], z @ w_m[name])[0, 1]
        assert step2.loc[name, "statistic"] == pytest.approx(c, abs=TOL_DIRECT)


def test_step3_means_and_log_variances_match_a_direct_computation(
    spec: ModelSpec, bank: pd.DataFrame, fits: GroupFits, perms: GroupPermutations
) -> None:
    items = bank[list(spec.indicator_names)].astype(float)
    scores = _standardized(items) @ _weights(spec, items)
    female = (bank["gender"] == "female").to_numpy()
    result = micom(fits, permutations=perms).table.set_index(["step", "construct"])
    for name in spec.construct_names:
        a, b = scores.loc[female, name], scores.loc[~female, name]
        mean = a.mean() - b.mean()
        logvar = np.log(a.var(ddof=1)) - np.log(b.var(ddof=1))
        assert result.loc[("mean", name), "statistic"] == pytest.approx(mean, abs=TOL_DIRECT)
        assert result.loc[("variance", name), "statistic"] == pytest.approx(logvar, abs=TOL_DIRECT)


def test_every_permutation_is_a_refit_of_the_permuted_groups(
    spec: ModelSpec, fits: GroupFits, perms: GroupPermutations
) -> None:
    pair = perms.pairs[0]
    pooled = fits.data.pooled.frame
    z = _standardized(pooled)
    scores = z @ _weights(spec, pooled)
    for u in (0, 1, 137, N_PERM - 1):
        rows_a, rows_b = pair.split(u)
        frame_a, frame_b = pooled.iloc[rows_a], pooled.iloc[rows_b]
        fit_a, fit_b = PLS().fit(spec, frame_a), PLS().fit(spec, frame_b)
        diff = fit_a.paths["estimate"].to_numpy() - fit_b.paths["estimate"].to_numpy()
        # the permutation's paths come in the layout's (row-major) order; match by name
        layout = [(p.source, p.target) for p in spec.paths]
        order = sorted(
            range(len(layout)),
            key=lambda k: (
                spec.construct_names.index(layout[k][0]),
                spec.construct_names.index(layout[k][1]),
            ),
        )
        np.testing.assert_allclose(pair.replicates["paths"][u], diff[order], atol=TOL_DIRECT)
        w_a, w_b = _weights(spec, frame_a), _weights(spec, frame_b)
        for j, name in enumerate(spec.construct_names):
            c = np.corrcoef(z @ w_a[name], z @ w_b[name])[0, 1]
            assert pair.replicates["compositional"][u, j] == pytest.approx(c, abs=TOL_DIRECT)
            s_a, s_b = scores[name].iloc[rows_a], scores[name].iloc[rows_b]
            assert pair.replicates["mean"][u, j] == pytest.approx(
                s_a.mean() - s_b.mean(), abs=TOL_DIRECT
            )
            assert pair.replicates["log_variance"][u, j] == pytest.approx(
                np.log(s_a.var(ddof=1) / s_b.var(ddof=1)), abs=TOL_DIRECT
            )


def test_p_values_and_quantiles_follow_the_stated_formulas(
    fits: GroupFits, perms: GroupPermutations
) -> None:
    result = micom(fits, permutations=perms, alpha=0.05)
    pair = perms.pairs[0]
    table = result.table.set_index(["step", "construct"])
    for j, name in enumerate(fits.spec.construct_names):
        c_obs = pair.observed["compositional"][j]
        c_u = pair.samples("compositional")[:, j]
        row = table.loc[("compositional", name)]
        assert row["p_value"] == pytest.approx((1 + np.sum(c_u <= c_obs)) / (1 + c_u.size))
        assert row["ci_lower"] == pytest.approx(np.quantile(c_u, 0.05))
        assert row["ci_upper"] == 1.0
        assert row["invariant"] == (row["p_value"] > 0.05)
        for step, stat in (("mean", "mean"), ("variance", "log_variance")):
            obs, u = pair.observed[stat][j], pair.samples(stat)[:, j]
            row = table.loc[(step, name)]
            assert row["p_value"] == pytest.approx(
                (1 + np.sum(np.abs(u) >= abs(obs))) / (1 + u.size)
            )
            assert row["ci_lower"] == pytest.approx(np.quantile(u, 0.025))
            assert row["ci_upper"] == pytest.approx(np.quantile(u, 0.975))
    configural = result.table[result.table["step"] == "configural"]
    assert configural["invariant"].all()
    assert configural["statistic"].isna().all()


def test_micom_csv_has_exactly_the_issue_columns(fits: GroupFits, perms: GroupPermutations) -> None:
    result = micom(fits, permutations=perms)
    assert list(result.table.columns) == [
        "construct", "step", "statistic", "ci_lower", "ci_upper", "p_value", "invariant",
    ]  # fmt: skip
    assert list(result.table["step"].unique()) == [
        "configural", "compositional", "mean", "variance",
    ]  # fmt: skip
    assert len(result.table) == 4 * len(fits.spec.construct_names)
    verdicts = result.verdicts
    assert set(verdicts["invariance"]) <= {"full", "partial", "none"}
    step2 = result.compositional("female", "male").set_index("construct")["invariant"]
    for row in verdicts.itertuples():
        assert (row.invariance == "none") == (not step2[row.construct])


def test_the_same_seed_gives_the_same_numbers_for_any_workers(
    fits: GroupFits, perms: GroupPermutations
) -> None:
    seed = seed_streams(SEED)[0]
    two = permute_groups(fits, N_PERM, seed=seed, n_jobs=2, chunk_size=70, progress=False)
    small = permute_groups(fits, N_PERM, seed=seed, chunk_size=1, progress=False)
    for other in (two, small):
        for name, arr in perms.pairs[0].replicates.items():
            np.testing.assert_array_equal(arr, other.pairs[0].replicates[name], err_msg=name)
    assert micom(fits, N_PERM, seed=SEED, progress=False).table.equals(
        micom(fits, permutations=perms).table
    )
    assert perms.seed == SEED


def test_a_dask_cluster_gives_the_serial_numbers(fits: GroupFits, perms: GroupPermutations) -> None:
    # Worker processes, as on a real cluster: OpenBLAS keeps one thread setting per process,
    # and tasks that run concurrently in threads of one process can be served by other code
    # paths that round the last bits differently (seen with processes=False).
    distributed = pytest.importorskip("dask.distributed")
    import joblib

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        joblib.parallel_backend("dask"),
    ):
        backend, _ = joblib.parallel.get_active_backend()
        assert type(backend).__name__ == "DaskDistributedBackend"
        run = permute_groups(
            fits, N_PERM, seed=seed_streams(SEED)[0], n_jobs=None, chunk_size=64, progress=False
        )
    for name, arr in perms.pairs[0].replicates.items():
        np.testing.assert_array_equal(arr, run.pairs[0].replicates[name], err_msg=name)


def test_a_random_split_is_compositionally_invariant(spec: ModelSpec, bank: pd.DataFrame) -> None:
    rng = np.random.default_rng(2024)
    data = bank.assign(half=rng.permutation(np.repeat(["a", "b"], len(bank) // 2)))
    result = micom(fit_groups(spec, data, "half"), 500, seed=3, progress=False)
    step2 = result.table[result.table["step"] == "compositional"]
    assert step2["invariant"].all()
    assert (step2["statistic"] > 0.99).all()


def test_three_groups_compare_every_pair(spec: ModelSpec, bank: pd.DataFrame) -> None:
    data = bank.assign(region=np.tile(["north", "south", "east"], len(bank) // 3 + 1)[: len(bank)])
    fits3 = fit_groups(spec, data, "region")
    result = micom(fits3, 100, seed=1, progress=False)
    assert fits3.pairs == (("east", "north"), ("east", "south"), ("north", "south"))
    assert list(result.table.columns[:3]) == ["construct", "group_a", "group_b"]
    assert len(result.table) == 3 * 4 * len(spec.construct_names)
    assert {p.n_a + p.n_b for p in result.permutations.pairs} == {166, 167}
    # each pair is analysed on its own pooled data
    pair = result.permutations.pair("east", "north")
    assert pair.n_a == fits3.data.sizes["east"]
    assert "group_a" in result.summary().as_text()


def test_plsc_uses_the_pls_weights(spec: ModelSpec, bank: pd.DataFrame) -> None:
    # PLSc's corrections are inadmissible in both groups of this survey (a path beyond 1 among
    # the women, a correlation above 1 among the men): warnings that name the group, and
    # permutations whose corrected solution is inadmissible are left out
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plsc = fit_groups(spec, bank, "gender", method="plsc")
        a = micom(plsc, 50, seed=4, progress=False)
    messages = [str(w.message) for w in caught]
    assert any(m.startswith("In group 'female': Standardized path") for m in messages)
    assert any(m.startswith("In group 'male': After the correction") for m in messages)
    assert {w.category for w in caught} <= {InadmissibleSolutionWarning, BootstrapFailureWarning}
    b = micom(fit_groups(spec, bank, "gender"), 50, seed=4, progress=False)
    step2 = a.table["step"] == "compositional"
    np.testing.assert_allclose(
        a.table.loc[step2, "statistic"], b.table.loc[step2, "statistic"], atol=1e-12
    )


def test_summary_repr_and_html(fits: GroupFits, perms: GroupPermutations) -> None:
    result = micom(fits, permutations=perms)
    text = str(result)
    assert "Step 1: configural invariance" in text
    assert "Step 2: compositional invariance" in text
    assert "every group's estimation converged" in text
    assert f"{N_PERM} per pair" in text
    assert "\n" not in repr(result)
    assert "<details" in result._repr_html_()
    assert "MICOM" in result.summary().as_markdown()
