"""Load the curated bank (`exercises/<subject>/<topic>.yaml`) into the database, idempotently.

Progress is keyed by exercise ids (DESIGN §5), so a reload updates rows in place: an exercise
keeps its database id and every attempt, rating and study-list entry that points at it. Nothing
is ever deleted. An exercise that disappeared from the files keeps its row and history and is
listed in `LoadReport.retired` (and printed by `gyrus bank load`); there is no column to hide it
yet, so an operator decides what to do with it.

A bank with any bad file changes nothing: every file is read and validated first, and the rows
are written only when all of them are good (DESIGN §7: all or nothing).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bank.schema import Exercise as ExerciseFile
from app.bank.schema import FileError, TopicFile, load_file
from app.db import UnitOfWork, hold_startup_lock
from app.method import service
from app.models import Collection, Exercise, StudyList, StudyListEntry, Subject, Topic

if TYPE_CHECKING:
    from app.method.queries import ExerciseInfo

DEFAULT_BANK = Path(__file__).resolve().parents[2] / "exercises"
CURATED_SLUG = "curated"
CURATED_TITLE = "Gyrus curated bank"
SUBJECT_TITLES = {
    "calculus": "Calculus",
    "linear-algebra": "Linear algebra",
    "probability": "Probability",
    "bayesian": "Bayesian probability",
    "papers": "Reading deep-learning papers",
}


class BankError(ValueError):
    """The bank cannot be loaded; `problems` lists every reason as `path:line: message`."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class LoadReport:
    """What a load did. `retired`: curated exercises in the database but no longer in files."""

    files: int = 0
    subjects: int = 0
    topics: int = 0
    exercises: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"{self.files} files, {self.subjects} subjects, {self.topics} topics, "
                f"{self.exercises} exercises: {len(self.created)} created, "
                f"{len(self.updated)} updated, {len(self.retired)} retired "
                f"({self.seconds * 1000:.0f} ms)")


# --- reading the files ----------------------------------------------------------------------


