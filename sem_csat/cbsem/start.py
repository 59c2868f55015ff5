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
* everything else (regressions, covariances): 0;
* fixed rows keep their value.

:func:`moment_start` is a second start for when the first ends badly: FABIN 3 loadings,
latent covariances from the item covariances (averaged s_ij / λ_i λ_j between blocks, made
positive definite), regressions and disturbance variances from those latent moments, and
residual variances that reproduce the item variances.  :func:`simple_start` is lavaan's
``start = "simple"`` (loadings and variances 1, the rest 0).

References
----------
Hägglund, G. (1982). Factor analysis by instrumental variables methods. *Psychometrika*, 47,
209-222.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sem_csat.cbsem.partable import ParTable
from sem_csat.cbsem.samplestats import SampleStats

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


def _indicators(rows: pd.DataFrame, lv: str) -> pd.DataFrame:
    return rows[(rows["lhs"] == lv) & (rows["op"] == "=~")]


def _fixed(table: ParTable, start: FloatArray) -> FloatArray:
    """Fixed rows keep their ``ustart``; free rows with a value from the spec use it."""
    ustart = table.rows["ustart"].to_numpy(dtype=np.float64)
    has = ~np.isnan(ustart)
    out = start.copy()
    out[has] = ustart[has]
    bad = ~np.isfinite(out)
    out[bad] = 0.5  # lavaan replaces non-finite starting values by 0.5
    return out


def _loading_starts(
    table: ParTable, stats: SampleStats, start: FloatArray, block: int
) -> dict[str, tuple[FloatArray, float]]:
    """FABIN 3 loadings (written into ``start``) and ψ per factor of one block."""
    rows = table.rows
    in_block = rows["block"] == block + 1
    ov = table.ov_names[block]
    where = {v: k for k, v in enumerate(ov)}
    s = stats.groups[block].cov
    out: dict[str, tuple[FloatArray, float]] = {}
    for lv in table.lv_names[block]:
        ind = _indicators(rows[in_block], lv)
        if ind.empty or not ind["rhs"].isin(list(ov)).all():
            continue
        k = [where[v] for v in ind["rhs"]]
        cov = s[np.ix_(k, k)]
        var_rows = rows[in_block & (rows["op"] == "~~") & (rows["lhs"] == lv)]
        var_rows = var_rows[var_rows["rhs"] == lv]
        std_lv = bool(
            len(var_rows) and (var_rows["free"] == 0).all() and (var_rows["ustart"] == 1.0).all()
        )
        lam = _fabin3(cov)
        lam[~np.isfinite(lam)] = 1.0
        psi = _factor_variance(cov, lam) if len(k) > 1 else float(cov[0, 0])
        if std_lv:
            lam = lam * math.copysign(math.sqrt(abs(psi)), psi)
        start[ind.index.to_numpy()] = lam
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
    >>> [round(v, 3) for v in start[:3]]  # lavaan: 1, 0.778, 1.107
    [1.0, 0.778, 1.107]
    """
    rows = table.rows
    op, lhs, rhs = rows["op"], rows["lhs"], rows["rhs"]
    start = np.zeros(len(rows))
    start[(op == "=~").to_numpy()] = 1.0
    for b, group in enumerate(stats.groups):
        in_block = (rows["block"] == b + 1).to_numpy()
        lv = set(table.lv_names[b])
        var = dict(zip(stats.ov_names, group.var, strict=True))
        is_var = (op == "~~").to_numpy() & (lhs == rhs).to_numpy() & in_block
        for i in np.flatnonzero(is_var):
            name = str(lhs.iat[i])
            start[i] = 0.05 if name in lv else 0.5 * var[name]
        _loading_starts(table, stats, start, b)
        _single_indicator_variances(table, stats, start, b)
    return _fixed(table, start)


def _single_indicator_variances(
    table: ParTable, stats: SampleStats, start: FloatArray, block: int
) -> None:
    """lavaan: an exogenous factor with one indicator starts at var(item) − its residual."""
    rows = table.rows
    in_block = rows["block"] == block + 1
    var = dict(zip(stats.ov_names, stats.groups[block].var, strict=True))
    targets = set(rows.loc[in_block & (rows["op"] == "~"), "lhs"])
    indicators = set(rows.loc[in_block & (rows["op"] == "=~"), "rhs"])
    for lv in table.lv_names[block]:
        if lv in targets or lv in indicators:
            continue
        ind = _indicators(rows[in_block], lv)
        if len(ind) != 1:
            continue
        item = str(ind["rhs"].iat[0])
        res = rows[in_block & (rows["op"] == "~~") & (rows["lhs"] == item) & (rows["rhs"] == item)]
        fixed = float(res["ustart"].iat[0]) if len(res) else math.nan
        if math.isnan(fixed):
            fixed = 1.0
        value = (1.0 - fixed / var[item]) * var[item]
        lv_var = rows[in_block & (rows["op"] == "~~") & (rows["lhs"] == lv) & (rows["rhs"] == lv)]
        if not math.isfinite(value) or value < 0.05:
            value = 0.05
        start[lv_var.index.to_numpy()] = value


def simple_start(table: ParTable, stats: SampleStats) -> FloatArray:
    """lavaan's ``start = "simple"``: loadings 1, variances 1, everything else 0."""
    rows = table.rows
    start = np.zeros(len(rows))
    start[(rows["op"] == "=~").to_numpy()] = 1.0
    start[((rows["op"] == "~~") & (rows["lhs"] == rows["rhs"])).to_numpy()] = 1.0
    return _fixed(table, start)


