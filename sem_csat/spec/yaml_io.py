"""Read and write model specs as YAML, the format of every bundled model.

The format
----------
.. code-block:: yaml

    name: ECSI                       # required
    description: European Customer Satisfaction Index, mobile-phone variant
    references: ["Tenenhaus et al. (2005) ..."]          # a text or a list of texts
    scale: [1, 10]                   # answer scale of all items
    constructs:                      # required, in order
      Image:      {indicators: [IMAG1, IMAG2, IMAG3], label: Corporate image}
      Complaints: {indicators: [CUSCO]}
      QUAL:       {indicators: [qual_1, qual_2], mode: formative}   # default: reflective
      Value:
        label: Perceived value
        scale: [1, 7]                # this block's own scale
        reverse: [PERV2]             # reverse-coded items
        reliability: 0.8             # known reliability (single items, CB-SEM)
        indicators:                  # a mapping item -> question wording is allowed
          PERV1: "Given the quality, the price is ..."
          PERV2: "..."
    paths:                           # every source to every target
      - Image -> Expectation, Satisfaction
      - COMP, LIKE -> CUSA, CUSL
    covariances:
      - Image ~~ Expectation

Parameter labels and fixed values
---------------------------------
lavaan's modifiers are written as in lavaan, in front of the name at the head of the arrow:
``label*name`` labels a parameter (equal labels mean equal parameters), ``number*name`` fixes
it, and ``label*number*name`` does both.

.. code-block:: yaml

    constructs:
      dem60: {indicators: [1*y1, a*y2, b*y3]}        # loadings: fixed, labelled, labelled
      dem65:
        indicators:
          y5: "Freedom of the press"                 # wording only
          a*y6: "Freedom of group opposition"        # label in the key ...
          y7: {text: "Fairness of elections", label: b, fixed: 1}   # ... or spelled out
    paths:
      - ind60 -> b1*dem60, dem65                     # ind60 -> dem60 labelled b1
      - dem60 -> 0.5*dem65                           # fixed at 0.5
    covariances:
      - y1 ~~ c1*y5

Higher-order constructs, moderation, means, defined parameters and constraints
------------------------------------------------------------------------------

.. code-block:: yaml

    meanstructure: true              # optional; implied by 'intercepts'
    constructs:
      RQ: {dimensions: [1*Trust, a*Commitment, Satisfaction]}   # made of constructs
    interactions:                    # name: [construct, construct]
      SATxCOST: [Satisfaction, SwitchingCosts]
    paths:
      - Satisfaction, SwitchingCosts, SATxCOST -> Loyalty
    intercepts:                      # 'y1' alone means 'y1 ~ 1'
      - y1
      - Loyalty ~ 0*1
      - y2, y3 ~ m*1                 # one entry per variable, same modifiers
    defined:                         # name: expression over labels (lavaan's :=)
      ind: a*b
      total: c + a*b
    constraints:                     # lavaan's ==
      - a == 2*b

A higher-order construct has ``dimensions`` instead of ``indicators``.  Expressions are read by
:mod:`sem_csat.spec.expressions`, never evaluated as Python.  The ``servqual`` and ``metrics``
blocks are described in :mod:`sem_csat.spec.practice`.

Reading is safe: the loader is a :class:`yaml.SafeLoader` that refuses every tag that is not
plain YAML (``!!python/...`` included), refuses duplicate keys, and reads only ``true`` and
``false`` as booleans (so a construct called ``No`` stays a name).  Unknown keys are errors
with a "did you mean" hint.  Problems that the reader finds raise
:class:`~sem_csat.errors.SpecSyntaxError` with the line, column and a caret excerpt; problems
that :class:`ModelSpec` finds (unknown construct in a path, cycle, ...) raise
:class:`~sem_csat.errors.SpecError` prefixed with the file and the line of the entry concerned.

:func:`write_yaml` writes the same format back; ``read_yaml(write_yaml(spec)) == spec`` for
every valid spec.

Examples
--------
>>> spec = read_yaml('''
... name: Mini
... constructs:
...   Quality: {indicators: [q1, q2], label: 感知质量}
...   Sat: {indicators: [1*s1, s2]}
... paths: [Quality -> b1*Sat]
... ''')
>>> spec.paths
(Path(source='Quality', target='Sat', label='b1', fixed=None),)
>>> print(write_yaml(spec), end="")
name: Mini
constructs:
  Quality:
    label: 感知质量
    indicators: [q1, q2]
  Sat:
    indicators: [1*s1, s2]
paths:
  - Quality -> b1*Sat
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path as FsPath
from typing import Any

import yaml
from yaml.error import Mark

from sem_csat.errors import SpecError
from sem_csat.spec.checks import (
    MODES,
    Mode,
    check_name,
    did_you_mean,
    format_term,
)
from sem_csat.spec.lavaan import (
    covariance_pattern,
    is_file_name,
    locate_error,
    path_pattern,
    read_text_file,
)
from sem_csat.spec.model import (
    Construct,
    Covariance,
    Indicator,
    ModelSpec,
    Path,
)
from sem_csat.spec.practice import Metrics
from sem_csat.spec.yaml_blocks import BlockReader
from sem_csat.spec.yaml_safe import (
    MAP_TAG,
    RAW_UNSAFE,
    STR_TAG,
    Seq,
    is_number,
    load,
    mark_of,
    position,
    show,
)

__all__ = ["read_yaml", "spec_from_mapping", "spec_to_mapping", "write_yaml"]

TOP_KEYS = (
    "name",
    "description",
    "references",
    "scale",
    "meanstructure",
    "constructs",
    "interactions",
    "paths",
    "covariances",
    "intercepts",
    "defined",
    "constraints",
    "servqual",
    "metrics",
)
CONSTRUCT_KEYS = ("indicators", "dimensions", "mode", "label", "scale", "reverse", "reliability")
ITEM_KEYS = ("text", "label", "fixed")


# ---------------------------------------------------------------------------- reading
def read_yaml(source: str | FsPath) -> ModelSpec:
    """Build a :class:`ModelSpec` from a YAML spec file or YAML text.

    Parameters
    ----------
    source
        A :class:`pathlib.Path`, a file name (a one-line string ending in ``.yaml``/``.yml``
        or naming an existing file; read as UTF-8), or the YAML text itself.

    Returns
    -------
    ModelSpec
        The validated specification; its ``source`` is the file name or ``"<string>"``.

    Raises
    ------
    SpecSyntaxError
        When the text is not valid YAML or not a valid spec (unknown key, wrong type, ...);
        the message gives the line, column and a caret excerpt.
    SpecError
        When the file cannot be read, or the model is invalid (the message names the line).
    """
    if isinstance(source, FsPath) or is_file_name(source, (".yaml", ".yml")):
        text = read_text_file(FsPath(source), "YAML")
        label = str(source)
    else:
        text, label = source, "<string>"
    data = load(text, label)
    if isinstance(data, str) and label == "<string>" and "\n" not in text.strip():
        raise SpecError(
            f"{label}: The text {show(data)} is neither a YAML spec nor an existing file; "
            "check the file name."
        )
    return spec_from_mapping(data, source=label)


def spec_from_mapping(data: Mapping[str, Any], *, source: str) -> ModelSpec:
    """Build a :class:`ModelSpec` from the mapping that a YAML spec holds.

    Parameters
    ----------
    data
        The mapping (as read from YAML, or built in Python).
    source
        Name used in error messages (file name, ``"<dict>"``).

    Raises
    ------
    SpecError
        When the mapping is not a valid spec; located when ``data`` came from
        :func:`read_yaml`.
    """
    return _MappingReader(source).spec(data)


class _MappingReader(BlockReader):
    """Checks a YAML-shaped mapping key by key and builds the spec."""

    def spec(self, data: object) -> ModelSpec:
        if not isinstance(data, Mapping):
            self.fail(
                "A spec must be a mapping with at least the keys 'name' and 'constructs'; "
                f"got {show(data)}.",
                mark_of(data),
            )
        self.check_keys(data, TOP_KEYS, "The spec")
        name = data.get("name")
        if "name" not in data:
            self.fail("The spec has no 'name'; add a line such as 'name: ECSI'.", mark_of(data))
        if not isinstance(name, str) or not name.strip():
            self.fail(
                f"The name of the model must be a non-empty text, got {show(name)}.",
                mark_of(data, "name", value=True),
            )
        description = self.text(data, "description", "the model") or ""
        references = self.references(data)
        scale = self.scale(data, "the model")
        meanstructure = data.get("meanstructure", False)
        if not isinstance(meanstructure, bool):
            self.fail(
                f"'meanstructure' must be true or false, got {show(meanstructure)}.",
                mark_of(data, "meanstructure", value=True),
            )
        constructs = self.constructs(data)
        interactions = self.interactions(data)
        paths = self.paths(data)
        covariances = self.covariances(data)
        intercepts = self.intercepts(data)
        if intercepts and data.get("meanstructure") is False:
            self.fail(
                "'meanstructure: false' contradicts the intercepts the spec declares; remove "
                "one of them.",
                mark_of(data, "meanstructure", value=True),
            )
        defined = self.defined(data)
        constraints = self.constraints(data)
        servqual = self.servqual(data)
        metrics = self.metrics(data)
        try:
            spec = ModelSpec(
                name,
                tuple(constructs),
                tuple(paths),
                tuple(covariances),
                description=description,
                references=references,
                scale=scale,
                interactions=tuple(interactions),
                intercepts=tuple(intercepts),
                meanstructure=meanstructure,
                defined=tuple(defined),
                constraints=tuple(constraints),
                servqual=servqual,
                metrics=metrics,
            )
        except SpecError as err:
            raise locate_error(err, self.source, self.places) from err
        return replace(spec, source=self.source)

    def references(self, data: Mapping[Any, Any]) -> tuple[str, ...]:
        value = data.get("references")
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list):
            for k, ref in enumerate(value):
                if not isinstance(ref, str):
                    self.fail(
                        f"Each reference must be a text, got {show(ref)}; put it in quotes.",
                        mark_of(value, k),
                    )
            return tuple(value)
        self.fail(
            f"'references' must be a text or a list of texts, got {show(value)}.",
            mark_of(data, "references", value=True),
        )

    def constructs(self, data: Mapping[Any, Any]) -> list[Construct]:
        blocks = data.get("constructs")
        if "constructs" not in data:
            self.fail(
                "The spec has no 'constructs'; list them as 'Name: {indicators: [x1, x2]}'.",
                mark_of(data),
            )
        if not isinstance(blocks, Mapping) or not blocks:
            self.fail(
                "'constructs' must be a mapping of construct names to their settings, such as "
                f"'Image: {{indicators: [IMAG1, IMAG2]}}'; got {show(blocks)}.",
                mark_of(data, "constructs", value=True),
            )
        return [self.construct(name, blocks, body) for name, body in blocks.items()]

    def construct(self, name: object, blocks: Mapping[Any, Any], body: object) -> Construct:
        mark = mark_of(blocks, name)
        if not isinstance(name, str):
            self.fail(f"A construct name must be a text, got {show(name)}.", mark)
        try:
            check_name(name, "construct")
        except SpecError as err:
            self.fail(str(err), mark)
        where = f"Construct '{name}'"
        if not isinstance(body, Mapping):
            self.fail(
                f"{where} must be a mapping with at least 'indicators', as in "
                f"'{name}: {{indicators: [x1, x2]}}'; got {show(body)}.",
                mark_of(blocks, name, value=True),
            )
        self.check_keys(body, CONSTRUCT_KEYS, where)
        if "indicators" not in body and "dimensions" not in body:
            self.fail(
                f"{where} has no 'indicators'; list its survey items, as in "
                "'indicators: [x1, x2]' (or, for a higher-order construct, the constructs it "
                "is made of, as in 'dimensions: [Trust, Commitment]').",
                mark,
            )
        if "indicators" in body and "dimensions" in body:
            self.fail(
                f"{where} has both 'indicators' and 'dimensions'; a higher-order construct is "
                "measured by its dimensions only, so move the items into a construct of their "
                "own.",
                mark_of(body, "dimensions"),
            )
        self.places.append((rf"Construct '{re.escape(name)}'", position(mark)))
        dimensions: list[Indicator] = []
        indicators: list[Indicator] = []
        if "dimensions" in body:
            dimensions = self.dimensions(name, body)
        else:
            indicators = self.indicators(name, body)
        mode = body.get("mode", "reflective")
        if mode is None:
            mode = "reflective"
        if mode not in MODES:
            hint = did_you_mean(mode, MODES) if isinstance(mode, str) else ""
            self.fail(
                f"{where} has mode {show(mode)}{hint}; use 'reflective' or 'formative'.",
                mark_of(body, "mode", value=True),
            )
        reverse = body.get("reverse")
        if isinstance(reverse, str):
            reverse = [reverse]
        if reverse is None:
            reverse = []
        if not isinstance(reverse, list) or not all(isinstance(r, str) for r in reverse):
            self.fail(
                f"'reverse' of construct '{name}' must be a list of its item names, such as "
                f"[x2]; got {show(reverse)}.",
                mark_of(body, "reverse", value=True),
            )
        reliability = body.get("reliability")
        if reliability is not None and not is_number(reliability):
            self.fail(
                f"The reliability of construct '{name}' must be a number in (0, 1], got "
                f"{show(reliability)}.",
                mark_of(body, "reliability", value=True),
            )
        mode_: Mode = "formative" if mode == "formative" else "reflective"
        label = self.text(body, "label", f"construct '{name}'")
        scale = self.scale(body, f"construct '{name}'")
        try:
            return Construct(
                name,
                tuple(indicators),
                mode_,
                label=label,
                scale=scale,
                reverse=tuple(reverse),
                reliability=reliability,
                dimensions=tuple(dimensions),
            )
        except SpecError as err:
            raise locate_error(err, self.source, [("", position(mark))]) from err

    def dimensions(self, cname: str, body: Mapping[Any, Any]) -> list[Indicator]:
        items = body["dimensions"]
        where = f"higher-order construct '{cname}'"
        if isinstance(items, str):
            items = Seq(mark_of(body, "dimensions", value=True))
            items.append(body["dimensions"])
        if not isinstance(items, list):
            self.fail(
                f"The dimensions of {where} must be a list of constructs such as "
                f"[Trust, Commitment]; got {show(items)}.",
                mark_of(body, "dimensions", value=True),
            )
        out: list[Indicator] = []
        for k, entry in enumerate(items):
            mark = mark_of(items, k)
            name, label, fixed = self.term(entry, mark, where)
            out.append(self.indicator(name, None, label, fixed, mark))
        return out

    def indicators(self, cname: str, body: Mapping[Any, Any]) -> list[Indicator]:
        items = body["indicators"]
        out: list[Indicator] = []
        where = f"construct '{cname}'"
        if isinstance(items, Mapping):
            for key, value in items.items():
                mark = mark_of(items, key)
                name, label, fixed = self.term(key, mark, where)
                text = value
                if isinstance(value, Mapping):
                    item = f"Indicator '{name}' of {where}"
                    self.check_keys(value, ITEM_KEYS, item)
                    text = self.text(value, "text", f"indicator '{name}'")
                    label, fixed = self.modifiers(value, label, fixed, item)
                elif value is not None and not isinstance(value, str):
                    self.fail(
                        f"The wording of indicator '{name}' in {where} must be a text, got "
                        f"{show(value)}; put it in quotes.",
                        mark_of(items, key, value=True),
                    )
                out.append(self.indicator(name, text, label, fixed, mark))
        elif isinstance(items, list):
            for k, entry in enumerate(items):
                mark = mark_of(items, k)
                if not isinstance(entry, str):
                    self.fail(
                        f"The indicators of {where} must be item names, got {show(entry)}; "
                        "to give question wording, use a mapping 'item: wording' instead of a "
                        "list.",
                        mark,
                    )
                name, label, fixed = self.term(entry, mark, where)
                out.append(self.indicator(name, None, label, fixed, mark))
        else:
            self.fail(
                f"The indicators of {where} must be a list such as [x1, x2] or a mapping of "
                f"item: question wording; got {show(items)}.",
                mark_of(body, "indicators", value=True),
            )
        return out

    def modifiers(
        self, value: Mapping[Any, Any], label: str | None, fixed: float | None, where: str
    ) -> tuple[str | None, float | None]:
        new_label, new_fixed = value.get("label"), value.get("fixed")
        for key, old, new, ok in (
            ("label", label, new_label, isinstance(new_label, str)),
            ("fixed", fixed, new_fixed, is_number(new_fixed)),
        ):
            if new is None:
                continue
            mark = mark_of(value, key, value=True)
            if old is not None:
                self.fail(
                    f"{where} gets a {key} value both in front of its name and in '{key}:'; "
                    "keep one of them.",
                    mark,
                )
            if not ok:
                kind = "a name such as b1" if key == "label" else "a number"
                what = where[0].lower() + where[1:]
                self.fail(f"The {key} value of {what} must be {kind}, got {show(new)}.", mark)
        if new_label is not None:
            label = new_label
        if new_fixed is not None:
            fixed = float(new_fixed)
        return label, fixed

    def indicator(
        self, name: str, text: str | None, label: str | None, fixed: float | None, mark: Mark | None
    ) -> Indicator:
        self.places.append((rf"'{re.escape(name)}'", position(mark)))
        try:
            return Indicator(name, text, label, fixed)
        except SpecError as err:
            self.fail(str(err), mark)

    def paths(self, data: Mapping[Any, Any]) -> list[Path]:
        out: list[Path] = []
        for entry, mark in self.entries(data, "paths", "Image -> Satisfaction, Loyalty"):
            arrows = entry.count("->")
            if arrows != 1:
                self.fail(
                    f"The path {show(entry)} must have exactly one '->' between sources and "
                    "targets, as in 'Image -> Satisfaction, Loyalty'"
                    + ("; write a chain as separate entries." if arrows else "."),
                    mark,
                )
            left, right = entry.split("->")
            sources = [s.strip() for s in left.split(",")]
            for s in sources:
                if ":" in s:
                    self.fail(
                        f"In the path {show(entry)}, declare the interaction term under "
                        "'interactions:' (as in 'SATxCOST: [Satisfaction, SwitchingCosts]') and "
                        "use its name as the source of the path.",
                        mark,
                    )
                if "*" in s:
                    self.fail(
                        f"In the path {show(entry)}, put modifiers on the target, as in "
                        "'A -> b1*B'.",
                        mark,
                    )
                try:
                    check_name(s, "construct")
                except SpecError as err:
                    self.fail(f"In the path {show(entry)}: {err}", mark)
            for t in right.split(","):
                target, label, fixed = self.term(t.strip(), mark, f"the path {show(entry)}")
                for s in sources:
                    self.places.append((path_pattern(s, target), position(mark)))
                    try:
                        out.append(Path(s, target, label, fixed))
                    except SpecError as err:
                        self.fail(str(err), mark)
        return out

    def covariances(self, data: Mapping[Any, Any]) -> list[Covariance]:
        out: list[Covariance] = []
        for entry, mark in self.entries(data, "covariances", "Image ~~ Expectation"):
            if entry.count("~~") != 1:
                self.fail(
                    f"The covariance {show(entry)} must be written 'A ~~ B' (one pair per entry).",
                    mark,
                )
            left, right = (part.strip() for part in entry.split("~~"))
            try:
                check_name(left, "construct or indicator")
            except SpecError as err:
                self.fail(f"In the covariance {show(entry)}: {err}", mark)
            name, label, fixed = self.term(right, mark, f"the covariance {show(entry)}")
            self.places.append((covariance_pattern(left, name), position(mark)))
            try:
                out.append(Covariance(left, name, label, fixed))
            except SpecError as err:
                self.fail(str(err), mark)
        return out


# ---------------------------------------------------------------------------- writing
def _number(value: float) -> int | float:
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def spec_to_mapping(spec: ModelSpec) -> dict[str, Any]:
    """Return the YAML-shaped mapping of ``spec`` (inverse of :func:`spec_from_mapping`)."""
    out: dict[str, Any] = {"name": spec.name}
    if spec.description:
        out["description"] = spec.description
    if spec.references:
        out["references"] = list(spec.references)
    if spec.scale is not None:
        out["scale"] = [_number(v) for v in spec.scale]
    if spec.meanstructure and not spec.intercepts:
        out["meanstructure"] = True
    out["constructs"] = {c.name: _construct_to_mapping(c) for c in spec.constructs}
    if spec.interactions:
        out["interactions"] = {i.name: [i.left, i.right] for i in spec.interactions}
    if spec.paths:
        targets: dict[str, list[str]] = {}
        for p in spec.paths:
            targets.setdefault(p.source, []).append(format_term(p.target, p.label, p.fixed))
        groups: dict[tuple[str, ...], list[str]] = {}
        for source in (*spec.construct_names, *spec.interaction_names):
            if source in targets:
                groups.setdefault(tuple(targets[source]), []).append(source)
        out["paths"] = [f"{', '.join(s)} -> {', '.join(t)}" for t, s in groups.items()]
    if spec.covariances:
        out["covariances"] = [
            f"{c.left} ~~ {format_term(c.right, c.label, c.fixed)}" for c in spec.covariances
        ]
    if spec.intercepts:
        out["intercepts"] = [
            i.variable
            if i.label is None and i.fixed is None
            else f"{i.variable} ~ {format_term('1', i.label, i.fixed)}"
            for i in spec.intercepts
        ]
    if spec.defined:
        out["defined"] = {d.name: d.expression.text for d in spec.defined}
    if spec.constraints:
        out["constraints"] = [c.text for c in spec.constraints]
    if spec.servqual is not None:
        out["servqual"] = {
            d.name: {
                "expectation": list(d.expectation),
                "perception": list(d.perception),
                **({} if d.weight is None else {"weight": _number(d.weight)}),
            }
            for d in spec.servqual.dimensions
        }
    if spec.metrics is not None:
        out["metrics"] = _metrics_to_mapping(spec.metrics)
    return out


def _metrics_to_mapping(m: Metrics) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if m.nps is not None:
        out["nps"] = m.nps
    if m.csat is not None:
        if m.csat.scale is None and m.csat.top_box == 2:
            out["csat"] = m.csat.item
        else:
            csat: dict[str, Any] = {"item": m.csat.item}
            if m.csat.scale is not None:
                csat["scale"] = [_number(v) for v in m.csat.scale]
            if m.csat.top_box != 2:
                csat["top_box"] = m.csat.top_box
            out["csat"] = csat
    if m.ces is not None:
        out["ces"] = m.ces
    if m.kano:
        if all(p.feature == p.functional for p in m.kano):
            out["kano"] = [[p.functional, p.dysfunctional] for p in m.kano]
        else:
            out["kano"] = {p.feature: [p.functional, p.dysfunctional] for p in m.kano}
    return out


def _construct_to_mapping(c: Construct) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if c.label is not None:
        out["label"] = c.label
    if c.mode != "reflective":
        out["mode"] = c.mode
    if c.scale is not None:
        out["scale"] = [_number(v) for v in c.scale]
    if c.reverse:
        out["reverse"] = list(c.reverse)
    if c.reliability is not None:
        out["reliability"] = c.reliability
    if c.is_higher_order:
        out["dimensions"] = [format_term(d.name, d.label, d.fixed) for d in c.dimensions]
        return out
    terms = [format_term(i.name, i.label, i.fixed) for i in c.indicators]
    if any(i.text is not None for i in c.indicators):
        out["indicators"] = {t: i.text for t, i in zip(terms, c.indicators, strict=True)}
    else:
        out["indicators"] = terms
    return out


class _Flow(list[Any]):
    """A list written in flow style (``[a, b]``)."""


class _FlowMap(dict[str, Any]):
    """A mapping written in flow style (``{item: CSAT, top_box: 3}``)."""


class _Dumper(yaml.SafeDumper):
    """Safe dumper: block style, indented lists, short lists inline, long text as blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line text as a literal block, long text folded; the emitter falls back to quotes
    # whenever a block style would not read back identically.
    if RAW_UNSAFE.search(value):
        style: str | None = '"'  # escaped: PyYAML would write these raw and misread them
    elif "\n" in value:
        style = "|"
    else:
        style = ">" if len(value) > 80 else None
    return dumper.represent_scalar(STR_TAG, value, style=style)


