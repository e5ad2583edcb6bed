"""Campaigns: every dispersion applied, one table, failures as rows, executors that agree
bit for bit, resumption after kill -9, a stop rule."""

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from sim.core.layout import SM
from sim.studies.batch import fly_variants
from sim.studies.campaign import Campaign, run_campaign
from sim.studies.executors import DaskExecutor, ProcessExecutor
from sim.studies.table import RESULT_COLUMNS

ROOT = pathlib.Path(__file__).resolve().parents[2]
STUDIES = ROOT / "configs" / "soyuz_tma11" / "studies"


def _landing(summary):
    return np.array([summary[:, SM.final_lat], summary[:, SM.final_lon]])


@pytest.mark.parametrize("study", ["montecarlo_ballistic", "montecarlo_stuck", "montecarlo_guided"])
def test_every_dispersed_key_changes_the_flight(study):
    """A known peer samples L/D and never applies it: here each dispersed key, moved by
    its own 2-sigma-like step, must move the landing (by more than a metre: far above
    the engine's reproducibility, which is exact) or the peak load."""
    campaign = Campaign(STUDIES / f"{study}.toml", samples=10)
    packer = campaign.packer
    base = fly_variants(packer, [{}]).summary[0]
    for d in campaign.spec.dispersions:
        m = campaign.sampler.marginals[d.key]
        moved = float(m.ppf(np.array([0.95]))[0])
        row = fly_variants(packer, [{d.key: moved}]).summary[0]
        shift = np.hypot(*(_landing(row[None]) - _landing(base[None]))[:, 0]) * 6.371e6
        assert shift > 1.0 or abs(row[SM.peak_g] - base[SM.peak_g]) > 1e-4, d.key


def test_a_denser_day_or_a_bigger_burn_lands_shorter():
    campaign = Campaign(STUDIES / "montecarlo_ballistic.toml", samples=10)
    rows = campaign.packer
    res = fly_variants(
        rows, [{}, {"atmosphere.density_scale": 1.2}, {"deorbit.delta_v_m_s": 118.0}]
    )
    from sim.studies.table import result_columns

    cols = result_columns(res.summary, campaign.t0, campaign.scenario.target, campaign.reference)
    to_go = cols["downrange_to_target_km"]
    assert to_go[1] > to_go[0] + 10.0  # denser air, shorter
    assert to_go[2] > to_go[0] + 10.0  # steeper entry, shorter


def test_the_table_has_one_row_per_run_with_the_documented_columns():
    campaign = Campaign(STUDIES / "montecarlo_ballistic.toml", samples=40, seed=3)
    result = run_campaign(campaign)
    table = result.table
    assert list(table["run"]) == list(range(40))
    for key in campaign.sampler.keys:
        assert table[key].shape == (40,)
    for name in RESULT_COLUMNS:
        assert table[name].shape == (40,), name
    assert set(table["status"]) == {"landed"}
    # the inputs of the table are those the sampler draws for those runs
    values = campaign.sampler.values(np.arange(40))
    assert np.array_equal(table["atmosphere.density_scale"], values["atmosphere.density_scale"])
    # the misses from the undispersed run: zero when nothing is dispersed
    again = fly_variants(campaign.packer, [{}])
    from sim.studies.table import result_columns

    zero = result_columns(again.summary, campaign.t0, campaign.scenario.target, campaign.reference)
    assert zero["miss_from_nominal_km"][0] == pytest.approx(0.0, abs=1e-9)


def test_a_variant_that_cannot_be_built_is_a_row_with_its_reason(tmp_path):
    study = tmp_path / "grid.toml"
    base = (ROOT / "configs" / "soyuz_tma11" / "ballistic.toml").as_posix()
    study.write_text(f'''extends = "{base}"
name = "grid"
[study]
kind = "grid"
[sweep]
"vehicles.descent_module.mass_kg" = [2900, -5, 3000]
''')
    result = run_campaign(Campaign(study))
    status, message = result.table["status"], result.table["message"]
    assert list(status) == ["landed", "invalid", "landed"]
    assert "vehicles.descent_module.mass_kg" in message[1] and "> 0" in message[1]
    assert np.isnan(result.table["peak_g"][1])


def test_a_stop_rule_stops_when_its_interval_is_narrow_enough():
    from dataclasses import replace

    from sim.config.study import StopRule

    campaign = Campaign(STUDIES / "montecarlo_ballistic.toml", samples=200)
    campaign.spec = replace(campaign.spec, batch_size=100, stop=StopRule("peak_g", 0.5, 0.2, 2000))
    result = run_campaign(campaign)
    assert result.stop["met"] and result.stop["ci_width"] <= 0.2
    assert len(result.table["run"]) < 2000  # stopped before the maximum
    strict = replace(campaign.spec, stop=StopRule("peak_g", 0.5, 1e-6, 300))
    campaign.spec = strict
    result = run_campaign(campaign)
    assert not result.stop["met"] and len(result.table["run"]) == 300  # reports the miss


