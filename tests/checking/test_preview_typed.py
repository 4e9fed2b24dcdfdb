"""The preview shows the response as typed (DESIGN §3 `latex`, §4 last bullet): the learner's
order, `ln`, −x²/2, grids for matrices, visible multiplication; and the reading that will be
checked beside it only where the two differ."""

from __future__ import annotations

import pytest

from app.checking.compare.engine import check_now, validate_now
from app.checking.compare.spec import AnswerSpec
from app.checking.grammar import display
from app.checking.grammar.lexing import normalise, tokenize
from app.checking.grammar.syntax import parse

EXPR = AnswerSpec(type="expression", value="x^2 e^x")
MATRIX = AnswerSpec(type="matrix", value="[[1, 2], [3, 4]]")


def typed(spec: AnswerSpec, response: str) -> tuple[str | None, str | None]:
    result = validate_now(spec, response)
    assert result.valid, result.message
    return result.latex, result.reading


def test_the_typed_order_is_kept() -> None:
    latex, reading = typed(EXPR, "2xe^x + x^2e^x")
    assert latex == r"2 \cdot x \cdot e^{x} + x^{2} \cdot e^{x}"
    assert reading is None  # the same terms in SymPy's order are not another reading


def test_the_result_latex_is_the_typed_form() -> None:
    result = check_now(EXPR, "2xe^x + x^2e^x")
    assert result.latex == r"2 \cdot x \cdot e^{x} + x^{2} \cdot e^{x}"
    assert check_now(EXPR, "e^x x^2").latex == r"e^{x} \cdot x^{2}"


@pytest.mark.parametrize("response", ["ln(x)", r"\ln x", r"\ln(x)"])
def test_ln_stays_ln(response: str) -> None:
    latex, reading = typed(EXPR, response)
    assert r"\ln" in latex and r"\log" not in latex
    assert reading is None


def test_a_negated_fraction_is_not_minus_one_times() -> None:
    assert typed(EXPR, "-x^2/2") == (r"-\frac{x^{2}}{2}", None)
    assert typed(EXPR, "-2x/3") == (r"-\frac{2 \cdot x}{3}", None)
    assert typed(EXPR, "exp(-x^2/2)") == (r"{e^{-\frac{x^{2}}{2}}}", None)


@pytest.mark.parametrize(("response", "grid"), [
    ("[[1, 2], [3, 4]]", r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}"),
    (r"\begin{bmatrix}1 & 2\\3 & 4\end{bmatrix}", r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}"),
    ("[[x], [2], [3]]", r"\begin{pmatrix} x \\ 2 \\ 3 \end{pmatrix}"),
])
def test_a_typed_matrix_or_column_is_a_grid(response: str, grid: str) -> None:
    spec = MATRIX if "x" not in response else AnswerSpec(type="matrix", value="[[x], [2], [3]]")
    assert typed(spec, response) == (grid, None)


def test_a_transposed_row_is_a_column() -> None:
    # read once the grammar takes (1,2,3)^T; the display already shows it as a column
    tokens, _ = tokenize(normalise("(1, 2, 3)^T"), ["T"], author=False)
    shown = display.typed_latex(tuple(tokens))
    assert shown == (r"\begin{pmatrix} 1 \\ 2 \\ 3 \end{pmatrix}", False)


@pytest.mark.parametrize(("response", "variables", "latex"), [
    ("xy", ["x", "y"], r"x \cdot y"),
    ("2x", ["x"], r"2 \cdot x"),
    ("2(x+1)", ["x"], r"2 \cdot \left(x + 1\right)"),
    ("pi x", ["x"], r"\pi \cdot x"),
])
def test_implicit_multiplication_is_visible(response: str, variables: list[str],
                                            latex: str) -> None:
    spec = AnswerSpec(type="expression", value="x", variables=variables)
    assert typed(spec, response) == (latex, None)


@pytest.mark.parametrize("response", [
    "2x + 1", "(x+1)/(x-1)", "sin(x)^2", r"\sin^2 x", "e^(-x^2)", "0.25x", "sqrt(x) + |x|",
    "arcsin(x)", r"\frac{x}{2}", "floor(x)", "2^3^2", "(0, 1]", "x = 2, x = -1",
    "1/2x",  # ½·x already shows how it is read: x/2 says nothing more
    "exp(-x/2)", "-1*0.2 + 3x", "x*(1/4)",
])
def test_no_reading_beside_where_it_says_nothing_new(response: str) -> None:
    spec = AnswerSpec(type="expression", value="x")
    if "(0, 1]" in response:
        spec = AnswerSpec(type="interval", value="(0, 1]")
    if "=" in response:
        spec = AnswerSpec(type="equation", value="x = 2, x = -1")
    assert typed(spec, response)[1] is None


@pytest.mark.parametrize(("response", "latex", "reading"), [
    (r"\sin 2x", r"\sin 2 \cdot x", r"\sin{\left(2 \cdot x \right)}"),
    ("2 - -3", "2 - -3", "2 + 3"),
    (r"\sin x^2", r"\sin x^{2}", r"\sin{\left(x^{2} \right)}"),
    ("log(x, 2)", r"\log_{2}\left(x\right)", None),
])
def test_the_reading_is_beside_where_it_differs(response: str, latex: str,
                                                reading: str | None) -> None:
    shown, beside = typed(AnswerSpec(type="expression", value="x"), response)
    assert shown == latex
    assert beside is not None
    if reading is not None:
        assert beside == reading


def test_a_power_after_the_bracket_is_the_function_squared_with_nothing_beside() -> None:
    assert typed(EXPR, r"\cos(x)^2") == (r"\cos\left(x\right)^{2}", None)


def test_decimals_are_shown_as_typed() -> None:
    assert typed(EXPR, "0.25x + 1e-3")[0] == r"0.25 \cdot x + 1 \times 10^{-3}"


def test_a_form_the_display_does_not_know_falls_back_to_the_reading(monkeypatch) -> None:
    monkeypatch.setattr(display, "typed_latex", lambda tokens: None)
    assert display.shown(parse("2x + x^2", variables=["x"])) == (r"2 \cdot x + x^{2}", None)


def test_every_grammar_rule_has_a_typed_form() -> None:
    """A rule the grammar gains needs its callback in `display._Typed`, or the preview silently
    falls back to the reading for every answer that uses it."""
    rules = set()
    for rule in display._TYPED_PARSER.rules:
        name = str(rule.alias or rule.origin.name)
        inlined = rule.options.expand1 and len(rule.expansion) == 1 and not rule.alias
        if not name.startswith("_") and not inlined:
            rules.add(name)
    never_read = {"empty_round"}  # refused by the parse itself: "empty brackets ()"
    assert sorted(r for r in rules - never_read if not hasattr(display._Typed, r)) == []
