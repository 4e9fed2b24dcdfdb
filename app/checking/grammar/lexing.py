"""Turn typed text into tokens for the grammar in `syntax.py`.

The lexer is hand-written rather than lark's because reading maths needs context a regular
lexer lacks: whether `xy` is one variable or two, whether `|` opens or closes, whether `{` is a
set or a LaTeX group, and that `\\frac12` takes two one-digit arguments. Everything that can be
decided from the text alone (limits on length, nesting and literal sizes, unknown names) is
decided here, before the parser or SymPy do any work.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field

from lark import Token

from . import limits
from .names import (
    AUTHOR_OPS,
    CONSTANTS,
    FUNCTIONS,
    GREEK,
    SUBSCRIPTS,
    SUPERSCRIPTS,
    TEX_FUNCTIONS,
    TEX_GREEK,
    TEX_IGNORED,
    TEX_RELATIONS,
    TEX_WORD_WRAPPERS,
    UNICODE_SYMBOLS,
    UNICODE_WORDS,
    ZERO_WIDTH,
)


class ParseError(Exception):
    """The input cannot be read; `message` is written for the learner who typed it."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


# --- normalising ----------------------------------------------------------------------------


def normalise(raw: str) -> str:
    """NFKC-normalise and map Unicode maths to ASCII, rejecting control characters."""
    if len(raw) > limits.MAX_INPUT_CHARS:
        raise ParseError(f"the answer is too long (at most {limits.MAX_INPUT_CHARS} characters)")
    _reject_controls(raw)
    text = unicodedata.normalize("NFKC", _map_scripts(raw))
    text = _map_unicode(text)
    if len(text) > 4 * limits.MAX_INPUT_CHARS:
        raise ParseError("the answer is too long")
    text = _strip_math_wrapper(INDEXED.sub(r"\1_\2", text))
    text = _matlab_matrices(_reversed_brackets(SUB_AFTER_SUP.sub(r"\1\2_\4^\3", text)))
    if len(text) > 4 * limits.MAX_INPUT_CHARS:
        raise ParseError("the answer is too long")
    return text


# `x[1]` is the subscript x_1, as in programming and in Maxima's indexed names.
INDEXED = re.compile(r"(?<![A-Za-z0-9_\\])([A-Za-z][A-Za-z0-9]*)\[(\d{1,3})\]")


# `x^2_2` and `\\alpha^2_2`: TeX reads the subscript first wherever it is written.
SUB_AFTER_SUP = re.compile(
    r"(\\?[A-Za-z]+)(\s*)\^\s*(\{[^{}]*\}|[0-9])\s*_\s*(\{[^{}]*\}|[A-Za-z0-9]+)")
# `$x^2$`, `$$...$$`, `\\(...\\)`, `\\[...\\]`: the whole answer in a maths wrapper
MATH_WRAPPER = re.compile(r"\s*(?:\$\$(.*)\$\$|\$(.*)\$|\\\((.*)\\\)|\\\[(.*)\\\])\s*", re.S)
# `[1 2; 3 4]` (MATLAB): a bracket without brackets inside, holding a top-level semicolon
MATLAB = re.compile(r"\[([^\[\]]*;[^\[\]]*)\]")


def _strip_math_wrapper(text: str) -> str:
    m = MATH_WRAPPER.fullmatch(text)
    if m is None:
        return text
    return next(g for g in m.groups() if g is not None)


def _reversed_brackets(text: str) -> str:
    """`]0, 1[` and `[0, 1[`: the French interval brackets, as (0, 1) and [0, 1).

    A `]` where an operand is due opens an interval; a `[` right after an operand inside an
    interval that already has its comma closes it. One linear pass; lengths are kept.
    """
    if not re.search(r"\][^\[\]]*,|,[^\[\]]*\[", text):
        return text
    out = list(text)
    stack: list[list] = []  # [index, commas]
    last = ""
    for pos, ch in enumerate(text):
        if ch in "([{":
            operand_before = last.isalnum() or last in ")}"
            top = stack[-1] if stack else None
            if (ch == "[" and operand_before and top is not None and top[1]
                    and text[top[0]] in "[]"):
                out[pos] = ")"
                stack.pop()
            else:
                stack.append([pos, 0])
        elif ch == "]" and (last in ("", "(", ",", "=", "U", ">", "<") or text[:pos].rstrip()
                            .endswith(("\\in", " in", "\\cup"))):
            out[pos] = "("
            stack.append([pos, 0])
        elif ch in ")]}":
            if stack:
                stack.pop()
        elif ch == "," and stack:
            stack[-1][1] += 1
        if not ch.isspace():
            last = ch
    return "".join(out)


def _matlab_matrices(text: str) -> str:
    """`[10 5; 11 12]` -> `[[10, 5], [11, 12]]`; `[1; 2; 3]` (one column) -> `[1, 2, 3]^T`."""
    if ";" not in text:
        return text
    return MATLAB.sub(_matlab_matrix, text)


