"""CSV and TSV lists, and Anki's text export, one row per exercise.

Headers, Anki style, at the top (each optional):

    #separator:tab          tab, comma, semicolon, pipe, space, colon, or the character itself
    #html:true              fields hold HTML (sanitised with nh3, then made Markdown)
    #columns:id prompt ...  column names, in the file's separator (instead of a header row)
    #tags:chapter3 review   tags added to every row
    #guid column:1          Anki's note id column (the stable id); also `#deck column:N`,
                            `#tags column:N`, `#notetype column:N`
    #collection:Stewart 8e  the collection's title (default: the file name)
    #subject:calculus  #topic:chain-rule   defaults for rows without these columns

Without `#columns:` the first row is a header row when every cell names a column; otherwise
the file is read as Anki's: field 1 the prompt (front), field 2 the answer (back), tags last.

Columns: `id, subject, topic, prompt, answer, answer_type, solution, hint, tags, source`, and
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
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import nh3
from pydantic import ValidationError

from app.bank.formats.model import AUTO, ImportedExercise, ImportRefused, ParsedImport
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

COLUMNS = ["id", "subject", "topic", "prompt", "answer", "answer_type", "solution", "hint",
           "tags", "source", "spec"]
ALIASES = {"question": "prompt", "front": "prompt", "text": "prompt", "back": "answer",
           "hints": "hint", "deck": "topic", "guid": "id", "type": "answer_type",
           "explanation": "solution", "notetype": "notetype"}
SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " ",
              "colon": ":"}
ANSWER_TYPES = set(AnswerType.__args__)  # type: ignore[attr-defined]
csv.field_size_limit(10 * 1024 * 1024)


@dataclass
class Headers:
    """What the `#key:value` lines at the top of the file said."""

    separator: str | None = None
    html: bool | None = None
    columns: list[str] | None = None
    tags: list[str] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    lines: int = 0


def parse(name: str, data: bytes) -> ParsedImport:
    """A CSV/TSV or Anki text export as a ParsedImport."""
    text = decode(data, name)
    headers = _headers(text)
    body = text.split("\n", headers.lines)[-1] if headers.lines else text
    separator = headers.separator or _sniff(name, body)
    rows = _rows(body, separator, name, headers.lines)
    columns, rows = _columns(headers, rows)
    title = headers.values.get("collection") or PurePosixPath(name).stem
    parsed = ParsedImport(format="csv", title=title, key=slugify(title) or "list", source=name)
    if "id" not in columns.values():
        parsed.warn(name, "no id column: each row's id is a hash of its prompt, so a re-import "
                    "finds a row again only while its prompt is unchanged")
    for line, cells in rows:
        _row(parsed, headers, columns, cells, f"{name}:{line}")
    return parsed


def _headers(text: str) -> Headers:
    headers = Headers()
    for line in text.split("\n"):
        match = re.match(r"^#([a-z ]+):(.*)$", line)
        if not match:
            break
        key, value = match.group(1).strip().lower(), match.group(2)
        headers.lines += 1
        _header(headers, key, value)
    return headers


def _header(headers: Headers, key: str, value: str) -> None:
    if key == "separator":
        headers.separator = SEPARATORS.get(value.strip().lower(), value[:1] or None)
    elif key == "html":
        headers.html = value.strip().lower() == "true"
    elif key == "columns":
        headers.columns = [value]  # split once the separator is known
    elif key == "tags":
        headers.tags = value.split()
    elif key.endswith(" column") and value.strip().isdigit():
        headers.positions[ALIASES.get(key[:-7], key[:-7])] = int(value) - 1
    else:
        headers.values[key] = value.strip()


def _sniff(name: str, body: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".tsv":
        return "\t"
    first = body.split("\n", 1)[0]
    if suffix != ".csv" and "\t" in first:
        return "\t"
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda s: counts[s]) if any(counts.values()) else ","


def _rows(body: str, separator: str, name: str, offset: int) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(body), delimiter=separator)
    rows, start = [], offset + 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((start, cells))
            start = offset + reader.line_num + 1
    except csv.Error as error:
        raise ImportRefused(f"not readable as CSV ({error})", f"{name}:{start}") from None
    return rows


def _columns(headers: Headers, rows: list[tuple[int, list[str]]]
             ) -> tuple[dict[int, str], list[tuple[int, list[str]]]]:
    """Column index -> name, from `#columns:`, a header row, or Anki's positions."""
    if headers.columns is not None:
        names = next(csv.reader([headers.columns[0]], delimiter=headers.separator or "\t"))
        return _named(names), rows
    if rows and all(_canonical(c) in COLUMNS for c in rows[0][1] if c.strip()):
        return _named(rows[0][1]), rows[1:]
    width = max((len(cells) for _line, cells in rows), default=2)
    taken = {index: key for key, index in headers.positions.items()}
    free = [i for i in range(width) if i not in taken]
    for name, index in zip(("prompt", "answer", "solution"), free, strict=False):
        taken[index] = name
    return taken, rows


def _canonical(name: str) -> str:
    name = name.strip().lower().replace(" ", "_")
    return ALIASES.get(name, name)


def _named(names: list[str]) -> dict[int, str]:
    return {i: _canonical(n) for i, n in enumerate(names)}


def _row(parsed: ParsedImport, headers: Headers, columns: dict[int, str], cells: list[str],
         where: str) -> None:
    values: dict[str, str] = {}
    for index, cell in enumerate(cells):
        key = columns.get(index)
        if key and key not in values:
            values[key] = cell
    as_html = headers.html
    prompt = _markdown(values.get("prompt", ""), as_html)
    if not prompt:
        parsed.skip(where, "the row has no prompt")
        return
    topic_name = values.get("topic") or headers.values.get("topic") or parsed.title
    topic_name = topic_name.split("::")[-1]  # an Anki deck path: the innermost deck
    topic = slugify(topic_name) or "general"
    subject = slugify(values.get("subject") or headers.values.get("subject", "")) or None
    parsed.topic(topic, topic_name, subject)
    answer, shown = _answer(parsed, values, as_html, where)
    parts = _parts(answer, where)
    parsed.exercises.append(ImportedExercise(
        id=stable_id(values.get("id") or "") or "row-" + digest(prompt),
        topic=topic, subject=subject, prompt=prompt, answer={} if parts else answer,
        parts=parts, where=where,
        hints=[_markdown(h, as_html) for h in values.get("hint", "").split("\n") if h.strip()],
        solution=_markdown(values.get("solution", ""), as_html),
        source=values.get("source", "").strip(), answer_display=shown,
        tags=headers.tags + [t for t in re.split(r"[\s,]+", values.get("tags", "")) if t]))


def _markdown(text: str, as_html: bool | None) -> str:
    if as_html is False:
        return convert_math(text).strip()
    return field_markdown(text)


def _answer(parsed: ParsedImport, values: dict[str, str], as_html: bool | None, where: str
            ) -> tuple[dict[str, Any], str]:
    """The spec (possibly `auto`, decided by verification) and the answer as Markdown."""
    raw = values.get("answer", "")
    shown = _markdown(raw, as_html)
    if values.get("spec", "").strip():
        try:
            spec = json.loads(values["spec"])
        except json.JSONDecodeError as error:
            raise ImportRefused(f"the spec column is not JSON ({error.msg})", where) from None
        return (spec if isinstance(spec, dict) else {"type": "self"}), shown
    kind = values.get("answer_type", "").strip().lower() or AUTO
    value = answer_value(raw)
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
