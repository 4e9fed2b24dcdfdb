"""A book's TeX made plain: its own macros expanded, PreTeXt's `\\amp` as `&`, and an answer's
TeX tidied so the grammar reads it as the book means it.

Books define macros in `docinfo` (`\\newcommand`, `\\renewcommand`, `\\def`,
`\\DeclareMathOperator`). KaTeX's `macros` option reads plain `#1` macros, but not optional
arguments, and the grammar that reads answers knows no book macros at all; so maths is expanded
once, at import, for both. Expansion is bounded (imported text is untrusted): a macro that
expands forever, or too much, is left as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_EXPANSIONS = 2000
MAX_LENGTH = 50_000
_NAME = re.compile(r"\\([A-Za-z]+|.)")
_AMP = re.compile(r"\\amp(?![A-Za-z])")
_ENDS_IN_NAME = re.compile(r"\\[A-Za-z]+$")


@dataclass(frozen=True)
class Macro:
    """`body` with `#1`..`#9` for its `arguments`; `default` is the optional first one's."""

    body: str
    arguments: int = 0
    default: str | None = None


_NEWCOMMAND = re.compile(r"\\(?:re|provide)?newcommand\*?\s*(?:\{\s*(\\[A-Za-z]+)\s*\}|"
                         r"(\\[A-Za-z]+))\s*(?:\[\s*(\d)\s*\])?\s*")
_DEF = re.compile(r"\\[gex]?def\s*(\\[A-Za-z]+)\s*((?:#\d)*)\s*")
_OPERATOR = re.compile(r"\\DeclareMathOperator(\*?)\s*(?:\{\s*(\\[A-Za-z]+)\s*\}|"
                       r"(\\[A-Za-z]+))\s*")


def parse_definitions(text: str) -> dict[str, Macro]:
    """The macros `text` defines, later definitions winning (`\\renewcommand`)."""
    text = re.sub(r"(?<!\\)%.*", "", text)
    found: list[tuple[int, str, Macro]] = []
    for match in _NEWCOMMAND.finditer(text):
        name = match.group(1) or match.group(2)
        start, default = match.end(), None
        if match.group(3) and text.startswith("[", start):
            close = text.find("]", start)
            default, start = text[start + 1:close], _skip_spaces(text, close + 1)
        body = braced(text, start)
        if body is not None:
            found.append((match.start(), name,
                          Macro(body, int(match.group(3) or 0), default)))
    for match in _DEF.finditer(text):
        body = braced(text, match.end())
        if body is not None:
            found.append((match.start(), match.group(1), Macro(body, match.group(2).count("#"))))
    for match in _OPERATOR.finditer(text):
        body = braced(text, match.end())
        if body is not None:
            star = "*" if match.group(1) else ""
            found.append((match.start(), match.group(2) or match.group(3),
                          Macro(f"\\operatorname{star}{{{body}}}")))
    return {name: macro for _, name, macro in sorted(found, key=lambda item: item[0])}


def katex_macros(macros: dict[str, Macro]) -> dict[str, str]:
    """The macros as KaTeX's `macros` option (`{"\\R": "\\mathbb{R}"}`), for any maths that
    reaches a page unexpanded. KaTeX reads `#1` arguments but not an optional one's default,
    so those are only expanded at import."""
    return {name: macro.body for name, macro in macros.items() if macro.default is None}


def braced(text: str, start: int) -> str | None:
    """The contents of the balanced `{...}` group that starts at `start`."""
    end = _group_end(text, start)
    return text[start + 1:end - 1] if end is not None else None


def _group_end(text: str, start: int) -> int | None:
    """The index after the `}` closing the group opened at `start`."""
    if start >= len(text) or text[start] != "{":
        return None
    depth, index = 0, start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return None


