"""What learners also type (DESIGN §4, issue 16): each form is read, and read as meant.

Every reading is compared with a SymPy value built here, never with learner text run through
SymPy's own parser.
"""

from __future__ import annotations

from typing import Any

import pytest
import sympy
from sympy import E, Integer, Rational, Symbol, binomial, ceiling, floor, log, oo, pi, sqrt

from app.checking.compare.engine import check_now
from app.checking.compare.spec import AnswerSpec
from app.checking.grammar.syntax import ParseError, parse
from app.checking.grammar.values import Bracket, CommaList, MatrixLit, Relation, SetLit

x, y, b, theta, alpha_2, x_2 = sympy.symbols("x y b theta alpha_2 x_2")
X = ["x"]


def read(text: str, **kw: Any) -> object:
    return parse(text, **kw).value


def means(text: str, expected: sympy.Basic, **kw: Any) -> None:
    got = read(text, **kw)
    assert isinstance(got, sympy.Basic), (text, got)
    assert sympy.simplify(got.doit() - expected) == 0, (text, got)


def refused(text: str, fragment: str, **kw: Any) -> None:
    with pytest.raises(ParseError) as info:
        parse(text, **kw)
    assert fragment in info.value.message, info.value.message


def status(response: str, **spec: Any) -> str:
    return check_now(AnswerSpec(**spec), response).status


def message(response: str, **spec: Any) -> str:
    return check_now(AnswerSpec(**spec), response).message


# --- functions of one token, without brackets --------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("sin x", sympy.sin(x)), ("ln x", log(x)), ("csc x", sympy.csc(x)),
    ("sin^2 x", sympy.sin(x) ** 2), ("sin 2x + 1", sympy.sin(2 * x) + 1),
    ("sin x cos x", sympy.sin(x) * sympy.cos(x)), ("sin x cos(x)", sympy.sin(x) * sympy.cos(x)),
    ("sinx", sympy.sin(x)), ("2 sin x", 2 * sympy.sin(x)), ("cos x^2", sympy.cos(x ** 2)),
    ("sin^2(x) cos(x)", sympy.sin(x) ** 2 * sympy.cos(x)),
    ("sin^2(x)(x + 1)", sympy.sin(x) ** 2 * (x + 1)), ("exp x", sympy.exp(x)),
    (r"\sin \cos x", sympy.sin(sympy.cos(x))), (r"\sin x \cos x", sympy.sin(x) * sympy.cos(x)),
])
def test_a_function_without_brackets_takes_the_next_factor(text: str,
                                                            expected: sympy.Basic) -> None:
    means(text, expected, variables=X)


def test_sin_cos_theta_nests() -> None:
    means(r"\sin \cos \theta", sympy.sin(sympy.cos(theta)))


def test_a_function_name_alone_still_asks_for_its_argument() -> None:
    refused("sin", "put the argument of sin in brackets", variables=X)
    refused("sin + 1", "put the argument of sin in brackets", variables=X)


def test_latex_cos_of_a_bracket_squared_is_the_square_of_cos() -> None:
    want = sympy.cos(x) ** 2
    for text in (r"\cos(x)^2", "cos(x)^2", r"\cos\left(x\right)^2", r"\cos^2(x)", r"\cos^2 x"):
        means(text, want, variables=X)


def test_a_named_power_of_a_function_is_a_power_of_its_value() -> None:
    means(r"\cos ^\theta (x)", sympy.cos(x) ** theta, variables=["x", "theta"])


def test_inverse_power_of_a_function_is_the_inverse_function() -> None:
    for text in (r"\sin^{-1}(x)", "sin^-1(x)", "sin^-1 x", r"\tan^{-1} x"):
        got = read(text, variables=X)
        assert got.func in (sympy.asin, sympy.atan) and got.args == (x,), text
    refused(r"\sin^{-2} x", "1/sin(x)^2", variables=X)


@pytest.mark.parametrize("text", ["log2(x)", "log_2(x)", "log_2 x", "log_{2} x", r"\log_2 x",
                                  r"\log _{2} x", r"\log_{2}(x)"])
