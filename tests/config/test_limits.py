"""Validation beyond types: unknown keys before required ones, did-you-mean ignoring case,
plausibility limits with their reasons, checks of the whole flight, the new keys."""

import math
import pathlib

import pytest

from sim.config import limits
from sim.config.build import load_scenario
from sim.config.errors import ScenarioError
from sim.config.tree import close_match
from sim.studies.runs import run_scenario

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
SMALL = DATA / "entry_small.toml"
TABLE = DATA / "atmosphere_table.csv"
TMA11 = pathlib.Path(__file__).resolve().parents[2] / "configs" / "soyuz_tma11"


def _error(path, overrides=None):
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return info.value


def _edited(tmp_path, old, new):
    text = SMALL.read_text()
    assert old in text
    p = tmp_path / "entry_small.toml"
    p.write_text(text.replace(old, new, 1))
    return p


# ---------------------------------------------------------------------------------------
# Unknown keys first; did-you-mean
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "old, new, key, meant",
    [
        ("mass_kg = 2900", "mass_kgg = 2900", "vehicles.capsule.mass_kgg", "mass_kg"),
        ("mass_kg = 2900", "mass = 2900", "vehicles.capsule.mass", "mass_kg"),
        ("[atmosphere]", "[atmosphre]", "atmosphre", "atmosphere"),
        ("[vehicles.capsule]", "[vehicle.capsule]", "vehicle", "vehicles"),
        ('model = "exponential"', 'modle = "exponential"', "atmosphere.modle", "model"),
        ('frame = "relative"', 'frme = "relative"', "initial.frme", "frame"),
    ],
)
def test_a_misspelled_key_is_named_not_the_required_key(tmp_path, old, new, key, meant):
    exc = _error(_edited(tmp_path, old, new))
    assert exc.key == key, exc
    assert f"did you mean {meant!r}" in exc.expected and "required" not in exc.expected


def test_did_you_mean_ignores_case():
    assert close_match("USSA76", ("ussa76", "exponential")) == "ussa76"
    assert close_match("rk45", ("DOP853", "RK45")) == "RK45"
    assert close_match("ussa76", ("ussa76",)) is None  # an exact match needs no hint
    assert close_match("x" * 1000, ("x",)) is None  # a hostile word is not compared
    exc = _error(SMALL, {"simulation.method": "rk45"})
    assert "did you mean 'RK45'" in exc.expected


def test_a_table_made_by_an_override_is_pointed_out():
    exc = _error(SMALL, {"vehicles.capsul.mass_kg": 3000})
    assert exc.key.startswith("vehicles.capsul.")
    assert "did you mean 'capsule'" in exc.expected and "made by the override" in exc.expected


def test_base_vehicle_did_you_mean():
    exc = _error(SMALL, {"vehicles.drogue.base_vehicle": "capsul"})
    assert exc.key == "vehicles.drogue.base_vehicle" and "did you mean 'capsule'" in exc.expected


# ---------------------------------------------------------------------------------------
# Plausibility limits: the key, the range and its reason
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "key, value, words",
    [
        ("simulation.rtol", 1e-3, ["< 0.001", "trusted"]),
        ("simulation.rtol", 1e-15, [">= 1e-14", "rounding"]),
        ("vehicles.capsule.mass_kg", 2e6, ["<= 1e+06", "100 t"]),
        ("vehicles.capsule.mass_kg", 1e-6, ["ballistic coefficient", "crawls"]),
        ("vehicles.capsule.reference_area_m2", 1e9, ["<= 1000", "250 m^2"]),
        ("vehicles.main.parachute_drag_area_m2", 1e9, ["<= 10000", "thousand"]),
        ("vehicles.capsule.drag_coefficient", 11, ["<= 10"]),
        ("simulation.max_steps", 10**8, ["<= 1,000,000", "memory"]),
    ],
)
def test_implausible_values_are_refused_with_the_reason(key, value, words):
    exc = _error(SMALL, {key: value})
    assert exc.key == key, exc
    for w in words:
        assert w in exc.expected, exc


def test_the_physical_bound_keeps_its_short_message():
    exc = _error(SMALL, {"vehicles.capsule.mass_kg": -3})
    assert exc.expected == "a number > 0 [kg], not -3"


@pytest.mark.parametrize(
    "control, key, words",
    [
        ({"period_s": 1e-3}, "period_s", [">= 0.1", "prediction"]),
        ({"predictor_step_s": 1e-6}, "predictor_step_s", [">= 0.1"]),
        ({"period_s": 0.1, "predictor_step_s": 0.1}, "predictor_step_s", ["period_s x"]),
        ({"predictor_rtol": 1e-14}, "predictor_rtol", [">= 1e-12"]),
    ],
)
def test_guidance_settings_that_make_it_crawl_are_refused(control, key, words):
    exc = _error(SMALL, {"phases.0.control": {"law": "guided", **control}})
    assert exc.key == f"phases.0.control.{key}", exc
    for w in words:
        assert w in exc.expected, exc


def test_a_cd_table_value_is_limited_like_drag_coefficient():
    exc = _error(
        SMALL,
        {
            "vehicles.capsule.cd_table": {"mach": [0.0, 40.0], "cd": [1e6, 1.3]},
            "vehicles.capsule.drag_coefficient": None,
        },
    )
    assert exc.key == "vehicles.capsule.cd_table.cd.0" and "<= 10" in exc.expected


