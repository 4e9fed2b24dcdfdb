"""Forms: properties of the response *as written* (the grammar keeps the unevaluated tree),
beyond being equal to the reference. Each returns None when the form holds, else a message."""

from __future__ import annotations

import sympy

from app.checking.grammar.values import Relation, SetLit

from .equivalence import evaluated


def _factors(expr: sympy.Basic) -> list[sympy.Basic]:
    """The written factors of a product, with unary minus and nested products flattened."""
    if isinstance(expr, sympy.Mul):
        return [f for arg in expr.args for f in _factors(arg)]
    return [expr]


def _divisions(expr: sympy.Basic) -> list[sympy.Pow]:
    return [p for p in sympy.preorder_traversal(expr)
            if isinstance(p, sympy.Pow) and p.exp.is_number and p.exp.is_negative]


def _multiplies_a_sum(node: sympy.Basic) -> bool:
    factors = [f for f in _factors(node) if f != -1]
    return len(factors) > 1 and any(isinstance(f, sympy.Add) for f in factors)


def expanded(expr: sympy.Basic) -> str | None:
    """No product with a sum and no whole power of a sum is left, as written: `2(x - 1)` is
    not expanded even though SymPy would distribute the 2 on its own."""
    for node in sympy.preorder_traversal(expr):
        power_of_sum = (isinstance(node, sympy.Pow) and isinstance(node.base, sympy.Add)
                        and node.exp.is_Integer and node.exp > 1)
        if power_of_sum or (isinstance(node, sympy.Mul) and _multiplies_a_sum(node)):
            return "Your answer is equivalent, but it is not expanded: multiply out every bracket."
    return None


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
    if isinstance(expr, sympy.exp) and len(expr.args) == 1:  # exp(x) is e^x as written
        return ("Pow", (sympy.srepr(sympy.E), _tree_key(expr.args[0])))
    if isinstance(expr, sympy.Mul):
        negations, factors = _signed_factors(expr)
        return ("Mul", negations, tuple(sorted(factors, key=repr)))
    if isinstance(expr, sympy.Add):
        flat: list[object] = []
        for arg in expr.args:
            key = _tree_key(arg)
            flat.extend(key[1] if isinstance(key, tuple) and key[0] == "Add" else [key])
        return ("Add", tuple(sorted(flat, key=repr)))
    if expr.args:
        return (expr.func.__name__, tuple(_tree_key(a) for a in expr.args))
    return sympy.srepr(expr)


def _signed_factors(expr: sympy.Basic) -> tuple[int, list[object]]:
    """A product's factors, nested products flattened, and how many minus signs it holds:
    `-1*2` and `-(1*2)` agree, `(-x)(-x)` and `x x` do not."""
    if isinstance(expr, sympy.Mul):
        args = expr.args
        if len(args) == 2 and args[0] == -1 and not args[1].is_Number:  # a unary minus
            negations, factors = _signed_factors(args[1])
            return negations + 1, factors
        negations, factors = 0, []
        for arg in args:
            n, f = _signed_factors(arg)
            negations, factors = negations + n, factors + f
        return negations, factors
    if expr.is_Number and expr.is_negative:
        return 1, [_tree_key(-expr)]
    return 0, [_tree_key(expr)]


def form_message(form: str, value: object) -> str | None:
    """None when `value` has the form, else what to tell the learner."""
    if not isinstance(value, sympy.Basic):
        return f"This answer cannot be checked for the {form.replace('_', ' ')} form."
    return FORMS[form](value)


FORMS = {
    "expanded": expanded,
    "factored": factored,
    "lowest_terms": lowest_terms,
    "single_fraction": single_fraction,
}
