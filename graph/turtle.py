"""Read a folder of Turtle files (ontology, shapes) into one graph."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph


def read_turtle_dir(folder: Path, what: str) -> Graph:
    """Every ``*.ttl`` of ``folder``, in name order, as one graph; ``what`` names it in the error."""
    files = sorted(Path(folder).glob("*.ttl"))
    if not files:
        raise FileNotFoundError(f"no {what} (*.ttl) in {folder}")
    graph = Graph()
    for path in files:
        graph.parse(path, format="turtle")
    return graph
