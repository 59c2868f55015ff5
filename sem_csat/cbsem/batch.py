"""The pipeline's model for stacks of data sets: implied moments, discrepancy, gradient and a
warm-started solver, vectorised over many samples at once (the bootstrap, Monte Carlo power).

A :class:`BatchProblem` holds the matrices of one block of a
:class:`~sem_csat.cbsem.lisrel.LisrelModel`, the equality reparametrisation x = K z + x₀ and the
estimator.  For a stack of c samples (their covariance matrices S_b and means ȳ_b) it returns,
for a stack of parameter vectors z_b, every f_b and ∂f_b/∂z in a handful of stacked matrix
products: with C = (I − B)⁻¹, M = ΛC, Σ = MΨMᵀ + Θ, μ = ν + MCα and G = ∂f/∂Σ,

.. math::

    \\partial f/\\partial\\Lambda = 2 G M \\Psi C^\\top,\\quad
    \\partial f/\\partial B = 2 M^\\top G M \\Psi C^\\top,\\quad
    \\partial f/\\partial \\Psi = M^\\top G M,\\quad
    \\partial f/\\partial \\Theta = G

(off-diagonal Ψ and Θ entries count twice; with means ∂f/∂ν = g_μ, ∂f/∂α = Mᵀg_μ and the
outer products with Cα join Λ and B), the formulas of :meth:`LisrelModel.gradient` for one
sample, and the discrepancy functions of :mod:`sem_csat.cbsem.objective` (ML, GLS, ULS).

:func:`solve` minimises every f_b from a common start ẑ (the full-sample estimate) by BFGS
started with the inverse of the exact Hessian of the full-sample f at ẑ (computed once), each
sample with its own inverse-Hessian update and its own step length.  A fixed Hessian (the
chord method) is not enough: along the weakly determined directions of a model the Hessian at a
resample's minimum can differ from the one at ẑ by a factor of several, and the chord
iteration then crawls or diverges, while BFGS learns the change (about 15 gradients per
resample of the Holzinger–Swineford CFA).  Every sample is computed by the same operations
whatever else is in the stack, so its numbers do not depend on the other samples.  Samples
that do not settle within ``max_iter`` steps are returned as not converged (the caller refits
them one by one).

References
----------
Nocedal, J., & Wright, S. J. (2006). *Numerical Optimization* (2nd ed.), ch. 6. Springer.
Magnus, J. R., & Neudecker, H. (1999). *Matrix Differential Calculus*, ch. 9. Wiley.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from sem_csat.cbsem.estimate import Reparam
from sem_csat.cbsem.lisrel import Block, LisrelModel

__all__ = ["WIDTH", "BatchProblem", "Moments", "Point", "default_width", "solve"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
_SYMMETRIC: Final = ("psi", "theta")
#: From this many samples on, Σ⁻¹ comes from vectorised forward substitution on the Cholesky
#: factors (faster for large stacks); below it, from LAPACK (fewer numpy calls).
_VECTOR_INVERSE: Final = 48
#: Most samples that :func:`solve` iterates together (:func:`default_width`).
WIDTH: Final = 512
#: Bytes the working set's inverse-Hessian stacks (two of width × q × q doubles) may use.
_WIDTH_BYTES: Final = 64 * 2**20

try:  # the gufunc np.linalg.cholesky calls (NumPy ≥ 1.8), used to factor a stack in one call
    from numpy.linalg import _umath_linalg

    _CHOLESKY_LO: Any = _umath_linalg.cholesky_lo
except (ImportError, AttributeError):  # pragma: no cover - another NumPy layout
    _CHOLESKY_LO = None


@dataclass(frozen=True, eq=False)
class Moments:
    """Sample moments of a stack of c samples.

    Attributes
    ----------
    cov
        ``(c, p, p)`` covariance matrices with the estimator's divisor (N for ML, N − 1
        otherwise).
    nobs
        ``(c,)`` sample sizes.
    mean
        ``(c, p)`` means, or ``None`` (needed with a mean structure).
    logdet, icov
        log|S| (NaN where S is not positive definite) and S⁻¹ (GLS), from :meth:`build`.
    """

    cov: FloatArray
    nobs: FloatArray
    mean: FloatArray | None = None
    logdet: FloatArray | None = None
    icov: FloatArray | None = None

    @classmethod
    def build(
        cls, cov: FloatArray, nobs: FloatArray, mean: FloatArray | None, estimator: str
    ) -> Moments:
        """The moments with what ``estimator`` needs of S precomputed."""
        cov = 0.5 * (cov + np.swapaxes(cov, 1, 2))
        sign, logdet = np.linalg.slogdet(cov)
        logdet = np.where(sign > 0, logdet, np.nan)
        icov = None
        if estimator == "GLS":
            eye = np.eye(cov.shape[-1])
            icov = np.linalg.inv(np.where((sign > 0)[:, None, None], cov, eye))
        return cls(cov, np.asarray(nobs, dtype=np.float64), mean, logdet, icov)

    def copy(self) -> Moments:
        """A copy that :meth:`assign` may change."""
        return self.take(np.arange(self.cov.shape[0]))

    def assign(self, at: NDArray[np.intp], other: Moments, rows: NDArray[np.intp]) -> None:
        """Overwrite samples ``at`` with samples ``rows`` of ``other`` (in place)."""
        self.cov[at] = other.cov[rows]
        self.nobs[at] = other.nobs[rows]
        for mine, theirs in (
            (self.mean, other.mean),
            (self.logdet, other.logdet),
            (self.icov, other.icov),
        ):
            if mine is not None and theirs is not None:
                mine[at] = theirs[rows]

    def take(self, rows: NDArray[np.intp]) -> Moments:
        return Moments(
            self.cov[rows],
            self.nobs[rows],
            None if self.mean is None else self.mean[rows],
            None if self.logdet is None else self.logdet[rows],
            None if self.icov is None else self.icov[rows],
        )


@dataclass(frozen=True, eq=False)
class Point:
    """Implied moments of a stack of parameter vectors and the products their derivatives
    reuse."""

    x: FloatArray
    mats: dict[str, FloatArray]
    c: FloatArray | None  # (I - B)^-1, None when B = 0
    m: FloatArray  # Lambda C
    la: FloatArray  # M Psi C'
    sigma: FloatArray
    mu: FloatArray | None

    @property
    def latent_cov(self) -> FloatArray:
        """Cov(η) = CΨCᵀ."""
        psi = self.mats["psi"]
        if self.c is None:
            return psi
        out: FloatArray = self.c @ psi @ np.swapaxes(self.c, 1, 2)
        return out


@dataclass(frozen=True, eq=False)
class _FlatLayout:
    """The block's matrices side by side in one row per sample: where the free parameters
    go (one scatter builds every matrix) and where their derivatives are read back."""

    template: FloatArray  # (T,) every matrix's fixed values, flattened, one after the other
    views: tuple[tuple[str, int, int, tuple[int, ...]], ...]  # name, start, stop, shape
    scatter_pos: NDArray[np.intp]  # positions in a row of x's entries (both triangles)
    scatter_src: NDArray[np.intp]
    #: per matrix: flat positions in its derivative, the x entries they give, and the
    #: weights (2 for an off-diagonal entry of a symmetric matrix; None when all are 1)
    gather: dict[str, tuple[NDArray[np.intp], NDArray[np.intp], FloatArray | None]]
    covers: bool  # every x entry is gathered from some matrix

    @classmethod
    def build(cls, block: Block, n_free: int) -> _FlatLayout:
        views, parts, pos_all, src_all = [], [], [], []
        gather = {}
        start = 0
        for name, template in block.templates.items():
            shape = tuple(int(k) for k in template.shape)
            views.append((name, start, start + template.size, shape))
            parts.append(template.reshape(-1))
            fr = block.free.get(name)
            if fr is not None and fr.index.size:
                if template.ndim == 1:
                    local = fr.rows.astype(np.intp)
                    weight = None
                else:
                    local = (fr.rows * shape[1] + fr.cols).astype(np.intp)
                    weight = None
                    if name in _SYMMETRIC and fr.offdiag.any():
                        mirror = (fr.cols * shape[1] + fr.rows).astype(np.intp)
                        pos_all.append(start + mirror[fr.offdiag])
                        src_all.append(fr.index[fr.offdiag])
                        weight = np.where(fr.offdiag, 2.0, 1.0)
                pos_all.append(start + local)
                src_all.append(fr.index)
                gather[name] = (local, fr.index.astype(np.intp), weight)
            start += template.size
        template = np.concatenate(parts) if parts else np.zeros(0)
        pos = np.concatenate(pos_all).astype(np.intp) if pos_all else np.zeros(0, np.intp)
        src = np.concatenate(src_all).astype(np.intp) if src_all else np.zeros(0, np.intp)
        covered = np.zeros(n_free, dtype=bool)
        covered[src] = True
        return cls(template, tuple(views), pos, src, gather, bool(covered.all()))

    def matrices(self, x: FloatArray) -> dict[str, FloatArray]:
        c = x.shape[0]
        flat = np.empty((c, self.template.size))
        flat[:] = self.template
        if self.scatter_pos.size:
            flat[:, self.scatter_pos] = x[:, self.scatter_src]
        return {name: flat[:, a:b].reshape((c, *shape)) for name, a, b, shape in self.views}


class BatchProblem:
    """f_b(z) and ∂f_b/∂z for stacks of samples (one block; see the module docstring).

    Parameters
    ----------
    model
        The pipeline's model (one block).
    reparam
        x = K z + x₀.
    estimator
        ``"ML"``, ``"GLS"`` or ``"ULS"``.
    """

    def __init__(self, model: LisrelModel, reparam: Reparam, estimator: str) -> None:
        if len(model.blocks) != 1:
            raise ValueError("the batched problem holds one block")
        if estimator not in ("ML", "GLS", "ULS"):
            raise ValueError(f"unknown estimator {estimator!r}")
        self.model = model
        self.block: Block = model.blocks[0]
        self.reparam = reparam
        self.estimator = estimator
        self.meanstructure = model.meanstructure
        self.n_free = model.n_free
        tb = self.block.templates["beta"]
        self.has_beta = bool(np.any(tb != 0) or self.block.free["beta"].index.size)
        # a recursive model (no feedback loop) has a nilpotent B: (I − B)⁻¹ = Σ_{k<L} Bᵏ
        pattern = (tb != 0).astype(float)
        fr = self.block.free["beta"]
        pattern[fr.rows, fr.cols] = 1.0
        self.depth: int | None = None
        power = np.eye(self.block.m)
        for k in range(1, self.block.m + 1):
            power = power @ pattern
            if not power.any():
                self.depth = k  # Bᵏ = 0
                break
        p = self.block.p
        w = np.full((p, p), 0.5)
        np.fill_diagonal(w, 1.0)
        self._vech_w = w
        self._layout = _FlatLayout.build(self.block, self.n_free)

    # ------------------------------------------------------------------------ moments
    def x(self, z: FloatArray) -> FloatArray:
        """x = K z + x₀ for a stack ``(c, n_z)``."""
        if self.reparam.k is None:
            return z
        out: FloatArray = z @ self.reparam.k.T + self.reparam.x0
        return out

    def matrices(self, x: FloatArray) -> dict[str, FloatArray]:
        """The block's matrices for a stack of parameter vectors ``(c, n_free)`` (views of one
        array filled by one scatter of x)."""
        return self._layout.matrices(x)

    def point(self, x: FloatArray) -> Point:
        """Implied moments of a stack of parameter vectors (NaN where I − B is singular)."""
        mats = self.matrices(x)
        lam, psi = mats["lambda"], mats["psi"]
        cmat: FloatArray | None = None
        if self.has_beta:
            eye = np.eye(self.block.m)
            beta = mats["beta"]
            if self.depth is not None:  # Horner: I + B(I + B(...)), exact
                cmat = np.broadcast_to(eye, beta.shape).copy()
                for _ in range(self.depth - 1):
                    cmat = eye + beta @ cmat
            else:
                try:
                    cmat = np.asarray(np.linalg.inv(eye - beta), dtype=np.float64)
                except np.linalg.LinAlgError:
                    cmat = np.full(beta.shape, np.nan)
            m = lam @ cmat
            la = m @ psi @ np.swapaxes(cmat, 1, 2)
        else:
            m = lam
            la = lam @ psi
        sigma = la @ np.swapaxes(lam, 1, 2)
        sigma += mats["theta"]
        sigma += np.swapaxes(sigma, 1, 2)  # NumPy buffers the overlapping operand
        sigma *= 0.5
        mu = None
        if self.meanstructure:
            alpha = mats["alpha"]
            ca = alpha if cmat is None else (cmat @ alpha[:, :, None])[:, :, 0]
            mu = mats["nu"] + (lam @ ca[:, :, None])[:, :, 0]
        return Point(x, mats, cmat, m, la, sigma, mu)

    # ------------------------------------------------------------------------ f and ∂f
    def evaluate(self, z: FloatArray, data: Moments) -> tuple[FloatArray, FloatArray, Point]:
        """f ``(c,)`` (``inf`` where ML's Σ is not positive definite) and ∂f/∂z ``(c, n_z)``."""
        pt = self.point(self.x(z))
        f, g, gmu = self._discrepancy(pt, data)
        grad = self._gradient(pt, g, gmu)
        if self.reparam.k is not None:
            grad = grad @ self.reparam.k
        return f, grad, pt

    def _discrepancy(
        self, pt: Point, data: Moments
    ) -> tuple[FloatArray, FloatArray, FloatArray | None]:
        s, sigma = data.cov, pt.sigma
        c_n = (data.nobs - 1.0) / data.nobs
        d = None if pt.mu is None or data.mean is None else data.mean - pt.mu
        p = sigma.shape[-1]
        if self.estimator == "ML":
            chol, ok = _cholesky(sigma)
            diag = np.einsum("cii->ci", chol)  # the identity's factor where Σ is not PD
            logdet = 2.0 * np.log(diag).sum(axis=1)
            if sigma.shape[0] >= _VECTOR_INVERSE:
                linv = _lower_inverse(chol, diag)
                inv = np.swapaxes(linv, 1, 2) @ linv
            else:  # few samples: one LAPACK call beats p vectorised steps
                safe = sigma if ok.all() else np.where(ok[:, None, None], sigma, np.eye(p))
                inv = np.asarray(np.linalg.inv(safe), dtype=np.float64)
            logdet_s = data.logdet if data.logdet is not None else np.linalg.slogdet(s)[1]
            target = sigma - s
            f = logdet + np.einsum("cij,cij->c", s, inv)
            f -= logdet_s
            gmu = None
            if d is not None:
                vd = (inv @ d[:, :, None])[:, :, 0]
                f += np.einsum("ci,ci->c", d, vd)
                target -= d[:, :, None] * d[:, None, :]
                gmu = -vd
            g = inv @ target @ inv
            g += np.swapaxes(g, 1, 2)
            g *= 0.25
            f -= p
            f *= 0.5
            f[~(ok & np.isfinite(logdet_s))] = np.inf
            return f, g, gmu
        r = s - sigma
        if self.estimator == "GLS":
            w = data.icov if data.icov is not None else np.linalg.inv(s)
            a = w @ r
            f = 0.5 * np.einsum("cij,cji->c", a, a)
            g = -0.5 * c_n[:, None, None] * (a @ w)
            g = 0.5 * (g + np.swapaxes(g, 1, 2))
            gmu = None
            if d is not None:
                wd = (w @ d[:, :, None])[:, :, 0]
                f = f + np.einsum("ci,ci->c", d, wd)
                gmu = -c_n[:, None] * wd
            return 0.5 * c_n * f, g, gmu
        f = np.einsum("ij,cij->c", self._vech_w, r * r)
        g = -c_n[:, None, None] * self._vech_w * r
        gmu = None
        if d is not None:
            f = f + np.einsum("ci,ci->c", d, d)
            gmu = -c_n[:, None] * d
        return 0.5 * c_n * f, g, gmu

    def _gradient(self, pt: Point, g: FloatArray, gmu: FloatArray | None) -> FloatArray:
        """∂f/∂x from G = ∂f/∂Σ (and ∂f/∂μ), gathered at the free entries."""
        block = self.block
        c = g.shape[0]
        grad = np.empty((c, self.n_free)) if self._layout.covers else np.zeros((c, self.n_free))
        mt = np.swapaxes(pt.m, 1, 2)
        gm = g @ pt.m
        mgm = mt @ gm
        psi = pt.mats["psi"]
        ct = None if pt.c is None else np.swapaxes(pt.c, 1, 2)
        parts: dict[str, FloatArray] = {
            "lambda": 2.0 * (g @ pt.la),
            "psi": mgm,
            "theta": g,
        }
        if block.free["beta"].index.size:
            prod = mgm @ psi
            parts["beta"] = 2.0 * (prod if ct is None else prod @ ct)
        if gmu is not None:
            alpha = pt.mats["alpha"]
            ca = alpha if pt.c is None else (pt.c @ alpha[:, :, None])[:, :, 0]
            mg = (mt @ gmu[:, :, None])[:, :, 0]
            parts["lambda"] = parts["lambda"] + gmu[:, :, None] * ca[:, None, :]
            if "beta" in parts:
                parts["beta"] = parts["beta"] + mg[:, :, None] * ca[:, None, :]
            parts["nu"] = gmu
            parts["alpha"] = mg
        lay = self._layout
        for name, part in parts.items():
            gather = lay.gather.get(name)
            if gather is None:
                continue
            pos, index, weight = gather
            values = part.reshape(c, -1)[:, pos]
            if weight is not None:
                values *= weight
            grad[:, index] = values
        return grad

    def start_map(self, z0: FloatArray) -> StartMap | None:
        """The affine map from the samples' moments to f_b and ∇f_b at ``z0`` (ML and ULS
        without a mean structure; ``None`` otherwise).

        At fixed parameters the ML and ULS discrepancies are affine in S: with Σ̂ = Σ(z₀),
        V = Σ̂⁻¹ and Δ the Jacobian ∂Σ/∂x (as a k × p² matrix), ∇f_b = Kᵀ Δ vec(G_b) where
        G_b = ½V(Σ̂ − S_b)V (ML) or −c_b W∘(S_b − Σ̂) (ULS), so one matrix product gives every
        sample's gradient at the common start.
        """
        if self.meanstructure or self.estimator == "GLS":
            return None
        model_x = self.x(np.asarray(z0, dtype=np.float64)[None])[0]
        pt = self.point(model_x[None])
        sigma = pt.sigma[0]
        sign, logdet = np.linalg.slogdet(sigma)
        if sign <= 0:
            return None
        p = sigma.shape[0]
        dense = np.zeros((self.n_free, p, p))
        implied = self.model.implied(model_x)
        if implied is None:
            return None
        fac = self.model.jacobian(implied)[0]
        dense[fac.index] = fac.dense()
        jac = dense.reshape(self.n_free, p * p)
        if self.reparam.k is not None:
            jac = self.reparam.k.T @ jac
        v = np.linalg.inv(sigma)
        return StartMap(self.estimator, sigma, v, float(logdet), jac, self._vech_w)

    def improper(self, pt: Point) -> BoolArray:
        """lavaan's post-check per sample: a negative variance, or a latent or residual
        covariance matrix that is not positive definite (smallest eigenvalue below
        −ε^¾ times the largest, when that exceeds 1)."""
        tol = float(np.finfo(float).eps) ** 0.75
        out = np.zeros(pt.x.shape[0], dtype=bool)
        for mat in (pt.mats["psi"], pt.mats["theta"]):
            if mat.shape[-1]:
                out |= np.any(np.einsum("cii->ci", mat) < 0, axis=1)
        for mat in (pt.latent_cov, pt.mats["theta"]):
            if not mat.shape[-1]:
                continue
            sym = 0.5 * (mat + np.swapaxes(mat, 1, 2))
            # a positive definite matrix passes: eigenvalues only where Cholesky fails
            doubt = np.flatnonzero(~_cholesky(sym)[1])
            if doubt.size:
                eig = np.linalg.eigvalsh(sym[doubt])
                scale = np.maximum(1.0, eig[:, -1])
                out[doubt] |= eig[:, 0] < -tol * scale
        return out


@dataclass(frozen=True, eq=False)
class StartMap:
    """f_b and ∇f_b at the common start as an affine function of S_b
    (:meth:`BatchProblem.start_map`)."""

    estimator: str
    sigma: FloatArray
    v: FloatArray
    logdet: float
    jac: FloatArray  # (n_z, p²): ∇f = jac · vec(∂f/∂Σ)
    vech_w: FloatArray

    def __call__(self, data: Moments) -> tuple[FloatArray, FloatArray]:
        s = data.cov
        c = s.shape[0]
        p = self.sigma.shape[0]
        if self.estimator == "ML":
            logdet_s = data.logdet if data.logdet is not None else np.linalg.slogdet(s)[1]
            f = 0.5 * (self.logdet + np.einsum("cij,ij->c", s, self.v) - logdet_s - p)
            g = 0.5 * (self.v @ (self.sigma[None] - s) @ self.v)
            f = np.where(np.isfinite(logdet_s), f, np.inf)
        else:
            c_n = (data.nobs - 1.0) / data.nobs
            r = s - self.sigma[None]
            f = 0.5 * c_n * np.einsum("ij,cij->c", self.vech_w, r * r)
            g = -c_n[:, None, None] * self.vech_w * r
        grad = g.reshape(c, p * p) @ self.jac.T
        return f, grad


def _cholesky(a: FloatArray) -> tuple[FloatArray, BoolArray]:
    """Cholesky factors of a stack and which matrices are positive definite (the others get
    the identity's factor)."""
    ok: BoolArray = np.asarray(np.isfinite(a).all(axis=(1, 2)), dtype=bool)
    eye = np.eye(a.shape[-1])
    safe: FloatArray = a if ok.all() else np.where(ok[:, None, None], a, eye)
    if _CHOLESKY_LO is not None:
        # NumPy's own kernel behind np.linalg.cholesky, without the exception: a matrix that
        # is not positive definite comes back as NaN and the others are factored as usual
        with np.errstate(invalid="ignore", over="ignore", divide="ignore", under="ignore"):
            chol = np.asarray(_CHOLESKY_LO(safe, signature="d->d"), dtype=np.float64)
        good = ~np.isnan(chol[:, :, 0]).any(axis=1)
        if good.all():
            return chol, ok
        ok &= good
        out: FloatArray = np.where(ok[:, None, None], chol, eye)
        return out, ok
    try:
        chol = np.asarray(np.linalg.cholesky(safe), dtype=np.float64)
        return chol, ok
    except np.linalg.LinAlgError:
        pass
    # which ones failed: bisection (a failed Cholesky of a stack does not say which one)
    _mark_not_pd(safe, np.arange(safe.shape[0]), ok)
    return np.linalg.cholesky(np.where(ok[:, None, None], safe, eye)), ok


def _mark_not_pd(a: FloatArray, rows: NDArray[np.intp], ok: BoolArray) -> None:
    """Find the matrices of ``a[rows]`` that are not positive definite by bisection (a
    failed Cholesky of a stack does not say which one failed)."""
    try:
        np.linalg.cholesky(a[rows])
    except np.linalg.LinAlgError:
        if rows.size == 1:
            ok[rows[0]] = False
            return
        half = rows.size // 2
        _mark_not_pd(a, rows[:half], ok)
        _mark_not_pd(a, rows[half:], ok)


def _lower_inverse(chol: FloatArray, diag: FloatArray) -> FloatArray:
    """L⁻¹ of a stack of lower-triangular matrices by forward substitution, row by row
    (faster than a general inverse for a stack of small matrices)."""
    c, p, _ = chol.shape
    out = np.zeros_like(chol)
    inv_d = 1.0 / diag
    for i in range(p):
        row = (
            np.zeros((c, p)) if i == 0 else -np.matmul(chol[:, i : i + 1, :i], out[:, :i, :])[:, 0]
        )
        row[:, i] += 1.0
        out[:, i, :] = row * inv_d[:, i : i + 1]
    return out


def default_width(n_z: int) -> int:
    """Samples :func:`solve` iterates together for ``n_z`` parameters: :data:`WIDTH`, halved
    until the inverse-Hessian stack and its update buffer fit in 64 MiB, at least 16."""
    width = WIDTH
    while width > 16 and 2 * width * max(n_z, 1) ** 2 * 8 > _WIDTH_BYTES:
        width //= 2
    return width


def solve(
    problem: BatchProblem,
    data: Moments,
    z0: FloatArray,
    h_inv: FloatArray,
    *,
    tol: float = 1e-8,
    max_iter: int = 80,
    initial: tuple[FloatArray, FloatArray] | None = None,
    width: int | None = None,
) -> tuple[FloatArray, BoolArray]:
    """Minimise f_b for every sample of ``data`` from ``z0`` by batched BFGS.

    Every sample starts at ``z0`` (the full-sample estimate) with the inverse Hessian
    ``h_inv`` of the full-sample f there, and keeps its own inverse-Hessian approximation,
    updated by BFGS (Nocedal & Wright 2006, eq. 6.17, as the rank-2 update
    H + s uᵀ + u sᵀ with u = −ρHy + ½(ρ² yᵀHy + ρ)s; skipped when sᵀy is not positive), and
    its own step length: a step that fails the Armijo condition is halved and tried again at
    the next iteration, together with the other samples' steps (one evaluation of the whole
    stack per iteration).  A sample stops when its quasi-Newton step max|H_b∇f_b| is at most
    ``tol``·max(1, max|z_b|) (its estimates are then within about ``tol`` of the minimum: the
    iteration converges superlinearly), or as not converged when no step lowers f_b or after
    ``max_iter`` evaluations.

    At most ``width`` samples (default :func:`default_width`) iterate together (the working
    set); a sample that stops gives
    its place to the next one waiting, so the stack stays full until the last samples, and
    the few slow samples at the end are the only ones iterated in a small stack.  Every
    sample is computed by the same row-wise operations whatever else is in the stack, so its
    numbers do not depend on the other samples (up to the rounding of the inverse of Σ, which
    a small stack takes from LAPACK).

    ``initial`` gives f_b and ∇f_b at ``z0`` when they are known without an evaluation
    (:meth:`BatchProblem.start_map`).

    Returns
    -------
    z
        ``(c, n_z)`` estimates.
    converged
        ``(c,)``.
    """
    c = data.cov.shape[0]
    z_start = np.asarray(z0, dtype=np.float64)
    q = z_start.size
    out = np.repeat(z_start[None], c, axis=0)
    if initial is None:
        f_all, g_all, _ = problem.evaluate(out, data)
    else:
        f_all, g_all = initial
    converged = np.zeros(c, dtype=bool)
    finite = np.isfinite(f_all)
    if q == 0:
        converged[finite] = True
        return out, converged
    queue = np.flatnonzero(finite)  # samples waiting for a place, in order
    h0 = np.asarray(h_inv, dtype=np.float64)
    d0_all = -(g_all @ h0)  # the first step of every sample (h0 is symmetric)
    size = min(default_width(q) if width is None else max(int(width), 1), queue.size)
    slots = _Slots.fill(queue[:size], data, z_start, h0, f_all, g_all, d0_all)
    waiting = size
    while slots.rows.size:
        z, g, hk = slots.z, slots.g, slots.h
        d = slots.d
        big = np.abs(d).max(axis=1) > tol * np.maximum(1.0, np.abs(z).max(axis=1))
        alive = big & (slots.step > 1e-6) & (slots.iters < max_iter)
        if not alive.all():  # stopped: converged (small step), or no step lowers f, or cap
            gone = np.flatnonzero(~alive)
            rows = slots.rows[gone]
            out[rows] = z[gone]
            converged[rows[~big[gone]]] = True
            new = queue[waiting : waiting + gone.size]
            waiting += new.size
            slots.replace(gone[: new.size], new, data, z_start, h0, f_all, g_all, d0_all)
            if new.size < gone.size:
                slots = slots.keep(np.setdiff1d(np.arange(slots.rows.size), gone[new.size :]))
            continue  # the newcomers' first step is checked like any other
        t = slots.step
        cand = z + t[:, None] * d
        f_new, g_new, _ = problem.evaluate(cand, slots.data)
        slots.iters += 1
        f_old = slots.f
        slope = np.einsum("ci,ci->c", d, g)
        limit = f_old + 1e-4 * t * slope + 1e-13 * np.maximum(1.0, np.abs(f_old))
        ok = np.isfinite(f_new) & (f_new <= limit)
        moved = cand - z
        change = g_new - g
        sy = np.einsum("ci,ci->c", moved, change)
        upd = ok & (sy > 1e-12 * np.linalg.norm(moved, axis=1) * np.linalg.norm(change, axis=1))
        # the samples whose step failed keep their point and try half the step
        okc = ok[:, None]
        np.copyto(z, cand, where=okc)
        np.copyto(g, g_new, where=okc)
        np.copyto(slots.f, f_new, where=ok)
        slots.step = np.where(ok, 1.0, 0.5 * t)
        # BFGS: H⁺ = H + s uᵀ + u sᵀ (s = y = 0, so H⁺ = H exactly, where the update is
        # skipped); Hy and Hg in one product, and the next step −H⁺g from them
        both = slots.both
        both[:, :, 0] = np.where(upd[:, None], change, 0.0)
        both[:, :, 1] = g
        prod = np.matmul(hk, both, out=slots.prod)
        hy, hg = prod[:, :, 0], prod[:, :, 1]
        if upd.any():
            rho = np.where(upd, 1.0 / np.where(upd, sy, 1.0), 0.0)
            s_ = np.where(upd[:, None], moved, 0.0)
            yhy = np.einsum("ci,ci->c", both[:, :, 0], hy)
            u = -rho[:, None] * hy + (0.5 * (rho * rho * yhy + rho))[:, None] * s_
            pair = slots.pair
            pair[:, :, 0] = s_
            pair[:, :, 1] = u
            swap = slots.swap
            swap[:, 0, :] = u
            swap[:, 1, :] = s_
            hk += np.matmul(pair, swap, out=slots.work)
            ug = np.einsum("ci,ci->c", u, g)
            sg = np.einsum("ci,ci->c", s_, g)
            slots.d = -(hg + s_ * ug[:, None] + u * sg[:, None])
        else:
            slots.d = -hg
    return out, converged


@dataclass(eq=False)
class _Slots:
    """The working set of :func:`solve`: one row per sample being iterated."""

    rows: NDArray[np.intp]
    data: Moments
    z: FloatArray
    f: FloatArray
    g: FloatArray
    d: FloatArray
    h: FloatArray
    step: FloatArray
    iters: NDArray[np.intp]
    pair: FloatArray
    swap: FloatArray
    work: FloatArray
    both: FloatArray
    prod: FloatArray

    @classmethod
    def fill(
        cls,
        rows: NDArray[np.intp],
        data: Moments,
        z0: FloatArray,
        h0: FloatArray,
        f: FloatArray,
        g: FloatArray,
        d: FloatArray,
    ) -> _Slots:
        k, q = rows.size, z0.size
        return cls(
            rows=rows.copy(),
            data=data.take(rows).copy(),
            z=np.repeat(z0[None], k, axis=0),
            f=f[rows].copy(),
            g=g[rows].copy(),
            d=d[rows].copy(),
            h=np.repeat(h0[None], k, axis=0),
            step=np.ones(k),
            iters=np.zeros(k, dtype=np.intp),
            pair=np.empty((k, q, 2)),
            swap=np.empty((k, 2, q)),
            work=np.empty((k, q, q)),
            both=np.empty((k, q, 2)),
            prod=np.empty((k, q, 2)),
        )

    def replace(
        self,
        at: NDArray[np.intp],
        rows: NDArray[np.intp],
        data: Moments,
        z0: FloatArray,
        h0: FloatArray,
        f: FloatArray,
        g: FloatArray,
        d: FloatArray,
    ) -> None:
        """Put samples ``rows`` (fresh, at ``z0``) in places ``at``."""
        if not at.size:
            return
        self.rows[at] = rows
        self.data.assign(at, data, rows)
        self.z[at] = z0
        self.f[at] = f[rows]
        self.g[at] = g[rows]
        self.d[at] = d[rows]
        self.h[at] = h0
        self.step[at] = 1.0
        self.iters[at] = 0

    def keep(self, at: NDArray[np.intp]) -> _Slots:
        """Only the places ``at``."""
        k = at.size
        return _Slots(
            rows=self.rows[at],
            data=self.data.take(at),
            z=self.z[at],
            f=self.f[at],
            g=self.g[at],
            d=self.d[at],
            h=self.h[at],
            step=self.step[at],
            iters=self.iters[at],
            pair=self.pair[:k],
            swap=self.swap[:k],
            work=self.work[:k],
            both=self.both[:k],
            prod=self.prod[:k],
        )


def hessian_inverse(hessian: FloatArray, fisher: FloatArray) -> FloatArray:
    """The inverse of the exact Hessian, or of the Fisher matrix when the Hessian is not
    positive definite (a symmetric matrix)."""
    for mat in (hessian, fisher):
        if mat.size == 0:
            return np.zeros((0, 0))
        sym = 0.5 * (mat + mat.T)
        if np.all(np.isfinite(sym)) and np.linalg.eigvalsh(sym)[0] > 0.0:
            inv = np.linalg.inv(sym)
            out: FloatArray = 0.5 * (inv + inv.T)
            return out
    return np.full(hessian.shape, math.nan)
