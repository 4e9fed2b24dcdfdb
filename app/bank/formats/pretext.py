"""PreTeXt books (FCLA, Active Calculus, Understanding Linear Algebra, APEX, CLP): their
exercises, one topic per section, maths kept as TeX for KaTeX.

What is read: `xi:include` (relative files inside the upload only: never a URL, never outside
the zip or folder), `docinfo/macros` (stored as KaTeX macros of the collection), every
`exercises` division and in it `exercise`, `exercisegroup` (its introduction opens each of its
exercises) and `task` parts (each leaf task one exercise). `statement`, `hint`, `answer`,
`solution` map to prompt, hints, reference answer and solution; `p`, `m`, `me`, `md`/`mrow`,
lists and `tabular` become Markdown. An answer that is a single expression (one `m`, or a
`<webwork>` problem's single `Formula("…")`/`Compute("…")`) is checked by the grammar;
anything else is self-graded. Ids: `xml:id`, else `permid`, else `label`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: N817 - the usual name
from dataclasses import dataclass
from pathlib import PurePosixPath

from app.bank.formats.files import Upload, resolve
from app.bank.formats.model import AUTO, ImportedExercise, ImportRefused, ParsedImport
from app.bank.formats.text import decode, escape_markdown, slugify, stable_id
from app.bank.formats.xml import XML_ID, Document, child, children, local, parse_xml, text_of

XINCLUDE = "{http://www.w3.org/2001/XInclude}include"
MAX_INCLUDE_DEPTH = 20
DIVISIONS = ("section", "chapter", "subsection", "subsubsection", "appendix", "worksheet")
ROOTS = ("pretext", "mathbook")
_WEBWORK_ANSWER = re.compile(r"\b(?:Formula|Compute|Real)\(\s*(['\"])(.*?)\1\s*\)")


# -- assembling the book -------------------------------------------------------------------------


def looks_like(text: str) -> bool:
    return bool(re.search(r"<(pretext|mathbook)[\s>]", text[:4000]))


def parse(upload: Upload) -> ParsedImport:
    """A PreTeXt book (one file, a zip or a folder) as a ParsedImport."""
    main = _main_file(upload)
    document = _load(upload, main, [])
    document.reindex()
    return Book(document, upload.name).read()


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
                self._exercises(item, Place(place.topic, _join(place.intro, intro)))
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
            intro = _join(place.intro, render(child(element, "introduction")))
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
        intro = _join(place.intro, render(child(task, "introduction")))
        for index, sub in enumerate(inner):
            label = sub.get("label") or sub.get(XML_ID) or str(index + 1)
            self._tasks(sub, Place(place.topic, intro), f"{ident}-{label}")

    def _leaf(self, element: ET.Element, place: Place, ident: str, where: str) -> None:
        webwork = child(element, "webwork")
        if webwork is not None and webwork.get("source"):
            self.parsed.skip(where, "a WeBWorK problem kept on a server (source=...) cannot be "
                             "read from the book")
            return
        holder = webwork if webwork is not None else element
        statement = _statement(holder)
        if not statement:
            self.parsed.skip(where, "the exercise has no statement")
            return
        answer, shown = _answer(holder, webwork)
        solution = render_all(holder, "solution")
        self.parsed.exercises.append(ImportedExercise(
            id=stable_id(ident), topic=place.topic, prompt=_join(place.intro, statement),
            answer=answer, where=where, answer_display=shown, solution=solution,
            hints=[render(h) for h in children(holder, "hint")],
            source=f"{self.parsed.title}, exercise {ident}"))


def _statement(holder: ET.Element) -> str:
    statement = child(holder, "statement") or child(holder, "stage")
    if statement is not None:
        return render(statement)
    skip = {"title", "hint", "answer", "solution", "idx", "pg-code", "setup", "task"}
    return render_children([c for c in holder if local(c.tag) not in skip])


def _answer(holder: ET.Element, webwork: ET.Element | None) -> tuple[dict, str]:
    """A machine-checkable spec when the answer is one expression; else self-graded."""
    answers = children(holder, "answer")
    shown = "\n\n".join(render(a) for a in answers)
    if webwork is not None:
        found = _WEBWORK_ANSWER.findall(text_of(child(webwork, "pg-code")))
        if len(found) == 1:
            value = found[0][1]
            return {"type": AUTO, "value": value}, shown or f"`{value}`"
    value = single_expression(answers[0]) if len(answers) == 1 else None
    return ({"type": AUTO, "value": value} if value else {"type": "self"}), shown


def single_expression(answer: ET.Element) -> str | None:
    """The TeX of an answer that is one `m` (in one `p`), or one short line of plain text."""
    blocks = [c for c in answer if local(c.tag)]
    if len(blocks) > 1:
        return None
    holder = blocks[0] if blocks and local(blocks[0].tag) == "p" else answer
    maths = [c for c in holder if local(c.tag) in ("m", "me")]
    outside = (holder.text or "") + "".join(c.tail or "" for c in holder)
    if len(maths) == 1 and len(list(holder)) == 1 and not outside.strip(" .,\n\t"):
        return text_of(maths[0]) or None
    plain = text_of(holder)
    return plain if not list(holder) and plain and len(plain) < 120 else None


def _join(*parts: str) -> str:
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


# -- PreTeXt to Markdown ---------------------------------------------------------------------------

_CHARACTERS = {"ellipsis": "…", "ndash": "–", "mdash": "—", "lq": "“", "rq": "”",
               "lsq": "‘", "rsq": "’", "nbsp": " ", "copyright": "©", "degree": "°",
               "times": "×", "fillin": "\\_\\_\\_\\_", "var": "\\_\\_\\_\\_"}
_WRAP = {"em": "*", "alert": "**", "term": "**", "c": "`", "q": "“"}


def render_all(holder: ET.Element, name: str) -> str:
    return _join(*(render(e) for e in children(holder, name)))


def render(element: ET.Element | None) -> str:
    """A block element's content (statement, hint, p, ...) as Markdown."""
    if element is None:
        return ""
    if local(element.tag) == "p":
        return render_inline(element)
    return render_children(list(element), element.text)


