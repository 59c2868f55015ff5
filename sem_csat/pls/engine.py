"""PLS path modeling on the indicator correlation matrix (pure NumPy).

This is the numerical core of the PLS engine: Wold's iterative algorithm in Lohmöller's
formulation, written entirely in terms of the indicator correlation matrix :math:`R` and the
outer weight matrix :math:`W`.  It knows nothing of names, specs or pandas; the estimator in
:mod:`sem_csat.pls.model` translates a :class:`~sem_csat.spec.ModelSpec` into a
:class:`PLSStructure` and the arrays of a :class:`PLSEstimate` into tables.

Every quantity of a PLS fit is a function of :math:`R` and :math:`W` because the indicators are
standardized: construct correlations are :math:`W^\\top R W` and indicator–construct correlations
are :math:`R W`.  :func:`estimate` therefore accepts a single correlation matrix ``(p, p)`` or a
batch ``(B, p, p)`` (bootstrap resamples, permutations) and runs the whole batch through one
vectorized iteration with a per-element convergence test; elements leave the working set as soon
as they converge, so a batch gives the same numbers as fitting its elements one by one.

The typical use is::

    structure = compile_structure(blocks, modes, adjacency, names=names)   # once per model
    moments = data_moments(X)                   # one pass over the data (sem_csat.pls.moments)
    est = estimate(moments.corr, structure, scheme="path")
    scores = scores_from_data(X, est.weights, moments)     # one more pass, when scores are wanted

Examples
--------
Two constructs with two indicators each; by symmetry the weights within a block are equal and the
path coefficient is :math:`4 \\cdot 0.3 / \\sqrt{(2 + 2 \\cdot 0.6)(2 + 2 \\cdot 0.5)} =
1.2 / \\sqrt{9.6}`:

>>> import numpy as np
>>> R = np.array([[1.0, 0.6, 0.3, 0.3],
...               [0.6, 1.0, 0.3, 0.3],
...               [0.3, 0.3, 1.0, 0.5],
...               [0.3, 0.3, 0.5, 1.0]])
>>> s = compile_structure([[0, 1], [2, 3]], ["A", "A"], [[False, True], [False, False]])
>>> est = estimate(R, s)
>>> round(float(est.paths[0, 1]), 8), round(float(1.2 / np.sqrt(9.6)), 8)
(0.38729833, 0.38729833)
>>> est.weights.round(4)
array([[0.559 , 0.    ],
       [0.559 , 0.    ],
       [0.    , 0.5774],
       [0.    , 0.5774]])
>>> bool(est.converged), int(est.iterations)  # equal weights are already the fixed point
(True, 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, cast

import numpy as np
import numpy.typing as npt

from sem_csat.errors import DataError, EstimationError, SpecError
from sem_csat.pls.moments import (
    DataMoments,
    construct_scores,
    correlation,
    data_moments,
    scores_from_data,
    standardize,
)

__all__ = [
    "MODES",
    "RCOND",
    "SCHEMES",
    "DataMoments",
    "OuterMode",
    "PLSEstimate",
    "PLSStructure",
    "Scheme",
    "compile_structure",
    "construct_scores",
    "correlation",
    "data_moments",
    "estimate",
    "scores_from_data",
    "standardize",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

Scheme = Literal["path", "centroid", "factorial"]
OuterMode = Literal["A", "B"]
OnError = Literal["raise", "nan"]

#: Inner weighting schemes understood by :func:`estimate`.
SCHEMES: tuple[Scheme, ...] = ("path", "centroid", "factorial")
#: Outer estimation modes: ``"A"`` (correlation weights), ``"B"`` (regression weights).
MODES: tuple[OuterMode, ...] = ("A", "B")
_ON_ERROR: tuple[OnError, ...] = ("raise", "nan")

#: A symmetric positive semi-definite matrix counts as singular when its smallest eigenvalue is
#: at most ``RCOND`` times its largest (Mode B blocks, predictors of an endogenous construct).
RCOND = 1e-12
# A matrix whose condition number (infinity norm) is below this is far from singular.
_WELL_CONDITIONED = 1e8

# Reasons why a batch element could not be estimated (0: it could).
_OK, _NONFINITE, _SINGULAR_BLOCK, _COLLINEAR, _DEGENERATE = range(5)


_A = TypeVar("_A", bound=npt.NDArray[Any])


def _readonly(a: _A) -> _A:
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class _Systems:
    """Stacked small linear systems, one per group, gathered from flattened batch matrices.

    Group ``g`` with members :math:`K_g` and target :math:`t_g` solves
    :math:`M_{K_g K_g} x = N_{K_g t_g}`, where :math:`M` is square with side ``n_a`` and
    :math:`N` has ``n_cols`` columns; the solution lands in :math:`N`'s layout at
    :math:`(K_g, t_g)`.  Groups are padded to a common size with identity rows, so one call of
    :func:`numpy.linalg.solve` handles all groups of all batch elements.  Used for the
    predecessors of endogenous constructs (:math:`M = N = C`) and for Mode B blocks
    (:math:`M = R`, :math:`N = G`).
    """

    targets: IntArray  # (g,)
    a_index: IntArray  # (g, k, k) flat indices into M
    a_mask: FloatArray  # (g, k, k) 1 on real entries
    eye: FloatArray  # (g, k, k) 1 on the padded diagonal
    b_index: IntArray  # (g, k) flat indices into N
    b_mask: FloatArray  # (g, k)
    valid: IntArray  # (m,) real entries of a flattened (g * k) solution
    out: IntArray  # (m,) their flat positions in N's layout
    # the same with the batch as the last axis (for the elimination of _spd_solve)
    a_index_last: IntArray  # (k, k, g)
    a_mask_last: FloatArray  # (k, k, g, 1)
    eye_last: FloatArray  # (k, k, g, 1)
    b_index_last: IntArray  # (k, g)
    b_mask_last: FloatArray  # (k, g, 1)
    valid_last: IntArray  # (m,) real entries of a flattened (k * g) solution
    out_last: IntArray  # (m,) their flat positions in N's layout

    @classmethod
    def build(
        cls, groups: Sequence[IntArray], targets: IntArray, n_a: int, n_cols: int
    ) -> _Systems:
        k = max((len(g) for g in groups), default=0)
        index = np.zeros((len(groups), k), dtype=np.intp)
        mask = np.zeros((len(groups), k), dtype=bool)
        for row, g in enumerate(groups):
            index[row, : len(g)] = g
            mask[row, : len(g)] = True
        mask2 = mask[:, :, None] & mask[:, None, :]
        b_index = index * n_cols + targets[:, None]
        valid = np.flatnonzero(mask)
        a_index = index[:, :, None] * n_a + index[:, None, :]
        a_mask = mask2.astype(np.float64)
        eye = np.where(mask2, 0.0, np.eye(k))
        valid_last = np.flatnonzero(mask.T)
        return cls(
            targets=_readonly(targets),
            a_index=_readonly(a_index),
            a_mask=_readonly(a_mask),
            eye=_readonly(eye),
            b_index=_readonly(b_index),
            b_mask=_readonly(mask.astype(np.float64)),
            valid=_readonly(valid),
            out=_readonly(b_index.reshape(-1)[valid]),
            a_index_last=_readonly(np.ascontiguousarray(a_index.transpose(1, 2, 0))),
            a_mask_last=_readonly(np.ascontiguousarray(a_mask.transpose(1, 2, 0))[..., None]),
            eye_last=_readonly(np.ascontiguousarray(eye.transpose(1, 2, 0))[..., None]),
            b_index_last=_readonly(np.ascontiguousarray(b_index.T)),
            b_mask_last=_readonly(mask.T.astype(np.float64)[..., None]),
            valid_last=_readonly(valid_last),
            out_last=_readonly(b_index.T.reshape(-1)[valid_last]),
        )

    @property
    def size(self) -> int:
        return int(self.targets.size)

    def matrices(self, m: FloatArray) -> FloatArray:
        """``(B, g, k, k)`` padded system matrices from ``m`` of shape ``(B, n_a * n_a)``."""
        return np.take(m, self.a_index, axis=1) * self.a_mask + self.eye

    def rhs(self, n: FloatArray) -> FloatArray:
        """``(B, g, k)`` padded right-hand sides from ``n`` of shape ``(B, n_rows * n_cols)``."""
        return np.take(n, self.b_index, axis=1) * self.b_mask

    def scatter(self, dst: FloatArray, x: FloatArray) -> None:
        """Write the solutions ``x`` ``(B, g, k)`` into ``dst`` ``(B, n_rows * n_cols)``."""
        dst[:, self.out] = x.reshape(x.shape[0], x.shape[1] * x.shape[2])[:, self.valid]

    def matrices_last(self, m: FloatArray) -> FloatArray:
        """``(k, k, g, B)`` padded system matrices from ``m`` of shape ``(B, n_a * n_a)``."""
        return np.take(m.T, self.a_index_last, axis=0) * self.a_mask_last + self.eye_last

    def rhs_last(self, n: FloatArray) -> FloatArray:
        """``(k, g, B)`` padded right-hand sides from ``n`` of shape ``(B, n_rows * n_cols)``."""
        return np.take(n.T, self.b_index_last, axis=0) * self.b_mask_last

    def scatter_last(self, dst: FloatArray, x: FloatArray) -> None:
        """Write the solutions ``x`` ``(k, g, B)`` into ``dst`` ``(B, n_rows * n_cols)``."""
        dst[:, self.out_last] = x.reshape(x.shape[0] * x.shape[1], x.shape[2])[self.valid_last].T


@dataclass(frozen=True, eq=False)
class PLSStructure:
    """A PLS path model compiled into index arrays; build it with :func:`compile_structure`.

    Attributes
    ----------
    n_indicators
        Number of indicators :math:`p` (rows and columns of the correlation matrix).
    blocks
        Indicator (column) indices of each construct's block, one integer array per construct.
    modes
        Outer mode of each construct: ``"A"`` (reflective, correlation weights) or ``"B"``
        (formative, regression weights).  Single-item blocks have weight 1 in either mode.
    adjacency
        ``(J, J)`` boolean matrix, ``adjacency[i, j]`` is True for a path ``i -> j``.
    names
        Construct names, used only in error messages.
    n_predictors
        ``(J,)`` number of predecessors of each construct.

    Notes
    -----
    The private attributes are derived once from the public ones so that the iteration does no
    index bookkeeping: masks of the weight matrix, the neighbour and successor masks of the
    inner model, and two sets of stacked systems (the predecessors of every endogenous
    construct, the indicators of every multi-item Mode B block).
    """

    n_indicators: int
    blocks: tuple[IntArray, ...]
    modes: tuple[OuterMode, ...]
    adjacency: BoolArray
    names: tuple[str, ...]
    n_predictors: IntArray = field(init=False, repr=False)
    _block_mask: FloatArray = field(init=False, repr=False)  # (p, J) 1 inside the blocks
    _block_flat: IntArray = field(init=False, repr=False)  # flat (p * J) positions of weights
    _free_a: FloatArray = field(init=False, repr=False)  # (p, J) 1 for multi-item Mode A
    _fixed: FloatArray = field(init=False, repr=False)  # (p, J) 1 for single-item blocks
    _neighbours: FloatArray = field(init=False, repr=False)  # (J, J) i - j adjacent
    _successors: FloatArray = field(init=False, repr=False)  # (J, J) [i, j] = 1 if j -> i
    _isolated_flat: IntArray = field(init=False, repr=False)  # flat (J * J) diagonal positions
    _preds: _Systems = field(init=False, repr=False)
    _modeb: _Systems = field(init=False, repr=False)
    _depth: int = field(init=False, repr=False)  # longest chain of paths (B^depth != 0)
    _free_flat: IntArray = field(init=False, repr=False)  # flat positions of _free_a
    _fixed_flat: IntArray = field(init=False, repr=False)  # flat positions of _fixed
    _block_col: IntArray = field(init=False, repr=False)  # construct of each _block_flat entry

    @property
    def n_constructs(self) -> int:
        """Number of constructs :math:`J`."""
        return len(self.blocks)

    def __repr__(self) -> str:
        return (
            f"PLSStructure({self.n_constructs} constructs, {self.n_indicators} indicators, "
            f"{int(self.adjacency.sum())} paths, modes {''.join(self.modes)})"
        )

    def __post_init__(self) -> None:
        p, nc = self.n_indicators, len(self.blocks)
        self._check(p, nc)
        adj = self.adjacency
        block_mask = np.zeros((p, nc))
        free_a = np.zeros((p, nc))
        fixed = np.zeros((p, nc))
        for j, (mode, block) in enumerate(zip(self.modes, self.blocks, strict=True)):
            block_mask[block, j] = 1.0
            if block.size == 1:
                fixed[block, j] = 1.0
            elif mode == "A":
                free_a[block, j] = 1.0
        neighbours = (adj | adj.T).astype(np.float64)
        isolated = np.flatnonzero(neighbours.sum(axis=0) == 0)
        endo = np.flatnonzero(adj.any(axis=0))
        modeb = np.array(
            [j for j in range(nc) if self.modes[j] == "B" and self.blocks[j].size > 1],
            dtype=np.intp,
        )
        derived: dict[str, object] = {
            "n_predictors": _readonly(adj.sum(axis=0).astype(np.intp)),
            "_block_mask": _readonly(block_mask),
            "_block_flat": _readonly(np.flatnonzero(block_mask)),
            "_free_a": _readonly(free_a),
            "_fixed": _readonly(fixed),
            "_neighbours": _readonly(neighbours),
            "_successors": _readonly(adj.T.astype(np.float64)),
            "_isolated_flat": _readonly(isolated * (nc + 1)),
            "_preds": _Systems.build([np.flatnonzero(adj[:, j]) for j in endo], endo, nc, nc),
            "_modeb": _Systems.build([self.blocks[j] for j in modeb], modeb, p, nc),
            "_depth": _longest_chain(adj),
            "_free_flat": _readonly(np.flatnonzero(free_a)),
            "_fixed_flat": _readonly(np.flatnonzero(fixed)),
            "_block_col": _readonly(np.flatnonzero(block_mask) % nc),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    def _check(self, p: int, nc: int) -> None:
        if nc == 0:
            raise SpecError("A PLS model needs at least one construct.")
        if len(self.modes) != nc or len(self.names) != nc:
            raise SpecError(
                f"The model has {nc} blocks but {len(self.modes)} modes and "
                f"{len(self.names)} names; give one of each per construct."
            )
        if self.adjacency.shape != (nc, nc):
            raise SpecError(
                f"The adjacency matrix must be {nc} x {nc} (one row and column per construct), "
                f"got shape {self.adjacency.shape}."
            )
        for name, mode, block in zip(self.names, self.modes, self.blocks, strict=True):
            items = block.tolist()
            if mode not in MODES:
                raise SpecError(f"Construct '{name}' has mode {mode!r}; use 'A' or 'B'.")
            if not items:
                raise SpecError(f"Construct '{name}' has no indicators; give it at least one.")
            if min(items) < 0 or max(items) >= p:
                raise SpecError(
                    f"Construct '{name}' refers to indicator column {max(items)} but the "
                    f"model has only {p} indicators (columns 0 to {p - 1})."
                )
            if len(set(items)) != len(items):
                raise SpecError(f"Construct '{name}' lists an indicator twice.")
        successors = [np.flatnonzero(row).tolist() for row in self.adjacency]
        for i, targets in enumerate(successors):
            if i in targets:
                raise SpecError(f"Construct '{self.names[i]}' has a path to itself; remove it.")
        if not _is_acyclic(successors):
            raise SpecError(
                "The paths form a cycle; PLS path modeling needs a recursive (acyclic) "
                "structural model."
            )


def _longest_chain(adjacency: BoolArray) -> int:
    """Number of paths on the longest directed chain of an acyclic adjacency matrix.

    Longest distances in topological order (Kahn), linear in constructs and paths (powers of
    the adjacency matrix took 25 s for a chain of 300 constructs); a cycle, refused by the
    structure's checks, gives the number of constructs.
    """
    nc = adjacency.shape[0]
    indegree = adjacency.sum(axis=0).astype(int).tolist()
    successors = [np.flatnonzero(adjacency[i]).tolist() for i in range(nc)]
    longest = [0] * nc
    ready = [j for j in range(nc) if indegree[j] == 0]
    seen = 0
    while ready:
        i = ready.pop()
        seen += 1
        for j in successors[i]:
            longest[j] = max(longest[j], longest[i] + 1)
            indegree[j] -= 1
            if indegree[j] == 0:
                ready.append(j)
    return nc if seen < nc else max(longest, default=0)


def _is_acyclic(successors: list[list[int]]) -> bool:
    """Return True when the directed graph given by successor lists has no cycle (Kahn)."""
    indeg = [0] * len(successors)
    for targets in successors:
        for j in targets:
            indeg[j] += 1
    ready = [j for j, d in enumerate(indeg) if d == 0]
    seen = 0
    while ready:
        seen += 1
        for j in successors[ready.pop()]:
            indeg[j] -= 1
            if indeg[j] == 0:
                ready.append(j)
    return seen == len(successors)


def compile_structure(
    blocks: Sequence[npt.ArrayLike],
    modes: Sequence[str],
    adjacency: npt.ArrayLike,
    *,
    n_indicators: int | None = None,
    names: Sequence[str] | None = None,
) -> PLSStructure:
    """Compile a PLS path model into the index structure :func:`estimate` works with.

    Parameters
    ----------
    blocks
        For each construct, the column indices of its indicators in the correlation matrix.
        Blocks may share an indicator (repeated indicators) but not list one twice.
    modes
        ``"A"`` (reflective / correlation weights) or ``"B"`` (formative / regression weights)
        for each construct.
    adjacency
        ``(J, J)`` boolean matrix with ``adjacency[i, j]`` True for a path from construct ``i``
        to construct ``j``.  It must be acyclic.
    n_indicators
        Number of indicators :math:`p`; defaults to one more than the largest index used.
    names
        Construct names for error messages; default ``"construct 0"``, ``"construct 1"``, ...

    Returns
    -------
    PLSStructure
        Frozen; compile once per model and reuse it for every fit and resample.

    Raises
    ------
    SpecError
        An empty or out-of-range block, an unknown mode, a self-loop or a cycle.
    """
    arrays = tuple(_readonly(np.asarray(b, dtype=np.intp).reshape(-1)) for b in blocks)
    if n_indicators is None:
        n_indicators = max((int(b.max()) + 1 for b in arrays if b.size), default=0)
    label = (
        tuple(names) if names is not None else tuple(f"construct {j}" for j in range(len(arrays)))
    )
    return PLSStructure(
        n_indicators=int(n_indicators),
        blocks=arrays,
        modes=tuple(modes),  # type: ignore[arg-type]  # checked in __post_init__
        adjacency=_readonly(np.array(adjacency, dtype=bool)),
        names=label,
    )


@dataclass(frozen=True, eq=False)
class PLSEstimate:
    """Arrays of a PLS fit; each has a leading batch axis when :func:`estimate` was given one.

    Attributes
    ----------
    weights
        ``(..., p, J)`` outer weights :math:`W`, zero outside the blocks, scaled so that every
        construct score has unit variance (:math:`\\operatorname{diag}(W^\\top R W) = 1`).
    construct_corr
        ``(..., J, J)`` construct (score) correlations :math:`W^\\top R W`.
    loadings
        ``(..., p, J)`` correlations of every indicator with every construct score,
        :math:`R W` (cross-loadings; the entries inside the blocks are the loadings).
    paths
        ``(..., J, J)`` path coefficients, ``paths[i, j]`` for ``i -> j``, zero where there is
        no path.
    r2
        ``(..., J)`` R² of each endogenous construct; NaN for exogenous constructs.
    total_effects
        ``(..., J, J)`` total effects :math:`(I - B)^{-1} - I`, ``[i, j]`` of ``i`` on ``j``.
    iterations
        ``(...)`` number of outer-weight updates carried out.
    converged
        ``(...)`` True where the largest weight change of the last update was below ``tol``.
    failed
        ``(...)`` True where the element could not be estimated (only with
        ``on_error="nan"``); all its arrays are NaN and ``converged`` is False.
    structure
        The :class:`PLSStructure` that was estimated.
    """

    weights: FloatArray
    construct_corr: FloatArray
    loadings: FloatArray
    paths: FloatArray
    r2: FloatArray
    total_effects: FloatArray
    iterations: IntArray
    converged: BoolArray
    failed: BoolArray
    structure: PLSStructure = field(repr=False)

    def __repr__(self) -> str:
        batch = self.converged.shape
        return (
            f"PLSEstimate(batch={batch}, {self.structure.n_constructs} constructs, "
            f"converged {int(self.converged.sum())}/{self.converged.size}, "
            f"failed {int(self.failed.sum())}, "
            f"iterations max {int(self.iterations.max(initial=0))})"
        )

    def adjusted_r2(self, n_obs: int) -> FloatArray:
        """Return the adjusted R² of each construct for a sample of ``n_obs`` respondents.

        Notes
        -----
        :math:`R^2_{adj} = 1 - (1 - R^2)(n - 1)/(n - k - 1)` with :math:`k` predictors; NaN
        for exogenous constructs and where :math:`n - k - 1 \\le 0`.
        """
        k = self.structure.n_predictors
        dof = n_obs - k - 1
        with np.errstate(divide="ignore", invalid="ignore"):
            adj = 1.0 - (1.0 - self.r2) * (n_obs - 1) / dof
        return np.where(dof > 0, adj, np.nan)


# --------------------------------------------------------------------------------------------
# the algorithm


def _solve(a: FloatArray, b: FloatArray) -> FloatArray:
    """Solve stacked systems ``a x = b`` (``b`` a stack of vectors); pseudo-inverse if singular."""
    try:
        x = cast(FloatArray, np.linalg.solve(a, b[..., None])[..., 0])
    except np.linalg.LinAlgError:  # an exactly singular element; estimate() flags it
        x = np.einsum("...ij,...j->...i", np.linalg.pinv(a, hermitian=True), b)
    return x


def _spd_solve(a: FloatArray, b: FloatArray) -> tuple[FloatArray, BoolArray]:
    """Solve stacked symmetric positive definite systems ``a x = b`` by elimination.

    ``a`` is ``(k, k, *batch)`` and ``b`` ``(k, m, *batch)``: the stack is on the last axes.
    Gaussian elimination without pivoting (stable for positive definite matrices, as
    Cholesky; Golub & Van Loan 2013, §4.2), written as array operations over the whole stack
    rather than one LAPACK call per system: the systems are tiny (the predecessors of one
    construct), so the calls would cost more than the arithmetic.  Only elementwise operations
    on contiguous batch rows are used (no reductions), so every system goes through the same
    IEEE operations in the same order whatever else is in the stack.  Returns ``(x, ok)``,
    ``x`` of the shape of ``b``; ``ok`` (``batch``) is False where a pivot was not positive (a
    singular or indefinite matrix), and ``x`` is not to be used there.
    """
    k = a.shape[0]
    a = a.copy()
    x = b.copy()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for i in range(k - 1):  # forward: one rank-1 update of the trailing block per pivot
            f = a[i + 1 :, i] / a[i, i]
            a[i + 1 :, i + 1 :] -= f[:, None] * a[i, None, i + 1 :]
            x[i + 1 :] -= f[:, None] * x[i, None]
        for i in range(k - 1, -1, -1):  # back substitution, column by column
            x[i] /= a[i, i]
            if i:
                x[:i] -= a[:i, i, None] * x[i, None]
        # the pivots are on the diagonal; a NaN pivot is left to propagate, as LAPACK does
        ok: BoolArray = np.asarray(~(np.diagonal(a, axis1=0, axis2=1) <= 0.0).any(axis=-1))
    return x, ok


def _fix_unsolved(a: FloatArray, b: FloatArray, x: FloatArray, ok: BoolArray) -> FloatArray:
    """Replace the solutions ``x`` ``(k, *batch)`` of the systems ``a`` ``(k, k, *batch)``,
    ``b`` ``(k, *batch)`` that elimination could not solve (``~ok``) by LAPACK's (the
    pseudo-inverse's when exactly singular), one system at a time."""
    for idx in zip(*np.nonzero(~ok), strict=True):
        sel = (slice(None), slice(None), *idx)
        x[sel[1:]] = _solve(a[sel][None], b[sel[1:]][None])[0]
    return x


