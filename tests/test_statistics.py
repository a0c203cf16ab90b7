"""Precomputed statistics (graph/statistics.py, statistics/*.rq): every count equals the same
aggregate taken directly over the pilot graphs, on the Wuhan build and on a build of several
pilots (Wuhan, an altered copy, a CSV plan and synthetic plans); the observations are a
well-formed Data Cube with deterministic IRIs that follow the base, and conform to the shapes.

The direct aggregates below are written independently of the CONSTRUCT queries: they count
distinct resources by their class and follow the inverse links (pilot:ofTask rather than
pilot:hasMeasure), so a statistic that counted the wrong thing would differ from them.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from pilotkg.graph.statistics import STATISTICS_GRAPH, statistics_quads, statistics_queries
from pilotkg.graph.statistics import per_pilot as statistic_per_pilot
from pilotkg.paths import ROOT, SHAPES_DIR, SOURCES_DIR, STATISTICS_DIR
from tests.copies import chengdu_copy

BASE = "https://w3id.org/pilotkg/"
PK = f"{BASE}id/"
GRAPH = f"{BASE}{STATISTICS_GRAPH}"
PREFIXES = """PREFIX pilot: <https://w3id.org/pilotkg/ontology#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""
DATA_SETS = ("agencies", "measure-type-totals", "measure-types", "pilots", "sectors", "task-groups")
QB = Namespace("http://purl.org/linked-data/cube#")
PILOT = Namespace("https://w3id.org/pilotkg/ontology#")
SH = Namespace("http://www.w3.org/ns/shacl#")

pytestmark = pytest.mark.slow


