"""One-pass moments and scores of the indicator data (sem_csat.pls.moments) and the data path.

References are NumPy's own estimators (``mean``, ``std``, ``corrcoef``) and, for data where
rounding matters, the same sums in 80-bit extended precision (``numpy.longdouble``).

Tolerances (absolute), stated once:

- ``TOL_NUMPY = 1e-14``: against NumPy on well-scaled data;
- ``TOL_EXTENDED = 1e-13``: against extended precision on data with a large offset or sorted
  rows (an unrepresentative first tile), where naive cross-products lose many digits;
- ``TOL_SCORES = 1e-12``: tiled scores against ``standardize(X) @ W``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.data import prepare_data
from sem_csat.errors import DataError
from sem_csat.pls.moments import (
    construct_scores,
    correlation,
    data_moments,
    scores_from_data,
    standardize,
    tile_rows,
)

TOL_NUMPY = 1e-14
TOL_EXTENDED = 1e-13
TOL_SCORES = 1e-12


def _extended_corr(x: np.ndarray) -> np.ndarray:
    xl = x.astype(np.longdouble)
    c = xl - xl.mean(axis=0)
    s = c.T @ c
    d = np.sqrt(np.diag(s))
    return np.asarray(s / np.outer(d, d), dtype=np.float64)


@pytest.mark.parametrize("n", [2, 5, 300, 3 * tile_rows(6) + 17])
@pytest.mark.parametrize("order", ["C", "F"])
def test_moments_match_numpy(n: int, order: str) -> None:
    rng = np.random.default_rng(n)
    x = np.asarray(rng.normal(size=(n, 6)) @ rng.normal(size=(6, 6)) + 3.0, order=order)
    m = data_moments(x)
    assert m.n_obs == n
    np.testing.assert_allclose(m.mean, x.mean(axis=0), atol=TOL_NUMPY)
    np.testing.assert_allclose(m.sd, x.std(axis=0, ddof=1), rtol=TOL_NUMPY * 10)
    np.testing.assert_allclose(m.corr, np.corrcoef(x, rowvar=False), atol=TOL_NUMPY)
    assert np.array_equal(m.corr, m.corr.T)
    assert (np.diag(m.corr) == 1.0).all()


@pytest.mark.parametrize("case", ["offset", "sorted"])
def test_moments_keep_their_digits_where_cross_products_lose_them(case: str) -> None:
    rng = np.random.default_rng(7)
    n = 4 * tile_rows(4) + 3
    x = rng.normal(size=(n, 4)) @ np.triu(np.ones((4, 4)))
    if case == "offset":
        x += 1e7  # X'X - n mean mean' would keep about 2 significant digits
    else:
        x = x[np.argsort(x[:, 0])]  # the first tile is far from the mean: the pass is repeated
    np.testing.assert_allclose(correlation(x), _extended_corr(x), atol=TOL_EXTENDED)
    naive = (x.T @ x - n * np.outer(x.mean(0), x.mean(0))) / (n - 1)
    naive_r = naive / np.sqrt(np.outer(np.diag(naive), np.diag(naive)))
    if case == "offset":  # the reference really is demanding
        assert np.abs(naive_r - _extended_corr(x)).max() > 1e-6


def test_strided_data_and_overflowing_raw_squares_take_the_shifted_pass() -> None:
    """The one-call X'X needs contiguous data whose squares are finite; otherwise the tiled
    pass about a shift gives the same correlations (no data-sized copy, no overflow)."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=(3 * tile_rows(8) + 5, 8)) @ rng.normal(size=(8, 8))
    strided = np.asfortranarray(np.repeat(x, 2, axis=1))[:, ::2]
    assert not strided.flags.c_contiguous
    assert not strided.flags.f_contiguous
    np.testing.assert_allclose(correlation(strided), correlation(x), atol=TOL_NUMPY)
    np.testing.assert_allclose(correlation(x), _extended_corr(x), atol=TOL_EXTENDED)
    huge = 1e155 * (1.0 + 1e-3 * x[:200])  # raw squares overflow, deviations do not
    with np.errstate(over="ignore"):
        assert not np.isfinite(huge.T @ huge).all()
    np.testing.assert_allclose(correlation(huge), _extended_corr(x[:200]), atol=1e-12)


