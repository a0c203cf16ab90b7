"""Near-duplicate tasks and measures, within one plan and across plans.

Pilot plans copy one another: a measure that worked in one city reappears, often word for word,
in the next city's plan. This module finds those pairs and writes them as links a researcher can
follow (``pilot:similarTo``) and weigh (a ``pilot:Similarity`` node carrying the score).

Similarity is the Jaccard index of the two texts' sets of character n-grams (bigrams by
default) after masking place names and dropping whitespace and punctuation. Plans name their
own city ("支持武汉市创建中国软件名园" / "支持南京市创建中国软件名园"): every place name of the
gazetteer (vocab/places.csv, full and short forms: 武汉市, 武汉, 湖北省, 湖北) is replaced by
``PLACE`` in the compared form, so the same task in two cities scores 1.0; the texts themselves
stay as printed, and a Similarity node records the compared forms that masking changed
(``pilot:comparedForm``). Chinese has no spaces to split words on, and
character bigrams approximate words well enough that a changed word lowers the score by about
its length. Pairs are found without comparing every pair:

* texts with the same n-gram set are grouped first, so verbatim repeats (common across plans)
  cost one record, and every pair inside a group scores 1.0;
* MinHash LSH (signatures and banding in numpy, fixed seed) proposes candidate pairs of records;
  the banding is chosen so that a pair at the threshold is missed with probability ≤ 10⁻⁶;
* candidates are checked with the exact Jaccard index, so every score is exact and no pair
  below the threshold is linked. The output is the same on every run.

The number of similar pairs itself grows with the square of the number of plans when plans
repeat one another: a measure that 500 plans share word for word is 124,750 pairs. The graph
therefore keeps, for each task or measure, its ``MAX_LINKS`` most similar partners (both
directions), which keeps it linear in the number of plans; ``max_links=None`` keeps every pair.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pyoxigraph as ox
from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef

from pilotkg.loaders.model import Plan

PILOT = Namespace("https://w3id.org/pilotkg/ontology#")

DEFAULT_THRESHOLD = 0.8
DEFAULT_NGRAM = 2
MAX_LINKS = 4  # partners kept per task or measure: the closest few, linear in size (10 made links a third of a build)
MIN_MEASURE_LENGTH = 8  # characters of clean text; shorter measures ("推动…发展。") link too easily
PERMUTATIONS = 128  # MinHash values per record, shared out into bands (see _banding)
MAX_MISS = 1e-6  # the most a pair right at the threshold may be missed by the banding
ESTIMATE_MARGIN = 0.2  # candidates whose MinHash estimate is this far below the threshold are dropped
SEED = 20240601  # of the MinHash permutations: fixed, so that every run finds the same pairs
_CHUNK = 4096  # records per signature chunk: bounds numpy's temporary (rows × n-grams) array
_NOISE = re.compile(r"[\W_]+")  # whitespace and punctuation; CJK ideographs are \w


PLACE = "〇"  # what a masked place name becomes: one character, so the n-grams around it stay


@functools.cache
def place_pattern() -> re.Pattern[str] | None:
    """The gazetteer's place names, longest first (湖北省 before 湖北), as one pattern."""
    from pilotkg.loaders.vocabulary import Vocabulary

    names = {name for place in Vocabulary.load().places for name in (place.name_zh, place.short_zh) if len(name) > 1}
    if not names:
        return None
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n))))


def mask_places(text: str) -> str:
    """``text`` with every place name of the gazetteer replaced by ``PLACE``."""
    pattern = place_pattern()
    return pattern.sub(PLACE, text) if pattern is not None else text


def normalise(text: str) -> str:
    """The text as compared: without whitespace and punctuation, case-folded."""
    return _NOISE.sub("", text).casefold()


