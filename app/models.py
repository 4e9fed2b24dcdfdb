"""The tables, as SQLAlchemy 2 declarative classes, named with the method's words (DESIGN §1).

These rows store what the pure model (`app.method.model`) decides; the rules themselves are not
here. The unique constraints repeat the few rules that concurrent requests could otherwise
break between a read and a write: one pass n per learner and subject, one item per exercise in a
pass, one attempt n and one rating per item, one study list per subject, one parked row per
exercise, one theory review per topic per pass. The service turns their violations back into
the model's exceptions.

Constraint names come from a naming convention, so Alembic autogenerate names them the same way
on every database and finds no spurious differences.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app.method.model import Rating as RatingValue
from app.method.model import Verdict
from app.method.sessions import DEFAULT_DAILY_GOAL, DEFAULT_SESSION_SIZE, SESSION_ORDERS

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timestamps are UTC. (SQLite hands them back without a zone; PostgreSQL keeps it.)"""
    return datetime.now(UTC)


def _one_of(column: str, values: list[str]) -> str:
    """A CHECK that the column holds one of `values` (NULL passes a CHECK, as SQL has it)."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


_RATINGS = [r.value for r in RatingValue]
_VERDICTS = [v.value for v in Verdict]
_RECORDED_VERDICTS = [v.value for v in Verdict if v is not Verdict.INVALID]
"""An invalid response is not an attempt (rule 3): the table cannot even hold one."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: DateTime(timezone=True)}


class User(Base):
    """A learner (or operator). `user` is reserved in PostgreSQL, hence `user_account`.

    An operator (`gyrus user promote`) also sees the operator pages, such as the disputes."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_operator: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    session_size: Mapped[int] = mapped_column(default=DEFAULT_SESSION_SIZE,
                                              server_default=str(DEFAULT_SESSION_SIZE))
    """Ratings per session (rule 10), set on the Account page."""
    daily_goal: Mapped[int] = mapped_column(default=DEFAULT_DAILY_GOAL,
                                            server_default=str(DEFAULT_DAILY_GOAL))
    """Ratings per day the learner aims at (rule 9)."""
    time_zone: Mapped[str | None] = mapped_column(String(64))
    """IANA name the learner's days are counted in; None: never chosen (UTC)."""
    session_order: Mapped[str] = mapped_column(String(16), default="prerequisites",
                                               server_default="prerequisites")
    """How Continue pass goes through a pass: "prerequisites" (topic order) or "shuffled"."""


class Collection(Base):
    """A source of exercises: the curated bank or one imported list.

    Without an owner it is public; the public collections together are the curated bank a new
    learner's study list defaults to (rule 1).
    """

    __tablename__ = "collection"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str | None] = mapped_column(Text)
    macros: Mapped[dict[str, Any] | None]
    """KaTeX macros of an imported book (`{"\\R": "\\mathbb{R}"}`), for its pages."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CollectionImage(Base):
    """An image an imported collection's exercises show (a PreTeXt book's figure), kept in the
    database so that every app machine serves it; replaced when the collection is re-imported."""

    __tablename__ = "collection_image"
    __table_args__ = (UniqueConstraint("collection_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(
        ForeignKey("collection.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(50))
    """From the bytes at import (`image/svg+xml`), sent as the answer's Content-Type."""
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    """Of `data`: the ETag, and the version in the image's URL."""


class Subject(Base):
    __tablename__ = "subject"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))


