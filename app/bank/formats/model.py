"""The one model every import format produces, before anything touches the database.

Each format module reads its file into a `ParsedImport`: the exercises as `ImportedExercise`
(a stable id, subject, topic, prompt, an answer spec or self-graded, hints, solution, source),
the topics they belong to, KaTeX macros, and every problem with the place it was found
(`line 12`, `/pretext/book/chapter[2]/exercises/exercise[3] (xml:id ex-chain)`). A problem that
makes the whole file unusable is raised as `ImportRefused` instead: an import is all or nothing.

The model is plain data and JSON-serialisable (`to_json` / `from_json`), so a parsed upload can
wait in a temp file between the preview and the learner's confirmation; the bytes of its images
(`ImportedImage`) are left out of the JSON and wait beside it (`importing.save_pending`).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

Severity = Literal["skipped", "self-graded", "warning"]
AUTO = "auto"
"""An answer type meaning "decide from what the grammar reads" (resolved by verification)."""


class ImportRefused(ValueError):
    """The upload cannot be imported at all; `where` names the place (file, line, element)."""

    def __init__(self, message: str, where: str = "") -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


@dataclass
class Problem:
    """Something a learner should know about one item: skipped, made self-graded, or a remark."""

    where: str
    message: str
    severity: Severity = "warning"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass
class ImportedExercise:
    """One exercise as read from a file. `answer` is a DESIGN §3 spec as a dict (its type may be
    `auto` until verification decides); `where` is the place in the file, for messages."""

    id: str
    topic: str
    prompt: str
    answer: dict[str, Any]
    where: str = ""
    subject: str | None = None
    hints: list[str] = field(default_factory=list)
    solution: str = ""
    source: str = ""
    difficulty: int = 1
    tags: list[str] = field(default_factory=list)
    wrong: list[dict[str, str]] = field(default_factory=list)
    params: dict[str, Any] | None = None
    conditions: list[str] = field(default_factory=list)
    answer_display: str = ""
    """The answer as the file showed it (Markdown): the solution starts with it when the
    grammar cannot read the answer and the exercise becomes self-graded."""
    parts: list[dict[str, Any]] | None = None
    """A multi-part exercise's parts (DESIGN §5: id, prompt, answer, hints, wrong, solution);
    `answer` is then empty."""
    legacy_ids: list[str] = field(default_factory=list)
    """Ids earlier imports of the same source gave this exercise (or the items now its parts):
    importing renames those rows to `id`, so every learner's history stays."""

    @property
    def self_graded(self) -> bool:
        """No answer, or no part's answer, is checked by the grammar."""
        if self.parts:
            return all(part["answer"].get("type") == "self" for part in self.parts)
        return self.answer.get("type") == "self"


@dataclass
class ImportedTopic:
    """A topic an import creates (a textbook section, a Moodle category, a file's topic)."""

    slug: str
    title: str
    subject: str | None = None
    theory: str = ""
    examples: list[dict[str, str]] = field(default_factory=list)
    prerequisites: list[str] = field(default_factory=list)


@dataclass
class ImportedImage:
    """An image file of the upload that an exercise shows, kept with the collection. Its texts
    refer to it as `images.reference(name)` until the collection's URL is known."""

    name: str
    """Its name in the collection (`images-graph.svg`): letters, digits, `.`, `_`, `-`."""
    media_type: str
    """From the bytes (`image/png`), never from the file name."""
    data: bytes

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class ParsedImport:
    """A whole upload, read: what a preview shows and what one transaction writes."""

    format: str
    title: str
    key: str
    """The slug the collection is found by on a re-import (from the book, deck or file)."""
    source: str = ""
    read_from: str = ""
    """Which file of the upload was read and why (`src/main.ptx, project.ptx's default target`),
    for the preview."""
    held: int | None = None
    """How many exercises the source holds by the format's own census (None: not counted);
    the preview sets it against how many were found."""
    macros: dict[str, str] = field(default_factory=dict)
    topics: list[ImportedTopic] = field(default_factory=list)
    exercises: list[ImportedExercise] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    images: list[ImportedImage] = field(default_factory=list)

    def topic(self, slug: str, title: str, subject: str | None = None) -> ImportedTopic:
        """The topic with this slug, added (with `title`) on first use."""
        for found in self.topics:
            if found.slug == slug and found.subject == subject:
                return found
        made = ImportedTopic(slug=slug, title=title or slug, subject=subject)
        self.topics.append(made)
        return made

    def skip(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message, "skipped"))

    def warn(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message, "warning"))

    def counts(self) -> dict[str, int]:
        """Checkable, self-graded and skipped items, as the preview shows them."""
        graded = sum(1 for e in self.exercises if e.self_graded)
        skipped = sum(1 for p in self.problems if p.severity == "skipped")
        return {"checkable": len(self.exercises) - graded, "self_graded": graded,
                "skipped": skipped}

    def reasons(self) -> list[tuple[str, str, int]]:
        """Every reason something was skipped or self-graded, with its count, most frequent
        first. Formats keep `message` general and put the specifics in `where`."""
        counted: dict[tuple[str, str], int] = {}
        for problem in self.problems:
            if problem.severity != "warning":
                key = (problem.severity, problem.message)
                counted[key] = counted.get(key, 0) + 1
        ranked = sorted(counted.items(), key=lambda item: -item[1])
        return [(severity, message, count) for (severity, message), count in ranked]

    def to_json(self) -> dict[str, Any]:
        """Everything but the images (bytes, kept beside the JSON by whoever keeps it)."""
        values = asdict(replace(self, images=[]))
        values.pop("images")
        return values

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ParsedImport:
        values = dict(data)
        values["topics"] = [ImportedTopic(**t) for t in data.get("topics", [])]
        values["exercises"] = [ImportedExercise(**e) for e in data.get("exercises", [])]
        values["problems"] = [Problem(**p) for p in data.get("problems", [])]
        values["images"] = []
        return cls(**values)
