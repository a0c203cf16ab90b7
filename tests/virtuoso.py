"""A throw-away Virtuoso (Debian's virtuoso-opensource) on loopback ports, for the tests.

Started in a fresh database folder with a minimal configuration, waited for until its SPARQL
endpoint answers, stopped (and its folder removed by pytest's tmp_path) when the tests are done.
The Makefile installs the package when it runs as root; without it the tests that need a real
store skip.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

VIRTUOSO = shutil.which("virtuoso-t")
VSP = Path("/var/lib/virtuoso-opensource-7/vsp")
USER, PASSWORD = "dba", "dba"  # a fresh database's administrator

CONFIG = """[Database]
DatabaseFile = {root}/virtuoso.db
ErrorLogFile = {root}/virtuoso.log
LockFile = {root}/virtuoso.lck
TransactionFile = {root}/virtuoso.trx
xa_persistent_file = {root}/virtuoso.pxa

[TempDatabase]
DatabaseFile = {root}/virtuoso-temp.db
TransactionFile = {root}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DirsAllowed = ., {root}
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
ThreadsPerQuery = 2
MaxClientConnections = 20
CheckpointInterval = 0

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {vsp}
MaxClientConnections = 20
ServerThreads = 20

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 400
"""


@dataclass(frozen=True)
class Virtuoso:
    url: str  # http://127.0.0.1:PORT
    root: Path

    @property
    def sparql(self) -> str:
        return f"{self.url}/sparql"

    @property
    def graph_store(self) -> str:
        """The Graph Store Protocol endpoint that takes Digest authentication."""
        return f"{self.url}/sparql-graph-crud-auth"

    def select(self, query: str) -> list[dict]:
        """Rows of a SELECT, as SPARQL JSON bindings."""
        import json

        data = urllib.parse.urlencode({"query": query}).encode()
        request = urllib.request.Request(self.sparql, data=data, headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)["results"]["bindings"]

    def ntriples(self, graph: str) -> bytes:
        """Every triple of ``graph``, as N-Triples."""
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        data = urllib.parse.urlencode({"query": query, "format": "text/plain"}).encode()
        with urllib.request.urlopen(urllib.request.Request(self.sparql, data=data), timeout=60) as response:
            return response.read()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running(root: Path, timeout: float = 60.0) -> Iterator[Virtuoso]:
    """Virtuoso in ``root`` (a fresh folder) until the block ends."""
    if VIRTUOSO is None:
        raise RuntimeError("virtuoso-t is not installed (Debian: virtuoso-opensource)")
    root.mkdir(parents=True, exist_ok=True)
    http_port, sql_port = _free_port(), _free_port()
    ini = root / "virtuoso.ini"
    ini.write_text(CONFIG.format(root=root, sql_port=sql_port, http_port=http_port, vsp=VSP), encoding="utf-8")
    log = (root / "stdout.log").open("wb")
    process = subprocess.Popen(
        [VIRTUOSO, "+foreground", "+configfile", str(ini)], cwd=root, stdout=log, stderr=subprocess.STDOUT
    )
    server = Virtuoso(f"http://127.0.0.1:{http_port}", root)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited ({process.returncode}): see {root}/virtuoso.log")
            try:
                server.select("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Virtuoso did not answer in {timeout:.0f} s: see {root}/virtuoso.log") from None
                time.sleep(0.3)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
