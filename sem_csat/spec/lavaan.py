"""Read and write lavaan-style model syntax.

lavaan's model syntax (Rosseel, 2012) is how most SEM users write models down.  sem_csat reads
the part of it that describes a customer-satisfaction model and refuses the rest with a
:class:`~sem_csat.errors.SpecSyntaxError` that points at the line and column.  Nothing in the
text is ever evaluated.

Statements
----------
``Image =~ IMAG1 + IMAG2``
    Reflective construct (common factor; PLS Mode A).  Several ``=~`` lines for the same
    construct append indicators.
``QUAL <~ q1 + q2``
    Formative construct (composite; PLS Mode B).
``Sat ~ Image + Quality``
    Regressions: the dependent construct is on the left, so this gives the paths
    ``Image -> Sat`` and ``Quality -> Sat``.  ``Sat + Loy ~ Image`` regresses both.
``Image ~~ Expectation``
    Covariance between two constructs or between two indicators' errors; ``X ~~ X`` is the
    variance of ``X``.

Every name on the right may carry modifiers: a parameter label (``a*y2``; equal labels mean
equal parameters), a fixed value (``1*y1``, ``-0.5*y3``, ``1e-3*y4``), or both (``a*1*y1``).
``#`` and ``!`` start comments; ``;`` separates statements on one line; a statement continues
on the next line when a line ends with an operator or ``+``, or the next line starts with one.

Not supported, and reported as such: ``:=``, ``==``, ``<``, ``>``, ``|``, ``~ 1``, ``~*~``,
``%``, ``?``, blocks (``group:``), ``NA*`` and function modifiers (``start()``, ``equal()``,
``c()``).

Directives
----------
lavaan has no place for the model's name, description, references and answer scale, for
construct labels, scales, reverse-coded items and reliabilities, or for question wording.
sem_csat keeps them in *directive comments*: whole lines that start with ``#:``.  lavaan itself
reads them as comments, so the text stays valid lavaan syntax::

    #: name: ECSI
    #: description: European Customer Satisfaction Index
    #: reference: Tenenhaus et al. (2005)        (one line per reference, in order)
    #: scale: 1, 10                              (the model's answer scale)
    #: label Image: Corporate image
    #: scale Value: 1, 7                         (a construct's own scale)
    #: reverse Value: PERV2, PERV3
    #: reliability Complaints: 0.8
    #: text PERV1: Given the quality, how do you rate the price?

A value runs to the end of the line and is stripped of surrounding blanks.  A value that is
empty, has surrounding blanks, starts with ``"`` or holds line breaks or other invisible
characters is written as a JSON string literal (``#: label X: " padded "``); the reader decodes
such a literal with :func:`json.loads`, nothing else.  Unknown directive keys are errors; plain
``#`` comments (not followed by ``:``) are ignored.

Two specs that are equal give the same text, and ``read_lavaan(write_lavaan(spec)) == spec``
for every valid spec.

References
----------
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
Statistical Software, 48(2), 1-36. https://doi.org/10.18637/jss.v048.i02

Examples
--------
>>> spec = read_lavaan('''
... #: name: Mini
... #: label Quality: Perceived quality
... Quality =~ q1 + a*q2 + a*q3
... Sat =~ 1*s1 + s2    # first loading fixed
... Sat ~ b1*Quality
... ''')
>>> spec.construct("Quality").label
'Perceived quality'
>>> spec.paths
(Path(source='Quality', target='Sat', label='b1', fixed=None),)
>>> print(write_lavaan(spec), end="")
#: name: Mini
<BLANKLINE>
# measurement model
#: label Quality: Perceived quality
Quality =~ q1 + a*q2 + a*q3
Sat =~ 1*s1 + s2
<BLANKLINE>
# structural model
Sat ~ b1*Quality
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path as FsPath
from typing import NamedTuple, NoReturn

from sem_csat.errors import SpecError, SpecSyntaxError
from sem_csat.spec.model import (
    Construct,
    Covariance,
    Indicator,
    Mode,
    ModelSpec,
    Path,
    check_scale,
    did_you_mean,
)

__all__ = ["read_lavaan", "write_lavaan"]

_NAME = r"[A-Za-z_][A-Za-z0-9_.]*"
_NUMBER = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_TOKEN_RE = re.compile(
    rf"(?P<name>{_NAME})|(?P<number>{_NUMBER})"
    r"|(?P<op>~\*~|=~|<~|~~|:=|==|[~+*\-;<>|%?:=])"
)
_RELATIONS = frozenset({"=~", "<~", "~", "~~"})
_UNSUPPORTED = {
    ":=": "defined parameters (':=')",
    "==": "equality constraints ('=='; give the parameters equal labels such as a*x instead)",
    "<": "inequality constraints ('<')",
    ">": "inequality constraints ('>')",
    "|": "thresholds ('|')",
    "~*~": "scaling factors ('~*~')",
    "%": "the '%' operator",
    "?": "starting values ('?')",
    ":": "blocks such as 'group:' or 'level:'",
}
_EXAMPLES = {
    "=~": "Image =~ IMAG1 + IMAG2",
    "<~": "QUAL <~ q1 + q2",
    "~": "Sat ~ Image + Quality",
    "~~": "Image ~~ Quality",
}
# A statement continues on the next line after these, or when the next line starts with one.
_CONTINUE = {"=~", "<~", "~", "~~", "+", "*"}
_WRAP = 88

_DIRECTIVE_RE = re.compile(
    r"^\s*#:[ \t]*(?P<key>[A-Za-z_]\w*)(?:[ \t]+(?P<target>[^\s:]+))?[ \t]*:(?P<value>.*)$"
)
_MODEL_KEYS = ("name", "description", "reference", "scale")
_CONSTRUCT_KEYS = ("label", "scale", "reverse", "reliability")
_DIRECTIVE_KEYS = ("name", "description", "reference", "scale", "label", "reverse", "reliability")
_NUM_TEXT = rf"[+-]?(?:{_NUMBER}|inf)"
_PAIR_RE = re.compile(rf"^\[?\s*({_NUM_TEXT})\s*,\s*({_NUM_TEXT})\s*\]?$")
_NUM_RE = re.compile(rf"^{_NUM_TEXT}$")


class _Pos(NamedTuple):
    """A 1-based ``(line, column)`` position in a source text."""

    line: int
    column: int


@dataclass(frozen=True)
class _Token:
    kind: str  # "name", "number" or "op"
    text: str
    line: int
    column: int

    @property
    def pos(self) -> _Pos:
        return _Pos(self.line, self.column)

    @property
    def after(self) -> _Pos:
        return _Pos(self.line, self.column + len(self.text))


@dataclass(frozen=True)
class _Term:
    name: str
    label: str | None
    fixed: float | None
    token: _Token


@dataclass
class _Meta:
    label: str | None = None
    scale: tuple[float, float] | None = None
    reverse: tuple[str, ...] = ()
    reliability: float | None = None


@dataclass
class _Block:
    mode: Mode
    token: _Token
    items: list[_Term] = field(default_factory=list)


# ---------------------------------------------------------------------------- shared helpers
# Public but not exported: yaml_io uses the same modifier syntax, file handling and error
# location.
def format_number(value: float) -> str:
    """Format a number so that :func:`float` reads it back exactly (``1``, ``0.5``, ``inf``).

    >>> format_number(1.0), format_number(0.1), format_number(1e-05)
    ('1', '0.1', '1e-05')
    """
    x = float(value)
    if math.isfinite(x) and x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    return repr(x)


def format_term(name: str, label: str | None = None, fixed: float | None = None) -> str:
    """Write a name with its modifiers, lavaan style.

    >>> format_term("y2", "a"), format_term("y1", fixed=1.0), format_term("y1", "a", 0.5)
    ('a*y2', '1*y1', 'a*0.5*y1')
    """
    mods = ([label] if label is not None else []) + (
        [format_number(fixed)] if fixed is not None else []
    )
    return "*".join([*mods, name])


def parse_term(text: str) -> tuple[str, str | None, float | None]:
    """Read one name with optional modifiers (``"a*y2"``, ``"1*y1"``, ``"a*1*y1"``).

    Returns ``(name, label, fixed)``.

    Raises
    ------
    SpecSyntaxError
        When ``text`` is not a single term; ``column`` is 1-based within ``text``.

    Examples
    --------
    >>> parse_term("b1 * -0.5 * Image")
    ('Image', 'b1', -0.5)
    """
    reader = _LavaanReader(text, "<term>")
    tokens = reader.tokenize(text, 1)
    if not tokens:
        reader.fail("Expected a name, found nothing.", _Pos(1, 1))
    term, end = reader.term(tokens, 0, None)
    if end < len(tokens):
        reader.fail(
            f"Expected the end after '{tokens[end - 1].text}', found '{tokens[end].text}'.",
            tokens[end].pos,
        )
    return term.name, term.label, term.fixed


def name_pattern(name: str) -> str:
    """Regex that finds ``name`` as a whole word in a message."""
    return rf"(?<![\w.]){re.escape(name)}(?![\w.])"


def path_pattern(source: str, target: str) -> str:
    """Regex that finds the path ``source -> target`` in a :class:`ModelSpec` message."""
    return name_pattern(f"{source} -> {target}")


def covariance_pattern(left: str, right: str) -> str:
    """Regex that finds the covariance ``left ~~ right`` in a :class:`ModelSpec` message."""
    return name_pattern(f"{left} ~~ {right}")


def locate_error(
    error: SpecError, source: str, places: Iterable[tuple[str, tuple[int, int]]]
) -> SpecError:
    """Prefix a :class:`ModelSpec` validation error with the file and the line it concerns.

    ``places`` pairs a regex (for a path, construct or item as the model's messages name it)
    with the ``(line, column)`` where that element is written; when several match, the one
    written last wins (the second of two duplicates, the path that closes a cycle).
    """
    message = str(error)
    best: tuple[int, int] | None = None
    for pattern, pos in places:
        if pos[0] > 0 and (best is None or pos > best) and re.search(pattern, message):
            best = pos
    if best is None:
        return SpecError(f"{source}: {message}")
    return SpecError(f"{source}, line {best[0]}: {message}")


def is_file_name(source: str, suffixes: tuple[str, ...]) -> bool:
    """Whether a ``str`` argument names a file rather than holding the model text itself."""
    if "\n" in source or "\r" in source or not source.strip():
        return False
    if source.strip().lower().endswith(suffixes):
        return True
    try:
        return len(source) < 4096 and FsPath(source).is_file()
    except (OSError, ValueError):
        return False


def read_text_file(path: FsPath, what: str) -> str:
    """Read a UTF-8 text file or raise a :class:`SpecError` that names it."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise SpecError(
            f"The {what} file '{path}' is not UTF-8 text ({err.reason} at byte {err.start}); "
            "save it with UTF-8 encoding."
        ) from err
    except OSError as err:
        raise SpecError(
            f"Cannot read the {what} file '{path}': {err.strerror or err}; check the path."
        ) from err


