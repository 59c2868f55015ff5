"""The model specification: one immutable description of a customer-satisfaction model.

A :class:`ModelSpec` holds constructs (with their indicators, or for a higher-order construct
its dimensions, and their measurement mode), directed paths between constructs, interaction
terms, covariances, intercepts, defined parameters (lavaan's ``:=``), equality constraints
(``==``) and, beside the model, the items of SERVQUAL and the survey metrics
(:mod:`sem_csat.spec.practice`).  It is validated when it is built
(:mod:`sem_csat.spec.validation`), so every engine can rely on it: names are unique, every path
endpoint is a declared construct or interaction term, every indicator belongs to exactly one
construct, every construct has indicators or dimensions, the structural model is recursive
(acyclic), and every label an expression uses exists.

Specs are built from YAML (:mod:`sem_csat.spec.yaml_io`), lavaan-style text
(:mod:`sem_csat.spec.lavaan`) or Python (:mod:`sem_csat.spec.builders`).  Engines refuse the
features they do not support with one sentence (:mod:`sem_csat.spec.features`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path as _FsPath
from typing import TYPE_CHECKING, Any

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import SpecError, SpecSyntaxError
from sem_csat.spec.checks import (
    MODES,
    Mode,
    Scale,
    check_fixed,
    check_label,
    check_name,
    check_scale,
    did_you_mean,
)
from sem_csat.spec.expressions import Binary, Expression
from sem_csat.spec.practice import Metrics, Servqual
from sem_csat.summary import ResultDisplay

if TYPE_CHECKING:
    from sem_csat.summary import Summary

__all__ = [
    "Constraint",
    "Construct",
    "Covariance",
    "Defined",
    "Indicator",
    "Interaction",
    "Intercept",
    "Mode",
    "ModelSpec",
    "Path",
    "Scale",
    "check_fixed",
    "check_label",
    "check_name",
    "check_scale",
    "did_you_mean",
]

_ = MODES  # re-exported for the readers


@dataclass(frozen=True)
class Indicator:
    """A manifest variable (survey item), or a dimension of a higher-order construct.

    Attributes
    ----------
    name
        Column name in the data (for a dimension: the lower-order construct).
    text
        Question wording, if known (shown in reports); always ``None`` for a dimension.
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
        if self.text is not None and not isinstance(self.text, str):
            raise SpecError(f"The wording of indicator '{self.name}' must be a text.")
        if self.label is not None:
            check_label(self.label)
        if self.fixed is not None:
            object.__setattr__(
                self, "fixed", check_fixed(self.fixed, f"the loading of '{self.name}'")
            )


def _entries(value: object, what: str) -> tuple[Indicator, ...]:
    """Indicators or dimensions as a tuple; plain names become :class:`Indicator` objects."""
    if isinstance(value, str | Indicator):
        value = (value,)
    if not isinstance(value, Iterable):
        raise SpecError(f"The {what} must be a list of names, got {value!r}.")
    out: list[Indicator] = []
    for v in value:
        if isinstance(v, str):
            v = Indicator(v)
        if not isinstance(v, Indicator):
            raise SpecError(f"The {what} must be names or Indicator objects, got {v!r}.")
        out.append(v)
    return tuple(out)


