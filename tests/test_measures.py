"""Measure splitting and typing: coverage of every Wuhan task, and the rules on small texts."""

from __future__ import annotations

import itertools
import re
import time
from pathlib import Path

import pytest

from pilotkg.loaders.gazetteer import ConceptScheme
from pilotkg.loaders.measures import OTHER, MeasureRules, split_measures
from pilotkg.paths import SOURCES_DIR, VOCAB_DIR

BASE = "https://w3id.org/pilotkg/"


@pytest.fixture(scope="module")
def rules() -> MeasureRules:
    return MeasureRules.load(VOCAB_DIR / "measure-rules.csv", VOCAB_DIR / "measure-adverbs.txt")


@pytest.fixture(scope="module")
def wuhan_tasks() -> dict[str, str]:
    """Task texts of the Wuhan task list, read straight off its lines (one task per line there)."""
    text = (SOURCES_DIR / "wuhan-2022.txt").read_text(encoding="utf-8")
    task_list = text[text.index("试点任务清单\n", text.index("三、组织实施")) :]
    tasks: dict[str, str] = {}
    table = 0
    for line in task_list.splitlines():
        if re.match(r"\s*表\s*\d", line):
            table += 1
        elif m := re.match(r"^.*?(\d+)\.\s*(\S.*?。)\s*$", line):
            tasks[f"{table}-{m[1]}"] = m[2]
    return tasks


def kinds(text: str, rules: MeasureRules) -> list[tuple[str, str | None]]:
    return [(p.measure_type, p.verb) for p in split_measures(text, rules)]


def test_wuhan_task_list_read(wuhan_tasks: dict[str, str]) -> None:
    counts = [sum(1 for k in wuhan_tasks if k.startswith(f"{t}-")) for t in range(1, 6)]
    assert counts == [38, 11, 18, 10, 13]


def test_measures_cover_every_wuhan_task_exactly(wuhan_tasks: dict[str, str], rules: MeasureRules) -> None:
    for key, text in wuhan_tasks.items():
        pieces = split_measures(text, rules)
        assert "".join(p.text for p in pieces) == text, key
        assert pieces[0].start == 0 and pieces[-1].end == len(text), key
        for before, after in itertools.pairwise(pieces):
            assert before.end == after.start, key
        for p in pieces:
            assert p.text == text[p.start : p.end] and p.text.strip(), key
            assert p.measure_type in rules.measure_types, key
            assert (p.verb is None) == (p.measure_type == OTHER), key
            if p.verb is not None:
                assert p.verb in p.text, key


def test_wuhan_tasks_typed_as_read(wuhan_tasks: dict[str, str], rules: MeasureRules) -> None:
    assert kinds(wuhan_tasks["1-17"], rules) == [("encourage", "鼓励"), ("permit", "允许")]
    assert kinds(wuhan_tasks["1-31"], rules) == [
        ("support", "支持"),
        ("explore", "探索"),
        ("establish", "建立健全"),
        (OTHER, None),
    ]
    assert kinds(wuhan_tasks["1-10"], rules) == [("explore", "探索")]
    assert kinds(wuhan_tasks["1-30"], rules) == [("permit", "允许")]
    assert kinds(wuhan_tasks["1-36"], rules) == [(OTHER, None)]
    assert [p.measure_type for p in split_measures(wuhan_tasks["5-6"], rules)] == [
        "accelerate",
        "improve",
        "explore",
        "promote",
        "clarify",
    ]


def test_whole_plan_splits_in_milliseconds(wuhan_tasks: dict[str, str], rules: MeasureRules) -> None:
    start = time.perf_counter()
    for text in wuhan_tasks.values():
        split_measures(text, rules)
    assert time.perf_counter() - start < 0.05


def test_single_permit(rules: MeasureRules) -> None:
    pieces = split_measures("允许符合条件的公立医院设立国际医疗部。", rules)
    assert len(pieces) == 1
    assert (pieces[0].measure_type, pieces[0].verb) == ("permit", "允许")


def test_adverbs_before_the_verb(rules: MeasureRules) -> None:
    assert kinds("持续推进国家检验检测高技术服务业集聚区建设。", rules) == [("promote", "推进")]
    assert kinds("积极稳妥推动第三方数据交易机构试点。", rules) == [("promote", "推动")]
    assert kinds("进一步拓展新型工业用地的适用范围。", rules) == [("expand", "拓展")]
    # 规范 is an adverb before a verb and a verb on its own
    assert kinds("规范探索知识产权证券化。", rules) == [("explore", "探索")]
    assert kinds("规范数据交易行为。", rules) == [("regulate", "规范")]


