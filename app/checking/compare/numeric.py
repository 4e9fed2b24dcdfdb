"""Numeric answers: tolerances, significant figures and decimal places (DESIGN §3 `tolerance`)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext

import mpmath
import sympy

from .equivalence import DIFFERENT, SAME, Outcome, evaluated
from .probes import PRECISION, value_at
from .spec import Tolerance

LITERAL = re.compile(r"^[+-]?(?P<int>\d*)(?:\.(?P<frac>\d*))?(?:[eE](?P<exp>[+-]?\d+))?$")
# The first number written, as in `1.38*10^-1` or `-(0.05)`: its digits are the figures.
FIRST_NUMBER = re.compile(r"(?P<int>\d*)(?:\.(?P<frac>\d*))?")
WRONG_VALUE = Outcome(False, "wrong-value")
SIGFIGS_SLIP = Outcome(False, "sigfigs")
DECIMALS_SLIP = Outcome(False, "decimals")
INEXACT_SLIP = Outcome(False, "inexact")
SLIPS = ("sigfigs", "decimals", "inexact")
"""Notes of a response that is wrong only in form (digits, an exact value asked): `invalid`."""
CLOSE_FIGURES = 2
"""The fewest significant figures a rounded decimal needs to be Not read as close."""


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
    place = last_place(text)
    return None if place is None or "e" in text.lower() else -place


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
    """Right to `figures` significant figures and written to that many. Written to another
    count but right to the figures typed (`3.1416` for pi to three) is the slip `sigfigs`."""
    typed = significant_figures(written)
    if typed is not None and typed[0] <= figures <= typed[1]:
        return SAME if _right_to_figures(ref, resp, figures) else WRONG_VALUE
    counts = range(typed[0], typed[1] + 1) if typed is not None else (figures,)
    slip = any(_right_to_figures(ref, resp, count) for count in counts)
    return SIGFIGS_SLIP if slip else WRONG_VALUE


def _right_to_figures(ref: mpmath.mpf, resp: mpmath.mpf, figures: int) -> bool:
    rounded = round_significant(ref, figures)
    with mpmath.workdps(PRECISION):
        if abs(mpmath.mpf(str(rounded)) - resp) <= abs(resp) * mpmath.mpf(10) ** -(PRECISION - 5):
            return True
    # Within half a unit of the last figure of the reference: 9.8 for 10 to two figures.
    half_unit = Decimal(5).scaleb(rounded.adjusted() - figures)
    return abs(_decimal(ref) - _decimal(resp)) < half_unit


def _decimal(value: mpmath.mpf) -> Decimal:
    """A 40-digit decimal, rounded so that 0.04985 read in binary is 0.04985 again."""
    return Decimal(mpmath.nstr(value, PRECISION - 5, strip_zeros=False))


def _same_places(ref: mpmath.mpf, resp: mpmath.mpf, places: int, written: str) -> Outcome:
    """Rounded right to `places` decimal places and written to that many. Written to another
    count but right to the places typed (`3.142` for pi to two) is the slip `decimals`."""
    typed = decimal_places(written)
    if typed != places:
        slip = _within_half_unit(ref, resp, -(places if typed is None else typed))
        return DECIMALS_SLIP if slip else WRONG_VALUE
    with localcontext() as context:
        context.prec = PRECISION
        rounded = Decimal(mpmath.nstr(ref, PRECISION, strip_zeros=False)).quantize(
            Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    with mpmath.workdps(PRECISION):
        right = abs(mpmath.mpf(str(rounded)) - resp) <= mpmath.mpf(10) ** -(PRECISION - 5)
    return SAME if right else WRONG_VALUE


def _within_half_unit(ref: mpmath.mpf, resp: mpmath.mpf, place: int) -> bool:
    """|resp - ref| at most half a unit of the digit at 10^place: right to the digits typed."""
    return abs(_decimal(ref) - _decimal(resp)) <= Decimal(5).scaleb(place - 1)


def last_place(text: str) -> int | None:
    """The power of ten of the last digit of a number written alone (`0.1667` -> -4, `1.5e3`
    -> 2, `12` -> 0), or None when the text is not one number literal."""
    match = LITERAL.match(text.strip())
    if not match or not (match["int"] or match["frac"]):
        return None
    return int(match["exp"] or 0) - len(match["frac"] or "")


def rounded_decimal(ref: sympy.Basic, resp: sympy.Basic, written: str) -> bool:
    """Whether `written` is a decimal that is the exact reference rounded to the digits typed
    (`0.1667` for 1/6, `0.0876` for 19/217): a slip of form, not a wrong value. One figure
    is too coarse to call close: `0.6` for 0.55 is more likely another answer."""
    place, figures = last_place(written), significant_figures(written)
    if place is None or not any(c in written for c in ".eE"):
        return False
    if figures is None or figures[1] < CLOSE_FIGURES:
        return False
    if ref.free_symbols or resp.free_symbols:
        return False
    u, v = number_value(ref), number_value(resp)
    if u is None or v is None or u.imag or v.imag:
        return False
    return _within_half_unit(u.real, v.real, place)
