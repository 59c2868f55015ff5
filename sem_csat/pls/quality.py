"""What a PLS fit hands to the measurement-quality report: :func:`model_measures`.

The report (:mod:`sem_csat.measurement.report`) works on arrays and tables only; this module
fills its :class:`~sem_csat.measurement.ModelMeasures` from a PLS or PLSc result: the outer
loadings, the construct correlations (disattenuated for PLSc), the cross-loadings, the
correlations of the construct scores (for the full collinearity VIF), Dijkstra–Henseler's ρ_A
of every reflective multi-item block (:func:`sem_csat.measurement.rho_a` of the fit's own
weights on the item correlations) and, for formative blocks, the weights with their bootstrap
p values and intervals when the result was bootstrapped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sem_csat.measurement import ModelMeasures, rho_a

if TYPE_CHECKING:
    from sem_csat.pls.results import PLSResult

__all__ = ["model_measures", "rho_a_values"]


def rho_a_values(result: PLSResult) -> pd.Series:
    """ρ_A of every construct of a PLS fit (NaN for formative and single-item constructs).

    The weights are the PLS weights of the fit (for PLSc: before the correction), the items'
    matrix the correlation matrix they were estimated on, so for PLSc this is the ρ_A the
    correction used and for PLS the one SmartPLS reports for the same inner scheme.
    """
    weights = np.asarray(result.pls_estimate.weights, dtype=np.float64)
    corr = result.item_corr
    pos = {name: k for k, name in enumerate(result.indicators)}
    values: dict[str, float] = {}
    for c in result.quality_spec.constructs:
        j = result.nodes.index(c.name)
        k = [pos[i] for i in c.indicator_names]
        if c.mode != "reflective" or len(k) < 2:
            values[c.name] = float("nan")
            continue
        values[c.name] = float(rho_a(weights[k, j], corr[np.ix_(k, k)]))
    return pd.Series(values, name="rho_a")


def model_measures(result: PLSResult) -> ModelMeasures:
    """The model-based inputs of the quality report of a PLS or PLSc fit."""
    est = result.pls_estimate
    spec = result.quality_spec
    names = list(spec.construct_names)
    items = list(spec.indicator_names)
    outer = result.outer
    outer = outer[outer["construct"].isin(names)]
    weights = outer.loc[:, ["construct", "indicator", "weight"]]
    if result.boot is not None:
        b = result.boot.weights.loc[
            :, ["construct", "indicator", "p_value", "ci_lower", "ci_upper"]
        ]
        weights = weights.merge(b, on=["construct", "indicator"], how="left")
    nodes = list(result.nodes)
    score_corr = pd.DataFrame(np.asarray(est.construct_corr), index=nodes, columns=nodes)
    return ModelMeasures(
        method=result.method,
        loadings=pd.Series(outer["loading"].to_numpy(), index=outer["indicator"].to_numpy()),
        construct_corr=result.construct_correlations.loc[names, names],
        cross_loadings=result.cross_loadings.loc[items, names].rename_axis("indicator"),
        score_corr=score_corr.loc[names, names],
        rho_a=rho_a_values(result),
        weights=weights,
    )
