"""Bootstrap every group on its own: :func:`bootstrap_groups`.

Henseler's PLS-MGA, the parametric and the Welch–Satterthwaite tests and the bootstrap interval
of an index difference need each group's bootstrap distribution.  Each group is resampled within
itself by :func:`sem_csat.pls.bootstrap.bootstrap_pls` (batched, seeded per replicate, the same
numbers for any number of workers), with the 0–100 index and the specific indirect effects as
extra statistics (every statistic :meth:`PLSResult.bootstrap <sem_csat.pls.results.PLSResult.
bootstrap>` has, so that a group's fit with its bootstrap attached is a complete bootstrapped
result: :meth:`GroupBootstraps.result`).  Group
:math:`g` (its position in :attr:`~sem_csat.groups.GroupedData.levels`) draws from
``SeedSequence(seed).spawn``-style children of ``SeedSequence(entropy, spawn_key=(*key, g))``,
so adding a pair of groups never changes another group's resamples.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from sem_csat.errors import UsageError
from sem_csat.groups.fits import GroupFits, group_context
from sem_csat.inference.bootstrap import SeedLike, seed_sequence
from sem_csat.pls.bootstrap import PLSBootstrap, bootstrap_pls
from sem_csat.pls.effects import ChainStatistic, enumerate_chains
from sem_csat.pls.index import IndexStatistic

if TYPE_CHECKING:
    from sem_csat.pls.results import PLSResult

__all__ = ["GroupBootstraps", "bootstrap_groups"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class GroupBootstraps:
    """Each group's bootstrap (from :func:`bootstrap_groups`).

    Attributes
    ----------
    fits
        The group fits that were bootstrapped.
    boots
        One :class:`~sem_csat.pls.bootstrap.PLSBootstrap` per group, by label; statistics
        ``paths``, ``total_effects``, ``indirect_effects``, ``index`` and the others of
        :data:`sem_csat.pls.bootstrap.STATISTICS`.
    seed
        Root entropy of the run; the same seed repeats it.
    spawn_key
        Spawn key of the root sequence (group :math:`g` uses ``(*spawn_key, g)``).
    """

    fits: GroupFits
    boots: Mapping[str, PLSBootstrap]
    seed: int | tuple[int, ...]
    spawn_key: tuple[int, ...]

    @property
    def n_boot(self) -> int:
        """Resamples per group."""
        return next(iter(self.boots.values())).n_boot

    def replicates(self, level: str, name: str) -> FloatArray:
        """``(n_boot, k)`` replicates of statistic ``name`` in one group (NaN where failed)."""
        return np.asarray(self.boots[level].replicates.replicates[name], dtype=np.float64)

    def samples(self, level: str, name: str) -> FloatArray:
        """``(n_ok, k)`` successful replicates of statistic ``name`` in one group."""
        return self.boots[level].replicates.samples(name)

    def std_error(self, level: str, name: str) -> FloatArray:
        """``(k,)`` bootstrap standard errors (divisor :math:`B - 1`; NaN-aware per column)."""
        s = self.samples(level, name)
        out = np.full(s.shape[1], np.nan)
        for k in range(s.shape[1]):
            col = s[np.isfinite(s[:, k]), k]
            if col.size >= 2:
                out[k] = col.std(ddof=1)
        return out

    @property
    def conf(self) -> float:
        """Confidence level of the groups' percentile intervals."""
        return float(next(iter(self.boots.values())).conf)

    def result(self, level: str) -> PLSResult:
        """The fit of one group with its bootstrap attached: standard errors, t and p values
        and percentile intervals of its paths, effects, weights, loadings and index scores."""
        fit = self.fits.result(level)
        return dataclasses.replace(fit, boot=self.boots[level], ci="percentile")

    def __repr__(self) -> str:
        ok = ", ".join(f"{g} {b.n_ok}" for g, b in self.boots.items())
        return f"<GroupBootstraps: {self.n_boot} per group (successful: {ok}), seed {self.seed}>"


def bootstrap_groups(
    fits: GroupFits,
    n_boot: int = 5000,
    *,
    seed: SeedLike = None,
    n_jobs: int | None = 1,
    progress: bool | None = None,
    conf: float = 0.95,
) -> GroupBootstraps:
    """Bootstrap the model within every group.

    Parameters
    ----------
    fits
        The model fitted in every group.
    n_boot
        Resamples per group.
    seed
        Integer, ``SeedSequence`` or None (fresh entropy, recorded on the result).
    n_jobs
        joblib workers; None takes the active joblib backend (Dask).  No effect on the numbers.
    progress
        Progress bar (tqdm on stderr): None shows it on a terminal for runs over a second.
    conf
        Confidence level of each group's percentile intervals (no effect on the tests).

    Returns
    -------
    GroupBootstraps
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 2:
        raise UsageError(f"n_boot must be an integer of at least 2, such as 5000; got {n_boot!r}.")
    root = seed_sequence(seed)
    names = fits.spec.construct_names
    adjacency = np.zeros((len(names), len(names)), dtype=bool)
    for p in fits.spec.paths:
        adjacency[names.index(p.source), names.index(p.target)] = True
    chains = tuple(c.nodes for c in enumerate_chains(adjacency, names))
    extras = (ChainStatistic(chains), IndexStatistic.for_spec(fits.spec))
    boots: dict[str, PLSBootstrap] = {}
    for g_index, g in enumerate(fits.levels):
        child = np.random.SeedSequence(
            root.entropy, spawn_key=(*root.spawn_key, g_index), pool_size=root.pool_size
        )
        with group_context(f"In {fits.data.name(g)}"):
            boots[g] = bootstrap_pls(
                fits.results[g],
                int(n_boot),
                seed=child,
                n_jobs=n_jobs,
                progress=progress,
                extras=extras,
                conf=conf,
                bca=False,
            )
    entropy = root.entropy
    recorded = int(entropy) if isinstance(entropy, int | np.integer) else tuple(entropy or ())
    return GroupBootstraps(
        fits=fits, boots=boots, seed=recorded, spawn_key=tuple(int(k) for k in root.spawn_key)
    )
