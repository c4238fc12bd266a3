"""The device differential: one check, run on the device under test and on the reference device.

On the reference device a check compares torch with its numpy oracle.  On any other device it
compares the device's result with the reference's: exactly for integers, bools and data movement;
with ``torch.testing.assert_close`` for floats, and on a float mismatch both results are measured
against the reference's float64 recomputation -- the device fails only if it is farther from it
than the reference is.  Inputs are rebuilt on each device from their recipes, so every device sees
the same values in the same layout, and an in-place op never touches the drawn originals.

``distance`` and ``assert_no_farther`` use torch only: the chain family pastes their source into
standalone repro scripts.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch

from conformance import devices
from conformance.oracles import assert_equal
from strategies import rebuilt


def widened(value):
    """A floating tensor in float64 (complex in complex128); anything else as it is."""
    if isinstance(value, torch.Tensor) and value.is_complex():
        return value.detach().to(torch.complex128).requires_grad_(value.requires_grad)
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.detach().to(torch.float64).requires_grad_(value.requires_grad)
    return value


def run(target: devices.Target, fn: Callable, inputs: Sequence, widen: bool = False):
    """``fn(*inputs)`` on the target, in its context, from fresh copies of the inputs."""
    with target.context():
        args = [rebuilt(x, target.device) for x in inputs]
        return fn(*[widened(x) for x in args] if widen else args)


def flat(result) -> list:
    """The tensors of a result: itself, or the items of a tuple or list of results."""
    if isinstance(result, (tuple, list)):
        return [t for item in result for t in flat(item)]
    return [result]


def distance(x: torch.Tensor, exact: torch.Tensor) -> float:
    """Largest |x - exact| over the elements; a NaN where the other is not counts as infinite."""
    x, exact = x.detach().cpu(), exact.detach().cpu()
    wide = torch.complex128 if x.is_complex() or exact.is_complex() else torch.float64
    x, exact = x.to(wide), exact.to(wide)
    if x.numel() == 0:
        return 0.0
    diff = torch.where(x == exact, 0.0, (x - exact).abs())
    nan_x, nan_exact = x.isnan(), exact.isnan()
    diff = torch.where(nan_x & nan_exact, 0.0, torch.where(nan_x ^ nan_exact, float("inf"), diff))
    return diff.max().item()


def assert_no_farther(actual, reference, recompute, exact: bool = False,
                      names: tuple = ("device", "reference")) -> None:
    """Compare a device's results with the reference's (see the module docstring).

    ``recompute()`` gives the reference's results in float64; it runs only on a float mismatch.
    """
    actual, reference = flat(actual), flat(reference)
    assert len(actual) == len(reference), f"{names[0]} gave {len(actual)} results, {names[1]} {len(reference)}"
    precise = None
    for i, (a, r) in enumerate(zip(actual, reference)):
        a, r = a.detach().cpu(), r.detach().cpu()
        if exact or not (a.is_floating_point() or a.is_complex()):
            torch.testing.assert_close(a, r, rtol=0, atol=0, equal_nan=True,
                                       msg=lambda m: f"result {i}: {names[0]} differs from {names[1]}\n{m}")
            continue
        try:
            torch.testing.assert_close(a, r, equal_nan=True)
        except AssertionError as mismatch:
            if a.dtype != r.dtype or a.shape != r.shape:
                raise
            precise = flat(recompute()) if precise is None else precise
            error, reference_error = distance(a, precise[i]), distance(r, precise[i])
            report = (f"result {i}: largest error against the float64 result: {names[0]} {error:.3g}, "
                      f"{names[1]} {reference_error:.3g}")
            print(report)
            if error > reference_error:
                raise AssertionError(f"{report}: {names[0]} is farther\n{mismatch}") from None


def assert_matches_numpy(actual, expected, exact: bool = False) -> None:
    """Torch results against numpy's (computed in float64, or exactly for ints and bools), cast to
    torch's result dtype; exact comparison where nothing is computed."""
    actual, expected = flat(actual), flat(expected)
    assert len(actual) == len(expected), f"torch gave {len(actual)} results, numpy {len(expected)}"
    for a, e in zip(actual, expected):
        a = a.detach().cpu()
        e = torch.from_numpy(np.array(e)).to(a.dtype)
        if exact:
            assert_equal(a, e)
        else:
            torch.testing.assert_close(a, e, equal_nan=True)


def check_values(device, reference_device, fn: Callable, inputs: Sequence, expected: Callable,
                 exact: bool = False) -> None:
    """``fn(*inputs)``: against numpy's ``expected()`` on the reference device, against the
    reference device's result on any other."""
    target, reference = devices.target(device), devices.target(reference_device)
    actual = run(target, fn, inputs)
    if target == reference:
        assert_matches_numpy(actual, expected(), exact)
    else:
        assert_no_farther(actual, run(reference, fn, inputs), lambda: run(reference, fn, inputs, widen=True),
                          exact, (target.name, reference.name))


def cotangent(out: torch.Tensor) -> torch.Tensor:
    """A fixed, varied cotangent for a vector-Jacobian product: (-3, -2, ..., 3) / 4 repeating."""
    pattern = (torch.arange(out.numel(), dtype=torch.float64) % 7 - 3) / 4
    return pattern.to(device=out.device, dtype=out.dtype).reshape(out.shape)


def gradients(fn: Callable) -> Callable:
    """``inputs -> d<fn(inputs), cotangent>/d inputs``: the analytic vector-Jacobian product."""
    def vjp(*inputs):
        out = fn(*inputs)
        leaves = [x for x in inputs if isinstance(x, torch.Tensor) and x.requires_grad]
        return torch.autograd.grad(out, leaves, cotangent(out), allow_unused=True, materialize_grads=True)
    return vjp


def check_gradients(device, reference_device, fn: Callable, inputs: Sequence) -> None:
    """``gradcheck`` of ``fn`` on the device; elsewhere than the reference, its gradients also
    against the reference's."""
    target, reference = devices.target(device), devices.target(reference_device)
    with target.context():
        torch.autograd.gradcheck(fn, [rebuilt(x, target.device) for x in inputs])
    if target != reference:
        vjp = gradients(fn)
        assert_no_farther(run(target, vjp, inputs), run(reference, vjp, inputs),
                          lambda: run(reference, vjp, inputs, widen=True), False, (target.name, reference.name))
