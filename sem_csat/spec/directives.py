"""The ``#:`` directive comments of sem_csat's lavaan-style model text.

lavaan's syntax has no place for a model's name, description, references and answer scale,
for construct labels, scales, reverse-coded items and reliabilities, for question wording, for
the names of interaction terms, for a mean structure without intercepts, or for the SERVQUAL
and survey-metrics blocks.  sem_csat keeps them in whole lines that start with ``#:``, which
lavaan reads as comments::

    #: name: ECSI
    #: description: European Customer Satisfaction Index
    #: reference: Tenenhaus et al. (2005)        (one line per reference, in order)
    #: scale: 1, 10                              (the model's answer scale)
    #: meanstructure: true                       (means without '~ 1' lines)
    #: label Image: Corporate image
    #: scale Value: 1, 7                         (a construct's own scale)
    #: reverse Value: PERV2, PERV3
    #: reliability Complaints: 0.8
    #: text PERV1: Given the quality, how do you rate the price?
    #: interaction SATxCOST: Satisfaction:SwitchingCosts
    #: servqual Tangibles: expectation E1, E2; perception P1, P2; weight 20
    #: nps: RECOMMEND
    #: csat: CSAT; scale 1, 5; top_box 2         (or just '#: csat: CSAT')
    #: ces: EFFORT
    #: kano Speed: KANO_F1, KANO_D1              (functional, dysfunctional)

A value runs to the end of the line and is stripped of surrounding blanks.  A value that is
empty, has surrounding blanks, starts with ``"`` or holds line breaks or other invisible
characters is written as a JSON string literal (``#: label X: " padded "``); the reader decodes
such a literal with :func:`json.loads`, nothing else.  Unknown directive keys are errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NoReturn

from sem_csat.errors import SpecError
from sem_csat.spec.checks import (
    check_name,
    check_scale,
    did_you_mean,
    format_number,
)
from sem_csat.spec.practice import CsatItem, KanoPair, Metrics, Servqual, ServqualDimension

if TYPE_CHECKING:
    from sem_csat.spec.model import Construct, ModelSpec

__all__ = ["DIRECTIVE_RE", "DirectiveReader", "construct_directives", "model_directives"]

DIRECTIVE_RE = re.compile(
    r"^\s*#:[ \t]*(?P<key>[A-Za-z_]\w*)(?:[ \t]+(?P<target>[^\s:]+))?[ \t]*:(?P<value>.*)$"
)
_MODEL_KEYS = ("name", "description", "reference", "scale", "meanstructure", "nps", "csat", "ces")
_CONSTRUCT_KEYS = ("label", "scale", "reverse", "reliability")
_TARGET_KEYS = ("text", "interaction", "servqual", "kano")
_KEYS = tuple(dict.fromkeys((*_MODEL_KEYS, *_CONSTRUCT_KEYS, *_TARGET_KEYS)))
_NUMBER = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_NUM_TEXT = rf"[+-]?(?:{_NUMBER}|inf)"
_PAIR_RE = re.compile(rf"^\[?\s*({_NUM_TEXT})\s*,\s*({_NUM_TEXT})\s*\]?$")
_NUM_RE = re.compile(rf"^{_NUM_TEXT}$")

Pos = tuple[int, int]
Fail = Callable[[str, Pos], NoReturn]


@dataclass
class Meta:
    """What the directives say about one construct."""

    label: str | None = None
    scale: tuple[float, float] | None = None
    reverse: tuple[str, ...] = ()
    reliability: float | None = None


@dataclass
class DirectiveReader:
    """Collects the ``#:`` lines of a lavaan text, checked against the declared constructs.

    ``items`` maps each construct to its observed items (empty for a higher-order one);
    ``fail(reason, (line, column))`` raises the located syntax error.
    """

    fail: Fail
    lines: Sequence[str]
    items: Mapping[str, Sequence[str]]
    model: dict[str, str] = field(default_factory=dict)
    scale: tuple[float, float] | None = None
    meanstructure: bool | None = None
    references: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    per_construct: dict[str, Meta] = field(default_factory=dict)
    interactions: dict[str, tuple[str, str, Pos]] = field(default_factory=dict)
    servqual_dims: list[ServqualDimension] = field(default_factory=list)
    kano: list[KanoPair] = field(default_factory=list)
    metric_items: dict[str, object] = field(default_factory=dict)
    block_lines: dict[str, int] = field(default_factory=dict)
    seen: dict[tuple[str, str | None], int] = field(default_factory=dict)

    @property
    def owner(self) -> dict[str, str]:
        return {i: c for c, items in self.items.items() for i in items}

    def construct(self, name: str) -> Meta:
        return self.per_construct.get(name, Meta())

    def add(self, number: int, match: re.Match[str] | None) -> None:
        """Read the directive on line ``number`` (``match`` of :data:`DIRECTIVE_RE`)."""
        fail = self.fail
        if match is None:
            column = self.lines[number - 1].index("#:") + 1
            fail(
                "A directive is written '#: key: value' or '#: key Name: value', such as "
                "'#: label Image: Corporate image'.",
                (number, column),
            )
        key, target = match.group("key"), match.group("target")
        key_pos = (number, match.start("key") + 1)
        value_pos = (number, match.start("value") + 1)
        if key not in _KEYS:
            fail(
                f"Unknown directive '{key}'{did_you_mean(key, _KEYS)}; the directives are "
                f"{', '.join(_KEYS)}.",
                key_pos,
            )
        if (key, target) in self.seen and key != "reference":
            first = self.seen[(key, target)]
            what = f"'{key} {target}'" if target else f"'{key}'"
            fail(f"The directive {what} is given twice (first on line {first}); keep one.", key_pos)
        self.seen[(key, target)] = number
        value = decode_value(match.group("value"), lambda reason: fail(reason, value_pos))
        if target is None:
            if key not in _MODEL_KEYS:
                fail(
                    f"The directive '{key}' needs the name it applies to, as in "
                    f"'#: {key} Image: ...'.",
                    key_pos,
                )
            self.model_level(key, value, value_pos, number)
            return
        target_pos = (number, match.start("target") + 1)
        if key in _TARGET_KEYS:
            self.targeted(key, target, value, target_pos, value_pos, number)
            return
        if key not in _CONSTRUCT_KEYS:
            fail(
                f"The directive '{key}' applies to the whole model; write '#: {key}: ...'.",
                target_pos,
            )
        self.construct_level(key, target, value, target_pos, value_pos)

    # ------------------------------------------------------------------ kinds
    def model_level(self, key: str, value: str, pos: Pos, number: int) -> None:
        if key == "reference":
            self.references.append(value)
        elif key == "scale":
            self.scale = self.pair(value, "the model", pos)
        elif key == "meanstructure":
            if value not in ("true", "false"):
                self.fail(f"meanstructure must be true or false, got '{value}'.", pos)
            self.meanstructure = value == "true"
        elif key in ("nps", "ces"):
            self.block_lines.setdefault("metrics", number)
            self.metric_items[key] = self.name(value, f"{key.upper()} item", pos)
        elif key == "csat":
            self.block_lines.setdefault("metrics", number)
            self.metric_items[key] = self.csat(value, pos)
        else:
            if key == "name" and not value.strip():
                self.fail("The model name must not be blank.", pos)
            self.model[key] = value

    def targeted(
        self, key: str, target: str, value: str, target_pos: Pos, value_pos: Pos, number: int
    ) -> None:
        owner = self.owner
        if key == "text":
            if target not in owner:
                self.fail(
                    f"'{target}' is not an indicator of any construct"
                    f"{did_you_mean(target, owner)}; declare it with '=~' first.",
                    target_pos,
                )
            self.texts[target] = value
        elif key == "interaction":
            self.name(target, "interaction", target_pos)
            parts = [p.strip() for p in value.split(":")]
            if len(parts) != 2:
                self.fail(
                    f"The interaction '{target}' is written '#: interaction {target}: A:B' "
                    "with two constructs joined by ':'.",
                    value_pos,
                )
            left, right = (self.name(p, "construct", value_pos) for p in parts)
            self.interactions[target] = (left, right, target_pos)
        elif key == "servqual":
            self.block_lines.setdefault("servqual", number)
            self.servqual_dims.append(self.servqual_dimension(target, value, value_pos))
        else:
            self.block_lines.setdefault("metrics", number)
            parts = [p.strip() for p in value.split(",")]
            if len(parts) != 2:
                self.fail(
                    f"The Kano feature '{target}' needs two items, 'functional, dysfunctional'.",
                    value_pos,
                )
            try:
                self.kano.append(KanoPair(target, parts[0], parts[1]))
            except SpecError as err:
                self.fail(str(err), value_pos)

    def construct_level(
        self, key: str, target: str, value: str, target_pos: Pos, value_pos: Pos
    ) -> None:
        if target not in self.items:
            self.fail(
                f"'{target}' is not a declared construct{did_you_mean(target, self.items)}; "
                "declare it with '=~' or '<~'.",
                target_pos,
            )
        meta = self.per_construct.setdefault(target, Meta())
        if key == "label":
            meta.label = value
        elif key == "scale":
            meta.scale = self.pair(value, f"construct '{target}'", value_pos)
        elif key == "reliability":
            if not _NUM_RE.match(value):
                self.fail(
                    f"The reliability of '{target}' must be a number in (0, 1], got '{value}'.",
                    value_pos,
                )
            if not 0.0 < float(value) <= 1.0:
                self.fail(
                    f"The reliability of '{target}' is {value}; it must lie in (0, 1].", value_pos
                )
            meta.reliability = float(value)
        else:
            items = list(self.items[target])
            names = [v.strip() for v in value.strip().strip("[]").split(",")]
            for item in names:
                if item not in items:
                    self.fail(
                        f"'{item}' is not an indicator of '{target}'"
                        f"{did_you_mean(item, items)}; list its reverse-coded items, "
                        "separated by commas.",
                        value_pos,
                    )
            meta.reverse = tuple(names)

    # ------------------------------------------------------------------ values
    def name(self, value: str, what: str, pos: Pos) -> str:
        try:
            return check_name(value, what)
        except SpecError as err:
            self.fail(str(err), pos)

    def names(self, value: str, what: str, pos: Pos) -> tuple[str, ...]:
        return tuple(self.name(v.strip(), what, pos) for v in value.split(","))

    def pair(self, value: str, where: str, pos: Pos) -> tuple[float, float]:
        m = _PAIR_RE.match(value.strip())
        if m is None:
            self.fail(
                f"The scale of {where} must be two numbers 'lowest, highest', such as '1, 10'; "
                f"got '{value}'.",
                pos,
            )
        try:
            return check_scale((float(m.group(1)), float(m.group(2))), where)
        except SpecError as err:
            self.fail(str(err), pos)

    def parts(self, value: str, allowed: Sequence[str], what: str, pos: Pos) -> dict[str, str]:
        out: dict[str, str] = {}
        for part in value.split(";"):
            key, _, rest = part.strip().partition(" ")
            if key not in allowed or key in out or not rest.strip():
                self.fail(
                    f"Cannot read '{part.strip()}' in {what}; write "
                    + "; ".join(f"{k} ..." for k in allowed)
                    + ".",
                    pos,
                )
            out[key] = rest.strip()
        return out

    def servqual_dimension(self, target: str, value: str, pos: Pos) -> ServqualDimension:
        where = f"the SERVQUAL dimension '{target}'"
        parts = self.parts(value, ("expectation", "perception", "weight"), where, pos)
        for key in ("expectation", "perception"):
            if key not in parts:
                self.fail(f"The directive for {where} has no '{key}' items.", pos)
        weight = None
        if "weight" in parts:
            if not _NUM_RE.match(parts["weight"]):
                self.fail(f"The weight of {where} must be a number.", pos)
            weight = float(parts["weight"])
        try:
            return ServqualDimension(
                target,
                self.names(parts["expectation"], "item", pos),
                self.names(parts["perception"], "item", pos),
                weight,
            )
        except SpecError as err:
            self.fail(str(err), pos)

    def csat(self, value: str, pos: Pos) -> CsatItem:
        item, _, rest = value.partition(";")
        name = self.name(item.strip(), "CSAT item", pos)
        parts = self.parts(rest, ("scale", "top_box"), "the CSAT directive", pos) if rest else {}
        scale = self.pair(parts["scale"], "the CSAT item", pos) if "scale" in parts else None
        top_box = 2
        if "top_box" in parts:
            if not parts["top_box"].isdigit():
                self.fail("top_box of the CSAT item must be a whole number such as 2.", pos)
            top_box = int(parts["top_box"])
        try:
            return CsatItem(name, scale, top_box)
        except SpecError as err:
            self.fail(str(err), pos)

    # ------------------------------------------------------------------ blocks
    def servqual(self) -> Servqual | None:
        if not self.servqual_dims:
            return None
        try:
            return Servqual(tuple(self.servqual_dims))
        except SpecError as err:
            self.fail(str(err), (self.block_lines["servqual"], 1))

    def metrics(self) -> Metrics | None:
        if not self.metric_items and not self.kano:
            return None
        try:
            return Metrics(
                nps=self.metric_items.get("nps"),  # type: ignore[arg-type]
                csat=self.metric_items.get("csat"),  # type: ignore[arg-type]
                ces=self.metric_items.get("ces"),  # type: ignore[arg-type]
                kano=tuple(self.kano),
            )
        except SpecError as err:
            self.fail(str(err), (self.block_lines["metrics"], 1))


# ---------------------------------------------------------------------------- values
def decode_value(raw: str, fail: Callable[[str], NoReturn]) -> str:
    """A directive's value: stripped text, or a decoded JSON string literal."""
    value = raw.strip()
    if not value:
        fail('The directive has no value; write "" for an empty text.')
    if not value.startswith('"'):
        return value
    try:
        decoded = json.loads(value)
    except (ValueError, RecursionError) as err:
        fail(f"The quoted value is not a valid JSON string ({err}); check the quotes.")
    if not isinstance(decoded, str):
        fail('The quoted value must be one JSON string, such as "a text".')
    return decoded


