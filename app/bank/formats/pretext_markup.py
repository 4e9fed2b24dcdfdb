"""PreTeXt markup as Markdown with TeX maths for KaTeX: paragraphs, maths, lists, tables,
inline markup and the book's macros."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: N817 - the usual name

from app.bank.formats import pretext_images
from app.bank.formats.text import escape_markdown
from app.bank.formats.xml import child, children, local


def join(*parts: str) -> str:
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


# -- PreTeXt to Markdown ---------------------------------------------------------------------------

_CHARACTERS = {"ellipsis": "…", "ndash": "–", "mdash": "—", "lq": "“", "rq": "”",
               "lsq": "‘", "rsq": "’", "nbsp": " ", "copyright": "©", "degree": "°",
               "times": "×", "fillin": "\\_\\_\\_\\_", "var": "\\_\\_\\_\\_"}
_WRAP = {"em": "*", "alert": "**", "term": "**", "c": "`", "q": "“"}


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
        return f"$${_tex(item)}$$"
    if tag in ("md", "mdn"):
        return _display_rows(item)
    if tag in ("ol", "ul", "dl"):
        return _list(item)
    if tag in ("tabular", "table"):
        return _table(item)
    if tag in ("title", "idx", "notation", "pg-code"):
        return ""
    if tag == "image" and item.get("source"):
        return pretext_images.markdown(item)
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
        return pretext_images.markdown(item) if item.get("source") else "[image]"
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
