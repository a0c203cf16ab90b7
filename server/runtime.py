"""Per-app state: settings, the query pool, prefixes and small cached look-ups."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from pilotkg.server.config import Settings
from pilotkg.server.engine import Job
from pilotkg.server.pool import QueryPool

ONTOLOGY_NS = "https://w3id.org/pilotkg/ontology#"
STANDARD_PREFIXES = {
    "pilot": ONTOLOGY_NS,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
}


class QueryError(RuntimeError):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class Runtime:
    settings: Settings
    pool: QueryPool
    prefixes: dict[str, str]
    _memo: dict[str, Any] = field(default_factory=dict)
    _memo_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, settings: Settings) -> Runtime:
        prefixes = {**STANDARD_PREFIXES, "pk": settings.id_prefix}
        return cls(settings=settings, pool=QueryPool(settings), prefixes=prefixes)

    def sparql_prologue(self) -> str:
        return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in self.prefixes.items())

    # -- internal queries -----------------------------------------------------------------
    def select(self, query: str, max_rows: int = 100_000) -> list[dict[str, dict]]:
        """Run a trusted SELECT built by the server; rows as SPARQL-JSON bindings."""
        job = Job(
            query=self.sparql_prologue() + query,
            result_format="json",
            graph_format=None,
            max_rows=max_rows,
            trusted=True,
        )
        answer = self.pool.run(job)
        if answer.status != 200:
            raise QueryError(answer.status, answer.message)
        return json.loads(answer.body)["results"]["bindings"]

    def ask(self, query: str) -> bool:
        job = Job(query=self.sparql_prologue() + query, result_format="json", graph_format=None, trusted=True)
        answer = self.pool.run(job)
        if answer.status != 200:
            raise QueryError(answer.status, answer.message)
        return bool(json.loads(answer.body)["boolean"])

    def construct(self, query: str, fmt: str, max_rows: int = 100_000) -> tuple[bytes, str]:
        job = Job(
            query=self.sparql_prologue() + query,
            result_format=None,
            graph_format=fmt,
            max_rows=max_rows,
            prefixes=self.prefixes,
            trusted=True,
        )
        answer = self.pool.run(job)
        if answer.status != 200:
            raise QueryError(answer.status, answer.message)
        return answer.body, answer.content_type

    def memo(self, key: str, compute):
        """Cache a computed value for the life of the process (the store is read-only)."""
        with self._memo_lock:
            if key in self._memo:
                return self._memo[key]
        value = compute()
        with self._memo_lock:
            self._memo[key] = value
        return value

    # -- service description --------------------------------------------------------------
    def named_graphs(self) -> list[str]:
        rows = self.memo("graphs", lambda: self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g"))
        return [r["g"]["value"] for r in rows]

    def service_description(self, endpoint: str) -> bytes:
        formats = "http://www.w3.org/ns/formats/"
        result_formats = ", ".join(
            f"<{formats}{name}>"
            for name in (
                "SPARQL_Results_JSON",
                "SPARQL_Results_XML",
                "SPARQL_Results_CSV",
                "SPARQL_Results_TSV",
                "Turtle",
                "N-Triples",
                "RDF_XML",
                "JSON-LD",
            )
        )
        try:
            graphs = self.named_graphs()
        except QueryError:
            graphs = []
        named = "".join(f"      sd:namedGraph [ a sd:NamedGraph ; sd:name <{g}> ] ;\n" for g in graphs if ">" not in g)
        description = (
            "Read-only SPARQL 1.1 endpoint of pilotkg. Updates answer 403; SERVICE is refused unless "
            f"allow-listed; queries stop after {self.settings.query_timeout:g} s; answers hold at most "
            f"{self.settings.max_rows} rows."
        )
        ttl = f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

<{endpoint}> a sd:Service ;
  sd:endpoint <{endpoint}> ;
  sd:supportedLanguage sd:SPARQL11Query ;
  sd:feature sd:UnionDefaultGraph ;
  sd:resultFormat {result_formats} ;
  dcterms:description "{description}" ;
  sd:defaultDataset [
      a sd:Dataset ;
      sd:defaultGraph [ a sd:Graph ; dcterms:description "The union of all named graphs." ] ;
{named}  ] .
"""
        return ttl.encode("utf-8")


def runtime() -> Runtime:
    return current_app.extensions["pilotkg"]
