"""``python -m models …``: the command line (see models/cli.py)."""

from models.cli import main

main()
