"""Exercise files: what validates, and errors that name the file and the line to fix."""

from __future__ import annotations

import pytest

from app.bank.schema import FileError, load_file, parse_text

from .samples import RULES, WriteFile


def test_a_good_file_loads(write: WriteFile) -> None:
    topic = load_file(write("calculus/rules.yaml", RULES))
    assert topic.key == "calculus/rules"
    assert [e.id for e in topic.exercises] == ["one", "two"]
    assert topic.global_id(topic.exercises[0]) == "calculus/rules/one"
    assert topic.exercises[1].params["a"].kind == "int"


def _problems(text: str) -> list[tuple[int | None, str]]:
    with pytest.raises(FileError) as caught:
        parse_text(text, "f.yaml")
    return caught.value.problems


BAD = """\
subject: calculus
topic: rules
title: Rules
exercises:
  - id: one
    prompt: p
    answer: {type: expresion, value: x}
  - id: two
    prompt: p
    answr: {type: expression, value: x}
    difficulty: 5
"""


def test_errors_carry_the_line_of_the_offending_key() -> None:
    problems = dict((message.split(":")[0], line) for line, message in _problems(BAD))
    assert problems["exercises[0].answer.type"] == 7
    assert problems["exercises[1].difficulty"] == 11
    assert problems["exercises[1].answr"] == 10  # unknown keys are errors, not ignored


PARTS = """\
subject: calculus
topic: rules
title: Rules
exercises:
  - id: one
    params: {a: {int: [2, 5]}}
    prompt: Let $f(x) = {{a}}x^2$.
    parts:
      - id: derivative
        prompt: Find $f'(x)$.
        answer: {type: expression, value: "2*{{a}}*x"}
      - id: at-one
        prompt: Evaluate $f'(1)$.
        answer: {type: number, value: "2*{{a}}"}
"""


def test_an_exercise_may_have_parts_instead_of_an_answer() -> None:
    [exercise] = parse_text(PARTS).exercises
    assert exercise.answer is None and [p.id for p in exercise.parts] == ["derivative", "at-one"]
    assert exercise.as_dict()["parts"][1]["answer"] == {"type": "number", "value": "2*{{a}}"}


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.replace("    prompt: Let", "    answer: {type: self}\n    prompt: Let"),
     "either an `answer` or `parts`, not both or neither"),
    (lambda t: t.split("    parts:")[0], "either an `answer` or `parts`, not both or neither"),
    (lambda t: t.replace("id: at-one", "id: derivative"), "part id 'derivative' is used more"),
    (lambda t: t.split("      - id: at-one")[0], "List should have at least 2 items"),
    (lambda t: t.replace("    prompt: Let", "    hints: [h]\n    prompt: Let"),
     "belong to its parts"),
])
def test_parts_are_validated(change, message: str) -> None:
    [(line, text)] = _problems(change(PARTS))
    assert message in text and line is not None


def test_a_missing_answer_is_reported_at_its_exercise() -> None:
    [(line, text)] = _problems(PARTS.split("    parts:")[0])
    assert line == 5 and text.startswith("exercises[0]:")


def test_error_message_names_file_and_line() -> None:
    with pytest.raises(FileError) as caught:
        parse_text(BAD, "calculus/rules.yaml")
    assert "calculus/rules.yaml:11: exercises[1].difficulty:" in str(caught.value)


def test_yaml_syntax_error_has_a_line() -> None:
    [(line, message)] = _problems("subject: calculus\ntopic: x\ntitle: a: b\n")
    assert line == 3 and message.startswith("not valid YAML: mapping values are not allowed")


def test_answer_spec_is_validated() -> None:
    text = BAD.replace("type: expresion, value: x", "type: choice, value: z, options: {a: A}")
    [(line, message)] = [p for p in _problems(text) if "exercises[0]" in p[1]]
    assert line == 7 and "unknown options: z" in message


@pytest.mark.parametrize(("param", "expected"), [
    ("{int: [3, 1]}", "lower bound 3 is above 1"),
    ("{int: [1, 3], choice: [1]}", "exactly one of"),
    ("{}", "exactly one of"),
    ("{nonzero: [0, 0]}", "no non-zero value"),
])
def test_bad_params(param: str, expected: str) -> None:
    text = f"""\
subject: calculus
topic: rules
title: Rules
exercises:
  - id: one
    prompt: p
    answer: {{type: expression, value: x}}
    params: {{a: {param}}}
"""
    [(line, message)] = _problems(text)
    assert line == 8 and expected in message


def test_where_without_params_is_an_error() -> None:
    text = BAD.split("  - id: two")[0].replace("expresion", "expression") + "    where: [a != b]\n"
    [(line, message)] = _problems(text)
    assert line == 5 and "no params" in message


def test_prerequisites_are_subject_slash_topic() -> None:
    text = "subject: calculus\ntopic: rules\ntitle: T\nprerequisites: [rules]\n"
    [(line, message)] = _problems(text)
    assert line == 4 and "subject/topic" in message


def test_unreadable_file(tmp_path) -> None:
    with pytest.raises(FileError, match="cannot be read"):
        load_file(tmp_path / "missing.yaml")
