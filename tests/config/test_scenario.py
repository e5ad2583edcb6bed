"""Scenario files: extends, overrides, validation errors, building, the TMA-11 configs."""

import dataclasses
import math
import pathlib
import tomllib

import numpy as np
import pytest

from sim.config.build import load_scenario
from sim.config.errors import ScenarioError
from sim.config.scenario import fixed_burn_overrides, plan
from sim.config.tables import read_atmosphere_table
from sim.config.tree import REMOVE, dump_config, parse_override, resolve_config
from sim.flight.control import ConstantBank, GuidedBank, RollingBank
from sim.models.atmosphere import ExponentialAtmosphere, StandardAtmosphere1976, TabulatedAtmosphere
from sim.models.geodesy import geodesic_direct
from sim.models.vehicle import Engine
from sim.studies.runs import run_scenario

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
SMALL = DATA / "entry_small.toml"
ROOT = pathlib.Path(__file__).resolve().parents[2]
TMA11 = ROOT / "configs" / "soyuz_tma11"


def _write(folder, name, text):
    path = folder / name
    path.write_text(text)
    return path


def _small_text():
    return SMALL.read_text()


def _error(path, overrides=None):
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return info.value


def _assert_error(exc, file, key, *fragments):
    """The error names the file, the dotted key and what was expected (in its message)."""
    assert pathlib.Path(str(exc.file).replace(" (override)", "")).name == pathlib.Path(file).name, (
        exc
    )
    assert exc.key == key, exc
    text = str(exc)
    assert str(exc.file) in text and (key is None or key in text)
    for frag in fragments:
        assert frag in exc.expected, exc


# ---------------------------------------------------------------------------------------
# Building an entry-state scenario
# ---------------------------------------------------------------------------------------
def test_entry_scenario_builds_si_objects():
    s = load_scenario(SMALL)
    assert s.name == "entry_small" and not s.reference and s.orbit is None
    assert s.epoch.isoformat() == "2008-04-19T08:00:00+00:00"
    assert (s.target.latitude, s.target.longitude) == pytest.approx(
        (math.radians(50.5), math.radians(67.0)), rel=1e-15
    )
    assert isinstance(s.atmosphere, ExponentialAtmosphere)
    assert s.atmosphere.scale_height == 7200.0 and s.atmosphere.surface_density == 1.225
    names = [p.name for p in s.phases]
    assert names == ["entry", "drogue", "main"]
    entry, drogue, main = s.phases
    assert entry.until[0].quantity == "altitude" and entry.until[0].value == 10.7e3
    assert entry.until[0].direction == -1
    assert entry.control == ConstantBank(math.radians(60.0))
    assert drogue.control == ConstantBank(0.0)  # the documented default
    assert main.until == ()
    # base_vehicle: the same body (name) so that the mass carries over, own chute and L/D
    assert drogue.vehicle.name == main.vehicle.name == "capsule"
    assert drogue.vehicle.mass == 2900.0 and drogue.vehicle.lift_to_drag == 0.0
    assert drogue.vehicle.parachute.drag_area == 19.2
    assert drogue.vehicle.parachute.fill_time == 8.0
    assert entry.vehicle.parachute is None and entry.vehicle.lift_to_drag == 0.3


def test_entry_scenario_runs_to_the_ground():
    s = load_scenario(SMALL)
    traj = run_scenario(s)
    assert traj.status == "landed"
    assert traj.epoch == s.epoch
    assert [e.name for e in traj.events][-1] == "ground"
    # Under the 800 m^2 main canopy the descent settles to its terminal speed:
    # v = sqrt(2 m g / (rho0 (CdS + Cd A))); 1 percent covers g(h, latitude) and the
    # remaining deceleration of a quasi-steady descent.
    v = math.sqrt(2 * 2900 * 9.81 / (1.225 * (800 + 1.3 * 3.8)))
    assert traj.final["speed"] == pytest.approx(v, rel=0.01)


def test_base_vehicle_mass_override_reaches_the_canopy_phases():
    s = load_scenario(SMALL, {"vehicles.capsule.mass_kg": 3000})
    assert [p.vehicle.mass for p in s.phases] == [3000.0, 3000.0, 3000.0]


