"""A safe reader of the simple part of WeBWorK's PG code (Perl), for the keys of PreTeXt books.

Never Perl and never eval: the code is tokenised and read by a small interpreter that knows
numbers (exact fractions), strings with interpolation, lists and ranges, arithmetic and
comparisons, `random`, `non_zero_random`, `list_random`, `random_coprime`, `NchooseK`, the
MathObject constructors (`Compute`, `Formula`, `Real`, `Fraction`, ...) as text in WeBWorK's
answer syntax (which is close to the project's grammar; `importing.verify` reads it in the
checker pool), and `do { ... } until (...)` loops. A variable assigned by anything else (a
branch, a subroutine, an unknown function or method) is *unknown*, and so is everything
computed from it: the caller then knows which blanks it cannot key.

Random values are drawn once, from a generator seeded by the caller (the problem's id and
seed): WeBWorK's own generator is not reproduced, so the values differ from the book's printed
ones but the prompt and the key always agree.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

MAX_TOKENS = 20_000
MAX_LOOP = 40
MAX_STEPS = 20_000
"""Statements, loop rounds and map items one problem may run: hostile code stops there."""
CONSTANT_LETTERS = ("e", "i")
"""Letters a range of variable names leaves out: the answer grammar reads them as constants."""
MAX_BITS = 2048
MAX_TEXT = 10_000
MAX_LIST = 1000


class Unknown(Exception):
    """A value the reader cannot compute (its message says why, for the import's log)."""


@dataclass(frozen=True)
class Num:
    """A number, exact. `exact`: a Fraction-context value (keyed without tolerance);
    `money`/`percent`: how WeBWorK shows it."""

    value: Fraction
    exact: bool = False
    money: bool = False
    percent: bool = False
    unit: str = ""
    approx: bool = False
    """Not exact (an irrational root, a fractional power): written to 6 figures, keyed with
    WeBWorK's tolerance."""


@dataclass(frozen=True)
class Maths:
    """A MathObject (Formula, Compute of a string, Interval, Point, ...) as WeBWorK writes it."""

    text: str


@dataclass(frozen=True)
class Text:
    """A Perl string."""

    value: str


@dataclass(frozen=True)
class Choice:
    """A PopUp, DropDown or RadioButtons menu: its options and the correct one's index."""

    options: tuple[str, ...]
    correct: int


@dataclass(frozen=True)
class Multi:
    """A MultiAnswer: one correct answer per blank that names it, in order."""

    answers: tuple


Value = Num | Maths | Text | Choice | Multi | tuple | list
_TOKEN = re.compile(r"""
    (?P<space>\s+|\#[^\n]*)
  | (?P<number>(?:\d+(?:\.(?!\.)\d*)?|(?<!\.)\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<scalar>\$\{\w+\}|\$\#?\w+)
  | (?P<array>@\w+)
  | (?P<hash>%\w+)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<name>[A-Za-z_]\w*(?:::\w+)*)
  | (?P<op>->|=>|\*\*=?|\.\.|==|!=|<=|>=|&&|\|\||[-+*/.x]=|[-+*/%<>=!?:,;.()\[\]{}\\&|^~])
""", re.VERBOSE)
_WORD_OPS = {"and": "&&", "or": "||", "not": "!", "eq": "==", "ne": "!=", "lt": "<", "gt": ">",
             "le": "<=", "ge": ">="}
_BLOCKS = ("if", "unless", "for", "foreach", "while", "until", "sub")


def tokens(code: str) -> list[tuple[str, str]]:
    """(kind, text) pairs; anything the tokeniser does not know is an `op` of one character."""
    out: list[tuple[str, str]] = []
    position = 0
    while position < len(code):
        match = _TOKEN.match(code, position)
        if match is None:
            out.append(("op", code[position]))
            position += 1
            continue
        position = match.end()
        kind = match.lastgroup or "op"
        if kind != "space":
            text = match.group()
            bareword = re.match(r"\s*(=>|\})", code[match.end():match.end() + 40])
            if kind == "name" and text in _WORD_OPS and not bareword:
                kind, text = "op", _WORD_OPS[text]
            if kind == "scalar":
                text = "$" + text.strip("${}") if not text.startswith("$#") else text
            out.append((kind, text))
        if len(out) > MAX_TOKENS:
            raise Unknown("the pg-code is too long to read")
    return out


class Reader:
    """Runs the readable statements of one problem's pg-code; `values` maps each variable
    (`a`, `f[0]`, `@list`) to its value, or to the Unknown that stopped it."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.values: dict[str, Value | Unknown] = {}
        self.context = "Numeric"
        self.steps = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise Unknown("the code runs too long to read")

    # -- statements ------------------------------------------------------------------------------

    def run(self, code: str) -> dict[str, Value | Unknown]:
        toks = tokens(code)
        index = 0
        while index < len(toks):
            try:
                index = self._statement(toks, index)
            except (Unknown, ArithmeticError, ValueError, TypeError, IndexError,
                    RecursionError):
                end = _statement_end(toks, index) + 1
                self._unknown_assigned(toks[index:end], "code this reader cannot follow")
                index = max(end, index + 1)
        return self.values

    def _statement(self, toks: list[tuple[str, str]], index: int) -> int:
        if self.steps >= MAX_STEPS:
            self._unknown_assigned(toks[index:], "the code runs too long to read")
            return len(toks)
        self.steps += 1
        kind, text = toks[index]
        if text in ("my", "our"):
            return index + 1
        if text == ";":
            return index + 1
        if text in _BLOCKS:
            end = _block_end(toks, index)
            try:
                if text in ("if", "unless"):
                    self._branches(toks[index:end])
                elif text in ("for", "foreach"):
                    self._for(toks[index:end])
                elif text in ("while", "until"):
                    self._while(toks[index:end], text == "while")
                else:
                    raise Unknown(f"assigned inside `{text}`")
            except Unknown as error:
                self._unknown_assigned(toks[index:end], str(error))
            return end
        if text == "do" and index + 1 < len(toks) and toks[index + 1][1] == "{":
            return self._do_loop(toks, index + 1)
        end = _statement_end(toks, index)
        self._simple(toks[index:end])
        return end + 1

    def _run_block(self, body: list[tuple[str, str]]) -> None:
        inner = 0
        while inner < len(body):
            inner = self._statement(body, inner)

    def _branches(self, toks: list[tuple[str, str]]) -> None:
        """`if (C) {...} elsif (C) {...} else {...}` (or `unless`): the branch whose condition
        holds runs; a condition that cannot be read raises Unknown before any branch runs."""
        position, chosen = 0, None
        while position < len(toks):
            word = toks[position][1]
            if word == "else":
                brace, condition = position + 1, None
            elif toks[position + 1][1] == "(":
                close = _matching(toks, position + 1)
                brace, condition = close + 1, toks[position + 2:close]
            else:
                raise Unknown("a branch this reader cannot follow")
            if toks[brace][1] != "{":
                raise Unknown("a branch this reader cannot follow")
            end = _matching(toks, brace)
            if chosen is None and condition is None:
                chosen = toks[brace + 1:end]
            elif chosen is None:
                held = truth(guarded(Expression(self, condition).read))
                if held != (word == "unless"):
                    chosen = toks[brace + 1:end]
            position = end + 1
        self._run_block(chosen or [])

    def _for(self, toks: list[tuple[str, str]]) -> None:
        """`for my $i (LIST) {...}` and `for ($i = 0; $i < n; $i++)` (the second: Unknown)."""
        position = 2 if toks[1][1] in ("my", "our") else 1
        if toks[position][0] != "scalar" or toks[position + 1][1] != "(":
            raise Unknown("a loop this reader cannot follow")
        close = _matching(toks, position + 1)
        items = guarded(Expression(self, toks[position + 2:close]).read)
        body = toks[close + 2:_matching(toks, close + 1)]
        for item in items if isinstance(items, tuple) else (items,):
            self.step()
            self.values[_key(toks[position][1])] = item
            self._run_block(body)

    def _while(self, toks: list[tuple[str, str]], holds: bool) -> None:
        """`while (C) {...}` (or `until`): the body runs while the condition is `holds`."""
        close = _matching(toks, 1)
        condition, body = toks[2:close], toks[close + 2:_matching(toks, close + 1)]
        for _ in range(MAX_LOOP):
            self.step()
            if truth(guarded(Expression(self, condition).read)) != holds:
                return
            self._run_block(body)
        raise Unknown("a loop that does not end within the reader's rounds")

    def _do_loop(self, toks: list[tuple[str, str]], brace: int) -> int:
        close = _matching(toks, brace)
        body = toks[brace + 1:close]
        end = _statement_end(toks, close + 1)
        tail = toks[close + 1:end]
        if not tail or tail[0][1] not in ("until", "while"):
            self._unknown_assigned(toks[brace:end], "assigned inside a `do` block")
            return end + 1
        stop_when = tail[0][1] == "until"
        for _ in range(MAX_LOOP):
            self.step()
            inner = 0
            while inner < len(body):
                inner = self._statement(body, inner)
            try:
                held = truth(guarded(Expression(self, tail[1:]).read))
            except Unknown:
                break
            if held == stop_when:
                return end + 1
        self._unknown_assigned(body, "assigned in a loop whose condition cannot be read")
        return end + 1

    def _unknown_assigned(self, toks: list[tuple[str, str]], why: str) -> None:
        for position, (kind, text) in enumerate(toks[:-1]):
            if kind in ("scalar", "array", "hash") and _assigns(toks, position):
                self.values[_key(text)] = Unknown(why)

    def _simple(self, toks: list[tuple[str, str]]) -> None:
        if not toks:
            return
        if toks[0][1] == "Context" and len(toks) > 2 and toks[2][0] == "string":
            self.context = unquote(toks[2][1])
            return
        modifier = _modifier(toks)
        if modifier is not None:
            self._conditional(toks[:modifier], toks[modifier + 1:], toks[modifier][1] == "if")
            return
        split = next((i for i, (k, t) in enumerate(toks)
                      if k == "op" and t in ("=", "+=", "-=", "*=", "/=", ".=", "**=")), None)
        if split is None:
            self._unknown_assigned(toks + [("op", ";")], "changed by a call")
            return
        targets = _targets(toks[:split]) or self._indexed(toks[:split])
        if not targets:
            return
        try:
            value = guarded(Expression(self, toks[split + 1:]).read)
            operator = toks[split][1]
            if operator != "=":
                value = guarded(lambda: binary(self.get(targets[0]), operator[:-1], value))
        except Unknown as error:
            for target in targets:
                self.values[target] = error
            return
        self._assign(targets, value, any(t[1] == "(" for t in toks[:split]))

    def _indexed(self, toks: list[tuple[str, str]]) -> list[str]:
        """`$f[$i]` (or `$f[$i+1]`) on the left of `=`: the element's key, its index read."""
        plain = [t for t in toks if t[1] not in ("my", "our")]
        if len(plain) < 4 or plain[0][0] != "scalar" or plain[1][1] != "[" \
                or plain[-1][1] != "]":
            return []
        try:
            index = integer(guarded(Expression(self, plain[2:-1]).read))
        except Unknown:
            self.values[_key(plain[0][1])] = Unknown("an element at an index that cannot be read")
            return []
        return [f"{_key(plain[0][1])}[{index}]"]

    def _conditional(self, statement: list[tuple[str, str]], condition: list[tuple[str, str]],
                     when: bool) -> None:
        """`STATEMENT if COND;` (or `unless`)."""
        try:
            held = truth(guarded(Expression(self, condition).read))
        except Unknown:
            self._unknown_assigned(statement + [("op", ";")], "assigned under a condition "
                                   "that cannot be read")
            return
        if held == when:
            self._simple(statement)

    def _assign(self, targets: list[str], value: Value, listwise: bool) -> None:
        if len(targets) == 1 and not listwise:
            self.values[targets[0]] = value
            return
        items = value if isinstance(value, tuple) else (value,)
        for position, target in enumerate(targets):
            self.values[target] = items[position] if position < len(items) else \
                Unknown("too few values")

    def get(self, name: str) -> Value:
        found = self.values.get(name)
        if found is None:
            raise Unknown(f"${name} is never set")
        if isinstance(found, Unknown):
            raise found
        return found

    def draw(self, items: list[Any]) -> Any:
        if not items:
            raise Unknown("a random choice from nothing")
        return self.rng.choice(items)


def guarded(read: Callable[[], Value]) -> Value:
    """`read()`, with any failure of hostile or odd input turned into Unknown."""
    try:
        return read()
    except (ArithmeticError, ValueError, TypeError, IndexError, RecursionError) as error:
        raise Unknown(f"the code could not be read ({type(error).__name__})") from None


def _key(token: str) -> str:
    return token.lstrip("$@") if not token.startswith("@") else token


def _modifier(toks: list[tuple[str, str]]) -> int | None:
    """Where a statement modifier (`... if COND`) starts, outside brackets."""
    depth = 0
    for position, (kind, text) in enumerate(toks):
        depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(text, 0)
        if depth == 0 and kind == "name" and text in ("if", "unless") and position > 0:
            return position
    return None


def _assigns(toks: list[tuple[str, str]], position: int) -> bool:
    after = toks[position + 1][1]
    if after == "[":
        close = _matching(toks, position + 1)
        after = toks[close + 1][1] if close + 1 < len(toks) else ""
    return after in ("=", "+=", "-=", "*=", "/=", ".=", "**=")


def _targets(toks: list[tuple[str, str]]) -> list[str]:
    """`$a`, `$f[0]`, `@list` or `($a, $b)` on the left of `=`."""
    plain = [t for t in toks if t[1] not in ("my", "our")]
    if len(plain) == 1 and plain[0][0] in ("scalar", "array", "hash"):
        return [_key(plain[0][1])]
    if len(plain) == 4 and plain[0][0] == "scalar" and plain[1][1] == "[" \
            and plain[2][0] == "number" and plain[3][1] == "]":
        return [f"{_key(plain[0][1])}[{plain[2][1]}]"]
    if plain and plain[0][1] == "(" and plain[-1][1] == ")":
        names = [t for t in plain[1:-1] if t[1] != ","]
        if all(k == "scalar" for k, _ in names):
            return [_key(t) for _, t in names]
    return []


def _matching(toks: list[tuple[str, str]], start: int) -> int:
    pairs = {"(": ")", "[": "]", "{": "}"}
    opening = toks[start][1]
    depth = 0
    for position in range(start, len(toks)):
        text = toks[position][1]
        if text == opening:
            depth += 1
        elif text == pairs[opening]:
            depth -= 1
            if depth == 0:
                return position
    return len(toks) - 1


def _statement_end(toks: list[tuple[str, str]], index: int) -> int:
    depth = 0
    for position in range(index, len(toks)):
        text = toks[position][1]
        if text in ("(", "[", "{"):
            depth += 1
        elif text in (")", "]", "}"):
            depth -= 1
        elif text == ";" and depth <= 0:
            return position
    return len(toks)


def _block_end(toks: list[tuple[str, str]], index: int) -> int:
    """The token after a block statement (`if (...) {...} elsif ... else {...}`, `sub f {...}`)."""
    position = index
    while position < len(toks):
        brace = next((i for i in range(position, len(toks)) if toks[i][1] == "{"), None)
        semicolon = next((i for i in range(position, len(toks)) if toks[i][1] == ";"), None)
        if brace is None or (semicolon is not None and semicolon < brace):
            return (semicolon if semicolon is not None else len(toks) - 1) + 1
        position = _matching(toks, brace) + 1
        if position >= len(toks) or toks[position][1] not in ("elsif", "else"):
            return position
    return position


# -- expressions -----------------------------------------------------------------------------------

_PRECEDENCE = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4,
               "..": 5, "+": 6, "-": 6, ".": 6, "*": 7, "/": 7, "%": 7}


