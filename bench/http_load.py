#!/usr/bin/env python3
"""HTTP load: simulated learners doing the Green-Yellow-Red loop against one `gyrus serve`,
and a bare FastAPI + Jinja page under the same concurrency, measured in the same run.

Loopback only, bounded in time and in learners. One uvicorn worker (`gyrus serve`) on a SQLite
file in a temp folder with the curated bank (or `--bank`). Each learner signs up (before the
clock starts), then, with its own cookies and CSRF token, loops: Next -> the exercise page
(the theory review first where the method says so) -> the live preview (`validate`, twice, as
while typing) -> Check -> the checked page -> a rating allowed by the verdict -> ...; every fifth
exercise it opens the Dashboard; at a pass's end it starts the next pass, and it moves to the
next subject when one has nothing left to study.

The responses a learner types are plausible ones, tried in order until one is read (a response
of the wrong type is "Not read", a real check that records nothing); the one that was read is
then remembered per exercise, so most checks record an attempt and most verdicts are Incorrect.

Two runs against the same server, each with its own new learners: a closed loop (no think time,
every learner sends its next request as soon as the last one is answered: the throughput the
server can give) and a paced run (a think time of about `--think` seconds before each action,
learners arriving one by one over the first half of `--paced-warmup`, which is not measured: the
latency a learner sees under 50 concurrent learners). The latency targets are judged on the
paced run, the throughput on the closed loop.

The baseline is a tiny FastAPI app rendering one Jinja template (in this file, served by its
own uvicorn process the same way), hit by the same number of concurrent clients. The closed
loop and the baseline alternate in `--rounds` rounds (bare page, then closed loop, each a
1/rounds share of its time; both servers stay up, only one is under load at a time, so they
never share the CPU): the CPU a shared machine gives drifts by tens of percent within a minute,
and a baseline measured once, before or after, counted that drift as the app's (one run here:
bare page 577 req/s, the next 940). The ratio is of the summed rounds; each round's is printed.

Prints per page type: requests, req/s, p50/p95/p99 in ms; the error count (transport errors and
unexpected statuses, 4xx/5xx included); the CPU each request cost the server (with its checker
workers) and this client, read from /proc (the client shares the CPUs with the server, and a
run whose client uses a whole CPU measures the client); the same for the bare page; the ratio
of throughputs; and the targets: exercise page p95 <= 50 ms, check p95 <= 150 ms, no errors,
throughput >= 40% of the bare page's.

    python bench/http_load.py [--seconds 60] [--learners 50] [--bare-seconds 20] [--rounds 4]
                              [--paced-seconds 30] [--paced-warmup 20] [--think 3]
                              [--check-workers N] [--bank PATH] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
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
from pathlib import Path

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.templating import Jinja2Templates

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "correct horse battery"
TYPES = ("exercise page", "validate", "check", "rate", "dashboard", "next", "theory", "pass")
TARGETS = {"exercise page": 50.0, "check": 150.0}
"""p95 targets in ms."""
THROUGHPUT_TARGET = 0.40
CLOSED, PACED, BARE = "gyrus, closed loop", "gyrus, paced", "bare FastAPI + Jinja page"

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CHOICE = re.compile(r'name="choice" value="([^"]+)"')
RATING = re.compile(r'<button type="submit" name="rating" value="(\w+)"[^>]*>', re.S)
RESPONSES = ["2x", "1/2", "x^2 + 1", "[1, 2]", "[[1, 0], [0, 1]]", "(1, 2)", "y = 2x + 1",
             "{1, 2}", "(0, 1]", "x > 1", "[1, 0], [0, 1]", "3"]
"""What learners type, tried in order until one is read (a wrong type is Not read)."""


# -- the servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """A server subprocess in its own process group (its checker workers with it)."""

    def __init__(self, command: list[str], env: dict[str, str], folder: Path, name: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"{name}.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [*command, "--port", str(self.port)], cwd=folder, env=env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )

    def wait(self, path: str, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited; its log:\n{self.log.read_text()[-4000:]}")
            try:
                if httpx.get(self.url + path, timeout=2.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"the server did not answer {path} in {timeout:.0f} s")

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


def gyrus_command() -> list[str]:
    script = Path(sys.executable).with_name("gyrus")
    base = [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]
    return [*base, "serve"]


def bare_app() -> FastAPI:
    """The baseline: FastAPI + Jinja2, one page about the size of an exercise page's content."""
    from jinja2 import DictLoader, Environment, select_autoescape

    page = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ title }}</title><link rel="stylesheet" href="/static/app.css"></head>
