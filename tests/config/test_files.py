"""Reading the files a scenario names: regular files only, bounded, UTF-8; the TOML
reader's limits (items, nesting, list length, extends chains)."""

import os
import pathlib
import time

import pytest

from sim.config import tree
from sim.config.build import load_scenario
from sim.config.errors import MAX_PART, ScenarioError
from sim.config.files import file_problem, read_text
from sim.config.tree import parse_override, read_config

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
SMALL = DATA / "entry_small.toml"


def _error(fn, *args, **kwargs):
    with pytest.raises(ScenarioError) as info:
        fn(*args, **kwargs)
    return info.value


# ---------------------------------------------------------------------------------------
# read_text
# ---------------------------------------------------------------------------------------
def test_read_text_drops_a_byte_order_mark(tmp_path):
    p = tmp_path / "bom.toml"
    p.write_bytes(b"\xef\xbb\xbfname = 'x'\n")
    assert read_text(p) == "name = 'x'\n"


def test_a_scenario_with_a_byte_order_mark_loads(tmp_path):
    p = tmp_path / "bom.toml"
    p.write_bytes(b"\xef\xbb\xbf" + SMALL.read_bytes())
    assert load_scenario(p).name == "entry_small"


def test_a_utf8_error_names_its_line(tmp_path):
    p = tmp_path / "latin1.toml"
    p.write_bytes("a = 1\nb = 2\ndescription = 'Überflug'\n".encode("latin-1"))
    exc = _error(read_text, p, "scenario file")
    assert exc.file == str(p) and "UTF-8" in exc.expected and "line 3" in exc.expected
    assert "0xdc" in exc.expected  # the byte itself


@pytest.mark.parametrize("encoding, name", [("utf-16", "UTF-16"), ("utf-32", "UTF-32")])
def test_utf16_and_utf32_are_named(tmp_path, encoding, name):
    p = tmp_path / "wide.toml"
    p.write_bytes("name = 'x'\n".encode(encoding))
    assert name in _error(read_text, p, "scenario file").expected


def test_a_fifo_is_refused_without_blocking(tmp_path):
    p = tmp_path / "pipe.toml"
    os.mkfifo(p)
    t0 = time.monotonic()
    exc = _error(read_text, p, "scenario file")
    assert "FIFO" in exc.expected
    assert time.monotonic() - t0 < 1.0  # opened without blocking (no writer ever comes)
    assert file_problem(p) == "is a FIFO (named pipe)"


def test_devices_and_folders_are_refused(tmp_path):
    assert "character device" in _error(read_text, "/dev/zero").expected
    assert "directory" in _error(read_text, tmp_path).expected
    assert file_problem("/dev/null") == "is a character device"
    assert file_problem(tmp_path) == "is a directory"
    assert file_problem(tmp_path / "nope") == "not found"
    assert file_problem(SMALL) is None


def test_a_file_beyond_the_size_limit_is_refused(tmp_path):
    p = tmp_path / "big.toml"
    p.write_text("#" * (3 * 2**20))
    assert "at most 2 MB" in _error(read_text, p, limit=2 * 2**20).expected


def test_a_proc_file_of_size_zero_is_read_to_its_end():
    # /proc files report the size 0: the reader reads until the end, not st_size bytes
    assert "Name:" in read_text("/proc/self/status")


# ---------------------------------------------------------------------------------------
# The TOML reader's limits
# ---------------------------------------------------------------------------------------
def test_the_item_budget_refuses_a_huge_list_quickly(tmp_path):
    p = tmp_path / "items.toml"
    p.write_text("padding = [" + "1," * tree.MAX_ITEMS + "1]\n")
    t0 = time.monotonic()
    exc = _error(read_config, p)
    assert "items" in exc.expected
    assert time.monotonic() - t0 < 2.0  # counted before the (slow) TOML reader runs


@pytest.mark.parametrize(
    "snippet",
    [
        "deep = " + "{ a = " * 2000 + "1" + " }" * 2000,  # tomllib recurses: RecursionError
        "deep = " + "[" * 2000 + "1" + "]" * 2000,
        ".".join(["a"] * 500) + " = 1",  # tomllib reads it; the depth check refuses it
        "[" + ".".join(["a"] * 500) + "]\nx = 1",
    ],
)
def test_deep_nesting_is_refused_naming_the_file(tmp_path, snippet):
    p = tmp_path / "deep.toml"
    p.write_text(snippet + "\n")
    exc = _error(read_config, p)
    assert exc.file == str(p) and "levels deep" in exc.expected
    assert len(str(exc)) < 2 * MAX_PART  # the key path is shortened


def test_a_nesting_within_the_limit_reaches_the_validation(tmp_path):
    p = tmp_path / "deep.toml"
    p.write_text(SMALL.read_text() + "\n[atmosphere." + ".".join(["a"] * 50) + "]\nx = 1\n")
    exc = _error(load_scenario, p)
    assert exc.key.startswith("atmosphere.a") and "no such key" in exc.expected


def test_an_integer_beyond_the_digit_limit_names_its_line(tmp_path):
    p = tmp_path / "digits.toml"
    p.write_text("a = 1\nmass = 1" + "0" * 5000 + "\n")
    exc = _error(read_config, p)
    assert "line 2" in exc.expected and "digits" in exc.expected


def test_an_integer_beyond_any_float_names_its_key(tmp_path):
    p = tmp_path / "big.toml"
    p.write_text(SMALL.read_text().replace("mass_kg = 2900", "mass_kg = 1" + "0" * 400))
    exc = _error(load_scenario, p)
    assert exc.key == "vehicles.capsule.mass_kg" and "float" in exc.expected


def test_a_hostile_key_is_not_echoed_whole(tmp_path):
    p = tmp_path / "huge.toml"
    p.write_text("k" * 2**20 + " = 1\n" + SMALL.read_text())
    exc = _error(load_scenario, p)
    assert "no such key" in exc.expected
    assert len(str(exc)) < 2000


def test_an_extends_chain_of_300_files_is_read_and_a_longer_one_refused(tmp_path):
    def chain(n):
        (tmp_path / f"c{n}.toml").write_text(SMALL.read_text())
        for i in range(1, n):
            (tmp_path / f"c{i}.toml").write_text(f'extends = "c{i + 1}.toml"\n')
        return tmp_path / "c1.toml"

    assert load_scenario(chain(300)).name == "entry_small"  # the name of the last base
    exc = _error(read_config, chain(tree.MAX_EXTENDS + 1))
    assert exc.key == "extends" and f"at most {tree.MAX_EXTENDS}" in exc.expected


@pytest.mark.parametrize(
    "target, problem", [("/dev/zero", "character device"), ("sub", "directory")]
)
def test_extends_of_something_not_a_file_says_what_it_is(tmp_path, target, problem):
    (tmp_path / "sub").mkdir()
    p = tmp_path / "scenario.toml"
    p.write_text(f'extends = "{target}"\n')
    exc = _error(read_config, p)
    assert exc.key == "extends" and problem in exc.expected and "not found" not in exc.expected


def test_a_set_value_is_one_toml_value():
    assert parse_override("phases.0.until=[\n{ altitude_km = 10.7 }\n]") == (
        "phases.0.until",
        [{"altitude_km": 10.7}],
    )
    exc = _error(parse_override, "vehicles.capsule.mass_kg=3000\nlift_to_drag = 4")
    assert exc.key == "vehicles.capsule.mass_kg" and "one TOML value" in exc.expected
    exc = _error(parse_override, "vehicles.capsule.mass_kg=1" + "0" * 5000)
    assert exc.key == "vehicles.capsule.mass_kg" and "digits" in exc.expected
