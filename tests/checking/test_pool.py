"""The checker pool: hard limits, isolation between checks, cache, queueing, fairness between
learners, recycling, closing, blocking and awaited alike.

The tasks below are module-level so the workers can import them by name. Two workers, as on the
smallest machine we support. Times are asserted only against the limit under test plus a
generous margin: these tests must hold on a busy machine.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.checking.compare.result import CheckResult, Validation
from app.checking.compare.spec import AnswerSpec
from app.checking.pool import MESSAGES, MIN_WORKERS, CheckerPool
from app.checking.queue import CheckerBusy
from app.checking.worker import WORKER_NICENESS

LIMIT = 1.0
MARGIN = 3.0
"""Added to a limit in every wall-clock assertion: a loaded machine is slow, never this slow."""
SPEC = AnswerSpec(type="expression", value="2*x")
BOMB = AnswerSpec(type="expression", value="integrate(exp(x^2)*sin(x^x), x)")
"""An author-mode reference SymPy cannot integrate: its check runs until it is killed."""
ROOT = Path(__file__).resolve().parents[2]


# -- tasks run in the workers ------------------------------------------------------------------


def simple() -> CheckResult:
    return CheckResult(status="correct", message="ok")


def hang() -> CheckResult:
    while True:
        pass


def slow(seconds: float, label: str) -> CheckResult:
    time.sleep(seconds)
    return CheckResult(status="correct", message=label)


def eat_memory() -> CheckResult:
    block = bytearray(8 * 1024**3)  # far past the 1 GiB address-space limit
    return CheckResult(status="correct", message=str(len(block)))


def fail() -> CheckResult:
    raise ValueError("a checker bug")


def die() -> CheckResult:
    os._exit(3)


def unsendable() -> object:
    return lambda: None  # a value that cannot be pickled back


def worker_pid() -> int:
    return os.getpid()


def niceness() -> int:
    return os.nice(0)


def loaded(prefixes: tuple[str, ...]) -> list[str]:
    """The modules a worker has imported whose names start with one of `prefixes`."""
    return sorted(name for name in sys.modules if name.startswith(prefixes))


def touch(path: str) -> None:
    Path(path).touch()


def slow_start() -> None:
    """A worker initializer that takes longer than the tasks' limit."""
    time.sleep(1.5)


def stamped_check(spec: dict, response: str) -> CheckResult:
    """A stand-in comparison whose message differs on every real run (so a cache hit shows)."""
    status = "undecided" if response.startswith("?") else "correct"
    return CheckResult(status=status, message=f"{response}@{time.perf_counter_ns()}")


def stamped_validate(spec: dict, response: str) -> Validation:
    return Validation(valid=True, message=f"{response}@{time.perf_counter_ns()}")


def failing_validate(spec: dict, response: str) -> Validation:
    raise ValueError("a checker bug")


def echo_check(spec: dict, response: str) -> CheckResult:
    """Later inputs finish first, so ordered output proves collection in input order."""
    time.sleep(0.05 if response == "first" else 0.0)
    return CheckResult(status="correct", message=response)


def slowish_check(spec: dict, response: str) -> CheckResult:
    """Takes 40 % of the limit: three of them in one task pass only under their summed limit."""
    time.sleep(0.4 * LIMIT)
    correct = spec["value"] == "x/2"
    return CheckResult(status="correct" if correct else "incorrect", message=spec["value"])


# -- fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def pool() -> Iterator[CheckerPool]:
    with CheckerPool(workers=2, timeout=LIMIT, cache_size=100) as checker:
        checker.warm_up()
        yield checker


