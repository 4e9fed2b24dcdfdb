"""The import service: read an upload, verify its answers in the sandbox, preview, then write
it in one transaction.

The steps are apart because the web page shows a preview and writes nothing until the learner
confirms (DESIGN §7: an import is all or nothing):

1. `read_upload` / `formats.read_path`: bytes -> `ParsedImport` (refused as a whole on a bad
   file, with the place named).
2. `verify`: every answer read by the grammar in the checker pool (`pool.run`, never in this
   process); an answer it cannot read makes the exercise self-graded, and says why.
3. `preview`: counts and the first exercises, plus what a write would create or update.
4. `apply`: one transaction. The collection is found again by its key (`u<owner>-<source>`),
   each exercise by its stable id (`imported/<collection>/<id>`), so a re-import updates texts
   in place and every attempt, rating and pass that points at an exercise row stays.

Between 3 and 4 the web page keeps the verified upload in a temp file under the data folder,
named by a random token kept in the learner's session (`save_pending` / `load_pending`); its
images (a PreTeXt book's figures) wait beside it and are written in step 4's transaction.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from app import models as orm
from app.bank import formats, images
from app.bank.formats.answers import read_answers
from app.bank.formats.cas_text import unfilled
from app.bank.formats.images import with_texts
from app.bank.formats.model import (
    ImportedExercise,
    ImportedImage,
    ImportRefused,
    ParsedImport,
    Problem,
)
from app.bank.formats.text import slugify
from app.bank.loader import SUBJECT_TITLES, assign
from app.bank.schema import SLUG
from app.db import UnitOfWork
from app.method import service

PREFIX = "imported"
VERIFY_CHUNK = 250
PENDING_MAX_AGE = 3600.0
IMAGES_SUFFIX = ".images"
Runner = Callable[..., Any]
"""`CheckerPool.run`: `runner(fn, *args)` runs a module-level function in the sandbox."""


class ImportConflict(ImportRefused):
    """The upload is readable but cannot be written (a collection owned by someone else)."""


# -- 1-2: reading and verifying --------------------------------------------------------------------


def read_upload(name: str, data: bytes, fmt: str | None, *, limit: int, runner: Runner,
                subject: str | None = None) -> ParsedImport:
    """Parse and verify an upload; ImportRefused (naming the place) if it cannot be used."""
    parsed = formats.read(name, data, fmt, limit=limit)
    return finish(parsed, runner, subject)


def finish(parsed: ParsedImport, runner: Runner, subject: str | None = None) -> ParsedImport:
    """Subjects filled in, duplicates dropped, answers verified: ready to preview and apply."""
    assign_subject(parsed, subject)
    drop_duplicates(parsed)
    verify(parsed, runner)
    for exercise in parsed.exercises:
        if exercise.self_graded:
            _show_answer(exercise)
    if not parsed.exercises:
        reasons = "; ".join(str(p) for p in parsed.problems[:3])
        raise ImportRefused("nothing to import" + (f": {reasons}" if reasons else ""),
                            parsed.source)
    return parsed


def assign_subject(parsed: ParsedImport, subject: str | None) -> None:
    """Exercises and topics without a subject get `subject`; without one, the import stops."""
    default = slugify(subject or "") or None
    for item in [*parsed.exercises, *parsed.topics]:
        item.subject = item.subject or default
        if item.subject is None:
            raise ImportRefused("the file does not name a subject for every exercise: choose "
                                "one (the Subject field, or --subject)", parsed.source)
    for exercise in parsed.exercises:
        topic = parsed.topic(exercise.topic, exercise.topic, exercise.subject)
        topic.subject = exercise.subject
    parsed.topics = [t for t in parsed.topics if t.subject is not None]


def drop_duplicates(parsed: ParsedImport) -> None:
    """The first exercise with an id wins; later ones are skipped (progress is keyed by id)."""
    seen: dict[str, str] = {}
    kept = []
    for exercise in parsed.exercises:
        if not exercise.id or len(exercise.id) > 120:
            parsed.skip(exercise.where, f"unusable id {exercise.id!r}")
        elif exercise.id in seen:
            parsed.skip(exercise.where, f"id {exercise.id!r} is already used at "
                        f"{seen[exercise.id]}")
        else:
            seen[exercise.id] = exercise.where
            kept.append(exercise)
    parsed.exercises = kept


def verify(parsed: ParsedImport, runner: Runner, chunk: int = VERIFY_CHUNK) -> None:
    """Read every answer in the sandbox; unreadable ones become self-graded, with the reason."""
    pending = [e for e in parsed.exercises if not e.self_graded]
    for start in range(0, len(pending), chunk):
        part = pending[start:start + chunk]
        for exercise, (spec, problem) in zip(part, _run_chunk(runner, part), strict=True):
            if spec is None:
                _self_graded(parsed, exercise, problem)
            elif exercise.parts:
                exercise.parts = [{**written, "answer": answer} for written, answer
                                  in zip(exercise.parts, spec["parts"], strict=True)]
                for part_id, reason in spec["unread"].items():
                    parsed.problems.append(Problem(f"{exercise.where} part {part_id}",
                                                   f"a part self-graded: {reason}",
                                                   "self-graded"))
            else:
                exercise.answer = spec


def _run_chunk(runner: Runner, part: list[ImportedExercise]) -> list[tuple[Any, str]]:
    items = [_item(e) for e in part]
    outcome = runner(read_answers, items)
    if isinstance(outcome, list) and len(outcome) == len(items):
        return outcome
    if len(items) == 1:  # this one answer timed out or crashed its worker
        return [(None, "reading the answer took too long")]
    return [pair for item in part for pair in _run_chunk(runner, [item])]


def _item(exercise: ImportedExercise) -> dict[str, Any]:
    as_exercise = None
    if exercise.params or exercise.parts:
        as_exercise = {"id": exercise.id, "prompt": exercise.prompt, "answer": exercise.answer,
                       "hints": exercise.hints, "solution": exercise.solution,
                       "wrong": exercise.wrong, "params": exercise.params,
                       "where": exercise.conditions, "parts": exercise.parts}
    return {"answer": exercise.answer, "exercise": as_exercise}


def _self_graded(parsed: ParsedImport, exercise: ImportedExercise, reason: str) -> None:
    exercise.answer_display = exercise.answer_display or _code(exercise.answer.get("value"))
    if exercise.parts:
        exercise.parts = [{**part, "answer": {"type": "self"}, "wrong": [],
                           "prompt": unfilled(part.get("prompt") or "")}
                          for part in exercise.parts]
    else:
        exercise.answer = {"type": "self"}
    if exercise.params:  # no values to fill the templates with any more
        exercise.prompt, exercise.solution = unfilled(exercise.prompt), \
            unfilled(exercise.solution)
        exercise.hints = [unfilled(hint) for hint in exercise.hints]
        exercise.answer_display = unfilled(exercise.answer_display)
    exercise.params, exercise.conditions = None, []
    parsed.problems.append(Problem(exercise.where, f"self-graded: {reason}", "self-graded"))


def _show_answer(exercise: ImportedExercise) -> None:
    """A self-graded exercise's answer, as the file gave it, opens its solution."""
    shown = exercise.answer_display
    if shown and shown not in exercise.solution:
        exercise.solution = f"**Answer:** {shown}\n\n{exercise.solution}".strip()


