"""The replicates of a bootstrap run and what is read off them: :class:`BootstrapReplicates`
holds every replicate's statistics (NaN rows for the failed ones, counted by reason), the seed
that reproduces them and the leave-one-out statistics of the BCa jackknife, and gives the
summaries (bootstrap mean, standard error, t, p, percentile and BCa intervals), the failure
counts and the diagnostics of a run (see :mod:`sem_csat.inference.bootstrap` for the driver).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import BootstrapFailureWarning, UsageError
from sem_csat.inference.intervals import (
    MIN_JACKKNIFE,
    MIN_OK,
    summarize,
)

__all__ = [
    "CONSTANT_ITEM",
    "NONFINITE",
    "NOT_CONVERGED",
    "RECOMMENDED_OK",
    "BootstrapReplicates",
    "FailureCounts",
    "tally",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]

#: Failure reason of a replicate in which an item has (numerically) zero variance.
CONSTANT_ITEM: Final = "constant item in resample"
#: Failure reason for an iterative estimator that stopped before converging.
NOT_CONVERGED: Final = "not converged"
#: Failure reason of a replicate reported as fine but with NaN or infinite statistics.
NONFINITE: Final = "non-finite statistic"
#: Fewer successful replicates than this get an (informational) diagnostic about interval noise.
RECOMMENDED_OK: Final = 1000


def _share(k: int, n: int) -> str:
    pct = 100.0 * k / n
    return f"{pct:.2g}%" if pct < 1 else f"{pct:.1f}%"


def tally(reasons: ObjectArray) -> dict[str, int]:
    """Failure reasons (``""`` for a success) counted, most frequent first."""
    return dict(Counter(str(f) for f in reasons if f != "").most_common())


class FailureCounts:
    """``ok``, ``n_ok`` and ``failures`` of resamples with a ``failure`` reason each (``""``
    for a success): the bootstrap's replicates and the permutations of a group comparison."""

    failure: ObjectArray

    @cached_property
    def ok(self) -> BoolArray:
        """True for the resamples that succeeded."""
        ok: BoolArray = self.failure == ""
        return ok

    @property
    def n_ok(self) -> int:
        """Number of resamples that succeeded."""
        return int(self.ok.sum())

    @cached_property
    def failures(self) -> dict[str, int]:
        """Failed resamples by reason, most frequent first."""
        return tally(self.failure)


