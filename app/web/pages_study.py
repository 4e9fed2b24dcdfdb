"""Dashboard, study lists, passes, pass summaries and the Needs help list."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from app.method import model, service
from app.method.repository import UnknownSubject
from app.web import views
from app.web.deps import Uow, User, notify, reading, redirect, render, writing
from app.web.study import Selection, update_study_list

router = APIRouter()

ORDER_KEY = "order"
ORDERS = ("list", "shuffled")


def _subject(uow: Uow, user: int, slug: str) -> model.Subject:
    try:
        return views.load_subject(uow, user, slug)
    except UnknownSubject:
        raise HTTPException(404, "There is no such subject.") from None


def _pass(aggregate: model.Subject, number: int) -> model.Pass:
    for found in aggregate.passes:
        if found.number == number:
            return found
    raise HTTPException(404, f"You have no pass {number} in this subject.")


def pass_url(subject: str, number: int) -> str:
    return f"/subjects/{subject}/passes/{number}"


@router.get("/")
async def dashboard(request: Request, uow: Uow, user: User) -> Response:
    cards = await reading(request, views.subject_cards, uow, user)
    return render(request, "dashboard.html", subjects=cards)


@router.get("/subjects/{subject}")
def subject_home(uow: Uow, user: User, subject: str) -> Response:
    """The open pass, else the last pass's summary, else the dashboard."""
    aggregate = _subject(uow, user, subject)
    current = aggregate.current_pass
    if current is None:
        return redirect("/")
    suffix = "" if aggregate.open_pass else "/summary"
    return redirect(pass_url(subject, current.number) + suffix)


@router.get("/subjects/{subject}/progress")
def progress_page(request: Request, uow: Uow, user: User, subject: str) -> Response:
    """Rule 9: the current counts, the history of passes with time spent, and a calendar.

    `/subjects/{subject}` itself stays a redirect to the open pass (or the last summary), as
    the pass pages and the "Start pass" double-click handling rely on it."""
    aggregate = _subject(uow, user, subject)
    return render(
        request,
        "progress.html",
        subject=subject,
        title=views.subject_title(uow, subject),
        current=aggregate.current_pass,
        open=aggregate.open_pass is not None,
        complete=aggregate.is_complete(),
        counts=aggregate.counts(),
        history=views.subject_history(uow, user, subject),
    )


# -- the study list ----------------------------------------------------------------------------


@router.get("/subjects/{subject}/study-list")
def study_list_page(request: Request, uow: Uow, user: User, subject: str) -> Response:
    aggregate = _subject(uow, user, subject)
    choices = views.study_list_choices(uow, user, subject, aggregate.study_list)
    title = views.subject_title(uow, subject)
    return render(request, "study_list.html", subject=subject, title=title, choices=choices)


@router.post("/subjects/{subject}/study-list")
def save_study_list(
    request: Request,
    uow: Uow,
    user: User,
    subject: str,
    topic: Annotated[list[str] | None, Form()] = None,
    collection: Annotated[list[str] | None, Form()] = None,
    exercise: Annotated[list[str] | None, Form()] = None,
) -> Response:
    aggregate = _subject(uow, user, subject)
    choices = views.study_list_choices(uow, user, subject, aggregate.study_list)
    wanted = Selection(set(topic or []), set(collection or []), set(exercise or [])).wanted(choices)
    added, removed = update_study_list(uow, user, subject, choices, wanted)
    notify(request, f"Study list saved: {added} added, {removed} removed.")
    return redirect(f"/subjects/{subject}/study-list")


# -- passes ------------------------------------------------------------------------------------


