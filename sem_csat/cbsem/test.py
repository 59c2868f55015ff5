"""Step 6: the test statistic of the model and of the baseline model (lavaan's ``lav_test.R``).

``test = "standard"``: T = 2 N f̂ (N F_ML for ML, (N − 1) F for GLS and ULS in one group),
with df = (moments) − npar, npar the free parameters net of equality constraints.  lavaan
refers the ML and GLS statistics to χ²(df) and reports no p-value for ULS, whose standard
statistic is not χ²-distributed.

The baseline (independence) model, needed by CFI, TLI and the other incremental indices,
has diagonal Σ₀ (and saturated means) in every group, df₀ = Σ_g p(p − 1)/2, and is fitted with
the same estimator; its minimum has a closed form:

* ML and ULS: Σ₀ = diag(S), so T₀ = Σ_g N_g (Σ_i log s_ii − log|S|) for ML and
  Σ_g (N_g − 1) Σ_{i<j} s_ij² for ULS;
* GLS: diag(Σ₀) = d = (W∘W)⁻¹ diag(W) with W = S⁻¹, and
  T₀ = Σ_g (N_g − 1) · ½ tr[(I − W D)²].

Later variations plug in here: the scaled statistics (Satorra–Bentler, Yuan–Bentler,
mean-and-variance adjusted and scaled-shifted) take this standard statistic, the model's
Jacobian and Γ; FIML replaces T by the likelihood-ratio against the EM-estimated h1 model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps

from sem_csat.cbsem.samplestats import SampleStats

__all__ = ["TestResult", "baseline_test", "standard_test"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class TestResult:
    """One test statistic.

    Attributes
    ----------
    test
        lavaan's name of the test (``"standard"``).
    stat, df, pvalue
        The statistic, its degrees of freedom and p-value (NaN when not χ²-distributed).
    """

    __test__ = False  # not a pytest test class

    test: str
    stat: float
    df: float
    pvalue: float


def n_moments(stats: SampleStats, *, meanstructure: bool = False) -> int:
    """Sample moments over the groups: p(p + 1)/2 (+ p with a mean structure) per group."""
    p = len(stats.ov_names)
    return stats.n_groups * (p * (p + 1) // 2 + (p if meanstructure else 0))


def standard_test(
    fmin: float, stats: SampleStats, npar: int, *, chi_square: bool, meanstructure: bool = False
) -> TestResult:
    """T = 2 N f̂ with df = moments − npar (lavaan's ``test = "standard"``).

    Examples
    --------
    The Holzinger–Swineford CFA by ML: lavaan's fmin 0.14170, N = 301, 21 parameters.

    >>> import numpy as np
    >>> from sem_csat.cbsem.samplestats import GroupStats, SampleStats
    >>> st = SampleStats(tuple(f"x{i}" for i in range(1, 10)),
    ...                  (GroupStats("", 301, np.eye(9)),))
    >>> t = standard_test(0.1417043, st, 21, chi_square=True)
    >>> round(t.stat, 2), t.df, round(t.pvalue, 6)
    (85.31, 24.0, 0.0)
    """
    df = float(n_moments(stats, meanstructure=meanstructure) - npar)
    stat = max(2.0 * stats.ntotal * fmin, 0.0)
    pvalue = float(sps.chi2.sf(stat, df)) if chi_square and df > 0 else math.nan
    return TestResult("standard", stat, df, pvalue)


def _baseline_f(s: FloatArray, estimator: str) -> float:
    """The baseline discrepancy F₀ of one group (without lavaan's ½ factors)."""
    p = s.shape[0]
    if estimator == "ML":
        sign, logdet = np.linalg.slogdet(s)
        return float(np.sum(np.log(np.diag(s)))) - float(logdet) if sign > 0 else math.nan
    if estimator == "GLS":
        w = np.linalg.inv(s)
        d0 = np.linalg.solve(w * w, np.diag(w))
        a = np.eye(p) - w * d0[np.newaxis, :]
        return 0.5 * float(np.sum(a * a.T))
    off = s[np.tril_indices(p, -1)]
    return float(np.sum(off**2))


def baseline_test(stats: SampleStats, estimator: str, *, chi_square: bool) -> TestResult:
    """The independence model's statistic with the same estimator (closed form)."""
    p = len(stats.ov_names)
    stat = 0.0
    for g in stats.groups:
        n = g.nobs if estimator == "ML" else g.nobs - 1
        stat += n * _baseline_f(g.cov, estimator)
    df = float(stats.n_groups * p * (p - 1) // 2)
    stat = max(stat, 0.0)
    pvalue = float(sps.chi2.sf(stat, df)) if chi_square and df > 0 else math.nan
    return TestResult("standard", stat, df, pvalue)
