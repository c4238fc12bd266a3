"""Hot-op benchmarks (family "bench"): time per call, GB/s, GFLOP/s and percent of the machine's peak.

Run with ``python -m pytest conformance/test_benchmarks.py --benchmark-only [--bench-size large]``;
the conformance run skips them. Each op builds its inputs for the size set and device, and states
the bytes and FLOPs one call must at least move and do (:mod:`conformance.bench`).
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
import torch

from conformance import bench, ops
from conformance.bench import Case, Sizes

invariant = functools.partial(pytest.mark.invariant, "bench")

DOCS = "https://pytorch.org/docs/stable/"
F32 = torch.float32


def fn(name: str):
    """The registry op's function itself (looked up once: no wrapper in the timed call)."""
    return ops.resolve(ops.get(name).function)


def doc(name: str) -> str:
    return ops.get(name).doc


@dataclass(frozen=True)
class HotOp:
    """A hot op: how to build its benchmark case for a size set on a device."""

    name: str
    build: Callable[[Sizes, str], Case]
    source: str
    host_only: bool = False  # a numpy-bridge op: no accelerator version
    accelerator_only: bool = False  # a host/device transfer


def _vector(n: int, device: str, **kwargs) -> torch.Tensor:
    return torch.rand(n, device=device, dtype=F32, **kwargs)


def _binary(fn, out: bool) -> Callable[[Sizes, str], Case]:
    def build(s: Sizes, device: str) -> Case:
        a, b = _vector(s.vector, device), _vector(s.vector, device)
        call = functools.partial(fn, out=torch.empty_like(a)) if out else fn
        return Case(call, (a, b), bench.elementwise(s.vector, 4, inputs=2), F32, a.shape)
    return build


def _exp(s: Sizes, device: str) -> Case:
    a = _vector(s.vector, device)
    return Case(fn("exp"), (a,), bench.elementwise(s.vector, 4, inputs=1), F32, a.shape)


def _reduce(name: str, dim: int | None) -> Callable[[Sizes, str], Case]:
    def build(s: Sizes, device: str) -> Case:
        x = torch.rand(s.matrix, device=device)
        outputs = 1 if dim is None else s.matrix[1 - dim]
        call = fn(name) if dim is None else functools.partial(fn(name), dim=dim)
        work = bench.reduction(x.numel(), outputs, 4, mean=name == "mean")
        return Case(call, (x,), work, F32, x.shape, layout="contiguous" if dim is None else f"contiguous, dim={dim}")
    return build


def _matmul(dtype: torch.dtype) -> Callable[[Sizes, str], Case]:
    def build(s: Sizes, device: str) -> Case:
        a, b = (torch.rand(s.square, s.square, device=device, dtype=dtype) for _ in range(2))
        return Case(fn("matmul"), (a, b), bench.matmul(s.square, s.square, s.square, a.element_size()), dtype,
                    a.shape, bound=bench.MATMUL)
    return build


def _transpose_contiguous(s: Sizes, device: str) -> Case:
    x = torch.rand(s.matrix, device=device)
    return Case(lambda t: t.t().contiguous(), (x,), bench.copy(x.numel(), 4), F32, x.shape, layout="transposed")


