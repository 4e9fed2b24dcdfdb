#!/usr/bin/env python3
"""What an imported book still shows raw, and whether its own answers check: issue 19's audit
of the PreTeXt importer's markup and keys, on the shared corpora.

    python bench/markup_audit.py [--books ula orcca active-calculus] [--sample 30] [--seed 19]

`raw_markup` finds holes and raw markup in a prompt, hint or solution (target: none);
`answer_trials` checks, on a seeded sample of checkable exercises, that the book's own answer
checks Correct and a changed one Incorrect, with the project's checker in its sandboxed pool.
Both are functions so `bench/import_corpora.py` can print them next to its counts.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.bank import formats, importing  # noqa: E402
from app.bank.formats import pretext  # noqa: E402
from app.bank.formats.answers import UNPARSED, read_answers  # noqa: E402
from app.bank.formats.model import AUTO, ParsedImport  # noqa: E402
from app.bank.formats.pretext_markup import reading  # noqa: E402
from app.bank.formats.pretext_source import main_file  # noqa: E402
from app.bank.formats.xml import local  # noqa: E402
from app.checking.compare.spec import AnswerSpec  # noqa: E402
from app.checking.pool import CheckerPool  # noqa: E402

UNKEYED = (*UNPARSED, AUTO)
CORPORA = ROOT.parent / "shared" / "corpora" / "pretext"
LIMIT = 200 * 1024 * 1024
BLOCK_NAMES = ("Figure", "Table", "Exercise", "Activity", "Example", "Definition", "Section",
               "Chapter", "Subsection", "Equation")
"""Names an `xref` shows before its number (not "Theorem": "the Pythagorean Theorem")."""

RAW = {
    "\\amp": re.compile(r"\\amp(?![a-zA-Z])"),
    "<tag": re.compile(r"</?[a-z][a-z-]*(?:\s+[a-z:-]+\s*=|\s*/?>)"),
    "TikZ": re.compile(r"\\(?:draw|node|fill|path|addplot|tikzset|begin\{(?:tikzpicture|axis)\})"
                       r"(?![a-zA-Z])"),
    "[image]": re.compile(r"\[image\]"),
    "unnumbered reference": re.compile(  # a table's column named "Equation" is no reference
        rf"(?<!\| )\b(?:{'|'.join(BLOCK_NAMES)})\b(?!\s*\(?[0-9A-Z])"),
    "{{": re.compile(r"\{\{"),
}

_ANYWHERE = ("\\amp", "TikZ")
"""Raw wherever it is; the other kinds only outside maths (`{{\\mathbf v}}`, `x<y` are TeX)."""
_MATHS = re.compile(r"\$\$(.*?)\$\$|(?<!\\)\$(.*?)(?<!\\)\$", re.S)


def raw_markup(text: str, macros: set[str]) -> list[str]:
    """The kinds of hole or raw markup in `text`; `macros` are the book's macro names."""
    words = _MATHS.sub(" ", text)
    found = [kind for kind, pattern in RAW.items()
             if pattern.search(text if kind in _ANYWHERE else words)]
    if any(not (m.group(1) or m.group(2) or "").strip() for m in _MATHS.finditer(text)):
        found.append("empty maths")
    if any(re.search(re.escape(name) + r"(?![a-zA-Z])", text) for name in macros):
        found.append("book macro")
    return found


@dataclass
class Finding:
    exercise: str
    field: str
    kinds: list[str]
    excerpt: str


def audit_markup(parsed: ParsedImport, macro_names: set[str]) -> list[Finding]:
    """Every prompt, hint and solution (and part) of `parsed` that still holds raw markup."""
    findings = []
    for exercise in parsed.exercises:
        texts = [("prompt", exercise.prompt), ("solution", exercise.solution),
                 *(("hint", h) for h in exercise.hints)]
        for part in exercise.parts or []:
            texts += [("part prompt", str(part.get("prompt", ""))),
                      ("part solution", str(part.get("solution", "")))]
        for field, text in texts:
            kinds = raw_markup(text, macro_names)
            if kinds:
                findings.append(Finding(exercise.id, field, kinds, _excerpt(text, kinds,
                                                                            macro_names)))
    return findings


def _excerpt(text: str, kinds: list[str], macros: set[str]) -> str:
    """Text around the first finding of the first kind."""
    patterns = {**RAW, "empty maths": re.compile(r"(?<![\\$])\$\s+\$|\$\$\s*\$\$"),
                "book macro": re.compile("|".join(re.escape(m) for m in macros) or "$^")}
    match = patterns[kinds[0]].search(text)
    start = max(0, match.start() - 40) if match else 0
    return " ".join(text[start:start + 100].split())


def book_macro_names(parsed: ParsedImport) -> set[str]:
    return set(parsed.macros)


def wrong_answer(value: str, kind: str = "equation") -> str:
    """A response that must not check: an equation's right side plus one; else the first
    integer (not an index or power) plus one, so a matrix changes in one entry; else twice a
    matrix, or the whole answer plus one."""
    if kind == "equation" and value.count("=") == 1:
        left, right = value.split("=")
        return f"{left}= ({right.strip()}) + 1"
    match = next((m for m in re.finditer(r"\d+", value)
                  if not re.search(r"([\\A-Za-z_^.]|[_^]\{)$", value[:m.start()])), None)
    if match:
        return value[:match.start()] + str(int(match.group()) + 1) + value[match.end():]
    return f"2{value}" if value.startswith("\\begin") else f"({value}) + 1"


