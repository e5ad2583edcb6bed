"""Bank-angle control laws.

A control law is a frozen dataclass (what the user configures). At the start of a phase
the simulator calls ``law.start(t, y, bank, phase_model)`` and receives a controller (the
law's per-flight state). Before each integration segment it asks the controller for a
:class:`~sim.core.pack.BankSegment`, an analytic bank profile that holds until the next
call; the
controller's ``period`` is the length of a segment [s] (``None``: one segment to the end
of the phase). Open-loop laws return one segment; closed-loop guidance re-plans every
period, and the bank slews toward its new command at a limited rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.core.dynamics import flight_state, wrap_angle
from sim.core.pack import (
    BankSegment,
    PhaseModel,
    constant_segment,
    pack_phase,
    rolling_segment,
    slew_segment,
)
from sim.core.predictor import PredictorSettings, propagate, range_errors
from sim.models.atmosphere import ExponentialAtmosphere
from sim.models.earth import geodetic_to_ecef

__all__ = ["BankSegment", "ConstantBank", "GuidedBank", "RollingBank"]


@dataclass(frozen=True)
class ConstantBank:
    """Hold one bank angle [rad] for the whole phase (0: full lift up)."""

    bank: float = 0.0

    def start(self, t: float, y: np.ndarray, bank: float, model: PhaseModel) -> _OpenLoop:
        """The controller of one flight (see the module docstring)."""
        return _OpenLoop(constant_segment(t, self.bank))


@dataclass(frozen=True)
class RollingBank:
    """Roll at a constant rate [rad s^-1] so that the lift averages to zero.

    This is the Soyuz ballistic backup mode: the capsule spins about its velocity vector.
    ``initial_bank`` [rad] is the bank at the start of the phase; ``None`` continues the
    bank the previous phase ended with.
    """

    roll_rate: float
    initial_bank: float | None = None

    def start(self, t: float, y: np.ndarray, bank: float, model: PhaseModel) -> _OpenLoop:
        """The controller of one flight (see the module docstring)."""
        b0 = bank if self.initial_bank is None else self.initial_bank
        return _OpenLoop(rolling_segment(t, b0, self.roll_rate))


class _OpenLoop:
    period = None

    def __init__(self, segment):
        self._segment = segment
        self.diagnostics = {}

    def segment(self, t, y, bank):
        return self._segment


@dataclass(frozen=True)
class GuidedBank:
    """Predictor-corrector entry guidance: steer the lift to land on a target.

    Every ``period`` seconds the guidance

    1. estimates the ratio of the real to the modelled drag (density and drag coefficient
       errors look alike) from the sensed acceleration, filtered with gain
       ``density_filter_gain``;
    2. predicts, with the compiled predictor of :mod:`sim.predictor` and its own model
       (``model_vehicle``, ``model_atmosphere``: what the flight computer believes, not
       the dispersed truth) scaled by that ratio, where the capsule reaches
       ``final_altitude`` if it holds a constant bank magnitude from now on;
    3. corrects the bank magnitude by secant iterations until the predicted downrange
       error to the target is below ``tolerance`` (bounded by ``min_bank``, ``max_bank``);
    4. reverses the bank's sign when the target's crossrange (its distance from the great
       circle along the current velocity) leaves a deadband that narrows linearly with
       speed from ``deadband_high`` (at ``speed_high``) to ``deadband_low`` (at
       ``speed_low``) on the side away from the lift;
    5. commands the bank, which slews there at ``bank_rate_limit``.

    Below ``stop_speed`` the command is frozen (the capsule has little authority left and
    the geometry to the target degenerates), on the bank sign whose predicted crossrange at
    the aim point is the smaller. A reversal slews the shorter way round, so a bank beyond
    90 deg reverses through lift-down. The predictor's reference is the point where
    the capsule reaches ``final_altitude`` (the parachute command), the aim point of the
    Soyuz descent; the drift under the canopies is not predicted.

    This is a numerical predictor-corrector of the family of Lu (2014), "Entry guidance: a
    unified method", J. Guid. Control Dyn. 37(3), with a constant-bank profile and the
    crossrange-deadband reversal logic of Apollo-heritage lateral guidance.

    Attributes
    ----------
    target_latitude, target_longitude : float
        Geodetic target [rad].
    period : float
        Guidance cycle [s].
    bank_rate_limit : float
        Largest roll rate of the bank [rad s^-1].
    final_altitude : float
        Altitude where predictions stop [m].
    min_bank, max_bank : float
        Bounds of the bank magnitude [rad].
    deadband_high, deadband_low : float
        Crossrange deadband at high and low speed [m].
    speed_high, speed_low : float
        Speeds where the deadband takes those values [m s^-1].
    stop_speed : float
        Speed below which the command is frozen [m s^-1].
    tolerance : float
        Downrange tolerance of the corrector [m].
    density_filter_gain : float
        Gain of the drag-ratio filter per cycle [-]; 0 turns the estimator off.
    predictor_step : float
        Predictor step in the atmosphere [s] (10 s above 120 km).
    model_vehicle, model_atmosphere : optional
        The guidance's own model (what the flight computer believes). None for the vehicle
        uses the flight's vehicle; None for both uses the flight's models, so that the
        guidance knows the truth (only for studies of the guidance itself). Scenario files
        give the guidance the scenario's atmosphere at density scale 1: a dispersed
        density is unknown to it.
    """

    target_latitude: float
    target_longitude: float
    period: float = 2.0
    bank_rate_limit: float = math.radians(15.0)
    final_altitude: float = 10.7e3
    min_bank: float = 0.0
    max_bank: float = math.radians(150.0)
    deadband_high: float = 25e3
    deadband_low: float = 2e3
    speed_high: float = 7000.0
    speed_low: float = 2500.0
    stop_speed: float = 1000.0
    tolerance: float = 200.0
    density_filter_gain: float = 0.3
    predictor_step: float = 1.0
    model_vehicle: object = None
    model_atmosphere: object = None

    def __post_init__(self):
        if not self.speed_high > self.speed_low:
            raise ValueError("speed_high must be greater than speed_low")
        if not 0.0 <= self.min_bank <= self.max_bank <= math.pi:
            raise ValueError("need 0 <= min_bank <= max_bank <= pi")
        if not self.period > 0.0:
            raise ValueError("period must be positive")

    def start(self, t: float, y: np.ndarray, bank: float, model: PhaseModel) -> _GuidedController:
        """The controller of one flight (see the module docstring)."""
        return _GuidedController(self, t, y, bank, model)


class _GuidedController:
    """Per-flight state of :class:`GuidedBank`."""

    def __init__(self, law, t, y, bank, model):
        self.law = law
        self.period = law.period
        self.truth = model
        if law.model_vehicle is None and law.model_atmosphere is None:
            self.guide = model
        elif law.model_vehicle is None:
            # The flight's vehicle, but the guidance's own atmosphere.
            self.guide = model.with_atmosphere(law.model_atmosphere.numeric())
        else:
            atmosphere = law.model_atmosphere or ExponentialAtmosphere()
            self.guide = pack_phase(law.model_vehicle, atmosphere.numeric(), model.earth())
        self.predictor = PredictorSettings(
            stop_altitude=law.final_altitude,
            t_max=0.0,
            step=law.predictor_step,
            coast_step=10.0,
            coast_altitude=120e3,
            ceiling=200e3,
        )
        self.target = np.array(geodetic_to_ecef(law.target_latitude, law.target_longitude, 0.0))
        self.drag_ratio = 1.0
        self.magnitude = abs(wrap_angle(bank)) if bank else math.radians(45.0)
        self.magnitude = min(max(self.magnitude, law.min_bank), law.max_bank)
        self.sign = 0.0
        self.command = None
        self.frozen = False
        self.slope = None
        self.history = {
            "time": [],
            "bank_command_deg": [],
            "predicted_downrange_km": [],
            "predicted_crossrange_km": [],
            "drag_ratio": [],
            "reversals": [],
        }
        self.diagnostics = self.history

    # -- helpers -----------------------------------------------------------------------------
    def _predict(self, t, y, magnitude):
        bank = self.sign * magnitude if self.sign else magnitude
        model = self.guide.with_bank(constant_segment(t, bank)).with_density_factor(self.drag_ratio)
        settings = self.predictor._replace(t_max=t + 4000.0)
        t_end, y_end, reason = propagate(t, y, *model.args, settings)
        if reason != 0:
            return 1e7, 0.0  # skip-out or no landing: a huge overshoot
        return range_errors(y[0:3], y_end[0:3], self.target, 6371e3)

    def _update_drag_ratio(self, t, y):
        sensed = flight_state(t, y, *self.truth.args)
        modelled = flight_state(t, y, *self.guide.args)
        a_s = math.sqrt(sensed.ax**2 + sensed.ay**2 + sensed.az**2)
        a_m = math.sqrt(modelled.ax**2 + modelled.ay**2 + modelled.az**2)
        if a_s > 0.5 and a_m > 0.0:  # above 0.05 g the measurement is meaningful
            g = self.law.density_filter_gain
            self.drag_ratio += g * (a_s / a_m - self.drag_ratio)

    def segment(self, t, y, bank):
        law = self.law
        speed = math.sqrt(y[3] ** 2 + y[4] ** 2 + y[5] ** 2)
        if self.command is not None and speed < law.stop_speed:
            if not self.frozen:
                self._freeze(t, y)
            return slew_segment(t, bank, self.command, law.bank_rate_limit)
        self._update_drag_ratio(t, y)
        crossrange = self._target_crossrange(y)
        if self.sign == 0.0:
            self.sign = 1.0 if crossrange >= 0 else -1.0
        z, c = self._solve_magnitude(t, y)
        # lateral: bank reversal outside the crossrange deadband
        frac = min(max((speed - law.speed_low) / (law.speed_high - law.speed_low), 0.0), 1.0)
        deadband = law.deadband_low + (law.deadband_high - law.deadband_low) * frac
        if (crossrange < -deadband and self.sign > 0) or (crossrange > deadband and self.sign < 0):
            self.sign = -self.sign
            self.history["reversals"].append(float(t))
        self.command = self.sign * self.magnitude
        self._record(t, z, c)
        return slew_segment(t, bank, self.command, law.bank_rate_limit)

    def _solve_magnitude(self, t, y):
        """Secant iterations on the bank magnitude that null the predicted downrange error;
        sets ``self.magnitude`` and returns the prediction (downrange, crossrange) [m]."""
        law = self.law
        lo, hi = law.min_bank, law.max_bank
        s0 = self.magnitude
        z0, c0 = self._predict(t, y, s0)
        best = (abs(z0), s0, z0, c0)
        if abs(z0) > law.tolerance:
            slope = self.slope if self.slope is not None else -50e3  # [m/rad] to start
            s1 = min(max(s0 - z0 / slope, lo), hi)
            for _ in range(4):
                if s1 == s0:
                    break
                z1, c1 = self._predict(t, y, s1)
                if abs(z1) < best[0]:
                    best = (abs(z1), s1, z1, c1)
                if abs(z1) <= law.tolerance:
                    break
                if z1 != z0:
                    new_slope = (z1 - z0) / (s1 - s0)
                    if new_slope < 0:
                        self.slope = new_slope
                        slope = new_slope
                s0, z0 = s1, z1
                s1 = min(max(s1 - z1 / slope, lo), hi)
        _, self.magnitude, z, c = best
        return z, c

    def _freeze(self, t, y):
        """Freeze the command for the rest of the flight, on the bank sign whose predicted
        crossrange is the smaller: at low speed the lateral lift curves the path, and the
        crossrange of the target from the current velocity no longer tells where the
        capsule will land."""
        self.frozen = True
        keep = self._predict(t, y, self.magnitude)
        self.sign = -self.sign
        flip = self._predict(t, y, self.magnitude)
        if abs(flip[1]) < abs(keep[1]):
            self.history["reversals"].append(float(t))
        else:
            self.sign = -self.sign
        z, c = self._solve_magnitude(t, y)  # re-null the downrange error on that sign
        self.command = self.sign * self.magnitude
        self._record(t, z, c)

    def _record(self, t, z, c):
        h = self.history
        h["time"].append(float(t))
        h["bank_command_deg"].append(math.degrees(self.command))
        h["predicted_downrange_km"].append(z / 1e3)
        h["predicted_crossrange_km"].append(c / 1e3)
        h["drag_ratio"].append(self.drag_ratio)

    def _target_crossrange(self, y):
        """Distance of the target from the great circle along the current Earth-relative
        velocity [m] (sphere of 6,371 km), positive: target to the right."""
        r = y[0:3] / np.linalg.norm(y[0:3])
        normal = np.cross(r, y[3:6])  # left of the velocity
        normal /= np.linalg.norm(normal)
        tg = self.target / np.linalg.norm(self.target)
        return -math.asin(min(max(float(np.dot(normal, tg)), -1.0), 1.0)) * 6371e3


#: Any bank-angle law of this module.
ControlLaw = ConstantBank | RollingBank | GuidedBank
