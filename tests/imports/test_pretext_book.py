"""A PreTeXt book's structure: which file is the book, every exercise in it (inline ones,
activities as an option, task lists as parts), ids that stay put, and the census it is judged
against."""

from __future__ import annotations

import pytest

from app.bank import formats
from app.bank.formats import pretext
from app.bank.formats.files import Upload
from app.bank.formats.model import ImportRefused

from .conftest import LIMIT, SAMPLES, by_id, read

SHAPES = SAMPLES / "shapes" / "book.ptx"


def book(title: str, exercises: int = 1, include: str = "") -> bytes:
    """A small book with `exercises` exercises (and an `xi:include` of `include`)."""
    items = "".join(f'<exercise xml:id="{title}-{n}"><statement><p>{n}?</p></statement>'
                    "</exercise>" for n in range(exercises))
    included = f'<xi:include href="{include}"/>' if include else ""
    return (f'<pretext xmlns:xi="http://www.w3.org/2001/XInclude"><book xml:id="{title}">'
            f"<title>{title}</title><chapter xml:id='c-{title}'><title>C</title>{items}"
            f"{included}</chapter></book></pretext>").encode()


def chosen(files: dict[str, bytes]) -> tuple[str, str]:
    parsed = pretext.parse(Upload(name="book.zip", files=files))
    return parsed.title, parsed.read_from


def test_the_default_target_of_a_version_2_project_names_the_book():
    project = b"""<project ptx-version="2" source="src">
      <targets><target name="web" format="html" source="ula.xml"/>
      <target name="workbook" format="pdf" source="activity-workbook.xml"/></targets></project>"""
    files = {"ula/project.ptx": project, "ula/src/ula.xml": book("ula"),
             "ula/src/activity-workbook.xml": book("workbook", 5),
             "ula/src/backmatter.xml": book("backmatter")}
    assert chosen(files) == ("ula", "ula/src/ula.xml (ula/project.ptx, target web)")


def test_a_version_2_target_without_source_reads_source_main():
    project = b'<project ptx-version="2"><targets><target name="html2e"/></targets></project>'
    files = {"project.ptx": project, "source/main.ptx": book("main"),
             "source/acs-workbook.xml": book("workbook", 9)}
    assert chosen(files) == ("main", "source/main.ptx (project.ptx, target html2e)")


def test_a_legacy_project_names_the_source_in_an_element():
    project = b"""<project><targets><target name="html"><format>html</format>
      <source>src/orcca.ptx</source></target></targets></project>"""
    files = {"project.ptx": project, "src/orcca.ptx": book("orcca"),
             "src/backmatter.ptx": book("backmatter", 4)}
    assert chosen(files) == ("orcca", "src/orcca.ptx (project.ptx, target html)")


def test_without_a_project_the_book_is_the_pretext_file_with_most_content():
    files = {"a-backmatter.ptx": book("backmatter", 2), "main.ptx": book("variant", 3),
             "book.ptx": book("book", 1, "chapters/big.ptx"),
             "chapters/big.ptx": b"<section>" + b"<p>text</p>" * 200 + b"</section>"}
    title, why = chosen(files)
    assert title == "book" and why.startswith("book.ptx (the largest of 3 <pretext> files")


def test_a_project_whose_source_is_missing_falls_back_to_the_largest_file():
    project = b'<project ptx-version="2"><targets><target name="web"/></targets></project>'
    files = {"project.ptx": project, "other.ptx": book("other")}
    assert chosen(files) == ("other", "other.ptx (the only <pretext> file)")


def test_one_file_on_the_command_line_follows_its_includes():
    parsed = formats.read_path(SAMPLES / "book" / "main.ptx", limit=LIMIT)
    assert len(parsed.exercises) == 6
    assert parsed.read_from == "main.ptx (the file uploaded)"


def test_includes_of_one_file_stay_in_its_folder(tmp_path):
    (tmp_path / "secret.ptx").write_text("<section><exercise/></section>")
    (tmp_path / "book").mkdir()
    main = tmp_path / "book" / "main.ptx"
    main.write_bytes(book("b", 1, "../secret.ptx"))
    with pytest.raises(ImportRefused, match="points outside the upload"):
        formats.read_path(main, limit=LIMIT)


def test_a_symbolic_link_beside_one_file_is_not_followed(tmp_path):
    (tmp_path / "secret.ptx").write_text("<section><exercise/></section>")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "link.ptx").symlink_to(tmp_path / "secret.ptx")
    main = tmp_path / "book" / "main.ptx"
    main.write_bytes(book("b", 1, "link.ptx"))
    with pytest.raises(ImportRefused, match="link.ptx is not in the upload"):
        formats.read_path(main, limit=LIMIT)


