"""Invariants of the measurement-quality functions, and α intervals against independent checks.

- Reliabilities stay in range for valid data; α_std equals α when the items are standardized;
  HTMT is symmetric with a unit diagonal; rescaling an item changes nothing standardized.
- Feldt's α interval is checked by inverting the F test numerically (root finding on the F
  distribution function, a different route from the closed form) and by its coverage in a
  simulation of parallel items.
- Batched calls equal element-wise calls.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from sem_csat.measurement import (
    alpha_ci,
    alpha_if_deleted,
    average_variance_extracted,
    composite_reliability,
    cronbach_alpha,
    full_collinearity_vif,
    harman_share,
    htmt,
    item_total_correlations,
    standardized_alpha,
)
from sem_csat.measurement.thresholds import HTMT_LIBERAL, LOADING, RHO_C, THRESHOLDS

TOL_SAME = 1e-12  # the same quantity computed another way


def _factor_data(seed: int, n: int, loadings: np.ndarray, scales: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 1))
    e = rng.normal(size=(n, loadings.size)) * np.sqrt(1 - loadings**2)
    return (f * loadings + e) * scales


block_params = st.tuples(
    st.integers(0, 2**32 - 1),
    st.lists(st.floats(0.4, 0.95), min_size=2, max_size=6),
    st.integers(40, 300),
)


@settings(max_examples=40, deadline=None)
@given(block_params)
def test_reliability_in_range_for_valid_data(params: tuple[int, list[float], int]) -> None:
    seed, lam, n = params
    lam_a = np.array(lam)
    x = _factor_data(seed, n, lam_a, np.ones(lam_a.size))
    s = np.cov(x, rowvar=False)
    a, a_std = float(cronbach_alpha(s)), float(standardized_alpha(s))
    assert a <= 1.0
    assert a_std <= 1.0
    lo, hi = alpha_ci(a, n, lam_a.size)
    assert lo <= a <= hi
    assert 0.0 <= float(composite_reliability(lam_a)) <= 1.0
    assert 0.0 <= float(average_variance_extracted(lam_a)) <= 1.0
    itc = item_total_correlations(s)
    assert np.all(np.abs(itc) <= 1.0)
    assert 0.0 < float(harman_share(np.corrcoef(x, rowvar=False))) <= 1.0


@settings(max_examples=30, deadline=None)
@given(block_params, st.lists(st.floats(0.01, 100.0), min_size=6, max_size=6))
def test_rescaling_items_leaves_standardized_measures_unchanged(
    params: tuple[int, list[float], int], scales: list[float]
) -> None:
    seed, lam, n = params
    lam_a = np.array(lam)
    x = _factor_data(seed, n, lam_a, np.ones(lam_a.size))
    y = x * np.array(scales[: lam_a.size])
    sx, sy = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    assert float(standardized_alpha(sx)) == pytest.approx(float(standardized_alpha(sy)), abs=1e-10)
    # the raw item-total correlation is not scale-free, but on correlations it is
    rx_, ry_ = np.corrcoef(x, rowvar=False), np.corrcoef(y, rowvar=False)
    np.testing.assert_allclose(item_total_correlations(rx_), item_total_correlations(ry_), 0, 1e-10)
    np.testing.assert_allclose(
        alpha_if_deleted(sx, standardized=True), alpha_if_deleted(sy, standardized=True), 0, 1e-10
    )
    blocks = [list(range(lam_a.size // 2)), list(range(lam_a.size // 2, lam_a.size))]
    if min(len(b) for b in blocks) >= 2:
        rx, ry = np.corrcoef(x, rowvar=False), np.corrcoef(y, rowvar=False)
        np.testing.assert_allclose(htmt(rx, blocks), htmt(ry, blocks), 0, 1e-10)


def test_standardized_alpha_equals_alpha_for_standardized_items() -> None:
    x = _factor_data(7, 200, np.array([0.8, 0.6, 0.7, 0.5]), np.array([1.0, 3.0, 0.2, 9.0]))
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    s = np.cov(z, rowvar=False)
    assert float(cronbach_alpha(s)) == pytest.approx(
        float(standardized_alpha(np.cov(x, rowvar=False))), abs=TOL_SAME
    )
    # raw alpha of the unstandardized items differs
    assert abs(float(cronbach_alpha(np.cov(x, rowvar=False))) - float(cronbach_alpha(s))) > 0.01


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 5), st.integers(3, 5))
def test_htmt_symmetric_with_unit_diagonal(seed: int, n_blocks: int, size: int) -> None:
    rng = np.random.default_rng(seed)
    p = n_blocks * size
    x = rng.normal(size=(80, p)) + rng.normal(size=(80, 1))
    r = np.corrcoef(x, rowvar=False)
    blocks = [list(range(k * size, (k + 1) * size)) for k in range(n_blocks)]
    for kind in ("htmt", "htmt2"):
        h = htmt(r, blocks, kind=kind)  # type: ignore[arg-type]
        np.testing.assert_array_equal(h, h.T)
        np.testing.assert_array_equal(np.diag(h), np.ones(n_blocks))
        assert np.all(h >= 0)
    # a batch gives the same numbers as its elements one by one
    batch = np.stack([r, np.eye(p) * 0.5 + 0.5 * r])
    hb = htmt(batch, blocks, kind="htmt2")
    np.testing.assert_allclose(hb[0], htmt(r, blocks, kind="htmt2"), 0, TOL_SAME)


def test_htmt_single_item_conventions() -> None:
    r = np.array([[1.0, 0.6, 0.3], [0.6, 1.0, 0.4], [0.3, 0.4, 1.0]])
    nan = htmt(r, [[0, 1], [2]])
    assert np.isnan(nan[1]).all()
    assert np.isnan(nan[:, 1]).all()
    one = htmt(r, [[0, 1], [2]], single_item="one")
    assert one[0, 1] == pytest.approx(0.35 / np.sqrt(0.6), abs=TOL_SAME)


def test_htmt2_equals_htmt_for_equal_correlations() -> None:
    r = np.full((4, 4), 0.3)
    r[:2, :2] = r[2:, 2:] = 0.6
    np.fill_diagonal(r, 1.0)
    blocks = [[0, 1], [2, 3]]
    assert htmt(r, blocks)[0, 1] == pytest.approx(htmt(r, blocks, kind="htmt2")[0, 1])
    assert htmt(r, blocks)[0, 1] == pytest.approx(0.5, abs=TOL_SAME)


def test_alpha_if_deleted_and_item_total_against_direct_computation() -> None:
    x = _factor_data(3, 150, np.array([0.8, 0.7, 0.3, 0.6]), np.array([1.0, 2.0, 1.0, 0.5]))
    s = np.cov(x, rowvar=False)
    aid = alpha_if_deleted(s)
    itc = item_total_correlations(s)
    for i in range(4):
        rest = np.delete(x, i, axis=1)
        v = rest.var(axis=0, ddof=1).sum()
        direct = 3 / 2 * (1 - v / rest.sum(axis=1).var(ddof=1))
        assert aid[i] == pytest.approx(direct, abs=TOL_SAME)
        assert itc[i] == pytest.approx(np.corrcoef(x[:, i], rest.sum(axis=1))[0, 1], abs=TOL_SAME)


@pytest.mark.parametrize(("alpha", "n", "k", "conf"), [(0.8, 250, 4, 0.95), (0.6, 40, 7, 0.9)])
def test_feldt_interval_inverts_the_f_test(alpha: float, n: int, k: int, conf: float) -> None:
    # the bounds are the population alphas at which the observed (1 - a0)/(1 - a_hat) sits at
    # the gamma/2 and 1 - gamma/2 quantiles of F(n - 1, (n - 1)(k - 1)), found by root finding
    df1, df2, g = n - 1, (n - 1) * (k - 1), 1 - conf
    ref_lo = optimize.brentq(
        lambda a0: stats.f.cdf((1 - a0) / (1 - alpha), df1, df2) - (1 - g / 2), -5, alpha
    )
    ref_hi = optimize.brentq(
        lambda a0: stats.f.cdf((1 - a0) / (1 - alpha), df1, df2) - g / 2, alpha, 0.9999999
    )
    lo, hi = alpha_ci(alpha, n, k, conf)
    assert float(lo) == pytest.approx(ref_lo, abs=1e-9)
    assert float(hi) == pytest.approx(ref_hi, abs=1e-9)


def test_feldt_interval_covers_in_simulation() -> None:
    # parallel normal items: population alpha = k r / (1 + (k - 1) r) with r = lambda^2
    rng = np.random.default_rng(2026)
    reps, n, k, lam = 4000, 60, 4, 0.7
    f = rng.normal(size=(reps, n, 1))
    x = lam * f + np.sqrt(1 - lam**2) * rng.normal(size=(reps, n, k))
    xc = x - x.mean(axis=1, keepdims=True)
    s = np.einsum("bni,bnj->bij", xc, xc) / (n - 1)
    a = cronbach_alpha(s)
    lo, hi = alpha_ci(a, n, k)
    true = k * lam**2 / (1 + (k - 1) * lam**2)
    coverage = float(((lo <= true) & (true <= hi)).mean())
    assert 0.935 <= coverage <= 0.965  # 4000 replications: MC standard error 0.0034


def test_full_collinearity_vif_equals_regression() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 4)) @ rng.normal(size=(4, 4))
    c = np.corrcoef(x, rowvar=False)
    vif = full_collinearity_vif(c)
    for j in range(4):
        others = np.delete(x, j, axis=1)
        design = np.column_stack([np.ones(300), others])
        fit = np.linalg.lstsq(design, x[:, j], rcond=None)[0]
        r2 = 1 - np.var(x[:, j] - design @ fit) / np.var(x[:, j])
        assert vif[j] == pytest.approx(1 / (1 - r2), abs=1e-9)


def test_thresholds_are_data_with_sources() -> None:
    for rule in THRESHOLDS.values():
        assert rule.source
        assert rule.advice.endswith(".")
        assert rule.lower is not None or rule.upper is not None
    assert LOADING.verdict(0.708) == "ok"
    assert HTMT_LIBERAL.verdict(0.90) == "high"
    assert HTMT_LIBERAL.verdict(0.8999) == "ok"
    assert RHO_C.verdict(float("nan")) == ""
    assert list(RHO_C.verdicts([0.6, 0.8, 0.99])) == ["low", "ok", "high"]
