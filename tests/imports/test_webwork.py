"""WeBWorK inside PreTeXt: keys from each blank's own variable, the safe pg-code reader,
shown values filled in, several blanks as parts, and reasons for what cannot be keyed."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest

from app.bank.formats import files, pg, pretext, webwork
from app.bank.formats.answers import read_answers

from .conftest import LIMIT

CORPORA = Path("/work/shared/corpora/pretext")


def book(*exercises: str, extra: dict[str, bytes] | None = None):
    text = ("<pretext><book xml:id='b'><title>B</title><chapter xml:id='ch'><title>C</title>"
            "<exercises>" + "".join(exercises) + "</exercises></chapter></book></pretext>")
    upload = files.Upload(name="b.zip", files={"main.ptx": text.encode(), **(extra or {})},
                          main="main.ptx")
    return pretext.parse(upload)


def reader(code: str, seed: int = 1) -> dict:
    return pg.Reader(random.Random(seed)).run(code)


# -- the reader ------------------------------------------------------------------------------------


def test_reader_arithmetic_strings_and_constructors():
    values = reader("""
        Context("Numeric");
        $a = 3; $b = -2;
        $c = $a + $b * 4;            # -5
        $f = Formula("$a x^2 + $b x")->reduce;
        $g = Compute("sqrt($a)");
        $h = Fraction(6, 8);
        @list = (1..4);
        $third = $list[2];
        ($p, $q) = (7, 8);
        $q = 9 if $p > 5;
        $p = 0 unless $p > 5;
        $r = Round(2.346, 2) + floor(-1.5);
        %sign = ('\\lt' => '<', gt => '>');
        $gt = $sign{gt} . $sign{'\\lt'};
        $ref = [5, 6];
        $six = $ref->[1];
        $poly = Formula("2 x^2 - 3(x + 1) + |x - 5| / sqrt(4)");
        $at = $poly->eval(x => -1);
        if ($at > 4) { $big = 1; } elsif ($at > 2) { $big = 2; } else { $big = 3; }
        for my $i (0..2) { $sq[$i] = $i * $i; }
        $last = $sq[2];
        $row = join(",", map { "$sq[$_]" } (0..2));
        $root = sqrt(2);
        $irrational = 1 if sqrt(8) != int(sqrt(8));
        $n = 1; while ($n < 50) { $n = $n * 3; }
        $count = scalar(@{[4, 5, 6]});
        $who = randomPerson(); $pronoun = $who->Subject . " " . $who->possessive;
        $s = 'no $interp';
    """)
    assert values["c"] == pg.Num(pg.Fraction(-5))
    assert values["f"] == pg.Maths("3 x^2 + (-2) x")
    assert values["g"] == pg.Maths("sqrt(3)")
    assert values["h"] == pg.Num(pg.Fraction(3, 4), exact=True)
    assert values["third"] == pg.Num(pg.Fraction(3)) and values["q"] == pg.Num(pg.Fraction(9))
    assert values["p"] == pg.Num(pg.Fraction(7))
    assert values["r"] == pg.Num(pg.Fraction("0.35"))
    assert values["gt"] == pg.Text("><") and values["six"] == pg.Num(pg.Fraction(6))
    assert values["at"] == pg.Num(pg.Fraction(5))
    assert values["big"] == pg.Num(pg.Fraction(1)) and values["last"] == pg.Num(pg.Fraction(4))
    assert values["row"] == pg.Text("0,1,4")
    assert values["root"].approx and pg.num_text(values["root"]) == "1.41421"
    assert values["irrational"] == pg.Num(pg.Fraction(1))
    assert values["n"] == pg.Num(pg.Fraction(81)) and values["count"] == pg.Num(pg.Fraction(3))
    assert values["pronoun"] == pg.Text("They their")
    assert values["s"] == pg.Text("no $interp")


def test_reader_randoms_stay_in_range_and_loops_meet_their_condition():
    for seed in range(20):
        values = reader("""
            $a = random(2, 10, 2);
            $cents = random(-30, 30, 0.05);
            $n = non_zero_random(-1, 1);
            $w = list_random('up', 'down');
        $letter = list_random('a'..'z');
            do { $b = random(1, 3); $c = random(1, 3); } until ($b != $c);
        """, seed)
        assert values["a"].value in {2, 4, 6, 8, 10}
        assert -30 <= values["cents"].value <= 30 and (values["cents"].value * 20).denominator == 1
        assert values["n"].value in {-1, 1}
        assert values["w"] in (pg.Text("up"), pg.Text("down"))
        assert values["letter"] not in (pg.Text("e"), pg.Text("i"))
        assert values["b"] != values["c"]


def test_reader_marks_what_it_cannot_follow_and_what_depends_on_it():
    values = reader("""
        $a = mystery(3);
        $b = $a + 1;
        if (mystery()) { $c = 1; } else { $c = 2; }
        $d = 10 / 0;
        $e = (-2) ** 0.5;
        system("rm -rf /");
        $f = 4;
    """)
    for name in "abcde":
        assert isinstance(values[name], pg.Unknown), name
    assert values["f"] == pg.Num(pg.Fraction(4))


def test_reader_survives_hostile_code():
    values = reader("$a = 9" + "9" * 60 + "; $b = " + "(" * 600 + "1" + ")" * 600
                    + "; $c = 1e99999; $d = 2; if ($d) ")
    assert all(isinstance(values[name], pg.Unknown) for name in "abc")
    assert values["d"] == pg.Num(pg.Fraction(2))


@pytest.mark.parametrize("code", [
    "$a = 10; " + "$a = $a ** 60; " * 8,
    "$s = 'xxxxxxxxxx'; " + "$s = $s . $s; " * 40,
    "do { do { do { do { $i = 1; } until (0); } until (0); } until (0); } until (0);",
    "@l = (1..1000); @m = map { $x = $_; map { $_ * $x } @l } @l;",
])
def test_reader_stops_growth_and_long_runs(code):
    started = time.perf_counter()
    values = reader(code + " $done = 1;")
    assert time.perf_counter() - started < 5
    assert any(isinstance(v, pg.Unknown) for v in values.values())


# -- problems in a book ----------------------------------------------------------------------------

FUNCTION_AND_ANSWER = """
<exercise xml:id="ww-deriv"><webwork seed="3">
  <pg-code>
    $a = random(2, 9, 1);
    $f = Formula("$a x^2");
    $ans = Formula("2*$a x");
  </pg-code>
  <statement><p>Differentiate <m>f(x) = <var name="$f"/></m>.</p>
    <p><var name="$ans" width="10"/></p></statement>
  <solution><p>With <m>a = <var name="$a"/></m>, <m><var name="$ans"/></m>.</p></solution>
