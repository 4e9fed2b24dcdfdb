"""The red line of DESIGN §4, enforced by CI: nothing under app/ evaluates text as code.

No `eval(`, `exec(`, `sympify(`, `parse_expr(` or `lambdify(` in app/ (comments and string
literals, such as docstrings that state the rule, do not count), and no import of
`sympy.parsing`.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"

# A bare builtin call (not a method such as `Function.eval`, not a definition `def eval(`),
# or SymPy's string readers however they are reached (`sympy.sympify(`, `sympify(`).
BUILTINS = re.compile(r"(?<![\w.])(?<!def )(eval|exec)\s*\(|\bbuiltins\s*\.\s*(eval|exec)\b")
READERS = re.compile(r"\b(sympify|parse_expr|lambdify)\s*\(")
IMPORTS = re.compile(
    r"\bsympy\.parsing\b|\bfrom\s+sympy\s+import\s+[^\n]*\b(sympify|parse_expr|lambdify|S)\b"
    r"|\bfrom\s+sympy\.\w+(\.\w+)*\s+import\s+[^\n]*\b(sympify|parse_expr|lambdify)\b"
)


def code_only(source: str) -> str:
    """`source` with comments and the contents of string literals blanked, layout kept."""
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    chars = list(source)
    blank = {tokenize.COMMENT, tokenize.STRING}
    blank |= {getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in blank:
            continue
        begin = starts[token.start[0] - 1] + token.start[1]
        end = starts[token.end[0] - 1] + token.end[1]
        for i in range(begin, end):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def offences(source: str) -> list[str]:
    code = code_only(source)
    found = []
    for pattern in (BUILTINS, READERS, IMPORTS):
        found += [m.group(0).strip() for m in pattern.finditer(code)]
    return found


def python_files() -> list[Path]:
    return sorted(APP.rglob("*.py"))


def test_there_is_code_to_check() -> None:
    assert len(python_files()) > 10


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(APP)))
def test_no_code_evaluation_in_app(path: Path) -> None:
    assert offences(path.read_text(encoding="utf-8")) == [], f"{path} evaluates text as code"


@pytest.mark.parametrize("source", [
    "x = eval(text)\n",
    "exec (code)\n",
    "value = sympy.sympify(text)\n",
    "value = sympify(text, locals=ns)\n",
    "from sympy.parsing.sympy_parser import parse_expr\n",
    "expr = parse_expr(text)\n",
    "f = sympy.lambdify(x, expr)\n",
    "from sympy import S, Symbol\n",
    "import builtins\nbuiltins.eval('1')\n",
])
def test_the_check_catches_offences(source: str) -> None:
    assert offences(source)


@pytest.mark.parametrize("source", [
    "# never eval(text)\nx = 1\n",
    '"""No eval(, exec(, sympify( or parse_expr( here."""\n',
    "message = 'do not call sympify(x)'\n",
    "class F(sympy.Function):\n    @classmethod\n    def eval(cls, x):\n        return None\n",
    "y = expr.evalf(15)\nz = F.eval(x)\n",
    "pattern = re.compile(r'x')\n",
    "op.execute('select 1')\n",
])
def test_the_check_ignores_harmless_code(source: str) -> None:
    assert offences(source) == []
