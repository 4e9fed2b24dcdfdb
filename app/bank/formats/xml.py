"""Hostile-proof XML for PreTeXt and Moodle: defusedxml, no DTD, bounded depth, element paths.

defusedxml refuses entity declarations (billion laughs), external entities and DTDs outright,
so nothing in a file can make the parser fetch a URL or read a local file. Depth is bounded
while parsing, so a deeply nested file is refused before any recursive walk sees it. Every
element remembers its line, so a problem names `file:line` and its path.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: N817 - the usual name
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from app.bank.formats.model import ImportRefused

MAX_DEPTH = 100
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


@dataclass
class Document:
    """A parsed file: its root, the line of every element, and its name for messages."""

    name: str
    root: ET.Element
    lines: dict[int, int] = field(default_factory=dict)
    parents: dict[int, ET.Element] = field(default_factory=dict)
    files: dict[int, str] = field(default_factory=dict)
    """For a tree assembled from several files (xi:include): the file of each element."""

    def adopt(self, other: Document) -> None:
        """Take over the lines of an included file's elements (spliced in by the caller)."""
        self.lines.update(other.lines)
        self.files.update({key: other.name for key in other.lines})
        self.files.update(other.files)

    def reindex(self) -> None:
        """Recompute the parent map after the tree was changed."""
        self.parents = {id(c): p for p in self.root.iter() for c in p}

    def where(self, element: ET.Element) -> str:
        """`file:line /root/child[2]/... (xml:id x)`: enough to find the element."""
        line = self.lines.get(id(element))
        ident = element.get(XML_ID) or element.get("label")
        suffix = f" (id {ident})" if ident else ""
        name = self.files.get(id(element), self.name)
        return f"{name}:{line} {self.path(element)}{suffix}"

    def path(self, element: ET.Element) -> str:
        parts = []
        node: ET.Element | None = element
        while node is not None:
            parent = self.parents.get(id(node))
            tag = local(node.tag)
            if parent is not None:
                same = [c for c in parent if local(c.tag) == tag]
                if len(same) > 1:
                    tag += f"[{same.index(node) + 1}]"
            parts.append(tag)
            node = parent
        return "/" + "/".join(reversed(parts))


def local(tag: str | object) -> str:
    """`{namespace}name` -> `name`; comments and processing instructions -> ``."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


class _Builder(ET.TreeBuilder):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.parser: DefusedXMLParser | None = None
        self.lines: dict[int, int] = {}
        self.depth = 0

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:  # type: ignore[override]
        self.depth += 1
        line = self.parser.parser.CurrentLineNumber if self.parser else 0
        if self.depth > MAX_DEPTH:
            raise ImportRefused(f"elements are nested more than {MAX_DEPTH} deep",
                                f"{self.name}:{line}")
        element = super().start(tag, attrs)
        self.lines[id(element)] = line
        return element

    def end(self, tag: str) -> ET.Element:  # type: ignore[override]
        self.depth -= 1
        return super().end(tag)


def parse_xml(text: str, name: str) -> Document:
    """Parse text (already decoded) safely; ImportRefused names the line of a syntax error."""
    builder = _Builder(name)
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True,
                              forbid_external=True)
    builder.parser = parser
    try:
        parser.feed(_DECLARATION.sub("", text, count=1))
        root = parser.close()
    except DefusedXmlException as error:
        raise ImportRefused(f"refused: {type(error).__name__} (DTDs and entity declarations "
                            "are not accepted)", name) from None
    except ET.ParseError as error:
        line, column = error.position
        raise ImportRefused(f"not well-formed XML ({error})", f"{name}:{line}:{column}"
                            ) from None
    parents = {id(child): parent for parent in root.iter() for child in parent}
    return Document(name, root, builder.lines, parents)


def text_of(element: ET.Element | None) -> str:
    """All the text inside an element, tags dropped."""
    return "".join(element.itertext()).strip() if element is not None else ""


def child(element: ET.Element, name: str) -> ET.Element | None:
    """The first child with this local name (any namespace)."""
    return next((c for c in element if local(c.tag) == name), None)


def children(element: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in element if local(c.tag) == name]
