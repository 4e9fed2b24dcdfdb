"""The exercise file of DESIGN §5 as pydantic models, and a loader whose errors name file and line.

Files are written by people, so a mistake must come back as something they can act on:
`calculus/chain-rule.yaml:42: exercises[3].answer.type: Input should be 'expression', ...`.
pydantic knows the path of the bad value but not its line, so on failure the YAML is composed
again (only then: composing is slower than loading) and the path is walked through the node tree
to the line of the offending key.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.checking.compare.spec import AnswerSpec

try:  # the C loader is several times faster; the pure-Python one gives the same result
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

SLUG = r"^[a-z0-9][a-z0-9-]*$"
NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
Slug = Annotated[str, Field(pattern=SLUG, max_length=100)]
Range = tuple[int, int]
Scalar = int | float | str  # outside Param, whose field `int` shadows the builtin


class _Strict(BaseModel):
    """Unknown keys are errors: a misspelt `hint:` must not silently drop the hints."""

    model_config = ConfigDict(extra="forbid")


class Example(_Strict):
    """A worked example shown with the theory note before a retry (rule 5)."""

    prompt: str = Field(min_length=1)
    solution: str = Field(min_length=1)


class Wrong(_Strict):
    """A typical mistake: `value` must check incorrect, `feedback` says what went wrong."""

    value: str = Field(min_length=1)
    feedback: str = Field(min_length=1)


class Param(_Strict):
    """How one parameter is drawn. Exactly one of the kinds is given.

    `int: [lo, hi]` an integer; `nonzero: [lo, hi]` the same without 0; `choice: [...]` one of
    the values; `rational: [lo, hi]` a fraction p/q in that range with q drawn from `den`
    (default 2..9); `expr: "..."` an author-mode expression of earlier parameters.
    """

    int: Range | None = None
    nonzero: Range | None = None
    choice: list[Scalar] | None = Field(default=None, min_length=1)
    rational: Range | None = None
    den: Range = (2, 9)
    expr: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Param:
        kinds = [k for k in KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"a parameter takes exactly one of {', '.join(KINDS)}")
        for kind in ("int", "nonzero", "rational", "den"):
            bounds = getattr(self, kind)
            if bounds is not None and bounds[0] > bounds[1]:
                raise ValueError(f"{kind}: the lower bound {bounds[0]} is above {bounds[1]}")
        if self.nonzero == (0, 0):
            raise ValueError("nonzero: [0, 0] has no non-zero value")
        if self.den[0] < 1:
            raise ValueError("den: denominators start at 1")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in KINDS if getattr(self, k) is not None)


KINDS = ("int", "nonzero", "choice", "rational", "expr")


def spec_dict(spec: AnswerSpec) -> dict[str, Any]:
    """An answer spec without its defaults: what the file said, compactly."""
    dumped = spec.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    return {"type": spec.type} | dumped


class Part(_Strict):
    """One step of a multi-part exercise (DESIGN §5 `parts`): checked like an exercise of its
    own, under the exercise's stem and with its params; the exercise is rated once."""

    id: Slug
    prompt: str = Field(min_length=1)
    answer: AnswerSpec
    wrong: list[Wrong] = Field(default_factory=list)
    hints: list[str] = Field(default_factory=list)
    solution: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "prompt": self.prompt, "answer": spec_dict(self.answer),
                "hints": list(self.hints), "solution": self.solution,
                "wrong": [w.model_dump() for w in self.wrong]}


class Exercise(_Strict):
    """One exercise; `id` is stable across edits, since progress is keyed by it. It has one
    `answer`, or 2 to 6 `parts` under its prompt (the stem)."""

    id: Slug
    prompt: str = Field(min_length=1)
    answer: AnswerSpec | None = None
    parts: list[Part] | None = Field(default=None, min_length=2, max_length=6)
    wrong: list[Wrong] = Field(default_factory=list)
    hints: list[str] = Field(default_factory=list)
    solution: str = ""
    difficulty: int = Field(default=1, ge=1, le=3)
    source: str = "original"
    params: dict[str, Param] | None = None
    where: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)

    @field_validator("params")
    @classmethod
    def _param_names(cls, params: dict[str, Param] | None) -> dict[str, Param] | None:
        for name in params or {}:
            if not re.match(NAME, name):
                raise ValueError(f"parameter name {name!r} must be letters, digits and _")
        return params or None

    @model_validator(mode="after")
    def _where_needs_params(self) -> Exercise:
        if self.where and not self.params:
            raise ValueError("`where` constrains parameters, but this exercise has no params")
        return self

    @model_validator(mode="after")
    def _answer_or_parts(self) -> Exercise:
        if (self.answer is None) == (self.parts is None):
            raise ValueError("an exercise has either an `answer` or `parts`, not both or neither")
        if self.parts and (self.wrong or self.hints):
            raise ValueError("hints and typical mistakes (`wrong`) of a multi-part exercise "
                             "belong to its parts")
        ids = [part.id for part in self.parts or []]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"part id {repeated[0]!r} is used more than once")
        return self

    @property
    def answerable(self) -> list[Exercise | Part]:
        """What a learner checks answers of: the exercise itself, or each of its parts."""
        return list(self.parts) if self.parts else [self]

    def as_dict(self, global_id: str | None = None) -> dict[str, Any]:
        """The plain dict `variants.make_variant` takes (and the pool can pickle); the same
        dict `loader.as_exercise` rebuilds from the database, so both give the same variants."""
        return {
            "id": global_id or self.id, "prompt": self.prompt, "answer": self.answer_dict(),
            "hints": list(self.hints), "solution": self.solution,
            "wrong": [w.model_dump() for w in self.wrong], "params": self.params_dict(),
            "where": list(self.where), "parts": self.parts_list(),
        }

    def answer_dict(self) -> dict[str, Any] | None:
        return spec_dict(self.answer) if self.answer else None

    def parts_list(self) -> list[dict[str, Any]] | None:
        return [part.as_dict() for part in self.parts] if self.parts else None

    def params_dict(self) -> dict[str, Any] | None:
        """Each parameter as written (`den` only where it means something: rationals)."""
        if not self.params:
            return None
        out = {}
        for name, param in self.params.items():
            spec = param.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
            out[name] = spec | ({"den": list(param.den)} if param.rational is not None else {})
        return out