def _dot_first(u: FloatArray, v: FloatArray) -> FloatArray:
    """:math:`\\sum_i u_i v_i` over the first axis, term by term (elementwise operations only,
    so that the sum is rounded the same way whatever the other axes hold)."""
    out: FloatArray = u[0] * v[0]
    for i in range(1, u.shape[0]):
        out += u[i] * v[i]
    return out


def _gram(w: FloatArray, rw: FloatArray) -> FloatArray:
    """Return :math:`W^\\top (R W)` for stacked matrices."""
    c: FloatArray = np.matmul(np.swapaxes(w, -1, -2), rw)
    return c


def _inner_weights(c: FloatArray, s: PLSStructure, scheme: Scheme) -> FloatArray:
    """Inner weight matrix :math:`E` (``e[i, j]``: weight of construct ``i`` in proxy ``j``).

    ``e`` is a fresh C-contiguous array, so its flat reshapes are views that can be written to.
    """
    nb = c.shape[0]
    if scheme == "path":
        e = c * s._successors
        if s._preds.size:
            flat = c.reshape(nb, c.shape[1] * c.shape[2])
            a, b = s._preds.matrices_last(flat), s._preds.rhs_last(flat)
            x, ok = _spd_solve(a, b[:, None])
            beta = x[:, 0] if ok.all() else _fix_unsolved(a, b, x[:, 0], ok)
            s._preds.scatter_last(e.reshape(flat.shape), beta)
    elif scheme == "centroid":
        e = np.sign(c) * s._neighbours
    else:
        e = c * s._neighbours
    if s._isolated_flat.size:
        e.reshape(nb, e.shape[1] * e.shape[2])[:, s._isolated_flat] = 1.0
    return e


