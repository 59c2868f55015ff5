"""Fit indices of a covariance-based SEM, computed from moments with lavaan's definitions.

:func:`fit_indices` takes the sample covariance matrix ``S`` (divisor N, as lavaan stores it), the
model-implied covariance matrix ``Σ̂``, the sample size, the number of free parameters and
optionally the sample and implied means, and returns a frozen :class:`FitIndices` with every index
of lavaan's ``fitMeasures()`` for a single-group model with complete data: the test statistic and
its baseline counterpart, the incremental indices (CFI, TLI, NFI, RFI, IFI, RNI, PNFI), RMSEA with
its 90% confidence interval and the tests of close and not-close fit, the residual-based indices
(RMR, SRMR in Bentler's and Mplus' versions, CRMR), the information criteria, GFI/AGFI/PGFI,
Hoelter's critical N, McDonald's MFI and the ECVI.

The module is pure NumPy/SciPy and independent of semopy, whose ``calc_stats()`` gets several of
these wrong (GFI computed with the NFI formula, the ML discrepancy reported as "LogLik", no SRMR, no
RMSEA interval).

>>> import numpy as np
>>> S = np.array([[1.0, 0.5, 0.4], [0.5, 1.0, 0.3], [0.4, 0.3, 1.0]])
>>> fit = fit_indices(S, S, n_obs=100, n_params=6)
>>> fit.df, round(fit.chi2, 10), fit.srmr, fit.gfi, fit.saturated
(0, 0.0, 0.0, 1.0, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special, stats

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import DataError, EstimationError, SpecError, UsageError

__all__ = [
    "ESTIMATORS",
    "FIT_ROW_COLUMNS",
    "LAVAAN_NAMES",
    "Estimator",
    "FitIndices",
    "fit_indices",
    "fit_measures",
    "incremental_indices",
    "lavaan_measure_names",
    "rmsea",
    "rmsea_ci",
]

Estimator = Literal["ML", "GLS", "ULS"]
#: Estimators whose discrepancy function this module knows.
ESTIMATORS: Final = ("ML", "GLS", "ULS")

#: Columns of one row of ``fit.csv``, in order (see :meth:`FitIndices.as_row`).
FIT_ROW_COLUMNS: Final = (
    "chi2",
    "df",
    "p_value",
    "cfi",
    "tli",
    "rmsea",
    "rmsea_ci_lower",
    "rmsea_ci_upper",
    "srmr",
    "loglik",
    "aic",
    "bic",
    "gfi",
    "agfi",
)

#: Field of :class:`FitIndices` -> name of the same quantity in lavaan's ``fitMeasures()``.
LAVAAN_NAMES: Final = {
    "n_params": "npar",
    "fmin": "fmin",
    "chi2": "chisq",
    "df": "df",
    "p_value": "pvalue",
    "baseline_chi2": "baseline.chisq",
    "baseline_df": "baseline.df",
    "baseline_p_value": "baseline.pvalue",
    "cfi": "cfi",
    "tli": "tli",
    "rfi": "rfi",
    "nfi": "nfi",
    "pnfi": "pnfi",
    "ifi": "ifi",
    "rni": "rni",
    "loglik": "logl",
    "unrestricted_loglik": "unrestricted.logl",
    "aic": "aic",
    "bic": "bic",
    "n_obs": "ntotal",
    "bic2": "bic2",
    "rmsea": "rmsea",
    "rmsea_ci_lower": "rmsea.ci.lower",
    "rmsea_ci_upper": "rmsea.ci.upper",
    "rmsea_ci_level": "rmsea.ci.level",
    "rmsea_pvalue": "rmsea.pvalue",
    "rmsea_close_h0": "rmsea.close.h0",
    "rmsea_notclose_pvalue": "rmsea.notclose.pvalue",
    "rmsea_notclose_h0": "rmsea.notclose.h0",
    "rmr": "rmr",
    "rmr_nomean": "rmr_nomean",
    "srmr": "srmr",
    "srmr_bentler": "srmr_bentler",
    "srmr_bentler_nomean": "srmr_bentler_nomean",
    "crmr": "crmr",
    "crmr_nomean": "crmr_nomean",
    "srmr_mplus": "srmr_mplus",
    "srmr_mplus_nomean": "srmr_mplus_nomean",
    "cn_05": "cn_05",
    "cn_01": "cn_01",
    "gfi": "gfi",
    "agfi": "agfi",
    "pgfi": "pgfi",
    "mfi": "mfi",
    "ecvi": "ecvi",
}

_NAN = float("nan")
_LIKELIHOOD_MEASURES: Final = frozenset(
    {"logl", "unrestricted.logl", "aic", "bic", "ntotal", "bic2"}
)
_LOG_2PI = math.log(2.0 * math.pi)
_SATURATED_MESSAGE = (
    "The model is saturated (df = 0): fit indices cannot be interpreted; chi-square is 0 by "
    "construction and RMSEA, TLI, RFI, AGFI and Hoelter's N are reported as NaN."
)

FloatMatrix = NDArray[np.float64]


@dataclass(frozen=True)
class FitIndices:
    """Fit indices of one fitted covariance structure, with lavaan's definitions and names.

    Every index is a ``float`` (``NaN`` where it is undefined); :data:`LAVAAN_NAMES` maps each
    field to its name in lavaan's ``fitMeasures()``.  Formulas and sources are in the Notes of
    :func:`fit_indices`.

    Attributes
    ----------
    estimator
        ``"ML"``, ``"GLS"`` or ``"ULS"``.
    n_obs, n_stat
        The sample size N and the N that enters the statistics (N for ML, N − 1 for GLS/ULS).
    n_params, n_moments
        Free parameters q and sample moments p(p+1)/2 (+ p with a mean structure).
    saturated
        ``True`` when df = 0.
    diagnostics
        Findings worth showing to the user (saturated model, a saturated model that does not
        reproduce S); they are recorded, never emitted as warnings here.
    chi2_scaled, scaling_factor, cfi_robust, tli_robust, rmsea_robust
        The scaled statistic, its scaling factor and the robust CFI, TLI and RMSEA of a fit
        with a scaled test (MLR, WLSMV) or FIML (``None`` otherwise; also in ``extra`` under
        lavaan's names).
    extra
        Further measures under lavaan's names (``chisq.scaled``, ``cfi.robust``, ...), from
        :mod:`sem_csat.cbsem.fit_robust`; they take precedence over the fields.
    measure_names
        The measures :meth:`as_lavaan` reports, in lavaan's order
        (:func:`lavaan_measure_names`); empty means the standard set of the estimator.
    """

    estimator: str
    n_obs: int
    n_stat: int
    n_params: int
    n_moments: int
    meanstructure: bool
    fmin: float
    chi2: float
    df: int
    p_value: float
    baseline_chi2: float
    baseline_df: int
    baseline_p_value: float
    cfi: float
    tli: float
    rfi: float
    nfi: float
    pnfi: float
    ifi: float
    rni: float
    loglik: float
    unrestricted_loglik: float
    aic: float
    bic: float
    bic2: float
    rmsea: float
    rmsea_ci_lower: float
    rmsea_ci_upper: float
    rmsea_ci_level: float
    rmsea_pvalue: float
    rmsea_close_h0: float
    rmsea_notclose_pvalue: float
    rmsea_notclose_h0: float
    rmr: float
    rmr_nomean: float
    srmr: float
    srmr_bentler: float
    srmr_bentler_nomean: float
    crmr: float
    crmr_nomean: float
    srmr_mplus: float
    srmr_mplus_nomean: float
    cn_05: float
    cn_01: float
    gfi: float
    agfi: float
    pgfi: float
    mfi: float
    ecvi: float
    saturated: bool
    diagnostics: tuple[Diagnostic, ...] = field(default=(), repr=False)
    chi2_scaled: float | None = None
    scaling_factor: float | None = None
    cfi_robust: float | None = None
    tli_robust: float | None = None
    rmsea_robust: float | None = None
    extra: dict[str, float] = field(default_factory=dict, repr=False)
    measure_names: tuple[str, ...] = ()

    @property
    def nnfi(self) -> float:
        """Non-normed fit index, another name of :attr:`tli`."""
        return self.tli

    def as_dict(self) -> dict[str, object]:
        """Return every field as a plain dictionary (diagnostics as their rows)."""
        out = asdict(self)
        out["diagnostics"] = [d.as_row() for d in self.diagnostics]
        return out

    def as_lavaan(self) -> dict[str, float]:
        """Return the indices under the names and in the order of lavaan's ``fitMeasures()``.

        As lavaan, ``nnfi`` repeats ``tli``, and the likelihood-based measures (``logl``,
        ``unrestricted.logl``, ``aic``, ``bic``, ``ntotal``, ``bic2``) are reported for ML
        only.
        """
        names = self.measure_names or lavaan_measure_names(self.estimator)
        field_of = {lav: name for name, lav in LAVAAN_NAMES.items()}
        out: dict[str, float] = {}
        for lav in names:
            if lav in self.extra:
                out[lav] = float(self.extra[lav])
            elif lav == "nnfi":
                out[lav] = float(self.tli)
            else:
                out[lav] = float(getattr(self, field_of[lav]))
        return out

    def as_row(self) -> dict[str, float]:
        """Return the ``fit.csv`` row: the columns :data:`FIT_ROW_COLUMNS`, in order."""
        return {name: float(getattr(self, name)) for name in FIT_ROW_COLUMNS}


def lavaan_measure_names(
    estimator: str,
    *,
    scaled: bool = False,
    robust: bool = False,
    categorical: bool = False,
    yuan_bentler: bool = False,
) -> tuple[str, ...]:
    """The measures lavaan's ``fitMeasures(fit)`` reports, in its order (``fit.measures="all"``).

    ``scaled``: the fit has a scaled test (MLR, WLSMV); ``robust``: it reports robust
    CFI/TLI/RMSEA (scaled tests, FIML, ordinal data); ``yuan_bentler``: the scaled test is
    Yuan–Bentler's (adds ``scaling.factor.h1``/``.h0``).  Mirrors lavaan 0.6-14's
    ``lav_fit_measures``.

    >>> names = lavaan_measure_names("ML", scaled=True, robust=True, yuan_bentler=True)
    >>> len(names), names[5:9]
    (78, ('chisq.scaled', 'df.scaled', 'pvalue.scaled', 'chisq.scaling.factor'))
    """
    chisq = ["fmin", "chisq", "df", "pvalue"]
    baseline = ["baseline.chisq", "baseline.df", "baseline.pvalue"]
    cfi_tli = ["cfi", "tli"]
    other = ["nnfi", "rfi", "nfi", "pnfi", "ifi", "rni"]
    rmsea_names = ["rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.ci.level",
                   "rmsea.pvalue", "rmsea.close.h0", "rmsea.notclose.pvalue",
                   "rmsea.notclose.h0"]  # fmt: skip
    if scaled:
        chisq += ["chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor"]
        baseline += ["baseline.chisq.scaled", "baseline.df.scaled", "baseline.pvalue.scaled",
                     "baseline.chisq.scaling.factor"]  # fmt: skip
        cfi_tli += ["cfi.scaled", "tli.scaled"]
        other += ["nnfi.scaled", "rfi.scaled", "nfi.scaled", "pnfi.scaled", "ifi.scaled",
                  "rni.scaled"]  # fmt: skip
        rmsea_names += ["rmsea.scaled", "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled",
                        "rmsea.pvalue.scaled", "rmsea.notclose.pvalue.scaled"]  # fmt: skip
    if robust:
        cfi_tli += ["cfi.robust", "tli.robust"]
        other += ["nnfi.robust", "rni.robust"]
        rmsea_names += ["rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust",
                        "rmsea.pvalue.robust", "rmsea.notclose.pvalue.robust"]  # fmt: skip
    logl = ["logl", "unrestricted.logl", "aic", "bic", "ntotal", "bic2"]
    if scaled and yuan_bentler:
        logl += ["scaling.factor.h1", "scaling.factor.h0"]
    srmr = ["rmr", "rmr_nomean", "srmr", "srmr_bentler", "srmr_bentler_nomean", "crmr",
            "crmr_nomean", "srmr_mplus", "srmr_mplus_nomean"]  # fmt: skip
    tail = ["cn_05", "cn_01", "gfi", "agfi", "pgfi", "mfi"]
    tail += ["wrmr"] if categorical else ["ecvi"]
    body = [*chisq, *baseline, *cfi_tli, *other]
    if estimator == "ML":
        body += logl
    return ("npar", *body, *rmsea_names, *srmr, *tail)


def fit_indices(
    S: ArrayLike,
    sigma: ArrayLike,
    n_obs: int,
    n_params: int,
    *,
    estimator: Estimator = "ML",
    means: ArrayLike | None = None,
    implied_means: ArrayLike | None = None,
    ci_level: float = 0.90,
    close_h0: float = 0.05,
    notclose_h0: float = 0.08,
) -> FitIndices:
    r"""Compute lavaan's fit measures of a single-group covariance structure from its moments.

    Parameters
    ----------
    S
        Sample covariance matrix, p × p, with divisor N (lavaan's ``sample.cov.rescale``
        convention: ``np.cov(X, rowvar=False, ddof=0)``).
    sigma
        Model-implied covariance matrix Σ̂, p × p, same variable order.
    n_obs
        Sample size N.
    n_params
        Number of free parameters q, net of equality constraints (lavaan's ``npar`` in
        ``fitMeasures()``).
    estimator
        Discrepancy function that produced Σ̂: ``"ML"``, ``"GLS"`` or ``"ULS"``.
    means, implied_means
        Sample means ȳ and implied means μ̂, for a model with a mean structure; give both or
        neither.  They add p moments and the mean residuals to the discrepancy and to RMR/SRMR.
    ci_level
        Level of the RMSEA confidence interval.
    close_h0, notclose_h0
        RMSEA under the null hypotheses of close fit (H0: ε ≤ .05) and not-close fit (H0: ε ≥ .08).

    Returns
    -------
    FitIndices
        All indices; undefined ones are NaN.  ``loglik``, ``unrestricted_loglik``, AIC and BIC
        exist only for ML.

    Raises
    ------
    SpecError
        When df < 0: more free parameters than sample moments, the model is not identified.
    DataError
        When S is not a symmetric positive-definite matrix, or the means are inconsistent.
    EstimationError
        When Σ̂ is not positive definite (ML), or has a non-positive variance.
    UsageError
        When an argument has an invalid value (unknown estimator, N < 2, ...).

    Notes
    -----
    With p observed variables, p* = p(p+1)/2 (+ p with means) sample moments and q free parameters,
    df = p* − q.  Residuals are e = s − σ̂ (the half-vectorised covariances, preceded by the means).

    *Test statistic* (lavaan ``chisq``; ``fmin`` = χ²/(2N)):

    - ML: F_ML = log|Σ̂| + tr(SΣ̂⁻¹) − log|S| − p + (ȳ − μ̂)'Σ̂⁻¹(ȳ − μ̂), and χ² = N·F_ML (lavaan's
      default ``likelihood = "normal"`` uses N, not N − 1).
    - GLS: F_GLS = ½ tr[(S⁻¹(S − Σ̂))²] + (ȳ − μ̂)'S⁻¹(ȳ − μ̂), and χ² = (N − 1)·F_GLS.
    - ULS: F_ULS = Σ_{i≤j} (s_ij − σ̂_ij)² + Σ_i (ȳ_i − μ̂_i)², and χ² = (N − 1)·F_ULS.  lavaan
      reports this statistic but no p-value (it is not χ²-distributed), so ``p_value`` is NaN.

    For GLS and ULS lavaan uses N − 1 wherever the sample size enters (χ², RMSEA and its interval,
    Hoelter's N, MFI, ECVI); ``n_stat`` holds the value used.

    *Baseline (independence) model*: Σ₀ diagonal, means saturated, df₀ = p(p − 1)/2, fitted with
    the same estimator: Σ₀ = diag(S) for ML and ULS; for GLS the minimiser of F_GLS, d =
    (W∘W)⁻¹ diag(W) with W = S⁻¹.  For ML, χ²₀ = N(Σ log s_ii − log|S|).

    *Incremental indices* (lavaan ``lav_fit_cfi.R``):

    - CFI = 1 − max(χ² − df, 0) / max(χ² − df, χ²₀ − df₀, 0), 1 if both are 0 (Bentler 1990);
    - RNI = 1 − (χ² − df)/(χ²₀ − df₀) (McDonald & Marsh 1990);
    - TLI = NNFI = 1 − [(χ² − df)·df₀] / [(χ²₀ − df₀)·df] (Tucker & Lewis 1973);
    - NFI = (χ²₀ − χ²)/χ²₀ (Bentler & Bonett 1980); PNFI = (df/df₀)·NFI;
    - RFI = (χ²₀/df₀ − χ²/df)/(χ²₀/df₀), 1 if negative (Bollen 1986);
    - IFI = (χ²₀ − χ²)/(χ²₀ − df), 1 if the denominator is negative (Bollen 1989).

    *RMSEA* (Steiger 1990; Browne & Cudeck 1993): ε = sqrt(max(χ²/(N·df) − 1/N, 0)).  The
    interval inverts the noncentral χ² distribution function: the lower limit is
    sqrt(λ_L/(N·df)) with P(χ²_df(λ_L) ≤ χ²) = 1 − α/2 (0 if no such λ ≥ 0), the upper limit
    sqrt(λ_U/(N·df)) with P(χ²_df(λ_U) ≤ χ²) = α/2, searched on [0, max(N, 4χ²)] as lavaan does.
    Close fit: p = 1 − F(χ²; df, λ = N·df·ε₀²) with ε₀ = .05; not-close fit (MacCallum, Browne &
    Sugawara 1996): p = F(χ²; df, N·df·.08²).

    *Residual indices*, over the p* moments (lavaan ``lav_residuals.R``, ``lav_fit_srmr.R``):

    - RMR = sqrt(mean of e²) on the raw residuals;
    - SRMR (Bentler) = sqrt(mean of r²), r_ij = (s_ij − σ̂_ij)/sqrt(s_ii s_jj) and
      r_i = (ȳ_i − μ̂_i)/sqrt(s_ii) (Hu & Bentler 1999).  This is lavaan's ``srmr`` (its default
      for continuous data, ``mimic = "lavaan"``);
    - CRMR: correlation residuals s_ij/sqrt(s_ii s_jj) − σ̂_ij/sqrt(σ̂_ii σ̂_jj) without the
      diagonal (divisor p* − p), mean residuals as for SRMR (Bollen 1989);
    - SRMR (Mplus): the correlation residuals off the diagonal, (s_ii − σ̂_ii)/s_ii on it and
      ȳ_i/sqrt(s_ii) − μ̂_i/sqrt(σ̂_ii) for the means.

    The ``_nomean`` versions leave the means out; without a mean structure they equal the others.

    *Information criteria* (ML only): log L = −N/2 [p log 2π + log|Σ̂| + tr(SΣ̂⁻¹) +
    (ȳ − μ̂)'Σ̂⁻¹(ȳ − μ̂)], log L₁ = −N/2 [p log 2π + log|S| + p]; AIC = −2 log L + 2q (Akaike 1974),
    BIC = −2 log L + q log N (Schwarz 1978), sample-size adjusted BIC = −2 log L +
    q log((N + 2)/24) (Sclove 1987).

    *GFI* (Jöreskog & Sörbom 1984, in lavaan's weighted-least-squares form):
    GFI = 1 − e'We / s'Ws, AGFI = 1 − (p*/df)(1 − GFI), PGFI = (df/p*)·GFI (Mulaik et al. 1989).
    The weight W is the estimator's: for ML ½D'(Σ̂⁻¹⊗Σ̂⁻¹)D (and Σ̂⁻¹ for the means), which gives
    GFI = 1 − tr[(Σ̂⁻¹S − I)²]/tr[(Σ̂⁻¹S)²] without means; for GLS the same with S⁻¹ in place of
    Σ̂⁻¹, i.e. GFI = 1 − tr[(I − S⁻¹Σ̂)²]/p; for ULS the identity on the half-vectorised moments.

    *Others*: Hoelter's critical N, CN_α = χ²_{1−α}(df)/(χ²/N) + 1 (Hoelter 1983); McDonald's
    MFI = exp(−½(χ² − df)/N) (McDonald 1989); ECVI = χ²/N + 2q/N (Browne & Cudeck 1993).

    *Saturated models* (df = 0): lavaan reports RMSEA = 0, TLI = RFI = AGFI = 1.  These numbers
    carry no information, so here RMSEA (and its interval and tests), TLI, RFI, AGFI and Hoelter's
    N are NaN, the p-value is NaN, ``saturated`` is ``True`` and a diagnostic says so.  CFI, NFI,
    IFI, RNI keep lavaan's values (1 when χ² = 0).

    References
    ----------
    lavaan 0.6-14, ``fitMeasures()`` documentation and ``R/lav_fit_*.R``, ``R/lav_residuals.R``.
    Bentler, P. M. (1990). Comparative fit indexes in structural models. *Psychological Bulletin*,
    107, 238–246.
    Bentler, P. M., & Bonett, D. G. (1980). Significance tests and goodness of fit in the analysis
    of covariance structures. *Psychological Bulletin*, 88, 588–606.
    Bollen, K. A. (1989). *Structural equations with latent variables*. Wiley.
    Browne, M. W., & Cudeck, R. (1993). Alternative ways of assessing model fit. In K. A. Bollen &
    J. S. Long (Eds.), *Testing structural equation models* (pp. 136–162). Sage.
    Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in covariance structure
    analysis. *Structural Equation Modeling*, 6, 1–55.
    Jöreskog, K. G., & Sörbom, D. (1984). *LISREL VI user's guide*. Scientific Software.
    MacCallum, R. C., Browne, M. W., & Sugawara, H. M. (1996). Power analysis and determination of
    sample size for covariance structure modeling. *Psychological Methods*, 1, 130–149.
    Steiger, J. H. (1990). Structural model evaluation and modification: an interval estimation
    approach. *Multivariate Behavioral Research*, 25, 173–180.
    Tucker, L. R., & Lewis, C. (1973). A reliability coefficient for maximum likelihood factor
    analysis. *Psychometrika*, 38, 1–10.

    Examples
    --------
    An implied matrix that reproduces S exactly gives χ² = 0, RMSEA = 0, CFI = 1 and SRMR = 0:

    >>> import numpy as np
    >>> S = np.array([[1.0, 0.3, 0.2, 0.1], [0.3, 1.0, 0.25, 0.2],
    ...               [0.2, 0.25, 1.0, 0.3], [0.1, 0.2, 0.3, 1.0]])
    >>> fit = fit_indices(S, S, n_obs=200, n_params=8)
    >>> fit.df, round(fit.chi2, 12), fit.rmsea, fit.cfi, fit.srmr
    (2, 0.0, 0.0, 1.0, 0.0)
    """
    if estimator not in ESTIMATORS:
        raise UsageError(
            f"estimator {estimator!r} is not supported; use one of {', '.join(ESTIMATORS)}."
        )
    if not 0.0 < ci_level < 1.0:
        raise UsageError(f"ci_level must lie strictly between 0 and 1, got {ci_level}.")
    if isinstance(n_obs, bool) or int(n_obs) != n_obs or n_obs < 2:
        raise UsageError(f"n_obs must be a whole number of at least 2, got {n_obs!r}.")
    if isinstance(n_params, bool) or int(n_params) != n_params or n_params < 0:
        raise UsageError(f"n_params must be a non-negative whole number, got {n_params!r}.")
    n_obs, n_params = int(n_obs), int(n_params)

    s = _as_cov(S, "the sample covariance matrix S", DataError)
    p = s.shape[0]
    sig = _as_cov(sigma, "the model-implied covariance matrix", EstimationError)
    if sig.shape != s.shape:
        raise UsageError(
            f"the model-implied covariance matrix is {sig.shape[0]} × {sig.shape[1]} but S is "
            f"{p} × {p}; both must cover the same observed variables in the same order."
        )
    ybar, mu = _as_means(means, implied_means, p)
    meanstructure = ybar is not None

    n_moments = p * (p + 1) // 2 + (p if meanstructure else 0)
    df = n_moments - n_params
    if df < 0:
        source = f"{p}·{p + 1}/2 = {p * (p + 1) // 2} variances and covariances"
        if meanstructure:
            source += f" plus {p} means"
        raise SpecError(
            f"the model is not identified: it has {n_params} free parameters but only "
            f"{n_moments} sample moments ({source} of {p} observed variables), so df = {df}; "
            f"fix or constrain at least {-df} parameters, or add indicators."
        )

    chol_s = _cholesky(s)
    if chol_s is None:
        raise DataError(
            "the sample covariance matrix S is not positive definite (an indicator is constant "
            "or a linear combination of others, or there are fewer cases than variables); "
            "drop the redundant indicators before fitting."
        )
    if np.any(np.diag(sig) <= 0.0):
        raise EstimationError(
            "the model-implied covariance matrix has a non-positive variance; the solution is "
            "inadmissible and its fit indices cannot be computed."
        )

    n_stat = n_obs if estimator == "ML" else n_obs - 1
    logdet_s = 2.0 * float(np.sum(np.log(np.diag(chol_s))))
    s_inv = _inv_from_chol(chol_s)
    resid_mean = None if ybar is None or mu is None else ybar - mu
    lower = np.tril_indices(p)

    # Test statistic (the same discrepancy functions as the estimation, from the moments).
    loglik = unrestricted = _NAN
    if estimator == "ML":
        chol_sig = _cholesky(sig)
        if chol_sig is None:
            raise EstimationError(
                "the model-implied covariance matrix is not positive definite, so the ML "
                "discrepancy and the log-likelihood are undefined; check the solution for "
                "negative variances or latent correlations above 1."
            )
        logdet_sig = 2.0 * float(np.sum(np.log(np.diag(chol_sig))))
        sig_inv = _inv_from_chol(chol_sig)
        f_val = logdet_sig + float(np.trace(sig_inv @ s)) - logdet_s - p
        if resid_mean is not None:
            f_val += float(resid_mean @ sig_inv @ resid_mean)
        loglik = -0.5 * n_obs * (p * _LOG_2PI + logdet_s + p + f_val)
        unrestricted = -0.5 * n_obs * (p * _LOG_2PI + logdet_s + p)
        baseline_f = float(np.sum(np.log(np.diag(s)))) - logdet_s
    elif estimator == "GLS":
        a = s_inv @ (s - sig)
        f_val = 0.5 * _trace_sq(a)
        if resid_mean is not None:
            f_val += float(resid_mean @ s_inv @ resid_mean)
        d0 = np.linalg.solve(s_inv * s_inv, np.diag(s_inv))
        baseline_f = 0.5 * _trace_sq(np.eye(p) - s_inv * d0[np.newaxis, :])
    else:  # ULS
        f_val = float(np.sum((s - sig)[lower] ** 2))
        if resid_mean is not None:
            f_val += float(resid_mean @ resid_mean)
        off = s[np.tril_indices(p, -1)]
        baseline_f = float(np.sum(off**2))

    return fit_measures(
        s,
        sig,
        n_obs=n_obs,
        n_params=n_params,
        estimator=estimator,
        chi2=max(n_stat * f_val, 0.0),
        df=df,
        baseline_chi2=max(n_stat * baseline_f, 0.0),
        baseline_df=p * (p - 1) // 2,
        loglik=loglik,
        unrestricted_loglik=unrestricted,
        means=ybar,
        implied_means=mu,
        ci_level=ci_level,
        close_h0=close_h0,
        notclose_h0=notclose_h0,
    )


def _gfi_ratio(
    estimator: str,
    s: FloatMatrix,
    sig: FloatMatrix,
    ybar: NDArray[np.float64] | None,
    mu: NDArray[np.float64] | None,
) -> float:
    """e'We / s'Ws with the estimator's weight W (see the GFI notes of :func:`fit_indices`)."""
    p = s.shape[0]
    resid_mean = None if ybar is None or mu is None else ybar - mu
    if estimator == "ML":
        v = np.linalg.inv(sig)
        m = v @ s
        num, den = 0.5 * _trace_sq(m - np.eye(p)), 0.5 * _trace_sq(m)
    elif estimator == "GLS":
        v = np.linalg.inv(s)
        num, den = 0.5 * _trace_sq(v @ (s - sig)), 0.5 * p
    else:
        lower = np.tril_indices(p)
        v = np.eye(p)
        num, den = float(np.sum((s - sig)[lower] ** 2)), float(np.sum(s[lower] ** 2))
    if resid_mean is not None and ybar is not None:
        num += float(resid_mean @ v @ resid_mean)
        den += float(ybar @ v @ ybar)
    return num / den


def fit_measures(
    s: FloatMatrix,
    sigma: FloatMatrix,
    *,
    n_obs: int,
    n_params: int,
    estimator: str,
    chi2: float,
    df: int,
    baseline_chi2: float,
    baseline_df: int,
    loglik: float = _NAN,
    unrestricted_loglik: float = _NAN,
    means: NDArray[np.float64] | None = None,
    implied_means: NDArray[np.float64] | None = None,
    ci_level: float = 0.90,
    close_h0: float = 0.05,
    notclose_h0: float = 0.08,
) -> FitIndices:
    """Every fit measure of one group from given test statistics (the pipeline's entry).

    The estimation pipeline passes its own test statistic T = 2Nf̂ and baseline statistic
    (:mod:`sem_csat.cbsem.test`); the residual-based indices and GFI come from ``s`` and
    ``sigma``.  The formulas are those of :func:`fit_indices`.
    """
    p = s.shape[0]
    meanstructure = means is not None and implied_means is not None
    n_moments = p * (p + 1) // 2 + (p if meanstructure else 0)
    n_stat = n_obs if estimator == "ML" else n_obs - 1
    diagnostics: list[Diagnostic] = []
    saturated = df == 0
    if saturated:
        diagnostics.append(Diagnostic("warning", "model_saturated", _SATURATED_MESSAGE))
        if chi2 > 1e-6 * max(1.0, baseline_chi2):
            diagnostics.append(
                Diagnostic(
                    "warning",
                    "saturated_model_misfit",
                    f"The model has df = 0 but does not reproduce the sample moments "
                    f"(chi-square = {chi2:.4g}); the estimation has probably not converged.",
                )
            )
    residual: dict[str, Any] = _residual_indices(s, sigma, means, implied_means)
    gfi = 1.0 - _gfi_ratio(estimator, s, sigma, means, implied_means)
    agfi = 1.0 - (n_moments / df) * (1.0 - gfi) if df > 0 else _NAN
    pgfi = (df / n_moments) * gfi
    tests = chi2_based_indices(
        chi2, df, baseline_chi2, baseline_df,
        n_obs=n_obs, n_stat=n_stat, n_params=n_params,
        p_values=estimator != "ULS", loglik=loglik, unrestricted_loglik=unrestricted_loglik,
        ci_level=ci_level, close_h0=close_h0, notclose_h0=notclose_h0,
    )  # fmt: skip
    return FitIndices(
        estimator=estimator,
        n_obs=n_obs,
        n_stat=n_stat,
        n_params=n_params,
        n_moments=n_moments,
        meanstructure=meanstructure,
        **tests,
        **residual,
        gfi=gfi,
        agfi=agfi,
        pgfi=pgfi,
        saturated=saturated,
        diagnostics=tuple(diagnostics),
    )


def chi2_based_indices(
    chi2: float,
    df: int,
    baseline_chi2: float,
    baseline_df: int,
    *,
    n_obs: int,
    n_stat: int,
    n_params: int,
    p_values: bool = True,
    loglik: float = _NAN,
    unrestricted_loglik: float = _NAN,
    ci_level: float = 0.90,
    close_h0: float = 0.05,
    notclose_h0: float = 0.08,
) -> dict[str, Any]:
    """The fields of :class:`FitIndices` that follow from the test statistics alone.

    Shared by :func:`fit_indices` (statistics from moments) and the FIML fit
    (:mod:`sem_csat.cbsem.pipeline`, statistics of every estimator); the formulas are
    those listed in :func:`fit_indices`.

    Parameters
    ----------
    chi2, df
        Test statistic of the model and its degrees of freedom.
    baseline_chi2, baseline_df
        The same for the independence (baseline) model.
    n_obs
        Sample size N (AIC, BIC and ``fmin`` use it).
    n_stat
        N or N − 1, as the estimator uses it in χ² (RMSEA, Hoelter's N, MFI, ECVI).
    n_params
        Free parameters q.
    p_values
        False for ULS, whose statistic is not χ²-distributed.
    loglik, unrestricted_loglik
        Log-likelihoods of the model and of the unrestricted model (ML only; NaN otherwise).
    ci_level, close_h0, notclose_h0
        As in :func:`fit_indices`.

    Returns
    -------
    dict
        Keyword arguments for :class:`FitIndices`.
    """
    p_value = _NAN
    if p_values and df > 0:
        p_value = float(stats.chi2.sf(chi2, df))
    baseline_p_value = _NAN
    if p_values and baseline_df > 0:
        baseline_p_value = float(stats.chi2.sf(baseline_chi2, baseline_df))
    incremental = incremental_indices(chi2, df, baseline_chi2, baseline_df)
    ci_lower, ci_upper = rmsea_ci(chi2, df, n_stat, level=ci_level) if df > 0 else (_NAN, _NAN)
    rmsea_p, rmsea_notclose_p = _NAN, _NAN
    if df > 0:
        rmsea_p = float(stats.ncx2.sf(chi2, df, n_stat * df * close_h0**2))
        rmsea_notclose_p = float(stats.ncx2.cdf(chi2, df, n_stat * df * notclose_h0**2))
    aic = bic = bic2 = _NAN
    if math.isfinite(loglik):
        aic = -2.0 * loglik + 2.0 * n_params
        bic = -2.0 * loglik + n_params * math.log(n_obs)
        bic2 = -2.0 * loglik + n_params * math.log((n_obs + 2.0) / 24.0)
    cn_05 = cn_01 = _NAN
    if df > 0 and chi2 > 0.0:
        cn_05 = float(stats.chi2.ppf(0.95, df)) / (chi2 / n_stat) + 1.0
        cn_01 = float(stats.chi2.ppf(0.99, df)) / (chi2 / n_stat) + 1.0
    return {
        "fmin": chi2 / (2.0 * n_obs),
        "chi2": chi2,
        "df": df,
        "p_value": p_value,
        "baseline_chi2": baseline_chi2,
        "baseline_df": baseline_df,
        "baseline_p_value": baseline_p_value,
        **incremental,
        "loglik": loglik,
        "unrestricted_loglik": unrestricted_loglik,
        "aic": aic,
        "bic": bic,
        "bic2": bic2,
        "rmsea": rmsea(chi2, df, n_stat),
        "rmsea_ci_lower": ci_lower,
        "rmsea_ci_upper": ci_upper,
        "rmsea_ci_level": ci_level,
        "rmsea_pvalue": rmsea_p,
        "rmsea_close_h0": close_h0,
        "rmsea_notclose_pvalue": rmsea_notclose_p,
        "rmsea_notclose_h0": notclose_h0,
        "cn_05": cn_05,
        "cn_01": cn_01,
        "mfi": math.exp(-0.5 * (chi2 - df) / n_stat),
        "ecvi": chi2 / n_stat + 2.0 * n_params / n_stat,
    }


# --------------------------------------------------------------------------------------------
# Pieces


def incremental_indices(chi2: float, df: int, chi2_0: float, df_0: int) -> dict[str, float]:
    """CFI, TLI, RFI, NFI, PNFI, IFI and RNI as lavaan 0.6-14 defines them."""
    t1 = max(chi2 - df, 0.0)
    t2 = max(chi2 - df, chi2_0 - df_0, 0.0)
    cfi = (
        1.0
        if math.isclose(t1, 0.0, abs_tol=1e-8) and math.isclose(t2, 0.0, abs_tol=1e-8)
        else (1.0 - t1 / t2)
    )
    rni_den = chi2_0 - df_0
    rni = _NAN if math.isclose(rni_den, 0.0, abs_tol=1e-8) else 1.0 - (chi2 - df) / rni_den
    tli_den = (chi2_0 - df_0) * df
    tli = 1.0 - (chi2 - df) * df_0 / tli_den if df > 0 and tli_den != 0.0 else _NAN
    if df > df_0 or df == 0 or df_0 == 0:
        rfi = _NAN
    else:
        r1, r2 = chi2_0 / df_0 - chi2 / df, chi2_0 / df_0
        rfi = 1.0 if r1 < 0.0 or r2 < 0.0 else r1 / r2
    if df > df_0 or math.isclose(chi2_0, 0.0, abs_tol=1e-8):
        nfi = _NAN
    else:
        nfi = (chi2_0 - chi2) / chi2_0 if df > 0 else 1.0
    pnfi = (df / df_0) * (chi2_0 - chi2) / chi2_0 if df_0 > 0 and chi2_0 > 0.0 else _NAN
    ifi_den = chi2_0 - df
    if ifi_den < 0.0:
        ifi = 1.0
    elif math.isclose(ifi_den, 0.0, abs_tol=1e-8):
        ifi = _NAN
    else:
        ifi = (chi2_0 - chi2) / ifi_den
    return {"cfi": cfi, "tli": tli, "rfi": rfi, "nfi": nfi, "pnfi": pnfi, "ifi": ifi, "rni": rni}


def rmsea(chi2: float, df: float, n: float, *, c_hat: float = 1.0, n_groups: int = 1) -> float:
    """RMSEA, sqrt(max(χ²/(N·df) − ĉ/N, 0))·√G (lavaan's ``lav_fit_rmsea``); NaN when df ≤ 0.

    ``df`` may be non-integer (scaled-shifted tests) and ĉ ≠ 1 gives the robust RMSEA.
    """
    if not df > 0 or not math.isfinite(chi2):
        return _NAN
    return math.sqrt(max(chi2 / (n * df) - c_hat / n, 0.0)) * math.sqrt(n_groups)


def _ncx2_cdf(x: float, df: float, ncp: float) -> float:
    """Noncentral χ² distribution function, central when the noncentrality is 0 (the C
    routines of ``scipy.special``: the ``scipy.stats`` wrappers cost 300 times more)."""
    if ncp <= 0.0:
        return float(special.chdtr(df, x))
    return float(special.chndtr(x, df, ncp))


def rmsea_ci(
    chi2: float,
    df: float,
    n: float,
    *,
    c_hat: float = 1.0,
    level: float = 0.90,
    n_groups: int = 1,
) -> tuple[float, float]:
    """The RMSEA interval of Browne & Cudeck (lavaan's ``lav_fit_rmsea_ci``), any df.

    The lower limit is sqrt(ĉλ_L/(N·df))·√G with P(χ²_df(λ_L) ≤ χ²) = 1 − α/2 (0 when no
    λ ≥ 0 solves it), the upper limit the same with α/2, searched on [0, max(N, 4χ²)]; both
    are 0 when df < 1, and NaN when χ² or df is not finite.
    """
    if not (math.isfinite(chi2) and math.isfinite(df) and math.isfinite(n)):
        return _NAN, _NAN
    upper_p = 1.0 - (1.0 - level) / 2.0
    lower_p = (1.0 - level) / 2.0

    def f_lower(lam: float) -> float:
        return _ncx2_cdf(chi2, df, lam) - upper_p

    def f_upper(lam: float) -> float:
        return _ncx2_cdf(chi2, df, lam) - lower_p

    scale = math.sqrt(n_groups)
    if df < 1 or f_lower(0.0) < 0.0:
        lower = 0.0
    else:
        lower = math.sqrt(c_hat * _root(f_lower, 0.0, chi2) / (n * df)) * scale
    hi = max(float(n), 4.0 * chi2)
    if df < 1 or f_upper(hi) > 0.0 or f_upper(0.0) < 0.0:
        upper = 0.0
    else:
        upper = math.sqrt(c_hat * _root(f_upper, 0.0, hi) / (n * df)) * scale
    return lower, upper


def _root(func: Callable[[float], float], lo: float, hi: float) -> float:
    """Root of a monotone function on [lo, hi]; NaN when the bracket holds no sign change."""
    try:
        return float(optimize.brentq(func, lo, hi, xtol=1e-12, rtol=1e-12, maxiter=500))
    except ValueError:
        return _NAN


def _residual_indices(
    s: FloatMatrix,
    sig: FloatMatrix,
    ybar: NDArray[np.float64] | None,
    mu: NDArray[np.float64] | None,
) -> dict[str, float]:
    """RMR, SRMR (Bentler, Mplus) and CRMR, with and without the means."""
    p = s.shape[0]
    lower = np.tril_indices(p)
    strict = np.tril_indices(p, -1)
    sd_s = np.sqrt(np.diag(s))
    sd_sig = np.sqrt(np.diag(sig))
    raw = s - sig
    bentler = raw / np.outer(sd_s, sd_s)
    cor_res = s / np.outer(sd_s, sd_s) - sig / np.outer(sd_sig, sd_sig)
    var_res = (np.diag(s) - np.diag(sig)) / np.diag(s)

    def rms(parts: list[NDArray[np.float64]], count: int) -> float:
        total = sum(float(np.sum(x**2)) for x in parts)
        return math.sqrt(total / count) if count > 0 else 0.0

    pstar = p * (p + 1) // 2
    out = {
        "rmr_nomean": rms([raw[lower]], pstar),
        "srmr_bentler_nomean": rms([bentler[lower]], pstar),
        "crmr_nomean": rms([cor_res[strict]], pstar - p),
        "srmr_mplus_nomean": rms([cor_res[strict], var_res], pstar),
    }
    if ybar is None or mu is None:
        out |= {
            "rmr": out["rmr_nomean"],
            "srmr_bentler": out["srmr_bentler_nomean"],
            "crmr": out["crmr_nomean"],
            "srmr_mplus": out["srmr_mplus_nomean"],
        }
    else:
        mean_raw = ybar - mu
        mean_std = mean_raw / sd_s
        mean_mplus = ybar / sd_s - mu / sd_sig
        out |= {
            "rmr": rms([raw[lower], mean_raw], pstar + p),
            "srmr_bentler": rms([bentler[lower], mean_std], pstar + p),
            "crmr": rms([cor_res[strict], mean_std], pstar),
            "srmr_mplus": rms([cor_res[strict], var_res, mean_mplus], pstar + p),
        }
    out["srmr"] = out["srmr_bentler"]
    return out


# --------------------------------------------------------------------------------------------
# Input checks and linear algebra


def _as_cov(x: ArrayLike, what: str, error: type[Exception]) -> FloatMatrix:
    """A finite, square, symmetric float matrix (symmetrised to remove rounding noise)."""
    try:
        a = np.array(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{what} must be a numeric matrix ({exc}).") from exc
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise UsageError(f"{what} must be a non-empty square matrix, got shape {a.shape}.")
    if not np.all(np.isfinite(a)):
        raise error(f"{what} contains missing or infinite values.")
    scale = max(float(np.max(np.abs(a))), 1.0)
    if not np.allclose(a, a.T, rtol=0.0, atol=1e-8 * scale):
        raise error(f"{what} is not symmetric.")
    sym: FloatMatrix = 0.5 * (a + a.T)
    return sym


def _as_means(
    means: ArrayLike | None, implied: ArrayLike | None, p: int
) -> tuple[NDArray[np.float64] | None, NDArray[np.float64] | None]:
    """Both mean vectors of length p, or neither."""
    if means is None and implied is None:
        return None, None
    if means is None or implied is None:
        raise UsageError(
            "give both means (sample means) and implied_means (model-implied means) for a model "
            "with a mean structure, or neither."
        )
    ybar = np.asarray(means, dtype=np.float64).reshape(-1)
    mu = np.asarray(implied, dtype=np.float64).reshape(-1)
    if ybar.shape != (p,) or mu.shape != (p,):
        raise UsageError(
            f"means and implied_means must have one value per observed variable ({p}), got "
            f"{ybar.size} and {mu.size}."
        )
    if not (np.all(np.isfinite(ybar)) and np.all(np.isfinite(mu))):
        raise DataError("means or implied_means contain missing or infinite values.")
    return ybar, mu


def _cholesky(a: FloatMatrix) -> FloatMatrix | None:
    """Lower Cholesky factor, or None when ``a`` is not positive definite."""
    try:
        chol: FloatMatrix = np.asarray(np.linalg.cholesky(a), dtype=np.float64)
    except np.linalg.LinAlgError:
        return None
    return chol


def _inv_from_chol(chol: FloatMatrix) -> FloatMatrix:
    """Inverse of L L' from its Cholesky factor L."""
    from scipy.linalg import cho_solve

    inv: FloatMatrix = cho_solve((chol, True), np.eye(chol.shape[0]))
    return 0.5 * (inv + inv.T)


def _trace_sq(a: FloatMatrix) -> float:
    """tr(A A) without forming the product."""
    return float(np.sum(a * a.T))
