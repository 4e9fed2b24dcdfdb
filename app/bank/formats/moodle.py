"""Moodle XML question banks: what maps to a Gyrus answer, and what is self-graded or skipped.

| Moodle                    | Gyrus                                                           |
| ------------------------- | --------------------------------------------------------------- |
| `numerical`               | `number`, the 100% answer, its tolerance as `absolute`          |
| `shortanswer`             | `text` (the 100% answer)                                        |
| `multichoice`             | `choice`: options a, b, ...; the 100% answer (single) or every  |
|                           | answer with a positive fraction (multiple)                      |
| `truefalse`               | `choice` of True / False                                        |
| `matching`                | parts, one `choice` per subquestion among all the answers       |
| `essay`                   | self-graded                                                     |
| `stack`                   | keyed from each input's teacher's answer (`stack.py`)           |
| category questions        | the topic of the questions after them                           |
| anything else             | skipped, with the reason                                        |

`questiontext` is the prompt, `generalfeedback` the solution, each `hint` a hint (HTML
sanitised with nh3 and made Markdown). The stable id is `idnumber`, else the question name
(prefixed by its file's name when another file of the zip already uses it). A zip is read
whole: every XML file with a `<quiz>` root, in name order. Course backups (Moodle 1.9
`moodle.xml`, `.mbz`) are refused with what to export instead.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: N817 - the usual name
from pathlib import PurePosixPath
from typing import Any

from app.bank.formats import stack
from app.bank.formats.files import Upload
from app.bank.formats.model import ImportedExercise, ImportRefused, ParsedImport, Problem
from app.bank.formats.text import decode, html_to_markdown, slugify, stable_id
from app.bank.formats.xml import Document, child, children, local, parse_xml, text_of

_STACK_MARKERS = re.compile(r"\[\[(?:input|validation|feedback):[^\]]*\]\]")
SUPPORTED = ("numerical", "shortanswer", "multichoice", "truefalse", "essay", "stack",
             "matching")
NOT_QUESTIONS = {
    "description": "a Moodle description (text shown between questions), not a question",
    "random": "a Moodle random question (a draw from a category), not a question",
}
"""Entries of a quiz that hold no exercise: skipped, and not counted as held."""
BACKUP = ("the upload is a Moodle course backup, not a question bank: in Moodle open the "
          "course's Question bank, choose Export, the format Moodle XML, and upload that file")


def looks_like(text: str) -> bool:
    return bool(re.search(r"<quiz[\s>]", text[:4000]))


def parse(upload: Upload) -> ParsedImport:
    """A Moodle XML file, or every Moodle XML file of a zip, as one ParsedImport."""
    paths, others = ([upload.main], []) if upload.main else _quiz_files(upload)
    title = PurePosixPath(upload.name).stem
    parsed = ParsedImport(format="moodle", title=title, key=slugify(title) or "moodle",
                          source=upload.name, held=0)
    parsed.read_from = paths[0] if len(paths) == 1 else \
        f"{len(paths)} Moodle XML files: {', '.join(paths)}"
    parsed.topic(parsed.key, title)
    for path in others:
        parsed.warn(path, "not read: an XML file without a <quiz> root")
    seen: set[str] = set()
    for path in paths:
        document = parse_xml(decode(upload.read(path), path), path)
        if local(document.root.tag) != "quiz":
            raise ImportRefused(f"the root element is <{local(document.root.tag)}>, not "
                                "<quiz>" + (f"; {BACKUP}" if _backup(document.root) else ""),
                                path)
        _quiz(parsed, document, seen, PurePosixPath(path).stem)
    return parsed


def _quiz(parsed: ParsedImport, document: Document, seen: set[str], stem: str) -> None:
    topic = parsed.key
    for question in children(document.root, "question"):
        kind = question.get("type", "")
        if kind == "category":
            topic = _category(parsed, question)
            continue
        if kind in NOT_QUESTIONS:
            parsed.skip(document.where(question), NOT_QUESTIONS[kind])
            continue
        parsed.held = (parsed.held or 0) + 1
        exercise = _question(parsed, document, question, kind, topic)
        if exercise is not None:
            if exercise.id in seen:
                exercise.id = stable_id(f"{stem}-{exercise.id}")
            seen.add(exercise.id)
            parsed.exercises.append(exercise)


def _quiz_files(upload: Upload) -> tuple[list[str], list[str]]:
    """Every Moodle XML file of a zip, in name order, and the other XML files (not read); a
    backup is refused with what to do."""
    found, others, backups = [], [], []
    for path, data in sorted(upload.files.items()):
        head = data[:4000].decode("utf-8", "ignore")
        if re.search(r"<(MOODLE_BACKUP|moodle_backup)[\s>]", head) or path.endswith(".mbz"):
            backups.append(path)
        elif path.lower().endswith(".xml"):
            (found if looks_like(head) else others).append(path)
    if not found:
        raise ImportRefused(BACKUP if backups else "no Moodle XML file (<quiz> root) in the "
                            "upload", upload.name)
    return found, others


def _backup(root: ET.Element) -> bool:
    return local(root.tag).lower() == "moodle_backup"


def _category(parsed: ParsedImport, question: ET.Element) -> str:
    path = _text(child(question, "category"))
    name = path.rstrip("/").split("/")[-1] or parsed.title
    slug = f"{parsed.key}-{slugify(name)}"[:100].rstrip("-")
    parsed.topic(slug, name)
    return slug


def _text(element: ET.Element | None) -> str:
    """The `<text>` child's content (Moodle wraps every string in one)."""
    if element is None:
        return ""
    inner = child(element, "text")
    return text_of(inner if inner is not None else element)


