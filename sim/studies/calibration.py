"""Which parameter values the flight itself supports: a Bayesian calibration of uncertain
parameters against a flight's documented outcomes.

**Model.** The priors are the calibration file's distributions (the data-sheet ranges,
:mod:`sim.studies.uncertain`). A flight is planned with what the planners knew and flown
with the rest (:class:`sim.studies.uncertainty.Propagator`).

**Surrogate.** A guided or even a ballistic flight costs milliseconds, an MCMC needs about
10^5 evaluations: the outputs (miss along track and great circle, peak load, landing time,
landing latitude and longitude) are fitted, each, by a polynomial of total degree
``degree`` in the parameters' probabilities (a Legendre basis on the unit hypercube, the
polynomial-chaos basis of uniform inputs) by least squares on a scrambled Sobol design of
``design`` flights. A fifth of the design is held out first: the held-out root-mean-square
error of each output is the surrogate's error, added to the variance of every likelihood
term (so an inaccurate surrogate widens the posterior instead of biasing it silently),
and reported; the fit used for sampling is then made on the whole design.

**Observation model.** Each ``[[observations]]`` entry is one quantity, reported by one or
more documented figures (and their secondary ``reports``) with their stated standard
uncertainties sigma_i. Reports of one quantity that disagree beyond their uncertainties
are made consistent by the Birge ratio (Birge 1932): every sigma_i is multiplied by
R = sqrt(chi^2 / (k - 1)) when that is above 1, chi^2 being the reports' scatter about
their weighted mean, so that the disagreement becomes uncertainty instead of a pull. Each
report is then a Gaussian likelihood of the model's output,
N(report; output, (R sigma_i)^2 + model_sigma^2 + surrogate^2), where ``model_sigma`` is the
entry's stated model discrepancy. A landing point is a Gaussian in the geodesic distance
of the model's landing from it. An entry with ``use = false`` is predicted but not used.

**Sampler.** emcee's affine-invariant ensemble (Goodman and Weare 2010) on the unit
hypercube of the priors' probabilities (a uniform density there is the prior), every walker
of a step evaluated as one vectorised call. Diagnostics after the burn-in: the
rank-normalised split R-hat of Vehtari et al. (2021, Bayesian Analysis 16, 667) with each
walker a chain, and the effective sample size N / tau from emcee's integrated
autocorrelation time tau (Sokal's adaptive window, c = 5) of the ensemble mean. ``converged``
is true only when every R-hat is below 1.01, every ESS at least 400 and the chain longer
than 50 tau.
"""

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

from sim.config.build import load_scenario
from sim.config.errors import ScenarioError
from sim.models.geodesy import geodesic_inverse_many
from sim.results.documented import DOCUMENTED
from sim.studies.surrogate import Surrogate, fit_surrogate, split_rhat
from sim.studies.uncertain import Parameter, read_parameters, read_toml
from sim.studies.uncertainty import METRIC_OUTPUT, Propagator, points_from_unit

#: Tables whose keys a calibration may estimate (shared by every scenario of a capsule).
CALIBRATED_TABLES = ("vehicles", "atmosphere", "targeting", "deorbit")
#: Surrogate outputs.
SURROGATE_OUTPUTS = (
    "miss_along_track_km",
    "miss_great_circle_km",
    "peak_g",
    "landing_time_s",
    "landing_lat_deg",
    "landing_lon_deg",
)
_SETTINGS = {"scenario", "design", "degree", "walkers", "steps", "burn", "seed"}


@dataclass(frozen=True)
class Observation:
    """One quantity: its reports ``(value, sigma, source)`` in the output's unit."""

    name: str
    output: str  #: a surrogate output, or "landing_point"
    reports: tuple
    model_sigma: float
    use: bool
    figures: tuple = ()
    point: tuple | None = None  #: (lat, lon) [deg] of a landing point
    birge: float = 1.0


@dataclass(frozen=True)
class CalibrationSpec:
    """A calibration file."""

    path: Path
    scenario: Path
    parameters: tuple
    observations: tuple
    design: int = 512
    degree: int = 3
    walkers: int = 32
    steps: int = 4000
    burn: int = 1000
    seed: int = 0


