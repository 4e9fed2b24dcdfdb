"""Parameterised exercises: a variant is a pure function of (exercise, seed) (rule 6).

The same seed gives the same variant, so a pass shows the same variant on every visit and a new
pass (new seed) a fresh one. Derived parameters (`expr`) and `where` conditions are read with
the checker's grammar in author mode — never eval or sympify — and since files may be imported
from anyone, `make_variant` is a module-level function the web layer runs in the checker pool:
`pool.run(make_variant, exercise_dict, seed)`.

Templates: `{{name}}` in the prompt, hints, solution, feedback and choice options (text a learner
reads) becomes the value as LaTeX (`\\frac{3}{4}`, `x^{2}`, `-3`); in the answer value, wrong
values, `expr` and `where` (text the grammar reads) it becomes learner syntax, in brackets unless
it is a plain non-negative integer or name, so `x^{{p}}` with p = 1/2 reads as x^(1/2). A single
brace next to a template is LaTeX's, so `x^{ {{n}} }` and `x^{{{n}}}` both give `x^{3}`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sympy
from sympy.printing.str import StrPrinter

from app.checking.grammar.display import to_latex
from app.checking.grammar.syntax import ParseError, parse
from app.checking.grammar.values import Bracket, CommaList, MatrixLit, Relation, SetLit, Union

MAX_TRIES = 50
"""Draws before `where` is declared unsatisfiable: enough for a few exclusions, quick to fail."""

TEMPLATE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
DECIMAL = re.compile(r"-?[0-9]+\.[0-9]+")
"""A decimal choice (0.25) is shown as written; the grammar reads it as the exact 1/4 anyway."""
READ_TYPES = ("choice", "text", "self")
"""Answer types whose value is not maths to read (option keys, plain text, nothing)."""


class VariantError(ValueError):
    """The exercise's parameters cannot produce a variant (a bad expr, an impossible `where`)."""


@dataclass(frozen=True)
class Value:
    """One parameter's value: as the grammar reads it and as a learner sees it."""

    text: str
    latex: str
    sym: Any = None  # the SymPy value, None for a choice that is plain text


@dataclass(frozen=True)
class Variant:
    """A concrete exercise: what the page shows and the spec the answer is checked against.

    `values` maps each parameter to its learner-syntax text. `answer_latex` is the reference
    answer as LaTeX for the page after checking and `answer_text` the same as a learner would
    type it (author operations such as diff computed); both None where the type has no maths.
    A multi-part exercise's `prompt` is its stem and each of its `parts` is a Variant of its
    own (that part's answer, hints, mistakes and solution), filled with the same values.
    """

    prompt: str
    answer: dict[str, Any] | None
    hints: list[str]
    solution: str
    wrong: list[dict[str, Any]]
    values: dict[str, str] = field(default_factory=dict)
    answer_latex: str | None = None
    answer_text: str | None = None
    seed: int = 0
    parts: list[Variant] = field(default_factory=list)
    part_ids: list[str] = field(default_factory=list)


def make_variant(exercise: Mapping[str, Any], seed: int) -> Variant:
    """The variant of `exercise` (a plain dict, as in the file) for `seed`.

    Raises VariantError when the parameters cannot be drawn or an expression cannot be read.
    An exercise without params comes back as written.
    """
    params = exercise.get("params") or {}
    values = draw(params, exercise.get("where") or [], _rng(exercise, seed)) if params else {}
    parts = exercise.get("parts") or []
    if not parts:
        return _filled(exercise, values, seed)
    return Variant(
        prompt=shown(exercise["prompt"], values), answer=None, hints=[],
        solution=shown(exercise.get("solution") or "", values), wrong=[],
        values={name: v.text for name, v in values.items()}, seed=seed,
        parts=[_filled(part, values, seed) for part in parts],
        part_ids=[str(part["id"]) for part in parts],
    )


def _filled(item: Mapping[str, Any], values: Mapping[str, Value], seed: int) -> Variant:
    """An exercise or one part, its templates filled with `values`."""
    answer = _answer(item["answer"], values)
    reference = read_reference(answer)
    return Variant(
        prompt=shown(item["prompt"], values),
        answer=answer,
        hints=[shown(h, values) for h in item.get("hints") or []],
        solution=shown(item.get("solution") or "", values),
        wrong=[{"value": read(w["value"], values), "feedback": shown(w["feedback"], values)}
               for w in item.get("wrong") or []],
        values={name: v.text for name, v in values.items()},
        answer_latex=_joined(reference, to_latex, ",\\ "),
        answer_text=_joined(reference, learner_text, ", "),
        seed=seed,
    )


