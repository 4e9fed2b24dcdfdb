"""Images of an imported PreTeXt book: found where PreTeXt looks, only real images, under caps,
kept beside the pending upload, written with the import (all or nothing), replaced on
re-import; and the shared corpora's counts."""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app import models as orm
from app.bank import export, formats, importing
from app.bank.formats import images
from app.bank.formats.files import Upload
from app.bank.formats.images import Gathering, sniff
from app.bank.formats.model import ImportedImage, ParsedImport

from .conftest import LIMIT, read
from .image_samples import PARABOLA, book, png

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "pretext"


def parse(data: bytes) -> ParsedImport:
    return formats.read("pictures.zip", data, limit=LIMIT)


def by_id(parsed: ParsedImport) -> dict:
    return {e.id: e for e in parsed.exercises}


# -- sniffing --------------------------------------------------------------------------------


@pytest.mark.parametrize("data, media_type", [
    (png(), "image/png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
    (b"GIF89a\x01\x00\x01\x00", "image/gif"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
    (PARABOLA, "image/svg+xml"),
    (b'\xef\xbb\xbf<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n<svg/>',
     "image/svg+xml"),
    (b"<svg:svg xmlns:svg='http://www.w3.org/2000/svg'></svg:svg>", "image/svg+xml"),
    (b"<html><body><svg></svg><script>alert(1)</script></body></html>", None),
    (b"%PDF-1.5\n", None),
    (b"%!PS-Adobe-3.0 EPSF-3.0\n", None),
    (b"<script>alert(1)</script>", None),
    (b"<svgfoo/>", None),
    (b"", None),
])
def test_only_real_images_by_their_bytes(data, media_type):
    assert sniff(data) == media_type


# -- finding them in the upload --------------------------------------------------------------


def test_an_image_from_the_publications_external_directory_and_one_beside_the_main_file():
    parsed = parse(book())
    vertex, dot = by_id(parsed)["ex-vertex"], by_id(parsed)["ex-dot"]
    alt = "A parabola opening upward, its vertex marked at (1, -2)"
    assert f"![{alt}](gyrus-image:images-parabola.svg)" in vertex.prompt
    assert vertex.prompt.index("y = (x-1)^2 - 2") < vertex.prompt.index("![") < \
        vertex.prompt.index("What is the")
    assert dot.prompt.count("](gyrus-image:images-dot.png)") == 2
    stored = {image.name: image for image in parsed.images}
    assert set(stored) == {"images-parabola.svg", "images-dot.png"}  # the dot kept once
    assert stored["images-parabola.svg"].media_type == "image/svg+xml"
    assert stored["images-parabola.svg"].data == PARABOLA
    assert stored["images-dot.png"].media_type == "image/png"
    assert not [p for p in parsed.problems if "image" in p.message]


def test_a_folder_upload_finds_them_too(tmp_path):
    import zipfile
    from io import BytesIO
    with zipfile.ZipFile(BytesIO(book())) as archive:
        archive.extractall(tmp_path)
    parsed = formats.read_path(tmp_path, limit=LIMIT)
    assert {image.name for image in parsed.images} == {"images-parabola.svg", "images-dot.png"}


def test_without_a_publication_file_the_main_files_folder_and_the_root_are_searched():
    parsed = parse(book({"publication/publication.ptx": b"<publication/>",
                         "images/parabola.png": png(3, 3)}))
    assert {image.name: image.media_type for image in parsed.images} == {
        "images-parabola.png": "image/png", "images-dot.png": "image/png"}


def test_missing_and_disguised_images_show_their_description_and_the_preview_says_why():
    more = """<exercise xml:id="ex-gone"><statement><p>Look:</p>
      <image source="images/gone"><description><p>A lost graph.</p></description></image>
      </statement><answer><p><m>3</m></p></answer></exercise>
      <exercise xml:id="ex-fake"><statement><p>Fake:</p><image source="images/fake.png"/>
      </statement><answer><p><m>4</m></p></answer></exercise>
      <exercise xml:id="ex-away"><statement><p>Away:</p>
      <image source="https://example.org/x.png"/><image source="../../etc/passwd"/>
      </statement><answer><p><m>5</m></p></answer></exercise>"""
    fake = b"<html><script>alert(1)</script></html>"
    parsed = parse(book({"assets/images/fake.png": fake}, more))
    exercises = by_id(parsed)
    assert "\\[image: A lost graph.\\]" in exercises["ex-gone"].prompt
    assert "\\[image\\]" in exercises["ex-fake"].prompt
    assert exercises["ex-away"].prompt.count("\\[image\\]") == 2
    assert "gyrus-image" not in exercises["ex-fake"].prompt + exercises["ex-away"].prompt
    assert {image.name for image in parsed.images} == {"images-parabola.svg", "images-dot.png"}
    said = {p.message: p.where for p in parsed.problems if p.severity == "warning"}
    assert said["3 images not in the upload: shown as the description"] == \
        "images/gone, https://example.org/x.png, ../../etc/passwd"
    assert said["1 image not a PNG, JPEG, GIF, WebP or SVG image (by its bytes): shown as the "
                "description"] == "assets/images/fake.png"


def test_images_over_the_caps_are_left_out_and_the_preview_says_so(monkeypatch):
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", len(PARABOLA) - 1)
    parsed = parse(book())
    assert [image.name for image in parsed.images] == ["images-dot.png"]
    assert "\\[image: A parabola opening upward" in by_id(parsed)["ex-vertex"].prompt
    assert [p.where for p in parsed.problems if "larger than" in p.message] == [
        "assets/images/parabola.svg"]
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", 2 * 1024 * 1024)
    monkeypatch.setattr(images, "MAX_IMAGES", 1)
    parsed = parse(book())
    assert [image.name for image in parsed.images] == ["images-parabola.svg"]
    assert [p.where for p in parsed.problems if "cap" in p.message] == ["src/images/dot.png"]
    monkeypatch.setattr(images, "MAX_IMAGES", 300)
    monkeypatch.setattr(images, "MAX_TOTAL_BYTES", len(PARABOLA) + 10)
    parsed = parse(book())
    assert [image.name for image in parsed.images] == ["images-parabola.svg"]


def test_the_real_caps_are_said_in_the_preview():
    gathering = Gathering()
    assert gathering.add("big.png", png() + b"\x00" * images.MAX_IMAGE_BYTES) is None
    for number in range(images.MAX_IMAGES + 1):
        gathering.add(f"{number}.png", png())
    parsed = ParsedImport(format="pretext", title="t", key="t")
    gathering.finish(parsed)
    assert len(parsed.images) == images.MAX_IMAGES == 300
    assert [(p.where, p.message) for p in parsed.problems] == [
        ("big.png", "1 image larger than 2 MB: shown as the description"),
        ("300.png", "1 image past the cap of 300 images or 16 MB in all: shown as the "
                    "description")]


def test_names_are_url_safe_and_unique():
    gathering = Gathering()
    first = gathering.add("a/b-c.png", png(), "a/b-c.png")
    second = gathering.add("a-b/c.png", png(), "a-b/c.png")
    odd = gathering.add("x/My Graph (1).svg", PARABOLA, "My Graph (1).svg")
    assert first and second and odd
    assert (first.name, second.name, odd.name) == ("a-b-c.png", "a-b-c-2.png", "My-Graph-1-.svg")
    assert gathering.add("a/b-c.png", png()) is first


def test_an_upload_that_is_one_file_has_no_images():
    parsed = formats.read_upload(Upload("one.ptx", {"one.ptx": (
        b'<pretext><book><title>One</title><chapter><title>C</title><exercises><exercise '
        b'xml:id="e"><statement><p>See <image source="x.png"/>.</p></statement></exercise>'
        b'</exercises></chapter></book></pretext>')}, "one.ptx"))
    assert parsed.images == []
    assert "\\[image\\]" in parsed.exercises[0].prompt


# -- between the preview and the confirmation ------------------------------------------------


def test_the_pending_upload_keeps_its_images_beside_its_json(tmp_path):
    parsed = parse(book())
    token = importing.save_pending(tmp_path, parsed, 7)
    assert "PHN2Zy" not in (tmp_path / f"{token}.json").read_text()  # no base64 in the JSON
    assert importing.load_pending(tmp_path, token, 8) is None
    loaded = importing.load_pending(tmp_path, token, 7)
    assert loaded is not None
    assert [(i.name, i.media_type, i.data) for i in loaded.images] == \
        [(i.name, i.media_type, i.data) for i in parsed.images]
    assert loaded.exercises == parsed.exercises
    importing.drop_pending(tmp_path, token, 7)
    assert list(tmp_path.iterdir()) == []


def test_a_pending_upload_whose_images_are_gone_has_expired(tmp_path):
    token = importing.save_pending(tmp_path, parse(book()), 7)
    (tmp_path / f"{token}{importing.IMAGES_SUFFIX}").unlink()
    assert importing.load_pending(tmp_path, token, 7) is None


def test_old_pending_uploads_and_their_images_are_pruned(tmp_path):
    token = importing.save_pending(tmp_path, parse(book()), 7)
    old = time.time() - importing.PENDING_MAX_AGE - 10
    for path in tmp_path.iterdir():
        os.utime(path, (old, old))
    fresh = importing.save_pending(tmp_path, ParsedImport(format="csv", title="t", key="t"), 7)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{fresh}.json"]
    assert token != fresh


# -- writing ---------------------------------------------------------------------------------


def stored(sessions) -> dict[str, tuple[str, str, bytes]]:
    with sessions() as session:
        return {row.name: (row.media_type, row.sha256, row.data)
                for row in session.scalars(select(orm.CollectionImage))}


def prompt_of(sessions, gid: str) -> str:
    with sessions() as session:
        return session.scalar(select(orm.Exercise.prompt).where(orm.Exercise.global_id == gid))


def test_confirm_stores_the_images_and_points_the_prompts_at_them(pool, uow, sessions, learner):
    parsed = read("pictures.zip", book(), pool)
    report = importing.apply(uow, parsed, learner)
    assert report.images == 2 and "2 images" in report.summary()
    rows = stored(sessions)
    svg = ImportedImage("images-parabola.svg", "image/svg+xml", PARABOLA)
    assert rows["images-parabola.svg"] == ("image/svg+xml", svg.sha256, PARABOLA)
    slug = f"u{learner}-pictures"
    prompt = prompt_of(sessions, f"imported/{slug}/ex-vertex")
    assert (f"](/collections/{slug}/images/images-parabola.svg?v={svg.sha256[:16]})"
            in prompt)
    assert "gyrus-image" not in prompt


def test_reimport_replaces_the_images(pool, uow, sessions, learner):
    importing.apply(uow, read("pictures.zip", book(), pool), learner)
    before = stored(sessions)
    changed = PARABOLA.replace(b"#c0392b", b"#27ae60")
    report = importing.apply(uow, read("pictures.zip", book(parabola=changed), pool), learner)
    after = stored(sessions)
    assert after["images-dot.png"] == before["images-dot.png"]
    assert after["images-parabola.svg"][2] == changed
    assert report.updated == 1  # the prompt's URL carries the new version
    gid = f"imported/u{learner}-pictures/ex-vertex"
    assert after["images-parabola.svg"][1][:16] in prompt_of(sessions, gid)
    without = book({"src/images/dot.png": b"not an image"})
    importing.apply(uow, read("pictures.zip", without, pool), learner)
    assert set(stored(sessions)) == {"images-parabola.svg"}


def test_a_write_that_fails_stores_no_image(pool, uow, sessions, learner, monkeypatch):
    parsed = read("pictures.zip", book(), pool)

    def fail(*_args):
        raise RuntimeError("the write fails after the images were added")
    monkeypatch.setattr(importing.service, "forget_snippets", fail)
    with pytest.raises(RuntimeError):
        importing.apply(uow, parsed, learner)
    assert stored(sessions) == {}


# -- the shared corpora ----------------------------------------------------------------------


def corpus(name: str) -> bytes:
    path = CORPORA / name
    if not path.exists():
        pytest.skip(f"the shared corpora are not here ({path})")
    return path.read_bytes()


@pytest.mark.slow
def test_understanding_linear_algebra_images_are_found_in_its_assets():
    parsed = parse(corpus("ula.zip"))
    names = {image.name for image in parsed.images}
    assert len(names) >= 5, names
    assert {"images-chutes.jpg", "images-ex-predator-sol-a.svg"} <= names
    assert all(image.media_type.startswith("image/") for image in parsed.images)
    texts = " ".join(e.prompt + e.solution + " ".join(e.hints) for e in parsed.exercises)
    assert "ptx-image:" not in texts


@pytest.mark.slow
def test_active_calculus_ships_no_images_and_the_preview_says_so():
    parsed = parse(corpus("active-calculus.zip"))
    assert parsed.images == []
    missing = [p for p in parsed.problems if "not in the upload: shown as" in p.message]
    assert len(missing) == 1 and int(missing[0].message.split()[0]) >= 100


# -- backups ---------------------------------------------------------------------------------


def restore_into(tmp_path: Path, backup: dict) -> dict[str, tuple[str, str, bytes]]:
    from app.db import make_engine, migrate, session_factory

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    migrate(url)
    engine = make_engine(url)
    try:
        fresh = session_factory(engine)
        with fresh() as session:
            export.restore(session, backup)
            session.commit()
        return stored(fresh)
    finally:
        engine.dispose()


def test_a_backup_keeps_the_collections_images(pool, uow, sessions, learner, tmp_path):
    importing.apply(uow, read("pictures.zip", book(), pool), learner)
    with sessions() as session:
        backup = json.loads(json.dumps(export.export_user(session, learner)))
    assert [i["name"] for i in backup["collections"][0]["images"]] == [
        "images-dot.png", "images-parabola.svg"]
    assert restore_into(tmp_path, backup) == stored(sessions)


@pytest.mark.parametrize("media_type, data, refused", [
    ("text/html", b"<html><script>alert(1)</script></html>", True),
    ("image/png", b"not base64!", True),
    ("text/html", png(), False),  # the type is read from the bytes, never from the file
])
def test_a_restored_image_is_read_again(pool, uow, sessions, learner, tmp_path, media_type,
                                        data, refused):
    importing.apply(uow, read("pictures.zip", book(), pool), learner)
    with sessions() as session:
        backup = json.loads(json.dumps(export.export_user(session, learner)))
    encoded = data.decode() if data == b"not base64!" else base64.b64encode(data).decode()
    backup["collections"][0]["images"] = [{"name": "x.png", "media_type": media_type,
                                           "data": encoded}]
    if refused:
        with pytest.raises(export.RestoreError, match="x.png"):
            restore_into(tmp_path, backup)
    else:
        assert restore_into(tmp_path, backup)["x.png"][0] == "image/png"
