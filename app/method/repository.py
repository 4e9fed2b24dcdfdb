"""Load a learner's `Subject` aggregate from its rows, and write its changes back.

The model never sees a row and the rows never decide anything: `get` builds the plain objects
from a snapshot of rows (no ORM objects: a study list and every pass item of every pass is a few
hundred rows, and every page and every write loads them), and remembers what it read; `save`
compares the aggregate with what was read and writes only the differences — usually one
`pass_item` row — and bumps `study_list.version`. Ratings get a row of their own when they are
made, so a rating's time is kept and two concurrent ratings of one item meet the `rating`
table's unique constraint.

A `ProgressCache` keeps snapshots in memory between requests; the version says whether one is
still what the database holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from operator import attrgetter, itemgetter
from typing import NamedTuple

from sqlalchemy import (
    CursorResult,
    Executable,
    Select,
    bindparam,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from app import models as orm
from app.checking.lru import LRU
from app.db import rows_of
from app.method import model
from app.rows import Rows


class UnknownSubject(LookupError):
    """No subject has this slug."""


class UnknownExercise(LookupError):
    """An exercise id (DESIGN §5) that no exercise row has."""


class _StoredItem(NamedTuple):
    """A `pass_item` row as it was read (or last written); a snapshot shares these, so they
    are replaced, never changed."""

    id: int
    position: int
    state: tuple
    seed: int


@dataclass
class _StoredPass:
    id: int
    closed_early: bool
    ended: bool
    items: dict[str, _StoredItem] = field(default_factory=dict)
    """Exercise id -> its row."""


@dataclass
class _Loaded:
    """What one `get` read, to compare the aggregate with when saving."""

    user_id: int
    subject_id: int
    study_list_id: int | None
    version: int | None
    """`study_list.version` as read (or last written); None while no list is saved."""
    study_list: list[str]
    passes: dict[int, _StoredPass] = field(default_factory=dict)
    parked: set[str] = field(default_factory=set)
    pks: dict[str, int] = field(default_factory=dict)
    """Exercise id (`calculus/chain-rule/chain-rule-01`) -> `exercise.id`."""
    history: tuple[_SnapshotPass, ...] = ()
    """The passes before the last one as read: shared with the snapshot, never saved (the
    model changes only the last pass)."""
    written: bool = False
    """Whether `save` wrote anything since the version was last bumped."""


@dataclass(frozen=True)
class _SnapshotPass:
    """A pass as a snapshot holds it: ready to become a `model.Pass` and its `_StoredPass`."""

    id: int
    number: int
    closed_early: bool
    ended: bool
    items: tuple[tuple, ...]
    """Each item's `model.PassItem` fields in their order (the fastest way to make one), the
    items in position order."""
    stored: dict[str, _StoredItem]
    """Exercise id -> its row; never changed (`_build` copies it)."""
    history: model.Pass | None = None
    """The pass, built once, when it is not the last one: the model changes only the last
    pass (an earlier one has ended and is history), so every aggregate made from the snapshot
    shares it instead of building its items again (a learner some passes in has hundreds)."""


@dataclass(frozen=True)
class _Snapshot:
    """What `get` reads of one learner's progress in one subject, never changed once made, so
    one snapshot can serve many requests (`ProgressCache`). It holds the rows already sorted
    into passes and items: building the aggregate from it is then mostly copying."""

    study_list_id: int | None
    version: int | None
    bank: int | None
    """`bank_version` when read: while no list is saved (`version` None), the study list is
    the curated bank, which changes without a `study_list.version` (None: not to be kept)."""
    study_list: tuple[str, ...]
    """In list order; the curated bank while no list is saved."""
    passes: tuple[_SnapshotPass, ...]
    parked: frozenset[str]
    pks: dict[str, int]
    """Exercise id -> `exercise.id` of every exercise above; never changed."""
    shared: list[model.Subject] = field(default_factory=list, compare=False, repr=False)
    """The aggregate `SubjectRepository.read` made of it, once one was asked for."""


def _state(item: model.PassItem) -> tuple:
    """The columns of a pass item that the method changes, as stored."""
    return (
        _value(item.verdict),
        _value(item.rating),
        item.disputed,
        item.saw_solution_before_check,
        item.saw_last_hint_before_check,
    )


_STATE_COLUMNS = ("verdict", "rating", "disputed", "saw_solution_before_check",
                  "saw_last_hint_before_check")
_ARGS_FROM_DICT = itemgetter(*(f.name for f in fields(model.PassItem)))
_ARGS_OF_ITEM = attrgetter(*(f.name for f in fields(model.PassItem)))
"""A pass item's arguments, in `model.PassItem`'s field order: from a dict of its fields, and
from an item."""
_VERDICTS = {None: None, **{v.value: v for v in model.Verdict}}
_RATINGS = {None: None, **{r.value: r for r in model.Rating}}

# The reads, built once: every page and every write loads an aggregate, and building a
# SQLAlchemy statement (and its cache key) costs more than SQLite takes to run it.
_SUBJECT_ID = select(orm.Subject.id).where(orm.Subject.slug == bindparam("slug"))
_KEY = (
    select(orm.Subject.id, orm.StudyList.id, orm.StudyList.version,
           select(orm.BankVersion.version).scalar_subquery())
    .select_from(orm.Subject)
    .outerjoin(orm.StudyList, (orm.StudyList.subject_id == orm.Subject.id)
               & (orm.StudyList.user_id == bindparam("user_id")))
    .where(orm.Subject.slug == bindparam("slug"))
)
_UPDATE_ITEM = (
    update(orm.PassItem).where(orm.PassItem.id == bindparam("item_id"))
    .values({column: bindparam(column) for column in ("position", *_STATE_COLUMNS)})
)
_ADD_ATTEMPT = insert(orm.Attempt).returning(orm.Attempt.id)
_BUMP = (
    update(orm.StudyList).where(orm.StudyList.id == bindparam("study_list_id"))
    .values(version=orm.StudyList.version + 1).returning(orm.StudyList.version)
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
        orm.PassItem.seed, *(getattr(orm.PassItem, column) for column in _STATE_COLUMNS),
    )
    .select_from(orm.Pass)
    .outerjoin(orm.PassItem, orm.PassItem.pass_id == orm.Pass.id)
    .outerjoin(orm.Exercise, orm.Exercise.id == orm.PassItem.exercise_id)
    .where(orm.Pass.user_id == bindparam("user_id"),
           orm.Pass.subject_id == bindparam("subject_id"))
    .order_by(orm.Pass.number, orm.PassItem.position)
)
_PARKED = (
    select(orm.Exercise.global_id, orm.Exercise.id)
    .join(orm.Parked, orm.Parked.exercise_id == orm.Exercise.id)
    .join(orm.Topic, orm.Topic.id == orm.Exercise.topic_id)
    .where(orm.Parked.user_id == bindparam("user_id"),
           orm.Topic.subject_id == bindparam("subject_id"))
)


_CACHE = "gyrus progress cache"
_PENDING = "gyrus progress to cache"
"""`Session.info` keys: the cache a session's repositories use, and the snapshots its
transaction wrote, to cache once it commits."""


class ProgressCache:
    """Learners' progress kept in memory by one app process: one snapshot per (learner,
    subject), used only while `study_list.version` still says what it said when the snapshot
    was made. A hit costs one indexed row instead of every pass item (hundreds of rows); any
    save, by any process (another app machine on PostgreSQL too), bumps the version, so a stale
    snapshot is never used. Before a learner's first save in a subject there is no version:
    their progress is the curated bank, and its snapshot is used only while `bank_version`
    still says what it said (the dashboard shows every subject, most of them never started).

    A snapshot enters when it is read, and when a save commits: the writer knows what it wrote,
    so the learner's next page starts from memory too.
    """

    def __init__(self, size: int) -> None:
        self._snapshots: LRU[tuple[int, int], _Snapshot] = LRU(size)

    def serve(self, sessions: sessionmaker[Session]) -> None:
        """Let the repositories of the sessions `sessions` makes use this cache."""
        sessions.configure(info={_CACHE: self})
        event.listen(sessions, "after_commit", self._committed)
        event.listen(sessions, "after_rollback", self._rolled_back)

    @staticmethod
    def of(info: dict) -> ProgressCache | None:
        """The cache `serve` gave a session factory, from its `info` (`UnitOfWork.info`)."""
        return info.get(_CACHE)

    def get(self, key: tuple[int, int], version: int | None, bank: int | None
            ) -> _Snapshot | None:
        """The snapshot at this `study_list.version` (and, while there is none, this
        `bank_version`), if kept."""
        snapshot = self._snapshots.get(key)
        if snapshot is None or snapshot.version != version:
            return None
        return snapshot if version is not None or snapshot.bank == bank else None

    def offer(self, key: tuple[int, int], snapshot: _Snapshot) -> None:
        """Keep `snapshot` unless a newer one is kept (a slow reader must not undo a writer:
        a saved list is newer than none, a higher version newer than a lower one)."""
        if snapshot.version is None and snapshot.bank is None:
            return
        kept = self._snapshots.get(key)
        if kept is None or kept.version is None or (
                snapshot.version is not None and kept.version < snapshot.version):
            self._snapshots.put(key, snapshot)

    def __len__(self) -> int:
        return len(self._snapshots)

    def _committed(self, session: Session) -> None:
        for key, snapshot in session.info.pop(_PENDING, {}).items():
            self.offer(key, snapshot)

    def _rolled_back(self, session: Session) -> None:
        session.info.pop(_PENDING, None)


class SubjectRepository:
    """One learner's progress in one subject, as the pure model's `Subject`."""

    def __init__(self, session: Session | None, *, rows: Rows | None = None,
                 cache: ProgressCache | None = None) -> None:
        """`session`: the unit of work's, to `get` and `save` (its cache is the session's).
        A page that only reads passes None, the `rows` of a read-only transaction
        (`UnitOfWork.reading_rows`) and the `cache`, and uses `read`."""
        self.session = session
        self.cache: ProgressCache | None = session.info.get(_CACHE) if session else cache
        self._reads = rows
        # Keyed by id(); the aggregate is kept too, so its id cannot be reused meanwhile.
        self._seen: dict[int, tuple[model.Subject, _Loaded]] = {}

    # -- loading ------------------------------------------------------------------------------

    def get(self, user_id: int, subject: str) -> model.Subject:
        """The aggregate, to change and `save`; a learner without a study list yet gets the
        curated bank (rule 1). Raises UnknownSubject."""
        subject_id, snapshot = self._read(user_id, subject)
        aggregate, loaded = _build(subject, user_id, subject_id, snapshot)
        self._seen[id(aggregate)] = (aggregate, loaded)
        return aggregate

    def read(self, user_id: int, subject: str) -> model.Subject:
        """The aggregate, only to read (a page): made once per snapshot and shared by every
        request of this process that reads the same progress — building hundreds of pass
        items for each page was the server's largest own cost. Never change it (`save`
        refuses it). Raises UnknownSubject."""
        subject_id, snapshot = self._read(user_id, subject)
        if not snapshot.shared:  # two threads may both build it: either copy will do
            snapshot.shared.append(_build(subject, user_id, subject_id, snapshot)[0])
        return snapshot.shared[0]

    def _read(self, user_id: int, subject: str) -> tuple[int, _Snapshot]:
        if self.session is not None:
            self.session.flush()  # the statements below bypass the ORM's autoflush
        found = self._rows(_KEY, user_id=user_id, slug=subject)
        if not found:
            raise UnknownSubject(subject)
        subject_id, study_list_id, version, bank = found[0]
        return subject_id, self._snapshot(user_id, subject_id, study_list_id, version, bank)

    def subject_id(self, slug: str) -> int:
        """The subject's row id; raises UnknownSubject."""
        found = self._rows(_SUBJECT_ID, slug=slug)
        if not found:
            raise UnknownSubject(slug)
        return found[0][0]

    def curated_bank(self, subject_id: int) -> list[tuple[str, int]]:
        """The public collections' exercises of a subject, in topic and file order."""
        return self._rows(_CURATED_BANK, subject_id=subject_id)

    def _rows(self, statement: Select, **params: object) -> list[tuple]:
        """The rows of one of the statements above, as plain tuples (no ORM objects), run on
        the driver's connection of this transaction (`app.rows`)."""
        rows = self._reads if self._reads is not None else rows_of(self._session())
        return rows.all(statement, **params)

    def _session(self) -> Session:
        if self.session is None:
            raise ValueError("this repository only reads: give it the session to write")
        return self.session

    def _snapshot(self, user_id: int, subject_id: int, study_list_id: int | None,
                  version: int | None, bank: int | None) -> _Snapshot:
        """The cached snapshot at `version` (or, with no saved list, at `bank`), else the
        rows."""
        cache = self.cache
        key = (user_id, subject_id)
        if cache is not None and (cached := cache.get(key, version, bank)) is not None:
            return cached
        if study_list_id is None:
            study_list = self.curated_bank(subject_id)
        else:
            study_list = self._rows(_STUDY_LIST, study_list_id=study_list_id)
        snapshot = _snapshot_from_rows(
            study_list_id,
            version,
            bank,
            study_list,
            self._rows(_PASSES, user_id=user_id, subject_id=subject_id),
            self._rows(_PARKED, user_id=user_id, subject_id=subject_id),
        )
        if cache is not None:
            cache.offer(key, snapshot)
        return snapshot

    # -- saving -------------------------------------------------------------------------------

    def save(self, aggregate: model.Subject) -> None:
        """Write what changed in `aggregate` since `get`, and bump the version when anything
        did; the caller commits."""
        loaded = self._loaded(aggregate)
        self._resolve(loaded, _referenced(aggregate))
        self._save_study_list(loaded, aggregate.study_list)
        for each in aggregate.passes[len(loaded.history):]:  # the model changes no others
            self._save_pass(loaded, each)
        self._save_parked(loaded, aggregate.parked)
        if loaded.written:
            self._bump(loaded, aggregate)

    def _bump(self, loaded: _Loaded, aggregate: model.Subject) -> None:
        """Bump the version; when nobody else saved since this transaction read the progress,
        what it wrote is the progress at the new version: cache it once the commit succeeds."""
        read = loaded.version
        loaded.version = self._session().connection().execute(
            _BUMP, {"study_list_id": loaded.study_list_id}).scalar_one()
        loaded.written = False
        if self.cache is None:
            return
        key = (loaded.user_id, loaded.subject_id)
        pending = self._session().info.setdefault(_PENDING, {})
        if read is not None and loaded.version == read + 1:
            pending[key] = _snapshot_of(loaded, aggregate)
        else:
            pending.pop(key, None)

    def _write(self, loaded: _Loaded, statement: Executable, rows: object = None,
               ) -> CursorResult:
        """Run one of `save`'s writes (`rows`: the parameters, one dict or a list of them) as
        plain SQL on the session's connection (the ORM's bulk machinery costs more than the
        statement), and note that the version must move."""
        result = self._session().connection().execute(statement, rows)
        loaded.written = True
        return result

    def add_attempt(
        self, aggregate: model.Subject, exercise_id: str, **texts: str | None
    ) -> int:
        """Store the attempt just recorded in the open pass, with the learner's texts; returns
        its row id. Call after `save`: the attempt belongs to the item row that `save` wrote."""
        loaded = self._loaded(aggregate)
        item = aggregate.item(exercise_id)
        stored = loaded.passes[aggregate.passes[-1].number].items[exercise_id]
        return self._session().connection().execute(
            _ADD_ATTEMPT, {"pass_item_id": stored.id, "status": _value(item.verdict), **texts},
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
            self._session().execute(query.where(orm.Exercise.global_id.in_(missing))).all()
        )
        if unknown := missing - loaded.pks.keys():
            raise UnknownExercise(", ".join(sorted(unknown)))

    def _save_study_list(self, loaded: _Loaded, global_ids: list[str]) -> None:
        """The first save stores the list (until then it is the curated bank, rule 1); later
        ones rewrite its entries when it changed (rare: the editor, late additions)."""
        if loaded.study_list_id is None:
            loaded.study_list_id, loaded.version = self._write(
                loaded, insert(orm.StudyList).returning(orm.StudyList.id, orm.StudyList.version),
                {"user_id": loaded.user_id, "subject_id": loaded.subject_id},
            ).one()
        elif global_ids == loaded.study_list:
            return
        else:
            self._write(loaded, delete(orm.StudyListEntry).where(
                orm.StudyListEntry.study_list_id == loaded.study_list_id))
        if global_ids:
            self._write(loaded, insert(orm.StudyListEntry), [
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
            if new.is_finished and not stored.ended:
                values["ended_at"] = orm.utcnow()
            self._write(loaded, update(orm.Pass).where(orm.Pass.id == stored.id).values(values))
            stored.closed_early, stored.ended = new.closed_early, new.is_finished
        self._save_items(loaded, stored, new)

    def _insert_pass(self, loaded: _Loaded, new: model.Pass) -> _StoredPass:
        values = {"user_id": loaded.user_id, "subject_id": loaded.subject_id,
                  "number": new.number, "closed_early": new.closed_early}
        if new.is_finished:
            values["ended_at"] = orm.utcnow()
        pass_id = self._write(loaded, insert(orm.Pass).returning(orm.Pass.id), values).scalar_one()
        stored = _StoredPass(pass_id, new.closed_early, new.is_finished)
        loaded.passes[new.number] = stored
        return stored

    def _save_items(self, loaded: _Loaded, stored: _StoredPass, new: model.Pass) -> None:
        """Insert the items the pass gained, update the changed ones, delete the dropped ones;
        a rating just made gets its `rating` row."""
        added, changed, rated = [], [], []
        for position, item in enumerate(new.items):
            row = stored.items.get(item.exercise_id)
            state = _state(item)
            if row is None:
                added.append((position, item))
                continue
            if (row.position, row.state) != (position, state):
                if item.rating is not None and row.state[1] is None:
                    rated.append((row.id, item))
                changed.append({"item_id": row.id, "position": position,
                                **dict(zip(_STATE_COLUMNS, state, strict=True))})
                stored.items[item.exercise_id] = row._replace(position=position, state=state)
        dropped = stored.items.keys() - {item.exercise_id for item in new.items}
        if dropped:
            ids = [stored.items.pop(g).id for g in dropped]
            self._write(loaded, delete(orm.PassItem).where(orm.PassItem.id.in_(ids)))
        if changed:
            self._write(loaded, _UPDATE_ITEM, changed)
        if added:
            self._insert_items(loaded, stored, added)
            rated += [(stored.items[i.exercise_id].id, i) for _, i in added if i.rating]
        if rated:
            self._write(loaded, insert(orm.Rating), [
                {"pass_item_id": item_id, "rating": item.rating.value, "disputed": item.disputed}
                for item_id, item in rated
            ])

    def _insert_items(self, loaded: _Loaded, stored: _StoredPass,
                      added: list[tuple[int, model.PassItem]]) -> None:
        ids = self._write(
            loaded, insert(orm.PassItem).returning(orm.PassItem.id, sort_by_parameter_order=True),
            [{"pass_id": stored.id, "exercise_id": loaded.pks[item.exercise_id],
              "position": position, "seed": item.seed,
              **dict(zip(_STATE_COLUMNS, _state(item), strict=True))}
             for position, item in added],
        ).scalars().all()
        for item_id, (position, item) in zip(ids, added, strict=True):
            stored.items[item.exercise_id] = _StoredItem(item_id, position, _state(item),
                                                         item.seed)

    def _save_parked(self, loaded: _Loaded, parked: set[str]) -> None:
        if new := parked - loaded.parked:
            self._write(loaded, insert(orm.Parked), [
                {"user_id": loaded.user_id, "exercise_id": loaded.pks[g]} for g in sorted(new)])
        if gone := loaded.parked - parked:
            self._write(loaded, delete(orm.Parked).where(
                orm.Parked.user_id == loaded.user_id,
                orm.Parked.exercise_id.in_([loaded.pks[g] for g in gone])))
        loaded.parked = set(parked)


def _snapshot_from_rows(
    study_list_id: int | None,
    version: int | None,
    bank: int | None,
    study_list: list[tuple[str, int]],
    pass_rows: list[tuple],
    parked: list[tuple[str, int]],
) -> _Snapshot:
    """A snapshot of the rows `get` reads: the study list's and the parked exercises' (exercise
    id, `exercise.id`) pairs, and the `_PASSES` rows (a pass with one of its items, the item
    columns None for a pass without items)."""
    pks = dict(study_list)
    pks.update(parked)
    passes: dict[int, tuple[tuple, list[tuple], dict[str, _StoredItem]]] = {}
    for pass_id, number, closed_early, ended, item_id, position, global_id, pk, seed, \
            *state in pass_rows:
        if number not in passes:
            passes[number] = ((pass_id, number, closed_early, bool(ended)), [], {})
        if item_id is None:
            continue
        _, items, stored = passes[number]
        verdict, rating, disputed, solution, hint = state
        items.append(_ARGS_FROM_DICT({
            "exercise_id": global_id,
            "seed": seed,
            "verdict": _VERDICTS[verdict],
            "rating": _RATINGS[rating],
            "disputed": disputed,
            "saw_solution_before_check": solution,
            "saw_last_hint_before_check": hint,
        }))
        stored[global_id] = _StoredItem(item_id, position, tuple(state), seed)
        pks[global_id] = pk
    return _Snapshot(
        study_list_id,
        version,
        bank,
        tuple(g for g, _ in study_list),
        _with_history([_SnapshotPass(*head, tuple(items), stored)
                       for head, items, stored in passes.values()]),
        frozenset(g for g, _ in parked),
        pks,
    )


def _snapshot_of(loaded: _Loaded, aggregate: model.Subject) -> _Snapshot:
    """The snapshot of what `save` just wrote, as `get` would read it back: the aggregate's
    state (its items in position order, as saved) and the rows `loaded` records."""
    passes = list(loaded.history)
    for each in aggregate.passes[len(loaded.history):]:
        stored = loaded.passes[each.number]
        passes.append(_SnapshotPass(stored.id, each.number, stored.closed_early, stored.ended,
                                    tuple(map(_ARGS_OF_ITEM, each.items)),
                                    dict(stored.items)))
    return _Snapshot(loaded.study_list_id, loaded.version, None, tuple(loaded.study_list),
                     _with_history(passes), frozenset(loaded.parked), dict(loaded.pks))


def _with_history(passes: list[_SnapshotPass]) -> tuple[_SnapshotPass, ...]:
    """The passes, each but the last with its `history` built (once: kept ones stay)."""
    return tuple(
        each if each is passes[-1] or each.history is not None else replace(
            each, history=model.Pass(each.number, [model.PassItem(*item) for item in each.items],
                                     closed_early=each.closed_early))
        for each in passes
    )


def _build(
    name: str, user_id: int, subject_id: int, snapshot: _Snapshot
) -> tuple[model.Subject, _Loaded]:
    """The aggregate a snapshot holds, and the record of it that `save` compares with."""
    loaded = _Loaded(user_id, subject_id, snapshot.study_list_id, snapshot.version,
                     list(snapshot.study_list), parked=set(snapshot.parked),
                     pks=dict(snapshot.pks), history=snapshot.passes[:-1])
    passes = [each.history for each in loaded.history]
    for each in snapshot.passes[-1:]:
        loaded.passes[each.number] = _StoredPass(each.id, each.closed_early, each.ended,
                                                 dict(each.stored))
        passes.append(model.Pass(each.number, [model.PassItem(*item) for item in each.items],
                                 closed_early=each.closed_early))
    aggregate = model.Subject(
        name=name,
        salt=str(user_id),
        study_list=list(snapshot.study_list),
        passes=passes,
        parked=set(snapshot.parked),
    )
    return aggregate, loaded


def _referenced(aggregate: model.Subject) -> set[str]:
    in_passes = {item.exercise_id for p in aggregate.passes for item in p.items}
    return set(aggregate.study_list) | aggregate.parked | in_passes


def _value(choice: model.Verdict | model.Rating | None) -> str | None:
    return choice.value if choice is not None else None