@router.post("/subjects/{subject}/passes")
async def start_pass(request: Request, uow: Uow, user: User, subject: str) -> Response:
    """Start pass (1 or the next); a double click lands on the pass the first click started."""
    try:
        number = await writing(request, service.start_pass, uow, user, subject)
    except UnknownSubject:
        raise HTTPException(404, "There is no such subject.") from None
    except model.PassNotFinished:
        return redirect(f"/subjects/{subject}")
    except model.NothingToStudy:
        notify(request, "Nothing to study: every exercise is Green, parked, or the list is empty.")
        return redirect("/")
    return redirect(pass_url(subject, number))


@router.get("/subjects/{subject}/passes/{number}")
def pass_page(request: Request, uow: Uow, user: User, subject: str, number: int) -> Response:
    aggregate = _subject(uow, user, subject)
    shown = _pass(aggregate, number)
    if shown.is_finished:
        return redirect(pass_url(subject, number) + "/summary")
    names = views.labels(uow, shown.exercise_ids())
    rows = [
        (item, names[item.exercise_id], aggregate.needs_theory_review(item.exercise_id))
        for item in shown.items
        if item.exercise_id in names
    ]
    return render(
        request,
        "pass.html",
        subject=subject,
        title=views.subject_title(uow, subject),
        current=shown,
        rows=rows,
        counts=shown.counts(),
        order=request.session.get(ORDER_KEY, "list"),
    )


@router.post("/subjects/{subject}/passes/{number}/close")
def close_pass(request: Request, uow: Uow, user: User, subject: str, number: int) -> Response:
    aggregate = _subject(uow, user, subject)
    if _pass(aggregate, number) is not aggregate.open_pass:
        return redirect(pass_url(subject, number) + "/summary")
    try:
        service.close_pass(uow, user, subject)
    except model.NoOpenPass:
        pass
    return redirect(pass_url(subject, number) + "/summary")


@router.get("/subjects/{subject}/passes/{number}/summary")
def pass_summary(request: Request, uow: Uow, user: User, subject: str, number: int) -> Response:
    aggregate = _subject(uow, user, subject)
    shown = _pass(aggregate, number)
    is_current = shown is aggregate.current_pass
    upcoming = aggregate.next_pass_preview() if is_current else []
    names = views.labels(uow, upcoming)
    return render(
        request,
        "summary.html",
        subject=subject,
        title=views.subject_title(uow, subject),
        current=shown,
        counts=shown.counts(),
        is_current=is_current,
        upcoming=[names[e] for e in upcoming if e in names],
        complete=aggregate.is_complete(),
        parked=len(aggregate.parked),
    )


@router.get("/subjects/{subject}/next")
async def next_exercise(
    request: Request,
    uow: Uow,
    user: User,
    subject: str,
    after: int | None = None,
    order: Literal["list", "shuffled"] | None = None,
) -> Response:
    """Next: the next unrated exercise of the open pass, in list order or shuffled (rule 2)."""
    if order is not None:
        request.session[ORDER_KEY] = order
    order = request.session.get(ORDER_KEY, "list")
    try:
        current, pk = await reading(request, views.next_in_pass, uow, user, subject, after, order)
    except UnknownSubject:
        raise HTTPException(404, "There is no such subject.") from None
    if current is None:
        return redirect(f"/subjects/{subject}")
    if pk is None:
        return redirect(pass_url(subject, current.number) + "/summary")
    return redirect(f"/exercises/{pk}")


# -- needs help --------------------------------------------------------------------------------


@router.get("/needs-help")
def needs_help(request: Request, uow: Uow, user: User) -> Response:
    return render(request, "needs_help.html", items=views.parked(uow, user))


@router.post("/needs-help/{pk}/unpark")
def unpark(request: Request, uow: Uow, user: User, pk: int) -> Response:
    try:
        info = views.exercise(uow, user, pk)
    except views.NotFound:
        raise HTTPException(404, "There is no such exercise.") from None
    try:
        service.unpark(uow, user, info.subject, info.global_id)
    except model.NotParked:
        raise HTTPException(404, "This exercise is not parked.") from None
    notify(request, "Unparked: it is back in the pass cycle.")
    return redirect("/needs-help")