@dataclass
class Trial:
    exercise: str
    type: str
    value: str
    own: str
    wrong: str

    @property
    def good(self) -> bool:
        return self.own == "correct" and self.wrong == "incorrect"


def answer_trials(parsed: ParsedImport, pool: CheckerPool, sample: int = 30,
                  seed: int = 19) -> list[Trial]:
    """On `sample` seeded checkable exercises or parts (after verification), the book's own
    answer and a changed one, checked by the project's checker."""
    keyed = [(e.id, e.answer) for e in parsed.exercises if not e.self_graded and not e.parts]
    keyed += [(f"{e.id}/{part.get('id')}", part["answer"]) for e in parsed.exercises
              for part in e.parts or [] if part.get("answer", {}).get("type") not in UNKEYED]
    return _trials(keyed, pool, sample, seed)


def _trials(keyed: list[tuple[str, dict]], pool: CheckerPool, sample: int,
            seed: int) -> list[Trial]:
    trials = []
    for ident, answer in random.Random(seed).sample(keyed, min(sample, len(keyed))):
        spec = AnswerSpec.model_validate(answer)
        value = str(spec.value)
        wrong = wrong_answer(value, spec.type)
        trials.append(Trial(ident, spec.type, value, pool.check(spec, value).status,
                            pool.check(spec, wrong).status))
    return trials


def answer_items(name: str, pool: CheckerPool, main: str | None, sample: int = 30,
                 seed: int = 19) -> tuple[Counter, list[Trial]]:
    """Every `answer` of the book's exercises, item by item (each `li` of an answer list, as
    the parts of a list exercise would be), read as the importer reads one answer: what the
    grammar makes of them, and a seeded sample checked like `answer_trials`."""
    data = (CORPORA / f"{name}.zip").read_bytes()
    upload = formats.files.single(f"{name}.zip", data, LIMIT)
    upload.main = main or main_file(upload).path
    document = pretext._load(upload, upload.main, [])
    document.reindex()
    values = []
    with reading(document):
        for answer in document.root.iter():
            if local(answer.tag) != "answer":
                continue
            items = [li for li in answer.iter() if local(li.tag) == "li"] or [answer]
            values += [v for v in map(pretext.single_expression, items) if v]
    items = [{"answer": pretext.answer_spec(v)} for v in values]
    outcomes = [outcome for start in range(0, len(items), 100)
                for outcome in pool.run(read_answers, items[start:start + 100])]
    kinds: Counter = Counter()
    keyed = []
    for value, (spec, problem) in zip(values, outcomes, strict=True):
        kinds[spec["type"] if spec else problem.split(":")[0]] += 1
        if spec:
            keyed.append((value[:40], spec))
    return kinds, _trials(keyed, pool, sample, seed)


def read_book(name: str, main: str | None = None) -> ParsedImport:
    """A shared corpus book, parsed (not yet verified); `main` overrides the main file."""
    data = (CORPORA / f"{name}.zip").read_bytes()
    upload = formats.files.single(f"{name}.zip", data, LIMIT)
    upload.main = main or upload.main
    return formats.read_upload(upload, "pretext")


def report(name: str, pool: CheckerPool, sample: int, seed: int, main: str | None) -> None:
    parsed = read_book(name, main)
    macros = book_macro_names(parsed)
    findings = audit_markup(parsed, macros)
    counted = Counter(kind for f in findings for kind in f.kinds)
    print(f"== {name}: {len(parsed.exercises)} exercises, {len(findings)} texts with raw "
          f"markup in {len({f.exercise for f in findings})} exercises")
    for kind, count in counted.most_common():
        print(f"   {kind}: {count}")
    for finding in findings:
        print(f"   {finding.exercise} [{finding.field}] {', '.join(finding.kinds)}: "
              f"{finding.excerpt}")
    importing.finish(parsed, pool.run, "imported")
    counts = parsed.counts()
    print(f"-- {name}: {counts['checkable']} checkable, {counts['self_graded']} self-graded")
    for severity, message, count in parsed.reasons()[:12]:
        print(f"   {count:4d} {severity}: {message[:110]}")
    trials = answer_trials(parsed, pool, sample, seed)
    good = sum(t.good for t in trials)
    print(f"-- {name}: {good} of {len(trials)} sampled checkable exercises: own answer Correct "
          "and a changed one Incorrect")
    _print_trials(trials)
    kinds, item_trials = answer_items(name, pool, main, sample, seed)
    print(f"-- {name}: every answer item read as one answer: {dict(kinds.most_common())}")
    print(f"   {sum(t.good for t in item_trials)} of {len(item_trials)} sampled readable items: "
          "own answer Correct and a changed one Incorrect")
    _print_trials(item_trials)


def _print_trials(trials: list[Trial]) -> None:
    for trial in trials:
        mark = "ok " if trial.good else "BAD"
        print(f"   {mark} {trial.exercise} ({trial.type}) own={trial.own} wrong={trial.wrong}: "
              f"{trial.value[:80]}")


MAINS = {"ula": "src/ula.xml", "orcca": "src/orcca.ptx", "active-calculus": "source/main.ptx"}
"""Each book's default target (from its project.ptx), until the importer reads it itself."""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--books", nargs="*", default=list(MAINS))
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--auto-main", action="store_true",
                        help="let the importer choose the main file")
    args = parser.parse_args()
    if not CORPORA.is_dir():
        sys.exit(f"no corpora at {CORPORA}")
    with CheckerPool(workers=2, timeout=10.0) as pool:
        for name in args.books:
            report(name, pool, args.sample, args.seed, None if args.auto_main else MAINS[name])


if __name__ == "__main__":
    main()
