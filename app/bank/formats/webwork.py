"""WeBWorK problems inside PreTeXt books: each answer blank keyed by its own variable.

A blank is a `<var name="$x" width="…"/>` (or `form="…"`, or a `<fillin name="$x"/>`) in the
statement; its key is the value of `$x` as `pg.Reader` computes it from the problem's
`pg-code` — not "the only Formula in the code", which in real books is often the problem's
function. Other `<var>`s show a value and are filled in (prompt, hints, solution). A problem
with several blanks becomes parts (DESIGN §5), its blanks labelled (a), (b), … in the stem.

When the upload holds the book's generated `webwork-representations.xml`, a problem found in it
is read from its static version instead (the server's values and answers, as printed).

What cannot be keyed is self-graded with its prompt filled; a statement that would show a
value the reader cannot compute is skipped: a prompt is never shown with holes. The reasons are
general (the preview groups them); the place goes in `where`.
"""

from __future__ import annotations

import copy
import random
import re
import xml.etree.ElementTree as ET  # noqa: N817 - the usual name
from dataclasses import dataclass, field
from typing import Any

from app.bank.formats import pg
from app.bank.formats.model import AUTO, ImportRefused
from app.bank.formats.pretext_markup import join, render, render_inline
from app.bank.formats.xml import XML_ID, child, children, local, parse_xml, text_of

MAX_PARTS = 6
REPRESENTATIONS = "webwork-representations"
MATHS = ("m", "me", "men", "mrow", "md", "mdn")
TOLERANCE = {"relative": 0.001}
"""WeBWorK's default for a Real: a decimal key (not an exact fraction) is checked to 0.1 %."""

SKIP_HOLES = "the statement shows a WeBWorK value computed by pg-code this reader cannot follow"
SELF_UNKEYED = "a WeBWorK answer blank whose value pg-code reading cannot compute"
SELF_NO_BLANK = "a WeBWorK problem without an answer blank"
SELF_TOO_MANY = f"a WeBWorK problem with more than {MAX_PARTS} answer blanks"
SELF_STATIC = "the static WeBWorK version does not give one answer per blank"
SKIP_EMPTY = "the WeBWorK problem has no statement"


@dataclass
class Outcome:
    """What one problem gives the book: a prompt and a key (or parts), or why it cannot."""

    prompt: str = ""
    answer: dict[str, Any] = field(default_factory=lambda: {"type": "self"})
    parts: list[dict[str, Any]] | None = None
    hints: list[str] = field(default_factory=list)
    solution: str = ""
    shown: str = ""
    skipped: str = ""
    self_graded: str = ""


@dataclass(frozen=True)
class Blank:
    label: str
    key: str | None
    tolerant: bool = False
    options: tuple[str, ...] = ()
    """A menu's options (the key is then the correct one's text)."""
    unit: str = ""
    """Shown after the blank: the key is the number alone."""


def _mark(blank: Blank) -> tuple[str, str]:
    """What follows a blank in the text: its unit (TeX) and its label."""
    return (f"\\text{{{blank.unit}}}" if blank.unit else "",
            f"({blank.label})" if blank.label else "")

def representations(files: dict[str, bytes]) -> dict[str, ET.Element]:
    """The static versions in the upload's `webwork-representations.xml`, by problem id."""
    found: dict[str, ET.Element] = {}
    for path, data in files.items():
        if not path.rsplit("/", 1)[-1].startswith(REPRESENTATIONS):
            continue
        try:
            root = parse_xml(data.decode("utf-8", errors="replace"), path).root
        except ImportRefused:  # a broken generated file: the problems are read from the book
            continue
        for reps in root.iter():
            static = child(reps, "static") if local(reps.tag) == "webwork-reps" else None
            if static is None:
                continue
            for name in (reps.get("ww-id"), (reps.get(XML_ID) or "").removeprefix("extracted-")):
                if name:
                    found[name] = static
    return found


