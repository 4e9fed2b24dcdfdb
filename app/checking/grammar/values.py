"""What the grammar builds: SymPy expressions, and plain containers around them.

Brackets are ambiguous on their own — `(0, 1]` is an interval, `(1, 2)` may be an interval, a
tuple or a vector — so the grammar keeps what was written and the answer type decides what it
means (see `compare`).
"""

from __future__ import annotations

from dataclasses import dataclass

Node = "sympy.Expr | Relation | Bracket | SetLit | MatrixLit | Union | CommaList"


@dataclass(frozen=True)
class Relation:
    """`y = 2x + 1`, `x > 1`, or a chain `0 < x <= 1`: operands joined by operators."""

    operands: tuple
    ops: tuple[str, ...]  # each one of = != < <= > >=


@dataclass(frozen=True)
class Bracket:
    """`(a, b)`, `[a, b]`, `(a, b]`, `[a]`: items between an opening and a closing bracket."""

    open: str  # "(" or "["
    close: str  # ")" or "]"
    items: tuple


@dataclass(frozen=True)
class SetLit:
    """`{1, 2}` or `{}`: items as written, duplicates kept."""

    items: tuple


@dataclass(frozen=True)
class MatrixLit:
    """A matrix written with LaTeX `pmatrix`/`bmatrix` (rows of expressions)."""

    rows: tuple[tuple, ...]


@dataclass(frozen=True)
class Union:
    """`(0, 1) U [2, 3]`: parts joined with U."""

    parts: tuple


@dataclass(frozen=True)
class CommaList:
    """Several answers separated by commas at the top level: `x = 1, x = 2`."""

    items: tuple


@dataclass(frozen=True)
class Parsed:
    """A parsed response and what the comparison needs to know about how it was written."""

    value: object  # one of the node types above, or a sympy.Expr
    decimals: tuple[str, ...] = ()  # decimal literals as written, e.g. ("0.5", "1e-3")
    functions: frozenset[str] = frozenset()  # function and author-mode operation names used
    text: str = ""  # the normalised input
    tokens: tuple = ()  # the lexer's tokens, for the preview as typed (`display.shown`)

