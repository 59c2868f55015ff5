"""Higher-order constructs in PLS: the three approaches and what they report.

A higher-order construct (HOC) is made of lower-order constructs (LOCs, its *dimensions*):
``RQ: {dimensions: [Trust, Commitment, Satisfaction]}``.  PLS estimates it in one of three ways
(Sarstedt et al. 2019 compare them; ``hoc=`` of :func:`sem_csat.fit`):

``"two-stage"`` (default; the *disjoint* two-stage approach, as seminr's ``higher_composite``)
    Stage 1 estimates the model without the HOC, its dimensions taking its place in the paths
    (every antecedent of the HOC points at every dimension, every dimension at every outcome of
    the HOC).  Stage 2 uses the stage-1 scores of the dimensions as the indicators of the HOC
    and estimates the model with the HOC; the dimensions themselves leave the model unless a
    path of their own uses them.
``"embedded"`` (the embedded two-stage approach, Ringle et al. 2012)
    Stage 1 is the repeated-indicators model below; its scores of the dimensions become the
    indicators of the HOC in stage 2, as in the disjoint approach.
``"repeated"`` (the repeated-indicators approach, Lohmöller 1989; Becker et al. 2012)
    One model in which the HOC is measured by all the indicators of its dimensions again and
    is linked to its dimensions by paths: HOC → dimension when the HOC is reflective (the
    paths are its loadings), dimension → HOC when it is formative (the paths are its weights).

The HOC is estimated in Mode A when the spec declares it reflective and in Mode B when it
declares it formative, in all three approaches (Sarstedt et al. 2019, p. 202).

Whatever the approach, the result reports the relation of the HOC with each dimension as a row
of ``outer`` (construct = the HOC, indicator = the dimension): ``loading`` is the correlation of
the HOC's scores with the dimension's scores (PLSc: the consistent loading of the second stage,
or for repeated indicators the disattenuated correlation), ``weight`` the coefficient of the
dimension in the regression of the HOC's scores on the scores of all its dimensions, which in
the two-stage approaches is exactly the stage-2 outer weight.  In the repeated-indicators
approach the HOC is a composite of the items, which its dimensions explain almost but not
exactly; for a formative HOC without antecedents these weights are its paths dimension → HOC.

References
----------
.. [1] Sarstedt, M., Hair, J. F., Cheah, J.-H., Becker, J.-M., & Ringle, C. M. (2019). How to
   specify, estimate, and validate higher-order constructs in PLS-SEM. *Australasian
   Marketing Journal*, 27(3), 197–211.
.. [2] Becker, J.-M., Klein, K., & Wetzels, M. (2012). Hierarchical latent variable models in
   PLS-SEM: Guidelines for using reflective-formative type models. *Long Range Planning*,
   45(5–6), 359–394.
.. [3] Ringle, C. M., Sarstedt, M., & Straub, D. W. (2012). A critical look at the use of
   PLS-SEM in MIS Quarterly. *MIS Quarterly*, 36(1), iii–xiv.
.. [4] Lohmöller, J.-B. (1989). *Latent Variable Path Modeling with Partial Least Squares*.
   Heidelberg: Physica.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
import pandas as pd

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import SpecError, SpecWarning
from sem_csat.spec.model import ModelSpec

if TYPE_CHECKING:
    from sem_csat.pls.results import PLSResult

__all__ = [
    "HOC_METHODS",
    "HocMethod",
    "check_higher_order",
    "construct_items",
    "dimension_links",
    "first_order_spec",
    "first_stage_edges",
    "hoc_diagnostics",
    "hoc_quality",
]

HocMethod = Literal["two-stage", "embedded", "repeated"]
#: Approaches to higher-order constructs (``hoc=``), the default first.
HOC_METHODS: Final[tuple[HocMethod, ...]] = ("two-stage", "embedded", "repeated")


def check_higher_order(spec: ModelSpec) -> None:
    """Refuse what PLS cannot estimate about higher-order constructs, one sentence each.

    The spec itself already refuses a HOC with one dimension, a dimension shared by two HOCs
    and a cycle through dimensions (:mod:`sem_csat.spec.validation`).  PLS also refuses a
    dimension that is itself higher-order (a third-order model) and a HOC with a fixed loading
    or weight on a dimension.
    """
    for c in spec.constructs:
        for d in c.dimensions:
            if spec.construct(d.name).is_higher_order:
                raise SpecError(
                    f"Dimension '{d.name}' of the higher-order construct '{c.name}' is itself a "
                    "higher-order construct; PLS in sem_csat estimates second-order models "
                    f"only, so estimate '{d.name}' first and use its scores as a construct "
                    "with indicators, or fit the model by CB-SEM (method='ml')."
                )


def construct_items(spec: ModelSpec, name: str) -> tuple[str, ...]:
    """The survey items behind construct ``name``: its indicators, or for a higher-order
    construct the indicators of its dimensions, in order.

    >>> spec = ModelSpec.from_yaml('''
    ... name: m
    ... constructs:
    ...   A: {indicators: [a1, a2]}
    ...   B: {indicators: [b1, b2]}
    ...   H: {dimensions: [A, B]}
    ...   Y: {indicators: [y1, y2]}
    ... paths: [H -> Y]
    ... ''')
    >>> construct_items(spec, "H")
    ('a1', 'a2', 'b1', 'b2')
    """
    c = spec.construct(name)
    if not c.is_higher_order:
        return c.indicator_names
    return tuple(i for d in c.dimension_names for i in construct_items(spec, d))


def dimension_links(spec: ModelSpec) -> list[tuple[str, str]]:
    """The links between higher-order constructs and their dimensions as paths: HOC ->
    dimension when the HOC is reflective, dimension -> HOC when it is formative."""
    return [
        (c.name, d) if c.mode == "reflective" else (d, c.name)
        for c in spec.constructs
        for d in c.dimension_names
    ]


def first_stage_edges(spec: ModelSpec, method: HocMethod) -> list[tuple[str, str]]:
    """Paths of the first stage of a two-stage approach (interaction terms left out).

    ``"two-stage"``: every path that touches a HOC is re-drawn to each of its dimensions;
    ``"embedded"``: the paths of the spec plus :func:`dimension_links`.
    """
    inter = set(spec.interaction_names)
    paths = [(p.source, p.target) for p in spec.paths if p.source not in inter]
    if method == "embedded":
        return list(dict.fromkeys([*paths, *dimension_links(spec)]))
    hoc = set(spec.higher_order)

    def ends(name: str) -> tuple[str, ...]:
        return spec.dimensions_of(name) if name in hoc else (name,)

    edges = [(s, t) for a, b in paths for s in ends(a) for t in ends(b)]
    return list(dict.fromkeys(edges))


def first_order_spec(spec: ModelSpec) -> ModelSpec:
    """``spec`` without its higher-order constructs and interaction terms (and the paths and
    covariances that use them): the constructs measured by items, for the measurement-quality
    report."""
    hoc = set(spec.higher_order)
    drop = hoc | set(spec.interaction_names)
    return dataclasses.replace(
        spec,
        constructs=tuple(c for c in spec.constructs if c.name not in hoc),
        paths=tuple(p for p in spec.paths if p.source not in drop and p.target not in drop),
        covariances=tuple(v for v in spec.covariances if not {v.left, v.right} & drop),
        interactions=(),
    )


def hoc_diagnostics(spec: ModelSpec, method: HocMethod) -> tuple[Diagnostic, ...]:
    """Known weaknesses of the chosen approach for this spec, as notes."""
    out: list[Diagnostic] = []
    if method == "repeated":
        formative = [
            c.name
            for c in spec.constructs
            if c.is_higher_order and c.mode == "formative" and spec.predecessors(c.name)
        ]
        if formative:
            out.append(
                Diagnostic(
                    "warning",
                    "hoc_repeated_formative_antecedents",
                    f"The formative higher-order construct(s) {', '.join(formative)} have "
                    "antecedents, and with repeated indicators their dimensions explain them "
                    "almost completely (R² near 1), so the paths from the antecedents are close "
                    "to zero whatever their true effect (Becker et al. 2012; Sarstedt et al. "
                    "2019). Use hoc='two-stage' or hoc='embedded' for such a model.",
                    SpecWarning,
                )
            )
    return tuple(out)


#: Columns of :func:`hoc_quality`.
HOC_QUALITY_COLUMNS: Final = (
    "construct",
    "mode",
    "n_dimensions",
    "alpha",
    "rho_a",
    "rho_c",
    "ave",
    "max_vif",
)


def hoc_quality(result: PLSResult) -> pd.DataFrame:
    """Reliability and validity of every higher-order construct, from its dimensions.

    One row per higher-order construct (:data:`HOC_QUALITY_COLUMNS`).  As Sarstedt et al.
    (2019) recommend, the dimensions are treated as the indicators of the higher-order
    construct: a reflective one is judged by Cronbach's α of the dimensions' scores (on their
    correlations, i.e. standardized), ρ_A (:func:`sem_csat.measurement.rho_a` of its weights on
    the dimensions' correlations), ρ_c and the AVE of its loadings on the dimensions (``outer``;
    PLSc: consistent); a formative one by the VIF of its dimensions (``max_vif``; Hair et al.
    flag values above 5, better 3) and the significance of its weights (bootstrap, in
    ``outer``/``params``).  The dimensions themselves are first-order constructs and appear in
    the measurement-quality report with their items.
    """
    from sem_csat.measurement import (
        average_variance_extracted,
        composite_reliability,
        rho_a,
        standardized_alpha,
        variance_inflation,
    )

    spec = result.spec
    outer = result.outer.set_index(["construct", "indicator"])
    corr = np.asarray(result.pls_estimate.construct_corr)
    nodes = list(result.nodes)
    rows = []
    for c in spec.constructs:
        if not c.is_higher_order:
            continue
        dims = list(c.dimension_names)
        k = [nodes.index(d) for d in dims]
        s = corr[np.ix_(k, k)]
        lam = np.array([outer.loc[(c.name, d), "loading"] for d in dims], dtype=np.float64)
        w = np.array([outer.loc[(c.name, d), "weight"] for d in dims], dtype=np.float64)
        reflective = c.mode == "reflective"
        rows.append(
            {
                "construct": c.name,
                "mode": c.mode,
                "n_dimensions": len(dims),
                "alpha": float(standardized_alpha(s)) if reflective else np.nan,
                "rho_a": float(rho_a(w, s)) if reflective else np.nan,
                "rho_c": float(composite_reliability(lam)) if reflective else np.nan,
                "ave": float(average_variance_extracted(lam)) if reflective else np.nan,
                "max_vif": float(np.max(variance_inflation(s))),
            }
        )
    return pd.DataFrame(rows, columns=list(HOC_QUALITY_COLUMNS))