def moment_start(table: ParTable, stats: SampleStats) -> FloatArray:
    """A start from the moments: FABIN 3 loadings, latent moments from the item covariances,
    the structural model by regression on those moments (see the module docstring)."""
    rows = table.rows
    start = lavaan_start(table, stats)
    ustart = rows["ustart"].to_numpy(dtype=np.float64)
    for b, group in enumerate(stats.groups):
        in_block = rows["block"] == b + 1
        lv = table.lv_names[b]
        where = {v: k for k, v in enumerate(stats.ov_names)}
        s = group.cov
        lam_of: dict[str, Mapping[str, float]] = {}
        for f in lv:
            ind = _indicators(rows[in_block], f)
            vals = start[ind.index.to_numpy()]
            lam_of[f] = dict(zip(ind["rhs"].astype(str), vals, strict=True))
        phi = np.eye(len(lv))
        for i, a in enumerate(lv):
            for j, c in enumerate(lv[: i + 1]):
                vals = [
                    s[where[u], where[v]] / (la * lc)
                    for u, la in lam_of[a].items()
                    for v, lc in lam_of[c].items()
                    if u != v and u in where and v in where and la * lc != 0
                ]
                if i == j:
                    k = [where[u] for u in lam_of[a] if u in where]
                    lam = np.array([lam_of[a][u] for u in lam_of[a] if u in where])
                    value = _factor_variance(s[np.ix_(k, k)], lam) if len(k) > 1 else s[k[0], k[0]]
                    if len(k) == 1:
                        item = next(iter(lam_of[a]))
                        res = rows[
                            in_block
                            & (rows["op"] == "~~")
                            & (rows["lhs"] == item)
                            & (rows["rhs"] == item)
                        ]
                        fixed = float(res["ustart"].iat[0]) if len(res) else math.nan
                        if not math.isnan(fixed):
                            value = s[k[0], k[0]] - fixed
                        value = value / lam[0] ** 2 if lam[0] else value
                    phi[i, i] = value if math.isfinite(value) and value > 0 else 0.05
                elif vals:
                    phi[i, j] = phi[j, i] = float(np.mean(vals))
        phi = _nearest_pd(phi)
        _structural_from_moments(table, start, ustart, phi, b)
        for f, lams in lam_of.items():
            for item, lam_i in lams.items():
                res = rows[
                    in_block & (rows["op"] == "~~") & (rows["lhs"] == item) & (rows["rhs"] == item)
                ]
                s_ii = s[where[item], where[item]]
                value = s_ii - lam_i**2 * phi[lv.index(f), lv.index(f)]
                start[res.index.to_numpy()] = value if value > 0.05 * s_ii else 0.5 * s_ii
    return _fixed(table, start)


def _nearest_pd(phi: FloatArray) -> FloatArray:
    """Shrink correlations until the matrix is positive definite (smallest eigenvalue > 0)."""
    d = np.sqrt(np.clip(np.diag(phi), 1e-8, None))
    r = phi / np.outer(d, d)
    np.fill_diagonal(r, 1.0)
    shrink = 1.0
    while np.linalg.eigvalsh(r * shrink + np.eye(len(d)) * (1 - shrink))[0] < 0.05 and shrink > 0:
        shrink -= 0.05
    r = r * shrink + np.eye(len(d)) * (1 - shrink)
    out: FloatArray = r * np.outer(d, d)
    return out


def _structural_from_moments(
    table: ParTable, start: FloatArray, ustart: FloatArray, phi: FloatArray, block: int
) -> None:
    """Regressions, disturbance variances and latent covariances implied by Cov(η) = Φ."""
    rows = table.rows
    in_block = rows["block"] == block + 1
    lv = table.lv_names[block]
    pos = {f: k for k, f in enumerate(lv)}
    reg = rows[in_block & (rows["op"] == "~")]
    for target in dict.fromkeys(reg["lhs"]):
        these = reg[reg["lhs"] == target]
        xs = [pos[str(v)] for v in these["rhs"]]
        y = pos[str(target)]
        try:
            beta = np.linalg.solve(phi[np.ix_(xs, xs)], phi[xs, y])
        except np.linalg.LinAlgError:
            continue
        idx = these.index.to_numpy()
        free = np.isnan(ustart[idx])
        start[idx[free]] = beta[free]
        res = float(phi[y, y] - beta @ phi[xs, y])
        var_row = rows[in_block & (rows["op"] == "~~") & (rows["lhs"] == target)]
        var_row = var_row[var_row["rhs"] == target]
        start[var_row.index.to_numpy()] = max(res, 0.05 * phi[y, y])
    targets = set(reg["lhs"])
    cov = rows[in_block & (rows["op"] == "~~") & (rows["lhs"] != rows["rhs"])]
    for i, lhs, rhs in zip(cov.index, cov["lhs"], cov["rhs"], strict=True):
        if lhs in pos and rhs in pos and lhs not in targets and rhs not in targets:
            start[i] = phi[pos[str(lhs)], pos[str(rhs)]]
    for f in lv:
        if f in targets:
            continue
        var_row = rows[in_block & (rows["op"] == "~~") & (rows["lhs"] == f) & (rows["rhs"] == f)]
        start[var_row.index.to_numpy()] = phi[pos[f], pos[f]]


#: The starts tried in order: lavaan's first, the others when it ends badly.
STARTS = {"lavaan": lavaan_start, "moments": moment_start, "simple": simple_start}
