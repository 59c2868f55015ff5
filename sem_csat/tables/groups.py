"""Publication tables of a model fitted to several groups or survey waves.

Each builder reads a result with groups through the result contract only
(:attr:`~sem_csat.contract.SEMResult.grouping`, ``group_results()``, the ``group`` column of
``paths`` and the comparison's tables in ``result.tables()``), so a PLS multi-group analysis
and, later, a multi-group CB-SEM fill them alike:

* :func:`group_structural_table`: the path coefficients of every group side by side (with
  their intervals after the resampling) and, for two groups, the difference and its
  permutation and PLS-MGA p values: the multi-group structural table;
* :func:`micom_table`: MICOM's steps 2 and 3 and the verdict per construct (``micom`` table);
* :func:`mga_table`: every pair's path differences with the four tests (``mga`` table);
* :func:`group_index_table`: the 0–100 index per group and its difference (``index_groups``);
* :func:`group_measurement_tables`: each group's measurement table, its group in the caption;
* :func:`invariance_table` and :func:`latent_means_table`: the measurement-invariance ladder
  of a multi-group CB-SEM fit and the latent mean differences (``invariance``,
  ``latent_means`` tables).

:func:`group_tables` collects them in the order of a results section.

References
----------
Henseler, J., Ringle, C. M., & Sarstedt, M. (2016). Testing measurement invariance of
composites using partial least squares. *International Marketing Review*, 33(3), 405–431.

Chin, W. W., & Dibbern, J. (2010). An introduction to a permutation based procedure for
multi-group PLS analysis. In V. Esposito Vinzi et al. (eds.), *Handbook of Partial Least
Squares* (pp. 171–193). Springer.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pandas as pd

from sem_csat.contract import Grouping, SEMResult
from sem_csat.errors import UsageError
from sem_csat.rendering.table import Column, Table
from sem_csat.tables.standard import (
    discriminant_table,
    estimator_name,
    measurement_table,
)

__all__ = [
    "group_index_table",
    "group_measurement_tables",
    "group_structural_table",
    "group_tables",
    "invariance_table",
    "latent_means_table",
    "mga_table",
    "micom_table",
]

DASH = "—"


def _grouping(result: Any, what: str) -> tuple[SEMResult, Grouping]:
    if not isinstance(result, SEMResult) or result.grouping is None:
        raise UsageError(
            f"{what} needs a result with groups, from sem_csat.fit(spec, data, "
            "group='COLUMN'); for one group use the standard tables."
        )
    return result, result.grouping


def _caption(result: SEMResult, g: Grouping) -> str:
    sizes = ", ".join(f"{lv} N = {g.sizes[lv]}" for lv in g.levels)
    return f"{estimator_name(result)}; {g.column}: {sizes}"


def _arrow(frame: pd.DataFrame) -> list[str]:
    return [f"{a} → {b}" for a, b in zip(frame["from"], frame["to"], strict=True)]


def _p_words(result: SEMResult) -> str:
    boot = result.boot
    if boot is None:
        return ""
    return (
        f"Intervals are {float(boot.conf):.0%} percentile bootstrap intervals from "
        f"{boot.n_boot} resamples per group; "
    )


def _own(result: SEMResult, name: str, what: str) -> pd.DataFrame:
    table = result.tables().get(name)
    if table is None:
        raise UsageError(
            f"{what} needs the {name} table of a group comparison, which comes with the "
            "resampling: result.bootstrap(n_boot, n_perm=...) (on the command line: "
            "--bootstrap N --permutations N)."
        )
    return table


# ---------------------------------------------------------------------------- paths
def group_structural_table(result: Any) -> Table:
    """Path coefficients of every group side by side: the multi-group structural table.

    One row per path; per group (a spanner heading) the standardized coefficient with stars
    and, after the resampling, its interval; with two groups and a comparison, the difference
    Δβ (first group minus second, later wave minus earlier) with its permutation p value and
    Henseler's PLS-MGA p value.
    """
    result, g = _grouping(result, "group_structural_table")
    paths = result.paths
    first = paths[paths["group"] == g.levels[0]].reset_index(drop=True)
    data = pd.DataFrame({"path": _arrow(first), "from": first["from"], "to": first["to"]})
    inferred = bool(paths["p_value"].notna().any())
    cols = [Column("path", "Path", "text")]
    for k, level in enumerate(g.levels):
        rows = paths[paths["group"] == level].set_index(["from", "to"])
        keys = list(zip(data["from"], data["to"], strict=True))
        for name in ("std_estimate", "p_value", "ci_lower", "ci_upper"):
            data[f"{name}_{k}"] = [float(rows[name].get(key, math.nan)) for key in keys]
        cols.append(
            Column(
                f"std_estimate_{k}",
                "β",
                "bounded",
                group=level,
                stars=f"p_value_{k}" if inferred else None,
            )
        )
        if inferred:
            cols.append(
                Column(
                    f"ci_lower_{k}",
                    "95% CI" if result.boot is None else f"{result.boot.conf:.0%} CI",
                    "ci",
                    upper=f"ci_upper_{k}",
                    ci_kind="bounded",
                    group=level,
                )
            )
    mga = result.tables().get("mga")
    tests = ""
    if mga is not None and len(g.levels) == 2:
        pair = mga.set_index(["from", "to"])
        keys = list(zip(data["from"], data["to"], strict=True))
        for name in ("difference", "p_permutation", "p_henseler"):
            data[name] = [float(pair[name].get(key, math.nan)) for key in keys]
        cols += [
            Column("difference", "Δβ", "bounded", group="Difference"),
            Column("p_permutation", "p (perm.)", "p", group="Difference"),
            Column("p_henseler", "p (MGA)", "p", group="Difference"),
        ]
        a, b = mga["group_a"].iloc[0], mga["group_b"].iloc[0]
        tests = (
            f" Δβ = {a} − {b}; p (perm.) = permutation test (Chin & Dibbern, 2010); "
            "p (MGA) = Henseler's bootstrap-based PLS-MGA, two-sided. No correction for "
            "multiple comparisons."
        )
    inference = (
        _p_words(result) + "p values from each group's bootstrap."
        if inferred
        else "Standard errors, intervals and the group tests need the resampling "
        "(result.bootstrap(n_boot, n_perm=...))."
    )
    note = (
        f"β = standardized path coefficient, estimated in each {g.noun} separately. "
        + inference
        + tests
    )
    return Table(
        data,
        tuple(cols),
        f"Structural Model by {g.noun.capitalize()}: Path Coefficients",
        caption=_caption(result, g),
        note=note,
        label="structural-groups",
        kind="groups",
    )


# ---------------------------------------------------------------------------- MICOM
def _verdict(comp: object, mean: object, var: object) -> str:
    if not bool(comp):
        return "none"
    return "full" if bool(mean) and bool(var) else "partial"


def micom_table(result: Any) -> Table:
    """MICOM: compositional invariance, equal means and variances, and the verdict.

    One row per construct (and pair of groups when there are more than two): the correlation
    c of the composites built with each group's weights and its permutation p (step 2), the
    differences of the composite means and log variances with their permutation intervals
    (step 3), and the verdict: full, partial or no invariance (Henseler et al., 2016).
    """
    result, g = _grouping(result, "micom_table")
    micom = _own(result, "micom", "micom_table")
    pairs = "group_a" in micom.columns
    keys = ["group_a", "group_b", "construct"] if pairs else ["construct"]
    rows = []
    for key, part in micom.groupby(keys, sort=False):
        steps = {str(s): r for s, r in zip(part["step"], part.to_dict("records"), strict=True)}
        comp, mean, var = steps["compositional"], steps["mean"], steps["variance"]
        row: dict[str, object] = {
            "construct": key[-1] if pairs else key[0] if isinstance(key, tuple) else key,
            "c": comp["statistic"],
            "c_quantile": comp["ci_lower"],
            "c_p": comp["p_value"],
            "mean": mean["statistic"],
            "mean_lower": mean["ci_lower"],
            "mean_upper": mean["ci_upper"],
            "mean_p": mean["p_value"],
            "var": var["statistic"],
            "var_lower": var["ci_lower"],
            "var_upper": var["ci_upper"],
            "var_p": var["p_value"],
            "verdict": _verdict(comp["invariant"], mean["invariant"], var["invariant"]),
        }
        if pairs:
            row["pair"] = f"{key[0]} vs {key[1]}"
        rows.append(row)
    data = pd.DataFrame(rows)
    boot = result.boot
    alpha = 0.05 if boot is None else 1 - float(boot.conf)
    quantile = f"{alpha:.0%} quantile"
    cols = [Column("pair", "Pair", "text", per_group=True)] if pairs else []
    cols += [
        Column("construct", "Construct", "text"),
        Column("c", "c", "bounded", group="Compositional"),
        Column("c_quantile", quantile, "bounded", group="Compositional"),
        Column("c_p", "p", "p", group="Compositional"),
        Column("mean", "Δ", "coef", group="Mean"),
        Column("mean_lower", "CI", "ci", upper="mean_upper", group="Mean"),
        Column("mean_p", "p", "p", group="Mean"),
        Column("var", "Δ", "coef", group="Log variance"),
        Column("var_lower", "CI", "ci", upper="var_upper", group="Log variance"),
        Column("var_p", "p", "p", group="Log variance"),
        Column("verdict", "Invariance", "text"),
    ]
    level = f"{alpha:.2f}".removeprefix("0")
    note = (
        "Step 1 (configural invariance: the same model, data treatment and algorithm in every "
        f"{g.noun}) holds by construction. Step 2: c = correlation of the composite scores "
        f"built with each {g.noun}'s weights on the pooled data; invariant when c is not below "
        f"the {quantile} of its permutation distribution (p > {level}). Step 3: differences "
        f"of the composite means and log variances between the {g.nouns}, with "
        f"{1 - alpha:.0%} permutation intervals; equal when 0 lies inside. Full invariance: "
        f"steps 2 and 3 hold (the {g.nouns} may be pooled); partial: step 2 holds (compare "
        "paths by multi-group analysis); none: the composites differ, so comparisons of that "
        "construct are not meaningful (Henseler et al., 2016)."
    )
    return Table(
        data,
        tuple(cols),
        "Measurement Invariance of Composites (MICOM)",
        caption=_caption(result, g),
        note=note,
        group_by="pair" if pairs else None,
        label="micom",
        kind="groups",
    )


# ---------------------------------------------------------------------------- MGA
def mga_table(result: Any) -> Table:
    """Path differences between every pair of groups with the four tests (``mga``)."""
    result, g = _grouping(result, "mga_table")
    mga = _own(result, "mga", "mga_table")
    data = mga.reset_index(drop=True).copy()
    data.insert(0, "path", _arrow(data))
    data["pair"] = [f"{a} − {b}" for a, b in zip(data["group_a"], data["group_b"], strict=True)]
    cols = (
        Column("pair", g.noun.capitalize() + "s", "text", per_group=True),
        Column("path", "Path", "text"),
        Column("estimate_a", "β (a)", "bounded"),
        Column("estimate_b", "β (b)", "bounded"),
        Column("difference", "Δβ", "bounded"),
        Column("p_permutation", "Permutation", "p", group="p"),
        Column("p_henseler", "PLS-MGA", "p", group="p"),
        Column("p_parametric", "Parametric", "p", group="p"),
        Column("p_welch", "Welch", "p", group="p"),
    )
    note = (
        f"Δβ = β (a) − β (b), the first minus the second {g.noun} of each pair"
        + (" (the later minus the earlier wave)" if g.waves else "")
        + ". Permutation: group labels shuffled and both groups re-estimated (Chin & Dibbern, "
        "2010); PLS-MGA: Henseler's bootstrap-based test, two-sided; parametric: t test with "
        "pooled standard errors (Keil et al., 2000); Welch: Welch–Satterthwaite t test. No "
        "correction for multiple comparisons; interpret a difference only for constructs with "
        "compositional invariance (MICOM step 2)."
    )
    return Table(
        data,
        cols,
        f"Multi-Group Analysis: Path Differences Between {g.nouns.capitalize()}",
        caption=_caption(result, g),
        note=note,
        group_by="pair",
        label="mga",
        kind="groups",
    )


# ---------------------------------------------------------------------------- index
def group_index_table(result: Any) -> Table:
    """The 0–100 index of every construct per group, the difference, its interval and p."""
    result, g = _grouping(result, "group_index_table")
    table = _own(result, "index_groups", "group_index_table")
    data = table.reset_index(drop=True).copy()
    data["pair"] = [f"{a} − {b}" for a, b in zip(data["group_a"], data["group_b"], strict=True)]
    boot = result.boot
    level = 0.95 if boot is None else float(boot.conf)
    cols = (
        Column("pair", g.noun.capitalize() + "s", "text", per_group=True),
        Column("construct", "Construct", "text"),
        Column("index_a", "Index (a)", "coef", 1),
        Column("index_b", "Index (b)", "coef", 1),
        Column("difference", "Difference", "coef", 1),
        Column("ci_lower", f"{level:.0%} CI", "ci", 1, upper="ci_upper"),
        Column("p_value", "p", "p"),
    )
    note = (
        "Index = the construct's items rescaled to 0–100 and weighted by each group's PLS "
        "outer weights (ACSI formula); difference = (a) − (b). Read a difference only where "
        "MICOM finds compositional invariance for the construct."
    )
    return Table(
        data,
        cols,
        f"Customer Satisfaction Index by {g.noun.capitalize()}",
        caption=_caption(result, g),
        note=note,
        group_by="pair",
        label="index-groups",
        kind="groups",
    )


# ---------------------------------------------------------------------------- measurement
def group_measurement_tables(result: Any) -> list[Table]:
    """Each group's measurement and discriminant-validity tables, the group in the caption."""
    result, g = _grouping(result, "group_measurement_tables")
    tables: list[Table] = []
    members = result.group_results()
    for build in (measurement_table, discriminant_table):
        for level in g.levels:
            member = members[level]
            try:
                table = build(member)
            except UsageError:
                continue
            where = f"{g.column} = {level}" if not g.waves else f"wave {level}"
            tables.append(
                dataclasses.replace(
                    table,
                    caption=f"{where}, N = {member.n_obs}, {estimator_name(member)}",
                    label=f"{table.label}-{len(tables) + 1}",
                )
            )
    return tables


