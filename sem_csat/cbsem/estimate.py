"""Step 4b: minimise the discrepancy function, with lavaan's equality handling and restarts.

Equality constraints ``A x = b`` (from shared labels now, from ``==`` later) are removed by
reparametrisation, as lavaan does with its ``ceq`` constraints: x = K z + x₀ with K a basis
of the null space of A and x₀ a particular solution, so the optimizer works on the free
coordinates z.  Shared labels give a 0/1 matrix K (z holds one value per label group).

The optimizer is a quasi-Newton method started from the expected (Fisher) information: the
first Hessian approximation at every iterate is the Fisher matrix H = Kᵀ(Σ_g w_g c_g I_g)K
(:mod:`sem_csat.cbsem.objective`), which is exact when the model fits and always positive
(semi)definite, and BFGS updates add the curvature the Fisher matrix misses when it does not
(Fisher scoring with secant corrections).  The step d = −B⁻¹g is taken with a backtracking
(Armijo) line search that rejects any step where Σ stops being positive definite.  The run
stops when the Newton decrement gᵀB⁻¹g (twice the predicted further decrease of f) is below
``1e-15`` or no step lowers f any more; it counts as converged when the decrement is below
:data:`CONVERGED_DECREMENT` (comparable to lavaan's nlminb ``rel.tol = 1e-10``).

When the run from lavaan's start does not converge, or ends at an improper point (a negative
variance, a latent covariance matrix that is not positive definite), the fit is repeated from
the other starts of :data:`sem_csat.cbsem.start.STARTS`; the converged run with the lowest f
is kept (the first on ties), so a model lavaan solves is solved here at the same minimum.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import null_space

from sem_csat.cbsem.lisrel import Implied, LisrelModel
from sem_csat.cbsem.objective import Discrepancy
from sem_csat.cbsem.partable import ParTable
from sem_csat.cbsem.samplestats import SampleStats

__all__ = [
    "CONVERGED_DECREMENT",
    "OptimResult",
    "Problem",
    "Reparam",
    "bfgs",
    "bfgs_then_polish",
    "minimize",
    "optimize_with_restarts",
]

FloatArray = NDArray[np.float64]
#: Newton decrement below which a run counts as converged.
CONVERGED_DECREMENT: Final = 1e-10
_STOP_DECREMENT: Final = 1e-15
_STALL_WINDOW: Final = 40
_NEWTON_STEPS: Final = 30  # Newton converges quadratically: more steps mean no minimum near
_STALL: Final = 1e-5  # relative decrease of f over the window below which a run stalls


@dataclass(frozen=True, eq=False)
class Reparam:
    """x = K z + x₀: the free parameters from the unconstrained coordinates."""

    k: FloatArray | None  # None: no constraints, x = z
    x0: FloatArray
    n_free: int

    @classmethod
    def from_table(cls, table: ParTable) -> Reparam:
        """K and x₀ from the table's equality constraints (0/1 K for pairwise equalities)."""
        a, b = table.equality_constraints
        n = table.n_free
        if a.shape[0] == 0:
            return cls(None, np.zeros(n), n)
        simple = bool(
            np.all(b == 0)
            and np.all((a == 0) | (a == 1) | (a == -1))
            and np.all(np.sum(a == 1, axis=1) == 1)
            and np.all(np.sum(a == -1, axis=1) == 1)
        )
        if simple:
            parent = list(range(n))

            def find(i: int) -> int:
                while parent[i] != i:
                    parent[i] = parent[parent[i]]
                    i = parent[i]
                return i

            for row in a:
                i, j = int(np.flatnonzero(row == 1)[0]), int(np.flatnonzero(row == -1)[0])
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
            roots = sorted({find(i) for i in range(n)})
            col = {r: c for c, r in enumerate(roots)}
            k = np.zeros((n, len(roots)))
            for i in range(n):
                k[i, col[find(i)]] = 1.0
            return cls(k, np.zeros(n), n)
        basis = np.asarray(null_space(a), dtype=np.float64)
        x0 = np.asarray(np.linalg.lstsq(a, b, rcond=None)[0], dtype=np.float64)
        return cls(basis, x0, n)

    @property
    def n_z(self) -> int:
        return self.n_free if self.k is None else int(self.k.shape[1])

    def x(self, z: FloatArray) -> FloatArray:
        if self.k is None:
            return z
        out: FloatArray = self.k @ z + self.x0
        return out

    def z(self, x: FloatArray) -> FloatArray:
        """Coordinates of (the projection of) ``x``."""
        if self.k is None:
            return x.copy()
        out: FloatArray = np.asarray(
            np.linalg.lstsq(self.k, x - self.x0, rcond=None)[0], dtype=np.float64
        )
        return out

    def reduce(self, g_x: FloatArray) -> FloatArray:
        """A gradient in x to z: Kᵀg."""
        if self.k is None:
            return g_x
        out: FloatArray = self.k.T @ g_x
        return out

    def reduce_matrix(self, h_x: FloatArray) -> FloatArray:
        """A matrix in x to z: KᵀHK."""
        if self.k is None:
            return h_x
        out: FloatArray = self.k.T @ h_x @ self.k
        return out

    def reduce_matrix_rows(self, rows_x: FloatArray) -> FloatArray:
        """Rows of derivatives in x (e.g. case-wise scores) to z: R K."""
        if self.k is None:
            return rows_x
        out: FloatArray = rows_x @ self.k
        return out