</webwork></exercise>"""


def test_key_is_the_blank_variable_not_the_function():
    exercise = book(FUNCTION_AND_ANSWER).exercises[0]
    a = int(exercise.prompt.split("= ")[1].split(" ")[0].split("x")[0])
    assert exercise.answer == {"type": "auto", "value": f"2*{a} x"}
    assert exercise.prompt.startswith(f"Differentiate $f(x) = {a} x^{{2}}$.")
    assert "\\_\\_\\_\\_" in exercise.prompt
    assert f"$a = {a}$" in exercise.solution


@pytest.mark.parametrize("written, tidy, shown", [
    ("(1/3) X + (-1/2) y", "(1/3) X - (1/2) y", "\\frac{1}{3} X - \\frac{1}{2} y"),
    ("5 + -3 x", "5 - 3 x", "5 - 3 x"),
    ("2 - (-3)^2", "2 - (-3)^2", "2 - (-3)^{2}"),
    ("1 x + abs(1 y)", "1 x + abs(1 y)", "x + \\left|y\\right|"),
])
def test_interpolated_signs_tidied_and_shown(written, tidy, shown):
    assert webwork.key_text(pg.Maths(written)) == tidy
    assert webwork.formula_tex(written) == shown


def test_copy_is_the_same_problem_with_its_own_draw():
    copies = "".join(f'<exercise xml:id="c{i}"><webwork copy="ww-one" seed="{i}"/></exercise>'
                     for i in range(8))
    parsed = book('<exercise xml:id="one"><webwork xml:id="ww-one"><pg-code>'
                  "$n = random(1, 1000);</pg-code><statement><p>Type <m><var name='$n'/></m>."
                  "</p><p><var name='$n' width='4'/></p></statement></webwork></exercise>",
                  copies)
    keys = {e.id: e.answer["value"] for e in parsed.exercises}
    assert len(keys) == 9 and len(set(keys.values())) > 1
    assert all(f"${e.answer['value']}$" in e.prompt for e in parsed.exercises)


def test_several_blanks_become_labelled_parts():
    exercise = book("""
