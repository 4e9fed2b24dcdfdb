"""CSV and TSV lists, and Anki's text export, one row per exercise.

Headers, Anki style, at the top (each optional):

    #separator:tab          tab, comma, semicolon, pipe, space, colon, or the character itself
    #html:true              fields hold HTML (sanitised with nh3, then made Markdown)
    #columns:id prompt ...  column names, in the file's separator (instead of a header row)
    #tags:chapter3 review   tags added to every row
    #guid column:1          Anki's note id column (the stable id); also `#deck column:N`,
                            `#tags column:N`, `#notetype column:N`
    #collection:Stewart 8e  the collection's title (default: the file name)
    #key:stewart-8e         the key the collection is found by on a re-import (default: from
                            the title); exports write it, so a round trip updates the collection
    #markdown:exact         cells are Gyrus Markdown, kept exactly as written (exports write it:
                            `\\[..\\]` stays text, nothing is cleaned as HTML)
    #subject:calculus  #topic:chain-rule   defaults for rows without these columns (`#deck:`
                            too)

Other lines starting with `#` are comments, as in Anki: at the top and wherever a row would
start (a cell starting with `#` is quoted). Without `#columns:` the first row is a header row
when every cell names a column; otherwise the file is read as Anki's: field 1 the prompt
(front), field 2 the answer (back), field 3 the solution, unless the learner maps the fields
otherwise (`fields`, and `parse`'s `mapping`). A front holding Anki clozes
(`{{c1::answer::hint}}`) gives one exercise per cloze number: the prompt with a blank, the
answer as its key, the back as its solution. Without an id column a row's id is a hash of its
prompt (of the whole row when two rows share a prompt).

Columns: `id, subject, topic, topic_title, prompt, answer, answer_type, solution, hint, tags,
source, difficulty`, and
`spec` (a JSON answer spec, which wins over answer/answer_type; exports write it when the
answer needs more than a type and a value). `hint` holds one hint per line. An answer without
`answer_type` is read by the grammar: a number or an expression when it can, else the exercise
is self-graded and the answer opens its solution. Maths may be written `$..$`, `$$..$$`,
`\\(..\\)`, `\\[..\\]` or Anki's `[$]..[/$]`; all are stored as `$..$` / `$$..$$`.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any

import nh3
from pydantic import ValidationError

from app.bank.formats import cloze
from app.bank.formats.model import AUTO, ImportedExercise, ImportRefused, ParsedImport, Problem
from app.bank.formats.text import (
    convert_math,
    decode,
    digest,
    field_markdown,
    slugify,
    stable_id,
)
from app.bank.schema import Part
from app.checking.compare.spec import AnswerType

COLUMNS = ["id", "subject", "topic", "topic_title", "prompt", "answer", "answer_type",
           "solution", "hint", "tags", "source", "difficulty", "spec"]
ALIASES = {"question": "prompt", "front": "prompt", "text": "prompt", "back": "answer",
           "hints": "hint", "deck": "topic", "guid": "id", "type": "answer_type",
           "explanation": "solution", "notetype": "notetype"}
SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " ",
              "colon": ":"}
ANSWER_TYPES = set(AnswerType.__args__)  # type: ignore[attr-defined]
csv.field_size_limit(10 * 1024 * 1024)

COLUMN_HELP = [
    ("id", "A stable name for the row, so importing the file again updates the exercise and "
     "keeps your history (without it: a hash of the prompt)", "chain-rule-07"),
    ("subject", "The subject the exercise belongs to (default: the Subject chosen above)",
     "calculus"),
    ("topic", "The topic inside the subject; an Anki deck path keeps its last part",
     "Chain rule"),
    ("topic_title", "The topic's title when the topic column holds its short name "
     "(exports write both)", "The chain rule"),
    ("prompt", "The exercise, in Markdown with $…$ maths (also \\(…\\) and Anki's [$]…[/$]); "
     "an Anki cloze {{c1::answer}} becomes a blank with its answer as the key; required",
     "Differentiate $\\sin(x^2)$."),
    ("answer", "The answer to check; left empty, or in words, you compare with the solution "
     "yourself (self-graded)", "2x cos(x^2)"),
    ("answer_type", "How the answer is checked: " + ", ".join(sorted(ANSWER_TYPES)) +
     " (default: read from the answer)", "expression"),
    ("solution", "The worked solution, shown after the check", "By the chain rule, …"),
    ("hint", "Hints, one per line of the cell", "Let u = x^2."),
    ("tags", "Words to find the exercise by, separated by spaces or commas", "chapter3 review"),
    ("source", "Where the exercise comes from", "Stewart 8e, 3.4 #7"),
    ("difficulty", "1, 2 or 3 (default 1)", "2"),
    ("spec", "A full answer spec as JSON (wins over answer and answer_type); exports write it",
     '{"type": "number", "value": "0.25", "decimals": 2}'),
]
"""The columns as the Import page documents them: (name, meaning, example)."""


ROLES = [("prompt", "Front (the prompt)"), ("answer", "Back (the answer)"),
         ("solution", "Solution"), ("hint", "Hints"), ("id", "Id (found again on a re-import)"),
         ("topic", "Topic (deck)"), ("tags", "Tags"), ("source", "Source"), ("", "Not used")]
"""What a field of an Anki-shaped file may be, as the preview's field mapping offers it."""
Mapping = dict[int, str]
"""Field index (from 0) -> column name, for a file whose columns are not named."""