class Problem:
    """f(z), its gradient and its Fisher matrix for one model, data and estimator."""

    def __init__(
        self,
        model: LisrelModel,
        stats: SampleStats,
        discrepancy: Discrepancy,
        reparam: Reparam,
    ) -> None:
        self.model = model
        self.stats = stats
        self.discrepancy = discrepancy
        self.reparam = reparam
        self.weights = stats.weights

    def implied(self, z: FloatArray) -> list[Implied] | None:
        return self.model.implied(self.reparam.x(z))

    def value(self, z: FloatArray) -> float:
        """f(z) (``inf`` where it is not defined)."""
        imp = self.implied(z)
        if imp is None:
            return math.inf
        return self._value(imp)

    def _value(self, imp: list[Implied]) -> float:
        total = 0.0
        for w, st, im in zip(self.weights, self.stats.groups, imp, strict=True):
            v = self.discrepancy.value(st, im)
            if not math.isfinite(v):
                return math.inf
            total += float(w) * v
        return total

    def gradient_x(self, imp: list[Implied]) -> FloatArray:
        """∂f/∂x at implied moments ``imp``."""
        d_sigma, d_mu = self._derivatives(imp)
        d_th = None
        d_th_of = getattr(self.discrepancy, "d_th", None)  # estimators for ordinal items
        if d_th_of is not None:
            d_th = [
                float(w) * d_th_of(st, im)
                for w, st, im in zip(self.weights, self.stats.groups, imp, strict=True)
            ]
        return self.model.gradient(imp, d_sigma, d_mu, d_th)

    def _derivatives(self, imp: list[Implied]) -> tuple[list[FloatArray], list[FloatArray] | None]:
        """w_g ∂f_g/∂Σ per group, and w_g ∂f_g/∂μ when f depends on the means."""
        disc = self.discrepancy
        d_sigma, d_mu = [], []
        for w, st, im in zip(self.weights, self.stats.groups, imp, strict=True):
            d_sigma.append(float(w) * disc.d_sigma(st, im))
            dm = disc.d_mu(st, im)
            d_mu.append(np.zeros(im.sigma.shape[0]) if dm is None else float(w) * dm)
        return d_sigma, (d_mu if self.model.meanstructure else None)

    def information_x(self, imp: list[Implied], *, fisher: bool = False) -> FloatArray:
        """Σ_g w_g I_g (unit expected information in x); ``fisher`` multiplies by c_g."""
        n = self.model.n_free
        out = np.zeros((n, n))
        jac = self.model.jacobian(imp)
        for w, st, im, fac in zip(self.weights, self.stats.groups, imp, jac, strict=True):
            if not fac.index.size:
                continue
            info = self.discrepancy.information(st, im, fac)
            factor = float(w) * (self.discrepancy.hessian_factor(st) if fisher else 1.0)
            out[np.ix_(fac.index, fac.index)] += factor * info
        return out

    def evaluate(self, z: FloatArray) -> tuple[float, FloatArray, list[Implied] | None]:
        """f, ∂f/∂z and the implied moments."""
        imp = self.implied(z)
        if imp is None:
            return math.inf, np.full(z.shape, np.nan), None
        f = self._value(imp)
        if not math.isfinite(f):
            return math.inf, np.full(z.shape, np.nan), imp
        return f, self.reparam.reduce(self.gradient_x(imp)), imp

    def scores_x(self, imp: list[Implied]) -> FloatArray:
        """Case-wise scores ∂ℓ_i/∂x of every case of every group, stacked (N × n_free)."""
        parts = []
        for st, im, fac in zip(self.stats.groups, imp, self.model.jacobian(imp), strict=True):
            part = np.zeros((st.nobs, self.model.n_free))
            if fac.index.size:
                part[:, fac.index] = self.discrepancy.scores(st, im, fac)
            parts.append(part)
        return np.vstack(parts)

    def fisher(self, imp: list[Implied]) -> FloatArray:
        """The Fisher approximation of the Hessian of f in z."""
        return self.reparam.reduce_matrix(self.information_x(imp, fisher=True))

    def hessian(self, z: FloatArray, g: FloatArray | None = None) -> FloatArray:
        """The exact Hessian of f in z (analytic; by differences when μ is not linear in x).

        ∂²f/∂x∂xᵀ = Σ_g w_g [Δ_gᵀ (∂²f_g/∂Σ²) Δ_g + tr(G_g ∂²Σ_g/∂x∂xᵀ)]
        (:meth:`~sem_csat.cbsem.objective.Discrepancy.curvature` and
        :meth:`~sem_csat.cbsem.lisrel.LisrelModel.second_derivative_term`).
        """
        imp = self.implied(z)
        if imp is None:
            return np.full((z.size, z.size), np.nan)
        if self.model.meanstructure and not (
            self.model.linear_means and getattr(self.discrepancy, "mean_curvature", False)
        ):  # the analytic Hessian covers mean terms only where the discrepancy has them
            return self.hessian_numerical(z, g)
        n = self.model.n_free
        out = np.zeros((n, n))
        for w, st, im, fac in zip(
            self.weights, self.stats.groups, imp, self.model.jacobian(imp), strict=True
        ):
            if fac.index.size:
                out[np.ix_(fac.index, fac.index)] += float(w) * self.discrepancy.curvature(
                    st, im, fac
                )
        d_sigma, _ = self._derivatives(imp)
        out += self.model.second_derivative_term(imp, d_sigma)
        return self.reparam.reduce_matrix(0.5 * (out + out.T))

    def hessian_numerical(self, z: FloatArray, g: FloatArray | None = None) -> FloatArray:
        """The Hessian by central differences of the analytic gradient (step 1e-5·max(1,|z|))."""
        n = z.size
        out = np.empty((n, n))
        for k in range(n):
            h = 1e-5 * max(1.0, abs(float(z[k])))
            cols = []
            for sign in (1.0, -1.0):
                zk = z.copy()
                zk[k] += sign * h
                imp = self.implied(zk)
                if imp is None:
                    return np.full((n, n), np.nan)
                cols.append(self.reparam.reduce(self.gradient_x(imp)))
            out[:, k] = (cols[0] - cols[1]) / (2.0 * h)
        return 0.5 * (out + out.T)


