"""Exercise ids of a PreTeXt book: stable across edits, distinct by case, and the ids earlier
imports gave, so a re-import keeps every learner's history.

An exercise's id is its `xml:id`, else `permid`, else `label`, as a slug. Two of them that differ
only in case or punctuation (Active Calculus has permids `MKi` and `MKI`, ORCCA labels
`a-times-a-number,-decreased-by-b` and `a-times-a-number-decreased-by-b`) would give one slug:
each that is not already that slug then carries a short hash of its exact text. An exercise
without any of the three is named after its nearest ancestor that has one and its place among
that ancestor's unnamed exercises of its kind (`sec-chain-exercise-2`), so adding an exercise
elsewhere renames nothing.

`Legacy` gives the ids of the rules before (up to commit 68e74b9): exercises of `<exercises>`
divisions only, unnamed ones numbered by one counter over the whole book, each `task` its own
exercise (`{id}-{label}`); importing renames those rows to the new ids.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: N817 - the usual name
from collections import defaultdict
from collections.abc import Callable

from app.bank.formats.text import digest, stable_id
from app.bank.formats.xml import XML_ID, children, local


def own(element: ET.Element) -> str | None:
    """The id the author gave the element, if any."""
    return element.get(XML_ID) or element.get("permid") or element.get("label")


class Ids:
    """The new id of every exercise-like element (`kinds`) of a book."""

    def __init__(self, body: ET.Element, kinds: tuple[str, ...], fallback: str) -> None:
        self.ids: dict[int, str] = {}
        named = [e for e in body.iter() if local(e.tag) in kinds and own(e)]
        slugs: dict[str, set[str]] = defaultdict(set)
        for element in named:
            slugs[stable_id(own(element) or "")].add(own(element) or "")
        for element in named:
            raw = own(element) or ""
            slug = stable_id(raw)
            clash = len(slugs[slug]) > 1 and raw != slug
            self.ids[id(element)] = f"{slug}-{digest(raw, 6)}" if clash else slug
        self._unnamed(body, kinds, stable_id(own(body) or fallback) or "book")

    def _unnamed(self, node: ET.Element, kinds: tuple[str, ...], anchor: str,
                 counts: dict[str, int] | None = None) -> None:
        counts = {} if counts is None else counts
        for item in node:
            name = own(item)
            if name:
                self._unnamed(item, kinds, stable_id(name))
                continue
            tag = local(item.tag)
            if tag in kinds:
                counts[tag] = counts.get(tag, 0) + 1
                self.ids[id(item)] = f"{anchor}-{tag}-{counts[tag]}"
            self._unnamed(item, kinds, anchor, counts)

    def __getitem__(self, element: ET.Element) -> str:
        return self.ids[id(element)]


class Legacy:
    """The raw ids the rules up to 68e74b9 gave the exercises of `<exercises>` divisions."""

    def __init__(self, body: ET.Element, topic: Callable[[ET.Element], str]) -> None:
        self.found: list[tuple[ET.Element, str]] = []
        self.counter = 0
        for division in body.iter():
            if local(division.tag) == "exercises":
                self._walk(division, topic(division))
        self.ids: dict[int, list[str]] = {}
        claimed: set[str] = set()
        for exercise, raw in self.found:  # the first exercise with an id kept it
            mine = [i if i not in claimed else "" for i in _old_ids(exercise, raw)]
            claimed.update(mine)
            self.ids[id(exercise)] = mine

    def _walk(self, container: ET.Element, topic: str) -> None:
        for item in container:
            tag = local(item.tag)
            if tag == "exercise":
                ident = own(item)
                if not ident:
                    self.counter += 1
                    ident = f"{topic}-ex-{self.counter}"
                self.found.append((item, ident))
            elif tag in ("exercisegroup", "subexercises"):
                self._walk(item, topic)

    def of(self, exercise: ET.Element) -> list[str]:
        """The ids the old rules gave: the exercise's, or one per leaf task, in order ("" for
        one another exercise had first, which was lost)."""
        return self.ids.get(id(exercise), [])


def _old_ids(exercise: ET.Element, raw: str) -> list[str]:
    """The exercise's id, or one per leaf task, in order."""
    tasks = children(exercise, "task")
    if not tasks:
        return [stable_id(raw)]
    out: list[str] = []
    for index, task in enumerate(tasks):
        label = task.get("label") or task.get(XML_ID) or chr(ord("a") + index % 26)
        out += _leaves(task, f"{raw}-{label}")
    return out


def _leaves(task: ET.Element, raw: str) -> list[str]:
    inner = children(task, "task")
    if not inner:
        return [stable_id(raw)]
    out: list[str] = []
    for index, sub in enumerate(inner):
        label = sub.get("label") or sub.get(XML_ID) or str(index + 1)
        out += _leaves(sub, f"{raw}-{label}")
    return out