<exercise xml:id="two"><webwork><pg-code>$x = 2; $y = Compute("$x + 1");</pg-code>
  <statement><p>Solve the system.</p><p><m>x =</m> <var name="$x" width="3"/></p>
    <p><m>y =</m> <var name="$y" width="3"/></p></statement>
  <hint><p>Substitute.</p></hint></webwork></exercise>""").exercises[0]
    assert exercise.answer == {}
    assert [p["id"] for p in exercise.parts] == ["a", "b"]
    assert [p["answer"]["value"] for p in exercise.parts] == ["2", "2 + 1"]
    assert exercise.parts[0]["prompt"] == "$x =$ \\_\\_\\_\\_ (a)"
    assert exercise.parts[0]["hints"] == ["Substitute."] and not exercise.hints
    assert "(b)" in exercise.prompt


def test_a_problem_in_tasks_has_one_part_per_blank():
    exercise = book("""
<exercise xml:id="tk"><webwork><pg-code>$a = 3;</pg-code>
  <introduction><p>Let <m>a = <var name="$a"/></m>.</p></introduction>
  <task><statement><p>Double it: <var name="2*$a" width="3"/></p></statement>
    <hint><p>Add it to itself.</p></hint></task>
  <task><statement><p>Square it: <var name="$a**2" width="3"/></p></statement></task>
</webwork></exercise>""").exercises[0]
    assert exercise.prompt.startswith("Let $a = 3$.")
    assert [p["answer"]["value"] for p in exercise.parts] == ["6", "9"]
    assert exercise.parts[0]["hints"] == ["Add it to itself."]


def test_quoted_names_perl_free_problems_and_tolerance():
    parsed = book("""
<exercise xml:id="q"><webwork><statement><p><m>1+2=</m><var name="'3'" width="5"/></p>
  </statement></webwork></exercise>
<exercise xml:id="t"><webwork><pg-code>$p = 90/1.17;</pg-code>
  <statement><p>Price: <var name="$p" width="5"/></p></statement></webwork></exercise>""")
    quoted, tolerant = parsed.exercises
    assert quoted.answer == {"type": "auto", "value": "3"}
    assert tolerant.answer == {"type": "auto", "value": "1000/13",
                               "tolerance": {"relative": 0.001}}


def test_unkeyable_blank_is_self_graded_with_prompt_filled_and_holes_are_skipped():
    parsed = book("""
<exercise xml:id="u"><webwork><pg-code>$a = 4; $ans = mystery(1, 2);</pg-code>
  <statement><p>With <m>a=<var name="$a"/></m>: <var name="$ans" width="5"/></p></statement>
</webwork></exercise>
<exercise xml:id="h"><webwork><pg-code>$f = mystery();</pg-code>
  <statement><p>Simplify <m><var name="$f"/></m>.</p><p><var name="'1'" width="2"/></p>
  </statement></webwork></exercise>
<exercise xml:id="s"><webwork source="Library/x.pg"/></exercise>
<exercise xml:id="e"><webwork><pg-code>$empty = "";</pg-code>
  <statement><p><var name="$empty" width="2"/></p></statement></webwork></exercise>""")
    graded, empty = parsed.exercises
    assert graded.self_graded and "$a=4$" in graded.prompt and empty.self_graded
    reasons = {message: count for _, message, count in parsed.reasons()}
    assert reasons == {
        "self-graded: a WeBWorK answer blank whose value pg-code reading cannot compute": 2,
        "the statement shows a WeBWorK value computed by pg-code this reader cannot follow": 1,
        "a WeBWorK problem kept on a server (source=...) cannot be read from the book": 1}
    assert [p.where for p in parsed.problems if p.severity == "skipped"][0].startswith("main.ptx")


def test_multianswer_blanks_take_its_answers_in_turn_and_units_show_after_the_blank():
    exercise = book("""
<exercise xml:id="ma"><webwork><pg-code>
  $m = MultiAnswer(Compute("2"), Compute("-2"))->with(singleResult => 1);
  $open = Compute("1")->cmp(checker => sub { my ($c, $s) = @_; return 1; });
  $d = NumberWithUnits(12, "ft");
  $t = FormulaWithUnits("(-5/2) s");</pg-code>
  <statement><p><m>x^2 = 4</m>: <var name="$m" width="3"/> or <var name="$m" width="3"/>;
  length <var name="$d" width="4"/>, <var name="$t" width="4"/></p></statement>
  </webwork></exercise>""").exercises[0]
    assert [p["answer"]["value"] for p in exercise.parts] == ["2", "-2", "12", "-2.5"]
    assert isinstance(reader("$o = Compute('1')->cmp(checker => sub { @{$s}; });")["o"],
                      pg.Unknown)
    assert "\\_\\_\\_\\_ $\\text{ft}$ (c)" in exercise.prompt


def test_menus_are_choices_and_relations_are_keys():
    exercise = book("""
