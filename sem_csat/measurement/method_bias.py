"""Common-method bias: Kock's full collinearity VIF and Harman's single-factor test.

Both are screening heuristics.  Neither proves the absence of common-method variance; the
remedies are procedural (Podsakoff et al. 2003): separate sources or times of measurement,
varied scale formats, protected anonymity.

Examples
--------
Three constructs whose scores correlate 0.5 with each other:

>>> import numpy as np
>>> C = np.full((3, 3), 0.5) + 0.5 * np.eye(3)
>>> full_collinearity_vif(C).round(4)
array([1.5, 1.5, 1.5])
>>> round(float(harman_share(C)), 4)  # first eigenvalue 2.0 of 3
0.6667
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sem_csat.errors import UsageError
from sem_csat.measurement.collinearity import variance_inflation

__all__ = ["full_collinearity_vif", "harman_share"]

FloatArray = npt.NDArray[np.float64]


def _corr(c: npt.ArrayLike, what: str) -> FloatArray:
    r = np.asarray(c, dtype=np.float64)
    if r.ndim < 2 or r.shape[-1] != r.shape[-2]:
        raise UsageError(f"Expected (..., k, k) {what} correlation matrices; got {r.shape}.")
    return r


def full_collinearity_vif(construct_corr: npt.ArrayLike) -> FloatArray:
    """Full collinearity VIF of every construct: its VIF when regressed on all the others.

    Parameters
    ----------
    construct_corr
        ``(..., J, J)`` correlations of the construct scores.

    Returns
    -------
    numpy.ndarray
        ``(..., J)``.

    Notes
    -----
    :math:`\\text{VIF}_j = 1/(1 - R^2_j) = [C^{-1}]_{jj}`, where :math:`R^2_j` is the R² of
    construct :math:`j` on all other constructs, whatever the paths.  Kock (2015) reads a VIF
    above 3.3 as a sign of pathological collinearity, possibly from common-method variance.

    References
    ----------
    .. [1] Kock, N. (2015). Common method bias in PLS-SEM: A full collinearity assessment
       approach. *International Journal of e-Collaboration*, 11(4), 1–10.
    """
    return variance_inflation(_corr(construct_corr, "construct"))


def harman_share(item_corr: npt.ArrayLike) -> FloatArray:
    """Harman's single-factor test: variance share of the first unrotated component.

    Parameters
    ----------
    item_corr
        ``(..., p, p)`` correlations of all items of the model.

    Returns
    -------
    numpy.ndarray
        ``(...)`` largest eigenvalue of the item correlation matrix divided by :math:`p`.

    Notes
    -----
    The test puts every item into one unrotated exploratory analysis; if a single factor
    explains the majority (more than 50 %) of the variance, common-method variance is
    suspected (Podsakoff et al. 2003, p. 889).  The share is computed for the first principal
    component, :math:`\\lambda_1 / p`, the usual implementation (SPSS "extraction sums of
    squared loadings" with principal components).  Podsakoff et al. stress that the test is
    insensitive.

    References
    ----------
    .. [1] Podsakoff, P. M., MacKenzie, S. B., Lee, J.-Y., & Podsakoff, N. P. (2003). Common
       method biases in behavioral research. *Journal of Applied Psychology*, 88(5), 879–903.
    """
    r = _corr(item_corr, "item")
    lam = np.linalg.eigvalsh(r)
    out: FloatArray = lam[..., -1] / r.shape[-1]
    return out