@dataclass(frozen=True, eq=False)
class OptimResult:
    """Outcome of one optimizer run.

    Attributes
    ----------
    z, x
        The solution in the free coordinates and in the free parameters.
    f
        f at the solution (lavaan's ``fmin``).
    gradient
        ∂f/∂z at the solution.
    decrement
        The Newton decrement gᵀB⁻¹g at the solution.
    iterations
        Iterations of the run.
    converged
        Whether the decrement fell below :data:`CONVERGED_DECREMENT`.
    start
        The name of the start it came from.
    message
        Why it stopped.
    """

    z: FloatArray = field(repr=False)
    x: FloatArray = field(repr=False)
    f: float
    gradient: FloatArray = field(repr=False)
    decrement: float
    iterations: int
    converged: bool
    start: str = ""
    message: str = ""

    @property
    def gradient_max(self) -> float:
        """max |∂f/∂z|."""
        return float(np.max(np.abs(self.gradient))) if self.gradient.size else 0.0


def _cholesky(a: FloatArray) -> FloatArray | None:
    try:
        out: FloatArray = np.asarray(np.linalg.cholesky(a), dtype=np.float64)
    except np.linalg.LinAlgError:
        return None
    return out


def _metric(fisher: FloatArray) -> FloatArray:
    """The damping metric D = F + 10⁻³·diag(F): positive definite and scaled like F."""
    diag = np.diag(fisher)
    floor = 1e-10 * max(float(np.max(np.abs(diag))) if diag.size else 1.0, 1e-300)
    out: FloatArray = fisher + np.diag(1e-3 * np.maximum(diag, floor))
    return out


