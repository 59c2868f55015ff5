"""The model fitted in every group: :func:`fit_groups` and :class:`GroupFits`.

Every group is estimated with the same spec, the same prepared data (one validation, one
reverse coding, one missing-data policy; see :mod:`sem_csat.groups.split`) and the same
algorithm settings; each group's indicators are standardized within the group, as in a separate
PLS run per group (SmartPLS, seminr, cSEM).  This is MICOM's step 1, configural invariance
(Henseler, Ringle & Sarstedt 2016), and :meth:`GroupFits.configural` states it.

A warning raised while a group is fitted is passed on with the group named in front.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from sem_csat.diagnostics import Diagnostic, emit
from sem_csat.errors import SemCsatError, SemCsatWarning
from sem_csat.groups.split import GroupedData, Missing, split
from sem_csat.pls.model import PLS, PLSSettings
from sem_csat.summary import ResultDisplay, Section, Summary

if TYPE_CHECKING:
    import os

    from sem_csat.data import RawData
    from sem_csat.pls.results import PLSResult
    from sem_csat.spec.model import ModelSpec

__all__ = ["GroupFits", "fit_groups", "fit_split", "group_context", "with_prefix"]

_SCHEME_NAMES = {"path": "path weighting", "centroid": "centroid", "factorial": "factorial"}
_METHOD_NAMES = {"pls": "PLS path modeling", "plsc": "consistent PLS (PLSc)"}


def with_prefix(exc: SemCsatError, prefix: str) -> SemCsatError:
    """The same error with ``prefix`` in front of its message (same class, so ``except`` holds).

    Errors whose class takes other constructor arguments keep their message and get the prefix
    as a note.
    """
    cls = type(exc)
    if any("__init__" in vars(k) for k in cls.__mro__[: cls.__mro__.index(SemCsatError)]):
        exc.add_note(prefix)
        return exc
    new = cls(f"{prefix}: {exc}")
    new.__cause__ = exc
    return new


@contextmanager
def group_context(prefix: str) -> Iterator[None]:
    """Re-raise sem_csat errors and re-emit sem_csat warnings with ``prefix`` in front.

    Used around the work done for one group (its fit, its bootstrap), so that a message says
    which group it is about.  Warnings of other libraries pass through unchanged.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        except SemCsatError as exc:
            raise with_prefix(exc, prefix) from exc
    for w in caught:
        if issubclass(w.category, SemCsatWarning):
            warnings.warn(f"{prefix}: {w.message}", w.category, stacklevel=4)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


