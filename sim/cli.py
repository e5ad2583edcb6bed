"""The ``reentry`` command line: run one scenario, compare several.

::

    reentry run SCENARIO.toml [--out DIR] [--json] [--set KEY=VALUE ...] [--unset KEY ...]
    reentry compare PATH... [--out DIR] [--json] [--set KEY=VALUE ...] [--unset KEY ...]
    reentry plot PATH... --figure FILE.png [--set KEY=VALUE ...]

Exit status: 0 when every scenario was simulated (whatever its flight status: a capsule
that skips out or stops early is a result, reported with its status); 2 for any user error
(missing or unreadable file, invalid TOML, a scenario error, a bad ``--set``, an output
folder that cannot be written), reported on one line as
``reentry: error: <file>: <key>: <expected>``.

Nothing here imports matplotlib unless the ``plot`` command runs.
"""

import argparse
import json
import math
import os
import sys
from pathlib import Path

from sim.analysis import SUMMARY_KEYS, documented_comparison, format_dms, summarize
from sim.reference_data import DOCUMENTED, FLIGHT_TITLES
from sim.results import LANDED, atomic_write
from sim.scenario import REMOVE, ScenarioError, dump_config, load_scenario, parse_override
from sim.scenario import run_scenario as _run

EXIT_OK = 0
EXIT_USER_ERROR = 2


