"""Numbas exams (`.exam`): a `// Numbas version: ...` line, then JSON.

Each part of each question becomes an exercise (the question's statement opens its prompt, its
`advice` is the solution): `jme` -> `expression`; `numberentry` -> `number` (a range becomes an
absolute tolerance around its middle); `matrix` -> `matrix`; `1_n_2` (one choice) and `m_n_2`
(several) -> `choice`. A `gapfill` with one gap is read as that gap; other part types are
skipped with the reason. An answer that uses the question's random variables is self-graded.
Ids: the question's name (slugged), plus the part letter when a question has several parts.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import Any

from app.bank.formats.model import AUTO, ImportedExercise, ImportRefused, ParsedImport
from app.bank.formats.text import decode, field_markdown, slugify, stable_id

HEADER = re.compile(r"^\s*//\s*Numbas version:[^\n]*\n")


def looks_like(text: str) -> bool:
    return bool(HEADER.match(text[:200]))


def parse(name: str, data: bytes) -> ParsedImport:
    text = decode(data, name)
    body = HEADER.sub("", text, count=1)
    try:
        exam = json.loads(body)
    except json.JSONDecodeError as error:
        line = error.lineno + (1 if body is not text else 0)
        raise ImportRefused(f"not valid Numbas JSON ({error.msg})", f"{name}:{line}") from None
    except RecursionError:
        raise ImportRefused("the JSON is nested too deeply", name) from None
    if not isinstance(exam, dict):
        raise ImportRefused("a Numbas exam is a JSON object", name)
    title = str(exam.get("name") or PurePosixPath(name).stem)
    parsed = ParsedImport(format="numbas", title=title, key=slugify(title) or "numbas",
                          source=name)
    for g, group in enumerate(_groups(exam)):
        topic = f"{parsed.key}-{slugify(str(group.get('name') or ''))or g + 1}"[:100]
        parsed.topic(topic, str(group.get("name") or title))
        for q, question in enumerate(group.get("questions") or []):
            _question(parsed, question, topic, f"{name} question_groups[{g}].questions[{q}]")
    return parsed


def _groups(exam: dict[str, Any]) -> list[dict[str, Any]]:
    groups = exam.get("question_groups")
    if isinstance(groups, list):
        return [g for g in groups if isinstance(g, dict)]
    return [{"name": exam.get("name"), "questions": exam.get("questions") or []}]


def _question(parsed: ParsedImport, question: Any, topic: str, where: str) -> None:
    if not isinstance(question, dict) or not question.get("name"):
        parsed.skip(where, "a question needs a name")
        return
    parts = [p for p in question.get("parts") or [] if isinstance(p, dict)]
    names = set((question.get("variables") or {}).keys())
    statement = field_markdown(str(question.get("statement") or ""))
    for index, part in enumerate(parts):
        part_where = f"{where}.parts[{index}]"
        if part.get("type") == "gapfill" and len(part.get("gaps") or []) == 1:
            part = {**part["gaps"][0], "prompt": part.get("prompt", "")}
        reader = PARTS.get(str(part.get("type")))
        if reader is None:
            parsed.skip(part_where, f"Numbas part type {part.get('type')!r} is not supported")
            continue
        answer = reader(part)
        if _uses(answer, names):
            parsed.warn(part_where, "self-graded: the answer uses the question's variables")
            answer = {"type": "self"}
        suffix = f"-{chr(ord('a') + index)}" if len(parts) > 1 else ""
        prompt = "\n\n".join(x for x in (statement, field_markdown(str(part.get("prompt") or
                                                                        ""))) if x)
        parsed.exercises.append(ImportedExercise(
            id=stable_id(str(question["name"])) + suffix, topic=topic, prompt=prompt or
            str(question["name"]), answer=answer, where=part_where,
            solution=field_markdown(str(question.get("advice") or "")),
            source=f"{parsed.title}: {question['name']}"))


def _uses(answer: dict[str, Any], names: set[str]) -> bool:
    value = answer.get("value")
    text = " ".join(value) if isinstance(value, list) else str(value or "")
    return "{" in text or any(re.search(rf"\b{re.escape(n)}\b", text) for n in names)


def _jme(part: dict[str, Any]) -> dict[str, Any]:
    value = str(part.get("answer") or "").strip()
    return {"type": AUTO if value else "self", "value": value} if value else {"type": "self"}


def _number(part: dict[str, Any]) -> dict[str, Any]:
    low, high = str(part.get("minValue", "")).strip(), str(part.get("maxValue", "")).strip()
    if not low:
        return {"type": "self"}
    if low == high or not high:
        return {"type": "number", "value": low}
    try:
        a, b = float(low), float(high)
    except ValueError:
        return {"type": "self"}
    return {"type": "number", "value": repr((a + b) / 2),
            "tolerance": {"absolute": abs(b - a) / 2}}


def _matrix(part: dict[str, Any]) -> dict[str, Any]:
    value = part.get("correctAnswer")
    if isinstance(value, list):
        rows = "[" + ",".join("[" + ",".join(str(x) for x in row) + "]" for row in value) + "]"
        return {"type": "matrix", "value": rows}
    text = str(value or "").strip()
    match = re.fullmatch(r"matrix\((.*)\)", text, re.S)
    if not match:
        return {"type": "self"}
    return {"type": "matrix", "value": "[" + match.group(1) + "]"}


def _choice(part: dict[str, Any]) -> dict[str, Any]:
    choices = [field_markdown(str(c)) for c in part.get("choices") or []]
    marks = part.get("matrix") or []
    if not choices or not isinstance(marks, list) or len(marks) != len(choices):
        return {"type": "self"}
    options = {chr(ord("a") + i): c or "(empty)" for i, c in enumerate(choices[:26])}
    right = [k for k, m in zip(options, marks, strict=False) if _positive(m)]
    if not right:
        return {"type": "self"}
    single = part.get("type") == "1_n_2"
    return {"type": "choice", "options": options, "value": right[0] if single else right}


def _positive(mark: Any) -> bool:
    try:
        return float(mark) > 0
    except (TypeError, ValueError):
        return False


PARTS = {"jme": _jme, "numberentry": _number, "matrix": _matrix, "1_n_2": _choice,
         "m_n_2": _choice}
