"""Text helpers every format shares: decoding, slugs and ids, maths delimiters, HTML to Markdown.

Uploads come from many tools and operating systems, so bytes are decoded in a fixed order (a
BOM wins, then strict UTF-8) and anything else is refused with the place of the first bad
byte, rather than guessed at. Imported HTML (Anki, Moodle) is first cleaned by nh3 (a
`<script>` and its content are dropped) and then turned into the Markdown Gyrus stores, whose
renderer escapes any HTML that is left: imported markup never reaches a page as markup.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import re
from html.parser import HTMLParser

import nh3

from app.bank.formats.model import ImportRefused

_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def decode(data: bytes, where: str = "") -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM, as text; else ImportRefused."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _newlines(data.decode(encoding))
            except UnicodeDecodeError as error:
                raise _not_text(data, error, encoding, where) from None
    try:
        return _newlines(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise _not_text(data, error, "UTF-8", where) from None


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _not_text(data: bytes, error: UnicodeDecodeError, encoding: str, where: str) -> ImportRefused:
    line = data[: error.start].count(b"\n") + 1
    return ImportRefused(
        f"not {encoding} text: byte 0x{data[error.start]:02x} at line {line} cannot be read. "
        "Save the file as UTF-8 (or UTF-16 with a byte order mark) and upload it again.", where)


# -- slugs and ids -------------------------------------------------------------------------------


def slugify(text: str, limit: int = 80) -> str:
    """`Stewart 8e §3.4` -> `stewart-8e-3-4`: lower case letters, digits and hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-")


def stable_id(raw: str) -> str:
    """An id from the file as a slug; ids that differ only in case or punctuation collide, and
    the caller reports that. Long ids keep a hash of the whole so they stay distinct."""
    slug = slugify(raw, limit=200)
    if len(slug) > 80:
        slug = slug[:70].rstrip("-") + "-" + digest(raw, 8)
    return slug


def digest(text: str, length: int = 12) -> str:
    """A short, stable hash (the id of an item whose file gives none)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]  # noqa: S324 - not security


# -- maths ---------------------------------------------------------------------------------------

_MATH_DELIMITERS = [
    (re.compile(r"\\\[(.+?)\\\]", re.S), "$$", "$$"),
    (re.compile(r"\[\$\$\](.+?)\[/\$\$\]", re.S), "$$", "$$"),
    (re.compile(r"\\\((.+?)\\\)", re.S), "$", "$"),
    (re.compile(r"\[\$\](.+?)\[/\$\]", re.S), "$", "$"),
    (re.compile(r"\[latex\](.+?)\[/latex\]", re.S), "$", "$"),
]


def convert_math(text: str) -> str:
    """MathJax `\\(..\\)`/`\\[..\\]` and Anki `[$]..[/$]` maths as Markdown `$..$`/`$$..$$`."""
    for pattern, left, right in _MATH_DELIMITERS:
        text = pattern.sub(lambda m, a=left, b=right: f"{a}{m.group(1).strip()}{b}", text)
    return text


_MD_SPECIAL = re.compile(r"([\\`*_\[\]$])")


def escape_markdown(text: str) -> str:
    """Plain text as Markdown that shows the same characters (a `$` is not maths)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


# -- HTML ----------------------------------------------------------------------------------------

_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>|&[a-zA-Z#0-9]+;")
KEEP_TAGS = {"b", "strong", "i", "em", "u", "br", "p", "div", "ul", "ol", "li", "code", "pre",
             "sub", "sup", "a", "img", "table", "tr", "td", "th", "tbody", "thead", "span"}
_MATH_IN_HTML = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]|\$\$(.+?)\$\$|\$(.+?)\$", re.S)


def looks_like_html(text: str) -> bool:
    return bool(_HTML_TAG.search(text))


def html_to_markdown(fragment: str) -> str:
    """Sanitised HTML (Anki, Moodle) as Markdown with `$` maths.

    Maths is lifted out first (its `<` and `&lt;` must survive as TeX), nh3 drops everything
    not in KEEP_TAGS (a `<script>` with its content), and the rest becomes Markdown.
    """
    maths: list[str] = []

    def lift(match: re.Match[str]) -> str:
        inline = match.group(1) or match.group(4)
        tex = html.unescape(inline if inline is not None else (match.group(2) or match.group(3)))
        maths.append(f"${tex.strip()}$" if inline is not None else f"$${tex.strip()}$$")
        return f"\ue000{len(maths) - 1}\ue001"

    lifted = _MATH_IN_HTML.sub(lift, convert_math(fragment))
    clean = nh3.clean(lifted, tags=KEEP_TAGS, attributes={"a": {"href"}, "img": {"alt"}},
                      url_schemes={"http", "https", "mailto"}, link_rel=None)
    converter = _ToMarkdown()
    converter.feed(clean)
    converter.close()
    text = re.sub(r"\n{3,}", "\n\n", converter.text()).strip()
    return re.sub("\ue000(\\d+)\ue001", lambda m: maths[int(m.group(1))], text)


class _ToMarkdown(HTMLParser):
    """The few tags KEEP_TAGS allows, as Markdown; text escaped so it stays text."""

    _INLINE = {"b": "**", "strong": "**", "i": "*", "em": "*", "code": "`"}
    _BLOCKS = {"p", "div", "table", "pre"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.lists: list[list[int]] = []  # per open list: [is_ordered, counter]
        self.href: str | None = None

    def text(self) -> str:
        return "".join(self.parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in self._INLINE:
            self.parts.append(self._INLINE[tag])
        elif tag in self._BLOCKS or tag == "tr":
            self.parts.append("\n\n" if tag != "tr" else "\n")
        elif tag == "br":
            self.parts.append("  \n")
        elif tag in ("ul", "ol"):
            self.lists.append([tag == "ol", 0])
            self.parts.append("\n")
        elif tag == "li":
            self._item()
        elif tag == "a":
            self.href = values.get("href")
            self.parts.append("[")
        elif tag == "img":
            self.parts.append(f"[image: {escape_markdown(values.get('alt') or 'not imported')}]")
        elif tag in ("td", "th"):
            self.parts.append(" | ")
        elif tag in ("sub", "sup"):
            self.parts.append("_" if tag == "sub" else "^")

    def _item(self) -> None:
        depth = max(len(self.lists) - 1, 0)
        if self.lists and self.lists[-1][0]:
            self.lists[-1][1] += 1
            self.parts.append(f"\n{'   ' * depth}{self.lists[-1][1]}. ")
        else:
            self.parts.append(f"\n{'  ' * depth}- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._INLINE:
            self.parts.append(self._INLINE[tag])
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self.parts.append("\n\n" if not self.lists else "")
        elif tag == "a":
            self.parts.append(f"]({self.href})" if self.href else "]")
            self.href = None

    def handle_data(self, data: str) -> None:
        pieces = re.split("(\ue000\\d+\ue001)", data)
        self.parts += [p if p.startswith("\ue000") else escape_markdown(p) for p in pieces]


def field_markdown(text: str) -> str:
    """A text field that may hold HTML (Anki, CSV): Markdown with `$` maths either way."""
    if looks_like_html(text):
        return html_to_markdown(text)
    return convert_math(text).strip()
