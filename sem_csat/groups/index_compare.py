"""Did satisfaction change? The 0–100 index compared across groups and survey waves.

The question a satisfaction programme asks every year.  Each group (wave) is estimated on its
own and its index computed with the ACSI formula (:func:`sem_csat.pls.index.index_scores`: the
group's unstandardized outer weights, the group's item means, the declared answer scale).  The
difference :math:`I_a - I_b` (for waves: later minus earlier, the change) gets an interval and a
p-value from one of two resampling schemes:

``interval="bootstrap"`` (default)
    Each group is bootstrapped on its own (:func:`~sem_csat.groups.bootstrap_groups`);
    replicate :math:`b` of the difference is :math:`I^*_{a b} - I^*_{b b}`.  The interval is
    the percentile interval of these differences and the p-value the two-sided percentile
    p-value :math:`\\min(1, 2\\min(\\#\\{d^* \\le 0\\}, \\#\\{d^* \\ge 0\\}) / B)`, so
    :math:`p < 1 - \\text{conf}` exactly when the interval excludes 0.
``interval="permutation"``
    The permutation distribution of the difference (group labels shuffled, both groups
    re-estimated, :mod:`sem_csat.groups.permutation`) gives the two-sided p-value
    :math:`(1 + \\#\\{|d^{(u)}| \\ge |d|\\}) / (1 + U)`, and inverting the test under a shift
    model gives the interval :math:`[d - q_{1-\\alpha/2},\\; d - q_{\\alpha/2}]`
    (:math:`q` the quantiles of the permutation distribution).

A difference of indices is a difference of the *same* construct only when the groups weight its
items alike: MICOM's step 2 (compositional invariance, :mod:`sem_csat.groups.micom`) is run
first and its result stands beside every difference (:attr:`IndexComparison.details`, the
summary).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Final, Literal

import numpy as np
import pandas as pd

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import UsageError
from sem_csat.groups.bootstrap import GroupBootstraps, bootstrap_groups
from sem_csat.groups.fits import GroupFits
from sem_csat.groups.micom import MICOMResult, check_alpha, micom
from sem_csat.groups.permutation import GroupPermutations, permute_groups, seed_streams
from sem_csat.groups.stats import bootstrap_difference, permutation_p
from sem_csat.inference.bootstrap import SeedLike
from sem_csat.pls.index import item_scales
from sem_csat.summary import ResultDisplay, Section, Summary

__all__ = ["INDEX_GROUP_COLUMNS", "INTERVALS", "IndexComparison", "compare_index"]

#: Columns of ``index_groups.csv``.
INDEX_GROUP_COLUMNS: Final = (
    "construct",
    "group_a",
    "group_b",
    "index_a",
    "index_b",
    "difference",
    "ci_lower",
    "ci_upper",
    "p_value",
)
Interval = Literal["bootstrap", "permutation"]
#: Allowed ``interval`` values.
INTERVALS: Final[tuple[Interval, ...]] = ("bootstrap", "permutation")


@dataclass(frozen=True, eq=False)
class IndexComparison(ResultDisplay):
    """The index of every group and the differences between groups (from :func:`compare_index`).

    Attributes
    ----------
    micom
        MICOM of the same fits (its step 2 is reported beside each difference).
    bootstraps
        The groups' bootstraps (``interval="bootstrap"``), else None.
    interval
        ``"bootstrap"`` or ``"permutation"``.
    constructs
        The compared constructs (those with a declared answer scale, or the ones asked for).
    """

    micom: MICOMResult
    bootstraps: GroupBootstraps | None
    interval: Interval
    constructs: tuple[str, ...]

    @property
    def fits(self) -> GroupFits:
        """The group fits."""
        return self.micom.fits

    @property
    def conf(self) -> float:
        """Confidence level of the intervals (1 - MICOM's alpha)."""
        return 1.0 - self.micom.alpha

    def _pair(self, a: str, b: str) -> pd.DataFrame:
        spec = self.fits.spec
        pos = [spec.construct_names.index(c) for c in self.constructs]
        pair = self.micom.permutations.pair(a, b)
        ia = np.asarray(pair.estimates_a["index"])[pos]
        ib = np.asarray(pair.estimates_b["index"])[pos]
        diff = ia - ib
        if self.bootstraps is not None:
            bs = self.bootstraps
            lo, hi, p = bootstrap_difference(
                bs.replicates(a, "index")[:, pos], bs.replicates(b, "index")[:, pos], self.conf
            )
        else:
            perm = pair.samples("index")[:, pos]
            p = permutation_p(diff, perm)
            alpha = 1.0 - self.conf
            lo, hi = np.full(diff.size, np.nan), np.full(diff.size, np.nan)
            for k in range(diff.size):
                col = perm[np.isfinite(perm[:, k]), k]
                if col.size >= 2 and np.isfinite(diff[k]):
                    q_lo, q_hi = np.quantile(col, [alpha / 2, 1 - alpha / 2])
                    lo[k], hi[k] = diff[k] - q_hi, diff[k] - q_lo
        step2 = self.micom.compositional(a, b).set_index("construct").loc[list(self.constructs)]
        return pd.DataFrame(
            {
                "construct": list(self.constructs),
                "group_a": a,
                "group_b": b,
                "index_a": ia,
                "index_b": ib,
                "difference": diff,
                "ci_lower": lo,
                "ci_upper": hi,
                "p_value": p,
                "compositional_c": step2["statistic"].to_numpy(),
                "compositional_p": step2["p_value"].to_numpy(),
                "compositional_invariant": step2["invariant"].to_numpy(dtype=bool),
            }
        )

    @cached_property
    def details(self) -> pd.DataFrame:
        """:data:`INDEX_GROUP_COLUMNS` plus MICOM step 2 of each construct and pair:
        ``compositional_c``, ``compositional_p``, ``compositional_invariant``."""
        return pd.concat([self._pair(a, b) for a, b in self.fits.pairs], ignore_index=True)

    @cached_property
    def table(self) -> pd.DataFrame:
        """``index_groups.csv``: :data:`INDEX_GROUP_COLUMNS`."""
        return self.details[list(INDEX_GROUP_COLUMNS)].copy()

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Findings of the fits and resampling; differences whose construct is not invariant."""
        out = list(self.fits.diagnostics) + list(self.micom.permutations.diagnostics)
        d = self.details
        bad = d[~d["compositional_invariant"]]
        if not bad.empty:
            noun = self.fits.data.noun
            where = "; ".join(
                f"'{r.construct}' ({r.group_a} vs {r.group_b}, c = {r.compositional_c:.4f})"
                for r in bad.itertuples()
            )
            out.append(
                Diagnostic(
                    "warning",
                    "index_not_invariant",
                    f"The index difference of {where} compares composites that are not "
                    f"compositionally invariant (MICOM step 2): the {noun}s weight the items "
                    "differently, so part of the difference may come from the weights rather "
                    "than from the answers. Compare the item means of the construct as well.",
                )
            )
        undefined = d[d["index_a"].isna() | d["index_b"].isna()]
        if not undefined.empty:
            names = ", ".join(sorted(set(undefined["construct"])))
            out.append(
                Diagnostic(
                    "warning",
                    "index_undefined_in_group",
                    f"The index of {names} is undefined (NaN) in at least one "
                    f"{self.fits.data.noun}: a rescaled outer weight is negative there (see "
                    "index_diagnostics for that group's fit).",
                )
            )
        return tuple(out)

    def sentences(self) -> tuple[str, ...]:
        """Every difference in words, with MICOM step 2 beside it (for summaries)."""
        noun = self.fits.data.noun
        out = []
        for r in self.details.to_dict("records"):
            diff, c, pc = float(r["difference"]), float(r["compositional_c"]), r["compositional_p"]
            inv = (
                f"composite invariant (MICOM c = {c:.4f}, p = {pc:.3f})"
                if r["compositional_invariant"]
                else f"NOT compositionally invariant (c = {c:.4f}, p = {pc:.3f})"
            )
            out.append(
                f"{r['construct']}: {r['index_a']:.1f} ({noun} {r['group_a']}) vs "
                f"{r['index_b']:.1f} ({noun} {r['group_b']}), {'+' if diff >= 0 else '−'}"
                f"{abs(diff):.1f} points, {self.conf:.0%} CI [{r['ci_lower']:.1f}, "
                f"{r['ci_upper']:.1f}], p = {r['p_value']:.3f}; {inv}."
            )
        return tuple(out)

    def summary(self) -> Summary:
        """Text/HTML summary: the index per group, the differences, MICOM step 2 beside them."""
        f, d = self.fits, self.fits.data
        how = (
            f"bootstrap percentile interval ({self.bootstraps.n_boot} resamples per {d.noun}, "
            f"seed {self.bootstraps.seed})"
            if self.bootstraps is not None
            else f"permutation test and its inverted interval ({self.micom.permutations.n_perm} "
            f"permutations, seed {self.micom.permutations.seed})"
        )
        change = (
            f"index of the later {d.noun} minus the earlier"
            if d.waves
            else f"index of {d.noun} a minus {d.noun} b"
        )
        header = [
            ("Model", f"{f.spec.name}, {f.method.upper()}, ACSI formula (0-100)"),
            (
                d.noun.capitalize() + "s",
                f"column '{d.column}': " + ", ".join(f"{g} (N={n})" for g, n in d.sizes.items()),
            ),
            ("Difference", change),
            ("Interval", how),
        ]
        sections = [
            Section(f"Index by {d.noun}", self.table),
            Section("Reading", lines=self.sentences()),
        ]
        title = (
            f"sem_csat index {'change across waves' if d.waves else 'comparison'}: "
            f"{f.spec.name} by {d.column}"
        )
        return Summary(title, header, sections, self.diagnostics)

    def __repr__(self) -> str:
        return (
            f"<IndexComparison {self.fits.spec.name!r} by {self.fits.data.column!r}: "
            f"{len(self.table)} differences, {self.interval} interval>"
        )


def compare_index(
    fits: GroupFits,
    n_perm: int = 5000,
    n_boot: int = 5000,
    *,
    interval: Interval = "bootstrap",
    constructs: Sequence[str] | None = None,
    seed: SeedLike = None,
    n_jobs: int | None = 1,
    alpha: float = 0.05,
    progress: bool | None = None,
    permutations: GroupPermutations | None = None,
    bootstraps: GroupBootstraps | None = None,
) -> IndexComparison:
    """Compare the 0–100 index of every construct between every pair of groups (or waves).

    Parameters
    ----------
    fits
        The model fitted in every group; the spec must declare the answer scale.
    n_perm
        Permutations per pair (MICOM step 2, and the p-value with ``interval="permutation"``).
    n_boot
        Bootstrap resamples per group (``interval="bootstrap"``).
    interval
        ``"bootstrap"`` (default) or ``"permutation"`` (see the module notes).
    constructs
        Constructs to compare (default: every construct with a declared scale).
    seed
        Seed (:func:`~sem_csat.groups.permutation.seed_streams`); recorded on the result.
    n_jobs
        joblib workers; None takes the active joblib backend (Dask).
    alpha
        1 - confidence level of the intervals, and MICOM's significance level.
    progress
        Progress bars: None shows them on a terminal.
    permutations, bootstraps
        Existing runs of these fits to reuse.

    Returns
    -------
    IndexComparison
        ``.table`` is ``index_groups.csv``.

    Raises
    ------
    SpecError
        When no compared construct has a declared answer scale.
    """
    alpha = check_alpha(alpha)
    if interval not in INTERVALS:
        raise UsageError(f"interval must be 'bootstrap' or 'permutation'; got {interval!r}.")
    spec = fits.spec
    if constructs is None:
        names = [c for c in spec.construct_names if spec.scale_of(c) is not None]
        if not names:
            item_scales(spec)  # raises the message that explains how to declare a scale
    else:
        names = list(constructs)
        item_scales(spec, names)
    perm_seed, boot_seed = seed_streams(seed)
    for run in (permutations, bootstraps):
        if run is not None and run.fits is not fits:
            raise UsageError("permutations and bootstraps must come from these same fits.")
    if permutations is None:
        permutations = permute_groups(
            fits, n_perm, seed=perm_seed, n_jobs=n_jobs, progress=progress
        )
    if interval == "bootstrap" and bootstraps is None:
        bootstraps = bootstrap_groups(
            fits, n_boot, seed=boot_seed, n_jobs=n_jobs, progress=progress
        )
    m = micom(fits, alpha=alpha, permutations=permutations)
    return IndexComparison(
        micom=m,
        bootstraps=bootstraps if interval == "bootstrap" else None,
        interval=interval,
        constructs=tuple(names),
    )
