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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path as FsPath
from typing import Any, NoReturn

import yaml
from yaml.constructor import ConstructorError
from yaml.error import Mark, MarkedYAMLError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sem_csat.errors import SpecError, SpecSyntaxError
from sem_csat.spec.checks import (
    MODES,
    Mode,
    Scale,
    check_name,
    check_scale,
    did_you_mean,
    format_term,
)
from sem_csat.spec.expressions import Expression
from sem_csat.spec.lavaan import (
    covariance_pattern,
    is_file_name,
    locate_error,
    name_pattern,
    parse_term,
    path_pattern,
    read_text_file,
)
from sem_csat.spec.model import (
    Constraint,
    Construct,
    Covariance,
    Defined,
    Indicator,
    Interaction,
    Intercept,
    ModelSpec,
    Path,
)
from sem_csat.spec.practice import CsatItem, KanoPair, Metrics, Servqual, ServqualDimension

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
SERVQUAL_KEYS = ("expectation", "perception", "weight")
METRICS_KEYS = ("nps", "csat", "ces", "kano")
CSAT_KEYS = ("item", "scale", "top_box")
ITEM_KEYS = ("text", "label", "fixed")
_BREAKS = "\r\n\x85\u2028\u2029"
_TAG_PREFIX = "tag:yaml.org,2002:"
_STR_TAG, _SEQ_TAG, _MAP_TAG = (_TAG_PREFIX + t for t in ("str", "seq", "map"))
_BOOL_TAG, _MERGE_TAG, _VALUE_TAG = (_TAG_PREFIX + t for t in ("bool", "merge", "value"))
_SCALAR_TAGS = frozenset(
    _TAG_PREFIX + t for t in ("str", "int", "float", "bool", "null", "timestamp")
)
# Characters that must be written as escapes in a double-quoted scalar to read back unchanged.
_RAW_UNSAFE = re.compile(
    r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]"
)


# ---------------------------------------------------------------------------- safe loader
class _Map(dict[Any, Any]):
    """A YAML mapping that remembers where its keys and values were written."""

    def __init__(self, mark: Mark | None = None) -> None:
        super().__init__()
        self.mark = mark
        self.key_marks: dict[Any, Mark] = {}
        self.value_marks: dict[Any, Mark] = {}


class _Seq(list[Any]):
    """A YAML sequence that remembers where its items were written."""

    def __init__(self, mark: Mark | None = None) -> None:
        super().__init__()
        self.mark = mark
        self.item_marks: list[Mark] = []


class _SpecYAMLError(ConstructorError):
    """A problem the loader reports in its own words (duplicate key, refused tag)."""


class _Loader(yaml.SafeLoader):
    """Safe loader that keeps positions, refuses duplicate keys and non-standard tags."""


def _construct_map(loader: _Loader, node: MappingNode) -> Iterator[_Map]:
    data = _Map(node.start_mark)
    yield data
    explicit = {id(k) for k, _ in node.value if k.tag != _MERGE_TAG}
    loader.flatten_mapping(node)
    written: dict[Any, Mark] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=False)
        try:
            hash(key)
        except TypeError:
            raise _SpecYAMLError(
                None,
                None,
                "A mapping key must be a name or a text, not a list or a mapping.",
                key_node.start_mark,
            ) from None
        if id(key_node) in explicit:
            if key in written:
                raise _SpecYAMLError(
                    None,
                    None,
                    f"The key {_show(key)} appears twice in this mapping (first on line "
                    f"{written[key].line + 1}); YAML would silently keep only the last one, so "
                    "remove or rename one of them.",
                    key_node.start_mark,
                )
            written[key] = key_node.start_mark
        data[key] = loader.construct_object(value_node, deep=False)
        data.key_marks[key] = key_node.start_mark
        data.value_marks[key] = value_node.start_mark


