"""The dumps written by ``pilotkg build``, served at /dumps/ (with SHA256SUMS and VoID)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, redirect, render_template, request, send_from_directory

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
    ".htm": "text/plain; charset=utf-8",
    ".xhtml": "text/plain; charset=utf-8",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
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


SOURCES = "sources"  # the build's copies of its source files (graph/build.py)


def _described(paths: list[Path]) -> list[dict]:
    return [{"name": p.name, "size": p.stat().st_size, "type": media_type(p).split(";")[0]} for p in paths]


@bp.route("/dumps/")
def listing() -> Response:
    dist = runtime().settings.dist
    return render_template(
        "dumps.html", files=_described(dump_files(dist)), sources=_described(dump_files(dist / SOURCES))
    )


@bp.route("/dumps/<name>")
@bp.route("/dumps/sources/<name>")
def dump(name: str) -> Response:
    """A dump, or a source file (also at /dumps/{name} when no dump has that name). Only names the
    folders hold: no path is ever built from a name they do not."""
    dist = runtime().settings.dist
    for folder in (dist, dist / SOURCES) if not request.path.startswith("/dumps/sources/") else (dist / SOURCES,):
        if name in {p.name for p in dump_files(folder)}:
            break
    else:
        abort(404, description=f"No dump or source named {name[:100]!r}.")
    path = folder / name
    if _wants_gzip(path):
        return _gzipped(path)
    response = send_from_directory(folder, name, mimetype=media_type(path), max_age=300)
    response.headers["Content-Type"] = media_type(path)
    response.headers["Vary"] = "Accept-Encoding"
    return response


COMPRESSIBLE = {".ttl", ".nt", ".nq", ".trig", ".jsonld", ".md", ".txt", ".csv"}
GZIP_LEVEL = 1  # a dump is gigabytes at scale: the fastest level still cuts RDF to a sixth or so


def _wants_gzip(path: Path) -> bool:
    """Compress on the way out when the client takes gzip, the file is text, and no byte range
    is asked for (ranges are served from the file as it is, so downloads can resume)."""
    if path.suffix.lower() not in COMPRESSIBLE or request.headers.get("Range"):
        return False
    return request.accept_encodings["gzip"] > 0  # werkzeug: q values and "*" as RFC 9110 says


def _gzipped(path: Path) -> Response:
    """The file gzip-compressed as it is read, a megabyte at a time (the dumps never sit in memory)."""
    import zlib

    def chunks():
        packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip framing
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                out = packer.compress(block)
                if out:
                    yield out
        yield packer.flush()

    stat = path.stat()
    response = Response(chunks(), content_type=media_type(path))
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["ETag"] = f'W/"{stat.st_mtime_ns:x}-{stat.st_size:x}-gzip"'
    return response


@bp.route("/.well-known/void")
def well_known_void() -> Response:
    return redirect("/dumps/void.ttl", code=303)


@bp.route("/dataset")
def dataset() -> Response:
    """The VoID/DCAT dataset IRI (``{base}dataset``): a thing, not a document, so 303 See Other to
    its description — the dumps page for a browser, void.ttl for everyone else."""
    from pilotkg.server import conneg

    wanted = conneg.negotiate(request.headers.get("Accept"), ["text/turtle", "text/html"])
    response = redirect("/dumps/" if wanted == "text/html" else "/dumps/void.ttl", code=303)
    response.headers["Vary"] = "Accept"
    return response
