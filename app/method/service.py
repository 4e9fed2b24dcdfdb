"""The method applied to stored progress: each function opens a unit of work, loads the learner's
`Subject`, lets the pure model decide, saves and commits.

The model is the rule authority: a function raises the model's `MethodError` when a rule says no,
and nothing is written. The database's unique constraints repeat the rules two concurrent
requests could both pass (a double click on "Start pass" or a rating button): the losing commit
fails with `IntegrityError`, which is turned back into the model's exception, so callers handle
one kind of error whether the race was lost in Python or in the database.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import models as orm
from app.bank import loader
from app.bank.snippets import snippet
from app.db import UnitOfWork, is_duplicate
from app.method import session_store, sessions
from app.method.model import (
    AlreadyChecked,
    AlreadyRated,
    Counts,
    MethodError,
    NoOpenPass,
    NotParked,
    Pass,
    PassNotFinished,
    Rating,
    Subject,
    Verdict,
)
from app.method.repository import SubjectRepository


@dataclass(frozen=True)
class Progress:
    """Rule 9, for the dashboard: the current pass and the study list's colours."""

    pass_number: int | None
    pass_open: bool
    counts: Counts
    complete: bool

    @classmethod
    def of(cls, aggregate: Subject) -> Progress:
        current = aggregate.current_pass
        return cls(
            pass_number=current.number if current else None,
            pass_open=aggregate.open_pass is not None,
            counts=aggregate.counts(),
            complete=aggregate.is_complete(),
        )

    @classmethod
    def not_started(cls, size: int) -> Progress:
        """A subject without a pass or a study list of the learner's: its list is the curated
        bank (rule 1) of `size` exercises, all unrated."""
        return cls(pass_number=None, pass_open=False, counts=Counts(unrated=size), complete=False)


@dataclass(frozen=True)
class PassSummary:
    """What a closed pass held and what the next one will (rule 4)."""

    number: int
    counts: Counts
    next_pass: list[str]


@contextmanager
def _conflict_means(error: type[MethodError], detail: str) -> Iterator[None]:
    """A unique constraint fired: another request got there first, as `error` says."""
    try:
        yield
    except IntegrityError as exc:
        if not is_duplicate(exc):
            raise
        raise error(detail) from exc


def _load(uow: UnitOfWork, user_id: int, subject: str) -> tuple[SubjectRepository, Subject]:
    repository = SubjectRepository(uow.session)
    return repository, repository.get(user_id, subject)


def _save(uow: UnitOfWork, repository: SubjectRepository, aggregate: Subject) -> None:
    repository.save(aggregate)
    uow.commit()


def start_pass(uow: UnitOfWork, user_id: int, subject: str) -> int:
    """Start pass 1 or the next pass (rules 1, 2, 4); returns its number. Its items' list
    snippets are made after (`app.bank.shown.fill_snippets`)."""
    with uow, _conflict_means(PassNotFinished, f"a pass of {subject} was just started"):
        repository, aggregate = _load(uow, user_id, subject)
        number = aggregate.start_pass().number
        _save(uow, repository, aggregate)
    return number


def record_check(
    uow: UnitOfWork,
    user_id: int,
    subject: str,
    exercise_id: str,
    response: str,
    result_status: str,
    latex: str | None = None,
    shape_note: str | None = None,
    motion_note: str | None = None,
    message: str | None = None,
    feedback: str | None = None,
    entries: dict | None = None,
    part: int | None = None,
) -> bool:
    """Store the attempt the checker graded (`result_status`, DESIGN §3, or "self"), with its
    message, the feedback on a mistake and which entries were wrong, shown again in the next
    pass (rule 5). `part`: the part of a multi-part exercise that was graded; AlreadyChecked
    if it is no longer the current one.

    Returns False for an invalid response: it was not read, so no attempt exists (rule 3).
    """
    with uow, _conflict_means(AlreadyChecked, exercise_id):
        repository, aggregate = _load(uow, user_id, subject)
        if not aggregate.record_check(exercise_id, Verdict(result_status), part=part):
            return False
        repository.save(aggregate)
        texts = {"latex": latex, "shape_of_problem": shape_note, "motion_to_solution": motion_note,
                 "message": message, "feedback": feedback, "entries": entries}
        repository.add_attempt(aggregate, exercise_id, response=response, **texts)
        uow.commit()
    return True


