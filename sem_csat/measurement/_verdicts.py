"""Judge every measure of a report against :mod:`sem_csat.measurement.thresholds`.

Produces the long ``verdicts`` table and one :class:`~sem_csat.diagnostics.Diagnostic` per
violated rule (listing every construct or item that violates it), so that a summary says what
is wrong, by which rule, and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sem_csat.diagnostics import Diagnostic, Severity
from sem_csat.measurement import thresholds as th
from sem_csat.measurement.report import VERDICT_COLUMNS
from sem_csat.measurement.validity import cross_loading_margin, fornell_larcker_margin

if TYPE_CHECKING:
    from sem_csat.measurement.report import ModelMeasures
    from sem_csat.measurement.validity import HTMTBootstrap
    from sem_csat.spec.model import ModelSpec

__all__ = ["judge"]

_PHRASE = {"low": "too low for", "high": "too high for"}


class _Collector:
    def __init__(self) -> None:
        self.rows: list[dict[str, object]] = []
        # (measure, verdict) -> (threshold, severity, [(where, value)])
        self.hits: dict[tuple[str, str], tuple[th.Threshold, Severity, list[str]]] = {}

    def add(
        self,
        measure: str,
        rule: th.Threshold,
        construct: str,
        other: str,
        value: float,
        *,
        severity: Severity | None = "warning",
        shown: float | None = None,
    ) -> None:
        verdict = rule.verdict(value)
        if verdict == "":
            return
        self.rows.append(
            {
                "measure": measure,
                "construct": construct,
                "other": other,
                "value": float(value),
                "criterion": rule.criterion,
                "verdict": verdict,
                "source": rule.source,
            }
        )
        if verdict != "ok" and severity is not None:
            where = (
                f"{construct}–{other}"
                if other and measure.startswith("htmt")
                else (other or construct)
            )
            v = float(value if shown is None else shown)
            key = (measure, verdict)
            entry = self.hits.setdefault(key, (rule, severity, []))
            entry[2].append(f"{where} ({v:.3f})")

    def diagnostics(self) -> list[Diagnostic]:
        out = []
        for (measure, verdict), (rule, severity, where) in self.hits.items():
            label = rule.label
            if label[:1].isascii():
                label = label[:1].upper() + label[1:]
            message = (
                f"{label} is {_PHRASE[verdict]} the rule of thumb {rule.criterion} "
                f"({rule.source}) for {', '.join(where)}. {rule.advice}"
            )
            out.append(Diagnostic(severity, f"{measure}_{verdict}", message, rule.category))
        return out


def _records(table: pd.DataFrame) -> list[dict[str, object]]:
    return [{str(k): v for k, v in row.items()} for row in table.to_dict("records")]


def _num(value: object) -> float:
    """A table cell as a float (NaN for anything that is not a number)."""
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    return float("nan")


def judge(
    spec: ModelSpec,
    rel: pd.DataFrame,
    items: pd.DataFrame,
    htmt: Mapping[str, pd.DataFrame],
    boot: HTMTBootstrap | None,
    m: ModelMeasures | None,
    fl: pd.DataFrame | None,
    cl: pd.DataFrame | None,
    fc: pd.DataFrame | None,
    harman: float,
) -> tuple[pd.DataFrame, list[Diagnostic]]:
    """Return the verdicts table and the diagnostics of every violated rule."""
    col = _Collector()
    for r in _records(rel):
        name = str(r["construct"])
        col.add("alpha", th.ALPHA, name, "", _num(r["alpha"]))
        col.add("alpha_std", th.ALPHA, name, "", _num(r["alpha_std"]), severity=None)
        col.add("rho_a", th.RHO_A, name, "", _num(r["rho_a"]))
        col.add("rho_c", th.RHO_C, name, "", _num(r["rho_c"]))
        col.add("ave", th.AVE, name, "", _num(r["ave"]))
        if "omega" in r:
            col.add("omega", th.RHO_C, name, "", _num(r["omega"]))
    alpha = rel.set_index("construct")["alpha"]
    for r in _records(items):
        c, i = str(r["construct"]), str(r["indicator"])
        if r["mode"] == "reflective":
            col.add("loading", th.LOADING, c, i, _num(r["loading"]))
            col.add(
                "indicator_reliability",
                th.INDICATOR_RELIABILITY,
                c,
                i,
                _num(r["indicator_reliability"]),
                severity=None,
            )
            col.add("item_total_corr", th.ITEM_TOTAL, c, i, _num(r["item_total_corr"]))
            col.add(
                "alpha_if_deleted",
                th.ALPHA_IF_DELETED,
                c,
                i,
                _num(r["alpha_if_deleted"]) - float(alpha[c]),
                severity="info",
            )
            col.add("vif", th.OUTER_VIF, c, i, _num(r["vif"]))
        else:
            col.add("vif", th.FORMATIVE_VIF, c, i, _num(r["vif"]))
            p = _num(r["weight_p_value"])
            if np.isfinite(p) and p < 0.05:
                col.add("weight", th.WEIGHT, c, i, 1.0, severity=None, shown=p)
            else:
                col.add("weight", th.WEIGHT, c, i, _num(r["loading"]))
    _judge_htmt(col, spec, htmt, boot)
    if fl is not None and m is not None:
        names = list(fl.index)
        ave = np.diag(fl.to_numpy()) ** 2
        margin = fornell_larcker_margin(m.construct_corr.loc[names, names].to_numpy(), ave)
        for name, value in zip(names, margin, strict=True):
            col.add("fornell_larcker", th.FORNELL_LARCKER, name, "", float(value))
    if cl is not None:
        own = [list(cl.columns).index(spec.construct_of(str(i)).name) for i in cl.index]
        margins = cross_loading_margin(cl.to_numpy(), own)
        for i, value in zip(cl.index, margins, strict=True):
            block = spec.construct_of(str(i))
            if block.mode == "reflective" and len(block.indicators) > 1:
                col.add("cross_loading", th.CROSS_LOADING, block.name, str(i), float(value))
    if fc is not None:
        for r in _records(fc):
            col.add(
                "full_collinearity_vif",
                th.FULL_COLLINEARITY_VIF,
                str(r["construct"]),
                "",
                _num(r["full_collinearity_vif"]),
            )
    col.add("harman_share", th.HARMAN, "(all items)", "", harman)
    table = pd.DataFrame(col.rows, columns=list(VERDICT_COLUMNS))
    return table, col.diagnostics()


def _judge_htmt(
    col: _Collector,
    spec: ModelSpec,
    htmt: Mapping[str, pd.DataFrame],
    boot: HTMTBootstrap | None,
) -> None:
    names = list(spec.construct_names)
    upper: dict[tuple[str, str, str], float] = {}
    if boot is not None:
        for r in _records(boot.table):
            upper[(str(r["statistic"]), str(r["construct_a"]), str(r["construct_b"]))] = _num(
                r["upper_bound"]
            )
    for kind, table in htmt.items():
        values = table.to_numpy()
        for a in range(len(names)):
            for b in range(a + 1, len(names)):
                v = float(values[a, b])
                warn: Severity | None = "warning" if kind == "htmt" else None
                note: Severity | None = "info" if kind == "htmt" else None
                ub = upper.get((kind, names[a], names[b]))
                if ub is not None:
                    col.add(kind, th.HTMT_LIBERAL, names[a], names[b], v, severity=None)
                    col.add(f"{kind}_upper", th.HTMT_LIBERAL, names[a], names[b], ub, severity=warn)
                    col.add(
                        f"{kind}_upper_conservative",
                        th.HTMT_CONSERVATIVE,
                        names[a],
                        names[b],
                        ub,
                        severity=note if ub < 0.90 else None,
                    )
                else:
                    col.add(kind, th.HTMT_LIBERAL, names[a], names[b], v, severity=warn)
                    col.add(
                        f"{kind}_conservative",
                        th.HTMT_CONSERVATIVE,
                        names[a],
                        names[b],
                        v,
                        severity=note if v < 0.90 else None,
                    )
