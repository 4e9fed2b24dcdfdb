"""PreTeXt markup with nothing left raw: macros, `\\amp`, lists in paragraphs, TikZ figures,
cross-reference numbers, Sage cells, and answers read as the book means them (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bank import formats
from app.bank.formats import files, pretext
from app.bank.formats.pretext_markup import reading, render
from app.bank.formats.pretext_numbers import Numbering
from app.bank.formats.tex import (
    MAX_EXPANSIONS,
    answer_tex,
    expand,
    katex_macros,
    parse_definitions,
)
from app.checking.compare.spec import AnswerSpec

from .conftest import LIMIT, by_id, markup_audit, read, sample

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "pretext"


def markup_book() -> dict:
    return by_id(formats.read("markup.ptx", sample("markup.ptx"), limit=LIMIT))


def test_macros_from_docinfo_are_expanded_with_their_arguments():
    macros = parse_definitions(r"""
        % \newcommand{\commented}{no}
        \newcommand{\twovec}[2]{\left[#1 \\ #2\right]}
        \def\pair#1#2{(#1, #2)}  \def\R{\mathbb{R}}
        \newcommand{\sub}[2][n]{#2_{#1}}
        \DeclareMathOperator*{\argmax}{arg\,max}
        \newcommand{\row}{a}  \renewcommand{\row}{\text{Row}}""")
    assert set(macros) == {"\\twovec", "\\pair", "\\R", "\\sub", "\\argmax", "\\row"}
    assert expand(r"\twovec1{-2} + \pair ab \in \R^2", macros) == (
        r"\left[1 \\ -2\right] + (a, b) \in \mathbb{R}^2")
    assert expand(r"\sub{x} \sub[k]{y} \argmax \row", macros) == (
        r"x_{n} y_{k} \operatorname*{arg\,max} \text{Row}")
    assert expand(r"a \amp b \\ c \amp d", {}) == "a & b \\\\ c & d"
    assert set(katex_macros(macros)) == set(macros) - {"\\sub"}  # KaTeX has no [n] default


def test_expansion_is_bounded_and_keeps_names_apart():
    endless = parse_definitions(r"\def\loop{\loop\loop}")
    assert expand(r"x + \loop", endless) == r"x + \loop"  # left as written, not blown up
    assert MAX_EXPANSIONS < 10_000
    perp = parse_definitions(r"\newcommand{\bperp}{b^\perp}")
    assert expand(r"\bperp x \bperpx", perp) == r"b^\perp x \bperpx"
    assert expand(r"\bperp{}x", perp) == r"b^\perp{}x"


def test_answer_tex_reads_matrices_and_drops_sentence_punctuation():
    assert answer_tex(r"\left[\begin{array}{rr}1 & 2 \\ 3 & 4\end{array}\right]\text{.}") == (
        r"\begin{bmatrix}1 & 2 \\ 3 & 4\end{bmatrix}")
    assert answer_tex(r"\left(\begin{array}{c}1 \\ 2 \\ \end{array}\right),") == (
        r"\begin{pmatrix}1 \\ 2 \end{pmatrix}")
    assert answer_tex(r"x \lt 3.") == "x < 3"
    assert answer_tex(r"\widehat{{\mathbf x}} = \begin{bmatrix}1 \\ 2\end{bmatrix}") == (
        r"\begin{bmatrix}1 \\ 2\end{bmatrix}")
    assert answer_tex(r"A = \begin{bmatrix}1\end{bmatrix} + B") == (
        r"A = \begin{bmatrix}1\end{bmatrix} + B")  # not just a name for a matrix
    assert answer_tex(r"f'(x) = \frac{\sin(x)}{\cos^2(x)}") == r"\frac{\sin(x)}{\cos^2(x)}"
    assert answer_tex(r"s''(1) = -16.") == "-16"
    assert answer_tex(r"\int_2^5 (3x^2 - 4x^3) \, dx = -492") == "-492"
    assert answer_tex(r"\int t \, dt = \frac{t^2}{2} + c") == r"\int t \, dt = \frac{t^2}{2} + c"
    assert answer_tex(r"\lim_{x \to 2} \frac{f(x)}{g(x)} = \frac{1}{8}") == r"\frac{1}{8}"
    assert answer_tex(r"\displaystyle\frac{1}{2}\text{ .}") == r"\frac{1}{2}"


def test_lists_inside_paragraphs_stay_lists_and_maths_uses_the_macros():
    prompt = markup_book()["ex-list"].prompt
    assert prompt == ("Consider $\\left[\\begin{array}{r}1 \\\\ 2\\end{array}\\right]$ and "
                      "decide:\n\n1. whether it is in $\\mathbb{R}^2$;\n2. its length.\n\n"
                      "Then stop.")


def test_references_show_their_numbers_and_figures_sage_units_are_words():
    prompt = markup_book()["ex-refs"].prompt
    assert prompt.startswith("Use Figure 1.1.3, Figure 1.1.4, Exercise 1.1.3.1, Section 1.1, "
                             "Preview Activity 1.1.1 and Equation (1.1.1), not (see the book).")
    assert "*(a Sage cell in the book: run it there)*" in prompt
    assert "matrix(" not in prompt
    assert "Drive 5 m/s." in prompt
    assert prompt.endswith("[figure]\n\n*(an interactive figure in the book: use it there)*"
                           "\n\nA table of values.")
    assert markup_book()["ex-no-statement"].prompt == "Compute $1+1$."


def test_tikz_figures_show_their_description_or_caption_never_their_source():
    book = formats.read("markup.ptx", sample("markup.ptx"), limit=LIMIT)
    upload = files.single("markup.ptx", sample("markup.ptx"), LIMIT)
    document = pretext._load(upload, "markup.ptx", [])
    document.reindex()
    with reading(document):
        section = next(e for e in document.root.iter() if e.get(
            "{http://www.w3.org/XML/1998/namespace}id") == "sub-plots")
        shown = render(section)
    assert ("[figure: Axes from -6 to 6 with a grid.]\n\n*Figure 1.1.3.* A grid for "
            "sketching.") in shown
    assert "[figure: A parabola.]" in shown and "\\draw" not in shown
    assert "$$x_{n} = 1$$" in shown
    assert book.macros["\\R"] == "\\mathbb{R}"


def test_numbering_skips_other_editions():
    upload = files.single("book.ptx", b"""<pretext><book><chapter xml:id="c"><section xml:id="s">
        <example xml:id="e-web" component="runestone"><p>x</p></example>
        <example xml:id="e-one"><p>x</p></example>
        <figure xml:id="f"><caption>c</caption></figure>
        <figure xml:id="g"><sidebyside><figure xml:id="g1"/><figure xml:id="g2"/></sidebyside>
        </figure></section></chapter></book></pretext>""",
                          LIMIT)
    root = pretext._load(upload, "book.ptx", []).root
    every = Numbering(root).numbers
    edition = Numbering(root, {"static"}).numbers
    assert (every["e-one"], every["f"]) == ("1.1.2", "1.1.3")
    assert (edition["e-one"], edition["f"]) == ("1.1.1", "1.1.2")
    assert "e-web" not in edition
    assert (edition["g"], edition["g1"], edition["g2"]) == ("1.1.3", "1.1.3(a)", "1.1.3(b)")


def test_matrix_answers_macros_and_solution_keys(pool):
    found = by_id(read("markup.ptx", sample("markup.ptx"), pool))
    assert found["ex-matrix"].answer == {
        "type": "matrix", "value": "\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}"}
    assert found["ex-macro-vector"].answer == {
        "type": "vector", "value": "\\begin{bmatrix}1 \\\\ 2\\end{bmatrix}"}
    assert found["ex-named-matrix"].answer == {
        "type": "matrix", "value": "\\begin{bmatrix}1 & 2 \\\\ 3 & 4\\end{bmatrix}"}
    assert found["ex-chain"].self_graded  # a derivation, not one answer
    assert found["ex-set-equation"].self_graded
    estimate = found["ex-estimate"].answer
    assert estimate == {"type": "number", "value": "0.1815", "tolerance": {"relative": 0.005}}
    assert pool.check(AnswerSpec.model_validate(estimate), "0.182").status == "correct"
    assert pool.check(AnswerSpec.model_validate(estimate), "0.19").status == "incorrect"
    assert found["ex-computation"].self_graded
    assert found["ex-words"].self_graded and "No." in found["ex-words"].solution
    assert found["ex-plain-number"].answer == {"type": "number", "value": "3"}
    assert found["ex-solution-final"].answer == {"type": "equation", "value": "x = 4"}
    assert found["ex-solution-list"].self_graded  # several questions, one final line
    assert found["ex-solution-prose"].self_graded  # an expression among words


def test_audit_finds_raw_markup_and_makes_wrong_answers():
    audit = markup_audit()
    assert audit.raw_markup("in Figure. Then $ $ and \\amp", set()) == [
        "\\amp", "unnumbered reference", "empty maths"]
    assert audit.raw_markup("$\\vvec$ and Figure 2.3.4, $\\{{x}\\}$", {"\\uvec"}) == []
    assert audit.raw_markup("$\\uvec$", {"\\uvec"}) == ["book macro"]
    assert audit.wrong_answer("\\begin{bmatrix}1 & 2\\end{bmatrix}") == (
        "\\begin{bmatrix}2 & 2\\end{bmatrix}")
    assert audit.wrong_answer("2x^2") == "3x^2"
    assert audit.wrong_answer("x^2") == "(x^2) + 1"
    assert audit.wrong_answer("a b") == "(a b) + 1"
    assert audit.wrong_answer("B^T = A") == "B^T = (A) + 1"
    assert audit.wrong_answer("\\{1, 2.5\\}") == "\\{2, 2.5\\}"
    assert audit.wrong_answer("a = -3, 1", "tuple") == "a = -4, 1"
    assert audit.wrong_answer("L_{20} = 15127") == "L_{20} = (15127) + 1"
    assert audit.wrong_answer("\\begin{bmatrix}a\\end{bmatrix}") == (
        "2\\begin{bmatrix}a\\end{bmatrix}")


@pytest.mark.slow
@pytest.mark.skipif(not CORPORA.is_dir(), reason="the shared PreTeXt corpora are not here")
@pytest.mark.parametrize("book", ["ula", "orcca", "active-calculus"])
def test_shared_books_leave_no_raw_markup(book):
    audit = markup_audit()
    parsed = audit.read_book(book, audit.MAINS[book])
    kinds = {k for f in audit.audit_markup(parsed, set(parsed.macros)) for k in f.kinds}
    # `[image]` (image files) and `$ $` (WeBWorK `<var>` holes) belong to other parts of
    # the importer; everything the markup is responsible for is gone.
    assert kinds <= {"[image]", "empty maths"}