@dataclass
class Headers:
    """What the `#key:value` lines at the top of the file said."""

    separator: str | None = None
    html: bool | None = None
    exact: bool = False
    columns: list[str] | None = None
    tags: list[str] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    lines: int = 0


@dataclass
class Field:
    """One field of an Anki-shaped file, for the mapping form: what it is read as, and the
    first rows' values so the learner can tell the fields apart."""

    index: int
    role: str
    samples: list[str]


@dataclass
class _Table:
    headers: Headers
    rows: list[tuple[int, list[str]]]
    columns: Mapping
    named: bool
    """Whether the file names its columns (`#columns:` or a header row): no mapping then."""


def parse(name: str, data: bytes, mapping: Mapping | None = None) -> ParsedImport:
    """A CSV/TSV or Anki text export as a ParsedImport; `mapping` says what the fields of an
    Anki-shaped file are (see `fields`), instead of front, back, solution."""
    table = _table(name, data)
    headers, columns = table.headers, table.columns
    if mapping is not None and not table.named:
        columns = checked_mapping(mapping, _width(table.rows), name)
    title = headers.values.get("collection") or PurePosixPath(name).stem
    key = slugify(headers.values.get("key", "")) or slugify(title) or "list"
    parsed = ParsedImport(format="csv", title=title, key=key, source=name)
    if "id" not in columns.values():
        parsed.warn(name, "no id column: each row's id is a hash of its prompt, so a re-import "
                    "finds a row again only while its prompt is unchanged")
    taken: set[str] = set()
    for line, cells in table.rows:
        _row(parsed, headers, columns, cells, f"{name}:{line}", taken)
    return parsed


def fields(name: str, data: bytes, mapping: Mapping | None = None, shown: int = 3
           ) -> list[Field] | None:
    """The fields of an Anki-shaped file with what each is read as (`mapping`, else the
    default), or None when the file names its columns."""
    table = _table(name, data)
    if table.named:
        return None
    columns = mapping if mapping is not None else table.columns
    return [Field(i, columns.get(i, ""),
                  [cells[i] if i < len(cells) else "" for _line, cells in table.rows[:shown]])
            for i in range(_width(table.rows))]


def checked_mapping(mapping: Mapping, width: int, where: str = "") -> Mapping:
    """A learner's field mapping, refused unless one field is the front, every field exists
    and no role is given twice."""
    known = {role for role, _label in ROLES if role}
    chosen = {i: role for i, role in mapping.items() if role}
    if any(not 0 <= i < width for i in chosen) or set(chosen.values()) - known:
        raise ImportRefused("the field mapping names a field or a role the file does not have",
                            where)
    roles = list(chosen.values())
    if roles.count("prompt") != 1:
        raise ImportRefused("choose exactly one field as the front (the prompt)", where)
    if twice := sorted({r for r in roles if roles.count(r) > 1}):
        raise ImportRefused(f"each role goes to one field; chosen twice: {', '.join(twice)}",
                            where)
    return chosen


def _table(name: str, data: bytes) -> _Table:
    text = decode(data, name)
    headers = _headers(text)
    body = text.split("\n", headers.lines)[-1] if headers.lines else text
    separator = headers.separator or _sniff(name, body)
    rows = _rows(body, separator, name, headers.lines)
    columns, rows, named = _columns(headers, rows)
    return _Table(headers, rows, columns, named)


def _width(rows: list[tuple[int, list[str]]]) -> int:
    return max((len(cells) for _line, cells in rows), default=2)


def _headers(text: str) -> Headers:
    """The `#key:value` lines at the top; other `#` lines there are comments, skipped."""
    headers = Headers()
    for line in text.split("\n"):
        if not line.startswith("#"):
            break
        headers.lines += 1
        match = re.match(r"^#([a-z ]+):(.*)$", line)
        if match:
            _header(headers, match.group(1).strip().lower(), match.group(2))
    return headers


