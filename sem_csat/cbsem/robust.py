"""Robust ML ("MLR") for complete data and the Satorra–Bentler scaled χ² difference, as lavaan.

:func:`mlr` takes an ML fit (:func:`sem_csat.cbsem.estimation.estimate`) together with the raw
data and returns what lavaan 0.6 reports for ``estimator = "MLR"`` on complete data, which lavaan
stores as ML with ``se = "robust.huber.white"``, ``test = "yuan.bentler.mplus"`` and
``information = "observed"``:

* the ML point estimates, unchanged;
* Huber–White (sandwich) standard errors, Cov(θ̂) = A⁻¹ B A⁻¹ / N, with A the observed
  information (Hessian) and B the mean outer product of the case-wise scores;
* the Yuan–Bentler scaled test statistic in its Mplus variant, T_scaled = T_ML / c, for the
  model and for the baseline (independence) model;
* the ``*.scaled`` incremental indices and RMSEA (the same formulas with the scaled statistics)
  and the ``*.robust`` ones (Brosseau-Liard, Savalei & Li 2012; Brosseau-Liard & Savalei 2014).

:func:`scaled_difference` compares two nested fits: the ordinary χ² difference for ML fits and
the Satorra–Bentler (2001) scaled difference for MLR fits (lavaan's ``lavTestLRT`` default).
:func:`fit_mlr` runs the whole pipeline from a spec and a data frame.

Everything is checked against lavaan 0.6-14 in ``tests/test_cbsem_robust.py``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from sem_csat.cbsem.estimation import (
    CBSEMEstimate,
    ModelStructure,
    _moments,
    _Objective,
    _sigma_derivatives,
    estimate,
    sample_covariance,
)
from sem_csat.cbsem.fit_indices import (
    FitIndices,
    _incremental,
    fit_indices,
    rmsea,
    rmsea_ci,
)
from sem_csat.errors import DataError, SemCsatWarning, UsageError

if TYPE_CHECKING:
    from sem_csat.cbsem.results import CBSEMNestedInfo
    from sem_csat.spec.model import ModelSpec

__all__ = [
    "DifferenceTest",
    "RobustResult",
    "fit_mlr",
    "mlr",
    "robust_fit_indices",
    "scaled_difference",
]

FloatArray = NDArray[np.float64]
_NAN = float("nan")
_Z975 = float(stats.norm.ppf(0.975))
_RANK_TOL = 1e-10  # relative eigenvalue below which the observed information counts as singular


@dataclass(frozen=True, eq=False)
class RobustResult:
    """Robust ML (MLR) inference for one complete-data ML fit (immutable).

    Attributes
    ----------
    estimate
        The ML fit the corrections belong to (point estimates, Σ̂, S, N).
    structure
        The model structure it was estimated on (for a refit or a bootstrap).
    vcov
        Sandwich covariance matrix of the free parameters, A⁻¹BA⁻¹/N; all NaN when the observed
        information is singular.
    std_errors
        Robust standard error of each free parameter, in the order of θ.
    table
        ``estimate.table`` with ``std_error``, ``z_value``, ``p_value``, ``ci_lower`` and
        ``ci_upper`` recomputed from the robust standard errors (Wald, 95 %).
    chi2, df, n_obs
        The ML statistic T = N·F_ML, its degrees of freedom and N.
    chi2_scaled, p_value_scaled, scaling_factor
        Yuan–Bentler (Mplus variant) scaled statistic T/c, its p-value and c (lavaan's
        ``chisq.scaled``, ``pvalue.scaled``, ``chisq.scaling.factor``).
    scaling_factor_h1, scaling_factor_h0
        tr(A₁⁻¹B₁)/p* and tr(A₀⁻¹B₀)/q (lavaan's ``scaling.factor.h1`` and ``.h0``).
    baseline_chi2, baseline_df, baseline_chi2_scaled, baseline_p_value_scaled,
    baseline_scaling_factor
        The same for the baseline (independence) model.
    cfi_scaled, tli_scaled, rni_scaled, nfi_scaled, rfi_scaled, ifi_scaled, pnfi_scaled
        Incremental indices computed from the scaled statistics (lavaan's ``*.scaled``).
    rmsea_scaled, rmsea_ci_lower_scaled, rmsea_ci_upper_scaled
        RMSEA from the scaled statistic and lavaan's interval for it (noncentral χ² with
        c·df degrees of freedom).
    cfi_robust, tli_robust, rni_robust
        Brosseau-Liard & Savalei (2014) robust incremental indices.
    rmsea_robust, rmsea_ci_lower_robust, rmsea_ci_upper_robust, rmsea_pvalue_robust,
    rmsea_notclose_pvalue_robust
        Brosseau-Liard, Savalei & Li (2012) robust RMSEA, its 90 % interval and the tests of
        close (ε ≤ .05) and not-close (ε ≥ .08) fit.
    information_singular
        True when the observed information is singular; then SEs and scaled tests are NaN.
    """

    estimate: CBSEMEstimate = field(repr=False)
    structure: ModelStructure = field(repr=False)
    vcov: FloatArray = field(repr=False)
    std_errors: FloatArray = field(repr=False)
    table: pd.DataFrame = field(repr=False)
    chi2: float
    df: int
    n_obs: int
    chi2_scaled: float
    p_value_scaled: float
    scaling_factor: float
    scaling_factor_h1: float
    scaling_factor_h0: float
    baseline_chi2: float
    baseline_df: int
    baseline_chi2_scaled: float
    baseline_p_value_scaled: float
    baseline_scaling_factor: float
    cfi_scaled: float
    tli_scaled: float
    rni_scaled: float
    nfi_scaled: float
    rfi_scaled: float
    ifi_scaled: float
    pnfi_scaled: float
    rmsea_scaled: float
    rmsea_ci_lower_scaled: float
    rmsea_ci_upper_scaled: float
    cfi_robust: float
    tli_robust: float
    rni_robust: float
    rmsea_robust: float
    rmsea_ci_lower_robust: float
    rmsea_ci_upper_robust: float
    rmsea_pvalue_robust: float
    rmsea_notclose_pvalue_robust: float
    information_singular: bool = False

    def nested_test_info(self) -> CBSEMNestedInfo:
        """What :func:`sem_csat.compare` needs for the Satorra–Bentler scaled difference."""
        from sem_csat.cbsem.results import nested_info

        return nested_info(self)

    def __repr__(self) -> str:
        return (
            f"RobustResult(chi2={self.chi2:.4g}, df={self.df}, chi2_scaled="
            f"{self.chi2_scaled:.4g}, scaling_factor={self.scaling_factor:.4g}, "
            f"cfi_robust={self.cfi_robust:.4g}, rmsea_robust={self.rmsea_robust:.4g})"
        )

    def as_lavaan(self) -> dict[str, float]:
        """Return the robust quantities under the names of lavaan's ``fitMeasures()``."""
        names = {
            "chisq": "chi2",
            "df": "df",
            "chisq.scaled": "chi2_scaled",
            "pvalue.scaled": "p_value_scaled",
            "chisq.scaling.factor": "scaling_factor",
            "scaling.factor.h1": "scaling_factor_h1",
            "scaling.factor.h0": "scaling_factor_h0",
            "baseline.chisq": "baseline_chi2",
            "baseline.df": "baseline_df",
            "baseline.chisq.scaled": "baseline_chi2_scaled",
            "baseline.pvalue.scaled": "baseline_p_value_scaled",
            "baseline.chisq.scaling.factor": "baseline_scaling_factor",
            "cfi.scaled": "cfi_scaled",
            "tli.scaled": "tli_scaled",
            "nnfi.scaled": "tli_scaled",
            "rni.scaled": "rni_scaled",
            "nfi.scaled": "nfi_scaled",
            "rfi.scaled": "rfi_scaled",
            "ifi.scaled": "ifi_scaled",
            "pnfi.scaled": "pnfi_scaled",
            "rmsea.scaled": "rmsea_scaled",
            "rmsea.ci.lower.scaled": "rmsea_ci_lower_scaled",
            "rmsea.ci.upper.scaled": "rmsea_ci_upper_scaled",
            "cfi.robust": "cfi_robust",
            "tli.robust": "tli_robust",
            "nnfi.robust": "tli_robust",
            "rni.robust": "rni_robust",
            "rmsea.robust": "rmsea_robust",
            "rmsea.ci.lower.robust": "rmsea_ci_lower_robust",
            "rmsea.ci.upper.robust": "rmsea_ci_upper_robust",
            "rmsea.pvalue.robust": "rmsea_pvalue_robust",
            "rmsea.notclose.pvalue.robust": "rmsea_notclose_pvalue_robust",
        }
        return {lav: float(getattr(self, attr)) for lav, attr in names.items()}


@dataclass(frozen=True)
class DifferenceTest:
    """χ² difference test of two nested models (lavaan's ``lavTestLRT`` for two fits).

    Attributes
    ----------
    method
        ``"standard"`` (ML fits) or ``"satorra.bentler.2001"`` (MLR fits).
    chi2_diff
        The test statistic: T₀ − T₁ (standard) or (T₀ − T₁)/c_d (Satorra–Bentler).
    df_diff
        df₀ − df₁ > 0.
    p_value
        P(χ²_{Δdf} > chi2_diff).
    chi2_diff_standard
        The unscaled difference T₀ − T₁ of the two ML statistics (equal to ``chi2_diff`` for
        ``method="standard"``).
    scaling_factor
        c_d of the scaled difference; NaN for the standard test.
    rmsea
        RMSEA of the difference, sqrt(max(ΔT/(N·Δdf) − 1/N, 0)) (lavaan 0.6-14 reports it for
        the standard test only; NaN for the scaled one).
    df_restricted, df_full
        Degrees of freedom of the restricted (H₀) and the full model.
    """

    method: str
    chi2_diff: float
    df_diff: int
    p_value: float
    chi2_diff_standard: float
    scaling_factor: float
    rmsea: float
    df_restricted: int
    df_full: int


# --------------------------------------------------------------------------------------------
# Pieces: scores, information matrices, traces


def _casewise_scores(sigma: FloatArray, dsigma: FloatArray, y: FloatArray) -> FloatArray:
    """Case-wise scores of the normal log-likelihood, shape ``(n, q)``.

    For ``y`` centred at the sample mean, ∂ℓᵢ/∂θₖ = ½ [yᵢ'Σ⁻¹(∂ₖΣ)Σ⁻¹yᵢ − tr(Σ⁻¹∂ₖΣ)].
    """
    sigma_inv = np.linalg.inv(sigma)
    z = y @ sigma_inv
    quad = np.einsum("ni,kij,nj->nk", z, dsigma, z)
    trace = np.einsum("ij,kji->k", sigma_inv, dsigma)
    out: FloatArray = 0.5 * (quad - trace[None, :])
    return out


def _information_linear(sigma: FloatArray, s: FloatArray, dsigma: FloatArray) -> FloatArray:
    """Observed (per-case) information of a model *linear* in θ (∂²Σ = 0), at Σ given S.

    Aₖₗ = ½ tr[Σ⁻¹ ∂ₖΣ Σ⁻¹(2S − Σ)Σ⁻¹ ∂ₗΣ] (symmetrised); it is the expected information
    ½ tr(Σ⁻¹∂ₖΣ Σ⁻¹∂ₗΣ) when Σ = S.
    """
    sigma_inv = np.linalg.inv(sigma)
    middle = sigma_inv @ (2.0 * s - sigma) @ sigma_inv
    left = np.einsum("ij,kjl->kil", sigma_inv, dsigma)
    right = np.einsum("ij,kjl->kil", middle, dsigma)
    out = 0.5 * np.einsum("kij,lji->kl", left, right)
    sym: FloatArray = 0.5 * (out + out.T)
    return sym


def _vech_derivatives(p: int) -> FloatArray:
    """∂Σ/∂σᵢⱼ for the p(p+1)/2 distinct elements of an unrestricted Σ."""
    rows, cols = np.tril_indices(p)
    out = np.zeros((rows.size, p, p))
    for k, (i, j) in enumerate(zip(rows, cols, strict=True)):
        out[k, i, j] = 1.0
        out[k, j, i] = 1.0
    return out


def _observed_information(
    structure: ModelStructure, theta: FloatArray, s: FloatArray
) -> FloatArray:
    """Observed per-case information ½ ∂²F_ML/∂θ∂θᵀ (lavaan's ``observed.information="hessian"``).

    Central differences of the analytic gradient with Richardson extrapolation
    (4·D(h/2) − D(h))/3, h = 1e-4·max(1, |θₖ|), which leaves an error of order h⁴.
    """
    obj = _Objective(structure, s, "ML")
    q = theta.size
    hess = np.empty((q, q))
    for k in range(q):
        h = 1e-4 * max(1.0, abs(float(theta[k])))
        cols = []
        for step in (h, 0.5 * h):
            e = np.zeros(q)
            e[k] = step
            cols.append((obj.gradient(theta + e) - obj.gradient(theta - e)) / (2.0 * step))
        hess[:, k] = (4.0 * cols[1] - cols[0]) / 3.0
    out: FloatArray = 0.25 * (hess + hess.T)
    return out


def _inverse(info: FloatArray) -> FloatArray | None:
    """Inverse of a symmetric information matrix, or None when it is singular."""
    if info.size == 0:
        return np.zeros((0, 0))
    eig = np.linalg.eigvalsh(info)
    if not np.all(np.isfinite(eig)) or eig[0] <= _RANK_TOL * max(abs(eig[-1]), 0.0):
        return None
    inv = np.asarray(np.linalg.inv(info), dtype=np.float64)
    return 0.5 * (inv + inv.T)


def _trace_h1(s: FloatArray, y: FloatArray) -> float:
    """tr(A₁⁻¹B₁) of the unrestricted model, at the sample moments (``h1.information =
    "unstructured"``, which the Mplus variant always uses)."""
    d1 = _vech_derivatives(s.shape[0])
    a1 = _information_linear(s, s, d1)
    scores = _casewise_scores(s, d1, y)
    b1 = scores.T @ scores / y.shape[0]
    return float(np.trace(np.linalg.solve(a1, b1)))


def _scaled(chi2: float, trace_ugamma: float, df: int) -> tuple[float, float, float]:
    """c = tr(UΓ)/df, T/c and its p-value; NaN when df = 0 or c ≤ 0 (as lavaan)."""
    if df <= 0 or not math.isfinite(trace_ugamma):
        return _NAN, _NAN, _NAN
    c = trace_ugamma / df
    if c <= 0.0:
        return _NAN, _NAN, _NAN
    t = chi2 / c
    return c, t, float(stats.chi2.sf(t, df))


# --------------------------------------------------------------------------------------------
# Public API


def _as_data(data: ArrayLike | pd.DataFrame, structure: ModelStructure) -> FloatArray:
    """Raw data as an ``(n, p)`` float array in the order of ``structure.observed``."""
    if isinstance(data, pd.DataFrame):
        missing = [v for v in structure.observed if v not in data.columns]
        if missing:
            raise DataError(
                f"The data have no column(s) {', '.join(map(repr, missing))} that the model "
                "uses; check the item names."
            )
        data = data[list(structure.observed)]
    y = np.asarray(data, dtype=np.float64)
    p = len(structure.observed)
    if y.ndim != 2 or y.shape[1] != p:
        raise DataError(
            f"The data must be an n × {p} array with the columns {', '.join(structure.observed)} "
            f"in that order, got shape {y.shape}."
        )
    if not np.all(np.isfinite(y)):
        raise DataError(
            "The data have missing or infinite values; MLR here needs complete data, so drop "
            "the incomplete rows (data.dropna()) before fitting."
        )
    return y


def mlr(
    structure: ModelStructure, estimate: CBSEMEstimate, data: ArrayLike | pd.DataFrame
) -> RobustResult:
    r"""Robust ML (MLR) standard errors, scaled test and robust fit indices of an ML fit.

    Parameters
    ----------
    structure
        The model structure the fit was estimated on
        (:func:`sem_csat.cbsem.adapter.build_structure`).
    estimate
        The ML fit of ``structure`` (``estimator="ML"``) to the divisor-N covariance of ``data``.
    data
        The complete raw data, ``n × p`` in the order of ``structure.observed`` (a DataFrame is
        reordered by column name).

    Returns
    -------
    RobustResult

    Raises
    ------
    UsageError
        When ``estimate`` is not an ML fit.
    DataError
        When the data have missing values, the wrong shape, or are not the data that were
        fitted (their covariance matrix differs from ``estimate.sample_cov``).

    Notes
    -----
    Per-case log-likelihood ℓᵢ(θ) = −½[p log 2π + log|Σ| + (yᵢ − ȳ)'Σ⁻¹(yᵢ − ȳ)] (no mean
    structure: the means are saturated at ȳ), so that N⁻¹Σᵢℓᵢ = const − ½F_ML.

    *Sandwich standard errors* (Huber 1967; White 1982; lavaan ``se="robust.huber.white"``):

    .. math:: \widehat{\mathrm{Cov}}(\hat\theta) = \frac{1}{N} A^{-1} B A^{-1},\quad
              A = \tfrac12 \frac{\partial^2 F_{ML}}{\partial\theta\,\partial\theta'},\quad
              B = \frac1N \sum_i s_i s_i',

    with A the *observed* information (lavaan's default for MLR, ``information="observed"``,
    ``observed.information="hessian"``; central differences of the analytic gradient) and
    sᵢ = ∂ℓᵢ/∂θ = ½[zᵢ'(∂ₖΣ)zᵢ − tr(Σ⁻¹∂ₖΣ)], zᵢ = Σ⁻¹(yᵢ − ȳ), at θ̂.

    *Yuan–Bentler scaled statistic, Mplus variant* (Yuan & Bentler 2000; Muthén & Muthén;
    lavaan ``test="yuan.bentler.mplus"``): T_scaled = T_ML / c with

    .. math:: c = \frac{\operatorname{tr}(A_1^{-1}B_1) - \operatorname{tr}(A^{-1}B)}{df},

    where A₁ = ½D'(S⁻¹⊗S⁻¹)D and B₁ are the information and the mean outer product of the
    scores of the unrestricted model, evaluated at the sample moments (``h1.information =
    "unstructured"``, always for this variant).  The second trace replaces the exact
    tr[(Δ'A₁Δ)⁻¹Δ'B₁Δ] by the h0 observed information, which is what distinguishes the
    Mplus variant from Yuan & Bentler's formula.  ``scaling_factor_h1`` = tr(A₁⁻¹B₁)/p* and
    ``scaling_factor_h0`` = tr(A⁻¹B)/q.

    The baseline model (Σ₀ = diag(S), p free variances) is treated the same way; its
    information is exact (Σ₀ is linear in its parameters).

    *Scaled indices* (lavaan ``*.scaled``): the usual formulas with T/c and T₀/c₀, e.g.
    CFI = 1 − max(T/c − df, 0)/max(T/c − df, T₀/c₀ − df₀, 0) and
    RMSEA = sqrt(max(T/(c·N·df) − 1/N, 0)); the scaled RMSEA interval inverts the noncentral
    χ² distribution for the unscaled T with c·df degrees of freedom.

    *Robust indices* (lavaan ``*.robust``): Brosseau-Liard & Savalei (2014, eq. 15)

    .. math:: \mathrm{CFI}_R = 1 - \frac{\max(T - c\,df, 0)}
              {\max(T - c\,df,\ T_0 - c_0\,df_0,\ 0)},\qquad
              \mathrm{TLI}_R = 1 - \frac{(T - c\,df)\,df_0}{(T_0 - c_0\,df_0)\,df},

    RNI_R the CFI without the max, and Brosseau-Liard, Savalei & Li (2012)
    RMSEA_R = sqrt(max(T/(N·df) − c/N, 0)); its interval is sqrt(c·λ/(N·df)) with λ from the
    noncentral χ²_df distribution at T/c, and the close / not-close tests use T/c with
    noncentrality N·df·ε₀²/c (lavaan ``lav_fit_rmsea.R``).

    A saturated model (df = 0) has no scaled test: the scaled and robust quantities are NaN.

    References
    ----------
    Brosseau-Liard, P. E., Savalei, V., & Li, L. (2012). An investigation of the sample
    performance of two nonnormality corrections for RMSEA. *Multivariate Behavioral Research*,
    47, 904–930.
    Brosseau-Liard, P. E., & Savalei, V. (2014). Adjusting incremental fit indices for
    nonnormality. *Multivariate Behavioral Research*, 49, 460–470.
    Savalei, V. (2014). Understanding robust corrections in structural equation modeling.
    *Structural Equation Modeling*, 21, 149–160.
    Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for mean and
    covariance structure analysis with nonnormal missing data. *Sociological Methodology*, 30,
    165–200.
    lavaan 0.6-14: ``R/lav_test_yuan_bentler.R``, ``R/lav_fit_cfi.R``, ``R/lav_fit_rmsea.R``.

    Examples
    --------
    See :func:`fit_mlr` for the one-call version; this is what it does after the ML fit:

    >>> import pandas as pd
    >>> from sem_csat.spec import ModelSpec
    >>> from sem_csat.spec.builders import reflective
    >>> hs = pd.read_csv("tests/reference/lavaan/hs1939.csv")  # doctest: +SKIP
    >>> spec = ModelSpec("HS", constructs=[reflective("visual", ["x1", "x2", "x3"]),
    ...                                    reflective("textual", ["x4", "x5", "x6"]),
    ...                                    reflective("speed", ["x7", "x8", "x9"])])
    >>> rob = fit_mlr(spec, hs)  # doctest: +SKIP
    >>> round(rob.chi2_scaled, 3), round(rob.scaling_factor, 4)  # lavaan: 87.132, 0.979
    ... # doctest: +SKIP
    (87.132, 0.979)
    """
    if estimate.estimator != "ML":
        raise UsageError(
            f"MLR corrects an ML fit, but this fit used estimator={estimate.estimator!r}; "
            "refit with estimator='ML'."
        )
    obs = list(structure.observed)
    y = _as_data(data, structure)
    n = y.shape[0]
    s = estimate.sample_cov.loc[obs, obs].to_numpy(dtype=np.float64)
    y = y - y.mean(axis=0)
    s_data = y.T @ y / n
    if n != estimate.n_obs or not np.allclose(s_data, s, rtol=1e-8, atol=1e-10):
        raise DataError(
            "These data are not the data the model was fitted to: their N or their covariance "
            f"matrix differ from the fit's (N = {n} vs {estimate.n_obs}).  Pass the same "
            f"complete data, with the columns in the order {', '.join(obs)}."
        )
    theta = estimate.theta
    q = theta.size
    sigma, mats, mm, c = _moments(structure, theta)
    dsigma = _sigma_derivatives(structure, mats, mm, c)

    info = _observed_information(structure, theta, s)
    info_inv = _inverse(info)
    scores = _casewise_scores(sigma, dsigma, y)
    meat = scores.T @ scores / n
    if info_inv is None:
        vcov = np.full((q, q), _NAN)
        trace_h0 = _NAN
    else:
        vcov = info_inv @ meat @ info_inv / n
        vcov = 0.5 * (vcov + vcov.T)
        trace_h0 = float(np.sum(meat * info_inv))

    p = s.shape[0]
    pstar = p * (p + 1) // 2
    trace_h1 = _trace_h1(s, y)
    chi2 = n * estimate.fmin
    df = estimate.df
    c_hat, chi2_scaled, p_scaled = _scaled(chi2, trace_h1 - trace_h0, df)

    # baseline (independence) model: Σ₀ = diag(S), parameters the p variances
    sigma0 = np.diag(np.diag(s))
    d0 = np.zeros((p, p, p))
    d0[np.arange(p), np.arange(p), np.arange(p)] = 1.0
    info0 = _information_linear(sigma0, s, d0)
    scores0 = _casewise_scores(sigma0, d0, y)
    trace0 = float(np.trace(np.linalg.solve(info0, scores0.T @ scores0 / n)))
    df0 = pstar - p
    chi2_0 = float(n * (np.sum(np.log(np.diag(s))) - np.linalg.slogdet(s)[1]))
    c0, chi2_0_scaled, p0_scaled = _scaled(chi2_0, trace_h1 - trace0, df0)

    scaled = (
        _incremental(chi2_scaled, df, chi2_0_scaled, df0)
        if math.isfinite(chi2_scaled) and math.isfinite(chi2_0_scaled)
        else dict.fromkeys(("cfi", "tli", "rfi", "nfi", "pnfi", "ifi", "rni"), _NAN)
    )
    robust = _robust_incremental(chi2, df, c_hat, chi2_0, df0, c0)
    rmsea_scaled = _NAN
    rmsea_robust = _NAN
    ci_scaled = ci_robust = (_NAN, _NAN)
    p_close = p_notclose = _NAN
    if math.isfinite(c_hat):
        rmsea_scaled = rmsea(chi2, df * c_hat, n)
        rmsea_robust = rmsea(chi2, df, n, c_hat=c_hat)
        ci_scaled = rmsea_ci(chi2, c_hat * df, n)
        ci_robust = rmsea_ci(chi2_scaled, float(df), n, c_hat=c_hat)
        p_close = float(stats.ncx2.sf(chi2_scaled, df, n * df * 0.05**2 / c_hat))
        p_notclose = float(stats.ncx2.cdf(chi2_scaled, df, n * df * 0.08**2 / c_hat))

    se = np.sqrt(np.clip(np.diag(vcov), 0.0, None)) if q else np.zeros(0)
    se = np.where(np.isfinite(np.diag(vcov)), se, _NAN) if q else se
    return RobustResult(
        estimate=estimate,
        structure=structure,
        vcov=vcov,
        std_errors=se,
        table=_robust_table(structure, estimate, se),
        chi2=chi2,
        df=df,
        n_obs=n,
        chi2_scaled=chi2_scaled,
        p_value_scaled=p_scaled,
        scaling_factor=c_hat,
        scaling_factor_h1=trace_h1 / pstar,
        scaling_factor_h0=trace_h0 / q if q else _NAN,
        baseline_chi2=chi2_0,
        baseline_df=df0,
        baseline_chi2_scaled=chi2_0_scaled,
        baseline_p_value_scaled=p0_scaled,
        baseline_scaling_factor=c0,
        cfi_scaled=scaled["cfi"],
        tli_scaled=scaled["tli"],
        rni_scaled=scaled["rni"],
        nfi_scaled=scaled["nfi"],
        rfi_scaled=scaled["rfi"],
        ifi_scaled=scaled["ifi"],
        pnfi_scaled=scaled["pnfi"],
        rmsea_scaled=rmsea_scaled,
        rmsea_ci_lower_scaled=ci_scaled[0],
        rmsea_ci_upper_scaled=ci_scaled[1],
        cfi_robust=robust["cfi"],
        tli_robust=robust["tli"],
        rni_robust=robust["rni"],
        rmsea_robust=rmsea_robust,
        rmsea_ci_lower_robust=ci_robust[0],
        rmsea_ci_upper_robust=ci_robust[1],
        rmsea_pvalue_robust=p_close,
        rmsea_notclose_pvalue_robust=p_notclose,
        information_singular=info_inv is None,
    )


def _robust_incremental(
    chi2: float, df: int, c: float, chi2_0: float, df0: int, c0: float
) -> dict[str, float]:
    """Brosseau-Liard & Savalei (2014) CFI, TLI and RNI from unscaled T and scaling factors."""
    if not (math.isfinite(c) and math.isfinite(c0)) or df <= 0:
        return {"cfi": _NAN, "tli": _NAN, "rni": _NAN}
    num, den = chi2 - c * df, chi2_0 - c0 * df0
    t1, t2 = max(num, 0.0), max(num, den, 0.0)
    cfi = 1.0 if math.isclose(t2, 0.0, abs_tol=1e-8) else 1.0 - t1 / t2
    tli = 1.0 - (num * df0) / (den * df) if den != 0.0 else _NAN
    rni = 1.0 - num / den if den != 0.0 else _NAN
    return {"cfi": cfi, "tli": tli, "rni": rni}


def _parameter_keys(structure: ModelStructure) -> dict[tuple[str, str, str], int]:
    """(lhs, op, rhs) of every free-parameter row → index in θ; ``~~`` keys sorted."""
    out: dict[tuple[str, str, str], int] = {}
    for par in structure.parameters:
        if par.index is None:
            continue
        for pos in par.positions:
            if pos.matrix == "lambda":
                key = (structure.inner[pos.col], "=~", structure.observed[pos.row])
            elif pos.matrix == "beta":
                key = (structure.inner[pos.row], "~", structure.inner[pos.col])
            else:
                names = structure.inner if pos.matrix == "psi" else structure.observed
                a, b = sorted((names[pos.row], names[pos.col]))
                key = (a, "~~", b)
            out[key] = par.index
    return out


def _robust_table(
    structure: ModelStructure, estimate: CBSEMEstimate, se: FloatArray
) -> pd.DataFrame:
    """``estimate.table`` with robust SE, z, p and Wald 95 % CI (same rows, same order)."""
    keys = _parameter_keys(structure)
    table = estimate.table.copy()
    new_se = []
    for lhs, op, rhs in zip(table["lhs"], table["op"], table["rhs"], strict=True):
        key = (lhs, op, rhs) if op != "~~" else (min(lhs, rhs), op, max(lhs, rhs))
        idx = keys.get(key)
        new_se.append(float(se[idx]) if idx is not None else _NAN)
    se_col = np.asarray(new_se, dtype=np.float64)
    est = table["estimate"].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se_col > 0, est / se_col, _NAN)
    table["std_error"] = se_col
    table["z_value"] = z
    table["p_value"] = np.where(np.isfinite(z), 2.0 * stats.norm.sf(np.abs(z)), _NAN)
    table["ci_lower"] = est - _Z975 * se_col
    table["ci_upper"] = est + _Z975 * se_col
    return table


