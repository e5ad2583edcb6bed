"""Layer 4, input and output formats: reports (text and JSON), CSV, and (later) Parquet,
KML and GeoJSON. Optional dependencies are imported lazily.
"""
