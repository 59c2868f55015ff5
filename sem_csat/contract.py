"""The result contract: what every fitted model offers, whichever engine made it.

Both engines (PLS/PLSc and covariance-based SEM) return results that fill :class:`SEMResult`
with the same names, the same column layouts and the same meanings, so that everything that
consumes a result (tables, diagrams, the report, :func:`sem_csat.write`, comparisons, the
command line) works on either without asking which engine made it.  This is the same idea as
linearmodels' shared results API and lavaan's one parameter table.

The contract
------------
``spec``
    The :class:`~sem_csat.spec.model.ModelSpec` that was fitted (never changed by a fit).
``data``
    The :class:`~sem_csat.data.PreparedData` that was fitted (for summary-statistics input its
    ``frame`` has no rows and ``moments`` holds the matrix).
``settings``
    The estimation settings (:class:`Settings`): ``method``, ``missing``, ``na_values`` and the
    engine's own options; ``as_dict()`` gives what ``run.json`` records.
``method``, ``method_name``
    The method's key (``"pls"``, ``"mlr"``, ...) and its readable name.
``statistic``
    The name of the test statistic column: ``"t_value"`` (PLS: bootstrap t) or ``"z_value"``
    (CB-SEM: Wald z).
``n_obs``, ``converged``, ``constructs``, ``diagnostics``, ``boot``, ``bootstrapped``
    Basic facts.  ``boot`` is the bootstrap (or ``None``); it has ``n_boot``, ``n_ok``,
    ``seed``, ``failures`` and ``conf``.
``params``
    The long parameter table, columns :func:`param_columns` (lavaan's ``parameterEstimates``
    layout): ``lhs, op, rhs, group, label, estimate, std_error, <statistic>, p_value, ci_lower,
    ci_upper, std_lv, std_all``.  ``estimate`` is unstandardized, ``std_all`` fully
    standardized.  Missing values are NaN (labels and groups: ``""``).
``paths``
    One row per structural path, columns :func:`path_columns`: ``from, to, label, estimate,
    std_estimate, std_error, <statistic>, p_value, ci_lower, ci_upper`` (a PLS result that has
    not been bootstrapped carries the inference columns as NaN).
``outer``
    One row per indicator, columns :data:`OUTER_COLUMNS`: ``construct, indicator, weight,
    loading, std_loading`` (PLS: weight and loading are standardized, ``std_loading`` equals
    ``loading``; CB-SEM: ``loading`` is unstandardized, ``weight`` the regression factor-score
    weight).
``r2``
    Indexed by construct, columns :data:`R2_COLUMNS` (``r2, r2_adj``; ``r2_adj`` is NaN where
    it is not defined).
``effects``
    :data:`EFFECT_COLUMNS` (``from, to, direct, indirect, total``) for every pair joined by a
    chain of paths; a bootstrap adds ``<kind>_se, <kind>_ci_lower, <kind>_ci_upper``.
``fit_table``
    One row of global fit measures (the columns depend on the method; empty columns are NaN).
``quality``
    The measurement-quality report (:class:`~sem_csat.measurement.QualityReport`).
``bootstrap(n_boot=5000, *, seed=None, n_jobs=1, conf=0.95, ci="percentile", progress=None)``
    A new result that carries bootstrap inference; this result is not changed.
``tables()``
    Every table the result writes, ``name -> DataFrame`` in writing order (``paths``,
    ``outer``, ...); :func:`sem_csat.write` writes each as ``<name>.csv``.
``figures()``
    The result's own figures besides the path diagram, ``name -> object with
    .save(path)`` (for example the importance-performance map).
``run_facts()``
    The engine's facts for the ``estimation`` block of ``run.json`` (iterations, gradient,
    free parameters, ...).
``summary()``
    The :class:`~sem_csat.summary.Summary` that drives ``str()``, HTML in Jupyter and the
    other renderings (:class:`ResultDisplay`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pandas as pd

    from sem_csat.data import PreparedData
    from sem_csat.diagnostics import Diagnostic
    from sem_csat.measurement import QualityReport
    from sem_csat.spec.model import ModelSpec
    from sem_csat.summary import Summary

__all__ = [
    "CI_METHODS",
    "EFFECT_COLUMNS",
    "OUTER_COLUMNS",
    "R2_COLUMNS",
    "STATISTICS",
    "BootstrapInfo",
    "ResultDisplay",
    "SEMResult",
    "Savable",
    "Settings",
    "inference_columns",
    "param_columns",
    "path_columns",
]

Statistic = Literal["t_value", "z_value"]
#: The names a test-statistic column may have: bootstrap t (PLS) or Wald z (CB-SEM).
STATISTICS: tuple[Statistic, ...] = ("t_value", "z_value")
#: Bootstrap confidence intervals: percentile or bias-corrected and accelerated (BCa).
CI_METHODS: tuple[str, ...] = ("percentile", "bca")
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
    """Columns of ``params`` (lavaan's ``parameterEstimates`` layout, ``.`` written ``_``).

    >>> param_columns("z_value")[:8]
    ('lhs', 'op', 'rhs', 'group', 'label', 'estimate', 'std_error', 'z_value')
    """
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


def _check(statistic: str) -> None:
    if statistic not in STATISTICS:
        raise ValueError(f"statistic must be one of {STATISTICS}; got {statistic!r}.")


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


class Savable(Protocol):
    """A figure that can be written to a file (``.save(path)`` returns the path written)."""

    def save(self, path: Any, **kwargs: Any) -> Any: ...


@runtime_checkable
class SEMResult(Protocol):
    """What every fitted model offers (see the module docstring for the meaning of each name)."""

    spec: ModelSpec
    data: PreparedData
    settings: Settings
    diagnostics: tuple[Diagnostic, ...]

    @property
    def method(self) -> str: ...

    @property
    def method_name(self) -> str: ...

    @property
    def statistic(self) -> Statistic: ...

    @property
    def n_obs(self) -> int: ...

    @property
    def converged(self) -> bool: ...

    @property
    def constructs(self) -> tuple[str, ...]: ...

    @property
    def boot(self) -> BootstrapInfo | None: ...

    @property
    def bootstrapped(self) -> bool: ...

    @property
    def params(self) -> pd.DataFrame: ...

    @property
    def paths(self) -> pd.DataFrame: ...

    @property
    def outer(self) -> pd.DataFrame: ...

    @property
    def r2(self) -> pd.DataFrame: ...

    @property
    def effects(self) -> pd.DataFrame: ...

    @property
    def fit_table(self) -> pd.DataFrame: ...

    @property
    def quality(self) -> QualityReport: ...

    def bootstrap(
        self,
        n_boot: int = 5000,
        *,
        seed: int | None = None,
        n_jobs: int | None = 1,
        conf: float = 0.95,
        ci: Literal["percentile", "bca"] = "percentile",
        progress: bool | None = None,
    ) -> SEMResult: ...

    def tables(self) -> Mapping[str, pd.DataFrame]: ...

    def figures(self) -> Mapping[str, Savable]: ...

    def run_facts(self) -> dict[str, Any]: ...

    def summary(self) -> Summary: ...


class ResultDisplay:
    """The one display mixin of every result: ``str()``, Jupyter HTML and a one-line ``repr``.

    A class that mixes it in defines ``summary()`` (a :class:`~sem_csat.summary.Summary`) and
    ``_repr_fields()`` (the words of its one-line ``repr`` after the class name).
    """

    def summary(self) -> Summary:  # pragma: no cover - defined by the result classes
        raise NotImplementedError

    def _repr_fields(self) -> str:  # pragma: no cover - defined by the result classes
        raise NotImplementedError

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def _repr_markdown_(self) -> str:
        return self.summary().as_markdown()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._repr_fields()}>"
