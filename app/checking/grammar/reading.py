"""What a response means once the answer type is known: labels, `x in S`, bare lists.

The grammar reads `y = 7` as an equation and `x \\in [0, 1]` as a membership; only the answer
type says whether the learner wrote an equation or put a label before the answer. Here, for a
type that is not itself an equation, a name before `=` or `in` is dropped (`k = 2/5` is 2/5,
`S = [0, 2)` the interval); for an inequality `x in [a, b]` is `a <= x <= b`; for an equation
`x in {1, 2}` is `x = 1, x = 2`; a set question takes solution tuples listed without braces.
"""

from __future__ import annotations

from collections.abc import Collection

import sympy

from .lexing import ParseError
from .values import Bracket, CommaList, Relation, SetLit

RELATION_TYPES = frozenset({"equation", "inequality"})


def as_expected(value: object, expect: str, variables: Collection[str] | None,
                text: str) -> object:
    """`value` as the answer type `expect` reads it; ParseError says what to type instead."""
    label = _label(value)
    if label is not None:
        value = _unlabel(value, label, expect)
        if label in _free_names(value) and variables is not None and label.name not in variables:
            listed = ", ".join(sorted(variables))
            raise ParseError(f"{label} is not a variable of this question"
                             + (f" (the variables here are {listed})" if listed else ""))
    if expect == "set":
        return _as_set(value, text)
    return value


def _label(value: object) -> sympy.Symbol | None:
    """The name before `=` or `in` in `y = 7` or `x in [0, 1]`, when it is one name."""
    if isinstance(value, Relation) and value.ops in (("=",), ("in",)):
        lhs = value.operands[0]
        if isinstance(lhs, sympy.Symbol):
            return lhs
        if value.ops == ("in",):
            raise ParseError("write one name before 'in', as in x in [0, 1]")
    return None


def _unlabel(value: Relation, label: sympy.Symbol, expect: str) -> object:
    rhs = value.operands[1]
    if value.ops == ("in",):
        if expect == "inequality":
            return _inequality(label, rhs)
        if expect == "equation" and isinstance(rhs, SetLit):
            return CommaList(tuple(Relation((label, x), ("=",)) for x in rhs.items))
        return rhs
    if expect in RELATION_TYPES or label in _free_names(rhs):
        return value  # an equation, as the question asks (or `x = x + 1`)
    return rhs


def _inequality(x: sympy.Symbol, rhs: object) -> Relation:
    """`x in (a, b]` -> `a < x <= b`; an infinite end drops out (`x in [1, oo)` -> `x >= 1`)."""
    if not (isinstance(rhs, Bracket) and len(rhs.items) == 2):
        raise ParseError("for an inequality, write x in (a, b] with one interval, or the "
                         "inequality itself, such as 0 < x <= 1")
    lo, hi = rhs.items
    left = "<" if rhs.open == "(" else "<="
    right = "<" if rhs.close == ")" else "<="
    low_open, high_open = _infinite(lo, -1), _infinite(hi, 1)
    if low_open and high_open:
        raise ParseError("x in (-oo, oo) is every number: there is no inequality to give")
    if low_open:
        return Relation((x, hi), (right,))
    if high_open:
        return Relation((lo, x), (left,))
    return Relation((lo, x, hi), (left, right))


def _infinite(end: object, sign: int) -> bool:
    return isinstance(end, sympy.Basic) and not end.free_symbols and end.doit() == sign * sympy.oo


def _as_set(value: object, text: str) -> object:
    """Solution tuples listed without braces are the set of them; bare numbers are refused with
    the braces shown, as they may be meant as a list."""
    if isinstance(value, CommaList) and all(
            isinstance(x, Bracket) and x.open == "(" and x.close == ")" for x in value.items):
        return SetLit(value.items)
    if isinstance(value, CommaList) or isinstance(value, sympy.Expr):
        raise ParseError(f"this question expects a set: type {{{text.strip()}}}")
    return value


def _free_names(node: object) -> set[sympy.Symbol]:
    if isinstance(node, sympy.Basic):
        return set(node.free_symbols)
    parts = getattr(node, "items", None) or getattr(node, "operands", None) or getattr(
        node, "parts", None) or ()
    found: set[sympy.Symbol] = set()
    for part in parts:
        found |= _free_names(part)
    return found
