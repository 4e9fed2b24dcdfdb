"""Show how an answer was read, as LaTeX with visible multiplication.

The preview exists so a learner can see that `1/2x` was read as x/2 and `xy` as x·y before
checking; hence `\\cdot` everywhere and brackets exactly as written.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import sympy

from .values import Bracket, CommaList, MatrixLit, Relation, SetLit, Union

_RELATIONS = {"=": "=", "!=": r"\ne", "<": "<", "<=": r"\le", ">": ">", ">=": r"\ge",
              "in": r"\in"}
_OPENERS = {"(": r"\left(", "[": r"\left["}
_CLOSERS = {")": r"\right)", "]": r"\right]"}


def to_latex(value: object, decimals: tuple[str, ...] = ()) -> str:
    """LaTeX for any parsed node: a SymPy expression or matrix, or a container of them.

    `decimals` are the decimal literals as the learner wrote them: the grammar reads `0.25` as
    the exact 1/4, but the preview should still show 0.25, not a fraction they never typed.
    """
    if decimals:
        with sympy.evaluate(False):
            return to_latex(_map_leaves(value, _as_written(decimals)))
    if isinstance(value, sympy.MatrixBase):
        return _matrix([list(value.row(i)) for i in range(value.rows)])
    if isinstance(value, sympy.Basic):
        return sympy.latex(value, mul_symbol="dot")
    if isinstance(value, Relation):
        parts = [to_latex(value.operands[0])]
        for op, operand in zip(value.ops, value.operands[1:], strict=True):
            parts += [_RELATIONS[op], to_latex(operand)]
        return " ".join(parts)
    if isinstance(value, Bracket):
        return f"{_OPENERS[value.open]}{_join(value.items, ', ')}{_CLOSERS[value.close]}"
    if isinstance(value, SetLit):
        return rf"\left\{{{_join(value.items, ', ')}\right\}}"
    if isinstance(value, MatrixLit):
        return _matrix(value.rows)
    if isinstance(value, Union):
        return _join(value.parts, r" \cup ")
    if isinstance(value, CommaList):
        return _join(value.items, r",\ ")
    raise TypeError(f"cannot show {type(value).__name__} as LaTeX")


def _as_written(decimals: tuple[str, ...]) -> dict[sympy.Basic, sympy.Basic]:
    mapping: dict[sympy.Basic, sympy.Basic] = {}
    for text in decimals:
        exact = sympy.Rational(Fraction(Decimal(text)))
        if not exact.is_Integer:  # 4.0 would otherwise turn every 4 into 4.0
            written = sympy.Float(text, max(15, len(text)))
            mapping |= {exact: written, -exact: -written}
    return mapping


def _map_leaves(value: object, mapping: dict) -> object:
    """The same node with its SymPy parts rewritten (containers rebuilt around them)."""
    if isinstance(value, sympy.Basic) and not isinstance(value, sympy.MatrixBase):
        return value.xreplace(mapping)
    if isinstance(value, Relation):
        return Relation(tuple(_map_leaves(x, mapping) for x in value.operands), value.ops)
    if isinstance(value, (Bracket, SetLit, CommaList)):
        return replace(value, items=tuple(_map_leaves(x, mapping) for x in value.items))
    if isinstance(value, Union):
        return Union(tuple(_map_leaves(x, mapping) for x in value.parts))
    if isinstance(value, MatrixLit):
        return MatrixLit(tuple(tuple(_map_leaves(x, mapping) for x in row) for row in value.rows))
    return value


def _join(items: tuple, sep: str) -> str:
    return sep.join(to_latex(item) for item in items)


def _matrix(rows: list | tuple) -> str:
    body = r" \\ ".join(" & ".join(to_latex(x) for x in row) for row in rows)
    return rf"\begin{{pmatrix}} {body} \end{{pmatrix}}"
