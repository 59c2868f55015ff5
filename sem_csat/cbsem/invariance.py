"""Measurement invariance across groups: the ladder configural → metric → scalar → strict.

Each level adds equality constraints across the groups to the one before (Meredith 1993;
Vandenberg & Lance 2000): *configural* (the same model in every group), *metric* (+ equal
loadings), *scalar* (+ equal item intercepts; the latent means of groups 2, 3, … are then
free), *strict* (+ equal residual variances).  :func:`fit_ladder` fits the levels asked for,
in order, and stops, saying why, at the first level that does not converge.

:attr:`Ladder.table` (``invariance.csv``) has one row per level with χ², df, p, CFI, TLI,
RMSEA, SRMR, AIC, BIC and the differences from the row before (this row minus the previous
one, as semTools' ``compareFit`` reports them); Δχ² and its p are lavaan's ``lavTestLRT``: the
plain χ² difference by ML, the Satorra–Bentler (2001) scaled difference by MLR, whose χ², p,
CFI, TLI and RMSEA are then the scaled test and the robust indices (Brosseau-Liard & Savalei
2012, 2014).  The verdict on each step follows Cheung & Rensvold (2002): invariance holds
when CFI falls by at most .01; and Chen (2007): in addition RMSEA rises by at most .015 and
SRMR by at most .030 (metric) or .010 (scalar, strict).  At the scalar level the latent
means of the groups after the first are the differences from the first group
(:attr:`Ladder.latent_means`, with SE, z and p).

References
----------
Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement invariance.
*Structural Equation Modeling*, 14, 464-504.
Cheung, G. W., & Rensvold, R. B. (2002). Evaluating goodness-of-fit indexes for testing
measurement invariance. *Structural Equation Modeling*, 9, 233-255.
Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test statistic for moment
structure analysis. *Psychometrika*, 66, 507-514.
Vandenberg, R. J., & Lance, C. E. (2000). A review and synthesis of the measurement invariance
literature. *Organizational Research Methods*, 3, 4-70.
lavaan 0.6-14 ``lavTestLRT``; semTools 0.5-6 ``compareFit``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from sem_csat.cbsem.groups_table import LEVELS, kind_of, normalise_partial
from sem_csat.cbsem.pipeline import CBSEMFit, fit
from sem_csat.cbsem.test import DifferenceTest, satorra_bentler_2001
from sem_csat.errors import SemCsatError

if TYPE_CHECKING:
    from sem_csat.cbsem.group_fit import CBSEMGroupSettings
    from sem_csat.cbsem.samplestats import SampleStats
    from sem_csat.spec.model import ModelSpec

__all__ = ["INVARIANCE_COLUMNS", "LATENT_MEAN_COLUMNS", "Ladder", "fit_ladder"]

#: Columns of ``invariance.csv``.
INVARIANCE_COLUMNS: Final = (
    "model",
    "chi2",
    "df",
    "p_value",
    "cfi",
    "tli",
    "rmsea",
    "srmr",
    "aic",
    "bic",
    "delta_chi2",
    "delta_df",
    "delta_p_value",
    "delta_cfi",
    "delta_rmsea",
)
#: Columns of ``latent_means.csv``.
LATENT_MEAN_COLUMNS: Final = (
    "model",
    "construct",
    "group",
    "reference",
    "estimate",
    "std_error",
    "z_value",
    "p_value",
    "ci_lower",
    "ci_upper",
    "std_lv",
)
#: Cheung & Rensvold (2002): the largest drop of CFI that still counts as invariance.
CFI_DROP: Final = 0.01
#: Chen (2007): the largest rise of RMSEA, and of SRMR at the metric and later levels.
RMSEA_RISE: Final = 0.015
SRMR_RISE: Final = {"metric": 0.030, "scalar": 0.010, "strict": 0.010}


@dataclass(frozen=True, eq=False)
class Ladder:
    """The fitted levels of the invariance ladder (from :func:`fit_ladder`).

    Attributes
    ----------
    fits
        ``name -> CBSEMFit`` of every level fitted, in ladder order (``scalar_partial`` when
        ``group_partial`` frees parameters of that level).
    levels
        The levels asked for.
    robust
        Whether the fits are MLR (scaled χ² and robust indices in the table).
    levels_of
        ``name -> level`` of every fitted model.
    stopped
        Why the ladder stopped before its last level (``""`` when it did not).
    """

    fits: Mapping[str, CBSEMFit]
    levels: tuple[str, ...]
    robust: bool
    levels_of: Mapping[str, str] = field(default_factory=dict)
    stopped: str = ""
    reference: str = ""

    @cached_property
    def table(self) -> pd.DataFrame:
        """``invariance.csv``: :data:`INVARIANCE_COLUMNS`, one row per fitted level."""
        rows: list[dict[str, Any]] = []
        previous: CBSEMFit | None = None
        for name, f in self.fits.items():
            m = f.fit_measures()
            row: dict[str, Any]
            if self.robust:
                row = {"chi2": m["chisq_scaled"], "p_value": m["pvalue_scaled"],
                       "cfi": m["cfi_robust"], "tli": m["tli_robust"],
                       "rmsea": m["rmsea_robust"]}  # fmt: skip
            else:
                row = {"chi2": m["chisq"], "p_value": m["pvalue"], "cfi": m["cfi"],
                       "tli": m["tli"], "rmsea": m["rmsea"]}  # fmt: skip
            row |= {"model": name, "df": int(m["df"]), "srmr": m["srmr"], "aic": m["aic"],
                    "bic": m["bic"]}  # fmt: skip
            if previous is None:
                row |= dict.fromkeys(
                    ("delta_chi2", "delta_df", "delta_p_value", "delta_cfi", "delta_rmsea"),
                    math.nan,
                )
            else:
                diff = _difference(f, previous, self.robust)
                prev = rows[-1]
                row |= {
                    "delta_chi2": diff.chi2_diff,
                    "delta_df": diff.df_diff,
                    "delta_p_value": diff.p_value,
                    "delta_cfi": row["cfi"] - prev["cfi"],
                    "delta_rmsea": row["rmsea"] - prev["rmsea"],
                }
            rows.append(row)
            previous = f
        out = pd.DataFrame(rows, columns=list(INVARIANCE_COLUMNS))
        return out.astype({"delta_df": "Int64"})

    @cached_property
    def latent_means(self) -> pd.DataFrame:
        """Latent mean differences from the first group at the levels where they are free
        (scalar and strict): :data:`LATENT_MEAN_COLUMNS`."""
        frames = []
        for name, f in self.fits.items():
            p = f.params
            lv = set(f.table.lv_names[0])
            rows = p[(p["op"] == "~1") & p["lhs"].isin(lv) & (p["std_error"] > 0)]
            if rows.empty:
                continue
            part = rows.rename(columns={"lhs": "construct"}).assign(
                model=name, reference=self.reference
            )
            frames.append(part)
        if not frames:
            return pd.DataFrame(columns=list(LATENT_MEAN_COLUMNS))
        out = pd.concat(frames, ignore_index=True)
        return out.loc[:, list(LATENT_MEAN_COLUMNS)]

    def verdicts(self) -> list[str]:
        """One sentence per step of the ladder: the changes and both rules' verdicts."""
        t = self.table
        srmr = t["srmr"].to_numpy(dtype=np.float64)
        lines = []
        for k in range(1, len(t)):
            name = str(t["model"].iloc[k])
            level = self.levels_of.get(name, name)
            d_cfi = float(t["delta_cfi"].iloc[k])
            d_rmsea = float(t["delta_rmsea"].iloc[k])
            d_srmr = float(srmr[k] - srmr[k - 1])
            cr = d_cfi >= -CFI_DROP
            chen = cr and d_rmsea <= RMSEA_RISE and d_srmr <= SRMR_RISE.get(level, 0.010)
            p = float(t["delta_p_value"].iloc[k])
            lines.append(
                f"{name} vs {t['model'].iloc[k - 1]}: ΔCFI = {d_cfi:+.3f}, ΔRMSEA = "
                f"{d_rmsea:+.3f}, ΔSRMR = {d_srmr:+.3f}, Δχ² p = {p:.3g}; "
                f"{'holds' if cr else 'does not hold'} by Cheung & Rensvold (2002; ΔCFI ≥ "
                f"−.01), {'holds' if chen else 'does not hold'} by Chen (2007) (also ΔRMSEA ≤ "
                f".015, ΔSRMR ≤ {SRMR_RISE.get(level, 0.010):.3f})."
            )
        if self.stopped:
            lines.append(self.stopped)
        return lines


