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

Later variations plug in here: the observed information (Hessian) for MLR and FIML, the
sandwich A⁻¹BA⁻¹ (MLR, ``robust.sem``), the delta method for defined parameters and
standardized estimates (:func:`delta_method`), and the bootstrap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from numpy.typing import NDArray

from sem_csat.cbsem.estimate import Problem, Reparam

__all__ = ["VCov", "delta_method", "expected_vcov"]

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
    """

    x: FloatArray = field(repr=False)
    information: FloatArray = field(repr=False)
    n: int
    singular: bool
    min_eigenvalue: float
    z: FloatArray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)

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
    info_z = reparam.reduce_matrix(info_x)
    inv, rel = _invert(info_z)
    size = reparam.n_free
    if inv is None:
        nz = info_z.shape[0]
        return VCov(np.full((size, size), np.nan), info_z, n, True, rel, np.full((nz, nz), np.nan))
    cov_z = inv / n
    cov_x = cov_z if reparam.k is None else reparam.k @ cov_z @ reparam.k.T
    return VCov(cov_x, info_z, n, False, rel, cov_z)


def expected_vcov(problem: Problem, z: FloatArray) -> VCov:
    """lavaan's ``se = "standard"``, ``information = "expected"`` at the solution ``z``."""
    imp = problem.implied(z)
    if imp is None:
        size = problem.reparam.n_free
        return VCov(np.full((size, size), np.nan), np.zeros((0, 0)), 0, True, float("nan"))
    info = problem.information_x(imp)
    stats = problem.stats
    n = stats.ntotal if problem.discrepancy.likelihood else stats.ntotal - stats.n_groups
    return vcov_from_information(info, problem.reparam, n)


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
