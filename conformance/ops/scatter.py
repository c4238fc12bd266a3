"""Gather and scatter: ops that read or write a tensor at the positions an index tensor (or a mask) names.

``gather``/``take``/``take_along_dim``/``index_select``/``masked_select`` read; the ``scatter`` family,
the ``index_*`` family, ``index_put`` and the ``masked_*`` writers write into a copy of ``self`` (or into
``self``: their in-place routes); the ``*_scatter`` ops embed a source into a view's positions;
``nonzero``/``argwhere`` list the positions of the nonzero elements.

An index is an int64 :class:`Arg` whose values lie inside the indexed dim by construction (negative
ones too where the op documents them).  Where two writes to one position would leave an undefined
result (``scatter``, ``index_copy``, ``index_put`` without ``accumulate``: "if index contains duplicate
entries ... the result is undefined / nondeterministic"), the positions written are distinct by
construction; where writes accumulate (``scatter_add``, ``index_add``, ``accumulate=True``) duplicates
are drawn on purpose.  Floating values of the accumulating ops lie on a grid of quarters, so their sums
are exact in every float dtype whatever order the kernel adds in.

Several of these ops take ``dim`` and ``index`` between ``self`` and the source tensor
(``scatter_(dim, index, src)``); the drawn source is a positional input (drawn in the op's dtype and
differentiated), so their entries (:class:`Keyed`) pass every input after ``self`` to each route by
keyword.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import torch
from hypothesis import strategies as st

from . import args
from .core import ANY, Arg, Domain, OpInfo, Sizes, doc, resolve

EVERY_KIND = ("float", "complex", "int", "uint", "bool")
VALUE_KINDS = ("float", "int", "uint", "bool")
NUMERIC = ("float", "int", "uint")
QUARTERS = Domain(-3.0, 3.0, grid=0.25, integers=(-3, 3))  # sums of a few of them are exact in every dtype
OFF_ZERO = Domain(-2.0, 2.0, min_abs=0.5, integers=(1, 2))  # products: no zero factor (its gradient splits)
# amax/amin: self's values and the source's lie apart (|self| >= 1 > |source|), so no source value ties with
# self's (a tie splits the gradient: a kink); either wins, as self's sign decides
EXTREMA = (Domain(-3.0, 3.0, min_abs=1.0, integers=(-3, 3)), Domain(-0.9, 0.9, integers=(-3, 3)))
SCATTER_DOC = doc("torch.Tensor.scatter_")
SCATTER_ADD_DOC = doc("torch.Tensor.scatter_add_")
SCATTER_REDUCE_DOC = doc("torch.Tensor.scatter_reduce_")
INDEX_REDUCE_DOC = doc("torch.Tensor.index_reduce_")
UNIQUE_NOTE = "distinct written positions: with a repeated index the written value is undefined (documented)"


# ---------------------------------------------------------------------------
# Entries whose routes take the inputs after self by keyword
# ---------------------------------------------------------------------------

def _keyed(target, names: tuple, fixed):
    """``target()(x, **{names[i]: rest[i]}, **fixed, **kwargs)``: the inputs after ``x`` by keyword."""
    def call(x, *rest, **kwargs):
        return target()(x, **dict(zip(names, rest)), **fixed, **kwargs)
    return call


@dataclass(frozen=True, repr=False)
class Keyed(OpInfo):
    """An entry whose routes take the inputs after ``self`` by the keywords ``keywords`` (in order):
    ``torch.scatter(x, dim=d, index=i, src=s)``, ``x.scatter_(dim=d, index=i, src=s)``."""

    keywords: tuple = ()

    @property
    def fn(self):
        return self.call or _keyed(lambda: resolve(self.function), self.keywords, self.fixed)

    def routes(self):
        found = {"function": self.fn}
        if self.method:
            found["method"] = _keyed(lambda: _bound(self.method), self.keywords, self.fixed)
        for alias in self.aliases:
            found[alias] = _keyed(lambda alias=alias: resolve(alias), self.keywords, self.fixed)
        found.update(self.extra_routes)
        return found

    def inplace_routes(self):
        if not self.inplace:
            return {}
        return {"inplace": _keyed(lambda: _bound(self.inplace), self.keywords, self.fixed)}


def _bound(name: str):
    """``Tensor.<name>`` looked up at call time (a monkeypatched fault is seen), called as ``f(x, ...)``."""
    return getattr(torch.Tensor, name)


# ---------------------------------------------------------------------------
# Argument strategies
# ---------------------------------------------------------------------------

def _positions(size: int, negative: bool = False, unique: bool = False) -> Domain:
    """Index values inside a dim of ``size`` (``-size..size-1`` where negative ones are documented)."""
    size = max(size, 1)  # an index into a dim of 0 is empty: any valid range will do
    return Domain(integers=(-size if negative else 0, size - 1), unique=unique)


def _dim_of(draw, ndim: int) -> int:
    return draw(st.integers(-max(ndim, 1), max(ndim, 1) - 1), label="dim")


@st.composite
def _gather(draw, sizes: Sizes):
    """self, dim, and an index no larger than self in every dim but ``dim`` (any length along it)."""
    shape = draw(sizes.shape(min_dims=1, max_dims=3), label="shape")
    dim = _dim_of(draw, len(shape))
    d = dim % len(shape)
    index = tuple(draw(st.integers(0, 3 if shape[d] else 0), label="index length") if k == d else
                  draw(st.integers(0, side), label="index side") for k, side in enumerate(shape))
    return (shape,), {"dim": dim, "index": Arg(index, torch.int64, _positions(shape[d]))}


@st.composite
def _scatter_positions(draw, shape: tuple, d: int, unique: bool):
    """A scatter index into ``shape`` along dim ``d`` and a source shape at least as large.

    Distinct writes (``unique``) by construction: either the index has one element along ``d`` (two of
    its elements never share the other coordinates), or all its values are distinct."""
    size = shape[d]
    one_deep = not unique or draw(st.booleans(), label="one index element along dim")
    if unique and one_deep:
        index = tuple(min(1, side) if k == d else draw(st.integers(0, side), label="index side")
                      for k, side in enumerate(shape))
    elif unique:
        count = draw(st.integers(0, size), label="index elements")  # distinct values: at most size
        index = tuple(count if k == d else 1 if side else 0 for k, side in enumerate(shape))
    else:
        index = tuple(draw(st.integers(0, 3 if size else 0), label="index length") if k == d else
                      draw(st.integers(0, side), label="index side") for k, side in enumerate(shape))
    distinct = unique and not one_deep
    source = tuple(side + draw(st.integers(0, 1), label="source slack") for side in index)
    return Arg(index, torch.int64, _positions(size, unique=distinct)), source


@st.composite
def _scatter(draw, sizes: Sizes, unique: bool, options):
    """self, a source (an input of the op's dtype) and keyword dim and index."""
    shape = draw(sizes.shape(min_dims=1, max_dims=3), label="shape")
    dim = _dim_of(draw, len(shape))
    index, source = draw(_scatter_positions(shape, dim % len(shape), unique), label="index")
    kwargs = {"dim": dim, "index": index}
    kwargs.update(draw(args.fixed(**options), label="options"))
    return (shape, source), kwargs


def scatter(unique: bool, **options):
    return lambda sizes: _scatter(sizes, unique, options)


@st.composite
def _scatter_value(draw, sizes: Sizes):
    (shape, _), kwargs = draw(_scatter(sizes, True, {}), label="scatter")
    return (shape,), {**kwargs, "value": draw(st.sampled_from([0, 1, 2]), label="value")}


@st.composite
def _index_along(draw, sizes: Sizes, unique: bool, negative: bool, source: bool, options):
    """self, a 1-D (or 0-d) index along ``dim`` and, with ``source``, a source of self's shape but
    ``len(index)`` along ``dim``."""
    shape = draw(sizes.shape(min_dims=1, max_dims=3), label="shape")
    dim = _dim_of(draw, len(shape))
    size = shape[dim]
    if unique:
        count = draw(st.integers(0, size), label="index length")
        index = Arg((count,), torch.int64, _positions(size, unique=True))
    else:
        count = draw(st.integers(0, 4 if size else 0), label="index length")
        index_shape = () if count == 1 and draw(st.booleans(), label="0-d index") else (count,)
        index = Arg(index_shape, torch.int64, _positions(size, negative))
    kwargs = {"dim": dim, "index": index}
    kwargs.update(draw(args.fixed(**options), label="options"))
    inputs = (shape,)
    if source:
        inputs += (tuple(count if k == dim % len(shape) else side for k, side in enumerate(shape)),)
    return inputs, kwargs


def index_along(unique: bool = False, negative: bool = False, source: bool = True, **options):
    return lambda sizes: _index_along(sizes, unique, negative, source, options)


@st.composite
def _index_put(draw, sizes: Sizes, unique: bool):
    """self, values, and ``indices``: 1..ndim index tensors of one length naming positions in the leading
    dims (distinct positions when ``unique``: the first tensor's values are distinct)."""
    shape = draw(sizes.shape(min_dims=1, max_dims=3), label="shape")
    k = draw(st.integers(1, len(shape)), label="indexed dims")
    count = draw(st.integers(0, (shape[0] if unique else 4) if all(shape[:k]) else 0), label="index length")
    indices = tuple(Arg((count,), torch.int64, _positions(shape[d], negative=not (unique and d == 0),
                                                          unique=unique and d == 0)) for d in range(k))
    target = (count,) + tuple(shape[k:])
    kept = draw(st.integers(0, len(target)), label="values dims")
    values = tuple(draw(st.sampled_from([1, side]), label="values side") for side in target[len(target) - kept:])
    return (shape, values), {"indices": indices}


@st.composite
def _take(draw, sizes: Sizes):
    shape = draw(sizes.shape(max_dims=3), label="shape")
    numel = int(np.prod(shape))
    index = draw(st.sampled_from([(), (3,), (2, 2), (0,)] if numel else [(0,), (2, 0)]), label="index shape")
    return (shape, Arg(index, torch.int64, _positions(numel, negative=True))), {}


@st.composite
def _take_along_dim(draw, sizes: Sizes):
    """self and indices broadcasting with it except along ``dim`` (``dim=None``: a 1-D index into the
    flattened self)."""
    shape = draw(sizes.shape(min_dims=1, max_dims=3), label="shape")
    if draw(st.booleans(), label="dim None"):
        numel = int(np.prod(shape))
        length = draw(st.integers(0, 4 if numel else 0), label="index length")
        return (shape, Arg((length,), torch.int64, _positions(numel))), {}
    dim = _dim_of(draw, len(shape))
    d = dim % len(shape)
    index = tuple(draw(st.integers(0, 3 if shape[d] else 0), label="index length") if k == d else
                  draw(st.sampled_from([1, side]), label="index side") for k, side in enumerate(shape))
    return (shape, Arg(index, torch.int64, _positions(shape[d], negative=True))), {"dim": dim}


@st.composite
def _masked(draw, sizes: Sizes, value: str, both_ways: bool = False):
    """self and a bool mask broadcasting to self's shape (``both_ways``: the two broadcast together);
    ``value``: "scalar" (keyword value), "tensor" (a 0-d input), "source" (an input of self's shape) or
    "" (none)."""
    shape = draw(sizes.shape(max_dims=3), label="shape")
    lead = draw(st.integers(0, len(shape)), label="mask dims dropped")
    mask = tuple(1 if draw(st.booleans(), label="mask side 1") else s for s in shape[lead:])
    if both_ways and draw(st.booleans(), label="self broadcast"):
        shape, mask = tuple(1 if s != m else s for s, m in zip(shape[lead:], mask)), shape
    inputs = (shape, Arg(mask, torch.bool))
    kwargs = {}
    if value == "scalar":
        kwargs["value"] = draw(st.sampled_from([0, 1, 2]), label="value")
    elif value == "tensor":
        inputs += ((),)
    elif value == "source":
        inputs += (shape,)
    return inputs, kwargs


def masked(value: str, both_ways: bool = False):
    return lambda sizes: _masked(sizes, value, both_ways)


@st.composite
def _select_scatter(draw, sizes: Sizes):
    """self, dim (a side with positions: the zero-size mode draws a zero side elsewhere), an index into it
    (negative ones too) and a source of self's shape without that dim."""
    shape = draw(sizes.shape(min_dims=2 if sizes.mode == "zero-size" else 1, max_dims=3, zero_size=False),
                 label="shape")
    d = draw(st.sampled_from([k for k, side in enumerate(shape) if side]), label="dim")
    dim = d - draw(st.sampled_from([0, len(shape)]), label="negative dim")
    size = shape[d]
    return (shape, shape[:d] + shape[d + 1:]), {"dim": dim, "index": draw(st.integers(-size, size - 1), label="index")}


@st.composite
def _slice_scatter(draw, sizes: Sizes):
    shape = draw(sizes.shape(min_dims=1, max_dims=3), label="shape")
    dim = _dim_of(draw, len(shape))
    size = shape[dim]
    start = draw(st.integers(0, size), label="start")
    end = draw(st.integers(start, size), label="end")
    step = draw(st.integers(1, 3), label="step")
    src = tuple(len(range(start, end, step)) if k == dim % len(shape) else s for k, s in enumerate(shape))
    return (shape, src), {"dim": dim, "start": start, "end": end, "step": step}


@st.composite
def _diagonal_scatter(draw, sizes: Sizes):
    shape = draw(sizes.shape(min_dims=2, max_dims=3), label="shape")
    ndim = len(shape)
    dim1, dim2 = draw(st.lists(st.integers(0, ndim - 1), min_size=2, max_size=2, unique=True), label="dims")
    offset = draw(st.integers(-2, 2), label="offset")
    diagonal = np.empty(shape).diagonal(offset, dim1, dim2).shape
    dims = {"dim1": dim1 - draw(st.sampled_from([0, ndim]), label="negative dim1"),
            "dim2": dim2 - draw(st.sampled_from([0, ndim]), label="negative dim2")}
    return (shape, diagonal), {"offset": offset, **dims}


# ---------------------------------------------------------------------------
# numpy references (float64 / int64 / bool arrays)
# ---------------------------------------------------------------------------

def _targets(index: np.ndarray, dim: int):
    """(position in index / source, position written in self) of each index element, in order."""
    for p in itertools.product(*map(range, index.shape)):
        q = list(p)
        q[dim] = int(index[p])
        yield p, tuple(q)


def gather_ref(a, dim, index):
    """``out[p] = a[p with p[dim] = index[p]]``: numpy's take_along_axis on the part of ``a`` the index covers."""
    dim = dim % a.ndim
    part = a[tuple(slice(0, s) if k != dim else slice(None) for k, s in enumerate(index.shape))]
    return np.take_along_axis(part, index, axis=dim)


def scatter_ref(a, src=None, *, dim, index, value=None):
    out = a.copy()
    for p, q in _targets(index, dim % a.ndim):
        out[q] = value if src is None else src[p]
    return out


def scatter_add_ref(a, src, *, dim, index):
    out = a.copy()
    for p, q in _targets(index, dim % a.ndim):
        out[q] += src[p]
    return out


REDUCERS = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}


