"""Author-mode operations: compute a reference answer from parameters at parse time.

Only exercise files may use these (`parse(..., author=True)`); their inputs are still untrusted
and run in the checking sandbox, whose time and memory limits bound these computations.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy

from .lexing import ParseError
from .values import Bracket, MatrixLit, SetLit


def _scalar(x: object, what: str) -> sympy.Expr:
    if isinstance(x, sympy.Basic) and not isinstance(x, sympy.MatrixBase):
        return x
    raise ParseError(f"{what} must be an expression")


def _symbol(x: object, op: str) -> sympy.Symbol:
    if isinstance(x, sympy.Symbol):
        return x
    raise ParseError(f"{op}: the variable must be a single name, like x")


def _matrix(x: object, op: str) -> sympy.ImmutableMatrix:
    """[[1,2],[3,4]], a pmatrix, or a matrix an earlier operation returned."""
    if isinstance(x, sympy.MatrixBase):
        return sympy.ImmutableMatrix(x)
    if isinstance(x, MatrixLit):
        return sympy.ImmutableMatrix([list(r) for r in x.rows])
    if isinstance(x, Bracket) and x.items:
        if all(isinstance(r, Bracket) for r in x.items):
            rows = [[_scalar(v, "a matrix entry") for v in r.items] for r in x.items]
            if len({len(r) for r in rows}) == 1:
                return sympy.ImmutableMatrix(rows)
        elif not any(isinstance(r, Bracket) for r in x.items):
            return sympy.ImmutableMatrix([[_scalar(v, "a vector entry")] for v in x.items])
    raise ParseError(f"{op} needs a matrix written like [[1, 2], [3, 4]]")


def _square(x: object, op: str) -> sympy.ImmutableMatrix:
    m = _matrix(x, op)
    if not m.is_square:
        raise ParseError(f"{op} needs a square matrix")
    return m


def _diff(args: tuple) -> object:
    if not 2 <= len(args) <= 3:
        raise ParseError("diff takes diff(f, x) or diff(f, x, n)")
    f, x = _scalar(args[0], "diff's first argument"), _symbol(args[1], "diff")
    n = args[2] if len(args) == 3 else sympy.Integer(1)
    if not isinstance(n, sympy.Integer) or not 0 <= int(n) <= 20:
        raise ParseError("diff: the order must be a whole number from 0 to 20")
    return sympy.diff(f, x, int(n))


def _integrate(args: tuple) -> object:
    f = _scalar(args[0], "integrate's first argument") if args else None
    if len(args) == 2 and isinstance(args[1], Bracket) and len(args[1].items) == 3:
        x, a, b = args[1].items
    elif len(args) == 4:
        x, a, b = args[1:]
    elif len(args) == 2:
        return sympy.integrate(f, _symbol(args[1], "integrate"))
    else:
        raise ParseError("integrate takes integrate(f, x), integrate(f, x, a, b) or "
                         "integrate(f, (x, a, b))")
    limits = (_symbol(x, "integrate"), _scalar(a, "a limit"), _scalar(b, "a limit"))
    return sympy.integrate(f, limits)


def _limit(args: tuple) -> object:
    if len(args) != 3:
        raise ParseError("limit takes limit(f, x, a)")
    f, x, a = args
    return sympy.limit(_scalar(f, "limit's first argument"), _symbol(x, "limit"),
                       _scalar(a, "the limit point"))


def _inverse(args: tuple) -> object:
    m = _square(_only(args, "inverse"), "inverse")
    if m.det() == 0:
        raise ParseError("inverse: that matrix has no inverse (its determinant is 0)")
    return m.inv()


def _eigenvals(args: tuple) -> object:
    m = _square(_only(args, "eigenvals"), "eigenvals")
    return SetLit(tuple(sorted(m.eigenvals(), key=sympy.default_sort_key)))


def _only(args: tuple, op: str) -> object:
    if len(args) != 1:
        raise ParseError(f"{op} takes one argument")
    return args[0]


def _on_expression(fn: Callable, op: str) -> Callable[[tuple], object]:
    return lambda args: fn(_scalar(_only(args, op), f"{op}'s argument"))


OPERATIONS: dict[str, Callable[[tuple], object]] = {
    "diff": _diff,
    "integrate": _integrate,
    "limit": _limit,
    "det": lambda args: _square(_only(args, "det"), "det").det(),
    "inverse": _inverse,
    "transpose": lambda args: _matrix(_only(args, "transpose"), "transpose").T,
    "rank": lambda args: sympy.Integer(_matrix(_only(args, "rank"), "rank").rank()),
    "eigenvals": _eigenvals,
    "simplify": _on_expression(sympy.simplify, "simplify"),
    "expand": _on_expression(sympy.expand, "expand"),
    "factor": _on_expression(sympy.factor, "factor"),
}


def run(name: str, args: tuple) -> object:
    """Apply author operation `name`; any SymPy failure becomes a ParseError."""
    try:
        return OPERATIONS[name](args)
    except ParseError:
        raise
    except Exception as error:  # noqa: BLE001 - SymPy raises many kinds; the author needs one
        raise ParseError(f"{name} could not be computed: {error}") from error
