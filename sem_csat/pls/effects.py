"""Direct, indirect, total and specific indirect effects of a recursive path model.

The array functions work on a path matrix ``B`` of shape ``(J, J)``, with ``B[i, j]`` the
coefficient of the path ``i -> j``, or on a stack of them ``(..., J, J)`` (bootstrap resamples),
so that the bootstrap can compute every effect of every resample in one call.  Missing resamples
(rows of NaN) stay NaN.  The table builders turn a fitted
:class:`~sem_csat.pls.results.PLSResult` into tidy DataFrames.

Mediation follows Zhao, Lynch & Chen (2010): classify each mediation by the significance of its
indirect and direct effects (:func:`mediation_type`); the variance accounted for
(:func:`vaf`) is reported only where it is meaningful.

Examples
--------
A chain ``A -> M -> Y`` plus the direct path ``A -> Y``:

>>> import numpy as np
>>> B = np.array([[0.0, 0.5, 0.2],
...               [0.0, 0.0, 0.4],
...               [0.0, 0.0, 0.0]])
>>> total_effects(B)[0, 2], indirect_effects(B)[0, 2]
(np.float64(0.4), np.float64(0.2))
>>> chains = enumerate_chains(B != 0, ["A", "M", "Y"])
>>> [str(c) for c in chains]
['A -> M -> Y']
>>> specific_indirect_effects(B, chains)
array([0.2])
>>> float(vaf(B[0, 2], indirect_effects(B)[0, 2]))
0.5
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.errors import SpecError

if TYPE_CHECKING:
    from sem_csat.pls.results import PLSResult

__all__ = [
    "EFFECT_COLUMNS",
    "MEDIATION_TYPES",
    "SPECIFIC_COLUMNS",
    "Chain",
    "effects_table",
    "enumerate_chains",
    "indirect_effects",
    "mediation_type",
    "specific_indirect_effects",
    "specific_indirect_table",
    "total_effects",
    "vaf",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Columns of :func:`effects_table`.
EFFECT_COLUMNS: tuple[str, ...] = ("from", "to", "direct", "indirect", "total")
#: Columns of :func:`specific_indirect_table`.
SPECIFIC_COLUMNS: tuple[str, ...] = ("from", "to", "chain", "estimate")
#: Labels returned by :func:`mediation_type` (Zhao, Lynch & Chen 2010).
MEDIATION_TYPES: tuple[str, ...] = (
    "complementary",
    "competitive",
    "indirect-only",
    "direct-only",
    "no-effect",
)


def _paths(B: npt.ArrayLike) -> FloatArray:
    b = np.asarray(B, dtype=np.float64)
    if b.ndim < 2 or b.shape[-1] != b.shape[-2]:
        raise ValueError(f"A path matrix must have shape (..., J, J); got {b.shape}.")
    return b


#: Longest chain up to which the total effects are summed as the series of powers of B.
_SERIES_DEPTH = 8


def _chain_length(pattern: BoolArray) -> int | None:
    """Paths on the longest chain of the directed graph ``pattern``; None if it has a cycle.

    Longest distances in topological order (Kahn's algorithm), linear in constructs and paths.
    """
    n = pattern.shape[0]
    indegree = pattern.sum(axis=0).astype(int).tolist()
    successors = [np.flatnonzero(pattern[i]).tolist() for i in range(n)]
    longest = [0] * n
    ready = [i for i in range(n) if indegree[i] == 0]
    seen = 0
    while ready:
        i = ready.pop()
        seen += 1
        for k in successors[i]:
            longest[k] = max(longest[k], longest[i] + 1)
            indegree[k] -= 1
            if indegree[k] == 0:
                ready.append(k)
    return None if seen < n else max(longest, default=0)


def total_effects(B: npt.ArrayLike) -> FloatArray:
    """Return the total effects :math:`T = \\sum_{k \\ge 1} B^k` of a recursive path model.

    Parameters
    ----------
    B
        ``(J, J)`` path coefficients, ``B[i, j]`` for ``i -> j``, or a stack ``(..., J, J)``.

    Returns
    -------
    numpy.ndarray
        Same shape as ``B``; ``T[..., i, j]`` is the total effect of ``i`` on ``j``.  A stack
        element with a non-finite entry gives NaN everywhere.

    Raises
    ------
    SpecError
        The nonzero pattern of ``B`` contains a cycle (the series would not terminate).

    Notes
    -----
    The structural model is a directed acyclic graph, so :math:`B` is nilpotent
    (:math:`B^J = 0`) and :math:`T = B + B^2 + \\dots + B^{J-1} = (I - B)^{-1} - I`
    (Bollen 1987).  :math:`[B^k]_{ij}` is the sum, over all chains of :math:`k` paths from
    :math:`i` to :math:`j`, of the products of their coefficients.  The finite series is used
    up to the length :math:`d` of the longest chain (:math:`B^{d+1} = 0`), so that NaN elements
    of a stack stay confined to themselves; a cycle in the pattern of nonzero paths is refused.
    For chains longer than 8 paths the inverse is solved instead of summing :math:`d` powers.

    References
    ----------
    .. [1] Bollen, K. A. (1987). Total, direct, and indirect effects in structural equation
       models. *Sociological Methodology*, 17, 37–69.
    """
    b = _paths(B)
    finite: BoolArray = np.asarray(np.isfinite(b).all(axis=(-2, -1)))
    b0 = np.where(finite[..., None, None], b, 0.0)
    j = b.shape[-1]
    depth = _chain_length((b0 != 0.0).reshape(-1, j, j).any(axis=0))
    if depth is None:
        raise SpecError(
            "The path matrix contains a cycle, so total effects are not defined; PLS and the "
            "effect decomposition need a recursive (acyclic) structural model."
        )
    if depth > _SERIES_DEPTH:
        # one solve instead of depth - 1 products (a chain of 300 constructs took 8 s)
        eye = np.eye(j)
        total = np.linalg.solve(eye - b0, np.broadcast_to(eye, b0.shape)) - eye
    else:
        term = b0.copy()
        total = b0.copy()
        for _ in range(depth - 1):
            term = np.matmul(term, b0)
            total += term
    out: FloatArray = np.where(finite[..., None, None], total, np.nan)
    return out


def indirect_effects(B: npt.ArrayLike) -> FloatArray:
    """Return the total indirect effects :math:`T - B` (all chains with at least one mediator).

    Parameters
    ----------
    B
        ``(..., J, J)`` path coefficients, as in :func:`total_effects`.

    Returns
    -------
    numpy.ndarray
        ``(..., J, J)``; ``[..., i, j]`` is the indirect effect of ``i`` on ``j``.

    Notes
    -----
    :math:`B^{(\\text{ind})} = T - B = \\sum_{k \\ge 2} B^k`, which equals the sum of the
    :func:`specific_indirect_effects` of all chains from ``i`` to ``j``.
    """
    b = _paths(B)
    ind: FloatArray = total_effects(b) - b
    return ind


@dataclass(frozen=True)
class Chain:
    """A directed chain of at least two paths, ``nodes[0] -> nodes[1] -> ... -> nodes[-1]``.

    Attributes
    ----------
    nodes
        Construct indices along the chain.
    names
        Construct names along the chain.
    """

    nodes: tuple[int, ...]
    names: tuple[str, ...]

    @property
    def source(self) -> str:
        """The first construct (the cause)."""
        return self.names[0]

    @property
    def target(self) -> str:
        """The last construct (the outcome)."""
        return self.names[-1]

    @property
    def mediators(self) -> tuple[str, ...]:
        """The constructs in between."""
        return self.names[1:-1]

    def __str__(self) -> str:
        return " -> ".join(self.names)


def enumerate_chains(
    adjacency: npt.ArrayLike, names: Sequence[str] | None = None
) -> tuple[Chain, ...]:
    """List every directed chain with at least one mediator (two or more paths).

    Parameters
    ----------
    adjacency
        ``(J, J)`` matrix whose nonzero (or True) entries ``[i, j]`` are the paths ``i -> j``.
    names
        Construct names; default ``"0"``, ``"1"``, ...

    Returns
    -------
    tuple of Chain
        Ordered by source, then target (both by index), then chain length, then the indices
        along the chain.

    Raises
    ------
    SpecError
        ``adjacency`` is not square, ``names`` has the wrong length, or the paths form a cycle.

    Examples
    --------
    >>> A = [[0, 1, 1, 0], [0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]]
    >>> [str(c) for c in enumerate_chains(A, ["Image", "Expect", "Quality", "Sat"])]
    ['Image -> Expect -> Quality', 'Image -> Expect -> Sat', 'Image -> Quality -> Sat',
     'Image -> Expect -> Quality -> Sat', 'Expect -> Quality -> Sat']
    """
    adj = np.asarray(adjacency)
    if adj.ndim != 2 or adj.shape[0] != adj.shape[1]:
        raise SpecError(f"The adjacency matrix must be square (J x J); got shape {adj.shape}.")
    nc = adj.shape[0]
    label = tuple(names) if names is not None else tuple(str(j) for j in range(nc))
    if len(label) != nc:
        raise SpecError(f"Give one name per construct: {nc} constructs but {len(label)} names.")
    edges = adj != 0
    total_effects(edges.astype(np.float64))  # raises SpecError on a cycle
    successors = [np.flatnonzero(edges[i]).tolist() for i in range(nc)]
    found: list[tuple[int, ...]] = []

    def extend(chain: tuple[int, ...]) -> None:
        for nxt in successors[chain[-1]]:
            longer = (*chain, nxt)
            if len(longer) >= 3:
                found.append(longer)
            extend(longer)

    for i in range(nc):
        extend((i,))
    found.sort(key=lambda c: (c[0], c[-1], len(c), c))
    return tuple(Chain(nodes=c, names=tuple(label[k] for k in c)) for c in found)


def specific_indirect_effects(
    B: npt.ArrayLike, chains: Sequence[Chain | Sequence[int]]
) -> FloatArray:
    """Return the specific indirect effect of each chain: the product of its path coefficients.

    Parameters
    ----------
    B
        ``(..., J, J)`` path coefficients.
    chains
        :class:`Chain` objects (from :func:`enumerate_chains`) or sequences of construct
        indices, each with at least three constructs.

    Returns
    -------
    numpy.ndarray
        ``(..., n_chains)``.

    Notes
    -----
    For the chain :math:`i \\to m_1 \\to \\dots \\to m_r \\to j` the specific indirect effect
    is :math:`b_{i m_1} b_{m_1 m_2} \\cdots b_{m_r j}` (Hair et al. 2022, ch. 7).  The specific
    indirect effects of all chains from :math:`i` to :math:`j` sum to the total indirect effect
    :math:`[T - B]_{ij}` (:func:`indirect_effects`).

    References
    ----------
    .. [1] Hair, J. F., Hult, G. T. M., Ringle, C. M., & Sarstedt, M. (2022). *A Primer on
       Partial Least Squares Structural Equation Modeling (PLS-SEM)* (3rd ed.). Sage.
    """
    b = _paths(B)
    nc = b.shape[-1]
    nodes = [c.nodes if isinstance(c, Chain) else tuple(int(k) for k in c) for c in chains]
    for c in nodes:
        if len(c) < 3 or min(c) < 0 or max(c) >= nc:
            raise ValueError(
                f"A chain needs at least three constructs with indices 0 to {nc - 1}; got {c}."
            )
    n_edges = max((len(c) - 1 for c in nodes), default=0)
    ones = nc * nc  # position of the padding factor 1 in the flattened matrix
    index = np.full((len(nodes), n_edges), ones, dtype=np.intp)
    for row, c in enumerate(nodes):
        index[row, : len(c) - 1] = [a * nc + z for a, z in pairwise(c)]
    flat = b.reshape(*b.shape[:-2], nc * nc)
    padded = np.concatenate([flat, np.ones((*flat.shape[:-1], 1))], axis=-1)
    out: FloatArray = np.take(padded, index, axis=-1).prod(axis=-1)
    return out


def vaf(direct: npt.ArrayLike, indirect: npt.ArrayLike, *, tol: float = 1e-8) -> FloatArray:
    """Variance accounted for: the share of the total effect that runs through mediators.

    Parameters
    ----------
    direct, indirect
        Direct and (total) indirect effects, broadcastable arrays (e.g. ``(B,)`` resamples).
    tol
        Totals with :math:`|c| \\le` ``tol`` count as zero.

    Returns
    -------
    numpy.ndarray
        :math:`\\text{VAF} = a / (a + c')` in :math:`[0, 1]`, or NaN where it is undefined.

    Notes
    -----
    With direct effect :math:`c'` and indirect effect :math:`a` (the product :math:`a \\cdot b`
    in the single-mediator case), :math:`\\text{VAF} = a / (a + c')` (Hair et al. 2017,
    ch. 7).  Hair et al. read VAF > 0.8 as full, 0.2–0.8 as partial and < 0.2 as no mediation.

    VAF is a proportion only when the direct and the indirect effect have the same sign.  With
    opposite signs (competitive mediation, a suppressor) the total is smaller than either part
    and VAF leaves :math:`[0, 1]` (it can be negative or exceed 1, without bound as the total
    approaches 0); and with a total of (nearly) zero it is undefined.  In both cases this
    function returns NaN: classify such mediations with :func:`mediation_type` instead, as
    Zhao, Lynch & Chen (2010) recommend.

    References
    ----------
    .. [1] Hair, J. F., Hult, G. T. M., Ringle, C. M., & Sarstedt, M. (2017). *A Primer on
       Partial Least Squares Structural Equation Modeling (PLS-SEM)* (2nd ed.), ch. 7.  Sage.
    .. [2] Zhao, X., Lynch, J. G., & Chen, Q. (2010). Reconsidering Baron and Kenny: myths and
       truths about mediation analysis. *Journal of Consumer Research*, 37(2), 197–206.

    Examples
    --------
    >>> vaf([0.3, 0.3, 0.0, 0.2], [0.1, -0.1, 0.2, -0.2])
    array([0.25, nan, 1.  , nan])
    """
    c = np.asarray(direct, dtype=np.float64)
    a = np.asarray(indirect, dtype=np.float64)
    total = a + c
    ok = (np.abs(total) > tol) & (a * c >= 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.where(ok, a / np.where(ok, total, 1.0), np.nan)
    return out


def mediation_type(
    direct: npt.ArrayLike,
    indirect: npt.ArrayLike,
    direct_significant: npt.ArrayLike,
    indirect_significant: npt.ArrayLike,
) -> npt.NDArray[np.str_]:
    """Classify mediations as Zhao, Lynch & Chen (2010) do.

    Parameters
    ----------
    direct, indirect
        Direct effect :math:`c'` and indirect effect :math:`a \\times b` (broadcastable).
    direct_significant, indirect_significant
        Whether each is significant (e.g. its bootstrap confidence interval excludes 0).

    Returns
    -------
    numpy.ndarray of str
        One of :data:`MEDIATION_TYPES` per element.

    Notes
    -----
    ==================  ====================  ===================================
    indirect effect     direct effect         type
    ==================  ====================  ===================================
    significant         significant, same     ``"complementary"`` (partial)
                        sign as indirect
    significant         significant, opposite ``"competitive"`` (partial)
                        sign
    significant         not significant       ``"indirect-only"`` (full mediation)
    not significant     significant           ``"direct-only"`` (no mediation)
    not significant     not significant       ``"no-effect"`` (no mediation)
    ==================  ====================  ===================================

    The sign test is on :math:`a \\cdot b \\cdot c'`, that is the product of the indirect and
    the direct effect (Zhao et al. 2010, fig. 2; Hair et al. 2022, ch. 7).

    References
    ----------
    .. [1] Zhao, X., Lynch, J. G., & Chen, Q. (2010). Reconsidering Baron and Kenny: myths and
       truths about mediation analysis. *Journal of Consumer Research*, 37(2), 197–206.
    .. [2] Hair, J. F., Hult, G. T. M., Ringle, C. M., & Sarstedt, M. (2022). *A Primer on
       Partial Least Squares Structural Equation Modeling (PLS-SEM)* (3rd ed.). Sage.

    Examples
    --------
    >>> mediation_type([0.3, -0.3, 0.0, 0.3, 0.0], [0.2, 0.2, 0.2, 0.01, 0.01],
    ...                [True, True, False, True, False], [True, True, True, False, False])
    array(['complementary', 'competitive', 'indirect-only', 'direct-only',
           'no-effect'], dtype='<U13')
    """
    c, a, sig_c, sig_a = np.broadcast_arrays(
        np.asarray(direct, dtype=np.float64),
        np.asarray(indirect, dtype=np.float64),
        np.asarray(direct_significant, dtype=bool),
        np.asarray(indirect_significant, dtype=bool),
    )
    out = np.select(
        [sig_a & sig_c & (a * c >= 0.0), sig_a & sig_c, sig_a, sig_c],
        ["complementary", "competitive", "indirect-only", "direct-only"],
        default="no-effect",
    )
    return out.astype(np.str_)


# --------------------------------------------------------------------------------------------
# tables


def _matrices(result: PLSResult) -> tuple[FloatArray, BoolArray]:
    b = np.asarray(result.estimate.paths, dtype=np.float64)
    return b, np.asarray(result.estimate.structure.adjacency, dtype=bool)


def effects_table(result: PLSResult) -> pd.DataFrame:
    """Direct, total indirect and total effects of every pair joined by a directed chain.

    Parameters
    ----------
    result
        A fitted PLS model.

    Returns
    -------
    pandas.DataFrame
        Columns ``from, to, direct, indirect, total`` (:data:`EFFECT_COLUMNS`), one row per
        ordered pair ``(i, j)`` such that ``j`` can be reached from ``i`` along the paths, in
        construct declaration order of ``from``, then ``to``.  ``direct`` is 0 where there is no
        path ``i -> j``, ``indirect`` is 0 where there is no chain with a mediator.

    Notes
    -----
    :math:`\\text{total} = \\text{direct} + \\text{indirect}`, with the total effects
    :math:`T = (I - B)^{-1} - I` and the indirect effects :math:`T - B` (:func:`total_effects`).
    Pairs are chosen by reachability rather than by a numerically nonzero total, so a pair whose
    chains happen to cancel exactly is still listed.  On the ECSI data this reproduces the total
    effects of SmartPLS 2.0.M3, and on the bank data (Mode B) the indirect and total effects of
    ADANCO 2.2.1 (``tests/test_pls_effects.py``).

    Examples
    --------
    >>> import sem_csat
    >>> result = sem_csat.fit(sem_csat.load_spec("ecsi"), "ecsi_mobile")
    >>> t = effects_table(result).set_index(["from", "to"])
    >>> print(f"{t.loc[('Satisfaction', 'Loyalty'), 'total']:.8f}")  # SmartPLS: 0.52081902
    0.52081902
    """
    b, adj = _matrices(result)
    total = total_effects(b)
    reach = total_effects(adj.astype(np.float64)) > 0.0
    names = result.nodes
    rows = [
        {
            "from": names[i],
            "to": names[j],
            "direct": float(b[i, j]),
            "indirect": float(total[i, j] - b[i, j]),
            "total": float(total[i, j]),
        }
        for i, j in zip(*np.nonzero(reach), strict=True)
    ]
    return pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))


def specific_indirect_table(result: PLSResult) -> pd.DataFrame:
    """Specific indirect effect of every chain with at least one mediator.

    Parameters
    ----------
    result
        A fitted PLS model.

    Returns
    -------
    pandas.DataFrame
        Columns ``from, to, chain, estimate`` (:data:`SPECIFIC_COLUMNS`), with ``chain`` written
        ``"A -> B -> C"``; rows in the order of :func:`enumerate_chains`.  For each pair the
        estimates add up to the ``indirect`` column of :func:`effects_table`.

    Examples
    --------
    >>> import sem_csat
    >>> result = sem_csat.fit(sem_csat.load_spec("ecsi"), "ecsi_mobile")
    >>> table = specific_indirect_table(result)
    >>> table.loc[0, "chain"]
    'Image -> Expectation -> Quality'
    >>> len(table)
    49
    """
    b, adj = _matrices(result)
    chains = enumerate_chains(adj, result.nodes)
    estimates = specific_indirect_effects(b, chains)
    return pd.DataFrame(
        {
            "from": [c.source for c in chains],
            "to": [c.target for c in chains],
            "chain": [str(c) for c in chains],
            "estimate": estimates.astype(np.float64),
        },
        columns=list(SPECIFIC_COLUMNS),
    )


@dataclass(frozen=True, eq=False)
class ChainStatistic:
    """Bootstrap extra: the specific indirect effects of a batch of resamples (picklable).

    Returns ``{"specific_indirect": (c, n_chains)}`` for the chains given (from
    :func:`enumerate_chains`), so that every specific indirect effect gets a bootstrap
    interval (mediation analysis).
    """

    chains: tuple[tuple[int, ...], ...]

    def __call__(self, estimate: Any, moments: Any) -> dict[str, FloatArray]:
        if not self.chains:
            return {"specific_indirect": np.zeros((np.asarray(estimate.paths).shape[0], 0))}
        return {"specific_indirect": specific_indirect_effects(estimate.paths, self.chains)}
