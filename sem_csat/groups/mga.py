"""PLS multi-group analysis (MGA): are a path, an effect or an index different between groups?

For every pair of groups and every path coefficient, total effect, indirect effect and 0–100
index score, :func:`mga` reports the two groups' estimates, their difference (group :math:`a`
minus group :math:`b`) and four p-values for "no difference":

``p_permutation``
    Permutation test (Chin & Dibbern 2010): group labels shuffled, both groups re-estimated
    (:mod:`sem_csat.groups.permutation`); distribution-free and the recommended test.
``p_henseler``
    Henseler's bootstrap-based PLS-MGA (Henseler, Ringle & Sinkovics 2009), two-sided; the
    centring of the bootstrap distributions is a parameter (``"estimate"`` as Sarstedt et al.
    2011 and cSEM, the default; ``"bootstrap_mean"`` as Henseler et al. 2009's formula and
    seminr).
``p_parametric``
    Parametric t test with pooled standard errors (Keil et al. 2000), df :math:`n_a + n_b - 2`.
``p_welch``
    Welch–Satterthwaite t test for unequal standard errors.

The exact formulas are in :mod:`sem_csat.groups.stats`; the standard errors are the standard
deviations of each group's own bootstrap replicates (divisor :math:`B - 1`).  The tests work for
PLS and PLSc alike (for PLSc every resample and permutation is corrected; inadmissible ones are
left out).  None of them corrects for multiple comparisons.

A difference in a path is only interpretable when the constructs it joins are compositionally
invariant (MICOM step 2, :mod:`sem_csat.groups.micom`); :func:`sem_csat.groups.compare_groups`
runs both.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import UsageError
from sem_csat.groups.bootstrap import GroupBootstraps, bootstrap_groups
from sem_csat.groups.fits import GroupFits
from sem_csat.groups.permutation import (
    GroupPermutations,
    PairPermutations,
    permute_groups,
    seed_streams,
)
from sem_csat.groups.stats import (
    CENTRINGS,
    Centring,
    henseler_probability,
    parametric_test,
    permutation_p,
    two_sided,
    welch_test,
)
from sem_csat.inference.bootstrap import SeedLike
from sem_csat.pls.bootstrap import PLSLayout
from sem_csat.summary import ResultDisplay, Section, Summary

__all__ = ["KINDS", "MGA_COLUMNS", "MGAResult", "mga"]

FloatArray = npt.NDArray[np.float64]

#: Columns of ``mga.csv``.
MGA_COLUMNS: Final = (
    "from",
    "to",
    "group_a",
    "group_b",
    "estimate_a",
    "estimate_b",
    "difference",
    "p_permutation",
    "p_henseler",
    "p_parametric",
    "p_welch",
)
#: Kinds of compared quantities, in the order of :attr:`MGAResult.details`.
KINDS: Final = ("path", "total_effect", "indirect_effect", "index")
_STAT = {
    "path": "paths",
    "total_effect": "total_effects",
    "indirect_effect": "indirect_effects",
    "index": "index",
}


@dataclass(frozen=True, eq=False)
class MGAResult(ResultDisplay):
    """Multi-group comparison of paths, effects and index scores (from :func:`mga`).

    Attributes
    ----------
    fits
        The group fits.
    permutations
        The permutation run (None when ``n_perm=0``: ``p_permutation`` is NaN).
    bootstraps
        The groups' bootstraps (None when ``n_boot=0``: the other p-values are NaN).
    centring
        Centring of Henseler's test.
    alpha
        Significance level used in the summary.
    """

    fits: GroupFits
    permutations: GroupPermutations | None
    bootstraps: GroupBootstraps | None
    centring: Centring = "estimate"
    alpha: float = 0.05

    @cached_property
    def _layout(self) -> PLSLayout:
        return PLSLayout.from_structure(self.fits.results[self.fits.levels[0]].estimate.structure)

    def _labels(self, kind: str) -> tuple[list[str], list[str]]:
        names = self.fits.spec.construct_names
        lay = self._layout
        pairs = {"path": lay.paths, "total_effect": lay.total, "indirect_effect": lay.indirect}
        if kind == "index":
            return list(names), [""] * len(names)
        i, j = pairs[kind]
        return [names[k] for k in i], [names[k] for k in j]

    def _observed(self, a: str, b: str, name: str) -> tuple[FloatArray, FloatArray]:
        if self.permutations is not None:
            pair = self.permutations.pair(a, b)
            ea, eb = pair.estimates_a, pair.estimates_b
            if pair.group_a != a:
                ea, eb = eb, ea
            return np.asarray(ea[name], dtype=np.float64), np.asarray(eb[name], dtype=np.float64)
        if self.bootstraps is None:
            raise UsageError("An MGA result needs permutations or bootstraps.")
        ra, rb = self.bootstraps.boots[a].replicates, self.bootstraps.boots[b].replicates
        return (
            np.asarray(ra.estimate[name], dtype=np.float64),
            np.asarray(rb.estimate[name], dtype=np.float64),
        )

    def _rows(self, a: str, b: str, kind: str) -> pd.DataFrame:
        name = _STAT[kind]
        src, dst = self._labels(kind)
        ea, eb = self._observed(a, b, name)
        diff = ea - eb
        k = diff.size
        nan = np.full(k, np.nan)
        p_perm = nan
        if self.permutations is not None:
            pair: PairPermutations = self.permutations.pair(a, b)
            sign = 1.0 if pair.group_a == a else -1.0
            p_perm = permutation_p(sign * pair.observed[name], pair.samples(name))
        se_a = se_b = prob = p_par = p_wel = t_par = t_wel = df_wel = nan
        n_a, n_b = self.fits.data.sizes[a], self.fits.data.sizes[b]
        if self.bootstraps is not None:
            bs = self.bootstraps
            se_a, se_b = bs.std_error(a, name), bs.std_error(b, name)
            prob = henseler_probability(
                ea, bs.samples(a, name), eb, bs.samples(b, name), self.centring
            )
            par = parametric_test(diff, se_a, se_b, n_a, n_b)
            wel = welch_test(diff, se_a, se_b, n_a, n_b)
            p_par, p_wel, t_par, t_wel, df_wel = par.p, wel.p, par.t, wel.t, wel.df
        return pd.DataFrame(
            {
                "kind": kind,
                "from": src,
                "to": dst,
                "group_a": a,
                "group_b": b,
                "estimate_a": ea,
                "estimate_b": eb,
                "difference": diff,
                "p_permutation": p_perm,
                "p_henseler": two_sided(prob),
                "p_parametric": p_par,
                "p_welch": p_wel,
                "se_a": se_a,
                "se_b": se_b,
                "henseler_pr_a_le_b": prob,
                "t_parametric": t_par,
                "df_parametric": np.full(k, float(n_a + n_b - 2)),
                "t_welch": t_wel,
                "df_welch": df_wel,
            }
        )

    @cached_property
    def details(self) -> pd.DataFrame:
        """Every compared quantity: ``kind`` (path, total_effect, indirect_effect, index), the
        :data:`MGA_COLUMNS` (``to`` is empty for an index), the groups' bootstrap standard
        errors, Henseler's one-sided :math:`P(\\theta_a \\le \\theta_b)` and the t statistics
        and degrees of freedom of the parametric and Welch tests."""
        spec = self.fits.spec
        scaled = any(spec.scale_of(c) is not None for c in spec.construct_names)
        kinds = KINDS if scaled else KINDS[:-1]
        parts = [self._rows(a, b, kind) for a, b in self.fits.pairs for kind in kinds]
        return pd.concat(parts, ignore_index=True)

    @cached_property
    def table(self) -> pd.DataFrame:
        """``mga.csv``: the structural paths, columns :data:`MGA_COLUMNS`, in spec order."""
        paths = self.details[self.details["kind"] == "path"]
        order = {(p.source, p.target): k for k, p in enumerate(self.fits.spec.paths)}
        rank = [order[(f, t)] for f, t in zip(paths["from"], paths["to"], strict=True)]
        pair_rank = {pair: k for k, pair in enumerate(self.fits.pairs)}
        key = [
            (pair_rank[(a, b)], r)
            for a, b, r in zip(paths["group_a"], paths["group_b"], rank, strict=True)
        ]
        ordered = paths.iloc[sorted(range(len(key)), key=key.__getitem__)]
        return ordered[list(MGA_COLUMNS)].reset_index(drop=True)

    @cached_property
    def effects(self) -> pd.DataFrame:
        """Total and indirect effects: ``effect`` (``total``/``indirect``) and the MGA columns."""
        d = self.details[self.details["kind"].isin(["total_effect", "indirect_effect"])]
        out = d[list(MGA_COLUMNS)].copy()
        out.insert(0, "effect", d["kind"].str.replace("_effect", "").to_numpy())
        return out.reset_index(drop=True)

    @cached_property
    def index(self) -> pd.DataFrame:
        """Index scores: ``construct, group_a, group_b, estimate_a, ..., p_welch``."""
        d = self.details[self.details["kind"] == "index"]
        out = d[list(MGA_COLUMNS)].drop(columns=["to"]).rename(columns={"from": "construct"})
        return out[out["estimate_a"].notna() | out["estimate_b"].notna()].reset_index(drop=True)

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Findings of the fits, permutations and bootstraps."""
        out = list(self.fits.diagnostics)
        if self.permutations is not None:
            out += self.permutations.diagnostics
        if self.bootstraps is not None:
            for g, boot in self.bootstraps.boots.items():
                out += [
                    Diagnostic(
                        d.severity, d.code, f"In {self.fits.data.name(g)}: {d.message}", d.category
                    )
                    for d in boot.diagnostics
                    if d.code not in ("bootstrap_no_jackknife",)
                ]
        return tuple(out)

    def method_notes(self) -> tuple[str, ...]:
        """The tests and formulas behind the p-values, as sentences (for summaries)."""
        centre = (
            "replicates shifted to centre on each group's estimate (Sarstedt et al. 2011; cSEM)"
            if self.centring == "estimate"
            else "replicates reflected about their bootstrap mean (Henseler et al. 2009; seminr)"
        )
        return (
            "p_permutation: permutation test (Chin & Dibbern 2010), two-sided, "
            "(1 + #{|d*| >= |d|}) / (1 + permutations).",
            f"p_henseler: Henseler's PLS-MGA, {centre}; two-sided 2 min(P, 1 - P) of the "
            "one-sided P(a <= b).",
            "p_parametric: t test with pooled bootstrap standard errors (Keil et al. 2000), "
            "df = n_a + n_b - 2.",
            "p_welch: Welch-Satterthwaite t test, standard errors (n-1)/n s^2 per group, "
            "Satterthwaite df - 2 (not rounded).",
            "Standard errors: standard deviation of each group's bootstrap replicates "
            "(divisor B - 1). No correction for multiple comparisons.",
        )

    def summary(self) -> Summary:
        """Text/HTML summary: paths side by side with the four p-values, effects, index."""
        f, d = self.fits, self.fits.data
        header = [
            ("Model", f"{f.spec.name} ({len(f.spec.constructs)} constructs), {f.method.upper()}"),
            (
                d.noun.capitalize() + "s",
                f"column '{d.column}': " + ", ".join(f"{g} (N={n})" for g, n in d.sizes.items()),
            ),
        ]
        if self.permutations is not None:
            header.append(
                (
                    "Permutations",
                    f"{self.permutations.n_perm} per pair (seed {self.permutations.seed})",
                )
            )
        if self.bootstraps is not None:
            header.append(
                (
                    "Bootstrap",
                    f"{self.bootstraps.n_boot} resamples per {d.noun} "
                    f"(seed {self.bootstraps.seed})",
                )
            )
        sections = [
            Section(
                f"Path differences ({d.noun} a minus {d.noun} b)",
                self.table,
                lines=self.method_notes(),
            ),
            Section("Total and indirect effects", self.effects, collapsed=True),
        ]
        if not self.index.empty:
            sections.append(Section("Index scores (0-100)", self.index, collapsed=True))
        title = f"sem_csat multi-group analysis: {f.spec.name} by {d.column}"
        return Summary(title, header, sections, self.diagnostics)

    def __repr__(self) -> str:
        t = self.table
        sig = int((t["p_permutation"] < self.alpha).sum())
        return (
            f"<MGAResult {self.fits.spec.name!r} by {self.fits.data.column!r}: {len(t)} path "
            f"comparisons, {sig} with p_permutation < {self.alpha:g}>"
        )


