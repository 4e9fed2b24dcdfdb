"""Numeric probes: evaluate expressions at sample points chosen for the answer's domain.

Probes reject a wrong answer quickly and cheaply. They run at high precision (mpmath through
SymPy's evalf) so that an answer that is merely close, like `0.99999999` for `1`, is told apart
from an equal one.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from functools import lru_cache

import mpmath
import sympy

PRECISION = 40  # decimal digits for every probe
TOLERANCE = mpmath.mpf(10) ** -25  # relative: far below any answer's meaningful difference
PROBE_COUNT = 7

Point = dict[sympy.Symbol, sympy.Expr]


def _real_value(rng: random.Random, low: float, high: float) -> sympy.Rational:
    """A 'generic' rational in [low, high]: never an integer or a simple fraction, so that
    coincidences like sin(pi x) = 0 or x^2 = x are not hit."""
    numerator = rng.randint(int(low * 9973), int(high * 9973))
    if numerator % 9973 == 0:
        numerator += 17
    return sympy.Rational(numerator, 9973)


def _value_for(domain: str, rng: random.Random, index: int) -> sympy.Expr:
    if domain == "positive":
        return _real_value(rng, 0.05, 3.0)
    if domain == "integer":
        return sympy.Integer(rng.choice([-7, -5, -3, -2, 2, 3, 4, 5, 6, 8, 11]))
    if domain == "complex" and index % 2 == 1:
        return _real_value(rng, -2.5, 2.5) + sympy.I * _real_value(rng, -2.5, 2.5)
    # Real probes alternate in sign so that |x| and x, or sqrt(x^2) and x, differ.
    value = _real_value(rng, 0.1, 2.9)
    return -value if index % 2 == 1 else value


def sample_points(
    symbols: Iterable[sympy.Symbol], domain: str, count: int = PROBE_COUNT
) -> list[Point]:
    """`count` points, the same for the same symbol names (checks are reproducible)."""
    ordered = tuple(sorted(symbols, key=lambda s: s.name))
    return [dict(point) for point in _points(ordered, domain, count)]


@lru_cache(maxsize=1024)
def _points(ordered: tuple[sympy.Symbol, ...], domain: str, count: int) -> tuple[tuple, ...]:
    """Cached: the same variables come back in every check of an exercise."""
    rngs = {s: random.Random(f"{s.name}/{domain}") for s in ordered}
    return tuple(
        tuple((s, _value_for(domain, rngs[s], index + position)) for position, s in
              enumerate(ordered))
        for index in range(count)
    )


def value_at(expr: sympy.Expr, point: Point) -> mpmath.mpc | None:
    """The value of `expr` at `point`, or None where it is undefined (a pole, 0/0, infinity)."""
    try:
        exact = expr.xreplace(point) if point else expr
        number = exact.evalf(PRECISION)
    except (ArithmeticError, ValueError, TypeError, AttributeError, RecursionError):
        return None
    if not number.is_number or number.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        return None
    real, imag = number.as_real_imag()
    if not (real.is_Number and imag.is_Number):
        return None
    with mpmath.workdps(PRECISION):
        return mpmath.mpc(mpmath.mpf(real), mpmath.mpf(imag))


def close(u: mpmath.mpc, v: mpmath.mpc, relative: mpmath.mpf = TOLERANCE) -> bool:
    """Equal to within `relative` of the larger magnitude (or absolutely, near zero)."""
    with mpmath.workdps(PRECISION):
        scale = max(mpmath.mpf(1), abs(u), abs(v))
        return abs(u - v) <= relative * scale
