"""Running a corpus case (in-process through ``sim.cli.main``, or as a subprocess
``python -m sim`` for signals, devices, FIFOs and hard time limits) and checking its
outcome against the case's expectation. Used by ``test_corpus.py``."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import traceback
import warnings
from pathlib import Path

from robust_corpus import DEFAULTS, fill

#: an error line longer than this is no longer a message (it echoes the hostile input)
MAX_ERROR_CHARS = 2000

#: keys of a JSON scenario entry that are not part of the "report" searched by
#: report_contains (they echo the input or are plain numbers)
_STATIC_KEYS = {
    "name",
    "file",
    "description",
    "reference",
    "documented",
    "versus_documented",
    "targeting",
}


# ---------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------
class _Timeout(BaseException):
    """Raised by the SIGALRM watchdog (a BaseException: `except Exception` cannot eat it)."""


@contextlib.contextmanager
def _watchdog(seconds):
    def on_alarm(signum, frame):
        raise _Timeout()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_inprocess(argv, timeout, capsys):
    from sim.cli import main

    capsys.readouterr()
    code, timed_out, tb = None, False, ""
    t0 = time.monotonic()
    with warnings.catch_warnings(record=True) as caught:
        # what the interpreter shows a command-line user by default
        warnings.simplefilter("default")
        for cat in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
            warnings.simplefilter("ignore", cat)
        try:
            with _watchdog(timeout):
                code = main(argv)
        except _Timeout:
            timed_out = True
        except SystemExit as exc:  # what the interpreter would do with it
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # an uncaught exception: the user would see this
            tb = traceback.format_exc()
            code = 1
    elapsed = time.monotonic() - t0
    out, err = capsys.readouterr()
    shown = [warnings.formatwarning(w.message, w.category, w.filename, w.lineno) for w in caught]
    err = err + "".join(shown) + tb
    return {"exit": code, "stdout": out, "stderr": err, "elapsed": elapsed, "timed_out": timed_out}


def _env():
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    return env


def run_subprocess(case, argv, timeout, cwd):
    sig = case.get("signal")
    limit_mb = case.get("memory_limit_mb", DEFAULTS.get("memory_limit_mb", 3000))

    def limits():
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit_mb * 2**20, limit_mb * 2**20))

    stdout_target = subprocess.PIPE
    if case.get("stdout") == "full":
        stdout_target = open("/dev/full", "w")  # noqa: SIM115 (closed in the finally)
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", *argv],
        cwd=cwd,
        env=_env(),
        stdin=subprocess.DEVNULL,
        stdout=stdout_target,
        stderr=subprocess.PIPE,
        preexec_fn=limits,
    )
    if case.get("stdout") == "closed":
        proc.stdout.close()
    timed_out = False
    try:
        if sig:
            try:
                proc.wait(timeout=sig["after_s"])
            except subprocess.TimeoutExpired:
                proc.send_signal(getattr(signal, sig["name"]))
            t_sig = time.monotonic()
            out, err = _communicate(proc, sig.get("exit_within_s", 10), case)
            elapsed = time.monotonic() - t_sig
        else:
            out, err = _communicate(proc, timeout, case)
            elapsed = time.monotonic() - t0
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = _communicate(proc, 10, case)
        timed_out = True
        elapsed = time.monotonic() - t0
    finally:
        if case.get("stdout") == "full":
            stdout_target.close()
    return {
        "exit": proc.returncode,
        "stdout": out,
        "stderr": err,
        "elapsed": elapsed,
        "timed_out": timed_out,
    }


def _communicate(proc, timeout, case):
    if case.get("stdout") in ("closed", "full"):
        err = proc.communicate(timeout=timeout)[1]
        out = b""
    else:
        out, err = proc.communicate(timeout=timeout)
    return (out or b"").decode("utf-8", "replace"), (err or b"").decode("utf-8", "replace")


# ---------------------------------------------------------------------------------------
# Checking
# ---------------------------------------------------------------------------------------
def _lines(text):
    return [ln for ln in text.splitlines() if ln.strip()]


def _json_doc(stdout):
    def no_nan(name):
        raise ValueError(f"{name} in the JSON output")

    return json.loads(stdout, parse_constant=no_nan)


def _report_text(entry):
    parts = {k: v for k, v in entry.items() if k not in _STATIC_KEYS}
    return json.dumps(parts).lower()


def check_generic(case, res):
    """Problems every case must avoid, whatever its expectation: (class, text) or None."""
    err = res["stderr"]
    if res["timed_out"]:
        sig = case.get("signal")
        if sig:
            return "hang", (
                f"still running {sig.get('exit_within_s', 10):g} s after {sig['name']} (killed)"
            )
        return "hang", f"no answer within {case_timeout(case):g} s"
    if "Traceback" in err or "Traceback" in res["stdout"]:
        last = [ln for ln in _lines(err) if not ln.startswith(" ")][-1:] or ["?"]
        return "traceback", f"exit {res['exit']}, traceback: {last[0][:200]}"
    if res["exit"] == 0:
        # warnings, and the line of a command that says which files it wrote
        noise = [ln for ln in _lines(err) if not ln.startswith(("reentry: warning: ", "wrote "))]
        if noise:
            return "other", f"exit 0 but stray stderr: {noise[0][:200]}"
    elif res["exit"] == 2:
        lines = _lines(err)
        if len(lines) != 1 or not lines[0].startswith("reentry: error: "):
            first = lines[0][:160] if lines else "(nothing)"
            return "misleading message", (
                f"exit 2 but {len(lines)} stderr lines, not one 'reentry: error: ...' line: {first}"
            )
        if len(lines[0]) > MAX_ERROR_CHARS:
            return "misleading message", (
                f"exit 2 but the error line is {len(lines[0]):,} "
                f"characters long: {lines[0][:160]}..."
            )
        if res["stdout"].strip():
            return "other", "exit 2 with output on stdout"
    return None


def check_expectation(exp, res, values, case):
    """Problems of one expectation alternative: list of (class, text)."""
    problems = []
    code = res["exit"]
    want_codes = exp.get("exit_in", [exp["exit"]] if "exit" in exp else None)
    err = res["stderr"]
    err_l = err.lower()
    summary = _lines(err)[0][:240] if _lines(err) else ""
    if want_codes is not None and code not in want_codes:
        if code == 0 and 0 not in want_codes:
            problems.append(("wrong success", f"exit 0, expected {want_codes}"))
        else:
            problems.append(("other", f"exit {code}, expected {want_codes}: {summary}"))
        return problems
    missing = [s for s in exp.get("stderr_contains", []) if fill(s, values).lower() not in err_l]
    if missing:
        problems.append(("misleading message", f"stderr lacks {missing}: {summary}"))
    any_ = exp.get("stderr_any")
    if any_ and not any(fill(s, values).lower() in err_l for s in any_):
        problems.append(("misleading message", f"stderr has none of {any_}: {summary}"))
    for s in exp.get("stderr_lacks", []):
        if fill(s, values).lower() in err_l:
            problems.append(("misleading message", f"stderr says {s!r}: {summary}"))
    for s in exp.get("stdout_contains", []):
        if fill(s, values).lower() not in res["stdout"].lower():
            problems.append(("other", f"stdout lacks {s!r}"))
    wants_json = any(
        k in exp for k in ("status", "status_in", "status_not", "report_contains", "report_any")
    )
    if wants_json and code == 0 and case.get("stdout") not in ("closed", "full"):
        try:
            doc = _json_doc(res["stdout"])
            entries = doc["scenarios"]
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(("other", f"stdout is not the JSON document ({exc})"))
            return problems
        for entry in entries:
            status = entry.get("status")
            msg = f"status {status!r}: {entry.get('message')}"
            if "status" in exp and status != exp["status"]:
                problems.append(
                    (
                        "wrong success" if status == "landed" else "other",
                        f"{msg} (expected {exp['status']!r})",
                    )
                )
            if "status_in" in exp and status not in exp["status_in"]:
                problems.append(
                    (
                        "wrong success" if status == "landed" else "other",
                        f"{msg} (expected one of {exp['status_in']})",
                    )
                )
            if "status_not" in exp and status in exp["status_not"]:
                problems.append(("wrong success", f"{msg} (expected not {exp['status_not']})"))
            report = _report_text(entry)
            gone = [w for w in exp.get("report_contains", []) if w.lower() not in report]
            if gone:
                problems.append(
                    (
                        "misleading message" if not problems else problems[0][0],
                        f"{msg}; the report does not mention {gone}",
                    )
                )
            if exp.get("report_any") and not any(w.lower() in report for w in exp["report_any"]):
                problems.append(
                    (
                        "misleading message" if not problems else problems[0][0],
                        f"{msg}; the report mentions none of {exp['report_any']}",
                    )
                )
    for rel in exp.get("files_exist", []):
        if not Path(fill(rel, values)).exists():
            problems.append(("other", f"missing output file {fill(rel, values)}"))
    for pattern in exp.get("no_files_matching", []):
        found = list(Path(values["tmp"]).glob(fill(pattern, values)))
        if found:
            problems.append(("other", f"left behind {[str(f) for f in found][:3]}"))
    if "max_elapsed_s" in exp and res["elapsed"] > exp["max_elapsed_s"]:
        problems.append(
            ("other", f"answered late: {res['elapsed']:.1f} s (> {exp['max_elapsed_s']} s)")
        )
    return problems


def json_sanity(res, argv, case):
    """exit 0 with --json: one JSON document, a status and a message per scenario."""
    if res["exit"] != 0 or "--json" not in argv or case.get("stdout") in ("closed", "full"):
        return None
    try:
        doc = _json_doc(res["stdout"])
        if argv[0] in ("sweep", "calibrate", "bench") and isinstance(doc, dict):
            return None  # a study's record, not a comparison's scenarios
        for e in doc["scenarios"]:
            if not e.get("status") or not e.get("message"):
                return "other", f"scenario {e.get('name')} without status or message"
    except (ValueError, KeyError, TypeError) as exc:
        return "other", f"exit 0 but stdout is not one JSON document ({exc})"
    return None


def case_timeout(case):
    return float(case.get("timeout_s", DEFAULTS.get("timeout_s", 20)))


def evaluate(case, res, values, argv):
    """(failure class, text) or None when the case passes."""
    generic = check_generic(case, res)
    if generic:
        return generic
    alternatives = case.get("expect_any") or [case["expect"]]
    results = [check_expectation(exp, res, values, case) for exp in alternatives]
    if any(not r for r in results):
        return json_sanity(res, argv, case)
    # report the alternative that came closest: one whose exit status matched if any
    # (fewest problems; the first on a tie)

    def distance(k):
        exp = alternatives[k]
        codes = exp.get("exit_in", [exp["exit"]] if "exit" in exp else [res["exit"]])
        return (res["exit"] not in codes, len(results[k]))

    k_best = min(range(len(results)), key=distance)
    best = results[k_best]
    classes = [c for c, _ in best]
    # exit 0 where an error was one of the acceptable answers, and the success fell
    # short (silent extrapolation, a status or a file the user was not told about):
    # a wrong success
    exp = alternatives[k_best]
    error_allowed = any(a.get("exit", 0) == 2 or 2 in a.get("exit_in", []) for a in alternatives)
    if res["exit"] == 0 and 0 in exp.get("exit_in", [exp.get("exit", 0)]) and error_allowed:
        return "wrong success", "; ".join(t for _, t in best)
    for cls in ("wrong success", "misleading message", "hang", "other"):
        if cls in classes:
            return cls, "; ".join(t for _, t in best)
    return best[0]
