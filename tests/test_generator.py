"""The synthetic-plan generator (bench/) writes plans the real text loader reads back exactly."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from pilotkg.loaders.plan_text import load_plan_text
from pilotkg.paths import ROOT, SOURCES_DIR


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("generate_plans", ROOT / "bench" / "generate_plans.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate_plans"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def written(gen, tmp_path_factory: pytest.TempPathFactory):
    return gen.generate(tmp_path_factory.mktemp("synthetic"), 3, seed=11)


def test_each_plan_loads_with_what_was_written(written, vocabulary) -> None:
    assert len({p.slug for p in written}) == 3
    for synthetic in written:
        plan = load_plan_text(synthetic.path, vocabulary)
        assert plan.slug == synthetic.slug
        assert plan.city == synthetic.city
        assert [len(t.tasks) for t in plan.tables] == synthetic.task_counts
        assert [len(t.groups) for t in plan.tables] == synthetic.group_counts
        assert 60 <= sum(synthetic.task_counts) <= 160
        written_tasks = [text for _, groups in synthetic.tables for g in groups for text in g.all_tasks()]
        assert [t.text.text for t in plan.tasks()] == written_tasks
        assert all(t.matches_narrative for t in plan.tasks())
        labels = [g.label for _, groups in synthetic.tables for g in groups]
        assert [g.label.text for t in plan.tables for g in t.groups] == labels
        sectors = [
            vocabulary.sectors.resolve(s)
            for _, groups in synthetic.tables
            for g in groups
            for s, tasks in g.sectors
            for _ in tasks
        ]
        assert [t.sector for t in plan.tables[0].tasks] == sectors
        assert len(plan.notice.addressees) == len(synthetic.addressees)
        assert plan.implemented_by == synthetic.implementers
        assert plan.approved_by == "state-council"
        assert len(plan.paragraphs) == sum(synthetic.group_counts)


def test_plans_vary_but_overlap(written) -> None:
    tasks = [{t for _, groups in p.tables for g in groups for t in g.all_tasks()} for p in written]
    assert len({p.city for p in written}) == 3
    assert len({tuple(p.task_counts) for p in written}) > 1
    assert not (tasks[0] & tasks[1]) or len(tasks[0] & tasks[1]) < len(tasks[0]) / 2
    clauses = [{c for t in ts for c in t.replace("。", "，").split("，") if c} for ts in tasks]
    assert (clauses[0] & clauses[1]) or (clauses[0] & clauses[2]) or (clauses[1] & clauses[2]), (
        "plans should share some wording"
    )


def test_same_seed_same_bytes_and_layout_noise(gen, written, tmp_path: Path) -> None:
    again = gen.generate(tmp_path, 3, seed=11)
    for a, b in zip(written, again, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes()
    text = "".join(p.path.read_text(encoding="utf-8") for p in written)
    assert text.count("类别\t") > 3 * 5  # headers repeated at page breaks
    assert "**" in text  # bold marks around sector lead-ins


def test_distinct_city_year_for_many_plans(gen) -> None:
    generator = gen.Generator(0)
    pairs = [generator.city_and_year(k) for k in range(1000)]
    assert len({(p.place.slug, y) for p, y in pairs}) == 1000


def test_refuses_data_sources(gen) -> None:
    with pytest.raises(ValueError, match="must not be written"):
        gen.generate(SOURCES_DIR / "synthetic", 1)
