"""Layer 2, the flight: initial states and burns, triggers, control laws and guidance,
deorbit targeting, and :func:`~sim.flight.simulate.simulate`, which flies phases to the
ground and returns a :class:`~sim.results.trajectory.Trajectory`.
"""
