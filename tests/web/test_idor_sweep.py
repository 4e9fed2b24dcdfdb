"""The IDOR sweep (issue 17): every route of the app's route table, with learner A's ids, as
learner B and as an anonymous client. Neither sees anything of A's nor changes anything of A's.

The routes come from `app.routes`, so a new route is swept without anyone remembering to: a
route `ROUTES` below does not know fails the test until it says how to fill its parameters.
A owns one of everything a route takes an id of: a pass with a disputed rating and an attempt
with notes, a parked exercise, a private import (its subject, collection and exercise, in her
study list and in a pass of its own) and a pending upload. Her distinctive texts (notes, the
private prompt, titles, her email) must never reach B or the anonymous client; her rows (every
row that is hers or points at something of hers) and her pending upload must be the same after
every POST of theirs. B is in the middle of a pass of his own, so a route answers him with his
data, not only with "not found". B is no operator: the operator routes answer him 403.
"""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import Table, or_, select
from starlette.routing import Mount, Route

from app import models as orm
from app.bank import importing

from .conftest import CHOICE, LINEAR, POWER, SUBJECT, Browser, exercise_pk

LEARNER, PUBLIC, OPERATOR = "learner", "public", "operator"
"""Who a route is for: signed-in learners, anyone, operators."""
SIGN_IN_ROUTES = ("/login", "/signup", "/logout", "/logout-everywhere")
"""Posted last: they change who the client is signed in as."""
IMAGE = "figure.svg"
"""An image of A's private collection (its text is her private prompt)."""
MOUNTS = {"/static"}
"""Mounted apps (files anyone may read), not routes of ours."""


@dataclass
class Owned:
    """A's objects, and the texts only she may see."""

    email: str
    exercises: list[int]
    """Her disputed exercise, her attempted one (notes), her private one, her parked one."""
    subjects: list[str]
    private_subject: str
    private_topic: str
    collection: str
    parked: int
    dispute: int
    session: int
    """The session her rating started (rule 10)."""
    needles: list[str]


Params = Callable[[Owned], list[dict[str, Any]]]


def none(_a: Owned) -> list[dict[str, Any]]:
    return [{}]


def exercises(a: Owned) -> list[dict[str, Any]]:
    return [{"pk": pk} for pk in a.exercises]


def subjects(a: Owned) -> list[dict[str, Any]]:
    return [{"subject": slug} for slug in a.subjects]


def passes(a: Owned) -> list[dict[str, Any]]:
    return [{"subject": slug, "number": 1} for slug in a.subjects]


@dataclass(frozen=True)
class Sweep:
    """How to sweep one route: who it is for, its path parameters filled with A's ids, the
    query string and the form (or JSON) to send with them."""

    access: str
    params: Params = none
    query: Callable[[Owned], str] = lambda _a: ""
    form: Callable[[Owned], dict[str, Any]] = lambda _a: {}
    json: bool = False


SPEC = {"spec": {"type": "expression", "value": "2*x"}, "response": "2x"}

