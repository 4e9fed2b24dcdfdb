"""How many exercises a PreTeXt book holds, counted apart from the reader, as its check.

Every `exercise` counts once (in an `<exercises>` division, inline in a section, in a reading
questions division, with a WeBWorK problem or not), and so do `activity`, `project`,
`exploration` and `investigation` when activities are read; an element inside another that
counts is part of it (a task, an exercise inside an activity), not one more.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: N817 - the usual name
from collections import Counter

from app.bank.formats.xml import local

EXERCISE = "exercise"
ACTIVITIES = ("activity", "project", "exploration", "investigation")
SERVER = "webwork-server"


def counted(activities: bool) -> tuple[str, ...]:
    """The tags that are exercises of a book."""
    return (EXERCISE, *ACTIVITIES) if activities else (EXERCISE,)


def held(found: Counter[str]) -> int:
    """The exercises a census says the book holds with their text."""
    return sum(count for kind, count in found.items() if kind != SERVER)


def census(root: ET.Element, activities: bool = False) -> Counter[str]:
    """The exercises of the assembled book by tag (outermost ones only), server-kept WeBWorK
    problems apart."""
    tags = counted(activities)
    found: Counter[str] = Counter()
    pending = [(root, False)]
    while pending:
        node, inside = pending.pop()
        tag = local(node.tag)
        if tag in tags and not inside:
            found[SERVER if _on_server(node) else tag] += 1
        pending += [(c, inside or tag in tags) for c in node]
    return found


def _on_server(exercise: ET.Element) -> bool:
    return any(local(c.tag) == "webwork" and c.get("source") for c in exercise)