# ---------------------------------------------------------------------------- invariance
def invariance_table(result: Any) -> Table:
    """The measurement-invariance ladder of a multi-group CB-SEM fit (``invariance``)."""
    result, g = _grouping(result, "invariance_table")
    table = result.tables().get("invariance")
    if table is None:
        raise UsageError(
            "invariance_table needs the invariance ladder of a multi-group CB-SEM fit: "
            "sem_csat.fit(..., method='ml', group=COLUMN, invariance='configural,metric,"
            "scalar,strict') (on the command line: --invariance LEVELS)."
        )
    data = table.reset_index(drop=True).copy()
    robust = result.method == "mlr"
    cols = (
        Column("model", "Model", "text"),
        Column("chi2", "χ²", "coef", 2),
        Column("df", "df", "int"),
        Column("p_value", "p", "p"),
        Column("cfi", "CFI", "bounded"),
        Column("tli", "TLI", "bounded"),
        Column("rmsea", "RMSEA", "bounded"),
        Column("srmr", "SRMR", "bounded"),
        Column("delta_chi2", "Δχ²", "coef", 2, group="Change", missing=DASH),
        Column("delta_df", "Δdf", "int", group="Change", missing=DASH),
        Column("delta_p_value", "p", "p", group="Change", missing=DASH),
        Column("delta_cfi", "ΔCFI", "coef", 3, group="Change", missing=DASH),
        Column("delta_rmsea", "ΔRMSEA", "coef", 3, group="Change", missing=DASH),
    )
    note = (
        "Each level adds equality constraints across the "
        f"{g.nouns}: metric (loadings), scalar (+ intercepts), strict (+ residual variances); "
        "changes are this row minus the row above. "
        + (
            "χ², p, CFI, TLI and RMSEA are the Yuan–Bentler scaled test and the robust "
            "indices; Δχ² is the Satorra–Bentler (2001) scaled difference. "
            if robust
            else ""
        )
        + "Invariance holds by Cheung and Rensvold (2002) when CFI falls by at most .01; Chen "
        "(2007) adds RMSEA rising by at most .015 and SRMR by at most .030 (metric) or .010 "
        "(scalar, strict)."
    )
    return Table(
        data,
        cols,
        f"Measurement Invariance Across {g.nouns.capitalize()}",
        caption=_caption(result, g),
        note=note,
        label="invariance",
        kind="groups",
    )


