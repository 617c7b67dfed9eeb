"""Entry point of ``python -m studio``: every command group registered on one app."""

from __future__ import annotations

from studio.cli import analytics, assistants, suites, team  # noqa: F401  (each registers its commands)
from studio.cli.common import app


def main() -> None:
    """Run the command line."""
    app(prog_name="python -m studio")
