"""Which Core ATen overloads the registry reaches, measured.

The Core ATen IR opset (https://pytorch.org/docs/stable/torch.compiler_ir.html) is, at run time, the
ATen overloads tagged ``torch.Tag.core``.  :func:`measure` runs each registry entry's function route
(and, for a differentiable entry, its backward) on a few drawn cases and records the overloads that
run: a ``TorchDispatchMode`` sees every overload that reaches a kernel (after composite ops have
decomposed); ``torch.profiler`` sees the op each public call enters, which is how the
``CompositeImplicitAutograd`` core overloads (``upsample_nearest2d.vec``, ``var.dim``) are seen.

:func:`report` turns a measurement into the JSON document the dashboard reads (format in
:data:`FORMAT`).  ``UNREACHABLE`` lists, with the reason, the core overloads that no public Python
route reaches in eager mode; the coverage fraction is taken over the others.
"""

from __future__ import annotations

import contextlib
import datetime
import warnings
from collections import defaultdict

import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch.utils._python_dispatch import TorchDispatchMode

DOC = "https://pytorch.org/docs/stable/torch.compiler_ir.html"
FORMAT = "core-aten-coverage/1"

_SYMBOLIC = "dispatched only for symbolic sizes while tracing (torch.export, torch.compile); eager reads sizes in C++"
_FUNCTIONAL = "the functional form functionalization emits; eager public calls dispatch the in-place or view form"
UNREACHABLE = {
    "sym_numel.default": _SYMBOLIC,
    "sym_size.int": _SYMBOLIC,
    "sym_storage_offset.default": _SYMBOLIC,
    "sym_stride.int": _SYMBOLIC,
    "sym_is_contiguous.default": _SYMBOLIC,
    "copy.default": _FUNCTIONAL + " (Tensor.copy_ dispatches copy_)",
    "_native_batch_norm_legit.default": "the batch_norm decomposition of torch.export; eager F.batch_norm "
                                        "dispatches native_batch_norm (measured)",
    "_native_batch_norm_legit.no_stats": "as _native_batch_norm_legit.default",
    "_native_batch_norm_legit_no_training.default": "as _native_batch_norm_legit.default",
    "div.Scalar_mode": ("the Python binding wraps a Python number into a 0-d tensor, so torch.div(x, 2, "
                        "rounding_mode=...) dispatches div.Tensor_mode (measured); no registry entry reaches it"),
}
# Reached on some devices only: F.dropout calls native_dropout where its fused kernel is acceptable
# (CUDA, XPU, lazy, privateuse1), and draws with bernoulli_ on the cpu.
DEVICE_DEPENDENT = {"native_dropout.default": {"cpu"}}


def core_overloads() -> list[str]:
    """The installed torch's Core ATen overloads, as "name.overload"."""
    found = []
    names = {s.name.split("::", 1)[1] for s in torch._C._jit_get_all_schemas() if s.name.startswith("aten::")}
    for name in sorted(names):
        packet = getattr(torch.ops.aten, name, None)
        if not hasattr(packet, "overloads"):
            continue
        for overload in packet.overloads():
            if torch.Tag.core in getattr(packet, overload).tags:
                found.append(f"{name}.{overload}")
    return sorted(found)


def unreachable(device: str = "cpu") -> dict[str, str]:
    """The core overloads no public route reaches on ``device``, with the reason."""
    out = dict(UNREACHABLE)
    for overload, devices in DEVICE_DEPENDENT.items():
        if torch.device(device).type in devices:
            out[overload] = "F.dropout does not dispatch it on this device type"
    return out


class _Recorder(TorchDispatchMode):
    """Every overload that reaches a kernel."""

    def __init__(self):
        super().__init__()
        self.seen: set[str] = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.seen.add(f"{func._schema.name.split('::', 1)[1]}.{func._overloadname}")
        return func(*args, **(kwargs or {}))


def _composite_core() -> dict[str, list]:
    """Core overloads with a CompositeImplicitAutograd kernel, by op name: they decompose before a
    dispatch mode sees them."""
    out = defaultdict(list)
    for qualified in core_overloads():
        name, overload = qualified.split(".", 1)
        key = f"aten::{name}" + ("" if overload == "default" else f".{overload}")
        if torch._C._dispatch_has_kernel_for_dispatch_key(key, "CompositeImplicitAutograd"):
            out[name].append(getattr(getattr(torch.ops.aten, name), overload))
    return out


