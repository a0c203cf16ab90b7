"""Near-duplicate tasks and measures, within one plan and across plans.

Pilot plans copy one another: a measure that worked in one city reappears, often word for word,
in the next city's plan. This module finds those pairs and writes them as links a researcher can
follow (``pilot:similarTo``) and weigh (a ``pilot:Similarity`` node carrying the score).

Similarity is the Jaccard index of the two texts' sets of character n-grams (bigrams by
default) after dropping whitespace and punctuation: Chinese has no spaces to split words on, and
character bigrams approximate words well enough that a changed word lowers the score by about
its length. The search is an exact set-similarity join, not a comparison of every pair:

* texts with the same n-gram set are grouped first, so verbatim repeats (common across plans)
  cost one record, and every pair inside a group scores 1.0;
* n-grams are ordered rarest first, and two sets with Jaccard ≥ t must share one of the first
  ``|x| − ⌈t·|x|⌉ + 1`` n-grams of each (the prefix filter of Bayardo et al., *Scaling up all
  pairs similarity search*, 2007), so an inverted index over those prefixes yields the
  candidates; a length filter (``|y| ≥ t·|x|``) prunes more;
* each candidate is verified with the exact Jaccard index.

Unlike MinHash LSH this has no false negatives and no random seed, so the output is exactly the
pairs at or above the threshold and is the same on every run. Its cost grows with the number of
similar pairs found, not with the square of the input.

The number of similar pairs itself, though, grows with the square of the number of plans when
plans repeat one another: a measure that 500 plans share word for word is 124,750 pairs. The
graph therefore keeps, for each task or measure, its ``MAX_LINKS`` most similar partners (both
directions), which keeps it linear in the number of plans; ``max_links=None`` keeps every pair.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef

from pilotkg.loaders.model import Plan

PILOT = Namespace("https://w3id.org/pilotkg/ontology#")

DEFAULT_THRESHOLD = 0.8
DEFAULT_NGRAM = 2
MAX_LINKS = 10  # partners kept per task or measure: enough for "most similar elsewhere", linear in size
MIN_MEASURE_LENGTH = 8  # characters of clean text; shorter measures ("推动…发展。") link too easily
_NOISE = re.compile(r"[\W_]+")  # whitespace and punctuation; CJK ideographs are \w


def normalise(text: str) -> str:
    """The text as compared: without whitespace and punctuation, case-folded."""
    return _NOISE.sub("", text).casefold()


def shingles(text: str, n: int = DEFAULT_NGRAM) -> frozenset[str]:
    """The character n-grams of the normalised text; a text shorter than ``n`` is its own n-gram."""
    bare = normalise(text)
    if len(bare) <= n:
        return frozenset([bare]) if bare else frozenset()
    return frozenset(bare[i: i + n] for i in range(len(bare) - n + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def similar_pairs(texts: Sequence[str], threshold: float = DEFAULT_THRESHOLD, n: int = DEFAULT_NGRAM,
                  max_links: int | None = None,
                  keys: Sequence[str] | None = None) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, score)`` with ``i < j`` whose n-gram Jaccard index is ≥ ``threshold``.

    With ``max_links=None``, every such pair. With ``max_links=K``, each text keeps its K most
    similar partners and a pair is returned when either of its texts keeps it, so the output is
    at most K × len(texts) pairs however many texts share one wording: many plans repeating one
    measure would otherwise make a clique whose size grows with the square of the plans. Ties are
    broken by ``keys`` (default: the index), so the choice does not depend on the input order
    when keys are given; identical texts keep the next K of their group in key order, cyclically.

    Sorted by ``(i, j)``. Empty texts (nothing left after normalisation) are never paired.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    if max_links is not None and max_links < 1:
        raise ValueError(f"max_links must be at least 1, got {max_links}")
    sort_key = (lambda i: keys[i]) if keys is not None else (lambda i: i)
    # 1. Group texts with the same n-gram set: one record per group.
    groups: dict[frozenset[str], list[int]] = {}
    for index, text in enumerate(texts):
        grams = shingles(text, n)
        if grams:
            groups.setdefault(grams, []).append(index)
    records = list(groups)
    members = [sorted(groups[r], key=sort_key) for r in records]
    joined = list(_join(records, threshold))

    if max_links is None:
        pairs = [(a, b, 1.0) for indices in members for k, a in enumerate(indices) for b in indices[k + 1:]]
        for x, y, score in joined:
            pairs += [(min(a, b), max(a, b), score) for a in members[x] for b in members[y]]
        pairs.sort()
        return pairs
    return sorted(_capped(members, joined, max_links, sort_key))


def _capped(members: list[list[int]], joined: list[tuple[int, int, float]], k: int,
            sort_key: Callable[[int], object]) -> set[tuple[int, int, float]]:
    """Each text's k best partners (own group first, then other groups by score), both ways."""
    neighbours: dict[int, list[tuple[float, object, int]]] = defaultdict(list)
    for x, y, score in joined:
        neighbours[x].append((-score, sort_key(members[y][0]), y))
        neighbours[y].append((-score, sort_key(members[x][0]), x))
    chosen: set[tuple[int, int, float]] = set()
    for x, group in enumerate(members):
        others = sorted(neighbours.get(x, ()))
        for position, a in enumerate(group):
            partners = [(group[(position + step) % len(group)], 1.0)
                        for step in range(1, min(k, len(group) - 1) + 1)]
            for negative, _, y in others:
                if len(partners) >= k:
                    break
                partners += [(b, -negative) for b in members[y][: k - len(partners)]]
            chosen.update((min(a, b), max(a, b), score) for b, score in partners)
    return chosen


