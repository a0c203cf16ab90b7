"""``python -m pilotkg.server`` — the same as ``pilotkg serve``."""

from pilotkg.server.commands import serve

if __name__ == "__main__":
    serve(prog_name="pilotkg serve")
