"""One entry point for every estimation method: :func:`fit`.

``fit(spec, data, method=...)`` loads a spec given by name or file, reads the data, checks the
method and every option against it, and dispatches to the engine.  It is the one path from spec
and data to a result: the command line, notebooks and scripts all go through it, and the
engines never see an option that does not belong to them.

With ``group="COLUMN"`` the model is fitted in every group of that column
(:func:`sem_csat.groups.fit_grouped`, PLS and PLSc) and the result is a
:class:`~sem_csat.groups.GroupResult`, which fills the same result contract; its
``bootstrap()`` compares the groups (MICOM, multi-group analysis, index comparison).  With
``method="ml"`` or ``"mlr"`` the model is fitted jointly in all groups, with the measurement
invariance ladder on request (:func:`sem_csat.groups.cbsem_fit.fit_cbsem_groups`).

When the spec declares survey metrics (its ``metrics:`` and ``servqual:`` blocks), they are
computed here too (:attr:`SEMResult.dashboard <sem_csat.contract.SEMResult.dashboard>`), so
that an answer outside an item's scale stops the run with one sentence before anything is
written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sem_csat.data import PreparedData, RawData, read_data
from sem_csat.errors import EstimationError
from sem_csat.spec.model import ModelSpec, did_you_mean

if TYPE_CHECKING:
    from sem_csat.cbsem.group_result import CBSEMGroupResult
    from sem_csat.cbsem.results import CBSEMResult
    from sem_csat.groups.result import GroupResult
    from sem_csat.pls.results import PLSResult

__all__ = [
    "CBSEM_METHODS",
    "CBSEM_OPTIONS",
    "METHODS",
    "PLS_METHODS",
    "PLS_OPTIONS",
    "fit",
    "load_data",
]

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
#: Methods estimated by the PLS engine.
PLS_METHODS = ("pls", "plsc")
#: Methods estimated by the covariance-based engine.
CBSEM_METHODS = ("ml", "mlr", "gls", "uls", "dwls", "wlsmv")
#: Methods for ordinal items (polychoric correlations).
ORDINAL_METHODS = ("dwls", "wlsmv")
#: Methods that can fit a covariance matrix instead of raw answers.
MOMENT_METHODS = ("pls", "plsc", "ml", "gls", "uls")
#: Options of the PLS engine (``**options`` of :func:`fit`).
PLS_OPTIONS = ("scheme", "tol", "max_iter", "hoc", "interaction")
#: Options of the covariance-based engine (also with a covariance matrix); ``interaction``
#: chooses how interaction terms are built (:mod:`sem_csat.product_terms`).
CBSEM_OPTIONS = ("std_lv", "interaction")
#: Covariance-based methods that fit several groups (``group=``).
CBSEM_GROUP_METHODS = ("ml", "mlr")
#: Options of a multi-group covariance-based fit (lavaan's ``group.equal``,
#: ``group.partial``; the invariance ladder).
CBSEM_GROUP_OPTIONS = ("group_equal", "group_partial", "invariance")
#: Missing-data policies by engine.
PLS_MISSING = ("listwise", "mean")
CBSEM_MISSING = ("listwise", "fiml")


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
    ordered: bool = False,
    group: str | None = None,
    levels: Sequence[str] | None = None,
    waves: bool | None = None,
    **options: Any,
) -> PLSResult | CBSEMResult | GroupResult | CBSEMGroupResult:
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
        ``"ml"``, ``"mlr"``, ``"gls"``, ``"uls"`` and, for ordinal items, ``"wlsmv"`` and
        ``"dwls"`` (:data:`METHODS`).
    missing
        ``"listwise"`` (default), ``"mean"`` (PLS) or ``"fiml"`` (CB-SEM ``"ml"``/``"mlr"``).
    na_values
        Numeric codes that mean "no answer", such as ``[-99]``.
    ordered
        Treat the items as ordinal; only with ``"wlsmv"`` or ``"dwls"``, which imply it.
    cov, n_obs, sds, means
        Instead of ``data``: a covariance or correlation matrix (CSV file or DataFrame, full or
        lower triangle), its sample size, for a correlation matrix a CSV of standard
        deviations, and optionally the item means (see :mod:`sem_csat.data.moments`);
        methods ``"pls"``, ``"plsc"``, ``"ml"``, ``"gls"`` and ``"uls"``.  PLS needs only
        the correlations (what needs the answers, such as the bootstrap and index scores, is
        then refused).
    group
        Name of a column that holds groups (customer segment, gender, survey wave): the model
        is fitted in every group (PLS and PLSc; :func:`sem_csat.groups.fit_grouped`) and the
        result is a :class:`~sem_csat.groups.GroupResult`, whose ``bootstrap()`` compares the
        groups; with ``"ml"`` or ``"mlr"`` the model is fitted jointly in all groups
        (:func:`sem_csat.groups.cbsem_fit.fit_cbsem_groups`, a
        :class:`~sem_csat.cbsem.group_result.CBSEMGroupResult`; the options ``group_equal``,
        ``group_partial`` and ``invariance`` give lavaan's ``group.equal`` and
        ``group.partial`` and the invariance ladder).
    levels
        With ``group``: the groups to compare, in order (default: every group).
    waves
        With ``group``: True when the groups are survey waves (the default is True for a
        column called ``wave``); texts then speak of waves.
    **options
        Options of the engine: ``scheme`` (``"path"``, ``"centroid"``, ``"factorial"``),
        ``tol``, ``max_iter``, ``hoc`` (higher-order constructs: ``"two-stage"``,
        ``"embedded"``, ``"repeated"``) and ``interaction`` (interaction terms:
        ``"two-stage"``, ``"product-indicator"``, ``"orthogonal"``) for PLS
        (:data:`PLS_OPTIONS`); ``std_lv`` (identify the factors by their variances, lavaan's
        ``std.lv = TRUE``) for the covariance-based methods (:data:`CBSEM_OPTIONS`).

    Returns
    -------
    PLSResult, CBSEMResult or GroupResult
        Each fills the result contract (:class:`~sem_csat.contract.SEMResult`).

    Raises
    ------
    EstimationError
        An unknown method, an option or missing-data policy the method does not have, raw-data
        options with a covariance matrix, or no data; one sentence that says what to do.
    SpecError, DataError
        From the spec and the data (and, with ``group``, from the group column: missing,
        constant, more than 20 groups, a group too small, missing values, an item constant in a
        group).
    """
    from sem_csat.spec.library import load_spec

    _check_method(method)
    _check_options(
        method, missing, ordered, options, moments=cov is not None, grouped=group is not None
    )
    _check_group(method, group, levels, waves, moments=cov is not None)
    model = spec if isinstance(spec, ModelSpec) else load_spec(spec)
    if cov is not None:
        if missing != "listwise" or na_values:
            given = [
                n for n, g in (("missing", missing != "listwise"), ("na_values", na_values)) if g
            ]
            raise EstimationError(
                f"{', '.join(given)} cannot be used with a covariance matrix (cov=): they "
                "concern raw answers, which a matrix does not have; leave them out."
            )
        return _fit_moments(model, method, cov, n_obs, sds, data, means, **options)
    if data is None:
        raise EstimationError(
            "Give the survey data (DATA: a data file or bundled data set), or a covariance "
            "matrix with cov= and n_obs= (on the command line: --cov FILE --n N)."
        )
    if isinstance(data, str | Path):
        data = load_data(data, na_values=na_values)
    result: PLSResult | CBSEMResult | GroupResult | CBSEMGroupResult
    if group is not None and method in CBSEM_METHODS:
        from sem_csat.groups.cbsem_fit import fit_cbsem_groups

        if isinstance(data, PreparedData):
            raise EstimationError(
                "group= needs the survey data with the group column; prepared data hold only "
                "the model's items. Pass the DataFrame, the file or the bundled data set."
            )
        options.pop("interaction", None)  # interaction terms: refused by the CB-SEM table
        result = fit_cbsem_groups(
            model,
            data,
            group,
            method=method,
            levels=levels,
            waves=waves,
            missing=missing,
            na_values=na_values,
            **options,
        )
    elif group is not None:
        from sem_csat.groups.result import fit_grouped

        if isinstance(data, PreparedData):
            raise EstimationError(
                "group= needs the survey data with the group column; prepared data hold only "
                "the model's items. Pass the DataFrame, the file or the bundled data set."
            )
        result = fit_grouped(
            model,
            data,
            group,
            method=method,  # type: ignore[arg-type]
            levels=levels,
            waves=waves,
            missing=missing,  # type: ignore[arg-type]
            na_values=na_values,
            **options,
        )
    elif method in CBSEM_METHODS:
        from sem_csat.cbsem.model import CBSEM

        interaction = options.pop("interaction", "product-indicator")
        if model.interactions:
            result = _fit_product_terms(
                model, data, method, interaction, missing, na_values, options
            )
        else:
            result = CBSEM(method, **options).fit(model, data, missing=missing, na_values=na_values)
    else:
        from sem_csat.pls.model import PLS

        estimator = PLS(method=method, **options)  # type: ignore[arg-type]
        result = estimator.fit(model, data, missing=missing, na_values=na_values)  # type: ignore[arg-type]
    _ = result.dashboard  # the declared survey metrics: bad answers stop the run here
    return result


