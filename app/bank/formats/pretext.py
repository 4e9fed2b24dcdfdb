"""PreTeXt books (FCLA, Active Calculus, Understanding Linear Algebra, APEX, CLP): their
exercises, one topic per section, maths kept as TeX for KaTeX.

What is read: the book's main file (`pretext_source`), `xi:include` (relative files inside the
upload only: never a URL, never outside the zip or folder), `docinfo/macros` (stored as KaTeX
macros of the collection), every `exercise` wherever it sits (an `exercises` division, inline in
a section) and, when asked, every `activity`, `project`, `exploration` and `investigation`; an
`exercisegroup`'s introduction opens each of its exercises; a list of `task`s is one exercise
whose parts are the leaf tasks (`a`, `b-i`; runs of at most six). `statement`, `hint`, `answer`,
`solution` map to prompt, hints, reference answer and solution; `p`, `m`, `me`, `md`/`mrow`,
lists and `tabular` become Markdown. An answer that is a single expression (one `m`) is checked
by the grammar; a statement `ol` answered by an `ol` of as many items is parts, item by item
(`pretext_lists`); anything else is self-graded. A `<webwork>` problem is keyed blank by blank
(`webwork.py`). Ids: `pretext_ids`; the census the import is judged against: `pretext_census`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: N817 - the usual name
from dataclasses import dataclass
from pathlib import PurePosixPath

from app.bank.formats import pretext_images
from app.bank.formats.files import Upload, resolve
from app.bank.formats.model import AUTO, ImportedExercise, ImportRefused, ParsedImport, Problem
from app.bank.formats.pretext_census import census, counted, held
from app.bank.formats.pretext_ids import Ids, Legacy
from app.bank.formats.pretext_lists import list_parts
from app.bank.formats.pretext_markup import (
    WEBWORK_GRAPH,
    join,
    parse_macros,
    reading,
    render,
    render_all,
    render_children,
    render_inline,
    tex,
)
from app.bank.formats.pretext_source import components, main_file
from app.bank.formats.tex import APPROXIMATION_TOLERANCE, answer_tex, approximation
from app.bank.formats.text import decode, slugify, stable_id
from app.bank.formats.webwork import read_problem as webwork_problem
from app.bank.formats.webwork import representations
from app.bank.formats.xml import XML_ID, Document, child, children, local, parse_xml, text_of

XINCLUDE = "{http://www.w3.org/2001/XInclude}include"
MAX_INCLUDE_DEPTH = 20
DIVISIONS = ("section", "chapter", "subsection", "subsubsection", "appendix", "worksheet")
ROOTS = ("pretext", "mathbook")
MAX_PARTS = 6
"""A multi-part exercise has 2 to 6 parts (DESIGN §5); a longer task list is split into runs."""


# -- assembling the book -------------------------------------------------------------------------


def parse(upload: Upload, *, activities: bool = False) -> ParsedImport:
    """A PreTeXt book (one file, a zip or a folder) as a ParsedImport; `activities`: its
    activities, projects, explorations and investigations are exercises too."""
    source = main_file(upload)
    document = _load(upload, source.path, [])
    document.reindex()
    book = Book(document, upload.name, activities)  # ids as earlier imports saw the tree
    book.statics = representations(upload.files)
    if components(document.root, source.components, document.parents):
        document.reindex()
    with reading(document, source.components):
        parsed = book.read()
    parsed.read_from = f"{source.path} ({source.why})"
    parsed.held = held(census(document.root, activities))
    pretext_images.collect(upload, source.path, parsed)
    return parsed


def _load(upload: Upload, path: str, stack: list[str]) -> Document:
    """Parse `path` and splice every `xi:include` in, recursively, inside the upload only."""
    if len(stack) >= MAX_INCLUDE_DEPTH or path in stack:
        raise ImportRefused("xi:include goes in a circle or too deep", " -> ".join(stack + [path]))
    document = parse_xml(decode(upload.read(path, stack[-1] if stack else ""), path), path)
    document.reindex()
    for include in [e for e in document.root.iter() if e.tag == XINCLUDE]:
        _splice(upload, document, include, path, stack + [path])
    return document


def _splice(upload: Upload, document: Document, include: ET.Element, path: str,
            stack: list[str]) -> None:
    where = document.where(include)
    target = resolve(path, include.get("href", ""), where)
    parent = document.parents[id(include)]
    index = list(parent).index(include)
    if include.get("parse") == "text":
        replacement = ET.Element("p")
        replacement.text = decode(upload.read(target, where), target)
    else:
        included = _load(upload, target, stack)
        document.adopt(included)
        replacement = included.root
    replacement.tail = include.tail
    parent[index] = replacement


# -- reading it ----------------------------------------------------------------------------------


@dataclass
class Place:
    """Where an exercise sits: its topic and the introductions that open it."""

    topic: str
    intro: str = ""


class Book:
    """One assembled book, read into a ParsedImport."""

    def __init__(self, document: Document, name: str, activities: bool = False) -> None:
        self.doc = document
        root = document.root
        if local(root.tag) not in ROOTS:
            raise ImportRefused(f"the root element is <{local(root.tag)}>, not <pretext>", name)
        body = next((c for c in root if local(c.tag) in ("book", "article")), root)
        title = text_of(child(body, "title")) or PurePosixPath(name).stem
        self.parsed = ParsedImport(format="pretext", title=title, source=name,
                                   key=slugify(body.get(XML_ID) or title) or "book")
        docinfo = child(root, "docinfo")
        self.parsed.macros = parse_macros(text_of(child(docinfo, "macros")) if docinfo else "")
        self.body = body
        self.kinds = counted(activities)
        self.ids = Ids(body, counted(True), self.parsed.key)
        self.legacy = Legacy(body, lambda division: self._topic(division, add=False))
        self.statics: dict[str, ET.Element] = {}
        self.webworks: dict[str, ET.Element] | None = None

    def read(self) -> ParsedImport:
        self._walk(self.body, "")
        if not self.parsed.exercises and not self.parsed.problems:
            self.parsed.warn(self.parsed.source, "the book has no exercises")
        return self.parsed

    def _walk(self, node: ET.Element, intro: str) -> None:
        """Every exercise in document order, wherever it sits; an exercise group's
        introduction opens each of its exercises."""
        for item in node:
            tag = local(item.tag)
            if tag in self.kinds:
                self._exercise(item, Place(self._topic(item), intro))
            elif tag == "exercisegroup":
                self._walk(item, join(intro, render(child(item, "introduction"))))
            else:
                self._walk(item, intro)

    def _topic(self, element: ET.Element, add: bool = True) -> str:
        """The topic of an exercise (or a division of them): its section (or chapter)."""
        node: ET.Element | None = element
        while node is not None and local(node.tag) not in DIVISIONS:
            node = self.doc.parents.get(id(node))
        node = node if node is not None else element
        title = render_inline(child(node, "title")) or "Exercises"
        ident = node.get(XML_ID) or slugify(title)
        slug = f"{self.parsed.key}-{slugify(ident)}"[:100].rstrip("-")
        if add:
            self.parsed.topic(slug, title)
        return slug

    def _exercise(self, element: ET.Element, place: Place) -> None:
        where = self.doc.where(element)
        ident, legacy = self.ids[element], self.legacy.of(element)
        tasks = children(element, "task")
        if not tasks:
            made = self._read_leaf(element, place, ident, where)
            for exercise in made:
                exercise.legacy_ids = [i for i in legacy if i and i != exercise.id]
            self.parsed.exercises += made
            return
        stem = join(place.intro, render(child(element, "introduction")))
        leaves = _leaves(tasks, "")
        read = [(label, self._read_leaf(task, Place(place.topic, intro), f"{ident}-{label}",
                                        self.doc.where(task)))
                for label, task, intro in leaves]
        parts = [(label, made[0]) for label, made in read if made]
        olds = dict(zip([label for label, _, _ in leaves], legacy, strict=False))
        if any(made.parts for _, made in parts):
            self.parsed.warn(where, "tasks with parts of their own (answer blanks, or a list "
                             "answered item by item): each task is an exercise of its own")
            for label, made in parts:
                made.prompt = join(stem, made.prompt)
                made.legacy_ids = [olds[label]] if olds.get(label) else []
                self.parsed.exercises.append(made)
            return
        chunks = _chunks(parts)
        if len(chunks) > 1:
            self.parsed.warn(where, f"more than {MAX_PARTS} tasks: split into {len(chunks)} "
                             f"exercises of at most {MAX_PARTS} parts")
        for number, chunk in enumerate(chunks, 1):
            self.parsed.exercises.append(_with_parts(
                ident if len(chunks) == 1 else f"{ident}-{number}", stem, chunk,
                [olds.get(label, "") for label, _ in chunk], where))

    def _read_leaf(self, element: ET.Element, place: Place, ident: str,
                   where: str) -> list[ImportedExercise]:
        """What `_leaf` makes of an element (none when it is skipped), taken back from the
        import so the caller decides where it goes (an exercise, or a part of one)."""
        before = len(self.parsed.exercises)
        self._leaf(element, place, ident, where)
        made = self.parsed.exercises[before:]
        del self.parsed.exercises[before:]
        return made

    def _leaf(self, element: ET.Element, place: Place, ident: str, where: str) -> None:
        webwork = child(element, "webwork")
        if webwork is not None:
            self._webwork(element, webwork, place, ident, where)
            return
        statement = _statement(element)
        if not statement:
            self.parsed.skip(where, "the exercise has no statement")
            return
        listed = list_parts(child(element, "statement"), children(element, "answer"),
                            lambda item: answer_spec(single_expression(item)))
        if listed:
            statement = listed[0]
        answer, shown = ({}, "") if listed else _answer(element)
        solution = render_all(element, "solution")
        self.parsed.exercises.append(ImportedExercise(
            id=stable_id(ident), topic=place.topic, prompt=join(place.intro, statement),
            answer=answer, where=where, answer_display=shown, solution=solution,
            hints=[render(h) for h in children(element, "hint")],
            parts=listed[1] if listed else None,
            source=f"{self.parsed.title}, exercise {ident}"))

    def _webwork(self, element: ET.Element, webwork: ET.Element, place: Place, ident: str,
                 where: str) -> None:
        """A WeBWorK problem, keyed blank by blank (`webwork.read_problem`); `copy="id"` is
        the problem of that id again, with its own seed."""
        original = self._webworks().get(webwork.get("copy", "")) if webwork.get("copy") \
            else webwork
        if original is None or original.get("source"):
            self.parsed.skip(where, "a WeBWorK problem kept on a server (source=...) cannot be "
                             "read from the book" if original is not None else
                             "a WeBWorK copy= names no problem of the book")
            return
        names = [n for n in (webwork.get(XML_ID), element.get(XML_ID), element.get("label"),
                             ident) if n]
        read = webwork_problem(original, names, webwork.get("seed", ""), self.statics)
        if read.skipped or WEBWORK_GRAPH in read.prompt:
            self.parsed.skip(where, read.skipped or "the statement shows a graph WeBWorK draws, "
                             "which is not in the book's source")
            return
        if read.self_graded:
            self.parsed.problems.append(Problem(where, f"self-graded: {read.self_graded}",
                                                "self-graded"))
        self.parsed.exercises.append(ImportedExercise(
            id=stable_id(ident), topic=place.topic, prompt=join(place.intro, read.prompt),
            answer=read.answer, parts=read.parts, where=where, answer_display=read.shown,
            solution=read.solution, hints=read.hints,
            source=f"{self.parsed.title}, exercise {ident}"))

    def _webworks(self) -> dict[str, ET.Element]:
        """The book's WeBWorK problems by xml:id, for `copy=`."""
        if self.webworks is None:
            self.webworks = {w.get(XML_ID, ""): w for w in self.body.iter()
                             if local(w.tag) == "webwork" and w.get(XML_ID)}
        return self.webworks


