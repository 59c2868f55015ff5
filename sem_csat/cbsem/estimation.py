"""Covariance-based SEM estimation in numpy/scipy: ML, GLS and ULS with lavaan's conventions.

semopy (through :mod:`sem_csat.cbsem.adapter`, the only module that imports it) parses the model
and supplies starting values; this module does the numbers, so that estimates, standard errors
and standardized estimates agree with lavaan 0.6 (``tests/test_cbsem_estimation.py``).

Model (the LISREL-type "RAM without means" structure that semopy uses, see semopy's
``Model.calc_sigma``): inner variables η (latent, plus observed variables used in the
structural part) with η = Bη + ζ, Cov(ζ) = Ψ, and observed y = Λη + ε, Cov(ε) = Θ, so that

.. math:: \\Sigma(\\theta) = \\Lambda (I - B)^{-1} \\Psi (I - B)^{-\\top} \\Lambda^\\top + \\Theta.

Conventions, all lavaan's defaults for complete data (``likelihood = "normal"``):

* the sample covariance matrix ``S`` has divisor ``N``; a covariance matrix given as summary
  statistics (divisor ``N - 1``, as R's ``cov()``) is multiplied by ``(N - 1) / N`` for ML
  (lavaan's ``sample.cov.rescale = TRUE``) and used as given for GLS and ULS;
* variances are **not** bounded: a Heywood case shows as a negative variance;
* standard errors come from the expected information with ``N`` (not ``N - 1``):
  ``Cov(θ̂) = (N Δᵀ W Δ)⁻¹`` for ML and GLS, and lavaan's "standard" ULS formula (below).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from sem_csat.errors import DataError, EstimationError, UsageError

if TYPE_CHECKING:
    from sem_csat.spec.model import ModelSpec

__all__ = [
    "ESTIMATORS",
    "MATRICES",
    "TABLE_COLUMNS",
    "CBSEMEstimate",
    "Estimator",
    "ModelStructure",
    "Parameter",
    "Position",
    "estimate",
    "fit_cbsem",
    "implied_covariance",
    "sample_covariance",
]

Estimator = Literal["ML", "GLS", "ULS"]
ESTIMATORS: tuple[Estimator, ...] = ("ML", "GLS", "ULS")
MATRICES: tuple[str, ...] = ("beta", "lambda", "psi", "theta")
TABLE_COLUMNS: tuple[str, ...] = (
    "lhs",
    "op",
    "rhs",
    "label",
    "estimate",
    "std_error",
    "z_value",
    "p_value",
    "ci_lower",
    "ci_upper",
    "std_all",
)
_Z975 = float(stats.norm.ppf(0.975))
_RANK_TOL = 1e-10  # relative eigenvalue below which the information matrix counts as singular

FloatArray = np.ndarray


@dataclass(frozen=True)
class Position:
    """Where a parameter sits: ``matrix[row, col]`` (and ``[col, row]`` in Ψ and Θ)."""

    matrix: str
    row: int
    col: int


@dataclass(frozen=True)
class Parameter:
    """One model parameter, free or fixed.

    Attributes
    ----------
    name
        The name semopy gives it (its label, or ``_b<k>`` / ``_c<k>``).
    label
        The spec's equality label, ``""`` when there is none.
    positions
        Every matrix entry it fills; several when an equality label ties parameters.
    index
        Position in the free-parameter vector θ, ``None`` when fixed.
    value
        Fixed value, or the warm-start value of a free parameter.
    """

    name: str
    label: str
    positions: tuple[Position, ...]
    index: int | None
    value: float


@dataclass(frozen=True, eq=False)
class ModelStructure:
    """Everything the estimator needs to know about a model, independent of semopy.

    Attributes
    ----------
    observed
        Rows/columns of Σ and Θ, rows of Λ.
    inner
        Rows/columns of B and Ψ, columns of Λ.
    latent
        The inner variables that are latent.
    templates
        ``beta``, ``lambda``, ``psi``, ``theta`` with fixed entries filled in, free entries 0.
    parameters
        Free and fixed parameters.
    start
        Warm-start vector θ₀ (semopy's solution, or its starting values).
    semopy_start
        semopy's own starting values.
    """

    observed: tuple[str, ...]
    inner: tuple[str, ...]
    latent: tuple[str, ...]
    templates: Mapping[str, FloatArray]
    parameters: tuple[Parameter, ...]
    start: FloatArray
    semopy_start: FloatArray = field(default_factory=lambda: np.zeros(0))

    @property
    def n_free(self) -> int:
        """Number of free parameters (distinct after equality labels)."""
        return int(self.start.shape[0])

    def matrices(self, theta: FloatArray) -> dict[str, FloatArray]:
        """Fill the templates with the free parameters ``theta``."""
        mats = {m: np.array(self.templates[m], dtype=float, copy=True) for m in MATRICES}
        for p in self.parameters:
            if p.index is None:
                continue
            value = theta[p.index]
            for pos in p.positions:
                mats[pos.matrix][pos.row, pos.col] = value
                if pos.matrix in ("psi", "theta"):
                    mats[pos.matrix][pos.col, pos.row] = value
        return mats


def _moments(
    structure: ModelStructure, theta: FloatArray
) -> tuple[FloatArray, dict[str, FloatArray], FloatArray, FloatArray]:
    """Return Σ(θ), the matrices, M = Λ(I−B)⁻¹ and C = (I−B)⁻¹."""
    mats = structure.matrices(theta)
    m = mats["beta"].shape[0]
    try:
        c = np.linalg.inv(np.eye(m) - mats["beta"])
    except np.linalg.LinAlgError as exc:
        raise EstimationError(
            "I - B is singular at the current parameters, so the structural model has no "
            "solution; check for feedback loops among the paths."
        ) from exc
    mm = mats["lambda"] @ c
    sigma = mm @ mats["psi"] @ mm.T + mats["theta"]
    return 0.5 * (sigma + sigma.T), mats, mm, c


def implied_covariance(structure: ModelStructure, theta: FloatArray) -> FloatArray:
    """Model-implied covariance matrix Σ(θ) of the observed variables.

    Notes
    -----
    Σ = Λ(I − B)⁻¹Ψ(I − B)⁻ᵀΛᵀ + Θ (Bollen 1989, ch. 8; semopy's ``calc_sigma``).
    """
    return _moments(structure, theta)[0]


def _sigma_derivatives(
    structure: ModelStructure, mats: dict[str, FloatArray], mm: FloatArray, c: FloatArray
) -> FloatArray:
    """∂Σ/∂θₖ for every free parameter, shape ``(q, p, p)``.

    With M = ΛC, C = (I − B)⁻¹ and K = CΨMᵀ (e_i unit vectors):
    ∂Σ/∂λ_ij = e_i K_j· + (·)ᵀ; ∂Σ/∂β_ij = M_·i K_j· + (·)ᵀ;
    ∂Σ/∂ψ_ij = M_·i M_·jᵀ + (·)ᵀ (i ≠ j), M_·i M_·iᵀ (i = j); ∂Σ/∂θ_ij = E_ij + E_ji or E_ii.
    """
    p = mm.shape[0]
    k = c @ mats["psi"] @ mm.T
    out = np.zeros((structure.n_free, p, p))
    for par in structure.parameters:
        if par.index is None:
            continue
        acc = out[par.index]
        for pos in par.positions:
            i, j = pos.row, pos.col
            if pos.matrix == "lambda":
                t = np.zeros((p, p))
                t[i, :] = k[j]
                acc += t + t.T
            elif pos.matrix == "beta":
                t = np.outer(mm[:, i], k[j])
                acc += t + t.T
            elif pos.matrix == "psi":
                t = np.outer(mm[:, i], mm[:, j])
                acc += t if i == j else t + t.T
            else:  # theta
                acc[i, j] += 1.0
                if i != j:
                    acc[j, i] += 1.0
    return out


def _vech_weights(p: int) -> FloatArray:
    """1 on the diagonal, ½ off it: Σ_{i≤j} aᵢⱼbᵢⱼ = Σᵢⱼ wᵢⱼaᵢⱼbᵢⱼ for symmetric a, b."""
    w = np.full((p, p), 0.5)
    np.fill_diagonal(w, 1.0)
    return w


class _Objective:
    """Discrepancy function F(θ), its analytic gradient and a Gauss–Newton (Fisher) Hessian."""

    def __init__(self, structure: ModelStructure, s: FloatArray, estimator: Estimator) -> None:
        self.structure = structure
        self.s = s
        self.estimator = estimator
        sign, logdet = np.linalg.slogdet(s)
        if estimator in ("ML", "GLS") and sign <= 0:
            raise DataError(
                "The sample covariance matrix is not positive definite, so "
                f"{estimator} cannot be used; look for constant items or items that are "
                "exact sums of others, or use estimator='ULS'."
            )
        self.logdet_s = float(logdet)
        self.s_inv = np.linalg.inv(s) if estimator in ("ML", "GLS") else np.eye(s.shape[0])
        self.w = _vech_weights(s.shape[0])

    def value(self, theta: FloatArray) -> float:
        """F(θ): F_ML, F_GLS or F_ULS (see :func:`estimate`)."""
        sigma = _moments(self.structure, theta)[0]
        if self.estimator == "ML":
            sign, logdet = np.linalg.slogdet(sigma)
            if sign <= 0:
                return math.inf
            trace = float(np.trace(np.linalg.solve(sigma, self.s)))
            return float(logdet) + trace - self.logdet_s - float(self.s.shape[0])
        r = self.s - sigma
        if self.estimator == "GLS":
            a = self.s_inv @ r
            return 0.5 * float(np.sum(a * a.T))
        return float(np.sum(self.w * r * r))

    def _gradient_matrix(self, sigma: FloatArray) -> FloatArray:
        """G with ∂F/∂θₖ = Σᵢⱼ Gᵢⱼ (∂Σ/∂θₖ)ᵢⱼ."""
        r = self.s - sigma
        if self.estimator == "ML":
            sigma_inv = np.linalg.inv(sigma)
            out: FloatArray = -(sigma_inv @ r @ sigma_inv)
        elif self.estimator == "GLS":
            out = -(self.s_inv @ r @ self.s_inv)
        else:
            out = -2.0 * self.w * r
        return out

    def gradient(self, theta: FloatArray) -> FloatArray:
        """∂F/∂θ (analytic)."""
        sigma, mats, mm, c = _moments(self.structure, theta)
        d = _sigma_derivatives(self.structure, mats, mm, c)
        out: FloatArray = np.einsum("kij,ij->k", d, self._gradient_matrix(sigma))
        return out

    def hessian(self, theta: FloatArray) -> FloatArray:
        """Gauss–Newton / Fisher-scoring approximation of ∂²F/∂θ∂θᵀ (exact when S = Σ)."""
        sigma, mats, mm, c = _moments(self.structure, theta)
        d = _sigma_derivatives(self.structure, mats, mm, c)
        return _weighted_cross(d, self.estimator, sigma, self.s_inv, self.w)


def _weighted_cross(
    d: FloatArray, estimator: Estimator, sigma: FloatArray, s_inv: FloatArray, w: FloatArray
) -> FloatArray:
    """Hₖₗ = tr(V dΣₖ V dΣₗ) with V = Σ⁻¹ (ML) or S⁻¹ (GLS); 2 Σᵢ≤ⱼ dΣₖ dΣₗ for ULS."""
    out: FloatArray
    if estimator == "ULS":
        out = 2.0 * np.einsum("kij,lij->kl", d * w, d)
        return out
    v = np.linalg.inv(sigma) if estimator == "ML" else s_inv
    a = np.einsum("ij,kjl->kil", v, d)
    out = np.einsum("kij,lji->kl", a, a)
    out = 0.5 * (out + out.T)
    return out


@dataclass(frozen=True, eq=False)
class CBSEMEstimate:
    """Result of one covariance-based SEM fit (immutable).

    Attributes
    ----------
    table
        One row per model parameter (free and fixed), lavaan's orientation, columns
        :data:`TABLE_COLUMNS`; fixed parameters have ``std_error`` etc. NaN.
    sigma
        Model-implied covariance Σ(θ̂), a DataFrame indexed by the observed variables.
    sample_cov
        The sample covariance S that was fitted (divisor ``N``; see :func:`sample_covariance`).
    n_obs
        Number of observations ``N``.
    n_free
        Number of free parameters (after equality labels).
    df
        Degrees of freedom ``p(p+1)/2 − n_free``.
    estimator
        ``"ML"``, ``"GLS"`` or ``"ULS"``.
    fmin
        Minimum of the discrepancy function F (for ML, χ² = N · fmin).
    theta
        Free parameter vector θ̂.
    vcov
        Cov(θ̂), all NaN when the information matrix is singular.
    iterations
        Optimizer iterations (all stages).
    converged
        Whether max |∂F/∂θ| ≤ max(gtol, 1e-6) at θ̂ (the optimizer aims at ``gtol``, 1e-9 by
        default, and usually reaches 1e-12).
    gradient_norm
        max |∂F/∂θ| at θ̂.
    information_singular
        True when the information matrix is singular (model not identified at θ̂); then
        standard errors are NaN.
    structure
        The model structure θ refers to, when the estimate comes from the table-based pipeline
        (:mod:`sem_csat.cbsem.legacy`); ``None`` for the semopy-based paths.
    pipeline
        The :class:`~sem_csat.cbsem.pipeline.CBSEMFit` it was made from, or ``None``.
    """

    table: pd.DataFrame
    sigma: pd.DataFrame
    sample_cov: pd.DataFrame
    n_obs: int
    n_free: int
    df: int
    estimator: Estimator
    fmin: float
    theta: FloatArray
    vcov: FloatArray
    iterations: int
    converged: bool
    gradient_norm: float
    information_singular: bool
    structure: ModelStructure | None = field(default=None, repr=False)
    pipeline: Any = field(default=None, repr=False)

    def __repr__(self) -> str:
        return (
            f"CBSEMEstimate(estimator={self.estimator!r}, n_obs={self.n_obs}, "
            f"n_free={self.n_free}, df={self.df}, fmin={self.fmin:.6g}, "
            f"converged={self.converged})"
        )


def _optimize(
    obj: _Objective, theta0: FloatArray, gtol: float, max_iter: int
) -> tuple[FloatArray, int, float]:
    """Minimize F without bounds; return θ̂, iterations and max |gradient|.

    Stage 1: scipy's ``trust-exact`` with the analytic gradient and the Fisher (Gauss–Newton)
    Hessian, which is robust far from the optimum (a step into a non-positive-definite Σ gives
    F = ∞ and is rejected by the trust region).  Stage 2: BFGS polish from there, for misfitting
    models where the Gauss–Newton Hessian is not the exact one.
    """
    iterations = 0
    theta = np.asarray(theta0, dtype=float).copy()
    if not math.isfinite(obj.value(theta)):
        raise EstimationError(
            "The starting values give a model-implied covariance matrix that is not positive "
            "definite; the model may be misspecified."
        )
    try:
        res = optimize.minimize(
            obj.value,
            theta,
            jac=obj.gradient,
            hess=obj.hessian,
            method="trust-exact",
            options={"gtol": gtol, "maxiter": max_iter},
        )
    except (ValueError, np.linalg.LinAlgError):
        # trust-exact evaluated the Hessian at a trial point whose implied covariance matrix
        # is not positive definite (NaN entries) and scipy gave up; the stages below start
        # again from theta0
        res = None
    if res is not None:
        iterations += int(res.nit)
    if res is not None and math.isfinite(res.fun):
        theta = np.asarray(res.x, dtype=float)
    grad = float(np.max(np.abs(obj.gradient(theta)))) if theta.size else 0.0
    if grad > gtol:
        res = optimize.minimize(
            obj.value,
            theta,
            jac=obj.gradient,
            method="BFGS",
            options={"gtol": gtol, "maxiter": max_iter},
        )
        iterations += int(res.nit)
        if math.isfinite(res.fun) and res.fun <= obj.value(theta):
            theta = np.asarray(res.x, dtype=float)
        grad = float(np.max(np.abs(obj.gradient(theta)))) if theta.size else 0.0
    if grad > gtol:
        theta, extra, grad = _newton_polish(obj, theta, gtol)
        iterations += extra
    return theta, iterations, grad


def _newton_polish(
    obj: _Objective, theta: FloatArray, gtol: float, max_steps: int = 25
) -> tuple[FloatArray, int, float]:
    """Newton steps with the exact Hessian (central differences of the analytic gradient).

    On flat, near-singular surfaces (ECSI's structural model) quasi-Newton methods stall at a
    gradient of about 1e-7; a few exact Newton steps reach 1e-10.  A step is kept only if it
    lowers F (or keeps F within rounding and lowers the gradient).
    """
    q = theta.size
    f0 = obj.value(theta)
    g0 = obj.gradient(theta)
    grad = float(np.max(np.abs(g0)))
    steps = 0
    for steps in range(1, max_steps + 1):  # noqa: B007 (steps is returned)
        h = np.empty((q, q))
        for k in range(q):
            eps = 1e-6 * max(1.0, abs(theta[k]))
            e = np.zeros(q)
            e[k] = eps
            h[:, k] = (obj.gradient(theta + e) - obj.gradient(theta - e)) / (2.0 * eps)
        h = 0.5 * (h + h.T)
        try:
            step = np.linalg.solve(h, g0)
        except np.linalg.LinAlgError:
            break
        accepted = False
        for t in (1.0, 0.5, 0.25, 0.125):
            cand = theta - t * step
            f1 = obj.value(cand)
            if not math.isfinite(f1):
                continue
            g1 = obj.gradient(cand)
            grad1 = float(np.max(np.abs(g1)))
            if f1 < f0 or (f1 <= f0 + 1e-12 * max(1.0, abs(f0)) and grad1 < grad):
                theta, f0, g0, grad, accepted = cand, f1, g1, grad1, True
                break
        if not accepted or grad <= gtol:
            break
    return theta, steps, grad


def _information(
    structure: ModelStructure,
    theta: FloatArray,
    s: FloatArray,
    estimator: Estimator,
) -> FloatArray:
    """Unit (per-observation) expected information matrix Δᵀ W Δ.

    ML: W = ½ Dᵀ(Σ̂⁻¹ ⊗ Σ̂⁻¹)D, so (Δᵀ W Δ)ₖₗ = ½ tr(Σ̂⁻¹ ∂ₖΣ Σ̂⁻¹ ∂ₗΣ);
    GLS: the same with S in place of Σ̂; ULS: W = I on the p(p+1)/2 distinct elements.
    """
    sigma, mats, mm, c = _moments(structure, theta)
    d = _sigma_derivatives(structure, mats, mm, c)
    p = s.shape[0]
    s_inv = np.linalg.inv(s) if estimator == "GLS" else np.eye(p)
    return 0.5 * _weighted_cross(d, estimator, sigma, s_inv, _vech_weights(p))


def _vcov(info: FloatArray, n_eff: float) -> tuple[FloatArray, bool]:
    """(n_eff · info)⁻¹, or all NaN and ``True`` when ``info`` is singular."""
    q = info.shape[0]
    if q == 0:
        return np.zeros((0, 0)), False
    # judge singularity on the correlation form D^-1/2 I D^-1/2 of the information matrix, so
    # that the verdict does not depend on the units of the items (a rescaled item rescales its
    # parameters, not the rank of the information)
    d = np.diag(info).copy()
    if not np.all(np.isfinite(d)) or np.any(d <= 0.0):
        return np.full((q, q), np.nan), True
    scale = 1.0 / np.sqrt(d)
    corr = info * np.outer(scale, scale)
    eig = np.linalg.eigvalsh(corr)
    if not np.all(np.isfinite(eig)) or eig[0] <= _RANK_TOL * max(eig[-1], 0.0):
        return np.full((q, q), np.nan), True
    out: FloatArray = np.outer(scale, scale) * np.linalg.inv(corr) / n_eff
    return 0.5 * (out + out.T), False


_KIND_ORDER = {"=~": 0, "~": 1}


def _parameter_table(
    structure: ModelStructure,
    theta: FloatArray,
    vcov: FloatArray,
    sigma: FloatArray,
    order: Sequence[str],
    declared: Sequence[tuple[str, str]],
) -> pd.DataFrame:
    """Long parameter table in lavaan's orientation and (approximately) its row order."""
    mats = structure.matrices(theta)
    m = mats["beta"].shape[0]
    c = np.linalg.inv(np.eye(m) - mats["beta"])
    inner_var = np.diag(c @ mats["psi"] @ c.T)
    sd: dict[str, float] = {}
    for name, v in zip(structure.inner, inner_var, strict=True):
        sd[name] = math.sqrt(v) if v > 0 else math.nan
    for name, v in zip(structure.observed, np.diag(sigma), strict=True):
        sd[name] = math.sqrt(v) if v > 0 else math.nan
    rank = {name: k for k, name in enumerate(order)}
    for name in (*structure.inner, *structure.observed):
        rank.setdefault(name, len(rank))
    declared_rank = {frozenset(pair): (k, pair) for k, pair in enumerate(declared)}
    latent = set(structure.latent)
    se_all = np.sqrt(np.clip(np.diag(vcov), 0.0, None)) if vcov.size else np.zeros(0)
    se_all = np.where(np.isfinite(np.diag(vcov)), se_all, np.nan) if vcov.size else se_all

    rows: list[tuple[tuple[int, ...], dict[str, object]]] = []
    for par in structure.parameters:
        est = float(theta[par.index]) if par.index is not None else par.value
        se = float(se_all[par.index]) if par.index is not None else math.nan
        for pos in par.positions:
            if pos.matrix == "lambda":
                lhs, op, rhs = structure.inner[pos.col], "=~", structure.observed[pos.row]
                std = est * sd[lhs] / sd[rhs]
                key: tuple[int, ...] = (0, rank[lhs], rank[rhs])
            elif pos.matrix == "beta":
                lhs, op, rhs = structure.inner[pos.row], "~", structure.inner[pos.col]
                std = est * sd[rhs] / sd[lhs]
                key = (1, rank[lhs], rank[rhs])
            else:
                names = structure.inner if pos.matrix == "psi" else structure.observed
                lhs, rhs, op = names[pos.row], names[pos.col], "~~"
                if pos.row == pos.col:
                    std = est / (sd[lhs] * sd[rhs])
                else:  # lavaan's cov.std = TRUE: scale by that matrix's own diagonal
                    own = mats[pos.matrix]
                    prod = own[pos.row, pos.row] * own[pos.col, pos.col]
                    std = est / math.sqrt(prod) if prod > 0 else math.nan
                pair = frozenset((lhs, rhs))
                if pair in declared_rank:
                    k, (lhs, rhs) = declared_rank[pair]
                    key = (2, k)
                else:
                    if rank[rhs] < rank[lhs]:
                        lhs, rhs = rhs, lhs
                    # lavaan: observed variances, latent variances, then latent covariances
                    group = 3 if lhs not in latent else (4 if lhs == rhs else 5)
                    key = (group, rank[lhs], rank[rhs])
            z = est / se if se > 0 else math.nan
            rows.append(
                (
                    key,
                    {
                        "lhs": lhs,
                        "op": op,
                        "rhs": rhs,
                        "label": par.label,
                        "estimate": est,
                        "std_error": se,
                        "z_value": z,
                        "p_value": float(2.0 * stats.norm.sf(abs(z))) if math.isfinite(z) else z,
                        "ci_lower": est - _Z975 * se,
                        "ci_upper": est + _Z975 * se,
                        "std_all": std,
                    },
                )
            )
    rows.sort(key=lambda r: r[0])
    table = pd.DataFrame([r for _, r in rows], columns=list(TABLE_COLUMNS))
    for col in TABLE_COLUMNS[4:]:
        table[col] = table[col].astype(float)
    return table


def estimate(
    structure: ModelStructure,
    sample_cov: FloatArray,
    n_obs: int,
    estimator: Estimator = "ML",
    *,
    order: Sequence[str] = (),
    declared_covariances: Sequence[tuple[str, str]] = (),
    gtol: float = 1e-9,
    max_iter: int = 2000,
) -> CBSEMEstimate:
    """Fit a model structure to a sample covariance matrix by ML, GLS or ULS.

    Parameters
    ----------
    structure
        The model, from :func:`sem_csat.cbsem.adapter.build_structure`.
    sample_cov
        ``S`` in the order of ``structure.observed``, as lavaan uses it: divisor ``N`` for ML,
        ``N − 1`` for GLS and ULS (see :func:`sample_covariance`).
    n_obs
        Number of observations ``N``.
    estimator
        ``"ML"``, ``"GLS"`` or ``"ULS"``.
    order
        Variable names in display order (constructs, then items), for the table's rows.
    declared_covariances
        ``(left, right)`` pairs as the user wrote them; they keep that orientation.
    gtol
        Convergence tolerance on max |∂F/∂θ|.
    max_iter
        Iteration limit of each optimizer stage.

    Returns
    -------
    CBSEMEstimate

    Raises
    ------
    EstimationError
        When the model has more free parameters than distinct sample moments (df < 0), or the
        optimization cannot start.
    UsageError
        For an unknown estimator.

    Notes
    -----
    Discrepancy functions (Bollen 1989, ch. 4; Browne 1984), with ``p`` observed variables:

    * ML: F = log|Σ| + tr(SΣ⁻¹) − log|S| − p  (χ² = N · F_min);
    * GLS: F = ½ tr[(S⁻¹(S − Σ))²] = ½ tr[(I − S⁻¹Σ)²];
    * ULS: F = Σ_{i≤j} (sᵢⱼ − σᵢⱼ)², least squares on the distinct elements, which is what
      lavaan minimizes (weight matrix I on vech); this differs from ½ tr[(S − Σ)²], which
      double-weights the covariances, and gives different estimates.

    Minimization is unbounded, with analytic gradients ∂F/∂θₖ = tr(G ∂Σ/∂θₖ), G = −Σ⁻¹(S−Σ)Σ⁻¹
    (ML), −S⁻¹(S−Σ)S⁻¹ (GLS), −2W∘(S−Σ) (ULS).

    Standard errors, as lavaan 0.6 computes them with ``se = "standard"``,
    ``information = "expected"`` (checked against lavaan 0.6-14):

    * ML: Cov(θ̂) = [N · ½ Δᵀ Dᵀ(Σ̂⁻¹⊗Σ̂⁻¹)D Δ]⁻¹, Δ = ∂ vech Σ/∂θᵀ, D the duplication matrix;
    * GLS: [(N − 1) · ½ Δᵀ Dᵀ(S⁻¹⊗S⁻¹)D Δ]⁻¹;
    * ULS: [(N − 1) · ΔᵀΔ]⁻¹.  This is lavaan's "standard" ULS formula; it treats the identity
      weight as if it were optimal and so is *not* the asymptotically correct (sandwich)
      standard error.  It is reproduced for parity; prefer ML or robust SEs for inference.

    A singular information matrix (a model not identified at θ̂) gives NaN standard errors and
    ``information_singular=True``.  ``std_all`` divides by model-implied standard deviations
    (latent: diag((I−B)⁻¹Ψ(I−B)⁻ᵀ); observed: diag Σ̂), as lavaan's ``std.all``, except that
    (residual) covariances are divided by the square roots of the diagonal of their own matrix
    (Θ or Ψ), i.e. they become residual correlations (lavaan's default ``cov.std = TRUE``).

    References
    ----------
    Bollen, K. A. (1989). *Structural Equations with Latent Variables*. Wiley.
    Browne, M. W. (1984). Asymptotically distribution-free methods for the analysis of
    covariance structures. *Br. J. Math. Stat. Psychol.* 37, 62–83.
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *JSS* 48(2).
    """
    if estimator not in ESTIMATORS:
        raise UsageError(
            f"estimator={estimator!r} is not available; use one of {', '.join(ESTIMATORS)}."
        )
    s = np.asarray(sample_cov, dtype=float)
    p = len(structure.observed)
    if s.shape != (p, p):
        raise DataError(
            f"The sample covariance matrix is {s.shape[0]}×{s.shape[1]} but the model has {p} "
            "observed variables."
        )
    q = structure.n_free
    df = p * (p + 1) // 2 - q
    if df < 0:
        raise EstimationError(
            f"The model has {q} free parameters but the {p} items give only "
            f"{p * (p + 1) // 2} distinct variances and covariances (df = {df}), so it is not "
            "identified; fix or remove parameters (e.g. error covariances) or add items."
        )
    obj = _Objective(structure, s, estimator)
    theta, iterations, grad = _optimize(obj, structure.start, gtol, max_iter)
    converged = bool(grad <= max(gtol, 1e-6))
    sigma = implied_covariance(structure, theta)
    n_eff = float(n_obs if estimator == "ML" else n_obs - 1)
    vcov, singular = _vcov(_information(structure, theta, s, estimator), n_eff)
    table = _parameter_table(structure, theta, vcov, sigma, order, declared_covariances)
    obs = list(structure.observed)
    return CBSEMEstimate(
        table=table,
        sigma=pd.DataFrame(sigma, index=obs, columns=obs),
        sample_cov=pd.DataFrame(s, index=obs, columns=obs),
        n_obs=int(n_obs),
        n_free=q,
        df=df,
        estimator=estimator,
        fmin=obj.value(theta),
        theta=theta,
        vcov=vcov,
        iterations=iterations,
        converged=converged,
        gradient_norm=grad,
        information_singular=singular,
    )


def sample_covariance(
    data: pd.DataFrame | None = None,
    *,
    cov: pd.DataFrame | None = None,
    cor: pd.DataFrame | None = None,
    sds: Mapping[str, float] | pd.Series | None = None,
    n_obs: int | None = None,
    estimator: Estimator = "ML",
    rescale: bool | None = None,
) -> tuple[pd.DataFrame, int]:
    """The sample covariance matrix that lavaan fits, from raw data or summary statistics.

    Parameters
    ----------
    data
        Complete raw data (items as columns).
    cov
        A covariance matrix with the ``N − 1`` divisor (R's ``cov()``, pandas' ``DataFrame.cov``),
        named rows and columns; needs ``n_obs``.
    cor, sds
        Alternatively a correlation matrix and the items' standard deviations (``N − 1``
        divisor), as published tables give them: cov = D R D with D = diag(sds).
    n_obs
        Number of observations (required with summary statistics).
    estimator
        ``"ML"``, ``"GLS"`` or ``"ULS"``; decides the divisor.
    rescale
        lavaan's ``sample.cov.rescale``: multiply a given covariance matrix by ``(N − 1)/N``.
        ``None`` (default) means True for ML and False otherwise, as lavaan.

    Returns
    -------
    (pandas.DataFrame, int)
        ``S`` and ``N``.

    Notes
    -----
    lavaan (``likelihood = "normal"``) fits ML to the divisor-``N`` covariance (the ML estimate
    of Σ) and GLS/ULS to the unbiased, divisor-``N − 1`` one.  So raw data give ``ddof = 0``
    for ML and ``ddof = 1`` otherwise, and a summary covariance matrix (divisor ``N − 1``) is
    rescaled by ``(N − 1)/N`` for ML only.  With that, ``hs_cov`` reproduces ``hs_ml`` exactly.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame([[2.0, 1.0], [1.0, 2.0]], index=["a", "b"], columns=["a", "b"])
    >>> s, n = sample_covariance(cov=c, n_obs=11)
    >>> float(s.loc["a", "a"]), n
    (1.8181818181818181, 11)
    """
    if estimator not in ESTIMATORS:
        raise UsageError(
            f"estimator={estimator!r} is not available; use one of {', '.join(ESTIMATORS)}."
        )
    given = sum(x is not None for x in (data, cov, cor))
    if given != 1 or (cor is None) != (sds is None):
        raise UsageError(
            "Give exactly one of: data, cov (with n_obs), or cor together with sds (with n_obs)."
        )
    if data is not None:
        values = data.to_numpy(dtype=float)
        if np.isnan(values).any():
            bad = [str(c) for c in data.columns if data[c].isna().any()]
            raise DataError(
                f"Column(s) {', '.join(repr(b) for b in bad)} have missing values; drop the "
                "incomplete rows (data.dropna()) before fitting, or impute them."
            )
        n = values.shape[0]
        ddof = 0 if estimator == "ML" else 1
        if n <= ddof + 1:
            raise DataError(f"The data have {n} rows; at least {ddof + 2} are needed.")
        s = np.cov(values, rowvar=False, ddof=ddof).reshape(values.shape[1], values.shape[1])
        names = [str(c) for c in data.columns]
        return pd.DataFrame(s, index=names, columns=names), n
    if n_obs is None or isinstance(n_obs, bool) or int(n_obs) != n_obs or n_obs < 2:
        raise UsageError(
            f"Fitting from summary statistics needs n_obs, the number of observations (an "
            f"integer of at least 2), got {n_obs!r}."
        )
    n = int(n_obs)
    if cov is not None:
        mat = cov
    else:
        cor_frame = cor if cor is not None else pd.DataFrame()
        sd = pd.Series(sds, dtype=float).reindex(cor_frame.index)
        if sd.isna().any():
            raise DataError(
                "sds must give a standard deviation for every row of the correlation matrix; "
                f"missing for {', '.join(map(repr, sd.index[sd.isna()]))}."
            )
        mat = cor_frame * np.outer(sd, sd)
    if list(mat.index) != list(mat.columns):
        raise DataError(
            "The covariance/correlation matrix must have the same row and column names."
        )
    values = mat.to_numpy(dtype=float)
    if not np.all(np.isfinite(values)) or not np.allclose(values, values.T, atol=1e-12):
        raise DataError(
            "The covariance/correlation matrix must be finite and symmetric; give the full "
            "matrix (not only its lower triangle)."
        )
    if rescale is None:
        rescale = estimator == "ML"
    if rescale:
        values = values * (n - 1) / n
    names = [str(c) for c in mat.index]
    return pd.DataFrame(values, index=names, columns=names), n


def fit_cbsem(
    spec: ModelSpec,
    data: pd.DataFrame | None = None,
    *,
    cov: pd.DataFrame | None = None,
    cor: pd.DataFrame | None = None,
    sds: Mapping[str, float] | pd.Series | None = None,
    n_obs: int | None = None,
    estimator: Estimator = "ML",
    rescale: bool | None = None,
    warm_start: bool = True,
    gtol: float = 1e-9,
) -> CBSEMEstimate:
    """Fit a reflective spec by ML, GLS or ULS, from raw data or summary statistics.

    The spec is translated by :func:`sem_csat.cbsem.syntax.to_semopy`, parsed by semopy
    (:mod:`sem_csat.cbsem.adapter`, which also gives the warm start when ``warm_start``), and
    estimated by :func:`estimate`.  See :func:`sample_covariance` for the data arguments.

    Examples
    --------
    >>> import pandas as pd
    >>> from sem_csat.spec import ModelSpec
    >>> hs = pd.read_csv("tests/reference/lavaan/hs1939.csv")  # doctest: +SKIP
    >>> spec = ModelSpec.from_lavaan("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\n"
    ...                              "speed =~ x7 + x8 + x9", name="HS")
    >>> fit = fit_cbsem(spec, hs)  # doctest: +SKIP
    >>> round(fit.n_obs * fit.fmin, 3)  # chi-square, as lavaan  # doctest: +SKIP
    85.306
    """
    from sem_csat.cbsem import adapter
    from sem_csat.cbsem.syntax import to_semopy

    syntax = to_semopy(spec)
    items = [i.name for c in spec.constructs for i in c.indicators]
    if data is not None:
        missing = [i for i in items if i not in data.columns]
        if missing:
            raise DataError(
                f"The data have no column(s) {', '.join(map(repr, missing))} that the model "
                "uses; check the item names."
            )
        data = data[items]
    s_frame, n = sample_covariance(
        data, cov=cov, cor=cor, sds=sds, n_obs=n_obs, estimator=estimator, rescale=rescale
    )
    missing = [i for i in items if i not in s_frame.index]
    if missing:
        raise DataError(
            f"The covariance matrix has no row for {', '.join(map(repr, missing))}; give every "
            "item of the model."
        )
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
    s_model = s_frame.loc[list(structure.observed), list(structure.observed)].to_numpy()
    return estimate(
        structure,
        s_model,
        n,
        estimator,
        order=[*spec.construct_names, *items],
        declared_covariances=[(c.left, c.right) for c in spec.covariances],
        gtol=gtol,
    )
