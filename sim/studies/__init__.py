"""Layer 4, studies: running scenarios (one, a comparison; later sweeps, Monte Carlo
dispersions, sensitivity, uncertainty and calibration) and the executors that fly them.
"""