def _code(value: Any) -> str:
    return f"`{value}`" if isinstance(value, str) and value else ""


# -- 3: preview ------------------------------------------------------------------------------------


@dataclass
class Preview:
    """What the learner sees before confirming."""

    parsed: ParsedImport
    collection: str
    counts: dict[str, int]
    created: int
    updated: int
    first: list[ImportedExercise] = field(default_factory=list)


def collection_slug(key: str, owner_id: int | None) -> str:
    """A private collection's slug carries its owner, so two learners' imports of one book
    are two collections; a public (operator) import is the key itself."""
    base = slugify(key) or "import"
    return (base if owner_id is None else f"u{owner_id}-{base}")[:150]


def global_id(collection: str, exercise_id: str) -> str:
    return f"{PREFIX}/{collection}/{exercise_id}"


def preview(uow: UnitOfWork, parsed: ParsedImport, owner_id: int | None,
            shown: int = 10) -> Preview:
    """Counts, and how many exercises a confirm would create and update (reads only)."""
    slug = collection_slug(parsed.key, owner_id)
    with uow:
        row = _collection(uow.session, parsed, slug, owner_id, create=False)
        known = set() if row is None else set(uow.session.scalars(
            select(orm.Exercise.global_id).where(orm.Exercise.collection_id == row.id)))
    existing = sum(1 for e in parsed.exercises
                   if any(global_id(slug, i) in known for i in (e.id, *e.legacy_ids)))
    link = images.linker(parsed.images, images.preview_url)
    return Preview(parsed, slug, parsed.counts(), len(parsed.exercises) - existing, existing,
                   [with_texts(e, link) for e in parsed.exercises[:shown]])


