"""The rows behind sessions and learner settings (rule 10): read into `app.method.sessions`'
plain objects, written by the service. Like the repository, it decides nothing.

Every statement runs on the caller's session (the service's unit of work, or a query's reading
snapshot), so a rating and its session are written in one transaction, and every app process
reads the same sessions from the database: none keeps any of its own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row, ScalarSelect, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from app import models as orm
from app.method import sessions
from app.method.model import Counts, Rating

_SETTINGS = select(orm.User.session_size, orm.User.daily_goal, orm.User.time_zone,
                   orm.User.session_order).where(orm.User.id == bindparam("user_id"))
def _rated(colour: Rating) -> ScalarSelect:
    """How many of the session's ratings have this colour (correlated with the row)."""
    return (select(func.count(orm.Rating.id))
            .where(orm.Rating.session_id == orm.StudySession.id,
                   orm.Rating.rating == colour.value)
            .scalar_subquery())


_SESSIONS = (
    select(orm.StudySession.id, orm.Pass.number, orm.StudySession.size,
           orm.StudySession.session_order, orm.StudySession.started_at,
           *(_rated(colour) for colour in Rating))
    .join(orm.Pass, orm.Pass.id == orm.StudySession.pass_id)
    .join(orm.Subject, orm.Subject.id == orm.Pass.subject_id)
    .where(orm.StudySession.user_id == bindparam("user_id"),
           orm.Subject.slug == bindparam("subject"))
)
_LATEST = _SESSIONS.order_by(orm.StudySession.id.desc()).limit(1)
_ONE = _SESSIONS.where(orm.StudySession.id == bindparam("session_id"))
_PASS_ID = select(orm.Pass.id).join(orm.Subject, orm.Subject.id == orm.Pass.subject_id).where(
    orm.Pass.user_id == bindparam("user_id"), orm.Subject.slug == bindparam("subject"),
    orm.Pass.number == bindparam("number"))
_ITEM = (
    select(orm.PassItem.id)
    .join(orm.Exercise, orm.Exercise.id == orm.PassItem.exercise_id)
    .where(orm.PassItem.pass_id == bindparam("pass_id"),
           orm.Exercise.global_id == bindparam("global_id"))
    .scalar_subquery()
)
_ATTACH = (update(orm.Rating).where(orm.Rating.pass_item_id == _ITEM)
           .values(session_id=bindparam("session_id")))
_RATINGS_SINCE = (
    select(orm.Rating.created_at)
    .join(orm.PassItem, orm.PassItem.id == orm.Rating.pass_item_id)
    .join(orm.Pass, orm.Pass.id == orm.PassItem.pass_id)
    .where(orm.Pass.user_id == bindparam("user_id"), orm.Rating.created_at >= bindparam("since"))
)


def settings(session: Session, user_id: int) -> sessions.LearnerSettings:
    """The learner's settings (the columns' defaults until they save their own)."""
    found = session.connection().execute(_SETTINGS, {"user_id": user_id}).first()
    if found is None:
        return sessions.LearnerSettings()
    size, goal, zone, order = found
    return sessions.LearnerSettings(size, goal, zone, order)


def save_settings(session: Session, user_id: int, chosen: sessions.LearnerSettings) -> None:
    session.connection().execute(
        update(orm.User).where(orm.User.id == user_id).values(
            session_size=chosen.session_size, daily_goal=chosen.daily_goal,
            time_zone=chosen.time_zone, session_order=chosen.order))


def adopt_time_zone(session: Session, user_id: int, name: str) -> None:
    """The browser's time zone becomes the learner's, unless they already have one."""
    session.connection().execute(
        update(orm.User).where(orm.User.id == user_id, orm.User.time_zone.is_(None))
        .values(time_zone=name))


def latest(session: Session, user_id: int, subject: str) -> sessions.StudySession | None:
    """The learner's latest session in the subject, with its colours: one statement."""
    found = session.connection().execute(_LATEST, {"user_id": user_id, "subject": subject})
    return _session(found.first())


def one(session: Session, user_id: int, subject: str, session_id: int
        ) -> sessions.StudySession | None:
    """One of the learner's sessions in the subject (None for anyone else's)."""
    found = session.connection().execute(
        _ONE, {"user_id": user_id, "subject": subject, "session_id": session_id})
    return _session(found.first())


def _session(found: Row | None) -> sessions.StudySession | None:
    if found is None:
        return None
    session_id, number, size, order, started_at, *colours = found
    counts = Counts(**{colour.value: n for colour, n in zip(Rating, colours, strict=True)})
    return sessions.StudySession(session_id, number, size, order, started_at, counts)


def pass_id(session: Session, user_id: int, subject: str, number: int) -> int:
    return session.connection().execute(
        _PASS_ID, {"user_id": user_id, "subject": subject, "number": number}).scalar_one()


def start(session: Session, user_id: int, pass_row: int, chosen: sessions.LearnerSettings
          ) -> int:
    """A new session of the pass, of the learner's size and order; returns its id."""
    return session.connection().execute(
        insert(orm.StudySession).returning(orm.StudySession.id),
        {"user_id": user_id, "pass_id": pass_row, "size": chosen.session_size,
         "session_order": chosen.order, "started_at": orm.utcnow()},
    ).scalar_one()


def attach_rating(session: Session, pass_row: int, exercise_id: str, session_id: int) -> None:
    """The exercise's rating in the pass counts in the session."""
    session.connection().execute(
        _ATTACH, {"pass_id": pass_row, "global_id": exercise_id, "session_id": session_id})


def rating_times(session: Session, user_id: int, since: datetime
                 ) -> list[tuple[int, datetime]]:
    """(subject id, when) of the learner's ratings since `since`, for streaks and goals."""
    rows = session.connection().execute(
        _RATINGS_SINCE.add_columns(orm.Pass.subject_id),
        {"user_id": user_id, "since": since})
    return [(subject_id, created_at) for created_at, subject_id in rows]


_SESSION_TIMES = select(orm.Rating.created_at).where(
    orm.Rating.session_id == bindparam("session_id"))
_SESSION_ATTEMPT_TIMES = (
    select(orm.Attempt.created_at)
    .join(orm.Rating, orm.Rating.pass_item_id == orm.Attempt.pass_item_id)
    .where(orm.Rating.session_id == bindparam("session_id"))
)


def activity_times(session: Session, session_id: int) -> list[datetime]:
    """When the session's exercises were checked and rated (its time spent comes from these)."""
    connection = session.connection()
    params = {"session_id": session_id}
    return [*connection.execute(_SESSION_TIMES, params).scalars(),
            *connection.execute(_SESSION_ATTEMPT_TIMES, params).scalars()]
