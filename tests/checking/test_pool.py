"""The checker pool: hard limits, isolation between checks, cache, threads, recycling.

The tasks below are module-level so the workers can import them by name. Limits are small
(0.5 s) to keep the file fast; two workers, as on the smallest machine we support.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time

import pytest

from app.checking.compare.result import CheckResult, Validation
from app.checking.compare.spec import AnswerSpec
from app.checking.pool import MIN_WORKERS, WORKER_NICENESS, CheckerPool

LIMIT = 0.5
SPEC = AnswerSpec(type="expression", value="2*x")


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


def stamped_check(spec: dict, response: str) -> CheckResult:
    """A stand-in comparison whose message differs on every real run (so a cache hit shows)."""
    status = "undecided" if response.startswith("?") else "correct"
    return CheckResult(status=status, message=f"{response}@{time.perf_counter_ns()}")


def echo_check(spec: dict, response: str) -> CheckResult:
    """Later inputs finish first, so ordered output proves collection in input order."""
    time.sleep(0.05 if response == "first" else 0.0)
    return CheckResult(status="correct", message=response)


def echo_validate(spec: dict, response: str) -> Validation:
    return Validation(valid=True, message=response)


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pool():
    with CheckerPool(workers=2, timeout=LIMIT, cache_size=100) as checker:
        checker.warm_up()
        yield checker


def wait_for_workers(checker: CheckerPool, count: int, deadline: float = 3.0) -> list[int]:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        pids = checker.worker_pids()
        if len(pids) == count:
            return pids
        time.sleep(0.02)
    return checker.worker_pids()


def pebble_pids(checker: CheckerPool) -> list[int]:
    """The blocking API's workers (pebble's), started by the module's blocking tests."""
    manager = checker._pool._pool_manager.worker_manager
    return list(manager.workers)


def in_thread(fn, *args) -> tuple[threading.Thread, list]:
    box: list = []
    thread = threading.Thread(target=lambda: box.append(fn(*args)))
    thread.start()
    return thread, box


# -- limits ----------------------------------------------------------------------------------


def test_a_runaway_task_is_undecided_after_the_limit_and_its_worker_replaced(pool):
    before = set(wait_for_workers(pool, 2))
    start = time.perf_counter()
    result = pool.run(hang)
    took = time.perf_counter() - start
    assert result.status == "undecided"
    assert result.notes == ["timeout"]
    assert result.message == "The checker ran out of time on this answer; rate it yourself."
    assert LIMIT <= took < LIMIT + 1.0
    assert result.elapsed_ms == pytest.approx(took * 1000, abs=50)
    after = set(wait_for_workers(pool, 2))
    assert len(after) == 2 and before - after, "the runaway's worker was not replaced"
    assert pool.run(simple).status == "correct"


def test_a_bomb_does_not_block_a_simple_check(pool):
    wait_for_workers(pool, 2)
    bomb, bomb_result = in_thread(pool.run, hang)
    time.sleep(0.05)  # the bomb holds a worker now
    start = time.perf_counter()
    result = pool.run(simple)
    assert time.perf_counter() - start < 0.2
    assert result.status == "correct"
    bomb.join(timeout=LIMIT + 3)
    assert bomb_result[0].status == "undecided" and bomb_result[0].notes == ["timeout"]
    assert pool.run(simple).status == "correct"


def test_a_bomb_does_not_block_a_real_check(pool):
    """The same with the real comparison (needs app.checking.compare.engine)."""
    pool.check_many([(SPEC, "x+x"), (SPEC, "x*2"), (SPEC, "2*x"), (SPEC, "3x")])  # warm both
    wait_for_workers(pool, 2)
    bomb, bomb_result = in_thread(pool.run, hang)
    time.sleep(0.05)
    start = time.perf_counter()
    result = pool.check(SPEC, "2x")
    assert time.perf_counter() - start < 0.2
    assert result.status == "correct"
    bomb.join(timeout=LIMIT + 3)
    assert bomb_result[0].notes == ["timeout"]


def test_a_memory_bomb_is_undecided_and_the_pool_survives(pool):
    result = pool.run(eat_memory)
    assert result.status == "undecided"
    assert result.notes == ["memory"]
    assert pool.run(simple).status == "correct"


def test_a_worker_that_dies_gives_undecided(pool):
    result = pool.run(die)
    assert result.status == "undecided"
    assert result.notes == ["worker-crashed"]
    assert pool.run(simple).status == "correct"