def test_a_name_that_cannot_name_output_files_is_refused():
    exc = _error(SMALL, {"name": "n" * (limits.NAME_LENGTH + 1)})
    assert exc.key == "name" and "characters" in exc.expected
    assert load_scenario(SMALL, {"name": "n" * limits.NAME_LENGTH}).name.startswith("nnn")


# ---------------------------------------------------------------------------------------
# Checks of the whole flight
# ---------------------------------------------------------------------------------------
def test_the_ceiling_must_be_above_the_start():
    exc = _error(SMALL, {"simulation.ceiling_altitude_km": 50})
    assert exc.key == "simulation.ceiling_altitude_km" and "> 100" in exc.expected
    assert (
        load_scenario(SMALL, {"simulation.ceiling_altitude_km": 120}).simulation.ceiling_altitude
        == 120e3
    )
    exc = _error(TMA11 / "nominal.toml", {"simulation.ceiling_altitude_km": 350})
    # the orbit reaches 337 km above the equator's radius, 358 km above the ellipsoid
    assert exc.key == "simulation.ceiling_altitude_km" and "> 358" in exc.expected


def _table(overrides=None):
    base = {
        "atmosphere.model": "table",
        "atmosphere.file": str(TABLE),
        "atmosphere.scale_height_km": None,
    }
    return {**base, **(overrides or {})}


def test_a_table_atmosphere_must_cover_the_ground_to_the_ceiling(tmp_path):
    assert load_scenario(SMALL, _table()).atmosphere.extrapolate is False  # 0-150 km: covers
    exc = _error(SMALL, _table({"simulation.ground_altitude_m": -500}))
    assert exc.key == "atmosphere.file"
    assert "atmosphere_table.csv" in exc.expected and "-0.5 to 150 km" in exc.expected
    assert "0 to 150 km" in exc.expected and "extrapolate" in exc.expected
    ok = load_scenario(
        SMALL, _table({"simulation.ground_altitude_m": -500, "atmosphere.extrapolate": True})
    )
    assert ok.atmosphere.extrapolate is True


def test_a_table_density_that_rises_with_altitude_names_the_line(tmp_path):
    p = tmp_path / "rising.csv"
    p.write_text("altitude_km,density_kg_m3,temperature_k\n0,1.2,288\n50,1e-3,270\n100,5e-2,195\n")
    exc = _error(SMALL, _table({"atmosphere.file": str(p)}))
    assert exc.file == str(p) and exc.key == "line 4" and "rise" in exc.expected


def test_a_separation_never_gains_mass(tmp_path):
    heavy = {
        "mass_kg": 5000,
        "reference_area_m2": 3.8,
        "nose_radius_m": 2.2,
        "drag_coefficient": 1.3,
        "parachute_drag_area_m2": 19.2,
        "parachute_fill_time_s": 8,
    }
    exc = _error(SMALL, {"vehicles.heavy": heavy, "phases.1.vehicle": "heavy"})
    assert exc.key == "phases.1.vehicle" and "2900 kg" in exc.expected


def test_a_finite_burn_counts_in_the_mass_check():
    # the stack burns 249 kg: a descent module of 6,400 kg after it would gain mass
    exc = _error(TMA11 / "nominal.toml", {"vehicles.descent_module.mass_kg": 6400})
    assert exc.key == "phases.1.vehicle" and "6300.5" in exc.expected


def test_the_landing_time_must_stay_within_the_calendar():
    exc = _error(SMALL, {"epoch_utc": "9999-12-31T23:50:00Z"})
    assert exc.key == "epoch_utc" and "9999" in exc.expected


# ---------------------------------------------------------------------------------------
# The new keys
# ---------------------------------------------------------------------------------------
def test_the_new_simulation_keys_and_their_defaults():
    s = load_scenario(SMALL).simulation
    assert s.max_landing_speed == limits.MAX_LANDING_SPEED
    assert s.max_steps == limits.MAX_STEPS and s.max_wall_time == limits.MAX_WALL_TIME
    s = load_scenario(
        SMALL,
        {
            "simulation.max_landing_speed_m_s": 12.5,
            "simulation.max_steps": 5000,
            "simulation.max_wall_time_s": 60,
        },
    ).simulation
    assert (s.max_landing_speed, s.max_steps, s.max_wall_time) == (12.5, 5000, 60.0)
    assert _error(SMALL, {"simulation.max_steps": 1.5}).key == "simulation.max_steps"


def test_parachute_limits_default_and_configured():
    v = load_scenario(SMALL).vehicles["drogue"].parachute
    assert (v.max_mach, v.max_dynamic_pressure) == (3.0, 30e3)
    s = load_scenario(
        SMALL,
        {
            "vehicles.drogue.parachute_max_mach": 0.9,
            "vehicles.drogue.parachute_max_dynamic_pressure_pa": 8000,
        },
    )
    chute = s.vehicles["drogue"].parachute
    assert (chute.max_mach, chute.max_dynamic_pressure) == (0.9, 8000.0)


def test_a_step_limit_ends_the_flight_with_its_status():
    traj = run_scenario(load_scenario(SMALL, {"simulation.max_steps": 50}))
    assert traj.status == "step_limit" and "50 integrator steps" in traj.message


def test_a_landing_faster_than_the_configured_speed_is_an_impact():
    traj = run_scenario(load_scenario(SMALL, {"simulation.max_landing_speed_m_s": 5}))
    assert traj.status == "impact"
    assert "faster than the survivable 5 m/s" in traj.message
    assert math.isclose(float(traj["speed"][-1]), 7.6, abs_tol=0.1)  # under the main canopy
