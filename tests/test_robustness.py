"""Altered copies of the plan parse to the right structure: nothing in the loader is about Wuhan."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pilotkg.loaders.errors import LoadError
from pilotkg.loaders.plan_text import load_plan_text
from tests.copies import chengdu_copy


def _signature(plan) -> list[tuple]:
    return [(t.table, t.number, t.group, t.sector, t.text.text) for t in plan.tasks()]


def _write(tmp_path: Path, text: str, name: str = "variant.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_another_city_and_date(tmp_path, vocabulary, wuhan_text, wuhan_plan):
    text = chengdu_copy(wuhan_text)
    plan = load_plan_text(_write(tmp_path, text), vocabulary)
    assert plan.slug == "chengdu-2023"
    assert plan.city == "成都市"
    assert plan.province_slug == "sichuan"
    assert plan.notice.document_number.text == "商资发〔2023〕45号"
    assert plan.implemented_by == ["sichuan-government", "chengdu-government"]
    assert [len(t.tasks) for t in plan.tables] == [38, 11, 18, 10, 13]
    assert [s[:4] for s in _signature(plan)] == [s[:4] for s in _signature(wuhan_plan)]


def _drop_row(text: str, row_start: str) -> str:
    start = text.index(row_start)
    end = text.index("\n", start) + 1
    return text[:start] + text[end:]


def test_a_task_fewer(tmp_path, vocabulary, wuhan_text):
    text = _drop_row(wuhan_text, "\t11. 推进 5G、IPv6")
    plan = load_plan_text(_write(tmp_path, text), vocabulary)
    assert [len(t.tasks) for t in plan.tables] == [38, 10, 18, 10, 13]
    uncovered = [f for f in plan.findings if f.kind == "uncovered"]
    assert len(uncovered) == 1 and "千兆城市" in uncovered[0].details[0]


def test_a_task_more(tmp_path, vocabulary, wuhan_text):
    row = "\t11. 推进 5G、IPv6"
    line_end = wuhan_text.index("\n", wuhan_text.index(row))
    text = wuhan_text[:line_end] + "\n\t12. 探索建立服务业扩大开放新增试点任务。" + wuhan_text[line_end:]
    plan = load_plan_text(_write(tmp_path, text), vocabulary)
    assert [len(t.tasks) for t in plan.tables] == [38, 12, 18, 10, 13]
    extra = plan.tables[1].tasks[-1]
    assert extra.number == 12 and extra.group == 3 and extra.narrative is None
    assert any(f.subject == "task 2-12" and "not found" in f.message for f in plan.findings)


def test_a_gap_in_task_numbers_is_refused(tmp_path, vocabulary, wuhan_text):
    text = _drop_row(wuhan_text, "\t3. 以地方为主体推动建设")
    with pytest.raises(LoadError, match="task 4 where task 3 was expected"):
        load_plan_text(_write(tmp_path, text), vocabulary)


def test_groups_renamed(tmp_path, vocabulary, wuhan_text):
    text = wuhan_text.replace("防控金融风险", "防范化解金融风险").replace("优化人才服务", "优化人才发展服务")
    plan = load_plan_text(_write(tmp_path, text), vocabulary)
    assert [g.label.text for g in plan.tables[4].groups] == [
        "优化人才发展服务",
        "保障数据安全有序流动",
        "防范化解金融风险",
    ]
    assert [len(t.tasks) for t in plan.tables] == [38, 11, 18, 10, 13]


def test_page_breaks_moved(tmp_path, vocabulary, wuhan_text, wuhan_plan):
    """Join the breaks the extraction left inside paragraphs, then break pages elsewhere."""
    lines = wuhan_text.split("\n")
    # Undo in-paragraph breaks: a line not ending a sentence, followed by a blank line.
    joined: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        while (
            re.match(r"^\d+\.", line)
            and not line.rstrip().endswith(("。", "："))
            and i + 2 < len(lines)
            and lines[i + 1] == ""
        ):
            line = line + lines[i + 2]
            i += 2
        joined.append(line)
        i += 1
    moved: list[str] = []
    for line in joined:
        if re.match(r"^\d+\.", line) and len(line) > 60:
            cut = 37  # mid-sentence, mid-word
            moved += [line[:cut], "", line[cut:]]
        else:
            moved.append(line)
    text = "\n".join(moved)
    # And move the task list's page breaks: repeat the header before other rows.
    text = text.replace("\t\t5. 支持高校院所", "\n类别\t\t试点任务\n\t\t5. 支持高校院所")
    text = text.replace("\t7. 积极引进", "\n类别\t试点任务\n\t7. 积极引进")
    assert text != wuhan_text
    plan = load_plan_text(_write(tmp_path, text), vocabulary)
    assert _signature(plan) == _signature(wuhan_plan)
    assert [p.text.text for p in plan.paragraphs] == [p.text.text for p in wuhan_plan.paragraphs]


def test_a_task_the_narrative_lacks_still_gives_a_conforming_graph(tmp_path, wuhan_text):
    from pilotkg.graph.build import build_dataset
    from pilotkg.graph.validate import validate

    row = "\t11. 推进 5G、IPv6"
    line_end = wuhan_text.index("\n", wuhan_text.index(row))
    text = wuhan_text[:line_end] + "\n\t12. 探索建立服务业扩大开放新增试点任务。" + wuhan_text[line_end:]
    dataset, _ = build_dataset([_write(tmp_path, text)])
    result = validate(dataset)
    assert result.conforms, result.report_text()
