"""The method applied to stored progress: each function opens a unit of work, loads the learner's
`Subject`, lets the pure model decide, saves and commits.

The model is the rule authority: a function raises the model's `MethodError` when a rule says no,
and nothing is written. The database's unique constraints repeat the rules two concurrent
requests could both pass (a double click on "Start pass" or a rating button): the losing commit
fails with `IntegrityError`, which is turned back into the model's exception, so callers handle
one kind of error whether the race was lost in Python or in the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from app.db import UnitOfWork, is_duplicate
from app.method.model import (
    AlreadyChecked,
    AlreadyRated,
    Counts,
    MethodError,
    NotParked,
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
    """Start pass 1 or the next pass (rules 1, 2, 4); returns its number."""
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
) -> bool:
    """Store the attempt the checker graded (`result_status`, DESIGN §3, or "self").

    Returns False for an invalid response: it was not read, so no attempt exists (rule 3).
    """
    with uow, _conflict_means(AlreadyChecked, exercise_id):
        repository, aggregate = _load(uow, user_id, subject)
        if not aggregate.record_check(exercise_id, Verdict(result_status)):
            return False
        repository.save(aggregate)
        texts = {"latex": latex, "shape_of_problem": shape_note, "motion_to_solution": motion_note}
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
        aggregate.rate(exercise_id, rating, disputed=disputed)
        _save(uow, repository, aggregate)
    return exercise_id in aggregate.parked


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
    with uow:
        aggregate = SubjectRepository(uow.session).read(user_id, subject)
    return Progress.of(aggregate)
