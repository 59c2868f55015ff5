"""Nonparametric bootstrap of a covariance-based SEM: :func:`bootstrap_cbsem`.

The generic machinery (:mod:`sem_csat.inference.bootstrap`) draws the resamples (as draw
counts) and hands this module the covariance matrices of a whole chunk of them;
:class:`CBSEMReplicateFunction` re-estimates the free parameters of every resample by batched
Fisher scoring warm-started at the full-sample estimate :math:`\\hat\\theta`, with the analytic
derivatives of :mod:`sem_csat.cbsem.estimation`.  No resampled data set is formed and semopy is
not called per resample (it is used once, to read the model's structure).

Statistics bootstrapped
-----------------------
=============  ==================================================================================
``params``     every free parameter, one value per row of the parameter table (a parameter tied by
               an equality label appears on each of its rows)
``std_all``    the same rows standardized as lavaan's ``std.all`` (so standardized loadings,
               paths and residual correlations); NaN in a resample where a variance turns
               negative (a Heywood case), which does not make the resample fail
``indirect``   unstandardized indirect effects (total minus direct) of the pairs in
               :attr:`CBSEMResult.effects <sem_csat.cbsem.results.CBSEMResult.effects>`
``total``      unstandardized total effects of the same pairs
=============  ==================================================================================

Estimation of a resample
------------------------
With :math:`S_b` the resample's covariance matrix (divisor :math:`N` for ML, :math:`N - 1` for
GLS and ULS, as lavaan), every resample is minimized by BFGS started at :math:`\\hat\\theta`
with the inverse of the exact Hessian of :math:`F` at the full-sample optimum (central
differences of the analytic gradient, computed once), Armijo backtracking, and the analytic
gradient :math:`g_k = \\operatorname{tr}(E\\, \\partial\\Sigma/\\partial\\theta_k)`,
:math:`E = \\Sigma^{-1} - \\Sigma^{-1} S_b \\Sigma^{-1}` for ML, evaluated with a handful of
matrix products per resample (:class:`_Batch`).  Plain Fisher scoring (Gauss–Newton) from
:math:`\\hat\\theta` was tried first: with the misfit of the HS CFA (χ² = 85 on 24 df) it
converges only linearly (≈ 40 iterations to 1e-9), and Newton with the Hessian frozen at
:math:`\\hat\\theta` diverges on weakly determined resamples; the quasi-Newton update
needs about 16–20 cheap iterations.  Iteration stops when :math:`\\max_k |g_k| \\le` 1e-9 (the
tolerance of :func:`~sem_csat.cbsem.estimation.fit_cbsem`).  All the resamples of a chunk
iterate together in stacked arrays; a resample leaves the batch when it has converged, so its
numbers do not depend on the rest of the chunk (the same seed gives identical results for any
``n_jobs``).  A resample not converged after 50 iterations is handed to the full optimizer
(:func:`sem_csat.cbsem.estimation.estimate`'s trust-region, BFGS and Newton stages) from where it
stopped; it fails (:data:`NOT_CONVERGED`) only if that too stops above 1e-6.  Resamples whose
sample or implied covariance matrix is not positive definite fail as well; failed resamples are
counted by reason and excluded from every summary.

References
----------
.. [1] Nocedal, J., & Wright, S. J. (2006). *Numerical Optimization*, 2nd ed., ch. 6. Springer.
.. [2] Magnus, J. R., & Neudecker, H. (1999). *Matrix Differential Calculus*, ch. 9. Wiley.
.. [3] Bollen, K. A., & Stine, R. A. (1992). Bootstrapping goodness-of-fit measures in
   structural equation models. *Sociological Methods & Research*, 21, 205–229.
.. [4] Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman & Hall.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.diagnostics import Diagnostic, emit
from sem_csat.errors import DataError, EstimationError, UsageError
from sem_csat.inference.bootstrap import (
    NOT_CONVERGED,
    BootstrapFacts,
    BootstrapReplicates,
    Moments,
    ReplicateOutput,
    SeedLike,
    run_bootstrap,
)
from sem_csat.summary import Section, Summary

if TYPE_CHECKING:
    from sem_csat.cbsem.estimation import Estimator, ModelStructure
    from sem_csat.cbsem.results import CBSEMResult
    from sem_csat.data import PreparedData, RawData

__all__ = [
    "NOT_POSITIVE_DEFINITE",
    "SAMPLE_NOT_POSITIVE_DEFINITE",
    "STATISTICS",
    "CBSEMBootstrap",
    "CBSEMLayout",
    "CBSEMReplicateFunction",
    "bootstrap_cbsem",
]

#: Resamples per batched estimation; fixed, so that the numbers do not depend on ``n_jobs``.
CHUNK = 64

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

#: Names of the statistics every CB-SEM replicate returns, in order.
STATISTICS: Final = ("params", "std_all", "indirect", "total")
#: Failure reason of a resample whose model-implied covariance matrix is not positive definite.
NOT_POSITIVE_DEFINITE: Final = "model-implied covariance matrix not positive definite"
#: Failure reason of a resample whose sample covariance matrix is not positive definite (ML, GLS).
SAMPLE_NOT_POSITIVE_DEFINITE: Final = "sample covariance matrix not positive definite"

_GTOL: Final = 1e-9  # convergence tolerance on max |dF/dtheta|, as fit_cbsem
_ACCEPT_GTOL: Final = 1e-6  # a resample counts as converged up to this gradient (as fit_cbsem)
_MAX_ITER: Final = 50  # Newton iterations before the full optimizer takes over
_HALVINGS: Final = 12  # step halvings before a replicate's line search gives up


# --------------------------------------------------------------------------------------------
# the model in stacked form


@dataclass(frozen=True, eq=False)
class _Stacked:
    """Matrix templates and the incidence matrix of a :class:`ModelStructure`, for stacks.

    ``fill[m]`` holds ``(k, row, col)`` of the free entries of matrix ``m``.  ``incidence`` is
    the ``(pm + m² + m² + p², q)`` matrix that maps the flattened Λ, B, Ψ, Θ to the parameters:
    1 for an entry of Λ or B and for one orientation of a covariance in Ψ or Θ, ½ for a
    variance (so that Σ_ij weight·G_ij sums a symmetric gradient matrix correctly).
    """

    templates: dict[str, FloatArray]
    fill: dict[str, tuple[IntArray, IntArray, IntArray]]
    incidence: FloatArray
    has_beta: bool

    @classmethod
    def from_structure(cls, structure: ModelStructure) -> _Stacked:
        """Stack the templates and positions of a structure."""
        q = structure.n_free
        p, m = len(structure.observed), len(structure.inner)
        shapes = {"lambda": (p, m), "beta": (m, m), "psi": (m, m), "theta": (p, p)}
        inc = {name: np.zeros((*shape, q)) for name, shape in shapes.items()}
        entries: dict[str, list[tuple[int, int, int]]] = {name: [] for name in shapes}
        for par in structure.parameters:
            if par.index is None:
                continue
            for pos in par.positions:
                entries[pos.matrix].append((par.index, pos.row, pos.col))
                half = pos.matrix in ("psi", "theta") and pos.row == pos.col
                inc[pos.matrix][pos.row, pos.col, par.index] += 0.5 if half else 1.0
        fill = {}
        for name, rows in entries.items():
            arr = np.array(rows, dtype=np.intp).reshape(-1, 3)
            fill[name] = (arr[:, 0], arr[:, 1], arr[:, 2])
        templates = {
            name: np.asarray(structure.templates[name], dtype=np.float64) for name in shapes
        }
        incidence = np.concatenate([inc[name].reshape(-1, q) for name in shapes], axis=0)
        return cls(
            templates=templates,
            fill=fill,
            incidence=incidence,
            has_beta=bool(inc["beta"].any()),
        )

    def matrices(self, theta: FloatArray) -> dict[str, FloatArray]:
        """``(c, ...)`` stacks of B, Λ, Ψ, Θ for the ``(c, q)`` parameter vectors."""
        c = theta.shape[0]
        out: dict[str, FloatArray] = {}
        for name, tmpl in self.templates.items():
            mat = np.repeat(tmpl[None], c, axis=0)
            k, r, col = self.fill[name]
            mat[:, r, col] = theta[:, k]
            if name in ("psi", "theta"):
                mat[:, col, r] = theta[:, k]
            out[name] = mat
        return out


@dataclass(frozen=True, eq=False)
class _Point:
    """Σ(θ) and the pieces of its derivatives for a stack of parameter vectors."""

    mats: dict[str, FloatArray]
    c: FloatArray  # (I - B)^-1
    m: FloatArray  # Λ C
    c_psi: FloatArray  # C Ψ
    sigma: FloatArray


def _point(model: _Stacked, theta: FloatArray) -> _Point:
    mats = model.matrices(theta)
    eye = np.eye(mats["beta"].shape[-1])
    c = (
        np.linalg.inv(eye - mats["beta"])
        if model.has_beta
        else np.broadcast_to(eye, mats["beta"].shape)
    )
    m = mats["lambda"] @ c
    c_psi = c @ mats["psi"]
    sigma = mats["lambda"] @ c_psi @ np.swapaxes(m, 1, 2) + mats["theta"]
    sigma = 0.5 * (sigma + np.swapaxes(sigma, 1, 2))
    return _Point(mats=mats, c=np.asarray(c), m=m, c_psi=c_psi, sigma=sigma)


def _cholesky_ok(mat: FloatArray) -> tuple[FloatArray, BoolArray]:
    """Cholesky factors of a stack and which matrices are positive definite (others: I)."""
    try:
        chol = np.asarray(np.linalg.cholesky(mat), dtype=np.float64)
        return chol, np.ones(mat.shape[0], dtype=bool)
    except np.linalg.LinAlgError:
        eye = np.eye(mat.shape[-1])
        ok = np.array([bool(np.linalg.eigvalsh(a)[0] > 0.0) for a in mat])
        return np.linalg.cholesky(np.where(ok[:, None, None], mat, eye)), ok


class _Batch:
    """Discrepancy function and analytic gradient for a stack of sample covariance matrices.

    With E = ∂F/∂Σ as a symmetric matrix (E = Σ⁻¹ − Σ⁻¹SΣ⁻¹ for ML, −S⁻¹(S − Σ)S⁻¹ for GLS,
    −2W∘(S − Σ) for ULS), the gradient needs no per-parameter work: for a free entry of
    Λ, B, Ψ or Θ, ∂F/∂θ is twice the matching entry of E M Ψ Cᵀ, MᵀE M Ψ Cᵀ, MᵀE M or E
    (halved on the diagonals of Ψ and Θ), M = ΛC, C = (I − B)⁻¹ (matrix calculus as in
    Magnus & Neudecker 1999, ch. 9), gathered with the incidence matrix of :class:`_Stacked`.
    """

    def __init__(self, model: _Stacked, s: FloatArray, estimator: Estimator) -> None:
        self.model = model
        self.s = s
        self.estimator = estimator
        p = s.shape[-1]
        self.p = p
        w = np.full((p, p), 0.5)
        np.fill_diagonal(w, 1.0)
        self.w = w
        self.logdet_s = np.zeros(s.shape[0])
        self.s_inv = s
        if estimator == "ML":
            chol, _ = _cholesky_ok(s)
            self.logdet_s = 2.0 * np.log(np.einsum("cii->ci", chol)).sum(axis=1)
        if estimator == "GLS":
            self.s_inv = np.asarray(np.linalg.inv(s), dtype=np.float64)

    def subset(self, idx: IntArray) -> _Batch:
        """The same function for the replicates ``idx``."""
        out = _Batch.__new__(_Batch)
        out.__dict__.update(self.__dict__)
        out.s = self.s[idx]
        out.logdet_s = self.logdet_s[idx]
        out.s_inv = self.s_inv[idx]
        return out

    def evaluate(self, theta: FloatArray) -> tuple[FloatArray, FloatArray]:
        """F ``(c,)`` (``inf`` where an ML Σ is not positive definite) and ∂F/∂θ ``(c, q)``."""
        pt = _point(self.model, theta)
        r = self.s - pt.sigma
        if self.estimator == "ML":
            chol, ok = _cholesky_ok(pt.sigma)
            logdet = 2.0 * np.log(np.einsum("cii->ci", chol)).sum(axis=1)
            v = np.linalg.inv(np.where(ok[:, None, None], pt.sigma, np.eye(self.p)))
            vsv = v @ self.s @ v
            e = v - 0.5 * (vsv + np.swapaxes(vsv, 1, 2))
            f = logdet + np.sum(self.s * v, axis=(1, 2)) - self.logdet_s - self.p
            f = np.where(ok, f, np.inf)
        elif self.estimator == "GLS":
            a = self.s_inv @ r
            f = 0.5 * np.sum(a * np.swapaxes(a, 1, 2), axis=(1, 2))
            e = -(a @ self.s_inv)
            e = 0.5 * (e + np.swapaxes(e, 1, 2))
        else:
            f = np.sum(self.w * r * r, axis=(1, 2))
            e = -2.0 * self.w * r
        em = e @ pt.m
        cpt = np.swapaxes(pt.c_psi, 1, 2)  # (C Ψ)ᵀ = Ψ Cᵀ
        g_psi = np.swapaxes(pt.m, 1, 2) @ em
        parts = [em @ cpt, g_psi @ cpt, g_psi, e]  # Λ, B, Ψ, Θ
        c = theta.shape[0]
        flat = np.concatenate([x.reshape(c, 1, -1) for x in parts], axis=2)
        grad = 2.0 * (flat @ self.model.incidence)[:, 0, :]  # one row per call: batch-invariant
        return f, grad


def _quasi_newton(
    batch: _Batch,
    theta0: FloatArray,
    h_inv: FloatArray,
    gtol: float,
    max_iter: int,
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Batched BFGS from ``theta0``, started with the Hessian inverse ``h_inv`` at θ̂.

    Each replicate keeps its own inverse-Hessian approximation, updated by BFGS
    (Nocedal & Wright 2006, eq. 6.17; skipped when sᵀy ≤ 0), and its own backtracking line
    search (Armijo condition, step halving).  Returns the parameters ``(c, q)``,
    max |gradient| ``(c,)`` and iterations ``(c,)``.  A replicate leaves the batch once
    converged (or once no step lowers F), so its numbers do not depend on the rest of the batch.
    """
    c, q = theta0.shape
    theta = theta0.copy()
    f, grad = batch.evaluate(theta)
    gmax = np.max(np.abs(grad), axis=1) if q else np.zeros(c)
    iters = np.zeros(c, dtype=np.intp)
    hk = np.repeat(h_inv[None], c, axis=0)
    eye = np.eye(q)
    active = np.flatnonzero(gmax > gtol)
    for _ in range(max_iter):
        if active.size == 0:
            break
        step = -(hk[active] @ grad[active][:, :, None])[:, :, 0]
        slope = np.sum(step * grad[active], axis=1)
        iters[active] += 1
        pending = np.arange(active.size)
        accepted = np.zeros(active.size, dtype=bool)
        old_theta, old_grad = theta[active].copy(), grad[active].copy()
        t = 1.0
        for _ in range(_HALVINGS):
            idx = active[pending]
            cand = theta[idx] + t * step[pending]
            f_new, g_new = batch.subset(idx).evaluate(cand)
            f_old = f[idx]
            limit = f_old + np.minimum(1e-4 * t * slope[pending], 0.0)
            ok = np.isfinite(f_new) & (
                f_new <= np.maximum(limit, f_old - 0.0) + 1e-13 * np.maximum(1.0, np.abs(f_old))
            )
            keep = idx[ok]
            theta[keep], f[keep], grad[keep] = cand[ok], f_new[ok], g_new[ok]
            gmax[keep] = np.max(np.abs(g_new[ok]), axis=1)
            accepted[pending[ok]] = True
            pending = pending[~ok]
            if pending.size == 0:
                break
            t *= 0.5
        s = theta[active] - old_theta
        y = grad[active] - old_grad
        sy = np.sum(s * y, axis=1)
        upd = accepted & (sy > 1e-300)
        if upd.any():
            sel = active[upd]
            rho = (1.0 / sy[upd])[:, None, None]
            sv, yv = s[upd][:, :, None], y[upd][:, :, None]
            left = eye - rho * (sv @ np.swapaxes(yv, 1, 2))
            hk[sel] = left @ hk[sel] @ np.swapaxes(left, 1, 2) + rho * (sv @ np.swapaxes(sv, 1, 2))
        active = active[accepted & (gmax[active] > gtol)]
    return theta, gmax, iters


