"""Vectorized seeding of the replicates' generators against NumPy's SeedSequence.

``replicate_generators`` must give exactly the generators that NumPy's
``SeedSequence(...).spawn(B)[b]`` gives (the bootstrap's documented streams), for any kind of
root; the comparison is of the generators' full states, and of their draws.
"""

from __future__ import annotations

import numpy as np
import pytest

from sem_csat.inference import seeding
from sem_csat.inference.bootstrap import replicate_rng
from sem_csat.inference.seeding import replicate_generators

ROOTS = [
    lambda: np.random.SeedSequence(0),
    lambda: np.random.SeedSequence(12345),
    lambda: np.random.SeedSequence(2**32 + 5),
    lambda: np.random.SeedSequence(2**200 + 17),
    lambda: np.random.SeedSequence([1, 2, 3, 4, 5, 6]),
    lambda: np.random.SeedSequence(9, pool_size=8),
    lambda: np.random.SeedSequence(7, spawn_key=(3, 2**40)),
    lambda: np.random.SeedSequence(4).spawn(3)[2],
    lambda: np.random.SeedSequence(np.array([5, 2**31], dtype=np.uint32)),
]


@pytest.mark.parametrize("make", ROOTS)
def test_vectorized_seeding_gives_numpys_spawned_generators(make) -> None:  # type: ignore[no-untyped-def]
    children = make().spawn(40)  # NumPy's own construction, from a fresh root
    root = make()
    fast = replicate_generators(root, 5, 40, replicate_rng)
    for b, gen in zip(range(5, 40), fast, strict=True):
        expected = np.random.default_rng(children[b])
        assert gen.bit_generator.state == expected.bit_generator.state
    assert np.array_equal(fast[-1].integers(0, 250, 250), expected.integers(0, 250, 250))


def test_fresh_entropy_and_high_replicate_numbers() -> None:
    root = np.random.SeedSequence()
    b = 2**32 - 2
    gens = replicate_generators(root, b, b + 2, replicate_rng)
    for k, gen in enumerate(gens):
        ref = replicate_rng(root, b + k)
        assert gen.bit_generator.state == ref.bit_generator.state


def test_a_disagreeing_fast_path_falls_back_to_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    def wrong(entropy: list[np.ndarray], pool_size: int) -> np.ndarray:
        return np.ones((entropy[0].shape[0], 4), dtype=np.uint64)

    monkeypatch.setattr(seeding, "_state_words", wrong)
    root = np.random.SeedSequence(3)
    gens = replicate_generators(root, 0, 5, replicate_rng)
    for b, gen in enumerate(gens):
        assert gen.bit_generator.state == replicate_rng(root, b).bit_generator.state
