"""``reentry sweep``: the JSON interface, the files, reproducibility and user errors."""

import csv
import json
import pathlib

import numpy as np
import pytest

from sim.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[2]
STUDIES = ROOT / "configs" / "soyuz_tma11" / "studies"
BALLISTIC_MC = STUDIES / "montecarlo_ballistic.toml"

#: The stable keys of ``reentry sweep --json`` (the interface scripts depend on).
RECORD_KEYS = {
    "runs",
    "failed",
    "runs_per_s",
    "footprint",
    "columns",
    "table",
    "resumed_runs",
    "executor",
}
FOOTPRINT_KEYS = {
    "mean_lat_deg",
    "mean_lon_deg",
    "ellipse_99_7_semi_major_km",
    "ellipse_99_7_semi_minor_km",
    "ellipse_99_7_azimuth_deg",
    "downrange_p05_km",
    "downrange_p95_km",
}
COLUMN_KEYS = {"mean", "std", "p05", "p50", "p95"}


def _sweep(capsys, *argv):
    code = main(["sweep", *[str(a) for a in argv]])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """300 runs of the shipped ballistic Monte Carlo, written to a folder."""
    import contextlib
    import io

    out = tmp_path_factory.mktemp("sweep") / "mc"
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(
            ["sweep", str(BALLISTIC_MC), "--samples", "300", "--quiet", "--json", "--out", str(out)]
        )
    assert code == 0
    return json.loads(buffer.getvalue()), out


