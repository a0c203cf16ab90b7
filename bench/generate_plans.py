"""Write N synthetic pilot plans in the text layout of a real plan — for tests and benchmarks only.

Usage: python bench/generate_plans.py OUT [--n 100] [--seed 0]

Each plan is a notice, a plan narrative (sections, sub-sections, numbered paragraphs with
``…领域：`` lead-ins) and a task list (``表 N`` tables, tab-separated rows, repeated headers at page
breaks, page breaks inside words and inside task cells, stray spaces in cells and labels, bold
marks around sector lead-ins) that ``pilotkg.loaders.plan_text`` reads like a real one.

What varies, plan to plan, from a seeded random generator (the same seed writes the same bytes):
the city and its province, agencies and addressees (all real, from vocab/), the date, the
period, which competition categories, sectors and groups each table has, the number of tasks
(about 100 a plan), and the tasks' wording, recombined from the phrase pools of
bench/synthetic-plans.toml so that plans overlap without being copies.

Two plans for the same city and year are an error, so plan k gets city k mod C and year
first_year + k div C (C usable cities): 1,000 plans over 19 cities run to about 53 years, so
synthetic years start at 2030 and run into the 2080s. They are not real years of anything.

Synthetic plans are never published: this refuses to write into data/sources/.
"""

from __future__ import annotations

import argparse
import random
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import SKOS, Graph

from pilotkg.loaders.gazetteer import Agencies, Agency, Place, Places
from pilotkg.paths import SOURCES_DIR, VOCAB_DIR

PHRASES = Path(__file__).with_name("synthetic-plans.toml")
CN_DIGITS = "零一二三四五六七八九"
SENTENCE_END = "。！？：；"
CENTRAL_KINDS = frozenset(
    {"party", "court", "ministry", "commission", "administration", "office", "central-bank", "academy", "other"}
)
IMPLEMENTING_KINDS = frozenset({"ministry", "commission", "administration"})  # named inside tasks


