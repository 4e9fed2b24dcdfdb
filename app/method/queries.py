"""The read side (Cosmic Python's "views"): the queries behind the pages, each in one read-only
snapshot (`with uow.reading():`). No rule is decided here.

Every query but the operator's is scoped to the signed-in learner: exercises of another
learner's imported collection, and another learner's passes and attempts, are simply not found
(a 404).
Results are plain data, as the unit of work's session is closed when a function returns.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, case, func, or_, select
from sqlalchemy.orm import joinedload

from app import models as orm
from app.bank import export
from app.bank.formats.model import ImportRefused
from app.bank.snippets import unfilled_snippet
from app.db import UnitOfWork
from app.method import model, session_store, sessions
from app.method.repository import (
    PART_COUNT,
    STATE_COLUMNS,
    SubjectRepository,
    UnknownSubject,
    pass_item,
)
from app.method.service import Progress


class NotFound(LookupError):
    """Nothing the learner may see has this name or id."""


@dataclass(frozen=True)
class ExerciseInfo:
    """An exercise with its topic, subject and collection, as plain data that outlives the
    session: the one shape the pages, the variants and the operator's lists read."""

    id: int
    global_id: str
    subject: str
    subject_title: str
    topic: str
    topic_title: str
    prompt: str
    answer: dict[str, Any]
    params: dict[str, Any] | None
    hints: list[Any]
    wrong: list[Any]
    solution: str
    source: str
    difficulty: int
    collection_title: str
    updated_at: Any = None
    macros: dict[str, Any] | None = None
    """The collection's KaTeX macros (an imported PreTeXt book's), for the page."""
    parts: list[Any] | None = None
    """A multi-part exercise's parts (DESIGN §5); `answer` is then empty."""

    @property
    def local_id(self) -> str:
        return self.global_id.rsplit("/", 1)[-1]

    @classmethod
    def of(cls, row: orm.Exercise) -> ExerciseInfo:
        """From an exercise row with its topic, subject and collection loaded."""
        return cls.from_columns(
            id=row.id, global_id=row.global_id, subject=row.topic.subject.slug,
            subject_title=row.topic.subject.title, topic=row.topic.slug,
            topic_title=row.topic.title, prompt=row.prompt, answer=row.answer,
            params=row.params, hints=row.hints, wrong=row.wrong, solution=row.solution,
            source=row.source, difficulty=row.difficulty,
            collection_title=row.collection.title, updated_at=row.updated_at,
            macros=row.collection.macros, parts=row.parts,
        )

    @classmethod
    def from_columns(cls, **columns: Any) -> ExerciseInfo:
        """From its columns by field name; missing JSON and text values become empty ones."""
        return cls(**{
            **columns,
            "answer": dict(columns["answer"] or {}),
            "hints": list(columns["hints"] or []),
            "wrong": list(columns["wrong"] or []),
            "solution": columns["solution"] or "",
            "source": columns["source"] or "",
        })


@dataclass(frozen=True)
class SubjectCard:
    slug: str
    title: str
    progress: Progress


@dataclass(frozen=True)
class Label:
    """How a list names an exercise."""

    id: int
    global_id: str
    topic_title: str
    snippet: str
    topic: str = ""
    """The topic's slug (its Theory, its review once per pass)."""

    @property
    def local_id(self) -> str:
        return self.global_id.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class AttemptInfo:
    pass_number: int
    number: int
    """1, 2, ... within its pass item (Try again makes more)."""
    response: str
    status: str
    latex: str | None
    shape_of_problem: str | None
    motion_to_solution: str | None
    message: str | None
    feedback: str | None
    entries: dict | None
    """Which entries of a structured answer were wrong (DESIGN §3), or None."""
    rating: str | None
    disputed: bool = False
    part: int = 0
    """The part of a multi-part exercise it answered, from 0."""


@dataclass(frozen=True)
class ItemRow:
    """The pass item behind the exercise page: its row id (a stable key) and its attempts in
    this pass, first to latest."""

    id: int
    attempts: list[AttemptInfo] = field(default_factory=list)

    @property
    def attempt(self) -> AttemptInfo | None:
        """The latest attempt, whose verdict the page shows."""
        return self.attempts[-1] if self.attempts else None

    def of_part(self, part: int) -> list[AttemptInfo]:
        """The attempts at one part (all of them for an exercise without parts)."""
        return [a for a in self.attempts if a.part == part]


@dataclass
class TopicChoice:
    """One topic in the study-list editor, with its exercises and which are on the list."""

    slug: str
    title: str
    exercises: list[Label] = field(default_factory=list)
    chosen: set[str] = field(default_factory=set)

    @property
    def all_chosen(self) -> bool:
        return bool(self.exercises) and all(e.global_id in self.chosen for e in self.exercises)


@dataclass(frozen=True)
class CollectionChoice:
    slug: str
    title: str
    size: int
    chosen: int


@dataclass(frozen=True)
class StudyListChoices:
    topics: list[TopicChoice]
    collections: list[CollectionChoice]
    exercise_collections: dict[str, str]
    exercise_topics: dict[str, str]

    def wanted(self, topics: set[str], collections: set[str], exercises: set[str]) -> list[str]:
        """The exercises the editor's ticks ask for: an exercise is on the list when its
        collection is ticked, and its topic or the exercise itself is (collections filter
        sources, topics and exercises pick within them)."""
        return [
            label.global_id
            for topic in self.topics
            for label in topic.exercises
            if self.exercise_collections[label.global_id] in collections
            and (topic.slug in topics or label.global_id in exercises)
        ]


@dataclass(frozen=True)
class ParkedInfo:
    exercise: ExerciseInfo
    prerequisites: list[tuple[str, str]]
    """(subject/topic, title) of the topic's prerequisites that exist."""
    examples: list[dict]
    snippet: str = ""
    """The prompt as the learner last saw it (its variant filled), for the list."""


def visible(user_id: int) -> Select:
    """Exercises a learner may see: the curated bank and their own imported collections."""
    return select(orm.Exercise).join(orm.Exercise.collection).where(_visible_to(user_id))


def _visible_to(user_id: object) -> ColumnElement[bool]:
    """The collections a learner may see (`user_id`: an id or a bound parameter)."""
    return or_(orm.Collection.owner_id.is_(None), orm.Collection.owner_id == user_id)


def _label(row: orm.Exercise, snippets: dict[str, str] | None = None) -> Label:
    """`snippets`: the filled snippets of the learner's pass items; other exercises show their
    prompt unfilled."""
    shown = (snippets or {}).get(row.global_id) or unfilled_snippet(row.prompt)
    return Label(row.id, row.global_id, row.topic.title, shown, row.topic.slug)


