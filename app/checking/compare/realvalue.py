"""Evaluate an expression as a real function: every intermediate value must be real.

Under the real domain `sqrt(k/m) * sqrt(m/k)` is 1 wherever it is defined, although at
k/m < 0 the complex principal values multiply to -1. Comparing only at points where both
answers are real-valued (their natural real domain) matches what a learner means. A tree walk
with mpmath is also much faster than SymPy's evalf for the small trees answers are.
"""

from __future__ import annotations

from collections.abc import Callable

import mpmath
import sympy

from .probes import PRECISION, Point


class Undefined(Exception):
    """The expression has no real value at this point (outside its domain, or a pole)."""


def _positive(f: Callable) -> Callable:
    def g(x: mpmath.mpf) -> mpmath.mpf:
        if x <= 0:
            raise Undefined
        return f(x)
    return g


def _bounded(f: Callable, low: float, high: float, open_ends: bool = False) -> Callable:
    def g(x: mpmath.mpf) -> mpmath.mpf:
        if x < low or x > high or (open_ends and x in (low, high)):
            raise Undefined
        return f(x)
    return g


def _at_least_one(f: Callable) -> Callable:
    def g(x: mpmath.mpf) -> mpmath.mpf:
        if x < 1:
            raise Undefined
        return f(x)
    return g


def _gamma(x: mpmath.mpf) -> mpmath.mpf:
    if x <= 0 and x == mpmath.floor(x):
        raise Undefined
    return mpmath.gamma(x)


MAX_MAGNITUDE = 2**20  # log2 of the largest value probed: about 10^315000, then "undefined"


def _bounded_value(value: mpmath.mpf) -> mpmath.mpf:
    """Towers like x^x^x^x^x or exp(exp(exp(x))) would need unbounded memory to evaluate."""
    if value and mpmath.mag(value) > MAX_MAGNITUDE:
        raise Undefined
    return value


def _power(base: mpmath.mpf, exponent: mpmath.mpf, real: bool) -> mpmath.mpf:
    if base == 0 and mpmath.re(exponent) <= 0:
        raise Undefined
    if real and base < 0 and exponent != mpmath.floor(exponent):
        raise Undefined
    if base and abs(exponent) * abs(mpmath.log(abs(base))) > MAX_MAGNITUDE:
        raise Undefined
    return mpmath.power(base, exponent)


def _exp(x: mpmath.mpf) -> mpmath.mpf:
    if mpmath.re(x) > MAX_MAGNITUDE:
        raise Undefined
    return mpmath.exp(x)


FUNCTIONS: dict[type, Callable] = {
    sympy.sin: mpmath.sin, sympy.cos: mpmath.cos, sympy.tan: mpmath.tan,
    sympy.sec: mpmath.sec, sympy.csc: mpmath.csc, sympy.cot: mpmath.cot,
    sympy.asin: _bounded(mpmath.asin, -1, 1), sympy.acos: _bounded(mpmath.acos, -1, 1),
    sympy.atan: mpmath.atan, sympy.acot: mpmath.acot,
    sympy.sinh: mpmath.sinh, sympy.cosh: mpmath.cosh, sympy.tanh: mpmath.tanh,
    sympy.sech: mpmath.sech, sympy.csch: mpmath.csch, sympy.coth: mpmath.coth,
    sympy.asinh: mpmath.asinh, sympy.acosh: _at_least_one(mpmath.acosh),
    sympy.atanh: _bounded(mpmath.atanh, -1, 1, open_ends=True),
    sympy.exp: _exp, sympy.log: _positive(mpmath.log),
    sympy.Abs: abs, sympy.sign: mpmath.sign,
    sympy.floor: mpmath.floor, sympy.ceiling: mpmath.ceil,
    sympy.gamma: _gamma, sympy.factorial: lambda n: _gamma(n + 1),
}


COMPLEX_FUNCTIONS: dict[type, Callable] = FUNCTIONS | {
    sympy.asin: mpmath.asin, sympy.acos: mpmath.acos, sympy.acosh: mpmath.acosh,
    sympy.atanh: mpmath.atanh, sympy.log: mpmath.log, sympy.Abs: abs,
}


