"""Prompt snippets: the short text a list shows for an exercise (a pass, a summary, the study
list, Needs help), with its `$…$` maths kept whole so KaTeX can render it in the browser.

A pass item's snippet is its variant's prompt (rule 6: the parameters filled as the exercise page
shows them). Variants are made from author expressions, so `filled_snippets` is the task the
checker pool runs, one batch of pass items at a time, when the items are created; a list page
only reads the stored text. Without a variant (the study list, an item not filled yet) a
prompt's `{{name}}` templates show as the parameter's name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from app.bank.variants import TEMPLATE, VariantError, make_variant

LENGTH = 90
"""Characters of text (maths counted by its TeX) before a snippet is cut."""
MATH = re.compile(r"\$\$.+?\$\$|(?<!\\)\$(?:\\.|[^$\\])+?\$", re.S)
"""`$$…$$` or `$…$` (an escaped `\\$` is not a delimiter)."""
MARKUP = re.compile(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|`|^#+\s*")
"""Markdown emphasis, code ticks and heading marks, which a one-line snippet leaves out."""
IMAGE = re.compile(r"!\[(?:\\.|[^\]\\])*\]\([^)\s]*\)|\\\[image(?::(?:\\.|[^\\])*?)?\\\]")
"""A Markdown image (`![description](url)`), or one an import could not keep (`\\[image: …\\]`):
a one-line snippet says only `[image]`."""


def snippet(prompt: str, length: int = LENGTH) -> str:
    """The start of `prompt` on one line, cut between (never inside) maths, with "…" when cut."""
    text = IMAGE.sub("[image]", " ".join(prompt.split()))
    pieces: list[str] = []
    used = 0
    position = 0
    for piece, is_math in _pieces(text):
        if not is_math:
            piece = MARKUP.sub("", piece)
        if used + len(piece) <= length:
            pieces.append(piece)
            used += len(piece)
            position += 1
            continue
        if not is_math:  # cut the text at a word boundary
            room = piece[: max(0, length - used)]
            cut = room.rsplit(" ", 1)[0] if " " in room else room
            pieces.append(cut.rstrip())
        elif not pieces:  # a formula first and too long: it is the snippet
            pieces.append(piece)
        return "".join(pieces).rstrip(" ,;:") + "…"
    return "".join(pieces)


def _pieces(text: str) -> list[tuple[str, bool]]:
    """`text` split into (piece, is maths), in order."""
    found: list[tuple[str, bool]] = []
    end = 0
    for match in MATH.finditer(text):
        if match.start() > end:
            found.append((text[end:match.start()], False))
        found.append((match.group(0), True))
        end = match.end()
    if end < len(text):
        found.append((text[end:], False))
    return found


def unfilled_snippet(prompt: str) -> str:
    """The snippet of an exercise without a variant: each `{{name}}` shows as its name."""
    return snippet(TEMPLATE.sub(lambda m: m.group(1), prompt))


def filled_snippets(batch: Sequence[tuple[Mapping[str, Any], int]]) -> list[str]:
    """The snippets of a batch of (exercise dict, seed) pass items: each its variant's prompt.
    Runs in the checker pool (the variants evaluate author expressions). An exercise whose
    variant cannot be made gets its unfilled snippet, as its exercise page will say why."""
    snippets = []
    for exercise, seed in batch:
        try:
            snippets.append(snippet(make_variant(exercise, seed).prompt))
        except VariantError:
            snippets.append(unfilled_snippet(str(exercise["prompt"])))
    return snippets
