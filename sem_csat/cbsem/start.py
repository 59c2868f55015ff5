"""Step 3: starting values (lavaan's ``lav_start.R``), and two more starts for restarts.

:func:`lavaan_start` reproduces lavaan 0.6-14's default (``start = "default"``) for the models
a spec can state:

* loadings: 1 (0.7 for ordinal items), then, per factor whose indicators are all observed,
  Hägglund's FABIN 3 instrumental-variable estimates (Hägglund 1982; lavaan's
  ``lav_cfa_1fac_fabin``; the closed-form three-indicator solution for fewer than four
  indicators), bounded as lavaan bounds them, and scaled by √ψ under ``std_lv``;
* residual variances of observed variables: half their sample variance;
* latent (residual) variances: 0.05, except an exogenous single-indicator factor, which gets
  its indicator's variance minus the indicator's fixed residual variance (at least 0.05);
* item intercepts: the sample means (latent means 0); thresholds: the sample thresholds;
* with incomplete data (FIML) the loadings and intercepts come from the EM moments of the
  unrestricted model, the residual variances from the pairwise-complete variances;
* everything else (regressions, covariances): 0;
* fixed rows keep their value.

lavaan's regression-based starts apply only to path models without latent variables, which a
spec cannot state (every construct is a latent variable), so they do not arise here.

:func:`moment_start` is a second start for when the first ends badly: FABIN 3 loadings,
latent covariances from the item covariances (the mean of s_ij / (λ_i λ_j) between two
blocks, made positive definite), regressions and disturbance variances from those latent
moments by least squares, and residual variances that reproduce the item variances.
:func:`simple_start` is lavaan's ``start = "simple"`` (loadings and variances 1, the rest 0).

References
----------
Hägglund, G. (1982). Factor analysis by instrumental variables methods. *Psychometrika*, 47,
209-222.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from sem_csat.cbsem.partable import ParTable
from sem_csat.cbsem.samplestats import GroupStats, SampleStats

__all__ = ["STARTS", "lavaan_start", "moment_start", "simple_start"]

FloatArray = NDArray[np.float64]


def _three_indicators(s: FloatArray) -> FloatArray:
    """lavaan's ``lav_cfa_1fac_3ind`` loadings (1 to 3 indicators; marker first)."""
    n = s.shape[0]
    if n == 1:
        s = np.ones((3, 3))
    elif n == 2:
        extra = np.array([np.mean(np.diag(s)), s[1, 0]])
        s = np.block([[s, extra[:, None]], [extra[None, :], np.array([[np.max(np.diag(s))]])]])
    s21, s31, s32 = s[1, 0], s[2, 0], s[2, 1]
    lam = np.ones(3)
    with np.errstate(divide="ignore", invalid="ignore"):
        lam[1], lam[2] = s32 / s31, s32 / s21
    lower_psi = s[0, 0] - (1.0 - 0.1) * s[0, 0]
    for i in (1, 2):
        bound = math.sqrt(s[i, i] / lower_psi)
        lam[i] = min(max(-bound, lam[i]), bound)
    if s21 * s31 * s32 < 0:  # lavaan: a negative triad gives unit loadings
        lam[:] = 1.0
    return lam[:n]


def _fabin3(s: FloatArray) -> FloatArray:
    """FABIN 3 loadings of one factor (first indicator as the reference), lavaan's bounds."""
    n = s.shape[0]
    if n < 4:
        return _three_indicators(s)
    lam = np.ones(n)
    for i in range(1, n):
        idx = [k for k in range(n) if k not in (0, i)]
        s23 = s[i, idx]
        s31 = s[idx, 0]
        try:
            tmp = np.linalg.solve(s[np.ix_(idx, idx)], s31)
            lam[i] = float(s23 @ tmp) / float(s31 @ tmp)
        except np.linalg.LinAlgError:
            lam[i] = float(s23 @ s31) / float(s31 @ s31)
    lower_psi = s[0, 0] - (1.0 - 0.1) * s[0, 0]
    for i in range(1, n):
        bound = math.sqrt(s[i, i] / lower_psi)
        lam[i] = min(max(-bound, lam[i]), bound)
    return lam


