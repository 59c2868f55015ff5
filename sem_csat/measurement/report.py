"""The measurement-quality report: tables, verdicts and warnings in one frozen object.

:func:`quality` needs only a spec and data (α raw and standardized with Feldt intervals, item
statistics, outer VIF, HTMT/HTMT2, Harman).  :func:`quality_from_measures` adds what needs a
fitted model: ρ_A, ρ_c, AVE, Fornell–Larcker, cross-loadings, full collinearity VIF and, for
formative blocks, weights with their bootstrap significance.

Model-based measures enter through :class:`ModelMeasures`, plain arrays and tables that each
engine fills from its own estimates: the PLS result from its loadings, weights, ρ_A and score
correlations (:func:`sem_csat.pls.quality.model_measures`), the CB-SEM result from its
standardized solution, its latent correlations and McDonald's ω (semTools ``compRelSEM``).
This module never sees a result, so measurement quality sits below the engines.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sem_csat.diagnostics import Diagnostic, emit
from sem_csat.errors import DiscriminantValidityWarning
from sem_csat.inference.limits import check_resamples
from sem_csat.measurement import method_bias, reliability, validity
from sem_csat.measurement import thresholds as th
from sem_csat.measurement.collinearity import variance_inflation
from sem_csat.summary import ResultDisplay, Section, Summary

if TYPE_CHECKING:
    from sem_csat.data import PreparedData, RawData
    from sem_csat.inference.bootstrap import SeedLike
    from sem_csat.spec.model import Construct, ModelSpec

__all__ = [
    "RELIABILITY_CSV_COLUMNS",
    "ModelMeasures",
    "QualityReport",
    "quality",
    "quality_from_measures",
]

RELIABILITY_COLUMNS = (
    "construct",
    "mode",
    "n_items",
    "alpha",
    "alpha_ci_lower",
    "alpha_ci_upper",
    "alpha_std",
    "alpha_std_ci_lower",
    "alpha_std_ci_upper",
    "rho_a",
    "rho_c",
    "ave",
)
ITEM_COLUMNS = (
    "construct",
    "indicator",
    "mode",
    "loading",
    "indicator_reliability",
    "weight",
    "weight_p_value",
    "weight_ci_lower",
    "weight_ci_upper",
    "item_total_corr",
    "alpha_if_deleted",
    "vif",
)
VERDICT_COLUMNS = ("measure", "construct", "other", "value", "criterion", "verdict", "source")
#: Columns of ``reliability.csv`` (:meth:`QualityReport.csv_tables`; the report holds more,
#: such as the α intervals and, for CB-SEM, ω, which is written as ``rho_c``).
RELIABILITY_CSV_COLUMNS = ("construct", "alpha", "alpha_std", "rho_a", "rho_c", "ave")


@dataclass(frozen=True, eq=False)
class ModelMeasures:
    """Model-based inputs of a report, filled by each engine from its estimates.

    Attributes
    ----------
    method
        Short name of the estimator (``"pls"``, ``"plsc"``, ``"ml"``, ...).
    loadings
        Standardized loading of every indicator on its own construct (index: indicator).
    construct_corr
        Construct correlations (square, construct labels) for Fornell–Larcker.
    cross_loadings
        Indicators × constructs correlations, or ``None``.
    score_corr
        Correlations of construct *scores* for the full collinearity VIF, or ``None``.
    rho_a
        ρ_A per construct (NaN where undefined), or ``None``.
    omega
        McDonald's ω per construct (CB-SEM), or ``None``.
    rho_c, ave
        Model-based composite reliability and AVE per construct that replace the values
        computed from the standardized loadings (CB-SEM: semTools' ``compRelSEM`` and ``AVE``
        with observed variances), or ``None``.
    weights
        Formative weights: ``construct, indicator, weight`` and optionally ``p_value,
        ci_lower, ci_upper``; or ``None``.
    """

    method: str
    loadings: pd.Series
    construct_corr: pd.DataFrame
    cross_loadings: pd.DataFrame | None = None
    score_corr: pd.DataFrame | None = None
    rho_a: pd.Series | None = None
    omega: pd.Series | None = None
    rho_c: pd.Series | None = None
    ave: pd.Series | None = None
    weights: pd.DataFrame | None = None


@dataclass(frozen=True, eq=False, repr=False)
class QualityReport(ResultDisplay):
    """Measurement quality of a model: reliability, validity, common-method bias.

    Attributes
    ----------
    spec
        The model assessed.
    n_obs
        Respondents used.
    method
        ``"data"`` (data only) or the estimator of the :class:`ModelMeasures`.
    reliability
        One row per construct (:data:`RELIABILITY_COLUMNS`, plus ``omega`` for CB-SEM).
    items
        One row per indicator (:data:`ITEM_COLUMNS`).
    htmt, htmt2
        Square tables labelled by construct (NaN for formative and single-item constructs).
    fornell_larcker
        Construct correlations with √AVE on the diagonal (model-based reports only).
    cross_loadings
        Indicators × constructs (model-based reports only).
    full_collinearity
        ``construct, full_collinearity_vif`` (model-based reports only).
    harman_share
        Variance share of the first unrotated component of all items.
    verdicts
        One row per judged value: ``measure, construct, other, value, criterion, verdict,
        source``.
    diagnostics
        The violations as warnings (and the data diagnostics for :func:`quality`).
    htmt_boot
        Bootstrap inference for HTMT/HTMT2, when requested.
    conf
        Level of the α intervals.
    """

    spec: ModelSpec
    n_obs: int
    method: str
    reliability: pd.DataFrame
    items: pd.DataFrame
    htmt: pd.DataFrame
    htmt2: pd.DataFrame
    fornell_larcker: pd.DataFrame | None
    cross_loadings: pd.DataFrame | None
    full_collinearity: pd.DataFrame | None
    harman_share: float
    verdicts: pd.DataFrame
    diagnostics: tuple[Diagnostic, ...]
    htmt_boot: validity.HTMTBootstrap | None = None
    conf: float = 0.95

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by the name the CLI writes it under (square tables keep their labels)."""
        out = {
            "reliability": self.reliability,
            "items": self.items,
            "htmt": self.htmt,
            "htmt2": self.htmt2,
            "verdicts": self.verdicts,
        }
        for name, table in (
            ("fornell_larcker", self.fornell_larcker),
            ("cross_loadings", self.cross_loadings),
            ("full_collinearity", self.full_collinearity),
        ):
            if table is not None:
                out[name] = table
        if self.htmt_boot is not None:
            out["htmt_bootstrap"] = self.htmt_boot.table
        return out

    def csv_tables(self) -> dict[str, pd.DataFrame]:
        """The tables written as CSV files, flat (row labels as the first column).

        ``reliability`` (:data:`RELIABILITY_CSV_COLUMNS`), ``items``, ``htmt``, ``htmt2`` and,
        for a fitted model, ``fornell_larcker`` and ``cross_loadings``.
        """
        tables = self.tables
        out: dict[str, pd.DataFrame] = {
            "reliability": tables["reliability"].reindex(columns=list(RELIABILITY_CSV_COLUMNS)),
            "items": tables["items"],
        }
        for name, label in (
            ("htmt", "construct"),
            ("htmt2", "construct"),
            ("fornell_larcker", "construct"),
            ("cross_loadings", "indicator"),
        ):
            if name in tables:
                out[name] = tables[name].rename_axis(label).reset_index()
        return out

    def summary(self) -> Summary:
        """Text/HTML summary with a Warnings section."""
        header = [
            ("Model", f"{self.spec.name} ({len(self.spec.constructs)} constructs)"),
            ("Based on", "data only" if self.method == "data" else f"{self.method} estimates"),
            ("Respondents", str(self.n_obs)),
            ("α intervals", f"{self.conf:.0%} Feldt (1965)"),
        ]
        if self.htmt_boot is not None:
            b = self.htmt_boot
            header.append(("HTMT bootstrap", f"{b.n_ok} of {b.n_boot} resamples (seed {b.seed})"))
        sections = [
            Section("Reliability and convergent validity", self.reliability),
            Section("Items", self.items, collapsed=True),
            Section("HTMT", self.htmt, index=True),
            Section("HTMT2 (geometric means)", self.htmt2, collapsed=True, index=True),
        ]
        if self.htmt_boot is not None:
            sections.append(Section("HTMT bootstrap test", self.htmt_boot.table, collapsed=True))
        if self.fornell_larcker is not None:
            sections.append(
                Section("Fornell–Larcker (√AVE on the diagonal)", self.fornell_larcker, index=True)
            )
        if self.cross_loadings is not None:
            sections.append(
                Section("Cross-loadings", self.cross_loadings, collapsed=True, index=True)
            )
        lines = (f"Harman single-factor share: {self.harman_share:.3f} ({th.HARMAN.criterion})",)
        sections.append(Section("Common-method bias", self.full_collinearity, lines))
        shown = self.verdicts.drop(columns=["source"])
        sections.append(Section("Verdicts (sources in the verdicts table)", shown, collapsed=True))
        return Summary(
            f"sem_csat measurement quality: {self.spec.name}", header, sections, self.diagnostics
        )

    def _repr_fields(self) -> str:
        n_warn = sum(d.severity != "info" for d in self.diagnostics)
        return (
            f"{self.spec.name!r}: {self.method}, N={self.n_obs}, "
            f"{len(self.spec.constructs)} constructs, {n_warn} warnings"
        )


