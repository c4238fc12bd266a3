"""Error family: every catalogued failure raises the right error, on every device, and loses nothing.

The conditions live in :mod:`conformance.errors_catalogue` (one entry per documented error, with its
source); each test checks one property over the whole catalogue.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance import devices
from conformance.errors_catalogue import CATALOGUE, NON_ERRORS, SHAPE_ERRORS, tensors_in
from conformance.oracles import layout, to_numpy
from conformance.params import over
from strategies import rebuilt



@pytest.fixture(autouse=True)
def _runs_on_device(request):
    """Cpu-only APIs run on the cpu only; entries that need a second device run on accelerators only."""
    params = request.node.callspec.params if hasattr(request.node, "callspec") else {}
    case, device = params.get("op"), params.get("device")
    where = getattr(case, "devices", "any")
    device_type = torch.device(device).type if device else None
    if where == "cpu" and device_type not in (None, "cpu"):
        pytest.skip(f"{case.name} is a cpu-only API")
    if where == "accelerator" and device_type in (None, "cpu"):
        pytest.skip(f"{case.name} needs an accelerator device under test")


def _draw(data, case, device):
    """Leaves drawn on ``device``, then the operands the case prepares from them."""
    leaves = data.draw(case.draw(device), label="leaves")
    return case.prepare(*leaves)


def _raised(fn, *operands) -> type | None:
    """The type of the exception ``fn(*operands)`` raises, or None."""
    try:
        fn(*operands)
    except Exception as error:  # noqa: BLE001 - the type is the observation
        return type(error)
    return None


def _snapshot(t: torch.Tensor) -> tuple:
    """Everything a failed call must leave alone: storage bytes, layout, version, autograd state."""
    def raw(x):
        return torch.empty(0, dtype=torch.uint8, device=x.device).set_(x.untyped_storage()).cpu().clone()

    grad = t.grad if t.is_leaf else None
    grad_state = None if grad is None else (raw(grad), tuple(grad.shape), grad.stride(), grad.storage_offset())
    return (raw(t), *layout(t), t._version, t.requires_grad, grad_state)


def _same_snapshot(a: tuple, b: tuple) -> bool:
    def eq(x, y):
        if isinstance(x, torch.Tensor):
            return isinstance(y, torch.Tensor) and torch.equal(x, y)
        if isinstance(x, tuple):
            return isinstance(y, tuple) and len(x) == len(y) and all(eq(u, v) for u, v in zip(x, y))
        return x == y
    return eq(a, b)


@over("errors", "raises", CATALOGUE)
@given(data=st.data())
def test_failing_call_raises_documented_error(device, op, data):
    """The call raises the catalogued exception type with the catalogued message fragment."""
    operands = _draw(data, op, device)
    with pytest.raises(op.error, match=op.match):
        op.call(*operands)


@over("errors", "nearby-succeeds", CATALOGUE)
@given(data=st.data())
def test_nearby_call_succeeds(device, op, data):
    """Each documented way around the error (no_grad, force=True, retain_graph=True, .contiguous(), ...) works."""
    operands = _draw(data, op, device)
    nearby = data.draw(st.sampled_from(op.nearby), label="nearby")
    nearby.run(*operands)


@over("errors", "atomic", CATALOGUE)
@given(data=st.data())
def test_failed_call_leaves_operands_intact(device, op, data):
    """After the failure every operand has its storage bytes, layout, ``_version``, requires_grad and .grad."""
    operands = _draw(data, op, device)
    before = [_snapshot(t) for t in tensors_in(operands)]
    with pytest.raises(op.error):
        op.call(*operands)
    after = [_snapshot(t) for t in tensors_in(operands)]
    changed = [i for i, (b, a) in enumerate(zip(before, after)) if not _same_snapshot(b, a)]
    assert not changed, f"operands {changed} changed by the failed call (storage, layout, version or grad)"


@over("errors", "same-error-as-reference", [case for case in CATALOGUE if case.devices == "any"])
@given(data=st.data())
def test_device_raises_same_error_type_as_reference(device, reference_device, op, data):
    """The same operands fail with the same exception type on the device under test as on the reference."""
    if devices.target(device) == devices.target(reference_device):
        pytest.skip("the device is the reference device: comparing it with itself cannot fail")
    leaves = data.draw(op.draw(reference_device), label="leaves")
    expected = _raised(op.call, *op.prepare(*leaves))
    actual = _raised(op.call, *op.prepare(*rebuilt(leaves, device)))
    assert actual is expected, f"{device} raised {actual}, {reference_device} raised {expected}"


@over("errors", "meta-agrees-on-shape-errors", SHAPE_ERRORS, rule="https://pytorch.org/docs/stable/meta.html")
@given(data=st.data())
def test_meta_agrees_on_shape_errors(reference_device, op, data):
    """A shape error depends on shapes and strides alone: meta fails exactly when the reference fails."""
    leaves = data.draw(op.draw(reference_device), label="leaves")
    call = data.draw(st.sampled_from([op.call] + [nearby.run for nearby in op.nearby]), label="call")
    on_reference = _raised(call, *op.prepare(*leaves)) is not None
    on_meta = _raised(call, *op.prepare(*rebuilt(leaves, devices.STRUCTURAL))) is not None
    assert on_meta == on_reference, f"reference {'fails' if on_reference else 'succeeds'}, meta does not agree"


@over("errors", "documented-non-error", NON_ERRORS)
@given(data=st.data())
def test_documented_non_error_returns_ieee_values(device, op, data):
    """sqrt/log of negatives give nan, log(0) gives -inf, float x/0 gives ±inf and 0/0 nan: no exception."""
    operands = data.draw(op.draw(device), label="operands")
    result = op.call(*operands)
    np.testing.assert_array_equal(to_numpy(result), op.expected(*(to_numpy(t) for t in operands)), strict=True)
