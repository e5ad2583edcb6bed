"""Warnings on the command line: one ``reentry: warning: ...`` line each."""

import sys


def one_line(message, category, filename, lineno, file=None, line=None) -> None:
    """A :func:`warnings.showwarning` that prints one line (no source location)."""
    text = str(message).removeprefix("reentry-sim: ")
    print(f"reentry: warning: {text}", file=sys.stderr if file is None else file)