# -- 4: writing ------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    collection: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0
    """Exercises of the collection no longer in the upload: kept, with their history."""
    renamed: int = 0
    """Rows an earlier import named by older rules, renamed (or merged) to the new ids."""
    subjects: list[str] = field(default_factory=list)
    added_to_study_list: int = 0
    images: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"{self.collection}: {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.kept} no longer in the file (kept)"
                + (f", {self.renamed} renamed from older ids" if self.renamed else "")
                + (f", {self.images} images" if self.images else "")
                + (f", {self.added_to_study_list} added to the study list"
                   if self.added_to_study_list else ""))


def apply(uow: UnitOfWork, parsed: ParsedImport, owner_id: int | None, *,
          add_to_study_list: bool = False) -> ImportReport:
    """Write the import in one transaction; on any error nothing is written."""
    started = time.perf_counter()
    with uow:
        report = write(uow.session, parsed, owner_id)
        if add_to_study_list and owner_id is not None:
            report.added_to_study_list = _study(uow.session, parsed, owner_id, report)
        uow.commit()
    report.seconds = time.perf_counter() - started
    return report


def write(session: Session, parsed: ParsedImport, owner_id: int | None) -> ImportReport:
    """The rows of an import, in an open session (flushed, not committed)."""
    slug = collection_slug(parsed.key, owner_id)
    collection = _collection(session, parsed, slug, owner_id, create=True)
    assert collection is not None
    report = ImportReport(slug, subjects=sorted({e.subject or "" for e in parsed.exercises}))
    topics = _topics(session, parsed, collection)
    existing = {row.global_id: row for row in session.scalars(
        select(orm.Exercise).where(orm.Exercise.collection_id == collection.id))}
    report.renamed = rename_legacy(session, parsed, slug, existing)
    _refuse_taken(session, [global_id(slug, e.id) for e in parsed.exercises], existing)
    seen, new, edited = set(), [], []
    link = images.linker(parsed.images, lambda image: images.url(slug, image))
    for position, exercise in enumerate(parsed.exercises):
        gid = global_id(slug, exercise.id)
        seen.add(gid)
        values = columns(with_texts(exercise, link)) | {
            "topic_id": topics[(exercise.subject, exercise.topic)], "position": position}
        row = existing.get(gid)
        if row is None:
            new.append(values | {"global_id": gid, "collection_id": collection.id})
        elif assign(row, values):
            edited.append(gid)
        else:
            report.unchanged += 1
    _insert(session, new)
    report.created, report.updated = len(new), len(edited)
    report.kept = len(set(existing) - seen)
    _store_images(session, collection.id, parsed.images)
    report.images = len(parsed.images)
    session.flush()
    service.forget_snippets(session, edited)
    return report


def rename_legacy(session: Session, parsed: ParsedImport, slug: str,
                  existing: dict[str, orm.Exercise]) -> int:
    """Rows an earlier import made under an id the format now gives differently (an
    exercise's `legacy_ids`) take the new id, so their attempts, ratings, passes and study
    lists stay. When several old rows became one exercise (tasks, now its parts), the first is
    renamed and the others' history joins it (`_merge`). Returns how many rows were renamed
    or merged."""
    wanted = {global_id(slug, e.id) for e in parsed.exercises}
    changed = 0
    for exercise in parsed.exercises:
        gid = global_id(slug, exercise.id)
        aligned = bool(exercise.parts) and len(exercise.parts) == len(exercise.legacy_ids)
        olds = [(index if aligned else 0, existing[old]) for index, old in enumerate(
            global_id(slug, i) for i in exercise.legacy_ids) if old in existing]
        if olds and gid not in existing:  # the old row was this exercise, even if its id
            row = olds.pop(0)[1]          # is now another's (which becomes a new row)
            del existing[row.global_id]
            row.global_id, existing[gid] = gid, row
            session.flush()
            changed += 1
        changed += sum(_merge(session, old, existing[gid], part) for part, old in olds
                       if old.global_id not in wanted)
    return changed


