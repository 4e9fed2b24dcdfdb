"""The answer syntax of DESIGN §4: what is read, how, and what is refused (and why)."""

from __future__ import annotations

import os
import time

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sympy import Abs, E, I, Integer, Rational, Symbol, oo, pi, srepr

from app.checking.grammar import limits
from app.checking.grammar.display import to_latex
from app.checking.grammar.syntax import ParseError, parse
from app.checking.grammar.values import Bracket, CommaList, MatrixLit, Relation, SetLit, Union

x, y, t, a, b, c, n, k = sympy.symbols("x y t a b c n k")


def value(text: str, **kw: object) -> object:
    return parse(text, **kw).value


def same(text: str, expected: object, **kw: object) -> None:
    """Read `text` and compare, after evaluation, with a SymPy expression."""
    got = value(text, **kw).doit()
    want = Integer(expected) if isinstance(expected, int) else expected
    assert got == want or sympy.simplify(got - want) == 0, (text, got)


def error(text: str, **kw: object) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse(text, **kw)
    assert info.value.message
    return info.value


# --- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("3", Integer(3)), ("2.5", Rational(5, 2)), (".5", Rational(1, 2)),
    ("1e-3", Rational(1, 1000)), ("2.5E3", Integer(2500)), ("0.1", Rational(1, 10)),
])
def test_numbers_are_exact(text: str, expected: object) -> None:
    assert value(text) == expected


def test_decimals_are_recorded_as_written() -> None:
    assert parse("0.50 + 1e-3 + 2").decimals == ("0.50", "1e-3")
    assert parse("1/6").decimals == ()


def test_division_of_numbers_keeps_its_form() -> None:
    assert srepr(value("2/4")) == srepr(sympy.Mul(2, sympy.Pow(4, -1, evaluate=False),
                                                  evaluate=False))
    assert value("1/6") == sympy.Pow(6, -1, evaluate=False)
    assert value("1/6").doit() == Rational(1, 6)


def test_2e_is_two_times_e() -> None:
    same("2e", 2 * E)
    assert value("2e", variables=["e"]) == sympy.Mul(2, Symbol("e"), evaluate=False)


# --- precedence ----------------------------------------------------------------------------


def test_unary_minus_binds_looser_than_power() -> None:
    assert srepr(value("-x^2")) == srepr(sympy.Mul(-1, sympy.Pow(x, 2, evaluate=False),
                                                   evaluate=False))


def test_power_is_right_associative() -> None:
    assert value("2^3^2").doit() == 512
    assert value("2^-1").doit() == Rational(1, 2)
    same("x^-y", x ** (-y))


def test_implicit_product_is_left_to_right_like_star() -> None:
    same("1/2x", x / 2)
    same("2x^2", 2 * x**2)
    same("a/b/c", a / (b * c))
    same("1/2 x^2", x**2 / 2)
    same("2^-1x", x / 2)


@pytest.mark.parametrize(("text", "expected"), [
    ("2x", 2 * x), ("2(x+1)", 2 * (x + 1)), ("(x+1)(x-1)", (x + 1) * (x - 1)), ("x y", x * y),
    ("2 sin(x)", 2 * sympy.sin(x)), ("x(t+1)", x * (t + 1)),
    ("cos(2x)(x+1)", sympy.cos(2 * x) * (x + 1)),
    ("a+-b", a - b), ("-a/b", -a / b), ("x*y*z", x * y * Symbol("z")), ("x ** 2", x**2),
])
def test_implicit_and_explicit_products(text: str, expected: object) -> None:
    same(text, expected)


def test_two_numbers_in_a_row_are_refused() -> None:
    assert "two numbers" in error("2 3").message
    assert "two numbers" in error("12 3.7").message


# --- names ----------------------------------------------------------------------------------


def test_words_without_variables_are_one_symbol() -> None:
    assert value("xy") == Symbol("xy")
    assert value("x1") == Symbol("x1")