def _int(file, key, v, lo):
    if isinstance(v, bool) or not isinstance(v, int) or v < lo:
        raise ScenarioError(file, key, f"an integer >= {lo}, not {v!r}")
    return v


def read_calibration(path, overrides: Mapping | None = None) -> CalibrationSpec:
    """Read a calibration file (``configs/README.md``, "Calibration files").

    Raises
    ------
    ScenarioError
    """
    file = str(path)
    data = read_toml(path)
    unknown = sorted(set(data) - {"calibration", "parameters", "observations"})
    if unknown:
        raise ScenarioError(
            file, unknown[0], "no such table (known: calibration, parameters, observations)"
        )
    c = data.get("calibration")
    if not isinstance(c, dict) or "scenario" not in c:
        raise ScenarioError(file, "calibration.scenario", "the scenario file to calibrate")
    bad = sorted(set(c) - _SETTINGS)
    if bad:
        raise ScenarioError(
            file, f"calibration.{bad[0]}", f"no such key (known: {', '.join(sorted(_SETTINGS))})"
        )
    scenario = (Path(path).parent / str(c["scenario"])).resolve()
    if not scenario.is_file():
        raise ScenarioError(file, "calibration.scenario", f"an existing file ({scenario})")
    settings = {
        k: _int(file, f"calibration.{k}", c[k], lo)
        for k, lo in (("design", 20), ("degree", 1), ("walkers", 4), ("steps", 10), ("burn", 0),
                      ("seed", 0))
        if k in c
    }  # fmt: skip
    table = data.get("parameters")
    if not isinstance(table, dict) or not table:
        raise ScenarioError(file, "parameters", "a [parameters] table of dotted keys (the priors)")
    params = read_parameters(table, file)
    for p in params:
        if p.key.split(".")[0] not in CALIBRATED_TABLES or not p.numeric:
            raise ScenarioError(
                file,
                f"parameters.{p.key}",
                "a number of the tables "
                + ", ".join(CALIBRATED_TABLES)
                + " (keys shared by every scenario, not phase-indexed ones)",
            )
    loaded = load_scenario(scenario, dict(overrides or {}))
    observations = _observations(file, data.get("observations"), loaded)
    spec = CalibrationSpec(Path(path), scenario, params, observations, **settings)
    if spec.burn >= spec.steps:
        raise ScenarioError(file, "calibration.burn", f"fewer than steps ({spec.steps})")
    return spec


