"""Reading an output folder back: the trajectories as written, their events, phases, epoch,
guidance history and targets."""

import json
import pathlib

import numpy as np
import pytest

from sim.config.build import load_scenario
from sim.io.outputs import OutputError, write_comparison
from sim.io.readback import is_result_folder, read_result_folder
from sim.studies.compare import compare

ROOT = pathlib.Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "entry_small.toml"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    scenarios = [
        load_scenario(SMALL),
        load_scenario(SMALL, {"name": "steep", "initial.flight_path_angle_deg": -2.0}),
    ]
    comparison = compare(scenarios)
    write_comparison(out, comparison.document(), comparison.runs)
    return out, comparison


def test_folder_read_back_gives_the_trajectories(folder):
    out, comparison = folder
    assert is_result_folder(out) and not is_result_folder(out / "nowhere")
    results = read_result_folder(out)
    assert results.document == json.loads((out / "summary.json").read_text())
    assert list(results.trajectories) == ["entry_small", "steep"]
    for run in comparison.runs:
        traj, back = run.trajectory, results.trajectories[run.scenario.name]
        assert back.columns == traj.columns
        for name in traj.columns:
            assert np.array_equal(back[name], traj[name])  # repr() in the CSV: exact
        assert back.events == traj.events  # km in the JSON and back: to 1e-12 m or so
        assert back.phase_names == traj.phase_names and back.epoch == traj.epoch
        assert back.status == traj.status and back.message == traj.message
        assert back.peaks["peak_g_time"] == pytest.approx(traj.peaks["peak_g_time"], abs=1e-9)
        assert results.targets[run.scenario.name] == run.scenario.target
        assert results.documented[run.scenario.name] is None


def test_guidance_history_is_read_back(tmp_path):
    (tmp_path / "summary.json").write_text(json.dumps({"scenarios": [], "reference": None}))
    assert read_result_folder(tmp_path).trajectories == {}
    from sim.io.readback import _guidance
    from sim.io.tables import guidance_csv

    history = {
        "time": [1.0, 2.0], "bank_command_deg": [60.0, -60.0],
        "predicted_downrange_km": [1.0, 0.5], "predicted_crossrange_km": [0.0, 0.1],
        "drag_ratio": [1.0, 1.0], "reversals": [1.5, 2.04],
    }  # fmt: skip
    path = tmp_path / "x.guidance.csv"
    path.write_text(guidance_csv("guided entry", history))
    back = _guidance(path)["guided entry"]
    assert back["reversals"] == [1.5, 2.0]  # the CSV's comment gives them to 0.1 s
    assert back["bank_command_deg"] == [60.0, -60.0] and back["time"] == [1.0, 2.0]


def test_missing_or_broken_files_are_output_errors(folder, tmp_path):
    with pytest.raises(OutputError, match="summary.json"):
        read_result_folder(tmp_path)
    out, _ = folder
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "summary.json").write_text((out / "summary.json").read_text())
    with pytest.raises(OutputError, match="entry_small.csv"):
        read_result_folder(broken)