def test_words_split_into_the_questions_variables() -> None:
    assert value("xy", variables=["x", "y"]).doit() == x * y
    same("2pix", 2 * pi * x, variables=["x"])
    assert value("xy", variables=["x", "y", "xy"]) == Symbol("xy")
    same("xsin(x)", x * sympy.sin(x), variables=["x"])


def test_unknown_names_are_refused_with_a_hint() -> None:
    assert error("x2", variables=["x"]).message == (
        "x2 is not a variable of this question (did you mean x^2 or x*2?)")
    assert "unknown name 'foo'" in error("foo", variables=["x"]).message
    assert "alpha is not a variable" in error("alpha", variables=["x"]).message


def test_constants_and_variables_that_shadow_them() -> None:
    assert value("pi") == pi
    assert value("e") == E
    assert value("i") == I
    for word in ("oo", "inf", "infinity"):
        assert value(word) == oo
    assert value("i", variables=["i"]) == Symbol("i")
    assert value("e", variables=["e", "x"]) == Symbol("e")


def test_greek_and_subscripts() -> None:
    assert value("lambda") == Symbol("lambda")
    assert value("gamma") == Symbol("gamma")
    assert value("gamma(x)") == sympy.gamma(x, evaluate=False)
    assert value("x_1") == Symbol("x_1")
    assert value("x_{12}") == Symbol("x_12")
    assert value("alpha_i") == Symbol("alpha_i")
    assert value("x_ij") == Symbol("x_ij")
    assert value("x_1", variables=["x_1"]) == Symbol("x_1")


def test_u_is_always_union() -> None:
    assert isinstance(value("(0,1) U (2,3)"), Union)


# --- functions ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("sin(x)", sympy.sin(x)), ("arcsin(x)", sympy.asin(x)), ("acos(x)", sympy.acos(x)),
    ("sinh(x)", sympy.sinh(x)), ("atanh(x)", sympy.atanh(x)), ("sec(x)", sympy.sec(x)),
    ("exp(x)", sympy.exp(x)), ("ln(x)", sympy.log(x)), ("log(x)", sympy.log(x)),
    ("log(x, 2)", sympy.log(x) / sympy.log(2)), ("log_2(x)", sympy.log(x) / sympy.log(2)),
    ("log10(x)", sympy.log(x) / sympy.log(10)), ("sqrt(x)", sympy.sqrt(x)),
    ("root(x, 3)", x ** Rational(1, 3)), ("abs(x)", Abs(x)), ("|x|", Abs(x)),
    ("floor(x)", sympy.floor(x)), ("ceil(x)", sympy.ceiling(x)), ("sign(x)", sympy.sign(x)),
    ("binomial(n, k)", sympy.binomial(n, k)), ("min(1, x, 3)", sympy.Min(1, x, 3)),
    ("max(x, y)", sympy.Max(x, y)), ("5!", 120), ("sin^2(x)", sympy.sin(x) ** 2),
    ("ln|x|", sympy.log(Abs(x))), ("||x|-1|", Abs(Abs(x) - 1)), ("|x|*|y|", Abs(x) * Abs(y)),
    ("bsin(t)", Symbol("b") * sympy.sin(t)),
])
def test_functions(text: str, expected: object) -> None:
    same(text, expected)


def test_functions_are_recorded() -> None:
    assert parse("arcsin(x) + |x| + 3!").functions >= {"arcsin", "asin", "abs", "factorial"}
    assert parse("sqrt(x)").functions == {"sqrt"}


@pytest.mark.parametrize(("text", "fragment"), [
    ("sin", "put the argument of sin in brackets: sin(x)"),
    ("Sin(x)", "lowercase"), ("In(x)", "ln"), ("sin^-2(x)", "asin"),
    ("sin(x, y)", "one argument"), ("gcd(x, y)", "unknown function 'gcd'"),
    ("diff(x^2, x)", "unknown name 'diff'"),
])
def test_function_slips(text: str, fragment: str) -> None:
    assert fragment in error(text).message


# --- structures -----------------------------------------------------------------------------


