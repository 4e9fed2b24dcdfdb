"""Comparison of structured answers, element by element: relations, brackets, sets, intervals,
matrices and spans. Scalars go to `equivalence` (or `numeric` under a tolerance).

A vector, matrix, tuple, set or list is judged entry by entry (`judge_sequence`,
`judge_elements`): the result says which entries are wrong (`Entries`), and each entry is read
with its own digits as written (`entry_texts`), so a tolerance applies to each entry.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

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
from .numeric import INEXACT_SLIP, SLIPS, rounded_decimal, within
from .spec import Tolerance


@dataclass(frozen=True)
class Context:
    """What every comparison needs from the spec."""

    domain: str = "real"
    tolerance: Tolerance | None = None
    written: str = ""  # the response as typed, for significant figures and decimal places
    texts: Mapping[sympy.Basic, str] = field(default_factory=dict)  # each entry as typed

    def scalar(self, ref: sympy.Basic, resp: sympy.Basic) -> Outcome:
        written = self.texts.get(resp, self.written)
        if self.tolerance is not None:
            return within(ref, resp, self.tolerance, written)
        outcome = equivalent(ref, resp, self.domain)
        if outcome.equal is False and rounded_decimal(ref, resp, written):
            return INEXACT_SLIP
        return outcome


def is_slip(outcome: Outcome) -> bool:
    """Wrong only in form (digits typed, a decimal for an exact value): not read."""
    return outcome.equal is False and outcome.note in SLIPS


def combine(outcomes: Sequence[Outcome]) -> Outcome:
    """All equal -> equal (noting any numeric step); any different -> different, unless every
    difference is a slip of form (then the first slip); else undecided."""
    wrong = [o for o in outcomes if o.equal is False]
    if wrong:
        return wrong[0] if all(is_slip(o) for o in wrong) else DIFFERENT
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
        if outcome.equal is False and not is_slip(outcome):
            return DIFFERENT
        outcomes.append(outcome)
    return combine(outcomes)


def same_set(ref: Sequence, resp: Sequence, ctx: Context) -> Outcome:
    """Sets: every response element is some reference element and every reference element is
    given; repeats do not matter."""
    return judge_elements(ref, resp, ctx, once=False)[0]


# --- entry by entry -------------------------------------------------------------------------

Position = tuple[int, ...]


def place(position: Sequence[int]) -> str:
    """A position as the learner reads it: `2` in a vector, `(2,1)` in a matrix."""
    return str(position[0]) if len(position) == 1 else f"({','.join(map(str, position))})"


@dataclass(frozen=True)
class Entries:
    """Which entries of a structured answer are wrong, by position (1-based; (row, column) in
    a matrix; in a set or a list in any order, the place of the element in the response), and
    how many of the reference's `of` are right."""

    wrong: tuple[Position, ...]
    right: int
    of: int
    elements: bool = False  # a set or a list in any order: elements, not entries

    def to_json(self) -> dict:
        return {"wrong": [list(p) for p in self.wrong], "right": self.right, "of": self.of}

    def where(self) -> str:
        """`entry (2,1)`, `entries 1 and 3`, `your element 3`: the wrong ones, in words."""
        names = [place(p) for p in self.wrong]
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        if self.elements:
            return f"your element{'s' if len(names) > 1 else ''} {listed}"
        return f"entr{'ies' if len(names) > 1 else 'y'} {listed}"

    def message(self) -> str:
        noun = "elements" if self.elements else "entries"
        counted = f"{self.right} of {self.of} {noun} right"
        if not self.wrong:
            missing = self.of - self.right
            return f"{counted}: {missing} {'is' if missing == 1 else 'are'} missing."
        if self.elements:
            return f"{counted}: {self.where()} {'is' if len(self.wrong) == 1 else 'are'} not " \
                   "in the answer."
        return f"{counted}: {self.where()} {'is' if len(self.wrong) == 1 else 'are'} wrong."


def judge_sequence(ref: Sequence, resp: Sequence, ctx: Context,
                   positions: Sequence[Position]) -> tuple[Outcome, Entries]:
    """Entries in order, every one compared (not just up to the first wrong one)."""
    outcomes = [same(r, s, ctx) for r, s in zip(ref, resp, strict=True)]
    wrong = tuple(p for p, o in zip(positions, outcomes, strict=True) if o.equal is False)
    right = sum(o.equal is True for o in outcomes)
    return combine(outcomes), Entries(wrong, right, len(ref))


