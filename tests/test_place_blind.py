"""Similarity sees through place names: the same task in two cities links with a score near 1."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from pilotkg.graph.build import build
from pilotkg.graph.similarity import PLACE, jaccard, mask_places, shingles

BASE = "https://w3id.org/pilotkg/"
PILOT = "https://w3id.org/pilotkg/ontology#"


def test_place_names_of_the_gazetteer_are_masked():
    assert mask_places("支持武汉市创建中国软件名园。") == f"支持{PLACE}创建中国软件名园。"
    assert mask_places("支持南京市创建中国软件名园。") == f"支持{PLACE}创建中国软件名园。"
    assert mask_places("湖北省人民政府和湖北") == f"{PLACE}人民政府和{PLACE}"  # the full name before the short one
    assert mask_places("创新科技项目组织方式。") == "创新科技项目组织方式。"
    a, b = (shingles(mask_places(t)) for t in ("支持武汉市创建中国软件名园。", "支持南京市创建中国软件名园。"))
    assert jaccard(a, b) == 1.0
    raw = jaccard(shingles("支持武汉市创建中国软件名园。"), shingles("支持南京市创建中国软件名园。"))
    assert raw < 0.8  # what the comparison missed before masking


def _twin(wuhan: str) -> str:
    """Another city's copy of the plan: its names, one task dropped (1-13), one added (5-14)."""
    text = (
        wuhan.replace("武汉", "南京")
        .replace("湖北省", "江苏省")
        .replace("（湖北）", "（江苏）")
        .replace("湖北", "江苏")
        .replace("2022年12月29日", "2023年3月1日")
        .replace("〔2022〕211号", "〔2023〕45号")
    )
    text = text.replace("\t\t13. 鼓励国际知名设计师在南京市设立建筑工程设计事务所。\n", "")
    for n in range(14, 39):
        text = re.sub(rf"(\t){n}\. ", rf"\g<1>{n - 1}. ", text, count=1)
    return text.rstrip("\n") + "\n\t14. 支持南京市建设国际消费中心城市，培育消费新业态新模式。\n"


@pytest.fixture(scope="module")
def twin_build(tmp_path_factory, wuhan_text) -> ox.Store:
    sources = tmp_path_factory.mktemp("twin")
    (sources / "wuhan-2022.txt").write_text(wuhan_text, encoding="utf-8")
    (sources / "nanjing-2023.txt").write_text(_twin(wuhan_text), encoding="utf-8")
    out = tmp_path_factory.mktemp("twin-build") / "dist"
    build([sources], out)
    store = ox.Store()
    store.bulk_load(path=str(out / "pilotkg.nq"), format=ox.RdfFormat.N_QUADS)
    return store


def _counterpart(task: str) -> str | None:
    table, number = map(int, task.split("-"))
    if (table, number) == (1, 13):
        return None
    return f"{table}-{number - 1 if table == 1 and number > 13 else number}"


def test_a_twin_plan_links_task_to_task(twin_build):
    query = f"""SELECT ?a ?b WHERE {{
        ?a a <{PILOT}Task> ; <{PILOT}ofPilot> <{BASE}id/pilot/wuhan-2022> ; <{PILOT}similarTo> ?b .
        ?b <{PILOT}ofPilot> <{BASE}id/pilot/nanjing-2023> }}"""
    pairs = [
        (r["a"].value.rsplit("/", 1)[1], r["b"].value.rsplit("/", 1)[1])
        for r in twin_build.query(query, use_default_graph_as_union=True)
    ]
    twins = {a for a, b in pairs if _counterpart(a) == b}
    assert 2 * len(twins) >= 170  # of the 180 tasks, 178 have a twin
    assert len(twins) == 89
    assert [(a, b) for a, b in pairs if _counterpart(a) != b] == []  # no task linked to another's twin
    # The pair records what was compared.
    node = next(
        iter(
            twin_build.query(
                f"""SELECT ?s ?form ?method WHERE {{
        ?s <{PILOT}between> <{BASE}id/pilot/wuhan-2022/task/1-3>, <{BASE}id/pilot/nanjing-2023/task/1-3> ;
           <{PILOT}similarityScore> ?score ; <{PILOT}comparedForm> ?form ; <{PILOT}method> ?method }}""",
                use_default_graph_as_union=True,
            )
        )
    )
    assert node["form"].value == f"支持{PLACE}创建中国软件名园。"
    assert "place names" in node["method"].value


def test_the_twins_share_sectors_and_agencies(twin_build):
    def of(pilot: str, prop: str) -> set[str]:
        return {
            r["o"].value
            for r in twin_build.query(
                f"SELECT DISTINCT ?o WHERE {{ ?t <{PILOT}ofPilot> <{BASE}id/pilot/{pilot}> ; <{PILOT}{prop}> ?o }}",
                use_default_graph_as_union=True,
            )
        }

    for prop in ("sector", "mentionsAgency"):
        assert of("wuhan-2022", prop) == of("nanjing-2023", prop)
    graphs = {r["g"].value for r in twin_build.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert {f"{BASE}graph/wuhan-2022", f"{BASE}graph/nanjing-2023"} <= graphs


def test_the_twin_alignment_pairs_every_kept_task_and_reports_the_others(twin_build):
    """The build aligns the two plans: 89 tasks paired with their twins, the dropped and the added
    task alone, nothing else."""
    rows = list(
        twin_build.query(f"""SELECT ?status ?a ?b WHERE {{
        GRAPH <{BASE}graph/alignment> {{
          ?pair <{PILOT}alignmentStatus> ?s . BIND(STRAFTER(STR(?s), "alignment-status/") AS ?status)
          OPTIONAL {{ ?pair <{PILOT}taskA> ?a }} OPTIONAL {{ ?pair <{PILOT}taskB> ?b }} }} }}""")
    )
    rows = [
        (r["status"].value, r["a"] and r["a"].value.rsplit("/", 1)[1], r["b"] and r["b"].value.rsplit("/", 1)[1])
        for r in rows
    ]
    # pilot A is nanjing-2023 (the pair in slug order), B wuhan-2022
    paired = [(a, b) for status, a, b in rows if status == "same"]
    assert len(paired) == 89 and all(_counterpart(b) == a for a, b in paired)
    assert sorted((s, a, b) for s, a, b in rows if s != "same") == [("only-a", "5-14", None), ("only-b", None, "1-13")]