class Expression:
    """One Perl expression over the reader's values, read by precedence climbing."""

    def __init__(self, reader: Reader, toks: list[tuple[str, str]]) -> None:
        self.reader = reader
        self.toks = toks
        self.at = 0

    def read(self) -> Value:
        if not self.toks:
            raise Unknown("an empty expression")
        value = self._comma()
        if self.at < len(self.toks):
            raise Unknown(f"cannot read `{self.toks[self.at][1]}` here")
        return value

    def _peek(self) -> str:
        return self.toks[self.at][1] if self.at < len(self.toks) else ""

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.toks):
            raise Unknown("the expression ends too soon")
        token = self.toks[self.at]
        if expected is not None and token[1] != expected:
            raise Unknown(f"expected `{expected}`, found `{token[1]}`")
        self.at += 1
        return token

    def _comma(self) -> Value:
        items = [self._ternary()]
        while self._peek() in (",", "=>"):
            self._take()
            if self._peek() in ("", ")", "]"):
                break
            items.append(self._ternary())
        return items[0] if len(items) == 1 else _flat(items)

    def _ternary(self) -> Value:
        condition = self._binary(1)
        if self._peek() != "?":
            return condition
        self._take()
        yes = self._ternary()
        self._take(":")
        no = self._ternary()
        return yes if truth(condition) else no

    def _binary(self, minimum: int) -> Value:
        """Precedence climbing over the binary operators (all left-associative)."""
        left = self._unary()
        while True:
            operator = self._peek()
            precedence = _PRECEDENCE.get(operator, 0)
            if precedence < minimum or self.toks[self.at][0] != "op":
                return left
            self.at += 1
            left = binary(left, operator, self._binary(precedence + 1))

    def _unary(self) -> Value:
        if self._peek() == "-":
            self._take()
            return binary(Num(Fraction(0)), "-", self._unary())
        if self._peek() == "+":
            self._take()
            return self._unary()
        if self._peek() == "!":
            self._take()
            return Num(Fraction(int(not truth(self._unary()))))
        return self._power()

    def _power(self) -> Value:
        base = self._postfix(self._primary())
        if self._peek() == "**":
            self._take()
            return binary(base, "**", self._unary())
        return base

    def _postfix(self, value: Value) -> Value:
        while self._peek() in ("->", "["):
            if self._take()[1] == "[":
                value = _index(value, self._comma())
                self._take("]")
                continue
            if self._peek() == "[":  # $list->[0]
                continue
            method = self._take()[1]
            if method in _SAME and self._peek() == "(":  # options of checking or showing
                close = _matching(self.toks, self.at)
                if ("name", "checker") in self.toks[self.at:close]:
                    raise Unknown("a custom answer checker (other answers may be right)")
                self.at = close + 1
                continue
            arguments = self._arguments() if self._peek() == "(" else ()
            value = _method(value, method, arguments)
        return value

    def _arguments(self) -> tuple:
        self._take("(")
        if self._peek() == ")":
            self._take()
            return ()
        value = self._comma()
        self._take(")")
        return value if isinstance(value, tuple) else (value,)

    def _primary(self) -> Value:
        kind, text = self._take()
        if kind == "number":
            if len(text) > 40 or re.search(r"[eE][-+]?\d{3}", text):
                raise Unknown("a number too large to read")
            return Num(Fraction(text))
        if kind == "string":
            return _text(self._interpolate(text))
        if kind == "scalar":
            element = self._element(text[1:])
            if element is not None:
                return element
            if self._peek() == "{" and f"%{text[1:]}" in self.reader.values:
                return self._entry(text[1:])
            if self._peek() == "[" and f"@{text[1:]}" in self.reader.values:
                self._take()
                index = self._comma()
                self._take("]")
                return _index(self.reader.get(f"@{text[1:]}"), index)
            return self.reader.get(text[1:])
        if kind == "array":
            return self.reader.get(text)
        if text == "@" and self._peek() in ("{", "$"):  # @{$ref} or @$ref: the list itself
            if self._take()[1] == "{":
                value = self._comma()
                self._take("}")
            else:
                value = self.reader.get(self.toks[self.at - 1][1][1:])
            return tuple(value) if isinstance(value, list) else value
        if text == "(":
            if self._peek() == ")":
                self._take()
                return ()
            value = self._comma()
            self._take(")")
            return value
        if text == "[":  # an array reference: a list that lists do not flatten
            value = self._comma() if self._peek() != "]" else ()
            self._take("]")
            return list(value) if isinstance(value, tuple) else [value]
        if kind == "name" and self._peek() == "=>":  # a bareword key is a string
            return Text(text)
        if kind == "name" and text in ("map", "grep") and self._peek() == "{":
            return self._map(text)
        if kind == "name":
            return call(self.reader, text, self._arguments() if self._peek() == "(" else ())
        raise Unknown(f"cannot read `{text}`")

    def _map(self, name: str) -> tuple:
        """`map { EXPR } LIST` and `grep { EXPR } LIST`, with `$_` each item in turn."""
        close = _matching(self.toks, self.at)
        block = self.toks[self.at + 1:close]
        self.at = close + 1
        items = self._comma()
        out: list[Value] = []
        for item in items if isinstance(items, tuple) else (items,):
            self.reader.step()
            self.reader.values["_"] = item
            result = Expression(self.reader, block).read()
            if name == "grep":
                out.extend([item] if truth(result) else [])
            else:
                out.append(result)
        self.reader.values.pop("_", None)
        return _flat(out)

    def _entry(self, name: str) -> Value:
        """`$h{key}` of a hash set as `%h = (key => value, ...)`."""
        self._take("{")
        if self.toks[self.at][0] == "name" and self.toks[self.at + 1:self.at + 2] == [("op", "}")]:
            key: Value = Text(self._take()[1])
        else:
            key = self._comma()
        self._take("}")
        pairs = self.reader.get(f"%{name}")
        items = pairs if isinstance(pairs, tuple) else (pairs,)
        for position in range(0, len(items) - 1, 2):
            if text_of(items[position]) == text_of(key):
                return items[position + 1]
        raise Unknown(f"%{name} has no such key")

    def _element(self, name: str) -> Value | None:
        """`$f[0]` or `$f[$i]` assigned element by element (`$f[0] = ...`), not as an array."""
        if self._peek() != "[" or f"@{name}" in self.reader.values \
                or not any(k.startswith(f"{name}[") for k in self.reader.values):
            return None
        close = _matching(self.toks, self.at)
        index = integer(Expression(self.reader, self.toks[self.at + 1:close]).read())
        self.at = close + 1
        return self.reader.get(f"{name}[{index}]")

    def _interpolate(self, literal: str) -> str:
        body = literal[1:-1]
        if literal[0] == "'":
            return re.sub(r"\\([\\'])", r"\1", body)
        if "@{" in body or "${\\" in body:
            raise Unknown("an interpolated expression in a string")

        def value_of(match: re.Match[str]) -> str:
            name, index = match.group(1) or match.group(2), match.group(3)
            if index is not None and index.startswith("$"):
                index = str(integer(self.reader.get(index[1:])))
            if index is not None and f"@{name}" in self.reader.values:
                return text_of(_index(self.reader.get(f"@{name}"), Num(Fraction(index))))
            if index is not None and f"{name}[{index}]" in self.reader.values:
                return text_of(self.reader.get(f"{name}[{index}]"))
            return text_of(self.reader.get(name)) + (f"[{index}]" if index is not None else "")

        parts = re.split(r"(\\.)", body)
        out = []
        for part in parts:
            if part.startswith("\\") and len(part) == 2:
                out.append({"n": "\n", "t": "\t"}.get(part[1], part[1]))
            else:
                out.append(re.sub(r"\$(?:\{(\w+)\}|(\w+))(?:\[(\d+|\$\w+)\])?", value_of, part))
        return "".join(out)


