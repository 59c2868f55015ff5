"""Everything a group comparison reports, in one call: :func:`compare_groups`.

Fits the model in every group, permutes group membership once and bootstraps every group once,
and derives from these two runs MICOM (:mod:`sem_csat.groups.micom`), the multi-group analysis
(:mod:`sem_csat.groups.mga`) and the index comparison (:mod:`sem_csat.groups.index_compare`).
The result's :meth:`GroupComparison.tables` are the files a command line writes (``micom.csv``,
``mga.csv``, ``mga_effects.csv``, ``index_groups.csv``); its summary is what it prints.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd

from sem_csat.diagnostics import Diagnostic
from sem_csat.groups.bootstrap import GroupBootstraps, bootstrap_groups
from sem_csat.groups.fits import GroupFits, fit_groups
from sem_csat.groups.index_compare import IndexComparison, Interval, compare_index
from sem_csat.groups.mga import MGAResult, mga
from sem_csat.groups.micom import MICOMResult, check_alpha, micom
from sem_csat.groups.permutation import GroupPermutations, permute_groups, seed_streams
from sem_csat.groups.split import Missing
from sem_csat.groups.stats import Centring
from sem_csat.inference.bootstrap import SeedLike
from sem_csat.summary import ResultDisplay, Section, Summary

if TYPE_CHECKING:
    from sem_csat.data import RawData
    from sem_csat.spec.model import ModelSpec

__all__ = ["GroupComparison", "compare_groups"]


@dataclass(frozen=True, eq=False)
class GroupComparison(ResultDisplay):
    """MICOM, multi-group analysis and index comparison of one model across groups or waves.

    Attributes
    ----------
    fits
        The model fitted in every group.
    permutations, bootstraps
        The one permutation run and the one bootstrap per group all tests come from.
    micom, mga
        :class:`~sem_csat.groups.micom.MICOMResult`, :class:`~sem_csat.groups.mga.MGAResult`.
    index
        :class:`~sem_csat.groups.index_compare.IndexComparison`, or None when no construct
        declares an answer scale.
    seed
        The seed of the run (its two streams: :func:`~sem_csat.groups.permutation.seed_streams`).
    """

    fits: GroupFits
    permutations: GroupPermutations
    bootstraps: GroupBootstraps
    micom: MICOMResult
    mga: MGAResult
    index: IndexComparison | None
    seed: int | tuple[int, ...]

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables to write, ``name -> DataFrame`` (``<name>.csv``)."""
        out = {
            "group_paths": self.fits.paths,
            "micom": self.micom.table,
            "mga": self.mga.table,
            "mga_effects": self.mga.effects,
        }
        if self.index is not None:
            out["index_groups"] = self.index.table
        return out

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Every finding, once."""
        seen: set[tuple[str, str]] = set()
        out = []
        parts = [self.micom.diagnostics, self.mga.diagnostics]
        if self.index is not None:
            parts.append(self.index.diagnostics)
        for d in (d for part in parts for d in part):
            if (d.code, d.message) not in seen:
                seen.add((d.code, d.message))
                out.append(d)
        return tuple(out)

    def summary(self) -> Summary:
        """Paths by group, MICOM's verdict, the path differences and the index differences."""
        f, d = self.fits, self.fits.data
        header = [
            ("Model", f"{f.spec.name} ({len(f.spec.constructs)} constructs), {f.method.upper()}"),
            (
                d.noun.capitalize() + "s",
                f"column '{d.column}': " + ", ".join(f"{g} (N={n})" for g, n in d.sizes.items()),
            ),
            (
                "Resampling",
                f"{self.permutations.n_perm} permutations per pair, "
                f"{self.bootstraps.n_boot} bootstrap resamples per {d.noun}, seed {self.seed}",
            ),
        ]
        verdicts = self.micom.verdicts
        if len(f.levels) == 2:
            verdicts = verdicts.drop(columns=["group_a", "group_b"])
        sections = [
            Section(f"Path coefficients by {d.noun}", f.paths),
            Section("Measurement invariance (MICOM)", verdicts, lines=tuple(f.configural())),
            Section(
                f"Path differences ({d.noun} a minus {d.noun} b)",
                self.mga.table,
                lines=self.mga.method_notes(),
            ),
        ]
        if self.index is not None:
            sections.append(
                Section(f"Index by {d.noun}", self.index.table, lines=self.index.sentences())
            )
        sections.append(Section("MICOM details", self.micom.table, collapsed=True))
        sections.append(Section("Effect differences", self.mga.effects, collapsed=True))
        title = f"sem_csat {'wave' if d.waves else 'group'} comparison: {f.spec.name} by {d.column}"
        return Summary(title, header, sections, self.diagnostics)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{g} ({n})" for g, n in self.fits.data.sizes.items())
        return (
            f"<GroupComparison {self.fits.spec.name!r} by {self.fits.data.column!r}: {sizes}; "
            f"{self.permutations.n_perm} permutations, {self.bootstraps.n_boot} resamples, "
            f"seed {self.seed}>"
        )


