"""Plan-to-plan alignment (graph/alignment.py) on two small plans written for the test."""

from __future__ import annotations

from pilotkg.graph.alignment import align, partners
from pilotkg.graph.similarity import item_of

A = "https://w3id.org/pilotkg/id/pilot/a-2030/task/"
B = "https://w3id.org/pilotkg/id/pilot/b-2031/task/"
PLAN_A = [
    ("1-1", "支持武汉市创建中国软件名园。"),
    ("1-2", "推进绿色金融和转型金融标准体系建设，完善激励约束，深化绿色金融试点和国际合作。"),
    ("1-3", "鼓励国际知名设计师在武汉市设立建筑工程设计事务所。"),
    ("2-1", "允许符合条件的公立医院设立国际医疗部。"),
]
PLAN_B = [
    ("1-1", "支持南京市创建中国软件名园。"),
    ("1-2", "推进绿色金融标准体系建设，完善激励约束机制，深化绿色金融试点。"),
    ("1-3", "建设国际航空货运体系，制定促进航空货运发展政策。"),
    ("2-1", "允许符合条件的公立医院设立国际医疗部。"),
]


def _items(prefix: str, plan: list[tuple[str, str]]) -> list:
    return [item_of(prefix + number, text) for number, text in plan]


def test_every_task_paired_or_alone():
    alignment = align("a-2030", _items(A, PLAN_A), "b-2031", _items(B, PLAN_B))
    rows = [
        (r.status, r.a and str(r.a.iri).rsplit("/", 1)[1], r.b and str(r.b.iri).rsplit("/", 1)[1])
        for r in alignment.rows
    ]
    assert rows == [
        ("same", "1-1", "1-1"),
        ("reworded", "1-2", "1-2"),
        ("only-a", "1-3", None),
        ("only-b", None, "1-3"),
        ("same", "2-1", "2-1"),
    ]
    reworded = alignment.rows[1]
    assert 0.5 <= reworded.score < 1 and reworded.differences
    # What B dropped and added, as the discrepancy report writes it, with the pilots' names.
    assert reworded.differences[0] == "omitted: a-2030 “…推进绿色[金融和转型]金融标准…” → b-2031 “…推进绿色[]金融标准…”"
    assert [alignment.count(s) for s in ("same", "reworded", "only-a", "only-b")] == [2, 1, 1, 1]


def test_each_task_is_paired_once():
    twice = [("1-1", "支持南京市创建中国软件名园。"), ("1-2", "支持南京市创建中国软件名园。")]
    alignment = align("a-2030", _items(A, PLAN_A[:1]), "b-2031", _items(B, twice))
    assert [r.status for r in alignment.rows] == ["same", "only-b"]


def test_each_pilot_is_aligned_with_its_most_similar():
    shared = {("a", "b"): 40, ("a", "c"): 3, ("b", "c"): 10, ("c", "d"): 1}
    assert partners(shared, ["a", "b", "c", "d"], k=1) == [("a", "b"), ("b", "c"), ("c", "d")]
    assert partners({}, ["a"], k=3) == []
