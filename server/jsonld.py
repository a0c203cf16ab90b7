"""JSON-LD in compact form: the project's prefixes as ``@context``, prefixed names for IRIs.

Oxigraph writes expanded JSON-LD (every property a full IRI), which is correct but hard to read
and to use from JavaScript. This turns that output into the compacted form a JSON-LD processor
gives for a context of plain prefixes: the same graph (tests parse both and compare), with
``"@context"`` holding the prefixes of vocab/prefixes.csv, properties, types and node IRIs as
``prefix:local`` where that needs no escape (pilotkg.prefixes.compact), ``rdf:type`` as
``@type``, and the nodes under ``@graph``.
"""

from __future__ import annotations

import json
from typing import Any

from pilotkg.prefixes import compact

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def compact_jsonld(expanded: bytes, prefixes: dict[str, str]) -> bytes:
    """The compact form of Oxigraph's expanded JSON-LD ``expanded`` under ``prefixes``."""
    used: set[str] = set()

    def iri(value: str) -> str:
        if value.startswith("_:"):
            return value
        short = compact(value, prefixes)
        if short is None:
            return value
        used.add(short.split(":", 1)[0])
        return short

    def node(obj: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, values in obj.items():
            if key == "@id":
                out["@id"] = iri(values)
            elif key == "@graph":
                out["@graph"] = [node(n) for n in values]
            elif key == RDF_TYPE and all(set(v) == {"@id"} and not v["@id"].startswith("_:") for v in values):
                out["@type"] = [iri(v["@id"]) for v in values]
            else:
                out[iri(key)] = [value(v) for v in values]
        return out

    def value(obj: dict[str, Any]) -> dict[str, Any]:
        if "@id" in obj:
            return {"@id": iri(obj["@id"])}
        if "@type" in obj:
            return {**obj, "@type": iri(obj["@type"])}
        return obj

    nodes = [node(n) for n in json.loads(expanded)]
    context = {prefix: namespace for prefix, namespace in prefixes.items() if prefix in used}
    document = {"@context": context, "@graph": nodes}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