def _step(b: FloatArray, g: FloatArray, metric: FloatArray, mu: float) -> tuple[FloatArray, float]:
    """d = −(B + μD)⁻¹g with μ raised to at least twice what makes B + μD positive definite.

    Returns the step and the μ used.
    """
    chol = _cholesky(b + mu * metric)
    if chol is None:
        lo = max(mu, 1e-8)
        while _cholesky(b + lo * metric) is None:
            lo *= 4.0
            if lo > 1e12:
                break
        mu = 2.0 * lo
        chol = _cholesky(b + mu * metric)
        if chol is None:
            fallback: FloatArray = -np.asarray(np.linalg.solve(metric, g), dtype=np.float64)
            return fallback, mu
    y = np.linalg.solve(chol, -g)
    d: FloatArray = np.asarray(np.linalg.solve(chol.T, y), dtype=np.float64)
    return d, mu


def _decrement(metric: FloatArray, g: FloatArray) -> float:
    """gᵀD⁻¹g, the Newton decrement in the Fisher metric D (∞ when D is singular)."""
    chol = _cholesky(metric)
    if chol is None:
        return math.inf
    y = np.linalg.solve(chol, g)
    return float(y @ y)


def minimize(
    problem: Problem,
    z0: FloatArray,
    *,
    max_iter: int = 1000,
    start: str = "",
) -> OptimResult:
    """Minimise f from ``z0`` (see the module docstring for the method).

    Each iteration takes the step d = −(B + μD)⁻¹g of a trust region in the Fisher metric
    (D = F + 10⁻³·diag F): B is the Fisher matrix F or, once lightly damped Fisher steps
    make slow progress, the exact Hessian while it is positive definite; μ ≥ 0 grows when a
    step does not lower f as much as the quadratic model predicts and shrinks when it does,
    and stays at least twice the value that makes B + μD positive definite.
    """
    z = np.asarray(z0, dtype=np.float64).copy()
    f, g, imp = problem.evaluate(z)
    if not math.isfinite(f) or imp is None:
        why = "the starting values give an improper implied covariance matrix"
        return OptimResult(z, problem.reparam.x(z), math.inf, g, math.inf, 0, False, start, why)
    fisher = problem.fisher(imp)
    metric = _metric(fisher)
    b = fisher
    mu, newton, slow, rejected, indefinite, newton_steps = 0.0, False, 0, 0, 0, 0
    dec = prev_dec = math.inf
    history: list[float] = [f]
    message = "iteration limit reached"
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (it is reported)
        dec = _decrement(metric, g)
        if dec <= _STOP_DECREMENT * max(1.0, f):
            message = "converged"
            break
        d, mu = _step(b, g, metric, mu)
        predicted = -float(g @ d + 0.5 * d @ b @ d)
        f_new, g_new, imp_new = problem.evaluate(z + d)
        ratio = (f - f_new) / predicted if predicted > 0 else -1.0
        if imp_new is None or not (math.isfinite(f_new) and f_new < f and ratio > 1e-4):
            rejected += 1
            if rejected > 50 or (dec <= CONVERGED_DECREMENT and predicted <= 1e-14 * max(1.0, f)):
                message = "no step lowers the discrepancy function"
                break
            mu = max(8.0 * mu, 1e-3)
            continue
        rejected = 0
        z, f, g, imp = z + d, f_new, g_new, imp_new
        if ratio > 0.75:
            mu = mu / 4.0 if mu >= 1e-3 else 0.0
        elif ratio < 0.25:
            mu = max(4.0 * mu, 1e-3)
        fisher = problem.fisher(imp)
        metric = _metric(fisher)
        if not newton:
            # near the solution Fisher scoring converges only linearly when the model misfits
            # or the surface is nearly flat: then use the exact Hessian, while it is PD
            slow = slow + 1 if mu < 0.1 and dec > 0.2 * prev_dec else 0
            newton = slow >= 3
        prev_dec = dec
        b = fisher
        if newton:
            newton_steps += 1
            if newton_steps > _NEWTON_STEPS:
                message = f"{_NEWTON_STEPS} Newton steps did not reach a minimum"
                break
            hess = problem.hessian(z, g)
            if _cholesky(hess) is not None:
                b, indefinite = hess, 0
            else:
                indefinite += 1
                if indefinite >= 2:  # not near a minimum yet: back to Fisher scoring
                    newton, slow, indefinite = False, 0, 0
        history.append(f)
        if len(history) > _STALL_WINDOW and history[-_STALL_WINDOW - 1] - f <= _STALL * max(1.0, f):
            message = f"f fell by less than {_STALL:g} in the last {_STALL_WINDOW} iterations"
            break
    if message in ("converged", "no step lowers the discrepancy function"):
        z, f, g, imp = _polish(problem, z, f, g, imp)
    dec = _decrement(_metric(problem.fisher(imp)), g)
    converged, newton_dec = False, math.inf
    # a run that stopped on its own criteria must be close; one cut short (stalled, Newton
    # steps or iterations used up) must be at the precision limit to count as converged
    stopped = message in ("converged", "no step lowers the discrepancy function")
    if dec <= (CONVERGED_DECREMENT if stopped else 1e-13 * max(1.0, f)):
        converged, newton_dec = _second_order_check(problem, z, g)
        if not converged:
            message = "the solution is not a minimum (the Hessian is not positive definite there)"
    return OptimResult(z, problem.reparam.x(z), f, g, max(dec, newton_dec if converged else dec),
                       it, converged, start, message)  # fmt: skip