# -- subjects and progress --------------------------------------------------------------------


def _subject_visible_to(user_id: object) -> ColumnElement[bool]:
    """Subjects with an exercise the learner may see: one made by another learner's private
    import is not theirs to see."""
    return (
        select(orm.Exercise.id)
        .join(orm.Topic, orm.Topic.id == orm.Exercise.topic_id)
        .join(orm.Collection, orm.Collection.id == orm.Exercise.collection_id)
        .where(orm.Topic.subject_id == orm.Subject.id, _visible_to(user_id))
        .exists()
    )


CURATED_SUBJECTS = ("calculus", "linear-algebra", "probability", "bayesian", "papers")
"""The curated bank's subjects in the order a learner takes them; imported ones follow."""
_SUBJECTS = (
    select(orm.Subject.slug, orm.Subject.title)
    .where(_subject_visible_to(bindparam("user_id")))
    .order_by(case({slug: n for n, slug in enumerate(CURATED_SUBJECTS)},
                   value=orm.Subject.slug, else_=len(CURATED_SUBJECTS)),
              orm.Subject.title)
)
_SUBJECT_TITLE = select(orm.Subject.title).where(
    orm.Subject.slug == bindparam("slug"), _subject_visible_to(bindparam("user_id")))


_STARTED = or_(
    select(orm.StudyList.id).where(orm.StudyList.subject_id == orm.Subject.id,
                                   orm.StudyList.user_id == bindparam("user_id")).exists(),
    select(orm.Pass.id).where(orm.Pass.subject_id == orm.Subject.id,
                              orm.Pass.user_id == bindparam("user_id")).exists(),
)
_CURATED_SIZE = (
    select(func.count(orm.Exercise.id))
    .join(orm.Topic, orm.Topic.id == orm.Exercise.topic_id)
    .join(orm.Collection, orm.Collection.id == orm.Exercise.collection_id)
    .where(orm.Topic.subject_id == orm.Subject.id, orm.Collection.owner_id.is_(None))
    .scalar_subquery()
)
_SUBJECT_CARDS = _SUBJECTS.add_columns(_STARTED.label("started"), _CURATED_SIZE.label("size"))


def subject_cards(uow: UnitOfWork, user_id: int) -> list[SubjectCard]:
    """Every subject the learner may see, with their progress in it (rule 9): the dashboard.
    Only the subjects they have started are loaded; the others are read in the same statement
    as the list of subjects."""
    with uow.reading():
        repository = SubjectRepository(uow.session)
        return [
            SubjectCard(slug, title, Progress.of(repository.get(user_id, slug)) if started
                        else Progress.not_started(size))
            for slug, title, started, size in uow.execute(_SUBJECT_CARDS, {"user_id": user_id})
        ]


def subjects(uow: UnitOfWork, user_id: int) -> list[tuple[str, str]]:
    """(slug, title) of every subject the learner may see."""
    with uow.reading():
        return [(slug, title)
                for slug, title in uow.execute(_SUBJECTS, {"user_id": user_id})]


def load_subject(uow: UnitOfWork, user_id: int, slug: str) -> tuple[str, model.Subject]:
    """The subject's title and the learner's aggregate, to read (which pass is open, what
    needs a theory review). Raises UnknownSubject, also for a subject they may not see."""
    with uow.reading():
        title = uow.execute(_SUBJECT_TITLE, {"slug": slug, "user_id": user_id}).scalar()
        if title is None:
            raise UnknownSubject(slug)
        return title, SubjectRepository(uow.session).get(user_id, slug)


_PK = select(orm.Exercise.id).where(orm.Exercise.global_id == bindparam("global_id"))
_GLOBAL_ID = select(orm.Exercise.global_id).where(orm.Exercise.id == bindparam("pk"))


def exercise_pk(uow: UnitOfWork, user_id: int, global_id: str) -> int:
    """The row id of an exercise the learner may see, by its exercise id; raises NotFound."""
    with uow.reading():
        found = uow.session.scalar(
            visible(user_id).with_only_columns(orm.Exercise.id)
            .where(orm.Exercise.global_id == global_id))
    if found is None:
        raise NotFound(global_id)
    return found


_PASS_LABELS = (
    select(orm.Exercise.global_id, orm.Exercise.id, orm.Topic.title, orm.PassItem.snippet,
           orm.Exercise.prompt, orm.Topic.slug)
    .select_from(orm.PassItem)
    .join(orm.Pass, orm.Pass.id == orm.PassItem.pass_id)
    .join(orm.Subject, orm.Subject.id == orm.Pass.subject_id)
    .join(orm.Exercise, orm.Exercise.id == orm.PassItem.exercise_id)
    .join(orm.Topic, orm.Topic.id == orm.Exercise.topic_id)
    .where(orm.Pass.user_id == bindparam("user_id"), orm.Subject.slug == bindparam("subject"),
           orm.Pass.number == bindparam("number"))
)


def pass_labels(uow: UnitOfWork, user_id: int, subject: str, number: int) -> dict[str, Label]:
    """Names for the items of the learner's pass `number`, with the filled snippets the pool
    made for them (an item not filled yet shows its prompt unfilled): one statement."""
    with uow.reading():
        rows = uow.execute(_PASS_LABELS,
                           {"user_id": user_id, "subject": subject, "number": number})
        return {global_id: Label(pk, global_id, title, text or unfilled_snippet(prompt), topic)
                for global_id, pk, title, text, prompt, topic in rows}


