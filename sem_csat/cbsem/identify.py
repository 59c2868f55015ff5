"""Identification, checked before estimating: a model the data cannot determine is refused
with one sentence instead of being fitted to an arbitrary point.

What is checked, in order:

1. **The t-rule** (counting rule): no more free parameters, net of equality constraints, than
   sample moments (p(p + 1)/2 variances and covariances, plus p means with a mean structure),
   i.e. df ≥ 0.
2. **Local identification** (the rank rule of Wald 1950 and Bekker, Merckens & Wansbeek
   1994): the model is locally identified almost everywhere exactly when the Jacobian
   J = ∂(vech Σ, μ)/∂z of the implied moments with respect to the free coordinates z (equality
   constraints removed) has full column rank at a generic point.  It is evaluated at a fixed,
   seeded random point of the parameter space (loadings near 1, moderate paths, positive
   variances), confirmed at a second one, and counted as rank deficient when the smallest
   singular value of J with unit-length columns is below 10⁻⁸ of the largest.  This covers
   every structural reason at once; when it fails, the sentence names the cause when it is one
   of the usual ones, checked on the table:

   * a construct **without a scale**: none of its loadings is fixed at a non-zero value and its
     (residual) variance is not fixed either (e.g. the marker fixed at 0);
   * a construct with **too few indicators**: one item whose residual variance is free, or two
     items (loadings and residuals free, no equality constraint among them) and no path or
     covariance that relates the construct to another one;

   otherwise it names the parameters that the data cannot tell apart (the null direction of
   J).  With ordinal items (thresholds, fitted by DWLS) only the t-rule is checked before
   estimating: their thresholds are not moments of (Σ, μ).

After estimation the information matrix at the estimates is checked as well (empirical
identification, :mod:`sem_csat.cbsem.vcov`); a singular one is reported as the error
diagnostic ``cbsem_information_singular``, with standard errors NaN.

References
----------
Bekker, P. A., Merckens, A., & Wansbeek, T. J. (1994). *Identification, Equivalent Models, and
Computer Algebra*. Academic Press.
Bollen, K. A. (1989). *Structural Equations with Latent Variables*, ch. 4 and 7. Wiley.
Wald, A. (1950). Note on the identification of economic relations. In T. C. Koopmans (Ed.),
*Statistical Inference in Dynamic Economic Models* (pp. 238-244). Wiley.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np
from numpy.typing import NDArray

from sem_csat.cbsem.estimate import Reparam
from sem_csat.cbsem.lisrel import LisrelModel
from sem_csat.cbsem.partable import ParTable
from sem_csat.errors import EstimationError, SpecError

if TYPE_CHECKING:
    from sem_csat.cbsem.pipeline import CBSEMFit

__all__ = ["RANK_TOL", "check_identification", "jacobian_rank", "singular_parameters"]

FloatArray = NDArray[np.float64]
#: Smallest singular value, relative to the largest, of a full-rank Jacobian.
RANK_TOL: Final = 1e-8
_SEEDS: Final = (20260, 20261)


def _generic_point(table: ParTable, reparam: Reparam, seed: int) -> FloatArray:
    """A random point of the parameter space, away from special values, that satisfies the
    equality constraints."""
    rng = np.random.default_rng(seed)
    x = np.zeros(table.n_free)
    free = table.free
    for i in np.flatnonzero(free > 0):
        mat, (r, c) = table.mat[i], table.index[i]
        if mat == "lambda":
            value = rng.uniform(0.7, 1.3)
        elif mat == "beta":
            value = rng.uniform(0.7, 1.3) if table.op[i] == "=~" else rng.uniform(0.15, 0.45)
        elif mat in ("psi", "theta"):
            diag = r == c
            base = 1.0 if mat == "psi" else 0.5
            value = rng.uniform(0.8, 1.2) * base if diag else rng.uniform(0.05, 0.2)
        elif mat in ("nu", "alpha"):
            value = rng.uniform(-1.0, 1.0)
        else:
            value = rng.uniform(0.5, 1.0)
        x[free[i] - 1] = value
    if reparam.k is None:
        return x
    return reparam.x(reparam.z(x))


def _jacobian(model: LisrelModel, reparam: Reparam, x: FloatArray) -> FloatArray | None:
    """∂(vech Σ, μ)/∂z at x, every block stacked (``None`` when I − B is singular there)."""
    implied = model.implied(x)
    if implied is None:
        return None
    parts = []
    for block, fac in zip(model.blocks, model.jacobian(implied), strict=True):
        p = block.p
        rows, cols = np.tril_indices(p)
        dense = fac.dense()  # (k, p, p)
        jac = np.zeros((rows.size, model.n_free))
        jac[:, fac.index] = dense[:, rows, cols].T
        parts.append(jac)
        if fac.dmu is not None:
            mean = np.zeros((p, model.n_free))
            mean[:, fac.index] = fac.dmu
            parts.append(mean)
    out = np.vstack(parts)
    if reparam.k is not None:
        out = out @ reparam.k
    return out


def jacobian_rank(
    table: ParTable, model: LisrelModel, reparam: Reparam
) -> tuple[bool, FloatArray | None]:
    """Whether the Jacobian of the moments has full column rank at generic points.

    Returns ``(identified, null)``: ``null`` is a direction in x (length ``n_free``) that
    leaves the moments unchanged when the model is not identified, else ``None``.
    """
    if reparam.n_z == 0:
        return True, None
    null: FloatArray | None = None
    for seed in _SEEDS:
        jac = _jacobian(model, reparam, _generic_point(table, reparam, seed))
        if jac is None or not np.all(np.isfinite(jac)):
            continue  # a singular I − B at this point says nothing; try the next
        norms = np.linalg.norm(jac, axis=0)
        if np.any(norms == 0):
            z = np.zeros(jac.shape[1])
            z[int(np.argmin(norms))] = 1.0
        else:
            _, sv, vt = np.linalg.svd(jac / norms, full_matrices=False)
            if sv.size == jac.shape[1] and sv[-1] > RANK_TOL * sv[0]:
                return True, None
            z = vt[-1] / norms
        null = z if reparam.k is None else reparam.k @ z
    if null is None:
        return True, None
    return False, null


def _row_text(table: ParTable, i: int) -> str:
    lhs, op, rhs = table.lhs[i], table.op[i], table.rhs[i]
    return f"{lhs} ~ 1" if op == "~1" else f"{lhs} {op} {rhs}"


def _first_free(table: ParTable, rows: list[int]) -> int:
    return next((i for i in rows if table.free[i] > 0), rows[0])


def _unscaled(table: ParTable) -> str | None:
    """A construct without a scale: no loading and no variance fixed at a non-zero value."""
    constrained = {table.lhs[i] for i, op in enumerate(table.op) if op == "=="}
    for b, lvs in enumerate(table.lv_names):
        rows = np.flatnonzero(table.block == b + 1)
        for f in lvs:
            loadings = [int(i) for i in rows if table.op[i] == "=~" and table.lhs[i] == f]
            variance = [
                int(i) for i in rows if table.op[i] == "~~" and table.lhs[i] == f == table.rhs[i]
            ]
            if not loadings or any(table.label[i] in constrained for i in loadings):
                continue
            fixed = [
                i for i in (*loadings, *variance) if table.free[i] == 0 and table.ustart[i] != 0
            ]
            if not fixed:
                return (
                    f"Construct '{f}' has no scale: none of its loadings is fixed at a non-zero "
                    "value and its variance is not fixed, so the data cannot tell a larger "
                    f"'{f}' with smaller loadings from a smaller one with larger loadings; fix "
                    f"one loading at 1 (such as 1*{table.rhs[_first_free(table, loadings)]}) or "
                    "its variance."
                )
    return None


def _related(table: ParTable, rows: NDArray[np.intp], f: str) -> bool:
    """Whether construct f has a free path or covariance with another construct."""
    lv = set(table.lv_names[int(table.block[rows[0]]) - 1]) if rows.size else set()
    for i in rows:
        lhs, op, rhs = table.lhs[i], table.op[i], table.rhs[i]
        if f not in (lhs, rhs) or lhs == rhs:
            continue
        relation = op == "~" or (op in ("~~", "=~") and lhs in lv and rhs in lv)
        if relation and table.free[i] > 0:
            return True
    return False


def _variance_row(table: ParTable, rows: NDArray[np.intp], name: str) -> int | None:
    for i in rows:
        if table.op[i] == "~~" and table.lhs[i] == name == table.rhs[i]:
            return int(i)
    return None


def _n_distinct_free(table: ParTable, rows: list[int]) -> int:
    """Free rows among ``rows``, counting rows that share a label once."""
    labels = {table.label[i] for i in rows if table.free[i] > 0 and table.label[i]}
    unlabelled = [i for i in rows if table.free[i] > 0 and not table.label[i]]
    return len(labels) + len(unlabelled)


def _too_few(table: ParTable) -> str | None:
    """A one-item construct with a free residual variance, or a two-item construct that no
    path or covariance relates to another one and that has more free parameters (loadings,
    variance, residual variances) than its three moments."""
    for b, lvs in enumerate(table.lv_names):
        rows = np.flatnonzero(table.block == b + 1)
        ov = set(table.ov_names[b])
        for f in lvs:
            items = [
                int(i)
                for i in rows
                if table.op[i] == "=~" and table.lhs[i] == f and table.rhs[i] in ov
            ]
            residuals = [_variance_row(table, rows, table.rhs[i]) for i in items]
            if len(items) == 1:
                res = residuals[0]
                if res is not None and table.free[res] > 0:
                    item = table.rhs[items[0]]
                    return (
                        f"Construct '{f}' has only one item, '{item}', and the residual "
                        f"variance of '{item}' is free, so the data cannot separate the "
                        "construct from the item's error; fix that residual variance (at 0, "
                        "or at (1 - reliability) times the item's variance) or add items."
                    )
            if len(items) == 2 and not _related(table, rows, f):
                own = [*items, *(r for r in residuals if r is not None)]
                var = _variance_row(table, rows, f)
                if var is not None:
                    own.append(var)
                if _n_distinct_free(table, own) > 3:
                    names = " and ".join(f"'{table.rhs[i]}'" for i in items)
                    return (
                        f"Construct '{f}' has only two items ({names}) and no path or "
                        "covariance relating it to another construct, so its loadings, "
                        "variance and residual variances cannot all be estimated from their "
                        "three variances and covariance; add a third item, relate it to "
                        "another construct, or give both loadings the same label."
                    )
    return None


def check_identification(
    table: ParTable, model: LisrelModel, reparam: Reparam, n_moments: int
) -> None:
    """Refuse a model that is not identified (see the module docstring for what is checked).

    Raises
    ------
    EstimationError
        df < 0, or the model is not locally identified and no simpler cause is found.
    SpecError
        A construct without a scale, or with too few indicators to be identified.
    """
    if table.npar > n_moments:
        p = len(table.ov_names[0])
        what = (
            "variances, covariances and means"
            if table.meanstructure
            else ("variances and covariances")
        )
        raise EstimationError(
            f"The model has {table.npar} free parameters but the {p} items give only "
            f"{n_moments} distinct {what} (df = {n_moments - table.npar}), so it is not "
            "identified; fix or remove parameters (such as error covariances) or add items."
        )
    if "|" in table.op:  # ordinal items: the thresholds are not in J (t-rule only)
        return
    identified, null = jacobian_rank(table, model, reparam)
    if identified or null is None:
        return
    for reason in (_unscaled(table), _too_few(table)):
        if reason is not None:
            raise SpecError(reason)
    names = ", ".join(_names(table, null))
    raise EstimationError(
        "The model is not identified: the data cannot tell apart changes in "
        f"{names} (changing them together leaves every implied "
        f"{'variance, covariance and mean' if table.meanstructure else 'variance and covariance'}"
        " the same); fix one of them, make them equal with a shared label, or remove one."
    )


def _names(table: ParTable, direction: FloatArray, limit: int = 6) -> list[str]:
    """The table rows that carry the largest entries of a direction in x."""
    weight = np.abs(direction) / max(float(np.max(np.abs(direction))), 1e-300)
    first = {int(f) - 1: i for i, f in reversed(list(enumerate(table.free))) if f > 0}
    involved = [int(j) for j in np.argsort(-weight) if weight[j] > 0.05][:limit]
    return [_row_text(table, first[j]) for j in involved if j in first]


def singular_parameters(fit: CBSEMFit) -> list[str]:
    """After estimation: the parameters along the null direction of a singular information
    matrix (empirical underidentification), at most six, largest first; empty when the
    information is not singular."""
    info = fit.vcov.information
    if not fit.vcov.singular or info.size == 0 or not np.all(np.isfinite(info)):
        return []
    d = np.sqrt(np.clip(np.diag(info), 1e-300, None))
    _, vec = np.linalg.eigh(info / np.outer(d, d))
    z = vec[:, 0] / d
    k = fit.reparam.k if fit.reparam is not None else None
    return _names(fit.table, z if k is None else k @ z)
