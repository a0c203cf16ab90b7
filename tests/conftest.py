"""Shared fixtures: the Wuhan source, its parsed plan, and one built graph for the session."""

from __future__ import annotations

from pathlib import Path

import pytest

from pilotkg.paths import SOURCES_DIR

WUHAN = SOURCES_DIR / "wuhan-2022.txt"


@pytest.fixture(scope="session")
def wuhan_text() -> str:
    return WUHAN.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def vocabulary():
    from pilotkg.loaders.vocabulary import Vocabulary

    return Vocabulary.load()


@pytest.fixture(scope="session")
def wuhan_plan(vocabulary):
    from pilotkg.loaders.plan_text import load_plan_text

    return load_plan_text(WUHAN, vocabulary)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real build of data/sources into a temporary folder."""
    from pilotkg.graph.build import build

    out = tmp_path_factory.mktemp("build") / "dist"
    build([SOURCES_DIR], out)
    return out


def load_with_statistics(dist: Path) -> object:
    """A build's quads (``pilotkg.nq``) in an in-memory Oxigraph store; the build has written the
    statistics graph (graph/statistics.py) the example queries read."""
    import pyoxigraph as ox

    from pilotkg.graph.statistics import STATISTICS_GRAPH
    from pilotkg.loaders.vocabulary import DEFAULT_BASE

    store = ox.Store()
    store.bulk_load(path=str(dist / "pilotkg.nq"), format=ox.RdfFormat.N_QUADS)
    graph = ox.NamedNode(DEFAULT_BASE + STATISTICS_GRAPH)
    assert next(store.quads_for_pattern(None, None, None, graph), None) is not None, "no statistics graph"
    return store


@pytest.fixture(scope="session")
def with_statistics():
    """``load_with_statistics``: what the example queries and the statistics tests run on."""
    return load_with_statistics