def shingles(text: str, n: int = DEFAULT_NGRAM) -> frozenset[str]:
    """The character n-grams of the normalised text; a text shorter than ``n`` is its own n-gram."""
    bare = normalise(text)
    if len(bare) <= n:
        return frozenset([bare]) if bare else frozenset()
    return frozenset(bare[i : i + n] for i in range(len(bare) - n + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def similar_pairs(
    texts: Sequence[str],
    threshold: float = DEFAULT_THRESHOLD,
    n: int = DEFAULT_NGRAM,
    max_links: int | None = None,
    keys: Sequence[str] | None = None,
) -> list[tuple[int, int, float]]:
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
        pairs = [(a, b, 1.0) for indices in members for k, a in enumerate(indices) for b in indices[k + 1 :]]
        for x, y, score in joined:
            pairs += [(min(a, b), max(a, b), score) for a in members[x] for b in members[y]]
        pairs.sort()
        return pairs
    return sorted(_capped(members, joined, max_links, sort_key))


def _capped(
    members: list[list[int]], joined: list[tuple[int, int, float]], k: int, sort_key: Callable[[int], object]
) -> set[tuple[int, int, float]]:
    """Each text's k best partners (own group first, then other groups by score), both ways."""
    neighbours: dict[int, list[tuple[float, object, int]]] = defaultdict(list)
    for x, y, score in joined:
        neighbours[x].append((-score, sort_key(members[y][0]), y))
        neighbours[y].append((-score, sort_key(members[x][0]), x))
    chosen: set[tuple[int, int, float]] = set()
    for x, group in enumerate(members):
        others = sorted(neighbours.get(x, ()))
        for position, a in enumerate(group):
            partners = [(group[(position + step) % len(group)], 1.0) for step in range(1, min(k, len(group) - 1) + 1)]
            for negative, _, y in others:
                if len(partners) >= k:
                    break
                partners += [(b, -negative) for b in members[y][: k - len(partners)]]
            chosen.update((min(a, b), max(a, b), score) for b, score in partners)
    return chosen


def _join(records: list[frozenset[str]], threshold: float) -> Iterable[tuple[int, int, float]]:
    """Pairs of distinct records with Jaccard ≥ threshold: MinHash LSH candidates, verified exactly."""
    for x, y in _candidates(records, threshold):
        score = jaccard(records[x], records[y])
        if score >= threshold - 1e-9:
            yield x, y, score


def _banding(threshold: float) -> tuple[int, int]:
    """(bands, rows): the longest bands that still miss a pair at the threshold at most MAX_MISS.

    Longer bands make fewer false candidates to verify; more bands miss fewer true pairs. At 0.8
    this is 32 bands of 4: a pair at J = 0.8 is missed with probability 5·10⁻⁸, and a pair at
    J = 0.5 still becomes a candidate with probability 0.87, at J = 0.2 with 0.05.
    """
    for rows in range(PERMUTATIONS, 0, -1):
        bands = PERMUTATIONS // rows
        if (1 - threshold**rows) ** bands <= MAX_MISS:
            return bands, rows
    return PERMUTATIONS, 1


def _candidates(records: list[frozenset[str]], threshold: float) -> list[tuple[int, int]]:
    """Record pairs ``(x, y)``, ``x < y``, that may reach ``threshold``: MinHash LSH with numpy.

    The MinHash of a record under a random permutation of the n-gram vocabulary is the smallest
    permuted id among its n-grams; two records agree on one with probability equal to their
    Jaccard index J. A pair becomes a candidate when it agrees on every value of one band (see
    ``_banding``); candidates whose share of agreeing values (an estimate of J with standard
    error ≤ 0.045) falls more than ESTIMATE_MARGIN below the threshold, or whose sizes rule the
    threshold out, are dropped before the exact check. Everything runs on arrays, so the cost is
    in numpy, not in a Python loop per pair; permutations come from a fixed seed, so the output
    is the same on every run.
    """
    if len(records) < 2:
        return []
    bands, rows = _banding(threshold)
    vocabulary = {g: k for k, g in enumerate(sorted({g for r in records for g in r}))}
    rng = np.random.default_rng(SEED)
    dtype = np.min_scalar_type(max(len(vocabulary) - 1, 0))  # uint16 for most texts: half the memory traffic
    permutations = np.stack([rng.permutation(len(vocabulary)) for _ in range(bands * rows)]).astype(dtype)
    tokens = [np.fromiter((vocabulary[g] for g in r), dtype=np.int64, count=len(r)) for r in records]
    signatures = np.empty((bands * rows, len(records)), dtype=dtype)
    for start in range(0, len(records), _CHUNK):
        chunk = tokens[start : start + _CHUNK]
        offsets = np.cumsum([0, *(len(t) for t in chunk[:-1])])
        signatures[:, start : start + len(chunk)] = np.minimum.reduceat(
            permutations[:, np.concatenate(chunk)], offsets, axis=1
        )

    coded = []  # candidate pairs coded x * len(records) + y, band by band
    for band in range(bands):
        block = np.ascontiguousarray(signatures[band * rows : (band + 1) * rows].T)
        coded.append(_bucket_pairs(block.view(np.dtype((np.void, block.itemsize * rows))).ravel(), len(records)))
    found = np.sort(np.concatenate(coded), kind="stable")  # (np.unique hashes: ten times slower here)
    found = found[np.r_[True, found[1:] != found[:-1]]] if len(found) else found
    xs, ys = np.divmod(found, len(records))
    del found, coded
    sizes = np.array([len(r) for r in records])
    small, large = np.minimum(sizes[xs], sizes[ys]), np.maximum(sizes[xs], sizes[ys])
    keep = small >= threshold * large - 1e-9  # J ≤ |small| / |large|
    xs, ys = xs[keep], ys[keep]
    by_record = np.ascontiguousarray(signatures.T)  # one contiguous row of values per record
    need = np.ceil((threshold - ESTIMATE_MARGIN) * bands * rows - 1e-9)  # agreeing values to keep a pair
    step = 1 << 16
    keep = np.concatenate(
        [_agreeing(by_record[xs[i : i + step]], by_record[ys[i : i + step]]) >= need for i in range(0, len(xs), step)]
        or [np.empty(0, dtype=bool)]
    )
    return list(zip(xs[keep].tolist(), ys[keep].tolist(), strict=True))


def _agreeing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How many values each row of ``a`` shares with the same row of ``b`` (summing the booleans as
    bytes is several times faster than ``count_nonzero`` along an axis)."""
    return (a == b).view(np.uint8).sum(axis=1, dtype=np.uint16)


def _bucket_pairs(keys: np.ndarray, count: int) -> np.ndarray:
    """Every pair of positions with equal keys, coded ``x * count + y`` (x < y), each once, without a
    Python loop per pair: the d-th round pairs each member of a bucket with the member d places on."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    bucket = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    size = np.diff(np.r_[starts, len(ordered)])[bucket]
    rank = np.arange(len(ordered)) - starts[bucket]
    live = np.flatnonzero(size > 1)
    pairs = []
    d = 1
    while len(live):
        live = live[rank[live] + d < size[live]]
        a, b = order[live], order[live + d]
        pairs.append(np.minimum(a, b).astype(np.int64) * count + np.maximum(a, b))
        d += 1
    return np.concatenate(pairs) if pairs else np.empty(0, dtype=np.int64)


# --- RDF ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    """A task or measure to compare: its IRI, its text, and the form that is compared (place names
    masked; the same as the text where it names no place)."""

    iri: URIRef
    text: str
    compared: str = ""

    @property
    def form(self) -> str:
        return self.compared or self.text


def task_items(plans: Iterable[Plan], base: str) -> list[Item]:
    """Every task of ``plans``, with the IRI docs/model.md gives it."""
    return [
        item_of(_task_iri(base, plan, task.table, task.number), task.text.text)
        for plan in plans
        for task in plan.tasks()
    ]


def item_of(iri: str, text: str) -> Item:
    compared = mask_places(text)
    return Item(URIRef(iri), text, compared if compared != text else "")


def measure_items(plans: Iterable[Plan], base: str, min_length: int = MIN_MEASURE_LENGTH) -> list[Item]:
    """Every measure of ``plans`` whose normalised text has at least ``min_length`` characters."""
    return [
        item_of(f"{_task_iri(base, plan, task.table, task.number)}/measure/{m.number}", m.text.text)
        for plan in plans
        for task in plan.tasks()
        for m in task.measures
        if len(normalise(mask_places(m.text.text))) >= min_length
    ]


def _task_iri(base: str, plan: Plan, table: int, number: int) -> str:
    return f"{base}id/pilot/{plan.slug}/task/{table}-{number}"


def method_label(threshold: float, n: int, max_links: int | None = None) -> str:
    """The pilot:method literal: what was compared and how, so a score can be interpreted."""
    cap = f"; each text linked to at most its {max_links} most similar" if max_links else ""
    return (
        f"Jaccard index of character {n}-grams (place names of the gazetteer masked as {PLACE}, "
        f"whitespace and punctuation removed), threshold {threshold:g}{cap}"
    )


Triple = tuple[URIRef, URIRef, URIRef | Literal]


def linked_pairs(
    items: Sequence[Item],
    base: str,
    threshold: float = DEFAULT_THRESHOLD,
    n: int = DEFAULT_NGRAM,
    max_links: int | None = None,
) -> Iterator[tuple[URIRef, URIRef, URIRef, float, list[str]]]:
    """(a, b, similarity node, score, compared forms that masking changed) for each similar pair of
    ``items``, a before b."""
    texts, keys = [item.form for item in items], [str(item.iri) for item in items]
    for i, j, score in similar_pairs(texts, threshold, n, max_links, keys):
        a, b = sorted((items[i].iri, items[j].iri))
        if a == b:
            continue
        forms = sorted({item.compared for item in (items[i], items[j]) if item.compared})
        yield a, b, URIRef(f"{base}id/similarity/{hashlib.sha1(f'{a} {b}'.encode()).hexdigest()[:16]}"), score, forms


def link_lines(
    items: Sequence[Item],
    base: str,
    threshold: float = DEFAULT_THRESHOLD,
    n: int = DEFAULT_NGRAM,
    max_links: int | None = None,
    seen: Callable[[URIRef, URIRef], None] | None = None,
) -> Iterator[bytes]:
    """The triples of :func:`link_triples` as N-Triples lines, written directly: a build makes
    millions of them, and rdflib terms cost more than the linking itself. ``seen`` is told each
    linked pair (a build counts the links pilots share)."""
    method = str(ox.Literal(method_label(threshold, n, max_links)))
    scores: dict[float, str] = {}
    similar, between, score_p = (f"<{PILOT.similarTo}>", f"<{PILOT.between}>", f"<{PILOT.similarityScore}>")
    kind = f"<{RDF.type}> <{PILOT.Similarity}>"
    compared = f"<{PILOT.comparedForm}>"
    for a, b, node, score, forms in linked_pairs(items, base, threshold, n, max_links):
        if seen is not None:
            seen(a, b)
        if score not in scores:
            scores[score] = str(ox.Literal(str(score_literal(score)), datatype=ox.NamedNode(str(XSD.decimal))))
        masked = "".join(f"<{node}> {compared} {ox.Literal(form, language='zh')} .\n" for form in forms)
        yield (
            f"<{a}> {similar} <{b}> .\n<{b}> {similar} <{a}> .\n<{node}> {kind} .\n"
            f"<{node}> {between} <{a}> .\n<{node}> {between} <{b}> .\n<{node}> {score_p} {scores[score]} .\n"
            f"<{node}> <{PILOT.method}> {method} .\n{masked}"
        ).encode()


def link_triples(
    items: Sequence[Item],
    base: str,
    threshold: float = DEFAULT_THRESHOLD,
    n: int = DEFAULT_NGRAM,
    max_links: int | None = None,
) -> Iterator[Triple]:
    """The similarity triples among ``items``, seven a pair, streamed (a builder can add them to
    its own graph without a second copy in memory)."""
    method = Literal(method_label(threshold, n, max_links))
    scores: dict[float, Literal] = {}
    for a, b, node, score, forms in linked_pairs(items, base, threshold, n, max_links):
        if score not in scores:
            scores[score] = score_literal(score)
        for form in forms:
            yield node, PILOT.comparedForm, Literal(form, lang="zh")
        yield a, PILOT.similarTo, b
        yield b, PILOT.similarTo, a
        yield node, RDF.type, PILOT.Similarity
        yield node, PILOT.between, a
        yield node, PILOT.between, b
        yield node, PILOT.similarityScore, scores[score]
        yield node, PILOT.method, method


def similarity_triples(
    plans: Sequence[Plan],
    base: str,
    threshold: float = DEFAULT_THRESHOLD,
    n: int = DEFAULT_NGRAM,
    min_measure_length: int = MIN_MEASURE_LENGTH,
    max_links: int | None = MAX_LINKS,
) -> Iterator[Triple]:
    """The triples of ``similarity_graph``, streamed: tasks first, then measures."""
    yield from items_link_triples(
        task_items(plans, base), measure_items(plans, base, min_measure_length), base, threshold, n, max_links
    )


def items_link_triples(
    tasks: Sequence[Item],
    measures: Sequence[Item],
    base: str,
    threshold: float = DEFAULT_THRESHOLD,
    n: int = DEFAULT_NGRAM,
    max_links: int | None = MAX_LINKS,
) -> Iterator[Triple]:
    """``similarity_triples`` from the items alone (a build keeps these, not the plans)."""
    yield from link_triples(tasks, base, threshold, n, max_links)
    yield from link_triples(measures, base, threshold, n, max_links)


def score_literal(score: float) -> Literal:
    """The score as xsd:decimal with three places (1.0 → "1.000")."""
    return Literal(Decimal(repr(score)).quantize(Decimal("0.001")), datatype=XSD.decimal)


def similarity_graph(
    plans: Sequence[Plan],
    base: str,
    threshold: float = DEFAULT_THRESHOLD,
    n: int = DEFAULT_NGRAM,
    min_measure_length: int = MIN_MEASURE_LENGTH,
    max_links: int | None = MAX_LINKS,
) -> Graph:
    """``pilot:similarTo`` links (both directions) and ``pilot:Similarity`` nodes for similar tasks
    and for similar measures of ``plans``, within and across plans.

    ``max_links`` (see ``similar_pairs``) keeps the graph linear in the number of plans; None
    links every pair above the threshold.
    """
    graph = Graph()
    graph.addN(
        (s, p, o, graph) for s, p, o in similarity_triples(plans, base, threshold, n, min_measure_length, max_links)
    )
    return graph