def _construct_seq(loader: _Loader, node: SequenceNode) -> Iterator[_Seq]:
    data = _Seq(node.start_mark)
    yield data
    data.item_marks = [child.start_mark for child in node.value]
    data.extend(loader.construct_object(child, deep=False) for child in node.value)


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG_PREFIX) :] if tag.startswith(_TAG_PREFIX) else tag


def _refuse_tag(loader: _Loader, node: Node) -> NoReturn:
    raise _SpecYAMLError(
        None,
        None,
        f"The tag '{_short_tag(node.tag)}' is not allowed here: sem_csat reads plain YAML only "
        "(texts, numbers, true/false, lists and mappings) and never creates objects or runs "
        "code from a spec; remove the tag.",
        node.start_mark,
    )


def _check_nodes(loader: _Loader, root: Node) -> None:
    """Refuse every tag but plain YAML's, and read every typed scalar once, with its position.

    Runs between composing and constructing, so nothing a tag asks for is ever built.
    """
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, is_key = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            if node.tag == _MERGE_TAG:
                if not is_key:
                    node.tag = _STR_TAG  # a '<<' that is not a merge key is just text
            elif node.tag not in _SCALAR_TAGS:
                _refuse_tag(loader, node)
            elif node.tag != _STR_TAG:
                try:
                    loader.construct_object(node)
                except (ValueError, KeyError, AttributeError, TypeError, OverflowError):
                    raise _SpecYAMLError(
                        None,
                        None,
                        f"The value {_show(node.value)} cannot be read as "
                        f"{_short_tag(node.tag)}; quote it to make it a text.",
                        node.start_mark,
                    ) from None
        elif isinstance(node, SequenceNode):
            if node.tag != _SEQ_TAG:
                _refuse_tag(loader, node)
            stack.extend((child, False) for child in node.value)
        elif isinstance(node, MappingNode):
            if node.tag != _MAP_TAG:
                _refuse_tag(loader, node)
            for key, value in node.value:
                stack += [(key, True), (value, False)]


_Loader.add_constructor(_MAP_TAG, _construct_map)
_Loader.add_constructor(_SEQ_TAG, _construct_seq)
_Loader.add_constructor(None, _refuse_tag)
# YAML 1.1 reads yes/no/on/off as booleans; a spec only needs true/false.  A lone '=' stays
# text (YAML 1.1's "value" key is not used).
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL_TAG, _VALUE_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL_TAG,
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _excerpt(mark: Mark | None) -> str | None:
    if mark is None or mark.buffer is None:
        return None
    buf, ptr = mark.buffer, mark.pointer
    start = max(buf.rfind(ch, 0, ptr) for ch in _BREAKS) + 1
    ends = [k for k in (buf.find(ch, ptr) for ch in _BREAKS + "\0") if k >= 0]
    return buf[start : min(ends) if ends else len(buf)].replace("\t", " ")


