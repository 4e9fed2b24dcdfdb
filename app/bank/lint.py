"""`gyrus bank lint`: everything an author must fix before a file is published (DESIGN §5).

Three layers of checks, each a list of small functions, so a stricter rule (more seeds, KaTeX
macros) is one more function or a different constant:

- file checks: the schema (with line numbers), the file's place, theory and examples, Markdown;
- bank checks: unique topics and ids, prerequisites that name a topic;
- exercise checks, per variant (one for a plain exercise, `seeds` for a parameterised one): the
  variant generates, its reference parses and checks correct against itself, and every `wrong`
  value checks incorrect; then the variants must not all be the same.

The per-variant work runs through a `runner` (`runner(fn, *args)`): in process by default, or
`CheckerPool.run` so an untrusted file's author expressions stay in the sandbox.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.bank.loader import bank_files, structure_problems
from app.bank.markdown import render_markdown
from app.bank.schema import Exercise, FileError, TopicFile, line_of, load_file
from app.bank.variants import READ_TYPES, Variant, VariantError, make_variant
from app.checking.compare.result import CheckResult
from app.checking.compare.spec import AnswerSpec
from app.checking.grammar.names import AUTHOR_OPS, CONSTANTS, FUNCTIONS

SEEDS = 50
"""Variants generated and checked per parameterised exercise."""

Runner = Callable[..., Any]


@dataclass(frozen=True)
class Problem:
    """One thing to fix. `error` problems fail the lint; warnings fail it only when strict."""

    path: str
    line: int | None
    where: str
    message: str
    error: bool = True

    def __str__(self) -> str:
        place = f"{self.path}:{self.line}" if self.line else self.path
        kind = "" if self.error else "warning: "
        return f"{place}: {kind}{self.where + ': ' if self.where else ''}{self.message}"


@dataclass
class LintReport:
    """The problems found and what the files hold (for the counts an author wants to see)."""

    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    exercises: int = 0
    parameterised: int = 0
    by_subject: Counter[str] = field(default_factory=Counter)
    by_topic: Counter[str] = field(default_factory=Counter)
    by_type: Counter[str] = field(default_factory=Counter)
    strict: bool = False

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.error or self.strict]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        share = self.parameterised / self.exercises if self.exercises else 0.0
        lines = [f"{self.files} files, {self.exercises} exercises, {self.parameterised} "
                 f"parameterised ({share:.0%})"]
        lines += ["subjects:"] + [f"  {n_}: {n}" for n_, n in sorted(self.by_subject.items())]
        lines += ["topics:"] + [f"  {name}: {n}" for name, n in sorted(self.by_topic.items())]
        lines += ["answer types:"] + [f"  {name}: {n}" for name, n in self.by_type.most_common()]
        verdict = "OK" if self.ok else f"{len(self.errors)} problem(s)"
        return "\n".join(lines + [verdict])


@dataclass(frozen=True)
class Located:
    """A validated file with its composed YAML, for the line of anything inside it."""

    path: Path
    topic: TopicFile
    root: yaml.Node | None

    def line(self, *loc: Any) -> int | None:
        return line_of(self.root, list(loc))


def lint(paths: Iterable[Path | str], seeds: int = SEEDS, runner: Runner | None = None,
         strict: bool = False) -> LintReport:
    """Lint the files and folders in `paths`; `strict` also fails on warnings (the curated
    bank's rules: every exercise has a solution, a hint and a typical mistake)."""
    report = LintReport(strict=strict)
    located = [item for item in (_read(path, report) for path in bank_files(paths)) if item]
    report.files = len(located) + len({p.path for p in report.problems})
    for item in located:
        _count(item.topic, report)
        for check in FILE_CHECKS:
            report.problems += check(item)
    report.problems += bank_problems(located)
    run = runner or _in_process
    for item in located:
        for index, exercise in enumerate(item.topic.exercises):
            report.problems += exercise_problems(item, index, exercise, seeds, run)
    return report


def _in_process(fn: Callable[..., Any], *args: Any) -> Any:
    return fn(*args)


def _read(path: Path, report: LintReport) -> Located | None:
    try:
        topic = load_file(path)
    except FileError as error:
        report.problems += [Problem(str(path), line, "", message)
                            for line, message in error.problems]
        return None
    root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    return Located(path, topic, root)


def _count(topic: TopicFile, report: LintReport) -> None:
    for exercise in topic.exercises:
        report.exercises += 1
        report.parameterised += bool(exercise.params)
        report.by_subject[topic.subject] += 1
        report.by_topic[topic.key] += 1
        report.by_type[exercise.answer.type] += 1


# --- file checks --------------------------------------------------------------------------


def _place(item: Located) -> list[Problem]:
    """exercises/<subject>/<topic>.yaml: the loader does not need it, people finding files do."""
    expected = (item.topic.subject, item.topic.topic)
    if (item.path.parent.name, item.path.stem) == expected:
        return []
    return [Problem(str(item.path), 1, "", f"the file should be {expected[0]}/{expected[1]}.yaml",
                    error=False)]


def _theory(item: Located) -> list[Problem]:
    problems = []
    if not item.topic.theory.strip():
        problems.append(Problem(str(item.path), item.line("theory"), "theory",
                                "every topic needs a theory note (shown before a retry)"))
    if not item.topic.examples:
        problems.append(Problem(str(item.path), item.line("examples"), "examples",
                                "every topic needs at least one worked example"))
    return problems


def _markdown(item: Located) -> list[Problem]:
    """Every text renders (and the renderer is the one the pages use)."""
    topic = item.topic
    texts = [(("theory",), topic.theory)]
    texts += [(("examples", i, k), getattr(e, k)) for i, e in enumerate(topic.examples)
              for k in ("prompt", "solution")]
    problems = []
    for loc, text in texts:
        try:
            render_markdown(text)
        except Exception as error:  # noqa: BLE001 - any renderer failure is the author's to see
            problems.append(Problem(str(item.path), item.line(*loc), _dotted(loc), str(error)))
    return problems


KATEX_SOURCE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "katex" / "katex.min.js"
TEX_COMMAND = re.compile(r"\\([A-Za-z]+)")


@lru_cache(maxsize=1)
def katex_commands() -> frozenset[str]:
    """The commands the KaTeX we serve defines, read from its own source ("\\frac" and the
    like are string literals there), so the list can never drift from the vendored version."""
    source = KATEX_SOURCE.read_text(encoding="utf-8")
    return frozenset(re.findall(r'"\\\\([A-Za-z]+)"', source))


def _texts(topic: TopicFile) -> list[tuple[tuple, str]]:
    """Every text a learner sees rendered, with where it stands in the file."""
    texts: list[tuple[tuple, str]] = [(("theory",), topic.theory)]
    texts += [(("examples", i, k), getattr(e, k)) for i, e in enumerate(topic.examples)
              for k in ("prompt", "solution")]
    for i, ex in enumerate(topic.exercises):
        texts += [(("exercises", i, "prompt"), ex.prompt), (("exercises", i, "solution"),
                                                            ex.solution)]
        texts += [(("exercises", i, "hints", j), h) for j, h in enumerate(ex.hints)]
        texts += [(("exercises", i, "wrong", j, "feedback"), w.feedback)
                  for j, w in enumerate(ex.wrong)]
        texts += [(("exercises", i, "answer", "options", k), v)
                  for k, v in (ex.answer.options or {}).items()]
    return texts


def _katex(item: Located) -> list[Problem]:
    """LaTeX commands KaTeX does not know would show as red error text on the page."""
    known = katex_commands()
    problems = []
    for loc, text in _texts(item.topic):
        unknown = sorted({c for c in TEX_COMMAND.findall(text) if c not in known})
        if unknown:
            names = ", ".join("\\" + c for c in unknown)
            problems.append(Problem(str(item.path), item.line(*loc), _dotted(loc),
                                    f"KaTeX does not support {names}"))
    return problems


RESERVED = frozenset(CONSTANTS) | frozenset(FUNCTIONS) | AUTHOR_OPS | {"U"}


def _param_names(item: Located) -> list[Problem]:
    """A parameter called `pi` or `e` would silently be the constant in author expressions."""
    return [
        Problem(str(item.path), item.line("exercises", i, "params", name),
                f"{item.topic.key}/{ex.id}", f"the parameter name {name!r} is reserved in answers "
                "(a constant, function or operation): rename it")
        for i, ex in enumerate(item.topic.exercises) for name in (ex.params or {})
        if name in RESERVED
    ]


FILE_CHECKS: list[Callable[[Located], list[Problem]]] = [
    _place, _theory, _markdown, _katex, _param_names,
]


def _dotted(loc: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def bank_problems(located: list[Located]) -> list[Problem]:
    """Unique topics and ids, known prerequisites (a prerequisite outside the files linted is
    looked for next to them: exercises/<subject>/<topic>.yaml)."""
    pairs = [(item.path, item.topic) for item in located]
    problems = []
    for message in structure_problems(pairs):
        path, _, rest = message.partition(": ")
        if "names no topic" in rest and _on_disk(path, rest):
            continue
        problems.append(Problem(path, None, "", rest))
    return problems


def _on_disk(path: str, message: str) -> bool:
    key = message.split()[1]
    return (Path(path).resolve().parent.parent / f"{key}.yaml").is_file()


# --- exercise checks ------------------------------------------------------------------------


@dataclass(frozen=True)
class VariantCheck:
    """What one variant's checks found (picklable: it comes back from a pool worker)."""

    fingerprint: str = ""
    problems: list[tuple[tuple, str]] = field(default_factory=list)


def check_variant(exercise: Mapping[str, Any], seed: int) -> VariantCheck:
    """Generate one variant and check its reference and its wrong values. Module-level, so a
    pool worker can run it; each problem is (location in the exercise, message)."""
    try:
        variant = make_variant(exercise, seed)
        spec = AnswerSpec.model_validate(variant.answer)
    except (VariantError, ValidationError) as error:
        return VariantCheck(problems=[(("params",), f"seed {seed}: {_short(error)}")])
    fingerprint = repr((variant.prompt, variant.answer))
    broken = _unreadable_reference(spec)
    if broken:  # every other check would only repeat it
        return VariantCheck(fingerprint, [(("answer",), f"seed {seed}: {broken}")])
    problems = [found for check in VARIANT_CHECKS for found in check(spec, variant, seed)]
    return VariantCheck(fingerprint, problems)


def _unreadable_reference(spec: AnswerSpec) -> str | None:
    """Why the reference value cannot be read (author mode), or None when it can."""
    from app.checking.compare.engine import SpecError, reference_of

    if spec.type in READ_TYPES:
        return None
    try:
        reference_of(spec)
    except SpecError as error:
        return str(error)
    return None


def _short(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(e["msg"] for e in error.errors())
    return str(error)


def reference_response(spec: AnswerSpec, answer_text: str | None) -> str | None:
    """What a learner would type to give the reference answer (None: nothing to check)."""
    if spec.type == "self":
        return None
    if spec.type == "choice":
        return " ".join(spec.choice_keys)
    if spec.type == "text":
        return str(spec.value)
    written = ", ".join(spec.value) if isinstance(spec.value, list) else str(spec.value)
    return written if _learner_readable(spec, written) else answer_text


def _learner_readable(spec: AnswerSpec, text: str) -> bool:
    """The reference as written, unless it needs author mode (diff, det, ...)."""
    from app.checking.grammar.syntax import ParseError, parse

    try:
        parse(text, variables=spec.variables)
    except ParseError:
        return False
    return True


def _self_check(spec: AnswerSpec, variant: Variant, seed: int) -> list[tuple[tuple, str]]:
    from app.checking.compare.engine import check_now

    if spec.type == "self":
        return []
    response = reference_response(spec, variant.answer_text)
    if response is None:
        return [(("answer",), f"seed {seed}: the reference answer cannot be read")]
    result = check_now(spec, response)
    if result.status != "correct":
        return [(("answer",), f"seed {seed}: the reference {response!r} checks {result.status} "
                 f"against itself: {result.message}")]
    return []


def _wrong_check(spec: AnswerSpec, variant: Variant, seed: int) -> list[tuple[tuple, str]]:
    from app.checking.compare.engine import check_now

    problems = []
    if spec.type == "self" and variant.wrong:
        return [(("wrong",), "a self-graded answer cannot check wrong values")]
    for index, item in enumerate(variant.wrong):
        result = check_now(spec, item["value"])
        if result.status != "incorrect":
            problems.append((("wrong", index, "value"),
                             f"seed {seed}: {item['value']!r} should check incorrect but checks "
                             f"{result.status}: {result.message}"))
    return problems


def _render_check(spec: AnswerSpec, variant: Variant, seed: int) -> list[tuple[tuple, str]]:
    """Every text of the variant renders as the page will render it."""
    texts = [(("prompt",), variant.prompt), (("solution",), variant.solution)]
    texts += [(("hints", i), h) for i, h in enumerate(variant.hints)]
    texts += [(("wrong", i, "feedback"), w["feedback"]) for i, w in enumerate(variant.wrong)]
    texts += [(("answer", "options", k), v) for k, v in (spec.options or {}).items()]
    problems = []
    for loc, text in texts:
        try:
            render_markdown(text)
        except Exception as error:  # noqa: BLE001 - any renderer failure is the author's to see
            problems.append((loc, f"seed {seed}: does not render: {error}"))
    return problems


VariantCheckFn = Callable[[AnswerSpec, Variant, int], list[tuple[tuple, str]]]
VARIANT_CHECKS: list[VariantCheckFn] = [_self_check, _wrong_check, _render_check]
"""Run on every variant, in a pool worker when linting through a pool (LaTeX commands are
checked once per file, in FILE_CHECKS)."""


def exercise_problems(item: Located, index: int, exercise: Exercise, seeds: int,
                      run: Runner) -> list[Problem]:
    """All variant checks of one exercise, each problem reported once at its line."""
    data = variant_input(item.topic, exercise)
    count = seeds if exercise.params else 1
    results = [_as_check(run(check_variant, data, seed)) for seed in range(count)]
    found: dict[tuple, str] = {}
    for result in results:
        for loc, message in result.problems:
            found.setdefault(loc, message)  # the first seed that shows a problem is enough
    problems = [_at(item, index, loc, message) for loc, message in found.items()]
    problems += [_at(item, index, loc, message) for loc, message in _content(exercise)]
    fingerprints = {r.fingerprint for r in results if r.fingerprint}
    if exercise.params and count > 1 and len(fingerprints) == 1:
        problems.append(_at(item, index, ("params",), f"all {count} variants are identical"))
    return problems


def variant_input(topic: TopicFile, exercise: Exercise) -> dict[str, Any]:
    """The exercise as `make_variant` gets it from the database (`loader.as_exercise`): the
    same global id, hence the same variants for the same seeds."""
    return exercise.as_dict(topic.global_id(exercise))


def _as_check(value: Any) -> VariantCheck:
    """A pool task that timed out or crashed comes back as an undecided CheckResult."""
    if isinstance(value, VariantCheck):
        return value
    message = value.message if isinstance(value, CheckResult) else repr(value)
    return VariantCheck(problems=[(("answer",), f"the checks did not finish: {message}")])


def _content(exercise: Exercise) -> list[tuple[tuple, str]]:
    """The curated bank's rules (warnings; `strict` makes them errors)."""
    missing = []
    if not exercise.solution.strip():
        missing.append((("solution",), "no worked solution"))
    if not exercise.hints:
        missing.append((("hints",), "no hint"))
    if not exercise.wrong and exercise.answer.type != "self":
        missing.append((("wrong",), "no typical mistake (`wrong`) with feedback"))
    return [(loc, f"warning-only: {message}") for loc, message in missing]


def _at(item: Located, index: int, loc: tuple, message: str) -> Problem:
    where = f"{item.topic.global_id(item.topic.exercises[index])}"
    line = item.line("exercises", index, *loc) or item.line("exercises", index)
    warning = message.startswith("warning-only: ")
    return Problem(str(item.path), line, where, message.removeprefix("warning-only: "),
                   error=not warning)
