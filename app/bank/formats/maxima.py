"""STACK question variables (Maxima) read as templates for our sandboxed author mode.

A STACK question defines its values in Maxima (`n1: rand(8)+2; ta: int(-n1/x, x)+c;`). Nothing
here evaluates them: each plain assignment is *translated* into the text of a variant parameter
(DESIGN §5), `{"expr": "integrate(-{{n1}}/x, x) + c"}`, which the checker pool reads later in
author mode. Random draws (`rand(8)`, `rand([1,2,3])`, `rand_with_step(2,10,2)`) become drawn
parameters of their own. What has no translation (`solve`, `ev` with options, a quoted noun
`'diff`, strings, function definitions) raises `Untranslatable`, naming the construct, and
everything that depends on it stays unkeyed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+)
  | (?P<name>[%A-Za-z_][A-Za-z0-9_%]*)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<op><=|>=|\*\*|[-+*/^=<>#!'.])
  | (?P<open>[(\[{])
  | (?P<close>[)\]}])
  | (?P<comma>,)
""", re.X)
_CLOSE = {"(": ")", "[": "]", "{": "}"}
MAX_DEPTH = 50
"""Deeper brackets are refused before any recursive walk sees them."""
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_ASSIGNMENT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:(?!=)(.*)$", re.S)

SAME = {"sin", "cos", "tan", "sec", "csc", "cot", "asin", "acos", "atan", "sinh", "cosh",
        "tanh", "exp", "sqrt", "abs", "floor", "min", "max", "binomial", "diff", "limit",
        "expand", "factor", "transpose", "rank", "ln"}
RENAMED = {"log": "ln", "ceiling": "ceil", "int": "integrate", "integrate": "integrate",
           "ratsimp": "simplify", "fullratsimp": "simplify", "radcan": "simplify",
           "trigsimp": "simplify", "determinant": "det", "invert": "inverse",
           "signum": "sign"}
CONSTANTS = {"%pi": "pi", "%e": "e", "%i": "i", "inf": "oo", "minf": "(-oo)"}
RANDOM = {"rand", "rand_with_step", "rand_with_prohib"}


