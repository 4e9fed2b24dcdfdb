"""The shared STACK banks and Numbas exams (issue 19): census, keys and prompts, read as shipped.

Slow: every checkable exercise is checked in the sandbox, its teacher's answer Correct and a
wrong one Incorrect, on a few seeds of its variant. Skips when the corpora folder is absent.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePath
from typing import Any

import pytest

from app.bank.formats.model import ImportedExercise, ParsedImport
from app.bank.importing import _item
from app.bank.variants import make_variant
from app.checking.compare.spec import AnswerSpec

from .conftest import read

CORPORA = Path("/work/shared/corpora")
SOURCES = ["moodle/stack-ODE-questions.xml", "moodle/stack-MCQ-sample-questions.xml",
           "numbas/numbas-example.exam", "numbas/numbas-stability-test.exam"]
RAW = re.compile(r"\{@|@\}|\{#|#\}|(?<![\w{])@\w+@|\\\(|\\\)|\\var\{|\\simplify|\{\{|\$\$\$")
"""CAS text, old-format `@p@`, MathJax delimiters, Numbas substitutions, a template not
filled, maths delimiters run together."""
SEEDS = (0, 1, 2)

pytestmark = pytest.mark.slow


def _corpus(name: str) -> bytes:
    path = CORPORA / name
    if not path.exists():
        pytest.skip(f"the shared corpora are not here ({path} is absent)")
    return path.read_bytes()


def census(pool, parsed: ParsedImport) -> dict[str, Any]:
    """The figures of the report: held, found, checkable, self-graded and why, and the
    prompts (as a learner sees them, values drawn) that still hold raw markup."""
    texts = []
    for exercise in parsed.exercises:
        variant = pool.run(make_variant, _exercise(exercise), 0)
        texts += [variant.prompt] + [part.prompt for part in variant.parts]
    return {"held": parsed.held, "found": len(parsed.exercises), **parsed.counts(),
            "reasons": parsed.reasons(), "raw": [t for t in texts if RAW.search(t)]}


def _exercise(exercise: ImportedExercise) -> dict[str, Any]:
    return _item(exercise)["exercise"] or {"id": exercise.id, "prompt": exercise.prompt,
                                           "answer": exercise.answer}


def wrong_of(spec: AnswerSpec, right: str) -> str:
    """A response that must check Incorrect: another option, a relation turned round, or
    twice the answer plus one (not a constant away from it)."""
    if spec.type == "choice":
        keys = list(spec.options or {})
        chosen = set(spec.choice_keys)
        others = [k for k in keys if k not in chosen]
        return others[0] if others else ""
    if spec.type == "text":
        return right + "x"
    if spec.type == "inequality":
        return right.replace(">", "<") if ">" in right else right.replace("<", ">")
    if spec.type == "equation":
        return right + " + 1"
    return f"2*({right}) + 1"


def answers(pool, exercise: ImportedExercise, seed: int) -> list[tuple[AnswerSpec, str]]:
    """(spec, the teacher's answer as a learner types it) of each part of one variant; the
    variant is made in the sandbox."""
    variant = pool.run(make_variant, _exercise(exercise), seed)
    out = []
    for piece in variant.parts or [variant]:
        spec = AnswerSpec.model_validate(piece.answer)
        if spec.type == "choice":
            right = " ".join(spec.choice_keys)
        elif spec.type == "text":
            right = str(spec.value)
        else:
            right = piece.answer_text or str(spec.value)
            right += " + C" if spec.compare == "antiderivative" else ""
        out.append((spec, right))
    return out


@pytest.mark.parametrize("name", SOURCES)
def test_corpus_census_and_keys(pool, name):
    parsed = read(PurePath(name).name, _corpus(name), pool)
    figures = census(pool, parsed)
    print(name, {k: v for k, v in figures.items() if k != "raw"})
    assert figures["found"] >= 0.98 * figures["held"]
    assert figures["raw"] == []
    checked = 0
    for exercise in parsed.exercises:
        if exercise.self_graded:
            continue
        for seed in SEEDS if exercise.params else (0,):
            for spec, right in answers(pool, exercise, seed):
                assert pool.check(spec, right).status == "correct", (exercise.id, seed, right)
                wrong = wrong_of(spec, right)
                if wrong:
                    status = pool.check(spec, wrong).status
                    assert status == "incorrect", (exercise.id, seed, wrong, status)
                checked += 1
    assert checked >= figures["checkable"]



