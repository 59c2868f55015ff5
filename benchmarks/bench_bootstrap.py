"""Time the PLS bootstrap of the ECSI model: sem_csat against seminr's Python port.

Run from the repository root::

    python benchmarks/bench_bootstrap.py [--boot 5000] [--seminr-boot 200] [--repeat 3]

sem_csat: ``bootstrap_pls`` with ``--boot`` resamples (path weighting, 250 x 24 ECSI mobile data,
percentile and BCa intervals, the 250 jackknife fits included), with ``n_jobs=1`` and
``n_jobs=2``; the best of ``--repeat`` runs is reported, after one untimed run that warms the
joblib worker pool (the cold start is printed too).  Peak memory: the largest traced allocation
(``tracemalloc``, in a separate run) and the largest resident set size of the main process and
of the workers (``getrusage``).  A breakdown shows where a resample's time goes.

seminr: ``bootstrap_model`` with ``--seminr-boot`` resamples, sequential, timed once.  The
machine may be shared: the load average is printed, and the ratio uses each side's best time.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import tracemalloc
from collections.abc import Callable
from functools import partial

import numpy as np

import sem_csat
from sem_csat.inference.bootstrap import _bootstrap_counts, moments_from_counts, seed_sequence
from sem_csat.pls.bootstrap import bootstrap_pls, pls_replicate_fn
from sem_csat.pls.model import PLS
from sem_csat.pls.results import PLSResult


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Smallest wall-clock time of ``repeat`` calls."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return min(out)


def max_rss_mb() -> float:
    """Largest resident set size of this process so far, in MB (Linux: kB units)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_rss_mb(n_jobs: int) -> float:
    """Largest resident set size among the joblib workers, in MB."""
    from joblib import Parallel, delayed

    sizes: list[float] = Parallel(n_jobs=n_jobs)(delayed(max_rss_mb)() for _ in range(4 * n_jobs))
    return max(sizes)


def breakdown(fit: PLSResult, size: int = 1000) -> dict[str, float]:
    """Microseconds per resample of the three steps, on one chunk of ``size`` resamples."""
    x = fit.data.frame.to_numpy(dtype=np.float64)
    fn = pls_replicate_fn(fit.estimate.structure, fit.settings.scheme)
    root = seed_sequence(1)
    counts = _bootstrap_counts(root, len(x), 0, size)
    moments = moments_from_counts(x, counts)
    fn(moments)  # warm up
    return {
        "draw counts": best_of(lambda: _bootstrap_counts(root, len(x), 0, size), 3) / size,
        "moments": best_of(lambda: moments_from_counts(x, counts), 3) / size,
        "PLS estimate + statistics": best_of(lambda: fn(moments), 3) / size,
    }


def seminr_time(fit: PLSResult, n_boot: int) -> float | None:
    """Seconds per resample of seminr's ``bootstrap_model`` (None if seminr is missing)."""
    try:
        import seminr as sm
    except ImportError:
        return None
    spec = fit.spec
    mm = sm.constructs(
        *(sm.composite(c.name, list(c.indicator_names), sm.mode_A) for c in spec.constructs)
    )
    st = sm.relationships(*(sm.paths(p.source, p.target) for p in spec.paths))
    model = sm.estimate_pls(fit.data.frame, mm, st, inner_weights=sm.path_weighting)  # type: ignore[arg-type]
    sm.bootstrap_model(model, 5, seed=1)  # warm up
    start = time.perf_counter()
    boot = sm.bootstrap_model(model, n_boot, seed=1)
    elapsed = time.perf_counter() - start
    if boot.fails:
        print(f"  (seminr: {boot.fails} failed resamples)")
    return elapsed / n_boot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boot", type=int, default=5000, help="sem_csat resamples (5000)")
    parser.add_argument("--seminr-boot", type=int, default=200, help="seminr resamples (200)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per setting (3)")
    args = parser.parse_args()

    fit = PLS().fit(sem_csat.load_spec("ecsi"), sem_csat.datasets.load("ecsi_mobile"))
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(
        f"ECSI model, {fit.n_obs} x {len(fit.indicators)} data, path weighting; "
        f"{os.cpu_count()} CPUs, load average {load}"
    )

    def run(n_jobs: int) -> object:
        return bootstrap_pls(fit, args.boot, seed=12345, n_jobs=n_jobs, progress=False)

    ours: dict[int, float] = {}
    for n_jobs in (1, 2):
        cold = best_of(partial(run, n_jobs), 1)
        ours[n_jobs] = best_of(partial(run, n_jobs), args.repeat)
        print(
            f"sem_csat, {args.boot} resamples, n_jobs={n_jobs}: best {ours[n_jobs]:.3f} s "
            f"({ours[n_jobs] / args.boot * 1e6:.1f} us per resample; first run {cold:.3f} s)"
        )
    tracemalloc.start()
    run(1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"peak memory: {peak / 2**20:.1f} MB traced allocations (n_jobs=1); max RSS "
        f"{max_rss_mb():.0f} MB main process, {worker_rss_mb(2):.0f} MB per worker (n_jobs=2)"
    )
    steps = breakdown(fit)
    print(
        "per resample, n_jobs=1: "
        + ", ".join(f"{name} {sec * 1e6:.1f} us" for name, sec in steps.items())
    )

    per = seminr_time(fit, args.seminr_boot)
    if per is None:
        print("seminr is not installed; skipping the comparison")
        return
    print(f"seminr bootstrap_model, {args.seminr_boot} resamples: {per * 1e3:.2f} ms per resample")
    for n_jobs, sec in ours.items():
        print(f"seminr / sem_csat per resample, n_jobs={n_jobs}: {per / (sec / args.boot):.0f}x")


if __name__ == "__main__":
    main()
