"""The result of a multi-group CB-SEM fit: :class:`CBSEMGroupResult`.

One joint fit of the model in every group (:func:`sem_csat.cbsem.group_fit.fit_cbsem_groups`)
that fills the result contract with the groups in its content (``docs/api.md``, "Results with
groups"): :attr:`~CBSEMGroupResult.grouping`, :meth:`~CBSEMGroupResult.group_results` (each
group's rows of the joint fit as a one-group :class:`~sem_csat.cbsem.results.CBSEMResult`, its
measurement quality from that group's answers), ``params`` with lavaan's ``group`` column (the
group's level), ``paths``/``outer``/``effects``/``r2`` with a ``group`` column first, one row
of ``fit_table`` for the joint model, and with the invariance ladder ``invariance`` and
``latent_means`` in :meth:`~CBSEMGroupResult.tables`.

Examples
--------
>>> import sem_csat
>>> spec = sem_csat.ModelSpec.from_lavaan("SAT =~ sat1 + sat2 + sat3 + sat4", name="SAT")
>>> r = sem_csat.fit(spec, "bank_satisfaction", method="ml", group="gender",
...                  invariance="configural,metric,scalar")
>>> list(r.invariance["model"])
['configural', 'metric', 'scalar']
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from sem_csat.cbsem.group_fit import CBSEMGroupSettings, GroupedInput, group_view
from sem_csat.contract import (
    CIMethod,
    GroupedTables,
    Grouping,
    SEMResult,
    Statistic,
    conform,
    param_columns,
    stack_groups,
)
from sem_csat.diagnostics import Diagnostic, emit
from sem_csat.errors import ConvergenceWarning, UsageError
from sem_csat.summary import Section, Summary

if TYPE_CHECKING:
    from sem_csat.cbsem.fit_indices import FitIndices
    from sem_csat.cbsem.invariance import Ladder
    from sem_csat.cbsem.pipeline import CBSEMFit
    from sem_csat.cbsem.results import CBSEMResult
    from sem_csat.contract import BootstrapInfo, NestedTestInfo, ResultFigure
    from sem_csat.data import PreparedData
    from sem_csat.measurement import QualityReport
    from sem_csat.spec.model import ModelSpec

__all__ = ["CBSEMGroupResult"]

STATISTIC: Final[Statistic] = "z_value"
#: Each group's tables written once, stacked with a ``group`` column.
_PER_GROUP: Final = ("reliability", "items", "htmt", "htmt2", "fornell_larcker", "cross_loadings")


def _single_result(
    spec: ModelSpec, settings: CBSEMGroupSettings, view: CBSEMFit, data: PreparedData
) -> CBSEMResult:
    """One group's rows of the joint fit as a one-group result (no fit indices: the model
    was fitted jointly, its fit is the joint model's)."""
    from sem_csat.cbsem.model import CBSEMSettings
    from sem_csat.cbsem.results import CBSEMResult

    one = CBSEMSettings(settings.method, settings.missing, settings.na_values, settings.std_lv)
    return CBSEMResult(spec=spec, settings=one, data=data, estimate=view, fit_indices=None,
                       diagnostics=())  # fmt: skip


