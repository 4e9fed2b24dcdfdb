"""Comparison of structured answers, element by element: relations, brackets, sets, intervals,
matrices and spans. Scalars go to `equivalence`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy

from app.checking.grammar.values import Bracket, CommaList, MatrixLit, Relation, SetLit, Union

from .equivalence import (
    DIFFERENT,
    SAME,
    Outcome,
    equation_difference,
    equivalent,
    evaluated,
    proportional,
)
from .inequalities import same_inequality
from .numeric import within
from .spec import Tolerance


@dataclass(frozen=True)
class Context:
    """What every comparison needs from the spec."""

    domain: str = "real"
    tolerance: Tolerance | None = None
    written: str = ""  # the response as typed, for significant figures and decimal places

    def scalar(self, ref: sympy.Basic, resp: sympy.Basic) -> Outcome:
        if self.tolerance is not None:
            return within(ref, resp, self.tolerance, self.written)
        return equivalent(ref, resp, self.domain)


def combine(outcomes: Sequence[Outcome]) -> Outcome:
    """All equal -> equal (noting any numeric step); any different -> different; else undecided."""
    if any(o.equal is False for o in outcomes):
        return DIFFERENT
    if any(o.equal is None for o in outcomes):
        return next(o for o in outcomes if o.equal is None)
    notes = {o.note for o in outcomes if o.note}
    return Outcome(True, "numeric") if "numeric" in notes else SAME


def same(ref: object, resp: object, ctx: Context) -> Outcome:
    """Whether a response node means the same as a reference node of the same kind."""
    if isinstance(ref, sympy.MatrixBase) or isinstance(resp, sympy.MatrixBase):
        return same_matrix(as_rows(ref), as_rows(resp), ctx)
    if isinstance(ref, sympy.Basic):
        return ctx.scalar(ref, resp) if isinstance(resp, sympy.Basic) else DIFFERENT
    if type(ref) is not type(resp):
        return DIFFERENT
    if isinstance(ref, Relation):
        return same_relation(ref, resp, ctx)
    if isinstance(ref, Bracket):
        return same_sequence(ref.items, resp.items, ctx) if ref.open == resp.open else DIFFERENT
    if isinstance(ref, SetLit):
        return same_set(ref.items, resp.items, ctx)
    if isinstance(ref, MatrixLit):
        return same_matrix(ref.rows, resp.rows, ctx)
    if isinstance(ref, CommaList):
        return same_sequence(ref.items, resp.items, ctx)
    if isinstance(ref, Union):
        return same_sequence(ref.parts, resp.parts, ctx)
    return DIFFERENT


def same_sequence(ref: Sequence, resp: Sequence, ctx: Context,
                  compare: Callable[[object, object, Context], Outcome] = same) -> Outcome:
    if len(ref) != len(resp):
        return DIFFERENT
    outcomes = []
    for r, s in zip(ref, resp, strict=True):
        outcome = compare(r, s, ctx)
        if outcome.equal is False:
            return DIFFERENT
        outcomes.append(outcome)
    return combine(outcomes)


def same_unordered(ref: Sequence, resp: Sequence, ctx: Context) -> Outcome:
    """The same items in any order, each used once (a multiset match)."""
    if len(ref) != len(resp):
        return DIFFERENT
    remaining = list(resp)
    outcomes = []
    for r in ref:
        match = _first_match(r, remaining, ctx)
        if match is None:
            return DIFFERENT
        index, outcome = match
        remaining.pop(index)
        outcomes.append(outcome)
    return combine(outcomes)


def same_set(ref: Sequence, resp: Sequence, ctx: Context) -> Outcome:
    """Sets: every response element is some reference element and every reference element is
    given; repeats do not matter."""
    outcomes = []
    for r in ref:
        match = _first_match(r, resp, ctx)
        if match is None:
            return DIFFERENT
        outcomes.append(match[1])
    for s in resp:
        match = _first_match(s, ref, ctx, reverse=True)
        if match is None:
            return DIFFERENT
    return combine(outcomes)


def _first_match(item: object, candidates: Sequence, ctx: Context, reverse: bool = False):
    for index, candidate in enumerate(candidates):
        outcome = same(candidate, item, ctx) if reverse else same(item, candidate, ctx)
        if outcome.equal:
            return index, outcome
    return None


def as_rows(node: object) -> tuple[tuple, ...] | None:
    """A matrix as rows, from `[[1,2],[3,4]]`, a LaTeX pmatrix or an author-mode Matrix."""
    if isinstance(node, sympy.MatrixBase):
        return tuple(tuple(node.row(i)) for i in range(node.rows))
    if isinstance(node, MatrixLit):
        return node.rows
    if isinstance(node, Bracket) and node.items and all(
        isinstance(row, Bracket) and row.open == "[" and row.close == "]" for row in node.items
    ):
        rows = tuple(row.items for row in node.items)
        if len({len(row) for row in rows}) == 1:
            return rows
    return None


def same_matrix(ref: tuple | None, resp: tuple | None, ctx: Context) -> Outcome:
    if ref is None or resp is None or len(ref) != len(resp) or len(ref[0]) != len(resp[0]):
        return DIFFERENT
    return same_sequence([x for row in ref for x in row], [x for row in resp for x in row], ctx)


def same_relation(ref: Relation, resp: Relation, ctx: Context) -> Outcome:
    if set(ref.ops) == {"="}:
        if set(resp.ops) != {"="} or len(ref.ops) != 1 or len(resp.ops) != 1:
            return DIFFERENT
        return same_equation(ref, resp, ctx)
    return same_inequality(ref, resp, ctx.domain)


def same_equation(ref: Relation, resp: Relation, ctx: Context) -> Outcome:
    """Equal up to a non-zero factor or rearranged: `2y = 4x + 2` is `y = 2x + 1`."""
    left = equation_difference(*ref.operands)
    right = equation_difference(*resp.operands)
    return proportional(right, left, ctx.domain)


def interval_parts(node: object) -> list[sympy.Set] | None:
    """An interval answer as SymPy sets: `(0, 1]`, `[2, oo)`, `{3}` and unions of them."""
    parts = node.parts if isinstance(node, Union) else (node,)
    sets = []
    for part in parts:
        if isinstance(part, Bracket) and len(part.items) == 2 and all(
            isinstance(x, sympy.Basic) for x in part.items
        ):
            lo, hi = (evaluated(x) for x in part.items)
            sets.append(sympy.Interval(lo, hi, part.open == "(", part.close == ")"))
        elif isinstance(part, SetLit) and all(isinstance(x, sympy.Basic) for x in part.items):
            sets.append(sympy.FiniteSet(*(evaluated(x) for x in part.items)))
        else:
            return None
    return sets


def same_interval(ref: list[sympy.Set], resp: list[sympy.Set], ctx: Context) -> Outcome:
    """Exact numeric endpoints: the same set of reals (unions merged). Symbolic endpoints or a
    tolerance: the same parts, endpoint by endpoint (within the tolerance)."""
    ref_set, resp_set = sympy.Union(*ref), sympy.Union(*resp)
    if ctx.tolerance is None and not (ref_set.free_symbols or resp_set.free_symbols):
        return SAME if ref_set == resp_set else DIFFERENT
    if len(ref) != len(resp):
        return DIFFERENT
    outcomes = []
    for r, s in zip(ref, resp, strict=True):
        if type(r) is not type(s):
            return DIFFERENT
        if isinstance(r, sympy.Interval):
            if (r.left_open, r.right_open) != (s.left_open, s.right_open):
                return DIFFERENT
            outcomes.append(ctx.scalar(r.start, s.start))
            outcomes.append(ctx.scalar(r.end, s.end))
        else:
            outcomes.append(same_set(list(r.args), list(s.args), ctx))
    return combine(outcomes)