def _html(element: ET.Element | None) -> str:
    return html_to_markdown(_STACK_MARKERS.sub("", _text(element)))


def _question(parsed: ParsedImport, document: Document, question: ET.Element, kind: str,
              topic: str) -> ImportedExercise | None:
    where = document.where(question)
    if kind not in SUPPORTED:
        parsed.skip(where, f"Moodle question type {kind!r} is not supported")
        return None
    name = _text(child(question, "name"))
    ident = text_of(child(question, "idnumber")) or name
    prompt = _html(child(question, "questiontext"))
    if not prompt or not ident:
        parsed.skip(where, "the question has no text" if not prompt else "the question has "
                    "neither an idnumber nor a name")
        return None
    exercise = ImportedExercise(
        id=stable_id(ident), topic=topic, prompt=prompt, answer={"type": "self"}, where=where,
        solution=_html(child(question, "generalfeedback")),
        hints=[h for h in (_html(e) for e in children(question, "hint")) if h],
        source=f"{parsed.title}: {name}")
    if kind == "stack":
        _stack(parsed, question, exercise)
    elif kind == "matching":
        _matching(parsed, question, exercise)
    else:
        exercise.answer, reason = ANSWERS[kind](question)
        exercise.answer_display = _shown(question, exercise.answer)
        if reason:
            parsed.problems.append(Problem(where, f"self-graded: {reason}", "self-graded"))
    return exercise


def _stack(parsed: ParsedImport, question: ET.Element, exercise: ImportedExercise) -> None:
    keyed = stack.read(question, _text(child(question, "questiontext")),
                       _text(child(question, "generalfeedback")),
                       _text(child(question, "questionvariables")),
                       [_text(hint) for hint in children(question, "hint")])
    exercise.prompt, exercise.solution = keyed.prompt, keyed.solution
    exercise.hints = [hint for hint in keyed.hints if hint]
    exercise.answer, exercise.parts = keyed.answer, keyed.parts
    exercise.params, exercise.conditions = keyed.params, keyed.conditions
    if keyed.reason:
        parsed.problems.append(Problem(f"{exercise.where} ({keyed.detail})",
                                       f"self-graded: {keyed.reason}", "self-graded"))