# ---------------------------------------------------------------------------- reading
def read_lavaan(source: str | FsPath, *, name: str | None = None) -> ModelSpec:
    """Build a :class:`ModelSpec` from lavaan-style model syntax.

    Parameters
    ----------
    source
        A :class:`pathlib.Path`, a file name (a one-line string ending in ``.lav`` or naming
        an existing file; read as UTF-8), or the model text itself.
    name
        Name of the model.  Default: the ``#: name:`` directive, else the file's stem, else
        ``"model"``.

    Returns
    -------
    ModelSpec
        The validated specification.

    Raises
    ------
    SpecSyntaxError
        When the text cannot be parsed or uses unsupported lavaan features; the message gives
        the line, the column and the offending line with a caret.
    SpecError
        When the model itself is invalid (cycle, duplicated path, ...), prefixed with the file
        and the line of the offending statement.
    """
    stem: str | None = None
    if isinstance(source, FsPath) or is_file_name(source, (".lav", ".lavaan")):
        path = FsPath(source)
        text = read_text_file(path, "lavaan")
        label, stem = str(source), path.stem
    else:
        text, label = source, "<string>"
    return _LavaanReader(text, label).read(name=name, stem=stem)


class _LavaanReader:
    """One pass over a lavaan text: statements, then directives, then the spec."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")

    def fail(self, reason: str, pos: _Pos) -> NoReturn:
        line = pos.line
        text = self.lines[line - 1].replace("\t", " ") if 0 < line <= len(self.lines) else None
        raise SpecSyntaxError(
            reason, source=self.source, line=line, column=pos.column, text=text
        ) from None

    # ------------------------------------------------------------------ tokens
    def tokenize(self, code: str, line: int) -> list[_Token]:
        tokens: list[_Token] = []
        i = 0
        while i < len(code):
            ch = code[i]
            if ch in " \t\f\v":
                i += 1
                continue
            m = _TOKEN_RE.match(code, i)
            if m is None:
                self.fail(_illegal(ch), _Pos(line, i + 1))
            kind = m.lastgroup or "op"
            tokens.append(_Token(kind, m.group(), line, i + 1))
            i = m.end()
        return tokens

    def statements(self) -> tuple[list[list[_Token]], list[tuple[int, re.Match[str] | None]]]:
        statements: list[list[_Token]] = []
        directives: list[tuple[int, re.Match[str] | None]] = []
        current: list[_Token] = []
        for number, raw in enumerate(self.lines, 1):
            if raw.lstrip().startswith("#:"):
                directives.append((number, _DIRECTIVE_RE.match(raw)))
                continue
            cut = [k for k in (raw.find("#"), raw.find("!")) if k >= 0]
            tokens = self.tokenize(raw[: min(cut)] if cut else raw, number)
            if not tokens:
                continue
            joined = bool(current) and (
                current[-1].text in _CONTINUE or tokens[0].text in _CONTINUE
            )
            if current and not joined:
                statements.append(current)
                current = []
            for tok in tokens:
                if tok.text == ";":
                    if current:
                        statements.append(current)
                    current = []
                else:
                    current.append(tok)
        if current:
            statements.append(current)
        return statements, directives

    # ------------------------------------------------------------------ grammar
    def term(self, tokens: Sequence[_Token], i: int, op: _Token | None) -> tuple[_Term, int]:
        """Parse ``(modifier '*')* name`` from ``tokens[i:]``; return it and the next index."""
        label: str | None = None
        fixed: float | None = None
        while True:
            if i >= len(tokens):
                prev = tokens[i - 1]
                self.fail(_ends_after(prev.text), prev.after)
            tok = tokens[i]
            sign = ""
            if tok.text in ("-", "+") and i + 1 < len(tokens) and tokens[i + 1].kind == "number":
                sign, i = tok.text, i + 1
                tok = tokens[i]
            starred = i + 1 < len(tokens) and tokens[i + 1].text == "*"
            if tok.kind == "name" and not starred:
                return _Term(tok.text, label, fixed, tok), i + 1
            if tok.kind == "name":
                if tok.text == "NA":
                    self.fail(
                        "sem_csat does not support lavaan's 'NA*' modifier (freeing a "
                        "parameter); leave it out, or fix the parameter with a number as in 1*x.",
                        tok.pos,
                    )
                if label is not None:
                    self.fail(
                        f"A name can carry only one label, but '{tok.text}' is a second one; "
                        "remove one.",
                        tok.pos,
                    )
                label = tok.text
            elif tok.kind == "number":
                if not starred:
                    if op is not None and op.text == "~":
                        self.fail(
                            "sem_csat does not support intercepts or means ('~ 1'); remove "
                            "the number.",
                            tok.pos,
                        )
                    self.fail(
                        f"The number '{tok.text}' must be followed by '*' and a name, as in "
                        f"{tok.text}*x.",
                        tok.after,
                    )
                value = float(sign + tok.text)
                if not math.isfinite(value):
                    self.fail(
                        f"The fixed value '{tok.text}' is too large; use a finite number.", tok.pos
                    )
                if fixed is not None:
                    self.fail(
                        f"A name can carry only one fixed value, but '{tok.text}' is a second one; "
                        "remove one.",
                        tok.pos,
                    )
                fixed = value
            else:
                what = f"'{tokens[i - 1].text}'" if i > 0 else "the start"
                self.fail(
                    f"Expected a name after {what}, found '{tok.text}'; modifiers are written "
                    "label*name or 1*name.",
                    tok.pos,
                )
            i += 2

    def terms(self, tokens: Sequence[_Token], op: _Token) -> list[_Term]:
        if not tokens:
            self.fail(
                f"The statement ends after '{op.text}'; write the names after it, as in "
                f"'{_EXAMPLES[op.text]}'.",
                op.after,
            )
        out: list[_Term] = []
        i = 0
        while True:
            term, i = self.term(tokens, i, op)
            out.append(term)
            if i == len(tokens):
                return out
            tok = tokens[i]
            if tok.text != "+":
                self.fail(
                    f"Expected '+' or the end of the statement after '{tokens[i - 1].text}', "
                    f"found '{tok.text}'; join names with '+' and start each statement on a new "
                    "line or after ';'.",
                    tok.pos,
                )
            i += 1
            if i == len(tokens):
                self.fail(_ends_after("+"), tok.after)

    def left(self, tokens: Sequence[_Token], op: _Token) -> list[_Token]:
        if not tokens:
            self.fail(
                f"Nothing stands on the left of '{op.text}'; write, e.g., '{_EXAMPLES[op.text]}'.",
                op.pos,
            )
        names: list[_Token] = []
        for k, tok in enumerate(tokens):
            if k % 2 == 1:
                if tok.text != "+":
                    self.fail(
                        f"Expected '{op.text}' after '{tokens[k - 1].text}', found '{tok.text}'; "
                        f"write, e.g., '{_EXAMPLES[op.text]}'.",
                        tok.pos,
                    )
                continue
            if tok.kind != "name":
                self.fail(
                    f"Expected a name on the left of '{op.text}', found '{tok.text}'.", tok.pos
                )
            if k + 1 < len(tokens) and tokens[k + 1].text == "*":
                self.fail(
                    "Modifiers such as 'a*' or '1*' belong to the names on the right of the "
                    "operator; move it there.",
                    tok.pos,
                )
            names.append(tok)
        if len(tokens) % 2 == 0:
            self.fail(f"Expected a name after '+', found '{op.text}'; remove the '+'.", op.pos)
        if len(names) > 1 and op.text != "~":
            self.fail(
                f"Only one name can stand on the left of '{op.text}'; write one statement each.",
                names[1].pos,
            )
        return names

    def statement(self, tokens: list[_Token]) -> tuple[_Token, list[_Token], list[_Term]]:
        for tok in tokens:
            if tok.text == "=":
                self.fail("'=' is not an operator; did you mean '=~'?", tok.pos)
            if tok.kind == "op" and tok.text in _UNSUPPORTED:
                self.fail(
                    f"sem_csat does not support {_UNSUPPORTED[tok.text]}; remove this "
                    "statement (it is not evaluated).",
                    tok.pos,
                )
        ops = [k for k, tok in enumerate(tokens) if tok.text in _RELATIONS]
        if not ops:
            where = tokens[1].pos if len(tokens) > 1 else tokens[0].after
            self.fail(
                f"Expected an operator ('=~', '<~', '~' or '~~') after '{tokens[0].text}'; a "
                "statement is written like 'Sat ~ Image'.",
                where,
            )
        if len(ops) > 1:
            first, second = tokens[ops[0]], tokens[ops[1]]
            self.fail(
                f"A statement has only one operator, but '{second.text}' follows "
                f"'{first.text}'; put each relation on its own line or separate them with ';'.",
                second.pos,
            )
        k = ops[0]
        op = tokens[k]
        return op, self.left(tokens[:k], op), self.terms(tokens[k + 1 :], op)

    # ------------------------------------------------------------------ model
    def read(self, *, name: str | None, stem: str | None) -> ModelSpec:
        statements, directives = self.statements()
        blocks: dict[str, _Block] = {}
        paths: list[tuple[_Token, _Term]] = []
        covs: list[tuple[_Token, _Term]] = []
        for tokens in statements:
            op, lhs, rhs = self.statement(tokens)
            if op.text in ("=~", "<~"):
                mode: Mode = "reflective" if op.text == "=~" else "formative"
                block = blocks.setdefault(lhs[0].text, _Block(mode, lhs[0]))
                if block.mode != mode:
                    self.fail(
                        f"Construct '{lhs[0].text}' is declared {block.mode} (line "
                        f"{block.token.line}) and here {mode}; use either '=~' or '<~'.",
                        op.pos,
                    )
                block.items.extend(rhs)
            elif op.text == "~":
                paths.extend((target, term) for target in lhs for term in rhs)
            else:
                covs.extend((lhs[0], term) for term in rhs)
        owner = {t.name: c for c, b in blocks.items() for t in b.items}
        for target, term in paths:
            self.check_construct(target.text, target.pos, blocks, owner)
            self.check_construct(term.name, term.token.pos, blocks, owner)
        known = [*blocks, *owner]
        for left, term in covs:
            for end, pos in ((left.text, left.pos), (term.name, term.token.pos)):
                if end not in blocks and end not in owner:
                    self.fail(
                        f"'{end}' in a covariance is neither a construct nor an indicator"
                        f"{did_you_mean(end, known)}; declare it with '=~' first.",
                        pos,
                    )
        meta = _Directives(self, blocks, owner)
        for number, match in directives:
            meta.add(number, match)
        constructs: list[Construct] = []
        places: list[tuple[str, tuple[int, int]]] = []
        for cname, block in blocks.items():
            places.append((rf"Construct '{re.escape(cname)}'", block.token.pos))
            places.extend((rf"'{re.escape(t.name)}'", t.token.pos) for t in block.items)
            try:
                indicators = [
                    Indicator(t.name, meta.texts.get(t.name), t.label, t.fixed) for t in block.items
                ]
                extra = meta.construct(cname)
                constructs.append(
                    Construct(
                        cname,
                        tuple(indicators),
                        block.mode,
                        label=extra.label,
                        scale=extra.scale,
                        reverse=extra.reverse,
                        reliability=extra.reliability,
                    )
                )
            except SpecError as err:
                raise locate_error(err, self.source, places) from err
        places += [(path_pattern(t.name, g.text), t.token.pos) for g, t in paths]
        places += [(covariance_pattern(g.text, t.name), t.token.pos) for g, t in covs]
        model_name = name or meta.model.get("name") or stem or "model"
        try:
            spec = ModelSpec(
                model_name,
                tuple(constructs),
                tuple(Path(t.name, g.text, t.label, t.fixed) for g, t in paths),
                tuple(Covariance(g.text, t.name, t.label, t.fixed) for g, t in covs),
                description=meta.model.get("description", ""),
                references=tuple(meta.references),
                scale=meta.scale,
            )
        except SpecError as err:
            raise locate_error(err, self.source, places) from err
        return replace(spec, source=self.source)

    def check_construct(
        self, name: str, pos: _Pos, blocks: dict[str, _Block], owner: dict[str, str]
    ) -> None:
        if name in blocks:
            return
        if name in owner:
            self.fail(
                f"'{name}' is an indicator of construct '{owner[name]}', but regressions "
                f"connect constructs; use '{owner[name]}' here.",
                pos,
            )
        self.fail(
            f"'{name}' is not a declared construct{did_you_mean(name, blocks)}; if it is an "
            f"observed variable, declare it as a single-item construct first, as in "
            f"'X =~ {name}'.",
            pos,
        )


class _Directives:
    """The ``#:`` lines of a lavaan text, checked against the declared constructs."""

    def __init__(self, reader: _LavaanReader, blocks: dict[str, _Block], owner: dict[str, str]):
        self.reader = reader
        self.blocks = blocks
        self.owner = owner
        self.model: dict[str, str] = {}
        self.scale: tuple[float, float] | None = None
        self.references: list[str] = []
        self.texts: dict[str, str] = {}
        self.per_construct: dict[str, _Meta] = {}
        self.seen: dict[tuple[str, str | None], int] = {}

    def construct(self, name: str) -> _Meta:
        return self.per_construct.get(name, _Meta())

    def add(self, number: int, match: re.Match[str] | None) -> None:
        fail = self.reader.fail
        if match is None:
            column = self.reader.lines[number - 1].index("#:") + 1
            fail(
                "A directive is written '#: key: value' or '#: key Name: value', such as "
                "'#: label Image: Corporate image'.",
                _Pos(number, column),
            )
        key, target = match.group("key"), match.group("target")
        key_pos = _Pos(number, match.start("key") + 1)
        value_pos = _Pos(number, match.start("value") + 1)
        if key not in _DIRECTIVE_KEYS and key != "text":
            options = ", ".join((*_DIRECTIVE_KEYS, "text"))
            fail(
                f"Unknown directive '{key}'{did_you_mean(key, (*_DIRECTIVE_KEYS, 'text'))}; "
                f"the directives are {options}.",
                key_pos,
            )
        if (key, target) in self.seen and key != "reference":
            first = self.seen[(key, target)]
            what = f"'{key} {target}'" if target else f"'{key}'"
            fail(f"The directive {what} is given twice (first on line {first}); keep one.", key_pos)
        self.seen[(key, target)] = number
        raw = match.group("value")
        value = _decode_value(raw, lambda reason: fail(reason, value_pos))
        if target is None:
            if key not in _MODEL_KEYS:
                fail(
                    f"The directive '{key}' needs the name it applies to, as in "
                    f"'#: {key} Image: ...'.",
                    key_pos,
                )
            if key == "reference":
                self.references.append(value)
            elif key == "scale":
                self.scale = self.pair(value, "the model", value_pos)
            else:
                if key == "name" and not value.strip():
                    fail("The model name must not be blank.", value_pos)
                self.model[key] = value
            return
        target_pos = _Pos(number, match.start("target") + 1)
        if key == "text":
            if target not in self.owner:
                fail(
                    f"'{target}' is not an indicator of any construct"
                    f"{did_you_mean(target, self.owner)}; declare it with '=~' first.",
                    target_pos,
                )
            self.texts[target] = value
            return
        if key not in _CONSTRUCT_KEYS:
            fail(
                f"The directive '{key}' applies to the whole model; write '#: {key}: ...'.",
                target_pos,
            )
        if target not in self.blocks:
            fail(
                f"'{target}' is not a declared construct{did_you_mean(target, self.blocks)}; "
                "declare it with '=~' or '<~'.",
                target_pos,
            )
        meta = self.per_construct.setdefault(target, _Meta())
        if key == "label":
            meta.label = value
        elif key == "scale":
            meta.scale = self.pair(value, f"construct '{target}'", value_pos)
        elif key == "reliability":
            if not _NUM_RE.match(value):
                fail(
                    f"The reliability of '{target}' must be a number in (0, 1], got '{value}'.",
                    value_pos,
                )
            if not 0.0 < float(value) <= 1.0:
                fail(f"The reliability of '{target}' is {value}; it must lie in (0, 1].", value_pos)
            meta.reliability = float(value)
        else:
            items = [t.name for t in self.blocks[target].items]
            names = [v.strip() for v in value.strip().strip("[]").split(",")]
            for item in names:
                if item not in items:
                    fail(
                        f"'{item}' is not an indicator of '{target}'"
                        f"{did_you_mean(item, items)}; list its reverse-coded items, "
                        "separated by commas.",
                        value_pos,
                    )
            meta.reverse = tuple(names)

    def pair(self, value: str, where: str, pos: _Pos) -> tuple[float, float]:
        m = _PAIR_RE.match(value.strip())
        if m is None:
            self.reader.fail(
                f"The scale of {where} must be two numbers 'lowest, highest', such as '1, 10'; "
                f"got '{value}'.",
                pos,
            )
        try:
            return check_scale((float(m.group(1)), float(m.group(2))), where)
        except SpecError as err:
            self.reader.fail(str(err), pos)