def _flat(items: list[Value]) -> tuple:
    out: list[Value] = []
    for item in items:
        out.extend(item if isinstance(item, tuple) else (item,))
    if len(out) > MAX_LIST:
        raise Unknown("a list too long to read")
    return tuple(out)


def _index(value: Value, index: Value) -> Value:
    if not isinstance(value, tuple | list):
        raise Unknown("indexing something that is not a list")
    if isinstance(index, tuple):
        return tuple(_index(value, i) for i in index)
    position = integer(index)
    if not -len(value) <= position < len(value):
        raise Unknown("an index outside the list")
    return value[position]


# -- values ----------------------------------------------------------------------------------------


def truth(value: Value) -> bool:
    if isinstance(value, Num):
        return value.value != 0
    if isinstance(value, Text):
        return value.value not in ("", "0")
    if isinstance(value, tuple | list):
        return bool(value)
    raise Unknown("the truth of a formula")


def integer(value: Value) -> int:
    if isinstance(value, Text) and re.fullmatch(r"-?\d+", value.value.strip()):
        return int(value.value)
    if not isinstance(value, Num) or value.value.denominator != 1:
        raise Unknown("a whole number was expected")
    return int(value.value)


def number(value: Value) -> Fraction:
    if isinstance(value, Num):
        return value.value
    if isinstance(value, Text) and re.fullmatch(r"\s*-?(\d+\.?\d*|\.\d+)\s*", value.value):
        return Fraction(value.value.strip())
    raise Unknown("a number was expected")