def _hessian_inverse(
    structure: ModelStructure, s: FloatArray, theta: FloatArray, estimator: Estimator
) -> FloatArray:
    """Inverse of the exact Hessian of F at the full-sample optimum.

    Central differences of the analytic gradient (as
    :func:`~sem_csat.cbsem.estimation._newton_polish`); the Fisher (Gauss–Newton) matrix
    replaces it if it is not positive definite.
    """
    from sem_csat.cbsem.estimation import _Objective

    obj = _Objective(structure, s, estimator)
    q = theta.size
    h = np.empty((q, q))
    for k in range(q):
        eps = 1e-6 * max(1.0, abs(float(theta[k])))
        e = np.zeros(q)
        e[k] = eps
        h[:, k] = (obj.gradient(theta + e) - obj.gradient(theta - e)) / (2.0 * eps)
    h = 0.5 * (h + h.T)
    if q and not np.linalg.eigvalsh(h)[0] > 0.0:
        h = np.asarray(obj.hessian(theta), dtype=np.float64)
    out = np.asarray(np.linalg.inv(h) if q else np.zeros((0, 0)), dtype=np.float64)
    inv: FloatArray = 0.5 * (out + out.T)
    return inv


# --------------------------------------------------------------------------------------------
# which numbers are bootstrapped


