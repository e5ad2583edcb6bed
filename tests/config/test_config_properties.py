"""Random scenarios (hypothesis): loading any variant either builds it or raises the
documented ScenarioError; running a valid variant on the command line exits 0 with a
documented status (or 2 with one error line, for what only the flight can tell, such as a
drag table too short), and nothing else."""

import json
import pathlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.config.build import load_scenario
from sim.config.errors import ScenarioError
from sim.core.layout import STATUSES
from sim.results.trajectory import GROUND_STATUSES

SMALL = pathlib.Path(__file__).resolve().parents[1] / "data" / "entry_small.toml"

#: Keys of the small scenario: (a valid range, a range wide enough to cross its bounds).
NUMERIC = {
    "vehicles.capsule.mass_kg": ((500.0, 8000.0), (1e-3, 1e7)),
    "vehicles.capsule.reference_area_m2": ((1.0, 10.0), (1e-3, 1e4)),
    "vehicles.capsule.drag_coefficient": ((0.5, 2.0), (1e-3, 20.0)),
    "vehicles.capsule.nose_radius_m": ((0.5, 5.0), (1e-3, 100.0)),
    "vehicles.capsule.lift_to_drag": ((0.0, 0.5), (0.0, 6.0)),
    "vehicles.drogue.parachute_drag_area_m2": ((5.0, 100.0), (1e-2, 1e5)),
    "vehicles.main.parachute_fill_time_s": ((0.0, 30.0), (0.0, 100.0)),
    "initial.altitude_km": ((80.0, 150.0), (1.0, 400.0)),
    "initial.speed_m_s": ((5000.0, 8000.0), (100.0, 25000.0)),
    "initial.flight_path_angle_deg": ((-10.0, -0.5), (-95.0, 95.0)),
    "initial.heading_deg": ((0.0, 360.0), (-400.0, 400.0)),
    "phases.0.control.bank_deg": ((0.0, 180.0), (-400.0, 400.0)),
    "phases.0.until.0.altitude_km": ((5.0, 20.0), (-20.0, 200.0)),
    "atmosphere.density_scale": ((0.5, 2.0), (0.0, 10.0)),
    "atmosphere.scale_height_km": ((5.0, 10.0), (0.5, 50.0)),
    "simulation.rtol": ((1e-12, 1e-5), (1e-16, 1.0)),
    "simulation.ground_altitude_m": ((-100.0, 1000.0), (-2e4, 2e4)),
    "simulation.max_landing_speed_m_s": ((5.0, 50.0), (0.0, 1e3)),
}

values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**400), 10**400),
    st.text(max_size=8),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
)


@st.composite
def overrides(draw, wild=True):
    keys = draw(st.lists(st.sampled_from(sorted(NUMERIC)), min_size=1, max_size=4, unique=True))
    out = {}
    for key in keys:
        valid, wide = NUMERIC[key]
        if wild and draw(st.booleans()):
            out[key] = draw(values)
        else:
            out[key] = draw(st.floats(*(wide if wild else valid)))
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides())
def test_loading_raises_nothing_but_scenario_errors(changes):
    try:
        load_scenario(SMALL, changes)
    except ScenarioError as exc:
        assert exc.file and exc.expected, exc  # the file and what was expected


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@given(changes=overrides(wild=False))
def test_running_exits_with_a_status_or_one_error_line(changes, capsys):
    argv = ["run", str(SMALL), "--json", "--set", "simulation.max_wall_time_s=20"]
    for key, value in changes.items():
        argv += ["--set", f"{key}={value!r}"]
    capsys.readouterr()  # the fixture is shared by the examples
    code = main(argv)
    out, err = capsys.readouterr()
    assert code in (0, 2), err
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("reentry: error: ") and not out
        return
    (entry,) = json.loads(out)["scenarios"]  # one JSON document, no NaN (allow_nan=False)
    statuses = {*STATUSES.names, *GROUND_STATUSES}
    assert entry["status"] in statuses and entry["message"]
    if entry["status"] in GROUND_STATUSES:
        assert entry["touchdown_speed_m_s"] is not None
