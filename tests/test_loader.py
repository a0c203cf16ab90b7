"""The Wuhan plan parses to the document's own structure and text."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

EXPECTED = Path(__file__).parent / "expected" / "wuhan-2022-tasks.csv"


def test_notice(wuhan_plan):
    notice = wuhan_plan.notice
    assert notice.title.text == "商务部关于印发《武汉市服务业扩大开放综合试点总体方案》的通知"
    assert notice.document_number.text == "商资发〔2022〕211号"
    assert notice.issued == dt.date(2022, 12, 29)
    assert notice.issuer == "mofcom"
    # The addressee line names 48, 最高人民法院 twice.
    assert len(notice.addressees) == 47
    assert len(set(notice.addressees)) == 47
    assert notice.addressees[0] == "hubei-government"


def test_pilot(wuhan_plan):
    assert wuhan_plan.slug == "wuhan-2022"
    assert wuhan_plan.city == "武汉市"
    assert wuhan_plan.province_slug == "hubei"
    assert wuhan_plan.approved_by == "state-council"
    assert wuhan_plan.implemented_by == ["hubei-government", "wuhan-government"]
    assert wuhan_plan.period_years == 3


def test_sections_and_paragraphs(wuhan_plan):
    top = [s.title.text for s in wuhan_plan.sections if "-" not in s.number]
    assert top == ["总体要求", "主要任务和措施", "组织实施"]
    assert [p.number for p in wuhan_plan.paragraphs] == list(range(1, 17))
    p10 = wuhan_plan.paragraphs[9]
    assert p10.heading.text == "以“一城一园三区”为基础，打造医疗健康服务集聚区"
    # A page break after the lead sentence does not end the paragraph.
    assert p10.text.text.endswith("康复医养为一体的综合医学创新区。")
    # Page breaks inside words are joined, bold marks removed.
    p1 = wuhan_plan.paragraphs[0].text.text
    assert "按规定可在本地提供专业服务" in p1 and "**" not in p1
    principles = next(s for s in wuhan_plan.sections if s.title.text == "基本原则")
    assert len(principles.body) == 4
    assert "围绕科技服务、专业服务、物流运输服务、教育服务、金融服务、健康医疗服务" in principles.body[1].text


def test_table_counts_and_titles(wuhan_plan):
    assert [len(t.tasks) for t in wuhan_plan.tables] == [38, 11, 18, 10, 13]
    assert [t.title.text for t in wuhan_plan.tables] == [
        "推动服务业重点行业领域深化改革扩大开放",
        "推进现代服务业同先进制造业“两业”融合发展",
        "促进服务业扩大开放在重点园区和平台示范发展",
        "优化服务业开放发展的体制机制",
        "加强服务业开放发展的要素保障",
    ]
    assert [len(t.groups) for t in wuhan_plan.tables] == [4, 3, 4, 2, 3]


def test_table1_groups_and_sectors(wuhan_plan):
    table = wuhan_plan.tables[0]
    assert [g.label.text for g in table.groups] == [
        "充分竞争性服务业",
        "有限竞争性服务业",
        "自然垄断领域竞争性业务",
        "特定领域服务业",
    ]
    assert [g.category for g in table.groups] == [
        "fully-competitive",
        "limited-competition",
        "natural-monopoly",
        "specific-fields",
    ]
    sectors = []
    for task in table.tasks:
        if task.sector not in sectors:
            sectors.append(task.sector)
    assert len(sectors) == 9


def test_every_task_matches_expected(wuhan_plan):
    """Table, number, group, sector and text of every task, against a hand-checked list."""
    with EXPECTED.open(encoding="utf-8") as f:
        expected = [
            (int(r["table"]), int(r["number"]), int(r["group"]), r["sector"] or None, r["text"])
            for r in csv.DictReader(f)
        ]
    actual = [(t.table, t.number, t.group, t.sector, t.text.text) for t in wuhan_plan.tasks()]
    assert actual == expected


def test_layout_repairs(wuhan_plan):
    tasks = {(t.table, t.number): t for t in wuhan_plan.tasks()}
    # Shifted into the label column, still in its sector.
    assert tasks[1, 27].sector == tasks[1, 26].sector == "finance"
    # The next group's label is printed beside task 3-14; the narrative puts it in paragraph 10.
    assert tasks[3, 14].narrative_paragraph == 10
    assert tasks[3, 14].group == tasks[3, 13].group == 3
    assert tasks[3, 15].group == 4
    # Task 3-18 is printed with no leading tab.
    assert tasks[3, 18].group == 4


def test_narrative_discrepancies(wuhan_plan):
    tasks = {(t.table, t.number): t for t in wuhan_plan.tasks()}
    differing = sorted(k for k, t in tasks.items() if not t.matches_narrative)
    assert differing == [(1, 6), (1, 38), (4, 1), (4, 5), (4, 8), (5, 1), (5, 2), (5, 11)]
    assert "转移转化示范区" in tasks[1, 6].narrative.text
    assert "依托人民银行的贸易金融" in tasks[4, 5].narrative.text
    assert tasks[1, 1].matches_narrative
    repeats = [f for f in wuhan_plan.findings if f.kind == "repeat"]
    assert any(f.subject == "tasks 5-11, 5-13" for f in repeats)


def test_every_clean_text_is_a_subsequence_of_its_source(wuhan_plan, wuhan_text):
    """Cleaning only deletes layout noise: each clean character is the source character at its offset."""
    fragments = [t.text for t in wuhan_plan.tasks()] + [p.text for p in wuhan_plan.paragraphs]
    fragments += [m.text for t in wuhan_plan.tasks() for m in t.measures]
    for fragment in fragments:
        assert "".join(wuhan_text[o] for o in fragment.offsets) == fragment.text
        assert list(fragment.offsets) == sorted(fragment.offsets)


def test_spans_cover_the_task_cells(wuhan_plan, wuhan_text):
    task = wuhan_plan.tables[0].tasks[26]
    assert wuhan_text[task.span.start : task.span.end] == "27. 争取将武汉市纳入数字人民币试点。"


def test_measures_cover_each_task(wuhan_plan):
    for task in wuhan_plan.tasks():
        assert task.measures, task.number
        assert "".join(m.text.text for m in task.measures) == task.text.text


def test_agencies_in_tasks(wuhan_plan):
    tasks = {(t.table, t.number): t for t in wuhan_plan.tasks()}
    assert "cas" in tasks[1, 7].agencies
    assert tasks[4, 5].agencies == ["pboc"]  # named by the narrative; the task list misprints 人民币


@pytest.mark.parametrize("name", ["text", "narrative"])
def test_no_layout_noise_left(wuhan_plan, name):
    for task in wuhan_plan.tasks():
        fragment = getattr(task, name)
        assert "**" not in fragment.text
        assert "\n" not in fragment.text
        assert "\t" not in fragment.text
