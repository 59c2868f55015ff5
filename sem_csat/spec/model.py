"""The model specification: one immutable description of a customer-satisfaction model.

A :class:`ModelSpec` holds constructs (with their indicators and measurement mode), directed
paths between constructs and optional covariances.  It is validated when it is built, so every
engine can rely on it: names are unique, every path endpoint is a declared construct, every
indicator belongs to exactly one construct, every construct has indicators, there are no
self-loops and the structural model is recursive (acyclic).

Specs are built from YAML (:mod:`sem_csat.spec.yaml_io`), lavaan-style text
(:mod:`sem_csat.spec.lavaan`) or Python (:mod:`sem_csat.spec.builders`).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path as _FsPath
from typing import TYPE_CHECKING, Any, Literal

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import SpecError, SpecWarning

if TYPE_CHECKING:
    from sem_csat.summary import Summary

__all__ = [
    "Construct",
    "Covariance",
    "Indicator",
    "Mode",
    "ModelSpec",
    "Path",
    "Scale",
    "did_you_mean",
]

Mode = Literal["reflective", "formative"]
MODES: tuple[Mode, ...] = ("reflective", "formative")
Scale = tuple[float, float]

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest candidate, or ``""``.

    Matching is case-insensitive first, then by :func:`difflib.get_close_matches`.
    """
    cands = list(candidates)
    lower = {c.lower(): c for c in cands}
    if name.lower() in lower and lower[name.lower()] != name:
        return f" (did you mean '{lower[name.lower()]}'?)"
    close = difflib.get_close_matches(name, cands, n=1, cutoff=0.6)
    if not close:
        close_l = difflib.get_close_matches(name.lower(), list(lower), n=1, cutoff=0.6)
        close = [lower[c] for c in close_l]
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_name(name: object, what: str) -> str:
    """Check that ``name`` is a usable construct or indicator name and return it."""
    if not isinstance(name, str) or not name:
        raise SpecError(f"A {what} name must be a non-empty text, got {name!r}.")
    if not _NAME_RE.match(name):
        raise SpecError(
            f"The {what} name {name!r} is not allowed: use letters, digits, '_' and '.', "
            "starting with a letter or '_' (put a readable name in 'label')."
        )
    return name


def check_label(label: object) -> str:
    """Check a parameter label (lavaan's ``label*item``) and return it."""
    name = check_name(label, "parameter label")
    if name == "NA":
        raise SpecError(
            "'NA' cannot be a parameter label: lavaan reads 'NA*x' as 'free this parameter'; "
            "choose another label."
        )
    return name


def check_fixed(value: object, where: str) -> float:
    """Check a fixed parameter value (lavaan's ``1*item``) and return it as a float."""
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not math.isfinite(float(value))
    ):
        raise SpecError(f"The fixed value of {where} must be a finite number, got {value!r}.")
    return float(value)


