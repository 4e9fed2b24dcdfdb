#!/usr/bin/env python3
"""Paced HTTP load: the latency learners feel when `--learners` of them work on one server.

Loopback only, bounded in time and in learners. One `gyrus serve` of this tree (its own code:
`python -m app.cli serve` with PYTHONPATH on the tree) on a SQLite file in a temp folder with
the curated bank (or `--bank`). Each learner signs up, then loops with its own cookies, pausing
about `--think` seconds before each action: Next -> the exercise page (the theory review first
where the method says so) -> the live preview (twice, as while typing) -> Check -> the checked
page -> a rating the verdict allows; the Dashboard every fifth exercise; the next pass at a
pass's end, the next subject when one has nothing left to study. Learners arrive one by one
over the first half of `--warmup`, which is not measured.

A learner reads what it sends from the pages, as a browser does: the forms' actions and hidden
fields (the CSRF token among them), the choices, the enabled rating buttons, the preview's URL
and the headers htmx is told to send. It types plausible responses in order until one is read,
then remembers it per exercise (varying a digit), so most checks record an attempt.

Prints per page type requests and p50/p95/p99 in ms; errors (transport errors and unexpected
statuses); the CPU per request of the server (with its checker workers, replaced ones
included) and of this client; and the targets: exercise page p95 <= 50 ms, check p95 <= 150
ms, no errors.

    python bench/http_load.py [--learners 50] [--think 3] [--seconds 30] [--warmup 20]
                              [--check-workers N] [--bank PATH] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent

PASSWORD = "correct horse battery"
TYPES = ("exercise page", "validate", "check", "rate", "dashboard", "next", "theory", "pass",
         "session summary", "continue")
TARGETS = {"exercise page": 50.0, "check": 150.0}
"""p95 targets in ms."""
RESPONSES = ["2x", "1/2", "x^2 + 1", "[1, 2]", "[[1, 0], [0, 1]]", "(1, 2)", "y = 2x + 1",
             "{1, 2}", "(0, 1]", "x > 1", "[1, 0], [0, 1]", "3"]
"""What learners type, tried in order until one is read (a wrong type is Not read)."""
RATING_WEIGHTS = {"green": 4, "yellow": 3, "red": 3}
PASSES = re.compile(r"/subjects/([^/]+)/passes")


# -- pages, read as a browser reads them -----------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    hidden: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    """Text inputs and text areas: name -> current value."""
    kinds: dict[str, str] = field(default_factory=dict)
    """Their kinds: an input's type (text, email, password, ...) or "textarea"."""
    choices: dict[str, list[str]] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    """Enabled submit buttons that send a value: (name, value)."""
    preview: str = ""
    """Where a field posts as it is typed in (hx-post), if one does."""


class Page(HTMLParser):
    """The parts of a page a learner acts on: its forms and the headers htmx sends."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.headers: dict[str, str] = {}
        self.ids: list[str] = []
        self._form: Form | None = None
        self._textarea = ""
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if "hx-headers" in found:
            try:
                self.headers.update(json.loads(found["hx-headers"]))
            except (ValueError, TypeError):
                pass
        if "id" in found:
            self.ids.append(found["id"])
        if tag == "form":
            self._form = Form(found.get("action", ""), found.get("method", "get").lower())
            self.forms.append(self._form)
            return
        form, name = self._form, found.get("name")
        if form is None or not name:
            return
        if "hx-post" in found:
            form.preview = found["hx-post"]
        kind = found.get("type", "submit" if tag == "button" else "text").lower()
        if tag == "textarea":
            form.fields[name], form.kinds[name], self._textarea = "", "textarea", name
        elif kind == "submit":
            if "disabled" not in found:
                form.buttons.append((name, found.get("value", "")))
        elif tag != "input":
            return
        elif kind == "hidden":
            form.hidden[name] = found.get("value", "")
        elif kind in ("radio", "checkbox"):
            form.choices.setdefault(name, []).append(found.get("value", "on"))
        elif kind not in ("button", "reset", "file", "image"):
            form.fields[name], form.kinds[name] = found.get("value", ""), kind

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = ""

    def form(self, ending: str, *, with_buttons: bool = False) -> Form | None:
        """The first form that posts to a path ending with `ending`."""
        for form in self.forms:
            if (form.method == "post" and form.action.split("?")[0].endswith(ending)
                    and (form.buttons or not with_buttons)):
                return form
        return None

    def csrf(self) -> dict[str, str]:
        """The hidden CSRF fields of the page's forms (whatever their name)."""
        return {name: value for form in self.forms for name, value in form.hidden.items()
                if "csrf" in name.lower()}