class Untranslatable(ValueError):
    """A Maxima construct with no translation: `reason` is general (for grouping), `detail`
    names the construct."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason} ({detail})")
        self.reason = reason
        self.detail = detail


@dataclass
class Group:
    """A bracketed group: its opening bracket and its comma-separated items."""

    open: str
    items: list[list[Any]] = field(default_factory=list)


Node = Any  # a token (kind, text) or a Group
Segment = list[Node]


def tree(text: str) -> Segment:
    """Maxima text as a segment of tokens and bracketed groups (raises Untranslatable)."""
    stack: list[tuple[Group, Segment]] = []
    top = Group("")
    current: Segment = []
    top.items.append(current)
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup or "", match.group()
        if kind == "space":
            continue
        if kind == "open":
            if len(stack) >= MAX_DEPTH:
                raise Untranslatable("brackets nested too deeply", f"{MAX_DEPTH} levels")
            group = Group(value)
            current.append(group)
            stack.append((top, current))
            top, current = group, []
            group.items.append(current)
        elif kind == "close":
            if not stack or _CLOSE[top.open] != value:
                raise Untranslatable("unbalanced brackets in a question variable", text)
            top, current = stack.pop()
        elif kind == "comma":
            current = []
            top.items.append(current)
        else:
            current.append((kind, value))
    if stack or sum(m.end() - m.start() for m in _TOKEN.finditer(text)) != len(text):
        raise Untranslatable("a question variable that could not be read", text.strip())
    if len(top.items) != 1:
        raise Untranslatable("a question variable that could not be read", text.strip())
    return top.items[0]


def statements(text: str) -> list[tuple[str, str]]:
    """`name: definition` pairs in order; statements end with `;`, `$` or a new line that
    starts another assignment (older STACK questions omit the semicolons). Other statements
    (`assume(x > 0)`) define nothing and are left out."""
    text = _COMMENT.sub(" ", text)
    pieces: list[tuple[str, str]] = []  # (the separator before, the text)
    depth, start, before = 0, 0, ";"
    for index, char in enumerate(text):
        depth += char in "([{"
        depth -= char in ")]}"
        if depth == 0 and char in ";$\n":
            pieces.append((before, text[start:index]))
            start, before = index + 1, char
    pieces.append((before, text[start:]))
    merged: list[str] = []
    ended = True  # the last statement was closed by `;` or `$`
    for separator, piece in pieces:
        ended = ended or separator != "\n"
        if not piece.strip():
            continue
        if merged and not ended and not _ASSIGNMENT.match(piece):
            merged[-1] += " " + piece  # a definition continued on the next line
        else:
            merged.append(piece)
        ended = False
    found = [_ASSIGNMENT.match(piece) for piece in merged]
    return [(m.group(1), m.group(2).strip()) for m in found if m]


@dataclass
class Param:
    """One parameter of the variant: its name in templates and its spec (`int`, `choice`,
    `expr`), or why it has none."""

    name: str
    spec: dict[str, Any] | None = None
    failure: Untranslatable | None = None
    uses: set[str] = field(default_factory=set)
    body: Segment | None = None
    scope: dict[str, str] = field(default_factory=dict)
    """Maxima name -> parameter, as it stood when this one was defined."""


class Variables:
    """A STACK question's variables, each translated once, in the order written."""

    def __init__(self, text: str) -> None:
        self.params: dict[str, Param] = {}
        self.current: dict[str, str] = {}
        """Maxima name -> the parameter holding its latest value (a name may be reassigned)."""
        self.where: list[str] = []
        for name, definition in statements(text):
            self.define(name, definition)

    # -- defining -----------------------------------------------------------------------------

    def define(self, name: str, definition: str) -> None:
        """Translate one assignment (a later one of the same name shadows it)."""
        key = self._fresh(name)
        param = Param(key, scope=dict(self.current))
        try:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise Untranslatable("a variable name we cannot use", name)
            param.body = tree(definition)
            whole = self._random(param.body, param)
            if whole is not None:
                param.spec = whole
            else:
                param.spec = {"expr": self.translate(param.body, param.uses)}
        except Untranslatable as failure:
            param.failure = failure
        self.params[key] = param
        self.current[name] = key

    def _fresh(self, name: str) -> str:
        key, n = name, 1
        while key in self.params:
            n += 1
            key = f"{name}__{n}"
        return key

    def _random(self, segment: Segment, owner: Param) -> dict[str, Any] | None:
        """The drawn spec when the whole definition is one random call, else None."""
        if _call(segment) in RANDOM:
            return self._draw(segment, owner.name)
        return None

    def _lift(self, segment: Segment, uses: set[str]) -> str:
        """A random call inside an expression becomes a drawn parameter of its own."""
        key = self._fresh("rand")
        self.params[key] = Param(key, spec=self._draw(segment, key))
        uses.add(key)
        return "{{" + key + "}}"

    def _draw(self, segment: Segment, key: str) -> dict[str, Any]:
        name, args = segment[0][1], segment[1].items
        numbers = [_integer(a) for a in args]
        if name == "rand" and len(args) == 1 and numbers[0] is not None and numbers[0] > 0:
            return {"int": [0, numbers[0] - 1]}
        if name == "rand" and len(args) == 1 and isinstance(_only(args[0]), Group):
            values = [self.translate(item, set()) for item in _only(args[0]).items if item]
            if any("{{" in v for v in values):
                raise Untranslatable("a random choice among computed values", _text(segment))
            return {"choice": values}
        if name == "rand_with_step" and len(args) == 3 and None not in numbers:
            low, high, step = numbers
            if step == 1 and low <= high:
                return {"int": [low, high]}
            steps = range(low, high + 1, step) if step > 0 else range(0)
            if not 0 < len(steps) <= 1000:
                raise Untranslatable("a random draw we cannot reproduce", _text(segment))
            return {"choice": list(steps)}
        if name == "rand_with_prohib" and len(args) == 3 and None not in numbers[:2]:
            banned = _only(args[2])
            if isinstance(banned, Group):
                excluded = [self.translate(item, set()) for item in banned.items if item]
                self.where += [f"{{{{{key}}}}} != {v}" for v in excluded]
                return {"int": numbers[:2]}
        raise Untranslatable("a random draw we cannot reproduce", _text(segment))

    def derive(self, text: str, uses: set[str]) -> str:
        """A parameter holding an expression a CAS text shows (`{@sqrt(n1-x^2)@}`)."""
        key = self._fresh("cas")
        self.params[key] = Param(key, spec={"expr": text}, uses=set(uses))
        return key

    def definition(self, text: str) -> Segment:
        """The Maxima a name stands for, followed through aliases (`tans: ta`)."""
        segment = tree(text)
        seen: set[str] = set()
        while (len(segment) == 1 and not isinstance(segment[0], Group)
               and segment[0][1] in self.current and segment[0][1] not in seen):
            seen.add(segment[0][1])
            segment = self.params[self.current[segment[0][1]]].body or []
        return segment

    # -- translating ----------------------------------------------------------------------------

    def expression(self, text: str) -> tuple[str, set[str]]:
        """Maxima text (a teacher's answer, a CAS text) in author-mode syntax, with the
        parameters it uses."""
        uses: set[str] = set()
        return self.translate(tree(text), uses), uses

    def translate(self, segment: Segment, uses: set[str]) -> str:
        out: list[str] = []
        index = 0
        while index < len(segment):
            node = segment[index]
            following = segment[index + 1] if index + 1 < len(segment) else None
            if isinstance(node, Group):
                out.append(self._group(node, uses))
            elif node[0] == "name" and isinstance(following, Group) and following.open == "(":
                out.append(self._call(node[1], following, uses))
                index += 1
            elif node[0] == "name":
                out.append(self._name(node[1], uses))
            elif node[0] == "op":
                out.append(self._operator(node[1], segment))
            elif node[0] == "number":
                out.append(node[1])
            else:
                raise Untranslatable("text where maths is expected", node[1])
            index += 1
        return "".join(_spaced(out))

    def _group(self, group: Group, uses: set[str]) -> str:
        if group.open == "{":
            raise Untranslatable("a construct with no translation into our answer grammar", "a set")
        inner = ", ".join(self.translate(item, uses) for item in group.items)
        return f"({inner})" if group.open == "(" else f"[{inner}]"

    def _operator(self, op: str, segment: Segment) -> str:
        if op == "'":
            raise Untranslatable("a construct with no translation into our answer grammar",
                                 f"the quoted form in {_text(segment)}")
        if op == ".":
            raise Untranslatable("a construct with no translation into our answer grammar",
                                 "the dot product")
        return {"#": " != ", "=": " = ", "<": " < ", ">": " > ", "<=": " <= ",
                ">=": " >= ", "**": "^"}.get(op, op)

    def _name(self, name: str, uses: set[str]) -> str:
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in ("true", "false", "and", "or", "not", "null"):
            raise Untranslatable("a construct with no translation into our answer grammar", name)
        if name in self.current:
            key = self.current[name]
            param = self.params[key]
            if param.failure is not None:
                raise param.failure
            uses.add(key)
            return "{{" + key + "}}"
        if "%" in name:
            raise Untranslatable("a construct with no translation into our answer grammar", name)
        return name

    def _call(self, name: str, args: Group, uses: set[str]) -> str:
        if name in RANDOM:
            return self._lift([("name", name), args], uses)
        if name == "matrix":
            rows = [self.translate(row, uses) for row in args.items]
            return "[" + ", ".join(rows) + "]"
        if name == "ev" and len(args.items) >= 2:
            return self._substituted(args.items[0], args.items[1:], uses)
        ours = name if name in SAME else RENAMED.get(name)
        if ours is None:
            raise Untranslatable("a function with no translation into our answer grammar", name)
        inner = ", ".join(self.translate(item, uses) for item in args.items)
        return f"{ours}({inner})"

    def _substituted(self, body: Segment, rules: list[Segment], uses: set[str]) -> str:
        """`ev(E, x = a, ...)`: E at x = a, written as a limit (E is continuous there in
        every use we accept: a plain expression of the parameters)."""
        pairs: list[tuple[str, str]] = []
        for rule in rules:
            group = _only(rule)
            items = group.items if isinstance(group, Group) and group.open == "[" else [rule]
            for item in items:
                if (len(item) < 3 or item[0][0] != "name" or item[1] != ("op", "=")
                        or item[0][1] in self.current):
                    raise Untranslatable("a construct with no translation into our answer grammar",
                                         f"ev with {_text(rule)}")
                pairs.append((item[0][1], self.translate(item[2:], uses)))
        text = self.translate(body, uses)
        for symbol, value in pairs:
            text = f"limit({text}, {symbol}, {value})"
        return text

    # -- multiple choice -------------------------------------------------------------------------

    def choices(self, name: str) -> list[tuple[Segment, bool, str]]:
        """A STACK multiple-choice teacher's answer (`[[value, true, "shown"], ...]`) as
        (value, right, display) triples; shuffles, appends and named entries are followed."""
        if name not in self.current:
            raise Untranslatable("a multiple-choice answer that is not a list", name)
        param = self.params[self.current[name]]
        out = []
        for item, scope in self._list(param.body or [], param.scope, name):
            entry = self._resolved(item, scope)
            if not isinstance(entry, Group) or entry.open != "[" or len(entry.items) < 2:
                raise Untranslatable("a multiple-choice answer that is not a list", name)
            mark = [t[1] for t in entry.items[1] if not isinstance(t, Group)]
            display = ""
            if len(entry.items) > 2 and entry.items[2] and entry.items[2][0][0] == "string":
                display = entry.items[2][0][1][1:-1]
            out.append((entry.items[0], mark == ["true"], display))
        return out

    def _resolved(self, item: Segment, scope: dict[str, str]) -> Node | None:
        """An entry of a list, through a name that holds it (`tao: [null, false, "None"]`)."""
        single = _only(item)
        if single is not None and not isinstance(single, Group) and single[1] in scope:
            return _only(self.params[scope[single[1]]].body or [])
        return single

    def _list(self, segment: Segment, scope: dict[str, str],
              name: str) -> list[tuple[Segment, dict[str, str]]]:
        single = _only(segment)
        if isinstance(single, Group) and single.open == "[":
            return [(item, scope) for item in single.items if item]
        call = _call(segment)
        if call == "random_permutation":  # the order of the options is ours to choose
            return self._list(segment[1].items[0], scope, name)
        if call == "append":
            return [pair for arg in segment[1].items for pair in self._list(arg, scope, name)]
        if single is not None and not isinstance(single, Group) and single[1] in scope:
            earlier = self.params[scope[single[1]]]
            return self._list(earlier.body or [], earlier.scope, name)
        raise Untranslatable("a multiple-choice answer that is not a list", name)

    # -- the parameters a question needs ---------------------------------------------------------

    def needed(self, uses: set[str]) -> dict[str, dict[str, Any]]:
        """The specs of the parameters `uses` names and everything they depend on, in the
        order written (each is drawn after those it reads)."""
        wanted, pending = set(), list(uses)
        while pending:
            key = pending.pop()
            if key not in wanted:
                wanted.add(key)
                pending += list(self.params[key].uses)
        return {k: p.spec for k, p in self.params.items() if k in wanted and p.spec}

    def conditions(self, params: dict[str, Any]) -> list[str]:
        """`where` conditions of the drawn parameters kept (`rand_with_prohib`)."""
        return [c for c in self.where if c[2:].split("}}")[0] in params]


