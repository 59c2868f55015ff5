"""Interaction terms for covariance-based SEM: the model and data that estimate them.

A covariance-based engine fits a covariance matrix, and a product of two latent variables has
no place in it.  The two approaches here turn a spec with interaction terms and its data into a
spec *without* them and data with new columns, which :func:`sem_csat.fit` then estimates by ML,
MLR, GLS or ULS like any model; each interaction term becomes a construct of the same name, so
its path keeps ``from`` = the term's name.

``"product-indicator"`` (default; double-mean-centring, Lin et al. 2010)
    Every indicator of the two constructs is centred at its mean, the indicators are multiplied
    in matched pairs (the first indicator of one construct with the first of the other, and so
    on, as many pairs as the smaller block has indicators; Marsh, Wen & Hau 2004), and each
    product is centred again.  The term is a reflective construct measured by these products,
    with free loadings and free covariances with the other exogenous constructs (the
    unconstrained approach).  Double-mean-centring makes a mean structure unnecessary.
    **What it assumes:** the products are treated like any indicator, with normal errors; they
    are not normal even when the items are, so ML's standard errors and χ² are approximate —
    prefer ``method="mlr"`` — and the interaction's variance and covariances are estimated
    freely rather than derived from the main effects.
``"composite"``
    The indicators of each construct are averaged (unit weights), the two averages are centred
    and multiplied, the product is centred again and measures the term as its single indicator
    (``<term>_product``, residual variance 0).  **What it assumes:** the product of the
    composites is measured without error, so the interaction's coefficient is attenuated by the
    unreliability of both composites, while the main effects are latent.

Latent moderated structural equations (LMS; Klein & Moosbrugger 2000) and quasi-ML need a
likelihood for nonlinear latent models that sem_csat does not have; ``interaction="lms"`` is
refused with a sentence that says so.

References
----------
.. [1] Lin, G.-C., Wen, Z., Marsh, H. W., & Lin, H.-S. (2010). Structural equation models of
   latent interactions: Clarification of orthogonalizing and double-mean-centering strategies.
   *Structural Equation Modeling*, 17(3), 374–391.
.. [2] Marsh, H. W., Wen, Z., & Hau, K.-T. (2004). Structural equation models of latent
   interactions: Evaluation of alternative estimation strategies and indicator construction.
   *Psychological Methods*, 9(3), 275–300.
.. [3] Klein, A., & Moosbrugger, H. (2000). Maximum likelihood estimation of latent interaction
   effects with the LMS method. *Psychometrika*, 65(4), 457–474.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Final

import numpy as np
import pandas as pd

from sem_csat.data import PreparedData, RawData, prepare_data
from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import EstimationError
from sem_csat.spec.model import Construct, Indicator, ModelSpec

__all__ = ["CBSEM_INTERACTIONS", "ProductTermModel", "product_term_model"]

#: How a covariance-based fit builds interaction terms (``interaction=``), the default first.
CBSEM_INTERACTIONS: Final = ("product-indicator", "composite")


@dataclasses.dataclass(frozen=True, eq=False)
class ProductTermModel:
    """A spec without interaction terms, its data and what the transformation assumes.

    Attributes
    ----------
    spec
        Each interaction term replaced by a reflective construct of the same name, measured
        by the new columns.
    data
        The prepared answers (missing values handled, reverse-coded items recoded) with the new
        columns.
    diagnostics
        The preparation's findings and a note on the approach and its assumptions.
    """

    spec: ModelSpec
    data: pd.DataFrame
    diagnostics: tuple[Diagnostic, ...]


def _centred(x: pd.Series) -> pd.Series:
    return x - x.mean()


def product_term_model(
    spec: ModelSpec,
    data: pd.DataFrame | RawData | PreparedData,
    *,
    interaction: str = "product-indicator",
    missing: str = "listwise",
    na_values: tuple[float | str, ...] = (),
) -> ProductTermModel:
    """Turn the interaction terms of ``spec`` into constructs measured by new columns.

    Parameters
    ----------
    spec
        A model with interaction terms.
    data
        The survey answers.
    interaction
        ``"product-indicator"`` (double-mean-centred matched pairs) or ``"composite"``
        (product of centred unit-weighted composites); see the module notes.
    missing, na_values
        As :func:`sem_csat.data.prepare_data` (listwise or mean replacement; products need
        every answer, so FIML is refused).

    Returns
    -------
    ProductTermModel

    Raises
    ------
    EstimationError
        An unknown or unsupported approach (``"lms"``), FIML, or a higher-order construct in a
        term.
    """
    if interaction == "lms":
        raise EstimationError(
            "Latent moderated structural equations (LMS) are not available in sem_csat: they "
            "need a likelihood for nonlinear latent models; use interaction='product-indicator' "
            "(double-mean-centred product indicators) or 'composite', or estimate the model by "
            "PLS (method='pls')."
        )
    if interaction not in CBSEM_INTERACTIONS:
        raise EstimationError(
            f"A covariance-based fit builds interaction terms by 'product-indicator' "
            f"(double-mean-centred product indicators, the default) or 'composite' (observed "
            f"composites), not {interaction!r}; the two-stage and orthogonal approaches are PLS's "
            "(method='pls')."
        )
    if missing == "fiml":
        raise EstimationError(
            "FIML cannot be used with interaction terms: their product indicators need every "
            "answer of the two constructs; use missing='listwise' or 'mean'."
        )
    for i in spec.interactions:
        for end in i.constructs:
            if spec.construct(end).is_higher_order:
                raise EstimationError(
                    f"The interaction '{i.name}' uses the higher-order construct '{end}', which "
                    "has no survey items to multiply in a covariance-based model; estimate the "
                    "model by PLS (method='pls'), which multiplies construct scores."
                )
    prepared = (
        data
        if isinstance(data, PreparedData)
        else prepare_data(spec, data, missing=missing, na_values=na_values)  # type: ignore[arg-type]
    )
    frame = prepared.frame.loc[:, list(spec.indicator_names)].reset_index(drop=True)
    columns: dict[str, pd.Series] = {}
    new: list[Construct] = []
    for i in spec.interactions:
        left = list(spec.construct(i.left).indicator_names)
        right = list(spec.construct(i.right).indicator_names)
        if interaction == "composite":
            name = f"{i.name}_product"
            product = _centred(frame[left].mean(axis=1)) * _centred(frame[right].mean(axis=1))
            columns[name] = _centred(product)
            names = [name]
        else:
            names = []
            for a, b in zip(left, right, strict=False):  # matched pairs
                name = f"{a}_x_{b}"
                columns[name] = _centred(_centred(frame[a]) * _centred(frame[b]))
                names.append(name)
        values = pd.concat([columns[n] for n in names], axis=1).to_numpy()
        scale = (math.floor(float(np.min(values))) - 1, math.ceil(float(np.max(values))) + 1)
        new.append(
            Construct(
                i.name,
                indicators=tuple(Indicator(n) for n in names),
                label=f"{spec.construct(i.left).display} × {spec.construct(i.right).display}",
                scale=scale,
            )
        )
    constructs = [dataclasses.replace(c, reverse=()) for c in spec.constructs]  # recoded
    model = dataclasses.replace(spec, constructs=(*constructs, *new), interactions=())
    out = pd.concat([frame, pd.DataFrame(columns)], axis=1)
    note = Diagnostic(
        "info",
        f"interaction_{interaction.replace('-', '_')}",
        _NOTES[interaction].format(terms=", ".join(spec.interaction_names)),
    )
    return ProductTermModel(model, out, (*prepared.diagnostics, note))


_NOTES: Final = {
    "product-indicator": (
        "The interaction term(s) {terms} are latent constructs measured by double-mean-centred "
        "products of matched pairs of indicators (Lin et al. 2010; Marsh, Wen & Hau 2004). The "
        "products are not normally distributed even when the items are, so maximum-likelihood "
        "standard errors and chi-square are approximate (prefer method='mlr'), and the term's "
        "variance and covariances are estimated freely (the unconstrained approach)."
    ),
    "composite": (
        "The interaction term(s) {terms} are the centred products of unit-weighted composites "
        "(item means), entered as single indicators measured without error: the interaction "
        "coefficient is attenuated by the unreliability of both composites, unlike the latent "
        "main effects; interaction='product-indicator' corrects for measurement error."
    ),
}