def _join(records: list[frozenset[str]], threshold: float) -> Iterable[tuple[int, int, float]]:
    """Pairs of distinct records with Jaccard ≥ threshold: prefix-filtered inverted index."""
    frequency = Counter(g for r in records for g in r)
    rank = {g: k for k, g in enumerate(sorted(frequency, key=lambda g: (frequency[g], g)))}
    ordered = [sorted(rank[g] for g in r) for r in records]
    # Visit records by size, so that every indexed record is no larger than the probing one.
    order = sorted(range(len(records)), key=lambda k: (len(ordered[k]), k))
    index: dict[int, list[int]] = defaultdict(list)
    eps = 1e-9  # guard ⌈t·|x|⌉ against floating-point error (0.8 × 10 = 8.000000000000002)
    for x in order:
        tokens = ordered[x]
        size = len(tokens)
        min_size = math.ceil(threshold * size - eps)
        prefix = size - min_size + 1
        seen: set[int] = set()
        for token in tokens[:prefix]:
            for y in index[token]:
                if y in seen or len(ordered[y]) < min_size:
                    continue
                seen.add(y)
                score = jaccard(records[x], records[y])
                if score >= threshold - eps:
                    yield x, y, score
            index[token].append(x)


# --- RDF ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    """A task or measure to compare: its IRI and text."""

    iri: URIRef
    text: str


def task_items(plans: Iterable[Plan], base: str) -> list[Item]:
    """Every task of ``plans``, with the IRI docs/model.md gives it."""
    return [Item(URIRef(_task_iri(base, plan, task.table, task.number)), task.text.text)
            for plan in plans for task in plan.tasks()]


def measure_items(plans: Iterable[Plan], base: str, min_length: int = MIN_MEASURE_LENGTH) -> list[Item]:
    """Every measure of ``plans`` whose normalised text has at least ``min_length`` characters."""
    return [Item(URIRef(f"{_task_iri(base, plan, task.table, task.number)}/measure/{m.number}"), m.text.text)
            for plan in plans for task in plan.tasks() for m in task.measures
            if len(normalise(m.text.text)) >= min_length]


def _task_iri(base: str, plan: Plan, table: int, number: int) -> str:
    return f"{base}id/pilot/{plan.slug}/task/{table}-{number}"


def method_label(threshold: float, n: int, max_links: int | None = None) -> str:
    """The pilot:method literal: what was compared and how, so a score can be interpreted."""
    cap = f"; each text linked to at most its {max_links} most similar" if max_links else ""
    return (f"Jaccard index of character {n}-grams (whitespace and punctuation removed), "
            f"threshold {threshold:g}{cap}")


def link(graph: Graph, items: Sequence[Item], base: str, threshold: float = DEFAULT_THRESHOLD,
         n: int = DEFAULT_NGRAM, max_links: int | None = None) -> int:
    """Add the similarity links among ``items`` to ``graph``; returns the number of pairs linked."""
    method = Literal(method_label(threshold, n, max_links))
    count = 0
    texts, keys = [item.text for item in items], [str(item.iri) for item in items]
    for i, j, score in similar_pairs(texts, threshold, n, max_links, keys):
        a, b = sorted((items[i].iri, items[j].iri))
        if a == b:
            continue
        node = URIRef(f"{base}id/similarity/{hashlib.sha1(f'{a} {b}'.encode()).hexdigest()[:16]}")
        graph.add((a, PILOT.similarTo, b))
        graph.add((b, PILOT.similarTo, a))
        graph.add((node, RDF.type, PILOT.Similarity))
        graph.add((node, PILOT.between, a))
        graph.add((node, PILOT.between, b))
        graph.add((node, PILOT.similarityScore, score_literal(score)))
        graph.add((node, PILOT.method, method))
        count += 1
    return count


def score_literal(score: float) -> Literal:
    """The score as xsd:decimal with three places (1.0 → "1.000")."""
    return Literal(Decimal(repr(score)).quantize(Decimal("0.001")), datatype=XSD.decimal)


def similarity_graph(plans: Sequence[Plan], base: str, threshold: float = DEFAULT_THRESHOLD,
                     n: int = DEFAULT_NGRAM, min_measure_length: int = MIN_MEASURE_LENGTH,
                     max_links: int | None = MAX_LINKS) -> Graph:
    """``pilot:similarTo`` links (both directions) and ``pilot:Similarity`` nodes for similar tasks
    and for similar measures of ``plans``, within and across plans.

    ``max_links`` (see ``similar_pairs``) keeps the graph linear in the number of plans; None
    links every pair above the threshold.
    """
    graph = Graph()
    link(graph, task_items(plans, base), base, threshold, n, max_links)
    link(graph, measure_items(plans, base, min_measure_length), base, threshold, n, max_links)
    return graph