def rows(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    return [
        tuple("" if t is None else t.value for t in row)
        for row in store.query(PREFIXES + query, use_default_graph_as_union=True)
    ]


def pilot_graphs(where: str) -> str:
    """``where`` matched inside one named graph at a time, never the statistics graph."""
    return f"GRAPH ?g {{ {where} }} FILTER (?g != <{GRAPH}>)"


def observations(store: ox.Store, data_set: str) -> list[dict[str, str]]:
    """The observations of one data set: property local name → value."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for o, p, v in rows(
        store,
        f"""SELECT ?o ?p ?v WHERE {{ GRAPH <{GRAPH}> {{
        ?o qb:dataSet ?ds ; ?p ?v . ?ds dcterms:identifier "{data_set}" }} }}""",
    ):
        found[o][p.rsplit("#", 1)[-1]] = v
    for o, props in found.items():
        props["iri"] = o
    return list(found.values())


def table(store: ox.Store, data_set: str, keys: tuple[str, ...], values: tuple[str, ...]) -> dict:
    got = {}
    for obs in observations(store, data_set):
        key = tuple(obs[k] for k in keys)
        assert key not in got, f"two observations of {data_set} for {key}"  # Data Cube IC-12
        got[key] = tuple(int(obs[v]) for v in values)
    return got


# -- the stores ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wuhan(built: Path, with_statistics) -> ox.Store:
    return with_statistics(built)


@pytest.fixture(scope="module")
def many(tmp_path_factory, with_statistics) -> ox.Store:
    """Wuhan; a copy set in Chengdu whose 争取 (seek) measure reads 推动 (promote) and which has
    lost task 1-38 (its only 电信服务 task); a CSV plan (Hangzhou); three synthetic plans."""
    from pilotkg.graph.build import build

    spec = importlib.util.spec_from_file_location("generate_plans", ROOT / "bench" / "generate_plans.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    sys.modules["generate_plans"] = generator
    spec.loader.exec_module(generator)

    folder = tmp_path_factory.mktemp("statistics-sources")
    generator.generate(folder, 3, seed=5)
    wuhan = (SOURCES_DIR / "wuhan-2022.txt").read_text(encoding="utf-8")
    chengdu = chengdu_copy(wuhan, reword=True)
    (folder / "chengdu-2023.txt").write_text(chengdu, encoding="utf-8")
    (folder / "hangzhou-2023.csv").write_text(
        "table,table_title,group,sector,number,text\n"
        "1,推动服务业重点行业领域深化改革扩大开放,充分竞争性服务业,科技服务,1,支持杭州市创建中国软件名园。\n"
        '1,,充分竞争性服务业,金融服务,2,"允许符合条件的外商独资企业申请成为私募基金管理人，探索绿色金融改革。"\n'
        "2,加强服务业开放发展的要素保障,优化人才服务,,1,允许外籍人才在签证有效期内创新创业。\n",
        encoding="utf-8",
    )
    (folder / "hangzhou-2023.meta.toml").write_text(
        'city = "杭州市"\nnotice_title = "商务部关于印发《杭州市服务业扩大开放综合试点总体方案》的通知"\n'
        'document_number = "商资发〔2023〕100号"\nissued = 2023-05-04\nissuer = "商务部"\n'
        'addressees = ["浙江省人民政府", "发展改革委"]\napproved_by = "国务院"\n'
        'implemented_by = ["浙江省人民政府", "杭州市人民政府"]\nperiod_years = 3\n',
        encoding="utf-8",
    )
    out = tmp_path_factory.mktemp("statistics-build") / "dist"
    build([SOURCES_DIR, folder], out)
    return with_statistics(out)


@pytest.fixture(params=["wuhan", "many"])
def store(request) -> ox.Store:
    return request.getfixturevalue(request.param)


# -- each statistic against the direct aggregate ---------------------------------------------------


def test_every_data_set_has_observations(store):
    for name in DATA_SETS:
        assert observations(store, name), name
    assert {p.stem for p in STATISTICS_DIR.glob("*.rq")} == set(DATA_SETS)


def test_pilots(store):
    direct = {}
    for pilot, tasks, measures in rows(
        store,
        f"""
        SELECT ?p (COUNT(DISTINCT ?t) AS ?tasks) (COUNT(DISTINCT ?m) AS ?measures) WHERE {{
          {pilot_graphs("?t a pilot:Task ; pilot:ofPilot ?p . OPTIONAL { ?m pilot:ofTask ?t }")}
        }} GROUP BY ?p""",
    ):
        direct[(pilot,)] = (int(tasks), 0, int(measures))
    for pilot, tasks in rows(
        store,
        f"""SELECT ?p (COUNT(DISTINCT ?t) AS ?tasks) WHERE {{
          {pilot_graphs("?t a pilot:Task ; pilot:ofPilot ?p ; pilot:sector ?s")} }} GROUP BY ?p""",
    ):
        direct[(pilot,)] = (direct[(pilot,)][0], int(tasks), direct[(pilot,)][2])
    assert table(store, "pilots", ("refPilot",), ("taskCount", "sectorTaskCount", "measureCount")) == direct
    assert len(direct) == len(rows(store, "SELECT ?p WHERE { ?p a pilot:Pilot }"))


def test_measure_types(store):
    direct = {}
    for pilot, kind, measures, tasks in rows(
        store,
        f"""
        SELECT ?p ?type (COUNT(DISTINCT ?m) AS ?measures) (COUNT(DISTINCT ?t) AS ?tasks) WHERE {{
          {pilot_graphs("?m a pilot:Measure ; pilot:measureType ?type ; pilot:ofTask ?t . ?t pilot:ofPilot ?p")}
        }} GROUP BY ?p ?type""",
    ):
        direct[(pilot, kind)] = (int(measures), int(tasks))
    assert table(store, "measure-types", ("refPilot", "refMeasureType"), ("measureCount", "taskCount")) == direct


def test_measure_type_totals(store):
    direct = {}
    for kind, pilots, measures, tasks in rows(
        store,
        f"""
        SELECT ?type (COUNT(DISTINCT ?p) AS ?pilots) (COUNT(DISTINCT ?m) AS ?measures) (COUNT(DISTINCT ?t) AS ?tasks)
        WHERE {{ {pilot_graphs("?m a pilot:Measure ; pilot:measureType ?type ; pilot:ofTask ?t . ?t pilot:ofPilot ?p")}
        }} GROUP BY ?type""",
    ):
        direct[(kind,)] = (int(pilots), int(measures), int(tasks))
    got = table(store, "measure-type-totals", ("refMeasureType",), ("pilotCount", "measureCount", "taskCount"))
    assert got == direct


def test_sectors(store):
    """Printed and derived sectors, each counted apart: a sector only derived has taskCount 0."""
    counts: dict[tuple[str, str], list[int]] = {}
    for column, prop in enumerate(("sector", "derivedSector")):
        for pilot, sector, tasks in rows(
            store,
            f"""
            SELECT ?p ?s (COUNT(DISTINCT ?t) AS ?tasks) WHERE {{
              {pilot_graphs(f"?t a pilot:Task ; pilot:ofPilot ?p ; pilot:{prop} ?s")}
            }} GROUP BY ?p ?s""",
        ):
            counts.setdefault((pilot, sector), [0, 0])[column] = int(tasks)
    direct = {key: tuple(value) for key, value in counts.items()}
    assert any(printed == 0 for printed, _ in direct.values()), "no sector that is only derived"
    assert table(store, "sectors", ("refPilot", "refSector"), ("taskCount", "derivedTaskCount")) == direct


def test_task_groups(store):
    direct = {}
    for pilot, group, tasks, measures in rows(
        store,
        f"""
        SELECT ?p ?group (COUNT(DISTINCT ?t) AS ?tasks) (COUNT(DISTINCT ?m) AS ?measures) WHERE {{
          {pilot_graphs("?t a pilot:Task ; pilot:ofPilot ?p ; pilot:inGroup ?group . ?m pilot:ofTask ?t")}
        }} GROUP BY ?p ?group""",
    ):
        direct[(pilot, group)] = (int(tasks), int(measures))
    assert table(store, "task-groups", ("refPilot", "refTaskGroup"), ("taskCount", "measureCount")) == direct
    # every group of the graph has its observation
    assert len(direct) == len(rows(store, "SELECT ?g WHERE { ?g a pilot:TaskGroup }"))


def test_agencies(store):
    roles = {
        "pilotsAsIssuer": "?p pilot:notice ?n . ?n pilot:issuedBy ?a",
        "pilotsAsAddressee": "?p pilot:notice ?n . ?n pilot:addressedTo ?a",
        "pilotsAsApprover": "?p pilot:approvedBy ?a",
        "pilotsAsImplementer": "?p pilot:implementedBy ?a",
        "pilotsNamingInTasks": "?t pilot:ofPilot ?p ; pilot:mentionsAgency ?a",
    }
    named: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for role, where in roles.items():
        for agency, pilot in rows(store, f"SELECT DISTINCT ?a ?p WHERE {{ {pilot_graphs(where)} }}"):
            named[agency][role].add(pilot)
    direct = {
        (agency,): (len(set().union(*by_role.values())), *(len(by_role[r]) for r in roles))
        for agency, by_role in named.items()
    }
    assert table(store, "agencies", ("refAgency",), ("pilotCount", *roles)) == direct


# -- known values, IRIs, the graph as a whole -------------------------------------------------------


def test_known_wuhan_values(wuhan):
    def value(iri: str, prop: str) -> int:
        (row,) = rows(wuhan, f"SELECT ?v WHERE {{ GRAPH <{GRAPH}> {{ <{iri}> pilot:{prop} ?v }} }}")
        return int(row[0])

    stats = f"{PK}statistics/"
    assert value(f"{stats}pilots/wuhan-2022", "taskCount") == 90  # 38 + 11 + 18 + 10 + 13 tasks
    assert value(f"{stats}pilots/wuhan-2022", "sectorTaskCount") == 38  # table 1 has the sector column
    assert value(f"{stats}measure-types/wuhan-2022/permit", "measureCount") == 9
    assert value(f"{stats}measure-types/wuhan-2022/seek", "taskCount") == 1  # 争取: task 1-27 only
    assert value(f"{stats}measure-type-totals/seek", "pilotCount") == 1
    assert value(f"{stats}sectors/wuhan-2022/finance", "taskCount") == 6
    assert value(f"{stats}sectors/wuhan-2022/finance", "derivedTaskCount") >= 1  # 5-10 金融领域…监管协作
    assert value(f"{stats}task-groups/wuhan-2022/3-3", "taskCount") == 5  # 3-14 belongs here (narrative)
    assert value(f"{stats}agencies/mofcom", "pilotsAsIssuer") == 1


def test_many_pilots_differ_where_the_plans_do(many):
    types = table(many, "measure-types", ("refPilot", "refMeasureType"), ("measureCount", "taskCount"))
    seek, promote = f"{PK}measure-type/seek", f"{PK}measure-type/promote"
    assert (f"{PK}pilot/wuhan-2022", seek) in types and (f"{PK}pilot/chengdu-2023", seek) not in types
    wuhan, chengdu = types[(f"{PK}pilot/wuhan-2022", promote)], types[(f"{PK}pilot/chengdu-2023", promote)]
    assert chengdu[0] == wuhan[0] + 1
    totals = table(many, "measure-type-totals", ("refMeasureType",), ("pilotCount", "measureCount", "taskCount"))
    assert totals[(seek,)][0] == 1 + sum(1 for (p, t) in types if t == seek and "wuhan" not in p)
    pilots = table(many, "pilots", ("refPilot",), ("taskCount", "sectorTaskCount", "measureCount"))
    assert len(pilots) == 6 and pilots[(f"{PK}pilot/hangzhou-2023",)][0] == 3


def test_quads_sorted_unique_in_one_graph_without_blank_nodes(wuhan):
    quads = statistics_quads(wuhan, BASE)
    assert quads == sorted(quads, key=str) and len(set(quads)) == len(quads)
    assert {q.graph_name.value for q in quads} == {GRAPH}
    assert not [q for q in quads for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)]
    subjects = {q.subject.value for q in quads}
    assert all(s.startswith(f"{PK}statistics/") for s in subjects)
    # the store already holds the statistics graph: computing it again gives the same quads
    assert next(wuhan.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH)), None) is not None
    assert statistics_quads(wuhan, BASE) == quads


@pytest.mark.parametrize("name", ["wuhan", "many"])
def test_a_builds_per_pilot_counts_are_those_of_the_whole_store(name: str, request) -> None:
    """A build counts the ``scope: pilot`` statistics in each pilot's worker, over that pilot's
    graph alone (and the others over the whole store): the graph it writes is every statistic
    counted over the whole store."""
    per_pilot = {path.stem for path in statistics_queries() if statistic_per_pilot(path)}
    assert per_pilot == {"measure-types", "pilots", "sectors", "task-groups"}  # the rest span pilots
    store = request.getfixturevalue(name)
    written = sorted(store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH)), key=str)
    assert statistics_quads(store, BASE) == written


def test_iris_follow_the_base(built):
    other = "https://example.org/kg/"
    text = (built / "pilotkg.nq").read_text(encoding="utf-8")
    text = text.replace(f"<{BASE}id/", f"<{other}id/").replace(f"<{BASE}graph/", f"<{other}graph/")
    store = ox.Store()
    store.load(text, format=ox.RdfFormat.N_QUADS)
    quads = statistics_quads(store, other)
    assert {q.graph_name.value for q in quads} == {f"{other}{STATISTICS_GRAPH}"}
    iris = {t.value for q in quads for t in (q.subject, q.object) if isinstance(t, ox.NamedNode)}
    assert f"{other}id/statistics/measure-types/wuhan-2022/permit" in iris
    assert not [i for i in iris if i.startswith((f"{BASE}id/", f"{BASE}graph/"))]
    same = {
        str(q).replace(f"<{BASE}id/", f"<{other}id/").replace(f"<{BASE}graph/", f"<{other}graph/")
        for q in statistics_quads(_without_statistics(built), BASE)
    }
    assert {str(q) for q in quads} == same


def _without_statistics(dist: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(dist / "pilotkg.nq"), format=ox.RdfFormat.N_QUADS)
    store.remove_graph(ox.NamedNode(GRAPH))
    return store


# -- shapes ------------------------------------------------------------------------------------------


STATISTICS_TARGETS = {
    QB.DataSet,
    QB.DataStructureDefinition,
    QB.ComponentSpecification,
    QB.Observation,
    PILOT.refMeasureType,
    PILOT.refSector,
    PILOT.refTaskGroup,
    PILOT.refAgency,
}


def statistics_shapes() -> Graph:
    """The core shapes, with only the shapes about the statistics left targeting anything."""
    shapes = Graph().parse(SHAPES_DIR / "pilotkg-shapes.ttl", format="turtle")
    for target in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode):
        for shape, value in list(shapes.subject_objects(target)):
            if value not in STATISTICS_TARGETS:
                shapes.remove((shape, target, value))
    return shapes


def statistics_data(store: ox.Store) -> Graph:
    """The statistics graph, the vocabulary graph (ontology: qb:DimensionProperty …) and the
    classes of everything else (what the shapes' sh:class checks look at)."""
    data = Graph()
    for name in (GRAPH, f"{BASE}graph/vocab"):
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(name)):
            data.add((_rdflib(q.subject), _rdflib(q.predicate), _rdflib(q.object)))
    for q in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), None, None):
        data.add((_rdflib(q.subject), RDF.type, _rdflib(q.object)))
    return data


