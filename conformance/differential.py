"""The device differential: one check, run on the device under test and on the reference device.

On the reference device a check compares torch with its independent reference: bitwise where nothing
is rounded (integers, bools, data movement, exactly specified float results such as ``floor``), and
element by element in ULPs of the result's dtype against the exact value, within the op's budget
(:mod:`conformance.accuracy`, :mod:`conformance.budgets`), where a float result is computed.  The
documented result dtype is asserted first, always.

On any other device the device's result is compared with the reference device's, element by
element: an element that differs bitwise must lie within the device's budget of the exact value,
or be no farther from it than the reference device's element is.  There is no aggregate over the
tensor: an ``inf`` in one element cannot excuse an error in another, nor a large element's rounding
a small element's error.  Inputs are rebuilt on each device from their recipes, so every device sees
the same values in the same layout, and an in-place op never touches the drawn originals.

``flat``, ``widened``, ``differing``, ``ulps`` and ``assert_no_farther`` use torch and numpy only:
the chain family pastes their source into standalone repro scripts.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch

from conformance import accuracy, devices
from conformance.accuracy import ulps
from conformance.oracles import assert_equal, differing
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


def assert_no_farther(actual, reference, precise, budgets=None, exact: bool = False,
                      names: tuple = ("device", "reference")) -> None:
    """Compare a device's results with the reference's, element by element (see the module docstring).

    ``precise()`` gives the exact value of each result: a float64 (complex128) tensor, or an object
    with float64 arrays ``hi`` and ``lo``; it runs only where a float element differs.  ``budgets``:
    per result, the device's budget in ULPs (a number or one per element); none: no farther than
    the reference.
    """
    actual, reference = flat(actual), flat(reference)
    assert len(actual) == len(reference), f"{names[0]} gave {len(actual)} results, {names[1]} {len(reference)}"
    exact_values = None
    for i, (a, r) in enumerate(zip(actual, reference)):
        a, r = a.detach().cpu(), r.detach().cpu()
        assert (a.dtype, a.shape) == (r.dtype, r.shape), \
            f"result {i}: {names[0]} gave {a.dtype} {tuple(a.shape)}, {names[1]} {r.dtype} {tuple(r.shape)}"
        differ = differing(a, r)
        if not differ.any():
            continue
        where = differ.nonzero().tolist()
        if exact or not (a.is_floating_point() or a.is_complex()):
            shown = "\n".join(f"  at {tuple(k)}: {a[tuple(k)].item()!r}, {names[1]} {r[tuple(k)].item()!r}"
                              for k in where[:5])
            raise AssertionError(f"result {i} ({a.dtype}): {names[0]} differs bitwise from {names[1]} at "
                                 f"{len(where)} of {differ.numel()} elements\n{shown}")
        exact_values = flat(precise()) if exact_values is None else exact_values
        value = exact_values[i]
        hi, lo = (value.hi, value.lo) if hasattr(value, "hi") else (value.detach().cpu(), 0.0)
        dtype = a.real.dtype if a.is_complex() else a.dtype
        if a.is_complex():  # each part on its own: the real and imaginary parts are two floats
            a, r, differ = torch.view_as_real(a), torch.view_as_real(r), differ.unsqueeze(-1).expand(*a.shape, 2)
            hi = torch.view_as_real(hi.to(torch.complex128))
        hi = hi.to(torch.float64).numpy() if isinstance(hi, torch.Tensor) else hi
        error = ulps(dtype, a.to(torch.float64).numpy(), hi, lo)
        reference_error = ulps(dtype, r.to(torch.float64).numpy(), hi, lo)
        budget = np.broadcast_to(np.asarray(0.0 if budgets is None else budgets[i], dtype=np.float64), error.shape)
        bad = differ.numpy() & (error > budget) & (error > reference_error)
        if bad.any():
            shown = "\n".join(
                f"  at {tuple(int(j) for j in k)}: {names[0]} {a[tuple(k)].item()!r} ({error[tuple(k)]:.3g} ulp), "
                f"{names[1]} {r[tuple(k)].item()!r} ({reference_error[tuple(k)]:.3g} ulp), exact "
                f"{hi[tuple(k)] + np.broadcast_to(lo, hi.shape)[tuple(k)]!r}, budget {budget[tuple(k)]:.3g} ulp"
                for k in np.argwhere(bad)[:5])
            raise AssertionError(f"result {i} ({a.dtype}): {int(bad.sum())} elements of {names[0]} differ from "
                                 f"{names[1]}, outside the budget and farther from the exact value\n{shown}")


def check_values(device, reference_device, fn: Callable, inputs: Sequence, expected: Callable | None = None,
                 exact: bool = False, *, dtype: torch.dtype, judge: Callable | None = None,
                 signed_zeros: bool = True) -> None:
    """``fn(*inputs)``: every result of the documented ``dtype``; on the reference device equal to
    ``expected()`` (numpy; bitwise once cast to ``dtype``, zero signs too unless ``signed_zeros`` is
    False), or for a computed float result within its budget of the exact value ``judge(dtype, device)``
    gives (an :class:`~conformance.accuracy.Accuracy`); on any other device compared with the reference
    device's result element by element."""
    target, reference = devices.target(device), devices.target(reference_device)
    results = flat(run(target, fn, inputs))
    for i, a in enumerate(results):
        if a.dtype != dtype:
            raise AssertionError(f"result {i} has dtype {a.dtype}; the documented result dtype is {dtype}")
    computed = judge is not None and not exact and dtype.is_floating_point
    judged = [judge(a.dtype, target.device) for a in results] if computed else None
    if target == reference:
        if computed:
            for i, (a, judgement) in enumerate(zip(results, judged)):
                accuracy.check(a, judgement, target.name, f"result {i}")
            return
        wanted = flat(expected())
        assert len(results) == len(wanted), f"torch gave {len(results)} results, numpy {len(wanted)}"
        for i, (a, e) in enumerate(zip(results, wanted)):
            assert_equal(a.detach().cpu(), torch.from_numpy(np.array(e)).to(a.dtype), f"result {i} against numpy",
                         signed_zeros)
        return
    if computed:
        for a, judgement in zip(results, judged):
            accuracy.record(judgement.op, a.dtype, target.name,
                            ulps(a.dtype, accuracy.values_of(a), judgement.exact.hi, judgement.exact.lo),
                            judgement.budget)
    reference_results = flat(run(reference, fn, inputs))
    if not signed_zeros:  # x + 0 is +0.0 for either zero (IEEE 754 6.3)
        results, reference_results = ([t + 0 if t.is_floating_point() else t for t in ts]
                                      for ts in (results, reference_results))
    assert_no_farther(results, reference_results, lambda: [j.exact for j in judged],
                      [j.budget for j in judged] if computed else None, not computed, (target.name, reference.name))


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
    """``gradcheck`` of ``fn`` on the device; elsewhere than the reference, each element of its
    gradients no farther than the reference device's from the reference's float64 recomputation."""
    target, reference = devices.target(device), devices.target(reference_device)
    with target.context():
        torch.autograd.gradcheck(fn, [rebuilt(x, target.device) for x in inputs])
    if target != reference:
        vjp = gradients(fn)
        assert_no_farther(run(target, vjp, inputs), run(reference, vjp, inputs),
                          lambda: run(reference, vjp, inputs, widen=True), names=(target.name, reference.name))