def robust_fit_indices(robust: RobustResult, fit: FitIndices | None = None) -> FitIndices:
    """The ML :class:`~sem_csat.cbsem.fit_indices.FitIndices` with the robust fields filled.

    Parameters
    ----------
    robust
        Result of :func:`mlr`.
    fit
        The ML fit indices of the same fit; computed from ``robust.estimate`` when omitted.

    Returns
    -------
    FitIndices
        ``fit`` with ``chi2_scaled``, ``scaling_factor``, ``cfi_robust``, ``tli_robust`` and
        ``rmsea_robust`` set (:func:`dataclasses.replace`); the ML fields are unchanged.
    """
    if fit is None:
        est = robust.estimate
        fit = fit_indices(
            est.sample_cov.to_numpy(),
            est.sigma.loc[est.sample_cov.index, est.sample_cov.columns],
            est.n_obs,
            est.n_free,
            estimator="ML",
        )
    return replace(
        fit,
        chi2_scaled=robust.chi2_scaled,
        scaling_factor=robust.scaling_factor,
        cfi_robust=robust.cfi_robust,
        tli_robust=robust.tli_robust,
        rmsea_robust=robust.rmsea_robust,
    )


def fit_mlr(
    spec: ModelSpec,
    data: pd.DataFrame,
    *,
    warm_start: bool = True,
    gtol: float = 1e-9,
) -> RobustResult:
    """Fit a reflective spec by ML to complete raw data and return the MLR corrections.

    The same pipeline as :func:`sem_csat.cbsem.estimation.fit_cbsem` with ``estimator="ML"``
    (it keeps the model structure that :func:`mlr` needs); the ML fit is
    ``result.estimate``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sem_csat.spec import ModelSpec
    >>> from sem_csat.spec.builders import reflective
    >>> hs = pd.read_csv("tests/reference/lavaan/hs1939.csv")  # doctest: +SKIP
    >>> spec = ModelSpec("HS", constructs=[reflective("visual", ["x1", "x2", "x3"]),
    ...                                    reflective("textual", ["x4", "x5", "x6"]),
    ...                                    reflective("speed", ["x7", "x8", "x9"])])
    >>> rob = fit_mlr(spec, hs)  # doctest: +SKIP
    >>> round(rob.cfi_robust, 4), round(rob.rmsea_robust, 4)  # lavaan: 0.9299, 0.0925
    ... # doctest: +SKIP
    (0.9299, 0.0925)
    """
    from sem_csat.cbsem import adapter
    from sem_csat.cbsem.syntax import to_semopy

    syntax = to_semopy(spec)
    items = [i.name for c in spec.constructs for i in c.indicators]
    missing = [i for i in items if i not in data.columns]
    if missing:
        raise DataError(
            f"The data have no column(s) {', '.join(map(repr, missing))} that the model uses; "
            "check the item names."
        )
    data = data[items]
    s_frame, n = sample_covariance(data, estimator="ML")
    s_frame = s_frame.loc[items, items]
    diag = np.diag(s_frame.to_numpy(dtype=float))
    variances = {i: float(v) for i, v in zip(items, diag, strict=True)}
    text = syntax.with_variances(variances) if syntax.needs_variances else syntax.text
    structure = adapter.build_structure(
        text,
        s_frame.to_numpy(),
        items,
        n,
        data=data,
        label_names=dict(syntax.names),
        semopy_fit=warm_start,
    )
    obs = list(structure.observed)
    fit = estimate(
        structure,
        s_frame.loc[obs, obs].to_numpy(),
        n,
        "ML",
        order=[*spec.construct_names, *items],
        declared_covariances=[(c.left, c.right) for c in spec.covariances],
        gtol=gtol,
    )
    return mlr(structure, fit, data)


