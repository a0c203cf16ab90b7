"""The full-text index behind ``/search``: ``search/search.sqlite`` beside the store.

Chinese has no spaces between words, so the index is SQLite FTS5 with its trigram tokenizer: any
substring of three characters or more is found through it. Most Chinese words have two characters
(``金融``), which no trigram holds, so a second, contentless FTS5 table indexes every text's
overlapping character pairs as tokens (rowids shared with the first): a two-character word is one
token there, a one-character word a prefix. One row per task, measure, narrative paragraph, agency and sector, with
what the filters need (pilot, table, sector, measure type) beside the text. A pilot's rows are
read from the triples of its own named graph as the build writes it (:func:`rows_of_graph`, in the
build's workers), the agencies' and sectors' from the store, so the index holds exactly what the
graph says; it is written into the build's staging folder and published with it, atomically.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

INDEX = Path("search") / "search.sqlite"
COLUMNS = ("text", "label", "iri", "kind", "pilot", "pilot_label", "table_no", "sector", "measure_type")

_PREFIXES = """PREFIX pilot: <https://w3id.org/pilotkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
# One query per kind; every row: ?iri ?text ?label and what is known of ?pilot ?table ?sector ?type.
QUERIES = {
    "task": """SELECT ?iri ?text ?label ?pilot ?pilotLabel ?table ?sector ?type WHERE {
        ?iri a pilot:Task ; pilot:text ?text ; pilot:ofPilot ?pilot ; pilot:inTable ?t .
        ?t pilot:tableNumber ?table .
        OPTIONAL { ?iri rdfs:label ?label FILTER (LANG(?label) = "en") }
        OPTIONAL { ?pilot skos:prefLabel ?pilotLabel FILTER (LANG(?pilotLabel) = "en") }
        OPTIONAL { ?iri pilot:sector ?printed } OPTIONAL { ?iri pilot:derivedSector ?derived }
        BIND (COALESCE(?printed, ?derived) AS ?sector) }""",
    "measure": """SELECT ?iri ?text ?label ?pilot ?pilotLabel ?table ?sector ?type WHERE {
        ?iri a pilot:Measure ; pilot:text ?text ; pilot:ofTask ?task ; pilot:measureType ?type .
        ?task pilot:ofPilot ?pilot ; pilot:inTable ?t . ?t pilot:tableNumber ?table .
        OPTIONAL { ?iri rdfs:label ?label FILTER (LANG(?label) = "en") }
        OPTIONAL { ?pilot skos:prefLabel ?pilotLabel FILTER (LANG(?pilotLabel) = "en") }
        OPTIONAL { ?task pilot:sector ?printed } OPTIONAL { ?task pilot:derivedSector ?derived }
        BIND (COALESCE(?printed, ?derived) AS ?sector) }""",
    "paragraph": """SELECT ?iri ?text ?label ?pilot ?pilotLabel WHERE {
        ?iri a pilot:Paragraph ; pilot:text ?text .
        OPTIONAL { ?iri rdfs:label ?label FILTER (LANG(?label) = "en") }
        BIND (IRI(STRBEFORE(STR(?iri), "/paragraph/")) AS ?pilot)
        OPTIONAL { ?pilot skos:prefLabel ?pilotLabel FILTER (LANG(?pilotLabel) = "en") } }""",
    "agency": """SELECT ?iri (GROUP_CONCAT(DISTINCT ?name; separator=" · ") AS ?text) (SAMPLE(?en) AS ?label) WHERE {
        ?iri a pilot:Agency . { ?iri skos:prefLabel ?name } UNION { ?iri skos:altLabel ?name }
        OPTIONAL { ?iri skos:prefLabel ?en FILTER (LANG(?en) = "en") } } GROUP BY ?iri""",
    "sector": """SELECT ?iri (GROUP_CONCAT(DISTINCT ?name; separator=" · ") AS ?text) (SAMPLE(?en) AS ?label) WHERE {
        ?iri a pilot:Sector . { ?iri skos:prefLabel ?name } UNION { ?iri skos:altLabel ?name }
        OPTIONAL { ?iri skos:prefLabel ?en FILTER (LANG(?en) = "en") } } GROUP BY ?iri""",
}


PILOT = "https://w3id.org/pilotkg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
GRAPH_KINDS = {PILOT + "Task": "task", PILOT + "Measure": "measure", PILOT + "Paragraph": "paragraph"}


_NEEDED = frozenset(
    {
        RDF_TYPE,
        RDFS_LABEL,
        PREF_LABEL,
        *(
            PILOT + p
            for p in ("text", "ofTask", "ofPilot", "inTable", "tableNumber", "sector", "derivedSector", "measureType")
        ),
    }
)