def test_a_checker_exception_gives_undecided(pool):
    result = pool.run(fail)
    assert (result.status, result.notes) == ("undecided", ["error"])


def test_a_worker_killed_while_idle_does_not_break_the_pool(pool):
    victim = wait_for_workers(pool, 2)[0]
    os.kill(victim, signal.SIGKILL)
    time.sleep(0.3)
    assert pool.run(simple).status == "correct"
    assert victim not in wait_for_workers(pool, 2)


def test_workers_run_at_a_lower_priority_than_the_server(pool):
    """Under full CPUs a check waits rather than every learner's next page."""
    assert pool.run(niceness) == min(19, os.nice(0) + WORKER_NICENESS)


# -- cache -----------------------------------------------------------------------------------


def test_decided_results_are_cached_by_spec_and_normalised_response(pool, monkeypatch):
    monkeypatch.setattr(pool, "check_task", stamped_check)
    first = pool.check(SPEC, "2 x")
    again = pool.check(SPEC, "  2   x ")
    assert again.message == first.message  # served from the cache
    assert again.elapsed_ms < first.elapsed_ms
    other_spec = AnswerSpec(type="expression", value="2*x", domain="positive")
    assert pool.check(other_spec, "2 x").message != first.message


def test_undecided_results_are_not_cached(pool, monkeypatch):
    monkeypatch.setattr(pool, "check_task", stamped_check)
    assert pool.check(SPEC, "?") .message != pool.check(SPEC, "?").message


def stamped_validate(spec: dict, response: str) -> Validation:
    return Validation(valid=True, message=f"{response}@{time.perf_counter_ns()}")


def test_readings_for_the_preview_are_cached_too(pool, monkeypatch):
    monkeypatch.setattr(pool, "validate_task", stamped_validate)
    assert pool.cached_validation(SPEC, "3 x") is None
    first = pool.validate(SPEC, "3 x")
    assert pool.validate(SPEC, " 3  x").message == first.message  # served from the cache
    assert pool.cached_validation(SPEC, "3 x") == first
    assert pool.validate(SPEC, "3 y").message != first.message


def failing_validate(spec: dict, response: str) -> Validation:
    raise ValueError("a checker bug")


def test_a_failed_reading_is_not_cached(pool, monkeypatch):
    monkeypatch.setattr(pool, "validate_task", failing_validate)
    assert not pool.validate(SPEC, "x").valid
    assert pool.cached_validation(SPEC, "x") is None


# -- batches, threads, recycling -------------------------------------------------------------


def test_check_many_returns_results_in_input_order(pool, monkeypatch):
    monkeypatch.setattr(pool, "check_task", echo_check)
    responses = ["first", "second", "third", "fourth", "fifth"]
    results = pool.check_many([(SPEC, r) for r in responses])
    assert [r.message for r in results] == responses


def test_validate_runs_in_the_pool(pool, monkeypatch):
    monkeypatch.setattr(pool, "validate_task", echo_validate)
    assert pool.validate(SPEC, "2x") == Validation(valid=True, message="2x")


def test_threads_share_the_pool_safely(pool):
    results: list = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        for i in range(5):
            result = pool.run(slow, 0.01, f"{n}-{i}")
            with lock:
                results.append(result.message)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(results) == sorted(f"{n}-{i}" for n in range(4) for i in range(5))


def test_workers_are_recycled_after_max_tasks():
    with CheckerPool(workers=2, timeout=LIMIT, max_tasks=2, preload=()) as checker:
        pids = {checker.run(worker_pid) for _ in range(8)}
    assert len(pids) >= 4


def test_at_least_two_workers_and_a_closed_pool_refuses_work():
    checker = CheckerPool(workers=1, timeout=LIMIT, preload=())
    assert checker.workers == MIN_WORKERS
    checker.close()
    with pytest.raises(RuntimeError):
        checker.run(simple)


# -- awaited on an event loop (the web app) --------------------------------------------------


def test_awaited_tasks_keep_the_limits_and_give_the_same_results(pool):
    async def main() -> list:
        return await asyncio.gather(pool.run_async(simple), pool.run_async(hang),
                                    pool.run_async(die), pool.run_async(fail),
                                    pool.run_async(eat_memory), pool.run_async(unsendable))

    threads = threading.active_count()
    ok, runaway, died, failed, bomb, lost = asyncio.run(main())
    assert ok.status == "correct" and ok.elapsed_ms > 0
    assert (runaway.status, runaway.notes) == ("undecided", ["timeout"])
    assert runaway.elapsed_ms == pytest.approx(LIMIT * 1000, abs=300)
    assert died.notes == ["worker-crashed"] and failed.notes == ["error"]
    assert bomb.notes == ["memory"] and lost.notes == ["error"]
    assert threading.active_count() <= threads  # nothing waited in a thread of its own