def number_text(value: Fraction) -> str:
    """Exact and readable: 5, -0.25, 1/3 (a decimal only where it terminates)."""
    if value.denominator == 1:
        return str(value.numerator)
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator == 1 and value.denominator <= 10**6:
        return format(value.numerator / value.denominator, ".6f").rstrip("0")
    return f"{value.numerator}/{value.denominator}"


def num_text(value: Num) -> str:
    """A number as written in answers: exact (number_text; a Fraction-context value as p/q,
    as WeBWorK writes it), or to 6 figures if approximate."""
    if value.approx:
        return format(float(value.value), ".6g")
    if value.exact and value.value.denominator != 1:
        return f"{value.value.numerator}/{value.value.denominator}"
    return number_text(value.value)


def text_of(value: Value) -> str:
    """How a value reads inside a string (Perl interpolation): a negative or fractional number
    in brackets, so `"$m x"` with m = -3/4 still means (-3/4)x to the grammar."""
    if isinstance(value, Num):
        written = num_text(value)
        return f"({written})" if value.value < 0 or value.value.denominator != 1 else written
    if isinstance(value, Maths):
        return value.text
    if isinstance(value, Text):
        return value.value
    if isinstance(value, Choice):
        return value.options[value.correct]
    return " ".join(text_of(v) for v in value)