@dataclass(frozen=True)
class Construct:
    """A latent variable or composite: a block of indicators, or a higher-order construct.

    Attributes
    ----------
    name
        Short identifier used in paths (``Satisfaction``, ``CUSA``).
    indicators
        The block of manifest variables, in order (empty for a higher-order construct).
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
    dimensions
        For a higher-order construct: the lower-order constructs it is made of, as
        :class:`Indicator` objects whose ``name`` is a declared construct and which may carry
        a ``label`` or a ``fixed`` loading (lavaan's ``RQ =~ 1*TRUST + a*COMMIT + SAT``).
        Plain names are accepted and converted.  A construct has indicators or dimensions,
        never both, and at least two dimensions.

    Examples
    --------
    >>> rq = Construct("RQ", dimensions=["Trust", "Commitment", "Satisfaction"])
    >>> rq.is_higher_order, rq.dimension_names
    (True, ('Trust', 'Commitment', 'Satisfaction'))
    """

    name: str
    indicators: tuple[Indicator, ...] = ()
    mode: Mode = "reflective"
    label: str | None = None
    scale: Scale | None = None
    reverse: tuple[str, ...] = ()
    reliability: float | None = None
    dimensions: tuple[Indicator, ...] = ()

    def __post_init__(self) -> None:
        check_name(self.name, "construct")
        object.__setattr__(
            self, "indicators", _entries(self.indicators, f"indicators of '{self.name}'")
        )
        object.__setattr__(
            self, "dimensions", _entries(self.dimensions, f"dimensions of '{self.name}'")
        )
        if not isinstance(self.reverse, tuple):
            object.__setattr__(self, "reverse", tuple(self.reverse))
        if self.mode not in MODES:
            raise SpecError(
                f"Construct '{self.name}' has mode {self.mode!r}; use 'reflective' or 'formative'."
            )
        if self.dimensions:
            self._check_dimensions()
        elif not self.indicators:
            raise SpecError(
                f"Construct '{self.name}' has no indicators; list at least one survey item (or, "
                "for a higher-order construct, the constructs it is made of under 'dimensions')."
            )
        names = [i.name for i in self.indicators]
        seen: set[str] = set()
        for n in names:  # a set, not names.count(): a block of 200,000 items is linear
            if n in seen:
                raise SpecError(f"Construct '{self.name}' lists indicator '{n}' twice.")
            seen.add(n)
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

    def _check_dimensions(self) -> None:
        where = f"Higher-order construct '{self.name}'"
        dims = [d.name for d in self.dimensions]
        if self.indicators:
            raise SpecError(
                f"Construct '{self.name}' has both indicators ({', '.join(self.indicator_names)}) "
                f"and dimensions ({', '.join(dims)}); a higher-order construct is measured by "
                "its dimensions only, so move the items into one of its dimensions or into a "
                "construct of their own."
            )
        if len(dims) < 2:
            raise SpecError(
                f"{where} has one dimension ('{dims[0]}'); it needs at least two (with one, "
                f"'{self.name}' and '{dims[0]}' are the same construct, so use '{dims[0]}' "
                "directly)."
            )
        for d in self.dimensions:
            if dims.count(d.name) > 1:
                raise SpecError(f"{where} lists dimension '{d.name}' twice.")
            if d.name == self.name:
                raise SpecError(f"{where} lists itself as a dimension; remove '{d.name}'.")
            if d.text is not None:
                raise SpecError(
                    f"Dimension '{d.name}' of '{self.name}' has question wording; wording "
                    f"belongs to survey items (the indicators of '{d.name}')."
                )
        for key, value in (
            ("a scale", self.scale),
            ("reverse-coded items", self.reverse or None),
            ("a reliability", self.reliability),
        ):
            if value is not None:
                raise SpecError(
                    f"{where} declares {key}, but it has no survey items of its own; declare "
                    "it on its dimensions."
                )

    @cached_property
    def indicator_names(self) -> tuple[str, ...]:
        """Names of the indicators, in order (empty for a higher-order construct)."""
        return tuple(i.name for i in self.indicators)

    @property
    def dimension_names(self) -> tuple[str, ...]:
        """Names of the dimensions, in order (empty unless higher-order)."""
        return tuple(d.name for d in self.dimensions)

    @property
    def is_higher_order(self) -> bool:
        """Whether the construct is made of other constructs (has dimensions)."""
        return bool(self.dimensions)

    @property
    def display(self) -> str:
        """The label if there is one, else the name."""
        return self.label or self.name


@dataclass(frozen=True)
class Path:
    """A directed structural path ``source -> target`` (lavaan: ``target ~ source``).

    ``source`` may also be the name of an :class:`Interaction`.
    """

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
class Interaction:
    """An interaction term (moderation): the product of two constructs, used as a path source.

    YAML ``interactions: {SATxCOST: [Satisfaction, SwitchingCosts]}`` with the path
    ``SATxCOST -> Loyalty``; lavaan ``Loyalty ~ Satisfaction:SwitchingCosts`` (named
    :meth:`default_name` unless a ``#: interaction`` directive names it).
    """

    name: str
    left: str
    right: str

    def __post_init__(self) -> None:
        check_name(self.name, "interaction")
        check_name(self.left, "construct")
        check_name(self.right, "construct")
        if self.left == self.right:
            raise SpecError(
                f"The interaction '{self.name}' multiplies construct '{self.left}' with itself; "
                "an interaction term joins two different constructs (for a quadratic effect, "
                "sem_csat has no support yet)."
            )

    @property
    def constructs(self) -> tuple[str, str]:
        """``(left, right)``."""
        return (self.left, self.right)

    @staticmethod
    def default_name(left: str, right: str) -> str:
        """The name an interaction gets from lavaan text: ``Satisfaction_x_SwitchingCosts``."""
        return f"{left}_x_{right}"