class Topic(Base):
    """A group inside a subject, with the theory note and examples shown before a retry (rule 5)."""

    __tablename__ = "topic"
    __table_args__ = (UniqueConstraint("subject_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(default=0)
    theory: Mapped[str] = mapped_column(Text, default="")
    examples: Mapped[list[Any]] = mapped_column(default=list)
    prerequisites: Mapped[list[Any]] = mapped_column(default=list)

    subject: Mapped[Subject] = relationship()


class Exercise(Base):
    """One exercise. `global_id` (`subject/topic/id`, DESIGN §5) is what progress is keyed by, so
    re-importing an edited file updates the row in place and keeps every learner's history."""

    __tablename__ = "exercise"
    __table_args__ = (CheckConstraint("difficulty BETWEEN 1 AND 3", name="difficulty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    global_id: Mapped[str] = mapped_column(String(300), unique=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collection.id"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    prompt: Mapped[str] = mapped_column(Text)
    answer: Mapped[dict[str, Any]]
    """The answer spec (DESIGN §3); `{}` for a multi-part exercise, whose `parts` hold theirs."""
    parts: Mapped[list[Any] | None]
    params: Mapped[dict[str, Any] | None]
    hints: Mapped[list[Any]] = mapped_column(default=list)
    wrong: Mapped[list[Any]] = mapped_column(default=list)
    solution: Mapped[str] = mapped_column(Text, default="")
    difficulty: Mapped[int] = mapped_column(default=1)
    source: Mapped[str] = mapped_column(Text, default="original")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    topic: Mapped[Topic] = relationship()
    collection: Mapped[Collection] = relationship()


class StudyList(Base):
    """The exercises a learner chose for a subject (rule 1); one list per learner and subject."""

    __tablename__ = "study_list"
    __table_args__ = (UniqueConstraint("user_id", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entries: Mapped[list[StudyListEntry]] = relationship(
        order_by="StudyListEntry.position", cascade="all, delete-orphan"
    )


class StudyListEntry(Base):
    """One exercise of a study list; `position` is the list order "next" follows (rule 2)."""

    __tablename__ = "study_list_entry"

    study_list_id: Mapped[int] = mapped_column(
        ForeignKey("study_list.id", ondelete="CASCADE"), primary_key=True
    )
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id"), primary_key=True)
    position: Mapped[int]

    exercise: Mapped[Exercise] = relationship()


class Pass(Base):
    """Pass `number` of a subject for a learner (rule 4). The unique number means a double click
    on "Start pass" cannot create two passes."""

    __tablename__ = "pass"
    __table_args__ = (
        UniqueConstraint("user_id", "subject_id", "number"),
        CheckConstraint("number >= 1", name="number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    number: Mapped[int]
    closed_early: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    items: Mapped[list[PassItem]] = relationship(
        order_by="PassItem.position", cascade="all, delete-orphan"
    )


class PassItem(Base):
    """One exercise in one pass: its variant seed (rule 6), verdict, rating and caps (rule 3)."""

    __tablename__ = "pass_item"
    __table_args__ = (
        UniqueConstraint("pass_id", "exercise_id"),
        CheckConstraint(_one_of("verdict", _VERDICTS), name="verdict"),
        CheckConstraint(_one_of("rating", _RATINGS), name="rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pass_id: Mapped[int] = mapped_column(ForeignKey("pass.id", ondelete="CASCADE"))
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id"), index=True)
    position: Mapped[int]
    seed: Mapped[int] = mapped_column(BigInteger)
    verdict: Mapped[str | None] = mapped_column(String(16))
    rating: Mapped[str | None] = mapped_column(String(16))
    disputed: Mapped[bool] = mapped_column(default=False)
    saw_solution_before_check: Mapped[bool] = mapped_column(default=False)
    saw_last_hint_before_check: Mapped[bool] = mapped_column(default=False)
    incorrect_attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    solution_open: Mapped[bool] = mapped_column(default=False, server_default=false())
    undoable: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Its rating is the one Undo may withdraw (until the next Check of the pass)."""
    part: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    """The current part of a multi-part exercise, from 0 (DESIGN §5 `parts`)."""
    attempt_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    """How many attempts the item has, across its parts: the latest one's number."""
    snippet: Mapped[str | None] = mapped_column(Text)
    """The prompt's start with this item's variant filled (`app.bank.snippets`), for lists;
    None until the checker pool has made it."""

    exercise: Mapped[Exercise] = relationship()


class Attempt(Base):
    """A checked answer to a pass item (one per Check; Try again makes more), with the two notes
    and what the checker said (rule 3), kept to show again in the next pass (rule 5)."""

    __tablename__ = "attempt"
    __table_args__ = (
        UniqueConstraint("pass_item_id", "number"),
        CheckConstraint(_one_of("status", _RECORDED_VERDICTS), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pass_item_id: Mapped[int] = mapped_column(ForeignKey("pass_item.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    """1, 2, ... within the pass item: two Checks of one attempt at once make one row."""
    part: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    """The part of a multi-part exercise it answered, from 0."""
    response: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    latex: Mapped[str | None] = mapped_column(Text)
    shape_of_problem: Mapped[str | None] = mapped_column(Text)
    motion_to_solution: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)
    """The checker's message (DESIGN §3)."""
    feedback: Mapped[str | None] = mapped_column(Text)
    """The feedback of the typical mistake the answer matched, if any."""
    entries: Mapped[dict[str, Any] | None]
    """Which entries of a structured answer were wrong (the check result's `entries`)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    pass_item: Mapped[PassItem] = relationship()


class Rating(Base):
    """When and how a pass item was rated; disputed ones are listed for the operator."""

    __tablename__ = "rating"
    __table_args__ = (CheckConstraint(_one_of("rating", _RATINGS), name="rating"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pass_item_id: Mapped[int] = mapped_column(
        ForeignKey("pass_item.id", ondelete="CASCADE"), unique=True
    )
    rating: Mapped[str] = mapped_column(String(16))
    disputed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[datetime | None]
    """When an operator marked the dispute reviewed (None: not yet, or not disputed)."""
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("study_session.id", ondelete="SET NULL"), index=True)
    """The session the rating was made in (rule 10)."""

    pass_item: Mapped[PassItem] = relationship()


class StudySession(Base):
    """A session of a pass (rule 10): the next `size` ratings of the learner in that pass.

    Its ratings point at it (`rating.session_id`), so counting needs no state in any app
    process, and an Undo that deletes a rating takes it out of its session too."""

    __tablename__ = "study_session"
    __table_args__ = (
        CheckConstraint("size >= 1", name="size"),
        CheckConstraint(_one_of("session_order", list(SESSION_ORDERS)), name="order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    pass_id: Mapped[int] = mapped_column(ForeignKey("pass.id", ondelete="CASCADE"), index=True)
    size: Mapped[int]
    session_order: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)


class TheorySeen(Base):
    """A topic whose theory review was shown in a pass (rule 5: once per topic per pass)."""

    __tablename__ = "theory_seen"

    pass_id: Mapped[int] = mapped_column(
        ForeignKey("pass.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"), primary_key=True)


class Parked(Base):
    """An exercise taken out of the pass cycle as "needs help" (rule 7)."""

    __tablename__ = "parked"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    exercise: Mapped[Exercise] = relationship()


class SignIn(Base):
    """One log-in of a learner, alive until Log out (or a password change) deletes its row.

    `id` is the SHA-256 (hex) of the random id the learner's cookie carries, so reading the
    table hands out no live cookie. `data` is what the pages keep between requests of this
    sign-in (a one-time notice, the verdict just checked, a pending import's key)."""

    __tablename__ = "sign_in"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    """Moved at most every few minutes (`app.signins.TOUCH_EVERY`), not at every request."""
    user_agent: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
