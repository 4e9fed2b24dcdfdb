"""When two scalar expressions (or equations) mean the same: the hybrid decision of DESIGN §3.

1. structural equality;
2. numeric probes at points chosen for the domain, which reject quickly;
3. exact symbolic confirmation under a time budget (cancel/expand, then trig/exp/log rewriting,
   then simplify), with the variables given the domain's assumptions;
4. if still unproven but every probe agreed to high precision: equal, with the note `numeric`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import product

import sympy

from .budget import OutOfTime, time_budget
from .probes import Point, close, sample_points, value_at
from .realvalue import complex_value_at, real_value_at, walkable

SYMBOLIC_BUDGET = 0.003  # seconds for exact confirmation; past it, agreeing probes decide
MIN_DEFINED_PROBES = 3

ASSUMPTIONS = {
    "real": {"real": True},
    "positive": {"positive": True},
    "integer": {"integer": True},
    "complex": {},
}


@dataclass(frozen=True)
class Outcome:
    """`equal` is True, False, or None (could not decide); `note` says how it was decided."""

    equal: bool | None
    note: str | None = None


SAME = Outcome(True)
DIFFERENT = Outcome(False)


def evaluated(expr: sympy.Basic) -> sympy.Basic:
    """The grammar builds with evaluate=False so that forms can be judged as written; compare
    the evaluated expression."""
    return expr.doit(deep=True) if isinstance(expr, sympy.Basic) else expr


def symbols_of(*exprs: sympy.Basic) -> set[sympy.Symbol]:
    found: set[sympy.Symbol] = set()
    for expr in exprs:
        found |= {s for s in expr.free_symbols if isinstance(s, sympy.Symbol)}
    return found


def with_assumptions(expr: sympy.Basic, domain: str) -> sympy.Basic:
    assumptions = ASSUMPTIONS[domain]
    if not assumptions:
        return expr
    # Symbols (not Dummies) with assumptions are cached by SymPy, and so is what it learns of them.
    return expr.xreplace({s: sympy.Symbol(s.name, **assumptions) for s in symbols_of(expr)})


BIG_POWER = 40  # expanding (x - a)^6000 would take minutes: prove such identities numerically


def _expands_badly(expr: sympy.Basic) -> bool:
    return any(
        isinstance(p, sympy.Pow) and p.exp.is_Integer and abs(p.exp) > BIG_POWER
        and not p.base.is_Atom
        for p in sympy.preorder_traversal(expr)
    )


def _is_zero_exactly(expr: sympy.Basic) -> bool:
    """Cheap rewritings first; each returns as soon as one shows a zero."""
    steps: list[Callable[[sympy.Basic], sympy.Basic]] = [
        sympy.expand,
        sympy.cancel,
        lambda e: sympy.expand(sympy.expand_log(sympy.powsimp(e, force=False), force=False)),
        lambda e: sympy.expand_trig(e).rewrite(sympy.exp).expand(),
        sympy.simplify,
    ]
    for step in steps:
        result = step(expr)
        if result == 0:
            return True
        if result.is_number and result.is_zero is False:
            return False
    return False


def confirm_zero(expr: sympy.Basic, domain: str, budget: float = SYMBOLIC_BUDGET) -> bool | None:
    """True when `expr` is exactly zero for the domain, None when the budget ran out or no
    rewriting showed it."""
    if expr == 0:
        return True
    if _expands_badly(expr):
        return None
    target = with_assumptions(expr, domain)
    try:
        with time_budget(budget):
            return True if _is_zero_exactly(target) else None
    except OutOfTime:
        return None
    except (ArithmeticError, ValueError, TypeError, AttributeError, NotImplementedError,
            RecursionError, sympy.PolynomialError):
        return None


def complex_value(expr: sympy.Basic, point: Point) -> object:
    """Principal complex values: the fast tree walk, or SymPy's evalf for unusual nodes."""
    return complex_value_at(expr, point) if walkable(expr) else value_at(expr, point)


def _evaluator(domain: str) -> Callable[[sympy.Basic, Point], object]:
    return complex_value if domain == "complex" else real_value_at


def probe_value(expr: sympy.Basic, point: Point, domain: str) -> object:
    """The value of `expr` at one probe point (`{}` for a number), as the check first
    evaluates it for the domain; None where it is undefined."""
    return _evaluator(domain)(expr, point) if point else complex_value(expr, point)


def _defined_pairs(a: sympy.Basic, b: sympy.Basic, points: list[Point], evaluate) -> list:
    pairs = ((evaluate(a, p), evaluate(b, p)) for p in points)
    return [(u, v) for u, v in pairs if u is not None and v is not None]


def probe_pairs(a: sympy.Basic, b: sympy.Basic, domain: str) -> list:
    """Values of a and b at the same points, where both are defined.

    Under a real domain a point counts only where both answers are real-valued; answers
    defined only for positive values (sqrt(x), log(x)) get positive probes too, and answers
    with a variable exponent on a negative base ((-1)^n) whole-number exponents; answers with
    no common real domain at all are compared by their complex values.
    """
    names = symbols_of(a, b)
    if not names:
        return _defined_pairs(a, b, [{}], complex_value)
    pairs = _defined_pairs(a, b, sample_points(names, domain), _evaluator(domain))
    if len(pairs) < MIN_DEFINED_PROBES and domain == "real":
        pairs += _defined_pairs(a, b, sample_points(names, "positive"), real_value_at)
    if len(pairs) < MIN_DEFINED_PROBES and domain == "real":
        pairs += _defined_pairs(a, b, _whole_exponent_points(a, b, names), real_value_at)
    if len(pairs) < MIN_DEFINED_PROBES:
        pairs = _defined_pairs(a, b, sample_points(names, domain), complex_value)
    return pairs