@pytest.mark.slow
@pytest.mark.parametrize(
    "executor", [ProcessExecutor(2), DaskExecutor(None, 2)], ids=["processes", "dask"]
)
def test_executors_give_the_serial_table_bit_for_bit(executor):
    campaign = Campaign(STUDIES / "montecarlo_stuck.toml", samples=300)
    from dataclasses import replace

    campaign.spec = replace(campaign.spec, batch_size=75)
    serial = run_campaign(campaign).table
    other = run_campaign(campaign, executor=executor).table
    assert other.keys() == serial.keys()
    for name, column in serial.items():
        if name.startswith("wall_"):
            continue
        if column.dtype == object:
            assert list(other[name]) == list(column), name
        else:
            np.testing.assert_array_equal(other[name], column, err_msg=name)


@pytest.mark.slow
def test_a_killed_campaign_resumes_without_losing_or_repeating_runs(tmp_path):
    """kill -9 in the middle of a real `reentry sweep --out`, then --resume: the final
    table equals an uninterrupted campaign's, and no temporary file is left."""
    study = STUDIES / "montecarlo_ballistic.toml"
    args = [
        sys.executable,
        "-m",
        "sim",
        "sweep",
        str(study),
        "--samples",
        "4000",
        "--set",
        "study.batch_size=250",
        "--quiet",
        "--json",
    ]
    env = {**os.environ}
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [*args, "--out", str(out)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    shards = out / ".shards"
    # generous: a cold compiled-code cache on a loaded machine takes minutes to compile
    deadline = time.time() + 900
    while time.time() < deadline and len(list(shards.glob("runs-*.parquet"))) < 3:
        assert proc.poll() is None, "the sweep ended before it could be killed"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(list(shards.glob("runs-*.parquet")))
    assert 3 <= done_before < 16, done_before  # killed in the middle
    assert not (out / "runs.parquet").exists()
    resumed = subprocess.run(
        [*args, "--out", str(out), "--resume"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    record = json.loads(resumed.stdout)
    assert record["resumed_runs"] == 250 * done_before
    whole = tmp_path / "whole"
    subprocess.run([*args, "--out", str(whole)], env=env, cwd=ROOT, capture_output=True, check=True)
    from sim.io.tables import read_parquet

    a, b = read_parquet(out / "runs.parquet"), read_parquet(whole / "runs.parquet")
    assert list(a["run"]) == list(range(4000))
    for name in a:
        if not name.startswith("wall_"):
            assert (
                list(a[name]) == list(b[name])
                if a[name].dtype == object
                else np.array_equal(a[name], b[name], equal_nan=True)
            ), name
    leftovers = [p for p in out.rglob("*") if p.name.startswith(".tmp-") or ".shards" in str(p)]
    assert leftovers == []


def test_fixed_burn_false_plans_every_run_with_its_own_values():
    """The reference bank is the planners' assumption only: with the burn fixed, runs that
    differ in it would all fly the undispersed flight, so the study is refused (naming the
    key); planned per run, their burns differ."""
    from sim.config.errors import ScenarioError
    from sim.studies.design import grid

    nominal = ROOT / "configs" / "soyuz_tma11" / "nominal.toml"
    axes = {"targeting.reference_bank_deg": [45.0, 65.0]}
    with pytest.raises(ScenarioError) as refused:
        Campaign(nominal, study=grid(axes))
    assert refused.value.key == "sweep: targeting.reference_bank_deg"
    planned = run_campaign(Campaign(nominal, study=grid(axes, fixed_burn=False))).table
    assert abs(planned["peak_g"][0] - planned["peak_g"][1]) > 0.01
    # each plan still brings the guided capsule to the target
    # (the nominal accuracy, 10 km; measured 3.6 and 7.8 km)
    assert np.all(planned["distance_to_target_km"] < 10.0), planned["distance_to_target_km"]


def test_a_study_declared_in_python_is_the_study_of_a_file(tmp_path):
    """monte_carlo(...) gives the tables a file would hold: the same runs."""
    from sim.config.tree import dump_config
    from sim.studies.design import monte_carlo, normal

    study = monte_carlo(
        {
            "atmosphere.density_scale": normal(std=0.1),
            "vehicles.descent_module.mass_kg": normal(std_rel=0.01),
        },
        samples=20,
        seed=5,
    )
    ballistic = ROOT / "configs" / "soyuz_tma11" / "ballistic.toml"
    in_python = run_campaign(Campaign(ballistic, study=study)).table
    path = tmp_path / "study.toml"
    path.write_text(f'extends = "{ballistic.as_posix()}"\n' + dump_config(study))
    from_file = run_campaign(Campaign(path)).table
    for column in ("atmosphere.density_scale", "peak_g", "landing_lat_deg"):
        np.testing.assert_array_equal(in_python[column], from_file[column])
    # it replaces a study file's own tables
    replaced = run_campaign(Campaign(STUDIES / "montecarlo_ballistic.toml", study=study)).table
    assert "deorbit.delta_v_m_s" not in replaced
    np.testing.assert_array_equal(replaced["peak_g"], in_python["peak_g"])


def test_a_swept_target_is_steered_to_and_measured_from():
    """The target is the flight computer's: from the one planned burn the guidance
    steers to each run's own target (a footprint of reachable targets), and each run's
    distance is measured from its own target, not the scenario's (which is 21-36 km from
    these). Measured: 0.5-2.5 km; the tolerance is the issue's nominal accuracy."""
    from sim.models.geodesy import geodesic_inverse
    from sim.studies.design import grid

    nominal = ROOT / "configs" / "soyuz_tma11" / "nominal.toml"
    axes = {"target.latitude_deg": [50.8, 51.3], "target.longitude_deg": [66.9, 67.6]}
    t = run_campaign(Campaign(nominal, study=grid(axes))).table
    assert list(t["status"]) == ["landed"] * 4
    for i in range(4):
        lat, lon = t["landing_lat_deg"][i], t["landing_lon_deg"][i]
        own = geodesic_inverse(lat, lon, t["target.latitude_deg"][i], t["target.longitude_deg"][i])
        assert t["distance_to_target_km"][i] == pytest.approx(own[0] / 1e3, rel=1e-9)
        assert t["distance_to_target_km"][i] < 10.0


def test_a_key_is_judged_on_all_its_values_not_the_first_runs():
    """A grid axis whose first value is the scenario's default fills the first runs (the
    first axis varies slowest), and a rare choice may not appear in them: both keys change
    the flight in later runs, so both studies stand."""
    from sim.studies.design import choice, grid, monte_carlo

    nominal = ROOT / "configs" / "soyuz_tma11" / "nominal.toml"
    axes = {
        "phases.1.control.load_limit_g": [5.0, 0.0],
        "atmosphere.density_scale": list(np.linspace(0.8, 1.2, 65)),
    }
    assert Campaign(nominal, study=grid(axes)).size() == 130
    rare = {"phases.1.control.load_limit_g": choice([5.0, 0.0], weights=[0.99, 0.01])}
    assert Campaign(nominal, study=monte_carlo(rare, samples=200)).size() == 200


def test_an_axis_no_value_of_which_can_be_flown_is_the_builders_error():
    """Phase 1 of the stuck-service-module descent has no guidance: a load limit there is
    an error naming the study's key and what the builder expected, before any run."""
    from sim.config.errors import ScenarioError
    from sim.studies.design import grid

    stuck = ROOT / "configs" / "soyuz_tma11" / "stuck_service_module.toml"
    with pytest.raises(ScenarioError) as refused:
        Campaign(stuck, study=grid({"phases.1.control.load_limit_g": [4.0, 6.0]}))
    assert refused.value.key == "sweep: phases.1.control.load_limit_g"
    assert str(stuck) in str(refused.value)


def test_a_target_that_is_not_a_number_is_an_invalid_run():
    from sim.studies.design import grid

    nominal = ROOT / "configs" / "soyuz_tma11" / "nominal.toml"
    t = run_campaign(Campaign(nominal, study=grid({"target.latitude_deg": [51.0, "north"]}))).table
    assert list(t["status"]) == ["landed", "invalid"]
    assert "target.latitude_deg" in t["message"][1]
    assert t["distance_to_target_km"][0] < 10.0 and np.isnan(t["distance_to_target_km"][1])


def test_a_refused_resume_says_what_changed(tmp_path):
    """The folder's checkpoints are of 200 runs: resuming them as 100 is refused, and the
    error names the setting and both values (it said only "another configuration")."""
    from sim.config.errors import ScenarioError
    from sim.studies.checkpoints import Store

    study = STUDIES / "montecarlo_ballistic.toml"
    Store(tmp_path / "out", Campaign(study, samples=200), resume=False)  # as a stopped run
    with pytest.raises(ScenarioError) as refused:
        Store(tmp_path / "out", Campaign(study, samples=100), resume=True)
    assert "samples: 200 in the folder, 100 now" in str(refused.value)
    assert "seed" not in str(refused.value)  # only what differs
    Store(tmp_path / "out", Campaign(study, samples=200), resume=True)  # the same: resumes
    with pytest.raises(ScenarioError) as refused:
        Store(
            tmp_path / "out",
            Campaign(study, {"atmosphere.density_scale": 1.1}, samples=200),
            resume=True,
        )
    assert "the scenario's configuration" in str(refused.value)


def test_another_campaigns_finished_results_are_not_replaced_unasked(tmp_path):
    """A folder holding a finished campaign is not replaced by another one (the results
    would be lost): the error names the campaign and what differs, and the files stay as
    they were; the same campaign again remakes the same table; ``overwrite`` replaces."""
    from sim.config.errors import ScenarioError

    study = STUDIES / "montecarlo_ballistic.toml"
    out = tmp_path / "out"
    first = run_campaign(Campaign(study, samples=20), out=out)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    recorded = json.loads((out / "study.json").read_text())
    assert recorded["settings"]["samples"] == "20" and len(recorded["fingerprint"]) == 20
    with pytest.raises(ScenarioError) as refused:
        run_campaign(Campaign(study, samples=30), out=out)
    message = str(refused.value)
    assert "'montecarlo_ballistic' (20 runs; samples: 20 in the folder, 30 now)" in message
    assert "--overwrite" in message
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    with pytest.raises(
        ScenarioError, match=r"20 runs; another file, .*montecarlo_ballistic\.toml\)"
    ):
        run_campaign(Campaign(STUDIES / "montecarlo_stuck.toml", samples=5), out=out)
    again = run_campaign(Campaign(study, samples=20), out=out)  # the same campaign
    assert np.array_equal(again.table["peak_g"], first.table["peak_g"])
    replaced = run_campaign(Campaign(study, samples=30), out=out, overwrite=True)
    assert len(replaced.table["run"]) == 30
    assert json.loads((out / "study.json").read_text())["runs"] == 30


def test_another_campaigns_checkpoints_are_not_removed_unasked(tmp_path):
    """The checkpoints of another campaign that stopped on its way are results too: a
    campaign started into its folder (not resuming) is refused, naming what differs;
    the stopped campaign itself may start again; a record without a fingerprint (an
    earlier version's) is said to be one."""
    from sim.config.errors import ScenarioError
    from sim.studies.checkpoints import Store

    study = STUDIES / "montecarlo_ballistic.toml"
    out = tmp_path / "out"
    stopped = Store(out, Campaign(study, samples=40, seed=7), resume=False)
    stopped.add({"run": np.arange(10), "peak_g": np.ones(10)})  # one batch, then killed
    with pytest.raises(ScenarioError) as refused:
        Store(out, Campaign(study, samples=40), resume=False)
    message = str(refused.value)
    assert "checkpoints of an unfinished campaign (1 batch done; seed: 7" in message
    assert "--resume it" in message and "--overwrite" in message
    assert (out / ".shards" / "runs-000000000-000000009.parquet").exists()
    Store(out, Campaign(study, samples=40, seed=7), resume=False)  # itself: starts afresh
    assert not list((out / ".shards").glob("runs-*.parquet"))
    (out / "runs.parquet").write_bytes(b"")  # a finished table of an earlier version
    (out / "study.json").write_text(json.dumps({"name": "old", "runs": 5}))
    with pytest.raises(ScenarioError, match="'old' .5 runs; recorded by an earlier version"):
        Store(out, Campaign(study, samples=40), resume=False)
    Store(out, Campaign(study, samples=40), resume=False, overwrite=True)


def test_the_study_record_is_made_once_for_study_json_and_the_command_line(tmp_path, monkeypatch):
    """study.json and `reentry sweep --json` say the same of a campaign, its footprint's
    statistics computed once; the record handed out is a copy; another campaign object's
    record is made anew."""
    from sim.studies import report

    calls = []
    footprint_block = report.footprint_block
    monkeypatch.setattr(
        report, "footprint_block", lambda *a, **k: calls.append(1) or footprint_block(*a, **k)
    )
    study = STUDIES / "montecarlo_ballistic.toml"
    campaign = Campaign(study, samples=30)
    out = tmp_path / "out"
    result = run_campaign(campaign, out=out)
    table = str(out / "runs.parquet")
    record = report.study_record(campaign, result, table_path=table)
    saved = json.loads((out / "study.json").read_text())
    assert {k: v for k, v in saved.items() if k not in ("fingerprint", "settings")} == (
        json.loads(json.dumps(record))
    )
    assert len(calls) == 1
    record["footprint"]["mean_lat_deg"] = 0.0
    again = report.study_record(campaign, result, table_path=table)
    assert again["footprint"]["mean_lat_deg"] == saved["footprint"]["mean_lat_deg"] != 0.0
    assert len(calls) == 1
    report.study_record(Campaign(study, samples=30), result, table_path=table)
    assert len(calls) == 2
