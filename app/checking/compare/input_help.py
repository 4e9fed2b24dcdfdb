"""The input help under the Answer box: what to type, said from the answer spec alone.

A pure function of the spec (and of the reference as a learner would type it, for a computed
matrix's size): nothing is parsed or evaluated, so it is safe to call in the web process. The
reference's shape is read by counting brackets; its value is never shown.
"""

from __future__ import annotations

import re
import string

from app.checking.compare.spec import AnswerSpec
from app.checking.grammar.names import AUTHOR_OPS, CONSTANTS, FUNCTIONS

_FORMS = {
    "expanded": "expanded", "factored": "factored", "lowest_terms": "in lowest terms",
    "single_fraction": "as a single fraction",
}
_NAME = re.compile(r"(?<![A-Za-z_\\])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)?")
_NOT_VARIABLES = frozenset(FUNCTIONS) | frozenset(CONSTANTS) | AUTHOR_OPS | {"U", "T"}
_LETTERS = string.ascii_lowercase


def input_help(spec: AnswerSpec, reference_text: str | None = None) -> str:
    """One line saying what kind of answer the box expects and how to type it."""
    if spec.type in ("choice", "self"):
        return ""
    text = reference_text if reference_text is not None else _value_text(spec)
    variables = _variables(spec, text)
    parts = [_what(spec, text, variables)]
    parts += _conditions(spec)
    return "; ".join(p for p in parts if p) + "."


def _value_text(spec: AnswerSpec) -> str:
    value = spec.value
    return ", ".join(value) if isinstance(value, list) else (value or "")


def _variables(spec: AnswerSpec, text: str) -> list[str]:
    if spec.variables is not None:
        return list(spec.variables)
    if any(op + "(" in text for op in AUTHOR_OPS):  # diff(f, x): x is the variable of f too
        text = re.sub(r"\b(?:diff|integrate|limit)\(", "(", text)
    return sorted({m for m in _NAME.findall(text) if m not in _NOT_VARIABLES})


def _in(variables: list[str]) -> str:
    if not variables:
        return ""
    if len(variables) == 1:
        return f" in {variables[0]}"
    return f" in {', '.join(variables[:-1])} and {variables[-1]}"


def _what(spec: AnswerSpec, text: str, variables: list[str]) -> str:
    several = spec.type in ("expression", "number", "equation") and _top_level_items(text) > 1
    kind = spec.type
    if kind == "expression":
        if spec.compare in ("antiderivative", "up_to_constant"):
            return f"an expression{_in(variables)}; adding a constant (+ C) is fine"
        if several:
            return f"expressions{_in(variables)} separated by commas"
        return f"an expression{_in(variables)}, e.g. 2{variables[0] if variables else 'pi'} + 1"
    if kind == "number":
        return "numbers separated by commas, e.g. 2, -1/3" if several else _number(spec)
    if kind == "equation":
        example = "x = 2, x = -1" if several else "y = 2x + 1"
        head = "equations" if several else "an equation"
        return f"{head}{_in(variables)}, e.g. {example}"
    if kind == "inequality":
        return f"an inequality{_in(variables)}, e.g. x > 1 or 0 < x <= 1"
    if kind == "set":
        return "a set, e.g. {1, 2} ({} for the empty set)"
    if kind == "interval":
        return "an interval, e.g. (0, 1] or [2, oo); join intervals with U"
    if kind == "tuple":
        return _listed("a tuple", text, "(", ")")
    if kind == "vector":
        return _listed("a vector", text, "[", "]")
    if kind == "matrix":
        return _matrix(text)
    if kind == "span":
        if spec.compare == "basis":
            return "a basis: linearly independent vectors separated by commas, e.g. [1, 0], [0, 1]"
        return "vectors separated by commas, e.g. [1, 0, 1], [0, 1, 1]"
    return "a word or short phrase"


def _number(spec: AnswerSpec) -> str:
    tolerance = spec.tolerance
    if tolerance is not None and tolerance.decimals is not None:
        places = tolerance.decimals
        return f"a number to {places} decimal place{'s' if places != 1 else ''}, e.g. " \
               f"{'3.' + '14159265358979'[:places] if places else '3'}"
    if tolerance is not None and tolerance.sigfigs is not None:
        figures = tolerance.sigfigs
        return f"a number to {figures} significant figure{'s' if figures != 1 else ''}"
    if tolerance is not None:
        return "a number; a decimal is fine, e.g. 0.25"
    if spec.floats == "forbid":
        return "an exact number, e.g. 3/4, sqrt(2) or pi/3 (no decimals)"
    return "a number, e.g. 3/4 or sqrt(2)"


def _conditions(spec: AnswerSpec) -> list[str]:
    """What else the spec asks: a form, exactness, entries to so many places, an order."""
    out = []
    if spec.form in _FORMS:
        out.append(f"written {_FORMS[spec.form]}")
    structured = spec.type in ("tuple", "vector", "matrix", "set", "span", "interval")
    tolerance = spec.tolerance
    if structured and tolerance is not None and tolerance.decimals is not None:
        out.append(f"each entry to {tolerance.decimals} decimal places")
    elif structured and tolerance is not None and tolerance.sigfigs is not None:
        out.append(f"each entry to {tolerance.sigfigs} significant figures")
    if spec.floats == "forbid" and spec.type != "number":
        out.append("exact values, no decimals")
    if spec.compare == "up_to_scale":
        out.append("any non-zero multiple is fine")
    if spec.compare == "unordered":
        out.append("in any order")
    if spec.domain == "complex":
        out.append("i is the imaginary unit")
    if spec.forbid:
        out.append(f"without {', '.join(spec.forbid)}")
    return out


def _top_level_items(text: str) -> int:
    """How many comma-separated items `text` holds outside any bracket."""
    depth, items = 0, 1
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            items += 1
    return items


def _inner(text: str) -> str | None:
    """The text between the outer brackets when `text` is one bracketed literal, else None."""
    text = text.strip()
    if len(text) < 2 or text[0] not in "([" or text[-1] not in ")]":
        return None
    inner = text[1:-1]
    return inner if _balanced(inner) else None


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth < 0:
            return False
    return depth == 0


def _placeholders(count: int, offset: int = 0) -> list[str]:
    return [_LETTERS[(offset + k) % len(_LETTERS)] for k in range(count)]


def _listed(what: str, text: str, opening: str, closing: str) -> str:
    inner = _inner(text)
    if inner is None:
        return f"{what}, e.g. {opening}1, 2, 3{closing}"
    n = _top_level_items(inner)
    return f"{what} of {n} entries: {opening}{', '.join(_placeholders(n))}{closing}"


def _matrix(text: str) -> str:
    inner = _inner(text)
    rows = None
    if inner is not None:
        rows = [_inner(r) for r in _split_top(inner)]
    if not rows or any(r is None for r in rows):
        return "a matrix, row by row: [[a, b], [c, d]]"
    widths = {_top_level_items(r) for r in rows if r is not None}
    if len(widths) != 1:
        return "a matrix, row by row: [[a, b], [c, d]]"
    m, n = len(rows), widths.pop()
    if m * n > len(_LETTERS):
        return f"a {m}×{n} matrix, row by row: [[a, b, …], [c, d, …], …]"
    grid = ", ".join("[" + ", ".join(_placeholders(n, i * n)) + "]" for i in range(m))
    return f"a {m}×{n} matrix, row by row: [{grid}]"


def _split_top(text: str) -> list[str]:
    depth, start, out = 0, 0, []
    for k, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[start:k])
            start = k + 1
    return out + [text[start:]]
