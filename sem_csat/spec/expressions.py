"""Arithmetic over parameter labels: lavaan's ``:=`` definitions and ``==`` constraints.

A defined parameter (``ind := a*b``) or an equality constraint (``a == 2*b``) is a small
arithmetic expression over parameter labels and numbers.  This module reads such an expression
with its own tokenizer and a recursive-descent parser; nothing is ever handed to Python's
``eval``, ``compile`` or :mod:`ast`, so a spec file cannot run code.

Grammar
-------
In order of increasing precedence (R's, which lavaan evaluates the expressions with)::

    expression := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := ("-" | "+") unary | power
    power      := atom (("^" | "**") unary)?        right-associative: a^b^c = a^(b^c)
    atom       := number | label | function "(" expression ")" | "(" expression ")"
    function   := sqrt | exp | log | abs           (log is the natural logarithm)

so ``-a^2`` is ``-(a^2)`` and ``-a*b`` is ``(-a)*b``, as in R.  Labels are written like
sem_csat's names (letters, digits, ``_`` and ``.``, starting with a letter or ``_``); numbers
like ``2``, ``0.5``, ``.5`` or ``1e-3``.  An :class:`Expression` keeps a canonical text with
single blanks around ``+`` and ``-`` and only the parentheses the tree needs (``c + a*b``),
so two expressions are equal exactly when their parse trees are.

Derivatives
-----------
:meth:`Expression.gradient` differentiates the parse tree exactly (no finite differences):

.. math::

    \\partial(u v) = v\\,\\partial u + u\\,\\partial v,\\quad
    \\partial(u / v) = \\partial u / v - u\\,\\partial v / v^2,\\quad
    \\partial(u^v) = v u^{v-1} \\partial u + u^v \\log(u)\\,\\partial v,

with :math:`\\partial\\sqrt u = \\partial u / (2\\sqrt u)`, :math:`\\partial e^u = e^u\\partial u`,
:math:`\\partial\\log u = \\partial u / u` and :math:`\\partial|u| = \\operatorname{sign}(u)\\,
\\partial u`; the :math:`\\log u` term is left out when the exponent is a constant, so that
``a^2`` has the derivative ``2a`` also for negative ``a``.  This is what the delta method needs
for the standard error of a defined parameter (Sobel 1982; lavaan's ``:=`` rows).

Arithmetic follows IEEE floating point: ``1/0`` is ``inf``, ``sqrt(-1)`` and ``log(-1)`` are
``nan``, as R gives them.

References
----------
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
Statistical Software, 48(2), 1-36. https://doi.org/10.18637/jss.v048.i02

Sobel, M. E. (1982). Asymptotic confidence intervals for indirect effects in structural
equation models. Sociological Methodology, 13, 290-312. https://doi.org/10.2307/270723

Examples
--------
>>> e = Expression("c + a * b")
>>> e.text, sorted(e.names)
('c + a*b', ['a', 'b', 'c'])
>>> e.evaluate({"a": 0.5, "b": 0.4, "c": 0.1})
0.30000000000000004
>>> e.gradient({"a": 0.5, "b": 0.4, "c": 0.1})
{'c': 1.0, 'a': 0.4, 'b': 0.5}
>>> Expression("2*(a - b)/4").linear()
({'a': 0.5, 'b': -0.5}, 0.0)
>>> Expression("a*b").linear() is None
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, NoReturn, Protocol, cast

import numpy as np
from numpy.typing import NDArray

from sem_csat.errors import SpecError, SpecSyntaxError

__all__ = [
    "FUNCTIONS",
    "Binary",
    "Call",
    "Expression",
    "Name",
    "Negate",
    "Node",
    "Number",
    "parse_tokens",
    "tokenize",
]

#: The functions an expression may call, and what they are.
FUNCTIONS: dict[str, str] = {
    "sqrt": "square root",
    "exp": "exponential",
    "log": "natural logarithm",
    "abs": "absolute value",
}
#: Deepest nesting accepted: operators and signs count 1, parentheses 4 (so at most 50 nested
#: parentheses); longer expressions are split into several defined parameters.
MAX_DEPTH = 200
_PAREN_WEIGHT = 4

_NAME = r"[A-Za-z_][A-Za-z0-9_.]*"
_NUMBER = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_TOKEN_RE = re.compile(rf"(?P<name>{_NAME})|(?P<number>{_NUMBER})|(?P<op>\*\*|[-+*/^()])")

BinaryOp = Literal["+", "-", "*", "/", "^"]
_PREC_ADD, _PREC_MUL, _PREC_UNARY, _PREC_POW, _PREC_ATOM = 1, 2, 3, 4, 5


# ---------------------------------------------------------------------------- tree
@dataclass(frozen=True)
class Number:
    """A finite numeric constant."""

    value: float


@dataclass(frozen=True)
class Name:
    """A parameter label (or the name of an earlier defined parameter)."""

    name: str


@dataclass(frozen=True)
class Negate:
    """Unary minus."""

    operand: Node


@dataclass(frozen=True)
class Binary:
    """``left op right`` with ``op`` one of ``+ - * / ^``."""

    op: BinaryOp
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    """``function(argument)`` with ``function`` one of :data:`FUNCTIONS`."""

    function: str
    argument: Node


Node = Number | Name | Negate | Binary | Call


def _precedence(node: Node) -> int:
    if isinstance(node, Binary):
        return {"+": _PREC_ADD, "-": _PREC_ADD, "*": _PREC_MUL, "/": _PREC_MUL}.get(
            node.op, _PREC_POW
        )
    if isinstance(node, Negate):
        return _PREC_UNARY
    return _PREC_ATOM


def _format_number(value: float) -> str:
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def _write(node: Node) -> str:
    """Canonical text: the parentheses the tree needs and no others."""
    if isinstance(node, Number):
        return _format_number(node.value)
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Call):
        return f"{node.function}({_write(node.argument)})"
    if isinstance(node, Negate):
        inner = _write(node.operand)
        return f"-({inner})" if _precedence(node.operand) <= _PREC_UNARY else f"-{inner}"
    prec = _precedence(node)
    left, right = _write(node.left), _write(node.right)
    if prec == _PREC_POW:  # right-associative; the exponent may be a unary minus
        if _precedence(node.left) <= _PREC_POW:
            left = f"({left})"
        if _precedence(node.right) < _PREC_UNARY:
            right = f"({right})"
        return f"{left}^{right}"
    if _precedence(node.left) < prec:
        left = f"({left})"
    if _precedence(node.right) <= prec:
        right = f"({right})"
    sep = f" {node.op} " if prec == _PREC_ADD else node.op
    return f"{left}{sep}{right}"


# ---------------------------------------------------------------------------- parsing
class TokenLike(Protocol):
    """What the parser needs of a token (the lavaan reader passes its own tokens)."""

    @property
    def kind(self) -> str: ...  # "name", "number" or "op"

    @property
    def text(self) -> str: ...

    @property
    def line(self) -> int: ...

    @property
    def column(self) -> int: ...


@dataclass(frozen=True)
class Token:
    """One token of an expression: ``kind`` is ``"name"``, ``"number"`` or ``"op"``."""

    kind: str
    text: str
    line: int
    column: int


Fail = Callable[[str, int, int], NoReturn]


def tokenize(text: str, fail: Fail, *, line: int = 1, column: int = 1) -> list[Token]:
    """Split ``text`` (one line) into tokens; ``fail(reason, line, column)`` on a bad character."""
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in " \t\f\v":
            i += 1
            continue
        m = _TOKEN_RE.match(text, i)
        if m is None:
            fail(_illegal(ch), line, column + i)
        tokens.append(Token(m.lastgroup or "op", m.group(), line, column + i))
        i = m.end()
    return tokens


def _illegal(ch: str) -> str:
    if ch in "\"'":
        return "Quoted text cannot appear in an expression; write labels as plain names."
    if ch.isalpha():
        return f"Names may only use ASCII letters, digits, '_' and '.', not {ch!r}."
    return (
        f"Illegal character {ch!r} in an expression; use parameter labels, numbers, "
        "+ - * / ^, parentheses and the functions " + ", ".join(FUNCTIONS) + "."
    )


class _Parser:
    def __init__(self, tokens: Sequence[TokenLike], fail: Fail, end: tuple[int, int]) -> None:
        self.tokens = tokens
        self.i = 0
        self._fail = fail
        self.end = end  # position just after the expression, for "ends after" messages
        self.depth = 0

    def fail(self, reason: str, tok: TokenLike | None = None) -> NoReturn:
        if tok is None:
            self._fail(reason, *self.end)
        self._fail(reason, tok.line, tok.column)

    def peek(self) -> TokenLike | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def enter(self, tok: TokenLike | None, weight: int = 1) -> None:
        self.depth += weight
        if self.depth > MAX_DEPTH:
            self.fail(
                f"The expression is nested too deeply (more than {MAX_DEPTH} levels); split it "
                "into several defined parameters.",
                tok,
            )

    def parse(self) -> Node:
        if not self.tokens:
            self.fail("The expression is empty; write labels and numbers such as a*b.")
        node = self.sum()
        tok = self.peek()
        if tok is not None:
            if tok.text == ")":
                self.fail("This ')' has no matching '('; remove it.", tok)
            prev = self.tokens[self.i - 1]
            self.fail(
                f"Expected an operator (+ - * / ^) after '{prev.text}', found '{tok.text}'.", tok
            )
        return node

    def _chain(self, ops: tuple[str, ...], operand: Callable[[], Node]) -> Node:
        node = operand()
        levels = 0
        while (tok := self.peek()) is not None and tok.text in ops:
            self.i += 1
            self.enter(tok)
            levels += 1
            node = Binary(cast(BinaryOp, tok.text), node, operand())
        self.depth -= levels
        return node

    def sum(self) -> Node:
        return self._chain(("+", "-"), self.product)

    def product(self) -> Node:
        return self._chain(("*", "/"), self.unary)

    def unary(self) -> Node:
        tok = self.peek()
        if tok is not None and tok.text in ("-", "+"):
            self.i += 1
            self.enter(tok)
            operand = self.unary()
            self.depth -= 1
            return Negate(operand) if tok.text == "-" else operand
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        tok = self.peek()
        if tok is not None and tok.text in ("^", "**"):
            self.i += 1
            self.enter(tok)
            exponent = self.unary()
            self.depth -= 1
            return Binary("^", base, exponent)
        return base

    def atom(self) -> Node:
        tok = self.peek()
        if tok is None:
            prev = self.tokens[self.i - 1]
            self.fail(f"The expression ends after '{prev.text}'; add a label or a number.")
        self.i += 1
        if tok.kind == "number":
            value = float(tok.text)
            if not math.isfinite(value):
                self.fail(f"The number '{tok.text}' is too large; use a finite number.", tok)
            return Number(value)
        if tok.kind == "name":
            nxt = self.peek()
            if nxt is not None and nxt.text == "(":
                if tok.text not in FUNCTIONS:
                    self.fail(
                        f"'{tok.text}()' is not a function sem_csat knows; the functions are "
                        + ", ".join(FUNCTIONS)
                        + ".",
                        tok,
                    )
                self.i += 1
                return Call(tok.text, self.group(nxt))
            return Name(tok.text)
        if tok.text == "(":
            return self.group(tok)
        what = f"after '{self.tokens[self.i - 2].text}'" if self.i >= 2 else "at the start"
        self.fail(f"Expected a label, a number or '(' {what}, found '{tok.text}'.", tok)

    def group(self, opening: TokenLike) -> Node:
        # a parenthesis costs more: the parser recurses through every precedence level
        self.enter(opening, _PAREN_WEIGHT)
        node = self.sum()
        self.depth -= _PAREN_WEIGHT
        tok = self.peek()
        if tok is None or tok.text != ")":
            self.fail("This '(' is not closed; add a ')'.", opening)
        self.i += 1
        return node


def parse_tokens(tokens: Sequence[TokenLike], fail: Fail, *, end: tuple[int, int]) -> Node:
    """Parse a token sequence into a tree.

    Parameters
    ----------
    tokens
        Tokens with ``kind``, ``text``, ``line`` and ``column`` (from :func:`tokenize` or the
        lavaan reader).
    fail
        Called as ``fail(reason, line, column)`` on the first problem; must raise.
    end
        ``(line, column)`` just after the last token, where a missing operand is reported.
    """
    return _Parser(tokens, fail, end).parse()


# ---------------------------------------------------------------------------- evaluation
FloatArray = NDArray[np.float64]


def _const(value: float) -> FloatArray:
    return np.asarray(value, dtype=np.float64)


_ZERO = _const(0.0)


def _eval(node: Node, values: Mapping[str, FloatArray]) -> FloatArray:
    if isinstance(node, Number):
        return _const(node.value)
    if isinstance(node, Name):
        return values[node.name]
    if isinstance(node, Negate):
        return -_eval(node.operand, values)
    if isinstance(node, Call):
        x = _eval(node.argument, values)
        fn = {"sqrt": np.sqrt, "exp": np.exp, "log": np.log, "abs": np.abs}[node.function]
        return fn(x)
    a, b = _eval(node.left, values), _eval(node.right, values)
    if node.op == "+":
        return a + b
    if node.op == "-":
        return a - b
    if node.op == "*":
        return a * b
    if node.op == "/":
        return a / b
    return np.power(a, b)


def _derivative(
    node: Node, values: Mapping[str, FloatArray], names: Sequence[str]
) -> tuple[FloatArray, dict[str, FloatArray]]:
    """Value and partial derivatives (only the non-zero ones) of ``node``."""
    if isinstance(node, Number):
        return _const(node.value), {}
    if isinstance(node, Name):
        return values[node.name], {node.name: _const(1.0)}
    if isinstance(node, Negate):
        v, d = _derivative(node.operand, values, names)
        return -v, {k: -g for k, g in d.items()}
    if isinstance(node, Call):
        x, dx = _derivative(node.argument, values, names)
        if node.function == "sqrt":
            v = np.sqrt(x)
            factor = 0.5 / v
        elif node.function == "exp":
            v = np.exp(x)
            factor = v
        elif node.function == "log":
            v = np.log(x)
            factor = 1.0 / x
        else:
            v = np.abs(x)
            factor = np.sign(x)
        return v, {k: _chain(factor, g) for k, g in dx.items()}
    a, da = _derivative(node.left, values, names)
    b, db = _derivative(node.right, values, names)
    out: dict[str, FloatArray] = {}
    if node.op in ("+", "-"):
        sign = 1.0 if node.op == "+" else -1.0
        for k in {*da, *db}:
            out[k] = da.get(k, _ZERO) + sign * db.get(k, _ZERO)
        return (a + b if node.op == "+" else a - b), out
    if node.op == "*":
        for k in {*da, *db}:
            out[k] = da.get(k, _ZERO) * b + a * db.get(k, _ZERO)
        return a * b, out
    if node.op == "/":
        for k in {*da, *db}:
            out[k] = da.get(k, _ZERO) / b - a * db.get(k, _ZERO) / (b * b)
        return a / b, out
    v = np.power(a, b)
    for k in {*da, *db}:
        g = _chain(b * np.power(a, b - 1.0), da.get(k, _ZERO))
        if k in db:
            g = g + v * np.log(a) * db[k]
        out[k] = g
    return v, out


def _chain(factor: FloatArray, inner: FloatArray) -> FloatArray:
    """``factor · inner`` of the chain rule, 0 where the inner derivative is exactly 0 (a part
    that does not depend on the name: ``sqrt(u)`` at ``u = 0`` with ``u`` constant in it)."""
    with np.errstate(invalid="ignore", over="ignore"):
        out: FloatArray = np.where(inner == 0.0, 0.0, factor * inner)
    return out


Linear = tuple[dict[str, float], float]


def _linear(node: Node) -> Linear | None:
    if isinstance(node, Number):
        return {}, node.value
    if isinstance(node, Name):
        return {node.name: 1.0}, 0.0
    if isinstance(node, Negate):
        inner = _linear(node.operand)
        return None if inner is None else ({k: -v for k, v in inner[0].items()}, -inner[1])
    if isinstance(node, Call):
        inner = _linear(node.argument)
        if inner is None or inner[0]:
            return None
        return {}, float(_eval(node, {}))
    left, right = _linear(node.left), _linear(node.right)
    if left is None or right is None:
        return None
    (cl, kl), (cr, kr) = left, right
    if node.op in ("+", "-"):
        s = 1.0 if node.op == "+" else -1.0
        coef = {k: cl.get(k, 0.0) + s * cr.get(k, 0.0) for k in {**cl, **cr}}
        return coef, kl + s * kr
    if node.op == "*":
        if cl and cr:
            return None
        if cl:
            return {k: v * kr for k, v in cl.items()}, kl * kr
        return {k: v * kl for k, v in cr.items()}, kl * kr
    if node.op == "/":
        if cr or kr == 0.0:
            return None
        return {k: v / kr for k, v in cl.items()}, kl / kr
    if cr:  # a label in the exponent
        return None
    if not cl:
        with np.errstate(all="ignore"):
            return {}, float(np.power(kl, kr))
    if kr == 1.0:
        return cl, kl
    if kr == 0.0:
        return {}, 1.0
    return None


def _names(node: Node, out: dict[str, None]) -> None:
    if isinstance(node, Name):
        out[node.name] = None
    elif isinstance(node, Negate):
        _names(node.operand, out)
    elif isinstance(node, Call):
        _names(node.argument, out)
    elif isinstance(node, Binary):
        _names(node.left, out)
        _names(node.right, out)


def _depth(root: Node) -> int:
    """Depth of a tree, without recursion."""
    deepest = 0
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        if isinstance(node, Negate):
            stack.append((node.operand, d + 1))
        elif isinstance(node, Call):
            stack.append((node.argument, d + 1))
        elif isinstance(node, Binary):
            stack += [(node.left, d + 1), (node.right, d + 1)]
    return deepest


def _substitute(node: Node, mapping: Mapping[str, Node]) -> Node:
    if isinstance(node, Name):
        return mapping.get(node.name, node)
    if isinstance(node, Negate):
        return Negate(_substitute(node.operand, mapping))
    if isinstance(node, Call):
        return Call(node.function, _substitute(node.argument, mapping))
    if isinstance(node, Binary):
        return Binary(node.op, _substitute(node.left, mapping), _substitute(node.right, mapping))
    return node


# ---------------------------------------------------------------------------- Expression
@dataclass(frozen=True)
class Expression:
    """An arithmetic expression over parameter labels and numbers, parsed safely.

    Parameters
    ----------
    text
        The expression, such as ``"a*b"`` or ``"c + a*b"``.  It is parsed when the object is
        built and replaced by its canonical form (single blanks around ``+`` and ``-``, none
        elsewhere, only the parentheses the tree needs).

    Attributes
    ----------
    text
        The canonical text; two expressions are equal when their canonical texts are.
    tree
        The parse tree (:class:`Number`, :class:`Name`, :class:`Negate`, :class:`Binary`,
        :class:`Call`).

    Raises
    ------
    SpecSyntaxError
        When ``text`` is not such an expression; the message gives the column and a caret.

    Examples
    --------
    >>> Expression("(a*b) + -(c)").text
    'a*b + -c'
    >>> Expression("a ** 2 / 4").text
    'a^2/4'
    >>> Expression("a*b)")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sem_csat.errors.SpecSyntaxError: <expression>, line 1, column 4: This ')' has no matching ...
        a*b)
           ^
    """

    text: str
    tree: Node = field(default=Number(0.0), compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise SpecError(f"An expression must be a text such as 'a*b', got {self.text!r}.")
        if "\n" in self.text or "\r" in self.text:
            raise SpecError("An expression must fit on one line.")
        source = self.text

        def fail(reason: str, line: int, column: int) -> NoReturn:
            raise SpecSyntaxError(
                reason, source="<expression>", line=line, column=column, text=source
            ) from None

        tokens = tokenize(source, fail)
        tree = parse_tokens(tokens, fail, end=(1, len(source.rstrip()) + 1))
        object.__setattr__(self, "tree", tree)
        object.__setattr__(self, "text", _write(tree))

    @classmethod
    def from_tree(cls, tree: Node) -> Expression:
        """Build an expression from a parse tree (as :func:`parse_tokens` returns it)."""
        expr = object.__new__(cls)
        object.__setattr__(expr, "text", _write(tree))
        object.__setattr__(expr, "tree", tree)
        return expr

    def __str__(self) -> str:
        return self.text

    @property
    def names(self) -> frozenset[str]:
        """The labels (and defined names) the expression uses."""
        return frozenset(self.ordered_names)

    @property
    def ordered_names(self) -> tuple[str, ...]:
        """The names the expression uses, in order of first appearance."""
        out: dict[str, None] = {}
        _names(self.tree, out)
        return tuple(out)

    def _values(self, values: Mapping[str, object]) -> dict[str, FloatArray]:
        missing = [n for n in self.ordered_names if n not in values]
        if missing:
            raise SpecError(
                f"The expression '{self.text}' needs a value for "
                + ", ".join(f"'{n}'" for n in missing)
                + "."
            )
        return {n: np.asarray(values[n], dtype=np.float64) for n in self.ordered_names}

    def evaluate(self, values: Mapping[str, float]) -> float:
        """The value of the expression, given a value for each of its names.

        >>> Expression("sqrt(a^2 + b^2)").evaluate({"a": 3, "b": 4})
        5.0
        """
        with np.errstate(all="ignore"):
            return float(_eval(self.tree, self._values(values)))

    def evaluate_many(self, values: Mapping[str, NDArray[np.float64]]) -> FloatArray:
        """Evaluate over arrays of values at once (e.g. one per bootstrap resample)."""
        with np.errstate(all="ignore"):
            arrays = self._values(values)
            shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
            return np.broadcast_to(_eval(self.tree, arrays), shape).astype(np.float64)

    def gradient(self, values: Mapping[str, float]) -> dict[str, float]:
        """Exact partial derivatives with respect to each name, in order of appearance.

        >>> Expression("a*b + c").gradient({"a": 2.0, "b": 3.0, "c": 1.0})
        {'a': 3.0, 'b': 2.0, 'c': 1.0}
        >>> Expression("a^2").gradient({"a": -3.0})
        {'a': -6.0}
        """
        with np.errstate(all="ignore"):
            _, parts = _derivative(self.tree, self._values(values), self.ordered_names)
            return {n: float(parts.get(n, 0.0)) for n in self.ordered_names}

    def linear(self) -> Linear | None:
        """``(coefficients, constant)`` when the expression is linear in its names, else ``None``.

        The expression equals ``sum(coefficients[n] * n) + constant``; names whose coefficient
        cancels to zero are left out.  ``None`` also when a coefficient or the constant is not
        finite (a division by zero).

        >>> Expression("2*b - (a - 1)").linear()
        ({'b': 2.0, 'a': -1.0}, 1.0)
        """
        with np.errstate(all="ignore"):
            result = _linear(self.tree)
        if result is None:
            return None
        coef, const = result
        if not math.isfinite(const) or not all(math.isfinite(v) for v in coef.values()):
            return None
        order = self.ordered_names
        return {n: coef[n] + 0.0 for n in order if coef.get(n, 0.0) != 0.0}, const + 0.0

    def substitute(self, mapping: Mapping[str, Expression]) -> Expression:
        """Replace names by expressions (used to expand defined parameters).

        >>> Expression("ab + c").substitute({"ab": Expression("a*b")}).text
        'a*b + c'
        """
        tree = _substitute(self.tree, {k: v.tree for k, v in mapping.items()})
        if _depth(tree) > 2 * MAX_DEPTH:
            raise SpecError(
                f"The expression '{self.text}' becomes too deeply nested once the defined "
                "parameters in it are written out; simplify the definitions."
            )
        return Expression.from_tree(tree)
