"""The LISREL representation: model matrices from the parameter table, implied moments and
their derivatives (lavaan's ``lav_model.R``, ``lav_model_implied.R``, ``lav_model_gradient.R``).

For every block (group) the table's rows with a matrix position fill

* Λ (``lambda``, p × m): loadings of the observed on the latent variables;
* B (``beta``, m × m): regressions among the latent variables (row: dependent), and the
  loadings of lower-order on higher-order factors;
* Ψ (``psi``, m × m): latent (residual) variances and covariances;
* Θ (``theta``, p × p): residual variances and covariances of the observed variables;
* ν, α (``nu``, ``alpha``): observed and latent intercepts, for a mean structure;
* τ (``tau``): the thresholds of ordinal items.

For ordinal items (lavaan's delta parameterization, scaling factors ``~*~`` fixed at 1) Σ is
the covariance matrix of the latent responses y*, whose variances are 1: the residual
variances θ_ii of ordinal items are not parameters but 1 − (ΛCΨCᵀΛᵀ)_ii, and the implied
thresholds are τ (the intercepts are fixed at 0).  The derivatives of the diagonal of Σ are
then not those of the formulas below; the estimators for ordinal data use the
off-diagonal moments only.

With C = (I − B)⁻¹ and M = ΛC the model implies

.. math::

    \\Sigma = M \\Psi M^\\top + \\Theta, \\qquad \\mu = \\nu + M\\alpha .

Filling is vectorised: the free rows of each matrix are stored once as index arrays, so
``matrices(x)`` is one fancy-indexed assignment per matrix.  The derivatives are matrix
formulas (Neudecker & Satorra 1991; Bollen 1989, ch. 8): for a scalar function F of Σ with
G = ∂F/∂Σ (a symmetric matrix, dF = tr(G dΣ)),

.. math::

    \\partial F/\\partial\\Lambda = 2 G M \\Psi C^\\top,\\quad
    \\partial F/\\partial B = 2 M^\\top G M \\Psi C^\\top,\\quad
    \\partial F/\\partial \\Psi = M^\\top G M,\\quad
    \\partial F/\\partial \\Theta = G,

(off-diagonal Ψ and Θ parameters count both triangles), and the Jacobian ∂Σ/∂x of every
free parameter is assembled from outer products of the columns of M and ΛCΨCᵀ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
from numpy.typing import NDArray

from sem_csat.cbsem.partable import ParTable

__all__ = ["Block", "Factors", "Implied", "LisrelModel"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
_SYMMETRIC: Final = ("psi", "theta")


@dataclass(frozen=True, eq=False)
class _Free:
    """Free entries of one matrix: ``x[index]`` goes to ``[rows, cols]``."""

    index: IntArray
    rows: IntArray
    cols: IntArray

    @property
    def offdiag(self) -> NDArray[np.bool_]:
        out: NDArray[np.bool_] = self.rows != self.cols
        return out


@dataclass(frozen=True, eq=False)
class Block:
    """The matrices of one block: templates with the fixed values and the free entries."""

    ov_names: tuple[str, ...]
    lv_names: tuple[str, ...]
    templates: dict[str, FloatArray]
    free: dict[str, _Free]
    meanstructure: bool
    ordinal: IntArray = field(default_factory=lambda: np.zeros(0, np.intp))

    @property
    def p(self) -> int:
        return len(self.ov_names)

    @property
    def m(self) -> int:
        return len(self.lv_names)

    def matrices(self, x: FloatArray) -> dict[str, FloatArray]:
        """The block's matrices at the free parameters ``x``."""
        out = {}
        for name, template in self.templates.items():
            mat = template.copy()
            fr = self.free.get(name)
            if fr is not None and fr.index.size:
                values = x[fr.index]
                if mat.ndim == 1:
                    mat[fr.rows] = values
                else:
                    mat[fr.rows, fr.cols] = values
                    if name in _SYMMETRIC:
                        mat[fr.cols, fr.rows] = values
            out[name] = mat
        return out


@dataclass(frozen=True, eq=False)
class Implied:
    """Implied moments of one block and the intermediate products the derivatives reuse."""

    sigma: FloatArray
    mu: FloatArray | None
    mats: dict[str, FloatArray]
    c: FloatArray  # (I - B)^-1
    m: FloatArray  # Lambda C
    la: FloatArray  # Lambda C Psi C' (= M Psi C'), p x m
    cache: dict[str, FloatArray] = field(default_factory=dict, repr=False)
    th: FloatArray | None = None

    @property
    def latent_cov(self) -> FloatArray:
        """Cov(η) = C Ψ Cᵀ."""
        out: FloatArray = self.c @ self.mats["psi"] @ self.c.T
        return out


