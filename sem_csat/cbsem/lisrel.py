"""The LISREL representation: model matrices from the parameter table, implied moments and
their derivatives (lavaan's ``lav_model.R``, ``lav_model_implied.R``, ``lav_model_gradient.R``).

For every block (group) the table's rows with a matrix position fill

* Λ (``lambda``, p × m): loadings of the observed on the latent variables;
* B (``beta``, m × m): regressions among the latent variables (row: dependent), and the
  loadings of lower-order on higher-order factors;
* Ψ (``psi``, m × m): latent (residual) variances and covariances;
* Θ (``theta``, p × p): residual variances and covariances of the observed variables;
* ν, α (``nu``, ``alpha``): observed and latent intercepts, for a mean structure.

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

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from sem_csat.cbsem.partable import ParTable

__all__ = ["Block", "Implied", "LisrelModel"]

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
        rows = table.rows
        self.n_free = table.n_free
        blocks = []
        for b in range(table.n_blocks):
            ov, lv = table.ov_names[b], table.lv_names[b]
            p, m = len(ov), len(lv)
            shapes = {"lambda": (p, m), "beta": (m, m), "psi": (m, m), "theta": (p, p)}
            if meanstructure:
                shapes |= {"nu": (p,), "alpha": (m,)}
            templates = {name: np.zeros(shape) for name, shape in shapes.items()}
            free: dict[str, _Free] = {}
            block_rows = rows[(rows["block"] == b + 1) & (rows["mat"] != "")]
            for name in shapes:
                mr = block_rows[block_rows["mat"] == name]
                fixed = mr[mr["free"] == 0]
                r = fixed["row"].to_numpy(dtype=np.intp)
                c = fixed["col"].to_numpy(dtype=np.intp)
                v = fixed["ustart"].to_numpy(dtype=np.float64)
                v = np.where(np.isnan(v), 0.0, v)
                if templates[name].ndim == 1:
                    templates[name][r] = v
                else:
                    templates[name][r, c] = v
                    if name in _SYMMETRIC:
                        templates[name][c, r] = v
                fr = mr[mr["free"] > 0]
                free[name] = _Free(
                    fr["free"].to_numpy(dtype=np.intp) - 1,
                    fr["row"].to_numpy(dtype=np.intp),
                    fr["col"].to_numpy(dtype=np.intp),
                )
            blocks.append(Block(ov, lv, templates, free, meanstructure))
        self.blocks: tuple[Block, ...] = tuple(blocks)
        self.meanstructure = meanstructure

    # ------------------------------------------------------------------------ moments
    def implied(self, x: FloatArray) -> list[Implied] | None:
        """Implied moments of every block, or ``None`` when some I − B is singular."""
        out = []
        for block in self.blocks:
            mats = block.matrices(x)
            m = block.m
            try:
                c = np.linalg.inv(np.eye(m) - mats["beta"]) if m else np.zeros((0, 0))
            except np.linalg.LinAlgError:
                return None
            mm = mats["lambda"] @ c
            la = mm @ mats["psi"] @ c.T
            sigma = la @ mats["lambda"].T + mats["theta"]
            sigma = 0.5 * (sigma + sigma.T)
            mu = None
            if block.meanstructure:
                mu = mats["nu"] + mm @ mats["alpha"]
            out.append(Implied(sigma, mu, mats, c, mm, la))
        return out

    # ------------------------------------------------------------------------ derivatives
    def gradient(
        self,
        implied: list[Implied],
        d_sigma: list[FloatArray],
        d_mu: list[FloatArray] | None = None,
    ) -> FloatArray:
        """∂F/∂x from ∂F/∂Σ (and ∂F/∂μ) of every block (symmetric-matrix convention)."""
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

    def jacobian(self, implied: list[Implied]) -> list[tuple[IntArray, FloatArray]]:
        """∂Σ/∂x per block: the free indices of the block and an array (k, p, p).

        Column k is the derivative of Σ with respect to ``x[index[k]]`` (mean-structure
        derivatives are not included here).
        """
        out = []
        for block, imp in zip(self.blocks, implied, strict=True):
            p = block.p
            idx_parts, d_parts = [], []
            fr = block.free["lambda"]
            if fr.index.size:
                t = np.zeros((fr.index.size, p, p))
                t[np.arange(fr.index.size), fr.rows, :] = imp.la[:, fr.cols].T
                idx_parts.append(fr.index)
                d_parts.append(t + t.transpose(0, 2, 1))
            fr = block.free["beta"]
            if fr.index.size:
                t = np.einsum("ik,jk->kij", imp.m[:, fr.rows], imp.la[:, fr.cols])
                idx_parts.append(fr.index)
                d_parts.append(t + t.transpose(0, 2, 1))
            fr = block.free["psi"]
            if fr.index.size:
                t = np.einsum("ik,jk->kij", imp.m[:, fr.rows], imp.m[:, fr.cols])
                off = fr.offdiag[:, None, None]
                idx_parts.append(fr.index)
                d_parts.append(np.where(off, t + t.transpose(0, 2, 1), t))
            fr = block.free["theta"]
            if fr.index.size:
                k = np.arange(fr.index.size)
                t = np.zeros((fr.index.size, p, p))
                t[k, fr.rows, fr.cols] = 1.0
                t[k, fr.cols, fr.rows] = 1.0
                idx_parts.append(fr.index)
                d_parts.append(t)
            if idx_parts:
                out.append((np.concatenate(idx_parts), np.concatenate(d_parts)))
            else:
                out.append((np.zeros(0, dtype=np.intp), np.zeros((0, p, p))))
        return out
