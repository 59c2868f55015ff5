"""The tests that compare groups: permutation p-values, PLS-MGA, parametric and Welch tests.

Every function works column by column on ``(k,)`` estimates and ``(B, k)`` replicate matrices;
a replicate that is NaN in a column (a statistic undefined in that resample, such as an index
with a negative weight) is left out of that column only.

Formulas
--------
Permutation test, two-sided (Chin & Dibbern 2010), with :math:`U` successful permutations:

.. math:: p = \\frac{1 + \\#\\{u : |d^{(u)}| \\ge |d|\\}}{1 + U}

(the count includes the observed split, so :math:`p > 0`; Phipson & Smyth 2010).  MICOM's
step 2 is one-sided, :math:`p = (1 + \\#\\{u : c^{(u)} \\le c\\})/(1 + U)`.

Henseler's PLS-MGA (Henseler, Ringle & Sinkovics 2009; Sarstedt, Henseler & Ringle 2011) gives
the probability :math:`P(\\theta_a \\le \\theta_b)` from the two groups' bootstrap
distributions, counting all :math:`B_a B_b` pairs of replicates :math:`(j, k)` (ties count
one half).  The two programs that implement it centre the replicates differently:

* ``centring="estimate"`` (default; Sarstedt et al. 2011, eq. 4; cSEM's ``testMGD``): each
  group's replicates are shifted to centre on the group's estimate,
  :math:`\\theta^*_c = \\theta^* - \\bar\\theta^* + \\hat\\theta`, and
  :math:`P = \\frac{1}{B_a B_b}\\sum_{j,k} \\big[\\mathbf 1(\\theta^*_{c,a j} < \\theta^*_{c,b k})
  + \\tfrac12 \\mathbf 1(\\theta^*_{c,a j} = \\theta^*_{c,b k})\\big]`;
* ``centring="bootstrap_mean"`` (Henseler et al. 2009's formula; seminr's
  ``estimate_pls_mga``): the replicates are reflected about their bootstrap mean,
  :math:`P = 1 - \\frac{1}{B_a B_b}\\sum_{j,k}
  \\Theta(2\\bar\\theta^*_a - \\theta^*_{a j} - 2\\bar\\theta^*_b + \\theta^*_{b k})` with the
  unit step :math:`\\Theta` (seminr counts ties towards :math:`P`; here they count one half).

The test is one-sided; ``p_henseler`` is the two-sided :math:`\\min(1, 2 \\min(P, 1 - P))`, so
that :math:`p < \\alpha` exactly when :math:`P < \\alpha/2` or :math:`P > 1 - \\alpha/2`
(SmartPLS's reading "below .05 or above .95" at :math:`\\alpha = .10`).

Parametric test (Keil et al. 2000), equal variances, with bootstrap standard errors
:math:`s_a, s_b` (standard deviations of the replicates, divisor :math:`B - 1`):

.. math::

    t = \\frac{\\hat\\theta_a - \\hat\\theta_b}
        {\\sqrt{\\frac{(n_a - 1)^2}{n_a + n_b - 2} s_a^2 + \\frac{(n_b - 1)^2}{n_a + n_b - 2} s_b^2}
         \\sqrt{\\frac1{n_a} + \\frac1{n_b}}},
    \\qquad \\text{df} = n_a + n_b - 2.

Welch–Satterthwaite test (unequal variances; Sarstedt et al. 2011, Table 1; Nitzl 2010):

.. math::

    t = \\frac{\\hat\\theta_a - \\hat\\theta_b}
        {\\sqrt{\\frac{n_a - 1}{n_a} s_a^2 + \\frac{n_b - 1}{n_b} s_b^2}},
    \\qquad
    \\text{df} = \\frac{\\big(\\frac{n_a - 1}{n_a} s_a^2 + \\frac{n_b - 1}{n_b} s_b^2\\big)^2}
        {\\frac{n_a - 1}{n_a^2} s_a^4 + \\frac{n_b - 1}{n_b^2} s_b^4} - 2

(not rounded; cSEM rounds it to an integer).  Both p-values are two-sided from Student's t.

References
----------
.. [1] Chin, W. W., & Dibbern, J. (2010). An introduction to a permutation based procedure for
   multi-group PLS analysis. In *Handbook of Partial Least Squares*, 171–193. Springer.
.. [2] Henseler, J., Ringle, C. M., & Sinkovics, R. R. (2009). The use of partial least squares
   path modeling in international marketing. *Advances in International Marketing*, 20,
   277–319.
.. [3] Keil, M., Tan, B. C. Y., Wei, K.-K., Saarinen, T., Tuunainen, V., & Wassenaar, A.
   (2000). A cross-cultural study on escalation of commitment behavior in software projects.
   *MIS Quarterly*, 24(2), 299–325.
.. [4] Sarstedt, M., Henseler, J., & Ringle, C. M. (2011). Multigroup analysis in partial least
   squares (PLS) path modeling: alternative methods and empirical results. *Advances in
   International Marketing*, 22, 195–218.
.. [5] Phipson, B., & Smyth, G. K. (2010). Permutation p-values should never be zero.
   *Statistical Applications in Genetics and Molecular Biology*, 9(1), 39.
"""

