"""Dashboard, study lists, passes, pass summaries and the Needs help list."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import Response

from app.bank.shown import fill_snippets
from app.method import model, queries, service, sessions
from app.method.repository import UnknownSubject
from app.threads import in_thread
from app.web.deps import MAX_INT, PathInt, Pool, Uow, User, notify, redirect, render

router = APIRouter()

ZoneField = Annotated[str, Form(max_length=64)]
"""The browser's time zone, filled in by JavaScript (empty without it)."""


async def _subject(uow: Uow, user: int, slug: str) -> tuple[str, model.Subject]:
    try:
        return await in_thread(queries.load_subject, uow, user, slug)
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
    cards = await in_thread(queries.subject_cards, uow, user)
    rated = any(c.progress.counts.total - c.progress.counts.unrated for c in cards)
    chosen, days = await in_thread(queries.days, uow, user)
    return render(request, "dashboard.html", subjects=cards, days=days,
                  no_day=sessions.Day(0, chosen.daily_goal, 0), first_visit=not rated)


@router.get("/subjects/{subject}")
async def subject_home(uow: Uow, user: User, subject: str) -> Response:
    """The open pass, else the last pass's summary, else the dashboard."""
    title, aggregate = await _subject(uow, user, subject)
    current = aggregate.current_pass
    if current is None:
        return redirect("/")
    suffix = "" if aggregate.open_pass else "/summary"
    return redirect(pass_url(subject, current.number) + suffix)


@router.get("/subjects/{subject}/progress")
async def progress_page(request: Request, uow: Uow, user: User, subject: str) -> Response:
    """Rule 9: the current counts, the history of passes with time spent, and a calendar.

    `/subjects/{subject}` itself stays a redirect to the open pass (or the last summary), as
    the pass pages and the "Start pass" double-click handling rely on it."""
    title, aggregate = await _subject(uow, user, subject)
    chosen, days = await in_thread(queries.days, uow, user)
    return render(
        request,
        "progress.html",
        subject=subject,
        title=title,
        current=aggregate.current_pass,
        open=aggregate.open_pass is not None,
        complete=aggregate.is_complete(),
        counts=aggregate.counts(),
        history=await in_thread(queries.subject_history, uow, user, subject, zone=chosen.zone),
        topic_map=await in_thread(queries.topic_map, uow, user, subject, aggregate),
        day=days.get(subject) or sessions.Day(0, chosen.daily_goal, 0),
        zone=chosen.time_zone or sessions.DEFAULT_TIME_ZONE,
    )


@router.get("/subjects/{subject}/topics/{topic}/start")
async def topic_start(request: Request, uow: Uow, user: User, subject: str, topic: str
                      ) -> Response:
    """A topic tile's click: the topic's first unrated exercise in the open pass."""
    try:
        pk = await in_thread(queries.topic_start, uow, user, subject, topic[:100])
    except UnknownSubject:
        raise HTTPException(404, "There is no such subject.") from None
    if pk is None:
        notify(request, "Nothing of this topic is left to rate in an open pass.")
        return redirect(f"/subjects/{subject}")
    return redirect(f"/exercises/{pk}")


# -- the study list ----------------------------------------------------------------------------


@router.get("/subjects/{subject}/study-list")
async def study_list_page(request: Request, uow: Uow, user: User, subject: str) -> Response:
    title, aggregate = await _subject(uow, user, subject)
    choices = await in_thread(queries.study_list_choices, uow, user, subject,
                              aggregate.study_list)
    return render(request, "study_list.html", subject=subject, title=title, choices=choices)


@router.post("/subjects/{subject}/study-list")
async def save_study_list(
    request: Request,
    uow: Uow,
    user: User,
    pool: Pool,
    subject: str,
    topic: Annotated[list[str] | None, Form()] = None,
    collection: Annotated[list[str] | None, Form()] = None,
    exercise: Annotated[list[str] | None, Form()] = None,
) -> Response:
    title, aggregate = await _subject(uow, user, subject)
    choices = await in_thread(queries.study_list_choices, uow, user, subject,
                              aggregate.study_list)
    wanted = choices.wanted(set(topic or []), set(collection or []), set(exercise or []))
    added, removed = await in_thread(service.update_study_list, uow, user, subject,
                                     set(choices.exercise_collections), wanted)
    if added:
        await fill_snippets(pool, uow, user, user, subject)
    notify(request, f"Study list saved: {added} added, {removed} removed.")
    return redirect(f"/subjects/{subject}/study-list")


# -- passes ------------------------------------------------------------------------------------


@router.post("/subjects/{subject}/passes")
async def start_pass(request: Request, uow: Uow, user: User, pool: Pool, subject: str
                     ) -> Response:
    """Start pass (1 or the next); a double click lands on the pass the first click started."""
    try:
        number = await in_thread(service.start_pass, uow, user, subject)
    except UnknownSubject:
        raise HTTPException(404, "There is no such subject.") from None
    except model.PassNotFinished:
        return redirect(f"/subjects/{subject}")
    except model.NothingToStudy:
        notify(request, "Nothing to study: every exercise is Green, parked, or the list is empty.")
        return redirect("/")
    await fill_snippets(pool, uow, user, user, subject)
    return redirect(pass_url(subject, number))


