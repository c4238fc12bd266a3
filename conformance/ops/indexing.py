"""Indexing: ``x[index]`` and ``x[index] = value`` for each kind of index numpy defines, and
integer-array indexing along the first dim with its gradient.

An index is a tuple of slices, ints, None, Ellipsis and index tensors; the tensors are drawn by
``strategies.tensors()`` like every other argument (:class:`Arg`).  A one-element index reaches
``__getitem__`` bare (``x[mask]``) or as a tuple (``x[(mask,)]``): two routes, which PyTorch
implements apart.
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conformance.derivatives import index_vjp, yaml

from .core import DOCS, Arg, Domain, NotApplicable, OpInfo, Sizes

INDEXING_DOC = DOCS + "tensor_view.html"  # torch follows numpy's indexing rules
NUMPY_INDEXING = "https://numpy.org/doc/stable/user/basics.indexing.html"
EVERY_KIND = ("float", "complex", "int", "uint", "bool")
VALUE_KINDS = ("float", "int", "uint", "bool")


def _positions(size: int, unique: bool = False) -> Domain:
    """Index values into a dim of ``size``: negative ones too (unique ones: non-negative, so two never
    name the same position)."""
    return Domain(integers=(0 if unique else -size, size - 1), unique=unique)


def _index_array(draw, size: int, unique: bool = False) -> Arg:
    """An int64 index tensor into a dim of ``size`` (negative indices, duplicates unless ``unique``)."""
    if unique:
        count = draw(st.integers(0, min(size, 4)), label="index length")
        return Arg((count,), torch.int64, _positions(size, unique=True))
    shape = draw(st.sampled_from([(), (1,), (3,), (2, 2), (0,)]), label="index shape")
    return Arg(shape, torch.int64, _positions(size))


@st.composite
def _slice_of(draw, size: int):
    bound = st.one_of(st.none(), st.integers(-size - 1, size + 1))
    return slice(draw(bound), draw(bound), draw(st.sampled_from([None, 1, 2, 3])))


MIN_DIMS = {"basic": 0, "integer-array": 1, "boolean-mask": 1, "mixed": 2, "mixed-with-integers": 3}


@st.composite
def _index(draw, shape: tuple, kind: str, unique: bool = False):
    """An index of ``kind`` into a tensor of ``shape``."""
    ndim = len(shape)
    parts = [draw(_slice_of(size)) for size in shape]
    if kind == "basic":
        for d in range(ndim):
            if shape[d] and draw(st.booleans()):
                parts[d] = draw(st.integers(-shape[d], shape[d] - 1))
        if draw(st.booleans()):
            parts.insert(draw(st.integers(0, len(parts))), None)
        if parts and draw(st.booleans()):
            cut = draw(st.integers(0, len(parts)))
            parts = parts[:cut] + [Ellipsis]
    elif kind == "integer-array":
        d = draw(st.integers(0, ndim - 1))
        parts[d] = _index_array(draw, shape[d], unique)
    elif kind == "boolean-mask":
        # the mask covers dims start..stop-1; a mask over every dim is a one-part index: x[mask] takes
        # another path than x[(mask,)] (the bare route), so it is drawn as often as the rest together
        if draw(st.booleans(), label="mask over every dim"):
            start, stop = 0, ndim
        else:
            start = draw(st.integers(0, ndim - 1), label="mask start")
            stop = ndim if draw(st.booleans(), label="mask to the last dim") else draw(st.integers(start + 1, ndim))
        parts = parts[:start] + [Arg(shape[start:stop], torch.bool)] + parts[stop:]
    else:  # "mixed" or "mixed-with-integers": two index arrays, broadcast together, maybe apart
        i, j = sorted(draw(st.lists(st.integers(0, ndim - 1), min_size=2, max_size=2, unique=True)))
        pair = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=2, max_side=3)).input_shapes
        for d, s in ((i, pair[0]), (j, pair[1])):
            parts[d] = Arg(s, torch.int64, _positions(shape[d]))
        if kind == "mixed-with-integers":
            d = draw(st.sampled_from([d for d in range(ndim) if d not in (i, j)]))
            parts[d] = draw(st.integers(-shape[d], shape[d] - 1))
    return tuple(parts)


def numpy_index(index: tuple, arrays=None) -> tuple:
    """The index with each part numpy can use: tensors as arrays (``arrays`` converts them)."""
    convert = arrays or (lambda t: t.detach().cpu().numpy())
    return tuple(convert(p) if isinstance(p, torch.Tensor) else p for p in index)


def _target_shape(shape: tuple, index: tuple) -> tuple:
    """The shape ``x[index]`` has, taking every mask element as set."""
    dummy = tuple(p if not isinstance(p, Arg) else
                  np.ones(p.shape, bool) if p.dtype == torch.bool else np.zeros(p.shape, np.int64) for p in index)
    return np.empty(shape)[dummy].shape


@st.composite
def _getitem_args(draw, sizes: Sizes, kind: str):
    shape = draw(sizes.shape(min_dims=MIN_DIMS[kind], zero_size=kind == "basic"), label="shape")
    return (shape,), {"index": draw(_index(shape, kind), label="index")}


@st.composite
def _setitem_args(draw, sizes: Sizes, kind: str):
    """A tensor, an index with distinct positions, and a value broadcasting to the indexed cells."""
    shape = draw(sizes.shape(min_dims=MIN_DIMS[kind], zero_size=kind == "basic"), label="shape")
    index = draw(_index(shape, kind, unique=True), label="index")
    target = _target_shape(shape, index)
    # the number of cells a mask selects is drawn with its values: the value broadcasts along it
    fixed_dims = len(target) - (index.index(next(p for p in index if isinstance(p, Arg))) + 1
                                if kind == "boolean-mask" else 0)
    kept = draw(st.integers(0, fixed_dims), label="value dims")
    value = tuple(draw(st.sampled_from([1, size]), label="value side") for size in target[len(target) - kept:])
    return (shape, value), {"index": index}


def _getitem(x, index):
    return x[index]


def _bare_getitem(x, index):
    if len(index) != 1:
        raise NotApplicable("a bare index has one part")
    return x[index[0]]


def _setitem(x, value, index):
    x[index] = value
    return x


def _bare_setitem(x, value, index):
    if len(index) != 1:
        raise NotApplicable("a bare index has one part")
    x[index[0]] = value
    return x


def _getitem_ref(a, index):
    return a[index]


def _setitem_ref(a, value, index):
    a = a.copy()
    a[index] = value
    return a


@st.composite
def _rows(draw, sizes: Sizes):
    """An integer index tensor along dim 0, repeats and negative indices included."""
    shape = draw(sizes.shape(min_dims=1), label="shape")
    rows = shape[0]
    count = draw(st.integers(0, 6), label="index length") if rows else 0
    return (shape, Arg((count,), torch.int64, _positions(max(rows, 1)))), {}


SOURCES = {
    "basic": INDEXING_DOC,
    "integer-array": NUMPY_INDEXING + "#integer-array-indexing",
    "boolean-mask": NUMPY_INDEXING + "#boolean-array-indexing",
    "mixed": NUMPY_INDEXING + "#combining-advanced-and-basic-indexing",
    "mixed-with-integers": NUMPY_INDEXING + "#combining-advanced-and-basic-indexing",
}
SETITEM_SOURCE = NUMPY_INDEXING + "#assigning-values-to-indexed-arrays"


def _getitem_op(kind: str) -> OpInfo:
    return OpInfo(f"getitem-{kind}", SOURCES[kind], lambda sizes: _getitem_args(sizes, kind), call=_getitem,
                  extra_routes={"bare-index": _bare_getitem}, kinds=EVERY_KIND, ref=_getitem_ref, exact=True,
                  ref_kinds=VALUE_KINDS, grad=2, zero_dim=kind == "basic", zero_size=kind == "basic",
                  meta=kind != "boolean-mask", vmap=kind != "boolean-mask",
                  notes="a mask selects a data-dependent number of elements: no meta result, no vmap")


def _setitem_op(kind: str) -> OpInfo:
    return OpInfo(f"setitem-{kind}", SETITEM_SOURCE, lambda sizes: _setitem_args(sizes, kind), call=_setitem,
                  extra_routes={"bare-index": _bare_setitem}, kinds=EVERY_KIND, ref=_setitem_ref, exact=True,
                  ref_kinds=VALUE_KINDS, mutates=True, zero_dim=kind == "basic", zero_size=kind == "basic",
                  meta=kind != "boolean-mask", vmap=False,
                  notes="distinct positions: with a repeated index the written value is undefined")


OPS = [
    OpInfo("index", DOCS + "generated/torch.Tensor.index_select.html", _rows, call=_getitem,
           extra_routes={"tuple-index": lambda x, i: x[(i,)]},
           kinds=EVERY_KIND, ref=_getitem_ref, numpy="take", exact=True, grad=2, vjp=index_vjp,
           vjp_source=yaml("index.Tensor("), node="IndexBackward0", zero_dim=False),
    *[_getitem_op(kind) for kind in SOURCES],
    *[_setitem_op(kind) for kind in ("basic", "integer-array", "boolean-mask")],
]
