"""The expression parser of ':=' and '==': canonical text, R's precedence, exact derivatives,
linear forms, and one located SpecSyntaxError for every bad input (nothing is evaluated)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sem_csat.errors import SpecError, SpecSyntaxError
from sem_csat.spec.expressions import MAX_DEPTH, Binary, Expression, Name, Negate, Number

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("a*b", "a*b"),
        ("c + a * b", "c + a*b"),
        ("(a+b)*c", "(a + b)*c"),
        ("a-(b-c)", "a - (b - c)"),
        ("(a-b)-c", "a - b - c"),
        ("a/(b*c)", "a/(b*c)"),
        ("(a/b)*c", "a/b*c"),
        ("-a^2", "-a^2"),
        ("(-a)^2", "(-a)^2"),
        ("a^b^c", "a^b^c"),
        ("(a^b)^c", "(a^b)^c"),
        ("a ** 2", "a^2"),
        ("2^-a", "2^-a"),
        ("--a", "-(-a)"),
        ("+a", "a"),
        ("-(a*b)", "-(a*b)"),
        ("-a*b", "-a*b"),
        ("a*-b", "a*-b"),
        ("a - -b", "a - -b"),
        ("sqrt( a )", "sqrt(a)"),
        ("1.50*a + 2e0", "1.5*a + 2"),
        ("((a))", "a"),
        ("b1.x*c_2", "b1.x*c_2"),
        ("exp(log(a))", "exp(log(a))"),
        ("abs*2", "abs*2"),  # a label may be called like a function
    ],
)
def test_canonical_text(text: str, canonical: str) -> None:
    e = Expression(text)
    assert e.text == canonical
    assert Expression(canonical) == e
    assert Expression(canonical).tree == e.tree
    assert hash(Expression(canonical)) == hash(e)
    assert str(e) == canonical


def test_trees_follow_r_precedence() -> None:
    # R: unary minus binds less tightly than ^ but more tightly than * and /
    assert Expression("-a^2").tree == Negate(Binary("^", Name("a"), Number(2.0)))
    assert Expression("-a*b").tree == Binary("*", Negate(Name("a")), Name("b"))
    assert Expression("a^b^c").tree == Binary("^", Name("a"), Binary("^", Name("b"), Name("c")))
    assert Expression("a-b-c").tree == Binary("-", Binary("-", Name("a"), Name("b")), Name("c"))
    values = {"a": 2.0, "b": 3.0, "c": 2.0}
    assert Expression("-a^2").evaluate(values) == -4.0
    assert Expression("a^b^c").evaluate(values) == 2.0**9
    assert Expression("a/b*c").evaluate(values) == pytest.approx(4 / 3)
    assert Expression("2^-1").evaluate({}) == 0.5


def test_names_in_order_of_appearance() -> None:
    e = Expression("c + a*b + c/a")
    assert e.ordered_names == ("c", "a", "b")
    assert e.names == frozenset({"a", "b", "c"})
    assert Expression("2*3").names == frozenset()


def test_evaluate_follows_ieee_as_r_does() -> None:
    assert Expression("a/b").evaluate({"a": 1, "b": 0}) == math.inf
    assert math.isnan(Expression("sqrt(a)").evaluate({"a": -1}))
    assert math.isnan(Expression("log(a)").evaluate({"a": -1}))
    assert Expression("log(a)").evaluate({"a": 0}) == -math.inf
    assert Expression("abs(a) + exp(0)").evaluate({"a": -2.5}) == 3.5
    assert math.isnan(Expression("a^0.5").evaluate({"a": -4}))


def test_evaluate_many_broadcasts() -> None:
    e = Expression("a*b + 1")
    out = e.evaluate_many({"a": np.array([1.0, 2.0, 3.0]), "b": np.array(2.0)})
    np.testing.assert_array_equal(out, [3.0, 5.0, 7.0])
    const = Expression("2*3").evaluate_many({})
    assert const.shape == ()
    assert float(const) == 6.0


def test_missing_value_is_named() -> None:
    with pytest.raises(SpecError, match=r"needs a value for 'b'"):
        Expression("a*b").evaluate({"a": 1.0})


def test_known_gradients() -> None:
    assert Expression("a*b").gradient({"a": 0.4, "b": 0.5}) == {"a": 0.5, "b": 0.4}
    g = Expression("a^b").gradient({"a": 2.0, "b": 3.0})
    assert g["a"] == pytest.approx(3 * 2.0**2)
    assert g["b"] == pytest.approx(8 * math.log(2.0))
    # a constant exponent: no log term, so negative bases are fine
    assert Expression("a^2").gradient({"a": -3.0}) == {"a": -6.0}
    assert Expression("abs(a)").gradient({"a": -2.0}) == {"a": -1.0}
    assert Expression("sqrt(a)").gradient({"a": 4.0}) == {"a": 0.25}
    assert Expression("log(a) + exp(b)").gradient({"a": 4.0, "b": 0.0}) == {"a": 0.25, "b": 1.0}
    assert Expression("a/b").gradient({"a": 1.0, "b": 2.0}) == {"a": 0.5, "b": -0.25}
    # a name that cancels still gets its (zero) derivative
    assert Expression("a - a + b").gradient({"a": 1.0, "b": 2.0}) == {"a": 0.0, "b": 1.0}


LEAVES = st.sampled_from(["a", "b", "c"]) | st.sampled_from(["0.5", "2", "3", "1.5"])
SMOOTH = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(inner, st.sampled_from(["2", "3", "0.5", "b"])).map(
            lambda t: f"abs({t[0]})^{t[1]}"
        ),
        inner.map(lambda x: f"-{x}"),
        inner.map(lambda x: f"exp({x}/10)"),
        inner.map(lambda x: f"log(1 + abs({x}))"),
        inner.map(lambda x: f"sqrt(1 + {x}^2)"),
    ),
    max_leaves=8,
)
VALUES = st.floats(min_value=0.3, max_value=2.0)


@FAST
@given(SMOOTH, VALUES, VALUES, VALUES)
def test_gradient_matches_finite_differences(text: str, a: float, b: float, c: float) -> None:
    e = Expression(text)
    values = {"a": a, "b": b, "c": c}
    value = e.evaluate(values)
    assume(math.isfinite(value) and abs(value) < 1e6)
    grad = e.gradient(values)
    assert set(grad) == e.names
    for name in e.names:
        h = 1e-6 * max(1.0, abs(values[name]))
        up = e.evaluate({**values, name: values[name] + h})
        down = e.evaluate({**values, name: values[name] - h})
        assume(math.isfinite(up) and math.isfinite(down))
        numeric = (up - down) / (2 * h)
        assume(abs(numeric) < 1e5)
        assert grad[name] == pytest.approx(numeric, rel=1e-4, abs=1e-5), (text, name)


@FAST
@given(SMOOTH)
def test_canonical_text_is_a_fixed_point(text: str) -> None:
    e = Expression(text)
    again = Expression(e.text)
    assert again.text == e.text
    assert again.tree == e.tree


@pytest.mark.parametrize(
    ("text", "linear"),
    [
        ("a", ({"a": 1.0}, 0.0)),
        ("2*(a - b)/4", ({"a": 0.5, "b": -0.5}, 0.0)),
        ("2*b - (a - 1)", ({"b": 2.0, "a": -1.0}, 1.0)),
        ("-(a + 3)", ({"a": -1.0}, -3.0)),
        ("a - a + 2", ({}, 2.0)),
        ("a^1 + b*2^2 + sqrt(4)", ({"a": 1.0, "b": 4.0}, 2.0)),
        ("a*0", ({}, 0.0)),
        ("a*b", None),
        ("a/b", None),
        ("a^2", None),
        ("2^a", None),
        ("abs(a)", None),
        ("a/0", None),
        ("a + 1/0", None),
    ],
)
def test_linear_forms(text: str, linear: tuple[dict[str, float], float] | None) -> None:
    assert Expression(text).linear() == linear


@FAST
@given(SMOOTH, VALUES, VALUES, VALUES)
def test_linear_form_evaluates_like_the_expression(text: str, a: float, b: float, c: float) -> None:
    e = Expression(text)
    form = e.linear()
    assume(form is not None)
    assert form is not None
    coef, const = form
    values = {"a": a, "b": b, "c": c}
    direct = e.evaluate(values)
    assume(math.isfinite(direct))
    assert sum(v * values[k] for k, v in coef.items()) + const == pytest.approx(
        direct, rel=1e-9, abs=1e-9
    )


def test_substitute() -> None:
    e = Expression("ab + c").substitute({"ab": Expression("a*b")})
    assert e.text == "a*b + c"
    assert Expression("2*x").substitute({"x": Expression("a + b")}).text == "2*(a + b)"
    assert Expression("x^2").substitute({"x": Expression("-a")}).text == "(-a)^2"


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("a*", 3, "The expression ends after '*'"),
        ("a b", 3, "Expected an operator (+ - * / ^) after 'a', found 'b'"),
        ("(a + b", 1, "This '(' is not closed"),
        ("a + b)", 6, "This ')' has no matching '('"),
        ("foo(a)", 1, "'foo()' is not a function sem_csat knows"),
        ("__import__(os)", 1, "'__import__()' is not a function sem_csat knows"),
        ("__import__('os')", 12, "Quoted text cannot appear"),
        ("a & b", 3, "Illegal character '&'"),
        ("a = b", 3, "Illegal character '='"),
        ("'a'", 1, "Quoted text cannot appear"),
        ("a*é", 3, "Names may only use ASCII letters"),
        ("", 1, "The expression is empty"),
        ("1e999*a", 1, "too large"),
        ("a * * b", 5, "Expected a label, a number or '(' after '*', found '*'"),
        ("2e", 2, "Expected an operator (+ - * / ^) after '2', found 'e'"),
        ("()", 2, "Expected a label, a number or '(' after '(', found ')'"),
    ],
)
def test_errors_point_at_the_column(text: str, column: int, message: str) -> None:
    with pytest.raises(SpecSyntaxError) as info:
        Expression(text)
    err = info.value
    assert message in err.reason, err.reason
    assert (err.line, err.column) == (1, column), str(err)
    excerpt, caret = str(err).splitlines()[1:3]
    assert excerpt.strip() == text.strip()
    assert caret.index("^") == column - 1 + 4


def test_depth_and_type_limits() -> None:
    with pytest.raises(SpecSyntaxError, match="nested too deeply"):
        Expression("(" * 51 + "a" + ")" * 51)
    assert Expression("(" * 40 + "a" + ")" * 40).text == "a"
    with pytest.raises(SpecSyntaxError, match="nested too deeply"):
        Expression("sqrt(" * 60 + "a" + ")" * 60)
    with pytest.raises(SpecSyntaxError, match="nested too deeply"):
        Expression("-" * (MAX_DEPTH + 5) + "a")
    with pytest.raises(SpecSyntaxError, match="nested too deeply"):
        Expression(" + ".join(["a"] * (MAX_DEPTH + 5)))
    assert Expression(" + ".join(["a"] * 50)).evaluate({"a": 1.0}) == 50.0
    with pytest.raises(SpecError, match="one line"):
        Expression("a\n+ b")
    with pytest.raises(SpecError, match="must be a text"):
        Expression(3)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text() | st.text(alphabet="ab12.e()+-*/^ sqrtlog_,=", max_size=40))
def test_any_text_gives_an_expression_or_a_spec_error(text: str) -> None:
    try:
        e = Expression(text)
    except SpecError:
        return
    assert Expression(e.text) == e


def test_expanding_deep_definitions_is_refused() -> None:
    deep = Expression(" + ".join(["a"] * 150))
    twice = Expression(" + ".join(["x"] * 150)).substitute({"x": deep})
    assert twice.evaluate({"a": 1.0}) == 150.0 * 150.0
    with pytest.raises(SpecError, match="too deeply nested once the defined parameters"):
        Expression(" + ".join(["y"] * 150)).substitute({"y": twice})
    assert Expression.from_tree(deep.tree) == deep
