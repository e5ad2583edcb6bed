"""Layer 4, figures (matplotlib is imported only here, and only when a figure is drawn)."""