def test_inline_exercises_are_read_and_activities_only_when_asked():
    plain = formats.read_path(SHAPES, limit=LIMIT)
    assert plain.held == 5 and len(plain.exercises) == 6  # one task list split in two
    assert not any(e.id.startswith("act-") for e in plain.exercises)
    both = formats.read_path(SHAPES, limit=LIMIT, activities=True)
    assert both.held == 7
    found = by_id(both)
    assert found["sec-lines-exploration-1"].prompt == "Draw three lines through the origin."
    assert found["sec-lines-exploration-1"].answer == {"type": "self"}


def test_nested_tasks_are_one_exercise_with_labelled_parts():
    found = by_id(formats.read_path(SHAPES, limit=LIMIT, activities=True))
    activity = found["act-slopes"]
    assert activity.prompt == "Let $f(x) = x^2$." and activity.answer == {}
    assert [(p["id"], p["prompt"]) for p in activity.parts] == [
        ("a", "Find $f(1)$."), ("b-i", "Now the derivative.\n\nFind $f'(x)$."),
        ("b-ii", "Now the derivative.\n\nFind $f'(3)$.")]
    assert [p["answer"]["value"] for p in activity.parts] == ["1", "2x", "6"]


def test_more_than_six_tasks_are_split_in_runs_of_six():
    parsed = formats.read_path(SHAPES, limit=LIMIT)
    found = by_id(parsed)
    assert [p["id"] for p in found["ex-long-1"].parts] == ["a", "b", "c", "d", "e", "f"]
    assert found["ex-long-2"].parts is None and found["ex-long-2"].prompt == "$1+7$"
    assert found["ex-long-2"].legacy_ids == ["ex-long-g"]
    assert found["ex-long-1"].where == found["ex-long-2"].where  # one element of the book
    assert any("split into 2 exercises" in p.message for p in parsed.problems)


def test_permids_that_differ_only_in_case_stay_two_exercises(pool):
    parsed = read("book.ptx", SHAPES.read_bytes(), pool)
    lines = [e for e in parsed.exercises if e.id.startswith("mki")]
    assert len(lines) == 2 and lines[0].id != lines[1].id
    assert [e.answer["value"] for e in lines] == ["2", "3"]


def test_unnamed_exercises_are_numbered_within_their_nearest_named_ancestor():
    found = by_id(formats.read_path(SHAPES, limit=LIMIT))
    first = found["sec-lines-exercises-exercise-1"]
    assert first.legacy_ids == ["shapes-sec-lines-ex-1"]
    inserted = SHAPES.read_text().replace(
        '<exercise permid="MKi">', '<exercise><statement><p>New</p></statement></exercise>'
        '<exercise permid="MKi">')
    again = by_id(formats.read("book.ptx", inserted.encode(), limit=LIMIT))
    assert "sec-lines-exercises-exercise-2" in again and "sec-lines-exercise-1" in again
    assert again["sec-lines-exercises-exercise-1"].prompt == first.prompt


def test_parts_are_verified_one_by_one(pool):
    found = by_id(read("book.ptx", SHAPES.read_bytes(), pool))
    assert [p["answer"] for p in found["ex-long-1"].parts][:2] == [
        {"type": "number", "value": "2"}, {"type": "number", "value": "3"}]
    assert not found["ex-long-1"].self_graded


def test_a_parts_exercise_names_the_exercise_as_its_place_and_source():
    activity = by_id(formats.read_path(SHAPES, limit=LIMIT, activities=True))["act-slopes"]
    assert activity.where.startswith("book.ptx:20 ") and "(id act-slopes)" in activity.where
    assert activity.source == "Shapes, exercise act-slopes"


def test_the_target_s_publication_chooses_the_version_of_the_book():
    project = b"""<project ptx-version="2"><targets>
      <target name="web" publication="ed2.ptx"/></targets></project>"""
    publication = b'<publication><source><version include="ed2 static"/></source></publication>'
    main = b"""<pretext><book xml:id="v"><title>V</title><chapter xml:id="c"><title>C</title>
      <exercise xml:id="e-1" component="runestone"><statement><p>Online</p></statement></exercise>
      <exercise xml:id="e-1" component="static"><statement><p>Printed</p></statement></exercise>
      <exercise xml:id="e-2"><statement><p>Always</p></statement></exercise>
      </chapter></book></pretext>"""
    files = {"project.ptx": project, "publication/ed2.ptx": publication,
             "source/main.ptx": main}
    parsed = pretext.parse(Upload(name="v.zip", files=files))
    assert parsed.held == 2
    assert [e.prompt for e in parsed.exercises] == ["Printed", "Always"]
    del files["publication/ed2.ptx"]
    assert pretext.parse(Upload(name="v.zip", files=files)).held == 3
