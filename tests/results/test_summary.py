"""Summary metrics: peaks and crossings on the dense output, distances, misses."""

import math
import pathlib
from datetime import UTC, datetime

import numpy as np
import pytest
from conftest import descent_phases, entry_100km
from scipy.integrate import quad
from scipy.optimize import brentq

from sim.flight.control import ConstantBank
from sim.flight.initial import State, entry_state
from sim.flight.simulate import Phase, simulate
from sim.flight.triggers import Trigger
from sim.models.atmosphere import ExponentialAtmosphere
from sim.models.constants import G0
from sim.models.earth import EarthModel, GeoPoint
from sim.models.geodesy import geodesic_direct, geodesic_inverse
from sim.models.vehicle import Vehicle
from sim.results.documented import documented_comparison
from sim.results.summary import (
    SUMMARY_KEYS,
    Summary,
    approach_azimuth,
    format_utc,
    parse_utc,
    summarize,
)

H, BETA, VE = 7200.0, 500.0, 7500.0


@pytest.fixture(scope="module")
def vertical():
    """A vertical ballistic entry with gravity and rotation off: the Allen-Eggers
    solution holds exactly (NACA TR-1381): V = V_E exp(-x/2), x = rho H / beta,
    deceleration V_E^2 x e^-x / (2 H), peak at x = 1."""
    earth = EarthModel(mu=0.0, j2=0.0, rotation_rate=0.0)
    vehicle = Vehicle("ballistic", BETA * 1.3, 1.0, 1.0, 1.3)
    init = entry_state(0.0, 0.0, 150e3, VE, -math.pi / 2, 0.0, frame="relative", earth=earth)
    return simulate(
        init,
        [Phase("entry", vehicle, until=(Trigger("altitude", 5e3),))],
        earth=earth,
        rtol=1e-10,
        atmosphere=ExponentialAtmosphere(1.225, H),
    )


def test_peak_g_on_the_dense_output_matches_allen_eggers(vertical):
    s = summarize(vertical)
    a_max = VE**2 / (2 * math.e * H) / G0
    h_star = H * math.log(1.225 * H / BETA)
    # 1e-7: the integrator's rtol 1e-10 and the bounded maximisation's 1e-6 of a step in
    # time (the peak is flat: an error dt changes the value by O(dt^2)).
    assert s.peak_g == pytest.approx(a_max, rel=1e-7)
    # the altitude at the peak: 1 m (the time of a flat maximum is found to ~1e-4 s,
    # times 4.5 km/s)
    assert s.peak_g_altitude_km * 1e3 == pytest.approx(h_star, abs=1.0)
    assert s.peak_g >= np.max(vertical["g_load"])  # never below the stored steps


def test_time_above_4g_matches_the_closed_form(vertical):
    """Time above 4 g from the Allen-Eggers solution: the deceleration is above the
    threshold for x between the two roots of V_E^2 x e^-x / (2 H) = 4 g0, and
    dt = -dh / V = H dx / (x V_E e^(-x/2))."""
    c = 4.0 * G0 * 2 * H / VE**2

    def f(x):
        return x * math.exp(-x) - c

    x1, x2 = brentq(f, 1e-12, 1.0, xtol=1e-15), brentq(f, 1.0, 60.0, xtol=1e-15)
    expected, _ = quad(
        lambda x: H / (x * VE * math.exp(-x / 2)), x1, x2, epsabs=1e-12, epsrel=1e-12
    )
    s = summarize(vertical)
    # 1e-5 s: the crossings are root-found to 1e-9 s on a dense output at rtol 1e-10.
    assert s.time_above_4g_s == pytest.approx(expected, abs=1e-5)


def test_heat_and_pressure_peaks_are_refined(vertical):
    s = summarize(vertical)
    # peak dynamic pressure of the Allen-Eggers solution: rho V^2 / 2 = beta V_E^2 x e^-x
    # / (2 H) is also greatest at x = 1 (the peak deceleration times beta).
    q_max = BETA * VE**2 / (2 * math.e * H)
    assert s.peak_dynamic_pressure_kpa * 1e3 == pytest.approx(q_max, rel=1e-7)
    assert s.peak_heat_flux_kw_m2 * 1e3 >= np.max(vertical["heat_flux"])
    assert s.heat_load_mj_m2 == vertical["heat_load"][-1] / 1e6


def test_stopped_flight_has_no_landing(vertical):
    s = summarize(vertical, target=GeoPoint(0.1, 0.1))
    assert s.status == "stopped"
    for key in (
        "landing_lat_deg",
        "landing_lon_deg",
        "landing_time_utc",
        "distance_to_target_km",
        "downrange_to_target_km",
        "miss_from_nominal_km",
    ):
        assert getattr(s, key) is None
    assert list(s.to_dict()) == list(SUMMARY_KEYS)  # every key, in display order


