"""STACK keys, question variables and CAS text; Moodle zips and backups; Numbas's older source
format, gap-fills and JME (issue 19, bullet 3), on samples written for these tests."""

from __future__ import annotations

import io
import zipfile

import pytest
import yaml
from sqlalchemy import select

from app import models as orm
from app.bank import export, formats, importing
from app.bank.formats import numbas_source
from app.bank.formats.jme import to_maxima
from app.bank.formats.maxima import Untranslatable, Variables, statements
from app.bank.formats.model import ImportRefused
from app.bank.schema import TopicFile
from app.bank.variants import make_variant
from app.checking.compare.spec import AnswerSpec

from .conftest import LIMIT, by_id, read, sample

QUIZ = """<?xml version="1.0"?><quiz>
<question type="shortanswer"><name><text>{name}</text></name>
<questiontext><text>{text}</text></questiontext>
<answer fraction="100"><text>yes</text></answer></question></quiz>"""


def _zip(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return out.getvalue()


def _check(pool, exercise, seed, response, part=None):
    item = {"id": exercise.id, "prompt": exercise.prompt, "answer": exercise.answer,
            "params": exercise.params, "where": exercise.conditions, "parts": exercise.parts}
    variant = pool.run(make_variant, item, seed)
    piece = variant if part is None else variant.parts[part]
    spec = AnswerSpec.model_validate(piece.answer)
    typed = response(piece) if callable(response) else response
    return pool.check(spec, typed).status, variant


# -- STACK --------------------------------------------------------------------------------------


def test_stack_key_is_the_inputs_teacher_answer_not_the_first_prt_node(pool):
    found = by_id(read("stack.xml", sample("stack.xml"), pool))
    ode = found["separable"]
    assert ode.answer["value"] == "{{ta}}" and ode.answer["forbid"] == ["int", "diff"]
    for seed in (0, 1, 2):
        status, variant = _check(pool, ode, seed, lambda v: v.answer_text)
        assert status == "correct"
        m = variant.values["m"]
        trap, _ = _check(pool, ode, seed, f"-{m}*ln(x) + c")  # the PRT's first node
        assert trap == "incorrect"


def test_stack_random_variables_become_params_and_cas_text_their_values(pool):
    ode = by_id(read("stack.xml", sample("stack.xml"), pool))["separable"]
    assert ode.params["rand"] == {"int": [0, 5]} and ode.params["m"] == {"expr": "{{rand}}+2"}
    assert ode.params["k"] == {"choice": [2, 4, 6, 8]}
    assert ode.params["q"] == {"choice": ["1", "3", "5"]}
    assert "trap" not in ode.params  # only what the question shows or keys is drawn
    assert "{@" not in ode.prompt and "{#" not in ode.prompt and "\\(" not in ode.prompt
    assert "where ${{m}}$ is fixed" in ode.prompt  # outside maths: wrapped in maths once
    assert "\\frac{dy}{d{{{v}}}}" in ode.prompt
    _status, variant = _check(pool, ode, 3, "0")
    assert "{{" not in variant.prompt and f"q = {{{variant.values['q']}}}" in variant.prompt
    assert "\\mathtt{ode2(q,y,x)}" in ode.solution  # not computed: its source, not a hole
    assert ode.hints == ["Separate: divide by ${{v}}$."]


def test_stack_several_inputs_are_parts_and_int_test_wants_the_constant(pool):
    steps = by_id(read("stack.xml", sample("stack.xml"), pool))["two-steps"]
    assert [p["id"] for p in steps.parts] == ["d1", "i1"]
    assert steps.prompt == "Let $f = {{{p}}}$. Differentiate:"
    assert steps.parts[0]["prompt"] == "Your answer:"  # its text opens the stem
    assert steps.parts[1]["prompt"] == "Then integrate ${{p}}$:"  # old-format @p@ too
    assert steps.parts[1]["answer"]["compare"] == "antiderivative"
    status, variant = _check(pool, steps, 1, lambda v: v.answer_text, part=0)
    assert status == "correct"
    a = variant.values["a"]
    assert _check(pool, steps, 1, f"{a}*x^3/3 + C", part=1)[0] == "correct"
    assert _check(pool, steps, 1, f"{a}*x^3/3", part=1)[0] == "incorrect"


def test_stack_untranslatable_questions_are_self_graded_with_one_general_reason(pool):
    parsed = read("stack.xml", sample("stack.xml"), pool)
    found = by_id(parsed)
    assert found["roots"].self_graded and found["exact"].self_graded
    assert ("self-graded", "self-graded: a function with no translation into our answer "
            "grammar", 2) in parsed.reasons()
    assert any(p.where.endswith("(rhs)") for p in parsed.problems)
    assert found["exact"].prompt == "Solve $\\mathtt{ode}$.  …"


def test_stack_choice_input_follows_shuffles_and_appends(pool):
    pick = by_id(read("stack.xml", sample("stack.xml"), pool))["pick-the-derivative"]
    assert pick.answer["value"] == "a" and pick.answer["options"]["d"] == "None of these"
    _status, variant = _check(pool, pick, 0, "a")
    assert "\\cos" in variant.answer["options"]["a"] and "{{" not in variant.answer["options"]["a"]
    assert _check(pool, pick, 0, "a")[0] == "correct"
    assert _check(pool, pick, 0, "b")[0] == "incorrect"


def test_stack_relation_answer_is_typed(pool):
    found = by_id(read("stack.xml", sample("stack.xml"), pool))
    assert found["range"].answer == {"type": "inequality", "value": "{{ta}}"}
    status, variant = _check(pool, found["range"], 2, lambda v: v.answer_text)
    assert status == "correct"


def test_maxima_statements_without_semicolons_and_translation():
    assert statements("a: 1\nb: [1,\n 2]\n/* c: 3; */ d: f(a)\n  + 1") == [
        ("a", "1"), ("b", "[1,\n 2]"), ("d", "f(a)   + 1")]
    assert statements("a: 1;\nassume(x > 0);\nb: 2;") == [("a", "1"), ("b", "2")]
    variables = Variables("n: rand(4)+1; e1: %e^(n*x); l: log(x); s: rand_with_prohib(-3, 3, [0])")
    assert variables.params["e1"].spec == {"expr": "e^({{n}}*x)"}
    assert variables.params["l"].spec == {"expr": "ln(x)"}
    assert variables.params["s"].spec == {"int": [-3, 3]}
    assert variables.conditions({"s": {}}) == ["{{s}} != 0"]
    with pytest.raises(Untranslatable, match="function"):
        variables.expression("solve(x^2 = 1, x)")
    with pytest.raises(Untranslatable, match="construct"):
        variables.expression("'diff(y, x)")


# -- Moodle zips and backups ----------------------------------------------------------------------


def test_moodle_zip_reads_every_xml_file(pool):
    data = _zip({"a.xml": QUIZ.format(name="Same", text="First?"),
                 "b.xml": QUIZ.format(name="Same", text="Second?"),
                 "notes.txt": "not a quiz", "meta.xml": "<info/>"})
    parsed = read("bank.zip", data, pool)
    assert [e.prompt for e in parsed.exercises] == ["First?", "Second?"]
    assert [e.id for e in parsed.exercises] == ["same", "b-same"]  # the second file's clash
    assert parsed.held == 2 and parsed.read_from == "2 Moodle XML files: a.xml, b.xml"
    assert [(p.where, p.severity) for p in parsed.problems] == [("meta.xml", "warning")]


def test_moodle_course_backup_is_refused_with_what_to_export():
    data = _zip({"moodle.xml": "<?xml version='1.0'?><MOODLE_BACKUP><COURSE/></MOODLE_BACKUP>"})
    with pytest.raises(ImportRefused, match="Question bank, choose Export"):
        formats.read("course.zip", data, "moodle", limit=LIMIT)


def test_moodle_matching_is_parts(pool):
    parsed = read("quiz.xml", sample("moodle.xml"), pool)
    match = by_id(parsed)["match"]
    assert [p["answer"]["value"] for p in match.parts] == ["a", "b"]
    assert match.parts[0]["answer"]["options"] == {"a": "Constant", "b": "Linear"}


# -- Numbas ---------------------------------------------------------------------------------------


def test_numbas_older_source_format_gapfill_parts_and_jme(pool):
    parsed = read("legacy.exam", sample("legacy.exam"), pool)
    found = by_id(parsed)
    assert parsed.held == 3 and parsed.read_from == "legacy.exam"
    sums = found["sums-a"]  # `GapFill`, written in capitals
    assert [p["answer"]["type"] for p in sums.parts] == ["number", "expression"]
    assert sums.params["a"] == {"int": [2, 9]} and sums.params["b"] == {"choice": [1, 3, 5]}
    assert "\\var" not in sums.prompt and '"quoted" words stay' in sums.prompt
    status, variant = _check(pool, sums, 4, lambda v: v.answer_text, part=0)
    assert status == "correct"
    total = int(variant.values["a"]) + int(variant.values["b"])
    assert _check(pool, sums, 4, str(total + 1), part=0)[0] == "incorrect"
    power = found["sums-b"]
    assert power.answer == {"type": "expression", "value": "({{a}})x^(({{a}})-1)"}
    assert "x^{{{a}}}" in power.prompt and "which is ${{a}}$ times" in power.prompt
    assert _check(pool, power, 1, lambda v: v.answer_text)[0] == "correct"
    assert found["sums-c"].self_graded  # JME's log is base 10: not translated
    assert "\\mathtt" not in found["sums-c"].prompt.split("Write")[1]


def test_jme_random_ranges_become_draws():
    variables = Variables("")
    for name, jme in [("a", "random(-5..5 except 0)"), ("b", "random(1..9#4)"),
                      ("c", "random(2, 3, 5)"), ("d", "2a + b")]:
        variables.define(name, to_maxima(jme))
    assert [variables.params[k].spec for k in "abcd"] == [
        {"int": [-5, 5]}, {"choice": [1, 5, 9]}, {"choice": ["2", "3", "5"]},
        {"expr": "2*{{a}}+{{b}}"}]
    assert variables.conditions({"a": {}}) == ["{{a}} != 0"]


def test_numbas_source_format_errors_name_the_line():
    with pytest.raises(ImportRefused, match=r"x\.exam:3"):
        numbas_source.load("{\n name: a\n parts: [1 2 }\n}", "x.exam")
    assert numbas_source.load("{A: '''it's'''\n b: [x, 'y']  // note\n}", "x.exam") == {
        "a": "it's", "b": ["x", "y"]}


def test_numbas_json_keys_and_types_in_any_case(pool):
    exam = ('// Numbas version: exam_results_page_options\n{"name": "Cased", "questions": [{'
            '"name": "Q", "parts": [{"type": "NumberEntry", "minValue": "2", "maxValue": '
            '"2"}, {"type": "gapfill", "prompt": "[[0]] then [[1]]", "gaps": [{"type": "jme",'
            ' "answer": "x^2"}, {"type": "jme", "answer": "2x"}]}, {"type": "M_N_X", "choices": '
            '["one"], "answers": ["1", "2"], "matrix": [[1, 0]]}]}]}')
    found = by_id(read("cased.exam", exam.encode(), pool))
    assert found["q-a"].answer == {"type": "number", "value": "2"}
    assert [p["answer"]["value"] for p in found["q-b"].parts] == ["x^2", "2 x"]
    assert found["q-b"].parts[1]["prompt"] == "then"
    assert [p["prompt"] for p in found["q-c"].parts] == ["one"]  # one row is still a part


def test_a_variant_failing_in_the_sandbox_leaves_no_template_behind(pool):
    quiz = ('<quiz><question type="stack"><name><text>Broken</text></name><questiontext>'
            '<text>Find {@ta@}: [[input:ans1]]</text></questiontext><questionvariables><text>'
            'ta: limit(1/x, x)</text></questionvariables><input><name>ans1</name><type>'
            'algebraic</type><tans>ta</tans></input></question></quiz>')
    parsed = read("broken.xml", quiz.encode(), pool)
    broken = parsed.exercises[0]
    assert broken.self_graded and broken.params is None
    assert broken.prompt == "Find $\\mathtt{ta}$:"
    assert parsed.reasons()[0][0] == "self-graded"


def test_numbas_source_format_is_detected_without_its_suffix():
    upload = formats.files.single("exam.txt", sample("legacy.exam"), LIMIT)
    assert formats.detect(upload) == "numbas"


def test_hostile_question_variables_are_refused_not_crashed():
    deep = "a: " + "(" * 5000 + "1" + ")" * 5000
    variables = Variables(deep + "; c: rand(10^9); e: rand_with_step(0, 1000000000000, 2)"
                          "; b: [1, (2]")
    assert variables.params["e"].failure is not None
    assert "nested too deeply" in str(variables.params["a"].failure)
    assert variables.params["b"].failure is not None
    with pytest.raises(Untranslatable):
        variables.expression("a + 1")
    numbas = Variables("")
    numbas.define("my var", "1")
    assert "name" in str(numbas.params["my var"].failure)


def test_stack_import_writes_and_exports_as_a_valid_bank_file(pool, uow, sessions, learner):
    importing.apply(uow, read("stack.xml", sample("stack.xml"), pool), learner)
    with sessions() as session:
        collection = session.scalar(select(orm.Collection))
        row = session.scalar(select(orm.Exercise).where(
            orm.Exercise.global_id.like("%/two-steps")))
        assert row.params["params"]["a"] == {"expr": "{{rand}}+2"}
        assert [p["id"] for p in row.parts] == ["d1", "i1"]
        text = export.export_yaml(session, collection)
    TopicFile.model_validate(list(yaml.safe_load_all(text))[1])
    again = read("export.yaml", text.encode(), pool)
    assert importing.apply(uow, again, learner).unchanged == 6


def test_stack_matrix_and_numerical_inputs(pool):
    quiz = ('<quiz><question type="stack"><name><text>Kinds</text></name><questiontext><text>'
            'A = [[input:m]] and g = [[input:g]]</text></questiontext><questionvariables><text>'
            'ta: matrix([1, 2], [3, 4]); tg: 9.81</text></questionvariables>'
            '<input><name>m</name><type>matrix</type><tans>ta</tans></input>'
            '<input><name>g</name><type>numerical</type><tans>tg</tans></input>'
            '<prt><name>p</name><node><name>0</name><answertest>NumRelative</answertest><sans>g'
            '</sans><tans>tg</tans><testoptions>0.01</testoptions></node></prt>'
            '</question></quiz>')
    kinds = read("kinds.xml", quiz.encode(), pool).exercises[0]
    matrix, number = (p["answer"] for p in kinds.parts)
    assert matrix == {"type": "matrix", "value": "{{ta}}"}
    assert number == {"type": "number", "value": "{{tg}}", "tolerance": {"relative": 0.01}}
    assert _check(pool, kinds, 0, "[[1, 2], [3, 4]]", part=0)[0] == "correct"
    assert _check(pool, kinds, 0, "9.8", part=1)[0] == "correct"
    assert _check(pool, kinds, 0, "9.5", part=1)[0] == "incorrect"


def test_numbas_source_nested_too_deeply_is_refused():
    deep = "{ name: x\n questions: " + "[" * 5000 + "]" * 5000 + "\n}"
    with pytest.raises(ImportRefused, match="nested more than"):
        formats.read("deep.exam", deep.encode(), limit=LIMIT)
