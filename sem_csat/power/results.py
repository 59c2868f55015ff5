"""The result of a Monte Carlo power study (:func:`sem_csat.power.simulate`).

:class:`PowerSimulation` holds the per-path table (power, bias, coverage), every replicate's
numbers, the counts of usable and lost replicates, the population and the settings with the
seed; it displays itself as a :class:`~sem_csat.summary.Summary`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import pandas as pd

from sem_csat.diagnostics import Diagnostic
from sem_csat.power.implied import Population
from sem_csat.power.replicates import FAILED, INADMISSIBLE, NOT_CONVERGED, OK
from sem_csat.summary import ResultDisplay, Section, Summary

__all__ = ["STATUS_LABELS", "TABLE_COLUMNS", "PowerSimulation", "SimulationSettings"]

#: Columns of :attr:`PowerSimulation.table`.
TABLE_COLUMNS: Final = (
    "from",
    "to",
    "population",
    "limit",
    "estimate_mean",
    "bias",
    "relative_bias",
    "target",
    "sd_estimate",
    "mean_se",
    "power",
    "power_se",
    "coverage",
    "n_ok",
)
#: Labels of the replicate status codes.
STATUS_LABELS: Final = {OK: "ok", INADMISSIBLE: "inadmissible", NOT_CONVERGED: "not converged",
                  FAILED: "failed"}  # fmt: skip


@dataclass(frozen=True)
class SimulationSettings:
    """The settings of a run; with the seed they repeat it exactly."""

    method: str
    inference: str
    n: int
    reps: int
    alpha: float
    n_boot: int
    scheme: str
    thresholds: tuple[float, ...] | None
    seed: int | tuple[int, ...]


@dataclass(frozen=True, eq=False)
class PowerSimulation(ResultDisplay):
    """Monte Carlo power, bias and coverage of every path.

    Attributes
    ----------
    table
        One row per path, columns :data:`TABLE_COLUMNS`: the ``population`` value
        (standardized), ``limit`` (the method's standardized estimate on the population
        correlation matrix: what it estimates with infinitely many respondents; below the
        population value for PLS, whose composites contain measurement error), the mean of the
        standardized estimates over usable replicates (``estimate_mean``), ``bias`` and
        ``relative_bias`` against the population value, ``target`` (the value the intervals
        should cover, in the metric of the test: the population value for PLS/PLSc, the
        unstandardized population value with marker-item scaling for ML), ``sd_estimate`` (the
        standard deviation of the estimates in the metric of the test) and ``mean_se`` (the
        mean standard error), ``power`` (share of usable replicates with p < alpha) with its
        Monte Carlo standard error ``power_se``, ``coverage`` of the ``1 - alpha`` intervals,
        and ``n_ok`` usable replicates.
    replicates
        One row per replicate and path: ``replicate``, ``from``, ``to``, ``estimate``
        (standardized), ``test_estimate``, ``std_error``, ``p_value``, ``ci_lower``,
        ``ci_upper``, ``status``.
    status
        Number of replicates that were ``ok``, ``inadmissible`` (kept), ``not converged`` and
        ``failed`` (both left out).
    population
        The population.
    settings
        Method, inference, n, reps, alpha, seed, ...
    failures
        Reasons of failed replicates, with counts.
    diagnostics
        Warnings and notes.
    """

    table: pd.DataFrame
    replicates: pd.DataFrame
    status: dict[str, int]
    population: Population
    settings: SimulationSettings
    failures: dict[str, int]
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def power(self) -> pd.Series:
        """Power of every path, indexed by ``"from -> to"``."""
        return pd.Series(
            self.table["power"].to_numpy(),
            index=[
                f"{a} -> {b}" for a, b in zip(self.table["from"], self.table["to"], strict=True)
            ],
            name="power",
        )

    def summary(self) -> Summary:
        """The table, the replicate counts and the settings as a
        :class:`~sem_csat.summary.Summary`."""
        s = self.settings
        likert = (
            "continuous (normal)"
            if s.thresholds is None
            else f"{len(s.thresholds) + 1}-point Likert (thresholds "
            f"{', '.join(f'{t:.2f}' for t in s.thresholds)})"
        )
        inference = {
            "warp": "warp-speed percentile bootstrap (one resample per replicate, pooled)",
            "bootstrap": f"percentile bootstrap, {s.n_boot} resamples per replicate",
            "ols": "regression t test on the composite scores",
            "wald": "Wald z test, expected-information standard errors",
        }[s.inference]
        header = [
            ("Model", self.population.spec.name),
            ("Method", {"pls": "PLS", "plsc": "consistent PLS", "ml": "ML (CB-SEM)"}[s.method]),
            ("Inference", inference),
            ("Sample size", str(s.n)),
            ("Replicates", f"{s.reps} (seed {s.seed})"),
            ("Items", likert),
            ("Significance level", f"{s.alpha:g}"),
        ]
        counts = pd.DataFrame(
            {"replicates": list(self.status.values())}, index=list(self.status.keys())
        )
        cols = ["from", "to", "population", "limit", "estimate_mean", "bias", "power",
                "power_se", "coverage", "n_ok"]  # fmt: skip
        lines = (
            "power: share of usable replicates with p < alpha; coverage: share whose interval "
            "contains the target value.",
        )
        sections = [
            Section("Paths", self.table[cols], lines=lines),
            Section("Replicates", counts, index=True),
        ]
        return Summary("Monte Carlo power analysis", header, sections, self.diagnostics)

    def __repr__(self) -> str:
        s = self.settings
        low = float(self.table["power"].min()) if len(self.table) else math.nan
        return (
            f"<PowerSimulation {s.method} n={s.n}, {s.reps} replicates: {len(self.table)} "
            f"paths, lowest power {low:.3f}>"
        )