@dataclass(frozen=True, eq=False)
class CBSEMLayout:
    """Which entries of the model are bootstrapped, and their labels.

    Attributes
    ----------
    rows
        ``(R, 4)`` table (``lhs``, ``op``, ``rhs``, ``label``) of the free rows of the
        parameter table, in its order.
    index
        ``(R,)`` position of each row's parameter in θ.
    kind, first, second
        ``(R,)`` how a row is standardized (0: ratio of standard deviations, a loading or a
        path; 1: a variance; 2: a covariance) and the two variables involved, as positions in
        the inner variables followed by the observed ones (see :func:`_standardized`).
    effects
        ``(E, 2)`` table (``from``, ``to``) of the effect pairs.
    effect_to, effect_from
        ``(E,)`` positions in the inner variables (rows of B are the dependent variables).
    """

    rows: pd.DataFrame
    index: IntArray
    kind: IntArray
    first: IntArray
    second: IntArray
    effects: pd.DataFrame
    effect_to: IntArray
    effect_from: IntArray

    @classmethod
    def build(cls, structure: ModelStructure, result: CBSEMResult) -> CBSEMLayout:
        """Match the result's parameter table and effects with the structure's entries."""
        m = len(structure.inner)
        where: dict[object, tuple[int, int, int, int]] = {}
        for par in structure.parameters:
            if par.index is None:
                continue
            for pos in par.positions:
                r, c = pos.row, pos.col
                if pos.matrix == "lambda":
                    key: object = ("=~", structure.inner[c], structure.observed[r])
                    code = (par.index, 0, m + r, c)
                elif pos.matrix == "beta":
                    key = ("~", structure.inner[r], structure.inner[c])
                    code = (par.index, 0, r, c)
                else:
                    names = structure.inner if pos.matrix == "psi" else structure.observed
                    key = ("~~", frozenset((names[r], names[c])))
                    shift = 0 if pos.matrix == "psi" else m
                    code = (par.index, 1 if r == c else 2, shift + r, shift + c)
                where[key] = code
        table = result.estimate.table
        keep, codes_found = [], []
        for i, (lhs, op, rhs) in enumerate(
            zip(table["lhs"], table["op"], table["rhs"], strict=True)
        ):
            key = ("~~", frozenset((lhs, rhs))) if op == "~~" else (op, lhs, rhs)
            if key in where:
                keep.append(i)
                codes_found.append(where[key])
        arr = np.array(codes_found, dtype=np.intp).reshape(-1, 4)
        rows = table.iloc[keep][["lhs", "op", "rhs", "label"]].reset_index(drop=True)
        inner = {name: k for k, name in enumerate(structure.inner)}
        eff = result.effects[["from", "to"]].reset_index(drop=True)
        return cls(
            rows=rows,
            index=arr[:, 0],
            kind=arr[:, 1],
            first=arr[:, 2],
            second=arr[:, 3],
            effects=eff,
            effect_to=np.array([inner[str(t)] for t in eff["to"]], dtype=np.intp),
            effect_from=np.array([inner[str(f)] for f in eff["from"]], dtype=np.intp),
        )


