"""Layer 0, the physical models: constants, the Earth and geodesy, atmospheres, vehicles.

Nothing here knows about phases, scenarios or files. The compiled functions of this layer
(geodetic conversions, gravity, atmospheres) are called by the compiled core.
"""
