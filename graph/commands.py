"""The offline commands: build, validate, query, stats.

Exit codes scripts can trust: 0 success, 1 the data is wrong (bad source, graph that does not
conform, query error), 2 bad usage (click's own), 3 nothing built yet.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

import click
import pyoxigraph as ox

from pilotkg.graph.build import BuildError, build_dataset
from pilotkg.graph.build import build as run_build
from pilotkg.loaders.errors import LoadError
from pilotkg.loaders.vocabulary import DEFAULT_BASE
from pilotkg.paths import DIST_DIR, SOURCES_DIR

EXIT_DATA = 1
EXIT_NOT_BUILT = 3

base_option = click.option(
    "--base",
    envvar="PILOTKG_BASE",
    default=DEFAULT_BASE,
    show_default=True,
    help="Base IRI of the instance data (also PILOTKG_BASE).",
)
sources_argument = click.argument("sources", nargs=-1, type=click.Path(path_type=Path))


def _fail(message: str, code: int = EXIT_DATA) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@click.command()
@sources_argument
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=DIST_DIR,
    show_default=True,
    help="Output folder; replaced atomically on success.",
)
@base_option
@click.option("--quiet", "-q", is_flag=True, help="Do not print the discrepancy report.")
@click.option("--no-validate", is_flag=True, help="Skip the SHACL gate (for benchmarks; never for publishing).")
@click.option("--verbose", "-v", is_flag=True, help="Print how long each step took.")
def build(sources: tuple[Path, ...], out: Path, base: str, quiet: bool, no_validate: bool, verbose: bool) -> None:
    """Build, validate and publish the graph from SOURCES (files or folders; default data/sources)."""
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.perf_counter()
    try:
        result = run_build(sources or (SOURCES_DIR,), out, base, validate=not no_validate)
    except (LoadError, BuildError) as exc:
        _fail(str(exc))
    if not quiet:
        click.echo(result.report)
    tasks = sum(p.tasks for p in result.pilots)
    click.echo(
        f"built {len(result.pilots)} pilot(s), {tasks} tasks, {result.triples} triples into {out}/ "
        f"in {time.perf_counter() - started:.2f} s",
        err=True,
    )


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="An outline to read, or JSON for scripts.",
)
def inspect(file: Path, fmt: str) -> None:
    """Show what was read from FILE (text, web page, PDF, Word or CSV plan), to check against it:
    notice parts found or missing, sections, paragraphs, tables with groups, sectors and task
    numbers, every repair and warning. Publishes nothing."""
    from pilotkg.graph.build import load_plan
    from pilotkg.loaders.outline import as_text, outline
    from pilotkg.loaders.vocabulary import Vocabulary

    try:
        plan = load_plan(file, Vocabulary.load())
    except LoadError as exc:
        _fail(str(exc))
    data = outline(plan)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if fmt == "json" else as_text(data))


@click.command()
@sources_argument
@base_option
@click.option("--reason/--no-reason", default=False, help="Also check OWL consistency with HermiT (slower).")
def validate(sources: tuple[Path, ...], base: str, reason: bool) -> None:
    """Validate the graph built from SOURCES against the SHACL shapes, without publishing."""
    from pilotkg.graph.validate import validate as shacl

    try:
        dataset, plans = build_dataset(sources or (SOURCES_DIR,), base)
    except (LoadError, BuildError) as exc:
        _fail(str(exc))
    result = shacl(dataset)
    click.echo(result.report_text())
    failed = not result.conforms
    if reason:
        from pilotkg.graph.reason import check_consistency

        consistency = check_consistency(dataset)
        click.echo(str(consistency))
        failed = failed or not consistency.consistent or bool(consistency.unsatisfiable)
    if failed:
        sys.exit(EXIT_DATA)
    click.echo(f"{len(plans)} pilot(s) conform", err=True)


def _open_store(out: Path) -> ox.Store:
    path = out / "store"
    if not path.is_dir():
        _fail(f"no store at {path}: run `pilotkg build` first", EXIT_NOT_BUILT)
    return ox.Store.read_only(str(path))


def _term(term: object) -> str:
    if term is None:
        return ""
    return term.value if hasattr(term, "value") else str(term)


@click.command()
@click.argument("query")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=DIST_DIR,
    show_default=True,
    help="The build folder holding the store.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table", show_default=True)
def query(query: str, out: Path, fmt: str) -> None:
    """Run QUERY (a SPARQL string or a .rq file) against the built store (union of all graphs)."""
    text = Path(query).read_text(encoding="utf-8") if query.endswith(".rq") and Path(query).is_file() else query
    store = _open_store(out)
    try:
        results = store.query(text, use_default_graph_as_union=True)
    except SyntaxError as exc:
        _fail(f"query syntax error: {exc}")
    if isinstance(results, ox.QueryBoolean):
        answer = bool(results)
        click.echo(json.dumps({"head": {}, "boolean": answer}) if fmt == "json" else str(answer).lower())
        return
    if isinstance(results, ox.QueryTriples):
        sys.stdout.buffer.write(ox.serialize(results, format=ox.RdfFormat.TURTLE))
        return
    if fmt != "table":
        native = {
            "csv": ox.QueryResultsFormat.CSV,
            "tsv": ox.QueryResultsFormat.TSV,
            "json": ox.QueryResultsFormat.JSON,
        }[fmt]
        sys.stdout.buffer.write(results.serialize(format=native))
        return
    names = [v.value for v in results.variables]
    rows = [[_term(solution[name]) for name in names] for solution in results]
    widths = [max([display_width(n), *(display_width(r[i]) for r in rows)]) for i, n in enumerate(names)]
    click.echo(" | ".join(pad(n, w) for n, w in zip(names, widths, strict=True)))
    click.echo("-+-".join("-" * w for w in widths))
    for row in rows:
        click.echo(" | ".join(pad(v, w) for v, w in zip(row, widths, strict=True)))
    click.echo(f"({len(rows)} rows)", err=True)


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide and full-width characters (汉字) take two,
    combining marks none."""
    import unicodedata

    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


