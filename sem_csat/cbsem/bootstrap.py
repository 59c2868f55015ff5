"""Nonparametric bootstrap of a covariance-based SEM: :func:`bootstrap_cbsem`.

The generic machinery (:mod:`sem_csat.inference.bootstrap`) draws the resamples (as draw
counts, one ``numpy.random.SeedSequence`` spawned per replicate) and hands the moments of a
whole chunk of them to the replicate function of :mod:`sem_csat.cbsem.resample`, which
re-estimates every resample on the pipeline's own model (batched BFGS warm-started at the
full-sample estimate; the rare resample that does not settle is refitted with the pipeline's
optimizer and its restarts).  No resampled data set is formed and no other program is called.

This is the naive (Efron) bootstrap of lavaan's ``se = "bootstrap"`` /
``bootstrapLavaan()``: resamples that do not converge are left out and counted; improper
solutions (a negative variance, a latent or residual covariance matrix that is not positive
definite) are kept, counted and reported, as lavaan does.  The intervals are percentile and
BCa (Efron & Tibshirani 1993, ch. 13–14).

References
----------
.. [1] Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman &
   Hall.
.. [2] Bollen, K. A., & Stine, R. A. (1992). Bootstrapping goodness-of-fit measures in
   structural equation models. *Sociological Methods & Research*, 21, 205–229.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.cbsem.resample import (
    NOT_POSITIVE_DEFINITE,
    SAMPLE_NOT_POSITIVE_DEFINITE,
    STATISTICS,
    CBSEMLayout,
    CBSEMReplicateFunction,
)
from sem_csat.diagnostics import Diagnostic, emit
from sem_csat.errors import DataError, InadmissibleSolutionWarning, UsageError
from sem_csat.inference.bootstrap import (
    BootstrapFacts,
    BootstrapReplicates,
    SeedLike,
    run_bootstrap,
)
from sem_csat.summary import ResultDisplay, Section, Summary

if TYPE_CHECKING:
    from sem_csat.cbsem.pipeline import CBSEMFit
    from sem_csat.cbsem.results import CBSEMResult
    from sem_csat.data import PreparedData, RawData

__all__ = [
    "CHUNK",
    "NOT_POSITIVE_DEFINITE",
    "SAMPLE_NOT_POSITIVE_DEFINITE",
    "STATISTICS",
    "CBSEMBootstrap",
    "CBSEMLayout",
    "CBSEMReplicateFunction",
    "bootstrap_cbsem",
    "default_chunk",
]

#: Most resamples per chunk (one call of the replicate function).  The chunk depends only on
#: the model, the data and the number of resamples (never on ``n_jobs``), so the numbers do
#: not depend on the number of workers.
CHUNK: Final = 1024
#: Fewest resamples per chunk.
_MIN_CHUNK: Final = 256
#: Bytes a chunk's draw counts and moments may use.
_CHUNK_BYTES: Final = 64 * 2**20


def default_chunk(n_boot: int, n_obs: int = 0, p: int = 0) -> int:
    """Resamples per chunk: half of ``n_boot`` (two chunks, for two workers), between 256 and
    :data:`CHUNK`, fewer when the draw counts (chunk × ``n_obs``) and moments (chunk × ``p``²)
    would need more than 64 MiB; at least 16.

    The batched solver iterates at most :func:`~sem_csat.cbsem.batch.default_width` resamples
    of the chunk at a time and refills the working set from the chunk, so a large chunk costs
    no memory for the inverse Hessians; the slowest resamples of a chunk iterate alone at its
    end, so fewer, larger chunks waste less.
    """
    chunk = min(CHUNK, max(_MIN_CHUNK, -(-int(n_boot) // 2)))
    per_resample = 8 * (2 * max(n_obs, 0) + 4 * max(p, 0) ** 2)
    while chunk > 16 and chunk * per_resample > _CHUNK_BYTES:
        chunk //= 2
    return chunk


FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class CBSEMBootstrap(BootstrapFacts, ResultDisplay):
    """Bootstrap results of a covariance-based SEM (from :func:`bootstrap_cbsem`).

    Every table has its labels followed by the columns ``estimate`` (full sample),
    ``boot_mean``, ``std_error``, ``t_value``, ``p_value`` (two-sided, t distribution with
    ``n_ok - 1`` degrees of freedom), ``ci_lower``/``ci_upper`` (percentile interval) and
    ``bca_lower``/``bca_upper`` (BCa interval) at level :attr:`conf`; see
    :func:`sem_csat.inference.bootstrap.summarize` for the formulas.

    Attributes
    ----------
    result
        The fitted model that was bootstrapped.
    replicates
        The raw replicates (``B × k`` per statistic), failure reasons and seed.
    layout
        Labels of the bootstrapped entries.
    conf
        Confidence level of the intervals.
    diagnostics
        Failed resamples, improper solutions and other findings.
    improper_flags
        ``(n_boot,)`` True for a resample whose solution is improper (it is kept).
    """

    result: CBSEMResult = dataclasses.field(repr=False)
    replicates: BootstrapReplicates = dataclasses.field(repr=False)
    layout: CBSEMLayout = dataclasses.field(repr=False)
    conf: float
    diagnostics: tuple[Diagnostic, ...] = ()
    improper_flags: npt.NDArray[np.bool_] = dataclasses.field(
        default_factory=lambda: np.zeros(0, dtype=bool), repr=False
    )

    @property
    def improper(self) -> int:
        """Number of resamples with an improper solution (kept in every summary)."""
        return int(self.improper_flags.sum())

    def at_level(self, conf: float) -> CBSEMBootstrap:
        """The same bootstrap with intervals at another confidence level (no refitting)."""
        diagnostics = (*self.replicates.diagnostics(conf), *_improper_diagnostics(self))
        return dataclasses.replace(self, conf=float(conf), diagnostics=diagnostics)

    def _table(self, name: str, labels: pd.DataFrame) -> pd.DataFrame:
        summary = self.replicates.summary(name, self.conf)
        return pd.concat([labels.reset_index(drop=True), summary], axis=1)

    @cached_property
    def params(self) -> pd.DataFrame:
        """Every free parameter (unstandardized) and then the defined parameters (``:=``):
        ``lhs, op, rhs, label`` and the summary."""
        table = self._table("params", self.layout.rows)
        if "defined" not in self.replicates.names:
            return table
        defined = self._table("defined", self.layout.defined_rows)
        return pd.concat([table, defined], ignore_index=True)

    @cached_property
    def defined(self) -> pd.DataFrame:
        """The defined parameters (``:=``) with their bootstrap summary (empty without)."""
        params = self.params
        return params[params["op"] == ":="].reset_index(drop=True)

    @cached_property
    def std_params(self) -> pd.DataFrame:
        """The free rows standardized (lavaan's ``std.all``)."""
        return self._table("std_all", self.layout.rows)

    @cached_property
    def paths(self) -> pd.DataFrame:
        """Standardized path coefficients (``from``, ``to``, ...), in the order of the spec."""
        table = self.std_params
        reg = table[table["op"] == "~"].rename(columns={"rhs": "from", "lhs": "to"})
        reg = reg.drop(columns=["op", "label"])
        key = {
            (str(f), str(t)): k for k, (f, t) in enumerate(zip(reg["from"], reg["to"], strict=True))
        }
        order = [
            key[(p.source, p.target)] for p in self.result.spec.paths if (p.source, p.target) in key
        ]
        out = reg.iloc[order].reset_index(drop=True)
        return out[["from", "to", *[c for c in out.columns if c not in ("from", "to")]]]

    @cached_property
    def effects(self) -> pd.DataFrame:
        """Unstandardized indirect and total effects: ``from, to, effect`` and the summary."""
        parts = []
        for name in ("indirect", "total"):
            labels = self.layout.effects.assign(effect=name)
            parts.append(self._table(name, labels))
        return pd.concat(parts, ignore_index=True)

    def summary(self) -> Summary:
        """The text/HTML summary: run settings, paths, effects, parameters, warnings."""
        r = self.result
        header = [
            ("Model", f"{r.spec.name} ({len(r.constructs)} constructs, N={r.n_obs})"),
            ("Method", f"CB-SEM, {r.estimate.options.estimator}; nonparametric bootstrap"),
            (
                "Resamples",
                f"{self.n_ok} of {self.n_boot} estimated (seed {self.seed}); {self.improper} "
                "improper",
            ),
            (
                "Intervals",
                f"{self.conf:.0%} percentile and BCa; p-values two-sided from t with "
                f"{max(self.n_ok - 1, 0)} df",
            ),
        ]
        cols = ["estimate", "std_error", "t_value", "p_value", "ci_lower", "ci_upper"]
        sections = [
            Section("Standardized paths", self.paths[["from", "to", *cols]]),
            Section("Effects (unstandardized)", self.effects[["from", "to", "effect", *cols]]),
        ]
        if not self.defined.empty:
            sections.append(Section("Defined parameters", self.defined[["lhs", "rhs", *cols]]))
        sections += [
            Section("Parameters", self.params[["lhs", "op", "rhs", *cols]], collapsed=True),
            Section("Standardized parameters", self.std_params, collapsed=True),
        ]
        return Summary(
            f"sem_csat CB-SEM bootstrap: {r.spec.name}", header, sections, self.diagnostics
        )

    def __repr__(self) -> str:
        return (
            f"<CBSEMBootstrap {self.result.spec.name!r}: {self.n_ok}/{self.n_boot} resamples, "
            f"seed {self.seed}, {self.conf:.0%} intervals>"
        )


def _improper_diagnostics(boot: CBSEMBootstrap) -> tuple[Diagnostic, ...]:
    k = boot.improper
    if k == 0:
        return ()
    return (
        Diagnostic(
            "warning",
            "bootstrap_improper_solutions",
            f"{k} of the {boot.n_ok} estimated bootstrap resamples ({k / max(boot.n_ok, 1):.0%}) "
            "have an improper solution (a negative variance, or a latent or residual "
            "covariance matrix that is not positive definite). They are kept in the standard "
            "errors and intervals, as lavaan's bootstrapLavaan keeps them; many of them mean "
            "that the model is weakly determined (near-collinear constructs, constructs with "
            "few items), so read its intervals with care.",
            InadmissibleSolutionWarning,
        ),
    )


def _data(
    result: CBSEMResult, data: pd.DataFrame | RawData | PreparedData | None
) -> tuple[CBSEMFit, FloatArray]:
    """The pipeline fit and its respondents' answers (``data``, when given, checked against
    them)."""
    from sem_csat.data import PreparedData, prepare_data

    fit = result.estimate
    if fit.stats.groups[0].data is None or fit.stats.missing or fit.stats.ordinal:
        raise UsageError(
            "The CB-SEM bootstrap needs a fit to complete raw data by ML, MLR, GLS or ULS; it "
            "is not available for covariance-matrix input, FIML or WLSMV fits."
        )
    x = np.asarray(fit.stats.groups[0].data, dtype=np.float64)
    if data is None:
        return fit, x
    prepared = data if isinstance(data, PreparedData) else prepare_data(result.spec, data)
    given = prepared.frame.loc[:, list(fit.stats.ov_names)].to_numpy(dtype=np.float64)
    if given.shape != x.shape or not np.allclose(given, x, rtol=0.0, atol=1e-12):
        raise DataError(
            f"These data ({given.shape[0]} complete rows) are not the data the model was "
            f"fitted to ({x.shape[0]} rows); pass the same data as to sem_csat.fit."
        )
    return fit, x


def bootstrap_cbsem(
    result: CBSEMResult,
    n_boot: int = 1000,
    *,
    data: pd.DataFrame | RawData | PreparedData | None = None,
    seed: SeedLike = None,
    n_jobs: int | None = 1,
    conf: float = 0.95,
    progress: bool | None = None,
    chunk_size: int | None = None,
    bca: bool = True,
) -> CBSEMBootstrap:
    """Bootstrap a fitted CB-SEM: standard errors, percentile and BCa intervals.

    Parameters
    ----------
    result
        A fit from ``sem_csat.fit(spec, data, method="ml" | "mlr" | "gls" | "uls")`` on
        complete raw data (MLR: the ML estimates are bootstrapped).
    n_boot
        Number of resamples (lavaan's ``bootstrapLavaan`` default is 1000).
    data
        Optional: the data the model was fitted to, checked against the fit (the fit keeps
        its data; this guards against bootstrapping other data by mistake).
    seed
        Integer seed for reproducible numbers; None draws one and records it in
        :attr:`CBSEMBootstrap.seed`.
    n_jobs
        Number of joblib workers (``-1``: all cores); the numbers do not depend on it.
    conf
        Confidence level of the percentile and BCa intervals.
    progress
        Progress bar: None shows one on a terminal for runs longer than a second; False never.
    chunk_size
        Resamples per batched estimation (default :func:`default_chunk` of ``n_boot`` and
        the data's size).  The chunks do not depend on ``n_jobs``, so the numbers are
        bit-identical for any number of workers; another chunk size can change them in the
        last digits (every resample is the same, and reaches the same optimum).
    bca
        Run the jackknife (one fit per respondent) that the BCa acceleration needs (default
        True); with False the ``bca_*`` columns are NaN.

    Returns
    -------
    CBSEMBootstrap

    Raises
    ------
    UsageError
        For a result that did not converge or was not fitted to complete raw data.
    DataError
        When ``data`` are not the data the model was fitted to.

    Warns
    -----
    BootstrapFailureWarning
        When resamples fail (non-convergence, a non-positive-definite sample covariance
        matrix, a constant item); they are counted, excluded and described in ``diagnostics``.
    InadmissibleSolutionWarning
        When resamples have improper solutions; they are kept and counted.

    Notes
    -----
    Each resample draws N respondents with replacement (its own ``SeedSequence``) and is
    re-estimated from its moments (:mod:`sem_csat.cbsem.resample`); every resample reaches
    the optimum of a full pipeline fit of the resampled rows to within 1e-6
    (``tests/test_cbsem_bootstrap.py``).

    Examples
    --------
    >>> import pandas as pd, sem_csat
    >>> from sem_csat.spec import ModelSpec
    >>> hs = pd.read_csv("tests/reference/lavaan/hs1939.csv")  # doctest: +SKIP
    >>> spec = ModelSpec.from_lavaan("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\n"
    ...                              "speed =~ x7 + x8 + x9", name="HS")
    >>> fit = sem_csat.fit(spec, hs, method="ml")  # doctest: +SKIP
    >>> boot = bootstrap_cbsem(fit, 1000, seed=1, progress=False)  # doctest: +SKIP
    >>> boot.n_ok  # doctest: +SKIP
    1000
    """
    from sem_csat.cbsem.results import CBSEMResult

    if not isinstance(result, CBSEMResult):
        raise UsageError(
            "bootstrap_cbsem needs a CB-SEM result (sem_csat.fit(..., method='ml')); "
            f"got {result!r}."
        )
    if not result.converged:
        raise UsageError(
            "The model did not converge on the full sample, so there is no estimate to "
            "bootstrap around; fix the estimation first."
        )
    if not (isinstance(conf, int | float) and 0.0 < float(conf) < 1.0):
        raise UsageError(
            f"conf must be a confidence level between 0 and 1, such as 0.95; got {conf!r}."
        )
    fit, x = _data(result, data)
    fn = CBSEMReplicateFunction.from_fit(fit, result.effects)
    replicates = run_bootstrap(
        fn,
        x,
        n_boot,
        seed=seed,
        n_jobs=n_jobs,
        chunk_size=(
            default_chunk(n_boot, x.shape[0], x.shape[1]) if chunk_size is None else chunk_size
        ),
        progress=progress,
        jackknife=bca,
    )
    boot = CBSEMBootstrap(
        result=result,
        replicates=replicates,
        layout=fn.layout,
        conf=float(conf),
        improper_flags=fn.improper(replicates.replicates["params"]),
    )
    boot = dataclasses.replace(
        boot,
        diagnostics=(
            *replicates.diagnostics(conf, item_names=list(fit.stats.ov_names)),
            *_improper_diagnostics(boot),
        ),
    )
    emit(boot.diagnostics, stacklevel=3)
    return boot