_COMPARE = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
            ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def binary(left: Value, operator: str, right: Value) -> Value:
    if operator == ".":
        return _text(text_of(left) + text_of(right))
    if operator == "..":
        return _range(left, right)
    if operator in ("&&", "||"):
        return right if truth(left) == (operator == "&&") else left
    if isinstance(left, Num) and isinstance(right, Num):
        return _numeric(left, operator, right)
    if operator in _COMPARE:
        if isinstance(left, Text) and isinstance(right, Text):
            return Num(Fraction(int(_COMPARE[operator](left.value, right.value))))
        return _numeric(Num(number(left)), operator, Num(number(right)))
    if isinstance(left, tuple | list) or isinstance(right, tuple | list):
        raise Unknown("arithmetic on a list")
    symbol = "^" if operator == "**" else operator
    if symbol not in ("+", "-", "*", "/", "^"):
        raise Unknown(f"`{operator}` on a formula")
    return Maths(f"({_formula(left)}) {symbol} ({_formula(right)})")


def _formula(value: Value) -> str:
    return num_text(value) if isinstance(value, Num) else text_of(value)


def _numeric(left: Num, operator: str, right: Num) -> Num:
    a, b = left.value, right.value
    exact = left.exact or right.exact
    if operator in _COMPARE:
        return Num(Fraction(int(_COMPARE[operator](a, b))))
    if operator in ("/", "%") and b == 0:
        raise Unknown("a division by zero")
    approx = left.approx or right.approx
    if operator == "**":
        if a == 0 and b < 0 or abs(b) > 64:
            raise Unknown("a power this reader does not compute")
        if b.denominator != 1:
            if a < 0:
                raise Unknown("a fractional power of a negative number")
            return _approx(float(a) ** float(b))
        if a.numerator.bit_length() * abs(int(b)) > MAX_BITS:
            raise Unknown("a number too large to read")
        return _sized(Num(a ** int(b), exact, approx=approx))
    results = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b,
               "%": lambda: Fraction(int(a) % int(b))}
    result = results.get(operator, lambda: None)()
    if result is None:
        raise Unknown(f"the operator `{operator}`")
    return _sized(Num(result, exact, left.money or right.money, approx=approx))


