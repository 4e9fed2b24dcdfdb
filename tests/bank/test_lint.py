"""The linter catches what an author must fix, and the curated bank passes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bank.lint import lint

from .samples import CHAIN, RULES, STEPS, WriteFile

BANK = Path(__file__).resolve().parents[2] / "exercises"


def _messages(paths: list[Path], **kwargs) -> list[str]:
    return [str(p) for p in lint(paths, seeds=5, **kwargs).problems]


def test_good_files_pass(write: WriteFile) -> None:
    write("calculus/rules.yaml", RULES)
    report = lint([write("calculus/chain.yaml", CHAIN).parent], seeds=5, strict=True)
    assert report.ok, [str(p) for p in report.problems]
    assert (report.files, report.exercises, report.parameterised) == (2, 3, 1)
    assert report.by_type["expression"] == 3


def test_a_wrong_reference_is_caught(write: WriteFile) -> None:
    path = write("calculus/rules.yaml", RULES.replace('value: "3*x^2"', 'value: "3*x^2 +"'))
    [message] = _messages([path])
    assert message.startswith(f"{path}:11: calculus/rules/one: seed 0: the reference answer "
                              "cannot be read: the answer ends too early")


def test_a_wrong_value_that_checks_correct_is_caught(write: WriteFile) -> None:
    path = write("calculus/rules.yaml", RULES.replace('{value: "x^2",', '{value: "x^2*3",'))
    [message] = _messages([path])
    assert ":12: calculus/rules/one:" in message and "should check incorrect" in message


def test_a_parameterised_wrong_value_is_checked_per_seed(write: WriteFile) -> None:
    path = write("calculus/rules.yaml", RULES.replace('{value: "2*x",', '{value: "{{a}}*2*x",'))
    [message] = _messages([path])
    assert "calculus/rules/two: seed " in message


def test_duplicate_id_is_caught(write: WriteFile) -> None:
    path = write("calculus/rules.yaml", RULES.replace("id: two", "id: one"))
    assert any("exercise id 'one' is used 2 times" in m for m in _messages([path]))


def test_missing_prerequisite_is_caught(write: WriteFile) -> None:
    path = write("calculus/chain.yaml", CHAIN)
    [message] = _messages([path])
    assert "prerequisite calculus/rules names no topic" in message


def test_a_prerequisite_next_to_the_file_counts(write: WriteFile) -> None:
    write("calculus/rules.yaml", RULES)
    assert _messages([write("calculus/chain.yaml", CHAIN)]) == []


def test_schema_errors_are_reported_with_lines(write: WriteFile) -> None:
    path = write("calculus/rules.yaml", RULES.replace("difficulty: 1", "difficulty: 4"))
    [message] = _messages([path])
    assert message.startswith(f"{path}:15: exercises[0].difficulty")


def test_identical_variants_are_caught(write: WriteFile) -> None:
    path = write("calculus/rules.yaml", RULES.replace("{int: [2, 9]}", "{int: [2, 2]}"))
    assert any("all 5 variants are identical" in m for m in _messages([path]))


def test_impossible_where_is_caught(write: WriteFile) -> None:
    text = RULES.replace("params: {a: {int: [2, 9]}}", "params: {a: {int: [2, 9]}}\n"
                         "    where: [a > 10]")
    [message] = _messages([write("calculus/rules.yaml", text)])
    assert "no parameter values satisfied" in message


def test_theory_and_examples_are_required(write: WriteFile) -> None:
    text = RULES.split("theory:")[0] + "exercises: []\n"
    messages = _messages([write("calculus/rules.yaml", text)])
    assert any("theory note" in m for m in messages)
    assert any("worked example" in m for m in messages)


def test_missing_hints_are_warnings_unless_strict(write: WriteFile) -> None:
    path = write("calculus/rules.yaml", RULES.replace("    hints: [Power rule.]\n", ""))
    assert lint([path], seeds=2).ok
    strict = lint([path], seeds=2, strict=True)
    assert not strict.ok and "no hint" in str(strict.errors[0])


def test_lint_runs_through_a_pool_runner(write: WriteFile) -> None:
    from app.checking.pool import CheckerPool

    path = write("calculus/rules.yaml", RULES.replace('{value: "x^2",', '{value: "3*x^2",'))
    with CheckerPool(workers=2, timeout=10, cache_size=0) as pool:
        report = lint([path], seeds=3, runner=pool.run)
    assert [("should check incorrect" in str(p)) for p in report.problems] == [True]


@pytest.mark.slow
def test_the_curated_bank_passes() -> None:
    """A few seeds here; .ci/run lints every parameterised exercise at 50 seeds."""
    report = lint([BANK], seeds=5, strict=True)
    assert report.ok, "\n".join(str(p) for p in report.errors)


@pytest.mark.slow
def test_the_curated_bank_is_big_and_varied_enough() -> None:
    report = lint([BANK], seeds=1)
    targets = {"calculus": 160, "linear-algebra": 160, "probability": 140, "bayesian": 140,
               "papers": 80}
    assert set(report.by_subject) == set(targets)
    assert all(report.by_subject[s] >= n for s, n in targets.items()), report.by_subject
    for subject in report.by_subject:
        topics = sum(1 for t in report.by_topic if t.startswith(subject + "/"))
        assert topics >= (5 if subject == "papers" else 12), (subject, topics)
    assert report.parameterised / report.exercises >= 0.4
    assert len(report.by_type) >= 8


def test_a_latex_command_katex_lacks_is_caught(write: WriteFile) -> None:
    text = RULES.replace("prompt: Differentiate", "prompt: \\\\newline\\tr A. Differentiate", 1)
    path = write("calculus/rules.yaml", text)
    messages = [m for m in _messages([path]) if "KaTeX" in m]
    assert len(messages) == 1 and "KaTeX does not support \\tr" in messages[0]
    assert messages[0].startswith(f"{path}:")


def test_katex_commands_come_from_the_vendored_katex() -> None:
    from app.bank.lint import katex_commands

    commands = katex_commands()
    assert {"frac", "sqrt", "operatorname", "mathbb", "begin", "top"} <= commands
    assert "tr" not in commands and "foo" not in commands


def test_a_parameter_named_like_a_constant_is_caught(write: WriteFile) -> None:
    path = write("calculus/rules.yaml", RULES.replace("params: {a:", "params: {pi:"))
    assert any("parameter name 'pi' is reserved" in m for m in _messages([path]))


def test_wrong_values_that_coincide_are_caught(write: WriteFile) -> None:
    wrongs = '[{value: "x^2", feedback: "Bring the exponent down."}, ' \
             '{value: "x*x", feedback: "Again."}]'
    text = RULES.replace('[{value: "x^2", feedback: "Bring the exponent down."}]', wrongs)
    [message] = _messages([write("calculus/rules.yaml", text)])
    assert "'x*x' is the same answer as wrong value 0 ('x^2')" in message


@pytest.mark.parametrize("glued", ["{{a}}{{a}}", "2{{a}}", "{{a}}2"])
def test_placeholders_side_by_side_are_refused(write: WriteFile, glued: str) -> None:
    text = RULES.replace("Differentiate ${{a}}x^2$.", f"Differentiate ${glued}x^2$.")
    messages = _messages([write("calculus/rules.yaml", text)])
    assert any(f"placeholders side by side ({glued})" in m for m in messages)


@pytest.mark.parametrize(("shown", "what"), [
    ("$f = 1x^2$", "a coefficient of 1 or -1"),
    ("$e^{-1x^2}$", "a coefficient of 1 or -1"),
    ("$5 + -2$", "'+ -'"),
    ("$3 - -2$", "'- -'"),
    ("$5 \\\\pm -2$", "'± -'"),
    ("$-2 \\\\cdot -15$", "a negative factor after"),
    ("the eigenvalue $6 + 2$", "a sum of numbers left unevaluated"),
    ("$f = (2 + 5)x^2$", "a coefficient left as a sum"),
])
def test_clumsy_display_in_a_prompt_is_caught(write: WriteFile, shown: str, what: str) -> None:
    text = RULES.replace("prompt: Differentiate $x^3$.", f'prompt: "Differentiate {shown}."')
    messages = _messages([write("calculus/rules.yaml", text)])
    assert any(what in m for m in messages), messages


@pytest.mark.parametrize("shown", ["$x_1 + 10x$", "$1 - p$", "$2 \\\\cdot 1$", "$(x - 1)$",
                                   "$\\\\frac{1}{x}$", "$0.1x$", "$x^{-1}$"])
def test_ordinary_maths_is_not_flagged(write: WriteFile, shown: str) -> None:
    text = RULES.replace("prompt: Differentiate $x^3$.", f'prompt: "Differentiate {shown}."')
    assert _messages([write("calculus/rules.yaml", text)]) == []


def test_a_worked_solution_may_show_a_substitution(write: WriteFile) -> None:
    text = RULES.replace("solution: $3x^2$.", "solution: $3x^2 = (2 + 1)x^2$.")
    assert _messages([write("calculus/rules.yaml", text)]) == []


def test_lint_in_worker_processes_finds_the_same(write: WriteFile) -> None:
    path = write("calculus/rules.yaml", RULES.replace('{value: "2*x",', '{value: "{{a}}*2*x",'))
    assert _messages([path], jobs=2) == _messages([path])


def test_a_multi_part_exercise_is_linted_part_by_part(write: WriteFile) -> None:
    report = lint([write("calculus/steps.yaml", STEPS)], seeds=5, strict=True)
    assert report.ok, [str(p) for p in report.problems]
    assert (report.exercises, report.multipart, report.by_type["number"]) == (1, 1, 1)
    assert "1 multi-part" in report.summary()


def test_a_part_whose_mistake_checks_correct_is_caught_at_its_line(write: WriteFile) -> None:
    path = write("calculus/steps.yaml", STEPS.replace('{value: "{{a}}",', '{value: "{{a}}*2",'))
    [message] = _messages([path])
    assert f"{path}:21: calculus/steps/slope: seed " in message
    assert "should check incorrect" in message


def test_a_part_without_a_hint_is_a_warning(write: WriteFile) -> None:
    path = write("calculus/steps.yaml", STEPS.replace("        hints: [Power rule.]\n", ""))
    assert lint([path], seeds=5).ok
    [problem] = lint([path], seeds=5, strict=True).errors
    assert problem.line == 12 and "no hint" in problem.message
