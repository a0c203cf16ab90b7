"""Clients that query in a loop while a test changes something under the server."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any


@contextlib.contextmanager
def under_load(request: Callable[[], Any], clients: int = 4) -> Iterator[tuple[list, list[str]]]:
    """``clients`` threads calling ``request`` until the block ends: (its answers, and every
    failed request's exception as text). The lists fill while the block runs."""
    stop, answers, failures = threading.Event(), [], []

    def load() -> None:
        while not stop.is_set():
            try:
                answers.append(request())
            except Exception as exc:  # every failed request counts
                failures.append(repr(exc))

    threads = [threading.Thread(target=load, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    try:
        yield answers, failures
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