def _header(headers: Headers, key: str, value: str) -> None:
    if key == "separator":
        headers.separator = SEPARATORS.get(value.strip().lower(), value[:1] or None)
    elif key == "html":
        headers.html = value.strip().lower() == "true"
    elif key == "markdown":
        headers.exact = value.strip().lower() == "exact"
    elif key == "columns":
        headers.columns = [value]  # split once the separator is known
    elif key == "tags":
        headers.tags = value.split()
    elif key.endswith(" column") and value.strip().isdigit():
        headers.positions[ALIASES.get(key[:-7], key[:-7])] = int(value) - 1
    else:
        headers.values[ALIASES.get(key, key) if key == "deck" else key] = value.strip()


def _sniff(name: str, body: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".tsv":
        return "\t"
    first = next((line for line in body.split("\n") if not line.startswith("#")), "")
    if suffix != ".csv" and "\t" in first:
        return "\t"
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda s: counts[s]) if any(counts.values()) else ","


def _rows(body: str, separator: str, name: str, offset: int) -> list[tuple[int, list[str]]]:
    """The rows with the line each starts on; a row whose line starts with `#` is a comment."""
    lines = body.split("\n")
    reader = csv.reader(io.StringIO(body), delimiter=separator)
    rows, start = [], offset + 1
    try:
        for cells in reader:
            comment = lines[start - offset - 1].startswith("#")
            if any(c.strip() for c in cells) and not comment:
                rows.append((start, cells))
            start = offset + reader.line_num + 1
    except csv.Error as error:
        raise ImportRefused(f"not readable as CSV ({error})", f"{name}:{start}") from None
    return rows


def _columns(headers: Headers, rows: list[tuple[int, list[str]]]
             ) -> tuple[Mapping, list[tuple[int, list[str]]], bool]:
    """Column index -> name, from `#columns:`, a header row, or Anki's positions; and whether
    the file named them."""
    if headers.columns is not None:
        names = next(csv.reader([headers.columns[0]], delimiter=headers.separator or "\t"))
        return _named(names), rows, True
    if rows and all(_canonical(c) in COLUMNS for c in rows[0][1] if c.strip()):
        return _named(rows[0][1]), rows[1:], True
    taken = {index: key for key, index in headers.positions.items()}
    free = [i for i in range(_width(rows)) if i not in taken]
    for name, index in zip(("prompt", "answer", "solution"), free, strict=False):
        taken[index] = name
    return taken, rows, False


def _canonical(name: str) -> str:
    name = name.strip().lower().replace(" ", "_")
    return ALIASES.get(name, name)


def _named(names: list[str]) -> Mapping:
    return {i: _canonical(n) for i, n in enumerate(names)}


def _row(parsed: ParsedImport, headers: Headers, columns: Mapping, cells: list[str],
         where: str, taken: set[str]) -> None:
    values: dict[str, str] = {}
    for index, cell in enumerate(cells):
        key = columns.get(index)
        if key and key not in values:
            values[key] = cell
    prompt = _markdown(values.get("prompt", ""), headers)
    if not prompt.strip():
        parsed.skip(where, "the row has no prompt")
        return
    topic_name = values.get("topic") or headers.values.get("topic") or parsed.title
    topic_name = topic_name.split("::")[-1]  # an Anki deck path: the innermost deck
    topic = slugify(topic_name) or "general"
    subject = slugify(values.get("subject") or headers.values.get("subject", "")) or None
    parsed.topic(topic, values.get("topic_title", "").strip() or topic_name, subject)
    base = _row_id(values, prompt, taken)
    exercise = ImportedExercise(
        id=base, topic=topic, subject=subject, prompt=prompt, answer={}, where=where,
        hints=_hints(values.get("hint", ""), headers),
        solution=_markdown(values.get("solution", ""), headers),
        source=values.get("source", "").strip(), difficulty=_difficulty(values, parsed, where),
        tags=headers.tags + [t for t in re.split(r"[\s,]+", values.get("tags", "")) if t])
    cards = cloze.cards(prompt)
    if cards:
        _cloze_exercises(parsed, exercise, cards, _markdown(values.get("answer", ""), headers))
        return
    answer, exercise.answer_display = _answer(parsed, values, headers, where)
    exercise.parts = _parts(answer, where)
    exercise.answer = {} if exercise.parts else answer
    parsed.exercises.append(exercise)


