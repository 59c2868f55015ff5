"""Step 5: the covariance matrix of the estimates (lavaan's ``lav_model_vcov.R``).

``se = "standard"`` with ``information = "expected"`` (lavaan's default for ML, GLS and ULS
on complete data):

.. math:: \\widehat{\\mathrm{Cov}}(\\hat x) = \\frac{1}{n} K (K^\\top I K)^{-1} K^\\top,

with I = Σ_g (N_g/N) I_g the unit expected information of the discrepancy function
(:mod:`sem_csat.cbsem.objective`), K the equality reparametrisation (x = Kz + x₀; lavaan inverts
the information augmented by the constraint Jacobian, which gives the same matrix) and
n = N for ML and N − G for the least-squares estimators.  For ULS this is lavaan's "standard"
formula, which treats the identity weight as if it were optimal; it is reproduced for
parity (the sandwich comes with the robust variations).

A singular information matrix (the model is not identified at the solution) gives NaN
standard errors and ``singular=True``, never a division by a tiny number.

Variations:

* ``information = "observed"`` (:func:`observed_vcov`; lavaan's default for FIML): the same
  with I the observed information, the Hessian of f at the estimates (f is lavaan's fmin,
  so this is the unit observed information; lavaan takes it by finite differences of the
  gradient, here it is analytic);
* ``se = "robust.huber.white"`` (:func:`robust_huber_white`; MLR): the sandwich

  .. math:: \\widehat{\\mathrm{Cov}}(\\hat z) = \\frac1N A^{-1} B A^{-1},\\qquad
            B = \\frac1N \\sum_i s_i s_i^\\top,

  with A the observed information and s_i = Kᵀ∂ℓ_i/∂x the case-wise scores (Huber 1967;
  White 1982); lavaan's ``information = "observed"``, ``observed.information = "hessian"``,
  ``information.meat = "first.order"``;
* ``se = "robust.sem"`` (:func:`robust_sem`; WLSMV): the sandwich of a weighted
  least-squares estimator, (ΔᵀWΔ)⁻¹ΔᵀWΓWΔ(ΔᵀWΔ)⁻¹/n with Γ the asymptotic covariance of the
  sample statistics (Satorra 1989; Muthén, du Toit & Spisic 1997).

References
----------
Huber, P. J. (1967). The behavior of maximum likelihood estimates under nonstandard
conditions. *Proceedings of the Fifth Berkeley Symposium*, 1, 221-233.
White, H. (1982). Maximum likelihood estimation of misspecified models. *Econometrica*, 50,
1-25.
Satorra, A. (1989). Alternative test criteria in covariance structure analysis: a unified
approach. *Psychometrika*, 54, 131-151.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from numpy.typing import NDArray

from sem_csat.cbsem.estimate import Problem, Reparam
from sem_csat.cbsem.objective_dwls import moment_jacobian

__all__ = [
    "VCov",
    "delta_method",
    "expected_vcov",
    "observed_vcov",
    "robust_huber_white",
    "robust_sem",
    "vcov_from_information",
    "wls_jacobian",
    "wls_ugamma",
]

FloatArray = NDArray[np.float64]
#: Relative eigenvalue below which the information counts as singular.
RANK_TOL: Final = 1e-10


@dataclass(frozen=True, eq=False)
class VCov:
    """Covariance matrix of the free parameters.

    Attributes
    ----------
    x
        Cov(x̂), n_free × n_free; all NaN when ``singular``.
    z
        Cov(ẑ) of the free coordinates, (KᵀIK)⁻¹/n.
    information
        The unit information in z (KᵀIK), for later use (score tests, robust corrections).
    n
        The N that divides the inverse information.
    singular
        Whether the information matrix could not be inverted.
    min_eigenvalue
        The smallest eigenvalue of KᵀIK, scaled to a unit diagonal, relative to its largest.
    z
        Cov(ẑ).
    meat
        The unit first-order information B of a sandwich (in z), else ``None``.
    kind
        lavaan's ``se``: ``"standard"``, ``"robust.huber.white"`` or ``"robust.sem"``.
    """

    x: FloatArray = field(repr=False)
    information: FloatArray = field(repr=False)
    n: int
    singular: bool
    min_eigenvalue: float
    z: FloatArray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)
    meat: FloatArray | None = field(default=None, repr=False)
    kind: str = "standard"

    @property
    def inverse_information(self) -> FloatArray:
        """(KᵀIK)⁻¹ (NaN when singular): lavaan's ``E.inv`` in the free coordinates."""
        if self.singular:
            size = self.information.shape[0]
            return np.full((size, size), np.nan)
        inv, _ = _invert(self.information)
        return inv if inv is not None else np.full(self.information.shape, np.nan)

    def trace_h0(self) -> float:
        """tr(B A⁻¹) of a sandwich (lavaan's h0 trace of the Yuan–Bentler test); NaN else."""
        if self.meat is None or self.singular:
            return float("nan")
        return float(np.sum(self.meat * self.inverse_information))

    def se(self) -> FloatArray:
        """Standard errors of the free parameters (NaN when singular)."""
        with np.errstate(invalid="ignore"):
            out: FloatArray = np.sqrt(np.diag(self.x))
        return out