def _reduce(a, writes, reduce: str, include_self: bool):
    """Each position of ``a`` written to: ``reduce`` of the values written there (and of its own with
    ``include_self``); ``writes`` yields (position, value) pairs."""
    out = a.copy()
    gathered = {}
    for q, v in writes:
        gathered.setdefault(q, []).append(v)
    for q, vals in gathered.items():
        terms = ([a[q]] if include_self else []) + vals
        r = REDUCERS[reduce](np.array(terms))
        if reduce == "mean" and a.dtype.kind in "iu":
            r = np.floor_divide(np.sum(terms), len(terms))  # integer mean: floor division (documented)
        out[q] = r
    return out


def scatter_reduce_ref(a, src, *, dim, index, reduce, include_self=True):
    return _reduce(a, ((q, src[p]) for p, q in _targets(index, dim % a.ndim)), reduce, include_self)


def _along(a, dim, index, source):
    """(position written, value) pairs of ``index_*(dim, index, source)``."""
    dim = dim % a.ndim
    for j, i in enumerate(np.atleast_1d(index)):
        for rest in itertools.product(*[range(s) for k, s in enumerate(a.shape) if k != dim]):
            q = rest[:dim] + (int(i) % a.shape[dim],) + rest[dim:]
            p = rest[:dim] + (j,) + rest[dim:]
            yield q, None if source is None else source[p]


