"""Show an answer as LaTeX: as typed (the preview and the result's `latex`), and as read.

The preview exists so a learner can see that `1/2x` was read as ½·x and `xy` as x·y before
checking; hence `\\cdot` everywhere and brackets exactly as written. The typed form keeps the
learner's order and notation (it is written from the parse of their tokens, never from the SymPy
value, which orders terms its own way); the reading that will be checked is shown beside it only
where the two differ (`differs`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

import sympy
from lark import Lark, Token, Transformer
from lark.exceptions import LarkError

from .syntax import _TokenList as TokenList
from .values import Bracket, CommaList, MatrixLit, Parsed, Relation, SetLit, Union

_RELATIONS = {"=": "=", "!=": r"\ne", "<": "<", "<=": r"\le", ">": ">", ">=": r"\ge",
              "in": r"\in"}
_OPENERS = {"(": r"\left(", "[": r"\left["}
_CLOSERS = {")": r"\right)", "]": r"\right]"}


def to_latex(value: object, decimals: tuple[str, ...] = (), ln: bool = False) -> str:
    """LaTeX for any parsed node (a SymPy expression or matrix, or a container of them): the
    reading, in the order the builder kept, with `ln` for log where the learner wrote ln.

    `decimals` are the decimal literals as the learner wrote them: the grammar reads `0.25` as
    the exact 1/4, but the preview should still show 0.25, not a fraction they never typed.
    """
    if decimals:
        with sympy.evaluate(False):
            return to_latex(_map_leaves(value, _as_written(decimals)), ln=ln)
    if isinstance(value, sympy.MatrixBase):
        return _matrix([list(value.row(i)) for i in range(value.rows)], ln)
    if isinstance(value, sympy.Basic):
        return sympy.latex(value, mul_symbol="dot", order="none", ln_notation=ln,
                           inv_trig_style="full")
    if isinstance(value, Relation):
        parts = [to_latex(value.operands[0], ln=ln)]
        for op, operand in zip(value.ops, value.operands[1:], strict=True):
            parts += [_RELATIONS[op], to_latex(operand, ln=ln)]
        return " ".join(parts)
    if isinstance(value, Bracket):
        if _is_matrix(value):
            return _matrix([item.items for item in value.items], ln)
        return f"{_OPENERS[value.open]}{_join(value.items, ', ', ln)}{_CLOSERS[value.close]}"
    if isinstance(value, SetLit):
        return rf"\left\{{{_join(value.items, ', ', ln)}\right\}}"
    if isinstance(value, MatrixLit):
        return _matrix(value.rows, ln)
    if isinstance(value, Union):
        return _join(value.parts, r" \cup ", ln)
    if isinstance(value, CommaList):
        return _join(value.items, r",\ ", ln)
    raise TypeError(f"cannot show {type(value).__name__} as LaTeX")


def _is_matrix(value: Bracket) -> bool:
    rows = [i.items if isinstance(i, Bracket) and i.open + i.close == "[]" else ()
            for i in value.items]
    return value.open + value.close == "[]" and _rectangular(rows)


def _rectangular(rows: list[tuple]) -> bool:
    """`[[1, 2], [3, 4]]`, `[[1], [2]]`: square brackets (the rows given here, () where an item
    is not one) of one length, all inside square brackets: shown as a grid."""
    return bool(rows) and all(rows) and len({len(r) for r in rows}) == 1


def _as_written(decimals: tuple[str, ...]) -> dict[sympy.Basic, sympy.Basic]:
    mapping: dict[sympy.Basic, sympy.Basic] = {}
    for text in decimals:
        exact = sympy.Rational(Fraction(Decimal(text)))
        if not exact.is_Integer:  # 4.0 would otherwise turn every 4 into 4.0
            written = sympy.Float(text, max(15, len(text)))
            mapping |= {exact: written, -exact: -written}
    return mapping


def _map_leaves(value: object, mapping: dict) -> object:
    """The same node with its SymPy parts rewritten (containers rebuilt around them)."""
    if isinstance(value, sympy.Basic) and not isinstance(value, sympy.MatrixBase):
        return value.xreplace(mapping)
    if isinstance(value, Relation):
        return Relation(tuple(_map_leaves(x, mapping) for x in value.operands), value.ops)
    if isinstance(value, (Bracket, SetLit, CommaList)):
        return replace(value, items=tuple(_map_leaves(x, mapping) for x in value.items))
    if isinstance(value, Union):
        return Union(tuple(_map_leaves(x, mapping) for x in value.parts))
    if isinstance(value, MatrixLit):
        return MatrixLit(tuple(tuple(_map_leaves(x, mapping) for x in row) for row in value.rows))
    return value


def _join(items: tuple, sep: str, ln: bool) -> str:
    return sep.join(to_latex(item, ln=ln) for item in items)


def _matrix(rows: list | tuple, ln: bool = False) -> str:
    body = r" \\ ".join(" & ".join(to_latex(x, ln=ln) for x in row) for row in rows)
    return rf"\begin{{pmatrix}} {body} \end{{pmatrix}}"


# --- as typed -------------------------------------------------------------------------------
#
# The learner's own order and notation, written by the grammar's rules as the parser reduces the
# learner's tokens once more: nothing is evaluated, so `2xe^x + x^2e^x` keeps its order, `ln`
# stays ln and `-x^2/2` stays -x²/2.


class _Unshown(Exception):
    """A grammar rule this renderer does not know: the caller falls back to the reading."""


@dataclass(frozen=True)
class _Shown:
    """One node as typed: its LaTeX, and what the parent needs to know to place it."""

    tex: str
    # number, atom, negative, paren (round brackets around one item), square ([...]), bracket
    # (any other), grid, other
    kind: str = "other"
    items: tuple = ()  # a bracket's items, for grids
    hidden: bool = False  # the typed form hides how it was read (`\\sin 2x`: sin(2x))


_CONST_TEX = {"pi": r"\pi", "e": "e", "i": "i", "oo": r"\infty"}
_FUNCTION_TEX = {
    name: "\\" + name for name in (
        "sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh", "coth", "exp", "ln",
        "log", "arcsin", "arccos", "arctan", "min", "max",
    )
} | {"asin": r"\arcsin", "acos": r"\arccos", "atan": r"\arctan", "log10": r"\log_{10}",
     "gamma": r"\Gamma"}
_WRAPPERS = {"sqrt": (r"\sqrt{", "}"), "abs": (r"\left|", r"\right|"), "exp": ("{e^{", "}}"),
             "floor": (r"\left\lfloor ", r"\right\rfloor"),
             "ceil": (r"\left\lceil ", r"\right\rceil"),
             "ceiling": (r"\left\lceil ", r"\right\rceil")}


def _function_tex(name: str) -> str:
    base, _, sub = name.partition("_")
    if base == "log" and sub:
        return rf"\log_{{{_symbol(sub) if sub.isalnum() and not sub.isdigit() else sub}}}"
    return _FUNCTION_TEX.get(name, rf"\operatorname{{{name}}}")


def _symbol(name: str) -> str:
    """`x_1` -> x_{1}, `alpha` -> \\alpha: SymPy's way."""
    return sympy.latex(sympy.Symbol(name))