def _invert(info_z: FloatArray) -> tuple[FloatArray | None, float]:
    """Inverse of the information, or ``None`` when it is singular.

    The test is made on the information scaled to a unit diagonal (D^-½ I D^-½), so that it
    does not depend on the units of the items or parameters: an item recorded in grams
    instead of kilograms changes nothing.
    """
    if info_z.size == 0:
        return np.zeros((0, 0)), 1.0
    sym = 0.5 * (info_z + info_z.T)
    diag = np.diag(sym)
    if not np.all(np.isfinite(sym)) or np.any(diag <= 0):
        return None, float("nan")
    d = np.sqrt(diag)
    scaled = sym / np.outer(d, d)
    eig = np.linalg.eigvalsh(scaled)
    top = float(max(abs(eig[-1]), 1e-300))
    rel = float(eig[0] / top)
    if not np.all(np.isfinite(eig)) or eig[0] <= RANK_TOL * top:
        return None, rel
    inv = np.linalg.inv(scaled) / np.outer(d, d)
    return 0.5 * (inv + inv.T), rel


def vcov_from_information(info_x: FloatArray, reparam: Reparam, n: int) -> VCov:
    """Cov(x̂) = K (KᵀIK)⁻¹ Kᵀ / n from the unit information in x."""
    return _from_information_z(reparam.reduce_matrix(info_x), reparam, n)


def _sample_n(problem: Problem) -> int:
    """N for likelihood estimators, N − G for the least-squares ones (lavaan)."""
    stats = problem.stats
    return stats.ntotal if problem.discrepancy.likelihood else stats.ntotal - stats.n_groups


def _failed(problem: Problem) -> VCov:
    size = problem.reparam.n_free
    return VCov(np.full((size, size), np.nan), np.zeros((0, 0)), 0, True, float("nan"))


def observed_vcov(problem: Problem, z: FloatArray) -> VCov:
    """lavaan's ``se = "standard"`` with ``information = "observed"`` (the Hessian of f)."""
    hess = problem.hessian(z)
    if not np.all(np.isfinite(hess)):
        return _failed(problem)
    info_z = 0.5 * (hess + hess.T)
    return _from_information_z(info_z, problem.reparam, _sample_n(problem))


def _from_information_z(info_z: FloatArray, reparam: Reparam, n: int) -> VCov:
    inv, rel = _invert(info_z)
    size = reparam.n_free
    if inv is None:
        nz = info_z.shape[0]
        return VCov(np.full((size, size), np.nan), info_z, n, True, rel, np.full((nz, nz), np.nan))
    cov_z = inv / n
    cov_x = cov_z if reparam.k is None else reparam.k @ cov_z @ reparam.k.T
    return VCov(cov_x, info_z, n, False, rel, cov_z)


def robust_huber_white(problem: Problem, z: FloatArray) -> VCov:
    """lavaan's ``se = "robust.huber.white"`` (MLR): A⁻¹BA⁻¹/N with A the observed information.

    Examples
    --------
    See :func:`sem_csat.cbsem.pipeline.fit` with ``Options(estimator="MLR")``; the
    Holzinger–Swineford CFA's robust SEs agree with lavaan's ``hs_mlr`` to about 1e-8.
    """
    imp = problem.implied(z)
    if imp is None:
        return _failed(problem)
    standard = observed_vcov(problem, z)
    scores = problem.reparam.reduce_matrix_rows(problem.scores_x(imp))
    n = problem.stats.ntotal
    meat = scores.T @ scores / n
    if standard.singular:
        return VCov(standard.x, standard.information, n, True, standard.min_eigenvalue,
                    standard.z, meat, "robust.huber.white")  # fmt: skip
    inv = standard.z * standard.n  # A⁻¹ (unit)
    cov_z = inv @ meat @ inv / n
    cov_z = 0.5 * (cov_z + cov_z.T)
    k = problem.reparam.k
    cov_x = cov_z if k is None else k @ cov_z @ k.T
    return VCov(cov_x, standard.information, n, False, standard.min_eigenvalue, cov_z, meat,
                "robust.huber.white")  # fmt: skip


