"""``python -m studio``: the command line (see `studio.cli`)."""

from studio.cli.main import main

main()