def _bare(node: _Shown) -> str:
    """The LaTeX of a node whose round brackets only group (a numerator, an exponent)."""
    return node.items[0].tex if node.kind == "paren" else node.tex


def _hidden(nodes: object) -> bool:
    return any(isinstance(n, _Shown) and n.hidden for n in nodes)


def _grid(rows: tuple[tuple[_Shown, ...], ...]) -> _Shown:
    body = r" \\ ".join(" & ".join(cell.tex for cell in row) for row in rows)
    return _Shown(rf"\begin{{pmatrix}} {body} \end{{pmatrix}}", "grid",
                  hidden=_hidden(c for row in rows for c in row))


class _Typed(Transformer):
    """Grammar callbacks that write each node as it was typed."""

    def __default__(self, data: str, children: list, meta: object) -> object:
        if data.startswith("_"):  # lark's own helper rules (`x (op x)+`), inlined into the parent
            return super().__default__(data, children, meta)
        raise _Unshown(data)

    def start(self, c: list) -> _Shown:
        return c[0]

    def commalist(self, c: list) -> _Shown:
        return _Shown(r",\ ".join(x.tex for x in c), hidden=_hidden(c))

    def relation(self, c: list) -> _Shown:
        parts = [c[0].tex]
        for op, operand in zip(c[1::2], c[2::2], strict=True):
            parts += [_RELATIONS[str(op)], operand.tex]
        return _Shown(" ".join(parts), hidden=_hidden(c))

    def union(self, c: list) -> _Shown:
        return _Shown(r" \cup ".join(x.tex for x in c), hidden=_hidden(c))

    def add(self, c: list) -> _Shown:
        return _Shown(" ".join(x if isinstance(x, str) else x.tex for x in c), hidden=_hidden(c))

    def mul(self, c: list) -> _Shown:
        """Left to right, as read: `1/2x` is ½·x, `2x/3` is (2·x)/3 and `-x^2/2` is −x²/2."""
        if c[0].kind == "negative":
            return _Shown(f"-{self.mul([c[0].items[0], *c[1:]]).tex}", hidden=_hidden(c))
        done: list[_Shown] = [c[0]]
        rest = iter(c[1:])
        for item in rest:
            if isinstance(item, Token):
                operand = next(rest)
                if item == "/":
                    numerator = done[0] if len(done) == 1 else _Shown(_dotted(done))
                    done = [_Shown(rf"\frac{{{_bare(numerator)}}}{{{_bare(operand)}}}")]
                    continue
                item = operand
            done.append(item)
        return _Shown(_dotted(done), hidden=_hidden(c))

    def unary(self, c: list) -> _Shown:
        kind = "negative" if c[0] == "-" else "other"
        return _Shown(f"{c[0]}{c[1].tex}", kind, (c[1],), c[1].hidden)

    def pow(self, c: list) -> _Shown:
        base, exponent = c[0], c[2]
        if exponent.tex == "T" and base.kind in ("bracket", "square") and base.items:
            return _grid(tuple((item,) for item in base.items))
        return _Shown(f"{base.tex}^{{{_bare(exponent)}}}", hidden=_hidden(c))

    def factorial(self, c: list) -> _Shown:
        return _Shown(f"{c[0].tex}!", hidden=c[0].hidden)

    def percent(self, c: list) -> _Shown:
        return _Shown(rf"{c[0].tex}\%", hidden=c[0].hidden)

    def transpose(self, c: list) -> _Shown:
        """`(1, 2, 3)^T` as the column it is read as; a matrix keeps its ᵀ."""
        if c[0].kind in ("bracket", "square") and c[0].items:
            return _grid(tuple((item,) for item in c[0].items))
        return _Shown(f"{c[0].tex}^{{T}}", hidden=c[0].hidden)

    def number(self, c: list) -> _Shown:
        mantissa, _, exponent = str(c[0]).lower().partition("e")
        if exponent:
            return _Shown(rf"{mantissa} \times 10^{{{int(exponent)}}}")
        return _Shown(mantissa, "number")

    def name(self, c: list) -> _Shown:
        return _Shown(_symbol(str(c[0])), "atom")

    def const(self, c: list) -> _Shown:
        return _Shown(_CONST_TEX.get(str(c[0]), str(c[0])), "atom")

    def items(self, c: list) -> tuple:
        return tuple(c)

    def _bracket(self, opening: str, closing: str, items: tuple) -> _Shown:
        rows = [i.items if i.kind == "square" else () for i in items]
        if opening + closing == "[]" and _rectangular(rows):
            return _grid(tuple(rows))
        kind = {"()": "paren" if len(items) == 1 else "bracket", "[]": "square"}.get(
            opening + closing, "bracket")
        tex = rf"{_OPENERS[opening]}{', '.join(i.tex for i in items)}{_CLOSERS[closing]}"
        return _Shown(tex, kind, items, _hidden(items))

    def paren_rr(self, c: list) -> _Shown:
        return self._bracket("(", ")", c[0])

    def paren_rs(self, c: list) -> _Shown:
        return self._bracket("(", "]", c[0])

    def paren_sr(self, c: list) -> _Shown:
        return self._bracket("[", ")", c[0])

    def paren_ss(self, c: list) -> _Shown:
        return self._bracket("[", "]", c[0])

    def empty_square(self, c: list) -> _Shown:
        return _Shown(r"\left[\right]", "square")

    def setlit(self, c: list) -> _Shown:
        return _Shown(rf"\left\{{{', '.join(i.tex for i in c[0])}\right\}}", hidden=_hidden(c[0]))

    def emptyset(self, c: list) -> _Shown:
        return _Shown(r"\left\{\right\}")

    def group(self, c: list) -> _Shown:
        return c[0]

    def absval(self, c: list) -> _Shown:
        return _Shown(rf"\left|{c[0].tex}\right|", hidden=c[0].hidden)

    def call(self, c: list) -> _Shown:
        return self._call(str(c[0]), "", c[1])

    def call_pow(self, c: list) -> _Shown:
        return self._call(str(c[0]), c[2].tex, c[3])

    def call_abs(self, c: list) -> _Shown:
        return self._call(str(c[0]), "", (self.absval([c[1]]),), bars=True)

    def call_pow_abs(self, c: list) -> _Shown:
        return self._call(str(c[0]), c[2].tex, (self.absval([c[3]]),), bars=True)

    def binom(self, c: list) -> _Shown:
        return _Shown(rf"\binom{{{_bare(c[0])}}}{{{_bare(c[1])}}}", "atom", hidden=_hidden(c))

    def member(self, c: list) -> _Shown:
        return _Shown(rf"{c[0].tex} \in {c[1].tex}", hidden=_hidden(c))

    def _call(self, name: str, power: str, args: tuple, bars: bool = False) -> _Shown:
        hidden = _hidden(args)
        if name in _WRAPPERS and len(args) == 1 and not power:
            opening, closing = _WRAPPERS[name]
            return _Shown(f"{opening}{args[0].tex}{closing}", "atom", hidden=hidden)
        if name == "root" and len(args) == 2 and not power:
            return _Shown(rf"\sqrt[{args[1].tex}]{{{args[0].tex}}}", "atom", hidden=hidden)
        if name == "log" and len(args) == 2:  # log(x, b): the base as a subscript
            name, args = f"log_{args[1].tex}", args[:1]
        if name == "binomial" and len(args) == 2 and not power:
            return _Shown(rf"\binom{{{args[0].tex}}}{{{args[1].tex}}}", "atom", hidden=hidden)
        head = _function_tex(name) + (f"^{{{power}}}" if power else "")
        if bars:
            return _Shown(f"{head}{args[0].tex}", hidden=hidden)
        inner = ", ".join(a.tex for a in args)
        return _Shown(rf"{head}\left({inner}\right)", hidden=hidden)

    def lcall(self, c: list) -> _Shown:
        return self._lcall(str(c[0]), "", c[1])

    def lcall_pow(self, c: list) -> _Shown:
        return self._lcall(str(c[0]), c[2].tex, c[3])

    def _lcall(self, name: str, power: str, arg: _Shown) -> _Shown:
        """`\\sin x`, `ln x`, `\\sin^2 2x`: the argument as typed, without brackets."""
        head = _function_tex(name) + (f"^{{{power}}}" if power else "")
        if arg.kind in ("paren", "square", "bracket"):
            return _Shown(f"{head}{arg.tex}", hidden=arg.hidden)
        return _Shown(rf"{head} {arg.tex}", hidden=arg.hidden or arg.kind not in ("atom", "number"))

    def lchain(self, c: list) -> _Shown:
        return c[0] if len(c) == 1 else _Shown(_dotted(c), hidden=_hidden(c))

    def fexp(self, c: list) -> _Shown:
        return _Shown("".join(str(x) if isinstance(x, Token) else x.tex for x in c))

    def frac(self, c: list) -> _Shown:
        return _Shown(rf"\frac{{{_bare(c[0])}}}{{{_bare(c[1])}}}", "atom", hidden=_hidden(c))

    def sqrt(self, c: list) -> _Shown:
        return _Shown(rf"\sqrt{{{_bare(c[0])}}}", "atom", hidden=c[0].hidden)

    def nroot(self, c: list) -> _Shown:
        return _Shown(rf"\sqrt[{c[0].tex}]{{{_bare(c[1])}}}", "atom", hidden=_hidden(c))

    def matrix(self, c: list) -> _Shown:
        return _grid(tuple(c[0]))

    def rows(self, c: list) -> list:
        return list(c)

    def row(self, c: list) -> tuple:
        return tuple(c)


