"""Writing imports: one transaction, re-imports keep progress, native YAML round trips, the
Stewart list joins the loop, and publishing."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import func, select

from app import models as orm
from app.bank import export, importing
from app.bank.formats.model import AUTO, ImportedExercise, ImportRefused, ParsedImport
from app.bank.schema import TopicFile
from app.method import service
from app.method.model import Rating
from app.method.repository import SubjectRepository

from .conftest import read, sample

CSV_V1 = b"id,subject,topic,prompt,answer\nq1,calculus,rules,Differentiate $x^2$.,2x\n" \
         b"q2,calculus,rules,Differentiate $x^3$.,3x^2\n"
CSV_V2 = b"id,subject,topic,prompt,answer\nq1,calculus,rules,Differentiate $x^2$ (edited).,2x\n" \
         b"q2,calculus,rules,Differentiate $x^3$.,3x^2\nq3,calculus,rules,New one: $x^4$.,4x^3\n"


def count(sessions, table) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(table))


def test_import_writes_a_private_collection_and_joins_the_study_list(pool, uow, sessions,
                                                                     learner):
    parsed = read("stewart.txt", sample("stewart.txt"), pool)
    report = importing.apply(uow, parsed, learner, add_to_study_list=True)
    assert (report.created, report.added_to_study_list) == (4, 4)
    with sessions() as session:
        collection = session.scalar(select(orm.Collection))
        assert (collection.slug, collection.owner_id) == (f"u{learner}-stewart-8e", learner)
        aggregate = SubjectRepository(session).get(learner, "calculus")
    gid = f"imported/u{learner}-stewart-8e/3-4-1"
    assert gid in aggregate.study_list
    assert service.start_pass(uow, learner, "calculus") == 1
    assert service.record_check(uow, learner, "calculus", gid, "2x cos(x^2)", "correct")
    service.rate(uow, learner, "calculus", gid, Rating.GREEN)


def test_reimport_updates_text_and_keeps_attempts_ratings_and_passes(pool, uow, sessions,
                                                                     learner):
    importing.apply(uow, read("l.csv", CSV_V1, pool), learner, add_to_study_list=True)
    gid = f"imported/u{learner}-l/q1"
    service.start_pass(uow, learner, "calculus")
    service.record_check(uow, learner, "calculus", gid, "2x", "correct", shape_note="power")
    service.rate(uow, learner, "calculus", gid, Rating.GREEN)
    before = {t: count(sessions, t) for t in (orm.Attempt, orm.Rating, orm.Pass, orm.PassItem)}
    report = importing.apply(uow, read("l.csv", CSV_V2, pool), learner, add_to_study_list=True)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    after = {t: count(sessions, t) for t in (orm.Attempt, orm.Rating, orm.Pass, orm.PassItem)}
    assert after[orm.Attempt] == before[orm.Attempt] == 1
    assert after[orm.Rating] == before[orm.Rating] == 1
    assert after[orm.Pass] == before[orm.Pass]
    with sessions() as session:
        row = session.scalar(select(orm.Exercise).where(orm.Exercise.global_id == gid))
        assert row.prompt == "Differentiate $x^2$ (edited)."
        attempt = session.scalar(select(orm.Attempt))
        assert attempt.pass_item.exercise_id == row.id and attempt.shape_of_problem == "power"
    progress = service.progress(uow, learner, "calculus")
    assert progress.counts.green == 1


def test_a_failing_write_leaves_nothing(pool, uow, sessions, learner, monkeypatch):
    parsed = read("l.csv", CSV_V1, pool)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing, "_insert", broken)
    with pytest.raises(RuntimeError):
        importing.apply(uow, parsed, learner)
    assert count(sessions, orm.Collection) == count(sessions, orm.Exercise) == 0
    assert count(sessions, orm.Subject) == 0


def test_published_collections_are_public_and_only_operators_update_them(pool, uow, sessions,
                                                                        learner):
    importing.apply(uow, read("l.csv", CSV_V1, pool), learner)
    importing.publish(uow, f"u{learner}-l")
    with sessions() as session:
        assert session.scalar(select(orm.Collection.owner_id)) is None
    with pytest.raises(ImportRefused, match="published"):
        importing.apply(uow, read("l.csv", CSV_V2, pool), learner)
    parsed = read("l.csv", CSV_V2, pool)
    parsed.key = f"u{learner}-l"
    assert importing.apply(uow, parsed, None).created == 1


def test_imported_topics_never_rewrite_a_curated_topic(pool, uow, sessions, learner):
    with sessions() as session:
        curated = orm.Collection(slug="curated", title="Curated")
        subject = orm.Subject(slug="calculus", title="Calculus")
        topic = orm.Topic(subject=subject, slug="rules", title="Derivative rules",
                          theory="CURATED THEORY")
        session.add(orm.Exercise(global_id="calculus/rules/r1", collection=curated, topic=topic,
                                 prompt="p", answer={"type": "self"}))
        session.commit()
    importing.apply(uow, read("l.csv", CSV_V1, pool), learner)
    with sessions() as session:
        row = session.scalar(select(orm.Topic).where(orm.Topic.slug == "rules"))
        assert (row.title, row.theory) == ("Derivative rules", "CURATED THEORY")
        assert session.scalar(select(func.count()).select_from(orm.Exercise).where(
            orm.Exercise.topic_id == row.id)) == 3


NATIVE = """\
subject: calculus
topic: chain-rule
title: The chain rule
prerequisites: [calculus/derivative-rules]
theory: |
  Outer times inner.
