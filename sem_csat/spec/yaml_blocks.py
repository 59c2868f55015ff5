"""Reading a YAML spec, part 1: the reader's checks and the blocks beyond constructs and paths.

:class:`ReaderBase` holds the checks every part of a spec uses (unknown keys, texts, scales,
lists of entries, ``label*name`` terms); :class:`BlockReader` reads the interactions,
intercepts, defined parameters, constraints and the ``servqual`` and ``metrics`` blocks.
:mod:`sem_csat.spec.yaml_io` adds the constructs, paths and covariances and builds the spec.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from yaml.error import Mark

from sem_csat.errors import SpecError, SpecSyntaxError
from sem_csat.spec.checks import Scale, check_name, check_scale, did_you_mean
from sem_csat.spec.expressions import Expression
from sem_csat.spec.lavaan import name_pattern, parse_term
from sem_csat.spec.model import Constraint, Defined, Interaction, Intercept
from sem_csat.spec.practice import CsatItem, KanoPair, Metrics, Servqual, ServqualDimension
from sem_csat.spec.yaml_safe import (
    is_number,
    mark_of,
    position,
    shift_mark,
    show,
    syntax_error,
)

__all__ = ["BlockReader", "ReaderBase"]

SERVQUAL_KEYS = ("expectation", "perception", "weight")
METRICS_KEYS = ("nps", "csat", "ces", "kano")
CSAT_KEYS = ("item", "scale", "top_box")


class ReaderBase:
    """Checks a YAML-shaped mapping key by key; every problem is a located syntax error."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.places: list[tuple[str, tuple[int, int]]] = []

    def fail(self, reason: str, mark: Mark | None) -> NoReturn:
        raise syntax_error(reason, self.source, mark)

    def check_keys(self, data: Mapping[Any, Any], allowed: Sequence[str], where: str) -> None:
        for key in data:
            if not isinstance(key, str) or key not in allowed:
                hint = did_you_mean(key, allowed) if isinstance(key, str) else ""
                self.fail(
                    f"{where} has an unknown key {show(key)}{hint}; the keys allowed there "
                    f"are {', '.join(allowed)}.",
                    mark_of(data, key),
                )

    def text(self, data: Mapping[Any, Any], key: str, where: str) -> str | None:
        value = data.get(key)
        if value is None or isinstance(value, str):
            return value
        self.fail(
            f"The {key} of {where} must be a text, got {show(value)}; put it in quotes.",
            mark_of(data, key, value=True),
        )

    def scale(self, data: Mapping[Any, Any], where: str) -> Scale | None:
        value = data.get("scale")
        if value is None:
            return None
        mark = mark_of(data, "scale", value=True)
        if not isinstance(value, list) or len(value) != 2 or not all(map(is_number, value)):
            self.fail(
                f"The scale of {where} must be two numbers [lowest, highest], such as [1, 10]; "
                f"got {show(value)}.",
                mark,
            )
        try:
            return check_scale(value, where)
        except SpecError as err:
            self.fail(str(err), mark)

    def entries(
        self, data: Mapping[Any, Any], key: str, example: str
    ) -> list[tuple[str, Mark | None]]:
        value = data.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [(value, mark_of(data, key, value=True))]
        if not isinstance(value, list):
            self.fail(
                f"'{key}' must be a list of entries such as '{example}'; got {show(value)}.",
                mark_of(data, key, value=True),
            )
        out: list[tuple[str, Mark | None]] = []
        for k, entry in enumerate(value):
            if not isinstance(entry, str):
                self.fail(
                    f"Each entry of '{key}' must be a text such as '{example}'; got {show(entry)}.",
                    mark_of(value, k),
                )
            out.append((entry, mark_of(value, k)))
        return out

    def term(
        self, entry: object, mark: Mark | None, where: str
    ) -> tuple[str, str | None, float | None]:
        if not isinstance(entry, str):
            self.fail(f"An item of {where} must be a name, got {show(entry)}.", mark)
        try:
            return parse_term(entry)
        except SpecSyntaxError as err:
            self.fail(
                f"The entry {show(entry)} of {where} is not an item name with optional "
                f"modifiers ({err.reason.rstrip('.')}); write x1, a*x1 (labelled) or 1*x1 "
                "(fixed).",
                mark,
            )

    def mapping(self, data: Mapping[Any, Any], key: str, example: str) -> Mapping[Any, Any]:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fail(
                f"'{key}' must be a mapping such as '{example}'; got {show(value)}.",
                mark_of(data, key, value=True),
            )
        return value


