"""reentry-sim: capsule reentry over a rotating WGS-84 Earth.

``import sim`` stays light: the public functions below are loaded on first use, and the
numeric core never imports matplotlib, pandas or dask.

The package's folders are its layers, each importing only from those below it::

    models    constants, the Earth and geodesy, atmospheres, vehicles
    core      the compiled physics: layouts, packing, right-hand side, integrators
    results   Trajectory, Summary, documented flights
    flight    initial states, triggers, control laws and guidance, targeting, simulate
    config    TOML tree, validation, building (load_scenario), planning
    io        reports, CSV and other formats
    studies   running scenarios, comparisons
    plotting  figures
    cli       the ``reentry`` command line
"""

__version__ = "0.2.0"

_PUBLIC = {
    "GeoPoint": "sim.models.earth",
    "Scenario": "sim.config.scenario",
    "Summary": "sim.results.summary",
    "Trajectory": "sim.results.trajectory",
    "compare": "sim.studies.compare",
    "load_scenario": "sim.config.build",
    "plan": "sim.config.scenario",
    "run_scenario": "sim.studies.runs",
    "simulate": "sim.flight.simulate",
    "summarize": "sim.results.summary",
}


def __getattr__(name):
    if name in _PUBLIC:
        import importlib

        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_PUBLIC])


__all__ = sorted(_PUBLIC)