def rate(
    uow: UnitOfWork,
    user_id: int,
    subject: str,
    exercise_id: str,
    rating: Rating,
    disputed: bool = False,
) -> bool:
    """Rate the exercise in the open pass (rule 3); True when the Red cap parked it (rule 7)."""
    with uow, _conflict_means(AlreadyRated, exercise_id):
        repository, aggregate = _load(uow, user_id, subject)
        rated_in = aggregate.open_pass
        aggregate.rate(exercise_id, rating, disputed=disputed)
        repository.save(aggregate)
        _count_in_session(uow, subject, user_id, rated_in, exercise_id)
        uow.commit()
    return exercise_id in aggregate.parked


def try_again(uow: UnitOfWork, user_id: int, subject: str, exercise_id: str) -> None:
    """Try again after an Incorrect check: the Answer box comes back (rule 3)."""
    with uow:
        repository, aggregate = _load(uow, user_id, subject)
        aggregate.try_again(exercise_id)
        _save(uow, repository, aggregate)


def next_part(uow: UnitOfWork, user_id: int, subject: str, exercise_id: str) -> None:
    """Next part of a multi-part exercise, once the current part is done (rule 3)."""
    with uow:
        repository, aggregate = _load(uow, user_id, subject)
        aggregate.next_part(exercise_id)
        _save(uow, repository, aggregate)


def undo_rating(uow: UnitOfWork, user_id: int, subject: str, exercise_id: str) -> None:
    """Undo the latest rating until the next Check: unrated again, unparked if its Red parked
    it, its pass open again if the rating ended it."""
    with uow:
        repository, aggregate = _load(uow, user_id, subject)
        aggregate.undo_rating(exercise_id)
        _save(uow, repository, aggregate)


def theory_shown(uow: UnitOfWork, user_id: int, subject: str, topic: str) -> None:
    """The topic's theory review was read in the open pass: once per topic per pass (rule 5).
    Read twice at once (two tabs), the second write finds the first's row and is a no-op."""
    try:
        with uow:
            repository, aggregate = _load(uow, user_id, subject)
            aggregate.theory_shown(topic)
            _save(uow, repository, aggregate)
    except IntegrityError as error:
        if not is_duplicate(error):
            raise


def show_hint(uow: UnitOfWork, user_id: int, subject: str, exercise_id: str, *, last: bool) -> None:
    """Note that a hint was opened: the last one, before the check, caps the rating (rule 3)."""
    with uow:
        repository, aggregate = _load(uow, user_id, subject)
        aggregate.show_hint(exercise_id, last=last)
        _save(uow, repository, aggregate)


def show_solution(uow: UnitOfWork, user_id: int, subject: str, exercise_id: str) -> None:
    """Note that the solution was opened: before the check, it caps the rating (rule 3)."""
    with uow:
        repository, aggregate = _load(uow, user_id, subject)
        aggregate.show_solution(exercise_id)
        _save(uow, repository, aggregate)


def close_pass(uow: UnitOfWork, user_id: int, subject: str) -> PassSummary:
    """End the open pass early (rule 4); its unrated exercises go to the next pass."""
    with uow:
        repository, aggregate = _load(uow, user_id, subject)
        closed = aggregate.close_pass()
        _save(uow, repository, aggregate)
    return PassSummary(closed.number, closed.counts(), aggregate.next_pass_preview())


def unpark(uow: UnitOfWork, user_id: int, subject: str, exercise_id: str) -> None:
    """Return a parked exercise to the cycle (rule 7): the open pass, or else the next one."""
    with uow, _conflict_means(NotParked, exercise_id):
        repository, aggregate = _load(uow, user_id, subject)
        aggregate.unpark(exercise_id)
        _save(uow, repository, aggregate)


