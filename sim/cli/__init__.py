"""Layer 5, the ``reentry`` command line: argument parsing and printing only."""

from sim.cli.main import main

__all__ = ["main"]