def answer_type(definition: Segment) -> str:
    """An answer's type from its definition's top level: a relation, a matrix, or an
    expression (explicit: a part's type is not guessed later)."""
    ops = [n[1] for n in definition if not isinstance(n, Group) and n[0] == "op"]
    if "=" in ops:
        return "equation"
    if {"<", ">", "<=", ">=", "#"} & set(ops):
        return "inequality"
    if _call(definition) == "matrix":
        return "matrix"
    return "expression"


def _spaced(pieces: list[str]) -> list[str]:
    """Juxtaposed pieces kept apart: a space between two words or numbers (`2x cos(x)`), and
    an explicit `*` beside a template, whose value is pasted in as text (`2{{a}}` with a = 3
    must not read as 23)."""
    out: list[str] = []
    for piece in pieces:
        last = out[-1] if out else ""
        operand_before = last[-1:].isalnum() or last.endswith((")", "]", "}}"))
        template = piece.startswith("{{") or (last.endswith("}}") and (
            piece[:1].isalnum() or piece[:1] in "(["))
        if operand_before and template:
            out.append("*")
        elif last[-1:].isalnum() and piece[:1].isalnum():
            out.append(" ")
        out.append(piece)
    return out


def _call(segment: Segment) -> str | None:
    if (len(segment) == 2 and not isinstance(segment[0], Group) and segment[0][0] == "name"
            and isinstance(segment[1], Group) and segment[1].open == "("):
        return segment[0][1]
    return None


def _only(segment: Segment) -> Node | None:
    return segment[0] if len(segment) == 1 else None


def _integer(segment: Segment) -> int | None:
    text = "".join(t[1] for t in segment if not isinstance(t, Group))
    if any(isinstance(t, Group) for t in segment) or not re.fullmatch(r"-?\d+", text):
        return None
    return int(text)


def _text(segment: Segment) -> str:
    """A segment written back (for messages)."""
    out = []
    for node in segment:
        if isinstance(node, Group):
            out.append(node.open + ",".join(_text(i) for i in node.items) + _CLOSE[node.open])
        else:
            out.append(node[1])
    return "".join(out)