def index_add_ref(a, source, *, dim, index, alpha=1):
    out = a.copy()
    for q, v in _along(a, dim, index, source):
        out[q] += alpha * v
    return out


def index_copy_ref(a, source, *, dim, index):
    out = a.copy()
    for q, v in _along(a, dim, index, source):
        out[q] = v
    return out


def index_fill_ref(a, *, dim, index, value):
    out = a.copy()
    for q, _ in _along(a, dim, index, None):
        out[q] = value
    return out


def index_reduce_ref(a, source, *, dim, index, reduce, include_self=True):
    return _reduce(a, _along(a, dim, index, source), reduce, include_self)


def index_put_ref(a, values, *, indices, accumulate=False):
    out = a.copy()
    if accumulate:
        np.add.at(out, indices, values)
    else:
        out[indices] = values
    return out


def take_along_dim_ref(a, indices, dim=None):
    if dim is None:
        return np.take(a.reshape(-1), indices)
    shape = np.broadcast_shapes(tuple(1 if k == dim % a.ndim else s for k, s in enumerate(a.shape)),
                                tuple(1 if k == dim % a.ndim else s for k, s in enumerate(indices.shape)))
    grow = lambda x, side: np.broadcast_to(x, shape[:dim % a.ndim] + (side,) + shape[dim % a.ndim + 1:])  # noqa: E731
    return np.take_along_axis(grow(a, a.shape[dim]), grow(indices, indices.shape[dim]), axis=dim % a.ndim)


