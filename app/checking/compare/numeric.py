"""Numeric answers: tolerances, significant figures and decimal places (DESIGN §3 `tolerance`)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext

import mpmath
import sympy

from .equivalence import DIFFERENT, SAME, Outcome, evaluated
from .probes import PRECISION, value_at
from .spec import Tolerance

LITERAL = re.compile(r"^[+-]?(?P<int>\d*)(?:\.(?P<frac>\d*))?(?:[eE][+-]?\d+)?$")
# The first number written, as in `1.38*10^-1` or `-(0.05)`: its digits are the figures.
FIRST_NUMBER = re.compile(r"(?P<int>\d*)(?:\.(?P<frac>\d*))?")


def number_value(expr: sympy.Basic) -> mpmath.mpc | None:
    return value_at(evaluated(expr), {})


def significant_figures(text: str) -> tuple[int, int] | None:
    """How many significant figures the first number written has, as a range: `1200` could
    mean two, three or four; `0.0120` means exactly three; `0.00` two. None without a number."""
    match = next((m for m in FIRST_NUMBER.finditer(text) if m["int"] or m["frac"]), None)
    if match is None:
        return None
    integer, fraction = match["int"] or "", match["frac"]
    if fraction is not None:
        digits = (integer + fraction).lstrip("0")
        count = len(digits) if digits else max(len(fraction), 1)
        return count, count
    stripped = integer.lstrip("0") or "0"
    core = stripped.rstrip("0") or "0"
    return len(core), len(stripped)


def decimal_places(text: str) -> int | None:
    match = LITERAL.match(text.strip())
    if not match or "e" in text.lower():
        return None
    return len(match["frac"] or "")


def round_significant(value: mpmath.mpf, figures: int) -> Decimal:
    with localcontext() as context:
        context.prec = PRECISION
        exact = _decimal(value)
        if exact == 0:
            return exact
        exponent = exact.adjusted() - figures + 1
        return exact.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)


def within(ref: sympy.Basic, resp: sympy.Basic, tolerance: Tolerance, written: str) -> Outcome:
    """Compare a numeric response with the reference under one tolerance."""
    u, v = number_value(ref), number_value(resp)
    if u is None or v is None:
        return SAME if ref == resp else DIFFERENT  # infinite or undefined: equal only as written
    if tolerance.relative is not None:
        return _verdict(abs(u - v) <= tolerance.relative * abs(u) * (1 + 1e-12))
    if tolerance.absolute is not None:
        return _verdict(abs(u - v) <= tolerance.absolute * (1 + 1e-12) + mpmath.mpf(10) ** -30)
    if abs(u.imag) > 0 or abs(v.imag) > 0:
        return DIFFERENT
    if tolerance.sigfigs is not None:
        return _same_figures(u.real, v.real, tolerance.sigfigs, written)
    return _same_places(u.real, v.real, tolerance.decimals, written)


def _verdict(ok: bool) -> Outcome:
    return SAME if ok else DIFFERENT


def _same_figures(ref: mpmath.mpf, resp: mpmath.mpf, figures: int, written: str) -> Outcome:
    written_figures = significant_figures(written)
    if written_figures is None or not written_figures[0] <= figures <= written_figures[1]:
        return Outcome(False, "sigfigs")
    rounded = round_significant(ref, figures)
    with mpmath.workdps(PRECISION):
        if abs(mpmath.mpf(str(rounded)) - resp) <= abs(resp) * mpmath.mpf(10) ** -(PRECISION - 5):
            return SAME
    # Within half a unit of the last figure of the reference: 9.8 for 10 to two figures.
    half_unit = Decimal(5).scaleb(rounded.adjusted() - figures)
    gap = abs(_decimal(ref) - _decimal(resp))
    return SAME if gap < half_unit else Outcome(False, "wrong-value")


def _decimal(value: mpmath.mpf) -> Decimal:
    """A 40-digit decimal, rounded so that 0.04985 read in binary is 0.04985 again."""
    return Decimal(mpmath.nstr(value, PRECISION - 5, strip_zeros=False))


def _same_places(ref: mpmath.mpf, resp: mpmath.mpf, places: int, written: str) -> Outcome:
    if decimal_places(written) != places:
        return Outcome(False, "decimals")
    with localcontext() as context:
        context.prec = PRECISION
        rounded = Decimal(mpmath.nstr(ref, PRECISION, strip_zeros=False)).quantize(
            Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    with mpmath.workdps(PRECISION):
        return _verdict(abs(mpmath.mpf(str(rounded)) - resp) <= mpmath.mpf(10) ** -(PRECISION - 5))


def relative_gap(ref: sympy.Basic, resp: sympy.Basic) -> float | None:
    """|resp - ref| / |ref| for two numbers, for the message that a decimal is close."""
    u, v = number_value(ref), number_value(resp)
    if u is None or v is None or u == 0:
        return None
    return float(abs(u - v) / abs(u))
