"""The exercise page and its actions: theory review, hints, solution, Check, Try again, rating,
Undo; and every topic's Theory.

The flow is plain forms and redirects, so it works without JavaScript; htmx (boosted forms and
the live preview) only makes it quicker. A Check that records an attempt redirects to the page
(POST-redirect-GET); one that records nothing (the answer was not read, a hint, the solution
before a check) shows the page again with what the learner typed, so no note is lost. What the
page shows comes from the pass item's stage (`model.PassItem.stage`) and its stored attempts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from app.bank.shown import Shown, VariantUnavailable, mistake_feedback, shown
from app.checking import CheckerBusy
from app.checking.compare.result import CheckResult, Validation
from app.checking.compare.structures import place
from app.method import model, queries, service
from app.method.repository import UnknownSubject
from app.threads import in_thread
from app.web.deps import PathInt, Pool, Uow, User, notify, redirect, render

router = APIRouter()

MAX_TEXT = 20_000

LABELS = {
    "correct": "Correct",
    "incorrect": "Incorrect",
    "invalid": "Not read",
    "undecided": "Undecided",
    "self": "Self-graded",
}
CRITERIA = {
    "green": "Solved correctly and I understand why.",
    "yellow": "Made a mistake or was unsure, but I understand where and what is right.",
    "red": "Made a mistake and I do not understand the solution.",
}

Text = Annotated[str, Form(max_length=MAX_TEXT)]


@dataclass
class Draft:
    """What the learner typed, shown again when the page is re-rendered after a post."""

    response: str = ""
    shape: str = ""
    motion: str = ""
    hints: int = 0


@dataclass(frozen=True)
class VerdictView:
    status: str
    message: str = ""
    latex: str | None = None
    feedback: str | None = None
    entries: dict | None = None
    """Which entries of a structured answer are wrong (the check result's `entries`)."""

    @property
    def label(self) -> str:
        return LABELS.get(self.status, self.status.title())

    @property
    def wrong_entries(self) -> list[str]:
        """The wrong entries' places as the learner reads them: `2`, `(2,1)`."""
        return [place(p) for p in (self.entries or {}).get("wrong") or []]


async def _here(uow: Uow, user: int, pk: int) -> queries.InPass:
    """The exercise if it is in the learner's open pass; else 404 (it may be someone else's)."""
    try:
        return await in_thread(queries.exercise_in_pass, uow, user, pk)
    except queries.NotFound:
        raise HTTPException(404, "There is no such exercise in your current pass.") from None


async def _variant(pool: Pool, info: queries.ExerciseInfo, seed: int, user: int) -> Shown:
    """The variant the pass item shows: made already (most of the time), or made now by the
    checker pool, in the learner's turn."""
    try:
        return await shown(pool, info, seed, owner=user)
    except VariantUnavailable as error:
        raise HTTPException(503, f"This exercise could not be generated: {error}") from None
    except CheckerBusy as error:
        raise HTTPException(503, _busy(error), {"Retry-After": str(error.retry_after)}) from None


def _busy(error: CheckerBusy) -> str:
    return f"The checker is busy — try again in {error.retry_after} s."


def _stored_verdict(here: queries.InPass) -> VerdictView | None:
    """The verdict of the latest attempt in this pass, with what the checker said."""
    attempt = here.row.attempt
    if here.item.verdict is None or attempt is None:
        return None
    return VerdictView(here.item.verdict.value, attempt.message or "", attempt.latex,
                       attempt.feedback, attempt.entries)


@dataclass(frozen=True)
class DonePart:
    """A part of a multi-part exercise before the current one: its attempts and solution."""

    number: int
    shown: Shown
    attempts: list[queries.AttemptInfo]

    @property
    def outcome(self) -> str:
        """Its last verdict, or that its solution was opened instead."""
        last = self.attempts[-1].status if self.attempts else None
        return LABELS[last] if last and last != "incorrect" else "Solution opened"


def _page(
    request: Request,
    here: queries.InPass,
    whole: Shown,
    draft: Draft | None = None,
    verdict: VerdictView | None = None,
) -> Response:
    """The exercise page for `whole`, the variant, from what `_here` read: of a multi-part
    exercise the stem, the parts done, the current part (`exercise`) and the locked ones."""
    item = here.item
    exercise = whole.part(item.part)
    attempt = here.row.attempt
    draft = draft or _retry_draft(here)
    if item.saw_last_hint_before_check and not whole.parts:  # a part's hints start closed
        draft.hints = len(exercise.hints)
    verdict = verdict or _stored_verdict(here)
    allowed = {r.value for r in item.allowed_ratings()} if item.stage == "rate" else set()
    dispute = (
        item.stage == "rate"
        and item.incorrect_before
        and model.Rating.GREEN in item.allowed_ratings(disputed=True)
    )
    previous = None  # the last attempt of an earlier pass (at this part), above the Answer box
    if item.stage == "answer" and not item.incorrect_before:  # (rule 5)
        previous = next((a for a in here.earlier if a.part == item.part), None)
    response = render(
        request,
        "exercise.html",
        here=here,
        info=here.info,
        whole=whole,
        exercise=exercise,
        done_parts=[DonePart(n + 1, whole.parts[n], here.row.of_part(n))
                    for n in range(min(item.part, len(whole.parts)))],
        item=item,
        draft=draft,
        verdict=verdict,
        attempt=attempt,
        allowed=allowed,
        dispute=dispute,
        criteria=CRITERIA,
        labels=LABELS,
        stage=item.stage,
        show_solution=item.solution_open or item.stage in ("rate", "rated"),
        tries=here.row.of_part(item.part) if item.stage == "answer" else [],
        previous=previous,
        earlier=here.earlier,
        pass_number=here.current.number,
        place=here.place,
        undoable=here.undoable,
    )
    response.headers["HX-Push-Url"] = f"/exercises/{here.info.id}"
    return response


def _retry_draft(here: queries.InPass) -> Draft:
    """After Try again the Answer box comes back with the last attempt's answer and notes;
    a new part's, with the notes only."""
    attempt = here.row.attempt
    if here.item.stage != "answer" or attempt is None:
        return Draft()
    response = attempt.response if attempt.part == here.item.part else ""
    return Draft(response, attempt.shape_of_problem or "", attempt.motion_to_solution or "")


@router.get("/exercises/{pk}")
async def exercise_page(request: Request, uow: Uow, user: User, pool: Pool, pk: PathInt,
                        ) -> Response:
    here = await _here(uow, user, pk)
    if here.review_due:
        return redirect(f"/exercises/{pk}/theory")
    return _page(request, here, await _variant(pool, here.info, here.item.seed, user))


# -- theory first (rule 5), and every topic's Theory -----------------------------------------------


async def _notes(uow: Uow, user: int, subject: str, topic: str) -> tuple[str, str, list[dict]]:
    try:
        return await in_thread(queries.topic_notes, uow, user, subject, topic)
    except queries.NotFound:
        raise HTTPException(404, "There is no such topic.") from None


@router.get("/exercises/{pk}/theory")
async def theory_page(request: Request, uow: Uow, user: User, pk: PathInt) -> Response:
    """The theory review before the first Yellow or Red exercise of a topic in this pass."""
    here = await _here(uow, user, pk)
    title, theory, examples = await _notes(uow, user, here.info.subject, here.info.topic)
    earlier = here.earlier
    return render(
        request,
        "theory.html",
        info=here.info,
        topic_title=title,
        theory=theory,
        example=examples[0] if examples else None,
        previous=earlier[0] if earlier else None,
        previous_rating=here.previous_rating,
    )


@router.post("/exercises/{pk}/theory")
async def theory_read(request: Request, uow: Uow, user: User, pk: PathInt) -> Response:
    """Continue: the topic's review is read for this pass; the exercise page opens."""
    here = await _here(uow, user, pk)
    await in_thread(service.theory_shown, uow, user, here.info.subject, here.info.topic)
    return redirect(f"/exercises/{pk}")


@router.get("/subjects/{subject}/theory")
async def theory_index(request: Request, uow: Uow, user: User, subject: str) -> Response:
    """Every topic's Theory of a subject, readable at any time."""
    try:
        title, found = await in_thread(queries.topics, uow, user, subject)
    except queries.NotFound:
        raise HTTPException(404, "There is no such subject.") from None
    return render(request, "theory_index.html", subject=subject, title=title, topics=found)


@router.get("/subjects/{subject}/theory/{topic}")
async def topic_theory(request: Request, uow: Uow, user: User, subject: str, topic: str,
                       ) -> Response:
    """A topic's theory note and worked examples, readable at any time."""
    title, theory, examples = await _notes(uow, user, subject, topic)
    return render(request, "topic_theory.html", subject=subject, topic_title=title,
                  theory=theory, examples=examples)


# -- before the check: hints and the solution ----------------------------------------------------


async def _draft(
    response: Text = "",
    shape: Text = "",
    motion: Text = "",
    hints_shown: Annotated[int, Form(ge=0, le=100)] = 0,
) -> Draft:
    """The form's typed fields, kept when a hint or the solution re-renders the page."""
    return Draft(response, shape, motion, hints_shown)


Typed = Annotated[Draft, Depends(_draft)]


@router.post("/exercises/{pk}/hint")
async def show_hint(request: Request, uow: Uow, user: User, pool: Pool, pk: PathInt,
                    draft: Typed) -> Response:
    """Show hint: one more hint; opening the last one before the check caps the rating."""
    here = await _here(uow, user, pk)
    whole = await _variant(pool, here.info, here.item.seed, user)
    hints = whole.part(here.item.part).hints
    count = min(draft.hints + 1, len(hints))
    if count and not here.item.rating:
        await in_thread(service.show_hint, uow, user, here.info.subject, here.info.global_id,
                        last=count == len(hints))
        here = await _here(uow, user, pk)
    return _page(request, here, whole, replace(draft, hints=count))


@router.post("/exercises/{pk}/solution")
async def show_solution(request: Request, uow: Uow, user: User, pool: Pool, pk: PathInt,
                        draft: Typed) -> Response:
    """Show solution: before the check it caps the rating at Yellow (the page said so); after
    an Incorrect one it ends the retries and the rating follows. A part's solution ends the
    part: the next one unlocks."""
    here = await _here(uow, user, pk)
    if here.item.rating:
        return redirect(f"/exercises/{pk}")
    await in_thread(service.show_solution, uow, user, here.info.subject, here.info.global_id)
    if here.item.checked or here.item.parts > 1:  # nothing typed to keep: by GET
        return redirect(f"/exercises/{pk}#solution")
    exercise = await _variant(pool, here.info, here.item.seed, user)
    return _page(request, await _here(uow, user, pk), exercise, draft)


async def _step(uow: Uow, user: int, pk: int, step: Callable[..., object],
                done: tuple[type[Exception], ...], anchor: str) -> Response:
    """One step of the item (Try again, Next part) and back to the page; a step already taken
    (a second click, or another tab) changes nothing."""
    info, _, _ = await _to_check(uow, user, pk)
    try:
        await in_thread(step, uow, user, info.subject, info.global_id)
    except (*done, model.AlreadyRated):
        pass
    return redirect(f"/exercises/{pk}#{anchor}")


@router.post("/exercises/{pk}/retry")
async def try_again(uow: Uow, user: User, pk: PathInt) -> Response:
    """Try again after an Incorrect check: the Answer box comes back, the notes kept."""
    return await _step(uow, user, pk, service.try_again, (model.RetryNotAllowed,), "attempt")


@router.post("/exercises/{pk}/next-part")
async def next_part(uow: Uow, user: User, pk: PathInt) -> Response:
    """Next part: the current part is done, the next one's Answer box opens."""
    return await _step(uow, user, pk, service.next_part, (model.PartNotDone,), "part")


# -- Check ---------------------------------------------------------------------------------------


async def _grade(pool: Pool, exercise: Shown, response: str, user: int,
                 ) -> tuple[CheckResult, str | None]:
    """The checker's result (in the pool, in the learner's turn) and the feedback on an
    incorrect one: the author's for a matching typical mistake, else the mistake the
    checker recognised by itself (its diagnosis), if any; raises CheckerBusy."""
    if exercise.self_graded:
        message = "Compare your answer with the solution and rate it yourself."
        return CheckResult(status="correct", message=message), None
    try:
        spec = exercise.spec()
    except ValidationError:
        return CheckResult("undecided", "This exercise's answer is broken; rate it yourself."), None
    result = await pool.check_async(spec, response, owner=user)
    feedback = None
    if result.status == "incorrect":
        feedback = (await mistake_feedback(pool, exercise, response, owner=user)
                    or result.diagnosis_message)
    return result, feedback


@router.post("/exercises/{pk}/check")
async def check(
    request: Request, uow: Uow, user: User, pool: Pool, pk: PathInt, draft: Typed,
    choice: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Check: grade the answer; a read one is recorded as this pass's attempt (rule 3)."""
    response, shape, motion = draft.response, draft.shape, draft.motion
    response = ",".join(choice) if choice else response
    info, seed, part = await _to_check(uow, user, pk)
    whole = await _variant(pool, info, seed, user)
    exercise = whole.part(part)
    typed = replace(draft, response=response)
    try:
        result, feedback = await _grade(pool, exercise, response, user)
    except CheckerBusy as error:  # nothing recorded; what was typed stays
        verdict = VerdictView("busy", _busy(error))
        return _page(request, await _here(uow, user, pk), whole, typed, verdict)
    status = "self" if exercise.self_graded else result.status
    try:
        recorded = await in_thread(
            service.record_check, uow, user, info.subject, info.global_id,
            response, status, latex=result.latex, shape_note=shape.strip() or None,
            motion_note=motion.strip() or None, message=result.message or None,
            feedback=feedback, entries=result.entries, part=part,
        )
    except (model.AlreadyChecked, model.AlreadyRated):  # checked before, or in another tab
        return redirect(f"/exercises/{pk}#verdict")
    if not recorded:  # not read: nothing stored, the learner corrects the answer
        verdict = VerdictView("invalid", result.message, result.latex, entries=result.entries)
        return _page(request, await _here(uow, user, pk), whole, typed, verdict)
    return redirect(f"/exercises/{pk}#verdict")


async def _to_check(uow: Uow, user: int, pk: int) -> tuple[queries.ExerciseInfo, int, int]:
    """The exercise, its seed and current part in the learner's open pass: what grading
    needs. The service that records the check loads the learner's progress and applies the
    rules."""
    try:
        return await in_thread(queries.exercise_to_check, uow, user, pk)
    except queries.NotFound:
        raise HTTPException(404, "There is no such exercise in your current pass.") from None


@router.post("/exercises/{pk}/validate", response_class=HTMLResponse)
async def preview(
    request: Request, uow: Uow, user: User, pool: Pool, pk: PathInt, response: Text = ""
) -> Response:
    """The live preview (htmx): how the answer box is read, or why it is not."""
    info, seed, part = await _to_check(uow, user, pk)
    exercise = (await _variant(pool, info, seed, user)).part(part)
    validation = None
    if response.strip() and exercise.kind not in ("self", "choice", "text"):
        try:
            spec = exercise.spec()
        except ValidationError:
            return render(request, "_preview.html", validation=None)
        try:
            validation = await pool.validate_async(spec, response, owner=user)
        except CheckerBusy as error:
            validation = Validation(valid=False, message=_busy(error))
    return render(request, "_preview.html", validation=validation)


# -- rating --------------------------------------------------------------------------------------


@router.post("/exercises/{pk}/rate")
async def rate(
    request: Request,
    uow: Uow,
    user: User,
    pk: PathInt,
    rating: Annotated[Literal["green", "yellow", "red"], Form()],
    disputed: Annotated[bool, Form()] = False,
) -> Response:
    """Green, Yellow or Red, as the verdict allows; then on to the next exercise.

    The service loads the learner's progress itself, so only the exercise is read here."""
    try:
        info = await in_thread(queries.exercise, uow, user, pk)
    except queries.NotFound:
        raise HTTPException(404, "There is no such exercise.") from None
    subject, global_id = info.subject, info.global_id
    try:
        parked = await in_thread(service.rate, uow, user, subject, global_id,
                                 model.Rating(rating), disputed)
    except (model.NoOpenPass, model.NotInPass):
        raise HTTPException(404, "This exercise is not in your current pass.") from None
    except model.AlreadyRated:
        return redirect(f"/subjects/{subject}/next?after={pk}")
    except (model.RatingNotAllowed, model.AlreadyChecked) as error:
        notify(request, f"That rating is not allowed here ({error}).")
        return redirect(f"/exercises/{pk}")
    text = f"Rated {rating.title()}."
    if parked:
        text += " It was Red in its fifth pass, so it is parked under Needs help."
    notify(request, text)
    return redirect(f"/subjects/{subject}/next?after={pk}")


@router.post("/subjects/{subject}/undo")
async def undo(
    request: Request, uow: Uow, user: User, subject: str,
    exercise: Annotated[str, Form(max_length=300)],
) -> Response:
    """Undo: withdraw the latest rating (until the next Check) and rate that exercise again."""
    try:
        await in_thread(service.undo_rating, uow, user, subject, exercise)
        pk = await in_thread(queries.exercise_pk, uow, user, exercise)
    except (UnknownSubject, queries.NotFound):
        raise HTTPException(404, "There is no such rating to undo.") from None
    except model.NothingToUndo:
        notify(request, "That rating can no longer be undone: an answer was checked since.")
        return redirect(f"/subjects/{subject}")
    notify(request, "Rating undone: rate it again.")
    return redirect(f"/exercises/{pk}#rate")


@router.get("/exercises/{pk}/{action}")
async def action_by_get(pk: PathInt, action: str) -> Response:
    """A reload of a re-rendered post lands here: show the exercise instead of 405."""
    return redirect(f"/exercises/{pk}")
