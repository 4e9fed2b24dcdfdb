"""Bad and hostile uploads: each refused with a clear message naming the place, nothing written."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from app import models as orm
from app.bank import formats, importing
from app.bank.formats import files
from app.bank.formats.model import ImportRefused

from .conftest import LIMIT, read

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<quiz><question type="essay"><questiontext><text>&lol3;</text></questiontext></question></quiz>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE pretext [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<pretext><book><exercises><exercise xml:id="a"><statement><p>&xxe;</p></statement>
</exercise></exercises></book></pretext>"""


def zipped(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def nothing_written(sessions) -> bool:
    with sessions() as session:
        return all(session.scalar(select(func.count()).select_from(t)) == 0
                   for t in (orm.Collection, orm.Exercise, orm.Topic, orm.Subject))


def refused(name: str, data: bytes, pool, match: str, fmt: str | None = None,
            limit: int = LIMIT) -> ImportRefused:
    with pytest.raises(ImportRefused, match=match) as caught:
        importing.finish(formats.read(name, data, fmt, limit=limit), pool.run, "calculus")
    return caught.value


def test_billion_laughs(pool, sessions):
    refused("quiz.xml", BILLION_LAUGHS, pool, "DTD")
    assert nothing_written(sessions)


def test_external_entity(pool, sessions):
    error = refused("book.ptx", EXTERNAL, pool, "DTD")
    assert "passwd" not in str(error)
    assert nothing_written(sessions)


def test_zip_bomb(pool):
    bomb = zipped({"main.ptx": b"<pretext>" + b" " * (3 * 1024 * 1024) + b"</pretext>"})
    assert len(bomb) < 20_000
    refused("bomb.zip", bomb, pool, "zip bomb", limit=200_000)


def test_too_many_files(pool):
    many = zipped({f"f{i}.ptx": b"x" for i in range(files.MAX_FILES + 1)},
                  zipfile.ZIP_STORED)
    refused("many.zip", many, pool, "at most")


@pytest.mark.parametrize("name", ["../evil.ptx", "/etc/evil.ptx", "a/../../evil.ptx"])
def test_path_traversal_in_zip(pool, name):
    refused("trav.zip", zipped({name: b"<pretext/>"}), pool, "outside")


@pytest.mark.parametrize("href", ["../../secret.ptx", "/etc/passwd", "http://example.org/x.ptx",
                                  "file:///etc/passwd"])
def test_xinclude_outside_the_upload(pool, href):
    main = (f'<pretext xmlns:xi="http://www.w3.org/2001/XInclude"><book>'
            f'<xi:include href="{href}"/></book></pretext>').encode()
    error = refused("b.zip", zipped({"main.ptx": main}), pool, "upload")
    assert "main.ptx:1" in error.where


def test_oversize(pool):
    refused("big.csv", b"id,prompt\n" + b"x" * 5000, pool, "limit", limit=2000)


def test_bad_encoding_names_the_line(pool):
    error = refused("latin1.csv", "id,prompt,answer\nq1,Café,2\n".encode("latin-1"), pool,
                    "not UTF-8")
    assert "line 2" in str(error)


def test_utf16_with_bom_is_read(pool):
    parsed = read("list.csv", "id,prompt,answer\nq1,Différence,2\n".encode("utf-16"), pool)
    assert parsed.exercises[0].prompt == "Différence"


def test_deeply_nested_xml(pool):
    deep = b"<quiz>" + b"<a>" * 500 + b"</a>" * 500 + b"</quiz>"
    refused("deep.xml", deep, pool, "nested more than")


def test_deeply_nested_json(pool):
    refused("deep.json", b"[" * 100_000 + b"]" * 100_000, pool, "nested too deeply|not valid")


def test_malformed_xml_names_line_and_column(pool):
    error = refused("quiz.xml", b"<quiz>\n<question type='essay'>\n</quiz>", pool, "well-formed")
    assert error.where == "quiz.xml:3:2"


def test_malformed_yaml_names_the_line(pool):
    error = refused("a.yaml", b"subject: calculus\ntopic: [unclosed\n", pool, "not valid YAML")
    assert error.where.startswith("a.yaml:")


def test_script_in_prompt_never_survives(pool):
    parsed = read("x.csv", b'id,prompt,answer\nq1,"<b>Hi</b><script>alert(1)</script>'
                  b'<img src=x onerror=alert(2)>",2\n', pool)
    prompt = parsed.exercises[0].prompt
    assert "script" not in prompt and "onerror" not in prompt and "alert" not in prompt
    from app.bank.markdown import render_markdown

    raw = read("x.csv", b"id,prompt,answer,answer_type\nq1,plain <script>x</script>,2,\n",
               pool, fmt="csv")
    assert "<script>" not in str(render_markdown(raw.exercises[0].prompt))


def test_hostile_author_expression_only_costs_itself(pool):
    tower = "9^9^9^9^9^9"
    parsed = read("x.csv", f"id,prompt,answer,answer_type\nq1,Big,{tower},expression\n"
                  "q2,Fine,2x,\n".encode(), pool)
    found = {e.id: e for e in parsed.exercises}
    assert found["q1"].self_graded and found["q2"].answer["type"] == "expression"


def test_nothing_to_import(pool):
    refused("empty.csv", b"id,prompt,answer\n", pool, "nothing to import")
