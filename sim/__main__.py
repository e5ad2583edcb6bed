"""``python -m sim``: the ``reentry`` command line."""

import os
import signal
import sys

from sim.cli import main

code = main()
# The work is done and reported: a Ctrl-C while the interpreter shuts down changes nothing.
signal.signal(signal.SIGINT, signal.SIG_IGN)
if code == 130:
    # Interrupted: the interpreter may still exit by SIGINT instead of with the status (it
    # does when the signal came inside an exec() of a string, as some imports run).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
raise SystemExit(code)
