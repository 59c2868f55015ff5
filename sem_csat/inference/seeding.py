"""The generators of a run of replicates, seeded in one vectorized step.

Replicate ``b`` of a resampling run with root ``numpy.random.SeedSequence`` ``root`` draws from

    ``default_rng(SeedSequence(root.entropy, spawn_key=(*root.spawn_key, b),
    pool_size=root.pool_size))``

(:func:`sem_csat.inference.bootstrap.replicate_rng`), the generator that ``root.spawn(B)[b]``
gives.  Building that ``SeedSequence`` and seeding a PCG64 from it costs about 10 µs, as much
as drawing the 250 row indices of an ECSI resample.  :func:`replicate_generators` runs the
``SeedSequence`` algorithm for a whole range of replicates at once in ``uint32`` array
arithmetic and seeds each PCG64 from the resulting state words (through
``numpy.random.bit_generator.ISeedSequence``), about 1 µs a replicate.  The generators are the
very ones of :func:`~sem_csat.inference.bootstrap.replicate_rng`: the first replicate of every
call is built both ways and compared, and on any difference (a NumPy whose seeding differs) the
slow construction is used for the whole range.

The algorithm is NumPy's ``SeedSequence`` (fixed by NEP 19, after O'Neill's ``seed_seq``
design): the entropy words (the root's entropy, padded with zeros to the pool size when there
is a spawn key, then the spawn key) are hashed into a pool of ``pool_size`` words, every pool
word is mixed with every other, remaining entropy words are mixed into every pool word, and
the state words are hashes of the pool words in turn.  PCG64 takes four 64-bit state words.

References
----------
.. [1] O'Neill, M. E. (2015). Developing a seed_seq alternative.
   https://www.pcg-random.org/posts/developing-a-seed_seq-alternative.html
.. [2] NumPy Enhancement Proposal 19: Random number generator policy.
   https://numpy.org/neps/nep-0019-rng-policy.html
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.random.bit_generator import ISeedSequence

__all__ = ["replicate_generators"]

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]

_MASK32 = 0xFFFFFFFF
_INIT_A = 0x43B0D7E5
_MULT_A = 0x931E8875
_INIT_B = 0x8B51F9DD
_MULT_B = 0x58F38DED
_MIX_MULT_L = 0xCA01F9DD
_MIX_MULT_R = 0x4973F715
_XSHIFT = np.uint32(16)
_PCG64_WORDS = 4  # 64-bit state words PCG64 asks its seed sequence for


def _int_words(value: int) -> list[int]:
    """A non-negative integer as 32-bit words, least significant first (0 is one word)."""
    words = [value & _MASK32]
    value >>= 32
    while value > 0:
        words.append(value & _MASK32)
        value >>= 32
    return words


def _words(entropy: Any) -> list[int] | None:
    """The 32-bit words of a SeedSequence's entropy or spawn key; None if not understood."""
    if isinstance(entropy, bool):
        return None
    if isinstance(entropy, int | np.integer):
        return _int_words(int(entropy)) if int(entropy) >= 0 else None
    if isinstance(entropy, tuple | list | np.ndarray):
        out: list[int] = []
        for value in entropy:
            part = _words(int(value)) if isinstance(value, int | np.integer) else None
            if part is None:
                return None
            out += part
        return out
    return None


class _Hash:
    """The running hash constant: the same sequence for every replicate (data-independent)."""

    def __init__(self, init: int, mult: int) -> None:
        self.value = init
        self.mult = mult

    def __call__(self, v: U32) -> U32:
        v = v ^ np.uint32(self.value)
        self.value = (self.value * self.mult) & _MASK32
        v = v * np.uint32(self.value)
        return v ^ (v >> _XSHIFT)


def _mix(x: U32, y: U32) -> U32:
    r: U32 = np.uint32(_MIX_MULT_L) * x - np.uint32(_MIX_MULT_R) * y
    out: U32 = r ^ (r >> _XSHIFT)
    return out


def _state_words(entropy: list[U32], pool_size: int) -> U64:
    """``(B, 4)`` PCG64 state words from ``B`` replicates' entropy words (rows of ``entropy``)."""
    size = entropy[0].shape[0]
    hashmix = _Hash(_INIT_A, _MULT_A)
    zero = np.zeros(size, dtype=np.uint32)
    pool = [hashmix(entropy[i] if i < len(entropy) else zero) for i in range(pool_size)]
    for src in range(pool_size):
        for dst in range(pool_size):
            if src != dst:
                pool[dst] = _mix(pool[dst], hashmix(pool[src]))
    for src in range(pool_size, len(entropy)):
        for dst in range(pool_size):
            pool[dst] = _mix(pool[dst], hashmix(entropy[src]))
    out = _Hash(_INIT_B, _MULT_B)
    half = [out(pool[i % pool_size]) for i in range(2 * _PCG64_WORDS)]
    low = np.stack(half[0::2], axis=1).astype(np.uint64)
    high = np.stack(half[1::2], axis=1).astype(np.uint64)
    words: U64 = low | (high << np.uint64(32))
    return words


class _StateWords(ISeedSequence):
    """Hands a bit generator precomputed state words (what ``generate_state`` would return)."""

    def __init__(self, words: U64) -> None:
        self._words = words

    def generate_state(self, n_words: int, dtype: Any = np.uint32) -> U64:
        if n_words != _PCG64_WORDS or np.dtype(dtype) != np.dtype(np.uint64):
            raise ValueError("these state words are for seeding a PCG64 only")
        return self._words.copy()


def _fast(root: np.random.SeedSequence, start: int, stop: int) -> list[np.random.Generator] | None:
    """The generators of replicates ``start..stop-1`` from vectorized state words, or None."""
    run, key = _words(root.entropy), _words(root.spawn_key)
    if run is None or key is None or stop - 1 > _MASK32 or stop <= start:
        return None
    pool_size = int(root.pool_size)
    # a replicate's spawn key is never empty (it ends with b), so the run entropy is padded
    run = run + [0] * max(0, pool_size - len(run))
    b = np.arange(start, stop, dtype=np.uint32)
    entropy = [np.full(b.shape, w, dtype=np.uint32) for w in run + key] + [b]
    states = _state_words(entropy, pool_size)
    # NumPy's bit generators take any ISeedSequence (its documented interface for seeding);
    # the type stubs list only SeedSequence
    return [np.random.Generator(np.random.PCG64(_StateWords(s))) for s in states]  # type: ignore[arg-type]


def replicate_generators(
    root: np.random.SeedSequence,
    start: int,
    stop: int,
    slow: Callable[[np.random.SeedSequence, int], np.random.Generator],
) -> list[np.random.Generator]:
    """The generators of replicates ``start, ..., stop - 1`` of a run with root ``root``.

    Parameters
    ----------
    root
        The run's root sequence.
    start, stop
        The replicate numbers.
    slow
        The reference construction, ``slow(root, b)``
        (:func:`~sem_csat.inference.bootstrap.replicate_rng`): used for the check of the first
        replicate, and for every replicate when the fast path does not apply or disagrees.

    Returns
    -------
    list of numpy.random.Generator
        ``slow(root, b)`` for each ``b``, the same streams.
    """
    fast = _fast(root, start, stop)
    if fast is not None and fast[0].bit_generator.state == slow(root, start).bit_generator.state:
        return fast
    return [slow(root, b) for b in range(start, stop)]