def encode_value(value: str) -> str:
    """A directive value: bare when that reads back identically, else a JSON literal."""
    if value and value == value.strip() and not value.startswith('"') and value.isprintable():
        return value
    quoted = json.dumps(value, ensure_ascii=False)
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in quoted)


def _escape(ch: str) -> str:
    units = ch.encode("utf-16-be", "surrogatepass")
    return "".join(
        f"\\u{int.from_bytes(units[k : k + 2], 'big'):04x}" for k in range(0, len(units), 2)
    )


# ---------------------------------------------------------------------------- writing
def model_directives(spec: ModelSpec) -> list[str]:
    """The model-level directive lines of ``spec``."""
    out = [f"#: name: {encode_value(spec.name)}"]
    if spec.description:
        out.append(f"#: description: {encode_value(spec.description)}")
    out += [f"#: reference: {encode_value(ref)}" for ref in spec.references]
    if spec.scale is not None:
        out.append(f"#: scale: {', '.join(format_number(v) for v in spec.scale)}")
    if spec.meanstructure and not spec.intercepts:
        out.append("#: meanstructure: true")
    if spec.servqual is not None:
        for d in spec.servqual.dimensions:
            line = (
                f"#: servqual {d.name}: expectation {', '.join(d.expectation)}; "
                f"perception {', '.join(d.perception)}"
            )
            if d.weight is not None:
                line += f"; weight {format_number(d.weight)}"
            out.append(line)
    m = spec.metrics
    if m is not None:
        if m.nps is not None:
            out.append(f"#: nps: {m.nps}")
        if m.csat is not None:
            line = f"#: csat: {m.csat.item}"
            if m.csat.scale is not None:
                line += f"; scale {', '.join(format_number(v) for v in m.csat.scale)}"
            if m.csat.top_box != 2:
                line += f"; top_box {m.csat.top_box}"
            out.append(line)
        if m.ces is not None:
            out.append(f"#: ces: {m.ces}")
        out += [f"#: kano {p.feature}: {p.functional}, {p.dysfunctional}" for p in m.kano]
    for i in spec.interactions:
        if i.name != i.default_name(i.left, i.right):
            out.append(f"#: interaction {i.name}: {i.left}:{i.right}")
    return out


def construct_directives(c: Construct) -> list[str]:
    """The directive lines written above construct ``c``'s statement."""
    out: list[str] = []
    if c.label is not None:
        out.append(f"#: label {c.name}: {encode_value(c.label)}")
    if c.scale is not None:
        out.append(f"#: scale {c.name}: {', '.join(format_number(v) for v in c.scale)}")
    if c.reverse:
        out.append(f"#: reverse {c.name}: {', '.join(c.reverse)}")
    if c.reliability is not None:
        out.append(f"#: reliability {c.name}: {format_number(c.reliability)}")
    out += [f"#: text {i.name}: {encode_value(i.text)}" for i in c.indicators if i.text is not None]
    return out
