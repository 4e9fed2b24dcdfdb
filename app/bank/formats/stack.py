"""STACK questions (Moodle's `qtype_stack`): keys from each input's teacher's answer.

| STACK                                   | Gyrus                                                 |
| --------------------------------------- | ----------------------------------------------------- |
| an input's `tans` (teacher's answer)    | the key of that input (never the PRT: its first node  |
|                                         | is often a trap for a wrong answer)                   |
| question variables, plain assignments   | variant parameters (`maxima.Variables`), read in the  |
|                                         | sandbox in author mode                                |
| `rand(n)`, `rand([..])`, `rand_with_step` | drawn parameters (`int`, `choice`)                  |
| CAS text `{@x@}`, `{#x#}`, old `@x@`    | `{{x}}` (the drawn value), in maths                   |
| several inputs                          | parts, split at each `[[input:..]]`                   |
| checkbox / radio / dropdown input       | `choice`, the options of the teacher's answer list    |
| a PRT `Int` test on the input           | `compare: antiderivative`                             |
| input `forbidwords`                     | `forbid`                                              |

What cannot be translated makes the question self-graded, with a general reason; its CAS text
then shows the Maxima source as a placeholder, so no prompt is left with a hole.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: N817 - the usual name
from dataclasses import dataclass, field
from typing import Any

from app.bank.formats.cas_text import ANSWER_HERE, CasText
from app.bank.formats.maxima import Untranslatable, Variables, answer_type
from app.bank.formats.text import html_to_markdown
from app.bank.formats.xml import child, children, text_of

INPUT = re.compile(r"\[\[input:([A-Za-z0-9_]+)\]\]")
MARKERS = re.compile(r"\[\[(?:validation|feedback|facts|hint|jsxgraph)[^\]]*\]\]")
CAS = re.compile(r"\{@(.*?)@\}|\{#(.*?)#\}|(?<![\w{@])@([^@<>\s][^@<>]*?)@(?![\w}])", re.S)
CHOICE_INPUTS = {"checkbox", "radio", "dropdown"}
MULTIPLE = {"checkbox"}
TEXT_INPUTS = {"string", "notes", "textarea", "equiv", "boolean", "singlechar", "geogebra",
               "parsons"}
TOLERANCES = {"NumAbsolute": "absolute", "NumRelative": "relative"}


@dataclass
class Keyed:
    """A STACK question read: prompt, solution, the answer or parts, the variant's params;
    `reason`/`detail` say why it is self-graded."""

    prompt: str
    solution: str
    answer: dict[str, Any]
    parts: list[dict[str, Any]] | None = None
    params: dict[str, Any] | None = None
    conditions: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    reason: str = ""
    detail: str = ""


def read(question: ET.Element, text: str, solution: str, definitions: str,
         hints: list[str]) -> Keyed:
    """Key a STACK question: its question text, general feedback and hints (HTML) and its
    question variables (Maxima)."""
    variables = Variables(definitions)
    names = _input_order(question, text)
    inputs = {text_of(child(i, "name")): i for i in children(question, "input")}
    shown = _shown(variables, set())
    try:
        if not names:
            raise Untranslatable("a STACK question with no input", "no [[input:..]]")
        answers = [_answer(question, inputs[name], shown) for name in names]
        pieces = [shown.fill(piece, strict=True) for piece in _pieces(_bare(text), names)]
    except Untranslatable as failure:
        return _self_graded(variables, text, solution, hints, failure)
    solution = shown.fill(_bare(solution), strict=False)
    hints = [shown.fill(hint, strict=False) for hint in hints]
    params = variables.needed(shown.uses or set())
    keyed = Keyed(prompt=pieces[0], solution=solution, answer=answers[0],
                  params=params or None, conditions=variables.conditions(params), hints=hints)
    if len(names) > 1:
        keyed.answer = {}
        keyed.parts = [{"id": name, "prompt": piece or ANSWER_HERE, "answer": answer, "hints": [],
                        "wrong": [], "solution": ""}
                       for name, piece, answer in zip(names, pieces[1:], answers, strict=True)]
    return keyed


def _self_graded(variables: Variables, text: str, solution: str, hints: list[str],
                 failure: Untranslatable) -> Keyed:
    placeholder = _shown(variables, None)
    prompt = placeholder.fill(INPUT.sub(" … ", _bare(text)), strict=False)
    return Keyed(prompt=prompt, solution=placeholder.fill(_bare(solution), strict=False),
                 answer={"type": "self"}, hints=[placeholder.fill(h, strict=False)
                                                 for h in hints],
                 reason=failure.reason, detail=failure.detail)


def _shown(variables: Variables, uses: set[str] | None) -> CasText:
    return CasText(variables, uses, CAS)


def _bare(html: str) -> str:
    """Without validation, feedback and other markers (inputs are split at later)."""
    return MARKERS.sub("", html)


def _input_order(question: ET.Element, text: str) -> list[str]:
    """Inputs in the order the question text places them (the order learners answer)."""
    declared = {text_of(child(i, "name")) for i in children(question, "input")}
    return [name for name in dict.fromkeys(INPUT.findall(text)) if name in declared]


def _pieces(text: str, names: list[str]) -> list[str]:
    """The stem (before the first input) and, per input, the text leading up to it; the text
    after the last input closes the last piece."""
    pieces, rest = [], text
    for name in names:
        before, _marker, rest = rest.partition(f"[[input:{name}]]")
        pieces.append(before)
    pieces[-1] += rest
    if len(names) == 1:
        return [pieces[0]]
    return [pieces[0], "", *pieces[1:]]


# -- keys ----------------------------------------------------------------------------------------


def _answer(question: ET.Element, element: ET.Element, shown: CasText) -> dict[str, Any]:
    name = text_of(child(element, "name"))
    kind = text_of(child(element, "type")) or "algebraic"
    tans = text_of(child(element, "tans"))
    variables = shown.variables
    if kind in CHOICE_INPUTS:
        return _choice(kind, tans, shown)
    if kind in TEXT_INPUTS:
        raise Untranslatable("a STACK input that is not maths", f"{name}: {kind}")
    value, used = variables.expression(tans)
    shown.need(used)
    spec: dict[str, Any] = {"type": "number" if kind == "numerical"
                            else answer_type(variables.definition(tans)),
                            "value": value}
    spec |= _test(question, name)
    forbidden = [w.strip() for w in text_of(child(element, "forbidwords")).split(",")
                 if re.fullmatch(r"[A-Za-z]+", w.strip())]
    if forbidden:
        spec["forbid"] = forbidden
    return spec


def _test(question: ET.Element, name: str) -> dict[str, Any]:
    """What the PRT node that tests this input directly adds to plain equivalence."""
    for prt in children(question, "prt"):
        for node in children(prt, "node"):
            if text_of(child(node, "sans")) != name:
                continue
            test = text_of(child(node, "answertest"))
            if test == "Int":
                return {"compare": "antiderivative"}
            if test in TOLERANCES:
                try:
                    amount = float(text_of(child(node, "testoptions")))
                except ValueError:
                    continue
                return {"tolerance": {TOLERANCES[test]: amount}}
    return {}


def _choice(kind: str, tans: str, shown: CasText) -> dict[str, Any]:
    name = tans.strip()
    entries = shown.variables.choices(name)
    options: dict[str, str] = {}
    right: list[str] = []
    for index, (value, correct, display) in enumerate(entries[:26]):
        key = chr(ord("a") + index)
        if display:
            options[key] = html_to_markdown(display)
        else:
            used: set[str] = set()
            text = shown.variables.translate(value, used)
            options[key] = "${{" + shown.derived_from(text, used) + "}}$"
        if correct:
            right.append(key)
    if not right:
        raise Untranslatable("a STACK multiple-choice input with no right option", name)
    return {"type": "choice", "options": options,
            "value": right if kind in MULTIPLE else right[0]}
