"""Sorting and selection: sort, argsort, msort, topk, kthvalue, median, mode, max/min along a dim,
aminmax, unique, unique_consecutive.

Ops that return indices draw distinct values, so each index is defined (the documented rules about
equal elements, e.g. ``sort(stable=True)``, are checked in ``test_sorting.py`` on values with ties).
numpy's stable sort is the reference.
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from . import args
from .core import Domain, OpInfo, Sizes, doc

DISTINCT = Domain(-10.0, 10.0, unique=True, integers=(-100, 100))
TIES = Domain(-0.49, 3.49, integers=(0, 3), grid=1.0)
ORDERED = ("float", "int", "uint")


def _axis(a, dim):
    return dim % max(a.ndim, 1)


def _lifted(fn):
    """numpy's ``fn(a, axis)`` on a 0-d array as on a 1-element 1-D one, with 0-d results."""
    def ref(a, *rest, dim=-1, **kwargs):
        if a.ndim == 0:
            return tuple(np.asarray(r).reshape(()) for r in fn(a.reshape(1), *rest, dim=0, **kwargs))
        return fn(a, *rest, dim=_axis(a, dim), **kwargs)
    return ref


@_lifted
def _sort_ref(a, dim, descending=False, stable=True):
    keys = a.astype(np.int64) if a.dtype == np.bool_ else a
    order = np.argsort(-keys if descending else keys, axis=dim, kind="stable")
    return np.take_along_axis(a, order, dim), order


def _argsort_ref(a, dim=-1, descending=False, stable=True):
    return _sort_ref(a, dim=dim, descending=descending)[1]


@_lifted
def _topk_ref(a, k, dim, largest=True, sorted=True):
    values, order = _sort_ref(a, dim=dim, descending=largest)
    take = np.arange(k)
    return np.take(values, take, dim), np.take(order, take, dim)


def _keep(result, dim, keepdim):
    return tuple(np.expand_dims(r, dim) if keepdim else r for r in result)


@_lifted
def _kthvalue_ref(a, k, dim, keepdim=False):
    values, order = _sort_ref(a, dim=dim)
    return _keep((np.take(values, k - 1, dim), np.take(order, k - 1, dim)), dim, keepdim)


@_lifted
def _median_ref(a, dim, keepdim=False):
    """"the lower of the two medians" for an even count."""
    values, order = _sort_ref(a, dim=dim)
    middle = (a.shape[dim] - 1) // 2
    return _keep((np.take(values, middle, dim), np.take(order, middle, dim)), dim, keepdim)


