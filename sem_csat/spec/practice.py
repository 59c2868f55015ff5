"""The practitioner's survey metrics that a spec can declare beside the model.

Customer-satisfaction teams report, besides an index model, the net promoter score (NPS), a
CSAT top-box share, the customer effort score (CES), Kano classifications of requirements and
SERVQUAL gaps.  A spec names the items these need in two optional blocks, so that one ``fit``
can give the model and the dashboard numbers together (:mod:`sem_csat.metrics` computes them):

.. code-block:: yaml

    servqual:                              # dimension -> expectation and perception items
      Tangibles:
        expectation: [E_TAN1, E_TAN2, E_TAN3, E_TAN4]
        perception: [TAN1, TAN2, TAN3, TAN4]
        weight: 20                         # optional importance weight (all or none)
    metrics:
      nps: RECOMMEND                       # 0-10 likelihood-to-recommend item
      csat: {item: CSAT, scale: [1, 5], top_box: 2}   # or just 'csat: CSAT'
      ces: EFFORT
      kano:                                # feature -> [functional, dysfunctional]
        Speed: [KANO_F1, KANO_D1]          # or a list of pairs: [[KANO_F1, KANO_D1], ...]

These items need not measure any construct: the expectation items of SERVQUAL and the NPS
question usually do not.  SERVQUAL's item gap is perception minus expectation, item by item,
so the two lists of a dimension are paired by position and must be equally long
(Parasuraman, Zeithaml & Berry 1988).  Importance weights are relative: they are divided by
their sum where they are used, so the 100 points that SERVQUAL respondents allocate
(Parasuraman, Berry & Zeithaml 1991) and fractions give the same weighted gap.

References
----------
Parasuraman, A., Zeithaml, V. A., & Berry, L. L. (1988). SERVQUAL: A multiple-item scale for
measuring consumer perceptions of service quality. Journal of Retailing, 64(1), 12-40.

Parasuraman, A., Berry, L. L., & Zeithaml, V. A. (1991). Refinement and reassessment of the
SERVQUAL scale. Journal of Retailing, 67(4), 420-450.

Reichheld, F. F. (2003). The one number you need to grow. Harvard Business Review, 81(12),
46-54.

Berger, C., et al. (1993). Kano's methods for understanding customer-defined quality. Center
for Quality of Management Journal, 2(4), 3-36.

Examples
--------
>>> s = Servqual([ServqualDimension("Tangibles", ["E1", "E2"], ["P1", "P2"])])
>>> s.items
('E1', 'E2', 'P1', 'P2')
>>> m = Metrics(nps="NPS", csat="CSAT", kano=[KanoPair("Speed", "F1", "D1")])
>>> m.csat, m.items
(CsatItem(item='CSAT', scale=None, top_box=2), ('NPS', 'CSAT', 'F1', 'D1'))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sem_csat.errors import SpecError
from sem_csat.spec.checks import Scale, check_name, check_scale, did_you_mean

__all__ = ["CsatItem", "KanoPair", "Metrics", "Servqual", "ServqualDimension"]


def _names(value: object, what: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise SpecError(f"The {what} must be a list of item names, got {value!r}.")
    return tuple(check_name(v, "item") for v in value)


@dataclass(frozen=True)
class ServqualDimension:
    """One SERVQUAL dimension: its expectation and perception items, paired by position.

    Attributes
    ----------
    name
        The dimension (``Tangibles``, ``Reliability``, ...).
    expectation
        Items asking what an excellent firm would offer.
    perception
        Items asking what this firm offers, in the same order.
    weight
        Optional relative importance of the dimension (non-negative).
    """

    name: str
    expectation: tuple[str, ...]
    perception: tuple[str, ...]
    weight: float | None = None

    def __post_init__(self) -> None:
        check_name(self.name, "SERVQUAL dimension")
        where = f"SERVQUAL dimension '{self.name}'"
        object.__setattr__(self, "expectation", _names(self.expectation, f"expectation of {where}"))
        object.__setattr__(self, "perception", _names(self.perception, f"perception of {where}"))
        if not self.expectation or not self.perception:
            missing = "expectation" if not self.expectation else "perception"
            raise SpecError(
                f"The {where} has no {missing} items; list them, as in "
                f"'{missing}: [{'E' if missing == 'expectation' else 'P'}1, ...]'."
            )
        if len(self.expectation) != len(self.perception):
            raise SpecError(
                f"The {where} has {len(self.expectation)} expectation and "
                f"{len(self.perception)} perception items; SERVQUAL pairs them item by item "
                "(gap = perception - expectation), so list the same number of each."
            )
        if self.weight is not None:
            w = self.weight
            if not isinstance(w, int | float) or isinstance(w, bool) or not math.isfinite(w):
                raise SpecError(f"The weight of the {where} must be a number, got {w!r}.")
            if w < 0:
                raise SpecError(f"The weight of the {where} is {w}; weights cannot be negative.")
            object.__setattr__(self, "weight", float(w))

    @property
    def items(self) -> tuple[str, ...]:
        """Expectation items, then perception items."""
        return self.expectation + self.perception


@dataclass(frozen=True)
class Servqual:
    """The SERVQUAL block: dimensions with their expectation and perception items.

    Raises
    ------
    SpecError
        When there are no dimensions, a name or an item is used twice, or only some
        dimensions carry a weight.
    """

    dimensions: tuple[ServqualDimension, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.dimensions, tuple):
            object.__setattr__(self, "dimensions", tuple(self.dimensions))
        if not self.dimensions:
            raise SpecError(
                "The servqual block declares no dimensions; map each dimension to its "
                "'expectation' and 'perception' items."
            )
        seen: dict[str, str] = {}
        names: set[str] = set()
        for d in self.dimensions:
            if not isinstance(d, ServqualDimension):
                raise SpecError(f"A SERVQUAL dimension must be a ServqualDimension, got {d!r}.")
            if d.name in names:
                raise SpecError(f"The SERVQUAL dimension '{d.name}' is declared twice.")
            names.add(d.name)
            for item in d.items:
                if item in seen:
                    where = "twice in" if seen[item] == d.name else f"in '{seen[item]}' and"
                    raise SpecError(
                        f"The SERVQUAL item '{item}' is listed {where} '{d.name}'; each "
                        "question belongs to one dimension, as an expectation or a perception."
                    )
                seen[item] = d.name
        weighted = [d.name for d in self.dimensions if d.weight is not None]
        if weighted and len(weighted) < len(self.dimensions):
            missing = [d.name for d in self.dimensions if d.weight is None]
            raise SpecError(
                f"SERVQUAL dimension(s) {', '.join(repr(m) for m in missing)} have no weight "
                "while others have one; give every dimension a weight or none."
            )
        if weighted and not sum(d.weight or 0.0 for d in self.dimensions) > 0:
            raise SpecError(
                "The SERVQUAL weights are all zero; give at least one a positive weight."
            )

    @property
    def dimension_names(self) -> tuple[str, ...]:
        """The dimensions, in order."""
        return tuple(d.name for d in self.dimensions)

    @property
    def items(self) -> tuple[str, ...]:
        """Every item of the block, dimension by dimension (expectations, then perceptions)."""
        return tuple(i for d in self.dimensions for i in d.items)

    @property
    def weights(self) -> dict[str, float] | None:
        """Weights by dimension, divided by their sum; ``None`` when none are given."""
        if self.dimensions[0].weight is None:
            return None
        total = sum(d.weight or 0.0 for d in self.dimensions)
        return {d.name: (d.weight or 0.0) / total for d in self.dimensions}

    def dimension(self, name: str) -> ServqualDimension:
        """The dimension called ``name``."""
        for d in self.dimensions:
            if d.name == name:
                return d
        raise SpecError(
            f"The servqual block has no dimension '{name}'"
            f"{did_you_mean(name, self.dimension_names)}."
        )


@dataclass(frozen=True)
class CsatItem:
    """The CSAT question and how its top box is counted.

    Attributes
    ----------
    item
        The item (column) name.
    scale
        Its answer scale ``(lowest, highest)``, whole numbers; ``None`` to use the scale of the
        construct it measures, else the model's.
    top_box
        How many of the highest answer categories count as satisfied (2: top-2-box).
    """

    item: str
    scale: Scale | None = None
    top_box: int = 2

    def __post_init__(self) -> None:
        check_name(self.item, "CSAT item")
        if isinstance(self.top_box, bool) or not isinstance(self.top_box, int):
            raise SpecError(
                f"top_box of the CSAT item '{self.item}' must be a whole number of answer "
                f"categories such as 2 (top-2-box), got {self.top_box!r}."
            )
        if self.top_box < 1:
            raise SpecError(
                f"top_box of the CSAT item '{self.item}' is {self.top_box}; count at least the "
                "top category (1)."
            )
        if self.scale is not None:
            low, high = check_scale(self.scale, f"the CSAT item '{self.item}'")
            if not (low.is_integer() and high.is_integer()):
                raise SpecError(
                    f"The scale of the CSAT item '{self.item}' is [{low:g}, {high:g}]; CSAT "
                    "counts answer categories, so give whole numbers such as [1, 5]."
                )
            if self.top_box >= high - low + 1:
                raise SpecError(
                    f"top_box {self.top_box} of the CSAT item '{self.item}' covers all "
                    f"{int(high - low + 1)} answers of its scale [{low:g}, {high:g}]; use a "
                    "smaller number such as 2."
                )
            object.__setattr__(self, "scale", (low, high))


@dataclass(frozen=True)
class KanoPair:
    """A Kano feature: its functional (feature present) and dysfunctional (absent) questions."""

    feature: str
    functional: str
    dysfunctional: str

    def __post_init__(self) -> None:
        check_name(self.feature, "Kano feature")
        check_name(self.functional, "item")
        check_name(self.dysfunctional, "item")
        if self.functional == self.dysfunctional:
            raise SpecError(
                f"The Kano feature '{self.feature}' uses '{self.functional}' as both its "
                "functional and its dysfunctional question; give two different items."
            )


@dataclass(frozen=True)
class Metrics:
    """The survey metrics block: NPS, CSAT and CES items and Kano question pairs.

    ``csat`` may be given as an item name; it becomes a :class:`CsatItem`.

    Raises
    ------
    SpecError
        When nothing is declared, or an item or a feature is used twice.
    """

    nps: str | None = None
    csat: CsatItem | None = None
    ces: str | None = None
    kano: tuple[KanoPair, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.csat, str):
            object.__setattr__(self, "csat", CsatItem(self.csat))
        if self.csat is not None and not isinstance(self.csat, CsatItem):
            raise SpecError(f"csat must be an item name or a CsatItem, got {self.csat!r}.")
        if not isinstance(self.kano, tuple):
            object.__setattr__(self, "kano", tuple(self.kano))
        for key in ("nps", "ces"):
            value = getattr(self, key)
            if value is not None:
                check_name(value, f"{key.upper()} item")
        if self.nps is None and self.csat is None and self.ces is None and not self.kano:
            raise SpecError(
                "The metrics block declares nothing; name an item under nps, csat or ces, or "
                "list Kano question pairs under kano."
            )
        features: set[str] = set()
        for pair in self.kano:
            if not isinstance(pair, KanoPair):
                raise SpecError(f"A Kano entry must be a KanoPair, got {pair!r}.")
            if pair.feature in features:
                raise SpecError(f"The Kano feature '{pair.feature}' is declared twice.")
            features.add(pair.feature)
        roles: dict[str, str] = {}
        for role, item in self.roles():
            if item in roles:
                raise SpecError(
                    f"The item '{item}' is used as {roles[item]} and as {role}; each metric "
                    "needs its own question."
                )
            roles[item] = role

    def roles(self) -> tuple[tuple[str, str], ...]:
        """``(role, item)`` pairs, such as ``("the NPS item", "REC")``."""
        out: list[tuple[str, str]] = []
        if self.nps is not None:
            out.append(("the NPS item", self.nps))
        if self.csat is not None:
            out.append(("the CSAT item", self.csat.item))
        if self.ces is not None:
            out.append(("the CES item", self.ces))
        for p in self.kano:
            out.append((f"the functional question of Kano feature '{p.feature}'", p.functional))
            out.append(
                (f"the dysfunctional question of Kano feature '{p.feature}'", p.dysfunctional)
            )
        return tuple(out)

    @property
    def items(self) -> tuple[str, ...]:
        """Every item the block names, in the order nps, csat, ces, Kano pairs."""
        return tuple(item for _, item in self.roles())