def masked_fill_ref(a, mask, value=None):
    if isinstance(value, np.ndarray):
        value = value.item()
    return np.where(mask, np.asarray(value, a.dtype), a)


def masked_scatter_ref(a, mask, source):
    out = a.copy()
    full = np.broadcast_to(mask, a.shape)
    out[full] = source.reshape(-1)[:int(full.sum())]
    return out


def masked_select_ref(a, mask):
    a, mask = np.broadcast_arrays(a, mask)
    return a[mask]


def select_scatter_ref(a, src, *, dim, index):
    out = a.copy()
    out[(slice(None),) * (dim % a.ndim) + (index,)] = src
    return out


def slice_scatter_ref(a, src, *, dim, start, end, step):
    out = a.copy()
    out[(slice(None),) * (dim % a.ndim) + (slice(start, end, step),)] = src
    return out


def diagonal_scatter_ref(a, src, *, offset, dim1, dim2):
    out = a.copy()
    positions = np.arange(a.size).reshape(a.shape).diagonal(offset, dim1, dim2)
    out.reshape(-1)[positions.reshape(-1)] = src.reshape(-1) if positions.size else []
    return out


def nonzero_ref(a, as_tuple=False):
    return np.nonzero(a) if as_tuple else np.argwhere(a)


# ---------------------------------------------------------------------------
# The entries
# ---------------------------------------------------------------------------

