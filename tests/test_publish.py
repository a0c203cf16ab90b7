"""What `pilotkg build` publishes, byte-identical from run to run, and the commands that read it."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
from click.testing import CliRunner

from pilotkg.cli import main
from pilotkg.paths import ROOT, SOURCES_DIR

FILES = {
    "pilotkg.ttl",
    "pilotkg.nt",
    "pilotkg.trig",
    "pilotkg.nq",
    "pilotkg.jsonld",
    "void.ttl",
    "discrepancies.md",
    "SHA256SUMS",
}


def _build_in_child(out: Path, seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    subprocess.run(
        [sys.executable, "-m", "pilotkg.cli", "build", str(SOURCES_DIR), "--out", str(out), "-q"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def test_same_sources_give_byte_identical_dumps(tmp_path, built):
    """Two builds in fresh processes with different hash seeds write the same bytes."""
    _build_in_child(tmp_path / "a", "1")
    _build_in_child(tmp_path / "b", "4242")
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
        assert (tmp_path / "a" / name).read_bytes() == (built / name).read_bytes(), name


def test_every_file_is_there_and_checksummed(built):
    assert {p.name for p in built.iterdir()} >= FILES
    assert (built / "store").is_dir()
    sums = dict(reversed(line.split("  ")) for line in (built / "SHA256SUMS").read_text().splitlines())
    sources = {f"sources/{p.name}" for p in SOURCES_DIR.iterdir() if p.is_file()}
    assert set(sums) == FILES - {"SHA256SUMS"} | sources
    for name, digest in sums.items():
        assert hashlib.sha256((built / name).read_bytes()).hexdigest() == digest


def test_the_dumps_hold_the_same_graph(built):
    def triples(name: str, fmt: ox.RdfFormat) -> set[ox.Triple]:
        return {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(built / name), format=fmt)}

    nt = triples("pilotkg.nt", ox.RdfFormat.N_TRIPLES)
    assert triples("pilotkg.ttl", ox.RdfFormat.TURTLE) == nt and len(nt) > 8000
    quads = list(ox.parse(path=str(built / "pilotkg.trig"), format=ox.RdfFormat.TRIG))
    assert {ox.Triple(q.subject, q.predicate, q.object) for q in quads} == nt
    graphs = {q.graph_name.value.rsplit("/", 1)[1] for q in quads}
    assert graphs == {"vocab", "wuhan-2022", "similarity", "statistics"}
    assert triples("pilotkg.jsonld", ox.RdfFormat.JSON_LD) == nt
    assert not any(isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object))


def test_void_counts_what_is_published(built):
    store = ox.Store()
    store.load(path=str(built / "void.ttl"), format=ox.RdfFormat.TURTLE)
    (row,) = store.query("""PREFIX void: <http://rdfs.org/ns/void#>
        SELECT ?n WHERE { <https://w3id.org/pilotkg/dataset> void:triples ?n }""")
    nt_lines = (built / "pilotkg.nt").read_text(encoding="utf-8").count("\n")
    assert int(row["n"].value) == nt_lines
    dumps = {
        r["d"].value.rsplit("/", 1)[1]
        for r in store.query("PREFIX void: <http://rdfs.org/ns/void#> SELECT ?d WHERE { ?x void:dataDump ?d }")
    }
    assert dumps == {"pilotkg.ttl", "pilotkg.nt", "pilotkg.trig", "pilotkg.nq", "pilotkg.jsonld"}


def test_query_command_formats_and_exit_codes(built, tmp_path):
    runner = CliRunner()
    rq = ROOT / "queries" / "tasks-per-sector.rq"
    csv_out = runner.invoke(main, ["query", str(rq), "--out", str(built), "--format", "csv"])
    assert csv_out.exit_code == 0
    finance = [line for line in csv_out.output.splitlines() if "/sector/finance," in line]
    assert finance and finance[0].endswith(",6")
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?t a <https://w3id.org/pilotkg/ontology#Task> }"
    as_json = runner.invoke(main, ["query", count, "--out", str(built), "--format", "json"])
    assert json.loads(as_json.output)["results"]["bindings"][0]["n"]["value"] == "90"
    ask = runner.invoke(main, ["query", "ASK { ?s ?p ?o }", "--out", str(built)])
    assert ask.output.strip() == "true"
    bad = runner.invoke(main, ["query", "SELEC nothing", "--out", str(built)])
    assert bad.exit_code == 1 and "syntax error" in bad.output
    missing = runner.invoke(main, ["query", "ASK {}", "--out", str(tmp_path / "nothing")])
    assert missing.exit_code == 3 and "pilotkg build" in missing.output


def test_stats_command(built):
    result = CliRunner().invoke(main, ["stats", "--out", str(built)])
    counts = dict(line.split() for line in result.output.splitlines())
    assert (counts["pilots"], counts["tables"], counts["tasks"], counts["paragraphs"]) == ("1", "5", "90", "16")


def test_validate_command(tmp_path, wuhan_text):
    result = CliRunner().invoke(main, ["validate", str(SOURCES_DIR)])
    assert result.exit_code == 0 and "conforms" in result.output
    bad = tmp_path / "bad.txt"
    bad.write_text(wuhan_text[: wuhan_text.index("表 3 ")], encoding="utf-8")
    refused = CliRunner().invoke(main, ["validate", str(bad)])
    assert refused.exit_code == 1 and "truncated" in refused.output


def test_query_table_lines_up_chinese_columns(built):
    """`--format table` pads by display width: a Chinese character takes two columns."""
    from pilotkg.graph.commands import display_width

    rq = ROOT / "queries" / "tasks-per-sector.rq"
    out = CliRunner().invoke(main, ["query", str(rq), "--out", str(built), "--format", "table"]).output
    lines = [line for line in out.splitlines() if " | " in line]
    assert len(lines) > 3 and any("金融服务" in line for line in lines)
    bars = {tuple(i for i in range(len(line)) if line[i] == "|") for line in lines}  # character positions differ…
    columns = {tuple(display_width(line[:i]) for i in range(len(line)) if line[i] == "|") for line in lines}
    assert len(columns) == 1 and len(bars) > 1  # …but every bar stands in the same terminal column
    assert display_width("金融") == 4 and display_width("ab") == 2


def test_merging_more_parts_than_one_round_keeps_each_line_once_in_byte_order(tmp_path: Path) -> None:
    """The dumps' merge (GNU sort -m -u) over more files than it opens at once: every line of
    every part once, in the bytewise order Python sorts them, and the union counted."""
    import random

    from pilotkg.graph.publish import MERGE_FAN_IN, Counts, merge_lines

    rng = random.Random(7)
    iris = [f"<https://example.org/{w}>".encode() for w in ("a", "B", "é", "z", "ä", "aa", "A")]
    lines = [b"%s %s <https://example.org/o%d> .\n" % (rng.choice(iris), rng.choice(iris), n) for n in range(3000)]
    parts = []
    for k in range(MERGE_FAN_IN * 2 + 3):
        part = tmp_path / f"part-{k}.nt"
        part.write_bytes(b"".join(sorted(rng.sample(lines, 40))))  # lines repeat across parts
        parts.append(part)
    counts = Counts()
    merge_lines(parts, tmp_path / "merged.nt", counts)
    expected = sorted({line for part in parts for line in part.read_bytes().splitlines(keepends=True)})
    assert (tmp_path / "merged.nt").read_bytes() == b"".join(expected)
    assert counts.triples == len(expected)
    assert counts.subjects == len({line.split(b" ")[0] for line in expected})


def test_void_is_in_the_store_in_a_graph_of_its_own(built):
    """The endpoint can be asked about itself: void.ttl's triples are the store's graph/void (and
    only there: VoID describes the dumps, so the dumps do not hold it)."""

    def key(t: ox.Triple) -> tuple:
        # Oxigraph's store keeps xsd:integer's derived types (VoID's xsd:nonNegativeInteger byte
        # sizes) as xsd:integer: the same value
        o = t.object
        value = (
            (
                o.value,
                "integer" if "Integer" in o.datatype.value or "integer" in o.datatype.value else str(o.datatype),
                o.language,
            )
            if isinstance(o, ox.Literal)
            else str(o)
        )
        return str(t.subject), str(t.predicate), value

    void = {key(t) for t in ox.parse(path=str(built / "void.ttl"), format=ox.RdfFormat.TURTLE)}
    store = ox.Store.read_only(str(built / "store"))
    graph = ox.NamedNode("https://w3id.org/pilotkg/graph/void")
    assert {key(q.triple) for q in store.quads_for_pattern(None, None, None, graph)} == void
    dumped = {q.graph_name.value for q in ox.parse(path=str(built / "pilotkg.nq"), format=ox.RdfFormat.N_QUADS)}
    assert graph.value not in dumped


def test_the_sources_are_published_byte_for_byte_with_their_checksums(built):
    """sources/{name} holds each source file as read, so that every span's offsets can be checked
    against it; SHA256SUMS lists it by its path, as ``sha256sum -c`` reads it."""
    from pilotkg.paths import SOURCES_DIR

    source = SOURCES_DIR / "wuhan-2022.txt"
    copy = built / "sources" / "wuhan-2022.txt"
    assert copy.read_bytes() == source.read_bytes()
    sums = (built / "SHA256SUMS").read_text(encoding="utf-8")
    assert f"{hashlib.sha256(source.read_bytes()).hexdigest()}  sources/wuhan-2022.txt" in sums
    check = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=built, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
