"""``pip install .``: the wheel carries the data folders, and an installed pilotkg, run outside the
repository, finds them, builds the graph from its own copy of the plan sources and serves pages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pilotkg.paths import ROOT

pytestmark = pytest.mark.slow

APP = """
import sys
from pathlib import Path
from pilotkg.server.app import create_app
from pilotkg.server.config import Settings
out = Path(sys.argv[1])
app = create_app(Settings(store=out / "store", dist=out, cache_entries=0).normalised())
try:
    client = app.test_client()
    query = "SELECT ?t WHERE { ?t a <https://w3id.org/pilotkg/ontology#Task> } LIMIT 1"
    accept = {"Accept": "application/sparql-results+json"}
    found = client.get("/sparql", query_string={"query": query}, headers=accept).get_json()
    iri = found["results"]["bindings"][0]["t"]["value"]  # a task of whichever plan the wheel carries
    home, task = client.get("/"), client.get(iri.replace("https://w3id.org/pilotkg", "") + ".html")
    print(home.status_code, task.status_code, "pilotkg" in home.get_data(as_text=True))
finally:
    app.extensions["pilotkg"].pool.close()
"""


def test_an_installed_wheel_finds_its_data_builds_and_serves(tmp_path: Path) -> None:
    wheels, site, work = tmp_path / "wheels", tmp_path / "site", tmp_path / "work"
    work.mkdir()
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", str(ROOT), "-w", str(wheels)], check=True)
    (wheel,) = wheels.glob("pilotkg-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    env = {**os.environ, "PYTHONPATH": str(site)}  # before the editable install of the repository

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, *args], cwd=work, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    where = run("-c", "import pilotkg.paths as p; print(p.IN_REPOSITORY, p.ONTOLOGY_DIR, p.SOURCES_DIR, p.DIST_DIR)")
    in_repository, ontology, sources, dist = where.split()
    assert in_repository == "False"
    assert Path(ontology).is_relative_to(site) and (Path(ontology) / "pilotkg.ttl").is_file()
    assert sorted(p.name for p in Path(sources).iterdir()) == sorted(p.name for p in (ROOT / "data/sources").iterdir())
    assert Path(dist) == work / "dist"
    run("-m", "pilotkg.cli", "build", "-q")  # the packaged sources, into ./dist
    assert (work / "dist" / "pilotkg.nq").stat().st_size > 0 and (work / "dist" / "store").is_dir()
    assert run("-c", APP, str(work / "dist")).split() == ["200", "200", "True"]
