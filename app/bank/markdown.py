"""Markdown with maths, rendered to HTML that is safe to put on a page.

Exercise text comes from files and imports anyone may write, so the HTML is sanitised after
rendering: raw HTML in the Markdown is escaped by the renderer, and nh3 then keeps only the tags
and attributes below (a `<script>` never survives either step). Maths is not rendered here:
`$...$` becomes `<span class="math inline">` and `$$...$$` a `math display` element holding the
raw TeX (HTML-escaped), which KaTeX, served by the app, renders in the browser. An image is
kept only when its source is one of the app's own collection images (`images.OWN_IMAGE`):
nothing is loaded from another origin (DESIGN §6).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup, escape
from mdit_py_plugins.dollarmath import dollarmath_plugin

from app.bank.images import OWN_IMAGE

TAGS = {
    "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "h5", "h6", "a", "span", "div", "sub", "sup",
    "table", "thead", "tbody", "tr", "th", "td", "img",
}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "img": {"src", "alt", "title"}}
CLASSES = {"span": {"math", "inline", "display"}, "div": {"math", "display"}}
"""`class` is allowed only through CLASSES (nh3 refuses it in both); styles never."""
URL_SCHEMES = {"http", "https", "mailto"}
"""h1 is left out on purpose: the page owns its title."""


def _math(tag: str, kind: str) -> Any:
    def render(self: Any, tokens: list[Token], idx: int, options: OptionsDict,
               env: EnvType) -> str:
        tex = escape(tokens[idx].content.strip())
        return f'<{tag} class="math {kind}">{tex}</{tag}>' + ("\n" if tag == "div" else "")
    return render


def _renderer() -> MarkdownIt:
    """CommonMark plus tables and dollar maths; raw HTML off (it is shown as text)."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    dollarmath_plugin(md, allow_labels=False, allow_digits=False, double_inline=True)
    md.add_render_rule("math_inline", _math("span", "inline"))
    md.add_render_rule("math_inline_double", _math("span", "display"))  # inside a paragraph
    md.add_render_rule("math_block", _math("div", "display"))
    return md


_MD = _renderer()


def _own_images(tag: str, attribute: str, value: str) -> str | None:
    """An image's source survives only if it is one of the app's own collection images."""
    if tag == "img" and attribute == "src" and not OWN_IMAGE.fullmatch(value):
        return None
    return value


def sanitise(html: str) -> str:
    """Keep only the allowed tags, attributes, classes and URL schemes (and our own images)."""
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, allowed_classes=CLASSES,
                     url_schemes=URL_SCHEMES, link_rel="noopener noreferrer nofollow",
                     attribute_filter=_own_images)


@lru_cache(maxsize=2048)
def render_markdown(text: str) -> Markup:
    """Markdown (with `$` maths) as sanitised HTML, marked safe for Jinja2."""
    return Markup(sanitise(_MD.render(text or "")))  # noqa: S704 - sanitised just above