def read_problem(webwork: ET.Element, names: list[str], seed: str,
                 statics: dict[str, ET.Element]) -> Outcome:
    """One `<webwork>` (already resolved from `copy=`): `names` are the ids it may be known
    by in a representations file, `seed` mixes into the draws so copies differ."""
    static = next((statics[n] for n in names if n in statics), None)
    if static is not None:
        return _static(static)
    rng = random.Random(f"{'/'.join(names)}/{seed}")
    reader = pg.Reader(rng)
    try:
        values = reader.run(text_of(child(webwork, "pg-code")))
    except pg.Unknown:
        values = {}
    statement = _statement(webwork)
    if statement is None:
        return Outcome(skipped=SKIP_EMPTY)
    blanks = [v for v in statement.iter() if _is_blank(v)]
    labels = [chr(ord("a") + i % 26) for i in range(len(blanks))] if len(blanks) > 1 else [""]
    seen: dict[str, int] = {}
    keyed = []
    for blank, label in zip(blanks, labels, strict=False):
        name = blank.get("name") or blank.get("answer") or ""
        seen[name] = seen.get(name, -1) + 1
        keyed.append(Blank(label, *_key(name, blank.get("form"), values, seen[name])))
    marks = {id(b): _mark(k) for b, k in zip(blanks, keyed, strict=True)}
    filled, holes = fill(statement, values, marks)
    if holes:
        return Outcome(skipped=SKIP_HOLES)
    outcome = Outcome(prompt=render(filled), hints=_extras(webwork, "hint", values),
                      solution=join(*_extras(webwork, "solution", values)))
    return _keyed(outcome, keyed, filled)


def _statement(webwork: ET.Element) -> ET.Element | None:
    """The statement; a problem in `task`s gets one made of its introduction and each task's
    statement in turn (their blanks become its parts)."""
    statement = child(webwork, "statement")
    tasks = children(webwork, "task")
    if statement is not None or not tasks:
        return statement
    made = ET.Element("statement")
    for holder in [child(webwork, "introduction"), *(child(t, "statement") for t in tasks)]:
        made.extend(list(holder) if holder is not None else [])
    return made if len(made) else None


def _extras(webwork: ET.Element, name: str, values: dict[str, Any]) -> list[str]:
    """Hints or solutions (of the problem and of its tasks), filled; one that would show a hole
    is left out."""
    out = []
    for element in [*children(webwork, name),
                    *(e for t in children(webwork, "task") for e in children(t, name))]:
        filled, holes = fill(element, values, {})
        if not holes:
            out.append(render(filled))
    return out


def _keyed(outcome: Outcome, blanks: list[Blank], filled: ET.Element) -> Outcome:
    if not blanks:
        outcome.self_graded = SELF_NO_BLANK
    elif len(blanks) > MAX_PARTS:
        outcome.self_graded = SELF_TOO_MANY
    elif any(b.key is None for b in blanks):
        outcome.self_graded = SELF_UNKEYED
    if outcome.self_graded:
        return outcome
    specs = [_spec(b) for b in blanks]
    outcome.shown = ", ".join(f"`{b.key}`" for b in blanks)
    if len(blanks) == 1:
        outcome.answer = specs[0]
        return outcome
    prompts = _part_prompts(filled, [b.label for b in blanks])
    outcome.parts = [{"id": b.label, "prompt": prompt, "answer": spec, "hints": [],
                      "wrong": [], "solution": ""}
                     for b, prompt, spec in zip(blanks, prompts, specs, strict=True)]
    outcome.parts[0]["hints"], outcome.hints = outcome.hints, []
    outcome.answer = {}
    return outcome


def _text(block: ET.Element) -> str:
    """A paragraph or item as Markdown; a table row as its cells, each with its maths."""
    if local(block.tag) == "row":
        return " | ".join(render_inline(cell) for cell in children(block, "cell"))
    return render(block)


