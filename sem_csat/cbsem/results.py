"""Results of a covariance-based SEM fit (ML, MLR, GLS, ULS, DWLS, WLSMV).

A :class:`CBSEMResult` holds the pipeline's fit (:class:`~sem_csat.cbsem.pipeline.CBSEMFit`),
the fit indices computed by sem_csat itself with lavaan's definitions
(:func:`~sem_csat.cbsem.fit_indices.fit_indices`) and every diagnostic.  It fills the result
contract (:class:`~sem_csat.contract.SEMResult`): :attr:`~CBSEMResult.params` is the long
parameter table, :attr:`~CBSEMResult.paths` one row per structural path, and both have the
same columns as the PLS result's, so that output, tables, diagrams and comparisons treat both
engines alike.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sem_csat.contract import (
    CI_METHODS,
    EFFECT_COLUMNS,
    OUTER_COLUMNS,
    R2_COLUMNS,
    CIMethod,
    ResultFigure,
    SEMResult,
    Statistic,
    conform,
    effect_boot_columns,
    param_columns,
    path_columns,
)
from sem_csat.diagnostics import Diagnostic
from sem_csat.summary import Section, Summary

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from sem_csat.cbsem.bootstrap import CBSEMBootstrap
    from sem_csat.cbsem.fit_indices import FitIndices
    from sem_csat.cbsem.model import CBSEMSettings
    from sem_csat.cbsem.pipeline import CBSEMFit
    from sem_csat.cbsem.test import DifferenceTest
    from sem_csat.contract import NestedTestInfo
    from sem_csat.data import PreparedData
    from sem_csat.measurement import HTMTBootstrap, QualityReport
    from sem_csat.spec.model import ModelSpec

__all__ = [
    "METHOD_NAMES",
    "PARAM_COLUMNS",
    "PATH_COLUMNS",
    "ROBUST_COLUMNS",
    "CBSEMNestedInfo",
    "CBSEMResult",
    "nested_info",
]

#: The test statistic of a CB-SEM result: the Wald z (estimate / standard error).
STATISTIC: Statistic = "z_value"
#: Columns of :attr:`CBSEMResult.params`.
PARAM_COLUMNS: tuple[str, ...] = param_columns(STATISTIC)
#: Columns of :attr:`CBSEMResult.paths` (``paths.csv``).
PATH_COLUMNS: tuple[str, ...] = path_columns(STATISTIC)
_INFERENCE: tuple[str, ...] = PATH_COLUMNS[5:]

#: Extra ``fit.csv`` columns of a robust fit (MLR, WLSMV).
ROBUST_COLUMNS: tuple[str, ...] = (
    "chi2_scaled",
    "scaling_factor",
    "cfi_robust",
    "tli_robust",
    "rmsea_robust",
)

#: Readable names of the methods.
METHOD_NAMES: dict[str, str] = {
    "ml": "maximum likelihood",
    "mlr": "maximum likelihood with robust standard errors and scaled test (MLR)",
    "gls": "generalized least squares",
    "uls": "unweighted least squares",
    "dwls": "diagonally weighted least squares on polychoric correlations",
    "wlsmv": "diagonally weighted least squares on polychoric correlations, robust standard "
    "errors and mean- and variance-adjusted test (WLSMV)",
}
_ESTIMATOR_NAMES = {
    "DWLS": "diagonally weighted least squares on polychoric correlations",
    "ML": "maximum likelihood",
    "GLS": "generalized least squares",
    "ULS": "unweighted LS",
}
_ORDINAL = ("dwls", "wlsmv")
_NEEDS_ANSWERS = (
    "needs the answers of every respondent; it is not available after a fit to a covariance "
    "matrix, with FIML (missing answers) or with ordinal items (DWLS, WLSMV)."
)


@dataclass(frozen=True, eq=False, repr=False)
class CBSEMResult(SEMResult):
    """A fitted covariance-based structural equation model (fills
    :class:`~sem_csat.contract.SEMResult`).

    Attributes
    ----------
    spec
        The model.
    settings
        Method, missing-data policy and missing-value codes
        (:class:`~sem_csat.cbsem.model.CBSEMSettings`).
    data
        The prepared data: the answers (with NaN under FIML), or, after a fit to a covariance
        matrix, no rows and the matrix in ``data.moments``.
    estimate
        The pipeline's fit (:class:`~sem_csat.cbsem.pipeline.CBSEMFit`): parameter table,
        implied and sample moments, convergence facts, tests.
    fit_indices
        The :class:`~sem_csat.cbsem.fit_indices.FitIndices` (``None`` when the model did not
        converge: they would mean nothing); :attr:`fit_table` is their ``fit.csv`` row.
    diagnostics
        Everything worth a warning, from the spec, the data, the estimation and the fit.
    boot
        The bootstrap (:meth:`bootstrap`), or ``None``; then :attr:`paths` carries bootstrap
        standard errors and intervals and :attr:`effects` intervals of the indirect and total
        effects.
    ci
        Which bootstrap interval fills ``ci_lower``/``ci_upper``: ``"percentile"`` or ``"bca"``.
    """

    spec: ModelSpec
    settings: CBSEMSettings
    data: PreparedData
    estimate: CBSEMFit
    fit_indices: FitIndices | None
    diagnostics: tuple[Diagnostic, ...] = ()
    boot: CBSEMBootstrap | None = None
    ci: CIMethod = "percentile"

    # ------------------------------------------------------------------ basic facts
    @property
    def method_name(self) -> str:
        """The method's readable name (``"maximum likelihood"``, ...)."""
        return METHOD_NAMES.get(self.method, self.method)

    @property
    def statistic(self) -> Statistic:
        """``"z_value"``: CB-SEM inference is the Wald z."""
        return STATISTIC

    @property
    def robust(self) -> bool:
        """Whether the standard errors are robust and the test scaled (MLR, WLSMV)."""
        return bool(self.settings.robust)

    @property
    def n_obs(self) -> int:
        """Respondents used."""
        return int(self.estimate.n_obs)

    @property
    def converged(self) -> bool:
        """Whether the optimizer converged."""
        return bool(self.estimate.converged)

    @property
    def _has_quality(self) -> bool:
        """Whether :attr:`quality` exists: continuous items (answers, FIML or a matrix)."""
        return self.method not in _ORDINAL

    @property
    def _answers(self) -> bool:
        """Whether every respondent's complete answers were fitted (raw, continuous)."""
        return self.data.complete and self.method not in _ORDINAL

    # ------------------------------------------------------------------ tables
    @cached_property
    def params(self) -> pd.DataFrame:
        """The long parameter table (:data:`PARAM_COLUMNS`; lavaan's ``parameterEstimates``).

        ``estimate`` is unstandardized, ``std_lv`` standardized by the model-implied variances
        of the constructs only and ``std_all`` completely standardized, as lavaan's ``std.lv``
        and ``std.all``.  Defined parameters (``:=``) are rows with ``op`` ``":="``, ``lhs``
        their name and ``rhs`` their expression, with delta-method standard errors (lavaan's
        ``parameterEstimates``).  After :meth:`bootstrap` every free and defined row carries the
        bootstrap standard error, z (estimate over it), p and interval, as lavaan's
        ``se = "bootstrap"``.
        """
        fit = self.estimate
        # the pipeline's table: every row lavaan lists (':=' and '~1' rows too) with its
        # std.lv and std.all and the fit's inference (MLR's robust SEs), or the bootstrap's
        table = fit.params.copy()
        if self.boot is not None:
            inference = list(_INFERENCE)
            boot = self._boot_columns(self.boot.params)
            keys = ["lhs", "op", "rhs"]
            merged = table[keys].merge(boot, on=keys, how="left")
            found = merged["std_error"].notna().to_numpy()
            table.loc[found, inference] = merged.loc[found, inference].to_numpy()
        return conform(table, PARAM_COLUMNS)

    @cached_property
    def paths(self) -> pd.DataFrame:
        """One row per structural path (:data:`PATH_COLUMNS`): the unstandardized estimate with
        its SE, z, p and 95% CI (after :meth:`bootstrap`: the bootstrap ones), and the
        completely standardized estimate."""
        t = self.params
        reg = t[t["op"] == "~"].rename(
            columns={"rhs": "from", "lhs": "to", "std_all": "std_estimate"}
        )
        order = pd.DataFrame(
            {
                "from": pd.Series([p.source for p in self.spec.paths], dtype=str),
                "to": pd.Series([p.target for p in self.spec.paths], dtype=str),
            }
        )
        merged = order.merge(reg, on=["from", "to"], how="left")
        if self.boot is not None:
            boot = self._boot_columns(self.boot.params[self.boot.params["op"] == "~"])
            boot = boot.rename(columns={"rhs": "from", "lhs": "to"}).drop(columns=["op"])
            merged = merged.drop(columns=list(_INFERENCE)).merge(
                boot, on=["from", "to"], how="left"
            )
        return conform(merged, PATH_COLUMNS)

    def _boot_columns(self, table: pd.DataFrame) -> pd.DataFrame:
        lo, hi = ("ci_lower", "ci_upper") if self.ci == "percentile" else ("bca_lower", "bca_upper")
        keys = [c for c in ("lhs", "op", "rhs", "from", "to", "effect") if c in table.columns]
        out = table[[*keys, "std_error", "t_value", "p_value", lo, hi]].rename(
            columns={"t_value": STATISTIC, lo: "ci_lower", hi: "ci_upper"}
        )
        return out.astype({k: str for k in keys})

    @cached_property
    def outer(self) -> pd.DataFrame:
        """One row per indicator (:data:`~sem_csat.contract.OUTER_COLUMNS`).

        ``loading`` is the unstandardized loading, ``std_loading`` the completely standardized
        one, and ``weight`` the item's regression factor-score weight for its construct.

        Notes
        -----
        The regression (Thurstone) factor scores are :math:`\\hat\\eta = W x` with
        :math:`W = \\Phi \\Lambda^\\top \\Sigma^{-1}`, where :math:`\\Phi` is the model-implied
        covariance matrix of the constructs, :math:`\\Lambda` the loadings and :math:`\\Sigma`
        the model-implied covariance matrix of the items (lavaan's ``lavPredict(fit, method =
        "regression")``; Thurstone 1935).  ``weight`` is the entry of :math:`W` for the
        construct and the item; the weights of an item for the other constructs are not
        shown.
        """
        t = self.params
        load = t[t["op"] == "=~"].set_index(["lhs", "rhs"])
        weights = _score_weights(self.estimate, self.spec)
        rows = []
        for c in self.spec.constructs:
            for i in c.indicator_names:
                key = (c.name, i)
                present = key in load.index
                rows.append(
                    {
                        "construct": c.name,
                        "indicator": i,
                        "weight": weights.loc[c.name, i],
                        "loading": load.loc[key, "estimate"] if present else np.nan,
                        "std_loading": load.loc[key, "std_all"] if present else np.nan,
                    }
                )
        return conform(pd.DataFrame(rows), OUTER_COLUMNS)

    @cached_property
    def r2(self) -> pd.DataFrame:
        """R² of each endogenous construct (and of each dimension of a higher-order construct):
        1 − standardized residual variance; NaN above 1 (a negative residual variance), as
        lavaan reports it.

        ``r2_adj`` is not defined for latent variables and is NaN (the column keeps the shape
        of ``r2.csv`` the same for both engines).
        """
        t = self.estimate.params
        var = t[(t["op"] == "~~") & (t["lhs"] == t["rhs"])].set_index("lhs")["std_all"]
        dims = [c for c in self.spec.lower_order if c not in self.spec.endogenous]
        rows = [
            {"construct": c, "r2": _proper_r2(1.0 - float(var[c])), "r2_adj": np.nan}
            for c in (*self.spec.endogenous, *dims)
        ]
        columns = ("construct", *R2_COLUMNS)
        table = conform(pd.DataFrame(rows, columns=list(columns)), columns)
        return table.set_index("construct")

    @cached_property
    def path_matrix(self) -> pd.DataFrame:
        """Unstandardized path coefficients as a square table (row = from, column = to)."""
        names = list(self.constructs)
        b = np.zeros((len(names), len(names)))
        paths = self.paths
        for src, tgt, value in zip(paths["from"], paths["to"], paths["estimate"], strict=True):
            b[names.index(str(src)), names.index(str(tgt))] = float(value)
        return pd.DataFrame(b, index=names, columns=names)

    @cached_property
    def effects(self) -> pd.DataFrame:
        """Direct, indirect and total effects (unstandardized): ``from, to, direct, indirect,
        total`` for every pair joined by a chain of paths.

        Notes
        -----
        With the path matrix :math:`B` (acyclic), the total effects are
        :math:`T = (I - B)^{-1} - I` and the indirect effects :math:`T - B` (Bollen 1987).
        """
        b = self.path_matrix.to_numpy()
        total = _total_effects(b)
        names = list(self.constructs)
        adjacency = np.zeros_like(b)
        for p in self.spec.paths:
            adjacency[names.index(p.source), names.index(p.target)] = 1.0
        reach = _total_effects(adjacency) > 0.5
        rows = [
            {
                "from": names[i],
                "to": names[j],
                "direct": float(b[i, j]),
                "indirect": float(total[i, j] - b[i, j]),
                "total": float(total[i, j]),
            }
            for i in range(len(names))
            for j in range(len(names))
            if reach[i, j]
        ]
        table = conform(pd.DataFrame(rows, columns=list(EFFECT_COLUMNS)), EFFECT_COLUMNS)
        if self.boot is None:
            return table
        direct = self.paths[["from", "to", "std_error", "ci_lower", "ci_upper"]]
        parts = {"direct": direct}
        for kind in ("indirect", "total"):
            part = self._boot_columns(self.boot.effects[self.boot.effects["effect"] == kind])
            parts[kind] = part.drop(columns=["effect"])[
                ["from", "to", "std_error", "ci_lower", "ci_upper"]
            ]
        for kind, part in parts.items():
            renamed = part.rename(
                columns={
                    "std_error": f"{kind}_se",
                    "ci_lower": f"{kind}_ci_lower",
                    "ci_upper": f"{kind}_ci_upper",
                }
            )
            table = table.merge(renamed, on=["from", "to"], how="left")
        return conform(table, (*EFFECT_COLUMNS, *effect_boot_columns()))

    @cached_property
    def fit_table(self) -> pd.DataFrame:
        """The one-row ``fit.csv`` table (NaN everywhere when there are no fit indices).

        The first columns are sem_csat's (:data:`~sem_csat.cbsem.fit_indices.FIT_ROW_COLUMNS`,
        and for a robust fit, MLR or WLSMV, :data:`ROBUST_COLUMNS`); then every measure
        lavaan's ``fitMeasures()`` reports for the estimator, under lavaan's name with ``.``
        written ``_`` (``npar``, ``fmin``, ``baseline_chisq``, ``nnfi``, ``rmsea_ci_level``,
        ...), unless sem_csat's columns already have that name.
        """
        from sem_csat.cbsem.fit_indices import FIT_ROW_COLUMNS

        columns = list(FIT_ROW_COLUMNS) + (list(ROBUST_COLUMNS) if self.robust else [])
        if self.fit_indices is None:
            return pd.DataFrame([{c: np.nan for c in columns}], columns=columns)
        row: dict[str, float] = dict(self.fit_indices.as_row())
        for name in ROBUST_COLUMNS if self.robust else ():
            value = getattr(self.fit_indices, name)
            row[name] = np.nan if value is None else float(value)
        for name, value in self.fit_indices.as_lavaan().items():
            key = name.replace(".", "_")
            if key not in row:
                row[key] = value
                columns.append(key)
        return pd.DataFrame([row], columns=columns)

    @cached_property
    def quality(self) -> QualityReport:
        """Measurement quality of the fit (reliability, AVE, HTMT, Fornell–Larcker, ...).

        Loadings are the standardized loadings of the model, construct correlations the
        model-implied latent correlations, and ``omega`` McDonald's ω as semTools'
        ``compRelSEM`` computes it by default (:func:`sem_csat.measurement.model_omega`);
        ``rho_c`` is this ω, and the AVE is semTools' ``AVE``
        (:func:`sem_csat.measurement.model_ave`).

        After FIML, the sample moments are the EM estimate of the unrestricted (saturated)
        model, lavaan's h1, which is what semTools reads from a FIML fit: ω, AVE, α, HTMT and
        the item statistics all come from it.  After a fit to a covariance or correlation
        matrix they come from that matrix.

        Raises
        ------
        UsageError
            With ordinal items (DWLS, WLSMV): ω of ordinal items needs the thresholds
            (Green & Yang 2009), which is not implemented.
        """
        from sem_csat.cbsem.checks import latent_covariance
        from sem_csat.errors import UsageError
        from sem_csat.measurement import (
            ModelMeasures,
            model_ave,
            model_omega,
            quality_from_measures,
        )

        if self.method in _ORDINAL:
            raise UsageError(
                "The measurement-quality report (omega, AVE, alpha, HTMT) is not yet available "
                "for ordinal items (DWLS, WLSMV); fit the items as continuous (method='ml' or "
                "'mlr') for it, or report the standardized loadings of params."
            )
        t = self.estimate.params
        load = t[(t["op"] == "=~") & t["rhs"].isin(self.spec.indicator_names)]
        std = pd.Series(load["std_all"].to_numpy(), index=load["rhs"].astype(str).to_numpy())
        lat = latent_covariance(self.estimate, self.spec)
        sd = np.sqrt(np.clip(np.diag(lat.to_numpy()), 0, None))
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = lat / np.outer(sd, sd)
        # the fit's own sample moments, as semTools' compRelSEM/AVE (obs.var = TRUE) read them:
        # divisor N under ML/MLR, N - 1 under GLS/ULS
        items = list(self.spec.indicator_names)
        s = self.estimate.sample_cov(0).loc[items, items].to_numpy(dtype=np.float64)
        variances = np.diag(lat.to_numpy(dtype=np.float64))
        omega: dict[str, float] = {}
        ave: dict[str, float] = {}
        for c in self.spec.constructs:
            if c.is_higher_order:  # made of constructs, not items: no omega or AVE of items
                omega[c.name] = ave[c.name] = np.nan
                continue
            rows = load[load["lhs"] == c.name]
            lam = rows["estimate"].to_numpy(dtype=np.float64)
            k = [items.index(str(i)) for i in rows["rhs"]]
            psi = float(variances[list(lat.index).index(c.name)])
            multi = len(k) > 1
            block = s[np.ix_(k, k)]
            omega[c.name] = float(model_omega(lam, psi, block)) if multi else np.nan
            ave[c.name] = float(model_ave(lam, psi, block)) if multi else np.nan
        names = list(lat.index)
        measures = ModelMeasures(
            method=self.method,
            loadings=std,
            construct_corr=pd.DataFrame(np.asarray(corr), index=names, columns=names),
            omega=pd.Series(omega),
            rho_c=pd.Series(omega),
            ave=pd.Series(ave),
        )
        data, notes = self._quality_data(s)
        return quality_from_measures(self.spec, data, measures, notes=notes)

    def _quality_data(
        self, em_cov: NDArray[np.float64]
    ) -> tuple[PreparedData, tuple[Diagnostic, ...]]:
        """The data of the quality report: the answers; the fitted matrix; or, after FIML, the
        EM estimate of the saturated covariance matrix ``em_cov`` (with a note saying so)."""
        from sem_csat.data.moments import SummaryStatistics, prepared_moments
        from sem_csat.errors import MissingDataWarning

        if self.data.moments is not None or self.data.complete:
            return self.data, ()
        items = list(self.spec.indicator_names)
        stats = SummaryStatistics(
            matrix=pd.DataFrame(em_cov, index=items, columns=items),
            n_obs=int(self.data.n_used),
            kind="covariance",
            source=self.data.source,
            sha256=self.data.sha256,
        )
        note = Diagnostic(
            "info",
            "quality_from_em_moments",
            "With missing answers (FIML), omega, AVE, alpha, HTMT and the item statistics are "
            "computed from the EM estimate of the saturated covariance matrix of all "
            f"{self.data.n_used} respondents (lavaan's h1, which semTools reads from a FIML "
            "fit), not from the complete cases only.",
            MissingDataWarning,
        )
        return prepared_moments(stats), (note,)

    @cached_property
    def htmt_bootstrap(self) -> HTMTBootstrap | None:
        """HTMT and HTMT2 with bootstrap intervals and the tests against .85 and .90, from the
        resamples of :attr:`boot` (same seed, same number of resamples, same respondents), or
        ``None`` before :meth:`bootstrap` or when fewer than two reflective constructs have
        two or more items."""
        from sem_csat.measurement import htmt_bootstrap, htmt_testable

        if self.boot is None or not htmt_testable(self.spec):
            return None
        return htmt_bootstrap(
            self.spec,
            self.data,
            self.boot.n_boot,
            seed=self.boot.replicates.root,
            conf=self.boot.conf,
            progress=False,
        )

    # ------------------------------------------------------------------ inference
    def bootstrap(
        self,
        n_boot: int = 5000,
        *,
        seed: int | None = None,
        n_jobs: int | None = 1,
        conf: float = 0.95,
        ci: CIMethod = "percentile",
        progress: bool | None = None,
    ) -> CBSEMResult:
        """Bootstrap the fit (lavaan's ``se="bootstrap"``) and return a new result.

        Standard errors and intervals of the paths, and intervals of the indirect and total
        effects, then come from ``n_boot`` resamples of the respondents, re-estimated by a
        batched warm-started optimizer (:func:`sem_csat.cbsem.bootstrap.bootstrap_cbsem`).
        The numbers are identical for any ``n_jobs``; the arguments mean what they mean for
        :meth:`sem_csat.pls.results.PLSResult.bootstrap`.

        Raises
        ------
        UsageError
            For a fit to a covariance matrix, with FIML or with ordinal items (the resamples
            need every respondent's complete, continuous answers), and for a bad ``ci``.
        """
        from sem_csat.cbsem.bootstrap import bootstrap_cbsem
        from sem_csat.errors import UsageError
        from sem_csat.inference.limits import check_resamples

        if ci not in CI_METHODS:
            raise UsageError(f"ci must be 'percentile' or 'bca'; got {ci!r}.")
        if not self._answers:
            raise UsageError(
                f"The CB-SEM bootstrap {_NEEDS_ANSWERS} Bootstrap a fit by ML, MLR, GLS or "
                "ULS to complete raw data."
            )
        check_resamples(n_boot, conf)  # enough for the intervals to have tails at all
        boot = bootstrap_cbsem(self, n_boot, seed=seed, n_jobs=n_jobs, conf=conf, progress=progress)
        return dataclasses.replace(
            self, boot=boot, ci=ci, diagnostics=(*self.diagnostics, *boot.diagnostics)
        )

    @cached_property
    def _modindices(self) -> pd.DataFrame | None:
        fit = self.estimate
        if not self.converged or fit.stats.missing or fit.stats.ordinal:
            return None
        table: pd.DataFrame = fit.modification_indices()
        return table

    def modification_indices(self) -> pd.DataFrame:
        """Modification indices: the score test of freeing each fixed or omitted parameter
        (lavaan's ``modindices()``, :mod:`sem_csat.cbsem.modindices`).

        Returns
        -------
        pandas.DataFrame
            ``lhs, op, rhs, group, mi, epc, sepc_lv, sepc_all, sepc_nox``, one row per
            candidate lavaan lists, largest ``mi`` first.  ``mi`` approximates the drop in χ²
            (1 df) if that parameter alone were freed, ``epc`` how far it would move,
            ``sepc_*`` the same in standardized units.  MLR uses the ML scores, as lavaan.

        Raises
        ------
        UsageError
            For a fit that did not converge, or a FIML or DWLS/WLSMV fit (not yet available).
        """
        from sem_csat.errors import UsageError

        table = self._modindices
        if table is None:
            raise UsageError(
                "Modification indices need a converged fit by ML, MLR, GLS or ULS to complete "
                "data; "
                + (
                    "this fit did not converge."
                    if not self.converged
                    else "they are not yet available after FIML or DWLS/WLSMV."
                )
            )
        return table.copy()

    def modification_section(self, top: int = 10) -> Section | None:
        """The largest ``top`` modification indices with what freeing each would mean, as a
        summary :class:`~sem_csat.summary.Section` (for the summary and the report), or
        ``None`` when there are none."""
        from sem_csat.cbsem.modindices import describe

        table = self._modindices
        if table is None or table.empty:
            return None
        latent = set(self.spec.construct_names)
        shown = table.head(top)[["lhs", "op", "rhs", "mi", "epc", "sepc_all"]].copy()
        shown["meaning"] = [
            describe(a, o, c, latent)
            for a, o, c in zip(shown["lhs"], shown["op"], shown["rhs"], strict=True)
        ]
        lines = (
            "mi: the chi-square (1 df) would fall by about this much if the parameter alone "
            "were freed; epc and sepc_all: its expected value, raw and standardized. Free a "
            "parameter only when it makes substantive sense, one at a time, and confirm on new "
            "data (MacCallum, Roznowski & Necowitz 1992).",
        )
        return Section(f"Modification indices (largest {len(shown)})", shown, lines=lines)

    def nested_test_info(self) -> CBSEMNestedInfo:
        """What :func:`sem_csat.compare` needs to test this model against nested ones."""
        return nested_info(self)

    # ------------------------------------------------------------------ output contract
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table :func:`sem_csat.write` writes, by file name without ``.csv``.

        ``fit``, ``params``, ``paths``, ``outer``, ``r2``, ``effects``, ``modindices`` (the
        :meth:`modification_indices` of a converged pipeline fit); with every
        respondent's complete answers the measurement-quality tables
        (:meth:`~sem_csat.measurement.QualityReport.csv_tables`) and after a bootstrap
        ``htmt_bootstrap``.
        """
        out: dict[str, pd.DataFrame] = {
            "fit": self.fit_table,
            "params": self.params,
            "paths": self.paths,
            "outer": self.outer,
            "r2": self.r2.reset_index(),
            "effects": self.effects,
        }
        if self._modindices is not None:
            out["modindices"] = self._modindices
        if self._has_quality:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out.update(self.quality.csv_tables())
                htmt_boot = self.htmt_bootstrap
            if htmt_boot is not None:
                out["htmt_bootstrap"] = htmt_boot.table
        out.update(self.dashboard_tables())
        return out

    def figures(self) -> dict[str, ResultFigure]:
        """No figures of its own (the path diagram is drawn from the contract); the survey
        metrics' Kano map when the spec declares Kano pairs."""
        return self.dashboard_figures()

    def findings(self) -> tuple[Diagnostic, ...]:
        """The estimation's diagnostics, the quality verdicts (continuous items) and the HTMT
        bootstrap's findings."""
        if not self._has_quality:
            return self.diagnostics
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quality = self.quality.diagnostics
            htmt_boot = self.htmt_bootstrap
        extra = () if htmt_boot is None else htmt_boot.diagnostics
        return (*self.diagnostics, *quality, *extra, *self.dashboard_findings())

    def run_facts(self) -> dict[str, Any]:
        """``converged``, ``iterations``, ``gradient_norm``, ``free_parameters``, ``df`` and the
        number of warnings."""
        est = self.estimate
        return {
            "converged": self.converged,
            "iterations": int(est.iterations),
            "gradient_norm": float(est.gradient_norm),
            "free_parameters": int(est.npar),
            "df": int(est.df),
            "warnings": sum(d.severity != "info" for d in self.diagnostics),
        }

    # ------------------------------------------------------------------ display
    def summary(self) -> Summary:
        """Text/HTML summary: data, estimator, fit indices, paths, R², warnings."""
        est = self.estimate
        estimator = est.options.estimator
        d = self.data
        header = [
            (
                "Model",
                f"{self.spec.name} ({len(self.constructs)} constructs, "
                f"{len(self.spec.indicator_names)} indicators, {len(self.spec.paths)} paths)",
            ),
            (
                "Method",
                f"CB-SEM, {_ESTIMATOR_NAMES.get(estimator, estimator)} "
                f"({self.method.upper()}{': robust SEs, scaled test' if self.robust else ''})",
            ),
            ("Data", f"{d.source}: {self.n_obs} of {d.n_total} respondents used"),
            (
                "Estimation",
                f"{'converged' if est.converged else 'NOT converged'} after {est.iterations} "
                f"iterations; {est.npar} free parameters, df = {est.df}",
            ),
        ]
        if self.boot is not None:
            header.append(
                (
                    "Bootstrap",
                    f"{self.boot.n_ok} of {self.boot.n_boot} resamples (seed {self.boot.seed}); "
                    f"{self.boot.conf:.0%} {self.ci} intervals",
                )
            )
        sections = []
        if self.fit_indices is not None:
            from sem_csat.cbsem.fit_indices import FIT_ROW_COLUMNS

            shown = list(FIT_ROW_COLUMNS) + (list(ROBUST_COLUMNS) if self.robust else [])
            row = self.fit_table[shown].T.reset_index()  # fit.csv has every lavaan measure
            row.columns = ["index", "value"]
            sections.append(Section("Fit indices", row))
        cols = ["from", "to", "estimate", "std_error", "p_value", "std_estimate"]
        sections += [
            Section("Structural model", self.paths[cols]),
            Section("Explained variance", self.r2.reset_index()[["construct", "r2"]]),
        ]
        defined = self.params[self.params["op"] == ":="]
        if not defined.empty:
            columns = ["lhs", "rhs", "estimate", "std_error", "p_value", "ci_lower", "ci_upper",
                       "std_all"]  # fmt: skip
            sections.append(Section("Defined parameters", defined[columns]))
        modindices = self.modification_section()
        if modindices is not None:
            sections.append(modindices)
        sections.append(Section("Parameter table", self.params, collapsed=True))
        sections += self.dashboard_sections()
        return Summary(
            f"sem_csat CB-SEM results: {self.spec.name}", header, sections, self._shown_findings()
        )

    def _shown_findings(self) -> tuple[Diagnostic, ...]:
        """Every finding, as report.html and diagnostics.csv show them; a fit that did not
        converge has only the estimation's (nothing is read off an arbitrary point)."""
        return self.findings() if self.converged else self.diagnostics

    def _repr_fields(self) -> str:
        n_warn = sum(d.severity != "info" for d in self._shown_findings())
        return (
            f"{self.spec.name!r}: {self.method}, N={self.n_obs}, df={self.estimate.df}, "
            f"{n_warn} warnings"
        )


