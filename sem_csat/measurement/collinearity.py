"""Collinearity: the variance inflation factor of every variable in a correlation matrix.

One function serves the indicator VIF of a block (outer VIF), the VIF of the predictors of an
endogenous construct (inner VIF) and Kock's full collinearity VIF; the callers choose the
matrix.

Examples
--------
Two items that correlate 0.6 inflate each other's variance by 1 / (1 − 0.36):

>>> import numpy as np
>>> variance_inflation(np.array([[1.0, 0.6], [0.6, 1.0]])).round(4)
array([1.5625, 1.5625])

Identical variables have an infinite VIF rather than a singular-matrix error:

>>> vif = variance_inflation(np.array([[1.0, 1.0, 0.5], [1.0, 1.0, 0.5], [0.5, 0.5, 1.0]]))
>>> bool(np.isinf(vif[:2]).all()), round(float(vif[2]), 4)
(True, 1.3333)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import DataWarning, UsageError

if TYPE_CHECKING:
    from sem_csat.spec.model import ModelSpec

__all__ = ["COLLINEAR_TOL", "identical_items", "variance_inflation"]

COLLINEAR_TOL: Final = 1e-10
r"""Items with correlation :math:`|r| \ge 1 - 10^{-10}`, or a block whose correlation matrix has
an eigenvalue below it, are identical or perfectly collinear."""

FloatArray = npt.NDArray[np.float64]


def variance_inflation(corr: npt.ArrayLike) -> FloatArray:
    """Variance inflation factor of every variable of (stacked) correlation matrices.

    Parameters
    ----------
    corr
        ``(..., k, k)`` correlation matrices.

    Returns
    -------
    numpy.ndarray
        ``(..., k)``; 1 for a single variable.

    Notes
    -----
    :math:`\\text{VIF}_k = 1/(1 - R^2_k) = [R^{-1}]_{kk}`, where :math:`R^2_k` is the R² of
    variable :math:`k` regressed on the others (Belsley, Kuh & Welsch 1980).  Hair et al. (2019)
    read values above 5 (ideally 3) as critical collinearity.

    References
    ----------
    .. [1] Belsley, D. A., Kuh, E., & Welsch, R. E. (1980). *Regression Diagnostics*. Wiley.
    .. [2] Hair, J. F., Risher, J. J., Sarstedt, M., & Ringle, C. M. (2019). When to use and how
       to report the results of PLS-SEM. *European Business Review*, 31(1), 2–24.
    """
    r = np.asarray(corr, dtype=np.float64)
    if r.ndim < 2 or r.shape[-1] != r.shape[-2]:
        raise UsageError(f"Expected (..., k, k) correlation matrices; got shape {r.shape}.")
    if r.shape[-1] == 1:
        return np.ones(r.shape[:-1])
    try:
        inverse = np.linalg.inv(r)
    except np.linalg.LinAlgError:
        return _singular_inflation(r)
    out: FloatArray = np.diagonal(inverse, axis1=-2, axis2=-1).copy()
    return out


def _singular_inflation(r: FloatArray) -> FloatArray:
    r"""VIFs of singular correlation matrices (identical or perfectly collinear variables).

    Each :math:`R^2_k` comes from a least-squares regression on the other variables, so that a
    variable that is an exact linear combination of others gets :math:`\text{VIF} = \infty`
    and the rest keep their finite values.
    """
    k = r.shape[-1]
    flat = r.reshape(-1, k, k)
    out = np.empty((flat.shape[0], k))
    for m, mat in enumerate(flat):
        for j in range(k):
            others = [i for i in range(k) if i != j]
            beta = np.linalg.lstsq(mat[np.ix_(others, others)], mat[others, j], rcond=None)[0]
            unexplained = 1.0 - float(mat[j, others] @ beta)
            out[m, j] = np.inf if unexplained <= 1e-12 else 1.0 / unexplained
    return out.reshape(r.shape[:-1])


def identical_items(spec: ModelSpec, corr: npt.ArrayLike, source: str) -> list[Diagnostic]:
    """Warn about identical (|r| = 1) or perfectly collinear items within one block.

    Parameters
    ----------
    spec
        The model; its blocks are checked one by one.
    corr
        The ``(p, p)`` correlation matrix of ``spec.indicator_names`` (in that order) that the
        engine estimates from: the check costs no pass over the data.
    source
        The data source's name, for the message (``PreparedData.source``).

    Returns
    -------
    list of Diagnostic
        ``identical_items`` for pairs with :math:`|r| \\ge 1 -` :data:`COLLINEAR_TOL`, else
        ``collinear_items`` for a block whose correlation matrix has its smallest eigenvalue
        below it (one item is a weighted sum of the others).
    """
    from sem_csat.data import source_name

    r_all = np.asarray(corr, dtype=np.float64)
    position = {name: k for k, name in enumerate(spec.indicator_names)}
    out: list[Diagnostic] = []
    for c in spec.constructs:
        names = list(c.indicator_names)
        if len(names) < 2:
            continue
        k = [position[n] for n in names]
        r = r_all[np.ix_(k, k)]
        if not np.isfinite(r).all():
            continue
        pairs = [
            (names[a], names[b], float(r[a, b]))
            for a in range(len(names))
            for b in range(a + 1, len(names))
            if abs(r[a, b]) >= 1.0 - COLLINEAR_TOL
        ]
        why = (
            "the Mode B weights of a formative construct cannot be told apart"
            if c.mode == "formative"
            else "reliability (α, ρ_A) and HTMT are inflated and the item adds nothing"
        )
        if pairs:
            shown = ", ".join(
                f"'{a}' and '{b}' ({'r = −1, reversed' if v < 0 else 'r = 1'})"
                for a, b, v in pairs[:5]
            )
            out.append(
                Diagnostic(
                    "warning",
                    "identical_items",
                    f"In {source_name(source)}, construct '{c.name}' has items that are "
                    f"identical up to a linear rescaling: {shown}; {why}. Check for a "
                    "duplicated column, then keep one of each pair.",
                    DataWarning,
                )
            )
            continue
        smallest = float(np.linalg.eigvalsh(r)[0])
        if smallest < COLLINEAR_TOL:
            out.append(
                Diagnostic(
                    "warning",
                    "collinear_items",
                    f"In {source_name(source)}, the items of construct '{c.name}' "
                    f"({', '.join(names)}) are perfectly collinear: one of them is a weighted sum "
                    f"of the others (smallest eigenvalue of their correlations {smallest:.1e}); "
                    f"{why}. Check for a total or average score among the items and remove it.",
                    DataWarning,
                )
            )
    return out