def _scatter_reduce(reduce: str) -> OpInfo:
    exact = reduce in ("sum", "amax", "amin")
    domains = (QUARTERS,) if reduce == "sum" else (OFF_ZERO,) if reduce == "prod" else \
        EXTREMA if reduce in ("amax", "amin") else (ANY,)
    return Keyed(f"scatter_reduce-{reduce}", SCATTER_REDUCE_DOC,
                 scatter(False, reduce=reduce, include_self=st.booleans()), keywords=("src",),
                 function="torch.scatter_reduce", method="scatter_reduce", inplace="scatter_reduce_", out=True,
                 kinds=NUMERIC, domains=domains, ref=scatter_reduce_ref, exact=exact, reassociates=not exact,
                 grad=1 if reduce in ("amax", "amin") else 2, zero_dim=False,
                 notes="duplicate indices reduce together; sums of quarters are exact, products and means round")


def _index_reduce(reduce: str) -> OpInfo:
    exact = reduce in ("amax", "amin")
    return Keyed(f"index_reduce-{reduce}", INDEX_REDUCE_DOC,
                 index_along(reduce=reduce, include_self=st.booleans()), keywords=("source",),
                 function="torch.index_reduce", method="index_reduce", inplace="index_reduce_", out=True,
                 kinds=NUMERIC, domains=EXTREMA if exact else (OFF_ZERO,) if reduce == "prod" else (ANY,),
                 ref=index_reduce_ref, exact=exact, reassociates=not exact, grad=1, zero_dim=False,
                 notes="index_reduce is in beta (a UserWarning says so)")