# -- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def group_cpu(pgid: int) -> float:
    """CPU seconds used so far by a process group (a server and its checker workers), from
    /proc; 0 where there is none. Each process's reaped children count: a replaced checker
    worker's time moves to its parent's count when it is reaped, and would be missed."""
    if not Path("/proc/self/stat").exists():
        return 0.0
    total = 0.0
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:
            total += sum(int(ticks) for ticks in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


class Served:
    """`gyrus serve` of one tree's code (PYTHONPATH on the tree wins over any installed
    `app`), in its own process group with its checker workers, on a SQLite file in `folder`."""

    def __init__(self, tree: Path, folder: Path, *, bank: Path | None = None,
                 check_workers: int | None = None) -> None:
        self.tree = tree.resolve()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "server.log"
        folder.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("GYRUS_")}
        env.update(
            PYTHONPATH=os.pathsep.join(filter(None, [str(self.tree), env.get("PYTHONPATH")])),
            GYRUS_DATA_DIR=str(folder / "data"),
            GYRUS_BANK_PATH=str((bank or self.tree / "exercises").resolve()),
            GYRUS_SECRET_KEY="bench-" + os.urandom(8).hex(),
        )
        if check_workers:
            env["GYRUS_CHECK_WORKERS"] = str(check_workers)
        own = self.tree / ".venv" / "bin" / "python"  # the tree's own dependencies, if it has them
        python = str(own) if own.exists() else sys.executable
        self.app_file = subprocess.run(
            [python, "-c", "import app; print(app.__file__)"], cwd=folder, env=env,
            capture_output=True, text=True, check=True).stdout.strip()
        if not Path(self.app_file).resolve().is_relative_to(self.tree):
            raise SystemExit(f"{self.tree}: `import app` finds {self.app_file} instead")
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [python, "-m", "app.cli", "serve", "--host", "127.0.0.1",
                 "--port", str(self.port)],
                cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait(self, timeout: float = 180.0) -> None:
        """Until /healthz answers (migrations and the bank load come first)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited; its log:\n{self.log.read_text()[-4000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"the server did not answer /healthz in {timeout:.0f} s")

    def cpu(self) -> float:
        return group_cpu(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # workers left behind, if any
        except ProcessLookupError:
            pass


# -- measuring --------------------------------------------------------------------------------


@dataclass
class Stats:
    """What the learners of one server saw while measuring, and what it cost."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)
    recording: bool = False
    server_cpu: float = 0.0
    """CPU seconds of the server with its checker workers over the measured time."""
    client_cpu: float = 0.0
    """This process's, over the same time: it shares the CPUs with the server."""

    def requests(self) -> int:
        return sum(len(values) for values in self.times.values())

    def error(self, kind: str, what: str) -> None:
        if self.recording:
            self.errors[kind] += 1
            if len(self.examples) < 10:
                self.examples.append(f"{kind}: {what}")


async def timed(
    stats: Stats, kind: str, client: httpx.AsyncClient, method: str, url: str,
    expect: tuple[int, ...], **kwargs: object,
) -> httpx.Response | None:
    start = time.perf_counter()
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError as error:
        stats.error(kind, f"{method} {url}: {type(error).__name__} {error}")
        return None
    if stats.recording:
        stats.times[kind].append((time.perf_counter() - start) * 1000.0)
    if response.status_code not in expect:
        stats.error(kind, f"{method} {url}: {response.status_code} {response.text[:200]!r}")
        return None
    return response


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


# -- the learners -----------------------------------------------------------------------------