def _ends_after(text: str) -> str:
    return f"The statement ends after '{text}'; add a name after it or remove the '{text}'."


def _illegal(ch: str) -> str:
    if ch == "(":
        return (
            "sem_csat does not support function modifiers such as start(), equal(), label() "
            "or c(); write label*x or 1*x."
        )
    if ch in "\"'":
        return "Quoted labels are not supported; write a label as a plain name, as in b1*x."
    if ch.isalpha():
        return (
            f"Names may only use ASCII letters, digits, '_' and '.', not {ch!r}; put a "
            "readable name in a '#: label' directive."
        )
    return (
        f"Illegal character {ch!r}; names use letters, digits, '_' and '.', and the operators "
        "are =~, <~, ~ and ~~."
    )


def _decode_value(raw: str, fail: Callable[[str], NoReturn]) -> str:
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


# ---------------------------------------------------------------------------- writing
def _encode_value(value: str) -> str:
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


def _statement(lhs: str, op: str, terms: Sequence[str]) -> list[str]:
    head = f"{lhs} {op} "
    lines: list[str] = []
    current = head
    for k, term in enumerate(terms):
        piece = term if k == 0 else f" + {term}"
        if k > 0 and len(current) + len(piece) > _WRAP:
            lines.append(current + " +")
            current = " " * len(head) + term
        else:
            current += piece
    lines.append(current)
    return lines


