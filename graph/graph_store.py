"""Publish a build into a remote triple store over the SPARQL 1.1 Graph Store HTTP Protocol.

A build's named graphs (one per pilot, the vocabulary, the similarity links, the alignments,
the statistics) are read from its N-Quads dump, which holds each graph's lines together, and each
is sent whole: ``PUT {endpoint}?graph={iri}`` replaces that graph and no other, so a publish
leaves the store's other graphs (a publisher's own data) as they were. A graph larger than
``CHUNK_TRIPLES`` is sent as one PUT and then POSTs (the protocol's "merge") of the rest, so no
request body is larger than a few tens of megabytes and a store's upload limit is not met.

Authentication is HTTP Basic or Digest (Virtuoso's ``/sparql-graph-crud-auth`` asks for
Digest), with requests' handlers. A Digest store answers an unsigned upload with 401 and may
close the connection before the body is sent, so the session first signs in with a bodiless
GET, and every upload after it carries its signature from the start. A failed request
stops the publish with an error that names the graphs already written, the one that failed and
the store's status, never a partial silence.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import requests
from requests.auth import HTTPBasicAuth, HTTPDigestAuth

CHUNK_TRIPLES = 100_000  # triples a request carries at most (≈ 20 MB of N-Triples)
MEDIA_TYPE = "application/n-triples"
TIMEOUT = 300.0  # seconds one request may take (a store indexes what it is sent before answering)


class PublishError(RuntimeError):
    """A publish that could not finish: what was written before, and why it stopped."""

    def __init__(self, message: str, written: list[str]) -> None:
        super().__init__(message)
        self.written = written


@dataclass(frozen=True, slots=True)
class Chunk:
    """Part of one named graph of a build, as N-Triples: the first part of a graph replaces it."""

    graph: str
    first: bool
    body: bytes
    triples: int


def chunks_of(nquads: Path, size: int = CHUNK_TRIPLES) -> Iterator[Chunk]:
    """The named graphs of a build's N-Quads dump, in the dump's order, each as chunks of at most
    ``size`` triples (read by pyoxigraph's parser, one chunk in memory at a time). A graph's quads
    must stand together, as a build writes them, and none may be in the default graph."""
    seen: set[str] = set()
    current: str | None = None
    batch: list[ox.Triple] = []
    first = True

    def chunk() -> Chunk:
        return Chunk(current or "", first, ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES), len(batch))

    try:
        for quad in ox.parse(path=nquads, format=ox.RdfFormat.N_QUADS):
            if not isinstance(quad.graph_name, ox.NamedNode):
                raise ValueError(f"{nquads}: a triple outside any named graph ({quad.triple}): not a build's dump")
            graph = quad.graph_name.value
            if graph != current:
                if current is not None:
                    yield chunk()
                if graph in seen:
                    raise ValueError(f"{nquads}: graph <{graph}> again after other graphs: not a build's dump")
                seen.add(graph)
                current, batch, first = graph, [], True
            elif len(batch) == size:
                yield chunk()
                batch, first = [], False
            batch.append(quad.triple)
    except SyntaxError as exc:
        raise ValueError(f"{nquads}: {exc}") from None
    if current is not None:
        yield chunk()


@dataclass(frozen=True, slots=True)
class Target:
    """A Graph Store Protocol endpoint and how to sign in to it."""

    endpoint: str
    user: str | None = None
    password: str | None = None
    auth: str = "digest"  # or "basic"
    timeout: float = TIMEOUT

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"--to: not an http(s) URL: {self.endpoint!r}")
        if self.auth not in ("digest", "basic"):
            raise ValueError(f"--auth: digest or basic, not {self.auth!r}")

    def url(self, graph: str) -> str:
        joiner = "&" if "?" in self.endpoint else "?"
        return f"{self.endpoint}{joiner}{urllib.parse.urlencode({'graph': graph})}"

    def session(self) -> requests.Session:
        """A session signed in to the store (see the module's docstring)."""
        session = requests.Session()
        if self.user is not None:
            auth = HTTPDigestAuth if self.auth == "digest" else HTTPBasicAuth
            session.auth = auth(self.user, self.password or "")
            try:  # any answer but 401 means the signature is known; a missing graph gives 404
                probe = session.get(
                    self.url("urn:pilotkg:sign-in"), timeout=self.timeout, headers={"Accept": MEDIA_TYPE}
                )
            except requests.RequestException as exc:
                raise PublishError(f"could not reach {self.endpoint}: {exc}", []) from None
            if probe.status_code in (401, 403):
                raise PublishError(
                    f"the store answered {probe.status_code} {probe.reason}: sign-in refused; nothing was written", []
                )
        return session


@dataclass(frozen=True, slots=True)
class Sent:
    graph: str
    triples: int
    requests: int


def publish(chunks: Iterator[Chunk], target: Target, report: Callable[[Sent], None] | None = None) -> list[Sent]:
    """PUT each graph's first chunk, POST the rest; the graphs written, in order (``report`` is
    told each as it is done)."""
    session = target.session()
    done: list[Sent] = []
    current: Sent | None = None

    def finish() -> None:
        if current is not None:
            done.append(current)
            if report is not None:
                report(current)

    for chunk in chunks:
        if chunk.first:
            finish()
            current = Sent(chunk.graph, 0, 0)
        assert current is not None
        method = "PUT" if chunk.first else "POST"
        try:
            _send(session, target, method, chunk.graph, chunk.body)
        except PublishError as exc:
            written = ", ".join(f"<{s.graph}>" for s in done) or "none"
            raise PublishError(
                f"{exc} while writing <{chunk.graph}> ({method} of {chunk.triples} triples, after "
                f"{current.triples} of its triples); graphs written before it: {written}",
                [s.graph for s in done],
            ) from None
        current = Sent(chunk.graph, current.triples + chunk.triples, current.requests + 1)
    finish()
    return done


def _send(session: requests.Session, target: Target, method: str, graph: str, body: bytes) -> None:
    try:
        response = session.request(
            method, target.url(graph), data=body, headers={"Content-Type": MEDIA_TYPE}, timeout=target.timeout
        )
    except requests.RequestException as exc:
        raise PublishError(f"could not reach {target.endpoint}: {exc}", []) from None
    if response.status_code >= 300:
        detail = response.text[:300].strip().splitlines()
        said = f": {detail[0][:200]}" if detail else ""
        raise PublishError(f"the store answered {response.status_code} {response.reason}{said}", [])
