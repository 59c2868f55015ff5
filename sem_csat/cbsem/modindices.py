"""Modification indices: score tests for every parameter the model fixes (lavaan's
``modindices()``).

A modification index (MI) is the score (Lagrange-multiplier) test of freeing one fixed
parameter: approximately how much χ² would fall if that parameter alone were estimated
(Sörbom 1989; Saris, Satorra & Sörbom 1987).  The expected parameter change (EPC) is how far
the parameter would move from its fixed value.

Candidates
----------
As lavaan's ``lav_partable_full``, per block: a loading of every construct on every item, a
covariance between every pair of items and of constructs (variances included), a regression
between every pair of constructs that take part in paths (not of a construct on itself) and,
with a mean structure, an intercept of every item and construct.  Those the model already has
as free parameters are left out; those it fixes (marker loadings, fixed covariances, fixed
intercepts) and those it leaves out are tested.  Candidates whose test is not defined (freeing
them alone would leave the model unidentified: the residual variance of a single indicator, a
marker loading, a latent mean) are dropped, as lavaan drops them.

Formulas
--------
With all candidates added as free parameters at their current values (0, or the fixed value),
g = ∂f/∂x the gradient of the discrepancy function at the estimates and I the unit expected
information of the extended model (the estimator's weight: Σ̂⁻¹ for ML and MLR, S⁻¹ for GLS,
the identity for ULS), partitioned into candidates (1) and model parameters (2),

.. math::

    V = I_{11} - I_{12}\\, I_{22}^{-}\\, I_{21},\\qquad
    \\mathrm{MI}_j = N\\, g_j^2 / V_{jj},\\qquad \\mathrm{EPC}_j = -g_j / V_{jj},

where :math:`I_{22}^{-}` is the inverse information of the fitted model with its equality
constraints (K (KᵀIK)⁻¹ Kᵀ) and N the sample size.  A :math:`V_{jj}` below
:math:`\\epsilon^{1/3}` (the candidate is not identified) gives no MI, as in lavaan 0.6-14; so does
a :math:`V_{jj}` below :math:`10^{-9} I_{jj}`, which is rounding noise of an unidentified
candidate when the information is large (ULS on badly conditioned models).  ``sepc_lv`` and
``sepc_all`` are the EPC in the units of lavaan's ``std.lv`` and ``std.all`` (the variances of the
fitted model; a candidate variance is standardized by its current estimate, lavaan's
``cov.std``), and ``sepc_nox`` equals ``sepc_all`` since a spec has no exogenous observed
covariates.  MLR uses the ML scores and expected information, as lavaan does by default.

References
----------
Saris, W. E., Satorra, A., & Sörbom, D. (1987). The detection and correction of specification
errors in structural equation models. *Sociological Methodology*, 17, 105-129.
Sörbom, D. (1989). Model modification. *Psychometrika*, 54(3), 371-384.
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
Statistical Software*, 48(2), 1-36.  (lavaan 0.6-14, ``R/lav_modification.R``.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sem_csat.cbsem.estimate import Problem, Reparam
from sem_csat.cbsem.lisrel import LisrelModel
from sem_csat.cbsem.objective import ESTIMATORS
from sem_csat.cbsem.partable import ParTable, position
from sem_csat.cbsem.standardized import standardize
from sem_csat.errors import UsageError

if TYPE_CHECKING:
    from sem_csat.cbsem.pipeline import CBSEMFit

__all__ = ["MI_COLUMNS", "Candidate", "candidates", "describe", "modification_indices"]

FloatArray = NDArray[np.float64]
#: Columns of :func:`modification_indices` (lavaan's names, ``.`` written ``_``).
MI_COLUMNS: Final = ("lhs", "op", "rhs", "group", "mi", "epc", "sepc_lv", "sepc_all", "sepc_nox")
#: V_jj below this: the candidate is not identified and has no index (lavaan 0.6-14's
#: ``modindices()`` uses the cube root of the machine epsilon, about 6.1e-6, an absolute bound).
_SMALL_V: Final = float(np.finfo(float).eps) ** (1.0 / 3.0)
#: A variance's EPC this small in absolute value is not standardized (lavaan: sqrt(eps)).
_SMALL: Final = math.sqrt(float(np.finfo(float).eps))
#: V_jj at most this share of I_jj: the candidate is unidentified up to rounding.
_RELATIVE: Final = 1e-9


@dataclass(frozen=True)
class Candidate:
    """One parameter of lavaan's full table: ``lhs op rhs`` in ``block`` (1-based)."""

    lhs: str
    op: str
    rhs: str
    block: int


def _lower(names: tuple[str, ...], op: str, block: int) -> list[Candidate]:
    """Pairs (names[j], names[i]) with i ≥ j, column by column (lavaan's ``lower.tri``)."""
    return [
        Candidate(names[j], op, names[i], block)
        for j in range(len(names))
        for i in range(j, len(names))
    ]


