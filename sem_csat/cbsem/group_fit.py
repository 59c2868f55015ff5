"""Multi-group CB-SEM: one model fitted jointly in every group of a column.

``sem_csat.fit(spec, data, method="ml" | "mlr", group="gender")`` reaches the engine through
:func:`sem_csat.groups.cbsem_fit.fit_cbsem_groups`, which checks the group column with
:func:`sem_csat.groups.split` and uses the pieces of this module: the settings
(:class:`CBSEMGroupSettings`), the checks of the method, of the invariance levels and of the
group sizes (every group needs at least as many respondents as the model has free parameters
in it), and the sample statistics of every group.  The model is fitted to all groups at once by
the pipeline (:func:`sem_csat.cbsem.pipeline.fit`), with a mean structure (intercepts free in
every group, latent means 0) and the equality constraints across groups that ``group_equal``
asks for (lavaan's ``group.equal`` and ``group.partial``; :mod:`sem_csat.cbsem.groups_table`).

:func:`group_view` cuts one group's rows out of the joint fit as a one-group
:class:`~sem_csat.cbsem.pipeline.CBSEMFit`, from which each group's own result is made
(``group_results()``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol

import numpy as np

from sem_csat.cbsem.groups_table import LEVELS
from sem_csat.cbsem.partable import ParTable
from sem_csat.cbsem.pipeline import CBSEMFit, Options
from sem_csat.cbsem.samplestats import SampleStats, from_data
from sem_csat.cbsem.vcov import VCov
from sem_csat.errors import DataError, UsageError
from sem_csat.spec.model import ModelSpec

if TYPE_CHECKING:
    from collections.abc import Mapping

    import numpy.typing as npt

    from sem_csat.data import PreparedData
    from sem_csat.diagnostics import Diagnostic

__all__ = [
    "GROUP_METHODS",
    "CBSEMGroupSettings",
    "GroupedInput",
    "check_invariance",
    "check_method",
    "check_sizes",
    "group_view",
    "stats_of",
]

#: Methods a multi-group CB-SEM fit takes (and lavaan's estimator of each).
GROUP_METHODS: Final = {"ml": "ML", "mlr": "MLR"}


class GroupedInput(Protocol):
    """Survey data split by a group column, as :func:`sem_csat.groups.split` gives them."""

    @property
    def column(self) -> str: ...
    @property
    def levels(self) -> tuple[str, ...]: ...
    @property
    def codes(self) -> npt.NDArray[np.intp]: ...
    @property
    def pooled(self) -> PreparedData: ...
    @property
    def groups(self) -> Mapping[str, PreparedData]: ...
    @property
    def waves(self) -> bool: ...
    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]: ...
    @property
    def sizes(self) -> dict[str, int]: ...
    @property
    def noun(self) -> str: ...


@dataclass(frozen=True)
class CBSEMGroupSettings:
    """Settings of a multi-group CB-SEM fit; they travel with the result (``run.json``).

    ``method`` (``"ml"``, ``"mlr"``), ``missing`` (``"listwise"``), ``na_values``, ``std_lv``
    as for one group (:class:`~sem_csat.cbsem.model.CBSEMSettings`); ``group`` the column,
    ``levels`` the groups (the first is the reference of the latent means), ``waves``,
    ``group_equal`` and ``group_partial`` (lavaan's ``group.equal``, ``group.partial``) of the
    fitted model, and ``invariance`` the levels of the invariance ladder asked for.
    """

    method: str
    missing: str
    na_values: tuple[float | str, ...]
    std_lv: bool
    group: str
    levels: tuple[str, ...]
    waves: bool
    group_equal: tuple[str, ...] = ()
    group_partial: tuple[str, ...] = ()
    invariance: tuple[str, ...] = ()

    @property
    def estimator(self) -> str:
        """The pipeline's estimator (``"ML"`` or lavaan's shorthand ``"MLR"``)."""
        return GROUP_METHODS[self.method]

    @property
    def robust(self) -> bool:
        """Whether the standard errors are robust and the test scaled (MLR)."""
        return self.method == "mlr"

    def options(
        self,
        group_equal: Sequence[str] | None = None,
        group_partial: Sequence[str] | None = None,
        *,
        incomplete: bool = False,
    ) -> Options:
        """The pipeline's options (for another level of the ladder with ``group_equal``);
        ``incomplete``: the data have missing answers (FIML)."""
        return Options(
            estimator=self.estimator,
            std_lv=self.std_lv,
            missing="ml" if incomplete and self.missing == "fiml" else "listwise",
            group_equal=tuple(self.group_equal if group_equal is None else group_equal),
            group_partial=tuple(self.group_partial if group_partial is None else group_partial),
        )

    def as_dict(self) -> dict[str, Any]:
        """The settings as JSON-ready values (``run.json``)."""
        return {
            "method": self.method,
            "estimator": "ML",
            "missing": self.missing,
            "na_values": list(self.na_values),
            "std_lv": self.std_lv,
            "group": self.group,
            "levels": list(self.levels),
            "waves": self.waves,
            "group_equal": list(self.group_equal),
            "group_partial": list(self.group_partial),
            "invariance": list(self.invariance),
        }


def check_method(method: str, missing: str) -> None:
    """Refuse methods and missing-data policies a multi-group fit does not have."""
    if method not in GROUP_METHODS:
        raise UsageError(
            f"Multi-group CB-SEM is available with method 'ml' or 'mlr', not '{method}'; fit "
            "the groups by ML (or MLR for robust standard errors and a scaled test)."
        )
    if missing not in ("listwise", "fiml"):
        raise UsageError(
            f"missing={missing!r} is not a missing-data policy of multi-group CB-SEM; use "
            "'listwise' (drop incomplete respondents) or 'fiml' (full-information ML)."
        )


def check_invariance(levels: Sequence[str] | str | None) -> tuple[str, ...]:
    """The invariance levels asked for, checked (``"configural,metric"`` or a sequence)."""
    if levels is None:
        return ()
    names = levels.split(",") if isinstance(levels, str) else list(levels)
    out = tuple(str(n).strip() for n in names if str(n).strip())
    for name in out:
        if name not in LEVELS:
            raise UsageError(
                f"invariance level {name!r} is unknown; use some of "
                f"{', '.join(map(repr, LEVELS))}, in this order."
            )
    order = [list(LEVELS).index(n) for n in out]
    if order != sorted(set(order)):
        raise UsageError(
            f"The invariance levels must be different and in the ladder's order "
            f"({' < '.join(LEVELS)}); got {', '.join(out)}."
        )
    return out


def _free_per_group(table: ParTable) -> list[int]:
    """Free parameters of each group's block, equalities counted once (in the first group)."""
    seen: set[str] = set()
    counts = []
    for b in range(1, table.n_blocks + 1):
        k = 0
        for i in np.flatnonzero((table.block == b) & (table.free > 0)):
            label = table.label[int(i)]
            if label and label in seen:
                continue
            if label:
                seen.add(label)
            k += 1
        counts.append(k)
    return counts