def test_triggers_convert_units_and_directions(tmp_path):
    text = _small_text().replace(
        "until = [{ altitude_km = 10.7 }]",
        'until = [{ dynamic_pressure_pa = 5000, direction = "rising" }, '
        "{ heat_load_mj_m2 = 30 }, { mach = 2 }, { time_s = 100 }, { phase_time_s = 50 }, "
        '{ speed_m_s = 300, direction = "either" }, { altitude_km = 10.7 }]',
    )
    trig = load_scenario(_write(tmp_path, "t.toml", text)).phases[0].until
    assert [(t.quantity, t.value, t.direction) for t in trig] == [
        ("dynamic_pressure", 5000.0, 1),
        ("heat_load", 30e6, 1),
        ("mach", 2.0, -1),
        ("time", 100.0, 1),
        ("phase_time", 50.0, 1),
        ("speed", 300.0, 0),
        ("altitude", 10700.0, -1),
    ]


def test_rolling_law_and_its_optional_initial_bank(tmp_path):
    text = _small_text().replace(
        'control = { law = "constant", bank_deg = 60 }',
        'control = { law = "rolling", roll_rate_deg_s = 13 }',
    )
    s = load_scenario(_write(tmp_path, "r.toml", text))
    assert s.phases[0].control == RollingBank(math.radians(13.0), None)
    s = load_scenario(_write(tmp_path, "r.toml", text), {"phases.0.control.initial_bank_deg": 90})
    assert s.phases[0].control == RollingBank(math.radians(13.0), math.radians(90.0))


def test_guided_law_gets_the_target_the_phase_altitude_and_its_tuning():
    s = load_scenario(
        SMALL,
        {
            "phases.0.control": {
                "law": "guided",
                "period_s": 4,
                "max_bank_deg": 120,
                "deadband_high_km": 20,
            }
        },
    )
    law = s.phases[0].control
    assert isinstance(law, GuidedBank)
    assert (law.target_latitude, law.target_longitude) == (s.target.latitude, s.target.longitude)
    assert law.final_altitude == 10.7e3  # from the phase's trigger: one home
    assert law.period == 4.0 and law.max_bank == pytest.approx(math.radians(120.0), 1e-15)
    assert law.deadband_high == 20e3
    # the guidance flies the phase's vehicle and plans with the scenario's atmosphere
    assert law.model_vehicle is None
    assert law.model_atmosphere == dataclasses.replace(s.atmosphere, density_scale=1.0)


def test_a_dispersed_density_is_unknown_to_guidance_and_targeting(tma11):
    s = tma11["nominal"]
    thick = load_scenario(s.path, {"atmosphere.density_scale": 1.2})
    assert thick.atmosphere.density_scale == 1.2
    guided = [p.control for p in thick.phases if isinstance(p.control, GuidedBank)]
    assert guided and guided[0].model_atmosphere.density_scale == 1.0
    # the burn is planned without knowing the day's density: the same problem, the same
    # burn point
    assert thick.deorbit.key() == s.deorbit.key()
    a, b = plan(thick).orbit, plan(s).orbit
    assert (a.raan, a.argument_of_latitude) == (b.raan, b.argument_of_latitude)


def test_guided_law_with_its_own_model():
    s = load_scenario(
        SMALL,
        {
            "phases.0.control": {
                "law": "guided",
                "model_vehicle": "capsule",
                "model_atmosphere": {"model": "ussa76"},
            }
        },
    )
    law = s.phases[0].control
    assert law.model_vehicle is s.vehicles["capsule"]
    assert isinstance(law.model_atmosphere, StandardAtmosphere1976)


def test_every_guided_key_maps_to_a_guidedbank_field():
    from sim.config.phases import _GUIDED_KEYS

    fields = {f.name for f in dataclasses.fields(GuidedBank)}
    assert {name for name, *_ in _GUIDED_KEYS.values()} <= fields


def test_cd_table(tmp_path):
    s = load_scenario(
        SMALL,
        {
            "vehicles.capsule.drag_coefficient": REMOVE,
            "vehicles.capsule.cd_table": {"mach": [0.5, 2, 25], "cd": [0.8, 1.1, 1.3]},
        },
    )
    v = s.vehicles["capsule"]
    np.testing.assert_array_equal(v.cd_mach, [0.5, 2.0, 25.0])
    np.testing.assert_array_equal(v.cd_values, [0.8, 1.1, 1.3])


# ---------------------------------------------------------------------------------------
# extends and overrides
# ---------------------------------------------------------------------------------------
def test_extends_merges_tables_and_replaces_arrays(tmp_path):
    base = _write(tmp_path, "_base.toml", _small_text())
    child = _write(
        tmp_path,
        "child.toml",
        """
extends = "_base.toml"
name = "child"
[vehicles.capsule]
mass_kg = 3100
[atmosphere]
scale_height_km = 7.0
[[phases]]
name = "only"
vehicle = "capsule"
""",
    )
    config = resolve_config(child).config
    assert config["vehicles"]["capsule"] == {  # merged key by key
        "mass_kg": 3100,
        "reference_area_m2": 3.8,
        "nose_radius_m": 2.2,
        "drag_coefficient": 1.3,
        "lift_to_drag": 0.3,
    }
    assert config["atmosphere"] == {"model": "exponential", "scale_height_km": 7.0}
    assert [p["name"] for p in config["phases"]] == ["only"]  # replaced whole
    assert "extends" not in config
    s = load_scenario(child)
    assert s.name == "child" and s.vehicles["capsule"].mass == 3100.0
    assert base.exists()