class BlockReader(ReaderBase):
    """Reads the interactions, intercepts, ``defined``, ``constraints``, ``servqual`` and
    ``metrics`` of a spec."""

    def interactions(self, data: Mapping[Any, Any]) -> list[Interaction]:
        block = self.mapping(data, "interactions", "SATxCOST: [Satisfaction, SwitchingCosts]")
        out: list[Interaction] = []
        for name, pair in block.items():
            mark = mark_of(block, name)
            if not isinstance(name, str):
                self.fail(f"An interaction name must be a text, got {show(name)}.", mark)
            if (
                not isinstance(pair, list)
                or len(pair) != 2
                or not all(isinstance(p, str) for p in pair)
            ):
                self.fail(
                    f"The interaction '{name}' must list the two constructs it multiplies, as "
                    f"in '{name}: [Satisfaction, SwitchingCosts]'; got {show(pair)}.",
                    mark_of(block, name, value=True),
                )
            self.places.append((rf"The interaction '{re.escape(name)}'", position(mark)))
            try:
                out.append(Interaction(name, pair[0], pair[1]))
            except SpecError as err:
                self.fail(str(err), mark)
        return out

    def intercepts(self, data: Mapping[Any, Any]) -> list[Intercept]:
        out: list[Intercept] = []
        for entry, mark in self.entries(data, "intercepts", "y1 ~ 1"):
            left, op, right = entry.partition("~")
            m = re.fullmatch(r"(?:(.*?)\s*\*\s*)?1", right.strip() if op else "1")
            if m is None:
                self.fail(
                    f"The intercept {show(entry)} must be written 'y1' or 'y1 ~ 1', with "
                    "modifiers in front of the 1 ('F ~ 0*1', 'y1 ~ a*1').",
                    mark,
                )
            label: str | None = None
            fixed: float | None = None
            if m.group(1):
                try:
                    _, label, fixed = parse_term(m.group(1) + "*x")
                except SpecSyntaxError as err:
                    self.fail(
                        f"The intercept {show(entry)} has unreadable modifiers "
                        f"({err.reason.rstrip('.')}); write 'F ~ 0*1' or 'y1 ~ a*1'.",
                        mark,
                    )
            for variable in left.split(","):
                variable = variable.strip()
                try:
                    check_name(variable, "intercept variable")
                    out.append(Intercept(variable, label, fixed))
                except SpecError as err:
                    self.fail(f"In the intercept {show(entry)}: {err}", mark)
                self.places.append((name_pattern(f"{variable} ~ 1"), position(mark)))
        return out

    def expression(
        self, text: str, mark: Mark | None, where: str, *, entry: str | None = None, at: int = 0
    ) -> Expression:
        """Parse ``text`` (found at offset ``at`` of the YAML value ``entry``)."""
        try:
            return Expression(text)
        except SpecSyntaxError as err:
            self.fail(
                f"{where}: {err.reason}",
                shift_mark(mark, entry or text, at + (err.column or 1) - 1),
            )
        except SpecError as err:
            self.fail(f"{where}: {err}", mark)

    def defined(self, data: Mapping[Any, Any]) -> list[Defined]:
        block = self.mapping(data, "defined", "ind_QS: a*b")
        out: list[Defined] = []
        for name, value in block.items():
            mark = mark_of(block, name)
            if not isinstance(name, str):
                self.fail(f"A defined parameter's name must be a text, got {show(name)}.", mark)
            try:
                check_name(name, "defined parameter")
            except SpecError as err:
                self.fail(str(err), mark)
            if is_number(value):
                value = str(value)
            if not isinstance(value, str):
                self.fail(
                    f"The defined parameter '{name}' must be an expression such as 'a*b', got "
                    f"{show(value)}.",
                    mark_of(block, name, value=True),
                )
            where = f"In the defined parameter '{name}'"
            expr = self.expression(value, mark_of(block, name, value=True), where)
            self.places.append((rf"The defined parameter '{re.escape(name)}'", position(mark)))
            out.append(Defined(name, expr))
        return out

    def constraints(self, data: Mapping[Any, Any]) -> list[Constraint]:
        out: list[Constraint] = []
        for entry, mark in self.entries(data, "constraints", "a == b"):
            if entry.count("==") != 1:
                self.fail(
                    f"The constraint {show(entry)} must be written 'left == right', such as "
                    "'a == 2*b' (one '==' per entry).",
                    mark,
                )
            k = entry.index("==")
            sides = []
            for text, at in ((entry[:k], 0), (entry[k + 2 :], k + 2)):
                lead = len(text) - len(text.lstrip())
                where = f"In the constraint {show(entry)}"
                sides.append(self.expression(text.strip(), mark, where, entry=entry, at=at + lead))
            constraint = Constraint(sides[0], sides[1])
            self.places.append((re.escape(f"The constraint {constraint.text}"), position(mark)))
            out.append(constraint)
        return out

    def item_list(self, data: Mapping[Any, Any], key: str, where: str) -> tuple[str, ...]:
        value = data.get(key)
        mark = mark_of(data, key, value=True)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(
                f"The {key} items of {where} must be a list of item names, got {show(value)}.",
                mark,
            )
        for v in value:
            try:
                check_name(v, "item")
            except SpecError as err:
                self.fail(str(err), mark)
        return tuple(value)

    def servqual(self, data: Mapping[Any, Any]) -> Servqual | None:
        if data.get("servqual") is None:
            return None
        block = self.mapping(
            data, "servqual", "Tangibles: {expectation: [E1, E2], perception: [P1, P2]}"
        )
        dims: list[ServqualDimension] = []
        for name, body in block.items():
            mark = mark_of(block, name)
            where = f"SERVQUAL dimension {show(name)}"
            if not isinstance(name, str):
                self.fail(f"A SERVQUAL dimension must be a name, got {show(name)}.", mark)
            if not isinstance(body, Mapping):
                self.fail(
                    f"The {where} must be a mapping with 'expectation' and 'perception' item "
                    f"lists; got {show(body)}.",
                    mark_of(block, name, value=True),
                )
            self.check_keys(body, SERVQUAL_KEYS, f"The {where}")
            for key in ("expectation", "perception"):
                if key not in body:
                    self.fail(f"The {where} has no '{key}' items; list them.", mark)
            weight = body.get("weight")
            if weight is not None and not is_number(weight):
                self.fail(
                    f"The weight of the {where} must be a number, got {show(weight)}.",
                    mark_of(body, "weight", value=True),
                )
            expectation = self.item_list(body, "expectation", where)
            perception = self.item_list(body, "perception", where)
            try:
                dims.append(ServqualDimension(name, expectation, perception, weight))
            except SpecError as err:
                self.fail(str(err), mark)
        self.places.append(("The servqual block", position(mark_of(data, "servqual"))))
        try:
            return Servqual(tuple(dims))
        except SpecError as err:
            self.fail(str(err), mark_of(data, "servqual"))

    def metrics(self, data: Mapping[Any, Any]) -> Metrics | None:
        if data.get("metrics") is None:
            return None
        block = self.mapping(data, "metrics", "nps: RECOMMEND")
        self.check_keys(block, METRICS_KEYS, "The metrics block")
        single: dict[str, str | None] = {}
        for key in ("nps", "ces"):
            value = block.get(key)
            if value is not None and not isinstance(value, str):
                self.fail(
                    f"'{key}' must name one item, got {show(value)}.",
                    mark_of(block, key, value=True),
                )
            single[key] = value
        csat, kano = self.csat(block), self.kano(block)
        self.places.append(("The metrics block", position(mark_of(data, "metrics"))))
        try:
            return Metrics(nps=single["nps"], csat=csat, ces=single["ces"], kano=tuple(kano))
        except SpecError as err:
            self.fail(str(err), mark_of(data, "metrics"))

    def csat(self, block: Mapping[Any, Any]) -> CsatItem | None:
        value = block.get("csat")
        mark = mark_of(block, "csat", value=True)
        if value is None:
            return None
        if isinstance(value, str):
            value = {"item": value}
        if not isinstance(value, Mapping) or not isinstance(value.get("item"), str):
            self.fail(
                "'csat' must name one item, or be a mapping such as "
                f"'{{item: CSAT, scale: [1, 5], top_box: 2}}'; got {show(value)}.",
                mark,
            )
        self.check_keys(value, CSAT_KEYS, "The csat entry")
        top_box = value.get("top_box", 2)
        if isinstance(top_box, bool) or not isinstance(top_box, int):
            self.fail(
                f"top_box must be a whole number such as 2, got {show(top_box)}.",
                mark_of(value, "top_box", value=True),
            )
        scale = self.scale(value, f"the CSAT item '{value['item']}'")
        try:
            return CsatItem(value["item"], scale, top_box)
        except SpecError as err:
            self.fail(str(err), mark)

    def kano(self, block: Mapping[Any, Any]) -> list[KanoPair]:
        value = block.get("kano")
        mark = mark_of(block, "kano", value=True)
        if value is None:
            return []
        if isinstance(value, Mapping):
            pairs = [(k, v, mark_of(value, k)) for k, v in value.items()]
        elif isinstance(value, list):
            pairs = [(None, v, mark_of(value, k)) for k, v in enumerate(value)]
        else:
            pairs = []
            self.fail(
                "'kano' must list [functional, dysfunctional] item pairs, or map each feature "
                f"to its pair; got {show(value)}.",
                mark,
            )
        out: list[KanoPair] = []
        for feature, pair, where in pairs:
            if (
                not isinstance(pair, list)
                or len(pair) != 2
                or not all(isinstance(p, str) for p in pair)
            ):
                self.fail(
                    "Each Kano entry is a pair [functional, dysfunctional] of item names, such "
                    f"as [KANO_F1, KANO_D1]; got {show(pair)}.",
                    where,
                )
            if feature is not None and not isinstance(feature, str):
                self.fail(f"A Kano feature must be a name, got {show(feature)}.", where)
            try:
                out.append(KanoPair(feature or pair[0], pair[0], pair[1]))
            except SpecError as err:
                self.fail(str(err), where)
        return out