def write_lavaan(spec: ModelSpec) -> str:
    """Return lavaan-style syntax for ``spec``, with ``#:`` directives for everything else.

    The text reads back into an equal spec (``read_lavaan(write_lavaan(spec)) == spec``).
    """
    out = [f"#: name: {_encode_value(spec.name)}"]
    if spec.description:
        out.append(f"#: description: {_encode_value(spec.description)}")
    out += [f"#: reference: {_encode_value(ref)}" for ref in spec.references]
    if spec.scale is not None:
        out.append(f"#: scale: {', '.join(format_number(v) for v in spec.scale)}")
    out += ["", "# measurement model"]
    for c in spec.constructs:
        if c.label is not None:
            out.append(f"#: label {c.name}: {_encode_value(c.label)}")
        if c.scale is not None:
            out.append(f"#: scale {c.name}: {', '.join(format_number(v) for v in c.scale)}")
        if c.reverse:
            out.append(f"#: reverse {c.name}: {', '.join(c.reverse)}")
        if c.reliability is not None:
            out.append(f"#: reliability {c.name}: {format_number(c.reliability)}")
        out += [
            f"#: text {i.name}: {_encode_value(i.text)}" for i in c.indicators if i.text is not None
        ]
        op = "=~" if c.mode == "reflective" else "<~"
        out += _statement(c.name, op, [format_term(i.name, i.label, i.fixed) for i in c.indicators])
    if spec.paths:
        out += ["", "# structural model"]
        for target, group in itertools.groupby(spec.paths, key=lambda p: p.target):
            out += _statement(target, "~", [format_term(p.source, p.label, p.fixed) for p in group])
    if spec.covariances:
        out += ["", "# covariances"]
        groups: list[tuple[str, list[str]]] = []
        for cov in spec.covariances:
            term = format_term(cov.right, cov.label, cov.fixed)
            if groups and groups[-1][0] == cov.left:
                groups[-1][1].append(term)
            else:
                groups.append((cov.left, [term]))
        for left, terms in groups:
            out += _statement(left, "~~", terms)
    return "\n".join(out) + "\n"
