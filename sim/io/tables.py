"""CSV outputs besides the trajectory's own (:meth:`Trajectory.to_csv`)."""


def guidance_csv(phase: str, history: dict) -> str:
    """The guidance's cycle-by-cycle history as CSV text (reversal times in a comment)."""
    names = [
        "time",
        "bank_command_deg",
        "predicted_downrange_km",
        "predicted_crossrange_km",
        "drag_ratio",
    ]
    units = {
        "time": "s",
        "bank_command_deg": "deg",
        "predicted_downrange_km": "km",
        "predicted_crossrange_km": "km",
        "drag_ratio": "-",
    }
    lines = [
        f"# guidance of phase '{phase}'; bank reversals at t = "
        + ", ".join(f"{t:.1f}" for t in history["reversals"])
        + " s",
        ",".join(f"{n} [{units[n]}]" for n in names),
    ]
    for row in zip(*(history[n] for n in names), strict=True):
        lines.append(",".join(repr(float(v)) for v in row))
    return "\n".join(lines) + "\n"