@dataclass(frozen=True, eq=False, repr=False)
class GroupFits(ResultDisplay):
    """The model fitted separately in every group (from :func:`fit_groups`).

    Attributes
    ----------
    data
        The grouped data.
    results
        One :class:`~sem_csat.pls.results.PLSResult` per group, by label.
    settings
        The estimation settings shared by every group.
    diagnostics
        The data's diagnostics and every group's own findings, the group named in front.
    """

    data: GroupedData
    results: Mapping[str, PLSResult]
    settings: PLSSettings
    diagnostics: tuple[Diagnostic, ...] = ()
    _pooled: dict[tuple[str, str], PLSResult] = field(default_factory=dict, repr=False)

    @property
    def spec(self) -> ModelSpec:
        """The model."""
        return self.data.spec

    @property
    def levels(self) -> tuple[str, ...]:
        """Group labels in comparison order."""
        return self.data.levels

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """Every pair of groups ``(a, b)``."""
        return self.data.pairs

    @property
    def method(self) -> Literal["pls", "plsc"]:
        """``"pls"`` or ``"plsc"``."""
        return self.settings.method

    def result(self, level: str) -> PLSResult:
        """The fit of one group."""
        return self.results[self.data.check_level(level)]

    def pooled(self, a: str | None = None, b: str | None = None) -> PLSResult:
        """The model fitted to the pooled data of groups ``a`` and ``b`` (default: all groups).

        MICOM's step 3 compares the groups' means and variances of these composite scores.
        """
        if a is None or b is None or len(self.levels) == 2:
            key, label, data = ("", ""), "the pooled data", self.data.pooled
        else:
            pair = sorted((self.data.check_level(a), self.data.check_level(b)))
            key = (pair[0], pair[1])
            label = f"the pooled data of '{a}' and '{b}'"
            data = self.data.pooled_data(a, b)
        if key not in self._pooled:
            with group_context(f"In {label}"):
                self._pooled[key] = _fit(self.settings, self.spec, data)
        return self._pooled[key]

    @cached_property
    def paths(self) -> pd.DataFrame:
        """Path coefficients side by side: ``from, to`` and one column per group."""
        out = self.results[self.levels[0]].paths[["from", "to"]].copy()
        for g in self.levels:
            out[g] = self.results[g].paths["estimate"].to_numpy()
        return out

    @cached_property
    def r2(self) -> pd.DataFrame:
        """R² of the endogenous constructs side by side: ``construct`` and one column per group."""
        names = list(self.spec.construct_names)
        endo = [c for c in names if self.spec.predecessors(c)]
        out = pd.DataFrame({"construct": endo})
        for g in self.levels:
            r2 = np.asarray(self.results[g].estimate.r2)
            out[g] = [float(r2[names.index(c)]) for c in endo]
        return out

    def configural(self) -> list[str]:
        """The facts of MICOM's step 1 (configural invariance), as sentences."""
        s, d = self.settings, self.data
        treatment = (
            "listwise deletion of incomplete answers"
            if d.pooled.missing == "listwise"
            else f"missing answers replaced by the item mean of the respondent's {d.noun}"
        )
        reversed_items = [i for c in self.spec.constructs for i in c.reverse]
        iterations = ", ".join(f"{g} {self.results[g].iterations}" for g in self.levels)
        return [
            f"Same model in every {d.noun}: '{self.spec.name}' with "
            f"{len(self.spec.constructs)} constructs, {len(self.spec.indicator_names)} items "
            f"and {len(self.spec.paths)} paths.",
            f"Same data treatment: one validation of the pooled data, {treatment}"
            + (f", the same reverse coding ({', '.join(reversed_items)})" if reversed_items else "")
            + f", items standardized within each {d.noun}.",
            f"Same algorithm settings: {_METHOD_NAMES[s.method]}, {_SCHEME_NAMES[s.scheme]} "
            f"scheme, stop criterion {s.tol:g}, at most {s.max_iter} iterations; every "
            f"{d.noun}'s estimation converged (iterations: {iterations}).",
        ]

    def summary(self) -> Summary:
        """Per-group sizes, paths and R² side by side."""
        d = self.data
        header = [
            ("Model", f"{self.spec.name} ({len(self.spec.constructs)} constructs)"),
            (d.noun.capitalize() + "s", f"column '{d.column}': " + _sizes(d)),
            ("Method", f"{_METHOD_NAMES[self.method]}, {self.settings.scheme} scheme"),
        ]
        sections = [
            Section("Path coefficients", self.paths),
            Section("R²", self.r2),
            Section("Configural invariance (MICOM step 1)", lines=tuple(self.configural())),
        ]
        title = f"sem_csat {d.noun} fits: {self.spec.name} by {d.column}"
        return Summary(title, header, sections, self.diagnostics)

    def __repr__(self) -> str:
        return (
            f"<GroupFits {self.spec.name!r} by {self.data.column!r}: {_sizes(self.data)}, "
            f"{self.method}>"
        )


def _sizes(data: GroupedData) -> str:
    return ", ".join(f"{g} (N={n})" for g, n in data.sizes.items())


def _fit(settings: PLSSettings, spec: ModelSpec, data: object) -> PLSResult:
    estimator = PLS(
        settings.scheme, method=settings.method, tol=settings.tol, max_iter=settings.max_iter
    )
    return estimator.fit(spec, data)  # type: ignore[arg-type]


