"""Chains family: random programs of views, elementwise ops, reductions and in-place ops.

Each chain is checked for its values (numpy on the reference device, the reference device
elsewhere), its structure after every op (the layout model), its gradient (gradcheck), on the meta
device (structure and errors), and -- with ``--compile`` -- under ``torch.compile``.  A failure
carries a standalone repro script of the shrunk program (``conformance.chains.script``).
"""

from __future__ import annotations

import functools

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance import chains, devices
from conformance.differential import assert_no_farther, check_gradients, check_values, run
from conformance.profiles import ci_examples

invariant = functools.partial(pytest.mark.invariant, "chains")

DOCS = "https://pytorch.org/docs/stable/"
COMPILE_EXAMPLES = 10
# A chain is cheap (about 15 ms) and a fault shows only in chains that contain the faulty op, in a dtype fine
# enough to resolve it: a mul off by 1e-5 on the device is caught in 27 of 30 seeds at 40 examples.
CHAIN_CI_EXAMPLES = 200


def _program(data, device, reference_device, **kwargs) -> chains.Program:
    return data.draw(chains.programs(devices.target(reference_device).device, devices.target(device).device,
                                     **kwargs), label="program")


@invariant("values", source=DOCS + "tensor_view.html")
@ci_examples(CHAIN_CI_EXAMPLES)
@given(data=st.data())
def test_chain_values(device, reference_device, data):
    """A chain computes what numpy computes (float64; integers and bools exactly)."""
    program = _program(data, device, reference_device)
    exact = not program.result.floating
    with chains.repro_on_failure(program, "values", device, reference_device):
        check_values(device, reference_device, program.torch_function(), program.inputs, program.expected, exact,
                     dtype=program.result.dtype, judge=program.judge())


@invariant("structure", source=DOCS + "tensor_attributes.html#torch-memory-format")
@ci_examples(CHAIN_CI_EXAMPLES)
@given(data=st.data())
def test_chain_structure_matches_layout_model(device, data):
    """After every op: the shape, dtype, strides and contiguity the layout model predicts (views keep
    or permute strides, copies are dense in the input's dim order, reductions are contiguous), and
    ``view`` raises exactly where the model finds the strides incompatible."""
    program = _program(data, device, device, may_fail=True)
    expected = chains.expected_structures(program)
    with chains.repro_on_failure(program, "structure", device, device, expected):
        assert chains.traced_structures(program, device) == expected


@invariant("meta-structure", source=DOCS + "meta.html")
@ci_examples(CHAIN_CI_EXAMPLES)
@given(data=st.data())
def test_chain_on_meta_matches_device(device, data):
    """The meta device gives every op's shape, dtype and strides, and raises where the device raises."""
    program = _program(data, device, device, may_fail=True)
    with chains.repro_on_failure(program, "meta", device, device):
        assert chains.traced_structures(program, devices.STRUCTURAL) == chains.traced_structures(program, device)


@invariant("gradient", source=DOCS + "generated/torch.autograd.gradcheck.gradcheck.html")
@ci_examples(CHAIN_CI_EXAMPLES)
@given(data=st.data())
def test_chain_gradient(device, reference_device, data):
    """Analytic gradients of a chain (float64, no stride-0 inputs) match finite differences."""
    program = _program(data, device, reference_device, grad=True)
    with chains.repro_on_failure(program, "gradient", device, reference_device):
        check_gradients(device, reference_device, program.torch_function(grad=True), program.inputs)


@invariant("compile", source=DOCS + "generated/torch.compile.html")
@settings(max_examples=COMPILE_EXAMPLES)
@given(data=st.data())
def test_chain_compiled_matches_eager(device, pytestconfig, data):
    """``torch.compile(fullgraph=True)`` of a chain computes what eager mode computes."""
    backend = pytestconfig.getoption("compile")
    if not backend:
        pytest.skip("torch.compile runs with --compile only")
    program = _program(data, device, device)
    target = devices.target(device)
    torch._dynamo.reset()  # a fresh cache: every program compiles, none falls back to eager
    compiled = torch.compile(program.torch_function(), backend=backend, fullgraph=True)
    eager = program.torch_function()
    with chains.repro_on_failure(program, "compile", device, device):
        if program.result.floating:  # each element within the chain's error bound, or no farther than eager's
            judged = program.judge()(program.result.dtype, target.device)
            assert_no_farther(run(target, compiled, program.inputs), run(target, eager, program.inputs),
                              lambda: [judged.exact], [judged.budget], names=("compiled", "eager"))
        else:
            assert_no_farther(run(target, compiled, program.inputs), run(target, eager, program.inputs), None,
                              exact=True, names=("compiled", "eager"))
