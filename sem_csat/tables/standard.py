"""The standard publication tables of a fitted model, for PLS, PLSc and CB-SEM alike.

Each builder takes a result (or a :class:`~sem_csat.comparison.Comparison`) and returns a
:class:`~sem_csat.tables.Table` whose data are the result's own numbers, unrounded.  Results are
read through the result contract (:mod:`sem_csat.contract`) only, and every choice follows the
content: unstandardized estimates (``paths.estimate`` differs from ``std_estimate``) get a B
and a β column, a report with McDonald's ω shows it, a ``fit_table`` with ``chi2`` gives the fit
table, and ``f_squared``, ``index`` and ``ipma`` tables of ``result.tables()`` give their
columns and tables.  This module imports neither engine.

:func:`publication_tables` collects the usual set — measurement model, discriminant validity,
structural model, model fit (CB-SEM), index scores and the importance–performance map (PLS with
an answer scale) — numbered Table 1, 2, … in a :class:`~sem_csat.tables.TableSet`.

The layout and abbreviations follow the APA *Publication Manual* (7th ed., 2020), chapter 7,
and the SEM reporting recommendations of Hair et al. (2019) for PLS and Kline (2016) for CB-SEM.

References
----------
American Psychological Association (2020). *Publication Manual of the American Psychological
Association* (7th ed.).

Hair, J. F., Risher, J. J., Sarstedt, M., & Ringle, C. M. (2019). When to use and how to
report the results of PLS-SEM. *European Business Review*, 31(1), 2–24.

Kline, R. B. (2016). *Principles and Practice of Structural Equation Modeling* (4th ed.).
Guilford.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sem_csat.comparison import Comparison
from sem_csat.contract import SEMResult
from sem_csat.errors import SemCsatError, UsageError
from sem_csat.rendering.table import Column, Table
from sem_csat.rendering.tableset import TableSet

__all__ = [
    "comparison_r2_table",
    "comparison_table",
    "discriminant_table",
    "estimator_name",
    "fit_table",
    "index_table",
    "ipma_table",
    "measurement_table",
    "publication_tables",
    "structural_table",
]

DASH = "—"
_NAN = float("nan")


#: Short names of methods whose key is not the name in capitals.
_SHORT_NAMES = {"plsc": "PLSc"}


def _check(result: Any, what: str) -> SEMResult:
    if not isinstance(result, SEMResult):
        raise UsageError(
            f"{what} needs a fitted model from sem_csat.fit(), not {type(result).__name__}; "
            "for a comparison use comparison_table()."
        )
    return result


def estimator_name(result: SEMResult) -> str:
    """The method's short name: ``"PLS"``, ``"PLSc"``, ``"ML"``, ``"MLR"``, ..."""
    return _SHORT_NAMES.get(result.method, result.method.upper())


def _caption(result: SEMResult) -> str:
    return f"N = {result.n_obs}, {estimator_name(result)}"


def _unstandardized(result: SEMResult) -> bool:
    """Whether ``paths.estimate`` is unstandardized (it differs from ``std_estimate``)."""
    paths = result.paths
    return not paths["estimate"].equals(paths["std_estimate"])


def _ci_words(result: SEMResult) -> tuple[str, str]:
    """``("95% CI", "95% percentile bootstrap CI from 200 resamples")`` or the Wald version."""
    boot = result.boot
    if boot is not None:
        level = float(boot.conf)
        kind = str(result.ci)
        n = boot.n_boot
        return (
            f"{level:.0%} CI",
            f"{level:.0%} {kind} bootstrap CI from {n} resamples",
        )
    return "95% CI", "95% Wald CI"


