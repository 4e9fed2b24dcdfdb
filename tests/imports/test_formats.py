"""Each format's sample file: the exercises, answers and ids that come out of it."""

from __future__ import annotations

import pytest

from app.bank import formats
from app.bank.formats import pretext, shorthand

from .conftest import LIMIT, SAMPLES, book_zip, by_id, read, sample


def test_pretext_book_with_include_macros_groups_tasks_and_webwork(pool):
    parsed = read("book.zip", book_zip(), pool)
    assert parsed.format == "pretext"
    assert parsed.title == "Active Calculus Sample"
    assert parsed.macros == {"\\R": "\\mathbb{R}", "\\vect": "\\mathbf{#1}",
                             "\\sech": "\\operatorname{sech}"}
    found = by_id(parsed)
    assert set(found) == {"ex-chain-sin", "abc", "ex-explain", "ex-parts", "ex-webwork",
                          "ex-table"}
    assert parsed.held == 6 and parsed.read_from == "main.ptx (the only <pretext> file)"
    chain = found["ex-chain-sin"]
    assert chain.answer == {"type": "expression", "value": "2x\\cos(x^2)"}
    assert chain.prompt == "Differentiate $f(x) = \\sin(x^2)$."
    assert chain.hints == ["Outer and inner function."]
    assert "$f'(x) = \\cos(x^2)\\cdot 2x$" in chain.solution
    assert chain.where.startswith("sections/chain.ptx:6 ")
    assert [t.slug for t in parsed.topics] == ["active-calc-sample-sec-chain"]
    assert parsed.topics[0].title == "The chain rule"
    group = found["abc"]
    assert group.prompt.startswith("Find the derivative of each function.\n\n$g(x) = e^{3x}$")
    assert group.answer["type"] == "expression"
    explain = found["ex-explain"]
    assert explain.self_graded and "1. $h(x) = (x+1)^2$" in explain.prompt
    assert "Because the inner derivative multiplies." in explain.solution
    tasks = found["ex-parts"]
    assert tasks.prompt == "Let $u(x) = x^3$." and tasks.legacy_ids == ["ex-parts-a", "ex-parts-b"]
    first, second = tasks.parts
    assert first["id"] == "a" and first["prompt"] == "Find $u'(x)$."
    assert first["answer"] == {"type": "expression", "value": "3x^2"}
    assert second["answer"] == {"type": "expression", "value": "6x"}  # from its solution
    assert second["solution"] == "$6x$"
    webwork = found["ex-webwork"]
    assert webwork.answer == {"type": "expression", "value": "2*x*cos(x^2)"}
    assert "\\_\\_\\_\\_" in webwork.prompt
    table = found["ex-table"].prompt
    assert "| $x$ | $f(x)$ |" in table
    assert "\\begin{aligned}a &= b \\\\ c &= d\\end{aligned}" in table


def test_pretext_folder_reads_the_same(pool, tmp_path):
    parsed = formats.read_path(SAMPLES / "book", limit=LIMIT)
    assert len(parsed.exercises) == 6


def test_moodle_question_types(pool):
    parsed = read("quiz.xml", sample("moodle.xml"), pool)
    found = by_id(parsed)
    assert found["slope-1"].answer == {"type": "number", "value": "2",
                                       "tolerance": {"absolute": 0.01}}
    assert found["slope-1"].hints == ["Differentiate first."]
    assert found["slope-1"].solution == "$2x$ at 1 is 2."
    assert found["slope-1"].topic == "quiz-derivatives"
    rule = found["name-the-rule"]
    assert rule.answer == {"type": "text", "value": "chain rule"}
    assert "script" not in rule.prompt and "alert" not in rule.prompt
    assert found["pick-the-derivative"].answer == {
        "type": "choice", "value": "b", "options": {"a": "$-\\cos x$", "b": "$\\cos x$"}}
    assert found["constant"].answer["value"] == "true"
    assert found["explain"].self_graded
    assert found["stack-chain"].answer == {"type": "expression", "value": "{{ta}}"}
    assert found["stack-chain"].params == {"ta": {"expr": "diff(sin(x^2), x)"}}
    assert "[[input" not in found["stack-chain"].prompt
    skipped = [p for p in parsed.problems if p.severity == "skipped"]
    assert len(skipped) == 2 and "description" in skipped[0].message
    assert "'ddwtos'" in skipped[1].message and "/quiz/question[10]" in skipped[1].where
    assert parsed.held == 8 and parsed.read_from == "quiz.xml"


