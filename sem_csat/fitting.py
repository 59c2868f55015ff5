"""One entry point for every estimation method: :func:`fit`.

``fit(spec, data, method=...)`` checks the method name, loads a spec given by name or file and
dispatches to the engine.  Later methods (CB-SEM estimators, PLSc) plug in here, so that the
command line, notebooks and scripts share one path from spec and data to a result.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sem_csat.data import PreparedData, RawData, read_data
from sem_csat.errors import EstimationError
from sem_csat.pls.results import PLSResult

if TYPE_CHECKING:
    from sem_csat.cbsem.results import CBSEMResult
from sem_csat.spec.model import ModelSpec, did_you_mean

__all__ = ["METHODS", "fit"]

#: Estimation methods and what they are.
METHODS: dict[str, str] = {
    "pls": "PLS path modeling (Wold/Lohmöller; Mode A reflective, Mode B formative)",
    "plsc": "consistent PLS (Dijkstra-Henseler): reflective constructs corrected for attenuation",
    "ml": "covariance-based SEM, maximum likelihood (lavaan's conventions)",
    "mlr": "covariance-based SEM, ML with robust SEs and the Yuan-Bentler scaled test",
    "gls": "covariance-based SEM, generalized least squares",
    "uls": "covariance-based SEM, unweighted least squares",
    "wlsmv": "covariance-based SEM for ordinal items: DWLS on polychoric correlations, WLSMV test",
    "dwls": "covariance-based SEM for ordinal items: DWLS, standard errors from the information",
}
#: Methods estimated by the covariance-based engine.
CBSEM_METHODS = ("ml", "mlr", "gls", "uls", "dwls", "wlsmv")


def fit(
    spec: ModelSpec | str | Path,
    data: pd.DataFrame | RawData | PreparedData | str | Path | None = None,
    *,
    method: str = "pls",
    cov: pd.DataFrame | str | Path | None = None,
    n_obs: int | None = None,
    sds: str | Path | None = None,
    means: str | Path | None = None,
    missing: str = "listwise",
    na_values: Sequence[float | str] = (),
    **options: Any,
) -> PLSResult | CBSEMResult:
    """Fit a model to survey data.

    Parameters
    ----------
    spec
        A :class:`~sem_csat.spec.model.ModelSpec`, the name of a bundled model (``"ecsi"``) or a
        YAML / lavaan file.
    data
        A DataFrame, a file (CSV, TSV, Excel, SPSS, Parquet) or the name of a bundled data set.
    method
        ``"pls"`` (default), ``"plsc"`` (consistent PLS), or the covariance-based estimators
        ``"ml"``, ``"gls"``, ``"uls"``.
    missing
        ``"listwise"`` (default), ``"mean"`` (PLS) or ``"fiml"`` (CB-SEM ``"ml"``/``"mlr"``).
    na_values
        Numeric codes that mean "no answer", such as ``[-99]``.
    cov, n_obs, sds, means
        Instead of ``data``: a covariance or correlation matrix (CSV file or DataFrame, full or
        lower triangle), its sample size, for a correlation matrix a CSV of standard
        deviations, and optionally the item means (see :mod:`sem_csat.data.moments`); CB-SEM
        methods only.
    **options
        Passed to the engine, e.g. ``scheme="centroid"`` for PLS.

    Returns
    -------
    PLSResult or CBSEMResult
    """
    from sem_csat.spec.library import load_spec

    if method not in METHODS:
        raise EstimationError(
            f"Unknown method {method!r}{did_you_mean(method, METHODS)}; "
            f"use one of {', '.join(METHODS)}."
        )
    model = spec if isinstance(spec, ModelSpec) else load_spec(spec)
    if cov is not None:
        ignored = [
            name
            for name, given in (("missing", missing != "listwise"), ("na_values", bool(na_values)))
            if given
        ] + sorted(set(options) - {"std_lv"})
        if ignored:
            raise EstimationError(
                f"{', '.join(ignored)} cannot be used with a covariance matrix (cov=): they "
                "concern raw answers, which a matrix does not have; leave them out."
            )
        return _fit_moments(model, method, cov, n_obs, sds, data, means, **options)
    if data is None:
        raise EstimationError("Give the survey data, or a covariance matrix with cov= and n_obs=.")
    if isinstance(data, str | Path):
        data = load_data(data, na_values=na_values)
    if method in CBSEM_METHODS:
        from sem_csat.cbsem.model import CBSEM

        unknown = sorted(set(options) - {"std_lv"})
        if unknown:
            raise EstimationError(
                f"Unknown option(s) {', '.join(unknown)} for method '{method}'; allowed: std_lv."
            )
        return CBSEM(method, **options).fit(model, data, missing=missing, na_values=na_values)
    from sem_csat.pls.model import PLS

    allowed = {"scheme", "tol", "max_iter"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise EstimationError(
            f"Unknown option(s) {', '.join(unknown)} for method '{method}'; "
            f"allowed: {', '.join(sorted(allowed))}."
        )
    estimator = PLS(method=method, **options)  # type: ignore[arg-type]
    return estimator.fit(model, data, missing=missing, na_values=na_values)  # type: ignore[arg-type]


def _fit_moments(
    model: ModelSpec,
    method: str,
    cov: pd.DataFrame | str | Path,
    n_obs: int | None,
    sds: str | Path | None,
    data: object,
    means: str | Path | None = None,
    std_lv: bool = False,
) -> CBSEMResult:
    from sem_csat.cbsem.model import CBSEM
    from sem_csat.data.moments import read_summary_statistics

    if data is not None:
        raise EstimationError("Give either the data or a covariance matrix (cov=), not both.")
    if method not in ("ml", "gls", "uls"):
        raise EstimationError(
            f"A covariance matrix can be fitted by method 'ml', 'gls' or 'uls', not by "
            f"'{method}': {'PLS' if method in ('pls', 'plsc') else method.upper()} needs the raw "
            "answers (MLR for its robust corrections, DWLS/WLSMV for the polychoric "
            "correlations)."
        )
    if n_obs is None:
        raise EstimationError("A covariance matrix needs its sample size: pass n_obs=N.")
    stats = read_summary_statistics(cov, n_obs, model, sds=sds, means=means)
    return CBSEM(method, std_lv=std_lv).fit_moments(model, stats)


def load_data(
    source: str | Path,
    *,
    na_values: Sequence[float | str] = (),
    sep: str | None = None,
    decimal: str | None = None,
    sheet: str | int | None = None,
) -> RawData:
    """Read a data file, or load a bundled data set when ``source`` is a data-set name."""
    from sem_csat import datasets

    if isinstance(source, str) and not Path(source).suffix and source in datasets.list_datasets():
        return read_data(datasets.path(source), na_values=na_values)
    return read_data(source, sep=sep, decimal=decimal, sheet=sheet, na_values=na_values)
