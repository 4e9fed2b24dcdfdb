"""The snippets lists show for an exercise: one line, maths kept whole, variants filled."""

from __future__ import annotations

from app.bank.snippets import filled_snippets, snippet, unfilled_snippet


def test_a_short_prompt_is_its_own_snippet_on_one_line():
    assert snippet("Differentiate\n  $x^2$.") == "Differentiate $x^2$."


def test_a_long_prompt_is_cut_between_words_never_inside_maths():
    prompt = "Let $A = \\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}$ and find " + "words " * 30
    cut = snippet(prompt)
    assert cut.endswith("…") and len(cut) <= 91
    assert cut.count("$") == 2  # the formula is whole
    formula_last = "Some words first and then $" + "x + " * 40 + "y$."
    assert snippet(formula_last) == "Some words first and then…"


def test_a_formula_too_long_to_fit_is_kept_whole_when_it_comes_first():
    long = "$" + "x + " * 40 + "y$ is what?"
    assert snippet(long) == "$" + "x + " * 40 + "y$…"


def test_markdown_emphasis_and_ticks_are_left_out_but_maths_is_untouched():
    assert snippet("**Find** `f` with $a_1 * b_2$.") == "Find f with $a_1 * b_2$."


def test_templates_show_their_names_without_a_variant():
    assert unfilled_snippet("Differentiate $f(x) = {{a}} x$.") == "Differentiate $f(x) = a x$."


def test_a_batch_fills_each_items_variant_and_survives_a_broken_one():
    linear = {"id": "s/t/linear", "prompt": "Differentiate $f(x) = {{a}} x$.",
              "answer": {"type": "expression", "value": "{{a}}"},
              "params": {"a": {"int": [7, 7]}}, "where": []}
    broken = {**linear, "id": "s/t/broken", "where": ["a > 100"]}  # never holds
    assert filled_snippets([(linear, 1), (broken, 1)]) == [
        "Differentiate $f(x) = 7 x$.", "Differentiate $f(x) = a x$."]
