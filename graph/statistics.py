"""Precomputed statistics: the named graph ``{base}graph/statistics``.

Queries that aggregate over every pilot (measure types per pilot, tasks per sector, task-list
structure, agencies by pilots, the /compare page) grow with the whole graph; at a thousand pilots
they take seconds. So a build also stores their counts, as W3C RDF Data Cube observations: each
``statistics/*.rq`` is a CONSTRUCT that computes one statistic from the pilot graphs, and
``statistics/datasets.ttl`` describes the data sets and their structures. Relative IRIs in both
resolve against the build's base. The example queries read these observations instead of
counting again; tests/test_statistics.py checks every count against the raw graphs.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox

from pilotkg.paths import STATISTICS_DIR

STATISTICS_GRAPH = "graph/statistics"
DATASETS = "datasets.ttl"


def statistics_queries(folder: Path = STATISTICS_DIR) -> list[Path]:
    """The CONSTRUCT queries, one per statistic, in a stable order."""
    return sorted(folder.glob("*.rq"))


def statistics_quads(store: ox.Store, base: str, folder: Path = STATISTICS_DIR) -> list[ox.Quad]:
    """The quads of ``{base}graph/statistics`` for the data in ``store``, sorted canonically.

    Each query of ``folder`` runs over the union of the store's named graphs (pilots and
    vocabulary; the statistics read no term of the statistics graph itself, so a store that
    already holds one gives the same answer). Each quad appears once.
    """
    graph = ox.NamedNode(f"{base}{STATISTICS_GRAPH}")
    datasets = ox.parse(path=str(folder / DATASETS), format=ox.RdfFormat.TURTLE, base_iri=base)
    triples: set[ox.Triple] = {quad.triple for quad in datasets}

    def construct(path: Path) -> list[ox.Triple]:
        result = store.query(path.read_text(encoding="utf-8"), base_iri=base, use_default_graph_as_union=True)
        if not isinstance(result, ox.QueryTriples):
            raise ValueError(f"{path}: a statistic must be a CONSTRUCT query")
        return list(result)

    # Queries side by side on every core: pyoxigraph lets go of the GIL while one runs.
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        for found in pool.map(construct, statistics_queries(folder)):
            triples.update(found)
    quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]
    return sorted(quads, key=str)