def bank_files(paths: Iterable[Path | str]) -> list[Path]:
    """The YAML files named, and those under the folders named, in a stable order."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.y*ml") if p.suffix in (".yaml", ".yml"))
        else:
            found.append(path)
    return found


def read_bank(path: Path | str = DEFAULT_BANK) -> list[TopicFile]:
    """Every topic file under `path`, validated, with the cross-file rules a load needs
    (unique topics and ids, known prerequisites); raises BankError listing all problems."""
    files, problems = [], []
    paths = bank_files([path])
    if not paths:
        raise BankError([f"{path}: no exercise files (*.yaml) found"])
    for file in paths:
        try:
            files.append((file, load_file(file)))
        except FileError as error:
            problems += error.lines()
    problems += structure_problems(files)
    if problems:
        raise BankError(problems)
    return [topic for _path, topic in files]


def structure_problems(files: list[tuple[Path, TopicFile]]) -> list[str]:
    """Duplicate topics, duplicate exercise ids in a topic, prerequisites that name no topic."""
    problems, seen = [], {}
    for path, topic in files:
        if topic.key in seen:
            problems.append(f"{path}: topic {topic.key} is also defined in {seen[topic.key]}")
        seen[topic.key] = path
        ids = [e.id for e in topic.exercises]
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            problems.append(f"{path}: exercise id {dup!r} is used {ids.count(dup)} times")
    for path, topic in files:
        for prerequisite in topic.prerequisites:
            if prerequisite not in seen:
                problems.append(f"{path}: prerequisite {prerequisite} names no topic")
    return problems


def ordered_topics(topics: list[TopicFile]) -> list[TopicFile]:
    """Topics of one subject with each after its prerequisites in that subject, else by slug."""
    remaining = sorted(topics, key=lambda t: t.topic)
    done: list[TopicFile] = []
    placed: set[str] = set()
    while remaining:
        ready = next((t for t in remaining if _within(t) <= placed), remaining[0])  # a cycle
        remaining.remove(ready)
        done.append(ready)
        placed.add(ready.key)
    return done


def _within(topic: TopicFile) -> set[str]:
    return {p for p in topic.prerequisites if p.split("/")[0] == topic.subject}


# --- writing the rows -----------------------------------------------------------------------


def load_bank(target: UnitOfWork | Session, path: Path | str = DEFAULT_BANK) -> LoadReport:
    """Upsert the bank at `path` and commit; raises BankError (changing nothing) on bad files.

    `target` is a UnitOfWork (entered and committed here) or an open Session (committed here;
    on error nothing was written to it).
    """
    started = time.perf_counter()
    topics = read_bank(path)
    if isinstance(target, UnitOfWork):
        with target:
            report = _upsert(target.session, topics)
            target.commit()
    else:
        report = _upsert(target, topics)
        target.commit()
    report.files = len(topics)
    report.seconds = time.perf_counter() - started
    return report


def _upsert(session: Session, topics: list[TopicFile]) -> LoadReport:
    hold_startup_lock(session)  # app processes starting together load it one after another
    report = LoadReport()
    collection = _collection(session)
    global_ids = [t.global_id(e) for t in topics for e in t.exercises]
    existing = _existing(session, global_ids, collection)
    by_subject: dict[str, list[TopicFile]] = {}
    for topic in topics:
        by_subject.setdefault(topic.subject, []).append(topic)
    for slug, subject_topics in by_subject.items():
        subject = _subject(session, slug)
        for position, topic in enumerate(ordered_topics(subject_topics)):
            row = _topic(session, subject, topic, position)
            _exercises(session, collection, row, topic, existing, report)
    report.subjects, report.topics, report.exercises = len(by_subject), len(topics), len(global_ids)
    report.retired = _retired(session, collection, set(global_ids))
    session.flush()
    _join_study_lists(session, report.created)
    return report


def _join_study_lists(session: Session, created: list[str]) -> None:
    """Rule 8: exercises added to the bank later join the study lists that hold their topic
    (and so the open pass). Lists not yet saved follow the whole bank on their own."""
    if not created:
        return
    new = session.execute(select(Exercise.global_id, Exercise.topic_id, Topic.subject_id)
                          .join(Topic).where(Exercise.global_id.in_(created))).all()
    topics = {topic_id for _, topic_id, _ in new}
    holders = session.execute(
        select(StudyList.user_id, Subject.slug, Exercise.topic_id).distinct()
        .join(Subject, Subject.id == StudyList.subject_id)
        .join(StudyListEntry).join(Exercise, Exercise.id == StudyListEntry.exercise_id)
        .where(Exercise.topic_id.in_(topics))
    ).all()
    service.add_to_study_lists(session, {
        holder: [g for g, topic_id, _ in new if topic_id in topic_ids]
        for holder, topic_ids in _grouped(holders).items()
    })


def _grouped(holders: list) -> dict[tuple[int, str], set[int]]:
    grouped: dict[tuple[int, str], set[int]] = {}
    for user_id, slug, topic_id in holders:
        grouped.setdefault((user_id, slug), set()).add(topic_id)
    return grouped


def _collection(session: Session) -> Collection:
    row = session.scalar(select(Collection).where(Collection.slug == CURATED_SLUG))
    if row is None:
        row = Collection(slug=CURATED_SLUG, title=CURATED_TITLE, owner_id=None, source="exercises/")
        session.add(row)
        session.flush()
    return row


def _existing(session: Session, global_ids: list[str],
              collection: Collection) -> dict[str, Exercise]:
    """The rows the bank will update, after refusing ids another collection already owns."""
    rows = session.scalars(select(Exercise).where(Exercise.global_id.in_(global_ids))).all()
    taken = sorted(r.global_id for r in rows if r.collection_id != collection.id)
    if taken:
        raise BankError([f"{gid}: this id belongs to another collection" for gid in taken])
    return {r.global_id: r for r in rows}


def _subject(session: Session, slug: str) -> Subject:
    row = session.scalar(select(Subject).where(Subject.slug == slug))
    if row is None:
        title = SUBJECT_TITLES.get(slug, slug.replace("-", " ").capitalize())
        row = Subject(slug=slug, title=title)
        session.add(row)
        session.flush()
    return row


def _topic(session: Session, subject: Subject, topic: TopicFile, position: int) -> Topic:
    row = session.scalar(
        select(Topic).where(Topic.subject_id == subject.id, Topic.slug == topic.topic))
    if row is None:
        row = Topic(subject_id=subject.id, slug=topic.topic)
        session.add(row)
    assign(row, {
        "title": topic.title, "position": position, "theory": topic.theory,
        "examples": [e.model_dump() for e in topic.examples],
        "prerequisites": list(topic.prerequisites),
    })
    session.flush()
    return row


def _exercises(session: Session, collection: Collection, topic_row: Topic, topic: TopicFile,
               existing: dict[str, Exercise], report: LoadReport) -> None:
    for position, exercise in enumerate(topic.exercises):
        global_id = topic.global_id(exercise)
        values = exercise_columns(exercise) | {"topic_id": topic_row.id, "position": position}
        row = existing.get(global_id)
        if row is None:
            session.add(Exercise(global_id=global_id, collection_id=collection.id, **values))
            report.created.append(global_id)
        elif assign(row, values):
            report.updated.append(global_id)


def exercise_columns(exercise: ExerciseFile) -> dict[str, Any]:
    """An exercise of a file as the columns of its row.

    `params` holds `{"params": {...}, "where": [...]}` (the `where` conditions need a home and
    the table has one JSON column for them); `as_exercise` turns a row back into the dict
    `make_variant` takes.
    """
    params = exercise.params_dict()
    return {
        "prompt": exercise.prompt,
        "answer": exercise.answer_dict() or {},
        "parts": exercise.parts_list(),
        "params": {"params": params, "where": list(exercise.where)} if params else None,
        "hints": list(exercise.hints),
        "wrong": [w.model_dump() for w in exercise.wrong],
        "solution": exercise.solution,
        "difficulty": exercise.difficulty,
        "source": exercise.source,
    }


def as_exercise(row: Exercise | ExerciseInfo) -> dict[str, Any]:
    """The dict `app.bank.variants.make_variant` takes, from a stored exercise:
    `pool.run(make_variant, as_exercise(row), seed)`."""
    stored = row.params or {}
    return {
        "id": row.global_id, "prompt": row.prompt,
        "answer": dict(row.answer) if row.answer else None,
        "hints": list(row.hints or []), "solution": row.solution or "",
        "wrong": list(row.wrong or []), "params": stored.get("params") or None,
        "where": list(stored.get("where") or []), "parts": list(row.parts or []) or None,
    }


def assign(row: Any, values: dict[str, Any]) -> bool:
    """Set the columns that differ; whether any did (an unchanged row keeps its updated_at)."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _retired(session: Session, collection: Collection, current: set[str]) -> list[str]:
    ids = session.scalars(select(Exercise.global_id).where(
        Exercise.collection_id == collection.id)).all()
    return sorted(set(ids) - current)
