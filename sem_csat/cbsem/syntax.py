"""Translate a :class:`~sem_csat.spec.model.ModelSpec` into semopy's model description.

This is the only place where semopy syntax is written.  The text is *generated from the validated
spec*, never copied from user input: semopy hands some of its operators (``CONSTRAINT``, through
sympy's ``parse_expr``) to :func:`eval`, so the translator emits only four operators (``=~``,
``~``, ``~~`` and ``+``), numbers, ``*`` modifiers and names that match
``[A-Za-z_][A-Za-z0-9_.]*``.  It never emits ``CONSTRAINT``, ``DEFINE``, ``START``, ``BOUND``,
parentheses, quotes or semicolons.  This module does not import semopy.

Rules (lavaan's defaults, written out explicitly so that semopy's own defaults never decide):

* A reflective construct becomes ``F =~ 1*x1 + x2 + ...``: the first loading is fixed at 1 (the
  marker variable) unless the spec fixes some loading of that construct itself.
* ``Indicator.label`` / ``Indicator.fixed`` become ``label*item`` / ``number*item``; paths
  become ``target ~ source`` and covariances ``left ~~ right`` with the same modifiers.
  semopy holds one modifier per term, so a parameter that is both labelled and fixed is written
  with its number, and every parameter sharing that label is fixed at the same number
  (an equality with a fixed parameter fixes the others).
* A single-indicator construct gets loading 1 and the residual variance of its item fixed:
  at 0 (as lavaan does), or at ``(1 - reliability) * variance`` when the construct declares a
  ``reliability``; the variance comes from the data, see :meth:`SemopySyntax.with_variances`.
  A variance the spec itself gives for that item (``x ~~ x``) takes precedence.
* Formative constructs, ``reliability`` on a multi-indicator construct, covariances declared
  twice and labels shared by a variance and another kind of parameter (semopy bounds variances
  at 0 and would silently bound the rest too) are refused with a :class:`SpecError`.
* Labels that semopy would misread are renamed (``inf``, ``nan`` and ``infinity`` parse as
  numbers, ``START`` means "fixed at the start value", ``_b3`` and ``_c7`` are semopy's own
  names for unlabelled parameters); :attr:`SemopySyntax.names` maps the emitted name back.

Examples
--------
>>> from sem_csat.spec import ModelSpec
>>> from sem_csat.spec.builders import paths, reflective, single_item
>>> spec = ModelSpec(
...     "Mini",
...     constructs=[
...         reflective("Satisfaction", ["CUSA1", "CUSA2", "CUSA3"]),
...         single_item("Complaints", "CUSCO"),
...     ],
...     paths=paths("Satisfaction", "Complaints"),
... )
>>> syntax = to_semopy(spec)
>>> print(syntax.text)
# measurement model
Satisfaction =~ 1*CUSA1 + CUSA2 + CUSA3
Complaints =~ 1*CUSCO
# structural model
Complaints ~ Satisfaction
# fixed residual variances of single indicators
CUSCO ~~ 0*CUSCO
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from sem_csat.errors import DataError, SpecError
from sem_csat.spec.features import refuse_unsupported
from sem_csat.spec.model import ModelSpec

__all__ = ["FixedResidual", "SemopySyntax", "to_semopy"]

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
# Labels that semopy would not read as a parameter name: float() accepts them (inf, nan,
# infinity in any case), 'START' fixes the parameter at its start value, and _b<k> / _c<k> are
# the names semopy gives unlabelled regression and covariance parameters.
_SEMOPY_RESERVED_RE = re.compile(r"(?i:inf|infinity|nan)|START|_[bc][0-9]+")
_EMPTY: Mapping[str, str] = MappingProxyType({})
_EMPTY_LABELS: Mapping[str, tuple[str, ...]] = MappingProxyType({})

_Kind = str  # "loading", "path", "covariance" or "variance"


@dataclass(frozen=True)
class FixedResidual:
    """A single-indicator item whose residual variance the translator fixes.

    Attributes
    ----------
    indicator
        The item (its residual variance is ``indicator ~~ indicator``).
    construct
        The single-indicator construct it measures.
    reliability
        The construct's declared reliability, or ``None`` (residual variance fixed at 0).
    """

    indicator: str
    construct: str
    reliability: float | None = None

    @property
    def needs_variance(self) -> bool:
        """Whether the fixed value depends on the item's sample variance."""
        return self.reliability is not None and self.reliability < 1.0

    def value(self, variance: float | None = None) -> float:
        """Return the fixed residual variance, ``(1 - reliability) * variance`` or 0.

        Parameters
        ----------
        variance
            Sample variance of the item; needed only when :attr:`needs_variance`.

        Raises
        ------
        DataError
            When the variance is needed but missing, not finite or not positive.

        Examples
        --------
        >>> FixedResidual("CUSCO", "Complaints", 0.8).value(5.0)
        0.9999999999999998
        >>> FixedResidual("CUSCO", "Complaints").value()
        0.0
        """
        if not self.needs_variance:
            return 0.0
        if variance is None or not math.isfinite(variance) or variance <= 0:
            raise DataError(
                f"Construct '{self.construct}' declares reliability {self.reliability}, so the "
                f"residual variance of its item '{self.indicator}' is fixed at (1 - reliability) "
                f"x its variance, but that variance is {variance!r}; '{self.indicator}' needs a "
                "positive, finite variance in the data."
            )
        return (1.0 - float(self.reliability or 0.0)) * float(variance)