_PASS_ROW = (
    select(orm.Pass.id, orm.Pass.closed_early)
    .join(orm.Subject, orm.Subject.id == orm.Pass.subject_id)
    .where(orm.Pass.user_id == bindparam("user_id"), orm.Subject.slug == bindparam("subject"),
           orm.Pass.number == bindparam("number"))
)
_PASS_TOPIC_COUNTS = (
    select(orm.Topic.slug, orm.Topic.title, orm.PassItem.rating, func.count())
    .select_from(orm.PassItem)
    .join(orm.Exercise, orm.Exercise.id == orm.PassItem.exercise_id)
    .join(orm.Topic, orm.Topic.id == orm.Exercise.topic_id)
    .where(orm.PassItem.pass_id == bindparam("pass_id"))
    .group_by(orm.Topic.slug, orm.Topic.title, orm.PassItem.rating)
)
_PASS_ITEMS = (
    select(orm.Exercise.global_id, orm.Exercise.id, orm.PassItem.seed, PART_COUNT,
           *(getattr(orm.PassItem, column) for column in STATE_COLUMNS),
           orm.Topic.slug, orm.Topic.title, orm.PassItem.snippet,
           case((orm.PassItem.snippet.is_(None), orm.Exercise.prompt)))
    .select_from(orm.PassItem)
    .join(orm.Exercise, orm.Exercise.id == orm.PassItem.exercise_id)
    .join(orm.Topic, orm.Topic.id == orm.Exercise.topic_id)
    .where(orm.PassItem.pass_id == bindparam("pass_id"),
           orm.Topic.slug.in_(bindparam("topics", expanding=True)))
    .order_by(orm.PassItem.position)
)
_EARLIER_RATINGS = (
    select(orm.Pass.number, orm.Exercise.global_id, orm.PassItem.rating)
    .select_from(orm.PassItem)
    .join(orm.Pass, orm.Pass.id == orm.PassItem.pass_id)
    .join(orm.Exercise, orm.Exercise.id == orm.PassItem.exercise_id)
    .where(orm.Pass.user_id == bindparam("user_id"),
           orm.Pass.subject_id == select(orm.Pass.subject_id)
           .where(orm.Pass.id == bindparam("pass_id")).scalar_subquery(),
           orm.Pass.number < bindparam("number"), orm.PassItem.rating.is_not(None),
           orm.PassItem.exercise_id.in_(
               select(orm.PassItem.exercise_id)
               .where(orm.PassItem.pass_id == bindparam("pass_id"))))
    .order_by(orm.Pass.number)
)
"""The ratings of earlier passes of the exercises in one pass: what its theory reviews need."""
_PASS_THEORY_SEEN = (
    select(orm.Topic.slug)
    .join(orm.TheorySeen, orm.TheorySeen.topic_id == orm.Topic.id)
    .where(orm.TheorySeen.pass_id == bindparam("pass_id"))
)


LIST_ALL = 250
"""A pass of at most this many items lists every one; a longer one lists one topic at a time
(the others by their counts), so its page stays quick to load and to read."""


@dataclass(frozen=True)
class PassTopic:
    """One topic of a pass page: its counts and, when the page lists it, its rows (each item
    with its name and whether its topic's theory review comes first, rule 5)."""

    key: str
    title: str
    counts: model.Counts
    rows: list[tuple[model.PassItem, Label, bool]] | None = None


@dataclass(frozen=True)
class PassPage:
    title: str
    number: int
    closed_early: bool
    topics: list[PassTopic]

    @property
    def counts(self) -> model.Counts:
        return model.Counts(*(sum(getattr(t.counts, colour) for t in self.topics)
                              for colour in ("green", "yellow", "red", "unrated")))

    @property
    def is_finished(self) -> bool:
        return self.closed_early or self.counts.unrated == 0


def pass_page(uow: UnitOfWork, user_id: int, subject: str, number: int,
              topic: str | None = None) -> PassPage:
    """The learner's pass `number` by topic in prerequisite order, read from the pass's own
    rows (counts per topic in one statement, then the listed topics' items), never from the
    whole aggregate. A pass longer than `LIST_ALL` lists `topic` (a slug), else its first topic
    with an unrated exercise. Raises UnknownSubject, or NotFound for a pass they lack."""
    with uow.reading():
        title = uow.execute(_SUBJECT_TITLE, {"slug": subject, "user_id": user_id}).scalar()
        if title is None:
            raise UnknownSubject(subject)
        found = uow.execute(_PASS_ROW, {"user_id": user_id, "subject": subject,
                                        "number": number}).first()
        if found is None:
            raise NotFound(f"pass {number}")
        pass_id, closed_early = found
        topics = _pass_topics(uow, user_id, subject, pass_id)
        listed = _listed_topics(topics, topic)
        current = model.Pass(number, closed_early=closed_early)
        names: dict[str, Label] = {}
        for row in uow.execute(_PASS_ITEMS, {"pass_id": pass_id, "topics": sorted(listed)}):
            global_id, pk, seed, parts, state = row[0], row[1], row[2], row[3], row[4:-4]
            slug, topic_title, snippet, prompt = row[-4:]
            current.items.append(pass_item(global_id, seed, parts, state))
            snippet = snippet or unfilled_snippet(prompt)
            names[global_id] = Label(pk, global_id, topic_title, snippet, slug)
        due = _theory_reviews_due(uow, user_id, pass_id, current,
                                  {e: label.topic for e, label in names.items()})
    rows: dict[str, list[tuple[model.PassItem, Label, bool]]] = {slug: [] for slug in listed}
    for item in current.items:
        label = names[item.exercise_id]
        rows[label.topic].append((item, label, item.exercise_id in due))
    return PassPage(title, number, closed_early, [
        PassTopic(f"{subject}/{slug}", topic_title, counts, rows.get(slug))
        for slug, topic_title, counts in topics])


def _pass_topics(uow: UnitOfWork, user_id: int, subject: str, pass_id: int
                 ) -> list[tuple[str, str, model.Counts]]:
    """A pass's topics (slug, title, counts) in prerequisite order."""
    counted: dict[str, tuple[str, Counter]] = {}
    for slug, topic_title, rating, n in uow.execute(_PASS_TOPIC_COUNTS, {"pass_id": pass_id}):
        counted.setdefault(slug, (topic_title, Counter()))[1][rating] += n
    key = f"{subject}/{{}}".format
    order = sessions.prerequisite_order(
        (key(slug), [str(p) for p in prerequisites or []]) for slug, _, prerequisites in
        uow.execute(_TOPIC_PREREQUISITES, {"subject": subject, "user_id": user_id}))
    rank = {topic_key: n for n, topic_key in enumerate(order)}
    return sorted(
        ((slug, topic_title, model.Counts(ratings["green"], ratings["yellow"], ratings["red"],
                                          ratings[None]))
         for slug, (topic_title, ratings) in counted.items()),
        key=lambda found: rank.get(key(found[0]), len(rank)))


def _listed_topics(topics: list[tuple[str, str, model.Counts]], chosen: str | None) -> set[str]:
    """The slugs a pass page lists: all of a short pass's, else the chosen one or the first
    with an unrated exercise."""
    if sum(counts.total for _, _, counts in topics) <= LIST_ALL:
        return {slug for slug, _, _ in topics}
    slugs = {slug for slug, _, _ in topics}
    if chosen in slugs:
        return {chosen}
    return {next((slug for slug, _, counts in topics if counts.unrated), topics[0][0])}


