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

import numpy as np
import pyoxigraph as ox
from scipy import sparse

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
    cache: Grams | None = None,
) -> Alignment:
    """The alignment of pilot A's tasks with pilot B's, in A's document order (B's lone tasks after
    the A task they follow in B's order). ``cache`` keeps each pilot's n-grams (a build aligns a
    pilot with several others)."""
    items = [*a_tasks, *b_tasks]
    split = len(a_tasks)
    cache = Grams() if cache is None else cache
    a_grams, b_grams = cache.of(a_slug, a_tasks), cache.of(b_slug, b_tasks)
    partner = _identical(a_grams.sets, b_grams.sets, split)
    rest_a = [i for i in range(split) if i not in partner]
    rest_b = [j for j in range(len(b_tasks)) if split + j not in partner]
    scored = cache.scored(a_grams, rest_a, b_grams, rest_b, threshold)
    candidates = [(score, rest_a[i], split + rest_b[j]) for i, j, score in scored]
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
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


def _identical(a: list[frozenset[str]], b: list[frozenset[str]], split: int) -> dict[int, tuple[int, float]]:
    """The pairs of equal n-gram sets (score 1), as the best-first pairing would make them: the k-th
    A task of a set with its k-th B task. They are taken before any other candidate, so the rest
    of the pairing only needs the tasks left over; plans that copy one another are mostly such
    pairs, and an inverted index over them costs a plan pair hundreds of thousands of look-ups."""
    waiting: dict[frozenset[str], list[int]] = {}
    for j, grams in enumerate(b):
        if grams:
            waiting.setdefault(grams, []).append(split + j)
    for queue in waiting.values():
        queue.reverse()  # pop() hands them out in B's order
    partner: dict[int, tuple[int, float]] = {}
    for i, grams in enumerate(a):
        queue = waiting.get(grams)
        if queue:
            j = queue.pop()
            partner[i], partner[j] = (j, 1.0), (i, 1.0)
    return partner


@dataclass(slots=True)
class _PilotGrams:
    sets: list[frozenset[str]]  # each task's n-grams
    indptr: np.ndarray  # the sets as rows of an incidence matrix (CSR), n-grams by Grams.ids
    indices: np.ndarray


@dataclass(slots=True)
class Grams:
    """Each pilot's task n-grams, and one numbering of all n-grams seen, for :func:`align`."""

    ids: dict[str, int] = field(default_factory=dict)
    pilots: dict[str, _PilotGrams] = field(default_factory=dict)

    def of(self, slug: str, tasks: Sequence[Item]) -> _PilotGrams:
        if slug not in self.pilots:
            sets = [shingles(t.form) for t in tasks]
            indices = [self.ids.setdefault(g, len(self.ids)) for grams in sets for g in sorted(grams)]
            indptr = np.cumsum([0, *map(len, sets)])
            self.pilots[slug] = _PilotGrams(sets, indptr, np.array(indices, dtype=np.int64))
        return self.pilots[slug]

    def _matrix(self, grams: _PilotGrams, rows: list[int]) -> sparse.csr_matrix:
        ones = np.ones(len(grams.indices), dtype=np.int32)
        whole = sparse.csr_matrix((ones, grams.indices, grams.indptr), shape=(len(grams.sets), len(self.ids)))
        return whole[rows]

    def scored(
        self, a: _PilotGrams, rows_a: list[int], b: _PilotGrams, rows_b: list[int], threshold: float
    ) -> Iterator[tuple[int, int, float]]:
        """(i, j, Jaccard index) for the pairs of A's rows ``rows_a`` and B's ``rows_b`` (numbered
        from 0 in those lists) at or above ``threshold``, exact: the n-grams each pair shares are
        counted at once by a sparse matrix product. Common n-grams (推动, 支持) make nearly every
        pair share something, so a count per pair in Python cost a plan pair ~10⁵ look-ups."""
        if not rows_a or not rows_b:
            return
        a_matrix, b_matrix = self._matrix(a, rows_a), self._matrix(b, rows_b)
        shared = (a_matrix @ b_matrix.T).tocoo()
        sizes_a, sizes_b = np.diff(a_matrix.indptr), np.diff(b_matrix.indptr)
        common = shared.data.astype(np.float64)
        scores = common / (sizes_a[shared.row] + sizes_b[shared.col] - common)  # as int / int: exact
        keep = scores >= threshold
        yield from zip(shared.row[keep].tolist(), shared.col[keep].tolist(), scores[keep].tolist(), strict=True)


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
