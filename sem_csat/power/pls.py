"""Minimum sample size of a PLS path model: the inverse square root method (Kock & Hadaya 2018).

A PLS path coefficient :math:`\\beta` is tested with :math:`t = \\hat\\beta / S`; Kock and Hadaya
(2018) approximate its standard error by :math:`S \\approx 1/\\sqrt N` (the standard error of a
correlation near 0), so that the one-tailed test at level :math:`\\alpha` has power
:math:`1 - \\beta_{II}` when :math:`|\\beta| \\sqrt N \\ge z_{1-\\alpha} + z_{1-\\beta_{II}}`.  The
smallest path of interest :math:`\\beta_{\\min}` then needs

.. math:: N > \\left(\\frac{z_{1-\\alpha} + z_{1-\\beta_{II}}}{|\\beta_{\\min}|}\\right)^2,

published as :math:`N > (2.486 / |\\beta_{\\min}|)^2` for 5% significance and 80% power (2.486
is :math:`z_{.95} + z_{.80} = 1.6449 + 0.8416` rounded; 3.168 at 1% and 2.123 at 10%).  This
module computes the quantiles exactly; the published rounded constant can move a result by one
respondent at most when :math:`(2.486/|\\beta_{\\min}|)^2` lies within 0.1% of a whole number.

Kock and Hadaya's second method, the gamma-exponential method, is not provided: its formula could
not be taken from the paper itself for this implementation, and a formula from memory would be
an unchecked number.  Their simulations found the inverse square root method slightly
conservative (larger N) next to it.

For a check that takes the whole model into account (loadings, measurement error, several
predictors) use the Monte Carlo :func:`sem_csat.power.simulate`.

References
----------
.. [1] Kock, N., & Hadaya, P. (2018). Minimum sample size estimation in PLS-SEM: The inverse
   square root and gamma-exponential methods. *Information Systems Journal*, 28(1), 227–261.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import pandas as pd

from sem_csat.errors import UsageError
from sem_csat.summary import ResultDisplay, Section, Summary

__all__ = [
    "PLS_TABLE_COLUMNS",
    "PLSPlan",
    "inverse_square_root",
    "minimum_detectable_path",
    "pls_plan",
]

#: Columns of :attr:`PLSPlan.table` (``power.csv`` of ``sem-csat power --pls``).
PLS_TABLE_COLUMNS: Final = ("method", "min_path", "alpha", "power", "tails", "n")


def _level(value: object, name: str, example: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise UsageError(
            f"{name} must lie strictly between 0 and 1, such as {example}; got {value!r}."
        )
    return float(value)


def _constant(alpha: float, power: float, tails: int) -> float:
    from scipy import stats

    if tails not in (1, 2):
        raise UsageError(f"tails must be 1 (Kock & Hadaya's one-tailed test) or 2; got {tails!r}.")
    a = _level(alpha, "alpha", "0.05")
    p = _level(power, "power", "0.8")
    return float(stats.norm.ppf(1 - a / tails) + stats.norm.ppf(p))


def inverse_square_root(
    path: float, *, alpha: float = 0.05, power: float = 0.8, tails: int = 1
) -> int:
    """Smallest N for the smallest path of interest by the inverse square root method.

    Parameters
    ----------
    path
        The smallest (absolute) path coefficient that should be significant, such as 0.2.
    alpha
        Significance level.
    power
        Target power.
    tails
        1 (default, as Kock & Hadaya: the sign of a path is hypothesized) or 2.

    Returns
    -------
    int
        The smallest whole N with :math:`N > ((z_{1-\\alpha/t} + z_{power}) / |\\beta|)^2`.

    Examples
    --------
    Kock & Hadaya's constant 2.486 (5%, power .80): :math:`(2.486 / 0.2)^2 = 154.5`.

    >>> inverse_square_root(0.2)
    155
    >>> inverse_square_root(0.197)  # (2.486 / 0.197)^2 = 159.25
    160
    >>> inverse_square_root(0.2, alpha=0.01), inverse_square_root(0.2, tails=2)
    (251, 197)
    """
    if (
        isinstance(path, bool)
        or not isinstance(path, int | float)
        or not math.isfinite(path)
        or not 0 < abs(path) < 1
    ):
        raise UsageError(
            f"path must be the smallest standardized path coefficient of interest, between 0 "
            f"and 1 in absolute value (such as 0.2); got {path!r}."
        )
    bound = (_constant(alpha, power, tails) / abs(path)) ** 2
    return math.floor(bound) + 1


def minimum_detectable_path(
    n: int, *, alpha: float = 0.05, power: float = 0.8, tails: int = 1
) -> float:
    """The smallest path that ``n`` respondents detect by the inverse square root method.

    :math:`|\\beta_{\\min}| = (z_{1-\\alpha/t} + z_{power}) / \\sqrt N`.

    Examples
    --------
    >>> round(minimum_detectable_path(100), 4)
    0.2486
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise UsageError(f"n must be a whole number of respondents, at least 2; got {n!r}.")
    return _constant(alpha, power, tails) / math.sqrt(n)