def _rng(exercise: Mapping[str, Any], seed: int) -> random.Random:
    """Mixing in the id keeps two exercises given the same seed from sharing their draws."""
    return random.Random(f"{exercise.get('id', '')}/{seed}")


# --- drawing --------------------------------------------------------------------------------


def draw(params: Mapping[str, Any], where: list[str], rng: random.Random) -> dict[str, Value]:
    """Values for every parameter, in the order written, satisfying every `where` condition."""
    for _ in range(MAX_TRIES):
        values: dict[str, Value] = {}
        for name, spec in params.items():
            values[name] = _draw_one(name, spec, values, rng)
        if all(holds(condition, values) for condition in where):
            return values
    raise VariantError(f"no parameter values satisfied `where` in {MAX_TRIES} tries: "
                       + "; ".join(where))


def _draw_one(name: str, spec: Mapping[str, Any], values: dict[str, Value],
              rng: random.Random) -> Value:
    kind = next((k for k in DRAWERS if spec.get(k) is not None), None)
    if kind is None:
        raise VariantError(f"parameter {name}: give one of {', '.join(DRAWERS)}")
    return DRAWERS[kind](name, spec, values, rng)


def _int(name: str, spec: Mapping[str, Any], values: dict[str, Value],
         rng: random.Random) -> Value:
    lo, hi = spec["int"]
    return number(sympy.Integer(rng.randint(lo, hi)))


def _nonzero(name: str, spec: Mapping[str, Any], values: dict[str, Value],
             rng: random.Random) -> Value:
    lo, hi = spec["nonzero"]
    choices = [n for n in range(lo, hi + 1) if n != 0]
    if not choices:
        raise VariantError(f"parameter {name}: nonzero [{lo}, {hi}] has no non-zero value")
    return number(sympy.Integer(rng.choice(choices)))


def _rational(name: str, spec: Mapping[str, Any], values: dict[str, Value],
              rng: random.Random) -> Value:
    """p/q with q from `den` and lo <= p/q <= hi, in lowest terms."""
    lo, hi = spec["rational"]
    dlo, dhi = spec.get("den") or (2, 9)
    q = rng.randint(dlo, dhi)
    p = rng.randint(lo * q, hi * q)
    fraction = Fraction(p, q)
    return number(sympy.Rational(fraction.numerator, fraction.denominator))


def _choice(name: str, spec: Mapping[str, Any], values: dict[str, Value],
            rng: random.Random) -> Value:
    picked = rng.choice(list(spec["choice"]))
    if isinstance(picked, bool) or not isinstance(picked, int | float | str):
        raise VariantError(f"parameter {name}: choices are numbers or text")
    if isinstance(picked, float) or DECIMAL.fullmatch(str(picked)):
        return Value(text=str(picked), latex=str(picked), sym=sympy.Rational(str(picked)))
    if isinstance(picked, int):
        return number(sympy.Integer(picked))
    try:
        return number(evaluated(_scalar(parse(picked, author=True).value, name)))
    except (ParseError, VariantError):
        return Value(text=picked, latex=picked)  # plain text: usable in templates only


def _expr(name: str, spec: Mapping[str, Any], values: dict[str, Value],
          rng: random.Random) -> Value:
    value = _as_matrix(_evaluated(evaluate(spec["expr"], values, what=f"parameter {name}")))
    if isinstance(value, sympy.Basic | sympy.MatrixBase):
        return number(value)
    try:  # a vector, a set, an equation: usable in templates, not as a bare name
        return Value(text=learner_text(value), latex=to_latex(value))
    except (TypeError, ValueError) as error:
        raise VariantError(f"parameter {name}: {error}") from None


def _as_matrix(node: Any) -> Any:
    """`[[1, 2], [3, 4]]` written in an expr is a matrix (shown as one), not a list of lists."""
    if isinstance(node, Bracket) and node.items and all(
            isinstance(row, Bracket) and len(row.items) == len(node.items[0].items)
            and all(isinstance(x, sympy.Basic) for x in row.items) for row in node.items):
        return sympy.ImmutableMatrix([list(row.items) for row in node.items])
    return node


DRAWERS: dict[str, Callable[[str, Mapping[str, Any], dict[str, Value], random.Random], Value]] = {
    "int": _int,
    "nonzero": _nonzero,
    "choice": _choice,
    "rational": _rational,
    "expr": _expr,
}


