"""PreTeXt books (FCLA, Active Calculus, Understanding Linear Algebra, APEX, CLP): their
exercises, one topic per section, maths kept as TeX for KaTeX.

What is read: `xi:include` (relative files inside the upload only: never a URL, never outside
the zip or folder), `docinfo/macros` (stored as KaTeX macros of the collection), every
`exercises` division and in it `exercise`, `exercisegroup` (its introduction opens each of its
exercises) and `task` parts (each leaf task one exercise). `statement`, `hint`, `answer`,
`solution` map to prompt, hints, reference answer and solution; `p`, `m`, `me`, `md`/`mrow`,
lists and `tabular` become Markdown. An answer that is a single expression (one `m`) is checked
by the grammar; anything else is self-graded. A `<webwork>` problem is keyed blank by blank
(`webwork.py`). Ids: `xml:id`, else `permid`, else `label`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: N817 - the usual name
from dataclasses import dataclass
from pathlib import PurePosixPath

from app.bank.formats import pretext_images
from app.bank.formats.files import Upload, resolve
from app.bank.formats.model import AUTO, ImportedExercise, ImportRefused, ParsedImport, Problem
from app.bank.formats.pretext_lists import list_parts
from app.bank.formats.pretext_markup import (
    join,
    parse_macros,
    reading,
    render,
    render_all,
    render_children,
    render_inline,
    tex,
)
from app.bank.formats.tex import APPROXIMATION_TOLERANCE, answer_tex, approximation
from app.bank.formats.text import decode, slugify, stable_id
from app.bank.formats.webwork import read_problem as webwork_problem
from app.bank.formats.webwork import representations
from app.bank.formats.xml import XML_ID, Document, child, children, local, parse_xml, text_of

XINCLUDE = "{http://www.w3.org/2001/XInclude}include"
MAX_INCLUDE_DEPTH = 20
DIVISIONS = ("section", "chapter", "subsection", "subsubsection", "appendix", "worksheet")
ROOTS = ("pretext", "mathbook")


# -- assembling the book -------------------------------------------------------------------------


def looks_like(text: str) -> bool:
    return bool(re.search(r"<(pretext|mathbook)[\s>]", text[:4000]))


def parse(upload: Upload) -> ParsedImport:
    """A PreTeXt book (one file, a zip or a folder) as a ParsedImport."""
    main = _main_file(upload)
    document = _load(upload, main, [])
    document.reindex()
    with reading(document):
        book = Book(document, upload.name)
        book.statics = representations(upload.files)
        parsed = book.read()
    pretext_images.collect(upload, main, parsed)
    return parsed


def _main_file(upload: Upload) -> str:
    if upload.main:
        return upload.main
    candidates = [path for path, data in sorted(upload.files.items())
                  if path.endswith((".ptx", ".xml")) and looks_like(_head(data))]
    if not candidates:
        raise ImportRefused("no PreTeXt file (<pretext> root) in the upload", upload.name)
    named = [p for p in candidates if PurePosixPath(p).stem == "main"]
    return (named or candidates)[0]


def _head(data: bytes) -> str:
    return data[:4000].decode("utf-8", errors="ignore")


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

    def __init__(self, document: Document, name: str) -> None:
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
        self.counter = 0
        self.statics: dict[str, ET.Element] = {}
        self.webworks: dict[str, ET.Element] | None = None

    def read(self) -> ParsedImport:
        for division in self.body.iter():
            if local(division.tag) == "exercises":
                self._exercises(division, Place(self._topic(division)))
        if not self.parsed.exercises and not self.parsed.problems:
            self.parsed.warn(self.parsed.source, "the book has no <exercises> division")
        return self.parsed

    def _topic(self, division: ET.Element) -> str:
        """The topic of an `exercises` division: its section (or chapter)."""
        node: ET.Element | None = division
        while node is not None and local(node.tag) not in DIVISIONS:
            node = self.doc.parents.get(id(node))
        node = node if node is not None else division
        title = render_inline(child(node, "title")) or "Exercises"
        ident = node.get(XML_ID) or slugify(title)
        slug = f"{self.parsed.key}-{slugify(ident)}"[:100].rstrip("-")
        self.parsed.topic(slug, title)
        return slug

    def _exercises(self, container: ET.Element, place: Place) -> None:
        for item in container:
            tag = local(item.tag)
            if tag == "exercise":
                self._exercise(item, place)
            elif tag == "exercisegroup":
                intro = render(child(item, "introduction"))
                self._exercises(item, Place(place.topic, join(place.intro, intro)))
            elif tag == "subexercises":
                self._exercises(item, place)

    def _exercise(self, element: ET.Element, place: Place) -> None:
        where = self.doc.where(element)
        ident = element.get(XML_ID) or element.get("permid") or element.get("label")
        if not ident:
            self.counter += 1
            ident = f"{place.topic}-ex-{self.counter}"
            self.parsed.warn(where, f"no xml:id, permid or label: the id is {ident}, which "
                             "changes if exercises are added before it")
        tasks = children(element, "task")
        if tasks:
            intro = join(place.intro, render(child(element, "introduction")))
            for index, task in enumerate(tasks):
                label = task.get("label") or task.get(XML_ID) or chr(ord("a") + index % 26)
                self._tasks(task, Place(place.topic, intro), f"{ident}-{label}")
            return
        self._leaf(element, place, ident, where)

    def _tasks(self, task: ET.Element, place: Place, ident: str) -> None:
        inner = children(task, "task")
        if not inner:
            self._leaf(task, place, ident, self.doc.where(task))
            return
        intro = join(place.intro, render(child(task, "introduction")))
        for index, sub in enumerate(inner):
            label = sub.get("label") or sub.get(XML_ID) or str(index + 1)
            self._tasks(sub, Place(place.topic, intro), f"{ident}-{label}")

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
        if read.skipped:
            self.parsed.skip(where, read.skipped)
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