# --------------------------------------------------------------------------------------------
# helpers


def _proper_r2(value: float) -> float:
    """lavaan reports no R² above 1 (a negative residual variance): NaN."""
    return value if not value > 1.0 else float("nan")


def _total_effects(b: NDArray[np.float64]) -> NDArray[np.float64]:
    """:math:`(I - B)^{-1} - I` of an acyclic path matrix (row = from, column = to)."""
    eye = np.eye(b.shape[0])
    out: NDArray[np.float64] = np.linalg.solve(eye - b.T, eye).T - eye
    return out


def _score_weights(estimate: CBSEMFit, spec: ModelSpec) -> pd.DataFrame:
    """Regression factor-score weights :math:`\\Phi\\Lambda^\\top\\Sigma^{-1}` (constructs ×
    items); NaN when the implied covariance matrix cannot be inverted."""
    from sem_csat.cbsem.checks import latent_covariance

    items = list(spec.indicator_names)
    names = list(spec.construct_names)
    t = estimate.params
    lam = np.zeros((len(items), len(names)))
    for lhs, rhs, est in zip(
        t.loc[t["op"] == "=~", "lhs"], t.loc[t["op"] == "=~", "rhs"],
        t.loc[t["op"] == "=~", "estimate"], strict=True,
    ):  # fmt: skip
        if str(lhs) in names and str(rhs) in items:
            lam[items.index(str(rhs)), names.index(str(lhs))] = float(est)
    phi = latent_covariance(estimate, spec).loc[names, names].to_numpy(dtype=np.float64)
    sigma = estimate.implied_cov(0).loc[items, items].to_numpy(dtype=np.float64)
    try:
        w = np.linalg.solve(sigma, lam @ phi).T
    except np.linalg.LinAlgError:
        w = np.full((len(names), len(items)), np.nan)
    return pd.DataFrame(w, index=names, columns=items)