def _merge(session: Session, old: orm.Exercise, new: orm.Exercise, part: int) -> bool:
    """`old`'s history joins `new` (whose part `part` it now is): a pass item moves when its
    pass has none of `new`, else its attempts join `new`'s item, numbered after them (the old
    item keeps its rating, on the old row, which stays as an exercise no longer in the file).
    Study-list entries and parked marks move where `new` has none; `old` leaves the lists.
    Whether anything moved (on a later import, nothing is left to)."""
    items = {item.pass_id: item for item in session.scalars(
        select(orm.PassItem).where(orm.PassItem.exercise_id == new.id))}
    moved = 0
    for item in session.scalars(select(orm.PassItem).where(orm.PassItem.exercise_id == old.id)):
        attempts = session.scalars(select(orm.Attempt).where(
            orm.Attempt.pass_item_id == item.id).order_by(orm.Attempt.number)).all()
        moved += len(attempts) + (item.pass_id not in items)
        target = items.get(item.pass_id)
        if target is None:
            item.exercise_id = new.id
            for attempt in attempts:
                attempt.part = part
            continue
        last = session.scalar(select(func.max(orm.Attempt.number)).where(
            orm.Attempt.pass_item_id == target.id)) or 0
        for number, attempt in enumerate(attempts, max(last, target.attempt_count) + 1):
            attempt.pass_item_id, attempt.number, attempt.part = target.id, number, part
            target.attempt_count = number
        item.attempt_count = 0
    for table, key in ((orm.StudyListEntry, "study_list_id"), (orm.Parked, "user_id")):
        column = getattr(table, key)
        taken = select(column).where(table.exercise_id == new.id)
        moved += session.execute(update(table).where(
            table.exercise_id == old.id, column.not_in(taken)).values(exercise_id=new.id)
        ).rowcount
    moved += session.execute(delete(orm.StudyListEntry).where(
        orm.StudyListEntry.exercise_id == old.id)).rowcount
    session.flush()
    return moved > 0


def _store_images(session: Session, collection_id: int, kept: list[ImportedImage]) -> None:
    """The collection's images become exactly `kept` (in the caller's transaction): an
    unchanged one is left as it is, a changed one rewritten, one no longer imported deleted."""
    stored = {name: sha for name, sha in session.execute(
        select(orm.CollectionImage.name, orm.CollectionImage.sha256).where(
            orm.CollectionImage.collection_id == collection_id))}
    wanted = {image.name: image for image in kept}
    stale = [name for name, sha in stored.items()
             if name not in wanted or wanted[name].sha256 != sha]
    if stale:
        session.execute(delete(orm.CollectionImage).where(
            orm.CollectionImage.collection_id == collection_id,
            orm.CollectionImage.name.in_(stale)))
    session.add_all(
        orm.CollectionImage(collection_id=collection_id, name=image.name,
                            media_type=image.media_type, data=image.data, sha256=image.sha256)
        for image in kept if stored.get(image.name) != image.sha256)


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    """New exercises in bulk (one executemany per chunk, not one ORM object each)."""
    for start in range(0, len(rows), 1000):
        session.execute(insert(orm.Exercise), rows[start:start + 1000])


def _refuse_taken(session: Session, ids: list[str], existing: dict[str, Any]) -> None:
    """Ids held by another collection (only possible after a collection was renamed)."""
    new = [i for i in ids if i not in existing]
    for start in range(0, len(new), 500):
        taken = session.scalar(select(orm.Exercise.global_id).where(
            orm.Exercise.global_id.in_(new[start:start + 500])).limit(1))
        if taken:
            raise ImportConflict(f"the id {taken} belongs to another collection")


