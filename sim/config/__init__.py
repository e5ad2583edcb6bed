"""Layer 3, configuration: the TOML tree (``extends``, overrides, provenance), its schema
and validation, and the one place that turns a configuration into built objects
(:func:`~sim.config.build.load_scenario`). Loading runs nothing: planning (deorbit
targeting) is the explicit step :func:`~sim.config.scenario.plan`.
"""
