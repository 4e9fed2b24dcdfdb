"""The native format (DESIGN §5), YAML or JSON, read and written without loss.

A file is one topic file, or several: a YAML stream of documents (`---` between them) or a
JSON list. An export of a collection starts with a header document naming it:

```yaml
collection: {title: Stewart 8e, key: stewart-8e, macros: {"\\R": "\\mathbb{R}"}}
---
subject: calculus
topic: chain-rule
...
```

Every topic file is validated by the bank's own schema (so errors name their line), and each
exercise keeps its id: re-importing an exported collection updates it in place.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import Any

import yaml
from pydantic import ValidationError

from app.bank.formats.model import ImportedExercise, ImportRefused, ParsedImport
from app.bank.formats.text import decode, slugify
from app.bank.schema import FileError, TopicFile, parse_text, refuse_aliases

HEADER = "collection"
_DOCUMENT_START = re.compile(r"^---\s*$", re.M)


def parse(name: str, data: bytes) -> ParsedImport:
    """A native YAML or JSON upload as a ParsedImport."""
    text = decode(data, name)
    if name.lower().endswith(".json") or text.lstrip().startswith(("{", "[")):
        header, topics = _json_topics(text, name)
    else:
        header, topics = _yaml_topics(text, name)
    if not topics:
        raise ImportRefused("no topic file found (subject, topic, title, exercises)", name)
    return _parsed(name, header, topics)


def _yaml_topics(text: str, name: str) -> tuple[dict[str, Any], list[TopicFile]]:
    header: dict[str, Any] = {}
    topics = []
    for offset, chunk in _documents(text):
        try:
            if _is_header(chunk):
                refuse_aliases(chunk, name)
                header = _header(yaml.safe_load(chunk), f"{name}:{offset + 1}")
                continue
            topics.append(parse_text(chunk, name))
        except FileError as error:
            raise _shifted(error, name, offset) from None
        except RecursionError:
            raise ImportRefused("the YAML is nested too deeply", f"{name}:{offset + 1}"
                                ) from None
    return header, topics


def _documents(text: str) -> list[tuple[int, str]]:
    """(line offset, text) of each YAML document; blank documents dropped."""
    starts = [0] + [m.end() + 1 for m in _DOCUMENT_START.finditer(text)]
    ends = [m.start() for m in _DOCUMENT_START.finditer(text)] + [len(text)]
    chunks = [(text.count("\n", 0, s), text[s:e]) for s, e in zip(starts, ends, strict=True)]
    return [(offset, chunk) for offset, chunk in chunks if chunk.strip()]


def _is_header(chunk: str) -> bool:
    return bool(re.match(rf"^\s*{HEADER}\s*:", chunk))


def _shifted(error: FileError, name: str, offset: int) -> ImportRefused:
    first = error.problems[0]
    line = first[0] + offset if first[0] else None
    more = f" (and {len(error.problems) - 1} more problems)" if len(error.problems) > 1 else ""
    return ImportRefused(first[1] + more, f"{name}:{line}" if line else name)


def _json_topics(text: str, name: str) -> tuple[dict[str, Any], list[TopicFile]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportRefused(f"not valid JSON ({error.msg})", f"{name}:{error.lineno}") from None
    except RecursionError:
        raise ImportRefused("the JSON is nested too deeply", name) from None
    header: dict[str, Any] = {}
    if isinstance(data, dict) and HEADER in data:
        header = _header({HEADER: data[HEADER]}, name)
        data = data.get("topics", [])
    items = data if isinstance(data, list) else [data]
    topics = []
    for index, item in enumerate(items):
        try:
            topics.append(TopicFile.model_validate(item))
        except ValidationError as error:
            first = error.errors()[0]
            place = ".".join(str(p) for p in first["loc"])
            raise ImportRefused(f"{place}: {first['msg']}", f"{name} topics[{index}]") from None
    return header, topics


def _header(data: Any, where: str) -> dict[str, Any]:
    value = data.get(HEADER) if isinstance(data, dict) else None
    if not isinstance(value, dict):
        raise ImportRefused("`collection:` must be a mapping with title (and key, macros)", where)
    macros = value.get("macros") or {}
    if not isinstance(macros, dict) or not all(isinstance(v, str) for v in macros.values()):
        raise ImportRefused("`collection.macros` must map macro names to TeX", where)
    return value


def _parsed(name: str, header: dict[str, Any], topics: list[TopicFile]) -> ParsedImport:
    single = topics[0] if len(topics) == 1 else None
    key = header.get("key") or (f"{single.subject}-{single.topic}" if single else
                                PurePosixPath(name).stem)
    title = header.get("title") or (single.title if single else PurePosixPath(name).stem)
    parsed = ParsedImport(format="native", title=str(title), key=slugify(str(key)),
                          source=str(header.get("source") or name),
                          macros=dict(header.get("macros") or {}))
    for topic in topics:
        made = parsed.topic(topic.topic, topic.title, topic.subject)
        made.theory, made.prerequisites = topic.theory, list(topic.prerequisites)
        made.examples = [e.model_dump() for e in topic.examples]
        for index, exercise in enumerate(topic.exercises):
            parsed.exercises.append(_exercise(topic, exercise, f"{topic.key} exercises[{index}]"))
    return parsed


def _exercise(topic: TopicFile, exercise: Any, where: str) -> ImportedExercise:
    return ImportedExercise(
        id=exercise.id, topic=topic.topic, subject=topic.subject, prompt=exercise.prompt,
        answer=exercise.answer_dict() or {}, parts=exercise.parts_list(), where=where,
        hints=list(exercise.hints),
        solution=exercise.solution, source=exercise.source, difficulty=exercise.difficulty,
        tags=list(exercise.tags), wrong=[w.model_dump() for w in exercise.wrong],
        params=exercise.params_dict(), conditions=list(exercise.where))


def dump_yaml(header: dict[str, Any], topics: list[dict[str, Any]]) -> str:
    """A collection as a YAML stream: the header document, then one document per topic."""
    documents = [{HEADER: header}, *topics]
    return yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=True, width=100)
