"""Forms: properties of the response *as written* (the grammar keeps the unevaluated tree),
beyond being equal to the reference. Each returns None when the form holds, else a message."""

from __future__ import annotations

import sympy

from .equivalence import evaluated
from .values import Relation, SetLit


def _factors(expr: sympy.Basic) -> list[sympy.Basic]:
    """The written factors of a product, with unary minus and nested products flattened."""
    if isinstance(expr, sympy.Mul):
        return [f for arg in expr.args for f in _factors(arg)]
    return [expr]


def _divisions(expr: sympy.Basic) -> list[sympy.Pow]:
    return [p for p in sympy.preorder_traversal(expr)
            if isinstance(p, sympy.Pow) and p.exp.is_number and p.exp.is_negative]


def expanded(expr: sympy.Basic) -> str | None:
    value = evaluated(expr)
    if sympy.expand(value) == value:
        return None
    return "Your answer is equivalent, but it is not expanded: multiply out every bracket."


def _irreducible(base: sympy.Basic) -> bool:
    """A number, a non-polynomial function, or a polynomial that does not factor over the
    rationals and has no whole-number common factor (`x + 1/2` is fine, `2x - 6` is not)."""
    value = evaluated(base)
    if value.is_number:
        return True
    if not value.is_polynomial():
        return not isinstance(value, sympy.Add)
    coefficient, factors = sympy.factor_list(value)
    whole = coefficient.is_Rational and abs(coefficient.p) == 1
    return whole and len(factors) == 1 and factors[0][1] == 1


def factored(expr: sympy.Basic) -> str | None:
    """Fully factored over the rationals: each written factor (or the base of a power of it)
    is a number or an irreducible polynomial."""
    for factor in _factors(expr):
        base = factor
        if isinstance(factor, sympy.Pow) and factor.exp.is_Integer and factor.exp > 0:
            base = factor.base
        if not _irreducible(base):
            return "Your answer is equivalent, but it is not fully factored."
    return None


def lowest_terms(expr: sympy.Basic) -> str | None:
    """No written fraction shares a factor between its numerator and denominator."""
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Mul):
            numerator, denominator = _split_fraction(node)
            if denominator != 1 and sympy.gcd(evaluated(numerator), evaluated(denominator)) != 1:
                return "Your answer is equivalent, but the fraction is not in lowest terms."
    return None


def _split_fraction(mul: sympy.Mul) -> tuple[sympy.Basic, sympy.Basic]:
    top, bottom = [], []
    for factor in _factors(mul):
        if isinstance(factor, sympy.Pow) and factor.exp.is_number and factor.exp.is_negative:
            bottom.append(sympy.Pow(factor.base, -factor.exp))
        else:
            top.append(factor)
    return sympy.Mul(*top), sympy.Mul(*bottom)


def single_fraction(expr: sympy.Basic) -> str | None:
    """One numerator over one denominator, neither holding a fraction of its own."""
    numerator, denominator = (
        _split_fraction(expr) if isinstance(expr, sympy.Mul) else (expr, sympy.Integer(1))
    )
    if isinstance(expr, sympy.Pow) and expr.exp.is_negative:
        numerator, denominator = sympy.Integer(1), sympy.Pow(expr.base, -expr.exp)
    if _divisions(numerator) or _divisions(denominator):
        return "Your answer is equivalent, but it is not written as a single fraction."
    return None


def literal_key(node: object) -> object:
    """A key equal for two answers that differ only by the order and grouping of + and *
    (and the sides of an equation, the order of a set): STACK's EqualComAss."""
    if isinstance(node, sympy.Basic):
        return _tree_key(node)
    if isinstance(node, Relation):
        keys = [literal_key(x) for x in node.operands]
        if node.ops == ("=",):
            return ("=", tuple(sorted(keys, key=repr)))
        return ("rel", node.ops, tuple(keys))
    if isinstance(node, SetLit):
        return ("set", tuple(sorted((literal_key(x) for x in node.items), key=repr)))
    if isinstance(node, tuple):
        return ("seq", tuple(literal_key(x) for x in node))
    return repr(node)


def _tree_key(expr: sympy.Basic) -> object:
    if isinstance(expr, sympy.exp):
        return _tree_key(sympy.Pow(sympy.E, expr.args[0], evaluate=False))
    if isinstance(expr, sympy.Mul) and len(expr.args) == 2 and expr.args[0] == -1 and (
        expr.args[1].is_Number
    ):
        return sympy.srepr(-expr.args[1])  # `-1` written as a unary minus or as a literal
    if isinstance(expr, (sympy.Add, sympy.Mul)):
        flat: list[object] = []
        for arg in expr.args:
            key = _tree_key(arg)
            if isinstance(key, tuple) and key[0] == expr.func.__name__:
                flat.extend(key[1])
            else:
                flat.append(key)
        return (expr.func.__name__, tuple(sorted(flat, key=repr)))
    if expr.args:
        return (expr.func.__name__, tuple(_tree_key(a) for a in expr.args))
    return sympy.srepr(expr)


FORMS = {
    "expanded": expanded,
    "factored": factored,
    "lowest_terms": lowest_terms,
    "single_fraction": single_fraction,
}