@pytest.fixture(params=["blocking", "awaited"])
def call(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """`call(pool, fn, *args)`: `pool.run`, or `pool.run_async` awaited on a fresh loop."""
    if request.param == "blocking":
        return lambda checker, fn, *args: checker.run(fn, *args)
    return lambda checker, fn, *args: asyncio.run(checker.run_async(fn, *args))


def wait_for_workers(checker: CheckerPool, count: int, deadline: float = 10.0) -> list[int]:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        pids = checker.worker_pids()
        if len(pids) == count:
            return pids
        time.sleep(0.02)
    return checker.worker_pids()


def in_thread(fn: Callable[..., Any], *args: Any) -> tuple[threading.Thread, list]:
    box: list = []
    thread = threading.Thread(target=lambda: box.append(fn(*args)))
    thread.start()
    return thread, box


@pytest.fixture
def busy_host() -> Iterator[None]:
    """Two processes that burn a CPU each for as long as the test runs."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


# -- limits ------------------------------------------------------------------------------------


def test_a_runaway_task_is_undecided_at_its_limit_and_its_worker_replaced(pool, call):
    before = set(wait_for_workers(pool, 2))
    start = time.perf_counter()
    result = call(pool, hang)
    took = time.perf_counter() - start
    assert (result.status, result.notes) == ("undecided", ["timeout"])
    assert result.message == "The checker ran out of time on this answer; rate it yourself."
    assert LIMIT <= took < LIMIT + MARGIN
    assert result.elapsed_ms >= LIMIT * 1000
    after = set(wait_for_workers(pool, 2))
    assert len(after) == 2 and before - after, "the runaway's worker was not replaced"
    assert call(pool, simple).status == "correct"


@pytest.mark.parametrize(("task", "note"), [
    (fail, "error"), (die, "worker-crashed"), (eat_memory, "memory"), (unsendable, "error"),
])
def test_a_task_that_gives_no_answer_is_undecided_with_its_note(pool, call, task, note):
    result = call(pool, task)
    assert (result.status, result.notes) == ("undecided", [note])
    assert call(pool, simple).status == "correct"


def test_a_task_whose_arguments_cannot_be_sent_is_an_error_and_costs_no_worker(pool, call):
    before = set(wait_for_workers(pool, 2))
    result = call(pool, slow, lambda: 0, "a lambda cannot be pickled")
    assert (result.status, result.notes) == ("undecided", ["error"])
    assert set(pool.worker_pids()) == before


def test_a_bomb_does_not_block_a_real_check():
    """A bomb holds one worker until its limit; a real check meanwhile takes the other."""
    with CheckerPool(workers=2, timeout=2.5) as checker:
        checker.warm_up()
        bomb, bomb_result = in_thread(checker.check, BOMB, "x")
        time.sleep(0.2)
        assert checker.check(SPEC, "x + x").status == "correct"
        assert bomb.is_alive()  # the check did not wait for the bomb's worker
        bomb.join()
        assert bomb_result[0].notes == ["timeout"]

        async def awaited() -> CheckResult:
            bomb = asyncio.ensure_future(checker.check_async(BOMB, "2x"))
            await asyncio.sleep(0.2)
            assert (await checker.check_async(SPEC, "3x - x")).status == "correct"
            assert not bomb.done()
            return await bomb

        assert asyncio.run(awaited()).notes == ["timeout"]


def test_a_worker_killed_while_idle_does_not_break_the_pool(pool, call):
    victim = wait_for_workers(pool, 2)[0]
    os.kill(victim, signal.SIGKILL)
    time.sleep(0.3)
    assert call(pool, simple).status == "correct"
    assert victim not in wait_for_workers(pool, 2)


def test_workers_run_at_a_lower_priority_than_the_server(pool, call):
    """Under full CPUs a check waits rather than every learner's next page."""
    assert call(pool, niceness) == min(19, os.nice(0) + WORKER_NICENESS)


# -- where workers come from ---------------------------------------------------------------------


OWNER = """
import os, sys
with open(sys.argv[1], "a") as marker:  # every process that imports this file says so
    marker.write(f"{os.getpid()}\\n")
from app.checking.pool import CheckerPool
from app.checking.compare.spec import AnswerSpec

if __name__ == "__main__":
    with CheckerPool(workers=2, timeout=10.0) as pool:
        pool.warm_up()
        result = pool.check(AnswerSpec(type="expression", value="2*x"), "x + x")
        print(result.status, len(pool.worker_pids()))
"""


def test_workers_never_import_the_main_module_of_the_process_that_owns_the_pool(tmp_path: Path):
    """The `gyrus` script (a path) and `python -m app.cli` (a module) start the CLI; their
    workers must not import it again (SQLAlchemy, YAML, ... inside a check's time)."""
    (tmp_path / "owner.py").write_text(OWNER)
    owners = {}
    for command in (["owner.py"], ["-m", "owner"]):
        marker = tmp_path / f"imported-by-{len(owners)}"
        owner = subprocess.Popen([sys.executable, *command, str(marker)], cwd=tmp_path,
                                 env={**os.environ, "PYTHONPATH": str(ROOT)}, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        owners[marker] = owner
    for marker, owner in owners.items():
        out, err = owner.communicate(timeout=120)
        assert owner.returncode == 0, err
        assert out.split() == ["correct", "2"]
        assert len(marker.read_text().split()) == 1  # the owner only


def main_file() -> str | None:
    return getattr(sys.modules["__main__"], "__file__", None)


def test_workers_load_the_checker_and_nothing_of_the_app(pool, call):
    assert "app.checking.compare.engine" in call(pool, loaded, ("app.checking.",))
    assert call(pool, loaded, ("app.cli", "app.web", "app.main", "app.db", "sqlalchemy",
                               "fastapi", "yaml")) == []
    assert call(pool, main_file) is None  # the forkserver's, not pytest's


def test_a_workers_start_up_is_not_charged_to_its_first_task():
    """Each worker takes longer to start than a task may run: its first task, and the first
    task of the worker that replaces one killed at the limit, still have their whole limit."""
    with CheckerPool(workers=2, timeout=LIMIT, initializer=slow_start) as checker:
        first = [in_thread(checker.run, slow, 0.1, "first") for _ in range(2)]
        for thread, _box in first:
            thread.join()
        assert [box[0].status for _thread, box in first] == ["correct", "correct"]
        killed = [in_thread(checker.run, hang) for _ in range(2)]
        for thread, _box in killed:
            thread.join()
        assert [box[0].notes for _thread, box in killed] == [["timeout"], ["timeout"]]
        assert checker.run(slow, 0.1, "after").status == "correct"


def test_on_a_busy_host_trivial_checks_after_twenty_bombs_are_all_correct(busy_host):
    """Two CPU burners run; 20 bombs, each killed at the limit, and then 20 trivial checks,
    all queued at once: every trivial check runs in a worker that replaced a bomb's, within
    its own limit."""
    with CheckerPool(workers=2, timeout=LIMIT) as checker:
        checker.warm_up()

        async def main() -> list[CheckResult]:
            bombs = [checker.check_async(BOMB, f"{n}x") for n in range(20)]
            trivial = [checker.check_async(SPEC, f"x + x + {n} - {n}") for n in range(20)]
            return await asyncio.gather(*bombs, *trivial)

        results = asyncio.run(main())
    assert [result.notes for result in results[:20]] == [["timeout"]] * 20
    assert [result.status for result in results[20:]] == ["correct"] * 20


# -- cache -------------------------------------------------------------------------------------


def test_decided_results_are_cached_by_spec_and_normalised_response(pool, monkeypatch):
    monkeypatch.setattr(pool, "check_task", stamped_check)
    first = pool.check(SPEC, "2 x")
    again = pool.check(SPEC, "  2   x ")
    assert again.message == first.message  # served from the cache
    other_spec = AnswerSpec(type="expression", value="2*x", domain="positive")
    assert pool.check(other_spec, "2 x").message != first.message
    assert asyncio.run(pool.check_async(SPEC, " 2 x")).message == first.message  # one cache


def test_an_awaited_check_is_cached_for_a_blocking_one(pool, monkeypatch):
    monkeypatch.setattr(pool, "check_task", stamped_check)
    first = asyncio.run(pool.check_async(SPEC, "5 x"))
    assert pool.check(SPEC, " 5  x").message == first.message


def test_undecided_results_are_not_cached(pool, monkeypatch):
    monkeypatch.setattr(pool, "check_task", stamped_check)
    assert pool.check(SPEC, "?").message != pool.check(SPEC, "?").message
    assert (asyncio.run(pool.check_async(SPEC, "?")).message
            != asyncio.run(pool.check_async(SPEC, "?")).message)


def test_readings_for_the_preview_are_cached_too(pool, monkeypatch):
    monkeypatch.setattr(pool, "validate_task", stamped_validate)
    assert pool.cached_validation(SPEC, "3 x") is None
    first = pool.validate(SPEC, "3 x")
    assert pool.validate(SPEC, " 3  x").message == first.message  # served from the cache
    assert pool.cached_validation(SPEC, "3 x") == first
    assert pool.validate(SPEC, "3 y").message != first.message
    awaited = asyncio.run(pool.validate_async(SPEC, "7 x"))
    assert awaited.valid and pool.cached_validation(SPEC, "7 x") == awaited


def test_a_failed_reading_is_not_cached(pool, monkeypatch):
    monkeypatch.setattr(pool, "validate_task", failing_validate)
    assert not pool.validate(SPEC, "x").valid
    assert not asyncio.run(pool.validate_async(SPEC, "8 x")).valid
    assert pool.cached_validation(SPEC, "x") is None
    assert pool.cached_validation(SPEC, "8 x") is None


def test_typical_mistakes_are_matched_in_one_task_under_their_summed_limit(pool, monkeypatch):
    monkeypatch.setattr(pool, "check_task", slowish_check)
    mistakes = [AnswerSpec(type="expression", value=v) for v in ("x^2", "2*x + 1", "x/2")]
    assert asyncio.run(pool.first_correct_async(mistakes, "1 + 2x")) == 2  # 1.2 x the limit
    monkeypatch.setattr(pool, "check_task", stamped_check)  # any new task would say "correct"
    assert pool.check(mistakes[2], "1 + 2x").message == "x/2"  # cached, as a check would be
    assert asyncio.run(pool.first_correct_async(mistakes, "  1 + 2x")) == 2
    assert asyncio.run(pool.first_correct_async(mistakes[:2], "1 + 2x")) is None  # all cached
    assert asyncio.run(pool.first_correct_async([], "5x")) is None


def test_a_failed_match_of_typical_mistakes_is_no_match(pool, monkeypatch):
    monkeypatch.setattr(pool, "timeout", 0.2)
    monkeypatch.setattr(pool, "check_task", slowish_check)
    assert asyncio.run(pool.first_correct_async([SPEC], "x + x + 0")) is None
    assert pool._cached(pool._cache_key(SPEC, "x + x + 0")) is None  # nothing was decided


# -- queueing, threads, recycling, closing -----------------------------------------------------


def test_check_many_returns_results_in_input_order(pool, monkeypatch):
    monkeypatch.setattr(pool, "check_task", echo_check)
    responses = ["first", "second", "third", "fourth", "fifth"]
    results = pool.check_many([(SPEC, r) for r in responses])
    assert [r.message for r in results] == responses


def test_more_tasks_than_workers_wait_their_turn(pool):
    threads = [in_thread(pool.run, slow, 0.05, f"blocking {n}") for n in range(5)]

    async def main() -> list:
        return await asyncio.gather(*(pool.run_async(slow, 0.05, str(n)) for n in range(7)))

    assert [result.message for result in asyncio.run(main())] == [str(n) for n in range(7)]
    for thread, _box in threads:
        thread.join()
    assert sorted(box[0].message for _t, box in threads) == [f"blocking {n}" for n in range(5)]


def test_awaited_tasks_start_no_thread_of_their_own(pool):
    pool.warm_up()
    threads = threading.active_count()

    async def main() -> int:
        tasks = [asyncio.ensure_future(pool.run_async(slow, 0.1, str(n))) for n in range(6)]
        await asyncio.sleep(0.05)
        running = threading.active_count()
        await asyncio.gather(*tasks)
        return running

    assert asyncio.run(main()) <= threads


def test_a_caller_that_gives_up_waiting_does_not_cancel_the_task(pool):
    """A learner who leaves mid-check: the worker finishes its task and serves the next."""

    async def main() -> None:
        before = set(wait_for_workers(pool, 2))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(pool.run_async(slow, 0.3, "left"), timeout=0.05)
        await asyncio.sleep(0.5)
        assert set(pool.worker_pids()) == before
        assert {await pool.run_async(worker_pid) for _ in range(4)} <= before

    asyncio.run(main())


def test_workers_are_recycled_after_max_tasks():
    with CheckerPool(workers=2, timeout=LIMIT, max_tasks=2) as checker:
        pids = {checker.run(worker_pid) for _ in range(4)}
        pids |= {asyncio.run(checker.run_async(worker_pid)) for _ in range(4)}
    assert len(pids) >= 4


def test_at_least_two_workers_and_a_closed_pool_refuses_work():
    checker = CheckerPool(workers=1, timeout=LIMIT)
    assert checker.workers == MIN_WORKERS
    checker.close()
    with pytest.raises(RuntimeError):
        checker.run(simple)
    with pytest.raises(RuntimeError):
        asyncio.run(checker.run_async(simple))


def test_closing_gives_running_tasks_their_grace_then_stops_them():
    """As the web app's shutdown does: `close` from another thread while the loop awaits."""
    checker = CheckerPool(workers=2, timeout=30.0)
    checker.warm_up()

    async def main() -> list[CheckResult]:
        finishing = asyncio.ensure_future(checker.run_async(slow, 0.1, "finished"))
        stopped = asyncio.ensure_future(checker.run_async(slow, 30.0, "never"))
        waiting = asyncio.ensure_future(checker.run_async(simple))
        await asyncio.sleep(0.05)
        await asyncio.to_thread(checker.close, MARGIN)
        return await asyncio.gather(finishing, stopped, waiting)

    start = time.perf_counter()
    finished, stopped, waiting = asyncio.run(main())
    assert finished.message == "finished"
    assert (stopped.status, stopped.notes) == ("undecided", ["worker-crashed"])
    assert (waiting.status, waiting.notes) == ("undecided", ["worker-crashed"])
    assert time.perf_counter() - start < 2 * MARGIN
    assert checker.worker_pids() == []


# -- fair between learners ---------------------------------------------------------------------


def test_one_learners_bombs_leave_another_learners_check_correct():
    """20 bombs from one learner (15 refused: a learner queues four besides the one running)
    and 12 from three more hold both workers; another learner's check is still correct,
    taking the first worker a bomb frees (issue 17: within 3 s)."""
    with CheckerPool(workers=2, timeout=LIMIT) as checker:
        checker.warm_up()

        async def main() -> tuple[list, CheckResult, float]:
            bombs = [asyncio.ensure_future(checker.check_async(BOMB, f"{n}x", owner=owner))
                     for owner, count in (("mallory", 20), ("m2", 4), ("m3", 4), ("m4", 4))
                     for n in range(count)]
            await asyncio.sleep(0.2)
            start = time.perf_counter()
            result = await checker.check_async(SPEC, "x + x", owner="alice")
            took = time.perf_counter() - start
            checker.close(grace=0)  # the bombs still waiting need not run
            return await asyncio.gather(*bombs, return_exceptions=True), result, took

        bombs, result, took = asyncio.run(main())
    assert result.status == "correct"
    assert took < 3.0
    refused = [bomb for bomb in bombs if isinstance(bomb, CheckerBusy)]
    assert len(refused) == 15 and all(bomb.retry_after >= 1 for bomb in refused)
    assert {note for bomb in bombs if isinstance(bomb, CheckResult) for note in bomb.notes} <= {
        "timeout", "worker-crashed"}


def test_a_newer_preview_replaces_the_one_waiting(pool, monkeypatch):
    monkeypatch.setattr(pool, "validate_task", stamped_validate)

    async def main() -> list:
        busy = asyncio.ensure_future(pool.run_async(slow, 0.5, "busy", owner="a"))
        await asyncio.sleep(0.05)
        older = asyncio.ensure_future(pool.validate_async(SPEC, "4 x", owner="a"))
        await asyncio.sleep(0.05)
        newer = asyncio.ensure_future(pool.validate_async(SPEC, "4 x +", owner="a"))
        return await asyncio.gather(busy, older, newer)

    busy, older, newer = asyncio.run(main())
    assert busy.message == "busy"
    assert older == Validation(valid=False, message=MESSAGES["superseded"])
    assert newer.valid and newer.message.startswith("4 x +@")
    assert pool.cached_validation(SPEC, "4 x") is None


def test_a_waiting_task_whose_caller_gives_up_never_runs(pool, tmp_path):
    marker = tmp_path / "ran"

    async def main() -> None:
        busy = asyncio.ensure_future(pool.run_async(slow, 0.5, "busy", owner="a"))
        await asyncio.sleep(0.05)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(pool.run_async(touch, str(marker), owner="a"), 0.1)
        await busy
        assert (await pool.run_async(simple, owner="a")).status == "correct"

    asyncio.run(main())
    assert not marker.exists()
