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