ROUTES: dict[str, Sweep] = {
    "/": Sweep(LEARNER),
    "/healthz": Sweep(PUBLIC),
    "/favicon.ico": Sweep(PUBLIC),
    "/signup": Sweep(PUBLIC, form=lambda _a: {"email": f"new-{uuid.uuid4().hex[:8]}@example.org",
                                               "password": "another horse battery"}),
    "/login": Sweep(PUBLIC, form=lambda a: {"email": a.email, "password": "not her password"}),
    "/logout": Sweep(PUBLIC),
    "/logout-everywhere": Sweep(LEARNER),
    "/account": Sweep(LEARNER),
    "/account/settings": Sweep(LEARNER, form=lambda _a: {
        "session_size": "3", "daily_goal": "4", "time_zone": "Asia/Tokyo", "order": "shuffled"}),
    "/account/password": Sweep(LEARNER, form=lambda _a: {
        "current": "not his password", "new": "another horse battery",
        "again": "another horse battery"}),
    "/exercises/{pk}": Sweep(LEARNER, exercises),
    "/exercises/{pk}/theory": Sweep(LEARNER, exercises),
    "/exercises/{pk}/hint": Sweep(LEARNER, exercises, form=lambda _a: {"hints_shown": "0"}),
    "/exercises/{pk}/solution": Sweep(LEARNER, exercises),
    "/exercises/{pk}/retry": Sweep(LEARNER, exercises),
    "/exercises/{pk}/next-part": Sweep(LEARNER, exercises),
    "/exercises/{pk}/check": Sweep(LEARNER, exercises, form=lambda _a: {"response": "x"}),
    "/exercises/{pk}/validate": Sweep(LEARNER, exercises, form=lambda _a: {"response": "x"}),
    "/exercises/{pk}/rate": Sweep(LEARNER, exercises,
                                  form=lambda _a: {"rating": "red", "disputed": "true"}),
    "/exercises/{pk}/{action}": Sweep(  # a reload of a post: a redirect that reads nothing
        PUBLIC, lambda a: [{"pk": pk, "action": "check"} for pk in a.exercises]),
    "/subjects/{subject}": Sweep(LEARNER, subjects),
    "/subjects/{subject}/progress": Sweep(LEARNER, subjects),
    "/subjects/{subject}/study-list": Sweep(
        LEARNER, subjects,
        form=lambda a: {"collection": [a.collection], "exercise": [],
                        "topic": [f"{a.collection}/{a.private_topic}"]}),
    "/subjects/{subject}/passes": Sweep(LEARNER, subjects),
    "/subjects/{subject}/passes/{number}": Sweep(LEARNER, passes),
    "/subjects/{subject}/passes/{number}/close": Sweep(LEARNER, passes),
    "/subjects/{subject}/passes/{number}/summary": Sweep(LEARNER, passes),
    "/subjects/{subject}/continue": Sweep(LEARNER, subjects,
                                          form=lambda _a: {"time_zone": "Asia/Tokyo"}),
    "/subjects/{subject}/sessions/{session_id}": Sweep(
        LEARNER, lambda a: [{"subject": slug, "session_id": a.session} for slug in a.subjects]),
    "/subjects/{subject}/topics/{topic}/start": Sweep(
        LEARNER, lambda a: [{"subject": SUBJECT, "topic": "derivatives"},
                            {"subject": a.private_subject, "topic": a.private_topic}]),
    "/subjects/{subject}/undo": Sweep(LEARNER, subjects, form=lambda _a: {"exercise": POWER}),
    "/subjects/{subject}/theory": Sweep(LEARNER, subjects),
    "/subjects/{subject}/theory/{topic}": Sweep(LEARNER, lambda a: [
        {"subject": SUBJECT, "topic": "derivatives"},
        {"subject": a.private_subject, "topic": a.private_topic}]),
    "/subjects/{subject}/next": Sweep(LEARNER, subjects,
                                      query=lambda a: f"?after={a.exercises[1]}"),
    "/needs-help": Sweep(LEARNER),
    "/needs-help/{pk}/unpark": Sweep(LEARNER, lambda a: [{"pk": a.parked}]),
    "/import": Sweep(LEARNER, form=lambda _a: {"subject": SUBJECT}),
    "/import/preview": Sweep(LEARNER),
    "/import/mapping": Sweep(LEARNER, form=lambda _a: {"field-0": "prompt"}),
    "/import/confirm": Sweep(LEARNER, form=lambda _a: {"study_list": "1"}),
    "/import/cancel": Sweep(LEARNER),
    "/export": Sweep(LEARNER),
    "/export/collections/{slug}.{kind}": Sweep(
        LEARNER, lambda a: [{"slug": a.collection, "kind": kind} for kind in ("yaml", "csv")]),
    "/export/backup.json": Sweep(LEARNER),
    "/import/preview/images/{name}": Sweep(LEARNER, lambda _a: [{"name": IMAGE}]),
    "/collections/{slug}/images/{name}": Sweep(
        LEARNER, lambda a: [{"slug": a.collection, "name": IMAGE}], query=lambda _a: "?v=0"),
    "/operator/disputes": Sweep(OPERATOR),
    "/operator/disputes/{pk}/reviewed": Sweep(OPERATOR, lambda a: [{"pk": a.dispute}],
                                              form=lambda _a: {"page": "1"}),
    "/api/v1/check": Sweep(LEARNER, form=lambda _a: SPEC, json=True),
    "/api/v1/validate": Sweep(LEARNER, form=lambda _a: SPEC, json=True),
}


