"""Compile the physics once before the corpus cases: a change of the package's sources
starts a fresh compiled-code cache, and compiling (about a minute) would otherwise count
against the first flight case's time limit."""

import pytest
from robust_corpus import SMALL, TMA11


@pytest.fixture(scope="session", autouse=True)
def compiled_physics():
    from sim.config.build import load_scenario
    from sim.studies.runs import run_scenario

    run_scenario(load_scenario(SMALL))
    run_scenario(load_scenario(TMA11 / "nominal.toml"))
