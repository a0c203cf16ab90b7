"""The build refuses a derived graph that breaks the shapes, and then publishes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from pilotkg.graph import statistics
from pilotkg.graph.build import BuildError, build
from pilotkg.paths import SOURCES_DIR

QB_DATASET = "http://purl.org/linked-data/cube#dataSet"


def test_a_broken_statistic_stops_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = statistics.statistics_quads

    def broken(store, base, **kwargs):
        quads = real(store, base, **kwargs)
        dropped = next(q for q in quads if q.predicate.value == QB_DATASET)
        return [q for q in quads if q != dropped]

    out = tmp_path / "dist"
    out.mkdir()
    (out / "keep.txt").write_text("previous build", encoding="utf-8")
    monkeypatch.setattr(statistics, "statistics_quads", broken)
    with pytest.raises(BuildError, match="statistics graph does not conform") as error:
        build([SOURCES_DIR], out)
    assert "qb:dataSet" in str(error.value) or "data set" in str(error.value)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dist-")]  # no staging folder left
