"""Export and backup: a collection as native YAML or CSV, a learner's whole history as JSON,
and `restore`, which writes such a backup into a database that does not have that learner.

Learners must be able to leave with their data. A collection export re-imports losslessly
(native YAML keeps every field the database has; CSV writes the full answer spec in its `spec`
column when a type and a value do not say everything). A backup holds the account, the
learner's own (imported) collections with their exercises and images (base64), study lists,
passes with every item, attempt (with both notes) and rating, and parked exercises; exercises
of public collections are referenced by their stable id, so the curated bank must be loaded
first.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, joinedload

from app import models as orm
from app.bank.formats.images import NAME, TYPES, sniff
from app.bank.formats.native import dump_yaml
from app.bank.formats.tabular import COLUMNS
from app.bank.importing import PREFIX, ImportRefused
from app.bank.schema import TopicFile
from app.method import sessions

BACKUP_FORMAT = "gyrus-backup"
BACKUP_VERSION = 1


class RestoreError(ValueError):
    """The backup cannot be restored here; nothing was written."""


# -- collections -----------------------------------------------------------------------------------


def visible_collections(session: Session, user_id: int | None) -> list[orm.Collection]:
    """Collections a learner may export: the public ones and their own."""
    query = select(orm.Collection).order_by(orm.Collection.owner_id.is_(None), orm.Collection.slug)
    if user_id is not None:
        query = query.where(or_(orm.Collection.owner_id.is_(None),
                                orm.Collection.owner_id == user_id))
    return list(session.scalars(query))


def find_collection(session: Session, slug: str, user_id: int | None) -> orm.Collection:
    row = session.scalar(select(orm.Collection).where(orm.Collection.slug == slug))
    if row is None or (user_id is not None and row.owner_id not in (None, user_id)):
        raise ImportRefused(f"there is no collection {slug!r}")
    return row


def _rows(session: Session, collection: orm.Collection) -> list[orm.Exercise]:
    return list(session.scalars(
        select(orm.Exercise).where(orm.Exercise.collection_id == collection.id)
        .join(orm.Exercise.topic)
        .order_by(orm.Topic.subject_id, orm.Topic.position, orm.Topic.slug, orm.Exercise.position)
        .options(joinedload(orm.Exercise.topic).joinedload(orm.Topic.subject))))


def local_id(row: orm.Exercise, collection: orm.Collection) -> str:
    """The id in the file: `imported/<collection>/<id>` -> `<id>`; curated ids -> last part."""
    prefix = f"{PREFIX}/{collection.slug}/"
    gid = row.global_id
    return gid[len(prefix):] if gid.startswith(prefix) else gid.rsplit("/", 1)[-1]


def collection_key(collection: orm.Collection) -> str:
    """The key a re-import of the export finds this collection by (the owner prefix off)."""
    owner = f"u{collection.owner_id}-"
    slug = collection.slug
    return slug[len(owner):] if collection.owner_id and slug.startswith(owner) else slug


def export_yaml(session: Session, collection: orm.Collection) -> str:
    """The collection as native YAML: a header document, then one topic file per topic."""
    header: dict[str, Any] = {"title": collection.title, "key": collection_key(collection),
                              "source": collection.source or ""}
    if collection.macros:
        header["macros"] = dict(collection.macros)
    return dump_yaml(header, topic_files(session, collection))


def topic_files(session: Session, collection: orm.Collection) -> list[dict[str, Any]]:
    """One DESIGN §5 topic file (as a dict, validated) per topic of the collection."""
    files: dict[int, dict[str, Any]] = {}
    for row in _rows(session, collection):
        topic = row.topic
        entry = files.setdefault(topic.id, _topic_dict(topic))
        entry["exercises"].append(_exercise_dict(row, local_id(row, collection)))
    out = []
    for entry in files.values():
        TopicFile.model_validate(entry)  # an export that would not re-import is a bug
        out.append({k: v for k, v in entry.items() if v not in ([], "", None)})
    return out


def _topic_dict(topic: orm.Topic) -> dict[str, Any]:
    return {"subject": topic.subject.slug, "topic": topic.slug, "title": topic.title or topic.slug,
            "prerequisites": list(topic.prerequisites or []), "theory": topic.theory or "",
            "examples": list(topic.examples or []), "exercises": []}


def _exercise_dict(row: orm.Exercise, ident: str) -> dict[str, Any]:
    stored = row.params or {}
    values: dict[str, Any] = {
        "id": ident, "prompt": row.prompt, "answer": dict(row.answer) if row.answer else None,
        "parts": list(row.parts) if row.parts else None,
        "wrong": list(row.wrong or []), "hints": list(row.hints or []),
        "solution": row.solution or "", "difficulty": row.difficulty,
        "source": row.source or "original", "params": stored.get("params"),
        "where": list(stored.get("where") or []),
    }
    defaults = {"difficulty": 1, "source": "original"}  # the schema's: leave them out
    return {k: v for k, v in values.items() if v not in ([], "", None) and
            defaults.get(k) != v}


def export_csv(session: Session, collection: orm.Collection) -> str:
    """The collection as CSV with a header row (`tabular.COLUMNS`), after the lines that make a
    re-import update this collection (`#key:`) with every text exactly as stored
    (`#markdown:exact`)."""
    out = io.StringIO()
    title = " ".join(collection.title.split())
    out.write(f"#collection:{title}\n#key:{collection_key(collection)}\n#markdown:exact\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in _rows(session, collection):
        writer.writerow(_csv_row(row, local_id(row, collection)))
    return out.getvalue()


def _csv_row(row: orm.Exercise, ident: str) -> list[str]:
    answer = {"type": "parts", "parts": row.parts} if row.parts else dict(row.answer or {})
    simple = set(answer) <= {"type", "value"} and isinstance(answer.get("value", ""), str)
    hints = list(row.hints or [])
    multiline = any("\n" in h for h in hints)
    values = {"id": ident, "subject": row.topic.subject.slug, "topic": row.topic.slug,
              "topic_title": row.topic.title or "",
              "prompt": row.prompt, "answer": answer.get("value", "") if simple else "",
              "answer_type": answer.get("type", "self"), "solution": row.solution or "",
              "hint": json.dumps(hints, ensure_ascii=False) if multiline else "\n".join(hints),
              "tags": "", "source": row.source or "", "difficulty": row.difficulty,
              "spec": "" if simple else json.dumps(answer, ensure_ascii=False)}
    return [str(values[c]) for c in COLUMNS]


# -- a learner's whole history ---------------------------------------------------------------------


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_user(session: Session, user_id: int) -> dict[str, Any]:
    """Everything of one learner as one JSON-ready document."""
    user = session.get(orm.User, user_id)
    if user is None:
        raise ImportRefused(f"there is no user {user_id}")
    own = list(session.scalars(select(orm.Collection).where(orm.Collection.owner_id == user_id)))
    return {
        "format": BACKUP_FORMAT, "version": BACKUP_VERSION,
        "exported_at": _time(orm.utcnow()),
        "user": {"email": user.email, "password_hash": user.password_hash,
                 "created_at": _time(user.created_at),
                 "settings": {"session_size": user.session_size, "daily_goal": user.daily_goal,
                              "time_zone": user.time_zone, "order": user.session_order}},
        "subjects": [{"id": s.id, "slug": s.slug, "title": s.title}
                     for s in session.scalars(_subjects_of(user_id))],
        "collections": [_collection_backup(session, c) for c in own],
        "study_lists": [_study_list(s) for s in session.scalars(
            select(orm.StudyList).where(orm.StudyList.user_id == user_id))],
        "passes": [_pass(p) for p in session.scalars(
            select(orm.Pass).where(orm.Pass.user_id == user_id).order_by(orm.Pass.subject_id,
                                                                          orm.Pass.number))],
        "parked": [{"exercise": p.exercise.global_id, "created_at": _time(p.created_at)}
                   for p in session.scalars(select(orm.Parked).where(
                       orm.Parked.user_id == user_id))],
    }


def _subjects_of(user_id: int) -> Select[tuple[orm.Subject]]:
    """The subjects a backup names: those with an exercise the learner may see (the curated
    bank's, their own imports') and those of their study lists and passes. Another learner's
    private import made a subject that is not theirs to see, not even its title."""
    visible = (
        select(orm.Topic.subject_id)
        .join(orm.Exercise, orm.Exercise.topic_id == orm.Topic.id)
        .join(orm.Collection, orm.Collection.id == orm.Exercise.collection_id)
        .where(or_(orm.Collection.owner_id.is_(None), orm.Collection.owner_id == user_id))
    )
    studied = select(orm.StudyList.subject_id).where(orm.StudyList.user_id == user_id)
    passed = select(orm.Pass.subject_id).where(orm.Pass.user_id == user_id)
    return select(orm.Subject).where(or_(
        orm.Subject.id.in_(visible), orm.Subject.id.in_(studied), orm.Subject.id.in_(passed),
    )).order_by(orm.Subject.id)


def _collection_backup(session: Session, collection: orm.Collection) -> dict[str, Any]:
    rows = _rows(session, collection)
    topics = {row.topic.id: row.topic for row in rows}
    return {
        "slug": collection.slug, "title": collection.title, "source": collection.source,
        "macros": collection.macros, "created_at": _time(collection.created_at),
        "topics": [{"subject": t.subject.slug, "slug": t.slug, "title": t.title,
                    "position": t.position, "theory": t.theory, "examples": t.examples,
                    "prerequisites": t.prerequisites} for t in topics.values()],
        "exercises": [{"global_id": r.global_id, "subject": r.topic.subject.slug,
                       "topic": r.topic.slug, "position": r.position, "prompt": r.prompt,
                       "answer": r.answer, "params": r.params, "hints": r.hints,
                       "wrong": r.wrong, "solution": r.solution, "difficulty": r.difficulty,
                       "source": r.source} for r in rows],
        "images": [{"name": i.name, "media_type": i.media_type,
                    "data": base64.b64encode(i.data).decode("ascii")}
                   for i in session.scalars(select(orm.CollectionImage).where(
                       orm.CollectionImage.collection_id == collection.id).order_by(
                       orm.CollectionImage.name))],
    }


def _study_list(row: orm.StudyList) -> dict[str, Any]:
    return {"subject_id": row.subject_id, "created_at": _time(row.created_at),
            "exercises": [e.exercise.global_id for e in row.entries]}


def _pass(row: orm.Pass) -> dict[str, Any]:
    return {"subject_id": row.subject_id, "number": row.number,
            "closed_early": row.closed_early, "started_at": _time(row.started_at),
            "ended_at": _time(row.ended_at), "items": [_item(i) for i in row.items]}


_ITEM_FIELDS = ("position", "seed", "verdict", "rating", "disputed",
                "saw_solution_before_check", "saw_last_hint_before_check")
_RETRY_FIELDS = {"incorrect_attempts": 0, "solution_open": False, "part": 0}
"""Pass item fields added with Try again and with parts, and their value in a backup made
before them (its attempt count is read from its attempts' numbers)."""
_ATTEMPT_FIELDS = ("number", "part", "response", "status", "latex", "shape_of_problem",
                   "motion_to_solution", "message", "feedback")


def _item(item: orm.PassItem) -> dict[str, Any]:
    session = _session_of(item)
    attempts = session.scalars(select(orm.Attempt).where(orm.Attempt.pass_item_id == item.id)
                               .order_by(orm.Attempt.number))
    rating = session.scalar(select(orm.Rating).where(orm.Rating.pass_item_id == item.id))
    out: dict[str, Any] = {"exercise": item.exercise.global_id}
    out |= {name: getattr(item, name) for name in (*_ITEM_FIELDS, *_RETRY_FIELDS)}
    out["attempts"] = [{name: getattr(attempt, name) for name in _ATTEMPT_FIELDS}
                       | {"created_at": _time(attempt.created_at)} for attempt in attempts]
    out["rating_row"] = {"rating": rating.rating, "disputed": rating.disputed,
                         "created_at": _time(rating.created_at)} if rating else None
    return out


def _session_of(row: Any) -> Session:
    from sqlalchemy.orm import object_session

    session = object_session(row)
    assert session is not None
    return session


# -- restore ---------------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    user_id: int
    email: str
    exercises: int
    passes: int
    attempts: int

    def summary(self) -> str:
        return (f"restored {self.email} (user {self.user_id}): {self.exercises} own exercises, "
                f"{self.passes} passes, {self.attempts} attempts")


def restore(session: Session, backup: dict[str, Any]) -> RestoreReport:
    """Write a backup into `session` (the caller commits); RestoreError changes nothing."""
    if backup.get("format") != BACKUP_FORMAT or backup.get("version") != BACKUP_VERSION:
        raise RestoreError("not a Gyrus backup (format gyrus-backup, version 1)")
    email = backup["user"]["email"]
    if session.scalar(select(orm.User.id).where(orm.User.email == email)):
        raise RestoreError(f"{email} already has an account here: restore into a database "
                           "without it")
    user = orm.User(email=email, password_hash=backup["user"]["password_hash"],
                    created_at=_parse(backup["user"].get("created_at")) or orm.utcnow())
    _restore_settings(user, backup["user"].get("settings") or {})
    session.add(user)
    session.flush()
    subjects = _restore_subjects(session, backup)
    count = sum(_restore_collection(session, c, user.id, subjects)
                for c in backup.get("collections", []))
    pks = _resolve(session, _referenced(backup))
    by_old = _old_subjects(backup, subjects)
    for entry in backup.get("study_lists", []):
        _restore_study_list(session, entry, user.id, by_old, pks)
    attempts = sum(_restore_pass(session, p, user.id, by_old, pks)
                   for p in backup.get("passes", []))
    for parked in backup.get("parked", []):
        session.add(orm.Parked(user_id=user.id, exercise_id=pks[parked["exercise"]],
                               created_at=_parse(parked.get("created_at")) or orm.utcnow()))
    session.flush()
    return RestoreReport(user.id, email, count, len(backup.get("passes", [])), attempts)


def _restore_settings(user: orm.User, saved: dict[str, Any]) -> None:
    """The learner's settings (rules 9, 10); a backup from before them has none: defaults."""
    defaults = sessions.LearnerSettings()
    try:
        chosen = sessions.validated(
            int(saved.get("session_size", defaults.session_size)),
            int(saved.get("daily_goal", defaults.daily_goal)),
            saved.get("time_zone"), str(saved.get("order", defaults.order)))
    except (TypeError, ValueError) as error:  # SettingsError is a ValueError
        raise RestoreError(f"the backup's settings are not valid: {error}") from None
    user.session_size, user.daily_goal = chosen.session_size, chosen.daily_goal
    user.time_zone, user.session_order = chosen.time_zone, chosen.order


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _restore_subjects(session: Session, backup: dict[str, Any]) -> dict[str, int]:
    ids = {}
    for subject in backup.get("subjects", []):
        row = session.scalar(select(orm.Subject).where(orm.Subject.slug == subject["slug"]))
        if row is None:
            row = orm.Subject(slug=subject["slug"], title=subject["title"])
            session.add(row)
            session.flush()
        ids[subject["slug"]] = row.id
    return ids


def _old_subjects(backup: dict[str, Any], subjects: dict[str, int]) -> dict[int, int]:
    """Subject ids in the backup's database -> the same subjects' ids here."""
    old = {}
    for subject in backup.get("subjects", []):
        old[subject["id"]] = subjects[subject["slug"]]
    return old


def _restore_collection(session: Session, data: dict[str, Any], user_id: int,
                        subjects: dict[str, int]) -> int:
    if session.scalar(select(orm.Collection.id).where(orm.Collection.slug == data["slug"])):
        raise RestoreError(f"the collection {data['slug']} already exists here")
    collection = orm.Collection(slug=data["slug"], title=data["title"], owner_id=user_id,
                                source=data.get("source"), macros=data.get("macros"))
    session.add(collection)
    session.flush()
    topics = {}
    for topic in data.get("topics", []):
        key = (topic["subject"], topic["slug"])
        topics[key] = _ensure_topic(session, topic, subjects[topic["subject"]])
    for exercise in data.get("exercises", []):
        values = {k: v for k, v in exercise.items() if k not in ("subject", "topic")}
        session.add(orm.Exercise(collection_id=collection.id,
                                 topic_id=topics[(exercise["subject"], exercise["topic"])],
                                 **values))
    for image in data.get("images", []):  # a backup from before images has none
        session.add(_restored_image(collection, image))
    session.flush()
    return len(data.get("exercises", []))


def _restored_image(collection: orm.Collection, image: dict[str, Any]) -> orm.CollectionImage:
    """An image of a backup, its type read again from its bytes (never taken from the file)."""
    try:
        raw = base64.b64decode(image["data"], validate=True)
    except ValueError:
        raw = b""
    media_type = sniff(raw)
    if media_type is None or not re.fullmatch(NAME, image["name"]):
        raise RestoreError(f"the image {image['name']!r} of the collection {collection.slug} "
                           f"is not a {TYPES} image")
    return orm.CollectionImage(collection_id=collection.id, name=image["name"],
                               media_type=media_type, data=raw,
                               sha256=hashlib.sha256(raw).hexdigest())


def _ensure_topic(session: Session, topic: dict[str, Any], subject_id: int) -> int:
    row = session.scalar(select(orm.Topic).where(orm.Topic.subject_id == subject_id,
                                                 orm.Topic.slug == topic["slug"]))
    if row is None:
        row = orm.Topic(subject_id=subject_id, slug=topic["slug"], title=topic["title"],
                        position=topic.get("position", 0), theory=topic.get("theory") or "",
                        examples=topic.get("examples") or [],
                        prerequisites=topic.get("prerequisites") or [])
        session.add(row)
        session.flush()
    return row.id


def _referenced(backup: dict[str, Any]) -> set[str]:
    ids = {g for s in backup.get("study_lists", []) for g in s["exercises"]}
    ids |= {i["exercise"] for p in backup.get("passes", []) for i in p["items"]}
    return ids | {p["exercise"] for p in backup.get("parked", [])}


def _resolve(session: Session, global_ids: Iterable[str]) -> dict[str, int]:
    wanted = sorted(global_ids)
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        query = select(orm.Exercise.global_id, orm.Exercise.id).where(
            orm.Exercise.global_id.in_(wanted[start:start + 500]))
        found.update((gid, pk) for gid, pk in session.execute(query))
    missing = [g for g in wanted if g not in found]
    if missing:
        raise RestoreError(f"{len(missing)} exercises of the backup are not in this database "
                           f"(load the curated bank first): {', '.join(missing[:5])}")
    return found


def _restore_study_list(session: Session, entry: dict[str, Any], user_id: int,
                        subjects: dict[int, int], pks: dict[str, int]) -> None:
    row = orm.StudyList(user_id=user_id, subject_id=subjects[entry["subject_id"]],
                        created_at=_parse(entry.get("created_at")) or orm.utcnow())
    row.entries = [orm.StudyListEntry(exercise_id=pks[g], position=i)
                   for i, g in enumerate(entry["exercises"])]
    session.add(row)


def _restore_pass(session: Session, data: dict[str, Any], user_id: int,
                  subjects: dict[int, int], pks: dict[str, int]) -> int:
    row = orm.Pass(user_id=user_id, subject_id=subjects[data["subject_id"]],
                   number=data["number"], closed_early=data["closed_early"],
                   started_at=_parse(data.get("started_at")) or orm.utcnow(),
                   ended_at=_parse(data.get("ended_at")))
    session.add(row)
    attempts = 0
    for item in data["items"]:
        values = {name: item[name] for name in _ITEM_FIELDS}
        values |= {name: item.get(name, default) for name, default in _RETRY_FIELDS.items()}
        if "solution_open" not in item:  # before Try again: as migration 0008 sets them
            values["solution_open"] = bool(item["verdict"] or item["saw_solution_before_check"])
            values["incorrect_attempts"] = int(item["verdict"] == "incorrect")
        # Before Try again a backup held one "attempt" per item.
        restored = item.get("attempts") or ([item["attempt"]] if item.get("attempt") else [])
        values["attempt_count"] = max((a.get("number", 1) for a in restored), default=0)
        item_row = orm.PassItem(exercise_id=pks[item["exercise"]], **values)
        row.items.append(item_row)
        for stored in restored:
            values = {name: stored[name] for name in _ATTEMPT_FIELDS if name in stored}
            values["created_at"] = _parse(stored.get("created_at")) or orm.utcnow()
            session.add(orm.Attempt(pass_item=item_row, **values))
            attempts += 1
        if item.get("rating_row"):
            rating = dict(item["rating_row"])
            rating["created_at"] = _parse(rating.get("created_at")) or orm.utcnow()
            session.add(orm.Rating(pass_item=item_row, **rating))
    return attempts