def _sized(value: Num) -> Num:
    if max(value.value.numerator.bit_length(), value.value.denominator.bit_length()) > MAX_BITS:
        raise Unknown("a number too large to read")
    return value


def _text(value: str) -> Text:
    if len(value) > MAX_TEXT:
        raise Unknown("a string too long to read")
    return Text(value)


def _range(left: Value, right: Value) -> tuple:
    if isinstance(left, Text) and isinstance(right, Text) and len(left.value) == 1 \
            and len(right.value) == 1:
        return tuple(Text(chr(c)) for c in range(ord(left.value), ord(right.value) + 1)
                     if chr(c) not in CONSTANT_LETTERS)
    lo, hi = integer(left), integer(right)
    if hi - lo > MAX_LIST:
        raise Unknown("a range too long to read")
    return tuple(Num(Fraction(n)) for n in range(lo, hi + 1))


# -- functions and methods -------------------------------------------------------------------------


def _draw_step(reader: Reader, arguments: tuple, nonzero: bool) -> Num:
    """random(lo, hi, step) and non_zero_random: lo + k step for a random k."""
    if len(arguments) not in (2, 3):
        raise Unknown("random takes 2 or 3 numbers")
    lo, hi = number(arguments[0]), number(arguments[1])
    step = number(arguments[2]) if len(arguments) == 3 else Fraction(1)
    if step <= 0 or hi < lo or (hi - lo) / step > 10**6:
        raise Unknown("a random range this reader cannot draw from")
    count = int((hi - lo) / step) + 1
    for _ in range(MAX_LOOP):
        value = lo + reader.rng.randrange(count) * step
        if value != 0 or not nonzero:
            return Num(value)
    raise Unknown("no non-zero value in the range")


def _coprime(reader: Reader, arguments: tuple, pairwise: bool = False) -> tuple:
    """random_coprime (gcd of all is 1) and random_pairwise_coprime (of every two)."""
    lists = [a if isinstance(a, tuple | list) else (a,) for a in arguments]
    for _ in range(MAX_LOOP):
        picked = [integer(reader.draw(list(items))) for items in lists]
        pairs = [(a, b) for i, a in enumerate(picked) for b in picked[i + 1:]] if pairwise \
            else [tuple(picked)]
        if all(math.gcd(*pair) == 1 for pair in pairs):
            return tuple(Num(Fraction(n)) for n in picked)
    raise Unknown("no coprime values")


def _fraction(arguments: tuple) -> Num:
    items = _flat(list(arguments))
    if len(items) == 2:
        denominator = number(items[1])
        if denominator == 0:
            raise Unknown("a division by zero")
        return Num(number(items[0]) / denominator, exact=True)
    if len(items) == 1:
        return Num(number(items[0]), exact=True)
    raise Unknown("Fraction takes one or two numbers")


def _maths(arguments: tuple, exact: bool) -> Value:
    """Compute/Formula/Real: a number stays a number, a string is a formula."""
    if len(arguments) != 1:
        raise Unknown("a MathObject of several arguments")
    value = arguments[0]
    if isinstance(value, Num):
        return Num(value.value, exact or value.exact, value.money, value.percent, value.unit,
                   value.approx)
    if isinstance(value, Maths):
        return value
    if isinstance(value, Text):
        plain = value.value.strip()
        if re.fullmatch(r"-?(\d+\.?\d*|\.\d+)", plain):
            return Num(Fraction(plain), exact)
        return Maths(plain)
    raise Unknown("a MathObject of a list")


def _joined(open_: str, close: str, arguments: tuple) -> Maths:
    if len(arguments) == 1 and isinstance(arguments[0], Text):
        return Maths(arguments[0].value.strip())
    return Maths(open_ + ", ".join(_formula(a) for a in _flat(list(arguments))) + close)


