"""MICOM: measurement invariance of composites (Henseler, Ringle & Sarstedt 2016).

Before the paths or the index of two groups can be compared, their composites must mean the same
thing.  MICOM checks this in three steps, for every construct and every pair of groups:

1. **Configural invariance** (qualitative): the same indicators, the same data treatment and
   the same algorithm settings in every group.  sem_csat guarantees it by construction
   (:mod:`sem_csat.groups.fits`) and states what was checked; every group's estimation must
   have converged.
2. **Compositional invariance**: with group :math:`a`'s and group :math:`b`'s outer weights of
   construct :math:`j` applied to the *pooled* standardized data :math:`Z`,

   .. math:: c_j = \\operatorname{cor}(Z w^{(a)}_j,\\; Z w^{(b)}_j)
      = \\frac{w^{(a)\\top}_j R\\, w^{(b)}_j}
        {\\sqrt{w^{(a)\\top}_j R\\, w^{(a)}_j \\; w^{(b)\\top}_j R\\, w^{(b)}_j}}

   (:math:`R` the pooled correlation matrix).  Under exchangeable group labels :math:`c_j` is
   close to 1; the permutation distribution of :math:`c_j` (group labels shuffled, both groups
   re-estimated) gives the one-sided p-value
   :math:`p = (1 + \\#\\{c^{(u)}_j \\le c_j\\}) / (1 + U)` and its :math:`\\alpha` quantile
   (``ci_lower``; ``ci_upper`` is 1, the largest possible correlation).  Invariant when
   :math:`p > \\alpha` (equivalently, up to the discreteness of the distribution, when
   :math:`c_j` is at least the :math:`\\alpha` quantile, the paper's criterion).
3. **Equal composite means and variances**: the model is fitted to the pooled data of the pair
   and its composite scores (unit variance over the pooled data) are compared: the difference
   of the groups' means, :math:`\\bar\\xi_a - \\bar\\xi_b`, and of their log variances,
   :math:`\\log s^2_a - \\log s^2_b` (``ddof=1``).  Permuting the labels (the pooled scores do
   not change) gives two-sided p-values and the :math:`\\alpha/2` and :math:`1 - \\alpha/2`
   quantiles (``ci_lower``, ``ci_upper``); equal when :math:`p > \\alpha`.

Verdict per construct and pair: **full** invariance (steps 2 and 3 hold: the groups could be
pooled), **partial** invariance (step 2 holds, step 3 does not: compare the groups' paths by
multi-group analysis, but do not pool), **none** (step 2 fails: the composites differ and
comparisons of that construct's paths and index between the groups are not meaningful).

With more than two groups every pair is analysed on its own pooled data (no correction for
multiple comparisons is applied).

References
----------
.. [1] Henseler, J., Ringle, C. M., & Sarstedt, M. (2016). Testing measurement invariance of
   composites using partial least squares. *International Marketing Review*, 33(3), 405–431.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Final

import numpy as np
import pandas as pd

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import UsageError
from sem_csat.groups.fits import GroupFits
from sem_csat.groups.permutation import (
    GroupPermutations,
    PairPermutations,
    permute_groups,
    seed_streams,
)
from sem_csat.groups.stats import permutation_p, permutation_p_lower
from sem_csat.inference.bootstrap import SeedLike
from sem_csat.summary import ResultDisplay, Section, Summary

__all__ = ["MICOM_COLUMNS", "STEPS", "MICOMResult", "micom"]

#: Columns of ``micom.csv`` (two groups; with more, ``group_a, group_b`` follow ``construct``).
MICOM_COLUMNS: Final = (
    "construct",
    "step",
    "statistic",
    "ci_lower",
    "ci_upper",
    "p_value",
    "invariant",
)
#: Values of the ``step`` column, in order.
STEPS: Final = ("configural", "compositional", "mean", "variance")
_STEP_STAT = {"compositional": "compositional", "mean": "mean", "variance": "log_variance"}


def check_alpha(alpha: object) -> float:
    """Check a significance level strictly between 0 and 0.5."""
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 0.5:
        raise UsageError(f"alpha must be a significance level such as 0.05; got {alpha!r}.")
    return float(alpha)


@dataclass(frozen=True, eq=False)
class MICOMResult(ResultDisplay):
    """The three MICOM steps for every construct and pair of groups (from :func:`micom`).

    Attributes
    ----------
    permutations
        The permutation run the tests come from.
    alpha
        Significance level of the decisions.
    """

    permutations: GroupPermutations
    alpha: float = 0.05

    @property
    def fits(self) -> GroupFits:
        """The group fits."""
        return self.permutations.fits

    def _pair_rows(self, pair: PairPermutations) -> list[dict[str, object]]:
        names = self.fits.spec.construct_names
        alpha = self.alpha
        rows: list[dict[str, object]] = []
        base = {"group_a": pair.group_a, "group_b": pair.group_b, "n_perm": pair.n_ok}
        for name in names:
            rows.append(
                {
                    "construct": name,
                    **base,
                    "step": "configural",
                    "statistic": np.nan,
                    "ci_lower": np.nan,
                    "ci_upper": np.nan,
                    "p_value": np.nan,
                    "invariant": True,
                }
            )
        c_obs = pair.observed["compositional"]
        c_perm = pair.samples("compositional")
        p2 = permutation_p_lower(c_obs, c_perm)
        q2 = np.quantile(c_perm, alpha, axis=0) if c_perm.shape[0] else np.full(len(names), np.nan)
        for j, name in enumerate(names):
            rows.append(
                {
                    "construct": name,
                    **base,
                    "step": "compositional",
                    "statistic": float(c_obs[j]),
                    "ci_lower": float(q2[j]),
                    "ci_upper": 1.0,
                    "p_value": float(p2[j]),
                    "invariant": bool(p2[j] > alpha),
                }
            )
        for step in ("mean", "variance"):
            stat = _STEP_STAT[step]
            obs, perm = pair.observed[stat], pair.samples(stat)
            p3 = permutation_p(obs, perm)
            if perm.shape[0]:
                lo, hi = np.quantile(perm, [alpha / 2, 1 - alpha / 2], axis=0)
            else:
                lo = hi = np.full(len(names), np.nan)
            for j, name in enumerate(names):
                rows.append(
                    {
                        "construct": name,
                        **base,
                        "step": step,
                        "statistic": float(obs[j]),
                        "ci_lower": float(lo[j]),
                        "ci_upper": float(hi[j]),
                        "p_value": float(p3[j]),
                        "invariant": bool(p3[j] > alpha),
                    }
                )
        return rows

    @cached_property
    def details(self) -> pd.DataFrame:
        """Every step, construct and pair: ``construct, group_a, group_b, step, statistic,
        ci_lower, ci_upper, p_value, invariant, n_perm`` (successful permutations)."""
        rows = [r for pair in self.permutations.pairs for r in self._pair_rows(pair)]
        cols = ["construct", "group_a", "group_b", *MICOM_COLUMNS[1:], "n_perm"]
        return pd.DataFrame(rows, columns=cols)

    @cached_property
    def table(self) -> pd.DataFrame:
        """``micom.csv``: :data:`MICOM_COLUMNS`; with more than two groups ``group_a,
        group_b`` follow ``construct``."""
        cols = list(MICOM_COLUMNS)
        if len(self.fits.levels) > 2:
            cols[1:1] = ["group_a", "group_b"]
        return self.details[cols].reset_index(drop=True)

    @cached_property
    def verdicts(self) -> pd.DataFrame:
        """Per construct and pair: ``construct, group_a, group_b, compositional, equal_mean,
        equal_variance, invariance`` (``"full"``, ``"partial"`` or ``"none"``)."""
        d = self.details
        out = []
        for (a, b, name), part in d.groupby(["group_a", "group_b", "construct"], sort=False):
            ok = dict(zip(part["step"], part["invariant"], strict=True))
            comp, mean, var = ok["compositional"], ok["mean"], ok["variance"]
            level = "none" if not comp else ("full" if mean and var else "partial")
            out.append(
                {
                    "construct": name,
                    "group_a": a,
                    "group_b": b,
                    "compositional": comp,
                    "equal_mean": mean,
                    "equal_variance": var,
                    "invariance": level,
                }
            )
        return pd.DataFrame(out)

    def compositional(self, a: str, b: str) -> pd.DataFrame:
        """Step 2 of one pair: ``construct, statistic, ci_lower, p_value, invariant``."""
        pair = self.permutations.pair(a, b)
        d = self.details
        part = d[
            (d["group_a"] == pair.group_a)
            & (d["group_b"] == pair.group_b)
            & (d["step"] == "compositional")
        ]
        return part[["construct", "statistic", "ci_lower", "p_value", "invariant"]].reset_index(
            drop=True
        )

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Findings of the fits and the permutations, and constructs that are not invariant."""
        notes = list(self.fits.diagnostics) + list(self.permutations.diagnostics)
        v = self.verdicts
        bad = v[v["invariance"] == "none"]
        if not bad.empty:
            noun = self.fits.data.noun
            where = "; ".join(
                f"'{r.construct}' ({r.group_a} vs {r.group_b})" for r in bad.itertuples()
            )
            notes.append(
                Diagnostic(
                    "info",
                    "micom_not_compositionally_invariant",
                    f"Compositional invariance (MICOM step 2) does not hold for {where}: the "
                    f"{noun}s weight the items of these constructs differently, so their "
                    f"composites do not mean the same thing and differences in their paths or "
                    "index between these groups cannot be interpreted as differences in the "
                    "same construct. Look at the groups' outer weights and loadings.",
                )
            )
        return tuple(notes)

    def summary(self) -> Summary:
        """Text/HTML summary: settings, the three steps and the verdict."""
        f, d, perm = self.fits, self.fits.data, self.permutations
        ok = ", ".join(f"{p.group_a}/{p.group_b} {p.n_ok}" for p in perm.pairs)
        header = [
            ("Model", f"{f.spec.name} ({len(f.spec.constructs)} constructs), {f.method.upper()}"),
            (d.noun.capitalize() + "s", f"column '{d.column}': " + _sizes(f)),
            ("Permutations", f"{perm.n_perm} per pair (successful: {ok}; seed {perm.seed})"),
            ("Significance", f"alpha = {self.alpha:g}"),
        ]
        cols = ["construct", "statistic", "ci_lower", "ci_upper", "p_value", "invariant"]
        multi = len(f.levels) > 2
        if multi:
            cols[1:1] = ["group_a", "group_b"]
        det = self.details
        step2 = (
            det[det["step"] == "compositional"][cols]
            .rename(columns={"statistic": "c", "ci_lower": f"q{self.alpha:g}"})
            .drop(columns=["ci_upper"])
        )
        step3 = det[det["step"].isin(["mean", "variance"])][["step", *cols]]
        sections = [
            Section("Step 1: configural invariance", lines=tuple(f.configural())),
            Section(
                "Step 2: compositional invariance",
                step2.reset_index(drop=True),
                lines=(
                    "c: correlation of the composites built with each "
                    f"{d.noun}'s weights on the pooled standardized data; invariant when c is "
                    f"not significantly below 1 (one-sided permutation p > {self.alpha:g}).",
                ),
            ),
            Section(
                "Step 3: equal composite means and variances",
                step3.reset_index(drop=True),
                lines=(
                    "mean: difference of the mean pooled-model composite scores "
                    f"({d.noun} a minus {d.noun} b); variance: difference of their log "
                    f"variances; interval: the permutation distribution's central "
                    f"{1 - self.alpha:.0%}.",
                ),
            ),
            Section(
                "Verdict",
                self.verdicts if multi else self.verdicts.drop(columns=["group_a", "group_b"]),
                lines=(
                    "full: the groups could be pooled; partial: compare them by multi-group "
                    "analysis; none: the construct's composites differ between the groups.",
                ),
            ),
        ]
        title = f"sem_csat MICOM: {f.spec.name} by {d.column}"
        return Summary(title, header, sections, self.diagnostics)

    def __repr__(self) -> str:
        v = self.verdicts["invariance"].value_counts()
        counts = ", ".join(f"{k} {int(v.get(k, 0))}" for k in ("full", "partial", "none"))
        return (
            f"<MICOMResult {self.fits.spec.name!r} by {self.fits.data.column!r}: {counts} "
            f"(construct x pair), {self.permutations.n_perm} permutations, seed "
            f"{self.permutations.seed}>"
        )