def test_extends_chain_of_three(tmp_path):
    _write(tmp_path, "_a.toml", _small_text())
    sub = tmp_path / "sub"
    sub.mkdir()
    _write(sub, "_b.toml", 'extends = "../_a.toml"\n[vehicles.capsule]\nmass_kg = 3000\n')
    c = _write(
        sub, "c.toml", 'extends = "_b.toml"\nname = "c"\n[vehicles.capsule]\nlift_to_drag = 0.25\n'
    )
    s = load_scenario(c)
    assert s.vehicles["capsule"].mass == 3000.0 and s.vehicles["capsule"].lift_to_drag == 0.25


def test_extends_cycle_is_an_error(tmp_path):
    a = _write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    _write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    exc = _error(a)
    _assert_error(exc, "b.toml", "extends", "without cycles", "a.toml -> ")


def test_extends_missing_file_is_an_error(tmp_path):
    a = _write(tmp_path, "a.toml", 'extends = "nowhere.toml"\n')
    _assert_error(_error(a), "a.toml", "extends", "nowhere.toml not found")


def test_error_names_the_base_file_that_holds_the_value(tmp_path):
    _write(tmp_path, "_base.toml", _small_text().replace("mass_kg = 2900", "mass_kg = -5"))
    child = _write(tmp_path, "child.toml", 'extends = "_base.toml"\nname = "x"\n')
    _assert_error(_error(child), "_base.toml", "vehicles.capsule.mass_kg", "> 0", "kg", "-5")


def test_overrides_by_dotted_key_and_list_index():
    s = load_scenario(
        SMALL,
        {
            "vehicles.capsule.mass_kg": 2950,
            "phases.0.until.0.altitude_km": 90,
            "phases.1.until": [{"altitude_km": 6}],
            "atmosphere.density_scale": 1.1,
        },
    )
    assert s.vehicles["capsule"].mass == 2950.0
    assert s.phases[0].until[0].value == 90e3
    assert s.phases[1].until[0].value == 6e3
    assert s.atmosphere.density_scale == 1.1
    assert s.config["vehicles"]["capsule"]["mass_kg"] == 2950  # resolved config follows


def test_override_values_are_validated_like_file_values():
    exc = _error(SMALL, {"vehicles.capsule.mass_kg": "heavy"})
    _assert_error(
        exc, "entry_small.toml", "vehicles.capsule.mass_kg", "a number > 0", "the string 'heavy'"
    )
    assert "(override)" in exc.file
    _assert_error(
        _error(SMALL, {"vehicles.capsule.colour": "red"}),
        "entry_small.toml",
        "vehicles.capsule.colour",
        "no such key",
    )


def test_override_index_out_of_range_and_into_a_scalar():
    _assert_error(
        _error(SMALL, {"phases.5.name": "x"}),
        "entry_small.toml",
        "phases.5.name",
        "an index 0..2 of phases",
    )
    _assert_error(
        _error(SMALL, {"phases.x.name": "x"}), "entry_small.toml", "phases.x.name", "an index"
    )
    _assert_error(
        _error(SMALL, {"name.first": "x"}),
        "entry_small.toml",
        "name.first",
        "to be a table or list",
    )


def test_override_remove():
    exc = _error(SMALL, {"vehicles.capsule.mass_kg": REMOVE})
    _assert_error(
        exc,
        "entry_small.toml (after the override vehicles.capsule.mass_kg)",
        "vehicles.capsule.mass_kg",
        "(required)",
    )
    s = load_scenario(SMALL, {"target": REMOVE, "epoch_utc": REMOVE})
    assert s.target is None and s.epoch is None


@pytest.mark.parametrize(
    "text,expected",
    [
        ("a.b=2950", ("a.b", 2950)),
        ("a=1.5e3", ("a", 1500.0)),
        ("a=true", ("a", True)),
        ('a="x y"', ("a", "x y")),
        ("a=exponential", ("a", "exponential")),
        ("a=[1, 2]", ("a", [1, 2])),
        (
            'p.1.control={ law = "rolling", roll_rate_deg_s = 13 }',
            ("p.1.control", {"law": "rolling", "roll_rate_deg_s": 13}),
        ),
        (" a = 7 ", ("a", 7)),
    ],
)
def test_parse_override(text, expected):
    assert parse_override(text) == expected


