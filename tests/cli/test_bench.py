"""``reentry bench``: its errors, and (slow) a real run's keys and accuracy figures.

The speed figures are printed, never asserted (a shared machine's timing is noise to a
test); the accuracy figures are properties of the engine and are held to their targets.
"""

import json
import pathlib

import pytest

from sim.cli import main
from sim.studies.bench import TARGETS, finite, format_bench

ROOT = pathlib.Path(__file__).resolve().parents[2]
KEYS = {
    "single_ms",
    "single_reference_ms",
    "guided_ms",
    "guided_reference_ms",
    "landing_error_m",
    "mc_landing_error_m",
    "guided_landing_error_m",
    "peak_g_error",
    "mc_runs_per_s",
    "guided_mc_runs_per_s",
    "mc_reference_runs_per_s",
    "import_s",
    "memory_mb_per_1000_runs",
    "memory_mb_100k_runs",
    "peak_rss_mb_10k_runs",
    "targets",
    "machine",
}


def test_a_missing_folder_is_a_user_error(capsys, tmp_path):
    assert main(["bench", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "nowhere" in err and "not found" in err and "Traceback" not in err


def test_a_folder_without_the_tma11_scenarios_is_a_user_error(capsys, tmp_path):
    (tmp_path / "nominal.toml").write_text('name = "nominal"\n')
    assert main(["bench", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "ballistic.toml" in err and "montecarlo_guided.toml" in err


@pytest.mark.slow
def test_bench_reports_every_figure_and_the_engine_is_accurate(capsys):
    assert main(["bench", str(ROOT / "configs" / "soyuz_tma11"), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert set(figures) == KEYS
    assert finite(figures)
    assert set(figures["targets"]) == set(TARGETS)
    # accuracy against solve_ivp at rtol 1e-12: the engine's stated 10 m and 0.01 g
    assert figures["landing_error_m"] <= TARGETS["landing_error_m"][1]
    assert figures["mc_landing_error_m"] <= TARGETS["mc_landing_error_m"][1]
    assert figures["peak_g_error"] <= TARGETS["peak_g_error"][1]
    # both paths measured: the reference exists and took time
    assert figures["single_reference_ms"] > 0 and figures["guided_reference_ms"] > 0
    # the guided nominal as shipped: within the corrector's 200 m tolerance on either engine
    assert figures["guided_landing_error_m"] <= 200.0
    text = format_bench(figures)
    for label in ("ballistic descent [ms]", "guided Monte Carlo [runs/s]", "vs rtol=1e-12"):
        assert label in text