class LisrelModel:
    """All blocks of a parameter table in matrix form.

    Parameters
    ----------
    table
        The parameter table.
    meanstructure
        Whether the model has intercepts (then ν and α are filled and μ is implied).
    """

    def __init__(self, table: ParTable, *, meanstructure: bool = False) -> None:
        self.n_free = table.n_free
        mat = np.array(table.mat, dtype=object)
        free = table.free
        block_of = table.block
        index = table.index
        ustart = np.where(np.isnan(table.ustart), 0.0, table.ustart)
        blocks = []
        for b in range(table.n_blocks):
            ov, lv = table.ov_names[b], table.lv_names[b]
            p, m = len(ov), len(lv)
            shapes: dict[str, tuple[int, ...]] = {
                "lambda": (p, m),
                "beta": (m, m),
                "psi": (m, m),
                "theta": (p, p),
            }
            if meanstructure:
                shapes |= {"nu": (p,), "alpha": (m,)}
            in_block_rows = block_of == b + 1
            n_th = int(np.sum(in_block_rows & (mat == "tau")))
            if n_th:
                shapes["tau"] = (n_th,)
            templates = {name: np.zeros(shape) for name, shape in shapes.items()}
            free_entries: dict[str, _Free] = {}
            in_block = block_of == b + 1
            for name in shapes:
                sel = in_block & (mat == name)
                fixed = sel & (free == 0)
                r, c = index[fixed, 0], index[fixed, 1]
                v = ustart[fixed]
                if templates[name].ndim == 1:
                    templates[name][r] = v
                else:
                    templates[name][r, c] = v
                    if name in _SYMMETRIC:
                        templates[name][c, r] = v
                fr = sel & (free > 0)
                free_entries[name] = _Free(
                    (free[fr] - 1).astype(np.intp),
                    index[fr, 0].astype(np.intp),
                    index[fr, 1].astype(np.intp),
                )
            scaled = {table.lhs[i] for i in np.flatnonzero(in_block_rows) if table.op[i] == "~*~"}
            ordinal = np.array([k for k, v in enumerate(ov) if v in scaled], dtype=np.intp)
            blocks.append(Block(ov, lv, templates, free_entries, meanstructure, ordinal))
        self.blocks: tuple[Block, ...] = tuple(blocks)
        self.meanstructure = meanstructure
        #: Whether μ is linear in x (no latent means, free or fixed at a non-zero value), so
        #: that ∂²μ/∂x∂xᵀ = 0 and the analytic Hessian needs no mean term.
        self.linear_means = all(
            not np.any(b.templates["alpha"]) and not b.free["alpha"].index.size
            for b in blocks
            if meanstructure
        )

    # ------------------------------------------------------------------------ moments
    def implied(self, x: FloatArray) -> list[Implied] | None:
        """Implied moments of every block, or ``None`` when some I − B is singular."""
        out = []
        for block in self.blocks:
            mats = block.matrices(x)
            m = block.m
            c: FloatArray = np.zeros((0, 0))
            if m:
                try:
                    c = np.asarray(np.linalg.inv(np.eye(m) - mats["beta"]), dtype=np.float64)
                except np.linalg.LinAlgError:
                    return None
            mm = mats["lambda"] @ c
            la = mm @ mats["psi"] @ c.T
            common = la @ mats["lambda"].T
            if block.ordinal.size:  # delta parameterization: unit variances of y*
                o = block.ordinal
                mats["theta"][o, o] = 1.0 - common[o, o]
            sigma = common + mats["theta"]
            sigma = 0.5 * (sigma + sigma.T)
            mu = None
            if block.meanstructure:
                mu = mats["nu"] + mm @ mats["alpha"]
            th = mats.get("tau")
            out.append(Implied(sigma, mu, mats, c, mm, la, th=th))
        return out

    # ------------------------------------------------------------------------ derivatives
    def gradient(
        self,
        implied: list[Implied],
        d_sigma: list[FloatArray],
        d_mu: list[FloatArray] | None = None,
        d_th: list[FloatArray] | None = None,
    ) -> FloatArray:
        """∂F/∂x from ∂F/∂Σ (and ∂F/∂μ, ∂F/∂τ) of every block (symmetric convention)."""
        grad = np.zeros(self.n_free)
        for k, (block, imp) in enumerate(zip(self.blocks, implied, strict=True)):
            g = d_sigma[k]
            gm = g @ imp.m  # G M, p x m
            parts = {
                "lambda": 2.0 * g @ imp.la,
                "beta": 2.0 * (imp.m.T @ gm) @ imp.mats["psi"] @ imp.c.T,
                "psi": imp.m.T @ gm,
                "theta": g,
            }
            if d_mu is not None and block.meanstructure:
                gmu = d_mu[k]
                alpha = imp.mats["alpha"]
                parts["lambda"] = parts["lambda"] + np.outer(gmu, imp.c @ alpha)
                parts["beta"] = parts["beta"] + np.outer(imp.m.T @ gmu, imp.c @ alpha)
                parts["nu"] = gmu
                parts["alpha"] = imp.m.T @ gmu
            if d_th is not None and "tau" in block.templates:
                parts["tau"] = d_th[k]
            for name, part in parts.items():
                fr = block.free.get(name)
                if fr is None or not fr.index.size:
                    continue
                if part.ndim == 1:
                    np.add.at(grad, fr.index, part[fr.rows])
                    continue
                values = part[fr.rows, fr.cols]
                if name in _SYMMETRIC:
                    values = np.where(fr.offdiag, 2.0 * values, values)
                np.add.at(grad, fr.index, values)
        return grad

    def jacobian(self, implied: list[Implied]) -> list[Factors]:
        """∂Σ/∂x (and ∂μ/∂x) of every block as rank-2 factors (see :class:`Factors`)."""
        out = []
        for block, imp in zip(self.blocks, implied, strict=True):
            p = block.p
            eye = np.eye(p)
            idx, a, b, s = [], [], [], []
            fr = block.free["lambda"]
            if fr.index.size:
                idx.append(fr.index)
                a.append(eye[:, fr.rows])
                b.append(imp.la[:, fr.cols])
                s.append(np.ones(fr.index.size))
            fr = block.free["beta"]
            if fr.index.size:
                idx.append(fr.index)
                a.append(imp.m[:, fr.rows])
                b.append(imp.la[:, fr.cols])
                s.append(np.ones(fr.index.size))
            for name, basis in (("psi", imp.m), ("theta", eye)):
                fr = block.free[name]
                if fr.index.size:
                    idx.append(fr.index)
                    a.append(basis[:, fr.rows])
                    b.append(basis[:, fr.cols])
                    s.append(np.where(fr.offdiag, 1.0, 0.5))
            if idx:
                index = np.concatenate(idx)
                fa, fb, fs = np.hstack(a), np.hstack(b), np.concatenate(s)
            else:
                index, fa, fb, fs = (
                    np.zeros(0, np.intp),
                    np.zeros((p, 0)),
                    np.zeros((p, 0)),
                    np.zeros(0),
                )
            dmu = None
            if block.meanstructure:
                dmu = np.zeros((p, index.size))
                ca = imp.c @ imp.mats["alpha"]
                k = 0
                for name in ("lambda", "beta", "psi", "theta"):
                    fr = block.free[name]
                    n = fr.index.size
                    if name == "lambda" and n:
                        dmu[fr.rows, np.arange(k, k + n)] = ca[fr.cols]
                    elif name == "beta" and n:
                        dmu[:, k : k + n] = imp.m[:, fr.rows] * ca[fr.cols]
                    k += n
                extra_idx, extra = [], []
                fr = block.free["nu"]
                if fr.index.size:
                    extra_idx.append(fr.index)
                    extra.append(eye[:, fr.rows])
                fr = block.free["alpha"]
                if fr.index.size:
                    extra_idx.append(fr.index)
                    extra.append(imp.m[:, fr.rows])
                if extra_idx:
                    n_extra = sum(e.shape[1] for e in extra)
                    index = np.concatenate([index, *extra_idx])
                    fa = np.hstack([fa, np.zeros((p, n_extra))])
                    fb = np.hstack([fb, np.zeros((p, n_extra))])
                    fs = np.concatenate([fs, np.zeros(n_extra)])
                    dmu = np.hstack([dmu, *extra])
            dth = None
            fr_tau = block.free.get("tau")
            if fr_tau is not None:
                n_tau = fr_tau.index.size
                n_th = block.templates["tau"].size
                dth = np.zeros((n_th, index.size + n_tau))
                dth[fr_tau.rows, index.size + np.arange(n_tau)] = 1.0
                index = np.concatenate([index, fr_tau.index])
                fa = np.hstack([fa, np.zeros((p, n_tau))])
                fb = np.hstack([fb, np.zeros((p, n_tau))])
                fs = np.concatenate([fs, np.zeros(n_tau)])
                if dmu is not None:
                    dmu = np.hstack([dmu, np.zeros((p, n_tau))])
            out.append(Factors(index, fa, fb, fs, dmu, dth))
        return out

    def second_derivative_term(
        self, implied: list[Implied], d_sigma: list[FloatArray]
    ) -> FloatArray:
        """Σ_g tr(G_g ∂²Σ_g/∂x_k∂x_l): the part of the exact Hessian from the curvature of Σ.

        With A = CΨCᵀ, M = ΛC, N = MᵀG, Q = MᵀGM, W = CΨQ and E^s the symmetric unit matrix
        of a (co)variance, the non-zero blocks are (indices: loading λ_ab, latent covariance
        ψ_cd, regression β_cd; off = 1 when c ≠ d):

        * λ_ab, λ_cd: 2 G_ac A_bd;
        * λ_ab, ψ_cd: 2 (C_bc N_da + off·C_bd N_ca);
        * λ_ab, β_cd: 2 (C_bc (AΛᵀG)_da + A_bd N_ca);
        * ψ_ab, β_cd: 2 (C_da Q_bc + off·C_db Q_ac);
        * β_ab, β_cd: 2 (C_bc W_da + C_da W_bc + A_bd Q_ca).

        Θ enters Σ linearly and Ψ linearly given B, so every other block is zero.  Mean
        structures are not covered (their terms come with the intercepts).
        """
        n = self.n_free
        out = np.zeros((n, n))
        for block, imp, g in zip(self.blocks, implied, d_sigma, strict=True):
            c, m, la = imp.c, imp.m, imp.la
            a_mat = imp.latent_cov
            nmat = m.T @ g  # m x p
            q = nmat @ m  # m x m
            w = c @ imp.mats["psi"] @ q
            lag = la.T @ g  # (A Λᵀ G), m x p
            lam, beta, psi = block.free["lambda"], block.free["beta"], block.free["psi"]
            la_, lb_ = lam.rows, lam.cols  # λ_ab: a = item, b = factor
            ba, bb = beta.rows, beta.cols
            pa, pb, off = psi.rows, psi.cols, psi.offdiag.astype(float)

            def put(i: IntArray, j: IntArray, h: FloatArray) -> None:
                np.add.at(out, (i[:, None], j[None, :]), h)
                if i is not j:
                    np.add.at(out, (j[:, None], i[None, :]), h.T)

            if lam.index.size:
                put(lam.index, lam.index, 2.0 * g[np.ix_(la_, la_)] * a_mat[np.ix_(lb_, lb_)])
                if psi.index.size:
                    h = c[np.ix_(lb_, pa)] * nmat[np.ix_(pb, la_)].T
                    h += off[None, :] * c[np.ix_(lb_, pb)] * nmat[np.ix_(pa, la_)].T
                    put(lam.index, psi.index, 2.0 * h)
                if beta.index.size:
                    h = c[np.ix_(lb_, ba)] * lag[np.ix_(bb, la_)].T
                    h += a_mat[np.ix_(lb_, bb)] * nmat[np.ix_(ba, la_)].T
                    put(lam.index, beta.index, 2.0 * h)
            if psi.index.size and beta.index.size:
                h = c[np.ix_(bb, pa)].T * q[np.ix_(pb, ba)]
                h += off[:, None] * c[np.ix_(bb, pb)].T * q[np.ix_(pa, ba)]
                put(psi.index, beta.index, 2.0 * h)
            if beta.index.size:
                h = c[np.ix_(bb, ba)] * w[np.ix_(bb, ba)].T
                h += c[np.ix_(bb, ba)].T * w[np.ix_(bb, ba)]
                h += a_mat[np.ix_(bb, bb)] * q[np.ix_(ba, ba)].T
                put(beta.index, beta.index, 2.0 * h)
        return 0.5 * (out + out.T)