def test_logarithms_to_a_base(text: str) -> None:
    means(text, log(x) / log(2), variables=X)


def test_log_to_a_named_base() -> None:
    means(r"\log _{b} x", log(x) / log(b), variables=["x", "b"])


# --- LaTeX: floor, ceiling, binomial, ±, spacing, arrays ------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    (r"\lfloor x \rfloor", floor(x)), (r"\lceil x \rceil", ceiling(x)),
    (r"\left\lfloor \frac{x}{2} \right\rfloor", floor(x / 2)), ("⌊x⌋ + 1", floor(x) + 1),
    (r"\binom{x}{2}", binomial(x, 2)), (r"\binom{5}{2}", Integer(10)), (r"\dbinom 52", 10),
])
def test_floor_ceiling_and_binomial(text: str, expected: sympy.Basic) -> None:
    means(text, sympy.sympify(expected), variables=X)


def test_floor_brackets_must_match() -> None:
    refused(r"\lfloor x \rceil", "mismatched", variables=X)


def test_plus_minus_gives_two_answers() -> None:
    got = read(r"x = 2 \pm 3", variables=X)
    assert isinstance(got, CommaList)
    assert [r.operands[1].doit() for r in got.items] == [5, -1]
    assert [v.doit() for v in read("1 ± sqrt(2)").items] == [1 + sqrt(2), 1 - sqrt(2)]
    assert status(r"x = 2 \pm 3", type="equation", value="x = 5, x = -1") == "correct"


def test_tex_spacing_and_subscript_after_superscript() -> None:
    means(r"\alpha _2^2", alpha_2 ** 2)
    means(r"\alpha_2 ^2", alpha_2 ** 2)
    means("x^2_2", x_2 ** 2, variables=X)


@pytest.mark.parametrize("text", [
    r"\begin{array}{cc} 1 & 2 \\ 3 & 4 \end{array}",
    r"\left(\begin{array}{c|c} 1 & 2 \\ 3 & 4 \end{array}\right)",
    "[1 2; 3 4]", "[1, 2; 3, 4]", "[[1, 2], [3, 4]]",
    r"\begin{pmatrix} 1 & 3 \\ 2 & 4 \end{pmatrix}^T",
])
def test_matrices_in_every_notation(text: str) -> None:
    assert status(text, type="matrix", value="[[1, 2], [3, 4]]") == "correct"


def test_matlab_rows_split_at_spaces_between_entries() -> None:
    got = read("[1 -2; 3 - 1 4]")
    assert [[e.doit() for e in row.items] for row in got.items] == [[1, -2], [2, 4]]


# --- vectors, intervals, sets ----------------------------------------------------------------


def test_transpose_makes_a_column_vector() -> None:
    got = read("(1, 2, 3)^T")
    assert isinstance(got, MatrixLit) and got.rows == ((1,), (2,), (3,))
    assert read("[[1, 2], [3, 4]]^T").rows == ((1, 3), (2, 4))
    assert status("(1, 2, 3)^T", type="vector", value="[1, 2, 3]") == "correct"
    assert status("(1, 2, 4)^T", type="vector", value="[1, 2, 3]") == "incorrect"


def test_a_power_T_of_a_plain_bracket_stays_a_power() -> None:
    r, T = sympy.symbols("r T")
    means("(1 + r)^T", (1 + r) ** T, variables=["r", "T"])


@pytest.mark.parametrize(("text", "opening", "closing"), [
    ("]0, 1[", "(", ")"), ("]0, 1]", "(", "]"), ("[0, 1[", "[", ")"), ("[0, 1]", "[", "]"),
])
def test_french_interval_brackets(text: str, opening: str, closing: str) -> None:
    got = read(text)
    assert isinstance(got, Bracket) and (got.open, got.close) == (opening, closing)
    assert got.items == (0, 1)


def test_french_intervals_in_a_union() -> None:
    value = "(0, 1) U (2, 3)"
    assert status("]0, 1[ U ]2, 3[", type="interval", value=value) == "correct"
    assert status("]0, 1] U ]2, 3[", type="interval", value=value) == "incorrect"


