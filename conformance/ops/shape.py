"""Shape and view ops: transposes and permutations, reshape, expand, narrow, unsqueeze, flatten;
joining and splitting (cat, stack, split, chunk).

A view that reorders dims carries its ``permutation`` (result dim i is input dim perm[i]): the
layout family checks its strides and storage against it.
"""

from __future__ import annotations

import numpy as np

from conformance.derivatives import DOCS as GENERATED, cat_vjp, inverse, sum_to, yaml

from . import args
from .core import DOCS, OpInfo, doc

EVERY_KIND = ("float", "complex", "int", "uint", "bool")


def _swap(ndim: int, i: int, j: int) -> tuple:
    perm = list(range(max(ndim, 1)))
    perm[i], perm[j] = perm[j], perm[i]
    return tuple(perm[:ndim])


def _moved(ndim: int, source: int, destination: int) -> tuple:
    src, dst = source % ndim, destination % ndim
    perm = [d for d in range(ndim) if d != src]
    perm.insert(dst, src)
    return tuple(perm)


def _view(name, arguments, permutation=None, function=True, method=True, **extra):
    """A view op reached as ``torch.<name>`` and ``x.<name>()`` that moves no data."""
    return OpInfo(name, doc(f"torch.{name}"), arguments, function=f"torch.{name}" if function else None,
                  method=name if method else None, kinds=EVERY_KIND, permutation=permutation, exact=True, **extra)


def _split_method(x, split_size_or_sections, dim):
    """``x.split(split_size, dim)``: the method names its first argument differently."""
    return x.split(split_size_or_sections, dim)


def _swapaxes_ref(a, axis0, axis1):
    return np.swapaxes(a, axis0, axis1)


