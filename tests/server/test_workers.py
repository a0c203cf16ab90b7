"""The query worker lane (server/workers.py): deadlines kill, deaths are reported and healed,
a worker that cannot start fails the call at once and the next call tries again, nothing leaks.

Stdlib functions stand in for the engine: they pickle by reference into the forkserver."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from pilotkg.server.workers import Crashed, Lane, Timeout, Unavailable


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except FileNotFoundError:
        return False


def _lane(tmp_path, size: int) -> Lane:
    """A lane whose workers start when a file exists (``os.stat`` stands in for opening a store)."""
    marker = tmp_path / "ready"
    marker.write_text("")
    return Lane("test", size, os.stat, (str(marker),))


@pytest.fixture
def lane(tmp_path):
    made = _lane(tmp_path, 2)
    yield made
    made.close()


def test_calls_run_in_workers_and_reuse_them(lane):
    pids = {lane.call(os.getpid, (), timeout=10, wait=10) for _ in range(20)}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    assert lane.restarts == 0


def test_a_call_past_its_deadline_is_killed_and_the_worker_replaced(lane):
    worker = lane.call(os.getpid, (), timeout=10, wait=10)
    started = time.monotonic()
    with pytest.raises(Timeout):
        lane.call(time.sleep, (30,), timeout=0.5, wait=10)
    assert time.monotonic() - started < 5
    assert lane.restarts == 1
    time.sleep(0.5)
    assert not _alive(worker) or lane.call(os.getpid, (), timeout=10, wait=10) != worker
    assert lane.call(sum, ([1, 2, 3],), timeout=10, wait=10) == 6


def test_a_worker_that_dies_on_a_call_is_reported_with_its_exit_code(lane):
    with pytest.raises(Crashed) as crash:
        lane.call(os._exit, (7,), timeout=10, wait=10)
    assert crash.value.exitcode == 7
    assert lane.call(sum, ([4, 5],), timeout=10, wait=10) == 9


def test_an_idle_worker_killed_from_outside_is_not_handed_a_call(lane):
    pid = lane.call(os.getpid, (), timeout=10, wait=10)
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.3)
    for _ in range(5):  # the dead worker is noticed before a call is written to it
        assert lane.call(os.getpid, (), timeout=10, wait=10) != pid


def test_exceptions_of_the_function_are_raised_in_the_caller(lane):
    with pytest.raises(FileNotFoundError):
        lane.call(os.stat, ("/nonexistent/pilotkg",), timeout=10, wait=10)
    assert lane.restarts == 0


def test_a_worker_that_cannot_start_fails_the_call_and_the_next_call_retries(tmp_path):
    marker = tmp_path / "store"
    broken = Lane("test", 2, os.stat, (str(marker),))
    try:
        with pytest.raises(Unavailable, match="could not start: FileNotFoundError"):
            broken.call(os.getpid, (), timeout=10, wait=10)
        marker.write_text("")  # the store is back
        assert broken.call(sum, ([1],), timeout=10, wait=10) == 1
    finally:
        broken.close()


def test_a_full_lane_makes_callers_wait_and_then_gives_up(tmp_path):
    import threading

    single = _lane(tmp_path, 1)
    try:
        single.start()
        busy = threading.Thread(target=lambda: single.call(time.sleep, (1.5,), timeout=10, wait=10))
        busy.start()
        time.sleep(0.3)
        with pytest.raises(Unavailable, match="became free"):
            single.call(os.getpid, (), timeout=10, wait=0.3)
        assert single.call(sum, ([2],), timeout=10, wait=10) == 2  # waits for the busy one
        busy.join()
    finally:
        single.close()


def test_close_stops_every_worker(tmp_path):
    closing = _lane(tmp_path, 3)
    closing.start()
    pids = set()
    deadline = time.monotonic() + 10
    while len(pids) < 3 and time.monotonic() < deadline:  # hold all three at once to see each
        with ThreadPoolExecutor(3) as threads:
            pids |= set(threads.map(lambda _: closing.call(_pid_after, (0.3,), timeout=10, wait=10), range(3)))
    assert len(pids) == 3
    closing.close()
    time.sleep(0.5)
    assert not any(_alive(pid) for pid in pids)
    with pytest.raises(Unavailable):
        closing.call(os.getpid, (), timeout=10, wait=1)


def _pid_after(seconds: float) -> int:  # pragma: no cover - runs in a worker
    time.sleep(seconds)
    return os.getpid()


def test_a_small_store_is_answered_from_memory_with_the_same_answers(fixture_env):
    """Workers copy a store that fits under PILOTKG_MEMORY_STORE_MB into memory; every example
    query answers the same rows from the copy as from the store on disk."""
    import json

    from pilotkg.server.app import create_app
    from tests.server.conftest import settings_for

    answers = {}
    for limit in (64, 0):
        application = create_app(settings_for(fixture_env, memory_store_mb=limit, max_rows=100_000))
        try:
            client = application.test_client()
            health = client.get("/healthz").get_json()
            answers[limit] = [health["store"]]
            for path in sorted(fixture_env["queries"].glob("*.rq")):
                r = client.post(
                    "/sparql",
                    data=path.read_bytes(),
                    headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
                )
                body = r.get_data(as_text=True)
                rows = json.loads(body).get("results", {}).get("bindings") if r.status_code == 200 else body
                key = sorted(json.dumps(row, sort_keys=True) for row in rows) if isinstance(rows, list) else rows
                answers[limit].append((path.name, r.status_code, key))
        finally:
            application.extensions["pilotkg"].pool.close()
    assert answers[64][0] == "memory" and answers[0][0] == "disk"
    assert len(answers[64]) > 2 and answers[64][1:] == answers[0][1:]