def test_a_batch_gives_each_data_sets_own_numbers() -> None:
    x = sem_csat.datasets.load("ecsi_mobile").to_numpy(dtype=np.float64)
    rows = np.random.default_rng(3).integers(0, len(x), size=(5, len(x)))
    batch = correlation(x[rows])
    for b, r in enumerate(rows):
        assert np.array_equal(batch[b], correlation(x[r]))
    z = standardize(x[rows])
    assert np.array_equal(z[2], standardize(x[rows[2]]))


def test_a_constant_column_is_refused_value_by_value() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2 * tile_rows(3) + 5, 3))
    x[:, 1] = 0.1  # 0.1 is not a binary fraction: a mean of 0.1s need not be exactly 0.1
    with pytest.raises(DataError, match="column 1 is constant"):
        data_moments(x)
    x[:, 1] = 0.1
    x[-1, 1] = 0.2  # constant in the first tile only: fine
    m = data_moments(x)
    np.testing.assert_allclose(m.corr, np.corrcoef(x, rowvar=False), atol=TOL_NUMPY)


def test_missing_infinite_and_overflowing_values_are_named() -> None:
    x = np.random.default_rng(2).normal(size=(50, 3))
    with pytest.raises(DataError, match="missing or infinite"):
        data_moments(np.where(np.arange(150).reshape(50, 3) == 40, np.nan, x))
    with pytest.raises(DataError, match="missing or infinite"):
        data_moments(np.where(np.arange(150).reshape(50, 3) == 7, np.inf, x))
    big = x.copy()
    big[:, 2] *= 1e300
    with pytest.raises(DataError, match="column 2 are too large"):
        data_moments(big)
    with pytest.raises(DataError, match="two rows"):
        data_moments(x[:1])
    with pytest.raises(DataError, match="2-d"):
        data_moments(x[:, 0])


@pytest.mark.parametrize("order", ["C", "F"])
def test_scores_in_one_pass_equal_standardized_scores(order: str) -> None:
    rng = np.random.default_rng(5)
    x = np.asarray(rng.normal(size=(2 * tile_rows(5) + 11, 5)) * 2 + 4, order=order)
    w = np.zeros((5, 2))
    w[:3, 0], w[3:, 1] = [0.5, 0.3, 0.4], [0.7, 0.6]
    y = scores_from_data(x, w)
    np.testing.assert_allclose(y, construct_scores(standardize(x), w), atol=TOL_SCORES)
    np.testing.assert_allclose(y, ((x - x.mean(0)) / x.std(0, ddof=1)) @ w, atol=TOL_SCORES)


# ------------------------------------------------------------------ the data path of a fit


def test_the_prepared_data_are_one_private_block() -> None:
    spec = sem_csat.load_spec("ecsi")
    df = sem_csat.datasets.load("ecsi_mobile").astype(np.float64)
    prepared = prepare_data(spec, df)
    frame = prepared.frame
    values = frame.to_numpy()
    assert np.shares_memory(values, frame[spec.indicator_names[3]].to_numpy())  # no copy
    assert not np.shares_memory(values, df.to_numpy())
    np.testing.assert_array_equal(values, df[list(spec.indicator_names)].to_numpy())


def test_a_fit_is_not_changed_by_later_changes_of_the_users_data() -> None:
    spec = sem_csat.load_spec("ecsi")
    df = sem_csat.datasets.load("ecsi_mobile").astype(np.float64)
    fit = sem_csat.fit(spec, df)
    before = fit.data.frame.copy()
    paths = fit.paths["estimate"].to_numpy().copy()
    df.iloc[0, 0] = 99.0
    df["CUSA1"] = 1.0
    pd.testing.assert_frame_equal(fit.data.frame, before)
    np.testing.assert_array_equal(fit.paths["estimate"].to_numpy(), paths)
    assert fit.data.frame.iloc[0, 0] != 99.0


def test_standardized_data_and_scores_of_a_fit() -> None:
    fit = sem_csat.fit("ecsi", "ecsi_mobile")
    x = fit.data.frame.to_numpy()
    np.testing.assert_allclose(
        fit.standardized, (x - x.mean(0)) / x.std(0, ddof=1), atol=TOL_NUMPY * 10
    )
    w = np.asarray(fit.estimate.weights)
    np.testing.assert_allclose(fit.scores.to_numpy(), fit.standardized @ w, atol=TOL_SCORES)
    np.testing.assert_allclose(fit.scores.std(ddof=1).to_numpy(), 1.0, atol=TOL_SCORES)
