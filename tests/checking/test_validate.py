"""The live preview (DESIGN §3 `validate`, §4): how a response is read, with visible
multiplication, the variables it uses, and why it cannot be read; in process and in the pool."""

from __future__ import annotations

import pytest

from app.checking.compare.engine import check_now, validate_now
from app.checking.compare.result import Validation
from app.checking.compare.spec import AnswerSpec
from app.checking.pool import CheckerPool

EXPR = AnswerSpec(type="expression", value="2x + 1")
XY = AnswerSpec(type="expression", value="x y")


@pytest.fixture(scope="module")
def pool():
    checker = CheckerPool(workers=2, timeout=2.0)
    checker.warm_up()
    yield checker
    checker.close()


@pytest.fixture(params=["in-process", "pool"])
def preview(request, pool):
    if request.param == "in-process":
        return validate_now
    return pool.validate


def test_implicit_multiplication_is_shown(preview) -> None:
    result = preview(EXPR, "2x")
    assert result == Validation(True, "", result.latex, ["x"])
    assert "\\cdot" in result.latex


@pytest.mark.parametrize(("response", "variables"), [
    ("2xy", ["x", "y"]),
    ("2x y", ["x", "y"]),
    ("2(x+1)", ["x"]),
    ("(x+1)(y-1)", ["x", "y"]),
    ("x \\cdot y", ["x", "y"]),
])
def test_every_product_gets_a_visible_dot(preview, response: str, variables: list[str]) -> None:
    result = preview(XY, response)
    assert result.valid, result
    assert "\\cdot" in result.latex
    assert result.variables == variables
    assert not result.message


def test_a_number_has_no_variables(preview) -> None:
    result = preview(EXPR, "3/4")
    assert result.valid
    assert result.variables == []
    assert "frac" in result.latex


def test_latex_input_is_previewed(preview) -> None:
    result = preview(EXPR, "\\frac{1}{2}x + \\sqrt{4}")
    assert result.valid
    assert "\\frac" in result.latex and "\\sqrt" in result.latex


def test_the_constant_of_integration_is_listed(preview) -> None:
    spec = AnswerSpec(type="expression", value="x^2", compare="antiderivative")
    result = preview(spec, "x^2 + C")
    assert result.valid
    assert result.variables == ["C", "x"]


@pytest.mark.parametrize(("response", "hint"), [
    ("sin", "sin(x)"),
    ("2x(", "2x("),
    ("2x +", "missing"),
    ("(2x + 1]", "bracket"),
    ("[2x + 1)", "bracket"),
    ("(2x + 1))", ")"),
    ("((2x + 1)", "("),
    ("2x + q", "q"),
    ("foo(x)", "foo"),
    ("", ""),
])
def test_unreadable_responses_say_why(preview, response: str, hint: str) -> None:
    result = preview(EXPR, response)
    assert not result.valid
    assert result.message
    assert hint in result.message
    assert result.latex is None
    assert result.variables == []


def test_the_wrong_shape_is_not_valid_and_says_what_is_expected(preview) -> None:
    vector = AnswerSpec(type="vector", value="[1, 2]")
    result = preview(vector, "3")
    assert not result.valid
    assert "vector" in result.message
    result = preview(vector, "[1, 2]")
    assert result.valid and result.latex


def test_forbidden_things_are_not_valid(preview) -> None:
    spec = AnswerSpec(type="expression", value="2x + 1", floats="forbid", forbid=["sqrt"])
    assert not preview(spec, "2.5x").valid
    result = preview(spec, "sqrt(x)")
    assert not result.valid and "sqrt" in result.message


@pytest.mark.parametrize("spec", [
    AnswerSpec(type="self"),
    AnswerSpec(type="text", value="chain rule"),
    AnswerSpec(type="choice", value="a", options={"a": "A", "b": "B"}),
])
def test_types_without_a_grammar_are_always_valid(preview, spec: AnswerSpec) -> None:
    result = preview(spec, "anything at all")
    assert result.valid
    assert result.latex is None


def test_the_pool_preview_matches_in_process(pool) -> None:
    for response in ("2x", "sin x", "(x+1)(x-1)", "2x + q"):
        assert pool.validate(EXPR, response) == validate_now(EXPR, response)


def test_the_preview_shows_decimals_as_written() -> None:
    spec = AnswerSpec(type="vector", value="[1, 2]")
    assert validate_now(spec, "[0.0171, -0.25]").latex == r"\left[0.0171, -0.25\right]"
    assert "frac" not in validate_now(AnswerSpec(type="expression", value="x"), "2.5x").latex


def test_intervals_honour_a_tolerance() -> None:
    spec = AnswerSpec(type="interval", value="[ln(20/19)/3, ln(20)/3]",
                      tolerance={"absolute": 0.001})
    assert check_now(spec, "[0.0171, 0.9986]").status == "correct"
    assert check_now(spec, "(0.0171, 0.9986]").status == "incorrect"
    assert check_now(spec, "[0.02, 0.9986]").status == "incorrect"
