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

import hashlib
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.bank.loader import bank_files, structure_problems
from app.bank.markdown import render_markdown
from app.bank.schema import Exercise, FileError, Part, TopicFile, line_of, load_file
from app.bank.variants import READ_TYPES, Variant, VariantError, make_variant
from app.checking.compare.result import CheckResult
from app.checking.compare.spec import AnswerSpec
from app.checking.grammar.names import AUTHOR_OPS, CONSTANTS, FUNCTIONS

SEEDS = 50
"""Variants generated and checked per parameterised exercise."""

JOBS = os.cpu_count() or 1
"""Variant checks run at once by `gyrus bank lint` (one process each in process mode)."""

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
    multipart: int = 0
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
                 f"parameterised ({share:.0%}), {self.multipart} multi-part"]
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
         strict: bool = False, jobs: int = 1) -> LintReport:
    """Lint the files and folders in `paths`; `strict` also fails on warnings (the curated
    bank's rules: every exercise has a solution, a hint and a typical mistake). `jobs` variant
    checks run at once: in worker processes, or in threads calling `runner` (a pool)."""
    report = LintReport(strict=strict)
    located = [item for item in (_read(path, report) for path in bank_files(paths)) if item]
    report.files = len(located) + len({p.path for p in report.problems})
    for item in located:
        _count(item.topic, report)
        for check in FILE_CHECKS:
            report.problems += check(item)
    report.problems += bank_problems(located)
    with _executor(runner, jobs) as executor:
        submit = _submitter(executor, runner)
        pending = [(item, index, exercise, _submit_variants(submit, item, exercise, seeds))
                   for item in located for index, exercise in enumerate(item.topic.exercises)]
        for item, index, exercise, futures in pending:
            results = [_as_check(future.result()) for future in futures]
            report.problems += exercise_problems(item, index, exercise, results)
    return report


def _executor(runner: Runner | None, jobs: int) -> Executor:
    """Processes for in-process checks (the CPU-bound SymPy work), threads to feed a pool."""
    if runner is None and jobs > 1:
        return ProcessPoolExecutor(max_workers=jobs)
    return ThreadPoolExecutor(max_workers=max(jobs, 1))


def _submitter(executor: Executor, runner: Runner | None) -> Callable[..., Future]:
    if runner is None:
        return lambda fn, *args: executor.submit(fn, *args)
    return lambda fn, *args: executor.submit(runner, fn, *args)


def _submit_variants(submit: Callable[..., Future], item: Located, exercise: Exercise,
                     seeds: int) -> list[Future]:
    data = variant_input(item.topic, exercise)
    chosen = learner_seeds(seeds) if exercise.params else [0]
    return [submit(check_variant, data, seed) for seed in chosen]


def learner_seeds(count: int) -> list[int]:
    """Seeds drawn like the ones learners get (`Subject.variant_seed`: 63-bit hashes), fixed
    from run to run, so lint checks the kind of variant a pass really shows."""
    return [int.from_bytes(hashlib.blake2b(f"lint\0{k}".encode(), digest_size=8).digest(),
                           "big") % 2**63 for k in range(count)]


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
        report.multipart += bool(exercise.parts)
        for item in exercise.answerable:
            report.by_type[item.answer.type] += 1


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
        for within, item in _places(ex):
            place = ("exercises", i) + within
            if within:
                texts += [(place + ("prompt",), item.prompt), (place + ("solution",),
                                                               item.solution)]
            texts += [(place + ("hints", j), h) for j, h in enumerate(item.hints)]
            texts += [(place + ("wrong", j, "feedback"), w.feedback)
                      for j, w in enumerate(item.wrong)]
            texts += [(place + ("answer", "options", k), v)
                      for k, v in (item.answer.options or {}).items()]
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


GLUED = re.compile(r"\{\{\s*\w+\s*\}\}\s*\{\{\s*\w+\s*\}\}"
                   r"|(?<![_^\\\w])\d\{\{\s*\w+\s*\}\}|\{\{\s*\w+\s*\}\}\d")


def _glued_placeholders(item: Located) -> list[Problem]:
    """`${{m}}{{n}}$` shows 512·1024 as "5121024", `2{{b}}` shows 2·1 as "21": a value next to
    another or to a digit needs an operator."""
    return [Problem(str(item.path), item.line(*loc), _dotted(loc),
                    f"placeholders side by side ({match.group(0)}): put an operator "
                    "(\\cdot, +, a comma) or a word between them")
            for loc, text in _texts(item.topic) for match in GLUED.finditer(text)]