def columns(exercise: ImportedExercise) -> dict[str, Any]:
    """An imported exercise as the columns of its row (as the bank loader stores them)."""
    params = {"params": exercise.params, "where": exercise.conditions} if exercise.params \
        else None
    return {"prompt": exercise.prompt, "answer": {} if exercise.parts else exercise.answer,
            "parts": exercise.parts, "params": params,
            "hints": list(exercise.hints), "wrong": list(exercise.wrong),
            "solution": exercise.solution, "difficulty": min(max(exercise.difficulty, 1), 3),
            "source": exercise.source or "imported"}


def _collection(session: Session, parsed: ParsedImport, slug: str, owner_id: int | None,
                create: bool) -> orm.Collection | None:
    row = session.scalar(select(orm.Collection).where(orm.Collection.slug == slug))
    if row is not None and owner_id is not None and row.owner_id != owner_id:
        raise ImportConflict(f"the collection {slug} was published by an operator; only an "
                             "operator can update it (gyrus import FILE --collection SLUG)", slug)
    if not create:
        return row
    values = {"title": parsed.title[:300], "source": parsed.source,
              "macros": parsed.macros or None}
    if row is None:
        row = orm.Collection(slug=slug, owner_id=owner_id, **values)
        session.add(row)
    else:
        assign(row, values)
    session.flush()
    return row


def _topics(session: Session, parsed: ParsedImport, collection: orm.Collection
            ) -> dict[tuple[str | None, str], int]:
    """(subject, topic) -> topic row id. A topic the import does not own (it has exercises of
    other collections, e.g. the curated one) is joined, never rewritten."""
    out: dict[tuple[str | None, str], int] = {}
    for topic in parsed.topics:
        subject = _subject(session, topic.subject or "")
        row = session.scalar(select(orm.Topic).where(orm.Topic.subject_id == subject.id,
                                                     orm.Topic.slug == topic.slug[:100]))
        if row is None:
            last = session.scalar(select(func.max(orm.Topic.position)).where(
                orm.Topic.subject_id == subject.id))
            row = orm.Topic(subject_id=subject.id, slug=topic.slug[:100], title="",
                            position=(last or 0) + 1)
            session.add(row)
            session.flush()
        if _owned(session, row, collection):
            assign(row, {"title": topic.title[:300], "theory": topic.theory,
                         "examples": topic.examples, "prerequisites": topic.prerequisites})
        out[(topic.subject, topic.slug)] = row.id
    return out


def _owned(session: Session, topic: orm.Topic, collection: orm.Collection) -> bool:
    other = session.scalar(select(orm.Exercise.id).where(
        orm.Exercise.topic_id == topic.id, orm.Exercise.collection_id != collection.id
    ).limit(1))
    return other is None


def _subject(session: Session, slug: str) -> orm.Subject:
    if not re.match(SLUG, slug):
        raise ImportRefused(f"{slug!r} is not a subject name (lower case, digits, hyphens)")
    row = session.scalar(select(orm.Subject).where(orm.Subject.slug == slug))
    if row is None:
        title = SUBJECT_TITLES.get(slug, slug.replace("-", " ").capitalize())
        row = orm.Subject(slug=slug, title=title)
        session.add(row)
        session.flush()
    return row


def _study(session: Session, parsed: ParsedImport, owner_id: int,
           report: ImportReport) -> int:
    """Add the imported exercises to the owner's study lists (same transaction)."""
    return service.add_to_study_lists(session, {
        (owner_id, subject): [global_id(report.collection, e.id) for e in parsed.exercises
                              if e.subject == subject]
        for subject in report.subjects
    })


def publish(uow: UnitOfWork, slug: str) -> str:
    """Make a collection public (an operator's decision): every learner can then choose it,
    and it joins the default study list of new learners (rule 1)."""
    with uow:
        row = uow.session.scalar(select(orm.Collection).where(orm.Collection.slug == slug))
        if row is None:
            raise ImportRefused(f"there is no collection {slug!r}")
        row.owner_id = None
        title = row.title
        uow.commit()
    return title


# -- between preview and confirm -------------------------------------------------------------------


def pending_dir(data_dir: Path) -> Path:
    return data_dir / "pending-imports"