def _dotted(nodes: list[_Shown]) -> str:
    """A product with every multiplication visible, the implicit ones too (`xy` is x·y)."""
    return r" \cdot ".join(n.tex for n in nodes)


# The same grammar, its callbacks writing LaTeX as the parser reduces (no tree is built). A rule
# it has no callback for (one the grammar gained since) leaves a lark Tree among the children,
# which the next callback trips over: the caller then shows the reading.
_TYPED_PARSER = Lark.open_from_package(__package__, "answer.lark", parser="lalr",
                                       lexer=TokenList, transformer=_Typed())


def typed_latex(tokens: tuple[Token, ...]) -> tuple[str, bool] | None:
    """LaTeX for a response as typed, and whether that hides how it was read; None when a
    grammar rule has no typed form here (the caller shows the reading instead)."""
    try:
        shown = _TYPED_PARSER.parse(list(tokens))
    except (_Unshown, LarkError, RecursionError, AttributeError, TypeError, IndexError,
            ValueError):
        return None
    return (shown.tex, shown.hidden) if isinstance(shown, _Shown) else None


# --- typed beside read ----------------------------------------------------------------------

_LEXEME = re.compile(r"\\[A-Za-z]+|\\.|\d+(?:\.\d+)?|\S")
# layout, not meaning: brackets SymPy adds or drops, the multiplication dot, braces, and the 1
# of a unit numerator SymPy folds in (x·(1/4) is x/4, ½·x is x/2)
_LAYOUT = frozenset({r"\left", r"\right", r"\cdot", r"\,", r"\ ", r"\operatorname", "{", "}",
                     "(", ")", "1"})