def _observations(file, items, scenario) -> tuple:
    if not isinstance(items, list) or not items:
        raise ScenarioError(file, "observations", "[[observations]] tables")
    figures = {}
    if scenario.documented is not None:
        figures = {f.key: f for f in DOCUMENTED[scenario.documented[0]][scenario.documented[1]]}
    epoch_s = scenario.epoch.timestamp() if scenario.epoch is not None else 0.0
    out = []
    for i, item in enumerate(items):
        where = f"observations.{i}"
        allowed = {"name", "figures", "output", "value", "uncertainty", "model_sigma", "use"}
        if not isinstance(item, dict) or set(item) - allowed:
            extra = sorted(set(item) - allowed) if isinstance(item, dict) else []
            raise ScenarioError(
                file, f"{where}.{extra[0]}" if extra else where,
                f"a table of {', '.join(sorted(allowed))}",
            )  # fmt: skip
        msig = item.get("model_sigma", 0.0)
        if isinstance(msig, bool) or not isinstance(msig, int | float) or msig < 0:
            raise ScenarioError(file, f"{where}.model_sigma", "a number >= 0 (the output's unit)")
        use = item.get("use", True)
        if not isinstance(use, bool):
            raise ScenarioError(file, f"{where}.use", "true or false")
        point = None
        if "figures" in item:
            keys = item["figures"]
            if not isinstance(keys, list) or not keys:
                raise ScenarioError(file, f"{where}.figures", "a list of documented figure keys")
            reports = []
            outputs = set()
            for k in keys:
                fig = figures.get(k)
                if fig is None:
                    raise ScenarioError(
                        file,
                        f"{where}.figures",
                        f"figures of the scenario's documented flight ({', '.join(figures)}), "
                        f"not {k!r}",
                    )
                if fig.uncertainty is None:
                    raise ScenarioError(
                        file, f"{where}.figures", f"figures with an uncertainty ({k} has none)"
                    )
                if fig.kind == "point":
                    outputs.add("landing_point")
                    point = fig.value
                    reports.append((0.0, fig.uncertainty, fig.source, "landing_point"))
                    continue
                o = METRIC_OUTPUT[fig.metric]
                outputs.add(o)
                center = fig.center() - (epoch_s if fig.kind == "utc" else 0.0)
                reports.append((center, fig.uncertainty, fig.source, o))
                reports += [(v, fig.uncertainty, src, o) for v, src in fig.reports]
            if "landing_point" in outputs and len(outputs) > 1:
                raise ScenarioError(
                    file, f"{where}.figures", "a landing point in an observation of its own"
                )
            output = sorted(outputs)[0]
            name = str(item.get("name", "+".join(keys)))
            figs = tuple(keys)
        else:
            output = str(item.get("output"))
            if output not in SURROGATE_OUTPUTS:
                raise ScenarioError(
                    file, f"{where}.output", f"one of {', '.join(SURROGATE_OUTPUTS)} (or figures)"
                )
            for k in ("value", "uncertainty"):
                v = item.get(k)
                if isinstance(v, bool) or not isinstance(v, int | float):
                    raise ScenarioError(file, f"{where}.{k}", "a number (required)")
            if not item["uncertainty"] > 0:
                raise ScenarioError(file, f"{where}.uncertainty", "a number > 0")
            reports = [(float(item["value"]), float(item["uncertainty"]), "given", output)]
            name = str(item.get("name", output))
            figs = ()
        out.append(
            Observation(
                name, output, tuple(reports), float(msig), use, figs, point, _birge(reports)
            )
        )
    return tuple(out)


def _birge(reports) -> float:
    """The Birge ratio of reports (1 when consistent, or a single report)."""
    if len(reports) < 2:
        return 1.0
    v = np.array([r[0] for r in reports])
    w = 1.0 / np.array([r[1] for r in reports]) ** 2
    mean = np.sum(w * v) / np.sum(w)
    chi2 = float(np.sum(w * (v - mean) ** 2))
    return max(1.0, math.sqrt(chi2 / (len(reports) - 1)))


# -- posterior -------------------------------------------------------------------------
def _distance_to_point_km(pred: dict, point) -> np.ndarray:
    """Geodesic distance [km] of the predicted landings from a documented point."""
    assert point is not None
    lat, lon = pred["landing_lat_deg"], pred["landing_lon_deg"]
    return geodesic_inverse_many(lat, lon, point[0], point[1])[0] / 1e3


def log_likelihood(spec: CalibrationSpec, surrogate: Surrogate, u: np.ndarray) -> np.ndarray:
    """The log-likelihood at points ``u`` [n, D] (constant terms kept: the variances do
    not depend on ``u``)."""
    pred = surrogate.predict(u)
    total = np.zeros(u.shape[0])
    for obs in spec.observations:
        if not obs.use:
            continue
        for value, sigma, _, output in obs.reports:
            if output == "landing_point":
                y = _distance_to_point_km(pred, obs.point)
                extra = 0.0  # the lat/lon fits are good to far below the point's kilometres
            else:
                y = pred[output]
                extra = surrogate.rms[output] ** 2
            var = (obs.birge * sigma) ** 2 + obs.model_sigma**2 + extra
            total += -0.5 * (value - y) ** 2 / var - 0.5 * math.log(2 * math.pi * var)
    return total


