"""The Wuhan plan set in another city, for tests that need a second pilot: the same tasks, the
names, dates and document number of Chengdu (四川省), optionally one verb reworded."""

from __future__ import annotations

from pathlib import Path


def chengdu_copy(wuhan: str, reword: bool = False) -> str:
    """``wuhan`` (the plan's text) as Chengdu's 2023 plan; ``reword`` rewords 争取将 as 推动将
    (one task's measure then differs)."""
    text = (
        wuhan.replace("武汉", "成都")
        .replace("湖北省", "四川省")
        .replace("（湖北）", "（四川）")
        .replace("2022年12月29日", "2023年3月1日")
        .replace("〔2022〕211号", "〔2023〕45号")
    )
    return text.replace("争取将", "推动将") if reword else text


def first_of_two_builds(folder: Path) -> tuple[list[Path], list[Path], Path]:
    """For tests that rebuild under a running server: the sources of a first build (the Wuhan
    plan) and of a second (it and a copy as a second pilot), and the output, built the first time."""
    from pilotkg.graph.build import build
    from pilotkg.paths import SOURCES_DIR

    wuhan = SOURCES_DIR / "wuhan-2022.txt"
    copy = folder / "chengdu-2023.txt"
    copy.write_text(chengdu_copy(wuhan.read_text(encoding="utf-8")), encoding="utf-8")
    out = folder / "dist"
    build([wuhan], out)
    return [wuhan], [wuhan, copy], out
