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
from app.bank.formats.model import ParsedImport  # noqa: E402
from app.checking.compare.spec import AnswerSpec  # noqa: E402
from app.checking.pool import CheckerPool  # noqa: E402

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
    "unnumbered reference": re.compile(rf"\b(?:{'|'.join(BLOCK_NAMES)})\b(?!\s*\(?[0-9A-Z])"),
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


def wrong_answer(value: str) -> str:
    """A response that must not check: the first integer in the answer plus one (so matrices,
    vectors and equations change in one entry), else the whole answer plus one."""
    match = re.search(r"(?<![\\A-Za-z_^])\d+", value)
    if match:
        return value[:match.start()] + str(int(match.group()) + 1) + value[match.end():]
    return f"({value}) + 1"


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
    """On `sample` seeded checkable exercises (after verification), the book's own answer and a
    changed one, checked by the project's checker."""
    checkable = [e for e in parsed.exercises if not e.self_graded and not e.parts]
    chosen = random.Random(seed).sample(checkable, min(sample, len(checkable)))
    trials = []
    for exercise in chosen:
        spec = AnswerSpec.model_validate(exercise.answer)
        value = str(spec.value)
        wrong = wrong_answer(value)
        trials.append(Trial(exercise.id, spec.type, value, pool.check(spec, value).status,
                            pool.check(spec, wrong).status))
    return trials


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
