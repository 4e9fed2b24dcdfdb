"""The answer spec of DESIGN §3: what an exercise's `answer` mapping may say."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.checking.grammar.lexing import ParseError, normalise, tokenize

AnswerType = Literal[
    "expression", "number", "equation", "inequality", "set", "interval", "tuple", "vector",
    "matrix", "span", "choice", "text", "self",
]
Domain = Literal["real", "positive", "complex", "integer"]
Compare = Literal[
    "equivalent", "up_to_constant", "antiderivative", "up_to_scale", "unordered", "basis"
]
Form = Literal["expanded", "factored", "lowest_terms", "single_fraction", "literal"]


class Tolerance(BaseModel):
    """Exactly one way of comparing numerically instead of exactly."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    relative: float | None = Field(default=None, ge=0)
    absolute: float | None = Field(default=None, ge=0)
    sigfigs: int | None = Field(default=None, ge=1, le=15)
    decimals: int | None = Field(default=None, ge=0, le=15)

    @model_validator(mode="after")
    def _exactly_one(self) -> Tolerance:
        kinds = ("relative", "absolute", "sigfigs", "decimals")
        given = [k for k in kinds if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("tolerance takes exactly one of relative, absolute, sigfigs, decimals")
        return self


class AnswerSpec(BaseModel):
    """An exercise's reference answer and how responses are compared with it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: AnswerType
    value: str | list[str] | None = None
    options: dict[str, str] | None = None
    variables: list[str] | None = None
    domain: Domain = "real"
    compare: Compare = "equivalent"
    form: Form | None = None
    tolerance: Tolerance | None = None
    floats: Literal["allow", "forbid"] = "allow"
    forbid: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _value_fits_type(self) -> AnswerSpec:
        if self.type == "self":
            return self
        if self.value is None or self.value == "" or self.value == []:
            raise ValueError(f"an answer of type {self.type!r} needs a value")
        if self.type == "choice":
            if not self.options:
                raise ValueError("a choice answer needs options")
            keys = [self.value] if isinstance(self.value, str) else self.value
            missing = [k for k in keys if k not in self.options]
            if missing:
                raise ValueError(f"choice value names unknown options: {', '.join(missing)}")
        elif isinstance(self.value, list) and self.type != "span":
            raise ValueError(f"the value of a {self.type!r} answer is one string")
        return self

    @property
    def choice_keys(self) -> list[str]:
        return [self.value] if isinstance(self.value, str) else list(self.value or [])


def author_mode_in(spec: AnswerSpec) -> str | None:
    """Why the spec's reference is not plain learner syntax (it computes with `integrate`,
    `diff`, …), or None. Only exercise files may ask the checker to compute a reference: a
    spec from a client (`/api/v1`) must not make a worker integrate for its whole time limit.
    Reads the text with the lexer only: nothing is evaluated here."""
    if spec.type in ("self", "choice", "text") or spec.value is None:
        return None
    values = [spec.value] if isinstance(spec.value, str) else spec.value
    for value in values:
        try:
            tokenize(normalise(value), spec.variables, author=False)
        except ParseError as error:
            return str(error)
    return None
