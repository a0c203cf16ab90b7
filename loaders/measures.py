"""Split a task's text into its measures and type each by its policy verb.

A task asks for one or more distinct actions ("支持…，探索…，建立健全…；将…纳入…"). This module
cuts the task's clean text into contiguous pieces, one per action, so that the pieces together
are the whole text, and types each piece by the policy verb that opens it. The vocabulary —
verbs and their types, adverbs that may precede a verb, words that open a framing clause — is
data in vocab/ (measure-rules.csv, measure-adverbs.txt, measure-frames.txt, measure-leads.txt); this code only
applies it:

* a sentence ends after 。 ； ; ！ ？ outside brackets and quotes — or inside them when the
  brackets and quotes close right after it (“…。”) — together with the closing quotes or brackets
  that follow; a new measure always starts after it;
* inside a sentence, a clause after ， or , starts a new measure when it opens with a policy verb,
  possibly after adverbs ("持续推进…"). 、 never splits: it enumerates, and the items of an
  enumeration often open with a verb that belongs to the action before ("鼓励通过共建…机制、引进…
  等方式");
* verb-less clauses at the start of a sentence ("根据科研需要，探索…") belong to the first
  measure of the sentence; a verb-less clause inside a sentence belongs to the measure before it,
  unless it is a framing clause ("在…前提下", "通过…等") and the clauses after it up to a verb
  are framing clauses too, in which case they belong to the measure of that verb;
* a measure is typed by its opening verb, the longest listed verb winning; a measure without a
  recognised verb is typed ``other``.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

OTHER = "other"
NOT_A_VERB = "-"

SENTENCE_ENDS = frozenset("。；;！？!?")
CLAUSE_ENDS = frozenset("，,")
OPENERS = "（(《“‘【「『〔["
CLOSERS = "）)》”’】」』〕]"
TRAILING = frozenset(CLOSERS) | frozenset(" \t\r\n\u3000")
_MAX_WORD = 6  # longest verb or adverb the rules files may hold
_LEAD_WINDOW = 10  # how far after an open lead-in ("向…") its verb may stand


@dataclass(frozen=True, slots=True)
class MeasurePiece:
    """One measure: ``text == task_text[start:end]``; ``verb`` is None for type ``other``."""

    start: int
    end: int
    text: str
    verb: str | None
    measure_type: str


@dataclass(frozen=True, slots=True)
class MeasureRules:
    """The verb → measure-type rules, the adverbs that may precede a verb, and framing clauses.

    ``frames`` holds (first word, last word) pairs; an empty last word matches any ending.
    """

    verbs: dict[str, str]
    adverbs: frozenset[str]
    frames: frozenset[tuple[str, str]]
    leads: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def load(
        cls, csv_path: Path | str, adverbs_path: Path | str, frames_path: Path | str | None = None
    ) -> MeasureRules:
        """Read the rules files; ``frames_path`` defaults to measure-frames.txt beside the adverbs."""
        csv_path, adverbs_path = Path(csv_path), Path(adverbs_path)
        if frames_path is None:
            frames_path = adverbs_path.with_name("measure-frames.txt")
        frames = Path(frames_path)
        verbs: dict[str, str] = {}
        with csv_path.open(encoding="utf-8", newline="") as f:
            rows = csv.DictReader(line for line in f if not line.startswith("#"))
            if rows.fieldnames != ["verb", "measure_type"]:
                raise ValueError(f"{csv_path}: expected the columns verb,measure_type, got {rows.fieldnames}")
            for row in rows:
                verb, kind = row["verb"].strip(), row["measure_type"].strip()
                if not verb or not kind:
                    raise ValueError(f"{csv_path}:{rows.line_num}: empty verb or measure_type")
                if verb in verbs:
                    raise ValueError(f"{csv_path}:{rows.line_num}: verb '{verb}' listed twice")
                if len(verb) > _MAX_WORD:
                    raise ValueError(f"{csv_path}:{rows.line_num}: verb '{verb}' is longer than {_MAX_WORD}")
                verbs[verb] = kind
        frame_patterns = (
            frozenset((first, last) for first, _, last in (w.partition("…") for w in _word_list(frames)))
            if frames.exists()
            else frozenset()
        )
        leads_path = adverbs_path.with_name("measure-leads.txt")
        leads = (
            frozenset((first, last) for first, _, last in (w.partition("…") for w in _word_list(leads_path)))
            if leads_path.exists()
            else frozenset()
        )
        adverbs = _word_list(adverbs_path)
        if too_long := [a for a in adverbs if len(a) > _MAX_WORD]:
            raise ValueError(f"{adverbs_path}: adverbs longer than {_MAX_WORD} characters: {too_long}")
        return cls(verbs, adverbs, frame_patterns, leads)

    @property
    def measure_types(self) -> frozenset[str]:
        """Every measure-type slug the rules can produce, ``other`` included."""
        return frozenset(k for k in self.verbs.values() if k != NOT_A_VERB) | {OTHER}

    def head_verb(self, text: str, i: int = 0, adverbs: bool = True) -> str | None:
        """The policy verb that opens ``text[i:]``, after optional adverbs, or None.

        Adverbs are tried first, longest first, and given up again when no verb follows them, so
        规范探索 reads as 探索 after the adverb 规范 while 规范… alone reads as the verb 规范.
        """
        i = _skip_space(text, i)
        if adverbs:
            for adverb in _longest_first(self.adverbs, text, i):
                verb = self.head_verb(text, i + len(adverb), adverbs=True)
                if verb is not None:
                    return verb
        for verb in _longest_first(self.verbs, text, i):
            return None if self.verbs[verb] == NOT_A_VERB else verb
        return None

    def led_verb(self, text: str, start: int, end: int) -> str | None:
        """The verb after a lead-in phrase opening ``text[start:end]`` ("以地方为主体推动…", "向…下放…")."""
        for first, last in self.leads:
            if not text.startswith(first, start):
                continue
            if last:
                at = text.find(last, start + len(first), end)
                candidates = [at + len(last)] if at >= 0 else []
            else:
                candidates = list(range(start + len(first), min(end, start + len(first) + _LEAD_WINDOW)))
            for i in candidates:
                verb = self.head_verb(text, i)
                if verb is not None:
                    return verb
        return None

    def is_frame(self, clause: str) -> bool:
        """Whether ``clause`` (without its comma) is a framing clause: 在…下, 通过…等, 根据…"""
        clause = clause.strip().rstrip("，,").rstrip()
        return any(
            clause.startswith(first) and clause.endswith(last) and len(clause) > len(first)
            for first, last in self.frames
        )


@dataclass(frozen=True, slots=True)
class _Clause:
    start: int
    end: int


def split_measures(text: str, rules: MeasureRules) -> list[MeasurePiece]:
    """Cut ``text`` into its measures: contiguous pieces that together are exactly ``text``."""
    starts: list[int] = []  # where each measure starts
    verbs: list[str | None] = []
    for sentence in _sentences(text):
        first = len(starts)
        pending: list[_Clause] = []  # verb-less clauses waiting for the verb that follows
        for clause in sentence:
            verb = rules.head_verb(text, clause.start) or rules.led_verb(text, clause.start, clause.end)
            if verb is not None:
                starts.append(pending[0].start if pending else clause.start)
                verbs.append(verb)
                pending = []
            elif len(starts) == first or rules.is_frame(text[clause.start : clause.end]):
                # before the sentence's first verb, or a framing clause: wait for the verb
                pending.append(clause)
            else:
                pending = []  # a framing clause not followed by a verb stays with the measure before
        if len(starts) == first:  # no verb in the whole sentence: one measure of type other
            starts.append(sentence[0].start)
            verbs.append(None)
    if not starts:
        return []
    starts[0] = 0
    ends = [*starts[1:], len(text)]
    return [
        MeasurePiece(s, e, text[s:e], v, OTHER if v is None else rules.verbs[v])
        for s, e, v in zip(starts, ends, verbs, strict=True)
    ]


def _sentences(text: str) -> list[list[_Clause]]:
    """The sentences of ``text`` as lists of clauses; blank stretches join the sentence before."""
    sentences: list[list[_Clause]] = []
    clauses: list[_Clause] = []
    start, depth = 0, 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in OPENERS:
            depth += 1
        elif ch in CLOSERS:
            depth = max(0, depth - 1)
        elif ch in SENTENCE_ENDS and (depth == 0 or _closes_all(text, i + 1, depth)):
            # a sentence ends here, with the quotes or brackets that close right after it (“…。”)
            end = i + 1
            while end < n and text[end] in TRAILING:
                end += 1
            clauses.append(_Clause(start, end))
            sentences.append(clauses)
            clauses, depth = [], 0
            start = i = end
            continue
        elif depth == 0 and ch in CLAUSE_ENDS:
            clauses.append(_Clause(start, i + 1))
            start = i = i + 1
            continue
        i += 1
    if start < n:
        if text[start:].strip() or not (clauses or sentences):
            clauses.append(_Clause(start, n))
        elif clauses:
            clauses[-1] = _Clause(clauses[-1].start, n)
        else:
            sentences[-1][-1] = _Clause(sentences[-1][-1].start, n)
    if clauses:
        sentences.append(clauses)
    return sentences


def _closes_all(text: str, i: int, depth: int) -> bool:
    """Whether the characters from ``i`` close ``depth`` open brackets or quotes before anything else."""
    closed = 0
    while i < len(text) and text[i] in TRAILING:
        closed += text[i] in CLOSERS
        i += 1
    return closed >= depth


def _word_list(path: Path) -> frozenset[str]:
    words = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(w for w in words if w and not w.startswith("#"))


def _longest_first(words: Collection[str], text: str, i: int) -> Iterator[str]:
    """The words that occur at ``text[i:]``, longest first (word lists are short: ≤ 6 characters)."""
    for length in range(min(_MAX_WORD, len(text) - i), 0, -1):
        if text[i : i + length] in words:
            yield text[i : i + length]


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i