# --------------------------------------------------------------------------------------------
# entry points


def quality(
    spec: ModelSpec | str | os.PathLike[str],
    data: pd.DataFrame | RawData | PreparedData | str | os.PathLike[str],
    *,
    conf: float = 0.95,
    n_boot: int = 0,
    seed: SeedLike = None,
    n_jobs: int | None = 1,
) -> QualityReport:
    """Assess measurement quality from the data alone (no model fit).

    Parameters
    ----------
    spec
        The model: its blocks, and which are formative; a spec, or a bundled model's name or a
        spec file, as :func:`sem_csat.fit` takes them.
    data
        Survey data (a DataFrame, a file or a bundled data set's name); prepared with
        :func:`sem_csat.prepare_data` (listwise deletion, reverse coding) unless already
        prepared.
    conf
        Level of the α intervals and of the HTMT bootstrap test.
    n_boot
        Resamples for the HTMT bootstrap test (0: no bootstrap; use 5000 for reports).
    seed, n_jobs
        Seed and workers of the bootstrap.

    Returns
    -------
    QualityReport
        With α (raw and standardized, Feldt intervals), item statistics, outer VIF, HTMT,
        HTMT2 and Harman's share; violations are emitted as warnings and kept in
        ``diagnostics``.
    """
    from sem_csat.data import PreparedData, prepare_data

    spec = _load_spec(spec)
    if n_boot:
        check_resamples(n_boot, conf)
    prepared = data if isinstance(data, PreparedData) else prepare_data(spec, _data_file(data))
    return _build(spec, prepared, None, conf, n_boot, seed, n_jobs, prepared.diagnostics)