def _scaling(
    r: FloatArray, w: FloatArray, out: FloatArray | None = None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:math:`R W`, the construct correlations and the scale of unnormalized weights ``w``.

    Returns ``(RW, C, d)``: ``RW`` for ``w`` as given, ``d`` the factors that give every
    composite unit variance (:math:`d_j = (w_j^\\top R w_j)^{-1/2}`), and the correlations
    :math:`C = D W^\\top R W D` of the scaled composites.  The scaled weights are
    :math:`W D` and their covariances with the indicators :math:`R W D`; the iteration keeps
    ``d`` apart and multiplies it into the small matrices instead of ``W`` and ``R W``.
    ``out`` receives ``RW`` when given.
    """
    rw: FloatArray = np.matmul(r, w) if out is None else np.matmul(r, w, out=out)
    c = _gram(w, rw)
    var = np.diagonal(c, axis1=1, axis2=2)
    d = 1.0 / np.sqrt(np.where(var > 0.0, var, np.nan))
    c *= d[:, :, None]
    c *= d[:, None, :]
    return rw, c, d


def _mode_b_inverses(
    r: FloatArray, s: PLSStructure, reason: IntArray, detail: IntArray
) -> FloatArray | None:
    """Inverse correlation matrices of the multi-item Mode B blocks, identity-padded.

    Elements with a singular block are marked in ``reason`` and ``detail`` (in place).
    """
    if not s._modeb.size:
        return None
    lam, vec = np.linalg.eigh(s._modeb.matrices(r.reshape(r.shape[0], r.shape[1] * r.shape[2])))
    # eigenvalues ascend; the padding adds eigenvalues 1, which neither hide a small eigenvalue
    # nor exceed the largest one of a correlation block (at least 1)
    bad = lam[..., 0] <= RCOND * lam[..., -1]
    fresh = bad.any(axis=1) & (reason == _OK)
    reason[fresh] = _SINGULAR_BLOCK
    detail[fresh] = s._modeb.targets[bad[fresh].argmax(axis=1)]
    inv_lam = 1.0 / np.where(bad[..., None], np.inf, lam)
    inverse: FloatArray = np.matmul(vec * inv_lam[..., None, :], np.swapaxes(vec, -1, -2))
    return inverse


def _iterate(
    r: FloatArray,
    minv: FloatArray | None,
    s: PLSStructure,
    scheme: Scheme,
    tol: float,
    max_iter: int,
    reason: IntArray,
    detail: IntArray,
) -> tuple[FloatArray, FloatArray, IntArray, BoolArray]:
    """Run the iteration on the elements with ``reason == 0``; see :func:`estimate`.

    The working weights are kept unnormalized with their scale ``d`` apart (:func:`_scaling`);
    an element's normalized weights and loadings are copied to the output arrays as soon as it
    stops (converged, broken, or at ``max_iter``).  Stopped elements leave the working arrays
    once a quarter of them have stopped (until then they keep iterating, which changes nothing
    that was copied): removing them copies every working array, so it is done a few times, not
    at every iteration in which one element converges.
    """
    nb, flat = r.shape[0], s._block_mask.size
    w_out = np.broadcast_to(s._block_mask, (nb, *s._block_mask.shape)).copy()
    rw_out = np.zeros_like(w_out)
    iterations = np.zeros(nb, dtype=np.intp)
    converged = np.zeros(nb, dtype=bool)

    active = np.flatnonzero(reason == _OK)
    live = np.ones(active.size, dtype=bool)
    ra = r if active.size == nb else r[active]
    ma = minv if minv is None or active.size == nb else minv[active]
    w = w_out[active]
    rw, c, d = _scaling(ra, w)
    g = rw
    wc = w.reshape(active.size, flat).take(s._block_flat, axis=1) * d.take(s._block_col, axis=1)
    for it in range(1, max_iter + 1):
        if active.size == 0:
            break
        na = active.size
        e = _inner_weights(c, s, scheme)
        e *= d[:, :, None]
        # R W D E: covariances of the indicators with the inner proxies (buffers are reused:
        # fresh memory in every iteration costs page faults)
        g = np.matmul(rw, e, out=g if it > 1 and g.shape == rw.shape else None)
        # new weights in place: zero outside the blocks and 1 for single items stay as they are
        wf, gf = w.reshape(na, flat), g.reshape(na, flat)
        wf[:, s._free_flat] = gf[:, s._free_flat]
        if ma is not None:
            s._modeb.scatter(wf, np.einsum("bgkl,bgl->bgk", ma, s._modeb.rhs(gf)))
        rw, c, d = _scaling(ra, w, out=rw)
        wc_new = wf.take(s._block_flat, axis=1) * d.take(s._block_col, axis=1)
        delta = np.abs(wc_new - wc).max(axis=1)
        wc = wc_new
        done = delta < tol
        broken = ~np.isfinite(delta)
        stop = (done | broken | (it == max_iter)) & live
        if not stop.any():
            continue
        idx = active[stop]
        w_out[idx] = w[stop] * d[stop][:, None, :]
        rw_out[idx] = rw[stop] * d[stop][:, None, :]
        iterations[idx] = it
        converged[idx] = done[stop]
        fail = broken & stop
        if fail.any():
            reason[active[fail]] = _DEGENERATE
            detail[active[fail]] = (~np.isfinite(w_out[active[fail]]).all(axis=1)).argmax(axis=1)
        live &= ~stop
        if 4 * np.count_nonzero(live) <= 3 * na:
            keep = live
            active, w, rw, c, d, wc, ra = (
                active[keep],
                w[keep],
                rw[keep],
                c[keep],
                d[keep],
                wc[keep],
                ra[keep],
            )
            if ma is not None:
                ma = ma[keep]
            live = live[keep]
    return w_out, rw_out, iterations, converged


def _structural(
    c: FloatArray, s: PLSStructure, reason: IntArray, detail: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Path coefficients and R² from construct correlations ``c`` ``(B, J, J)``.

    Elements whose predictors have (numerically) collinear scores are marked in ``reason``:
    the smallest eigenvalue of the predictors' correlation matrix is at most :data:`RCOND`
    times the largest.  Eigenvalues are computed only where the inverse found by elimination
    does not already prove the matrix well conditioned
    (:math:`\\kappa_2 \\le \\|A\\|_\\infty \\|A^{-1}\\|_\\infty < 10^8`), which is all but
    the rarest resamples.
    """
    nb, nc = c.shape[0], s.n_constructs
    paths = np.zeros((nb, nc, nc))
    r2 = np.full((nb, nc), np.nan)
    if s._preds.size:
        flat = c.reshape(nb, nc * nc)
        a, b = s._preds.matrices_last(flat), s._preds.rhs_last(flat)  # (k, k, g, B), (k, g, B)
        k = a.shape[0]
        eye = np.broadcast_to(np.eye(k)[:, :, None, None], a.shape)
        x, ok = _spd_solve(a, np.concatenate([b[:, None], eye], axis=1))
        with np.errstate(invalid="ignore", over="ignore"):
            norm = np.abs(a).sum(axis=1).max(axis=0)
            cond = norm * np.abs(x[:, 1:]).sum(axis=1).max(axis=0)
        unsure = (~(ok & (cond < _WELL_CONDITIONED))).T  # (B, g)
        bad = np.zeros(unsure.shape, dtype=bool)
        if unsure.any():
            doubt = np.moveaxis(a, (0, 1), (-2, -1)).swapaxes(0, 1)[unsure]
            lam = np.linalg.eigvalsh(np.where(np.isfinite(doubt), doubt, 0.0))
            bad[unsure] = lam[..., 0] <= RCOND * lam[..., -1]
        fresh = bad.any(axis=1) & (reason == _OK)
        reason[fresh] = _COLLINEAR
        detail[fresh] = s._preds.targets[bad[fresh].argmax(axis=1)]
        beta = x[:, 0] if ok.all() else _fix_unsolved(a, b, x[:, 0], ok)
        s._preds.scatter_last(paths.reshape(nb, nc * nc), beta)
        r2[:, s._preds.targets] = _dot_first(beta, b).T
    return paths, r2


#: Longest chain up to which total effects are summed as a series of path-matrix powers.
_SERIES_DEPTH = 8


def _total_effects(paths: FloatArray, depth: int) -> FloatArray:
    """:math:`(I - B)^{-1} - I = B + B^2 + \\dots + B^{d}` for a path matrix whose longest
    chain has ``d`` paths (:math:`B^{d+1} = 0`): the sum over all chains of the products of
    their paths."""
    if depth > _SERIES_DEPTH and np.isfinite(paths).all():
        # one solve instead of depth - 1 products (a chain of 300 constructs took 10 s)
        eye = np.eye(paths.shape[-1])
        inverse = np.linalg.solve(eye - paths, np.broadcast_to(eye, paths.shape))
        return np.asarray(inverse - eye, dtype=np.float64)
    total = paths.copy()
    power = paths
    for _ in range(depth - 1):
        power = np.matmul(power, paths)
        total += power
    return total


def _failure_message(code: int, j: int, element: int | None, s: PLSStructure) -> str:
    where = "" if element is None else f" (element {element} of the batch)"
    name = s.names[j]
    if code == _NONFINITE:
        return (
            f"The correlation matrix{where} contains missing or infinite values, as happens "
            "when an indicator is constant; check the data or drop that indicator."
        )
    if code == _SINGULAR_BLOCK:
        return (
            f"The indicators of the formative (Mode B) construct '{name}' are perfectly "
            f"collinear{where}, so their regression weights are not identified; drop a "
            f"redundant indicator or estimate '{name}' in Mode A."
        )
    if code == _COLLINEAR:
        preds = ", ".join(f"'{s.names[i]}'" for i in np.flatnonzero(s.adjacency[:, j]))
        return (
            f"The predictors of construct '{name}' ({preds}) have perfectly collinear scores"
            f"{where}, so its path coefficients are not identified; merge or drop one of them."
        )
    return (
        f"The composite of construct '{name}' lost all its variance during the iteration"
        f"{where} (its indicators are uncorrelated with its inner proxy); check the block and "
        "its paths."
    )


def estimate(
    R: npt.ArrayLike,
    structure: PLSStructure,
    *,
    scheme: Scheme = "path",
    tol: float = 1e-7,
    max_iter: int = 300,
    on_error: OnError = "raise",
) -> PLSEstimate:
    """Estimate a PLS path model from an indicator correlation matrix (or a batch of them).

    Parameters
    ----------
    R
        ``(p, p)`` correlation matrix of the indicators, or ``(B, p, p)`` for a batch.
    structure
        The compiled model (:func:`compile_structure`).
    scheme
        Inner weighting scheme: ``"path"`` (Lohmöller's path weighting, default),
        ``"centroid"`` or ``"factorial"``.
    tol
        Stop when the largest absolute change of an outer weight is below ``tol``.
    max_iter
        Largest number of outer-weight updates.  Not converging is reported in
        :attr:`PLSEstimate.converged`, not raised.
    on_error
        ``"raise"`` (default): raise :class:`~sem_csat.errors.EstimationError` when an element
        cannot be estimated.  ``"nan"``: mark it in :attr:`PLSEstimate.failed` and fill its
        arrays with NaN (for resampling).

    Returns
    -------
    PLSEstimate
        Arrays with the same leading batch axis as ``R`` (none for a single matrix).

    Raises
    ------
    EstimationError
        With ``on_error="raise"``: ``R`` has non-finite entries, the correlation matrix of a
        multi-item Mode B block is singular, or the predictors of an endogenous construct have
        collinear scores.  Also for invalid settings.
    DataError
        ``R`` does not have shape ``(p, p)`` or ``(B, p, p)``.

    Notes
    -----
    The indicators are standardized, so with outer weights :math:`W` (``p × J``, zero outside the
    blocks) the construct correlations are :math:`C = W^\\top R W` and the indicator–construct
    covariances are :math:`R W` (Lohmöller 1989, ch. 2).  Starting from unit weights (as
    SmartPLS), each iteration

    1. scales every column of :math:`W` so that :math:`\\operatorname{diag}(W^\\top R W) = 1`;
    2. forms the inner weights :math:`E` from :math:`C`:

       * path weighting (Lohmöller): :math:`e_{ij}` is the coefficient of :math:`i` in the OLS
         regression of :math:`j` on all its predecessors, :math:`C_{PP}^{-1} C_{Pj}`, when
         :math:`i \\to j`, and :math:`c_{ij}` when :math:`j \\to i`;
       * centroid (Wold 1982): :math:`e_{ij} = \\operatorname{sign}(c_{ij})` for adjacent
         :math:`i, j`;
       * factorial: :math:`e_{ij} = c_{ij}` for adjacent :math:`i, j`;

       a construct without any path has itself as inner proxy (:math:`e_{jj} = 1`), which
       makes a Mode A block converge to its first principal component and leaves a Mode B
       block at equal weights;
    3. computes the covariances of the indicators with the inner proxies
       :math:`Z = Y E`, :math:`G = R W E`, and the new weights of block :math:`j` (indicators
       :math:`K_j`): Mode A :math:`w_j = G_{K_j j}`, Mode B
       :math:`w_j = R_{K_j K_j}^{-1} G_{K_j j}`; single-item blocks keep weight 1;
    4. stops when :math:`\\max |W^{(t)} - W^{(t-1)}| < \\text{tol}` (after normalization).

    No sign is flipped.  Then, with :math:`C` from the final weights, the path coefficients of
    endogenous :math:`j` with predecessors :math:`P` are :math:`\\beta = C_{PP}^{-1} C_{Pj}`,
    :math:`R^2_j = C_{jP} \\beta`, the loadings and cross-loadings are :math:`R W`, and the total
    effects are :math:`\\sum_{k \\ge 1} B^k = (I - B)^{-1} - I` (the path matrix :math:`B` is
    nilpotent because the model is recursive).

    A batch ``(B, p, p)`` runs through the same vectorized iteration; an element leaves the
    working set when it converges, so it gets the same numbers as when fitted alone.  ``R`` is
    taken to be symmetric with a unit diagonal (not checked).  A matrix counts as singular when
    its smallest eigenvalue is at most :data:`RCOND` times its largest.

    On the ECSI mobile data this reproduces SmartPLS 2.0.M3 (all three schemes) to within 2e-8,
    and ADANCO 2.2.1 on the bank data with Mode B blocks to within 4e-8
    (``tests/test_pls_engine_parity.py``).

    References
    ----------
    .. [1] Lohmöller, J.-B. (1989). *Latent Variable Path Modeling with Partial Least Squares*.
       Heidelberg: Physica.
    .. [2] Wold, H. (1982). Soft modeling: the basic design and some extensions. In K. G.
       Jöreskog & H. Wold (eds.), *Systems under Indirect Observation*, part II, 1–54.
       Amsterdam: North-Holland.
    .. [3] Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M., & Lauro, C. (2005). PLS path
       modeling. *Computational Statistics & Data Analysis*, 48, 159–205.
    """
    s = structure
    if scheme not in SCHEMES:
        raise EstimationError(
            f"scheme must be one of {', '.join(map(repr, SCHEMES))}; got {scheme!r}."
        )
    if on_error not in _ON_ERROR:
        raise EstimationError(f"on_error must be 'raise' or 'nan'; got {on_error!r}.")
    if not (isinstance(max_iter, int | np.integer) and max_iter >= 1):
        raise EstimationError(f"max_iter must be a positive integer; got {max_iter!r}.")
    if not (np.isfinite(tol) and tol > 0):
        raise EstimationError(f"tol must be a positive number; got {tol!r}.")
    r = np.asarray(R, dtype=np.float64)
    p = s.n_indicators
    if r.ndim not in (2, 3) or r.shape[-2:] != (p, p):
        raise DataError(
            f"R must have shape ({p}, {p}) or (B, {p}, {p}) for this model with {p} indicators; "
            f"got {r.shape}."
        )
    batched = r.ndim == 3
    rb = r if batched else r[None]
    nb = rb.shape[0]

    reason = np.zeros(nb, dtype=np.intp)
    detail = np.zeros(nb, dtype=np.intp)
    finite = cast(BoolArray, np.isfinite(rb).all(axis=(1, 2)))
    if not finite.all():
        reason[~finite] = _NONFINITE
        rb = np.where(finite[:, None, None], rb, np.eye(p))
    minv = _mode_b_inverses(rb, s, reason, detail)
    w, rw, iterations, converged = _iterate(
        rb, minv, s, scheme, float(tol), int(max_iter), reason, detail
    )

    c = _gram(w, rw)
    c = 0.5 * (c + np.swapaxes(c, -1, -2))
    paths, r2 = _structural(c, s, reason, detail)
    failed = reason != _OK
    if failed.any():
        first = int(np.flatnonzero(failed)[0])
        if on_error == "raise":
            message = _failure_message(
                int(reason[first]), int(detail[first]), first if batched else None, s
            )
            raise EstimationError(message)
        for arr in (w, c, rw, paths, r2):
            arr[failed] = np.nan
        converged[failed] = False
    total = _total_effects(paths, s._depth)

    def out(a: _A) -> _A:
        view = a if batched else cast(_A, a[0, ...])
        view.setflags(write=False)
        return view

    return PLSEstimate(
        weights=out(w),
        construct_corr=out(c),
        loadings=out(rw),
        paths=out(paths),
        r2=out(r2),
        total_effects=out(total),
        iterations=out(iterations),
        converged=out(converged),
        failed=out(failed),
        structure=s,
    )
