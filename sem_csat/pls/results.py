"""Results of a PLS path model fit.

A :class:`PLSResult` is immutable: every table is derived from the engine's arrays on first use
(``functools.cached_property``) and a later fit never changes an earlier result.  It fills the
result contract (:class:`~sem_csat.contract.SEMResult`): the long parameter table, the paths,
the outer model, R² and effects have the same columns as the CB-SEM result's, so that tables,
diagrams, :func:`sem_csat.write` and comparisons treat both engines alike.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
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
    SEMResult,
    Statistic,
    conform,
    effect_boot_columns,
    param_columns,
    path_columns,
)
from sem_csat.diagnostics import Diagnostic, emit
from sem_csat.errors import BootstrapFailureWarning
from sem_csat.pls.moments import scores_from_data, standardize
from sem_csat.summary import Section, Summary

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from sem_csat.contract import NestedTestInfo, ResultFigure
    from sem_csat.data import PreparedData
    from sem_csat.inference.bootstrap import SeedLike
    from sem_csat.measurement import HTMTBootstrap, QualityReport
    from sem_csat.pls.bootstrap import PLSBootstrap, SignChange
    from sem_csat.pls.effects import Chain
    from sem_csat.pls.engine import PLSEstimate
    from sem_csat.pls.fit_measures import FitInputs
    from sem_csat.pls.fit_test import ExactFitTest
    from sem_csat.pls.ipma import IPMAResult
    from sem_csat.pls.model import PLSSettings
    from sem_csat.pls.plsc import PLScEstimate
    from sem_csat.pls.staged import StagedFit
    from sem_csat.spec.model import ModelSpec

__all__ = ["BOOT_COLUMNS", "PARAM_COLUMNS", "PATH_COLUMNS", "PLSResult"]

#: The test statistic of a PLS result: the bootstrap t (estimate / bootstrap SE).
STATISTIC: Statistic = "t_value"
#: Columns that a bootstrap fills in the result tables.
BOOT_COLUMNS: tuple[str, ...] = ("std_error", STATISTIC, "p_value", "ci_lower", "ci_upper")
#: Columns of :attr:`PLSResult.params` (the contract's :func:`~sem_csat.contract.param_columns`).
PARAM_COLUMNS: tuple[str, ...] = param_columns(STATISTIC)
#: Columns of :attr:`PLSResult.paths`.
PATH_COLUMNS: tuple[str, ...] = path_columns(STATISTIC)

_METHOD_NAMES = {"pls": "PLS path modeling", "plsc": "consistent PLS (PLSc)"}


@contextmanager
def _quiet() -> Iterator[None]:
    """Findings go to :meth:`PLSResult.findings`, not to the warnings of a table's first use."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@dataclass(frozen=True, eq=False, repr=False)
