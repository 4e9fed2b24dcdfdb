"""The input help under the Answer box (issue 16 item 5): a pure function of the answer spec,
one line per answer type saying what to type."""

from __future__ import annotations

import pytest

from app.checking.compare.input_help import input_help
from app.checking.compare.spec import AnswerSpec


def helped(**spec: object) -> str:
    return input_help(AnswerSpec.model_validate(spec))


@pytest.mark.parametrize(("spec", "text"), [
    ({"type": "expression", "value": "2*x*cos(x^2)"}, "an expression in x, e.g. 2x + 1."),
    ({"type": "expression", "value": "diff(sin(a*t), t)"}, "an expression in a and t"),
    ({"type": "expression", "value": "x^3/3", "compare": "antiderivative"}, "+ C"),
    ({"type": "expression", "value": "x^2 + 2x + 1", "form": "expanded", "forbid": ["expand"]},
     "written expanded; without expand."),
    ({"type": "number", "value": "3/4"}, "a number, e.g. 3/4 or sqrt(2)."),
    ({"type": "number", "value": "1/3", "floats": "forbid"}, "an exact number"),
    ({"type": "number", "value": "3.14159", "tolerance": {"decimals": 2}},
     "a number to 2 decimal places, e.g. 3.14."),
    ({"type": "number", "value": "123.4", "tolerance": {"sigfigs": 3}},
     "a number to 3 significant figures."),
    ({"type": "number", "value": "2, 3"}, "numbers separated by commas"),
    ({"type": "equation", "value": "y = 2x + 1"}, "an equation in x and y, e.g. y = 2x + 1."),
    ({"type": "equation", "value": "x = 2, x = -1"}, "equations in x, e.g. x = 2, x = -1."),
    ({"type": "inequality", "value": "x > 1"}, "an inequality in x, e.g. x > 1 or 0 < x <= 1."),
    ({"type": "set", "value": "{1, 2}"}, "a set, e.g. {1, 2}"),
    ({"type": "interval", "value": "(0, 1]"}, "an interval, e.g. (0, 1]"),
    ({"type": "tuple", "value": "(1, 2)"}, "a tuple of 2 entries: (a, b)."),
    ({"type": "vector", "value": "[1, 2, 3]", "tolerance": {"sigfigs": 3}},
     "a vector of 3 entries: [a, b, c]; each entry to 3 significant figures."),
    ({"type": "vector", "value": "[1, 2]", "compare": "up_to_scale"},
     "any non-zero multiple is fine"),
    ({"type": "matrix", "value": "[[1, 2], [3, 4]]"},
     "a 2×2 matrix, row by row: [[a, b], [c, d]]."),
    ({"type": "matrix", "value": "[[1, 2, 3], [4, 5, 6]]", "tolerance": {"decimals": 1}},
     "a 2×3 matrix, row by row: [[a, b, c], [d, e, f]]; each entry to 1 decimal places."),
    ({"type": "span", "value": ["[1, 0]", "[0, 1]"], "compare": "basis"}, "a basis"),
    ({"type": "span", "value": ["[1, 0, 1]"]}, "vectors separated by commas"),
    ({"type": "set", "value": "{1, 2}", "domain": "complex"}, "i is the imaginary unit"),
    ({"type": "text", "value": "chain rule"}, "a word or short phrase."),
])
def test_each_answer_type_says_what_to_type(spec: dict, text: str) -> None:
    assert text in helped(**spec)


@pytest.mark.parametrize("spec", [
    {"type": "self"}, {"type": "choice", "value": "a", "options": {"a": "A", "b": "B"}},
])
def test_no_help_where_there_is_no_box_to_type_in(spec: dict) -> None:
    assert helped(**spec) == ""


def test_a_computed_matrix_takes_its_size_from_the_reference_as_typed() -> None:
    spec = AnswerSpec(type="matrix", value="inverse([[1, 2], [3, 4]])")
    assert input_help(spec) == "a matrix, row by row: [[a, b], [c, d]]."
    assert input_help(spec, "[[-2, 1], [3/2, -1/2]]").startswith("a 2×2 matrix")


def test_the_help_never_shows_the_reference() -> None:
    text = helped(type="matrix", value="[[17, 23], [31, 47]]")
    assert not any(n in text for n in ("17", "23", "31", "47"))
