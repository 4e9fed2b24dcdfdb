"""The numbers PreTeXt gives divisions, blocks and equations, so an `xref` reads "Figure 2.3.4"
as in the book and not a bare "Figure".

PreTeXt's default numbering (the PreTeXt Guide, "Numbering Explained"; no publisher file
read): divisions are numbered by their place in the hierarchy (Chapter 4, Section 4.7,
Subsection 4.7.2; appendices A, B, ...; parts do not count). Blocks (theorems, definitions,
examples, figures, tables, inline exercises, activities, ...) run on one counter whose number
begins with the section's number (level 2 of a book, 1 of an article), counted across its
subsections. Elements of another edition (`component` not among the publication's versions)
are not counted. Exercises of an `exercises` division are numbered in it, after its number as a
division. Display equations with a number (`men`, an `mrow` of an `mdn`) have their own counter.
"""

from __future__ import annotations

import string
import xml.etree.ElementTree as ET  # noqa: N817 - the usual name
from collections.abc import Callable, Iterator

from app.bank.formats.xml import XML_ID, child, local, text_of

DIVISIONS = ("chapter", "section", "subsection", "subsubsection")
SPECIAL_DIVISIONS = ("exercises", "worksheet", "reading-questions", "references", "glossary",
                     "solutions")
BLOCKS = frozenset({
    "theorem", "corollary", "lemma", "algorithm", "proposition", "claim", "fact", "identity",
    "conjecture", "axiom", "principle", "heuristic", "hypothesis", "assumption", "definition",
    "example", "question", "problem", "remark", "convention", "note", "observation", "warning",
    "insight", "computation", "technology", "data", "exercise", "figure", "table", "listing",
    "list", "activity", "exploration", "investigation", "project"})
NAMES = {"men": "Equation", "mrow": "Equation", "subsubsection": "Subsubsection"}


def names(root: ET.Element) -> dict[str, str]:
    """Element names as the book shows them (`docinfo/rename`: "Preview Activity")."""
    docinfo = child(root, "docinfo")
    renamed = {}
    for item in docinfo.iter() if docinfo is not None else []:
        if local(item.tag) == "rename" and item.get("element") and text_of(item).strip():
            renamed[item.get("element", "")] = text_of(item).strip()
    return renamed


def type_name(tag: str, renamed: dict[str, str]) -> str:
    return renamed.get(tag) or NAMES.get(tag) or tag.replace("-", " ").capitalize()


class Numbering:
    """One walk of the book: the number of every element with an `xml:id`."""

    def __init__(self, root: ET.Element, components: set[str] | None = None) -> None:
        self.components = components
        self.numbers: dict[str, str] = {}
        self.tags: dict[str, str] = {}
        self.titles: dict[str, str] = {}
        body = next((c for c in root if local(c.tag) in ("book", "article")), root)
        self.block_level = 2 if local(body.tag) == "book" else 1
        self._division(body, [], {"block": 0, "equation": 0}, exercises=False)

    def _division(self, division: ET.Element, number: list[str], counter: dict[str, int],
                  exercises: bool) -> None:
        """Number the divisions, blocks and equations in `division` (at depth len(number))."""
        chapters = appendices = subdivisions = 0
        for item in division:
            tag = local(item.tag)
            if not self._included(item):
                continue
            if tag in ("part", "backmatter", "frontmatter"):
                self._division(item, number, counter, exercises)
                continue
            if tag == "chapter":
                chapters += 1
                label = str(chapters)
            elif tag == "appendix":
                appendices += 1
                label = string.ascii_uppercase[(appendices - 1) % 26]
            elif tag in DIVISIONS or tag in SPECIAL_DIVISIONS:
                subdivisions += 1
                label = str(subdivisions)
            else:
                self._content(item, number[:self.block_level], counter, exercises)
                continue
            inner = number + [label]
            self._remember(item, ".".join(inner))
            own = len(inner) <= self.block_level
            divisional = tag in ("exercises", "worksheet", "reading-questions")
            if divisional:
                self._exercises(item, inner)
            self._division(item, inner, {"block": 0, "equation": 0} if own else counter,
                           exercises or divisional)

    def _exercises(self, division: ET.Element, number: list[str]) -> None:
        """Divisional exercises: numbered in their division, after its number."""
        serial = 0
        for item in _iter_included(division, self._included):
            if local(item.tag) == "exercise" and item is not division:
                serial += 1
                self._remember(item, ".".join(number + [str(serial)]))

    def _content(self, element: ET.Element, structure: list[str], counter: dict[str, int],
                 exercises: bool, panel: list | None = None) -> None:
        """Blocks and equations inside a division's content, in document order. A figure in
        a figure is a panel, lettered after its figure's number ("2.3.4(b)"); `panel` holds
        that number and the panels counted so far."""
        tag = local(element.tag)
        if tag in BLOCKS and panel is not None:
            panel[1] += 1
            self._remember(element, f"{panel[0]}({string.ascii_lowercase[(panel[1] - 1) % 26]})")
        elif tag in BLOCKS and not (tag == "exercise" and exercises):
            counter["block"] += 1
            number = ".".join(structure + [str(counter["block"])])
            self._remember(element, number)
            if tag == "figure":
                panel = [number, 0]
        elif tag == "men" or (tag == "mrow" and element.get("number") == "yes"):
            counter["equation"] += 1
            self._remember(element, ".".join(structure + [str(counter["equation"])]))
        elif tag == "mdn":
            for row in element:
                if local(row.tag) == "mrow" and row.get("number") != "no":
                    counter["equation"] += 1
                    self._remember(row, ".".join(structure + [str(counter["equation"])]))
            return
        for item in element:
            if self._included(item):
                self._content(item, structure, counter, exercises, panel)

    def _included(self, item: ET.Element) -> bool:
        """Whether an element is in the edition read (`component` against the publication's
        `version include`); every element counts when the edition is not known."""
        component = item.get("component")
        return self.components is None or component is None or bool(
            set(component.split()) & self.components)

    def _remember(self, item: ET.Element, number: str) -> None:
        ident = item.get(XML_ID)
        if ident:
            self.numbers[ident] = number
            self.tags[ident] = local(item.tag)
            title = child(item, "title")
            if title is not None:
                self.titles[ident] = " ".join(text_of(title).split())


def _iter_included(element: ET.Element, included: Callable[[ET.Element], bool]
                   ) -> Iterator[ET.Element]:
    """`element.iter()` without the subtrees of excluded elements."""
    yield element
    for item in element:
        if included(item):
            yield from _iter_included(item, included)
