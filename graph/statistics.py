"""Precomputed statistics: the named graph ``{base}graph/statistics``.

Queries that aggregate over every pilot (measure types per pilot, tasks per sector, task-list
structure, agencies by pilots, the /compare page) grow with the whole graph; at a thousand pilots
they take seconds. So a build also stores their counts, as W3C RDF Data Cube observations: each
``statistics/*.rq`` is a CONSTRUCT that computes one statistic from the pilot graphs, and
``statistics/datasets.ttl`` describes the data sets and their structures. Relative IRIs in both
resolve against the build's base. The example queries read these observations instead of
counting again; tests/test_statistics.py checks every count against the raw graphs.

A query whose header says ``# scope: pilot`` counts within one pilot's graph: it gives the same
observations run over each pilot's graph alone as over the whole store, so a build runs it on
each pilot's graph in the worker that wrote it (:func:`pilot_statistics`), where the graph is in
memory already, and only the others over the whole store.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox

from pilotkg.paths import STATISTICS_DIR
from pilotkg.query_header import query_header

STATISTICS_GRAPH = "graph/statistics"
DATASETS = "datasets.ttl"


def statistics_queries(folder: Path = STATISTICS_DIR) -> list[Path]:
    """The CONSTRUCT queries, one per statistic, in a stable order."""
    return sorted(folder.glob("*.rq"))


def per_pilot(path: Path) -> bool:
    """Whether the query's header says ``# scope: pilot``."""
    return _scope(path.read_text(encoding="utf-8")) == "pilot"


def _scope(text: str) -> str:
    words = query_header(text).get("scope", "").split()
    return words[0] if words else ""


def _construct(store: ox.Store, text: str, base: str, path: Path) -> list[ox.Triple]:
    result = store.query(text, base_iri=base, use_default_graph_as_union=True)
    if not isinstance(result, ox.QueryTriples):
        raise ValueError(f"{path}: a statistic must be a CONSTRUCT query")
    return list(result)


def _pilot_queries(folder: Path) -> list[tuple[Path, str]]:
    """The ``scope: pilot`` queries and their texts, read once a process while the files stay as
    they are (a build's workers run them for every plan)."""
    files = tuple((p, s.st_mtime_ns, s.st_size) for p in statistics_queries(folder) for s in [p.stat()])
    return _read_pilot_queries(files)


@functools.cache
def _read_pilot_queries(files: tuple[tuple[Path, int, int], ...]) -> list[tuple[Path, str]]:
    texts = [(path, path.read_text(encoding="utf-8")) for path, _, _ in files]
    return [(path, text) for path, text in texts if _scope(text) == "pilot"]


def pilot_statistics(store: ox.Store, base: str, folder: Path = STATISTICS_DIR) -> list[ox.Triple]:
    """The observations of the ``scope: pilot`` statistics for the one pilot in ``store``."""
    return [t for path, text in _pilot_queries(folder) for t in _construct(store, text, base, path)]


def statistics_quads(
    store: ox.Store, base: str, folder: Path = STATISTICS_DIR, pilots: Iterable[ox.Triple] | None = None
) -> list[ox.Quad]:
    """The quads of ``{base}graph/statistics`` for the data in ``store``, sorted canonically.

    Each query of ``folder`` runs over the union of the store's named graphs (pilots and
    vocabulary; the statistics read no term of the statistics graph itself, so a store that
    already holds one gives the same answer); but given ``pilots``, the observations of the
    ``scope: pilot`` queries (:func:`pilot_statistics` of each pilot), those are not run again.
    Each quad appears once.
    """
    graph = ox.NamedNode(f"{base}{STATISTICS_GRAPH}")
    datasets = ox.parse(path=str(folder / DATASETS), format=ox.RdfFormat.TURTLE, base_iri=base)
    triples: set[ox.Triple] = {quad.triple for quad in datasets}
    queries = [(path, path.read_text(encoding="utf-8")) for path in statistics_queries(folder)]
    if pilots is not None:
        triples.update(pilots)
        queries = [(path, text) for path, text in queries if _scope(text) != "pilot"]
    # Queries side by side on every core: pyoxigraph lets go of the GIL while one runs.
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        for found in pool.map(lambda query: _construct(store, query[1], base, query[0]), queries):
            triples.update(found)
    quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]
    return sorted(quads, key=str)