def call(reader: Reader, name: str, arguments: tuple) -> Value:
    exact = "Fraction" in reader.context
    if name in ("random", "non_zero_random"):
        return _draw_step(reader, arguments, nonzero=name == "non_zero_random")
    if name == "list_random":
        return reader.draw(list(_flat(list(arguments))))
    if name in ("random_coprime", "random_pairwise_coprime"):
        return _coprime(reader, arguments, pairwise=name == "random_pairwise_coprime")
    if name == "NchooseK":
        n, k = (integer(a) for a in arguments)
        if not 0 <= k <= n <= MAX_LIST:
            raise Unknown("NchooseK out of range")
        return tuple(Num(Fraction(i)) for i in reader.rng.sample(range(n), k))
    if name in ("Compute", "Formula", "Real"):
        return _maths(arguments, exact)
    if name == "Fraction":
        return _fraction(arguments)
    if name in ("Currency", "Percent"):
        value = number(arguments[0]) if arguments else Fraction(0)
        return Num(value, money=name == "Currency", percent=name == "Percent")
    if name in ("PopUp", "DropDown", "RadioButtons"):
        return _choice(arguments)
    if name in ("LinearRelation", "ImplicitPlane", "ImplicitEquation"):
        name = "Interval"
    if name in ("Interval", "String"):
        if len(arguments) != 1 or not isinstance(arguments[0], Text):
            raise Unknown(f"{name} of something other than a string")
        return Maths(arguments[0].value) if name == "Interval" else arguments[0]
    if name in ("Point", "List"):
        return _joined("(", ")", arguments) if name == "Point" else _joined("", "", arguments)
    if name in ("abs", "int", "sqrt", "gcd", "lcm", "min", "max", "floor", "ceil", "round",
                "Round"):
        return _arithmetic(name, [number(a) for a in _flat(list(arguments))])
    if name in _NAMED:
        return _NAMED[name](reader, arguments)
    if name == "scalar":  # of a list: its length (the call's arguments are the list)
        return Num(Fraction(len(arguments)))
    raise Unknown(f"the function {name}")


def _choice(arguments: tuple) -> Choice:
    """`PopUp(['?', 'is', 'is not'], 1)`: the correct option by index or by its text; the
    `?` placeholder is not an option."""
    if len(arguments) < 2 or not isinstance(arguments[0], list):
        raise Unknown("a menu without its options")
    options = [text_of(o) for o in arguments[0]]
    correct = arguments[1]
    index = options.index(text_of(correct)) if isinstance(correct, Text) \
        and text_of(correct) in options else integer(correct)
    if not 0 <= index < len(options):
        raise Unknown("a menu whose answer is not an option")
    if options[0] == "?" and index > 0:
        return Choice(tuple(options[1:]), index - 1)
    return Choice(tuple(options), index)


_LETTERS = tuple("abcdfghkmnpqrstuvwxyz")
_FUNCTIONS = tuple("fghkpq")
_PEOPLE = ("Alex", "Jordan", "Sam", "Kiran", "Robin", "Taylor", "Morgan", "Jamie", "Casey",
           "Avery")
_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
          "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


def _variable_name(reader: Reader, arguments: tuple) -> Text:
    """RandomVariableName(type => 'function' | 'variable'): a letter for a name."""
    wanted = [text_of(a) for a in arguments]
    return Text(reader.draw(list(_FUNCTIONS if "function" in wanted else _LETTERS)))


def _number_word(reader: Reader, arguments: tuple) -> Text:
    n = integer(arguments[0]) if arguments else -1
    if not 0 <= n < 100:
        raise Unknown("numberWord outside 0 to 99")
    word = _WORDS[n] if n < 20 else _TENS[n // 10 - 2] + ("-" + _WORDS[n % 10] if n % 10 else "")
    capital = any(text_of(a) == "capital" for a in arguments[1:])
    return Text(word.capitalize() if capital else word)


def _sorted(reader: Reader, arguments: tuple) -> tuple:
    return tuple(sorted(_flat(list(arguments)), key=number))


def _subset(reader: Reader, arguments: tuple) -> tuple:
    items = list(_flat(list(arguments[1:])))
    count = integer(arguments[0]) if arguments else -1
    if not 0 <= count <= len(items):
        raise Unknown("random_subset of more than the list")
    return tuple(reader.rng.sample(items, count))


def _with_units(reader: Reader, arguments: tuple) -> Num:
    """NumberWithUnits(5, 'ft') or ('5 ft'): the number is the key, the unit is shown."""
    if len(arguments) == 1 and isinstance(arguments[0], Text):
        match = re.fullmatch(r"\s*\(?(-?(?:\d+/\d+|\d+\.?\d*|\.\d+))\)?\s*(.+?)\s*",
                             arguments[0].value)
        if match is None:
            raise Unknown("NumberWithUnits without a number")
        return Num(Fraction(match.group(1)), unit=match.group(2))
    if len(arguments) == 2:
        return Num(number(arguments[0]), unit=text_of(arguments[1]))
    raise Unknown("NumberWithUnits of something else")


_NAMED: dict[str, Callable[[Reader, tuple], Value]] = {
    "RandomVariableName": _variable_name,
    "randomPerson": lambda reader, arguments: Text(reader.draw(list(_PEOPLE))),
    "RandomName": lambda reader, arguments: Text(reader.draw(list(_PEOPLE))),
    "numberWord": _number_word,
    "NameForNumber": _number_word,
    "num_sort": _sorted,
    "random_subset": _subset,
    "NumberWithUnits": _with_units,
    "FormulaWithUnits": _with_units,
    "MultiAnswer": lambda reader, arguments: Multi(tuple(arguments)),
    "join": lambda reader, arguments: Text(text_of(arguments[0]).join(
        text_of(v) for v in _flat(list(arguments[1:])))),
}


def _arithmetic(name: str, values: list[Fraction]) -> Num:
    if not values:
        raise Unknown(f"{name} of nothing")
    if name == "abs":
        return Num(abs(values[0]))
    if name == "int":
        return Num(Fraction(int(values[0])))
    if name in ("floor", "ceil"):
        return Num(Fraction(math.floor(values[0]) if name == "floor" else math.ceil(values[0])))
    if name in ("round", "Round"):
        places = int(values[1]) if len(values) > 1 else 0
        if not 0 <= places <= 12:
            raise Unknown("rounding to too many places")
        step = Fraction(1, 10**places)
        return Num(math.floor(values[0] / step + Fraction(1, 2)) * step)
    if name == "sqrt":
        if values[0] < 0:
            raise Unknown("the square root of a negative number")
        root = _exact_root(values[0])
        return Num(root) if root is not None else _approx(math.sqrt(values[0]))
    if name in ("min", "max"):
        return Num(min(values) if name == "min" else max(values))
    whole = [int(v) for v in values]
    return Num(Fraction(math.gcd(*whole) if name == "gcd" else math.lcm(*whole)))


def _approx(value: float) -> Num:
    if not math.isfinite(value):
        raise Unknown("a value too large to read")
    return Num(Fraction(value), approx=True)


def _exact_root(value: Fraction) -> Fraction | None:
    if value < 0:
        return None
    top, bottom = math.isqrt(value.numerator), math.isqrt(value.denominator)
    return Fraction(top, bottom) if top * top == value.numerator \
        and bottom * bottom == value.denominator else None


_SAME = {"reduce", "with", "cmp", "copy", "inherit", "string", "TeX", "name"}
_PRONOUNS = {"they": "they", "them": "them", "their": "their", "theirs": "theirs",
             "subject": "they", "object": "them", "possessive": "their",
             "possession": "theirs"}


def _method(value: Value, method: str, arguments: tuple) -> Value:
    """Methods that return the value itself (how it is checked or shown changes, not what)."""
    if method in _SAME:
        return value
    if isinstance(value, Text) and method.lower() in _PRONOUNS:  # randomPerson: "they"
        word = _PRONOUNS[method.lower()]
        return Text(word.capitalize() if method[0].isupper() else word)
    if isinstance(value, Text) and method == "verb" and arguments:
        return arguments[0]
    if isinstance(value, Text) and method in ("do", "are", "were", "have"):
        return Text(method)
    if method == "eval" and isinstance(value, Maths | Num):
        pairs = _flat(list(arguments))
        bindings = {text_of(pairs[i]): number(pairs[i + 1]) for i in range(0, len(pairs) - 1, 2)}
        return value if isinstance(value, Num) else Num(FormulaValue(value.text, bindings).read())
    if method == "value" and isinstance(value, Num):
        return (Num(Fraction(value.value.numerator)), Num(Fraction(value.value.denominator)))
    raise Unknown(f"the method {method}")


_FORMULA_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*|\.\d+)|([A-Za-z_]\w*)|(\*\*|[-+*/^()|]))")