@dataclass(frozen=True, eq=False, repr=False)
class CBSEMGroupResult(GroupedTables, SEMResult):
    """A CB-SEM model fitted jointly in every group of a column (lavaan's ``sem(group=)``).

    Attributes
    ----------
    spec
        The model (the same in every group).
    data
        The pooled prepared data of all groups.
    settings
        :class:`~sem_csat.cbsem.group_fit.CBSEMGroupSettings`.
    fit
        The joint fit (:class:`~sem_csat.cbsem.pipeline.CBSEMFit`) with ``group_equal``'s
        constraints.
    grouped
        The data split by group (:class:`~sem_csat.cbsem.group_fit.GroupedInput`, from
        :func:`sem_csat.groups.split`).
    ladder
        The invariance ladder (:class:`~sem_csat.cbsem.invariance.Ladder`) when asked for.
    diagnostics
        The data's and the estimation's findings.
    """

    spec: ModelSpec
    data: PreparedData
    settings: CBSEMGroupSettings
    fit: CBSEMFit
    grouped: GroupedInput
    ladder: Ladder | None = None
    diagnostics: tuple[Diagnostic, ...] = ()

    @classmethod
    def build(
        cls,
        spec: ModelSpec,
        grouped: GroupedInput,
        settings: CBSEMGroupSettings,
        joint: CBSEMFit,
        ladder: Ladder | None,
    ) -> CBSEMGroupResult:
        """The result, with its diagnostics emitted as warnings (non-convergence first)."""
        diagnostics: list[Diagnostic] = []
        if not joint.converged:
            diagnostics.append(
                Diagnostic(
                    "error",
                    "cbsem_not_converged",
                    f"The multi-group estimation did not converge ({joint.optim.message}); "
                    "the estimates describe an arbitrary point and there are no fit indices. "
                    "Check the model in each group on its own first.",
                    ConvergenceWarning,
                )
            )
        diagnostics += [*spec.diagnostics, *grouped.diagnostics]
        if joint.fit is not None:
            diagnostics += joint.fit.diagnostics
        if ladder is not None and ladder.stopped:
            diagnostics.append(
                Diagnostic("warning", "invariance_stopped", ladder.stopped, ConvergenceWarning)
            )
        result = cls(spec, grouped.pooled, settings, joint, grouped, ladder, ())
        if joint.converged:
            diagnostics += result._solution_checks()
        emit(diagnostics, stacklevel=4)
        return dataclasses.replace(result, diagnostics=tuple(diagnostics))

    def _solution_checks(self) -> list[Diagnostic]:
        """The post-fit checks of each group's solution (negative variances, correlations
        near 1, non-positive-definite matrices...), each named with its group."""
        from sem_csat.cbsem.checks import check_solution

        out = []
        for level, one in self._results.items():
            for d in check_solution(one.estimate, self.spec):
                message = f"In {self.grouped.noun} '{level}': {d.message}"
                out.append(dataclasses.replace(d, message=message))
        return out

    # ------------------------------------------------------------------ basic facts
    @property
    def method_name(self) -> str:
        g = self.grouping
        name = "MLR" if self.settings.robust else "ML"
        return f"multi-group CB-SEM ({name}) in {len(g.levels)} {g.nouns}"

    @property
    def statistic(self) -> Statistic:
        return STATISTIC

    @property
    def converged(self) -> bool:
        return self.fit.converged

    @property
    def robust(self) -> bool:
        return self.settings.robust

    @property
    def boot(self) -> BootstrapInfo | None:
        return None

    @property
    def ci(self) -> CIMethod:
        return "percentile"

    @property
    def grouping(self) -> Grouping:
        d = self.grouped
        return Grouping(d.column, d.levels, dict(d.sizes), d.waves)

    @property
    def fit_indices(self) -> FitIndices | None:
        """The joint model's :class:`~sem_csat.cbsem.fit_indices.FitIndices` (or None)."""
        return self.fit.fit

    @cached_property
    def _results(self) -> dict[str, CBSEMResult]:
        out = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for k, level in enumerate(self.grouped.levels):
                view = group_view(self.fit, k)
                out[level] = _single_result(self.spec, self.settings, view,
                                            self.grouped.groups[level])  # fmt: skip
        return out

    def group_results(self) -> Mapping[str, CBSEMResult]:
        """Each group's rows of the joint fit as a one-group result (the same objects on
        every call)."""
        return self._results

    def _group_labels(self) -> list[str]:
        levels = self.grouped.levels
        return [levels[int(c)] for c in self.grouped.codes]

    # ------------------------------------------------------------------ contract tables
    @cached_property
    def params(self) -> pd.DataFrame:
        """The joint parameter table, ``group`` holding each row's level (lavaan's layout)."""
        return conform(self.fit.params, param_columns(STATISTIC))

    @cached_property
    def fit_table(self) -> pd.DataFrame:
        """One row for the joint model: sem_csat's fit columns, then every lavaan measure."""
        from sem_csat.cbsem.fit_indices import FIT_ROW_COLUMNS
        from sem_csat.cbsem.results import ROBUST_COLUMNS

        columns = list(FIT_ROW_COLUMNS) + (list(ROBUST_COLUMNS) if self.robust else [])
        fi = self.fit.fit
        if fi is None:
            return pd.DataFrame([{c: np.nan for c in columns}], columns=columns)
        row: dict[str, float] = dict(fi.as_row())
        for name in ROBUST_COLUMNS if self.robust else ():
            value = getattr(fi, name)
            row[name] = np.nan if value is None else float(value)
        for name, value in fi.as_lavaan().items():
            key = name.replace(".", "_")
            if key not in row:
                row[key] = value
                columns.append(key)
        return pd.DataFrame([row], columns=columns)

    @property
    def quality(self) -> QualityReport:
        g = self.grouping
        raise UsageError(
            f"A multi-group model has one measurement-quality report per {g.noun}: use "
            f"result.group_results()['{g.levels[0]}'].quality (the quality tables of "
            f"result.tables() have a '{g.noun}' column)."
        )

    @property
    def invariance(self) -> pd.DataFrame | None:
        """The invariance ladder (``invariance.csv``), or None when it was not asked for."""
        return None if self.ladder is None else self.ladder.table

    @property
    def latent_means(self) -> pd.DataFrame | None:
        """Latent mean differences from the first group (scalar and strict levels)."""
        if self.ladder is not None:
            return self.ladder.latent_means
        return None

    def bootstrap(
        self,
        n_boot: int = 5000,
        *,
        seed: int | None = None,
        n_jobs: int | None = 1,
        conf: float = 0.95,
        ci: CIMethod = "percentile",
        progress: bool | None = None,
    ) -> SEMResult:
        raise UsageError(
            "The bootstrap of a multi-group CB-SEM model is not available yet; its standard "
            "errors come from the information matrix (method 'mlr' for robust ones)."
        )

    # ------------------------------------------------------------------ output
    def tables(self) -> dict[str, pd.DataFrame]:
        """``fit``, ``params``, ``paths``, ``outer``, ``r2``, ``effects`` (``group`` first),
        each group's measurement-quality tables stacked, and with the ladder
        ``invariance`` and ``latent_means``."""
        return dict(self._tables)

    @cached_property
    def _tables(self) -> dict[str, pd.DataFrame]:
        out: dict[str, pd.DataFrame] = {
            "fit": self.fit_table,
            "params": self.params,
            "paths": self.paths,
            "outer": self.outer,
            "r2": self.r2.reset_index()[["group", "construct", "r2", "r2_adj"]],
            "effects": self.effects,
        }
        if self.converged and self.data.complete:  # quality needs every answer
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                own = {g: r.quality.csv_tables() for g, r in self._results.items()}
            for name in _PER_GROUP:
                if all(name in t for t in own.values()):
                    out[name] = stack_groups({g: t[name] for g, t in own.items()})
        if self.ladder is not None:
            out["invariance"] = self.ladder.table
            out["latent_means"] = self.ladder.latent_means
        out.update(self.dashboard_tables())
        return out

    def figures(self) -> dict[str, ResultFigure]:
        return self.dashboard_figures()

    def findings(self) -> tuple[Diagnostic, ...]:
        return (*self.diagnostics, *self.dashboard_findings())

    def run_facts(self) -> dict[str, Any]:
        f = self.fit
        return {
            "converged": self.converged,
            "iterations": int(sum(r.iterations for r in f.runs)),
            "free_parameters": int(f.npar),
            "df": int(f.df),
            "groups": {g: {"n": int(n)} for g, n in self.grouping.sizes.items()},
            "invariance": [] if self.ladder is None else list(self.ladder.fits),
            "warnings": sum(d.severity != "info" for d in self.diagnostics),
        }

    def nested_test_info(self) -> NestedTestInfo | None:
        """None: compare invariance levels with ``invariance=`` (the ladder)."""
        return None

    # ------------------------------------------------------------------ display
    def summary(self) -> Summary:
        g, s = self.grouping, self.settings
        f = self.fit
        constraints = ", ".join(s.group_equal) or "none (configural)"
        header = [
            ("Model", f"{self.spec.name} ({len(self.spec.constructs)} constructs, "
                      f"{len(self.spec.paths)} paths)"),
            ("Method", f"CB-SEM, {'MLR: robust SEs, scaled test' if s.robust else 'ML'}, "
                       f"fitted jointly in {len(g.levels)} {g.nouns} with a mean structure"),
            (g.nouns.capitalize(), g.describe()),
            ("Equal across groups", constraints
             + (f"; free: {', '.join(s.group_partial)}" if s.group_partial else "")),
            ("Data", f"{self.data.source}: {self.data.n_used} of {self.data.n_total} "
                     "respondents used"),
            ("Estimation", f"{'converged' if f.converged else 'NOT converged'}; "
                           f"{f.npar} free parameters, df = {f.df}"),
        ]  # fmt: skip
        sections = []
        if f.fit is not None:
            from sem_csat.cbsem.fit_indices import FIT_ROW_COLUMNS
            from sem_csat.cbsem.results import ROBUST_COLUMNS

            shown = list(FIT_ROW_COLUMNS) + (list(ROBUST_COLUMNS) if self.robust else [])
            row = self.fit_table[shown].T.reset_index()
            row.columns = ["index", "value"]
            sections.append(Section("Fit of the joint model", row))
        if self.ladder is not None:
            sections.append(
                Section(
                    "Measurement invariance",
                    self.ladder.table,
                    lines=tuple(self.ladder.verdicts()),
                )
            )
            means = self.ladder.latent_means
            if not means.empty:
                sections.append(
                    Section(
                        f"Latent mean differences from {g.noun} '{g.levels[0]}'",
                        means,
                    )
                )
        cols = ["group", "from", "to", "estimate", "std_error", "p_value", "std_estimate"]
        sections += [
            Section(f"Structural model by {g.noun}", self.paths[cols]),
            Section(f"Explained variance by {g.noun}", self.r2.reset_index()),
            Section("Parameter table", self.params, collapsed=True),
        ]
        sections += self.dashboard_sections()
        title = f"sem_csat multi-group CB-SEM: {self.spec.name} by {g.column}"
        return Summary(title, header, sections, self.diagnostics)

    def _repr_fields(self) -> str:
        sizes = ", ".join(f"{lv} ({n})" for lv, n in self.grouping.sizes.items())
        ladder = "" if self.ladder is None else f", invariance {'/'.join(self.ladder.fits)}"
        return (
            f"{self.spec.name!r} by {self.grouping.column!r}: {sizes}; {self.method}, "
            f"df={self.fit.df}{ladder}"
        )