def _theory_reviews_due(uow: UnitOfWork, user_id: int, pass_id: int, current: model.Pass,
                        topics: dict[str, str]) -> set[str]:
    """Rule 5 for a pass's items, from the earlier ratings of just those exercises."""
    if current.number == 1 or current.is_finished:
        return set()
    earlier: dict[int, model.Pass] = {}
    for number, global_id, rating in uow.execute(
            _EARLIER_RATINGS, {"user_id": user_id, "pass_id": pass_id, "number": current.number}):
        earlier.setdefault(number, model.Pass(number)).items.append(
            model.PassItem(global_id, 0, rating=model.Rating(rating)))
    current.theory_seen.update(uow.execute(_PASS_THEORY_SEEN, {"pass_id": pass_id}).scalars())
    history = model.Subject("", str(user_id), passes=[*earlier.values(), current])
    return history.theory_reviews_due(topics)


def labels(uow: UnitOfWork, global_ids: list[str]) -> dict[str, Label]:
    """Names for exercises outside a pass (a next-pass preview's late additions)."""
    if not global_ids:
        return {}
    with uow.reading():
        rows = uow.session.scalars(
            select(orm.Exercise)
            .where(orm.Exercise.global_id.in_(global_ids))
            .options(joinedload(orm.Exercise.topic))
        )
        return {row.global_id: _label(row) for row in rows}


# -- one exercise ------------------------------------------------------------------------------


def exercise(uow: UnitOfWork, user_id: int, pk: int) -> ExerciseInfo:
    """An exercise the learner may see, with its topic and subject."""
    with uow.reading():
        return _exercise(uow, user_id, pk)


# The two reads of every exercise request, built once (building a statement costs more than
# SQLite takes to run it) and read as plain columns, not ORM objects.
_EXERCISE = (
    select(
        orm.Exercise.id, orm.Exercise.global_id,
        orm.Subject.slug.label("subject"), orm.Subject.title.label("subject_title"),
        orm.Topic.slug.label("topic"), orm.Topic.title.label("topic_title"),
        orm.Exercise.prompt, orm.Exercise.answer, orm.Exercise.params, orm.Exercise.hints,
        orm.Exercise.wrong, orm.Exercise.solution, orm.Exercise.source, orm.Exercise.difficulty,
        orm.Collection.title.label("collection_title"), orm.Exercise.updated_at,
        orm.Collection.macros, orm.Exercise.parts,
    )
    .join(orm.Topic, orm.Topic.id == orm.Exercise.topic_id)
    .join(orm.Subject, orm.Subject.id == orm.Topic.subject_id)
    .join(orm.Collection, orm.Collection.id == orm.Exercise.collection_id)
    .where(
        orm.Exercise.id == bindparam("pk"),
        _visible_to(bindparam("user_id")),
    )
)
_ATTEMPT = (orm.Attempt.number, orm.Attempt.response, orm.Attempt.status, orm.Attempt.latex,
            orm.Attempt.shape_of_problem, orm.Attempt.motion_to_solution, orm.Attempt.message,
            orm.Attempt.feedback, orm.Attempt.entries)
"""An attempt's columns in `AttemptInfo`'s order (after the pass number)."""
_ITEM_ROW = (
    select(orm.PassItem.id, orm.PassItem.rating, orm.PassItem.disputed, *_ATTEMPT,
           orm.Attempt.part)
    .join(orm.Pass, orm.PassItem.pass_id == orm.Pass.id)
    .join(orm.Subject, orm.Pass.subject_id == orm.Subject.id)
    .outerjoin(orm.Attempt, orm.Attempt.pass_item_id == orm.PassItem.id)
    .order_by(orm.Attempt.number)
    .where(
        orm.Pass.user_id == bindparam("user_id"),
        orm.Subject.slug == bindparam("subject"),
        orm.Pass.number == bindparam("number"),
        orm.PassItem.exercise_id == bindparam("pk"),
    )
)


def _open_item(column: Any) -> Any:
    """A column of the exercise's item in the learner's open pass (NULL when it is in none)."""
    return (select(column)
            .join(orm.Pass, orm.PassItem.pass_id == orm.Pass.id)
            .where(orm.Pass.user_id == bindparam("user_id"), orm.Pass.ended_at.is_(None),
                   orm.PassItem.exercise_id == bindparam("pk"))
            .limit(1).scalar_subquery())


_EXERCISE_AND_OPEN_SEED = _EXERCISE.add_columns(
    _open_item(orm.PassItem.seed).label("open_seed"),
    _open_item(orm.PassItem.part).label("open_part"))
"""The preview's one read: the exercise, and its seed and current part in the learner's open
pass."""


def _exercise(uow: UnitOfWork, user_id: int, pk: int) -> ExerciseInfo:
    found = uow.execute(_EXERCISE, {"pk": pk, "user_id": user_id}).mappings().first()
    if found is None:
        raise NotFound(str(pk))
    return ExerciseInfo.from_columns(**found)


_OPEN_PASS_ITEMS = (
    select(orm.Pass.id, orm.Pass.number, orm.Exercise.global_id, orm.PassItem.seed, PART_COUNT,
           *(getattr(orm.PassItem, column) for column in STATE_COLUMNS))
    .select_from(orm.Pass)
    .join(orm.Subject, orm.Subject.id == orm.Pass.subject_id)
    .join(orm.PassItem, orm.PassItem.pass_id == orm.Pass.id)
    .join(orm.Exercise, orm.Exercise.id == orm.PassItem.exercise_id)
    .where(orm.Pass.user_id == bindparam("user_id"), orm.Subject.slug == bindparam("subject"),
           orm.Pass.ended_at.is_(None))
    .order_by(orm.PassItem.position)
)
"""The learner's open pass in a subject, item by item (the state the method reads)."""
_EARLIER_RATINGS_OF = (
    select(orm.Pass.number, orm.PassItem.rating)
    .join(orm.Pass, orm.Pass.id == orm.PassItem.pass_id)
    .where(orm.Pass.user_id == bindparam("user_id"), orm.PassItem.exercise_id == bindparam("pk"),
           orm.Pass.number < bindparam("before"))
    .order_by(orm.Pass.number)
)


@dataclass(frozen=True)
class InPass:
    """An exercise in the learner's open pass, as its page and actions need it."""

    info: ExerciseInfo
    current: model.Pass
    row: ItemRow
    earlier: list[AttemptInfo]
    """The attempts of earlier passes, latest first."""
    review_due: bool
    """Its topic's theory review comes first (rule 5)."""
    previous_rating: model.Rating | None
    """Its colour in the pass before."""
    place: sessions.Place

    @property
    def item(self) -> model.PassItem:
        return self.current.item(self.info.global_id)

    @property
    def undoable(self) -> str | None:
        """The exercise whose rating Undo may withdraw, if any (until the next Check)."""
        return self.current.undoable