@dataclass(frozen=True)
class Intercept:
    """An intercept or mean (lavaan ``y1 ~ 1``, ``F ~ 0*1``, ``y1 ~ a*1``).

    ``variable`` is an indicator (its intercept) or a construct (its mean or intercept).
    """

    variable: str
    label: str | None = None
    fixed: float | None = None

    def __post_init__(self) -> None:
        check_name(self.variable, "intercept variable")
        if self.label is not None:
            check_label(self.label)
        if self.fixed is not None:
            where = f"the intercept of '{self.variable}'"
            object.__setattr__(self, "fixed", check_fixed(self.fixed, where))


def _expression(value: object, where: str) -> Expression:
    if isinstance(value, Expression):
        return value
    if not isinstance(value, str):
        raise SpecError(f"{where} must be an expression such as 'a*b', got {value!r}.")
    try:
        return Expression(value)
    except SpecSyntaxError as err:
        raise SpecSyntaxError(
            f"{where}: {err.reason}",
            source=err.source,
            line=err.line,
            column=err.column,
            text=err.text,
        ) from None


@dataclass(frozen=True)
class Defined:
    """A defined parameter (lavaan ``ind := a*b``): a function of labelled parameters.

    ``expression`` may be given as text; it becomes an :class:`Expression`.  Its names must be
    parameter labels of the spec or defined parameters declared before this one.
    """

    name: str
    expression: Expression

    def __post_init__(self) -> None:
        check_name(self.name, "defined parameter")
        where = f"The defined parameter '{self.name}'"
        object.__setattr__(self, "expression", _expression(self.expression, where))

    @property
    def text(self) -> str:
        """``name := expression``, as lavaan writes it."""
        return f"{self.name} := {self.expression.text}"


@dataclass(frozen=True)
class Constraint:
    """An equality constraint ``left == right`` between expressions over labels (lavaan ``==``).

    Both sides may be given as text.  Engines that need linear constraints use
    :meth:`linear`.

    Examples
    --------
    >>> c = Constraint.parse("a == 2*b")
    >>> c.text, c.linear()
    ('a == 2*b', ({'a': 1.0, 'b': -2.0}, 0.0))
    """

    left: Expression
    right: Expression

    def __post_init__(self) -> None:
        object.__setattr__(self, "left", _expression(self.left, "The constraint's left side"))
        object.__setattr__(self, "right", _expression(self.right, "The constraint's right side"))

    @classmethod
    def parse(cls, text: str) -> Constraint:
        """Read ``"left == right"``."""
        if not isinstance(text, str) or text.count("==") != 1:
            raise SpecError(
                f"A constraint is written 'left == right', such as 'a == 2*b'; got {text!r}."
            )
        left, right = text.split("==")
        return cls(Expression(left.strip()), Expression(right.strip()))

    @property
    def op(self) -> str:
        """Always ``"=="``."""
        return "=="

    @property
    def text(self) -> str:
        """``left == right`` in canonical form."""
        return f"{self.left.text} == {self.right.text}"

    @property
    def names(self) -> frozenset[str]:
        """The names both sides use."""
        return self.left.names | self.right.names

    @property
    def residual(self) -> Expression:
        """``left - right``, which the constraint sets to zero."""
        return Expression.from_tree(Binary("-", self.left.tree, self.right.tree))

    def linear(self) -> tuple[dict[str, float], float] | None:
        """``(coefficients, constant)`` with ``sum(coefficients[n] * n) + constant == 0``.

        ``None`` when the constraint is not linear in its names.
        """
        return self.residual.linear()


