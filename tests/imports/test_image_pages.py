"""A book's images on the pages: the preview counts and shows them (to the uploader alone, until
the confirmation), the exercise shows them, and
/collections/{slug}/images/{name} serves them only to a learner who may see the collection,
with its own type, nosniff, an ETag, a long cache for the versioned URL, and a sandboxing CSP
for SVG."""

from __future__ import annotations

import re

import pytest
from web.conftest import Browser, exercise_pk

from app.bank import importing
from app.db import UnitOfWork

from .conftest import read
from .image_samples import PARABOLA, book, png
from .test_pages import upload

IMAGE = re.compile(r'<img src="(/collections/[^"]+)" alt="([^"]*)"')


@pytest.fixture(scope="module")
def owner(app) -> tuple[Browser, str, str]:
    """A learner who imported the picture book: (their browser, the parabola's URL, the
    dot's URL), as the exercise pages show them."""
    browser = Browser(app).sign_up()
    page = upload(browser, "pictures.zip", book())
    assert "<strong>2</strong> images from the upload, kept with the collection" in page.text
    waiting = re.search(r'<img src="(/import/preview/images/images-parabola.svg\?v=\w+)" '
                        r'alt="A parabola opening upward', page.text)
    assert waiting, "the preview shows the upload's figure"
    shown = browser.client.get(waiting[1])
    assert shown.content == PARABOLA and shown.headers["cache-control"] == "private, no-store"
    assert shown.headers["x-content-type-options"] == "nosniff"
    assert shown.headers["content-security-policy"].startswith("sandbox;")
    assert Browser(app).sign_up().client.get(waiting[1]).status_code == 404  # not theirs
    done = browser.post("/import/confirm", {"study_list": "1"})
    assert browser.client.get(waiting[1]).status_code == 404  # no longer waiting
    assert "2 images" in done.text
    slug = f"u{browser.user_id()}-pictures"
    browser.start_pass("calculus")
    vertex = browser.get(f"/exercises/{exercise_pk(app, f'imported/{slug}/ex-vertex')}")
    dot = browser.get(f"/exercises/{exercise_pk(app, f'imported/{slug}/ex-dot')}")
    (parabola, alt), = IMAGE.findall(vertex.text)
    assert alt == "A parabola opening upward, its vertex marked at (1, -2)"
    return browser, parabola, IMAGE.findall(dot.text)[0][0]


def test_the_owner_gets_the_image_with_its_type_nosniff_etag_and_a_long_cache(owner):
    browser, parabola, dot = owner
    svg = browser.client.get(parabola)
    assert svg.status_code == 200 and svg.content == PARABOLA
    assert svg.headers["content-type"] == "image/svg+xml"
    assert svg.headers["x-content-type-options"] == "nosniff"
    assert svg.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert svg.headers["content-security-policy"] == \
        "sandbox; default-src 'none'; style-src 'unsafe-inline'"
    assert re.fullmatch(r'"[0-9a-f]{64}"', svg.headers["etag"])
    assert svg.headers["etag"][1:17] == parabola.rsplit("?v=", 1)[1]
    png_answer = browser.client.get(dot)
    assert (png_answer.content, png_answer.headers["content-type"]) == (png(), "image/png")
    assert "sandbox" not in png_answer.headers["content-security-policy"]  # the page policy


def test_an_unversioned_or_stale_url_is_asked_again_and_the_etag_saves_the_bytes(owner):
    browser, parabola, _dot = owner
    bare = parabola.split("?")[0]
    for url in (bare, bare + "?v=0000"):
        answer = browser.client.get(url)
        assert answer.status_code == 200 and answer.headers["cache-control"] == \
            "private, no-cache"
    etag = browser.client.get(parabola).headers["etag"]
    again = browser.client.get(parabola, headers={"if-none-match": f'W/"x", {etag}'})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and again.headers["x-content-type-options"] == "nosniff"


def test_another_learner_gets_404_and_an_anonymous_visitor_is_sent_to_log_in(app, owner):
    _browser, parabola, dot = owner
    other = Browser(app).sign_up()
    for url in (parabola, dot):
        answer = other.client.get(url)
        assert answer.status_code == 404 and PARABOLA not in answer.content
    anonymous = Browser(app).client.get(parabola, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


@pytest.mark.parametrize("name", ["nothing.png", "images-parabola.svg.bak", "..%2Fx",
                                  "a%20b.png"])
def test_unknown_or_malformed_names_are_404(owner, name):
    browser, parabola, _dot = owner
    slug = parabola.split("/")[2]
    assert browser.client.get(f"/collections/{slug}/images/{name}").status_code == 404


def test_a_public_collections_images_are_everyones(app):
    parsed = read("pictures.zip", book(), app.state.checker)
    parsed.key = "public-pictures"
    importing.apply(UnitOfWork(app.state.sessions), parsed, None)
    learner = Browser(app).sign_up()
    answer = learner.client.get("/collections/public-pictures/images/images-dot.png")
    assert answer.status_code == 200 and answer.content == png()
