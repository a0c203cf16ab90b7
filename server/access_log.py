"""Access log lines written by the app, with control characters escaped.

The HTTP front logs the decoded path as it came, so a request for ``/a%0Ab`` would start a
forged line of its own; here every control character (C0, DEL, C1) and the backslash are
written as ``\\xNN`` escapes, so one request is one line and a terminal shows no escape codes.
"""

from __future__ import annotations

import logging
import re
import sys
import time

from flask import Flask, Response, g, request

log = logging.getLogger("pilotkg.access")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\\\u2028\u2029]")


def escape(text: str) -> str:
    return _UNSAFE.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text
    )


def install(app: Flask) -> None:
    if not log.handlers:  # one plain line on standard error, whatever the web server configured
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False

    @app.after_request
    def _line(response: Response) -> Response:
        started = g.get("pilotkg_started")  # set by the metrics hook, which every app has
        took = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        target = request.path + (("?" + request.query_string.decode("latin-1")) if request.query_string else "")
        write(
            request.remote_addr,
            request.method,
            target,
            request.environ.get("SERVER_PROTOCOL", ""),
            response.status_code,
            took,
        )
        return response

    app.extensions["pilotkg.access_log"] = write


def write(remote: str | None, method: str, target: str, protocol: str, status: int, took_ms: float) -> None:
    """One request's line (also written by the fast path, server/fastpath.py)."""
    log.info(
        '%s "%s %s %s" %d %.1fms',
        escape(remote or "-"),
        escape(method),
        escape(target),
        escape(protocol),
        status,
        took_ms,
    )
