"""The TMA-11 figures pinned across refactorings of the package.

``tests/data/tma11_regression.json`` holds what ``reentry compare configs/soyuz_tma11``
gave with the ``solve_ivp`` reference integrator (DOP853, rtol 1e-8) before the package was
restructured into layers. Flying the same scenarios with the same integrator must give
the same figures: the tolerances (landing 1 m, peak load 1e-4 g, flight time and event
times 0.01 s) are far above the integrator's own reproducibility (bit-identical here) and
far below any physical effect, so only a change of the physics or of the numerics can
break this test.
"""

import json
import pathlib

import pytest

from sim.config.build import load_scenario
from sim.models.geodesy import geodesic_inverse
from sim.studies.compare import compare

ROOT = pathlib.Path(__file__).resolve().parents[2]
PINNED = json.loads((ROOT / "tests" / "data" / "tma11_regression.json").read_text())


@pytest.fixture(scope="module")
def comparison():
    names = ("nominal", "ballistic", "stuck_service_module")
    return compare([load_scenario(ROOT / "configs" / "soyuz_tma11" / f"{n}.toml") for n in names])


@pytest.mark.parametrize("name", ["nominal", "ballistic", "stuck_service_module"])
def test_tma11_figures_are_unchanged(comparison, name):
    pinned = PINNED["scenarios"][name]
    run = comparison.run(name)
    s = run.summary
    moved = geodesic_inverse(
        pinned["landing_lat_deg"], pinned["landing_lon_deg"], s.landing_lat_deg, s.landing_lon_deg
    )[0]
    assert moved < 1.0  # [m]
    assert s.peak_g == pytest.approx(pinned["peak_g"], abs=1e-4)
    assert s.flight_time_s == pytest.approx(pinned["flight_time_s"], abs=0.01)
    events = [(e.name, e.time) for e in run.trajectory.events]
    assert [n for n, _ in events] == [n for n, _ in pinned["events"]]
    for (_, t), (_, t0) in zip(events, pinned["events"], strict=True):
        assert t == pytest.approx(t0, abs=0.01)
