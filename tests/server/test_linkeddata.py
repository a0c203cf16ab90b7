"""Linked Data (/id/…), pages, dumps and the ontology, with Flask's test client."""

from __future__ import annotations

import hashlib
import re

import pytest
import rdflib
import rdflib.compare

BASE = "https://w3id.org/pilotkg/"
ID = BASE + "id/"
TASK = "pilot/wuhan-2022/task/1-1"


@pytest.fixture(scope="module")
def app(backend_app):
    """Every test here runs on the embedded store and on Virtuoso (tests/server/conftest.py)."""
    return backend_app


@pytest.mark.parametrize(
    ("accept", "ext"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
        ("text/turtle", "ttl"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "jsonld"),
        ("application/rdf+xml", "rdf"),
        ("text/turtle;q=0.5, application/ld+json;q=0.9", "jsonld"),
        ("*/*", "html"),
    ],
)
def test_303_by_accept(client, accept, ext):
    r = client.get(f"/id/{TASK}", headers={"Accept": accept})
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/id/{TASK}.{ext}")
    assert "Accept" in r.headers["Vary"]


@pytest.mark.parametrize(
    ("ext", "mimetype", "fmt"),
    [
        ("ttl", "text/turtle", "turtle"),
        ("nt", "application/n-triples", "nt"),
        ("jsonld", "application/ld+json", "json-ld"),
        ("rdf", "application/rdf+xml", "xml"),
    ],
)
def test_documents_by_extension(client, ext, mimetype, fmt):
    r = client.get(f"/id/{TASK}.{ext}")
    assert r.status_code == 200 and r.mimetype == mimetype
    g = rdflib.Graph().parse(data=r.data, format=fmt)
    task = rdflib.URIRef(ID + TASK)
    pilot = rdflib.Namespace(BASE + "ontology#")
    assert (task, rdflib.RDF.type, pilot.Task) in g
    assert (task, pilot.sector, rdflib.URIRef(ID + "sector/science-technology")) in g
    # incoming links too: the measures point back at their task
    assert (rdflib.URIRef(ID + TASK + "/measure/1"), pilot.ofTask, task) in g
    assert f'<{ID}{TASK}>; rel="describes"' in r.headers["Link"]


def test_unknown_iri_is_404(client):
    assert client.get("/id/pilot/wuhan-2022/task/9-99", headers={"Accept": "text/turtle"}).status_code == 404
    assert client.get("/id/pilot/wuhan-2022/task/9-99.ttl").status_code == 404
    assert client.get("/id/nothing>here").status_code == 404
    assert client.get("/id/").status_code == 404


def test_406_when_nothing_acceptable(client):
    assert client.get(f"/id/{TASK}", headers={"Accept": "image/png"}).status_code == 406


def test_task_page(client):
    r = client.get(f"/id/{TASK}.html")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert "支持科技企业开展跨境研发合作，探索建立科技成果转化机制。" in html  # text
    assert 'href="/id/pilot/wuhan-2022/table/1"' in html  # table
    assert 'href="/id/pilot/wuhan-2022/group/1-1"' in html and "科技服务" in html  # group
    assert 'href="/id/sector/science-technology"' in html and "Science and technology services" in html
    # measures with their types
    assert "探索建立科技成果转化机制。" in html and 'href="/id/measure-type/permit"' in html
    assert "Pilot programme" in html
    # agencies
    assert 'href="/id/agency/most"' in html and "科学技术部" in html
    # narrative paragraph, both wordings, quoted source span
    assert 'href="/id/pilot/wuhan-2022/paragraph/5"' in html and "提升科技服务水平" in html
    assert 'id="task-wordings"' in html
    assert "<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>" in html  # the difference, highlighted
    assert 'id="task-source"' in html and "探索建立\n科技成果转化机制" in html
    assert "30100" in html and "30128" in html
    # the narrative holds markup-looking text: it is escaped, never injected
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_task_page_same_wording(client):
    html = client.get("/id/pilot/wuhan-2022/task/1-2.html").get_data(as_text=True)
    assert 'id="task-wordings"' not in html
    assert "word this task the same way" in html


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "pilot/wuhan-2022",
            ["武汉市服务业扩大开放综合试点", "/id/pilot/wuhan-2022/task/1-2", "/id/pilot/wuhan-2022/table/1"],
        ),
        (
            "pilot/wuhan-2022/table/1",
            ["推动服务业重点行业领域深化改革扩大开放", "/id/pilot/wuhan-2022/task/1-1"],
        ),
        ("pilot/wuhan-2022/group/1-1", ["科技服务", "/id/pilot/wuhan-2022/task/1-2"]),
        ("sector/finance", ["金融服务", "Financial services", "/id/pilot/wuhan-2022/task/1-2"]),
        ("agency/pboc", ["中国人民银行", "/id/pilot/wuhan-2022/task/1-2"]),
        (
            "measure-type/permit",
            ["准入许可", "/id/pilot/wuhan-2022/task/1-2/measure/1", "探索建立科技成果转化机制。"],
        ),
        ("pilot/wuhan-2022/notice", ["商资发〔2022〕211号"]),
        ("place/wuhan", ["武汉市", "/id/place/hubei"]),
        ("sector", ["/id/sector/finance"]),
    ],
)
def test_other_pages(client, path, expected):
    r = client.get(f"/id/{path}.html")
    assert r.status_code == 200, path
    html = r.get_data(as_text=True)
    for needle in expected:
        assert needle in html, (path, needle)


