"""Monte Carlo power of every path of a model: :func:`simulate`.

From population values (standardized paths and loadings, :func:`~sem_csat.power.population`)
the model implies a correlation matrix of the items; :func:`simulate` draws ``reps`` samples of
``n`` respondents from the multivariate normal distribution with that matrix (optionally cut into
Likert answers), fits each sample by PLS, consistent PLS or ML, tests every path with the method's
own inference, and reports per path the power (share of samples with p < alpha), the bias of the
estimates, the coverage of the intervals, and how many samples gave no usable or an inadmissible
solution.

How a replicate is tested
-------------------------
``"ml"``: the Wald z test and interval of the unstandardized path, standard errors from the
expected information (as lavaan), the test a CB-SEM user reports.

``"pls"`` and ``"plsc"`` are tested by the bootstrap in practice (SmartPLS, seminr,
:meth:`sem_csat.pls.results.PLSResult.bootstrap`), and so they are here by default,
``inference="bootstrap"``: every replicate is resampled ``n_boot`` times (100 by default), its
standard error is the standard deviation of the resampled paths, its test
:math:`t = \\hat\\beta/\\text{se}^*` on :math:`m - 1` degrees of freedom (:math:`m` usable
resamples, as sem_csat's bootstrap and SmartPLS) and its interval the percentile interval.  The
resamples of a whole chunk of replicates are estimated in one batched call of the engine; no
sign correction is applied (sem_csat's bootstrap default).  100 resamples estimate a
replicate's standard error to about 7%; the power reported is that of a bootstrap t test on 99
degrees of freedom, which in checks was within Monte Carlo error of 400 resamples.

Why not something cheaper?  PLS's bootstrap distribution is not the same in every sample:
when the correlations between two blocks are weak, Mode A weights are driven by noise and a
resample can turn a composite into a different mix of its items (even with the opposite sign),
so the bootstrap spread is large in samples with a small estimate and small in the others.
Two faster options are offered, each with its limits:

``inference="warp"``
    The warp-speed bootstrap of Giacomini, Politis & White (2013): one resample per replicate,
    the deviations :math:`\\theta^*_r - \\hat\\theta_r` of all replicates pooled into one
    bootstrap distribution used for every replicate
    (:func:`~sem_csat.power.replicates.warp_inference`); two fits per replicate instead of
    ``n_boot + 1``.  It is valid when the bootstrap distribution is (nearly) the same in every
    sample.  For PLS it is not quite: a sample with a smaller estimate tends to have a wider
    bootstrap distribution, which a pooled one ignores, so the warp-speed bootstrap *overstates*
    power.  Measured against the full bootstrap (100 resamples): on the ECSI model (loadings
    .7–.85, n = 250) by 0–3 points; on two constructs with three items each by 3–7 points
    (loadings .8–.85, paths .2–.4, n = 100–300); and where PLS weights are unstable (loadings
    .6, path .3, n = 100) it reported 0.11 against 0.46.  Use it to screen many designs
    quickly, and confirm the chosen one with the full bootstrap.  The run checks every path:
    the pooled standard error against the standard deviation of the estimates, and the spread
    of the deviations in the samples with the smaller against the larger half of the
    estimates; when either ratio is off by more than 15% (or three of its standard errors) for
    a path whose power is below .99, a warning says so.
``inference="ols"`` (PLS only)
    The classical regression t test on the composite scores (one fit per replicate).  It ignores
    the estimation of the weights; for single-item constructs it is exactly the t test of a
    correlation (the check in ``tests/test_power_simulate.py`` against the analytic power).

Reproducibility
---------------
Replicate ``r`` draws its sample (and resamples) from
``default_rng(SeedSequence(seed).spawn(reps)[r])``; replicates are fitted in fixed chunks of
:data:`~sem_csat.power.replicates.CHUNK` through :mod:`joblib`, so any ``n_jobs`` and any joblib
backend (a Dask cluster: ``with joblib.parallel_backend("dask"): simulate(..., n_jobs=None)``)
gives the same numbers.  The seed is recorded on the result.

References
----------
.. [1] Giacomini, R., Politis, D. N., & White, H. (2013). A warp-speed method for conducting
   Monte Carlo experiments involving bootstrap estimators. *Econometric Theory*, 29(3),
   567–589.
.. [2] Muthén, L. K., & Muthén, B. O. (2002). How to use a Monte Carlo study to decide on sample
   size and determine power. *Structural Equation Modeling*, 9(4), 599–620.
.. [3] Aguirre-Urreta, M. I., & Rönkkö, M. (2015). Sample size determination and statistical
   power analysis in PLS using R: an annotated tutorial. *Communications of the AIS*, 36, 33–51.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.diagnostics import Diagnostic, emit
from sem_csat.errors import (
    ConvergenceWarning,
    EstimationError,
    InadmissibleSolutionWarning,
    SemCsatWarning,
    UsageError,
)
from sem_csat.power.implied import (
    Population,
    check_thresholds,
    discretized_correlation,
    equal_thresholds,
    population,
)
from sem_csat.power.replicates import (
    INADMISSIBLE,
    ChunkResult,
    MLSetup,
    SimulationPlan,
    chunk_size,
    population_factor,
    run_chunk,
    warp_inference,
    warp_spread_ratio,
)
from sem_csat.power.results import (
    STATUS_LABELS,
    TABLE_COLUMNS,
    PowerSimulation,
    SimulationSettings,
)
from sem_csat.spec.model import ModelSpec

__all__ = ["INFERENCE", "METHODS", "simulate"]

FloatArray = npt.NDArray[np.float64]

#: Estimation methods and the inference each allows (the first is the default).
INFERENCE: Final = {
    "pls": ("bootstrap", "warp", "ols"),
    "plsc": ("bootstrap", "warp"),
    "ml": ("wald",),
}
METHODS: Final = tuple(INFERENCE)
# --------------------------------------------------------------------------------------------
# set-up


def _whole(value: object, name: str, minimum: int, example: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or int(value) < minimum:
        raise UsageError(
            f"{name} must be a whole number of at least {minimum}, such as {example}; "
            f"got {value!r}."
        )
    return int(value)


def _population(spec: ModelSpec, given: Population | Mapping[str, Any]) -> Population:
    if isinstance(given, Population):
        if given.spec != spec:
            raise UsageError(
                f"The population was built for the model '{given.spec.name}', not for "
                f"'{spec.name}'; build it with sem_csat.power.population(spec, ...)."
            )
        return given
    if not isinstance(given, Mapping):
        raise UsageError(
            "population must be a sem_csat.power.population(...) or a mapping with 'paths' and "
            "'loadings' (and optionally 'correlations')."
        )
    unknown = sorted(set(given) - {"paths", "loadings", "correlations"})
    if unknown or "paths" not in given or "loadings" not in given:
        raise UsageError(
            "population needs the keys 'paths' and 'loadings' (and optionally 'correlations')"
            + (f"; {', '.join(map(repr, unknown))} is not one of them." if unknown else ".")
        )
    return population(
        spec,
        paths=given["paths"],
        loadings=given["loadings"],
        correlations=given.get("correlations"),
    )


def _ml_setup(
    spec: ModelSpec, corr: FloatArray, variances: FloatArray, n: int
) -> tuple[MLSetup, dict[tuple[str, str], tuple[float, float]]]:
    """Fit the population covariance matrix once with the CB-SEM pipeline: the model, the
    population values (the warm start of every replicate), and each path's (unstandardized,
    standardized) population value."""
    from sem_csat.cbsem.batch import hessian_inverse
    from sem_csat.cbsem.estimate import Problem
    from sem_csat.cbsem.objective import ESTIMATORS
    from sem_csat.cbsem.pipeline import fit_moments

    items = list(spec.indicator_names)
    sd = np.sqrt(variances)
    cov = pd.DataFrame(corr * np.outer(sd, sd), index=items, columns=items)
    fit = fit_moments(spec, cov, n, rescale=False)
    if not fit.converged or fit.model is None or fit.reparam is None:
        raise EstimationError(
            "The model cannot be fitted to the population covariance matrix; check the "
            "population values."
        )
    problem = Problem(fit.model, fit.stats, ESTIMATORS["ML"], fit.reparam)
    z = np.asarray(fit.optim.z, dtype=np.float64)
    implied = problem.implied(z)
    fisher = problem.fisher(implied) if implied is not None else np.eye(z.size)
    table = fit.table
    rows = [table.find(p.target, "~", p.source) for p in spec.paths]
    est = table.rows["est"].to_numpy(dtype=np.float64)
    truth = {
        (p.source, p.target): (float(est[i]), float(fit.std_all[i]))
        for p, i in zip(spec.paths, rows, strict=True)
        if i is not None
    }
    setup = MLSetup(
        table=table,
        model=fit.model,
        reparam=fit.reparam,
        start=z.copy(),
        h_inv=hessian_inverse(problem.hessian(z), fisher),
        observed=np.arange(len(items), dtype=np.intp),
        path_rows=np.array([-1 if i is None else i for i in rows], dtype=np.intp),
    )
    return setup, truth


def _pls_limit(spec: ModelSpec, corr: FloatArray, method: str, scheme: str) -> FloatArray:
    from sem_csat.pls import engine
    from sem_csat.pls.model import spec_structure
    from sem_csat.pls.plsc import consistent

    structure = spec_structure(spec)
    est = engine.estimate(corr, structure, scheme=scheme, on_error="nan")  # type: ignore[arg-type]
    final = consistent(est, corr) if method == "plsc" else est
    names = list(spec.construct_names)
    return np.array(
        [float(final.paths[names.index(p.source), names.index(p.target)]) for p in spec.paths]
    )


def _progress(total: int, progress: bool | None) -> Any:
    from tqdm import tqdm

    if progress is None:
        stream = sys.stderr
        on = stream is not None and hasattr(stream, "isatty") and stream.isatty()
        return tqdm(total=total, disable=not on, delay=1.0, unit="replicate", desc="simulate")
    return tqdm(total=total, disable=not progress, unit="replicate", desc="simulate")


def _run(
    plan: SimulationPlan, reps: int, n_jobs: int | None, progress: bool | None
) -> list[ChunkResult]:
    from joblib import Parallel, delayed

    size = chunk_size(plan)
    calls = [
        delayed(run_chunk)(plan, start, min(start + size, reps)) for start in range(0, reps, size)
    ]
    try:
        parallel = Parallel(n_jobs=n_jobs, return_as="generator")
    except ValueError:  # a backend that cannot stream results
        parallel = Parallel(n_jobs=n_jobs)
    out: list[ChunkResult] = []
    with _progress(reps, progress) as bar:
        for res in parallel(calls):
            out.append(res)
            bar.update(res.stop - res.start)
    return sorted(out, key=lambda r: r.start)


def simulate(
    spec: ModelSpec | str,
    population: Population | Mapping[str, Any],
    *,
    n: int,
    reps: int = 1000,
    method: str = "pls",
    inference: str | None = None,
    alpha: float = 0.05,
    n_boot: int = 100,
    likert: int | None = None,
    thresholds: Sequence[float] | None = None,
    scheme: str = "path",
    seed: int | np.random.SeedSequence | None = None,
    n_jobs: int | None = 1,
    progress: bool | None = None,
) -> PowerSimulation:
    """Monte Carlo power, bias and coverage of every path of a model at sample size ``n``.

    Parameters
    ----------
    spec
        The model (a :class:`~sem_csat.spec.model.ModelSpec` or a bundled model's name).
    population
        :func:`sem_csat.power.population` ``(spec, paths=..., loadings=...)``, or a mapping
        with the keys ``paths``, ``loadings`` and optionally ``correlations`` passed to it.
    n
        Respondents per sample.
    reps
        Number of samples.
    method
        ``"pls"``, ``"plsc"`` (consistent PLS) or ``"ml"`` (CB-SEM maximum likelihood).
    inference
        How each sample's paths are tested: ``"bootstrap"`` (default for PLS and PLSc,
        ``n_boot`` resamples per sample), ``"warp"`` (one pooled resample per sample, fast, see
        the module notes), ``"ols"`` (PLS only) or ``"wald"`` (ML, the only choice).
    alpha
        Significance level of the two-sided tests; intervals have level ``1 - alpha``.
    n_boot
        Resamples per sample for ``inference="bootstrap"`` (at least 10).
    likert
        Answer the items on a ``likert``-point scale, cutting each item's standard normal
        distribution into equally likely categories; or give ``thresholds`` (``k - 1``
        increasing cut points on the standard normal scale, e.g. skewed ones).
    thresholds
        See ``likert``.
    scheme
        PLS inner weighting scheme.
    seed
        Integer, ``SeedSequence`` or None (fresh entropy, recorded on the result).
    n_jobs
        joblib workers (1: in this process; -1: all cores; None: from an enclosing
        ``joblib.parallel_backend``, e.g. ``"dask"``).  The numbers do not depend on it.
    progress
        Progress bar on stderr (None: when stderr is a terminal).

    Returns
    -------
    PowerSimulation

    Raises
    ------
    UsageError
        Impossible settings (unknown method, an inference the method does not have, ``n`` too
        small for the model, ``reps < 2``, both ``likert`` and ``thresholds``, ...).
    SpecError
        An impossible population (see :func:`sem_csat.power.population`).

    Warns
    -----
    ConvergenceWarning
        When more than 1% of the samples did not converge or could not be estimated.
    InadmissibleSolutionWarning
        When more than 10% of the samples gave inadmissible solutions.

    Notes
    -----
    A sample is :math:`X = Z A^\\top` with :math:`Z` standard normal (``n × p``) and
    :math:`A A^\\top = R` the population correlation matrix; with Likert answers each column is
    then cut at the thresholds.  Samples that do not converge or cannot be estimated are left
    out (and counted); inadmissible solutions are kept and counted.  Power is the share of
    usable samples whose two-sided p-value is below ``alpha``, with Monte Carlo standard error
    :math:`\\sqrt{\\hat\\pi(1 - \\hat\\pi)/R}`.

    Examples
    --------
    >>> import sem_csat
    >>> from sem_csat.power import population, simulate
    >>> spec = sem_csat.ModelSpec.from_lavaan("Q =~ q1 + q2 + q3\\nS =~ s1 + s2 + s3\\nS ~ Q")
    >>> pop = population(spec, paths={"Q -> S": 0.3}, loadings=0.8)
    >>> res = simulate(spec, pop, n=100, reps=200, seed=1, progress=False)
    >>> res.table[["from", "to", "population", "limit", "power", "coverage"]].round(2)
      from to  population  limit  power  coverage
    0    Q  S         0.3   0.25   0.76      0.94

    PLS estimates the path between composites, which contain measurement error: with
    infinitely many respondents it would find 0.25 (``limit``), not 0.3.
    """
    from sem_csat.inference.bootstrap import seed_sequence
    from sem_csat.pls.model import spec_structure
    from sem_csat.spec.library import load_spec

    model = spec if isinstance(spec, ModelSpec) else load_spec(spec)
    if method not in INFERENCE:
        raise UsageError(f"method must be one of {', '.join(map(repr, METHODS))}; got {method!r}.")
    chosen = inference if inference is not None else INFERENCE[method][0]
    if chosen not in INFERENCE[method]:
        raise UsageError(
            f"inference={chosen!r} is not available for method '{method}'; use "
            f"{' or '.join(map(repr, INFERENCE[method]))}."
        )
    if not model.paths:
        raise UsageError(f"The model '{model.name}' has no paths, so there is no path to test.")
    pop = _population(model, population)
    p = len(model.indicator_names)
    minimum = p + 2 if method == "ml" else 5
    n = _whole(n, "n", minimum, "250")
    reps = _whole(reps, "reps", 2, "1000")
    n_boot = _whole(n_boot, "n_boot", 10, "200")
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 0.5:
        raise UsageError(f"alpha must be a significance level between 0 and 0.5; got {alpha!r}.")
    if likert is not None and thresholds is not None:
        raise UsageError("Give likert (a number of categories) or thresholds, not both.")
    cuts = (
        equal_thresholds(likert)
        if likert is not None
        else check_thresholds(thresholds)
        if thresholds is not None
        else None
    )
    root = seed_sequence(seed)
    entropy = root.entropy
    recorded = int(entropy) if isinstance(entropy, int | np.integer) else tuple(entropy or ())
    corr = pop.indicator_corr
    observed = corr if cuts is None else discretized_correlation(corr, cuts)
    variances = np.ones(p) if cuts is None else np.full(p, _discretized_variance(cuts))
    names = list(model.construct_names)
    sources = np.array([names.index(q.source) for q in model.paths], dtype=np.intp)
    targets = np.array([names.index(q.target) for q in model.paths], dtype=np.intp)
    ml = None
    if method == "ml":
        ml, truth = _ml_setup(model, observed, variances, n)
        target = np.array([truth[(q.source, q.target)][0] for q in model.paths])
        limit = np.array([truth[(q.source, q.target)][1] for q in model.paths])
    else:
        limit = _pls_limit(model, observed, method, scheme)
        target = np.array([pop.paths[(q.source, q.target)] for q in model.paths])
    plan = SimulationPlan(
        method=method,  # type: ignore[arg-type]
        inference=chosen,  # type: ignore[arg-type]
        n=n,
        alpha=float(alpha),
        n_boot=n_boot,
        factor=population_factor(corr),
        thresholds=cuts,
        entropy=recorded,
        spawn_key=tuple(int(k) for k in root.spawn_key),
        sources=sources,
        targets=targets,
        pls=spec_structure(model) if method != "ml" else None,
        scheme=scheme,
        ml=ml,
    )
    chunks = _run(plan, reps, n_jobs, progress)
    settings = SimulationSettings(
        method=method,
        inference=chosen,
        n=n,
        reps=reps,
        alpha=float(alpha),
        n_boot=n_boot,
        scheme=scheme,
        thresholds=None if cuts is None else tuple(float(t) for t in cuts),
        seed=recorded,
    )
    return _assemble(model, pop, chunks, plan, settings, limit, target)


def _discretized_variance(thresholds: FloatArray) -> float:
    """Variance of the answers 1..k of a standard normal item cut at ``thresholds``."""
    from scipy import special

    upper = special.ndtr(-thresholds)
    return float(
        (
            special.ndtr(-np.maximum.outer(thresholds, thresholds))
            - np.multiply.outer(upper, upper)
        ).sum()
    )


def _assemble(
    spec: ModelSpec,
    pop: Population,
    chunks: list[ChunkResult],
    plan: SimulationPlan,
    settings: SimulationSettings,
    limit: FloatArray,
    target: FloatArray,
) -> PowerSimulation:
    def stack(name: str) -> FloatArray:
        return np.concatenate([getattr(c, name) for c in chunks], axis=0)

    status = np.concatenate([c.status for c in chunks])
    estimate, test = stack("estimate"), stack("test_estimate")
    usable = status <= INADMISSIBLE
    spread = np.full(len(spec.paths), np.nan)
    if plan.inference == "warp":
        boot = stack("boot")
        se, p_value, lower, upper = warp_inference(test, boot, usable, plan.alpha)
        spread = warp_spread_ratio(test, boot, usable)
    else:
        se, p_value, lower, upper = (
            stack("std_error"),
            stack("p_value"),
            stack("ci_lower"),
            stack("ci_upper"),
        )
    reasons: dict[str, int] = {}
    for c in chunks:
        for key, count in c.reasons.items():
            reasons[key] = reasons.get(key, 0) + count
    rows = []
    population_values = np.array([pop.paths[(q.source, q.target)] for q in spec.paths])
    for j, q in enumerate(spec.paths):
        ok = usable & np.isfinite(test[:, j]) & np.isfinite(p_value[:, j])
        m = int(ok.sum())
        power = float(np.mean(p_value[ok, j] < plan.alpha)) if m else math.nan
        mean = float(estimate[ok, j].mean()) if m else math.nan
        truth = float(population_values[j])
        rows.append(
            {
                "from": q.source,
                "to": q.target,
                "population": truth,
                "limit": float(limit[j]),
                "estimate_mean": mean,
                "bias": mean - truth,
                "relative_bias": (mean - truth) / truth if truth != 0 else math.nan,
                "target": float(target[j]),
                "sd_estimate": float(test[ok, j].std(ddof=1)) if m > 1 else math.nan,
                "mean_se": float(np.nanmean(se[ok, j])) if m else math.nan,
                "power": power,
                "power_se": math.sqrt(power * (1 - power) / m) if m else math.nan,
                "coverage": float(
                    np.mean((lower[ok, j] <= target[j]) & (upper[ok, j] >= target[j]))
                )
                if m
                else math.nan,
                "n_ok": m,
            }
        )
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    reps = status.size
    k = len(spec.paths)
    replicates = pd.DataFrame(
        {
            "replicate": np.repeat(np.arange(reps), k),
            "from": np.tile([q.source for q in spec.paths], reps),
            "to": np.tile([q.target for q in spec.paths], reps),
            "estimate": estimate.reshape(-1),
            "test_estimate": test.reshape(-1),
            "std_error": se.reshape(-1),
            "p_value": p_value.reshape(-1),
            "ci_lower": lower.reshape(-1),
            "ci_upper": upper.reshape(-1),
            "status": np.repeat([STATUS_LABELS[int(v)] for v in status], k),
        }
    )
    counts = {label: int((status == code).sum()) for code, label in STATUS_LABELS.items()}
    diagnostics = _diagnostics(counts, reasons, reps, settings)
    if plan.inference == "warp":
        diagnostics += _warp_check(table, spread)
    emit(diagnostics, stacklevel=4)
    return PowerSimulation(
        table=table,
        replicates=replicates,
        status=counts,
        population=pop,
        settings=settings,
        failures=reasons,
        diagnostics=tuple(diagnostics),
    )


def _warp_check(table: pd.DataFrame, spread: FloatArray) -> list[Diagnostic]:
    """Warn when the warp-speed assumption fails for a path whose power is not near 1.

    Both ratios are judged on the log scale against 0.15 or three of their sampling standard
    errors, whichever is larger (:math:`1/\\sqrt{2R}` for the ratio of the pooled standard
    error to the standard deviation of :math:`R` estimates, :math:`\\sqrt{2/R}` for the ratio of
    two halves' standard deviations).
    """
    ratio = (table["mean_se"] / table["sd_estimate"]).to_numpy(dtype=np.float64)
    bad = []
    for j, (a, b) in enumerate(zip(table["from"], table["to"], strict=True)):
        reps = int(table["n_ok"].iloc[j])
        if reps < 200 or not float(table["power"].iloc[j]) < 0.99:
            continue
        r, q = ratio[j], spread[j]
        off_se = bool(np.isfinite(r) and abs(math.log(r)) > max(0.15, 3 / math.sqrt(2 * reps)))
        off_spread = bool(np.isfinite(q) and abs(math.log(q)) > max(0.15, 3 * math.sqrt(2 / reps)))
        if off_se or off_spread:
            bad.append(f"{a} -> {b} (pooled SE / SD of estimates {r:.2f}, spread ratio {q:.2f})")
    if not bad:
        return []
    return [
        Diagnostic(
            "warning",
            "simulation_warp_unreliable",
            f"The warp-speed bootstrap assumes that the bootstrap spread is the same in every "
            f"sample, which fails for {', '.join(bad)}: samples with a smaller estimate have "
            "a wider bootstrap distribution (unstable PLS weights), so the pooled bootstrap "
            "misstates power and coverage, usually overstating power. Rerun with "
            "inference='bootstrap'.",
            SemCsatWarning,
        )
    ]


def _diagnostics(
    counts: dict[str, int], reasons: dict[str, int], reps: int, settings: SimulationSettings
) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    lost = counts["not converged"] + counts["failed"]
    if lost:
        detail = "; ".join(
            f"{c} x {r.rstrip('.')}" for r, c in sorted(reasons.items(), key=lambda x: -x[1])[:3]
        )
        out.append(
            Diagnostic(
                "warning" if lost > 0.01 * reps else "info",
                "simulation_replicates_lost",
                f"{lost} of {reps} samples ({lost / reps:.1%}) gave no usable solution "
                f"({counts['not converged']} did not converge, {counts['failed']} could not be "
                f"estimated{': ' + detail if detail else ''}) and are left out of power, bias "
                "and coverage. A real study of this size risks the same; more respondents or "
                "stronger loadings make it rarer.",
                ConvergenceWarning,
            )
        )
    bad = counts["inadmissible"]
    if bad:
        out.append(
            Diagnostic(
                "warning" if bad > 0.1 * reps else "info",
                "simulation_inadmissible",
                f"{bad} of {reps} samples ({bad / reps:.1%}) gave an inadmissible solution "
                "(a standardized coefficient beyond ±1, a negative variance, or for PLSc a "
                "reliability above 1 or a construct correlation above 1); they are kept in the "
                "results. A study of this size would often face the same problem.",
                InadmissibleSolutionWarning,
            )
        )
    return out
