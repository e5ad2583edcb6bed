"""Sensitivity of the TMA-11 comparison to its uncertain parameters.

Runs the three TMA-11 scenarios once per variant of one uncertain parameter (everything
else as configured; the burn is re-planned with the variant, as the planners would have)
and prints a Markdown table: the landing's along-track miss from the nominal landing and
the peak sensed load of the ballistic and stuck-service-module descents, and the nominal's
distance to the target. Usage: ``python tools/tma11_sensitivity.py`` (about a minute).
"""

import pathlib

from sim import load_scenario, run_scenario, summarize

CONFIGS = pathlib.Path(__file__).resolve().parents[1] / "configs" / "soyuz_tma11"

EXPONENTIAL = {"model": "exponential", "surface_density_kg_m3": 1.225}
ROLL_5 = {
    "ballistic": {"vehicles.descent_module.roll_rate_deg_s": 5.0},
    "stuck_service_module": {"vehicles.descent_module.roll_rate_deg_s": 5.0},
}

#: (label, overrides for all three scenarios, extra overrides per scenario)
VARIANTS = [
    ("as configured", {}, {}),
    (
        "descent module L/D 0.18 (other secondary source)",
        {"vehicles.descent_module.lift_to_drag": 0.18},
        {},
    ),
    ("descent module L/D 0.24", {"vehicles.descent_module.lift_to_drag": 0.24}, {}),
    ("guidance reference bank 45 deg", {"targeting.reference_bank_deg": 45.0}, {}),
    ("guidance reference bank 65 deg", {"targeting.reference_bank_deg": 65.0}, {}),
    ("descent module Cd 1.2", {"vehicles.descent_module.drag_coefficient": 1.2}, {}),
    ("descent module Cd 1.4", {"vehicles.descent_module.drag_coefficient": 1.4}, {}),
    (
        "exponential atmosphere, H = 7.2 km",
        {"atmosphere": {**EXPONENTIAL, "scale_height_km": 7.2}},
        {},
    ),
    (
        "exponential atmosphere, H = 8.5 km",
        {"atmosphere": {**EXPONENTIAL, "scale_height_km": 8.5}},
        {},
    ),
    ("true density +10 % (unknown to the plan)", {"atmosphere.density_scale": 1.1}, {}),
    ("roll rate 5 deg/s", {}, ROLL_5),
    *[
        (
            f"joint fails at {h:g} km",
            {},
            {"stuck_service_module": {"phases.1.until.0.altitude_km": h}},
        )
        for h in (70.0, 90.0, 100.0)
    ],
    *[
        (
            f"hatch-first stack Cd {cd:g}",
            {},
            {"stuck_service_module": {"vehicles.sa_pao.drag_coefficient": cd}},
        )
        for cd in (0.8, 1.3)
    ],
]


def main():
    print(
        "| variant | nominal to target [km] | ballistic along track [km] | ballistic "
        "peak [g] | stuck along track [km] | stuck peak [g] |"
    )
    print("|---|---|---|---|---|---|")
    for label, common, extra in VARIANTS:
        nominal_s = load_scenario(CONFIGS / "nominal.toml", {**common, **extra.get("nominal", {})})
        nominal = run_scenario(nominal_s)
        cells = [f"{summarize(nominal, target=nominal_s.target).distance_to_target_km:.1f}"]
        for name in ("ballistic", "stuck_service_module"):
            s = load_scenario(CONFIGS / f"{name}.toml", {**common, **extra.get(name, {})})
            m = summarize(run_scenario(s), target=nominal_s.target, reference=nominal)
            cells += [f"{m.miss_along_track_km:.0f}", f"{m.peak_g:.2f}"]
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