@dataclass(frozen=True)
class ModelSpec(ResultDisplay):
    """An immutable, validated customer-satisfaction model.

    Parameters
    ----------
    name
        Short name of the model (``"ECSI"``).
    constructs
        The constructs with their indicator blocks (or dimensions).
    paths
        Directed structural paths.  They are stored in a canonical order (by target, then by
        source, both in declaration order, interaction terms after the constructs), so the
        order in which they were listed does not matter for equality.
    covariances
        Covariances between constructs or between indicator errors (used by CB-SEM).
    description
        One-paragraph description.
    references
        Literature the model follows.
    scale
        Answer scale of all items, unless a construct declares its own.
    interactions
        Interaction terms; each is the source of at least one path.  Stored sorted by their
        constructs' declaration order (then name), so the listed order does not matter.
    intercepts
        Intercepts of indicators and means/intercepts of constructs, in declaration order.
    meanstructure
        Whether the model has a mean structure; set to ``True`` when intercepts are declared.
    defined
        Defined parameters (lavaan ``:=``), in declaration order.
    constraints
        Equality constraints (lavaan ``==``), in declaration order.
    servqual
        SERVQUAL expectation and perception items by dimension (:class:`Servqual`).
    metrics
        NPS, CSAT, CES items and Kano pairs (:class:`Metrics`).
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
    interactions: tuple[Interaction, ...] = ()
    intercepts: tuple[Intercept, ...] = ()
    meanstructure: bool = False
    defined: tuple[Defined, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    servqual: Servqual | None = None
    metrics: Metrics | None = None
    source: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        from sem_csat.spec.validation import validate

        for attr in (
            "constructs",
            "paths",
            "covariances",
            "references",
            "interactions",
            "intercepts",
            "defined",
            "constraints",
        ):
            value = getattr(self, attr)
            if not isinstance(value, tuple):
                if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
                    raise SpecError(f"'{attr}' of a ModelSpec must be a list, got {value!r}.")
                object.__setattr__(self, attr, tuple(value))
        if not isinstance(self.name, str) or not self.name.strip():
            raise SpecError("The model needs a non-empty name.")
        if self.scale is not None:
            object.__setattr__(self, "scale", check_scale(self.scale, "the model"))
        if not isinstance(self.meanstructure, bool):
            raise SpecError(f"meanstructure must be true or false, got {self.meanstructure!r}.")
        if self.intercepts:
            object.__setattr__(self, "meanstructure", True)
        for attr, kind in (("servqual", Servqual), ("metrics", Metrics)):
            value = getattr(self, attr)
            if value is not None and not isinstance(value, kind):
                raise SpecError(f"'{attr}' of a ModelSpec must be a {kind.__name__} or None.")
        validate(self)
        # Paths and interactions are sets: keep them in one canonical order so that equal
        # models compare equal however they were listed.
        index = {c.name: k for k, c in enumerate(self.constructs)}
        inter = sorted(self.interactions, key=lambda i: (index[i.left], index[i.right], i.name))
        object.__setattr__(self, "interactions", tuple(inter))
        index.update({i.name: len(index) + k for k, i in enumerate(inter)})
        ordered = sorted(self.paths, key=lambda p: (index[p.target], index[p.source]))
        object.__setattr__(self, "paths", tuple(ordered))

    # ------------------------------------------------------------------ graph
    def structural_edges(self) -> tuple[tuple[str, str], ...]:
        """Construct-to-construct edges: paths (an interaction's path counts from both of its
        constructs) and the links of higher-order constructs (reflective: the higher-order
        construct to each dimension; formative: each dimension to it)."""
        inter = {i.name: i for i in self.interactions}
        edges: list[tuple[str, str]] = []
        for p in self.paths:
            if p.source in inter:
                edges += [(c, p.target) for c in inter[p.source].constructs]
            else:
                edges.append((p.source, p.target))
        for c in self.constructs:
            for d in c.dimension_names:
                edges.append((c.name, d) if c.mode == "reflective" else (d, c.name))
        return tuple(edges)

    # ------------------------------------------------------------------ accessors
    @cached_property
    def construct_names(self) -> tuple[str, ...]:
        """Construct names in declaration order (higher-order constructs included)."""
        return tuple(c.name for c in self.constructs)

    @cached_property
    def indicator_names(self) -> tuple[str, ...]:
        """All observed indicator names, block by block in declaration order."""
        return tuple(i for c in self.constructs for i in c.indicator_names)

    @cached_property
    def higher_order(self) -> tuple[str, ...]:
        """Names of the higher-order constructs (those with dimensions)."""
        return tuple(c.name for c in self.constructs if c.is_higher_order)

    @cached_property
    def lower_order(self) -> tuple[str, ...]:
        """Names of the constructs that are a dimension of a higher-order construct."""
        dims = {d for c in self.constructs for d in c.dimension_names}
        return tuple(n for n in self.construct_names if n in dims)

    def dimensions_of(self, name: str) -> tuple[str, ...]:
        """The dimensions of construct ``name`` (empty unless it is higher-order)."""
        return self.construct(name).dimension_names

    def higher_order_of(self, name: str) -> str | None:
        """The higher-order construct that ``name`` is a dimension of, or ``None``."""
        for c in self.constructs:
            if name in c.dimension_names:
                return c.name
        return None

    @cached_property
    def interaction_names(self) -> tuple[str, ...]:
        """Names of the interaction terms."""
        return tuple(i.name for i in self.interactions)

    def interaction(self, name: str) -> Interaction:
        """Return the interaction term called ``name``."""
        for i in self.interactions:
            if i.name == name:
                return i
        raise SpecError(
            f"The model has no interaction '{name}'{did_you_mean(name, self.interaction_names)}."
        )

    @cached_property
    def labels(self) -> tuple[str, ...]:
        """Every parameter label, once, in order of appearance (loadings, dimensions, paths,
        covariances, intercepts)."""
        return tuple(dict.fromkeys(label for label, _ in self.labelled_parameters()))

    def labelled_parameters(self) -> tuple[tuple[str, str], ...]:
        """``(label, parameter)`` for every labelled parameter, such as
        ``("a", "Sat =~ s2")``, in the order of :attr:`labels`."""
        out: list[tuple[str, str]] = []
        for c in self.constructs:
            op = "=~" if c.mode == "reflective" else "<~"
            out += [(i.label, f"{c.name} {op} {i.name}") for i in c.indicators if i.label]
            out += [(d.label, f"{c.name} {op} {d.name}") for d in c.dimensions if d.label]
        out += [(p.label, f"{p.target} ~ {p.source}") for p in self.paths if p.label]
        out += [(v.label, f"{v.left} ~~ {v.right}") for v in self.covariances if v.label]
        out += [(i.label, f"{i.variable} ~ 1") for i in self.intercepts if i.label]
        return tuple(out)

    @cached_property
    def shared_labels(self) -> tuple[str, ...]:
        """Labels given to more than one parameter (which makes those parameters equal)."""
        counts: dict[str, int] = {}
        for label, _ in self.labelled_parameters():
            counts[label] = counts.get(label, 0) + 1
        return tuple(label for label in self.labels if counts[label] > 1)

    @cached_property
    def defined_names(self) -> tuple[str, ...]:
        """Names of the defined parameters, in order."""
        return tuple(d.name for d in self.defined)

    def expand(self, expression: Expression | str) -> Expression:
        """Replace the defined parameters in ``expression`` by their definitions, recursively,
        so that it uses parameter labels only.

        >>> spec = ModelSpec.from_lavaan(
        ...     "f =~ x1\\ng =~ y1\\nh =~ z1\\ng ~ a*f\\nh ~ b*g\\nab := a*b\\nab == 0.25"
        ... )
        >>> spec.expand(spec.constraints[0].left).text
        'a*b'
        """
        expr = expression if isinstance(expression, Expression) else Expression(expression)
        expanded: dict[str, Expression] = {}
        for d in self.defined:
            expanded[d.name] = d.expression.substitute(expanded)
        return expr.substitute(expanded)

    @cached_property
    def metric_items(self) -> tuple[str, ...]:
        """Items named by the ``servqual`` and ``metrics`` blocks, once each, in order.

        They need not be indicators of any construct (some may be).
        """
        items: list[str] = []
        if self.servqual is not None:
            items += self.servqual.items
        if self.metrics is not None:
            items += self.metrics.items
        return tuple(dict.fromkeys(items))

    @cached_property
    def _by_name(self) -> dict[str, Construct]:
        """Construct name → construct."""
        return {c.name: c for c in self.constructs}

    @cached_property
    def _owner(self) -> dict[str, Construct]:
        """Indicator name → the construct it belongs to (the first, as :meth:`construct_of`)."""
        owner: dict[str, Construct] = {}
        for c in self.constructs:
            for name in c.indicator_names:
                owner.setdefault(name, c)
        return owner

    def construct(self, name: str) -> Construct:
        """Return the construct called ``name``."""
        found = self._by_name.get(name)
        if found is not None:
            return found
        raise SpecError(
            f"The model has no construct '{name}'{did_you_mean(name, self.construct_names)}."
        )

    def construct_of(self, indicator: str) -> Construct:
        """Return the construct that ``indicator`` belongs to."""
        found = self._owner.get(indicator)
        if found is not None:
            return found
        raise SpecError(
            f"The model has no indicator '{indicator}'"
            f"{did_you_mean(indicator, self.indicator_names)}."
        )

    def scale_of(self, construct: str) -> Scale | None:
        """Answer scale of a construct's items (its own, else the model's)."""
        c = self.construct(construct)
        return c.scale if c.scale is not None else self.scale

    def item_scale(self, item: str) -> Scale | None:
        """Answer scale of any item: its construct's when it is an indicator, else the model's
        (for the items of the ``servqual`` and ``metrics`` blocks)."""
        owner = self._owner.get(item)
        return self.scale if owner is None else self.scale_of(owner.name)

    @cached_property
    def endogenous(self) -> tuple[str, ...]:
        """Constructs that are the target of at least one path, in topological order."""
        targets = {p.target for p in self.paths}
        return tuple(n for n in self.topological_order if n in targets)

    @cached_property
    def _in_paths(self) -> frozenset[str]:
        """Constructs in a path, directly or as a construct of an interaction term."""
        inter = {i.name: i for i in self.interactions}
        out: set[str] = set()
        for p in self.paths:
            out.add(p.target)
            out.update(inter[p.source].constructs if p.source in inter else (p.source,))
        return frozenset(out)

    @cached_property
    def exogenous(self) -> tuple[str, ...]:
        """Constructs in some path (also through an interaction) that are never a target, in
        declaration order."""
        targets = {p.target for p in self.paths}
        return tuple(n for n in self.construct_names if n in self._in_paths and n not in targets)

    @cached_property
    def isolated(self) -> tuple[str, ...]:
        """Constructs that appear in no path; a higher-order construct and its dimensions count
        as one group, which is in a path when any of its members is."""
        root = {n: n for n in self.construct_names}
        for n in self.construct_names:
            seen = {n}
            while (parent := self.higher_order_of(root[n])) is not None and parent not in seen:
                seen.add(parent)
                root[n] = parent
        linked = {root[n] for n in self._in_paths}
        return tuple(n for n in self.construct_names if root[n] not in linked)

    @cached_property
    def topological_order(self) -> tuple[str, ...]:
        """Constructs ordered so that every edge of :meth:`structural_edges` points forward
        (ties: declaration order)."""
        edges = self.structural_edges()
        indeg = {n: 0 for n in self.construct_names}
        for _, t in edges:
            indeg[t] += 1
        order: list[str] = []
        ready = [n for n in self.construct_names if indeg[n] == 0]
        while ready:
            n = ready.pop(0)
            order.append(n)
            for s, t in edges:
                if s == n:
                    indeg[t] -= 1
                    if indeg[t] == 0:
                        ready.append(t)
            ready.sort(key=self.construct_names.index)
        return tuple(order)

    def predecessors(self, construct: str) -> tuple[str, ...]:
        """Sources of the paths into ``construct``: constructs in declaration order, then
        interaction terms."""
        src = {p.source for p in self.paths if p.target == construct}
        return tuple(n for n in (*self.construct_names, *self.interaction_names) if n in src)

    @cached_property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Legal but suspicious features of the spec (constructs outside every path, ...)."""
        from sem_csat.spec.validation import spec_diagnostics

        return spec_diagnostics(self)

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

    def unsupported(self, engine: str, supported: frozenset[str] | set[str]) -> str | None:
        """The sentence an engine that supports only ``supported`` features refuses this spec
        with, or ``None`` (see :mod:`sem_csat.spec.features`)."""
        from sem_csat.spec.features import unsupported_message

        return unsupported_message(self, engine, supported)

    def summary(self) -> Summary:
        """The spec as a :class:`~sem_csat.summary.Summary`: constructs, paths, covariances.

        Drives ``str(spec)`` and the spec's display in Jupyter, so a model can be checked before
        it is fitted.
        """
        from sem_csat.spec.overview import spec_summary

        return spec_summary(self)

    def __repr__(self) -> str:
        return (
            f"<ModelSpec {self.name!r}: {len(self.constructs)} constructs, "
            f"{len(self.indicator_names)} indicators, {len(self.paths)} paths>"
        )