@pytest.mark.parametrize("text", ["novalue", "=3", ""])
def test_parse_override_rejects_malformed(text):
    with pytest.raises(ScenarioError, match="KEY=VALUE"):
        parse_override(text)


# ---------------------------------------------------------------------------------------
# Validation errors: file, key, expected
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "old,new,key,fragments",
    [
        # unknown keys: top level, nested, inside a trigger, inside a control table
        ('name = "entry_small"', 'name = "entry_small"\ncolour = "red"', "colour", ["no such key"]),
        (
            "heading_deg = 60",
            "heading_deg = 60\nheding_deg = 60",
            "initial.heding_deg",
            ["no such key", "did you mean 'heading_deg'"],
        ),
        (
            "until = [{ altitude_km = 7 }]",
            'until = [{ altitude_km = 7, directon = "rising" }]',
            "phases.1.until.0.directon",
            ["no such key"],
        ),
        (
            'control = { law = "constant", bank_deg = 60 }',
            'control = { law = "constant", bank_deg = 60, rate = 1 }',
            "phases.0.control.rate",
            ["no such key"],
        ),
        # wrong types
        (
            "mass_kg = 2900",
            'mass_kg = "2900"',
            "vehicles.capsule.mass_kg",
            ["a number > 0 [kg]", "not the string '2900'"],
        ),
        ('frame = "relative"', "frame = 1", "initial.frame", ["'inertial', 'relative'"]),
        ('vehicle = "drogue"', "vehicle = 3", "phases.1.vehicle", ["one of 'capsule'"]),
        (
            '[[phases]]\nname = "entry"',
            "[[phases]]\nname = true",
            "phases.0.name",
            ["a string", "not the boolean true"],
        ),
        # missing required keys
        ("speed_m_s = 7600\n", "", "initial.speed_m_s", ["(required)"]),
        ("scale_height_km = 7.2\n", "", "atmosphere.scale_height_km", ["(required)"]),
        ('vehicle = "capsule"\ncontrol', "control", "phases.0.vehicle", ["(required)"]),
        # non-physical values
        ("mass_kg = 2900", "mass_kg = -2900", "vehicles.capsule.mass_kg", ["> 0", "-2900"]),
        (
            "reference_area_m2 = 3.8",
            "reference_area_m2 = 0",
            "vehicles.capsule.reference_area_m2",
            ["> 0"],
        ),
        ("latitude_deg = 45.0", "latitude_deg = 95.0", "initial.latitude_deg", ["<= 90"]),
        ("speed_m_s = 7600", "speed_m_s = nan", "initial.speed_m_s", ["not nan"]),
        (
            "parachute_drag_area_m2 = 800",
            "parachute_drag_area_m2 = -1",
            "vehicles.main.parachute_drag_area_m2",
            ["> 0"],
        ),
        # triggers: two quantity keys, none, a falling time trigger
        (
            "until = [{ altitude_km = 7 }]",
            "until = [{ altitude_km = 7, mach = 2 }]",
            "phases.1.until.0",
            ["exactly one quantity key", "found altitude_km, mach"],
        ),
        (
            "until = [{ altitude_km = 7 }]",
            'until = [{ direction = "rising" }]',
            "phases.1.until.0",
            ["exactly one quantity key", "found none"],
        ),
        (
            "until = [{ altitude_km = 7 }]",
            'until = [{ time_s = 9, direction = "falling" }]',
            "phases.1.until.0.direction",
            ["'rising' or nothing"],
        ),
        (
            "until = [{ altitude_km = 7 }]",
            'until = [{ altitude_km = 7, direction = "down" }]',
            "phases.1.until.0.direction",
            ["one of 'falling', 'rising', 'either'"],
        ),
        # structure
        (
            "until = [{ altitude_km = 7 }]\n",
            "",
            "phases.1.until",
            ["at least one trigger", "only the last phase"],
        ),
        (
            'vehicle = "drogue"',
            'vehicle = "parachute"',
            "phases.1.vehicle",
            ["one of 'capsule', 'drogue', 'main'", "not 'parachute'"],
        ),
        (
            "parachute_fill_time_s = 8\n",
            "",
            "vehicles.drogue.parachute_fill_time_s",
            ["(required)"],
        ),
        (
            "drag_coefficient = 1.3",
            "drag_coefficient = 1.3\ncd_table = { mach = [1, 2], cd = [1, 1] }",
            "vehicles.capsule.cd_table",
            ["either drag_coefficient or cd_table"],
        ),
        ('name = "drogue"', 'name = "entry"', "phases.1.name", ["unique"]),
        (
            'epoch_utc = "2008-04-19T08:00:00Z"',
            'epoch_utc = "yesterday"',
            "epoch_utc",
            ["a UTC date and time"],
        ),
        ('name = "entry_small"', 'name = "a/b"', "name", ["letters, digits"]),
        (
            'base_vehicle = "capsule"\nlift_to_drag = 0\nparachute_drag_area_m2 = 19.2',
            'base_vehicle = "cap"\nlift_to_drag = 0\nparachute_drag_area_m2 = 19.2',
            "vehicles.drogue.base_vehicle",
            ["the name of another vehicle"],
        ),
        (
            'type = "entry"',
            'type = "entry"\n[deorbit]\ndelta_v_m_s = 1',
            "deorbit",
            ["only an orbit start"],
        ),
    ],
)
def test_config_errors_name_file_key_and_expected(tmp_path, old, new, key, fragments):
    text = _small_text()
    assert old in text
    path = _write(tmp_path, "bad.toml", text.replace(old, new, 1))
    _assert_error(_error(path), "bad.toml", key, *fragments)