def _spec(blank: Blank) -> dict[str, Any]:
    if blank.options:
        keys = [str(i + 1) for i in range(len(blank.options))]
        return {"type": "choice", "options": dict(zip(keys, blank.options, strict=True)),
                "value": [keys[blank.options.index(blank.key or "")]]}
    spec: dict[str, Any] = {"type": AUTO, "value": blank.key}
    if blank.tolerant:
        spec["tolerance"] = dict(TOLERANCE)
    return spec


def _part_prompts(filled: ET.Element, labels: list[str]) -> list[str]:
    """Each part's prompt: the paragraph (or item, or row) that holds its blank, which shows
    the label; a paragraph that is only the blank gives just the label."""
    marks = {label: f"({label})" for label in labels}
    blocks = [_text(b) for b in filled.iter() if local(b.tag) in ("p", "li", "row")]
    prompts = []
    for label in labels:
        holder = next((b for b in blocks if marks[label] in b and b.count("(") < 40), "")
        bare = holder.replace("\\_", "").replace(marks[label], "").strip(" $\\{}")
        prompts.append(holder if bare else f"Answer {marks[label]}.")
    return prompts


# -- blanks and their keys -------------------------------------------------------------------------


def _is_blank(element: ET.Element) -> bool:
    tag = local(element.tag)
    if tag == "var":
        return element.get("width") is not None or element.get("form") is not None
    return tag == "fillin" and bool(element.get("name") or element.get("answer"))


def _key(name: str, form: str | None, values: dict[str, Any],
         occurrence: int) -> tuple[str | None, bool, tuple, str]:
    """The key of the blank naming `name` (its `occurrence`-th, for a MultiAnswer) in answer
    syntax, whether WeBWorK's tolerance applies, a menu's options and a unit to show."""
    if form in ("checkboxes", "essay"):
        return None, False, (), ""
    try:
        value = _evaluate(name, values, key=True)
        if isinstance(value, pg.Multi):
            if occurrence >= len(value.answers):
                raise pg.Unknown("more blanks than the MultiAnswer has answers")
            value = pg.call(pg.Reader(random.Random(0)), "Compute", (value.answers[occurrence],))
    except pg.Unknown:
        return None, False, (), ""
    if isinstance(value, pg.Choice):
        return value.options[value.correct], False, value.options, ""
    unit = value.unit if isinstance(value, pg.Num) else ""
    return key_text(value) or None, _tolerant(value), (), unit


def _evaluate(name: str, values: dict[str, Any], key: bool = False) -> pg.Value:
    """The value a var's name stands for; as a blank's key (`key`) a string is a formula,
    as WeBWorK passes it to Compute."""
    reader = pg.Reader(random.Random(0))
    reader.values = values
    value = pg.guarded(pg.Expression(reader, pg.tokens(name)).read)
    return pg.call(reader, "Compute", (value,)) if key and isinstance(value, pg.Text) else value


def key_text(value: pg.Value) -> str:
    """A value as the grammar reads it."""
    if isinstance(value, pg.Num):
        if value.percent:
            return pg.num_text(pg.Num(value.value * 100, approx=value.approx)) + "%"
        return pg.num_text(value)
    if isinstance(value, pg.Maths):
        return _signs(value.text)
    if isinstance(value, pg.Text | pg.Choice):
        return pg.text_of(value).strip()
    return ", ".join(key_text(v) for v in value)


def _tolerant(value: pg.Value) -> bool:
    return isinstance(value, pg.Num) and (value.approx or not value.exact
                                          and value.value.denominator != 1)


def _signs(text: str) -> str:
    """`+ -3` and `- -3`, as Perl interpolation writes them, tidied."""
    number = r"(\d+(?:\.\d+)?(?:/\d+)?)"
    power = r"(?!\s*(?:\^|\*\*))"  # (-3)^2 keeps its brackets
    text = re.sub(rf"\+\s*\(-\s*{number}\){power}", lambda m: f"- {_bracket(m[1])}", text)
    text = re.sub(rf"-\s*\(-\s*{number}\){power}", lambda m: f"+ {_bracket(m[1])}", text)
    text = re.sub(r"\+\s*-\s*(?=\d)", "- ", text)
    return re.sub(r"-\s*-\s*(?=\d)", "+ ", text)


