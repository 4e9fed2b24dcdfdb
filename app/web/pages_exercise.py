"""The exercise page and its actions: theory review, hints, solution, Check, rating.

The flow is plain forms and redirects, so it works without JavaScript; htmx (boosted forms and
the live preview) only makes it quicker. A Check that records an attempt redirects to the page
(POST-redirect-GET); one that records nothing (the answer was not read, a hint, the solution)
shows the page again with what the learner typed, so no note is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from app.bank.shown import Shown, VariantUnavailable, mistake_feedback, shown
from app.checking import CheckerBusy
from app.checking.compare.result import CheckResult, Validation
from app.method import model, queries, service, sessions
from app.web.deps import PathInt, Pool, Uow, User, notify, redirect, render
from app.web.threads import in_thread

router = APIRouter()

VERDICT_KEY = "verdict"
REVIEWED_KEY = "reviewed"
REVIEWED_KEEP = 150
"""Pass items whose theory review was read, kept in the sign-in's data (bounded)."""
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
class Here:
    """The exercise in the learner's open pass, as the page needs it."""

    info: queries.ExerciseInfo
    aggregate: model.Subject
    current: model.Pass
    item: model.PassItem
    row: queries.ItemRow
    earlier: list[queries.AttemptInfo]
    """The attempts of earlier passes, latest first."""
    place: sessions.Place | None = None
    """Where this exercise is in the session and the pass (rule 10)."""


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

    @property
    def label(self) -> str:
        return LABELS.get(self.status, self.status.title())


async def _here(uow: Uow, user: int, pk: int) -> Here:
    """The exercise if it is in the learner's open pass; else 404 (it may be someone else's)."""
    try:
        info, aggregate, row, earlier = await in_thread(queries.exercise_in_pass, uow, user, pk)
    except queries.NotFound:
        raise HTTPException(404, "There is no such exercise in your current pass.") from None
    current = aggregate.open_pass
    place = await in_thread(queries.place, uow, user, info.subject, current)
    return Here(info, aggregate, current, current.item(info.global_id), row, earlier, place)


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


def _needs_review(request: Request, here: Here) -> bool:
    reviewed = request.session.get(REVIEWED_KEY) or []
    return (
        not here.item.checked
        and here.aggregate.needs_theory_review(here.info.global_id)
        and here.row.id not in reviewed
    )


def _stored_verdict(request: Request, here: Here) -> VerdictView | None:
    """The verdict of the attempt in this pass; its message is kept from the Check."""
    if here.item.verdict is None:
        return None
    flash = request.session.get(VERDICT_KEY) or {}
    kept = flash if flash.get("item") == [here.info.id, here.item.seed] else {}
    latex = here.row.attempt.latex if here.row.attempt else None
    return VerdictView(here.item.verdict.value, kept.get("message", ""), latex,
                       kept.get("feedback"))


def _page(
    request: Request,
    here: Here,
    exercise: Shown,
    draft: Draft | None = None,
    verdict: VerdictView | None = None,
) -> Response:
    """The exercise page for `exercise`, the variant, from what `_here` read."""
    item = here.item
    draft = draft or Draft()
    if item.saw_last_hint_before_check:
        draft.hints = len(exercise.hints)
    verdict = verdict or _stored_verdict(request, here)
    allowed = {r.value for r in item.allowed_ratings()} if item.checked else set()
    dispute = (
        item.verdict is model.Verdict.INCORRECT
        and model.Rating.GREEN in item.allowed_ratings(disputed=True)
    )
    attempt = here.row.attempt
    response = render(
        request,
        "exercise.html",
        here=here,
        info=here.info,
        exercise=exercise,
        item=item,
        draft=draft,
        verdict=verdict,
        attempt=attempt,
        allowed=allowed,
        dispute=dispute,
        criteria=CRITERIA,
        show_solution=item.checked or item.saw_solution_before_check,
        earlier=here.earlier,
        pass_number=here.current.number,
        place=here.place,
    )
    response.headers["HX-Push-Url"] = f"/exercises/{here.info.id}"
    return response


@router.get("/exercises/{pk}")
async def exercise_page(request: Request, uow: Uow, user: User, pool: Pool, pk: PathInt,
                        ) -> Response:
    here = await _here(uow, user, pk)
    if _needs_review(request, here):
        return redirect(f"/exercises/{pk}/theory")
    return _page(request, here, await _variant(pool, here.info, here.item.seed, user))


# -- theory first (rule 5) -----------------------------------------------------------------------


@router.get("/exercises/{pk}/theory")
async def theory_page(request: Request, uow: Uow, user: User, pk: PathInt) -> Response:
    here = await _here(uow, user, pk)
    title, theory, examples = await in_thread(queries.topic_notes, uow, here.info.subject,
                                              here.info.topic)
    earlier = here.earlier
    return render(
        request,
        "theory.html",
        info=here.info,
        topic_title=title,
        theory=theory,
        example=examples[0] if examples else None,
        previous=earlier[0] if earlier else None,
        previous_rating=here.aggregate.latest_rating(here.info.global_id),
    )


