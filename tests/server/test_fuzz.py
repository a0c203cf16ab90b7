"""Fuzzing the endpoint with a fixed seed: 6,000 generated requests — mutated paths, parameters,
headers and SPARQL queries — and not one answer 5xx. Bounded: in-process (Flask's test client),
queries with a short deadline."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

SEED = 20261201
PATHS = [
    "/",
    "/sparql",
    "/id/pilot/wuhan-2022",
    "/id/pilot/wuhan-2022/task/1-1",
    "/id/sector/finance",
    "/graph/vocab",
    "/dumps/",
    "/dumps/pilotkg.ttl",
    "/compare",
    "/compare/a-1/b-2",
    "/compare/pair",
    "/ontology",
    "/query",
    "/healthz",
    "/void",
    "/id/agency/mofcom.html",
    "/id/pilot/x.ttl",
    "/static/style.css",
]
PIECES = [
    "%00",
    "%01",
    "%25",
    "%25zz",
    "%7F",
    "%C2%80",
    "%ff",
    "%2e%2e/",
    "../",
    "//",
    "\\",
    "%2F",
    ";",
    "?",
    "#",
    "é",
    "武汉",
    "\u202e",
    "%E2%80%AE",
    " ",
    "%20",
    "~",
    "'",
    '"',
    "<script>",
    ".json",
    ".html",
    ".nt",
    "x" * 300,
]
ACCEPTS = [
    None,
    "*/*",
    "text/html",
    "application/json",
    "application/sparql-results+json",
    "text/turtle",
    "application/ld+json",
    "application/rdf+xml",
    "text/csv",
    "foo/bar",
    "text/html;q=0",
    "*/*;q=abc",
    "application/sparql-results+xml, */*;q=0.1",
    "\x00",
    "a" * 500,
]
FORMATS = [None, "json", "xml", "csv", "tsv", "n3", "rdf+xml", "turtle", "json-ld", "nonsense", "", "JSON", "\x01"]
TOKENS = [
    "SELECT",
    "*",
    "WHERE",
    "{",
    "}",
    "(",
    ")",
    "?s",
    "?p",
    "?o",
    ".",
    ";",
    ",",
    "FILTER",
    "OPTIONAL",
    "UNION",
    "GRAPH",
    "<urn:x>",
    "<https://w3id.org/pilotkg/ontology#Task>",
    '"x"',
    "'y'@zh",
    "1",
    "1.5",
    "1e3",
    "true",
    "a",
    "COUNT",
    "DISTINCT",
    "AS",
    "?n",
    "LIMIT",
    "10",
    "ORDER",
    "BY",
    "DESC",
    "GROUP",
    "BIND",
    "VALUES",
    "SERVICE",
    "<http://127.0.0.1:1/>",
    "INSERT",
    "DATA",
    "DELETE",
    "LOAD",
    "#",
    "\r",
    "\n",
    "\\u0053",
    "<<",
    ">>",
    "<<(",
    ")>>",
    "^^",
    "|",
    "/",
    "^",
    "!",
    "+",
    "-",
    "ASK",
    "CONSTRUCT",
    "DESCRIBE",
    "FROM",
    "NAMED",
    "PREFIX",
    "pilot:",
    "BASE",
    "EXISTS",
    "NOT",
    "MINUS",
    "REGEX",
    "STR",
    "LANG",
    "TRIPLE",
    "isTRIPLE",
]


def queries_of(folder: Path) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.rq"))]


def mutate(rng: random.Random, text: str) -> str:
    choice = rng.randrange(6)
    if choice == 0:  # cut it short
        return text[: rng.randrange(len(text) + 1)]
    if choice == 1:  # insert tokens
        at = rng.randrange(len(text) + 1)
        return text[:at] + " ".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 6))) + text[at:]
    if choice == 2:  # drop a slice
        a = rng.randrange(len(text) + 1)
        return text[:a] + text[a + rng.randint(1, 40) :]
    if choice == 3:  # replace a character by a random one
        if not text:
            return text
        at = rng.randrange(len(text))
        odd = chr(rng.choice([rng.randrange(32), rng.randrange(32, 0x2FFF), 0xFFFD, 0x10FFFF]))
        return text[:at] + odd + text[at + 1 :]
    if choice == 4:  # tokens only
        return " ".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 30)))
    return text


@pytest.mark.slow
def test_six_thousand_generated_requests_never_answer_5xx(app_factory, fixture_env):
    app = app_factory(fixture_env["store"], query_timeout=2, fast_budget=0.5)
    client = app.test_client()
    rng = random.Random(SEED)
    examples = queries_of(fixture_env["queries"]) or ["SELECT * WHERE { ?s ?p ?o } LIMIT 1"]
    failures = []
    for n in range(6000):
        accept = rng.choice(ACCEPTS)
        headers = {"Accept": accept} if accept is not None else {}
        kind = rng.randrange(3)
        if kind == 0:  # a mutated path
            path = rng.choice(PATHS)
            for _ in range(rng.randint(1, 3)):
                at = rng.randrange(len(path) + 1)
                path = path[:at] + rng.choice(PIECES) + path[at:]
            method = rng.choice(["GET", "GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE"])
            response = client.open(path, method=method, headers=headers)
        else:  # a mutated query, by GET or POST
            query = mutate(rng, rng.choice(examples))
            args = {"query": query}
            fmt = rng.choice(FORMATS)
            if fmt is not None:
                args["format"] = fmt
            if rng.random() < 0.1:
                args["default-graph-uri"] = rng.choice(["urn:g", "https://w3id.org/pilotkg/graph/vocab", "x", "%"])
            if kind == 1:
                response = client.get("/sparql", query_string=args, headers=headers)
            elif rng.random() < 0.5:
                response = client.post(
                    "/sparql",
                    data=query.encode("utf-8", "surrogatepass"),
                    headers={**headers, "Content-Type": "application/sparql-query"},
                )
            else:
                response = client.post("/sparql", data=args, headers=headers)
        if response.status_code >= 500 and response.status_code != 503:
            failures.append((n, response.status_code, response.get_data(as_text=True)[:200]))
        elif response.status_code == 503 and b"time limit" not in response.data and b"busy" not in response.data:
            failures.append((n, 503, response.get_data(as_text=True)[:200]))
    assert failures == [], failures[:10]
