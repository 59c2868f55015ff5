"""Step 2, variation: sample statistics of incomplete data for FIML (lavaan's ``missing = "ml"``).

With incomplete data the sample statistics are the missing-data patterns and the maximum
likelihood estimates of the unrestricted (h1) model, μ̃ and Σ̃, found by EM (lavaan's
``lav_samplestats`` with ``missing = "ml"``):

* the cases are grouped by which items they answered; each pattern g keeps its n_g cases, the
  answered items o, their mean ȳ_g and divisor-n_g covariance S_g, so that the normal
  log-likelihood of the pattern is

  .. math:: \\log L_g = -\\tfrac{n_g}{2}\\left[k_g \\log 2\\pi + \\log|\\Sigma_{oo}|
            + \\operatorname{tr}\\{\\Sigma_{oo}^{-1}(S_g + d_g d_g^\\top)\\}\\right],
            \\quad d_g = \\bar y_g - \\mu_o

  (Arbuckle 1996);
* μ̃, Σ̃ by EM exactly as lavaan iterates it (start: each item's mean and variance over its
  answers, Σ diagonal; stop when no entry of (μ, vech Σ) moves by 1e-5 or more, at most 500
  iterations), so that the statistics that depend on them (χ², the corrected robust indices)
  are lavaan's.  Σ̃ is the matrix lavaan reports as the sample covariance of a FIML fit.

Every per-pattern quantity is computed for all patterns at once (:class:`Inverses`): with
K = Σ⁻¹ and the missing items m of a pattern, Σ_oo⁻¹ is the Schur complement
K − K_{·m}K_mm⁻¹K_{m·} (zero in the rows and columns of m) and log|Σ_oo| = log|Σ| +
log|K_mm|, so only the small blocks K_mm are inverted, batched by their size; sums over
patterns of products of such matrices become BLAS products of their stacked vec's.

The module also gives the unit information matrices of the unrestricted model in the
parameters ξ = (μ, vech Σ) (vech: the lower triangle row by row), which the robust
corrections need: the observed information (the analytic negative Hessian of log L/N), the
first-order information (the mean outer product of the case-wise scores) and the expected
information (Savalei 2010).

References
----------
Arbuckle, J. L. (1996). Full information estimation in the presence of incomplete data. In
G. A. Marcoulides & R. E. Schumacker (Eds.), *Advanced structural equation modeling*
(pp. 243-277). Erlbaum.
Little, R. J. A., & Rubin, D. B. (2002). *Statistical analysis with missing data* (2nd ed.),
sec. 11.2. Wiley.
Savalei, V. (2010). Expected versus observed information in SEM with incomplete normal and
nonnormal data. *Psychological Methods*, 15, 352-367.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Final

import numpy as np
from numpy.typing import NDArray

from sem_csat.errors import DataError

__all__ = [
    "Inverses",
    "MissingData",
    "Pattern",
    "inverses",
    "missing_data",
    "pattern_kernel",
    "vech_index",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
_LOG_2PI: Final = math.log(2.0 * math.pi)
#: lavaan's EM settings (``em.h1.tol``, ``em.h1.iter.max``).
EM_TOL: Final = 1e-5
EM_MAX_ITER: Final = 500


@dataclass(frozen=True, eq=False)
class Pattern:
    """The cases that answered the same items (``observed``; their rows in the data)."""

    observed: IntArray
    rows: IntArray
    values: FloatArray = field(repr=False)

    @property
    def n(self) -> int:
        return int(self.rows.size)


@dataclass(frozen=True, eq=False)
class _Batch:
    """The patterns as stacked arrays (G patterns, p items; unanswered entries are 0)."""

    n: FloatArray  # (G,)
    mean: FloatArray  # (G, p): ȳ_g
    cov: FloatArray  # (G, p, p): S_g
    observed: NDArray[np.bool_]  # (G, p)
    k: FloatArray  # (G,): items answered
    by_missing: tuple[tuple[IntArray, IntArray], ...]  # (patterns, missing items (G_s, s))

    @cached_property
    def sum1(self) -> FloatArray:
        """Σ of the answers per pattern, n_g ȳ_g."""
        out: FloatArray = self.n[:, None] * self.mean
        return out

    @cached_property
    def cross(self) -> FloatArray:
        """Σ y yᵀ of the answers per pattern, n_g (S_g + ȳ_gȳ_gᵀ)."""
        out: FloatArray = self.n[:, None, None] * (
            self.cov + self.mean[:, :, None] * self.mean[:, None, :]
        )
        return out


def vech_index(p: int) -> tuple[IntArray, IntArray, FloatArray]:
    """Rows, columns and s (1 off the diagonal, ½ on it) of vech Σ (lower triangle, by row)."""
    a, b = np.tril_indices(p)
    return a.astype(np.intp), b.astype(np.intp), np.where(a == b, 0.5, 1.0)


@dataclass(frozen=True, eq=False)
class Inverses:
    """Σ_oo⁻¹ of every pattern at one Σ, embedded in p × p (zeros where not answered).

    Attributes
    ----------
    w
        (G, p, p) the inverses W_g.
    logdet
        (G,) log|Σ_oo| of every pattern.
    """

    w: FloatArray
    logdet: FloatArray


def inverses(sigma: FloatArray, batch: _Batch) -> Inverses | None:
    """W_g and log|Σ_oo| of every pattern (``None`` when Σ is not positive definite)."""
    p = sigma.shape[0]
    try:
        chol = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        return None
    lw = np.linalg.inv(chol)
    k = lw.T @ lw
    logdet_sigma = 2.0 * float(np.sum(np.log(np.diag(chol))))
    g_all = batch.n.size
    w = np.broadcast_to(k, (g_all, p, p)).copy()
    logdet = np.full(g_all, logdet_sigma)
    for gidx, m in batch.by_missing:
        kmm = k[m[:, :, None], m[:, None, :]]
        km = k[m]  # (G_s, s, p)
        sign, ld = np.linalg.slogdet(kmm)
        if np.any(sign <= 0):
            return None
        c = np.linalg.inv(kmm)
        w[gidx] -= np.transpose(km, (0, 2, 1)) @ c @ km
        logdet[gidx] += ld
    w[~(batch.observed[:, :, None] & batch.observed[:, None, :])] = 0.0
    return Inverses(0.5 * (w + np.transpose(w, (0, 2, 1))), logdet)


def pattern_kernel(x: FloatArray, y: FloatArray, n: FloatArray) -> FloatArray:
    """Σ_g n_g x_g[i, j] y_g[k, l] as a (p, p, p, p) array [i, j, k, l] (one BLAS product)."""
    g, p, _ = x.shape
    xf = x.reshape(g, p * p)
    yf = y.reshape(g, p * p)
    out: FloatArray = ((xf * n[:, None]).T @ yf).reshape(p, p, p, p)
    return out


def _batch(y: FloatArray, patterns: Sequence[Pattern]) -> _Batch:
    g_all, p = len(patterns), y.shape[1]
    n = np.array([pat.n for pat in patterns], dtype=np.float64)
    mean = np.zeros((g_all, p))
    cov = np.zeros((g_all, p, p))
    observed = np.zeros((g_all, p), dtype=bool)
    for g, pat in enumerate(patterns):
        o = pat.observed
        mean[g, o] = pat.values.mean(axis=0)
        centred = pat.values - mean[g, o]
        cov[g][np.ix_(o, o)] = centred.T @ centred / pat.n
        observed[g, o] = True
    sizes = p - observed.sum(axis=1)
    groups = []
    for s in sorted(set(sizes.tolist()) - {0}):
        gidx = np.flatnonzero(sizes == s).astype(np.intp)
        m = np.array([np.flatnonzero(~observed[g]) for g in gidx], dtype=np.intp)
        groups.append((gidx, m))
    return _Batch(n, mean, cov, observed, observed.sum(axis=1).astype(np.float64), tuple(groups))


def _patterns(y: FloatArray) -> tuple[Pattern, ...]:
    mask = ~np.isnan(y)
    keys, inverse = np.unique(mask, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    out = []
    for g in range(keys.shape[0]):
        obs = np.flatnonzero(keys[g]).astype(np.intp)
        rows = np.flatnonzero(inverse == g).astype(np.intp)
        out.append(Pattern(obs, rows, y[np.ix_(rows, obs)]))
    return tuple(out)


def loglik(mu: FloatArray, sigma: FloatArray, batch: _Batch) -> float:
    """The normal log-likelihood of the incomplete data (−inf if Σ is not PD)."""
    inv = inverses(sigma, batch)
    if inv is None:
        return -math.inf
    d = (batch.mean - mu) * batch.observed
    quad = np.einsum("gij,gij->g", inv.w, batch.cov) + np.einsum("gi,gij,gj->g", d, inv.w, d)
    return float(-0.5 * np.sum(batch.n * (batch.k * _LOG_2PI + inv.logdet + quad)))


def em_h1(
    y: FloatArray, batch: _Batch, *, tol: float = EM_TOL, max_iter: int = EM_MAX_ITER
) -> tuple[FloatArray, FloatArray, int]:
    """μ̃, Σ̃ of the unrestricted model by EM, iterated as lavaan does (see the module doc).

    E step per pattern (answered o, missing m), with K = Σ⁻¹, C = K_mm⁻¹ = Cov(y_m | y_o) and
    the regression B = Σ_moΣ_oo⁻¹ = −C K_mo: the completed sums gain n_g[μ_m + B(ȳ_o − μ_o)]
    and the cross-products the conditional means' and n_g C; M step μ = T₁/N,
    Σ = T₂/N − μμᵀ (Little & Rubin 2002, sec. 11.2).

    Examples
    --------
    A monotone pattern, whose ML estimate has a closed form (Little & Rubin 2002, sec. 7.2):
    μ₂ = ȳ₂ + b(μ₁ − ȳ₁) on the complete cases, b = s₁₂/s₁₁ = 69/42, i.e. 14/3 − 23/84.

    >>> y = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 5.0], [4.0, 7.0]])
    >>> mu, sigma, _ = em_h1(y, _batch(y, _patterns(y)), tol=1e-12, max_iter=10_000)
    >>> [round(float(v), 4) for v in mu]
    [2.5, 4.3929]
    """
    n, p = y.shape
    mu = np.nanmean(y, axis=0)
    var = np.nanmean((y - mu) ** 2, axis=0)
    var[~np.isfinite(var) | (var == 0)] = 1.0
    sigma = np.diag(var)
    t1_obs = batch.sum1.sum(axis=0)
    t2_obs = batch.cross.sum(axis=0)
    lower = np.tril_indices(p)
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (it is returned)
        k = np.linalg.inv(sigma)
        t1, t2 = t1_obs.copy(), t2_obs.copy()
        rows = np.zeros((p, p))
        for gidx, m in batch.by_missing:
            ng, s1, cross = batch.n[gidx], batch.sum1[gidx], batch.cross[gidx]
            c = np.linalg.inv(k[m[:, :, None], m[:, None, :]])
            bf = -c @ k[m]  # (G_s, s, p): B on the answered items
            rows_s = np.arange(m.shape[1])[None, :, None]
            bf[np.arange(gidx.size)[:, None, None], rows_s, m[:, None, :]] = 0.0
            bs1 = np.einsum("gsp,gp->gs", bf, s1)
            cm = mu[m] - bf @ mu  # (G_s, s)
            np.add.at(t1, m, ng[:, None] * cm + bs1)
            r = cm[:, :, None] * s1[:, None, :] + bf @ cross  # (G_s, s, p)
            np.add.at(rows, m.ravel(), r.reshape(-1, p))
            q = (ng[:, None, None] * (cm[:, :, None] * cm[:, None, :] + c)
                 + cm[:, :, None] * bs1[:, None, :] + bs1[:, :, None] * cm[:, None, :]
                 + bf @ cross @ np.transpose(bf, (0, 2, 1)))  # fmt: skip
            np.add.at(t2, (m[:, :, None], m[:, None, :]), q)
        t2 += rows + rows.T
        mu_new = t1 / n
        sigma_new = t2 / n - np.outer(mu_new, mu_new)
        sigma_new = 0.5 * (sigma_new + sigma_new.T)
        if np.linalg.eigvalsh(sigma_new)[0] < 1e-6:
            sigma_new[np.diag_indices(p)] += float(np.max(np.diag(sigma_new))) * 1e-8
        delta = max(
            float(np.max(np.abs(mu_new - mu))),
            float(np.max(np.abs(sigma_new[lower] - sigma[lower]))),
        )
        mu, sigma = mu_new, sigma_new
        if delta < tol:
            break
    return mu, sigma, it


@dataclass(frozen=True, eq=False)
class MissingData:
    """Incomplete data of one group and its unrestricted (h1) model.

    Attributes
    ----------
    data
        The N × p answers (NaN where missing), cases without any answer removed.
    patterns
        The missing-data patterns.
    batch
        The patterns as stacked arrays.
    mu, sigma
        μ̃ and Σ̃ of the unrestricted model (EM).
    loglik
        log L at (μ̃, Σ̃) (lavaan's ``unrestricted.logl``).
    iterations
        EM iterations.
    dropped
        Cases removed because they answered none of the items.
    """

    data: FloatArray = field(repr=False)
    patterns: tuple[Pattern, ...] = field(repr=False)
    batch: _Batch = field(repr=False)
    mu: FloatArray = field(repr=False)
    sigma: FloatArray = field(repr=False)
    loglik: float
    iterations: int
    dropped: int = 0

    @property
    def nobs(self) -> int:
        return int(self.data.shape[0])

    @property
    def n_patterns(self) -> int:
        return len(self.patterns)

    @cached_property
    def coverage(self) -> FloatArray:
        """Share of the cases answering each pair of items (lavaan's ``coverage``)."""
        r = (~np.isnan(self.data)).astype(np.float64)
        out: FloatArray = r.T @ r / self.nobs
        return out

    # ------------------------------------------------------------ information of h1
    def _inverses(self, sigma: FloatArray) -> Inverses:
        inv = inverses(sigma, self.batch)
        if inv is None:
            raise DataError("The covariance matrix of the unrestricted model is not positive "
                            "definite; look for items that are constant or exact sums of "
                            "others.")  # fmt: skip
        return inv

    def observed_information(self, mu: FloatArray | None = None,
                             sigma: FloatArray | None = None) -> FloatArray:  # fmt: skip
        """−(1/N) ∂² log L/∂ξ∂ξᵀ in ξ = (μ, vech Σ), at (μ̃, Σ̃) unless given (analytic).

        Per pattern, with W = Σ_oo⁻¹, d = ȳ_g − μ_o, T = S_g + ddᵀ, U = WTW, v = Wd and the
        symmetric unit matrices E_ab = s_ab(e_ae_bᵀ + e_be_aᵀ), summed with weights n_g:

        * μμ: W;
        * μ_m σ_cd: s_cd (W_mc v_d + W_md v_c);
        * σ_ab σ_cd: s_ab s_cd [−(W_ad W_bc + W_ac W_bd) + W_bc U_ad + U_bc W_ad + W_bd U_ac
          + U_bd W_ac].
        """
        mu = self.mu if mu is None else mu
        sigma = self.sigma if sigma is None else sigma
        bt = self.batch
        p = mu.size
        w = self._inverses(sigma).w
        d = (bt.mean - mu) * bt.observed
        t = bt.cov + d[:, :, None] * d[:, None, :]
        u = w @ t @ w
        v = np.einsum("gij,gj->gi", w, d)
        kww = pattern_kernel(w, w, bt.n)  # [a, d, b, c] = Σ n W_ad W_bc
        kwu = pattern_kernel(w, u, bt.n)  # [a, d, b, c] = Σ n W_ad U_bc
        a, b, s = vech_index(p)
        ai, bi = a[:, None], b[:, None]
        ci, di = a[None, :], b[None, :]
        h = (-(kww[ai, di, bi, ci] + kww[ai, ci, bi, di])
             + kwu[bi, ci, ai, di] + kwu[ai, di, bi, ci]
             + kwu[bi, di, ai, ci] + kwu[ai, ci, bi, di])  # fmt: skip
        out = np.zeros((p + a.size, p + a.size))
        out[:p, :p] = np.einsum("g,gij->ij", bt.n, w)
        out[p:, p:] = np.outer(s, s) * h
        t3 = np.einsum("g,gmc,gd->mcd", bt.n, w, v)  # Σ n W_mc v_d
        cross = s[None, :] * (t3[:, a, b] + t3[:, b, a])
        out[:p, p:] = cross
        out[p:, :p] = cross.T
        out /= self.nobs
        return 0.5 * (out + out.T)

    def scores(self, mu: FloatArray | None = None, sigma: FloatArray | None = None) -> FloatArray:
        """Case-wise scores ∂ℓ_i/∂ξ (N × (p + p*)), rows in data order.

        With u = Σ_oo⁻¹(y_o − μ_o) embedded in p entries: ∂ℓ_i/∂μ = u and
        ∂ℓ_i/∂σ_ab = s_ab (u_a u_b − W_ab) (W = Σ_oo⁻¹ embedded).
        """
        mu = self.mu if mu is None else mu
        sigma = self.sigma if sigma is None else sigma
        p = mu.size
        a, b, s = vech_index(p)
        w = self._inverses(sigma).w
        out = np.zeros((self.nobs, p + a.size))
        for g, pat in enumerate(self.patterns):
            o = pat.observed
            u = np.zeros((pat.n, p))
            u[:, o] = (pat.values - mu[o]) @ w[g][np.ix_(o, o)]
            out[pat.rows, :p] = u
            out[pat.rows, p:] = s * (u[:, a] * u[:, b] - w[g][a, b])
        return out

    def firstorder_information(self, mu: FloatArray | None = None,
                               sigma: FloatArray | None = None) -> FloatArray:  # fmt: skip
        """(1/N) Σ_i s_i s_iᵀ of the case-wise scores (lavaan's first-order information)."""
        sc = self.scores(mu, sigma)
        out: FloatArray = sc.T @ sc / self.nobs
        return out

    def expected_information(self, sigma: FloatArray) -> FloatArray:
        """(1/N) Σ_g n_g blockdiag(W_g, ½Dᵀ(W_g⊗W_g)D) at Σ, W_g = Σ_oo⁻¹ embedded (Savalei
        2010); lavaan's weight of GFI for FIML fits (its ``WLS.V``)."""
        p = sigma.shape[0]
        bt = self.batch
        w = self._inverses(sigma).w
        kww = pattern_kernel(w, w, bt.n)
        a, b, s = vech_index(p)
        ai, bi = a[:, None], b[:, None]
        ci, di = a[None, :], b[None, :]
        out = np.zeros((p + a.size, p + a.size))
        out[:p, :p] = np.einsum("g,gij->ij", bt.n, w)
        out[p:, p:] = np.outer(s, s) * (kww[ai, di, bi, ci] + kww[ai, ci, bi, di])
        return out / self.nobs

    @cached_property
    def _h1(self) -> tuple[FloatArray, FloatArray]:
        return self.observed_information(), self.firstorder_information()

    def h1_trace(self) -> float:
        """tr(W_m⁻¹ J_m) of the unrestricted model at (μ̃, Σ̃) (the Yuan–Bentler h1 trace)."""
        wm, jm = self._h1
        return float(np.trace(np.linalg.solve(wm, jm)))

    def h1_information(self) -> tuple[FloatArray, FloatArray]:
        """W_m (observed) and J_m (first-order) information of h1 at (μ̃, Σ̃)."""
        return self._h1


def missing_data(y: FloatArray, names: Sequence[str]) -> MissingData:
    """The incomplete data of one group: patterns and the EM estimates of h1 (cases that
    answered none of the items are dropped, as lavaan does; ``dropped`` counts them).

    Raises
    ------
    DataError
        When fewer than two cases answer any item, or a pair of items is never answered
        together (its covariance cannot be estimated).
    """
    y = np.asarray(y, dtype=np.float64)
    if np.isinf(y).any():
        raise DataError("The data hold infinite values; code missing answers as NaN instead.")
    empty = np.isnan(y).all(axis=1)
    y = y[~empty]
    if y.shape[0] < 2:
        raise DataError(f"Only {y.shape[0]} case(s) answer any of the model's items; FIML "
                        "needs more.")  # fmt: skip
    observed = (~np.isnan(y)).astype(np.float64)
    pairs = np.argwhere(np.triu(observed.T @ observed == 0.0))
    if pairs.size:
        shown = [f"{names[i]!r} and {names[j]!r}" for i, j in pairs[:3]]
        more = f" (and {len(pairs) - 3} more)" if len(pairs) > 3 else ""
        raise DataError(
            f"No case answers both {'; '.join(shown)}{more}, so their covariance cannot be "
            "estimated by FIML; collect data on that pair, drop one of the items, or check "
            "that the survey did not route them to different respondents."
        )
    patterns = _patterns(y)
    batch = _batch(y, patterns)
    mu, sigma, iterations = em_h1(y, batch)
    ll = loglik(mu, sigma, batch)
    return MissingData(y, patterns, batch, mu, sigma, ll, iterations, int(empty.sum()))
