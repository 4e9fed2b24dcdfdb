"""Antiderivatives (`compare: antiderivative` and `up_to_constant`).

A response is an antiderivative of the reference when their derivatives in the variable of
integration agree; comparing derivatives rather than differences accepts answers that differ
by a different constant on each interval (`atan((x-2)/(x-1))` and `atan(2x-3)`). Besides:
- a new symbol in the response must be an arbitrary constant: it enters linearly (`+ 3c`) or
  through a reparametrisation (`ln(k x)`, `atan(1/a)`), never as `c^2`;
- with `antiderivative` the response shows exactly one such constant;
- logarithms: where the reference writes ln|u|, so must the response; where it does not, the
  response may, but consistently.
"""

from __future__ import annotations

import mpmath
import sympy

from .budget import OutOfTime, time_budget
from .equivalence import (
    DIFFERENT,
    MIN_DEFINED_PROBES,
    SAME,
    SYMBOLIC_BUDGET,
    Outcome,
    confirm_zero,
    equivalent,
    evaluated,
    symbols_of,
)
from .probes import close, sample_points
from .realvalue import real_derivative_at, real_value_at

# The variable of integration, when the spec does not name exactly one variable.
INTEGRATION_NAMES = ("x", "t", "s", "u", "v", "y", "z", "theta", "r", "w")


def integration_variable(variables: list[str] | None, ref: sympy.Basic) -> sympy.Symbol | None:
    names = {s.name: s for s in symbols_of(ref)}
    if variables and len(variables) == 1:
        return sympy.Symbol(variables[0])
    for name in INTEGRATION_NAMES:
        if name in names:
            return names[name]
    return names[min(names)] if names else None


def _real(expr: sympy.Basic) -> tuple[sympy.Basic, dict]:
    """Real symbols, so that d|x|/dx is sign(x) rather than a complex-analysis formula."""
    mapping = {s: sympy.Symbol(s.name, real=True) for s in symbols_of(expr)}
    return expr.xreplace(mapping), mapping


def _free_of(g: sympy.Basic, x: sympy.Symbol) -> bool:
    """Whether g's value does not change with x (others held at one generic value)."""
    others = symbols_of(g) - {x}
    fixed = sample_points(others, "positive", count=1)[0] if others else {}
    values = [real_value_at(g.xreplace(fixed), p) for p in sample_points({x}, "real")]
    values = [v for v in values if v is not None]
    return len(values) >= 2 and all(close(v, values[0]) for v in values)


def is_constant(expr: sympy.Basic, c: sympy.Symbol, x: sympy.Symbol) -> bool:
    """Whether c acts as an arbitrary constant of integration in expr."""
    g = sympy.diff(expr, c)
    if g == 0 or (x in g.free_symbols and not _free_of(g, x)):
        return False
    return not (g.is_polynomial(c) and sympy.degree(g, c) >= 1)


def _logs(expr: sympy.Basic) -> list[sympy.Basic]:
    return [node.args[0] for node in sympy.preorder_traversal(expr) if isinstance(node, sympy.log)]


def _can_be_negative(arg: sympy.Basic) -> bool:
    """Probed over a wide range, so that ln(x + 3) counts as possibly negative."""
    points = sample_points(symbols_of(arg), "real")
    wide = [{s: 4 * v for s, v in p.items()} for p in points]
    values = [real_value_at(arg, p) for p in points + wide]
    return any(v is not None and v.real < 0 for v in values)


def _log_rule(ref: sympy.Basic, resp: sympy.Basic) -> str | None:
    """The message when the response's ln|u| do not match the reference's use of them."""
    bare = [a for a in _logs(resp) if not a.has(sympy.Abs) and _can_be_negative(a)]
    if any(a.has(sympy.Abs) for a in _logs(ref)):
        return "Use the absolute value inside the logarithm: ln|u|." if bare else None
    if bare and any(a.has(sympy.Abs) for a in _logs(resp)):
        return "Use ln|u| for every logarithm or for none."
    return None


DERIVATIVE_TOLERANCE = mpmath.mpf(10) ** -15  # numeric differences carry fewer exact digits


def _same_derivative(a: sympy.Basic, b: sympy.Basic, x: sympy.Symbol, domain: str) -> Outcome:
    """Numeric derivatives at the probes reject quickly; agreeing ones are confirmed exactly
    within the symbolic budget, else accepted with the note `numeric`."""
    pairs = []
    for point in sample_points(symbols_of(a) | symbols_of(b) | {x}, "real"):
        u, v = real_derivative_at(a, x, point), real_derivative_at(b, x, point)
        if u is not None and v is not None:
            pairs.append((u, v))
    if len(pairs) < MIN_DEFINED_PROBES:  # no common real domain at the probes: symbolically
        return equivalent(sympy.diff(a, x), sympy.diff(b, x), domain)
    if any(not close(u, v, DERIVATIVE_TOLERANCE) for u, v in pairs):
        return DIFFERENT
    return SAME if _exactly_same_derivative(a, b, x, domain) else Outcome(True, "numeric")


def _exactly_same_derivative(a: sympy.Basic, b: sympy.Basic, x: sympy.Symbol, domain: str) -> bool:
    try:
        with time_budget(SYMBOLIC_BUDGET):
            difference = sympy.diff(a, x) - sympy.diff(b, x)
    except OutOfTime:
        return False
    return bool(confirm_zero(difference, domain))


def compare_antiderivative(ref: sympy.Basic, resp: sympy.Basic, variables: list[str] | None,
                           domain: str, need_constant: bool) -> tuple[Outcome, str]:
    ref, resp = evaluated(ref), evaluated(resp)
    x = integration_variable(variables, ref)
    if x is None:
        return equivalent(ref, resp, domain), ""
    real_ref, mapping = _real(ref)
    real_resp, more = _real(resp)
    xr = mapping.get(x) or more.get(x) or sympy.Symbol(x.name, real=True)
    outcome = _same_derivative(real_resp, real_ref, xr, domain)
    if outcome.equal is not True:
        return outcome, ""
    ref_names = {s.name for s in symbols_of(ref)}
    candidates = [s for s in symbols_of(real_resp) if s != xr]
    constants = [c for c in candidates if is_constant(real_resp, c, xr) and (
        c.name not in ref_names or is_constant(real_ref, c, xr))]
    stray = [c for c in candidates if c.name not in ref_names and c not in constants]
    if stray:
        return DIFFERENT, f"{stray[0].name} is not a constant of integration here."
    message = _log_rule(real_ref, real_resp)
    if message:
        return DIFFERENT, message
    if need_constant and len(constants) != 1:
        return DIFFERENT, ("Add the constant of integration (+ C)." if not constants
                           else "Use a single constant of integration.")
    return outcome, ""
