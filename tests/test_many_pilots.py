"""Several plans in one build: one pilot and one named graph each, shared concepts, CSV and text."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from pilotkg.cli import main
from pilotkg.paths import SOURCES_DIR
from tests.copies import chengdu_copy

CSV = """table,table_title,group,sector,number,text
1,推动服务业重点行业领域深化改革扩大开放,充分竞争性服务业,科技服务,1,支持杭州市创建中国软件名园。
1,,充分竞争性服务业,金融服务,2,"允许符合条件的外商独资企业申请成为私募基金管理人，探索绿色金融改革。"
2,加强服务业开放发展的要素保障,优化人才服务,,1,允许外籍人才在签证有效期内创新创业。
"""
META = """city = "杭州市"
notice_title = "商务部关于印发《杭州市服务业扩大开放综合试点总体方案》的通知"
document_number = "商资发〔2023〕100号"
issued = 2023-05-04
issuer = "商务部"
addressees = ["浙江省人民政府", "发展改革委"]
approved_by = "国务院"
implemented_by = ["浙江省人民政府", "杭州市人民政府"]
period_years = 3
"""

PREFIX = "PREFIX pilot: <https://w3id.org/pilotkg/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    sources = tmp_path_factory.mktemp("sources")
    (sources / "hangzhou-2023.csv").write_text(CSV, encoding="utf-8")
    (sources / "hangzhou-2023.meta.toml").write_text(META, encoding="utf-8")
    text = (SOURCES_DIR / "wuhan-2022.txt").read_text(encoding="utf-8")
    chengdu = chengdu_copy(text)
    (sources / "chengdu-2023.txt").write_text(chengdu, encoding="utf-8")
    out = tmp_path_factory.mktemp("out") / "dist"
    result = CliRunner().invoke(main, ["build", str(SOURCES_DIR), str(sources), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return ox.Store.read_only(str(out / "store"))


def _rows(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    return [tuple(t.value for t in row) for row in store.query(PREFIX + query, use_default_graph_as_union=True)]


def test_one_pilot_and_one_named_graph_per_plan(store):
    pilots = _rows(store, "SELECT ?p WHERE { ?p a pilot:Pilot } ORDER BY ?p")
    assert [p[0].rsplit("/", 1)[1] for p in pilots] == ["chengdu-2023", "hangzhou-2023", "wuhan-2022"]
    graphs = sorted(g.value.rsplit("/", 1)[1] for g in store.named_graphs())
    assert graphs == [
        *("alignment", "chengdu-2023", "hangzhou-2023", "similarity", "statistics", "vocab"),
        *("void", "wuhan-2022"),  # void: the store's own description of the dumps (void.ttl)
    ]


def test_pilots_carry_city_province_dates(store):
    rows = _rows(
        store,
        """SELECT ?cityEn ?provinceEn ?start ?end WHERE {
        ?p a pilot:Pilot ; pilot:city/skos:prefLabel ?cityEn ; pilot:province/skos:prefLabel ?provinceEn ;
           pilot:startDate ?start ; pilot:endDate ?end .
        FILTER (LANG(?cityEn) = "en" && LANG(?provinceEn) = "en") } ORDER BY ?start""",
    )
    assert rows == [
        ("Wuhan", "Hubei", "2022-12-29", "2025-12-29"),
        ("Chengdu", "Sichuan", "2023-03-01", "2026-03-01"),
        ("Hangzhou", "Zhejiang", "2023-05-04", "2026-05-04"),
    ]


def test_sectors_and_agencies_are_shared_across_pilots(store):
    rows = _rows(
        store,
        """SELECT ?sector (COUNT(DISTINCT ?p) AS ?n) WHERE {
        ?t pilot:sector ?sector ; pilot:ofPilot ?p } GROUP BY ?sector HAVING (COUNT(DISTINCT ?p) = 3)""",
    )
    assert {r[0].rsplit("/", 1)[1] for r in rows} == {"science-technology", "finance"}
    (issuers,) = _rows(store, "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?notice pilot:issuedBy ?a }")
    assert issuers == ("1",)


def test_identical_tasks_of_two_pilots_are_linked(store):
    rows = _rows(
        store,
        """SELECT (COUNT(*) AS ?n) WHERE {
        ?a pilot:similarTo ?b . ?a pilot:ofPilot ?pa . ?b pilot:ofPilot ?pb . FILTER (?pa != ?pb) }""",
    )
    assert int(rows[0][0]) > 50


def test_a_second_plan_for_the_same_city_and_year_is_refused(tmp_path: Path):
    for name in ("wuhan-a.txt", "wuhan-b.txt"):
        (tmp_path / name).write_bytes((SOURCES_DIR / "wuhan-2022.txt").read_bytes())
    result = CliRunner().invoke(main, ["build", str(tmp_path), "--out", str(tmp_path / "dist")])
    assert result.exit_code == 1 and "a second plan for 武汉市 2022" in result.output