# ---------------------------------------------------------------------------- measurement
def measurement_table(result: Any) -> Table:
    """Loadings (weights for formative constructs) and construct reliability and validity.

    One row per indicator; the construct-level values (Cronbach's α, ρ_A or ω, ρ_c, AVE) are
    stored on every row of the construct and shown on its first row.

    Parameters
    ----------
    result
        A PLS/PLSc or CB-SEM result (uses ``result.quality``).

    Returns
    -------
    Table
        Columns ``construct, indicator, mode, loading, weight, alpha, rho_a | omega, rho_c,
        ave`` (weight only with formative constructs; CB-SEM shows the standardized loading
        and McDonald's ω instead of ρ_A and ρ_c).
    """
    _check(result, "measurement_table")
    q = result.quality
    cb = "omega" in q.reliability.columns  # a factor model's ω (CB-SEM)
    items = q.items
    data = items.loc[:, ["construct", "indicator", "mode", "loading", "weight"]].copy()
    rel = q.reliability.set_index("construct")
    # α as the neighbouring programs print it: standardized items for PLS (SmartPLS, seminr),
    # raw items for CB-SEM (semTools); the note says which
    alpha = "alpha" if cb else "alpha_std"
    measures = ["alpha", "omega", "ave"] if cb else ["alpha", "rho_a", "rho_c", "ave"]
    for m in measures:
        source = alpha if m == "alpha" else m
        data[m] = data["construct"].map(rel[source]) if source in rel.columns else _NAN
    data = data.reset_index(drop=True)
    formative = bool((data["mode"] == "formative").any())
    symbols = {"alpha": "α", "rho_a": "ρ_A", "rho_c": "ρ_c", "omega": "ω", "ave": "AVE"}
    cols = [
        Column("construct", "Construct", "text", per_group=True),
        Column("indicator", "Item", "text"),
        Column("loading", "Loading", "bounded", missing=DASH),
    ]
    if formative:
        cols.append(Column("weight", "Weight", "coef", missing=DASH))
    cols += [Column(m, symbols[m], "bounded", per_group=True, missing=DASH) for m in measures]
    words = [
        "Loadings are standardized (completely standardized solution)"
        if cb
        else f"Loadings are {estimator_name(result)} outer loadings",
    ]
    if formative:
        words.append("weights are outer weights of formative constructs")
    reliab = (
        "α = Cronbach's alpha of the raw items (as semTools); ω = McDonald's omega (composite "
        "reliability from the model)"
        if cb
        else "α = Cronbach's alpha of the standardized items (as SmartPLS and seminr print it); "
        "ρ_A = Dijkstra–Henseler's rho; ρ_c = composite reliability"
    )
    note = (
        "; ".join(words) + f". {reliab}; AVE = average variance extracted. Construct values are "
        f"shown in the first row of each construct; {DASH} = not defined (single-item or "
        "formative construct)."
    )
    return Table(
        data,
        tuple(cols),
        "Measurement Model: Loadings, Reliability and Convergent Validity",
        caption=_caption(result),
        note=note,
        group_by="construct",
        label="measurement",
        kind="measurement",
    )


def discriminant_table(result: Any) -> Table:
    """HTMT below the diagonal, √AVE on it and construct correlations above it.

    Parameters
    ----------
    result
        A PLS/PLSc or CB-SEM result (uses ``result.quality.htmt`` and ``.fornell_larcker``).

    Returns
    -------
    Table
        One row and one column per construct; the values are taken unchanged from the
        result's HTMT and Fornell–Larcker matrices.
    """
    _check(result, "discriminant_table")
    q = result.quality
    htmt: pd.DataFrame = q.htmt
    fl: pd.DataFrame | None = q.fornell_larcker
    names = [str(n) for n in htmt.index]
    key = "construct" if "construct" not in names else "construct_"
    # below the diagonal (by position) the HTMT, on and above it the Fornell-Larcker matrix
    below = np.tril(np.ones(htmt.shape, dtype=bool), k=-1)
    above = np.full(htmt.shape, _NAN) if fl is None else fl.loc[htmt.index, htmt.columns]
    values = np.where(below, htmt.to_numpy(dtype=np.float64), np.asarray(above, dtype=np.float64))
    data = pd.DataFrame(values, columns=[str(b) for b in htmt.columns])
    data.insert(0, key, [str(a) for a in htmt.index])
    data = data.loc[:, [key, *names]]
    cols = [Column(key, "Construct", "text")]
    cols += [Column(n, n, "bounded", missing=DASH) for n in names]
    upper = (
        "On the diagonal: square root of the AVE; above it: construct correlations "
        "(Fornell–Larcker criterion: each diagonal value should exceed the correlations in its "
        "row and column). "
        if fl is not None
        else ""
    )
    note = (
        "Below the diagonal: heterotrait–monotrait ratios (HTMT; discriminant validity is in "
        "doubt above .85, or .90 for conceptually similar constructs). "
        + upper
        + f"{DASH} = not defined (single-item or formative construct)."
    )
    return Table(
        data,
        tuple(cols),
        "Discriminant Validity: HTMT and Fornell–Larcker Criterion",
        caption=_caption(result),
        note=note,
        label="discriminant",
        kind="measurement",
    )