def _check_group(
    method: str,
    group: object,
    levels: Sequence[str] | None,
    waves: bool | None,
    *,
    moments: bool,
) -> None:
    """Refuse, in one sentence each, group options that cannot be used."""
    if group is None:
        given = [n for n, v in (("levels", levels), ("waves", waves)) if v is not None]
        if given:
            raise EstimationError(
                f"{' and '.join(given)} {'is' if len(given) == 1 else 'are'} used with group=: "
                "name the group column too (on the command line: --group COLUMN)."
            )
        return
    if not isinstance(group, str) or not group:
        raise EstimationError(
            f"group must be the name of a column of the data (on the command line: --group "
            f"COLUMN); got {group!r}."
        )
    if moments:
        raise EstimationError(
            "A group comparison needs the respondents' answers and their group; a covariance "
            "matrix (cov=, --cov) has neither. Give the survey data with the group column."
        )
    if method in CBSEM_METHODS and method not in CBSEM_GROUP_METHODS:
        raise EstimationError(
            f"Multi-group covariance-based SEM is available with method 'ml' or 'mlr', not "
            f"'{method}'; fit the groups by ML (or MLR for robust standard errors)."
        )


def _fit_product_terms(
    model: ModelSpec,
    data: pd.DataFrame | RawData | PreparedData,
    method: str,
    interaction: str,
    missing: str,
    na_values: Sequence[float | str],
    options: dict[str, Any],
) -> CBSEMResult:
    """A covariance-based fit of a model with interaction terms (:mod:`sem_csat.product_terms`):
    the terms become constructs measured by product columns, and a note says what that
    assumes."""
    import dataclasses
    import warnings

    from sem_csat.cbsem.model import CBSEM
    from sem_csat.diagnostics import emit
    from sem_csat.product_terms import product_term_model

    built = product_term_model(
        model, data, interaction=interaction, missing=missing, na_values=tuple(na_values)
    )
    with warnings.catch_warnings():
        # the prepared answers are checked again against the new spec: its findings are those
        # of the first preparation, kept in built.diagnostics
        warnings.simplefilter("ignore")
        result = CBSEM(method, **options).fit(built.spec, built.data)
    emit([d for d in result.diagnostics if d.severity != "info"], stacklevel=4)
    return dataclasses.replace(result, diagnostics=(*built.diagnostics, *result.diagnostics))


