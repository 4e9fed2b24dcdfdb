"""PreTeXt markup as Markdown with TeX maths for KaTeX: paragraphs (with their lists), maths
with the book's macros expanded, lists, tables, figures, cross-references with their numbers,
inline markup.

What a page cannot show is said in words, never dumped: a TikZ `latex-image` becomes its
`description` or "[figure: caption]", a Sage cell a note to run it in the book. The book
being read (its macros, numbering and names) is set once per import with `reading(document)`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: N817 - the usual name
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from app.bank.formats import pretext_images
from app.bank.formats.pretext_numbers import Numbering, names, type_name
from app.bank.formats.tex import Macro, expand, katex_macros, parse_definitions
from app.bank.formats.text import escape_markdown
from app.bank.formats.xml import XML_ID, Document, child, children, local, text_of

SAGE_NOTE = "*(a Sage cell in the book: run it there)*"
GENERATED_IMAGES = ("latex-image", "sageplot", "asymptote", "prefigure", "mermaid")
_LISTS = ("ol", "ul", "dl")
_ENVIRONMENTS = re.compile(r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.S)
_SKIPPED = ("title", "idx", "notation", "pg-code", "pg-macros", "macro-file", "caption",
            "shortdescription", "description", "creator", "index", "subtitle")
UNKNOWN_TARGET = "(see the book)"
INTERACTIVE_NOTE = "*(an interactive figure in the book: use it there)*"


@dataclass
class BookMarkup:
    """What rendering needs from the whole book: macros, numbers, names, parents."""

    macros: dict[str, Macro] = field(default_factory=dict)
    numbering: Numbering | None = None
    renamed: dict[str, str] = field(default_factory=dict)
    parents: dict[int, ET.Element] = field(default_factory=dict)

    @classmethod
    def of(cls, document: Document, components: set[str] | None = None) -> BookMarkup:
        docinfo = child(document.root, "docinfo")
        macros = child(docinfo, "macros") if docinfo is not None else None
        return cls(parse_definitions(text_of(macros)), Numbering(document.root, components),
                   names(document.root), document.parents)


_BOOK: ContextVar[BookMarkup | None] = ContextVar("pretext_book", default=None)
_PLAIN = BookMarkup()


def _book() -> BookMarkup:
    """The book being read, or none (no macros, no numbers) outside `reading`."""
    return _BOOK.get() or _PLAIN


@contextmanager
def reading(document: Document, components: set[str] | None = None) -> Iterator[BookMarkup]:
    """Render with this book's macros, numbers and names (the whole assembled document);
    `components`: the edition's versions (the publication file's `version/@include`)."""
    token = _BOOK.set(BookMarkup.of(document, components))
    try:
        yield _book()
    finally:
        _BOOK.reset(token)


def join(*parts: str) -> str:
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


# -- PreTeXt to Markdown ---------------------------------------------------------------------------

_CHARACTERS = {"ellipsis": "…", "ndash": "–", "mdash": "—", "lq": "“", "rq": "”",
               "lsq": "‘", "rsq": "’", "nbsp": " ", "copyright": "©", "degree": "°",
               "times": "×", "fillin": "\\_\\_\\_\\_", "var": "\\_\\_\\_\\_",
               "latex": "LaTeX", "tex": "TeX", "pretext": "PreTeXt", "webwork": "WeBWorK",
               "today": "", "trademark": "™", "registered": "®", "midpoint": "·",
               "swungdash": "⁓", "permille": "‰", "pilcrow": "¶", "section-mark": "§",
               "minus": "−", "obelus": "÷", "solidus": "⁄", "prime": "′", "dblprime": "″"}
_WRAP = {"em": "*", "alert": "**", "term": "**", "c": "`", "q": "“", "sq": "‘", "foreign": "*",
         "pubtitle": "*", "articletitle": "“", "kbd": "`", "tag": "`", "tage": "`", "attr": "`"}
_CLOSE = {"“": "”", "‘": "’"}
_UNITS = {"meter": "m", "second": "s", "foot": "ft", "inch": "in", "mile": "mi", "hour": "h",
          "minute": "min", "gram": "g", "pound": "lb", "liter": "L", "yard": "yd",
          "gallon": "gal", "degree": "°", "celsius": "°C", "fahrenheit": "°F", "day": "d",
          "year": "yr", "ounce": "oz", "newton": "N", "joule": "J", "watt": "W",
          "kilo": "k", "centi": "c", "milli": "m", "micro": "µ", "mega": "M", "giga": "G"}


def render_all(holder: ET.Element, name: str) -> str:
    return join(*(render(e) for e in children(holder, name)))


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
    return join(*blocks)


def _block(item: ET.Element) -> str:
    tag = local(item.tag)
    if tag == "p":
        return render_inline(item)
    if tag in ("me", "men"):
        return f"$${tex(item)}$$"
    if tag in ("md", "mdn"):
        return _display_rows(item)
    if tag in _LISTS:
        return _list(item)
    if tag in ("tabular", "table"):
        return join(_table(item), _caption(item))
    if tag == "figure":
        return join(render_children([c for c in item if local(c.tag) != "caption"]),
                    _caption(item))
    if tag in ("sage", "program", "console"):
        return SAGE_NOTE if tag == "sage" else _code(item)
    if tag in ("pre", "cd"):
        return _code(item)
    if tag in _SKIPPED:
        return ""
    if tag == "image":
        return _image(item)
    if tag == "interactive":
        return _interactive(item)
    return render(item) if len(item) else render_inline(item)


def render_inline(element: ET.Element | None) -> str:
    """Text with inline markup (`m`, `em`, `c`, `url`, ...) as Markdown; a list inside the
    paragraph (PreTeXt allows `ol` in a `p`) stays a list, in its own block."""
    if element is None:
        return ""
    blocks: list[str] = []
    parts = [escape_markdown(element.text or "")]
    for item in element:
        if local(item.tag) in _LISTS or local(item.tag) in ("cd", "pre"):
            blocks += [_words(parts), _block(item)]
            parts = []
        else:
            parts.append(_inline(item))
        parts.append(escape_markdown(item.tail or ""))
    return join(*blocks, _words(parts))


def _words(parts: list[str]) -> str:
    return " ".join("".join(parts).split())


def _inline(item: ET.Element) -> str:
    tag = local(item.tag)
    if tag == "m":
        maths = tex(item)
        if not maths.strip():  # the book's own empty `m` is dropped; a hole stays visible
            return "" if not len(item) else "$ $"
        return f"${maths}$"
    if tag in ("me", "men", "md", "mdn"):
        return _block(item)
    if tag in _CHARACTERS:
        return _CHARACTERS[tag]
    if tag in _WRAP:
        mark = _WRAP[tag]
        return f"{mark}{render_inline(item)}{_CLOSE.get(mark, mark)}"
    if tag == "url":
        href = item.get("href", "")
        label = render_inline(item) or escape_markdown(href)
        return f"[{label}]({href})" if href.startswith(("http://", "https://")) else label
    if tag == "xref":
        return _xref(item)
    if tag == "image":
        return _image(item)
    if tag == "quantity":
        return _quantity(item)
    if tag == "fn":
        return f" ({render_inline(item)})"
    if tag in ("angles", "dblbrackets"):
        return f"⟨{render_inline(item)}⟩"
    if tag == "sage":
        return SAGE_NOTE
    if tag == "interactive":
        return _interactive(item)
    if tag in _SKIPPED:
        return ""
    return render_inline(item)


# -- cross-references, figures, units ------------------------------------------------------------


def _xref(xref: ET.Element) -> str:
    """The reference as PreTeXt shows it: its own words (`<xref ref="f">Figure</xref>`) then the
    number, unless `text="custom"`; without words, "Figure 2.3.4"."""
    words = render_inline(xref)
    if not words:
        return escape_markdown(xref_text(xref))
    if xref.get("text") == "custom":
        return words
    global_text = ET.Element("xref", {**xref.attrib, "text": "global"})
    number = xref_text(global_text)
    known = _book().numbering
    numbered = known is not None and all(r in known.numbers for r in _refs(xref))
    return f"{words} {escape_markdown(number)}" if numbered else words


def _refs(xref: ET.Element) -> list[str]:
    if xref.get("first"):
        return [xref.get("first", ""), xref.get("last", "")]
    return (xref.get("ref") or "").replace(",", " ").split()


def xref_text(xref: ET.Element) -> str:
    """"Figure 2.3.4" for `<xref ref="fig-x"/>` as PreTeXt numbers it (several refs joined);
    a target with no number shows its title, one not in the book read a note."""
    book = _book()
    shown = []
    for ref in _refs(xref):
        numbering = book.numbering
        number = numbering.numbers.get(ref) if numbering else None
        if number and numbering:
            name = type_name(numbering.tags[ref], book.renamed)
            label = f"({number})" if numbering.tags[ref] in ("men", "mrow") else number
            shown.append(label if xref.get("text") == "global" else f"{name} {label}")
        else:
            shown.append(numbering.titles.get(ref, UNKNOWN_TARGET) if numbering else
                         UNKNOWN_TARGET)
    return (" to " if xref.get("first") else ", ").join(shown)


def _caption(item: ET.Element) -> str:
    """"*Figure 2.3.4.* The caption" under a figure or table."""
    caption = render_inline(child(item, "caption")) or render_inline(child(item, "title"))
    ident = item.get(XML_ID, "")
    numbering = _book().numbering
    number = numbering.numbers.get(ident) if numbering and ident else None
    name = type_name(local(item.tag), _book().renamed)
    label = f"*{name} {number}.*" if number else ""
    return " ".join(p for p in (label, caption) if p)


WEBWORK_GRAPH = "*(a graph WeBWorK draws, which is not in the book's source)*"
"""Where a WeBWorK problem shows a graph its pg-code draws: an exercise whose statement needs
it is skipped (`pretext.Book._webwork`); a solution keeps this note."""


def _image(image: ET.Element) -> str:
    """An image the page cannot draw (TikZ, Sage, Asymptote, PreFigure source) as its
    description, else "[figure: caption]"; an image file stays for the upload to provide."""
    generated = any(local(c.tag) in GENERATED_IMAGES for c in image)
    if not generated and image.get("source"):
        return pretext_images.markdown(image)
    if not generated and image.get("pg-name"):
        return WEBWORK_GRAPH
    described = render(child(image, "description")) or render_inline(
        child(image, "shortdescription"))
    if described:
        return f"[figure: {described}]"
    figure = _enclosing(image, "figure")
    caption = render_inline(child(figure, "caption")) if figure is not None else ""
    return f"[figure: {caption}]" if caption else "[figure]"


def _interactive(interactive: ET.Element) -> str:
    """An applet (JavaScript, GeoGebra, Desmos) as its `static` stand-in, else a note."""
    static = child(interactive, "static")
    return render(static) if static is not None and len(static) else INTERACTIVE_NOTE


def _enclosing(element: ET.Element, tag: str) -> ET.Element | None:
    parents = _book().parents
    node = parents.get(id(element))
    while node is not None and local(node.tag) != tag:
        node = parents.get(id(node))
    return node


def _quantity(quantity: ET.Element) -> str:
    """`<quantity><mag>5</mag><unit base="meter"/></quantity>` as "5 m"."""
    magnitude = text_of(child(quantity, "mag"))
    units = [_unit(u) for u in children(quantity, "unit")]
    per = [_unit(u) for u in children(quantity, "per")]
    shown = "·".join(units) + ("/" + "·".join(per) if per else "")
    return " ".join(p for p in (magnitude, shown) if p)


def _unit(unit: ET.Element) -> str:
    base = unit.get("base", "")
    symbol = _UNITS.get(unit.get("prefix", ""), "") + _UNITS.get(base, base)
    return symbol + (f"^{unit.get('exp')}" if unit.get("exp") else "")


def _code(item: ET.Element) -> str:
    lines = [text_of(c) for c in children(item, "cline")] or [text_of(child(item, "input")
                                                                     or item)]
    return "```\n" + "\n".join(lines).strip("\n") + "\n```"


def tex(element: ET.Element) -> str:
    """The TeX inside `m`/`me`/`mrow` with the book's macros expanded and `\\amp` as `&`;
    a `fillin` becomes a blank."""
    return expand(_tex(element), _book().macros)


def _tex(element: ET.Element) -> str:
    parts = [element.text or ""]
    for item in element:
        parts.append("\\underline{\\qquad}" if local(item.tag) == "fillin" else _tex(item))
        parts.append(item.tail or "")
    return " ".join("".join(parts).split())


def _display_rows(element: ET.Element) -> str:
    rows = [tex(r) for r in children(element, "mrow")] or [tex(element)]
    if len(rows) == 1 and "&" not in _ENVIRONMENTS.sub("", rows[0]):
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


def parse_macros(text: str) -> dict[str, str]:
    """`\\newcommand{\\R}{\\mathbb{R}}`, `\\def`, `\\DeclareMathOperator{\\sech}{sech}` as
    KaTeX's `macros` option (`{"\\R": "\\mathbb{R}"}`), for maths left unexpanded."""
    return katex_macros(parse_definitions(text))