def _standardized(layout: CBSEMLayout, theta: FloatArray, pt: _Point) -> FloatArray:
    """lavaan's ``std.all`` of the layout's rows (NaN where a variance is not positive).

    With standard deviations :math:`d` from diag(CΨCᵀ) (inner) and diag Σ (observed):
    a loading or path becomes :math:`\\theta\\, d_{\\text{second}} / d_{\\text{first}}`, a
    variance :math:`\\theta / d^2`, and a covariance is divided by the square roots of the
    diagonal of its own matrix (Ψ or Θ), lavaan's ``cov.std = TRUE``.
    """
    est = theta[:, layout.index]
    inner_var = np.einsum("cij,cij->ci", pt.c_psi, pt.c)  # diag(C Ψ Cᵀ)
    var = np.concatenate([inner_var, np.einsum("cii->ci", pt.sigma)], axis=1)
    own = np.concatenate(
        [np.einsum("cii->ci", pt.mats["psi"]), np.einsum("cii->ci", pt.mats["theta"])], axis=1
    )
    i, j, kind = layout.first, layout.second, layout.kind
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(np.where(var > 0.0, var, np.nan))
        own_sd = np.sqrt(np.where(own > 0.0, own, np.nan))
        out = np.where(
            kind == 0,
            est * sd[:, j] / sd[:, i],
            np.where(kind == 1, est / (sd[:, i] * sd[:, j]), est / (own_sd[:, i] * own_sd[:, j])),
        )
    result: FloatArray = np.asarray(out, dtype=np.float64)
    return result