def _median_all_ref(a):
    """The lower median; NaN for no elements (numpy's median of nothing)."""
    flat = np.sort(a.reshape(-1), kind="stable")
    return flat[(flat.size - 1) // 2] if flat.size else np.float64(np.nan)


def _extremum_ref(pick):
    @_lifted
    def ref(a, dim, keepdim=False):
        index = pick(a, axis=dim)
        values = np.take_along_axis(a, np.expand_dims(index, dim), dim).squeeze(dim)
        return _keep((values, index), dim, keepdim)
    return ref


def _aminmax_ref(a, dim=None, keepdim=False):
    axis = None if dim is None or a.ndim == 0 else dim
    return np.min(a, axis=axis, keepdims=keepdim), np.max(a, axis=axis, keepdims=keepdim)


def _unique_ref(a, sorted=True, return_inverse=False, return_counts=False):
    values, inverse, counts = np.unique(a.reshape(-1), return_inverse=True, return_counts=True)
    out = (values,)
    if return_inverse:
        out += (inverse.reshape(a.shape),)
    if return_counts:
        out += (counts,)
    return out if len(out) > 1 else values


def _unique_consecutive_ref(a, return_inverse=False, return_counts=False):
    flat = a.reshape(-1)
    starts = np.flatnonzero(np.concatenate([[True], flat[1:] != flat[:-1]])) if flat.size else np.zeros(0, int)
    values = flat[starts]
    out = (values,)
    if return_inverse:
        out += ((np.cumsum(np.concatenate([[True], flat[1:] != flat[:-1]])) - 1).reshape(a.shape)
                if flat.size else np.zeros(a.shape, np.int64),)
    if return_counts:
        out += (np.diff(np.append(starts, flat.size)),)
    return out if len(out) > 1 else values


@st.composite
def _k_of_dim(draw, sizes: Sizes, options, key="k"):
    """A shape, a dim of it with at least one element, and ``k`` in 1..size (topk also takes k = 0)."""
    shape = list(draw(sizes.shape(zero_size=False), label="shape"))
    ndim = max(len(shape), 1)
    dim = draw(st.integers(-ndim, ndim - 1), label="dim")
    size = shape[dim] if shape else 1
    if sizes.mode == "zero-size" and shape:
        shape[dim] = size = max(size, 1)
    low = 0 if key == "topk" and shape else 1
    kwargs = {"k": draw(st.integers(low, size), label="k"), "dim": dim}
    kwargs.update(draw(args.fixed(**options), label="options"))
    return (tuple(shape),), kwargs


def k_of_dim(key="k", **options):
    return lambda sizes: _k_of_dim(sizes, options, key)


def _indexed(name, arguments, ref, kinds=ORDERED, **extra):
    """An op returning (values, indices) along a dim: ``torch.<op>`` and ``x.<op>`` (``name``: "max-dim"
    is ``torch.max(x, dim)``); no ``out=`` here (it takes a tuple)."""
    op = name.split("-")[0]
    return OpInfo(name, doc(f"torch.{op}"), arguments, function=f"torch.{op}", method=op, kinds=kinds,
                  domains=(DISTINCT,), ref=ref, exact=True, **extra)


NONEMPTY_DIM = args.reduction("int", min_reduced=1)


def _dim_required(strategy):
    """A reduction's arguments with ``dim`` always given (max(x, dim) and max(x) are different ops)."""
    return lambda sizes: strategy(sizes).map(lambda case: (case[0], {"dim": 0, **case[1]}))


OPS = [
    _indexed("sort", args.one_dim(descending=st.booleans(), stable=True), _sort_ref, grad=2),
    OpInfo("argsort", doc("torch.argsort"), args.one_dim(descending=st.booleans(), stable=True),
           function="torch.argsort", method="argsort", kinds=ORDERED + ("bool",), domains=(TIES,), ref=_argsort_ref,
           exact=True, notes="equal elements on purpose: stable=True keeps their order (numpy's stable sort)"),
    OpInfo("msort", doc("torch.msort"), args.unary(), function="torch.msort", method="msort", out=True,
           kinds=ORDERED, domains=(DISTINCT,), ref=lambda a: a if a.ndim == 0 else np.sort(a, axis=0), exact=True,
           grad=2),
    _indexed("topk", k_of_dim("topk", largest=st.booleans(), sorted=True), _topk_ref, grad=2),
    _indexed("kthvalue", k_of_dim(keepdim=st.booleans()), _kthvalue_ref, grad=2),
    _indexed("median", _dim_required(NONEMPTY_DIM), _median_ref, grad=2,
             notes="an even count gives the lower of the two medians"),
    OpInfo("median-all", doc("torch.median"), args.of_dims(0, 4), function="torch.median", method="median",
           kinds=ORDERED, domains=(TIES,), ref=_median_all_ref, exact=True, ref_kinds=("float",),
           notes="equal elements on purpose: the value is defined with ties"),
    OpInfo("mode", doc("torch.mode"), _dim_required(NONEMPTY_DIM),
           call=lambda x, **kwargs: torch.mode(x, **kwargs).values,
           extra_routes={"method": lambda x, **kwargs: x.mode(**kwargs).values}, kinds=ORDERED, domains=(TIES,),
           exact=True, notes="values only: 'a value which appears most often' leaves which of equally frequent "
                             "values, and which of its positions, undefined; no reference for the same reason"),
    _indexed("max-dim", _dim_required(NONEMPTY_DIM), _extremum_ref(np.argmax), grad=2),
    _indexed("min-dim", _dim_required(NONEMPTY_DIM), _extremum_ref(np.argmin), grad=2),
    OpInfo("max", doc("torch.max"), args.of_dims(0, 4), function="torch.max", method="max",
           kinds=ORDERED + ("bool",), domains=(DISTINCT,), ref=np.max, exact=True, grad=2, zero_size=False),
    OpInfo("min", doc("torch.min"), args.of_dims(0, 4), function="torch.min", method="min",
           kinds=ORDERED + ("bool",), domains=(DISTINCT,), ref=np.min, exact=True, grad=2, zero_size=False),
    OpInfo("aminmax", doc("torch.aminmax"), args.reduction("int", min_reduced=1), function="torch.aminmax",
           method="aminmax", kinds=ORDERED, domains=(TIES,), ref=_aminmax_ref, exact=True),
    OpInfo("unique", doc("torch.unique"),
           args.unary(sorted=True, return_inverse=st.booleans(), return_counts=st.booleans()),
           function="torch.unique", method="unique", kinds=ORDERED + ("bool",), domains=(TIES,), ref=_unique_ref,
           exact=True, meta=False, vmap=False, notes="the result's length depends on values"),
    OpInfo("unique_consecutive", doc("torch.unique_consecutive"),
           args.unary(return_inverse=st.booleans(), return_counts=st.booleans()),
           function="torch.unique_consecutive", method="unique_consecutive", kinds=ORDERED + ("bool",),
           domains=(TIES,), ref=_unique_consecutive_ref, exact=True, meta=False, vmap=False),
]