# ---------------------------------------------------------------------------- structural
def _with_r2(result: Any, paths: pd.DataFrame) -> pd.DataFrame:
    r2 = result.r2
    data = paths.copy()
    data["r2"] = data["to"].map(r2["r2"])
    order = {name: k for k, name in enumerate(r2.index)}
    data["_order"] = data["to"].map(lambda t: order.get(t, len(order)))
    data = data.sort_values("_order", kind="stable").drop(columns="_order")
    return data.reset_index(drop=True)


def structural_table(result: Any) -> Table:
    """Path coefficients grouped by outcome, with R², SE, CI, p (stars) and f² (PLS).

    Parameters
    ----------
    result
        A PLS/PLSc result (bootstrapped for SE, CI and p) or a CB-SEM result.

    Returns
    -------
    Table
        PLS: ``to, r2, from, estimate, std_error, ci_lower, ci_upper, p_value, f2``.
        CB-SEM: ``to, r2, from, estimate (B), std_error, ci_lower, ci_upper, std_estimate (β),
        p_value``.
    """
    _check(result, "structural_table")
    paths: pd.DataFrame = result.paths
    inferred = "p_value" in paths.columns and bool(paths["p_value"].notna().any())
    ci_label, ci_words = _ci_words(result)
    head = [
        Column("to", "Outcome", "text", per_group=True),
        Column("r2", "R²", "bounded", per_group=True),
        Column("from", "Predictor", "text"),
    ]
    if _unstandardized(result):
        data = _with_r2(result, paths)
        cols = [
            *head,
            Column("estimate", "B", "coef"),
            Column("std_error", "SE", "coef"),
            Column("ci_lower", ci_label, "ci", upper="ci_upper"),
            Column("std_estimate", "β", "bounded", stars="p_value"),
            Column("p_value", "p", "p"),
        ]
        se = "robust (sandwich) standard error" if estimator_name(result) == "MLR" else "SE"
        note = (
            f"B = unstandardized estimate with its {se} (SE) and {ci_words}; β = completely "
            "standardized estimate; p from the z test of B. R² is shown in the first row of "
            "each outcome."
        )
    else:
        data = paths.copy()
        effect_sizes = result.tables().get("f_squared")
        if effect_sizes is not None:
            f2 = effect_sizes.set_index(["from", "to"])["f2"]
            data["f2"] = [
                f2.get((a, b), _NAN) for a, b in zip(data["from"], data["to"], strict=True)
            ]
        data = _with_r2(result, data)
        cols = [*head, Column("estimate", "β", "bounded", stars="p_value" if inferred else None)]
        if inferred:
            cols += [
                Column("std_error", "SE", "coef"),
                Column("ci_lower", ci_label, "ci", upper="ci_upper", ci_kind="bounded"),
                Column("p_value", "p", "p"),
            ]
            inference = f"SE, {ci_words} and p from the bootstrap"
        else:
            inference = (
                "standard errors, confidence intervals and p values need a bootstrap "
                "(result.bootstrap())"
            )
        effect = ""
        if "f2" in data.columns:
            cols.append(Column("f2", "f²", "coef"))
            effect = "; f² = Cohen's effect size (.02 small, .15 medium, .35 large)"
        note = (
            f"β = standardized path coefficient; {inference}{effect}. R² is shown in the first "
            "row of each outcome."
        )
    return Table(
        data,
        tuple(cols),
        "Structural Model: Path Coefficients and Explained Variance",
        caption=_caption(result),
        note=note,
        group_by="to",
        label="structural",
        kind="structural",
    )