def candidates(table: ParTable) -> list[Candidate]:
    """Every parameter lavaan's ``lav_partable_full`` lists for the table, block by block."""
    out: list[Candidate] = []
    for b in range(table.n_blocks):
        block = b + 1
        ov, lv = table.ov_names[b], table.lv_names[b]
        rows = np.flatnonzero(table.block == block)
        eqs_y = list(dict.fromkeys(table.lhs[i] for i in rows if table.op[i] == "~"))
        eqs_x = list(dict.fromkeys(table.rhs[i] for i in rows if table.op[i] == "~"))
        eqs = list(dict.fromkeys(eqs_y + eqs_x))
        out += [Candidate(f, "=~", v, block) for f in lv for v in ov if v not in eqs]
        out += _lower(ov, "~~", block) + _lower(lv, "~~", block)
        out += [Candidate(y, "~", x, block) for y in eqs for x in eqs if x != y]
        if table.meanstructure:
            out += [Candidate(v, "~1", "", block) for v in (*ov, *lv)]
    return out


def _extended(table: ParTable, est: FloatArray) -> tuple[ParTable, FloatArray, FloatArray]:
    """The table with every candidate free (lavaan's ``lav_object_extended``, ``all.free``).

    Returns the extended table, its parameter vector at the current values, and for every
    row whether it is a candidate (``user = 10`` in lavaan).
    """
    frame = table.frame()
    frame["est"] = est
    n_free = table.n_free
    is_candidate = np.zeros(len(frame), dtype=bool)
    fixed = (frame["free"].to_numpy() == 0) & (frame["mat"].to_numpy() != "")
    free_col = frame["free"].to_numpy().copy()
    for i in np.flatnonzero(fixed):
        n_free += 1
        free_col[i] = n_free
        is_candidate[i] = True
    frame["free"] = free_col
    known = {
        (int(b), lhs, op, rhs)
        for b, lhs, op, rhs in zip(table.block, table.lhs, table.op, table.rhs, strict=True)
    }
    new: list[dict[str, object]] = []
    for c in candidates(table):
        if (c.block, c.lhs, c.op, c.rhs) in known:
            continue
        ov = {n: k for k, n in enumerate(table.ov_names[c.block - 1])}
        lv = {n: k for k, n in enumerate(table.lv_names[c.block - 1])}
        mat, r, col = position(c.lhs, c.op, c.rhs, ov, lv)
        n_free += 1
        new.append(
            {
                "id": len(frame) + len(new) + 1,
                "lhs": c.lhs,
                "op": c.op,
                "rhs": c.rhs,
                "user": 10,
                "block": c.block,
                "group": c.block,
                "free": n_free,
                "ustart": math.nan,
                "exo": 0,
                "label": "",
                "plabel": f".p{len(frame) + len(new) + 1}.",
                "start": 0.0,
                "est": 0.0,
                "se": math.nan,
                "mat": mat,
                "row": r,
                "col": col,
            }
        )
    if new:
        frame = pd.concat([frame, pd.DataFrame(new, columns=frame.columns)], ignore_index=True)
        is_candidate = np.concatenate([is_candidate, np.ones(len(new), dtype=bool)])
    ext = ParTable(
        frame,
        table.ov_names,
        table.lv_names,
        table.group_labels,
        table.std_lv,
        table.meanstructure,
    )
    x = np.zeros(n_free)
    values = frame["est"].to_numpy(dtype=np.float64)
    free = ext.free
    x[free[free > 0] - 1] = values[free > 0]
    return ext, x, is_candidate