# -- the route table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    url: str
    sweep: Sweep


def routes(app: FastAPI) -> list[tuple[str, set[str]]]:
    """(path, methods) of every route of the app, the included routers' ones with their
    prefixes (FastAPI keeps those in `app.routes` as one entry per router); a route of another
    kind (a mount, a websocket) fails."""
    found: list[tuple[str, set[str]]] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute | Route):
            found.append((context.path, set(context.methods or ())))
        elif not (isinstance(route, Mount) and context.path in MOUNTS):
            pytest.fail(f"new route {type(route).__name__} {context.path!r}: add it to the sweep")
    return found


def requests_for(app: FastAPI, a: Owned) -> list[Request]:
    """Every (method, URL) to sweep, A's ids filled in; HEAD wherever GET is."""
    table = routes(app)
    unknown = sorted({path for path, _ in table} - ROUTES.keys())
    assert not unknown, "\n".join(f"new route {path}: add it to the sweep" for path in unknown)
    gone = sorted(ROUTES.keys() - {path for path, _ in table})
    assert not gone, f"routes no longer in the app: remove them from the sweep: {gone}"
    out = []
    for path, methods in table:
        sweep = ROUTES[path]
        for params in sweep.params(a):
            url = path.format(**params) + sweep.query(a)
            assert "{" not in url, f"{path}: the sweep fills {sorted(params)}, not all parameters"
            if "GET" in methods:
                methods = methods | {"HEAD"}
            out += [Request(method, path, url, sweep) for method in sorted(methods)]
    return sorted(out, key=lambda r: (r.path in SIGN_IN_ROUTES, r.path, r.method))


# -- A's objects ---------------------------------------------------------------------------------


def _import(a: Browser, subject: str, book: str, prompt: str) -> httpx.Response:
    text = f"id,prompt,answer\nq1,{prompt},4\n"
    a.get("/import")
    return a.post("/import", files={"file": (f"{book}.csv", text.encode(), "text/csv")},
                  data={"new_subject": subject})


def learner_a(app: FastAPI) -> tuple[Owned, Browser]:
    """A, signed up through the pages, with one of everything (see the module's doc)."""
    tag = uuid.uuid4().hex[:8]
    shape, motion, prompt = f"A-SHAPE-{tag}", f"A-MOTION-{tag}", f"A-PRIVATE-PROMPT-{tag}"
    private = f"arcana-{tag}"
    a = Browser(app).sign_up()
    a.start_pass()
    a.check(POWER, "x", shape=shape, motion=motion)  # incorrect, her notes
    a.show_solution(POWER)
    assert a.rate(POWER, "green", disputed="true").status_code == 200  # a dispute
    a.check(LINEAR, "0", shape=shape, motion=motion)  # attempted, not rated
    page = _import(a, private, f"secret-book-{tag}", prompt)
    assert page.url.path == "/import/preview", page.text
    assert a.post("/import/confirm", {"study_list": "1"}).status_code == 200
    a.start_pass(private)
    parked = exercise_pk(app, "probability/counting/count-01")
    with app.state.sessions.begin() as session:  # one writer: no other session inside
        user = session.scalar(select(orm.User).where(orm.User.email == a.email))
        collection = session.scalar(select(orm.Collection).where(
            orm.Collection.owner_id == user.id))
        mine = session.scalar(select(orm.Exercise).where(
            orm.Exercise.collection_id == collection.id))
        session.add(orm.Parked(user_id=user.id, exercise_id=parked))
        svg = f'<svg xmlns="http://www.w3.org/2000/svg"><text>{prompt}</text></svg>'.encode()
        session.add(orm.CollectionImage(collection_id=collection.id, name=IMAGE,
                                        media_type="image/svg+xml", data=svg,
                                        sha256=hashlib.sha256(svg).hexdigest()))
        subject_title = session.scalar(select(orm.Subject.title).where(orm.Subject.slug == private))
        dispute = session.scalar(select(orm.Rating.id).where(orm.Rating.disputed))
        study_session = session.scalar(select(orm.StudySession.id).where(
            orm.StudySession.user_id == user.id))
        collection.title = f"A's Private Book {tag}"  # the file's name is in its slug (URLs)
        collection_title, collection_slug = collection.title, collection.slug
        private_pk, private_id = mine.id, mine.global_id
        private_topic = session.scalar(select(orm.Topic.slug).where(orm.Topic.id == mine.topic_id))
    a.check(private_id, "5", shape=shape, motion=motion)
    assert _import(a, private, f"pending-book-{tag}", prompt + "-PENDING").url.path == \
        "/import/preview"  # waits for her confirmation
    needles = [shape, motion, prompt, subject_title, collection_title, a.email]
    assert len(set(needles)) == len(needles) and all(len(n) >= 12 for n in needles)
    return Owned(
        email=a.email,
        exercises=[exercise_pk(app, POWER), exercise_pk(app, LINEAR), private_pk, parked],
        subjects=[SUBJECT, private], private_subject=private, private_topic=private_topic,
        collection=collection_slug,
        parked=parked, dispute=dispute, session=study_session, needles=needles,
    ), a


