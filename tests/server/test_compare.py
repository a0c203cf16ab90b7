"""The /compare page and the similar tasks on a pilot's page: the fixture graph (one pilot), a
hand-written two-pilot graph with hostile labels, and Wuhan plus a copy set in Chengdu built by
``pilotkg.graph.build.build``."""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import pytest

from pilotkg.graph.similarity import mask_places
from pilotkg.paths import SOURCES_DIR
from tests.copies import chengdu_copy

FIXTURES = Path(__file__).resolve().parent / "fixtures"

BASE = "https://w3id.org/pilotkg/"
ID = BASE + "id/"
WUHAN = f"{ID}pilot/wuhan-2022"
CHENGDU = f"{ID}pilot/chengdu-2023"
SECTOR = f"{ID}sector/"
TYPE = f"{ID}measure-type/"

_CELL = re.compile(r'<rect data-pilot="([^"]*)" data-column="([^"]*)" data-n="(\d+)"')


def chart(html: str, id: str) -> str:
    """The markup of the figure with this id."""
    start = html.index(f'id="{id}"')
    return html[start : html.index("</figure>", start)]


def cells(html: str, id: str) -> dict[tuple[str, str], int]:
    """(pilot, column) → count, from the data attributes of a chart's cells or segments."""
    return {(htmllib.unescape(p), htmllib.unescape(c)): int(n) for p, c, n in _CELL.findall(chart(html, id)) if int(n)}


def row_order(html: str, id: str) -> list[str]:
    seen: list[str] = []
    for p, _c, _n in _CELL.findall(chart(html, id)):
        if htmllib.unescape(p) not in seen:
            seen.append(htmllib.unescape(p))
    return seen