def render_children(items: list[ET.Element], text: str | None = None) -> str:
    blocks = [escape_markdown(text.strip())] if text and text.strip() else []
    for item in items:
        blocks.append(_block(item))
        if item.tail and item.tail.strip():
            blocks.append(escape_markdown(item.tail.strip()))
    return _join(*blocks)


def _block(item: ET.Element) -> str:
    tag = local(item.tag)
    if tag == "p":
        return render_inline(item)
    if tag in ("me", "men"):
        return f"$${_tex(item)}$$"
    if tag in ("md", "mdn"):
        return _display_rows(item)
    if tag in ("ol", "ul", "dl"):
        return _list(item)
    if tag in ("tabular", "table"):
        return _table(item)
    if tag in ("title", "idx", "notation", "pg-code"):
        return ""
    return render(item) if len(item) else render_inline(item)


def render_inline(element: ET.Element | None) -> str:
    """Text with inline markup (`m`, `em`, `c`, `url`, ...) as one Markdown paragraph."""
    if element is None:
        return ""
    parts = [escape_markdown(element.text or "")]
    for item in element:
        parts.append(_inline(item))
        parts.append(escape_markdown(item.tail or ""))
    return " ".join("".join(parts).split())


def _inline(item: ET.Element) -> str:
    tag = local(item.tag)
    if tag == "m":
        return f"${_tex(item)}$"
    if tag in ("me", "men", "md", "mdn"):
        return _block(item)
    if tag in _CHARACTERS:
        return _CHARACTERS[tag]
    if tag in _WRAP:
        mark = _WRAP[tag]
        return f"{mark}{render_inline(item)}{'”' if mark == '“' else mark}"
    if tag == "url":
        href = item.get("href", "")
        label = render_inline(item) or escape_markdown(href)
        return f"[{label}]({href})" if href.startswith(("http://", "https://")) else label
    if tag == "xref":
        return render_inline(item) or escape_markdown(item.get("ref", ""))
    if tag == "image":
        return "[image]"
    return render_inline(item)


def _tex(element: ET.Element) -> str:
    """The TeX inside `m`/`me`/`mrow`; a `fillin` becomes a blank."""
    parts = [element.text or ""]
    for item in element:
        parts.append("\\underline{\\qquad}" if local(item.tag) == "fillin" else _tex(item))
        parts.append(item.tail or "")
    return " ".join("".join(parts).split())


def _display_rows(element: ET.Element) -> str:
    rows = [_tex(r) for r in children(element, "mrow")] or [_tex(element)]
    if len(rows) == 1 and "&" not in rows[0]:
        return f"$${rows[0]}$$"
    return "$$\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}$$"


def _list(element: ET.Element) -> str:
    ordered = local(element.tag) == "ol"
    lines = []
    for number, item in enumerate(children(element, "li"), start=1):
        body = render(item) if len(item) and local(item[0].tag) == "p" else render_inline(item)
        marker = f"{number}." if ordered else "-"
        lines.append(f"{marker} " + body.replace("\n", "\n   "))
    return "\n".join(lines)


def _table(element: ET.Element) -> str:
    tabular = element if local(element.tag) == "tabular" else child(element, "tabular")
    if tabular is None:
        return ""
    rows = [[render_inline(c).replace("|", "\\|") for c in children(r, "cell")]
            for r in children(tabular, "row")]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    out = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
    return "\n".join(out + ["| " + " | ".join(r) + " |" for r in rows[1:]])


# -- macros ----------------------------------------------------------------------------------------

_DEFINITION = re.compile(r"\\(?:re)?newcommand\*?\s*\{?\s*(\\[A-Za-z]+)\s*\}?\s*(?:\[(\d)\])?"
                         r"(?:\[[^\]]*\])?\s*|\\DeclareMathOperator\*?\s*\{\s*(\\[A-Za-z]+)\s*\}"
                         r"\s*")


def parse_macros(text: str) -> dict[str, str]:
    """`\\newcommand{\\R}{\\mathbb{R}}` and `\\DeclareMathOperator{\\sech}{sech}` as KaTeX's
    `macros` option (`{"\\R": "\\mathbb{R}"}`); KaTeX reads `#1` arguments itself."""
    macros = {}
    for match in _DEFINITION.finditer(text):
        body = _braced(text, match.end())
        if body is None:
            continue
        if match.group(3):
            macros[match.group(3)] = f"\\operatorname{{{body}}}"
        else:
            macros[match.group(1)] = body
    return macros


def _braced(text: str, start: int) -> str | None:
    """The contents of the balanced `{...}` group that starts at `start`."""
    if start >= len(text) or text[start] != "{":
        return None
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if char == "\\":
            continue
        if char == "{" and text[index - 1] != "\\":
            depth += 1
        elif char == "}" and text[index - 1] != "\\":
            depth -= 1
            if depth == 0:
                return text[start + 1:index]
    return None
