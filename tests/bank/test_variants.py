"""Variants: a pure function of (exercise, seed), with templates that survive LaTeX braces."""

from __future__ import annotations

import pytest

from app.bank.variants import VariantError, learner_text, make_variant
from app.checking.grammar.syntax import parse

EXERCISE = {
    "id": "calculus/chain-rule/chain-rule-02",
    "params": {"a": {"int": [2, 9]}, "n": {"choice": [2, 3, 4]}},
    "prompt": r"Differentiate $\sin({{a}} x^{ {{n}} })$.",
    "answer": {"type": "expression", "value": "diff(sin({{a}}*x^{{n}}), x)"},
    "wrong": [{"value": "cos({{a}}*x^{{n}})", "feedback": "Inner derivative of ${{a}}x^{{{n}}}$."}],
    "hints": ["Outer $\\sin u$, inner $u = {{a}}x^{ {{n}} }$."],
    "solution": "Multiply by ${{a}} \\cdot {{n}} x^{ {{n}} - 1}$.",
}


def test_same_seed_same_variant() -> None:
    assert make_variant(EXERCISE, 7) == make_variant(EXERCISE, 7)


def test_seeds_give_different_variants() -> None:
    prompts = {make_variant(EXERCISE, seed).prompt for seed in range(20)}
    assert len(prompts) > 5


def test_the_exercise_id_is_mixed_into_the_draw() -> None:
    other = EXERCISE | {"id": "calculus/chain-rule/other"}
    assert [make_variant(EXERCISE, s).values for s in range(10)] != [
        make_variant(other, s).values for s in range(10)]


def test_substitution_everywhere_with_latex_braces() -> None:
    v = make_variant(EXERCISE, 3)
    a, n = v.values["a"], v.values["n"]
    assert v.prompt == rf"Differentiate $\sin({a} x^{{ {n} }})$."
    assert v.answer == {"type": "expression", "value": f"diff(sin({a}*x^{n}), x)"}
    assert v.wrong == [{"value": f"cos({a}*x^{n})",
                        "feedback": f"Inner derivative of ${a}x^{{{n}}}$."}]
    assert v.hints == [f"Outer $\\sin u$, inner $u = {a}x^{{ {n} }}$."]
    assert v.solution == f"Multiply by ${a} \\cdot {n} x^{{ {n} - 1}}$."
    assert "{{" not in v.prompt + v.solution + "".join(v.hints)


def test_reference_is_computed_for_display() -> None:
    v = make_variant(EXERCISE, 3)
    a, n = int(v.values["a"]), int(v.values["n"])
    assert v.answer_text is not None and "diff" not in v.answer_text
    expected = parse(f"{a * n}*x^{n - 1}*cos({a}*x^{n})").value.doit()
    assert (parse(v.answer_text).value.doit() - expected).simplify() == 0
    assert v.answer_latex and "cos" in v.answer_latex


def test_where_constraints_are_respected() -> None:
    exercise = {
        "id": "x", "prompt": "{{a}} {{b}}", "answer": {"type": "number", "value": "{{a}}"},
        "params": {"a": {"int": [1, 3]}, "b": {"int": [1, 3]}, "s": {"expr": "a + b"}},
        "where": ["a != b", "s >= 4"],
    }
    for seed in range(50):
        values = make_variant(exercise, seed).values
        a, b = int(values["a"]), int(values["b"])
        assert a != b and a + b >= 4 and values["s"] == str(a + b)


def test_unsatisfiable_where_fails_after_bounded_tries() -> None:
    exercise = {"id": "x", "prompt": "p", "answer": {"type": "number", "value": "{{a}}"},
                "params": {"a": {"int": [1, 3]}}, "where": ["a > 5"]}
    with pytest.raises(VariantError, match="50 tries"):
        make_variant(exercise, 1)