def _matching(parsed: ParsedImport, question: ET.Element, exercise: ImportedExercise) -> None:
    """One part per subquestion: a choice among every answer of the question."""
    pairs = [(_html(sub), _text(child(sub, "answer"))) for sub in
             children(question, "subquestion")]
    labels = list(dict.fromkeys(answer for _prompt, answer in pairs if answer))
    options = {chr(ord("a") + i): html_to_markdown(a) for i, a in enumerate(labels[:26])}
    keys = {a: k for k, a in zip(options, labels, strict=False)}
    parts = [{"id": f"{index + 1}", "prompt": prompt, "hints": [], "wrong": [],
              "solution": "", "answer": {"type": "choice", "options": options,
                                         "value": keys[answer]}}
             for index, (prompt, answer) in enumerate(pairs) if prompt and answer in keys]
    if not parts:
        parsed.problems.append(Problem(exercise.where, "self-graded: a matching question "
                                       "without subquestions", "self-graded"))
        return
    exercise.answer, exercise.parts = {}, parts


def _shown(question: ET.Element, answer: dict[str, Any]) -> str:
    best = _best(question)
    return _html(best) if best is not None and answer.get("type") == "self" else ""


def _answers(question: ET.Element) -> list[tuple[float, ET.Element]]:
    out = []
    for answer in children(question, "answer"):
        try:
            out.append((float(answer.get("fraction", "0")), answer))
        except ValueError:
            continue
    return out


def _best(question: ET.Element) -> ET.Element | None:
    answers = _answers(question)
    return max(answers, key=lambda pair: pair[0])[1] if answers else None


def _numerical(question: ET.Element) -> tuple[dict[str, Any], str]:
    best = _best(question)
    value = _text(best)
    if best is None or not value or value == "*":
        return {"type": "self"}, "no numerical answer worth 100%"
    spec: dict[str, Any] = {"type": "number", "value": value}
    try:
        tolerance = float(text_of(child(best, "tolerance")) or 0)
    except ValueError:
        tolerance = 0.0
    if tolerance > 0:
        spec["tolerance"] = {"absolute": tolerance}
    return spec, ""


def _shortanswer(question: ET.Element) -> tuple[dict[str, Any], str]:
    best = _best(question)
    value = _text(best)
    if not value or "*" in value:
        return {"type": "self"}, "the accepted answer uses a wildcard or is empty"
    return {"type": "text", "value": value}, ""


def _multichoice(question: ET.Element) -> tuple[dict[str, Any], str]:
    answers = _answers(question)
    options = {chr(ord("a") + i): _html(a) or "(empty)" for i, (_f, a) in enumerate(answers)}
    single = text_of(child(question, "single")).lower() in ("true", "1", "")
    if single:
        keys = [k for k, (f, _a) in zip(options, answers, strict=True) if f >= 100]
        keys = keys[:1]
    else:
        keys = [k for k, (f, _a) in zip(options, answers, strict=True) if f > 0]
    if not keys or len(options) > 26:
        return {"type": "self"}, "no option is marked right"
    return {"type": "choice", "options": options, "value": keys[0] if single else keys}, ""


def _truefalse(question: ET.Element) -> tuple[dict[str, Any], str]:
    right = next((a for f, a in _answers(question) if f >= 100), None)
    if right is None:
        return {"type": "self"}, "neither true nor false is marked right"
    key = "true" if _text(right).strip().lower() == "true" else "false"
    return {"type": "choice", "options": {"true": "True", "false": "False"}, "value": key}, ""


def _essay(_question: ET.Element) -> tuple[dict[str, Any], str]:
    return {"type": "self"}, ""


ANSWERS = {"numerical": _numerical, "shortanswer": _shortanswer, "multichoice": _multichoice,
           "truefalse": _truefalse, "essay": _essay}