def _exponent_symbols(expr: sympy.Basic) -> set[sympy.Symbol]:
    return {s for p in sympy.preorder_traversal(expr) if isinstance(p, sympy.Pow)
            for s in p.exp.free_symbols if isinstance(s, sympy.Symbol)}


def _whole_exponent_points(a: sympy.Basic, b: sympy.Basic, names: set) -> list[Point]:
    """The real probes with whole numbers for the variables in exponents: (-1)^n has real
    values only at whole n, so `(-1)^n cos(x)^n` and `(-cos(x))^n` are compared there."""
    whole = _exponent_symbols(a) | _exponent_symbols(b)
    if not whole:
        return []
    integers = sample_points(whole, "integer")
    return [point | integers[index] for index, point in enumerate(sample_points(names, "real"))]


def _infinite(expr: sympy.Basic) -> bool:
    return expr.has(sympy.oo, -sympy.oo, sympy.zoo, sympy.nan)


def equivalent(a: sympy.Basic, b: sympy.Basic, domain: str = "real") -> Outcome:
    """Whether two scalar expressions are equal for every value of their variables."""
    if _infinite(a) or _infinite(b):
        return SAME if a == b else DIFFERENT  # infinities are equal only as written: 2oo, oo
    a, b = evaluated(a), evaluated(b)
    if a == b:
        return SAME
    if (a - b).is_Rational:  # exact numbers: 0.9999999999999999999999999 is not 1
        return DIFFERENT
    pairs = probe_pairs(a, b, domain)
    if not pairs:
        return Outcome(None, "undefined-at-probes")
    if any(not close(u, v) for u, v in pairs):
        return DIFFERENT
    if confirm_zero(a - b, domain):
        return SAME
    if domain == "real" and _breaks_a_power_law(a, b):
        return DIFFERENT
    return Outcome(True, "numeric")


POWER_LAW_VALUES = (sympy.Integer(-1), sympy.Integer(2), sympy.Rational(1, 2))
POWER_LAW_VARIABLES = 3  # every combination of the values: 27 points at most


def _breaks_a_power_law(a: sympy.Basic, b: sympy.Basic) -> bool:
    """Whether a and b differ at simple values where the laws of powers fail over the reals:
    (a^b)^c is a^(bc) at every generic probe, but ((-1)^2)^(1/2) = 1 and (-1)^1 = -1. Only
    for answers with a variable in an exponent, and up to three variables (bounded cost)."""
    names = sorted(symbols_of(a, b), key=lambda s: s.name)
    if len(names) > POWER_LAW_VARIABLES or not (_exponent_symbols(a) or _exponent_symbols(b)):
        return False
    points = [dict(zip(names, values, strict=True))
              for values in product(POWER_LAW_VALUES, repeat=len(names))]
    return any(not close(u, v) for u, v in _defined_pairs(a, b, points, real_value_at))


def proportional(a: sympy.Basic, b: sympy.Basic, domain: str) -> Outcome:
    """Whether a = k b for a constant k != 0 (equations rearranged or scaled, eigenvectors)."""
    a, b = evaluated(a), evaluated(b)
    pairs = probe_pairs(a, b, domain)
    if len(pairs) < (MIN_DEFINED_PROBES if symbols_of(a, b) else 1):
        return Outcome(None, "undefined-at-probes")
    if all(close(u, 0) for u, _ in pairs) != all(close(v, 0) for _, v in pairs):
        return DIFFERENT
    u0, v0 = max(pairs, key=lambda pair: abs(pair[1]))
    if not all(close(u * v0, v * u0) for u, v in pairs):
        return DIFFERENT
    if _constant_ratio(a, b, domain):
        return SAME
    # Unconfirmed: the ratio must also hold near zero, where a term such as (x - a)^5999 no
    # longer drowns the rest (y - (a-x)^5999 and y - (x-a)^5999 have ratio -1 at the probes).
    small = [{s: v / 16 for s, v in point.items()}
             for point in sample_points(symbols_of(a, b), domain)]
    near_zero = _defined_pairs(a, b, small, _evaluator(domain))
    if not all(close(u * v0, v * u0) for u, v in near_zero):
        return DIFFERENT
    return Outcome(True, "numeric")


def _constant_ratio(a: sympy.Basic, b: sympy.Basic, domain: str) -> bool:
    """Exact confirmation that a / b is a non-zero constant, within the symbolic budget."""
    if b == 0:
        return a == 0
    try:
        with time_budget(SYMBOLIC_BUDGET):
            ratio = sympy.cancel(with_assumptions(a / b, domain))
    except OutOfTime:
        return False
    return not ratio.free_symbols and ratio != 0


def equation_difference(lhs: sympy.Basic, rhs: sympy.Basic) -> sympy.Basic:
    """An equation as one expression equal to zero, with denominators cleared, so that
    `y = 1/x` and `x y = 1` are compared as the same curve."""
    numerator, _ = sympy.fraction(sympy.together(evaluated(lhs) - evaluated(rhs)))
    return numerator