@dataclass(frozen=True)
class SemopySyntax:
    """semopy model description generated from a spec.

    Attributes
    ----------
    body
        The description without the lines that depend on the data (the residual variances of
        single indicators whose construct declares a reliability below 1).
    fixed_residuals
        Single-indicator items whose residual variance is fixed, in spec order.
    labels
        Equality labels as they appear in the spec, each mapped to the parameters it ties,
        written lavaan-style (``"dem60 =~ y2"``).
    names
        Emitted label -> spec label, for labels renamed because semopy would misread them;
        empty when nothing was renamed.  Construct and item names are never renamed.
    """

    body: str
    fixed_residuals: tuple[FixedResidual, ...] = ()
    labels: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _EMPTY_LABELS)
    names: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    @property
    def needs_variances(self) -> bool:
        """Whether :meth:`with_variances` must be used instead of :attr:`text`."""
        return any(r.needs_variance for r in self.fixed_residuals)

    @property
    def text(self) -> str:
        """The complete semopy description when it does not depend on the data.

        Raises
        ------
        SpecError
            When a single-indicator construct declares a reliability below 1; use
            :meth:`with_variances` then.
        """
        if self.needs_variances:
            names = ", ".join(f"'{r.indicator}'" for r in self.fixed_residuals if r.needs_variance)
            raise SpecError(
                f"The residual variances of {names} depend on the data (their constructs "
                "declare a reliability); build the description with "
                "with_variances(data.var(ddof=0)) instead of text."
            )
        return self.with_variances({})

    def with_variances(self, variances: Mapping[str, float]) -> str:
        """Return the complete description, fixing residuals from the items' variances.

        Parameters
        ----------
        variances
            Sample variance of (at least) every item listed in :attr:`fixed_residuals` whose
            construct declares a reliability; use the divisor that the engine uses for its
            sample covariance matrix (semopy and lavaan's ML: ``N``, i.e. ``ddof=0``).

        Returns
        -------
        str
            The semopy model description.

        Raises
        ------
        DataError
            When a needed variance is missing, not finite or not positive.
        """
        lines = [self.body]
        fixed = []
        for r in self.fixed_residuals:
            value = r.value(variances.get(r.indicator) if r.needs_variance else None)
            fixed.append(f"{r.indicator} ~~ {_number(value)}*{r.indicator}")
        if fixed:
            lines += ["# fixed residual variances of single indicators", *fixed]
        return "\n".join(lines)


