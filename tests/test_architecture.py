"""The layering of the package (../shared/design.md) and the light core, enforced."""

import ast
import pathlib
import subprocess
import sys

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "sim"

#: A module may import only modules of a lower rank.
RANK = {
    "__init__": 0, "_jit": 0, "constants": 0, "reference_data": 0,
    "ussa76": 1, "earth": 1, "vehicle": 1,
    "atmosphere": 2,
    "dynamics": 3,
    "events": 4, "initial": 4, "predictor": 4,
    "guidance": 5, "results": 5,
    "simulate": 6, "targeting": 6,
    "scenario": 7, "analysis": 7,
    "sweep": 8, "plotting": 8,
    "cli": 9,
    "__main__": 10,
}


def _imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim"):
            parts = node.module.split(".")
            if len(parts) > 1:
                yield parts[1], node.lineno
            else:
                for alias in node.names:
                    yield alias.name, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("sim."):
                    yield alias.name.split(".")[1], node.lineno


MODULES = sorted(p for p in PACKAGE.glob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_no_upward_imports(path):
    assert path.stem in RANK, f"give sim/{path.name} a layer in tests/test_architecture.py"
    for name, line in _imports(path):
        assert name in RANK, f"sim/{path.name}:{line} imports unknown sim.{name}"
        assert RANK[name] < RANK[path.stem], (
            f"sim/{path.name}:{line} imports sim.{name} (layer {RANK[name]}) from layer "
            f"{RANK[path.stem]}: an upward or sideways arrow")


@pytest.mark.parametrize("module", ["sim", "sim.simulate", "sim.scenario", "sim.cli",
                                    "sim.analysis"])
def test_core_imports_no_plotting_or_dataframes(module):
    code = (f"import sys, importlib; importlib.import_module({module!r}); "
            "print(' '.join(m for m in ('matplotlib', 'pandas', 'dask') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=PACKAGE.parent)
    assert out.stdout.strip() == ""
