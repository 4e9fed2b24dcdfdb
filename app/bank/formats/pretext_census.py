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


def counted(activities: bool) -> tuple[str, ...]:
    """The tags that are exercises of a book."""
    return (EXERCISE, *ACTIVITIES) if activities else (EXERCISE,)


def census(root: ET.Element, activities: bool = False) -> Counter[str]:
    """The exercises of the assembled book, by tag (outermost ones only)."""
    tags = counted(activities)
    found: Counter[str] = Counter()
    pending = [(root, False)]
    while pending:
        node, inside = pending.pop()
        tag = local(node.tag)
        if tag in tags and not inside:
            found[tag] += 1
        pending += [(c, inside or tag in tags) for c in node]
    return found
