"""``python -m sim``: the ``reentry`` command line."""

import os
import sys

try:
    import signal

    from sim.cli import main
except KeyboardInterrupt:  # a Ctrl-C before the command line's own guard was in place
    print("reentry: interrupted", file=sys.stderr)
    sys.stderr.flush()
    os._exit(130)

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