def _cat(s: Sizes, device: str) -> Case:
    rows, cols = s.matrix
    parts = [torch.rand(rows // 4, cols, device=device) for _ in range(4)]
    return Case(fn("cat"), (parts,), bench.copy(rows * cols, 4), F32, (4, rows // 4, cols))


def _gather(s: Sizes, device: str) -> Case:
    x = _vector(s.vector, device)
    index = torch.randint(0, s.vector, (s.gathered,), device=device)
    return Case(operator.getitem, (x, index), bench.gather(s.gathered, 4, index.element_size()), F32, x.shape,
                layout=f"{s.gathered} random int64 indices")


def _mask(s: Sizes, device: str) -> Case:
    x = _vector(s.vector, device)
    mask = _vector(s.vector, device) < 0.5
    work = bench.masked(s.vector, int(mask.sum()), 4)
    return Case(operator.getitem, (x, mask), work, F32, x.shape, layout="random bool mask, half set")


def _latency(make: Callable[[Sizes, str], tuple[Callable, object]], layout: str) -> Callable[[Sizes, str], Case]:
    def build(s: Sizes, device: str) -> Case:
        fn, arg = make(s, device)
        return Case(fn, (arg,), bench.Work(0), F32, (s.vector,), layout=layout, bound=None)
    return build


def _backward(s: Sizes, device: str) -> Case:
    """Gradients of ``(x * w).exp().sum()``; the graph is kept so only the backward pass is timed.

    Minimum traffic: exp's backward reads its result and writes its gradient (one input), mul's
    backward makes both gradients from the incoming one and the other factor (two inputs each).
    """
    x, w = _vector(s.chain, device, requires_grad=True), _vector(s.chain, device, requires_grad=True)
    loss = (x * w).exp().sum()
    call = functools.partial(torch.autograd.grad, loss, (x, w), retain_graph=True)
    work = bench.elementwise(s.chain, 4, inputs=1) + bench.elementwise(s.chain, 4, inputs=2) \
        + bench.elementwise(s.chain, 4, inputs=2)
    return Case(call, (), work, F32, x.shape, layout="graph kept")


def _transfer(direction: str) -> Callable[[Sizes, str], Case]:
    def build(s: Sizes, device: str) -> Case:
        if direction == "d2h":
            x, target = _vector(s.vector, device), "cpu"
        else:
            x, target = _vector(s.vector, "cpu"), device
            x = x.pin_memory() if direction == "h2d-pinned" else x
        return Case(functools.partial(torch.Tensor.to, device=target), (x,), bench.transfer(s.vector, 4), F32,
                    x.shape, layout="pinned host" if x.is_pinned() else "pageable host", bound=bench.LINK)
    return build


HOT_OPS = [
    HotOp("add", _binary(fn("add"), out=False), doc("add")),
    HotOp("add-out", _binary(fn("add"), out=True), doc("add")),
    HotOp("mul", _binary(fn("mul"), out=False), doc("mul")),
    HotOp("mul-out", _binary(fn("mul"), out=True), doc("mul")),
    HotOp("exp", _exp, doc("exp")),
    HotOp("sum-all", _reduce("sum", None), doc("sum")),
    HotOp("sum-rows", _reduce("sum", 1), doc("sum")),
    HotOp("sum-cols", _reduce("sum", 0), doc("sum")),
    HotOp("mean-all", _reduce("mean", None), doc("mean")),
    HotOp("mean-rows", _reduce("mean", 1), doc("mean")),
    HotOp("mean-cols", _reduce("mean", 0), doc("mean")),
    HotOp("matmul-float32", _matmul(torch.float32), doc("matmul")),
    HotOp("matmul-bfloat16", _matmul(torch.bfloat16), doc("matmul")),
    HotOp("transpose-contiguous", _transpose_contiguous, DOCS + "generated/torch.Tensor.contiguous.html"),
    HotOp("cat", _cat, doc("cat")),
    HotOp("gather-index", _gather, doc("getitem-integer-array")),
    HotOp("mask-index", _mask, DOCS + "generated/torch.masked_select.html"),
    HotOp("from-numpy", _latency(lambda s, d: (torch.from_numpy, np.random.rand(s.vector).astype(np.float32)),
                                 "numpy array, shares memory"),
          DOCS + "generated/torch.from_numpy.html", host_only=True),
    HotOp("numpy", _latency(lambda s, d: (torch.Tensor.numpy, _vector(s.vector, d)), "shares memory"),
          DOCS + "generated/torch.Tensor.numpy.html", host_only=True),
    HotOp("detach", _latency(lambda s, d: (torch.Tensor.detach, _vector(s.vector, d, requires_grad=True)),
                             "requires_grad leaf"),
          DOCS + "generated/torch.Tensor.detach.html"),
    HotOp("backward-chain", _backward, DOCS + "generated/torch.autograd.grad.html"),
    HotOp("h2d", _transfer("h2d"), DOCS + "generated/torch.Tensor.to.html", accelerator_only=True),
    HotOp("h2d-pinned", _transfer("h2d-pinned"), DOCS + "generated/torch.Tensor.pin_memory.html",
          accelerator_only=True),
    HotOp("d2h", _transfer("d2h"), DOCS + "generated/torch.Tensor.to.html", accelerator_only=True),
]


@pytest.fixture
def case(op, device, bench_sizes) -> Case:
    """The op's inputs on this device; pairs that do not exist skip before the benchmark fixture is set up."""
    accelerator = bench.is_accelerator(device)
    if op.host_only and accelerator:
        pytest.skip("numpy bridge: host tensors only")
    if op.accelerator_only and not accelerator:
        pytest.skip("host/device transfer: needs an accelerator")
    return op.build(bench_sizes, device)


@pytest.mark.parametrize("op", [pytest.param(op, id=op.name, marks=invariant(op.name, source=op.source))
                                for op in HOT_OPS])
def test_hot_op(case, hot_bench, op):
    hot_bench(op.name, case)
