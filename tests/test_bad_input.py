"""Bad input: one clear error naming the file, a nonzero exit, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pilotkg.cli import main
from pilotkg.loaders.errors import LoadError
from pilotkg.loaders.plan_text import load_plan_text


def _cut_at(text: str, marker: str) -> str:
    index = text.index(marker)
    return text[:index]


@pytest.fixture()
def variants(tmp_path: Path, wuhan_text: str) -> dict[str, Path]:
    files = {
        "empty": b"",
        "blank": b"  \n\n\t\n",
        "binary": bytes(range(256)) * 8,
        "latin": b"just some text\nwith no plan in it\n",
        "no-task-list": _cut_at(wuhan_text, "武汉市服务业扩大开放综合试点任务清单").encode(),
        "truncated-mid-table": _cut_at(wuhan_text, "表 3 ").encode(),
        "truncated-mid-task": wuhan_text[: wuhan_text.index("11. 推进 5G") + 30].encode(),
    }
    paths = {}
    for name, data in files.items():
        path = tmp_path / f"{name}.txt"
        path.write_bytes(data)
        paths[name] = path
    return paths


EXPECTED = {
    "empty": "file is empty",
    "blank": "file is empty",
    "binary": "binary file",
    "latin": "no Chinese text",
    "no-task-list": "no task list",
    "truncated-mid-table": "truncated",
    "truncated-mid-task": "truncated",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_loader_refuses_with_a_message_naming_the_file(name, variants, vocabulary):
    with pytest.raises(LoadError) as caught:
        load_plan_text(variants[name], vocabulary)
    assert str(variants[name]) in str(caught.value)
    assert EXPECTED[name] in str(caught.value)


def test_missing_file(tmp_path, vocabulary):
    with pytest.raises(LoadError, match="file not found"):
        load_plan_text(tmp_path / "nope.txt", vocabulary)


def test_unreadable_file(tmp_path, vocabulary, wuhan_text):
    path = tmp_path / "locked.txt"
    path.write_text(wuhan_text, encoding="utf-8")
    path.chmod(0)
    try:
        if path.stat().st_mode and __import__("os").access(path, __import__("os").R_OK):
            pytest.skip("running as root: permissions do not stop reads")
        with pytest.raises(LoadError, match="cannot be read"):
            load_plan_text(path, vocabulary)
    finally:
        path.chmod(0o644)


def test_gb18030_is_detected_and_gives_the_same_plan(tmp_path, vocabulary, wuhan_text, wuhan_plan):
    path = tmp_path / "wuhan-gb.txt"
    path.write_bytes(wuhan_text.encode("gb18030"))
    plan = load_plan_text(path, vocabulary)
    assert plan.source.encoding == "GB18030"
    assert [(t.table, t.number, t.group, t.sector, t.text.text) for t in plan.tasks()] == [
        (t.table, t.number, t.group, t.sector, t.text.text) for t in wuhan_plan.tasks()
    ]
    # Offsets count characters, not bytes, so they do not move with the encoding.
    assert [t.span.start for t in plan.tasks()] == [t.span.start for t in wuhan_plan.tasks()]


def test_failed_build_leaves_previous_output_untouched(tmp_path, variants, wuhan_text):
    good = tmp_path / "good"
    good.mkdir()
    (good / "wuhan-2022.txt").write_text(wuhan_text, encoding="utf-8")
    out = tmp_path / "dist"
    runner = CliRunner()
    first = runner.invoke(main, ["build", str(good), "--out", str(out), "-q"])
    assert first.exit_code == 0, first.output
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    bad = runner.invoke(main, ["build", str(variants["truncated-mid-table"]), "--out", str(out), "-q"])
    assert bad.exit_code == 1
    assert "truncated" in bad.output and str(variants["truncated-mid-table"]) in bad.output
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    # no staging folder is left: the only build folder is the one the output points at
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".dist-")] == [out.resolve()]


def test_build_of_nothing_writes_nothing(tmp_path):
    out = tmp_path / "dist"
    result = CliRunner().invoke(main, ["build", str(tmp_path / "missing.txt"), "--out", str(out)])
    assert result.exit_code == 1
    assert "file not found" in result.output
    assert not out.exists()


def test_two_plans_for_one_city_and_year_are_an_error(tmp_path, wuhan_text):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(wuhan_text, encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(tmp_path), "--out", str(tmp_path / "dist")])
    assert result.exit_code == 1
    assert "a second plan for 武汉市 2022" in result.output
