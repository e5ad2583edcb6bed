"""Variants of a scenario packed as array arithmetic, and flown as a batch."""

import pathlib

import numpy as np
import pytest

from sim.config.tree import read_config
from sim.core.layout import SM
from sim.core.run import fly_alone
from sim.studies.batch import VariantPacker, flown_programs_equal, fly_variants

ROOT = pathlib.Path(__file__).resolve().parents[2]
TMA11 = ROOT / "configs" / "soyuz_tma11"

#: keys a Monte Carlo of the TMA-11 descents disperses, with a dispersed value each
KEYS = {
    "vehicles.descent_module.mass_kg": 2950.0,
    "vehicles.descent_module.drag_coefficient": 1.37,
    "vehicles.descent_module.lift_to_drag": 0.26,
    "atmosphere.density_scale": 1.12,
    "deorbit.delta_v_m_s": 112.4,
    "vehicles.sa_pao.drag_coefficient": 0.8,
    "phases.1.until.0.altitude_km": 88.0,
}


@pytest.fixture(scope="module")
def stuck():
    return VariantPacker(read_config(TMA11 / "stuck_service_module.toml"))


@pytest.mark.parametrize("key", sorted(KEYS))
def test_each_key_packs_as_its_full_build(stuck, key):
    """The fast path (linear in the key's value) gives the program of a full build to
    1e-12 relative on every number, and the key is on the fast path."""
    variant = {key: KEYS[key]}
    ((idx, arrays),) = stuck.pack([variant])
    fast = tuple(a[0] for a in arrays)
    full = stuck.build(variant)[1].arrays()
    assert flown_programs_equal(fast, full)
    group = stuck._groups[()]
    assert group.slopes[key] is not None  # linear: no full build per variant
    base = stuck._base_program.arrays()
    assert not flown_programs_equal(fast, base)  # the value is applied


def test_many_keys_at_once_pack_as_the_full_build(stuck):
    rng = np.random.default_rng(7)
    variants = [
        {k: v * (1 + 0.05 * rng.standard_normal()) for k, v in KEYS.items()} for _ in range(5)
    ]
    ((idx, arrays),) = stuck.pack(variants)
    for i, v in zip(idx, variants, strict=True):
        assert flown_programs_equal(
            tuple(a[list(idx).index(i)] for a in arrays), stuck.build(v)[1].arrays()
        )


def test_truth_dispersions_leave_the_guidance_model_and_the_burn_point():
    nominal = VariantPacker(read_config(TMA11 / "nominal.toml"))
    base = nominal._base_program
    ((_, arrays),) = nominal.pack(
        [{"vehicles.descent_module.lift_to_drag": 0.2, "vehicles.descent_module.mass_kg": 3100.0}]
    )
    names = [f for f in base.__dataclass_fields__ if f != "phase_names"]
    program = dict(zip(names, (a[0] for a in arrays), strict=True))
    np.testing.assert_array_equal(program["guide_models"], base.guide_models)
    np.testing.assert_array_equal(program["guide"], base.guide)
    np.testing.assert_array_equal(program["init"], base.init)  # the burn point as planned
    assert not np.array_equal(program["phases"], base.phases)  # the truth changed
    # a key the flight computer knew reaches its model, and the burn is planned anew
    knowing = VariantPacker(
        read_config(TMA11 / "nominal.toml"),
        known=frozenset({"vehicles.descent_module.lift_to_drag"}),
    )
    ((_, arrays),) = knowing.pack([{"vehicles.descent_module.lift_to_drag": 0.2}])
    program = dict(zip(names, (a[0] for a in arrays), strict=True))
    assert not np.array_equal(program["guide_models"], base.guide_models)
    assert not np.array_equal(program["init"], base.init)


def test_a_non_numeric_key_groups_its_variants():
    packer = VariantPacker(read_config(TMA11 / "ballistic.toml"))
    variants = [
        {"atmosphere.density_scale": 1.1},
        {
            "atmosphere": {"model": "exponential", "scale_height_km": 7.2},
            "atmosphere.density_scale": 1.1,
        },
        {"atmosphere.density_scale": 0.9},
    ]
    packs = packer.pack(variants)
    rows = sorted(int(i) for idx, _ in packs for i in idx)
    assert rows == [0, 1, 2]
    for idx, arrays in packs:
        for j, i in enumerate(idx):
            assert flown_programs_equal(
                tuple(a[j] for a in arrays), packer.build(variants[i])[1].arrays()
            )