def learner_b(app: FastAPI) -> Browser:
    """B: a pass of his own in the same subject, an attempt of his own."""
    b = Browser(app).sign_up()
    b.start_pass()
    b.check(CHOICE, "b")
    return b


# -- what is A's ---------------------------------------------------------------------------------


def _rows_of(session: Any, table: Table, user_id: int, mine: dict[str, set[Any]],
             private_subject: str) -> list[tuple[Any, ...]]:
    """The rows of `table` that are A's or point at something of A's."""
    conditions = []
    for name in ("user_id", "owner_id"):
        if name in table.c:
            conditions.append(table.c[name] == user_id)
    if table.name == orm.User.__tablename__:
        conditions.append(table.c.id == user_id)
    if table.name == orm.Subject.__tablename__:
        conditions.append(table.c.slug == private_subject)
    for key in table.foreign_keys:
        target = key.column
        ids = mine.get(f"{target.table.name}.{target.name}")
        if ids:
            conditions.append(key.parent.in_(ids))
    if not conditions:
        return []
    rows = session.execute(select(table).where(or_(*conditions))).all()
    for key in table.primary_key.columns:  # what the next tables may point at
        mine[f"{table.name}.{key.name}"] = {row._mapping[key.name] for row in rows}
    return sorted((tuple(row) for row in rows), key=repr)


def snapshot(app: FastAPI, a: Owned) -> dict[str, Any]:
    """A's rows, table by table (parents first, so a child row pointing at one of them is hers
    too), and her pending uploads' files."""
    mine: dict[str, set[Any]] = {}
    tables: dict[str, Any] = {}
    with app.state.sessions() as session:
        user_id = session.scalar(select(orm.User.id).where(orm.User.email == a.email))
        for table in orm.Base.metadata.sorted_tables:
            tables[table.name] = _rows_of(session, table, user_id, mine, a.private_subject)
    folder = importing.pending_dir(app.state.settings.data_dir)
    tables["pending uploads"] = sorted(
        (path.name, hashlib.sha256(path.read_bytes()).hexdigest())
        for path in folder.glob("*.json") if f'"user": {user_id}' in path.read_text())
    return tables


# -- the sweep -----------------------------------------------------------------------------------


def send(client: Browser, token: str, request: Request, a: Owned) -> httpx.Response:
    """One request as `client`, redirects not followed; a POST with the client's own token."""
    if request.method in ("GET", "HEAD"):
        return client.client.request(request.method, request.url, follow_redirects=False)
    body = request.sweep.form(a)
    if request.sweep.json:
        return client.client.post(request.url, json=body, headers={"X-CSRF-Token": token},
                                  follow_redirects=False)
    return client.client.post(request.url, data={"csrf_token": token, **body},
                              follow_redirects=False)


def shown_text(response: httpx.Response) -> str:
    return response.text + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())


def leaked(response: httpx.Response, a: Owned) -> list[str]:
    return [needle for needle in a.needles if needle in shown_text(response)]


