"""Load a learner's `Subject` aggregate from its rows, and write its changes back.

The model never sees a row and the rows never decide anything: `get` builds the plain objects
from the rows (a study list and every item of every pass: a few hundred rows, read as tuples,
not ORM objects) and remembers what it read; `save` compares the aggregate with what was read
and writes only the differences — usually one `pass_item` row. Ratings get a row of their own
when they are made, so a rating's time is kept and two concurrent ratings of one item meet the
`rating` table's unique constraint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import (
    CursorResult,
    Executable,
    Row,
    Text,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from app import models as orm
from app.method import model


class UnknownSubject(LookupError):
    """No subject has this slug."""


class UnknownExercise(LookupError):
    """An exercise id (DESIGN §5) that no exercise row has."""


class _StoredItem(NamedTuple):
    """A `pass_item` row as it was read (or last written)."""

    id: int
    position: int
    state: tuple


@dataclass
class _StoredPass:
    id: int
    closed_early: bool
    ended: bool
    items: dict[str, _StoredItem] = field(default_factory=dict)
    """Exercise id -> its row."""
    theory_seen: set[str] = field(default_factory=set)


@dataclass
class _Loaded:
    """What one `get` read, to compare the aggregate with when saving."""

    user_id: int
    subject_id: int
    study_list_id: int | None
    """None while no list is saved: the study list is then the curated bank (rule 1)."""
    study_list: list[str]
    passes: dict[int, _StoredPass] = field(default_factory=dict)
    parked: set[str] = field(default_factory=set)
    pks: dict[str, int] = field(default_factory=dict)
    """Exercise id (`calculus/chain-rule/chain-rule-01`) -> `exercise.id`."""


STATE_COLUMNS = ("verdict", "rating", "disputed", "saw_solution_before_check",
                  "saw_last_hint_before_check", "incorrect_attempts", "solution_open",
                  "attempt_count", "part", "undoable")


def _state(item: model.PassItem, undoable: bool) -> tuple:
    """The columns of a pass item that the method changes, as stored; `undoable`: its rating
    is the one its pass's Undo may withdraw (`model.Pass.undoable`)."""
    return (
        _value(item.verdict),
        _value(item.rating),
        item.disputed,
        item.saw_solution_before_check,
        item.saw_last_hint_before_check,
        item.incorrect_attempts,
        item.solution_open,
        item.attempt_count,
        item.part,
        undoable,
    )


_VERDICTS = {None: None, **{v.value: v for v in model.Verdict}}
_RATINGS = {None: None, **{r.value: r for r in model.Rating}}


def pass_item(exercise_id: str, seed: int, parts: int, state: tuple) -> model.PassItem:
    """The model's item from its row: `state` holds `STATE_COLUMNS` in order."""
    verdict, rating, disputed, solution, hint, incorrect, solution_open, count, part = state[:-1]
    return model.PassItem(exercise_id, seed, _VERDICTS[verdict], _RATINGS[rating], disputed,
                          solution, hint, incorrect, solution_open, count, part, parts)


PART_COUNT = case(
    (cast(orm.Exercise.parts, Text).like("[%"), func.json_array_length(orm.Exercise.parts)),
    else_=1,
)
"""How many parts an exercise has (1 without parts), counted by the database: the parts' texts
are not read to load progress. An exercise without parts stores SQL or JSON null."""


