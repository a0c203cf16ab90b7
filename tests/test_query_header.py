"""The ``# key: value`` header of .rq files (pilotkg/query_header.py), shared by the server's
example list and the build's per-pilot statistics."""

from __future__ import annotations

from pilotkg.graph.statistics import per_pilot, statistics_queries
from pilotkg.paths import ROOT
from pilotkg.query_header import query_header
from pilotkg.server.pages import load_examples


def test_the_header_ends_at_the_query_and_keeps_the_last_value() -> None:
    text = "# Title: one\n\n# title: two\n#description:  words: with colons \nSELECT * {}\n# scope: pilot\n"
    assert query_header(text) == {"title": "two", "description": "words: with colons"}


def test_every_example_query_has_a_title_and_a_description_from_its_header() -> None:
    examples = load_examples(ROOT / "queries")
    assert examples
    for example in examples:
        header = query_header(example["query"])
        assert example["title"] == header["title"] and example["description"] == header["description"]


def test_only_statistics_that_say_scope_pilot_are_counted_per_pilot() -> None:
    scopes = {
        path.stem: query_header(path.read_text(encoding="utf-8")).get("scope", "") for path in statistics_queries()
    }
    assert {name for name, scope in scopes.items() if scope.startswith("pilot")} == {
        path.stem for path in statistics_queries() if per_pilot(path)
    }
    assert not per_pilot(ROOT / "statistics" / "agencies.rq")