def _factor_variance(s: FloatArray, lam: FloatArray) -> float:
    """lavaan's ψ of a one-factor solution given its loadings (``lav_cfa_1fac_fabin``)."""
    n = lam.size
    if n < 2:
        return float(s[0, 0])
    d = np.outer(lam, lam) / float(lam @ lam)
    try:
        theta = np.linalg.solve(np.eye(n) - d * d, np.diag(s - d @ s @ d))
    except np.linalg.LinAlgError:
        return float(np.mean(np.diag(s)))
    s1 = s - np.diag(theta)
    l2 = float(lam @ lam)
    return float(lam @ s1 @ lam) / (l2 * l2)


@dataclass(frozen=True)
class _Block:
    """Where the rows of one block are (row positions in the table)."""

    ov: tuple[str, ...]
    lv: tuple[str, ...]
    loadings: dict[str, list[int]]  # factor -> its =~ rows
    variance: dict[str, int]  # variable -> its ~~ row
    regressions: dict[str, list[int]]  # dependent -> its ~ rows
    covariances: list[int]  # ~~ rows with lhs != rhs


def _blocks(table: ParTable) -> list[_Block]:
    out = []
    for b in range(table.n_blocks):
        loadings: dict[str, list[int]] = {}
        variance: dict[str, int] = {}
        regressions: dict[str, list[int]] = {}
        covariances: list[int] = []
        for i in np.flatnonzero(table.block == b + 1):
            lhs, op, rhs = table.lhs[i], table.op[i], table.rhs[i]
            if op == "=~":
                loadings.setdefault(lhs, []).append(int(i))
            elif op == "~":
                regressions.setdefault(lhs, []).append(int(i))
            elif op == "~~" and lhs == rhs:
                variance[lhs] = int(i)
            elif op == "~~":
                covariances.append(int(i))
        ov, lv = table.ov_names[b], table.lv_names[b]
        out.append(_Block(ov, lv, loadings, variance, regressions, covariances))
    return out


def _fixed(table: ParTable, start: FloatArray) -> FloatArray:
    """Rows with a value in ``ustart`` keep it; non-finite starts become 0.5 (lavaan)."""
    ustart = table.ustart
    has = ~np.isnan(ustart)
    out = start.copy()
    out[has] = ustart[has]
    out[~np.isfinite(out)] = 0.5
    return out


def _is_std_lv(table: ParTable, blk: _Block, lv: str) -> bool:
    i = blk.variance.get(lv)
    return i is not None and table.free[i] == 0 and table.ustart[i] == 1.0


def _loadings(
    table: ParTable, blk: _Block, s: FloatArray, where: dict[str, int], start: FloatArray
) -> dict[str, tuple[FloatArray, float]]:
    """FABIN 3 loadings (written into ``start``) and ψ of every factor with observed items."""
    out = {}
    for lv in blk.lv:
        rows = blk.loadings.get(lv, [])
        items = [table.rhs[i] for i in rows]
        if not rows or not all(v in where for v in items):
            continue
        k = [where[v] for v in items]
        cov = s[np.ix_(k, k)]
        lam = _fabin3(cov)
        lam[~np.isfinite(lam)] = 1.0
        psi = _factor_variance(cov, lam) if len(k) > 1 else float(cov[0, 0])
        if _is_std_lv(table, blk, lv):
            lam = lam * math.copysign(math.sqrt(abs(psi)), psi)
        start[rows] = lam
        out[lv] = (lam, psi)
    return out