def _load(text: str, source: str) -> Any:
    """Parse YAML text safely into plain values (with positions)."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_nodes(loader, node)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except _SpecYAMLError as err:
        mark = err.problem_mark
        raise _syntax_error(str(err.problem), source, mark) from None
    except MarkedYAMLError as err:
        problem = (err.problem or "invalid YAML").rstrip(".")
        context = f" ({err.context})" if err.context else ""
        raise _syntax_error(
            f"This is not valid YAML ({problem}{context}); check the indentation, colons "
            "and quotes.",
            source,
            err.problem_mark or err.context_mark,
        ) from None
    except yaml.reader.ReaderError as err:
        before = text[: err.position]
        line = before.count("\n") + 1
        column = err.position - (before.rfind("\n") + 1) + 1
        raise SpecSyntaxError(
            f"The character {chr(err.character)!r} cannot appear in a YAML file; remove it.",
            source=source,
            line=line,
            column=column,
            text=text.split("\n")[line - 1],
        ) from None
    except yaml.YAMLError as err:
        raise SpecError(f"{source}: This is not valid YAML ({err}).") from None
    except RecursionError:
        raise SpecError(f"{source}: The YAML is nested too deeply to be a spec.") from None
    except (ValueError, OverflowError) as err:  # e.g. an impossible date or a huge integer
        raise SpecError(f"{source}: A value cannot be read ({err}).") from None


def _syntax_error(reason: str, source: str, mark: Mark | None) -> SpecError:
    if mark is None:
        return SpecError(f"{source}: {reason}")
    return SpecSyntaxError(
        reason, source=source, line=mark.line + 1, column=mark.column + 1, text=_excerpt(mark)
    )


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
    data = _load(text, label)
    if isinstance(data, str) and label == "<string>" and "\n" not in text.strip():
        raise SpecError(
            f"{label}: The text {_show(data)} is neither a YAML spec nor an existing file; "
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


def _mark(container: object, key: object = None, *, value: bool = False) -> Mark | None:
    """Where ``key`` (or its value, or item ``key`` of a list) was written, if known."""
    if isinstance(container, _Map):
        marks = container.value_marks if value else container.key_marks
        return marks.get(key, container.mark)
    if isinstance(container, _Seq):
        if isinstance(key, int) and 0 <= key < len(container.item_marks):
            return container.item_marks[key]
        return container.mark
    return None


def _pos(mark: Mark | None) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


def _show(value: object) -> str:
    """Describe a YAML value briefly for a message."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        short = value if len(value) <= 40 else value[:37] + "..."
        return repr(short)
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple) and len(value) <= 5 and all(_is_scalar(v) for v in value):
        return "[" + ", ".join(repr(v) if isinstance(v, str) else str(v) for v in value) + "]"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a value of type {type(value).__name__}"


