"""Load a learner's `Subject` aggregate from its rows, and write its changes back.

The model never sees a row and the rows never decide anything: `get` builds the plain objects,
the service calls the model, `save` compares the objects with the rows it loaded and writes the
differences. Ratings get a row of their own when they are made, so a rating's time is kept and
two concurrent ratings of one item meet the `rating` table's unique constraint.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, load_only, selectinload

from app import models as orm
from app.method import model


class UnknownSubject(LookupError):
    """No subject has this slug."""


class UnknownExercise(LookupError):
    """An exercise id (DESIGN §5) that no exercise row has."""


@dataclass
class _Loaded:
    """The rows behind one loaded aggregate, to compare it with when saving."""

    user_id: int
    subject_id: int
    study_list: orm.StudyList | None
    passes: dict[int, orm.Pass]
    parked: dict[str, orm.Parked]
    pks: dict[str, int] = field(default_factory=dict)
    """Exercise id (`calculus/chain-rule/chain-rule-01`) -> `exercise.id`."""


def _id_pair(exercise: orm.Exercise) -> tuple[str, int]:
    return exercise.global_id, exercise.id


_ONLY_GLOBAL_ID = load_only(orm.Exercise.global_id)
"""Progress needs an exercise's id, not its text: don't load prompts and solutions."""


class SubjectRepository:
    """One learner's progress in one subject, as the pure model's `Subject`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        # Keyed by id(); the aggregate is kept too, so its id cannot be reused meanwhile.
        self._seen: dict[int, tuple[model.Subject, _Loaded]] = {}

    # -- loading ------------------------------------------------------------------------------

    def get(self, user_id: int, subject: str) -> model.Subject:
        """The aggregate; a learner without a study list yet gets the curated bank (rule 1)."""
        subject_id = self._subject_id(subject)
        loaded = _Loaded(
            user_id,
            subject_id,
            self._study_list(user_id, subject_id),
            {p.number: p for p in self._passes(user_id, subject_id)},
            {p.exercise.global_id: p for p in self._parked(user_id, subject_id)},
        )
        aggregate = model.Subject(
            name=subject,
            salt=str(user_id),
            study_list=self._study_list_ids(loaded),
            passes=[self._to_pass(row, loaded) for row in loaded.passes.values()],
            parked=set(loaded.parked),
        )
        loaded.pks.update(_id_pair(p.exercise) for p in loaded.parked.values())
        self._seen[id(aggregate)] = (aggregate, loaded)
        return aggregate

    def _subject_id(self, slug: str) -> int:
        subject_id = self.session.scalar(select(orm.Subject.id).where(orm.Subject.slug == slug))
        if subject_id is None:
            raise UnknownSubject(slug)
        return subject_id

    def _study_list(self, user_id: int, subject_id: int) -> orm.StudyList | None:
        query = (
            select(orm.StudyList)
            .where(orm.StudyList.user_id == user_id, orm.StudyList.subject_id == subject_id)
            .options(
                selectinload(orm.StudyList.entries)
                .joinedload(orm.StudyListEntry.exercise)
                .options(_ONLY_GLOBAL_ID)
            )
        )
        return self.session.scalars(query).one_or_none()

    def _passes(self, user_id: int, subject_id: int) -> Iterable[orm.Pass]:
        query = (
            select(orm.Pass)
            .where(orm.Pass.user_id == user_id, orm.Pass.subject_id == subject_id)
            .order_by(orm.Pass.number)
            .options(
                selectinload(orm.Pass.items)
                .joinedload(orm.PassItem.exercise)
                .options(_ONLY_GLOBAL_ID)
            )
        )
        return self.session.scalars(query)

    def _parked(self, user_id: int, subject_id: int) -> Iterable[orm.Parked]:
        query = (
            select(orm.Parked)
            .join(orm.Parked.exercise)
            .join(orm.Exercise.topic)
            .where(orm.Parked.user_id == user_id, orm.Topic.subject_id == subject_id)
            .options(joinedload(orm.Parked.exercise).options(_ONLY_GLOBAL_ID))
        )
        return self.session.scalars(query)

    def _study_list_ids(self, loaded: _Loaded) -> list[str]:
        if loaded.study_list is not None:
            pairs = [_id_pair(entry.exercise) for entry in loaded.study_list.entries]
        else:
            pairs = self._curated_bank(loaded.subject_id)
        loaded.pks.update(pairs)
        return [global_id for global_id, _ in pairs]

    def _curated_bank(self, subject_id: int) -> list[tuple[str, int]]:
        """The public collections' exercises of a subject, in topic and file order."""
        query = (
            select(orm.Exercise.global_id, orm.Exercise.id)
            .join(orm.Exercise.topic)
            .join(orm.Exercise.collection)
            .where(orm.Topic.subject_id == subject_id, orm.Collection.owner_id.is_(None))
            .order_by(orm.Topic.position, orm.Topic.slug, orm.Exercise.position)
        )
        return [(global_id, pk) for global_id, pk in self.session.execute(query)]

    @staticmethod
    def _to_pass(row: orm.Pass, loaded: _Loaded) -> model.Pass:
        loaded.pks.update(_id_pair(item.exercise) for item in row.items)
        items = [
            model.PassItem(
                exercise_id=item.exercise.global_id,
                seed=item.seed,
                verdict=model.Verdict(item.verdict) if item.verdict else None,
                rating=model.Rating(item.rating) if item.rating else None,
                disputed=item.disputed,
                saw_solution_before_check=item.saw_solution_before_check,
                saw_last_hint_before_check=item.saw_last_hint_before_check,
            )
            for item in row.items
        ]
        return model.Pass(row.number, items, closed_early=row.closed_early)

    # -- saving -------------------------------------------------------------------------------

    def save(self, aggregate: model.Subject) -> None:
        """Write what changed in `aggregate` since `get`; the caller commits."""
        loaded = self._loaded(aggregate)
        self._resolve(loaded, _referenced(aggregate))
        self._save_study_list(loaded, aggregate.study_list)
        for new_pass in aggregate.passes:
            self._save_pass(loaded, new_pass)
        self._save_parked(loaded, aggregate.parked)

    def add_attempt(
        self, aggregate: model.Subject, exercise_id: str, **texts: str | None
    ) -> orm.Attempt:
        """Store the attempt just recorded in the open pass, with the learner's texts.

        Call after `save`: the attempt belongs to the item row that `save` wrote.
        """
        loaded = self._loaded(aggregate)
        item = aggregate.item(exercise_id)
        pass_row = loaded.passes[aggregate.passes[-1].number]
        pk = loaded.pks[exercise_id]
        item_row = next(row for row in pass_row.items if row.exercise_id == pk)
        attempt = orm.Attempt(pass_item=item_row, status=_value(item.verdict), **texts)
        self.session.add(attempt)
        return attempt

    def _loaded(self, aggregate: model.Subject) -> _Loaded:
        return self._seen[id(aggregate)][1]

    def _resolve(self, loaded: _Loaded, global_ids: set[str]) -> None:
        """Find the row ids of exercises the aggregate gained (added to the study list)."""
        missing = global_ids - loaded.pks.keys()
        if not missing:
            return
        query = select(orm.Exercise.global_id, orm.Exercise.id)
        loaded.pks.update(
            self.session.execute(query.where(orm.Exercise.global_id.in_(missing))).all()
        )
        if unknown := missing - loaded.pks.keys():
            raise UnknownExercise(", ".join(sorted(unknown)))

    def _save_study_list(self, loaded: _Loaded, global_ids: list[str]) -> None:
        row = loaded.study_list
        if row is None:
            row = orm.StudyList(user_id=loaded.user_id, subject_id=loaded.subject_id)
            self.session.add(row)
            loaded.study_list = row
        entries = {entry.exercise_id: entry for entry in row.entries}
        row.entries = [
            _placed(entries.get(pk) or orm.StudyListEntry(exercise_id=pk), position)
            for position, pk in enumerate(loaded.pks[g] for g in global_ids)
        ]

    def _save_pass(self, loaded: _Loaded, new_pass: model.Pass) -> None:
        row = loaded.passes.get(new_pass.number)
        if row is None:
            row = orm.Pass(
                user_id=loaded.user_id, subject_id=loaded.subject_id, number=new_pass.number
            )
            self.session.add(row)
            loaded.passes[new_pass.number] = row
        row.closed_early = new_pass.closed_early
        if new_pass.is_finished and row.ended_at is None:
            row.ended_at = orm.utcnow()
        rows = {item.exercise_id: item for item in row.items}
        row.items = [
            self._save_item(rows.get(loaded.pks[item.exercise_id]), item, loaded, position)
            for position, item in enumerate(new_pass.items)
        ]

    def _save_item(
        self, row: orm.PassItem | None, item: model.PassItem, loaded: _Loaded, position: int
    ) -> orm.PassItem:
        if row is None:
            row = orm.PassItem(exercise_id=loaded.pks[item.exercise_id], seed=item.seed)
        if item.rating is not None and row.rating is None:
            rating = orm.Rating(pass_item=row, rating=item.rating.value, disputed=item.disputed)
            self.session.add(rating)
        row.position = position
        row.verdict = _value(item.verdict)
        row.rating = _value(item.rating)
        row.disputed = item.disputed
        row.saw_solution_before_check = item.saw_solution_before_check
        row.saw_last_hint_before_check = item.saw_last_hint_before_check
        return row

    def _save_parked(self, loaded: _Loaded, parked: set[str]) -> None:
        for global_id in parked - loaded.parked.keys():
            row = orm.Parked(user_id=loaded.user_id, exercise_id=loaded.pks[global_id])
            self.session.add(row)
            loaded.parked[global_id] = row
        for global_id in loaded.parked.keys() - parked:
            self.session.delete(loaded.parked.pop(global_id))


def _referenced(aggregate: model.Subject) -> set[str]:
    in_passes = {item.exercise_id for p in aggregate.passes for item in p.items}
    return set(aggregate.study_list) | aggregate.parked | in_passes


def _placed(entry: orm.StudyListEntry, position: int) -> orm.StudyListEntry:
    entry.position = position
    return entry


def _value(choice: model.Verdict | model.Rating | None) -> str | None:
    return choice.value if choice is not None else None