# ---------------------------------------------------------------------------- fit
def fit_table(result: Any) -> Table | None:
    """Global fit (χ², df, p, CFI, TLI, RMSEA with CI, SRMR, AIC, BIC) from ``result.fit_table``.

    When the fit table has the scaled χ² (robust methods: MLR, WLSMV), a second row gives it
    (its p from the χ² distribution with the same df, as lavaan's ``pvalue.scaled``) with the
    robust CFI, TLI and RMSEA.

    Returns
    -------
    Table or None
        ``None`` when the result has no χ² test (PLS).
    """
    fit = _check(result, "fit_table").fit_table
    if "chi2" not in fit.columns:
        return None
    f = fit.iloc[0]

    def get(name: str) -> float:
        return float(f[name]) if name in f.index else _NAN

    level = get("rmsea_ci_level")
    level = level if math.isfinite(level) else 0.9
    df = get("df")
    rows: list[dict[str, object]] = [
        {
            "test": "Standard",
            "chi2": get("chi2"),
            "df": int(df) if math.isfinite(df) else _NAN,
            "p_value": get("p_value"),
            "cfi": get("cfi"),
            "tli": get("tli"),
            "rmsea": get("rmsea"),
            "rmsea_ci_lower": get("rmsea_ci_lower"),
            "rmsea_ci_upper": get("rmsea_ci_upper"),
            "srmr": get("srmr"),
            "aic": get("aic"),
            "bic": get("bic"),
        }
    ]
    extra = ""
    if math.isfinite(get("chi2_scaled")):
        from scipy import stats

        rows.append(
            {
                "test": "Robust (scaled)",
                "chi2": get("chi2_scaled"),
                "df": rows[0]["df"],
                "p_value": float(stats.chi2.sf(get("chi2_scaled"), df)),
                "cfi": get("cfi_robust"),
                "tli": get("tli_robust"),
                "rmsea": get("rmsea_robust"),
                "rmsea_ci_lower": _NAN,
                "rmsea_ci_upper": _NAN,
                "srmr": _NAN,
                "aic": _NAN,
                "bic": _NAN,
            }
        )
        extra = (
            f" The robust row gives the scaled χ² (scaling factor {get('scaling_factor'):.3f}) "
            "and the robust CFI, TLI and RMSEA; SRMR, AIC and BIC do not depend on the scaling."
        )
    data = pd.DataFrame(rows)
    cols = (
        Column("test", "Test", "text"),
        Column("chi2", "χ²", "coef", decimals=2),
        Column("df", "df", "int"),
        Column("p_value", "p", "p"),
        Column("cfi", "CFI", "bounded"),
        Column("tli", "TLI", "bounded"),
        Column("rmsea", "RMSEA", "bounded"),
        Column(
            "rmsea_ci_lower", f"{level:.0%} CI", "ci", upper="rmsea_ci_upper", ci_kind="bounded"
        ),
        Column("srmr", "SRMR", "bounded"),
        Column("aic", "AIC", "coef", decimals=2),
        Column("bic", "BIC", "coef", decimals=2),
    )
    note = (
        "CFI = comparative fit index; TLI = Tucker–Lewis index; RMSEA = root mean square error "
        f"of approximation with its {level:.0%} CI; SRMR = standardized root mean square "
        "residual. Common cut-offs: CFI and TLI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08 (Hu & Bentler, "
        "1999)." + extra
    )
    return Table(
        data,
        cols,
        "Model Fit",
        caption=_caption(result),
        note=note,
        label="fit",
        kind="fit",
    )


# ---------------------------------------------------------------------------- index and IPMA
def _own_table(result: Any, name: str, what: str) -> pd.DataFrame:
    """The result's ``name`` table (``result.tables()[name]``), or a one-sentence error."""
    table = _check(result, what).tables().get(name)
    if table is None:
        raise UsageError(
            f"{what} needs the {name} table of a result, which this {result.method_name} fit "
            "does not have: index scores and the importance–performance map come from PLS "
            "construct scores (method 'pls' or 'plsc') and need the answer scale in the spec "
            "(scale: [1, 10])."
        )
    return table