def lavaan_start(table: ParTable, stats: SampleStats) -> FloatArray:
    """lavaan's default starting values, one per table row (see the module docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> from sem_csat.spec import ModelSpec
    >>> from sem_csat.cbsem.partable import build_partable
    >>> from sem_csat.cbsem.samplestats import from_data
    >>> hs = pd.read_csv("tests/reference/lavaan/hs1939.csv")
    >>> spec = ModelSpec.from_lavaan("visual =~ x1 + x2 + x3", name="v")
    >>> pt = build_partable(spec)
    >>> start = lavaan_start(pt, from_data([hs], ["x1", "x2", "x3"]))
    >>> [round(float(v), 3) for v in start[:3]]  # lavaan: 1, 0.778, 1.107
    [1.0, 0.778, 1.107]
    """
    start = np.zeros(len(table.op))
    start[[op == "=~" for op in table.op]] = 1.0
    for blk, group in zip(_blocks(table), stats.groups, strict=True):
        var = dict(zip(stats.ov_names, group.var, strict=True))
        where = {v: k for k, v in enumerate(stats.ov_names)}
        lv = set(blk.lv)
        for name, i in blk.variance.items():
            start[i] = 0.05 if name in lv else 0.5 * var[name]
        # lavaan: with FIML the loadings come from the EM moments, the variances from S
        _loadings(table, blk, _moments(group)[0], where, start)
        # lavaan: an exogenous factor with one indicator starts at var(item) − its residual
        indicators = {table.rhs[i] for rows in blk.loadings.values() for i in rows}
        for f in blk.lv:
            rows = blk.loadings.get(f, [])
            if f in blk.regressions or f in indicators or len(rows) != 1:
                continue
            item = table.rhs[rows[0]]
            fixed = table.ustart[blk.variance[item]] if item in blk.variance else math.nan
            fixed = 1.0 if math.isnan(fixed) else fixed
            value = (1.0 - fixed / var[item]) * var[item]
            start[blk.variance[f]] = value if math.isfinite(value) and value >= 0.05 else 0.05
    _intercepts(table, stats, start)
    return _fixed(table, start)


def _thresholds(table: ParTable, stats: SampleStats, start: FloatArray) -> None:
    """lavaan: thresholds start at the sample thresholds."""
    for b, group in enumerate(stats.groups):
        if group.ordinal is None:
            continue
        value = dict(zip(group.ordinal.th_names, map(float, group.ordinal.thresholds),
                         strict=True))  # fmt: skip
        for i in np.flatnonzero(table.block == b + 1):
            if table.op[i] == "|":
                start[i] = value[f"{table.lhs[i]}|{table.rhs[i]}"]


def _moments(group: GroupStats) -> tuple[FloatArray, FloatArray | None]:
    """The covariances and means of the starts: the EM moments with FIML, else S and ȳ."""
    if group.missing is not None:
        return group.missing.sigma, group.missing.mu
    return group.cov, group.mean


def _intercepts(table: ParTable, stats: SampleStats, start: FloatArray) -> None:
    """lavaan: item intercepts start at the sample means (latent means at 0), thresholds at
    the sample thresholds."""
    _thresholds(table, stats, start)
    for b, group in enumerate(stats.groups):
        means = _moments(group)[1]
        if means is None:
            continue
        mean = dict(zip(stats.ov_names, map(float, means), strict=True))
        for i in np.flatnonzero(table.block == b + 1):
            if table.op[i] == "~1" and table.lhs[i] in mean:
                start[i] = mean[table.lhs[i]]


def simple_start(table: ParTable, stats: SampleStats) -> FloatArray:
    """lavaan's ``start = "simple"``: loadings 1, variances 1, everything else 0."""
    start = np.zeros(len(table.op))
    for i, (lhs, op, rhs) in enumerate(zip(table.lhs, table.op, table.rhs, strict=True)):
        if op == "=~" or (op == "~~" and lhs == rhs):
            start[i] = 1.0
    _intercepts(table, stats, start)
    return _fixed(table, start)