def test_guided_law_needs_a_target():
    exc = _error(SMALL, {"target": REMOVE, "phases.0.control": {"law": "guided"}})
    _assert_error(exc, "entry_small.toml", "phases.0.control.law", "[target]")


def test_guided_law_needs_one_altitude_trigger():
    exc = _error(SMALL, {"phases.0.control": {"law": "guided"}, "phases.0.until": [{"mach": 3}]})
    _assert_error(exc, "entry_small.toml", "phases.0.until", "exactly one altitude trigger")


def test_guided_model_vehicle_needs_a_model_atmosphere():
    exc = _error(SMALL, {"phases.0.control": {"law": "guided", "model_vehicle": "capsule"}})
    _assert_error(
        exc,
        "entry_small.toml",
        "phases.0.control.model_atmosphere",
        "model_atmosphere together with model_vehicle",
    )


def test_vehicle_base_cycle(tmp_path):
    text = _small_text().replace("[vehicles.capsule]", '[vehicles.capsule]\nbase_vehicle = "main"')
    exc = _error(_write(tmp_path, "cyc.toml", text))
    assert "without cycles" in exc.expected and exc.key.startswith("vehicles.")


def test_bad_toml_and_missing_file(tmp_path):
    bad = _write(tmp_path, "bad.toml", "name = \n")
    exc = _error(bad)
    assert exc.key is None and "valid TOML" in exc.expected and "line 1" in exc.expected
    exc = _error(tmp_path / "missing.toml")
    assert exc.file.endswith("missing.toml") and "not found" in exc.expected


def test_scenario_error_pickles_and_formats():
    import pickle

    exc = ScenarioError("a.toml", "vehicles.x.mass_kg", "a number > 0 [kg]")
    assert str(exc) == "a.toml: vehicles.x.mass_kg: a number > 0 [kg]"
    assert str(pickle.loads(pickle.dumps(exc))) == str(exc)
    assert str(ScenarioError("a.toml", None, "valid TOML")) == "a.toml: valid TOML"


# ---------------------------------------------------------------------------------------
# Tabulated atmosphere
# ---------------------------------------------------------------------------------------
def test_read_atmosphere_table():
    atm = read_atmosphere_table(DATA / "atmosphere_table.csv", density_scale=1.5)
    assert isinstance(atm, TabulatedAtmosphere)
    np.testing.assert_array_equal(atm.altitude, [0.0, 50e3, 100e3, 150e3])
    assert atm.density[0] == 1.225 and atm.temperature[2] == 195.08
    assert atm.density_scale == 1.5


@pytest.mark.parametrize(
    "text,line,fragment",
    [
        (
            "altitude_km,density_kg_m3,temperature_k\n0,1.2,288\n10,x,250\n",
            "line 3",
            "a number in column density_kg_m3",
        ),
        (
            "altitude_km,density_kg_m3,temperature_k\n0,1.2,288\n0,0.5,250\n",
            "line 3",
            "strictly increasing",
        ),
        (
            "altitude_km,density_kg_m3,temperature_k\n0,1.2,288\n\n# c\n10,-1,250\n",
            "line 5",
            "a positive density_kg_m3",
        ),
        ("altitude_km,density_kg_m3\n0,1.2\n", "line 1", "missing temperature_k"),
        ("altitude_km,density_kg_m3,temperature_k\n0,1.2\n", "line 2", "column temperature_k"),
    ],
)
def test_atmosphere_table_errors_name_file_and_line(tmp_path, text, line, fragment):
    path = _write(tmp_path, "atm.csv", text)
    with pytest.raises(ScenarioError) as info:
        read_atmosphere_table(path)
    assert info.value.file == str(path) and info.value.key == line
    assert fragment in info.value.expected