def judge_elements(ref: Sequence, resp: Sequence, ctx: Context,
                   once: bool) -> tuple[Outcome, Entries]:
    """Elements in any order. A list (`once`): each response element is matched to a
    reference element of its own. A set: to every reference element it equals (a value
    written twice in the reference is given by one element). Right when every response
    element matches and every reference element is matched; a slip when each unmatched
    element is a slip of form for some reference element."""
    matched: dict[int, Outcome] = {}
    wrong: list[Position] = []
    slips: list[Outcome | None] = []
    for place, item in enumerate(resp, start=1):
        found, slip = _matches(item, ref, ctx, set(matched) if once else set(), first=once)
        if not found:
            wrong.append((place,))
            slips.append(slip)
        for index, outcome in found:
            matched.setdefault(index, outcome)
    entries = Entries(tuple(wrong), len(matched), len(ref), elements=True)
    if not wrong and len(matched) == len(ref):
        return combine(list(matched.values())), entries
    if wrong and all(slips) and len(matched) + len(wrong) == len(ref):
        return slips[0], entries
    return DIFFERENT, entries


def _matches(item: object, candidates: Sequence, ctx: Context, taken: set[int], first: bool
             ) -> tuple[list[tuple[int, Outcome]], Outcome | None]:
    """The candidates `item` equals (only the first when `first`), and when there is none,
    the first slip of form it makes."""
    found: list[tuple[int, Outcome]] = []
    slip = None
    for index, candidate in enumerate(candidates):
        if index in taken:
            continue
        outcome = same(candidate, item, ctx)
        if outcome.equal:
            found.append((index, outcome))
            if first:
                break
        elif slip is None and is_slip(outcome):
            slip = outcome
    return found, None if found else slip


def entry_texts(node: object, decimals: Sequence[str]) -> dict[sympy.Basic, str]:
    """Each scalar entry of a response as typed, for the tolerances that read digits: the
    grammar reads `2.50` as the exact 5/2 and records the decimal literals in order, so they
    are given back to the entries in order. A value written twice keeps its first writing."""
    literals = deque(decimals)
    texts: dict[sympy.Basic, str] = {}
    for entry in _scalars(node):
        written = _written(entry, literals)  # always: it moves on past this entry's literals
        texts.setdefault(entry, written)
    return texts


def _scalars(node: object) -> Iterator[sympy.Basic]:
    if isinstance(node, sympy.MatrixBase):
        yield from node
    elif isinstance(node, sympy.Basic):
        yield node
    elif isinstance(node, Relation):
        for x in node.operands:
            yield from _scalars(x)
    elif isinstance(node, (Bracket, SetLit, CommaList)):
        for x in node.items:
            yield from _scalars(x)
    elif isinstance(node, Union):
        for x in node.parts:
            yield from _scalars(x)
    elif isinstance(node, MatrixLit):
        for row in node.rows:
            for x in row:
                yield from _scalars(x)


def _written(entry: sympy.Basic, literals: deque[str]) -> str:
    mapping = {}
    for leaf in sympy.preorder_traversal(entry):
        if literals and leaf.is_Rational and abs(leaf) == _exact(literals[0]):
            text = literals.popleft()
            mapping[leaf] = sympy.Symbol(text if leaf >= 0 else f"-{text}")
    return str(entry.xreplace(mapping)) if mapping else str(entry)


def _exact(literal: str) -> sympy.Rational:
    return sympy.Rational(Fraction(Decimal(literal)))


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
    left = equation_difference(*_without_moduli(ref.operands, ctx.domain))
    right = equation_difference(*_without_moduli(resp.operands, ctx.domain))
    return proportional(right, left, ctx.domain)


def _without_moduli(sides: tuple, domain: str) -> tuple:
    """`|A| = |B|` as `A^2 = B^2`: over the reals both sides are non-negative, so squaring
    keeps the solutions, and `|x| = |y|` compares with `(x - y)(x + y) = 0`."""
    if domain != "complex" and all(isinstance(side, sympy.Abs) for side in sides):
        return tuple(side.args[0] ** 2 for side in sides)
    return sides


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
