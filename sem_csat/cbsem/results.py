"""Results of a covariance-based SEM fit (ML, GLS, ULS).

A :class:`CBSEMResult` holds the estimation (:class:`~sem_csat.cbsem.estimation.CBSEMEstimate`),
the fit indices computed by sem_csat itself with lavaan's definitions
(:func:`~sem_csat.cbsem.fit_indices.fit_indices`) and every diagnostic.  Its tables have the same
shapes as the PLS result's, so that output, tables and comparisons treat both engines alike:
:attr:`params` is the long parameter table, :attr:`paths` one row per structural path.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from sem_csat.diagnostics import Diagnostic
from sem_csat.summary import Section, Summary

if TYPE_CHECKING:
    from sem_csat.cbsem.bootstrap import CBSEMBootstrap
    from sem_csat.cbsem.estimation import CBSEMEstimate
    from sem_csat.cbsem.fit_indices import FitIndices
    from sem_csat.cbsem.robust import RobustResult
    from sem_csat.measurement import QualityReport
    from sem_csat.spec.model import ModelSpec

__all__ = ["PATH_COLUMNS", "ROBUST_COLUMNS", "CBSEMResult"]

#: Columns of ``paths.csv`` for CB-SEM.
PATH_COLUMNS: tuple[str, ...] = (
    "from",
    "to",
    "estimate",
    "std_error",
    "z_value",
    "p_value",
    "ci_lower",
    "ci_upper",
    "std_estimate",
)

#: Extra ``fit.csv`` columns of an MLR fit.
ROBUST_COLUMNS: tuple[str, ...] = (
    "chi2_scaled",
    "scaling_factor",
    "cfi_robust",
    "tli_robust",
    "rmsea_robust",
)

_NAMES = {
    "DWLS": "diagonally weighted least squares on polychoric correlations",
    "ML": "maximum likelihood",
    "GLS": "generalized least squares",
    "ULS": "unweighted LS",
}


@dataclass(frozen=True, eq=False)
class CBSEMResult:
    """A fitted covariance-based structural equation model.

    Attributes
    ----------
    spec
        The model.
    estimate
        Parameter table, implied and sample covariance matrices, convergence facts.
    fit
        Fit indices (``None`` when the model did not converge: they would mean nothing).
    source
        Where the data came from (file name, ``"<DataFrame>"`` or ``"<covariance matrix>"``).
    n_total
        Respondents in the data before missing values were removed.
    diagnostics
        Everything worth a warning, from the spec, the data, the estimation and the fit.
    robust
        MLR: the standard errors are Huber–White robust and :attr:`fit` carries the scaled χ²
        and the robust CFI/TLI/RMSEA (WLSMV: robust SEs and the adjusted χ²).
    label
        The method's name when it is not the estimator's (``"wlsmv"``).
    data
        The complete item data that were fitted (for the bootstrap; ``None`` for summary
        statistics, FIML and WLSMV fits).
    boot
        The bootstrap (:meth:`bootstrap`), or ``None``; then :attr:`paths` carries bootstrap
        standard errors and intervals and :attr:`effects` intervals of the indirect and total
        effects.
    ci
        Which bootstrap interval fills ``ci_lower``/``ci_upper``: ``"percentile"`` or ``"bca"``.
    robust_result
        The MLR corrections (:class:`~sem_csat.cbsem.robust.RobustResult`) of an MLR fit, used
        by :func:`sem_csat.compare` for the Satorra–Bentler scaled difference test.
    """

    spec: ModelSpec
    estimate: CBSEMEstimate
    fit: FitIndices | None
    source: str
    n_total: int
    diagnostics: tuple[Diagnostic, ...] = ()
    robust: bool = False
    label: str | None = None
    data: pd.DataFrame | None = dataclasses.field(default=None, repr=False)
    boot: CBSEMBootstrap | None = None
    ci: Literal["percentile", "bca"] = "percentile"
    robust_result: RobustResult | None = dataclasses.field(default=None, repr=False)

    @property
    def method(self) -> str:
        """The estimator, lower case (``"ml"``, ``"mlr"``, ``"gls"``, ``"uls"``)."""
        if self.label is not None:
            return self.label
        return "mlr" if self.robust else str(self.estimate.estimator).lower()

    @property
    def n_obs(self) -> int:
        """Respondents used."""
        return int(self.estimate.n_obs)

    @property
    def converged(self) -> bool:
        """Whether the optimizer converged."""
        return bool(self.estimate.converged)

    @property
    def constructs(self) -> tuple[str, ...]:
        """Construct names in spec order."""
        return self.spec.construct_names

    # ------------------------------------------------------------------ tables
    @cached_property
    def params(self) -> pd.DataFrame:
        """The long parameter table (lavaan's layout, unstandardized ``estimate``)."""
        return self.estimate.table.copy()

    @cached_property
    def paths(self) -> pd.DataFrame:
        """One row per structural path, with SE, z, p, 95% CI and the standardized estimate."""
        t = self.estimate.table
        reg = t[t["op"] == "~"].rename(
            columns={"rhs": "from", "lhs": "to", "std_all": "std_estimate"}
        )
        order = pd.DataFrame(
            {
                "from": pd.Series([p.source for p in self.spec.paths], dtype=object),
                "to": pd.Series([p.target for p in self.spec.paths], dtype=object),
            }
        )
        reg = reg.astype({"from": object, "to": object})
        merged = order.merge(reg, on=["from", "to"], how="left").reindex(columns=list(PATH_COLUMNS))
        if self.boot is None:
            return merged
        boot = self._boot_columns(self.boot.params[self.boot.params["op"] == "~"])
        boot = boot.rename(columns={"rhs": "from", "lhs": "to"}).drop(columns=["op"])
        merged = merged.drop(columns=["std_error", "z_value", "p_value", "ci_lower", "ci_upper"])
        merged = merged.merge(boot, on=["from", "to"], how="left")
        return merged.reindex(columns=list(PATH_COLUMNS))

    def _boot_columns(self, table: pd.DataFrame) -> pd.DataFrame:
        lo, hi = ("ci_lower", "ci_upper") if self.ci == "percentile" else ("bca_lower", "bca_upper")
        keys = [c for c in ("lhs", "op", "rhs", "from", "to", "effect") if c in table.columns]
        out = table[[*keys, "std_error", "t_value", "p_value", lo, hi]].rename(
            columns={"t_value": "z_value", lo: "ci_lower", hi: "ci_upper"}
        )
        return out.astype({k: object for k in keys})

    @cached_property
    def quality(self) -> QualityReport:
        """Measurement quality of the fit (reliability, AVE, HTMT, Fornell–Larcker, ...).

        Loadings are the standardized loadings of the model, construct correlations the
        model-implied latent correlations, and ``omega`` McDonald's ω as semTools'
        ``compRelSEM`` computes it by default:
        :math:`\\omega = (\\sum\\lambda)^2\\psi / \\mathbf 1^\\top S \\mathbf 1` with the
        unstandardized loadings λ, the factor variance ψ and the observed covariance matrix S
        (divisor N) of the block; ``rho_c`` is this ω, and the AVE is
        :math:`\\sum\\lambda_i^2\\psi / \\sum s_{ii}` (semTools' ``AVE``).
        Needs the raw data (not available after fitting a covariance matrix).
        """
        from sem_csat.cbsem.checks import latent_covariance
        from sem_csat.errors import UsageError
        from sem_csat.measurement import ModelMeasures, quality_from_measures

        if self.data is None:
            raise UsageError(
                "The measurement-quality report needs the raw data (alpha, HTMT); it is not "
                "available for a fit to a covariance matrix, FIML or WLSMV."
            )
        t = self.estimate.table
        load = t[t["op"] == "=~"]
        std = pd.Series(load["std_all"].to_numpy(), index=load["rhs"].astype(str).to_numpy())
        lat = latent_covariance(self.estimate, self.spec)
        sd = np.sqrt(np.clip(np.diag(lat.to_numpy()), 0, None))
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = lat / np.outer(sd, sd)
        s = np.cov(self.data.to_numpy(dtype=np.float64), rowvar=False, ddof=0)
        items = list(self.spec.indicator_names)
        omega: dict[str, float] = {}
        ave: dict[str, float] = {}
        for c in self.spec.constructs:
            rows = load[load["lhs"] == c.name]
            lam = rows["estimate"].to_numpy(dtype=np.float64)
            k = [items.index(str(i)) for i in rows["rhs"]]
            total = float(np.ones(len(k)) @ s[np.ix_(k, k)] @ np.ones(len(k)))
            psi = float(
                lat.to_numpy()[self.constructs.index(c.name)][self.constructs.index(c.name)]
            )
            multi = len(k) > 1
            omega[c.name] = float(lam.sum() ** 2 * psi / total) if multi else np.nan
            variances = float(np.trace(s[np.ix_(k, k)]))
            ave[c.name] = float((lam**2).sum() * psi / variances) if multi else np.nan
        names = list(lat.index)
        measures = ModelMeasures(
            method=self.method,
            loadings=std,
            construct_corr=pd.DataFrame(np.asarray(corr), index=names, columns=names),
            omega=pd.Series(omega),
            rho_c=pd.Series(omega),
            ave=pd.Series(ave),
        )
        return quality_from_measures(self.spec, self.data, measures)

    def bootstrap(
        self,
        n_boot: int = 1000,
        *,
        seed: int | None = None,
        n_jobs: int | None = 1,
        conf: float = 0.95,
        ci: Literal["percentile", "bca"] = "percentile",
        progress: bool | None = None,
    ) -> CBSEMResult:
        """Bootstrap the fit (lavaan's ``se="bootstrap"``) and return a new result.

        Standard errors and intervals of the paths, and intervals of the indirect and total
        effects, then come from ``n_boot`` resamples of the respondents, re-estimated by a
        batched warm-started optimizer (:func:`sem_csat.cbsem.bootstrap.bootstrap_cbsem`).
        The numbers are identical for any ``n_jobs``.
        """
        from sem_csat.cbsem.bootstrap import bootstrap_cbsem
        from sem_csat.errors import UsageError

        if ci not in ("percentile", "bca"):
            raise UsageError(f"ci must be 'percentile' or 'bca'; got {ci!r}.")
        if self.data is None or self.method in ("wlsmv", "dwls") or "~1" in set(self.params["op"]):
            raise UsageError(
                "The CB-SEM bootstrap needs complete raw data fitted by ML, MLR, GLS or ULS; it "
                "is not available for covariance-matrix input, FIML or WLSMV fits."
            )
        boot = bootstrap_cbsem(
            self, n_boot, data=self.data, seed=seed, n_jobs=n_jobs, conf=conf, progress=progress
        )
        return dataclasses.replace(
            self, boot=boot, ci=ci, diagnostics=(*self.diagnostics, *boot.diagnostics)
        )

    @cached_property
    def r2(self) -> pd.DataFrame:
        """R² of each endogenous construct: 1 − standardized residual variance.

        ``r2_adj`` is not defined for latent variables and is NaN (the column keeps the shape
        of ``r2.csv`` the same for both engines).
        """
        t = self.estimate.table
        var = t[(t["op"] == "~~") & (t["lhs"] == t["rhs"])].set_index("lhs")["std_all"]
        rows = [
            {"construct": c, "r2": float(1.0 - var[c]), "r2_adj": np.nan}
            for c in self.spec.endogenous
        ]
        return pd.DataFrame(rows, columns=["construct", "r2", "r2_adj"]).set_index("construct")

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
        total`` for every pair joined by a chain of paths."""
        from sem_csat.pls.effects import total_effects

        b = self.path_matrix.to_numpy()
        total = total_effects(b)
        names = list(self.constructs)
        reach = total_effects((b != 0).astype(float)) > 0
        adjacency = np.zeros_like(b, dtype=bool)
        for p in self.spec.paths:
            adjacency[names.index(p.source), names.index(p.target)] = True
        reach = reach | adjacency
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
        table = pd.DataFrame(rows, columns=["from", "to", "direct", "indirect", "total"])
        if self.boot is None:
            return table
        table = table.astype({"from": object, "to": object})
        direct = self.paths[["from", "to", "std_error", "ci_lower", "ci_upper"]]
        parts = {"direct": direct.astype({"from": object, "to": object})}
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
        return table

    @cached_property
    def fit_table(self) -> pd.DataFrame:
        """The one-row ``fit.csv`` table (NaN everywhere when there are no fit indices).

        The first columns are sem_csat's (:data:`~sem_csat.cbsem.fit_indices.FIT_ROW_COLUMNS`,
        and the robust ones of MLR); then every measure lavaan's ``fitMeasures()`` reports for
        the estimator, under lavaan's name with ``.`` written ``_`` (``npar``, ``fmin``,
        ``baseline_chisq``, ``nnfi``, ``rmsea_ci_level``, ...), unless sem_csat's columns
        already have that name.
        """
        from sem_csat.cbsem.fit_indices import FIT_ROW_COLUMNS

        columns = list(FIT_ROW_COLUMNS) + (list(ROBUST_COLUMNS) if self.robust else [])
        if self.fit is None:
            return pd.DataFrame([{c: np.nan for c in columns}])
        row: dict[str, float] = dict(self.fit.as_row())
        for name in ROBUST_COLUMNS if self.robust else ():
            value = getattr(self.fit, name)
            row[name] = np.nan if value is None else float(value)
        for name, value in self.fit.as_lavaan().items():
            key = name.replace(".", "_")
            if key not in row:
                row[key] = value
                columns.append(key)
        return pd.DataFrame([row], columns=columns)

    # ------------------------------------------------------------------ display
    def summary(self) -> Summary:
        """Text/HTML summary: data, estimator, fit indices, paths, R², warnings."""
        est = self.estimate
        header = [
            (
                "Model",
                f"{self.spec.name} ({len(self.constructs)} constructs, "
                f"{len(self.spec.indicator_names)} indicators, {len(self.spec.paths)} paths)",
            ),
            (
                "Method",
                f"CB-SEM, {_NAMES.get(est.estimator, est.estimator)} ({self.method.upper()}"
                f"{': robust SEs, scaled test' if self.robust else ''})",
            ),
            ("Data", f"{self.source}: {self.n_obs} of {self.n_total} respondents used"),
            (
                "Estimation",
                f"{'converged' if est.converged else 'NOT converged'} after {est.iterations} "
                f"iterations; {est.n_free} free parameters, df = {est.df}",
            ),
        ]
        sections = []
        if self.fit is not None:
            from sem_csat.cbsem.fit_indices import FIT_ROW_COLUMNS

            shown = list(FIT_ROW_COLUMNS) + (list(ROBUST_COLUMNS) if self.robust else [])
            row = self.fit_table[shown].T.reset_index()  # fit.csv has every lavaan measure
            row.columns = ["index", "value"]
            sections.append(Section("Fit indices", row))
        cols = ["from", "to", "estimate", "std_error", "p_value", "std_estimate"]
        sections += [
            Section("Structural model", self.paths[cols]),
            Section("Explained variance", self.r2.reset_index()[["construct", "r2"]]),
            Section("Parameter table", self.params, collapsed=True),
        ]
        return Summary(
            f"sem_csat CB-SEM results: {self.spec.name}", header, sections, self.diagnostics
        )

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __repr__(self) -> str:
        n_warn = sum(d.severity != "info" for d in self.diagnostics)
        return (
            f"<CBSEMResult {self.spec.name!r}: {self.estimate.estimator}, N={self.n_obs}, "
            f"df={self.estimate.df}, {n_warn} warnings>"
        )
