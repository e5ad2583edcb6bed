import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PARTIAL = '''
import os
import struct
import sys
import time


def partial_send(marker):
    """Write the start of a result message into the pool's result pipe, as a worker
    terminated in the middle of sending a large result leaves it, and wait."""
    frame = sys._getframe()
    while frame is not None and "result_queue" not in frame.f_locals:
        frame = frame.f_back
    writer = frame.f_locals["result_queue"]._writer
    os.write(writer.fileno(), struct.pack("!i", 1 << 20) + b"partial")  # 7 bytes of 1 MiB
    open(marker, "w").close()
    time.sleep(120)
'''

_SCRIPT = """
import multiprocessing, os, sys, time
from concurrent.futures import ProcessPoolExecutor
import partial
from sim.studies.executors import stop_pool

marker = os.path.join(sys.argv[1], "sent")
pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
pool.submit(partial.partial_send, marker)
while not os.path.exists(marker):
    time.sleep(0.02)
time.sleep(0.2)  # the pool's reader is now waiting for the rest of the message
start = time.monotonic()
stop_pool(pool)
print(f"{time.monotonic() - start:.2f}")
"""


def test_stopping_the_pool_does_not_wait_for_a_result_cut_short(tmp_path):
    """A worker terminated while it sent a result leaves part of a message in the pipe:
    stopping the pool (Ctrl-C during a study on worker processes) still ends at once
    instead of waiting for the rest forever (one Ctrl-C in fifteen hung before)."""
    (tmp_path / "partial.py").write_text(_PARTIAL)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    try:
        r = subprocess.run(
            [sys.executable, "-c", _SCRIPT, str(tmp_path)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=60,
        )
    except subprocess.TimeoutExpired as e:
        raise AssertionError("stopping the pool hung on the partial message") from e
    assert r.returncode == 0, r.stderr
    assert float(r.stdout) < 10.0  # the worker's termination and the joins