def test_brackets() -> None:
    assert value("[[1,2],[3,4]]") == Bracket("[", "]", (Bracket("[", "]", (1, 2)),
                                                       Bracket("[", "]", (3, 4))))
    assert value("[1,2,3]") == Bracket("[", "]", (1, 2, 3))
    assert value("(1,2,3)") == Bracket("(", ")", (1, 2, 3))
    assert value("[x]") == Bracket("[", "]", (x,))
    assert value("[]") == Bracket("[", "]", ())
    same("(x+1)", x + 1)


def test_intervals_and_unions() -> None:
    assert value("(0,1]") == Bracket("(", "]", (0, 1))
    assert value("[0,oo)") == Bracket("[", ")", (0, oo))
    assert value("(0,1) U [2,3]") == Union((Bracket("(", ")", (0, 1)), Bracket("[", "]", (2, 3))))
    assert value("(0,1) ∪ (2,3)") == value("(0,1) \\cup (2,3)")
    assert "mismatched brackets" in error("(x+1]").message


def test_sets() -> None:
    assert value("{1,2}") == SetLit((1, 2))
    assert value("{}") == SetLit(())
    assert value("∅") == SetLit(())
    assert value("{x=1, y=2}") == SetLit((Relation((x, 1), ("=",)), Relation((y, 2), ("=",))))


def test_relations_and_chains() -> None:
    assert value("y = 2x + 1").ops == ("=",)
    assert value("0 < x <= 1") == Relation((0, x, 1), ("<", "<="))
    for text, op in [("x != 1", "!="), ("x ≤ 1", "<="), ("x ≥ 1", ">="), ("x ≠ 1", "!="),
                     ("x \\le 1", "<="), ("x \\geq 1", ">="), ("x \\neq 1", "!="),
                     ("x \\lt 1", "<"), ("x \\gt 1", ">")]:
        assert value(text).ops == (op,), text
    assert "one way" in error("1 < x > 2").message


def test_comma_lists() -> None:
    assert value("x = 1, x = 2") == CommaList((Relation((x, 1), ("=",)),
                                               Relation((x, 2), ("=",))))


def test_containers_are_not_arithmetic() -> None:
    assert "cannot be used inside a calculation" in error("(1,2)+3").message
    assert "cannot be used inside a calculation" in error("2{1}").message


# --- LaTeX ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    (r"\frac{a}{b}", a / b), (r"\dfrac{1}{2}x", x / 2), (r"\frac12", Rational(1, 2)),
    (r"\frac{\sqrt{2}}{2}", sympy.sqrt(2) / 2), (r"\sqrt{x}", sympy.sqrt(x)),
    (r"\sqrt[3]{x}", x ** Rational(1, 3)), (r"x^{2}", x**2), (r"2 \cdot x", 2 * x),
    (r"3 \times x", 3 * x), (r"\left(x+1\right)^2", (x + 1) ** 2), (r"\left|x\right|", Abs(x)),
    (r"\lvert x \rvert", Abs(x)), (r"\sin x", sympy.sin(x)), (r"\sin^2 x", sympy.sin(x) ** 2),
    (r"\sin 2x + 1", sympy.sin(2 * x) + 1), (r"\sin x \cos x", sympy.sin(x) * sympy.cos(x)),
    (r"\ln x", sympy.log(x)), (r"\pi r^2", pi * Symbol("r") ** 2),
    (r"\mathrm{e}^{x}", sympy.exp(x)),
    (r"e^{x}", sympy.exp(x)), (r"\exp x", sympy.exp(x)), (r"x\,y", x * y),
    (r"\alpha + \beta_1", Symbol("alpha") + Symbol("beta_1")), (r"\log_2 x", sympy.log(x, 2)),
])
def test_latex(text: str, expected: object) -> None:
    same(text, expected)


def test_latex_structures() -> None:
    assert value(r"\infty") == oo
    assert value(r"\{1,2\}") == SetLit((1, 2))
    assert value(r"\left[0,1\right)") == Bracket("[", ")", (0, 1))
    matrix = MatrixLit(((1, 2), (3, 4)))
    assert value(r"\begin{pmatrix}1&2\\3&4\end{pmatrix}") == matrix
    assert value(r"\begin{bmatrix}1 & 2 \\ 3 & 4 \\ \end{bmatrix}") == matrix
    assert "different lengths" in error(r"\begin{pmatrix}1&2\\3\end{pmatrix}").message
    assert r"\foo" in error(r"\foo + 1").message