def _matlab_matrix(m: re.Match) -> str:
    rows = [_matlab_row(r) for r in m.group(1).strip().rstrip(";").split(";")]
    if all(len(r) == 1 for r in rows):
        return "[" + ", ".join(r[0] for r in rows) + "]^T"
    return "[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]"


def _matlab_row(row: str) -> list[str]:
    """One row's entries: split at commas, or else at spaces between complete entries
    (`1 -2` is two entries, `1 - 2` one)."""
    if "," in row:
        return [e.strip() for e in row.split(",")]
    entries: list[str] = []
    depth = 0
    for piece in row.split():
        joins = entries and (depth > 0 or entries[-1][-1] in "+-*/^" or piece[0] in "*/^)"
                             or piece in ("+", "-"))
        if joins:
            entries[-1] += " " + piece
        else:
            entries.append(piece)
        depth += piece.count("(") - piece.count(")")
    return entries


def _reject_controls(raw: str) -> None:
    for pos, ch in enumerate(raw):
        if ch == "\x00":
            raise ParseError("the answer contains a null byte", pos)
        if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r":
            raise ParseError(f"the answer contains a control character (U+{ord(ch):04X})", pos)


def _map_scripts(text: str) -> str:
    """x² -> x^2 and x₁ -> x_1; done before NFKC, which would turn ² into a plain 2."""
    text = re.sub("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+",
                  lambda m: "^" + "".join(SUPERSCRIPTS[c] for c in m.group()), text)
    return re.sub("[₀₁₂₃₄₅₆₇₈₉]+", lambda m: "_" + "".join(SUBSCRIPTS[c] for c in m.group()), text)


def _map_unicode(text: str) -> str:
    out: list[str] = []
    for pos, ch in enumerate(text):
        if ch in ZERO_WIDTH:
            continue
        if ch in UNICODE_WORDS:
            word = UNICODE_WORDS[ch]
            after = text[pos + 1: pos + 2]
            lead = " " if out and out[-1][-1:].isalnum() else ""
            trail = " " if after.isalnum() else ""
            out.append(lead + word + trail)
        elif ch == "√":
            out.append(" sqrt")
        elif ch in UNICODE_SYMBOLS:
            out.append(UNICODE_SYMBOLS[ch])
        else:
            out.append(ch)
    return _wrap_roots("".join(out))


def _wrap_roots(text: str) -> str:
    """`√2` and `√x` (a root sign before one number or name) -> sqrt(2), sqrt(x)."""
    return re.sub(r" sqrt\s*(\d+(?:\.\d+)?|[A-Za-z][A-Za-z0-9]*)(?![A-Za-z0-9(])", r" sqrt(\1)",
                  text)


def check_brackets(text: str) -> None:
    """Linear pre-scan: balance and nesting depth, so deep inputs never reach the parser."""
    opened: list[tuple[str, int]] = []
    for pos, ch in enumerate(text):
        if ch in "([{":
            opened.append((ch, pos))
            if len(opened) > limits.MAX_BRACKET_DEPTH:
                raise ParseError("the answer has too many brackets inside each other "
                                 f"(at most {limits.MAX_BRACKET_DEPTH})", pos)
        elif ch in ")]}":
            if not opened:
                raise ParseError(f"there is a '{ch}' at position {pos} with no opening bracket "
                                 "before it", pos)
            opened.pop()
    if opened:
        ch, pos = opened[-1]
        if not text[pos + 1:].strip():
            tail = text.rstrip()[-12:].lstrip()
            raise ParseError(f"the answer ends too early: something is missing after '{tail}'",
                             len(text))
        raise ParseError(f"a bracket is not closed: the '{ch}' at position {pos}", pos)


# --- the lexer ------------------------------------------------------------------------------

NUMBER_RE = re.compile(r"(\d+(?:\.\d+)?|\.\d+)(?:[eE]([+-]?\d+))?")
WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_(?:\{[A-Za-z0-9]+\}|[A-Za-z0-9]+))?")
COMMAND_RE = re.compile(r"[A-Za-z]+")
SUBSCRIPT_RE = re.compile(r"\s*_\s*(?:\{\s*([A-Za-z0-9]+)\s*\}|([A-Za-z0-9]+))")  # TeX skips spaces
LOG_BASE_RE = re.compile(r"log_?(\d+)")  # log2(x), log_2 x
# the power written after a function's name: sin^2, \\sin^{-1}, \\cos ^\\theta
FUNCTION_POWER_RE = re.compile(r"\s*(?:\^|\*\*)\s*(?:[+-]?\d+|\{[^{}]*\}|\\?[A-Za-z]+)")

# after these tokens a `|` opens an absolute value
_OPERATORISH = frozenset({
    "ADDOP", "MULOP", "POW", "RELOP", "_COMMA", "_LPAR", "_LSQB", "_SETOPEN", "_GOPEN",
    "_ABSOPEN", "_UNION", "_AMP", "_ROWSEP", "LFUNC", "FUNC", "_FRAC", "_SQRT", "_SQRTN",
    "_MATBEGIN", "_IN", "_BINOM",
})
# after these tokens an operand ends: `%` and `^T` may follow
_OPERAND_END = frozenset({"NUMBER", "NAME", "CONST", "_RPAR", "_RSQB", "_GCLOSE", "_SETCLOSE",
                          "_ABSCLOSE", "_MATEND", "_BANG", "_PERCENT"})