def test_an_awaited_task_that_cannot_be_sent_is_an_error_and_costs_no_worker(pool):
    async def main() -> tuple[CheckResult, set[int], set[int]]:
        await pool.warm_up_async()
        before = set(pool.worker_pids())
        result = await pool.run_async(slow, lambda: 0, "a lambda cannot be pickled")
        return result, before, set(pool.worker_pids())

    result, before, after = asyncio.run(main())
    assert (result.status, result.notes) == ("undecided", ["error"])
    assert after == before


def test_an_awaited_pool_starts_no_pebble_thread_or_worker():
    """The web app only awaits: its loop drives its own workers, pebble never starts."""
    threads = threading.active_count()

    async def main() -> tuple[list[int], int]:
        await checker.warm_up_async()
        pids = checker.worker_pids()
        assert {await checker.run_async(worker_pid) for _ in range(6)} <= set(pids)
        return pids, threading.active_count()

    with CheckerPool(workers=2, timeout=LIMIT, preload=()) as checker:
        pids, threads_while_running = asyncio.run(main())
    assert len(pids) == 2 and threads_while_running == threads


def test_a_bomb_does_not_block_an_awaited_check_and_its_worker_is_replaced(pool):
    async def main() -> None:
        await pool.warm_up_async()
        before = set(pool.worker_pids()) - set(pebble_pids(pool))
        bomb = asyncio.ensure_future(pool.run_async(hang))
        await asyncio.sleep(0.05)
        start = time.perf_counter()
        assert (await pool.check_async(SPEC, "2 x")).status == "correct"
        assert time.perf_counter() - start < 0.3
        assert (await bomb).notes == ["timeout"]
        both = await asyncio.gather(*(pool.run_async(slow, 0.05, n) for n in "ab"))
        assert [result.status for result in both] == ["correct", "correct"]
        after = set(pool.worker_pids()) - set(pebble_pids(pool))  # replaced when needed
        assert len(before) == 2 and len(after) == 2 and before - after

    asyncio.run(main())


def test_more_awaited_tasks_than_workers_wait_their_turn(pool):
    async def main() -> list:
        return await asyncio.gather(*(pool.run_async(slow, 0.05, str(n)) for n in range(7)))

    assert [result.message for result in asyncio.run(main())] == [str(n) for n in range(7)]


def test_an_awaited_worker_killed_while_idle_is_replaced_before_its_next_task(pool):
    async def main() -> None:
        await pool.warm_up_async()
        victims = set(pool.worker_pids()) - set(pebble_pids(pool))
        for victim in victims:
            os.kill(victim, signal.SIGKILL)
        await asyncio.sleep(0.3)  # each pipe reads end of file: the loop retires the worker
        results = await asyncio.gather(*(pool.run_async(worker_pid) for _ in range(4)))
        assert not victims & set(results)

    asyncio.run(main())


def test_an_awaited_check_is_cached_like_a_blocking_one(pool, monkeypatch):
    monkeypatch.setattr(pool, "check_task", stamped_check)
    first = asyncio.run(pool.check_async(SPEC, "5 x"))
    assert pool.check(SPEC, " 5  x").message == first.message  # one cache for both
    monkeypatch.setattr(pool, "_awaited", None)  # a hit must not reach the workers
    assert asyncio.run(pool.check_async(SPEC, "5 x")).message == first.message


def test_an_awaited_reading_is_cached_and_a_failed_one_is_not(pool, monkeypatch):
    monkeypatch.setattr(pool, "validate_task", stamped_validate)
    first = asyncio.run(pool.validate_async(SPEC, "7 x"))
    assert first.valid and pool.cached_validation(SPEC, "7 x") == first
    monkeypatch.setattr(pool, "validate_task", failing_validate)
    assert not asyncio.run(pool.validate_async(SPEC, "8 x")).valid
    assert pool.cached_validation(SPEC, "8 x") is None


