"""Step 1 with several groups: equality constraints across groups (lavaan's ``group.equal``).

:func:`sem_csat.cbsem.partable.build_partable` repeats the model once per group (one block
each).  :func:`equate` then ties parameters of the same kind across groups, as lavaan does with
``group.equal`` (``lav_partable_flat.R``, ``lav_partable_vnames``): every free row of a tied kind
in group 1 gets the label ``.p<id>.`` (its own internal label) and the matching row of every
other group the same label, so that the shared-label rule of the table generates the equality
rows ``.pA. == .pB.``.  A row the spec labels keeps its label (the spec's own equalities win),
and a row listed in ``group_partial`` (``"x3 ~1"``, ``"visual =~ x2"``) stays free in every
group (partial invariance).  When the item intercepts are tied and the latent means are not,
the latent means of groups 2, 3, … are freed (lavaan's default): they are then the differences
from group 1 on the scale of its marker items.  With ``std_lv`` and equal loadings the latent
variances of groups 2, 3, … are freed in the same way.

References
----------
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
Statistical Software*, 48(2), 1-36 (``group.equal``, ``group.partial``; lavaan 0.6-14).
Meredith, W. (1993). Measurement invariance, factor analysis and factorial invariance.
*Psychometrika*, 58, 525-543.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import Final, Protocol

from sem_csat.errors import UsageError

__all__ = [
    "GROUP_EQUAL",
    "LEVELS",
    "TableRow",
    "check_group_options",
    "equate",
    "kind_of",
    "normalise_partial",
]

#: Kinds of parameters ``group_equal`` can tie (lavaan's names).
GROUP_EQUAL: Final = (
    "loadings",
    "intercepts",
    "means",
    "thresholds",
    "regressions",
    "residuals",
    "residual.covariances",
    "lv.variances",
    "lv.covariances",
)
#: The invariance ladder: level -> the kinds tied at that level (lavaan / semTools).
LEVELS: Final[dict[str, tuple[str, ...]]] = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}


class TableRow(Protocol):
    """What :func:`equate` reads and changes of a row of the table being built."""

    lhs: str
    op: str
    rhs: str
    user: int
    free: bool
    ustart: float
    label: str


def kind_of(lhs: str, op: str, rhs: str, lv: Collection[str]) -> str:
    """The ``group_equal`` kind of a row (``""`` for rows of no kind)."""
    if op == "=~":
        return "loadings"
    if op == "~":
        return "regressions"
    if op == "|":
        return "thresholds"
    if op == "~1":
        return "means" if lhs in lv else "intercepts"
    if op == "~~":
        if lhs in lv:
            return "lv.variances" if lhs == rhs else "lv.covariances"
        return "residuals" if lhs == rhs else "residual.covariances"
    return ""


def normalise_partial(entry: str) -> str:
    """``"x3 ~ 1"`` → ``"x3~1"``: a ``group_partial`` entry without blanks."""
    return "".join(entry.split())


def check_group_options(group_equal: Sequence[str], group_partial: Sequence[str]) -> None:
    """Refuse unknown ``group_equal`` kinds and malformed ``group_partial`` entries."""
    for kind in group_equal:
        if kind not in GROUP_EQUAL:
            raise UsageError(
                f"group_equal={kind!r} is not a kind of parameter lavaan ties across groups; use "
                f"some of {', '.join(map(repr, GROUP_EQUAL))}."
            )
    for entry in group_partial:
        if not isinstance(entry, str) or not any(op in entry for op in ("=~", "~", "|")):
            raise UsageError(
                f"group_partial entry {entry!r} is not a parameter; write it as in lavaan, "
                "e.g. 'x3 ~ 1' (an intercept) or 'visual =~ x2' (a loading)."
            )


def equate(
    grouped: Sequence[tuple[int, TableRow]],
    lv: Collection[str],
    group_equal: Sequence[str],
    group_partial: Sequence[str],
    *,
    std_lv: bool = False,
) -> None:
    """Tie the rows of the kinds in ``group_equal`` across groups (in place).

    ``grouped`` holds (group, row) pairs, group after group, every group with the same rows in
    the same order; the position of a group-1 row in it is its table id − 1.  As lavaan
    (0.6-4 and later), with ``std_lv`` and equal loadings the latent variances of groups 2, 3,
    … are freed unless ``lv.variances`` are tied too: only group 1 fixes the scale.
    """
    check_group_options(group_equal, group_partial)
    n_groups = max(g for g, _ in grouped)
    size = len(grouped) // n_groups
    tie = set(group_equal)
    free = {normalise_partial(e) for e in group_partial}
    found: set[str] = set()
    for k in range(size):
        first = grouped[k][1]
        key = f"{first.lhs}{first.op}{first.rhs}"
        kind = kind_of(first.lhs, first.op, first.rhs, lv)
        if key in free:
            found.add(key)
            continue
        if kind not in tie or not first.free or first.label:
            continue
        label = f".p{k + 1}."
        for g in range(n_groups):
            row = grouped[g * size + k][1]
            if row.free and not row.label:
                row.label = label
    unknown = free - found
    if unknown:
        raise UsageError(
            f"group_partial names {', '.join(sorted(map(repr, unknown)))}, which is not a "
            "parameter of the model; write it as lhs, operator and rhs of a row of params "
            "(e.g. 'x3 ~ 1')."
        )
    free_means = "intercepts" in tie and "means" not in tie
    free_variances = std_lv and "loadings" in tie and "lv.variances" not in tie
    for g in range(1, n_groups):
        for k in range(size):
            row = grouped[g * size + k][1]
            if row.user != 0 or row.lhs not in lv:
                continue
            mean = row.op == "~1"
            variance = row.op == "~~" and row.lhs == row.rhs
            if (free_means and mean) or (free_variances and variance):
                row.free, row.ustart = True, math.nan
