"""A lane of query worker processes, each with a pipe of its own, and a hard deadline per call.

pyoxigraph cannot cancel a running query, so a query that overruns is stopped by killing the
process it runs in. pebble's pool did that before, but it shares one channel between all its
workers behind a lock and runs three manager threads in the web process: a light query's round
trip cost 450–550 µs there, more than many light queries take to run. Here a call takes an
idle worker, writes the job to that worker's pipe and waits on that pipe alone (tens of µs).
A worker past its deadline is killed (SIGKILL) and replaced in the background; one that died
is reported with its exit code and replaced; one that cannot start (the store is missing)
makes the call fail at once, and the next call tries again — nothing is left running beside a
replacement.

Workers are made in the process that uses the lane (each web process has its own) through the
forkserver, which has the engine imported already.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger(__name__)

PRELOAD = ["pilotkg.server.engine", "rdflib.plugins.sparql.parser"]
START_TIMEOUT = 120.0  # seconds a new worker may take to open its store


class Timeout(Exception):
    """The call outlived its time limit; its worker was killed."""


class Crashed(Exception):
    """The worker died before it answered."""

    def __init__(self, exitcode: int | None):
        super().__init__(f"query worker exited with {exitcode}")
        self.exitcode = exitcode


class Unavailable(Exception):
    """No worker could be had: none started (the reason is the message), or all stayed busy."""


def _serve(conn: Connection, init: Callable[..., None], initargs: tuple) -> None:
    """A worker's life: initialise, say so, then answer calls until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # die at once, even inside pyoxigraph
    try:
        init(*initargs)
    except BaseException as exc:  # reported to the lane, and by it to the client
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send((True, fn(*args)))
        except Exception as exc:  # raised again in the caller
            conn.send((False, exc))


def _kill(process: multiprocessing.process.BaseProcess) -> None:
    if process.exitcode is None and process.pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)


class _Worker:
    __slots__ = ("conn", "process")

    def __init__(self, process: multiprocessing.process.BaseProcess, conn: Connection):
        self.process, self.conn = process, conn