def _bracket(number: str) -> str:
    return f"({number})" if "/" in number else number


# -- filling vars into a copy of the text ----------------------------------------------------------


def fill(element: ET.Element, values: dict[str, Any],
         marks: dict[int, tuple[str, str]]) -> tuple[ET.Element, int]:
    """A copy of `element` with each shown `<var>` replaced by its value and each blank by a
    blank followed by its mark (unit, label); and how many vars could not be computed."""
    holes = 0
    twin = copy.deepcopy(element)
    originals = {id(c): o for c, o in zip(twin.iter(), element.iter(), strict=True)}
    parents = {id(c): p for p in twin.iter() for c in p}
    for var in [v for v in twin.iter() if local(v.tag) in ("var", "fillin")]:
        parent = parents[id(var)]
        in_maths = _in_maths(var, parents)
        original = id(originals[id(var)])
        if original in marks or _is_blank(var):
            _blank(parent, var, *marks.get(original, ("", "")), in_maths)
        elif local(var.tag) == "var":
            try:
                value = _evaluate(var.get("name") or "", values)
            except pg.Unknown:
                holes += 1
                value = None
            _replace(parent, var, value, in_maths)
    return twin, holes


def _in_maths(element: ET.Element, parents: dict[int, ET.Element]) -> bool:
    node = parents.get(id(element))
    while node is not None:
        if local(node.tag) in MATHS:
            return True
        node = parents.get(id(node))
    return False


def _blank(parent: ET.Element, var: ET.Element, unit: str, label: str,
           in_maths: bool) -> None:
    if in_maths:
        marks = [m for m in (unit, f"\\text{{{label}}}" if label else "") if m]
        _splice(parent, var, " \\; ".join(["\\underline{\\qquad}", *marks]))
        return
    fillin = ET.Element("fillin")
    parent[list(parent).index(var)] = fillin
    tail = (f" {label}" if label else "") + (var.tail or "")
    if not unit:
        fillin.tail = tail
        return
    maths = ET.Element("m")
    maths.text, maths.tail = unit, tail
    fillin.tail = " "
    parent.insert(list(parent).index(fillin) + 1, maths)


def _replace(parent: ET.Element, var: ET.Element, value: pg.Value | None,
             in_maths: bool) -> None:
    if value is None:
        _splice(parent, var, "")
    elif in_maths:
        _splice(parent, var, tex(value))
    elif isinstance(value, pg.Text):
        _splice(parent, var, value.value)
    else:
        maths = ET.Element("m")
        maths.text = tex(value)
        maths.tail = var.tail
        parent[list(parent).index(var)] = maths


def _splice(parent: ET.Element, element: ET.Element, text: str) -> None:
    """Replace `element` by plain text in its parent."""
    index = list(parent).index(element)
    joined = text + (element.tail or "")
    if index == 0:
        parent.text = (parent.text or "") + joined
    else:
        before = parent[index - 1]
        before.tail = (before.tail or "") + joined
    parent.remove(element)


# -- values as TeX ---------------------------------------------------------------------------------


def tex(value: pg.Value) -> str:
    """How WeBWorK would show a value in the text: `\\frac{3}{4}`, `\\$12.50`, `17\\%`."""
    if isinstance(value, pg.Num):
        return _tex_number(value)
    if isinstance(value, pg.Maths):
        return formula_tex(value.text)
    if isinstance(value, pg.Text | pg.Choice):
        return pg.text_of(value)
    return ", ".join(tex(v) for v in value)