def _walk(expr: sympy.Basic, point: Point, real: bool = True) -> mpmath.mpf:
    if expr.is_Number:
        if expr.is_infinite or expr is sympy.nan or not expr.is_real:
            raise Undefined
        return mpmath.mpf(expr.p) / expr.q if expr.is_Rational else mpmath.mpf(expr._mpf_)
    if expr.is_Symbol:
        if expr not in point:
            raise Undefined
        value = point[expr]
        if isinstance(value, mpmath.mpf | mpmath.mpc):  # a number already (derivatives)
            return value
        return _walk(value, {}, real)
    if expr is sympy.pi:
        return +mpmath.pi
    if expr is sympy.E:
        return +mpmath.e
    if expr is sympy.I and not real:
        return mpmath.mpc(0, 1)
    args = [_walk(a, point, real) for a in expr.args]
    if isinstance(expr, sympy.Add):
        return _bounded_value(mpmath.fsum(args))
    if isinstance(expr, sympy.Mul):
        return _bounded_value(mpmath.fprod(args))
    if isinstance(expr, sympy.Pow):
        return _power(*args, real)
    if not real:
        return _complex_function(expr, args)
    if isinstance(expr, (sympy.Min, sympy.Max)):
        return min(args) if isinstance(expr, sympy.Min) else max(args)
    if isinstance(expr, sympy.binomial):
        n, k = args
        return _gamma(n + 1) / (_gamma(k + 1) * _gamma(n - k + 1))
    function = FUNCTIONS.get(type(expr))
    if function is None or len(args) != 1:
        raise Undefined
    return _bounded_value(function(args[0]))


def _complex_function(expr: sympy.Basic, args: list) -> mpmath.mpc:
    """Principal branches, as SymPy uses them."""
    function = COMPLEX_FUNCTIONS.get(type(expr))
    if function is None or len(args) != 1 or isinstance(expr, (sympy.floor, sympy.ceiling,
                                                                sympy.sign)):
        raise Undefined
    return function(args[0])


def real_value_at(expr: sympy.Basic, point: Point) -> mpmath.mpc | None:
    """The real value of `expr` at `point`, or None where it has none."""
    return _value(expr, point, real=True)


def complex_value_at(expr: sympy.Basic, point: Point) -> mpmath.mpc | None:
    """The principal complex value of `expr` at `point`, or None at a pole or overflow."""
    return _value(expr, point, real=False)


def walkable(expr: sympy.Basic) -> bool:
    """Whether every node is one this evaluator knows (else SymPy's evalf must do)."""
    known = (sympy.Number, sympy.Symbol, sympy.Add, sympy.Mul, sympy.Pow, sympy.Min, sympy.Max,
             sympy.binomial, *FUNCTIONS)
    return all(
        isinstance(node, known) or node in (sympy.pi, sympy.E, sympy.I)
        for node in sympy.preorder_traversal(expr)
    )


def _value(expr: sympy.Basic, point: Point, real: bool) -> mpmath.mpc | None:
    with mpmath.workdps(PRECISION):
        try:
            value = _walk(expr, point, real)
        except (Undefined, ZeroDivisionError, ValueError, OverflowError, TypeError, AttributeError):
            return None
        if not mpmath.isfinite(value):
            return None
        return mpmath.mpc(value)


def real_derivative_at(expr: sympy.Basic, x: sympy.Symbol, point: Point) -> mpmath.mpc | None:
    """d expr / dx at `point`, numerically (mpmath's high-precision differences): comparing
    antiderivatives this way avoids SymPy's symbolic `diff`, the slowest step of the check."""
    def f(t: mpmath.mpf) -> mpmath.mpf:
        return _walk(expr, {**point, x: t}, True)

    with mpmath.workdps(PRECISION):
        try:
            at = _walk(point[x], {}, True)
            value = mpmath.diff(f, at)
        except (Undefined, ZeroDivisionError, ValueError, OverflowError, TypeError,
                AttributeError):
            return None
        return mpmath.mpc(value) if mpmath.isfinite(value) else None
