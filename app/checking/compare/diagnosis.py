"""Mistakes recognised without an author (DESIGN §3 `diagnosis`).

An incorrect response to an expression, number, vector or matrix question is compared, by the
same probes the check uses, with cheap transformations of the reference: its negative, its
reciprocal, a constant factor 2, 1/2, π or 1/π, its transpose, a constant added, one factor of
a product missing, an exponent off by one. The first transformation the response equals is the
diagnosis. Each is an exact transformation: a response gets a diagnosis only when it equals
one, so a correct answer, or one merely different, gets none. The candidates stop at a small
time budget.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations

import mpmath
import sympy

from .equivalence import MIN_DEFINED_PROBES, evaluated, probe_pairs, probe_value, symbols_of
from .probes import PRECISION, Point, close, sample_points
from .spec import AnswerSpec
from .structures import Context, same_sequence

BUDGET = 0.1
"""Seconds for trying candidates; past it, no diagnosis."""
LATEST = 0.5
"""Seconds into a check after which no candidate is tried: the pool's limit (2 s by default)
must not turn a slow incorrect check into an undecided one."""
MAX_FACTORS = 5
"""Products with more factors are not searched for a missing one (2^5 subsets at most)."""
MAX_POWERS = 6
"""Powers of the reference whose exponent is moved by one (two candidates each)."""

DIAGNOSED = ("expression", "number", "vector", "matrix")

MESSAGES = {
    "sign": "Your answer is the negative of a correct one.",
    "reciprocal": "Your answer is the reciprocal of a correct one.",
    "transpose": "Your answer is the transpose of a correct one.",
    "constant": "Your answer differs from a correct one by a constant: is a constant term "
                "missing or extra?",
    "missing_factor": "Your answer is a correct one with a factor missing (an inner "
                      "derivative, perhaps?).",
    "exponent": "Your answer has an exponent off by one.",
}
FACTORS = (
    (sympy.Integer(2), "Your answer is twice a correct one."),
    (sympy.Rational(1, 2), "Your answer is half a correct one."),
    (sympy.pi, "Your answer is π times a correct one."),
    (1 / sympy.pi, "Your answer is a correct one divided by π."),
)


@dataclass(frozen=True)
class Diagnosis:
    """A recognised mistake: its code (DESIGN §3) and what the learner reads."""

    code: str
    message: str


Test = Callable[[object], bool]
Candidate = tuple[str, str, Test]  # code, message, whether the response is this mistake


def diagnose(spec: AnswerSpec, ref: object, resp: object, ctx: Context,
             started: float) -> Diagnosis | None:
    """The mistake `resp` makes, found among transformations of `ref` (both shaped for the
    answer type: an expression, a tuple of entries, rows of a matrix), or None. `started`:
    when the check began (`time.monotonic()`)."""
    if spec.type not in DIAGNOSED or spec.compare != "equivalent":
        return None
    if spec.type in ("matrix", "vector"):
        entries = sum(ref, ()) if spec.type == "matrix" else ref
        if not all(isinstance(x, sympy.Expr) for x in entries):  # conditions, sets: no
            return None
        candidates = (_matrix_candidates if spec.type == "matrix" else _vector_candidates)(
            ref, ctx)
    else:
        candidates = _scalar_candidates(evaluated(ref), ctx, evaluated(resp))
    deadline = min(time.monotonic() + BUDGET, started + LATEST)
    try:
        for code, message, test in candidates:
            if time.monotonic() > deadline:
                return None
            if test(resp):
                return Diagnosis(code, message)
    except (ArithmeticError, ValueError, TypeError, AttributeError, NotImplementedError,
            RecursionError, sympy.PolynomialError):
        return None  # the verdict stands without a diagnosis; it never fails the check
    return None


# --- scalars --------------------------------------------------------------------------------

Value = object  # an mpmath number, as the probes compute it


@dataclass(frozen=True)
class Probe:
    """The reference's and the response's values at (up to) two probe points where both are
    defined: most candidates are told apart from the response here, by arithmetic on the
    reference's value, before any candidate is built or fully checked."""

    points: list[Point]
    ref: list[Value]
    resp: list[Value]

    @classmethod
    def of(cls, ref: sympy.Basic, resp: sympy.Basic, ctx: Context) -> Probe | None:
        if ctx.tolerance is not None:  # values close within the tolerance are not told apart
            return None
        names = symbols_of(ref, resp)
        found = []
        for point in sample_points(names, ctx.domain) if names else [{}]:
            pair = probe_value(ref, point, ctx.domain), probe_value(resp, point, ctx.domain)
            if None not in pair:
                found.append((point, *pair))
            if len(found) == 2:
                break
        if not found:
            return None
        points, refs, resps = zip(*found, strict=True)
        return cls(list(points), list(refs), list(resps))

    def apart(self, predict: Callable[[Value, Point], Value | None]) -> bool:
        """Whether the candidate whose values `predict` gives differs from the response."""
        with mpmath.workdps(PRECISION):  # the probes' precision, for the arithmetic too
            for point, ref, resp in zip(self.points, self.ref, self.resp, strict=True):
                try:
                    value = predict(ref, point)
                except (ArithmeticError, ValueError, TypeError):  # a factor undefined there
                    value = None
                if value is not None and not close(value, resp):
                    return True
        return False

    def constant_apart(self) -> bool:
        """Whether response minus reference is not one non-zero constant at the probes."""
        with mpmath.workdps(PRECISION):
            gaps = [resp - ref for ref, resp in zip(self.ref, self.resp, strict=True)]
            return close(gaps[0], 0) or not all(close(g, gaps[0]) for g in gaps)