from __future__ import annotations

from typing import Final, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from sem_csat.errors import UsageError

__all__ = [
    "CENTRINGS",
    "Centring",
    "TTest",
    "bootstrap_difference",
    "henseler_probability",
    "parametric_test",
    "permutation_p",
    "permutation_p_lower",
    "two_sided",
    "welch_test",
]

FloatArray = npt.NDArray[np.float64]

Centring = Literal["estimate", "bootstrap_mean"]
#: Allowed centrings of Henseler's PLS-MGA (see the module notes).
CENTRINGS: Final[tuple[Centring, ...]] = ("estimate", "bootstrap_mean")
# Relative tolerance under which a permuted statistic counts as tied with the observed one
# (the observed value and a permutation that reproduces the split differ by rounding only).
_TIE = 1e-12


def _columns(samples: npt.ArrayLike) -> list[FloatArray]:
    s = np.asarray(samples, dtype=np.float64)
    s = s.reshape(s.shape[0], -1)
    return [s[np.isfinite(s[:, k]), k] for k in range(s.shape[1])]


def permutation_p(observed: npt.ArrayLike, samples: npt.ArrayLike) -> FloatArray:
    """Two-sided permutation p-value of each column (see the module notes).

    Examples
    --------
    >>> permutation_p([0.5], [[0.1], [-0.6], [0.2], [0.5]])
    array([0.6])
    """
    obs = np.asarray(observed, dtype=np.float64).reshape(-1)
    out = np.full(obs.size, np.nan)
    for k, col in enumerate(_columns(samples)):
        if col.size and np.isfinite(obs[k]):
            bound = abs(obs[k]) * (1.0 - _TIE)
            out[k] = (1.0 + np.count_nonzero(np.abs(col) >= bound)) / (1.0 + col.size)
    return out


def permutation_p_lower(observed: npt.ArrayLike, samples: npt.ArrayLike) -> FloatArray:
    """One-sided permutation p-value for "smaller than under exchangeability" (MICOM step 2).

    Examples
    --------
    >>> permutation_p_lower([0.95], [[0.99], [0.90], [1.0], [0.97]])
    array([0.4])
    """
    obs = np.asarray(observed, dtype=np.float64).reshape(-1)
    out = np.full(obs.size, np.nan)
    for k, col in enumerate(_columns(samples)):
        if col.size and np.isfinite(obs[k]):
            bound = obs[k] + _TIE * max(1.0, abs(obs[k]))
            out[k] = (1.0 + np.count_nonzero(col <= bound)) / (1.0 + col.size)
    return out


def _prob_le(xa: FloatArray, xb: FloatArray) -> float:
    """:math:`P(X_a < X_b) + \\tfrac12 P(X_a = X_b)` over all pairs, by sorting."""
    if xa.size == 0 or xb.size == 0:
        return float("nan")
    sb = np.sort(xb)
    right = np.searchsorted(sb, xa, side="right")
    left = np.searchsorted(sb, xa, side="left")
    above = xb.size - right
    ties = right - left
    return float((above.sum() + 0.5 * ties.sum()) / (xa.size * xb.size))


def henseler_probability(
    estimate_a: npt.ArrayLike,
    samples_a: npt.ArrayLike,
    estimate_b: npt.ArrayLike,
    samples_b: npt.ArrayLike,
    centring: Centring = "estimate",
) -> FloatArray:
    """Henseler's PLS-MGA probability :math:`P(\\theta_a \\le \\theta_b)` of each column.

    Parameters
    ----------
    estimate_a, estimate_b
        ``(k,)`` the groups' estimates.
    samples_a, samples_b
        ``(B_a, k)`` and ``(B_b, k)`` bootstrap replicates of each group (any numbers of
        replicates; NaN entries are left out column by column).
    centring
        ``"estimate"`` or ``"bootstrap_mean"`` (see the module notes).

    Returns
    -------
    numpy.ndarray
        ``(k,)``; small values mean :math:`\\theta_a > \\theta_b`, values near 1 the opposite.

    Examples
    --------
    Replicates that lie entirely above the other group's:

    >>> henseler_probability([0.6], [[0.55], [0.6], [0.65]], [0.2], [[0.15], [0.2], [0.25]])
    array([0.])
    """
    if centring not in CENTRINGS:
        raise UsageError(f"centring must be 'estimate' or 'bootstrap_mean'; got {centring!r}.")
    ea = np.asarray(estimate_a, dtype=np.float64).reshape(-1)
    eb = np.asarray(estimate_b, dtype=np.float64).reshape(-1)
    cols_a, cols_b = _columns(samples_a), _columns(samples_b)
    out = np.full(ea.size, np.nan)
    for k in range(ea.size):
        a, b = cols_a[k], cols_b[k]
        if a.size == 0 or b.size == 0:
            continue
        if centring == "estimate":
            xa, xb = a - a.mean() + ea[k], b - b.mean() + eb[k]
        else:
            xa, xb = 2.0 * a.mean() - a, 2.0 * b.mean() - b
        out[k] = _prob_le(xa, xb)
    return out


