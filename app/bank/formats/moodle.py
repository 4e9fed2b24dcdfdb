"""Moodle XML question banks: what maps to a Gyrus answer, and what is self-graded or skipped.

| Moodle                    | Gyrus                                                           |
| ------------------------- | --------------------------------------------------------------- |
| `numerical`               | `number`, the 100% answer, its tolerance as `absolute`          |
| `shortanswer`             | `text` (the 100% answer)                                        |
| `multichoice`             | `choice`: options a, b, ...; the 100% answer (single) or every  |
|                           | answer with a positive fraction (multiple)                      |
| `truefalse`               | `choice` of True / False                                        |
| `essay`                   | self-graded                                                     |
| `stack`                   | `expression` when the first PRT node is a plain `AlgEquiv` of   |
|                           | the only input against a fixed teacher's answer; else self      |
| category questions        | the topic of the questions after them                           |
| anything else             | skipped, with the reason                                        |

`questiontext` is the prompt, `generalfeedback` the solution, each `hint` a hint (HTML
sanitised with nh3 and made Markdown). The stable id is `idnumber`, else the question name.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: N817 - the usual name
from pathlib import PurePosixPath
from typing import Any

from app.bank.formats.files import Upload
from app.bank.formats.model import AUTO, ImportedExercise, ImportRefused, ParsedImport
from app.bank.formats.text import decode, html_to_markdown, slugify, stable_id
from app.bank.formats.xml import Document, child, children, local, parse_xml, text_of

_STACK_MARKERS = re.compile(r"\[\[(?:input|validation|feedback):[^\]]*\]\]")
_CAS_TEXT = re.compile(r"\{@(.*?)@\}")
_MAXIMA_CONSTANTS = {"%pi": "pi", "%e": "e", "%i": "i"}
SUPPORTED = ("numerical", "shortanswer", "multichoice", "truefalse", "essay", "stack")


def looks_like(text: str) -> bool:
    return bool(re.search(r"<quiz[\s>]", text[:4000]))


def parse(upload: Upload) -> ParsedImport:
    """A Moodle XML file (or a zip holding one) as a ParsedImport."""
    path = upload.main or _only_xml(upload)
    document = parse_xml(decode(upload.read(path), path), path)
    if local(document.root.tag) != "quiz":
        raise ImportRefused(f"the root element is <{local(document.root.tag)}>, not <quiz>",
                            path)
    title = PurePosixPath(upload.name).stem
    parsed = ParsedImport(format="moodle", title=title, key=slugify(title) or "moodle",
                          source=upload.name)
    topic = parsed.key
    parsed.topic(topic, title)
    for question in children(document.root, "question"):
        kind = question.get("type", "")
        if kind == "category":
            topic = _category(parsed, question)
            continue
        _question(parsed, document, question, kind, topic)
    return parsed


def _only_xml(upload: Upload) -> str:
    found = [p for p, data in sorted(upload.files.items())
             if p.endswith(".xml") and looks_like(data[:4000].decode("utf-8", "ignore"))]
    if not found:
        raise ImportRefused("no Moodle XML file (<quiz> root) in the upload", upload.name)
    return found[0]


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
              topic: str) -> None:
    where = document.where(question)
    if kind not in SUPPORTED:
        parsed.skip(where, f"Moodle question type {kind!r} is not supported")
        return
    name = _text(child(question, "name"))
    ident = text_of(child(question, "idnumber")) or name
    prompt = _html(child(question, "questiontext"))
    if kind == "stack":
        prompt = _CAS_TEXT.sub(lambda m: f"${m.group(1)}$", prompt)
    if not prompt or not ident:
        parsed.skip(where, "the question has no text" if not prompt else "the question has "
                    "neither an idnumber nor a name")
        return
    answer, reason = ANSWERS[kind](question)
    if reason:
        parsed.warn(where, f"self-graded: {reason}")
    parsed.exercises.append(ImportedExercise(
        id=stable_id(ident), topic=topic, prompt=prompt, answer=answer, where=where,
        solution=_html(child(question, "generalfeedback")),
        hints=[h for h in (_html(e) for e in children(question, "hint")) if h],
        source=f"{parsed.title}: {name}", answer_display=_shown(question, answer)))


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


def _stack(question: ET.Element) -> tuple[dict[str, Any], str]:
    """The teacher's answer when the first PRT node is AlgEquiv(only input, fixed answer)."""
    inputs = children(question, "input")
    prts = children(question, "prt")
    if len(inputs) != 1 or not prts:
        return {"type": "self"}, "STACK question with several inputs or no PRT"
    nodes = sorted(children(prts[0], "node"), key=lambda n: text_of(child(n, "name")))
    if not nodes:
        return {"type": "self"}, "STACK PRT without nodes"
    first = nodes[0]
    test = text_of(child(first, "answertest"))
    sans, tans = text_of(child(first, "sans")), text_of(child(first, "tans"))
    if test != "AlgEquiv" or sans != text_of(child(inputs[0], "name")):
        return {"type": "self"}, f"STACK answer test {test or '?'} on {sans or '?'}"
    value, reason = _teacher_answer(tans, _text(child(question, "questionvariables")))
    if reason:
        return {"type": "self"}, reason
    return {"type": AUTO, "value": value}, ""


def _teacher_answer(tans: str, variables: str) -> tuple[str, str]:
    """`ta` through the question variables (`ta: diff(sin(x^2), x);`), once; random or
    dependent definitions are not followed."""
    definitions = dict(re.findall(r"(\w+)\s*:\s*([^;]+);", variables))
    value = definitions.get(tans.strip(), tans).strip()
    if re.search(r"\b(rand\w*|random_permutation)\s*\(", value):
        return "", "the teacher's answer is random"
    if any(re.search(rf"\b{re.escape(name)}\b", value) for name in definitions):
        return "", "the teacher's answer depends on other question variables"
    for maxima, ours in _MAXIMA_CONSTANTS.items():
        value = value.replace(maxima, ours)
    return value, ""


ANSWERS = {"numerical": _numerical, "shortanswer": _shortanswer, "multichoice": _multichoice,
           "truefalse": _truefalse, "essay": _essay, "stack": _stack}
