"""The Green-Yellow-Red method as plain Python: the rules of DESIGN §1, and nothing else.

The service layer loads a learner's rows into these classes, calls their methods and saves what
changed; the web layer asks them which buttons to show. Nothing here touches a clock, a database
or the network, and the one random choice (shuffled order) takes its generator as an argument, so
every rule is tested on its own.

The aggregate is `Subject`: one learner's study list of one subject, the history of its passes and
its parked exercises. Change progress through its methods, not through a `Pass` or `PassItem`
directly, or the Red cap (rule 7) is skipped.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

RED_CAP_PASS = 5
"""Rule 7: Red in an exercise's fifth pass or later parks it."""

_SEED_SPACE = 2**63


class Rating(Enum):
    """How the learner sorts an exercise after seeing the solution (rule 3)."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class Verdict(Enum):
    """What a check said; the values are the checker's statuses (DESIGN §3), plus self-graded."""

    CORRECT = "correct"
    INCORRECT = "incorrect"
    INVALID = "invalid"
    UNDECIDED = "undecided"
    SELF_GRADED = "self"


class MethodError(Exception):
    """An action the method does not allow. Nothing was changed."""


class PassNotFinished(MethodError):
    """A new pass was asked for while the current one still has unrated exercises."""


class NothingToStudy(MethodError):
    """A new pass would be empty: everything is Green, parked, or the study list is empty."""


class NoOpenPass(MethodError):
    """An action needs an open pass, and the current pass (if any) has ended."""


class NotInPass(MethodError):
    """The exercise is not part of the pass."""


class AlreadyChecked(MethodError):
    """The latest attempt is checked: the next step is Try again (after Incorrect) or rating."""


class RetryNotAllowed(MethodError):
    """Try again is only offered after an Incorrect check, before the solution is open."""


class PartNotDone(MethodError):
    """The next part unlocks once the current one is checked (not Incorrect) or its solution
    is open, and only if there is a next part."""


class NothingToUndo(MethodError):
    """Only the latest rating of the current pass can be undone, and only until the next Check."""


class AlreadyRated(MethodError):
    """The exercise is already rated in this pass (e.g. a double click)."""


class RatingNotAllowed(MethodError):
    """The verdict, a dispute, or what was seen before checking rules this rating out."""


class NotParked(MethodError):
    """Only a parked exercise can be unparked."""


_ALL = frozenset(Rating)
_NOT_GREEN = frozenset({Rating.YELLOW, Rating.RED})


def allowed_ratings(
    verdict: Verdict | None,
    *,
    disputed: bool = False,
    incorrect_before: bool = False,
    saw_solution_before_check: bool = False,
    saw_last_hint_before_check: bool = False,
) -> frozenset[Rating]:
    """The ratings rule 3 allows after a check.

    - invalid: the response was not read, no attempt exists, so nothing can be rated yet;
    - incorrect, or any incorrect attempt earlier in the pass item (`incorrect_before`, a
      retry that then came out right): Yellow or Red, unless the learner disputes the verdict;
    - correct, undecided (the learner self-rates) and self-graded: all three;
    - no attempt at all (`None`, the learner gave up): Yellow or Red, as nothing was solved;
    - having opened the solution or the last hint before checking removes Green in every case,
      self-graded and disputed ones included: the cap is about having seen the answer, which
      no verdict undoes.
    """
    if verdict is Verdict.INVALID:
        return frozenset()
    allowed = _ALL if _may_be_green(verdict, disputed, incorrect_before) else _NOT_GREEN
    if saw_solution_before_check or saw_last_hint_before_check:
        return allowed - {Rating.GREEN}
    return allowed


def _may_be_green(verdict: Verdict | None, disputed: bool, incorrect_before: bool) -> bool:
    if verdict is Verdict.INCORRECT or incorrect_before:
        return disputed
    return verdict is not None


@dataclass(frozen=True)
class Counts:
    """Exercises per colour (rule 9). For a `Pass`, `parked` stays 0: parking belongs to the
    subject, and a parked exercise keeps its Red in the pass that parked it."""

    green: int = 0
    yellow: int = 0
    red: int = 0
    unrated: int = 0
    parked: int = 0

    @property
    def total(self) -> int:
        return self.green + self.yellow + self.red + self.unrated + self.parked


def _count(ratings: Iterable[Rating | None], parked: int = 0) -> Counts:
    ratings = list(ratings)
    return Counts(
        green=ratings.count(Rating.GREEN),
        yellow=ratings.count(Rating.YELLOW),
        red=ratings.count(Rating.RED),
        unrated=ratings.count(None),
        parked=parked,
    )