def _matches(schema, inputs) -> bool:
    """Whether the profiler's recorded concrete inputs fit ``schema``: the same count, and a Python
    bool exactly where the schema takes a bool (var.dim's ``unbiased`` against var.correction's number)."""
    if len(inputs) != len(schema.arguments):
        return False
    for argument, value in zip(schema.arguments, inputs):
        is_bool = "bool" in str(argument.type) and "[]" not in str(argument.type)
        if isinstance(value, bool) != is_bool:  # tensors and omitted optionals are recorded as None
            return False
    return True


def _profiled(events, composite) -> set[str]:
    found = set()
    for event in events:
        name = event.name.split("::", 1)[-1]
        for overload in composite.get(name, ()):
            if _matches(overload._schema, list(event.concrete_inputs)):
                found.add(f"{name}.{overload._overloadname}")
    return found


def _backward(result) -> None:
    from conformance.differential import flat
    outs = [t for t in flat(result) if isinstance(t, torch.Tensor) and t.requires_grad]
    if outs:
        total = sum((t.real if t.is_complex() else t).sum() for t in outs)
        total.backward()


def _other_routes(op, case, result) -> None:
    """The ``out=`` variant and, for an op with scalar operands, a Python number as the second one:
    they dispatch their own overloads (atan2.out, bitwise_and.Scalar)."""
    from conformance.differential import flat
    inputs, kwargs = case.arguments()
    if op.takes_out(kwargs) and len(flat(result)) == 1:
        op.fn(*inputs, out=torch.empty(0, dtype=flat(result)[0].dtype, device=flat(result)[0].device), **kwargs)
    if op.scalars and len(inputs) > 1:
        op.fn(inputs[0], True if inputs[0].dtype == torch.bool else 1, *inputs[2:], **kwargs)


def measure_op(op, device: str = "cpu", examples: int = 4) -> set[str]:
    """The core overloads ``op``'s function route (and its backward) reaches on a few drawn cases."""
    from conformance.ops import Sizes
    from conformance.ops_helpers import draw_case

    core = set(core_overloads())
    composite = _composite_core()
    seen: set[str] = set()
    dtypes = op.dtypes(device)
    if not dtypes:
        return seen
    float_dtypes = [d for d in dtypes if d in (torch.float32, torch.float64)]
    dtype = float_dtypes[0] if float_dtypes else dtypes[0]

    profiled = []

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data):
        case = draw_case(data, op, device, dtype, Sizes())
        inputs, kwargs = case.arguments()
        if op.differentiable and dtype.is_floating_point:
            for i in case.diff:
                inputs[i] = inputs[i].detach().requires_grad_()
        recorder = _Recorder()
        # the profiler (slow) on the first case only: the composite overloads an op enters do not
        # depend on its arguments' values
        profiler = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], record_shapes=True,
                                          ) if not profiled else contextlib.nullcontext()
        with warnings.catch_warnings(), profiler as profile:
            warnings.simplefilter("ignore")
            try:
                with recorder:
                    result = op.fn(*inputs, **kwargs)
                    if op.differentiable and dtype.is_floating_point:
                        _backward(result)
                    _other_routes(op, case, result)
            except Exception:  # noqa: BLE001 -- a case the op rejects reaches what it reached before raising
                pass
        seen.update(recorder.seen & core)
        if profile is not None:
            seen.update(_profiled(profile.events(), composite))
            profiled.append(True)

    run()
    return seen


def measure(registry, device: str = "cpu", examples: int = 4) -> dict[str, set[str]]:
    """Core overload -> the names of the registry entries that reach it."""
    reached = defaultdict(set)
    for op in registry:
        for overload in measure_op(op, device, examples):
            reached[overload].add(op.name)
    return dict(reached)


def report(reached: dict[str, set[str]], device: str = "cpu") -> dict:
    """The coverage document (FORMAT): per core overload its status and the entries reaching it."""
    core = core_overloads()
    excluded = unreachable(device)
    overloads = {}
    for overload in core:
        entries = sorted(reached.get(overload, ()))
        status = "covered" if entries else "unreachable" if overload in excluded else "uncovered"
        overloads[overload] = {"status": status, "entries": entries, "reason": excluded.get(overload, "")}
    reachable = [o for o in core if o not in excluded or reached.get(o)]
    covered = [o for o in reachable if reached.get(o)]
    return {
        "format": FORMAT,
        "source": DOC,
        "torch": torch.__version__,
        "device": device,
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "core": len(core),
        "reachable": len(reachable),
        "covered": len(covered),
        "fraction": round(len(covered) / len(reachable), 4) if reachable else 1.0,
        "overloads": overloads,
    }
