"""Time the PLS bootstrap of the ECSI model: sem_csat against seminr's Python port.

Run from the repository root::

    python benchmarks/bench_bootstrap.py [--boot 2000] [--seminr-boot 200] [--repeat 3]

sem_csat: ``bootstrap_pls`` with ``--boot`` resamples (path weighting, 250 x 24 ECSI mobile data,
percentile and BCa intervals, the 250 jackknife fits and the summaries included), with
``n_jobs=1`` and ``n_jobs=2``; the best of ``--repeat`` runs is reported, after one untimed run
that warms the joblib worker pool (the cold start is printed too).  Wall-clock and CPU time
(``time.process_time`` of this process: on a shared machine it is less disturbed by the other
processes) are both printed.  Peak memory: the largest traced allocation (``tracemalloc``, in a
separate run) and the largest resident set size of the main process and of the workers
(``getrusage``).  A breakdown shows where a resample's CPU time goes on one worker, beside the
arithmetic's lower bound: the weighted cross-product of the 250 x 24 data (one row of
``counts @ [Z | P]``, ``2 n (p + p(p+1)/2)`` = 162 kFLOP) at the rate this machine's BLAS
reaches on such a product, and drawing 250 row indices.

seminr: ``bootstrap_model`` with ``--seminr-boot`` resamples, sequential, timed once (wall and
CPU).  The machine may be shared: the load average is printed, and the ratios use each side's
best time.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import time
import tracemalloc
from collections.abc import Callable
from functools import partial

import numpy as np

import sem_csat
from sem_csat.inference import bootstrap as ib
from sem_csat.pls.bootstrap import bootstrap_pls, pls_replicate_fn
from sem_csat.pls.model import PLS
from sem_csat.pls.results import PLSResult


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Smallest wall-clock and smallest CPU time of ``repeat`` calls."""
    wall, cpu = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return min(wall), min(cpu)


def max_rss_mb() -> float:
    """Largest resident set size of this process so far, in MB (Linux: kB units)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_rss_mb(n_jobs: int) -> float:
    """Largest resident set size among the joblib workers, in MB."""
    from joblib import Parallel, delayed

    sizes: list[float] = Parallel(n_jobs=n_jobs)(delayed(max_rss_mb)() for _ in range(4 * n_jobs))
    return max(sizes)


def breakdown(fit: PLSResult, n_boot: int, size: int = 500) -> dict[str, float]:
    """CPU microseconds per resample of the steps, BLAS on one thread as in a bootstrap run."""
    x = fit.data.frame.to_numpy(dtype=np.float64)
    fn = pls_replicate_fn(fit.estimate.structure, fit.settings.scheme)
    root = ib.seed_sequence(1)
    boot = bootstrap_pls(fit, n_boot, seed=1, progress=False)

    def per(step: Callable[[], object], count: int = size, repeat: int = 5) -> float:
        step()
        return best_of(step, repeat)[1] / count * 1e6

    with ib.one_blas_thread():
        counts = ib._bootstrap_counts(root, len(x), 0, size)
        moments = ib.moments_from_counts(x, counts)
        est = fn.estimate(moments)
        n, p = x.shape
        products = np.ones((n, p + p * (p + 1) // 2))
        gemm = per(lambda: counts[:64] @ products, 64, 20)
        rng = np.random.default_rng(1)
        draws = per(lambda: [rng.integers(0, n, n) for _ in range(100)], 100)
        return {
            "draw counts (seeding, 250 draws, bincount)": per(
                lambda: ib._bootstrap_counts(root, n, 0, size)
            ),
            "moments (C [Z | P] on tiles of 64, correlations)": per(
                lambda: ib.moments_from_counts(x, counts)
            ),
            "PLS iterations (batched estimate)": per(lambda: fn.estimate(moments)),
            "statistics and checks": per(lambda: ib._evaluate(fn, moments, None))
            - per(lambda: fn.estimate(moments)),
            "jackknife, per resample": per(
                lambda: fn(ib.leave_one_out_moments(x, np.arange(n))), n_boot
            ),
            "summaries and diagnostics, per resample": per(
                lambda: dataclasses.replace(boot.replicates).diagnostics(0.95), n_boot
            ),
            "lower bound: the cross-product at this BLAS's rate": gemm,
            "lower bound: drawing 250 row indices": draws,
            "_est": float(est.iterations.mean()),
        }


def seminr_time(fit: PLSResult, n_boot: int) -> tuple[float, float] | None:
    """Wall and CPU seconds per resample of seminr's ``bootstrap_model`` (None if missing)."""
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
    w, c = time.perf_counter(), time.process_time()
    boot = sm.bootstrap_model(model, n_boot, seed=1)
    wall, cpu = time.perf_counter() - w, time.process_time() - c
    if boot.fails:
        print(f"  (seminr: {boot.fails} failed resamples)")
    return wall / n_boot, cpu / n_boot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boot", type=int, default=2000, help="sem_csat resamples (2000)")
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

    ours: dict[int, tuple[float, float]] = {}
    for n_jobs in (1, 2):
        cold = best_of(partial(run, n_jobs), 1)[0]
        ours[n_jobs] = best_of(partial(run, n_jobs), args.repeat)
        wall, cpu = ours[n_jobs]
        print(
            f"sem_csat, {args.boot} resamples, n_jobs={n_jobs}: best {wall:.3f} s "
            f"({wall / args.boot * 1e6:.1f} us per resample"
            + (f", CPU {cpu / args.boot * 1e6:.1f} us" if n_jobs == 1 else "")
            + f"; first run {cold:.3f} s)"
        )
    tracemalloc.start()
    run(1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"peak memory: {peak / 2**20:.1f} MB traced allocations (n_jobs=1); max RSS "
        f"{max_rss_mb():.0f} MB main process, {worker_rss_mb(2):.0f} MB per worker (n_jobs=2)"
    )
    steps = breakdown(fit, args.boot)
    iterations = steps.pop("_est")
    print(f"CPU per resample on one worker (mean {iterations:.1f} PLS iterations):")
    for name, us in steps.items():
        print(f"  {name:58s} {us:7.1f} us")

    per = seminr_time(fit, args.seminr_boot)
    if per is None:
        print("seminr is not installed; skipping the comparison")
        return
    print(
        f"seminr bootstrap_model, {args.seminr_boot} resamples: {per[0] * 1e3:.2f} ms per "
        f"resample (CPU {per[1] * 1e3:.2f} ms)"
    )
    for n_jobs, (wall, cpu) in ours.items():
        ratio = per[0] / (wall / args.boot)
        line = f"seminr / sem_csat per resample, n_jobs={n_jobs}: {ratio:.0f}x"
        if n_jobs == 1:
            line += f" (CPU time: {per[1] / (cpu / args.boot):.0f}x)"
        print(line)


if __name__ == "__main__":
    main()