def _polish(
    problem: Problem, z: FloatArray, f: float, g: FloatArray, imp: list[Implied]
) -> tuple[FloatArray, float, FloatArray, list[Implied]]:
    """Up to two plain Newton steps below the resolution of f.

    Near the minimum f changes by less than its rounding error, but the gradient is still
    accurate, so a Newton step is kept when it makes the gradient smaller (in the Fisher
    metric) without raising f beyond rounding.  This takes the estimates from about 1e-7 to
    about 1e-10 of the minimum.
    """
    for _ in range(2):
        hess = problem.hessian(z, g)
        if _cholesky(hess) is None:
            break
        d = -np.linalg.solve(hess, g)
        f_new, g_new, imp_new = problem.evaluate(z + d)
        if imp_new is None or not f_new <= f + 1e-13 * max(1.0, abs(f)):
            break
        metric = _metric(problem.fisher(imp))
        if _decrement(metric, g_new) >= _decrement(metric, g):
            break
        z, f, g, imp = z + d, f_new, g_new, imp_new
    return z, f, g, imp


def _second_order_check(problem: Problem, z: FloatArray, g: FloatArray) -> tuple[bool, float]:
    """A minimum: the exact Hessian is positive (semi)definite and gᵀH⁺g is small.

    The Fisher decrement alone can be tiny at points that are not minima (a long valley of
    nearly constant f, or a saddle); the exact Hessian tells them apart.  A singular Hessian
    (a model not identified at the solution) passes here and is reported by the standard
    errors.
    """
    hess = problem.hessian(z, g)
    eig, vec = np.linalg.eigh(hess)
    top = float(max(abs(eig[-1]), 1e-300)) if eig.size else 1.0
    if eig.size and eig[0] < -1e-6 * top:
        return False, math.inf
    keep = eig > 1e-10 * top
    proj = vec[:, keep].T @ g
    newton_dec = float(np.sum(proj**2 / eig[keep]))
    return newton_dec <= CONVERGED_DECREMENT, newton_dec


def _improper(problem: Problem, res: OptimResult) -> bool:
    """A negative variance, or a latent or residual covariance matrix that is not PD."""
    imp = problem.implied(res.z)
    if imp is None:
        return True
    for im in imp:
        for name in ("psi", "theta"):
            if np.any(np.diag(im.mats[name]) < 0):
                return True
        if im.c.size and np.linalg.eigvalsh(0.5 * (im.latent_cov + im.latent_cov.T))[0] < 0:
            return True
    return False


