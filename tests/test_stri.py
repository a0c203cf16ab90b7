"""Measure instruments above the verb types, and measures opening a market to foreign providers
placed in OECD STRI areas (vocab/measure-instruments.ttl, vocab/stri-rules.csv, loaders/stri.py)."""

from __future__ import annotations

from collections import Counter

import pytest
from rdflib import RDF, Graph
from rdflib.namespace import PROV, SKOS

from pilotkg.loaders.gazetteer import ConceptScheme
from pilotkg.loaders.stri import StriRules, instruments_of
from pilotkg.paths import VOCAB_DIR

BASE = "https://w3id.org/pilotkg/"
RULES = (
    "rule,term,stri_area\nprovider,外资,\nprovider,外籍,\ninstrument,liberalise,\nopening,设立,\n"
    "area,设立,foreign-entry\narea,人才,movement-of-people\narea,备案,transparency\n"
)
INSTRUMENT_OF = {"permit": "liberalise", "support": "support", "explore": "explore"}
AREAS = ["foreign-entry", "movement-of-people", "transparency"]


@pytest.fixture()
def rules(tmp_path) -> StriRules:
    path = tmp_path / "rules.csv"
    path.write_text(RULES, encoding="utf-8")
    return StriRules.load(path, AREAS, INSTRUMENT_OF)


def test_every_measure_type_falls_under_one_instrument_and_every_instrument_is_used():
    types = ConceptScheme.load(VOCAB_DIR / "measure-types.ttl", BASE).concepts
    instruments = ConceptScheme.load(VOCAB_DIR / "measure-instruments.ttl", BASE).concepts
    graph = Graph().parse(str(VOCAB_DIR / "measure-types.ttl"), format="turtle", publicID=BASE)
    for slug, iri in types.items():
        broader = list(graph.objects(iri, SKOS.broader))
        assert len(broader) == 1 and broader[0] in instruments.values(), slug
    used = Counter(instruments_of(VOCAB_DIR / "measure-types.ttl", BASE).values())
    assert set(used) == set(instruments), "an instrument with no measure type"


def test_a_liberalising_measure_needs_a_provider_and_an_opening(rules):
    derived = rules.derive("允许外籍人才经备案后执业。", "permit")  # liberalise instrument
    assert derived is not None and derived.terms == ("外籍",)
    assert derived.areas == (("movement-of-people", ("人才",)), ("transparency", ("备案",)))
    # support is no listed instrument: it takes an opening term
    assert rules.derive("支持外资设立机构。", "support").areas == (("foreign-entry", ("设立",)),)
    assert rules.derive("支持外资企业发展。", "support") is None
    assert rules.derive("允许本地企业设立分支机构。", "permit") is None  # no foreign provider
    # liberalising but naming no area: kept without a guessed one
    assert rules.derive("允许外资参与。", "permit").areas == ()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("rule,term,stri_area\nprovider,外资,\narea,股比,entry\n", r"row 3: 'entry' is not an area"),
        ("rule,term,stri_area\ninstrument,open,\n", r"row 2: 'open' is no instrument"),
        ("rule,term,stri_area\nverb,允许,\n", r"row 2: rule 'verb' is not one of"),
        ("rule,term,stri_area\nprovider,外资,\nprovider,外资,\n", r"row 3: term '外资' is empty or listed twice"),
        ("rule,term,stri_area\nprovider,外资,foreign-entry\n", r"row 2: stri_area is needed for rule 'area' and only"),
        ("rule,term\n", "expected the columns rule,term,stri_area"),
    ],
)
def test_bad_rules_name_their_row(tmp_path, text, problem):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=problem) as error:
        StriRules.load(path, AREAS, INSTRUMENT_OF)
    assert str(path) in str(error.value)


def test_the_shipped_rules_on_the_wuhan_plan(wuhan_plan):
    measures = {(t.table, t.number, m.number): m for t in wuhan_plan.tasks() for m in t.measures}
    liberalising = {k: m for k, m in measures.items() if m.stri is not None}
    assert liberalising, "no liberalising measure found"
    for m in liberalising.values():  # every term it matched is in its own text
        assert all(term in m.text.text for term in m.stri.terms)
        assert all(term in m.text.text for _, terms in m.stri.areas for term in terms)
    # 国际 ("international") names no provider: a hospital's international department is no opening
    assert all("外" in m.text.text or "港" in m.text.text or "台" in m.text.text for m in liberalising.values())
    areas = Counter(a for m in liberalising.values() for a, _ in m.stri.areas)
    assert areas["movement-of-people"] >= 3 and areas["foreign-entry"] >= 2, areas


def test_the_derivation_is_recorded_as_derived(wuhan_plan):
    from pilotkg.loaders.to_rdf import PILOT, plan_graph

    graph = plan_graph(wuhan_plan, BASE)
    derivations = list(graph.subjects(RDF.type, PILOT.StriDerivation))
    assert derivations
    for node in derivations:
        measure = graph.value(node, PROV.wasDerivedFrom)
        assert graph.value(measure, PILOT.striDerivation) == node
        assert set(graph.objects(measure, PILOT.striArea)) == set(graph.objects(node, PILOT.striArea))
        assert graph.value(node, PILOT.derivationMethod) is not None
        assert all(str(t) in str(graph.value(measure, PILOT.text)) for t in graph.objects(node, PILOT.matchedTerm))
        assert all(str(a).startswith(f"{BASE}id/stri-area/") for a in graph.objects(measure, PILOT.striArea))