examples:
  - prompt: Differentiate $\\sin 2x$.
    solution: $2\\cos 2x$.
exercises:
  - id: chain-rule-01
    prompt: Differentiate $f(x) = \\sin(x^2)$.
    answer: {type: expression, value: "2*x*cos(x^2)"}
    wrong:
      - {value: "cos(x^2)", feedback: "The inner derivative is missing."}
    hints: ["Outer and inner."]
    solution: By the chain rule.
    difficulty: 2
    source: original
  - id: chain-rule-02
    params: {a: {int: [2, 9]}}
    prompt: Differentiate $\\sin({{a}} x)$.
    answer: {type: expression, value: "diff(sin({{a}}*x), x)"}
  - id: chain-rule-03
    prompt: Which is right?
    answer: {type: choice, value: b, options: {a: "$\\\\cos x$", b: "$-\\\\sin x$"}}
"""


def test_native_yaml_round_trips_without_loss(pool, uow, sessions, learner):
    parsed = read("chain.yaml", NATIVE.encode(), pool)
    assert parsed.key == "calculus-chain-rule"
    importing.apply(uow, parsed, learner)
    with sessions() as session:
        collection = session.scalar(select(orm.Collection))
        text = export.export_yaml(session, collection)
    documents = list(yaml.safe_load_all(text))
    assert documents[0]["collection"]["key"] == "calculus-chain-rule"
    assert TopicFile.model_validate(documents[1]) == TopicFile.model_validate(
        yaml.safe_load(NATIVE))
    again = read("export.yaml", text.encode(), pool)
    assert importing.apply(uow, again, learner).unchanged == 3


def test_csv_export_reimports_to_the_same_exercises(pool, uow, sessions, learner):
    importing.apply(uow, read("chain.yaml", NATIVE.encode(), pool), learner)
    with sessions() as session:
        text = export.export_csv(session, session.scalar(select(orm.Collection)))
    again = read("calculus-chain-rule.csv", text.encode(), pool)
    assert [e.id for e in again.exercises] == ["chain-rule-01", "chain-rule-02", "chain-rule-03"]
    assert again.exercises[2].answer["options"] == {"a": "$\\cos x$", "b": "$-\\sin x$"}


STEPS = """\
collection: {title: Steps, key: steps}
---
subject: calculus
topic: steps
title: Steps
exercises:
  - id: slope
    params: {a: {int: [2, 9]}}
    prompt: Let $f(x) = {{a}}x^2$.
    parts:
      - id: derivative
        prompt: Find $f'(x)$.
        answer: {type: expression, value: "diff({{a}}*x^2, x)"}
        wrong: [{value: "{{a}}*x", feedback: Bring the exponent down.}]
      - id: at-one
        prompt: Evaluate $f'(1)$.
        answer: {type: number, value: "2*{{a}}"}
  - id: plain
    prompt: Two parts, no params.
    parts:
      - {id: one, prompt: "$1 + 1$?", answer: {type: number, value: "2"}}
      - {id: two, prompt: "Name it.", answer: {type: self}}