Stage = Literal["answer", "incorrect", "next", "rate", "rated"]
"""Where a pass item stands (rule 3): the Answer box; an Incorrect verdict offering Try again
or Show solution; a part done, its solution shown, offering the next part (multi-part
exercises); the solution shown and the rating asked; rated."""


@dataclass
class PassItem:
    """One exercise in one pass: its variant, the verdict of its latest attempt, its rating.

    After an Incorrect check the learner may try again, as often as they like, until they open
    the solution; every other verdict shows the solution at once, so the attempt is the last.
    `verdict` is the latest attempt's (None before the first, and again after Try again);
    `incorrect_attempts` counts the Incorrect ones, any of which rules Green out. Only an
    Incorrect attempt is ever followed by another, so the attempts are numbered from these two
    (`attempts`), and the storage's unique attempt number turns a double Check into one.
    An invalid response is not an attempt.
    """

    exercise_id: str
    seed: int
    verdict: Verdict | None = None
    rating: Rating | None = None
    disputed: bool = False
    saw_solution_before_check: bool = False
    saw_last_hint_before_check: bool = False
    incorrect_attempts: int = 0
    solution_open: bool = False
    attempt_count: int = 0
    part: int = 0
    parts: int = 1

    @property
    def incorrect_before(self) -> bool:
        return self.incorrect_attempts > 0

    @property
    def checked(self) -> bool:
        """The latest attempt has its verdict (False before one, and after Try again)."""
        return self.verdict is not None

    @property
    def last_part(self) -> bool:
        return self.part >= self.parts - 1

    @property
    def stage(self) -> Stage:
        """A part's open solution ends that part even before a check, as the next part unlocks
        on it (DESIGN §5); an exercise without parts keeps its Answer box then (capped)."""
        if self.rating is not None:
            return "rated"
        if self.verdict is None and not (self.solution_open and self.parts > 1):
            return "answer"
        if self.verdict is Verdict.INCORRECT and not self.solution_open:
            return "incorrect"
        return "rate" if self.last_part else "next"

    @property
    def rating_waits(self) -> bool:
        """No rating yet: an Incorrect verdict waits for Try again or Show solution, and a
        multi-part exercise is rated once, after its last part (rule 3)."""
        return self.stage in ("incorrect", "next") or (self.parts > 1 and self.stage == "answer")

    def show_hint(self, *, last: bool) -> None:
        """Only the last hint, opened before the check, caps the rating (rule 3)."""
        if last and not self.checked:
            self.saw_last_hint_before_check = True

    def show_solution(self) -> None:
        """Open the solution: before a check it caps the rating at Yellow; after an Incorrect
        one it ends the retries (the answer is seen); after any other it is the routine."""
        if not self.checked:
            self.saw_solution_before_check = True
        self.solution_open = True

    def record_check(self, verdict: Verdict, *, part: int | None = None) -> bool:
        """Record an attempt (of `part`, the one graded, if given: it must still be the
        current one); False when the response was invalid and nothing was recorded. Attempts
        are numbered across the parts (`attempt_count` is the latest one's number)."""
        self._ensure_unrated()
        if self.stage != "answer" or part not in (None, self.part):
            raise AlreadyChecked(self.exercise_id)
        if verdict is Verdict.INVALID:
            return False
        self.verdict = verdict
        self.attempt_count += 1
        if verdict is Verdict.INCORRECT:
            self.incorrect_attempts += 1
        return True

    def try_again(self) -> None:
        """Try again: the Answer box comes back for a new attempt in this item (rule 3)."""
        if self.stage != "incorrect":
            raise RetryNotAllowed(self.exercise_id)
        self.verdict = None

    def next_part(self) -> None:
        """Next part: the current part is done, the next one's Answer box opens. The verdicts
        and caps of the parts before stay, as the one rating is about them all (rule 3)."""
        if self.stage != "next":
            raise PartNotDone(self.exercise_id)
        self.part += 1
        self.verdict, self.solution_open = None, False

    def allowed_ratings(self, *, disputed: bool = False) -> frozenset[Rating]:
        """None while the rating waits (`rating_waits`): it comes after the solution, and
        after the last part (rule 3)."""
        if self.rating_waits:
            return frozenset()
        return allowed_ratings(
            self.verdict,
            disputed=disputed,
            incorrect_before=self.incorrect_before,
            saw_solution_before_check=self.saw_solution_before_check,
            saw_last_hint_before_check=self.saw_last_hint_before_check,
        )

    def rate(self, rating: Rating, *, disputed: bool = False) -> None:
        """Rate once; a dispute is only about an incorrect verdict and is kept for the operator."""
        self._ensure_unrated()
        if self.stage == "incorrect":
            raise RatingNotAllowed("the rating follows the solution: Try again or Show solution")
        if self.rating_waits:
            raise RatingNotAllowed("a multi-part exercise is rated after its last part")
        if disputed and not self.incorrect_before:
            raise RatingNotAllowed("only an incorrect verdict can be disputed")
        if rating not in self.allowed_ratings(disputed=disputed):
            raise RatingNotAllowed(f"{rating.value} is not allowed for {self.exercise_id}")
        self.rating = rating
        self.disputed = disputed

    def withdraw_rating(self) -> Rating:
        """Undo: the item is unrated again, back at its rating step; returns what was withdrawn."""
        rating = self.rating
        if rating is None:
            raise NothingToUndo(self.exercise_id)
        self.rating, self.disputed = None, False
        return rating

    def _ensure_unrated(self) -> None:
        if self.rating is not None:
            raise AlreadyRated(self.exercise_id)


