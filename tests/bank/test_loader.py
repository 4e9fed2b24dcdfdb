"""Loading the curated bank: idempotent, updates in place, never touches learner history."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import models as orm
from app.bank.loader import (
    CURATED_SLUG,
    BankError,
    as_exercise,
    load_bank,
    ordered_topics,
    read_bank,
)
from app.bank.snippets import filled_snippets
from app.bank.variants import make_variant
from app.db import UnitOfWork
from app.method import service
from app.method.repository import SubjectRepository

from .samples import CHAIN, RULES, STEPS, WriteFile

BANK = Path(__file__).resolve().parents[2] / "exercises"


def _rows(sessions: sessionmaker[Session]) -> dict[str, tuple]:
    with sessions() as session:
        return {e.global_id: (e.id, e.topic_id, e.prompt, e.position) for e in
                session.scalars(select(orm.Exercise))}


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def bank(write: WriteFile) -> Path:
    write("calculus/rules.yaml", RULES)
    return write("calculus/chain.yaml", CHAIN).parent.parent


def test_load_creates_collection_subject_topics_exercises(uow: UnitOfWork, bank: Path,
                                                          sessions: sessionmaker) -> None:
    report = load_bank(uow, bank)
    assert (report.files, report.subjects, report.topics, report.exercises) == (2, 1, 2, 3)
    assert len(report.created) == 3 and not report.updated
    with sessions() as session:
        collection = session.scalar(select(orm.Collection))
        assert (collection.slug, collection.owner_id) == (CURATED_SLUG, None)
        subject = session.scalar(select(orm.Subject))
        assert (subject.slug, subject.title) == ("calculus", "Calculus")
        topics = {t.slug: t for t in session.scalars(select(orm.Topic))}
        assert topics["rules"].position < topics["chain"].position  # prerequisites first
        assert topics["chain"].prerequisites == ["calculus/rules"]
        assert topics["rules"].examples == [{"prompt": "Differentiate $x^2$.", "solution": "$2x$"}]
        two = session.scalar(select(orm.Exercise).where(orm.Exercise.global_id ==
                                                         "calculus/rules/two"))
        assert two.params == {"params": {"a": {"int": [2, 9]}}, "where": []}
        assert two.answer == {"type": "expression", "value": "diff({{a}}*x^2, x)"}


def test_load_twice_changes_nothing(uow: UnitOfWork, bank: Path, sessions: sessionmaker) -> None:
    load_bank(uow, bank)
    before = _rows(sessions)
    report = load_bank(uow, bank)
    assert not report.created and not report.updated and not report.retired
    assert _rows(sessions) == before
    assert _count(sessions, orm.Topic) == 2 and _count(sessions, orm.Collection) == 1


def _history(session: Session, exercise_id: int, subject_id: int) -> None:
    """A learner who attempted and rated the exercise and has it in a study list."""
    user = orm.User(email="a@example.org", password_hash="x")
    session.add(user)
    session.flush()
    study = orm.StudyList(user_id=user.id, subject_id=subject_id)
    study.entries.append(orm.StudyListEntry(exercise_id=exercise_id, position=0))
    a_pass = orm.Pass(user_id=user.id, subject_id=subject_id, number=1)
    a_pass.items.append(orm.PassItem(exercise_id=exercise_id, position=0, seed=1,
                                     verdict="correct", rating="green"))
    session.add_all([study, a_pass])
    session.flush()
    item = a_pass.items[0]
    session.add_all([orm.Attempt(pass_item_id=item.id, response="3x^2", status="correct"),
                     orm.Rating(pass_item_id=item.id, rating="green")])
    session.commit()


def _history_rows(session: Session) -> list:
    return [
        [(a.id, a.pass_item_id, a.response, a.status)
         for a in session.scalars(select(orm.Attempt))],
        [(r.id, r.pass_item_id, r.rating) for r in session.scalars(select(orm.Rating))],
        [(i.id, i.exercise_id, i.rating) for i in session.scalars(select(orm.PassItem))],
        [(e.study_list_id, e.exercise_id) for e in session.scalars(select(orm.StudyListEntry))],
    ]


def test_edit_and_reload_updates_in_place_and_keeps_history(
        uow: UnitOfWork, bank: Path, sessions: sessionmaker, write: WriteFile) -> None:
    load_bank(uow, bank)
    before = _rows(sessions)
    with sessions() as session:
        exercise = session.scalar(select(orm.Exercise).where(orm.Exercise.global_id ==
                                                              "calculus/rules/one"))
        _history(session, exercise.id, exercise.topic.subject_id)
    with sessions() as session:
        history = _history_rows(session)

    write("calculus/rules.yaml", RULES.replace("Differentiate $x^3$.", "Find $(x^3)'$."))
    report = load_bank(uow, bank)

    assert report.updated == ["calculus/rules/one"] and not report.created
    after = _rows(sessions)
    assert after["calculus/rules/one"][2] == "Find $(x^3)'$."
    assert {k: v[:2] for k, v in after.items()} == {k: v[:2] for k, v in before.items()}
    with sessions() as session:
        assert _history_rows(session) == history


def test_removed_exercise_is_kept_and_reported(uow: UnitOfWork, bank: Path, write: WriteFile,
                                               sessions: sessionmaker) -> None:
    load_bank(uow, bank)
    write("calculus/chain.yaml", CHAIN.split("exercises:")[0] + "exercises: []\n")
    report = load_bank(uow, bank)
    assert report.retired == ["calculus/chain/one"]
    assert "calculus/chain/one" in _rows(sessions)


def test_a_bad_file_changes_nothing(uow: UnitOfWork, bank: Path, write: WriteFile,
                                    sessions: sessionmaker) -> None:
    load_bank(uow, bank)
    before = _rows(sessions)
    write("calculus/rules.yaml", RULES.replace("Differentiate $x^3$.", "Changed."))
    write("calculus/broken.yaml", "subject: calculus\ntopic: broken\n")
    with pytest.raises(BankError) as caught:
        load_bank(uow, bank)
    assert any("broken.yaml:1: title: Field required" in p for p in caught.value.problems)
    assert _rows(sessions) == before


def test_an_id_owned_by_another_collection_is_refused(uow: UnitOfWork, bank: Path,
                                                       sessions: sessionmaker) -> None:
    with sessions() as session:
        other = orm.Collection(slug="alice-book", title="Alice's list")
        subject = orm.Subject(slug="calculus", title="Calculus")
        session.add_all([other, subject])
        session.flush()
        topic = orm.Topic(subject_id=subject.id, slug="rules", title="Rules")
        session.add(topic)
        session.flush()
        session.add(orm.Exercise(global_id="calculus/rules/one", collection_id=other.id,
                                 topic_id=topic.id, prompt="p", answer={"type": "self"},
                                 params=None))
        session.commit()
    with pytest.raises(BankError, match="belongs to another collection"):
        load_bank(uow, bank)


def test_load_with_a_session(sessions: sessionmaker, bank: Path) -> None:
    with sessions() as session:
        assert len(load_bank(session, bank).created) == 3
    assert _count(sessions, orm.Exercise) == 3


def test_duplicate_ids_and_unknown_prerequisites_refuse_the_load(write: WriteFile) -> None:
    write("calculus/rules.yaml", RULES.replace("id: two", "id: one"))
    path = write("calculus/chain.yaml", CHAIN.replace("calculus/rules", "calculus/nothing"))
    with pytest.raises(BankError) as caught:
        read_bank(path.parent.parent)
    text = str(caught.value)
    assert "exercise id 'one' is used 2 times" in text
    assert "prerequisite calculus/nothing names no topic" in text


def test_stored_row_gives_the_same_variant_as_the_file(uow: UnitOfWork, bank: Path,
                                                       sessions: sessionmaker) -> None:
    from app.bank.lint import variant_input

    load_bank(uow, bank)
    topic = next(t for t in read_bank(bank) if t.topic == "rules")
    with sessions() as session:
        row = session.scalar(select(orm.Exercise).where(orm.Exercise.global_id ==
                                                         "calculus/rules/two"))
        stored = as_exercise(row)
    assert make_variant(stored, 4) == make_variant(variant_input(topic, topic.exercises[1]), 4)


def test_a_multi_part_exercise_is_stored_with_its_parts(uow: UnitOfWork, bank: Path,
                                                        write: WriteFile,
                                                        sessions: sessionmaker) -> None:
    from app.bank.lint import variant_input

    write("calculus/steps.yaml", STEPS)
    load_bank(uow, bank)
    topic = next(t for t in read_bank(bank) if t.topic == "steps")
    with sessions() as session:
        row = session.scalar(select(orm.Exercise).where(orm.Exercise.global_id ==
                                                         "calculus/steps/slope"))
        stored = as_exercise(row)
    assert row.answer == {} and [p["id"] for p in row.parts] == ["derivative", "at-one"]
    variant = make_variant(stored, 4)
    assert variant == make_variant(variant_input(topic, topic.exercises[0]), 4)
    assert variant.part_ids == ["derivative", "at-one"]
    assert variant.parts[0].answer_text == f"{2 * int(variant.values['a'])}*x"


def test_topics_follow_prerequisites() -> None:
    topics = {t.topic: t for t in read_bank(BANK) if t.subject == "calculus"}
    order = [t.topic for t in ordered_topics(list(topics.values()))]
    assert order.index("derivative-rules") < order.index("chain-rule") < order.index("gradients")


def test_the_curated_bank_loads_and_reloads_without_changes(uow: UnitOfWork) -> None:
    """(How long it takes is printed in the report, not asserted: a wall-clock limit in a unit
    test fails on a slow or busy machine, not on slow code.)"""
    report = load_bank(uow, BANK)
    assert report.exercises >= 48 and len(report.created) == report.exercises
    again = load_bank(uow, BANK)
    assert (again.exercises, len(again.created), len(again.updated)) == (report.exercises, 0, 0)


def test_loading_600_exercises(uow: UnitOfWork, write: WriteFile) -> None:
    """The bank will grow to about 600 exercises: a cold load and a reload of that many."""
    one = RULES.split("  - id: one")[1].split("  - id: two")[0]
    body = "".join(f"  - id: e{n:02d}" + one for n in range(50))
    for t in range(12):
        path = write(f"calculus/t{t:02d}.yaml",
                     RULES.split("exercises:")[0].replace("topic: rules", f"topic: t{t:02d}")
                     + "exercises:\n" + body)
    cold = load_bank(uow, path.parent.parent)
    assert (cold.exercises, len(cold.created)) == (600, 600), cold.summary()
    again = load_bank(uow, path.parent.parent)
    assert (again.exercises, len(again.created), len(again.updated)) == (600, 0, 0), again.summary()


THREE = """  - id: three
    prompt: Differentiate $x^4$.
    answer: {type: expression, value: "4*x^3"}
    wrong: [{value: "x^3", feedback: "Bring the exponent down."}]
    hints: [Power rule.]
    solution: $4x^3$.
