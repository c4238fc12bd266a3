"""A self-test device under test: cpu wrapped in a dispatch mode that plants a fault in one op.

Conformance tests accept a :class:`conformance.devices.Target` as their ``device``; this one runs on
cpu like the reference, so only the differential path (device vs reference) can tell them apart.
"""

from __future__ import annotations

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from conformance.devices import Target


class OffByRelative(TorchDispatchMode):
    """``op`` returns floating results ``relative`` too large -- only for non-contiguous inputs
    when ``strided_only``.  ``relative=0`` leaves every result exact (a clean self-test target)."""

    def __init__(self, op, relative: float, strided_only: bool):
        super().__init__()
        self.op, self.relative, self.strided_only = op, relative, strided_only

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        inputs = [a for a in (*args, *(kwargs or {}).values()) if isinstance(a, torch.Tensor)]
        if func is self.op and isinstance(out, torch.Tensor) and out.is_floating_point() and self.relative \
                and (not self.strided_only or any(not t.is_contiguous() for t in inputs)):
            out = out * (1 + self.relative)  # the mode is off inside its own handler: no recursion
        return out


def cpu_with_fault(op=torch.ops.aten.mul.Tensor, relative: float = 1e-5, strided_only: bool = True) -> Target:
    """cpu as a device under test whose ``op`` is off by ``relative``."""
    name = f"cpu+{op.__name__}-off-{relative:g}" if relative else "cpu+clean-dispatch-mode"
    return Target(name, torch.device("cpu"), lambda: OffByRelative(op, relative, strided_only))


class OneElementOff(TorchDispatchMode):
    """``op`` returns floating results whose first finite element is ``relative`` too large -- only for
    results that also hold a non-finite element, where an aggregate over the tensor sees inf either way."""

    def __init__(self, op, relative: float):
        super().__init__()
        self.op, self.relative = op, relative

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if func is self.op and isinstance(out, torch.Tensor) and out.is_floating_point():
            finite = out.isfinite().reshape(-1)
            if finite.any() and not finite.all():
                out = out.clone()
                flat = out.view(-1) if out.is_contiguous() else out.reshape(-1)
                first = int(finite.nonzero()[0])
                flat[first] = flat[first] * (1 + self.relative)
                if not out.is_contiguous():
                    out = flat.reshape(out.shape)
        return out


def cpu_with_one_wrong_element(op=torch.ops.aten.exp.default, relative: float = 1e-3) -> Target:
    """cpu as a device under test whose ``op`` is wrong in one element of results that hold an inf or nan."""
    return Target(f"cpu+{op.__name__}-one-element-off-{relative:g}", torch.device("cpu"),
                  lambda: OneElementOff(op, relative))