def _leaves(tasks: list[ET.Element], prefix: str, depth: int = 0,
            intro: str = "") -> list[tuple[str, ET.Element, str]]:
    """The leaf tasks under `tasks`, each with its label (`a`, `b-i`, `b-ii`) and the
    introductions of the tasks around it."""
    out = []
    for index, task in enumerate(tasks):
        label = f"{prefix}-{_number(index, depth)}" if prefix else _number(index, depth)
        inner = children(task, "task")
        if inner:
            around = join(intro, render(child(task, "introduction")))
            out += _leaves(inner, label, depth + 1, around)
        else:
            out.append((label, task, intro))
    return out


def _chunks(parts: list[tuple[str, ImportedExercise]]
            ) -> list[list[tuple[str, ImportedExercise]]]:
    """Parts in runs of at most MAX_PARTS, keeping a task's subtasks together when they fit."""
    groups: dict[str, list[tuple[str, ImportedExercise]]] = {}
    for label, made in parts:
        groups.setdefault(label.split("-")[0], []).append((label, made))
    chunks: list[list[tuple[str, ImportedExercise]]] = [[]]
    for group in groups.values():
        for start in range(0, len(group), MAX_PARTS):
            piece = group[start:start + MAX_PARTS]
            if len(chunks[-1]) + len(piece) > MAX_PARTS:
                chunks.append([])
            chunks[-1] += piece
    return [chunk for chunk in chunks if chunk]


