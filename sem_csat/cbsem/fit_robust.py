"""Step 7, variations: the scaled and robust fit measures (lavaan's ``*.scaled``, ``*.robust``).

lavaan reports two further families of χ²-based fit measures beside the standard ones when a
fit has a scaled test statistic (MLR, WLSMV) or uses FIML or ordinal data:

* ``*.scaled``: the usual formulas applied to the scaled statistics T_s of the model and of
  the baseline model (CFI, TLI, NFI, ... from T_s and T₀,s).  The scaled RMSEA of a
  Yuan–Bentler (or Satorra–Bentler) test is sqrt(max(T/(N·tr(UΓ)) − 1/N, 0)), i.e. the
  standard statistic with df replaced by c·df; that of a scaled-shifted test uses T_s and df;
* ``*.robust`` (Brosseau-Liard, Savalei & Li 2012; Brosseau-Liard & Savalei 2014): the
  population-corrected indices, with ĉ, ĉ₀ the scaling factors of the model and the baseline,

  .. math::

      \\mathrm{CFI}_R = 1 - \\frac{\\max(T - \\hat c\\,df, 0)}
                    {\\max(T - \\hat c\\,df,\\ T_0 - \\hat c_0 df_0,\\ 0)},\\qquad
      \\mathrm{TLI}_R = 1 - \\frac{(T - \\hat c\\,df)\\,df_0}{(T_0 - \\hat c_0 df_0)\\,df},

  RNI_R = 1 − (T − ĉ·df)/(T₀ − ĉ₀df₀), and RMSEA_R = sqrt(max(T/(N·df) − ĉ/N, 0)) with the
  interval sqrt(ĉλ/(N·df)) from the noncentral χ²_df distribution at T/ĉ and the tests of
  close and not-close fit with noncentrality N·df·ε₀²/ĉ.

Which T, ĉ and df enter the robust indices is lavaan's choice per setting (its ``XX3``,
``c.hat3``, ``df3``): the standard statistic and the Yuan–Bentler c for MLR on complete data;
for FIML the corrected statistics of Zhang & Savalei (2023)
(:mod:`sem_csat.cbsem.fiml_corrected`); for ordinal data the ML statistic of the correlation
structure at the DWLS estimates with Savalei's (2021) scaling (:mod:`sem_csat.cbsem.catml`).
This module only applies the formulas; :class:`RobustInputs` carries those numbers.

References
----------
Brosseau-Liard, P. E., Savalei, V., & Li, L. (2012). An investigation of the sample
performance of two nonnormality corrections for RMSEA. *Multivariate Behavioral Research*,
47, 904-930.
Brosseau-Liard, P. E., & Savalei, V. (2014). Adjusting incremental fit indices for
nonnormality. *Multivariate Behavioral Research*, 49, 460-470.
Savalei, V. (2021). Improving fit indices in structural equation modeling with categorical
data. *Multivariate Behavioral Research*, 56, 390-407.
lavaan 0.6-14, ``R/lav_fit_cfi.R``, ``R/lav_fit_rmsea.R``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from scipy import special

from sem_csat.cbsem.fit_indices import incremental_indices, rmsea, rmsea_ci
from sem_csat.cbsem.test import TestResult

__all__ = ["RobustInputs", "rmsea_pvalues", "robust_measures", "scaled_measures"]

_NAN: Final = math.nan


@dataclass(frozen=True)
class RobustInputs:
    """The numbers behind lavaan's robust indices (its ``XX3`` family).

    Attributes
    ----------
    chi2, df
        The statistic T and the df of the robust RMSEA (``XX3``, ``df3``).
    c_hat
        ĉ of the robust RMSEA (``c.hat3``).
    c_hat_cfi
        ĉ of the robust CFI/TLI/RNI and of the robust RMSEA's interval and tests (lavaan's
        ``c.hat``; equal to ``c_hat`` in every setting sem_csat supports).
    chi2_scaled
        T/ĉ (``XX3.scaled``), the statistic of the robust RMSEA's interval.
    chi2_null, c_hat_null
        The baseline model's T₀ and ĉ₀ (``XX3.null``, ``c.hat3.null``).
    """

    chi2: float
    df: float
    c_hat: float
    c_hat_cfi: float
    chi2_scaled: float
    chi2_null: float
    c_hat_null: float

    @classmethod
    def from_scaled(cls, test: TestResult, scaled: TestResult, baseline: TestResult,
                    baseline_scaled: TestResult) -> RobustInputs:  # fmt: skip
        """MLR on complete data: T and df of the standard test, ĉ of the scaled tests."""
        c = scaled.scaling_factor
        return cls(test.stat, test.df, c, c, scaled.stat, baseline.stat,
                   baseline_scaled.scaling_factor)  # fmt: skip


def rmsea_pvalues(
    chi2: float, df: float, n: float, *, c_hat: float = 1.0, close_h0: float = 0.05,
    notclose_h0: float = 0.08, n_groups: int = 1,
) -> tuple[float, float]:  # fmt: skip
    """p-values of close fit (H₀: ε ≤ ε₀) and of not-close fit (H₀: ε ≥ ε₁).

    1 − F(T; df, λ₀) and F(T; df, λ₁) with λ = N·df·ε²/(ĉ·G) (lavaan's
    ``lav_fit_rmsea_closefit`` and ``lav_fit_rmsea_notclosefit``); NaN when df ≤ 0.
    """
    if not (math.isfinite(chi2) and math.isfinite(df) and math.isfinite(c_hat)) or df <= 0:
        return _NAN, _NAN
    lam0 = n * df * close_h0**2 / (c_hat * n_groups)
    lam1 = n * df * notclose_h0**2 / (c_hat * n_groups)
    return 1.0 - float(special.chndtr(chi2, df, lam0)), float(special.chndtr(chi2, df, lam1))


def _robust_incremental(
    chi2: float, df: float, chi2_0: float, df_0: float, c: float, c_0: float
) -> dict[str, float]:
    """lavaan's ``lav_fit_cfi``, ``lav_fit_tli`` and ``lav_fit_rni`` with ĉ and ĉ₀."""
    if not all(math.isfinite(v) for v in (chi2, df, chi2_0, df_0, c, c_0)):
        return dict.fromkeys(("cfi", "tli", "rni"), _NAN)
    if df > 0 and c != 1.0 and c_0 != 1.0:
        num, den = chi2 - c * df, chi2_0 - c_0 * df_0
    else:
        num, den = chi2 - df, chi2_0 - df_0
    t1, t2 = max(num, 0.0), max(num, den, 0.0)
    cfi = 1.0 if math.isclose(t1, 0.0, abs_tol=1.5e-8) and math.isclose(t2, 0.0, abs_tol=1.5e-8) \
        else 1.0 - t1 / t2  # fmt: skip
    tli = 1.0 - (num * df_0) / (den * df) if df > 0 and den != 0.0 else 1.0
    rni = _NAN if math.isclose(den, 0.0, abs_tol=1.5e-8) else 1.0 - num / den
    return {"cfi": cfi, "tli": tli, "rni": rni}