# -- the fixture graph: one pilot ------------------------------------------------------------------
def test_home_links_to_compare(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/compare"' in html


def test_compare_page_one_pilot(client):
    r = client.get("/compare")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert "1 pilot in the graph" in html and "nothing to compare" in html
    assert cells(html, "heat-sectors") == {(WUHAN, SECTOR + "science-technology"): 1, (WUHAN, SECTOR + "finance"): 1}
    assert cells(html, "heat-types") == {(WUHAN, TYPE + "permit"): 2, (WUHAN, TYPE + "pilot-programme"): 1}
    assert cells(html, "chart-types") == {(WUHAN, TYPE + "permit"): 2, (WUHAN, TYPE + "pilot-programme"): 1}
    # Row label: the city (zh and en) and the year; sector labels in the column heads.
    assert "武汉市 Wuhan 2022" in chart(html, "heat-sectors")
    assert "科技服务 · Science and technology services" in chart(html, "heat-sectors")
    assert "<svg" in chart(html, "heat-sectors") and 'class="legend"' in chart(html, "heat-sectors")
    assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_compare_page_by_share(client):
    html = client.get("/compare?by=share").get_data(as_text=True)
    body = chart(html, "heat-sectors")
    assert "share of each pilot" in body and "50 % of the pilot" in body
    assert cells(html, "heat-sectors") == {(WUHAN, SECTOR + "science-technology"): 1, (WUHAN, SECTOR + "finance"): 1}


def test_pilot_page_says_there_is_no_other_pilot(client):
    html = client.get("/id/pilot/wuhan-2022.html").get_data(as_text=True)
    assert "Most similar tasks in other pilots" in html
    assert 'id="similar-none"' in html and "only pilot in the graph" in html
    assert 'id="similar-tasks"' not in html


# -- many pilots: geometry ---------------------------------------------------------------------------
def test_charts_scale_to_a_hundred_pilots():
    from pilotkg.server.compare import heat_map, stacked

    pilots = [
        {"iri": f"{ID}pilot/p{i:03}", "label": f"城市{i} City {i} 2025", "title": "", "en": ""} for i in range(100)
    ]
    columns = [{"iri": f"{SECTOR}s{j}", "label": f"行业{j}", "en": f"Sector {j}", "total": 0} for j in range(20)]
    columns.append({"iri": "", "label": "(none)", "en": "", "total": 0})
    counts = {(p["iri"], c["iri"]): (i * j) % 7 for i, p in enumerate(pilots) for j, c in enumerate(columns)}
    heat = heat_map("h", "t", "tasks", pilots, columns, counts)
    assert len(heat.rows) == 100 and all(len(r["cells"]) == 21 for r in heat.rows)
    ys = [r["y"] for r in heat.rows]
    assert ys == sorted(ys) and len(set(ys)) == 100 and heat.body_height == ys[-1] + heat.rows[-1]["h"]
    assert 16 <= heat.rows[0]["h"] <= 30  # short rows: the page scrolls rather than the chart shrinking
    assert heat.rows[0]["cells"][-1]["x"] + heat.rows[0]["cells"][-1]["w"] < heat.width
    assert heat.legend and heat.legend[-1]["text"].endswith("6")  # the scale ends at the largest count
    bars = stacked("s", "t", pilots, columns, counts)
    for row in bars.rows:
        if row["segments"]:
            end = row["segments"][-1]["x"] + row["segments"][-1]["w"]
            assert abs(end - (bars.label_width + bars.bar_width)) < 1e-6  # every bar is 100 %
    assert len(bars.legend) <= 11  # nine colours, "other", "(no type)"
    one = heat_map("h", "t", "tasks", pilots[:1], columns[:2], {(pilots[0]["iri"], columns[0]["iri"]): 3})
    assert one.body_height == one.rows[0]["h"] >= 24 and one.legend[-1]["text"] == "3"


# -- hostile labels ----------------------------------------------------------------------------------
HOSTILE = """
@prefix pilot: <https://w3id.org/pilotkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix pk: <https://w3id.org/pilotkg/id/> .
<https://w3id.org/pilotkg/graph/vocab> {
  pk:sector\\/evil a skos:Concept ; skos:inScheme pk:sector ; skos:prefLabel "<b>恶</b>"@zh , "Evil & <i>co</i>"@en .
  pk:measure-type\\/evil a skos:Concept ; skos:inScheme pk:measure-type ;
      skos:prefLabel "<img src=x onerror=alert(1)>"@zh .
  pk:place\\/evil a pilot:City ; skos:prefLabel "<script>alert('city')</script>"@zh , "Evil\\" onload=\\"x"@en .
}
<https://w3id.org/pilotkg/graph/evil-2024> {
  pk:pilot\\/evil-2024 a pilot:Pilot ; pilot:city pk:place\\/evil ; pilot:year "2024"^^xsd:gYear ;
      skos:prefLabel "</text><script>alert(2)</script>"@zh .
  pk:pilot\\/evil-2024\\/task\\/1-1 a pilot:Task ; pilot:ofPilot pk:pilot\\/evil-2024 ; pilot:taskNumber 1 ;
      pilot:sector pk:sector\\/evil ; pilot:text "支持<script>alert(3)</script>开展国债期货交易。"@zh ;
      pilot:hasMeasure pk:pilot\\/evil-2024\\/task\\/1-1\\/measure\\/1 .
  pk:pilot\\/evil-2024\\/task\\/1-1\\/measure\\/1 a pilot:Measure ; pilot:ofTask pk:pilot\\/evil-2024\\/task\\/1-1 ;
      pilot:measureType pk:measure-type\\/evil ; pilot:text "支持<script>alert(3)</script>开展国债期货交易。"@zh .
}
<https://w3id.org/pilotkg/graph/similarity> {
  pk:pilot\\/evil-2024\\/task\\/1-1 pilot:similarTo pk:pilot\\/wuhan-2022\\/task\\/1-2 .
  pk:pilot\\/wuhan-2022\\/task\\/1-2 pilot:similarTo pk:pilot\\/evil-2024\\/task\\/1-1 .
  pk:similarity\\/x a pilot:Similarity ;
      pilot:between pk:pilot\\/evil-2024\\/task\\/1-1 , pk:pilot\\/wuhan-2022\\/task\\/1-2 ;
      pilot:similarityScore 0.812 ; pilot:method "<em>method</em>" .
}
"""


@pytest.fixture(scope="module")
def hostile_client(trig_store, app_factory):
    text = (FIXTURES / "mini.trig").read_text(encoding="utf-8") + HOSTILE
    return app_factory(trig_store(text)).test_client()


def test_compare_labels_are_escaped(hostile_client):
    html = hostile_client.get("/compare").get_data(as_text=True)
    assert "2 pilots in the graph" in html
    for raw in ("<script>", "<b>恶", "<img", "<i>co", '" onload="', "</text><script>"):
        assert raw not in html, raw
    assert "&lt;script&gt;alert(&#39;city&#39;)&lt;/script&gt;" in html
    assert "&lt;b&gt;恶&lt;/b&gt; · Evil &amp; &lt;i&gt;co&lt;/i&gt;" in html
    assert cells(html, "heat-sectors")[(f"{ID}pilot/evil-2024", SECTOR + "evil")] == 1
    # Sorted by city: "Evil…" before "Wuhan".
    assert row_order(html, "heat-sectors") == [f"{ID}pilot/evil-2024", WUHAN]


def test_pilot_page_similar_task_is_escaped(hostile_client):
    html = hostile_client.get("/id/pilot/wuhan-2022.html").get_data(as_text=True)
    table = html[html.index('id="similar-tasks"') : html.index("</table>", html.index('id="similar-tasks"'))]
    assert "0.812" in table and "alert(3)" in table and "<script>" not in html and "<em>" not in html
    assert 'href="/id/pilot/evil-2024/task/1-1"' in table and 'href="/id/pilot/wuhan-2022/task/1-2"' in table
    assert "<mark>" in table  # the wordings differ: the differing characters are marked


# -- Wuhan and a copy set in Chengdu, built by the real pipeline ---------------------------------------
@pytest.fixture(scope="module")
def two_pilots(tmp_path_factory, app_factory):
    from pilotkg.graph.build import build

    wuhan = SOURCES_DIR / "wuhan-2022.txt"
    text = chengdu_copy(wuhan.read_text(encoding="utf-8"))
    folder = tmp_path_factory.mktemp("two-pilot-sources")
    (folder / "chengdu-2023.txt").write_text(text, encoding="utf-8")
    out = tmp_path_factory.mktemp("two-pilot-build") / "dist"
    build([wuhan, folder / "chengdu-2023.txt"], out)
    client = app_factory(out / "store", out, max_rows=10_000).test_client()
    return client


def _sparql_counts(client, query: str) -> dict[tuple[str, str], int]:
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.data
    return {(b["p"]["value"], b["k"]["value"]): int(b["n"]["value"]) for b in r.get_json()["results"]["bindings"]}


@pytest.mark.slow
def test_compare_two_pilots(two_pilots):
    html = two_pilots.get("/compare").get_data(as_text=True)
    assert "2 pilots in the graph" in html
    assert row_order(html, "heat-sectors") == [CHENGDU, WUHAN]  # by city: Chengdu, Wuhan
    expected = _sparql_counts(
        two_pilots,
        """PREFIX pilot: <https://w3id.org/pilotkg/ontology#>
        SELECT ?p ?k (COUNT(?t) AS ?n) WHERE { ?t a pilot:Task ; pilot:ofPilot ?p .
          OPTIONAL { ?t pilot:sector ?s } BIND(COALESCE(?s, "") AS ?k) } GROUP BY ?p ?k""",
    )
    assert cells(html, "heat-sectors") == expected
    assert sum(n for (p, _k), n in expected.items() if p == WUHAN) == 90
    types = _sparql_counts(
        two_pilots,
        """PREFIX pilot: <https://w3id.org/pilotkg/ontology#>
        SELECT ?p ?k (COUNT(?m) AS ?n) WHERE { ?m a pilot:Measure ; pilot:ofTask/pilot:ofPilot ?p .
          OPTIONAL { ?m pilot:measureType ?y } BIND(COALESCE(?y, "") AS ?k) } GROUP BY ?p ?k""",
    )
    assert cells(html, "heat-types") == types
    # The copy has the same profile as the original.
    assert {k: n for (p, k), n in expected.items() if p == WUHAN} == {
        k: n for (p, k), n in expected.items() if p == CHENGDU
    }
    stacked = cells(html, "chart-types")
    assert sum(n for (p, _k), n in stacked.items() if p == WUHAN) == sum(
        n for (p, _k), n in types.items() if p == WUHAN
    )


@pytest.mark.slow
def test_pilot_page_lists_identical_tasks_of_the_other_pilot(two_pilots):
    html = two_pilots.get("/id/pilot/wuhan-2022.html").get_data(as_text=True)
    assert 'id="similar-none"' not in html
    start = html.index('id="similar-tasks"')
    table = html[start : html.index("</table>", start)]
    rows = re.findall(r"<tr><td class=\"score\">([\d.]+)</td>(.*?)</tr>", table, re.S)
    assert len(rows) == 20  # the top 20
    scores = [float(s) for s, _ in rows]
    assert scores == sorted(scores, reverse=True) and scores[0] == 1.0
    for score, row in rows:
        here = re.findall(r'href="/id/pilot/wuhan-2022/task/(\d+-\d+)"', row)
        there = re.findall(r'href="/id/pilot/chengdu-2023/task/(\d+-\d+)"', row)
        assert here and there, row
        if score == "1.000":  # the same text, but for the place names the comparison masks
            texts = re.findall(r'<td lang="zh"><a [^>]*>[^<]*</a> (.*?)</td>', row, re.S)
            plain = [re.sub(r"</?mark>", "", t) for t in texts]
            assert len(texts) == 2 and mask_places(plain[0]) == mask_places(plain[1])
            assert texts[0] == texts[1] or plain[0] != plain[1]  # marks only where the texts differ
    assert 'href="/id/pilot/chengdu-2023"' in table  # the other pilot, linked
    chengdu = two_pilots.get("/id/pilot/chengdu-2023.html").get_data(as_text=True)
    assert 'href="/id/pilot/wuhan-2022/task/' in chengdu[chengdu.index('id="similar-tasks"') :]


# -- the real graph in dist/ ---------------------------------------------------------------------------
@pytest.mark.slow
def test_compare_on_the_real_graph(app_factory):
    from pilotkg.paths import DIST_DIR

    if not (DIST_DIR / "store").is_dir():
        pytest.skip("no dist/store yet: run `pilotkg build`")
    client = app_factory(DIST_DIR / "store", DIST_DIR, max_rows=10_000, query_timeout=20).test_client()
    html = client.get("/compare").get_data(as_text=True)
    tasks = client.get(
        "/sparql",
        query_string={"query": "SELECT (COUNT(?t) AS ?n) WHERE { ?t a <https://w3id.org/pilotkg/ontology#Task> }"},
        headers={"Accept": "application/sparql-results+json"},
    ).get_json()["results"]["bindings"][0]["n"]["value"]
    assert sum(cells(html, "heat-sectors").values()) == int(tasks) > 0
    # the derived map: the tasks printing no sector, by derived sector, and (none) for the rest
    derived = client.get(
        "/sparql",
        query_string={
            "query": "PREFIX pilot: <https://w3id.org/pilotkg/ontology#> SELECT ?p ?s (COUNT(?t) AS ?n) "
            "WHERE { ?t pilot:ofPilot ?p ; pilot:derivedSector ?s } GROUP BY ?p ?s"
        },
        headers={"Accept": "application/sparql-results+json"},
    ).get_json()["results"]["bindings"]
    expected = {(b["p"]["value"], b["s"]["value"]): int(b["n"]["value"]) for b in derived}
    shown = cells(html, "heat-derived-sectors")
    assert expected and {k: v for k, v in shown.items() if k[1]} == expected
    assert sum(shown.values()) == int(tasks) - sum(v for k, v in cells(html, "heat-sectors").items() if k[1])
    page = client.get("/id/pilot/wuhan-2022.html")
    assert page.status_code == 200 and 'id="similar-elsewhere"' in page.get_data(as_text=True)


def test_chart_labels_are_sized_by_their_drawn_width():
    from pilotkg.server.compare import heat_map, text_px

    pilots = [{"iri": "p1", "label": "武汉市 Wuhan 2022"}, {"iri": "p2", "label": "乌鲁木齐市 Urumqi 2025"}]
    columns = [{"iri": "s", "label": "健康医疗服务", "en": "Health and medical services", "total": 3}]
    chart = heat_map("h", "t", "tasks", pilots, columns, {("p1", "s"): 3})
    assert chart.label_width >= max(text_px(p["label"]) for p in pilots) + 8  # drawn right-aligned at width − 8
    assert text_px("武汉市") > text_px("Wuhan")  # three Chinese characters are wider than five Latin letters


# -- two pilots side by side, task by task -------------------------------------------------------
def test_two_pilots_task_by_task(two_pilots):
    html = two_pilots.get("/compare/wuhan-2022/chengdu-2023").get_data(as_text=True)
    counts = re.search(r'id="alignment-counts">(.*?)</ul>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", counts).split() == [
        "same",
        "wording",
        "90",
        "reworded",
        "0",
        "only",
        "in",
        "wuhan-2022",
        "0",
        "only",
        "in",
        "chengdu-2023",
        "0",
    ]
    rows = re.findall(r'<tr class="(same|reworded|only-a|only-b)"', html)
    assert len(rows) == 90 and set(rows) == {"same"}
    assert 'href="/id/pilot/wuhan-2022/task/1-27"' in html and 'href="/id/pilot/chengdu-2023/task/1-27"' in html
    new = two_pilots.get("/compare/wuhan-2022/chengdu-2023?show=new").get_data(as_text=True)
    assert "No tasks to show." in new
    csv_rows = two_pilots.get("/compare/wuhan-2022/chengdu-2023.csv").get_data(as_text=True).splitlines()
    assert csv_rows[0].startswith("status,task_wuhan-2022,text_wuhan-2022,task_chengdu-2023") and len(csv_rows) == 91
    form = two_pilots.get("/compare/pair?a=wuhan-2022&b=chengdu-2023")
    assert form.status_code == 303 and form.headers["Location"].endswith("/compare/wuhan-2022/chengdu-2023")
    assert 'id="pair-form"' in two_pilots.get("/compare").get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/compare/wuhan-2022/nowhere-2020", 404),
        ("/compare/wuhan-2022/chengdu-2023.xml", 404),
        ("/compare/wuhan-2022/Chengdu%3E%20%7D", 404),  # nothing but a slug reaches a query
        ("/compare/wuhan-2022/chengdu-2023?show=everything", 400),
        ("/compare/pair?a=wuhan-2022&b=%3Cx%3E", 400),
    ],
)
def test_two_pilots_bad_requests(two_pilots, path, status):
    assert two_pilots.get(path).status_code == status
