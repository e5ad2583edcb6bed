"""The layering of the package (its folders are its layers), enforced, and the light core."""

import ast
import pathlib
import subprocess
import sys
import tomllib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sim"
LAYERS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][
    0
]["layers"]


def test_import_linter_layers_contract_holds():
    """``lint-imports`` checks the ``layers`` contract of pyproject.toml (each layer imports
    only from the layers below it), including indirect imports."""
    code = (
        "import sys; from importlinter.cli import lint_imports_command; "
        "sys.exit(lint_imports_command())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, "--no-cache"], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 kept, 0 broken" in out.stdout


def test_every_subpackage_is_a_layer():
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    named = {
        m.split(".")[1]
        for layer in LAYERS
        for m in layer.replace(":", "|").split("|")
        for m in [m.strip()]
    }
    assert packages == named, "give every subpackage of sim a layer in pyproject.toml"
    top = {p.stem for p in PACKAGE.glob("*.py")}
    assert top == {"__init__", "__main__"}, "modules belong in a layer's folder"


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_no_module_over_600_lines(path):
    assert len(path.read_text().splitlines()) <= 600, "split the module"


def test_facade_imports_nothing_heavy():
    """``import sim`` loads no submodule: the public names are resolved on first use."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    assert all(isinstance(n, ast.Import) and n.names[0].name == "importlib" for n in imports)


@pytest.mark.parametrize(
    "module",
    [
        "sim",
        "sim.flight.simulate",
        "sim.config.build",
        "sim.cli",
        "sim.studies.compare",
        "sim.results.summary",
    ],
)
def test_core_imports_no_plotting_or_dataframes(module):
    code = (
        f"import sys, importlib; importlib.import_module({module!r}); "
        "print(' '.join(m for m in ('matplotlib', 'pandas', 'dask') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == ""


def test_public_facade_names_resolve():
    import sim

    for name in sim.__all__:
        assert getattr(sim, name) is not None
    with pytest.raises(AttributeError):
        sim.no_such_name  # noqa: B018
