"""Where the project's data files live.

In the repository (``make`` installs pilotkg editable into .venv) the data files — ontology,
vocabularies, shapes, queries, statistics, the plan sources — are read from the folders at its
root, where people edit them. An installed wheel (``pip install .``) carries the same folders as
``pilotkg/files/…`` (pyproject.toml maps them) and builds into ``./dist`` of the current folder.
"""

from pathlib import Path

_HERE = Path(__file__).resolve().parent
_REPOSITORY = _HERE.parent
IN_REPOSITORY = (_REPOSITORY / "pyproject.toml").is_file() and (_REPOSITORY / "ontology").is_dir()
ROOT = _REPOSITORY  # the repository (what tests and benchmarks read beside the data)


def _folder(in_repository: str, installed: str) -> Path:
    return _REPOSITORY / in_repository if IN_REPOSITORY else _HERE / "files" / installed


ONTOLOGY_DIR = _folder("ontology", "ontology")
VOCAB_DIR = _folder("vocab", "vocab")
SHAPES_DIR = _folder("shapes", "shapes")
QUERIES_DIR = _folder("queries", "queries")
STATISTICS_DIR = _folder("statistics", "statistics")
SOURCES_DIR = _folder("data/sources", "sources")
DIST_DIR = _REPOSITORY / "dist" if IN_REPOSITORY else Path.cwd() / "dist"