def _load_spec(spec: ModelSpec | str | os.PathLike[str]) -> ModelSpec:
    """A spec, or a bundled model name or spec file (as :func:`sem_csat.fit` takes them)."""
    from sem_csat.spec.library import load_spec
    from sem_csat.spec.model import ModelSpec

    return spec if isinstance(spec, ModelSpec) else load_spec(spec)


def _data_file(
    data: pd.DataFrame | RawData | str | os.PathLike[str],
) -> pd.DataFrame | RawData | str | os.PathLike[str]:
    """A bundled data set's name becomes its file (as :func:`sem_csat.fit` reads it)."""
    from sem_csat import datasets

    if isinstance(data, str) and not Path(data).suffix and data in datasets.list_datasets():
        return datasets.path(data)
    return data


def quality_from_measures(
    spec: ModelSpec,
    data: pd.DataFrame | RawData | PreparedData,
    measures: ModelMeasures,
    *,
    conf: float = 0.95,
    n_boot: int = 0,
    seed: SeedLike = None,
    n_jobs: int | None = 1,
    notes: tuple[Diagnostic, ...] = (),
) -> QualityReport:
    """Build a report from model-based measures of any engine (see the module notes);
    ``notes`` are carried into the report's diagnostics (how the moments were obtained)."""
    from sem_csat.data import PreparedData, prepare_data

    prepared = data if isinstance(data, PreparedData) else prepare_data(spec, data)
    return _build(spec, prepared, measures, conf, n_boot, seed, n_jobs, notes)