def scaled_measures(
    test: TestResult,
    scaled: TestResult,
    baseline: TestResult,
    baseline_scaled: TestResult,
    *,
    n_stat: int,
    ci_level: float = 0.90,
    close_h0: float = 0.05,
    notclose_h0: float = 0.08,
    n_groups: int = 1,
) -> dict[str, float]:
    """Every ``*.scaled`` measure (and the scaled test itself) under lavaan's names.

    Examples
    --------
    The Holzinger–Swineford CFA by MLR (lavaan's ``hs_mlr``: cfi.scaled 0.92521):

    >>> t = TestResult("standard", 85.30552, 24, 0.0)
    >>> ts = TestResult("yuan.bentler.mplus", 87.13160, 24, 0.0, scaling_factor=0.979042,
    ...                 trace_ugamma=23.497014)
    >>> b = TestResult("standard", 918.85159, 36, 0.0)
    >>> bs = TestResult("yuan.bentler.mplus", 880.08172, 36, 0.0, scaling_factor=1.044053)
    >>> round(scaled_measures(t, ts, b, bs, n_stat=301)["cfi.scaled"], 5)
    0.92521
    """
    out: dict[str, float] = {
        "chisq.scaled": scaled.stat,
        "df.scaled": scaled.df,
        "pvalue.scaled": scaled.pvalue,
        "chisq.scaling.factor": scaled.scaling_factor,
        "baseline.chisq.scaled": baseline_scaled.stat,
        "baseline.df.scaled": baseline_scaled.df,
        "baseline.pvalue.scaled": baseline_scaled.pvalue,
        "baseline.chisq.scaling.factor": baseline_scaled.scaling_factor,
    }
    inc = incremental_indices(scaled.stat, int(scaled.df), baseline_scaled.stat,
                       int(baseline_scaled.df))  # fmt: skip
    if not (math.isfinite(scaled.stat) and math.isfinite(baseline_scaled.stat)):
        inc = dict.fromkeys(inc, _NAN)
    for name in ("cfi", "tli", "rfi", "nfi", "pnfi", "ifi", "rni"):
        out[f"{name}.scaled"] = inc[name]
    out["nnfi.scaled"] = inc["tli"]
    if scaled.test == "scaled.shifted":
        stat, df = scaled.stat, test.df
    else:  # Yuan-Bentler, Satorra-Bentler: the standard T with df·c
        stat, df = test.stat, scaled.trace_ugamma
        if not (math.isfinite(df) and df != 0):
            df = _NAN
    out["rmsea.scaled"] = rmsea(stat, df, n_stat, n_groups=n_groups)
    lower, upper = rmsea_ci(stat, df, n_stat, level=ci_level, n_groups=n_groups)
    out["rmsea.ci.lower.scaled"], out["rmsea.ci.upper.scaled"] = lower, upper
    close, notclose = rmsea_pvalues(stat, df, n_stat, close_h0=close_h0,
                                    notclose_h0=notclose_h0, n_groups=n_groups)  # fmt: skip
    out["rmsea.pvalue.scaled"], out["rmsea.notclose.pvalue.scaled"] = close, notclose
    return out


