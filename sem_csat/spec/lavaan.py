"""Read and write lavaan-style model syntax.

lavaan's model syntax (Rosseel, 2012) is how most SEM users write models down.  sem_csat reads
the part of it that describes a customer-satisfaction model and refuses the rest with a
:class:`~sem_csat.errors.SpecSyntaxError` that points at the line and column and names the
feature that is not supported yet.  Nothing in the text is ever evaluated.

Statements
----------
``Image =~ IMAG1 + IMAG2``
    Reflective construct (common factor; PLS Mode A).  Several ``=~`` lines for the same
    construct append indicators.
``QUAL <~ q1 + q2``
    Formative construct (composite; PLS Mode B).
``RQ =~ TRUST + COMMIT + SAT``
    A higher-order construct: when the names on the right are constructs (declared with
    ``=~`` or ``<~`` anywhere in the text), they are its dimensions.  Items and constructs
    cannot be mixed on one right-hand side.
``Sat ~ Image + Quality``
    Regressions: the dependent construct is on the left, so this gives the paths
    ``Image -> Sat`` and ``Quality -> Sat``.  ``Sat + Loy ~ Image`` regresses both.
``Loy ~ Sat + Cost + Sat:Cost``
    ``Sat:Cost`` is an interaction term (moderation), named ``Sat_x_Cost`` unless a
    ``#: interaction`` directive names it.
``y1 ~ 1``, ``F ~ 0*1``, ``y1 ~ a*1``
    Intercepts (of an indicator) and means (of a construct); they give the model a mean
    structure.
``Image ~~ Expectation``
    Covariance between two constructs or between two indicators' errors; ``X ~~ X`` is the
    variance of ``X``.
``ind := a*b``
    A defined parameter: arithmetic (``+ - * / ^``, parentheses, ``sqrt``, ``exp``, ``log``,
    ``abs``) over labels and numbers, read by :mod:`sem_csat.spec.expressions`.
``a == 2*b``
    An equality constraint between two such expressions.

Every name on the right may carry modifiers: a parameter label (``a*y2``; equal labels mean
equal parameters), a fixed value (``1*y1``, ``-0.5*y3``, ``1e-3*y4``), or both (``a*1*y1``).
``#`` and ``!`` start comments; ``;`` separates statements on one line; a statement continues
on the next line when a line ends with an operator (``=~ <~ ~ ~~ + * - / ^ := == (``), or the
next line starts with one of ``=~ <~ ~ ~~ + * / ^``.

Not supported yet, and reported as such: blocks (``group:``, ``level:``), thresholds (``|``),
scaling factors (``~*~``), inequality constraints (``<``, ``>``), ``efa()`` blocks, ``%``, ``?``,
``NA*`` and function modifiers (``start()``, ``equal()``, ``c()``).

Directives
----------
What lavaan's syntax has no place for (model name, description, references, scales, labels,
reverse-coded items, reliabilities, question wording, interaction names, the SERVQUAL and
survey-metrics blocks) is kept in ``#:`` directive comments, described in
:mod:`sem_csat.spec.directives`; lavaan reads them as comments, so the text stays valid lavaan
syntax.  Plain ``#`` comments (not followed by ``:``) are ignored.

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
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path as FsPath
from typing import NamedTuple, NoReturn

from sem_csat.errors import SpecError, SpecSyntaxError
from sem_csat.spec.checks import format_number as format_number  # re-exported
from sem_csat.spec.checks import format_term as format_term  # re-exported
from sem_csat.spec.directives import (
    DIRECTIVE_RE,
    DirectiveReader,
    construct_directives,
    model_directives,
)
from sem_csat.spec.expressions import Expression, parse_tokens
from sem_csat.spec.model import (
    Constraint,
    Construct,
    Covariance,
    Defined,
    Indicator,
    Interaction,
    Intercept,
    Mode,
    ModelSpec,
    Path,
    did_you_mean,
)

__all__ = ["read_lavaan", "write_lavaan"]

_NAME = r"[A-Za-z_][A-Za-z0-9_.]*"
_NUMBER = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_TOKEN_RE = re.compile(
    rf"(?P<name>{_NAME})|(?P<number>{_NUMBER})"
    r"|(?P<op>~\*~|=~|<~|~~|:=|==|\*\*|[~+*\-;<>|%?:=/^()])"
)
_RELATIONS = frozenset({"=~", "<~", "~", "~~"})
_EXPRESSION_OPS = frozenset({":=", "=="})
_NOT_YET = {
    "<": (
        "Inequality constraints ('<' and '>') are not yet supported by sem_csat; remove this "
        "statement, or write an equality constraint with '=='"
    ),
    "|": (
        "Thresholds ('|') are not yet supported in sem_csat's model text; for ordinal items, "
        "fit with method 'wlsmv', which estimates the thresholds itself"
    ),
    "~*~": "Scaling factors ('~*~') are not yet supported by sem_csat; remove this statement",
    "%": "The '%' operator is not supported by sem_csat; remove this statement",
    "?": (
        "Starting values ('?') are not supported by sem_csat; remove them (sem_csat chooses "
        "its own starting values)"
    ),
}
_NOT_YET[">"] = _NOT_YET["<"]
_BLOCKS = (
    "Blocks such as 'group:' or 'level:' (multiple-group and multilevel models) are not yet "
    "supported by sem_csat; remove the block lines"
)
_EFA = (
    "Exploratory factor blocks (efa()) are not yet supported by sem_csat; declare each "
    "construct's items with '=~'"
)
_FUNCTIONS = (
    "sem_csat does not support function modifiers such as start(), equal(), label() or c(); "
    "write label*x or 1*x."
)
_EXAMPLES = {
    "=~": "Image =~ IMAG1 + IMAG2",
    "<~": "QUAL <~ q1 + q2",
    "~": "Sat ~ Image + Quality",
    "~~": "Image ~~ Quality",
}
# A statement continues on the next line after these, or when the next line starts with one.
_CONTINUE_AFTER = frozenset({"=~", "<~", "~", "~~", "+", "*", ":=", "==", "-", "/", "^", "**", "("})
_CONTINUE_BEFORE = frozenset({"=~", "<~", "~", "~~", "+", "*", "/", "^", "**"})
_WRAP = 88


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
    other: _Token | None = None  # the second construct of an interaction 'A:B'
    intercept: bool = False  # the term '1' of 'y ~ 1'


@dataclass
class _Block:
    mode: Mode
    token: _Token
    items: list[_Term] = field(default_factory=list)


# ---------------------------------------------------------------------------- shared helpers
# Public but not exported: yaml_io uses the same modifier syntax, file handling and error
# location.
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
    for tok in tokens:
        if tok.text in ("(", ")", "/", "^", "**"):
            reader.fail(_illegal(tok.text[0]), tok.pos)
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


@dataclass
class _Parts:
    """What the statements of a text declare, with where each part is written."""

    blocks: dict[str, _Block] = field(default_factory=dict)
    paths: list[tuple[_Token, _Term]] = field(default_factory=list)
    covs: list[tuple[_Token, _Term]] = field(default_factory=list)
    intercepts: list[tuple[_Token, _Term]] = field(default_factory=list)
    defined: list[tuple[_Token, Expression]] = field(default_factory=list)
    constraints: list[tuple[_Token, Constraint]] = field(default_factory=list)


class _LavaanReader:
    """One pass over a lavaan text: statements, then directives, then the spec."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")

    def fail(self, reason: str, pos: tuple[int, int]) -> NoReturn:
        line, column = pos
        text = self.lines[line - 1].replace("\t", " ") if 0 < line <= len(self.lines) else None
        raise SpecSyntaxError(
            reason, source=self.source, line=line, column=column, text=text
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
                efa = re.search(r"(?<![\w.])efa\s*\(\s*$", code[:i])
                if efa is not None:
                    self.fail(f"{_EFA}.", _Pos(line, efa.start() + 1))
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
                directives.append((number, DIRECTIVE_RE.match(raw)))
                continue
            cut = [k for k in (raw.find("#"), raw.find("!")) if k >= 0]
            tokens = self.tokenize(raw[: min(cut)] if cut else raw, number)
            if not tokens:
                continue
            joined = bool(current) and (
                current[-1].text in _CONTINUE_AFTER or tokens[0].text in _CONTINUE_BEFORE
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
        """Parse ``(modifier '*')* name`` from ``tokens[i:]``; return it and the next index.

        In a regression (``op`` is ``~``) the name may be an interaction ``A:B`` and the term
        may be the intercept ``1``.
        """
        label: str | None = None
        fixed: float | None = None
        regression = op is not None and op.text == "~"
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
                if i + 1 < len(tokens) and tokens[i + 1].text == ":":
                    return self.interaction(tokens, i, regression, label, fixed)
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
                    if regression and not sign and float(tok.text) == 1.0:
                        return _Term("1", label, fixed, tok, intercept=True), i + 1
                    if regression:
                        self.fail(
                            f"In a regression, a number without '*' stands for the intercept "
                            f"and must be 1, as in 'y ~ 1' or 'y ~ a*1'; write "
                            f"{sign}{tok.text}*x to fix a coefficient.",
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

    def interaction(
        self,
        tokens: Sequence[_Token],
        i: int,
        regression: bool,
        label: str | None,
        fixed: float | None,
    ) -> tuple[_Term, int]:
        colon = tokens[i + 1]
        if not regression:
            self.fail(
                "An interaction term such as 'A:B' can only be a predictor on the right of '~', "
                "as in 'Loyalty ~ Satisfaction + Cost + Satisfaction:Cost'.",
                colon.pos,
            )
        if i + 2 >= len(tokens) or tokens[i + 2].kind != "name":
            self.fail(
                "An interaction term joins two constructs, as in 'Satisfaction:Cost'; add the "
                "second construct after ':'.",
                colon.after,
            )
        if i + 3 < len(tokens) and tokens[i + 3].text == ":":
            self.fail(
                "Interactions of three or more constructs ('A:B:C') are not yet supported by "
                "sem_csat; use interactions of two constructs.",
                tokens[i + 3].pos,
            )
        return _Term(tokens[i].text, label, fixed, tokens[i], other=tokens[i + 2]), i + 3

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

    def screen(self, tokens: list[_Token]) -> None:
        """Refuse what sem_csat does not read, naming the feature."""
        if len(tokens) >= 2 and tokens[0].kind == "name" and tokens[1].text == ":":
            self.fail(f"{_BLOCKS}.", tokens[1].pos)
        for k, tok in enumerate(tokens):
            if tok.text == "=":
                self.fail("'=' is not an operator; did you mean '=~'?", tok.pos)
            if tok.text == "efa" and k + 1 < len(tokens) and tokens[k + 1].text == "(":
                self.fail(f"{_EFA}.", tok.pos)
            if tok.kind == "op" and tok.text in _NOT_YET:
                self.fail(f"{_NOT_YET[tok.text]}.", tok.pos)
        ops = [k for k, tok in enumerate(tokens) if tok.text in _RELATIONS | _EXPRESSION_OPS]
        if len(ops) > 1:
            first, second = tokens[ops[0]], tokens[ops[1]]
            self.fail(
                f"A statement has only one operator, but '{second.text}' follows "
                f"'{first.text}'; put each relation on its own line or separate them with ';'.",
                second.pos,
            )

    def statement(self, tokens: list[_Token]) -> tuple[_Token, list[_Token], list[_Term]]:
        # '**' is a power only in expressions; elsewhere it is two '*' (a missing name)
        tokens = [
            part
            for tok in tokens
            for part in (
                (
                    _Token("op", "*", tok.line, tok.column),
                    _Token("op", "*", tok.line, tok.column + 1),
                )
                if tok.text == "**"
                else (tok,)
            )
        ]
        for tok in tokens:
            if tok.text == "(":
                self.fail(_FUNCTIONS, tok.pos)
            if tok.text in (")", "/", "^", "**"):
                self.fail(_illegal(tok.text[0]), tok.pos)
        ops = [k for k, tok in enumerate(tokens) if tok.text in _RELATIONS]
        if not ops:
            where = tokens[1].pos if len(tokens) > 1 else tokens[0].after
            self.fail(
                f"Expected an operator ('=~', '<~', '~', '~~', ':=' or '==') after "
                f"'{tokens[0].text}'; a statement is written like 'Sat ~ Image'.",
                where,
            )
        k = ops[0]
        op = tokens[k]
        return op, self.left(tokens[:k], op), self.terms(tokens[k + 1 :], op)

    def expression(self, tokens: Sequence[_Token], end: _Pos) -> Expression:
        def fail(reason: str, line: int, column: int) -> NoReturn:
            self.fail(reason, _Pos(line, column))

        return Expression.from_tree(parse_tokens(tokens, fail, end=end))

    def expression_statement(self, tokens: list[_Token], parts: _Parts) -> None:
        k = next(k for k, tok in enumerate(tokens) if tok.text in _EXPRESSION_OPS)
        op = tokens[k]
        if not tokens[k + 1 :]:
            self.fail(
                f"The statement ends after '{op.text}'; write an expression after it.", op.after
            )
        right = self.expression(tokens[k + 1 :], tokens[-1].after)
        if op.text == ":=":
            if k != 1 or tokens[0].kind != "name":
                self.fail(
                    "A defined parameter is written 'name := expression', such as "
                    "'ind := a*b', with one name on the left.",
                    tokens[0].pos,
                )
            parts.defined.append((tokens[0], right))
            return
        if k == 0:
            self.fail(
                "Nothing stands on the left of '=='; write a constraint such as 'a == 2*b'.",
                op.pos,
            )
        left = self.expression(tokens[:k], op.pos)
        parts.constraints.append((tokens[0], Constraint(left, right)))

    # ------------------------------------------------------------------ model
    def read(self, *, name: str | None, stem: str | None) -> ModelSpec:
        statements, directives = self.statements()
        parts = _Parts()
        for tokens in statements:
            self.screen(tokens)
            if any(tok.text in _EXPRESSION_OPS for tok in tokens):
                self.expression_statement(tokens, parts)
                continue
            op, lhs, rhs = self.statement(tokens)
            if op.text in ("=~", "<~"):
                mode: Mode = "reflective" if op.text == "=~" else "formative"
                block = parts.blocks.setdefault(lhs[0].text, _Block(mode, lhs[0]))
                if block.mode != mode:
                    self.fail(
                        f"Construct '{lhs[0].text}' is declared {block.mode} (line "
                        f"{block.token.line}) and here {mode}; use either '=~' or '<~'.",
                        op.pos,
                    )
                block.items.extend(rhs)
            elif op.text == "~":
                for target in lhs:
                    for term in rhs:
                        kind = parts.intercepts if term.intercept else parts.paths
                        kind.append((target, term))
            else:
                parts.covs.extend((lhs[0], term) for term in rhs)
        return self.build(parts, directives, name=name, stem=stem)

    def structure(self, parts: _Parts) -> dict[str, str]:
        """Check every name against the declared constructs; return item -> construct."""
        blocks = parts.blocks
        for cname, block in blocks.items():
            dims = [t for t in block.items if t.name in blocks]
            items = [t for t in block.items if t.name not in blocks]
            if dims and items:
                op = "=~" if block.mode == "reflective" else "<~"
                self.fail(
                    f"Construct '{cname}' has both constructs ({', '.join(t.name for t in dims)}) "
                    f"and items ({', '.join(t.name for t in items)}) on the right of '{op}'; a "
                    "higher-order construct is measured by its dimensions only, so give the "
                    "items a construct of their own (or rename an item that has a construct's "
                    "name).",
                    dims[0].token.pos,
                )
        owner = {t.name: c for c, b in blocks.items() for t in b.items if t.name not in blocks}
        for target, term in parts.paths:
            self.check_construct(target.text, target.pos, blocks, owner)
            self.check_construct(term.name, term.token.pos, blocks, owner)
            if term.other is not None:
                self.check_construct(term.other.text, term.other.pos, blocks, owner)
        for target, _ in parts.intercepts:
            if target.text not in blocks and target.text not in owner:
                self.fail(
                    f"'{target.text}' in the intercept '{target.text} ~ 1' is neither a "
                    f"construct nor an indicator{did_you_mean(target.text, [*blocks, *owner])}; "
                    "declare it with '=~' first.",
                    target.pos,
                )
        known = [*blocks, *owner]
        for left, term in parts.covs:
            for end, pos in ((left.text, left.pos), (term.name, term.token.pos)):
                if end not in blocks and end not in owner:
                    self.fail(
                        f"'{end}' in a covariance is neither a construct nor an indicator"
                        f"{did_you_mean(end, known)}; declare it with '=~' first.",
                        pos,
                    )
        return owner

    def build(
        self,
        parts: _Parts,
        directives: list[tuple[int, re.Match[str] | None]],
        *,
        name: str | None,
        stem: str | None,
    ) -> ModelSpec:
        blocks = parts.blocks
        self.structure(parts)
        meta = DirectiveReader(
            self.fail,
            self.lines,
            {c: [t.name for t in b.items if t.name not in blocks] for c, b in blocks.items()},
        )
        for number, match in directives:
            meta.add(number, match)
        constructs: list[Construct] = []
        places: list[tuple[str, tuple[int, int]]] = []
        for cname, block in blocks.items():
            places.append((rf"Construct '{re.escape(cname)}'", block.token.pos))
            places.extend((rf"'{re.escape(t.name)}'", t.token.pos) for t in block.items)
            try:
                entries = [
                    Indicator(t.name, meta.texts.get(t.name), t.label, t.fixed) for t in block.items
                ]
                hoc = bool(entries) and entries[0].name in blocks
                extra = meta.construct(cname)
                constructs.append(
                    Construct(
                        cname,
                        () if hoc else tuple(entries),
                        block.mode,
                        label=extra.label,
                        scale=extra.scale,
                        reverse=extra.reverse,
                        reliability=extra.reliability,
                        dimensions=tuple(entries) if hoc else (),
                    )
                )
            except SpecError as err:
                raise locate_error(err, self.source, places) from err
        interactions = self.interactions(parts, meta, places)
        paths: list[Path] = []
        for g, t in parts.paths:
            source = t.name if t.other is None else interactions[frozenset((t.name, t.other.text))]
            places.append((path_pattern(source, g.text), t.token.pos))
            paths.append(Path(source, g.text, t.label, t.fixed))
        places += [(covariance_pattern(g.text, t.name), t.token.pos) for g, t in parts.covs]
        places += [(name_pattern(f"{g.text} ~ 1"), t.token.pos) for g, t in parts.intercepts]
        defined = []
        for tok, expr in parts.defined:
            places.append((rf"The defined parameter '{re.escape(tok.text)}'", tok.pos))
            try:
                defined.append(Defined(tok.text, expr))
            except SpecError as err:
                self.fail(str(err), tok.pos)
        for tok, con in parts.constraints:
            places.append((re.escape(f"The constraint {con.text}"), tok.pos))
        servqual, metrics = meta.servqual(), meta.metrics()
        places += [(f"The {block} block", (line, 1)) for block, line in meta.block_lines.items()]
        try:
            spec = ModelSpec(
                name or meta.model.get("name") or stem or "model",
                tuple(constructs),
                tuple(paths),
                tuple(Covariance(g.text, t.name, t.label, t.fixed) for g, t in parts.covs),
                description=meta.model.get("description", ""),
                references=tuple(meta.references),
                scale=meta.scale,
                interactions=tuple(
                    Interaction(n, *pair)
                    for n, pair in self.interaction_pairs(parts, meta, interactions).items()
                ),
                intercepts=tuple(Intercept(g.text, t.label, t.fixed) for g, t in parts.intercepts),
                meanstructure=bool(meta.meanstructure),
                defined=tuple(defined),
                constraints=tuple(c for _, c in parts.constraints),
                servqual=servqual,
                metrics=metrics,
            )
        except SpecError as err:
            raise locate_error(err, self.source, places) from err
        if meta.meanstructure is False and parts.intercepts:
            line = meta.seen[("meanstructure", None)]
            self.fail(
                "'#: meanstructure: false' contradicts the intercepts ('~ 1') of the model; "
                "remove the directive or the intercepts.",
                _Pos(line, 1),
            )
        return replace(spec, source=self.source)

    def interactions(
        self, parts: _Parts, meta: DirectiveReader, places: list[tuple[str, tuple[int, int]]]
    ) -> dict[frozenset[str], str]:
        """Name each interaction term: by its directive, else ``A_x_B``."""
        named = {frozenset(v[:2]): n for n, v in meta.interactions.items()}
        out: dict[frozenset[str], str] = {}
        for n, (_, _, pos) in meta.interactions.items():
            places.append((rf"The interaction '{re.escape(n)}'", pos))
        for _, t in parts.paths:
            if t.other is None:
                continue
            pair = frozenset((t.name, t.other.text))
            if pair not in out:
                out[pair] = named.get(pair) or Interaction.default_name(t.name, t.other.text)
                places.append((rf"The interaction '{re.escape(out[pair])}'", t.token.pos))
        return out

    def interaction_pairs(
        self, parts: _Parts, meta: DirectiveReader, names: dict[frozenset[str], str]
    ) -> dict[str, tuple[str, str]]:
        """Interaction name -> (left, right): a directive's order, else the first written."""
        out = {n: (v[0], v[1]) for n, v in meta.interactions.items()}
        for _, t in parts.paths:
            if t.other is not None:
                out.setdefault(names[frozenset((t.name, t.other.text))], (t.name, t.other.text))
        return out

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


def _ends_after(text: str) -> str:
    return f"The statement ends after '{text}'; add a name after it or remove the '{text}'."


def _illegal(ch: str) -> str:
    if ch == "(":
        return _FUNCTIONS
    if ch in "\"'":
        return "Quoted labels are not supported; write a label as a plain name, as in b1*x."
    if ch.isalpha():
        return (
            f"Names may only use ASCII letters, digits, '_' and '.', not {ch!r}; put a "
            "readable name in a '#: label' directive."
        )
    return (
        f"Illegal character {ch!r}; names use letters, digits, '_' and '.', and the operators "
        "are =~, <~, ~, ~~, := and ==."
    )


# ---------------------------------------------------------------------------- writing
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
    out = model_directives(spec)
    out += ["", "# measurement model"]
    for c in spec.constructs:
        out += construct_directives(c)
        op = "=~" if c.mode == "reflective" else "<~"
        entries = c.dimensions or c.indicators
        out += _statement(c.name, op, [format_term(i.name, i.label, i.fixed) for i in entries])
    if spec.paths:
        inter = {i.name: f"{i.left}:{i.right}" for i in spec.interactions}
        out += ["", "# structural model"]
        for target, group in itertools.groupby(spec.paths, key=lambda p: p.target):
            terms = [format_term(inter.get(p.source, p.source), p.label, p.fixed) for p in group]
            out += _statement(target, "~", terms)
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
    if spec.intercepts:
        out += ["", "# intercepts and means"]
        out += [f"{i.variable} ~ {format_term('1', i.label, i.fixed)}" for i in spec.intercepts]
    if spec.defined:
        out += ["", "# defined parameters"] + [d.text for d in spec.defined]
    if spec.constraints:
        out += ["", "# constraints"] + [c.text for c in spec.constraints]
    return "\n".join(out) + "\n"