def index_table(result: Any) -> Table:
    """Customer satisfaction index scores (0–100), with SE and CI after a bootstrap.

    Uses ``result.tables()["index"]`` (PLS with a declared answer scale).

    Raises
    ------
    UsageError
        When the result has no index table (CB-SEM, or no answer scale in the spec).
    """
    data = _own_table(result, "index", "index_table").reset_index(drop=True)
    cols = [Column("construct", "Construct", "text"), Column("index", "Index", "coef", 1)]
    boot = "std_error" in data.columns
    if boot:
        ci_label, ci_words = _ci_words(result)
        cols += [
            Column("std_error", "SE", "coef", 2),
            Column("ci_lower", ci_label, "ci", 1, upper="ci_upper"),
        ]
    note = (
        "Index = mean of the construct's items rescaled to 0–100, weighted by the PLS outer "
        "weights (ACSI formula)." + (f" SE and {ci_words}." if boot else "")
    )
    return Table(
        data,
        tuple(cols),
        "Customer Satisfaction Index Scores",
        caption=_caption(result),
        note=note,
        label="index",
        kind="index",
    )


def ipma_table(result: Any, target: str | None = None) -> Table:
    """Importance (total effect) and performance (index) of the drivers of the IPMA target.

    Parameters
    ----------
    result
        A result with an ``ipma`` table (``result.tables()["ipma"]``: PLS with an answer scale).
    target
        The target construct; must be the one of the result's map (by default the last
        endogenous construct).  For another target, build the map with ``result.ipma(target)``.
    """
    table = _own_table(result, "ipma", "ipma_table")
    own = str(table["target"].iloc[0]) if len(table) else ""
    if target is not None and target != own:
        raise UsageError(
            f"The result's importance–performance map is for '{own}', not '{target}'; "
            f"result.ipma('{target}') maps another target."
        )
    data = table[table["level"] == "construct"].reset_index(drop=True)
    cols = (
        Column("name", "Construct", "text"),
        Column("importance", "Importance", "coef"),
        Column("performance", "Performance", "coef", 1),
    )
    note = (
        f"Importance = unstandardized total effect on {own} (points of {own} per "
        "point of the driver, both on 0–100); performance = index score of the driver (0–100)."
    )
    return Table(
        data,
        cols,
        f"Importance–Performance Map for {own}",
        caption=_caption(result),
        note=note,
        label="ipma",
        kind="index",
    )


# ---------------------------------------------------------------------------- comparisons
def comparison_table(comparison: Comparison) -> Table:
    """PLS and CB-SEM paths side by side, or the fit of nested CB-SEM models.

    Parameters
    ----------
    comparison
        From :func:`sem_csat.compare`.

    Returns
    -------
    Table
        ``kind="engines"``: one row per path (PLS β with p and CI when bootstrapped, CB-SEM
        standardized β and p, the difference).  ``kind="nested"``: one row per model.
    """
    if comparison.kind == "nested":
        return _nested_table(comparison)
    data = comparison.table.copy()
    data.insert(0, "path", [f"{a} → {b}" for a, b in zip(data["from"], data["to"], strict=True)])
    pls, cb = (_check(r, "comparison_table") for r in comparison.results)  # (PLS, CB-SEM)
    left, right = estimator_name(pls), f"CB-SEM ({estimator_name(cb)})"
    has_p = "pls_p_value" in data.columns
    cols = [
        Column("path", "Path", "text"),
        Column("pls_estimate", "β", "bounded", group=left, stars="pls_p_value" if has_p else None),
    ]
    if has_p:
        cols += [
            Column(
                "pls_ci_lower", "95% CI", "ci", upper="pls_ci_upper", ci_kind="bounded", group=left
            ),
            Column("pls_p_value", "p", "p", group=left),
        ]
    cols += [
        Column("cbsem_std_estimate", "β", "bounded", group=right, stars="cbsem_p_value"),
        Column("cbsem_p_value", "p", "p", group=right),
        Column("difference", "Δβ", "bounded"),
    ]
    note = f"Standardized path coefficients; Δβ = {left} − CB-SEM. " + " ".join(comparison.notes)
    return Table(
        data,
        tuple(cols),
        f"{left} and CB-SEM Estimates Compared",
        caption=f"N = {pls.n_obs}",
        note=note.strip(),
        label="comparison",
        kind="comparison",
    )