# --------------------------------------------------------------------------------------------
# the replicate function


@dataclass(frozen=True, eq=False)
class CBSEMReplicateFunction:
    """Replicate function of a CB-SEM model for :func:`~sem_csat.inference.bootstrap.run_bootstrap`.

    Called with the :class:`~sem_csat.inference.bootstrap.Moments` of a chunk of resamples, it
    re-estimates them all by batched BFGS from ``start`` (see the module notes) and
    returns the statistics :data:`STATISTICS` and the failure reasons.  Picklable.
    """

    structure: ModelStructure
    layout: CBSEMLayout
    start: FloatArray
    h_inv: FloatArray
    estimator: Estimator = "ML"
    gtol: float = _GTOL
    max_iter: int = _MAX_ITER

    @cached_property
    def _model(self) -> _Stacked:
        return _Stacked.from_structure(self.structure)

    def sample_covariances(self, moments: Moments) -> FloatArray:
        """``(c, p, p)`` covariance matrices the estimator fits (divisor N for ML, N − 1 else)."""
        cov = moments.cov
        if self.estimator == "ML":
            cov = cov * ((moments.n_obs - 1.0) / moments.n_obs)[:, None, None]
        out: FloatArray = 0.5 * (cov + np.swapaxes(cov, 1, 2))
        return out

    def fit(self, s: FloatArray) -> tuple[FloatArray, npt.NDArray[np.object_]]:
        """Estimates ``(c, q)`` and failure reasons ``(c,)`` for a stack of covariance matrices.

        Rows holding non-finite numbers (constant items) are left out and marked as failed;
        :func:`~sem_csat.inference.bootstrap.run_bootstrap` gives them their own reason.
        """
        from sem_csat.cbsem.estimation import _Objective, _optimize

        c = s.shape[0]
        q = self.start.shape[0]
        theta = np.full((c, q), np.nan)
        failure = np.full(c, "", dtype=object)
        usable = np.isfinite(s).all(axis=(1, 2))
        failure[~usable] = "non-finite sample covariance matrix"
        if self.estimator in ("ML", "GLS"):
            low = np.full(c, -1.0)
            if usable.any():
                low[usable] = np.linalg.eigvalsh(s[usable])[:, 0]
            bad = usable & ~(low > 0.0)
            failure[bad] = SAMPLE_NOT_POSITIVE_DEFINITE
            usable &= ~bad
        idx = np.flatnonzero(usable)
        if idx.size == 0:
            return theta, failure
        model = self._model
        batch = _Batch(model, s[idx], self.estimator)
        start = np.repeat(self.start[None], idx.size, axis=0)
        est, gmax, _ = _quasi_newton(batch, start, self.h_inv, self.gtol, self.max_iter)
        for j in np.flatnonzero(gmax > self.gtol):  # rare: the full optimizer takes over
            try:
                obj = _Objective(self.structure, s[idx[j]], self.estimator)
                est[j], _, gmax[j] = _optimize(obj, est[j], self.gtol, 2000)
            except (EstimationError, DataError):
                gmax[j] = np.inf
        theta[idx] = est
        failure[idx[~(gmax <= _ACCEPT_GTOL)]] = NOT_CONVERGED
        ok = idx[gmax <= _ACCEPT_GTOL]
        if ok.size:
            low = np.linalg.eigvalsh(_point(model, theta[ok]).sigma)[:, 0]
            failure[ok[~(low > 0.0)]] = NOT_POSITIVE_DEFINITE
        return theta, failure

    def statistics(self, theta: FloatArray) -> dict[str, FloatArray]:
        """The named statistics :data:`STATISTICS` of a stack of parameter vectors."""
        lay = self.layout
        safe = np.where(np.isfinite(theta), theta, self.start[None])
        pt = _point(self._model, safe)
        total = pt.c - np.eye(pt.c.shape[-1])  # (I - B)^-1 - I: effect of column on row
        direct = pt.mats["beta"]
        to, frm = lay.effect_to, lay.effect_from
        return {
            "params": theta[:, lay.index],
            "std_all": _standardized(lay, safe, pt),
            "indirect": (total - direct)[:, to, frm],
            "total": total[:, to, frm],
        }

    def __call__(self, moments: Moments, /) -> ReplicateOutput:
        theta, failure = self.fit(self.sample_covariances(moments))
        return ReplicateOutput(self.statistics(theta), failure, partial=frozenset({"std_all"}))


