"""The batched CB-SEM solver (sem_csat.cbsem.batch.solve) behind the bootstrap: its working set
of resamples refilled as others stop reaches, for every resample, the optimum of a full pipeline
fit of the resampled rows, whatever the width of the working set and the size of the chunk; a
resample that the batched iterations do not settle is refitted and classified as before."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.cbsem import batch, resample
from sem_csat.cbsem.bootstrap import CHUNK, bootstrap_cbsem, default_chunk
from sem_csat.cbsem.estimate import bfgs_then_polish
from sem_csat.cbsem.pipeline import Options, fit_data
from sem_csat.cbsem.resample import (
    SAMPLE_NOT_POSITIVE_DEFINITE,
    CBSEMReplicateFunction,
)
from sem_csat.cbsem.results import CBSEMResult
from sem_csat.errors import InadmissibleSolutionWarning
from sem_csat.inference.bootstrap import (
    NOT_CONVERGED,
    bootstrap_indices,
    moments_from_counts,
)
from sem_csat.spec.builders import paths, reflective
from sem_csat.spec.model import ModelSpec

LAVAAN = Path(__file__).resolve().parent / "reference" / "lavaan"
#: Estimates against full refits of the resampled rows (the refit polishes to ~1e-10; the
#: batched solver stops when its quasi-Newton step is below 1e-7·max(1, |z|)).
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
SEED = 21
N_BOOT = 24


@pytest.fixture(scope="module")
def hs_data() -> pd.DataFrame:
    return pd.read_csv(LAVAAN / "hs1939.csv")[[f"x{i}" for i in range(1, 10)]]


def _replicate_function(spec: ModelSpec, data: pd.DataFrame) -> CBSEMReplicateFunction:
    result = sem_csat.fit(spec, data, method="ml")
    assert isinstance(result, CBSEMResult)
    return CBSEMReplicateFunction.from_fit(result.estimate, result.effects)


def _moments(fn: CBSEMReplicateFunction, data: pd.DataFrame, rows: np.ndarray) -> batch.Moments:
    counts = np.array([np.bincount(r, minlength=len(data)) for r in rows], dtype=np.float64)
    return fn.moments(moments_from_counts(data.to_numpy(dtype=np.float64), counts))


def _solve(
    fn: CBSEMReplicateFunction, data: batch.Moments, **kwargs: object
) -> tuple[np.ndarray, np.ndarray]:
    problem = batch.BatchProblem(fn.model, fn.reparam, fn.estimator)
    start = problem.start_map(fn.z_hat)
    return batch.solve(
        problem,
        data,
        fn.z_hat,
        fn.h_inv,
        tol=1e-7,
        initial=None if start is None else start(data),
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("spec", [HS, HS_SEM], ids=["cfa", "sem"])
@pytest.mark.parametrize("width", [1, 5, None])
def test_solver_reaches_every_full_refit_for_any_width(
    spec: ModelSpec, width: int | None, hs_data: pd.DataFrame
) -> None:
    fn = _replicate_function(spec, hs_data)
    rows = bootstrap_indices(SEED, len(hs_data), range(N_BOOT))
    z, converged = _solve(fn, _moments(fn, hs_data, rows), width=width)
    assert converged.all()
    x = batch.BatchProblem(fn.model, fn.reparam, fn.estimator).x(z)
    for b in range(0, N_BOOT, 3):  # every third: a pipeline fit costs ~20 ms
        refit = fit_data(spec, hs_data.iloc[rows[b]], Options(estimator="ML"))
        assert refit.converged
        expected = refit.optim.x
        np.testing.assert_allclose(
            x[b], expected, rtol=0, atol=TOL_REFIT * max(1.0, float(np.abs(expected).max()))
        )


def test_a_resample_does_not_depend_on_the_others_in_the_working_set(
    hs_data: pd.DataFrame,
) -> None:
    fn = _replicate_function(HS_SEM, hs_data)
    rows = bootstrap_indices(SEED, len(hs_data), range(N_BOOT))
    data = _moments(fn, hs_data, rows)
    together, ok_together = _solve(fn, data, width=8)
    for b in (0, 9, 23):
        alone, ok_alone = _solve(fn, data.take(np.array([b])), width=8)
        assert ok_alone[0] == ok_together[b]
        # the same row-wise arithmetic: only the inverse of Σ of a small stack comes from
        # LAPACK instead of the vectorised substitution (rounding)
        np.testing.assert_allclose(alone[0], together[b], rtol=0, atol=1e-9)


def test_resamples_that_do_not_settle_are_refitted_and_kept(hs_data: pd.DataFrame) -> None:
    fn = _replicate_function(HS, hs_data)
    rows = bootstrap_indices(SEED, len(hs_data), range(6))
    data = _moments(fn, hs_data, rows)
    _, converged = _solve(fn, data, max_iter=2)
    assert not converged.any()  # two steps settle no resample: all leave as not converged
    refitted, failure = fn.fit(data)  # the replicate function refits them one by one
    assert (failure == "").all()
    expected, _ = _solve(fn, data)
    np.testing.assert_allclose(refitted, expected, rtol=0, atol=1e-6)


def test_non_positive_definite_and_non_converged_resamples_are_classified(
    hs_data: pd.DataFrame,
) -> None:
    fn = _replicate_function(HS, hs_data)
    rows = bootstrap_indices(SEED, len(hs_data), range(4))
    data = _moments(fn, hs_data, rows)
    cov = data.cov.copy()
    cov[1, 0, :] = cov[1, 1, :]  # item 1 a copy of item 2 in resample 1: S singular
    cov[1, :, 0] = cov[1, :, 1]
    cov[1, 0, 0] = cov[1, 1, 1]
    broken = batch.Moments.build(cov, data.nobs, None, "ML")
    z, failure = fn.fit(broken)
    assert failure[1] == SAMPLE_NOT_POSITIVE_DEFINITE
    assert np.isnan(z[1]).all()
    assert (failure[[0, 2, 3]] == "").all()
    # an evaluation whose Σ is not positive definite is rejected (f = inf), not an error
    problem = batch.BatchProblem(fn.model, fn.reparam, "ML")
    bad = np.repeat(fn.z_hat[None], 3, axis=0)
    bad[1, 12:] = -1.0  # negative variances throughout: Σ not positive definite
    bad[2, 0] = np.nan
    f, grad, _ = problem.evaluate(bad, data.take(np.arange(3)))
    assert np.isfinite(f[0])
    assert np.isinf(f[1:]).all()
    assert np.isfinite(grad[0]).all()


def test_a_resample_that_no_optimizer_settles_fails_as_not_converged(
    hs_data: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    fn = _replicate_function(HS, hs_data)
    rows = bootstrap_indices(SEED, len(hs_data), range(3))
    data = _moments(fn, hs_data, rows)
    calls: list[int] = []
    real = bfgs_then_polish

    def give_up(*args: object, **kwargs: object) -> object:
        calls.append(1)
        res = real(*args, max_iter=1)  # type: ignore[arg-type]
        return dataclasses.replace(res, converged=False)

    monkeypatch.setattr(resample, "_MAX_ITER", 1)  # the batched steps settle nothing
    monkeypatch.setattr(resample, "bfgs_then_polish", give_up)  # nor do the refits
    z, failure = fn.fit(data)
    assert list(failure) == [NOT_CONVERGED] * 3
    assert len(calls) == 6  # from where the batch stopped, then from lavaan's start values
    assert np.isfinite(z).all()  # the last point is kept; the driver blanks failed rows


def test_bootstrap_numbers_do_not_depend_on_workers_and_barely_on_chunks(
    hs_data: pd.DataFrame,
) -> None:
    result = sem_csat.fit(HS_SEM, hs_data, method="ml")
    assert isinstance(result, CBSEMResult)
    settings: list[dict[str, Any]] = [{}, {"n_jobs": 2}, {"chunk_size": 13}, {"chunk_size": 60}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InadmissibleSolutionWarning)
        runs = [
            bootstrap_cbsem(result, 60, seed=SEED, progress=False, bca=False, **kwargs)
            for kwargs in settings
        ]
    first = runs[0].replicates.replicates["params"]
    np.testing.assert_array_equal(first, runs[1].replicates.replicates["params"])
    for other in runs[2:]:
        np.testing.assert_allclose(first, other.replicates.replicates["params"], atol=1e-8)


def test_default_chunk_and_width() -> None:
    assert default_chunk(2000, 301, 9) == 1000  # two chunks for two workers
    assert default_chunk(100, 301, 9) == 256
    assert default_chunk(100_000, 301, 9) == CHUNK
    assert default_chunk(2000, 1_000_000, 9) < 64  # the draw counts stay within 64 MiB
    assert batch.default_width(21) == batch.WIDTH
    assert 16 <= batch.default_width(1000) < batch.WIDTH  # the inverse Hessians within 64 MiB


@pytest.mark.parametrize("kernel", ["numpy gufunc", "public fallback"])
def test_a_stacks_cholesky_marks_the_matrices_that_are_not_positive_definite(
    kernel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NumPy's kernel (private, when present) and the public fallback by bisection agree: the
    factors of the positive-definite matrices, the identity's for the others, and the marks."""
    if kernel == "public fallback":
        monkeypatch.setattr(batch, "_CHOLESKY_LO", None)
    elif batch._CHOLESKY_LO is None:  # pragma: no cover - another NumPy layout
        pytest.skip("this NumPy has no cholesky_lo kernel")
    rng = np.random.default_rng(4)
    a = rng.normal(size=(9, 5, 5))
    stack = a @ a.transpose(0, 2, 1) + 0.1 * np.eye(5)
    stack[2, 0, 0] = -1.0  # not positive definite
    stack[5] = np.outer(a[5, 0], a[5, 0]) - 1e-3 * np.eye(5)  # indefinite (rank 1, shifted)
    stack[7, 1, 1] = np.nan  # not finite
    chol, ok = batch._cholesky(stack)
    assert ok.tolist() == [True, True, False, True, True, False, True, False, True]
    for k in np.flatnonzero(ok):
        np.testing.assert_allclose(chol[k], np.linalg.cholesky(stack[k]), rtol=1e-12, atol=1e-14)
    for k in np.flatnonzero(~ok):
        np.testing.assert_array_equal(chol[k], np.eye(5))
