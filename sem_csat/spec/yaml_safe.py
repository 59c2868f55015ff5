"""Safe YAML loading for spec files, with the position of every key and value.

The loader is a :class:`yaml.SafeLoader` that refuses every tag that is not plain YAML
(``!!python/...`` included) before anything is constructed, refuses duplicate keys, and reads
only ``true`` and ``false`` as booleans (so a construct called ``No`` stays a name).  Mappings
and lists remember where their keys and items were written (:class:`Map`, :class:`Seq`), so
that every later message can point at the line and column (:func:`syntax_error`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, NoReturn

import yaml
from yaml.constructor import ConstructorError
from yaml.error import Mark, MarkedYAMLError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sem_csat.errors import SpecError, SpecSyntaxError

__all__ = [
    "MAP_TAG",
    "RAW_UNSAFE",
    "SEQ_TAG",
    "STR_TAG",
    "Map",
    "Seq",
    "is_number",
    "load",
    "mark_of",
    "position",
    "shift_mark",
    "show",
    "syntax_error",
]

_BREAKS = "\r\n\x85\u2028\u2029"
_TAG_PREFIX = "tag:yaml.org,2002:"
STR_TAG, SEQ_TAG, MAP_TAG = (_TAG_PREFIX + t for t in ("str", "seq", "map"))
_BOOL_TAG, _MERGE_TAG, _VALUE_TAG = (_TAG_PREFIX + t for t in ("bool", "merge", "value"))
_SCALAR_TAGS = frozenset(
    _TAG_PREFIX + t for t in ("str", "int", "float", "bool", "null", "timestamp")
)
# Characters that must be written as escapes in a double-quoted scalar to read back unchanged.
RAW_UNSAFE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


# ---------------------------------------------------------------------------- safe loader
class Map(dict[Any, Any]):
    """A YAML mapping that remembers where its keys and values were written."""

    def __init__(self, mark: Mark | None = None) -> None:
        super().__init__()
        self.mark = mark
        self.key_marks: dict[Any, Mark] = {}
        self.value_marks: dict[Any, Mark] = {}


class Seq(list[Any]):
    """A YAML sequence that remembers where its items were written."""

    def __init__(self, mark: Mark | None = None) -> None:
        super().__init__()
        self.mark = mark
        self.item_marks: list[Mark] = []


class _SpecYAMLError(ConstructorError):
    """A problem the loader reports in its own words (duplicate key, refused tag)."""


class _Loader(yaml.SafeLoader):
    """Safe loader that keeps positions, refuses duplicate keys and non-standard tags."""


def _construct_map(loader: _Loader, node: MappingNode) -> Iterator[Map]:
    data = Map(node.start_mark)
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
                    f"The key {show(key)} appears twice in this mapping (first on line "
                    f"{written[key].line + 1}); YAML would silently keep only the last one, so "
                    "remove or rename one of them.",
                    key_node.start_mark,
                )
            written[key] = key_node.start_mark
        data[key] = loader.construct_object(value_node, deep=False)
        data.key_marks[key] = key_node.start_mark
        data.value_marks[key] = value_node.start_mark


def _construct_seq(loader: _Loader, node: SequenceNode) -> Iterator[Seq]:
    data = Seq(node.start_mark)
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
                    node.tag = STR_TAG  # a '<<' that is not a merge key is just text
            elif node.tag not in _SCALAR_TAGS:
                _refuse_tag(loader, node)
            elif node.tag != STR_TAG:
                try:
                    loader.construct_object(node)
                except (ValueError, KeyError, AttributeError, TypeError, OverflowError):
                    raise _SpecYAMLError(
                        None,
                        None,
                        f"The value {show(node.value)} cannot be read as "
                        f"{_short_tag(node.tag)}; quote it to make it a text.",
                        node.start_mark,
                    ) from None
        elif isinstance(node, SequenceNode):
            if node.tag != SEQ_TAG:
                _refuse_tag(loader, node)
            stack.extend((child, False) for child in node.value)
        elif isinstance(node, MappingNode):
            if node.tag != MAP_TAG:
                _refuse_tag(loader, node)
            for key, value in node.value:
                stack += [(key, True), (value, False)]


_Loader.add_constructor(MAP_TAG, _construct_map)
_Loader.add_constructor(SEQ_TAG, _construct_seq)
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


def load(text: str, source: str) -> Any:
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
        raise syntax_error(str(err.problem), source, mark) from None
    except MarkedYAMLError as err:
        problem = (err.problem or "invalid YAML").rstrip(".")
        context = f" ({err.context})" if err.context else ""
        raise syntax_error(
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


def syntax_error(reason: str, source: str, mark: Mark | None) -> SpecError:
    if mark is None:
        return SpecError(f"{source}: {reason}")
    return SpecSyntaxError(
        reason, source=source, line=mark.line + 1, column=mark.column + 1, text=_excerpt(mark)
    )


def mark_of(container: object, key: object = None, *, value: bool = False) -> Mark | None:
    """Where ``key`` (or its value, or item ``key`` of a list) was written, if known."""
    if isinstance(container, Map):
        marks = container.value_marks if value else container.key_marks
        return marks.get(key, container.mark)
    if isinstance(container, Seq):
        if isinstance(key, int) and 0 <= key < len(container.item_marks):
            return container.item_marks[key]
        return container.mark
    return None


def position(mark: Mark | None) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


def show(value: object) -> str:
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


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def shift_mark(mark: Mark | None, entry: str, offset: int) -> Mark | None:
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
