"""Defined parameters (lavaan's ``:=``): values, delta-method standard errors, standardized
values.

A defined parameter is a function h of labelled parameters (``ind := a*b``, ``tot := c + a*b``,
``prop := a*b/(c + a*b)``); its ``:=`` row of the parameter table holds the name (``lhs``), the
expression (``rhs``) and, after estimation, its value, standard error, z, p and Wald interval,
as lavaan's ``parameterEstimates()`` reports them.

* The value is h evaluated at the estimates; a label names the parameter of the first row that
  carries it (a fixed row contributes its fixed value).  Defined names used in a later
  definition are written out first.
* The standard error is the delta method (Sobel 1982): with J = ∂h/∂x (exact, from the parse
  tree: :meth:`~sem_csat.spec.expressions.Expression.gradient`, entered at the free position
  of each label's row),

  .. math:: \\mathrm{Var}(h(\\hat x)) = J\\, \\mathrm{Cov}(\\hat x)\\, J^\\top,

  with whatever covariance matrix the fit reports (expected information, or MLR's sandwich);
* ``std_lv`` and ``std_all`` are h evaluated at the standardized values of the labelled rows
  (lavaan's ``lav_standardize_lv`` and ``lav_standardize_all`` do the same).

Nothing in an expression is evaluated as Python: the expressions are parse trees
(:mod:`sem_csat.spec.expressions`).

References
----------
Sobel, M. E. (1982). Asymptotic confidence intervals for indirect effects in structural
equation models. *Sociological Methodology*, 13, 290-312.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sem_csat.cbsem.constraints import label_rows
from sem_csat.cbsem.partable import ParTable
from sem_csat.spec.expressions import Expression

__all__ = ["DefinedParameters", "defined_parameters"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class DefinedParameters:
    """The ``:=`` rows of a table, with their expressions written out in labels.

    Attributes
    ----------
    rows
        Positions of the ``:=`` rows in the table, in table order.
    names
        Their names (``lhs``).
    expressions
        Their expressions over parameter labels only (defined names written out).
    label_row
        Label -> the table row that carries it first.
    free
        The table's ``free`` column.
    """

    rows: tuple[int, ...]
    names: tuple[str, ...]
    expressions: tuple[Expression, ...]
    label_row: Mapping[str, int]
    free: NDArray[np.int64]

    @property
    def size(self) -> int:
        return len(self.rows)

    def _values(self, row_values: FloatArray) -> dict[str, float]:
        return {label: float(row_values[i]) for label, i in self.label_row.items()}

    def values(self, row_values: FloatArray) -> FloatArray:
        """h at the given values of the table's rows (estimates or standardized values)."""
        values = self._values(row_values)
        return np.array([e.evaluate(values) for e in self.expressions], dtype=np.float64)

    def values_many(self, row_values: FloatArray) -> FloatArray:
        """h for a stack ``(c, n_rows)`` of row values (one per bootstrap resample): ``(c, k)``."""
        out = np.empty((row_values.shape[0], self.size))
        columns = {label: row_values[:, i] for label, i in self.label_row.items()}
        for k, e in enumerate(self.expressions):
            out[:, k] = e.evaluate_many({n: columns[n] for n in e.names})
        return out

    def jacobian(self, row_values: FloatArray, n_free: int) -> FloatArray:
        """J = ∂h/∂x (k × n_free) at the given row values."""
        values = self._values(row_values)
        jac = np.zeros((self.size, n_free))
        for k, e in enumerate(self.expressions):
            for label, g in e.gradient(values).items():
                f = int(self.free[self.label_row[label]])
                if f > 0:
                    jac[k, f - 1] += g
        return jac

    def standard_errors(self, row_values: FloatArray, cov_x: FloatArray) -> FloatArray:
        """Delta-method standard errors sqrt(diag(J Cov(x̂) Jᵀ)) (NaN where Cov is NaN)."""
        jac = self.jacobian(row_values, cov_x.shape[0])
        var = np.einsum("ki,ij,kj->k", jac, cov_x, jac)
        with np.errstate(invalid="ignore"):
            out: FloatArray = np.sqrt(np.where(var >= 0, var, np.nan))
        return out


def defined_parameters(table: ParTable) -> DefinedParameters:
    """The defined parameters of ``table`` (none: an empty :class:`DefinedParameters`).

    Examples
    --------
    >>> from sem_csat.spec import ModelSpec
    >>> from sem_csat.cbsem.partable import build_partable
    >>> spec = ModelSpec.from_lavaan(
    ...     "A =~ a1 + a2\\nB =~ b1 + b2\\nC =~ c1 + c2\\nB ~ a*A\\nC ~ b*B + c*A\\n"
    ...     "ind := a*b\\ntot := c + ind", name="m")
    >>> d = defined_parameters(build_partable(spec))
    >>> d.names, [e.text for e in d.expressions]
    (('ind', 'tot'), ['a*b', 'c + a*b'])
    """
    rows = tuple(i for i, op in enumerate(table.op) if op == ":=")
    expanded: dict[str, Expression] = {}
    expressions = []
    for i in rows:
        expr = Expression(table.rhs[i]).substitute(expanded)
        expanded[table.lhs[i]] = expr
        expressions.append(expr)
    return DefinedParameters(
        rows=rows,
        names=tuple(table.lhs[i] for i in rows),
        expressions=tuple(expressions),
        label_row=label_rows(table),
        free=table.free,
    )