def robust_measures(
    robust: RobustInputs,
    df: float,
    df_null: float,
    *,
    n_stat: int,
    ci_level: float = 0.90,
    close_h0: float = 0.05,
    notclose_h0: float = 0.08,
    n_groups: int = 1,
) -> dict[str, float]:
    """Every ``*.robust`` measure under lavaan's names (see the module docstring).

    ``df`` and ``df_null`` are the model's and the baseline's standard df (lavaan's CFI uses
    them; the robust RMSEA uses ``robust.df``).
    """
    inc = _robust_incremental(robust.chi2, df, robust.chi2_null, df_null, robust.c_hat_cfi,
                              robust.c_hat_null)  # fmt: skip
    out = {
        "cfi.robust": inc["cfi"],
        "tli.robust": inc["tli"],
        "nnfi.robust": inc["tli"],
        "rni.robust": inc["rni"],
        "rmsea.robust": _NAN,
        "rmsea.ci.lower.robust": _NAN,
        "rmsea.ci.upper.robust": _NAN,
        "rmsea.pvalue.robust": _NAN,
        "rmsea.notclose.pvalue.robust": _NAN,
    }
    c3, c = robust.c_hat, robust.c_hat_cfi
    if math.isfinite(c3):
        out["rmsea.robust"] = rmsea(robust.chi2, robust.df, n_stat, c_hat=c3, n_groups=n_groups)
    if math.isfinite(c):
        lower, upper = rmsea_ci(robust.chi2_scaled, robust.df, n_stat, c_hat=c, level=ci_level,
                                n_groups=n_groups)  # fmt: skip
        out["rmsea.ci.lower.robust"], out["rmsea.ci.upper.robust"] = lower, upper
        close, notclose = rmsea_pvalues(robust.chi2_scaled, robust.df, n_stat, c_hat=c,
                                        close_h0=close_h0, notclose_h0=notclose_h0,
                                        n_groups=n_groups)  # fmt: skip
        out["rmsea.pvalue.robust"], out["rmsea.notclose.pvalue.robust"] = close, notclose
    return out
