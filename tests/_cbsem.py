"""Fitting helper for the CB-SEM tests: the table-based pipeline, on raw data or moments.

``fit_pipeline`` returns the pipeline's :class:`~sem_csat.cbsem.pipeline.CBSEMFit`, the object
that the post-fit checks and :class:`~sem_csat.cbsem.results.CBSEMResult` read.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sem_csat.cbsem.pipeline import CBSEMFit, Options, fit_data, fit_moments
from sem_csat.spec import ModelSpec


def fit_pipeline(
    spec: ModelSpec,
    data: pd.DataFrame | None = None,
    *,
    cov: pd.DataFrame | None = None,
    cor: pd.DataFrame | None = None,
    sds: Mapping[str, float] | pd.Series | None = None,
    n_obs: int | None = None,
    estimator: str = "ML",
    std_lv: bool = False,
    rescale: bool | None = None,
) -> CBSEMFit:
    """Fit raw data, a covariance matrix, or a correlation matrix with SDs (cov = D R D)."""
    options = Options(estimator=estimator, std_lv=std_lv)
    if data is not None:
        return fit_data(spec, data, options)
    if cor is not None:
        sd = pd.Series(sds, dtype=float).reindex(cor.index)
        cov = cor * np.outer(sd, sd)
    if cov is None or n_obs is None:
        raise ValueError("give data, or cov (or cor with sds) with n_obs")
    return fit_moments(spec, cov, n_obs, options, rescale=rescale)