def latent_means_table(result: Any) -> Table:
    """Latent mean differences from the first group where they are identified
    (``latent_means``: the scalar and strict levels)."""
    result, g = _grouping(result, "latent_means_table")
    table = result.tables().get("latent_means")
    if table is None or table.empty:
        raise UsageError(
            "latent_means_table needs the scalar level of the invariance ladder, where the "
            "latent means are identified (invariance='configural,metric,scalar')."
        )
    data = table.reset_index(drop=True).copy()
    cols = (
        Column("model", "Model", "text", per_group=True),
        Column("construct", "Construct", "text"),
        Column("group", g.noun.capitalize(), "text"),
        Column("estimate", "Δκ", "coef"),
        Column("std_error", "SE", "coef"),
        Column("p_value", "p", "p"),
        Column("ci_lower", "95% CI", "ci", upper="ci_upper"),
        Column("std_lv", "d", "coef"),
    )
    note = (
        f"Latent mean of each {g.noun} minus that of '{g.levels[0]}' (fixed at 0), in the "
        "units of the marker items; d divides it by the latent standard deviation of the "
        f"{g.noun} (lavaan's std.lv)."
    )
    return Table(
        data,
        cols,
        f"Latent Mean Differences From {g.noun.capitalize()} '{g.levels[0]}'",
        caption=_caption(result, g),
        note=note,
        group_by="model",
        label="latent-means",
        kind="groups",
    )


def group_tables(result: Any) -> list[Table]:
    """The tables of a result with groups, in the order of a results section: each group's
    measurement tables, the multi-group structural table, MICOM, the MGA and the index."""
    result, _ = _grouping(result, "group_tables")
    tables = group_measurement_tables(result)
    tables.append(group_structural_table(result))
    builders = (micom_table, mga_table, group_index_table, invariance_table, latent_means_table)
    for build in builders:
        try:
            tables.append(build(result))
        except UsageError:  # no comparison yet, or no answer scale for the index
            continue
    return tables