def test_table_atmosphere_path_is_relative_to_the_file_that_names_it(tmp_path):
    base_dir = tmp_path / "bases"
    base_dir.mkdir()
    (base_dir / "atm.csv").write_text((DATA / "atmosphere_table.csv").read_text())
    _write(
        base_dir,
        "_base.toml",
        _small_text().replace(
            'model = "exponential"\nscale_height_km = 7.2', 'model = "table"\nfile = "atm.csv"'
        ),
    )
    child = _write(tmp_path, "child.toml", 'extends = "bases/_base.toml"\nname = "c"\n')
    s = load_scenario(child)
    assert isinstance(s.atmosphere, TabulatedAtmosphere)
    assert s.config["atmosphere"]["file"] == str(base_dir / "atm.csv")
    missing = _write(
        tmp_path,
        "m.toml",
        'extends = "bases/_base.toml"\nname = "m"\n[atmosphere]\nfile = "atm.csv"\n',
    )  # relative to m.toml: no such file
    _assert_error(_error(missing), "m.toml", "atmosphere.file", "not found")


# ---------------------------------------------------------------------------------------
# Resolved configuration
# ---------------------------------------------------------------------------------------
def test_dump_config_round_trips(tmp_path):
    s = load_scenario(SMALL, {"phases.0.control": {"law": "rolling", "roll_rate_deg_s": 13.5}})
    text = dump_config(s.config)
    assert tomllib.loads(text) == s.config
    again = load_scenario(_write(tmp_path, "again.toml", text))
    assert again.config == s.config
    assert again.phases[0].control == s.phases[0].control


# ---------------------------------------------------------------------------------------
# The Soyuz TMA-11 configurations
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tma11():
    return {
        name: load_scenario(TMA11 / f"{name}.toml")
        for name in ("nominal", "ballistic", "stuck_service_module")
    }


@pytest.fixture(scope="module")
def tma11_plans(tma11):
    return {name: plan(s) for name, s in tma11.items()}


def test_tma11_target_is_80_km_north_of_arkalyk(tma11):
    lat, lon, _ = geodesic_direct(50.25, 66.9, 0.0, 80e3)
    # the file holds the point to 1e-6 deg (0.1 m)
    target = tma11["nominal"].target
    assert (target.latitude, target.longitude) == pytest.approx(
        (math.radians(lat), math.radians(lon)), abs=math.radians(1e-6)
    )


def test_loading_solves_nothing_planning_does(tma11):
    s = tma11["nominal"]
    assert s.orbit.raan is None and s.orbit.argument_of_latitude is None
    assert [p.name for p in s.phases] == ["stack", "guided entry", "drogue", "main"]
    assert s.initial is None and s.deorbit is not None


def test_tma11_scenarios_share_the_solved_burn_point(tma11, tma11_plans):
    orbits = [p.orbit for p in tma11_plans.values()]
    assert all(p.solution.residual < 50.0 for p in tma11_plans.values())  # solver tol.
    # The reference descent is the same for all three (stack, then the descent module at
    # the reference bank), so the burn point is identical, not merely close.
    assert len({(o.raan, o.argument_of_latitude) for o in orbits}) == 1
    s, p = tma11["nominal"], tma11_plans["nominal"]
    assert p.orbit.inclination == pytest.approx(math.radians(51.6), rel=1e-15)
    assert s.epoch.isoformat() == "2008-04-19T07:41:00+00:00"
    np.testing.assert_array_equal(p.initial.position, p.orbit.state(s.earth).position)
    # the problems are the same, so one solution serves all three
    assert len({s.deorbit.key() for s in tma11.values()}) == 1