FILE_CHECKS: list[Callable[[Located], list[Problem]]] = [
    _place, _theory, _markdown, _katex, _param_names, _glued_placeholders,
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
    """Generate one variant and check its reference and its wrong values (of each part, in a
    multi-part exercise). Module-level, so a pool worker can run it; each problem is (location
    in the exercise, message)."""
    try:
        variant = make_variant(exercise, seed)
        answerable = _answerable(variant)
        specs = [AnswerSpec.model_validate(item.answer) for _, item in answerable]
    except (VariantError, ValidationError) as error:
        return VariantCheck(problems=[(("params",), f"seed {seed}: {_short(error)}")])
    fingerprint = repr((variant.prompt, [item.answer for _, item in answerable]))
    problems = _stem_check(variant, seed)
    for (place, item), spec in zip(answerable, specs, strict=True):
        broken = _unreadable_reference(spec)
        if broken:  # every other check would only repeat it
            problems.append((place + ("answer",), f"seed {seed}: {broken}"))
            continue
        problems += [(place + loc, message) for check in VARIANT_CHECKS
                     for loc, message in check(spec, item, seed)]
    return VariantCheck(fingerprint, problems)


def _answerable(variant: Variant) -> list[tuple[tuple, Variant]]:
    """The variant, or each of its parts, with where it stands in the exercise."""
    if not variant.parts:
        return [((), variant)]
    return [(("parts", i), part) for i, part in enumerate(variant.parts)]


def _stem_check(variant: Variant, seed: int) -> list[tuple[tuple, str]]:
    """A multi-part exercise's stem and closing solution render and read well too."""
    if not variant.parts:
        return []
    texts = [(("prompt",), variant.prompt), (("solution",), variant.solution)]
    return _rendering(texts, seed) + _clumsy([(("prompt",), variant.prompt, CLUMSY + UNEVALUATED),
                                              (("solution",), variant.solution, CLUMSY)], seed)


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
    return problems + _coinciding_wrongs(spec, variant, seed)


def _coinciding_wrongs(spec: AnswerSpec, variant: Variant, seed: int) -> list[tuple[tuple, str]]:
    """Two typical mistakes that are the same answer for a seed: the learner would get the first
    one's feedback for the second mistake."""
    from app.checking.compare.engine import check_now

    values = [str(item["value"]) for item in variant.wrong]
    problems = []
    for later, value in enumerate(values):
        for earlier in range(later):
            if spec.type in ("choice", "text"):
                same = sorted(value.split()) == sorted(values[earlier].split())
            else:
                as_reference = spec.model_copy(update={"value": values[earlier], "form": None,
                                                       "floats": "allow", "forbid": []})
                same = check_now(as_reference, value).status == "correct"
            if same:
                problems.append((("wrong", later, "value"),
                                 f"seed {seed}: {value!r} is the same answer as wrong value "
                                 f"{earlier} ({values[earlier]!r}): make the mistakes differ"))
                break
    return problems


def _render_check(spec: AnswerSpec, variant: Variant, seed: int) -> list[tuple[tuple, str]]:
    """Every text of the variant renders as the page will render it."""
    texts = [(("prompt",), variant.prompt), (("solution",), variant.solution)]
    texts += [(("hints", i), h) for i, h in enumerate(variant.hints)]
    texts += [(("wrong", i, "feedback"), w["feedback"]) for i, w in enumerate(variant.wrong)]
    texts += [(("answer", "options", k), v) for k, v in (spec.options or {}).items()]
    return _rendering(texts, seed)


def _rendering(texts: list[tuple[tuple, str]], seed: int) -> list[tuple[tuple, str]]:
    problems = []
    for loc, text in texts:
        try:
            render_markdown(text)
        except Exception as error:  # noqa: BLE001 - any renderer failure is the author's to see
            problems.append((loc, f"seed {seed}: does not render: {error}"))
    return problems


MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.S)
NUMBER = r"\(?\s*-?\d+(?:\.\d+)?\s*\)?"
CLUMSY = [
    (re.compile(r"(?<![\w.^_\\!])(?<!_\{)-?1\s*(?=[a-zA-Z]|\\(?:alpha|beta|gamma|delta|theta|"
                r"lambda|mu|sigma|tau|pi|eta|mathbf|boldsymbol)\b)"),
     "a coefficient of 1 or -1 (write x or -x)"),
    (re.compile(r"\+\s*-"), "'+ -' (write a - b)"),
    (re.compile(r"(?<![<-])-\s*-(?![->])"), "'- -' (write a + b)"),
    (re.compile(r"\\pm\s*-"), "'± -' (write ± b)"),
    (re.compile(r"(?:\\cdot|\\times|·)\s*[-−]"), "a negative factor after · or × without brackets"),
]
"""What a filled-in template shows that a person writing it out would not (found in the bank:
`e^{-1x^2}`, `5 ± -2`, `-2·-15`)."""

