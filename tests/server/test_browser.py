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
