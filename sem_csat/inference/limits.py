"""What a resampling run may ask of the machine and of the data, checked before any work.

- :func:`min_resamples`, :func:`check_resamples`: a bootstrap needs enough resamples for its
  intervals to have tails at all (two resamples once gave a p-value of .025);
- :func:`check_n_jobs`: workers are bounded by the machine's processors (``n_jobs=100000``
  would start that many processes), ``0`` is not a number of workers;
- :func:`check_memory`: the replicates are held in memory, so their size is estimated against
  the memory available before anything is allocated (``n_boot=10**9`` ended in MemoryError).

Every refusal is one sentence (:class:`~sem_csat.errors.UsageError`) that says what to use.
"""

from __future__ import annotations

import math
import os
from typing import Final

from sem_csat.errors import UsageError

__all__ = [
    "MEMORY_SHARE",
    "RECOMMENDED_RESAMPLES",
    "available_memory",
    "check_memory",
    "check_n_jobs",
    "check_resamples",
    "cpu_count",
    "format_bytes",
    "min_resamples",
]

#: Resamples recommended for reported results (Hair et al. 2022; SmartPLS and seminr default
#: to 5000 as well; fewer than 1000 is noted on the result).
RECOMMENDED_RESAMPLES: Final = 5000
#: Largest share of the available memory that a run may plan to use.
MEMORY_SHARE: Final = 0.5


def min_resamples(conf: float = 0.95) -> int:
    """Fewest resamples that give a two-sided percentile interval at level ``conf`` a tail.

    Notes
    -----
    Each tail of the interval holds a share :math:`(1 - \\text{conf}) / 2` of the resamples;
    with :math:`B < 2 / (1 - \\text{conf})` resamples a tail holds none, and the interval end
    points and the bootstrap p-values are the extremes of a handful of draws:

    .. math:: B_{\\min} = \\lceil 2 / (1 - \\text{conf}) \\rceil

    (40 for 95% intervals, 200 for 99%).  This is a floor for the arithmetic, not a
    recommendation: interval end points need about 1000 resamples to be stable from seed to
    seed, and 5000 are customary for reported results (Efron & Tibshirani 1993, §19.3).

    Examples
    --------
    >>> min_resamples(0.95), min_resamples(0.99), min_resamples(0.90)
    (40, 200, 20)
    """
    return math.ceil(round(2.0 / (1.0 - float(conf)), 9))


def check_resamples(n_boot: object, conf: float = 0.95) -> int:
    """Refuse a number of resamples below :func:`min_resamples` (or not a whole number).

    Examples
    --------
    >>> check_resamples(5000)
    5000
    >>> check_resamples(2)
    Traceback (most recent call last):
    ...
    sem_csat.errors.UsageError: 2 bootstrap resamples cannot give 95% intervals ...
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | float) or n_boot != n_boot:
        raise UsageError(
            f"The number of bootstrap resamples must be a whole number such as 5000; "
            f"got {n_boot!r}."
        )
    if isinstance(n_boot, float):
        if not n_boot.is_integer():
            raise UsageError(
                f"The number of bootstrap resamples must be a whole number such as 5000; "
                f"got {n_boot!r}."
            )
        n_boot = int(n_boot)
    need = min_resamples(conf)
    if n_boot < need:
        raise UsageError(
            f"{n_boot} bootstrap resamples cannot give {conf:.0%} intervals or p-values: each "
            f"tail of a {conf:.0%} interval needs at least one resample, so at least {need} "
            f"(2 / (1 − {conf:g})) are needed; use {RECOMMENDED_RESAMPLES} for reported "
            "results."
        )
    return int(n_boot)


def cpu_count() -> int:
    """Processors this process may use (its CPU affinity where the system tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - platforms without affinity
        return max(1, os.cpu_count() or 1)


def _local_backend() -> bool:
    """Whether joblib's active backend runs on this machine (not a Dask or Ray cluster)."""
    try:
        from joblib.parallel import get_active_backend

        backend, _ = get_active_backend()
    except Exception:  # pragma: no cover - an unusual joblib: assume local
        return True
    name = type(backend).__name__
    return name in {
        "LokyBackend",
        "MultiprocessingBackend",
        "ThreadingBackend",
        "SequentialBackend",
    }


def check_n_jobs(n_jobs: object, *, option: str = "n_jobs") -> int | None:
    """Refuse a number of workers that is not one, or that exceeds the machine.

    ``None`` (the enclosing joblib backend decides), ``1`` .. the number of processors, ``-1``
    (all of them) and joblib's ``-2``, ``-3``, ... (all but one, two, ...) are accepted;
    more workers than processors only with a backend that runs elsewhere (a Dask cluster).

    Examples
    --------
    >>> check_n_jobs(1), check_n_jobs(-1), check_n_jobs(None)
    (1, -1, None)
    >>> check_n_jobs(0)
    Traceback (most recent call last):
    ...
    sem_csat.errors.UsageError: n_jobs=0 is not a number of workers; ...
    """
    if n_jobs is None:
        return None
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int):
        raise UsageError(
            f"{option} must be a whole number of workers (1: this process only; -1: every "
            "processor); "
            f"got {n_jobs!r}."
        )
    cores = cpu_count()
    if n_jobs == 0:
        raise UsageError(
            f"{option}=0 is not a number of workers; use 1 (this process only), a number up "
            f"to {cores}, or -1 for every processor."
        )
    if n_jobs < -cores:
        raise UsageError(
            f"{option}={n_jobs} would leave fewer than one of this machine's {cores} "
            f"processors to work; use -1 (every processor) or a number from 1 to {cores}."
        )
    if n_jobs > cores and _local_backend():
        raise UsageError(
            f"{option}={n_jobs} is more workers than this machine has processors ({cores}); "
            f"use at most {cores}, or -1 for all of them (more workers only help on a "
            "cluster: run inside joblib.parallel_backend('dask'))."
        )
    return n_jobs


def available_memory() -> int | None:
    """Bytes of memory available to new allocations (``MemAvailable`` on Linux), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:  # pragma: no cover - systems without /proc/meminfo
        pages = os.sysconf("SC_AVPHYS_PAGES")
        size = os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # pragma: no cover
        return None
    return int(pages) * int(size) if pages > 0 and size > 0 else None  # pragma: no cover


def format_bytes(n: float) -> str:
    """``1.5 GB``, ``800 MB``, ``12 kB`` (decimal units).

    Examples
    --------
    >>> format_bytes(8e11), format_bytes(3.2e9), format_bytes(12_000)
    ('800 GB', '3.2 GB', '12 kB')
    """
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"
    return f"{n:.0f} bytes"


def check_memory(needed: float, what: str, *, advice: str) -> None:
    """Refuse a plan that needs more than :data:`MEMORY_SHARE` of the available memory.

    Parameters
    ----------
    needed
        Estimated bytes.
    what
        What would need them, as the subject of a sentence (``"5e9 resamples"``).
    advice
        What to do instead, as the end of the sentence.
    """
    free = available_memory()
    if free is None or needed <= MEMORY_SHARE * free:
        return
    raise UsageError(
        f"{what} would need about {format_bytes(needed)} of memory, more than this machine "
        f"can spare ({format_bytes(free)} available); {advice}."
    )