def test_tma11_phases_as_flown(tma11, tma11_plans):
    nominal = tma11["nominal"]
    flown = tma11_plans["nominal"].phases
    assert [p.name for p in flown] == ["deorbit burn", "stack", "guided entry", "drogue", "main"]
    burn, stack, entry, drogue, main = flown
    assert burn.vehicle.engine == Engine(2950.0, 302.0, 0.0, 0.0)
    assert burn.vehicle.name == stack.vehicle.name == "stack"  # the mass carries over
    assert stack.vehicle.engine is None
    # the burn ends when it has delivered its 115 m/s, which takes the rocket equation's
    # time: checked on the flight (to 1e-9 s, the event root's tolerance)
    assert (burn.until[0].quantity, burn.until[0].value) == ("delta_v", 115.0)
    traj = run_scenario(nominal, tma11_plans["nominal"])
    t_burn = traj.events[0].time
    assert t_burn == pytest.approx(Engine(2950.0, 302.0).burn_time(6550.0, 115.0), abs=1e-9)
    assert stack.until[0].value == 140e3
    assert isinstance(entry.control, GuidedBank) and entry.control.final_altitude == 10.7e3
    assert entry.vehicle.lift_to_drag == 0.3 and entry.vehicle.mass == 2900.0
    assert drogue.vehicle.name == main.vehicle.name == "descent_module"
    assert drogue.vehicle.parachute.drag_area == 19.2 and drogue.until[0].value == 7e3
    ballistic = tma11["ballistic"]
    assert tma11_plans["ballistic"].phases[2].control == RollingBank(math.radians(13.0), None)
    stuck = tma11["stuck_service_module"]
    names = [p.name for p in tma11_plans["stuck_service_module"].phases]
    assert names == [
        "deorbit burn",
        "stack",
        "SA+PAO hatch first",
        "ballistic entry",
        "drogue",
        "main",
    ]
    pair = tma11_plans["stuck_service_module"].phases[2]
    assert pair.attitude == "hatch_first" and pair.vehicle.mass == 5000.0
    assert pair.until[0].value == 80e3
    assert nominal.reference and not ballistic.reference and not stuck.reference
    assert nominal.documented == ("soyuz_tma11", "nominal")
    assert stuck.documented == ballistic.documented == ("soyuz_tma11", "flown")


def test_tma11_main_canopy_gives_the_sourced_descent_rate(tma11):
    """The main canopy's drag area is derived in _base.toml from the sourced 7.2 m/s steady
    descent at sea level: the simulated flight must land at that speed. 0.5 percent covers
    gravity at 50 deg latitude (9.81 vs g0 9.80665: 0.02 percent in v) and the quasi-steady
    deceleration of the descent through the density gradient (0.03 percent of g)."""
    traj = run_scenario(tma11["ballistic"])
    assert traj.status == "landed"
    assert traj.final["speed"] == pytest.approx(7.2, rel=0.005)


def test_fixed_burn_overrides_pin_the_solved_orbit(tma11, tma11_plans):
    s, solved = tma11["ballistic"], tma11_plans["ballistic"].orbit
    pins = fixed_burn_overrides(tma11_plans["ballistic"])
    pinned = load_scenario(s.path, pins)
    assert pinned.deorbit is None and plan(pinned).solution is None
    # degrees and back: the same angle to a few ulp
    assert pinned.orbit.raan == pytest.approx(solved.raan, rel=1e-14)
    assert pinned.orbit.argument_of_latitude == pytest.approx(
        solved.argument_of_latitude, rel=1e-14
    )
    # A dispersion of the pinned scenario keeps the burn point (no re-targeting).
    heavy = load_scenario(s.path, {**pins, "vehicles.descent_module.mass_kg": 3000})
    assert heavy.orbit == pinned.orbit


def test_tma11_errors_of_targeting_keys():
    exc = _error(TMA11 / "nominal.toml", {"initial.argument_of_latitude_deg": 10})
    _assert_error(
        exc, "nominal.toml", "initial.argument_of_latitude_deg", "while [targeting] solves it"
    )
    exc = _error(TMA11 / "nominal.toml", {"targeting": REMOVE})
    # a missing key is reported in the file of its table
    _assert_error(
        exc,
        "_base.toml",
        "initial.argument_of_latitude_deg",
        "(required without [targeting]",
        "in --json under targeting",
    )
    exc = _error(TMA11 / "nominal.toml", {"targeting.entry_vehicle": "capsule"})
    _assert_error(exc, "nominal.toml", "targeting.entry_vehicle", "one of 'stack'")
    exc = _error(TMA11 / "nominal.toml", {"deorbit.kind": "finite", "deorbit.thrust_n": REMOVE})
    _assert_error(
        exc, "_base.toml (after the override deorbit.thrust_n)", "deorbit.thrust_n", "(required)"
    )


