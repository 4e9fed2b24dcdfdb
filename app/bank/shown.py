"""What the learner sees of an exercise in a pass: its variant, and feedback on a mistake.

A parameterised exercise's variant is made in the checker pool (author expressions are
untrusted, DESIGN §4) from the pass item's seed, so it is the same all pass long (rule 6) and
a fresh one next pass. Variants are cached here, keyed by exercise, its last edit and seed.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from app.bank.loader import as_exercise
from app.bank.snippets import filled_snippets
from app.bank.variants import Variant, make_variant
from app.checking.compare.input_help import input_help
from app.checking.compare.result import CheckResult
from app.checking.compare.spec import AnswerSpec
from app.checking.lru import LRU
from app.checking.pool import CheckerPool
from app.checking.queue import CheckerBusy
from app.db import UnitOfWork
from app.method import service
from app.method.queries import ExerciseInfo
from app.threads import in_thread

VARIANT_CACHE_SIZE = 2048
SELF_GRADED = "self"


class VariantUnavailable(RuntimeError):
    """The variant could not be generated (the exercise's parameters are broken or too slow)."""


@dataclass(frozen=True)
class Shown:
    """The texts of one exercise as this pass shows them (a variant, or the exercise itself).

    A multi-part exercise's `prompt` is its stem and each of its `parts` is a Shown of its
    own, checked like an exercise (DESIGN §5 `parts`)."""

    prompt: str
    answer: dict[str, Any]
    hints: list[str] = field(default_factory=list)
    solution: str = ""
    wrong: list[dict[str, Any]] = field(default_factory=list)
    answer_latex: str | None = None
    answer_text: str | None = None
    parts: list[Shown] = field(default_factory=list)

    def part(self, index: int) -> Shown:
        """What is answered at part `index`: that part, or the exercise itself if it has none
        (an edit that removed parts leaves an item at its last one)."""
        return self.parts[min(index, len(self.parts) - 1)] if self.parts else self

    @property
    def self_graded(self) -> bool:
        return self.answer.get("type") == SELF_GRADED

    @property
    def kind(self) -> str:
        return str(self.answer.get("type", "expression"))

    def spec(self) -> AnswerSpec:
        return AnswerSpec.model_validate(self.answer)

    @property
    def input_help(self) -> str:
        """The line under the Answer box saying what to type (empty for a broken spec)."""
        try:
            return input_help(self.spec(), self.answer_text)
        except ValidationError:
            return ""



def exercise_dict(row: ExerciseInfo) -> dict[str, Any]:
    """The plain dict `app.bank.variants.make_variant` takes (picklable for the pool)."""
    return as_exercise(row)


_variants: LRU[tuple, Shown] = LRU(VARIANT_CACHE_SIZE)


async def shown(pool: CheckerPool, row: ExerciseInfo, seed: int, *, owner: Hashable) -> Shown:
    """The exercise as the pass item with `seed` shows it (`owner`: whose turn in the
    checker's queue it takes, the learner's; raises CheckerBusy).

    Every exercise goes through `make_variant`, parameterised or not: an author-mode reference
    (`diff(sin(x^2), x)`) is computed there, and so is the reference shown after the check.
    Without parameters the seed changes nothing, so all learners share one cache entry.
    """
    cached = cached_variant(row, seed)
    if cached is None:
        cached = await _make_variant(pool, row, seed, owner)
        _variants.put(_variant_key(row, seed), cached)
    return cached


def cached_variant(row: ExerciseInfo, seed: int) -> Shown | None:
    """The variant if it was made already (then nothing waits for the pool), else None."""
    return _variants.get(_variant_key(row, seed))


def _variant_key(row: ExerciseInfo, seed: int) -> tuple:
    return row.id, str(row.updated_at), seed if row.params else 0


async def _make_variant(pool: CheckerPool, row: ExerciseInfo, seed: int, owner: Hashable
                        ) -> Shown:
    variant = await pool.run_async(make_variant, exercise_dict(row), seed, owner=owner)
    if isinstance(variant, CheckResult):  # the pool's way of saying the task failed
        raise VariantUnavailable(variant.message)
    return _as_shown(variant)


def _as_shown(variant: Variant) -> Shown:
    return Shown(
        prompt=variant.prompt,
        answer=dict(variant.answer or {}),
        hints=[str(h) for h in variant.hints],
        solution=variant.solution,
        wrong=list(variant.wrong),
        answer_latex=variant.answer_latex,
        answer_text=variant.answer_text,
        parts=[_as_shown(part) for part in variant.parts],
    )


async def mistake_feedback(pool: CheckerPool, exercise: Shown, response: str, *,
                           owner: Hashable) -> str | None:
    """The feedback of the exercise's typical mistake that `response` is equivalent to.

    Each `wrong` value becomes the reference of a copy of the answer spec, and the response is
    checked against them in the pool, so "equivalent" means what it means for the real answer.
    """
    mistakes: list[tuple[AnswerSpec, str]] = []
    for item in exercise.wrong:
        value, feedback = item.get("value"), item.get("feedback")
        if not value or not feedback:
            continue
        try:
            spec = AnswerSpec.model_validate({**exercise.answer, "value": value})
        except ValidationError:
            continue
        mistakes.append((spec, str(feedback)))
    if not mistakes:
        return None
    found = await pool.first_correct_async([spec for spec, _ in mistakes], response,
                                           owner=owner)
    return None if found is None else mistakes[found][1]


# -- the lists' snippets ---------------------------------------------------------------------

SNIPPET_BATCH = 25
"""Variants per pool task: well inside one task's time limit, few tasks for a whole pass."""


async def fill_snippets(pool: CheckerPool, uow: UnitOfWork, owner: Hashable,
                        user_id: int | None = None, subject: str | None = None) -> int:
    """Give the open passes' new items (of one learner and subject, or all) their filled
    prompt snippets; returns how many were filled. The variants are made in the checker pool
    in `owner`'s turn, `SNIPPET_BATCH` a task, awaited here on the event loop: no database
    thread waits for the pool, so a burst of new passes never starves other pages."""
    unfilled = await in_thread(service.unfilled_snippets, uow, user_id, subject)
    texts = dict(unfilled.texts)
    try:
        for start in range(0, len(unfilled.varied), SNIPPET_BATCH):
            texts.update(await _filled(pool, unfilled.varied[start:start + SNIPPET_BATCH],
                                       owner))
    except CheckerBusy:
        pass  # the rest stay unfilled: their list shows the prompt, a later fill finds them
    await in_thread(service.store_snippets, uow, texts)
    return len(texts)


async def _filled(pool: CheckerPool, items: list[tuple[int, dict[str, Any], int]],
                  owner: Hashable) -> dict[int, str]:
    """One batch's snippets; a batch that failed (a slow variant) is split until the failing
    item is alone, which then stays unfilled (its list shows the prompt)."""
    outcome = await pool.run_async(filled_snippets, [(exercise, seed) for _, exercise, seed
                                                     in items], owner=owner, batch=True)
    if isinstance(outcome, list) and len(outcome) == len(items):
        return {item_id: text for (item_id, _, _), text in zip(items, outcome, strict=True)}
    if len(items) == 1:
        return {}
    middle = len(items) // 2
    return {**await _filled(pool, items[:middle], owner),
            **await _filled(pool, items[middle:], owner)}
