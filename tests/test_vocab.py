"""The shared vocabulary: ontology, concept schemes, agency and place gazetteers, and HermiT."""

from __future__ import annotations

import re
from pathlib import Path

import owlready2
import pytest
from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, ORG, SKOS

from pilotkg.graph.vocab import vocab_graph
from pilotkg.loaders.gazetteer import Agencies, ConceptScheme, Places
from pilotkg.paths import ONTOLOGY_DIR, SOURCES_DIR, VOCAB_DIR

BASE = "https://w3id.org/pilotkg/"
PILOT = Namespace("https://w3id.org/pilotkg/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
ONTOLOGY = URIRef("https://w3id.org/pilotkg/ontology")
ID = Namespace(f"{BASE}id/")

# docs/model.md: every class and property of the contract, with its kind and range
CLASSES = [
    "Pilot", "Notice", "PlanDocument", "Section", "Paragraph", "TaskTable", "TaskGroup", "Task", "Measure",
    "Sector", "MeasureType", "CompetitionCategory", "Agency", "SourceText", "City", "Province",
]  # fmt: skip
OBJECT_PROPERTIES = {
    "city": PILOT.City, "province": PILOT.Province, "plan": PILOT.PlanDocument, "notice": PILOT.Notice,
    "approvedBy": PILOT.Agency, "implementedBy": PILOT.Agency, "issuedBy": PILOT.Agency,
    "addressedTo": PILOT.Agency, "hasSection": PILOT.Section, "ofPilot": PILOT.Pilot,
    "inTable": PILOT.TaskTable, "inGroup": PILOT.TaskGroup, "sector": PILOT.Sector,
    "category": PILOT.CompetitionCategory, "hasMeasure": PILOT.Measure, "ofTask": PILOT.Task,
    "measureType": PILOT.MeasureType, "narrativeParagraph": PILOT.Paragraph,
    "narrativeSection": PILOT.Section, "mentionsAgency": PILOT.Agency, "sourceSpan": OA.SpecificResource,
    "narrativeSpan": OA.SpecificResource, "inProvince": PILOT.Province, "predecessor": PILOT.Agency,
    "successor": PILOT.Agency,
}  # fmt: skip
DATATYPE_PROPERTIES = {
    "taskNumber": XSD.integer, "tableNumber": XSD.integer, "groupNumber": XSD.integer,
    "paragraphNumber": XSD.integer, "measureNumber": XSD.integer, "characterCount": XSD.integer,
    "sectionNumber": XSD.string, "documentNumber": XSD.string, "sha256": XSD.string, "encoding": XSD.string,
    "matchesNarrative": XSD.boolean, "numberInferred": XSD.boolean,
    "text": RDF.langString, "narrativeText": RDF.langString, "heading": RDF.langString,
    "actionVerb": RDF.langString, "comparedForm": RDF.langString, "alignmentScore": XSD.decimal,
    "difference": RDF.langString, "alignmentMethod": XSD.string, "sameCount": XSD.integer,
    "rewordedCount": XSD.integer, "onlyACount": XSD.integer, "onlyBCount": XSD.integer,
    "matchedTerm": RDF.langString, "derivationMethod": XSD.string,
}  # fmt: skip
WUHAN_SECTORS = [
    "科技服务", "专业服务", "物流运输服务", "教育服务", "金融服务",
    "健康医疗服务", "电力等能源服务", "电信服务", "文化服务",
]  # fmt: skip
PILOT_CITIES = [
    "北京", "天津", "上海", "海南", "重庆", "沈阳", "南京", "杭州", "武汉", "广州", "成都",
    "大连", "宁波", "厦门", "青岛", "深圳", "合肥", "福州", "西安", "苏州",
]  # fmt: skip


@pytest.fixture(scope="module")
def graph() -> Graph:
    return vocab_graph(BASE)


@pytest.fixture(scope="module")
def agencies() -> Agencies:
    return Agencies.load(VOCAB_DIR / "agencies.csv")


@pytest.fixture(scope="module")
def places() -> Places:
    return Places.load(VOCAB_DIR / "places.csv")


def langs(graph: Graph, subject: URIRef, predicate: URIRef) -> list[str | None]:
    return sorted((o.language or "") for o in graph.objects(subject, predicate) if isinstance(o, Literal))


# --- the graph as a whole ----------------------------------------------------------------------


def test_no_blank_nodes(graph: Graph) -> None:
    assert not [t for t in graph if any(isinstance(x, BNode) for x in t)]


def test_deterministic(graph: Graph) -> None:
    again = vocab_graph(BASE)
    assert sorted(again.serialize(format="nt").splitlines()) == sorted(graph.serialize(format="nt").splitlines())


def test_instances_follow_the_base(graph: Graph) -> None:
    other = vocab_graph("https://example.org/kg/")
    assert len(other) == len(graph)
    iris = {str(x) for t in other for x in t if isinstance(x, URIRef)}
    assert "https://example.org/kg/id/sector/finance" in iris
    assert "https://example.org/kg/id/agency/mofcom" in iris
    assert not [i for i in iris if i.startswith(f"{BASE}id/")]
    assert str(PILOT.Sector) in iris  # the ontology namespace is fixed
    with pytest.raises(ValueError, match="end with"):
        vocab_graph("https://example.org/kg")


def test_no_iri_is_two_kinds_of_property(graph: Graph) -> None:
    kinds = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    for prop in {s for k in kinds for s in graph.subjects(RDF.type, k)}:
        assert sum((prop, RDF.type, k) in graph for k in kinds) == 1, prop


def test_every_predicate_used_is_declared(graph: Graph) -> None:
    """OWL 2 DL needs each property's kind; built-in RDF/RDFS/OWL vocabulary aside."""
    builtin = (str(RDF), str(RDFS), str(OWL))
    declared = {
        s
        for k in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
        for s in graph.subjects(RDF.type, k)
    }
    undeclared = {p for p in graph.predicates() if not str(p).startswith(builtin) and p not in declared}
    assert not undeclared


# --- the ontology ------------------------------------------------------------------------------


def test_ontology_header(graph: Graph) -> None:
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in graph
    assert (ONTOLOGY, OWL.versionIRI, URIRef("https://w3id.org/pilotkg/ontology/0.1.0")) in graph
    assert (ONTOLOGY, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in graph
    assert langs(graph, ONTOLOGY, DCTERMS.title) == ["en", "zh"]
    assert langs(graph, ONTOLOGY, DCTERMS.description) == ["en", "zh"]
    assert graph.value(ONTOLOGY, DCTERMS.created).datatype == XSD.date
    assert str(graph.value(ONTOLOGY, URIRef("http://purl.org/vocab/vann/preferredNamespaceUri"))) == str(PILOT)


def test_every_term_labelled_and_defined_in_zh_and_en(graph: Graph) -> None:
    terms = {s for s in graph.subjects(RDFS.isDefinedBy, ONTOLOGY)}
    terms |= {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(str(PILOT))}
    assert len(terms) > 60
    for term in terms:
        assert langs(graph, term, RDFS.label) == ["en", "zh"], term
        assert langs(graph, term, SKOS.definition) == ["en", "zh"], term
        assert (term, RDFS.isDefinedBy, ONTOLOGY) in graph, term


def test_contract_classes_and_properties(graph: Graph) -> None:
    for name in CLASSES:
        assert (PILOT[name], RDF.type, OWL.Class) in graph, name
    for name, range_ in OBJECT_PROPERTIES.items():
        assert (PILOT[name], RDF.type, OWL.ObjectProperty) in graph, name
        assert (PILOT[name], RDFS.range, range_) in graph, name
    for name, range_ in DATATYPE_PROPERTIES.items():
        assert (PILOT[name], RDF.type, OWL.DatatypeProperty) in graph, name
        assert (PILOT[name], RDFS.range, range_) in graph, name
    for name in ("year", "startDate", "endDate"):  # xsd:gYear / xsd:date: outside the OWL 2 datatype map
        assert (PILOT[name], RDF.type, OWL.AnnotationProperty) in graph


def test_alignments(graph: Graph) -> None:
    for name in ("Sector", "MeasureType", "CompetitionCategory"):
        assert (PILOT[name], RDFS.subClassOf, SKOS.Concept) in graph
    assert (PILOT.Agency, RDFS.subClassOf, ORG.Organization) in graph
    assert (PILOT.predecessor, OWL.inverseOf, PILOT.successor) in graph
    assert (PILOT.hasMeasure, OWL.inverseOf, PILOT.ofTask) in graph
    assert (PILOT.inGroup, RDFS.subPropertyOf, DCTERMS.isPartOf) in graph


# --- concept schemes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "cls", "count"),
    [
        ("sector", PILOT.Sector, 20),
        ("category", PILOT.CompetitionCategory, 4),
        ("measure-type", PILOT.MeasureType, 37),
    ],
)
def test_scheme_concepts(graph: Graph, scheme: str, cls: URIRef, count: int) -> None:
    concepts = set(graph.subjects(SKOS.inScheme, ID[scheme]))
    assert len(concepts) == count
    assert (ID[scheme], RDF.type, SKOS.ConceptScheme) in graph
    for concept in concepts:
        slug = str(concept).rsplit("/", 1)[-1]
        assert (concept, RDF.type, cls) in graph and (concept, RDF.type, SKOS.Concept) in graph
        assert langs(graph, concept, SKOS.prefLabel) == ["en", "zh"], concept
        assert [o.language for o in graph.objects(concept, SKOS.definition)].count("en") == 1, concept
        assert str(graph.value(concept, SKOS.notation)) == slug
        assert (concept, SKOS.topConceptOf, ID[scheme]) in graph
        assert (ID[scheme], SKOS.hasTopConcept, concept) in graph


def test_wuhan_sectors_resolve_and_match_both_classifications(graph: Graph, wuhan_text: str) -> None:
    sectors = ConceptScheme.load(VOCAB_DIR / "sectors.ttl", BASE)
    isic, gbt = f"{BASE}id/isic4/", f"{BASE}id/gbt4754-2017/"
    matches = (SKOS.closeMatch, SKOS.broadMatch, SKOS.relatedMatch)
    for label in WUHAN_SECTORS:
        assert f"{label}领域" in re.sub(r"\s+", "", wuhan_text)
        concept = sectors.resolve(label)
        assert concept is not None and sectors.resolve(f"{label}领域") == concept
        assert Literal(f"{label}领域", lang="zh") in set(graph.objects(concept, SKOS.altLabel))
        targets = [str(o) for p in matches for o in graph.objects(concept, p)]
        assert any(t.startswith(isic) for t in targets) and any(t.startswith(gbt) for t in targets), label
    assert sectors.resolve("科技服 务领域") == ID["sector/science-technology"]  # as the PDF text wraps it
    assert (ID["sector/finance"], SKOS.closeMatch, ID["isic4/K"]) in graph
    assert (ID["sector/finance"], SKOS.closeMatch, ID["gbt4754-2017/J"]) in graph
    assert (ID["sector/science-technology"], SKOS.closeMatch, ID["gbt4754-2017/M"]) in graph


def test_classification_sections(graph: Graph) -> None:
    isic = {str(graph.value(c, SKOS.notation)) for c in graph.subjects(SKOS.inScheme, ID["isic4"])}
    gbt = {str(graph.value(c, SKOS.notation)) for c in graph.subjects(SKOS.inScheme, ID["gbt4754-2017"])}
    assert isic == set("ABCDEFGHIJKLMNOPQRSTU")
    assert gbt == set("ABCDEFGHIJKLMNOPQRST")
    assert graph.value(ID["isic4/M"], SKOS.prefLabel) == Literal(
        "Professional, scientific and technical activities", lang="en"
    )
    assert Literal("科学研究和技术服务业", lang="zh") in set(graph.objects(ID["gbt4754-2017/M"], SKOS.prefLabel))
    # every match target is a defined section
    for p in (SKOS.closeMatch, SKOS.broadMatch, SKOS.relatedMatch):
        for target in graph.objects(None, p):
            assert graph.value(target, SKOS.notation) is not None, target


def test_categories_resolve_as_the_task_list_prints_them() -> None:
    categories = ConceptScheme.load(VOCAB_DIR / "categories.ttl", BASE)
    assert categories.resolve("充分 竞争性 服务业") == ID["category/fully-competitive"]
    assert categories.resolve("充分竞争服务业") == ID["category/fully-competitive"]
    assert categories.resolve("有限 竞争 性服 务业") == ID["category/limited-competition"]
    assert categories.resolve("自然 垄断 领域 竞争 性业 务") == ID["category/natural-monopoly"]
    assert categories.resolve("特定 领域 服务 业") == ID["category/specific-fields"]
    assert categories.resolve("科技服务") is None
    with pytest.raises(ValueError, match="end with"):
        ConceptScheme.load(VOCAB_DIR / "categories.ttl", "https://example.org/x")


# --- agencies ----------------------------------------------------------------------------------


def wuhan_addressees(text: str) -> list[str]:
    line = next(x for x in text.splitlines() if x.rstrip().endswith("：") and "人民政府" in x)
    return [n for n in re.split(r"[，、：]", line.strip()) if n]


def test_wuhan_addressees_resolve_to_47_distinct_agencies(agencies: Agencies, wuhan_text: str) -> None:
    names = wuhan_addressees(wuhan_text)
    assert len(names) == 48 and names.count("最高人民法院") == 2
    resolved = {}
    for name in dict.fromkeys(names):
        agency = agencies.resolve(name)
        assert agency is not None, name
        resolved[name] = agency.slug
    assert len(resolved) == 47
    assert len(set(resolved.values())) == 47
    assert resolved["发展改革委"] == "ndrc"
    assert resolved["银保监会"] == "cbirc"
    assert resolved["湖北省人民政府"] == "hubei-government"


def test_issuer_approver_and_implementers(agencies: Agencies) -> None:
    mofcom = agencies.resolve("商务部")
    assert mofcom is not None and mofcom.slug == "mofcom" and mofcom.name_zh == "中华人民共和国商务部"
    assert agencies.resolve("国务院").slug == "state-council"  # type: ignore[union-attr]
    assert agencies.resolve("湖北省人民政府").slug == "hubei-government"  # type: ignore[union-attr]
    assert agencies.resolve("武汉市人民政府").slug == "wuhan-government"  # type: ignore[union-attr]
    assert agencies.resolve("国家发展和改革委员会").slug == "ndrc"  # type: ignore[union-attr]
    assert agencies.resolve("中科院").name_zh == "中国科学院"  # type: ignore[union-attr]
    assert agencies.resolve(" 人民 银行 ").slug == "pboc"  # type: ignore[union-attr]
    assert agencies.resolve("不存在的机构") is None


def test_governments_of_every_pilot_region(agencies: Agencies, places: Places) -> None:
    for place in places:
        government = agencies.get(f"{place.slug}-government")
        assert government.name_zh == f"{place.name_zh}人民政府"
        assert government.place_slug == place.slug and government.kind == "government"


def test_every_agency_has_zh_and_en_labels(graph: Graph, agencies: Agencies) -> None:
    for agency in agencies:
        node = ID[f"agency/{agency.slug}"]
        assert (node, RDF.type, PILOT.Agency) in graph and (node, RDF.type, ORG.Organization) in graph
        assert langs(graph, node, SKOS.prefLabel) == ["en", "zh"]
        assert graph.value(node, SKOS.prefLabel) is not None


def test_cbirc_succeeded_by_nfra(graph: Graph, agencies: Agencies) -> None:
    cbirc = agencies.resolve("银保监会")
    assert cbirc is not None and cbirc.successor_slugs == ("nfra",)
    nfra = agencies.get("nfra")
    assert nfra.name_zh == "国家金融监督管理总局" and nfra.name_en == "National Financial Regulatory Administration"
    old, new = ID["agency/cbirc"], ID["agency/nfra"]
    event = ID["agency-change/nfra"]
    assert (new, PILOT.predecessor, old) in graph and (old, PILOT.successor, new) in graph
    assert (event, RDF.type, ORG.ChangeEvent) in graph
    assert (event, ORG.originalOrganization, old) in graph
    assert (new, ORG.resultedFrom, event) in graph and (event, ORG.resultingOrganization, new) in graph
    assert graph.value(event, DCTERMS.date) == Literal("2023-05-18", datatype=XSD.date)
    # the 2018 merger that formed 银保监会
    assert set(graph.objects(ID["agency-change/cbirc"], ORG.originalOrganization)) == {
        ID["agency/cbrc"],
        ID["agency/circ"],
    }
    assert agencies.get("hkmao").successor_slugs == ("hong-kong-macao-work-office",)


def test_find_in(agencies: Agencies) -> None:
    def found(text: str) -> list[tuple[str, str]]:
        return [(a.slug, text[s:e]) for a, s, e in agencies.find_in(text)]

    assert found("国务院港澳事务办公室和国务院") == [
        ("hkmao", "国务院港澳事务办公室"),
        ("state-council", "国务院"),
    ]
    assert found("依托人民银行的贸易金融区块链平台，推进中科院科技成果转化") == [
        ("pboc", "人民银行"),
        ("cas", "中科院"),
    ]
    assert found("湖北省统计局和教育部门") == []  # a local bureau; a generic "department"
    assert found("湖北省武汉市人民政府") == [("wuhan-government", "武汉市人民政府")]
    assert found("发展 改革委") == [("ndrc", "发展 改革委")]  # across a stray space


def _write(path: Path, rows: list[str]) -> Path:
    header = (
        "slug,name_zh,name_en,alt_labels_zh,alt_labels_en,kind,parent_slug,place_slug,"
        "predecessor_slug,successor_slug,change_date,dissolved,change_note"
    )
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_gazetteer_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="names both"):
        Agencies.load(_write(tmp_path / "a.csv", ["a,甲部,A,甲,,ministry,,,,,,,", "b,乙部,B,甲,,ministry,,,,,,,"]))
    with pytest.raises(ValueError, match="unknown agency"):
        Agencies.load(_write(tmp_path / "b.csv", ["a,甲部,A,,,ministry,zz,,,,,,"]))
    with pytest.raises(ValueError, match="does not list it"):
        Agencies.load(_write(tmp_path / "c.csv", ["a,甲部,A,,,ministry,,,,b,,,", "b,乙部,B,,,ministry,,,,,,,"]))
    with pytest.raises(ValueError, match=r"c.csv:3: slug 'a' already"):
        Agencies.load(_write(tmp_path / "c.csv", ["a,甲部,A,,,ministry,,,,,,,", "a,乙部,B,,,ministry,,,,,,,"]))