def cn_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (headings stay below 100)."""
    tens, units = divmod(n, 10)
    return (("" if tens == 1 else CN_DIGITS[tens]) + "十" if tens else "") + (CN_DIGITS[units] if units else "")


@dataclass(slots=True)
class Group:
    label: str  # as the narrative heads its paragraph
    topic: str
    sectors: list[tuple[str, list[str]]] = field(default_factory=list)  # (sector label, task texts)
    tasks: list[str] = field(default_factory=list)  # for groups without sectors

    def all_tasks(self) -> list[str]:
        return [t for _, tasks in self.sectors for t in tasks] + self.tasks


@dataclass(slots=True)
class SyntheticPlan:
    """What the generator wrote: enough for a test to check what the loader reads back."""

    path: Path
    city: str
    slug: str
    year: int
    tables: list[tuple[str, list[Group]]]
    addressees: list[str]
    implementers: list[str]

    @property
    def task_counts(self) -> list[int]:
        return [sum(len(g.all_tasks()) for g in groups) for _, groups in self.tables]

    @property
    def group_counts(self) -> list[int]:
        return [len(groups) for _, groups in self.tables]


@dataclass(frozen=True, slots=True)
class Pilot:
    """A place that can host a pilot: its government (and its province's) are in the gazetteer."""

    place: Place
    government: Agency
    province_government: Agency | None


class Generator:
    def __init__(self, seed: int = 0, vocab_dir: Path = VOCAB_DIR, phrases: Path = PHRASES) -> None:
        self.seed = seed
        self._menus: dict[str, list[str]] = {}
        self.p = tomllib.loads(phrases.read_text(encoding="utf-8"))
        self.agencies = Agencies.load(vocab_dir / "agencies.csv")
        places = Places.load(vocab_dir / "places.csv")
        governments = {a.place_slug: a for a in self.agencies if a.kind == "government" and a.place_slug}
        self.pilots = [
            Pilot(place, governments[place.slug], governments.get(place.province_slug) if place.province_slug else None)
            for place in places
            if place.kind in ("city", "municipality")
            and place.slug in governments
            and (place.province_slug is None or place.province_slug in governments)
        ]
        self.sectors = _labels(vocab_dir / "sectors.ttl", "sector")
        self.categories = _labels(vocab_dir / "categories.ttl", "category")
        self.issuer = self.agencies.resolve(self.p["issuer"])
        if self.issuer is None or self.agencies.resolve(self.p["approver"]) is None:
            raise ValueError(f"{phrases}: issuer and approver must be in vocab/agencies.csv")

    # --- content ----------------------------------------------------------------------------

    def city_and_year(self, k: int) -> tuple[Pilot, int]:
        return self.pilots[k % len(self.pilots)], self.p["first_year"] + k // len(self.pilots)

    def _central(self, year: int) -> list[Agency]:
        """Central agencies that exist in ``year`` (formed by then, not yet dissolved)."""

        def exists(a: Agency) -> bool:
            formed = int(a.change_date[:4]) if a.change_date else 0
            gone = int(a.dissolved[:4]) if a.dissolved else 10_000
            return formed <= year < gone

        return [
            a
            for a in self.agencies
            if a.kind in CENTRAL_KINDS and a != self.issuer and exists(a) and self.agencies.resolve(short_name(a)) == a
        ]

    def _clause(self, rng: random.Random, topic: str, city: str, agencies: list[Agency]) -> str:
        p = self.p
        noun = rng.choice(p["nouns"])
        if rng.random() < p["city_object_chance"]:
            return rng.choice(p["city_objects"]).format(city=city, topic=topic, noun=noun)
        clause = f"{rng.choice(p['adverbs'])}{rng.choice(p['verbs'])}{topic}{noun}"
        roll = rng.random()
        doers = [a for a in agencies if a.kind in IMPLEMENTING_KINDS]
        if roll < p["agency_tail_chance"] and doers:
            clause += "，" + rng.choice(p["agency_tails"]).format(agency=short_name(rng.choice(doers)))
        elif roll < p["agency_tail_chance"] + p["tail_chance"]:
            clause += "，" + rng.choice(p["tails"]).format(topic=topic, noun=rng.choice(p["nouns"]))
        return clause

    def _sentences(
        self, rng: random.Random, topic: str, city: str, agencies: list[Agency], used: set[str]
    ) -> list[str]:
        """One to three sentences, each new to ``used`` (the loader places tasks by sentence)."""
        sentences: list[str] = []
        want = rng.choices([1, 2, 3], weights=[6, 3, 1])[0]
        for _ in range(200):
            if len(sentences) == want:
                break
            clauses = [self._clause(rng, topic, city, agencies) for _ in range(rng.choices([1, 2], [3, 2])[0])]
            sentence = "，".join(clauses) + "。"
            if sentence not in used:
                used.add(sentence)
                sentences.append(sentence)
        if not sentences:
            raise RuntimeError(f"phrase pools too small to write a new sentence about {topic}")
        return sentences

    def menu(self, topic: str) -> list[str]:
        """The tasks every plan may copy for ``topic``: the same for every plan of a seed."""
        if topic not in self._menus:
            rng = random.Random(f"pilotkg-synthetic-menu-{self.seed}-{topic}")
            used: set[str] = set()
            self._menus[topic] = [
                "".join(self._sentences(rng, topic, "", [], used)) for _ in range(self.p["menu_size"])
            ]
        return self._menus[topic]

    def _task(self, rng: random.Random, topic: str, city: str, agencies: list[Agency], used: set[str]) -> str:
        """A task copied from the topic's menu (if none of its sentences is used yet) or a new one."""
        if rng.random() < self.p["copy_chance"]:
            copied = rng.choice(self.menu(topic))
            sentences = [s + "。" for s in copied.split("。") if s]
            if not used.intersection(sentences):
                used.update(sentences)
                return copied
        return "".join(self._sentences(rng, topic, city, agencies, used))

    def plan_content(self, k: int) -> tuple[random.Random, Pilot, int, list[tuple[str, list[Group]]]]:
        rng = random.Random(f"pilotkg-synthetic-{self.seed}-{k}")
        pilot, year = self.city_and_year(k)
        city = pilot.place.name_zh
        central = self._central(year)
        used: set[str] = set()
        tables: list[tuple[str, list[Group]]] = []
        for spec in self.p["tables"]:
            groups: list[Group] = []
            if spec.get("by_sector"):
                sectors = rng.sample(self.sectors, k=len(self.sectors))
                for category in _ordered_sample(rng, self.categories, 3, len(self.categories)):
                    group = Group(category, category)
                    for _ in range(rng.randint(1, 3)):
                        if not sectors:
                            break
                        sector = sectors.pop()
                        topic = sector.removesuffix("服务") if rng.random() < 0.3 else sector
                        group.sectors.append(
                            (sector, [self._task(rng, topic, city, central, used) for _ in range(rng.randint(3, 6))])
                        )
                    if group.sectors:
                        groups.append(group)
            else:
                for label, topic in _ordered_sample(rng, spec["groups"], 2, len(spec["groups"])):
                    groups.append(
                        Group(
                            label,
                            topic,
                            tasks=[self._task(rng, topic, city, central, used) for _ in range(rng.randint(3, 8))],
                        )
                    )
            tables.append((spec["title"], groups))
        return rng, pilot, year, tables

    # --- layout -----------------------------------------------------------------------------

    def write(self, k: int, folder: Path) -> SyntheticPlan:
        rng, pilot, year, tables = self.plan_content(k)
        p = self.p
        city = pilot.place.name_zh
        plan_title = f"{city}服务业扩大开放综合试点总体方案"
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        provincial = pilot.province_government or pilot.government
        central = self._central(year)
        lo, hi = p["addressees"]
        named = rng.sample(central, k=min(len(central), rng.randint(lo, hi)))
        named.sort(key=central.index)
        addressees = [short_name(provincial), *(short_name(a) for a in named)]
        if len(named) > 3 and rng.random() < 0.5:  # documents sometimes list one twice
            addressees.append(short_name(named[rng.randrange(len(named))]))

        out: list[str] = [""]

        def para(*lines: str) -> None:
            for line in lines:
                out.extend([line, ""])

        para(
            f"{p['issuer']}关于印发《{plan_title}》的通知",
            f"({p['document_series']}〔{year}〕{rng.randint(20, 320)}号)",
            "，".join(addressees) + "：",
            p["notice_body"].format(plan=plan_title, approver=p["approver"]),
            p["issuer"],
            f"{year}年{month}月{day}日",
            plan_title,
            p["plan_intro"].format(city=city),
        )
        period = rng.choice(p["period_years"])
        para(f"一、{p['general_title']}")
        for n, (title, body) in enumerate(p["general"], start=1):
            para(f"（{cn_numeral(n)}）{title}。")
            for text in body.format(period=period).split("|"):
                out.extend([*page_break(rng, text, 0.3), ""])
        para(f"二、{p['tasks_title']}")
        number = 0
        for t, (title, groups) in enumerate(tables, start=1):
            para(f"（{cn_numeral(t)}）{title}。")
            for group in groups:
                number += 1
                body = "".join(
                    (f"**{s}领域：**" if rng.random() < 0.5 else f"{s}领域：") + "".join(tasks)
                    for s, tasks in group.sectors
                ) + "".join(group.tasks)
                out.extend([*page_break(rng, f"{number}.{group.label}。{body}", 0.4), ""])
        para(
            f"三、{p['implementation_title']}",
            p["implementation"].format(
                province_government=provincial.name_zh, city_government=pilot.government.name_zh, issuer=p["issuer"]
            ),
            f"{city}服务业扩大开放综合试点任务清单",
        )
        for t, (title, groups) in enumerate(tables, start=1):
            out.extend(self._table(rng, t, title, groups))
        path = folder / f"{pilot.place.slug}-{year}.txt"
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
        implementers = list(dict.fromkeys(a.slug for a in (provincial, pilot.government)))
        return SyntheticPlan(
            path, city, f"{pilot.place.slug}-{year}", year, tables, list(dict.fromkeys(addressees)), implementers
        )

    def _table(self, rng: random.Random, number: int, title: str, groups: list[Group]) -> list[str]:
        by_sector = any(g.sectors for g in groups)
        header = "类别\t\t试点任务" if by_sector else "类别\t试点任务"
        lines = [f"表 {number} {title}", "", header]
        rows: list[tuple[list[str], list[str], str]] = []  # (labels printed, labels in effect, task)
        for group in groups:
            if by_sector:
                for s, (sector, tasks) in enumerate(group.sectors):
                    held = [spaced(rng, group.label), spaced(rng, sector + "领域")]
                    rows += [
                        ([held[0] if s == k == 0 else "", held[1] if k == 0 else ""], held, task)
                        for k, task in enumerate(tasks)
                    ]
            else:
                rows += [([group.label if k == 0 else ""], [group.label], task) for k, task in enumerate(group.tasks)]
        for n, (labels, held, task) in enumerate(rows, start=1):
            if n > 1 and rng.random() < 0.06:  # a page break: blank line, the header again
                lines += ["", header]
                if rng.random() < 0.5:  # and the labels in effect printed again
                    labels = held
            cell = f"{n}. {spaced(rng, task, 0.15)}"
            pieces = page_break(rng, cell, 0.08, min_first=len(f"{n}. ") + 2)
            lines.append("\t".join([*labels, pieces[0]]))
            for piece in pieces[2:]:  # the rest of a cell cut by a page break
                lines += ["", "\t" * len(labels) + piece]
        return [*lines, ""]


def short_name(agency: Agency) -> str:
    """The form a notice prints: the shortest Chinese short form, else the full name."""
    short = [label for label in agency.alt_labels_zh if all(_cjk(ch) for ch in label)]
    return min(short, key=len) if short else agency.name_zh


def spaced(rng: random.Random, text: str, chance: float = 0.5) -> str:
    """Insert a stray space between two Chinese characters, as wrapped PDF cells do."""
    if rng.random() >= chance:
        return text
    spots = [i for i in range(1, len(text)) if _cjk(text[i - 1]) and _cjk(text[i])]
    if not spots:
        return text
    i = rng.choice(spots)
    return f"{text[:i]} {text[i:]}"


def page_break(rng: random.Random, text: str, chance: float, min_first: int = 2) -> list[str]:
    """Split ``text`` by a page break inside a word: never after sentence punctuation, and the
    second part never starts with a digit or Latin letter (it would read as a numbered line)."""
    if rng.random() >= chance or len(text) < min_first + 4:
        return [text]
    spots = [
        i
        for i in range(min_first, len(text) - 2)
        if text[i - 1] not in SENTENCE_END and _cjk(text[i - 1]) and _cjk(text[i])
    ]
    if not spots:
        return [text]
    i = rng.choice(spots)
    return [text[:i], "", text[i:]]


def _cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _ordered_sample(rng: random.Random, items: list, low: int, high: int) -> list:
    """A random subset of ``items`` (between ``low`` and ``high`` of them) in their given order."""
    picked = sorted(rng.sample(range(len(items)), k=min(len(items), rng.randint(low, high))))
    return [items[i] for i in picked]


def _labels(ttl: Path, kind: str) -> list[str]:
    """The Chinese preferred labels of a scheme's concepts, in IRI order."""
    graph = Graph().parse(ttl, format="turtle", publicID="https://example.org/")
    labels = [
        (str(s), str(o))
        for s, o in graph.subject_objects(SKOS.prefLabel)
        if o.language == "zh" and f"/id/{kind}/" in str(s)
    ]
    return [label for _, label in sorted(labels)]


def generate(folder: Path | str, n: int, seed: int = 0) -> list[SyntheticPlan]:
    """Write ``n`` plans into ``folder`` (created if needed); never into data/sources/."""
    folder = Path(folder).resolve()
    if folder == SOURCES_DIR.resolve() or SOURCES_DIR.resolve() in folder.parents:
        raise ValueError(f"synthetic plans must not be written into {SOURCES_DIR}")
    folder.mkdir(parents=True, exist_ok=True)
    generator = Generator(seed)
    return [generator.write(k, folder) for k in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    plans = generate(args.out, args.n, args.seed)
    tasks = sum(sum(p.task_counts) for p in plans)
    print(f"wrote {len(plans)} plans ({tasks} tasks) to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
