"""The result contract: what every fitted model offers, whichever engine made it.

Both engines (PLS/PLSc and covariance-based SEM) return results that fill :class:`SEMResult`
with the same names, the same column layouts and the same meanings, so that everything that
consumes a result (tables, diagrams, the report, :func:`sem_csat.write`, comparisons, the
command line) works on either without asking which engine made it.  This is the same idea as
linearmodels' shared results API and lavaan's one parameter table.  Consumers may decide by
*content* (``"chi2" in result.fit_table``, ``"index" in result.tables()``), never by engine.

The contract
------------
``spec``
    The :class:`~sem_csat.spec.model.ModelSpec` that was fitted (never changed by a fit).
``data``
    The :class:`~sem_csat.data.PreparedData` that was fitted.  After a fit to a covariance
    matrix its ``frame`` has the indicators as columns and no rows, and ``moments`` holds the
    :class:`~sem_csat.data.moments.SummaryStatistics`; after a FIML fit ``frame`` keeps the
    missing answers as NaN.
``settings``
    The estimation settings (:class:`Settings`, a frozen dataclass of each engine):
    ``method``, ``missing``, ``na_values`` and the engine's own options; ``as_dict()`` gives
    what ``run.json`` records.
``method``, ``method_name``
    The method's key (``"pls"``, ``"plsc"``, ``"ml"``, ``"mlr"``, ...; ``settings.method``)
    and its readable name (``"maximum likelihood"``).
``statistic``
    The name of the test-statistic column of ``params`` and ``paths``: ``"t_value"`` (PLS: the
    bootstrap t, estimate / bootstrap SE) or ``"z_value"`` (CB-SEM: the Wald z, estimate / SE).
``n_obs``, ``converged``, ``constructs``, ``diagnostics``
    Respondents used, convergence, construct names in spec order, and every finding of the
    estimation (:class:`~sem_csat.diagnostics.Diagnostic`).
``boot``, ``bootstrapped``, ``ci``
    The bootstrap (:class:`BootstrapInfo`: ``n_boot``, ``n_ok``, ``seed``, ``failures``,
    ``conf``, ``as_dict()``) or ``None``; whether there is one; which interval fills
    ``ci_lower``/``ci_upper`` after it (``"percentile"`` or ``"bca"``).
``params``
    The long parameter table, columns :func:`param_columns` (lavaan's ``parameterEstimates``
    layout): ``lhs, op, rhs, group, label, estimate, std_error, <statistic>, p_value,
    ci_lower, ci_upper, std_lv, std_all``.  ``estimate`` is unstandardized, ``std_lv``
    standardized by the latent variances only, ``std_all`` completely standardized (PLS
    estimates are standardized, so all three are equal).  ``group`` is ``""`` for a
    single-group model, ``label`` ``""`` where the parameter has none; every other missing
    value is NaN.
``paths``
    One row per structural path in spec order, columns :func:`path_columns`: ``from, to,
    label, estimate, std_estimate, std_error, <statistic>, p_value, ci_lower, ci_upper``.
    The inference refers to ``estimate``.  A PLS result that has not been bootstrapped carries
    the inference columns as NaN.
``outer``
    One row per indicator of every construct, columns :data:`OUTER_COLUMNS`: ``construct,
    indicator, weight, loading, std_loading``.  PLS: the outer weight and loading, both
    standardized (``std_loading`` equals ``loading``).  CB-SEM: ``loading`` is the
    unstandardized loading, ``std_loading`` the completely standardized one and ``weight`` the
    regression factor-score weight of the item for its construct, row ``c`` of
    :math:`\\Psi\\Lambda^\\top\\Sigma^{-1}`.
``r2``
    Indexed by endogenous construct, columns :data:`R2_COLUMNS` (``r2, r2_adj``; ``r2_adj``
    is NaN where it is not defined).
``effects``
    Columns :data:`EFFECT_COLUMNS` (``from, to, direct, indirect, total``), one row for every
    pair joined by a chain of paths (in the units of ``paths.estimate``); a bootstrap adds
    :func:`effect_boot_columns` (``direct_se, direct_ci_lower, direct_ci_upper, indirect_se,
    ...``).
``fit_table``
    One row of global fit measures.  Its columns depend on the method (CB-SEM: ``chi2, df,
    p_value, cfi, tli, rmsea, ...``; robust methods add ``chi2_scaled, scaling_factor,
    cfi_robust, ...``; PLS: ``srmr, d_uls, d_g`` of the estimated and the saturated model,
    ``nfi, rms_theta``).  Values that are not defined are NaN.
``quality``
    The measurement-quality report (:class:`~sem_csat.measurement.QualityReport`).  It needs
    the answers of every respondent: a fit to a covariance matrix, FIML or WLSMV raises
    :class:`~sem_csat.errors.UsageError`.
``bootstrap(n_boot=5000, *, seed=None, n_jobs=1, conf=0.95, ci="percentile", progress=None)``
    A new result that carries bootstrap inference (this result is not changed).  An engine may
    add keyword-only options with defaults (PLS: ``sign_change``).
``tables()``
    Every table the result writes, ``name -> DataFrame`` in writing order; the engine's own
    tables included (PLS: ``index``, ``ipma``, ``mediation``, ...; CB-SEM: ``fit``,
    ``params``).  :func:`sem_csat.write` writes each as ``<name>.csv``.
``figures()``
    The result's own figures besides the path diagram, ``name ->`` :class:`ResultFigure`
    (``title``, ``figure()``, ``save(path)``); PLS: the importance–performance map ``ipma``.
``findings()``
    Every finding of the run for ``diagnostics.csv`` and the report: ``diagnostics``, then the
    measurement-quality verdicts and the notes of the engine's own tables.
``run_facts()``
    The engine's facts for the ``estimation`` block of ``run.json`` (convergence, iterations,
    free parameters, ...).
``nested_test_info()``
    What :func:`sem_csat.compare` needs to test nested models (:class:`NestedTestInfo`), or
    ``None`` for a result without a likelihood-based test statistic (PLS).
``summary()``, ``str()``, ``_repr_html_()``, ``repr()``
    The :class:`~sem_csat.summary.Summary` that drives the text, HTML and Markdown renderings
    (the display mixin :class:`~sem_csat.summary.ResultDisplay`); ``repr()`` is one line.
``dashboard``
    The survey metrics the spec's ``metrics:`` and ``servqual:`` blocks declare (NPS, CSAT,
    CES, Kano, SERVQUAL gaps), computed on the respondents the model used
    (:class:`~sem_csat.metrics.dashboard.Dashboard`), or ``None``.  Its tables, figures,
    findings and summary sections are part of the result's own ``tables()``, ``figures()``,
    ``findings()`` and ``summary()``.

Several groups
--------------
A model fitted to several groups or survey waves at once (``fit(..., group="COLUMN")``) fills
the same contract, with the groups stated in the content, never in the type:

``grouping``
    :class:`Grouping` (``column``, ``levels``, ``sizes``, ``waves``, ``noun``), or ``None``
    for one group.
``group_results()``
    Each group's own result, ``level -> SEMResult``, a single-group result with the rows of
    that group (empty for one group).  Diagrams and per-group tables are drawn from them.
``params``
    The rows of every group, ``group`` holding the level (lavaan's ``group`` column).
``paths``, ``outer``, ``effects``
    The rows of every group, group after group, with a ``group`` column first
    (:func:`grouped_columns`); ``r2`` has ``group, r2, r2_adj`` by construct.
``tables()``
    The per-group tables above and the comparison's own tables: PLS ``group_paths``,
    ``micom``, ``mga``, ``mga_effects``, ``index_groups``; CB-SEM ``invariance`` (issue 14).

Examples
--------
>>> param_columns("t_value")[:8]
('lhs', 'op', 'rhs', 'group', 'label', 'estimate', 'std_error', 't_value')
>>> path_columns("z_value")[3:7]
('estimate', 'std_estimate', 'std_error', 'z_value')
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, Protocol

from sem_csat.summary import ResultDisplay

if TYPE_CHECKING:
    import pandas as pd

    from sem_csat.data import PreparedData
    from sem_csat.diagnostics import Diagnostic
    from sem_csat.measurement import QualityReport
    from sem_csat.metrics.dashboard import Dashboard
    from sem_csat.spec.model import ModelSpec
    from sem_csat.summary import Section, Summary

__all__ = [
    "CI_METHODS",
    "EFFECT_COLUMNS",
    "OUTER_COLUMNS",
    "R2_COLUMNS",
    "STATISTICS",
    "TEXT_COLUMNS",
    "BootstrapInfo",
    "CIMethod",
    "DifferenceTestInfo",
    "GroupedTables",
    "Grouping",
    "NestedTestInfo",
    "ResultDisplay",
    "ResultFigure",
    "SEMResult",
    "Settings",
    "Statistic",
    "conform",
    "effect_boot_columns",
    "grouped_columns",
    "inference_columns",
    "param_columns",
    "path_columns",
    "stack_groups",
]

Statistic = Literal["t_value", "z_value"]
CIMethod = Literal["percentile", "bca"]
#: The names a test-statistic column may have: bootstrap t (PLS) or Wald z (CB-SEM).
STATISTICS: tuple[Statistic, ...] = ("t_value", "z_value")
#: Bootstrap confidence intervals: percentile or bias-corrected and accelerated (BCa).
CI_METHODS: tuple[CIMethod, ...] = ("percentile", "bca")
#: Columns of ``outer``.
OUTER_COLUMNS: tuple[str, ...] = ("construct", "indicator", "weight", "loading", "std_loading")
#: Columns of ``r2`` (its index is the construct).
R2_COLUMNS: tuple[str, ...] = ("r2", "r2_adj")
#: Columns of ``effects`` before a bootstrap.
EFFECT_COLUMNS: tuple[str, ...] = ("from", "to", "direct", "indirect", "total")


def inference_columns(statistic: Statistic) -> tuple[str, ...]:
    """The inference columns: ``std_error, <statistic>, p_value, ci_lower, ci_upper``."""
    _check(statistic)
    return ("std_error", statistic, "p_value", "ci_lower", "ci_upper")


def param_columns(statistic: Statistic) -> tuple[str, ...]:
    """Columns of ``params`` (lavaan's ``parameterEstimates`` layout, ``.`` written ``_``)."""
    return (
        "lhs",
        "op",
        "rhs",
        "group",
        "label",
        "estimate",
        *inference_columns(statistic),
        "std_lv",
        "std_all",
    )


def path_columns(statistic: Statistic) -> tuple[str, ...]:
    """Columns of ``paths``: ``from, to, label, estimate, std_estimate`` and the inference."""
    return ("from", "to", "label", "estimate", "std_estimate", *inference_columns(statistic))


def grouped_columns(columns: Sequence[str]) -> tuple[str, ...]:
    """The columns of a multi-group result's ``paths``, ``outer`` and ``effects``: ``group``
    first, then ``columns``.

    >>> grouped_columns(("from", "to", "estimate"))
    ('group', 'from', 'to', 'estimate')
    """
    return ("group", *columns)


def effect_boot_columns() -> tuple[str, ...]:
    """Columns a bootstrap adds to ``effects``: ``<kind>_se, <kind>_ci_lower, <kind>_ci_upper``.

    >>> effect_boot_columns()[:3]
    ('direct_se', 'direct_ci_lower', 'direct_ci_upper')
    """
    return tuple(
        f"{kind}_{stat}"
        for kind in ("direct", "indirect", "total")
        for stat in ("se", "ci_lower", "ci_upper")
    )


#: Text columns of the contract's tables (every other column is ``float64``).
TEXT_COLUMNS: frozenset[str] = frozenset(
    {"lhs", "op", "rhs", "group", "label", "from", "to", "construct", "indicator"}
)


def conform(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``frame`` with exactly ``columns``, in order and in the contract's dtypes.

    Text columns (:data:`TEXT_COLUMNS`) become pandas' default string dtype, with missing
    labels and groups as ``""``; every other column becomes ``float64`` (missing: NaN).  Both
    engines pass their tables through it, so that their columns have the same dtypes.

    >>> import pandas as pd
    >>> t = conform(pd.DataFrame({"from": ["A"], "to": ["B"], "estimate": [1]}),
    ...             ("from", "to", "label", "estimate", "std_error"))
    >>> list(t.columns), t.loc[0, "label"], str(t["estimate"].dtype), str(t["std_error"].iloc[0])
    (['from', 'to', 'label', 'estimate', 'std_error'], '', 'float64', 'nan')
    """
    import pandas as pd

    out = frame.reindex(columns=list(columns))
    for column in columns:
        values = out[column]
        if column in TEXT_COLUMNS:
            out[column] = values.astype(object).where(values.notna(), "").astype(str)
        else:
            out[column] = pd.to_numeric(values, errors="coerce").astype("float64")
    return out


def _check(statistic: str) -> None:
    if statistic not in STATISTICS:
        raise ValueError(f"statistic must be one of {STATISTICS}; got {statistic!r}.")


@dataclass(frozen=True)
class Grouping:
    """How the respondents of a multi-group result are grouped.

    Attributes
    ----------
    column
        The data column that holds the groups (``gender``, ``segment``, ``wave``).
    levels
        The groups in comparison order.
    sizes
        Respondents per group, in level order.
    waves
        Whether the groups are survey waves (texts then speak of waves).

    >>> g = Grouping("wave", ("2024", "2025"), {"2024": 120, "2025": 130}, waves=True)
    >>> g.noun, g.nouns
    ('wave', 'waves')
    """

    column: str
    levels: tuple[str, ...]
    sizes: Mapping[str, int]
    waves: bool = False

    @property
    def noun(self) -> str:
        """``"wave"`` or ``"group"``."""
        return "wave" if self.waves else "group"

    @property
    def nouns(self) -> str:
        """``"waves"`` or ``"groups"``."""
        return self.noun + "s"

    def describe(self) -> str:
        """``"column 'gender': female (N = 148), male (N = 102)"``."""
        sizes = ", ".join(f"{g} (N = {self.sizes[g]})" for g in self.levels)
        return f"column '{self.column}': {sizes}"


class Settings(Protocol):
    """Estimation settings of a result (each engine has its own frozen dataclass)."""

    @property
    def method(self) -> str: ...

    @property
    def missing(self) -> str: ...

    @property
    def na_values(self) -> tuple[float | str, ...]: ...

    def as_dict(self) -> dict[str, Any]:
        """The settings as JSON-ready values (``run.json``)."""
        ...


class BootstrapInfo(Protocol):
    """The run facts every engine's bootstrap offers."""

    @property
    def n_boot(self) -> int: ...

    @property
    def n_ok(self) -> int: ...

    @property
    def seed(self) -> int | tuple[int, ...]: ...

    @property
    def failures(self) -> dict[str, int]: ...

    @property
    def conf(self) -> float: ...

    def as_dict(self) -> dict[str, Any]:
        """``resamples, successful, failures, seed, conf`` and the engine's own options."""
        ...


class ResultFigure(Protocol):
    """A figure of a result: a caption, a matplotlib figure, and a file (``.save(path)``)."""

    @property
    def title(self) -> str:
        """The caption (``"Importance–performance map for Loyalty"``)."""
        ...

    def figure(self) -> Any:
        """The drawing as a :class:`matplotlib.figure.Figure`."""
        ...

    def save(self, path: Any) -> Any:
        """Write the figure to ``path`` (the format follows the suffix; ``.png`` and ``.pdf``
        always work) and return the path written."""
        ...


class DifferenceTestInfo(Protocol):
    """A χ² difference test of two nested models (see :func:`sem_csat.compare`)."""

    @property
    def method(self) -> str: ...

    @property
    def chi2_diff(self) -> float: ...

    @property
    def df_diff(self) -> int: ...

    @property
    def p_value(self) -> float: ...

    @property
    def chi2_diff_standard(self) -> float: ...

    @property
    def scaling_factor(self) -> float: ...

    @property
    def rmsea(self) -> float: ...


class NestedTestInfo(Protocol):
    """What a result offers to the comparison of nested models.

    Attributes
    ----------
    estimator
        ``"ML"``, ``"MLR"``, ``"GLS"``, ``"ULS"``, ``"DWLS"``, ...: only fits with the same
        estimator are compared.
    robust
        Whether the difference test is the Satorra–Bentler scaled one.
    n_obs, sample_cov
        The data fitted (models are compared only when both agree).
    npar, df, converged
        Free parameters, degrees of freedom, convergence.
    fit
        The fit measures of the model table (``chi2``, ``cfi``, ``srmr``, ``aic``, ...; the
        robust versions for robust fits), NaN where not defined.
    """

    @property
    def estimator(self) -> str: ...

    @property
    def robust(self) -> bool: ...

    @property
    def n_obs(self) -> int: ...

    @property
    def sample_cov(self) -> pd.DataFrame: ...

    @property
    def npar(self) -> int: ...

    @property
    def df(self) -> int: ...

    @property
    def converged(self) -> bool: ...

    @property
    def fit(self) -> Mapping[str, float]: ...

    def difference_test(self, full: NestedTestInfo) -> DifferenceTestInfo:
        """Test this (restricted) model against ``full``, a model with fewer df."""
        ...


class SEMResult(ResultDisplay, ABC):
    """What every fitted model offers (see the module docstring for the meaning of each name).

    An abstract base class rather than a :class:`typing.Protocol`: ``isinstance`` with a
    runtime protocol evaluates every property on Python 3.11 (building every table, and raising
    where a property is not available, such as ``quality`` after a fit to a covariance
    matrix), while a base class answers by type.  Both engines' results derive from it.
    """

    spec: ModelSpec
    data: PreparedData
    settings: Settings
    diagnostics: tuple[Diagnostic, ...]

    @property
    def method(self) -> str:
        """The method's key (``settings.method``)."""
        return self.settings.method

    @property
    @abstractmethod
    def method_name(self) -> str:
        """The method's readable name."""

    @property
    @abstractmethod
    def statistic(self) -> Statistic:
        """``"t_value"`` or ``"z_value"``: the name of the test-statistic column."""

    @property
    def n_obs(self) -> int:
        """Respondents used."""
        return int(self.data.n_used)

    @property
    @abstractmethod
    def converged(self) -> bool:
        """Whether the estimation converged."""

    @property
    def constructs(self) -> tuple[str, ...]:
        """Construct names in spec order."""
        return self.spec.construct_names

    @property
    @abstractmethod
    def boot(self) -> BootstrapInfo | None:
        """The bootstrap, or ``None``."""

    @property
    def bootstrapped(self) -> bool:
        """Whether the result carries bootstrap inference."""
        return self.boot is not None

    @property
    @abstractmethod
    def ci(self) -> CIMethod:
        """Which bootstrap interval fills ``ci_lower``/``ci_upper``."""

    @property
    @abstractmethod
    def params(self) -> pd.DataFrame:
        """The long parameter table (:func:`param_columns`)."""

    @property
    @abstractmethod
    def paths(self) -> pd.DataFrame:
        """One row per structural path (:func:`path_columns`)."""

    @property
    @abstractmethod
    def outer(self) -> pd.DataFrame:
        """One row per indicator (:data:`OUTER_COLUMNS`)."""

    @property
    @abstractmethod
    def r2(self) -> pd.DataFrame:
        """R² of the endogenous constructs (:data:`R2_COLUMNS`)."""

    @property
    @abstractmethod
    def effects(self) -> pd.DataFrame:
        """Direct, indirect and total effects (:data:`EFFECT_COLUMNS`)."""

    @property
    @abstractmethod
    def fit_table(self) -> pd.DataFrame:
        """One row of global fit measures."""

    @property
    @abstractmethod
    def quality(self) -> QualityReport:
        """The measurement-quality report."""

    @abstractmethod
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
        """A new result with bootstrap inference (this one is not changed)."""

    @abstractmethod
    def tables(self) -> Mapping[str, pd.DataFrame]:
        """Every table the result writes, ``name -> DataFrame``, in writing order."""

    @abstractmethod
    def figures(self) -> Mapping[str, ResultFigure]:
        """The result's own figures besides the path diagram."""

    @abstractmethod
    def findings(self) -> tuple[Diagnostic, ...]:
        """Every finding of the run: diagnostics, quality verdicts, notes of the tables."""

    @abstractmethod
    def run_facts(self) -> dict[str, Any]:
        """The ``estimation`` block of ``run.json``."""

    @abstractmethod
    def nested_test_info(self) -> NestedTestInfo | None:
        """What a nested-model comparison needs, or ``None``."""

    @abstractmethod
    def summary(self) -> Summary:
        """The summary that drives ``str()`` and the HTML display."""

    @abstractmethod
    def _repr_fields(self) -> str:
        """The words of the one-line ``repr`` after the class name."""

    # ------------------------------------------------------------------ several groups
    @property
    def grouping(self) -> Grouping | None:
        """The groups of a multi-group result; ``None`` for one group."""
        return None

    def group_results(self) -> Mapping[str, SEMResult]:
        """Each group's own (single-group) result by level; empty for one group."""
        return {}

    # ------------------------------------------------------------------ survey metrics
    @cached_property
    def dashboard(self) -> Dashboard | None:
        """The survey metrics the spec declares, on the respondents the model used, or None.

        NPS, CSAT, CES, Kano and SERVQUAL from the spec's ``metrics:`` and ``servqual:``
        blocks (:func:`sem_csat.metrics.dashboard.dashboard`); ``None`` when the spec declares
        neither or the data are a matrix.  By group in a multi-group result.
        """
        from sem_csat.metrics.dashboard import dashboard

        data = self.data
        survey = data.survey
        if survey is None:
            return None
        rows = survey.iloc[data.used_rows].reset_index(drop=True)
        g = self.grouping
        labels = None if g is None else self._group_labels()
        return dashboard(
            self.spec,
            rows,
            groups=labels,
            group_name=None if g is None else g.column,
            levels=None if g is None else g.levels,
            na_values=data.na_values,
        )

    def _group_labels(self) -> list[str]:
        """The group of every respondent used, in the order of ``data.used_rows``."""
        raise NotImplementedError  # pragma: no cover - a multi-group result defines it

    def dashboard_tables(self) -> dict[str, pd.DataFrame]:
        """The dashboard's tables (``metrics``, ``kano``, ``servqual``, ...), for ``tables()``."""
        return {} if self.dashboard is None else self.dashboard.tables()

    def dashboard_figures(self) -> dict[str, ResultFigure]:
        """The dashboard's figures (the Kano map), for ``figures()``."""
        return {} if self.dashboard is None else dict(self.dashboard.figures())

    def dashboard_sections(self) -> list[Section]:
        """The dashboard's summary sections, for ``summary()``."""
        return [] if self.dashboard is None else self.dashboard.sections()

    def dashboard_findings(self) -> tuple[Diagnostic, ...]:
        """The dashboard's findings, for ``findings()``."""
        return () if self.dashboard is None else self.dashboard.diagnostics


def stack_groups(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The frames of every group one after the other, with a ``group`` column first.

    >>> import pandas as pd
    >>> stack_groups({"a": pd.DataFrame({"x": [1]}), "b": pd.DataFrame({"x": [2]})})
      group  x
    0     a  1
    1     b  2
    """
    import pandas as pd

    parts = []
    for level, frame in frames.items():
        part = frame.reset_index(drop=True)
        part.insert(0, "group", level)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


class GroupedTables:
    """The contract's ``paths``, ``outer``, ``r2`` and ``effects`` of a result with groups,
    stacked from its ``group_results()`` (group after group, ``group`` first), for both
    engines' grouped results.  The class using it provides ``statistic`` and
    ``group_results()``."""

    @property
    def statistic(self) -> Statistic:
        raise NotImplementedError  # pragma: no cover - provided by the result class

    def group_results(self) -> Mapping[str, SEMResult]:
        raise NotImplementedError  # pragma: no cover - provided by the result class

    def _each(self, name: str) -> dict[str, pd.DataFrame]:
        return {g: getattr(r, name) for g, r in self.group_results().items()}

    @cached_property
    def paths(self) -> pd.DataFrame:
        """Every group's paths: ``group`` and :func:`path_columns`."""
        columns = grouped_columns(path_columns(self.statistic))
        return conform(stack_groups(self._each("paths")), columns)

    @cached_property
    def outer(self) -> pd.DataFrame:
        """Every group's weights and loadings: ``group`` and :data:`OUTER_COLUMNS`."""
        return conform(stack_groups(self._each("outer")), grouped_columns(OUTER_COLUMNS))

    @cached_property
    def r2(self) -> pd.DataFrame:
        """R² by construct (index) and group: ``group, r2, r2_adj``."""
        frames = {
            g: r.r2.rename_axis("construct").reset_index() for g, r in self.group_results().items()
        }
        out = stack_groups(frames).set_index("construct")
        out["group"] = out["group"].astype(str)
        return out[["group", "r2", "r2_adj"]]

    @cached_property
    def effects(self) -> pd.DataFrame:
        """Every group's direct, indirect and total effects, with a ``group`` column first."""
        out = stack_groups(self._each("effects"))
        out["group"] = out["group"].astype(str)
        return out