@dataclass(frozen=True, eq=False)
class BootstrapReplicates(FailureCounts):
    """The replicates of a bootstrap run and their summaries.

    Attributes
    ----------
    estimate
        Full-sample value of every statistic, ``(k,)`` per name.
    replicates
        ``(n_boot, k)`` per name; rows of failed replicates are NaN.
    failure
        ``(n_boot,)`` reason each replicate failed, ``""`` where it succeeded.
    jackknife
        ``(n, k)`` leave-one-out values per name (for the BCa acceleration), or None when the
        jackknife was not run.
    jackknife_failure
        ``(n,)`` failure reasons of the leave-one-out fits (empty when not run).
    constant_items
        ``(p,)`` for each item, the number of replicates in which it was constant.
    seed
        Root entropy of the run: the integer seed given, or the entropy drawn when none was.
    spawn_key
        Spawn key of the root sequence (``()`` unless a spawned ``SeedSequence`` was given).
    n_obs
        Number of respondents resampled.
    """

    estimate: Mapping[str, FloatArray]
    replicates: Mapping[str, FloatArray]
    failure: ObjectArray
    jackknife: Mapping[str, FloatArray] | None
    jackknife_failure: ObjectArray
    constant_items: IntArray
    seed: int | tuple[int, ...]
    spawn_key: tuple[int, ...]
    n_obs: int

    def __repr__(self) -> str:
        return (
            f"BootstrapReplicates({self.n_ok}/{self.n_boot} successful, "
            f"{len(self.estimate)} statistics, seed={self.seed})"
        )

    @property
    def n_boot(self) -> int:
        """Number of resamples drawn."""
        return int(self.failure.shape[0])

    @property
    def root(self) -> np.random.SeedSequence:
        """The root sequence of the run: another statistic bootstrapped with it as ``seed``
        (and the same ``n_boot`` and rows) sees exactly the same resamples."""
        return np.random.SeedSequence(self.seed, spawn_key=self.spawn_key)

    @cached_property
    def jackknife_failures(self) -> dict[str, int]:
        """Number of failed leave-one-out fits by reason."""
        return tally(self.jackknife_failure)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the statistics."""
        return tuple(self.estimate)

    def samples(self, name: str) -> FloatArray:
        """``(n_ok, k)`` successful replicates of statistic ``name``."""
        return self.replicates[self._check(name)][self.ok]

    def summary(self, name: str, conf: float = 0.95) -> pd.DataFrame:
        """Bootstrap summary of statistic ``name`` (see :func:`summarize`).

        The summaries of all statistics are computed together on first use at a level and
        kept; a copy is returned.
        """
        self._check(name)
        conf = _check_conf(conf)
        if conf not in self._summaries:
            self._summaries[conf] = self._summarize_all(conf)
        return self._summaries[conf][name].copy()

    @cached_property
    def _summaries(self) -> dict[float, dict[str, pd.DataFrame]]:
        return {}

    def _jack(self, name: str) -> FloatArray | None:
        if self.jackknife is None:
            return None
        jack: FloatArray = self.jackknife[name][self.jackknife_failure == ""]
        return jack

    def _summarize_all(self, conf: float) -> dict[str, pd.DataFrame]:
        """Summaries of every statistic: those complete in every successful replicate in one
        :func:`summarize` call (one sort for all), partial ones component by component over
        the replicates where they are finite."""
        out: dict[str, pd.DataFrame] = {}
        complete: list[str] = []
        for name in self.names:
            samples, jack = self.samples(name), self._jack(name)
            if np.isfinite(samples).all() and (jack is None or np.isfinite(jack).all()):
                complete.append(name)
                continue
            parts = []
            for k in range(samples.shape[1]):
                col = samples[:, k]
                jk = None if jack is None else jack[:, k][np.isfinite(jack[:, k])]
                est = self.estimate[name][k : k + 1]
                parts.append(summarize(est, col[np.isfinite(col)], jk, conf))
            out[name] = pd.concat(parts, ignore_index=True)
        if complete:
            jacks = [j for j in (self._jack(name) for name in complete) if j is not None]
            table = summarize(
                np.concatenate([self.estimate[name] for name in complete]),
                np.concatenate([self.samples(name) for name in complete], axis=1),
                np.concatenate(jacks, axis=1) if jacks else None,
                conf,
            )
            start = 0
            for name in complete:
                k = self.estimate[name].size
                out[name] = table.iloc[start : start + k].reset_index(drop=True)
                start += k
        return {name: out[name] for name in self.names}

    def n_undefined(self, name: str) -> IntArray:
        """Per component, how many successful replicates left a partial statistic undefined."""
        return np.asarray((~np.isfinite(self.samples(name))).sum(axis=0), dtype=np.intp)

    def _check(self, name: str) -> str:
        if name not in self.estimate:
            raise UsageError(
                f"There is no bootstrap statistic '{name}'; available: {', '.join(self.names)}."
            )
        return name

    def diagnostics(
        self, conf: float = 0.95, item_names: Sequence[str] | None = None
    ) -> tuple[Diagnostic, ...]:
        """Findings worth reporting: failed resamples, too few resamples, missing BCa bounds.

        ``item_names`` (in column order) make the messages name the items that were constant.
        """
        conf = _check_conf(conf)
        out: list[Diagnostic] = []
        nb, ok = self.n_boot, self.n_ok
        if ok < nb:
            out.append(self._failure_diagnostic(item_names))
        if ok < MIN_OK:
            out.append(
                Diagnostic(
                    "error",
                    "bootstrap_too_few_resamples",
                    f"Only {ok} of {nb} bootstrap resamples could be estimated; at least "
                    f"{MIN_OK} are needed, so every bootstrap standard error, p-value and "
                    "confidence interval is NaN. Fix the cause of the failures above or draw "
                    "more resamples.",
                    BootstrapFailureWarning,
                )
            )
            return tuple(out)
        if ok < RECOMMENDED_OK:
            out.append(
                Diagnostic(
                    "info",
                    "bootstrap_few_resamples",
                    f"The confidence intervals rest on {ok} resamples; interval end points "
                    "from fewer than 1,000 resamples vary noticeably from seed to seed "
                    "(Efron & Tibshirani 1993, §19.3). Use n_boot=5000 for reported results.",
                )
            )
        out += self._jackknife_diagnostics()
        out += self._bca_diagnostics(conf)
        return tuple(out)

    def _failure_diagnostic(self, item_names: Sequence[str] | None) -> Diagnostic:
        nb, ok = self.n_boot, self.n_ok
        failed = nb - ok
        parts = []
        for reason, count in self.failures.items():
            if reason == CONSTANT_ITEM:
                items = np.flatnonzero(self.constant_items)
                top = items[np.argsort(-self.constant_items[items], kind="stable")][:3]
                label = [
                    f"'{item_names[i]}'" if item_names is not None else f"column {i}" for i in top
                ]
                more = ", ..." if items.size > 3 else ""
                parts.append(
                    f"{count} because an item was constant in the resample "
                    f"({', '.join(label)}{more})"
                )
            elif reason == NOT_CONVERGED:
                parts.append(f"{count} because the algorithm did not converge")
            elif reason == NONFINITE:
                parts.append(f"{count} because a statistic was not finite")
            else:
                parts.append(f"{count} because: {reason.rstrip('.')}")
        advice = []
        if CONSTANT_ITEM in self.failures:
            advice.append(
                "An item that is constant in a resample is one that nearly every respondent "
                "answers alike, so its results hinge on the few who do not; consider dropping it."
            )
        if NOT_CONVERGED in self.failures:
            advice.append(
                "Resamples that do not converge point to a weakly determined block (items that "
                "barely correlate with each other or with the neighbouring constructs); check "
                "its loadings."
            )
        message = " ".join(
            [
                f"{failed} of {nb} bootstrap resamples ({_share(failed, nb)}) could not be "
                f"estimated and were left out: {'; '.join(parts)}.",
                f"Standard errors, p-values and confidence intervals use the remaining {ok}.",
                "A few failures do no harm; when more than a few percent fail, the intervals "
                "describe only the resamples that worked and are too narrow.",
                *advice,
            ]
        )
        severity: Literal["warning", "error"] = "error" if ok < MIN_OK else "warning"
        return Diagnostic(severity, "bootstrap_failed_resamples", message, BootstrapFailureWarning)

    def _jackknife_diagnostics(self) -> list[Diagnostic]:
        if self.jackknife is None:
            return [
                Diagnostic(
                    "info",
                    "bootstrap_no_jackknife",
                    "The jackknife was not run, so the BCa intervals are NaN; use the "
                    "percentile intervals.",
                )
            ]
        n = self.jackknife_failure.shape[0]
        failed = int((self.jackknife_failure != "").sum())
        if failed == 0:
            return []
        if n - failed < MIN_JACKKNIFE:
            return [
                Diagnostic(
                    "warning",
                    "bootstrap_jackknife_failed",
                    f"{failed} of the {n} leave-one-out fits needed for the BCa acceleration "
                    "failed, so the BCa intervals are NaN; use the percentile intervals.",
                    BootstrapFailureWarning,
                )
            ]
        reasons = "; ".join(f"{c}: {r.rstrip('.')}" for r, c in self.jackknife_failures.items())
        return [
            Diagnostic(
                "info",
                "bootstrap_jackknife_failed",
                f"{failed} of the {n} leave-one-out fits used for the BCa acceleration failed "
                f"({reasons}); the acceleration uses the other {n - failed}.",
            )
        ]

    def _bca_diagnostics(self, conf: float) -> list[Diagnostic]:
        if self.jackknife is None or (self.jackknife_failure == "").sum() < MIN_JACKKNIFE:
            return []
        missing: list[str] = []
        for name in self.names:
            table = self.summary(name, conf)
            bad = (table["std_error"] > 0) & table["bca_lower"].isna()
            missing += [f"{name}[{k}]" for k in np.flatnonzero(bad.to_numpy())]
        if not missing:
            return []
        shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
        return [
            Diagnostic(
                "info",
                "bootstrap_bca_undefined",
                f"The BCa interval is NaN for {len(missing)} of the bootstrapped quantities "
                f"({shown}): all resamples lie on one side of the estimate, or the acceleration "
                "is too large for this level. Use the percentile interval for them.",
            )
        ]


def _check_conf(conf: float) -> float:
    if not (isinstance(conf, int | float | np.floating) and 0.0 < float(conf) < 1.0):
        raise UsageError(
            f"conf must be a confidence level between 0 and 1, such as 0.95; got {conf!r}."
        )
    return float(conf)
