"""Build SymPy objects from grammar rules, unevaluated, checking size limits as they grow.

Every node is built with `evaluate=False` so the structure the learner wrote survives (for
`form` checks and for the preview). Alongside each node the builder keeps its depth and, for
numbers, an upper estimate of its size in decimal digits: this is how `9^9^9^9` or
`(x+1)^100000` is refused before SymPy is asked to compute it.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import sympy
from lark import Token

from . import limits
from .lexing import ParseError
from .names import FUNCTIONS
from .values import Bracket, CommaList, MatrixLit, Relation, SetLit, Union

Meta = tuple[int, float | None]  # (tree depth, estimated digits or None when not a number)

_CONSTANTS = {"pi": sympy.pi, "e": sympy.E, "i": sympy.I, "oo": sympy.oo}
_UNARY = {
    name: getattr(sympy, name) for name in (
        "sin", "cos", "tan", "sec", "csc", "cot", "asin", "acos", "atan", "asec", "acsc",
        "acot", "sinh", "cosh", "tanh", "sech", "csch", "coth", "asinh", "acosh", "atanh",
        "floor", "ceiling", "sign",
    )
} | {"abs": sympy.Abs}
_GROWS_EXP = frozenset({"exp", "sinh", "cosh"})
_KEEPS_SIZE = frozenset({"abs", "floor", "ceiling"})
_INVERSE_NAMES = {"sin": "asin", "cos": "acos", "tan": "atan", "sec": "asec", "csc": "acsc",
                  "cot": "acot", "sinh": "asinh", "cosh": "acosh", "tanh": "atanh"}
_CHECKED_DEPTH = 6  # a constant argument this shallow is evaluated to find an undefined value


def _describe(node: object) -> str:
    if isinstance(node, Relation):
        return "an equation or inequality"
    if isinstance(node, SetLit):
        return "a set"
    if isinstance(node, (Bracket, MatrixLit)) or isinstance(node, sympy.MatrixBase):
        return "a list, vector, interval or matrix"
    if isinstance(node, Union):
        return "a union"
    return "a list of answers"


class Builder:
    """The state of one parse: what has been built, and what the result needs to record."""

    def __init__(self, author: bool) -> None:
        self.author = author
        self.decimals: list[str] = []
        self.functions: set[str] = set()
        self.nodes = 0
        self.meta: dict[sympy.Basic, Meta] = {}

    # -- bookkeeping --

    def count(self) -> None:
        self.nodes += 1
        if self.nodes > limits.MAX_NODES:
            raise ParseError("the answer is too long or complicated to work with")

    def info(self, expr: sympy.Basic) -> Meta:
        found = self.meta.get(expr)
        if found is not None:
            return found
        if isinstance(expr, sympy.Rational):
            return 1, _rational_digits(expr)
        if expr in (sympy.pi, sympy.E, sympy.I):
            return 1, 0.5
        return 1, None

    def made(self, expr: sympy.Basic, parts: list, digits: float | None) -> sympy.Basic:
        depth = 1 + max((self.info(p)[0] for p in parts), default=0)
        if depth > limits.MAX_TREE_DEPTH:
            raise ParseError("the answer is nested too deeply to work with")
        if digits is not None and not digits <= limits.MAX_RESULT_DIGITS:
            raise ParseError("that number is too large to work with")
        self.meta[expr] = (depth, digits)
        return expr

    def digits(self, expr: sympy.Basic) -> float | None:
        return self.info(expr)[1]

    def magnitude(self, expr: sympy.Basic) -> float | None:
        """|expr| for a number small enough to evaluate; an upper bound if larger."""
        digits = self.digits(expr)
        if digits is None:
            return None
        if digits > 15:
            return 10.0 ** min(digits, 400) if digits < 300 else math.inf
        try:
            return abs(complex(expr.evalf(15)))
        except (TypeError, ValueError, ArithmeticError):
            return math.inf

    # -- leaves --

    def number(self, tok: Token) -> sympy.Basic:
        text = str(tok)
        if "." in text or "e" in text or "E" in text:
            self.decimals.append(text)
            value = Fraction(Decimal(text))
            if value.denominator == 1:
                return sympy.Integer(value.numerator)
            return sympy.Rational(value.numerator, value.denominator)
        return sympy.Integer(int(text))

    def name(self, tok: Token) -> sympy.Basic:
        return sympy.Symbol(str(tok))

    def const(self, tok: Token) -> sympy.Basic:
        return _CONSTANTS[str(tok)]

    # -- arithmetic --

    def expr(self, node: object) -> sympy.Basic:
        """Refuse containers inside arithmetic: `(1, 2) + 3` has no meaning here."""
        if isinstance(node, sympy.Basic) and not isinstance(node, sympy.MatrixBase):
            return node
        raise ParseError(f"{_describe(node)} cannot be used inside a calculation")

    def negate(self, x: object) -> sympy.Basic:
        x = self.expr(x)
        if isinstance(x, sympy.Number):
            return self.made(-x, [x], self.digits(x))
        return self.made(sympy.Mul(sympy.S.NegativeOne, x, evaluate=False), [x], self.digits(x))

    def add(self, terms: list[sympy.Basic]) -> sympy.Basic:
        digits = [self.digits(t) for t in terms]
        size = None if None in digits else max(d for d in digits if d is not None) + 0.31
        return self.made(_determinate(sympy.Add(*terms, evaluate=False), terms), terms, size)

    def divide(self, x: object) -> sympy.Basic:
        x = self.expr(x)
        if self._constant_value(x) == 0:
            raise ParseError("division by zero")
        return self.made(sympy.Pow(x, sympy.S.NegativeOne, evaluate=False), [x], self.digits(x))

    def multiply(self, factors: list[sympy.Basic]) -> sympy.Basic:
        if len(factors) > 1 and factors[0] == 1 and _is_reciprocal(factors[1]):
            factors = factors[1:]  # 1/6 is Pow(6, -1), shown as 1/6 rather than 1*1/6
        if len(factors) == 1:
            return factors[0]
        digits = [self.digits(f) for f in factors]
        size = None if None in digits else sum(d for d in digits if d is not None)
        return self.made(_determinate(sympy.Mul(*factors, evaluate=False), factors), factors,
                         size)

    def power(self, base: object, exponent: object) -> sympy.Basic:
        base, exponent = self.expr(base), self.expr(exponent)
        if (isinstance(base, sympy.Number) and base == 0 and isinstance(exponent, sympy.Number)
                and exponent < 0):
            raise ParseError("division by zero")
        size = self._power_digits(base, exponent)
        return self.made(sympy.Pow(base, exponent, evaluate=False), [base, exponent], size)

    def _power_digits(self, base: sympy.Basic, exponent: sympy.Basic) -> float | None:
        base_digits = self.digits(base)
        times = self.magnitude(exponent)
        if times is None:
            return None
        if base_digits is None:
            if times > limits.MAX_SYMBOLIC_POWER:
                raise ParseError(f"that power is too large to work with (at most "
                                 f"{limits.MAX_SYMBOLIC_POWER} unless the base is a number)")
            return None
        if base_digits == 0:
            return 0.0
        return times * base_digits

    def factorial(self, x: object) -> sympy.Basic:
        x = self.expr(x)
        self.functions.add("factorial")
        n = self._bounded_argument(x, limits.MAX_FACTORIAL, "factorial")
        size = None if n is None else n * math.log10(n + 2)
        return self.made(sympy.factorial(x, evaluate=False), [x], size)

    def _constant_value(self, x: sympy.Basic) -> sympy.Basic | None:
        """The value of a small constant expression (`1 - 1`, `sin(0)`), else None: how
        `1/sin(0)` and `tan(pi/2)` are found undefined while reading, like `1/0`."""
        if isinstance(x, sympy.Number):
            return x
        if self.info(x)[0] > _CHECKED_DEPTH or (
                self.digits(x) is None and not isinstance(x, sympy.Function)) or x.free_symbols:
            return None
        try:
            return x.doit()
        except (TypeError, ValueError, ArithmeticError, RecursionError):
            return None

    def _defined(self, name: str, built: sympy.Basic) -> sympy.Basic:
        """Refuse a function at a point where it has no value: csc(0), log(0), tan(pi/2)."""
        value = self._constant_value(built)
        if value is not None and value.has(sympy.zoo, sympy.nan):
            raise ParseError(f"{name}({built.args[0]}) is undefined: {name} has no value there")
        return built

    def _bounded_argument(self, x: sympy.Basic, bound: int, what: str) -> float | None:
        """|x| when x is a number (refused above `bound`), else None."""
        value = self.magnitude(x)
        if value is not None and value > bound:
            raise ParseError(f"that {what} is too large to work with (at most {bound})")
        return value

    # -- structures --

    def bracket(self, opening: str, closing: str, items: tuple) -> object:
        if len(items) == 1 and opening == "(" and closing == ")":
            return items[0]
        if len(items) == 1 and opening != closing.translate(str.maketrans(")]", "([")):
            raise ParseError(f"mismatched brackets: {opening} ... {closing} (an interval needs "
                             "two ends, like (0, 1])")
        self._check_items(items)
        return Bracket(opening, closing, items)

    def _check_items(self, items: tuple) -> None:
        if len(items) > limits.MAX_ITEMS:
            raise ParseError(f"too many entries (at most {limits.MAX_ITEMS})")
        rows = [i for i in items if isinstance(i, Bracket)]
        if rows and len(rows) == len(items):
            if len(rows) > limits.MAX_MATRIX_SIDE or any(
                    len(r.items) > limits.MAX_MATRIX_SIDE for r in rows):
                raise ParseError(f"that matrix is too large (at most {limits.MAX_MATRIX_SIDE} "
                                 f"by {limits.MAX_MATRIX_SIDE})")

    def transpose(self, node: object) -> object:
        """`(1, 2, 3)^T` is a column vector; `[[1, 2], [3, 4]]^T` the transposed matrix."""
        if isinstance(node, Bracket) and all(isinstance(r, Bracket) for r in node.items):
            rows = tuple(r.items for r in node.items)
        elif isinstance(node, Bracket):
            rows = (node.items,)
        elif isinstance(node, MatrixLit):
            rows = node.rows
        else:
            raise ParseError("^T (transpose) follows a vector or a matrix, as in (1, 2, 3)^T")
        if len({len(r) for r in rows}) > 1:
            raise ParseError("the rows of the matrix have different lengths")
        return self.matrix([tuple(col) for col in zip(*rows, strict=True)])

    def setlit(self, items: tuple) -> SetLit:
        self._check_items(items)
        return SetLit(items)

    def matrix(self, rows: list[tuple]) -> MatrixLit:
        if len(rows) > limits.MAX_MATRIX_SIDE or any(
                len(r) > limits.MAX_MATRIX_SIDE for r in rows):
            raise ParseError(f"that matrix is too large (at most {limits.MAX_MATRIX_SIDE} by "
                             f"{limits.MAX_MATRIX_SIDE})")
        if len({len(r) for r in rows}) > 1:
            raise ParseError("the rows of the matrix have different lengths")
        return MatrixLit(tuple(tuple(self.expr(x) for x in r) for r in rows))

    def relation(self, operands: list, ops: list[str]) -> Relation:
        for x in operands:
            if isinstance(x, (Relation, Union, CommaList)):
                raise ParseError(f"{_describe(x)} cannot be one side of an equation")
        directions = {op[0] for op in ops if op[0] in "<>"}
        if len(directions) > 1:
            raise ParseError("a chain of inequalities must point one way, like 0 < x <= 1")
        return Relation(tuple(operands), tuple(ops))

    def union(self, parts: list) -> Union:
        for x in parts:
            if isinstance(x, (Relation, CommaList, Union)):
                raise ParseError(f"{_describe(x)} cannot be part of a union")
        return Union(tuple(parts))

    # -- functions --

    def call(self, name: str, args: tuple) -> sympy.Basic:
        """A learner function: `name` as written (sin, arcsin, log_2, ...)."""
        if name.startswith("log_"):
            base = name[4:]
            base_expr = sympy.Integer(int(base)) if base.isdigit() else sympy.Symbol(base)
            return self._log([self._one(name, args), base_expr])
        canonical = FUNCTIONS.get(name, name)
        args = tuple(self.expr(a) for a in args)
        if canonical in _UNARY:
            x = self._one(name, args)
            size = self.digits(x) if canonical in _KEEPS_SIZE else None
            built = self.made(_UNARY[canonical](x, evaluate=False), [x], size)
            return self._defined(name, built)
        return _SPECIAL[canonical](self, name, args)

    def call_power(self, name: str, exponent: sympy.Basic, args: tuple) -> sympy.Basic:
        """`sin^2(x)` is sin(x)^2. `sin^{-1}(x)` is arcsin(x), as textbooks write it; other
        negative powers of a function are refused with the two readings spelled out."""
        canonical = FUNCTIONS.get(name, name)
        if exponent == -1 and canonical in _INVERSE_NAMES:
            self.functions.add(_INVERSE_NAMES[canonical])
            return self.call(_INVERSE_NAMES[canonical], args)
        if isinstance(exponent, sympy.Number) and exponent < 0:
            inverse = _INVERSE_NAMES.get(canonical, f"the inverse of {name}")
            raise ParseError(f"{name}^{exponent} is ambiguous: write 1/{name}(x)^{-exponent} "
                             f"for a power of the reciprocal, or {inverse}(x) for the inverse")
        return self.power(self.call(name, args), exponent)

    def _one(self, name: str, args: tuple) -> sympy.Basic:
        if len(args) != 1:
            raise ParseError(f"{name} takes one argument, not {len(args)}")
        return self.expr(args[0])

    def _log(self, args: list) -> sympy.Basic:
        x = self.expr(args[0])
        logx = self._defined("log", self.made(sympy.log(x, evaluate=False), [x], None))
        if len(args) == 1:
            return logx
        base = self.expr(args[1])
        logb = self.made(sympy.log(base, evaluate=False), [base], None)
        return self.multiply([logx, self.divide(logb)])

    def square_root(self, x: object) -> sympy.Basic:
        self.functions.add("sqrt")
        return self.power(x, sympy.S.Half)

    def nth_root(self, x: object, n: object) -> sympy.Basic:
        self.functions.add("root")
        n = self.expr(n)
        if isinstance(n, sympy.Integer):
            if n == 0:
                raise ParseError("a root of order 0 has no meaning")
            return self.power(x, sympy.Rational(1, int(n)))
        return self.power(x, self.divide(n))


def _infinite(x: sympy.Basic) -> bool:
    if isinstance(x, sympy.Pow):
        x = x.base
    return x.is_Number and x.is_infinite


def _determinate(built: sympy.Basic, operands: list[sympy.Basic]) -> sympy.Basic:
    """Refuse 0·∞, ∞ − ∞ and ∞/∞ while reading, like 1/0: such a form has no value."""
    if any(_infinite(x) for x in operands) and built.doit().has(sympy.nan):
        raise ParseError("that is undefined: 0·∞, ∞ − ∞ and ∞/∞ have no value")
    return built


def _is_reciprocal(x: sympy.Basic) -> bool:
    return isinstance(x, sympy.Pow) and x.exp == -1


def _rational_digits(r: sympy.Rational) -> float:
    p, q = abs(int(r.p)), int(r.q)
    return max(math.log10(p) if p else 0.0, math.log10(q))


def _log(b: Builder, name: str, args: tuple) -> sympy.Basic:
    if name == "log10":
        return b._log([b._one(name, args), sympy.Integer(10)])
    if not 1 <= len(args) <= (2 if name == "log" else 1):
        raise ParseError(f"{name} takes one argument" + (" or two: log(x, base)"
                                                         if name == "log" else ""))
    return b._log(list(args))


def _exp(b: Builder, name: str, args: tuple) -> sympy.Basic:
    x = b._one(name, args)
    value = b.magnitude(x)
    size = None if value is None else value * 0.4343
    return b.made(sympy.exp(x, evaluate=False), [x], size)


def _sqrt(b: Builder, name: str, args: tuple) -> sympy.Basic:
    return b.square_root(b._one(name, args))


def _root(b: Builder, name: str, args: tuple) -> sympy.Basic:
    if len(args) == 1:
        return b.square_root(args[0])
    if len(args) != 2:
        raise ParseError("root takes two arguments: root(x, n) is the n-th root of x")
    return b.nth_root(args[0], args[1])


def _binomial(b: Builder, name: str, args: tuple) -> sympy.Basic:
    if len(args) != 2:
        raise ParseError("binomial takes two arguments: binomial(n, k)")
    n, k = args
    bound = b._bounded_argument(n, limits.MAX_BINOMIAL, "binomial coefficient")
    size = None if bound is None else bound * 0.302  # C(n, k) <= 2^n
    return b.made(sympy.binomial(n, k, evaluate=False), [n, k], size)


def _gamma(b: Builder, name: str, args: tuple) -> sympy.Basic:
    x = b._one(name, args)
    n = b._bounded_argument(x, limits.MAX_FACTORIAL, "gamma argument")
    size = None if n is None else n * math.log10(n + 2)
    return b.made(sympy.gamma(x, evaluate=False), [x], size)


def _min_max(b: Builder, name: str, args: tuple) -> sympy.Basic:
    if not args:
        raise ParseError(f"{name} needs at least one argument")
    fn = sympy.Min if name == "min" else sympy.Max
    return b.made(fn(*args, evaluate=False), list(args), None)


_SPECIAL = {
    "ln": _log, "log": _log, "log10": _log, "exp": _exp, "sqrt": _sqrt, "root": _root,
    "binomial": _binomial, "gamma": _gamma, "min": _min_max, "max": _min_max,
}