@pytest.fixture(scope="module")
def flights():
    """Two lifting descents from one entry state: 60 deg and 75 deg bank (less lift up:
    shorter); with a UTC epoch."""
    epoch = datetime(2008, 4, 19, 8, 0, tzinfo=UTC)
    base = entry_100km()
    init = State(base.position, base.velocity, 0.0, epoch)
    return (simulate(init, descent_phases(60.0)), simulate(init, descent_phases(75.0)))


def test_landing_time_and_point(flights):
    ref, _ = flights
    s = summarize(ref)
    assert s.status == "landed"
    t = ref["time"][-1]
    assert s.flight_time_s == t
    expected = datetime(2008, 4, 19, 8, 0, tzinfo=UTC).timestamp() + t
    landed = datetime.fromisoformat(s.landing_time_utc).timestamp()
    assert landed == pytest.approx(expected, abs=1e-3)  # printed to the millisecond
    assert s.landing_lat_deg == ref["latitude_deg"][-1]
    assert s.landing_lon_deg == pytest.approx(ref["longitude_deg"][-1], abs=1e-12)


def test_miss_metrics_against_the_reference(flights):
    ref, short = flights
    s0 = summarize(ref, reference=ref)
    assert (s0.miss_from_nominal_km, s0.miss_along_track_km, s0.miss_cross_track_km) == (
        0.0,
        0.0,
        0.0,
    )
    s = summarize(short, reference=ref)
    d, _, _ = geodesic_inverse(
        ref["latitude_deg"][-1],
        ref["longitude_deg"][-1],
        short["latitude_deg"][-1],
        short["longitude_deg"][-1],
    )
    assert s.miss_from_nominal_km == pytest.approx(d / 1e3, rel=1e-12)
    assert s.miss_along_track_km < 0.0  # less lift: short of the reference
    # Pythagoras on the ellipsoid holds to second order in cross/along for short misses:
    # 0.5 percent for a miss of a few hundred km with little crossrange.
    along, cross = s.miss_along_track_km, s.miss_cross_track_km
    assert math.hypot(along, cross) == pytest.approx(s.miss_from_nominal_km, rel=0.005)


def test_downrange_and_crossrange_to_a_target_ahead(flights):
    ref, _ = flights
    lat, lon = ref["latitude_deg"][-1], ref["longitude_deg"][-1]
    azimuth = approach_azimuth(ref)
    tlat, tlon, _ = geodesic_direct(lat, lon, azimuth, 100e3)
    s = summarize(ref, target=GeoPoint(math.radians(tlat), math.radians(tlon)))
    # the target 100 km further along the approach: 100 km still to go, nothing across
    # (along_cross_track converges to 0.1 mm; 1 m is generous)
    assert s.distance_to_target_km == pytest.approx(100.0, abs=1e-6)
    assert s.downrange_to_target_km == pytest.approx(100.0, abs=1e-3)
    assert s.crossrange_to_target_km == pytest.approx(0.0, abs=1e-3)
    # 50 km to the right of the landing, across the approach
    rlat, rlon, _ = geodesic_direct(lat, lon, azimuth + 90.0, 50e3)
    s = summarize(ref, target=GeoPoint(math.radians(rlat), math.radians(rlon)))
    assert s.crossrange_to_target_km == pytest.approx(50.0, abs=1e-3)
    assert s.downrange_to_target_km == pytest.approx(0.0, abs=1e-3)


def test_approach_azimuth_starts_at_the_100_km_crossing():
    init = entry_state(
        math.radians(45.0),
        math.radians(30.0),
        120e3,
        7600.0,
        math.radians(-1.5),
        math.radians(60.0),
        frame="relative",
    )
    traj = simulate(init, descent_phases(60.0))
    k = int(np.nonzero(traj["altitude"] <= 100e3)[0][0])
    t = traj.resample(np.linspace(traj["time"][k - 1], traj["time"][k], 2001))
    j = int(np.argmin(np.abs(t["altitude"] - 100e3)))
    _, _, expected = geodesic_inverse(
        t["latitude_deg"][j],
        t["longitude_deg"][j],
        traj["latitude_deg"][-1],
        traj["longitude_deg"][-1],
    )
    # the grid point nearest 100 km is within a few metres of the crossing: the azimuth
    # over ~2,000 km changes by far less than 1e-4 deg
    assert approach_azimuth(traj) == pytest.approx(expected, abs=1e-4)


def test_eyeballs_out_peak_is_a_positive_magnitude():
    sa = Vehicle("SA", 2900.0, 3.8, 2.2, 1.3)
    phases = [
        Phase("hatch first", sa, until=(Trigger("altitude", 60e3),), attitude="hatch_first"),
        Phase("shield first", sa),
    ]
    traj = simulate(entry_100km(), phases)
    s = summarize(traj)
    out = -traj["g_load_eyeballs_in"]
    assert s.peak_g_eyeballs_out >= np.max(out) > 0.0
    # the hatch-first phase ends at 60 km, where its load is largest (still rising)
    assert s.peak_g_eyeballs_out == pytest.approx(np.max(out), rel=1e-9)
    assert summarize(simulate(entry_100km(), descent_phases())).peak_g_eyeballs_out is None