@dataclass(frozen=True)
class PLSPlan(ResultDisplay):
    """A PLS sample-size plan by the inverse square root method (from :func:`pls_plan`).

    Attributes
    ----------
    table
        One row, columns :data:`PLS_TABLE_COLUMNS` (``power.csv``): the smallest path of
        interest ``min_path``, ``alpha``, ``power``, ``tails`` and the sample size ``n``.
    solved
        ``"n"`` when the sample size was found for a path, ``"min_path"`` when the smallest
        detectable path was found for a sample size.
    """

    table: pd.DataFrame
    solved: str

    @property
    def n(self) -> int:
        """The sample size."""
        return int(self.table["n"].iloc[0])

    @property
    def min_path(self) -> float:
        """The smallest path of interest (or the smallest detectable one)."""
        return float(self.table["min_path"].iloc[0])

    def summary(self) -> Summary:
        """The plan as a :class:`~sem_csat.summary.Summary`."""
        row = self.table.iloc[0]
        tails = int(row["tails"])
        header = [
            ("Method", "inverse square root (Kock & Hadaya 2018)"),
            ("Test", f"{'one' if tails == 1 else 'two'}-tailed, alpha {row['alpha']:g}"),
            ("Power", f"{row['power']:g}"),
        ]
        if self.solved == "n":
            line = (
                f"Smallest sample size for a path of {row['min_path']:g}: {int(row['n'])} "
                "respondents."
            )
        else:
            line = (
                f"Smallest path that {int(row['n'])} respondents detect: "
                f"{row['min_path']:.4f} (absolute value)."
            )
        lines = (
            line,
            "The rule assumes the path's standard error is about 1/sqrt(N); for the whole "
            "model (loadings, several predictors) use sem_csat.power.simulate.",
        )
        return Summary("PLS sample size", header, [Section("Plan", self.table, lines=lines)])

    def __repr__(self) -> str:
        return f"<PLSPlan min_path {self.min_path:.4f}, n {self.n}>"


def pls_plan(
    *,
    min_path: float | None = None,
    n: int | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    tails: int = 1,
) -> PLSPlan:
    """The sample size for the smallest path of interest, or the smallest path a sample size
    detects, as a table (``sem-csat power --pls``).

    Give exactly one of ``min_path`` (:func:`inverse_square_root`) and ``n``
    (:func:`minimum_detectable_path`).

    Examples
    --------
    >>> pls_plan(min_path=0.2).table
                    method  min_path  alpha  power  tails    n
    0  inverse_square_root       0.2   0.05    0.8      1  155
    >>> round(pls_plan(n=100).min_path, 4)
    0.2486
    """
    if (min_path is None) == (n is None):
        raise UsageError(
            "Give either the smallest path of interest (min_path, --min-path) to get the "
            "sample size, or a sample size (n, --n) to get the smallest detectable path."
        )
    if min_path is not None:
        size = inverse_square_root(min_path, alpha=alpha, power=power, tails=tails)
        path, solved = float(min_path), "n"
    else:
        path = minimum_detectable_path(n, alpha=alpha, power=power, tails=tails)  # type: ignore[arg-type]
        size, solved = int(n), "min_path"  # type: ignore[arg-type]
    table = pd.DataFrame(
        [
            {
                "method": "inverse_square_root",
                "min_path": path,
                "alpha": float(alpha),
                "power": float(power),
                "tails": int(tails),
                "n": size,
            }
        ],
        columns=list(PLS_TABLE_COLUMNS),
    )
    return PLSPlan(table=table, solved=solved)