def test_membership_is_an_interval_or_an_inequality() -> None:
    assert status(r"x \in [1, 2]", type="interval", value="[1, 2]", variables=X) == "correct"
    assert status("x ∈ (1, 2]", type="interval", value="[1, 2]", variables=X) == "incorrect"
    assert read(r"x \in [0, 1)", variables=X, expect="inequality") == Relation(
        (0, x, 1), ("<=", "<"))
    assert read("x in (2, oo)", variables=X, expect="inequality") == Relation((2, x), ("<",))
    assert status(r"x \in (0, 1]", type="inequality", value="0 < x <= 1") == "correct"
    assert status(r"x \in [0, 1]", type="inequality", value="0 < x <= 1") == "incorrect"


def test_solution_tuples_without_braces_are_a_set() -> None:
    got = read("(1, 2), (3, 4)", expect="set")
    assert isinstance(got, SetLit) and len(got.items) == 2
    assert status("(3, 4), (1, 2)", type="set", value="{(1, 2), (3, 4)}") == "correct"


def test_bare_numbers_for_a_set_say_what_to_type() -> None:
    assert message("5, 1", type="set", value="{1, 5}") == "this question expects a set: type {5, 1}"
    assert "type {5, 1}" in message("5 and 1", type="set", value="{1, 5}")
    assert "type 5, 1" in message("5 and 1", type="tuple", value="(5, 1)")


# --- constants, percent, wrappers, Unicode -------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("infty", oo), ("-infty", -oo), ("50%", Rational(1, 2)), ("12.5%", Rational(1, 8)),
    ("$x^2$", x ** 2), ("$$\\frac{1}{2}$$", Rational(1, 2)), (r"\(x + 1\)", x + 1),
    ("√2", sqrt(2)), ("√(x+1)", sqrt(x + 1)), ("2π", 2 * pi), ("3×4", 12), ("3·x", 3 * x),
    ("−x", -x), ("∞", oo), ("e^x", E ** x),
])
def test_constants_percent_wrappers_and_unicode(text: str, expected: sympy.Basic) -> None:
    got = read(text, variables=X)
    assert got.doit() == sympy.sympify(expected), (text, got)


def test_unicode_relations() -> None:
    assert read("x ≤ 1", variables=X) == Relation((x, 1), ("<=",))
    assert read("x ≥ 1", variables=X) == Relation((x, 1), (">=",))


def test_a_percent_sign_must_follow_a_value() -> None:
    refused("%5", "percent sign must follow")


# --- labels ------------------------------------------------------------------------------


@pytest.mark.parametrize(("response", "spec"), [
    ("y = 7", {"type": "number", "value": "7"}),
    (r"k=\frac{2}{5}", {"type": "number", "value": "2/5"}),
    ("S = [0, 2)", {"type": "interval", "value": "[0, 2)"}),
    ("D = (0, 1)", {"type": "interval", "value": "(0, 1)"}),
    ("v = (1, 2)", {"type": "vector", "value": "[1, 2]"}),
    ("A = {1, 2}", {"type": "set", "value": "{2, 1}"}),
    ("x = 11", {"type": "number", "value": "11", "variables": ["x"]}),
    ("f = 2x + 1", {"type": "expression", "value": "2x + 1"}),
])
def test_a_label_before_the_answer_is_dropped(response: str, spec: dict) -> None:
    assert status(response, **spec) == "correct"


def test_a_label_does_not_hide_a_wrong_answer() -> None:
    assert status("y = 8", type="number", value="7") == "incorrect"


def test_an_equation_question_keeps_its_equation() -> None:
    assert status("y = 2x + 1", type="equation", value="y = 2x + 1") == "correct"
    assert status("x = 2", type="equation", value="x = 2") == "correct"
    assert "z is not a variable" in message("z = 2", type="equation", value="x = 2")


def test_an_equation_is_not_mistaken_for_a_label() -> None:
    kept = read("x = x + 1", variables=X, expect="number")
    assert isinstance(kept, Relation) and kept.operands[1].doit() == x + 1
    assert read("xy = 3", variables=["x", "y"], expect="number").operands[0] == x * y


