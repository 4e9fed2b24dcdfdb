"""Deciding, in the checker pool, which imported answers the grammar can read.

Imported answers are untrusted text (DESIGN §4, §7): they are read only by the grammar (never
eval or sympify) and only in the pool's workers, under its time and memory limits. The caller
runs `read_answers` on chunks with `pool.run`; a chunk that times out is retried one answer at
a time, so one hostile answer costs only itself (it becomes self-graded).

An `auto` answer gets its type from what the grammar read: a number, an expression, an
equation or inequality, a set, a matrix, a vector or tuple, an interval.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from app.bank.formats.model import AUTO
from app.checking.compare.engine import SpecError, check_now, reference_of
from app.checking.compare.spec import AnswerSpec
from app.checking.grammar.lexing import ParseError
from app.checking.grammar.names import AUTHOR_OPS, CONSTANTS, FUNCTIONS, GREEK
from app.checking.grammar.syntax import parse
from app.checking.grammar.values import Bracket, CommaList, MatrixLit, Relation, SetLit, Union

UNPARSED = ("self", "choice", "text")
KNOWN_WORDS = set(FUNCTIONS) | AUTHOR_OPS | set(CONSTANTS) | GREEK
_WORD = re.compile(r"(?<!\\)\b[A-Za-z]{3,}\b")
_ENVIRONMENT = re.compile(r"\\(?:begin|end)\s*\{\w+\*?\}(?:\s*\{[lcr|]+\})?")
SHAPE = re.compile(r"\s*\d+\s*(?:\\times|×)\s*\d+\s*")
"""`3\\times 5`: a shape, which the grammar would read as the product 15."""
Outcome = tuple[dict[str, Any] | None, str]
"""(the answer spec to store, "") or (None, why the grammar could not read it)."""


def read_answers(items: list[dict[str, Any]]) -> list[Outcome]:
    """Each item: {"answer": spec dict, "exercise": exercise dict or None (parameterised)}."""
    return [read_one(item) for item in items]


def read_one(item: dict[str, Any]) -> Outcome:
    spec = dict(item["answer"])
    typed = spec.get("type") == AUTO  # a book's answer as printed: a learner types it so
    try:
        if item.get("exercise"):
            return _variant(item["exercise"])
        if spec.get("type") == AUTO:
            if prose(str(spec.get("value", ""))):
                return None, "the answer is words, not maths"
            if SHAPE.fullmatch(str(spec.get("value", ""))):
                return None, "the answer is a matrix's shape (3×5), not a number"
            value = parse(str(spec.get("value", "")), author=True).value
            if isinstance(value, Relation) and not all(
                    _scalar(x) for x in value.operands):
                return None, "an equation between sets, vectors or matrices is not one answer"
            if isinstance(value, Relation) and not any(
                    getattr(x, "free_symbols", None) for x in value.operands):
                return None, "an equation without unknowns is a computation, not one answer"
            spec["type"] = kind_of(value)
        model = AnswerSpec.model_validate(spec)
        if model.type not in UNPARSED:
            reference_of(model)
            if typed and not _checks_itself(model):
                return None, "the book's own answer, typed in, does not check Correct"
        return compact(model), ""
    except ParseError as error:
        return None, f"the grammar cannot read the answer: {error}"
    except SpecError as error:
        return None, str(error)
    except ValidationError as error:
        return None, "not a valid answer spec: " + "; ".join(e["msg"] for e in error.errors())
    except (RecursionError, ValueError, TypeError, ArithmeticError) as error:
        return None, f"the answer could not be read ({type(error).__name__})"


def _checks_itself(model: AnswerSpec) -> bool:
    """Whether a learner typing the key as written is marked Correct: a key they cannot
    enter (read only in author mode) would mark every right answer wrong."""
    values = model.value if isinstance(model.value, list) else [model.value]
    return check_now(model, ", ".join(str(v) for v in values)).status == "correct"


def _variant(exercise: dict[str, Any]) -> Outcome:
    """An exercise with parameters or parts is good when a variant (seed 0) can be made from
    it and every answer of it reads; an `auto` type is decided on that variant (the type is
    the same for every seed) while the templates stay. A parts exercise's outcome is
    `{"parts": [each part's answer], "unread": {part id: why}}`: without parameters a part
    the grammar cannot read is self-graded alone, unless no part can be read."""
    from app.bank.variants import VariantError, make_variant

    try:
        variant = make_variant(exercise, 0)
    except (VariantError, ParseError) as error:
        return None, f"the parameters do not give a variant: {error}"
    if not variant.parts:
        spec, problem = read_one({"answer": variant.answer, "exercise": None})
        return (_typed(exercise["answer"], spec), "") if spec else (None, problem)
    answers, unread = [], {}
    for part_id, part, written in zip(variant.part_ids, variant.parts, exercise["parts"],
                                      strict=True):
        spec, problem = read_one({"answer": part.answer, "exercise": None})
        if spec is None and exercise.get("params"):  # its templates cannot stay unfilled
            return None, f"part {part_id}: {problem}"
        if spec is None:
            unread[part_id] = problem
        answers.append(_typed(written["answer"], spec) if spec else {"type": "self"})
    if len(unread) == len(answers):
        part_id, problem = next(iter(unread.items()))
        return None, f"part {part_id}: {problem}"
    return {"parts": answers, "unread": unread}, ""


def _typed(written: dict[str, Any], read: dict[str, Any]) -> dict[str, Any]:
    """The written answer (templates kept) with the type the grammar decided for `auto`."""
    return {**written, "type": read["type"]} if written.get("type") == AUTO else dict(written)


def prose(text: str) -> bool:
    """Whether an answer reads as words ("Rayleigh scattering"), which the grammar would
    otherwise take as a product of letters. LaTeX commands (`\\frac`) and environments
    (`\\begin{bmatrix}`) are not words."""
    return any(w.lower() not in KNOWN_WORDS for w in _WORD.findall(_ENVIRONMENT.sub(" ", text)))


def _scalar(value: object) -> bool:
    return not isinstance(value, (Bracket, SetLit, MatrixLit, CommaList, Union, Relation))


def compact(model: AnswerSpec) -> dict[str, Any]:
    """A spec without its defaults, as the bank stores it."""
    dumped = model.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    return {"type": model.type} | dumped


def kind_of(value: object) -> str:
    """The answer type a parsed reference is most naturally compared as."""
    if isinstance(value, Relation):
        return "equation" if set(value.ops) == {"="} else "inequality"
    if isinstance(value, SetLit):
        return "set"
    if isinstance(value, Union):
        return "interval"
    if isinstance(value, MatrixLit):
        return "vector" if all(len(row) == 1 for row in value.rows) else "matrix"
    if isinstance(value, Bracket):
        if value.items and all(isinstance(i, Bracket) for i in value.items):
            return "matrix"
        if value.open != value.close.replace(")", "(").replace("]", "["):
            return "interval"
        return "vector" if value.open == "[" else "tuple"
    if isinstance(value, CommaList):
        return "tuple"
    return "number" if getattr(value, "is_number", False) else "expression"