<exercise xml:id="m"><webwork><pg-code>$yes = PopUp(['?', 'is', 'is not'], 2);
  $line = LinearRelation("y = 2x + 1");</pg-code>
  <statement><p>3 <var name="$yes" form="popup"/> a solution.</p>
  <p><var name="$line" width="9"/></p></statement></webwork></exercise>""").exercises[0]
    menu, line = (p["answer"] for p in exercise.parts)
    assert menu == {"type": "choice", "options": {"1": "is", "2": "is not"}, "value": ["2"]}
    assert line == {"type": "auto", "value": "y = 2x + 1"}


def test_static_versions_from_the_representations_file():
    reps = b"""<webwork-representations><webwork-reps ww-id="st" xml:id="extracted-st">
      <static seed="1"><statement><p>Compute <m>2+5</m>. <fillin name="AnSwEr0001"/></p>
      </statement><answer><p><m>7</m></p></answer></static></webwork-reps>
    </webwork-representations>"""
    parsed = book('<exercise xml:id="st"><webwork><pg-code>$a = mystery();</pg-code>'
                  '<statement><p><m><var name="$a"/></m> <var name="$a" width="3"/></p>'
                  "</statement></webwork></exercise>",
                  extra={"generated/webwork/webwork-representations.xml": reps})
    [exercise] = parsed.exercises
    assert exercise.answer == {"type": "auto", "value": "7"}
    assert exercise.prompt == "Compute $2+5$. \\_\\_\\_\\_"


def test_a_broken_representations_file_is_passed_over():
    parsed = book(FUNCTION_AND_ANSWER, extra={"webwork-representations.xml": b"<webwork-rep"})
    assert parsed.exercises[0].answer["value"].startswith("2*")


def test_keys_and_parts_verify_in_the_checker_pool(pool):
    parsed = book(FUNCTION_AND_ANSWER, """
<exercise xml:id="two"><webwork><pg-code>$x = Fraction(1, 2); $y = Formula("$x t");</pg-code>
  <statement><p><var name="$x" width="3"/></p><p><var name="$y" width="3"/></p></statement>
</webwork></exercise>""")
    items = [{"answer": e.answer, "exercise": None} for e in parsed.exercises[:1]]
    items += [{"answer": p["answer"], "exercise": None} for p in parsed.exercises[1].parts]
    outcomes = pool.run(read_answers, items)
    assert [spec["type"] for spec, _ in outcomes] == ["expression", "number", "expression"]


# -- the shared books ------------------------------------------------------------------------------


HOLE = re.compile(r"\(\s+\)|\\to\s*\}|(?<!\$)\$\s+\$(?!\$)")
"""What an unfilled <var> leaves: `( )`, `x \\to }`, `$ $`."""


@pytest.mark.slow
@pytest.mark.skipif(not CORPORA.is_dir(), reason="the shared PreTeXt corpora are not here")
def test_corpus_orcca_webwork_keyed_parts_and_no_holes(monkeypatch):
    upload = files.single("orcca.zip", (CORPORA / "orcca.zip").read_bytes(), 10 * LIMIT)
    upload.main = "src/orcca.ptx"
    made: list = []
    original = pretext.Book._webwork

    def counted(book, *args):
        before = len(book.parsed.exercises)
        original(book, *args)
        made.extend(book.parsed.exercises[before:])

    monkeypatch.setattr(pretext.Book, "_webwork", counted)
    parsed = pretext.parse(upload)
    keyed = [e for e in made if not e.self_graded]
    assert len(keyed) > 650 and sum(1 for e in keyed if e.parts) > 100
    assert [e.id for e in made if HOLE.search(e.prompt) or "<var" in e.prompt] == []
    assert {m for _, m, _ in parsed.reasons()} >= {
        "a WeBWorK problem kept on a server (source=...) cannot be read from the book"}


def test_a_statement_that_needs_a_graph_webwork_draws_is_skipped():
    blank = '<p><var name="$ans"'
    graph = FUNCTION_AND_ANSWER.replace(blank, '<image pg-name="$gr"/>' + blank)
    parsed = book(graph)
    assert not parsed.exercises
    assert any("graph WeBWorK draws" in p.message and p.severity == "skipped"
               for p in parsed.problems)
