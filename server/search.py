"""``/search?q=…``: tasks, measures, paragraphs, agencies and sectors whose text holds the words,
ranked, with the matches marked, filters and paging; HTML or JSON.

Reads the build's FTS5 index (graph/search_index.py: ``search/search.sqlite`` beside the store of
the build being served) read-only, one connection per thread. Words of three characters or more
go through the trigram index (ranked by bm25); shorter ones — most Chinese words have two
characters — through the index of character pairs, and are then checked as substrings.
"""

from __future__ import annotations

import html
import re
import sqlite3
import threading
from pathlib import Path

from flask import Blueprint, Response, jsonify, render_template, request
from markupsafe import Markup

from pilotkg.graph.search_index import INDEX
from pilotkg.server import conneg
from pilotkg.server.runtime import runtime
from pilotkg.server.sparql import error

bp = Blueprint("search", __name__)

PAGE_SIZE = 20
MAX_PAGE = 500
MAX_QUERY_CHARS = 200
MAX_WORDS = 8
MAX_COUNT = 10_000  # matches counted beyond this are reported as "10,000+"
KINDS = ("task", "measure", "paragraph", "agency", "sector")
SNIPPET = 80  # characters around the first match in a long text
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")
_local = threading.local()


def index_path() -> Path:
    rt = runtime()
    return (rt.serving or rt.settings.store).parent / INDEX


def connection(path: Path) -> sqlite3.Connection | None:
    """This thread's read-only connection to ``path`` (a new build: a new connection)."""
    cached = getattr(_local, "connections", None)
    if cached is None:
        cached = _local.connections = {}
    db = cached.get(path)
    if db is None:
        if not path.is_file():
            return None
        db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        for old in list(cached):  # one build served at a time: let go of the previous index
            cached.pop(old).close()
        cached[path] = db
    return db


def _filters(args) -> tuple[dict[str, str | int], str | None]:
    """The filters asked for, as index values; or a message naming the bad parameter."""
    base = runtime().settings.id_prefix
    out: dict[str, str | int] = {}
    for name, column, kind in (
        ("pilot", "pilot", "pilot"),
        ("sector", "sector", "sector"),
        ("type", "measure_type", "measure-type"),
    ):
        value = args.get(name, "").strip()
        if value:
            if not SLUG.match(value):
                return {}, f"Parameter '{name}' must be a slug such as wuhan-2022, finance or permit."
            out[column] = f"{base}{kind}/{value}"
    table = args.get("table", "").strip()
    if table:
        if not table.isdigit() or not 0 < int(table) < 100:
            return {}, "Parameter 'table' must be a table number (1, 2, …)."
        out["table_no"] = int(table)
    kind = args.get("kind", "").strip()
    if kind:
        if kind not in KINDS:
            return {}, f"Parameter 'kind' must be one of {', '.join(KINDS)}."
        out["kind"] = kind
    return out, None


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def search(db: sqlite3.Connection, q: str, filters: dict[str, str | int], page: int) -> tuple[list[dict], int]:
    """One page of matches for the words of ``q`` (all of them), best first (bm25 of the index
    that found them), and how many match (counted up to MAX_COUNT + 1). A one-character word is
    found as the first character of a pair, so a text holding it only as its last character is
    missed."""
    words = list(dict.fromkeys(q.split()))[:MAX_WORDS]
    long = [w for w in words if len(w) >= 3]
    short = " ".join(_phrase(w) + ("*" if len(w) == 1 else "") for w in words if len(w) < 3)
    if long:  # through the trigram index; short words narrow it through the pairs
        match = "SELECT rowid, rank FROM entries WHERE entries MATCH ?"
        params: list = [" ".join(_phrase(w) for w in long)]
        if short:
            match += " AND rowid IN (SELECT rowid FROM pairs WHERE pairs MATCH ?)"
            params.append(short)
    else:
        match, params = "SELECT rowid, rank FROM pairs WHERE pairs MATCH ?", [short]
    source = f"({match}) AS m"
    if filters:  # column names come from _filters, never from the request
        # CROSS JOIN keeps SQLite to this order: the matches first, then one rowid look-up each
        source += " CROSS JOIN meta ON meta.rowid = m.rowid WHERE " + " AND ".join(f"meta.{c} = ?" for c in filters)
        params += list(filters.values())
    total = db.execute(f"SELECT count(*) FROM (SELECT 1 FROM {source} LIMIT {MAX_COUNT + 1})", params).fetchone()[0]
    ids = [
        r[0]
        for r in db.execute(
            f"SELECT m.rowid FROM {source} ORDER BY m.rank, m.rowid LIMIT ? OFFSET ?",
            [*params, PAGE_SIZE, (page - 1) * PAGE_SIZE],
        )
    ]
    if not ids:
        return [], total
    keys = ("iri", "kind", "label", "text", "pilot", "pilot_label", "table", "sector", "measure_type")
    found = {
        r[0]: dict(zip(keys, r[1:], strict=True))
        for r in db.execute(
            "SELECT rowid, iri, kind, label, text, pilot, pilot_label, table_no, sector, measure_type FROM entries "
            f"WHERE rowid IN ({', '.join('?' * len(ids))})",
            ids,
        )
    }
    return [found[i] for i in ids], total