<body><main><h1>{{ title }}</h1>
<form method="post" action="/check"><input type="hidden" name="csrf_token" value="{{ token }}">
<label for="answer">Answer</label><input id="answer" name="response">
<button type="submit">Check</button></form>
<ol>{% for item in items %}<li class="item">{{ item.name }}: {{ item.text }}</li>{% endfor %}</ol>
</main></body></html>"""
    environment = Environment(loader=DictLoader({"page.html": page}),
                              autoescape=select_autoescape(["html"]))
    templates = Jinja2Templates(env=environment)
    items = [{"name": f"exercise-{i:02d}", "text": "Differentiate $x^2$."} for i in range(20)]
    app = FastAPI()

    @app.get("/")
    def index(request: Request) -> Response:
        context = {"title": "Bare page", "token": "x" * 43, "items": items}
        return templates.TemplateResponse(request, "page.html", context)

    return app


def serve_bare(port: int) -> None:
    import uvicorn

    uvicorn.run(bare_app(), host="127.0.0.1", port=port, access_log=False, log_level="warning")


# -- measuring --------------------------------------------------------------------------------


def group_cpu(pgid: int) -> float:
    """CPU seconds used so far by a process group (a server and its checker workers), from
    /proc; 0 where there is no /proc. Counted with each process's reaped children: checker
    workers are replaced after `max_tasks` and their time moves to the forkserver's count
    when it reaps them (without it a run missed most of the workers' CPU)."""
    total = 0.0
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else ():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:
            total += sum(int(ticks) for ticks in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


@dataclass
class Stats:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)
    recording: bool = False
    cpu: tuple[float, float] = (0.0, 0.0)
    """CPU seconds over the measured time: the server's (with its checker workers), and this
    client's. Both share the machine's CPUs, so a page that costs the client more (a bigger
    page, cookies, a form) also leaves the server less."""
    _started: tuple[float, float] = (0.0, 0.0)
    _counted: int = 0

    def start_measuring(self, server: int) -> None:
        """Record times and errors, and the CPU from now on (added to what earlier measured
        stretches recorded); `server`: its process group."""
        self.recording = True
        self._started = (group_cpu(server), time.process_time())

    def stop_measuring(self, server: int) -> None:
        self.recording = False
        self.cpu = (self.cpu[0] + group_cpu(server) - self._started[0],
                    self.cpu[1] + time.process_time() - self._started[1])

    def count_since_round(self) -> int:
        """Requests recorded since the last call (one round's)."""
        total = sum(len(values) for values in self.times.values())
        counted, self._counted = total - self._counted, total
        return counted

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
    elapsed = (time.perf_counter() - start) * 1000.0
    if stats.recording:
        stats.times[kind].append(elapsed)
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
    def __init__(self, base: str, number: int, subjects: list[str], stats: Stats,
                 known: dict[str, str], seed: int, phase: str = "", think: float = 0.0, *,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        """`transport`: how requests reach the server (default: the network; an ASGI app in
        this process for `request_cost.py`)."""
        self.client = httpx.AsyncClient(base_url=base, timeout=30.0, follow_redirects=False,
                                        transport=transport)
        self.email = f"bench-{phase}{number}-{os.getpid()}@example.org"
        self.think = think
        turn = number % len(subjects) if subjects else 0
        self.subjects = subjects[turn:] + subjects[:turn]  # learners spread over the subjects
        self.stats = stats
        self.known = known  # exercise path -> a response that was read, shared by all learners
        self.random = random.Random(seed)
        self.token = ""
        self.done = 0

    async def sign_up(self) -> None:
        page = await self.client.get("/signup")
        token = CSRF.search(page.text).group(1)
        response = await self.client.post(
            "/signup", data={"email": self.email, "password": PASSWORD, "csrf_token": token})
        if response.status_code != 303:
            raise SystemExit(f"sign up failed: {response.status_code} {response.text[:300]}")
        dashboard = await self.client.get("/")
        self.token = CSRF.search(dashboard.text).group(1)

    async def pause(self) -> None:
        """Think time before an action (paced run): uniform around `think` seconds."""
        if self.think > 0:
            await asyncio.sleep(self.random.uniform(0.5, 1.5) * self.think)

    def form(self, **values: str | list[str]) -> dict[str, str | list[str]]:
        return {"csrf_token": self.token, **values}

    async def run(self, stop_at: float, arrive_within: float = 0.0) -> None:
        """Work passes until `stop_at`, starting at a random moment of the first
        `arrive_within` seconds (paced learners arrive one by one, as people do)."""
        await asyncio.sleep(self.random.uniform(0.0, arrive_within))
        while self.subjects and time.monotonic() < stop_at:
            subject = self.subjects[0]
            started = await timed(self.stats, "pass", self.client, "POST",
                                  f"/subjects/{subject}/passes", (303,), data=self.form())
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
            if not target.startswith("/exercises/"):
                return  # the pass's summary: start the next one
            pk = target.rsplit("/", 1)[-1]
            await self.exercise(pk)
            after = f"?after={pk}"
            self.done += 1
            if self.done % 5 == 0:
                await timed(self.stats, "dashboard", self.client, "GET", "/", (200,))

    async def exercise(self, pk: str) -> None:
        path = f"/exercises/{pk}"
        page = await timed(self.stats, "exercise page", self.client, "GET", path, (200, 303))
        if page is not None and page.status_code == 303:  # theory first
            await timed(self.stats, "theory", self.client, "GET", f"{path}/theory", (200,))
            await timed(self.stats, "theory", self.client, "POST", f"{path}/theory", (303,),
                        data=self.form())
            page = await timed(self.stats, "exercise page", self.client, "GET", path, (200,))
        if page is None:
            return
        text = page.text
        await self.pause()
        if 'name="rating"' not in text:  # not checked yet in this pass
            choices = CHOICE.findall(text)
            if choices:
                await self.check(path, {"choice": [self.random.choice(choices)]})
            elif '<textarea id="answer"' in text:
                await self.check(path, {"response": "Because it does not change."})
            else:
                await self.type_and_check(path)
            page = await timed(self.stats, "exercise page", self.client, "GET", path, (200,))
            if page is None:
                return
            text = page.text
            await self.pause()
        await self.rate(path, text)

    async def type_and_check(self, path: str) -> None:
        remembered = self.known.get(path)
        # A response of the kind that was read, with another digit: learners' answers vary.
        candidates = [self.vary(remembered)] if remembered else list(RESPONSES)
        headers = {"X-CSRF-Token": self.token, "HX-Request": "true"}
        for response in candidates:
            for typed in (response[: max(1, len(response) // 2)], response):  # while typing
                await timed(self.stats, "validate", self.client, "POST", f"{path}/validate",
                            (200,), data={"response": typed}, headers=headers)
            checked = await self.check(path, {"response": response})
            if checked is None or checked.status_code == 303:  # read (recorded), or an error
                if checked is not None and not remembered:
                    self.known[path] = response
                return
        # nothing was read: the learner gives up and rates the exercise after a self-graded check
        # (this happens for answer types the list above does not cover)

    def vary(self, response: str) -> str:
        return re.sub(r"\d", lambda _: str(self.random.randint(1, 9)), response, count=1)

    async def check(self, path: str, data: dict[str, str | list[str]]) -> httpx.Response | None:
        return await timed(self.stats, "check", self.client, "POST", f"{path}/check", (200, 303),
                           data=self.form(**data))

    async def rate(self, path: str, text: str) -> None:
        allowed = [m.group(1) for m in RATING.finditer(text) if "disabled" not in m.group(0)]
        if not allowed:
            return
        weights = {"green": 4, "yellow": 3, "red": 3}
        rating = self.random.choices(allowed, [weights[r] for r in allowed])[0]
        await timed(self.stats, "rate", self.client, "POST", f"{path}/rate", (303,),
                    data=self.form(rating=rating))

    async def close(self) -> None:
        await self.client.aclose()


async def subjects_of(base: str, learner: Learner) -> list[str]:
    page = await learner.client.get("/")
    return sorted(set(re.findall(r'id="subject-([a-z0-9-]+)"', page.text)))


async def crowd_of(server: Served, learners: int, stats: Stats, think: float, phase: str,
                   ) -> list[Learner]:
    """`learners` new learners, signed up (argon2 hashing: a few at a time)."""
    base, known = server.url, {}
    first = Learner(base, 0, [], stats, known, 0, phase, think)
    await first.sign_up()
    subjects = await subjects_of(base, first)
    if not subjects:
        raise SystemExit("the server has no subjects: is the bank loaded?")
    crowd = [first] + [Learner(base, n, subjects, stats, known, n, phase, think)
                       for n in range(1, learners)]
    first.subjects = list(subjects)
    print(f"signing up {learners} learners...", flush=True)
    for start in range(1, learners, 10):
        await asyncio.gather(*(learner.sign_up() for learner in crowd[start:start + 10]))
    return crowd


async def learn(crowd: list[Learner], server: Served, stats: Stats, warmup: float,
                seconds: float, arrive_within: float = 0.0) -> float:
    """The crowd works for `warmup` (not measured) then `seconds` (measured, added to
    `stats`), then finishes what it was doing (not measured); returns the measured time."""
    begin = time.monotonic()
    tasks = [asyncio.create_task(learner.run(begin + warmup + seconds, arrive_within))
             for learner in crowd]
    return await measure(tasks, server, stats, begin + warmup, begin + warmup + seconds)


async def measure(tasks: list[asyncio.Task], server: Served, stats: Stats, start: float,
                  end: float) -> float:
    """Record into `stats` what completes between `start` and `end` (monotonic times) while
    `tasks` run; then wait for them. Returns the measured time."""
    await asyncio.sleep(start - time.monotonic())
    stats.start_measuring(server.process.pid)
    measured_from = time.monotonic()
    await asyncio.sleep(end - measured_from)
    stats.stop_measuring(server.process.pid)
    elapsed = time.monotonic() - measured_from
    await asyncio.gather(*tasks)
    return elapsed


async def load_paced(server: Served, learners: int, seconds: float, warmup: float,
                     think: float) -> tuple[Stats, float]:
    """New learners with think time, arriving one by one over the first half of `warmup`."""
    stats = Stats()
    crowd = await crowd_of(server, learners, stats, think, "p")
    print(f"warming up for {warmup:.0f} s, then measuring for {seconds:.0f} s...", flush=True)
    elapsed = await learn(crowd, server, stats, warmup, seconds, arrive_within=warmup / 2)
    await asyncio.gather(*(learner.close() for learner in crowd))
    return stats, elapsed


async def load_closed_and_bare(gyrus: Served, bare: Served, args: argparse.Namespace,
                               ) -> dict[str, tuple[Stats, float]]:
    """The closed loop and the bare page, in `args.rounds` alternating rounds (bare, then
    gyrus, each a 1/rounds share of its time), so that both see the machine as it is at the
    time: on a shared machine the CPU one gets drifts by tens of percent within a minute,
    which one bare run before or after the closed loop would count as the app's."""
    closed, baseline = Stats(), Stats()
    crowd = await crowd_of(gyrus, args.learners, closed, 0.0, "c")
    print(f"warming up for {args.warmup:.0f} s each, then {args.rounds} rounds of "
          f"{args.bare_seconds / args.rounds:.0f} s bare page and "
          f"{args.seconds / args.rounds:.0f} s gyrus...", flush=True)
    # Made once: a client's set-up (its TLS context) costs this process ~30 ms of CPU.
    clients = [httpx.AsyncClient(base_url=bare.url, timeout=30.0) for _ in crowd]
    times = {CLOSED: 0.0, BARE: 0.0}
    for round_ in range(args.rounds):
        warmup = args.warmup if round_ == 0 else 0.0
        bare_time = await load_bare(bare, clients, args.bare_seconds / args.rounds, warmup,
                                    baseline)
        gyrus_time = await learn(crowd, gyrus, closed, warmup, args.seconds / args.rounds)
        times[BARE] += bare_time
        times[CLOSED] += gyrus_time
        bare_rate = baseline.count_since_round() / bare_time
        gyrus_rate = closed.count_since_round() / gyrus_time
        print(f"  round {round_ + 1}: bare page {bare_rate:.1f} req/s, gyrus {gyrus_rate:.1f} "
              f"req/s, ratio {gyrus_rate / bare_rate:.2f}", flush=True)
    await asyncio.gather(*(learner.close() for learner in crowd),
                         *(client.aclose() for client in clients))
    return {CLOSED: (closed, times[CLOSED]), BARE: (baseline, times[BARE])}


async def load_bare(server: Served, clients: list[httpx.AsyncClient], seconds: float,
                    warmup: float, stats: Stats) -> float:
    """The clients hit the bare page for `warmup` then `seconds` (measured, added to
    `stats`); returns the measured time."""

    async def one(client: httpx.AsyncClient, stop_at: float) -> None:
        while time.monotonic() < stop_at:
            await timed(stats, "bare page", client, "GET", "/", (200,))

    begin = time.monotonic()
    tasks = [asyncio.create_task(one(client, begin + warmup + seconds)) for client in clients]
    return await measure(tasks, server, stats, begin + warmup, begin + warmup + seconds)


# -- reporting --------------------------------------------------------------------------------


def table(title: str, stats: Stats, elapsed: float) -> tuple[int, float]:
    """Print one run's figures; returns (errors, requests per second)."""
    print(f"\n{title}: measured {elapsed:.1f} s")
    print(f"{'page type':<15} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8}")
    for kind in (*TYPES, "bare page"):
        if stats.times.get(kind):
            print(row(kind, stats.times[kind], elapsed))
    every = [v for values in stats.times.values() for v in values]
    if len(stats.times) > 1:
        print(row("all", every, elapsed))
    errors = sum(stats.errors.values())
    print(f"errors: {errors} {dict(stats.errors) if errors else ''}")
    if every and stats.cpu[0]:
        server, client = (1000.0 * seconds / len(every) for seconds in stats.cpu)
        print(f"CPU per request: server {server:.2f} ms (with its checker workers), "
              f"client {client:.2f} ms; CPU used: server {stats.cpu[0] / elapsed:.0%}, "
              f"client {stats.cpu[1] / elapsed:.0%} of one CPU (the client alone could send at "
              f"most {1000.0 / client:.0f} req/s of these)")
    for example in stats.examples:
        print(f"  {example}")
    return errors, len(every) / elapsed


def row(name: str, values: list[float], elapsed: float) -> str:
    return (f"{name:<15} {len(values):>8} {len(values) / elapsed:>8.1f} "
            f"{quantile(values, .50):>8.1f} {quantile(values, .95):>8.1f} "
            f"{quantile(values, .99):>8.1f}")


def judge(label: str, p95: float, limit: float) -> bool:
    ok = p95 <= limit
    print(f"  {label}: p95 {p95:.1f} ms <= {limit:.0f} ms {'ok' if ok else 'MISSED'}")
    return ok


def report(runs: dict[str, tuple[Stats, float]], args: argparse.Namespace, workers: str) -> int:
    print(f"\n{args.learners} learners / clients, one uvicorn worker each, SQLite, {workers} "
          f"checker workers, {os.cpu_count()} CPUs (client, server and checkers share them)")
    rates, errors = {}, 0
    for name, (stats, elapsed) in runs.items():
        failed, rates[name] = table(name, stats, elapsed)
        errors += failed
    closed, paced = runs[CLOSED][0], runs[PACED][0]
    ratio = rates[CLOSED] / rates[BARE] if rates[BARE] else float("nan")
    print(f"\nthroughput: gyrus {rates[CLOSED]:.1f} req/s (closed loop), bare page "
          f"{rates[BARE]:.1f} req/s, ratio {ratio:.2f}")
    print("\ntargets (latency on the paced run; the closed loop's for comparison):")
    ok = True
    for kind, limit in TARGETS.items():
        ok &= judge(f"{kind} (paced)", quantile(paced.times.get(kind, []), .95), limit)
        judge(f"{kind} (closed loop)", quantile(closed.times.get(kind, []), .95), limit)
    print(f"  no error responses: {errors} {'ok' if errors == 0 else 'MISSED'}")
    ok &= errors == 0
    fast = ratio >= THROUGHPUT_TARGET
    print(f"  throughput >= {THROUGHPUT_TARGET:.0%} of the bare page's: {ratio:.0%} "
          f"{'ok' if fast else 'MISSED'}")
    return (not ok) + (not fast)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="measured load, gyrus")
    parser.add_argument("--paced-seconds", type=float, default=30.0,
                        help="measured load with think time, gyrus")
    parser.add_argument("--think", type=float, default=3.0,
                        help="mean think time between a paced learner's actions, s")
    parser.add_argument("--bare-seconds", type=float, default=20.0, help="measured, bare page")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured start, each")
    parser.add_argument("--rounds", type=int, default=4,
                        help="alternating rounds of the bare page and the closed loop")
    parser.add_argument("--paced-warmup", type=float, default=20.0,
                        help="unmeasured start of the paced run; its learners arrive during "
                             "the first half of it")
    parser.add_argument("--learners", type=int, default=50, help="concurrent learners/clients")
    parser.add_argument("--check-workers", type=int, default=None, help="GYRUS_CHECK_WORKERS")
    parser.add_argument("--bank", type=Path, default=ROOT / "exercises")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (logs, db)")
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.port)
        return
    if not (1 <= args.learners <= 200 and 1 <= args.rounds <= 20
            and all(0 < t <= 600 for t in (args.seconds, args.paced_seconds, args.bare_seconds))):
        parser.error("keep it bounded: 1..200 learners, 1..20 rounds, at most 600 s per run")

    folder = Path(tempfile.mkdtemp(prefix="gyrus-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GYRUS_")}
    env.update(GYRUS_DATA_DIR=str(folder / "data"), GYRUS_BANK_PATH=str(args.bank.resolve()),
               GYRUS_SECRET_KEY="bench-" + os.urandom(8).hex())
    if args.check_workers:
        env["GYRUS_CHECK_WORKERS"] = str(args.check_workers)
    runs: dict[str, tuple[Stats, float]] = {}
    try:
        gyrus = Served(gyrus_command(), env, folder, "gyrus")
        bare = Served([sys.executable, str(Path(__file__).resolve()), "--serve-bare"], env,
                      folder, "bare")
        try:
            gyrus.wait("/healthz")
            bare.wait("/")
            print(f"closed loop: {args.learners} learners, no think time, alternating with the "
                  f"bare page ({args.learners} clients)", flush=True)
            runs.update(asyncio.run(load_closed_and_bare(gyrus, bare, args)))
            print(f"paced: {args.learners} new learners, {args.think:.1f} s think time",
                  flush=True)
            runs[PACED] = asyncio.run(load_paced(
                gyrus, args.learners, args.paced_seconds, args.paced_warmup, args.think))
        finally:
            gyrus.stop()
            bare.stop()
        from app.settings import Settings

        workers = env.get("GYRUS_CHECK_WORKERS") or str(Settings(_env_file=None).check_workers)
        misses = report(runs, args, workers)
        print(f"\n{misses} target(s) missed" if misses else "\nall targets met")
    finally:
        if args.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