# --- Unicode --------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("π×r^2", pi * Symbol("r") ** 2), ("𝐀", Symbol("A")), ("−x", -x), ("x²", x**2),
    ("x³·2", 2 * x**3), ("sin²(x)", sympy.sin(x) ** 2), ("√2", sympy.sqrt(2)), ("2ℼ", 2 * pi),
    ("ℯ^x", sympy.exp(x)), ("3*（x-2）^2", 3 * (x - 2) ** 2), ("x⁻¹", 1 / x),
    ("αx", Symbol("alpha") * x),
    ("x₁", Symbol("x_1")), ("∞", oo),
])
def test_unicode(text: str, expected: object) -> None:
    same(text, expected)


def test_control_characters_are_refused() -> None:
    assert "null byte" in error("a\x00b").message
    assert "control character" in error("a\x07b").message
    assert "not understood" in error("💗").message


# --- messages -------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "fragment"), [
    ("x+", "ends too early: something is missing after 'x+'"),
    ("2x(", "ends too early: something is missing after '2x('"),
    ("(x+1", "not closed"), (")", "no opening bracket"), ("x)", "no opening bracket"),
    ("([x)]", "mismatched brackets"), ("*x", "unexpected '*' at position 0"),
    ("x=>1", ">="), ("1=<x", "<="), ("x<>y", "!="), ("y'", "apostrophe"),
    ("0..1", "'.'"), ("()", "empty brackets"), ("|x", "not closed"), ("", "empty"),
    ("   ", "empty"), ("1/0", "division by zero"), ("0^-1", "division by zero"),
    ("x=1 or x=2", "type x=1, x=2"), ("x_", "subscript"),
])
def test_error_messages(text: str, fragment: str) -> None:
    assert fragment in error(text).message


def test_errors_carry_positions() -> None:
    assert error("*x").position == 0
    assert error("x+)").position == 2


# --- limits ---------------------------------------------------------------------------------


def _fast_error(text: str, fragment: str, **kw: object) -> None:
    start = time.perf_counter()
    message = error(text, **kw).message
    assert time.perf_counter() - start < 1.0, text[:40]
    assert fragment in message, message


@pytest.mark.parametrize(("text", "fragment"), [
    ("x" * 100_000, "too long"), ("(" * 5000 + "x" + ")" * 5000, "too long"),
    ("(" * 41 + "x" + ")" * 41, "brackets inside each other"),
    ("1" * (limits.MAX_LITERAL_DIGITS + 1), "too many digits"), ("1e301", "too large"),
    ("9^9^9^9", "too large"), ("2^(10^10)", "too large"), ("10^10^10", "too large"),
    ("10^9000*10^9000", "too large"), ("exp(10^6)", "too large"),
    ("(x+1)^1000000", "power is too large"), ("1001!", "factorial"), ("(10^10)!", "factorial"),
    ("gamma(5000)", "too large"), ("binomial(20000, 3)", "binomial"),
    ("[" + ",".join(["1"] * 401) + "]", "too many entries"),
    ("[" + ",".join(["[" + ",".join(["1"] * 21) + "]"] * 2) + "]", "too large"),
    ("x^" * 600 + "x", "nested too deeply"), ("-" * 1000 + "x", "nested too deeply"),
    ("x!" * 1000, "too long or complicated"),
])
def test_limits_reject_fast(text: str, fragment: str) -> None:
    _fast_error(text, fragment)


def test_limits_allow_what_is_reasonable() -> None:
    assert value("2^10000").doit() == 2**10000
    assert value("(x+1)^1000").exp == 1000
    assert value("1000!").doit() == sympy.factorial(1000)
    assert value("binomial(10000, 2)").doit() == 49995000
    assert value("x^(1/100000)").exp.doit() == Rational(1, 100000)
    assert value("1e300") == 10**300
    assert len(value("[" + ",".join(["1"] * 400) + "]").items) == 400


