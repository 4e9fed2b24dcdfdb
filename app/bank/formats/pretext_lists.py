"""PreTeXt exercises whose statement and answer are parallel lists (`<ol>` of questions, `<ol>`
of their answers, item by item) become parts (DESIGN §5), so each item can be checked on its
own instead of the whole list being self-graded.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET  # noqa: N817 - the usual name
from collections.abc import Callable
from typing import Any

from app.bank.formats.pretext_markup import render, render_inline
from app.bank.formats.xml import children, local

MIN_ITEMS, MAX_ITEMS = 2, 6


def list_parts(statement: ET.Element | None, answers: list[ET.Element],
               key: Callable[[ET.Element], dict[str, Any]]
               ) -> tuple[str, list[dict[str, Any]]] | None:
    """The stem (the statement without its list) and one part per item, when the statement
    holds one `ol` (directly or in a `p`) and the one answer one `ol` of as many items (2..6);
    `key` is the spec of one answer item. None otherwise, or when no item has a key."""
    if statement is None or len(answers) != 1:
        return None
    asked, given = _one_list(statement), _one_list(answers[0])
    if asked is None or given is None:
        return None
    questions, replies = children(asked, "li"), children(given, "li")
    if len(questions) != len(replies) or not MIN_ITEMS <= len(questions) <= MAX_ITEMS:
        return None
    parts = [{"id": chr(ord("a") + index), "prompt": _item(question), "answer": key(reply),
              "hints": [], "wrong": [], "solution": _item(reply)}
             for index, (question, reply) in enumerate(zip(questions, replies, strict=True))]
    if all(part["answer"].get("type") == "self" for part in parts):
        return None
    return render(_without(statement, asked)), parts


def _one_list(holder: ET.Element) -> ET.Element | None:
    """The holder's only `ol`, when it sits directly in the holder or in one of its `p`s."""
    lists = [e for e in holder.iter() if local(e.tag) in ("ol", "ul")]
    if len(lists) != 1 or local(lists[0].tag) != "ol":
        return None
    places = [holder, *(c for c in holder if local(c.tag) == "p")]
    return lists[0] if any(lists[0] in list(place) for place in places) else None


def _item(item: ET.Element) -> str:
    """One `li` as Markdown, as the list renderer reads it (paragraphs or inline text)."""
    return render(item) if len(item) and local(item[0].tag) == "p" else render_inline(item)


def _without(element: ET.Element, removed: ET.Element) -> ET.Element:
    """A shallow copy of `element` without `removed` (found at any depth); the text after the
    removed element is kept. The original tree, which other readers share, is not changed."""
    kept = ET.Element(element.tag, element.attrib)
    kept.text = element.text
    for item in element:
        if item is removed:
            if item.tail and len(kept):
                kept[-1] = copy.copy(kept[-1])
                kept[-1].tail = (kept[-1].tail or "") + item.tail
            elif item.tail:
                kept.text = (kept.text or "") + item.tail
        elif any(e is removed for e in item.iter()):
            kept.append(_without(item, removed))
        else:
            kept.append(item)
    return kept
