"""Core ATen coverage: which overloads of PyTorch's Core ATen IR opset each registry entry reaches.

The Core ATen IR (https://pytorch.org/docs/stable/torch.compiler_ir.html) is the opset every backend
must implement; at run time its overloads are the ATen overloads tagged ``torch.Tag.core``.  What an
entry reaches is measured, never claimed: its routes (function, method, operator, aliases, in-place,
``out=``) and, for a differentiable entry, its backward run under a dispatch trace
(:class:`Trace`, a ``TorchDispatchMode``: "Extending all torch API with Modes",
https://pytorch.org/docs/stable/notes/extending.html) that records every overload dispatched.

``core_aten.json`` beside this module holds the measured reach of every entry (``reached``, written by
``python -m conformance.core_aten``) and the core overloads no public route reaches deterministically
(``unreachable``, each with its reason and source).  ``conformance/test_core_aten.py`` checks on each
device that every entry still reaches what it reached; ``tests/test_core_aten.py`` that the reached
overloads cover the reachable core set.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path

import torch
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from conformance.differential import flat
from conformance.ops import REGISTRY, NotApplicable, OpInfo
from conformance.ops_helpers import draw_of_kind, operand_kinds

PATH = Path(__file__).with_name("core_aten.json")
DOC = "https://pytorch.org/docs/stable/torch.compiler_ir.html"
EXAMPLES = 8  # draws per round: enough to reach each keyword variant the entry draws
BASELINE_ROUNDS = 4  # rounds (seeds 0, 1, ...) the baseline measures; it keeps what all of them reach
ROUNDS = 8  # rounds a test takes at most while a baselined overload is missing

try:  # the documented extension point (notes/extending.html), in a private module since torch 1.13
    from torch.utils._python_dispatch import TorchDispatchMode
except ImportError as error:  # pragma: no cover - depends on the installed torch
    raise ImportError(f"torch {torch.__version__} has no torch.utils._python_dispatch.TorchDispatchMode; "
                      "Core ATen coverage cannot be measured") from error


@lru_cache(maxsize=None)
def core_overloads() -> frozenset[str]:
    """The installed torch's Core ATen overloads, as ``"add.Tensor"``: those tagged ``torch.Tag.core`` among
    every ATen overload registered with the dispatcher (``dir(torch.ops.aten)`` lists only those loaded so far)."""
    found = set()
    for qualified in torch._C._dispatch_get_all_op_names():
        namespace, _, name = qualified.partition("::")
        if namespace != "aten":
            continue
        packet, _, overload = name.partition(".")
        if torch.Tag.core in getattr(getattr(torch.ops.aten, packet), overload or "default").tags:
            found.add(f"{packet}.{overload or 'default'}")
    return frozenset(found)


class Trace(TorchDispatchMode):
    """Records the ATen overloads dispatched while it is active, as ``"add.Tensor"``."""

    def __init__(self):
        super().__init__()
        self.seen: set[str] = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        packet, overload = func._schema.name.split("::")[-1], func._overloadname
        self.seen.add(f"{packet}.{overload}")
        return func(*args, **(kwargs or {}))


def _quietly(call, *args, **kwargs):
    """``call``'s result, or None where it raises: a route that does not take these arguments reaches nothing."""
    try:
        return call(*args, **kwargs)
    except (NotApplicable, RuntimeError, TypeError, ValueError, IndexError, NotImplementedError):
        return None


def _exercise(case, op: OpInfo, trace: Trace) -> None:
    """Every route of ``op`` on ``case`` under ``trace``: new-result routes, in-place routes, ``out=``, and
    the backward.  The arguments are built outside the trace: only the op's own dispatches count."""
    result = None
    for route in [*op.routes().values(), *op.inplace_routes().values()]:
        inputs, kwargs = case.arguments()
        with trace:
            got = _quietly(route, *inputs, **kwargs)
        result = got if result is None else result
    results = [r for r in flat(result) if isinstance(r, torch.Tensor)] if result is not None else []
    if results and op.takes_out(case.kwargs):
        out = tuple(torch.empty(0, dtype=r.dtype, device=r.device) for r in results)
        inputs, kwargs = case.arguments()
        with trace:
            _quietly(op.fn, *inputs, out=out[0] if len(out) == 1 else out, **kwargs)
    inputs, _ = case.arguments()
    if op.differentiable and case.diff and all(inputs[i].is_floating_point() for i in case.diff):
        leaves = case.leaves()
        function = case.function()
        with trace:
            got = _quietly(function, *leaves)
        outputs = [r for r in flat(got) if isinstance(r, torch.Tensor) and r.requires_grad] if got is not None else []
        if outputs:
            grads = [torch.ones_like(r) for r in outputs]
            with trace:
                _quietly(torch.autograd.grad, outputs, leaves, grads, allow_unused=True)


