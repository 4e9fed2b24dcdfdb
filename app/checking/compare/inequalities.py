"""Inequalities: equal when they have the same solution set in the same variables.

One variable, polynomial or rational sides: the truth of a condition can only change at a
root of a numerator or denominator, so testing both conditions exactly at every such critical
point, between each pair and beyond the ends decides the question — much faster than SymPy's
`solveset`, which stays the fallback for other sides (|x| <= 3, log x > 0). Several variables:
the same truth value at every probe point (noted `numeric`).
"""

from __future__ import annotations

import sympy

from app.checking.grammar.values import Relation

from .equivalence import DIFFERENT, SAME, Outcome, evaluated
from .probes import sample_points

INEQUALITIES = {"<": sympy.StrictLessThan, "<=": sympy.LessThan, ">": sympy.StrictGreaterThan,
                ">=": sympy.GreaterThan}
MAX_DEGREE = 12
MAX_ABS = 3  # |u| terms read both ways: 2^3 polynomials at most
DOMAIN_SETS = {"positive": sympy.Interval.open(0, sympy.oo), "integer": sympy.S.Integers}


def condition(rel: Relation) -> sympy.Basic:
    """A chain `0 < x <= 1` as the SymPy condition And(0 < x, x <= 1)."""
    parts = [
        INEQUALITIES[op](evaluated(a), evaluated(b), evaluate=False)
        for op, a, b in zip(rel.ops, rel.operands, rel.operands[1:], strict=False)
    ]
    return sympy.And(*parts, evaluate=False) if len(parts) > 1 else parts[0]


FLIPPED = {">": "<", ">=": "<="}


def _as_written(rel: Relation) -> tuple:
    """A chain read left to right with < and <=, operands unevaluated: `x > -oo` is `-oo < x`,
    but `x < 2oo` is not `x < oo` and `-oo < x` is not `-oo <= x`."""
    ops, operands = rel.ops, rel.operands
    if all(op in FLIPPED for op in ops):
        ops, operands = tuple(FLIPPED[op] for op in reversed(ops)), tuple(reversed(operands))
    return ops, tuple(sympy.srepr(x) for x in operands)


def _has_infinity(rel: Relation) -> bool:
    return any(isinstance(x, sympy.Basic) and x.has(sympy.oo, -sympy.oo) for x in rel.operands)


def same_inequality(ref: Relation, resp: Relation, domain: str) -> Outcome:
    if any(op not in INEQUALITIES for op in resp.ops + ref.ops):
        return DIFFERENT
    if _has_infinity(ref) or _has_infinity(resp):
        return SAME if _as_written(ref) == _as_written(resp) else DIFFERENT
    ref_cond, resp_cond = condition(ref), condition(resp)
    if ref_cond == resp_cond:
        return SAME
    if ref_cond.free_symbols != resp_cond.free_symbols:
        return DIFFERENT  # `t > 1` does not answer a question about x
    symbols = ref_cond.free_symbols
    if len(symbols) != 1:
        return _same_truth_at_probes(ref_cond, resp_cond, symbols)
    (x,) = symbols
    decided = _same_by_critical_points(ref_cond, resp_cond, x, domain)
    if decided is None:
        decided = _same_by_solveset(ref_cond, resp_cond, x, domain)
    if decided is None:
        return _same_truth_at_probes(ref_cond, resp_cond, symbols)
    return SAME if decided else DIFFERENT


def _relations(cond: sympy.Basic) -> tuple:
    return cond.args if isinstance(cond, sympy.And) else (cond,)


def _without_abs(expr: sympy.Basic) -> tuple[list[sympy.Basic], list[sympy.Basic]]:
    """Each way of reading every |u| as u or -u, and the u themselves: the roots of all of
    them include every point where an expression with |u| can change sign."""
    inner = sorted({a.args[0] for a in expr.atoms(sympy.Abs)}, key=sympy.default_sort_key)
    if len(inner) > MAX_ABS:
        return [], []
    variants = [expr]
    for u in inner:
        variants = [v.xreplace({sympy.Abs(u): sign * u}) for v in variants for sign in (1, -1)]
    return variants, inner


def _roots(expr: sympy.Basic, x: sympy.Symbol) -> list[sympy.Basic] | None:
    """The real roots of a rational function's numerator and denominator."""
    roots: list[sympy.Basic] = []
    for part in sympy.fraction(sympy.together(expr)):
        if not part.has(x):
            continue
        if not part.is_polynomial(x):
            return None
        poly = sympy.Poly(part, x)
        if poly.degree() > MAX_DEGREE:
            return None
        roots += poly.real_roots()
    return roots


def _critical_points(cond: sympy.Basic, x: sympy.Symbol) -> list[sympy.Basic] | None:
    points: list[sympy.Basic] = []
    for rel in _relations(cond):
        difference = rel.lhs - rel.rhs
        if difference.has(sympy.oo, -sympy.oo):
            continue  # true or false for every finite x
        variants, inner = _without_abs(difference)
        if not variants:
            return None
        for expr in variants + inner:
            roots = _roots(expr, x)
            if roots is None:
                return None
            points += roots
    return points


def _test_points(points: list[sympy.Basic], domain: str) -> list[sympy.Basic]:
    if domain == "positive":
        points = [p for p in points if p > 0] + [sympy.Integer(0)]
    ordered = sorted(set(points), key=lambda p: float(p))
    if not ordered:
        return [sympy.Integer(1)]
    between = [(a + b) / 2 for a, b in zip(ordered, ordered[1:], strict=False)]
    tests = ordered + between + [ordered[0] - 1, ordered[-1] + 1]
    return [t for t in tests if domain != "positive" or t > 0]


def _same_by_critical_points(a: sympy.Basic, b: sympy.Basic, x: sympy.Symbol,
                             domain: str) -> bool | None:
    if domain == "integer":
        return None
    points_a, points_b = _critical_points(a, x), _critical_points(b, x)
    if points_a is None or points_b is None:
        return None
    for value in _test_points(points_a + points_b, domain):
        truth_a, truth_b = _point_truth(a, {x: value}), _point_truth(b, {x: value})
        if truth_a is None or truth_b is None:
            return None
        if truth_a != truth_b:
            return False
    return True


def _same_by_solveset(a: sympy.Basic, b: sympy.Basic, x: sympy.Symbol, domain: str) -> bool | None:
    real_x = sympy.Dummy(x.name, real=True)
    over = DOMAIN_SETS.get(domain, sympy.S.Reals)
    try:
        sets = [sympy.solveset(c.xreplace({x: real_x}), real_x, over) for c in (a, b)]
    except (NotImplementedError, ValueError, TypeError):
        return None
    return sets[0] == sets[1]


def _same_truth_at_probes(a: sympy.Basic, b: sympy.Basic, symbols: set) -> Outcome:
    for point in sample_points(symbols, "real"):
        truths = [_point_truth(c, point) for c in (a, b)]
        if None in truths:
            return Outcome(None, "undefined-at-probes")
        if truths[0] != truths[1]:
            return DIFFERENT
    return Outcome(True, "numeric")


def _point_truth(cond: sympy.Basic, point: dict) -> bool | None:
    try:
        value = cond.xreplace(point)
    except (TypeError, ValueError, ArithmeticError):
        return None
    return bool(value) if value in (sympy.true, sympy.false) else None