TRANSPOSE_RE = re.compile(r"(?:\*\*|\^)\s*(?:\{\s*(?:T|\\top|\\intercal)\s*\}|T|\\top|\\intercal)"
                          r"(?![A-Za-z0-9_])")
_ARG_TYPES = frozenset({"NUMBER", "NAME", "CONST"})

_OPERATORS: tuple[tuple[str, str, str], ...] = (
    ("**", "POW", "^"), ("!=", "RELOP", "!="), ("<=", "RELOP", "<="), (">=", "RELOP", ">="),
    ("==", "RELOP", "="), ("^", "POW", "^"), ("*", "MULOP", "*"), ("/", "MULOP", "/"),
    ("+", "ADDOP", "+"), ("-", "ADDOP", "-"), ("±", "ADDOP", "±"), ("∓", "ADDOP", "∓"),
    ("!", "_BANG", "!"), ("<", "RELOP", "<"),
    (">", "RELOP", ">"), ("=", "RELOP", "="), (",", "_COMMA", ","), ("&", "_AMP", "&"),
)

_SLIPS: dict[str, str] = {
    "=<": "write <= for 'less than or equal to', not =<",
    "=>": "write >= for 'greater than or equal to', not =>",
    "<>": "write != for 'not equal to'",
    "&&": "'&&' is not understood: write the conditions as separate answers",
    "'": "apostrophes (') are not understood: write a derivative out in full",
    '"': "quotation marks are not understood",
    "_": "a subscript must follow a name, as in x_1",
    ".": "a lone '.' is not understood: write decimals like 0.5",
}


@dataclass
class Context:
    """What the words of one input may mean."""

    variables: frozenset[str] | None
    author: bool
    imaginary: bool = True  # `i` is the imaginary unit (else a name like any other)
    expect: str | None = None  # the answer type, when known: messages say what to type
    functions: set[str] = field(default_factory=set)


@dataclass
class _Open:
    kind: str  # paren, group, set, abs, matrix, floor, ceil
    char: str
    pos: int
    resume: int  # LaTeX arguments still pending once this closes
    commas: int = 0  # top-level commas so far: `(1, 2)^T` is a list, `(1 + r)^T` a power


