"""Layer 2, results: the :class:`~sim.results.trajectory.Trajectory`, its
:class:`~sim.results.summary.Summary` (fields with units) and the comparison with
documented flights.
"""