def test_long_inputs_stay_fast() -> None:
    for text in ["+".join(["x"] * 999), "*".join(["x"] * 999), "|x|" * 600,
                 "sqrt(" * 40 + "x" + ")" * 40]:
        start = time.perf_counter()
        parse(text)
        assert time.perf_counter() - start < 1.0


# --- no evaluation --------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "__import__('os').system('touch /tmp/gyrus_pwned')", "().__class__",
    "exec('1')", "eval(x)", "lambda: 1", "x.__class__",
])
def test_code_is_never_run(text: str) -> None:
    try:
        parse(text)
    except ParseError:
        pass
    assert not os.path.exists("/tmp/gyrus_pwned")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(list("0123456789xyeipa+-*/^!()[]{}|,=<>._ \\&") + [
    "sin", r"\frac", r"\sqrt", "sqrt(", "oo", " U ", r"\\", r"\begin{pmatrix}", r"\end{pmatrix}",
    "9^9", "diff(", "det(", "[[1,2],[3,4]]"]), max_size=30), st.booleans())
def test_anything_typed_gives_a_value_or_a_parse_error(pieces: list[str], author: bool) -> None:
    text = "".join(pieces)
    try:
        parse(text, author=author)
    except ParseError as err:
        assert isinstance(err.message, str) and err.message


# --- author mode ----------------------------------------------------------------------------


def test_author_operations() -> None:
    kw = {"author": True}
    assert value("diff(x^3, x)", **kw) == 3 * x**2
    assert value("diff(x^3, x, 2)", **kw) == 6 * x
    assert value("integrate(2x, x)", **kw) == x**2
    assert value("integrate(x, (x, 0, 2))", **kw) == 2
    assert value("integrate(x, x, 0, 2)", **kw) == 2
    assert value("limit(sin(x)/x, x, 0)", **kw) == 1
    assert value("det([[1,2],[3,4]])", **kw) == -2
    assert value("rank([[1,2],[2,4]])", **kw) == 1
    assert value("inverse([[2,0],[0,4]])", **kw) == sympy.ImmutableMatrix([[Rational(1, 2), 0],
                                                                          [0, Rational(1, 4)]])
    assert value("transpose([[1,2],[3,4]])", **kw) == sympy.ImmutableMatrix([[1, 3], [2, 4]])
    assert value("eigenvals([[2,0],[0,3]])", **kw) == SetLit((2, 3))
    assert value("expand((x+1)^2)", **kw) == x**2 + 2 * x + 1
    assert value("factor(x^2-1)", **kw) == (x - 1) * (x + 1)
    assert value("simplify(sin(x)^2 + cos(x)^2)", **kw) == 1
    assert parse("diff(x^2, x)", author=True).functions == {"diff"}
    assert "no inverse" in error("inverse([[1,2],[2,4]])", author=True).message
    assert "single name" in error("diff(x, 1)", author=True).message


# --- display --------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "latex"), [
    ("2x^2", r"2 \cdot x^{2}"), ("(0,1]", r"\left(0, 1\right]"),
    ("{1,2}", r"\left\{1, 2\right\}"), ("0<x<=1", r"0 < x \le 1"), ("x != 2", r"x \ne 2"),
    ("(0,1) U [2,3]", r"\left(0, 1\right) \cup \left[2, 3\right]"),
    ("x=1, x=2", r"x = 1,\ x = 2"), ("1/6", r"\frac{1}{6}"),
    (r"\begin{pmatrix}1&2\\3&4\end{pmatrix}", r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}"),
])
def test_to_latex(text: str, latex: str) -> None:
    assert to_latex(value(text)) == latex


def test_to_latex_of_a_computed_matrix() -> None:
    matrix = value("transpose([[1,2],[3,4]])", author=True)
    assert to_latex(matrix) == r"\begin{pmatrix} 1 & 3 \\ 2 & 4 \end{pmatrix}"