class Lexer:
    """One pass over normalised text, producing lark Tokens."""

    def __init__(self, text: str, ctx: Context) -> None:
        self.text = text
        self.ctx = ctx
        self.i = 0
        self.latex = "\\" in text
        self.tokens: list[Token] = []
        self.stack: list[_Open] = []
        self.pending = 0  # LaTeX arguments \frac or \sqrt still expects
        self.force_bar: str | None = None  # set by \left / \right before |
        self.arg_number = False  # the last NUMBER was a one-digit LaTeX argument
        self.closed_list = -1  # index of the last closing bracket of a list with commas

    # -- driver --

    def run(self) -> list[Token]:
        text = self.text
        while self.i < len(text):
            ch = text[self.i]
            if ch.isspace():
                self.i += 1
            elif ch.isdigit() or (ch == "." and text[self.i + 1: self.i + 2].isdigit()):
                self._number()
            elif ch.isascii() and ch.isalpha():
                self._word()
            elif ch == "\\":
                self._command()
            else:
                self._punctuation(ch)
        for opened in self.stack:
            if opened.kind == "abs":
                raise ParseError(f"the absolute value bar | at position {opened.pos} is not "
                                 "closed", opened.pos)
            raise ParseError(f"\\begin{{{opened.char}}} is not closed by an \\end", opened.pos)
        return self.tokens

    def _emit(self, kind: str, value: str, pos: int) -> None:
        if kind == "NUMBER" and self.tokens and self.tokens[-1].type == "NUMBER":
            if not (self.pending or self.arg_number):
                prev = self.tokens[-1]
                raise ParseError(f"'{prev} {value}' has two numbers in a row: put * between them "
                                 "to multiply, and write decimals with a point (3.5)", pos)
        self.arg_number = kind == "NUMBER" and self.pending > 0
        if kind == "_COMMA" and self.stack:
            self.stack[-1].commas += 1
        if self.pending and kind in _ARG_TYPES:
            self.pending -= 1
        self.tokens.append(Token(kind, value, start_pos=pos))

    def _next_char(self, pos: int) -> str:
        """The next non-space character at or after pos ('' at the end)."""
        while pos < len(self.text) and self.text[pos].isspace():
            pos += 1
        return self.text[pos: pos + 1]

    # -- numbers --

    def _number(self) -> None:
        pos = self.i
        if self.pending and self.latex:  # \frac12: one digit per argument
            self.i += 1
            self._emit("NUMBER", self.text[pos], pos)
            return
        m = NUMBER_RE.match(self.text, pos)
        assert m is not None
        mantissa, exponent = m.group(1), m.group(2)
        if sum(c.isdigit() for c in mantissa) > limits.MAX_LITERAL_DIGITS:
            raise ParseError("that number has too many digits to work with "
                             f"(at most {limits.MAX_LITERAL_DIGITS})", pos)
        if exponent is not None and (len(exponent) > 5
                                     or abs(int(exponent)) > limits.MAX_DECIMAL_EXPONENT):
            raise ParseError("that number is too large to work with", pos)
        self.i = m.end()
        self._emit("NUMBER", m.group(), pos)

    # -- words --

    def _word(self) -> None:
        pos = self.i
        if self.pending and self.latex:  # \frac1x: one letter per argument
            self.i += 1
            self._emit_words(self.text[pos], pos)
            return
        m = WORD_RE.match(self.text, pos)
        assert m is not None
        self.i = m.end()
        word = m.group().replace("{", "").replace("}", "")
        self._emit_words(word, pos)

    def _emit_words(self, word: str, pos: int) -> None:
        for kind, value in self._classify(word, pos, self._next_char(self.i)):
            self._emit(kind, value, pos)

    def _classify(self, word: str, pos: int, nxt: str) -> list[tuple[str, str]]:
        """What one written word stands for: a list of (token type, value)."""
        variables = self.ctx.variables
        if word == "U":
            return [("_UNION", "U")]
        if variables is not None and (word in variables or word.partition("_")[0] in variables):
            return [("NAME", word)]  # a listed variable, or one of its subscripted forms
        if word in ("or", "and"):
            raise ParseError(self._say_commas(word), pos)
        if word == "in":
            return [("_IN", "in")]
        special = self._function_word(word, pos, nxt)
        if special is not None:
            return special
        if word in CONSTANTS and (word != "i" or self.ctx.imaginary):
            return [("CONST", CONSTANTS[word])]
        if variables is None:
            return self._free_word(word, pos, nxt)
        return self._split_word(word, pos, nxt, variables)

    def _say_commas(self, word: str) -> str:
        """'5 and 1': the message shows the answer as it should be typed."""
        typed = re.sub(rf"\s*\b{word}\b\s*", ", ", self.text.strip())
        if self.ctx.expect == "set" and not typed.startswith(("{", "\\{")):
            typed = "{" + typed + "}"
        return f"'{word}' is not understood: type {typed}"

    def _is_label(self, word: str) -> bool:
        """`y = 7`, `S = [0, 2)`, `x \\in [0, 1]`: a name written before the answer. It is read
        as a name here; `reading` decides whether it is a label or an equation."""
        rest = self.text[self.i:].lstrip()
        if not (rest.startswith(("=", "\\in", "in ")) and not rest.startswith("==")):
            return False
        return bool(re.fullmatch(r"[A-Za-z]+(?:_[A-Za-z0-9]+)?", word)) and \
            word not in FUNCTIONS and word not in CONSTANTS

    def _function_word(self, word: str, pos: int, nxt: str) -> list[tuple[str, str]] | None:
        """A function name, or None. Before a bracket it takes the bracket's contents
        (`sin(x)^2` is (sin x)^2); without one it takes the next factor, as in LaTeX
        (`sin x`, `sin^2 x`, `ln 2x` is ln(2x))."""
        base, _, sub = word.partition("_")
        m = LOG_BASE_RE.fullmatch(word) if word != "log10" else None
        if m is not None or (base == "log" and sub):
            sub = m.group(1) if m is not None else sub
            if not sub.isdigit():
                self._check_name(sub, pos)
            self.ctx.functions.update({"log", f"log_{sub}"})
            return [("FUNC" if self._bracket_follows() else "LFUNC", f"log_{sub}")]
        if word in AUTHOR_OPS and nxt == "(":
            if not self.ctx.author:
                raise ParseError(f"unknown name '{word}': {word}(...) cannot be used in an "
                                 "answer, so work out the result and type that", pos)
            self.ctx.functions.add(word)
            return [("FUNC", word)]
        if word in FUNCTIONS and not (word == "gamma" and nxt != "("):
            if nxt in ("", ")", "]", "}", ",", "=", "+", "-", "*", "/", "<", ">", "!"):
                raise ParseError(f"put the argument of {word} in brackets: "
                                 f"{word}({self._following(pos + len(word))})", pos)
            self.ctx.functions.update({word, FUNCTIONS[word]})
            return [("FUNC" if self._bracket_follows() else "LFUNC", word)]
        if nxt == "(" and word.lower() in FUNCTIONS and word != word.lower():
            raise ParseError(f"function names are written in lowercase: {word.lower()}(...)", pos)
        if nxt == "(" and word == "In":
            raise ParseError("did you mean ln(...)? The natural logarithm is written with a "
                             "lowercase L", pos)
        return None

    def _following(self, pos: int) -> str:
        m = re.compile(r"\s*([A-Za-z0-9.]+)").match(self.text, pos)
        return m.group(1) if m else "x"

    def _free_word(self, word: str, pos: int, nxt: str) -> list[tuple[str, str]]:
        """Without a list of variables a word is one symbol, except `bsin(t)` = b*sin(t)."""
        if nxt == "(" and "_" not in word:
            for name in sorted(FUNCTIONS, key=len, reverse=True):
                if word.endswith(name) and len(word) > len(name):
                    head = word[: -len(name)]
                    self.ctx.functions.update({name, FUNCTIONS[name]})
                    return self._classify(head, pos, name[0]) + [("FUNC", name)]
        if nxt == "(" and self._comma_inside(self.text.index("(", self.i)):
            raise ParseError(f"unknown function '{word}'", pos)
        return [("NAME", word)]

    def _comma_inside(self, start: int) -> bool:
        """Whether the bracket opening at `start` holds a top-level comma: `gcd(x, y)`."""
        depth = 0
        for ch in self.text[start:]:
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
                if depth == 0:
                    return False
            elif ch == "," and depth == 1:
                return True
        return False

    def _split_word(self, word: str, pos: int, nxt: str,
                    variables: frozenset[str]) -> list[tuple[str, str]]:
        """`xy` -> x*y and `2pix` -> pi*x when those are the question's variables."""
        pieces = {v: "NAME" for v in variables}
        pieces |= {c: "CONST" for c in CONSTANTS
                   if c not in variables and (c != "i" or self.ctx.imaginary)}
        if nxt == "(":
            pieces |= {f: "FUNC" for f in FUNCTIONS if f not in variables}
        found = _split(word, pieces)
        if found is None and not self.tokens and self._is_label(word):
            return [("NAME", word)]
        if found is None and nxt != "(":
            found = self._function_prefix(word, pieces)
        if found is None:
            self._check_name(word, pos)
        assert found is not None
        out = [(pieces[p], CONSTANTS.get(p, p) if pieces[p] == "CONST" else p) for p in found]
        for kind, value in out:
            if kind in ("FUNC", "LFUNC"):
                self.ctx.functions.update({value, FUNCTIONS[value]})
        return out

    @staticmethod
    def _function_prefix(word: str, pieces: dict[str, str]) -> list[str] | None:
        """`sinx` -> sin x and `lnxy` -> ln(x*y) when the rest splits into variables."""
        for name in sorted(FUNCTIONS, key=len, reverse=True):
            if word.startswith(name) and len(word) > len(name) and name not in pieces:
                rest = _split(word[len(name):], {p: k for p, k in pieces.items() if k != "FUNC"})
                if rest is not None:
                    pieces[name] = "LFUNC"
                    return [name, *rest]
        return None

    def _check_name(self, word: str, pos: int) -> None:
        """Raise the error for a name that is not one of the question's variables."""
        variables = self.ctx.variables
        if variables is None or word in variables:
            return
        listed = ", ".join(sorted(variables))
        known = f" (the variables here are {listed})" if listed else ""
        if word == "i" and not self.ctx.imaginary:
            raise ParseError("i is not a number here: this question is about real numbers"
                             f"{known}", pos)
        if word in CONSTANTS:
            return
        m = re.fullmatch(r"([A-Za-z]+)(\d+)", word)
        if m:
            a, d = m.groups()
            before = self.text[:pos].rstrip()
            if a in ("x", "X") and pos and self.text[pos - 1].isdigit():
                number = re.search(r"[\d.]+$", before)
                left = number.group() if number else "..."
                raise ParseError(f"to multiply write {left}*{d}, not {left}{a}{d} "
                                 f"({a} is read as a letter, not a times sign)", pos)
            raise ParseError(f"{word} is not a variable of this question "
                             f"(did you mean {a}^{d} or {a}*{d}?)", pos)
        if word in GREEK or "_" in word:
            raise ParseError(f"{word} is not a variable of this question{known}", pos)
        raise ParseError(f"unknown name '{word}'{known}", pos)

    # -- punctuation --

    def _punctuation(self, ch: str) -> None:
        pos = self.i
        if ch in "([":
            self._open("paren", ch, "_LPAR" if ch == "(" else "_LSQB")
        elif ch in ")]":
            self._close_paren(ch, pos)
        elif ch == "{":
            self._open_brace(pos)
        elif ch == "}":
            self._close_brace(pos)
        elif ch == "|":
            self.i += 1
            self._bar(pos)
        else:
            self._operator(pos)

    def _open(self, kind: str, char: str, token: str, resume: int | None = None) -> None:
        pos = self.i
        self.i += 1
        if resume is None:
            resume = self.pending - 1 if self.pending else 0
        self.pending = 0
        self.stack.append(_Open(kind, char, pos, resume))
        self._emit(token, char, pos)

    def _pop(self, kinds: tuple[str, ...], ch: str, pos: int) -> _Open:
        top = self.stack.pop() if self.stack else None
        if top is None or top.kind not in kinds:
            if top is not None and top.kind == "abs":
                raise ParseError(f"the absolute value bar | at position {top.pos} is not closed "
                                 f"before the '{ch}' at position {pos}", pos)
            raise ParseError(f"mismatched brackets: the '{ch}' at position {pos} does not match "
                             + (f"the '{top.char}' at position {top.pos}" if top else "anything"),
                             pos)
        return top

    def _close_paren(self, ch: str, pos: int) -> None:
        top = self._pop(("paren",), ch, pos)
        self.i += 1
        self._emit("_RPAR" if ch == ")" else "_RSQB", ch, pos)
        self.pending = top.resume
        if top.commas:
            self.closed_list = len(self.tokens) - 1

    def _transpose(self, pos: int) -> bool:
        """`(1, 2, 3)^T`, `[[1, 2], [3, 4]]^T`, `\\end{pmatrix}^\\top`: a transpose (a power of
        a bracket without commas, such as `(1 + r)^T`, stays a power)."""
        m = TRANSPOSE_RE.match(self.text, pos)
        is_list = self.closed_list == len(self.tokens) - 1 or self.tokens[-1].type == "_MATEND"
        if m is None or not is_list:
            return False
        self.i = m.end()
        self._emit("_TRANSPOSE", "T", pos)
        return True

    def _open_brace(self, pos: int) -> None:
        after_pow = bool(self.tokens) and self.tokens[-1].type == "POW"
        if self.latex or after_pow or self.pending:
            self._open("group", "{", "_GOPEN")
        else:
            self._open("set", "{", "_SETOPEN")

    def _close_brace(self, pos: int, escaped: bool = False) -> None:
        top = self._pop(("set",) if escaped else ("group", "set"), "}", pos)
        self.i += 2 if escaped else 1
        self._emit("_GCLOSE" if top.kind == "group" else "_SETCLOSE", "}", pos)
        self.pending = top.resume

    def _bar_can_open(self) -> bool:
        prev = self.tokens[-1].type if self.tokens else None
        on_top = self.stack[-1].kind if self.stack else None
        return on_top != "abs" or prev is None or prev in _OPERATORISH

    def _bar(self, pos: int) -> None:
        force, self.force_bar = self.force_bar, None
        if force == "open" or (force is None and self._bar_can_open()):
            self.stack.append(_Open("abs", "|", pos, self.pending - 1 if self.pending else 0))
            self.pending = 0
            self.ctx.functions.add("abs")
            self._emit("_ABSOPEN", "|", pos)
        else:
            top = self._pop(("abs",), "|", pos)
            self._emit("_ABSCLOSE", "|", pos)
            self.pending = top.resume

    def _operator(self, pos: int) -> None:
        text = self.text
        prev = self.tokens[-1].type if self.tokens else None
        if text[pos] == "%":
            if prev not in _OPERAND_END:
                raise ParseError(f"a percent sign must follow a number, as in 52% (position "
                                 f"{pos})", pos)
            self.i += 1
            self._emit("_PERCENT", "%", pos)
            return
        if text[pos] in "^*" and prev in _OPERAND_END and self._transpose(pos):
            return
        for slip, message in _SLIPS.items():
            if slip[0] == text[pos] and text.startswith(slip, pos):
                raise ParseError(f"{message} (position {pos})", pos)
        for written, kind, value in _OPERATORS:
            if text.startswith(written, pos):
                self.i += len(written)
                self._emit(kind, value, pos)
                return
        ch = text[pos]
        if ch.isascii():
            raise ParseError(f"unexpected '{ch}' at position {pos}", pos)
        raise ParseError(f"the character '{ch}' at position {pos} is not understood", pos)

    # -- LaTeX --

    def _command(self) -> None:
        pos = self.i
        after = self.text[pos + 1: pos + 2]
        if after == "\\":
            self._row_separator(pos)
        elif after == "{":
            self.i += 1
            self._open("set", "{", "_SETOPEN")
        elif after == "}":
            self._close_brace(pos, escaped=True)
        elif after in (",", ";", "!", " ", ":", ">", "\t", "\n"):
            self.i += 2
        else:
            m = COMMAND_RE.match(self.text, pos + 1)
            if m is None:
                raise ParseError(f"unknown LaTeX command '\\{after}' at position {pos}", pos)
            self.i = m.end()
            self._tex(m.group(), pos)

    def _tex(self, name: str, pos: int) -> None:
        handler = _TEX_HANDLERS.get(name)
        if handler is not None:
            handler(self, name, pos)
        elif name in TEX_GREEK:
            self._tex_symbol(TEX_GREEK[name], pos)
        elif name in TEX_FUNCTIONS:
            self.ctx.functions.update({name, TEX_FUNCTIONS[name]})
            written = self._tex_log_base(TEX_FUNCTIONS[name], pos)
            self._emit("FUNC" if self._bracket_follows() else "LFUNC", written, pos)
        elif name in TEX_RELATIONS:
            self._emit("RELOP", TEX_RELATIONS[name], pos)
        elif name in TEX_WORD_WRAPPERS:
            self._tex_word(pos)
        elif name in TEX_IGNORED:
            pass
        else:
            raise ParseError(f"unknown LaTeX command \\{name} at position {pos}", pos)

    def _bracket_follows(self) -> bool:
        """Whether a function's argument is in brackets, after any power: then `cos(x)^2`,
        `\\cos(x)^2` and `\\cos\\left(x\\right)^2` are (cos x)^2 and `sin^2(x) y` is
        sin(x)^2*y; else the function takes the factors that follow (`sin x`, `\\sin^2 x`)."""
        m = FUNCTION_POWER_RE.match(self.text, self.i)
        rest = self.text[m.end() if m else self.i:].lstrip()
        return rest.startswith(("(", "|")) or bool(re.match(r"\\left\s*[(|]", rest))

    def _tex_log_base(self, name: str, pos: int) -> str:
        """`\\log_2 x` -> the function log_2."""
        m = SUBSCRIPT_RE.match(self.text, self.i) if name == "log" else None
        if m is None:
            return name
        self.i = m.end()
        base = m.group(1) or m.group(2)
        if not base.isdigit():
            self._check_name(base, pos)
        self.ctx.functions.add(f"log_{base}")
        return f"log_{base}"

    def _tex_symbol(self, name: str, pos: int) -> None:
        m = SUBSCRIPT_RE.match(self.text, self.i)
        if m:
            name += "_" + (m.group(1) or m.group(2))
            self.i = m.end()
        for kind, value in self._classify(name, pos, ""):
            self._emit(kind, value, pos)

    def _tex_word(self, pos: int) -> None:
        m = re.compile(r"\s*\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}").match(self.text, self.i)
        if m is None:
            raise ParseError(f"expected a name in braces after the command at position {pos}", pos)
        self.i = m.end()
        word = m.group(1)
        if word in FUNCTIONS:
            self.ctx.functions.update({word, FUNCTIONS[word]})
            self._emit("FUNC" if self._bracket_follows() else "LFUNC", FUNCTIONS[word], pos)
        else:
            self._emit_words(word, pos)

    def _row_separator(self, pos: int) -> None:
        self.i += 2
        in_matrix = any(o.kind == "matrix" for o in self.stack)
        if not in_matrix:
            raise ParseError(f"'\\\\' (a new row) at position {pos} is only used inside a matrix",
                             pos)
        self._emit("_ROWSEP", "\\\\", pos)

    def _environment(self, pos: int) -> str:
        m = re.compile(r"\s*\{\s*([A-Za-z*]+)\s*\}").match(self.text, self.i)
        if m is None:
            raise ParseError(f"expected an environment name in braces at position {pos}", pos)
        self.i = m.end()
        return m.group(1)


