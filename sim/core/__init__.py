"""Layer 1, the compiled physics: layouts (declared once), packing, the right-hand side,
outputs, event quantities and the integrators (the compiled predictor and the
``solve_ivp`` reference path).

Only this layer writes a parameter vector (:mod:`sim.core.pack`) and indexes one
(:mod:`sim.core.layout`).
"""