def _check_method(method: object) -> None:
    if not isinstance(method, str) or method not in METHODS:
        raise EstimationError(
            f"Unknown method {method!r}{did_you_mean(str(method), METHODS)}; "
            f"use one of {', '.join(METHODS)}."
        )


def _check_options(
    method: str,
    missing: str,
    ordered: bool,
    options: dict[str, Any],
    *,
    moments: bool,
    grouped: bool = False,
) -> None:
    """Refuse, in one sentence each, what ``method`` cannot do (before any data are read)."""
    pls = method in PLS_METHODS
    if moments and method not in MOMENT_METHODS:
        needs = {
            "mlr": "MLR needs them for its robust corrections",
            "dwls": "DWLS needs them for the polychoric correlations",
            "wlsmv": "WLSMV needs them for the polychoric correlations",
        }.get(method, f"{'PLS' if pls else method.upper()} estimates from them")
        raise EstimationError(
            f"A covariance matrix can be fitted by PLS ('pls', 'plsc') and by the "
            f"covariance-based methods 'ml', 'gls' and 'uls', not by '{method}': the raw "
            f"answers are needed ({needs})."
        )
    if ordered and method not in ORDINAL_METHODS:
        raise EstimationError(
            f"ordered=True (--ordered) treats the items as ordinal, which needs method 'wlsmv' "
            f"or 'dwls' (not '{method}')."
        )
    allowed_missing = PLS_MISSING if pls else CBSEM_MISSING
    if not moments and missing not in allowed_missing:
        if missing == "fiml":
            hint = (
                "missing='fiml' is full-information maximum likelihood, a covariance-based "
                "method: use it with method 'ml' or 'mlr'; for PLS use 'listwise' or 'mean'."
            )
        elif missing == "mean":
            hint = (
                f"missing='mean' (item-mean replacement) is for PLS, not for method '{method}'; "
                "use 'listwise', or 'fiml' (full-information ML, with method 'ml' or 'mlr')."
            )
        else:
            hint = (
                f"missing={missing!r} is not a missing-data policy of method '{method}'; use "
                f"{' or '.join(repr(m) for m in allowed_missing)}."
            )
        raise EstimationError(hint)
    if missing == "fiml" and method not in ("ml", "mlr"):
        raise EstimationError(
            f"FIML is maximum likelihood: use missing='fiml' with method 'ml' or 'mlr', not "
            f"'{method}'."
        )
    own_options, other_options = (
        (PLS_OPTIONS, CBSEM_OPTIONS) if pls else (CBSEM_OPTIONS, PLS_OPTIONS)
    )
    given_group = sorted(set(options) & set(CBSEM_GROUP_OPTIONS))
    if given_group and not (grouped and method in CBSEM_GROUP_METHODS):
        raise EstimationError(
            f"{', '.join(given_group)} compare{'s' if len(given_group) == 1 else ''} groups in "
            "a covariance-based model: use with method 'ml' or 'mlr' and group=COLUMN "
            "(on the command line: --group COLUMN)."
        )
    if grouped and method in CBSEM_GROUP_METHODS:
        own_options = (*CBSEM_OPTIONS, *CBSEM_GROUP_OPTIONS)
    unknown = sorted(set(options) - set(own_options))
    if unknown:
        other = [o for o in unknown if o in other_options and o not in own_options]
        if other:
            engine = "covariance-based SEM" if pls else "PLS (method 'pls' or 'plsc')"
            raise EstimationError(
                f"{', '.join(other)} {'is an option' if len(other) == 1 else 'are options'} "
                f"of {engine}, not of method '{method}'; leave "
                f"{'it' if len(other) == 1 else 'them'} out."
            )
        raise EstimationError(
            f"Unknown option(s) {', '.join(unknown)} for method '{method}'; allowed: "
            f"{', '.join(own_options)}."
        )


