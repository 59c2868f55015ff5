"""Monte Carlo power: population models by hand, Likert correlations against scipy's bivariate
normal, power of a single path against its analytic value, reproducibility across workers and on
a Dask cluster, the warp-speed check, and the one-sentence errors.

Monte Carlo tolerances are binomial: a simulated rate is held within 3.5 standard errors
(``sqrt(p (1 - p) / reps)``) of its known value; seeds are fixed, so the tests are deterministic.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import sem_csat
from sem_csat.errors import SemCsatWarning, SpecError, UsageError
from sem_csat.power import population, simulate
from sem_csat.power.implied import discretize, discretized_correlation, equal_thresholds

SINGLE = sem_csat.ModelSpec.from_lavaan("X =~ x\nY =~ y\nY ~ X", name="single path")
TWO = sem_csat.ModelSpec.from_lavaan("Q =~ q1 + q2 + q3\nS =~ s1 + s2 + s3\nS ~ Q", name="QS")
CHAIN = sem_csat.ModelSpec.from_lavaan(
    "A =~ a1 + a2\nB =~ b1 + b2\nM =~ m1 + m2\nY =~ y1 + y2\nM ~ A + B\nY ~ M + A", name="chain"
)


def t_test_power(rho: float, n: int, alpha: float) -> float:
    """Exact power of the two-sided t test of a correlation (equivalently of the regression
    slope) in bivariate normal samples of size n.

    Given x, t is noncentral t on n - 2 df with noncentrality rho sqrt(W / (1 - rho^2)),
    W = sum (x - xbar)^2 ~ chi-square(n - 1); power is the average over W.
    """
    crit = stats.t.ppf(1 - alpha / 2, n - 2)
    low, high = stats.chi2.ppf([1e-13, 1 - 1e-13], n - 1)

    def integrand(w: float) -> float:
        delta = rho * math.sqrt(w / (1 - rho**2))
        reject = stats.nct.sf(crit, n - 2, delta) + stats.nct.cdf(-crit, n - 2, delta)
        return float(reject * stats.chi2.pdf(w, n - 1))

    return float(integrate.quad(integrand, low, high, limit=200)[0])


def within(rate: float, truth: float, reps: int, k: float = 3.5) -> bool:
    return abs(rate - truth) <= k * math.sqrt(truth * (1 - truth) / reps)


# ------------------------------------------------------------------ the population


def test_implied_correlations_by_hand() -> None:
    pop = population(
        CHAIN,
        paths={"A -> M": 0.4, "B -> M": 0.3, "M -> Y": 0.5, ("A", "Y"): 0.1},
        loadings={"A": 0.8, "B": 0.7, "M": 0.9, "Y": 0.6, "y2": 0.5},
        correlations={"A ~~ B": 0.2},
    )
    phi = pd.DataFrame(
        pop.construct_corr, index=CHAIN.construct_names, columns=CHAIN.construct_names
    )
    # M = .4A + .3B + e: r(A,M) = .4 + .3*.2 = .46, r(B,M) = .3 + .4*.2 = .38,
    # R2(M) = .16 + .09 + 2*.4*.3*.2 = .298
    assert phi.loc["A", "M"] == pytest.approx(0.46)
    assert phi.loc["B", "M"] == pytest.approx(0.38)
    assert pop.r2["M"] == pytest.approx(0.298)
    # Y = .5M + .1A: r(M,Y) = .5 + .1*.46 = .546, r(A,Y) = .5*.46 + .1 = .33,
    # r(B,Y) = .5*.38 + .1*.2 = .21, R2(Y) = .25 + .01 + 2*.5*.1*.46 = .306
    assert phi.loc["M", "Y"] == pytest.approx(0.546)
    assert phi.loc["A", "Y"] == pytest.approx(0.33)
    assert phi.loc["B", "Y"] == pytest.approx(0.21)
    assert pop.r2["Y"] == pytest.approx(0.306)
    items = list(CHAIN.indicator_names)
    r = pd.DataFrame(pop.indicator_corr, index=items, columns=items)
    assert r.loc["a1", "a2"] == pytest.approx(0.64)
    assert r.loc["y1", "y2"] == pytest.approx(0.30)  # .6 * .5
    assert r.loc["a1", "y2"] == pytest.approx(0.8 * 0.33 * 0.5)
    assert np.all(np.diag(r) == 1.0)


def test_samples_have_the_population_correlations() -> None:
    pop = population(TWO, paths=0.5, loadings=0.7)
    res = simulate(TWO, pop, n=2000, reps=20, inference="ols", seed=4, progress=False)
    # a large sample's PLS path is close to the method's limit on the population matrix
    row = res.table.iloc[0]
    assert row["estimate_mean"] == pytest.approx(row["limit"], abs=0.01)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"paths": {"Q -> X": 0.3}}, "which the model 'QS' does not have"),
        ({"paths": {}}, r"gives no value for the path\(s\) Q -> S"),
        ({"paths": {"Q -> S": 1.2}}, "explain R² = 1.440"),
        ({"loadings": 1.5}, "a standardized loading lies between -1 and 1"),
        ({"loadings": {"Q": 0.8}}, "gives no loading for s1, s2, s3"),
        ({"loadings": {"Qq": 0.8}}, "did you mean 'Q'"),
        ({"correlations": {"Q ~~ S": 0.3}}, "'S', which is an endogenous construct"),
    ],
)
def test_impossible_populations_get_one_sentence(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"paths": {"Q -> S": 0.3}, "loadings": 0.8, **kwargs}
    with pytest.raises(SpecError, match=message) as err:
        population(TWO, **args)  # type: ignore[arg-type]
    assert "\n" not in str(err.value)


def test_formative_constructs_are_refused() -> None:
    from sem_csat.spec.builders import formative, paths, reflective

    spec = sem_csat.ModelSpec(
        "F", [formative("Q", ["q1", "q2"]), reflective("S", ["s1", "s2"])], paths("Q", "S")
    )
    with pytest.raises(SpecError, match=r"Q is formative"):
        population(spec, paths=0.3, loadings=0.8)


def test_likert_correlations_match_the_bivariate_normal() -> None:
    tau = np.array([-1.2, -0.3, 0.5, 1.4])
    rho = 0.55
    got = discretized_correlation(np.array([[1.0, rho], [rho, 1.0]]), tau)[0, 1]
    # the same from scipy's bivariate normal cdf, cell by cell
    edges = np.concatenate([[-np.inf], tau, [np.inf]])
    mvn = stats.multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]])

    def cdf(a: float, b: float) -> float:
        return float(mvn.cdf([min(a, 40.0), min(b, 40.0)], lower_limit=[-40.0, -40.0]))

    probs = np.zeros((5, 5))
    for i in range(5):
        for j in range(5):
            hi_i, lo_i, hi_j, lo_j = edges[i + 1], edges[i], edges[j + 1], edges[j]
            probs[i, j] = cdf(hi_i, hi_j) - cdf(lo_i, hi_j) - cdf(hi_i, lo_j) + cdf(lo_i, lo_j)
    values = np.arange(1, 6)
    marginal = probs.sum(axis=1)
    mean = values @ marginal
    var = (values**2) @ marginal - mean**2
    cov = values @ probs @ values - mean**2
    assert got == pytest.approx(cov / var, abs=1e-6)
    assert discretize([-5.0, 0.0, 5.0], tau).tolist() == [1.0, 3.0, 5.0]
    np.testing.assert_allclose(stats.norm.cdf(equal_thresholds(5)), [0.2, 0.4, 0.6, 0.8])


# ------------------------------------------------------------------ power against theory


@pytest.mark.parametrize("rho", [0.25, 0.0])
def test_single_path_power_is_the_t_test_of_a_correlation(rho: float) -> None:
    """Two single-item constructs: the PLS path is the correlation, and the regression t test
    (inference="ols") is the t test of the correlation, whose power is known exactly."""
    n, reps = 80, 4000
    pop = population(SINGLE, paths={"X -> Y": rho}, loadings=1.0)
    res = simulate(SINGLE, pop, n=n, reps=reps, inference="ols", seed=11, progress=False)
    row = res.table.iloc[0]
    exact = t_test_power(rho, n, 0.05)
    if rho == 0.0:
        assert exact == pytest.approx(0.05, abs=1e-9)
    assert within(row["power"], exact, reps)
    assert within(row["coverage"], 0.95, reps)
    assert row["n_ok"] == reps


def test_single_path_power_by_bootstrap_and_ml_is_close_to_the_t_test() -> None:
    """The bootstrap t test and ML's Wald z test are asymptotically the t test; at n = 80 they
    reject a little more often (normal reference, no n - 2), so they are held to within 0.05 plus
    Monte Carlo error."""
    n, rho = 80, 0.25
    exact = t_test_power(rho, n, 0.05)
    pop = population(SINGLE, paths={"X -> Y": rho}, loadings=1.0)
    boot = simulate(SINGLE, pop, n=n, reps=600, seed=12, progress=False).table.iloc[0]
    ml = simulate(SINGLE, pop, n=n, reps=300, method="ml", seed=13, progress=False).table.iloc[0]
    for row, reps in ((boot, 600), (ml, 300)):
        assert abs(row["power"] - exact) < 0.05 + 3.5 * math.sqrt(exact * (1 - exact) / reps)
        assert abs(row["coverage"] - 0.95) < 0.03 + 3.5 * math.sqrt(0.95 * 0.05 / reps)
    assert ml["target"] == pytest.approx(rho)  # unit variances: unstandardized = standardized
    assert ml["limit"] == pytest.approx(rho)


def test_plsc_targets_the_population_and_pls_its_attenuated_limit() -> None:
    pop = population(TWO, paths={"Q -> S": 0.4}, loadings=0.8)
    pls = simulate(TWO, pop, n=200, reps=200, inference="ols", seed=5, progress=False)
    plsc = simulate(TWO, pop, n=200, reps=150, method="plsc", n_boot=20, seed=5,
                    progress=False).table.iloc[0]  # fmt: skip
    assert plsc["limit"] == pytest.approx(0.4, abs=1e-9)
    # by symmetry the PLS weights are equal; the sum of three items with loading .8 correlates
    # sqrt(rel) with its factor, rel = (3 * .8)^2 / (3 + 6 * .64) = 5.76 / 6.84, and the path
    # between two such composites is .4 * rel
    assert pls.table.iloc[0]["limit"] == pytest.approx(0.4 * 5.76 / 6.84, abs=1e-7)
    assert abs(plsc["bias"]) < 0.03


# ------------------------------------------------------------------ reproducibility


def test_same_numbers_for_any_number_of_workers() -> None:
    pop = population(TWO, paths={"Q -> S": 0.3}, loadings=0.75)
    kwargs = {"n": 100, "reps": 90, "seed": 2024, "progress": False, "n_boot": 20}
    one = simulate(TWO, pop, n_jobs=1, **kwargs)  # type: ignore[arg-type]
    two = simulate(TWO, pop, n_jobs=2, **kwargs)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(one.replicates, two.replicates)
    pd.testing.assert_frame_equal(one.table, two.table)
    assert one.settings.seed == 2024


def test_dask_cluster_gives_the_serial_numbers() -> None:
    distributed = pytest.importorskip("dask.distributed")
    import joblib

    pop = population(TWO, paths={"Q -> S": 0.3}, loadings=0.75)
    kwargs = {"n": 100, "reps": 90, "seed": 7, "progress": False, "n_boot": 20}
    serial = simulate(TWO, pop, **kwargs)  # type: ignore[arg-type]
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        joblib.parallel_backend("dask"),
    ):
        backend, _ = joblib.parallel.get_active_backend()
        assert type(backend).__name__ == "DaskDistributedBackend"
        on_dask = simulate(TWO, pop, n_jobs=None, **kwargs)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(serial.replicates, on_dask.replicates)


def test_a_run_without_seed_records_one_that_repeats_it() -> None:
    pop = population(SINGLE, paths=0.3, loadings=1.0)
    first = simulate(SINGLE, pop, n=50, reps=70, inference="ols", progress=False)
    again = simulate(SINGLE, pop, n=50, reps=70, inference="ols", seed=first.settings.seed,
                     progress=False)  # fmt: skip
    pd.testing.assert_frame_equal(first.replicates, again.replicates)


# ------------------------------------------------------------------ warp speed and Likert


def test_warp_inference_when_its_assumption_holds_exactly() -> None:
    """Estimates N(theta, s^2) and bootstrap deviations N(0, s^2) independent of the sample:
    the pooled test has the power of the z test and the intervals cover at their level."""
    from sem_csat.power.replicates import warp_inference, warp_spread_ratio

    rng = np.random.default_rng(0)
    reps, theta, s = 20000, 0.25, 0.1
    est = rng.normal(theta, s, size=(reps, 1))
    boot = est + rng.normal(0.0, s, size=(reps, 1))
    usable = np.ones(reps, dtype=bool)
    se, p, lo, hi = warp_inference(est, boot, usable, 0.05)
    assert se[0, 0] == pytest.approx(s, rel=0.02)
    z = stats.norm.ppf(0.975)
    power = stats.norm.sf(z - theta / s) + stats.norm.cdf(-z - theta / s)
    assert within(float(np.mean(p < 0.05)), power, reps)
    assert within(float(np.mean((lo <= theta) & (hi >= theta))), 0.95, reps)
    assert warp_spread_ratio(est, boot, usable)[0] == pytest.approx(1.0, abs=0.05)


def test_warp_on_ecsi_matches_the_full_bootstrap_spread() -> None:
    spec = sem_csat.load_spec("ecsi")
    paths = {f"{p.source} -> {p.target}": 0.3 for p in spec.paths}
    pop = population(spec, paths=paths, loadings={c.name: 0.8 for c in spec.constructs})
    warp = simulate(spec, pop, n=250, reps=600, inference="warp", seed=6, progress=False)
    full = simulate(spec, pop, n=250, reps=120, n_boot=100, seed=6, progress=False)
    assert not warp.diagnostics
    np.testing.assert_allclose(warp.table["mean_se"], full.table["mean_se"], rtol=0.06)
    assert (warp.table["power"] >= full.table["power"] - 0.05).all()


def test_warp_warns_where_pls_weights_are_unstable() -> None:
    pop = population(TWO, paths={"Q -> S": 0.3}, loadings=0.6)
    with pytest.warns(SemCsatWarning, match="warp-speed bootstrap assumes") as caught:
        res = simulate(TWO, pop, n=100, reps=300, inference="warp", seed=9, progress=False)
    full = simulate(TWO, pop, n=100, reps=200, seed=9, progress=False)
    assert full.table.iloc[0]["power"] - res.table.iloc[0]["power"] > 0.2
    assert any(d.code == "simulation_warp_unreliable" for d in res.diagnostics)
    assert "inference='bootstrap'" in str(caught[0].message)


def test_likert_samples_are_answers_on_the_scale() -> None:
    pop = population(TWO, paths={"Q -> S": 0.4}, loadings=0.8)
    res = simulate(TWO, pop, n=120, reps=64, likert=5, inference="ols", seed=3, progress=False)
    assert res.settings.thresholds is not None
    assert len(res.settings.thresholds) == 4
    row = res.table.iloc[0]
    continuous = simulate(TWO, pop, n=120, reps=64, inference="ols", seed=3, progress=False)
    # five categories lose a little of the correlation
    assert row["limit"] < continuous.table.iloc[0]["limit"]
    assert row["estimate_mean"] == pytest.approx(row["limit"], abs=0.03)


# ------------------------------------------------------------------ display and errors


def test_display_and_tables() -> None:
    pop = population(TWO, paths=0.3, loadings=0.8)
    res = simulate(TWO, pop, n=80, reps=64, inference="ols", seed=1, progress=False)
    assert list(res.table.columns)[:4] == ["from", "to", "population", "limit"]
    assert len(res.replicates) == 64
    assert res.status == {"ok": 64, "inadmissible": 0, "not converged": 0, "failed": 0}
    assert res.power.index.tolist() == ["Q -> S"]
    text = str(res)
    assert "Monte Carlo power analysis" in text
    assert "regression t test" in text
    assert "<details" in res._repr_html_()
    assert "\n" not in repr(res)
    assert "Population of QS" in str(pop)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "gls"}, "method must be one of"),
        ({"method": "ml", "inference": "bootstrap"}, "not available for method 'ml'"),
        ({"method": "plsc", "inference": "ols"}, "not available for method 'plsc'"),
        ({"n": 3}, "n must be a whole number of at least 5"),
        ({"method": "ml", "n": 6}, "n must be a whole number of at least 8"),
        ({"reps": 1}, "reps must be a whole number of at least 2"),
        ({"likert": 5, "thresholds": [0.0]}, "not both"),
        ({"thresholds": [0.5, 0.1]}, "thresholds must be increasing"),
        ({"alpha": 0.7}, "alpha must be a significance level"),
    ],
)
def test_bad_settings_get_one_sentence(kwargs: dict[str, object], message: str) -> None:
    pop = population(TWO, paths=0.3, loadings=0.8)
    args: dict[str, object] = {"n": 50, "reps": 10, "progress": False, **kwargs}
    with pytest.raises(UsageError, match=message) as err:
        simulate(TWO, pop, **args)  # type: ignore[arg-type]
    assert "\n" not in str(err.value)


def test_population_as_a_mapping_and_for_the_wrong_model() -> None:
    res = simulate(TWO, {"paths": 0.3, "loadings": 0.8}, n=50, reps=10, inference="ols",
                   seed=1, progress=False)  # fmt: skip
    assert res.population.paths == {("Q", "S"): 0.3}
    with pytest.raises(UsageError, match="needs the keys 'paths' and 'loadings'"):
        simulate(TWO, {"paths": 0.3}, n=50, reps=10)
    with pytest.raises(UsageError, match="built for the model 'single path'"):
        simulate(TWO, population(SINGLE, paths=0.3, loadings=1.0), n=50, reps=10)
