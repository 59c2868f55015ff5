"""A population for a model: standardized paths and loadings -> the implied correlation matrix.

:func:`population` turns the values a researcher expects (standardized path coefficients, the
loadings of the items, the correlations among exogenous constructs) into the correlation
matrix of the items that the model implies, from which :func:`sem_csat.power.simulate` draws
its samples.  Optionally the items are answered on a Likert scale: every item is cut into
categories at fixed thresholds of its standard normal distribution (:func:`discretize`), and
:func:`discretized_correlation` gives the correlations of the categorized items exactly.

Model (all constructs reflective, all variances 1)
--------------------------------------------------
Constructs :math:`\\eta` follow :math:`\\eta = B\\eta + \\zeta`: exogenous constructs have the
correlations given (0 by default), each endogenous construct :math:`j` the paths
:math:`\\beta_{ij}` from its predecessors :math:`P_j` and a residual with variance
:math:`\\psi_j = 1 - R^2_j`,
:math:`R^2_j = \\beta_{P_j}^\\top \\Phi_{P_j P_j} \\beta_{P_j}`, so that every construct has
variance 1.  Working through the constructs in topological order,
:math:`\\Phi_{jk} = \\sum_{i \\in P_j} \\beta_{ij} \\Phi_{ik}` for every construct :math:`k` already
placed.  Item :math:`x_k = \\lambda_k \\eta_{c(k)} + \\varepsilon_k` with
:math:`\\operatorname{Var}(\\varepsilon_k) = 1 - \\lambda_k^2`, so the items' correlation matrix is
:math:`R = \\Lambda \\Phi \\Lambda^\\top` with unit diagonal.

Examples
--------
Quality -> Satisfaction with path .5 and loadings .8: items of the two constructs correlate
:math:`.8 \\cdot .5 \\cdot .8 = .32`, items within a block :math:`.64`.

>>> from sem_csat.spec import ModelSpec
>>> from sem_csat.spec.builders import paths, reflective
>>> spec = ModelSpec("QS", [reflective("Q", ["q1", "q2"]), reflective("S", ["s1", "s2"])],
...                  paths("Q", "S"))
>>> pop = population(spec, paths={"Q -> S": 0.5}, loadings=0.8)
>>> pop.indicator_corr.round(2)
array([[1.  , 0.64, 0.32, 0.32],
       [0.64, 1.  , 0.32, 0.32],
       [0.32, 0.32, 1.  , 0.64],
       [0.32, 0.32, 0.64, 1.  ]])
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.errors import SpecError, UsageError
from sem_csat.spec.model import ModelSpec, did_you_mean
from sem_csat.summary import ResultDisplay, Section, Summary

__all__ = [
    "Population",
    "discretize",
    "discretized_correlation",
    "equal_thresholds",
    "population",
]

FloatArray = npt.NDArray[np.float64]
PathKey = str | tuple[str, str]

_NODES: Final = 64  # Gauss-Legendre nodes for the bivariate normal integrals


@dataclass(frozen=True, eq=False)
class Population(ResultDisplay):
    """Population values of a model and the correlations they imply.

    Attributes
    ----------
    spec
        The model.
    paths
        Standardized path coefficient of every path, ``(source, target) -> value``.
    loadings
        Standardized loading of every item.
    correlations
        Correlations among exogenous constructs, ``(a, b) -> value`` (pairs not given are 0).
    construct_corr
        ``(J, J)`` implied construct correlations :math:`\\Phi`, constructs in spec order.
    r2
        :math:`R^2` of every endogenous construct.
    indicator_corr
        ``(p, p)`` implied item correlations :math:`R`, items in ``spec.indicator_names`` order.
    """

    spec: ModelSpec
    paths: dict[tuple[str, str], float]
    loadings: dict[str, float]
    correlations: dict[tuple[str, str], float]
    construct_corr: FloatArray
    r2: dict[str, float]
    indicator_corr: FloatArray

    def table(self) -> pd.DataFrame:
        """The paths with their values and the :math:`R^2` of their targets."""
        return pd.DataFrame(
            [
                {"from": s, "to": t, "value": v, "r2_target": self.r2[t]}
                for (s, t), v in self.paths.items()
            ],
            columns=["from", "to", "value", "r2_target"],
        )

    def summary(self) -> Summary:
        """Paths, loadings and construct correlations as a :class:`~sem_csat.summary.Summary`."""
        names = list(self.spec.construct_names)
        load = pd.DataFrame(
            [
                {"construct": c.name, "indicator": i, "loading": self.loadings[i]}
                for c in self.spec.constructs
                for i in c.indicator_names
            ]
        )
        phi = pd.DataFrame(self.construct_corr, index=names, columns=names)
        return Summary(
            f"Population of {self.spec.name}",
            [("Constructs", str(len(names))), ("Items", str(len(self.loadings)))],
            [
                Section("Paths (standardized)", self.table()),
                Section("Loadings", load, collapsed=True),
                Section("Implied construct correlations", phi, index=True, collapsed=True),
            ],
        )

    def __repr__(self) -> str:
        return (
            f"<Population of {self.spec.name!r}: {len(self.paths)} paths, "
            f"{len(self.loadings)} items>"
        )


def _number(value: object, what: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.integer | np.floating)
        or not math.isfinite(float(value))
    ):
        raise SpecError(f"{what} must be a number; got {value!r}.")
    return float(value)


def _path_key(key: PathKey, spec: ModelSpec) -> tuple[str, str]:
    if isinstance(key, tuple) and len(key) == 2:
        source, target = str(key[0]), str(key[1])
    elif isinstance(key, str) and "->" in key:
        source, target = (part.strip() for part in key.split("->", 1))
    else:
        raise SpecError(
            f"A population path is named 'Source -> Target' or ('Source', 'Target'); got {key!r}."
        )
    declared = [(p.source, p.target) for p in spec.paths]
    if (source, target) not in declared:
        names = [f"{s} -> {t}" for s, t in declared]
        raise SpecError(
            f"The population gives a value for the path {source} -> {target}, which the model "
            f"'{spec.name}' does not have{did_you_mean(f'{source} -> {target}', names)}; its "
            f"paths are {', '.join(names)}."
        )
    return source, target


def _paths(spec: ModelSpec, paths: float | Mapping[PathKey, float]) -> dict[tuple[str, str], float]:
    declared = [(p.source, p.target) for p in spec.paths]
    if isinstance(paths, Mapping):
        given = {
            _path_key(k, spec): _number(v, f"The population value of the path {k}")
            for k, v in paths.items()
        }
        missing = [f"{s} -> {t}" for s, t in declared if (s, t) not in given]
        if missing:
            raise SpecError(
                f"The population gives no value for the path(s) {', '.join(missing)}; give every "
                "path of the model a standardized value (0 for a path that is absent in the "
                "population)."
            )
        return {k: given[k] for k in declared}
    value = _number(paths, "paths")
    return dict.fromkeys(declared, value)


def _loadings(spec: ModelSpec, loadings: float | Mapping[str, float]) -> dict[str, float]:
    out: dict[str, float] = {}
    if isinstance(loadings, Mapping):
        known = set(spec.construct_names) | set(spec.indicator_names)
        for key in loadings:
            if key not in known:
                raise SpecError(
                    f"The population gives a loading for '{key}', which is neither a construct "
                    f"nor an item of '{spec.name}'{did_you_mean(str(key), sorted(known))}."
                )
        for c in spec.constructs:
            for item in c.indicator_names:
                if item in loadings:
                    out[item] = _number(loadings[item], f"The loading of '{item}'")
                elif c.name in loadings:
                    out[item] = _number(loadings[c.name], f"The loading of '{c.name}'")
        missing = [i for i in spec.indicator_names if i not in out]
        if missing:
            raise SpecError(
                f"The population gives no loading for {', '.join(missing[:6])}"
                f"{', ...' if len(missing) > 6 else ''}; give a loading per construct or per "
                "item (or one number for all)."
            )
    else:
        value = _number(loadings, "loadings")
        out = dict.fromkeys(spec.indicator_names, value)
    for item, value in out.items():
        if not 0 < abs(value) <= 1:
            raise SpecError(
                f"The population loading of '{item}' is {value:g}; a standardized loading lies "
                "between -1 and 1 and is not 0."
            )
    return out


def population(
    spec: ModelSpec,
    *,
    paths: float | Mapping[PathKey, float],
    loadings: float | Mapping[str, float],
    correlations: Mapping[tuple[str, str] | str, float] | None = None,
) -> Population:
    """Population values of a reflective model and the item correlations they imply.

    Parameters
    ----------
    spec
        The model (every construct reflective).
    paths
        Standardized coefficient of every path: ``{"Image -> Satisfaction": 0.3, ...}`` (or
        ``("Image", "Satisfaction")`` keys), or one number for all paths.  Every path of the
        model needs a value (0 for a path absent in the population).
    loadings
        Standardized loadings: one number for all items, or a mapping from construct names
        (all its items) and item names (overriding their construct's value).
    correlations
        Correlations between exogenous constructs, ``{("A", "B"): 0.4}`` or ``{"A ~~ B": 0.4}``;
        pairs not given are uncorrelated.

    Returns
    -------
    Population

    Raises
    ------
    SpecError
        Formative constructs, a path not in the model or without a value, a loading outside
        (0, 1] in absolute value, paths that explain more than all of a construct's variance,
        exogenous correlations that are not a correlation matrix.
    """
    if not isinstance(spec, ModelSpec):
        raise UsageError(f"spec must be a ModelSpec (see sem_csat.load_spec); got {spec!r}.")
    formative = [c.name for c in spec.constructs if c.mode == "formative"]
    if formative:
        raise SpecError(
            f"The population model needs reflective constructs, but {', '.join(formative)} "
            "is formative; a population for composites (weights and item correlations) is not "
            "supported yet, so declare it reflective for the simulation."
        )
    path_values = _paths(spec, paths)
    item_loadings = _loadings(spec, loadings)
    names = list(spec.construct_names)
    index = {n: k for k, n in enumerate(names)}
    targets = {t for _, t in path_values}
    exogenous = [n for n in names if n not in targets]
    phi = np.full((len(names), len(names)), np.nan)
    pairs: dict[tuple[str, str], float] = {}
    for key, value in (correlations or {}).items():
        if isinstance(key, str) and "~~" in key:
            a, b = (part.strip() for part in key.split("~~", 1))
        elif isinstance(key, tuple) and len(key) == 2:
            a, b = str(key[0]), str(key[1])
        else:
            raise SpecError(f"Name a correlation ('A', 'B') or 'A ~~ B'; got {key!r}.")
        for end in (a, b):
            if end not in exogenous:
                what = (
                    "an endogenous construct"
                    if end in names
                    else f"not a construct{did_you_mean(end, exogenous)}"
                )
                raise SpecError(
                    f"The population correlation {a} ~~ {b} uses '{end}', which is {what}; only "
                    f"exogenous constructs ({', '.join(exogenous)}) get correlations, the others "
                    "follow from the paths."
                )
        r = _number(value, f"The correlation {a} ~~ {b}")
        if a == b or not -1 < r < 1:
            raise SpecError(
                f"The population correlation {a} ~~ {b} must be between two different "
                f"constructs and lie strictly between -1 and 1; got {r:g}."
            )
        pairs[(a, b)] = r
    for a in exogenous:
        for b in exogenous:
            phi[index[a], index[b]] = 1.0 if a == b else 0.0
    for (a, b), r in pairs.items():
        phi[index[a], index[b]] = phi[index[b], index[a]] = r
    ex = [index[n] for n in exogenous]
    if ex and np.linalg.eigvalsh(phi[np.ix_(ex, ex)])[0] <= 1e-10:
        raise SpecError(
            "The correlations among the exogenous constructs are not a valid correlation "
            "matrix (not positive definite); lower some of them."
        )
    placed = list(ex)
    r2: dict[str, float] = {}
    for name in spec.topological_order:
        if name in exogenous:
            continue
        j = index[name]
        preds = [index[s] for (s, t) in path_values if t == name]
        beta = np.array([path_values[(names[i], name)] for i in preds])
        sub = phi[np.ix_(preds, preds)]
        explained = float(beta @ sub @ beta)
        if explained >= 1.0:
            raise SpecError(
                f"The population paths into '{name}' explain R² = {explained:.3f} of its "
                "variance, which must stay below 1; lower the paths into it (or the "
                "correlations among its predictors)."
            )
        r2[name] = explained
        for k in placed:
            phi[j, k] = phi[k, j] = float(beta @ phi[preds, k])
        phi[j, j] = 1.0
        placed.append(j)
    lam = np.zeros((len(spec.indicator_names), len(names)))
    for row, item in enumerate(spec.indicator_names):
        lam[row, index[spec.construct_of(item).name]] = item_loadings[item]
    corr = lam @ phi @ lam.T
    np.fill_diagonal(corr, 1.0)
    return Population(
        spec=spec,
        paths=path_values,
        loadings=item_loadings,
        correlations=pairs,
        construct_corr=phi,
        r2=r2,
        indicator_corr=corr,
    )


# --------------------------------------------------------------------------------------------
# Likert answers


def equal_thresholds(categories: int) -> FloatArray:
    """Thresholds that cut a standard normal item into ``categories`` equally likely answers.

    :math:`\\tau_a = \\Phi^{-1}(a / k)`, :math:`a = 1, \\dots, k - 1`.

    Examples
    --------
    >>> equal_thresholds(4).round(4)
    array([-0.6745,  0.    ,  0.6745])
    """
    from scipy import stats

    if isinstance(categories, bool) or not isinstance(categories, int) or categories < 2:
        raise UsageError(f"likert must be a number of answer categories >= 2; got {categories!r}.")
    out: FloatArray = stats.norm.ppf(np.arange(1, categories) / categories)
    return out


def check_thresholds(thresholds: Sequence[float] | npt.ArrayLike) -> FloatArray:
    """Thresholds as a strictly increasing array of finite numbers."""
    t = np.asarray(thresholds, dtype=np.float64).reshape(-1)
    if t.size == 0 or not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise UsageError(
            "thresholds must be increasing finite numbers on the standard normal scale, such as "
            f"[-1.5, -0.5, 0.5, 1.5] for five answers; got {thresholds!r}."
        )
    return t


def discretize(x: npt.ArrayLike, thresholds: npt.ArrayLike) -> FloatArray:
    """Answers 1, 2, ..., k: the category of each value between the ``k - 1`` thresholds.

    Examples
    --------
    >>> discretize([-2.0, -0.1, 0.3, 9.0], [-1.0, 0.0, 1.0])
    array([1., 2., 3., 4.])
    """
    cut = np.asarray(thresholds, dtype=np.float64)
    out: FloatArray = np.searchsorted(cut, np.asarray(x, dtype=np.float64)).astype(np.float64) + 1
    return out


def discretized_correlation(corr: npt.ArrayLike, thresholds: npt.ArrayLike) -> FloatArray:
    """Correlations of standard normal items after :func:`discretize` with the same thresholds.

    Parameters
    ----------
    corr
        ``(p, p)`` correlations of the continuous items.
    thresholds
        The ``k - 1`` thresholds of every item.

    Returns
    -------
    numpy.ndarray
        ``(p, p)`` Pearson correlations of the answers 1..k.

    Notes
    -----
    With :math:`f(x) = 1 + \\sum_a 1\\{x > \\tau_a\\}`,
    :math:`\\operatorname{Cov}(f(X), f(Y)) = \\sum_{a,b} [\\Phi_2(-\\tau_a, -\\tau_b; \\rho)
    - \\Phi(-\\tau_a)\\Phi(-\\tau_b)]` and, by Plackett's (1954) identity
    :math:`\\partial\\Phi_2/\\partial\\rho = \\phi_2`, each bracket is
    :math:`\\int_0^\\rho \\phi_2(\\tau_a, \\tau_b; r)\\,dr` (64-point Gauss–Legendre);
    :math:`\\operatorname{Var} f(X) = \\sum_{a,b} [\\Phi(-\\max(\\tau_a, \\tau_b)) -
    \\Phi(-\\tau_a)\\Phi(-\\tau_b)]`.

    Examples
    --------
    Dichotomized at 0, a correlation of .5 becomes :math:`(2/\\pi)\\arcsin(.5) = 1/3`:

    >>> r = discretized_correlation([[1.0, 0.5], [0.5, 1.0]], [0.0])
    >>> round(float(r[0, 1]), 10)
    0.3333333333
    """
    from scipy import special

    rho = np.asarray(corr, dtype=np.float64)
    tau = np.asarray(thresholds, dtype=np.float64).reshape(-1)
    p = rho.shape[0]
    upper = special.ndtr(-tau)
    var = float((special.ndtr(-np.maximum.outer(tau, tau)) - np.multiply.outer(upper, upper)).sum())
    i, j = np.triu_indices(p, 1)
    r = rho[i, j]
    nodes, weights = np.polynomial.legendre.leggauss(_NODES)
    # r_s = r (1 + node) / 2 on [0, r], weight r / 2
    rs = r[:, None] * (1.0 + nodes[None, :]) / 2.0  # (m, N)
    h = tau[:, None]
    k = tau[None, :]
    one = 1.0 - rs**2  # (m, N)
    quad = (
        (h**2)[None, None] - 2.0 * rs[:, :, None, None] * (h * k)[None, None] + (k**2)[None, None]
    )
    dens = (
        np.exp(-quad / (2.0 * one[:, :, None, None]))
        / (2.0 * np.pi * np.sqrt(one))[:, :, None, None]
    )
    cov = (dens * weights[None, :, None, None]).sum(axis=1).sum(axis=(1, 2)) * r / 2.0
    out = np.eye(p)
    out[i, j] = out[j, i] = cov / var
    return out
