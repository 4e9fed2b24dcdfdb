"""Backup and restore: a history built through the service layer, exported, restored into a
fresh database, gives the same dashboard, passes and notes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import models as orm
from app.bank import export, importing
from app.db import UnitOfWork, make_engine, migrate, session_factory
from app.method import service, session_store
from app.method.model import Rating
from app.method.repository import SubjectRepository
from app.method.sessions import LearnerSettings

from .conftest import read, sample


def seed_bank(sessions) -> None:
    """A tiny public bank, the same in both databases (as the curated bank would be)."""
    with sessions() as session:
        bank = orm.Collection(slug="curated", title="Curated")
        subject = orm.Subject(slug="calculus", title="Calculus")
        topic = orm.Topic(subject=subject, slug="rules", title="Rules")
        for n in range(3):
            session.add(orm.Exercise(global_id=f"calculus/rules/r{n}", collection=bank,
                                     topic=topic, position=n, prompt=f"p{n}",
                                     answer={"type": "number", "value": str(n)}))
        session.add(orm.Exercise(
            global_id="calculus/rules/parts", collection=bank, topic=topic, position=3,
            prompt="stem", answer={}, parts=[
                {"id": f"s{n}", "prompt": f"s{n}", "answer": {"type": "number", "value": "1"}}
                for n in range(2)]))
        session.commit()


def history(uow, learner: int, pool) -> None:
    importing.apply(uow, read("stewart.txt", sample("stewart.txt"), pool), learner,
                    add_to_study_list=True)
    book = f"imported/u{learner}-stewart-8e/3-4-1"
    service.start_pass(uow, learner, "calculus")
    service.record_check(uow, learner, "calculus", "calculus/rules/r0", "0", "correct",
                         shape_note="a number", motion_note="read it")
    service.rate(uow, learner, "calculus", "calculus/rules/r0", Rating.GREEN)
    service.record_check(uow, learner, "calculus", "calculus/rules/r1", "7", "incorrect",
                         message="no", feedback="Count again.")
    service.try_again(uow, learner, "calculus", "calculus/rules/r1")
    service.record_check(uow, learner, "calculus", "calculus/rules/r1", "8", "incorrect")
    service.show_solution(uow, learner, "calculus", "calculus/rules/r1")
    service.rate(uow, learner, "calculus", "calculus/rules/r1", Rating.RED)
    service.record_check(uow, learner, "calculus", book, "2x cos(x^2)", "correct")
    service.rate(uow, learner, "calculus", book, Rating.YELLOW)
    parts = "calculus/rules/parts"  # left at its second part, after its first attempt
    service.record_check(uow, learner, "calculus", parts, "1", "correct", part=0)
    service.next_part(uow, learner, "calculus", parts)
    service.close_pass(uow, learner, "calculus")
    service.start_pass(uow, learner, "calculus")


def snapshot(sessions, uow, user_id: int) -> dict:
    progress = service.progress(uow, user_id, "calculus")
    with sessions() as session:
        aggregate = SubjectRepository(session).get(user_id, "calculus")
        notes = sorted((a.number, a.part, a.response, a.shape_of_problem,
                        a.motion_to_solution, a.status, a.feedback)
                       for a in session.scalars(select(orm.Attempt)))
        chosen = session_store.settings(session, user_id)
    passes = [(p.number, p.closed_early, [(i.exercise_id, i.seed, i.verdict, i.rating,
                                           i.incorrect_attempts, i.solution_open,
                                           i.attempt_count, i.part, i.parts)
                                          for i in p.items]) for p in aggregate.passes]
    return {"progress": progress, "study_list": aggregate.study_list, "passes": passes,
            "parked": aggregate.parked, "notes": notes, "settings": chosen}


def test_export_restore_round_trip(pool, uow, sessions, learner, tmp_path: Path):
    seed_bank(sessions)
    history(uow, learner, pool)
    service.save_settings(uow, learner, LearnerSettings(5, 3, "Asia/Tokyo", "shuffled"))
    before = snapshot(sessions, uow, learner)
    with sessions() as session:
        backup = json.loads(json.dumps(export.export_user(session, learner)))
    assert backup["user"]["email"] == "reader@example.org"
    assert len(backup["collections"][0]["exercises"]) == 4

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    migrate(url)
    engine = make_engine(url)
    fresh = session_factory(engine)
    try:
        seed_bank(fresh)
        with fresh() as session:
            report = export.restore(session, backup)
            session.commit()
        after = snapshot(fresh, UnitOfWork(fresh), report.user_id)
        assert after == before
        with fresh() as session, pytest.raises(export.RestoreError, match="already has"):
            export.restore(session, backup)
    finally:
        engine.dispose()


def test_restore_refuses_missing_exercises_and_writes_nothing(pool, uow, sessions, learner,
                                                              tmp_path: Path):
    seed_bank(sessions)
    history(uow, learner, pool)
    with sessions() as session:
        backup = export.export_user(session, learner)
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    migrate(url)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            with pytest.raises(export.RestoreError, match="curated bank"):
                export.restore(session, backup)
            session.rollback()
            assert session.scalar(select(orm.User)) is None
    finally:
        engine.dispose()


def test_a_backup_from_before_try_again_restores(pool, uow, sessions, learner, tmp_path: Path):
    """Before Try again a backup held one "attempt" per item and no retry fields: checked
    items come back with their solution open (as it was shown at the check)."""
    seed_bank(sessions)
    history(uow, learner, pool)
    with sessions() as session:
        backup = json.loads(json.dumps(export.export_user(session, learner)))
    for each in backup["passes"]:
        for item in each["items"]:
            attempts = item.pop("attempts")
            item["attempt"] = ({k: v for k, v in attempts[-1].items()
                                if k not in ("number", "part", "message", "feedback")}
                               if attempts else None)
            del item["incorrect_attempts"], item["solution_open"], item["part"]
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url)
    engine = make_engine(url)
    fresh = session_factory(engine)
    try:
        seed_bank(fresh)
        with fresh() as session:
            report = export.restore(session, backup)
            session.commit()
        with fresh() as session:
            aggregate = SubjectRepository(session).get(report.user_id, "calculus")
            assert session.scalar(select(func.count()).select_from(orm.Attempt)) == 4
        checked = [i for i in aggregate.passes[0].items if i.verdict is not None]
        assert checked and all(i.solution_open for i in checked)
        assert [i.incorrect_attempts for i in checked] == [0, 1, 0]  # r0, r1 (Incorrect), book
        assert [i.attempt_count for i in checked] == [1, 1, 1]
    finally:
        engine.dispose()
