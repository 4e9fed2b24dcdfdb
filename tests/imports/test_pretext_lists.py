"""PreTeXt exercises whose statement and answer are parallel `<ol>` lists become parts, each
checked on its own (pretext_lists.py); on the shared books, how many exercises gain parts."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bank import formats, importing
from app.checking.compare.spec import AnswerSpec

from .conftest import LIMIT, by_id, markup_audit, read

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "pretext"

BOOK = b"""<?xml version="1.0" encoding="UTF-8"?>
<pretext><book xml:id="lists"><title>Lists</title>
<chapter xml:id="ch"><title>One</title><section xml:id="sec"><title>Sums</title>
<exercises>
<exercise xml:id="in-p">
  <statement><p>Compute, with <m>a = 2</m>: <ol>
    <li><m>a + 1</m></li>
    <li><p>the square of <m>a</m>.</p></li>
    <li>Is it even?</li>
  </ol> Use exact values.</p></statement>
  <answer><ol>
    <li><m>3</m></li>
    <li><p><m>4</m>.</p></li>
    <li><p>Yes, it is.</p></li>
  </ol></answer>
  <hint><p>Add.</p></hint>
</exercise>
<exercise xml:id="direct">
  <statement><p>Differentiate.</p><ol>
    <li><m>x^2</m></li><li><m>x^3</m></li>
  </ol></statement>
  <answer><ol><li><m>2x</m></li><li><m>3x^2</m></li></ol></answer>
</exercise>
<exercise xml:id="uneven">
  <statement><ol><li><m>1+1</m></li><li><m>2+2</m></li></ol></statement>
  <answer><ol><li><m>2</m></li></ol></answer>
</exercise>
<exercise xml:id="words">
  <statement><ol><li>Why?</li><li>How?</li></ol></statement>
  <answer><ol><li>Because.</li><li>Slowly.</li></ol></answer>
</exercise>
<exercise xml:id="bulleted">
  <statement><ul><li><m>1+1</m></li><li><m>2+2</m></li></ul></statement>
  <answer><ul><li><m>2</m></li><li><m>4</m></li></ul></answer>
</exercise>
<exercise xml:id="tasks">
  <task><statement><p>Expand.</p><ol><li><m>(x+1)^2</m></li><li><m>(x-1)^2</m></li></ol></statement>
    <answer><ol><li><m>x^2+2x+1</m></li><li><m>x^2-2x+1</m></li></ol></answer></task>
  <task><statement><p>Why?</p></statement></task>
</exercise>
</exercises></section></chapter></book></pretext>
"""


def test_parallel_lists_become_parts_with_the_intro_as_stem(pool):
    found = by_id(read("lists.ptx", BOOK, pool))
    listed = found["in-p"]
    assert listed.prompt == "Compute, with $a = 2$: Use exact values." and listed.answer == {}
    assert listed.hints == ["Add."]
    assert [p["id"] for p in listed.parts] == ["a", "b", "c"]
    assert [p["prompt"] for p in listed.parts] == [
        "$a + 1$", "the square of $a$.", "Is it even?"]
    assert [p["answer"] for p in listed.parts] == [
        {"type": "number", "value": "3"}, {"type": "number", "value": "4"}, {"type": "self"}]
    assert listed.parts[2]["solution"] == "Yes, it is."
    direct = found["direct"]
    assert direct.prompt == "Differentiate."
    key = AnswerSpec.model_validate(direct.parts[1]["answer"])
    assert pool.check(key, "3x^2").status == "correct"
    assert pool.check(key, "2x^3").status == "incorrect"


def test_a_task_with_parallel_lists_is_an_exercise_with_parts(pool):
    parsed = read("lists.ptx", BOOK, pool)
    found = by_id(parsed)
    assert [p["id"] for p in found["tasks-a"].parts] == ["a", "b"]
    assert found["tasks-a"].prompt == "Expand." and found["tasks-b"].self_graded
    assert any("list answered item by item" in p.message for p in parsed.problems)


def test_other_shapes_keep_one_answer():
    found = by_id(formats.read("lists.ptx", BOOK, None, limit=LIMIT))
    for ident in ("uneven", "words", "bulleted"):  # counts differ, all words, not numbered
        assert found[ident].parts is None and found[ident].answer == {"type": "self"}
        assert "2+2" in found[ident].prompt or "How?" in found[ident].prompt  # the list stays


@pytest.mark.slow
@pytest.mark.skipif(not CORPORA.is_dir(), reason="the shared PreTeXt corpora are not here")
@pytest.mark.parametrize(("book", "subject", "exercises", "parts"),
                         [("ula", "linear-algebra", 60, 130),
                          ("active-calculus", "calculus", 40, 70)])
def test_shared_books_gain_checkable_parts(pool, book, subject, exercises, parts):
    audit = markup_audit()
    parsed = importing.finish(audit.read_book(book, audit.MAINS[book]), pool.run, subject)
    checkable = [[p for p in e.parts if p["answer"]["type"] != "self"]
                 for e in parsed.exercises if e.parts]
    assert sum(1 for c in checkable if c) >= exercises  # 62 and 43 when written
    assert sum(len(c) for c in checkable) >= parts  # 134 and 74