# --------------------------------------------------------------------------------------------
# results


@dataclass(frozen=True, eq=False)
class CBSEMBootstrap(BootstrapFacts):
    """Bootstrap results of a covariance-based SEM (from :func:`bootstrap_cbsem`).

    Every table has its labels followed by the columns ``estimate`` (full sample),
    ``boot_mean``, ``std_error``, ``t_value``, ``p_value`` (two-sided, t distribution with
    ``n_ok - 1`` degrees of freedom), ``ci_lower``/``ci_upper`` (percentile interval) and
    ``bca_lower``/``bca_upper`` (BCa interval) at level :attr:`conf`; see
    :func:`sem_csat.inference.bootstrap.summarize` for the formulas.

    Attributes
    ----------
    result
        The fitted model that was bootstrapped.
    replicates
        The raw replicates (``B × k`` per statistic), failure reasons and seed.
    layout
        Labels of the bootstrapped entries.
    conf
        Confidence level of the intervals.
    diagnostics
        Failed resamples and other findings.
    """

    result: CBSEMResult = dataclasses.field(repr=False)
    replicates: BootstrapReplicates = dataclasses.field(repr=False)
    layout: CBSEMLayout = dataclasses.field(repr=False)
    conf: float
    diagnostics: tuple[Diagnostic, ...] = ()

    def at_level(self, conf: float) -> CBSEMBootstrap:
        """The same bootstrap with intervals at another confidence level (no refitting)."""
        return dataclasses.replace(
            self, conf=float(conf), diagnostics=self.replicates.diagnostics(conf)
        )

    def _table(self, name: str, labels: pd.DataFrame) -> pd.DataFrame:
        summary = self.replicates.summary(name, self.conf)
        return pd.concat([labels.reset_index(drop=True), summary], axis=1)

    @cached_property
    def params(self) -> pd.DataFrame:
        """Every free parameter (unstandardized): ``lhs, op, rhs, label`` and the summary."""
        return self._table("params", self.layout.rows)

    @cached_property
    def std_params(self) -> pd.DataFrame:
        """The same rows standardized (lavaan's ``std.all``)."""
        return self._table("std_all", self.layout.rows)

    @cached_property
    def paths(self) -> pd.DataFrame:
        """Standardized path coefficients (``from``, ``to``, ...), in the order of the spec."""
        table = self.std_params
        reg = table[table["op"] == "~"].rename(columns={"rhs": "from", "lhs": "to"})
        reg = reg.drop(columns=["op", "label"])
        key = {
            (str(f), str(t)): k for k, (f, t) in enumerate(zip(reg["from"], reg["to"], strict=True))
        }
        order = [
            key[(p.source, p.target)] for p in self.result.spec.paths if (p.source, p.target) in key
        ]
        out = reg.iloc[order].reset_index(drop=True)
        return out[["from", "to", *[c for c in out.columns if c not in ("from", "to")]]]

    @cached_property
    def effects(self) -> pd.DataFrame:
        """Unstandardized indirect and total effects: ``from, to, effect`` and the summary."""
        parts = []
        for name in ("indirect", "total"):
            labels = self.layout.effects.assign(effect=name)
            parts.append(self._table(name, labels))
        return pd.concat(parts, ignore_index=True)

    def summary(self) -> Summary:
        """The text/HTML summary: run settings, paths, effects, parameters, warnings."""
        r = self.result
        header = [
            ("Model", f"{r.spec.name} ({len(r.constructs)} constructs, N={r.n_obs})"),
            ("Method", f"CB-SEM, {r.estimate.estimator}; nonparametric bootstrap"),
            ("Resamples", f"{self.n_ok} of {self.n_boot} estimated (seed {self.seed})"),
            (
                "Intervals",
                f"{self.conf:.0%} percentile and BCa; p-values two-sided from t with "
                f"{max(self.n_ok - 1, 0)} df",
            ),
        ]
        cols = ["estimate", "std_error", "t_value", "p_value", "ci_lower", "ci_upper"]
        sections = [
            Section("Standardized paths", self.paths[["from", "to", *cols]]),
            Section("Effects (unstandardized)", self.effects[["from", "to", "effect", *cols]]),
            Section("Parameters", self.params[["lhs", "op", "rhs", *cols]], collapsed=True),
            Section("Standardized parameters", self.std_params, collapsed=True),
        ]
        return Summary(
            f"sem_csat CB-SEM bootstrap: {r.spec.name}", header, sections, self.diagnostics
        )

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __repr__(self) -> str:
        return (
            f"<CBSEMBootstrap {self.result.spec.name!r}: {self.n_ok}/{self.n_boot} resamples, "
            f"seed {self.seed}, {self.conf:.0%} intervals>"
        )