Order = Literal["list", "shuffled"]


@dataclass
class Pass:
    """One round through a subject (rules 2 and 4). It ends when every item is rated or when the
    learner closes it early; ended passes are history and never change again."""

    number: int
    items: list[PassItem] = field(default_factory=list)
    closed_early: bool = False
    undoable: str | None = None
    """The exercise whose rating Undo may withdraw: the latest rating, until the next Check."""
    theory_seen: set[str] = field(default_factory=set)
    """Topics whose theory review was shown in this pass (rule 5: once per topic per pass)."""

    def __contains__(self, exercise_id: object) -> bool:
        return any(item.exercise_id == exercise_id for item in self.items)

    def item(self, exercise_id: str) -> PassItem:
        for item in self.items:
            if item.exercise_id == exercise_id:
                return item
        raise NotInPass(exercise_id)

    def exercise_ids(self) -> list[str]:
        return [item.exercise_id for item in self.items]

    def unrated(self) -> list[str]:
        return [item.exercise_id for item in self.items if item.rating is None]

    @property
    def is_finished(self) -> bool:
        # Asked on every page (which pass is open): stop at the first unrated item.
        return self.closed_early or all(item.rating is not None for item in self.items)

    def close_early(self) -> None:
        """End the pass now; its unrated exercises go to the next pass."""
        if self.is_finished:
            raise NoOpenPass(f"pass {self.number} has already ended")
        self.closed_early = True
        self.undoable = None

    def counts(self) -> Counts:
        return _count(item.rating for item in self.items)

    def next_item(
        self, order: Order = "list", *, after: str | None = None, rng: random.Random | None = None
    ) -> str | None:
        """The next unrated exercise, or None when none is left (rule 2).

        In list order, "next" goes on from `after` (the exercise just left) and wraps round, so a
        skipped exercise comes back last. Shuffled, it is any other unrated exercise.
        """
        if order == "shuffled":
            return self._shuffled_next(after, rng or random.Random())
        if order != "list":
            raise ValueError(f"unknown order {order!r}")
        ids = self.exercise_ids()
        start = ids.index(after) + 1 if after in ids else 0
        unrated = set(self.unrated())
        return next((e for e in ids[start:] + ids[:start] if e in unrated), None)

    def _shuffled_next(self, after: str | None, rng: random.Random) -> str | None:
        unrated = self.unrated()
        others = [e for e in unrated if e != after] or unrated
        return rng.choice(others) if others else None