class PLSResult(SEMResult):
    """A fitted PLS path model (fills :class:`~sem_csat.contract.SEMResult`).

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
    diagnostics
        Everything worth a warning, from the spec, the data and the estimation.
    boot
        The bootstrap (:meth:`bootstrap`), or ``None``.  When present, :attr:`paths`,
        :attr:`effects`, :attr:`index`, :attr:`specific_indirect_effects` and :attr:`params`
        carry standard errors, t values, p values and confidence intervals; without it their
        inference columns are NaN.
    ci
        Which bootstrap interval fills ``ci_lower``/``ci_upper``: ``"percentile"`` or ``"bca"``.
    staged
        For a model with higher-order constructs or interaction terms, its stages
        (:class:`~sem_csat.pls.staged.StagedFit`); ``None`` for an ordinary model.  The arrays
        of :attr:`estimate` are then indexed by :attr:`nodes` and :attr:`variables`.
    exact_fit
        The Bollen–Stine exact-fit test run with the bootstrap (:mod:`sem_csat.pls.fit_test`),
        or ``None``.

    Notes
    -----
    In :attr:`params`, ``=~`` rows hold the loadings and ``<~`` rows the outer weights of every
    block (whatever its mode), ``~`` rows the path coefficients (``lhs`` is the outcome, as in
    lavaan), ``~~`` rows the correlations between construct scores and ``r2`` rows the R².  PLS
    estimates are standardized, so ``std_lv`` and ``std_all`` equal ``estimate``; the test
    statistic is the bootstrap t (``t_value``).
    """

    spec: ModelSpec
    settings: PLSSettings
    data: PreparedData
    estimate: PLSEstimate | PLScEstimate
    diagnostics: tuple[Diagnostic, ...] = ()
    boot: PLSBootstrap | None = None
    ci: CIMethod = "percentile"
    staged: StagedFit | None = None
    exact_fit: ExactFitTest | None = None

    @property
    def method_name(self) -> str:
        """``"PLS path modeling"`` or ``"consistent PLS (PLSc)"``."""
        return _METHOD_NAMES[self.method]

    @property
    def statistic(self) -> Statistic:
        """``"t_value"``: PLS inference is the bootstrap t."""
        return STATISTIC

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
        return pd.Series(np.asarray(self.estimate.rho_a), index=self.nodes, name="rho_a")

    # ------------------------------------------------------------------ basic facts
    @property
    def indicators(self) -> tuple[str, ...]:
        """Indicator names in spec order."""
        return self.spec.indicator_names

    @property
    def iterations(self) -> int:
        """Iterations the algorithm needed."""
        return int(self.pls_estimate.iterations)

    @property
    def converged(self) -> bool:
        """Whether the algorithm converged (always True: non-convergence is an error)."""
        return bool(self.pls_estimate.converged)

    @property
    def nodes(self) -> tuple[str, ...]:
        """The columns of the engine's arrays: the constructs, then the interaction terms."""
        return self.constructs if self.staged is None else self.staged.plan.nodes

    @property
    def variables(self) -> tuple[str, ...]:
        """The rows of the engine's arrays: the indicators, then (higher-order constructs,
        interaction terms) one column per dimension and the interaction columns."""
        return self.indicators if self.staged is None else self.staged.plan.variables

    @property
    def from_matrix(self) -> bool:
        """Whether the model was fitted to a correlation or covariance matrix (no answers)."""
        return self.data.moments is not None

    def _needs_answers(self, what: str) -> None:
        """Refuse ``what`` after a fit to a matrix, in one sentence."""
        from sem_csat.errors import UsageError

        if self.from_matrix:
            raise UsageError(
                f"{what} cannot be computed from a correlation or covariance matrix: it needs "
                "the answers of every respondent, so fit the model to the survey data instead."
            )

    @cached_property
    def item_corr(self) -> NDArray[np.float64]:
        """The indicator correlation matrix the model was fitted to (``p × p``)."""
        from sem_csat.pls.model import item_correlation

        r, _ = item_correlation(self.spec, self.data)
        return r

    @property
    def item_weights(self) -> NDArray[np.float64]:
        """``(p, J)`` the weights that give each construct's scores from the standardized
        indicators (for a higher-order construct: through its dimensions)."""
        w = np.asarray(self.estimate.weights, dtype=np.float64)
        out: NDArray[np.float64] = w[: len(self.indicators), : len(self.constructs)]
        return out

    def _not_staged(self, what: str) -> None:
        from sem_csat.errors import UsageError

        if self.staged is not None:
            raise UsageError(
                f"{what} re-estimates the model on parts of the data and is not available yet "
                "for models with higher-order constructs or interaction terms in sem_csat."
            )

    def _cidx(self, name: str) -> int:
        return self.nodes.index(name)

    # ------------------------------------------------------------------ tables
    @cached_property
    def path_matrix(self) -> pd.DataFrame:
        """Path coefficients as a square table: row = from, column = to (SmartPLS layout)."""
        return pd.DataFrame(np.asarray(self.estimate.paths), index=self.nodes, columns=self.nodes)

    @cached_property
    def paths(self) -> pd.DataFrame:
        """One row per structural path (:data:`PATH_COLUMNS`); the inference columns are NaN
        until :meth:`bootstrap`.

        ``std_estimate`` equals ``estimate`` except for the path of an interaction term, whose
        ``estimate`` is in seminr's metric and ``std_estimate`` fully standardized
        (:mod:`sem_csat.pls.moderation`)."""
        b = np.asarray(self.estimate.paths)
        std = b if self.staged is None else self.staged.std_paths
        rows = [
            {
                "from": p.source,
                "to": p.target,
                "label": p.label or "",
                "estimate": float(b[self._cidx(p.source), self._cidx(p.target)]),
                "std_estimate": float(std[self._cidx(p.source), self._cidx(p.target)]),
            }
            for p in self.spec.paths
        ]
        out = pd.DataFrame(rows, columns=["from", "to", "label", "estimate", "std_estimate"])
        if self.boot is not None:
            out = self._with_boot(out, self.boot.paths, ["from", "to"])
        return conform(out, PATH_COLUMNS)

    # ------------------------------------------------------------------ bootstrap
    def bootstrap(
        self,
        n_boot: int = 5000,
        *,
        seed: SeedLike = None,
        n_jobs: int | None = 1,
        conf: float = 0.95,
        ci: CIMethod = "percentile",
        progress: bool | None = None,
        sign_change: SignChange = "none",
        fit_test: bool = True,
    ) -> PLSResult:
        """Bootstrap the model and return a new result that carries the inference.

        Resamples respondents ``n_boot`` times and re-estimates weights, loadings, paths, R²,
        total, indirect and specific indirect effects and index scores in every resample (see
        :func:`sem_csat.pls.bootstrap.bootstrap_pls` for the method, the seeding and the sign
        handling).  This result is not changed.

        Parameters
        ----------
        n_boot
            Number of resamples (5,000 or more for publication).
        seed
            Seed of the one :class:`numpy.random.SeedSequence` all resamples come from; the
            numbers are the same for any ``n_jobs``.  ``None`` draws a seed and records it.
        n_jobs
            Worker processes (joblib); ``None`` uses the active joblib backend (e.g. Dask).
        conf
            Confidence level of the intervals.
        ci
            ``"percentile"`` (default) or ``"bca"`` for ``ci_lower``/``ci_upper``; both are in
            :attr:`boot`.
        sign_change
            ``"none"`` (default, as SmartPLS) or ``"construct"`` (Tenenhaus et al. 2005).
        fit_test
            Also run the Bollen–Stine exact-fit test with ``n_boot`` resamples of each of the
            estimated and the saturated model (default True), which fills the ``*_hi95`` and
            ``*_hi99`` columns of :attr:`fit_table` (:mod:`sem_csat.pls.fit_test`).
        progress
            Show a progress bar (default: when standard error is a terminal).

        Returns
        -------
        PLSResult
            A copy of this result with :attr:`boot` set.  Its HTMT bootstrap
            (:attr:`htmt_bootstrap`) uses the same resamples.
        """
        from sem_csat.errors import UsageError
        from sem_csat.inference.limits import check_resamples
        from sem_csat.pls.bootstrap import bootstrap_pls
        from sem_csat.pls.effects import ChainStatistic
        from sem_csat.pls.index import IndexStatistic

        if ci not in CI_METHODS:
            raise UsageError(f"ci must be 'percentile' or 'bca'; got {ci!r}.")
        check_resamples(n_boot, conf)  # enough for the intervals to have tails at all
        self._needs_answers("The bootstrap")
        extras = (
            ChainStatistic(tuple(c.nodes for c in self._chains)),
            IndexStatistic.for_spec(self.spec),
        )
        if self.staged is not None:
            from sem_csat.pls.staged_boot import bootstrap_staged

            boot = bootstrap_staged(
                self,
                n_boot,
                seed=seed,
                n_jobs=n_jobs,
                conf=conf,
                sign_change=sign_change,
                progress=progress,
                extras=extras,
            )
        else:
            boot = bootstrap_pls(
                self,
                n_boot,
                seed=seed,
                n_jobs=n_jobs,
                conf=conf,
                sign_change=sign_change,
                progress=progress,
                extras=extras,
            )
        notes = list(boot.diagnostics)
        undefined = boot.replicates.n_undefined("index") if boot.n_ok else np.zeros(0, int)
        bad = [
            f"{name} ({int(k)})"
            for name, k in zip(self.constructs, undefined, strict=False)
            if k and self.spec.scale_of(name) is not None
        ]
        if bad:
            notes.append(
                Diagnostic(
                    "warning",
                    "index_undefined_in_resamples",
                    "The index score is undefined in some bootstrap resamples because an outer "
                    f"weight turned negative there: {', '.join(bad)} of {boot.n_ok} resamples. "
                    "Its interval uses the other resamples only; a block whose weights change "
                    "sign from sample to sample has an item that hardly measures the construct "
                    "(look at its loading).",
                    BootstrapFailureWarning,
                )
            )
            emit(notes[-1:], stacklevel=3)
        exact = None
        if fit_test and self._fit_inputs is not None:
            exact = self._exact_fit_test(n_boot, boot.replicates.root, n_jobs, progress)
            notes += exact.diagnostics
        new = dataclasses.replace(self, boot=boot, ci=ci, exact_fit=exact)
        precision = new._index_precision()
        emit(precision, stacklevel=3)
        return dataclasses.replace(new, diagnostics=(*self.diagnostics, *notes, *precision))

    def _exact_fit_test(
        self,
        n_boot: int,
        root: np.random.SeedSequence,
        n_jobs: int | None,
        progress: bool | None,
    ) -> ExactFitTest:
        """The Bollen–Stine test with the bootstrap's number of resamples and seed."""
        from sem_csat.pls.fit_test import exact_fit_test

        f = self._fit_inputs
        if f is None:  # pragma: no cover - the caller checks
            raise ValueError("no fit measures for this model")
        return exact_fit_test(
            self.standardized,
            f,
            self._fit_refit(),
            n_boot,
            seed=root,
            n_jobs=n_jobs,
            progress=progress,
        )

    def _index_precision(self) -> list[Diagnostic]:
        """EPSI precision flags of the bootstrapped index scores (CI wider than 4 points)."""
        import warnings

        from sem_csat.pls.index import index_ci_flags

        scaled = [c for c in self.constructs if self.spec.scale_of(c) is not None]
        if self.boot is None or not scaled:
            return []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = self.index
        table = table[table["construct"].isin(scaled)].reset_index(drop=True)
        return list(index_ci_flags(table).diagnostics)

    def _with_boot(
        self, table: pd.DataFrame, boot_table: pd.DataFrame, keys: list[str], prefix: str = ""
    ) -> pd.DataFrame:
        """Add ``std_error, t_value, p_value, ci_lower, ci_upper`` from a bootstrap table."""
        # the bootstrap tables name their test statistic t_value, as this result does
        lo, hi = ("ci_lower", "ci_upper") if self.ci == "percentile" else ("bca_lower", "bca_upper")
        part = boot_table[[*keys, "std_error", "t_value", "p_value", lo, hi]].rename(
            columns={lo: "ci_lower", hi: "ci_upper"}
        )
        if prefix:
            part = part.rename(columns={c: f"{prefix}{c}" for c in BOOT_COLUMNS})
        return table.merge(part, on=keys, how="left")

    @cached_property
    def _chains(self) -> tuple[Chain, ...]:
        from sem_csat.pls.effects import enumerate_chains

        index = {n: k for k, n in enumerate(self.nodes)}
        adjacency = np.zeros((len(index), len(index)), dtype=bool)
        for p in self.spec.paths:
            adjacency[index[p.source], index[p.target]] = True
        return tuple(enumerate_chains(adjacency, self.nodes))

    @cached_property
    def weights(self) -> pd.DataFrame:
        """Outer weights (:attr:`variables` × :attr:`nodes`; for an ordinary model indicators ×
        constructs, and scores ``X_std @ W`` have unit variance)."""
        return pd.DataFrame(
            np.asarray(self.estimate.weights), index=self.variables, columns=self.nodes
        )

    @cached_property
    def cross_loadings(self) -> pd.DataFrame:
        """Correlations of every indicator with every construct score (:attr:`variables` ×
        :attr:`nodes`)."""
        return pd.DataFrame(
            np.asarray(self.estimate.loadings), index=self.variables, columns=self.nodes
        )

    @cached_property
    def outer(self) -> pd.DataFrame:
        """One row per indicator (:data:`~sem_csat.contract.OUTER_COLUMNS`): the outer weight
        and loading, both standardized, so ``std_loading`` equals ``loading``.

        A higher-order construct has one row per dimension (``indicator`` is the dimension;
        see :mod:`sem_csat.pls.hoc` for what its weight and loading are).  Interaction terms
        have no rows: they are not constructs of the spec."""
        w = np.asarray(self.estimate.weights)
        lam = np.asarray(self.estimate.loadings)
        variables = self.variables
        rows = []
        for c in self.spec.constructs:
            j = self._cidx(c.name)
            for i in (*c.indicator_names, *c.dimension_names):
                k = variables.index(i)
                rows.append(
                    {
                        "construct": c.name,
                        "indicator": i,
                        "weight": float(w[k, j]),
                        "loading": float(lam[k, j]),
                    }
                )
        out = pd.DataFrame(rows, columns=["construct", "indicator", "weight", "loading"])
        out["std_loading"] = out["loading"]
        return conform(out, OUTER_COLUMNS)

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
        table = conform(pd.DataFrame(rows), ("construct", *R2_COLUMNS))
        return table.set_index("construct")

    @cached_property
    def construct_correlations(self) -> pd.DataFrame:
        """Correlations between constructs (PLS: between scores; PLSc: disattenuated); with
        interaction terms, their rows and columns follow."""
        return pd.DataFrame(
            np.asarray(self.estimate.construct_corr), index=self.nodes, columns=self.nodes
        )

    @cached_property
    def total_effects(self) -> pd.DataFrame:
        """Total effects as a square table: row = from, column = to."""
        return pd.DataFrame(
            np.asarray(self.estimate.total_effects), index=self.nodes, columns=self.nodes
        )

    # ------------------------------------------------------------------ derived analyses
    @cached_property
    def effects(self) -> pd.DataFrame:
        """Direct, total indirect and total effects: ``from, to, direct, indirect, total``."""
        from sem_csat.pls.effects import effects_table

        table = conform(effects_table(self), EFFECT_COLUMNS)
        if self.boot is None:
            return table
        sources = {
            "direct": self.boot.paths,
            "indirect": self.boot.indirect_effects,
            "total": self.boot.total_effects,
        }
        for kind, boot_table in sources.items():
            table = self._with_boot(table, boot_table, ["from", "to"], prefix=f"{kind}_")
            table = table.drop(columns=[f"{kind}_{STATISTIC}", f"{kind}_p_value"])
            table = table.rename(columns={f"{kind}_std_error": f"{kind}_se"})
        return conform(table, (*EFFECT_COLUMNS, *effect_boot_columns()))

    @cached_property
    def specific_indirect_effects(self) -> pd.DataFrame:
        """Every indirect effect along one chain of paths: ``from, to, chain, estimate``."""
        from sem_csat.pls.effects import specific_indirect_table

        table = specific_indirect_table(self)
        if self.boot is None:
            return table
        boot = self.boot.table("specific_indirect")
        boot.index = table.index
        return self._with_boot(
            table.assign(_k=range(len(table))), boot.assign(_k=range(len(boot))), ["_k"]
        ).drop(columns=["_k"])

    @cached_property
    def mediation(self) -> pd.DataFrame:
        """Mediation analysis of every pair linked through at least one mediator.

        Columns ``from, to, direct, indirect, total, vaf, direct_significant,
        indirect_significant, type``: the variance accounted for (VAF = indirect / total,
        Hair et al. 2017) and the type of mediation of Zhao, Lynch & Chen (2010), with
        significance judged by whether the bootstrap interval excludes 0.  Needs a bootstrap.
        """
        from sem_csat.errors import UsageError
        from sem_csat.pls.effects import mediation_type, vaf

        if self.boot is None:
            raise UsageError(
                "Mediation analysis needs bootstrap intervals; call result.bootstrap(5000) "
                "first (or pass --bootstrap on the command line)."
            )
        eff = self.effects
        linked = eff["indirect_se"].notna()
        table = eff.loc[linked, ["from", "to", "direct", "indirect", "total"]].copy()
        sig_d = (eff["direct_ci_lower"] > 0) | (eff["direct_ci_upper"] < 0)
        sig_i = (eff["indirect_ci_lower"] > 0) | (eff["indirect_ci_upper"] < 0)
        table["vaf"] = vaf(table["direct"].to_numpy(), table["indirect"].to_numpy())
        table["direct_significant"] = sig_d[linked].to_numpy()
        table["indirect_significant"] = sig_i[linked].to_numpy()
        table["type"] = mediation_type(
            table["direct"].to_numpy(),
            table["indirect"].to_numpy(),
            table["direct_significant"].to_numpy(),
            table["indirect_significant"].to_numpy(),
        )
        return table.reset_index(drop=True)

    @cached_property
    def index(self) -> pd.DataFrame:
        """Customer satisfaction index scores (0–100; ACSI formula): ``construct, index``.

        After a bootstrap also ``std_error, ci_lower, ci_upper``.

        Needs the answer scale in the spec; see :func:`sem_csat.pls.index.index_table`.
        """
        from sem_csat.pls.index import index_table

        self._needs_answers("The index scores (they use the item means)")
        scaled = [c for c in self.constructs if self.spec.scale_of(c) is not None]
        table = index_table(self, scaled if self.boot is not None else None)
        if self.boot is None:
            return table
        boot = self.boot.table("index")
        boot["construct"] = list(self.constructs)
        # t and p test "index = 0", which nobody asks: keep the standard error and interval
        return self._with_boot(table, boot, ["construct"]).drop(columns=["t_value", "p_value"])

    def ipma(self, target: str | None = None) -> IPMAResult:
        """Importance–performance map for ``target`` (default: the last endogenous construct)."""
        from sem_csat.pls.ipma import ipma

        self._needs_answers("The importance-performance map (it uses the item means)")
        return ipma(self, target)

    @cached_property
    def quality(self) -> QualityReport:
        """The measurement-model assessment (reliability, validity, HTMT, Fornell–Larcker, ...).

        Built by :func:`sem_csat.measurement.quality_from_measures` from this fit's loadings,
        ρ_A, construct correlations and weights (:func:`sem_csat.pls.quality.model_measures`);
        violated rules of thumb become warnings with what to do.
        """
        from sem_csat.measurement import quality_from_measures
        from sem_csat.pls.quality import model_measures

        return quality_from_measures(self.quality_spec, self.data, model_measures(self))

    @cached_property
    def quality_spec(self) -> ModelSpec:
        """The first-order constructs of the spec with their paths: what the measurement-quality
        report assesses.  A higher-order construct and its dimensions are not separate
        constructs to discriminate, and an interaction term has no items; the reliability of a
        higher-order construct is :attr:`hoc_quality`."""
        from sem_csat.pls.hoc import first_order_spec

        return self.spec if self.staged is None else first_order_spec(self.spec)

    @cached_property
    def htmt_bootstrap(self) -> HTMTBootstrap | None:
        """HTMT and HTMT2 with bootstrap intervals and the tests against .85 and .90, from the
        resamples of :attr:`boot` (same seed, same number of resamples, same respondents), or
        ``None`` before :meth:`bootstrap` or when the model has fewer than two reflective
        multi-item constructs (see :func:`sem_csat.measurement.htmt_bootstrap`)."""
        from sem_csat.measurement import htmt_bootstrap, htmt_testable

        if self.boot is None or not htmt_testable(self.quality_spec):
            return None
        return htmt_bootstrap(
            self.quality_spec,
            self.data,
            self.boot.n_boot,
            seed=self.boot.replicates.root,
            conf=self.boot.conf,
            progress=False,
        )

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

        self._needs_answers("Blindfolding")
        self._not_staged("Blindfolding")
        return blindfolding(self, omission_distance)

    def plspredict(
        self, *, folds: int = 10, repeats: int = 1, seed: int | None = None
    ) -> pd.DataFrame:
        """Out-of-sample prediction (PLSpredict); see :func:`sem_csat.pls.assessment.plspredict`."""
        from sem_csat.pls.assessment import plspredict

        self._needs_answers("PLSpredict")
        self._not_staged("PLSpredict")
        return plspredict(self, folds=folds, repeats=repeats, seed=seed)

    @cached_property
    def standardized(self) -> NDArray[np.float64]:
        """The standardized indicator matrix (mean 0, standard deviation 1; made on first use,
        so that a fit holds one copy of the data)."""
        return standardize(self.data.frame.to_numpy(dtype=np.float64))

    @cached_property
    def scores(self) -> pd.DataFrame:
        """Construct scores (standardized, unit variance) of the respondents used; with
        interaction terms, their (standardized) scores follow."""
        self._needs_answers("Construct scores")
        if self.staged is not None:
            values = self.staged.scores(self.standardized)
        else:
            w = np.asarray(self.estimate.weights)
            values = scores_from_data(self.data.frame.to_numpy(dtype=np.float64), w)
        return pd.DataFrame(values, index=self.data.frame.index, columns=list(self.nodes))

    @cached_property
    def params(self) -> pd.DataFrame:
        """The long parameter table (:data:`PARAM_COLUMNS`; see the class Notes)."""
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
        names = self.nodes
        corr = np.asarray(self.estimate.construct_corr)
        for a in range(len(names)):
            for bb in range(a + 1, len(names)):
                rows.append(
                    {"lhs": names[a], "op": "~~", "rhs": names[bb], "estimate": float(corr[a, bb])}
                )
        for name, value in zip(self.r2.index, self.r2["r2"], strict=True):
            rows.append({"lhs": name, "op": "r2", "rhs": name, "estimate": value})
        table = pd.DataFrame(rows).reindex(columns=list(PARAM_COLUMNS))
        table["group"] = ""
        table["label"] = table["label"].astype(object).where(table["label"].notna(), "")
        table["std_lv"] = table["estimate"]
        table["std_all"] = table["estimate"]
        if self.boot is not None:
            table = self._fill_boot(table)
        return conform(table, PARAM_COLUMNS)

    def _fill_boot(self, table: pd.DataFrame) -> pd.DataFrame:
        """Put the bootstrap SE, t, p and interval into the parameter table."""
        boot = self.boot
        if boot is None:
            return table
        lo, hi = ("ci_lower", "ci_upper") if self.ci == "percentile" else ("bca_lower", "bca_upper")
        parts = []
        for op, frame, lhs, rhs in (
            ("=~", boot.loadings, "construct", "indicator"),
            ("<~", boot.weights, "construct", "indicator"),
            ("~", boot.paths, "to", "from"),
            ("r2", boot.r2, "construct", "construct"),
        ):
            part = pd.DataFrame(
                {
                    "lhs": frame[lhs].to_numpy(),
                    "op": op,
                    "rhs": frame[rhs].to_numpy(),
                    "std_error": frame["std_error"].to_numpy(),
                    STATISTIC: frame["t_value"].to_numpy(),
                    "p_value": frame["p_value"].to_numpy(),
                    "ci_lower": frame[lo].to_numpy(),
                    "ci_upper": frame[hi].to_numpy(),
                }
            )
            parts.append(part)
        stats = pd.concat(parts, ignore_index=True)
        filled = table.drop(columns=list(stats.columns[3:])).merge(
            stats, on=["lhs", "op", "rhs"], how="left"
        )
        return filled.reindex(columns=list(PARAM_COLUMNS))

    @cached_property
    def _fit_inputs(self) -> FitInputs | None:
        """What the fit measures need, or ``None`` where they are not defined (interaction
        terms make the model nonlinear in the constructs)."""
        from sem_csat.pls.fit_measures import FitInputs

        if self.staged is not None:
            from sem_csat.pls.staged_boot import staged_fit_inputs

            return staged_fit_inputs(self)
        s = self.pls_estimate.structure
        blocks = np.zeros((s.n_indicators, s.n_constructs), dtype=bool)
        for j, b in enumerate(s.blocks):
            blocks[b, j] = True
        composite = np.array([c.mode == "formative" for c in self.spec.constructs])
        return FitInputs.from_estimate(
            self.item_corr, self.estimate, blocks, composite, s.adjacency
        )

    def _fit_refit(self) -> Any:
        """The refit of the exact-fit test (a picklable callable on moments)."""
        from sem_csat.pls.fit_test import ModelRefit

        if self.staged is not None:
            from sem_csat.pls.staged_boot import StagedRefit

            return StagedRefit.for_result(self)
        f = self._fit_inputs
        if f is None:  # pragma: no cover - only called when defined
            raise ValueError("no fit measures for this model")
        return ModelRefit(
            structure=self.pls_estimate.structure,
            scheme=self.settings.scheme,
            tol=self.settings.tol,
            max_iter=self.settings.max_iter,
            method=self.method,
            blocks=f.blocks,
            composite=f.composite,
        )

    @cached_property
    def fit_table(self) -> pd.DataFrame:
        """Global fit measures: one row (``fit.csv``).

        ``srmr, d_uls, d_g`` of the estimated model, ``srmr_saturated, d_uls_saturated,
        d_g_saturated`` of the saturated model (d_G with the base-10 logarithm, as cSEM and
        ADANCO), ``nfi`` and ``rms_theta``; after :meth:`bootstrap`, the Bollen–Stine
        quantiles ``<measure>_hi95`` and ``<measure>_hi99`` of the six discrepancies.  See
        :mod:`sem_csat.pls.fit_measures` for the model-implied correlation matrix.  NaN for a
        model with interaction terms (no linear model-implied matrix).
        """
        from sem_csat.pls.fit_measures import fit_measures, fit_table

        f = self._fit_inputs
        measures = None if f is None else fit_measures(f)
        test = None if self.exact_fit is None else self.exact_fit.table
        return fit_table(measures, test)

    # ------------------------------------------------------------------ output contract
    def _scaled(self) -> list[str]:
        return [c for c in self.constructs if self.spec.scale_of(c) is not None]

    @cached_property
    def _ipma(self) -> IPMAResult | None:
        """The importance–performance map of the default target, when every driver has a
        declared answer scale (else ``None``)."""
        from sem_csat.pls.ipma import default_target

        spec = self.spec
        scaled = self._scaled()
        if not scaled or not spec.endogenous or self.from_matrix:
            return None
        target = default_target(spec)
        drivers = set(spec.topological_order[: spec.topological_order.index(target) + 1])
        if not drivers <= set(scaled):
            return None
        with _quiet():
            return self.ipma(target)

    def _csi_notes(self) -> list[Diagnostic]:
        """Notes on the index scores and the IPMA: missing scales, undefined values."""
        from sem_csat.pls.index import index_diagnostics

        spec = self.spec
        scaled = self._scaled()
        notes: list[Diagnostic] = []
        if self.from_matrix:
            return [
                Diagnostic(
                    "info",
                    "fitted_to_matrix",
                    "The model was fitted to a correlation or covariance matrix, so everything "
                    "that needs the respondents' answers is left out: construct scores, index "
                    "scores, the importance-performance map, PLSpredict, blindfolding and the "
                    "bootstrap.",
                )
            ]
        if len(scaled) < len(spec.construct_names):
            missing = [c for c in spec.construct_names if c not in scaled]
            notes.append(
                Diagnostic(
                    "info",
                    "index_needs_scale",
                    f"No answer scale is declared for {', '.join(missing)}, so no index score "
                    "(and no importance-performance map) is computed for them; add 'scale: "
                    "[1, 10]' (your scale) to the spec to get them.",
                )
            )
        if scaled:
            notes += index_diagnostics(self, scaled)
        if self._ipma is not None:
            notes += self._ipma.diagnostics
        return notes

    def _index_output(self) -> pd.DataFrame | None:
        """``index.csv``: the constructs with a declared scale (+ SE and interval after a
        bootstrap)."""
        from sem_csat.pls.index import index_table

        scaled = self._scaled()
        if not scaled or self.from_matrix:
            return None
        with _quiet():
            if self.boot is not None:
                return self.index[["construct", "index", "std_error", "ci_lower", "ci_upper"]]
            return index_table(self, scaled)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table :func:`sem_csat.write` writes, by file name without ``.csv``.

        ``paths``, ``outer``, ``r2``, ``effects``, ``f_squared``, ``fit`` (:attr:`fit_table`);
        with higher-order constructs ``hoc_quality``; with interaction terms
        ``simple_slopes`` and after a bootstrap ``johnson_neyman``; after a bootstrap
        ``mediation`` and ``specific_indirect``; the measurement-quality tables
        (:meth:`~sem_csat.measurement.QualityReport.csv_tables`) and after a bootstrap
        ``htmt_bootstrap``; with a declared answer scale ``index`` and ``ipma``.
        """
        out: dict[str, pd.DataFrame] = {
            "paths": self.paths,
            "outer": self.outer,
            "r2": self.r2.reset_index(),
            "effects": self.effects,
            "f_squared": self.f_squared,
            "fit": self.fit_table,
        }
        if self.spec.higher_order:
            out["hoc_quality"] = self.hoc_quality
        if self.spec.interactions:
            out["simple_slopes"] = self.simple_slopes
            if self.boot is not None:
                out["johnson_neyman"] = self.johnson_neyman
        if self.boot is not None:
            out["mediation"] = self.mediation
            out["specific_indirect"] = self.specific_indirect_effects
        with _quiet():
            out.update(self.quality.csv_tables())
            htmt_boot = self.htmt_bootstrap
        if htmt_boot is not None:
            out["htmt_bootstrap"] = htmt_boot.table
        index = self._index_output()
        if index is not None:
            out["index"] = index
        if self._ipma is not None:
            out["ipma"] = self._ipma.table
        out.update(self.dashboard_tables())
        return out

    def figures(self) -> dict[str, ResultFigure]:
        """The importance–performance map (``ipma``, both panels) when it is defined, for every
        path of an interaction term its simple slopes (with the floodlight after a bootstrap),
        ``simple_slopes_<term>_<outcome>``, and the survey metrics' Kano map when the spec
        declares Kano pairs."""
        from sem_csat.pls.ipma import IPMAFigure
        from sem_csat.pls.slopes import SlopesFigure, moderated_paths

        own: dict[str, ResultFigure] = (
            {} if self._ipma is None else {"ipma": IPMAFigure(self._ipma)}
        )
        for term, _, _, y in moderated_paths(self):
            own[f"simple_slopes_{term}_{y}"] = SlopesFigure(self, term, y)
        return own | self.dashboard_figures()

    @cached_property
    def simple_slopes(self) -> pd.DataFrame:
        """The effect of each interaction term's first construct on the outcome at the
        moderator's mean and ±1 SD (:func:`sem_csat.pls.slopes.simple_slopes`)."""
        from sem_csat.pls.slopes import simple_slopes

        return simple_slopes(self)

    @cached_property
    def floodlight(self) -> pd.DataFrame:
        """The simple slope with its bootstrap interval over moderator values from -3 to 3 SD
        (:func:`sem_csat.pls.slopes.floodlight`); needs a bootstrap."""
        from sem_csat.pls.slopes import floodlight

        return floodlight(self)

    @cached_property
    def johnson_neyman(self) -> pd.DataFrame:
        """The moderator values where the simple slope is significant
        (:func:`sem_csat.pls.slopes.johnson_neyman`); needs a bootstrap."""
        from sem_csat.pls.slopes import johnson_neyman

        return johnson_neyman(self)

    @cached_property
    def hoc_quality(self) -> pd.DataFrame:
        """Reliability and validity of the higher-order constructs
        (:func:`sem_csat.pls.hoc.hoc_quality`)."""
        from sem_csat.pls.hoc import hoc_quality

        return hoc_quality(self)

    def findings(self) -> tuple[Diagnostic, ...]:
        """The estimation's diagnostics, the quality verdicts, the HTMT bootstrap's and the
        index and IPMA notes."""
        with _quiet():
            quality = self.quality.diagnostics
            htmt_boot = self.htmt_bootstrap
        extra = () if htmt_boot is None else htmt_boot.diagnostics
        notes: list[Diagnostic] = []
        if self._fit_inputs is None:
            from sem_csat.pls.fit_measures import not_defined_note

            notes.append(
                not_defined_note(
                    "its interaction terms are products of constructs, so the model implies no "
                    "linear correlation matrix of the indicators (cSEM refuses nonlinear models "
                    "too); assess the model without the interaction terms"
                )
            )
        return (
            *self.diagnostics,
            *quality,
            *extra,
            *notes,
            *self._csi_notes(),
            *self.dashboard_findings(),
        )

    def run_facts(self) -> dict[str, Any]:
        """``converged``, ``iterations`` and the number of warnings."""
        return {
            "converged": self.converged,
            "iterations": self.iterations,
            "warnings": sum(d.severity != "info" for d in self.diagnostics),
        }

    def nested_test_info(self) -> NestedTestInfo | None:
        """``None``: PLS has no likelihood-based test of nested models."""
        return None

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
            ("Method", self._method_line()),
            (
                "Data",
                f"{d.source}: {d.n_used} of {d.n_total} respondents used "
                f"(missing data: {self.settings.missing})",
            ),
            ("Converged", f"after {self.iterations} iterations (tolerance {self.settings.tol:g})"),
        ]
        cols = ["from", "to", "estimate"]
        if self.boot is not None:
            cols += list(BOOT_COLUMNS)
            header.append(
                (
                    "Bootstrap",
                    f"{self.boot.n_ok} of {self.boot.n_boot} resamples (seed {self.boot.seed}); "
                    f"{self.boot.conf:.0%} {self.ci} intervals",
                )
            )
        if self.spec.interactions:
            cols.insert(3, "std_estimate")
        sections = [
            Section("Structural model (path coefficients)", self.paths[cols]),
            Section("Explained variance", self.r2.reset_index()),
            *self._moderation_sections(),
            *self._fit_sections(),
            *self._index_section(),
            Section("Measurement model", self.outer, collapsed=True),
            *self.dashboard_sections(),
        ]
        if self.spec.higher_order:
            sections.insert(-1, Section("Higher-order constructs", self.hoc_quality))
        # every finding, as report.html and diagnostics.csv show them (result.findings())
        return Summary(f"sem_csat PLS results: {self.spec.name}", header, sections, self.findings())

    def _method_line(self) -> str:
        s = self.settings
        parts = [f"{_METHOD_NAMES[self.method]}, {s.scheme} scheme"]
        if self.spec.higher_order:
            parts.append(f"higher-order constructs: {s.hoc} approach")
        if self.spec.interactions:
            parts.append(f"interaction terms: {s.interaction} approach")
        if self.from_matrix and self.data.moments is not None:
            parts.append(f"fitted to a {self.data.moments.kind} matrix")
        return "; ".join(parts)

    def _fit_sections(self) -> list[Section]:
        """The fit measures as rows: measure, estimated, saturated (and HI95/HI99)."""
        if self._fit_inputs is None:
            return []
        row = self.fit_table.iloc[0]
        rows = []
        for name in ("srmr", "d_uls", "d_g"):
            entry = {"measure": name, "estimated": row[name], "saturated": row[f"{name}_saturated"]}
            if self.exact_fit is not None:
                entry |= {
                    "estimated_hi95": row[f"{name}_hi95"],
                    "estimated_hi99": row[f"{name}_hi99"],
                    "saturated_hi95": row[f"{name}_saturated_hi95"],
                    "saturated_hi99": row[f"{name}_saturated_hi99"],
                }
            rows.append(entry)
        rows.append({"measure": "nfi", "estimated": row["nfi"]})
        rows.append({"measure": "rms_theta", "estimated": row["rms_theta"]})
        title = "Model fit (d_G with log base 10"
        title += "; HI95/HI99: Bollen-Stine bootstrap)" if self.exact_fit is not None else ")"
        return [Section(title, pd.DataFrame(rows))]

    def _moderation_sections(self) -> list[Section]:
        if not self.spec.interactions:
            return []
        out = [Section("Simple slopes (moderator at -1 SD, mean, +1 SD)", self.simple_slopes)]
        if self.boot is not None:
            out.append(Section("Johnson-Neyman region of significance", self.johnson_neyman))
        return out

    def _index_section(self) -> list[Section]:
        if self.from_matrix or any(self.spec.scale_of(c) is None for c in self.constructs):
            return []
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = self.index
        cols = [c for c in ("construct", "index", "ci_lower", "ci_upper") if c in table]
        return [Section("Customer satisfaction index (0-100)", table[cols])]

    def _repr_fields(self) -> str:
        n_warn = sum(d.severity != "info" for d in self.findings())
        return (
            f"{self.spec.name!r}: {self.method}, {self.settings.scheme} scheme, "
            f"N={self.n_obs}, {len(self.spec.paths)} paths, {n_warn} warnings"
        )
