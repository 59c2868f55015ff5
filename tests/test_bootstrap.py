"""The bootstrap: reproducibility, batched versus one-by-one fits, intervals, failures.

Tolerances (absolute), stated once:

- ``TOL_LOOP = 1e-10``: batched replicate statistics against a plain loop of ``PLS().fit`` on
  the resampled rows (the same numbers up to rounding of the correlation matrix);
- ``TOL_SEMINR = 1e-6``: seminr's Python port with the same resamples; its own stopping rule
  leaves differences around 1e-8;
- ``TOL_SCIPY = 1e-12``: ``scipy.stats.bootstrap`` (BCa) with the same resamples.

Reproducibility is checked exactly: the same seed gives bit-identical replicates for any
chunking, number of workers and joblib backend.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.errors import BootstrapFailureWarning, EstimationError, UsageError
from sem_csat.inference.bootstrap import (
    CONSTANT_ITEM,
    BootstrapReplicates,
    Moments,
    ReplicateOutput,
    bca_interval,
    bootstrap_indices,
    jackknife_acceleration,
    leave_one_out_moments,
    moments_from_counts,
    percentile_interval,
    run_bootstrap,
    summarize,
)
from sem_csat.pls import engine
from sem_csat.pls.bootstrap import (
    PLSBootstrap,
    PLSLayout,
    _flip,
    bootstrap_pls,
    construct_signs,
    pls_replicate_fn,
)
from sem_csat.pls.model import PLS
from sem_csat.pls.results import PLSResult
from sem_csat.spec.builders import multi_items, paths, reflective
from sem_csat.spec.model import ModelSpec

TOL_LOOP = 1e-10
TOL_SEMINR = 1e-6
TOL_SCIPY = 1e-12

SEED = 2024
N_BOOT = 300


@pytest.fixture(scope="module")
def ecsi_fit() -> PLSResult:
    return PLS().fit(sem_csat.load_spec("ecsi"), sem_csat.datasets.load("ecsi_mobile"))


@pytest.fixture(scope="module")
def ecsi_boot(ecsi_fit: PLSResult) -> PLSBootstrap:
    return bootstrap_pls(ecsi_fit, N_BOOT, seed=SEED, progress=False)


def assert_identical(a: BootstrapReplicates, b: BootstrapReplicates) -> None:
    """Bit-identical replicates, jackknife values and failure reasons."""
    assert a.names == b.names
    assert (a.failure == b.failure).all()
    for name in a.names:
        np.testing.assert_array_equal(a.replicates[name], b.replicates[name], err_msg=name)
        assert a.jackknife is not None
        assert b.jackknife is not None
        np.testing.assert_array_equal(a.jackknife[name], b.jackknife[name], err_msg=name)


# ------------------------------------------------------------------ reproducibility


def test_same_numbers_for_any_chunking_and_workers(
    ecsi_fit: PLSResult, ecsi_boot: PLSBootstrap
) -> None:
    small_chunks = bootstrap_pls(ecsi_fit, N_BOOT, seed=SEED, chunk_size=37, progress=False)
    two_workers = bootstrap_pls(
        ecsi_fit, N_BOOT, seed=SEED, n_jobs=2, chunk_size=90, progress=False
    )
    assert_identical(ecsi_boot.replicates, small_chunks.replicates)
    assert_identical(ecsi_boot.replicates, two_workers.replicates)
    pd.testing.assert_frame_equal(ecsi_boot.paths, two_workers.paths)


def test_dask_cluster_gives_the_serial_numbers(
    ecsi_fit: PLSResult, ecsi_boot: PLSBootstrap
) -> None:
    distributed = pytest.importorskip("dask.distributed")
    import joblib

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        joblib.parallel_backend("dask"),
    ):
        backend, _ = joblib.parallel.get_active_backend()
        assert type(backend).__name__ == "DaskDistributedBackend"
        boot = bootstrap_pls(
            ecsi_fit, N_BOOT, seed=SEED, n_jobs=None, chunk_size=64, progress=False
        )
    assert_identical(ecsi_boot.replicates, boot.replicates)


def test_a_run_without_seed_records_one_that_repeats_it() -> None:
    x = np.random.default_rng(0).normal(size=(30, 3))
    first = run_bootstrap(_mean_and_corr, x, 50, progress=False)
    assert isinstance(first.seed, int)
    again = run_bootstrap(_mean_and_corr, x, 50, seed=first.seed, progress=False)
    assert_identical(first, again)


def test_indices_come_from_one_spawned_generator_per_replicate() -> None:
    children = np.random.SeedSequence(17).spawn(6)
    expected = [np.random.default_rng(c).integers(0, 40, 40) for c in children]
    np.testing.assert_array_equal(bootstrap_indices(17, 40, range(6)), expected)
    np.testing.assert_array_equal(bootstrap_indices(17, 40, [4]), [expected[4]])


# ------------------------------------------------------------------ correctness


def test_moments_equal_those_of_the_resampled_data() -> None:
    x = np.random.default_rng(1).normal(size=(40, 5)) @ np.triu(np.ones((5, 5)))
    rows = bootstrap_indices(3, 40, range(10))
    counts = np.stack([np.bincount(r, minlength=40) for r in rows])
    m = moments_from_counts(x, counts)
    for b, r in enumerate(rows):
        np.testing.assert_allclose(m.corr[b], np.corrcoef(x[r].T), atol=1e-13)
        np.testing.assert_allclose(m.mean[b], x[r].mean(axis=0), atol=1e-13)
        np.testing.assert_allclose(m.sd[b], x[r].std(axis=0, ddof=1), atol=1e-13)
        np.testing.assert_allclose(m.cov[b], np.cov(x[r].T), atol=1e-12)
    loo = leave_one_out_moments(x, [0, 17, 39])
    for k, i in enumerate([0, 17, 39]):
        np.testing.assert_allclose(loo.corr[k], np.corrcoef(np.delete(x, i, 0).T), atol=1e-13)
        assert loo.n_obs[k] == 39


def test_batched_statistics_equal_a_loop_of_single_fits(ecsi_fit: PLSResult) -> None:
    n_boot = 20
    boot = bootstrap_pls(ecsi_fit, n_boot, seed=99, progress=False)
    rep = boot.replicates
    lay = PLSLayout.from_structure(ecsi_fit.estimate.structure)
    names, items = ecsi_fit.constructs, ecsi_fit.indicators
    frame = ecsi_fit.data.frame
    worst = 0.0
    for b, rows in enumerate(bootstrap_indices(99, ecsi_fit.n_obs, range(n_boot))):
        resample = frame.iloc[rows].reset_index(drop=True)
        fit = PLS().fit(ecsi_fit.spec, resample)
        outer = fit.outer.set_index(["construct", "indicator"])
        keys = [(names[j], items[k]) for k, j in zip(*lay.outer, strict=True)]
        direct = fit.path_matrix.to_numpy()
        total = fit.total_effects.to_numpy()
        expected = {
            "weights": outer.loc[keys, "weight"].to_numpy(),
            "loadings": outer.loc[keys, "loading"].to_numpy(),
            "paths": direct[lay.paths],
            "r2": fit.r2.loc[[names[j] for j in lay.endogenous], "r2"].to_numpy(),
            "total_effects": total[lay.total],
            "indirect_effects": (total - direct)[lay.indirect],
            "item_mean": resample.mean().to_numpy(),
            "item_sd": resample.std().to_numpy(),
        }
        for name, values in expected.items():
            diff = np.abs(rep.replicates[name][b] - values).max()
            worst = max(worst, float(diff))
    assert worst < TOL_LOOP


def test_original_estimates_are_those_of_the_fit(
    ecsi_fit: PLSResult, ecsi_boot: PLSBootstrap
) -> None:
    merged = ecsi_boot.paths.merge(ecsi_fit.paths, on=["from", "to"], suffixes=("", "_fit"))
    assert len(merged) == len(ecsi_fit.paths)
    np.testing.assert_allclose(merged["estimate"], merged["estimate_fit"], atol=1e-12)
    outer = ecsi_fit.outer
    np.testing.assert_allclose(ecsi_boot.loadings["estimate"], outer["loading"], atol=1e-12)
    np.testing.assert_allclose(ecsi_boot.weights["estimate"], outer["weight"], atol=1e-12)
    r2 = ecsi_fit.r2.loc[ecsi_boot.r2["construct"], "r2"]
    np.testing.assert_allclose(ecsi_boot.r2["estimate"], r2, atol=1e-12)


def test_ecsi_bootstrap_matches_seminr_with_the_same_resamples(ecsi_fit: PLSResult) -> None:
    sm = pytest.importorskip("seminr")
    from seminr.bootstrap import boot_percentile_cis

    n_boot = 30
    boot = bootstrap_pls(ecsi_fit, n_boot, seed=11, progress=False)
    blocks = {c.name: list(c.indicator_names) for c in ecsi_fit.spec.constructs}
    mm = sm.constructs(*(sm.composite(n, items, sm.mode_A) for n, items in blocks.items()))
    st = sm.relationships(*(sm.paths(p.source, p.target) for p in ecsi_fit.spec.paths))
    model = sm.estimate_pls(ecsi_fit.data.frame, mm, st, inner_weights=sm.path_weighting)
    ref = sm.bootstrap_model(
        model, n_boot, indices=bootstrap_indices(11, ecsi_fit.n_obs, range(n_boot))
    )
    assert ref.fails == 0
    desc = ref.paths_descriptives
    ci = boot_percentile_cis(ref.boot_paths, alpha=0.05)
    for row in boot.paths.itertuples():
        source, target = row[1], row[2]
        assert row.boot_mean == pytest.approx(
            desc.get(source, f"{target} Boot Mean"), abs=TOL_SEMINR
        )
        assert row.std_error == pytest.approx(desc.get(source, f"{target} Boot SD"), abs=TOL_SEMINR)
        assert row.ci_lower == pytest.approx(ci.lower.get(source, target), abs=TOL_SEMINR)
        assert row.ci_upper == pytest.approx(ci.upper.get(source, target), abs=TOL_SEMINR)
    loadings = ref.loadings_descriptives
    for row in boot.loadings.itertuples():
        expected = loadings.get(row.indicator, f"{row.construct} Boot SD")
        assert row.std_error == pytest.approx(expected, abs=TOL_SEMINR)


# ------------------------------------------------------------------ summaries


def test_standard_errors_p_values_and_intervals_are_sane(ecsi_boot: PLSBootstrap) -> None:
    single = ecsi_boot.loadings["indicator"] == "CUSCO"  # single-item block: loading 1
    for table in (
        ecsi_boot.paths,
        ecsi_boot.loadings[~single],
        ecsi_boot.r2,
        ecsi_boot.total_effects,
        ecsi_boot.indirect_effects,
    ):
        assert (table["std_error"] > 0).all()
        assert table["p_value"].between(0.0, 1.0).all()
        assert (table["ci_lower"] <= table["estimate"]).all()
        assert (table["estimate"] <= table["ci_upper"]).all()
        assert (table["bca_lower"] <= table["bca_upper"]).all()
    fixed = ecsi_boot.loadings[single].iloc[0]
    assert fixed["std_error"] == 0.0
    assert np.isnan(fixed["t_value"])
    assert np.isnan(fixed["p_value"])
    assert fixed["ci_lower"] == fixed["ci_upper"] == 1.0
    assert ecsi_boot.n_ok == N_BOOT
    assert ecsi_boot.failures == {}


def test_bca_equals_percentile_for_a_symmetric_unbiased_sample() -> None:
    rng = np.random.default_rng(5)
    estimate = np.array([0.3, -1.2, 4.0])
    d = rng.gamma(2.0, size=(400, 3))  # skewed halves, mirrored: symmetric about the estimate
    samples = np.vstack([estimate + d, estimate - d])
    for conf in (0.9, 0.95):
        lower, upper = bca_interval(samples, estimate, np.zeros(3), conf)
        p_lower, p_upper = percentile_interval(samples, conf)
        np.testing.assert_allclose(lower, p_lower, rtol=0, atol=1e-12)
        np.testing.assert_allclose(upper, p_upper, rtol=0, atol=1e-12)


def test_bca_matches_scipy_bootstrap_with_the_same_resamples() -> None:
    stats = pytest.importorskip("scipy.stats")
    x = np.random.default_rng(3).gamma(2.0, size=40)
    ref = stats.bootstrap(
        (x,),
        np.mean,
        n_resamples=999,
        method="BCa",
        confidence_level=0.9,
        rng=np.random.default_rng(5),
    )
    rows = np.random.default_rng(5).integers(0, 40, (999, 40))  # scipy's resamples
    samples = x[rows].mean(axis=1)[:, None]
    jack = np.array([np.delete(x, i).mean() for i in range(40)])[:, None]
    lower, upper = bca_interval(samples, [x.mean()], jackknife_acceleration(jack), 0.9)
    assert lower[0] == pytest.approx(ref.confidence_interval.low, abs=TOL_SCIPY)
    assert upper[0] == pytest.approx(ref.confidence_interval.high, abs=TOL_SCIPY)


def test_summary_edge_cases() -> None:
    equal = summarize([0.5], np.full((50, 1), 0.5), np.full((10, 1), 0.5)).iloc[0]
    assert equal["std_error"] == 0.0
    assert np.isnan(equal["t_value"])
    assert np.isnan(equal["p_value"])
    assert equal["ci_lower"] == equal["ci_upper"] == equal["bca_lower"] == equal["bca_upper"] == 0.5
    one_sided = summarize([0.0], np.linspace(1, 2, 50)[:, None], np.ones((10, 1))).iloc[0]
    assert np.isnan(one_sided["bca_lower"])  # every replicate above the estimate
    assert one_sided["ci_lower"] > one_sided["estimate"]
    single = summarize([1.0, 2.0], [[1.5, 2.5]]).iloc[0]
    assert single["boot_mean"] == 1.5
    assert np.isnan(single["std_error"])
    empty = summarize([1.0], np.empty((0, 1))).iloc[0]
    assert empty[["boot_mean", "std_error", "ci_lower", "bca_upper"]].isna().all()


def test_other_confidence_level_without_refitting(ecsi_boot: PLSBootstrap) -> None:
    narrow = ecsi_boot.at_level(0.8)
    assert narrow.replicates is ecsi_boot.replicates
    assert (narrow.paths["ci_lower"] >= ecsi_boot.paths["ci_lower"]).all()
    assert (narrow.paths["ci_upper"] <= ecsi_boot.paths["ci_upper"]).all()
    pd.testing.assert_series_equal(narrow.paths["std_error"], ecsi_boot.paths["std_error"])


# ------------------------------------------------------------------ failures


def test_resamples_with_a_constant_item_are_counted_excluded_and_reported() -> None:
    data = sem_csat.datasets.load("ecsi_mobile").copy()
    data["CUEX3"] = 7.0
    data.loc[data.index[3], "CUEX3"] = 9.0  # only respondent 3 differs
    fit = PLS().fit(sem_csat.load_spec("ecsi"), data)
    with pytest.warns(BootstrapFailureWarning, match=r"constant in the resample \('CUEX3'\)"):
        boot = bootstrap_pls(fit, 60, seed=3, progress=False)
    missing = [3 not in rows for rows in bootstrap_indices(3, fit.n_obs, range(60))]
    assert boot.failures == {CONSTANT_ITEM: sum(missing)}
    assert boot.n_ok == 60 - sum(missing) > 0
    failed = boot.replicates.replicates["paths"][missing]
    assert np.isnan(failed).all()
    assert np.isfinite(boot.replicates.samples("paths")).all()
    assert boot.paths[["std_error", "ci_lower", "bca_lower"]].notna().all().all()
    assert boot.replicates.jackknife_failures == {CONSTANT_ITEM: 1}
    codes = {d.code: d for d in boot.diagnostics}
    assert codes["bootstrap_failed_resamples"].category is BootstrapFailureWarning
    assert codes["bootstrap_failed_resamples"].severity == "warning"
    assert "bootstrap_jackknife_failed" in codes


def test_engine_failures_keep_the_engines_reason() -> None:
    spec = sem_csat.load_spec("ecsi")
    formative = [
        dataclasses.replace(c, mode="formative") if c.name == "Expectation" else c
        for c in spec.constructs
    ]
    spec = dataclasses.replace(spec, constructs=tuple(formative))
    data = sem_csat.datasets.load("ecsi_mobile").copy()
    data["CUEX3"] = data["CUEX2"]  # collinear with CUEX2 except for respondent 3
    data.loc[data.index[3], "CUEX3"] = 5.0 if data.loc[data.index[3], "CUEX2"] != 5 else 6.0
    fit = PLS().fit(spec, data)
    with pytest.warns(BootstrapFailureWarning, match="formative .* 'Expectation'"):
        boot = bootstrap_pls(fit, 40, seed=3, progress=False)
    missing = sum(3 not in rows for rows in bootstrap_indices(3, fit.n_obs, range(40)))
    ((reason, count),) = boot.failures.items()
    assert count == missing
    assert "perfectly collinear" in reason


def test_too_few_successful_resamples_give_nan_and_an_error() -> None:
    x = np.random.default_rng(0).normal(size=(30, 3))
    boot = run_bootstrap(_fails_unless_full_sample, x, 20, seed=1, progress=False)
    assert boot.n_ok == 0
    assert boot.failures == {"singular": 20}
    table = boot.summary("mean")
    assert table.drop(columns="estimate").isna().all().all()
    assert table["estimate"].notna().all()
    codes = {d.code: d.severity for d in boot.diagnostics()}
    assert codes["bootstrap_too_few_resamples"] == "error"
    assert codes["bootstrap_failed_resamples"] == "error"


def test_a_full_sample_that_cannot_be_estimated_is_an_error() -> None:
    x = np.random.default_rng(0).normal(size=(30, 3))
    with pytest.raises(EstimationError, match="full sample cannot be estimated"):
        run_bootstrap(_always_fails, x, 10, seed=1, progress=False)


# ------------------------------------------------------------------ sign changes


def test_construct_signs_undo_a_reversed_construct(ecsi_fit: PLSResult) -> None:
    structure = ecsi_fit.estimate.structure
    fn = pls_replicate_fn(structure)
    x = ecsi_fit.data.frame.to_numpy()
    est = fn.estimate(moments_from_counts(x, np.ones((1, len(x)))))
    signs = np.ones((1, structure.n_constructs))
    signs[0, [1, 4]] = -1.0  # reverse Expectation and Satisfaction
    flipped = _flip(est, signs)
    np.testing.assert_array_equal(
        construct_signs(flipped.loadings, est.loadings[0], structure), signs
    )
    back = _flip(flipped, construct_signs(flipped.loadings, est.loadings[0], structure))
    for field in ("weights", "loadings", "paths", "total_effects", "construct_corr"):
        np.testing.assert_allclose(getattr(back, field), getattr(est, field), atol=1e-15)
    # the reversed solution is consistent: its paths regress the reversed construct scores
    c, preds = flipped.construct_corr[0], [0, 1, 2, 3]  # predecessors of Satisfaction
    beta = np.linalg.solve(c[np.ix_(preds, preds)], c[preds, 4])
    np.testing.assert_allclose(flipped.paths[0][preds, 4], beta, atol=1e-12)


@pytest.mark.filterwarnings("ignore::sem_csat.errors.BootstrapFailureWarning")
def test_construct_level_sign_change_aligns_flipping_blocks() -> None:
    data = sem_csat.datasets.load("ecsi_mobile").copy()
    rng = np.random.default_rng(8)
    data["N1"] = rng.normal(size=len(data))
    data["N2"] = 0.6 * data["N1"] + rng.normal(size=len(data))
    spec = ModelSpec(
        "weak block",
        constructs=[
            reflective("Noise", ["N1", "N2"]),
            reflective("Loyalty", multi_items("CUSL", 1, 3)),
        ],
        paths=paths("Noise", "Loyalty"),
    )
    fit = PLS().fit(spec, data)
    reference = np.sign(fit.outer.groupby("construct", sort=False)["loading"].sum()).to_numpy()
    for sign_change, expect_flips in (("none", True), ("construct", False)):
        boot = bootstrap_pls(fit, 200, seed=1, sign_change=sign_change, progress=False)
        lam = boot.replicates.samples("loadings")
        sums = np.stack([lam[:, :2].sum(axis=1), lam[:, 2:].sum(axis=1)], axis=1)
        assert bool((np.sign(sums) != reference).any()) is expect_flips


def test_ecsi_blocks_do_not_flip(ecsi_fit: PLSResult, ecsi_boot: PLSBootstrap) -> None:
    aligned = bootstrap_pls(ecsi_fit, N_BOOT, seed=SEED, sign_change="construct", progress=False)
    assert_identical(ecsi_boot.replicates, aligned.replicates)


# ------------------------------------------------------------------ extras, options, display


def test_extra_statistics_plug_in(ecsi_fit: PLSResult) -> None:
    boot = bootstrap_pls(ecsi_fit, 50, seed=4, progress=False, extras=[_image_satisfaction])
    table = boot.table("corr_image_satisfaction")
    expected = ecsi_fit.construct_correlations.loc["Image", "Satisfaction"]
    assert table["estimate"].iloc[0] == pytest.approx(expected, abs=1e-12)
    assert table["std_error"].iloc[0] > 0
    with pytest.raises(UsageError, match="clashes"):
        bootstrap_pls(ecsi_fit, 5, seed=4, progress=False, extras=[_clashing])


def test_without_the_jackknife_bca_is_nan(ecsi_fit: PLSResult) -> None:
    boot = bootstrap_pls(ecsi_fit, 50, seed=4, progress=False, bca=False)
    assert boot.replicates.jackknife is None
    assert boot.paths[["bca_lower", "bca_upper"]].isna().all().all()
    assert boot.paths[["ci_lower", "ci_upper"]].notna().all().all()
    assert "bootstrap_no_jackknife" in {d.code for d in boot.diagnostics}


def test_progress_bar_only_when_asked_or_on_a_terminal(
    ecsi_fit: PLSResult, capsys: pytest.CaptureFixture[str]
) -> None:
    bootstrap_pls(ecsi_fit, 20, seed=1, progress=True)
    assert "bootstrap" in capsys.readouterr().err
    bootstrap_pls(ecsi_fit, 20, seed=1)  # captured stderr is not a terminal
    bootstrap_pls(ecsi_fit, 20, seed=1, progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"conf": 1.5}, "conf must be"),
        ({"sign_change": "individual"}, "sign_change must be"),
        ({"n_boot": 0}, "n_boot must be"),
        ({"seed": -1}, "seed must be"),
        ({"chunk_size": 0}, "chunk_size must be"),
    ],
)
def test_invalid_options_are_usage_errors(
    ecsi_fit: PLSResult, options: dict[str, object], match: str
) -> None:
    kwargs: dict[str, object] = {"n_boot": 5, "seed": 1, "progress": False, **options}
    with pytest.raises(UsageError, match=match):
        bootstrap_pls(ecsi_fit, **kwargs)  # type: ignore[arg-type]


def test_results_render(ecsi_boot: PLSBootstrap) -> None:
    text = str(ecsi_boot)
    assert "Path coefficients" in text
    assert "Indirect effects" in text
    assert f"{N_BOOT} of {N_BOOT} estimated (seed {SEED})" in text
    assert "\n" not in repr(ecsi_boot)
    assert "<details" in ecsi_boot._repr_html_()
    assert dataclasses.is_dataclass(ecsi_boot)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ecsi_boot.conf = 0.9  # type: ignore[misc]


# ------------------------------------------------------------------ helpers (picklable)


def _ok(m: Moments) -> np.ndarray:
    return np.full(m.size, "", dtype=object)


def _mean_and_corr(m: Moments) -> ReplicateOutput:
    return ReplicateOutput({"mean": m.mean, "r": m.corr[:, 0, 1:]}, _ok(m))


def _fails_unless_full_sample(m: Moments) -> ReplicateOutput:
    full = (m.counts == 1.0).all(axis=1)
    return ReplicateOutput({"mean": m.mean}, np.where(full, "", "singular").astype(object))


def _always_fails(m: Moments) -> ReplicateOutput:
    return ReplicateOutput({"mean": m.mean}, np.full(m.size, "singular", dtype=object))


def _image_satisfaction(est: engine.PLSEstimate, m: Moments) -> dict[str, np.ndarray]:
    return {"corr_image_satisfaction": est.construct_corr[:, 0, 4:5]}


def _clashing(est: engine.PLSEstimate, m: Moments) -> dict[str, np.ndarray]:
    return {"paths": est.paths[:, 0, 1:2]}
