"""The exact-fit test of a PLS path model: Bollen–Stine bootstrap of SRMR, d_ULS and d_G.

Dijkstra & Henseler (2015) test whether the empirical correlation matrix could have come from
the model: the data are first transformed so that their correlation matrix equals the
model-implied one, :math:`X^* = Z S^{-1/2} \\hat\\Sigma^{1/2}` (Beran & Srivastava 1985;
Bollen & Stine 1992, with :math:`Z` the standardized data and symmetric square roots), and the
transformed respondents are resampled; each resample is fitted again and its discrepancy
between its empirical and its model-implied matrix computed.  The 95% and 99% quantiles of these
discrepancies (``HI95``, ``HI99``) are the critical values: a discrepancy of the original fit
above ``HI95`` rejects exact fit at the 5% level.  The test is run twice, for the estimated and
for the saturated model, each with its own :math:`\\hat\\Sigma` (as ADANCO and cSEM's
``testOMF`` do).  Quantiles are R's type 7 (numpy's default), as cSEM's.

The resamples come from :func:`sem_csat.inference.bootstrap.run_bootstrap` (one seed stream per
replicate, the same numbers for any number of workers).  With the root ``SeedSequence(seed)``,
the estimated model's run uses the stream ``SeedSequence(root.entropy, spawn_key=(*root.spawn_key,
0xB5, 0))`` and the saturated model's ``(..., 0xB5, 1)``, so neither shares a resample with the
bootstrap of the estimates (whose replicate ``b`` has the key ``(b,)``).  A resample the method
cannot estimate
(no convergence; for PLSc an inadmissible solution) is left out, as cSEM's default
``.handle_inadmissibles = "drop"``.

References
----------
.. [1] Dijkstra, T. K., & Henseler, J. (2015). Consistent and asymptotically normal PLS
   estimators for linear structural equations. *Computational Statistics & Data Analysis*,
   81, 10–23.
.. [2] Bollen, K. A., & Stine, R. A. (1992). Bootstrapping goodness-of-fit measures in
   structural equation models. *Sociological Methods & Research*, 21(2), 205–229.
.. [3] Beran, R., & Srivastava, M. S. (1985). Bootstrap tests and confidence regions for
   functions of a covariance matrix. *The Annals of Statistics*, 13(1), 95–115.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.diagnostics import Diagnostic
from sem_csat.inference.bootstrap import (
    NOT_CONVERGED,
    BootstrapReplicates,
    Moments,
    ReplicateOutput,
    SeedLike,
    run_bootstrap,
    seed_sequence,
)
from sem_csat.pls import engine
from sem_csat.pls.fit_measures import DISTANCES, FitInputs, distances, implied_correlation
from sem_csat.pls.plsc import consistent

__all__ = [
    "LEVELS",
    "ExactFitTest",
    "FitRefit",
    "ModelRefit",
    "exact_fit_test",
    "symmetric_power",
]

FloatArray = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[np.object_]

#: The quantiles reported, with their column suffixes.
LEVELS: Final = {"hi95": 0.95, "hi99": 0.99}
#: A refit: the moments of a batch of resamples -> their fit inputs and failure reasons.
FitRefit = Callable[[Moments], tuple[FitInputs, ObjectArray]]


def symmetric_power(a: npt.ArrayLike, power: float) -> FloatArray:
    """:math:`A^{power}` of a symmetric positive definite matrix through its eigenvalues.

    >>> symmetric_power([[4.0, 0.0], [0.0, 9.0]], 0.5)
    array([[2., 0.],
           [0., 3.]])
    """
    lam, vec = np.linalg.eigh(np.asarray(a, dtype=np.float64))
    out: FloatArray = (vec * lam**power) @ vec.T
    return out


@dataclass(frozen=True, eq=False)
class ModelRefit:
    """Refit of an ordinary PLS or PLSc model for the exact-fit test; picklable.

    Attributes
    ----------
    structure
        The compiled model.
    scheme, tol, max_iter
        The settings of the original fit.
    method
        ``"pls"`` or ``"plsc"`` (inadmissible PLSc resamples fail).
    blocks, composite
        As :class:`~sem_csat.pls.fit_measures.FitInputs`.
    """

    structure: engine.PLSStructure
    scheme: engine.Scheme
    tol: float
    max_iter: int
    method: str
    blocks: npt.NDArray[np.bool_]
    composite: npt.NDArray[np.bool_]

    def __call__(self, moments: Moments) -> tuple[FitInputs, ObjectArray]:
        est = engine.estimate(
            moments.corr,
            self.structure,
            scheme=self.scheme,
            tol=self.tol,
            max_iter=self.max_iter,
            on_error="nan",
        )
        failure = np.full(moments.size, "", dtype=object)
        failure[~np.asarray(est.converged)] = NOT_CONVERGED
        failure[np.asarray(est.failed)] = "estimation failed"
        final: Any = est
        if self.method == "plsc":
            final = consistent(est, moments.corr)
            failure[(failure == "") & ~np.asarray(final.admissible)] = "inadmissible PLSc solution"
        f = FitInputs.from_estimate(
            moments.corr, final, self.blocks, self.composite, self.structure.adjacency
        )
        return f, failure


@dataclass(frozen=True, eq=False)
class _Replicate:
    """Replicate function of one run (estimated or saturated); picklable."""

    refit: FitRefit
    saturated: bool

    def __call__(self, moments: Moments, /) -> ReplicateOutput:
        f, failure = self.refit(moments)
        sigma = implied_correlation(f, saturated=self.saturated)
        with np.errstate(invalid="ignore"):
            values = distances(f.corr, sigma)
        return ReplicateOutput({k: v[:, None] for k, v in values.items()}, failure)


@dataclass(frozen=True, eq=False)
class ExactFitTest:
    """Bollen–Stine reference distributions of SRMR, d_ULS and d_G (:func:`exact_fit_test`).

    Attributes
    ----------
    values
        The discrepancies of the original fit (``srmr``, ``d_uls``, ``d_g`` and the
        ``*_saturated`` ones).
    estimated, saturated
        The replicates of the two runs.
    n_boot, seed
        Resamples per run and the seed both runs come from.
    """

    values: dict[str, float]
    estimated: BootstrapReplicates
    saturated: BootstrapReplicates
    n_boot: int
    seed: int | tuple[int, ...]

    def _samples(self, name: str) -> FloatArray:
        run, _, _ = name.partition("_saturated")
        reps = self.saturated if name.endswith("_saturated") else self.estimated
        s = reps.samples(run)[:, 0]
        out: FloatArray = s[np.isfinite(s)]
        return out

    @cached_property
    def table(self) -> pd.DataFrame:
        """One row: ``<measure>_hi95`` and ``<measure>_hi99`` for every measure (NaN with
        fewer than 3 usable resamples)."""
        row: dict[str, float] = {}
        for name in self.values:
            s = self._samples(name)
            for suffix, level in LEVELS.items():
                row[f"{name}_{suffix}"] = float(np.quantile(s, level)) if s.size >= 3 else np.nan
        return pd.DataFrame([row]).astype("float64")

    @property
    def n_ok(self) -> dict[str, int]:
        """Usable resamples of the estimated and the saturated run."""
        return {"estimated": self.estimated.n_ok, "saturated": self.saturated.n_ok}

    def as_dict(self) -> dict[str, Any]:
        """``resamples``, ``successful`` (per run) and ``seed`` for ``run.json``."""
        return {"resamples": self.n_boot, "successful": self.n_ok, "seed": self.seed}

    @cached_property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """A note on each discrepancy above its HI95 (exact fit rejected at 5%), and on
        resamples that could not be used."""
        out: list[Diagnostic] = []
        hi = self.table.iloc[0]
        rejected = [
            f"{name} = {value:.4f} > HI95 = {hi[f'{name}_hi95']:.4f}"
            for name, value in self.values.items()
            if np.isfinite(hi[f"{name}_hi95"]) and value > hi[f"{name}_hi95"]
        ]
        if rejected:
            out.append(
                Diagnostic(
                    "info",
                    "exact_fit_rejected",
                    "The Bollen-Stine test rejects exact fit at the 5% level ("
                    + "; ".join(rejected)
                    + "): the empirical correlations differ from the model-implied ones by "
                    "more than sampling error explains. With large samples small, harmless "
                    "differences are rejected too; look at SRMR (below .08 is usually taken "
                    "as acceptable) and at the largest residual correlations.",
                )
            )
        lost = {k: self.n_boot - v for k, v in self.n_ok.items() if v < self.n_boot}
        if lost:
            detail = ", ".join(f"{v} of the {k} run" for k, v in lost.items())
            out.append(
                Diagnostic(
                    "info",
                    "exact_fit_resamples_dropped",
                    f"{detail} could not be estimated (no convergence or an inadmissible "
                    "solution) and were left out of the exact-fit test's reference "
                    "distribution, as cSEM does by default.",
                )
            )
        return tuple(out)


def exact_fit_test(
    z: npt.ArrayLike,
    fit: FitInputs,
    refit: FitRefit,
    n_boot: int,
    *,
    seed: SeedLike = None,
    n_jobs: int | None = 1,
    progress: bool | None = None,
) -> ExactFitTest:
    """Bollen–Stine bootstrap of the discrepancies of a fitted model (module notes).

    Parameters
    ----------
    z
        ``(n, p)`` the data the model was fitted to (any centring and scaling).
    fit
        The fit inputs of the original fit (:class:`~sem_csat.pls.fit_measures.FitInputs`).
    refit
        Re-estimates a batch of resamples: ``moments -> (fit inputs, failure reasons)``;
        picklable to run on several workers.
    n_boot
        Resamples per run.
    seed
        Seed of both runs (they use separate streams derived from it).
    n_jobs, progress
        As :func:`~sem_csat.inference.bootstrap.run_bootstrap`.

    Returns
    -------
    ExactFitTest
    """
    x = np.asarray(z, dtype=np.float64)
    x = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    s_inv_half = symmetric_power(fit.corr, -0.5)
    root = seed_sequence(seed)
    values: dict[str, float] = {}
    runs: dict[bool, BootstrapReplicates] = {}
    for k, saturated in enumerate((False, True)):
        sigma = implied_correlation(fit, saturated=saturated)
        suffix = "_saturated" if saturated else ""
        values.update({f"{d}{suffix}": float(v) for d, v in distances(fit.corr, sigma).items()})
        transformed = x @ s_inv_half @ symmetric_power(sigma, 0.5)
        stream = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, 0xB5, k))
        runs[saturated] = run_bootstrap(
            _Replicate(refit, saturated),
            transformed,
            n_boot,
            seed=stream,
            n_jobs=n_jobs,
            progress=progress,
            jackknife=False,
        )
    order = [f"{d}{s}" for s in ("", "_saturated") for d in DISTANCES]
    entropy = root.entropy
    recorded = int(entropy) if isinstance(entropy, int | np.integer) else tuple(entropy or ())
    return ExactFitTest(
        values={k: values[k] for k in order},
        estimated=runs[False],
        saturated=runs[True],
        n_boot=int(n_boot),
        seed=recorded,
    )