@dataclass(frozen=True, eq=False)
class Factors:
    """∂Σ/∂x_k = s_k (a_k b_kᵀ + b_k a_kᵀ) for the free parameters of one block.

    Every derivative of Σ = ΛCΨCᵀΛᵀ + Θ with respect to one entry is a symmetrised outer
    product: a loading λ_rc gives (e_r, (ΛCΨCᵀ)_{·c}), a regression β_rc gives
    (M_{·r}, (ΛCΨCᵀ)_{·c}), a latent (co)variance ψ_rc gives (M_{·r}, M_{·c}) and a residual
    (co)variance θ_rc gives (e_r, e_c), with s = ½ on the diagonal of Ψ and Θ.  Quadratic forms
    in ∂Σ then cost O(k p² + k² p) instead of O(k p³).

    Attributes
    ----------
    index
        The positions in x of the k columns.
    a, b
        p × k.
    s
        k scale factors (1, or ½ for variances).
    dmu
        ∂μ/∂x (p × k) with a mean structure, else ``None``.
    dth
        ∂τ/∂x (n_thresholds × k) of a model of ordinal items, else ``None``.
    """

    index: IntArray
    a: FloatArray
    b: FloatArray
    s: FloatArray
    dmu: FloatArray | None = None
    dth: FloatArray | None = None

    def dense(self) -> FloatArray:
        """The derivatives as a stack (k, p, p)."""
        t = np.einsum("ik,jk->kij", self.a, self.b) * self.s[:, None, None]
        out: FloatArray = t + t.transpose(0, 2, 1)
        return out