class Learner:
    def __init__(self, base: str, email: str, subjects: list[str], stats: Stats,
                 known: dict[str, str], seed: int, think: float) -> None:
        self.client = httpx.AsyncClient(base_url=base, timeout=30.0, follow_redirects=False)
        self.email = email
        self.subjects = subjects
        self.stats = stats
        self.known = known  # exercise path -> a response that was read, shared by all learners
        self.random = random.Random(seed)
        self.think = think
        self.csrf: dict[str, str] = {}
        self.headers: dict[str, str] = {}
        self.done = 0

    def learn_from(self, page: Page) -> None:
        """Keep the CSRF fields and htmx headers a page gives, for the posts that follow."""
        self.csrf.update(page.csrf())
        self.headers.update(page.headers)

    async def sign_up(self) -> Page:
        """Sign up through the form; returns the Dashboard."""
        form = Page((await self.client.get("/signup")).text).form("/signup")
        if form is None:
            raise SystemExit("the sign-up page has no form that posts to /signup")
        data = dict(form.hidden)
        for name, kind in form.kinds.items():
            data[name] = {"email": self.email, "password": PASSWORD}.get(kind, "")
        response = await self.client.post(form.action, data=data)
        if response.status_code != 303:
            raise SystemExit(f"sign up failed: {response.status_code} {response.text[:300]}")
        dashboard = Page((await self.client.get("/")).text)
        self.learn_from(dashboard)
        return dashboard

    async def pause(self) -> None:
        """Think time before an action: uniform around `think` seconds."""
        if self.think > 0:
            await asyncio.sleep(self.random.uniform(0.5, 1.5) * self.think)

    async def post(self, kind: str, form: Form, expect: tuple[int, ...],
                   **values: str | list[str]) -> httpx.Response | None:
        return await timed(self.stats, kind, self.client, "POST", form.action, expect,
                           data={**form.hidden, **form.fields, **values})

    async def run(self, stop_at: float, arrive_within: float = 0.0) -> None:
        """Work passes until `stop_at`, starting at a random moment of the first
        `arrive_within` seconds (learners arrive one by one, as people do)."""
        await asyncio.sleep(self.random.uniform(0.0, arrive_within))
        while self.subjects and time.monotonic() < stop_at:
            subject = self.subjects[0]
            started = await timed(self.stats, "pass", self.client, "POST",
                                  f"/subjects/{subject}/passes", (303,), data=self.csrf)
            if started is None:
                return
            if started.headers["location"] == "/":  # nothing left to study here
                self.subjects.pop(0)
                continue
            await self.work_pass(subject, stop_at)

    async def work_pass(self, subject: str, stop_at: float) -> None:
        after = ""
        while time.monotonic() < stop_at:
            await self.pause()
            step = await timed(self.stats, "next", self.client, "GET",
                               f"/subjects/{subject}/next{after}", (303,))
            if step is None:
                return
            target = step.headers["location"]
            if "/sessions/" in target:  # a session's summary; Continue pass starts the next
                await timed(self.stats, "session summary", self.client, "GET", target, (200,))
                await timed(self.stats, "continue", self.client, "POST",
                            f"/subjects/{subject}/continue", (303,), data=self.csrf)
                after = ""
                continue
            if not target.startswith("/exercises/"):
                return  # the pass's summary: start the next one
            path = target.split("?")[0].rstrip("/")
            await self.exercise(path)
            after = f"?after={path.rsplit('/', 1)[-1]}"
            self.done += 1
            if self.done % 5 == 0:
                await timed(self.stats, "dashboard", self.client, "GET", "/", (200,))

    async def exercise(self, path: str) -> None:
        page = await timed(self.stats, "exercise page", self.client, "GET", path, (200, 303))
        if page is not None and page.status_code == 303:  # the theory review first
            page = await self.theory(path, page.headers["location"])
        if page is None:
            return
        await self.pause()
        read = Page(page.text)
        if read.form("/rate", with_buttons=True) is None and read.form("/check") is not None:
            await self.answer(path, read.form("/check"))  # not checked yet in this pass
            page = await timed(self.stats, "exercise page", self.client, "GET", path, (200,))
            if page is None:
                return
            read = Page(page.text)
            await self.pause()
        if read.form("/retry") is not None:  # Incorrect: open the solution, then rate
            if await self.post("solution", read.form("/solution"), (303,)) is None:
                return
            page = await timed(self.stats, "exercise page", self.client, "GET", path, (200,))
            if page is None:
                return
            read = Page(page.text)
        await self.rate(read)

    async def theory(self, path: str, location: str) -> httpx.Response | None:
        review = await timed(self.stats, "theory", self.client, "GET", location, (200,))
        if review is None:
            return None
        form = Page(review.text).form("/theory") or Form(f"{path}/theory", "post", self.csrf)
        if await self.post("theory", form, (303,)) is None:
            return None
        return await timed(self.stats, "exercise page", self.client, "GET", path, (200,))

    async def answer(self, path: str, check: Form) -> None:
        picked = {name: [self.random.choice(values)] for name, values in check.choices.items()}
        kind = check.kinds.get("response")
        if picked or kind is None:
            await self.post("check", check, (200, 303), **picked)
        elif kind == "textarea":  # self-graded
            await self.post("check", check, (200, 303), response="Because it does not change.")
        else:
            await self.type_and_check(path, check)

    async def type_and_check(self, path: str, check: Form) -> None:
        remembered = self.known.get(path)
        # A response of the kind that was read, with another digit: learners' answers vary.
        candidates = [self.vary(remembered)] if remembered else list(RESPONSES)
        headers = {**self.headers, "HX-Request": "true"}
        for response in candidates:
            for typed in (response[: max(1, len(response) // 2)], response):  # while typing
                await timed(self.stats, "validate", self.client, "POST",
                            check.preview or f"{path}/validate", (200,),
                            data={"response": typed}, headers=headers)
            checked = await self.post("check", check, (200, 303), response=response)
            if checked is None or checked.status_code == 303:  # read (recorded), or an error
                if checked is not None and not remembered:
                    self.known[path] = response
                return
        # nothing was read: the learner rates the exercise as if self-graded (the list above
        # does not cover every answer type)

    def vary(self, response: str) -> str:
        return re.sub(r"\d", lambda _: str(self.random.randint(1, 9)), response, count=1)

    async def rate(self, page: Page) -> None:
        form = page.form("/rate", with_buttons=True)
        if form is None:
            return
        weights = [RATING_WEIGHTS.get(value, 1) for _, value in form.buttons]
        name, value = self.random.choices(form.buttons, weights)[0]
        await self.post("rate", form, (303,), **{name: value})

    async def close(self) -> None:
        await self.client.aclose()


async def crowd_of(server: Served, learners: int, stats: Stats, think: float, tag: str,
                   ) -> list[Learner]:
    """`learners` new learners of `server`, signed up (argon2 hashing: ten at a time)."""
    known: dict[str, str] = {}

    def learner(number: int) -> Learner:
        email = f"bench-{tag}{number}-{os.getpid()}@example.org"
        return Learner(server.url, email, [], stats, known, number, think)

    first = learner(0)
    dashboard = await first.sign_up()
    subjects = sorted({m.group(1) for form in dashboard.forms
                       if (m := PASSES.fullmatch(form.action))}
                      | {i.removeprefix("subject-") for i in dashboard.ids
                         if i.startswith("subject-")})
    if not subjects:
        raise SystemExit("the Dashboard offers no subject: is the bank loaded?")
    crowd = [first] + [learner(n) for n in range(1, learners)]
    print(f"signing up {learners} learners on {server.url}...", flush=True)
    for start in range(1, learners, 10):
        await asyncio.gather(*(one.sign_up() for one in crowd[start:start + 10]))
    for number, one in enumerate(crowd):  # learners spread over the subjects
        turn = number % len(subjects)
        one.subjects = subjects[turn:] + subjects[:turn]
    return crowd


async def learn(crowd: list[Learner], server: Served, stats: Stats, warmup: float,
                seconds: float, arrive_within: float = 0.0) -> float:
    """The crowd works `warmup` seconds (not measured) then `seconds` (measured into `stats`,
    with the server's CPU and this client's), then finishes what it was doing; returns the
    measured time."""
    begin = time.monotonic()
    tasks = [asyncio.create_task(one.run(begin + warmup + seconds, arrive_within))
             for one in crowd]
    await asyncio.sleep(warmup)
    server_from, client_from = server.cpu(), time.process_time()
    stats.recording = True
    measured_from = time.monotonic()
    await asyncio.sleep(begin + warmup + seconds - measured_from)
    stats.recording = False
    elapsed = time.monotonic() - measured_from
    stats.server_cpu += server.cpu() - server_from
    stats.client_cpu += time.process_time() - client_from
    await asyncio.gather(*tasks)
    return elapsed


# -- reporting --------------------------------------------------------------------------------


def report(stats: Stats, elapsed: float) -> int:
    """Print the figures and the targets; returns how many targets were missed."""
    print(f"\nmeasured {elapsed:.1f} s")
    print(f"{'page type':<15} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8}")
    every = [value for values in stats.times.values() for value in values]
    for kind, values in [*((k, stats.times.get(k, [])) for k in TYPES), ("all", every)]:
        if values:
            print(f"{kind:<15} {len(values):>8} {len(values) / elapsed:>8.1f} "
                  f"{quantile(values, .50):>8.1f} {quantile(values, .95):>8.1f} "
                  f"{quantile(values, .99):>8.1f}")
    errors = sum(stats.errors.values())
    print(f"errors: {errors} {dict(stats.errors) if errors else ''}")
    for example in stats.examples:
        print(f"  {example}")
    if every and stats.server_cpu:
        print(f"CPU per request: server {1000.0 * stats.server_cpu / len(every):.2f} ms (with "
              f"its checker workers), this client {1000.0 * stats.client_cpu / len(every):.2f} "
              f"ms; server busy {stats.server_cpu / elapsed:.0%} of one CPU")
    print("\ntargets:")
    missed = 0
    for kind, limit in TARGETS.items():
        p95 = quantile(stats.times.get(kind, []), .95)
        ok = p95 <= limit
        missed += not ok
        print(f"  {kind}: p95 {p95:.1f} ms <= {limit:.0f} ms {'ok' if ok else 'MISSED'}")
    missed += errors > 0
    print(f"  no errors: {errors} {'ok' if errors == 0 else 'MISSED'}")
    return missed


async def paced(server: Served, args: argparse.Namespace) -> tuple[Stats, float]:
    stats = Stats()
    crowd = await crowd_of(server, args.learners, stats, args.think, "p")
    print(f"warming up for {args.warmup:.0f} s, then measuring for {args.seconds:.0f} s...",
          flush=True)
    elapsed = await learn(crowd, server, stats, args.warmup, args.seconds,
                          arrive_within=args.warmup / 2)
    await asyncio.gather(*(one.close() for one in crowd))
    return stats, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=50, help="concurrent learners")
    parser.add_argument("--think", type=float, default=3.0,
                        help="mean think time before a learner's action, s")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured time, s")
    parser.add_argument("--warmup", type=float, default=20.0,
                        help="unmeasured start, s; learners arrive during its first half")
    parser.add_argument("--check-workers", type=int, default=None, help="GYRUS_CHECK_WORKERS")
    parser.add_argument("--bank", type=Path, default=None, help="default: this tree's bank")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (log, db)")
    args = parser.parse_args()
    if not (1 <= args.learners <= 200 and 0 < args.seconds <= 600
            and 0 <= args.warmup <= 600 and 0 <= args.think <= 60):
        parser.error("keep it bounded: 1..200 learners, at most 600 s each, think <= 60 s")

    folder = Path(tempfile.mkdtemp(prefix="gyrus-load-"))
    try:
        server = Served(ROOT, folder, bank=args.bank, check_workers=args.check_workers)
        try:
            print(f"serving {server.app_file} on {server.url}", flush=True)
            server.wait()
            print(f"{args.learners} learners, {args.think:.1f} s think time", flush=True)
            stats, elapsed = asyncio.run(paced(server, args))
        finally:
            server.stop()
        print(f"\n{args.learners} learners, one app process, SQLite, "
              f"{args.check_workers or 'default'} checker workers, {os.cpu_count()} CPUs "
              f"(client, server and checkers share them)")
        missed = report(stats, elapsed)
        print(f"\n{missed} target(s) missed" if missed else "\nall targets met")
    finally:
        if args.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