class UserError(Exception):
    """A mistake of the user: reported on one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UserError(f"{message} (see '{self.prog} --help')")


def _parser():
    p = _Parser(prog="reentry", description="Capsule reentry simulator: run and compare "
                "scenario files (TOML; keys in configs/README.md).")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def common(sp):
        sp.add_argument("--set", dest="overrides", metavar="KEY=VALUE", action="append",
                        default=[], help="override a key after 'extends' (dotted, list "
                        "items by 0-based index; VALUE is a TOML value, or a bare "
                        "string), e.g. --set vehicles.descent_module.mass_kg=2950; "
                        "repeatable")
        sp.add_argument("--unset", dest="removals", metavar="KEY", action="append",
                        default=[], help="remove a key after 'extends' (e.g. --unset "
                        "targeting); repeatable")

    run = sub.add_parser("run", help="simulate one scenario and print its summary",
                         description="Simulate one scenario and print its summary.")
    run.add_argument("scenario", metavar="SCENARIO.toml")
    run.add_argument("--out", metavar="DIR", help="write NAME.csv (trajectory), "
                     "NAME.resolved.toml (the resolved configuration), NAME.guidance.csv "
                     "(guided flights) and summary.json")
    run.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    common(run)

    cmp_ = sub.add_parser("compare", help="simulate several scenarios and compare them "
                          "with the baseline", description="Simulate scenarios (files, or "
                          "directories of *.toml files not starting with '_') and compare "
                          "them with the baseline: the one with 'reference = true', else "
                          "the one named 'nominal', else the first.")
    cmp_.add_argument("paths", metavar="PATH", nargs="+")
    cmp_.add_argument("--out", metavar="DIR", help="write NAME.csv, NAME.resolved.toml "
                      "(and NAME.guidance.csv) per scenario, and summary.json")
    cmp_.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    common(cmp_)

    plot = sub.add_parser("plot", help="draw altitude, load and ground tracks to a file",
                          description="Simulate scenarios and draw altitude against speed, "
                          "the sensed load and the ground tracks into one image.")
    plot.add_argument("paths", metavar="PATH", nargs="+")
    plot.add_argument("--figure", metavar="FILE", required=True,
                      help="image file to write (format from the suffix: .png, .pdf, .svg)")
    common(plot)
    return p


def main(argv=None):
    """Entry point of ``reentry`` and ``python -m sim``; returns the exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USER_ERROR
        overrides = _overrides(args)
        if args.command == "run":
            paths = [Path(args.scenario)]
        else:
            paths = _expand(args.paths)
        scenarios = [_load(p, overrides) for p in paths]
        _check_names(scenarios)
        if args.command == "plot":
            return _plot(scenarios, args.figure)
        return _report(scenarios, compare=args.command == "compare", as_json=args.json,
                       out=args.out)
    except UserError as exc:
        print(f"reentry: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except ScenarioError as exc:
        print(f"reentry: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:
        # The reader stopped early (e.g. `| head`): not an error of the run. Point stdout
        # at devnull so that the interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


# ---------------------------------------------------------------------------------------
def _overrides(args):
    out = {}
    for text in args.overrides:
        key, value = parse_override(text)
        out[key] = value
    for key in args.removals:
        if not key.strip():
            raise UserError("--unset: a dotted key such as targeting")
        out[key.strip()] = REMOVE
    return out


def _expand(paths):
    files = []
    for text in paths:
        p = Path(text)
        if p.is_dir():
            found = sorted(f for f in p.glob("*.toml") if not f.name.startswith("_"))
            if not found:
                raise UserError(f"{p}: a directory with scenario files (*.toml not "
                                "starting with '_'), none found")
            files.extend(found)
        elif p.exists():
            files.append(p)
        else:
            raise UserError(f"{p}: an existing scenario file or directory (not found)")
    return files


def _load(path, overrides):
    return load_scenario(path, overrides)


def _check_names(scenarios):
    seen = {}
    for s in scenarios:
        if s.name in seen:
            raise UserError(f"{s.path}: name: a scenario name unique in the comparison "
                            f"({s.name!r} is also the name of {seen[s.name]})")
        seen[s.name] = s.path


def _baseline(scenarios):
    refs = [s for s in scenarios if s.reference]
    if len(refs) > 1:
        raise UserError(f"{refs[1].path}: reference: true for one scenario only (also "
                        f"{refs[0].path})")
    if refs:
        return refs[0]
    named = [s for s in scenarios if s.name == "nominal"]
    return named[0] if named else scenarios[0]


def _report(scenarios, *, compare, as_json, out):
    out_dir = _prepare_out(out) if out else None
    trajectories = {s.name: _run(s) for s in scenarios}
    base = _baseline(scenarios) if compare else None
    ref_traj = trajectories[base.name] if base else None
    entries = []
    for s in scenarios:
        traj = trajectories[s.name]
        summary = summarize(traj, s.target, ref_traj)
        entries.append(_entry(s, traj, summary))
        if out_dir is not None:
            _write_scenario(out_dir, s, traj)
    document = {
        "scenarios": entries,
        "reference": base.name if base else None,
        "documented": _documented_block(scenarios),
    }
    document = _jsonable(document)
    if out_dir is not None:
        _write(out_dir / "summary.json", json.dumps(document, indent=2, allow_nan=False)
               + "\n")
    if as_json:
        print(json.dumps(document, allow_nan=False))
    else:
        print(_human(entries, base.name if base else None))
    return EXIT_OK


def _entry(s, traj, summary):
    sol = s.targeting_solution
    entry = {
        "name": s.name,
        "file": str(s.path),
        "description": s.description,
        "reference": s.reference,
        **summary,
        "documented": None if s.documented is None else
        {"flight": s.documented[0], "case": s.documented[1]},
        "versus_documented": [] if s.documented is None else
        documented_comparison(summary, *s.documented),
        "targeting": None if sol is None else {
            "raan_deg": math.degrees(sol.orbit.raan),
            "argument_of_latitude_deg": math.degrees(sol.orbit.argument_of_latitude),
            "residual_km": float(sol.residual) / 1e3,
            "iterations": int(sol.iterations),
        },
        "events": [{"time_s": e.time, "name": e.name, "phase": e.phase,
                    "altitude_km": e.altitude / 1e3} for e in traj.events],
    }
    return entry


def _documented_block(scenarios):
    block = {}
    for s in scenarios:
        if s.documented is None or s.documented[0] in block:
            continue
        flight = s.documented[0]
        block[flight] = {
            "title": FLIGHT_TITLES.get(flight, flight),
            "cases": {case: [{"key": f.key, "label": f.label, "kind": f.kind,
                              "value": list(f.value), "unit": f.unit, "metric": f.metric,
                              "source": f.source, "note": f.note} for f in figs]
                      for case, figs in DOCUMENTED[flight].items()},
        }
    return block


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, int):
        return int(x)
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    return v if math.isfinite(v) else None


# ---------------------------------------------------------------------------------------
# Output files
# ---------------------------------------------------------------------------------------
def _prepare_out(out):
    path = Path(out)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{path}: a folder that can be created ({exc.strerror})") from None
    if not path.is_dir():
        raise UserError(f"{path}: a folder for the output (it is a file)")
    return path


def _write(path, text):
    try:
        atomic_write(path, lambda f: f.write(text))
    except OSError as exc:
        raise UserError(f"{path}: a writable file ({exc.strerror})") from None


def _write_scenario(out_dir, s, traj):
    try:
        traj.to_csv(out_dir / f"{s.name}.csv")
    except OSError as exc:
        raise UserError(f"{out_dir / (s.name + '.csv')}: a writable file ({exc.strerror})") \
            from None
    header = (f"# {s.name}: the configuration of {s.path} as resolved (extends and "
              "overrides applied).\n# Run it again with: reentry run "
              f"{s.name}.resolved.toml\n\n")
    _write(out_dir / f"{s.name}.resolved.toml", header + dump_config(s.config))
    for phase, history in traj.diagnostics.items():
        if history.get("time"):
            _write(out_dir / f"{s.name}.guidance.csv", _guidance_csv(phase, history))


def _guidance_csv(phase, history):
    """The guidance's cycle-by-cycle history as CSV text (reversal times in a comment)."""
    names = ["time", "bank_command_deg", "predicted_downrange_km",
             "predicted_crossrange_km", "drag_ratio"]
    units = {"time": "s", "bank_command_deg": "deg", "predicted_downrange_km": "km",
             "predicted_crossrange_km": "km", "drag_ratio": "-"}
    lines = [f"# guidance of phase '{phase}'; bank reversals at t = "
             + ", ".join(f"{t:.1f}" for t in history["reversals"]) + " s",
             ",".join(f"{n} [{units[n]}]" for n in names)]
    for row in zip(*(history[n] for n in names), strict=True):
        lines.append(",".join(repr(float(v)) for v in row))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------
# Human output
# ---------------------------------------------------------------------------------------
def _f(value, fmt="{:.1f}"):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return fmt.format(value)


def _dms(value, pos, neg):
    return "-" if value is None else format_dms(value, pos, neg)


def _pair(a, b):
    return "-" if a is None and b is None else f"{_f(a)} / {_f(b)}"


def _utc(text):
    return "-" if text is None else text.replace("T", " ")[:19]


_ROWS = (
    ("status", lambda e: e["status"]),
    ("peak sensed load [g]", lambda e: _f(e["peak_g"], "{:.2f}")),
    ("  at time [s] / altitude [km]", lambda e: _pair(e["peak_g_time_s"],
                                                      e["peak_g_altitude_km"])),
    ("time above 4 g [s]", lambda e: _f(e["time_above_4g_s"])),
    ("peak eyeballs-out load [g]", lambda e: _f(e["peak_g_eyeballs_out"], "{:.2f}")),
    ("peak heat flux [kW/m^2]", lambda e: _f(e["peak_heat_flux_kw_m2"])),
    ("heat load [MJ/m^2]", lambda e: _f(e["heat_load_mj_m2"])),
    ("peak dynamic pressure [kPa]", lambda e: _f(e["peak_dynamic_pressure_kpa"])),
    ("flight time [s]", lambda e: _f(e["flight_time_s"])),
    ("landing time [UTC]", lambda e: _utc(e["landing_time_utc"])),
    ("landing latitude", lambda e: _dms(e["landing_lat_deg"], "N", "S")),
    ("landing longitude", lambda e: _dms(e["landing_lon_deg"], "E", "W")),
    ("distance to target [km]", lambda e: _f(e["distance_to_target_km"])),
    ("  to go along / across [km]", lambda e: _pair(e["downrange_to_target_km"],
                                                    e["crossrange_to_target_km"])),
    ("miss from baseline [km]", lambda e: _f(e["miss_from_nominal_km"])),
    ("  along / across track [km]", lambda e: _pair(e["miss_along_track_km"],
                                                    e["miss_cross_track_km"])),
    ("guidance: bank reversals", lambda e: _f(e["guidance_reversals"], "{:d}")),
    ("  last predicted error [km]", lambda e: _pair(
        e["guidance_final_predicted_downrange_km"], e["guidance_final_predicted_crossrange_km"])),
)


def _table(header, rows):
    widths = [max(len(str(r[k])) for r in (header, *rows)) for k in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True))
                     .rstrip())
    return lines


