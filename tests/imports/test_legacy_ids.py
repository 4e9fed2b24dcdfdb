"""Ids stay stable for learners: a collection imported under the rules of commit 68e74b9 and
imported again now keeps every learner's attempts, ratings and study list.

`samples/legacy/legacy-68e74b9.db` was made by `samples/legacy/make_legacy_db.py` run with
68e74b9's code: `samples/legacy/book.ptx` imported for one learner, one attempt and one
rating on each of its five exercises (`ex-named`, `legacy-sec-sums-ex-1`, `mki`,
`ex-tasks-a`, `ex-tasks-b`)."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from app import models as orm
from app.bank import formats, importing
from app.bank.formats.model import ImportedExercise, ParsedImport
from app.db import UnitOfWork, make_engine, migrate, session_factory

from .conftest import LIMIT, SAMPLES

LEGACY = SAMPLES / "legacy"
OLD_IDS = {"ex-named", "legacy-sec-sums-ex-1", "mki", "ex-tasks-a", "ex-tasks-b"}


@pytest.fixture
def legacy(tmp_path):
    path = tmp_path / "legacy.db"
    shutil.copy(LEGACY / "legacy-68e74b9.db", path)
    url = f"sqlite:///{path}"
    migrate(url)
    engine = make_engine(url)
    yield session_factory(engine)
    engine.dispose()


def history(session) -> list[tuple[str, str, str, int, str | None]]:
    """(exercise id, response, status, part, rating) of every attempt."""
    rows = session.execute(
        select(orm.Exercise.global_id, orm.Attempt.response, orm.Attempt.status,
               orm.Attempt.part, orm.PassItem.rating)
        .join(orm.PassItem, orm.PassItem.exercise_id == orm.Exercise.id)
        .join(orm.Attempt, orm.Attempt.pass_item_id == orm.PassItem.id)
        .order_by(orm.Attempt.response))
    return [(gid.rsplit("/", 1)[1], *rest) for gid, *rest in rows]


def test_a_collection_imported_at_68e74b9_keeps_its_history_on_re_import(legacy, pool):
    with legacy() as session:
        before = history(session)
        assert {row[0] for row in before} == OLD_IDS
        owner = session.scalar(select(orm.User.id))
    parsed = formats.read_path(LEGACY / "book.ptx", limit=LIMIT)
    importing.finish(parsed, pool.run, "calculus")
    shown = importing.preview(UnitOfWork(legacy), parsed, owner)
    assert (shown.created, shown.updated) == (1, 4)  # MKI was lost at 68e74b9: it is new
    report = importing.apply(UnitOfWork(legacy), parsed, owner)
    assert report.renamed == 4 and report.created == 1  # ex-named keeps its id
    with legacy() as session:
        after = history(session)
        ids = {e.id for e in parsed.exercises}
        assert {row[0] for row in after} <= ids
        assert [row[1:3] for row in after] == [row[1:3] for row in before]
        tasks = [row for row in after if row[0] == "ex-tasks"]
        assert [row[3] for row in tasks] == [0, 1]  # task b's attempt is now part b's
        listed = session.scalars(select(orm.Exercise.global_id).join(
            orm.StudyListEntry, orm.StudyListEntry.exercise_id == orm.Exercise.id)).all()
        assert {g.rsplit("/", 1)[1] for g in listed} == ids - {e.id for e in parsed.exercises
                                                               if e.id.startswith("mki-")
                                                               and not e.legacy_ids}
        assert session.scalar(select(func.count()).select_from(orm.Rating)) == 5
    again = importing.apply(UnitOfWork(legacy), parsed, owner)
    assert again.renamed == 0 and again.created == 0


def exercise(ident: str, prompt: str, legacy: list[str] | None = None) -> ImportedExercise:
    return ImportedExercise(id=ident, topic="t", prompt=prompt, answer={"type": "self"},
                            subject="calculus", legacy_ids=legacy or [])


def rows(sessions) -> dict[str, int]:
    with sessions() as session:
        found = session.execute(select(orm.Exercise.global_id, orm.Exercise.id))
        return {gid.rsplit("/", 1)[1]: key for gid, key in found}


def test_an_old_row_follows_its_exercise_even_when_its_id_is_now_another_s(uow, sessions,
                                                                          learner):
    old = ParsedImport(format="pretext", title="B", key="b",
                       exercises=[exercise("a-b", "the one with a comma")])
    importing.assign_subject(old, "calculus")
    importing.apply(uow, old, learner)
    before = rows(sessions)["a-b"]
    new = ParsedImport(format="pretext", title="B", key="b", exercises=[
        exercise("a-b-1f2e3d", "the one with a comma", ["a-b"]),
        exercise("a-b", "the one without")])
    importing.assign_subject(new, "calculus")
    report = importing.apply(uow, new, learner)
    assert (report.renamed, report.created) == (1, 1)
    after = rows(sessions)
    assert after["a-b-1f2e3d"] == before and after["a-b"] != before
    again = importing.apply(uow, new, learner)  # legacy ids still given: nothing moves
    assert (again.renamed, again.created, again.unchanged) == (0, 0, 2)
    assert rows(sessions) == after