def _tex_frac(lx: Lexer, name: str, pos: int) -> None:
    lx._emit("_FRAC", "\\frac", pos)
    lx.pending = 2


def _tex_sqrt(lx: Lexer, name: str, pos: int) -> None:
    j = lx.i
    while j < len(lx.text) and lx.text[j] == " ":
        j += 1
    if lx.text[j: j + 1] == "[":
        lx.ctx.functions.add("root")
        lx._emit("_SQRTN", "\\sqrt[", pos)
        lx.i = j
        lx.stack.append(_Open("paren", "[", j, 1))
        lx.i += 1
        lx.pending = 0
    else:
        lx.ctx.functions.add("sqrt")
        lx._emit("_SQRT", "\\sqrt", pos)
        lx.pending = 1


def _tex_left_right(lx: Lexer, name: str, pos: int) -> None:
    j = lx.i
    while j < len(lx.text) and lx.text[j] == " ":
        j += 1
    nxt = lx.text[j: j + 1]
    if nxt == ".":
        lx.i = j + 1
    elif nxt == "|" or lx.text.startswith("\\vert", j):
        lx.force_bar = "open" if name == "left" else "close"


def _tex_bar(lx: Lexer, name: str, pos: int) -> None:
    if name in ("lvert", "lVert"):
        lx.force_bar = "open"
    elif name in ("rvert", "rVert"):
        lx.force_bar = "close"
    lx._bar(pos)


