"""Hostile and pathological answers through the real sandboxed pool (DESIGN §4, §7).

Each must come back as invalid, incorrect or undecided (never correct, never an exception,
never a checker error) within the pool's limit plus a little, and must not run any code.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from app.checking.compare.result import CheckResult, Validation
from app.checking.compare.spec import AnswerSpec
from app.checking.pool import CheckerPool

TIMEOUT = 2.0
SLACK = 3.0
"""Added to the limit in time assertions: a loaded machine is slow, never this slow."""
PWNED = Path("/tmp/gyrus_pwned")

HOSTILE = {
    "tower-9": "9^9^9^9",
    "2^(10^10)": "2^(10^10)",
    "10^10^10": "10^10^10",
    "(x+1)^100000": "(x+1)^100000",
    "1000000!": "1000000!",
    "binomial": "binomial(10^9, 5*10^8)",
    "gamma": "gamma(10^9)",
    "import": "__import__('os').system('touch /tmp/gyrus_pwned')",
    "import-bare": "__import__(\"os\").system(\"touch /tmp/gyrus_pwned\")",
    "subclasses": "().__class__.__bases__[0].__subclasses__()",
    "lambda": "lambda: 1",
    "exec": "exec('1')",
    "eval": "eval('1')",
    "exec-touch": "exec(\"open('/tmp/gyrus_pwned','w')\")",
    "dunder": "x.__class__",
    "getattr": "getattr(x, '__class__')",
    "open": "open('/tmp/gyrus_pwned', 'w')",
    "100kB": "x+" * 50_000 + "x",
    "deep-5000": "(" * 5000 + "x" + ")" * 5000,
    "deep-under-length": "(" * 900 + "x" + ")" * 900,
    "null-byte": "x\x00+1",
    "sin-500": "sin(" * 500 + "x" + ")" * 500,
    "sin-30": "sin(" * 30 + "x" + ")" * 30,
    "matrix-10000": "[[" + ",".join(str(i % 10) for i in range(10_000)) + "]]",
    "matrix-30x30": "[" + ",".join("[" + ",".join(["1"] * 30) + "]" for _ in range(30)) + "]",
    "set-5000": "{" + ",".join(str(i) for i in range(5_000)) + "}",
    "set-450": "{" + ",".join(str(i) for i in range(450)) + "}",
    "unicode-junk": "x\u202e+\ufffd\U0001F600∑∫√π²³½ⅈ\u200b",
    "unicode-letters": "é+ß+Ж+中文+\u0301",
    "unicode-digits": "\u0663 + \uff11",
    "x-tower": "x^x^x^x^x^x^x^x",
    "exp-tower": "exp(exp(exp(exp(exp(x)))))",
    "factorials": "x!!!!!!",
    "digits": "9" * 1990,
    "big-exponent-decimal": "1e999999",
    "latex-junk": "\\frac{\\frac{\\frac{1}{x}}{x}}{\\input{/etc/passwd}}",
}

SPECS = {
    "expression": AnswerSpec(type="expression", value="x"),
    "number": AnswerSpec(type="number", value="1/2"),
    "matrix": AnswerSpec(type="matrix", value="[[1, 2], [3, 4]]"),
    "set": AnswerSpec(type="set", value="{1, 2}"),
}


@pytest.fixture(scope="module")
def pool():
    checker = CheckerPool(workers=2, timeout=TIMEOUT)
    checker.warm_up()
    yield checker
    checker.close()


@pytest.fixture(autouse=True)
def no_marker():
    PWNED.unlink(missing_ok=True)
    yield
    assert not PWNED.exists(), "an answer ran code in the checker"


def timed(fn, *args) -> tuple[object, float]:
    start = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - start


@pytest.mark.parametrize("spec_name", sorted(SPECS))
@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_answer_is_refused_in_time(pool: CheckerPool, name: str, spec_name: str) -> None:
    result, took = timed(pool.check, SPECS[spec_name], HOSTILE[name])
    assert isinstance(result, CheckResult)
    assert result.status in ("invalid", "incorrect", "undecided"), result
    assert result.message
    assert "error" not in result.notes, f"the engine raised on {name!r}: {result}"
    assert took < TIMEOUT + SLACK, f"{name!r} took {took:.2f}s"


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_answer_preview_is_safe_and_in_time(pool: CheckerPool, name: str) -> None:
    result, took = timed(pool.validate, SPECS["expression"], HOSTILE[name])
    assert isinstance(result, Validation)
    assert took < TIMEOUT + SLACK, f"{name!r} took {took:.2f}s"
    if name in ("import", "subclasses", "lambda", "exec", "eval", "dunder", "open", "null-byte",
                "100kB", "deep-5000", "tower-9", "1000000!"):
        assert not result.valid and result.message


def test_code_words_are_never_run_even_for_an_author_style_spec(pool: CheckerPool) -> None:
    spec = AnswerSpec(type="expression", value="x", variables=["x", "os", "system"])
    result = pool.check(spec, HOSTILE["import"])
    assert result.status == "invalid"


def test_a_slow_check_does_not_hold_up_a_simple_one(pool: CheckerPool) -> None:
    spec = SPECS["expression"]
    bomb = AnswerSpec(type="expression", value="integrate(exp(x^2)*sin(x^x), x)")
    box: list[tuple[CheckResult, float]] = []
    slow = threading.Thread(target=lambda: box.append(timed(pool.check, bomb, "x")))
    slow.start()
    time.sleep(0.2)  # the slow check holds one worker now
    result = pool.check(spec, "2x - x")
    assert result.status == "correct"
    assert slow.is_alive(), "a simple check waited for a slow one"
    slow.join(timeout=TIMEOUT + SLACK)
    assert not slow.is_alive()
    slow_result, slow_took = box[0]
    assert (slow_result.status, slow_result.notes) == ("undecided", ["timeout"])
    assert slow_took < TIMEOUT + SLACK
    # The pool is healthy afterwards.
    assert pool.check(spec, "3x - 2x").status == "correct"


def test_many_hostile_answers_at_once_still_answer_in_bounded_time(pool: CheckerPool) -> None:
    spec = SPECS["expression"]
    items = [(spec, HOSTILE[n]) for n in ("tower-9", "import", "deep-5000", "null-byte",
                                          "matrix-10000", "1000000!")]
    items.append((spec, "x"))
    results, took = timed(pool.check_many, items)
    assert [r.status for r in results[:-1]] == ["invalid"] * (len(items) - 1)
    assert results[-1].status == "correct"
    assert took < TIMEOUT + SLACK
    assert not os.path.exists(PWNED)