def check_scale(value: object, where: str) -> Scale:
    """Check an answer scale ``[low, high]`` and return it as a tuple of floats."""
    if (
        not isinstance(value, Sequence)
        or isinstance(value, str)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise SpecError(
            f"The scale of {where} must be two numbers [lowest, highest], such as [1, 10]; "
            f"got {value!r}."
        )
    low, high = float(value[0]), float(value[1])
    if not low < high:
        raise SpecError(
            f"The scale of {where} is [{value[0]}, {value[1]}]: the lowest answer must be "
            "smaller than the highest."
        )
    return (low, high)


@dataclass(frozen=True)
class Indicator:
    """A manifest variable (survey item).

    Attributes
    ----------
    name
        Column name in the data.
    text
        Question wording, if known (shown in reports).
    label
        Parameter label for the loading/weight (lavaan's ``label*item``); equal labels are
        constrained to be equal by CB-SEM engines.
    fixed
        Fixed value of the loading (lavaan's ``1*item``); ``None`` when free.
    """

    name: str
    text: str | None = None
    label: str | None = None
    fixed: float | None = None

    def __post_init__(self) -> None:
        check_name(self.name, "indicator")
        if self.label is not None:
            check_label(self.label)
        if self.fixed is not None:
            object.__setattr__(
                self, "fixed", check_fixed(self.fixed, f"the loading of '{self.name}'")
            )


@dataclass(frozen=True)
class Construct:
    """A latent variable or composite and its block of indicators.

    Attributes
    ----------
    name
        Short identifier used in paths (``Satisfaction``, ``CUSA``).
    indicators
        The block of manifest variables, in order.
    mode
        ``"reflective"`` (common factor / PLS Mode A) or ``"formative"`` (composite / Mode B).
    label
        Human-readable name for tables and diagrams (any script, e.g. Chinese).
    scale
        Answer scale ``(lowest, highest)`` of this block's items; overrides the spec's scale.
    reverse
        Names of reverse-coded items; they are recoded as ``low + high - x`` before estimation.
    reliability
        Known reliability of a single indicator (used by CB-SEM to fix its error variance).
    """

    name: str
    indicators: tuple[Indicator, ...]
    mode: Mode = "reflective"
    label: str | None = None
    scale: Scale | None = None
    reverse: tuple[str, ...] = ()
    reliability: float | None = None

    def __post_init__(self) -> None:
        check_name(self.name, "construct")
        if not isinstance(self.indicators, tuple):
            object.__setattr__(self, "indicators", tuple(self.indicators))
        if not isinstance(self.reverse, tuple):
            object.__setattr__(self, "reverse", tuple(self.reverse))
        if self.mode not in MODES:
            raise SpecError(
                f"Construct '{self.name}' has mode {self.mode!r}; use 'reflective' or 'formative'."
            )
        if not self.indicators:
            raise SpecError(
                f"Construct '{self.name}' has no indicators; list at least one survey item."
            )
        names = [i.name for i in self.indicators]
        for n in names:
            if names.count(n) > 1:
                raise SpecError(f"Construct '{self.name}' lists indicator '{n}' twice.")
        for r in self.reverse:
            if r not in names:
                raise SpecError(
                    f"Construct '{self.name}' marks '{r}' as reverse-coded, but it is not one of "
                    f"its indicators ({', '.join(names)}){did_you_mean(r, names)}."
                )
        if self.scale is not None:
            object.__setattr__(self, "scale", check_scale(self.scale, f"construct '{self.name}'"))
        if self.reliability is not None:
            value = self.reliability
            if (
                not isinstance(value, int | float)
                or isinstance(value, bool)
                or not 0.0 < float(value) <= 1.0
            ):
                raise SpecError(
                    f"Construct '{self.name}' has reliability {value!r}; it must be a number and "
                    "must lie in (0, 1]."
                )
            object.__setattr__(self, "reliability", float(value))

    @property
    def indicator_names(self) -> tuple[str, ...]:
        """Names of the indicators, in order."""
        return tuple(i.name for i in self.indicators)

    @property
    def display(self) -> str:
        """The label if there is one, else the name."""
        return self.label or self.name


@dataclass(frozen=True)
class Path:
    """A directed structural path ``source -> target`` (lavaan: ``target ~ source``)."""

    source: str
    target: str
    label: str | None = None
    fixed: float | None = None

    def __post_init__(self) -> None:
        if self.label is not None:
            check_label(self.label)
        if self.fixed is not None:
            where = f"the path {self.source} -> {self.target}"
            object.__setattr__(self, "fixed", check_fixed(self.fixed, where))


@dataclass(frozen=True)
class Covariance:
    """A covariance ``left ~~ right`` between constructs or between indicators' errors."""

    left: str
    right: str
    label: str | None = None
    fixed: float | None = None

    def __post_init__(self) -> None:
        if self.label is not None:
            check_label(self.label)
        if self.fixed is not None:
            where = f"the covariance {self.left} ~~ {self.right}"
            object.__setattr__(self, "fixed", check_fixed(self.fixed, where))


@dataclass(frozen=True)
class ModelSpec:
    """An immutable, validated customer-satisfaction model.

    Parameters
    ----------
    name
        Short name of the model (``"ECSI"``).
    constructs
        The constructs with their indicator blocks.
    paths
        Directed structural paths.  They are stored in a canonical order (by target, then by
        source, both in construct declaration order), so the order in which they were listed
        does not matter for equality.
    covariances
        Covariances between constructs or between indicator errors (used by CB-SEM).
    description
        One-paragraph description.
    references
        Literature the model follows.
    scale
        Answer scale of all items, unless a construct declares its own.
    source
        Where the spec was read from (file name), used in messages only.

    Raises
    ------
    SpecError
        When the specification is inconsistent; the message names the construct or item and
        says how to fix it.

    Examples
    --------
    >>> from sem_csat.spec.builders import reflective, paths
    >>> spec = ModelSpec(
    ...     "Mini",
    ...     constructs=[reflective("Quality", ["q1", "q2"]), reflective("Sat", ["s1", "s2"])],
    ...     paths=paths("Quality", "Sat"),
    ... )
    >>> spec.endogenous
    ('Sat',)
    """

    name: str
    constructs: tuple[Construct, ...]
    paths: tuple[Path, ...] = ()
    covariances: tuple[Covariance, ...] = ()
    description: str = ""
    references: tuple[str, ...] = ()
    scale: Scale | None = None
    source: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for attr in ("constructs", "paths", "covariances", "references"):
            value = getattr(self, attr)
            if not isinstance(value, tuple):
                object.__setattr__(self, attr, tuple(value))
        if not isinstance(self.name, str) or not self.name.strip():
            raise SpecError("The model needs a non-empty name.")
        if self.scale is not None:
            object.__setattr__(self, "scale", check_scale(self.scale, "the model"))
        self._validate()
        # Paths are a set: keep them in one canonical order (by target, then source, both in
        # declaration order) so that equal models compare equal however their paths were listed.
        index = {c.name: k for k, c in enumerate(self.constructs)}
        ordered = sorted(self.paths, key=lambda p: (index[p.target], index[p.source]))
        object.__setattr__(self, "paths", tuple(ordered))

    # ------------------------------------------------------------------ validation
    def _validate(self) -> None:
        where = f" in {self.source}" if self.source else ""
        if not self.constructs:
            raise SpecError(f"The model '{self.name}'{where} declares no constructs.")
        names = [c.name for c in self.constructs]
        seen: set[str] = set()
        for n in names:
            if n in seen:
                raise SpecError(
                    f"Construct '{n}' is declared twice{where}; give each a unique name."
                )
            seen.add(n)
        owner: dict[str, str] = {}
        for c in self.constructs:
            for i in c.indicator_names:
                if i in seen:
                    raise SpecError(
                        f"Indicator '{i}' of construct '{c.name}' has the name of a construct"
                        f"{where}; rename one of them."
                    )
                if i in owner:
                    raise SpecError(
                        f"Indicator '{i}' is listed under both '{owner[i]}' and '{c.name}'{where}; "
                        "an item can measure only one construct (copy the column under a new "
                        "name if you really need it twice)."
                    )
                owner[i] = c.name
        pairs: set[tuple[str, str]] = set()
        for p in self.paths:
            for end in (p.source, p.target):
                if end not in seen:
                    hint = did_you_mean(end, names)
                    extra = (
                        f" '{end}' is an indicator of '{owner[end]}'; paths connect constructs."
                        if end in owner
                        else ""
                    )
                    raise SpecError(
                        f"The path {p.source} -> {p.target}{where} uses '{end}', which is not a "
                        f"declared construct{hint}.{extra}"
                    )
            if p.source == p.target:
                raise SpecError(
                    f"The path {p.source} -> {p.target}{where} points from a construct to itself; "
                    "remove it."
                )
            if (p.source, p.target) in pairs:
                raise SpecError(f"The path {p.source} -> {p.target} is declared twice{where}.")
            pairs.add((p.source, p.target))
        allowed = seen | set(owner)
        for cov in self.covariances:
            for end in (cov.left, cov.right):
                if end not in allowed:
                    raise SpecError(
                        f"The covariance {cov.left} ~~ {cov.right}{where} uses '{end}', which is "
                        f"neither a construct nor an indicator{did_you_mean(end, sorted(allowed))}."
                    )
            if (cov.left in seen) != (cov.right in seen):
                raise SpecError(
                    f"The covariance {cov.left} ~~ {cov.right}{where} links a construct with an "
                    "indicator; covariances are between two constructs or two indicators."
                )
        cycle = self._find_cycle()
        if cycle:
            raise SpecError(
                f"The paths{where} form a cycle ({' -> '.join(cycle)}); PLS path modeling and "
                "sem_csat's engines need a recursive (acyclic) structural model, so remove one "
                "of these paths."
            )

    def _find_cycle(self) -> list[str]:
        succ: dict[str, list[str]] = {c.name: [] for c in self.constructs}
        for p in self.paths:
            succ[p.source].append(p.target)
        state: dict[str, int] = {}
        stack: list[str] = []

        def visit(n: str) -> list[str]:
            state[n] = 1
            stack.append(n)
            for m in succ[n]:
                if state.get(m) == 1:
                    return [*stack[stack.index(m) :], m]
                if m not in state:
                    found = visit(m)
                    if found:
                        return found
            stack.pop()
            state[n] = 2
            return []

        for c in self.constructs:
            if c.name not in state:
                found = visit(c.name)
                if found:
                    return found
        return []

    # ------------------------------------------------------------------ accessors
    @cached_property
    def construct_names(self) -> tuple[str, ...]:
        """Construct names in declaration order."""
        return tuple(c.name for c in self.constructs)

    @cached_property
    def indicator_names(self) -> tuple[str, ...]:
        """All indicator names, block by block in declaration order."""
        return tuple(i for c in self.constructs for i in c.indicator_names)

    def construct(self, name: str) -> Construct:
        """Return the construct called ``name``."""
        for c in self.constructs:
            if c.name == name:
                return c
        raise SpecError(
            f"The model has no construct '{name}'{did_you_mean(name, self.construct_names)}."
        )

    def construct_of(self, indicator: str) -> Construct:
        """Return the construct that ``indicator`` belongs to."""
        for c in self.constructs:
            if indicator in c.indicator_names:
                return c
        raise SpecError(
            f"The model has no indicator '{indicator}'"
            f"{did_you_mean(indicator, self.indicator_names)}."
        )

    def scale_of(self, construct: str) -> Scale | None:
        """Answer scale of a construct's items (its own, else the model's)."""
        c = self.construct(construct)
        return c.scale if c.scale is not None else self.scale

    @cached_property
    def endogenous(self) -> tuple[str, ...]:
        """Constructs that are the target of at least one path, in topological order."""
        targets = {p.target for p in self.paths}
        return tuple(n for n in self.topological_order if n in targets)

    @cached_property
    def exogenous(self) -> tuple[str, ...]:
        """Constructs in some path that are never a target, in declaration order."""
        targets = {p.target for p in self.paths}
        linked = {p.source for p in self.paths} | targets
        return tuple(n for n in self.construct_names if n in linked and n not in targets)

    @cached_property
    def isolated(self) -> tuple[str, ...]:
        """Constructs that appear in no path."""
        linked = {p.source for p in self.paths} | {p.target for p in self.paths}
        return tuple(n for n in self.construct_names if n not in linked)

    @cached_property
    def topological_order(self) -> tuple[str, ...]:
        """Constructs ordered so that every path points forward (ties: declaration order)."""
        indeg = {n: 0 for n in self.construct_names}
        for p in self.paths:
            indeg[p.target] += 1
        order: list[str] = []
        ready = [n for n in self.construct_names if indeg[n] == 0]
        while ready:
            n = ready.pop(0)
            order.append(n)
            for p in self.paths:
                if p.source == n:
                    indeg[p.target] -= 1
                    if indeg[p.target] == 0:
                        ready.append(p.target)
            ready.sort(key=self.construct_names.index)
        return tuple(order)

    def predecessors(self, construct: str) -> tuple[str, ...]:
        """Constructs with a path into ``construct``, in declaration order."""
        src = {p.source for p in self.paths if p.target == construct}
        return tuple(n for n in self.construct_names if n in src)

    @cached_property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Legal but suspicious features of the spec (constructs outside every path, ...)."""
        out: list[Diagnostic] = []
        if self.paths and self.isolated:
            out.append(
                Diagnostic(
                    "warning",
                    "construct_not_in_paths",
                    f"Construct(s) {', '.join(repr(n) for n in self.isolated)} appear in no path; "
                    "they are estimated as part of the measurement model only. Add paths if they "
                    "should be part of the structural model.",
                    SpecWarning,
                )
            )
        if not self.paths:
            out.append(
                Diagnostic(
                    "info",
                    "no_paths",
                    "The model has no structural paths; only the measurement model is estimated.",
                    SpecWarning,
                )
            )
        return tuple(out)

    # ------------------------------------------------------------------ conversions
    @classmethod
    def from_yaml(cls, source: str | _FsPath) -> ModelSpec:
        """Build a spec from a YAML file path or YAML text (see :mod:`sem_csat.spec.yaml_io`)."""
        from sem_csat.spec.yaml_io import read_yaml

        return read_yaml(source)

    @classmethod
    def from_lavaan(cls, source: str | _FsPath, *, name: str | None = None) -> ModelSpec:
        """Build a spec from lavaan-style model syntax (a ``.lav`` file path or text)."""
        from sem_csat.spec.lavaan import read_lavaan

        return read_lavaan(source, name=name)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> ModelSpec:
        """Build a spec from the mapping that a YAML spec file holds."""
        from sem_csat.spec.yaml_io import spec_from_mapping

        return spec_from_mapping(data, source=source or "<dict>")

    def to_dict(self) -> dict[str, Any]:
        """Return the YAML-shaped mapping of this spec (inverse of :meth:`from_dict`)."""
        from sem_csat.spec.yaml_io import spec_to_mapping

        return spec_to_mapping(self)

    def to_yaml(self) -> str:
        """Return YAML text that :meth:`from_yaml` reads back into an equal spec."""
        from sem_csat.spec.yaml_io import write_yaml

        return write_yaml(self)

    def to_lavaan(self) -> str:
        """Return lavaan-style syntax that :meth:`from_lavaan` reads back into an equal model."""
        from sem_csat.spec.lavaan import write_lavaan

        return write_lavaan(self)

    def summary(self) -> Summary:
        """The spec as a :class:`~sem_csat.summary.Summary`: constructs, paths, covariances.

        Drives ``str(spec)`` and the spec's display in Jupyter, so a model can be checked before
        it is fitted.
        """
        import pandas as pd

        from sem_csat.summary import Section, Summary

        def scale_text(c: Construct) -> str:
            scale = self.scale_of(c.name)
            return "" if scale is None else f"{scale[0]:g}–{scale[1]:g}"

        constructs = pd.DataFrame(
            [
                {
                    "construct": c.name,
                    "label": c.label or "",
                    "mode": c.mode,
                    "indicators": ", ".join(i.name for i in c.indicators),
                    "reversed": ", ".join(c.reverse),
                    "scale": scale_text(c),
                }
                for c in self.constructs
            ]
        )
        paths = pd.DataFrame(
            [{"from": p.source, "to": p.target, "label": p.label or ""} for p in self.paths],
            columns=["from", "to", "label"],
        )
        sections = [Section("Constructs", constructs), Section("Structural paths", paths)]
        if self.covariances:
            cov = pd.DataFrame(
                [
                    {"left": c.left, "right": c.right, "label": c.label or ""}
                    for c in self.covariances
                ]
            )
            sections.append(Section("Covariances", cov))
        if self.references:
            sections.append(Section("References", lines=tuple(self.references), collapsed=True))
        header = [
            ("Source", str(self.source or "")),
            (
                "Size",
                f"{len(self.constructs)} constructs, {len(self.indicator_names)} indicators, "
                f"{len(self.paths)} paths",
            ),
        ]
        if self.description:
            header.insert(0, ("Description", self.description))
        return Summary(f"sem_csat model: {self.name}", header, sections, self.diagnostics)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __repr__(self) -> str:
        return (
            f"<ModelSpec {self.name!r}: {len(self.constructs)} constructs, "
            f"{len(self.indicator_names)} indicators, {len(self.paths)} paths>"
        )
