"""Numbas exams (`.exam`): the editor's export (a `// Numbas version: ...` line, then JSON) or
the older source format of the Numbas repository (`numbas_source`). Keys are read in lower case,
as Numbas does, so `minValue` and `minvalue`, `GapFill` and `gapfill` are one.

Each part of each question becomes an exercise (the question's statement opens its prompt, its
`advice` is the solution); a gap-fill with several gaps, and a `m_n_x` matching grid, are one
exercise with parts (DESIGN §5). Parts: `jme` -> `expression`; `numberentry` -> `number` (a
fixed range becomes an absolute tolerance around its middle); `matrix` -> `matrix`; `1_n_2` (one
choice) and `m_n_2` (several) -> `choice`; `m_n_x` -> a `choice` per row; `patternmatch` with
a plain word -> `text`; other part types are skipped with the reason. The question's variables
are translated (JME -> Maxima -> our author mode, `jme`, `maxima`) into variant parameters,
`random(1..9)` a drawn one; `\\var{x}`, `\\simplify{...}` and `{x}` show their values. What does
not translate makes the exercise self-graded, with a general reason. Ids: the question's name
(slugged), plus the part letter when a question has several parts.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import Any

from app.bank.formats import numbas_source
from app.bank.formats.cas_text import ANSWER_HERE, CasText
from app.bank.formats.jme import to_maxima
from app.bank.formats.maxima import Untranslatable, Variables, answer_type, tree
from app.bank.formats.model import ImportedExercise, ImportRefused, ParsedImport, Problem
from app.bank.formats.text import decode, slugify, stable_id

HEADER = re.compile(r"^\s*//\s*Numbas version:[^\n]*\n")
LEGACY = re.compile(r"^\s*(?://[^\n]*\n\s*)*\{\s*(?://[^\n]*\n\s*)*[A-Za-z_]\w*\s*:")
SHOWN = re.compile(r"\\var\{((?:[^{}]|\{[^{}]*\})*)\}"
                   r"|\\simplify(?:\[[^\]]*\])?\{((?:[^{}]|\{[^{}]*\})*)\}"
                   r"|(?<![\\\w])\{(?P<text>[^{}\s][^{}]*)\}")
GAP = re.compile(r"\[\[(\d+)\]\]")
SKIPPED = {"information", "extension", "custom"}


def looks_like(text: str) -> bool:
    """The editor's header, or the source format's braces around a `questions:` list."""
    legacy = LEGACY.match(text) and re.search(r"^\s*(questions|question_groups)\s*:", text,
                                              re.M | re.I)
    return bool(HEADER.match(text[:200]) or legacy)


def parse(name: str, data: bytes) -> ParsedImport:
    text = decode(data, name)
    body = HEADER.sub("", text, count=1)
    exam = _lower(_load(body, name, offset=1 if body is not text else 0))
    if not isinstance(exam, dict):
        raise ImportRefused("a Numbas exam is an object ({ name: ..., questions: [...] })",
                            name)
    title = str(exam.get("name") or PurePosixPath(name).stem)
    parsed = ParsedImport(format="numbas", title=title, key=slugify(title) or "numbas",
                          source=name, read_from=name, held=0)
    for g, group in enumerate(_groups(exam)):
        topic = f"{parsed.key}-{slugify(str(group.get('name') or '')) or g + 1}"[:100]
        parsed.topic(topic, str(group.get("name") or title))
        for q, question in enumerate(group.get("questions") or []):
            _question(parsed, question, topic, f"{name} question_groups[{g}].questions[{q}]")
    return parsed


def _load(body: str, name: str, offset: int) -> Any:
    """JSON (the editor's export) or the older source format, told apart by its unquoted
    `name:` key."""
    if LEGACY.match(body):
        return numbas_source.load(body, name)
    if not re.match(r"\s*[\[{]", body):
        raise ImportRefused("not a Numbas exam: neither JSON (the editor's export) nor "
                            "Numbas's source format ({ name: ... })", name)
    try:
        return json.loads(body)
    except json.JSONDecodeError as error:
        raise ImportRefused(f"not valid Numbas JSON ({error.msg})",
                            f"{name}:{error.lineno + offset}") from None
    except RecursionError:
        raise ImportRefused("the JSON is nested too deeply", name) from None


def _lower(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k).lower(): _lower(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower(v) for v in value]
    return value


def _groups(exam: dict[str, Any]) -> list[dict[str, Any]]:
    groups = exam.get("question_groups")
    if isinstance(groups, list):
        return [g for g in groups if isinstance(g, dict)]
    return [{"name": exam.get("name"), "questions": exam.get("questions") or []}]


def _variables(question: dict[str, Any]) -> Variables:
    variables = Variables("")
    defined = question.get("variables") or {}
    for name, value in defined.items() if isinstance(defined, dict) else []:
        definition = value.get("definition", "") if isinstance(value, dict) else value
        lines = [ln for ln in str(definition).splitlines() if not ln.strip().startswith("//")]
        variables.define(str(name), to_maxima(" ".join(lines).strip()))
    return variables


def _question(parsed: ParsedImport, question: Any, topic: str, where: str) -> None:
    if not isinstance(question, dict) or not question.get("name"):
        parsed.skip(where, "a question needs a name")
        return
    parts = [p for p in question.get("parts") or [] if isinstance(p, dict)]
    if not parts:
        parsed.skip(where, "a Numbas question with no parts (nothing to answer)")
        return
    for index, part in enumerate(parts):
        parsed.held = (parsed.held or 0) + 1
        kind = str(part.get("type", "")).lower()
        part_where = f"{where}.parts[{index}]"
        if kind in SKIPPED or (kind not in READERS and kind not in ("gapfill", "m_n_x")):
            parsed.skip(part_where, f"Numbas part type {kind!r} is not supported")
            continue
        suffix = f"-{chr(ord('a') + index)}" if len(parts) > 1 else ""
        exercise = ImportedExercise(
            id=stable_id(str(question["name"])) + suffix, topic=topic, prompt="",
            answer={"type": "self"}, where=part_where, source=f"{parsed.title}: "
            f"{question['name']}")
        _key(parsed, question, part, kind, exercise)
        parsed.exercises.append(exercise)


def _key(parsed: ParsedImport, question: dict[str, Any], part: dict[str, Any], kind: str,
         exercise: ImportedExercise) -> None:
    """The exercise's texts and key (or parts), or self-graded with the reason."""
    variables = _variables(question)
    shown = CasText(variables, set(), SHOWN, to_maxima)
    statement, advice = str(question.get("statement") or ""), str(question.get("advice") or "")
    try:
        pieces, answers = _pieces_and_keys(part, kind, shown)
        texts = [shown.fill(piece, strict=True) for piece in pieces]
        stem = shown.fill(statement, strict=True)
    except Untranslatable as failure:
        placeholder = CasText(variables, None, SHOWN, to_maxima)
        prompt = GAP.sub(" … ", statement + str(part.get("prompt") or ""))
        exercise.prompt = placeholder.fill(prompt, strict=False) or str(question["name"])
        exercise.solution = placeholder.fill(advice, strict=False)
        parsed.problems.append(Problem(f"{exercise.where} ({failure.detail})",
                                       f"self-graded: {failure.reason}", "self-graded"))
        return
    exercise.solution = shown.fill(advice, strict=False)
    params = variables.needed(shown.uses or set())
    exercise.params = params or None
    exercise.conditions = variables.conditions(params)
    exercise.prompt = _joined(stem, texts[0]) or str(question["name"])
    if len(texts) == 1:
        exercise.answer = answers[0]
        return
    exercise.answer = {}
    exercise.parts = [{"id": str(i + 1), "prompt": text or ANSWER_HERE, "answer": answer,
                       "hints": [], "wrong": [], "solution": ""}
                      for i, (text, answer) in enumerate(zip(texts[1:], answers, strict=True))]


def _joined(*texts: str) -> str:
    return "\n\n".join(t for t in texts if t)


def _pieces_and_keys(part: dict[str, Any], kind: str,
                     shown: CasText) -> tuple[list[str], list[dict[str, Any]]]:
    """The part's prompt (one piece, or the stem then one piece per gap or row) and its
    keys."""
    prompt = str(part.get("prompt") or "")
    if kind == "m_n_x":
        rows = _grid(part, shown)
        return [prompt, *[r[0] for r in rows]], [r[1] for r in rows]
    if kind != "gapfill":
        return [prompt], [READERS[kind](part, shown)]
    gaps = [g for g in part.get("gaps") or [] if isinstance(g, dict)]
    if not gaps:
        raise Untranslatable("a gap-fill without gaps", "gaps")
    keys = []
    for gap in gaps:
        gap_kind = str(gap.get("type", "")).lower()
        if gap_kind not in READERS:
            raise Untranslatable("a gap of a type that is not supported", gap_kind)
        keys.append(READERS[gap_kind](gap, shown))
    if len(gaps) == 1:
        return [GAP.sub("", prompt)], keys
    pieces, rest = [], prompt
    for index in range(len(gaps)):
        before, _marker, rest = rest.partition(f"[[{index}]]")
        pieces.append(before)
    pieces[-1] += rest
    return [pieces[0], "", *pieces[1:]], keys


# -- keys ----------------------------------------------------------------------------------------


def _expression(text: str, shown: CasText) -> tuple[str, str]:
    """A JME answer translated (its value and type); the parameters it reads are drawn."""
    maxima = to_maxima(text.strip())
    value, used = shown.variables.expression(maxima)
    shown.need(used)
    return value, answer_type(tree(maxima))


def _jme(part: dict[str, Any], shown: CasText) -> dict[str, Any]:
    answer = str(part.get("answer") or "").strip()
    if not answer:
        raise Untranslatable("a Numbas part without an answer", "answer")
    value, kind = _expression(answer, shown)
    return {"type": kind, "value": value}


def _number(part: dict[str, Any], shown: CasText) -> dict[str, Any]:
    low = str(part.get("minvalue", part.get("answer", ""))).strip()
    high = str(part.get("maxvalue", low)).strip() or low
    if not low:
        raise Untranslatable("a Numbas part without an answer", "minValue")
    if low == high:
        return {"type": "number", "value": _expression(low, shown)[0]}
    try:
        a, b = float(low), float(high)
    except ValueError:
        raise Untranslatable("a range of numbers computed from the question's variables",
                             f"{low} to {high}") from None
    return {"type": "number", "value": repr((a + b) / 2),
            "tolerance": {"absolute": abs(b - a) / 2}}


def _matrix(part: dict[str, Any], shown: CasText) -> dict[str, Any]:
    value = part.get("correctanswer")
    if isinstance(value, list):
        text = "[" + ",".join("[" + ",".join(str(x) for x in row) + "]" for row in value) + "]"
        return {"type": "matrix", "value": text}
    return {"type": "matrix", "value": _expression(str(value or ""), shown)[0]}


def _choice(part: dict[str, Any], shown: CasText) -> dict[str, Any]:
    choices = [shown.fill(str(c), strict=True) for c in part.get("choices") or []]
    marks = _marks(part.get("matrix"), shown)
    if not choices or len(marks) != len(choices) or len(choices) > 26:
        raise Untranslatable("a choice whose marks cannot be read", "matrix")
    options = {chr(ord("a") + i): c or "(empty)" for i, c in enumerate(choices)}
    right = [k for k, m in zip(options, marks, strict=True) if _positive(m)]
    if not right:
        raise Untranslatable("a choice with no option worth marks", "matrix")
    single = str(part.get("type")).lower() == "1_n_2"
    return {"type": "choice", "options": options, "value": right[0] if single else right}


def _grid(part: dict[str, Any], shown: CasText) -> list[tuple[str, dict[str, Any]]]:
    """A matching grid: per choice (row), a choice among the answers (columns)."""
    choices = [shown.fill(str(c), strict=True) for c in part.get("choices") or []]
    answers = [shown.fill(str(a), strict=True) for a in part.get("answers") or []]
    grid = _marks(part.get("matrix"), shown)
    if not choices or len(grid) != len(choices) or not answers or len(answers) > 26:
        raise Untranslatable("a choice whose marks cannot be read", "matrix")
    options = {chr(ord("a") + i): a or "(empty)" for i, a in enumerate(answers)}
    rows = []
    for choice, marks in zip(choices, grid, strict=True):
        right = [k for k, m in zip(options, marks if isinstance(marks, list) else [],
                                   strict=False) if _positive(m)]
        if not right:
            raise Untranslatable("a choice with no option worth marks", "matrix")
        value: str | list[str] = right[0] if len(right) == 1 else right
        rows.append((choice, {"type": "choice", "options": options, "value": value}))
    return rows


def _marks(matrix: Any, shown: CasText) -> list[Any]:
    """The marks of a choice part: a list, a list written as text, or a variable holding
    one (`matrix: m` with `m: "[1,0,0]"`)."""
    if isinstance(matrix, list):
        return matrix
    text = str(matrix or "").strip()
    param = shown.variables.params.get(shown.variables.current.get(text, ""))
    if param is not None and param.spec and "expr" in param.spec:
        text = param.spec["expr"]
    try:
        found = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise Untranslatable("a choice whose marks cannot be read", text[:40]) from None
    return found if isinstance(found, list) else []


def _pattern(part: dict[str, Any], shown: CasText) -> dict[str, Any]:
    answer = str(part.get("answer") or "").strip()
    if not re.fullmatch(r"[\w ]+", answer):
        raise Untranslatable("a text pattern (a regular expression)", answer[:40])
    return {"type": "text", "value": answer}


def _positive(mark: Any) -> bool:
    try:
        return float(mark) > 0
    except (TypeError, ValueError):
        return False


READERS = {"jme": _jme, "numberentry": _number, "matrix": _matrix, "1_n_2": _choice,
           "m_n_2": _choice, "patternmatch": _pattern}
