"""The robustness corpus: bad and hostile inputs of the ``reentry`` command line, each
with the outcome a demanding user expects (``corpus.toml``; its header describes a case).

Every case is materialised in its own ``tmp_path`` and run in-process
(``sim.cli.main(argv)``, output captured, a SIGALRM watchdog as its time limit) or, for
signals, devices, FIFOs and hard time limits, as a subprocess ``python -m sim`` of the
installed package. Checked for every case: no traceback (in-process: no exception escapes
``main``), no Python warning on stderr, an answer within its time limit; exit 2 is exactly
one stderr line ``reentry: error: ...`` and nothing on stdout; exit 0 with ``--json`` is one
JSON document (no NaN) whose scenarios each have a status and a message; then the case's
own expectation (exit code, words of the error line, JSON status, words of the report,
files). Subprocess cases, and cases marked ``slow = true`` (the TMA-11 flights), are
marked ``slow``.

Run one case with ``pytest tests/robustness -k <id>``.
"""

import pytest
from robust_checks import evaluate, run_inprocess, run_subprocess
from robust_corpus import CASES, DEFAULTS, CorpusError, command, fill, materialise


def _marks(case):
    if case.get("mode") == "subprocess" or case.get("slow", False):
        return [pytest.mark.slow]
    return []


PARAMS = [pytest.param(c, id=c["id"], marks=_marks(c)) for c in CASES]


def test_the_corpus_is_well_formed():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert len(ids) >= 150  # the issue asks for at least 150 cases
    for c in CASES:
        assert c.get("description"), c["id"]
        assert "expect" in c or "expect_any" in c, c["id"]


def _timeout(case):
    return float(case.get("timeout_s", DEFAULTS.get("timeout_s", 20)))


@pytest.mark.parametrize("case", PARAMS)
def test_case(case, tmp_path, capsys, monkeypatch):
    tmp = tmp_path / "case"
    tmp.mkdir()
    try:
        values = materialise(case, tmp)
    except CorpusError as exc:  # the corpus went stale (a base file changed)
        pytest.fail(f"[corpus error] {exc}", pytrace=False)
    argv = command(case, values)
    monkeypatch.chdir(tmp)
    if case.get("mode") == "subprocess":
        res = run_subprocess(case, argv, _timeout(case), tmp)
    else:
        res = run_inprocess(argv, _timeout(case), capsys)
    failure = evaluate(case, res, values, argv)
    then = case.get("then")
    if failure is None and then:
        argv2 = [fill(a, values) for a in then["argv"]]
        res = run_inprocess(argv2, _timeout(case), capsys)
        second = {k: v for k, v in case.items() if k not in ("expect", "expect_any")}
        failure = evaluate({**second, **then}, res, values, argv2)
        if failure:
            failure = (failure[0], "second command: " + failure[1])
    if failure is not None:
        pytest.fail(
            f"[{failure[0]}] {failure[1]}\n--- stderr (tail) ---\n{res['stderr'][-1500:]}",
            pytrace=False,
        )