def _represent_flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, _represent_flow)
_Dumper.add_representer(
    _FlowMap,
    lambda dumper, value: dumper.represent_mapping(MAP_TAG, value, flow_style=True),
)


def write_yaml(spec: ModelSpec) -> str:
    """Return the YAML text of ``spec``; :func:`read_yaml` reads it back into an equal spec."""
    data = spec_to_mapping(spec)
    if "scale" in data:
        data["scale"] = _Flow(data["scale"])
    for body in data["constructs"].values():
        for key in ("scale", "reverse", "indicators", "dimensions"):
            if isinstance(body.get(key), list):
                body[key] = _Flow(body[key])
    for name, pair in data.get("interactions", {}).items():
        data["interactions"][name] = _Flow(pair)
    for body in data.get("servqual", {}).values():
        for key in ("expectation", "perception"):
            body[key] = _Flow(body[key])
    metrics = data.get("metrics", {})
    if isinstance(metrics.get("csat"), dict) and "scale" in metrics["csat"]:
        metrics["csat"]["scale"] = _Flow(metrics["csat"]["scale"])
    kano = metrics.get("kano")
    if isinstance(kano, list):
        metrics["kano"] = [_Flow(p) for p in kano]
    elif isinstance(kano, dict):
        metrics["kano"] = {k: _Flow(p) for k, p in kano.items()}
    if isinstance(metrics.get("csat"), dict):
        metrics["csat"] = _FlowMap(metrics["csat"])
    text = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=88,
    )
    return str(text)