def test_split_after_comma_only_before_a_verb(rules: MeasureRules) -> None:
    text = "推进东湖科技保险创新示范区建设，深化科技保险改革创新。"
    pieces = split_measures(text, rules)
    assert [p.text for p in pieces] == ["推进东湖科技保险创新示范区建设，", "深化科技保险改革创新。"]
    assert kinds("允许以中外共同捐资方式，按相关规定举办非营利性医疗机构，提供基本医疗卫生服务。", rules) == [
        ("permit", "允许")
    ]


def test_verbless_leading_clause_stays_with_the_action(rules: MeasureRules) -> None:
    text = "根据科研需要，探索优化对科研机构访问国际学术前沿网站的保障服务。"
    assert [(p.text, p.measure_type) for p in split_measures(text, rules)] == [(text, "explore")]
    text = "试点期限内，对制造业企业独立出来的服务型制造子公司，可适用过渡期政策。"
    assert len(split_measures(text, rules)) == 1


def test_framing_clause_goes_with_the_next_verb(rules: MeasureRules) -> None:
    text = "坚持金融业务持牌经营要求，通过风险提示、信息披露等，加强对金融领域企业风险防控的指导服务。"
    assert [p.text for p in split_measures(text, rules)] == [
        "坚持金融业务持牌经营要求，",
        "通过风险提示、信息披露等，加强对金融领域企业风险防控的指导服务。",
    ]
    # a clause with an action of its own is not a frame: it stays with the measure before
    text = "强化属地监管职责，在有关方面开展深入探索，进一步落实工作要求。"
    assert [p.text for p in split_measures(text, rules)] == [
        "强化属地监管职责，在有关方面开展深入探索，",
        "进一步落实工作要求。",
    ]


def test_enumeration_never_splits(rules: MeasureRules) -> None:
    text = "鼓励通过共建国际化协同创新机制、引进国际学术合伙人等方式“用才引智”，加强人才服务。"
    assert kinds(text, rules) == [("encourage", "鼓励"), ("strengthen", "加强")]


def test_sentence_ends_and_longest_verb(rules: MeasureRules) -> None:
    text = "建立健全患者主导的医疗数据共享制度；将符合条件的项目纳入医保支付范围。"
    pieces = split_measures(text, rules)
    assert [p.text for p in pieces] == [
        "建立健全患者主导的医疗数据共享制度；",
        "将符合条件的项目纳入医保支付范围。",
    ]
    assert kinds(text, rules) == [("establish", "建立健全"), (OTHER, None)]


def test_no_split_inside_brackets_and_closing_quotes_kept(rules: MeasureRules) -> None:
    text = "允许外籍人才就业（须符合条件，支持创业）。推动建设“千兆城市。”支持发展。"
    assert [p.text for p in split_measures(text, rules)] == [
        "允许外籍人才就业（须符合条件，支持创业）。",
        "推动建设“千兆城市。”",
        "支持发展。",
    ]


def test_nouns_that_start_like_verbs(rules: MeasureRules) -> None:
    assert kinds("建设用地过渡期政策以5年为限。", rules) == [(OTHER, None)]
    assert kinds("建设国际航空货运体系。", rules) == [("build", "建设")]


def test_edges(rules: MeasureRules) -> None:
    assert split_measures("", rules) == []
    pieces = split_measures("支持武汉市创建中国软件名园。 \n", rules)
    assert len(pieces) == 1 and pieces[0].end == len("支持武汉市创建中国软件名园。 \n")
    assert kinds("没有标点的文本", rules) == [(OTHER, None)]


def test_every_rule_type_is_a_measure_type_concept(rules: MeasureRules) -> None:
    scheme = ConceptScheme.load(VOCAB_DIR / "measure-types.ttl", BASE)
    assert rules.measure_types <= set(scheme.concepts)
    assert OTHER in scheme


def test_rules_file_errors(tmp_path: Path) -> None:
    adverbs = tmp_path / "adverbs.txt"
    adverbs.write_text("积极\n", encoding="utf-8")
    bad = tmp_path / "rules.csv"
    bad.write_text("verb,measure_type\n允许,permit\n允许,relax\n", encoding="utf-8")
    with pytest.raises(ValueError, match="listed twice"):
        MeasureRules.load(bad, adverbs)
    bad.write_text("word,type\n允许,permit\n", encoding="utf-8")
    with pytest.raises(ValueError, match="columns"):
        MeasureRules.load(bad, adverbs)


def test_a_lead_in_phrase_does_not_hide_the_verb(rules):
    """ "以…为主体推动…" and "向…下放…" type by the verb after the lead-in, and start a measure."""
    pieces = split_measures("优化文化领域相关审批程序，向武汉市下放艺术品进出口经营活动的审批权限。", rules)
    assert [(p.verb, p.measure_type) for p in pieces] == [("优化", "improve"), ("下放", "delegate")]
    (piece,) = split_measures("以地方为主体推动建设武汉超算中心。", rules)
    assert (piece.verb, piece.measure_type) == ("推动", "promote")