# --- wrong verdicts fixed ---------------------------------------------------------------------


@pytest.mark.parametrize("response", ["csc(0)", "cot(0)", "log(0)", "tan(pi/2)", "ln(1 - 1)",
                                      "1/sin(0)", "sec(pi/2)"])
def test_an_undefined_value_is_not_read(response: str) -> None:
    result = check_now(AnswerSpec(type="number", value="1"), response)
    assert result.status == "invalid"
    assert "undefined" in result.message or "division by zero" in result.message


@pytest.mark.parametrize("response", ["0*oo", "0 oo", "oo - oo", "-oo + oo", "oo/oo",
                                      "0*x*oo"])
def test_an_indeterminate_form_is_not_read(response: str) -> None:
    result = check_now(AnswerSpec(type="expression", value="0", variables=X), response)
    assert result.status == "invalid"
    assert result.message == "that is undefined: 0·∞, ∞ − ∞ and ∞/∞ have no value"


def test_infinities_with_a_value_are_still_read() -> None:
    assert read("2oo").doit() == oo
    assert read("oo + 1").doit() == oo
    assert read("1/oo").doit() == 0
    assert read("-oo") == -oo
    assert status("x*oo", type="expression", value="x*oo", variables=X) == "correct"


def test_defined_values_near_the_undefined_ones_are_read() -> None:
    assert status("csc(pi/2)", type="number", value="1") == "correct"
    assert status("log(1)", type="number", value="0") == "correct"


def test_i_is_the_unit_only_in_the_complex_domain() -> None:
    assert status("i^2", type="number", value="-1", domain="complex") == "correct"
    real = check_now(AnswerSpec(type="number", value="-1"), "i^2")
    assert real.status == "invalid" and "real numbers" in real.message
    i = Symbol("i")
    assert read("i^2", variables=["i"], imaginary=False) == sympy.Pow(i, 2, evaluate=False)
    assert status("i + 1", type="expression", value="i + 1") == "correct"  # i, a variable


# --- messages -----------------------------------------------------------------------------


def test_6x7_is_told_to_use_a_star() -> None:
    refused("6x7", "to multiply write 6*7, not 6x7", variables=X)
    refused("a7", "did you mean a^7 or a*7", variables=X)


def test_a_label_in_an_unknown_name_is_not_called_unknown() -> None:
    assert "unknown name" not in message("y = 7", type="number", value="7")


def test_a_huge_power_does_not_hide_the_rest_of_an_equation() -> None:
    value = "y = (x - a)^5999"
    assert status("y = (a - x)^5999", type="equation", value=value) == "incorrect"
    assert status("2y = 2(x - a)^5999", type="equation", value=value) == "correct"


def test_a_membership_read_without_an_answer_type_is_shown_as_written() -> None:
    from app.checking.grammar.display import to_latex

    assert to_latex(read(r"x \in [0, 1]")) == r"x \in \left[0, 1\right]"


def test_plus_minus_inside_set_braces_gives_one_set() -> None:
    got = read(r"\{1 \pm 2\}")
    assert isinstance(got, SetLit) and [v.doit() for v in got.items] == [3, -1]
    assert status(r"\{1 \pm \sqrt{2}\}", type="set", value="{1 - sqrt(2), 1 + sqrt(2)}") == \
        "correct"


@pytest.mark.parametrize(("text", "expected"), [
    ("sin 2x/3", sympy.sin(2 * x) / 3), ("-sin^2 x", -sympy.sin(x) ** 2),
    ("ln x^2", log(x ** 2)), ("e^sin x", sympy.exp(sympy.sin(x))), ("sin x + 1", sympy.sin(x) + 1),
    ("2 sin x cos x", 2 * sympy.sin(x) * sympy.cos(x)),
    ("x^2%", x ** Rational(2, 100)),  # like x^2!, % binds to the 2
    ("sin(x)^2/2", sympy.sin(x) ** 2 / 2), (r"\sin^2 x + \cos^2 x", Integer(1)),
])
def test_precedence_of_the_new_forms(text: str, expected: sympy.Basic) -> None:
    means(text, expected, variables=X)
