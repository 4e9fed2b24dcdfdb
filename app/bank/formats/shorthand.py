"""Textbook list shorthand: exercises of a printed book as one line per section.

    # Stewart, Calculus 8e: my list for chapter 3
    Stewart 8e | 3.4 The chain rule | 1-25 odd, 30, 41-45 | answers: 1: 2x cos(x^2); 3: 6(3x+1)
    Stewart 8e | 3.5 | 2-10 even | subject: calculus | page: 215

Each exercise becomes a reference ("Do exercise 17 of §3.4 in *Stewart 8e*"); with an answer
it is checked, without one it is self-graded. The book is the collection, the section the topic.

Grammar (one entry per line; blank lines and lines starting with `#` are ignored; a line ending
in `\\` continues on the next):

    entry    := book "|" section "|" numbers ("|" option)*
    book     := text without "|"                    the collection ("Stewart 8e")
    section  := number [title]                      "3.4" or "3.4 The chain rule": the topic
    numbers  := range ("," range)*
    range    := N | N "-" M [ "odd" | "even" | "every" K ]
    option   := "answers:" answer (";" answer)*     N ":" answer in the learner grammar
              | "type:" answer-type                 DESIGN §3 type for this line's answers
                                                    (default: read from the answer)
              | "subject:" slug | "page:" text | "title:" text (the section's title)

An answer for a number the line does not list adds that exercise too. Ids are
`<section>-<number>` (`3-4-17`), so a re-import with more answers updates the same exercises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.bank.formats.model import AUTO, ImportedExercise, ImportRefused, ParsedImport
from app.bank.formats.tabular import ANSWER_TYPES
from app.bank.formats.text import decode, escape_markdown, slugify

LINE = re.compile(r"^\s*[^|#][^|]*\|[^|]+\|")
MAX_RANGE = 2_000
_RANGE = re.compile(r"^(\d+)\s*(?:-\s*(\d+)\s*(odd|even|every\s+(\d+))?)?$", re.I)


@dataclass
class Entry:
    """One line, read."""

    book: str
    section: str
    title: str
    numbers: list[int]
    answers: dict[int, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)


def looks_like(text: str) -> bool:
    """Whether the first non-comment line is shorthand (for detection)."""
    for line in text.split("\n"):
        if line.strip() and not line.lstrip().startswith("#"):
            return bool(LINE.match(line))
    return False


def parse(name: str, data: bytes) -> ParsedImport:
    entries = [(where, _entry(line, where)) for where, line in _lines(decode(data, name), name)]
    if not entries:
        raise ImportRefused("no list lines found (book | section | numbers)", name)
    book = entries[0][1].book
    parsed = ParsedImport(format="shorthand", title=book, key=slugify(book), source=name)
    for where, entry in entries:
        if entry.book != book:
            raise ImportRefused(f"one list is one book: {entry.book!r} is not {book!r}", where)
        _add(parsed, entry, where)
    return parsed


def _lines(text: str, name: str) -> list[tuple[str, str]]:
    """(place, logical line), joining lines that end in a backslash."""
    out, pending, start = [], "", 0
    for number, line in enumerate(text.split("\n"), start=1):
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        full, pending = pending + line, ""
        if full.strip() and not full.lstrip().startswith("#"):
            out.append((f"{name}:{start}", full))
    return out


def _entry(line: str, where: str) -> Entry:
    parts = [p.strip() for p in line.split("|")]
    if len(parts) < 3 or not parts[0] or not parts[1]:
        raise ImportRefused("expected: book | section | numbers [| answers: ...]", where)
    section, _, title = parts[1].partition(" ")
    entry = Entry(parts[0], section, title.strip(), numbers(parts[2], where))
    for option in parts[3:]:
        _option(entry, option, where)
    return entry


def numbers(text: str, where: str) -> list[int]:
    """`1-25 odd, 30, 41-45` -> [1, 3, ..., 25, 30, 41, ..., 45]."""
    found: list[int] = []
    for piece in filter(None, (p.strip() for p in text.split(","))):
        match = _RANGE.match(piece)
        if not match:
            raise ImportRefused(f"{piece!r} is not a number or a range like 1-25 odd", where)
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        step = int(match.group(4) or 1) if not match.group(3) or match.group(4) else 2
        if match.group(3) and match.group(3).lower() in ("odd", "even"):
            parity = 1 if match.group(3).lower() == "odd" else 0
            first += (first % 2) != parity
        if last < first or (last - first) // max(step, 1) > MAX_RANGE:
            raise ImportRefused(f"the range {piece!r} is empty or too long", where)
        found += [n for n in range(first, last + 1, max(step, 1)) if n not in found]
    return found


def _option(entry: Entry, option: str, where: str) -> None:
    key, colon, value = option.partition(":")
    key = key.strip().lower()
    if not colon or key not in ("answers", "type", "subject", "page", "title"):
        raise ImportRefused(f"unknown option {option!r} (answers:, type:, subject:, page:, "
                            "title:)", where)
    if key == "answers":
        entry.answers = _answers(value, where)
    elif key == "type" and value.strip() not in ANSWER_TYPES:
        raise ImportRefused(f"type: {value.strip()!r} is not an answer type", where)
    else:
        entry.options[key] = value.strip()


def _answers(text: str, where: str) -> dict[int, str]:
    answers = {}
    for piece in filter(None, (p.strip() for p in text.split(";"))):
        number, colon, value = piece.partition(":")
        if not colon or not number.strip().isdigit() or not value.strip():
            raise ImportRefused(f"{piece!r}: write an answer as N: answer", where)
        answers[int(number)] = value.strip()
    return answers


def _add(parsed: ParsedImport, entry: Entry, where: str) -> None:
    section = slugify(entry.section) or "section"
    title = entry.options.get("title") or entry.title
    topic_slug = f"{parsed.key}-{section}"[:100]
    subject = slugify(entry.options.get("subject", "")) or None
    parsed.topic(topic_slug, f"§{entry.section} {title}".strip(), subject)
    wanted = entry.numbers + [n for n in sorted(entry.answers) if n not in entry.numbers]
    for number in wanted:
        parsed.exercises.append(_exercise(parsed, entry, topic_slug, subject, number, where))


def _exercise(parsed: ParsedImport, entry: Entry, topic: str, subject: str | None, number: int,
              where: str) -> ImportedExercise:
    page = f" (page {entry.options['page']})" if entry.options.get("page") else ""
    prompt = (f"Do exercise {number} of §{escape_markdown(entry.section)} in "
              f"*{escape_markdown(entry.book)}*{escape_markdown(page)}, then enter your answer.")
    value = entry.answers.get(number)
    answer = {"type": entry.options.get("type", AUTO), "value": value} if value else {
        "type": "self"}
    if not value:
        prompt = prompt.replace(", then enter your answer.", " and compare with the book's.")
    return ImportedExercise(
        id=f"{slugify(entry.section)}-{number}", topic=topic, subject=subject, prompt=prompt,
        answer=answer, where=where, answer_display=f"`{value}`" if value else "",
        source=f"{entry.book} §{entry.section} ex {number}{page}")
