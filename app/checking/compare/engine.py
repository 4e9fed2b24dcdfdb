"""One check, in process and without a time limit: read the reference and the response, make
sure the response has the shape the answer type asks for, compare, and word the result.

Callers outside the pool's workers should use `app.checking.check`, which runs this under the
sandbox's limits.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

import sympy

from app.checking.grammar.display import as_typed, shown
from app.checking.grammar.syntax import ParseError, parse
from app.checking.grammar.values import (
    Bracket,
    CommaList,
    MatrixLit,
    Parsed,
    Relation,
    SetLit,
    Union,
)

from . import forms
from .diagnosis import diagnose
from .equivalence import Outcome, equivalent, evaluated, proportional
from .integrals import compare_antiderivative
from .result import CheckResult, Validation
from .spec import AnswerSpec
from .structures import (
    DIFFERENT,
    Context,
    Entries,
    as_rows,
    combine,
    entry_texts,
    interval_parts,
    is_slip,
    judge_elements,
    judge_sequence,
    same_interval,
    same_relation,
)

# Names a learner may use for the constant of integration.
CONSTANT_NAMES = ("C", "c", "K", "k", "C_1", "c_1")
EXPECTED = {
    "expression": "an expression such as 2x + 1",
    "number": "a number such as 3/4 or sqrt(2)",
    "equation": "an equation such as y = 2x + 1",
    "inequality": "an inequality such as x > 1 or 0 < x <= 1",
    "set": "a set such as {1, 2}",
    "interval": "an interval such as (0, 1] or [2, oo), or a union such as (0, 1) U (2, 3)",
    "tuple": "a tuple such as (1, 2)",
    "vector": "a vector such as [1, 2, 3]",
    "matrix": "a matrix such as [[1, 2], [3, 4]]",
    "span": "a list of vectors such as [1, 0, 1], [0, 1, 1]",
}


class NotRead(Exception):
    """The response cannot be compared: it is `invalid`, and no attempt is recorded."""


class SpecError(ValueError):
    """The exercise's own reference answer cannot be read."""


def check_now(spec: AnswerSpec, response: str) -> CheckResult:
    """Check a response against a spec. Unlimited: only call it inside the pool's workers."""
    started = time.monotonic()
    if spec.type == "self":
        return CheckResult("undecided", "Compare your answer with the worked solution and rate "
                           "it yourself.", notes=["self-graded"])
    if spec.type == "choice":
        return _check_choice(spec, response)
    if spec.type == "text":
        return _check_text(spec, response)
    try:
        reference = reference_of(spec)
        answer = read_response(spec, response, reference)
    except NotRead as error:
        return CheckResult("invalid", str(error))
    except SpecError as error:
        return CheckResult("invalid", f"This exercise's answer is broken: {error}", notes=["spec"])
    latex = _latex(answer)
    try:
        compare = _compare_literal if spec.form == "literal" else COMPARERS[spec.type]
        judged = compare(spec, reference, answer)
    except NotRead as error:
        return CheckResult("invalid", str(error), latex)
    except SpecError as error:
        return CheckResult("invalid", f"This exercise's answer is broken: {error}", latex, ["spec"])
    result = _result(spec, answer, judged, latex)
    if result.status == "incorrect" and judged.outcome.equal is False and spec.form != "literal":
        found = diagnose(spec, _reference_shape(spec, reference), _shape(spec, answer.value),
                         _context(spec, answer), started)
        if found is not None:
            return replace(result, diagnosis={"code": found.code, "message": found.message})
    return result


def validate_now(spec: AnswerSpec, response: str) -> Validation:
    """How a response is read, for the live preview; no comparison."""
    if spec.type in ("self", "choice", "text"):
        return Validation(True, "", None, [])
    try:
        reference = reference_of(spec)
        answer = read_response(spec, response, reference)
        _shape(spec, answer.value)
    except NotRead as error:
        return Validation(False, str(error))
    names = sorted(s.name for s in _symbols(answer.value))
    try:
        typed, reading = shown(answer)
    except (TypeError, ValueError, AttributeError, RecursionError):
        return Validation(True, "", None, names)
    return Validation(True, "", typed, names, reading)