def check_sizes(grouped: GroupedInput, table: ParTable) -> None:
    """Every group needs at least as many respondents as its block has free parameters."""
    need = max(_free_per_group(table))
    small = [(g, n) for g, n in grouped.sizes.items() if n < need]
    if small:
        g, n = small[0]
        sizes = ", ".join(f"{lv} {k}" for lv, k in grouped.sizes.items())
        raise DataError(
            f"{grouped.noun.capitalize()} '{g}' of column '{grouped.column}' has only {n} "
            f"respondents ({sizes}), fewer than the {need} free parameters the model has in "
            f"each {grouped.noun}; merge '{g}' with another {grouped.noun}, leave it out with "
            "levels=[...] (--levels), or fit a smaller model."
        )


def stats_of(grouped: GroupedInput, spec: ModelSpec) -> SampleStats:
    """Sample statistics of every group (divisor N, as ML uses it); with missing answers
    (FIML) the missing-data patterns and EM moments of every group."""
    items = list(spec.indicator_names)
    frames = [grouped.groups[g].frame.loc[:, items] for g in grouped.levels]
    incomplete = any(bool(f.isna().to_numpy().any()) for f in frames)
    return from_data(frames, items, estimator="ML", group_labels=list(grouped.levels),
                     missing="ml" if incomplete else "listwise")  # fmt: skip


def group_view(joint: CBSEMFit, g: int) -> CBSEMFit:
    """Group ``g``'s rows of a joint fit as a one-group fit (estimates, SEs and standardized
    values of the joint fit; no fit measures of its own: the model is fitted jointly).

    Free parameters are renumbered within the group; the equality rows (which tie groups
    together) are left out, and Cov(x̂) is the group's block of the joint one.
    """
    table = joint.table
    block = table.block
    keep = block == g + 1
    rows = table.rows.loc[keep].copy()
    old_free = rows["free"].to_numpy(dtype=np.int64)
    is_free = old_free > 0
    new_free = np.zeros_like(old_free)
    new_free[is_free] = np.arange(1, int(is_free.sum()) + 1)
    rows["free"] = new_free
    rows["block"] = 1
    rows["group"] = 1
    rows["id"] = np.arange(1, len(rows) + 1)
    rows = rows.reset_index(drop=True)
    label = table.group_labels[g]
    sub = ParTable(rows, (table.ov_names[g],), (table.lv_names[g],), (label,), table.std_lv,
                   table.meanstructure)  # fmt: skip
    idx = old_free[is_free] - 1
    cov_x = joint.vcov.x[np.ix_(idx, idx)] if joint.vcov.x.size else np.zeros((0, 0))
    vcov = VCov(cov_x, np.zeros((0, 0)), joint.vcov.n, joint.vcov.singular,
                joint.vcov.min_eigenvalue, z=cov_x, kind=joint.vcov.kind)  # fmt: skip
    stats = SampleStats(joint.stats.ov_names, (joint.stats.groups[g],), joint.stats.rescaled)
    r2 = joint.r2[joint.r2["group"] == g + 1].assign(group=1).reset_index(drop=True)
    x = joint.optim.x[idx] if joint.optim.x.size else joint.optim.x
    optim = dataclasses.replace(joint.optim, z=x, x=x, gradient=np.zeros(x.shape))
    return dataclasses.replace(
        joint,
        table=sub,
        stats=stats,
        optim=optim,
        runs=(optim,),
        vcov=vcov,
        implied=(joint.implied[g],),
        std_lv=joint.std_lv[keep],
        std_all=joint.std_all[keep],
        r2=r2,
        fit=None,
        model=None,
        reparam=None,
    )
