"""The ``pilotkg`` command line: build, inspect, validate, query, stats, publish, serve."""

from __future__ import annotations

import click

from pilotkg import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pilotkg")
def main() -> None:
    """Build, check, query and serve the pilot knowledge graph."""


def _register() -> None:
    """Attach the sub-commands; each lives beside the code it drives."""
    from pilotkg.graph.commands import build, inspect, publish, query, stats, validate

    for command in (build, inspect, validate, query, stats, publish):
        main.add_command(command)
    try:
        from pilotkg.server.commands import serve
    except ImportError:  # the server is optional until it lands
        return
    main.add_command(serve)


_register()


if __name__ == "__main__":
    main()