# --- reading ------------------------------------------------------------------------------


def reference_of(spec: AnswerSpec) -> Parsed:
    values = tuple(spec.value) if isinstance(spec.value, list) else (spec.value,)
    return _parse_reference(values, tuple(spec.variables) if spec.variables is not None else None,
                            spec.domain == "complex")


@lru_cache(maxsize=4096)
def _parse_reference(values: tuple[str, ...], variables: tuple[str, ...] | None,
                     imaginary: bool) -> Parsed:
    try:
        parsed = [parse(v, author=True, variables=variables, imaginary=imaginary)
                  for v in values]
    except ParseError as error:
        raise SpecError(f"the reference answer cannot be read: {error.message}") from error
    if len(parsed) == 1:
        return parsed[0]
    return Parsed(CommaList(tuple(p.value for p in parsed)), text=", ".join(values))


def variables_of(spec: AnswerSpec, reference: Parsed) -> tuple[str, ...]:
    if spec.variables is not None:
        return tuple(spec.variables)
    return tuple(sorted(s.name for s in _symbols(reference.value)))


def read_response(spec: AnswerSpec, response: str, reference: Parsed) -> Parsed:
    if not response.strip():
        raise NotRead("Type an answer first.")
    allowed = variables_of(spec, reference)
    if spec.compare in ("antiderivative", "up_to_constant"):
        allowed += tuple(n for n in CONSTANT_NAMES if n not in allowed)
    try:
        answer = parse(response, variables=allowed, imaginary=spec.domain == "complex",
                       expect=spec.type)
    except ParseError as error:
        raise NotRead(error.message) from error
    used = sorted(set(spec.forbid) & (answer.functions | _names(answer.value)))
    if used:
        raise NotRead(f"You may not use {', '.join(used)} in this answer.")
    if spec.floats == "forbid" and answer.decimals:
        raise NotRead(f"Give an exact value: decimals such as {answer.decimals[0]} are not "
                      "accepted here (write a fraction, a root or pi instead).")
    return answer


def _symbols(node: object) -> set[sympy.Symbol]:
    if isinstance(node, (sympy.Basic, sympy.MatrixBase)):
        return {s for s in node.free_symbols if isinstance(s, sympy.Symbol)}
    found: set[sympy.Symbol] = set()
    for child in _children(node):
        found |= _symbols(child)
    return found


def _names(node: object) -> set[str]:
    return {s.name for s in _symbols(node)}


def _children(node: object) -> tuple:
    if isinstance(node, Relation):
        return node.operands
    if isinstance(node, (Bracket, SetLit, CommaList)):
        return node.items
    if isinstance(node, Union):
        return node.parts
    if isinstance(node, MatrixLit):
        return tuple(x for row in node.rows for x in row)
    return ()


def _latex(parsed: Parsed) -> str | None:
    """The response as typed (DESIGN §3: `latex` keeps the learner's order)."""
    try:
        return as_typed(parsed)
    except (TypeError, ValueError, AttributeError, RecursionError):
        return None


# --- shapes -------------------------------------------------------------------------------


def _is_scalar(node: object) -> bool:
    return isinstance(node, sympy.Expr) and not isinstance(node, sympy.MatrixBase)


def _shape(spec: AnswerSpec, node: object) -> object:
    """The response in the shape its type asks for, or NotRead saying what was expected."""
    shaped = SHAPES[spec.type](node)
    if shaped is None:
        raise NotRead(f"This question expects {EXPECTED[spec.type]}.")
    return shaped


def _as_scalar(node: object) -> object | None:
    return node if _is_scalar(node) else None


def _as_number(node: object) -> object | None:
    return node if _is_scalar(node) and not node.free_symbols else None