def wls_jacobian(problem: Problem, z: FloatArray) -> FloatArray:
    """Δ = ∂(τ, ρ)/∂zᵀ of a one-group model of ordinal items at ``z`` (moments × n_z)."""
    imp = problem.implied(z)
    if imp is None:
        raise ValueError("the implied moments are undefined at z")
    fac = problem.model.jacobian(imp)[0]
    part = moment_jacobian(problem.stats.groups[0], fac)
    full = np.zeros((part.shape[0], problem.model.n_free))
    full[:, fac.index] = part
    return problem.reparam.reduce_matrix_rows(full)


def _ordinal_pieces(problem: Problem) -> tuple[FloatArray, FloatArray]:
    od = problem.stats.groups[0].ordinal
    if od is None or problem.stats.n_groups != 1:
        raise ValueError("robust.sem is implemented for one group of ordinal items")
    return od.weights, od.gamma


def robust_sem(problem: Problem, z: FloatArray) -> VCov:
    """lavaan's ``se = "robust.sem"`` (WLSMV): E⁻¹ΔᵀWΓWΔE⁻¹/(N − 1), E = ΔᵀWΔ."""
    standard = expected_vcov(problem, z)
    if standard.singular:
        return dataclasses.replace(standard, kind="robust.sem")
    w, gamma = _ordinal_pieces(problem)
    wd = w[:, None] * wls_jacobian(problem, z)
    meat = wd.T @ gamma @ wd
    inv = standard.z * standard.n
    cov_z = inv @ meat @ inv / standard.n
    cov_z = 0.5 * (cov_z + cov_z.T)
    k = problem.reparam.k
    cov_x = cov_z if k is None else k @ cov_z @ k.T
    return VCov(cov_x, standard.information, standard.n, False, standard.min_eigenvalue, cov_z,
                meat, "robust.sem")  # fmt: skip


def wls_ugamma(problem: Problem, z: FloatArray, vcov: VCov) -> FloatArray:
    """UΓ with U = W − WΔE⁻¹ΔᵀW (unit information; lavaan's ``trace.UGamma`` input)."""
    w, gamma = _ordinal_pieces(problem)
    delta = wls_jacobian(problem, z)
    wd = w[:, None] * delta
    u = np.diag(w) - wd @ vcov.inverse_information @ wd.T
    out: FloatArray = u @ gamma
    return out


def expected_vcov(problem: Problem, z: FloatArray) -> VCov:
    """lavaan's ``se = "standard"``, ``information = "expected"`` at the solution ``z``."""
    imp = problem.implied(z)
    if imp is None:
        return _failed(problem)
    return vcov_from_information(problem.information_x(imp), problem.reparam, _sample_n(problem))


def delta_method(
    func: Callable[[FloatArray], FloatArray], x: FloatArray, cov: FloatArray, step: float = 1e-6
) -> tuple[FloatArray, FloatArray]:
    """Values and covariance matrix of ``func(x)`` by the delta method (central differences).

    Cov(h(x̂)) = J Cov(x̂) Jᵀ with J = ∂h/∂xᵀ, the Jacobian taken by central differences with
    a step relative to each parameter (lavaan's ``lav_func_jacobian_complex`` uses complex
    steps; central differences agree to about 1e-9 for these smooth functions).

    Examples
    --------
    >>> import numpy as np
    >>> value, cov = delta_method(lambda x: np.array([x[0] * x[1]]), np.array([2.0, 3.0]),
    ...                           np.diag([0.01, 0.04]))
    >>> float(value[0]), round(float(cov[0, 0]), 6)  # 3²·0.01 + 2²·0.04
    (6.0, 0.25)
    """
    value = np.asarray(func(x), dtype=np.float64)
    jac = np.zeros((value.size, x.size))
    for k in range(x.size):
        h = step * max(1.0, abs(float(x[k])))
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        jac[:, k] = (np.asarray(func(up)) - np.asarray(func(down))) / (2.0 * h)
    out: FloatArray = jac @ cov @ jac.T
    return value, 0.5 * (out + out.T)