def marked(text: str, words: list[str]) -> Markup:
    """``text`` escaped, cut to a window around the first match when long, matches in <mark>."""
    spans = sorted((m.start(), m.end()) for w in words for m in re.finditer(re.escape(w), text))
    start = 0
    end = len(text)
    if len(text) > 2 * SNIPPET and spans:
        start = max(0, spans[0][0] - SNIPPET)
        end = min(len(text), spans[0][1] + SNIPPET)
    out, at = [], start
    for a, b in spans:
        if a < at or b > end:
            continue
        out += [html.escape(text[at:a]), "<mark>", html.escape(text[a:b]), "</mark>"]
        at = b
    out.append(html.escape(text[at:end]))
    return Markup(("…" if start > 0 else "") + "".join(out) + ("…" if end < len(text) else ""))


@bp.route("/search")
def search_page() -> Response:
    q = " ".join(request.args.get("q", "").split())
    wants_json = (
        request.args.get("format") == "json"
        or conneg.negotiate(request.headers.get("Accept"), ["text/html", "application/json"]) == "application/json"
    )
    if len(q) > MAX_QUERY_CHARS:
        return error(400, f"Parameter 'q' is longer than {MAX_QUERY_CHARS} characters.")
    page_text = request.args.get("page", "1")
    if not page_text.isdigit() or not 1 <= int(page_text) <= MAX_PAGE:
        return error(400, f"Parameter 'page' must be a number from 1 to {MAX_PAGE}.")
    page = int(page_text)
    filters, problem = _filters(request.args)
    if problem:
        return error(400, problem)
    db = connection(index_path())
    results: list[dict] = []
    total = 0
    if db is None:
        if wants_json:
            return error(503, "This build has no search index; run `pilotkg build` again.")
    elif q:
        results, total = search(db, q, filters, page)
    words = q.split()
    if wants_json:
        return jsonify(
            {
                "q": q,
                "page": page,
                "pageSize": PAGE_SIZE,
                "total": total,
                "totalIsLowerBound": total > MAX_COUNT,
                "results": [{**r, "href": _href(r["iri"])} for r in results],
            }
        )
    for r in results:
        r["snippet"] = marked(r["text"], words)
        r["href"] = _href(r["iri"])
    return render_template(
        "search.html",
        q=q,
        results=results,
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        max_count=MAX_COUNT,
        filters=request.args,
        kinds=KINDS,
        no_index=db is None,
    )


def _href(iri: str) -> str:
    from pilotkg.server.linkeddata import local_href

    return local_href(iri)