def _difference(restricted: CBSEMFit, full: CBSEMFit, robust: bool) -> DifferenceTest:
    """lavaan's ``lavTestLRT`` of two nested fits (SB2001 scaled difference for MLR)."""

    def triple(f: CBSEMFit) -> tuple[float, int, float]:
        c = f.scaled_test.scaling_factor if f.scaled_test is not None else 1.0
        return float(f.test.stat), int(f.test.df), float(c)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a negative c_d: NaN, which the table shows
        return satorra_bentler_2001(triple(restricted), triple(full), restricted.n_obs,
                                    scaled=robust)  # fmt: skip


def _partial_applies(level: str, group_partial: tuple[str, ...], fit0: CBSEMFit) -> bool:
    """Whether a ``group_partial`` entry frees a parameter of a kind tied at ``level``."""
    if not group_partial:
        return False
    lv = set(fit0.table.lv_names[0])
    wanted = {normalise_partial(e) for e in group_partial}
    kinds = set(LEVELS[level])
    t = fit0.table
    return any(
        f"{lhs}{op}{rhs}" in wanted and kind_of(lhs, op, rhs, lv) in kinds
        for lhs, op, rhs in zip(t.lhs, t.op, t.rhs, strict=True)
    )


def fit_ladder(
    spec: ModelSpec,
    stats: SampleStats,
    settings: CBSEMGroupSettings,
    *,
    reuse: CBSEMFit | None = None,
) -> Ladder:
    """Fit the invariance levels of ``settings.invariance`` in order (stop at the first that
    does not converge); ``reuse`` is a fit already made with the same constraints as one of
    the levels."""
    fits: dict[str, CBSEMFit] = {}
    levels_of: dict[str, str] = {}
    stopped = ""
    partial = settings.group_partial
    for level in settings.invariance:
        ge = LEVELS[level]
        same = reuse is not None and set(reuse.options.group_equal) == set(ge)
        try:
            f = (
                reuse
                if same and reuse is not None
                else fit(spec, stats, settings.options(ge, incomplete=stats.missing))
            )
        except SemCsatError as exc:
            stopped = f"The ladder stops at the {level} level, which cannot be fitted: {exc}"
            break
        name = f"{level}_partial" if _partial_applies(level, partial, f) else level
        if not f.converged:
            stopped = (
                f"The ladder stops at the {level} level: its estimation did not converge "
                f"({f.optim.message or 'no solution found'}), so it and the levels after it "
                "are not compared; the constraints of this level may not fit the data."
            )
            break
        fits[name] = f
        levels_of[name] = level
    return Ladder(fits, settings.invariance, settings.robust, levels_of, stopped,
                  settings.levels[0])  # fmt: skip
