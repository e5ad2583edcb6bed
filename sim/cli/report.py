"""Writing a command's report to standard output."""

import sys


def report(text: str) -> None:
    """Write ``text`` and its newline in one write: ``print`` writes them apart, and a
    Ctrl-C between the two left a report without its last newline."""
    sys.stdout.write(text + "\n")
