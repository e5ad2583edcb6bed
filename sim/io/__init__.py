"""Layer 4, input and output formats: reports (text and JSON), CSV, output folders and
reading them back, GeoJSON and KML of tracks, landings and ellipses, Parquet of
trajectories. Optional dependencies (pyarrow) are imported lazily.
"""
