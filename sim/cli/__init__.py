"""Layer 5, the ``reentry`` command line: argument parsing and printing only.

Importing it loads numpy and the compiled physics: a warning given meanwhile (no
writable folder for the compiled-code cache) is shown as one ``reentry: warning:`` line,
and Ctrl-C meanwhile ends the program with one line and the exit status 130.
"""

import sys
import warnings

from sim.cli.warn import one_line

_shown = warnings.showwarning
warnings.showwarning = one_line
try:
    from sim.cli.main import main
except KeyboardInterrupt:  # Ctrl-C while the program starts
    print("reentry: interrupted", file=sys.stderr)
    raise SystemExit(130) from None
finally:
    warnings.showwarning = _shown

__all__ = ["main"]