# --- places ------------------------------------------------------------------------------------


def test_places(graph: Graph, places: Places) -> None:
    for name in PILOT_CITIES:
        assert places.resolve(name) is not None, name
    wuhan = places.resolve("武汉市")
    assert wuhan is not None and wuhan is places.resolve("武汉") and wuhan is places.resolve("Wuhan")
    assert wuhan.province_slug == "hubei" and wuhan.province_level_slug == "hubei"
    assert (ID["place/wuhan"], PILOT.inProvince, ID["place/hubei"]) in graph
    assert (ID["place/wuhan"], RDF.type, PILOT.City) in graph
    assert (ID["place/hubei"], RDF.type, PILOT.Province) in graph
    beijing = ID["place/beijing"]
    assert {PILOT.City, PILOT.Province, PILOT.Municipality} <= set(graph.objects(beijing, RDF.type))
    assert places.get("beijing").province_level_slug == "beijing"
    for place in places:
        assert langs(graph, ID[f"place/{place.slug}"], SKOS.prefLabel) == ["en", "zh"]


# --- OWL 2 DL: owlready2 + HermiT ---------------------------------------------------------------


def _reason(graph: Graph, tmp_path: Path) -> owlready2.World:
    path = tmp_path / "vocab.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    onto = world.get_ontology(path.as_uri()).load()
    with onto:
        owlready2.sync_reasoner(world, debug=0)
    return world


def test_hermit_finds_ontology_and_vocabulary_consistent(graph: Graph, tmp_path: Path) -> None:
    world = _reason(graph, tmp_path)
    assert list(world.inconsistent_classes()) == []
    agency = world[str(PILOT.Agency)]
    assert agency is not None and len(list(agency.instances())) == len(set(graph.subjects(RDF.type, PILOT.Agency)))


def test_hermit_catches_a_contradiction(graph: Graph, tmp_path: Path) -> None:
    broken = Graph()
    for triple in graph:
        broken.add(triple)
    broken.add((ID["agency/mofcom"], RDF.type, PILOT.Place))  # agencies and places are disjoint
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _reason(broken, tmp_path)


def test_ontology_file_parses_alone() -> None:
    assert len(Graph().parse(ONTOLOGY_DIR / "pilotkg.ttl")) > 500
    assert (SOURCES_DIR / "wuhan-2022.txt").exists()
