"""Per-entry judgement, form slips and the automatic mistake diagnosis (DESIGN §3; issue 16
items 3 and 4, issue 15 item 1), checked in process with `engine.check_now`.

Each behaviour both ways: where it applies, and where it must not (a correct answer, an
answer that is merely different).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from app.checking.compare.diagnosis import diagnose
from app.checking.compare.engine import check_now
from app.checking.compare.result import CheckResult
from app.checking.compare.spec import AnswerSpec
from app.checking.compare.structures import Context
from app.checking.grammar.syntax import parse


def check(response: str, **spec: Any) -> CheckResult:
    return check_now(AnswerSpec(**spec), response)


# --- entries ----------------------------------------------------------------------------------


def test_a_matrix_says_which_entry_is_wrong() -> None:
    result = check("[[1, 2], [5, 4]]", type="matrix", value="[[1, 2], [3, 4]]")
    assert result.status == "incorrect"
    assert result.entries == {"wrong": [[2, 1]], "right": 3, "of": 4}
    assert result.message == "3 of 4 entries right: entry (2,1) is wrong."


def test_a_vector_says_which_entries_are_wrong() -> None:
    result = check("[1, 0, 0]", type="vector", value="[1, 2, 3]")
    assert result.entries == {"wrong": [[2], [3]], "right": 1, "of": 3}
    assert result.message == "1 of 3 entries right: entries 2 and 3 are wrong."


def test_a_tuple_is_judged_entry_by_entry() -> None:
    result = check("(1, 3)", type="tuple", value="(1, 2)")
    assert result.entries == {"wrong": [[2]], "right": 1, "of": 2}


def test_a_set_counts_elements_and_names_the_stray_one() -> None:
    result = check("{1, 2, 5}", type="set", value="{1, 2, 3}")
    assert result.status == "incorrect"
    assert result.entries == {"wrong": [[3]], "right": 2, "of": 3}
    assert result.message.startswith("2 of 3 elements right")
    assert "element 3" in result.message


def test_a_set_with_an_element_missing_says_so() -> None:
    result = check("{2, 1}", type="set", value="{1, 2, 3}")
    assert result.entries == {"wrong": [], "right": 2, "of": 3}
    assert result.message == "2 of 3 elements right: 1 is missing."


def test_a_list_in_any_order_is_judged_element_by_element() -> None:
    spec = {"type": "vector", "value": "[1, 2, 3]", "compare": "unordered"}
    assert check("[3, 1, 2]", **spec).status == "correct"
    result = check("[3, 1, 1]", **spec)
    assert result.entries == {"wrong": [[3]], "right": 2, "of": 3}


def test_a_list_of_equations_is_judged_element_by_element() -> None:
    result = check("x = 1, y = 3", type="equation", value="x = 1, y = 2")
    assert result.status == "incorrect"
    assert result.entries == {"wrong": [[2]], "right": 1, "of": 2}


@pytest.mark.parametrize(("spec", "response"), [
    ({"type": "matrix", "value": "[[1, 2], [3, 4]]"}, "[[1, 2], [3, 4]]"),
    ({"type": "vector", "value": "[1, 2]"}, "[1, 2]"),
    ({"type": "set", "value": "{1, 2}"}, "{2, 1, 1}"),
    ({"type": "expression", "value": "2x"}, "3x"),
    ({"type": "matrix", "value": "[[1, 2], [3, 4]]"}, "[[1, 2, 0], [3, 4, 0]]"),
    ({"type": "vector", "value": "[1, 2]"}, "[1, 2, 3]"),
])
def test_no_entries_where_they_do_not_apply(spec: dict, response: str) -> None:
    """Correct answers, scalars and answers of the wrong shape (the message says the shape)."""
    assert check(response, **spec).entries is None


def test_a_set_with_a_repeated_reference_value_is_right_when_given_once() -> None:
    assert check("{2}", type="set", value="{2, 4/2}").status == "correct"


# --- tolerances apply to each entry -----------------------------------------------------------


@pytest.mark.parametrize(("tolerance", "response", "status"), [
    ({"decimals": 2}, "(3.14, 2.72)", "correct"),
    ({"decimals": 2}, "(3.14, 2.71)", "incorrect"),
    ({"decimals": 2}, "(3.14, 2.7)", "invalid"),
    ({"decimals": 2}, "(3.14, 2.718)", "invalid"),
    ({"decimals": 2}, "(3.1, 2.8)", "incorrect"),
    ({"sigfigs": 3}, "(3.14, 2.72)", "correct"),
    ({"sigfigs": 3}, "(3.14, 2.7183)", "invalid"),
    ({"sigfigs": 3}, "(3.14, 2.71)", "incorrect"),
    ({"sigfigs": 2}, "(3.1, 2.7)", "correct"),
])
def test_digit_tolerances_apply_to_each_entry(tolerance: dict, response: str, status: str
                                              ) -> None:
    result = check(response, type="tuple", value="(pi, e)", tolerance=tolerance)
    assert result.status == status, result


def test_each_entry_keeps_its_own_digits_in_a_matrix() -> None:
    spec = {"type": "matrix", "value": "[[1/3, 1200], [-2/3, 5/2]]", "tolerance": {"sigfigs": 3}}
    assert check("[[0.333, 1200], [-0.667, 2.50]]", **spec).status == "correct"
    result = check("[[0.333, 1200], [-0.667, 2.5]]", **spec)
    assert result.status == "invalid"
    assert "3 significant figures" in result.message and "(2,2)" in result.message
    assert result.entries == {"wrong": [[2, 2]], "right": 3, "of": 4}


def test_a_relative_tolerance_is_judged_per_entry_too() -> None:
    result = check("[0.33, 0.9]", type="vector", value="[1/3, 2/3]",
                   tolerance={"relative": 0.02})
    assert result.status == "incorrect"
    assert result.entries == {"wrong": [[2]], "right": 1, "of": 2}


# --- form slips: Not read ---------------------------------------------------------------------


@pytest.mark.parametrize(("value", "response", "status"), [
    ("1/2", "0.5", "correct"),  # names the reference exactly
    ("3/8", "0.375", "correct"),
    ("1/6", "0.1667", "invalid"),  # the reference rounded to the digits typed
    ("19/217", "0.0876", "invalid"),
    ("1/3", "0.33", "invalid"),
    ("sqrt(2)", "1.414", "invalid"),
    ("pi", "3.1416", "invalid"),
    ("1/6", "0.1666", "incorrect"),  # truncated, not rounded
    ("19/217", "0.0875", "incorrect"),
    ("1/6", "0.17777", "incorrect"),
    ("1/3", "0.3", "incorrect"),  # one figure is too coarse to call close
    ("0.55", "0.6", "incorrect"),
    ("1/6", "6", "incorrect"),  # not a decimal at all
])
def test_a_decimal_for_an_exact_answer(value: str, response: str, status: str) -> None:
    result = check(response, type="number", value=value)
    assert result.status == status, result
    if status == "invalid":
        assert result.message.startswith("Close — give an exact value")


def test_rounded_decimals_in_a_vector_are_not_read_and_say_where() -> None:
    result = check("[0.333, 2/3]", type="vector", value="[1/3, 2/3]")
    assert result.status == "invalid"
    assert "exact value" in result.message and "entry 1" in result.message
    assert check("[0.333, 0.5]", type="vector", value="[1/3, 2/3]").status == "incorrect"


@pytest.mark.parametrize(("tolerance", "response", "status", "words"), [
    ({"decimals": 2}, "3.14", "correct", ""),
    ({"decimals": 2}, "3.142", "invalid", "2 decimal places"),
    ({"decimals": 2}, "3.1", "invalid", "2 decimal places"),
    ({"decimals": 2}, "pi", "invalid", "2 decimal places"),
    ({"decimals": 2}, "3.15", "incorrect", ""),
    ({"decimals": 2}, "3.143", "incorrect", ""),
    ({"sigfigs": 3}, "3.14", "correct", ""),
    ({"sigfigs": 3}, "3.1416", "invalid", "3 significant figures"),
    ({"sigfigs": 3}, "3.1", "invalid", "3 significant figures"),
    ({"sigfigs": 3}, "3.2", "incorrect", ""),
    ({"sigfigs": 3}, "3.140", "incorrect", ""),
])
def test_the_wrong_count_of_digits(tolerance: dict, response: str, status: str,
                                   words: str) -> None:
    result = check(response, type="number", value="pi", tolerance=tolerance)
    assert result.status == status, result
    assert words in result.message


# --- diagnosis --------------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "response", "code", "words"), [
    ({"type": "expression", "value": "2x cos(x^2)"}, "-2x cos(x^2)", "sign", "negative"),
    ({"type": "number", "value": "7/4"}, "-7/4", "sign", "negative"),
    ({"type": "expression", "value": "x/2"}, "x", "factor", "twice"),
    ({"type": "expression", "value": "2x"}, "x", "factor", "half"),
    ({"type": "number", "value": "pi/2"}, "1/2", "factor", "divided by π"),
    ({"type": "number", "value": "1/2"}, "pi/2", "factor", "π times"),
    ({"type": "number", "value": "1/6"}, "6", "reciprocal", "reciprocal"),
    ({"type": "expression", "value": "1/(x+1)"}, "x + 1", "reciprocal", "reciprocal"),
    ({"type": "expression", "value": "x^2 + 3x"}, "x^2 + 3x + 1", "constant", "constant"),
    ({"type": "expression", "value": "sin(x) + 1"}, "sin(x)", "constant", "constant"),
    ({"type": "expression", "value": "2x cos(x^2)"}, "cos(x^2)", "missing_factor", "factor"),
    ({"type": "expression", "value": "3 e^(3x)"}, "e^(3x)", "missing_factor", "factor"),
    # the factor left out (ln x) has no real value at half the probes
    ({"type": "expression", "value": "2x ln(x)"}, "2x", "missing_factor", "factor"),
    ({"type": "expression", "value": "3x^2"}, "3x^3", "exponent", "exponent"),
    ({"type": "expression", "value": "4(2x + 9)^3"}, "4(2x + 9)^4", "exponent", "exponent"),
    ({"type": "expression", "value": "1/x"}, "1/x^2", "exponent", "exponent"),
    ({"type": "vector", "value": "[1, -2, 3]"}, "[-1, 2, -3]", "sign", "negative"),
    ({"type": "vector", "value": "[1, 2]"}, "[2, 4]", "factor", "twice"),
    ({"type": "matrix", "value": "[[1, 2], [3, 4]]"}, "[[1, 3], [2, 4]]", "transpose",
     "transpose"),
    ({"type": "matrix", "value": "[[1, 2, 3], [4, 5, 6]]"}, "[[1, 4], [2, 5], [3, 6]]",
     "transpose", "transpose"),
    ({"type": "matrix", "value": "[[1, 2], [3, 4]]"}, "[[-1, -2], [-3, -4]]", "sign",
     "negative"),
    ({"type": "number", "value": "pi", "tolerance": {"sigfigs": 3}}, "-3.14", "sign",
     "negative"),
])
def test_a_recognised_mistake_is_diagnosed(spec: dict, response: str, code: str,
                                           words: str) -> None:
    result = check(response, **spec)
    assert result.status == "incorrect"
    assert result.diagnosis is not None, result
    assert result.diagnosis["code"] == code
    assert words in result.diagnosis["message"]


def test_the_sign_message_is_plain() -> None:
    result = check("-2x", type="expression", value="2x")
    assert result.diagnosis == {"code": "sign",
                                "message": "Your answer is the negative of a correct one."}


@pytest.mark.parametrize(("spec", "response"), [
    # correct answers are never diagnosed
    ({"type": "expression", "value": "2x cos(x^2)"}, "2x cos(x^2)"),
    ({"type": "number", "value": "0"}, "-0"),
    ({"type": "matrix", "value": "[[1, 2], [2, 1]]"}, "[[1, 2], [2, 1]]"),
    # nor an equivalent answer in the wrong form, nor a slip of form
    ({"type": "expression", "value": "0", "form": "expanded"}, "x(1 - 1)"),
    ({"type": "expression", "value": "x^2 - 1", "form": "factored"}, "x^2 - 1"),
    ({"type": "number", "value": "-1/6"}, "-0.1667"),
    # answers merely different
    ({"type": "expression", "value": "x^2 + 3x"}, "x^2 + 4x"),
    ({"type": "expression", "value": "2x cos(x^2)"}, "sin(x^2)"),
    ({"type": "expression", "value": "x^3/3"}, "x^2"),
    ({"type": "number", "value": "6"}, "7"),
    ({"type": "number", "value": "0"}, "1"),
    ({"type": "vector", "value": "[1, 2, 3]"}, "[1, 2, 4]"),
    ({"type": "matrix", "value": "[[1, 2], [3, 4]]"}, "[[1, 2], [3, 5]]"),
    ({"type": "matrix", "value": "[[1, 2], [2, 1]]"}, "[[2, 1], [1, 2]]"),
    # the numbers of a constant shift are not told apart from any other wrong number
    ({"type": "number", "value": "5"}, "6"),
    # comparisons and types the diagnosis does not cover
    ({"type": "expression", "value": "x^3/3", "compare": "antiderivative"}, "-x^3/3 + C"),
    ({"type": "set", "value": "{1, 2}"}, "{-1, -2}"),
    ({"type": "tuple", "value": "(1, 2)"}, "(-1, -2)"),
    ({"type": "vector", "value": "[x > 1, 2]"}, "[x > 1, -2]"),  # a condition among entries
    ({"type": "matrix", "value": "[[x > 1, 2], [3, 4]]"}, "[[x > 1, -2], [-3, -4]]"),
])
def test_no_diagnosis_for_correct_or_merely_different_answers(spec: dict, response: str
                                                               ) -> None:
    assert check(response, **spec).diagnosis is None


# --- the JSON contract ------------------------------------------------------------------------


def test_the_new_keys_are_in_the_json_only_where_they_apply() -> None:
    plain = check("3x", type="expression", value="2x").to_json()
    assert set(plain) == {"status", "message", "latex", "notes", "elapsed_ms"}
    both = check("[[1, 3], [2, 4]]", type="matrix", value="[[1, 2], [3, 4]]").to_json()
    assert both["entries"] == {"wrong": [[1, 2], [2, 1]], "right": 2, "of": 4}
    assert both["diagnosis"]["code"] == "transpose"
    assert set(both) == {"status", "message", "latex", "notes", "elapsed_ms", "entries",
                         "diagnosis"}


def test_a_timed_result_keeps_its_entries_and_diagnosis() -> None:
    result = check("[-1, -2]", type="vector", value="[1, 2]")
    timed = result.timed(3.5)
    assert timed.elapsed_ms == 3.5
    assert timed.entries == result.entries and timed.diagnosis == result.diagnosis


def test_a_check_that_is_already_slow_gets_no_diagnosis() -> None:
    """The diagnosis must not push a slow check past the pool's limit (it would turn an
    incorrect verdict into an undecided one): late in a check, no candidate is tried."""
    spec = AnswerSpec(type="expression", value="2x")
    ref, resp = parse("2x").value, parse("-2x").value
    assert diagnose(spec, ref, resp, Context(), time.monotonic()).code == "sign"
    assert diagnose(spec, ref, resp, Context(), time.monotonic() - 60) is None
