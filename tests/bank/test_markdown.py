"""Markdown with maths: math spans for KaTeX, and nothing executable survives."""

from __future__ import annotations

import re

from markupsafe import Markup

from app.bank.markdown import render_markdown


def test_inline_and_display_math_keep_raw_tex() -> None:
    html = render_markdown("Slope $f'(x) < 1$ and\n\n$$\\frac{a}{b}$$\n")
    assert isinstance(html, Markup)
    assert "<span class=\"math inline\">f'(x) &lt; 1</span>" in html
    assert '<div class="math display">\\frac{a}{b}</div>' in html


def test_inline_double_dollar_is_display_math() -> None:
    assert '<span class="math display">x^2</span>' in render_markdown("so $$x^2$$ here")


def test_script_never_survives() -> None:
    for text in ["<script>alert(1)</script>", "$<script>alert(1)</script>$",
                 "[x](javascript:alert(1))", '<img src=x onerror="alert(1)">',
                 '<span class="math inline" onclick="x()">a</span>']:
        html = render_markdown(text)
        tags = re.findall(r"<[^>]*>", html)  # escaped text has no "<" left
        assert not [t for t in tags if re.search(r"script|img|onclick|onerror|javascript", t)]


def test_markdown_features_kept() -> None:
    html = render_markdown("**bold** *it* `code`\n\n- a\n- b\n\n| a |\n|---|\n| 1 |\n")
    for tag in ("<strong>", "<em>", "<code>", "<li>", "<table>"):
        assert tag in html


def test_links_get_safe_rel() -> None:
    assert 'rel="noopener noreferrer nofollow"' in render_markdown("[x](https://example.org)")


def test_dollar_amounts_are_not_math() -> None:
    assert "math" not in render_markdown("It costs $5 and $10.")