# -1·x as typed and SymPy's (-1)·x for an unevaluated -x: both are a minus sign
_MINUS_ONE = re.compile(r"(?:\\left\()?-1(?:\\right\))? \\cdot ")


def _lexemes(tex: str) -> Counter:
    return Counter(x for x in _LEXEME.findall(_MINUS_ONE.sub("-", tex)) if x not in _LAYOUT)


def differs(typed: str, reading: str) -> bool:
    """Whether the reading says something the typed form does not: the same symbols in another
    order or with other brackets are SymPy's layout, not another reading (`2xe^x + x^2e^x`)."""
    return _lexemes(typed) != _lexemes(reading)


def reading_latex(parsed: Parsed) -> str:
    """The reading that will be checked, as LaTeX (`ln` kept where the learner wrote it)."""
    return to_latex(parsed.value, parsed.decimals, ln="ln" in parsed.functions)


def as_typed(parsed: Parsed) -> str:
    """The response as typed (the result's `latex`), or its reading where no typed form is."""
    typed = typed_latex(parsed.tokens)
    return typed[0] if typed is not None else reading_latex(parsed)


def shown(parsed: Parsed) -> tuple[str, str | None]:
    """The response as typed, and the reading that will be checked where it differs (the
    live preview)."""
    reading = reading_latex(parsed)
    typed = typed_latex(parsed.tokens)
    if typed is None:
        return reading, None
    tex, hidden = typed
    return tex, reading if hidden or differs(tex, reading) else None
