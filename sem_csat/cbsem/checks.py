"""Post-fit checks of a covariance-based SEM solution, after lavaan's ``lav_object_post_check``.

Each check returns :class:`~sem_csat.diagnostics.Diagnostic` records (it never emits a warning
itself).  Every message quotes the numbers that triggered it, says what they mean for the
researcher and what to do next.  They go to ``diagnostics.csv`` and to the "Warnings" section of
the summary.

Codes (stable):

======================================  ========  ==================================================
code                                    severity  trigger
======================================  ========  ==================================================
``cbsem_not_converged``                 error     the optimizer did not reach a solution
``cbsem_false_convergence``             warning   reported as converged, but max |∂F/∂θ| > 1e-3
``cbsem_negative_residual_variance``    error     an item's residual variance < 0 (Heywood case)
``cbsem_negative_latent_variance``      error     a construct's (disturbance) variance < 0
``cbsem_zero_variance``                 warning   a *free* variance estimated at 0 (boundary)
``cbsem_latent_cov_not_pd``             error     implied latent covariance matrix not positive
                                                  definite (smallest eigenvalue reported)
``cbsem_residual_cov_not_pd``           error     residual covariance matrix Θ not pos. definite
``cbsem_latent_correlation_above_one``  error     an implied latent correlation with |r| ≥ 1
``cbsem_latent_correlation_high``       warning   an implied latent correlation ≥ .95
``cbsem_std_loading_above_one``         error     a standardized loading outside [−1, 1]
``cbsem_std_path_above_one``            warning   a standardized path coefficient outside [−1, 1]
``cbsem_information_singular``          error     singular information matrix; standard errors NaN
``cbsem_large_standard_errors``         warning   a standard error above 1 in standardized units
``cbsem_collinear_constructs``          error     constructs correlating ≥ .95 *and* paths from or
                                                  to them outside ±1 or with huge standard errors
``items_badly_scaled``                  info      item variances differ by a factor above 1000
``item_zero_variance``                  warning   an item has zero variance
``sample_size_small``                   warning   N < 100
``sample_size_per_parameter``           warning   N < 5 × the number of free parameters
======================================  ========  ==================================================

:func:`check_solution` runs every check of the solution; :func:`check_data_scale` looks at the
sample covariance matrix *before* any internal rescaling, and :func:`check_sample_size` at N and
the number of free parameters.  Latent correlations are always the model-implied ones,
Cov(η) = (I − B)⁻¹Ψ(I − B)⁻ᵀ (lavaan's ``lavInspect(fit, "cor.lv")``), computed from the
parameter table.

References
----------
Bentler, P. M., & Chou, C.-P. (1987). Practical issues in structural modeling. *Sociological
Methods & Research*, 16(1), 78–117.
Bollen, K. A. (1989). *Structural Equations with Latent Variables*. Wiley.
Chen, F., Bollen, K. A., Paxton, P., Curran, P. J., & Kirby, J. B. (2001). Improper solutions
in structural equation models: Causes, consequences, and strategies. *Sociological Methods &
Research*, 29(4), 468–508.
Jöreskog, K. G. (1999). How large can a standardized coefficient be? Scientific Software
International, technical note.
Kline, R. B. (2016). *Principles and Practice of Structural Equation Modeling* (4th ed.).
Guilford.
Kolenikov, S., & Bollen, K. A. (2012). Testing negative error variances: Is a Heywood case a
symptom of misspecification? *Sociological Methods & Research*, 41(1), 124–167.
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
Statistical Software*, 48(2), 1–36.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import (
    ConvergenceWarning,
    DataWarning,
    DiscriminantValidityWarning,
    InadmissibleSolutionWarning,
    PoorlyDeterminedWarning,
)

if TYPE_CHECKING:
    from sem_csat.cbsem.pipeline import CBSEMFit
    from sem_csat.spec.model import ModelSpec

__all__ = [
    "CODES",
    "GRADIENT_TOL",
    "HIGH_LATENT_CORRELATION",
    "LARGE_STD_SE",
    "MIN_CASES_PER_PARAMETER",
    "MIN_SAMPLE_SIZE",
    "VARIANCE_RATIO_LIMIT",
    "check_data_scale",
    "check_sample_size",
    "check_solution",
    "latent_covariance",
]

GRADIENT_TOL: Final = 1e-3
"""max |∂F/∂θ| above which a "converged" solution is suspect (lavaan's ``optim.dx.tol``)."""
HIGH_LATENT_CORRELATION: Final = 0.95
"""Latent correlation from which two constructs count as empirically indistinguishable."""
LARGE_STD_SE: Final = 1.0
"""Standard error, in standardized units, above which an estimate is poorly determined."""
VARIANCE_RATIO_LIMIT: Final = 1000.0
"""Ratio of the largest to the smallest item variance above which items are badly scaled."""
MIN_SAMPLE_SIZE: Final = 100
"""N below which a CB-SEM sample counts as small (Kline 2016)."""
MIN_CASES_PER_PARAMETER: Final = 5.0
"""Minimum N per free parameter under normality (Bentler & Chou 1987)."""

CODES: Final = (
    "cbsem_not_converged",
    "cbsem_false_convergence",
    "cbsem_negative_residual_variance",
    "cbsem_negative_latent_variance",
    "cbsem_zero_variance",
    "cbsem_latent_cov_not_pd",
    "cbsem_residual_cov_not_pd",
    "cbsem_latent_correlation_above_one",
    "cbsem_latent_correlation_high",
    "cbsem_std_loading_above_one",
    "cbsem_std_path_above_one",
    "cbsem_information_singular",
    "cbsem_large_standard_errors",
    "cbsem_collinear_constructs",
    "items_badly_scaled",
    "item_zero_variance",
    "sample_size_small",
    "sample_size_per_parameter",
)
"""Every code this module can produce."""

Row = Mapping[Any, Any]  # one row of the parameter table, as a mapping

_EIG_TOL: Final = float(np.finfo(float).eps) ** 0.75  # lavaan's tolerance for "not PD"
_STD_TOL: Final = 1e-6  # |std_all| ≤ 1 + this counts as within [−1, 1] (single items give 1)
_ZERO_TOL: Final = 1e-8  # |variance| ≤ this × the item variances' scale counts as zero


# ---------------------------------------------------------------------------------- formatting
def _num(x: float) -> str:
    """A number for a message: 3 significant digits (``-0.00758``, ``23.7``, ``1,234``)."""
    if not math.isfinite(x):
        return str(x)
    if abs(x) >= 1000:
        return f"{x:,.0f}" if abs(x) < 1e7 else f"{x:.3g}"
    return f"{x:#.3g}"


def _r(x: float) -> str:
    """A correlation as in APA style: ``.988``, ``-.412``, ``1.003``."""
    text = f"{x:.3f}"
    return text.replace("0.", ".", 1) if abs(x) < 1 else text


def _names(names: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    quoted = list(names)
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _pair(a: str, b: str, value: float) -> str:
    return f"{a}–{b} {_r(value)}"


# ------------------------------------------------------------------------------- the solution
@dataclass(frozen=True, eq=False)
class _Solution:
    """Model matrices rebuilt from the parameter table (all in the spec's order)."""

    constructs: tuple[str, ...]
    items: tuple[str, ...]
    beta: np.ndarray
    psi: np.ndarray
    theta: np.ndarray
    latent_cov: np.ndarray  # (I − B)⁻¹ Ψ (I − B)⁻ᵀ, NaN when I − B is singular
    sd: dict[str, float]  # model-implied SDs of constructs and items, NaN when variance ≤ 0

    @property
    def latent_sd(self) -> np.ndarray:
        return np.array([self.sd[c] for c in self.constructs])

    def latent_correlation(self) -> np.ndarray:
        """Model-implied latent correlations, NaN where a variance is not positive."""
        sd = self.latent_sd
        with np.errstate(invalid="ignore", divide="ignore"):
            out: np.ndarray = self.latent_cov / np.outer(sd, sd)
        np.fill_diagonal(out, 1.0)
        return out


_COLUMNS: Final = ("lhs", "op", "rhs", "estimate", "std_error", "ci_lower", "ci_upper", "std_all")


def _rows(est: CBSEMFit) -> list[dict[str, Any]]:
    """The rows of the parameter table as plain mappings (the checks loop over a few dozen
    rows; pandas indexing per row would cost more than the estimation)."""
    params = est.params
    columns = [params[c].tolist() for c in _COLUMNS]
    return [dict(zip(_COLUMNS, values, strict=True)) for values in zip(*columns, strict=True)]


def _solution(est: CBSEMFit, spec: ModelSpec) -> _Solution:
    rows = _rows(est)
    observed = list(est.table.ov_names[0])
    lhs_names = {r["lhs"] for r in rows}
    constructs = tuple(c for c in spec.construct_names if c in lhs_names)
    items = tuple(i for i in spec.indicator_names if i in observed)
    ci = {c: k for k, c in enumerate(constructs)}
    ii = {i: k for k, i in enumerate(items)}
    m, p = len(constructs), len(items)
    beta, psi, theta = np.zeros((m, m)), np.zeros((m, m)), np.zeros((p, p))
    for row in rows:
        lhs, op, rhs, value = row["lhs"], row["op"], row["rhs"], row["estimate"]
        if op == "~" and lhs in ci and rhs in ci:
            beta[ci[lhs], ci[rhs]] = value
        elif op == "=~" and lhs in ci and rhs in ci:  # a dimension of a higher-order construct
            beta[ci[rhs], ci[lhs]] = value
        elif op == "~~" and lhs in ci and rhs in ci:
            psi[ci[lhs], ci[rhs]] = psi[ci[rhs], ci[lhs]] = value
        elif op == "~~" and lhs in ii and rhs in ii:
            theta[ii[lhs], ii[rhs]] = theta[ii[rhs], ii[lhs]] = value
    try:
        c = np.linalg.inv(np.eye(m) - beta)
        latent_cov = c @ psi @ c.T
        latent_cov = 0.5 * (latent_cov + latent_cov.T)
    except np.linalg.LinAlgError:
        latent_cov = np.full((m, m), np.nan)
    sd: dict[str, float] = {}
    for name, v in zip(constructs, np.diag(latent_cov), strict=True):
        sd[name] = math.sqrt(v) if v > 0 else math.nan
    sigma_diag = np.diag(est.implied[0].sigma)[[observed.index(i) for i in items]]
    for name, v in zip(items, sigma_diag, strict=True):
        sd[name] = math.sqrt(v) if v > 0 else math.nan
    return _Solution(constructs, items, beta, psi, theta, latent_cov, sd)


def latent_covariance(est: CBSEMFit, spec: ModelSpec) -> pd.DataFrame:
    """Model-implied covariance matrix of the constructs, (I − B)⁻¹Ψ(I − B)⁻ᵀ.

    Parameters
    ----------
    est
        A CB-SEM fit.
    spec
        The spec it was fitted with.

    Returns
    -------
    pandas.DataFrame
        Constructs × constructs, in the spec's order; equals lavaan's
        ``lavInspect(fit, "cov.lv")``.  In a measurement model (no paths) it is Ψ itself.

    Notes
    -----
    η = Bη + ζ with Cov(ζ) = Ψ gives Cov(η) = (I − B)⁻¹Ψ(I − B)⁻ᵀ (Bollen 1989, ch. 8).  B and Ψ
    are read from the ``~`` and ``~~`` rows of ``est.params``.
    """
    sol = _solution(est, spec)
    return pd.DataFrame(sol.latent_cov, index=list(sol.constructs), columns=list(sol.constructs))


def _fixed_variances(est: CBSEMFit) -> set[str]:
    """Variables whose (residual) variance the spec or the table's defaults fix."""
    table = est.table
    return {
        lhs
        for lhs, op, rhs, free in zip(table.lhs, table.op, table.rhs, table.free, strict=True)
        if op == "~~" and lhs == rhs and free == 0
    }


def _is_free(row: Row, est: CBSEMFit, fixed: set[str]) -> bool:
    """Whether a table row is a free parameter (fixed rows have NaN standard errors)."""
    if math.isfinite(float(row["std_error"])):
        return True
    if not est.information_singular:
        return False
    return not (row["op"] == "~~" and row["lhs"] == row["rhs"] and row["lhs"] in fixed)


def _std_scale(row: Row, sol: _Solution) -> float:
    """Factor that turns an estimate (and its SE) into standardized (std.all) units."""
    lhs, op, rhs = str(row["lhs"]), str(row["op"]), str(row["rhs"])
    sd_l, sd_r = sol.sd.get(lhs, math.nan), sol.sd.get(rhs, math.nan)
    if op == "=~":
        return sd_l / sd_r
    if op == "~":
        return sd_r / sd_l
    return 1.0 / (sd_l * sd_r)


def _describe(row: Row) -> str:
    lhs, op, rhs = str(row["lhs"]), str(row["op"]), str(row["rhs"])
    if op == "~":
        return f"{rhs} → {lhs}"
    if op == "=~":
        return f"{lhs} → {rhs} (loading)"
    return f"Var({lhs})" if lhs == rhs else f"Cov({lhs}, {rhs})"


# ------------------------------------------------------------------------------------ checks
def _convergence(est: CBSEMFit) -> list[Diagnostic]:
    grad = est.gradient_norm
    if not est.converged or not math.isfinite(grad):
        return [
            Diagnostic(
                "error",
                "cbsem_not_converged",
                f"The {est.options.estimator} estimation did not converge: after {est.iterations} "
                f"iterations the largest gradient element is still {_num(grad)}. No estimate, "
                "standard error or fit index of this run may be interpreted. Check the model "
                "for constructs with only one or two items, items on very different scales or "
                "paths that make constructs near-duplicates; simplify the model and refit.",
                ConvergenceWarning,
            )
        ]
    if grad > GRADIENT_TOL:
        return [
            Diagnostic(
                "warning",
                "cbsem_false_convergence",
                f"The optimizer reported convergence, but the largest gradient element is "
                f"{_num(grad)} (should be below {GRADIENT_TOL:g}), so the solution may not be "
                "a minimum (false convergence, as lavaan's gradient check reports it). Treat "
                "the estimates as provisional: refit from other starting values and check that "
                "the estimates and the chi-square do not change.",
                ConvergenceWarning,
            )
        ]
    return []


def _variances(est: CBSEMFit, sol: _Solution, fixed: set[str]) -> list[Diagnostic]:
    table = _rows(est)
    rows = [r for r in table if r["op"] == "~~" and r["lhs"] == r["rhs"]]
    sample_cov = est.sample_cov(0)
    s_diag = np.diag(sample_cov.to_numpy(dtype=float))
    item_var = dict(zip(map(str, sample_cov.index), s_diag, strict=True))
    # scale-free: an item's residual variance against that item's variance (so that rescaling
    # one item changes nothing), a latent variance against the typical item variance
    typical = float(np.median(s_diag)) if s_diag.size else 1.0
    endogenous = set(sol.constructs) & {str(r["lhs"]) for r in table if r["op"] == "~"}
    neg_items: list[str] = []
    neg_latent: list[str] = []
    zero: list[str] = []
    for row in rows:
        name, value = str(row["lhs"]), float(row["estimate"])
        if not _is_free(row, est, fixed):
            continue
        if abs(value) <= _ZERO_TOL * item_var.get(name, typical):
            zero.append(name)
            continue
        if value >= 0:
            continue
        se = float(row["std_error"])
        if math.isfinite(se):
            lo, hi = float(row["ci_lower"]), float(row["ci_upper"])
            inside = "includes" if lo <= 0 <= hi else "excludes"
            detail = f"{_num(value)} (SE {_num(se)}, 95% CI {_num(lo)} to {_num(hi)}, {inside} 0)"
        else:
            detail = f"{_num(value)} (no standard error)"
        if name in sol.items:
            neg_items.append(f"'{name}' {detail}")
        else:
            what = "disturbance variance" if name in endogenous else "variance"
            neg_latent.append(f"{what} of '{name}' {detail}")
    out: list[Diagnostic] = []
    if neg_items:
        out.append(
            Diagnostic(
                "error",
                "cbsem_negative_residual_variance",
                f"Negative residual variance (Heywood case) for item(s) {'; '.join(neg_items)}. "
                "A variance cannot be negative, so the solution is inadmissible: the loading of "
                "such an item is larger than its variance allows (standardized loading above 1). "
                "If the confidence interval includes 0, the cause may be sampling fluctuation "
                "in a small sample; if it excludes 0, the model is probably misspecified "
                "(Kolenikov & Bollen 2012). Look for an item that belongs to another construct, "
                "a missing error covariance, or a construct with only two items; do not simply "
                "fix the variance at 0 without reporting it (Chen et al. 2001).",
                InadmissibleSolutionWarning,
            )
        )
    if neg_latent:
        out.append(
            Diagnostic(
                "error",
                "cbsem_negative_latent_variance",
                f"Negative latent variance: {'; '.join(neg_latent)}. A variance cannot be "
                "negative, so the solution is inadmissible; a negative disturbance variance "
                "means that the predictors 'explain' more than 100 % of the construct "
                "(R² above 1). It usually comes from constructs that the data cannot separate "
                "or from too few items per construct. Check the latent correlations, merge or "
                "drop near-duplicate constructs, and refit (Chen et al. 2001).",
                InadmissibleSolutionWarning,
            )
        )
    if zero:
        out.append(
            Diagnostic(
                "warning",
                "cbsem_zero_variance",
                f"The free (residual) variance of {_names([repr(z) for z in zero])} is "
                "estimated at exactly 0, on the boundary of the admissible values. Standard "
                "errors and tests near a boundary are unreliable, and an item without error "
                "variance is a perfect measure, which is rarely plausible. Check whether the "
                "item duplicates its construct (e.g. a construct with two items), and report "
                "the boundary estimate.",
                InadmissibleSolutionWarning,
            )
        )
    return out


def _top_pairs(sol: _Solution, k: int = 3) -> list[str]:
    cor = sol.latent_correlation()
    pairs = [
        (abs(cor[i, j]), sol.constructs[i], sol.constructs[j], float(cor[i, j]))
        for i in range(len(sol.constructs))
        for j in range(i + 1, len(sol.constructs))
        if math.isfinite(cor[i, j])
    ]
    pairs.sort(key=lambda t: -t[0])
    return [_pair(a, b, r) for _, a, b, r in pairs[:k]]


def _positive_definite(
    sol: _Solution, negative_latent: bool, negative_items: bool
) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    m = len(sol.constructs)
    if m and not negative_latent and np.all(np.isfinite(sol.latent_cov)):
        eig, vec = np.linalg.eigh(sol.latent_cov)
        if eig[0] < -_EIG_TOL * max(1.0, float(abs(eig[-1]))):
            v = vec[:, 0] * sol.latent_sd  # the same direction in correlation units
            v = v / np.max(np.abs(v))
            involved = [sol.constructs[k] for k in np.argsort(-np.abs(v)) if abs(v[k]) >= 0.3]
            which = (
                "covariance matrix of the latent variables"
                if not np.any(sol.beta)
                else "model-implied covariance matrix of the latent variables (I − B)⁻¹Ψ(I − B)⁻ᵀ"
            )
            out.append(
                Diagnostic(
                    "error",
                    "cbsem_latent_cov_not_pd",
                    f"The {which} is not positive definite: its smallest eigenvalue is "
                    f"{_num(float(eig[0]))}. No population can have such a covariance matrix "
                    "(a weighted combination of the constructs would have a negative "
                    "variance), so the solution is inadmissible, as lavaan's warning 'covariance "
                    "matrix of latent variables is not positive definite' says. The "
                    f"near-dependency involves mainly {_names(involved)}; the largest latent "
                    f"correlations are {', '.join(_top_pairs(sol))}. The constructs are not "
                    "empirically distinct: consider merging them or dropping one, and check "
                    "discriminant validity (HTMT) before interpreting latent correlations.",
                    InadmissibleSolutionWarning,
                )
            )
    if sol.items and not negative_items:
        eig = np.linalg.eigvalsh(sol.theta)
        if eig[0] < -_EIG_TOL * max(1.0, float(abs(eig[-1]))):
            off = [
                (sol.items[i], sol.items[j], sol.theta[i, j])
                for i in range(len(sol.items))
                for j in range(i)
                if sol.theta[i, j] != 0
            ]
            named = ", ".join(f"Cov({a}, {b}) = {_num(v)}" for a, b, v in off[:5])
            out.append(
                Diagnostic(
                    "error",
                    "cbsem_residual_cov_not_pd",
                    "The covariance matrix of the item residuals (Θ) is not positive definite: "
                    f"its smallest eigenvalue is {_num(float(eig[0]))}, so some residual "
                    "correlation is at or beyond ±1 and the solution is inadmissible. "
                    + (f"The free residual covariances are {named}. " if named else "")
                    + "Remove error covariances that are not justified by the item wording, or "
                    "check the items involved for duplicates.",
                    InadmissibleSolutionWarning,
                )
            )
    return out


def _correlations(sol: _Solution) -> tuple[list[Diagnostic], list[tuple[str, str, float]]]:
    cor = sol.latent_correlation()
    above: list[tuple[str, str, float]] = []
    high: list[tuple[str, str, float]] = []
    for i in range(len(sol.constructs)):
        for j in range(i + 1, len(sol.constructs)):
            r = float(cor[i, j])
            if not math.isfinite(r):
                continue
            pair = (sol.constructs[i], sol.constructs[j], r)
            if abs(r) >= 1.0:
                above.append(pair)
            elif abs(r) >= HIGH_LATENT_CORRELATION:
                high.append(pair)
    out: list[Diagnostic] = []
    if above:
        out.append(
            Diagnostic(
                "error",
                "cbsem_latent_correlation_above_one",
                "Latent correlation(s) at or above 1 in absolute value: "
                f"{', '.join(_pair(a, b, r) for a, b, r in above)}. A correlation cannot "
                "exceed 1, so the solution is inadmissible and these constructs are not "
                "distinct for the respondents. Merge them into one construct or drop one, and "
                "check their items for overlap in wording.",
                InadmissibleSolutionWarning,
            )
        )
    if high:
        high.sort(key=lambda t: -abs(t[2]))
        out.append(
            Diagnostic(
                "warning",
                "cbsem_latent_correlation_high",
                "Latent correlation(s) of .95 or more: "
                f"{', '.join(_pair(a, b, r) for a, b, r in high)}. Corrected for measurement "
                "error, these constructs are nearly identical, so discriminant validity fails "
                "(Kline 2016 already questions correlations above .85) and paths from them "
                "are unstable. Check HTMT and the item wording; consider merging the constructs.",
                DiscriminantValidityWarning,
            )
        )
    return out, [*above, *high]


def _standardized(est: CBSEMFit) -> tuple[list[Diagnostic], list[Row]]:
    big = [r for r in _rows(est) if abs(float(r["std_all"])) > 1.0 + _STD_TOL]
    loadings = [r for r in big if r["op"] == "=~"]
    out: list[Diagnostic] = []
    if len(loadings):
        listed = "; ".join(f"{_describe(r)} {_num(float(r['std_all']))}" for r in loadings)
        out.append(
            Diagnostic(
                "error",
                "cbsem_std_loading_above_one",
                f"Standardized loading(s) outside [−1, 1]: {listed}. An item cannot correlate "
                "more than perfectly with its construct, so its residual variance must be "
                "negative and the solution is inadmissible (a Heywood case). Check the item "
                "and the construct's other items; see the negative-variance message.",
                InadmissibleSolutionWarning,
            )
        )
    rows: list[Row] = [r for r in big if r["op"] == "~"]
    if rows:
        rows.sort(key=lambda r: -abs(float(r["std_all"])))
        listed = "; ".join(f"{_describe(r)} {_num(float(r['std_all']))}" for r in rows)
        out.append(
            Diagnostic(
                "warning",
                "cbsem_std_path_above_one",
                f"Standardized path coefficient(s) outside [−1, 1]: {listed}. This is "
                "possible only when predictors of the same construct are highly correlated "
                "(Jöreskog 1999); the coefficients then reflect the collinearity rather than "
                "the effects, and usually come with opposite signs and large standard errors. "
                "Do not interpret them as effects; check the latent correlations among the "
                "predictors.",
                InadmissibleSolutionWarning,
            )
        )
    return out, rows


def _standard_errors(
    est: CBSEMFit, sol: _Solution
) -> tuple[list[Diagnostic], list[tuple[Row, float]]]:
    if est.information_singular:
        from sem_csat.cbsem.identify import singular_parameters

        involved = ""
        names = singular_parameters(est)
        if names:
            involved = (
                f" The data do not determine {', '.join(names)} separately: changing them "
                "together leaves the fit unchanged."
            )
        return [
            Diagnostic(
                "error",
                "cbsem_information_singular",
                f"The information matrix is singular at the solution ({est.npar} free "
                "parameters), so the model is not identified there (empirical "
                "underidentification) and the standard errors, z-values, p-values and "
                "confidence intervals are not available (NaN). The estimates themselves are "
                "not unique, so read nothing into their values (negative variances or "
                f"standardized values above 1 below are symptoms of this).{involved} Look for "
                "a construct whose correlation with all others is near zero while it has only "
                "two items, or a path and a covariance that duplicate each other; add items or "
                "constraints and refit.",
                ConvergenceWarning,
            )
        ], []
    flagged: list[tuple[Row, float]] = []
    for row in _rows(est):
        if row["op"] not in ("=~", "~", "~~"):
            continue
        se = float(row["std_error"])
        if not math.isfinite(se):
            continue
        std_se = se * abs(_std_scale(row, sol))
        if math.isfinite(std_se) and std_se > LARGE_STD_SE:
            flagged.append((row, std_se))
    if not flagged:
        return [], []
    flagged.sort(key=lambda t: -t[1])
    listed = "; ".join(
        f"{_describe(r)} estimate {_num(float(r['estimate']))}, SE {_num(float(r['std_error']))} "
        f"({_num(s)} in standardized units)"
        for r, s in flagged
    )
    return [
        Diagnostic(
            "warning",
            "cbsem_large_standard_errors",
            f"Very large standard error(s): {listed}. A standard error above {LARGE_STD_SE:g} "
            "in standardized units means that the 95 % confidence interval spans more than "
            "the whole range of a correlation: the solution is poorly determined, and a "
            "slightly different sample could give very different values, even of opposite "
            "sign. This usually comes from near-collinear constructs; check the latent "
            "correlations and simplify the model.",
            PoorlyDeterminedWarning,
        )
    ], flagged


def _components(pairs: Iterable[tuple[str, str, float]], order: Sequence[str]) -> list[list[str]]:
    """Groups of constructs connected by the given pairs, in ``order``."""
    parent = {c: c for c in order}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _ in pairs:
        parent[find(a)] = find(b)
    groups: dict[str, list[str]] = {}
    for c in order:
        groups.setdefault(find(c), []).append(c)
    return [g for g in groups.values() if len(g) > 1]


def _collinear(
    sol: _Solution,
    pairs: list[tuple[str, str, float]],
    big_paths: list[Row],
    big_se: list[tuple[Row, float]],
) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for group in _components(pairs, sol.constructs):
        members = set(group)
        inside = [(a, b, r) for a, b, r in pairs if a in members and b in members]
        rs = [abs(r) for _, _, r in inside]
        paths = [r for r in big_paths if r["lhs"] in members or r["rhs"] in members]
        ses = [
            (r, s)
            for r, s in big_se
            if r["op"] == "~" and (r["lhs"] in members or r["rhs"] in members)
        ]
        if not paths and not ses:
            continue
        swings = []
        if paths:
            listed = ", ".join(f"{_describe(r)} {_num(float(r['std_all']))}" for r in paths)
            swings.append(f"standardized paths outside ±1 ({listed})")
        if ses:
            r, _ = max(ses, key=lambda t: float(t[0]["std_error"]))
            swings.append(
                f"standard errors up to {_num(float(r['std_error']))} ({_describe(r)}, "
                f"estimate {_num(float(r['estimate']))})"
            )
        inside.sort(key=lambda t: -abs(t[2]))
        span = _r(min(rs)) if _r(min(rs)) == _r(max(rs)) else f"{_r(min(rs))}–{_r(max(rs))}"
        label = "latent correlation" if len(inside) == 1 else "latent correlations"
        out.append(
            Diagnostic(
                "error",
                "cbsem_collinear_constructs",
                f"{_names(group)} are empirically indistinguishable as latent variables "
                f"({label} {span}: "
                f"{', '.join(_pair(a, b, r) for a, b, r in inside)}); the solution is "
                "inadmissible and the paths from and among them swing wildly: "
                f"{' and '.join(swings)}. The data cannot separate the effects of constructs "
                "that the respondents do not distinguish, so the size and even the sign of "
                "these paths are not interpretable, although the model may fit well. Consider "
                "merging the constructs (one construct, or a second-order construct), "
                "dropping the redundant ones, or report PLS results (checking the inner VIFs).",
                InadmissibleSolutionWarning,
            )
        )
    return out


def check_solution(est: CBSEMFit, spec: ModelSpec) -> tuple[Diagnostic, ...]:
    """Check a CB-SEM solution for non-convergence, improper and poorly determined estimates.

    Parameters
    ----------
    est
        A fit of the pipeline (:func:`sem_csat.cbsem.pipeline.fit`).
    spec
        The spec it was fitted with (gives construct and item names, and which variances are
        fixed).

    Returns
    -------
    tuple of Diagnostic
        In this order: convergence, negative and zero variances, non-positive-definite matrices,
        the collinear-constructs summary, latent correlations, standardized coefficients
        outside ±1, standard errors.  Empty for a clean solution.  A fit that did not converge
        gets only ``cbsem_not_converged``: the other checks would diagnose an arbitrary
        point.  See the module docstring for the codes; nothing is emitted as a warning here.

    Notes
    -----
    As lavaan's ``lav_object_post_check``: a matrix counts as not positive definite when its
    smallest eigenvalue is below −ε^(3/4) (ε the machine epsilon, scaled by the largest
    eigenvalue when that exceeds 1); the latent-covariance check is skipped when a latent
    variance is already negative, the residual one when an item variance is.  Latent
    correlations are model-implied, from Cov(η) = (I − B)⁻¹Ψ(I − B)⁻ᵀ.  A standard error is
    "very large" when it exceeds :data:`LARGE_STD_SE` in standardized units (SE times the
    ``std_all`` scale factor), so the rule does not depend on the items' units.

    Examples
    --------
    A Heywood case: with r12 = r13 = .8 and r23 = .5 the one-factor model gives
    θ₁ = 1 − .8·.8/.5 = −0.28.

    >>> import numpy as np, pandas as pd
    >>> from sem_csat.cbsem.pipeline import fit_moments
    >>> from sem_csat.spec import ModelSpec
    >>> r = np.array([[1.0, 0.8, 0.8], [0.8, 1.0, 0.5], [0.8, 0.5, 1.0]])
    >>> cov = pd.DataFrame(r, index=["y1", "y2", "y3"], columns=["y1", "y2", "y3"])
    >>> spec = ModelSpec.from_lavaan("f =~ y1 + y2 + y3", name="Heywood")
    >>> fit = fit_moments(spec, cov, 200, rescale=False)
    >>> [d.code for d in check_solution(fit, spec)]
    ['cbsem_negative_residual_variance', 'cbsem_std_loading_above_one']
    """
    out = _convergence(est)
    if not est.converged:
        # an arbitrary point: nothing about it (variances, latent correlations, standardized
        # values, standard errors) may be read as a property of the model
        return tuple(out)
    sol = _solution(est, spec)
    se, big_se = _standard_errors(est, sol)
    if est.information_singular:
        # said first: the estimates are not unique, so what follows describes one of many
        out += se
        se = []
    fixed = _fixed_variances(est)
    variances = _variances(est, sol, fixed)
    out += variances
    codes = {d.code for d in variances}
    out += _positive_definite(
        sol,
        negative_latent="cbsem_negative_latent_variance" in codes,
        negative_items="cbsem_negative_residual_variance" in codes,
    )
    corr, pairs = _correlations(sol)
    std, big_paths = _standardized(est)
    out += _collinear(sol, pairs, big_paths, big_se)
    out += corr + std + se
    return tuple(out)


# ------------------------------------------------------------------------- data and sample size
def check_data_scale(sample_cov: pd.DataFrame) -> tuple[Diagnostic, ...]:
    """Detect items whose variances differ by more than a factor of 1000.

    Parameters
    ----------
    sample_cov
        The sample covariance matrix of the items, *before* any internal rescaling.

    Returns
    -------
    tuple of Diagnostic
        ``items_badly_scaled`` (info: the estimation is scale-free, so the results do not
        suffer) and ``item_zero_variance`` (warning); empty otherwise.

    Notes
    -----
    lavaan warns "some observed variances are (at least) a factor 1000 times larger than
    others": its optimizer and information matrix become ill-conditioned.  sem_csat's
    optimizer takes Fisher-scoring and Newton steps (invariant to the units of the
    parameters), and its identification check scales the information to a unit diagonal, so
    the results do not depend on the items' units.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame([[4.0, 0.0], [0.0, 9.0e6]], index=["a", "b"], columns=["a", "b"])
    >>> [d.code for d in check_data_scale(s)]
    ['items_badly_scaled']
    >>> check_data_scale(s.loc[["a"], ["a"]])
    ()
    """
    variances = pd.Series(np.diag(sample_cov.to_numpy(dtype=float)), index=sample_cov.index)
    out: list[Diagnostic] = []
    constant = [str(i) for i, v in variances.items() if not v > 0]
    positive = variances[variances > 0]
    if constant:
        out.append(
            Diagnostic(
                "warning",
                "item_zero_variance",
                f"Item(s) {_names([repr(c) for c in constant])} have zero variance: every "
                "respondent gave the same answer, so the item carries no information and the "
                "covariance matrix is singular. Remove the item from the model.",
                DataWarning,
            )
        )
    if len(positive) >= 2:
        hi, lo = str(positive.idxmax()), str(positive.idxmin())
        ratio = float(positive.max() / positive.min())
        if ratio > VARIANCE_RATIO_LIMIT:
            out.append(
                Diagnostic(
                    "info",
                    "items_badly_scaled",
                    f"The item variances differ by a factor of {_num(ratio)} (largest "
                    f"'{hi}' {_num(float(positive.max()))}, smallest '{lo}' "
                    f"{_num(float(positive.min()))}); above a factor of "
                    f"{VARIANCE_RATIO_LIMIT:g} many programs become numerically unreliable "
                    "(lavaan warns). sem_csat's estimation does not depend on the items' "
                    "units (its steps and checks are scale-free), so estimates, standard "
                    "errors and fit are as reliable as for items on one scale; nothing needs "
                    "to be done, unless the different scale is itself an error in the data "
                    "(e.g. one item recorded in different units).",
                    DataWarning,
                )
            )
    return tuple(out)


def check_sample_size(n_obs: int, n_free: int) -> tuple[Diagnostic, ...]:
    """Warn when N is small, absolutely or relative to the number of free parameters.

    Parameters
    ----------
    n_obs
        Number of observations N.
    n_free
        Number of free parameters q.

    Returns
    -------
    tuple of Diagnostic
        ``sample_size_small`` when N < :data:`MIN_SAMPLE_SIZE`, ``sample_size_per_parameter``
        when N < :data:`MIN_CASES_PER_PARAMETER` × q; empty otherwise.

    Notes
    -----
    Bentler & Chou (1987) recommend at least 5 cases per free parameter under multivariate
    normality (10 for other distributions); Kline (2016) calls samples below 100 small for
    SEM.  Both are rules of thumb, not power calculations.

    Examples
    --------
    >>> [d.code for d in check_sample_size(250, 59)]  # ECSI structural model: 4.2 per parameter
    ['sample_size_per_parameter']
    >>> check_sample_size(301, 21)  # Holzinger-Swineford CFA
    ()
    """
    out: list[Diagnostic] = []
    if n_obs < MIN_SAMPLE_SIZE:
        out.append(
            Diagnostic(
                "warning",
                "sample_size_small",
                f"The sample has N = {n_obs} observations, fewer than {MIN_SAMPLE_SIZE}, which "
                "Kline (2016) calls small for structural equation modeling: estimates are "
                "unstable, improper solutions are likely and the chi-square test and standard "
                "errors are unreliable. Collect more data, simplify the model, or report "
                "bootstrap confidence intervals.",
                DataWarning,
            )
        )
    if n_free > 0 and n_obs < MIN_CASES_PER_PARAMETER * n_free:
        out.append(
            Diagnostic(
                "warning",
                "sample_size_per_parameter",
                f"The model has {n_free} free parameters for N = {n_obs} observations "
                f"({_num(n_obs / n_free)} per parameter), fewer than the "
                f"{MIN_CASES_PER_PARAMETER:g} per parameter that Bentler & Chou (1987) "
                "recommend under normality (10 otherwise). Standard errors and the chi-square "
                "test may be unreliable; consider a simpler model (fewer constructs, items or "
                "paths) or a larger sample.",
                DataWarning,
            )
        )
    return tuple(out)