def _sizes(fits: GroupFits) -> str:
    return ", ".join(f"{g} (N={n})" for g, n in fits.data.sizes.items())


def micom(
    fits: GroupFits,
    n_perm: int = 5000,
    *,
    seed: SeedLike = None,
    n_jobs: int | None = 1,
    alpha: float = 0.05,
    progress: bool | None = None,
    permutations: GroupPermutations | None = None,
) -> MICOMResult:
    """Test measurement invariance of composites (MICOM) between every pair of groups.

    Parameters
    ----------
    fits
        The model fitted in every group (:func:`~sem_csat.groups.fit_groups`).
    n_perm
        Permutations per pair (Henseler et al. 2016 recommend 5000).
    seed
        Seed (recorded on the result; the permutations use its stream
        :func:`~sem_csat.groups.permutation.seed_streams`); the numbers are the same for any
        ``n_jobs``.
    n_jobs
        joblib workers; None takes the active joblib backend (Dask).
    alpha
        Significance level of the decisions.
    progress
        Progress bar: None shows it on a terminal.
    permutations
        An existing permutation run of these fits (then ``n_perm``, ``seed`` and ``n_jobs`` are
        not used); lets MICOM, MGA and the index comparison share one run.

    Returns
    -------
    MICOMResult
        ``.table`` is ``micom.csv``; ``.verdicts`` the invariance per construct and pair.

    Examples
    --------
    >>> import sem_csat
    >>> from sem_csat.groups import fit_groups, micom
    >>> fits = fit_groups(sem_csat.load_spec("ecsi_bank"),
    ...                   sem_csat.datasets.load("bank_satisfaction"), "gender")
    >>> m = micom(fits, 500, seed=1, progress=False)
    >>> m.table[m.table.step == "compositional"].head(2).round(4)
      construct           step  statistic  ci_lower  ci_upper  p_value  invariant
    6      IMAG  compositional     0.9960    0.9913       1.0   0.3114       True
    7      EXPE  compositional     0.9991    0.9971       1.0   0.5449       True
    """
    alpha = check_alpha(alpha)
    if permutations is None:
        perm_seed = seed_streams(seed)[0]
        permutations = permute_groups(
            fits, n_perm, seed=perm_seed, n_jobs=n_jobs, progress=progress
        )
    elif permutations.fits is not fits:
        raise UsageError("permutations must come from permute_groups() of these same fits.")
    return MICOMResult(permutations, alpha)