class Lane:
    """Up to ``size`` workers made by ``init(*initargs)``; :meth:`call` runs one function in one.

    ``initargs`` may be a function giving them, called in the web process at each start: what
    belongs to that process (the egress relay's socket) is then made in it, not in a parent.
    """

    def __init__(self, name: str, size: int, init: Callable[..., None], initargs: tuple | Callable[[], tuple]):
        self.name, self.size, self._init, self._initargs = name, size, init, initargs
        self.restarts = 0  # workers replaced after a deadline or a crash
        self._cond = threading.Condition()
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._idle: list[_Worker] = []
        self._alive = 0  # started or starting, idle or busy
        self._closed = False

    def _mine(self) -> None:
        if self._pid != os.getpid():  # a forked copy: the parent's workers are not ours
            self._reset()

    # -- calls ----------------------------------------------------------------------------
    def call(self, fn: Callable[..., Any], args: tuple, timeout: float, wait: float) -> Any:
        """``fn(*args)`` in a worker, killed after ``timeout`` seconds (:class:`Timeout`);
        waiting at most ``wait`` seconds for a free worker (:class:`Unavailable`)."""
        worker = self._take(wait)
        try:
            worker.conn.send((fn, args))
            if not worker.conn.poll(timeout):
                self._discard(worker, kill=True)
                raise Timeout
            ok, value = worker.conn.recv()
        except (EOFError, OSError) as exc:
            raise Crashed(self._discard(worker, kill=True)) from exc
        self._give_back(worker)
        if not ok:
            raise value
        return value

    def start(self) -> None:
        """Start every worker not yet started, all at once (warm-up; a call starts one on demand)."""
        with self._cond:
            self._mine()
            missing = self.size - self._alive if not self._closed else 0
            self._alive += missing
        started, failure = [], None
        for _ in range(missing):
            try:
                started.append(self._launch())
            except Unavailable as exc:  # counted out by _launch; the others still start
                failure = failure or exc
        for process, conn in started:
            try:
                self._adopt(self._ready(process, conn))
            except Unavailable as exc:  # wait for the others all the same: none is left unreaped
                failure = failure or exc
        if failure is not None:
            raise failure

    def _take(self, wait: float) -> _Worker:
        deadline = time.monotonic() + wait
        dead: list[_Worker] = []  # idle workers found dead: counted out here, reaped after the lock
        try:
            with self._cond:
                self._mine()
                while True:
                    if self._closed:
                        raise Unavailable("the query workers are shutting down")
                    while self._idle:
                        worker = self._idle.pop()
                        if not worker.conn.poll(0):  # an idle worker's pipe is quiet unless it died
                            return worker
                        dead.append(worker)
                        self._alive -= 1
                        self.restarts += 1
                    if self._alive < self.size:
                        self._alive += 1
                        break
                    left = deadline - time.monotonic()
                    if (left <= 0 or not self._cond.wait(left)) and not self._idle:
                        raise Unavailable(f"no {self.name}-lane query worker became free within {wait:g} s")
        finally:
            for worker in dead:
                self._end(worker.process, worker.conn, kill=True)
        return self._ready(*self._launch())

    def _launch(self) -> tuple[multiprocessing.process.BaseProcess, Connection]:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        try:
            initargs = self._initargs() if callable(self._initargs) else self._initargs
            ours, theirs = ctx.Pipe(duplex=True)
            process = ctx.Process(
                target=_serve, args=(theirs, self._init, initargs), name=f"pilotkg-{self.name}", daemon=True
            )
            process.start()
        except Exception as exc:  # no process (no fork, no relay socket…): the call gets 503
            self._lost()
            raise Unavailable(f"a query worker could not be started: {exc}") from exc
        theirs.close()
        return process, ours

    def _ready(self, process: multiprocessing.process.BaseProcess, conn: Connection) -> _Worker:
        """The started worker once it has opened its store; Unavailable (and no worker) if not."""
        try:
            if not conn.poll(START_TIMEOUT):
                raise Unavailable(f"a query worker did not start within {START_TIMEOUT:g} s")
            state, detail = conn.recv()
            if state != "ready":
                raise Unavailable(f"a query worker could not start: {detail}")
        except (EOFError, OSError) as exc:
            self._end(process, conn)
            self._lost()
            raise Unavailable(f"a query worker died while starting ({process.exitcode})") from exc
        except Unavailable:
            self._end(process, conn)
            self._lost()
            raise
        return _Worker(process, conn)

    def _adopt(self, worker: _Worker) -> None:
        with self._cond:
            keep = not self._closed and self._pid == os.getpid()
            if keep:
                self._idle.append(worker)
                self._cond.notify()
        if not keep:
            self._end(worker.process, worker.conn)

    def _give_back(self, worker: _Worker) -> None:
        with self._cond:
            closed = self._closed
            if closed:
                self._alive -= 1
            else:
                self._idle.append(worker)
                self._cond.notify()
        if closed:  # the lane closed while this call ran: stop its worker, outside the lock
            self._end(worker.process, worker.conn)

    def _lost(self) -> None:
        with self._cond:
            self._alive -= 1
            self._cond.notify()

    def _discard(self, worker: _Worker, kill: bool) -> int | None:
        """Stop a worker that overran or died, and start its replacement in the background."""
        code = self._end(worker.process, worker.conn, kill=kill)
        with self._cond:
            self._alive -= 1
            self.restarts += 1
            replace = not self._closed
            self._cond.notify()
        if replace:
            threading.Thread(target=self._replace, name=f"pilotkg-{self.name}-respawn", daemon=True).start()
        return code

    def _replace(self) -> None:
        with self._cond:
            if self._closed or self._alive >= self.size:
                return
            self._alive += 1
        try:
            self._adopt(self._ready(*self._launch()))
        except Unavailable as exc:  # the next call tries again
            if not self._closed:
                log.warning("%s lane: %s", self.name, exc)

    @staticmethod
    def _end(process: multiprocessing.process.BaseProcess, conn: Connection, kill: bool = False) -> int | None:
        """Stop one worker and reap it; its exit code (negative: the signal that ended it)."""
        if kill:
            _kill(process)
        conn.close()  # an idle worker reads the end of its pipe and exits
        process.join(5)
        if process.exitcode is None:
            _kill(process)
            process.join(5)
        return process.exitcode

    def close(self) -> None:
        """Stop the idle workers now; busy ones stop when their call returns."""
        with self._cond:
            if self._pid != os.getpid():
                self._reset()
                self._closed = True
                return
            self._closed = True
            idle, self._idle = self._idle, []
            self._alive -= len(idle)
            self._cond.notify_all()
        for worker in idle:
            self._end(worker.process, worker.conn)