def _number(index: int, depth: int) -> str:
    """How PreTeXt numbers tasks: a, b, c; then i, ii, iii; then 1, 2, 3."""
    if depth == 0:
        return chr(ord("a") + index % 26) + ("" if index < 26 else str(index // 26))
    if depth == 1:
        return _roman(index + 1)
    return str(index + 1)


def _roman(number: int) -> str:
    out = ""
    for value, letters in ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while number >= value:
            out, number = out + letters, number - value
    return out


def _with_parts(ident: str, stem: str, parts: list[tuple[str, ImportedExercise]],
                legacy: list[str], where: str) -> ImportedExercise:
    """One exercise whose tasks are its parts (DESIGN §5); one task alone is the exercise."""
    if len(parts) == 1:
        exercise = parts[0][1]
        exercise.id, exercise.prompt = stable_id(ident), join(stem, exercise.prompt)
        exercise.where = where
        exercise.legacy_ids = [i for i in legacy if i]
        return exercise
    label, first = parts[0]
    return ImportedExercise(
        id=stable_id(ident), topic=first.topic, prompt=stem or "Answer each part.", answer={},
        where=where, source=first.source.removesuffix(f"-{label}"),
        legacy_ids=[i for i in legacy if i],
        parts=[{"id": label, "prompt": made.prompt, "answer": made.answer, "hints": made.hints,
                "wrong": made.wrong, "solution": _shown(made)} for label, made in parts])


def _shown(part: ImportedExercise) -> str:
    """A self-graded part's solution opens with the answer the book gives."""
    shown = part.answer_display
    if part.answer.get("type") == "self" and shown and shown not in part.solution:
        return f"**Answer:** {shown}\n\n{part.solution}".strip()
    return part.solution


def _statement(holder: ET.Element) -> str:
    statement = child(holder, "statement") or child(holder, "stage")
    if statement is not None:
        return render(statement)
    skip = {"title", "hint", "answer", "solution", "idx", "pg-code", "pg-macros", "setup", "task",
            "evaluation"}
    return render_children([c for c in holder if local(c.tag) not in skip])


def _answer(holder: ET.Element) -> tuple[dict, str]:
    """A machine-checkable spec when the answer is one expression; else self-graded. Without an
    `answer`, a solution that ends in one clear final expression gives the key."""
    answers = children(holder, "answer")
    shown = "\n\n".join(render(a) for a in answers)
    if answers:
        value = single_expression(answers[0]) if len(answers) == 1 else None
    else:
        value = _solution_answer(holder)
    return answer_spec(value), shown


def answer_spec(value: str | None) -> dict:
    """The spec of an answer's TeX (from `single_expression`): an estimate (`\\approx 2.336`)
    is a number within half a percent; None is self-graded."""
    estimate = approximation(value or "")
    if estimate:
        return {"type": AUTO, "value": estimate, "tolerance": APPROXIMATION_TOLERANCE}
    return {"type": AUTO, "value": value} if value else {"type": "self"}


def single_expression(answer: ET.Element) -> str | None:
    """The TeX of an answer that is one `m` (in one `p`), or a plain number (plain words, such
    as "No", are not maths); the book's macros expanded and sentence punctuation dropped.
    A chain `a = b = c` is a derivation, not one answer."""
    blocks = [c for c in answer if local(c.tag)]
    if len(blocks) > 1:
        return None
    holder = blocks[0] if blocks and local(blocks[0].tag) == "p" else answer
    maths = [c for c in holder if local(c.tag) in ("m", "me", "men")]
    outside = (holder.text or "") + "".join(c.tail or "" for c in holder)
    if len(maths) == 1 and len(list(holder)) == 1 and not outside.strip(" .,;\n\t"):
        value = answer_tex(tex(maths[0]))
        return value if value and value.count("=") < 2 else None  # a chain is a derivation
    plain = text_of(holder).rstrip(".")
    return plain if not list(holder) and _NUMBER.fullmatch(plain) else None


_NUMBER = re.compile(r"\s*-?\d+(?:\.\d+)?(?:\s*/\s*\d+)?\s*")
_FINAL_EQUATION = re.compile(r"^\s*([A-Za-z](?:_\{?\w+\}?)?)\s*=\s*([^=<>]+)$")


def _solution_answer(holder: ET.Element) -> str | None:
    """The key a solution gives when it is clear: the solution is one expression, or it ends
    in a displayed `x = value`. Never for a statement that asks several things (a list)."""
    solutions = children(holder, "solution")
    statement = child(holder, "statement")
    if len(solutions) != 1 or (statement is not None and any(
            local(e.tag) in ("ol", "ul") for e in statement.iter())):
        return None
    value = single_expression(solutions[0])
    if value and not re.search(r"[A-Za-z]{4,}", value.replace("\\", " ")):
        return value
    blocks = [c for c in solutions[0] if local(c.tag)]
    last = blocks[-1] if blocks else None
    if last is not None and local(last.tag) == "p" and len(last) and not (
            last[-1].tail or "").strip(" .\n\t") and local(last[-1].tag) in ("me", "md"):
        last = last[-1]
    if last is None or local(last.tag) not in ("me", "men", "md", "mdn"):
        return None
    rows = children(last, "mrow") or [last]
    final = answer_tex(tex(rows[-1]).replace("&", ""))
    return final if _FINAL_EQUATION.match(final) else None