@dataclass
class CalibrationResult:
    """A finished calibration."""

    spec: CalibrationSpec
    surrogate: Surrogate
    samples: np.ndarray  #: posterior points [n, D] in parameter units
    samples_u: np.ndarray
    map_u: np.ndarray
    diagnostics: dict
    check: dict
    seconds: float

    def document(self) -> dict:
        """The ``reentry calibrate --json`` object."""
        spec = self.spec
        params = {}
        map_values = points_from_unit(spec.parameters, self.map_u[None, :])[0]
        for j, p in enumerate(spec.parameters):
            x = self.samples[:, j]
            q = np.quantile(x, [0.05, 0.95])
            params[p.key] = {
                "mean": float(x.mean()),
                "std": float(x.std(ddof=1)),
                "p05": float(q[0]),
                "p95": float(q[1]),
                "map": float(map_values[p.key]),
                "prior": {"distribution": p.distribution, **p.args, "source": p.source},
                "prior_std": p.std(),
            }
        pred = self.surrogate.predict(self.samples_u)
        observations = {}
        for obs in spec.observations:
            if obs.output == "landing_point":
                y = _distance_to_point_km(pred, obs.point)
            for k, name in enumerate(obs.figures or (obs.name,)):
                output = obs.reports[k][3]
                if output != "landing_point":
                    y = pred[output]
                q = np.quantile(y, [0.05, 0.95])
                value = 0.0 if output == "landing_point" else obs.reports[k][0]
                observations[name] = {
                    "output": output,
                    "documented": float(value),
                    "uncertainty": float(obs.reports[k][1]),
                    "birge_ratio": obs.birge,
                    "model_sigma": obs.model_sigma,
                    "in_likelihood": obs.use,
                    "predicted_mean": float(y.mean()),
                    "predicted_p05": float(q[0]),
                    "predicted_p95": float(q[1]),
                }
        return {
            "file": str(spec.path),
            "scenario": str(spec.scenario),
            "parameters": params,
            "observations": observations,
            "converged": bool(self.diagnostics["converged"]),
            "diagnostics": self.diagnostics,
            "check": self.check,
            "seconds": self.seconds,
        }