def exercise_in_pass(uow: UnitOfWork, user_id: int, pk: int) -> InPass:
    """An exercise in the learner's open pass with its item, attempts, earlier passes' ratings
    and attempts, and its place: one read transaction of the open pass's rows and this
    exercise's, not the learner's whole aggregate. Raises NotFound when it is not visible to
    them or not in their open pass."""
    with uow.reading():
        info = _exercise(uow, user_id, pk)
        current, pass_id = _open_pass(uow, user_id, info.subject)
        if current is None or info.global_id not in current:
            raise NotFound(f"{info.global_id} is not in the open pass")
        current.theory_seen.update(uow.execute(_PASS_THEORY_SEEN, {"pass_id": pass_id}).scalars())
        before = {"user_id": user_id, "pk": pk, "before": current.number}
        history = model.Subject(info.subject, str(user_id), passes=[
            model.Pass(number, [model.PassItem(info.global_id, 0, rating=_rating(rating))])
            for number, rating in uow.execute(_EARLIER_RATINGS_OF, before)] + [current])
        row = _item_row(uow, user_id, info.subject, current.number, pk)
        earlier = (_earlier_attempts(uow, user_id, pk, current.number)
                   if len(history.passes) > 1 else [])
        latest = session_store.latest(uow.session, user_id, info.subject)
        chosen = session_store.settings(uow.session, user_id)
    at = sessions.place(sessions.current_session(latest, current, datetime.now(UTC), chosen.zone),
                        chosen, current)
    return InPass(info, current, row, earlier,
                  history.theory_review_due(info.global_id, info.topic),
                  history.latest_rating(info.global_id), at)


def _open_pass(uow: UnitOfWork, user_id: int, subject: str) -> tuple[model.Pass | None, int]:
    rows = uow.execute(_OPEN_PASS_ITEMS, {"user_id": user_id, "subject": subject}).all()
    if not rows:
        return None, 0
    current = model.Pass(rows[0][1])
    for row in rows:
        current.items.append(pass_item(row[2], row[3], row[4], row[5:]))
        if row[-1]:  # the rating Undo may withdraw
            current.undoable = row[2]
    return current, rows[0][0]


def _rating(value: str | None) -> model.Rating | None:
    return model.Rating(value) if value else None


_TOPIC_VISIBLE = (
    select(orm.Exercise.id)
    .join(orm.Collection, orm.Collection.id == orm.Exercise.collection_id)
    .where(orm.Exercise.topic_id == orm.Topic.id, _visible_to(bindparam("user_id")))
    .exists()
)
"""A topic with an exercise the learner may see: another learner's private import's is not."""
_TOPICS = (
    select(orm.Topic.slug, orm.Topic.title)
    .join(orm.Subject, orm.Subject.id == orm.Topic.subject_id)
    .where(orm.Subject.slug == bindparam("subject"), _TOPIC_VISIBLE)
    .order_by(orm.Topic.position, orm.Topic.slug)
)
_TOPIC_NOTES = (
    select(orm.Topic.title, orm.Topic.theory, orm.Topic.examples)
    .join(orm.Subject, orm.Subject.id == orm.Topic.subject_id)
    .where(orm.Subject.slug == bindparam("subject"), orm.Topic.slug == bindparam("topic"),
           _TOPIC_VISIBLE)
)


def topics(uow: UnitOfWork, user_id: int, subject: str) -> tuple[str, list[tuple[str, str]]]:
    """The subject's title and (slug, title) of its topics the learner may see, in order: the
    index of every topic's Theory. Raises NotFound."""
    with uow.reading():
        title = uow.execute(_SUBJECT_TITLE, {"slug": subject, "user_id": user_id}).scalar()
        if title is None:
            raise NotFound(subject)
        found = uow.execute(_TOPICS, {"subject": subject, "user_id": user_id}).all()
    return title, [(slug, topic_title) for slug, topic_title in found]


def topic_notes(uow: UnitOfWork, user_id: int, subject: str, topic: str
                ) -> tuple[str, str, list[dict]]:
    """A topic's title, theory note and worked examples (rule 5): the theory review, and the
    Theory readable at any time. Raises NotFound, also for a topic the learner may not see."""
    with uow.reading():
        found = uow.execute(_TOPIC_NOTES, {"subject": subject, "topic": topic,
                                           "user_id": user_id}).first()
    if found is None:
        raise NotFound(f"{subject}/{topic}")
    title, theory, examples = found
    return title, theory or "", [e for e in examples or [] if isinstance(e, dict)]


def exercise_to_check(uow: UnitOfWork, user_id: int, pk: int
                      ) -> tuple[ExerciseInfo, int, int]:
    """An exercise in the learner's open pass, the seed of its variant there and its current
    part (0 without parts): what the live preview (at every pause in typing) and the Check
    grade with. Only that, so it reads one
    row, not the whole aggregate (the service recording a Check loads that): the open pass is
    the one not ended (`pass.ended_at` is set when a pass ends). Raises NotFound."""
    with uow.reading():
        found = uow.execute(
            _EXERCISE_AND_OPEN_SEED, {"pk": pk, "user_id": user_id}).mappings().first()
    if found is None:
        raise NotFound(str(pk))
    found = dict(found)
    seed, part = found.pop("open_seed"), found.pop("open_part")
    if seed is None:
        raise NotFound(f"{found['global_id']} is not in an open pass")
    return ExerciseInfo.from_columns(**found), seed, part


def _item_row(uow: UnitOfWork, user_id: int, subject: str, number: int, pk: int) -> ItemRow:
    found = uow.execute(_ITEM_ROW, {"user_id": user_id, "subject": subject,
                                    "number": number, "pk": pk}).all()
    if not found:
        raise NotFound(f"{subject} pass {number} exercise {pk}")
    item_id, rating, disputed = found[0][:3]
    attempts = [AttemptInfo(number, *row[3:-1], rating=rating, disputed=disputed, part=row[-1])
                for row in found if row.status is not None]
    return ItemRow(item_id, attempts)


_EARLIER = (
    select(orm.Pass.number, *_ATTEMPT, orm.PassItem.rating, orm.PassItem.disputed,
           orm.Attempt.part)
    .join(orm.PassItem, orm.Attempt.pass_item_id == orm.PassItem.id)
    .join(orm.Pass, orm.PassItem.pass_id == orm.Pass.id)
    .where(
        orm.Pass.user_id == bindparam("user_id"),
        orm.PassItem.exercise_id == bindparam("pk"),
        orm.Pass.number < bindparam("before"),
    )
    .order_by(orm.Pass.number.desc(), orm.Attempt.number.desc())
)