def optimize_with_restarts(
    problem: Problem,
    starts: Mapping[str, Callable[[], FloatArray]],
    *,
    max_iter: int = 500,
) -> tuple[OptimResult, tuple[OptimResult, ...]]:
    """Run from the first start; on non-convergence or an improper point try the next ones.

    An improper but converged first run is compared with one more start only (an improper
    minimum is usually the model's true minimum, as in lavaan).  When no start converges,
    :func:`bfgs_then_polish` is tried from the first start.  Returns the chosen run (the
    converged one with the lowest f, the first on ties) and every run made.  ``starts`` maps
    a name to a function that gives the starting values of the free parameters ``x``.
    """
    runs: list[OptimResult] = []
    first: FloatArray | None = None
    for name, make in starts.items():
        x0 = make()
        z0 = problem.reparam.z(x0)
        first = z0 if first is None else first
        res = minimize(problem, z0, max_iter=max_iter, start=name)
        runs.append(res)
        if res.converged and not _improper(problem, res):
            break
        if len(runs) >= 2 and any(r.converged for r in runs):
            break
    if first is not None and not any(r.converged for r in runs):
        # long flat valleys (near-collinear constructs, improper minima) defeat Fisher
        # scoring and Newton steps; BFGS from the first start with a small scaled identity,
        # as nlminb starts, finds its way along them
        res = bfgs_then_polish(problem, first, start="bfgs", max_iter=max(max_iter, 2))
        runs.append(res)
    converged = [r for r in runs if r.converged]
    pool = converged or runs
    best = pool[0]
    for r in pool[1:]:
        if r.f < best.f - 1e-9 * max(1.0, abs(best.f)):
            best = r
    return best, tuple(runs)


def bfgs(
    problem: Problem,
    z0: FloatArray,
    h_inv: FloatArray | None = None,
    *,
    max_iter: int = 1000,
    tol: float = 1e-9,
) -> tuple[FloatArray, bool]:
    """Dense BFGS (Nocedal & Wright 2006, alg. 6.1) with Armijo backtracking.

    ``h_inv`` is the initial inverse Hessian; by default a scaled identity whose first step
    moves no parameter by more than 0.1.  Stops when the quasi-Newton step is below
    ``tol``·max(1, max|z|) (returns ``True``), when no step lowers f or after ``max_iter``
    steps (``False``).  Quasi-Newton steps learn the curvature of long, flat, curved valleys
    that Fisher scoring crawls along.
    """
    z = np.asarray(z0, dtype=np.float64).copy()
    f, g, imp = problem.evaluate(z)
    if imp is None or not math.isfinite(f):
        return z, False
    if h_inv is None:
        h = np.eye(z.size) * (0.1 / max(float(np.max(np.abs(g))) if g.size else 1.0, 1e-8))
    else:
        h = np.array(h_inv, dtype=np.float64)
    for _ in range(max_iter):
        d = -h @ g
        if not d.size or np.max(np.abs(d)) <= tol * max(1.0, float(np.max(np.abs(z)))):
            return z, True
        slope = float(g @ d)
        if slope >= 0:  # not a descent direction: restart from the scaled identity
            h = np.eye(z.size) * (0.1 / max(float(np.max(np.abs(g))), 1e-8))
            d, slope = -h @ g, -float(h[0, 0] * (g @ g))
        t = 1.0
        for _ in range(50):
            f_new, g_new, imp_new = problem.evaluate(z + t * d)
            if imp_new is not None and math.isfinite(f_new) and f_new <= f + 1e-4 * t * slope:
                break
            t *= 0.5
        else:
            return z, False
        step, change = t * d, g_new - g
        z, f, g = z + step, f_new, g_new
        sy = float(step @ change)
        if sy > 1e-12 * float(np.linalg.norm(step) * np.linalg.norm(change)):
            rho = 1.0 / sy
            hy = h @ change
            h -= rho * (np.outer(step, hy) + np.outer(hy, step))
            h += (rho * rho * float(change @ hy) + rho) * np.outer(step, step)
    return z, False


def bfgs_then_polish(
    problem: Problem,
    z0: FloatArray,
    h_inv: FloatArray | None = None,
    *,
    start: str = "bfgs",
    max_iter: int = 1000,
) -> OptimResult:
    """:func:`bfgs` from ``z0``, then :func:`minimize` from where it ended (Newton polish and
    the convergence checks of every run)."""
    z, _ = bfgs(problem, z0, h_inv, max_iter=max_iter)
    return minimize(problem, z, max_iter=min(max_iter, 200), start=start)