def calibrate(
    path,
    *,
    overrides: Mapping | None = None,
    steps: int | None = None,
    seed: int | None = None,
    design: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> CalibrationResult:
    """Run a calibration file (module docstring). ``steps``, ``seed``, ``design`` override
    the file's settings."""
    try:
        import emcee
    except ImportError as exc:
        raise ImportError(
            "calibration needs emcee: the 'uncertainty' extra, pip install -e '.[uncertainty]'"
        ) from exc
    start = time.perf_counter()
    say = progress or (lambda _t: None)
    spec = read_calibration(path, overrides)
    if steps is not None or seed is not None or design is not None:
        import dataclasses

        spec = dataclasses.replace(
            spec,
            steps=spec.steps if steps is None else int(steps),
            burn=spec.burn if steps is None else min(spec.burn, int(steps) // 4),
            seed=spec.seed if seed is None else int(seed),
            design=spec.design if design is None else int(design),
        )
    dim = len(spec.parameters)
    scenario = load_scenario(spec.scenario, dict(overrides or {}))
    prop = Propagator([scenario], spec.parameters, dict(overrides or {}))
    say(f"calibrate: {spec.design} flights for the surrogate ({dim} parameters)")
    # the first `design` points of a balanced power-of-2 scrambled Sobol sequence
    m = max(1, math.ceil(math.log2(spec.design)))
    u = stats.qmc.Sobol(d=dim, scramble=True, seed=spec.seed).random_base2(m)[: spec.design]
    table = prop.evaluate(points_from_unit(spec.parameters, u))[scenario.name]
    surrogate = fit_surrogate(u, table, spec.degree, spec.seed, SURROGATE_OUTPUTS)
    walkers = max(spec.walkers, 2 * dim + 2)
    walkers += walkers % 2

    interrupted = []

    def log_prob(x):
        out = np.full(x.shape[0], -np.inf)
        try:
            inside = np.all((x > 0.0) & (x < 1.0), axis=1)
            if inside.any():
                out[inside] = log_likelihood(spec, surrogate, x[inside])
        except KeyboardInterrupt:
            # emcee prints the traceback of whatever its call of this function raises:
            # a Ctrl-C is held to the end of the step (below)
            interrupted.append(True)
        return out

    rng = np.random.default_rng(spec.seed)
    # differential-evolution moves follow the curved ridge of L/D x cos(reference bank)
    # better than the stretch move alone (ter Braak and Vrugt 2008)
    moves = [(emcee.moves.DEMove(), 0.8), (emcee.moves.DESnookerMove(), 0.2)]
    sampler = emcee.EnsembleSampler(walkers, dim, log_prob, moves=moves, vectorize=True)
    sampler._random = np.random.RandomState(spec.seed)  # emcee's own stream, seeded
    elapsed = time.perf_counter() - start
    say(f"calibrate: MCMC, {walkers} walkers x {spec.steps} steps ({elapsed:.0f} s)")
    # run_mcmc's loop, with a Ctrl-C held by log_prob raised between two steps
    for _ in sampler.sample(rng.uniform(0.0, 1.0, (walkers, dim)), iterations=spec.steps):
        if interrupted:
            raise KeyboardInterrupt
    chain = sampler.get_chain(discard=spec.burn)  # [draws, walkers, dim]
    logp = sampler.get_log_prob(discard=spec.burn)
    tau = emcee.autocorr.integrated_time(chain, quiet=True)
    draws = chain.shape[0]
    ess = draws * walkers / tau
    rhat = np.array([split_rhat(chain[:, :, j]) for j in range(dim)])
    flat_u = chain.reshape(-1, dim)
    best = np.unravel_index(np.argmax(logp), logp.shape)
    map_u = chain[best[0], best[1]]
    values = points_from_unit(spec.parameters, flat_u)
    samples = np.array([[v[p.key] for p in spec.parameters] for v in values])
    keys = [p.key for p in spec.parameters]
    diagnostics = {
        "sampler": "emcee EnsembleSampler (DE 0.8, DE snooker 0.2 moves), vectorised",
        "walkers": walkers,
        "steps": spec.steps,
        "burn": spec.burn,
        "draws": int(draws * walkers),
        "acceptance_fraction": float(np.mean(sampler.acceptance_fraction)),
        "rhat": dict(zip(keys, rhat.tolist(), strict=True)),
        "rhat_method": "rank-normalised split R-hat, walkers as chains (Vehtari et al. 2021)",
        "tau": dict(zip(keys, tau.tolist(), strict=True)),
        "ess": dict(zip(keys, ess.tolist(), strict=True)),
        "ess_method": "draws x walkers / integrated autocorrelation time (emcee.autocorr)",
        "chain_over_50_tau": bool(draws > 50 * np.max(tau)),
        "surrogate": {
            "kind": "Legendre polynomial, total degree",
            "degree": spec.degree,
            "terms": int(surrogate.exponents.shape[0]),
            "design": spec.design,
            "holdout_rms": surrogate.rms,
            "holdout_r2": surrogate.r2,
        },
        "seed": spec.seed,
    }
    diagnostics["converged"] = bool(
        np.all(rhat < 1.01) and np.all(ess >= 400) and diagnostics["chain_over_50_tau"]
    )
    # the posterior mean flown through the model itself (not the surrogate)
    mean_point = {k: float(samples[:, j].mean()) for j, k in enumerate(keys)}
    flown = prop.evaluate([mean_point])[scenario.name]
    mean_u = np.array([[float(p.probability(mean_point[p.key])) for p in spec.parameters]])
    sur = surrogate.predict(mean_u)
    check = {
        name: {"model": float(flown[name][0]), "surrogate": float(sur[name][0])}
        for name in SURROGATE_OUTPUTS
    }
    return CalibrationResult(
        spec, surrogate, samples, flat_u, map_u, diagnostics, check, time.perf_counter() - start
    )


def format_calibration(doc: dict) -> str:
    """The text report of ``reentry calibrate``."""
    lines = [f"Calibration {doc['file']} of {doc['scenario']}", ""]
    lines.append(f"{'parameter':42s} {'prior':>18s} {'mean':>9s} {'std':>8s} {'p05':>9s} "
                 f"{'p95':>9s} {'MAP':>9s} {'R-hat':>6s} {'ESS':>7s}")  # fmt: skip
    d = doc["diagnostics"]
    for key, p in doc["parameters"].items():
        prior = p["prior"]
        text = (
            f"U({prior['low']:g}, {prior['high']:g})"
            if prior["distribution"] == "uniform"
            else f"N({prior['mean']:g}, {prior['std']:g})"
        )
        lines.append(
            f"{key:42s} {text:>18s} {p['mean']:9.4g} {p['std']:8.3g} {p['p05']:9.4g} "
            f"{p['p95']:9.4g} {p['map']:9.4g} {d['rhat'][key]:6.3f} {d['ess'][key]:7.0f}"
        )
    lines += ["", f"{'observation':18s} {'documented':>11s} {'predicted mean':>15s} "
              f"{'90 % interval':>20s}  used"]  # fmt: skip
    for name, o in doc["observations"].items():
        lines.append(
            f"{name:18s} {o['documented']:11.4g} {o['predicted_mean']:15.4g} "
            f"{o['predicted_p05']:9.4g}-{o['predicted_p95']:<9.4g}  "
            f"{'yes' if o['in_likelihood'] else 'no (check)'}"
        )
    lines += [
        "",
        f"converged: {'yes' if doc['converged'] else 'NO'} (R-hat < 1.01, ESS >= 400, chain > "
        f"50 tau); {d['walkers']} walkers x {d['steps']} steps, burn-in {d['burn']}, "
        f"acceptance {d['acceptance_fraction']:.2f}; {doc['seconds']:.0f} s",
        "surrogate held-out rms: "
        + ", ".join(f"{k} {v:.3g}" for k, v in d["surrogate"]["holdout_rms"].items()),
    ]
    return "\n".join(lines)


def calibrated_scenario_text(doc: dict, out_path: Path) -> str:
    """A scenario file that extends the calibrated one with the posterior means, each
    saying where it came from."""
    import os

    from sim import __version__

    scenario = Path(doc["scenario"])
    rel = os.path.relpath(scenario, out_path.parent)
    lines = [
        f"# Calibrated {scenario.stem}: the posterior means of `reentry calibrate {doc['file']}`",
        f"# (reentry-sim {__version__}, seed {doc['diagnostics']['seed']}, "
        f"converged: {str(doc['converged']).lower()}). A calibration on one flight is a",
        "# hypothesis to test on other flights, not a measurement. Every other value is the",
        "# extended scenario's, with its own source.",
        f'extends = "{rel}"',
        f'name = "calibrated_{scenario.stem}"',
        'description = "' + f"{scenario.stem} with the posterior means of its calibration" + '"',
    ]
    tables: dict = {}
    for key, p in doc["parameters"].items():
        *table, leaf = key.split(".")
        tables.setdefault(".".join(table), []).append((leaf, p))
    for table, items in tables.items():
        lines += ["", f"[{table}]"]
        for leaf, p in items:
            prior = p["prior"]
            args = ", ".join(f"{k} {v:g}" for k, v in prior.items() if isinstance(v, float))
            lines.append(
                f"# posterior mean; std {p['std']:.3g}, 90 % {p['p05']:.4g}-{p['p95']:.4g}, "
                f"MAP {p['map']:.4g}; prior {prior['distribution']} ({args})"
            )
            lines.append(f"# prior's source: {prior['source']}")
            lines.append(f"{leaf} = {p['mean']:.6g}")
    return "\n".join(lines) + "\n"


def write_outputs(result: CalibrationResult, folder, final=None) -> list[Path]:
    """Write ``calibration.json``, ``posterior.csv`` and ``calibrated.toml`` into a folder
    (``final``: the folder they end up in, when ``folder`` is a staging folder; the
    calibrated scenario's ``extends`` is relative to it)."""
    import json

    from sim.studies.compare import jsonable

    folder = Path(folder)
    final = folder if final is None else Path(final)
    doc = result.document()
    paths = [folder / "calibration.json", folder / "posterior.csv", folder / "calibrated.toml"]
    paths[0].write_text(json.dumps(jsonable(doc), indent=1, allow_nan=False) + "\n")
    header = ",".join(doc["parameters"])
    np.savetxt(paths[1], result.samples, delimiter=",", header=header, comments="")
    paths[2].write_text(calibrated_scenario_text(doc, final / paths[2].name))
    return paths


__all__: Sequence[str] = [
    "CalibrationResult",
    "CalibrationSpec",
    "Observation",
    "Parameter",
    "calibrate",
    "read_calibration",
]