OPS = [
    _view("transpose", args.dim_pair("dim0", "dim1", max_dims=6),
          lambda ndim, kw: _swap(ndim, kw["dim0"] % ndim, kw["dim1"] % ndim), aliases=("torch.swapdims",),
          ref=lambda a, dim0, dim1: np.swapaxes(a, dim0, dim1), numpy="swapaxes", grad=2,
          vjp=lambda g, out, x, dim0, dim1: (g.transpose(dim0, dim1),), vjp_source=yaml("transpose.int("),
          node="TransposeBackward0", low_precision=True, zero_dim=False),
    _view("swapaxes", args.dim_pair("axis0", "axis1", max_dims=6),
          lambda ndim, kw: _swap(ndim, kw["axis0"] % ndim, kw["axis1"] % ndim), ref=_swapaxes_ref, numpy="swapaxes",
          grad=2, zero_dim=False),
    _view("permute", args.permute(), lambda ndim, kw: tuple(d % ndim for d in kw["dims"]),
          ref=lambda a, dims: np.transpose(a, dims), numpy="transpose", grad=2,
          vjp=lambda g, out, x, dims: (g.permute(inverse(dims)),), vjp_source=yaml("permute("), node="PermuteBackward0",
          low_precision=True),
    _view("movedim", args.dim_pair("source", "destination", max_dims=6),
          lambda ndim, kw: _moved(ndim, kw["source"], kw["destination"]), aliases=("torch.moveaxis",),
          ref=lambda a, source, destination: np.moveaxis(a, source, destination), numpy="moveaxis", grad=2,
          zero_dim=False),
    _view("t", args.of_dims(0, 2), lambda ndim, kw: tuple(reversed(range(ndim))), ref=np.transpose,
          numpy="transpose", grad=2),
    OpInfo("T", DOCS + "tensors.html#torch.Tensor.T", args.of_dims(2, 2), call=lambda x: x.T, kinds=EVERY_KIND,
           permutation=lambda ndim, kw: (1, 0), ref=np.transpose, numpy="transpose", exact=True, grad=2,
           zero_dim=False),
    OpInfo("mT", DOCS + "tensors.html#torch.Tensor.mT", args.of_dims(2, 4), call=lambda x: x.mT, kinds=EVERY_KIND,
           permutation=lambda ndim, kw: _swap(ndim, ndim - 2, ndim - 1), ref=lambda a: np.swapaxes(a, -2, -1),
           numpy="swapaxes", exact=True, grad=2, zero_dim=False),
    _view("reshape", args.reshape(), ref=lambda a, shape: np.reshape(a, shape), numpy="reshape", grad=2,
          vjp=lambda g, out, x, shape: (g.reshape(x.shape),), vjp_source=GENERATED + "torch.reshape.html (" +
          yaml("view(") + ")", low_precision=True),
    OpInfo("expand", doc("torch.Tensor.expand"), args.expand(), call=lambda x, size: x.expand(size), method="expand",
           aliases=("torch.broadcast_to",), kinds=EVERY_KIND, exact=True, grad=2,
           vjp=lambda g, out, x, size: (sum_to(g, x.shape),), vjp_source=yaml("expand("), node="ExpandBackward0",
           ref=lambda a, size: np.broadcast_to(a, tuple(a.shape[i - len(size) + a.ndim] if s == -1 else s
                                                        for i, s in enumerate(size))), numpy="broadcast_to"),
    _view("narrow", args.narrow(), ref=lambda a, dim, start, length: np.take(a, range(start, start + length), dim),
          numpy="take", grad=2, zero_dim=False),
    _view("unsqueeze", args.one_dim(extra=1), ref=lambda a, dim: np.expand_dims(a, dim), numpy="expand_dims", grad=2),
    _view("flatten", args.flatten(), ref=lambda a, start_dim, end_dim: _flattened(a, start_dim, end_dim),
          numpy="reshape", grad=2),
    OpInfo("cat", doc("torch.cat"), args.cat(), function="torch.cat", list_input=True, out=True,
           aliases=("torch.concat",), kinds=EVERY_KIND, ref=lambda *arrays, dim: np.concatenate(arrays, dim),
           numpy="concatenate", exact=True, grad=2, vjp=cat_vjp, vjp_source=yaml("cat("), node="CatBackward0",
           low_precision=True, zero_dim=False),
    OpInfo("stack", doc("torch.stack"), args.stack(), function="torch.stack", list_input=True, out=True,
           kinds=EVERY_KIND, ref=lambda *arrays, dim: np.stack(arrays, dim), numpy="stack", exact=True, grad=2,
           vjp=lambda g, out, *xs, dim: g.unbind(dim), vjp_source=yaml("stack("), node="StackBackward0",
           low_precision=True),
    _view("split", args.split("size"), method=False, extra_routes={"method": _split_method},
          ref=lambda a, split_size_or_sections, dim: _pieces(a, split_size_or_sections, dim),
          numpy="split", grad=2, zero_dim=False),
    OpInfo("split-sections", doc("torch.split"), args.split("sections"), function="torch.split",
           extra_routes={"method": _split_method},
           kinds=EVERY_KIND, ref=lambda a, split_size_or_sections, dim: np.split(
               a, list(np.cumsum(split_size_or_sections)[:-1]), axis=dim), numpy="split", exact=True, grad=2,
           zero_dim=False),
    _view("chunk", args.split("chunks"), ref=lambda a, chunks, dim: _pieces(a, -(-a.shape[dim] // chunks), dim),
          numpy="split", grad=2, zero_dim=False, zero_size=False),
]


def _pieces(a: np.ndarray, size: int, axis: int) -> list:
    """numpy pieces of ``size`` along ``axis``, the last one smaller: torch.split(int)'s rule."""
    return np.split(a, list(range(size, a.shape[axis], size)), axis=axis)


def _flattened(a: np.ndarray, start_dim: int, end_dim: int) -> np.ndarray:
    """torch.flatten's rule: dims start..end merged into one (a 0-d array becomes 1-D)."""
    if a.ndim == 0:
        return a.reshape(1)
    start, end = start_dim % a.ndim, end_dim % a.ndim
    return a.reshape(a.shape[:start] + (int(np.prod(a.shape[start:end + 1])),) + a.shape[end + 1:])
