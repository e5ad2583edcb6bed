"""Bank-angle control laws: what the user configures.

A control law is a frozen dataclass. :meth:`spec` hands it to the compiled core
(:mod:`sim.core.program`), which flies it: a constant bank, a constant roll rate (the
ballistic mode), or the predictor-corrector guidance of :mod:`sim.core.guidance`, one
compiled copy that both integrators run.
"""

import math
from dataclasses import dataclass

from sim.core.program import (
    ControlSpec,
    GuidanceSpec,
    constant_control,
    guided_control,
    rolling_control,
)
from sim.models.atmosphere import Atmosphere, ExponentialAtmosphere
from sim.models.vehicle import Vehicle

__all__ = ["ConstantBank", "ControlLaw", "GuidedBank", "RollingBank"]


@dataclass(frozen=True)
class ConstantBank:
    """Hold one bank angle [rad] for the whole phase (0: full lift up)."""

    bank: float = 0.0

    def spec(self) -> ControlSpec:
        """The law as the compiled core sees it."""
        return constant_control(self.bank)


@dataclass(frozen=True)
class RollingBank:
    """Roll at a constant rate [rad s^-1] so that the lift averages to zero.

    This is the Soyuz ballistic backup mode: the capsule spins about its velocity vector.
    ``initial_bank`` [rad] is the bank at the start of the phase; ``None`` continues the
    bank the previous phase ended with.
    """

    roll_rate: float
    initial_bank: float | None = None

    def spec(self) -> ControlSpec:
        """The law as the compiled core sees it."""
        return rolling_control(self.roll_rate, self.initial_bank)


@dataclass(frozen=True)
class GuidedBank:
    """Predictor-corrector entry guidance: steer the lift to land on a target.

    Every ``period`` seconds the guidance

    1. estimates the ratio of the real to the modelled drag (density and drag coefficient
       errors look alike) from the sensed acceleration, filtered with gain
       ``density_filter_gain``;
    2. predicts, with the compiled predictor of :mod:`sim.core.predictor` and its own model
       (``model_vehicle``, ``model_atmosphere``: what the flight computer believes, not
       the dispersed truth) scaled by that ratio, where the capsule reaches
       ``final_altitude`` if it holds a constant bank magnitude from now on;
    3. corrects the bank magnitude by secant iterations until the predicted downrange
       error to the target is below ``tolerance`` (bounded by ``min_bank``, ``max_bank``),
       then holds it back to the largest magnitude whose predicted peak load (and heat
       flux) stays within ``load_limit`` (``heat_rate_limit``), the load relief of
       constrained predictor-correctors such as Lu's FNPEG; at the largest magnitude and
       still long, it raises the load relief's band instead (a later relief, a deeper
       dive) as far as the predicted peak stays within the limit;
    4. reverses the bank's sign when the target's crossrange (its distance from the great
       circle along the current velocity) leaves a deadband that narrows linearly with
       speed from ``deadband_high`` (at ``speed_high``) to ``deadband_low`` (at
       ``speed_low``) on the side away from the lift; while the load is relieved, a
       reversal that would swing through lift down waits;
    5. commands the bank, which slews there at ``bank_rate_limit``.

    Below 0.05 g of sensed force (before the capsule meets the sensible atmosphere, or
    in a skip) the lift cannot move the landing yet and the drag ratio cannot be measured:
    the command of the first cycle holds, without predictions, as in Apollo's entry
    guidance until its "0.05 g" event. Below ``stop_speed`` the command is frozen (the
    capsule has little authority left and the geometry to the target degenerates), on the
    bank sign whose predicted crossrange at the aim point is the smaller. A reversal slews
    the shorter way round, so a bank beyond 90 deg reverses through lift-down (unless the
    load is being relieved: then it waits). The predictor's reference is the point where
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
    lift_filter_gain : float
        Gain of the lift-ratio filter per cycle [-] (the real over the modelled lift-to-drag
        ratio, from the sensed specific force across the velocity); 0 turns it off.
    predictor_step : float
        0 (the default): the predictor is the engine's adaptive Dormand-Prince 5(4) at
        ``predictor_rtol``; > 0: a fixed-step RK4 with this step in the atmosphere [s]
        (10 s above 120 km), as before the compiled engine.
    predictor_rtol : float
        Relative tolerance of the adaptive predictor [-].
    load_limit : float
        The crew's load limit [g0] (0: none). The default, 5 g, is the top of the 3-5 g
        of nominal Soyuz descents (Soyuz data sheet). The load relief eases the bank
        toward lift up from 60 % of the limit (fully up at 80 %; raised up to 90-100 %
        when the capsule must dive deeper), acting on the load anticipated a cycle and the
        bank's slew time ahead (from the density's growth along the sink rate and the
        speed's decay under the drag, so that it lets go after the peak); a bank
        magnitude whose predicted peak sensed load
        exceeds 90 % of the limit (the margin for the slew) is held back to the largest one
        within it:
        the capsule then lands long (or short) of the target instead of taking the load,
        and the guidance's diagnostics say when (``limit_time``, ``limit_cycles``) and by
        how much (``limit_downrange``).
    heat_rate_limit : float
        The same for the predicted peak stagnation-point heat flux [W m^-2] (0: none).
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
    lift_filter_gain: float = 0.3
    predictor_step: float = 0.0
    predictor_rtol: float = 1e-6
    load_limit: float = 5.0
    heat_rate_limit: float = 0.0
    model_vehicle: Vehicle | None = None
    model_atmosphere: Atmosphere | None = None

    def __post_init__(self):
        if not self.speed_high > self.speed_low:
            raise ValueError("speed_high must be greater than speed_low")
        if not 0.0 <= self.min_bank <= self.max_bank <= math.pi:
            raise ValueError("need 0 <= min_bank <= max_bank <= pi")
        if not self.period > 0.0:
            raise ValueError("period must be positive")
        if not (self.load_limit == 0.0 or self.load_limit >= 1.0):
            raise ValueError("load_limit must be 0 (none) or at least 1 g")
        if not self.heat_rate_limit >= 0.0:
            raise ValueError("heat_rate_limit must be >= 0 (0: none)")

    def spec(self) -> ControlSpec:
        """The law as the compiled core sees it (:mod:`sim.core.guidance`)."""
        values = {
            "target_lat": self.target_latitude,
            "target_lon": self.target_longitude,
            "period": self.period,
            "bank_rate_limit": self.bank_rate_limit,
            "final_altitude": self.final_altitude,
            "min_bank": self.min_bank,
            "max_bank": self.max_bank,
            "deadband_high": self.deadband_high,
            "deadband_low": self.deadband_low,
            "speed_high": self.speed_high,
            "speed_low": self.speed_low,
            "stop_speed": self.stop_speed,
            "tolerance": self.tolerance,
            "filter_gain": self.density_filter_gain,
            "lift_filter_gain": self.lift_filter_gain,
            "predictor_step": self.predictor_step,
            "predictor_rtol": self.predictor_rtol,
            "load_limit": self.load_limit,
            "heat_limit": self.heat_rate_limit,
        }
        vehicle = self.model_vehicle
        atmosphere = self.model_atmosphere
        if vehicle is not None and atmosphere is None:
            atmosphere = ExponentialAtmosphere()
        return guided_control(
            GuidanceSpec(values, vehicle, None if atmosphere is None else atmosphere.numeric())
        )


#: Any bank-angle law of this module.
ControlLaw = ConstantBank | RollingBank | GuidedBank