def _as_relation(ops: set[str]) -> Callable[[object], object | None]:
    def shape(node: object) -> object | None:
        items = node.items if isinstance(node, CommaList) else (node,)
        fits = all(isinstance(x, Relation) and set(x.ops) <= ops for x in items)
        return node if fits else None
    return shape


def _as_set(node: object) -> object | None:
    return node if isinstance(node, SetLit) else None


def _as_interval(node: object) -> object | None:
    return interval_parts(node)


def _as_items(node: object) -> tuple | None:
    """A tuple or vector written with either bracket, or bare commas; its entries are
    expressions (or conditions, as in [1, x > 2])."""
    if isinstance(node, (Bracket, CommaList)) and all(
        _is_scalar(x) or isinstance(x, Relation) for x in node.items
    ):
        return node.items
    if isinstance(node, MatrixLit) and (len(node.rows) == 1 or len(node.rows[0]) == 1):
        return tuple(x for row in node.rows for x in row)
    if isinstance(node, sympy.MatrixBase) and 1 in node.shape:
        return tuple(node)
    return None


def _as_vectors(node: object) -> list[tuple] | None:
    """A span answer: vectors separated by commas, in a set, in a list, or just one."""
    if _as_items(node) is not None and not isinstance(node, CommaList):
        return [_as_items(node)]
    rows = as_rows(node) if not isinstance(node, MatrixLit) else None
    if rows is not None:
        return list(rows)
    if isinstance(node, (CommaList, SetLit)):
        vectors = [_as_items(x) for x in node.items]
        return vectors if vectors and all(v is not None for v in vectors) else None
    return None


SHAPES: dict[str, Callable[[object], object | None]] = {
    "expression": _as_scalar,
    "number": _as_number,
    "equation": _as_relation({"="}),
    "inequality": _as_relation({"<", "<=", ">", ">="}),
    "set": _as_set,
    "interval": _as_interval,
    "tuple": _as_items,
    "vector": _as_items,
    "matrix": as_rows,
    "span": _as_vectors,
}


# --- comparisons per type -------------------------------------------------------------------


@dataclass(frozen=True)
class Judged:
    """What a comparison found: the outcome, a message when it has more to say than the
    verdict, and for a structured answer which entries are wrong."""

    outcome: Outcome
    message: str = ""
    entries: Entries | None = None


def _context(spec: AnswerSpec, answer: Parsed) -> Context:
    return Context(spec.domain, spec.tolerance, answer.text, _texts(spec, answer))


def _texts(spec: AnswerSpec, answer: Parsed) -> dict:
    """Each entry of a structured response as typed, where digits matter: a decimal to judge
    as rounded, or a tolerance in figures or places. A scalar is read from the whole text."""
    digits = spec.tolerance is not None and spec.tolerance.relative is None \
        and spec.tolerance.absolute is None
    if _is_scalar(answer.value) or not (answer.decimals or digits):
        return {}
    return entry_texts(answer.value, answer.decimals)


def _compare_expression(spec: AnswerSpec, reference: Parsed, answer: Parsed) -> Judged:
    resp = _shape(spec, answer.value)
    ref = _reference_shape(spec, reference)
    if spec.compare in ("up_to_constant", "antiderivative"):
        return Judged(*compare_antiderivative(ref, resp, spec.variables, spec.domain,
                                              need_constant=spec.compare == "antiderivative"))
    if spec.compare == "up_to_scale":
        return Judged(proportional(resp, ref, spec.domain))
    return Judged(_context(spec, answer).scalar(ref, resp))


def _compare_literal(spec: AnswerSpec, reference: Parsed, answer: Parsed) -> Judged:
    """The same as written, up to the order and grouping of sums and products."""
    resp = _shape(spec, answer.value)
    ref = _reference_shape(spec, reference)
    same_tree = forms.literal_key(resp) == forms.literal_key(ref)
    same_decimals = sorted(answer.decimals) == sorted(reference.decimals)  # 4.0 is not 4
    return Judged(Outcome(True) if same_tree and same_decimals else DIFFERENT)