OPS = [
    OpInfo("gather", doc("torch.gather"), _gather, function="torch.gather", method="gather", out=True,
           kinds=EVERY_KIND, ref=gather_ref, ref_kinds=VALUE_KINDS, exact=True, grad=2, zero_dim=False),
    Keyed("scatter", SCATTER_DOC, scatter(True), keywords=("src",), function="torch.scatter", method="scatter",
          inplace="scatter_", out=True, kinds=EVERY_KIND, ref=scatter_ref, ref_kinds=VALUE_KINDS, exact=True, grad=2,
          zero_dim=False, notes=UNIQUE_NOTE),
    OpInfo("scatter-value", SCATTER_DOC, _scatter_value, function="torch.scatter", method="scatter",
           inplace="scatter_", out=True, kinds=VALUE_KINDS, ref=scatter_ref, exact=True, grad=2, zero_dim=False),
    Keyed("scatter_add", SCATTER_ADD_DOC, scatter(False), keywords=("src",), function="torch.scatter_add",
          method="scatter_add", inplace="scatter_add_", out=True, kinds=NUMERIC, domains=(QUARTERS,),
          ref=scatter_add_ref, exact=True, grad=2, zero_dim=False,
          notes="duplicate indices accumulate; quarters: the sums are exact whatever the order"),
    *[_scatter_reduce(reduce) for reduce in REDUCERS],
    Keyed("index_add", doc("torch.Tensor.index_add_"), index_along(alpha=st.sampled_from([1, 2])),
          keywords=("source",), function="torch.index_add", method="index_add", inplace="index_add_", out=True,
          kinds=NUMERIC, domains=(QUARTERS,), ref=index_add_ref, exact=True, grad=2, zero_dim=False,
          notes="duplicate indices accumulate; quarters: the sums are exact whatever the order"),
    Keyed("index_copy", doc("torch.Tensor.index_copy_"), index_along(unique=True), keywords=("source",),
          function="torch.index_copy", method="index_copy", inplace="index_copy_", out=True, kinds=EVERY_KIND,
          ref=index_copy_ref, ref_kinds=VALUE_KINDS, exact=True, grad=2, zero_dim=False, notes=UNIQUE_NOTE),
    OpInfo("index_fill", doc("torch.Tensor.index_fill_"),
           index_along(negative=True, source=False, value=st.sampled_from([0, 1, 2])), function="torch.index_fill",
           method="index_fill", inplace="index_fill_", kinds=VALUE_KINDS, ref=index_fill_ref, exact=True, grad=2,
           zero_dim=False),
    *[_index_reduce(reduce) for reduce in ("prod", "mean", "amax", "amin")],
    Keyed("index_put", doc("torch.Tensor.index_put_"), lambda sizes: _index_put(sizes, True),
          keywords=("values",), function="torch.index_put", method="index_put", inplace="index_put_",
          kinds=EVERY_KIND, ref=index_put_ref, ref_kinds=VALUE_KINDS, exact=True, grad=2, zero_dim=False,
          notes=UNIQUE_NOTE),
    Keyed("index_put-accumulate", doc("torch.Tensor.index_put_"), lambda sizes: _index_put(sizes, False),
          keywords=("values",), fixed={"accumulate": True}, function="torch.index_put", method="index_put",
          inplace="index_put_", kinds=NUMERIC, domains=(QUARTERS,), ref=index_put_ref, exact=True, grad=2,
          zero_dim=False, notes="duplicate positions accumulate; quarters: the sums are exact"),
    OpInfo("take", doc("torch.take"), _take, function="torch.take", method="take", out=True, kinds=EVERY_KIND,
           ref=lambda a, index: np.take(a, index), ref_kinds=VALUE_KINDS, exact=True, grad=2),
    OpInfo("take_along_dim", doc("torch.take_along_dim"), _take_along_dim, function="torch.take_along_dim",
           method="take_along_dim", out=True, kinds=EVERY_KIND, ref=take_along_dim_ref, ref_kinds=VALUE_KINDS,
           exact=True, grad=2, zero_dim=False),
    OpInfo("masked_fill", doc("torch.Tensor.masked_fill_"), masked("scalar"), function="torch.masked_fill",
           method="masked_fill", inplace="masked_fill_", kinds=VALUE_KINDS, ref=masked_fill_ref, exact=True, grad=2),
    OpInfo("masked_fill-tensor", doc("torch.Tensor.masked_fill_"), masked("tensor"), function="torch.masked_fill",
           method="masked_fill", inplace="masked_fill_", kinds=EVERY_KIND, ref=masked_fill_ref,
           ref_kinds=VALUE_KINDS, exact=True, grad=2, notes="the value is a 0-d tensor of self's dtype"),
    OpInfo("masked_scatter", doc("torch.Tensor.masked_scatter_"), masked("source"), function="torch.masked_scatter",
           method="masked_scatter", inplace="masked_scatter_", kinds=EVERY_KIND, ref=masked_scatter_ref,
           ref_kinds=VALUE_KINDS, exact=True, grad=2),
    OpInfo("masked_select", doc("torch.masked_select"), masked("", both_ways=True), function="torch.masked_select",
           method="masked_select", out=True, kinds=EVERY_KIND, ref=masked_select_ref, ref_kinds=VALUE_KINDS,
           exact=True, grad=2, meta=False, vmap=False,
           notes="the result's length is the number of set mask elements: data-dependent, no meta result, no vmap"),
    OpInfo("index_select", doc("torch.index_select"), index_along(source=False), function="torch.index_select",
           method="index_select", out=True, kinds=EVERY_KIND,
           ref=lambda a, dim, index: np.take(a, index.reshape(-1), axis=dim), ref_kinds=VALUE_KINDS, exact=True,
           grad=2, zero_dim=False),
    OpInfo("select_scatter", doc("torch.select_scatter"), _select_scatter, function="torch.select_scatter",
           method="select_scatter", kinds=EVERY_KIND, ref=select_scatter_ref, ref_kinds=VALUE_KINDS, exact=True,
           grad=2, zero_dim=False),
    OpInfo("slice_scatter", doc("torch.slice_scatter"), _slice_scatter, function="torch.slice_scatter",
           method="slice_scatter", out=True, kinds=EVERY_KIND, ref=slice_scatter_ref, ref_kinds=VALUE_KINDS,
           exact=True, grad=2, zero_dim=False),
    OpInfo("diagonal_scatter", doc("torch.diagonal_scatter"), _diagonal_scatter, function="torch.diagonal_scatter",
           method="diagonal_scatter", kinds=EVERY_KIND, ref=diagonal_scatter_ref, ref_kinds=VALUE_KINDS, exact=True,
           grad=2, zero_dim=False),
    OpInfo("nonzero", doc("torch.nonzero"), args.unary(), function="torch.nonzero", method="nonzero", out=True,
           kinds=EVERY_KIND, ref=nonzero_ref, exact=True, meta=False, vmap=False,
           notes="the result's length is the number of nonzero elements: data-dependent, no meta result, no vmap"),
    OpInfo("nonzero-as_tuple", doc("torch.nonzero"), args.unary(), function="torch.nonzero", method="nonzero",
           fixed={"as_tuple": True}, kinds=EVERY_KIND, ref=lambda a: np.nonzero(a), exact=True, meta=False,
           vmap=False, zero_dim=False,
           notes="data-dependent lengths; numpy refuses nonzero of a 0-d array"),
    OpInfo("argwhere", doc("torch.argwhere"), args.unary(), function="torch.argwhere", method="argwhere",
           kinds=EVERY_KIND, ref=np.argwhere, exact=True, meta=False, vmap=False,
           notes="the result's length is the number of nonzero elements: data-dependent, no meta result, no vmap"),
]