def _tex_operator(lx: Lexer, name: str, pos: int) -> None:
    lx._emit("MULOP", "/" if name == "div" else "*", pos)


def _tex_constant(lx: Lexer, name: str, pos: int) -> None:
    if name == "infty":
        lx._emit("CONST", "oo", pos)
    else:
        lx._tex_symbol("pi", pos)


def _tex_union(lx: Lexer, name: str, pos: int) -> None:
    lx._emit("_UNION", "U", pos)


def _tex_brace(lx: Lexer, name: str, pos: int) -> None:
    if name == "lbrace":
        lx.i -= 1  # _open steps over one character
        lx._open("set", "{", "_SETOPEN")
    else:
        top = lx._pop(("set",), "}", pos)
        lx._emit("_SETCLOSE", "}", pos)
        lx.pending = top.resume


def _tex_begin(lx: Lexer, name: str, pos: int) -> None:
    env = lx._environment(pos)
    if env not in MATRIX_ENVIRONMENTS:
        raise ParseError(f"unknown LaTeX environment '{env}' (use pmatrix or bmatrix)", pos)
    if env == "array":  # the column format, {cc} or {c|c}, says nothing about the values
        m = re.compile(r"\s*\{[lcr| ]*\}").match(lx.text, lx.i)
        if m is None:
            raise ParseError("\\begin{array} needs its columns, as in \\begin{array}{cc}", pos)
        lx.i = m.end()
    lx.stack.append(_Open("matrix", env, pos, 0))
    lx._emit("_MATBEGIN", env, pos)


