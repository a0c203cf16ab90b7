"""The ``# key: value`` lines that open a ``.rq`` file (``title``, ``description``, ``scope``):
read by the server's list of example queries and by the build's statistics."""

from __future__ import annotations

import re

__all__ = ["query_header"]

_LINE = re.compile(r"^#\s*([A-Za-z][\w-]*)\s*:\s*(.*)$")


def query_header(text: str) -> dict[str, str]:
    """The header's values by lower-cased key, from the comment lines before the query itself
    (blank lines may sit among them; a key given twice keeps its last value)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        m = _LINE.match(stripped)
        if m:
            found[m.group(1).lower()] = m.group(2).strip()
    return found
