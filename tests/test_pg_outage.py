"""PostgreSQL goes away under load and comes back (issue 17): the app answers 503 meanwhile,
recovers by itself, and loses no acknowledged write.

The test runs a PostgreSQL cluster of its own (`initdb`, `pg_ctl`) in a temp folder on a free
port, never the shared server. A real `gyrus serve` on it gets a few learners checking and
rating exercises; the cluster is stopped with `pg_ctl stop -m immediate` (a crash: no
checkpoint, connections cut) in the middle of that, left down a while, and started again.
While it is down every answer is a 503 (an HTML page with the security headers; JSON on the
API), never a 500 and never a hang; once it is back the same app process serves again; and
every rating the app acknowledged (a 303 to the next exercise) is in the database.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from serving import Server, free_port
from test_durability import ANSWERS, PASS_URL, RATINGS, exercise_ids, sign_up, stored

pytestmark = pytest.mark.slow

LEARNERS = 3
DOWN_S = 4.0
"""How long PostgreSQL stays down: long enough for every learner to hit the outage."""
HANG_S = 30.0
"""A request taking longer than this hangs (a guard, not a speed target)."""
RECOVER_S = 60.0
SECURITY_HEADER = "x-content-type-options"


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parents[1].name))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class Cluster:
    """A throwaway PostgreSQL cluster: trust auth, user `postgres`, 127.0.0.1 on a free port.
    As root, the server runs as the `postgres` user (PostgreSQL refuses to run as root)."""

    def __init__(self, binaries: Path) -> None:
        self.bin = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="gyrus-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")

    def run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
                               f"\n{self.log()}")
        return done

    def init(self) -> Cluster:
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                 "-E", "UTF8", "--no-sync")
        return self

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 "
                   f"-c unix_socket_directories={self.folder}")
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"),
                 "-o", options, "-w", "-t", "60", "start")

    def crash(self) -> None:
        """Stop at once: no checkpoint, every connection cut (crash recovery at the next start)."""
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.crash()
            except RuntimeError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else "(no log)"


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    binaries = _binaries()
    if binaries is None or not (binaries / "pg_ctl").exists():
        pytest.skip("no PostgreSQL initdb/pg_ctl on this machine (/usr/lib/postgresql/*/bin)")
    made = Cluster(binaries).init()
    made.start()
    try:
        yield made
    finally:
        made.remove()


@dataclass(frozen=True)
class Answer:
    """One request: when it started and ended (monotonic), and what came back."""

    started: float
    ended: float
    method: str
    path: str
    status: int | None  # None: no answer (a transport error or the hang guard)
    content_type: str = ""
    secured: bool = False


class Learner(threading.Thread):
    """Checks and rates the tiny bank's exercises over and over, through the outage, noting
    every answer and every acknowledged rating."""

    def __init__(self, url: str, number: int, pks: dict[str, int], stop: threading.Event
                 ) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=url, timeout=HANG_S, follow_redirects=False)
        self.email = f"outage-{number}@example.org"
        self.pks = pks
        self.stop = stop
        self.token = ""
        self.answers: list[Answer] = []
        self.rated: list[tuple[int, str, str]] = []  # (pass number, local id, rating)

    def sign_up(self) -> None:
        self.token = sign_up(self.client, self.email)

    def request(self, method: str, path: str, **kwargs: object) -> httpx.Response | None:
        started = time.monotonic()
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError:
            self.answers.append(Answer(started, time.monotonic(), method, path, None))
            return None
        headers = response.headers
        self.answers.append(Answer(started, time.monotonic(), method, path, response.status_code,
                                   headers.get("content-type", ""), SECURITY_HEADER in headers))
        return response

    def post(self, path: str, **data: str) -> httpx.Response | None:
        return self.request("POST", path, data={"csrf_token": self.token, **data})

    def run(self) -> None:
        while not self.stop.is_set():
            went_through = self.one_pass()
            self.request("POST", "/api/v1/check", headers={"X-CSRF-Token": self.token},
                         json={"spec": {"type": "expression", "value": "2*x"},
                               "response": "2x"})
            if not went_through:
                time.sleep(0.05)  # the database is down: do not spin

    def one_pass(self) -> bool:
        """One pass over the bank (or what of it went through); False if nothing did."""
        number = self.open_pass()
        if number is None:
            return False
        for local_id in ANSWERS:
            if self.stop.is_set():
                break
            self.answer(number, local_id)
        return True

    def open_pass(self) -> int | None:
        started = self.post("/subjects/calculus/passes")
        found = PASS_URL.search(started.headers.get("location", "")) if started else None
        if found is None:  # a pass is open already, or the database is down
            home = self.request("GET", "/subjects/calculus")
            found = PASS_URL.search(home.headers.get("location", "")) if home else None
        return int(found.group(1)) if found else None

    def answer(self, number: int, local_id: str) -> None:
        pk = self.pks[local_id]
        page = self.request("GET", f"/exercises/{pk}")
        if page is None or page.status_code not in (200, 303):
            return  # not in this pass (Green before), or the database is down
        if page.status_code == 303:  # theory first
            self.post(f"/exercises/{pk}/theory")
        self.post(f"/exercises/{pk}/check", response=ANSWERS[local_id])
        self.post(f"/exercises/{pk}/solution")  # after Incorrect: the solution, then the rating
        rated = self.post(f"/exercises/{pk}/rate", rating=RATINGS[local_id])
        if rated is not None and rated.status_code == 303 and \
                rated.headers["location"].startswith("/subjects/"):
            self.rated.append((number, local_id, RATINGS[local_id]))


def _wait_for(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def _acknowledged(learners: list[Learner]) -> int:
    return sum(len(learner.rated) for learner in learners)


def _is_503_page(answer: Answer) -> bool:
    wanted = "application/json" if answer.path.startswith("/api/") else "text/html"
    return answer.status == 503 and answer.content_type.startswith(wanted) and answer.secured


def test_the_app_rides_out_a_postgresql_outage(tmp_path: Path, cluster: Cluster) -> None:
    server = Server(tmp_path, cluster.url).start()
    stop = threading.Event()
    learners = [Learner(server.url, n, exercise_ids(cluster.url), stop) for n in range(LEARNERS)]
    try:
        for learner in learners:
            learner.sign_up()
            learner.start()
        assert _wait_for(lambda: _acknowledged(learners) >= 2 * LEARNERS, 60), server.log()
        before = _acknowledged(learners)
        cluster.crash()
        down_from = time.monotonic()
        time.sleep(DOWN_S)
        down_until = time.monotonic()
        cluster.start()
        up_from = time.monotonic()
        assert _wait_for(lambda: _acknowledged(learners) >= before + 2 * LEARNERS, RECOVER_S), \
            f"no acknowledged rating after the restart:\n{server.log()}"
        stop.set()
        for learner in learners:
            learner.join(HANG_S + 5)
        assert server.process is not None and server.process.poll() is None, "the app died"
    finally:
        stop.set()
        server.stop()

    answers = [a for learner in learners for a in learner.answers]
    during = [a for a in answers if a.started >= down_from and a.ended <= down_until]
    after = [a for a in answers if a.started >= up_from]
    print(f"\n{len(answers)} requests, {len(during)} while down, {len(after)} after; "
          f"{_acknowledged(learners)} ratings acknowledged ({before} before the crash)")
    assert not [a for a in answers if a.status is None], "a request got no answer (or hung)"
    assert not [a for a in answers if a.status is not None and a.status >= 500
                and a.status != 503], f"a server error:\n{server.log()}"
    assert len(during) >= LEARNERS, "too few requests while the database was down"
    wrong = [a for a in during if not _is_503_page(a)]
    assert not wrong, f"not a 503 page while down: {wrong[:5]}"
    assert any(a.path.startswith("/api/") for a in during), "no API request while down"
    for learner in learners:
        _attempts, ratings = stored(cluster.url, learner.email)
        lost = set(learner.rated) - ratings
        assert not lost, f"{learner.email}: acknowledged ratings lost: {lost}"
