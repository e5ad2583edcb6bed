"""Plausibility limits of scenario values, each with its reason.

A value outside these ranges is not a capsule's, or would make the integrator crawl (a
microgram capsule decelerates within metres, a guidance cycle of a millisecond flies a
thousand predictions a second): the builder rejects it with a
:class:`~sim.config.errors.ScenarioError` naming the key, the accepted range and the
reason below, instead of running for hours or reporting a result nobody should trust.
``configs/README.md`` lists them with the keys.
"""

from sim.models.vehicle import MAX_DEPLOY_DYNAMIC_PRESSURE, MAX_DEPLOY_MACH

#: Relative tolerance of the integrator [-]: coarser than 1e-3 the flight cannot be
#: trusted (the absolute tolerances scale with it: 100 m and 0.1 m/s at 1e-3); finer than
#: 1e-14 is below the rounding of the arithmetic.
RTOL = {
    "ge": 1e-14,
    "lt": 1e-3,
    "why": "finer is below the rounding of the arithmetic, coarser cannot be trusted",
}

#: Accepted integrator steps per run (the default and the largest): every step is kept
#: for the trajectory, about 700 bytes each, so this bounds a run's memory to about
#: 1 GB; the TMA-11 flights take a few thousand steps.
MAX_STEPS = 1_000_000

#: Default wall-clock limit of one flight [s]: the slowest flight the limits below admit
#: (a guided entry with the guidance cycling at its shortest period) takes well under a
#: minute.
MAX_WALL_TIME = 300.0
#: Largest wall-clock limit that can be asked for [s] (a day).
MAX_WALL_TIME_LIMIT = 86400.0

#: Default largest survivable touchdown speed [m s^-1] (a stated default, configurable
#: as ``simulation.max_landing_speed_m_s``): above the about 7.2 m/s of a Soyuz descent
#: module under its main canopy (before its soft-landing engines, which the simulator
#: does not model, bring it to about 1.5 m/s), so that a descent under a main canopy
#: lands and one under a drogue (60 to 100 m/s) or none is an impact.
MAX_LANDING_SPEED = 10.0

#: Mass [kg]: the heaviest vehicle that has entered an atmosphere, the Space Shuttle
#: orbiter, had about 100 t.
MASS = {"le": 1e6, "why": "no entry vehicle is heavier than about 100 t"}

#: Aerodynamic reference area [m^2]: the Space Shuttle orbiter's wing, 250 m^2, is the
#: largest flown.
AREA = {"le": 1e3, "why": "the largest flown, the Space Shuttle's wing, has 250 m^2"}

#: Ballistic coefficient m / (Cd A) [kg m^-2]: entry vehicles fly between about 20
#: (probes, inflatable decelerators) and 10,000 (slender warheads; Soyuz 590). Far
#: below, the vehicle decelerates within metres and the integrator crawls; far above,
#: the air does not slow it at all.
BALLISTIC = {
    "ge": 1.0,
    "le": 1e5,
    "why": "entry vehicles fly between about 20 and 10,000; far below, the flight stops "
    "within metres and the integrator crawls",
}

#: Drag coefficient, of the body or in a drag table [-].
CD = 10.0

#: Parachute drag area Cd S [m^2]: the largest canopy clusters flown have a few
#: thousand m^2.
CHUTE_AREA = {"le": 1e4, "why": "the largest canopy clusters flown have a few thousand m^2"}

#: Default deployment limits of a parachute (stated defaults, configurable per vehicle
#: as ``parachute_max_mach`` and ``parachute_max_dynamic_pressure_pa``; see
#: :data:`sim.models.vehicle.MAX_DEPLOY_MACH`). A canopy opened beyond them is torn, not
#: flown: the flight is flagged ``parachute_limit``.
CHUTE_MAX_MACH = MAX_DEPLOY_MACH
CHUTE_MAX_DYNAMIC_PRESSURE = MAX_DEPLOY_DYNAMIC_PRESSURE  #: [Pa]

#: Guidance cycle [s]: each cycle flies a whole prediction to the parachute command;
#: flight computers cycle every 0.1 to 2 s, and a faster cycle only multiplies the work.
GUIDANCE_PERIOD = {
    "ge": 0.1,
    "why": "each cycle flies a whole prediction; flight computers cycle at 0.1-2 s",
}

#: Fixed step of the guidance's RK4 predictor [s]: below 0.1 s a prediction of a whole
#: entry takes over 10,000 steps.
PREDICTOR_STEP = {"ge": 0.1, "why": "a finer step makes a prediction over 10,000 steps long"}
#: The guidance's work grows as 1 / (period x fixed predictor step) [s^2]: at 0.1 s^2
#: (a prediction of 1 s steps every 0.1 s, or of 0.1 s steps every second) a guided
#: TMA-11 entry takes about 10 s to fly, at the defaults (2 s, adaptive) 1 s.
GUIDANCE_WORK = 0.1

#: Relative tolerance of the adaptive predictor [-].
PREDICTOR_RTOL = {"ge": 1e-12, "why": "finer makes each prediction crawl"}

#: Longest scenario name [characters]: it names the output files, and NAME.resolved.toml
#: must fit the 255 bytes of a file name.
NAME_LENGTH = 200