@dataclass
class Subject:
    """One learner's progress in one subject: the aggregate the service loads and saves.

    `salt` is a per-learner string (the learner id will do; it need not be secret): it makes
    variants differ between learners while staying reproducible.
    """

    name: str
    salt: str
    study_list: list[str] = field(default_factory=list)
    passes: list[Pass] = field(default_factory=list)
    parked: set[str] = field(default_factory=set)

    # -- passes (rules 2, 4) ---------------------------------------------------------------

    @property
    def current_pass(self) -> Pass | None:
        return self.passes[-1] if self.passes else None

    @property
    def open_pass(self) -> Pass | None:
        """The current pass while it has not ended; late additions and unparked ones join it."""
        current = self.current_pass
        return current if current is not None and not current.is_finished else None

    def next_pass_preview(self) -> list[str]:
        """What the next pass holds, in study-list order: the exercises not parked whose latest
        rating is not Green.

        After pass n that is exactly rule 4 (Yellow, Red and unrated of pass n, as Green is never
        revisited); stated this way it also takes in exercises added or unparked while no pass was
        open, and drops those removed from the study list, without any state of its own.
        """
        latest = _latest_ratings(self.passes)
        return [
            e for e in self.study_list if e not in self.parked and latest.get(e) is not Rating.GREEN
        ]

    def start_pass(self) -> Pass:
        """Start pass 1 (the whole study list) or pass n+1 (see `next_pass_preview`)."""
        if self.open_pass is not None:
            raise PassNotFinished(f"pass {self.open_pass.number} still has unrated exercises")
        exercise_ids = self.next_pass_preview()
        if not exercise_ids:
            raise NothingToStudy(self.name)
        number = self.current_pass.number + 1 if self.current_pass else 1
        if self.current_pass is not None:
            self.current_pass.undoable = None  # Undo reopens no pass once another has begun
        new_pass = Pass(number, [self._new_item(e, number) for e in exercise_ids])
        self.passes.append(new_pass)
        return new_pass

    def close_pass(self) -> Pass:
        """Close the open pass early; returns it for the summary."""
        current = self._require_open_pass()
        current.close_early()
        return current

    # -- attempts, Try again, rating and Undo (rule 3) ------------------------------------------

    def item(self, exercise_id: str) -> PassItem:
        """The exercise's item in the open pass, to read (its seed, verdict, allowed ratings)."""
        return self._require_open_pass().item(exercise_id)

    def show_hint(self, exercise_id: str, *, last: bool) -> None:
        self.item(exercise_id).show_hint(last=last)

    def show_solution(self, exercise_id: str) -> None:
        self.item(exercise_id).show_solution()

    def record_check(self, exercise_id: str, verdict: Verdict, *, part: int | None = None
                     ) -> bool:
        """Record an attempt (of `part` of a multi-part exercise); False for an invalid
        response, which records nothing. A recorded attempt, of any exercise of the pass, ends
        the time to undo the latest rating."""
        recorded = self.item(exercise_id).record_check(verdict, part=part)
        if recorded:
            self._require_open_pass().undoable = None
        return recorded

    def try_again(self, exercise_id: str) -> None:
        """Try again after an Incorrect check: a new attempt in the same pass item."""
        self.item(exercise_id).try_again()

    def next_part(self, exercise_id: str) -> None:
        """Next part of a multi-part exercise, once the current one is done."""
        self.item(exercise_id).next_part()

    def rate(self, exercise_id: str, rating: Rating, *, disputed: bool = False) -> None:
        """Rate the exercise in the open pass, parking it when rule 7 says so."""
        current = self._require_open_pass()
        current.item(exercise_id).rate(rating, disputed=disputed)
        current.undoable = exercise_id
        if rating is Rating.RED and self.passes_containing(exercise_id) >= RED_CAP_PASS:
            self.parked.add(exercise_id)

    def undo_rating(self, exercise_id: str) -> None:
        """Undo the latest rating of the current pass, until the next Check.

        The item is unrated again and back at its rating step (its verdicts and what was seen
        stay, so the same ratings are allowed); a Red that parked it unparks it; a pass that
        this rating ended is open again. Nothing else can be undone: an earlier rating, one
        followed by a Check, or one in a pass closed early or followed by a new pass.
        """
        current = self.current_pass
        if current is None or current.undoable != exercise_id:
            raise NothingToUndo(exercise_id)
        if current.item(exercise_id).withdraw_rating() is Rating.RED:
            self.parked.discard(exercise_id)  # a parked exercise is in no open pass: this parked it
        current.undoable = None

    # -- theory first, variants (rules 5, 6) -------------------------------------------------

    def needs_theory_review(self, exercise_id: str) -> bool:
        """Rule 5, for one exercise: its latest rating before the current pass was Yellow or Red.

        "Latest" rather than "in the previous pass" so that an exercise skipped in one pass, or
        unparked after a break, still gets its review.
        """
        earlier = _latest_ratings(self.passes[:-1])
        return earlier.get(exercise_id) in (Rating.YELLOW, Rating.RED)

    def theory_review_due(self, exercise_id: str, topic: str) -> bool:
        """Rule 5: show the topic's theory before this exercise is attempted, as it was Yellow
        or Red before and its topic's review has not been shown in this pass (once per topic
        per pass)."""
        current = self.open_pass
        if current is None or topic in current.theory_seen or exercise_id not in current:
            return False
        item = current.item(exercise_id)
        fresh = item.stage == "answer" and not item.incorrect_before and item.part == 0
        return fresh and self.needs_theory_review(exercise_id)

    def theory_shown(self, topic: str) -> None:
        """The topic's theory review was shown (and read) in the open pass."""
        self._require_open_pass().theory_seen.add(topic)

    def variant_seed(self, exercise_id: str, pass_number: int) -> int:
        """Rule 6: one seed per (learner, exercise, pass), reproducible from stored data.

        The pass number is added to a hash of the learner and exercise, so the seeds of any two
        passes differ, not only consecutive ones.
        """
        digest = hashlib.blake2b(f"{self.salt}\0{exercise_id}".encode(), digest_size=8).digest()
        return (int.from_bytes(digest, "big") + pass_number) % _SEED_SPACE

    def _new_item(self, exercise_id: str, pass_number: int) -> PassItem:
        return PassItem(exercise_id, self.variant_seed(exercise_id, pass_number))

    # -- the Red cap (rule 7) -----------------------------------------------------------------

    def passes_containing(self, exercise_id: str) -> int:
        """How many passes have held the exercise: "its fifth pass" counts these."""
        return sum(exercise_id in p for p in self.passes)

    def unpark(self, exercise_id: str) -> None:
        """Return a parked exercise to the cycle: the open pass if there is one, else the next.

        Its pass count is kept, so Red again parks it again at once (rule 7: "or later").
        """
        if exercise_id not in self.parked:
            raise NotParked(exercise_id)
        self.parked.discard(exercise_id)
        self._join_open_pass([exercise_id])

    # -- the study list and progress (rules 1, 8, 9) -------------------------------------------

    def add_to_study_list(self, exercise_ids: Iterable[str]) -> list[str]:
        """Add exercises (rule 8: they join the open pass); returns those that were new.

        One already Green from an earlier time on the list stays Green and is not revisited.
        """
        added = [e for e in dict.fromkeys(exercise_ids) if e not in self.study_list]
        self.study_list.extend(added)
        self._join_open_pass(added)
        return added

    def remove_from_study_list(self, exercise_ids: Iterable[str]) -> None:
        """Drop exercises from the list and from the open pass where unrated; ratings stay."""
        removed = set(exercise_ids)
        self.study_list = [e for e in self.study_list if e not in removed]
        self.parked -= removed
        current = self.open_pass
        if current is not None:
            current.items = [
                i for i in current.items if i.exercise_id not in removed or i.rating is not None
            ]

    def latest_rating(self, exercise_id: str) -> Rating | None:
        """An exercise's colour: its latest rating in any pass."""
        return _latest_ratings(self.passes).get(exercise_id)

    def is_complete(self) -> bool:
        """Rule 8: every exercise of a non-empty study list is Green. A parked exercise's latest
        rating is Red, so it keeps the subject incomplete."""
        latest = _latest_ratings(self.passes)
        return bool(self.study_list) and all(
            latest.get(e) is Rating.GREEN for e in self.study_list
        )

    def counts(self) -> Counts:
        """Rule 9: each study-list exercise counted once, parked before its colour."""
        latest = _latest_ratings(self.passes)
        colours = [latest.get(e) for e in self.study_list if e not in self.parked]
        return _count(colours, parked=len(self.parked & set(self.study_list)))

    def _join_open_pass(self, exercise_ids: Iterable[str]) -> None:
        current = self.open_pass
        if current is None:
            return
        latest = _latest_ratings(self.passes)
        for e in exercise_ids:
            if e in current or e in self.parked or latest.get(e) is Rating.GREEN:
                continue
            current.items.append(self._new_item(e, current.number))

    def _require_open_pass(self) -> Pass:
        current = self.open_pass
        if current is None:
            raise NoOpenPass(self.name)
        return current


def _latest_ratings(passes: list[Pass]) -> dict[str, Rating]:
    """Each exercise's latest rating in `passes` (unrated ones are absent), in one sweep: the
    dashboard asks it of every exercise of a study list."""
    latest: dict[str, Rating] = {}
    for each in passes:
        for item in each.items:
            if item.rating is not None:
                latest[item.exercise_id] = item.rating
    return latest