_KEY = (
    select(orm.Subject.id, orm.StudyList.id)
    .select_from(orm.Subject)
    .outerjoin(orm.StudyList, (orm.StudyList.subject_id == orm.Subject.id)
               & (orm.StudyList.user_id == bindparam("user_id")))
    .where(orm.Subject.slug == bindparam("slug"))
)
_STUDY_LIST = (
    select(orm.Exercise.global_id, orm.Exercise.id)
    .join(orm.StudyListEntry, orm.StudyListEntry.exercise_id == orm.Exercise.id)
    .where(orm.StudyListEntry.study_list_id == bindparam("study_list_id"))
    .order_by(orm.StudyListEntry.position)
)
_CURATED_BANK = (
    select(orm.Exercise.global_id, orm.Exercise.id)
    .join(orm.Topic, orm.Topic.id == orm.Exercise.topic_id)
    .join(orm.Collection, orm.Collection.id == orm.Exercise.collection_id)
    .where(orm.Topic.subject_id == bindparam("subject_id"), orm.Collection.owner_id.is_(None))
    .order_by(orm.Topic.position, orm.Topic.slug, orm.Exercise.position)
)
_PASSES = (
    select(
        orm.Pass.id, orm.Pass.number, orm.Pass.closed_early, orm.Pass.ended_at.is_not(None),
        orm.PassItem.id, orm.PassItem.position, orm.Exercise.global_id, orm.Exercise.id,
        orm.PassItem.seed, PART_COUNT,
        *(getattr(orm.PassItem, column) for column in STATE_COLUMNS),
    )
    .select_from(orm.Pass)
    .outerjoin(orm.PassItem, orm.PassItem.pass_id == orm.Pass.id)
    .outerjoin(orm.Exercise, orm.Exercise.id == orm.PassItem.exercise_id)
    .where(orm.Pass.user_id == bindparam("user_id"),
           orm.Pass.subject_id == bindparam("subject_id"))
    .order_by(orm.Pass.number, orm.PassItem.position)
)
_THEORY_SEEN = (
    select(orm.Pass.number, orm.Topic.slug)
    .join(orm.TheorySeen, orm.TheorySeen.pass_id == orm.Pass.id)
    .join(orm.Topic, orm.Topic.id == orm.TheorySeen.topic_id)
    .where(orm.Pass.user_id == bindparam("user_id"),
           orm.Pass.subject_id == bindparam("subject_id"))
)
_ADD_THEORY_SEEN = insert(orm.TheorySeen).from_select(
    ["pass_id", "topic_id"],
    select(bindparam("pass_id"), orm.Topic.id).where(
        orm.Topic.subject_id == bindparam("subject_id"), orm.Topic.slug == bindparam("topic")),
)
_PARKED = (
    select(orm.Exercise.global_id, orm.Exercise.id)
    .join(orm.Parked, orm.Parked.exercise_id == orm.Exercise.id)
    .join(orm.Topic, orm.Topic.id == orm.Exercise.topic_id)
    .where(orm.Parked.user_id == bindparam("user_id"),
           orm.Topic.subject_id == bindparam("subject_id"))
)
_UPDATE_ITEM = (
    update(orm.PassItem).where(orm.PassItem.id == bindparam("item_id"))
    .values({column: bindparam(column) for column in ("position", *STATE_COLUMNS)})
)
_ADD_ATTEMPT = insert(orm.Attempt).returning(orm.Attempt.id)


