"""Layer 5, the ``reentry`` command line: argument parsing and printing only.

Importing it loads numpy and the compiled physics: a warning given meanwhile (no
writable folder for the compiled-code cache) is shown as one ``reentry: warning:`` line,
and Ctrl-C meanwhile ends the program with one line and the exit status 130.
"""

import os
import sys
import warnings

from sim.cli.signals import Interrupts
from sim.cli.warn import one_line

_shown = warnings.showwarning
warnings.showwarning = one_line
try:
    with Interrupts():
        from sim.cli.main import main
except KeyboardInterrupt:
    main_spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    program = getattr(main_spec, "name", None) == "sim.__main__" or (
        os.path.basename(sys.argv[0] if sys.argv else "") == "reentry"
    )
    if not program:  # imported by another program: its Ctrl-C
        raise
    # Ctrl-C while the program starts: nothing to clean up. Not SystemExit: the
    # interpreter may still exit by SIGINT (it does when the signal came inside an
    # exec() of a string, as some imports run).
    print("reentry: interrupted", file=sys.stderr)
    sys.stderr.flush()
    os._exit(130)
finally:
    warnings.showwarning = _shown

__all__ = ["main"]
