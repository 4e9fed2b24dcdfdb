"""`gyrus answer`, single and batch (DESIGN §3): one JSON result per answer, in input order."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from app.cli import main

SPEC = {"type": "expression", "value": "2*x"}


def answer(*args: str, stdin: str | bytes | None = None) -> tuple[int, list[dict]]:
    result = CliRunner().invoke(main, ["answer", "--workers", "2", *args], input=stdin)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return result.exit_code, lines


@pytest.mark.parametrize(
    ("response", "status"), [("2x", "correct"), ("3x", "incorrect"), ("2x(", "invalid")]
)
def test_one_answer_prints_one_result(response, status):
    code, lines = answer("--spec", json.dumps(SPEC), "--response", response)
    assert code == 0
    assert len(lines) == 1
    assert lines[0]["status"] == status
    assert set(lines[0]) == {"status", "message", "latex", "notes", "elapsed_ms"}


def test_the_result_has_entries_and_a_diagnosis_where_they_apply():
    """DESIGN §3: `entries` for structured answers, `diagnosis` for a recognised mistake."""
    matrix = {"type": "matrix", "value": "[[1, 2], [3, 4]]"}
    code, lines = answer("--spec", json.dumps(matrix), "--response", "[[1, 3], [2, 4]]")
    assert code == 0
    assert lines[0]["status"] == "incorrect"
    assert lines[0]["entries"] == {"wrong": [[1, 2], [2, 1]], "right": 2, "of": 4}
    assert lines[0]["diagnosis"] == {"code": "transpose",
                                     "message": "Your answer is the transpose of a correct one."}
    rows = [{"id": "sign", "spec": SPEC, "response": "-2x"},
            {"id": "vector", "spec": {"type": "vector", "value": "[1, 2]"}, "response": "[1, 3]"},
            {"id": "close", "spec": {"type": "number", "value": "1/6"}, "response": "0.1667"}]
    code, lines = answer("--batch", stdin="".join(json.dumps(r) + "\n" for r in rows))
    sign, vector, close = lines
    assert sign["diagnosis"]["code"] == "sign" and "entries" not in sign
    assert vector["entries"] == {"wrong": [[2]], "right": 1, "of": 2}
    assert "diagnosis" not in vector
    assert close["status"] == "invalid" and close["message"].startswith("Close")
    assert "diagnosis" not in close and "entries" not in close


def test_a_bad_spec_is_an_invalid_result_that_says_why():
    code, lines = answer("--spec", '{"type": "expression"}', "--response", "2x")
    assert code == 0
    assert lines[0]["status"] == "invalid"
    assert "needs a value" in lines[0]["message"]
    code, lines = answer("--spec", "{not json", "--response", "2x")
    assert lines[0]["status"] == "invalid" and "not JSON" in lines[0]["message"]


def test_answer_needs_a_spec_and_a_response_or_batch():
    assert CliRunner().invoke(main, ["answer"]).exit_code == 2
    assert CliRunner().invoke(main, ["answer", "--spec", "{}"]).exit_code == 2
    assert CliRunner().invoke(main, ["answer", "--batch", "--response", "x"]).exit_code == 2


BATCH = [
    json.dumps({"id": "a", "spec": SPEC, "response": "2x"}),
    "this is not json",
    json.dumps({"id": 2, "response": "2x"}),
    "",
    json.dumps({"id": 3, "spec": {"type": "expression"}, "response": "2x"}),
    json.dumps({"id": {"n": 4}, "spec": SPEC, "response": "3x"}),
    json.dumps({"id": 5, "spec": SPEC, "response": "2x"}) + " trailing garbage",
    json.dumps([1, 2]),
    json.dumps({"id": 7, "spec": SPEC, "response": 12}),
    json.dumps({"id": None, "spec": SPEC, "response": "2x(", "extra": "ignored"}),
]


def test_batch_keeps_order_echoes_ids_and_never_stops_on_a_bad_line():
    stdin = ("\n".join(BATCH) + "\n").encode() + b'{"id": 8, "response": "\xff"}\n'
    code, lines = answer("--batch", stdin=stdin)
    assert code == 0
    assert [line["id"] for line in lines] == ["a", None, 2, 3, {"n": 4}, 5, None, 7, None, None]
    bad = {i: lines[i] for i in (1, 2, 3, 5, 6, 7, 9)}
    assert all(line["status"] == "invalid" for line in bad.values())
    assert "line 2: not JSON" in bad[1]["message"]
    assert "line 3: missing 'spec'" in bad[2]["message"]
    assert "line 5: the spec is not valid" in bad[3]["message"]
    assert "line 7: not JSON" in bad[5]["message"]
    assert "line 8: expected a JSON object" in bad[6]["message"]
    assert "'response' must be a string" in bad[7]["message"]
    assert "line 11: not UTF-8" in bad[9]["message"]


def test_batch_checks_the_good_lines():
    code, lines = answer("--batch", stdin="\n".join(BATCH) + "\n")
    assert [lines[i]["status"] for i in (0, 4, 8)] == ["correct", "incorrect", "invalid"]


@pytest.mark.slow
def test_batch_of_many_lines_through_the_installed_entry_point():
    rows = [{"id": i, "spec": SPEC, "response": "2x" if i % 2 else "3x"} for i in range(40)]
    stdin = "".join(json.dumps(row) + "\n" for row in rows)
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", "answer", "--batch", "--workers", "2"],
        input=stdin, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["id"] for line in lines] == list(range(40))
    assert [line["status"] for line in lines] == [
        "correct" if i % 2 else "incorrect" for i in range(40)
    ]
