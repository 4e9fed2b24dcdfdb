"""Anki clozes: `{{c1::answer::hint}}` in a note's text, as the cards Anki makes of it.

A note makes one card per cloze number: that number's clozes become blanks (showing the hint
if there is one), every other cloze shows its answer. The answer ends at the first `}}` outside
braces, so `{{c1::\\frac{1}{2}}}` keeps its TeX whole (Anki itself needs a space there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BLANK = "\\_\\_\\_\\_\\_"
"""A blank in Markdown (escaped underscores: `[…]` could read as a link, `\\[…\\]` as maths)."""
_OPEN = re.compile(r"\{\{c(\d+)::")


@dataclass(frozen=True)
class Card:
    number: int
    prompt: str
    answers: list[str]
    """What each blank of this card hides, in order."""


@dataclass(frozen=True)
class _Cloze:
    start: int
    end: int
    number: int
    answer: str
    hint: str


def cards(text: str) -> list[Card]:
    """The cards of a note's text, by cloze number; [] when the text has no cloze."""
    numbers = sorted({int(m.group(1)) for m in _OPEN.finditer(text)})
    return [_card(text, n) for n in numbers] if _scan(text) else []


def _card(text: str, number: int) -> Card:
    answers: list[str] = []
    prompt = _render(text, number, answers)
    return Card(number, prompt, answers)


def _render(text: str, number: int, answers: list[str]) -> str:
    out, last = [], 0
    for found in _scan(text):
        out.append(text[last:found.start])
        hidden = found.number == number  # inside a blank, nested clozes show their answers
        inner = _render(found.answer, number, [] if hidden else answers)
        if hidden:
            answers.append(inner.strip())
            out.append(BLANK + (f" ({found.hint.strip()})" if found.hint.strip() else ""))
        else:
            out.append(inner)
        last = found.end
    out.append(text[last:])
    return "".join(out)


def _scan(text: str) -> list[_Cloze]:
    """The outermost clozes of `text`; an unclosed `{{c1::` is left as text."""
    found, position = [], 0
    while match := _OPEN.search(text, position):
        closed = _close(text, match.end())
        if closed is None:
            break
        end, separator = closed
        body_end = end - 2
        answer_end = separator if separator is not None else body_end
        hint = text[separator + 2:body_end] if separator is not None else ""
        found.append(_Cloze(match.start(), end, int(match.group(1)),
                            text[match.end():answer_end], hint))
        position = end
    return found


def _close(text: str, index: int) -> tuple[int, int | None] | None:
    """Where the cloze opened before `index` ends (just after its `}}`), and where its hint's
    `::` is, at brace depth 0."""
    depth, separator = 0, None
    while index < len(text):
        if text.startswith("}}", index) and depth == 0:
            return index + 2, separator
        char = text[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif text.startswith("::", index) and depth == 0 and separator is None:
            separator = index
            index += 1
        index += 1
    return None