def comparison_r2_table(comparison: Comparison) -> Table:
    """R² of the endogenous constructs by PLS and by CB-SEM (``kind="engines"`` only)."""
    if comparison.r2 is None:
        raise UsageError("comparison_r2_table needs a PLS vs CB-SEM comparison (kind='engines').")
    data = comparison.r2.reset_index(drop=True)
    cols = (
        Column("construct", "Construct", "text"),
        Column("pls_r2", "PLS R²", "bounded"),
        Column("cbsem_r2", "CB-SEM R²", "bounded"),
        Column("difference", "ΔR²", "bounded"),
    )
    return Table(
        data,
        cols,
        "Explained Variance by PLS and CB-SEM",
        note="ΔR² = PLS − CB-SEM.",
        label="comparison-r2",
        kind="comparison",
    )


def _nested_table(comparison: Comparison) -> Table:
    data = comparison.table.reset_index(drop=True)
    robust = "cfi_robust" in data.columns

    def pick(name: str) -> str:
        return f"{name}_robust" if robust and f"{name}_robust" in data.columns else name

    cols = [
        Column("name", "Model", "text"),
        Column("npar", "Parameters", "int"),
        Column("df", "df", "int"),
        Column("chi2_scaled" if "chi2_scaled" in data.columns else "chi2", "χ²", "coef", 2),
        Column(pick("cfi"), "CFI", "bounded"),
        Column(pick("tli"), "TLI", "bounded"),
        Column(pick("rmsea"), "RMSEA", "bounded"),
        Column("srmr", "SRMR", "bounded"),
        Column("aic", "AIC", "coef", 2),
        Column("bic", "BIC", "coef", 2),
    ]
    note = "Models ordered by degrees of freedom." + (
        " χ² is scaled; CFI, TLI and RMSEA are the robust versions." if robust else ""
    )
    return Table(
        data,
        tuple(cols),
        "Fit of the Compared Models",
        note=note,
        label="models",
        kind="comparison",
    )


# ---------------------------------------------------------------------------- the set
def publication_tables(result: Any) -> TableSet:
    """The standard tables of a result (or a comparison), numbered Table 1, 2, ….

    PLS/PLSc: measurement model, discriminant validity, structural model, then index scores
    and the importance–performance map when the spec has an answer scale.  CB-SEM:
    measurement model, discriminant validity, structural model, model fit; the first two need
    the raw data and are left out after a fit to a covariance matrix, FIML or WLSMV.  A
    result with groups (``result.grouping``): each group's measurement tables, the multi-group
    structural table and, after the resampling, MICOM, the multi-group analysis and the index
    by group (:mod:`sem_csat.tables.groups`).  Then, when the spec declares survey metrics,
    their tables (:mod:`sem_csat.tables.metrics`).  A
    :class:`~sem_csat.comparison.Comparison`: the compared paths (or models) and R².
    """
    tables: list[Table] = []
    if isinstance(result, Comparison):
        tables.append(comparison_table(result))
        if result.r2 is not None:
            tables.append(comparison_r2_table(result))
        return TableSet.numbered(tables)
    _check(result, "publication_tables")
    if result.grouping is not None:  # several groups: per-group measurement, then comparisons
        from sem_csat.tables.groups import group_tables
        from sem_csat.tables.metrics import metrics_tables

        return TableSet.numbered([*group_tables(result), *metrics_tables(result.tables())])
    for build_quality in (measurement_table, discriminant_table):
        try:
            tables.append(build_quality(result))
        except UsageError:  # no raw data (covariance matrix, FIML, WLSMV): no quality tables
            continue
    tables.append(structural_table(result))
    fit = fit_table(result)
    if fit is not None:
        tables.append(fit)
    own = result.tables()
    for name, build in (("index", index_table), ("ipma", ipma_table)):
        if name in own:
            try:
                tables.append(build(result))
            except (SemCsatError, ValueError):  # e.g. an undefined IPMA: leave the table out
                continue
    from sem_csat.tables.metrics import metrics_tables

    tables += metrics_tables(own)
    return TableSet.numbered(tables)
