"""Numbas JME (answers, variable definitions, shown values) rewritten as Maxima text, so the
one translator (`maxima.Variables`) reads both STACK and Numbas into author-mode templates.

Only the spelling differs for what we accept: `random(1..9)` is `rand_with_step(1, 9, 1)`,
`random(1..9#2)` steps by 2, `random(-5..5 except 0)` is `rand_with_prohib(-5, 5, [0])`,
`random(a, b, c)` and `random([a, b, c])` pick one, `ln` is
Maxima's `log`, `<>` is `#`, and `{a}` (a value substituted into an answer) is `(a)`. JME's
`log` (base 10) and anything else without a Maxima spelling we translate is left for the
translator to refuse.
"""

from __future__ import annotations

import re

_EXCEPT = re.compile(r"random\(\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*except\s*(-?\d+|\[[^\[\]]*\])\s*\)")
_RANGE = re.compile(r"random\(\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*(?:#\s*(\d+)\s*)?\)")
_LIST = re.compile(r"random\(\s*\[([^\[\]()]*)\]\s*\)|random\(([^\[\]()]*,[^\[\]()]*)\)")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def to_maxima(text: str) -> str:
    """JME as Maxima text (nothing is evaluated)."""
    text = _EXCEPT.sub(lambda m: f"rand_with_prohib({m.group(1)}, {m.group(2)}, "
                                 f"{_listed(m.group(3))})", text)
    text = _RANGE.sub(lambda m: f"rand_with_step({m.group(1)}, {m.group(2)}, "
                                f"{m.group(3) or 1})", text)
    text = _LIST.sub(lambda m: f"rand([{m.group(1) or m.group(2)}])", text)
    text = text.replace("<>", "#").replace("{", "(").replace("}", ")")
    return _NAME.sub(_name, text)


def _listed(excluded: str) -> str:
    return excluded if excluded.startswith("[") else f"[{excluded}]"


def _name(match: re.Match[str]) -> str:
    return {"ln": "log", "log": "log10"}.get(match.group(), match.group())
