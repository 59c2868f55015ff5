"""Power and sample size of RMSEA tests of model fit (MacCallum, Browne & Sugawara 1996).

A covariance-based SEM with ``df`` degrees of freedom is tested with the RMSEA: the *test of
close fit* asks whether the population RMSEA :math:`\\varepsilon` exceeds
:math:`\\varepsilon_0 = .05` (H0: :math:`\\varepsilon \\le .05`, power against
:math:`\\varepsilon_1 = .08`), the *test of not-close fit* whether it is below it (H0:
:math:`\\varepsilon \\ge .05`, power against :math:`\\varepsilon_1 = .01`).  Under
:math:`\\varepsilon` the likelihood-ratio statistic is noncentral :math:`\\chi^2_{df}(\\lambda)`
with :math:`\\lambda = (N - 1)\\, df\\, \\varepsilon^2 / G` (:math:`G` groups), so power and the
smallest sample size follow from two noncentral :math:`\\chi^2` distributions.

The functions reproduce semTools 0.5-6 ``findRMSEApower`` and ``findRMSEAsamplesize``: the same
noncentrality (with ``(N - 1)``, divided by the number of groups), the same rejection regions,
and the same sample-size search (the smallest total N from 5 upward whose power *exceeds* the
target, divided by the number of groups).  ``tests/test_power_rmsea.py`` checks them against
semTools (the R script is committed beside the reference numbers).

Examples
--------
The classic case: 50 degrees of freedom, test of close fit (.05 vs .08) with power .80:

>>> rmsea_sample_size(50, 0.05, 0.08)  # semTools::findRMSEAsamplesize(.05, .08, 50): 214
214
>>> round(rmsea_power(50, 0.05, 0.08, 214), 4)  # semTools::findRMSEApower: 0.8013...
0.8013
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.errors import UsageError
from sem_csat.summary import ResultDisplay, Section, Summary

__all__ = [
    "TABLE_COLUMNS",
    "RMSEAPlan",
    "rmsea_plan",
    "rmsea_power",
    "rmsea_power_nested",
    "rmsea_sample_size",
    "rmsea_sample_size_nested",
]

FloatArray = npt.NDArray[np.float64]

#: Columns of :attr:`RMSEAPlan.table` (``power.csv``).
TABLE_COLUMNS: Final = ("df", "rmsea0", "rmsea1", "alpha", "n", "power")
_SEARCH_START: Final = 5  # semTools searches n = 5, 6, ...
_SEARCH_LIMIT: Final = 10**8


def _positive_int(value: object, name: str, hint: str) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.integer | np.floating)
        or not math.isfinite(float(value))
        or float(value) != int(value)
        or int(value) < 1
    ):
        raise UsageError(f"{name} must be a positive whole number{hint}; got {value!r}.")
    return int(value)


def _check(
    df: object, rmsea0: object, rmsea1: object, alpha: object, groups: object
) -> tuple[int, float, float, float, int]:
    d = _positive_int(df, "df", " of degrees of freedom (the model's df, such as 50)")
    values = []
    for name, v in (("rmsea0", rmsea0), ("rmsea1", rmsea1)):
        if (
            isinstance(v, bool)
            or not isinstance(v, int | float | np.integer | np.floating)
            or not math.isfinite(float(v))
            or float(v) < 0
        ):
            raise UsageError(f"{name} must be an RMSEA value >= 0, such as 0.05; got {v!r}.")
        values.append(float(v))
    if values[0] == values[1]:
        raise UsageError(
            f"rmsea0 and rmsea1 are both {values[0]:g}, but the null and the alternative RMSEA "
            "must differ: use rmsea0=0.05, rmsea1=0.08 for the test of close fit or "
            "rmsea0=0.05, rmsea1=0.01 for the test of not-close fit."
        )
    a = _probability(alpha, "alpha", "a significance level such as 0.05")
    g = _positive_int(groups, "groups", " (the number of groups)")
    return d, values[0], values[1], a, g


def _probability(value: object, name: str, what: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.integer | np.floating)
        or not 0.0 < float(value) < 1.0
    ):
        raise UsageError(f"{name} must be {what}, strictly between 0 and 1; got {value!r}.")
    return float(value)


def _power(
    df: int, rmsea0: float, rmsea1: float, n: npt.NDArray[np.float64], alpha: float, groups: int
) -> npt.NDArray[np.float64]:
    """Power at the sample sizes ``n`` (noncentral chi-square cdf and quantile of scipy.special)."""
    from scipy import special

    ncp0 = (n - 1.0) * df * rmsea0**2 / groups
    ncp1 = (n - 1.0) * df * rmsea1**2 / groups
    if rmsea0 < rmsea1:  # close fit: reject for large chi-square
        crit = special.chndtrix(1.0 - alpha, df, ncp0)
        out: npt.NDArray[np.float64] = np.asarray(1.0 - special.chndtr(crit, df, ncp1))
    else:  # not-close fit: reject for small chi-square
        crit = special.chndtrix(alpha, df, ncp0)
        out = np.asarray(special.chndtr(crit, df, ncp1), dtype=np.float64)
    return out


def rmsea_power(
    df: int,
    rmsea0: float,
    rmsea1: float,
    n: int | Sequence[int] | npt.ArrayLike,
    *,
    alpha: float = 0.05,
    groups: int = 1,
) -> float | npt.NDArray[np.float64]:
    """Power of the RMSEA test of H0 :math:`\\varepsilon = \\varepsilon_0` when
    :math:`\\varepsilon = \\varepsilon_1` (semTools ``findRMSEApower``).

    Parameters
    ----------
    df
        Degrees of freedom of the model.
    rmsea0, rmsea1
        RMSEA under the null and the alternative hypothesis.  ``rmsea0 < rmsea1`` is the
        test of close fit (H0: :math:`\\varepsilon \\le \\varepsilon_0`), ``rmsea0 > rmsea1``
        the test of not-close fit (H0: :math:`\\varepsilon \\ge \\varepsilon_0`).
    n
        Total sample size (or an array of them).
    alpha
        Significance level.
    groups
        Number of groups; the noncentrality is divided by it, as semTools does.

    Returns
    -------
    float or numpy.ndarray
        The power at each ``n``.

    Notes
    -----
    With :math:`\\lambda_k = (N - 1)\\, df\\, \\varepsilon_k^2 / G`, close fit:
    :math:`c = F^{-1}_{\\chi^2_{df}(\\lambda_0)}(1 - \\alpha)`, power
    :math:`1 - F_{\\chi^2_{df}(\\lambda_1)}(c)`; not-close fit:
    :math:`c = F^{-1}_{\\chi^2_{df}(\\lambda_0)}(\\alpha)`, power
    :math:`F_{\\chi^2_{df}(\\lambda_1)}(c)` (MacCallum et al. 1996).

    References
    ----------
    .. [1] MacCallum, R. C., Browne, M. W., & Sugawara, H. M. (1996). Power analysis and
       determination of sample size for covariance structure modeling. *Psychological
       Methods*, 1(2), 130–149.
    .. [2] Jorgensen, T. D., Pornprasertmanit, S., Schoemann, A. M., & Rosseel, Y. (2022).
       semTools: Useful tools for structural equation modeling (R package 0.5-6).
    """
    d, e0, e1, a, g = _check(df, rmsea0, rmsea1, alpha, groups)
    sizes = np.asarray(n, dtype=np.float64)
    if sizes.size == 0 or not np.all(np.isfinite(sizes)) or np.any(sizes < 2):
        raise UsageError(f"n must be a sample size of at least 2; got {n!r}.")
    out = _power(d, e0, e1, sizes.reshape(-1), a, g).reshape(sizes.shape)
    return float(out) if out.ndim == 0 else out


def rmsea_sample_size(
    df: int,
    rmsea0: float,
    rmsea1: float,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
    groups: int = 1,
    semtools_grid: bool = False,
) -> float:
    """Smallest sample size whose RMSEA test reaches ``power`` (semTools
    ``findRMSEAsamplesize``).

    Parameters
    ----------
    df, rmsea0, rmsea1, alpha, groups
        As :func:`rmsea_power`.
    power
        Target power, strictly between 0 and 1.
    semtools_grid
        Search only the sample sizes semTools 0.5-6 tries (see Notes), so that the answer is
        semTools' in every case; default False: the exact smallest N.

    Returns
    -------
    float
        The smallest total N (5 at least) whose power *exceeds* ``power``, divided by
        ``groups`` as semTools does (a size per group: a whole number for one group, returned
        as ``int``).  When N = 5 already exceeds it, 5 / ``groups`` (semTools then answers
        "Sample Size <= 5").

    Notes
    -----
    Power grows with N, so the smallest N is found by doubling, then by interpolation and
    bisection steps on the bracket.
    semTools searches N = 5, ..., 500 and then, in steps of 500, the blocks 505–1000,
    1005–1500, ...: it never tries N = 501–504, 1001–1004, ..., and when the smallest N lies
    in such a gap it answers the next N it tries (505 instead of 503, for example for
    ``df=24, rmsea0=0, rmsea1=.05, alpha=.01``).  ``semtools_grid=True`` reproduces that.

    Examples
    --------
    >>> rmsea_sample_size(24, 0.0, 0.05, alpha=0.01), rmsea_sample_size(
    ...     24, 0.0, 0.05, alpha=0.01, semtools_grid=True)
    (503, 505)
    """
    d, e0, e1, a, g = _check(df, rmsea0, rmsea1, alpha, groups)
    target = _probability(power, "power", "the target power, such as 0.8")

    def pw(n: int) -> float:
        return float(_power(d, e0, e1, np.array([float(n)]), a, g)[0])

    return _smallest_n(pw, target, g, semtools_grid, f"rmsea0={e0:g}, rmsea1={e1:g}, df={d}")


def _smallest_n(
    pw: Callable[[int], float], target: float, groups: int, semtools_grid: bool, what: str
) -> float:
    """The smallest total N >= 5 with ``pw(N) > target`` (power grows with N), per group."""
    n_min = _SEARCH_START
    if not pw(n_min) > target:
        low, high = n_min, 2 * n_min
        while not pw(high) > target:
            low, high = high, 2 * high
            if high > _SEARCH_LIMIT:
                raise UsageError(
                    f"No sample size up to {_SEARCH_LIMIT:,} reaches power {target:g} for "
                    f"{what}; the RMSEA values are too close. Choose them further apart."
                )
        n_min = _bracketed(pw, target, low, high)
    if semtools_grid and n_min > 500 and 1 <= n_min % 500 <= 4:
        n_min += 5 - n_min % 500
    return n_min // groups if n_min % groups == 0 else n_min / groups


def _bracketed(power: Callable[[int], float], target: float, low: int, high: int) -> int:
    """Smallest n in (low, high] with power(n) > target, given power(low) <= target < power(high).

    Power grows smoothly with n and its probit is nearly linear in :math:`\\sqrt n` (the
    noncentrality grows with n), so interpolation steps (regula falsi on that scale) alternate
    with bisection steps; the bracket always shrinks and the answer is the exact integer.
    """
    from scipy import stats

    z = float(stats.norm.ppf(target))
    f_low = float(stats.norm.ppf(power(low))) - z
    f_high = float(stats.norm.ppf(power(high))) - z
    interpolate = True
    while high - low > 1:
        mid = (low + high) // 2
        if interpolate and math.isfinite(f_low) and math.isfinite(f_high) and f_high > f_low:
            x0, x1 = math.sqrt(low), math.sqrt(high)
            x = x0 + (x1 - x0) * (-f_low) / (f_high - f_low)
            mid = min(max(round(x * x), low + 1), high - 1)
        interpolate = not interpolate
        value = power(mid)
        f_mid = float(stats.norm.ppf(value)) - z
        if value > target:
            high, f_high = mid, f_mid
        else:
            low, f_low = mid, f_mid
    return high


def _check_nested(
    df_a: object,
    df_b: object,
    rmsea0_a: object,
    rmsea0_b: object,
    rmsea1_a: object,
    rmsea1_b: object,
    alpha: object,
    groups: object,
) -> tuple[int, int, tuple[float, float, float, float], float, int]:
    da = _positive_int(df_a, "df_a", " (the df of the more restricted model A)")
    db = _positive_int(df_b, "df_b", " (the df of the less restricted model B)")
    if da <= db:
        raise UsageError(
            f"df_a = {da} must exceed df_b = {db}: model A is the more restricted of the two "
            "nested models, so it has more degrees of freedom."
        )
    values = []
    for name, v in (
        ("rmsea0_a", rmsea0_a),
        ("rmsea0_b", rmsea0_b),
        ("rmsea1_a", rmsea1_a),
        ("rmsea1_b", rmsea1_b),
    ):
        if (
            isinstance(v, bool)
            or not isinstance(v, int | float | np.integer | np.floating)
            or not math.isfinite(float(v))
            or float(v) < 0
        ):
            raise UsageError(f"{name} must be an RMSEA value >= 0, such as 0.05; got {v!r}.")
        values.append(float(v))
    e0a, e0b, e1a, e1b = values
    for h, a_, b_ in (("null", e0a, e0b), ("alternative", e1a, e1b)):
        if a_ < b_:
            raise UsageError(
                f"Under the {h} hypothesis the more restricted model A cannot fit better than "
                f"model B: its RMSEA ({a_:g}) must be at least model B's ({b_:g})."
            )
    a = _probability(alpha, "alpha", "a significance level such as 0.05")
    g = _positive_int(groups, "groups", " (the number of groups)")
    return da, db, (e0a, e0b, e1a, e1b), a, g


def _power_nested(
    da: int, db: int, e: tuple[float, float, float, float], n: FloatArray, alpha: float, g: int
) -> FloatArray:
    from scipy import special

    e0a, e0b, e1a, e1b = e
    ncp0 = (n - 1.0) * (da * e0a**2 - db * e0b**2) / g
    ncp1 = (n - 1.0) * (da * e1a**2 - db * e1b**2) / g
    crit = special.chndtrix(1.0 - alpha, da - db, ncp0)
    out: FloatArray = np.asarray(1.0 - special.chndtr(crit, da - db, ncp1), dtype=np.float64)
    return out


def rmsea_power_nested(
    df_a: int,
    df_b: int,
    rmsea1_a: float,
    n: int | Sequence[int] | npt.ArrayLike,
    *,
    rmsea1_b: float | None = None,
    rmsea0_a: float = 0.0,
    rmsea0_b: float = 0.0,
    alpha: float = 0.05,
    groups: int = 1,
) -> float | FloatArray:
    """Power of the χ² difference test of two nested models (semTools ``findRMSEApowernested``).

    Parameters
    ----------
    df_a, df_b
        Degrees of freedom of the more restricted model A and the less restricted model B.
    rmsea1_a, rmsea1_b
        RMSEA of A and B under the alternative hypothesis (``rmsea1_b`` defaults to
        ``rmsea0_b``).
    n
        Total sample size (or an array of them).
    rmsea0_a, rmsea0_b
        RMSEA of A and B under the null hypothesis (default 0, 0: the restriction holds exactly).
    alpha, groups
        As :func:`rmsea_power`.

    Notes
    -----
    MacCallum, Browne & Cai (2006): with :math:`F_k = df_k\\,\\varepsilon_k^2 / G`, the
    difference statistic is noncentral :math:`\\chi^2_{df_A - df_B}(\\lambda)` with
    :math:`\\lambda = (N - 1)(F_A - F_B)`; the test rejects above the :math:`1 - \\alpha`
    quantile under the null values, and power is the probability of that under the
    alternative values.

    References
    ----------
    .. [1] MacCallum, R. C., Browne, M. W., & Cai, L. (2006). Testing differences between nested
       covariance structure models: Power analysis and null hypotheses. *Psychological
       Methods*, 11(1), 19–35.

    Examples
    --------
    >>> round(rmsea_power_nested(22, 20, 0.06, 200, rmsea1_b=0.05), 4)  # semTools: 0.5695
    0.5695
    """
    e1b = rmsea0_b if rmsea1_b is None else rmsea1_b
    da, db, e, a, g = _check_nested(df_a, df_b, rmsea0_a, rmsea0_b, rmsea1_a, e1b, alpha, groups)
    sizes = np.asarray(n, dtype=np.float64)
    if sizes.size == 0 or not np.all(np.isfinite(sizes)) or np.any(sizes < 2):
        raise UsageError(f"n must be a sample size of at least 2; got {n!r}.")
    out = _power_nested(da, db, e, sizes.reshape(-1), a, g).reshape(sizes.shape)
    return float(out) if out.ndim == 0 else out


def rmsea_sample_size_nested(
    df_a: int,
    df_b: int,
    rmsea1_a: float,
    *,
    rmsea1_b: float | None = None,
    rmsea0_a: float = 0.0,
    rmsea0_b: float = 0.0,
    power: float = 0.8,
    alpha: float = 0.05,
    groups: int = 1,
    semtools_grid: bool = False,
) -> float:
    """Smallest sample size for the nested-model test (semTools ``findRMSEAsamplesizenested``).

    Arguments as :func:`rmsea_power_nested`; ``power``, ``groups`` and ``semtools_grid`` as
    :func:`rmsea_sample_size`.

    Examples
    --------
    >>> rmsea_sample_size_nested(22, 20, 0.06, rmsea1_b=0.05)  # semTools: 331
    331
    """
    e1b = rmsea0_b if rmsea1_b is None else rmsea1_b
    da, db, e, a, g = _check_nested(df_a, df_b, rmsea0_a, rmsea0_b, rmsea1_a, e1b, alpha, groups)
    target = _probability(power, "power", "the target power, such as 0.8")

    def pw(n: int) -> float:
        return float(_power_nested(da, db, e, np.array([float(n)]), a, g)[0])

    return _smallest_n(pw, target, g, semtools_grid, f"df_a={da}, df_b={db}")


@dataclass(frozen=True, eq=False)
class RMSEAPlan(ResultDisplay):
    """An RMSEA power analysis: power at given sample sizes, or the sample size for a power.

    Attributes
    ----------
    table
        Columns :data:`TABLE_COLUMNS` (``power.csv``): one row per total sample size ``n``
        (all groups together) with its ``power``.
    test
        ``"close fit"`` (rmsea0 < rmsea1) or ``"not-close fit"`` (rmsea0 > rmsea1).
    target
        The target power when the sample size was searched for, else None.
    groups
        Number of groups.
    """

    table: pd.DataFrame
    test: str
    target: float | None
    groups: int

    @property
    def n(self) -> int:
        """The total sample size of the first row (the one found when ``power=`` was given)."""
        return int(self.table["n"].iloc[0])

    @property
    def power(self) -> float:
        """The power of the first row."""
        return float(self.table["power"].iloc[0])

    def summary(self) -> Summary:
        """The plan as a :class:`~sem_csat.summary.Summary`."""
        row = self.table.iloc[0]
        h0 = "<=" if self.test == "close fit" else ">="
        header = [
            ("Test", f"{self.test}: H0 RMSEA {h0} {row['rmsea0']:g}, power at {row['rmsea1']:g}"),
            ("Degrees of freedom", str(int(row["df"]))),
            ("Significance level", f"{row['alpha']:g}"),
            ("Groups", str(self.groups)),
        ]
        lines: tuple[str, ...] = (
            "MacCallum, Browne & Sugawara (1996); as semTools findRMSEApower/findRMSEAsamplesize.",
        )
        if self.target is not None:
            per = f" ({self.n / self.groups:g} per group)" if self.groups > 1 else ""
            lines = (
                f"Smallest sample size with power above {self.target:g}: {self.n}{per}.",
                *lines,
            )
        return Summary("RMSEA power analysis", header, [Section("Power", self.table, lines=lines)])

    def __repr__(self) -> str:
        row = self.table.iloc[0]
        return (
            f"<RMSEAPlan {self.test} {row['rmsea0']:g} vs {row['rmsea1']:g}, df {int(row['df'])}: "
            f"n {self.n}, power {self.power:.4f}>"
        )


def rmsea_plan(
    df: int,
    rmsea0: float,
    rmsea1: float,
    *,
    n: int | Sequence[int] | None = None,
    power: float | None = None,
    alpha: float = 0.05,
    groups: int = 1,
) -> RMSEAPlan:
    """Power at ``n`` (one or several sample sizes), or the sample size that reaches ``power``.

    Give exactly one of ``n`` and ``power``; the other arguments are those of
    :func:`rmsea_power`.  This is what ``sem-csat power`` writes to ``power.csv``.

    Examples
    --------
    >>> plan = rmsea_plan(50, 0.05, 0.08, power=0.8)
    >>> plan.n, round(plan.power, 4)
    (214, 0.8013)
    >>> rmsea_plan(50, 0.05, 0.01, n=[200, 400]).table.round(4)
       df  rmsea0  rmsea1  alpha    n   power
    0  50    0.05    0.01   0.05  200  0.6082
    1  50    0.05    0.01   0.05  400  0.9689
    """
    if (n is None) == (power is None):
        raise UsageError("Give either n (sample sizes) or power (the target power), not both.")
    d, e0, e1, a, g = _check(df, rmsea0, rmsea1, alpha, groups)
    if power is not None:
        size = rmsea_sample_size(d, e0, e1, power=power, alpha=a, groups=g)
        sizes = np.array([float(size) * g])
        target: float | None = float(power)
    else:
        sizes = np.atleast_1d(np.asarray(n, dtype=np.float64))
        target = None
    values = np.atleast_1d(rmsea_power(d, e0, e1, sizes, alpha=a, groups=g))
    table = pd.DataFrame(
        {
            "df": d,
            "rmsea0": e0,
            "rmsea1": e1,
            "alpha": a,
            "n": [int(s) if float(s).is_integer() else float(s) for s in sizes],
            "power": values,
        },
        columns=list(TABLE_COLUMNS),
    )
    test = "close fit" if e0 < e1 else "not-close fit"
    return RMSEAPlan(table=table, test=test, target=target, groups=g)
