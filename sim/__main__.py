"""``python -m sim``: the ``reentry`` command line."""

from sim.cli import main

raise SystemExit(main())