def _rdflib(term: ox.NamedNode | ox.Literal) -> URIRef | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def test_statistics_conform_to_the_shapes(wuhan):
    import pyshacl

    conforms, _, report = pyshacl.validate(statistics_data(wuhan), shacl_graph=statistics_shapes())
    assert conforms, report


@pytest.mark.parametrize("break_it", ["drop a count", "two counts", "a negative count", "no data set"])
def test_broken_statistics_are_refused(wuhan, break_it):
    import pyshacl
    from rdflib.namespace import XSD

    data = statistics_data(wuhan)
    obs = URIRef(f"{PK}statistics/sectors/wuhan-2022/finance")
    if break_it == "drop a count":
        data.remove((obs, PILOT.taskCount, None))
    elif break_it == "two counts":
        data.add((obs, PILOT.taskCount, Literal(7, datatype=XSD.integer)))
    elif break_it == "a negative count":
        data.set((URIRef(f"{PK}statistics/agencies/mofcom"), PILOT.pilotsAsApprover, Literal(-1, datatype=XSD.integer)))
    else:
        data.remove((obs, QB.dataSet, None))
    assert (obs, RDF.type, QB.Observation) in data
    conforms, _, _ = pyshacl.validate(data, shacl_graph=statistics_shapes())
    assert not conforms