def test_home_page(client):
    r = client.get("/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "武汉市服务业扩大开放综合试点" in html
    assert re.search(r'id="count-tasks">\s*2\s*<', html)
    assert re.search(r'id="count-measures">\s*3\s*<', html)
    assert 'id="chart-sectors"' in html and "<svg" in html and 'id="chart-measure-types"' in html
    assert 'href="/dumps/"' in html and 'href="/query"' in html


def test_the_home_page_counts_the_triples_of_pilotkg_graphs_only(client, embedded_app):
    """On Virtuoso too: its system graphs are not counted as the graph's triples."""

    def triples(html: str) -> str:
        found = re.search(r'id="count-triples">\s*([\d,]+)\s*<', html)
        assert found, html[:500]
        return found.group(1)

    here = client.get("/").get_data(as_text=True)
    assert triples(here) == triples(embedded_app.test_client().get("/").get_data(as_text=True))


def test_query_page_lists_examples(client):
    r = client.get("/query")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Tasks per sector" in html and "How many tasks each sector has" in html
    assert "yasgui.min.js" in html
    assert "/static/query.js" in html


def test_query_page_without_examples(client, app, tmp_path):
    from pilotkg.server.app import with_settings

    old = app.extensions["pilotkg"].settings
    with_settings(app, queries=tmp_path / "none")
    try:
        assert client.get("/query").status_code == 200
    finally:
        with_settings(app, queries=old.queries)


def test_dumps(client, fixture_env):
    r = client.get("/dumps/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    for name in ("pilotkg.trig", "void.ttl", "SHA256SUMS"):
        assert f'href="/dumps/{name}"' in html
    r = client.get("/dumps/SHA256SUMS")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    line = next(line for line in r.get_data(as_text=True).splitlines() if line.endswith("pilotkg.trig"))
    trig = client.get("/dumps/pilotkg.trig")
    assert trig.mimetype == "application/trig"
    assert hashlib.sha256(trig.data).hexdigest() == line.split()[0]
    assert client.get("/dumps/void.ttl").mimetype == "text/turtle"
    assert client.get("/dumps/store").status_code == 404
    assert client.get("/dumps/../conftest.py").status_code == 404
    assert client.get("/dumps/%2e%2e%2fconftest.py").status_code == 404
    assert client.get("/.well-known/void").status_code == 303


def test_ontology(client):
    r = client.get("/ontology", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert "pilotkg ontology (test fixture)" in r.get_data(as_text=True)
    r = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert r.mimetype == "text/turtle"
    g = rdflib.Graph().parse(data=r.data, format="turtle")
    assert (rdflib.URIRef(BASE + "ontology"), rdflib.RDF.type, rdflib.OWL.Ontology) in g
    assert client.get("/ontology.ttl").mimetype == "text/turtle"
    assert client.get("/ontology", headers={"Accept": "application/ld+json"}).mimetype == "application/ld+json"


def test_pages_have_security_headers(client):
    r = client.get(f"/id/{TASK}.html")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["X-Frame-Options"] == "DENY"


def test_query_page_falls_back_to_the_cdn(client, monkeypatch, tmp_path):
    from pilotkg.server import pages

    monkeypatch.setattr(pages, "VENDOR", tmp_path / "missing")
    r = client.get("/query")
    version = pages.yasgui_version()
    assert f"https://cdn.jsdelivr.net/npm/@zazuko/yasgui@{version}/build/yasgui.min.js" in r.get_data(as_text=True)
    assert "https://cdn.jsdelivr.net" in r.headers["Content-Security-Policy"]
    import json
    from pathlib import Path

    spec = json.loads((Path(pages.__file__).parent / "package.json").read_text())["dependencies"]
    assert spec["@zazuko/yasgui"] == version  # the CDN serves the very version npm installs


def test_named_graphs_dereference(client):
    r = client.get("/graph/wuhan-2022", headers={"Accept": "text/turtle"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/graph/wuhan-2022.ttl")
    g = rdflib.Graph().parse(data=client.get("/graph/wuhan-2022.ttl").data, format="turtle")
    assert (rdflib.URIRef(ID + TASK), rdflib.RDF.type, rdflib.URIRef(BASE + "ontology#Task")) in g
    assert (rdflib.URIRef(ID + "sector/finance"), None, None) not in g  # that one is in graph/vocab
    html = client.get("/graph/vocab.html").get_data(as_text=True)
    assert "skos:Concept" in html
    assert client.get("/graph/nope", headers={"Accept": "text/turtle"}).status_code == 404


def test_base_iri_gives_void_to_rdf_clients(client):
    r = client.get("/", headers={"Accept": "text/turtle"})
    assert r.mimetype == "text/turtle" and b"void:Dataset" in r.data
    assert client.get("/", headers={"Accept": "text/html"}).mimetype == "text/html"


@pytest.mark.parametrize("name", ["a%01b", "%25zz", "%7F", "%C2%80", "%00", "%25", "%ff", "a%0Ab", "%EF%BF%BD"])
def test_graph_names_that_are_no_iri_are_not_found(client, name):
    """Names the fuzzer found answered 500 (a malformed query): they are 404 now, for graphs and resources."""
    assert client.get(f"/graph/{name}").status_code == 404
    assert client.get(f"/id/pilot/{name}").status_code == 404


def test_a_statement_in_two_graphs_is_listed_once(trig_store, app_factory):
    """A triple held by a pilot's graph and by another (the vocabulary, a republished copy) is one
    statement: the page lists it, and its subject under "Referenced by", once."""
    pk = "https://w3id.org/pilotkg/"
    triples = (
        f"<{pk}id/pilot/a-2024/task/1-1> <{pk}ontology#sector> <{pk}id/sector/finance> ."
        f' <{pk}id/sector/finance> <http://www.w3.org/2004/02/skos/core#prefLabel> "金融服务"@zh .'
    )
    store = trig_store(f"<{pk}graph/one> {{ {triples} }}\n<{pk}graph/two> {{ {triples} }}\n")
    client = app_factory(store).test_client()
    page = client.get("/id/sector/finance.html").get_data(as_text=True)
    assert page.count("金融服务") >= 1
    referenced = page[page.index("Referenced by") :]
    assert referenced.count('<span class="iri">') == 1, referenced
    statements = page[page.index("<h2>Statements</h2>") : page.index("Referenced by")]
    assert statements.count("<li>") == 1, statements


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (TASK, "sector:science-technology"),
        ("sector/science-technology", "sector:science-technology"),
        ("agency/mofcom", "agency:mofcom"),
        ("pilot/wuhan-2022", "place:wuhan"),
    ],
)
def test_turtle_prefixed_names_need_no_escapes(client, path, name):
    """Per-resource Turtle uses one prefix per kind of resource (vocab/prefixes.csv): a sector is
    ``sector:science-technology``, and an IRI whose local name would need ``\\/`` (a task) is
    written whole, so whatever a user copies from it is valid SPARQL as printed."""
    body = client.get(f"/id/{path}.ttl").get_data(as_text=True)
    assert "\\/" not in body and "pk:" not in body
    assert name in body
    rdflib.Graph().parse(data=body, format="turtle")  # and it is still Turtle


def test_the_prefixes_of_pages_are_valid_sparql(client):
    """The short names a page prints (``sector:science-technology``) run as SPARQL with the
    endpoint's prologue; a task's page prints its whole IRI."""
    page = client.get(f"/id/{TASK}.html").get_data(as_text=True)
    assert "sector:science-technology" in page and "pk:" not in page and ID + TASK in page
    query = "ASK { ?task pilot:sector sector:science-technology }"
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 400  # the endpoint adds no prefixes to a user's query …
    from pilotkg.prefixes import prefixes

    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes(BASE).items())
    r = client.get(
        "/sparql", query_string={"query": prologue + query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert r.status_code == 200 and r.get_json()["boolean"] is True  # … and the table's prefixes parse


@pytest.mark.parametrize("path", [TASK, "sector/science-technology", "pilot/wuhan-2022"])
def test_jsonld_is_compact_with_the_project_context_and_the_same_graph(client, path):
    """JSON-LD comes compacted: an @context of the project's prefixes, prefixed properties and
    types, nodes under @graph; a JSON-LD processor (rdflib's) reads the same triples as N-Triples."""
    import json

    r = client.get(f"/id/{path}.jsonld")
    document = json.loads(r.data)
    assert document["@context"]["pilot"] == BASE + "ontology#"
    assert document["@graph"] and all("@id" in node for node in document["@graph"])
    keys = {key for node in document["@graph"] for key in node}
    assert "@type" in keys and any(key.startswith("pilot:") for key in keys)
    assert not any(key.startswith(BASE + "ontology#") for key in keys)  # every property of the ontology prefixed
    compacted = rdflib.Graph().parse(data=r.data, format="json-ld")
    expected = rdflib.Graph().parse(data=client.get(f"/id/{path}.nt").data, format="nt")
    assert len(compacted) == len(expected) > 0
    assert rdflib.compare.isomorphic(compacted, expected)


def test_construct_as_jsonld_is_compact_too(client):
    query = "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } LIMIT 20"
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/ld+json"})
    import json

    assert r.status_code == 200 and "@context" in json.loads(r.data)
    compacted = rdflib.Graph().parse(data=r.data, format="json-ld")
    nt = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/n-triples"})
    assert rdflib.compare.isomorphic(compacted, rdflib.Graph().parse(data=nt.data, format="nt"))


def test_the_dataset_iri_dereferences_to_its_description(client):
    """``{base}dataset`` (VoID/DCAT) names the dataset, not a document: 303 to void.ttl, or to the
    dumps page for a browser."""
    r = client.get("/dataset", headers={"Accept": "text/turtle"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/dumps/void.ttl")
    r = client.get("/dataset", headers={"Accept": "text/html,application/xhtml+xml"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/dumps/")


def test_the_ontology_version_iri_dereferences(client):
    """owl:versionIRI (read from the ontology file) answers as /ontology does; other versions 404."""
    from pilotkg.server.ontology import version_iri
    from pilotkg.server.runtime import runtime

    with client.application.app_context():
        iri = version_iri(runtime().settings.ontology)
    version = iri.rsplit("/", 1)[-1]
    r = client.get(f"/ontology/{version}", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    assert iri in r.get_data(as_text=True)
    assert client.get(f"/ontology/{version}.nt").mimetype == "application/n-triples"
    assert client.get("/ontology/9.9.9", headers={"Accept": "text/turtle"}).status_code == 404


def test_pages_link_their_rdf_forms_and_embed_schema_org(client):
    """Each page names its RDF forms in <link rel="alternate"> and embeds schema.org JSON-LD: a
    task is Legislation, part of its pilot's plan."""
    import json

    page = client.get(f"/id/{TASK}.html").get_data(as_text=True)
    for ext, mime in (("ttl", "text/turtle"), ("jsonld", "application/ld+json"), ("nt", "application/n-triples")):
        assert f'<link rel="alternate" type="{mime}" href="/id/{TASK}.{ext}">' in page
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    item = json.loads(block.group(1))
    assert item["@context"] == "https://schema.org" and item["@type"] == "Legislation"
    assert item["@id"] == ID + TASK and item["isPartOf"]["@id"] == ID + "pilot/wuhan-2022/plan"
    assert item["name"]
    agency = json.loads(
        re.search(r'ld\+json">(.*?)</script>', client.get("/id/agency/mofcom.html").get_data(as_text=True), re.S).group(
            1
        )
    )
    assert agency["@type"] == "GovernmentOrganization"


def test_dumps_come_gzipped_to_clients_that_take_it(client):
    """A client sending Accept-Encoding: gzip gets the dump compressed on the way out (the same
    bytes once inflated); others, and a byte range, get the file as it is."""
    import gzip

    plain = client.get("/dumps/pilotkg.trig")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    packed = client.get("/dumps/pilotkg.trig", headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data and len(packed.data) < len(plain.data)
    refused = client.get("/dumps/pilotkg.trig", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers
    ranged = client.get("/dumps/pilotkg.trig", headers={"Accept-Encoding": "gzip", "Range": "bytes=0-9"})
    assert ranged.status_code == 206 and ranged.data == plain.data[:10]
