"""Property tests of the checker: it never raises on any text, stays inside the pool's limit, and
judges random polynomial identities correctly.

In process the engine has no time limit, so each example gets a CPU-time guard (ITIMER_VIRTUAL,
which the engine's own ITIMER_REAL budget does not touch); an example past it is discarded
here, because the pool test below is the one that holds the engine to its limit.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from app.checking.compare.engine import check_now, validate_now
from app.checking.compare.result import CheckResult, Validation
from app.checking.compare.spec import AnswerSpec
from app.checking.pool import CheckerPool

STATUSES = {"correct", "incorrect", "invalid", "undecided"}
POOL_TIMEOUT = 1.0
SLACK = 3.0  # a loaded machine is slow, never this slow
CPU_GUARD = 3.0  # seconds of CPU for one in-process example

SPECS = [
    AnswerSpec(type="expression", value="2x + 1"),
    AnswerSpec(type="expression", value="x^2 y", variables=["x", "y"]),
    AnswerSpec(type="expression", value="x^3/3", compare="antiderivative"),
    AnswerSpec(type="expression", value="(x+1)^2", form="expanded"),
    AnswerSpec(type="expression", value="x", domain="positive"),
    AnswerSpec(type="expression", value="exp(i t)", domain="complex", variables=["t"]),
    AnswerSpec(type="number", value="1/6"),
    AnswerSpec(type="number", value="pi", tolerance={"sigfigs": 3}),
    AnswerSpec(type="number", value="sqrt(2)", floats="forbid", forbid=["sqrt"]),
    AnswerSpec(type="equation", value="y = 2x + 1"),
    AnswerSpec(type="inequality", value="0 < x <= 1"),
    AnswerSpec(type="set", value="{1, 2}"),
    AnswerSpec(type="interval", value="(0, 1] U [2, oo)"),
    AnswerSpec(type="tuple", value="(1, 2)", compare="unordered"),
    AnswerSpec(type="vector", value="[1, 2]", compare="up_to_scale"),
    AnswerSpec(type="matrix", value="[[1, 2], [3, 4]]"),
    AnswerSpec(type="span", value=["[1, 0]", "[0, 1]"], compare="basis"),
    AnswerSpec(type="choice", value=["a", "c"], options={"a": "A", "b": "B", "c": "C"}),
    AnswerSpec(type="text", value="chain rule"),
    AnswerSpec(type="self"),
]

MATHS_CHARS = "0123456789xyztnabcCeEi+-*/^!()[]{}|=<>,.;:_ \\&'\"\t\nU∞π√·×÷≤≥"
TOKENS = [
    "x", "y", "t", "n", "C", "pi", "e", "i", "oo", "inf", "0", "1", "2", "3", "10", "0.5", "1e3",
    "+", "-", "*", "/", "^", "**", "!", "(", ")", "[", "]", "{", "}", "|", ",", "=", "<", ">",
    "<=", ">=", " ", "U", "sin", "cos", "tan", "ln", "log", "exp", "sqrt", "abs", "floor",
    "binomial", "gamma", "root", "min", "max", "alpha", "x_1", "\\frac", "\\sqrt", "\\cdot",
    "\\left(", "\\right)", "\\pi", "\\begin{pmatrix}", "\\end{pmatrix}", "&", "\\\\", "{}",
    "__import__", "lambda", "eval", "'os'", ".", "__class__", "\x00", "\u202e", "😀",
]

texts = st.one_of(
    st.text(alphabet=MATHS_CHARS, max_size=200),
    st.text(max_size=200),
    st.lists(st.sampled_from(TOKENS), max_size=60).map("".join),
)


class _TooSlow(BaseException):
    """Raised by the CPU guard; a BaseException so the engine's handlers cannot swallow it."""


def _too_slow(signum: int, frame: object) -> None:
    raise _TooSlow


@contextmanager
def cpu_guard(seconds: float) -> Iterator[None]:
    previous = signal.signal(signal.SIGVTALRM, _too_slow)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


def guarded(fn, *args):
    """`fn(*args)`, or the example is discarded when it needs more than CPU_GUARD seconds or
    more memory than there is (the pool turns both into `undecided`)."""
    try:
        with cpu_guard(CPU_GUARD):
            return fn(*args)
    except (_TooSlow, MemoryError):
        reject()


def assert_result(result: CheckResult) -> None:
    assert isinstance(result, CheckResult)
    assert result.status in STATUSES
    assert isinstance(result.message, str) and result.message
    assert result.latex is None or isinstance(result.latex, str)
    assert isinstance(result.notes, list)


# --- (a) any text, in process -------------------------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=st.sampled_from(SPECS), text=texts)
def test_check_now_never_raises(spec: AnswerSpec, text: str) -> None:
    result = guarded(check_now, spec, text)
    assert_result(result)
    if not text.strip() and spec.type != "self":
        assert result.status == "invalid"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=st.sampled_from(SPECS), text=texts)