def scaled_difference(
    fit0: CBSEMEstimate | RobustResult, fit1: CBSEMEstimate | RobustResult
) -> DifferenceTest:
    r"""χ² difference test of two nested models fitted to the same data.

    Parameters
    ----------
    fit0, fit1
        The two fits, in either order (the one with more degrees of freedom is the restricted
        model H₀).  Two ML fits (:class:`~sem_csat.cbsem.estimation.CBSEMEstimate`) give the
        ordinary difference; two MLR results (:class:`RobustResult`) the Satorra–Bentler (2001)
        scaled difference.

    Returns
    -------
    DifferenceTest

    Raises
    ------
    UsageError
        When one fit is ML and the other MLR, when the fits are not both ML, or when they have
        the same degrees of freedom (not nested).
    DataError
        When they were fitted to different data (N or S differ).

    Warns
    -----
    SemCsatWarning
        When the scaled difference has a non-positive scaling factor c_d (possible in small
        samples or with a misspecified full model); the statistic is then NaN.

    Notes
    -----
    Standard (lavaan ``method = "standard"``): ΔT = T₀ − T₁ ~ χ²(df₀ − df₁), with
    T = N·F_ML; RMSEA of the difference sqrt(max(ΔT/(N·Δdf) − 1/N, 0)).

    Satorra–Bentler (2001), lavaan ``method = "satorra.bentler.2001"`` (its default for
    MLR): with cⱼ the scaling factors of the two models,

    .. math:: c_d = \frac{df_0 c_0 - df_1 c_1}{df_0 - df_1},\qquad
              \bar T_d = \frac{T_0 - T_1}{c_d},

    which uses the unscaled statistics (the difference of two scaled statistics is not
    χ²-distributed).  c_d can be negative; Satorra & Bentler (2010) give a strictly positive
    alternative, not implemented here.

    References
    ----------
    Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test statistic for
    moment structure analysis. *Psychometrika*, 66, 507–514.
    lavaan 0.6-14: ``lavTestLRT()`` and ``R/lav_test_diff.R``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sem_csat.spec import ModelSpec
    >>> from sem_csat.spec.builders import reflective
    >>> from sem_csat.spec.builders import reflective
    >>> hs = pd.read_csv("tests/reference/lavaan/hs1939.csv")  # doctest: +SKIP
    >>> three = ModelSpec("three", constructs=[reflective("visual", ["x1", "x2", "x3"]),
    ...                                        reflective("textual", ["x4", "x5", "x6"]),
    ...                                        reflective("speed", ["x7", "x8", "x9"])])
    >>> one = ModelSpec("one", constructs=[reflective("g", [f"x{k}" for k in range(1, 10)])])
    >>> test = scaled_difference(fit_mlr(one, hs), fit_mlr(three, hs))  # doctest: +SKIP
    >>> round(test.chi2_diff, 2), test.df_diff  # lavaan: 212.911, 3  # doctest: +SKIP
    (212.91, 3)
    """
    robust0, robust1 = isinstance(fit0, RobustResult), isinstance(fit1, RobustResult)
    if robust0 != robust1:
        raise UsageError(
            "Compare two ML fits (CBSEMEstimate) or two MLR results (RobustResult), not one of "
            "each; run mlr() on both fits for a scaled test."
        )
    est0 = fit0.estimate if isinstance(fit0, RobustResult) else fit0
    est1 = fit1.estimate if isinstance(fit1, RobustResult) else fit1
    for est in (est0, est1):
        if est.estimator != "ML":
            raise UsageError(f"The difference test needs ML fits, got estimator={est.estimator!r}.")
    if est0.df == est1.df:
        raise UsageError(
            f"Both models have df = {est0.df}, so they are not nested; the restricted model "
            "must have more degrees of freedom than the full one."
        )
    if est0.df < est1.df:
        fit0, fit1, est0, est1 = fit1, fit0, est1, est0
    same_vars = sorted(est0.sample_cov.index) == sorted(est1.sample_cov.index)
    if est0.n_obs != est1.n_obs or not same_vars:
        raise DataError(
            "The two models were not fitted to the same data (their N or their observed "
            "variables differ), so their χ² statistics cannot be compared."
        )
    names = list(est1.sample_cov.index)
    if not np.allclose(
        est0.sample_cov.loc[names, names].to_numpy(), est1.sample_cov.to_numpy(), rtol=1e-10
    ):
        raise DataError(
            "The two models were fitted to different sample covariance matrices, so their χ² "
            "statistics cannot be compared; fit both to the same data."
        )
    n = est0.n_obs
    t0, t1 = n * est0.fmin, n * est1.fmin
    df_diff = est0.df - est1.df
    delta = t0 - t1
    if isinstance(fit0, RobustResult) and isinstance(fit1, RobustResult):
        c_d = (est0.df * fit0.scaling_factor - est1.df * fit1.scaling_factor) / df_diff
        if not math.isfinite(c_d) or c_d <= 0.0:
            warnings.warn(
                f"The Satorra–Bentler (2001) scaled difference has a non-positive scaling "
                f"factor (c_d = {c_d:.4g}), so the test is undefined and reported as NaN; "
                "compare the standard χ² difference, or check that the full model fits.",
                SemCsatWarning,
                stacklevel=2,
            )
            stat = _NAN
        else:
            stat = delta / c_d
        method, rmsea_diff = "satorra.bentler.2001", _NAN
    else:
        c_d, stat, method = _NAN, delta, "standard"
        rmsea_diff = rmsea(delta, df_diff, n)
    p_value = float(stats.chi2.sf(stat, df_diff)) if math.isfinite(stat) else _NAN
    return DifferenceTest(
        method=method,
        chi2_diff=stat,
        df_diff=df_diff,
        p_value=p_value,
        chi2_diff_standard=delta,
        scaling_factor=c_d,
        rmsea=rmsea_diff,
        df_restricted=est0.df,
        df_full=est1.df,
    )