def _tex_number(value: pg.Num) -> str:
    number = value.value
    if value.money:
        written = f"{float(abs(number)):.2f}" if number.denominator != 1 else str(abs(number))
        return ("-" if number < 0 else "") + "\\$" + written
    if value.percent:
        return pg.num_text(pg.Num(number * 100, approx=value.approx)) + "\\%"
    written = pg.num_text(value)
    if "/" in written:
        sign = "-" if number < 0 else ""
        written = f"{sign}\\frac{{{abs(number.numerator)}}}{{{number.denominator}}}"
    return written + (f"\\,\\text{{{value.unit}}}" if value.unit else "")


def formula_tex(text: str) -> str:
    """WeBWorK formula text as TeX, lightly: signs tidied, powers and roots braced, `*` as a
    dot, exact fractions in brackets as \\frac."""
    text = _signs(text)
    text = re.sub(r"(^|[=(,]\s*)\((-\d+(?:\.\d+)?)\)", r"\1\2", text)
    text = re.sub(r"\((-?)(\d+)/(\d+)\)", r"\1\\frac{\2}{\3}", text)
    text = re.sub(r"\((\d+(?:\.\d+)?)\)", r"\1", text)
    text = re.sub(r"(^|[-+=(,]\s*)1\s*(?=[A-Za-z(])(?!\w*\s*\()", r"\1", text)
    text = text.replace("**", "^")
    text = _braced_calls(text, "sqrt", "\\sqrt{", "}")
    text = _braced_calls(text, "abs", "\\left|", "\\right|")
    text = re.sub(r"\^\s*\(([^()]*)\)", r"^{\1}", text)
    text = re.sub(r"\^\s*(-?\w+)", r"^{\1}", text)
    text = re.sub(r"\s*\*\s*", r" \\cdot ", text)
    text = re.sub(r"\bpi\b", r"\\pi", text)
    return re.sub(r"\binf(inity)?\b", r"\\infty", text)


def _braced_calls(text: str, name: str, opening: str, closing: str) -> str:
    """`sqrt(x+1)` -> `\\sqrt{x+1}`, `abs(x)` -> `\\left|x\\right|`, brackets balanced."""
    out = []
    position = 0
    for match in re.finditer(rf"\b{name}\s*\(", text):
        if match.start() < position:
            continue
        depth, end = 0, match.end() - 1
        for end in range(match.end() - 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        out.append(text[position:match.start()] + opening
                   + _braced_calls(text[match.end():end], name, opening, closing) + closing)
        position = end + 1
    return "".join(out) + text[position:]


# -- static versions -------------------------------------------------------------------------------


def _static(static: ET.Element) -> Outcome:
    """A problem from the representations file: the server's own statement and answers."""
    statement = child(static, "statement")
    if statement is None:
        return Outcome(skipped=SKIP_EMPTY)
    blanks = [f for f in statement.iter() if local(f.tag) in ("fillin", "var")]
    answers = [_static_key(a) for a in children(static, "answer")]
    labels = [chr(ord("a") + i % 26) for i in range(len(blanks))] if len(blanks) > 1 else [""]
    marks = {id(b): ("", f"({label})" if label else "") for b, label in zip(blanks, labels,
                                                                            strict=False)}
    filled, _ = fill(statement, {}, marks)
    outcome = Outcome(prompt=render(filled), hints=[render(h) for h in children(static, "hint")],
                      solution=render(child(static, "solution")),
                      shown="\n\n".join(render(a) for a in children(static, "answer")))
    if len(answers) != len(blanks) and blanks:
        outcome.self_graded = SELF_STATIC
        return outcome
    keyed = [Blank(label, key) for label, key in zip(labels, answers, strict=False)]
    return _keyed(outcome, keyed, filled)


def _static_key(answer: ET.Element) -> str | None:
    paragraph = child(answer, "p")
    holder = paragraph if paragraph is not None else answer
    maths = child(holder, "m")
    return text_of(maths) if maths is not None else (text_of(holder) or None)