def two_sided(probability: npt.ArrayLike) -> FloatArray:
    """Two-sided p-value :math:`\\min(1, 2\\min(P, 1 - P))` of a one-sided probability."""
    p = np.asarray(probability, dtype=np.float64)
    out: FloatArray = np.minimum(1.0, 2.0 * np.minimum(p, 1.0 - p))
    return out


class TTest(NamedTuple):
    """A t test of each column: statistic, degrees of freedom, two-sided p-value."""

    t: FloatArray
    df: FloatArray
    p: FloatArray


def _t_p(t: FloatArray, df: FloatArray) -> FloatArray:
    from scipy.special import stdtr

    with np.errstate(invalid="ignore"):
        p: FloatArray = np.where(
            np.isfinite(t) & (df > 0), 2.0 * stdtr(np.where(df > 0, df, 1.0), -np.abs(t)), np.nan
        )
    return p


def parametric_test(
    difference: npt.ArrayLike, se_a: npt.ArrayLike, se_b: npt.ArrayLike, n_a: int, n_b: int
) -> TTest:
    """The parametric test of Keil et al. (2000), pooled standard error (module notes).

    Examples
    --------
    >>> r = parametric_test([0.2], [0.05], [0.05], 100, 100)
    >>> round(float(r.t[0]), 4), float(r.df[0])
    (2.8427, 198.0)
    """
    d = np.asarray(difference, dtype=np.float64)
    sa = np.asarray(se_a, dtype=np.float64)
    sb = np.asarray(se_b, dtype=np.float64)
    m = n_a + n_b - 2
    pooled = np.sqrt((n_a - 1) ** 2 / m * sa**2 + (n_b - 1) ** 2 / m * sb**2)
    se = pooled * np.sqrt(1.0 / n_a + 1.0 / n_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, d / se, np.nan)
    df = np.full(d.shape, float(m))
    return TTest(t, df, _t_p(t, df))


def welch_test(
    difference: npt.ArrayLike, se_a: npt.ArrayLike, se_b: npt.ArrayLike, n_a: int, n_b: int
) -> TTest:
    """The Welch–Satterthwaite test with unequal variances (module notes).

    Examples
    --------
    >>> r = welch_test([0.2], [0.05], [0.05], 100, 100)
    >>> round(float(r.t[0]), 4), round(float(r.df[0]), 4)
    (2.8427, 196.0)
    """
    d = np.asarray(difference, dtype=np.float64)
    sa = np.asarray(se_a, dtype=np.float64)
    sb = np.asarray(se_b, dtype=np.float64)
    va = (n_a - 1) / n_a * sa**2
    vb = (n_b - 1) / n_b * sb**2
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(va + vb > 0, d / np.sqrt(va + vb), np.nan)
        den = (n_a - 1) / n_a**2 * sa**4 + (n_b - 1) / n_b**2 * sb**4
        df = np.where(den > 0, (va + vb) ** 2 / den - 2.0, np.nan)
    return TTest(t, df, _t_p(t, df))


def bootstrap_difference(
    samples_a: npt.ArrayLike, samples_b: npt.ArrayLike, conf: float = 0.95
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Percentile interval and p-value of :math:`\\theta_a - \\theta_b` from two bootstraps.

    Replicate :math:`b` of the difference is :math:`\\theta^*_{a b} - \\theta^*_{b b}`: the two
    groups are resampled independently, so pairing their replicates by number is a draw from
    the bootstrap distribution of the difference.  Replicates where either is NaN are left out.

    Returns
    -------
    (lower, upper, p)
        ``(k,)`` each: the :math:`\\alpha/2` and :math:`1 - \\alpha/2` quantiles (type 7) and
        the two-sided percentile p-value :math:`\\min(1, 2\\min(\\#\\{d^* \\le 0\\},
        \\#\\{d^* \\ge 0\\}) / B)`, which is below :math:`\\alpha` exactly when the
        :math:`1 - \\alpha` percentile interval excludes 0.
    """
    a = np.asarray(samples_a, dtype=np.float64)
    b = np.asarray(samples_b, dtype=np.float64)
    m = min(a.shape[0], b.shape[0])
    d = a[:m].reshape(m, -1) - b[:m].reshape(m, -1)
    alpha = (1.0 - conf) / 2.0
    k = d.shape[1]
    lower, upper, p = np.full(k, np.nan), np.full(k, np.nan), np.full(k, np.nan)
    for j, col in enumerate(_columns(d)):
        if col.size < 2:
            continue
        lower[j], upper[j] = np.quantile(col, [alpha, 1.0 - alpha])
        share = min(np.count_nonzero(col <= 0.0), np.count_nonzero(col >= 0.0)) / col.size
        p[j] = min(1.0, 2.0 * share)
    return lower, upper, p
