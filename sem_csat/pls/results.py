"""Results of a PLS path model fit.

A :class:`PLSResult` is immutable: every table is derived from the engine's arrays on first use
(``functools.cached_property``) and a later fit never changes an earlier result.  The long
parameter table (:attr:`PLSResult.params`) has the same columns as the CB-SEM one, so tables,
diagrams and comparisons can treat both engines alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sem_csat.diagnostics import Diagnostic
from sem_csat.summary import Section, Summary

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from sem_csat.data import PreparedData
    from sem_csat.pls.engine import PLSEstimate
    from sem_csat.pls.ipma import IPMAResult
    from sem_csat.pls.model import PLSSettings
    from sem_csat.pls.plsc import PLScEstimate
    from sem_csat.spec.model import ModelSpec

__all__ = ["PARAM_COLUMNS", "PLSResult"]

_METHOD_NAMES = {"pls": "PLS path modeling", "plsc": "consistent PLS (PLSc)"}

#: Columns of every parameter table (lavaan's ``parameterEstimates`` shape).
PARAM_COLUMNS: tuple[str, ...] = (
    "lhs",
    "op",
    "rhs",
    "label",
    "estimate",
    "std_error",
    "z_value",
    "p_value",
    "ci_lower",
    "ci_upper",
    "std_all",
)


@dataclass(frozen=True, eq=False)
class PLSResult:
    """A fitted PLS path model.

    Attributes
    ----------
    spec
        The model that was fitted.
    settings
        Scheme, tolerance, iteration limit and missing-data policy.
    data
        The prepared data (N used / N total, source, hashes, data diagnostics).
    estimate
        The engine's raw arrays.
    standardized
        The standardized indicator matrix the scores are computed from.
    diagnostics
        Everything worth a warning, from the spec, the data and the estimation.

    Notes
    -----
    In :attr:`params`, ``=~`` rows hold the loadings and ``<~`` rows the outer weights of every
    block (whatever its mode), ``~`` rows the path coefficients (``lhs`` is the outcome, as in
    lavaan), ``~~`` rows the correlations between construct scores and ``r2`` rows the R².  PLS
    estimates are standardized, so ``std_all`` equals ``estimate``.
    """

    spec: ModelSpec
    settings: PLSSettings
    data: PreparedData
    estimate: PLSEstimate | PLScEstimate
    standardized: NDArray[np.float64]
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def method(self) -> str:
        """``"pls"`` or ``"plsc"``."""
        return self.settings.method

    @property
    def pls_estimate(self) -> PLSEstimate:
        """The ordinary PLS estimate (for PLSc: before the correction)."""
        from sem_csat.pls.plsc import PLScEstimate

        est = self.estimate
        return est.pls if isinstance(est, PLScEstimate) else est

    @property
    def rho_a(self) -> pd.Series | None:
        """Dijkstra–Henseler's :math:`\\rho_A` per construct (PLSc only; else ``None``)."""
        from sem_csat.pls.plsc import PLScEstimate

        if not isinstance(self.estimate, PLScEstimate):
            return None
        return pd.Series(np.asarray(self.estimate.rho_a), index=self.constructs, name="rho_a")

    # ------------------------------------------------------------------ basic facts
    @property
    def constructs(self) -> tuple[str, ...]:
        """Construct names in spec order."""
        return self.spec.construct_names

    @property
    def indicators(self) -> tuple[str, ...]:
        """Indicator names in spec order."""
        return self.spec.indicator_names

    @property
    def n_obs(self) -> int:
        """Number of respondents used."""
        return int(self.data.n_used)

    @property
    def iterations(self) -> int:
        """Iterations the algorithm needed."""
        return int(self.pls_estimate.iterations)

    @property
    def converged(self) -> bool:
        """Whether the algorithm converged (always True: non-convergence is an error)."""
        return bool(self.pls_estimate.converged)

    def _cidx(self, name: str) -> int:
        return self.constructs.index(name)

    # ------------------------------------------------------------------ tables
    @cached_property
    def path_matrix(self) -> pd.DataFrame:
        """Path coefficients as a square table: row = from, column = to (SmartPLS layout)."""
        return pd.DataFrame(
            np.asarray(self.estimate.paths), index=self.constructs, columns=self.constructs
        )

    @cached_property
    def paths(self) -> pd.DataFrame:
        """One row per structural path: ``from, to, estimate, std_estimate``."""
        b = np.asarray(self.estimate.paths)
        rows = [
            {
                "from": p.source,
                "to": p.target,
                "estimate": float(b[self._cidx(p.source), self._cidx(p.target)]),
            }
            for p in self.spec.paths
        ]
        out = pd.DataFrame(rows, columns=["from", "to", "estimate"])
        out["std_estimate"] = out["estimate"]
        return out

    @cached_property
    def weights(self) -> pd.DataFrame:
        """Outer weights (indicators × constructs); scores ``X_std @ W`` have unit variance."""
        return pd.DataFrame(
            np.asarray(self.estimate.weights), index=self.indicators, columns=self.constructs
        )

    @cached_property
    def cross_loadings(self) -> pd.DataFrame:
        """Correlations of every indicator with every construct score."""
        return pd.DataFrame(
            np.asarray(self.estimate.loadings), index=self.indicators, columns=self.constructs
        )

    @cached_property
    def outer(self) -> pd.DataFrame:
        """One row per indicator: ``construct, indicator, weight, loading``."""
        w = np.asarray(self.estimate.weights)
        lam = np.asarray(self.estimate.loadings)
        rows = []
        for c in self.spec.constructs:
            j = self._cidx(c.name)
            for i in c.indicator_names:
                k = self.indicators.index(i)
                rows.append(
                    {
                        "construct": c.name,
                        "indicator": i,
                        "weight": float(w[k, j]),
                        "loading": float(lam[k, j]),
                    }
                )
        return pd.DataFrame(rows, columns=["construct", "indicator", "weight", "loading"])

    @cached_property
    def r2(self) -> pd.DataFrame:
        """R² and adjusted R² of each endogenous construct (index: construct).

        Notes
        -----
        :math:`R^2_{adj} = 1 - (1 - R^2)(n - 1)/(n - k - 1)` with :math:`k` predictors.
        """
        r2 = np.asarray(self.estimate.r2)
        adj = np.asarray(self.estimate.adjusted_r2(self.n_obs))
        rows = [
            {"construct": name, "r2": float(r2[j]), "r2_adj": float(adj[j])}
            for name in self.spec.endogenous
            for j in [self._cidx(name)]
        ]
        return pd.DataFrame(rows, columns=["construct", "r2", "r2_adj"]).set_index("construct")

    @cached_property
    def construct_correlations(self) -> pd.DataFrame:
        """Correlations between constructs (PLS: between scores; PLSc: disattenuated)."""
        return pd.DataFrame(
            np.asarray(self.estimate.construct_corr), index=self.constructs, columns=self.constructs
        )

    @cached_property
    def total_effects(self) -> pd.DataFrame:
        """Total effects as a square table: row = from, column = to."""
        return pd.DataFrame(
            np.asarray(self.estimate.total_effects), index=self.constructs, columns=self.constructs
        )

    # ------------------------------------------------------------------ derived analyses
    @cached_property
    def effects(self) -> pd.DataFrame:
        """Direct, total indirect and total effects: ``from, to, direct, indirect, total``."""
        from sem_csat.pls.effects import effects_table

        return effects_table(self)

    @cached_property
    def specific_indirect_effects(self) -> pd.DataFrame:
        """Every indirect effect along one chain of paths: ``from, to, chain, estimate``."""
        from sem_csat.pls.effects import specific_indirect_table

        return specific_indirect_table(self)

    @cached_property
    def index(self) -> pd.DataFrame:
        """Customer satisfaction index scores (0–100; ACSI formula): ``construct, index``.

        Needs the answer scale in the spec; see :func:`sem_csat.pls.index.index_table`.
        """
        from sem_csat.pls.index import index_table

        return index_table(self)

    def ipma(self, target: str | None = None) -> IPMAResult:
        """Importance–performance map for ``target`` (default: the last endogenous construct)."""
        from sem_csat.pls.ipma import ipma

        return ipma(self, target)

    @cached_property
    def f_squared(self) -> pd.DataFrame:
        """Cohen's f² of every path: ``from, to, r2_included, r2_excluded, f2``."""
        from sem_csat.pls.assessment import f_squared

        return f_squared(self)

    @cached_property
    def inner_vif(self) -> pd.DataFrame:
        """Collinearity of the predictors of each endogenous construct: ``from, to, vif``."""
        from sem_csat.pls.assessment import inner_vif

        return inner_vif(self)

    @cached_property
    def outer_vif(self) -> pd.DataFrame:
        """Collinearity of the items of each block: ``construct, indicator, vif``."""
        from sem_csat.pls.assessment import outer_vif

        return outer_vif(self)

    def blindfolding(self, omission_distance: int = 7) -> pd.DataFrame:
        """Stone–Geisser Q² by blindfolding; see :func:`sem_csat.pls.assessment.blindfolding`."""
        from sem_csat.pls.assessment import blindfolding

        return blindfolding(self, omission_distance)

    def plspredict(
        self, *, folds: int = 10, repeats: int = 1, seed: int | None = None
    ) -> pd.DataFrame:
        """Out-of-sample prediction (PLSpredict); see :func:`sem_csat.pls.assessment.plspredict`."""
        from sem_csat.pls.assessment import plspredict

        return plspredict(self, folds=folds, repeats=repeats, seed=seed)

    @cached_property
    def scores(self) -> pd.DataFrame:
        """Construct scores (standardized, unit variance) of the respondents used."""
        w = np.asarray(self.estimate.weights)
        return pd.DataFrame(
            self.standardized @ w, index=self.data.frame.index, columns=list(self.constructs)
        )

    @cached_property
    def params(self) -> pd.DataFrame:
        """The long parameter table (lavaan layout; see the class Notes)."""
        rows: list[dict[str, object]] = []
        outer = self.outer
        for op, column in (("=~", "loading"), ("<~", "weight")):
            for c, i, value in zip(
                outer["construct"], outer["indicator"], outer[column], strict=True
            ):
                rows.append({"lhs": c, "op": op, "rhs": i, "estimate": value})
        b = np.asarray(self.estimate.paths)
        for p in self.spec.paths:
            value = float(b[self._cidx(p.source), self._cidx(p.target)])
            rows.append(
                {"lhs": p.target, "op": "~", "rhs": p.source, "label": p.label, "estimate": value}
            )
        names = self.constructs
        corr = np.asarray(self.estimate.construct_corr)
        for a in range(len(names)):
            for bb in range(a + 1, len(names)):
                rows.append(
                    {"lhs": names[a], "op": "~~", "rhs": names[bb], "estimate": float(corr[a, bb])}
                )
        for name, value in zip(self.r2.index, self.r2["r2"], strict=True):
            rows.append({"lhs": name, "op": "r2", "rhs": name, "estimate": value})
        table = pd.DataFrame(rows).reindex(columns=list(PARAM_COLUMNS))
        table["label"] = table["label"].astype(object).where(table["label"].notna(), "")
        table["std_all"] = table["estimate"]
        return table

    # ------------------------------------------------------------------ display
    def summary(self) -> Summary:
        """The text/HTML summary: data, settings, paths, R², outer model, warnings."""
        d = self.data
        header = [
            (
                "Model",
                f"{self.spec.name} ({len(self.constructs)} constructs, "
                f"{len(self.indicators)} indicators, {len(self.spec.paths)} paths)",
            ),
            ("Method", f"{_METHOD_NAMES[self.method]}, {self.settings.scheme} scheme"),
            (
                "Data",
                f"{d.source}: {d.n_used} of {d.n_total} respondents used "
                f"(missing data: {self.settings.missing})",
            ),
            ("Converged", f"after {self.iterations} iterations (tolerance {self.settings.tol:g})"),
        ]
        paths = self.paths[["from", "to", "estimate"]]
        sections = [
            Section("Structural model (path coefficients)", paths),
            Section("Explained variance", self.r2.reset_index()),
            Section("Measurement model", self.outer, collapsed=True),
        ]
        return Summary(
            f"sem_csat PLS results: {self.spec.name}", header, sections, self.diagnostics
        )

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __repr__(self) -> str:
        n_warn = sum(d.severity != "info" for d in self.diagnostics)
        return (
            f"<PLSResult {self.spec.name!r}: {self.method}, {self.settings.scheme} scheme, "
            f"N={self.n_obs}, {len(self.spec.paths)} paths, {n_warn} warnings>"
        )
