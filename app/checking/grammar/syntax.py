"""Read learner (and author) answers: an LALR grammar that builds SymPy objects directly.

Nothing typed is ever evaluated as code: no eval, exec, sympify or parse_expr. The text is
normalised and tokenised by `lexing`, parsed by a lark LALR parser built once at import from the
grammar in `answer.lark`, and each grammar rule builds its SymPy node unevaluated through
`building.Builder`, which enforces the size limits of `limits` as the tree grows. Any failure
reaches the caller as a ParseError with a message for the learner.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Collection, Iterator

import sympy
from lark import Lark, Token, Transformer
from lark.exceptions import LarkError, UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer as LarkLexer

from . import authoring
from .building import Builder
from .lexing import ParseError, check_brackets, normalise, tokenize
from .names import AUTHOR_OPS
from .reading import as_expected
from .values import Bracket, CommaList, Parsed, SetLit

__all__ = ["ParseError", "parse"]

_CURRENT: contextvars.ContextVar[Builder] = contextvars.ContextVar("gyrus_syntax_builder")


def _b() -> Builder:
    builder = _CURRENT.get()
    builder.count()
    return builder


def _split_ops(children: list) -> tuple[list, list[str]]:
    """[a, op, b, op, c] -> ([a, b, c], [op, op])."""
    return children[0::2], [str(t) for t in children[1::2]]


class _Rules(Transformer):
    """Grammar callbacks, run by the LALR parser as it reduces (no tree is built)."""

    def start(self, c: list) -> object:
        return c[0]

    def commalist(self, c: list) -> CommaList:
        _b()
        return CommaList(tuple(c))

    def relation(self, c: list) -> object:
        operands, ops = _split_ops(c)
        return _b().relation(operands, ops)

    def union(self, c: list) -> object:
        return _b().union(c)

    def member(self, c: list) -> object:
        return _b().relation([c[0], c[1]], ["in"])

    def add(self, c: list) -> object:
        b = _b()
        terms, ops = _split_ops(c)
        built = [b.expr(terms[0])]
        for op, term in zip(ops, terms[1:], strict=True):
            built.append(b.negate(term) if op == "-" else b.expr(term))
        return b.add(built)

    def mul(self, c: list) -> object:
        b = _b()
        factors = [b.expr(c[0])]
        rest = iter(c[1:])
        for item in rest:
            if isinstance(item, Token) and item.type == "MULOP":
                operand = next(rest)
                factors.append(b.divide(operand) if item == "/" else b.expr(operand))
            else:
                factors.append(b.expr(item))
        return b.multiply(factors)

    def unary(self, c: list) -> object:
        b = _b()
        return b.negate(c[1]) if c[0] == "-" else b.expr(c[1])

    def pow(self, c: list) -> object:
        return _b().power(c[0], c[2])

    def factorial(self, c: list) -> object:
        return _b().factorial(c[0])

    def percent(self, c: list) -> object:
        b = _b()
        return b.multiply([b.expr(c[0]), b.divide(sympy.Integer(100))])

    def transpose(self, c: list) -> object:
        return _b().transpose(c[0])

    def binom(self, c: list) -> object:
        return _b().call("binomial", (c[0], c[1]))

    def number(self, c: list) -> object:
        return _b().number(c[0])

    def name(self, c: list) -> object:
        return _b().name(c[0])

    def const(self, c: list) -> object:
        return _b().const(c[0])

    def items(self, c: list) -> tuple:
        _b()
        return tuple(c)

    def paren_rr(self, c: list) -> object:
        return _b().bracket("(", ")", c[0])

    def paren_rs(self, c: list) -> object:
        return _b().bracket("(", "]", c[0])

    def paren_sr(self, c: list) -> object:
        return _b().bracket("[", ")", c[0])

    def paren_ss(self, c: list) -> object:
        return _b().bracket("[", "]", c[0])

    def empty_round(self, c: list) -> object:
        raise ParseError("empty brackets () have no meaning here")

    def empty_square(self, c: list) -> object:
        return _b().bracket("[", "]", ())

    def setlit(self, c: list) -> object:
        return _b().setlit(c[0])

    def emptyset(self, c: list) -> object:
        return _b().setlit(())

    def group(self, c: list) -> object:
        return c[0]

    def absval(self, c: list) -> object:
        return _b().call("abs", (c[0],))

    def call(self, c: list) -> object:
        name, args = str(c[0]), c[1]
        b = _b()
        if name in AUTHOR_OPS:
            return authoring.run(name, args)
        return b.call(name, args)

    def call_abs(self, c: list) -> object:
        b = _b()
        if str(c[0]) in AUTHOR_OPS:
            raise ParseError(f"put the argument of {c[0]} in round brackets")
        return b.call(str(c[0]), (b.call("abs", (c[1],)),))

    def call_pow_abs(self, c: list) -> object:
        b = _b()
        return b.call_power(str(c[0]), c[2], (b.call("abs", (c[3],)),))

    def call_pow(self, c: list) -> object:
        name, exponent, args = str(c[0]), c[2], c[3]
        if name in AUTHOR_OPS:
            raise ParseError(f"{name}^... is not understood: put the power after the brackets")
        return _b().call_power(name, exponent, args)

    def lcall(self, c: list) -> object:
        return _b().call(str(c[0]), _latex_args(str(c[0]), c[1]))

    def lcall_pow(self, c: list) -> object:
        return _b().call_power(str(c[0]), c[2], _latex_args(str(c[0]), c[3]))

    def lchain(self, c: list) -> object:
        b = _b()
        if len(c) == 1:
            return c[0]
        return b.multiply([b.expr(x) for x in c])

    def fexp(self, c: list) -> object:
        b = _b()
        last = c[-1]
        leaves = {"NUMBER": b.number, "NAME": b.name, "CONST": b.const}
        value = leaves[last.type](last) if isinstance(last, Token) else b.expr(last)
        return b.negate(value) if len(c) == 2 and c[0] == "-" else value

    def frac(self, c: list) -> object:
        b = _b()
        return b.multiply([b.expr(c[0]), b.divide(c[1])])

    def sqrt(self, c: list) -> object:
        return _b().square_root(c[0])

    def nroot(self, c: list) -> object:
        return _b().nth_root(c[1], c[0])

    def matrix(self, c: list) -> object:
        return _b().matrix(c[0])

    def rows(self, c: list) -> list:
        _b()
        return list(c)

    def row(self, c: list) -> tuple:
        _b()
        return tuple(c)


def _latex_args(name: str, arg: object) -> tuple:
    """`\\max(a, b)`: a LaTeX function given a bracket of several items takes them all."""
    if name in ("min", "max") and isinstance(arg, Bracket) and arg.open == "(":
        return arg.items
    return (arg,)


class _TokenList(LarkLexer):
    """Hands lark the tokens `lexing` already made."""

    def __init__(self, lexer_conf: object) -> None:
        pass

    def lex(self, data: list[Token]) -> Iterator[Token]:  # type: ignore[override]
        return iter(data)


_PARSER = Lark.open_from_package(__package__, "answer.lark", parser="lalr", lexer=_TokenList,
                                 transformer=_Rules())


def parse(text: str, *, author: bool = False, variables: Collection[str] | None = None,
          imaginary: bool = True, expect: str | None = None) -> Parsed:
    """Read one answer. Raises ParseError (and nothing else) when it cannot be read.

    `variables`: the question's variable names; when given, other names are split into them
    (`xy` -> x*y) or refused. `author`: also allow diff, integrate, det, ... (exercise files).
    `imaginary`: `i` is the imaginary unit (the complex domain); else it is a name.
    `expect`: the answer type; a label (`y = 7`) is then dropped where the answer is not
    itself an equation, and messages say what to type (see `reading`).
    """
    if not isinstance(text, str):
        raise ParseError("the answer must be text")
    normalised = normalise(text)
    if not normalised.strip():
        raise ParseError("the answer is empty")
    check_brackets(normalised)
    builder = Builder(author)
    token = _CURRENT.set(builder)
    try:
        tokens, functions = tokenize(normalised, variables, author, imaginary, expect)
        value = _plus_minus(tokens, normalised)
        if expect is not None:
            value = as_expected(value, expect, variables, normalised)
    finally:
        _CURRENT.reset(token)
    return Parsed(value=value, decimals=tuple(dict.fromkeys(builder.decimals)),
                  functions=frozenset(functions | builder.functions), text=normalised,
                  tokens=tuple(tokens))


def _plus_minus(tokens: list[Token], text: str) -> object:
    """`x = 1 \\pm 2` is two answers, x = 3 and x = -1: every ± takes + in the first and -
    in the second (∓ the other way), and the answers are listed as if typed with commas."""
    signs = [i for i, t in enumerate(tokens) if t.type == "ADDOP" and t in ("±", "∓")]
    if not signs:
        return _run(_PARSER.parse, tokens, text)
    answers: list[object] = []
    values = []
    for first, second in (("+", "-"), ("-", "+")):
        variant = list(tokens)
        for i in signs:
            variant[i] = Token("ADDOP", first if tokens[i] == "±" else second,
                               start_pos=tokens[i].start_pos)
        value = _run(_PARSER.parse, variant, text)
        values.append(value)
        for item in value.items if isinstance(value, (CommaList, SetLit)) else (value,):
            if item not in answers:
                answers.append(item)
    if all(isinstance(v, SetLit) for v in values):  # {1 \pm 2} is {3, -1}
        return SetLit(tuple(answers))
    return CommaList(tuple(answers)) if len(answers) > 1 else answers[0]


def _run(parse_tokens: Callable[[list[Token]], object], tokens: list[Token], text: str) -> object:
    try:
        return parse_tokens(tokens)
    except ParseError:
        raise
    except UnexpectedInput as error:
        raise _explain(error, text) from None
    except RecursionError:
        raise ParseError("the answer is nested too deeply to work with") from None
    except (LarkError, ValueError, TypeError, ArithmeticError, AttributeError, IndexError,
            KeyError, NotImplementedError, sympy.SympifyError) as error:
        raise ParseError(f"the answer could not be read ({type(error).__name__})") from None


def _explain(error: UnexpectedInput, text: str) -> ParseError:
    """A learner's message for a parser error."""
    if isinstance(error, UnexpectedToken) and error.token.type != "$END":
        tok = error.token
        pos = tok.start_pos
        shown = "|" if tok.type in ("_ABSOPEN", "_ABSCLOSE") else str(tok)
        if tok.type in ("_RPAR", "_RSQB", "_GCLOSE", "_SETCLOSE"):
            return ParseError(f"unexpected '{shown}' at position {pos}: something is missing "
                              "before it", pos)
        return ParseError(f"unexpected '{shown}' at position {pos}", pos)
    tail = text.rstrip()[-12:].lstrip()
    return ParseError(f"the answer ends too early: something is missing after '{tail}'",
                      len(text))