def test_validate_now_never_raises(spec: AnswerSpec, text: str) -> None:
    result = guarded(validate_now, spec, text)
    assert isinstance(result, Validation)
    assert isinstance(result.valid, bool)
    if not result.valid:
        assert result.message
    assert isinstance(result.variables, list)


# --- (b) any text, through the pool -------------------------------------------------------------


@pytest.fixture(scope="module")
def pool():
    checker = CheckerPool(workers=2, timeout=POOL_TIMEOUT)
    checker.warm_up()
    yield checker
    checker.close()


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(spec=st.sampled_from(SPECS), text=texts)
def test_the_pool_answers_any_text_in_time(pool: CheckerPool, spec: AnswerSpec,
                                           text: str) -> None:
    start = time.perf_counter()
    result = pool.check(spec, text)
    took = time.perf_counter() - start
    assert_result(result)
    assert "error" not in result.notes, result
    assert took < POOL_TIMEOUT + SLACK
    start = time.perf_counter()
    preview = pool.validate(spec, text)
    assert isinstance(preview, Validation)
    assert time.perf_counter() - start < POOL_TIMEOUT + SLACK


# --- (c) polynomial identities ------------------------------------------------------------------


def poly_mul(p: list[int], q: list[int]) -> list[int]:
    """Product of two polynomials given as coefficient lists, lowest degree first."""
    out = [0] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        for j, b in enumerate(q):
            out[i + j] += a * b
    return out


def term(coefficient: int, degree: int, style: str) -> str:
    sign = "-" if coefficient < 0 else "+"
    size = abs(coefficient)
    if degree == 0:
        return f"{sign} {size}"
    power = "x" if degree == 1 else f"x^{degree}"
    if size == 1:
        return f"{sign} {power}"
    joiner = {"implicit": "", "star": "*", "space": " "}[style]
    return f"{sign} {size}{joiner}{power}"


def expanded_text(coefficients: list[int], style: str) -> str:
    terms = [term(c, d, style) for d, c in reversed(list(enumerate(coefficients))) if c]
    if not terms:
        return "0"
    text = " ".join(terms)
    return text[2:] if text.startswith("+ ") else "-" + text[2:]


factor = st.tuples(
    st.sampled_from([-3, -2, -1, 1, 2, 3]),  # coefficient of x
    st.integers(-5, 5),  # constant
    st.integers(1, 3),  # power
)


@st.composite
def polynomials(draw) -> tuple[str, list[int]]:
    """A product c (a x + b)^k ..., as written text and as its expanded coefficients."""
    constant = draw(st.sampled_from([-4, -3, -2, -1, 1, 2, 3, 4]))
    factors = draw(st.lists(factor, min_size=1, max_size=3))
    coefficients = [constant]
    text = {1: "", -1: "-"}.get(constant, str(constant))
    for a, b, k in factors:
        for _ in range(k):
            coefficients = poly_mul(coefficients, [b, a])
        inner = f"{a}x {'+' if b >= 0 else '-'} {abs(b)}"
        text += f"({inner})" + (f"^{k}" if k > 1 else "")
    return text, coefficients


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(poly=polynomials(), style=st.sampled_from(["implicit", "star", "space"]))
def test_expanded_polynomial_is_its_factored_form(poly: tuple[str, list[int]],
                                                  style: str) -> None:
    factored, coefficients = poly
    expanded = expanded_text(coefficients, style)
    spec = AnswerSpec(type="expression", value=factored, variables=["x"])
    result = guarded(check_now, spec, expanded)
    assert result.status == "correct", (factored, expanded, result)
    plus_one = guarded(check_now, spec, f"{expanded} + 1")
    assert plus_one.status == "incorrect", (factored, expanded, plus_one)
    in_form = guarded(check_now, spec.model_copy(update={"form": "expanded"}), expanded)
    assert in_form.status == "correct", (factored, expanded, in_form)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(poly=polynomials(), shift=st.sampled_from([-3, -2, -1, 1, 2, 3]))
def test_a_shifted_polynomial_differs_by_a_constant(poly: tuple[str, list[int]],
                                                    shift: int) -> None:
    factored, coefficients = poly
    shifted = expanded_text([coefficients[0] + shift, *coefficients[1:]], "implicit")
    spec = AnswerSpec(type="expression", value=factored, variables=["x"],
                      compare="up_to_constant")
    assert guarded(check_now, spec, shifted).status == "correct", (factored, shifted)
    exact = spec.model_copy(update={"compare": "equivalent"})
    assert guarded(check_now, exact, shifted).status == "incorrect", (factored, shifted)