def _number(value: float) -> str:
    """Format a fixed value so that semopy's parser reads it back exactly.

    semopy splits terms at ``+``, so an exponent is written without its plus sign.

    >>> _number(1.0), _number(-0.25), _number(1e20), _number(1e-7)
    ('1', '-0.25', '1e20', '1e-07')
    """
    if not math.isfinite(value):
        raise SpecError(f"A fixed value must be a finite number, got {value!r}.")
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value)).replace("e+", "e")


def _name(name: str, what: str) -> str:
    """Check a name once more before it is written into semopy syntax."""
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise SpecError(
            f"The {what} name {name!r} cannot be written into semopy syntax: use letters, "
            "digits, '_' and '.', starting with a letter or '_'."
        )
    return name


@dataclass
class _Term:
    """One parameter on its way into the text."""

    where: str  # lavaan-style description, e.g. "dem60 =~ y2"
    kind: _Kind
    name: str  # the right-hand variable
    label: str | None
    fixed: float | None


def _refuse_unsupported(spec: ModelSpec) -> None:
    refuse_unsupported(spec, "CB-SEM", frozenset({"fixed_values", "equality_labels"}))
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


def _modifier(term: _Term, fixed_groups: Mapping[str, float]) -> str:
    if term.fixed is not None:
        return _number(term.fixed) + "*"
    if term.label is not None and term.label in fixed_groups:
        return _number(fixed_groups[term.label]) + "*"
    return ""


