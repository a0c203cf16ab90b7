"""/search over the Wuhan build's FTS5 index (graph/search_index.py, server/search.py)."""

from __future__ import annotations

import pytest

from pilotkg.paths import SOURCES_DIR


@pytest.fixture(scope="module")
def client(tmp_path_factory, app_factory):
    from pilotkg.graph.build import build

    out = tmp_path_factory.mktemp("search-build") / "dist"
    build([SOURCES_DIR / "wuhan-2022.txt"], out)
    return app_factory(out / "store", out).test_client()


def found(client, **args) -> dict:
    r = client.get("/search", query_string={**args, "format": "json"})
    assert r.status_code == 200, r.data
    return r.get_json()


def test_a_phrase_is_found_ranked_and_marked(client):
    data = found(client, q="软件名园")
    assert data["results"][0]["iri"].endswith("/task/1-3") and data["total"] == 3  # task, its measure, paragraph
    page = client.get("/search", query_string={"q": "软件名园"}).get_data(as_text=True)
    assert "<mark>软件名园</mark>" in page and 'href="/id/pilot/wuhan-2022/task/1-3"' in page


def test_two_character_words_are_found_as_substrings(client):
    data = found(client, q="金融", kind="task")
    assert data["total"] > 5 and all("金融" in r["text"] and r["kind"] == "task" for r in data["results"])
    both = found(client, q="金融 试点")
    assert both["results"] and all("金融" in r["text"] and "试点" in r["text"] for r in both["results"])


def test_filters_by_pilot_table_sector_and_measure_type(client):
    assert all(r["table"] == 5 for r in found(client, q="人才", table=5)["results"])
    assert all(
        r["measure_type"].endswith("/measure-type/permit") for r in found(client, q="允许", type="permit")["results"]
    )
    finance = found(client, q="保险", sector="finance")["results"]
    assert finance and all(r["sector"].endswith("/sector/finance") for r in finance)
    assert (
        found(client, q="保险", pilot="wuhan-2022")["total"]
        == found(client, q="保险")["total"]
        - found(client, q="保险", kind="agency")["total"]
        - found(client, q="保险", kind="sector")["total"]
    )
    assert found(client, q="保险", pilot="nowhere-2030")["total"] == 0


def test_paging(client):
    first, second = found(client, q="建设"), found(client, q="建设", page=2)
    assert first["total"] > 20 and len(first["results"]) == 20 and second["results"]
    assert not {r["iri"] for r in first["results"]} & {r["iri"] for r in second["results"]}
    page = client.get("/search", query_string={"q": "建设"}).get_data(as_text=True)
    assert 'rel="next"' in page


def test_agencies_and_sectors_are_found_by_name(client):
    assert any(r["iri"].endswith("/agency/mofcom") for r in found(client, q="商务部", kind="agency")["results"])
    assert any(r["iri"].endswith("/sector/finance") for r in found(client, q="金融服务", kind="sector")["results"])


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ({"q": "x", "table": "abc"}, "table"),
        ({"q": "x", "page": "0"}, "page"),
        ({"q": "x", "kind": "planet"}, "kind"),
        ({"q": "x", "pilot": "../etc"}, "pilot"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_parameters_are_400_naming_them(client, args, named):
    r = client.get("/search", query_string=args)
    assert r.status_code == 400 and f"'{named}'" in r.get_data(as_text=True)


def test_what_is_searched_is_escaped(client):
    page = client.get("/search", query_string={"q": "<script>alert(1)</script>"}).get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_json_by_accept_and_a_search_box_on_every_page(client):
    r = client.get("/search", query_string={"q": "跨境"}, headers={"Accept": "application/json"})
    assert r.mimetype == "application/json" and r.get_json()["results"]
    for path in ("/", "/compare", "/id/pilot/wuhan-2022.html"):
        assert 'action="/search"' in client.get(path).get_data(as_text=True), path


def test_a_build_without_an_index_says_so(app_factory, fixture_env):
    client = app_factory(fixture_env["store"]).test_client()
    assert client.get("/search", query_string={"q": "金融", "format": "json"}).status_code == 503
    assert "no search index" in client.get("/search", query_string={"q": "金融"}).get_data(as_text=True)


def test_the_rows_a_build_takes_from_each_graph_are_what_the_store_says(tmp_path_factory):
    """The build reads a pilot's index rows from the triples it writes (in its workers); they are
    the rows SPARQL over the built store gives."""
    import pyoxigraph as ox

    from pilotkg.graph import search_index
    from pilotkg.graph.build import build
    from pilotkg.loaders.plan_text import load_plan_text
    from pilotkg.loaders.to_rdf import plan_triples
    from pilotkg.loaders.vocabulary import Vocabulary

    out = tmp_path_factory.mktemp("rows") / "dist"
    build([SOURCES_DIR / "wuhan-2022.txt"], out)
    plan = load_plan_text(SOURCES_DIR / "wuhan-2022.txt", Vocabulary.load())
    from_graph = search_index.rows_of_graph(plan_triples(plan, "https://w3id.org/pilotkg/"))
    store = ox.Store.read_only(str(out / "store"))
    from_store = search_index.rows(store, ("task", "measure", "paragraph"))
    assert len(from_graph) == 90 + sum(len(t.measures) for t in plan.tasks()) + 16
    assert sorted(from_graph, key=lambda r: r[2]) == sorted(from_store, key=lambda r: r[2])
