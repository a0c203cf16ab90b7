"""The project's prefixes (vocab/prefixes.csv): one per kind of shared resource.

Instances live under ``{base}id/``, but one prefix for all of them (``pk:``) gives local names
with slashes — ``pk:sector/finance`` is not SPARQL, and Turtle writers escape it as
``pk:sector\\/finance``. So each kind of resource whose IRIs end in a plain slug has its own
prefix (``sector:finance``, ``agency:mofcom``), and an IRI whose local name would need an escape
(a pilot's tasks, paragraphs, spans) is written whole. Dumps, per-resource Turtle, the server's
SPARQL prologue and its pages all use this one table.
"""

from __future__ import annotations

import csv
import functools
import re

from pilotkg.paths import VOCAB_DIR

# A local name that needs no escape in SPARQL or Turtle: PN_LOCAL without '%', '\' or ':', which
# neither begins with '-' or '.' nor ends with '.'.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")


@functools.cache
def _table() -> tuple[tuple[str, str], ...]:
    path = VOCAB_DIR / "prefixes.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = [(row["prefix"], row["namespace"]) for row in csv.DictReader(f)]
    seen: set[str] = set()
    for line, (prefix, namespace) in enumerate(rows, start=2):
        if not prefix or prefix in seen or not namespace:
            raise ValueError(f"{path}:{line}: each prefix once, with a namespace")
        seen.add(prefix)
    return tuple(rows)


def prefixes(base: str) -> dict[str, str]:
    """prefix → namespace, with ``{base}`` filled in, in the order of the table."""
    return {prefix: namespace.replace("{base}", base) for prefix, namespace in _table()}


def compact(iri: str, table: dict[str, str]) -> str | None:
    """``prefix:local`` for ``iri`` when a namespace of ``table`` leaves a plain local name (the
    longest namespace first), else None: the IRI is then written whole."""
    for prefix, namespace in sorted(table.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            return f"{prefix}:{local}" if _PLAIN_LOCAL.fullmatch(local) else None
    return None
