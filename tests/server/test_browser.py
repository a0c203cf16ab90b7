"""Headless Chromium (Debian's package, driven by Playwright's Python API) against the live server."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (os.path.exists(CHROMIUM) or shutil.which("chromium")),
        reason="Debian's chromium is not installed (/usr/bin/chromium); .ci/run installs it — "
        "no browser is ever downloaded",
    ),
]


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    pg.errors = errors
    yield pg
    context.close()


def test_yasgui_runs_an_example_query(page, live_server):
    page.goto(live_server + "/query")
    page.wait_for_function("window.pilotkgYasgui !== undefined", timeout=20_000)
    page.click("button.example[data-name='01-tasks-per-sector']")
    cells = page.locator(".yasr table.dataTable tbody tr")
    cells.first.wait_for(timeout=20_000)
    text = page.locator(".yasr").inner_text()
    assert "Financial services" in text and "Science and technology services" in text
    assert cells.count() == 2
    assert not page.errors, page.errors


def test_task_page_in_the_browser(page, live_server):
    response = page.goto(live_server + "/id/pilot/wuhan-2022/task/1-1")
    assert response.ok and page.url.endswith("/id/pilot/wuhan-2022/task/1-1.html")
    assert "支持科技企业开展跨境研发合作" in page.locator("#task-text").inner_text()
    assert "科技服务" in page.locator("#task-sector").inner_text()
    assert page.locator("#task-measures tbody tr").count() == 2
    assert "科学技术部" in page.locator("#task-agencies").inner_text()
    # the markup-looking narrative text is shown as text, not run
    assert "<script>alert(1)</script>" in page.locator("#task-wordings").inner_text()
    page.click("#task-sector a")
    assert page.url.endswith("/id/sector/science-technology.html")
    assert not page.errors, page.errors


def test_home_page_in_the_browser(page, live_server):
    page.goto(live_server + "/")
    assert page.locator("#chart-sectors svg rect").count() == 2
    assert page.locator("#count-tasks").inner_text().strip() == "2"
    assert not page.errors, page.errors


@pytest.fixture(scope="module")
def two_plans_server(tmp_path_factory, serve_store):
    """A server over Wuhan and a copy set in Chengdu that rewords one task and drops another."""
    from pilotkg.graph.build import build
    from pilotkg.paths import SOURCES_DIR

    wuhan = SOURCES_DIR / "wuhan-2022.txt"
    text = (
        wuhan.read_text(encoding="utf-8")
        .replace("武汉", "成都")
        .replace("湖北", "四川")
        .replace("2022年12月29日", "2023年3月1日")
        .replace("〔2022〕211号", "〔2023〕45号")
        .replace("争取将", "推动将")
    )
    text = text.replace("\t\t10. 根据科研需要，探索优化对科研机构访问国际学术前沿网站的保障服务。\n", "")
    for n in range(11, 39):
        text = text.replace(f"\t{n}. ", f"\t{n - 1}. ", 1)
    folder = tmp_path_factory.mktemp("browser-two")
    (folder / "chengdu-2023.txt").write_text(text, encoding="utf-8")
    out = tmp_path_factory.mktemp("browser-two-build") / "dist"
    build([wuhan, folder / "chengdu-2023.txt"], out)
    with serve_store(out / "store", folder / "server.log", PILOTKG_DIST=str(out)) as url:
        yield url


def test_two_plans_side_by_side_in_the_browser(page, two_plans_server):
    page.goto(two_plans_server + "/compare")
    page.select_option("#pair-form select[name=a]", "wuhan-2022")
    page.select_option("#pair-form select[name=b]", "chengdu-2023")
    page.click("#pair-form button")
    page.wait_for_url("**/compare/wuhan-2022/chengdu-2023")
    assert page.locator("table#alignment tbody tr").count() == 90  # 89 pairs, and 1-10 only in Wuhan
    page.click("#show-reworded")
    rows = page.locator("table#alignment tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("mark").count() >= 2  # the changed words, on both sides
    assert "争取" in rows.first.inner_text() and "推动" in rows.first.inner_text()
    page.click("#show-new")
    assert page.locator("table#alignment tbody tr.only-a").count() == 1
    assert "only in wuhan-2022" in page.locator("table#alignment").inner_text()
    link = page.locator("table#alignment a").first
    assert link.get_attribute("href").startswith("/id/pilot/wuhan-2022/task/")
    assert page.locator("#alignment-csv").get_attribute("href") == "/compare/wuhan-2022/chengdu-2023.csv"
    assert not page.errors, page.errors


def test_search_from_the_box_on_a_page(page, two_plans_server):
    """Type into the search box of any page, land on /search with the matches marked, filter,
    follow a result."""
    page.goto(two_plans_server + "/compare")
    page.fill("form.site-search input[name=q]", "软件名园")
    page.press("form.site-search input[name=q]", "Enter")
    page.wait_for_url("**/search?q=*")
    results = page.locator("ol.search-results li")
    assert results.count() >= 4  # the task and its measure in both pilots, and the paragraphs
    assert page.locator("ol.search-results mark").first.inner_text() == "软件名园"
    page.fill("form.search-form input[name=pilot]", "chengdu-2023")
    page.select_option("form.search-form select[name=kind]", "task")
    page.click("form.search-form button")
    assert page.locator("ol.search-results li").count() == 1
    page.locator("ol.search-results li a").first.click()
    page.wait_for_url("**/id/pilot/chengdu-2023/task/1-3*")
    assert not page.errors, page.errors


def test_yasgui_links_stay_local_and_a_cut_answer_says_so(page, serve_store, fixture_env, tmp_path):
    """Result links to the dataset's IRIs open the local /id/ pages (the IRIs shown unchanged);
    an answer cut at PILOTKG_MAX_ROWS says so above the results."""
    with serve_store(
        fixture_env["store"],
        tmp_path / "server.log",
        PILOTKG_DIST=str(fixture_env["dist"]),
        PILOTKG_QUERIES=str(fixture_env["queries"]),
        PILOTKG_MAX_ROWS="3",
    ) as url:
        page.goto(url + "/query")
        page.wait_for_function("window.pilotkgYasgui !== undefined", timeout=20_000)
        query = 'SELECT ?s ?o WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), "https://w3id.org/pilotkg/id/")) }'
        page.evaluate("q => { const y = window.pilotkgYasgui.getTab().getYasqe(); y.setValue(q); y.query(); }", query)
        page.locator(".yasr table.dataTable tbody tr").first.wait_for(timeout=20_000)
        notice = page.locator("#truncation-notice")
        notice.wait_for(state="visible", timeout=10_000)
        assert "incomplete" in notice.inner_text() and "3 rows" in notice.inner_text()
        hrefs = page.eval_on_selector_all(
            ".yasr table.dataTable a[href]", "els => els.map(e => e.getAttribute('href'))"
        )
        assert any(h.startswith("/id/") for h in hrefs)
        assert not [h for h in hrefs if h.startswith("https://w3id.org/pilotkg/id/")]
        assert "https://w3id.org/pilotkg/id/" in page.locator(".yasr").inner_text()  # the IRIs as they are
        page.evaluate(
            "q => { const y = window.pilotkgYasgui.getTab().getYasqe(); y.setValue(q); y.query(); }", "ASK {}"
        )
        notice.wait_for(state="hidden", timeout=10_000)
        assert not page.errors, page.errors


PAGES = [
    "/",
    "/query",
    "/sparql",
    "/dumps/",
    "/compare",
    "/search?q=金融",
    "/id/pilot/wuhan-2022.html",
    "/id/pilot/wuhan-2022/task/1-1.html",
    "/id/pilot/wuhan-2022/source.html",
    "/id/sector/finance.html",
]


@pytest.mark.parametrize("width", [1366, 390])
def test_no_page_is_wider_than_the_window(browser, two_plans_server, width):
    """At a laptop's 1,366 px and a phone's 390 px, every page fits its window: long IRIs and
    unbroken Chinese text wrap, wide tables scroll in their own box."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        wide = {}
        for path in PAGES:
            assert page.goto(two_plans_server + path).status == 200, path
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                wide[path] = scroll
        assert not wide, f"wider than {width} px: {wide}"
    finally:
        context.close()


@pytest.mark.parametrize("width", [1366, 390])
def test_yasgui_results_fit_and_read_plainly(browser, two_plans_server, width):
    """The widest example answers stay inside the window (the table scrolls in its box); numbers
    read "1", not "1"^^<…#integer>, and names are whole, not cut to "中国…"."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(two_plans_server + "/query")
        page.wait_for_function("window.pilotkgYasgui !== undefined", timeout=20_000)
        for name in ("pilots", "agencies-by-pilots", "task-list-structure"):
            page.click(f"button.example[data-name='{name}']")
            page.locator(".yasr table.dataTable tbody tr").first.wait_for(timeout=20_000)
            page.wait_for_timeout(200)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, name
            text = page.locator(".yasr table.dataTable").inner_text()
            assert "^^" not in text and "XMLSchema#" not in text, name
            assert "…" not in text, name  # no cell cut short
    finally:
        context.close()
