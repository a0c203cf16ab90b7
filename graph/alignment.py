"""Plan-to-plan alignment: every task of one pilot paired with its counterpart in another, or none.

Researchers ask what a later plan took over from an earlier one, what it reworded and what is
new. An alignment answers that for two pilots: each task of A is paired with at most one task of
B and the other way round, and each pair (or lone task) gets a status:

* ``same`` — the same wording once the place names are masked (similarity.mask_places);
* ``reworded`` — a counterpart with other wording, with the word-level differences the
  discrepancy report shows (loaders/align.word_diff);
* ``only-a`` / ``only-b`` — no counterpart.

Candidates are the pairs of the two pilots' tasks whose similarity (the graph's measure: Jaccard
index of character bigrams, place names masked: similarity.shingles) reaches ``ALIGN_THRESHOLD``,
found through an inverted index of n-grams (exact scores, only pairs that share an n-gram); the
pairing takes them best first, each task once, so it is linear in the number of tasks. The build
publishes the alignments of each pilot with its ``ALIGN_PARTNERS`` most similar pilots (by the
similarity links they share) in the named graph ``{base}graph/alignment``; the server aligns any
two pilots on request with the same function.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from pilotkg.graph.similarity import Item, score_literal, shingles
from pilotkg.loaders.align import word_diff

PILOT = "https://w3id.org/pilotkg/ontology#"
ALIGNMENT_GRAPH = "graph/alignment"
ALIGN_THRESHOLD = 0.5  # below it two tasks share too little wording to be the same task reworded
ALIGN_PARTNERS = 3  # pilots each pilot is aligned with in the build: its most similar ones
STATUSES = ("same", "reworded", "only-a", "only-b")
METHOD = (
    f"tasks paired best first by the Jaccard index of character bigrams (place names masked), "
    f"each task once, at least {ALIGN_THRESHOLD:g}; same wording = identical once place names are masked"
)


@dataclass(frozen=True, slots=True)
class Row:
    """One line of an alignment: a pair, or a task of one pilot alone."""

    status: str  # one of STATUSES
    a: Item | None
    b: Item | None
    score: float | None = None
    differences: tuple[str, ...] = ()


@dataclass(slots=True)
class Alignment:
    a: str  # pilot slugs
    b: str
    rows: list[Row] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)


def task_key(item: Item) -> tuple[int, int]:
    """(table, number) of a task IRI ``…/task/{t}-{n}``, for document order."""
    table, _, number = str(item.iri).rsplit("/", 1)[1].partition("-")
    return int(table), int(number)


def align(
    a_slug: str,
    a_tasks: Sequence[Item],
    b_slug: str,
    b_tasks: Sequence[Item],
    threshold: float = ALIGN_THRESHOLD,
    grams: dict[str, list[frozenset[str]]] | None = None,
) -> Alignment:
    """The alignment of pilot A's tasks with pilot B's, in A's document order (B's lone tasks after
    the A task they follow in B's order). ``grams`` caches each pilot's n-gram sets by slug (a build
    aligns a pilot with several others)."""
    items = [*a_tasks, *b_tasks]
    split = len(a_tasks)
    grams = {} if grams is None else grams
    for slug, tasks in ((a_slug, a_tasks), (b_slug, b_tasks)):
        if slug not in grams:
            grams[slug] = [shingles(t.form) for t in tasks]
    candidates = [(score, i, split + j) for i, j, score in _scored(grams[a_slug], grams[b_slug], threshold)]
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    partner: dict[int, tuple[int, float]] = {}
    for score, i, j in candidates:
        if i in partner or j in partner:
            continue
        partner[i], partner[j] = (j, score), (i, score)
    rows: list[Row] = []
    placed_b: set[int] = set()
    b_order = {j: k for k, j in enumerate(range(split, len(items)))}
    pending_b = sorted((j for j in range(split, len(items)) if j not in partner), key=lambda j: b_order[j])
    for i in range(split):
        if i in partner:
            j, score = partner[i]
            # B's unmatched tasks that stand before this counterpart in B come first.
            while pending_b and b_order[pending_b[0]] < b_order[j]:
                rows.append(Row("only-b", None, items[pending_b.pop(0)]))
            a, b = items[i], items[j]
            placed_b.add(j)
            if a.form == b.form:
                rows.append(Row("same", a, b, score))
            else:
                rows.append(Row("reworded", a, b, score, tuple(word_diff(a.text, b.text, names=(a_slug, b_slug)))))
        else:
            rows.append(Row("only-a", items[i], None))
    rows += [Row("only-b", None, items[j]) for j in pending_b]
    return Alignment(a_slug, b_slug, rows)


def _scored(a: list[frozenset[str]], b: list[frozenset[str]], threshold: float) -> Iterator[tuple[int, int, float]]:
    """(i, j, Jaccard index) for the pairs of A's and B's n-gram sets at or above ``threshold``:
    an inverted index of A's n-grams counts what each B text shares with each A text, so only
    pairs that share an n-gram are scored (a few hundred a plan pair, not every pair)."""
    postings: dict[str, list[int]] = {}
    for i, grams in enumerate(a):
        for gram in grams:
            postings.setdefault(gram, []).append(i)
    for j, grams in enumerate(b):
        shared: dict[int, int] = {}
        for gram in grams:
            for i in postings.get(gram, ()):
                shared[i] = shared.get(i, 0) + 1
        for i, common in shared.items():
            score = common / (len(a[i]) + len(grams) - common)
            if score >= threshold:
                yield i, j, score


def partners(
    pair_counts: dict[tuple[str, str], int], slugs: Sequence[str], k: int = ALIGN_PARTNERS
) -> list[tuple[str, str]]:
    """The pilot pairs to align: each pilot with its ``k`` most similar pilots (most shared
    similarity links, ties by slug), each pair once (a < b); with no shared links, neighbours in
    slug order so that every pilot has its k."""
    chosen: set[tuple[str, str]] = set()
    ordered = sorted(slugs)
    for slug in ordered:
        ranked = sorted(
            (s for s in ordered if s != slug), key=lambda s: (-pair_counts.get((min(s, slug), max(s, slug)), 0), s)
        )
        for other in ranked[:k]:
            chosen.add((min(slug, other), max(slug, other)))
    return sorted(chosen)


def alignment_lines(alignment: Alignment, base: str) -> Iterator[bytes]:
    """The alignment as N-Triples lines: one ``pilot:Alignment`` node, one ``pilot:AlignedPair``
    a row (its tasks, status, score and differences)."""
    node = f"{base}id/alignment/{alignment.a}/{alignment.b}"

    def t(s: str, p: str, o: str) -> str:
        return f"<{s}> <{p}> {o} .\n"

    def lit(value: str) -> str:
        return str(ox.Literal(value))

    head = [
        t(node, RDF_TYPE, f"<{PILOT}Alignment>"),
        t(node, f"{PILOT}pilotA", f"<{base}id/pilot/{alignment.a}>"),
        t(node, f"{PILOT}pilotB", f"<{base}id/pilot/{alignment.b}>"),
        t(node, f"{PILOT}alignmentMethod", lit(METHOD)),
        t(node, f"{RDFS}label", str(ox.Literal(f"{alignment.a} ↔ {alignment.b}", language="en"))),
    ]
    for status in STATUSES:
        head.append(t(node, f"{PILOT}{_COUNT[status]}", _integer(alignment.count(status))))
    yield "".join(head).encode()
    for row in alignment.rows:
        task = row.a if row.a is not None else row.b
        side = "a" if row.a is not None else "b"
        local = str(task.iri).rsplit("/", 1)[1]  # type: ignore[union-attr]
        pair = f"{node}/{side}/{local}"
        lines = [
            t(pair, RDF_TYPE, f"<{PILOT}AlignedPair>"),
            t(pair, f"{PILOT}inAlignment", f"<{node}>"),
            t(pair, f"{PILOT}alignmentStatus", f"<{base}id/alignment-status/{row.status}>"),
        ]
        if row.a is not None:
            lines.append(t(pair, f"{PILOT}taskA", f"<{row.a.iri}>"))
        if row.b is not None:
            lines.append(t(pair, f"{PILOT}taskB", f"<{row.b.iri}>"))
        if row.score is not None:
            decimal = ox.Literal(str(score_literal(row.score)), datatype=ox.NamedNode(XSD_DECIMAL))
            lines.append(t(pair, f"{PILOT}alignmentScore", str(decimal)))
        lines += [t(pair, f"{PILOT}difference", str(ox.Literal(d, language="zh"))) for d in row.differences]
        yield "".join(lines).encode()


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
_COUNT = {"same": "sameCount", "reworded": "rewordedCount", "only-a": "onlyACount", "only-b": "onlyBCount"}


def _integer(n: int) -> str:
    return str(ox.Literal(str(n), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
