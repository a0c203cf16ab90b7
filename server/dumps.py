"""The dumps written by ``pilotkg build``, served at /dumps/ (with SHA256SUMS and VoID)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, redirect, render_template, send_from_directory

from pilotkg.server.runtime import runtime

bp = Blueprint("dumps", __name__)

MEDIA_TYPES = {
    ".ttl": "text/turtle; charset=utf-8",
    ".nt": "application/n-triples",
    ".nq": "application/n-quads",
    ".trig": "application/trig; charset=utf-8",
    ".jsonld": "application/ld+json",
    ".rdf": "application/rdf+xml",
    ".owl": "application/rdf+xml",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".gz": "application/gzip",
    ".html": "text/plain; charset=utf-8",  # never render a file from dist/ as a page
}


def dump_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def media_type(path: Path) -> str:
    if path.name == "SHA256SUMS":
        return "text/plain; charset=utf-8"
    return MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")


@bp.route("/dumps")
def dumps_redirect() -> Response:
    return redirect("/dumps/", code=301)


@bp.route("/dumps/")
def listing() -> Response:
    files = [
        {"name": p.name, "size": p.stat().st_size, "type": media_type(p).split(";")[0]}
        for p in dump_files(runtime().settings.dist)
    ]
    return render_template("dumps.html", files=files)


@bp.route("/dumps/<name>")
def dump(name: str) -> Response:
    folder = runtime().settings.dist
    # only what the listing shows: no path is ever built from a name the folder does not hold
    if name not in {p.name for p in dump_files(folder)}:
        abort(404, description=f"No dump named {name[:100]!r}.")
    path = folder / name
    response = send_from_directory(folder, name, mimetype=media_type(path), max_age=300)
    response.headers["Content-Type"] = media_type(path)
    return response


@bp.route("/.well-known/void")
def well_known_void() -> Response:
    return redirect("/dumps/void.ttl", code=303)
