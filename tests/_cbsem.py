"""Fitting helpers for the CB-SEM tests: the table-based pipeline, as raw data or moments.

``fit_estimate`` returns the :class:`~sem_csat.cbsem.estimation.CBSEMEstimate` shape that the
post-fit checks read (through :mod:`sem_csat.cbsem.legacy`), ``fit_pipeline`` the pipeline's
own :class:`~sem_csat.cbsem.pipeline.CBSEMFit`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sem_csat.cbsem.estimation import CBSEMEstimate
from sem_csat.cbsem.legacy import to_estimate
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


def fit_estimate(
    spec: ModelSpec, data: pd.DataFrame | None = None, **kwargs: object
) -> CBSEMEstimate:
    """:func:`fit_pipeline` as the estimate the result class and the checks read."""
    return to_estimate(fit_pipeline(spec, data, **kwargs))  # type: ignore[arg-type]
