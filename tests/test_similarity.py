"""Near-duplicate linking: exact pairs above the threshold, RDF both ways, deterministic."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import random
from decimal import Decimal

import pytest
from rdflib import RDF, Graph, URIRef

from pilotkg.graph.similarity import (
    PILOT,
    jaccard,
    shingles,
    similar_pairs,
    similarity_graph,
)
from pilotkg.loaders.fragment import Fragment

BASE = "https://example.org/kg/"
UNRELATED = "为国际邮轮旅客开通入境免签停留十五日的便利通道，并设立海上救助协调专班。"


def test_identical_and_near_identical_texts_pair_and_unrelated_ones_do_not() -> None:
    texts = [
        "支持武汉市创建中国软件名园，加快培育开源社区，组建开源联盟。",
        "支持 武汉市创建中国软件名园加快培育开源社区 组建开源联盟",  # whitespace, punctuation ignored
        "支持杭州市创建中国软件名园，加快培育开源社区，组建开源联盟。",  # one word changed
        UNRELATED,
        "",
    ]
    pairs = {(i, j): s for i, j, s in similar_pairs(texts, threshold=0.7)}
    assert pairs[(0, 1)] == 1.0
    assert 0.7 <= pairs[(0, 2)] < 1.0
    assert pairs[(0, 2)] == pairs[(1, 2)]
    assert not any(3 in p or 4 in p for p in pairs)


def test_join_finds_exactly_the_pairs_brute_force_finds() -> None:
    """The prefix filter must lose no pair: compare with all pairs on a small random corpus."""
    rng = random.Random(7)
    alphabet = "推进建设完善探索支持鼓励金融科技服务数据平台机制国际合作开放创新"
    texts = []
    for _ in range(120):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(2, 40)))
        texts.append(text)
        for _ in range(rng.randint(0, 3)):
            chars = list(text)
            chars[rng.randrange(len(chars))] = rng.choice(alphabet)
            texts.append("".join(chars))
    grams = [shingles(t) for t in texts]
    for threshold in (0.5, 0.8, 1.0):
        expected = [
            (i, j) for i, j in itertools.combinations(range(len(texts)), 2) if jaccard(grams[i], grams[j]) >= threshold
        ]
        got = similar_pairs(texts, threshold)
        assert [(i, j) for i, j, _ in got] == expected
        assert all(score == jaccard(grams[i], grams[j]) for i, j, score in got)


def test_capped_links_keep_the_best_partners_and_stay_linear() -> None:
    base = "推进绿色金融和转型金融标准体系建设，完善激励约束，深化绿色金融试点和国际合作。"
    near = base.replace("国际合作", "对外合作")  # one word changed
    nearer = base.replace("。", "")  # punctuation only: the same n-grams
    texts = [base] * 30 + [near, UNRELATED]
    every = {(i, j): s for i, j, s in similar_pairs(texts, 0.8)}
    capped = similar_pairs(texts, 0.8, max_links=3)
    assert len(every) == 30 * 29 // 2 + 30
    assert len(capped) <= 3 * len(texts)
    assert all(every[(i, j)] == s for i, j, s in capped)  # a subset, with the same scores
    partners = {k: {j if i == k else i for i, j, _ in capped if k in (i, j)} for k in range(len(texts))}
    assert all(len(partners[k]) >= 3 for k in range(30))  # each copy keeps 3 identical partners
    assert partners[31] == set()
    # identical texts keep each other first; a text alone takes the best other text (first by key)
    small = similar_pairs([base, nearer, near, UNRELATED], 0.8, max_links=1)
    assert small == [(0, 1, 1.0), (0, 2, every[(0, 30)])]


def test_capped_links_do_not_depend_on_input_order() -> None:
    texts = [f"支持{city}创建中国软件名园，加快培育开源社区，组建开源联盟。" for city in "甲乙丙丁戊己"] * 4
    keys = [f"k{i:02d}" for i in range(len(texts))]
    order = list(reversed(range(len(texts))))
    first = {(keys[i], keys[j]) for i, j, _ in similar_pairs(texts, 0.6, max_links=2, keys=keys)}
    second = {
        tuple(sorted((keys[order[i]], keys[order[j]])))
        for i, j, _ in similar_pairs([texts[k] for k in order], 0.6, max_links=2, keys=[keys[k] for k in order])
    }
    assert first == second


def test_threshold_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError):
        similar_pairs(["甲乙丙"], threshold=0)


def _reword(task, text: str) -> None:
    task.text = Fragment(text, tuple(range(len(text))))
    task.measures = []


CHANGED, REPEAT, REPEATED = (1, 3), (1, 4), (1, 5)


def _copy_as(plan, city_slug: str):
    """A copy of ``plan`` for another city: task CHANGED gets unrelated wording, and task REPEAT
    repeats task REPEATED of the same plan with its full stop dropped."""
    other = dataclasses.replace(plan, city_slug=city_slug, tables=copy.deepcopy(plan.tables))
    tasks = {(t.table, t.number): t for t in other.tasks()}
    _reword(tasks[CHANGED], UNRELATED)
    _reword(tasks[REPEAT], tasks[REPEATED].text.text.rstrip("。"))
    return other


@pytest.fixture(scope="module")
def two_plans(wuhan_plan):
    return [wuhan_plan, _copy_as(wuhan_plan, "xian")]


@pytest.fixture(scope="module")
def linked(two_plans) -> Graph:
    return similarity_graph(two_plans, BASE)


def _task(slug: str, table: int, number: int) -> URIRef:
    return URIRef(f"{BASE}id/pilot/{slug}/task/{table}-{number}")


def _score(graph: Graph, a: URIRef, b: URIRef) -> Decimal | None:
    for node in graph.subjects(PILOT.between, a):
        if (node, PILOT.between, b) in graph:
            return graph.value(node, PILOT.similarityScore).toPython()
    return None


def test_every_identical_task_is_linked_both_ways_with_score_one(linked: Graph, wuhan_plan) -> None:
    for task in wuhan_plan.tasks():
        a, b = _task("wuhan-2022", task.table, task.number), _task("xian-2022", task.table, task.number)
        if (task.table, task.number) in (CHANGED, REPEAT):
            assert (a, PILOT.similarTo, b) not in linked
            continue
        assert (a, PILOT.similarTo, b) in linked
        assert (b, PILOT.similarTo, a) in linked
        assert _score(linked, a, b) == Decimal("1.000")


def test_the_changed_task_is_linked_to_nothing(linked: Graph) -> None:
    changed = _task("xian-2022", *CHANGED)
    assert not list(linked.objects(changed, PILOT.similarTo))
    assert not list(linked.subjects(PILOT.between, changed))


def test_repeats_within_one_plan_are_linked(linked: Graph) -> None:
    a, b = _task("xian-2022", *REPEAT), _task("xian-2022", *REPEATED)
    assert (a, PILOT.similarTo, b) in linked and (b, PILOT.similarTo, a) in linked
    assert _score(linked, a, b) == Decimal("1.000")  # punctuation does not count
    # and the repeat links to the original task of the other plan as well
    assert (a, PILOT.similarTo, _task("wuhan-2022", *REPEATED)) in linked


def test_similarity_nodes_are_well_formed_and_measures_linked(linked: Graph) -> None:
    nodes = set(linked.subjects(RDF.type, PILOT.Similarity))
    assert nodes
    for node in nodes:
        assert str(node).startswith(f"{BASE}id/similarity/")
        assert len(set(linked.objects(node, PILOT.between))) == 2
        assert len(list(linked.objects(node, PILOT.similarityScore))) == 1
        assert len(list(linked.objects(node, PILOT.method))) == 1
    measures = {s for s in linked.subjects(PILOT.similarTo) if "/measure/" in str(s)}
    assert URIRef(f"{_task('wuhan-2022', 1, 1)}/measure/1") in measures
    # every similarTo pair is symmetric and described by exactly one node
    pairs = {tuple(sorted((s, o))) for s, o in linked.subject_objects(PILOT.similarTo)}
    assert all((o, PILOT.similarTo, s) in linked for s, o in linked.subject_objects(PILOT.similarTo))
    assert len(pairs) == len(nodes)


def test_short_measures_are_not_linked(linked: Graph, wuhan_plan) -> None:
    from pilotkg.graph.similarity import MIN_MEASURE_LENGTH, normalise

    short = [(t, m) for t in wuhan_plan.tasks() for m in t.measures if len(normalise(m.text.text)) < MIN_MEASURE_LENGTH]
    for task, measure in short:
        iri = URIRef(f"{_task('wuhan-2022', task.table, task.number)}/measure/{measure.number}")
        assert not list(linked.objects(iri, PILOT.similarTo))


def test_output_is_deterministic(two_plans) -> None:
    first = similarity_graph(two_plans, BASE).serialize(format="nt").splitlines()
    second = similarity_graph(list(reversed(two_plans)), BASE).serialize(format="nt").splitlines()
    assert sorted(first) == sorted(second)


def test_the_build_writes_the_same_links_as_n_triples(two_plans, linked: Graph) -> None:
    """The build writes link lines directly; they must say exactly what the rdflib triples say."""
    from pilotkg.graph.similarity import MAX_LINKS, link_lines, measure_items, task_items

    lines = b"".join(
        line
        for items in (task_items(two_plans, BASE), measure_items(two_plans, BASE))
        for line in link_lines(items, BASE, max_links=MAX_LINKS)
    )
    written = Graph().parse(data=lines.decode(), format="nt")
    assert len(written) == len(linked) > 0
    assert set(written) == set(linked)