def _earlier_attempts(uow: UnitOfWork, user_id: int, pk: int, before: int
                      ) -> list[AttemptInfo]:
    """The learner's attempts at an exercise in passes before `before`, latest first."""
    rows = uow.execute(_EARLIER, {"user_id": user_id, "pk": pk, "before": before})
    return [AttemptInfo(*row) for row in rows]


# -- the study list ----------------------------------------------------------------------------


def _seen_snippets(uow: UnitOfWork, user_id: int, subject: str | None = None
                   ) -> dict[str, str]:
    """Exercise id -> the filled snippet of its latest pass item (the variant last seen)."""
    statement = (
        select(orm.Exercise.global_id, orm.PassItem.snippet)
        .select_from(orm.PassItem)
        .join(orm.Pass, orm.Pass.id == orm.PassItem.pass_id)
        .join(orm.Exercise, orm.Exercise.id == orm.PassItem.exercise_id)
        .where(orm.Pass.user_id == user_id, orm.PassItem.snippet.is_not(None))
        .order_by(orm.Pass.number)
    )
    if subject is not None:
        statement = statement.join(orm.Subject, orm.Subject.id == orm.Pass.subject_id).where(
            orm.Subject.slug == subject)
    return dict(uow.execute(statement).all())


def study_list_choices(
    uow: UnitOfWork, user_id: int, subject: str, chosen: list[str]
) -> StudyListChoices:
    """The subject's topics and collections the learner may pick from, marked as chosen."""
    chosen_set = set(chosen)
    with uow.reading():
        snippets = _seen_snippets(uow, user_id, subject)
        rows = uow.session.scalars(
            visible(user_id)
            .join(orm.Exercise.topic)
            .join(orm.Topic.subject)
            .where(orm.Subject.slug == subject)
            .order_by(orm.Topic.position, orm.Topic.slug, orm.Exercise.position)
            .options(joinedload(orm.Exercise.topic), joinedload(orm.Exercise.collection))
        ).all()
        topics: dict[str, TopicChoice] = {}
        collections: dict[str, list] = {}
        for row in rows:
            topic = topics.setdefault(row.topic.slug, TopicChoice(row.topic.slug, row.topic.title))
            topic.exercises.append(_label(row, snippets))
            if row.global_id in chosen_set:
                topic.chosen.add(row.global_id)
            entry = collections.setdefault(row.collection.slug, [row.collection.title, 0, 0])
            entry[1] += 1
            entry[2] += row.global_id in chosen_set
        return StudyListChoices(
            topics=list(topics.values()),
            collections=[CollectionChoice(s, t, n, c) for s, (t, n, c) in collections.items()],
            exercise_collections={row.global_id: row.collection.slug for row in rows},
            exercise_topics={row.global_id: row.topic.slug for row in rows},
        )


# -- needs help --------------------------------------------------------------------------------


def parked(uow: UnitOfWork, user_id: int) -> list[ParkedInfo]:
    """The learner's parked exercises with what may help (rule 7)."""
    with uow.reading():
        rows = uow.session.scalars(
            select(orm.Exercise)
            .join(orm.Parked, orm.Parked.exercise_id == orm.Exercise.id)
            .where(orm.Parked.user_id == user_id)
            .order_by(orm.Parked.created_at)
            .options(
                joinedload(orm.Exercise.topic).joinedload(orm.Topic.subject),
                joinedload(orm.Exercise.collection),
            )
        ).all()
        snippets = _seen_snippets(uow, user_id)
        return [
            ParkedInfo(
                ExerciseInfo.of(row),
                _prerequisites(uow, row.topic.prerequisites or []),
                [e for e in row.topic.examples or [] if isinstance(e, dict)],
                _label(row, snippets).snippet,
            )
            for row in rows
        ]


def _prerequisites(uow: UnitOfWork, keys: list[str]) -> list[tuple[str, str]]:
    found = []
    for key in keys:
        subject, _, topic = str(key).partition("/")
        title = uow.session.scalar(
            select(orm.Topic.title)
            .join(orm.Topic.subject)
            .where(orm.Subject.slug == subject, orm.Topic.slug == topic)
        )
        found.append((str(key), title or str(key)))
    return found


# -- export ------------------------------------------------------------------------------------


def exportable_collections(uow: UnitOfWork, user_id: int) -> list[tuple[str, str, bool]]:
    """(slug, title, is the learner's own) of every collection the learner may export."""
    with uow.reading():
        return [(c.slug, c.title, c.owner_id is not None)
                for c in export.visible_collections(uow.session, user_id)]


def exported_collection(uow: UnitOfWork, user_id: int, slug: str, kind: str) -> str:
    """A collection the learner may see as native YAML or CSV text; raises NotFound."""
    with uow.reading():
        try:
            row = export.find_collection(uow.session, slug, user_id)
        except ImportRefused:
            raise NotFound(slug) from None
        write = export.export_yaml if kind == "yaml" else export.export_csv
        return write(uow.session, row)


def backup(uow: UnitOfWork, user_id: int) -> dict[str, Any]:
    """Everything of one learner, as the backup file holds it."""
    with uow.reading():
        return export.export_user(uow.session, user_id)


def database_ok(uow: UnitOfWork) -> bool:
    """Whether the database answers (for /healthz)."""
    with uow.reading():
        return uow.execute(select(1)).scalar() == 1


# -- progress history (rule 9) -----------------------------------------------------------------

IDLE_CAP = timedelta(minutes=10)
"""The most one gap between two activities of a pass counts as time spent."""
CALENDAR_WEEKS = 26


@dataclass(frozen=True)
class PassHistory:
    number: int
    started_at: datetime
    ended_at: datetime | None
    closed_early: bool
    exercises: int
    counts: model.Counts
    time_spent: timedelta

    @property
    def state(self) -> str:
        """"open", "closed early" or "ended" (every exercise rated)."""
        if self.ended_at is None:
            return "open"
        return "closed early" if self.closed_early else "ended"


@dataclass(frozen=True)
class CalendarDay:
    day: date
    attempts: int
    level: int
    """0 (none) to 4 (the busiest days of the window), for the colour."""
    future: bool = False

    @property
    def title(self) -> str:
        if self.future:
            return f"{self.day.isoformat()} is still to come"
        noun = "attempt" if self.attempts == 1 else "attempts"
        return f"{self.attempts} {noun} on {self.day.isoformat()}"


@dataclass(frozen=True)
class History:
    passes: list[PassHistory]
    weeks: list[list[CalendarDay]]
    """CALENDAR_WEEKS columns of seven days, Monday first, the last one this week."""

    @property
    def time_spent(self) -> timedelta:
        return sum((p.time_spent for p in self.passes), timedelta())

    @property
    def calendar_attempts(self) -> int:
        return sum(day.attempts for week in self.weeks for day in week)


