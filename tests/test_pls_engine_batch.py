"""The batched PLS engine: its small solvers against LAPACK, and batch invariance.

The bootstrap's numbers must not depend on how replicates are grouped into chunks, so an
element of a batch must get bit-identical numbers alone or beside any others (checked exactly).
LAPACK (``numpy.linalg``) is the reference for the stacked elimination and the total effects.

Tolerances: ``TOL_LAPACK = 1e-12`` (relative) for well-conditioned systems.
"""

from __future__ import annotations

import numpy as np
import pytest

import sem_csat
from sem_csat.inference.bootstrap import bootstrap_indices
from sem_csat.pls import engine
from sem_csat.pls.engine import _spd_solve, _total_effects
from sem_csat.pls.model import PLS

TOL_LAPACK = 1e-12


def _spd_stack(rng: np.random.Generator, k: int, batch: tuple[int, ...]) -> np.ndarray:
    m = rng.normal(size=(*batch, k, k))
    a = m @ np.swapaxes(m, -1, -2) + 0.5 * np.eye(k)
    return np.ascontiguousarray(np.moveaxis(a, (-2, -1), (0, 1)))  # (k, k, *batch)


@pytest.mark.parametrize("k", [1, 2, 4, 6])
def test_stacked_elimination_matches_lapack(k: int) -> None:
    rng = np.random.default_rng(k)
    a = _spd_stack(rng, k, (3, 40))
    b = rng.normal(size=(k, 2, 3, 40))
    x, ok = _spd_solve(a, b)
    assert ok.all()
    ref = np.linalg.solve(np.moveaxis(a, (0, 1), (-2, -1)), np.moveaxis(b, (0, 1), (-2, -1)))
    np.testing.assert_allclose(np.moveaxis(x, (0, 1), (-2, -1)), ref, rtol=TOL_LAPACK * 100)


def test_each_system_gets_the_same_numbers_alone_or_in_a_stack() -> None:
    rng = np.random.default_rng(11)
    a = _spd_stack(rng, 4, (6, 33))
    b = rng.normal(size=(4, 1, 6, 33))
    x, _ = _spd_solve(a, b)
    for g, e in [(0, 0), (5, 32), (2, 17)]:
        alone, _ = _spd_solve(a[:, :, g : g + 1, e : e + 1], b[:, :, g : g + 1, e : e + 1])
        assert np.array_equal(alone[:, :, 0, 0], x[:, :, g, e])


def test_a_zero_pivot_is_reported() -> None:
    a = np.zeros((2, 2, 1))
    a[1, 1] = 1.0
    _, ok = _spd_solve(a, np.ones((2, 1, 1)))
    assert not ok[0]


def test_total_effects_are_the_inverse_of_i_minus_b() -> None:
    rng = np.random.default_rng(4)
    b = np.triu(rng.normal(size=(5, 7, 7)), 1)  # acyclic: only paths i -> j with i < j
    total = _total_effects(b, 6)
    ref = np.linalg.inv(np.eye(7) - b) - np.eye(7)
    np.testing.assert_allclose(total, ref, atol=1e-12)


def test_a_batch_gives_every_element_the_numbers_it_gets_alone() -> None:
    fit = PLS().fit(sem_csat.load_spec("ecsi"), sem_csat.datasets.load("ecsi_mobile"))
    x = fit.data.frame.to_numpy()
    rows = bootstrap_indices(5, len(x), range(40))
    r = engine.correlation(x[rows])
    structure = fit.estimate.structure
    batch = engine.estimate(r, structure)
    assert len(set(batch.iterations.tolist())) > 1  # elements stop at different iterations
    for b in range(0, 40, 3):
        alone = engine.estimate(r[b], structure)
        for name in ("weights", "loadings", "construct_corr", "paths", "r2", "total_effects"):
            assert np.array_equal(getattr(alone, name), getattr(batch, name)[b], equal_nan=True), (
                name
            )
        assert alone.iterations == batch.iterations[b]
