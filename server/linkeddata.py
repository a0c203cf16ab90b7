"""Linked Data: every IRI under ``{BASE}id/`` dereferences at ``/id/…``.

Following the W3C "Cool URIs for the Semantic Web" note (303 variant): ``/id/x`` names the thing
itself, so it answers ``303 See Other`` pointing at a document about it, chosen by Accept —
``/id/x.html`` (browsers), ``/id/x.ttl``, ``/id/x.nt``, ``/id/x.jsonld`` or ``/id/x.rdf``. Those
document URLs answer 200 directly. An IRI the graph does not mention answers 404.
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import quote

import pyoxigraph as ox
from flask import Blueprint, Response, abort, redirect, render_template, request

from pilotkg.prefixes import compact
from pilotkg.server import conneg
from pilotkg.server.runtime import ONTOLOGY_NS, QueryError, runtime

bp = Blueprint("linkeddata", __name__)

EXTENSIONS = {  # extension -> (graph format or "html", media type)
    "html": ("html", "text/html"),
    "ttl": ("turtle", "text/turtle"),
    "nt": ("ntriples", "application/n-triples"),
    "jsonld": ("jsonld", "application/ld+json"),
    "rdf": ("rdfxml", "application/rdf+xml"),
}
OFFERS = {media: ext for ext, (_fmt, media) in EXTENSIONS.items()}
OFFERS["application/json"] = "jsonld"  # as /sparql answers it: JSON-LD is the JSON form of RDF
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL_PROPS = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
)


def local_href(iri: str) -> str:
    """Where an IRI is browsed on this server (itself when it is not ours)."""
    rt = runtime()
    if iri.startswith(rt.settings.id_prefix):
        return "/id/" + iri[len(rt.settings.id_prefix) :]
    if iri.startswith(ONTOLOGY_NS) or iri.startswith("https://w3id.org/pilotkg/ontology"):
        return "/ontology"
    return iri


def _iri_ok(iri: str) -> bool:
    """Whether ``iri`` can stand between < > in a query: no characters IRIs forbid, no control
    characters (C0, DEL, C1: a name such as a%01b made a malformed query, answered 500)."""
    if any(c in '<>" {}|\\^`' or ord(c) < 0x21 or 0x7F <= ord(c) <= 0x9F for c in iri):
        return False
    try:
        ox.NamedNode(iri)  # the engine's own IRI parser: a stray % (%zz) or a U+FFFD fails here
    except ValueError:
        return False
    return True


@bp.route("/id/", defaults={"rest": ""})
@bp.route("/id/<path:rest>")
def resource(rest: str) -> Response:
    rt = runtime()
    ext = None
    stem = rest
    if "." in rest.rsplit("/", 1)[-1]:
        candidate, _, suffix = rest.rpartition(".")
        if suffix in EXTENSIONS:
            stem, ext = candidate, suffix
    iri = rt.settings.id_prefix + stem
    if not stem or not _iri_ok(iri) or not exists(iri):
        abort(404, description=f"Nothing in this graph is named <{iri}>.")
    if ext is None:
        offer = conneg.negotiate(request.headers.get("Accept"), list(OFFERS))
        if offer is None:
            abort(406, description="Available as " + ", ".join(OFFERS) + ".")
        target = "/id/" + quote(stem, safe="/-._~!$&'()*+,;=:@") + "." + OFFERS[offer]
        response = redirect(target, code=303)
        response.headers["Vary"] = "Accept"
        return response
    fmt, _media = EXTENSIONS[ext]
    if fmt == "html":
        response = Response(render_page(iri), mimetype="text/html")
    else:
        body, content_type = rt.construct(
            f"CONSTRUCT {{ <{iri}> ?p ?o . ?s ?q <{iri}> }} WHERE {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?q <{iri}> }} }}",
            fmt,
        )
        response = Response(body, content_type=content_type)
    links = [f'<{iri}>; rel="describes"'] + [
        f'</id/{quote(stem)}.{e}>; rel="alternate"; type="{m}"' for e, (_f, m) in EXTENSIONS.items() if e != ext
    ]
    response.headers["Link"] = ", ".join(links)
    return response


@bp.route("/graph/<name>")
def named_graph(name: str) -> Response:
    """A named graph ``{BASE}graph/{name}``: its triples by Accept or extension, or a small page."""
    rt = runtime()
    ext = None
    stem = name
    if "." in name:
        candidate, _, suffix = name.rpartition(".")
        if suffix in EXTENSIONS:
            stem, ext = candidate, suffix
    iri = rt.settings.base + "graph/" + stem
    if not _iri_ok(iri) or not rt.ask(f"ASK {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"):
        abort(404, description=f"No graph named <{iri}>.")
    if ext is None:
        offer = conneg.negotiate(request.headers.get("Accept"), list(OFFERS))
        if offer is None:
            abort(406, description="Available as " + ", ".join(OFFERS) + ".")
        response = redirect(f"/graph/{quote(stem)}.{OFFERS[offer]}", code=303)
        response.headers["Vary"] = "Accept"
        return response
    fmt, _media = EXTENSIONS[ext]
    if fmt == "html":
        rows = rt.select(
            f"SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s a ?class }} }} "
            "GROUP BY ?class ORDER BY DESC(?n)"
        )
        size = rt.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
        classes = [(r["class"]["value"], int(r["n"]["value"])) for r in rows]
        return Response(
            render_template(
                "graph.html",
                iri=iri,
                stem=stem,
                triples=int(size[0]["n"]["value"]) if size else 0,
                classes=classes,
                short=short_name,
                extensions=EXTENSIONS,
            ),
            mimetype="text/html",
        )
    body, content_type = rt.construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}", fmt, max_rows=1_000_000
    )
    response = Response(body, content_type=content_type)
    response.headers["Link"] = f'<{iri}>; rel="describes"'
    return response


def exists(iri: str) -> bool:
    try:
        return runtime().ask(f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}")
    except QueryError:
        return False


# -- page data -------------------------------------------------------------------------------
class Term(dict):
    """A SPARQL-JSON term with helpers for templates."""

    @property
    def iri(self) -> bool:
        return self.get("type") == "uri"

    @property
    def value(self) -> str:
        return self["value"]

    @property
    def lang(self) -> str:
        return self.get("xml:lang", "")


LABEL_PROPERTIES = ("skos:prefLabel", "rdfs:label", "dcterms:title", "pilot:heading")  # by precedence


def labels_for(iris: list[str]) -> dict[str, dict[str, str]]:
    """IRI → language → label (the first of LABEL_PROPERTIES that has one in that language)."""
    iris = [i for i in dict.fromkeys(iris) if _iri_ok(i)]
    out: dict[str, dict[str, str]] = defaultdict(dict)
    rt = runtime()
    precedence = {rt.prefixes[p.split(":")[0]] + p.split(":")[1]: n for n, p in enumerate(LABEL_PROPERTIES)}
    for start in range(0, len(iris), 400):
        values = " ".join(f"<{i}>" for i in iris[start : start + 400])
        # The subjects' own triples, filtered: Oxigraph starts from the IRIs (a second VALUES for the
        # properties would make it scan every label of the graph first: 0.6 s for 400 pilots).
        rows = rt.select(
            f"SELECT ?s ?p ?l WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?l "
            f"FILTER (?p IN ({', '.join(LABEL_PROPERTIES)})) }}"
        )
        rows.sort(key=lambda row: precedence[row["p"]["value"]])
        for row in rows:
            lang = row["l"].get("xml:lang", "")
            out[row["s"]["value"]].setdefault(lang, row["l"]["value"])
    return out


def best_label(labels: dict[str, str], iri: str) -> str:
    for lang in ("zh", "zh-cn", "zh-hans", "", "en"):
        if lang in labels:
            return labels[lang]
    if labels:
        return next(iter(labels.values()))
    return short_name(iri)


def short_name(iri: str) -> str:
    """``prefix:local`` where that is valid SPARQL as printed (``sector:finance``), else the IRI."""
    return compact(iri, runtime().prefixes) or iri


class Labeller:
    def __init__(self, iris: list[str]):
        self.table = labels_for(iris)

    def __call__(self, iri: str) -> str:
        return best_label(self.table.get(iri, {}), iri)

    def en(self, iri: str) -> str:
        return self.table.get(iri, {}).get("en", "")


def render_page(iri: str) -> str:
    rt = runtime()
    # DISTINCT: a statement held in several named graphs (a pilot's and the vocabulary) shows once
    out_rows = rt.select(f"SELECT DISTINCT ?p ?o WHERE {{ <{iri}> ?p ?o }}", max_rows=5000)
    in_rows = rt.select(f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p <{iri}> }} ORDER BY ?p ?s LIMIT 1000", max_rows=1000)
    types = [r["o"]["value"] for r in out_rows if r["p"]["value"] == RDF_TYPE]
    mentioned = [iri, *types]
    for r in out_rows:
        mentioned.append(r["p"]["value"])
        if r["o"]["type"] == "uri":
            mentioned.append(r["o"]["value"])
    for r in in_rows:
        mentioned += [r["s"]["value"], r["p"]["value"]]
    extra = _specific(iri, types)
    mentioned += extra.pop("_iris", [])
    label = Labeller(mentioned)
    outgoing: dict[str, list[Term]] = defaultdict(list)
    for r in out_rows:
        outgoing[r["p"]["value"]].append(Term(r["o"]))
    incoming: dict[str, list[str]] = defaultdict(list)
    for r in in_rows:
        incoming[r["p"]["value"]].append(r["s"]["value"])
    kind = next((t.rsplit("#", 1)[-1] for t in types if t.startswith(ONTOLOGY_NS)), None)
    if kind is None and "http://www.w3.org/2004/02/skos/core#Concept" in types:
        kind = "Concept"
    if kind is None and "http://www.w3.org/ns/org#Organization" in types:
        kind = "Agency"
    title = label(iri)
    if title == short_name(iri):
        task = extra.get("task")
        if task and task.get("number"):
            prefix = f"{task['tableNumber']}-" if task.get("tableNumber") else ""
            title = f"Task {prefix}{task['number']}"
        else:
            title = _fallback_title(kind, outgoing) or title
    return render_template(
        "resource.html",
        iri=iri,
        title=title,
        title_en=label.en(iri),
        types=types,
        kind=kind,
        outgoing=outgoing,
        incoming=incoming,
        label=label,
        short=short_name,
        extensions=EXTENSIONS,
        x=extra,
        schema_org=schema_org(iri, kind, title, label.en(iri), outgoing),
    )


# What schema.org calls each kind of resource: a plan, its notice and their parts are Legislation
# (hasPart / isPartOf), an agency a GovernmentOrganization, a place a Place, a concept a
# DefinedTerm; anything else a Thing.
SCHEMA_TYPES = {
    **dict.fromkeys(("PlanDocument", "Notice", "Approval"), "Legislation"),
    **dict.fromkeys(("Section", "Paragraph", "TaskTable", "TaskGroup", "Task", "Measure"), "Legislation"),
    "Agency": "GovernmentOrganization",
    **dict.fromkeys(("City", "Province", "Place"), "Place"),
    **dict.fromkeys(("Concept", "Sector", "MeasureType", "Category"), "DefinedTerm"),
}
PLAN_PARTS = ("Section", "Paragraph", "TaskTable", "TaskGroup", "Task", "Measure")


def schema_org(iri: str, kind: str | None, title: str, title_en: str, outgoing: dict) -> dict:
    """The page's resource as schema.org JSON-LD, embedded for search engines and browser tools;
    only what the graph states (names, the document it is part of, its issue date)."""
    item: dict[str, object] = {"@context": "https://schema.org", "@type": SCHEMA_TYPES.get(kind or "", "Thing")}
    item["@id"] = iri
    item["name"] = title
    if title_en and title_en != title:
        item["alternateName"] = title_en
    if item["@type"] == "Legislation":
        item["inLanguage"] = "zh"
        if kind in PLAN_PARTS and "/id/pilot/" in iri:
            pilot = iri.split("/id/pilot/", 1)[0] + "/id/pilot/" + iri.split("/id/pilot/", 1)[1].split("/", 1)[0]
            item["isPartOf"] = {"@type": "Legislation", "@id": f"{pilot}/plan"}
        issued = outgoing.get("http://purl.org/dc/terms/issued")
        if issued:
            item["legislationDate"] = issued[0].value
        number = outgoing.get(ONTOLOGY_NS + "documentNumber")
        if number:
            item["legislationIdentifier"] = number[0].value
    return item


_NUMBERS = {  # kind -> (heading, number property)
    "Task": ("Task", "taskNumber"),
    "TaskTable": ("Task table", "tableNumber"),
    "TaskGroup": ("Task group", "groupNumber"),
    "Paragraph": ("Paragraph", "paragraphNumber"),
    "Measure": ("Measure", "measureNumber"),
    "Section": ("Section", "sectionNumber"),
}


def _fallback_title(kind: str | None, outgoing: dict[str, list[Term]]) -> str:
    """A title for a resource without a label: its heading or text, else its kind and number."""
    for prop in ("heading", "text"):
        values = outgoing.get(ONTOLOGY_NS + prop)
        if values and kind not in ("Task", "Measure"):
            text = values[0].value
            return text if len(text) <= 60 else text[:59] + "…"
    if kind in _NUMBERS:
        heading, prop = _NUMBERS[kind]
        values = outgoing.get(ONTOLOGY_NS + prop)
        if values:
            return f"{heading} {values[0].value}"
    return ""


def _one(rows: list[dict], var: str, default: str = "") -> str:
    for r in rows:
        if var in r:
            return r[var]["value"]
    return default


def _specific(iri: str, types: list[str]) -> dict:
    """Extra data for the page of a task, pilot, table, group, sector, agency or measure type."""
    rt = runtime()
    pilot = ONTOLOGY_NS
    x: dict = {"_iris": []}
    prefix = rt.settings.id_prefix
    if pilot + "Task" in types:
        rows = rt.select(
            f"""SELECT * WHERE {{
              BIND(<{iri}> AS ?t)
              OPTIONAL {{ ?t pilot:text ?text }}
              OPTIONAL {{ ?t pilot:taskNumber ?number }}
              OPTIONAL {{ ?t pilot:ofPilot ?pilot }}
              OPTIONAL {{ ?t pilot:inTable ?table OPTIONAL {{ ?table pilot:tableNumber ?tableNumber }} }}
              OPTIONAL {{ ?t pilot:inGroup ?group OPTIONAL {{ ?group pilot:groupNumber ?groupNumber }} }}
              OPTIONAL {{ ?t pilot:sector ?sector }}
              OPTIONAL {{ ?t pilot:matchesNarrative ?matches }}
              OPTIONAL {{ ?t pilot:narrativeText ?narrativeText }}
              OPTIONAL {{ ?t pilot:numberInferred ?inferred }}
              OPTIONAL {{ ?t pilot:narrativeParagraph ?para
                         OPTIONAL {{ ?para pilot:text ?paraText }}
                         OPTIONAL {{ ?para pilot:paragraphNumber ?paraNumber }} }}
              OPTIONAL {{ ?t pilot:sourceSpan/oa:hasSelector ?sel . ?sel oa:exact ?exact }}
              OPTIONAL {{ ?t pilot:sourceSpan/oa:hasSelector ?pos . ?pos oa:start ?start ; oa:end ?end }}
              OPTIONAL {{ ?t pilot:sourceSpan/oa:hasSelector ?loc . ?loc rdf:value ?where }}
              OPTIONAL {{ ?t pilot:narrativeSpan/oa:hasSelector ?nsel . ?nsel oa:exact ?nexact }}
              OPTIONAL {{ ?t pilot:narrativeSpan/oa:hasSelector ?npos . ?npos oa:start ?nstart ; oa:end ?nend }}
              OPTIONAL {{ ?t pilot:sourceSpan/oa:hasSource ?source }}
            }} LIMIT 1"""
        )
        task = {k: v["value"] for k, v in (rows[0] if rows else {}).items()}
        measures = rt.select(
            f"""SELECT ?m ?n ?text ?type ?verb WHERE {{
              <{iri}> pilot:hasMeasure ?m .
              OPTIONAL {{ ?m pilot:measureNumber ?n }} OPTIONAL {{ ?m pilot:text ?text }}
              OPTIONAL {{ ?m pilot:measureType ?type }} OPTIONAL {{ ?m pilot:actionVerb ?verb }}
            }} ORDER BY ?n ?m"""
        )
        agencies = [
            r["a"]["value"]
            for r in rt.select(f"SELECT DISTINCT ?a WHERE {{ <{iri}> pilot:mentionsAgency ?a }} ORDER BY ?a")
        ]
        x["task"] = task
        if task.get("narrativeText") and task.get("text"):
            x["diff"] = wording_diff(task["text"], task["narrativeText"])
        x["measures"] = [{k: v["value"] for k, v in m.items()} for m in measures]
        x["agencies"] = agencies
        x["_iris"] += [task.get(k, "") for k in ("pilot", "table", "group", "sector", "para", "source")]
        x["_iris"] += [m.get("type", "") for m in x["measures"]] + agencies
    if pilot + "Pilot" in types or pilot + "TaskTable" in types or pilot + "TaskGroup" in types:
        scope = {
            pilot + "Pilot": "pilot:ofPilot",
            pilot + "TaskTable": "pilot:inTable",
            pilot + "TaskGroup": "pilot:inGroup",
        }
        prop = next(scope[t] for t in scope if t in types)
        x["tasks"] = _tasks(f"?t {prop} <{iri}> .")
        x["_iris"] += [t.get("sector", "") for t in x["tasks"]] + [t.get("group", "") for t in x["tasks"]]
        if pilot + "Pilot" in types:
            x["tables"] = [
                {k: v["value"] for k, v in r.items()}
                for r in rt.select(
                    f"""SELECT ?table ?n (COUNT(DISTINCT ?t) AS ?tasks) WHERE {{
                      ?t pilot:ofPilot <{iri}> ; pilot:inTable ?table .
                      OPTIONAL {{ ?table pilot:tableNumber ?n }} }} GROUP BY ?table ?n ORDER BY ?n"""
                )
            ]
            x["_iris"] += [t["table"] for t in x["tables"]]
            from pilotkg.server.compare import similar_for_pilot

            x["similar"] = similar_for_pilot(iri)
            x["_iris"] += [link["op"] for link in x["similar"]["elsewhere"]]
    if iri.startswith(prefix + "sector/"):
        x["tasks"] = _tasks(f"?t pilot:sector <{iri}> .")
        x["_iris"] += [t.get("group", "") for t in x["tasks"]]
    if iri.startswith(prefix + "agency/"):
        x["tasks"] = _tasks(f"?t pilot:mentionsAgency <{iri}> .")
        x["_iris"] += [t.get("sector", "") for t in x["tasks"]]
    if iri.startswith(prefix + "measure-type/"):
        rows = rt.select(
            f"""SELECT ?m ?text ?t ?tn ?tableNumber WHERE {{
              ?m pilot:measureType <{iri}> . OPTIONAL {{ ?m pilot:text ?text }}
              OPTIONAL {{ ?m pilot:ofTask ?t OPTIONAL {{ ?t pilot:taskNumber ?tn }}
                         OPTIONAL {{ ?t pilot:inTable/pilot:tableNumber ?tableNumber }} }}
            }} ORDER BY ?tableNumber ?tn ?m LIMIT 2000"""
        )
        x["measures_of_type"] = [{k: v["value"] for k, v in r.items()} for r in rows]
    x["_iris"] = [i for i in x["_iris"] if i]
    return x


def wording_diff(a: str, b: str) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]]]:
    """Both wordings as (differs, text) segments, character by character."""
    import difflib

    left: list[tuple[bool, str]] = []
    right: list[tuple[bool, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if i2 > i1:
            left.append((op != "equal", a[i1:i2]))
        if j2 > j1:
            right.append((op != "equal", b[j1:j2]))
    return left, right


def _tasks(pattern: str) -> list[dict[str, str]]:
    rows = runtime().select(
        f"""SELECT ?t ?n ?text ?sector ?group ?tableNumber WHERE {{
          {pattern}
          ?t a pilot:Task .
          OPTIONAL {{ ?t pilot:taskNumber ?n }} OPTIONAL {{ ?t pilot:text ?text }}
          OPTIONAL {{ ?t pilot:sector ?sector }} OPTIONAL {{ ?t pilot:inGroup ?group }}
          OPTIONAL {{ ?t pilot:inTable/pilot:tableNumber ?tableNumber }}
        }} ORDER BY ?tableNumber ?n ?t LIMIT 2000"""
    )
    return [{k: v["value"] for k, v in r.items()} for r in rows]