def test_documented_comparison_ranges_points_and_times():
    summary = Summary(
        status="landed",
        message="",
        peak_g=9.0,
        distance_to_target_km=420.0,
        downrange_to_target_km=None,
        landing_lat_deg=50.532778,
        landing_lon_deg=61.099861,
        landing_time_utc="2008-04-19T08:31:00.000Z",
    )
    rows = {r["key"]: r for r in documented_comparison(summary, "soyuz_tma11", "flown")}
    assert rows["peak_g"]["difference"] == pytest.approx(0.8, abs=1e-12)
    assert rows["miss_420"]["difference"] == 0.0
    assert rows["miss_428"]["difference"] == pytest.approx(-8.0, abs=1e-12)
    assert rows["miss_475_short"]["difference"] is None  # nothing simulated
    assert rows["landing_point"]["difference"] < 0.01  # the documented point, to 0.1 s arc
    assert rows["landing_time"]["difference"] == pytest.approx(60.0, abs=1e-6)  # past 08:30
    nominal = {
        r["key"]: r
        for r in documented_comparison(
            Summary(status="landed", message="", peak_g=3.5), "soyuz_tma11", "nominal"
        )
    }
    assert nominal["nominal_peak_g"]["difference"] == 0.0  # inside 3-4 g
    assert all(r["source"] for r in nominal.values())


def test_summary_keys_documented_in_the_config_reference():
    readme = (pathlib.Path(__file__).resolve().parents[2] / "configs" / "README.md").read_text()
    assert "SUMMARY_KEYS" in readme
    s = summarize(simulate(entry_100km(), descent_phases()))
    assert list(s.to_dict()) == list(SUMMARY_KEYS)
    assert all(Summary.unit(k) and Summary.describe(k) for k in SUMMARY_KEYS)


def test_constant_bank_fixture_is_what_the_tests_assume():
    # the miss tests rely on less lift up landing shorter
    assert descent_phases(75.0)[0].control == ConstantBank(math.radians(75.0))


def test_a_utc_time_is_shown_to_the_nearest_second():
    """The landing time beside rounded figures is rounded too, not cut: 3029.96 s after
    07:41:00 is 08:31:30 (shown as 08:31:29 before), across a midnight as well."""
    assert format_utc("2008-04-19T08:31:29.960Z") == "2008-04-19 08:31:30"
    assert format_utc("2008-04-19T08:31:29.499Z") == "2008-04-19 08:31:29"
    assert format_utc("2008-04-19T23:59:59.500Z") == "2008-04-20 00:00:00"


def test_a_utc_time_without_a_zone_is_utc_whatever_the_machines_zone(monkeypatch):
    """A time written without a zone (a documented figure may be) is read as UTC, not as
    the machine's local time (checked in a zone 5 hours from UTC)."""
    import time

    monkeypatch.setenv("TZ", "LOCAL+05")  # POSIX: 5 hours west of UTC, no zone database
    time.tzset()
    try:
        assert format_utc("2008-04-19T08:31:29.960") == "2008-04-19 08:31:30"
        assert parse_utc("2008-04-19T08:31:29") == parse_utc("2008-04-19T08:31:29Z")
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize(
    "value",
    ['["2008-04-19T08:29:00Z", 8.5]', '["yesterday"]', "[true]", '["2008-04-19T08:29:00Z"]'],
)
def test_a_documented_time_is_iso_utc_text_or_the_files_error(tmp_path, value):
    """A documented time of the shipped TMA-11 file, written otherwise: what is not an ISO
    8601 text (a number, a word, a boolean) is the file's error naming its key; one time
    is its own range."""
    from sim.results.documented import DATA_FOLDER, DocumentedError, read_flight

    text = (DATA_FOLDER / "soyuz_tma11.toml").read_text()
    shipped = 'value = ["2008-04-19T08:29:00Z", "2008-04-19T08:30:00Z"]'
    assert shipped in text
    path = tmp_path / "flight.toml"
    path.write_text(text.replace(shipped, f"value = {value}"))
    if value == '["2008-04-19T08:29:00Z"]':
        figures = read_flight(path)[2]["flown"]
        (time,) = [f for f in figures if f.key == "landing_time"]
        assert time.value == ("2008-04-19T08:29:00Z", "2008-04-19T08:29:00Z")
        return
    with pytest.raises(DocumentedError) as err:
        read_flight(path)
    assert err.value.key.endswith(".value") and "ISO 8601" in err.value.expected