"""


def test_multi_part_exercises_round_trip_through_yaml_and_csv(pool, uow, sessions, learner):
    parsed = read("steps.yaml", STEPS.encode(), pool)
    assert not parsed.problems
    importing.apply(uow, parsed, learner)
    with sessions() as session:
        collection = session.scalar(select(orm.Collection))
        row = session.scalar(select(orm.Exercise).where(orm.Exercise.global_id.like("%/slope")))
        assert row.answer == {} and [p["id"] for p in row.parts] == ["derivative", "at-one"]
        text = export.export_yaml(session, collection)
        table = export.export_csv(session, collection)
    documents = list(yaml.safe_load_all(text))
    assert TopicFile.model_validate(documents[1]) == TopicFile.model_validate(
        list(yaml.safe_load_all(STEPS))[1])
    assert importing.apply(uow, read("export.yaml", text.encode(), pool), learner).unchanged == 2
    again = read("steps.csv", table.encode(), pool)
    assert [len(e.parts) for e in again.exercises] == [2, 2]
    assert again.exercises[1].parts[0]["answer"] == {"type": "number", "value": "2"}


def test_a_part_the_grammar_cannot_read_is_self_graded_alone(pool):
    steps = STEPS.replace('value: "2"}', 'value: "2 +"}').replace(
        "answer: {type: self}}", 'answer: {type: number, value: "3"}}')
    parsed = read("steps.yaml", steps.encode(), pool)
    [problem] = parsed.problems
    assert problem.where.endswith("part one") and problem.message.startswith("a part self-graded")
    plain = parsed.exercises[1]
    assert [p["answer"] for p in plain.parts] == [{"type": "self"},
                                                  {"type": "number", "value": "3"}]
    # With parameters the templates cannot stay unfilled: the whole exercise is self-graded.
    broken = read("steps.yaml", STEPS.replace('"2*{{a}}"', '"2*{{a}} +"').encode(), pool)
    assert [p["answer"] for p in broken.exercises[0].parts] == [{"type": "self"}] * 2


def test_auto_answers_of_parts_and_parameterised_exercises_get_their_type(pool):
    parsed = ParsedImport(format="pretext", title="Book", key="book", exercises=[
        ImportedExercise(id="steps", topic="t", prompt="Two steps.", answer={}, parts=[
            {"id": "a", "prompt": "Differentiate $x^2$.", "answer": {"type": AUTO,
                                                                    "value": "2*x"}},
            {"id": "b", "prompt": "Solve.", "answer": {"type": AUTO, "value": "x = 3"}}]),
        ImportedExercise(id="scaled", topic="t", prompt="Differentiate ${{a}} x$.",
                         answer={"type": AUTO, "value": "{{a}}"},
                         params={"a": {"int": [2, 9]}})])
    importing.verify(parsed, pool.run)
    steps, scaled = parsed.exercises
    assert [p["answer"] for p in steps.parts] == [{"type": "expression", "value": "2*x"},
                                                  {"type": "equation", "value": "x = 3"}]
    assert scaled.answer == {"type": "number", "value": "{{a}}"}  # the template stays


def test_macros_are_stored_on_the_collection(pool, uow, sessions, learner):
    from .conftest import book_zip

    importing.apply(uow, read("book.zip", book_zip(), pool), learner)
    with sessions() as session:
        assert session.scalar(select(orm.Collection.macros))["\\R"] == "\\mathbb{R}"


def test_dry_preview_counts_new_and_existing(pool, uow, learner):
    importing.apply(uow, read("l.csv", CSV_V1, pool), learner)
    shown = importing.preview(uow, read("l.csv", CSV_V2, pool), learner)
    assert (shown.created, shown.updated) == (1, 2)
