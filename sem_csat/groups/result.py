"""A model fitted to several groups or survey waves, as one result: :class:`GroupResult`.

``sem_csat.fit(spec, data, method="pls", group="gender")`` fits the model in every group
(:func:`fit_grouped`; MICOM's step 1, configural invariance) and returns a :class:`GroupResult`.
Its :meth:`~GroupResult.bootstrap` does the resampling a PLS group comparison needs, exactly as
a single-group PLS result gets its inference from :meth:`PLSResult.bootstrap
<sem_csat.pls.results.PLSResult.bootstrap>`: ``n_perm`` permutations of group membership per
pair and ``n_boot`` bootstrap resamples per group (:func:`~sem_csat.groups.compare_groups`),
from which come MICOM's steps 2 and 3, the multi-group analysis of every path and effect, the
index comparison, and each group's standard errors, p values and intervals.

The result fills the result contract (:class:`~sem_csat.contract.SEMResult`) with the groups in
the content: :attr:`~GroupResult.grouping` names the column and its levels,
:meth:`~GroupResult.group_results` gives each group's own (bootstrapped) PLS result, ``params``
has lavaan's ``group`` column filled, ``paths``, ``outer``, ``effects`` and ``r2`` carry a
``group`` column, and :meth:`~GroupResult.tables` adds the comparison's tables
(``group_paths``, ``micom``, ``mga``, ``mga_effects``, ``index_groups``) to the per-group ones.
So :func:`sem_csat.write`, the report, the tables and the diagram take it like any result.

Examples
--------
>>> import sem_csat
>>> result = sem_csat.fit("ecsi_bank", "bank_satisfaction", group="gender")
>>> result
<GroupResult 'ECSI_bank' by 'gender': female (148), male (102); PLS, no resampling yet>
>>> result.paths[["group", "from", "to", "estimate"]].head(2).round(3)
    group  from    to  estimate
0  female  IMAG  EXPE     0.619
1  female  EXPE  QUAL     0.837
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final, Literal

import pandas as pd

from sem_csat.contract import (
    CI_METHODS,
    CIMethod,
    GroupedTables,
    Grouping,
    SEMResult,
    Statistic,
    conform,
    param_columns,
    stack_groups,
)
from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import UsageError
from sem_csat.groups.compare import GroupComparison, compare_groups
from sem_csat.groups.fits import GroupFits, fit_groups
from sem_csat.groups.index_compare import INTERVALS, Interval
from sem_csat.groups.split import Missing
from sem_csat.groups.stats import CENTRINGS, Centring
from sem_csat.summary import Section, Summary

if TYPE_CHECKING:
    from sem_csat.contract import NestedTestInfo, ResultFigure
    from sem_csat.data import PreparedData, RawData
    from sem_csat.measurement import QualityReport
    from sem_csat.pls.results import PLSResult
    from sem_csat.spec.model import ModelSpec

__all__ = ["GroupResampling", "GroupResult", "GroupSettings", "fit_grouped"]

STATISTIC: Final[Statistic] = "t_value"
_METHOD_NAMES: Final = {"pls": "PLS path modeling", "plsc": "consistent PLS (PLSc)"}
#: Tables of each group's result that are written once per group (with a ``group`` column).
_PER_GROUP: Final = (
    "f_squared",
    "mediation",
    "specific_indirect",
    "reliability",
    "items",
    "htmt",
    "htmt2",
    "fornell_larcker",
    "cross_loadings",
    "htmt_bootstrap",
    "index",
    "ipma",
)


@dataclass(frozen=True)
class GroupSettings:
    """The settings of a multi-group PLS fit (the same in every group).

    ``method``, ``scheme``, ``tol``, ``max_iter``, ``missing`` and ``na_values`` as for one
    group (:class:`~sem_csat.pls.model.PLSSettings`); ``group`` is the group column, ``levels``
    the groups compared and ``waves`` whether they are survey waves.
    """

    method: Literal["pls", "plsc"]
    scheme: Literal["path", "centroid", "factorial"]
    tol: float
    max_iter: int
    missing: Missing
    na_values: tuple[float | str, ...]
    group: str
    levels: tuple[str, ...]
    waves: bool

    def as_dict(self) -> dict[str, Any]:
        """The settings as JSON-ready values (``run.json``)."""
        return {
            "method": self.method,
            "scheme": self.scheme,
            "tol": self.tol,
            "max_iter": self.max_iter,
            "missing": self.missing,
            "na_values": list(self.na_values),
            "group": self.group,
            "levels": list(self.levels),
            "waves": self.waves,
        }


@dataclass(frozen=True)
class GroupResampling:
    """The resampling of a group comparison (the result's ``boot``).

    Attributes
    ----------
    n_boot
        Bootstrap resamples per group.
    n_perm
        Permutations of group membership per pair of groups.
    n_ok
        Successful resamples of the group with the fewest.
    seed
        The seed of the run (permutations and bootstraps are two streams of it).
    failures
        Failed bootstrap resamples by reason, summed over the groups.
    conf
        Confidence level of the intervals (MICOM and the index comparison use 1 - conf as
        their significance level).
    centring, interval
        Centring of Henseler's PLS-MGA; kind of the index-difference interval.
    groups
        Per group: resamples that succeeded; per pair: permutations that succeeded.
    """

    n_boot: int
    n_perm: int
    n_ok: int
    seed: int | tuple[int, ...]
    failures: dict[str, int]
    conf: float
    centring: Centring
    interval: Interval
    groups: dict[str, int] = field(default_factory=dict)
    pairs: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """``resamples, successful, failures, seed, conf`` and the permutations (``run.json``)."""
        seed = self.seed
        return {
            "resamples": self.n_boot,
            "successful": self.n_ok,
            "failures": dict(self.failures),
            "seed": list(seed) if isinstance(seed, tuple) else seed,
            "conf": self.conf,
            "resamples_per_group": "each group is bootstrapped on its own",
            "successful_by_group": dict(self.groups),
            "permutations": self.n_perm,
            "successful_permutations_by_pair": dict(self.pairs),
            "centring": self.centring,
            "index_interval": self.interval,
        }


def _resampling(
    cmp: GroupComparison, conf: float, centring: Centring, interval: Interval
) -> GroupResampling:
    boots = cmp.bootstraps.boots
    failures: dict[str, int] = {}
    for b in boots.values():
        for reason, k in b.failures.items():
            failures[reason] = failures.get(reason, 0) + int(k)
    return GroupResampling(
        n_boot=cmp.bootstraps.n_boot,
        n_perm=cmp.permutations.n_perm,
        n_ok=min(int(b.n_ok) for b in boots.values()),
        seed=cmp.seed,
        failures=failures,
        conf=conf,
        centring=centring,
        interval=interval,
        groups={g: int(b.n_ok) for g, b in boots.items()},
        pairs={f"{p.group_a} vs {p.group_b}": int(p.n_ok) for p in cmp.permutations.pairs},
    )


@dataclass(frozen=True, eq=False, repr=False)
class GroupResult(GroupedTables, SEMResult):
    """A PLS (or PLSc) model fitted in every group of a column, and their comparison.

    Attributes
    ----------
    spec
        The model (the same in every group).
    data
        The pooled prepared data of all groups (N used = the sum of the groups).
    settings
        :class:`GroupSettings`.
    fits
        The model fitted in every group (:class:`~sem_csat.groups.GroupFits`).
    comparison
        MICOM, MGA and the index comparison (:class:`~sem_csat.groups.GroupComparison`)
        after :meth:`bootstrap`; None before.
    diagnostics
        The data's, every group's (named) and the comparison's findings.
    """

    spec: ModelSpec
    data: PreparedData
    settings: GroupSettings
    fits: GroupFits
    comparison: GroupComparison | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    resampling: GroupResampling | None = None

    # ------------------------------------------------------------------ basic facts
    @property
    def method_name(self) -> str:
        """``"PLS path modeling in 2 groups"`` (or waves)."""
        g = self.grouping
        return f"{_METHOD_NAMES[self.settings.method]} in {len(g.levels)} {g.nouns}"

    @property
    def statistic(self) -> Statistic:
        """``"t_value"``: each group's inference is its own bootstrap t."""
        return STATISTIC

    @property
    def converged(self) -> bool:
        """Whether the estimation converged in every group."""
        return all(r.converged for r in self.fits.results.values())

    @property
    def boot(self) -> GroupResampling | None:
        """The permutations and group bootstraps (:class:`GroupResampling`), or None."""
        return self.resampling

    @property
    def ci(self) -> CIMethod:
        """``"percentile"``: each group's intervals are percentile intervals."""
        return "percentile"

    @property
    def grouping(self) -> Grouping:
        """The group column, its levels and sizes."""
        d = self.fits.data
        return Grouping(d.column, d.levels, dict(d.sizes), d.waves)

    @cached_property
    def _results(self) -> dict[str, PLSResult]:
        if self.comparison is None:
            return dict(self.fits.results)
        return {g: self.comparison.bootstraps.result(g) for g in self.fits.levels}

    def group_results(self) -> Mapping[str, PLSResult]:
        """Each group's PLS result (with its own bootstrap after :meth:`bootstrap`)."""
        return self._results

    def _group_labels(self) -> list[str]:
        levels = self.fits.levels
        return [levels[int(c)] for c in self.fits.data.codes]

    # ------------------------------------------------------------------ contract tables
    @cached_property
    def params(self) -> pd.DataFrame:
        """Every group's parameter table, ``group`` holding the level."""
        frames = []
        for g, r in self._results.items():
            p = r.params.copy()
            p["group"] = g
            frames.append(p)
        return conform(pd.concat(frames, ignore_index=True), param_columns(STATISTIC))

    @property
    def fit_table(self) -> pd.DataFrame:
        """One row without columns: PLS has no global fit measures (as for one group)."""
        return pd.DataFrame(index=pd.RangeIndex(1))

    @property
    def quality(self) -> QualityReport:
        """Not one report: measurement quality is assessed in each group."""
        g = self.grouping
        raise UsageError(
            f"A {g.noun} comparison has one measurement-quality report per {g.noun}: use "
            f"result.group_results()['{g.levels[0]}'].quality (the reliability, HTMT and "
            f"other quality tables of result.tables() have a '{g.noun}' column)."
        )

    # ------------------------------------------------------------------ resampling
    def bootstrap(
        self,
        n_boot: int = 5000,
        *,
        seed: int | None = None,
        n_jobs: int | None = 1,
        conf: float = 0.95,
        ci: CIMethod = "percentile",
        progress: bool | None = None,
        n_perm: int = 5000,
        centring: Centring = "estimate",
        interval: Interval = "bootstrap",
    ) -> GroupResult:
        """Compare the groups: permutations, a bootstrap per group, MICOM, MGA and the index.

        Parameters
        ----------
        n_boot
            Bootstrap resamples per group (Henseler's PLS-MGA, the parametric and Welch tests,
            the index-difference intervals, each group's standard errors and intervals).
        seed
            Seed of both runs (recorded in ``run.json``); the numbers are the same for any
            ``n_jobs``.
        n_jobs
            joblib workers; None takes the active joblib backend (such as Dask).
        conf
            Confidence level of the intervals; MICOM's tests and the index comparison use
            ``1 - conf`` as their significance level.
        ci
            ``"percentile"`` only (each group is bootstrapped without BCa).
        progress
            Progress bars; None shows them on a terminal.
        n_perm
            Permutations of group membership per pair of groups (MICOM steps 2 and 3, the
            permutation test of every path and effect).
        centring, interval
            Centring of Henseler's PLS-MGA (``"estimate"`` or ``"bootstrap_mean"``) and the
            kind of index-difference interval (``"bootstrap"`` or ``"permutation"``); see
            :func:`~sem_csat.groups.compare_groups`.

        Returns
        -------
        GroupResult
            A new result with :attr:`comparison` (this one is not changed).
        """
        if ci not in CI_METHODS:
            raise UsageError(f"ci must be 'percentile' or 'bca'; got {ci!r}.")
        if ci == "bca":
            raise UsageError(
                "A group comparison gives percentile intervals only (each group is "
                "bootstrapped without the jackknife BCa needs); use ci='percentile' "
                "(on the command line: leave out --ci bca)."
            )
        if centring not in CENTRINGS:
            raise UsageError(f"centring must be one of {CENTRINGS}; got {centring!r}.")
        if interval not in INTERVALS:
            raise UsageError(f"interval must be one of {INTERVALS}; got {interval!r}.")
        if not isinstance(conf, float | int) or isinstance(conf, bool) or not 0 < conf < 1:
            raise UsageError(f"conf must lie between 0 and 1 (such as 0.95); got {conf!r}.")
        cmp = compare_groups(
            self.spec,
            self.fits,
            n_perm=n_perm,
            n_boot=n_boot,
            seed=seed,
            n_jobs=n_jobs,
            alpha=1 - float(conf),
            interval=interval,
            centring=centring,
            progress=progress,
        )
        return GroupResult(
            spec=self.spec,
            data=self.data,
            settings=self.settings,
            fits=self.fits,
            comparison=cmp,
            diagnostics=tuple(dict.fromkeys((*self.fits.diagnostics, *cmp.diagnostics))),
            resampling=_resampling(cmp, float(conf), centring, interval),
        )

    # ------------------------------------------------------------------ output
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table :func:`sem_csat.write` writes (built once, on the first call).

        ``paths``, ``outer``, ``r2``, ``effects`` (every group's rows, ``group`` first),
        ``group_paths`` and ``group_r2`` (the groups side by side), each group's own tables
        stacked with a ``group`` column (``f_squared``, the measurement-quality tables, after
        the resampling ``mediation``, ``specific_indirect`` and ``htmt_bootstrap``, with an
        answer scale ``index`` and ``ipma``), after the resampling the comparison's
        ``micom``, ``mga``, ``mga_effects`` and ``index_groups``, and the survey metrics the
        spec declares (by group).
        """
        return dict(self._tables)

    @cached_property
    def _tables(self) -> dict[str, pd.DataFrame]:
        r2 = self.r2.reset_index()[["group", "construct", "r2", "r2_adj"]]
        out: dict[str, pd.DataFrame] = {
            "paths": self.paths,
            "outer": self.outer,
            "r2": r2,
            "effects": self.effects,
            "group_paths": self.fits.paths,
            "group_r2": self.fits.r2,
        }
        own = {g: r.tables() for g, r in self._results.items()}
        for name in _PER_GROUP:
            if all(name in t for t in own.values()):
                out[name] = stack_groups({g: t[name] for g, t in own.items()})
        if self.comparison is not None:
            out |= {k: v for k, v in self.comparison.tables().items() if k != "group_paths"}
        out.update(self.dashboard_tables())
        return out

    def figures(self) -> dict[str, ResultFigure]:
        """The survey metrics' Kano map when the spec declares Kano pairs."""
        return self.dashboard_figures()

    def findings(self) -> tuple[Diagnostic, ...]:
        """The diagnostics, each group's measurement-quality verdicts (named), the
        dashboard's findings."""
        seen = {d.message for d in self.diagnostics}
        extra: list[Diagnostic] = []
        for g, r in self._results.items():
            prefix = f"In {self.fits.data.name(g)}"
            for d in r.findings():
                if d.message in seen or any(d.message in s for s in seen):
                    continue
                seen.add(d.message)
                extra.append(Diagnostic(d.severity, d.code, f"{prefix}: {d.message}", d.category))
        return (*self.diagnostics, *extra, *self.dashboard_findings())

    def run_facts(self) -> dict[str, Any]:
        """``converged``, each group's N and iterations, and the number of warnings."""
        return {
            "converged": self.converged,
            "groups": {
                g: {"n": int(self.fits.data.sizes[g]), "iterations": int(r.iterations)}
                for g, r in self.fits.results.items()
            },
            "warnings": sum(d.severity != "info" for d in self.diagnostics),
        }

    def nested_test_info(self) -> NestedTestInfo | None:
        """``None``: PLS has no likelihood-based test of nested models."""
        return None

    # ------------------------------------------------------------------ display
    def summary(self) -> Summary:
        """Paths by group side by side, MICOM, the MGA differences and the index by group."""
        g, s = self.grouping, self.settings
        d = self.data
        header = [
            (
                "Model",
                f"{self.spec.name} ({len(self.spec.constructs)} constructs, "
                f"{len(self.spec.paths)} paths)",
            ),
            ("Method", f"{_METHOD_NAMES[s.method]}, {s.scheme} scheme, in each {g.noun}"),
            (g.nouns.capitalize(), g.describe()),
            (
                "Data",
                f"{d.source}: {d.n_used} of {d.n_total} respondents used "
                f"(missing data: {s.missing})",
            ),
        ]
        if self.comparison is None:
            sections = [
                Section(f"Path coefficients by {g.noun}", self.fits.paths),
                Section(f"R² by {g.noun}", self.fits.r2),
                Section(
                    "Configural invariance (MICOM step 1)",
                    lines=(
                        *self.fits.configural(),
                        "MICOM steps 2 and 3, the path differences and the index comparison "
                        "need the resampling: result.bootstrap(n_boot, n_perm=...) (on the "
                        "command line: --bootstrap N --permutations N).",
                    ),
                ),
            ]
        else:
            b = self.resampling
            if b is not None:
                header.append(
                    (
                        "Resampling",
                        f"{b.n_perm} permutations per pair, {b.n_boot} bootstrap resamples "
                        f"per {g.noun}, seed {b.seed}; {b.conf:.0%} percentile intervals",
                    )
                )
            sections = list(self.comparison.summary().sections)
        sections += self.dashboard_sections()
        title = f"sem_csat {g.noun} comparison: {self.spec.name} by {g.column}"
        return Summary(title, header, sections, self.diagnostics)

    def _repr_fields(self) -> str:
        sizes = ", ".join(f"{lv} ({n})" for lv, n in self.grouping.sizes.items())
        b = self.resampling
        resampled = (
            "no resampling yet"
            if b is None
            else f"{b.n_perm} permutations, {b.n_boot} resamples, seed {b.seed}"
        )
        method = "PLSc" if self.settings.method == "plsc" else "PLS"
        return f"{self.spec.name!r} by {self.grouping.column!r}: {sizes}; {method}, {resampled}"


def fit_grouped(
    spec: ModelSpec,
    data: pd.DataFrame | RawData | str | os.PathLike[str],
    group: str,
    *,
    method: Literal["pls", "plsc"] = "pls",
    scheme: Literal["path", "centroid", "factorial"] = "path",
    tol: float = 1e-7,
    max_iter: int = 300,
    levels: Sequence[str] | None = None,
    waves: bool | None = None,
    missing: Missing = "listwise",
    na_values: Sequence[float | str] = (),
) -> GroupResult:
    """Fit a PLS (or PLSc) model in every group of a column (``sem_csat.fit(..., group=)``).

    The group column is checked first (:func:`~sem_csat.groups.split`: missing, constant, more
    than 20 levels, a group too small, missing values, an item constant within a group: one
    sentence each), then the model is fitted in every group with the same settings.

    Returns
    -------
    GroupResult
        Without resampling; :meth:`GroupResult.bootstrap` compares the groups.
    """
    fits = fit_groups(
        spec,
        data,
        group,
        method=method,
        scheme=scheme,
        tol=tol,
        max_iter=max_iter,
        levels=levels,
        waves=waves,
        missing=missing,
        na_values=na_values,
    )
    s = fits.settings
    settings = GroupSettings(
        method=s.method,
        scheme=s.scheme,
        tol=s.tol,
        max_iter=s.max_iter,
        missing=missing,
        na_values=tuple(s.na_values),
        group=fits.data.column,
        levels=fits.levels,
        waves=fits.data.waves,
    )
    return GroupResult(
        spec=fits.spec,
        data=fits.data.pooled,
        settings=settings,
        fits=fits,
        diagnostics=fits.diagnostics,
    )
