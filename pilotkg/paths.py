"""Where the project's data files live.

pilotkg is run from its repository (``make`` installs it editable into .venv), so data files —
ontology, vocabularies, shapes, queries, statistics — are read from the repository root rather than copied
into the package.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"
VOCAB_DIR = ROOT / "vocab"
SHAPES_DIR = ROOT / "shapes"
QUERIES_DIR = ROOT / "queries"
STATISTICS_DIR = ROOT / "statistics"
SOURCES_DIR = ROOT / "data" / "sources"
DIST_DIR = ROOT / "dist"