def _csv_columns(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return {k: [r[k] for r in rows] for k in rows[0]}


def test_the_json_has_its_stable_keys(swept):
    record, out = swept
    assert RECORD_KEYS <= record.keys()
    assert FOOTPRINT_KEYS <= record["footprint"].keys()
    for name in ("peak_g", "distance_to_target_km", "flight_time_s"):
        assert COLUMN_KEYS <= record["columns"][name].keys()
    assert record["runs"] == 300 and record["failed"] == 0
    assert record["resumed_runs"] == 0 and record["executor"] == "serial"
    assert record["runs_per_s"] > 0
    assert pathlib.Path(record["table"]) == out / "runs.parquet"


def test_the_folder_holds_the_table_the_record_and_the_resolved_study(swept):
    record, out = swept
    for name in ("runs.parquet", "runs.csv", "study.json", "study.resolved.toml"):
        assert (out / name).is_file(), name
    assert not (out / ".shards").exists()  # checkpoints removed once the table is whole
    assert json.loads((out / "study.json").read_text())["runs"] == record["runs"]
    import pyarrow.parquet as pq

    parquet = pq.read_table(out / "runs.parquet").to_pydict()
    text = _csv_columns(out / "runs.csv")
    assert parquet["run"] == list(range(300))
    np.testing.assert_allclose(np.array(text["peak_g"], float), parquet["peak_g"], rtol=1e-15)


def test_the_statistics_are_those_of_the_table(swept):
    """Recomputed with numpy from runs.csv: the record summarises the table it wrote."""
    record, out = swept
    table = _csv_columns(out / "runs.csv")
    peak = np.array(table["peak_g"], float)
    stats = record["columns"]["peak_g"]
    assert stats["mean"] == pytest.approx(peak.mean(), rel=1e-12)
    assert stats["std"] == pytest.approx(peak.std(ddof=1), rel=1e-12)
    for q in (5, 50, 95):
        assert stats[f"p{q:02d}"] == pytest.approx(np.percentile(peak, q), rel=1e-12)
    down = np.array(table["downrange_to_target_km"], float)
    fp = record["footprint"]
    assert fp["downrange_p05_km"] == pytest.approx(np.quantile(down, 0.05), rel=1e-12)
    # The footprint's mean is the geodesic (Karcher) mean: the point about which the
    # landings' geodesic offsets (an azimuthal equidistant projection, pyproj) average to
    # zero. 50 m against a spread of tens of km: the mean's iteration tolerance and the
    # float precision of the projection are far below it.
    from pyproj import Proj

    lat = np.array(table["landing_lat_deg"], float)
    lon = np.array(table["landing_lon_deg"], float)
    aeqd = Proj(proj="aeqd", lat_0=fp["mean_lat_deg"], lon_0=fp["mean_lon_deg"], ellps="WGS84")
    x, y = aeqd(lon, lat)
    assert abs(x.mean()) < 50 and abs(y.mean()) < 50, (x.mean(), y.mean())
    assert np.hypot(x, y).max() > 10e3  # a spread to average over
    assert fp["ellipse_99_7_semi_major_km"] >= fp["ellipse_99_7_semi_minor_km"] > 0
    assert 0 <= fp["ellipse_99_7_azimuth_deg"] < 180


def test_one_seed_gives_one_table_and_another_seed_another(capsys):
    args = [BALLISTIC_MC, "--samples", "40", "--quiet", "--json"]
    a = json.loads(_sweep(capsys, *args, "--seed", "7")[1])
    b = json.loads(_sweep(capsys, *args, "--seed", "7")[1])
    c = json.loads(_sweep(capsys, *args, "--seed", "8")[1])
    assert a["columns"]["peak_g"] == b["columns"]["peak_g"]
    assert a["footprint"] == b["footprint"]
    assert a["columns"]["peak_g"]["mean"] != c["columns"]["peak_g"]["mean"]


def test_the_text_names_the_footprint_and_the_statistics(capsys):
    code, out, err = _sweep(capsys, BALLISTIC_MC, "--samples", "40", "--quiet")
    assert code == 0
    assert "40 runs (montecarlo, seed 2008)" in out
    assert "99.73 % ellipse" in out and "peak load [g]" in out


def test_the_text_names_only_truncations_that_can_matter(capsys, tmp_path):
    """The shipped studies' truncations remove 4e-11 to 3e-89 of probability: not named
    (they are in the JSON); a mass whose normal reaches zero at 2 sigma (0.023) is."""
    code, out, err = _sweep(capsys, BALLISTIC_MC, "--samples", "10", "--quiet", "--json")
    truncated = json.loads(out)["truncated"]
    assert truncated and max(truncated.values()) < 1e-9  # measured at most 4e-11
    code, out, err = _sweep(capsys, BALLISTIC_MC, "--samples", "10", "--quiet")
    assert code == 0 and "Truncated" not in out
    study = tmp_path / "study.toml"
    study.write_text(
        f'extends = "{NOMINAL}"\n'
        + MC
        + '[dispersions]\n"atmosphere.density_scale" = { distribution = "normal", std = 0.5 }\n'
        + '"vehicles.descent_module.drag_coefficient" = '
        + '{ distribution = "normal", std_rel = 0.05 }\n'
    )
    code, out, err = _sweep(capsys, study, "--quiet")
    assert code == 0, err
    line = next(t for t in out.splitlines() if t.startswith("Truncated"))
    assert "atmosphere.density_scale 0.023" in line  # Phi(-2) = 0.0228
    assert "drag_coefficient" not in line and "(and 1 more below 1e-09, in the JSON)" in line


def _one_line_error(capsys, *argv):
    code, out, err = _sweep(capsys, *argv)
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reentry: error: "), err
    assert "Traceback" not in err
    return lines[0]


def test_bad_flags_are_user_errors(capsys, tmp_path):
    assert "--samples" in _one_line_error(capsys, BALLISTIC_MC, "--samples", "0")
    assert "--out" in _one_line_error(capsys, BALLISTIC_MC, "--resume")
    assert "--until" in _one_line_error(capsys, BALLISTIC_MC, "--until", "peak_gg:0.5:0.1")


@pytest.mark.parametrize(
    ("table", "key", "expected"),
    [
        (
            '"atmosphere.density_scale" = { distribution = "normol", std = 0.1 }',
            "atmosphere.density_scale",
            "normal",
        ),
        (
            '"atmosphere.density_scale" = { distribution = "normal", std = -0.1 }',
            "std",
            "> 0, not -0.1",
        ),
        (
            '"atmosphere.density_scal" = { distribution = "normal", std = 0.1 }',
            "atmosphere.density_scal",
            "density_scale",
        ),
    ],
    ids=["distribution", "negative-std", "unknown-key"],
)
def test_a_mistake_in_the_dispersions_names_the_file_and_the_key(
    capsys, tmp_path, table, key, expected
):
    study = tmp_path / "study.toml"
    study.write_text(
        f'extends = "{(STUDIES / "montecarlo_ballistic.toml").as_posix()}"\n'
        f"[dispersions]\n{table}\n"
    )
    message = _one_line_error(capsys, study, "--samples", "10", "--quiet")
    assert "study.toml" in message and key in message and expected in message, message


def test_plots_draw_the_footprint_and_the_distributions(tmp_path, capsys):
    out = tmp_path / "mc"
    code, _, err = _sweep(
        capsys, BALLISTIC_MC, "--samples", "60", "--quiet", "--out", out, "--plots"
    )
    assert code == 0, err
    names = {p.name for p in out.glob("*.png")}
    assert {"landings.png", "histogram_peak_g.png", "cdf_distance_to_target_km.png"} <= names
    for name in names:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {len(names)} figures" in err


def test_plots_need_a_folder(capsys):
    assert "--plots" in _one_line_error(capsys, BALLISTIC_MC, "--plots")


def test_dask_executor_without_dask_is_a_user_error(capsys, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "distributed", None)  # not installed
    code, _, err = _sweep(capsys, BALLISTIC_MC, "--samples", "10", "--executor", "dask")
    assert code == 2
    assert "needs distributed" in err and ".[dask]" in err and "Traceback" not in err


@pytest.mark.parametrize("module,extra", [("pyproj", "studies"), ("pyarrow", "studies")])
def test_a_missing_optional_library_is_a_user_error(capsys, monkeypatch, tmp_path, module, extra):
    """Installed without the studies' extra: exit 2 naming the library and the extra."""
    from sim.models.geodesy import _pyproj_geod

    _pyproj_geod.cache_clear()  # the Geod of earlier tests: made again after this one
    monkeypatch.setitem(__import__("sys").modules, module, None)  # not installed
    try:
        code, _, err = _sweep(capsys, BALLISTIC_MC, "--samples", "10", "--out", tmp_path / "o")
    finally:
        _pyproj_geod.cache_clear()
    assert code == 2, err
    assert module in err and f".[{extra}]" in err and "Traceback" not in err


def test_a_swept_key_that_never_reaches_the_flight_is_an_error(capsys, tmp_path):
    """With the burn point planned for the undispersed scenario, the targeting's reference
    bank is read by no flight: every run would fly the undispersed descent. The sweep
    stops before flying, naming the file, the key and what to do (exit 2)."""
    study = tmp_path / "bank.toml"
    study.write_text(
        f'extends = "{(ROOT / "configs" / "soyuz_tma11" / "nominal.toml").as_posix()}"\n'
        '[study]\nkind = "grid"\n'
        '[sweep]\n"targeting.reference_bank_deg" = [45.0, 65.0]\n'
    )
    code, out, err = _sweep(capsys, study, "--out", tmp_path / "out")
    assert code == 2 and out == ""
    assert str(study) in err and "sweep: targeting.reference_bank_deg" in err
    assert "fixed_burn = false" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # nothing written
    # planned per run, the same sweep is a study of the reference bank
    study.write_text(
        study.read_text().replace('kind = "grid"', 'kind = "grid"\nfixed_burn = false')
    )
    code, out, err = _sweep(capsys, study, "--json", "--quiet", "--out", tmp_path / "out")
    assert code == 0, err
    assert json.loads(out)["runs"] == 2


NOMINAL = (ROOT / "configs" / "soyuz_tma11" / "nominal.toml").as_posix()
MC = '[study]\nkind = "montecarlo"\nsamples = 10\n'
DENSITY = '"atmosphere.density_scale" = { distribution = "normal", std = 0.1 }\n'


@pytest.mark.parametrize(
    "body, expected",
    [
        # a count or a seed that is not a whole number is not rounded silently
        (MC.replace("10", "100.7") + "[dispersions]\n" + DENSITY, "study.samples: an integer"),
        (MC + "seed = 1.5\n[dispersions]\n" + DENSITY, "study.seed: an integer"),
        (MC + "batch_size = 2.5\n[dispersions]\n" + DENSITY, "study.batch_size: an integer"),
        # a table the study's kind would ignore
        (
            '[study]\nkind = "grid"\n[sweep]\n"atmosphere.density_scale" = [0.9, 1.1]\n'
            "[dispersions]\n" + DENSITY,
            "dispersions: no [dispersions] in a grid study",
        ),
        (
            MC + "[dispersions]\n" + DENSITY + '[sweep]\n"atmosphere.density_scale" = [0.9]\n',
            "sweep: no [sweep] in a montecarlo study",
        ),
        (
            '[study]\nkind = "grid"\nsamples = 5\n[sweep]\n"deorbit.pitch_deg" = [1.0]\n',
            "study.samples",
        ),
        # misspellings name themselves, not the key they were meant to be
        (
            MC
            + "[dispersions]\n"
            + '"atmosphere.density_scale" = { distribution = "normal", sdev = 0.1 }\n',
            "density_scale.sdev: no such key",
        ),
        (
            '[study]\nkind = "grid"\n[sweep]\nmod = "zip"\n"deorbit.pitch_deg" = [1.0]\n',
            "sweep.mod: no such key (did you mean 'mode'?",
        ),
        (
            '[study]\nkind = "grid"\n[sweep]\ntarget.latitude_deg = [50.5]\n',
            'a dotted key is quoted: "target.',
        ),
        # a table the study must have: this file's to add, not the file it extends
        ('[study]\nkind = "grid"\n', "study.toml: sweep: a [sweep] table"),
        (MC, "study.toml: dispersions: a [dispersions] table"),
        # a value that cannot be flown beside the default: the builder's reason, not "no effect"
        (
            '[study]\nkind = "grid"\n[sweep]\n"phases.1.control.load_limit_g" = [0.5, 5.0]\n',
            "load_limit_g: 0.5: 0 (no limit) or a load of at least 1 g",
        ),
    ],
)
def test_a_study_file_mistake_is_one_line_naming_it(capsys, tmp_path, body, expected):
    study = tmp_path / "study.toml"
    study.write_text(f'extends = "{NOMINAL}"\n' + body)
    code, out, err = _sweep(capsys, study, "--quiet", "--out", tmp_path / "out")
    assert code == 2 and out == "" and "Traceback" not in err, err
    assert expected in err and "study.toml" in err, err


def test_a_grid_takes_no_sample_count_from_the_command_line(capsys, tmp_path):
    study = STUDIES / "burn_authority.toml"
    code, out, err = _sweep(capsys, study, "--samples", "5", "--quiet", "--out", tmp_path / "o")
    assert code == 2 and "samples: no sample count for a grid: its 42 runs" in err, err


def test_an_unreachable_scheduler_is_named(capsys, tmp_path):
    """Nobody listens on the port: the error names --scheduler and the address (it
    was reported as an unwritable standard output)."""
    dask = pytest.importorskip("dask")
    pytest.importorskip("distributed")
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code, out, err = _sweep(
            capsys,
            BALLISTIC_MC,
            "--samples",
            "10",
            "--executor",
            "dask",
            "--scheduler",
            address,
            "--quiet",
            "--out",
            tmp_path / "o",
        )
    assert code == 2 and f"--scheduler: a Dask scheduler answering at {address}" in err, err
