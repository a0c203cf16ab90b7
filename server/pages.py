"""Home page (dataset summary with charts) and the YASGUI query page."""

from __future__ import annotations

import json
import time
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, render_template, send_from_directory

from pilotkg.query_header import query_header
from pilotkg.server.linkeddata import Labeller
from pilotkg.server.runtime import QueryError, runtime

bp = Blueprint("pages", __name__)

STATIC = Path(__file__).resolve().parent / "static"
VENDOR = STATIC / "vendor" / "yasgui"
PACKAGE_JSON = Path(__file__).resolve().parent / "package.json"
CDN = "https://cdn.jsdelivr.net"


@lru_cache(maxsize=1)
def yasgui_version() -> str:
    try:
        spec = json.loads(PACKAGE_JSON.read_text())["dependencies"]["@zazuko/yasgui"]
        return spec.lstrip("^~=")
    except (OSError, KeyError, ValueError):
        return "4.6.2"


_LOCAL_CHECKED: dict[Path, tuple[float, bool]] = {}  # vendor folder -> (when, answer)
_LOCAL_RECHECK = 10.0  # seconds an answer is kept: `make assets` after start shows up soon after


def yasgui_local() -> bool:
    """Whether YASGUI is served from this site (else a CDN). Every response's CSP depends on it;
    two file checks a request were a tenth of a light query's time in the web process."""
    now = time.monotonic()
    when, answer = _LOCAL_CHECKED.get(VENDOR, (-1e9, False))
    if now - when > _LOCAL_RECHECK:
        answer = (VENDOR / "yasgui.min.js").is_file() and (VENDOR / "yasgui.min.css").is_file()
        _LOCAL_CHECKED[VENDOR] = (now, answer)
    return answer


def yasgui_urls() -> tuple[str, str]:
    if yasgui_local():
        return "/static/vendor/yasgui/yasgui.min.js", "/static/vendor/yasgui/yasgui.min.css"
    base = f"{CDN}/npm/@zazuko/yasgui@{yasgui_version()}/build"
    return f"{base}/yasgui.min.js", f"{base}/yasgui.min.css"


def load_examples(folder: Path) -> list[dict[str, str]]:
    """queries/*.rq with their ``# title:`` and ``# description:`` headers (folder may be empty)."""
    examples = []
    if not folder.is_dir():
        return examples
    for path in sorted(folder.glob("*.rq")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        header = query_header(text)
        meta = {
            "title": header.get("title", path.stem.replace("-", " ").replace("_", " ")),
            "description": header.get("description", ""),
        }
        examples.append({"name": path.stem, **meta, "query": text})
    return examples


def summary() -> dict:
    rt = runtime()

    def compute() -> dict:
        counts_rows = rt.select(
            """SELECT
              (COUNT(DISTINCT ?pilot) AS ?pilots) (COUNT(DISTINCT ?task) AS ?tasks)
              (COUNT(DISTINCT ?measure) AS ?measures) (COUNT(DISTINCT ?table) AS ?tables)
              (COUNT(DISTINCT ?group) AS ?groups) (COUNT(DISTINCT ?agency) AS ?agencies)
              (COUNT(DISTINCT ?sector) AS ?sectors)
            WHERE {
              { ?pilot a pilot:Pilot } UNION { ?task a pilot:Task } UNION { ?measure a pilot:Measure }
              UNION { ?table a pilot:TaskTable } UNION { ?group a pilot:TaskGroup }
              UNION { ?agencyCount pilot:refAgency ?agency }
              UNION { ?sectorCount pilot:refSector ?sector ; pilot:taskCount ?printed FILTER (?printed > 0) }
            }"""  # agencies and sectors (printed) the pilots use, not the vocabularies
        )
        counts = {k: int(v["value"]) for k, v in (counts_rows[0] if counts_rows else {}).items()}
        triples = rt.select(rt.graphs_query("(COUNT(*) AS ?n)", "?s ?p ?o"))
        counts["triples"] = int(triples[0]["n"]["value"]) if triples else 0
        pilots = [r["p"]["value"] for r in rt.select("SELECT ?p WHERE { ?p a pilot:Pilot } ORDER BY ?p")]
        by_sector = rt.select(
            """SELECT ?sector (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a pilot:Task .
              OPTIONAL { ?t pilot:sector ?s0 } BIND(COALESCE(?s0, "") AS ?sector) }
            GROUP BY ?sector ORDER BY DESC(?n) ?sector"""
        )
        by_type = rt.select(
            """SELECT ?type (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a pilot:Measure .
              OPTIONAL { ?m pilot:measureType ?t0 } BIND(COALESCE(?t0, "") AS ?type) }
            GROUP BY ?type ORDER BY DESC(?n) ?type"""
        )
        iris = pilots + [r["sector"]["value"] for r in by_sector] + [r["type"]["value"] for r in by_type]
        label = Labeller([i for i in iris if i])

        def bars(rows: list[dict], var: str) -> list[dict]:
            out = []
            for r in rows:
                iri = r[var]["value"]
                out.append(
                    {
                        "iri": iri,
                        "label": label(iri) if iri else "(none)",
                        "en": label.en(iri) if iri else "",
                        "n": int(r["n"]["value"]),
                    }
                )
            return out

        return {
            "counts": counts,
            "pilots": [{"iri": p, "label": label(p), "en": label.en(p)} for p in pilots],
            "by_sector": bars(by_sector, "sector"),
            "by_type": bars(by_type, "type"),
        }

    return rt.memo("summary", compute)


@bp.route("/")
def home() -> Response:
    """The dataset (the base IRI): this page for browsers, its VoID description for RDF clients."""
    from flask import request

    from pilotkg.server import conneg

    rt = runtime()
    void = rt.settings.dist / "void.ttl"
    offer = conneg.negotiate(request.headers.get("Accept"), ["text/html", "text/turtle"])
    if offer == "text/turtle" and void.is_file():
        response = Response(void.read_bytes(), content_type="text/turtle; charset=utf-8")
        response.headers["Vary"] = "Accept"
        return response
    try:
        data = summary()
        problem = None
    except QueryError as exc:
        data, problem = {"counts": {}, "pilots": [], "by_sector": [], "by_type": []}, str(exc)
    return render_template("home.html", data=data, problem=problem)


@bp.route("/query")
def query_page() -> Response:
    rt = runtime()
    js, css = yasgui_urls()
    return render_template(
        "query.html",
        examples=load_examples(rt.settings.queries),
        yasgui_js=js,
        yasgui_css=css,
        local=yasgui_local(),
    )


@bp.route("/favicon.ico")
def favicon() -> Response:
    return send_from_directory(STATIC, "favicon.svg", mimetype="image/svg+xml", max_age=86400)


@bp.route("/robots.txt")
def robots() -> Response:
    return Response("User-agent: *\nDisallow: /sparql\n", mimetype="text/plain")


@bp.route("/healthz")
def health() -> Response:
    rt = runtime()
    info = rt.pool.ping()
    return Response(json.dumps({"status": "ok", **info}), mimetype="application/json")