def _reference_shape(spec: AnswerSpec, reference: Parsed) -> object:
    shaped = SHAPES[spec.type](reference.value)
    if shaped is None:
        raise SpecError(f"the reference answer is not {EXPECTED[spec.type]}")
    return shaped


def _compare_relations(spec: AnswerSpec, reference: Parsed, answer: Parsed) -> Judged:
    resp = _shape(spec, answer.value)
    ref = _reference_shape(spec, reference)
    ctx = _context(spec, answer)
    if isinstance(ref, CommaList) or isinstance(resp, CommaList):
        ref_items = ref.items if isinstance(ref, CommaList) else (ref,)
        resp_items = resp.items if isinstance(resp, CommaList) else (resp,)
        outcome, entries = judge_elements(ref_items, resp_items, ctx, once=True)
        return Judged(outcome, entries=entries)
    return Judged(same_relation(ref, resp, ctx))


def _compare_set(spec: AnswerSpec, reference: Parsed, answer: Parsed) -> Judged:
    resp = _shape(spec, answer.value)
    ref = _reference_shape(spec, reference)
    outcome, entries = judge_elements(ref.items, resp.items, _context(spec, answer), once=False)
    return Judged(outcome, entries=entries)


def _compare_interval(spec: AnswerSpec, reference: Parsed, answer: Parsed) -> Judged:
    resp = _shape(spec, answer.value)
    ref = _reference_shape(spec, reference)
    return Judged(same_interval(ref, resp, _context(spec, answer)))


def _compare_items(spec: AnswerSpec, reference: Parsed, answer: Parsed) -> Judged:
    resp = _shape(spec, answer.value)
    ref = _reference_shape(spec, reference)
    ctx = _context(spec, answer)
    if len(ref) != len(resp):
        return Judged(DIFFERENT, f"The answer should have {len(ref)} entries; yours has "
                      f"{len(resp)}.")
    if spec.compare == "unordered":
        outcome, entries = judge_elements(ref, resp, ctx, once=True)
    elif spec.compare == "up_to_scale":
        return Judged(_parallel(ref, resp, spec.domain))
    else:
        outcome, entries = judge_sequence(ref, resp, ctx, [(i,) for i in range(1, len(ref) + 1)])
    return Judged(outcome, entries=entries)


def _parallel(ref: tuple, resp: tuple, domain: str) -> Outcome:
    """Vectors equal up to a non-zero factor: every 2x2 minor vanishes, and not all zero."""
    if all(equivalent(x, sympy.Integer(0), domain).equal for x in resp):
        return DIFFERENT
    minors = [
        equivalent(resp[i] * ref[j] - resp[j] * ref[i], sympy.Integer(0), domain)
        for i in range(len(ref)) for j in range(i + 1, len(ref))
    ]
    return combine(minors) if minors else Outcome(True)


def _compare_matrix(spec: AnswerSpec, reference: Parsed, answer: Parsed) -> Judged:
    resp = _shape(spec, answer.value)
    ref = _reference_shape(spec, reference)
    if (len(ref), len(ref[0])) != (len(resp), len(resp[0])):
        return Judged(DIFFERENT, f"The answer should be a {len(ref)}×{len(ref[0])} matrix; "
                      f"yours is {len(resp)}×{len(resp[0])}.")
    if spec.compare == "up_to_scale":
        return Judged(_parallel(sum(ref, ()), sum(resp, ()), spec.domain))
    positions = [(i, j) for i in range(1, len(ref) + 1) for j in range(1, len(ref[0]) + 1)]
    outcome, entries = judge_sequence(sum(ref, ()), sum(resp, ()), _context(spec, answer),
                                      positions)
    return Judged(outcome, entries=entries)