def test_a_caller_that_gives_up_waiting_does_not_cancel_the_task(pool):
    """A learner who leaves mid-check: the worker finishes its task and serves the next."""

    async def main() -> None:
        await pool.warm_up_async()
        before = set(pool.worker_pids())
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(pool.run_async(slow, 0.2, "left"), timeout=0.05)
        await asyncio.sleep(0.3)
        assert set(pool.worker_pids()) == before
        assert {await pool.run_async(worker_pid) for _ in range(4)} <= before

    asyncio.run(main())


def test_a_caller_cancelled_while_waiting_for_a_worker_takes_none_away(pool):
    async def main() -> list:
        busy = [asyncio.ensure_future(pool.run_async(slow, 0.1, "busy")) for _ in range(2)]
        queued = [asyncio.ensure_future(pool.run_async(simple)) for _ in range(3)]
        await asyncio.sleep(0.02)
        for waiting in queued:
            waiting.cancel()
        await asyncio.gather(*busy)
        return await asyncio.wait_for(
            asyncio.gather(*(pool.run_async(slow, 0.01, str(n)) for n in range(4))), 2.0)

    assert [result.message for result in asyncio.run(main())] == ["0", "1", "2", "3"]


def test_awaited_workers_are_recycled_after_max_tasks_and_run_at_a_lower_priority():
    async def main() -> tuple[set, int]:
        pids = {await checker.run_async(worker_pid) for _ in range(8)}
        return pids, await checker.run_async(niceness)

    with CheckerPool(workers=2, timeout=LIMIT, max_tasks=2, preload=()) as checker:
        pids, nice = asyncio.run(main())
    assert len(pids) >= 4
    assert nice == min(19, os.nice(0) + WORKER_NICENESS)


def test_the_workers_of_a_closed_loop_are_stopped(pool):
    async def main() -> set[int]:
        await pool.warm_up_async()
        return set(pool.worker_pids()) - set(pebble_pids(pool))

    first = asyncio.run(main())
    assert not first & set(pool.worker_pids())  # that loop has closed: its workers went
    for pid in first:
        assert not os.path.exists(f"/proc/{pid}") or "Z" in open(f"/proc/{pid}/stat").read()


def test_closing_the_pool_answers_an_awaited_task_at_once_and_refuses_more():
    """As the web app's shutdown does: `close` from another thread while the loop runs."""
    checker = CheckerPool(workers=2, timeout=5.0, preload=())

    async def main() -> CheckResult:
        waiting = asyncio.ensure_future(checker.run_async(slow, 3.0, "never"))
        await asyncio.sleep(0.2)
        await asyncio.to_thread(checker.close)
        result = await waiting
        with pytest.raises(RuntimeError):
            await checker.run_async(simple)
        return result

    start = time.perf_counter()
    result = asyncio.run(main())
    assert result.status == "undecided" and result.notes == ["worker-crashed"]
    assert time.perf_counter() - start < 2.5


def test_typical_mistakes_are_matched_in_one_task_and_then_from_the_cache(pool, monkeypatch):
    mistakes = [AnswerSpec(type="expression", value=v) for v in ("x^2", "2*x + 1", "x/2")]
    submitted = []
    awaited = pool._awaited
    monkeypatch.setattr(pool, "_awaited", lambda fn, args, timeout: (
        submitted.append(timeout), awaited(fn, args, timeout))[1])
    assert asyncio.run(pool.first_correct_async(mistakes, "1 + 2x")) == 1
    assert submitted == [LIMIT * 3]  # one task for the three; its limit is theirs summed
    assert pool.check(mistakes[1], "1 + 2x").status == "correct"  # cached, as a check would be
    assert asyncio.run(pool.first_correct_async(mistakes, "  1 + 2x")) == 1
    assert len(submitted) == 1
    assert asyncio.run(pool.first_correct_async(mistakes, "5x")) is None
    assert asyncio.run(pool.first_correct_async(mistakes, "5x")) is None  # all three cached
    assert asyncio.run(pool.first_correct_async([], "5x")) is None
    assert len(submitted) == 2


def slow_check_task(spec: dict, response: str) -> CheckResult:
    time.sleep(1.0)
    return CheckResult(status="correct", message="late")


def test_a_failed_match_of_typical_mistakes_is_no_match(pool, monkeypatch):
    monkeypatch.setattr(pool, "timeout", 0.05)
    monkeypatch.setattr(pool, "check_task", slow_check_task)
    assert asyncio.run(pool.first_correct_async([SPEC], "x + x + 0")) is None
    assert pool._cached(pool._cache_key(SPEC, "x + x + 0")) is None  # nothing was decided