def mga(
    fits: GroupFits,
    n_perm: int = 5000,
    n_boot: int = 5000,
    *,
    seed: SeedLike = None,
    n_jobs: int | None = 1,
    centring: Centring = "estimate",
    alpha: float = 0.05,
    progress: bool | None = None,
    permutations: GroupPermutations | None = None,
    bootstraps: GroupBootstraps | None = None,
) -> MGAResult:
    """Compare paths, effects and index scores between every pair of groups.

    Parameters
    ----------
    fits
        The model fitted in every group (:func:`~sem_csat.groups.fit_groups`).
    n_perm
        Permutations per pair for ``p_permutation`` (0: not run, NaN).
    n_boot
        Bootstrap resamples per group for the other three tests (0: not run, NaN).
    seed
        One seed for both (:func:`~sem_csat.groups.permutation.seed_streams`: the permutations
        use spawn key ``(0,)``, the bootstraps ``(1,)``; recorded on the result).
    n_jobs
        joblib workers; None takes the active joblib backend (Dask).  No effect on the numbers.
    centring
        Henseler's test: ``"estimate"`` (default) or ``"bootstrap_mean"``
        (:mod:`sem_csat.groups.stats`).
    alpha
        Significance level of the summary's counts.
    progress
        Progress bars: None shows them on a terminal.
    permutations, bootstraps
        Existing runs of these fits to reuse (then ``n_perm``/``n_boot`` are not used).

    Returns
    -------
    MGAResult
        ``.table`` is ``mga.csv``; ``.effects`` and ``.index`` the other comparisons.
    """
    from sem_csat.groups.micom import check_alpha

    alpha = check_alpha(alpha)
    if centring not in CENTRINGS:
        raise UsageError(f"centring must be 'estimate' or 'bootstrap_mean'; got {centring!r}.")
    for name, value in (("n_perm", n_perm), ("n_boot", n_boot)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise UsageError(f"{name} must be a non-negative integer (0 skips); got {value!r}.")
    for run in (permutations, bootstraps):
        if run is not None and run.fits is not fits:
            raise UsageError("permutations and bootstraps must come from these same fits.")
    perm_seed, boot_seed = seed_streams(seed)
    if permutations is None and n_perm > 0:
        permutations = permute_groups(
            fits, n_perm, seed=perm_seed, n_jobs=n_jobs, progress=progress
        )
    if bootstraps is None and n_boot > 0:
        bootstraps = bootstrap_groups(
            fits, n_boot, seed=boot_seed, n_jobs=n_jobs, progress=progress
        )
    if permutations is None and bootstraps is None:
        raise UsageError("mga() needs permutations (n_perm > 0) or bootstraps (n_boot > 0).")
    return MGAResult(fits, permutations, bootstraps, centring, alpha)