@router.get("/subjects/{subject}/passes/{number}")
async def pass_page(request: Request, uow: Uow, user: User, subject: str, number: PathInt,
                    topic: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    """The pass's items by topic; a long pass lists `topic` (else where work goes on)."""
    try:
        page = await in_thread(queries.pass_page, uow, user, subject, number, topic)
    except UnknownSubject:
        raise HTTPException(404, "There is no such subject.") from None
    except queries.NotFound:
        raise HTTPException(404, f"You have no pass {number} in this subject.") from None
    if page.is_finished:
        return redirect(pass_url(subject, number) + "/summary")
    return render(request, "pass.html", subject=subject, page=page, counts=page.counts)


@router.get("/subjects/{subject}/passes/{number}/close")
async def close_pass_confirm(request: Request, uow: Uow, user: User, subject: str,
                             number: PathInt) -> Response:
    """Close the pass early? The confirmation says what moves on to the next pass."""
    title, aggregate = await _subject(uow, user, subject)
    shown = _pass(aggregate, number)
    if shown is not aggregate.open_pass:
        return redirect(pass_url(subject, number) + "/summary")
    return render(request, "close_pass.html", subject=subject, title=title, current=shown,
                  counts=shown.counts(), moving=len(aggregate.next_pass_preview()))


@router.post("/subjects/{subject}/passes/{number}/close")
async def close_pass(request: Request, uow: Uow, user: User, subject: str, number: PathInt
                     ) -> Response:
    title, aggregate = await _subject(uow, user, subject)
    if _pass(aggregate, number) is not aggregate.open_pass:
        return redirect(pass_url(subject, number) + "/summary")
    try:
        await in_thread(service.close_pass, uow, user, subject)
    except model.NoOpenPass:
        pass
    return redirect(pass_url(subject, number) + "/summary")


@router.get("/subjects/{subject}/passes/{number}/summary")
async def pass_summary(request: Request, uow: Uow, user: User, subject: str, number: PathInt
                       ) -> Response:
    title, aggregate = await _subject(uow, user, subject)
    shown = _pass(aggregate, number)
    is_current = shown is aggregate.current_pass
    upcoming = aggregate.next_pass_preview() if is_current else []
    names = await in_thread(queries.pass_labels, uow, user, subject, number)
    if late := [e for e in upcoming if e not in names]:  # joined the list after this pass
        names.update(await in_thread(queries.labels, uow, late))
    return render(
        request,
        "summary.html",
        subject=subject,
        title=title,
        current=shown,
        counts=shown.counts(),
        is_current=is_current,
        upcoming=[names[e] for e in upcoming if e in names],
        complete=aggregate.is_complete(),
        parked=len(aggregate.parked),
    )


@router.post("/subjects/{subject}/continue")
async def continue_pass(uow: Uow, user: User, subject: str, time_zone: ZoneField = ""
                        ) -> Response:
    """Continue pass (rule 10): the current session, or the next one, from where it stands."""
    try:
        await in_thread(service.continue_pass, uow, user, subject, time_zone)
    except UnknownSubject:
        raise HTTPException(404, "There is no such subject.") from None
    except model.NoOpenPass:
        return redirect(f"/subjects/{subject}")
    return redirect(f"/subjects/{subject}/next")


@router.get("/subjects/{subject}/next")
async def next_exercise(
    uow: Uow,
    user: User,
    subject: str,
    after: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
    order: Literal["list", "shuffled"] | None = None,
) -> Response:
    """Next: the next unrated exercise of the open pass, in the pass page's `order`, else in
    the session's (rules 2, 10). After the rating that fills a session, its summary."""
    try:
        found = await in_thread(queries.continuing, uow, user, subject, after, order)
    except UnknownSubject:
        raise HTTPException(404, "There is no such subject.") from None
    if found.open_pass is None:
        return redirect(f"/subjects/{subject}")
    if found.pk is None:
        return redirect(pass_url(subject, found.open_pass.number) + "/summary")
    if after is not None and found.session_ended:
        return redirect(f"/subjects/{subject}/sessions/{found.latest.id}")
    return redirect(f"/exercises/{found.pk}")


@router.get("/subjects/{subject}/sessions/{session_id}")
async def session_summary(request: Request, uow: Uow, user: User, subject: str,
                          session_id: PathInt) -> Response:
    """A session's Green, Yellow and Red, its time, and what comes next (rule 10)."""
    try:
        title, _ = await _subject(uow, user, subject)
        summary = await in_thread(queries.session_summary, uow, user, subject, session_id)
    except queries.NotFound:
        raise HTTPException(404, "There is no such session.") from None
    return render(request, "session_summary.html", subject=subject, title=title,
                  summary=summary, counts=summary.session.counts)


# -- needs help --------------------------------------------------------------------------------


@router.get("/needs-help")
async def needs_help(request: Request, uow: Uow, user: User) -> Response:
    return render(request, "needs_help.html", items=await in_thread(queries.parked, uow, user))


@router.post("/needs-help/{pk}/unpark")
async def unpark(request: Request, uow: Uow, user: User, pool: Pool, pk: PathInt) -> Response:
    try:
        info = await in_thread(queries.exercise, uow, user, pk)
    except queries.NotFound:
        raise HTTPException(404, "There is no such exercise.") from None
    try:
        await in_thread(service.unpark, uow, user, info.subject, info.global_id)
    except model.NotParked:
        raise HTTPException(404, "This exercise is not parked.") from None
    await fill_snippets(pool, uow, user, user, info.subject)
    notify(request, "Unparked: it is back in the pass cycle.")
    return redirect("/needs-help")