def _round(op: OpInfo, device, round_seed: int) -> frozenset[str]:
    """The Core ATen overloads ``op``'s routes and backward reach on ``device`` over :data:`EXAMPLES` draws of
    every dtype kind (and operand kind) it takes, from the fixed seed ``round_seed``."""
    trace = Trace()
    axes = [(kind, operand) for kind in op.kinds for operand in (operand_kinds(op) or ("tensor",))]

    def run(data):
        for kind, operand in axes:
            if op.dtypes(device, (kind,)):
                _exercise(draw_of_kind(data, op, device, kind, operand), op, trace)

    # Hypothesis's own defaults as parent, not the loaded profile: the same draws in every profile and
    # outside pytest, where the baseline is written
    configured = settings(parent=settings.get_profile("default"), max_examples=EXAMPLES, database=None,
                          deadline=None, suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    seed(round_seed)(configured(given(data=st.data())(run)))()
    return frozenset(trace.seen) & core_overloads()


def reach(op: OpInfo, device, wanted: frozenset[str] = frozenset()) -> frozenset[str]:
    """What ``op`` reaches on ``device`` in round 0; with ``wanted`` (the baseline), the union of up to
    :data:`ROUNDS` rounds, stopping once it holds ``wanted``.  The baseline holds only what each of its
    :data:`BASELINE_ROUNDS` rounds reached, so another Hypothesis release, whose draws differ, finds it
    again within a few rounds (an overload that some shapes reach only, like a broadcast's reduction in the
    backward, is not baselined)."""
    reached = _round(op, device, 0)
    for round_seed in range(1, ROUNDS if wanted else 1):
        if wanted <= reached:
            break
        reached |= _round(op, device, round_seed)
    return reached


def robust_reach(op: OpInfo, device) -> frozenset[str]:
    """What every one of the :data:`BASELINE_ROUNDS` rounds reaches: what the baseline records."""
    return frozenset.intersection(*(_round(op, device, s) for s in range(BASELINE_ROUNDS)))


def load(path: Path = PATH) -> dict:
    """``{"torch": ..., "reached": {entry: [overload, ...]}, "unreachable": [{overload, reason, source}]}``."""
    return json.loads(path.read_text())


def baseline(path: Path = PATH) -> dict[str, frozenset[str]]:
    """The overloads each entry reached when the baseline was measured."""
    return {name: frozenset(overloads) for name, overloads in load(path)["reached"].items()}


def unreachable(path: Path = PATH) -> dict[str, str]:
    """The core overloads no public route reaches deterministically: overload -> reason (source)."""
    return {e["overload"]: f"{e['reason']} ({e['source']})" for e in load(path)["unreachable"]}


def reachable() -> list[str]:
    """The core overloads of the installed torch that a public route can reach: all but :func:`unreachable`."""
    return sorted(core_overloads() - set(unreachable()))


def write(path: Path = PATH, device: str = "cpu") -> dict:
    """Measure every entry's reach on ``device`` and write it to ``path`` (keeping ``unreachable``)."""
    data = load(path) if path.exists() else {"unreachable": []}
    data["torch"] = torch.__version__.split("+")[0]
    data["reached"] = {name: sorted(found) for name, op in REGISTRY.items() if (found := robust_reach(op, device))}
    path.write_text(json.dumps(data, indent=1) + "\n")
    return data


if __name__ == "__main__":
    written = write()
    covered = set().union(*map(set, written["reached"].values()))
    missing = core_overloads() - covered - set(unreachable())
    print(f"{len(written['reached'])} entries reach {len(covered)} of {len(core_overloads())} core overloads; "
          f"not reached: {sorted(missing)}", file=sys.stderr)
