"""Images in exercise Markdown: only the app's own collection images keep their source
(DESIGN §6: no page loads anything from another origin); a snippet says [image]."""

from __future__ import annotations

import re

import pytest

from app.bank.markdown import render_markdown
from app.bank.snippets import snippet

OWN = "/collections/u3-book/images/images-graph.svg?v=0123456789abcdef"


def test_an_image_of_the_upload_waiting_for_confirmation_is_shown_on_the_preview():
    source = "/import/preview/images/images-graph.svg?v=0123456789abcdef"
    assert f'<img src="{source}"' in render_markdown(f"![a graph]({source})")


def test_our_own_image_is_shown_with_its_description():
    html = render_markdown(f"See ![A graph of \\$f\\$ (escaped)]({OWN}) here.")
    assert f'<img src="{OWN}" alt="A graph of $f$ (escaped)">' in html


@pytest.mark.parametrize("source", [
    "https://example.org/x.png", "http://example.org/x.png", "//example.org/x.png",
    "data:image/png;base64,iVBORw0KGgo=", "javascript:alert(1)", "/static/favicon.svg",
    "/collections/u3-book/images/images-graph.svg",  # no version: not a URL we write
    "/collections/u3-book/images/../../../x?v=01", "/collections/U3/images/a.png?v=01",
    f"{OWN}&x=1", f"https://example.org{OWN}", "gyrus-image:images-graph.svg",
    "/import/preview/images/a.svg", "/import/preview/images/../x?v=01",
])
def test_any_other_source_is_dropped(source):
    html = render_markdown(f"![a graph]({source})")
    assert not re.search(r"<img[^>]*src=", html)


def test_raw_html_images_are_never_kept():
    assert "<img" not in render_markdown(f'<img src="{OWN}">')


def test_a_snippet_says_image_for_a_shown_or_a_missing_one():
    text = f"Look: ![A graph]({OWN}) and \\[image: gone (1)\\] and \\[image\\]. What is $f(1)$?"
    assert snippet(text) == "Look: [image] and [image] and [image]. What is $f(1)$?"
