"""Bridge from the table-based pipeline to the result objects of the earlier engine.

:class:`~sem_csat.cbsem.results.CBSEMResult`, the post-fit checks and the bootstrap
(:mod:`sem_csat.cbsem.bootstrap`) still read a :class:`~sem_csat.cbsem.estimation.CBSEMEstimate`
and a :class:`~sem_csat.cbsem.estimation.ModelStructure`.  This module makes both from a
:class:`~sem_csat.cbsem.pipeline.CBSEMFit`, so that every method runs on the pipeline while
those consumers are ported.  It goes away with them (see ``CBSEM_PIPELINE.md``).  Fits with a
mean structure or thresholds (FIML, ordinal items) have no old structure (``None``).

The free vector θ of the old structure is the pipeline's z (one value per equality class);
the pipeline's x = Kz must therefore be a selection (shared labels only), which holds as long
as specs cannot state general ``==`` constraints.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import norm

from sem_csat.cbsem.estimate import Reparam
from sem_csat.cbsem.estimation import (
    MATRICES,
    TABLE_COLUMNS,
    CBSEMEstimate,
    ModelStructure,
    Parameter,
    Position,
)
from sem_csat.cbsem.lisrel import LisrelModel
from sem_csat.cbsem.pipeline import CBSEMFit
from sem_csat.errors import EstimationError

__all__ = ["structure_of", "to_estimate"]

_Z975 = float(norm.ppf(0.975))


def structure_of(fit: CBSEMFit) -> ModelStructure:
    """The old :class:`ModelStructure` of a one-group fit, with θ = z.

    Raises
    ------
    EstimationError
        When the equality constraints are not a selection (general ``==`` constraints) or
        the fit has several groups.
    """
    table = fit.table
    if table.n_blocks != 1:
        raise EstimationError("The earlier engine's structure holds one group only.")
    reparam = fit.reparam if fit.reparam is not None else Reparam.from_table(table)
    k = reparam.k
    if k is not None and (np.any(reparam.x0 != 0) or not np.all(np.isin(k, (0.0, 1.0)))):
        raise EstimationError(
            "This model has general equality constraints, which the earlier engine's "
            "structure cannot hold."
        )
    column = np.arange(table.n_free) if k is None else np.argmax(k, axis=1)
    model = fit.model if fit.model is not None else LisrelModel(table)
    block = model.blocks[0]
    templates = {name: block.templates[name].copy() for name in MATRICES}
    positions: dict[int, list[Position]] = {}
    first_row: dict[int, int] = {}
    params: list[Parameter] = []
    for i, (mat, free) in enumerate(zip(table.mat, table.free, strict=True)):
        if not mat or mat not in MATRICES:
            continue
        r, c = (int(v) for v in table.index[i])
        pos = Position(mat, r, c)
        if free > 0:
            j = int(column[free - 1])
            positions.setdefault(j, []).append(pos)
            first_row.setdefault(j, i)
        else:
            value = float(table.ustart[i]) if math.isfinite(table.ustart[i]) else 0.0
            params.append(Parameter(f".p{i + 1}.", table.label[i], (pos,), None, value))
    z = fit.optim.z
    for j in sorted(positions):
        i = first_row[j]
        params.append(Parameter(f".p{i + 1}.", table.label[i], tuple(positions[j]), j, float(z[j])))
    params.sort(key=lambda p: (p.index is None, p.index if p.index is not None else 0))
    lv = table.lv_names[0]
    return ModelStructure(
        observed=table.ov_names[0],
        inner=lv,
        latent=lv,
        templates=templates,
        parameters=tuple(params),
        start=np.asarray(z, dtype=np.float64).copy(),
    )


def _old_table(fit: CBSEMFit) -> pd.DataFrame:
    """The earlier engine's table (:data:`TABLE_COLUMNS`), from the arrays of the fit."""
    table = fit.table
    keep = np.array([op != "==" for op in table.op])  # constraints are not parameters
    est = table.rows["est"].to_numpy(dtype=np.float64)[keep]
    se = table.rows["se"].to_numpy(dtype=np.float64)[keep]
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, est / se, np.nan)
    return pd.DataFrame(
        {
            "lhs": [v for v, k in zip(table.lhs, keep, strict=True) if k],
            "op": [v for v, k in zip(table.op, keep, strict=True) if k],
            "rhs": [v for v, k in zip(table.rhs, keep, strict=True) if k],
            "label": [v for v, k in zip(table.label, keep, strict=True) if k],
            "estimate": est,
            "std_error": se,
            "z_value": z,
            "p_value": 2.0 * norm.sf(np.abs(z)),
            "ci_lower": est - _Z975 * se,
            "ci_upper": est + _Z975 * se,
            "std_all": fit.std_all[keep],
        },
        columns=list(TABLE_COLUMNS),
    )


def to_estimate(fit: CBSEMFit) -> CBSEMEstimate:
    """The pipeline's fit as the old :class:`CBSEMEstimate` (θ = z, F without lavaan's ½)."""
    # the old structure holds neither a mean structure nor thresholds (FIML, ordinal items)
    structure: ModelStructure | None = None
    if not any(mat in ("nu", "alpha", "tau") for mat in fit.table.mat):
        try:
            structure = structure_of(fit)
        except EstimationError:
            structure = None
    estimator = fit.options.estimator
    n = fit.n_obs
    n_stat = n if estimator == "ML" else n - 1
    stat = 2.0 * n * fit.fmin
    return CBSEMEstimate(
        table=_old_table(fit),
        sigma=fit.implied_cov(0),
        sample_cov=fit.sample_cov(0),
        n_obs=n,
        n_free=fit.npar,
        df=fit.df,
        estimator=estimator,  # type: ignore[arg-type]
        fmin=stat / n_stat,
        theta=np.asarray(fit.optim.z, dtype=np.float64).copy(),
        vcov=fit.vcov.z if fit.vcov.z.size else np.full((fit.npar, fit.npar), np.nan),
        iterations=int(sum(r.iterations for r in fit.runs)),
        converged=fit.converged,
        gradient_norm=fit.optim.gradient_max,
        information_singular=bool(fit.converged and fit.vcov.singular),
        structure=structure,
        pipeline=fit,
    )