# --- reading author expressions ---------------------------------------------------------------


def evaluate(text: str, values: Mapping[str, Value], what: str = "expression") -> Any:
    """An author-mode expression of the parameters, evaluated.

    Parameters may be written `{{a}}` or as bare names (substituted after parsing); use `{{a}}`
    inside author operations such as diff or det, which compute while the text is read.
    """
    try:
        parsed = _author_parse(read(text, values))
    except ParseError as error:
        raise VariantError(f"{what}: {error.message} in {text!r}") from None
    return _substitute(parsed, values)


@lru_cache(maxsize=4096)
def _author_parse(text: str) -> Any:
    """Parsed once per text: most parameters and conditions name the others bare, so their
    text is the same for every draw (the values are substituted after)."""
    return parse(text, author=True).value


def _substitute(node: Any, values: Mapping[str, Value]) -> Any:
    mapping = {sympy.Symbol(n): v.sym for n, v in values.items() if v.sym is not None}
    if isinstance(node, Relation):
        return Relation(tuple(_substitute(x, values) for x in node.operands), node.ops)
    if isinstance(node, sympy.Basic | sympy.MatrixBase):
        return evaluated(node.xreplace(mapping)) if mapping else evaluated(node)
    return node


def _scalar(node: Any, what: str) -> sympy.Basic:
    if isinstance(node, sympy.MatrixBase):
        return sympy.ImmutableMatrix(node)
    if not isinstance(node, sympy.Basic):
        raise VariantError(f"{what}: the value must be an expression or a matrix")
    return node


def holds(condition: str, values: Mapping[str, Value]) -> bool:
    """Whether a `where` condition (`a != b`, `0 < p < 1`) holds for these values."""
    node = evaluate(condition, values, what=f"where {condition!r}")
    if not isinstance(node, Relation):
        raise VariantError(f"where {condition!r}: write a comparison such as a != b")
    pairs = zip(node.operands, node.operands[1:], strict=False)
    return all(_compare(left, op, right, condition)
               for (left, right), op in zip(pairs, node.ops, strict=True))


COMPARE = {
    "=": lambda d: d == 0, "!=": lambda d: d != 0, "<": lambda d: d < 0,
    "<=": lambda d: d <= 0, ">": lambda d: d > 0, ">=": lambda d: d >= 0,
}


def _compare(left: Any, op: str, right: Any, condition: str) -> bool:
    if isinstance(left, sympy.MatrixBase) or isinstance(right, sympy.MatrixBase):
        if op not in ("=", "!="):
            raise VariantError(f"where {condition!r}: matrices compare only with = or !=")
        return (sympy.ImmutableMatrix(left) == sympy.ImmutableMatrix(right)) == (op == "=")
    difference = sympy.nsimplify(sympy.simplify(left - right))
    if difference.free_symbols or not difference.is_real:
        raise VariantError(f"where {condition!r}: both sides must be real numbers "
                           f"once the parameters are drawn")
    return bool(COMPARE[op](difference))


def evaluated(node: Any) -> Any:
    """The grammar builds unevaluated (to judge written forms); parameters need the value."""
    return node.doit(deep=True) if isinstance(node, sympy.Basic | sympy.MatrixBase) else node


# --- printing values -------------------------------------------------------------------------


class _LearnerPrinter(StrPrinter):
    """SymPy's str, in the learner grammar: `e` and `i` rather than E and I, matrices as
    nested lists."""

    def doprint(self, expr: Any) -> str:
        return super().doprint(expr).replace("**", "^")  # learners write x^2

    def _print_Exp1(self, expr: Any) -> str:
        return "e"

    def _print_ImaginaryUnit(self, expr: Any) -> str:
        return "i"

    def _print_Infinity(self, expr: Any) -> str:
        return "oo"

    def _print_NegativeInfinity(self, expr: Any) -> str:
        return "-oo"

    def _print_MatrixBase(self, expr: Any) -> str:
        rows = [", ".join(self._print(x) for x in expr.row(i)) for i in range(expr.rows)]
        return "[" + ", ".join(f"[{r}]" for r in rows) + "]"

    def _print_Abs(self, expr: Any) -> str:
        return f"abs({self._print(expr.args[0])})"

    def _print_ceiling(self, expr: Any) -> str:
        return f"ceil({self._print(expr.args[0])})"

    def _print_factorial(self, expr: Any) -> str:
        return f"({self._print(expr.args[0])})!"

    _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_MatrixBase


_PRINTER = _LearnerPrinter()