UNEVALUATED = [
    (re.compile(rf"^\s*{NUMBER}\s*[-+]\s*{NUMBER}\s*$"), "a sum of numbers left unevaluated"),
    (re.compile(rf"\(\s*-?\d+(?:\.\d+)?\s*[-+]\s*{NUMBER}\s*\)\s*(?=[a-zA-Z\\])"),
     "a coefficient left as a sum of numbers"),
]
"""Sums the template did not compute ("the eigenvalue $6 + 2$", "$f = (2 + 5)x^2$"): wrong in a
prompt, a hint or feedback; a worked solution may show them on purpose, as a substitution."""


def _display_check(spec: AnswerSpec, variant: Variant, seed: int) -> list[tuple[tuple, str]]:
    """The maths of every filled text reads as a person would write it."""
    stated = [(("prompt",), variant.prompt)]
    stated += [(("hints", i), h) for i, h in enumerate(variant.hints)]
    stated += [(("wrong", i, "feedback"), w["feedback"]) for i, w in enumerate(variant.wrong)]
    checks = [(loc, text, CLUMSY + UNEVALUATED) for loc, text in stated]
    return _clumsy(checks + [(("solution",), variant.solution, CLUMSY)], seed)


def _clumsy(checks: list[tuple[tuple, str, list]], seed: int) -> list[tuple[tuple, str]]:
    problems = []
    for loc, text, patterns in checks:
        for segment in MATH.finditer(text):
            maths = segment.group(1) or segment.group(2)
            problems += [(loc, f"seed {seed}: {what}: ${maths.strip()[:80]}$")
                         for pattern, what in patterns if pattern.search(maths)]
    return problems


VariantCheckFn = Callable[[AnswerSpec, Variant, int], list[tuple[tuple, str]]]
VARIANT_CHECKS: list[VariantCheckFn] = [_self_check, _wrong_check, _render_check, _display_check]
"""Run on every variant, in a pool worker when linting through a pool (LaTeX commands are
checked once per file, in FILE_CHECKS)."""


def exercise_problems(item: Located, index: int, exercise: Exercise,
                      results: list[VariantCheck]) -> list[Problem]:
    """What the variant checks of one exercise found, each problem reported once at its line."""
    found: dict[tuple, str] = {}
    for result in results:
        for loc, message in result.problems:
            found.setdefault(loc, message)  # the first seed that shows a problem is enough
    problems = [_at(item, index, loc, message) for loc, message in found.items()]
    problems += [_at(item, index, loc, message) for loc, message in _content(exercise)]
    fingerprints = {r.fingerprint for r in results if r.fingerprint}
    if exercise.params and len(results) > 1 and len(fingerprints) == 1:
        problems.append(_at(item, index, ("params",),
                            f"all {len(results)} variants are identical"))
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
    """The curated bank's rules (warnings; `strict` makes them errors), for the exercise or
    each of its parts."""
    missing = []
    for place, item in _places(exercise):
        if not item.solution.strip():
            missing.append((place + ("solution",), "no worked solution"))
        if not item.hints:
            missing.append((place + ("hints",), "no hint"))
        if not item.wrong and item.answer.type != "self":
            missing.append((place + ("wrong",), "no typical mistake (`wrong`) with feedback"))
    return [(loc, f"warning-only: {message}") for loc, message in missing]


def _places(exercise: Exercise) -> list[tuple[tuple, Exercise | Part]]:
    """The exercise, or each of its parts, with where it stands in the exercise."""
    if not exercise.parts:
        return [((), exercise)]
    return [(("parts", i), part) for i, part in enumerate(exercise.parts)]


def _at(item: Located, index: int, loc: tuple, message: str) -> Problem:
    where = f"{item.topic.global_id(item.topic.exercises[index])}"
    line = item.line("exercises", index, *loc) or item.line("exercises", index)
    warning = message.startswith("warning-only: ")
    return Problem(str(item.path), line, where, message.removeprefix("warning-only: "),
                   error=not warning)
