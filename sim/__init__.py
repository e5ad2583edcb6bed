"""reentry-sim: capsule reentry over a rotating WGS-84 Earth.

``import sim`` stays light: the public functions are loaded on first use, and the numeric
core never imports matplotlib, pandas or dask.
"""

__version__ = "0.1.0"

# (``simulate`` is not listed: ``sim.simulate`` is the module; use
# ``from sim.simulate import simulate``.)
_PUBLIC = {
    "Trajectory": "sim.results",
    "load_scenario": "sim.scenario",
    "run_scenario": "sim.scenario",
}


def __getattr__(name):
    if name in _PUBLIC:
        import importlib

        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


__all__ = sorted(_PUBLIC)