STATS = """
PREFIX pilot: <https://w3id.org/pilotkg/ontology#>
SELECT ?label (COUNT(DISTINCT ?x) AS ?n) WHERE {
  VALUES (?class ?label) {
    (pilot:Pilot "pilots") (pilot:Paragraph "paragraphs") (pilot:TaskTable "tables")
    (pilot:TaskGroup "groups") (pilot:Task "tasks") (pilot:Measure "measures") (pilot:Agency "agencies")
    (pilot:Sector "sectors")
  }
  OPTIONAL { ?x a ?class }
} GROUP BY ?label ORDER BY ?label
"""


@click.command()
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=DIST_DIR, show_default=True)
def stats(out: Path) -> None:
    """Counts of what the built graph holds."""
    store = _open_store(out)
    triples = len(store)
    for solution in store.query(STATS, use_default_graph_as_union=True):
        click.echo(f"{solution['label'].value:<12}{int(solution['n'].value):>8}")
    click.echo(f"{'quads':<12}{triples:>8}")


@click.command()
@click.option(
    "--to",
    "endpoint",
    required=True,
    help="The store's SPARQL 1.1 Graph Store Protocol endpoint, e.g. "
    "http://localhost:8890/sparql-graph-crud-auth (Virtuoso), http://localhost:3030/ds/data (Fuseki).",
)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=DIST_DIR, show_default=True)
@click.option("--user", envvar="PILOTKG_PUBLISH_USER", help="User name for the store (also PILOTKG_PUBLISH_USER).")
@click.option(
    "--password",
    envvar="PILOTKG_PUBLISH_PASSWORD",
    help="Password (better given as PILOTKG_PUBLISH_PASSWORD than on the command line).",
)
@click.option("--auth", type=click.Choice(["digest", "basic"]), default="digest", show_default=True)
@click.option("--dry-run", is_flag=True, help="List the graphs and triples that would be sent; send nothing.")
def publish(endpoint: str, out: Path, user: str | None, password: str | None, auth: str, dry_run: bool) -> None:
    """Load the build's named graphs into a remote store: each graph replaced whole (one PUT, then
    POSTs for a large one), the store's other graphs left as they were."""
    from pilotkg.graph.graph_store import PublishError, Sent, Target, chunks_of
    from pilotkg.graph.graph_store import publish as send

    nquads = out / "pilotkg.nq"
    if not nquads.is_file():
        _fail(f"no N-Quads dump at {nquads}: run `pilotkg build` first", EXIT_NOT_BUILT)
    try:
        target = Target(endpoint, user, password, auth)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None

    def said(sent: Sent) -> None:
        verb = "would replace" if dry_run else "replaced"
        click.echo(f"{verb} <{sent.graph}>: {sent.triples} triples in {sent.requests} request(s)")

    try:
        if dry_run:
            totals: dict[str, Sent] = {}
            for chunk in chunks_of(nquads):
                before = totals.get(chunk.graph, Sent(chunk.graph, 0, 0))
                totals[chunk.graph] = Sent(chunk.graph, before.triples + chunk.triples, before.requests + 1)
            for sent in totals.values():
                said(sent)
            click.echo(f"dry run: {len(totals)} graph(s) to {target.endpoint}; nothing sent", err=True)
            return
        started = time.perf_counter()
        done = send(chunks_of(nquads), target, said)
    except ValueError as exc:
        _fail(str(exc))
    except PublishError as exc:
        _fail(f"publish to {endpoint} failed: {exc}")
    triples = sum(s.triples for s in done)
    click.echo(f"published {len(done)} graph(s), {triples} triples, in {time.perf_counter() - started:.1f} s", err=True)
