"""Time a full PLS fit of the ECSI model: sem_csat's engine against seminr's Python port.

Run from the repository root::

    python benchmarks/bench_pls_fit.py [--repeat 50] [--batch 1000]

A "fit" goes from the raw 250 x 24 data array to construct scores with the path weighting scheme:
compile the model, standardize, correlate, iterate, score.  seminr (a development dependency)
does the same in ``estimate_pls``.  Both are warmed up and then timed ``--repeat`` times; the
best and the median are printed.  Then a batch of ``--batch`` bootstrap correlation matrices
goes through one call of :func:`sem_csat.pls.engine.estimate`, the building block of the
bootstrap.  The data are the ECSI mobile-phone survey in ``../shared/data/ecsi_mobile.csv``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from sem_csat.pls import engine

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ecsi_mobile.csv"

BLOCKS = {
    "Image": [f"IMAG{i}" for i in range(1, 6)],
    "Expectation": [f"CUEX{i}" for i in range(1, 4)],
    "Quality": [f"PERQ{i}" for i in range(1, 8)],
    "Value": ["PERV1", "PERV2"],
    "Satisfaction": [f"CUSA{i}" for i in range(1, 4)],
    "Complaints": ["CUSCO"],
    "Loyalty": [f"CUSL{i}" for i in range(1, 4)],
}
PATHS = {
    "Image": ["Expectation", "Satisfaction", "Loyalty"],
    "Expectation": ["Quality", "Value", "Satisfaction"],
    "Quality": ["Value", "Satisfaction"],
    "Value": ["Satisfaction"],
    "Satisfaction": ["Complaints", "Loyalty"],
    "Complaints": ["Loyalty"],
}


def timings(fn: Callable[[], object], repeat: int, warmup: int = 5) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls of ``fn`` after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def ours(data: pd.DataFrame) -> Callable[[], np.ndarray]:
    columns = list(data.columns)
    names = list(BLOCKS)
    x = data.to_numpy(dtype=np.float64)

    def fit() -> np.ndarray:
        adjacency = np.zeros((len(names), len(names)), dtype=bool)
        for source, targets in PATHS.items():
            for target in targets:
                adjacency[names.index(source), names.index(target)] = True
        structure = engine.compile_structure(
            [[columns.index(i) for i in items] for items in BLOCKS.values()],
            ["A"] * len(names),
            adjacency,
            names=names,
        )
        est = engine.estimate(engine.correlation(x), structure, scheme="path")
        return engine.construct_scores(engine.standardize(x), est.weights)

    return fit


def seminr_fit(data: pd.DataFrame) -> Callable[[], object] | None:
    try:
        import seminr as sm
    except ImportError:
        return None
    mm = sm.constructs(*(sm.composite(n, items, sm.mode_A) for n, items in BLOCKS.items()))
    st = sm.relationships(*(sm.paths(source, targets) for source, targets in PATHS.items()))

    def fit() -> object:
        return sm.estimate_pls(data, mm, st, inner_weights=sm.path_weighting)

    return fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="timed runs per fit (50)")
    parser.add_argument("--batch", type=int, default=1000, help="bootstrap matrices (1000)")
    args = parser.parse_args()
    if not DATA.is_file():
        raise SystemExit(f"error: the ECSI data are not at {DATA}")
    data = pd.read_csv(DATA)
    print(f"ECSI model, {len(data)} x {data.shape[1]} data, path weighting; {os.cpu_count()} CPUs")

    t_ours = timings(ours(data), args.repeat)
    print(
        f"sem_csat single fit:  best {min(t_ours) * 1e3:7.3f} ms   "
        f"median {statistics.median(t_ours) * 1e3:7.3f} ms"
    )
    fit = seminr_fit(data)
    if fit is None:
        print("seminr is not installed; skipping the comparison")
    else:
        t_sem = timings(fit, args.repeat)
        print(
            f"seminr single fit:    best {min(t_sem) * 1e3:7.3f} ms   "
            f"median {statistics.median(t_sem) * 1e3:7.3f} ms"
        )
        ratio = statistics.median(t_sem) / statistics.median(t_ours)
        print(f"seminr / sem_csat (median): {ratio:.1f}x")

    # bootstrap correlation matrices, then one batched estimate
    names = list(BLOCKS)
    columns = list(data.columns)
    adjacency = np.zeros((len(names), len(names)), dtype=bool)
    for source, targets in PATHS.items():
        for target in targets:
            adjacency[names.index(source), names.index(target)] = True
    structure = engine.compile_structure(
        [[columns.index(i) for i in items] for items in BLOCKS.values()],
        ["A"] * len(names),
        adjacency,
        names=names,
    )
    x = data.to_numpy(dtype=np.float64)
    rng = np.random.default_rng(np.random.SeedSequence(12345))
    rows = rng.integers(0, len(x), size=(args.batch, len(x)))
    start = time.perf_counter()
    rs = engine.correlation(x[rows])
    t_corr = time.perf_counter() - start
    t_batch = timings(lambda: engine.estimate(rs, structure, scheme="path"), 3, warmup=1)
    est = engine.estimate(rs, structure, scheme="path")
    best = min(t_batch)
    print(
        f"batch of {args.batch} bootstrap matrices: estimate {best * 1e3:.1f} ms "
        f"({best / args.batch * 1e6:.1f} us per matrix, "
        f"mean {est.iterations.mean():.1f} iterations, {int(est.converged.sum())} converged); "
        f"building the matrices took {t_corr * 1e3:.1f} ms"
    )


if __name__ == "__main__":
    main()
