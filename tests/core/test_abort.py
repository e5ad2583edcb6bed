"""Stopping a compiled flight from outside: the wall-clock limit and Ctrl-C
(sim.core.abort, polled by the engine once per step)."""

import math
import os
import signal
import subprocess
import time

import pytest
from conftest import soyuz_like

from sim.core.layout import ST
from sim.core.program import state_init
from sim.core.run import fly_program
from sim.flight.initial import entry_state
from sim.flight.simulate import Phase, flight_program, simulate, trajectory_of
from sim.models.atmosphere import ExponentialAtmosphere
from sim.models.earth import EarthModel


def _coasting_orbit():
    """A circular orbit at 300 km without air: it flies until a limit stops it."""
    earth = EarthModel(j2=0.0, rotation_rate=0.0)
    r = 6378137.0 + 300e3
    v = math.sqrt(3.986004418e14 / r)
    state = entry_state(0.0, 0.0, 300e3, v, 0.0, math.radians(90.0), frame="inertial", earth=earth)
    return state, [Phase("coast", soyuz_like())], earth


def test_the_wall_clock_limit_ends_a_run_with_its_status():
    state, phases, earth = _coasting_orbit()
    t0 = time.monotonic()
    traj = simulate(
        state,
        phases,
        atmosphere=ExponentialAtmosphere(density_scale=0.0),
        earth=earth,
        max_time=1e12,
        max_steps=1_000_000,
        max_wall_time=1.0,
    )
    elapsed = time.monotonic() - t0
    # C's time() counts whole seconds: the limit of 1 s fires within 0 to 1 s of compute
    assert traj.status == "wall_time" and "wall-clock limit of 1 s" in traj.message
    assert elapsed < 5.0  # plus the Python around it, well within
    assert traj.events[-1].name == "wall-clock limit"


def test_no_wall_clock_limit_by_default():
    state, phases, earth = _coasting_orbit()
    traj = simulate(
        state,
        phases,
        atmosphere=ExponentialAtmosphere(density_scale=0.0),
        earth=earth,
        max_time=2e5,
    )
    assert traj.status == "time_limit"


def test_ctrl_c_stops_the_compiled_engine_promptly():
    """A SIGINT from another process while the engine runs: fly_program raises
    KeyboardInterrupt as soon as the engine sees it (no exception left pending inside the
    compiled code)."""
    state, phases, earth = _coasting_orbit()
    program = flight_program(
        state_init(state.position, state.velocity, 0.0),
        phases,
        atmosphere=ExponentialAtmosphere(density_scale=0.0),
        earth=earth,
        ceiling_altitude=1e7,
        max_time=1e12,
        store=False,
    ).with_settings(max_steps=1e9)
    seen = []
    old = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    killer = subprocess.Popen(["sh", "-c", f"sleep 0.5; kill -INT {os.getpid()}"])
    try:
        t0 = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            fly_program(program)
        elapsed = time.monotonic() - t0
    finally:
        killer.wait()
        time.sleep(0.1)  # let a late signal arrive while the test's handler is in place
        signal.signal(signal.SIGINT, old)
    assert 0.4 < elapsed < 3.0  # stopped when the signal came, not at the step limit
    assert seen == []  # the engine took the signal: the Python handler never ran


def test_a_batch_never_polls_for_ctrl_c():
    state, phases, earth = _coasting_orbit()
    program = flight_program(
        state_init(state.position, state.velocity, 0.0),
        phases,
        earth=earth,
        ceiling_altitude=1e7,
        max_time=100.0,
    )
    assert program.settings[ST.watch_interrupt] == 0.0  # set by fly_program, per run
    traj = trajectory_of(fly_program(program), phases, None)
    assert traj.status == "time_limit"