@router.post("/exercises/{pk}/theory")
async def theory_read(request: Request, uow: Uow, user: User, pk: PathInt) -> Response:
    """Continue: the review is read; the exercise page opens."""
    here = await _here(uow, user, pk)
    reviewed = [i for i in request.session.get(REVIEWED_KEY) or [] if i != here.row.id]
    request.session[REVIEWED_KEY] = (reviewed + [here.row.id])[-REVIEWED_KEEP:]
    return redirect(f"/exercises/{pk}")


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
    exercise = await _variant(pool, here.info, here.item.seed, user)
    count = min(draft.hints + 1, len(exercise.hints))
    if count and not here.item.rating:
        await in_thread(service.show_hint, uow, user, here.info.subject, here.info.global_id,
                        last=count == len(exercise.hints))
        here = await _here(uow, user, pk)
    return _page(request, here, exercise, replace(draft, hints=count))


@router.post("/exercises/{pk}/solution")
async def show_solution(request: Request, uow: Uow, user: User, pool: Pool, pk: PathInt,
                        draft: Typed) -> Response:
    """Show solution: before the check it caps the rating at Yellow (the page said so)."""
    here = await _here(uow, user, pk)
    exercise = await _variant(pool, here.info, here.item.seed, user)
    if not here.item.rating:
        await in_thread(service.show_solution, uow, user, here.info.subject, here.info.global_id)
        here = await _here(uow, user, pk)
    return _page(request, here, exercise, draft)


# -- Check ---------------------------------------------------------------------------------------


async def _grade(pool: Pool, exercise: Shown, response: str, user: int,
                 ) -> tuple[CheckResult, str | None]:
    """The checker's result (in the pool, in the learner's turn) and the feedback of a
    matching typical mistake; raises CheckerBusy."""
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
        feedback = await mistake_feedback(pool, exercise, response, owner=user)
    return result, feedback


@router.post("/exercises/{pk}/check")
async def check(
    request: Request, uow: Uow, user: User, pool: Pool, pk: PathInt, draft: Typed,
    choice: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Check: grade the answer; a read one is recorded as this pass's attempt (rule 3)."""
    response, shape, motion = draft.response, draft.shape, draft.motion
    response = ",".join(choice) if choice else response
    info, seed = await _to_check(uow, user, pk)
    exercise = await _variant(pool, info, seed, user)
    typed = replace(draft, response=response)
    try:
        result, feedback = await _grade(pool, exercise, response, user)
    except CheckerBusy as error:  # nothing recorded; what was typed stays
        verdict = VerdictView("busy", _busy(error))
        return _page(request, await _here(uow, user, pk), exercise, typed, verdict)
    status = "self" if exercise.self_graded else result.status
    try:
        recorded = await in_thread(
            service.record_check, uow, user, info.subject, info.global_id,
            response, status, latex=result.latex, shape_note=shape.strip() or None,
            motion_note=motion.strip() or None,
        )
    except (model.AlreadyChecked, model.AlreadyRated):  # checked before, or in another tab
        return redirect(f"/exercises/{pk}#verdict")
    if not recorded:  # not read: nothing stored, the learner corrects the answer
        verdict = VerdictView("invalid", result.message, result.latex)
        return _page(request, await _here(uow, user, pk), exercise, typed, verdict)
    request.session[VERDICT_KEY] = {
        "item": [pk, seed], "message": result.message, "feedback": feedback,
    }
    return redirect(f"/exercises/{pk}#verdict")


async def _to_check(uow: Uow, user: int, pk: int) -> tuple[queries.ExerciseInfo, int]:
    """The exercise and its seed in the learner's open pass: what grading needs. The service
    that records the check loads the learner's progress and applies the rules."""
    try:
        return await in_thread(queries.exercise_to_check, uow, user, pk)
    except queries.NotFound:
        raise HTTPException(404, "There is no such exercise in your current pass.") from None


@router.post("/exercises/{pk}/validate", response_class=HTMLResponse)
async def preview(
    request: Request, uow: Uow, user: User, pool: Pool, pk: PathInt, response: Text = ""
) -> Response:
    """The live preview (htmx): how the answer box is read, or why it is not."""
    info, seed = await _to_check(uow, user, pk)
    exercise = await _variant(pool, info, seed, user)
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
    request.session.pop(VERDICT_KEY, None)
    text = f"Rated {rating.title()}."
    if parked:
        text += " It was Red in its fifth pass, so it is parked under Needs help."
    notify(request, text)
    return redirect(f"/subjects/{subject}/next?after={pk}")


@router.get("/exercises/{pk}/{action}")
async def action_by_get(pk: PathInt, action: str) -> Response:
    """A reload of a re-rendered post lands here: show the exercise instead of 405."""
    return redirect(f"/exercises/{pk}")
