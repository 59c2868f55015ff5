"""Multi-group CB-SEM from survey data: split by the group column, then one joint fit.

``sem_csat.fit(spec, data, method="ml" | "mlr", group="gender")`` comes here
(:func:`fit_cbsem_groups`).  The group column is checked by :func:`~sem_csat.groups.split`
(missing or constant column, missing values, more than 20 groups, an item constant in a group:
one sentence each), every group must have at least as many respondents as the model has free
parameters in it, and the model is then fitted jointly in all groups by the CB-SEM pipeline
(:mod:`sem_csat.cbsem.group_fit`), with the invariance ladder when asked for
(:mod:`sem_csat.cbsem.invariance`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from sem_csat.cbsem.group_fit import (
    CBSEMGroupSettings,
    check_invariance,
    check_method,
    check_sizes,
    stats_of,
)
from sem_csat.cbsem.group_result import CBSEMGroupResult
from sem_csat.cbsem.groups_table import check_group_options
from sem_csat.cbsem.invariance import fit_ladder
from sem_csat.cbsem.partable import check_supported
from sem_csat.cbsem.pipeline import fit
from sem_csat.errors import UsageError
from sem_csat.groups.split import split
from sem_csat.spec.model import ModelSpec

if TYPE_CHECKING:
    from sem_csat.data import RawData

__all__ = ["fit_cbsem_groups"]


def fit_cbsem_groups(
    spec: ModelSpec,
    data: pd.DataFrame | RawData | str | os.PathLike[str],
    group: str,
    *,
    method: str = "ml",
    levels: Sequence[str] | None = None,
    waves: bool | None = None,
    missing: str = "listwise",
    na_values: Sequence[float | str] = (),
    std_lv: bool = False,
    group_equal: Sequence[str] = (),
    group_partial: Sequence[str] = (),
    invariance: Sequence[str] | str | None = None,
) -> CBSEMGroupResult:
    """Fit a CB-SEM model jointly in every group of a column (lavaan's ``sem(group=)``).

    Parameters
    ----------
    spec, data, group, levels, waves, na_values
        As for :func:`sem_csat.fit`; the first level is the reference group (its latent
        means are 0).
    method
        ``"ml"`` or ``"mlr"``.
    missing
        ``"listwise"`` (drop incomplete respondents) or ``"fiml"`` (full-information ML in
        every group, as lavaan's ``missing = "fiml"``).
    std_lv
        Identify the factors by unit variances in every group (lavaan's ``std.lv``).
    group_equal, group_partial
        lavaan's ``group.equal`` (``"loadings"``, ``"intercepts"``, ``"residuals"``, ...;
        :data:`~sem_csat.cbsem.groups_table.GROUP_EQUAL`) and ``group.partial``
        (``"x3 ~ 1"``).
    invariance
        Levels of the invariance ladder to fit as well (``"configural"``, ``"metric"``,
        ``"scalar"``, ``"strict"``; a comma-separated text or a sequence).

    Returns
    -------
    CBSEMGroupResult

    Raises
    ------
    UsageError
        A method other than ML/MLR, FIML, unknown ``group_equal`` kinds, ``group_partial``
        entries or invariance levels.
    DataError
        From the group column (:func:`sem_csat.groups.split`) and a group with fewer
        respondents than free parameters.
    """
    method = str(method).lower()
    check_method(method, missing)
    ge, gp = tuple(group_equal), tuple(group_partial)
    check_group_options(ge, gp)
    ladder = check_invariance(invariance)
    if not isinstance(std_lv, bool):
        raise UsageError(f"std_lv must be True or False; got {std_lv!r}.")
    check_supported(spec)
    grouped = split(spec, data, group, levels=levels, waves=waves,
                    missing="fiml" if missing == "fiml" else "listwise",
                    na_values=na_values, min_size=3, engine="CB-SEM")  # fmt: skip
    settings = CBSEMGroupSettings(
        method, missing, tuple(na_values), std_lv, grouped.column, grouped.levels,
        grouped.waves, ge, gp, ladder,
    )  # fmt: skip
    stats = stats_of(grouped, spec)
    joint = fit(spec, stats, settings.options(incomplete=stats.missing))
    check_sizes(grouped, joint.table)
    steps = fit_ladder(spec, stats, settings, reuse=joint) if ladder else None
    return CBSEMGroupResult.build(spec, grouped, settings, joint, steps)