def _tex_end(lx: Lexer, name: str, pos: int) -> None:
    env = lx._environment(pos)
    top = lx.stack.pop() if lx.stack else None
    if top is None or top.kind != "matrix" or top.char != env:
        raise ParseError(f"\\end{{{env}}} at position {pos} does not match a \\begin", pos)
    if lx.tokens and lx.tokens[-1].type == "_ROWSEP":
        lx.tokens.pop()
    lx._emit("_MATEND", env, pos)


MATRIX_ENVIRONMENTS = frozenset({"pmatrix", "bmatrix", "matrix", "array", "Bmatrix",
                                 "smallmatrix"})


def _tex_floor_open(lx: Lexer, name: str, pos: int) -> None:
    """`\\lfloor x \\rfloor` is floor(x), `\\lceil x \\rceil` ceil(x)."""
    kind = name[1:]
    lx._emit("FUNC", kind, pos)
    lx.ctx.functions.add(kind)
    lx.stack.append(_Open(kind, f"\\{name}", pos, lx.pending - 1 if lx.pending else 0))
    lx.pending = 0
    lx._emit("_LPAR", "(", pos)


def _tex_floor_close(lx: Lexer, name: str, pos: int) -> None:
    top = lx._pop((name[1:],), f"\\{name}", pos)
    lx._emit("_RPAR", ")", pos)
    lx.pending = top.resume


