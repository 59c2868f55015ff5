"""Compare fitted models: nested CB-SEM models, and one spec fitted by PLS and by CB-SEM.

:func:`compare` takes two or more results and returns a :class:`Comparison`, an immutable object
that renders itself as text and HTML like every other result.  It does one of two things,
decided by what it is given:

* **Competing CB-SEM models** of the same data (results of ``sem_csat.fit(...,
  method="ml")`` or ``method="mlr"``): one row of fit indices per model, ordered by degrees
  of freedom, and a χ² difference test for each consecutive pair (lavaan's ``lavTestLRT``).
* **One spec, two engines** (a PLS result and a CB-SEM result): the structural paths and R² side
  by side, with a note on why they differ.

Results are read through the result contract (:mod:`sem_csat.contract`): what a nested test
needs comes from ``result.nested_test_info()``, which a result without a likelihood-based test
(PLS) answers with ``None``; nothing here asks which engine made a result.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol, TypeAlias, runtime_checkable

import numpy as np
import pandas as pd

from sem_csat.contract import SEMResult
from sem_csat.diagnostics import Diagnostic, emit
from sem_csat.errors import DataWarning, SemCsatWarning, UsageError
from sem_csat.summary import ResultDisplay, Section, Summary

if TYPE_CHECKING:
    from sem_csat.contract import NestedTestInfo
    from sem_csat.spec.model import ModelSpec

__all__ = ["Comparison", "Testable", "compare"]


@runtime_checkable
class Testable(Protocol):
    """A fit that offers a nested test without filling the whole result contract."""

    def nested_test_info(self) -> NestedTestInfo: ...


#: Anything :func:`compare` accepts.
Result: TypeAlias = "SEMResult | Testable"
Kind = Literal["nested", "engines"]

#: Columns of the model table (``cfi``, ``tli``, ``rmsea`` become ``*_robust`` for MLR, and
#: ``chi2_scaled`` and ``scaling_factor`` follow ``chi2``).
MODEL_COLUMNS: tuple[str, ...] = (
    "name",
    "estimator",
    "npar",
    "df",
    "chi2",
    "cfi",
    "tli",
    "rmsea",
    "srmr",
    "aic",
    "bic",
)
#: Columns of the difference-test table.
TEST_COLUMNS: tuple[str, ...] = (
    "restricted",
    "full",
    "method",
    "df_diff",
    "chi2_diff",
    "scaling_factor",
    "p_value",
    "rmsea",
)

_NAN = float("nan")
_REL_TOL_S = 1e-10  # relative tolerance for "the same sample covariance matrix"

_NESTING_LINE = (
    "sem_csat cannot prove that one model is nested in another: make sure that each restricted "
    "model is the full one with some parameters fixed or constrained, fitted to the same data."
)
_PLS_NOTE = (
    "PLS estimates paths between composites, weighted sums of the items that still contain "
    "their measurement error, so for reflective constructs its paths and R² are attenuated "
    "(biased towards zero) and its loadings inflated. CB-SEM estimates paths between common "
    "factors, free of measurement error, so its standardized paths and R² are usually larger. "
    "Consistent PLS (PLSc, method='plsc') corrects PLS for attenuation and estimates the same "
    "common-factor model as CB-SEM; compare with it when the constructs are reflective."
)
_PLSC_NOTE = (
    "The PLS side is consistent PLS (PLSc), which corrects the composites for attenuation and so "
    "estimates the same common-factor paths as CB-SEM: large differences point at the model or "
    "the data (see Warnings), not at the method. Ordinary PLS (method='pls') would give "
    "attenuated paths for reflective constructs."
)


@dataclass(frozen=True, eq=False, repr=False)
class Comparison(ResultDisplay):
    """The comparison of two or more fitted models (immutable; see :func:`compare`).

    Attributes
    ----------
    kind
        ``"nested"`` (CB-SEM models of the same data) or ``"engines"`` (one spec, PLS and
        CB-SEM).
    names
        The model names, in the order the results were given.
    table
        ``"nested"``: one row per model, ordered by df (columns :data:`MODEL_COLUMNS`; for MLR
        ``chi2_scaled`` and ``scaling_factor`` follow ``chi2`` and CFI, TLI and RMSEA are the
        robust versions ``cfi_robust``, ``tli_robust``, ``rmsea_robust``).  ``"engines"``: one
        row per structural path, ``from, to, pls_estimate`` (with ``pls_p_value``,
        ``pls_ci_lower``, ``pls_ci_upper`` when the PLS result was bootstrapped),
        ``cbsem_std_estimate, cbsem_p_value, difference`` (PLS − CB-SEM standardized).
    tests
        ``"nested"``: one row per tested consecutive pair (:data:`TEST_COLUMNS`); empty for
        ``"engines"``.
    r2
        ``"engines"``: ``construct, pls_r2, cbsem_r2, difference``; ``None`` for ``"nested"``.
    notes
        Lines of text that explain the comparison (shown in the summary).
    diagnostics
        The diagnostics of the compared results (each message starts with the model name) and
        the comparison's own.
    results
        The compared results, in the order given.
    """

    kind: Kind
    names: tuple[str, ...]
    table: pd.DataFrame = field(repr=False)
    tests: pd.DataFrame = field(repr=False)
    r2: pd.DataFrame | None = field(repr=False)
    notes: tuple[str, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    results: tuple[Result, ...] = field(default=(), repr=False)

    def summary(self) -> Summary:
        """Text/HTML summary: the table(s), the notes and a Warnings section."""
        header = [("Models", ", ".join(self.names))]
        if self.kind == "nested":
            info = _info(self.results[0])
            header += [
                ("Estimator", str(self.table["estimator"].iloc[0])),
                ("Data", f"N = {info.n_obs}, {info.sample_cov.shape[0]} observed variables"),
            ]
            sections = [Section("Models (ordered by degrees of freedom)", self.table)]
            sections.append(
                Section(
                    "Chi-square difference tests",
                    self.tests if len(self.tests) else None,
                    self.notes,
                )
            )
            title = "sem_csat model comparison"
        else:
            pls, cb = _engine_pair(self.results)
            header += [
                ("Model", pls.spec.name),
                ("Data", f"N = {pls.n_obs} (PLS), {cb.n_obs} (CB-SEM)"),
            ]
            sections = [
                Section("Structural paths (standardized)", self.table),
                Section("Explained variance (R²)", self.r2),
                Section("Why the estimates differ", None, self.notes),
            ]
            title = f"sem_csat PLS vs CB-SEM: {pls.spec.name}"
        return Summary(title, header, sections, self.diagnostics)

    def _repr_fields(self) -> str:
        n_warn = sum(d.severity != "info" for d in self.diagnostics)
        if self.kind == "nested":
            what = f"{len(self.names)} models, {len(self.tests)} difference tests"
        else:
            what = f"PLS vs CB-SEM, {len(self.table)} paths"
        return f"{what}, {n_warn} warnings"


def compare(*results: Result, names: Sequence[str] | None = None) -> Comparison:
    r"""Compare fitted models: nested CB-SEM models, or one spec fitted by PLS and by CB-SEM.

    Parameters
    ----------
    *results
        Two or more fits.  Either CB-SEM fits of the same data (all
        :class:`~sem_csat.cbsem.results.CBSEMResult` with the same method, ``"ml"`` or
        ``"mlr"`` for difference tests), or exactly one
        :class:`~sem_csat.pls.results.PLSResult` (PLS or PLSc) and one ``CBSEMResult`` of the
        same spec.
    names
        One name per result; by default the spec names, made unique.

    Returns
    -------
    Comparison
        ``.table``, ``.tests``, ``.r2``, ``.summary()``; ``print()`` it for a report.

    Raises
    ------
    UsageError
        Fewer than two results; something that is not a result; PLS mixed with more than one
        other fit or with an MLR result; ML fits mixed with MLR results or with other
        estimators; CB-SEM models fitted to different data (N, observed variables or sample
        covariances differ); a PLS and a CB-SEM fit of different specs; wrong ``names``.

    Warns
    -----
    SemCsatWarning
        When a restricted model fits better than the model it is tested against (they are not
        nested, or the fuller model missed its optimum), or when the PLS and CB-SEM fits used
        different numbers of respondents.  The diagnostics of the compared fits are not warned
        again (they were when the models were fitted) but appear in the Warnings section.

    Notes
    -----
    **Nested models.**  The models are ordered by their degrees of freedom, fewest first (the
    fullest model), and each is tested against the one before it when their df differ.
    sem_csat cannot prove that two models are nested: it checks that they were fitted to the
    same data and that their df differ, but making sure that the restricted model is the full
    one with parameters fixed or constrained is up to you.  Models with equal df are never
    nested; they are compared by AIC and BIC only.

    With ML fits the test is the likelihood-ratio test ΔT = T₀ − T₁ ~ χ²(df₀ − df₁), with the
    RMSEA of the difference sqrt(max(ΔT/(N·Δdf) − 1/N, 0)).  With MLR results it is the
    Satorra–Bentler (2001) scaled difference (lavaan's default for MLR),

    .. math:: c_d = \frac{df_0 c_0 - df_1 c_1}{df_0 - df_1},\qquad
              \bar T_d = \frac{T_0 - T_1}{c_d},

    computed from the *unscaled* statistics: the difference of two scaled statistics is not
    χ²-distributed.  In the MLR model table ``chi2`` is therefore the standard statistic and
    ``chi2_scaled`` the one to report per model.  AIC = −2ℓ + 2q and BIC = −2ℓ + q·ln N (smaller
    is better) also compare non-nested models of the same data.

    **PLS and CB-SEM.**  The table holds the PLS path coefficients (standardized by
    construction) beside CB-SEM's completely standardized ones and their difference.  PLS
    composites contain measurement error, so for reflective constructs PLS paths are
    attenuated; PLSc (Dijkstra & Henseler 2015) corrects this and targets the common-factor
    paths that CB-SEM estimates.

    References
    ----------
    Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test statistic for
    moment structure analysis. *Psychometrika*, 66, 507–514.
    Dijkstra, T. K., & Henseler, J. (2015). Consistent partial least squares path modeling.
    *MIS Quarterly*, 39(2), 297–316.
    lavaan 0.6-14: ``lavTestLRT()``.

    Examples
    --------
    One spec, two engines (bank data bundled with sem_csat):

    >>> import sem_csat
    >>> from sem_csat.spec import ModelSpec
    >>> from sem_csat.spec.builders import multi_items, paths, reflective
    >>> spec = ModelSpec("Quality and satisfaction",
    ...                  constructs=[reflective("QUAL", multi_items("qual", 1, 5)),
    ...                              reflective("SAT", multi_items("sat", 1, 4))],
    ...                  paths=paths("QUAL", "SAT"))
    >>> bank = sem_csat.datasets.load("bank_satisfaction")
    >>> both = compare(sem_csat.fit(spec, bank), sem_csat.fit(spec, bank, method="ml"))
    >>> both.table[["from", "to", "pls_estimate", "cbsem_std_estimate"]].round(3)
       from   to  pls_estimate  cbsem_std_estimate
    0  QUAL  SAT         0.704               0.801

    Nested models (Holzinger & Swineford; lavaan's ``lavTestLRT`` gives Δχ² = 36.166, df = 1
    by ML and 22.023 by MLR for the orthogonal model):

    >>> import pandas as pd
    >>> from sem_csat.spec.model import Covariance
    >>> blocks = [reflective("visual", ["x1", "x2", "x3"]),
    ...           reflective("textual", ["x4", "x5", "x6"]),
    ...           reflective("speed", ["x7", "x8", "x9"])]
    >>> full = ModelSpec("HS", constructs=blocks)
    >>> orth = ModelSpec("HS-orth", constructs=blocks,
    ...                  covariances=[Covariance("visual", "textual", fixed=0.0)])
    >>> hs = pd.read_csv("tests/reference/lavaan/hs1939.csv")  # doctest: +SKIP
    >>> ml = compare(sem_csat.fit(full, hs, method="ml"),
    ...              sem_csat.fit(orth, hs, method="ml"))  # doctest: +SKIP
    >>> round(ml.tests["chi2_diff"].iloc[0], 3)  # doctest: +SKIP
    36.166
    >>> mlr = compare(sem_csat.fit(full, hs, method="mlr"),
    ...               sem_csat.fit(orth, hs, method="mlr"))  # doctest: +SKIP
    >>> round(mlr.tests["chi2_diff"].iloc[0], 3)  # doctest: +SKIP
    22.023
    """
    if len(results) < 2:
        raise UsageError(
            f"compare() needs at least two fitted models, got {len(results)}; pass them as "
            "separate arguments, e.g. compare(fit_full, fit_restricted)."
        )
    for k, r in enumerate(results, start=1):
        if not isinstance(r, SEMResult | Testable):
            raise UsageError(
                f"Argument {k} of compare() is a {type(r).__name__}, not a fitted model; pass "
                "results of sem_csat.fit()."
            )
    labels = _names(results, names)
    infos = [r.nested_test_info() for r in results]
    if any(info is None for info in infos):
        return _compare_engines(results, infos, labels)
    return _compare_nested(results, [i for i in infos if i is not None], labels)


# --------------------------------------------------------------------------------------------
# Names


def _info(result: Result) -> NestedTestInfo:
    info = result.nested_test_info()
    if info is None:
        raise UsageError(f"A {type(result).__name__} has no likelihood-based test statistic.")
    return info


def _estimator_label(result: Result) -> str:
    """The estimator of a model table row and of error messages (``"PLSc"``, ``"MLR"``, ...)."""
    info = result.nested_test_info()
    if info is not None:
        return info.estimator
    method = result.method if isinstance(result, SEMResult) else ""
    return "PLSc" if method == "plsc" else method.upper()


def _names(results: Sequence[Result], names: Sequence[str] | None) -> tuple[str, ...]:
    if names is not None:
        if isinstance(names, str):
            raise UsageError(
                f"names must be a list of names, one per model, not the single string {names!r}."
            )
        labels = tuple(str(n) for n in names)
        if len(labels) != len(results):
            raise UsageError(
                f"names has {len(labels)} entries for {len(results)} models; give one name "
                "per model, in the same order."
            )
        if len(set(labels)) != len(labels):
            dup = sorted({n for n in labels if labels.count(n) > 1})
            raise UsageError(
                f"The model names must differ, but {', '.join(map(repr, dup))} appears more "
                "than once."
            )
        return labels
    base = [
        r.spec.name if isinstance(r, SEMResult) else f"model {k}"
        for k, r in enumerate(results, start=1)
    ]
    if len(set(base)) < len(base):
        base = [
            f"{b} ({_estimator_label(r)})" if base.count(b) > 1 else b
            for b, r in zip(base, results, strict=True)
        ]
    if len(set(base)) < len(base):
        base = [f"{b} #{k}" for k, b in enumerate(base, start=1)]
    return tuple(base)


def _carried(names: Sequence[str], results: Sequence[Result]) -> list[Diagnostic]:
    """The diagnostics of every result, each message prefixed with the models it came from."""
    found: dict[Diagnostic, list[str]] = {}
    for name, r in zip(names, results, strict=True):
        if not isinstance(r, SEMResult):  # a bare test carries no diagnostics
            continue
        for d in r.diagnostics:
            found.setdefault(d, []).append(name)
    return [
        Diagnostic(d.severity, d.code, f"{', '.join(who)}: {d.message}", d.category)
        for d, who in found.items()
    ]


# --------------------------------------------------------------------------------------------
# Nested CB-SEM models


def _check_same_data(names: Sequence[str], infos: Sequence[NestedTestInfo]) -> None:
    ref = infos[0]
    ref_vars = sorted(map(str, ref.sample_cov.index))
    for name, info in zip(names[1:], infos[1:], strict=True):
        problem = ""
        if info.n_obs != ref.n_obs:
            problem = f"N = {info.n_obs} against N = {ref.n_obs}"
        elif sorted(map(str, info.sample_cov.index)) != ref_vars:
            only = sorted(set(map(str, info.sample_cov.index)) ^ set(ref_vars))
            problem = f"different observed variables ({', '.join(only)} in only one of them)"
        else:
            order = list(ref.sample_cov.index)
            s0 = ref.sample_cov.loc[order, order].to_numpy(dtype=float)
            s1 = info.sample_cov.loc[order, order].to_numpy(dtype=float)
            if not np.allclose(s0, s1, rtol=_REL_TOL_S, atol=0.0):
                problem = "different sample covariance matrices"
        if problem:
            raise UsageError(
                f"'{name}' and '{names[0]}' were not fitted to the same data ({problem}), so "
                "their chi-square statistics, AIC and BIC cannot be compared; fit every model "
                "to the same respondents and items (drop an item by fixing its loading, not by "
                "leaving it out)."
            )


def _model_row(name: str, info: NestedTestInfo) -> dict[str, object]:
    fit = info.fit

    def get(key: str) -> float:
        return float(fit.get(key, _NAN))

    row: dict[str, object] = {
        "name": name,
        "estimator": info.estimator,
        "npar": int(info.npar),
        "df": int(info.df),
        "chi2": get("chi2"),
    }
    if info.robust:
        row |= {"chi2_scaled": get("chi2_scaled"), "scaling_factor": get("scaling_factor")}
        row |= {k: get(k) for k in ("cfi_robust", "tli_robust", "rmsea_robust")}
    else:
        row |= {k: get(k) for k in ("cfi", "tli", "rmsea")}
    row |= {k: get(k) for k in ("srmr", "aic", "bic")}
    return row


def _compare_nested(
    results: Sequence[Result], infos: Sequence[NestedTestInfo], names: tuple[str, ...]
) -> Comparison:
    n_robust = sum(info.robust for info in infos)
    if 0 < n_robust < len(infos):
        raise UsageError(
            "compare() got ML results and MLR results together; fit every model with "
            "method='mlr' for Satorra–Bentler scaled differences, or with method='ml' for "
            "ordinary ones."
        )
    robust = n_robust > 0
    estimators = {info.estimator for info in infos}
    if len(estimators) > 1:
        raise UsageError(
            f"The models were fitted with different estimators ({', '.join(sorted(estimators))}),"
            " so their chi-square statistics measure different things; fit them all with the "
            "same method."
        )
    _check_same_data(names, infos)

    order = sorted(range(len(infos)), key=lambda k: infos[k].df)
    rows = [_model_row(names[k], infos[k]) for k in order]
    table = pd.DataFrame(rows).reset_index(drop=True)

    estimator = estimators.pop()
    notes: list[str] = [_NESTING_LINE]
    own: list[Diagnostic] = []
    test_rows: list[dict[str, object]] = []
    if estimator not in ("ML", "MLR"):
        notes.append(
            f"No difference tests: they need ML or MLR fits, and these are {estimator} fits. "
            "Compare the models by their fit indices."
        )
    for full_k, restricted_k in itertools.pairwise(order):
        if estimator not in ("ML", "MLR"):
            break
        full, restricted = infos[full_k], infos[restricted_k]
        fname, rname = names[full_k], names[restricted_k]
        if full.df == restricted.df:
            notes.append(
                f"'{rname}' and '{fname}' both have df = {full.df}, so neither is nested in the "
                "other and there is no difference test; compare them by AIC and BIC."
            )
            continue
        unconverged = [n for n, info in ((fname, full), (rname, restricted)) if not info.converged]
        if unconverged:
            notes.append(
                f"No test of '{rname}' against '{fname}': {', '.join(map(repr, unconverged))} "
                "did not converge."
            )
            continue
        test = restricted.difference_test(full)
        if test.chi2_diff_standard < 0.0:
            own.append(
                Diagnostic(
                    "warning",
                    "compare_not_nested",
                    f"'{rname}' (df = {restricted.df}) fits better than '{fname}' (df = "
                    f"{full.df}): its chi-square is lower by {-test.chi2_diff_standard:.4g}. "
                    "Either the models are not nested or the less restricted one did not reach "
                    "its optimum; the difference test is meaningless. Check the models and the "
                    "convergence of the fuller one.",
                    SemCsatWarning,
                )
            )
        test_rows.append(
            {
                "restricted": rname,
                "full": fname,
                "method": test.method,
                "df_diff": int(test.df_diff),
                "chi2_diff": float(test.chi2_diff),
                "scaling_factor": float(test.scaling_factor),
                "p_value": float(test.p_value),
                "rmsea": float(test.rmsea),
            }
        )
    if robust:
        notes.append(
            "Satorra–Bentler (2001) scaled differences, computed from the standard statistics "
            "(column chi2); report chi2_scaled for each model."
        )
    elif estimator == "ML":
        notes.append("Likelihood-ratio tests of the standard ML chi-square statistics.")
    tests = pd.DataFrame(test_rows, columns=list(TEST_COLUMNS))
    emit(own, stacklevel=3)
    return Comparison(
        kind="nested",
        names=names,
        table=table,
        tests=tests,
        r2=None,
        notes=tuple(notes),
        diagnostics=(*_carried(names, results), *own),
        results=tuple(results),
    )


# --------------------------------------------------------------------------------------------
# One spec, PLS and CB-SEM


def _spec_differences(a: ModelSpec, b: ModelSpec) -> list[str]:
    """What separates two specs structurally (constructs, their items, paths)."""
    out: list[str] = []
    blocks_a = {c.name: tuple(i.name for i in c.indicators) for c in a.constructs}
    blocks_b = {c.name: tuple(i.name for i in c.indicators) for c in b.constructs}
    if set(blocks_a) != set(blocks_b):
        only = sorted(set(blocks_a) ^ set(blocks_b))
        out.append(f"constructs {', '.join(only)} are in only one of them")
    changed = sorted(c for c in set(blocks_a) & set(blocks_b) if blocks_a[c] != blocks_b[c])
    if changed:
        out.append(f"the items of {', '.join(changed)} differ")
    paths_a = {(p.source, p.target) for p in a.paths}
    paths_b = {(p.source, p.target) for p in b.paths}
    if paths_a != paths_b:
        only_p = sorted(paths_a ^ paths_b)
        out.append(f"the paths {', '.join(f'{s} → {t}' for s, t in only_p)} are in only one")
    return out


def _compare_engines(
    results: Sequence[Result],
    infos: Sequence[NestedTestInfo | None],
    names: tuple[str, ...],
) -> Comparison:
    """One spec fitted by a composite method without a χ² test (PLS: ``nested_test_info()``
    is ``None``) and by a factor method with one (CB-SEM)."""
    pls = [r for r, i in zip(results, infos, strict=True) if i is None]
    cbsem = [
        r for r, i in zip(results, infos, strict=True) if i is not None and isinstance(r, SEMResult)
    ]
    if len(results) != 2 or len(pls) != 1 or len(cbsem) != 1:
        raise UsageError(
            "A PLS result can only be compared with one CB-SEM result of the same spec: pass "
            "exactly one PLS fit and one fit of sem_csat.fit(..., method='ml') (MLR results "
            f"are not supported here); got {', '.join(_estimator_label(r) for r in results)}."
        )
    p, c = pls[0], cbsem[0]
    if not isinstance(p, SEMResult):  # pragma: no cover - nested_test_info() None is a result's
        raise UsageError(f"A {type(p).__name__} is not a fitted model.")
    differences = _spec_differences(p.spec, c.spec)
    if differences:
        raise UsageError(
            f"The PLS fit ('{p.spec.name}') and the CB-SEM fit ('{c.spec.name}') are of "
            f"different models: {'; '.join(differences)}. A side-by-side comparison needs the "
            "same spec fitted by both engines."
        )
    k_pls, k_cb = results.index(p), results.index(c)
    ordered_names = (names[k_pls], names[k_cb])

    pp = p.paths
    table = pp.loc[:, ["from", "to"]].copy()
    table["pls_estimate"] = pp["estimate"].to_numpy(dtype=float)
    if p.boot is not None:
        for col in ("p_value", "ci_lower", "ci_upper"):
            table[f"pls_{col}"] = pp[col].to_numpy(dtype=float)
    cp = c.paths.set_index(["from", "to"])
    keys = list(zip(table["from"], table["to"], strict=True))
    table["cbsem_std_estimate"] = [float(cp.loc[k, "std_estimate"]) for k in keys]
    table["cbsem_p_value"] = [float(cp.loc[k, "p_value"]) for k in keys]
    table["difference"] = table["pls_estimate"] - table["cbsem_std_estimate"]

    pr, cr = p.r2["r2"], c.r2["r2"]
    r2 = pd.DataFrame(
        {
            "construct": list(pr.index),
            "pls_r2": pr.to_numpy(dtype=float),
            "cbsem_r2": [float(cr.get(k, _NAN)) for k in pr.index],
        }
    )
    r2["difference"] = r2["pls_r2"] - r2["cbsem_r2"]

    own: list[Diagnostic] = []
    if p.n_obs != c.n_obs:
        own.append(
            Diagnostic(
                "warning",
                "compare_different_n",
                f"The PLS fit used {p.n_obs} respondents and the CB-SEM fit {c.n_obs} (CB-SEM "
                "drops incomplete respondents listwise), so part of the differences comes from "
                "the data; fit PLS with missing='listwise' for a like-for-like comparison.",
                DataWarning,
            )
        )
    notes = [_PLSC_NOTE if p.method == "plsc" else _PLS_NOTE]
    if not all(math.isfinite(v) for v in table["cbsem_std_estimate"]):
        notes.append("Some CB-SEM paths have no estimate (NaN); see Warnings.")
    emit(own, stacklevel=3)
    return Comparison(
        kind="engines",
        names=ordered_names,
        table=table,
        tests=pd.DataFrame(columns=list(TEST_COLUMNS)),
        r2=r2,
        notes=tuple(notes),
        diagnostics=(*_carried(ordered_names, (p, c)), *own),
        results=(p, c),
    )


def _engine_pair(results: Sequence[Result]) -> tuple[SEMResult, SEMResult]:
    """The (PLS, CB-SEM) results of an ``"engines"`` comparison, in that order."""
    p, c = results
    if not (isinstance(p, SEMResult) and isinstance(c, SEMResult)):
        raise UsageError("This comparison does not hold a PLS and a CB-SEM result.")
    return p, c