def rows_of_graph(triples: Iterable[ox.Triple]) -> list[tuple]:
    """The index rows of one pilot's graph (tasks, measures, paragraphs), from its triples."""
    props: dict[str, dict[str, list]] = {}
    for s, p, o in triples:
        p = p.value
        if p in _NEEDED:  # about a third of a plan's triples
            props.setdefault(s.value, {}).setdefault(p, []).append(o)

    def one(node: str | None, prop: str, lang: str | None = None) -> str | None:
        for value in props.get(node or "", {}).get(prop, ()):
            if lang is None or getattr(value, "language", None) == lang:
                return value.value
        return None

    out = []
    for node, values in props.items():
        kind = next((GRAPH_KINDS[t.value] for t in values.get(RDF_TYPE, ()) if t.value in GRAPH_KINDS), None)
        if kind is None:
            continue
        task = one(node, PILOT + "ofTask") if kind == "measure" else node
        pilot = str(node).split("/paragraph/", 1)[0] if kind == "paragraph" else one(task, PILOT + "ofPilot")
        table = one(one(task, PILOT + "inTable"), PILOT + "tableNumber") if kind != "paragraph" else None
        sector = None
        if kind != "paragraph":
            sector = one(task, PILOT + "sector") or one(task, PILOT + "derivedSector")
        out.append(
            (
                one(node, PILOT + "text") or "",
                one(node, RDFS_LABEL, "en") or "",
                str(node),
                kind,
                pilot,
                one(pilot, PREF_LABEL, "en"),
                int(table) if table is not None else None,
                sector,
                one(node, PILOT + "measureType") if kind == "measure" else None,
            )
        )
    return sorted(out, key=lambda r: (list(GRAPH_KINDS.values()).index(r[3]), r[2]))


def _value(solution: ox.QuerySolution, name: str) -> str | None:
    term = solution[name]
    return None if term is None else term.value


def rows(store: ox.Store, kinds: tuple[str, ...] = tuple(QUERIES)) -> list[tuple]:
    """The index rows of ``kinds`` read from the store, in a stable order (kind, then IRI)."""
    out = []
    for kind in kinds:
        query = QUERIES[kind]
        found = []
        for s in store.query(_PREFIXES + query, use_default_graph_as_union=True):
            table = _value(s, "table") if "?table" in query else None
            found.append(
                (
                    _value(s, "text") or "",
                    _value(s, "label") or "",
                    _value(s, "iri"),
                    kind,
                    _value(s, "pilot") if "?pilot" in query else None,
                    _value(s, "pilotLabel") if "?pilotLabel" in query else None,
                    int(table) if table is not None else None,
                    _value(s, "sector") if "?sector" in query else None,
                    _value(s, "type") if "?type" in query else None,
                )
            )
        out += sorted(found, key=lambda r: r[2])
    return out


def pairs(text: str) -> str:
    """The overlapping character pairs of ``text``, space-separated (white space dropped)."""
    chars = "".join(text.split())
    return " ".join(chars[i : i + 2] for i in range(len(chars) - 1))


def write_index(store: ox.Store, folder: Path, pilot_rows: list[tuple] | None = None) -> Path:
    """Write ``folder/search/search.sqlite``; its path. ``pilot_rows``: the pilots' rows from
    :func:`rows_of_graph` (read from ``store`` when not given); agencies and sectors always are."""
    path = folder / INDEX
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        db.execute(
            "CREATE VIRTUAL TABLE entries USING fts5(text, label, "
            + ", ".join(f"{c} UNINDEXED" for c in COLUMNS[2:])
            + ", tokenize='trigram')"
        )
        db.execute("CREATE VIRTUAL TABLE pairs USING fts5(grams, content='', tokenize='unicode61 remove_diacritics 0')")
        found = rows(store) if pilot_rows is None else list(pilot_rows) + rows(store, ("agency", "sector"))
        db.executemany(f"INSERT INTO entries VALUES ({', '.join('?' * len(COLUMNS))})", found)
        db.executemany(
            "INSERT INTO pairs(rowid, grams) VALUES (?, ?)",
            ((rowid, pairs(row[0])) for rowid, row in enumerate(found, start=1)),
        )
        # the filters' columns again in a plain table, so a filter reads no text (rowids shared)
        db.execute("CREATE TABLE meta (rowid INTEGER PRIMARY KEY, kind, pilot, table_no, sector, measure_type)")
        db.executemany(
            "INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?)",
            ((rowid, row[3], row[4], row[6], row[7], row[8]) for rowid, row in enumerate(found, start=1)),
        )
        for column in ("kind", "pilot", "table_no", "sector", "measure_type"):
            db.execute(f"CREATE INDEX meta_{column} ON meta ({column})")
        for table in ("entries", "pairs"):
            db.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
        db.commit()
    finally:
        db.close()
    return path