def progress(uow: UnitOfWork, user_id: int, subject: str) -> Progress:
    """Rule 9's counts and the current pass; reads only."""
    with uow.reading():
        aggregate = SubjectRepository(uow.session).get(user_id, subject)
    return Progress.of(aggregate)


# -- the study list (rules 1, 8) ---------------------------------------------------------------


def update_study_list(uow: UnitOfWork, user_id: int, subject: str, visible: set[str],
                      wanted: list[str]) -> tuple[int, int]:
    """Make the `visible` part of the study list `wanted` (the editor's form: only exercises the
    learner may see are ever added); returns (added, removed) counts. Added exercises join the
    open pass (rule 8); removed ones leave it where unrated. Two first saves of a list at
    once: the second is retried, and finds the first's list."""
    for attempt in range(2):
        try:
            with uow:
                repository, aggregate = _load(uow, user_id, subject)
                chosen = set(wanted)
                removed = [e for e in aggregate.study_list if e in visible and e not in chosen]
                aggregate.remove_from_study_list(removed)
                added = aggregate.add_to_study_list(wanted)
                _save(uow, repository, aggregate)
            return len(added), len(removed)
        except IntegrityError as error:
            if attempt or not is_duplicate(error):
                raise
    raise AssertionError("unreachable")


def add_to_study_lists(session: Session, additions: Mapping[tuple[int, str], list[str]]) -> int:
    """Add exercises to learners' study lists, `(user id, subject) -> exercise ids`, and so to
    their open passes (rule 8), inside the caller's transaction: an import or a bank load writes
    everything or nothing. Returns how many entries were added."""
    repository = SubjectRepository(session)
    added = 0
    for (user_id, subject), exercise_ids in additions.items():
        aggregate = repository.get(user_id, subject)
        added += len(aggregate.add_to_study_list(exercise_ids))
        repository.save(aggregate)
    session.flush()
    return added


# -- the lists' snippets ----------------------------------------------------------------------

_UNFILLED = (
    select(orm.PassItem.id, orm.PassItem.seed, orm.Exercise.global_id, orm.Exercise.prompt,
           orm.Exercise.answer, orm.Exercise.params, orm.Exercise.hints,
           orm.Exercise.solution, orm.Exercise.wrong, orm.Exercise.parts)
    .join(orm.Pass, orm.Pass.id == orm.PassItem.pass_id)
    .join(orm.Exercise, orm.Exercise.id == orm.PassItem.exercise_id)
    .join(orm.Subject, orm.Subject.id == orm.Pass.subject_id)
    .where(orm.PassItem.snippet.is_(None), orm.Pass.ended_at.is_(None))
    .order_by(orm.PassItem.id)
)
_SET_SNIPPET = (
    update(orm.PassItem).where(orm.PassItem.id == bindparam("item_id"))
    .values(snippet=bindparam("text"))
)


@dataclass(frozen=True)
class Unfilled:
    """Open-pass items without a list snippet: `texts` (item id -> snippet) of exercises
    without parameters, made here; `varied`, (item id, exercise, seed) for the pool."""

    texts: dict[int, str]
    varied: list[tuple[int, dict[str, Any], int]]


def unfilled_snippets(uow: UnitOfWork, user_id: int | None = None,
                      subject: str | None = None) -> Unfilled:
    """The open passes' items (of one learner and subject, or all) whose snippet is to make:
    the pass page reads stored snippets instead of making a variant per row."""
    statement = _UNFILLED
    if user_id is not None:
        statement = statement.where(orm.Pass.user_id == user_id)
    if subject is not None:
        statement = statement.where(orm.Subject.slug == subject)
    with uow.reading():
        rows = uow.execute(statement).all()
    return Unfilled({row.id: snippet(row.prompt) for row in rows if not row.params},
                    [(row.id, loader.as_exercise(row), row.seed) for row in rows if row.params])