def test_numbas_exam_parts(pool):
    parsed = read("test.exam", sample("exam.exam"), pool)
    found = by_id(parsed)
    assert found["chain-rule-a"].answer == {"type": "expression", "value": "2 x cos(x^2)"}
    assert found["chain-rule-a"].prompt == "Let $f(x) = \\sin(x^2)$.\n\nFind $f'(x)$."
    assert found["chain-rule-a"].solution == "Use the chain rule."
    assert found["chain-rule-b"].answer == {"type": "number", "value": "0"}
    assert found["chain-rule-c"].answer == {"type": "matrix", "value": "[[1, 0], [0, 1]]"}
    assert found["chain-rule-d"].answer["value"] == "a"
    assert found["chain-rule-e"].answer["value"] == ["a", "c"]
    assert found["random-slope"].answer == {"type": "expression", "value": "({{a}})"}
    assert found["random-slope"].params == {"a": {"int": [2, 9]}}
    assert found["random-slope"].prompt == "Slope of ${{a}}$x."
    assert any("'extension'" in p.message for p in parsed.problems)


def test_anki_export_is_sanitised_and_maths_converted(pool):
    parsed = read("deck.txt", sample("anki.txt"), pool)
    found = by_id(parsed)
    first = found["f7hq0"]
    assert first.prompt == "Differentiate $\\sin(x^2)$"
    assert first.answer == {"type": "expression", "value": "2x\\cos(x^2)"}
    assert first.topic == "chain-rule" and first.tags == ["chain"]
    second = found["k2lp9"]
    assert second.self_graded and second.solution.startswith("**Answer:** Because **rates")


def test_csv_with_header_row(pool):
    parsed = read("list.csv", sample("list.csv"), pool, subject=None)
    found = by_id(parsed)
    assert found["d1"].answer == {"type": "expression", "value": "2x cos(x^2)"}
    assert found["d1"].hints == ["Outer, then inner.", "Multiply."]
    assert found["d1"].subject == "calculus" and found["d1"].topic == "chain-rule"
    assert found["d2"].prompt == "Solve $x^2 = 4$ for positive x."
    assert found["d2"].answer == {"type": "number", "value": "2"}
    assert found["d3"].self_graded
    assert parsed.counts() == {"checkable": 2, "self_graded": 1, "skipped": 1}
    assert any(p.where == "list.csv:6" and "no prompt" in p.message for p in parsed.problems)


def test_shorthand_references_a_book(pool):
    parsed = read("stewart.txt", sample("stewart.txt"), pool)
    found = by_id(parsed)
    assert set(found) == {"3-4-1", "3-4-3", "3-4-5", "3-5-2"}
    assert found["3-4-1"].answer == {"type": "expression", "value": "2x cos(x^2)"}
    assert found["3-4-1"].prompt.startswith("Do exercise 1 of §3.4 in *Stewart 8e*")
    assert found["3-4-5"].self_graded and "see the book" in found["3-4-5"].solution
    assert found["3-5-2"].source == "Stewart 8e §3.5 ex 2 (page 215)"
    assert parsed.key == "stewart-8e"


def test_shorthand_ranges():
    assert shorthand.numbers("1-9 odd, 12, 2-6 even, 20-30 every 5", "x") == [
        1, 3, 5, 7, 9, 12, 2, 4, 6, 20, 25, 30]
    with pytest.raises(formats.ImportRefused, match="not a number"):
        shorthand.numbers("1-x", "list.txt:3")


def test_macros_parser():
    assert pretext.parse_macros(r"\renewcommand{\set}[1]{\{ #1 \}}") == {"\\set": "\\{ #1 \\}"}


@pytest.mark.parametrize("name, fmt", [("book.zip", "pretext"), ("quiz.xml", "moodle"),
                                       ("x.exam", "numbas"), ("a.txt", "csv"),
                                       ("l.txt", "shorthand"), ("b.yaml", "native")])
def test_detection(name, fmt):
    data = {"pretext": book_zip(), "moodle": sample("moodle.xml"), "numbas": sample("exam.exam"),
            "csv": sample("anki.txt"), "shorthand": sample("stewart.txt"),
            "native": b"subject: a\n"}[fmt]
    upload = formats.files.single(name, data, LIMIT)
    assert formats.detect(upload) == fmt


def test_a_matrix_shape_answer_is_not_the_product_of_its_sizes():
    from app.bank.formats.answers import read_one

    spec, reason = read_one({"answer": {"type": "auto", "value": "3\\times 5"}})
    assert spec is None and "shape" in reason  # self-graded: 15 must not check Correct
    assert read_one({"answer": {"type": "auto", "value": "3\\times x"}})[0] == {
        "type": "expression", "value": "3\\times x"}


def test_a_book_answer_a_learner_cannot_type_as_written_is_self_graded():
    from app.bank.formats.answers import read_one

    # ULA's "k \neq 16" reads as a reference but an inequality answer cannot be "not equal":
    # keyed, every learner's right answer would be Not read.
    spec, reason = read_one({"answer": {"type": "auto", "value": "k \\neq 16"}})
    assert spec is None and "does not check Correct" in reason
    assert read_one({"answer": {"type": "auto", "value": "2x"}})[0] == {
        "type": "expression", "value": "2x"}