def test_derived_params_use_author_mode() -> None:
    exercise = {"id": "x", "prompt": "$\\det = {{d}}$, $A^{-1} = {{inv}}$",
                "answer": {"type": "matrix", "value": "{{inv}}"},
                "params": {"a": {"int": [2, 5]},
                           "d": {"expr": "det([[{{a}}, 1], [1, 1]])"},
                           "inv": {"expr": "inverse([[{{a}}, 1], [1, 1]])"}}}
    v = make_variant(exercise, 0)
    a = int(v.values["a"])
    assert v.values["d"] == str(a - 1)
    assert "pmatrix" in v.prompt
    assert v.answer["value"].startswith("([[")  # learner syntax, bracketed


def test_values_are_bracketed_where_the_grammar_reads_them() -> None:
    exercise = {"id": "x", "prompt": "$x^{{p}}$", "params": {"p": {"rational": [0, 1]}},
                "answer": {"type": "expression", "value": "x^{{p}}"}, "where": ["0 < p < 1"]}
    v = make_variant(exercise, 0)
    assert v.answer["value"] == f"x^({v.values['p']})"
    assert "\\frac" in v.prompt


def test_nonzero_and_choice_texts() -> None:
    exercise = {"id": "x", "prompt": "{{k}} {{word}}", "answer": {"type": "self"},
                "params": {"k": {"nonzero": [-1, 1]}, "word": {"choice": ["heads?"]}}}
    for seed in range(10):
        v = make_variant(exercise, seed)
        assert v.values["k"] in {"-1", "1"} and v.prompt.endswith("heads?")


def test_choice_options_are_filled() -> None:
    exercise = {"id": "x", "prompt": "p", "params": {"a": {"int": [2, 2]}},
                "answer": {"type": "choice", "value": "b", "options": {"a": "${{a}}$", "b": "no"}}}
    v = make_variant(exercise, 0)
    assert v.answer == {"type": "choice", "value": "b", "options": {"a": "$2$", "b": "no"}}


def test_unknown_template_name_is_an_error() -> None:
    exercise = {"id": "x", "prompt": "{{b}}", "answer": {"type": "self"},
                "params": {"a": {"int": [1, 2]}}}
    with pytest.raises(VariantError, match="names no parameter"):
        make_variant(exercise, 0)


def test_bad_expression_is_a_variant_error() -> None:
    exercise = {"id": "x", "prompt": "p", "answer": {"type": "self"},
                "params": {"a": {"expr": "((("}}}
    with pytest.raises(VariantError, match="parameter a"):
        make_variant(exercise, 0)


def test_plain_exercise_comes_back_unchanged() -> None:
    exercise = {"id": "x", "prompt": "Find $x^{2}$ {{not a template}}",
                "answer": {"type": "expression", "value": "2*x"},
                "hints": ["h"], "solution": "s", "wrong": [{"value": "x", "feedback": "f"}]}
    v = make_variant(exercise, 123)
    assert (v.prompt, v.answer, v.hints, v.solution, v.wrong) == (
        exercise["prompt"], exercise["answer"], ["h"], "s", exercise["wrong"])
    assert v.values == {} and v.answer_text == "2*x"


def test_learner_text_round_trips() -> None:
    for text in ["y = 2*x + 1", "{1, 2}", "(0, 1] U [2, oo)", "[[1, 2], [3, 4]]", "[1, 2, 3]"]:
        node = parse(text).value
        assert parse(learner_text(node)).value == node


def test_make_variant_runs_in_the_pool() -> None:
    from app.checking.pool import CheckerPool

    with CheckerPool(workers=2, timeout=10) as pool:
        assert pool.run(make_variant, EXERCISE, 5) == make_variant(EXERCISE, 5)


def test_decimal_choices_are_shown_as_written_and_read_exactly() -> None:
    exercise = {"id": "x", "prompt": "p = {{p}}", "params": {"p": {"choice": [0.25, "0.5"]}},
                "answer": {"type": "number", "value": "1 - {{p}}"}}
    shown = {make_variant(exercise, seed).prompt for seed in range(20)}
    assert shown == {"p = 0.25", "p = 0.5"}
    assert make_variant(exercise, 0).answer_text in {"3/4", "1/2"}