@dataclass(frozen=True, eq=False)
class CBSEMNestedInfo:
    """What a CB-SEM fit offers to :func:`sem_csat.compare`
    (:class:`~sem_csat.contract.NestedTestInfo`).

    ``difference_test`` is lavaan's ``lavTestLRT`` for two fits: the likelihood-ratio test of
    ML fits (FIML included), the Satorra–Bentler (2001) scaled difference of MLR fits
    (:func:`sem_csat.cbsem.test.satorra_bentler_2001`), from the standard statistics and the
    scaling factors of their Yuan–Bentler tests.
    """

    estimator: str
    robust: bool
    n_obs: int
    sample_cov: pd.DataFrame = dataclasses.field(repr=False)
    npar: int
    df: int
    converged: bool
    fit: Mapping[str, float] = dataclasses.field(repr=False)
    chi2: float = float("nan")
    scaling_factor: float = float("nan")

    def difference_test(self, full: NestedTestInfo) -> DifferenceTest:
        """Test this (restricted) model against ``full``."""
        from sem_csat.cbsem.test import satorra_bentler_2001
        from sem_csat.errors import UsageError

        if not isinstance(full, CBSEMNestedInfo):
            raise UsageError("A CB-SEM model can only be tested against another CB-SEM model.")
        return satorra_bentler_2001(
            (self.chi2, self.df, self.scaling_factor),
            (full.chi2, full.df, full.scaling_factor),
            self.n_obs,
            scaled=self.robust and full.robust,
        )


_FIT_KEYS = (
    "chi2",
    "chi2_scaled",
    "scaling_factor",
    "cfi",
    "tli",
    "rmsea",
    "cfi_robust",
    "tli_robust",
    "rmsea_robust",
    "srmr",
    "aic",
    "bic",
)


def nested_info(result: CBSEMResult) -> CBSEMNestedInfo:
    """The :class:`CBSEMNestedInfo` of a CB-SEM result."""
    est = result.estimate
    fit = result.fit_indices
    values = {}
    for key in _FIT_KEYS:
        value = getattr(fit, key, None) if fit is not None else None
        values[key] = np.nan if value is None else float(value)
    scaling = float("nan")
    if est.scaled_test is not None:
        scaling = float(est.scaled_test.scaling_factor)
    robust = result.method == "mlr"
    return CBSEMNestedInfo(
        estimator="MLR" if robust else str(est.options.estimator),
        robust=robust,
        n_obs=int(est.n_obs),
        sample_cov=est.sample_cov(0),
        npar=int(est.npar),
        df=int(est.df),
        converged=result.converged,
        fit=values,
        chi2=values["chi2"],
        scaling_factor=scaling,
    )