def to_semopy(spec: ModelSpec) -> SemopySyntax:
    """Translate a validated spec into a semopy model description.

    Parameters
    ----------
    spec
        The model.  Every construct must be reflective.

    Returns
    -------
    SemopySyntax
        The description and what the translator decided on the way (fixed residuals,
        equality labels, renamed labels).

    Raises
    ------
    SpecError
        When the spec holds something semopy cannot estimate faithfully: a formative
        construct (fit it by PLS instead), a reliability on a multi-indicator construct,
        a covariance given twice, conflicting fixed values under one label, or a label shared
        by a variance and a loading, path or covariance.

    Notes
    -----
    The generated text uses only ``=~``, ``~``, ``~~``, ``+``, ``*``, numbers, ``#`` comments of
    fixed wording and the spec's construct, item and label names; no user text (model name,
    labels for display, item wording) reaches it.

    Examples
    --------
    >>> from sem_csat.spec import ModelSpec
    >>> spec = ModelSpec.from_lavaan(
    ...     "ind60 =~ x1 + x2\\ndem60 =~ y1 + a*y2\\ndem65 =~ y5 + a*y6\\n"
    ...     "dem60 ~ ind60\\ndem65 ~ ind60 + dem60\\ny1 ~~ y5",
    ...     name="Bollen",
    ... )
    >>> syntax = to_semopy(spec)
    >>> print(syntax.text)
    # measurement model
    ind60 =~ 1*x1 + x2
    dem60 =~ 1*y1 + a*y2
    dem65 =~ 1*y5 + a*y6
    # structural model
    dem60 ~ ind60
    dem65 ~ ind60 + dem60
    # covariances
    y1 ~~ y5
    >>> dict(syntax.labels)
    {'a': ('dem60 =~ y2', 'dem65 =~ y6')}
    """
    _refuse_unsupported(spec)

    # ---- collect the parameters, construct by construct
    blocks: list[tuple[str, str, list[_Term]]] = []  # (lhs, op, terms)
    single: list[tuple[str, str, float | None]] = []  # (item, construct, reliability)
    for c in spec.constructs:
        lhs = _name(c.name, "construct")
        any_fixed = any(i.fixed is not None for i in c.indicators)
        terms = []
        for k, ind in enumerate(c.indicators):
            fixed = ind.fixed
            if k == 0 and not any_fixed:
                fixed = 1.0
            terms.append(
                _Term(
                    f"{c.name} =~ {ind.name}",
                    "loading",
                    _name(ind.name, "indicator"),
                    ind.label,
                    fixed,
                )
            )
        blocks.append((lhs, "=~", terms))
        if len(c.indicators) == 1:
            single.append((c.indicators[0].name, c.name, c.reliability))

    reg_blocks: list[tuple[str, str, list[_Term]]] = []
    for target in spec.construct_names:
        terms = [
            _Term(
                f"{p.target} ~ {p.source}", "path", _name(p.source, "construct"), p.label, p.fixed
            )
            for p in spec.paths
            if p.target == target
        ]
        if terms:
            reg_blocks.append((_name(target, "construct"), "~", terms))

    cov_blocks: list[tuple[str, str, list[_Term]]] = []
    seen_pairs: set[frozenset[str]] = set()
    user_variances: set[str] = set()
    for cov in spec.covariances:
        pair = frozenset((cov.left, cov.right))
        if pair in seen_pairs:
            raise SpecError(
                f"The covariance {cov.left} ~~ {cov.right} is declared twice (in either "
                "order); keep one of them."
            )
        seen_pairs.add(pair)
        kind = "variance" if cov.left == cov.right else "covariance"
        if kind == "variance":
            user_variances.add(cov.left)
        term = _Term(
            f"{cov.left} ~~ {cov.right}", kind, _name(cov.right, "covariance"), cov.label, cov.fixed
        )
        cov_blocks.append((_name(cov.left, "covariance"), "~~", [term]))

    all_terms = [t for _, _, ts in (*blocks, *reg_blocks, *cov_blocks) for t in ts]

    # ---- labels: groups, fixed groups, renaming
    groups: dict[str, list[_Term]] = {}
    for t in all_terms:
        if t.label is not None:
            groups.setdefault(_name(t.label, "parameter label"), []).append(t)
    fixed_groups: dict[str, float] = {}
    for label, members in groups.items():
        values = sorted({t.fixed for t in members if t.fixed is not None})
        if len(values) > 1:
            where = ", ".join(t.where for t in members if t.fixed is not None)
            raise SpecError(
                f"The label '{label}' ties parameters fixed at different values ({where}); an "
                "equality label can hold one value only, so give them different labels or the "
                "same fixed value."
            )
        if values:
            fixed_groups[label] = values[0]
        kinds = {t.kind == "variance" for t in members}
        if len(kinds) > 1:
            raise SpecError(
                f"The label '{label}' ties a variance to a loading, path or covariance "
                f"({', '.join(t.where for t in members)}); semopy keeps variances at or above 0 "
                "and would bound the others too, so use separate labels."
            )
    emitted: dict[str, str] = {}
    taken = set(groups)
    for label in groups:
        if _SEMOPY_RESERVED_RE.fullmatch(label):
            new = f"{label}_eq"
            k = 2
            while new in taken or _SEMOPY_RESERVED_RE.fullmatch(new):
                new, k = f"{label}_eq{k}", k + 1
            taken.add(new)
            emitted[label] = new
        else:
            emitted[label] = label

    def render(lhs: str, op: str, terms: list[_Term]) -> str:
        parts = []
        for t in terms:
            mod = _modifier(t, fixed_groups)
            if not mod and t.label is not None:
                mod = emitted[t.label] + "*"
            parts.append(f"{mod}{t.name}")
        return f"{lhs} {op} " + " + ".join(parts)

    lines = ["# measurement model", *(render(*b) for b in blocks)]
    if reg_blocks:
        lines += ["# structural model", *(render(*b) for b in reg_blocks)]
    if cov_blocks:
        lines += ["# covariances", *(render(*b) for b in cov_blocks)]

    residuals = tuple(
        FixedResidual(item, construct, reliability)
        for item, construct, reliability in single
        if item not in user_variances
    )
    labels = MappingProxyType({lab: tuple(t.where for t in ts) for lab, ts in groups.items()})
    names = MappingProxyType({new: old for old, new in emitted.items() if new != old})
    return SemopySyntax("\n".join(lines), residuals, labels, names)
