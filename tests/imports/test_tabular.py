"""CSV and Anki text exports (issue 19): Anki's header and comment lines, clozes, the field
mapping, ids of rows that share a prompt, and a CSV export that re-imports into the same
collection with the same texts."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import models as orm
from app.bank import export, importing
from app.bank.formats import tabular
from app.bank.formats.model import ImportRefused

from .conftest import by_id, read

ANKI = (
    "#separator:tab\n"
    "#html:true\n"
    "# exported from Anki 2.1.66 (a comment)\n"
    "#notetype column:1\n"
    "#deck column:2\n"
    "#tags column:6\n"
    "Basic\tBook::Ch 1\tChapter 1: Limits\tWhat is \\(\\lim_{x\\to 0} x\\)?\t0\tch1\n"
    "#a comment between notes\n"
    "Basic\tBook::Ch 1\tChapter 1: Limits\tWhat is \\(1+1\\)?\t2\tch1\n"
)


def test_anki_headers_and_comment_lines_are_read_not_imported():
    parsed = tabular.parse("deck.txt", ANKI.encode())
    assert len(parsed.exercises) == 2  # no comment became a row
    first = parsed.exercises[0]
    assert first.topic == "ch-1" and first.tags == ["ch1"]
    # without a mapping, field 1 after Anki's columns is the front: the chapter title
    assert {e.prompt for e in parsed.exercises} == {"Chapter 1: Limits"}
    # two rows with one front no longer collide on one hash id
    assert len({e.id for e in parsed.exercises}) == 2


def test_the_field_mapping_chooses_front_back_and_id():
    shown = tabular.fields("deck.txt", ANKI.encode())
    assert [f.role for f in shown] == ["notetype", "topic", "prompt", "answer", "solution", "tags"]
    assert shown[2].samples == ["Chapter 1: Limits", "Chapter 1: Limits"]
    mapping = {1: "topic", 3: "prompt", 4: "answer", 5: "tags"}
    parsed = tabular.parse("deck.txt", ANKI.encode(), mapping)
    assert [e.prompt for e in parsed.exercises] == ["What is $\\lim_{x\\to 0} x$?",
                                                    "What is $1+1$?"]
    assert [e.answer for e in parsed.exercises] == [{"type": "auto", "value": "0"},
                                                    {"type": "auto", "value": "2"}]
    with_id = tabular.parse("deck.txt", ANKI.encode(), mapping | {4: "id", 3: "prompt"})
    assert [e.id for e in with_id.exercises] == ["0", "2"]


@pytest.mark.parametrize("mapping, message", [
    ({0: "answer"}, "exactly one field as the front"),
    ({0: "prompt", 1: "prompt"}, "exactly one field as the front"),
    ({0: "prompt", 1: "answer", 2: "answer"}, "chosen twice: answer"),
    ({0: "prompt", 9: "answer"}, "does not have"),
    ({0: "prompt", 1: "wrong"}, "does not have"),
])
def test_a_bad_mapping_is_refused_with_a_reason(mapping, message):
    with pytest.raises(ImportRefused, match=message):
        tabular.parse("deck.txt", ANKI.encode(), mapping)


def test_named_columns_need_no_mapping():
    assert tabular.fields("l.csv", b"id,prompt,answer\nq1,What?,2\n") is None


CLOZE = (
    "#separator:tab\n#html:true\n#guid column:1\n#notetype column:2\n"
    "g1\tCloze\tThe derivative of \\(x^2\\) is {{c1::\\(2x\\)::a monomial}}.\tBy the power rule."
    "\n"
    "g2\tCloze\t{{c1::Paris}} is the capital of {{c2::France}}; {{c1::Rome}} of Italy.\t\n"
)


def test_clozes_become_blanks_with_their_answer_as_key(pool):
    parsed = read("cloze.txt", CLOZE.encode(), pool)
    found = by_id(parsed)
    power = found["g1"]
    assert power.prompt == "The derivative of $x^2$ is \\_\\_\\_\\_\\_ (a monomial)."
    assert power.answer["type"] == "expression" and power.answer["value"] == "2x"
    assert power.solution == "By the power rule."
    two_blanks, capital = found["g2"], found["g2-c2"]
    assert two_blanks.self_graded and "Paris; Rome" in two_blanks.solution
    assert capital.prompt == "Paris is the capital of \\_\\_\\_\\_\\_; Rome of Italy."
    assert ("self-graded", "a cloze card with several blanks is self-graded", 1) \
        in parsed.reasons()


ROUND_TRIP = """\
collection: {title: "Calculus, my notes", key: my-calc}
---
subject: calculus
topic: chain-rule
title: The chain rule
exercises:
  - id: q1
    prompt: "As text: \\\\[x\\\\] and \\\\(y\\\\); as maths: $x^2$; a <b>tag</b> & more."
    answer: {type: expression, value: "2*x*cos(x^2)"}
    hints: ["Outer and inner.", "Two lines:\\nthe second."]
    solution: "By the chain rule: \\\\[f'(g(x))g'(x)\\\\]."
    difficulty: 2
  - id: q2
    prompt: Explain the chain rule.
    answer: {type: self}
"""


def test_a_csv_export_reimports_into_the_same_collection_with_the_same_texts(
        pool, uow, sessions, learner):
    importing.apply(uow, read("notes.yaml", ROUND_TRIP.encode(), pool), learner)
    with sessions() as session:
        before = _texts(session)
        text = export.export_csv(session, session.scalar(select(orm.Collection)))
    assert text.startswith("#collection:Calculus, my notes\n#key:my-calc\n#markdown:exact\n")
    again = read("anything-else.csv", text.encode(), pool)
    report = importing.apply(uow, again, learner)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(orm.Collection)) == 1
        assert _texts(session) == before
    assert "\\[x\\]" in before[0][1] and "$$" not in before[0][1]


def _texts(session) -> list[tuple]:
    rows = session.scalars(select(orm.Exercise).order_by(orm.Exercise.global_id))
    return [(r.global_id, r.prompt, r.hints, r.solution, r.answer, r.difficulty,
             r.topic.title) for r in rows]