def test_a_batch_reports_what_each_flight_alone_reports(stuck):
    """Bit for bit: a batch flies each variant's program as it would fly alone. (A full
    build agrees with the packed program to 1e-12, not to the bit, and an adaptive
    integrator turns that into differences at its tolerance: 1e-6 of the landing
    longitude is about 1 m.)"""
    variants = [
        {"atmosphere.density_scale": s, "vehicles.sa_pao.drag_coefficient": c}
        for s, c in ((0.9, 0.8), (1.0, 1.0), (1.15, 1.3))
    ]
    result = fly_variants(stuck, variants)
    ((idx, arrays),) = stuck.pack(variants)
    for j, i in enumerate(idx):
        alone = fly_alone(tuple(a[j] for a in arrays))
        np.testing.assert_array_equal(result.summary[i], alone[0])
        full = fly_alone(stuck.build(variants[i])[1].arrays())
        assert result.summary[i, SM.final_lon] == pytest.approx(full[0][SM.final_lon], rel=1e-6)
    assert np.all(result.summary[:, SM.status] == 1)
    assert len(set(result.summary[:, SM.final_lon])) == 3  # each variant flew its own


def test_the_flight_computers_own_keys_reach_the_guidance():
    """A guided phase's settings are the flight computer's, not the truth's: a swept load
    limit reaches the guidance (alone, and beside a truth dispersion that does not), in
    the packed program as in a full build, with the burn point as planned."""
    nominal = VariantPacker(read_config(TMA11 / "nominal.toml"))
    base = nominal._base_program
    names = [f for f in base.__dataclass_fields__ if f != "phase_names"]
    limit, mass = "phases.1.control.load_limit_g", "vehicles.descent_module.mass_kg"
    variants = [{limit: 4.0}, {limit: 6.5, mass: 3100.0}, {mass: 3100.0}]
    ((idx, arrays),) = nominal.pack(variants)
    programs = [dict(zip(names, (a[j] for a in arrays), strict=True)) for j in range(3)]
    for j, v in enumerate(variants):
        full = nominal.build(v)[1].arrays()
        assert flown_programs_equal(tuple(a[j] for a in arrays), full)
        p = programs[list(idx).index(j)]
        np.testing.assert_array_equal(p["guide_models"], base.guide_models)  # its model
        np.testing.assert_array_equal(p["init"], base.init)  # the burn point as planned
        if limit in v:
            assert not np.array_equal(p["guide"], base.guide)
        else:
            np.testing.assert_array_equal(p["guide"], base.guide)
    # the two limits are different settings of the same guidance
    first, second = (programs[list(idx).index(j)]["guide"] for j in (0, 1))
    assert not np.array_equal(first, second)


def test_a_vehicle_only_the_guidance_flies_is_the_flight_computers():
    tree = read_config(TMA11 / "nominal.toml")
    packer = VariantPacker(
        tree,
        {
            "vehicles.guidance_model": tree.resolve({}).config["vehicles"]["descent_module"],
            "phases.1.control.model_vehicle": "guidance_model",
            "phases.1.control.model_atmosphere": {"model": "ussa76"},
        },
    )
    assert packer._flight_computer_key("vehicles.guidance_model.lift_to_drag")
    assert not packer._flight_computer_key("vehicles.descent_module.lift_to_drag")
    base = packer._base_program
    model = packer.build({"vehicles.guidance_model.lift_to_drag": 0.25})[1]
    truth = packer.build({"vehicles.descent_module.lift_to_drag": 0.25})[1]
    assert not np.array_equal(model.guide_models, base.guide_models)
    np.testing.assert_array_equal(model.phases, base.phases)  # the truth is untouched
    np.testing.assert_array_equal(truth.guide_models, base.guide_models)
    assert not np.array_equal(truth.phases, base.phases)


def test_a_known_key_does_not_carry_the_truths_other_values_to_the_guidance():
    """Known: the burn magnitude. Unknown: the L/D and the drag coefficient. The guidance's
    model and the planned burn point are those of the known value alone."""
    packer = VariantPacker(
        read_config(TMA11 / "nominal.toml"), known=frozenset({"deorbit.delta_v_m_s"})
    )
    truth = {
        "deorbit.delta_v_m_s": 116.0,
        "vehicles.descent_module.lift_to_drag": 0.2,
        "vehicles.descent_module.drag_coefficient": 1.5,
    }
    flown = packer.build(truth)[1]
    knew = packer.build({"deorbit.delta_v_m_s": 116.0})[1]
    np.testing.assert_array_equal(flown.guide_models, knew.guide_models)
    np.testing.assert_array_equal(flown.guide, knew.guide)
    np.testing.assert_array_equal(flown.init, knew.init)  # the burn planned without them
    assert not np.array_equal(flown.phases, knew.phases)  # the truth has them
    assert not np.array_equal(knew.init, packer._base_program.init)  # the known value was used