# --------------------------------------------------------------------------------------------
# building the tables


def _single_item_note(singles: Sequence[Construct], *, with_fl: bool) -> Diagnostic:
    """How HTMT, HTMT2 (and √AVE) of single-item constructs are computed."""
    names = ", ".join(f"'{c.name}'" for c in singles)
    one = len(singles) == 1
    fl = (
        " and its Fornell–Larcker √AVE is the item's standardized loading (1 in PLS)"
        if with_fl
        else ""
    )
    return Diagnostic(
        "info",
        "single_item_discriminant",
        f"{names} {'is a single-item construct' if one else 'are single-item constructs'}: "
        f"{'its' if one else 'their'} HTMT and HTMT2 take the item's monotrait correlation as "
        f"1{fl}, as seminr, SmartPLS and Hair et al. (2022, A Primer on PLS-SEM) report them. "
        "This assumes the item measures its construct without error; with an unreliable item "
        "the ratios understate how close the constructs are.",
        DiscriminantValidityWarning,
    )


def _build(
    spec: ModelSpec,
    prepared: PreparedData,
    m: ModelMeasures | None,
    conf: float,
    n_boot: int,
    seed: SeedLike,
    n_jobs: int | None,
    carried: tuple[Diagnostic, ...],
) -> QualityReport:
    names_items = list(spec.indicator_names)
    if prepared.moments is not None:  # a fit to a published matrix: its moments are the data
        matrix = prepared.moments.matrix.loc[names_items, names_items]
        cov = matrix.to_numpy(dtype=np.float64)
        n = int(prepared.n_used)
    else:
        x = prepared.frame.loc[:, names_items].to_numpy(dtype=np.float64)
        n = x.shape[0]
        cov = np.cov(x, rowvar=False)
    corr = reliability.to_correlation(cov)
    pos = {name: k for k, name in enumerate(spec.indicator_names)}
    names = list(spec.construct_names)

    rel_rows: list[dict[str, object]] = []
    item_rows: list[dict[str, object]] = []
    for c in spec.constructs:
        k = [pos[i] for i in c.indicator_names]
        s = cov[np.ix_(k, k)]
        multi = c.mode == "reflective" and len(k) >= 2
        nan = np.full(len(k), np.nan)
        a = float(reliability.cronbach_alpha(s)) if multi else np.nan
        a_std = float(reliability.standardized_alpha(s)) if multi else np.nan
        lo, hi = reliability.alpha_ci(np.array([a, a_std]), n, len(k), conf)
        lam = m.loadings.loc[list(c.indicator_names)].to_numpy(dtype=np.float64) if m else nan
        row: dict[str, object] = {
            "construct": c.name,
            "mode": c.mode,
            "n_items": len(k),
            "alpha": a,
            "alpha_ci_lower": float(lo[0]),
            "alpha_ci_upper": float(hi[0]),
            "alpha_std": a_std,
            "alpha_std_ci_lower": float(lo[1]),
            "alpha_std_ci_upper": float(hi[1]),
            "rho_a": float(m.rho_a[c.name]) if m and m.rho_a is not None and multi else np.nan,
            "rho_c": (
                float(m.rho_c[c.name])
                if m is not None and m.rho_c is not None
                else float(reliability.composite_reliability(lam))
            )
            if multi
            else np.nan,
            "ave": (
                float(m.ave[c.name])
                if m is not None and m.ave is not None
                else float(reliability.average_variance_extracted(lam))
            )
            if multi
            else np.nan,
        }
        if m is not None and m.omega is not None:
            row["omega"] = float(m.omega[c.name]) if multi else np.nan
        rel_rows.append(row)
        itc = reliability.item_total_correlations(s) if multi else nan
        aid = reliability.alpha_if_deleted(s) if multi else nan
        vif = variance_inflation(corr[np.ix_(k, k)])
        for j, ind in enumerate(c.indicator_names):
            item_rows.append(
                {
                    "construct": c.name,
                    "indicator": ind,
                    "mode": c.mode,
                    "loading": float(lam[j]),
                    "indicator_reliability": float(lam[j] ** 2),
                    "item_total_corr": float(itc[j]),
                    "alpha_if_deleted": float(aid[j]),
                    "vif": float(vif[j]),
                }
            )
    rel = pd.DataFrame(rel_rows)
    items = pd.DataFrame(item_rows)
    if m is not None and m.weights is not None:
        w = m.weights.rename(
            columns={
                "p_value": "weight_p_value",
                "ci_lower": "weight_ci_lower",
                "ci_upper": "weight_ci_upper",
            }
        )
        items = items.merge(w, on=["construct", "indicator"], how="left")
    items = items.reindex(columns=list(ITEM_COLUMNS))

    blocks = validity.htmt_blocks(spec)
    # a single item's monotrait correlation is taken as 1, as seminr, SmartPLS and Hair et al.
    # (2022) report HTMT (noted below), rather than leaving its row empty
    htmt_tables: dict[str, pd.DataFrame] = {
        kind: pd.DataFrame(
            validity.htmt(corr, blocks, kind=kind, single_item="one"), index=names, columns=names
        )
        for kind in validity.HTMT_KINDS
    }
    singles = [c for c in spec.constructs if c.mode == "reflective" and len(c.indicator_names) == 1]
    harman = float(method_bias.harman_share(corr))
    boot = None
    if n_boot:
        boot = validity.htmt_bootstrap(spec, prepared, n_boot, seed=seed, n_jobs=n_jobs, conf=conf)

    fl = cl = fc = None
    if m is not None:
        ave = np.array(rel.set_index("construct")["ave"].reindex(names), dtype=np.float64)
        for c in singles:  # √AVE of a single item: its standardized loading (1 in PLS)
            ave[names.index(c.name)] = float(m.loadings.loc[c.indicator_names[0]]) ** 2
        cc = m.construct_corr.loc[names, names].to_numpy(dtype=np.float64)
        fl = pd.DataFrame(validity.fornell_larcker(cc, ave), index=names, columns=names)
        cl = m.cross_loadings
        if m.score_corr is not None:
            sc = m.score_corr.loc[names, names].to_numpy(dtype=np.float64)
            fc = pd.DataFrame(
                {"construct": names, "full_collinearity_vif": method_bias.full_collinearity_vif(sc)}
            )
    from sem_csat.measurement._verdicts import judge

    verdicts, diags = judge(spec, rel, items, htmt_tables, boot, m, fl, cl, fc, harman)
    if singles and len(names) > 1:
        diags.append(_single_item_note(singles, with_fl=fl is not None))
    emit([*carried, *diags], stacklevel=4)
    if boot is not None:
        emit(boot.diagnostics, stacklevel=4)
        diags = [*diags, *boot.diagnostics]
    return QualityReport(
        spec=spec,
        n_obs=n,
        method="data" if m is None else m.method,
        reliability=rel,
        items=items,
        htmt=htmt_tables["htmt"],
        htmt2=htmt_tables["htmt2"],
        fornell_larcker=fl,
        cross_loadings=cl,
        full_collinearity=fc,
        harman_share=harman,
        verdicts=verdicts,
        diagnostics=(*carried, *diags),
        htmt_boot=boot,
        conf=conf,
    )