# --------------------------------------------------------------------------------------------
# the entry point


def _structure(result: CBSEMResult) -> ModelStructure:
    """The fitted model's structure: the one the pipeline built from its parameter table, or
    (for fits of the earlier engine) rebuilt by semopy from the spec (parsing only)."""
    from sem_csat.cbsem import adapter
    from sem_csat.cbsem.estimation import implied_covariance
    from sem_csat.cbsem.syntax import to_semopy

    est = result.estimate
    if est.structure is not None:
        return est.structure
    syntax = to_semopy(result.spec)
    s = est.sample_cov
    variances = {str(k): float(s.loc[k, k]) for k in s.index}
    text = syntax.with_variances(variances) if syntax.needs_variances else syntax.text
    observed = [str(k) for k in s.index]
    structure = adapter.build_structure(
        text,
        s.to_numpy(dtype=np.float64),
        observed,
        est.n_obs,
        label_names=dict(syntax.names),
        semopy_fit=False,
    )
    sigma = est.sigma.loc[list(structure.observed), list(structure.observed)].to_numpy()
    theta = np.asarray(est.theta, dtype=np.float64)
    if theta.shape != (structure.n_free,) or not np.allclose(
        implied_covariance(structure, theta), sigma, rtol=0.0, atol=1e-8
    ):
        raise EstimationError(
            "The model's structure could not be rebuilt to match the fitted result, so it "
            "cannot be bootstrapped; refit the model with this version of sem_csat."
        )
    return structure


def _data(
    result: CBSEMResult, data: pd.DataFrame | RawData | PreparedData, observed: Sequence[str]
) -> FloatArray:
    """The fitted respondents' answers in the structure's column order, checked against S."""
    from sem_csat.data import PreparedData, prepare_data

    if isinstance(data, PreparedData):
        prepared = data
    else:
        prepared = prepare_data(result.spec, data, missing="listwise")
    x = prepared.frame.loc[:, list(observed)].to_numpy(dtype=np.float64)
    est = result.estimate
    ddof = 0 if est.estimator == "ML" else 1
    s = est.sample_cov.loc[list(observed), list(observed)].to_numpy()
    if x.shape[0] != est.n_obs or not np.allclose(
        np.cov(x, rowvar=False, ddof=ddof), s, rtol=1e-8, atol=1e-12
    ):
        raise DataError(
            f"These data ({x.shape[0]} complete rows) are not the data the model was fitted to "
            f"({est.n_obs} rows, with another covariance matrix); pass the same data as to "
            "sem_csat.fit."
        )
    return x