def _tex_binom(lx: Lexer, name: str, pos: int) -> None:
    lx.ctx.functions.add("binomial")
    lx._emit("_BINOM", "\\binom", pos)
    lx.pending = 2


def _tex_plus_minus(lx: Lexer, name: str, pos: int) -> None:
    lx._emit("ADDOP", "±" if name == "pm" else "∓", pos)


def _tex_in(lx: Lexer, name: str, pos: int) -> None:
    lx._emit("_IN", "in", pos)


_TEX_HANDLERS = {
    "frac": _tex_frac, "dfrac": _tex_frac, "tfrac": _tex_frac, "cfrac": _tex_frac,
    "sqrt": _tex_sqrt, "left": _tex_left_right, "right": _tex_left_right,
    "lvert": _tex_bar, "rvert": _tex_bar, "vert": _tex_bar, "lVert": _tex_bar,
    "rVert": _tex_bar, "mid": _tex_bar,
    "cdot": _tex_operator, "times": _tex_operator, "ast": _tex_operator, "div": _tex_operator,
    "pi": _tex_constant, "infty": _tex_constant, "cup": _tex_union,
    "lbrace": _tex_brace, "rbrace": _tex_brace, "begin": _tex_begin, "end": _tex_end,
    "lfloor": _tex_floor_open, "rfloor": _tex_floor_close, "lceil": _tex_floor_open,
    "rceil": _tex_floor_close, "binom": _tex_binom, "dbinom": _tex_binom, "tbinom": _tex_binom,
    "pm": _tex_plus_minus, "mp": _tex_plus_minus, "in": _tex_in,
}


def _split(word: str, pieces: dict[str, str]) -> list[str] | None:
    """Split `word` into known pieces, longest first, backtracking; functions only last.

    Dynamic programming from the end keeps this linear in the word length.
    """
    n = len(word)
    lengths = sorted({len(p) for p in pieces}, reverse=True)
    choice: list[int | None] = [None] * (n + 1)
    choice[n] = 0
    for start in range(n - 1, -1, -1):
        for size in lengths:
            end = start + size
            if end > n or choice[end] is None:
                continue
            piece = word[start:end]
            if piece in pieces and (pieces[piece] != "FUNC" or end == n):
                choice[start] = size
                break
    if choice[0] is None:
        return None
    out, at = [], 0
    while at < n:
        size = choice[at]
        assert size
        out.append(word[at: at + size])
        at += size
    return out


def tokenize(text: str, variables: Collection[str] | None, author: bool, imaginary: bool = True,
             expect: str | None = None) -> tuple[list[Token], set[str]]:
    """Tokens for the grammar and the function names seen."""
    ctx = Context(frozenset(variables) if variables is not None else None, author, imaginary,
                  expect)
    tokens = Lexer(text, ctx).run()
    return tokens, ctx.functions