class FormulaValue:
    """A formula's value at a point (pg-code's `$f->eval(x => 3)`, a Perl method we read, never
    run), exact, read from WeBWorK's formula text by this recursive-descent reader over
    Fractions: + - * / ^, brackets, |x|, sqrt and abs, implicit multiplication (`3 x`,
    `2(x+1)`). No Python eval, sympify or parse_expr is involved."""

    def __init__(self, text: str, bindings: dict[str, Fraction]) -> None:
        self.tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(text.rstrip()):
            match = _FORMULA_TOKEN.match(text, position)
            if match is None or match.end() == position:
                raise Unknown("a formula this reader cannot evaluate")
            kind = "number" if match.group(1) else "name" if match.group(2) else "op"
            self.tokens.append((kind, match.group(match.lastindex or 0)))
            position = match.end()
        self.bindings = bindings
        self.at = 0

    def read(self) -> Fraction:
        value = self._sum()
        if self.at != len(self.tokens):
            raise Unknown("a formula this reader cannot evaluate")
        return value

    def _peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("", "")

    def _sum(self) -> Fraction:
        value = self._product()
        while self._peek()[1] in ("+", "-"):
            sign = self.tokens[self.at][1]
            self.at += 1
            value = value + self._product() if sign == "+" else value - self._product()
        return value

    def _product(self) -> Fraction:
        value = self._signed()
        while True:
            kind, text = self._peek()
            if text in ("*", "/"):
                self.at += 1
                right = self._signed()
                if text == "/" and right == 0:
                    raise Unknown("a division by zero")
                value = value * right if text == "*" else value / right
            elif kind in ("number", "name") or text == "(":
                value *= self._power()
            else:
                return value

    def _signed(self) -> Fraction:
        if self._peek()[1] in ("-", "+"):
            sign = self.tokens[self.at][1]
            self.at += 1
            return -self._signed() if sign == "-" else self._signed()
        return self._power()

    def _power(self) -> Fraction:
        base = self._atom()
        if self._peek()[1] in ("^", "**"):
            self.at += 1
            exponent = self._signed()
            if exponent.denominator != 1 or abs(exponent) > 64 or (base == 0 and exponent < 0):
                raise Unknown("a power that is not exact")
            return base ** int(exponent)
        return base

    def _atom(self) -> Fraction:
        kind, text = self._peek()
        self.at += 1
        if kind == "number":
            return Fraction(text)
        if text in ("(", "|"):
            value = self._sum()
            if self._peek()[1] != (")" if text == "(" else "|"):
                raise Unknown("a formula this reader cannot evaluate")
            self.at += 1
            return abs(value) if text == "|" else value
        if kind == "name" and text in self.bindings:
            return self.bindings[text]
        if kind == "name" and text in ("sqrt", "abs") and self._peek()[1] == "(":
            value = self._atom()
            root = _exact_root(value) if text == "sqrt" else abs(value)
            if root is None:
                raise Unknown("a square root that is not exact")
            return root
        raise Unknown("a formula this reader cannot evaluate")


def unquote(literal: str) -> str:
    return literal[1:-1] if literal[:1] in ("'", '"') else literal
