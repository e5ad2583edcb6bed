"""Study tables on disk: the Parquet writer builds the same file as pyarrow's own
conversion, without importing pandas on the way (a campaign's start-up budget)."""

import subprocess
import sys

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from sim.io.tables import read_parquet, write_parquet  # noqa: E402

TABLE = {
    "run": np.arange(4),
    "peak_g": np.array([1.5, np.nan, -0.0, 1e300]),
    "flag": np.array([1, 0, 1, 1], dtype=np.uint8),
    "single": np.arange(4, dtype=np.float32),
    "status": np.array(["landed", "failed", "", "landé"], dtype=object),
    "gaps": np.array(["a", None, "b", "c"], dtype=object),
    "strided": np.arange(8.0)[::2],
    "done": np.array([True, False, True, True]),
}


def test_parquet_equals_pyarrow_conversion(tmp_path):
    """Every column type a table holds: the schema and the values (NaN included, compared
    bit for bit) equal those of ``pa.table`` on the same columns."""
    write_parquet(tmp_path / "t.parquet", TABLE)
    ours = pq.read_table(tmp_path / "t.parquet")
    theirs = pa.table({k: (list(v) if v.dtype == object else v) for k, v in TABLE.items()})
    assert ours.schema == theirs.schema
    for name, column in TABLE.items():
        a, b = ours.column(name), theirs.column(name)
        if column.dtype.kind == "f":
            assert a.to_numpy().tobytes() == b.to_numpy().tobytes(), name
        else:
            assert a.to_pylist() == b.to_pylist(), name
    back = read_parquet(tmp_path / "t.parquet")
    np.testing.assert_array_equal(back["peak_g"].view(np.int64), TABLE["peak_g"].view(np.int64))
    assert list(back["status"]) == list(TABLE["status"])
    assert list(back["gaps"]) == ["a", None, "b", "c"]


def test_parquet_of_numbers_and_text_does_not_import_pandas(tmp_path):
    code = (
        "import sys, numpy as np\n"
        "from sim.io.tables import write_parquet\n"
        f"write_parquet(__import__('pathlib').Path({str(tmp_path / 'x.parquet')!r}), "
        "{'run': np.arange(3), 'g': np.ones(3), 's': np.array(['a', 'b', 'c'], dtype=object)})\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _csv_module_text(table: dict) -> str:
    """The reference: the table through :mod:`csv`'s writer, cell by cell."""
    import csv
    import io

    def cell(v):
        if isinstance(v, float | np.floating):
            return repr(float(v)) if np.isfinite(v) else ""
        return str(int(v)) if isinstance(v, np.integer) else str(v)

    out = io.StringIO(newline="")
    w = csv.writer(out)
    w.writerow(list(table))
    for i in range(len(next(iter(table.values())))):
        w.writerow([cell(np.asarray(c)[i]) for c in table.values()])
    return out.getvalue()


def test_csv_is_the_text_of_the_csv_module(tmp_path):
    """The column-wise CSV writer gives byte for byte what :mod:`csv` writes cell by cell:
    floats by repr (the shortest that reads back, -0.0, 1e-300, 1e+16), empty cells for
    NaN and infinities, integers, and text quoted only where it must be (a comma, a
    quote, a line break), in the header too."""
    from sim.io.tables import write_csv

    table = {
        "run": np.arange(6),
        "peak, g": np.array([1.0, -0.0, 1e-300, 1e16, np.nan, np.inf]),
        "x": np.array([0.1 + 0.2, -np.inf, 2.5, 1 / 3, 7.0, 123456789.125]),
        "status": np.array(["landed", "", 'said "no"', "a,b", "two\nlines", "cr\r"], object),
        "n": np.array([3, -1, 0, 2**40, 5, 6], dtype=np.int64),
    }
    write_csv(tmp_path / "t.csv", table)
    assert (tmp_path / "t.csv").read_bytes() == _csv_module_text(table).encode()
    one = {"message": np.array(["", "x"], object)}  # csv quotes a row's lone empty cell
    write_csv(tmp_path / "one.csv", one)
    assert (tmp_path / "one.csv").read_bytes() == _csv_module_text(one).encode()
    write_csv(tmp_path / "types.csv", TABLE)  # float32, booleans, gaps, a strided view
    assert (tmp_path / "types.csv").read_bytes() == _csv_module_text(TABLE).encode()
    empty = {"run": np.arange(0), "peak": np.zeros(0)}
    write_csv(tmp_path / "empty.csv", empty)
    assert (tmp_path / "empty.csv").read_bytes() == _csv_module_text(empty).encode()