def test_impulsive_burn_starts_after_the_burn(tma11_plans):
    s = load_scenario(
        TMA11 / "ballistic.toml",
        {
            **fixed_burn_overrides(tma11_plans["ballistic"]),
            "deorbit.kind": "impulsive",
            "deorbit.thrust_n": REMOVE,
            "deorbit.specific_impulse_s": REMOVE,
        },
    )
    flight = plan(s)
    assert [p.name for p in flight.phases][0] == "stack"
    before = s.orbit.state(s.earth)
    w = s.earth.rotation_rate

    def inertial(st):
        r = st.position
        return st.velocity + np.array([-w * r[1], w * r[0], 0.0])

    dv = np.linalg.norm(inertial(before)) - np.linalg.norm(inertial(flight.initial))
    assert dv == pytest.approx(115.0, rel=1e-12)  # retrograde: the speed drops by dv


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (ROOT / "configs").rglob("*.toml") if not p.name.startswith("_")),
    ids=lambda p: p.name,
)
def test_every_shipped_config_loads(path):
    """Scenarios and studies load as scenarios; uncertainty and calibration files by their
    own readers (their distributions checked, every key known to the scenarios)."""
    head = tomllib.loads(path.read_text(encoding="utf-8"))
    if "uncertainty" in head:
        from sim.studies.uncertain import read_uncertainty

        assert read_uncertainty(path).parameters
    elif "calibration" in head:
        from sim.studies.calibration import read_calibration

        assert read_calibration(path).parameters
    else:
        assert load_scenario(path).phases


def test_failure_injection_guided_then_ballistic_at_60_km(tma11_plans):
    example = ROOT / "configs" / "examples" / "tma11_guided_then_ballistic_60km.toml"
    s = load_scenario(example)
    flight = plan(s)
    guided = flight.phases[2]
    assert isinstance(guided.control, GuidedBank) and guided.until[0].value == 60e3
    # the guidance and the burn aim at the parachute command, not at the failure altitude
    assert guided.control.final_altitude == 10.7e3
    nominal = tma11_plans["nominal"].orbit
    assert (flight.orbit.raan, flight.orbit.argument_of_latitude) == (
        nominal.raan,
        nominal.argument_of_latitude,
    )
    traj = run_scenario(s, flight)
    assert traj.status == "landed"
    assert [e.altitude for e in traj.events if "guided entry" in e.name] == pytest.approx(
        [60e3], abs=1e-3
    )


def test_aim_altitude_replaces_the_single_altitude_trigger():
    s = load_scenario(
        SMALL,
        {
            "phases.0.control": {"law": "guided", "aim_altitude_km": 12},
            "phases.0.until": [{"altitude_km": 50}, {"mach": 3}],
        },
    )
    assert s.phases[0].control.final_altitude == 12e3
    exc = _error(
        SMALL,
        {
            "phases.0.control": {"law": "guided"},
            "phases.0.until": [{"altitude_km": 50}, {"altitude_km": 20}],
        },
    )
    assert "aim_altitude_km" in exc.expected


def test_a_heat_load_trigger_rises_and_fires(tmp_path):
    # the heat load only grows: a falling heat-load trigger could never fire
    text = _small_text().replace(
        "until = [{ altitude_km = 10.7 }]", "until = [{ heat_load_mj_m2 = 30 }]"
    )
    s = load_scenario(_write(tmp_path, "h.toml", text))
    traj = run_scenario(s)
    assert traj.events[0].name.startswith(f"end of '{s.phases[0].name}': heat_load rises")
    exc = _error(
        _write(
            tmp_path,
            "h2.toml",
            text.replace(
                "{ heat_load_mj_m2 = 30 }", '{ heat_load_mj_m2 = 30, direction = "falling" }'
            ),
        )
    )
    assert exc.key.endswith("direction") and "heat_load only increases" in exc.expected


def test_relative_files_resolve_against_the_file_that_names_them(tmp_path, monkeypatch):
    """Regression: a guided phase's model_atmosphere.file resolved against the working
    directory while [atmosphere].file resolved against the scenario file. Both now
    resolve against the file that names them, wherever the command runs from."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "atm.csv").write_text((DATA / "atmosphere_table.csv").read_text())
    text = _small_text().replace(
        'control = { law = "constant", bank_deg = 60 }',
        'control = { law = "guided", model_vehicle = "capsule", '
        'model_atmosphere = { model = "table", file = "atm.csv" } }',
    )
    assert "atm.csv" in text
    path = _write(folder, "g.toml", text)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    s = load_scenario(path)
    law = s.phases[0].control
    assert isinstance(law, GuidedBank)
    assert isinstance(law.model_atmosphere, TabulatedAtmosphere)
    assert s.config["phases"][0]["control"]["model_atmosphere"]["file"] == str(folder / "atm.csv")
    # an override's relative path is relative to the current directory
    (elsewhere / "other.csv").write_text((DATA / "atmosphere_table.csv").read_text())
    s = load_scenario(path, {"phases.0.control.model_atmosphere.file": "other.csv"})
    assert s.config["phases"][0]["control"]["model_atmosphere"]["file"] == str(
        elsewhere / "other.csv"
    )
