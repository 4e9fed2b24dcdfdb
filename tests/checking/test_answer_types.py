"""The answer spec of DESIGN §3, checked in process with `engine.check_now`: every answer type,
comparison mode, form, tolerance and domain, and the result contract.

These call the engine directly (no pool, no time limit), so every input here must be cheap.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.checking.compare.engine import check_now
from app.checking.compare.result import CheckResult
from app.checking.compare.spec import AnswerSpec

STATUSES = {"correct", "incorrect", "invalid", "undecided"}
SYMBOLIC = {"expression", "number", "equation", "inequality", "set", "interval", "tuple",
            "vector", "matrix", "span"}


def check(response: str, **spec: Any) -> CheckResult:
    """Check `response` against `AnswerSpec(**spec)` and assert the result contract (§3)."""
    answer = AnswerSpec(**spec)
    result = check_now(answer, response)
    assert isinstance(result, CheckResult)
    assert result.status in STATUSES
    assert isinstance(result.message, str) and result.message.strip(), result
    assert isinstance(result.notes, list) and all(isinstance(n, str) for n in result.notes)
    assert result.latex is None or isinstance(result.latex, str)
    if answer.type in SYMBOLIC and result.status in ("correct", "incorrect"):
        assert result.latex, f"a response that was read has no latex: {result}"
    return result


def status(response: str, **spec: Any) -> str:
    return check(response, **spec).status


def case(spec: dict, response: str, expected: str, marks: Any = ()) -> Any:
    label = f"{spec['type']}:{spec.get('value')}|{response}"
    return pytest.param(spec, response, expected, id=label[:80], marks=marks)


# --- one table per concern: (spec, response, expected status) -------------------------------

TYPES = [
    # expression
    case({"type": "expression", "value": "2x+1"}, "1 + 2x", "correct"),
    case({"type": "expression", "value": "2x+1"}, "x + x + 1", "correct"),
    case({"type": "expression", "value": "2x+1"}, "2x + 2", "incorrect"),
    case({"type": "expression", "value": "sin(2x)"}, "2sin(x)cos(x)", "correct"),
    case({"type": "expression", "value": "sin(x)^2 + cos(x)^2"}, "1", "correct"),
    case({"type": "expression", "value": "x*y"}, "yx", "correct"),
    case({"type": "expression", "value": "x/2"}, "\\frac{1}{2}x", "correct"),
    # number
    case({"type": "number", "value": "3/4"}, "6/8", "correct"),
    case({"type": "number", "value": "3/4"}, "0.75", "correct"),
    case({"type": "number", "value": "3"}, "log(8, 2)", "correct"),
    case({"type": "number", "value": "sqrt(2)/2"}, "1/sqrt(2)", "correct"),
    case({"type": "number", "value": "e"}, "exp(1)", "correct"),
    case({"type": "number", "value": "pi"}, "3", "incorrect"),
    # equation
    case({"type": "equation", "value": "y = 2x + 1"}, "2y = 4x + 2", "correct"),
    case({"type": "equation", "value": "y = 2x + 1"}, "2x + 1 = y", "correct"),
    case({"type": "equation", "value": "y = 2x + 1"}, "y - 2x - 1 = 0", "correct"),
    case({"type": "equation", "value": "y = 2x + 1"}, "-y = -2x - 1", "correct"),
    case({"type": "equation", "value": "y = 2x + 1"}, "y = 2x + 2", "incorrect"),
    case({"type": "equation", "value": "y = 2x + 1"}, "0 = 0", "incorrect"),
    case({"type": "equation", "value": "y = 2x + 1"}, "x*y = x*(2x + 1)", "incorrect"),
    case({"type": "equation", "value": "x^2 = 4"}, "x = 2", "incorrect"),
    case({"type": "equation", "value": "x = 2"}, "x^2 = 4", "incorrect"),
    case({"type": "equation", "value": "x^2 = 4"}, "(x - 2)(x + 2) = 0", "correct"),
    case({"type": "equation", "value": "x^2 + y^2 = 1"}, "2x^2 + 2y^2 = 2", "correct"),
    case({"type": "equation", "value": "x = 1, y = 2"}, "y = 2, x = 1", "correct"),
    case({"type": "equation", "value": "x = 1, y = 2"}, "x = 1", "incorrect"),
    # |A| = |B| is A^2 = B^2 over the reals, not over the complex numbers
    case({"type": "equation", "value": "(x - y)(x + y) = 0"}, "|x| = |y|", "correct"),
    case({"type": "equation", "value": "|x| = |y|"}, "x^2 = y^2", "correct"),
    case({"type": "equation", "value": "|x - 1| = |2x|"}, "(x - 1)^2 = 4x^2", "correct"),
    case({"type": "equation", "value": "|x| = |y|"}, "x = y", "incorrect"),
    case({"type": "equation", "value": "|x - 1| = |2x|"}, "x - 1 = 2x", "incorrect"),
    case({"type": "equation", "value": "|x| = 1"}, "x = 1", "incorrect"),
    case({"type": "equation", "value": "x^2 = y^2", "domain": "complex"}, "|x| = |y|",
         "incorrect"),
    # inequality
    case({"type": "inequality", "value": "x > 1"}, "1 < x", "correct"),
    case({"type": "inequality", "value": "x > 1"}, "2x > 2", "correct"),
    case({"type": "inequality", "value": "x > 1"}, "-x < -1", "correct"),
    case({"type": "inequality", "value": "x > 1"}, "-2x > -2", "incorrect"),
    case({"type": "inequality", "value": "x > 1"}, "x >= 1", "incorrect"),
    case({"type": "inequality", "value": "x > 1"}, "x < 1", "incorrect"),
    case({"type": "inequality", "value": "x >= 1"}, "1 <= x", "correct"),
    case({"type": "inequality", "value": "0 < x <= 1"}, "1 >= x > 0", "correct"),
    case({"type": "inequality", "value": "0 < x <= 1"}, "x <= 1", "incorrect"),
    case({"type": "inequality", "value": "x^2 < 4"}, "-2 < x < 2", "correct"),
    # set
    case({"type": "set", "value": "{1,2}"}, "{2,1,1}", "correct"),
    case({"type": "set", "value": "{1,2}"}, "\\{2, 1\\}", "correct"),
    case({"type": "set", "value": "{sqrt(4), 1}"}, "{1, 2}", "correct"),
    case({"type": "set", "value": "{1,2}"}, "{1,3}", "incorrect"),
    case({"type": "set", "value": "{1,2}"}, "{1,2,3}", "incorrect"),
    case({"type": "set", "value": "{1,2}"}, "{}", "incorrect"),
    case({"type": "set", "value": "{}"}, "{}", "correct"),
    # interval
    case({"type": "interval", "value": "(0,1]"}, "(0, 1]", "correct"),
    case({"type": "interval", "value": "(0,1]"}, "(0, 1)", "incorrect"),
    case({"type": "interval", "value": "(0,1]"}, "[0, 1]", "incorrect"),
    case({"type": "interval", "value": "[2, oo)"}, "[2, inf)", "correct"),
    case({"type": "interval", "value": "[2, oo)"}, "(2, oo)", "incorrect"),
    case({"type": "interval", "value": "(-oo, oo)"}, "(-infinity, inf)", "correct"),
    case({"type": "interval", "value": "(0,1) U (2,3)"}, "(2,3) U (0,1)", "correct"),
    case({"type": "interval", "value": "(0,1) U (2,3)"}, "(0,1)", "incorrect"),
    case({"type": "interval", "value": "(0,2)"}, "(0,1) U (1,2)", "incorrect"),
    case({"type": "interval", "value": "(0,2)"}, "(0,1] U [1,2)", "correct"),
    case({"type": "interval", "value": "[0,1]"}, "[0, 1/2) U (1/2, 1]", "incorrect"),
    case({"type": "interval", "value": "[1,2]"}, "[2,1]", "incorrect"),
    # tuple
    case({"type": "tuple", "value": "(1,2)"}, "(1, 2)", "correct"),
    case({"type": "tuple", "value": "(1,2)"}, "1, 2", "correct"),
    case({"type": "tuple", "value": "(1,2)"}, "(2, 1)", "incorrect"),
    # vector
    case({"type": "vector", "value": "[1,2,3]"}, "[1, 2, 3]", "correct"),
    case({"type": "vector", "value": "[1,2,3]"}, "(1, 2, 3)", "correct"),
    case({"type": "vector", "value": "[1,2,3]"}, "[1, 2, 4]", "incorrect"),
    case({"type": "vector", "value": "[1,2]"}, "[1, 2, 3]", "incorrect"),
    # matrix
    case({"type": "matrix", "value": "[[1,2],[3,4]]"}, "[[1,2],[3,4]]", "correct"),
    case({"type": "matrix", "value": "[[1,2],[3,4]]"},
         "\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}", "correct"),
    case({"type": "matrix", "value": "[[1,2],[3,4]]"},
         "\\begin{bmatrix}1 & 2 \\\\ 3 & 4\\end{bmatrix}", "correct"),
    case({"type": "matrix", "value": "[[1,2],[3,4]]"}, "[[1,3],[2,4]]", "incorrect"),
    case({"type": "matrix", "value": "[[1,2],[3,4]]"}, "[[1,2],[3,5]]", "incorrect"),
    # span
    case({"type": "span", "value": ["[1,0]", "[0,1]"]}, "[1,1], [1,-1]", "correct"),
    case({"type": "span", "value": ["[1,0]", "[0,1]"]}, "{[1,1], [1,-1]}", "correct"),
    case({"type": "span", "value": ["[1,0]", "[0,1]"]}, "[1,1], [1,-1], [2,0]", "correct"),
    case({"type": "span", "value": ["[1,0]", "[0,1]"]}, "[1,1]", "incorrect"),
    case({"type": "span", "value": ["[1,0]", "[0,1]"]}, "[0,0], [0,0]", "incorrect"),
    case({"type": "span", "value": ["[1,0,0]", "[0,1,0]"]}, "[1,1,0], [1,-1,0]", "correct"),
    case({"type": "span", "value": ["[1,0,0]", "[0,1,0]"]}, "[1,1,0], [1,-1,1]", "incorrect"),
]

COMPARE = [
    # up_to_constant: any constant difference
    case({"type": "expression", "value": "x^3/3", "compare": "up_to_constant"}, "x^3/3 + 5",
         "correct"),
    case({"type": "expression", "value": "x^3/3", "compare": "up_to_constant"}, "x^3/3",
         "correct"),
    case({"type": "expression", "value": "x^2/2", "compare": "up_to_constant"}, "x^2/2 + C",
         "correct"),
    case({"type": "expression", "value": "x^3/3", "compare": "up_to_constant"}, "x^3/3 + x",
         "incorrect"),
    # antiderivative: the same up to a constant, and the response shows its constant
    case({"type": "expression", "value": "x^3/3", "compare": "antiderivative"}, "x^3/3 + C",
         "correct"),
    case({"type": "expression", "value": "x^3/3", "compare": "antiderivative"}, "(x^3+1)/3 + C",
         "correct"),
    case({"type": "expression", "value": "x^2/2", "compare": "antiderivative"}, "x^2/2 + c",
         "correct"),
    case({"type": "expression", "value": "x^2/2", "compare": "antiderivative"}, "x^2/2 + K",
         "correct"),
    case({"type": "expression", "value": "sin(x)^2", "compare": "antiderivative"},
         "-cos(x)^2 + C", "correct"),
    case({"type": "expression", "value": "ln(abs(x))", "compare": "antiderivative"},
         "ln(abs(2x)) + C", "correct"),
    case({"type": "expression", "value": "x^2/2", "compare": "antiderivative"}, "x^2 + C",
         "incorrect"),
    case({"type": "expression", "value": "x^2/2", "compare": "antiderivative"}, "x^2/2 + C x",
         "incorrect"),
    # up_to_scale: eigenvectors
    case({"type": "vector", "value": "[1,2]", "compare": "up_to_scale"}, "[2,4]", "correct"),
    case({"type": "vector", "value": "[1,2]", "compare": "up_to_scale"}, "[-3,-6]", "correct"),
    case({"type": "vector", "value": "[1,2]", "compare": "up_to_scale"}, "[1/2, 1]", "correct"),
    case({"type": "vector", "value": "[1,2]", "compare": "up_to_scale"}, "[0,0]", "incorrect"),
    case({"type": "vector", "value": "[1,0]", "compare": "up_to_scale"}, "[0,0]", "incorrect"),
    case({"type": "vector", "value": "[1,2]", "compare": "up_to_scale"}, "[2,1]", "incorrect"),
    case({"type": "vector", "value": "[1,2,3]", "compare": "up_to_scale"}, "[2,4,6]", "correct"),
    case({"type": "vector", "value": "[1,2,3]", "compare": "up_to_scale"}, "[2,4,7]",
         "incorrect"),
    case({"type": "vector", "value": "[1,x]", "compare": "up_to_scale"}, "[2, 2x]", "correct"),
    case({"type": "vector", "value": "[1,i]", "compare": "up_to_scale", "domain": "complex"},
         "[i, -1]", "correct"),
    case({"type": "matrix", "value": "[[1],[2]]", "compare": "up_to_scale"}, "[[2],[4]]",
         "correct"),
    case({"type": "matrix", "value": "[[1],[2]]", "compare": "up_to_scale"}, "[[0],[0]]",
         "incorrect"),
    case({"type": "expression", "value": "x", "compare": "up_to_scale"}, "3x", "correct"),
    case({"type": "expression", "value": "x", "compare": "up_to_scale"}, "0", "incorrect"),
    # unordered
    case({"type": "tuple", "value": "(1,2,3)", "compare": "unordered"}, "(3,1,2)", "correct"),
    case({"type": "tuple", "value": "(1,2,2)", "compare": "unordered"}, "(1,1,2)", "incorrect"),
    case({"type": "vector", "value": "[1,2]", "compare": "unordered"}, "[2,1]", "correct"),
    # basis: spans the same space and is linearly independent
    case({"type": "span", "value": ["[1,0]", "[0,1]"], "compare": "basis"}, "[1,1], [1,-1]",
         "correct"),
    case({"type": "span", "value": ["[1,2]"], "compare": "basis"}, "[2,4]", "correct"),
    case({"type": "span", "value": ["[1,0]", "[0,1]"], "compare": "basis"},
         "[1,1], [1,-1], [2,0]", "incorrect"),
    case({"type": "span", "value": ["[1,2]"], "compare": "basis"}, "[2,4], [1,2]", "incorrect"),
    case({"type": "span", "value": ["[1,0]", "[0,1]"], "compare": "basis"}, "[1,1], [2,2]",
         "incorrect"),
]

FORMS = [
    case({"type": "expression", "value": "(x+1)^2", "form": "expanded"}, "x^2 + 2x + 1",
         "correct"),
    case({"type": "expression", "value": "(x+1)^2", "form": "expanded"}, "(x+1)^2", "incorrect"),
    case({"type": "expression", "value": "2x+2", "form": "expanded"}, "2(x+1)", "incorrect"),
    case({"type": "expression", "value": "(x+1)(x+2)", "form": "expanded"}, "x(x+3) + 2",
         "incorrect"),
    case({"type": "expression", "value": "(x+1)^2", "form": "expanded"}, "x^2 + 2x + 2",
         "incorrect"),
    case({"type": "expression", "value": "x^2+2x+1", "form": "factored"}, "(x+1)^2", "correct"),
    case({"type": "expression", "value": "x^2-4", "form": "factored"}, "(x-2)(x+2)", "correct"),
    case({"type": "expression", "value": "2x+2", "form": "factored"}, "2(x+1)", "correct"),
    case({"type": "expression", "value": "x^2+1", "form": "factored"}, "x^2 + 1", "correct"),
    case({"type": "expression", "value": "x^2+2x+1", "form": "factored"}, "x^2 + 2x + 1",
         "incorrect"),
    case({"type": "expression", "value": "x^2-4", "form": "factored"}, "(x^2 - 4)", "incorrect"),
    case({"type": "number", "value": "1/2", "form": "lowest_terms"}, "1/2", "correct"),
    case({"type": "number", "value": "1/2", "form": "lowest_terms"}, "2/4", "incorrect"),
    case({"type": "number", "value": "2", "form": "lowest_terms"}, "4/2", "incorrect"),
    case({"type": "expression", "value": "(x+1)/(x^2-1)", "form": "lowest_terms"}, "1/(x-1)",
         "correct"),
    case({"type": "expression", "value": "(x+1)/(x^2-1)", "form": "lowest_terms"},
         "(x+1)/(x^2-1)", "incorrect"),
    case({"type": "expression", "value": "1/x + 1/(x+1)", "form": "single_fraction"},
         "(2x+1)/(x(x+1))", "correct"),
    case({"type": "expression", "value": "1/x + 1/(x+1)", "form": "single_fraction"},
         "1/x + 1/(x+1)", "incorrect"),
    case({"type": "expression", "value": "(x+1)/x", "form": "single_fraction"}, "1 + 1/x",
         "incorrect"),
    case({"type": "number", "value": "3/4", "form": "single_fraction"}, "1/2 + 1/4", "incorrect"),
    case({"type": "expression", "value": "2x+1", "form": "literal"}, "1 + 2x", "correct"),
    case({"type": "expression", "value": "2x+1", "form": "literal"}, "x + x + 1", "incorrect"),
    case({"type": "expression", "value": "x^2", "form": "literal"}, "x*x", "incorrect"),
    case({"type": "number", "value": "2/4", "form": "literal"}, "2/4", "correct"),
    case({"type": "number", "value": "2/4", "form": "literal"}, "1/2", "incorrect"),
]

TOLERANCES = [
    case({"type": "number", "value": "pi", "tolerance": {"relative": 0.01}}, "3.14", "correct"),
    case({"type": "number", "value": "pi", "tolerance": {"relative": 0.01}}, "22/7", "correct"),
    case({"type": "number", "value": "pi", "tolerance": {"relative": 0.0001}}, "3.14",
         "incorrect"),
    case({"type": "number", "value": "100", "tolerance": {"relative": 0.01}}, "100.9", "correct"),
    case({"type": "number", "value": "100", "tolerance": {"relative": 0.01}}, "101.1",
         "incorrect"),
    case({"type": "number", "value": "0", "tolerance": {"relative": 0.01}}, "0.001", "incorrect"),
    case({"type": "number", "value": "pi", "tolerance": {"absolute": 0.01}}, "3.141", "correct"),
    case({"type": "number", "value": "pi", "tolerance": {"absolute": 0.001}}, "3.13",
         "incorrect"),
    case({"type": "number", "value": "0", "tolerance": {"absolute": 0.01}}, "0.005", "correct"),
    case({"type": "number", "value": "0", "tolerance": {"absolute": 0.01}}, "0.02", "incorrect"),
    case({"type": "number", "value": "2", "tolerance": {"absolute": 0.1}}, "sqrt(4.01)",
         "correct"),
    # sigfigs: written to n significant figures, and right to them
    case({"type": "number", "value": "pi", "tolerance": {"sigfigs": 3}}, "3.14", "correct"),
    case({"type": "number", "value": "pi", "tolerance": {"sigfigs": 3}}, "3.14e0", "correct"),
    case({"type": "number", "value": "-pi", "tolerance": {"sigfigs": 3}}, "-3.14", "correct"),
    case({"type": "number", "value": "pi", "tolerance": {"sigfigs": 6}}, "3.14159", "correct"),
    case({"type": "number", "value": "5/2", "tolerance": {"sigfigs": 3}}, "2.50", "correct"),
    case({"type": "number", "value": "1/6", "tolerance": {"sigfigs": 4}}, "0.1667", "correct"),
    case({"type": "number", "value": "0.001234", "tolerance": {"sigfigs": 2}}, "0.0012",
         "correct"),
    case({"type": "number", "value": "pi", "tolerance": {"sigfigs": 3}}, "3.15", "incorrect"),
    case({"type": "number", "value": "pi", "tolerance": {"sigfigs": 3}}, "-3.14", "incorrect"),
    case({"type": "number", "value": "pi", "tolerance": {"sigfigs": 3}}, "3.1416", "invalid"),
    case({"type": "number", "value": "pi", "tolerance": {"sigfigs": 3}}, "3.140", "incorrect"),
    case({"type": "number", "value": "pi", "tolerance": {"sigfigs": 3}}, "3.1", "invalid"),
    case({"type": "number", "value": "pi", "tolerance": {"sigfigs": 3}}, "3.2", "incorrect"),
    case({"type": "number", "value": "1/6", "tolerance": {"sigfigs": 4}}, "0.1666", "incorrect"),
    # decimals: written to d places, and right to them
    case({"type": "number", "value": "pi", "tolerance": {"decimals": 2}}, "3.14", "correct"),
    case({"type": "number", "value": "-pi", "tolerance": {"decimals": 2}}, "-3.14", "correct"),
    case({"type": "number", "value": "31/10", "tolerance": {"decimals": 2}}, "3.10", "correct"),
    case({"type": "number", "value": "1/6", "tolerance": {"decimals": 3}}, "0.167", "correct"),
    case({"type": "number", "value": "pi", "tolerance": {"decimals": 2}}, "3.15", "incorrect"),
    case({"type": "number", "value": "pi", "tolerance": {"decimals": 2}}, "3.142", "invalid"),
    case({"type": "number", "value": "pi", "tolerance": {"decimals": 2}}, "3.1", "invalid"),
    case({"type": "number", "value": "pi", "tolerance": {"decimals": 2}}, "3.2", "incorrect"),
    case({"type": "number", "value": "pi", "tolerance": {"decimals": 2}}, "3.143", "incorrect"),
    case({"type": "number", "value": "1/6", "tolerance": {"decimals": 3}}, "0.166", "incorrect"),
    # tolerance inside structures
    case({"type": "tuple", "value": "(1/3, 2/3)", "tolerance": {"relative": 0.02}},
         "(0.33, 0.67)", "correct"),
    case({"type": "tuple", "value": "(1/3, 2/3)", "tolerance": {"relative": 0.02}},
         "(0.33, 0.77)", "incorrect"),
    case({"type": "set", "value": "{1/3, 2/3}", "tolerance": {"absolute": 0.01}},
         "{0.667, 0.333}", "correct"),
    case({"type": "matrix", "value": "[[1/3, 0], [0, 1]]", "tolerance": {"absolute": 0.01}},
         "[[0.333, 0], [0, 1]]", "correct"),
    # tolerance on an expression with variables: numeric comparison at sample points
    case({"type": "expression", "value": "2x", "tolerance": {"relative": 0.01}}, "2x", "correct"),
    case({"type": "expression", "value": "sin(x)", "tolerance": {"absolute": 0.01}}, "sin(x)",
         "correct"),
    case({"type": "expression", "value": "2x", "tolerance": {"relative": 0.01}}, "x^2",
         "incorrect"),
]

DOMAINS = [
    case({"type": "expression", "value": "x"}, "sqrt(x^2)", "incorrect"),
    case({"type": "expression", "value": "abs(x)"}, "sqrt(x^2)", "correct"),
    case({"type": "expression", "value": "abs(x)"}, "|x|", "correct"),
    case({"type": "expression", "value": "x"}, "abs(x)", "incorrect"),
    case({"type": "expression", "value": "x", "domain": "positive"}, "sqrt(x^2)", "correct"),
    case({"type": "expression", "value": "x", "domain": "positive"}, "abs(x)", "correct"),
    case({"type": "expression", "value": "ln(x^2)", "domain": "positive"}, "2ln(x)", "correct"),
    case({"type": "expression", "value": "exp(ln(x))", "domain": "positive"}, "x", "correct"),
    case({"type": "expression", "value": "1", "variables": ["n"], "domain": "integer"},
         "(-1)^(2n)", "correct"),
    case({"type": "expression", "value": "1", "variables": ["n"]}, "(-1)^(2n)", "incorrect"),
    case({"type": "expression", "value": "1", "variables": ["n"], "domain": "integer"},
         "cos(2 pi n)", "correct"),
    case({"type": "expression", "value": "1", "variables": ["n"]}, "cos(2 pi n)", "incorrect"),
    case({"type": "expression", "value": "0", "variables": ["n"], "domain": "integer"},
         "sin(pi n)", "correct"),
    case({"type": "expression", "value": "(-1)^n", "variables": ["n"], "domain": "integer"},
         "cos(pi n)", "correct"),
    case({"type": "expression", "value": "x", "domain": "integer"}, "sqrt(x^2)", "incorrect"),
    # laws of powers: (a^b)^c = a^(bc) fails over the reals at ((-1)^2)^(1/2) = 1, (-1)^1 = -1
    case({"type": "expression", "value": "a^(b c)"}, "(a^b)^c", "incorrect"),
    case({"type": "expression", "value": "x^(2n)"}, "(x^2)^n", "incorrect"),
    case({"type": "expression", "value": "a^(b c)", "domain": "positive"}, "(a^b)^c", "correct"),
    case({"type": "expression", "value": "a^(b c)", "domain": "integer"}, "(a^b)^c", "correct"),
    case({"type": "expression", "value": "x^(2n)"}, "(x^n)^2", "correct"),
    case({"type": "expression", "value": "x^(m + n)"}, "x^m x^n", "correct"),
    # (-1)^n has real values only at whole n: compared there
    case({"type": "expression", "value": "(-cos(x))^n"}, "(-1)^n cos(x)^n", "correct"),
    case({"type": "expression", "value": "(-1)^n", "variables": ["n"]}, "cos(pi n)", "correct"),
    case({"type": "expression", "value": "(-1)^n x"}, "(-1)^n x^2", "incorrect"),
    case({"type": "expression", "value": "(-1)^n", "variables": ["n"]}, "1", "incorrect"),
    case({"type": "expression", "value": "(-1)^n", "variables": ["n"]}, "(-1)^(n + 1)",
         "incorrect"),
    case({"type": "expression", "value": "sqrt(x - 3) sqrt(x - 5)"}, "sqrt((x - 3)(x - 5))",
         "incorrect"),
    case({"type": "number", "value": "-1", "domain": "complex"}, "i^2", "correct"),
    case({"type": "number", "value": "i", "domain": "complex"}, "sqrt(-1)", "correct"),
    case({"type": "number", "value": "1", "domain": "complex"}, "abs(i)", "correct"),
    case({"type": "expression", "value": "x^2+1", "domain": "complex"}, "(x+i)(x-i)", "correct"),
    case({"type": "expression", "value": "exp(i x)", "domain": "complex"}, "cos(x) + i sin(x)",
         "correct"),
    case({"type": "expression", "value": "x", "domain": "complex"}, "sqrt(x^2)", "incorrect"),
    case({"type": "expression", "value": "abs(x)", "domain": "complex"}, "sqrt(x^2)",
         "incorrect"),
    case({"type": "inequality", "value": "x > 1", "domain": "positive"}, "x^2 > 1", "correct"),
    case({"type": "inequality", "value": "x > 1"}, "x^2 > 1", "incorrect"),
]

EXACT_DECIMALS = [
    case({"type": "number", "value": "1/2"}, "0.5", "correct"),
    case({"type": "number", "value": "1/2"}, "0.50", "correct"),
    case({"type": "number", "value": "1/2"}, "5e-1", "correct"),
    case({"type": "number", "value": "1"}, "1.0", "correct"),
    case({"type": "expression", "value": "x/2"}, "0.5x", "correct"),
    case({"type": "set", "value": "{1/2}"}, "{0.5}", "correct"),
    case({"type": "inequality", "value": "x > 1"}, "x > 1.0", "correct"),
    case({"type": "inequality", "value": "x > 1"}, "x > 1.0001", "incorrect"),
    case({"type": "number", "value": "1/6"}, "0.1667", "invalid"),
    case({"type": "number", "value": "19/217"}, "0.0876", "invalid"),
    case({"type": "number", "value": "-1/6"}, "-0.1667", "invalid"),
    case({"type": "number", "value": "1/6"}, "1.667e-1", "invalid"),
    case({"type": "number", "value": "1/6"}, "0.1666", "incorrect"),
    case({"type": "number", "value": "19/217"}, "0.0875", "incorrect"),
    case({"type": "number", "value": "0.55"}, "0.6", "incorrect"),
    case({"type": "number", "value": "1/6"}, "0.16666666666666666", "incorrect"),
    case({"type": "number", "value": "1/3"}, "0.3", "incorrect"),
    case({"type": "number", "value": "1"}, "0.99999999", "incorrect"),
    case({"type": "number", "value": "0"}, "0.0000001", "incorrect"),
    case({"type": "number", "value": "1"}, "0.9999999999999999999999999", "incorrect"),
]


def run(spec: dict, response: str, expected: str) -> None:
    result = check(response, **spec)
    assert result.status == expected, result


@pytest.mark.parametrize(("spec", "response", "expected"), TYPES)
def test_answer_types(spec: dict, response: str, expected: str) -> None:
    run(spec, response, expected)


@pytest.mark.parametrize(("spec", "response", "expected"), COMPARE)
def test_compare_modes(spec: dict, response: str, expected: str) -> None:
    run(spec, response, expected)


@pytest.mark.parametrize(("spec", "response", "expected"), FORMS)
def test_forms(spec: dict, response: str, expected: str) -> None:
    run(spec, response, expected)


@pytest.mark.parametrize(("spec", "response", "expected"), TOLERANCES)
def test_tolerances(spec: dict, response: str, expected: str) -> None:
    run(spec, response, expected)


@pytest.mark.parametrize(("spec", "response", "expected"), DOMAINS)
def test_domains(spec: dict, response: str, expected: str) -> None:
    run(spec, response, expected)


@pytest.mark.parametrize(("spec", "response", "expected"), EXACT_DECIMALS)
def test_exact_decimals(spec: dict, response: str, expected: str) -> None:
    run(spec, response, expected)


# --- messages and notes -----------------------------------------------------------------------


def test_correct_says_so_and_shows_how_it_was_read() -> None:
    result = check("1 + 2x", type="expression", value="2x+1")
    assert result.status == "correct"
    assert "\\cdot" in result.latex and "x" in result.latex
    assert result.notes == []


def test_a_close_decimal_asks_for_an_exact_value() -> None:
    result = check("0.1667", type="number", value="1/6")
    assert result.status == "invalid"
    assert result.message.startswith("Close — give an exact value")


def test_a_decimal_far_from_the_answer_is_just_incorrect() -> None:
    result = check("0.3", type="number", value="1/6")
    assert result.status == "incorrect"
    assert "exact" not in result.message.lower()


def test_antiderivative_without_constant_asks_for_it() -> None:
    for response in ("x^3/3", "x^3/3 + 5"):
        result = check(response, type="expression", value="x^3/3", compare="antiderivative")
        assert result.status == "incorrect"
        assert "C" in result.message and "constant" in result.message.lower()


def test_a_dependent_basis_is_told_why() -> None:
    result = check("[1,1], [1,-1], [2,0]", type="span", value=["[1,0]", "[0,1]"],
                   compare="basis")
    assert result.status == "incorrect"
    assert "independent" in result.message.lower()


def test_matrix_shape_mismatch_says_the_shapes() -> None:
    result = check("[[1,2,0],[3,4,0]]", type="matrix", value="[[1,2],[3,4]]")
    assert result.status == "incorrect"
    assert re.search(r"2\s*(×|x|by)\s*2", result.message), result.message
    assert re.search(r"2\s*(×|x|by)\s*3", result.message), result.message


def test_vector_length_mismatch_says_the_lengths() -> None:
    result = check("[1,2,3]", type="vector", value="[1,2]")
    assert result.status == "incorrect"
    assert "2" in result.message and "3" in result.message


def test_span_in_another_space_is_told_so() -> None:
    result = check("[1,1], [1,-1]", type="span", value=["[1,0,0]", "[0,1,0]"])
    assert result.status == "incorrect"
    assert result.message != "Incorrect."


@pytest.mark.parametrize(("spec", "response", "note"), [
    ({"type": "expression", "value": "(x+1)^2", "form": "expanded"}, "(x+1)^2", "form:expanded"),
    ({"type": "expression", "value": "x^2-1", "form": "factored"}, "x^2-1", "form:factored"),
    ({"type": "number", "value": "1/2", "form": "lowest_terms"}, "2/4", "form:lowest_terms"),
    ({"type": "expression", "value": "1/x+1", "form": "single_fraction"}, "1/x + 1",
     "form:single_fraction"),
])
def test_an_equivalent_answer_in_the_wrong_form_says_which_form(spec, response, note) -> None:
    result = check(response, **spec)
    assert result.status == "incorrect"
    assert note in result.notes
    assert "equivalent" in result.message.lower()


def test_sigfigs_written_to_the_wrong_number_of_figures_says_how_many() -> None:
    result = check("3.1416", type="number", value="pi", tolerance={"sigfigs": 3})
    assert result.status == "invalid"
    assert "3" in result.message and "significant" in result.message.lower()


def test_decimals_written_to_the_wrong_number_of_places_says_how_many() -> None:
    result = check("3.142", type="number", value="pi", tolerance={"decimals": 2})
    assert result.status == "invalid"
    assert "2" in result.message and "decimal" in result.message.lower()


# --- floats: forbid, forbid: [...] ------------------------------------------------------------


@pytest.mark.parametrize("response", ["0.5", "1/2 + 0.0", "5e-1", "2.5x - 2x"])
def test_floats_forbid_makes_a_decimal_invalid(response: str) -> None:
    spec = {"type": "expression", "value": "1/2", "floats": "forbid"}
    if "x" in response:
        spec["value"] = "x/2"
    result = check(response, **spec)
    assert result.status == "invalid"
    assert "exact" in result.message.lower() or "decimal" in result.message.lower()


def test_floats_forbid_still_accepts_an_exact_answer() -> None:
    assert status("1/2", type="number", value="1/2", floats="forbid") == "correct"
    assert status("2/4", type="number", value="1/2", floats="forbid") == "correct"


@pytest.mark.parametrize(("spec", "response"), [
    ({"type": "expression", "value": "2x", "forbid": ["diff"]}, "diff(x^2, x)"),
    ({"type": "expression", "value": "x^2", "forbid": ["integrate"]}, "integrate(2x, x)"),
    ({"type": "number", "value": "2", "forbid": ["sqrt"]}, "sqrt(4)"),
    ({"type": "number", "value": "2", "forbid": ["sqrt"]}, "\\sqrt{4}"),
    ({"type": "expression", "value": "sqrt(x)", "forbid": ["sqrt"]}, "sqrt(x)"),
])
def test_forbidden_words_make_a_response_invalid(spec: dict, response: str) -> None:
    result = check(response, **spec)
    assert result.status == "invalid"
    word = spec["forbid"][0]
    assert word in result.message


def test_forbid_does_not_touch_responses_without_the_word() -> None:
    assert status("2x", type="expression", value="2x", forbid=["diff"]) == "correct"
    assert status("2", type="number", value="2", forbid=["sqrt"]) == "correct"


# --- variables --------------------------------------------------------------------------------


def test_a_variable_outside_the_spec_is_invalid_and_named() -> None:
    result = check("t > 1", type="inequality", value="x > 1", variables=["x"])
    assert result.status == "invalid"
    assert "t" in result.message


def test_declared_variables_may_appear_even_if_the_reference_lacks_them() -> None:
    assert status("x + y - y", type="expression", value="x", variables=["x", "y"]) == "correct"


def test_implicit_product_of_two_variables() -> None:
    assert status("2xy", type="expression", value="2*x*y") == "correct"


# --- choice, text, self -----------------------------------------------------------------------

OPTIONS = {"a": "A line", "b": "A plane", "c": "A point"}


def test_choice_single_key() -> None:
    assert status("a", type="choice", value="a", options=OPTIONS) == "correct"
    assert status(" a ", type="choice", value="a", options=OPTIONS) == "correct"
    assert status("b", type="choice", value="a", options=OPTIONS) == "incorrect"
    assert status("a, b", type="choice", value="a", options=OPTIONS) == "incorrect"


def test_choice_multiple_keys_in_any_order() -> None:
    spec = {"type": "choice", "value": ["a", "c"], "options": OPTIONS}
    assert status("a, c", **spec) == "correct"
    assert status("c a", **spec) == "correct"
    assert status("c;a", **spec) == "correct"
    assert status("a", **spec) == "incorrect"
    assert status("a, b, c", **spec) == "incorrect"


def test_choice_unknown_key_is_invalid_and_named() -> None:
    result = check("z", type="choice", value="a", options=OPTIONS)
    assert result.status == "invalid"
    assert "z" in result.message
    result = check("A line", type="choice", value="a", options=OPTIONS)
    assert result.status == "invalid"


def test_choice_empty_is_invalid() -> None:
    assert status("", type="choice", value="a", options=OPTIONS) == "invalid"
    assert status("  ", type="choice", value="a", options=OPTIONS) == "invalid"


@pytest.mark.parametrize("response", [
    "gradient descent", "Gradient Descent", "  GRADIENT   descent ", "gradient\tdescent",
    "Gradient descent.",
])
def test_text_ignores_case_and_spacing(response: str) -> None:
    assert status(response, type="text", value="Gradient descent") == "correct"


def test_text_wrong_and_empty() -> None:
    assert status("gradient ascent", type="text", value="Gradient descent") == "incorrect"
    assert status("gradientdescent", type="text", value="Gradient descent") == "incorrect"
    assert status("", type="text", value="Gradient descent") == "invalid"


@pytest.mark.parametrize("response", ["anything", "", "x^2"])
def test_self_is_undecided_and_self_graded(response: str) -> None:
    result = check(response, type="self")
    assert result.status == "undecided"
    assert result.notes == ["self-graded"]
    assert result.latex is None


# --- invalid responses ------------------------------------------------------------------------


@pytest.mark.parametrize("response", [
    "2x +", "2x(", "2x + 1)", "((2x + 1)", "[2x + 1)", "(2x + 1]", "2x $ 1", "sin", "*2x",
    "2x ^", "= 2x",
])
def test_syntax_errors_are_invalid(response: str) -> None:
    result = check(response, type="expression", value="2x+1")
    assert result.status == "invalid"
    assert result.latex is None
    assert result.notes == [] or "spec" not in result.notes


@pytest.mark.parametrize(("response", "name"), [
    ("2x + z", "z"), ("2x + foo(x)", "foo"), ("import os", "import"), ("exec(1)", "exec"),
    ("2x + wibble", "wibble"),
])
def test_unknown_names_are_invalid_and_named(response: str, name: str) -> None:
    result = check(response, type="expression", value="2x+1")
    assert result.status == "invalid"
    assert name in result.message


@pytest.mark.parametrize(("spec", "response", "expects"), [
    ({"type": "vector", "value": "[x, 2, 3]"}, "x", "vector"),
    ({"type": "vector", "value": "[1, 2, 3]", "variables": ["x"]}, "x", "vector"),
    ({"type": "vector", "value": "[1, 2, 3]"}, "3", "vector"),
    ({"type": "vector", "value": "[1, 2, 3]"}, "[[1],[2],[3]]", "vector"),
    ({"type": "matrix", "value": "[[1,2],[3,4]]"}, "[1, 2]", "matrix"),
    ({"type": "matrix", "value": "[[1,2],[3,4]]"}, "[[1,2],[3]]", "matrix"),
    ({"type": "matrix", "value": "[[1,2],[3,4]]"}, "5", "matrix"),
    ({"type": "set", "value": "{1,2}"}, "1, 2", "set"),
    ({"type": "set", "value": "{1,2}"}, "(1, 2)", "set"),
    ({"type": "interval", "value": "(0,1]"}, "5", "interval"),
    ({"type": "interval", "value": "(0,1)"}, "(0, 1), (2, 3)", "interval"),
    ({"type": "number", "value": "3", "variables": ["x"]}, "x", "number"),
    ({"type": "equation", "value": "y = 2x + 1"}, "2x + 1", "equation"),
    ({"type": "equation", "value": "y = 2x + 1"}, "y > 2x", "equation"),
    ({"type": "inequality", "value": "x > 1"}, "x = 1", "inequality"),
    ({"type": "span", "value": ["[1,0]", "[0,1]"]}, "5", "vector"),
    ({"type": "expression", "value": "x"}, "[1, 2]", "expression"),
])
def test_wrong_type_is_invalid_and_says_what_is_expected(spec: dict, response: str,
                                                          expects: str) -> None:
    result = check(response, **spec)
    assert result.status == "invalid"
    assert expects in result.message.lower()


def test_a_variable_for_a_constant_vector_question_is_invalid() -> None:
    result = check("x", type="vector", value="[1, 2, 3]")
    assert result.status == "invalid"
    assert "x" in result.message


@pytest.mark.parametrize("answer_type", sorted(SYMBOLIC))
@pytest.mark.parametrize("response", ["", "   ", "\n\t"])
def test_an_empty_response_is_invalid(answer_type: str, response: str) -> None:
    values = {
        "expression": "x", "number": "1", "equation": "y = x", "inequality": "x > 1",
        "set": "{1}", "interval": "(0, 1)", "tuple": "(1, 2)", "vector": "[1, 2]",
        "matrix": "[[1]]", "span": ["[1, 0]"],
    }
    result = check(response, type=answer_type, value=values[answer_type])
    assert result.status == "invalid"
    assert result.latex is None


def test_a_broken_reference_is_invalid_with_a_spec_note() -> None:
    result = check("1", type="number", value="1 +")
    assert result.status == "invalid"
    assert "spec" in result.notes


def test_a_reference_of_the_wrong_type_is_reported_as_broken() -> None:
    result = check("[1, 2]", type="vector", value="x > 1")
    assert result.status == "invalid"
    assert "spec" in result.notes