class SubjectRepository:
    """One learner's progress in one subject, as the pure model's `Subject`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        # Keyed by id(); the aggregate is kept too, so its id cannot be reused meanwhile.
        self._seen: dict[int, tuple[model.Subject, _Loaded]] = {}

    # -- loading ------------------------------------------------------------------------------

    def get(self, user_id: int, subject: str) -> model.Subject:
        """The aggregate; a learner without a study list yet gets the curated bank (rule 1).
        Raises UnknownSubject."""
        self.session.flush()  # the statements below bypass the ORM's autoflush
        found = self._execute(_KEY, {"user_id": user_id, "slug": subject}).first()
        if found is None:
            raise UnknownSubject(subject)
        subject_id, study_list_id = found
        if study_list_id is None:
            study_list = self.curated_bank(subject_id)
        else:
            study_list = self._rows(_STUDY_LIST, study_list_id=study_list_id)
        loaded = _Loaded(user_id, subject_id, study_list_id, [g for g, _ in study_list],
                         pks=dict(study_list))
        passes = self._passes(loaded)
        parked = self._rows(_PARKED, user_id=user_id, subject_id=subject_id)
        loaded.pks.update(parked)
        loaded.parked = {g for g, _ in parked}
        aggregate = model.Subject(name=subject, salt=str(user_id),
                                  study_list=list(loaded.study_list), passes=passes,
                                  parked=set(loaded.parked))
        self._seen[id(aggregate)] = (aggregate, loaded)
        return aggregate

    def _passes(self, loaded: _Loaded) -> list[model.Pass]:
        """The learner's passes in order, each with its items in position order."""
        passes: list[model.Pass] = []
        rows = self._rows(_PASSES, user_id=loaded.user_id, subject_id=loaded.subject_id)
        for row in rows:
            pass_id, number, closed_early, ended, item_id, position, global_id, pk, seed, parts = (
                row[:10])
            if not passes or passes[-1].number != number:
                passes.append(model.Pass(number, [], closed_early=closed_early))
                stored = loaded.passes[number] = _StoredPass(pass_id, closed_early, bool(ended))
            if item_id is None:  # a pass without items
                continue
            state = row[10:]
            passes[-1].items.append(pass_item(global_id, seed, parts, state))
            stored.items[global_id] = _StoredItem(item_id, position, state)
            loaded.pks[global_id] = pk
            if state[-1]:
                passes[-1].undoable = global_id
        if len(passes) > 1:  # pass 1 reviews nothing (rule 5): no rows to read before pass 2
            by_number = {p.number: p for p in passes}
            for number, topic in self._rows(_THEORY_SEEN, user_id=loaded.user_id,
                                            subject_id=loaded.subject_id):
                by_number[number].theory_seen.add(topic)
                loaded.passes[number].theory_seen.add(topic)
        return passes

    def subject_id(self, slug: str) -> int:
        """The subject's row id; raises UnknownSubject."""
        found = self.session.scalar(select(orm.Subject.id).where(orm.Subject.slug == slug))
        if found is None:
            raise UnknownSubject(slug)
        return found

    def curated_bank(self, subject_id: int) -> Sequence[Row]:
        """The public collections' exercises of a subject, in topic and file order."""
        return self._rows(_CURATED_BANK, subject_id=subject_id)

    def _rows(self, statement: Executable, **params: object) -> Sequence[Row]:
        return self._execute(statement, params).all()

    def _execute(self, statement: Executable, params: object = None) -> CursorResult:
        """Run a Core statement (`params`: one dict or a list of them) on the session's
        connection: plain SQL, without the ORM's bulk machinery around it."""
        return self.session.connection().execute(statement, params)

    # -- saving -------------------------------------------------------------------------------

    def save(self, aggregate: model.Subject) -> None:
        """Write what changed in `aggregate` since `get`; the caller commits."""
        loaded = self._loaded(aggregate)
        self._resolve(loaded, _referenced(aggregate))
        self._save_study_list(loaded, aggregate.study_list)
        for each in aggregate.passes:
            self._save_pass(loaded, each)
        self._save_parked(loaded, aggregate.parked)

    def add_attempt(
        self, aggregate: model.Subject, exercise_id: str, **texts: str | None
    ) -> int:
        """Store the attempt just recorded in the open pass, with the learner's texts; returns
        its row id. Call after `save`: the attempt belongs to the item row that `save` wrote."""
        loaded = self._loaded(aggregate)
        item = aggregate.item(exercise_id)
        stored = loaded.passes[aggregate.passes[-1].number].items[exercise_id]
        return self._execute(
            _ADD_ATTEMPT, {"pass_item_id": stored.id, "number": item.attempt_count,
                           "part": item.part, "status": _value(item.verdict), **texts},
        ).scalar_one()

    def _loaded(self, aggregate: model.Subject) -> _Loaded:
        try:
            return self._seen[id(aggregate)][1]
        except KeyError:
            raise ValueError("only an aggregate from this repository's get() can be saved"
                             ) from None

    def _resolve(self, loaded: _Loaded, global_ids: set[str]) -> None:
        """Find the row ids of exercises the aggregate gained (added to the study list)."""
        missing = global_ids - loaded.pks.keys()
        if not missing:
            return
        query = select(orm.Exercise.global_id, orm.Exercise.id)
        loaded.pks.update(
            self._execute(query.where(orm.Exercise.global_id.in_(missing))).all()
        )
        if unknown := missing - loaded.pks.keys():
            raise UnknownExercise(", ".join(sorted(unknown)))

    def _save_study_list(self, loaded: _Loaded, global_ids: list[str]) -> None:
        """The first save stores the list (until then it is the curated bank, rule 1); later
        ones rewrite its entries when it changed (rare: the editor, late additions)."""
        if loaded.study_list_id is None:
            loaded.study_list_id = self._execute(
                insert(orm.StudyList).returning(orm.StudyList.id),
                {"user_id": loaded.user_id, "subject_id": loaded.subject_id},
            ).scalar_one()
        elif global_ids == loaded.study_list:
            return
        else:
            self._execute(delete(orm.StudyListEntry).where(
                orm.StudyListEntry.study_list_id == loaded.study_list_id))
        if global_ids:
            self._execute(insert(orm.StudyListEntry), [
                {"study_list_id": loaded.study_list_id, "exercise_id": loaded.pks[g],
                 "position": position}
                for position, g in enumerate(global_ids)
            ])
        loaded.study_list = list(global_ids)

    def _save_pass(self, loaded: _Loaded, new: model.Pass) -> None:
        stored = loaded.passes.get(new.number)
        if stored is None:
            stored = self._insert_pass(loaded, new)
        elif (new.closed_early, new.is_finished) != (stored.closed_early, stored.ended):
            values: dict = {"closed_early": new.closed_early}
            if new.is_finished != stored.ended:  # ended, or reopened by Undo
                values["ended_at"] = orm.utcnow() if new.is_finished else None
            self._execute(update(orm.Pass).where(orm.Pass.id == stored.id).values(values))
            stored.closed_early, stored.ended = new.closed_early, new.is_finished
        self._save_items(loaded, stored, new)
        if shown := new.theory_seen - stored.theory_seen:
            self._execute(_ADD_THEORY_SEEN, [
                {"pass_id": stored.id, "subject_id": loaded.subject_id, "topic": topic}
                for topic in sorted(shown)])
            stored.theory_seen |= shown

    def _insert_pass(self, loaded: _Loaded, new: model.Pass) -> _StoredPass:
        values = {"user_id": loaded.user_id, "subject_id": loaded.subject_id,
                  "number": new.number, "closed_early": new.closed_early}
        if new.is_finished:
            values["ended_at"] = orm.utcnow()
        pass_id = self._execute(
            insert(orm.Pass).returning(orm.Pass.id), values).scalar_one()
        stored = _StoredPass(pass_id, new.closed_early, new.is_finished)
        loaded.passes[new.number] = stored
        return stored

    def _save_items(self, loaded: _Loaded, stored: _StoredPass, new: model.Pass) -> None:
        """Insert the items the pass gained, update the changed ones, delete the dropped ones;
        a rating just made gets its `rating` row, and an undone one loses it."""
        added, changed, rated, withdrawn = [], [], [], []
        for position, item in enumerate(new.items):
            row = stored.items.get(item.exercise_id)
            state = _state(item, item.exercise_id == new.undoable)
            if row is None:
                added.append((position, item))
                continue
            if (row.position, row.state) != (position, state):
                if _value(item.rating) != row.state[1]:
                    if row.state[1] is not None:
                        withdrawn.append(row.id)
                    if item.rating is not None:
                        rated.append((row.id, item))
                changed.append({"item_id": row.id, "position": position,
                                **dict(zip(STATE_COLUMNS, state, strict=True))})
                stored.items[item.exercise_id] = row._replace(position=position, state=state)
        dropped = stored.items.keys() - {item.exercise_id for item in new.items}
        if dropped:
            ids = [stored.items.pop(g).id for g in dropped]
            self._execute(delete(orm.PassItem).where(orm.PassItem.id.in_(ids)))
        if withdrawn:
            self._execute(delete(orm.Rating).where(orm.Rating.pass_item_id.in_(withdrawn)))
        if changed:
            self._execute(_UPDATE_ITEM, changed)
        if added:
            self._insert_items(loaded, stored, added, new.undoable)
            rated += [(stored.items[i.exercise_id].id, i) for _, i in added if i.rating]
        if rated:
            self._execute(insert(orm.Rating), [
                {"pass_item_id": item_id, "rating": item.rating.value, "disputed": item.disputed}
                for item_id, item in rated
            ])

    def _insert_items(self, loaded: _Loaded, stored: _StoredPass,
                      added: list[tuple[int, model.PassItem]], undoable: str | None) -> None:
        states = [_state(item, item.exercise_id == undoable) for _, item in added]
        ids = self._execute(
            insert(orm.PassItem).returning(orm.PassItem.id, sort_by_parameter_order=True),
            [{"pass_id": stored.id, "exercise_id": loaded.pks[item.exercise_id],
              "position": position, "seed": item.seed,
              **dict(zip(STATE_COLUMNS, state, strict=True))}
             for (position, item), state in zip(added, states, strict=True)],
        ).scalars().all()
        for item_id, (position, item), state in zip(ids, added, states, strict=True):
            stored.items[item.exercise_id] = _StoredItem(item_id, position, state)

    def _save_parked(self, loaded: _Loaded, parked: set[str]) -> None:
        if new := parked - loaded.parked:
            self._execute(insert(orm.Parked), [
                {"user_id": loaded.user_id, "exercise_id": loaded.pks[g]} for g in sorted(new)])
        if gone := loaded.parked - parked:
            self._execute(delete(orm.Parked).where(
                orm.Parked.user_id == loaded.user_id,
                orm.Parked.exercise_id.in_([loaded.pks[g] for g in gone])))
        loaded.parked = set(parked)


def _referenced(aggregate: model.Subject) -> set[str]:
    in_passes = {item.exercise_id for p in aggregate.passes for item in p.items}
    return set(aggregate.study_list) | aggregate.parked | in_passes


def _value(choice: model.Verdict | model.Rating | None) -> str | None:
    return choice.value if choice is not None else None