def store_snippets(uow: UnitOfWork, texts: Mapping[int, str]) -> None:
    """Keep made snippets (item id -> text)."""
    if texts:
        with uow:
            uow.execute(_SET_SNIPPET, [{"item_id": k, "text": v} for k, v in texts.items()])
            uow.commit()


def forget_snippets(session: Session, global_ids: list[str]) -> None:
    """Edited exercises (a bank load, a re-import): their open-pass items' snippets are made
    again by the next `fill_snippets`, inside the caller's transaction. Closed passes keep the
    text their learner saw."""
    if not global_ids:
        return
    open_passes = select(orm.Pass.id).where(orm.Pass.ended_at.is_(None))
    for start in range(0, len(global_ids), 500):
        edited = select(orm.Exercise.id).where(
            orm.Exercise.global_id.in_(global_ids[start:start + 500]))
        session.execute(update(orm.PassItem)
                        .where(orm.PassItem.exercise_id.in_(edited),
                               orm.PassItem.pass_id.in_(open_passes))
                        .values(snippet=None)
                        .execution_options(synchronize_session=False))


# -- the operator's disputes (rule 3) ----------------------------------------------------------


def review_dispute(uow: UnitOfWork, rating_id: int) -> bool:
    """Mark a disputed rating reviewed (a second review keeps the first time); False when no
    disputed rating has this id."""
    with uow:
        rating = uow.session.scalars(select(orm.Rating).where(
            orm.Rating.id == rating_id, orm.Rating.disputed.is_(True))).one_or_none()
        if rating is None:
            return False
        if rating.reviewed_at is None:
            rating.reviewed_at = orm.utcnow()
            uow.commit()
    return True


# -- sessions and settings (rules 9, 10) --------------------------------------------------------


def _count_in_session(uow: UnitOfWork, subject: str, user_id: int, rated_in: Pass | None,
                      exercise_id: str) -> None:
    """The rating just saved counts in the learner's current session of the pass; without one
    (the learner went straight to an exercise) the rating starts a session."""
    if rated_in is None:
        return
    pass_row = session_store.pass_id(uow.session, user_id, subject, rated_in.number)
    session_id = _session_to_join(uow, user_id, subject, rated_in, pass_row)
    session_store.attach_rating(uow.session, pass_row, exercise_id, session_id)


def _session_to_join(uow: UnitOfWork, user_id: int, subject: str, open_pass: Pass,
                     pass_row: int) -> int:
    """The id of the learner's current session of the open pass (row `pass_row`), started
    now if there is none (rule 10)."""
    chosen = session_store.settings(uow.session, user_id)
    latest = session_store.latest(uow.session, user_id, subject)
    current = sessions.current_session(latest, open_pass, orm.utcnow(), chosen.zone)
    if current is not None:
        return current.id
    return session_store.start(uow.session, user_id, pass_row, chosen)


def continue_pass(uow: UnitOfWork, user_id: int, subject: str, browser_zone: str = "") -> None:
    """Continue pass (rule 10): resume the current session of the open pass, or start the next
    one. A time zone the browser sent becomes the learner's if they never chose one (an
    unknown name is ignored: the learner did not type it). Raises NoOpenPass."""
    with uow:
        _, aggregate = _load(uow, user_id, subject)
        open_pass = aggregate.open_pass
        if open_pass is None:
            raise NoOpenPass(subject)
        if browser_zone:
            try:
                zone = sessions.time_zone_name(browser_zone)
            except sessions.SettingsError:
                pass
            else:
                session_store.adopt_time_zone(uow.session, user_id, zone)
        pass_row = session_store.pass_id(uow.session, user_id, subject, open_pass.number)
        _session_to_join(uow, user_id, subject, open_pass, pass_row)
        uow.commit()


def save_settings(uow: UnitOfWork, user_id: int, chosen: sessions.LearnerSettings) -> None:
    """The Account page's settings; a session already started keeps its size and order."""
    with uow:
        session_store.save_settings(uow.session, user_id, chosen)
        uow.commit()
