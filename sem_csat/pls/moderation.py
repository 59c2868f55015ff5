"""Interaction terms (moderation) in PLS: how the term is built, and what it means.

An interaction term ``SATxIMAG = SAT x IMAG`` with a path ``SATxIMAG -> LOY`` lets the effect
of SAT on LOY depend on IMAG.  PLS builds the term in one of three ways (Henseler & Chin 2010;
Becker, Ringle & Sarstedt 2018; ``interaction=`` of :func:`sem_csat.fit`), exactly as seminr
does:

``"two-stage"`` (default; recommended for most purposes by Becker et al. 2018)
    Stage 1 estimates the model without interaction terms; the product of the (standardized)
    stage-1 scores of the two constructs becomes the single indicator of the term in stage 2.
``"product-indicator"``
    The term is measured by every product of a standardized indicator of one construct with a
    standardized indicator of the other (Mode A).
``"orthogonal"``
    As product-indicator, but each product is replaced by its residual after regressing it on
    all indicators of the two constructs (Little, Bovaird & Widaman 2006), so the term is
    uncorrelated with the main effects.

**Which coefficient is reported.**  As in seminr, the path of the interaction term is the
coefficient of the term in the metric of the products (the product of standardized scores,
centred but not re-standardized): the standardized coefficient :math:`\\beta^*` divided by the
standard deviation of the term's unstandardized score,
:math:`b = \\beta^* / s`.  For the two-stage approach :math:`s` is the standard deviation of
the product of the stage-1 scores; for the product-indicator and orthogonal approaches it is
seminr's loading-weighted mean of the standard deviations of the product indicators,
:math:`s = \\sum_k s_k |\\lambda_k| / \\sum_k |\\lambda_k|` (Henseler & Chin 2010).  With
this :math:`b`, the effect of X on Y at moderator value :math:`m` (in standard deviations of the
moderator) is :math:`b_X + b\\,m` (the simple slope; :func:`simple_slopes`).  ``paths`` carries
:math:`b` in ``estimate`` and :math:`\\beta^*` in ``std_estimate``; the effects and the bootstrap
refer to :math:`b`.  seminr's documentation names product-indicator its default, while its
two-stage estimation is what most guides recommend; sem_csat defaults to two-stage and names
the approach in every result (``result.settings.interaction``).

References
----------
.. [1] Henseler, J., & Chin, W. W. (2010). A comparison of approaches for the analysis of
   interaction effects between latent variables using partial least squares path modeling.
   *Structural Equation Modeling*, 17(1), 82–109.
.. [2] Becker, J.-M., Ringle, C. M., & Sarstedt, M. (2018). Estimating moderating effects in
   PLS-SEM and PLSc-SEM: Interaction term generation * data treatment. *Journal of Applied
   Structural Equation Modeling*, 2(2), 1–21.
.. [3] Little, T. D., Bovaird, J. A., & Widaman, K. F. (2006). On the merits of
   orthogonalizing powered and product terms. *Structural Equation Modeling*, 13(4), 497–519.
"""

from __future__ import annotations

from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from sem_csat.errors import SpecError
from sem_csat.spec.model import ModelSpec

__all__ = [
    "INTERACTION_METHODS",
    "InteractionMethod",
    "check_interactions",
    "generated_names",
    "orthogonalize",
    "product_columns",
]

FloatArray = npt.NDArray[np.float64]

InteractionMethod = Literal["two-stage", "product-indicator", "orthogonal"]
#: How interaction terms are built (``interaction=``), the default first.
INTERACTION_METHODS: Final[tuple[InteractionMethod, ...]] = (
    "two-stage",
    "product-indicator",
    "orthogonal",
)


def check_interactions(spec: ModelSpec, method: InteractionMethod) -> None:
    """Refuse, one sentence each, interaction terms PLS cannot build with ``method``.

    The spec already refuses an interaction of a construct with itself and a term that no path
    uses.  The product-indicator and orthogonal approaches need survey items on both sides, so
    they refuse a higher-order construct in a term.
    """
    if method == "two-stage":
        return
    for i in spec.interactions:
        for end in i.constructs:
            if spec.construct(end).is_higher_order:
                raise SpecError(
                    f"The interaction '{i.name}' uses the higher-order construct '{end}', "
                    f"which has no survey items of its own to multiply; use "
                    "interaction='two-stage', which multiplies construct scores."
                )


def generated_names(spec: ModelSpec, method: InteractionMethod) -> dict[str, tuple[str, ...]]:
    """The columns that measure each interaction term: ``left*right`` (two-stage: the product
    of the scores) or ``a*b`` for every indicator ``a`` of the left and ``b`` of the right
    construct (product-indicator, orthogonal; the left indicator varies slowest, as seminr)."""
    out: dict[str, tuple[str, ...]] = {}
    for i in spec.interactions:
        if method == "two-stage":
            out[i.name] = (f"{i.left}*{i.right}",)
        else:
            left = spec.construct(i.left).indicator_names
            right = spec.construct(i.right).indicator_names
            out[i.name] = tuple(f"{a}*{b}" for a in left for b in right)
    return out


def product_columns(left: npt.ArrayLike, right: npt.ArrayLike) -> FloatArray:
    """Every product of a column of ``left`` with a column of ``right``, left varying slowest.

    Parameters
    ----------
    left, right
        ``(..., n, k_l)`` and ``(..., n, k_r)``.

    Returns
    -------
    numpy.ndarray
        ``(..., n, k_l * k_r)``.

    >>> product_columns([[1.0, 2.0]], [[3.0, 4.0]])
    array([[3., 4., 6., 8.]])
    """
    a = np.asarray(left, dtype=np.float64)
    b = np.asarray(right, dtype=np.float64)
    prod = a[..., :, None] * b[..., None, :]
    out: FloatArray = prod.reshape(*prod.shape[:-2], a.shape[-1] * b.shape[-1])
    return out


def orthogonalize(products: npt.ArrayLike, predictors: npt.ArrayLike) -> FloatArray:
    """Residuals of each product after its OLS regression (with intercept) on ``predictors``.

    Parameters
    ----------
    products
        ``(..., n, k)`` product indicators.
    predictors
        ``(..., n, q)`` the indicators of both constructs (any centring and scaling: the
        residuals of a regression with intercept do not depend on it).

    Returns
    -------
    numpy.ndarray
        ``(..., n, k)`` residuals (mean 0, uncorrelated with every predictor).

    >>> x = np.array([[1.0], [2.0], [3.0], [4.0]])
    >>> orthogonalize(x**2, x).round(6).ravel()
    array([ 1., -1., -1.,  1.])
    """
    y = np.asarray(products, dtype=np.float64)
    x = np.asarray(predictors, dtype=np.float64)
    yc = y - y.mean(axis=-2, keepdims=True)
    xc = x - x.mean(axis=-2, keepdims=True)
    xt = np.swapaxes(xc, -1, -2)
    beta = np.linalg.solve(xt @ xc, xt @ yc)
    out: FloatArray = yc - xc @ beta
    return out
