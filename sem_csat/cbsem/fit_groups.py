"""Step 7 with several groups: the fit measures of a multi-group model (lavaan's rules).

The test statistics are already summed over the groups (:mod:`sem_csat.cbsem.test`); what
changes with G groups:

* RMSEA = sqrt(max(T/(N·df) − ĉ/N, 0))·√G, its interval ×√G and the close-fit tests with
  noncentrality N·df·ε₀²/(ĉ·G) (Steiger 1998; lavaan's ``lav_fit_rmsea``);
* RMR, SRMR, CRMR (with and without means) and GFI are computed per group and averaged with
  the weights N_g/N (lavaan's ``lav_fit_srmr``, ``lav_fit_gfi``); AGFI and PGFI use the
  moments of all groups;
* log L and the unrestricted log L are sums over groups; AIC and BIC use the total N.

References
----------
Steiger, J. H. (1998). A note on multiple sample extensions of the RMSEA fit index.
*Structural Equation Modeling*, 5, 411-419.
lavaan 0.6-14, ``R/lav_fit_measures.R``, ``R/lav_fit_rmsea.R``, ``R/lav_fit_srmr.R``,
``R/lav_fit_gfi.R``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from numpy.typing import NDArray

from sem_csat.cbsem.fiml_corrected import corrected_statistics_groups, fiml_gfi
from sem_csat.cbsem.fit_indices import (
    FitIndices,
    chi2_based_indices,
    fit_measures,
    lavaan_measure_names,
    rmsea,
    rmsea_ci,
)
from sem_csat.cbsem.fit_robust import (
    RobustInputs,
    rmsea_pvalues,
    robust_measures,
    scaled_measures,
)
from sem_csat.cbsem.objective import ML
from sem_csat.cbsem.objective_fiml import FIML

if TYPE_CHECKING:
    from sem_csat.cbsem.lisrel import Implied
    from sem_csat.cbsem.samplestats import SampleStats
    from sem_csat.cbsem.test import TestResult

__all__ = ["group_fit_measures"]

FloatArray = NDArray[np.float64]

#: Measures averaged over the groups with the weights N_g/N.
_WEIGHTED: Final = (
    "rmr",
    "rmr_nomean",
    "srmr",
    "srmr_bentler",
    "srmr_bentler_nomean",
    "crmr",
    "crmr_nomean",
    "srmr_mplus",
    "srmr_mplus_nomean",
    "gfi",
)


def group_fit_measures(
    stats: SampleStats,
    implied: list[Implied],
    test: TestResult,
    baseline: TestResult,
    npar: int,
    estimator: str,
    scaled: TestResult | None = None,
    baseline_scaled: TestResult | None = None,
    deltas: list[FloatArray] | None = None,
) -> FitIndices:
    """Every fitMeasures() value of a multi-group fit (ML, MLR, GLS, ULS; FIML).

    Parameters
    ----------
    stats, implied
        Sample statistics and implied moments of every group.
    test, baseline
        The model's and the baseline model's standard tests (summed over the groups).
    npar
        Free parameters net of the equality constraints.
    estimator
        lavaan's estimator (``"ML"`` for MLR).
    scaled, baseline_scaled
        The Yuan–Bentler scaled tests of an MLR fit, else ``None``.
    deltas
        FIML: every group's moment Jacobian Δ_g in the free coordinates (for the corrected
        robust indices of :func:`~sem_csat.cbsem.fiml_corrected.corrected_statistics_groups`).

    Notes
    -----
    With FIML the residual-based indices compare the implied moments with the EM estimates of
    the unrestricted model, GFI is lavaan's FIML GFI per group (weighted by N_g/N), the
    log-likelihoods are the FIML ones, and the robust CFI/TLI/RMSEA are Zhang & Savalei's
    corrections (for ML and MLR alike, as lavaan).
    """
    n_groups = stats.n_groups
    ntotal = stats.ntotal
    df, b_df = int(test.df), int(baseline.df)
    per_group = []
    loglik = unrestricted = 0.0
    gfis = []
    for g, imp in zip(stats.groups, implied, strict=True):
        s, means = g.cov, (g.mean if imp.mu is not None else None)
        if g.missing is not None:  # residuals against the EM moments
            s, means = g.missing.sigma, g.missing.mu
        per_group.append(
            fit_measures(
                s, imp.sigma, n_obs=max(g.nobs, 2), n_params=npar, estimator=estimator,
                chi2=test.stat, df=df, baseline_chi2=baseline.stat, baseline_df=b_df,
                means=means, implied_means=imp.mu if means is not None else None,
            )
        )  # fmt: skip
        if g.missing is not None:
            loglik += FIML().loglik(g, imp)
            unrestricted += g.missing.loglik
            gfis.append(fiml_gfi(g, imp, test.df)["gfi"])
        elif estimator == "ML":
            p = g.cov.shape[0]
            loglik += ML.loglik(g, imp)
            unrestricted += -0.5 * g.nobs * (p * math.log(2 * math.pi) + g.logdet + p)
            gfis.append(per_group[-1].gfi)
        else:
            gfis.append(per_group[-1].gfi)
    if estimator != "ML":
        loglik = unrestricted = math.nan
    weights = np.array([g.nobs for g in stats.groups], dtype=np.float64) / ntotal
    n_stat = ntotal if estimator == "ML" else ntotal - n_groups
    n_moments = sum(f.n_moments for f in per_group)
    chi2 = test.stat
    base = chi2_based_indices(
        chi2, df, baseline.stat, b_df, n_obs=ntotal, n_stat=n_stat, n_params=npar,
        p_values=estimator != "ULS", loglik=loglik, unrestricted_loglik=unrestricted,
    )  # fmt: skip
    base["rmsea"] = rmsea(chi2, df, n_stat, n_groups=n_groups)
    if df > 0:
        lower, upper = rmsea_ci(chi2, df, n_stat, n_groups=n_groups)
        close, notclose = rmsea_pvalues(chi2, df, n_stat, n_groups=n_groups)
        base |= {"rmsea_ci_lower": lower, "rmsea_ci_upper": upper,
                 "rmsea_pvalue": close, "rmsea_notclose_pvalue": notclose}  # fmt: skip
    averaged: dict[str, Any] = {
        name: float(np.dot(weights, [getattr(f, name) for f in per_group])) for name in _WEIGHTED
    }
    averaged.pop("gfi")
    gfi = float(np.dot(weights, gfis))
    out = FitIndices(
        estimator=estimator,
        n_obs=ntotal,
        n_stat=n_stat,
        n_params=npar,
        n_moments=n_moments,
        meanstructure=per_group[0].meanstructure,
        **base,
        **averaged,
        gfi=gfi,
        agfi=1.0 - (n_moments / df) * (1.0 - gfi) if df > 0 else math.nan,
        pgfi=(df / n_moments) * gfi,
        saturated=df == 0,
        diagnostics=per_group[0].diagnostics,
    )
    fiml = stats.missing and deltas is not None
    if (scaled is None or baseline_scaled is None) and not fiml:
        return out
    extra: dict[str, float] = {}
    robust: RobustInputs | None = None
    if scaled is not None and baseline_scaled is not None:
        extra |= scaled_measures(test, scaled, baseline, baseline_scaled, n_stat=n_stat,
                                 n_groups=n_groups)  # fmt: skip
        robust = RobustInputs.from_scaled(test, scaled, baseline, baseline_scaled)
        extra |= {
            "scaling.factor.h1": scaled.scaling_factor_h1,
            "scaling.factor.h0": scaled.scaling_factor_h0,
        }
    if fiml and deltas is not None:
        corrected = corrected_statistics_groups(
            list(stats.groups), implied, deltas, test.df, scaled=scaled is not None
        )
        robust = corrected.robust_inputs()
    if robust is not None:
        extra |= robust_measures(robust, test.df, baseline.df, n_stat=n_stat, n_groups=n_groups)
    names = lavaan_measure_names(estimator, scaled=scaled is not None, robust=True,
                                 yuan_bentler=scaled is not None)  # fmt: skip
    return dataclasses.replace(
        out,
        extra=extra,
        measure_names=names,
        chi2_scaled=None if scaled is None else scaled.stat,
        scaling_factor=None if scaled is None else scaled.scaling_factor,
        cfi_robust=extra.get("cfi.robust"),
        tli_robust=extra.get("tli.robust"),
        rmsea_robust=extra.get("rmsea.robust"),
    )