def refused_anonymous(request: Request, response: httpx.Response) -> bool:
    """A learner's route answers an anonymous client with Log in (401 for the API)."""
    if request.path.startswith("/api/"):
        return response.status_code == 401
    return response.status_code == 303 and response.headers["location"].startswith("/login")


def expect(who: str, request: Request, response: httpx.Response) -> str | None:
    """What is wrong with the answer to `who` (None: nothing)."""
    status = response.status_code
    if status >= 500:
        return f"{status}"
    access = request.sweep.access
    if who == "anonymous" and access in (LEARNER, OPERATOR):
        return None if refused_anonymous(request, response) else f"{status}, not Log in"
    if who == "B" and access == OPERATOR and status != 403:
        return f"{status}, not 403"
    return None


@pytest.fixture(scope="module")
def people(app: FastAPI) -> Iterator[tuple[Owned, Browser, Browser, Browser]]:
    a, a_browser = learner_a(app)
    anonymous = Browser(app)
    anonymous.get("/login")
    yield a, a_browser, learner_b(app), anonymous


def test_every_route_is_in_the_sweep(app: FastAPI, people) -> None:
    a = people[0]
    swept = {r.path for r in requests_for(app, a)}
    assert swept == ROUTES.keys()


def test_a_sees_her_own_texts(app: FastAPI, people) -> None:
    """The needles are real: each one is on some page A gets (else the sweep could not fail)."""
    a, a_browser = people[0], people[1]
    seen: set[str] = set()
    for request in requests_for(app, a):
        if request.method == "GET":
            response = a_browser.client.get(request.url, follow_redirects=True)
            seen |= set(leaked(response, a))
    assert seen == set(a.needles)


@pytest.mark.parametrize("who", ["B", "anonymous"])
def test_nobody_else_reads_a_s_data(app: FastAPI, people, who: str) -> None:
    a, _a_browser, b, anonymous = people
    client = b if who == "B" else anonymous
    problems = []
    for request in requests_for(app, a):
        if request.method not in ("GET", "HEAD"):
            continue
        response = send(client, client.token, request, a)
        if problem := expect(who, request, response):
            problems.append(f"{request.method} {request.url}: {problem}")
        if found := leaked(response, a):
            problems.append(f"{request.method} {request.url}: shows A's {found}")
        if response.status_code in (301, 302, 303, 307):  # where it leads shows nothing either
            followed = client.client.get(response.headers["location"], follow_redirects=True)
            if found := leaked(followed, a):
                problems.append(f"{request.method} {request.url} -> {followed.url}: {found}")
    assert not problems, "\n".join(problems)


def test_nobody_else_changes_a_s_data(app: FastAPI, people) -> None:
    a, _a_browser, b, anonymous = people
    before = snapshot(app, a)
    for table in ("attempt", "rating", "parked", "collection", "exercise", "study_list", "pass"):
        assert before[table], f"A has no {table} row: the sweep would not see it change"
    assert before["pending uploads"], "A has no pending upload"
    problems = []
    for who, client in (("B", b), ("anonymous", anonymous)):
        token = client.token
        for request in requests_for(app, a):
            if request.method in ("GET", "HEAD"):
                continue
            response = send(client, token, request, a)
            if problem := expect(who, request, response):
                problems.append(f"{who}: POST {request.url}: {problem}")
            if response.status_code == 403 and "expired" in response.text:
                problems.append(f"{who}: POST {request.url}: the CSRF token was refused")
            if request.path in SIGN_IN_ROUTES:  # a new sign-in (or none): a new token
                client.get("/login")
                token = client.token
            after = snapshot(app, a)
            changed = [t for t in before if before[t] != after[t]]
            if changed:
                problems.append(f"{who}: POST {request.url} changed A's {changed}")
                before = after
    assert not problems, "\n".join(problems)


def test_the_sweep_counts(app: FastAPI, people) -> None:
    """Enough requests to mean something: every route, each of A's ids, both clients."""
    requests = requests_for(app, people[0])
    by_method = {m: len(list(g)) for m, g in itertools.groupby(
        sorted(r.method for r in requests))}
    assert by_method["GET"] >= 20 and by_method["POST"] >= 15, by_method
