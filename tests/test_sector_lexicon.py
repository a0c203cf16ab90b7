"""Sectors derived from the wording of tasks whose table prints none (vocab/sector-lexicon.csv)."""

from __future__ import annotations

import pytest
from rdflib import RDF, URIRef

from pilotkg.loaders.sector_lexicon import SectorLexicon

LEXICON = (
    "sector,term,note\nfinance,金融,\nfinance,保险,\nhealth-care,医疗,\ninternet-information,互联网,\n"
    "internet-information,工业互联网,\n"
)


@pytest.fixture()
def lexicon(tmp_path):
    path = tmp_path / "lexicon.csv"
    path.write_text(LEXICON, encoding="utf-8")
    return SectorLexicon.load(path, {"finance", "health-care", "internet-information"})


def test_the_sector_named_most_wins_ties_by_first_mention(lexicon):
    derived = lexicon.derive("支持互联网医疗发展，开发跨境医疗保险产品。")
    assert (derived.sector, derived.terms) == ("health-care", ("医疗",))  # 医疗 twice, 保险 and 互联网 once
    assert lexicon.derive("推进金融科技和医疗创新。").sector == "finance"  # one each: the first named
    assert lexicon.derive("建设工业互联网平台。").terms == ("工业互联网",)  # the longest term, not 互联网
    assert lexicon.derive("完善中试平台备案管理。") is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("sector,term\nspace,航天,\n", "sector 'space' is not in vocab/sectors.ttl"),
        ("sector,term\nfinance,金融\nfinance,金融\n", "term '金融' is empty or listed twice"),
        ("area,word\n", "expected the columns sector,term"),
    ],
)
def test_a_bad_lexicon_names_its_line(tmp_path, text, problem):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=problem):
        SectorLexicon.load(path, {"finance"})


def test_wuhan_tasks_without_a_printed_sector_get_a_derived_one(wuhan_plan, vocabulary):
    printed = [t for t in wuhan_plan.tasks() if t.sector]
    unprinted = [t for t in wuhan_plan.tasks() if not t.sector]
    assert all(t.derived_sector is None for t in printed)  # never beside a printed sector
    derived = [t for t in unprinted if t.derived_sector]
    assert len(derived) >= 0.8 * len(unprinted)
    assert all(t.derived_terms and all(term in t.text.text for term in t.derived_terms) for t in derived)
    # How often the lexicon agrees with the printed sector where table 1 prints one.
    agree = sum(1 for t in printed if (d := vocabulary.sector_lexicon.derive(t.text.text)) and d.sector == t.sector)
    assert agree >= 0.8 * len(printed), f"{agree} of {len(printed)}"


def test_the_derivation_is_recorded_apart_with_its_terms_and_method(wuhan_plan):
    from pilotkg.loaders.to_rdf import PILOT, plan_graph

    graph = plan_graph(wuhan_plan, "https://w3id.org/pilotkg/")
    task = next(t for t in wuhan_plan.tasks() if t.derived_sector)
    iri = URIRef(f"https://w3id.org/pilotkg/id/pilot/wuhan-2022/task/{task.table}-{task.number}")
    assert graph.value(iri, PILOT.sector) is None
    node = graph.value(iri, PILOT.sectorDerivation)
    assert graph.value(node, RDF.type) == PILOT.SectorDerivation
    assert str(graph.value(iri, PILOT.derivedSector)).endswith(f"/sector/{task.derived_sector}")
    assert {str(t) for t in graph.objects(node, PILOT.matchedTerm)} == set(task.derived_terms)
    assert "lexicon" in str(graph.value(node, PILOT.derivationMethod))
