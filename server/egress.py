"""The one way out of a query worker's network namespace: a relay to the allowed endpoints only.

A query worker lives in a network namespace with nothing but loopback (server/isolation.py),
in every configuration. When SERVICE endpoints are allowed, or queries go to a remote store,
the worker listens on its loopback for each allowed host and port (:func:`forward`); a
connection there is carried over a Unix socket on the file system, which crosses network
namespaces, to the :class:`Relay` in the web process. The relay reads which target the
connection is for, checks it against its own copy of the allowed targets (so even a worker
that went wrong reaches nothing else), connects to it and passes the bytes both ways unchanged:
HTTPS stays end to end, with the endpoint's own certificate.

The relay grants hosts and ports; which paths of an allowed host a query may call is the
SERVICE check's business (server/safety.py), before the query runs.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import shutil
import threading
from collections.abc import Coroutine

from pilotkg.server import tempdirs
from pilotkg.server.isolation import Target, hosts_file, listen_addresses

log = logging.getLogger(__name__)

MAX_CONNECTIONS = 64  # relayed connections open at once, over all workers of a web process
HEADER_TIMEOUT = 5.0  # seconds a worker has to say which target a connection is for
CONNECT_TIMEOUT = 5.0  # seconds to reach an allowed endpoint
CHUNK = 64 * 1024


class Relay:
    """The web process's side: a Unix socket in a private folder, connecting to allowed targets.

    Started lazily in the process that uses it (:meth:`path`): a forked web process gets a
    relay of its own, with its own socket.
    """

    def __init__(self, allowed: tuple[Target, ...]) -> None:
        self.allowed = frozenset(allowed)
        self.refused = 0  # connections asking for a target off the list
        self.relayed = 0
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._folder = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._open = 0

    def path(self) -> str:
        """The socket workers connect to, the relay started in this process if it is not yet."""
        with self._lock:
            if self._pid != os.getpid():
                self._start()
            return os.path.join(self._folder, "relay.sock")

    def hosts_path(self) -> str:
        """Where the workers' hosts file is written (beside the socket)."""
        self.path()
        return os.path.join(self._folder, "hosts")

    def _start(self) -> None:
        self._pid = os.getpid()
        self._folder = str(tempdirs.make("egress"))  # 0700: only this user connects
        with open(os.path.join(self._folder, "hosts"), "w", encoding="ascii") as fh:
            fh.write(hosts_file(listen_addresses(tuple(self.allowed))))
        loop = asyncio.new_event_loop()
        started: concurrent.futures.Future = concurrent.futures.Future()

        async def serve() -> None:
            try:
                server = await asyncio.start_unix_server(self._handle, os.path.join(self._folder, "relay.sock"))
            except BaseException as exc:
                started.set_exception(exc)
            else:
                started.set_result(server)

        threading.Thread(target=_run, args=(loop, serve()), name="pilotkg-egress", daemon=True).start()
        self._server = started.result(10)
        self._loop = loop

    def close(self) -> None:
        """Stop relaying (connections open are cut) and remove the socket's folder."""
        with self._lock:
            if self._loop is not None and self._pid == os.getpid():
                with contextlib.suppress(Exception):
                    asyncio.run_coroutine_threadsafe(_stop(self._server), self._loop).result(5)
                shutil.rmtree(self._folder, ignore_errors=True)
            self._loop, self._pid = None, None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        target = None
        try:
            if self._open >= MAX_CONNECTIONS:
                return
            line = await asyncio.wait_for(reader.readline(), HEADER_TIMEOUT)
            target = parse_header(line)
            if target not in self.allowed:
                self.refused += 1
                log.warning("refused a worker's connection to %s: not an allowed endpoint", target or line[:80])
                return
            self._open += 1
            try:
                remote_reader, remote_writer = await asyncio.wait_for(
                    asyncio.open_connection(target.host, target.port), CONNECT_TIMEOUT
                )
            except (TimeoutError, OSError) as exc:
                log.warning("cannot reach the allowed endpoint %s: %s", target, exc)
                self._open -= 1
                return
            self.relayed += 1
            try:
                await _join(reader, writer, remote_reader, remote_writer)
            finally:
                self._open -= 1
        except (TimeoutError, OSError, ValueError):
            pass
        finally:
            writer.close()


def _run(loop: asyncio.AbstractEventLoop, first: Coroutine) -> None:
    asyncio.set_event_loop(loop)
    loop.create_task(first)
    loop.run_forever()
    loop.close()


async def _stop(server: asyncio.Server) -> None:
    """Close the listener, cancel every connection's task, then end the loop."""
    server.close()
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    asyncio.get_running_loop().call_soon(asyncio.get_running_loop().stop)


def header(target: Target) -> bytes:
    return f"{target.host} {target.port}\n".encode("ascii")


def parse_header(line: bytes) -> Target | None:
    """The target a worker's connection asks for; None for anything malformed."""
    try:
        host, port = line.decode("ascii").split()
        return Target(host, int(port))
    except (UnicodeDecodeError, ValueError):
        return None


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except OSError:
        writer.close()


async def _join(
    a_reader: asyncio.StreamReader,
    a_writer: asyncio.StreamWriter,
    b_reader: asyncio.StreamReader,
    b_writer: asyncio.StreamWriter,
) -> None:
    """Pass bytes both ways until both directions have ended."""
    try:
        await asyncio.gather(_pipe(a_reader, b_writer), _pipe(b_reader, a_writer))
    finally:
        b_writer.close()
        a_writer.close()


def forward(addresses: dict[Target, str], relay_path: str) -> list[Target]:
    """The worker's side, run once it is inside its namespace: listen at each target's address
    (server/isolation.py gave it) and carry each connection to the relay, in a daemon thread.
    Returns the targets it listens for."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    problems: list[str] = []
    listening: list[Target] = []

    def handler(target: Target):
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                relay_reader, relay_writer = await asyncio.open_unix_connection(relay_path)
            except OSError:
                writer.close()
                return
            relay_writer.write(header(target))
            with contextlib.suppress(OSError):
                await _join(reader, writer, relay_reader, relay_writer)

        return handle

    sockets: dict[tuple[str, int], list[Target]] = {}  # localhost:P and 127.0.0.1:P share one
    for target, address in sorted(addresses.items()):
        sockets.setdefault((address, target.port), []).append(target)

    async def listen() -> None:
        for (address, port), sharing in sockets.items():
            try:  # connections are relayed as for the first of them: the same endpoint
                await asyncio.start_server(handler(sharing[0]), address, port)
                listening.extend(sharing)
            except OSError as exc:
                problems.append(f"{', '.join(map(str, sharing))} on {address}: {exc}")
        ready.set()

    threading.Thread(target=_run, args=(loop, listen()), name="pilotkg-egress", daemon=True).start()
    ready.wait(10)
    for problem in problems:
        log.warning("a query worker cannot listen for an allowed endpoint: %s", problem)
    return sorted(listening)