def _prefixed(prefix: str, diagnostics: Sequence[Diagnostic], seen: set[str]) -> list[Diagnostic]:
    out = []
    for d in diagnostics:
        if d.message in seen:
            continue
        out.append(Diagnostic(d.severity, d.code, f"{prefix}: {d.message}", d.category))
    return out


def fit_split(
    data: GroupedData,
    *,
    method: Literal["pls", "plsc"] = "pls",
    scheme: Literal["path", "centroid", "factorial"] = "path",
    tol: float = 1e-7,
    max_iter: int = 300,
) -> GroupFits:
    """Fit the model in every group of already split data (:meth:`GroupedData.fit`)."""
    if data.spec.higher_order or data.spec.interactions:
        from sem_csat.errors import UsageError

        feature = "higher-order constructs" if data.spec.higher_order else "interaction terms"
        raise UsageError(
            f"Group comparisons (per-group fits, MICOM, MGA) of models with {feature} are not "
            "available yet in sem_csat; compare the groups on the model without them."
        )
    settings = PLSSettings(
        method=method,
        scheme=scheme,
        tol=tol,
        max_iter=max_iter,
        missing=data.pooled.missing,  # type: ignore[arg-type]
        na_values=tuple(data.pooled.na_values),
    ).check()
    results: dict[str, PLSResult] = {}
    # the spec's and the pooled data's findings concern every group: keep them once, unprefixed
    diagnostics = list(dict.fromkeys((*data.spec.diagnostics, *data.diagnostics)))
    seen = {d.message for d in diagnostics}
    emit(diagnostics, stacklevel=4)
    for g in data.levels:
        prefix = f"In {data.name(g)}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SemCsatWarning)  # kept and re-emitted below
            try:
                results[g] = _fit(settings, data.spec, data.groups[g])
            except SemCsatError as exc:
                raise with_prefix(exc, f"{prefix} of column '{data.column}'") from exc
        own = _prefixed(prefix, results[g].diagnostics, seen)
        diagnostics += own
        for d in own:
            if d.severity != "info":
                warnings.warn(d.message, d.category, stacklevel=3)
    return GroupFits(data=data, results=results, settings=settings, diagnostics=tuple(diagnostics))


def fit_groups(
    spec: ModelSpec,
    data: pd.DataFrame | RawData | str | os.PathLike[str],
    group: str,
    *,
    method: Literal["pls", "plsc"] = "pls",
    scheme: Literal["path", "centroid", "factorial"] = "path",
    tol: float = 1e-7,
    max_iter: int = 300,
    levels: Sequence[str] | None = None,
    waves: bool | None = None,
    missing: Missing = "listwise",
    na_values: Sequence[float | str] = (),
    min_size: int = 10,
) -> GroupFits:
    """Fit a PLS (or PLSc) model separately in every group of a group column.

    Parameters
    ----------
    spec
        The model.
    data
        Survey data with the model's items and the group column.
    group
        Name of the group column (see :func:`~sem_csat.groups.split` for its checks).
    method, scheme, tol, max_iter
        Estimation settings, the same in every group (see :class:`~sem_csat.pls.model.PLS`).
    levels, waves, missing, na_values, min_size
        As in :func:`~sem_csat.groups.split`.

    Returns
    -------
    GroupFits

    Examples
    --------
    >>> import sem_csat
    >>> from sem_csat.groups import fit_groups
    >>> fits = fit_groups(sem_csat.load_spec("ecsi_bank"),
    ...                   sem_csat.datasets.load("bank_satisfaction"), "gender")
    >>> fits.paths.head(3).round(3)
       from    to  female   male
    0  IMAG  EXPE   0.619  0.484
    1  EXPE  QUAL   0.837  0.858
    2  EXPE   VAL   0.174  0.038
    """
    grouped = split(
        spec,
        data,
        group,
        levels=levels,
        waves=waves,
        missing=missing,
        na_values=na_values,
        min_size=min_size,
    )
    return fit_split(grouped, method=method, scheme=scheme, tol=tol, max_iter=max_iter)
