"""Linear equality constraints of the parameter table: ``A x = b`` (lavaan's ``ceq``).

Two kinds of ``==`` rows tie the free parameters ``x`` of a table:

* a label given to several parameters generates ``.pA. == .pB.`` (``user = 2``): the free
  parameters of rows A and B are equal;
* a constraint the spec states (``a == b``, ``a == 2*b``, ``2*a + b == 1``; ``user = 1``)
  is a linear equation in the parameter labels.  Defined parameters (``:=``) used in it are
  written out first (lavaan evaluates them the same way), and each side is read with
  :meth:`~sem_csat.spec.expressions.Expression.linear`.  A label names the free parameter of
  the first row that carries it (the other rows with that label are tied to it by the
  generated rows); a label on a fixed row contributes its fixed value to ``b``.

The estimator removes ``A x = b`` by the reparametrisation x = K z + x₀
(:class:`~sem_csat.cbsem.estimate.Reparam`), as lavaan does with linear ``ceq`` constraints;
the number of parameters reported (lavaan's ``npar``) is ``n_free − rank(A)``.  A constraint
that is not linear in the labels (``a*b == 1``) needs a constrained optimizer (lavaan's
``nlminb.constr``), which sem_csat does not have: it is refused with one sentence when the table
is built.

References
----------
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
Statistical Software*, 48(2), 1-36.  (lavaan 0.6-14, ``R/lav_constraints.R``.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sem_csat.errors import SpecError
from sem_csat.spec.expressions import Expression

if TYPE_CHECKING:
    from sem_csat.cbsem.partable import ParTable
    from sem_csat.spec.model import ModelSpec

__all__ = ["check_linear", "label_rows", "linear_system"]

FloatArray = NDArray[np.float64]


def _difference(left: Expression, right: Expression) -> Expression:
    return Expression(f"({left.text}) - ({right.text})")


def check_linear(spec: ModelSpec) -> None:
    """Refuse, with one sentence, a constraint that is not linear in the parameter labels.

    Raises
    ------
    SpecError
        Naming the constraint and what to do instead.

    Examples
    --------
    >>> from sem_csat.spec import ModelSpec
    >>> spec = ModelSpec.from_lavaan("f =~ x1 + a*x2 + b*x3\\na*b == 1")
    >>> check_linear(spec)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sem_csat.errors.SpecError: The constraint a*b == 1 is not linear in the parameter labels; ...
    """
    for c in spec.constraints:
        diff = _difference(spec.expand(c.left), spec.expand(c.right))
        if diff.linear() is None:
            raise SpecError(
                f"The constraint {c.text} is not linear in the parameter labels; CB-SEM "
                "estimates linear equality constraints only (such as a == b or a == 2*b + 1), "
                "so rewrite it as one or remove it."
            )


def label_rows(table: ParTable) -> dict[str, int]:
    """Label -> the first table row (0-based) that carries it, for rows in the matrices."""
    out: dict[str, int] = {}
    for i, (label, mat) in enumerate(zip(table.label, table.mat, strict=True)):
        if label and mat and label not in out:
            out[label] = i
    return out


def linear_system(table: ParTable) -> tuple[FloatArray, FloatArray]:
    """``A`` (one row per ``==`` row, one column per free parameter) and ``b``.

    Raises
    ------
    SpecError
        When a constraint is not linear, names a label that is not in the table, or ties
        fixed values that contradict each other.
    """
    eq = [i for i, op in enumerate(table.op) if op == "=="]
    n = table.n_free
    a = np.zeros((len(eq), n))
    b = np.zeros(len(eq))
    if not eq:
        return a, b
    free = table.free
    by_plabel = {f".p{i + 1}.": int(f) for i, f in enumerate(free)}
    rows = label_rows(table)
    defined = {
        table.lhs[i]: Expression(table.rhs[i]) for i, op in enumerate(table.op) if op == ":="
    }
    expanded: dict[str, Expression] = {}
    for name, expr in defined.items():
        expanded[name] = expr.substitute(expanded)
    for k, i in enumerate(eq):
        lhs, rhs = table.lhs[i], table.rhs[i]
        if table.user[i] == 2:
            a[k, by_plabel[lhs] - 1] += 1.0
            a[k, by_plabel[rhs] - 1] -= 1.0
            continue
        text = f"{lhs} == {rhs}"
        left = Expression(lhs).substitute(expanded)
        right = Expression(rhs).substitute(expanded)
        linear = _difference(left, right).linear()
        if linear is None:
            raise SpecError(
                f"The constraint {text} is not linear in the parameter labels; CB-SEM "
                "estimates linear equality constraints only, so rewrite it or remove it."
            )
        coef, const = linear
        b[k] = -const
        for label, value in coef.items():
            row = rows.get(label)
            if row is None:
                raise SpecError(
                    f"The constraint {text} uses '{label}', which labels no parameter of the "
                    "model; label the parameter (such as a*x2) or correct the name."
                )
            if free[row] > 0:
                a[k, free[row] - 1] += value
            else:
                b[k] -= value * float(table.ustart[row])
        if not np.any(a[k]) and abs(b[k]) > 1e-12 * max(1.0, abs(const)):
            raise SpecError(
                f"The constraint {text} ties fixed values that are not equal, so no estimate "
                "can satisfy it; correct the fixed values or remove the constraint."
            )
    return a, b