"""


def test_an_exercise_added_later_joins_the_study_list_and_the_open_pass(
        uow: UnitOfWork, bank: Path, sessions: sessionmaker, write: WriteFile) -> None:
    """Rule 8, for a learner whose list holds the topic; another whose list does not hold it
    is left alone."""


    load_bank(uow, bank)
    with sessions() as session:
        learner, other = orm.User(email="l@example.org", password_hash="x"), orm.User(
            email="o@example.org", password_hash="x")
        session.add_all([learner, other])
        session.commit()
        learner_id, other_id = learner.id, other.id
    service.start_pass(uow, learner_id, "calculus")
    with sessions() as session:  # the other learner studies the chain topic only
        subject = session.scalar(select(orm.Subject))
        chain = session.scalar(select(orm.Exercise).where(
            orm.Exercise.global_id == "calculus/chain/one"))
        session.add(orm.StudyList(user_id=other_id, subject_id=subject.id, entries=[
            orm.StudyListEntry(exercise_id=chain.id, position=0)]))
        session.commit()

    write("calculus/rules.yaml", RULES + THREE)
    report = load_bank(uow, bank)

    assert report.created == ["calculus/rules/three"]
    with sessions() as session:
        mine = SubjectRepository(session).get(learner_id, "calculus")
        theirs = SubjectRepository(session).get(other_id, "calculus")
    assert "calculus/rules/three" in mine.study_list
    assert "calculus/rules/three" in mine.open_pass.exercise_ids()
    assert theirs.study_list == ["calculus/chain/one"]


def _fill_in_process(uow: UnitOfWork) -> int:
    """`app.bank.shown.fill_snippets` without the pool (the bank here is trusted)."""
    unfilled = service.unfilled_snippets(uow)
    made = filled_snippets([(exercise, seed) for _, exercise, seed in unfilled.varied])
    texts = {**unfilled.texts, **{item: text for (item, _, _), text in
                                  zip(unfilled.varied, made, strict=True)}}
    service.store_snippets(uow, texts)
    return len(texts)


def test_an_edited_exercise_gets_a_new_snippet_in_the_open_pass(
        uow: UnitOfWork, bank: Path, sessions: sessionmaker, write: WriteFile) -> None:
    load_bank(uow, bank)
    with sessions() as session:
        learner = orm.User(email="l@example.org", password_hash="x")
        session.add(learner)
        session.commit()
        learner_id = learner.id
    service.start_pass(uow, learner_id, "calculus")
    _fill_in_process(uow)

    def snippet() -> str | None:
        with sessions() as session:
            return session.scalar(select(orm.PassItem.snippet).join(orm.Exercise).where(
                orm.Exercise.global_id == "calculus/rules/one"))

    assert snippet() == "Differentiate $x^3$."
    write("calculus/rules.yaml", RULES.replace("Differentiate $x^3$.", "Find $(x^3)'$."))
    load_bank(uow, bank)
    assert snippet() is None  # the list shows the prompt itself until it is made again
    assert _fill_in_process(uow) == 1
    assert snippet() == "Find $(x^3)'$."