def _utc(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they are UTC (`orm.utcnow`)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def time_spent(activities: list[datetime], cap: timedelta = IDLE_CAP) -> timedelta:
    """The time spent in one pass, estimated from when things happened in it.

    The activities of a pass are its start, each attempt (an answer checked) and each rating.
    Sorted by time, every activity after the first adds the time since the one before it,
    but at most `cap` (10 minutes): a learner who leaves a pass open overnight, or for a week,
    is not counted as studying all that while. Reading the exercise and thinking before the
    first check counts (from the pass start or the previous rating), and so does reading the
    solution before rating it. What happens after the last activity of a pass does not count.
    """
    moments = sorted(_utc(m) for m in activities)
    return sum((min(b - a, cap) for a, b in zip(moments, moments[1:], strict=False)),
               timedelta())


def calendar(counts: dict[date, int], today: date,
             weeks: int = CALENDAR_WEEKS) -> list[list[CalendarDay]]:
    """`weeks` columns of seven days, Monday to Sunday, ending with the week of `today`."""
    start = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    busiest = max(counts.values(), default=0)
    columns = []
    for week in range(weeks):
        column = []
        for weekday in range(7):
            day = start + timedelta(days=7 * week + weekday)
            n = counts.get(day, 0) if day <= today else 0
            level = 0 if n == 0 else max(1, math.ceil(4 * n / busiest))
            column.append(CalendarDay(day, n, level, future=day > today))
        columns.append(column)
    return columns


def subject_history(
    uow: UnitOfWork, user_id: int, slug: str, today: date | None = None,
    zone: tzinfo = UTC,
) -> History:
    """The learner's passes of a subject with their counts and time spent, and a calendar of
    their attempts per day (in the learner's time `zone`, UTC by default) over the last
    CALENDAR_WEEKS weeks. Raises UnknownSubject."""
    today = today or sessions.local_day(datetime.now(UTC), zone)
    with uow.reading():
        session = uow.session
        repository = SubjectRepository(session)
        aggregate = repository.get(user_id, slug)
        subject_id = repository.subject_id(slug)
        passes = session.execute(
            select(orm.Pass.id, orm.Pass.number, orm.Pass.started_at, orm.Pass.ended_at,
                   orm.Pass.closed_early)
            .where(orm.Pass.user_id == user_id, orm.Pass.subject_id == subject_id)
            .order_by(orm.Pass.number)
        ).all()
        activities: dict[int, list[datetime]] = {row.id: [row.started_at] for row in passes}
        attempts: list[datetime] = []
        for table in (orm.Attempt, orm.Rating):
            found = session.execute(
                select(orm.PassItem.pass_id, table.created_at)
                .join(orm.PassItem, table.pass_item_id == orm.PassItem.id)
                .where(orm.PassItem.pass_id.in_(list(activities)))
            ).all()
            for pass_id, created_at in found:
                activities[pass_id].append(created_at)
                if table is orm.Attempt:
                    attempts.append(created_at)
    models = {p.number: p for p in aggregate.passes}
    history = [
        PassHistory(
            number=row.number,
            started_at=_utc(row.started_at),
            ended_at=_utc(row.ended_at) if row.ended_at else None,
            closed_early=row.closed_early,
            exercises=len(models[row.number].items) if row.number in models else 0,
            counts=models[row.number].counts() if row.number in models else model.Counts(),
            time_spent=time_spent(activities[row.id]),
        )
        for row in passes
    ]
    per_day = Counter(sessions.local_day(moment, zone) for moment in attempts)
    return History(history, calendar(per_day, today))


# -- the operator's disputes (rule 3) ----------------------------------------------------------

DISPUTES_PER_PAGE = 50


@dataclass(frozen=True)
class Dispute:
    id: int
    """The rating row's id."""
    email: str
    exercise: ExerciseInfo
    seed: int
    pass_number: int
    rating: str
    response: str | None
    status: str | None
    latex: str | None
    created_at: datetime
    reviewed_at: datetime | None


_LAST_INCORRECT = (
    select(func.max(orm.Attempt.number))
    .where(orm.Attempt.pass_item_id == orm.PassItem.id, orm.Attempt.status == "incorrect")
    .correlate(orm.PassItem)
    .scalar_subquery()
)
"""The attempt a dispute is about: the item's latest Incorrect one."""


def disputes(uow: UnitOfWork, page: int = 1,
             per_page: int = DISPUTES_PER_PAGE) -> tuple[list[Dispute], int]:
    """One page of every learner's disputed ratings, newest first, and how many there are.

    For operators only: unlike the rest of this module it is not scoped to one learner."""
    with uow.reading():
        session = uow.session
        total = session.scalar(
            select(func.count()).select_from(orm.Rating).where(orm.Rating.disputed.is_(True))
        ) or 0
        rows = session.execute(
            select(orm.Rating, orm.PassItem.seed, orm.Pass.number, orm.User.email,
                   orm.Exercise, orm.Attempt)
            .join(orm.PassItem, orm.Rating.pass_item_id == orm.PassItem.id)
            .join(orm.Pass, orm.PassItem.pass_id == orm.Pass.id)
            .join(orm.User, orm.Pass.user_id == orm.User.id)
            .join(orm.Exercise, orm.PassItem.exercise_id == orm.Exercise.id)
            .outerjoin(orm.Attempt, (orm.Attempt.pass_item_id == orm.PassItem.id)
                       & (orm.Attempt.number == _LAST_INCORRECT))
            .where(orm.Rating.disputed.is_(True))
            .order_by(orm.Rating.created_at.desc(), orm.Rating.id.desc())
            .limit(per_page)
            .offset((max(page, 1) - 1) * per_page)
            .options(
                joinedload(orm.Exercise.topic).joinedload(orm.Topic.subject),
                joinedload(orm.Exercise.collection),
            )
        ).all()
        found = [
            Dispute(
                id=rating.id,
                email=email,
                exercise=ExerciseInfo.of(row),
                seed=seed,
                pass_number=number,
                rating=rating.rating,
                response=attempt.response if attempt else None,
                status=attempt.status if attempt else None,
                latex=attempt.latex if attempt else None,
                created_at=_utc(rating.created_at),
                reviewed_at=_utc(rating.reviewed_at) if rating.reviewed_at else None,
            )
            for rating, seed, number, email, row, attempt in rows
        ]
    return found, total


# -- sessions, the topic map, streaks and goals (rules 9, 10) -----------------------------------


@dataclass(frozen=True)
class TopicLayout:
    """A subject's topics in prerequisite order, and which topic each exercise is in."""

    order: list[str]
    """Topic keys (`subject/topic`), each after its prerequisites."""
    titles: dict[str, str]
    topic_of: dict[str, str]
    """Exercise global id -> topic key."""

    @property
    def rank(self) -> dict[str, int]:
        return {key: n for n, key in enumerate(self.order)}


_TOPIC_PREREQUISITES = (
    select(orm.Topic.slug, orm.Topic.title, orm.Topic.prerequisites)
    .join(orm.Subject, orm.Subject.id == orm.Topic.subject_id)
    .where(orm.Subject.slug == bindparam("subject"), _TOPIC_VISIBLE)
    .order_by(orm.Topic.position, orm.Topic.slug)
)
_EXERCISE_TOPICS = (
    select(orm.Exercise.global_id, orm.Topic.slug)
    .join(orm.Topic, orm.Topic.id == orm.Exercise.topic_id)
    .join(orm.Subject, orm.Subject.id == orm.Topic.subject_id)
    .join(orm.Collection, orm.Collection.id == orm.Exercise.collection_id)
    .where(orm.Subject.slug == bindparam("subject"), _visible_to(bindparam("user_id")))
)


def _layout(uow: UnitOfWork, user_id: int, subject: str) -> TopicLayout:
    topics = uow.execute(_TOPIC_PREREQUISITES, {"subject": subject, "user_id": user_id}).all()
    key = f"{subject}/{{}}".format
    order = sessions.prerequisite_order(
        (key(slug), [str(p) for p in prerequisites or []]) for slug, _, prerequisites in topics)
    titles = {key(slug): title for slug, title, _ in topics}
    topic_of = {global_id: key(slug) for global_id, slug in uow.execute(
        _EXERCISE_TOPICS, {"subject": subject, "user_id": user_id})}
    return TopicLayout(order, titles, topic_of)


def learner_settings(uow: UnitOfWork, user_id: int) -> sessions.LearnerSettings:
    with uow.reading():
        return session_store.settings(uow.session, user_id)


@dataclass(frozen=True)
class Continuing:
    """Where Next and Continue pass go: the open pass (None: no pass is open), the exercise to
    open (None: every exercise is rated), and the latest session."""

    open_pass: model.Pass | None
    pk: int | None
    latest: sessions.StudySession | None

    @property
    def session_ended(self) -> bool:
        """The latest session is full: its summary comes before the next one."""
        return self.latest is not None and self.latest.is_full


def continuing(uow: UnitOfWork, user_id: int, subject: str, after: int | None,
               order: model.Order | None) -> Continuing:
    """The next unrated exercise of the open pass after exercise `after`: in `order` when the
    pass page chose one, else in the latest session's order (topic prerequisite order, or
    shuffled; rule 10). One reading transaction. Raises UnknownSubject."""
    with uow.reading():
        if uow.execute(_SUBJECT_TITLE, {"slug": subject, "user_id": user_id}).scalar() is None:
            raise UnknownSubject(subject)
        current, _ = _open_pass(uow, user_id, subject)
        latest = session_store.latest(uow.session, user_id, subject)
        if current is None:
            return Continuing(None, None, latest)
        after_id = uow.execute(_GLOBAL_ID, {"pk": after}).scalar() if after else None
        if order is not None:
            chosen = current.next_item(order, after=after_id)
        else:
            layout = _layout(uow, user_id, subject)
            way = latest.order if latest else session_store.settings(uow.session, user_id).order
            chosen = sessions.next_exercise(current, layout.topic_of, layout.rank, way,
                                            after=after_id)
        pk = uow.execute(_PK, {"global_id": chosen}).scalar() if chosen else None
        return Continuing(current, pk, latest)


@dataclass(frozen=True)
class SessionSummary:
    session: sessions.StudySession
    time_spent: timedelta
    pass_open: bool
    """Whether the session's pass is still open: Continue pass, else its pass summary."""


def session_summary(uow: UnitOfWork, user_id: int, subject: str, session_id: int
                    ) -> SessionSummary:
    """One of the learner's sessions with its colours and time spent; raises NotFound."""
    with uow.reading():
        found = session_store.one(uow.session, user_id, subject, session_id)
        if found is None:
            raise NotFound(f"session {session_id}")
        moments = [found.started_at, *session_store.activity_times(uow.session, found.id)]
        current, _ = _open_pass(uow, user_id, subject)
    is_open = current is not None and current.number == found.pass_number
    return SessionSummary(found, time_spent(moments), is_open)


DAY_WINDOW = timedelta(days=400)
"""How far back ratings are read for streaks: a streak longer than this shows as this long."""


def days(uow: UnitOfWork, user_id: int, now: datetime | None = None
         ) -> tuple[sessions.LearnerSettings, dict[str, sessions.Day]]:
    """The learner's settings and, per subject slug, their streak and today's ratings against
    the daily goal, counted in their own days (rule 9)."""
    now = now or datetime.now(UTC)
    with uow.reading():
        chosen = session_store.settings(uow.session, user_id)
        times = session_store.rating_times(uow.session, user_id, now - DAY_WINDOW)
        slugs = dict(uow.execute(select(orm.Subject.id, orm.Subject.slug)).all())
    per_subject: dict[str, list[datetime]] = {}
    for subject_id, moment in times:
        per_subject.setdefault(slugs[subject_id], []).append(moment)
    return chosen, {slug: sessions.day(moments, chosen, now)
                    for slug, moments in per_subject.items()}


def topic_map(uow: UnitOfWork, user_id: int, subject: str, aggregate: model.Subject
              ) -> list[sessions.TopicTile]:
    """One tile per topic of the study list, in prerequisite order (rule 9)."""
    with uow.reading():
        layout = _layout(uow, user_id, subject)
    latest = model._latest_ratings(aggregate.passes)  # one sweep, not one per exercise
    return sessions.topic_tiles(aggregate.study_list, latest, layout.topic_of, layout.titles,
                                layout.order, aggregate.open_pass)


def topic_start(uow: UnitOfWork, user_id: int, subject: str, topic: str) -> int | None:
    """A click on a topic tile: the row id of the topic's first unrated exercise in the open
    pass (None when the topic has none left there). Raises UnknownSubject."""
    with uow.reading():
        if uow.execute(_SUBJECT_TITLE, {"slug": subject, "user_id": user_id}).scalar() is None:
            raise UnknownSubject(subject)
        current, _ = _open_pass(uow, user_id, subject)
        if current is None:
            return None
        layout = _layout(uow, user_id, subject)
        chosen = sessions.first_in_topic(current, layout.topic_of,
                                         f"{subject}/{topic}")
        return uow.execute(_PK, {"global_id": chosen}).scalar() if chosen else None