def _human(entries, reference):
    entries = sorted(entries, key=lambda e: e["name"] != reference)  # reference first
    names = [e["name"] + (" (ref)" if e["name"] == reference else "") for e in entries]
    rows = [[label, *(fn(e) for e in entries)] for label, fn in _ROWS]
    lines = _table(["", *names], rows)
    for e in entries:
        if e["status"] != LANDED:
            lines.append(f"! {e['name']}: did not land: {e['status'].upper()}: "
                         f"{e['message']}")
    lines.append("")
    lines.append("Signs: 'to go' > 0 = landed short of the target; miss along track < 0 = "
                 "short of the reference landing; across > 0 = to the right.")
    for e in entries:
        if not e["versus_documented"]:
            continue
        flight, case = e["documented"]["flight"], e["documented"]["case"]
        lines.append("")
        lines.append(f"Documented vs simulated: {e['name']} -- "
                     f"{FLIGHT_TITLES.get(flight, flight)}, {case}")
        rows = []
        for r in e["versus_documented"]:
            if r["difference"] is None:
                diff = "-"
            elif r["kind"] == "point":
                diff = f"{r['difference']:.1f} km away"
            else:
                diff = f"{r['difference']:+.1f} {r['difference_unit']}"
            rows.append([r["label"], r["documented"], r["simulated"] or "-", diff,
                         r["source"]])
        lines.extend("  " + ln for ln in _table(["figure", "documented", "simulated",
                                                  "difference", "source"], rows))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------
def _plot(scenarios, figure):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.plotting import plot_altitude_speed, plot_g_load, plot_ground_tracks

    trajectories = {s.name: _run(s) for s in scenarios}
    target = next((s.target for s in scenarios if s.target is not None), None)
    markers = {}
    for s in scenarios:
        if s.documented is not None:
            for fig_ in DOCUMENTED[s.documented[0]][s.documented[1]]:
                if fig_.kind == "point":
                    markers[f"documented landing ({s.documented[0]})"] = fig_.value
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5), constrained_layout=True)
    plot_altitude_speed(trajectories, ax=axes[0])
    plot_g_load(trajectories, ax=axes[1])
    plot_ground_tracks(trajectories, ax=axes[2], markers=markers,
                       target=None if target is None else tuple(math.degrees(v)
                                                                for v in target))
    try:
        fig.savefig(figure)
    except (OSError, ValueError) as exc:
        raise UserError(f"{figure}: a writable image file ({exc})") from None
    finally:
        plt.close(fig)
    print(f"wrote {figure}")
    return EXIT_OK


__all__ = ["main", "SUMMARY_KEYS"]