def _skip_spaces(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def expand(tex: str, macros: dict[str, Macro]) -> str:
    """`tex` with the book's macros expanded and `\\amp` as `&`. Bounded: past
    MAX_EXPANSIONS expansions or MAX_LENGTH characters, the macros stay as written."""
    if macros:
        tex = _expand(tex, macros)
    return _AMP.sub("&", tex)


def _expand(tex: str, macros: dict[str, Macro]) -> str:
    """Expand left to right, re-reading each expansion; past the bounds (a macro that
    expands forever, or too much) the text is returned as written."""
    original, index, done = tex, 0, 0
    while (match := _NAME.search(tex, index)) is not None:
        macro = macros.get(match.group(0))
        read = _arguments(tex, match.end(), macro) if macro else None
        if macro is None or read is None:
            index = match.end()
            continue
        values, end = read
        body = macro.body
        for number, value in enumerate(values, start=1):
            body = body.replace(f"#{number}", value)
        if tex[end:end + 1].isalpha() and _ENDS_IN_NAME.search(body):
            body += " "  # `\\perp` then `x` must not become the name `\\perpx`
        tex, index, done = tex[:match.start()] + body + tex[end:], match.start(), done + 1
        if done > MAX_EXPANSIONS or len(tex) > MAX_LENGTH:
            return original
    return tex


def _arguments(tex: str, index: int, macro: Macro) -> tuple[list[str], int] | None:
    """The macro's arguments read from `index`: a `{group}` or one token each."""
    values: list[str] = []
    wanted = macro.arguments
    if macro.default is not None:
        start = _skip_spaces(tex, index)
        if tex.startswith("[", start) and "]" in tex[start:]:
            close = tex.index("]", start)
            values.append(tex[start + 1:close])
            index = close + 1
        else:
            values.append(macro.default)
        wanted -= 1
    for _ in range(wanted):
        index = _skip_spaces(tex, index)
        if index >= len(tex):
            return None
        if tex[index] == "{":
            end = _group_end(tex, index)
            if end is None:
                return None
            values.append(tex[index + 1:end - 1])
            index = end
        else:
            token = _NAME.match(tex, index)
            end = token.end() if token else index + 1
            values.append(tex[index:end])
            index = end
    return values, index


# -- answers ---------------------------------------------------------------------------------------

_TRAILING = re.compile(r"(?:\s|\\[,;:!]|\\quad|\\text\{\s*[.,;]?\s*\}|[.,;])+$")
_BRACKETED_ARRAY = re.compile(
    r"\\left\s*([\[(])\s*\\begin\{array\}\s*\{[^{}]*\}(.*?)\\end\{array\}\s*\\right\s*[\])]",
    re.S)
_ENVIRONMENT = {"[": "bmatrix", "(": "pmatrix"}
_SYMBOL = r"(?:[A-Za-z]|\{?\\mathbf\s*\{?[A-Za-z]\}?\}?)"
_NAMED_MATRIX = re.compile(
    rf"^\s*(?:{_SYMBOL}|\\(?:widehat|hat|overline|bar)\{{\s*{_SYMBOL}\s*\}})"
    r"(?:\^\{?(?:T|-1|\\perp)\}?|_\{?\w+\}?)*\s*=\s*"
    r"(\\begin\{([bp])matrix\}(?:(?!\\begin).)*\\end\{\2matrix\})\s*$", re.S)
"""`A = [matrix]`, `\\widehat{\\mathbf x} = [vector]`: a name, then the matrix it is."""
_ASKED_DERIVATIVE = re.compile(r"^\s*[A-Za-z](?:_\{?\w+\}?)?'+\s*\([^()=]*\)\s*=\s*([^=<>]+)$")
"""`f'(x) = 2x`, `s'(1) = -16`: the derivative asked for, then its value."""
_ASKED_NUMBER = re.compile(r"^\s*\\(?:int|lim)_.*=\s*(-?[\d.]+|-?\\frac\{\d+\}\{\d+\})\s*$", re.S)
"""`\\int_2^5 (3x^2) \\, dx = -492`, `\\lim_{x \\to 2} f(x) = 3`: a definite value asked for."""


def answer_tex(tex: str) -> str:
    """An answer's TeX as the grammar reads it: `\\left[\\begin{array}{rr}..\\end{array}\\right]`
    as a `bmatrix` (else the grammar sees a bracket around a matrix), `A = \\begin{bmatrix}..`
    as the matrix (the name is the question's), `f'(x) = 2x` as `2x`, a definite integral or
    limit `= 5` as `5`, `\\lt`/`\\gt` as `<`/`>`,
    no sentence punctuation (`\\text{.}`, `.`, `,`) at the end, and `\\displaystyle` dropped."""
    tex = _BRACKETED_ARRAY.sub(
        lambda m: f"\\begin{{{_ENVIRONMENT[m.group(1)]}}}{m.group(2)}"
                  f"\\end{{{_ENVIRONMENT[m.group(1)]}}}", tex)
    tex = re.sub(r"\\\\\s*(\\end\{[bp]matrix\})", r"\1", tex)
    tex = _NAMED_MATRIX.sub(r"\1", tex)
    tex = _ASKED_DERIVATIVE.sub(r"\1", tex)
    tex = _ASKED_NUMBER.sub(r"\1", tex)
    tex = re.sub(r"\\lt(?![A-Za-z])", "<", tex)
    tex = re.sub(r"\\gt(?![A-Za-z])", ">", tex)
    tex = re.sub(r"\\(?:displaystyle|textstyle)(?![A-Za-z])", "", tex)
    return _TRAILING.sub("", tex).strip()


_APPROXIMATE = re.compile(r"\\approx\s*(-?\d*\.\d+)$")
APPROXIMATION_TOLERANCE = {"relative": 0.005}
"""An estimate's key ("D \\approx 2.336") accepts what rounds near it (2.34), not 2.3."""


def approximation(tex: str) -> str | None:
    """The decimal an answer ends in after `\\approx` (`k = 9.8/54 \\approx 0.1815`), the
    book's estimate; None unless the answer ends so."""
    match = _APPROXIMATE.search(tex.strip())
    return match.group(1) if match else None