def _compare_span(spec: AnswerSpec, reference: Parsed, answer: Parsed) -> Judged:
    """The same space: rank of each equals the rank of both together. A basis must also be
    linearly independent."""
    resp = _shape(spec, answer.value)
    ref = _reference_shape(spec, reference)
    if len({len(v) for v in resp + ref}) != 1:
        return Judged(DIFFERENT, "These vectors do not live in the same space as the answer's.")
    ref_m, resp_m = _matrix_of(ref), _matrix_of(resp)
    rank = ref_m.rank(simplify=True)
    together = ref_m.col_join(resp_m).rank(simplify=True)
    if resp_m.rank(simplify=True) != rank or together != rank:
        return Judged(DIFFERENT)
    if spec.compare == "basis" and len(resp) != rank:
        return Judged(DIFFERENT, "These vectors span the space, but they are not linearly "
                      "independent.")
    return Judged(Outcome(True))


def _matrix_of(vectors: list[tuple]) -> sympy.Matrix:
    return sympy.Matrix([[evaluated(x) for x in v] for v in vectors])


COMPARERS: dict[str, Callable[[AnswerSpec, Parsed, Parsed], Judged]] = {
    "expression": _compare_expression,
    "number": _compare_expression,
    "equation": _compare_relations,
    "inequality": _compare_relations,
    "set": _compare_set,
    "interval": _compare_interval,
    "tuple": _compare_items,
    "vector": _compare_items,
    "matrix": _compare_matrix,
    "span": _compare_span,
}


# --- the result -----------------------------------------------------------------------------


def _result(spec: AnswerSpec, answer: Parsed, judged: Judged, latex: str | None) -> CheckResult:
    outcome, message = judged.outcome, judged.message
    entries = judged.entries if judged.entries and outcome.equal is False else None
    shown = entries.to_json() if entries else None
    notes = [outcome.note] if outcome.note else []
    if outcome.equal is None:
        return CheckResult("undecided", message or "The checker could not decide; compare with "
                           "the solution and rate it yourself.", latex, notes)
    if is_slip(outcome):
        where = f" (check {entries.where()})" if entries else ""
        return CheckResult("invalid", _slip_message(spec, outcome.note, where), latex, notes,
                           entries=shown)
    if outcome.equal and spec.form in forms.FORMS:
        form_message = forms.form_message(spec.form, answer.value)
        if form_message:
            return CheckResult("incorrect", form_message, latex, notes + [f"form:{spec.form}"])
    if outcome.equal:
        return CheckResult("correct", message or "Correct.", latex, notes)
    if not message:
        message = entries.message() if entries else "Incorrect."
    return CheckResult("incorrect", message, latex, notes, entries=shown)


def _slip_message(spec: AnswerSpec, note: str, where: str) -> str:
    """What to type instead, for a response wrong only in form (it is not read)."""
    if note == "sigfigs":
        return f"Give the answer to {spec.tolerance.sigfigs} significant figures{where}."
    if note == "decimals":
        return f"Give the answer to {spec.tolerance.decimals} decimal places{where}."
    return (f"Close — give an exact value (a fraction, a root or pi) rather than a rounded "
            f"decimal{where}.")


# --- choice and text ----------------------------------------------------------------------

SEPARATORS = re.compile(r"[\s,;]+")


def _check_choice(spec: AnswerSpec, response: str) -> CheckResult:
    chosen = {k for k in SEPARATORS.split(response.strip()) if k}
    if not chosen:
        return CheckResult("invalid", "Choose an option first.")
    unknown = sorted(chosen - set(spec.options or {}))
    if unknown:
        return CheckResult("invalid", f"There is no option {', '.join(unknown)}; choose among "
                           f"{', '.join(spec.options or {})}.")
    if chosen == set(spec.choice_keys):
        return CheckResult("correct", "Correct.")
    return CheckResult("incorrect", "Incorrect.")


def _normal_text(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip(".")


def _check_text(spec: AnswerSpec, response: str) -> CheckResult:
    if not response.strip():
        return CheckResult("invalid", "Type an answer first.")
    if _normal_text(response) == _normal_text(str(spec.value)):
        return CheckResult("correct", "Correct.")
    return CheckResult("incorrect", "Incorrect.")