class TopicFile(_Strict):
    """One file: one topic of one subject, its theory note, examples and exercises."""

    subject: Slug
    topic: Slug
    title: str = Field(min_length=1)
    prerequisites: list[str] = Field(default_factory=list)
    theory: str = ""
    examples: list[Example] = Field(default_factory=list)
    exercises: list[Exercise] = Field(default_factory=list)

    @field_validator("prerequisites")
    @classmethod
    def _qualified(cls, prerequisites: list[str]) -> list[str]:
        for item in prerequisites:
            if not re.match(r"^[a-z0-9-]+/[a-z0-9-]+$", item):
                raise ValueError(f"prerequisite {item!r} must be written subject/topic")
        return prerequisites

    @property
    def key(self) -> str:
        return f"{self.subject}/{self.topic}"

    def global_id(self, exercise: Exercise) -> str:
        return f"{self.subject}/{self.topic}/{exercise.id}"


class FileError(ValueError):
    """A file that cannot be used, with every problem found as `path:line: message`."""

    def __init__(self, path: Path | str, problems: list[tuple[int | None, str]]) -> None:
        self.path = str(path)
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [f"{self.path}:{line}: {msg}" if line else f"{self.path}: {msg}"
                for line, msg in self.problems]


def load_file(path: Path | str) -> TopicFile:
    """Read and validate one exercise file; raises FileError naming file and lines."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FileError(path, [(None, f"cannot be read: {error}")]) from None
    return parse_text(text, path)


def parse_text(text: str, path: Path | str = "<text>") -> TopicFile:
    """Validate YAML text (an import, or a file's contents) as a TopicFile."""
    try:
        refuse_aliases(text, path)
        data = yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as error:
        raise FileError(path, [(_yaml_line(error), f"not valid YAML: {_yaml_problem(error)}")]
                        ) from None
    if not isinstance(data, dict):
        raise FileError(path, [(1, "the file must be a mapping with subject, topic, title, ...")])
    try:
        return TopicFile.model_validate(data)
    except ValidationError as error:
        raise FileError(path, _located(error, text)) from None


def refuse_aliases(text: str, path: Path | str) -> None:
    """FileError at the first alias (`*name`): 1,000 aliases of one anchor in a 100 KB file
    expand to 100 MB of text once stored, so exercise files write every value out."""
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise FileError(path, [(event.start_mark.line + 1,
                                    "YAML aliases (*name) are not accepted: write the value out")])


def _yaml_line(error: yaml.YAMLError) -> int | None:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return mark.line + 1 if mark is not None else None


def _yaml_problem(error: yaml.YAMLError) -> str:
    return str(getattr(error, "problem", None) or error).strip()


def _located(error: ValidationError, text: str) -> list[tuple[int | None, str]]:
    """pydantic's errors with the line of the key each one is about."""
    root = yaml.compose(text, Loader=_SafeLoader)  # noqa: S506 - a SafeLoader
    problems = []
    for item in error.errors():
        loc = [p for p in item["loc"] if not _is_model_tag(p)]
        where = _dotted(loc)
        message = item["msg"].removeprefix("Value error, ")
        problems.append((line_of(root, loc), f"{where}: {message}" if where else message))
    return problems


def _is_model_tag(part: Any) -> bool:
    """pydantic adds a tag like `function-after[...]` to some paths: not a key of the file."""
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _dotted(loc: list[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def line_of(root: yaml.Node | None, loc: list[Any]) -> int | None:
    """The 1-based line of the deepest node of `loc` that exists in the composed YAML.

    A missing key is reported at the mapping it is missing from; a bad value at its key.
    """
    node, line = root, (root.start_mark.line + 1 if root is not None else None)
    for part in loc:
        found = _child(node, part)
        if found is None:
            break
        key_node, node = found
        line = (key_node or node).start_mark.line + 1
    return line


def _child(node: yaml.Node | None, part: Any) -> tuple[yaml.Node | None, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return key, value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return None, node.value[part]
    return None