def _is_scalar(value: object) -> bool:
    return value is None or (isinstance(value, str | int | float) and len(str(value)) <= 20)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _MappingReader:
    """Checks a YAML-shaped mapping key by key and builds the spec."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.places: list[tuple[str, tuple[int, int]]] = []

    def fail(self, reason: str, mark: Mark | None) -> NoReturn:
        raise _syntax_error(reason, self.source, mark)

    def check_keys(self, data: Mapping[Any, Any], allowed: Sequence[str], where: str) -> None:
        for key in data:
            if not isinstance(key, str) or key not in allowed:
                hint = did_you_mean(key, allowed) if isinstance(key, str) else ""
                self.fail(
                    f"{where} has an unknown key {_show(key)}{hint}; the keys allowed there "
                    f"are {', '.join(allowed)}.",
                    _mark(data, key),
                )

    def text(self, data: Mapping[Any, Any], key: str, where: str) -> str | None:
        value = data.get(key)
        if value is None or isinstance(value, str):
            return value
        self.fail(
            f"The {key} of {where} must be a text, got {_show(value)}; put it in quotes.",
            _mark(data, key, value=True),
        )

    def scale(self, data: Mapping[Any, Any], where: str) -> Scale | None:
        value = data.get("scale")
        if value is None:
            return None
        mark = _mark(data, "scale", value=True)
        if not isinstance(value, list) or len(value) != 2 or not all(map(_is_number, value)):
            self.fail(
                f"The scale of {where} must be two numbers [lowest, highest], such as [1, 10]; "
                f"got {_show(value)}.",
                mark,
            )
        try:
            return check_scale(value, where)
        except SpecError as err:
            self.fail(str(err), mark)

    # ------------------------------------------------------------------ the spec
    def spec(self, data: object) -> ModelSpec:
        if not isinstance(data, Mapping):
            self.fail(
                "A spec must be a mapping with at least the keys 'name' and 'constructs'; "
                f"got {_show(data)}.",
                _mark(data),
            )
        self.check_keys(data, TOP_KEYS, "The spec")
        name = data.get("name")
        if "name" not in data:
            self.fail("The spec has no 'name'; add a line such as 'name: ECSI'.", _mark(data))
        if not isinstance(name, str) or not name.strip():
            self.fail(
                f"The name of the model must be a non-empty text, got {_show(name)}.",
                _mark(data, "name", value=True),
            )
        description = self.text(data, "description", "the model") or ""
        references = self.references(data)
        scale = self.scale(data, "the model")
        meanstructure = data.get("meanstructure", False)
        if not isinstance(meanstructure, bool):
            self.fail(
                f"'meanstructure' must be true or false, got {_show(meanstructure)}.",
                _mark(data, "meanstructure", value=True),
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
                _mark(data, "meanstructure", value=True),
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
                        f"Each reference must be a text, got {_show(ref)}; put it in quotes.",
                        _mark(value, k),
                    )
            return tuple(value)
        self.fail(
            f"'references' must be a text or a list of texts, got {_show(value)}.",
            _mark(data, "references", value=True),
        )

    # ------------------------------------------------------------------ constructs
    def constructs(self, data: Mapping[Any, Any]) -> list[Construct]:
        blocks = data.get("constructs")
        if "constructs" not in data:
            self.fail(
                "The spec has no 'constructs'; list them as 'Name: {indicators: [x1, x2]}'.",
                _mark(data),
            )
        if not isinstance(blocks, Mapping) or not blocks:
            self.fail(
                "'constructs' must be a mapping of construct names to their settings, such as "
                f"'Image: {{indicators: [IMAG1, IMAG2]}}'; got {_show(blocks)}.",
                _mark(data, "constructs", value=True),
            )
        return [self.construct(name, blocks, body) for name, body in blocks.items()]

    def construct(self, name: object, blocks: Mapping[Any, Any], body: object) -> Construct:
        mark = _mark(blocks, name)
        if not isinstance(name, str):
            self.fail(f"A construct name must be a text, got {_show(name)}.", mark)
        try:
            check_name(name, "construct")
        except SpecError as err:
            self.fail(str(err), mark)
        where = f"Construct '{name}'"
        if not isinstance(body, Mapping):
            self.fail(
                f"{where} must be a mapping with at least 'indicators', as in "
                f"'{name}: {{indicators: [x1, x2]}}'; got {_show(body)}.",
                _mark(blocks, name, value=True),
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
                _mark(body, "dimensions"),
            )
        self.places.append((rf"Construct '{re.escape(name)}'", _pos(mark)))
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
                f"{where} has mode {_show(mode)}{hint}; use 'reflective' or 'formative'.",
                _mark(body, "mode", value=True),
            )
        reverse = body.get("reverse")
        if isinstance(reverse, str):
            reverse = [reverse]
        if reverse is None:
            reverse = []
        if not isinstance(reverse, list) or not all(isinstance(r, str) for r in reverse):
            self.fail(
                f"'reverse' of construct '{name}' must be a list of its item names, such as "
                f"[x2]; got {_show(reverse)}.",
                _mark(body, "reverse", value=True),
            )
        reliability = body.get("reliability")
        if reliability is not None and not _is_number(reliability):
            self.fail(
                f"The reliability of construct '{name}' must be a number in (0, 1], got "
                f"{_show(reliability)}.",
                _mark(body, "reliability", value=True),
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
            raise locate_error(err, self.source, [("", _pos(mark))]) from err

    def dimensions(self, cname: str, body: Mapping[Any, Any]) -> list[Indicator]:
        items = body["dimensions"]
        where = f"higher-order construct '{cname}'"
        if isinstance(items, str):
            items = _Seq(_mark(body, "dimensions", value=True))
            items.append(body["dimensions"])
        if not isinstance(items, list):
            self.fail(
                f"The dimensions of {where} must be a list of constructs such as "
                f"[Trust, Commitment]; got {_show(items)}.",
                _mark(body, "dimensions", value=True),
            )
        out: list[Indicator] = []
        for k, entry in enumerate(items):
            mark = _mark(items, k)
            name, label, fixed = self.term(entry, mark, where)
            out.append(self.indicator(name, None, label, fixed, mark))
        return out

    def indicators(self, cname: str, body: Mapping[Any, Any]) -> list[Indicator]:
        items = body["indicators"]
        out: list[Indicator] = []
        where = f"construct '{cname}'"
        if isinstance(items, Mapping):
            for key, value in items.items():
                mark = _mark(items, key)
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
                        f"{_show(value)}; put it in quotes.",
                        _mark(items, key, value=True),
                    )
                out.append(self.indicator(name, text, label, fixed, mark))
        elif isinstance(items, list):
            for k, entry in enumerate(items):
                mark = _mark(items, k)
                if not isinstance(entry, str):
                    self.fail(
                        f"The indicators of {where} must be item names, got {_show(entry)}; "
                        "to give question wording, use a mapping 'item: wording' instead of a "
                        "list.",
                        mark,
                    )
                name, label, fixed = self.term(entry, mark, where)
                out.append(self.indicator(name, None, label, fixed, mark))
        else:
            self.fail(
                f"The indicators of {where} must be a list such as [x1, x2] or a mapping of "
                f"item: question wording; got {_show(items)}.",
                _mark(body, "indicators", value=True),
            )
        return out

    def modifiers(
        self, value: Mapping[Any, Any], label: str | None, fixed: float | None, where: str
    ) -> tuple[str | None, float | None]:
        new_label, new_fixed = value.get("label"), value.get("fixed")
        for key, old, new, ok in (
            ("label", label, new_label, isinstance(new_label, str)),
            ("fixed", fixed, new_fixed, _is_number(new_fixed)),
        ):
            if new is None:
                continue
            mark = _mark(value, key, value=True)
            if old is not None:
                self.fail(
                    f"{where} gets a {key} value both in front of its name and in '{key}:'; "
                    "keep one of them.",
                    mark,
                )
            if not ok:
                kind = "a name such as b1" if key == "label" else "a number"
                what = where[0].lower() + where[1:]
                self.fail(f"The {key} value of {what} must be {kind}, got {_show(new)}.", mark)
        if new_label is not None:
            label = new_label
        if new_fixed is not None:
            fixed = float(new_fixed)
        return label, fixed

    def indicator(
        self, name: str, text: str | None, label: str | None, fixed: float | None, mark: Mark | None
    ) -> Indicator:
        self.places.append((rf"'{re.escape(name)}'", _pos(mark)))
        try:
            return Indicator(name, text, label, fixed)
        except SpecError as err:
            self.fail(str(err), mark)

    def term(
        self, entry: object, mark: Mark | None, where: str
    ) -> tuple[str, str | None, float | None]:
        if not isinstance(entry, str):
            self.fail(f"An item of {where} must be a name, got {_show(entry)}.", mark)
        try:
            return parse_term(entry)
        except SpecSyntaxError as err:
            self.fail(
                f"The entry {_show(entry)} of {where} is not an item name with optional "
                f"modifiers ({err.reason.rstrip('.')}); write x1, a*x1 (labelled) or 1*x1 "
                "(fixed).",
                mark,
            )

    # ------------------------------------------------------------------ paths, covariances
    def entries(
        self, data: Mapping[Any, Any], key: str, example: str
    ) -> list[tuple[str, Mark | None]]:
        value = data.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [(value, _mark(data, key, value=True))]
        if not isinstance(value, list):
            self.fail(
                f"'{key}' must be a list of entries such as '{example}'; got {_show(value)}.",
                _mark(data, key, value=True),
            )
        out: list[tuple[str, Mark | None]] = []
        for k, entry in enumerate(value):
            if not isinstance(entry, str):
                self.fail(
                    f"Each entry of '{key}' must be a text such as '{example}'; got "
                    f"{_show(entry)}.",
                    _mark(value, k),
                )
            out.append((entry, _mark(value, k)))
        return out

    def paths(self, data: Mapping[Any, Any]) -> list[Path]:
        out: list[Path] = []
        for entry, mark in self.entries(data, "paths", "Image -> Satisfaction, Loyalty"):
            arrows = entry.count("->")
            if arrows != 1:
                self.fail(
                    f"The path {_show(entry)} must have exactly one '->' between sources and "
                    "targets, as in 'Image -> Satisfaction, Loyalty'"
                    + ("; write a chain as separate entries." if arrows else "."),
                    mark,
                )
            left, right = entry.split("->")
            sources = [s.strip() for s in left.split(",")]
            for s in sources:
                if ":" in s:
                    self.fail(
                        f"In the path {_show(entry)}, declare the interaction term under "
                        "'interactions:' (as in 'SATxCOST: [Satisfaction, SwitchingCosts]') and "
                        "use its name as the source of the path.",
                        mark,
                    )
                if "*" in s:
                    self.fail(
                        f"In the path {_show(entry)}, put modifiers on the target, as in "
                        "'A -> b1*B'.",
                        mark,
                    )
                try:
                    check_name(s, "construct")
                except SpecError as err:
                    self.fail(f"In the path {_show(entry)}: {err}", mark)
            for t in right.split(","):
                target, label, fixed = self.term(t.strip(), mark, f"the path {_show(entry)}")
                for s in sources:
                    self.places.append((path_pattern(s, target), _pos(mark)))
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
                    f"The covariance {_show(entry)} must be written 'A ~~ B' (one pair per entry).",
                    mark,
                )
            left, right = (part.strip() for part in entry.split("~~"))
            try:
                check_name(left, "construct or indicator")
            except SpecError as err:
                self.fail(f"In the covariance {_show(entry)}: {err}", mark)
            name, label, fixed = self.term(right, mark, f"the covariance {_show(entry)}")
            self.places.append((covariance_pattern(left, name), _pos(mark)))
            try:
                out.append(Covariance(left, name, label, fixed))
            except SpecError as err:
                self.fail(str(err), mark)
        return out

    # ------------------------------------------------------------------ interactions, intercepts
    def mapping(self, data: Mapping[Any, Any], key: str, example: str) -> Mapping[Any, Any]:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fail(
                f"'{key}' must be a mapping such as '{example}'; got {_show(value)}.",
                _mark(data, key, value=True),
            )
        return value

    def interactions(self, data: Mapping[Any, Any]) -> list[Interaction]:
        block = self.mapping(data, "interactions", "SATxCOST: [Satisfaction, SwitchingCosts]")
        out: list[Interaction] = []
        for name, pair in block.items():
            mark = _mark(block, name)
            if not isinstance(name, str):
                self.fail(f"An interaction name must be a text, got {_show(name)}.", mark)
            if (
                not isinstance(pair, list)
                or len(pair) != 2
                or not all(isinstance(p, str) for p in pair)
            ):
                self.fail(
                    f"The interaction '{name}' must list the two constructs it multiplies, as "
                    f"in '{name}: [Satisfaction, SwitchingCosts]'; got {_show(pair)}.",
                    _mark(block, name, value=True),
                )
            self.places.append((rf"The interaction '{re.escape(name)}'", _pos(mark)))
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
                    f"The intercept {_show(entry)} must be written 'y1' or 'y1 ~ 1', with "
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
                        f"The intercept {_show(entry)} has unreadable modifiers "
                        f"({err.reason.rstrip('.')}); write 'F ~ 0*1' or 'y1 ~ a*1'.",
                        mark,
                    )
            for variable in left.split(","):
                variable = variable.strip()
                try:
                    check_name(variable, "intercept variable")
                    out.append(Intercept(variable, label, fixed))
                except SpecError as err:
                    self.fail(f"In the intercept {_show(entry)}: {err}", mark)
                self.places.append((name_pattern(f"{variable} ~ 1"), _pos(mark)))
        return out

    # ------------------------------------------------------------------ expressions
    def expression(
        self, text: str, mark: Mark | None, where: str, *, entry: str | None = None, at: int = 0
    ) -> Expression:
        """Parse ``text`` (found at offset ``at`` of the YAML value ``entry``)."""
        try:
            return Expression(text)
        except SpecSyntaxError as err:
            self.fail(
                f"{where}: {err.reason}", _shift(mark, entry or text, at + (err.column or 1) - 1)
            )
        except SpecError as err:
            self.fail(f"{where}: {err}", mark)

    def defined(self, data: Mapping[Any, Any]) -> list[Defined]:
        block = self.mapping(data, "defined", "ind_QS: a*b")
        out: list[Defined] = []
        for name, value in block.items():
            mark = _mark(block, name)
            if not isinstance(name, str):
                self.fail(f"A defined parameter's name must be a text, got {_show(name)}.", mark)
            try:
                check_name(name, "defined parameter")
            except SpecError as err:
                self.fail(str(err), mark)
            if _is_number(value):
                value = str(value)
            if not isinstance(value, str):
                self.fail(
                    f"The defined parameter '{name}' must be an expression such as 'a*b', got "
                    f"{_show(value)}.",
                    _mark(block, name, value=True),
                )
            where = f"In the defined parameter '{name}'"
            expr = self.expression(value, _mark(block, name, value=True), where)
            self.places.append((rf"The defined parameter '{re.escape(name)}'", _pos(mark)))
            out.append(Defined(name, expr))
        return out

    def constraints(self, data: Mapping[Any, Any]) -> list[Constraint]:
        out: list[Constraint] = []
        for entry, mark in self.entries(data, "constraints", "a == b"):
            if entry.count("==") != 1:
                self.fail(
                    f"The constraint {_show(entry)} must be written 'left == right', such as "
                    "'a == 2*b' (one '==' per entry).",
                    mark,
                )
            k = entry.index("==")
            sides = []
            for text, at in ((entry[:k], 0), (entry[k + 2 :], k + 2)):
                lead = len(text) - len(text.lstrip())
                where = f"In the constraint {_show(entry)}"
                sides.append(self.expression(text.strip(), mark, where, entry=entry, at=at + lead))
            constraint = Constraint(sides[0], sides[1])
            self.places.append((re.escape(f"The constraint {constraint.text}"), _pos(mark)))
            out.append(constraint)
        return out

    # ------------------------------------------------------------------ practitioner blocks
    def item_list(self, data: Mapping[Any, Any], key: str, where: str) -> tuple[str, ...]:
        value = data.get(key)
        mark = _mark(data, key, value=True)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(
                f"The {key} items of {where} must be a list of item names, got {_show(value)}.",
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
            mark = _mark(block, name)
            where = f"SERVQUAL dimension {_show(name)}"
            if not isinstance(name, str):
                self.fail(f"A SERVQUAL dimension must be a name, got {_show(name)}.", mark)
            if not isinstance(body, Mapping):
                self.fail(
                    f"The {where} must be a mapping with 'expectation' and 'perception' item "
                    f"lists; got {_show(body)}.",
                    _mark(block, name, value=True),
                )
            self.check_keys(body, SERVQUAL_KEYS, f"The {where}")
            for key in ("expectation", "perception"):
                if key not in body:
                    self.fail(f"The {where} has no '{key}' items; list them.", mark)
            weight = body.get("weight")
            if weight is not None and not _is_number(weight):
                self.fail(
                    f"The weight of the {where} must be a number, got {_show(weight)}.",
                    _mark(body, "weight", value=True),
                )
            expectation = self.item_list(body, "expectation", where)
            perception = self.item_list(body, "perception", where)
            try:
                dims.append(ServqualDimension(name, expectation, perception, weight))
            except SpecError as err:
                self.fail(str(err), mark)
        self.places.append(("The servqual block", _pos(_mark(data, "servqual"))))
        try:
            return Servqual(tuple(dims))
        except SpecError as err:
            self.fail(str(err), _mark(data, "servqual"))

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
                    f"'{key}' must name one item, got {_show(value)}.",
                    _mark(block, key, value=True),
                )
            single[key] = value
        csat, kano = self.csat(block), self.kano(block)
        self.places.append(("The metrics block", _pos(_mark(data, "metrics"))))
        try:
            return Metrics(nps=single["nps"], csat=csat, ces=single["ces"], kano=tuple(kano))
        except SpecError as err:
            self.fail(str(err), _mark(data, "metrics"))

    def csat(self, block: Mapping[Any, Any]) -> CsatItem | None:
        value = block.get("csat")
        mark = _mark(block, "csat", value=True)
        if value is None:
            return None
        if isinstance(value, str):
            value = {"item": value}
        if not isinstance(value, Mapping) or not isinstance(value.get("item"), str):
            self.fail(
                "'csat' must name one item, or be a mapping such as "
                f"'{{item: CSAT, scale: [1, 5], top_box: 2}}'; got {_show(value)}.",
                mark,
            )
        self.check_keys(value, CSAT_KEYS, "The csat entry")
        top_box = value.get("top_box", 2)
        if isinstance(top_box, bool) or not isinstance(top_box, int):
            self.fail(
                f"top_box must be a whole number such as 2, got {_show(top_box)}.",
                _mark(value, "top_box", value=True),
            )
        scale = self.scale(value, f"the CSAT item '{value['item']}'")
        try:
            return CsatItem(value["item"], scale, top_box)
        except SpecError as err:
            self.fail(str(err), mark)

    def kano(self, block: Mapping[Any, Any]) -> list[KanoPair]:
        value = block.get("kano")
        mark = _mark(block, "kano", value=True)
        if value is None:
            return []
        if isinstance(value, Mapping):
            pairs = [(k, v, _mark(value, k)) for k, v in value.items()]
        elif isinstance(value, list):
            pairs = [(None, v, _mark(value, k)) for k, v in enumerate(value)]
        else:
            pairs = []
            self.fail(
                "'kano' must list [functional, dysfunctional] item pairs, or map each feature "
                f"to its pair; got {_show(value)}.",
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
                    f"as [KANO_F1, KANO_D1]; got {_show(pair)}.",
                    where,
                )
            if feature is not None and not isinstance(feature, str):
                self.fail(f"A Kano feature must be a name, got {_show(feature)}.", where)
            try:
                out.append(KanoPair(feature or pair[0], pair[0], pair[1]))
            except SpecError as err:
                self.fail(str(err), where)
        return out


def _shift(mark: Mark | None, entry: str, offset: int) -> Mark | None:
    """The mark ``offset`` characters into ``entry``, when ``entry`` is written verbatim at
    ``mark`` (plain or quoted on one line); else ``mark`` itself."""
    if mark is None or mark.buffer is None:
        return mark
    start = mark.pointer + (1 if mark.buffer[mark.pointer : mark.pointer + 1] in ("'", '"') else 0)
    if mark.buffer[start : start + len(entry)] != entry or any(ch in entry for ch in _BREAKS):
        return mark
    delta = start - mark.pointer + offset
    return Mark(
        mark.name,
        mark.index + delta,
        mark.line,
        mark.column + delta,
        mark.buffer,
        mark.pointer + delta,
    )


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
    if _RAW_UNSAFE.search(value):
        style: str | None = '"'  # escaped: PyYAML would write these raw and misread them
    elif "\n" in value:
        style = "|"
    else:
        style = ">" if len(value) > 80 else None
    return dumper.represent_scalar(_STR_TAG, value, style=style)


def _represent_flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, _represent_flow)
_Dumper.add_representer(
    _FlowMap,
    lambda dumper, value: dumper.represent_mapping(_MAP_TAG, value, flow_style=True),
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
