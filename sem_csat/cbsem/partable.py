"""Step 1 of the CB-SEM pipeline: one parameter table, built from the validated spec.

Every quantity of a covariance-based model lives in one long table, as in lavaan
(``lavaanify()`` / ``parTable()``): one row per parameter, free or fixed, with lavaan's columns
and meanings.  Everything later in the pipeline (matrices, starting values, estimation,
standard errors, standardized values, the result's ``params``) is derived from it.  The table
is built directly from the :class:`~sem_csat.spec.model.ModelSpec`; no model text is written
and nothing from the spec is ever evaluated.

Columns
-------
``id``
    Row number, 1-based.
``lhs, op, rhs``
    The parameter in lavaan's notation: ``F =~ x`` (loading), ``y ~ x`` (regression),
    ``a ~~ b`` ((co)variance), ``x ~1`` (intercept), ``x | t1`` (threshold), ``x ~*~ x``
    (scaling factor), ``name := expr`` (defined parameter), ``lhs == rhs`` (equality).
``user``
    1 when the spec states the row, 0 when it is one of lavaan's defaults, 2 for an equality
    the table generates from shared labels.
``block, group``
    Block and group (1-based).  One block per group as long as models have one level.
``free``
    0 for a fixed row, else the position (1-based) of the row in the vector ``x`` of free
    parameters; every free row has its own position, and equalities tie positions through
    ``==`` rows (lavaan's ``ceq`` handling, see :meth:`ParTable.equality_constraints`).
``ustart``
    The fixed value (or a value the spec gives), NaN otherwise.
``exo``
    1 for the moments of exogenous observed variables (fixed.x); always 0 for now.
``label, plabel``
    The spec's label (``""`` when none) and lavaan's internal ``.p<id>.``.
``start, est, se``
    Filled by later steps (NaN in a freshly built table).
``mat, row, col``
    Where the row sits in the LISREL matrices of its block (``lambda``, ``beta``, ``psi``,
    ``theta``, ``nu``, ``alpha``; ``""`` and -1 for rows outside the matrices).

Defaults (lavaan's ``sem()``/``cfa()``)
---------------------------------------
* the first loading of every factor is fixed at 1 (``auto.fix.first``), unless ``std_lv``,
  which instead fixes every latent (residual) variance at 1 and frees all loadings; a value
  the spec gives for a loading wins, and a label alone keeps the marker fixed at 1;
* a residual variance for every observed and every latent variable (``auto.var``);
* covariances among exogenous latent variables (``auto.cov.lv.x``) and among the disturbances
  of the final dependent latent variables, those that predict nothing (``auto.cov.y``);
* a construct with a single indicator gets the loading 1 and the indicator's residual
  variance fixed at 0 (``auto.fix.single``), or at ``(1 - reliability) * variance`` when the
  construct declares a reliability (the variance of that item in that group);
* covariances are written in variable order (``F1 ~~ F2`` for ``F2 ~~ F1``), as lavaan does;
* parameters that share a label are equal; when one of them is fixed, all are fixed at its
  value.

References
----------
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
Statistical Software*, 48(2), 1-36.  (lavaan 0.6-14, ``R/lav_partable_flat.R``,
``R/lav_partable.R``.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import combinations
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sem_csat.errors import DataError, SpecError
from sem_csat.spec.features import refuse_unsupported
from sem_csat.spec.model import ModelSpec

__all__ = [
    "COLUMNS",
    "MATRICES",
    "OPERATORS",
    "SPEC_FEATURES",
    "ParTable",
    "build_partable",
    "check_supported",
    "position",
]

#: Operators a table row can have.
OPERATORS: Final = ("=~", "~", "~~", "~1", "|", "~*~", ":=", "==")
#: Columns of the table, in order.
COLUMNS: Final = (
    "id",
    "lhs",
    "op",
    "rhs",
    "user",
    "block",
    "group",
    "free",
    "ustart",
    "exo",
    "label",
    "plabel",
    "start",
    "est",
    "se",
    "mat",
    "row",
    "col",
)
#: The LISREL matrices of a block: observed × latent loadings, latent regressions, latent
#: (residual) covariances, observed residual covariances, observed and latent intercepts,
#: thresholds of ordinal items.
MATRICES: Final = ("lambda", "beta", "psi", "theta", "nu", "alpha", "tau")

FloatArray = NDArray[np.float64]


@dataclass
class _Row:
    lhs: str
    op: str
    rhs: str
    user: int
    free: bool = True
    ustart: float = math.nan
    label: str = ""
    fixed_by_spec: bool = False  # a value the spec gives (wins over the defaults)


@dataclass(frozen=True, eq=False)
class ParTable:
    """The parameter table of one model (immutable; see the module docstring for columns).

    Attributes
    ----------
    rows
        The table, columns :data:`COLUMNS`; use :meth:`frame` for a copy.
    ov_names, lv_names
        Observed and latent variables of each block, in matrix order.
    group_labels
        The label of each group (``("",)`` for one group).
    std_lv
        Whether the factors are scaled by fixing their variances at 1 (else marker loadings).
    meanstructure
        Whether the table has intercepts and means (``~1`` rows): then the model implies the
        means as well as the covariances.
    """

    rows: pd.DataFrame = field(repr=False)
    ov_names: tuple[tuple[str, ...], ...]
    lv_names: tuple[tuple[str, ...], ...]
    group_labels: tuple[str, ...] = ("",)
    std_lv: bool = False
    meanstructure: bool = False

    def frame(self) -> pd.DataFrame:
        """A copy of the table."""
        return self.rows.copy()

    # fast column access (the frame's string columns are slow to filter row by row)
    @cached_property
    def lhs(self) -> tuple[str, ...]:
        return tuple(map(str, self.rows["lhs"].tolist()))

    @cached_property
    def op(self) -> tuple[str, ...]:
        return tuple(map(str, self.rows["op"].tolist()))

    @cached_property
    def rhs(self) -> tuple[str, ...]:
        return tuple(map(str, self.rows["rhs"].tolist()))

    @cached_property
    def label(self) -> tuple[str, ...]:
        return tuple(map(str, self.rows["label"].tolist()))

    @cached_property
    def mat(self) -> tuple[str, ...]:
        return tuple(map(str, self.rows["mat"].tolist()))

    @cached_property
    def block(self) -> NDArray[np.int64]:
        return self.rows["block"].to_numpy(dtype=np.int64)

    @cached_property
    def user(self) -> NDArray[np.int64]:
        return self.rows["user"].to_numpy(dtype=np.int64)

    @cached_property
    def ustart(self) -> FloatArray:
        return self.rows["ustart"].to_numpy(dtype=np.float64)

    @cached_property
    def index(self) -> NDArray[np.int64]:
        """``row`` and ``col`` (matrix position) as an (n, 2) array."""
        return self.rows[["row", "col"]].to_numpy(dtype=np.int64)

    def find(self, lhs: str, op: str, rhs: str, block: int = 1) -> int | None:
        """Position of the row ``lhs op rhs`` of a block, or ``None``."""
        return self._where.get((block, lhs, op, rhs))

    @cached_property
    def _where(self) -> dict[tuple[int, str, str, str], int]:
        return {
            (int(b), lhs, op, rhs): i
            for i, (b, lhs, op, rhs) in enumerate(
                zip(self.block, self.lhs, self.op, self.rhs, strict=True)
            )
        }

    @property
    def n_blocks(self) -> int:
        """Number of blocks (= groups)."""
        return len(self.ov_names)

    @cached_property
    def free(self) -> NDArray[np.int64]:
        """The ``free`` column as an integer array."""
        return self.rows["free"].to_numpy(dtype=np.int64)

    @cached_property
    def n_free(self) -> int:
        """Length of ``x``: the number of free rows (lavaan's ``nx.free``)."""
        return int(self.free.max(initial=0))

    @cached_property
    def equality_constraints(self) -> tuple[FloatArray, FloatArray]:
        """Linear equality constraints ``A x = b`` on the free parameters, from the ``==`` rows.

        A generated ``.pA. == .pB.`` row (a shared label) says that the free parameters of rows
        A and B are equal (lavaan's ``ceq``); a row the spec states (``a == 2*b``) is read as
        a linear equation in the labels (:func:`sem_csat.cbsem.constraints.linear_system`).
        ``A`` has one row per constraint.
        """
        from sem_csat.cbsem.constraints import linear_system

        return linear_system(self)

    @cached_property
    def npar(self) -> int:
        """Free parameters net of the equality constraints (lavaan's ``npar`` in fitMeasures)."""
        a, _ = self.equality_constraints
        rank = int(np.linalg.matrix_rank(a)) if a.size else 0
        return self.n_free - rank

    def with_columns(self, **columns: Sequence[float] | FloatArray) -> ParTable:
        """A new table with some of ``start``, ``est``, ``se`` replaced (one value per row)."""
        new = self.rows.copy()
        for name, values in columns.items():
            if name not in ("start", "est", "se"):
                raise ValueError(f"only start, est and se can be replaced, not {name!r}")
            new[name] = np.asarray(values, dtype=np.float64)
        out = ParTable(
            new, self.ov_names, self.lv_names, self.group_labels, self.std_lv, self.meanstructure
        )
        for cached in ("lhs", "op", "rhs", "label", "mat", "block", "user", "ustart", "index",
                       "free", "n_free", "equality_constraints", "npar"):  # fmt: skip
            if cached in self.__dict__:
                out.__dict__[cached] = self.__dict__[cached]
        return out

    def __repr__(self) -> str:
        return (
            f"<ParTable: {len(self.rows)} rows, {self.n_free} free, npar {self.npar}, "
            f"{self.n_blocks} block(s)>"
        )


# --------------------------------------------------------------------------------- building
def check_supported(spec: ModelSpec) -> None:
    """Refuse, with one sentence, what CB-SEM cannot estimate (before the data are read).

    Raises
    ------
    SpecError
        For a formative construct or a reliability on a multi-indicator construct.
    """
    _refuse_unsupported(spec)


#: Optional spec features (:data:`sem_csat.spec.features.FEATURES`) the table builds; the
#: others (interaction terms) are refused with one sentence.
SPEC_FEATURES: Final = frozenset(
    {
        "fixed_values",
        "equality_labels",
        "higher_order",
        "defined",
        "constraints",
        "meanstructure",
    }
)
_SPEC_HINTS: Final = {
    "interactions": (
        "remove the interaction term (latent interactions need other estimators), or compare "
        "groups instead"
    ),
}


def _refuse_extensions(spec: ModelSpec) -> None:
    """Spec features the table does not build (interaction terms)."""
    refuse_unsupported(spec, "CB-SEM", SPEC_FEATURES, _SPEC_HINTS)


def _refuse_unsupported(spec: ModelSpec) -> None:
    _refuse_extensions(spec)
    for c in spec.constructs:
        if c.mode == "formative":
            raise SpecError(
                f"Construct '{c.name}' is formative (a composite of its items), which "
                "covariance-based SEM cannot estimate as a common factor; fit this model with "
                f"PLS (method=\"pls\"), or declare '{c.name}' reflective if its items are "
                "interchangeable measures of one underlying factor."
            )
        if c.reliability is not None and len(c.indicators) > 1:
            raise SpecError(
                f"Construct '{c.name}' declares a reliability but has {len(c.indicators)} "
                "indicators; CB-SEM uses a declared reliability only to fix the error variance "
                "of a single-indicator construct, so remove 'reliability' from it."
            )
    from sem_csat.cbsem.constraints import check_linear

    check_linear(spec)


def _user_rows(spec: ModelSpec, order: Mapping[str, int]) -> list[_Row]:
    """The rows the spec states, in spec order (lavaan's USER part): loadings (on items or,
    for a higher-order construct, on its dimensions), paths, covariances, intercepts."""
    rows: list[_Row] = []
    for c in spec.constructs:
        for ind in (*c.indicators, *c.dimensions):
            rows.append(_spec_row(c.name, "=~", ind.name, ind.label, ind.fixed))
    for p in spec.paths:
        rows.append(_spec_row(p.target, "~", p.source, p.label, p.fixed))
    seen: dict[frozenset[str], str] = {}
    for cov in spec.covariances:
        pair = frozenset((cov.left, cov.right))
        if pair in seen:
            raise SpecError(
                f"The covariance {cov.left} ~~ {cov.right} is declared twice (in either "
                "order); keep one of them."
            )
        seen[pair] = f"{cov.left} ~~ {cov.right}"
        left, right = sorted((cov.left, cov.right), key=order.__getitem__)
        rows.append(_spec_row(left, "~~", right, cov.label, cov.fixed))
    declared: set[str] = set()
    for i in spec.intercepts:
        if i.variable in declared:
            raise SpecError(
                f"The intercept of '{i.variable}' ({i.variable} ~ 1) is declared twice; keep "
                "one of them."
            )
        declared.add(i.variable)
        rows.append(_spec_row(i.variable, "~1", "", i.label, i.fixed))
    return rows


def _spec_row(lhs: str, op: str, rhs: str, label: str | None, fixed: float | None) -> _Row:
    row = _Row(lhs, op, rhs, user=1, label=label or "")
    if fixed is not None:
        row.free, row.ustart, row.fixed_by_spec = False, float(fixed), True
    return row


def _default_rows(spec: ModelSpec, user: list[_Row], ov: Sequence[str]) -> list[_Row]:
    """lavaan's DEFAULT part: variances, exogenous and final-outcome covariances."""
    lv = spec.construct_names
    # indicators of a factor: items and the dimensions of higher-order constructs
    indicators = set(ov) | set(spec.lower_order)
    targets = {p.target for p in spec.paths}
    sources = {p.source for p in spec.paths}
    lv_x = [f for f in lv if f not in targets and f not in indicators]
    lv_y = [f for f in lv if f in targets and f not in sources and f not in indicators]
    pairs = [(v, v) for v in (*ov, *lv)]
    pairs += list(combinations(lv_x, 2)) + list(combinations(lv_y, 2))
    taken = {(r.lhs, r.rhs) for r in user if r.op == "~~"}
    return [_Row(a, "~~", b, user=0) for a, b in pairs if (a, b) not in taken]


def _intercept_rows(rows: list[_Row], ov: Sequence[str], lv: Sequence[str]) -> list[_Row]:
    """lavaan's default rows of a mean structure (``meanstructure = TRUE``): a free intercept
    for every observed variable (``int.ov.free``) and latent means fixed at 0
    (``int.lv.free = FALSE``), after the other rows; intercepts the spec states are kept."""
    taken = {r.lhs for r in rows if r.op == "~1"}
    out = [_Row(v, "~1", "", user=0) for v in ov if v not in taken]
    out += [_Row(f, "~1", "", user=0, free=False, ustart=0.0) for f in lv if f not in taken]
    return out


def _ordinal_rows(
    rows: list[_Row], ov: Sequence[str], lv: Sequence[str], thresholds: Mapping[str, int]
) -> list[_Row]:
    """lavaan's rows for ordinal items (delta parameterization), in lavaan's order: the
    thresholds after the spec's rows, the defaults, then a scaling factor fixed at 1 for
    every ordinal item and the mean structure with the intercepts of ordinal items and the
    latent means fixed at 0.  The residual variances of ordinal items are fixed (at 1, their
    value follows from the unit variance of the latent response)."""
    n_user = sum(r.user == 1 for r in rows)
    th = [_Row(v, "|", f"t{k}", user=0) for v in ov if v in thresholds
          for k in range(1, thresholds[v] + 1)]  # fmt: skip
    for r in rows:
        if r.op == "~~" and r.lhs == r.rhs and r.lhs in thresholds and not r.fixed_by_spec:
            r.free, r.ustart = False, 1.0
    scaling = [_Row(v, "~*~", v, user=0, free=False, ustart=1.0) for v in ov if v in thresholds]
    means = [_Row(v, "~1", "", user=0, free=v not in thresholds,
                  ustart=0.0 if v in thresholds else math.nan) for v in ov]  # fmt: skip
    means += [_Row(f, "~1", "", user=0, free=False, ustart=0.0) for f in lv]
    return rows[:n_user] + th + rows[n_user:] + scaling + means


def _apply_defaults(
    spec: ModelSpec, rows: list[_Row], std_lv: bool, variances: Mapping[str, float] | None
) -> None:
    """Markers or unit variances, and the fixed residuals of single indicators."""
    lv = set(spec.construct_names)
    if std_lv:
        for r in rows:
            if r.op == "~~" and r.lhs == r.rhs and r.lhs in lv and not r.fixed_by_spec:
                r.free, r.ustart = False, 1.0
    else:
        first: set[str] = set()
        for r in rows:
            if r.op == "=~" and r.lhs not in first:
                first.add(r.lhs)
                if not r.fixed_by_spec:
                    r.free, r.ustart = False, 1.0
    for c in spec.constructs:
        if len(c.indicators) != 1:
            continue
        item = c.indicators[0].name
        for r in rows:
            if r.op == "~~" and r.lhs == item and r.rhs == item and r.user == 0:
                r.free = False
                r.ustart = _fixed_residual(c.name, item, c.reliability, variances)


def _fixed_residual(
    construct: str, item: str, reliability: float | None, variances: Mapping[str, float] | None
) -> float:
    if reliability is None or reliability >= 1.0:
        return 0.0
    value = None if variances is None else variances.get(item)
    if value is None or not math.isfinite(value) or value <= 0:
        raise DataError(
            f"Construct '{construct}' declares reliability {reliability}, so the residual "
            f"variance of its item '{item}' is fixed at (1 - reliability) x its variance, but "
            f"that variance is {value!r}; '{item}' needs a positive, finite variance in the data."
        )
    return (1.0 - reliability) * float(value)


def _equal_labels(rows: list[_Row]) -> list[tuple[int, int]]:
    """Apply shared labels: fix a whole label group when one member is fixed; return the
    pairs (first, other) of free rows that must be equal."""
    groups: dict[str, list[int]] = {}
    for k, r in enumerate(rows):
        if r.label:
            groups.setdefault(r.label, []).append(k)
    pairs: list[tuple[int, int]] = []
    for label, members in groups.items():
        if len(members) < 2:
            continue
        values = sorted({rows[k].ustart for k in members if not rows[k].free})
        if len(values) > 1:
            where = ", ".join(
                f"{rows[k].lhs} {rows[k].op} {rows[k].rhs}" for k in members if not rows[k].free
            )
            raise SpecError(
                f"The label '{label}' ties parameters fixed at different values ({where}); an "
                "equality label can hold one value only, so give them different labels or the "
                "same fixed value."
            )
        if values:
            for k in members:
                rows[k].free, rows[k].ustart = False, values[0]
        else:
            pairs += [(members[0], k) for k in members[1:]]
    return pairs


def position(
    lhs: str, op: str, rhs: str, ov: Mapping[str, int], lv: Mapping[str, int]
) -> tuple[str, int, int]:
    """Matrix and indices of a row (lavaan's LISREL representation): ``("", -1, -1)`` for
    rows outside the matrices.

    ``ov`` and ``lv`` map the observed and latent variables of the block to their positions.
    """
    if op == "=~":
        if rhs in lv:  # a latent indicator (second-order): beta[lower, higher]
            return "beta", lv[rhs], lv[lhs]
        return "lambda", ov[rhs], lv[lhs]
    if op == "~":
        return "beta", lv[lhs], lv[rhs]
    if op == "~~":
        if lhs in lv:
            return "psi", lv[lhs], lv[rhs]
        return "theta", ov[lhs], ov[rhs]
    if op == "~1":
        return ("alpha", lv[lhs], 0) if lhs in lv else ("nu", ov[lhs], 0)
    return "", -1, -1


def _bare(text: str) -> str:
    """An expression as lavaan writes it in its table: the model text without blanks."""
    return "".join(text.split())


def _nonparameter(
    k: int, lhs: str, op: str, rhs: str, *, user: int, label: str = ""
) -> dict[str, object]:
    """A row outside the matrices: an equality constraint or a defined parameter."""
    return {
        "id": k + 1,
        "lhs": lhs,
        "op": op,
        "rhs": rhs,
        "user": user,
        "block": 0,
        "group": 0,
        "free": 0,
        "ustart": math.nan,
        "exo": 0,
        "label": label,
        "mat": "",
        "row": -1,
        "col": -1,
    }


def build_partable(
    spec: ModelSpec,
    *,
    std_lv: bool = False,
    group_labels: Sequence[str] = ("",),
    item_variances: Sequence[Mapping[str, float]] | None = None,
    meanstructure: bool | None = None,
    thresholds: Mapping[str, int] | None = None,
    group_equal: Sequence[str] = (),
    group_partial: Sequence[str] = (),
) -> ParTable:
    """Build the parameter table of a spec with lavaan's defaults.

    Parameters
    ----------
    spec
        A validated spec; every construct must be reflective.
    std_lv
        Scale the factors by fixing every latent (residual) variance at 1 and freeing all
        loadings (lavaan's ``std.lv = TRUE``) instead of fixing the first loading at 1.
    group_labels
        One label per group; the model is repeated for every group (one block each), and a
        label shared across groups makes the parameter equal across them, as in lavaan.
    item_variances
        Per group, the sample variance of each item; needed only when a single-indicator
        construct declares a reliability below 1.
    meanstructure
        Add intercepts and means (lavaan's ``meanstructure = TRUE``): every item gets a free
        intercept unless the spec states it, every construct a mean fixed at 0 unless the
        spec states it.  ``None`` (default) follows the spec (``ModelSpec.meanstructure``:
        true when it declares intercepts or asks for a mean structure).
    thresholds
        Ordinal items and their number of thresholds (categories − 1): adds the threshold,
        scaling-factor and mean-structure rows of lavaan's delta parameterization.
    group_equal, group_partial
        With several groups: the kinds of parameters held equal across the groups (lavaan's
        ``group.equal``, :data:`GROUP_EQUAL`) and the parameters exempted from them (lavaan's
        ``group.partial``, e.g. ``"x3 ~1"``); see :func:`sem_csat.cbsem.groups_table.equate`.

    Returns
    -------
    ParTable

    Raises
    ------
    SpecError
        For formative constructs, interaction terms, a reliability on a multi-indicator
        construct, a covariance or intercept given twice, a label that ties parameters fixed at
        different values, or a constraint that is not linear in the labels.
    DataError
        When a reliability needs an item variance that is missing or not positive.

    Examples
    --------
    >>> from sem_csat.spec import ModelSpec
    >>> spec = ModelSpec.from_lavaan("F =~ x1 + x2 + x3\\nG =~ y1\\nG ~ F", name="Mini")
    >>> pt = build_partable(spec)
    >>> pt.frame()[["lhs", "op", "rhs", "user", "free", "ustart"]].head(9)
      lhs  op rhs  user  free  ustart
    0   F  =~  x1     1     0     1.0
    1   F  =~  x2     1     1     NaN
    2   F  =~  x3     1     2     NaN
    3   G  =~  y1     1     0     1.0
    4   G   ~   F     1     3     NaN
    5  x1  ~~  x1     0     4     NaN
    6  x2  ~~  x2     0     5     NaN
    7  x3  ~~  x3     0     6     NaN
    8  y1  ~~  y1     0     0     0.0
    >>> pt.n_free, pt.npar
    (8, 8)
    """
    _refuse_unsupported(spec)
    means = spec.meanstructure if meanstructure is None else bool(meanstructure)
    if spec.intercepts and not means:
        raise SpecError(
            f"The spec declares intercepts ({spec.intercepts[0].variable} ~ 1) but the fit was "
            "asked for no mean structure; remove the intercepts or fit with a mean structure."
        )
    labels = tuple(group_labels)
    if not labels:
        raise ValueError("group_labels needs at least one group")
    if item_variances is not None and len(item_variances) != len(labels):
        raise ValueError("item_variances needs one mapping per group")
    ov = spec.indicator_names
    lv = spec.construct_names
    order = {name: k for k, name in enumerate((*ov, *lv))}
    ov_index = {n: k for k, n in enumerate(ov)}
    lv_index = {n: k for k, n in enumerate(lv)}

    grouped: list[tuple[int, _Row]] = []
    for g in range(len(labels)):
        user = _user_rows(spec, order)
        rows = user + _default_rows(spec, user, ov)
        _apply_defaults(spec, rows, std_lv, None if item_variances is None else item_variances[g])
        if thresholds:
            rows = _ordinal_rows(rows, ov, lv, thresholds)
        elif means:
            rows += _intercept_rows(rows, ov, lv)
        grouped += [(g + 1, r) for r in rows]
    if len(labels) > 1:
        from sem_csat.cbsem.groups_table import equate

        equate(grouped, set(lv), group_equal, group_partial, std_lv=std_lv)
    # shared labels (within and across groups) are equalities, as in lavaan
    pairs = _equal_labels([r for _, r in grouped])
    records: list[dict[str, object]] = []
    n_free = 0
    n_th: dict[int, int] = {}
    for g, r in grouped:
        mat, i, j = position(r.lhs, r.op, r.rhs, ov_index, lv_index)
        if r.op == "|":  # thresholds: positions in the block's τ, in table order
            mat, i, j = "tau", n_th.get(g, 0), 0
            n_th[g] = i + 1
        n_free += r.free
        records.append(
            {
                "id": len(records) + 1,
                "lhs": r.lhs,
                "op": r.op,
                "rhs": r.rhs,
                "user": r.user,
                "block": g,
                "group": g,
                "free": n_free if r.free else 0,
                "ustart": r.ustart,
                "exo": 0,
                "label": r.label,
                "mat": mat,
                "row": i,
                "col": j,
            }
        )
    for c in spec.constraints:
        records.append(
            _nonparameter(len(records), _bare(c.left.text), "==", _bare(c.right.text), user=1)
        )
    for d in spec.defined:
        records.append(
            _nonparameter(
                len(records), d.name, ":=", _bare(d.expression.text), user=1, label=d.name
            )
        )
    for a, b in pairs:
        records.append(_nonparameter(len(records), f".p{a + 1}.", "==", f".p{b + 1}.", user=2))
    n = len(records)
    ops = [str(r["op"]) for r in records]
    frame = pd.DataFrame(
        {
            "id": np.arange(1, n + 1, dtype=np.int64),
            "lhs": [r["lhs"] for r in records],
            "op": ops,
            "rhs": [r["rhs"] for r in records],
            "user": np.array([r["user"] for r in records], dtype=np.int64),
            "block": np.array([r["block"] for r in records], dtype=np.int64),
            "group": np.array([r["group"] for r in records], dtype=np.int64),
            "free": np.array([r["free"] for r in records], dtype=np.int64),
            "ustart": np.array([r["ustart"] for r in records], dtype=np.float64),
            "exo": np.zeros(n, dtype=np.int64),
            "label": [r["label"] for r in records],
            "plabel": [f".p{i + 1}." if op not in ("==", ":=") else "" for i, op in enumerate(ops)],
            "start": np.full(n, np.nan),
            "est": np.full(n, np.nan),
            "se": np.full(n, np.nan),
            "mat": [r["mat"] for r in records],
            "row": np.array([r["row"] for r in records], dtype=np.int64),
            "col": np.array([r["col"] for r in records], dtype=np.int64),
        }
    )
    n_blocks = len(labels)
    table = ParTable(frame, (tuple(ov),) * n_blocks, (tuple(lv),) * n_blocks, labels, std_lv,
                     means or bool(thresholds))  # fmt: skip
    # the cached columns, from the records (reading them back from the frame is slow)
    table.__dict__.update(
        lhs=tuple(str(r["lhs"]) for r in records),
        op=tuple(ops),
        rhs=tuple(str(r["rhs"]) for r in records),
        label=tuple(str(r["label"]) for r in records),
        mat=tuple(str(r["mat"]) for r in records),
        block=frame["block"].to_numpy(),
        user=frame["user"].to_numpy(),
        ustart=frame["ustart"].to_numpy(),
        free=frame["free"].to_numpy(),
        index=np.column_stack([frame["row"].to_numpy(), frame["col"].to_numpy()]),
    )
    return table