def compare_groups(
    spec: ModelSpec,
    data: pd.DataFrame | RawData | str | os.PathLike[str] | GroupFits,
    group: str | None = None,
    *,
    method: Literal["pls", "plsc"] = "pls",
    scheme: Literal["path", "centroid", "factorial"] = "path",
    n_perm: int = 5000,
    n_boot: int = 5000,
    seed: SeedLike = None,
    n_jobs: int | None = 1,
    alpha: float = 0.05,
    interval: Interval = "bootstrap",
    centring: Centring = "estimate",
    levels: Sequence[str] | None = None,
    waves: bool | None = None,
    missing: Missing = "listwise",
    na_values: Sequence[float | str] = (),
    progress: bool | None = None,
) -> GroupComparison:
    """Compare a model across the groups (or survey waves) of a column: MICOM, MGA, index.

    Parameters
    ----------
    spec
        The model.
    data
        Survey data with the items and the group column, or existing
        :class:`~sem_csat.groups.GroupFits` (then ``group`` and the data options are not used).
    group
        Name of the group column.
    method, scheme
        ``"pls"`` or ``"plsc"``; the inner weighting scheme.
    n_perm, n_boot
        Permutations per pair and bootstrap resamples per group.
    seed
        Seed of both runs (recorded); the numbers are the same for any ``n_jobs``.
    n_jobs
        joblib workers; None takes the active joblib backend (such as Dask).
    alpha
        Significance level of MICOM's decisions; the index intervals and each group's
        bootstrap intervals have level 1 - alpha.
    interval
        Index difference interval: ``"bootstrap"`` or ``"permutation"``.
    centring
        Centring of Henseler's PLS-MGA: ``"estimate"`` or ``"bootstrap_mean"``.
    levels, waves, missing, na_values
        As in :func:`~sem_csat.groups.split`.
    progress
        Progress bars: None shows them on a terminal.

    Returns
    -------
    GroupComparison

    Examples
    --------
    >>> import sem_csat
    >>> from sem_csat.groups import compare_groups
    >>> cmp = compare_groups(sem_csat.load_spec("ecsi_bank"),
    ...                      sem_csat.datasets.load("bank_satisfaction"), "gender",
    ...                      n_perm=200, n_boot=200, seed=7, progress=False)
    >>> sorted(cmp.tables())
    ['group_paths', 'index_groups', 'mga', 'mga_effects', 'micom']
    >>> cmp.mga.table.columns.tolist()[:4]
    ['from', 'to', 'group_a', 'group_b']
    """
    alpha = check_alpha(alpha)
    if isinstance(data, GroupFits):
        fits = data
    else:
        if group is None:
            from sem_csat.errors import UsageError

            raise UsageError("Name the group column: compare_groups(spec, data, group='...').")
        fits = fit_groups(
            spec,
            data,
            group,
            method=method,
            scheme=scheme,
            levels=levels,
            waves=waves,
            missing=missing,
            na_values=na_values,
        )
    perm_seed, boot_seed = seed_streams(seed)
    permutations = permute_groups(fits, n_perm, seed=perm_seed, n_jobs=n_jobs, progress=progress)
    bootstraps = bootstrap_groups(
        fits, n_boot, seed=boot_seed, n_jobs=n_jobs, progress=progress, conf=1 - alpha
    )
    m = micom(fits, alpha=alpha, permutations=permutations)
    g = mga(
        fits,
        centring=centring,
        alpha=alpha,
        permutations=permutations,
        bootstraps=bootstraps,
    )
    spec_ = fits.spec
    scaled = any(spec_.scale_of(c) is not None for c in spec_.construct_names)
    idx = (
        compare_index(
            fits,
            interval=interval,
            alpha=alpha,
            permutations=permutations,
            bootstraps=bootstraps,
        )
        if scaled
        else None
    )
    return GroupComparison(
        fits=fits,
        permutations=permutations,
        bootstraps=bootstraps,
        micom=m,
        mga=g,
        index=idx,
        seed=permutations.seed,
    )
