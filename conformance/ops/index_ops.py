"""The index family as functions: gather and scatter (with their reductions), the ``index_*`` ops,
``index_put``, ``take``/``take_along_dim``, the masked ops, the ``*_scatter`` embeddings, ``nonzero``.

Index tensors are :class:`Arg` s drawn by ``strategies.tensors()`` like every other argument (strided,
offset, expanded), their values inside the indexed dim.  Where a repeated index makes the written
value undefined (``scatter``, ``index_copy``, ``index_put`` without ``accumulate``) the index values
are distinct; where repeats accumulate (``scatter_add``, ``index_add``, ``scatter_reduce``, ...) they
are drawn on purpose, with integral values so that any order of accumulation gives the same sum.
The numpy references apply the documented formula element by element.
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from . import args
from .core import Arg, Domain, OpInfo, Sizes, doc

EVERY_KIND = ("float", "complex", "int", "uint", "bool")
VALUE_KINDS = ("float", "int", "uint", "bool")
REAL = ("float", "int", "uint")
INTEGRAL = Domain(-3.0, 3.0, integers=(-3, 3), grid=1.0)  # sums exact in every dtype, in any order
FACTORS = Domain(-2.0, 2.0, min_abs=1.0, integers=(-2, 2), grid=1.0)  # +-1, +-2: exact products
DISTINCT = Domain(-10.0, 10.0, unique=True, integers=(-100, 100))
LOW = (torch.float16, torch.bfloat16)


def positions(size: int, unique: bool = False, negative: bool = False) -> Domain:
    """Index values into a dim of ``size`` (negative ones where the op takes them)."""
    return Domain(integers=(-size if negative and size else 0, max(size - 1, 0)), unique=unique)


# ---------------------------------------------------------------------------
# Argument strategies
# ---------------------------------------------------------------------------

@st.composite
def _shape_and_dim(draw, sizes: Sizes, min_dims: int = 0, zero_size: bool = True):
    shape = draw(sizes.shape(min_dims=min_dims, zero_size=zero_size), label="shape")
    ndim = max(len(shape), 1)
    return shape, draw(st.integers(-ndim, ndim - 1), label="dim")


def _side(shape, dim) -> int:
    return shape[dim] if shape else 1


@st.composite
def _gather(draw, sizes: Sizes, negative: bool):
    """gather / take_along_dim: an index of the input's rank, no longer than it off ``dim``
    (take_along_dim, ``negative``, takes no 0-d input)."""
    shape, dim = draw(_shape_and_dim(sizes, min_dims=1 if negative else 0))
    size = _side(shape, dim)
    if not shape:
        return ((), Arg((), torch.int64, positions(1))), {"dim": dim}
    index = tuple(draw(st.integers(0, 3 if size else 0), label="index length") if d == dim % len(shape)
                  else draw(st.integers(0, s), label="index side") for d, s in enumerate(shape))
    return (shape, Arg(index, torch.int64, positions(size, negative=negative))), {"dim": dim}


def _as_kwargs(strategy, names):
    """Move the inputs after the first into keyword arguments ``names`` (gather's ``index=``)."""
    return lambda sizes: strategy(sizes).map(
        lambda case: (case[0][:1], {**case[1], **dict(zip(names, case[0][1:]))}))


@st.composite
def _scatter(draw, sizes: Sizes, unique: bool, src: bool, options):
    """scatter(dim, index, src): an index no longer than the input off ``dim``; with ``unique``, one
    index column of distinct positions (every other side 1), so no cell is written twice."""
    shape, dim = draw(_shape_and_dim(sizes))
    size = _side(shape, dim)
    if not shape:
        index = ()
    elif unique:
        index = tuple(draw(st.integers(0, size), label="index length") if d == dim % len(shape)
                      else min(1, s) for d, s in enumerate(shape))
    else:
        index = tuple(draw(st.integers(0, 3 if size else 0), label="index length") if d == dim % len(shape)
                      else draw(st.integers(0, s), label="index side") for d, s in enumerate(shape))
    kwargs = {"dim": dim, "index": Arg(index, torch.int64, positions(size, unique))}
    kwargs.update(draw(args.fixed(**options), label="options"))
    return ((shape, index) if src else (shape,)), kwargs


def scatter(unique: bool = False, src: bool = True, **options):
    return lambda sizes: _scatter(sizes, unique, src, options)


@st.composite
def _index_dim(draw, sizes: Sizes, unique: bool, source: bool, options, negative: bool = False):
    """index_add / index_copy / index_fill / index_reduce / index_select: a 1-D index into ``dim``
    and, with ``source``, a source of the input's shape but the index's length along ``dim``."""
    shape, dim = draw(_shape_and_dim(sizes, min_dims=1, zero_size=False))
    if sizes.mode == "any" and shape[dim] < 3:  # room for an index of several positions
        shape = shape[:dim % len(shape)] + (3,) + shape[dim % len(shape) + 1:]
    size = shape[dim]
    longest = size if unique else (4 if size else 0)
    length = longest - draw(st.integers(0, longest), label="index length short of the longest")  # long ones first
    kwargs = {"dim": dim, "index": Arg((length,), torch.int64, positions(size, unique, negative))}
    kwargs.update(draw(args.fixed(**options), label="options"))
    if not source:
        return (shape,), kwargs
    return (shape, shape[:dim % len(shape)] + (length,) + shape[dim % len(shape) + 1:]), kwargs


def index_dim(unique=False, source=True, negative=False, **options):
    return lambda sizes: _index_dim(sizes, unique, source, options, negative)


@st.composite
def _index_put(draw, sizes: Sizes, accumulate: bool):
    """index_put(indices=(rows,), values): rows into dim 0, values broadcasting to the rows' cells."""
    shape = draw(sizes.shape(min_dims=1), label="shape")
    count = draw(st.integers(0, shape[0] if not accumulate else (4 if shape[0] else 0)), label="rows")
    rows = Arg((count,), torch.int64, positions(shape[0], unique=not accumulate, negative=True))
    target = (count,) + shape[1:]
    kept = draw(st.integers(0, len(target)), label="value dims")
    values = tuple(draw(st.sampled_from([1, s]), label="value side") for s in target[len(target) - kept:])
    return (shape, values), {"indices": (rows,), "accumulate": accumulate}


@st.composite
def _take(draw, sizes: Sizes):
    shape = draw(sizes.shape(), label="shape")
    numel = int(np.prod(shape))
    index = draw(st.sampled_from([(), (3,), (2, 2), (0,)]) if numel else st.just((0,)), label="index shape")
    return (shape, Arg(index, torch.int64, Domain(integers=(-numel, max(numel - 1, 0))))), {}


@st.composite
def _masked(draw, sizes: Sizes, source: bool, options):
    """A bool mask broadcasting to the input (never growing it) and, with ``source``, a source of the
    input's shape (enough elements for every set mask cell)."""
    shape = draw(sizes.shape(), label="shape")
    lead = draw(st.integers(0, len(shape)), label="dropped mask dims")
    mask = tuple(1 if draw(st.booleans(), label="broadcast mask side") else s for s in shape[lead:])
    kwargs = {"mask": Arg(mask, torch.bool)}
    kwargs.update(draw(args.fixed(**options), label="options"))
    if source:  # masked_scatter(input, mask, source): the mask is the second positional argument
        return (shape, kwargs.pop("mask"), shape), kwargs
    return (shape,), kwargs


def masked(source=False, **options):
    return lambda sizes: _masked(sizes, source, options)


@st.composite
def _select_scatter(draw, sizes: Sizes):
    shape, dim = draw(_shape_and_dim(sizes, min_dims=1))
    size = shape[dim]
    if size == 0:
        shape = shape[:dim % len(shape)] + (1,) + shape[dim % len(shape) + 1:]
        size = 1
    index = draw(st.integers(-size, size - 1), label="index")
    return (shape, shape[:dim % len(shape)] + shape[dim % len(shape) + 1:]), {"dim": dim, "index": index}


@st.composite
def _slice_scatter(draw, sizes: Sizes):
    shape, dim = draw(_shape_and_dim(sizes, min_dims=1))
    size = shape[dim]
    start = draw(st.integers(0, size), label="start")
    end = draw(st.integers(start, size), label="end")
    step = draw(st.integers(1, 3), label="step")
    length = len(range(start, end, step))
    return (shape, shape[:dim % len(shape)] + (length,) + shape[dim % len(shape) + 1:]), {
        "dim": dim, "start": start, "end": end, "step": step}


@st.composite
def _diagonal_scatter(draw, sizes: Sizes):
    shape = draw(sizes.shape(min_dims=2), label="shape")
    ndim = len(shape)
    dim1, dim2 = draw(st.lists(st.integers(0, ndim - 1), min_size=2, max_size=2, unique=True), label="dims")
    offset = draw(st.integers(-2, 2), label="offset")
    diagonal = np.empty(shape).diagonal(offset, dim1, dim2).shape
    return (shape, diagonal), {"offset": offset, "dim1": dim1, "dim2": dim2}


# ---------------------------------------------------------------------------
# numpy references: the documented formulas, element by element
# ---------------------------------------------------------------------------

def _axis(a, dim):
    return dim % max(a.ndim, 1)


def _gather_ref(a, dim, index):
    if a.ndim == 0:
        return a.copy()
    axis = _axis(a, dim)
    out = np.empty(index.shape, a.dtype)
    for pos in np.ndindex(index.shape):
        src = list(pos)
        src[axis] = index[pos]
        out[pos] = a[tuple(src)]
    return out


def _take_along_dim_ref(a, indices, dim):
    return np.take_along_axis(a, indices, axis=dim)


def _scatter_ref(reduce=None, include_self=True):
    """``self[index[i][j]][j] = src[i][j]`` (dim 0), or reduced into ``self`` with ``reduce``."""
    def ref(a, src=None, *, dim, index, value=None, reduce=reduce, include_self=include_self):
        shape = a.shape
        if a.ndim == 0:
            a, index = a.reshape(1), index.reshape(1)
            src = None if src is None else src.reshape(1)
        out = a.copy()
        axis = _axis(a, dim)
        touched = {}
        for pos in np.ndindex(index.shape):
            dst = list(pos)
            dst[axis] = index[pos]
            dst = tuple(dst)
            v = value if src is None else src[pos]
            touched.setdefault(dst, []).append(v)
        for dst, vs in touched.items():
            pool = ([a[dst]] if include_self else []) + vs
            out[dst] = _reduced(reduce, pool, a.dtype) if reduce else vs[-1]
        return out.reshape(shape)
    return ref


def _reduced(reduce, pool, dtype):
    if reduce in ("sum", "add"):
        return sum(pool)
    if reduce in ("prod", "multiply"):
        return np.prod(pool)
    if reduce == "mean":
        total = sum(pool)
        return total // len(pool) if np.issubdtype(dtype, np.integer) else total / len(pool)
    return max(pool) if reduce == "amax" else min(pool)


def _index_ref(kind):
    """index_add / index_copy / index_reduce along ``dim``: source slice i goes to slice index[i]."""
    def ref(a, source, *, dim, index, alpha=1, reduce=None, include_self=True):
        out = np.moveaxis(a.copy(), dim, 0)
        src = np.moveaxis(source, dim, 0)
        pools = {}
        for i, j in enumerate(index):
            pools.setdefault(int(j), []).append(src[i])
        for j, slices in pools.items():
            if kind == "add":
                out[j] = out[j] + alpha * sum(slices)
            elif kind == "copy":
                out[j] = slices[-1]
            else:
                pool = ([out[j]] if include_self else []) + slices
                stacked = np.stack(pool)
                out[j] = {"prod": lambda s: np.prod(s, 0), "amax": lambda s: s.max(0), "amin": lambda s: s.min(0),
                          "mean": lambda s: s.sum(0) / len(s)}[reduce](stacked)
        return np.moveaxis(out, 0, dim)
    return ref


def _index_fill_ref(a, dim, index, value):
    out = np.moveaxis(a.copy(), dim, 0) if a.ndim else a.copy().reshape(1)
    for j in index.reshape(-1):
        out[j] = value
    return np.moveaxis(out, 0, dim) if a.ndim else out.reshape(())


def _index_put_ref(a, values, indices, accumulate):
    out = a.copy()
    if accumulate:
        np.add.at(out, indices, np.broadcast_to(values, out[indices].shape))
    else:
        out[indices] = values
    return out


def _masked_fill_ref(a, mask, value):
    return np.where(mask, np.asarray(value).astype(a.dtype), a)


def _masked_scatter_ref(a, mask, source):
    mask = np.broadcast_to(mask, a.shape)
    out = a.copy()
    out[mask] = source.reshape(-1)[:int(mask.sum())]
    return out


def _masked_select_ref(a, mask):
    a, mask = np.broadcast_arrays(a, mask)
    return a[mask]


def _select_scatter_ref(a, src, dim, index):
    out = a.copy()
    view = np.moveaxis(out, dim, 0)
    view[index] = src if dim % a.ndim == 0 else np.moveaxis(src, 0, 0)
    return out


def _slice_scatter_ref(a, src, dim, start, end, step):
    out = a.copy()
    index = [slice(None)] * a.ndim
    index[dim] = slice(start, end, step)
    out[tuple(index)] = src
    return out


def _diagonal_scatter_ref(a, src, offset, dim1, dim2):
    out = a.copy()
    out_view = np.moveaxis(out, (dim1, dim2), (-2, -1))
    n, m = out_view.shape[-2:]
    for k in range(src.shape[-1]):
        i, j = (k, k + offset) if offset >= 0 else (k - offset, k)
        out_view[..., i, j] = src[..., k]
    return out


def _nonzero_ref(a):
    return np.argwhere(a)


def _select_ref(a, dim, index):
    return np.take(a, index, axis=dim)


def _put_ref(a, index, source, accumulate=False):
    out = a.copy().reshape(-1)
    flat_index = index.reshape(-1) % max(out.size, 1)
    if accumulate:
        np.add.at(out, flat_index, source.reshape(-1))
    else:
        out[flat_index] = source.reshape(-1)
    return out.reshape(a.shape)


@st.composite
def _put(draw, sizes: Sizes, accumulate: bool):
    shape = draw(sizes.shape(), label="shape")
    numel = int(np.prod(shape))
    count = draw(st.integers(0, min(numel, 4) if not accumulate else (4 if numel else 0)), label="positions")
    domain = Domain(integers=(0, max(numel - 1, 0)), unique=not accumulate)
    return (shape, Arg((count,), torch.int64, domain), (count,)), {"accumulate": accumulate}


# ---------------------------------------------------------------------------
# Entries
# ---------------------------------------------------------------------------

def _keyword(function: str, method: str, keyword: str) -> dict:
    """Routes of an op whose tensor operand follows ``dim`` and ``index`` (``scatter(input, dim, index,
    src)``): the operand is passed by keyword to ``torch.<function>`` and to ``x.<method>``.  (The
    registry's in-place routes pass operands positionally; test_indexing_ops.py checks the in-place
    variants of these ops against numpy instead.)"""
    name = function.rsplit(".", 1)[1]
    return dict(call=lambda x, operand, **kwargs: getattr(torch, name)(x, **{keyword: operand}, **kwargs),
                extra_routes={"method": lambda x, operand, **kwargs: getattr(x, method)(**{keyword: operand}, **kwargs)})


def _method_only(name):
    """``x.<name>(...)``: ops whose function form is ``torch.<name>`` too, called as the method."""
    return lambda x, *rest, **kwargs: getattr(x, name)(*rest, **kwargs)


REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _scatter_reduce(reduce):
    domain = FACTORS if reduce == "prod" else DISTINCT if reduce in ("amax", "amin") else INTEGRAL
    return OpInfo(f"scatter_reduce-{reduce}", doc("torch.scatter_reduce"),
                  scatter(reduce=reduce, include_self=st.booleans()),
                  **_keyword("torch.scatter_reduce", "scatter_reduce", "src"), out=True, kinds=REAL, domains=(domain,),
                  ref=_scatter_ref(), ref_exclude=LOW if reduce == "mean" else (),
                  grad=0 if reduce in ("amax", "amin") else 1 if reduce == "prod" else 2,
                  unsupported={}, notes="repeated indices reduce together; include_self drawn; values exact "
                                        "(integral) or distinct (amax/amin), so the order of reduction is moot")


def _index_reduce(reduce):
    domain = FACTORS if reduce == "prod" else DISTINCT if reduce in ("amax", "amin") else INTEGRAL
    return OpInfo(f"index_reduce-{reduce}", doc("torch.Tensor.index_reduce_"),
                  index_dim(reduce=reduce, include_self=st.booleans()),
                  **_keyword("torch.index_reduce", "index_reduce", "source"), kinds=REAL, domains=(domain,),
                  ref=_index_ref("reduce"), ref_exclude=LOW if reduce == "mean" else (),
                  ref_kinds=("float",), grad=0 if reduce in ("amax", "amin") else 1, zero_dim=False,
                  notes="integer mean divides with rounding toward zero in torch: compared on floats only")


OPS = [
    OpInfo("gather", doc("torch.gather"), _as_kwargs(lambda sizes: _gather(sizes, False), ("index",)),
           function="torch.gather", method="gather", out=True, kinds=EVERY_KIND, domains=(DISTINCT,),
           ref=_gather_ref, exact=True, grad=2),
    OpInfo("take_along_dim", doc("torch.take_along_dim"),
           _as_kwargs(lambda sizes: _gather(sizes, True).filter(
               lambda c: not c[0][0] or all(i in (s, 1) or d == c[1]["dim"] % len(c[0][0])
                                            for d, (i, s) in enumerate(zip(c[0][1].shape, c[0][0])))), ("indices",)),
           call=lambda x, indices, dim: torch.take_along_dim(x, indices, dim), method="take_along_dim",
           kinds=EVERY_KIND, domains=(DISTINCT,), exact=True, grad=2, zero_dim=False,
           notes="negative indices count from the end (documented by example: numpy's take_along_axis)"),
    OpInfo("scatter", doc("torch.scatter"), scatter(unique=True), **_keyword("torch.scatter", "scatter", "src"),
           out=True, kinds=EVERY_KIND, domains=(DISTINCT,), ref=_scatter_ref(),
           ref_kinds=VALUE_KINDS, exact=True, grad=2,
           notes="distinct index values: with a repeated index the written value is undefined"),
    OpInfo("scatter-value", doc("torch.scatter"), scatter(src=False, value=st.sampled_from([-2, 3])),
           function="torch.scatter", method="scatter", inplace="scatter_", out=True, kinds=VALUE_KINDS,
           domains=(DISTINCT,), ref=_scatter_ref(), exact=True, grad=2),
    OpInfo("scatter_add", doc("torch.scatter_add"), scatter(), **_keyword("torch.scatter_add", "scatter_add", "src"),
           out=True, kinds=REAL, domains=(INTEGRAL,),
           ref=_scatter_ref("sum"), ref_kinds=REAL, exact=True, grad=2,
           notes="repeated indices accumulate; integral values: every order of accumulation is exact"),
    *[_scatter_reduce(reduce) for reduce in REDUCES],
    OpInfo("index_add", doc("torch.index_add"), index_dim(alpha=st.sampled_from([1, 2, -3])),
           **_keyword("torch.index_add", "index_add", "source"), out=True,
           kinds=REAL, domains=(INTEGRAL,), ref=_index_ref("add"), ref_kinds=REAL,
           exact=True, grad=2, zero_dim=False, notes="repeated indices accumulate"),
    OpInfo("index_copy", doc("torch.index_copy"), index_dim(unique=True),
           **_keyword("torch.index_copy", "index_copy", "source"), out=True, kinds=EVERY_KIND, domains=(DISTINCT,),
           ref=_index_ref("copy"), ref_kinds=VALUE_KINDS, exact=True, grad=2, zero_dim=False,
           notes="distinct index values: 'if index contains duplicate entries, ... the result is nondeterministic'"),
    OpInfo("index_fill", doc("torch.Tensor.index_fill_"), index_dim(source=False, negative=True,
                                                                    value=st.sampled_from([-2, 3])),
           function="torch.index_fill", method="index_fill", inplace="index_fill_", kinds=VALUE_KINDS,
           domains=(DISTINCT,), ref=_index_fill_ref, exact=True, grad=2, zero_dim=False),
    *[_index_reduce(reduce) for reduce in ("prod", "mean", "amax", "amin")],
    OpInfo("index_select", doc("torch.index_select"), index_dim(source=False), function="torch.index_select",
           method="index_select", out=True, kinds=EVERY_KIND, domains=(DISTINCT,), ref=_select_ref,
           ref_kinds=VALUE_KINDS, exact=True, grad=2, zero_dim=False),
    OpInfo("index_put", doc("torch.Tensor.index_put_"), lambda sizes: _index_put(sizes, False),
           **_keyword("torch.index_put", "index_put", "values"), kinds=EVERY_KIND,
           domains=(DISTINCT,), ref=_index_put_ref, ref_kinds=VALUE_KINDS, exact=True, grad=2, zero_dim=False,
           notes="distinct rows: without accumulate a repeated index writes an undefined value"),
    OpInfo("index_put-accumulate", doc("torch.Tensor.index_put_"), lambda sizes: _index_put(sizes, True),
           **_keyword("torch.index_put", "index_put", "values"),
           kinds=REAL, domains=(INTEGRAL,), ref=_index_put_ref, ref_kinds=REAL,
           exact=True, grad=2, zero_dim=False, notes="repeated rows accumulate"),
    OpInfo("take", doc("torch.take"), _take, function="torch.take", method="take", out=True, kinds=EVERY_KIND,
           domains=(DISTINCT,), ref=lambda a, index: np.take(a.reshape(-1), index), ref_kinds=VALUE_KINDS,
           exact=True, grad=2, notes="the input is read as 1-D; negative indices count from the end"),
    OpInfo("put", doc("torch.Tensor.put_"), lambda sizes: _put(sizes, False), call=_method_only("put"),
           inplace="put_", kinds=EVERY_KIND, domains=(DISTINCT,), ref=_put_ref, ref_kinds=VALUE_KINDS, exact=True,
           grad=2),
    OpInfo("put-accumulate", doc("torch.Tensor.put_"), lambda sizes: _put(sizes, True), call=_method_only("put"),
           inplace="put_", kinds=("float", "int", "uint"), domains=(INTEGRAL,), ref=_put_ref, exact=True, grad=2),
    OpInfo("masked_fill", doc("torch.Tensor.masked_fill_"), masked(value=st.sampled_from([-2, 3])),
           function="torch.masked_fill", method="masked_fill", inplace="masked_fill_", kinds=VALUE_KINDS,
           domains=(DISTINCT,), ref=_masked_fill_ref, exact=True, grad=2),
    OpInfo("masked_scatter", doc("torch.Tensor.masked_scatter_"), masked(source=True),
           function="torch.masked_scatter", method="masked_scatter", inplace="masked_scatter_", kinds=VALUE_KINDS,
           domains=(DISTINCT,), ref=_masked_scatter_ref, exact=True, grad=2,
           notes="the source has the input's shape: enough elements for every set mask cell"),
    OpInfo("masked_select", doc("torch.masked_select"), masked(), function="torch.masked_select",
           method="masked_select", out=True, kinds=EVERY_KIND, domains=(DISTINCT,), ref=_masked_select_ref,
           ref_kinds=VALUE_KINDS, exact=True, grad=2, meta=False,
           notes="the result's length depends on the mask's values: no meta kernel can know it"),
    OpInfo("select_scatter", doc("torch.select_scatter"), _select_scatter, function="torch.select_scatter",
           kinds=EVERY_KIND, domains=(DISTINCT,), ref=_select_scatter_ref, ref_kinds=VALUE_KINDS, exact=True,
           grad=2, zero_dim=False),
    OpInfo("slice_scatter", doc("torch.slice_scatter"), _slice_scatter, function="torch.slice_scatter",
           kinds=EVERY_KIND, domains=(DISTINCT,), ref=_slice_scatter_ref, ref_kinds=VALUE_KINDS, exact=True,
           grad=2, zero_dim=False),
    OpInfo("diagonal_scatter", doc("torch.diagonal_scatter"), _diagonal_scatter, function="torch.diagonal_scatter",
           kinds=EVERY_KIND, domains=(DISTINCT,), ref=_diagonal_scatter_ref, ref_kinds=VALUE_KINDS, exact=True,
           grad=2, zero_dim=False),
    OpInfo("nonzero", doc("torch.nonzero"), args.unary(), function="torch.nonzero", method="nonzero", out=True,
           kinds=VALUE_KINDS, domains=(Domain(-0.49, 1.49, integers=(0, 1), grid=1.0),), ref=_nonzero_ref,
           exact=True, meta=False, vmap=False,
           notes="about half the elements zero; the result's length depends on values: no meta kernel, no vmap"),
    OpInfo("argwhere", doc("torch.argwhere"), args.unary(), function="torch.argwhere", method="argwhere",
           kinds=VALUE_KINDS, domains=(Domain(-0.49, 1.49, integers=(0, 1), grid=1.0),), ref=_nonzero_ref,
           exact=True, meta=False, vmap=False),
]