def _latent_moments(
    table: ParTable, blk: _Block, s: FloatArray, where: dict[str, int], start: FloatArray
) -> FloatArray:
    """Cov(η) from the item covariances and the loadings in ``start``."""
    lam_of = {
        f: {table.rhs[i]: float(start[i]) for i in blk.loadings.get(f, []) if table.rhs[i] in where}
        for f in blk.lv
    }
    phi = np.eye(len(blk.lv))
    for i, a in enumerate(blk.lv):
        items = list(lam_of[a])
        if len(items) > 1:
            k = [where[u] for u in items]
            value = _factor_variance(s[np.ix_(k, k)], np.array([lam_of[a][u] for u in items]))
        elif items:
            u = items[0]
            fixed = table.ustart[blk.variance[u]] if u in blk.variance else math.nan
            value = s[where[u], where[u]] - (0.0 if math.isnan(fixed) else fixed)
            value = value / lam_of[a][u] ** 2 if lam_of[a][u] else value
        else:
            value = math.nan
        phi[i, i] = value if math.isfinite(value) and value > 0 else 0.05
        for j, c in enumerate(blk.lv[:i]):
            vals = [
                s[where[u], where[v]] / (la * lc)
                for u, la in lam_of[a].items()
                for v, lc in lam_of[c].items()
                if u != v and la * lc != 0
            ]
            if vals:
                phi[i, j] = phi[j, i] = float(np.mean(vals))
    return _positive_definite(phi)


def _positive_definite(phi: FloatArray) -> FloatArray:
    """Shrink the correlations towards 0 until the smallest eigenvalue is at least 0.05."""
    d = np.sqrt(np.clip(np.diag(phi), 1e-8, None))
    r = phi / np.outer(d, d)
    np.fill_diagonal(r, 1.0)
    eye = np.eye(len(d))
    shrink = 1.0
    while shrink > 0 and np.linalg.eigvalsh(r * shrink + eye * (1 - shrink))[0] < 0.05:
        shrink -= 0.05
    shrink = max(shrink, 0.0)
    out: FloatArray = (r * shrink + eye * (1 - shrink)) * np.outer(d, d)
    return out


def moment_start(table: ParTable, stats: SampleStats) -> FloatArray:
    """A start from the moments (see the module docstring)."""
    start = lavaan_start(table, stats)
    for blk, group in zip(_blocks(table), stats.groups, strict=True):
        where = {v: k for k, v in enumerate(stats.ov_names)}
        s = _moments(group)[0]
        phi = _latent_moments(table, blk, s, where, start)
        pos = {f: k for k, f in enumerate(blk.lv)}
        for target, rows in blk.regressions.items():
            xs = [pos[table.rhs[i]] for i in rows]
            y = pos[target]
            try:
                beta = np.linalg.solve(phi[np.ix_(xs, xs)], phi[xs, y])
            except np.linalg.LinAlgError:
                continue
            start[rows] = beta
            res = float(phi[y, y] - beta @ phi[xs, y])
            start[blk.variance[target]] = max(res, 0.05 * phi[y, y])
        for i in blk.covariances:
            a, c = table.lhs[i], table.rhs[i]
            if a in pos and c in pos and a not in blk.regressions and c not in blk.regressions:
                start[i] = phi[pos[a], pos[c]]
        for f in blk.lv:
            if f not in blk.regressions:
                start[blk.variance[f]] = phi[pos[f], pos[f]]
        for f, rows in blk.loadings.items():
            for i in rows:
                item = table.rhs[i]
                if item not in where or item not in blk.variance:
                    continue
                s_ii = s[where[item], where[item]]
                value = s_ii - start[i] ** 2 * phi[pos[f], pos[f]]
                start[blk.variance[item]] = value if value > 0.05 * s_ii else 0.5 * s_ii
    return _fixed(table, start)


#: The starts tried in order: lavaan's first, the others when it ends badly.
STARTS: Final[dict[str, Callable[[ParTable, SampleStats], FloatArray]]] = {
    "lavaan": lavaan_start,
    "moments": moment_start,
    "simple": simple_start,
}
