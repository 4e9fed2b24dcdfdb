"""Values a question's text shows (STACK `{@x@}`, Numbas `\\var{x}`), as variant templates.

Each shown expression becomes `{{name}}`: the parameter it names, or a derived parameter
holding the translated expression, which the sandbox evaluates and shows as LaTeX. Outside
maths the template is wrapped in maths. For a question that stays self-graded (`uses` None: it
has no parameters) the source itself is shown as a placeholder, so no text keeps a hole or raw
markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from app.bank.formats.maxima import Untranslatable, Variables
from app.bank.formats.text import html_to_markdown
from app.bank.variants import TEMPLATE

MATHS = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]|\$\$.*?\$\$|\$.*?\$", re.S)
PLOT = "<em>(a plot, not imported)</em>"
ANSWER_HERE = "Your answer:"
"""The prompt of a first part whose text all went to the stem (a part needs a prompt)."""


def placeholder(source: str) -> str:
    """The source of a value that is not computed, as TeX typewriter text."""
    return r"\mathtt{" + re.sub(r"[_{}%#&$^\\]", _escaped, source) + "}"


def unfilled(text: str) -> str:
    """Text whose parameters were dropped (its variant failed in the sandbox): each
    `{{name}}` shows the name instead of leaving a hole."""
    return TEMPLATE.sub(lambda m: placeholder(m.group(1)), text)


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    return {"^": r"\wedge ", "\\": r"\backslash "}.get(char, "\\" + char)


class CasText:
    """Fills the values a text shows. `pattern`'s first matching group is the source; a
    group named `text` only counts outside maths (Numbas's `{x}`: inside maths braces are
    TeX's). `rewrite` turns a source into Maxima (identity for STACK)."""

    def __init__(self, variables: Variables, uses: set[str] | None, pattern: re.Pattern[str],
                 rewrite: Callable[[str], str] = str) -> None:
        self.variables = variables
        self.uses = uses
        self.pattern = pattern
        self.rewrite = rewrite
        self.derived: dict[str, str] = {}

    def fill(self, html: str, strict: bool) -> str:
        """HTML with its values filled, as Markdown. `strict`: a value that cannot be shown
        raises Untranslatable (the text would have a hole)."""
        spans = [m.span() for m in MATHS.finditer(html)]

        def replace(match: re.Match[str]) -> str:
            inside = any(a <= match.start() < b for a, b in spans)
            if match.groupdict().get("text") is not None and inside:
                return match.group()
            source = next(g for g in match.groups() if g is not None).strip()
            if re.match(r"plot\s*\(", source):
                return PLOT
            tex = self._tex(source, strict)
            if inside:  # braced, as the value is a TeX group where it stands (`\frac{1}{@v@}`)
                grouped = html[match.start() - 1:match.start()] == "{" and \
                    html[match.end():match.end() + 1] == "}"
                return tex if grouped else "{" + tex + "}"
            touching = html[:match.start()].endswith(("\\)", "$"))
            return (" " if touching else "") + f"\\({tex}\\)"

        return html_to_markdown(self.pattern.sub(replace, html))

    def _tex(self, source: str, strict: bool) -> str:
        if self.uses is None and re.fullmatch(r"[A-Za-z]", source) \
                and source not in self.variables.current:
            return source  # a letter, not a variable
        if self.uses is not None:
            try:
                text, used = self.variables.expression(self.rewrite(source))
                return "{{" + self.derived_from(text, used) + "}}"
            except Untranslatable:
                if strict:
                    raise
        return placeholder(source)

    def need(self, used: set[str]) -> None:
        """The parameters an answer reads are drawn too."""
        assert self.uses is not None
        self.uses |= used

    def derived_from(self, text: str, used: set[str]) -> str:
        """The parameter showing a translated expression: the one it names, or a new one."""
        assert self.uses is not None
        self.uses |= used
        whole = re.fullmatch(r"\{\{(\w+)\}\}", text)
        if whole:
            return whole.group(1)
        if text not in self.derived:
            key = self.variables.derive(text, used)
            self.derived[text] = key
            self.uses.add(key)
        return self.derived[text]