def modification_indices(fit: CBSEMFit) -> pd.DataFrame:
    """Modification indices of a converged fit (see the module docstring for the formulas).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`MI_COLUMNS`, one row per candidate with a defined test, sorted by
        ``mi`` (largest first).  ``group`` is the group's label (``""`` for one group).
        Empty when the fit did not converge or its information matrix is singular.

    Raises
    ------
    UsageError
        For a FIML fit (incomplete data) or a DWLS/WLSMV fit (ordinal items).

    Examples
    --------
    >>> import pandas as pd
    >>> from sem_csat.spec import ModelSpec
    >>> from sem_csat.cbsem.pipeline import fit_data
    >>> hs = pd.read_csv("tests/reference/lavaan/hs1939.csv")
    >>> spec = ModelSpec.from_lavaan(
    ...     "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9")
    >>> mi = modification_indices(fit_data(spec, hs))
    >>> mi.iloc[0][["lhs", "op", "rhs"]].tolist(), round(float(mi.iloc[0]["mi"]), 3)
    (['visual', '=~', 'x9'], 36.411)
    """
    empty = pd.DataFrame({c: pd.Series(dtype=object if c in MI_COLUMNS[:4] else float)
                          for c in MI_COLUMNS})  # fmt: skip
    if fit.stats.missing or fit.stats.ordinal:
        raise UsageError(
            "Modification indices are available for ML, MLR, GLS and ULS fits to complete data, "
            "not yet after FIML (incomplete data) or DWLS/WLSMV (ordinal items)."
        )
    if not fit.converged or fit.model is None or fit.reparam is None:
        return empty
    table = fit.table
    est = table.rows["est"].to_numpy(dtype=np.float64)
    ext, x, is_candidate = _extended(table, est)
    model = LisrelModel(ext, meanstructure=ext.meanstructure)
    disc = ESTIMATORS[fit.options.estimator]
    problem = Problem(model, fit.stats, disc, Reparam(None, np.zeros(ext.n_free), ext.n_free))
    implied = model.implied(x)
    if implied is None:
        return empty
    grad = problem.gradient_x(implied)
    info = problem.information_x(implied)
    n_model = table.n_free
    model_idx = np.arange(n_model)
    extra_idx = np.arange(n_model, ext.n_free)
    i22 = info[np.ix_(model_idx, model_idx)]
    k = fit.reparam.k
    reduced = i22 if k is None else k.T @ i22 @ k
    try:
        inv = np.linalg.inv(reduced)
    except np.linalg.LinAlgError:
        return empty
    i22_inv = inv if k is None else k @ inv @ k.T
    i12 = info[np.ix_(extra_idx, model_idx)]
    v = info[np.ix_(extra_idx, extra_idx)] - i12 @ i22_inv @ i12.T
    v_diag = np.diag(v).copy()
    i11 = np.diag(info)[extra_idx]
    v_diag[(v_diag < _SMALL_V) | (v_diag <= _RELATIVE * np.abs(i11))] = np.nan
    n = fit.stats.ntotal
    g = grad[extra_idx]
    mi = n * g * g / v_diag
    d = -n * g
    d[np.abs(d) < 1e-15] = 1.0
    epc = mi / d
    # EPC per row of the extended table (variances standardized by their estimates)
    rows_free = ext.free
    row_epc = np.full(len(ext.op), np.nan)
    cand_rows = np.flatnonzero(is_candidate)
    row_epc[cand_rows] = epc[rows_free[cand_rows] - 1 - n_model]
    values = np.array(row_epc)
    ext_est = ext.rows["est"].to_numpy(dtype=np.float64)
    variance = np.array(
        [o == "~~" and a == c for a, o, c in zip(ext.lhs, ext.op, ext.rhs, strict=True)]
    )
    values[variance] = ext_est[variance]
    small = variance & (np.abs(values) < _SMALL)
    values[small] = np.nan
    sign = np.sign(row_epc)
    std_lv, std_all = standardize(ext, np.abs(values), list(fit.implied))
    sepc_lv = sign * std_lv
    sepc_all = sign * std_all
    sepc_lv[small] = 0.0
    sepc_all[small] = 0.0
    labels = table.group_labels
    out = pd.DataFrame(
        {
            "lhs": [ext.lhs[i] for i in cand_rows],
            "op": [ext.op[i] for i in cand_rows],
            "rhs": [ext.rhs[i] for i in cand_rows],
            "group": [labels[int(ext.block[i]) - 1] for i in cand_rows],
            "mi": mi[rows_free[cand_rows] - 1 - n_model],
            "epc": row_epc[cand_rows],
            "sepc_lv": sepc_lv[cand_rows],
            "sepc_all": sepc_all[cand_rows],
            "sepc_nox": sepc_all[cand_rows],
        },
        columns=list(MI_COLUMNS),
    )
    out = out[np.isfinite(out["mi"].to_numpy(dtype=np.float64))]
    ordered: pd.DataFrame = out.sort_values("mi", ascending=False, kind="stable")
    return ordered.reset_index(drop=True)


def describe(lhs: str, op: str, rhs: str, latent: frozenset[str] | set[str]) -> str:
    """What freeing the parameter ``lhs op rhs`` would mean, in a sentence.

    >>> print(describe("visual", "=~", "x9", {"visual", "speed"}))
    let item x9 load on visual as well (a cross-loading: x9 would measure visual too)
    """
    if op == "=~":
        return (
            f"let item {rhs} load on {lhs} as well (a cross-loading: {rhs} would measure {lhs} too)"
        )
    if op == "~":
        return f"add the path {rhs} -> {lhs}"
    if op == "~1":
        kind = "mean" if lhs in latent else "intercept"
        return f"estimate the {kind} of {lhs} instead of fixing it"
    if lhs == rhs:
        what = "disturbance" if lhs in latent else "residual"
        return f"estimate the {what} variance of {lhs} instead of fixing it"
    if lhs in latent and rhs in latent:
        return (
            f"let {lhs} and {rhs} covary beyond the paths (a covariance of their "
            "disturbances: something the model leaves out drives both)"
        )
    return (
        f"let the residuals of items {lhs} and {rhs} correlate (they share something beyond "
        "their constructs, such as wording or position in the questionnaire)"
    )
