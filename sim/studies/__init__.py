"""Layer 4, studies: running scenarios, comparisons, sweeps and Monte Carlo campaigns,
sensitivity, and the executors that fly them.

The public names below load on first use::

    from sim.studies import Campaign, run_campaign, monte_carlo, normal, grid
"""

_PUBLIC = {
    "Campaign": "sim.studies.campaign",
    "CampaignResult": "sim.studies.campaign",
    "run_campaign": "sim.studies.campaign",
    "monte_carlo": "sim.studies.design",
    "latin_hypercube": "sim.studies.design",
    "sobol_sequence": "sim.studies.design",
    "grid": "sim.studies.design",
    "normal": "sim.studies.design",
    "truncated_normal": "sim.studies.design",
    "uniform": "sim.studies.design",
    "lognormal": "sim.studies.design",
    "choice": "sim.studies.design",
    "one_at_a_time": "sim.studies.sensitivity",
    "regression_indices": "sim.studies.sensitivity",
    "study_record": "sim.studies.report",
    "footprint_ellipses": "sim.studies.report",
    "footprint": "sim.studies.statistics",
    "exceedance": "sim.studies.intervals",
    "quantile_ci": "sim.studies.intervals",
    "bootstrap_ci": "sim.studies.intervals",
    "SerialExecutor": "sim.studies.campaign",
    "ProcessExecutor": "sim.studies.executors",
    "DaskExecutor": "sim.studies.executors",
}


def __getattr__(name):
    if name in _PUBLIC:
        import importlib

        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'sim.studies' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_PUBLIC])


__all__ = sorted(_PUBLIC)
