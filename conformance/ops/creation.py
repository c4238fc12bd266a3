"""Creation and copying ops that take a tensor: clone, copy_ (across dtypes), Tensor.to(dtype), fill_, and
the ``*_like`` factories, with numpy as reference.

Nothing here rounds but a conversion to a narrower dtype, which is correctly rounded (or truncated
toward zero into an integer) the same way by every route, so every comparison is bitwise.  Values
converted between dtypes are non-negative integers and halves below 4: exact in every dtype, and never
a negative float converted to uint8 (undefined in C++).  The factories that take no tensor
(torch.full, arange, scalar_tensor, empty_strided, empty) are checked against their documentation in
``conformance/test_rearrange.py``.
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from .core import Arg, Domain, OpInfo, Sizes, doc

EVERY_KIND = ("float", "complex", "int", "uint", "bool")
REAL_KINDS = ("float", "int", "uint", "bool")  # the grid of halves is drawn by rounding, which complex lacks
SMALL = Domain(0.0, 3.5, integers=(0, 3))  # every dtype holds these exactly (floats: drawn on a grid below)
HALVES = Domain(0.0, 3.5, integers=(0, 3), grid=0.5)
TARGETS = (torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64, torch.complex128,
           torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8, torch.bool)
SOURCES = tuple(d for d in TARGETS if not d.is_complex)  # a complex source into a real self discards its imaginary part
FILL_VALUES = st.sampled_from([0, 1, 3, 0.5, 2.5, True])


@st.composite
def _memory_format(draw, sizes: Sizes):
    shape = draw(sizes.shape(), label="shape")
    # channels_last is left out: "Tensor.clone(memory_format) inside vmap is only supported with memory_format
    # torch.preserve_format or torch.contiguous_format" (NYI), so vmap could not check it
    formats = [None, torch.preserve_format, torch.contiguous_format]
    fmt = draw(st.sampled_from(formats), label="memory_format")
    return (shape,), ({} if fmt is None else {"memory_format": fmt})


@st.composite
def _copy(draw, sizes: Sizes):
    """self and a source of another dtype (or the same) that broadcasts to self's shape."""
    shape = draw(sizes.shape(), label="self shape")
    lead = draw(st.integers(0, len(shape)), label="dropped leading dims")
    source = tuple(1 if draw(st.booleans(), label="broadcast side") else s for s in shape[lead:])
    dtype = draw(st.sampled_from(SOURCES), label="source dtype")
    return (shape, Arg(source, dtype, HALVES)), {}


def _copied(x, src):
    """The out-of-place copy_: a new tensor of self's dtype, shape and layout holding src's values."""
    return x.clone().copy_(src)


def _copy_ref(a, src):
    return np.broadcast_to(src, a.shape).copy()


@st.composite
def _to_dtype(draw, sizes: Sizes):
    return (draw(sizes.shape(), label="shape"),), {"dtype": draw(st.sampled_from(TARGETS), label="dtype")}


def _to(x, dtype):
    return x.to(dtype)


@st.composite
def _fill(draw, sizes: Sizes):
    return (draw(sizes.shape(), label="shape"),), {"value": draw(FILL_VALUES, label="value")}


@st.composite
def _full_like(draw, sizes: Sizes):
    return (draw(sizes.shape(), label="shape"),), {"fill_value": draw(FILL_VALUES, label="fill_value")}


def _like(sizes: Sizes):
    """One input of any shape (any layout: the result follows its memory format), no other argument."""
    return st.tuples(st.tuples(sizes.shape()), st.just({}))


OPS = [
    OpInfo("clone", doc("torch.clone"), _memory_format, function="torch.clone", method="clone", kinds=EVERY_KIND,
           ref=lambda a, memory_format=None: a.copy(), numpy="copy", exact=True, grad=2),
    OpInfo("copy_", doc("torch.Tensor.copy_"), _copy, call=_copied, inplace="copy_", kinds=REAL_KINDS,
           domains=(HALVES,), ref=_copy_ref, numpy="broadcast_to", exact=True,
           notes="the function route is copy_ into a clone of self (the out-of-place copy), the in-place route "
                 "self.copy_(src); src of any real dtype (a complex one would drop its imaginary part with a warning)"),
    OpInfo("to-dtype", doc("torch.Tensor.to"), _to_dtype, call=_to,
           extra_routes={"to-keyword": lambda x, dtype: x.to(dtype=dtype), "type": lambda x, dtype: x.type(dtype)},
           kinds=REAL_KINDS, domains=(HALVES,), ref=lambda a, dtype: a.copy(), numpy="copy", exact=True,
           notes="values exact in every dtype; the conversion to each target dtype is compared with numpy's values "
                 "converted by torch.from_numpy(...).to(dtype)"),
    OpInfo("fill", doc("torch.Tensor.fill_"), _fill, function="torch.fill",
           extra_routes={"inplace-method": lambda x, value: x.clone().fill_(value)}, kinds=EVERY_KIND,
           domains=(SMALL,), ref=lambda a, value: np.full_like(a, value), numpy="full_like", exact=True,
           notes="fill_ is checked as a route on a clone: on an expanded self it writes one value to the shared "
                 "cell without the overlap error other in-place ops raise (every element still equals the value)"),
    OpInfo("full_like", doc("torch.full_like"), _full_like, function="torch.full_like", kinds=EVERY_KIND,
           domains=(SMALL,), ref=lambda a, fill_value: np.full_like(a, fill_value), numpy="full_like", exact=True),
    OpInfo("zeros_like", doc("torch.zeros_like"), _like, function="torch.zeros_like",
           kinds=EVERY_KIND, ref=np.zeros_like, numpy="zeros_like", exact=True),
    OpInfo("ones_like", doc("torch.ones_like"), _like, function="torch.ones_like",
           kinds=EVERY_KIND, ref=np.ones_like, numpy="ones_like", exact=True),
]