def bootstrap_cbsem(
    result: CBSEMResult,
    n_boot: int = 1000,
    *,
    data: pd.DataFrame | RawData | PreparedData,
    seed: SeedLike = None,
    n_jobs: int | None = 1,
    conf: float = 0.95,
    progress: bool | None = None,
    chunk_size: int | None = None,
    bca: bool = True,
) -> CBSEMBootstrap:
    """Bootstrap a fitted CB-SEM: standard errors, percentile and BCa intervals.

    Parameters
    ----------
    result
        A fit from ``sem_csat.fit(spec, data, method="ml" | "gls" | "uls")`` on raw data.
    n_boot
        Number of resamples (lavaan's ``bootstrapLavaan`` default is 1000).
    data
        The data the model was fitted to (a :class:`CBSEMResult` does not keep them); they are
        prepared as by :func:`sem_csat.fit` and checked against the fitted covariance matrix.
    seed
        Integer seed for reproducible numbers; None draws one and records it in
        :attr:`CBSEMBootstrap.seed`.
    n_jobs
        Number of joblib workers (``-1``: all cores); the numbers do not depend on it.
    conf
        Confidence level of the percentile and BCa intervals.
    progress
        Progress bar: None shows one on a terminal for runs longer than a second; False never.
    chunk_size
        Resamples per batched estimation (default :data:`CHUNK`).  The chunks do not depend on
        ``n_jobs``, so the numbers are bit-identical for any number of workers; another chunk
        size can change them in the last digits (batched matrix products round differently).
    bca
        Run the jackknife (one fit per respondent) that the BCa acceleration needs (default
        True); with False the ``bca_*`` columns are NaN.

    Returns
    -------
    CBSEMBootstrap

    Raises
    ------
    UsageError
        For a result that did not converge or used a covariance matrix instead of raw data.
    DataError
        When ``data`` are not the data the model was fitted to.

    Warns
    -----
    BootstrapFailureWarning
        When resamples fail (non-convergence, a non-positive-definite sample or implied
        covariance matrix, a constant item); they are counted, excluded and described in
        ``diagnostics``.

    Notes
    -----
    Each resample draws :math:`N` respondents with replacement and is re-estimated from its
    covariance matrix by batched quasi-Newton iterations warm-started at
    :math:`\\hat\\theta` (module notes); every resample reaches the optimum of a full
    :func:`~sem_csat.cbsem.estimation.fit_cbsem` on the resampled rows to within 1e-6
    (``tests/test_cbsem_bootstrap.py``).  This is the naive (Efron) bootstrap of lavaan's
    ``se = "bootstrap"``; the intervals are percentile and BCa (Efron & Tibshirani 1993, ch. 13–14).

    Examples
    --------
    >>> import pandas as pd, sem_csat
    >>> from sem_csat.spec import ModelSpec
    >>> hs = pd.read_csv("tests/reference/lavaan/hs1939.csv")  # doctest: +SKIP
    >>> spec = ModelSpec.from_lavaan("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\n"
    ...                              "speed =~ x7 + x8 + x9", name="HS")
    >>> fit = sem_csat.fit(spec, hs, method="ml")  # doctest: +SKIP
    >>> boot = bootstrap_cbsem(fit, 1000, data=hs, seed=1, progress=False)  # doctest: +SKIP
    >>> boot.n_ok  # doctest: +SKIP
    1000
    """
    from sem_csat.cbsem.results import CBSEMResult

    if not isinstance(result, CBSEMResult):
        raise UsageError(
            "bootstrap_cbsem needs a CB-SEM result (sem_csat.fit(..., method='ml')); "
            f"got {result!r}."
        )
    if not result.converged:
        raise UsageError(
            "The model did not converge on the full sample, so there is no estimate to "
            "bootstrap around; fix the estimation first."
        )
    if not (isinstance(conf, int | float) and 0.0 < float(conf) < 1.0):
        raise UsageError(
            f"conf must be a confidence level between 0 and 1, such as 0.95; got {conf!r}."
        )
    structure = _structure(result)
    x = _data(result, data, structure.observed)
    layout = CBSEMLayout.build(structure, result)
    est = result.estimate
    theta = np.asarray(est.theta, dtype=np.float64).copy()
    obs = list(structure.observed)
    s_full = est.sample_cov.loc[obs, obs].to_numpy(dtype=np.float64)
    fn = CBSEMReplicateFunction(
        structure=structure,
        layout=layout,
        start=theta,
        h_inv=_hessian_inverse(structure, s_full, theta, est.estimator),
        estimator=est.estimator,
    )
    replicates = run_bootstrap(
        fn,
        x,
        n_boot,
        seed=seed,
        n_jobs=n_jobs,
        chunk_size=CHUNK if chunk_size is None else chunk_size,
        progress=progress,
        jackknife=bca,
    )
    boot = CBSEMBootstrap(
        result=result,
        replicates=replicates,
        layout=layout,
        conf=float(conf),
        diagnostics=replicates.diagnostics(conf, item_names=list(structure.observed)),
    )
    emit(boot.diagnostics, stacklevel=3)
    return boot
