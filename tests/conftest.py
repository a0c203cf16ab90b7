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
