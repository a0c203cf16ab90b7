"""Locate each task of the task list in the plan's narrative paragraphs.

The task list and the narrative say the same things twice, in two layouts: the narrative's
numbered paragraphs are the task groups, its ``…领域：`` lead-ins are the sectors, and its
sentences are the tasks' sentences. Matching sentence by sentence (rapidfuzz, so that a changed
word still matches) gives each task its narrative paragraph, its narrative wording and its
position; the narrative then settles what the PDF layout leaves ambiguous (a group label printed
on the wrong row, a task cell shifted into the label column).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from pilotkg.loaders.fragment import Fragment

# A sector lead-in such as "科技服务领域：" at the start of a paragraph body or after a full stop.
SECTOR_LEAD = re.compile(r"(?:^|(?<=。))(?P<label>[^。：；，、\s“”（）]{2,15}?领域)：")
SENTENCE = re.compile(r"[^。]+(?:。|$)")
MATCH_CUTOFF = 60.0  # percent; below this a task sentence is not taken to be in the narrative
LABEL_CUTOFF = 80.0


@dataclass(frozen=True, slots=True)
class Unit:
    """One narrative sentence, with the paragraph and sector lead-in it stands under."""

    index: int
    paragraph: int
    sector_label: str | None
    fragment: Fragment


@dataclass(slots=True)
class Placement:
    """Where a task's text stands in the narrative."""

    units: list[int]  # the consecutive units that are the task's narrative wording
    other_units: list[int]  # units a sentence of the task matched outside that run
    unmatched: list[str]  # task sentences found nowhere in the narrative


def heading_and_body(text: Fragment) -> tuple[Fragment, Fragment]:
    """Split a numbered paragraph into its lead sentence (number and full stop dropped) and body."""
    m = re.match(r"\d{1,3}\s*[.．]\s*", text.text)
    rest = text[m.end() :] if m else text
    stop = rest.find("。")
    if stop < 0:
        return rest, rest[len(rest) :]
    return rest[:stop], rest[stop + 1 :].strip()


def sentences(fragment: Fragment) -> list[Fragment]:
    return [fragment[m.start() : m.end()] for m in SENTENCE.finditer(fragment.text) if m.group().strip()]


def narrative_units(paragraphs: list[tuple[int, Fragment]]) -> list[Unit]:
    """The sentences of the given numbered paragraphs' bodies, in order, sector lead-ins removed."""
    units: list[Unit] = []
    for number, text in paragraphs:
        _, body = heading_and_body(text)
        leads = list(SECTOR_LEAD.finditer(body.text))
        bounds = [(m.end(), m["label"]) for m in leads]
        pieces: list[tuple[Fragment, str | None]] = []
        first = leads[0].start() if leads else len(body)
        if first > 0:
            pieces.append((body[:first], None))
        for k, (start, label) in enumerate(bounds):
            stop = leads[k + 1].start() if k + 1 < len(leads) else len(body)
            pieces.append((body[start:stop], label))
        for piece, label in pieces:
            for sentence in sentences(piece):
                units.append(Unit(len(units), number, label, sentence))
    return units


def place(task: Fragment, units: list[Unit], choices: list[str]) -> Placement:
    """Match each sentence of ``task`` to a narrative unit and keep the first consecutive run."""
    matched: list[int] = []
    unmatched: list[str] = []
    for sentence in sentences(task):
        best = process.extractOne(sentence.text, choices, scorer=fuzz.ratio, score_cutoff=MATCH_CUTOFF)
        if best is None:
            unmatched.append(sentence.text)
        else:
            matched.append(best[2])
    if not matched:
        return Placement([], [], unmatched)
    run = [matched[0]]
    for index in matched[1:]:
        if index == run[-1] + 1:
            run.append(index)
        else:
            break
    return Placement(run, [i for i in matched if i not in run], unmatched)


def best_label(label: str, candidates: dict[int, str]) -> int | None:
    """The key of the candidate label closest to ``label`` (layout variants such as a dropped 性)."""
    if not candidates:
        return None
    best = process.extractOne(label, candidates, scorer=fuzz.ratio, score_cutoff=LABEL_CUTOFF)
    return None if best is None else best[2]


def word_diff(
    narrative: str, task: str, context: int = 4, names: tuple[str, str] = ("narrative", "task list")
) -> list[str]:
    """Each difference between the two wordings, in reading order, with a little context.

    Character edits separated by at most two unchanged characters are reported as one change, so
    that a changed word reads as a word ("科技开发" → "技术开发") rather than as scattered letters.
    """
    ops = [op for op in difflib.SequenceMatcher(a=narrative, b=task, autojunk=False).get_opcodes() if op[0] != "equal"]
    merged: list[list[int]] = []
    for _, a0, a1, b0, b1 in ops:
        if merged and a0 - merged[-1][1] <= 2 and b0 - merged[-1][3] <= 2:
            merged[-1][1], merged[-1][3] = a1, b1
        else:
            merged.append([a0, a1, b0, b1])
    lines = []
    for a0, a1, b0, b1 in merged:
        before, after = narrative[max(0, a0 - context) : a0], narrative[a1 : a1 + context]
        old, new = narrative[a0:a1], task[b0:b1]
        verb = "added" if not old else "omitted" if not new else "replaced"
        lines.append(f"{verb}: {names[0]} “…{before}[{old}]{after}…” → {names[1]} “…{before}[{new}]{after}…”")
    return lines