def number(value: Any) -> Value:
    """A SymPy value as a parameter: its learner-syntax text and its LaTeX."""
    text = _PRINTER.doprint(value)
    return Value(text=text, latex=to_latex(value), sym=value)


# --- templates ---------------------------------------------------------------------------------


def _fill(text: str, values: Mapping[str, Value], pick: Callable[[Value], str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise VariantError(f"{{{{{name}}}}} names no parameter (have: "
                               f"{', '.join(values) or 'none'})")
        return pick(values[name])
    return TEMPLATE.sub(replace, text)


def shown(text: str, values: Mapping[str, Value]) -> str:
    """Text a learner reads: each `{{name}}` becomes the value's LaTeX."""
    return _fill(text, values, lambda v: v.latex) if values else text


def read(text: str, values: Mapping[str, Value]) -> str:
    """Text the grammar reads: each `{{name}}` becomes learner syntax, bracketed if needed."""
    return _fill(text, values, _bracketed) if values else text


def _bracketed(value: Value) -> str:
    plain = re.fullmatch(r"[0-9]+|[A-Za-z_][A-Za-z0-9_]*", value.text)
    return value.text if plain or value.sym is None else f"({value.text})"


def _answer(answer: Mapping[str, Any], values: Mapping[str, Value]) -> dict[str, Any]:
    """The spec with its value read-filled and its option texts show-filled."""
    if not values:
        return dict(answer)
    out = dict(answer)
    value = answer.get("value")
    if answer.get("type") not in READ_TYPES:
        if isinstance(value, list):
            out["value"] = [read(v, values) for v in value]
        elif isinstance(value, str):
            out["value"] = read(value, values)
    if answer.get("options"):
        out["options"] = {k: shown(v, values) for k, v in answer["options"].items()}
    return out


def read_reference(answer: Mapping[str, Any]) -> list[Any] | None:
    """The reference value(s) read in author mode and evaluated, or None if there is no maths.

    A value that cannot be read gives None here; the linter is where such a value is reported.
    """
    value = answer.get("value")
    if answer.get("type") in READ_TYPES or not value:
        return None
    texts = value if isinstance(value, list) else [value]
    try:
        return [_evaluated(parse(t, author=True, variables=answer.get("variables")).value)
                for t in texts]
    except (ParseError, TypeError, ValueError):
        return None


def _joined(nodes: list[Any] | None, show: Callable[[Any], str], sep: str) -> str | None:
    if nodes is None:
        return None
    try:
        return sep.join(show(n) for n in nodes)
    except (TypeError, ValueError, AttributeError):
        return None


def _evaluated(node: Any) -> Any:
    """Computed references (diff, det) evaluated, inside containers too."""
    if isinstance(node, sympy.Basic | sympy.MatrixBase):
        return evaluated(node)
    if isinstance(node, Relation):
        return Relation(tuple(_evaluated(x) for x in node.operands), node.ops)
    if isinstance(node, Bracket):
        return Bracket(node.open, node.close, tuple(_evaluated(x) for x in node.items))
    if isinstance(node, SetLit | CommaList):
        return type(node)(tuple(_evaluated(x) for x in node.items))
    if isinstance(node, Union):
        return Union(tuple(_evaluated(x) for x in node.parts))
    if isinstance(node, MatrixLit):
        return MatrixLit(tuple(tuple(_evaluated(x) for x in row) for row in node.rows))
    return node


def learner_text(node: Any) -> str:
    """A parsed value written back in learner syntax (what a learner could type to match it)."""
    if isinstance(node, sympy.Basic | sympy.MatrixBase):
        return _PRINTER.doprint(node)
    if isinstance(node, Relation):
        parts = [learner_text(node.operands[0])]
        for op, operand in zip(node.ops, node.operands[1:], strict=True):
            parts += [op, learner_text(operand)]
        return " ".join(parts)
    if isinstance(node, Bracket):
        return node.open + ", ".join(learner_text(x) for x in node.items) + node.close
    if isinstance(node, SetLit):
        return "{" + ", ".join(learner_text(x) for x in node.items) + "}"
    if isinstance(node, CommaList):
        return ", ".join(learner_text(x) for x in node.items)
    if isinstance(node, Union):
        return " U ".join(learner_text(x) for x in node.parts)
    if isinstance(node, MatrixLit):
        return "[" + ", ".join("[" + ", ".join(learner_text(x) for x in row) + "]"
                               for row in node.rows) + "]"
    raise TypeError(f"cannot write {type(node).__name__} in learner syntax")