def _scalar_candidates(ref: sympy.Basic, ctx: Context, resp: sympy.Basic
                       ) -> Iterator[Candidate]:
    probe = Probe.of(ref, resp, ctx)

    def equals(build: Callable[[], sympy.Basic],
               predict: Callable[[Value, Point], Value | None] | None = None) -> Test:
        def evaluate(_ref: Value, point: Point) -> Value | None:
            return probe_value(evaluated(build()), point, ctx.domain)

        def test(resp: sympy.Basic) -> bool:
            if probe is not None and probe.apart(predict or evaluate):
                return False
            return ctx.scalar(build(), resp).equal is True
        return test

    yield "sign", MESSAGES["sign"], equals(lambda: -ref, lambda v, _: -v)
    if ref != 0:
        yield "reciprocal", MESSAGES["reciprocal"], equals(lambda: 1 / ref, lambda v, _: 1 / v)
    for factor, message in FACTORS:
        k = probe_value(factor, {}, ctx.domain)
        yield "factor", message, equals(lambda f=factor: f * ref, lambda v, _, k=k: k * v)
    if symbols_of(ref) and ctx.tolerance is None:
        yield "constant", MESSAGES["constant"], lambda resp: (
            not (probe is not None and len(probe.points) > 1 and probe.constant_apart())
            and _constant_apart(ref, resp, ctx))
    for kept, dropped in _without_a_factor(ref):
        yield "missing_factor", MESSAGES["missing_factor"], equals(
            lambda kept=kept: sympy.Mul(*kept),
            lambda v, point, d=dropped: v / probe_value(sympy.Mul(*d), point, ctx.domain))
    for candidate in _exponents_moved(ref):
        yield "exponent", MESSAGES["exponent"], equals(lambda c=candidate: c)


def _constant_apart(ref: sympy.Basic, resp: sympy.Basic, ctx: Context) -> bool:
    """The response minus the reference is the same non-zero number at every probe."""
    difference = evaluated(resp) - ref
    if not symbols_of(difference):  # the variables cancelled as the difference was formed
        return difference.is_number and difference.is_finite and difference != 0
    values = [u for u, _ in probe_pairs(difference, sympy.Integer(0), ctx.domain)]
    if len(values) < MIN_DEFINED_PROBES or close(values[0], 0):
        return False
    return all(close(v, values[0]) for v in values[1:])


def _without_a_factor(ref: sympy.Basic) -> Iterator[tuple[tuple, tuple]]:
    """The reference's product split into the factors kept and those left out (the chain
    rule's inner derivative 2x of 2x·cos(x²)); a factor -1, 2, 1/2, π or 1/π alone is a sign
    or factor."""
    if not isinstance(ref, sympy.Mul) or len(ref.args) > MAX_FACTORS:
        return
    plain = {sympy.Integer(-1), *(f for f, _ in FACTORS)}
    args = ref.args
    for size in range(1, len(args)):
        for left_out in combinations(range(len(args)), size):
            dropped = tuple(args[i] for i in left_out)
            if len(dropped) == 1 and dropped[0] in plain:
                continue
            yield tuple(a for i, a in enumerate(args) if i not in left_out), dropped


def _exponents_moved(ref: sympy.Basic) -> Iterator[sympy.Basic]:
    """The reference with one power's exponent one more or one less (x² for x, 3x³ for 3x²)."""
    powers = [p for p in sympy.preorder_traversal(ref)
              if isinstance(p, sympy.Pow) and p.exp.is_Rational and p.base.free_symbols]
    factors = ref.args if isinstance(ref, sympy.Mul) else (ref,)
    powers += [s for s in factors if isinstance(s, sympy.Symbol)]
    for power in list(dict.fromkeys(powers))[:MAX_POWERS]:
        base, exponent = power.as_base_exp()
        for moved in (exponent + 1, exponent - 1):
            if moved != 0:
                yield ref.xreplace({power: sympy.Pow(base, moved)})


# --- vectors and matrices -------------------------------------------------------------------


def _scaled(items: Sequence, factor: sympy.Basic) -> tuple:
    return tuple(factor * evaluated(x) for x in items)


def _vector_candidates(ref: tuple, ctx: Context) -> Iterator[Candidate]:
    def equals(build: Callable[[], tuple]) -> Test:
        return lambda resp: same_sequence(build(), resp, ctx).equal is True

    yield "sign", MESSAGES["sign"], equals(lambda: _scaled(ref, sympy.Integer(-1)))
    for factor, message in FACTORS:
        yield "factor", message, equals(lambda f=factor: _scaled(ref, f))


def _matrix_candidates(rows: tuple, ctx: Context) -> Iterator[Candidate]:
    def equals(build: Callable[[], tuple]) -> Test:
        def test(resp: tuple) -> bool:
            candidate = build()
            if (len(candidate), len(candidate[0])) != (len(resp), len(resp[0])):
                return False
            return same_sequence(sum(candidate, ()), sum(resp, ()), ctx).equal is True
        return test

    def scaled(factor: sympy.Basic) -> tuple:
        return tuple(_scaled(row, factor) for row in rows)

    yield "sign", MESSAGES["sign"], equals(lambda: scaled(sympy.Integer(-1)))
    for factor, message in FACTORS:
        yield "factor", message, equals(lambda f=factor: scaled(f))
    transposed = tuple(zip(*rows, strict=True))
    if transposed != rows:
        yield "transpose", MESSAGES["transpose"], equals(lambda: transposed)