@dataclass
class PendingUpload:
    """The file behind a pending CSV or Anki import, kept with it so the preview can read the
    file again with another field mapping (`tabular.parse`'s `mapping`)."""

    name: str
    data: bytes
    subject: str | None = None
    mapping: dict[int, str] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "data": base64.b64encode(self.data).decode("ascii"),
                "subject": self.subject,
                "mapping": None if self.mapping is None else
                [[index, role] for index, role in sorted(self.mapping.items())]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PendingUpload:
        mapping = data.get("mapping")
        return cls(data["name"], base64.b64decode(data["data"]), data.get("subject"),
                   None if mapping is None else {int(i): str(r) for i, r in mapping})


def save_pending(folder: Path, parsed: ParsedImport, user_id: int,
                 upload: PendingUpload | None = None) -> str:
    """Keep a verified upload until the learner confirms; returns the token for the session.
    Its images wait beside it as raw bytes in a zip (`TOKEN.images`), not in the JSON; a CSV
    or Anki file waits in it too, for the mapping step."""
    folder.mkdir(parents=True, exist_ok=True)
    _prune(folder)
    token = secrets.token_urlsafe(24)
    if parsed.images:
        with zipfile.ZipFile(folder / f"{token}{IMAGES_SUFFIX}", "w") as archive:
            for image in parsed.images:
                archive.writestr(image.name, image.data)
    payload = {"user": user_id, "parsed": parsed.to_json(),
               "images": [[image.name, image.media_type] for image in parsed.images],
               "upload": upload.to_json() if upload else None}
    (folder / f"{token}.json").write_text(json.dumps(payload), encoding="utf-8")
    return token


def load_pending(folder: Path, token: str | None, user_id: int) -> ParsedImport | None:
    """The upload kept under `token` for this learner, or None (expired, or not theirs)."""
    found = _pending(folder, token, user_id)
    if found is None:
        return None
    images = _kept_images(found[0], found[1].get("images", []))
    if images is None:
        return None
    parsed = ParsedImport.from_json(found[1]["parsed"])
    parsed.images = images
    return parsed


def pending_image(folder: Path, token: str | None, user_id: int, name: str
                  ) -> ImportedImage | None:
    """One image of the upload kept under `token` for this learner (for the preview), or None."""
    found = _pending(folder, token, user_id)
    if found is None:
        return None
    images = _kept_images(found[0], [pair for pair in found[1].get("images", [])
                                     if pair[0] == name])
    return images[0] if images else None


def _kept_images(path: Path, wanted: list[list[str]]) -> list[ImportedImage] | None:
    """The images `wanted` ([name, media type] pairs) from the zip beside the pending upload at
    `path`; None if it is gone."""
    if not wanted:
        return []
    try:
        with zipfile.ZipFile(path.with_suffix(IMAGES_SUFFIX)) as archive:
            return [ImportedImage(name, media_type, archive.read(name))
                    for name, media_type in wanted]
    except (OSError, KeyError, zipfile.BadZipFile):
        return None


def load_pending_upload(folder: Path, token: str | None, user_id: int) -> PendingUpload | None:
    """The file kept with the upload under `token`, when it was kept (CSV and Anki)."""
    found = _pending(folder, token, user_id)
    kept = found[1].get("upload") if found else None
    return PendingUpload.from_json(kept) if kept else None


def drop_pending(folder: Path, token: str | None, user_id: int) -> None:
    """Forget the upload kept under `token`, if it is this learner's."""
    found = _pending(folder, token, user_id)
    if found is not None:
        found[0].with_suffix(IMAGES_SUFFIX).unlink(missing_ok=True)
        found[0].unlink(missing_ok=True)


def _pending(folder: Path, token: str | None, user_id: int) -> tuple[Path, dict] | None:
    """The file and payload kept under `token`, when the token is well formed and the upload
    is this learner's."""
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        return None
    path = folder / f"{token}.json"
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return (path, payload) if payload.get("user") == user_id else None


def _prune(folder: Path) -> None:
    """Uploads never confirmed or cancelled are removed after an hour."""
    cutoff = time.time() - PENDING_MAX_AGE
    for path in [*folder.glob("*.json"), *folder.glob(f"*{IMAGES_SUFFIX}")]:
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue
