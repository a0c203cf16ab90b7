"""The serve command: settings from flags and environment, building a missing store."""

from __future__ import annotations

import sys
import types

import click
import pytest

from pilotkg.server import commands
from pilotkg.server.config import Settings


def test_settings_precedence(tmp_path):
    env = {"PILOTKG_QUERY_TIMEOUT": "4", "PILOTKG_MAX_ROWS": "7", "PILOTKG_SERVICE_ALLOWLIST": "http://a/ http://b/"}
    s = Settings.from_env(env)
    assert s.query_timeout == 4.0 and s.max_rows == 7 and s.service_allowlist == ("http://a/", "http://b/")
    s = Settings.from_env(env, max_rows=9, base="http://example.org/kg")
    assert s.max_rows == 9 and s.base == "http://example.org/kg/" and s.id_prefix == "http://example.org/kg/id/"


def test_missing_store_is_built(tmp_path, monkeypatch):
    calls = []

    def fake_build(sources, out, base):
        calls.append((out, base))
        (out / "store").mkdir(parents=True)
        (out / "store" / "CURRENT").write_text("x")

    module = types.ModuleType("pilotkg.graph.build")
    module.build = fake_build
    monkeypatch.setitem(sys.modules, "pilotkg.graph.build", module)
    settings = Settings(store=tmp_path / "dist" / "store").normalised()
    commands.ensure_store(settings)
    assert calls == [(tmp_path / "dist", settings.base)]
    commands.ensure_store(settings)  # already there: no second build
    assert len(calls) == 1


def test_never_builds_outside_an_out_store_folder(tmp_path):
    with pytest.raises(click.ClickException):
        commands.ensure_store(Settings(store=tmp_path / "elsewhere").normalised())


def test_server_options():
    opts = commands.server_options("127.0.0.1", 8123, 1, 16)
    assert (opts["address"], opts["port"], opts["blocking_threads"]) == ("127.0.0.1", 8123, 16)
    assert opts["http1_settings"].header_read_timeout <= 10_000  # slow headers are cut off
    assert opts["http1_settings"].max_buffer_size <= 256 * 1024  # long request lines refused at once


def test_settings_travel_through_the_environment():
    settings = Settings(query_timeout=2.5, service_allowlist=("http://a/", "http://b/"), isolate_network=False)
    assert Settings.from_env(settings.normalised().to_env()) == settings.normalised()


def test_a_base_that_is_no_iri_is_refused_by_name():
    """The base IRI is written into the server's own queries: it must be an IRI (no quote)."""
    with pytest.raises(ValueError, match="base: not an absolute IRI"):
        Settings(base='https://example.org/a" } #').normalised()