def _fit_moments(
    model: ModelSpec,
    method: str,
    cov: pd.DataFrame | str | Path,
    n_obs: int | None,
    sds: str | Path | None,
    data: object,
    means: str | Path | None = None,
    **options: Any,
) -> PLSResult | CBSEMResult:
    from sem_csat.data.moments import read_summary_statistics

    if data is not None:
        raise EstimationError(
            "Give either the data or a covariance matrix (cov=, --cov), not both."
        )
    if n_obs is None:
        raise EstimationError(
            "A covariance matrix needs its sample size: pass n_obs=N (on the command line: --n N)."
        )
    stats = read_summary_statistics(cov, n_obs, model, sds=sds, means=means)
    if method in PLS_METHODS:
        from sem_csat.pls.model import PLS

        return PLS(method=method, **options).fit_moments(model, stats)  # type: ignore[arg-type]
    from sem_csat.cbsem.model import CBSEM

    return CBSEM(method, **options).fit_moments(model, stats)


def load_data(
    source: str | Path,
    *,
    na_values: Sequence[float | str] = (),
    sep: str | None = None,
    decimal: str | None = None,
    sheet: str | int | None = None,
) -> RawData:
    """Read a data file, or load a bundled data set when ``source`` is a data-set name."""
    from sem_csat.datasets import list_datasets, path

    if isinstance(source, str) and not Path(source).suffix and source in list_datasets():
        return read_data(path(source), na_values=na_values)
    return read_data(source, sep=sep, decimal=decimal, sheet=sheet, na_values=na_values)