def _row_id(values: dict[str, str], prompt: str, taken: set[str]) -> str:
    """The id column's, else a hash of the prompt; a second row with that prompt hashes the
    whole row (the first keeps the id earlier imports gave it)."""
    if values.get("id", "").strip():
        return stable_id(values["id"])
    made = "row-" + digest(prompt)
    if made in taken:
        made = "row-" + digest("\x1f".join(f"{k}={v}" for k, v in sorted(values.items())))
    taken.add(made)
    return made


def _cloze_exercises(parsed: ParsedImport, exercise: ImportedExercise,
                     cards: list[cloze.Card], back: str) -> None:
    """One exercise per cloze number; the first keeps the row's id, the others add `-c<n>`.
    The back field (Anki's Back Extra) becomes the solution."""
    for position, card in enumerate(cards):
        made = replace(exercise, id=exercise.id if position == 0 else
                       f"{exercise.id}-c{card.number}", prompt=card.prompt,
                       hints=list(exercise.hints), tags=list(exercise.tags),
                       solution="\n\n".join(p for p in (back, exercise.solution) if p))
        if len(card.answers) == 1 and answer_value(card.answers[0]):
            made.answer = {"type": AUTO, "value": answer_value(card.answers[0])}
        else:
            made.answer = {"type": "self"}
            parsed.problems.append(Problem(
                made.where, "a cloze card with several blanks is self-graded", "self-graded"))
        made.answer_display = "; ".join(card.answers)
        parsed.exercises.append(made)


def _hints(cell: str, headers: Headers) -> list[str]:
    """One hint per line; an exact export writes a JSON list when a hint has line breaks."""
    if headers.exact and cell.startswith('["'):
        try:
            listed = json.loads(cell)
        except json.JSONDecodeError:
            listed = None
        if isinstance(listed, list) and all(isinstance(h, str) for h in listed):
            return listed
    return [_markdown(h, headers) for h in cell.split("\n") if h.strip()]


def _difficulty(values: dict[str, str], parsed: ParsedImport, where: str) -> int:
    raw = values.get("difficulty", "").strip()
    if raw in ("", "1", "2", "3"):
        return int(raw or 1)
    parsed.warn(where, f"difficulty {raw!r} is not 1, 2 or 3: 1 is used")
    return 1


def _markdown(text: str, headers: Headers) -> str:
    if headers.exact:
        return text
    if headers.html is False:
        return convert_math(text).strip()
    return field_markdown(text)


def _answer(parsed: ParsedImport, values: dict[str, str], headers: Headers, where: str
            ) -> tuple[dict[str, Any], str]:
    """The spec (possibly `auto`, decided by verification) and the answer as Markdown."""
    raw = values.get("answer", "")
    shown = _markdown(raw, headers)
    if values.get("spec", "").strip():
        try:
            spec = json.loads(values["spec"])
        except json.JSONDecodeError as error:
            raise ImportRefused(f"the spec column is not JSON ({error.msg})", where) from None
        return (spec if isinstance(spec, dict) else {"type": "self"}), shown
    kind = values.get("answer_type", "").strip().lower() or AUTO
    value = raw.strip() if headers.exact else answer_value(raw)
    if not value or kind == "self":
        return {"type": "self"}, shown
    if kind != AUTO and kind not in ANSWER_TYPES:
        parsed.warn(where, f"unknown answer_type {kind!r}: the type is read from the answer")
        kind = AUTO
    return {"type": kind, "value": value}, shown


def _parts(spec: dict[str, Any], where: str) -> list[dict[str, Any]] | None:
    """A multi-part exercise's parts, from a spec `{"type": "parts", "parts": [...]}` (how an
    export writes one: CSV has one answer column)."""
    if spec.get("type") != "parts":
        return None
    try:
        parts = [Part.model_validate(item) for item in spec.get("parts") or []]
    except ValidationError as error:
        first = error.errors()[0]
        place = ".".join(str(p) for p in first["loc"])
        raise ImportRefused(f"spec.parts {place}: {first['msg']}", where) from None
    if not 2 <= len(parts) <= 6:
        raise ImportRefused("a multi-part exercise has 2 to 6 parts", where)
    return [part.as_dict() for part in parts]


def answer_value(raw: str) -> str:
    """An answer cell as the grammar reads it: tags dropped, one pair of `$`/`\\(` unwrapped."""
    text = html.unescape(nh3.clean(raw, tags=set())) if "<" in raw or "&" in raw else raw
    text = convert_math(" ".join(text.split()))
    match = re.fullmatch(r"\$\$?(.+?)\$?\$", text)
    return (match.group(1) if match else text).strip()
