"""Sorting and order statistics along a dim: sort, argsort, msort, topk, kthvalue, median, nanmedian,
mode, unique and unique_consecutive, with numpy's (stable) sorts as reference.

Where an op returns indices, its values are distinct (``UNIQUE``) so the index of each value is one
position -- the index torch returns among equal elements is not documented -- except for
``sort(stable=True)``, whose documented rule ("the order of equivalent elements is preserved") defines
every index, so it draws many equal elements on purpose (``TIES``), as do ``mode`` and ``unique``.
An op whose out= takes a (values, indices) pair lists that call as a route of its own ("out").
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from conformance.derivatives import yaml

from .core import Domain, OpInfo, Sizes, doc
from .cumulative import _out_route

UNIQUE = Domain(-10.0, 10.0, unique=True, integers=(-100, 100))
TIES = Domain(-0.49, 3.49, integers=(0, 3), grid=1.0)  # values 0..3: equal elements are common
ORDERED = ("float", "int", "uint")
WITH_BOOL = ("float", "int", "uint", "bool")
PAIR_NOTE = "out= takes a (values, indices) pair: a route here (the out= family passes one tensor)"


def _maybe(draw, name: str, strategy, kwargs: dict) -> None:
    """Give ``name`` (drawn from ``strategy``) or leave it to its default (left out first: shrinks best)."""
    if draw(st.booleans(), label=f"{name} given"):
        kwargs[name] = draw(strategy, label=name)


def _dim_of(draw, shape, kwargs: dict, required: bool = False) -> int:
    """A dim of ``shape`` (negative ones too; 0-d: 0 or -1), given or left to its default -1."""
    ndim = max(len(shape), 1)
    dims = st.integers(-ndim, ndim - 1)
    if required:
        kwargs["dim"] = draw(dims, label="dim")
    else:
        _maybe(draw, "dim", dims, kwargs)
    return kwargs.get("dim", -1)


def _side(shape, dim: int) -> int:
    return shape[dim] if shape else 1


@st.composite
def _sort(draw, sizes: Sizes, stable: bool):
    shape = draw(sizes.shape(), label="shape")
    kwargs = {}
    _dim_of(draw, shape, kwargs)
    _maybe(draw, "descending", st.booleans(), kwargs)
    if stable:
        _maybe(draw, "stable", st.booleans(), kwargs)
    return (shape,), kwargs


def sort_args(stable: bool = True):
    """A shape; ``dim``, ``descending`` and (``stable``) ``stable`` each given or left to its default."""
    return lambda sizes: _sort(sizes, stable)


@st.composite
def _topk(draw, sizes: Sizes):
    shape = draw(sizes.shape(), label="shape")
    kwargs = {}
    side = _side(shape, _dim_of(draw, shape, kwargs))
    k = draw(st.integers(0 if shape else 1, side), label="k")  # a 0-d input has one element to take
    _maybe(draw, "largest", st.booleans(), kwargs)
    _maybe(draw, "sorted", st.booleans(), kwargs)
    return (shape,), {"k": k, **kwargs}


@st.composite
def _kthvalue(draw, sizes: Sizes):
    """k in 1..size of the dim (1 on a dim of size 0: both torch and numpy raise)."""
    shape = draw(sizes.shape(zero_size=False), label="shape")
    kwargs = {}
    side = _side(shape, _dim_of(draw, shape, kwargs))
    k = draw(st.integers(1, max(side, 1)), label="k")
    _maybe(draw, "keepdim", st.booleans(), kwargs)
    return (shape,), {"k": k, **kwargs}


@st.composite
def _reduce_dim(draw, sizes: Sizes, required: bool):
    shape = draw(sizes.shape(zero_size=False), label="shape")
    kwargs = {}
    _dim_of(draw, shape, kwargs, required)
    _maybe(draw, "keepdim", st.booleans(), kwargs)
    return (shape,), kwargs


def reduce_dim(required: bool):
    """A shape without a side 0 (but in the zero-size mode), ``dim`` (``required`` or left to -1), ``keepdim``."""
    return lambda sizes: _reduce_dim(sizes, required)


@st.composite
def _unique(draw, sizes: Sizes, sorted_option: bool):
    shape = draw(sizes.shape(), label="shape")
    kwargs = {}
    if sorted_option:
        _maybe(draw, "sorted", st.booleans(), kwargs)
    _maybe(draw, "return_inverse", st.booleans(), kwargs)
    _maybe(draw, "return_counts", st.booleans(), kwargs)
    return (shape,), kwargs


def unique_args(sorted_option: bool):
    return lambda sizes: _unique(sizes, sorted_option)


# ---------------------------------------------------------------------------
# References (numpy, on float64 / int64 / bool arrays)
# ---------------------------------------------------------------------------

def _keys(a: np.ndarray, descending: bool) -> np.ndarray:
    """Sort keys whose ascending stable order is ``a``'s ascending (descending) stable order."""
    keys = a.astype(np.int64) if a.dtype.kind in "biu" else a  # negating a bool or unsigned array would not order it
    return -keys if descending else keys


def order(a: np.ndarray, axis: int, descending: bool = False) -> np.ndarray:
    """The stable sorting permutation of ``a`` along ``axis``: equal elements keep their order."""
    return np.argsort(_keys(a, descending), axis=axis, kind="stable")


def _zero_dim(fn):
    """``fn(a, axis, ...)`` for a 0-d ``a`` too: as its one element along dim 0, results of shape ()."""
    def call(a, dim=-1, *args, **kwargs):
        if a.ndim:
            return fn(a, dim, *args, **kwargs)
        results = fn(a.reshape(1), 0, *args, **kwargs)
        return tuple(r.reshape(()) for r in results) if isinstance(results, tuple) else results.reshape(())
    return call


@_zero_dim
def _sort_ref(a, dim=-1, descending=False, stable=False):
    indices = order(a, dim, descending)
    return np.take_along_axis(a, indices, dim), indices


@_zero_dim
def _argsort_ref(a, dim=-1, descending=False, stable=False):
    return order(a, dim, descending)


def _msort_ref(a):
    return a.copy() if a.ndim == 0 else np.sort(a, axis=0, kind="stable")


def _kept(x: np.ndarray, dim: int, keepdim: bool) -> np.ndarray:
    """A result taken along ``dim`` with that dim of size 1, kept or dropped."""
    return x if keepdim else np.squeeze(x, dim)


@_zero_dim
def _topk_ref(a, dim=-1, k=1, largest=True, sorted=True):
    indices = np.take(order(a, dim, descending=largest), np.arange(k), axis=dim)
    return np.take_along_axis(a, indices, dim), indices


def _topk_reference(a, k, dim=-1, largest=True, sorted=True):
    return _topk_ref(a, dim, k, largest, sorted)


@_zero_dim
def _position_ref(a, dim, position, keepdim=False):
    """(value, index) at ``position`` of the ascending stable order along ``dim`` (callable: of the dim's size)."""
    at = position(a.shape[dim]) if callable(position) else position
    indices = np.take(order(a, dim), [at], axis=dim)  # raises IndexError on a dim of size 0, as torch raises
    return _kept(np.take_along_axis(a, indices, dim), dim, keepdim), _kept(indices, dim, keepdim)


def lower_median_position(n: int) -> int:
    """torch.median: "not unique for input tensors with an even number of elements ... the lower of the two
    medians is returned": position (n - 1) // 2 of the ascending order (0-based)."""
    return (n - 1) // 2


def _kthvalue_ref(a, k, dim=-1, keepdim=False):
    return _position_ref(a, dim, k - 1, keepdim)


def _median_dim_ref(a, dim, keepdim=False):
    return _position_ref(a, dim, lower_median_position, keepdim)


def _median_ref(a):
    flat = np.sort(a.reshape(-1), kind="stable")
    if not flat.size:
        return np.array(np.nan)  # the median of nothing is NaN, as numpy's median of an empty array
    return np.array(flat[lower_median_position(flat.size)])


def _nanmedian_ref(a):
    """The lower median of the values that are not NaN (NaN when there are none)."""
    return _median_ref(a[~np.isnan(a)] if a.dtype.kind == "f" else a)


def _nanmedian_dim_ref(a, dim, keepdim=False):
    if a.dtype.kind == "f" and np.isnan(a).any():
        raise NotImplementedError("this reference orders values without NaN only (the entry draws none)")
    return _median_dim_ref(a, dim, keepdim)


@_zero_dim
def _mode_ref(a, dim=-1, keepdim=False):
    """The most frequent value along ``dim``; of several, the smallest; its index: its last position.  Which
    of several modes and positions torch returns is not documented: the invariants compare this reference
    only on 0-d and empty inputs, where there is one (or none)."""
    moved = np.moveaxis(a, dim, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    values = np.empty(len(rows), a.dtype)
    indices = np.empty(len(rows), np.int64)
    for r, row in enumerate(rows):
        uniq, counts = np.unique(row, return_counts=True)  # raises on an empty row: torch raises too
        values[r] = uniq[np.argmax(counts)]
        indices[r] = np.flatnonzero(row == values[r])[-1]
    shape = moved.shape[:-1]
    values, indices = values.reshape(shape), indices.reshape(shape)
    if keepdim:
        values, indices = np.expand_dims(values, dim), np.expand_dims(indices, dim)
    return values, indices


def _with_extras(values, inverse, counts, shape, return_inverse, return_counts):
    out = [values]
    if return_inverse:
        out.append(inverse.reshape(shape))
    if return_counts:
        out.append(counts)
    return tuple(out) if len(out) > 1 else values


def _unique_ref(a, sorted=True, return_inverse=False, return_counts=False):
    values, inverse, counts = np.unique(a.reshape(-1), return_inverse=True, return_counts=True)
    return _with_extras(values, inverse, counts, a.shape, return_inverse, return_counts)


def _unique_consecutive_ref(a, return_inverse=False, return_counts=False):
    flat = a.reshape(-1)
    starts = np.flatnonzero(np.concatenate([[True], flat[1:] != flat[:-1]])) if flat.size else np.zeros(0, np.int64)
    inverse = np.cumsum(np.isin(np.arange(flat.size), starts)) - 1
    counts = np.diff(np.append(starts, flat.size))
    return _with_extras(flat[starts], inverse, counts, a.shape, return_inverse, return_counts)


# ---------------------------------------------------------------------------
# Analytic gradients (float64, the formula of derivatives.yaml)
# ---------------------------------------------------------------------------

def _msort_vjp(g, out, x):
    """values = x gathered by the sorting permutation along dim 0: the gradient scatters back."""
    if x.dim() == 0:
        return (g,)
    indices = torch.from_numpy(order(x.numpy(), 0))
    return (torch.zeros_like(g).scatter(0, indices, g),)


def _median_vjp(g, out, x):
    """All of the gradient to the element that is the (lower) median (distinct values: one element)."""
    grad = torch.zeros(x.numel(), dtype=g.dtype)
    if x.numel():
        flat = x.reshape(-1).numpy()
        grad[int(order(flat, 0)[lower_median_position(flat.size)])] = g
    return (grad.reshape(x.shape),)


def _argsort_out(x, dim=-1, descending=False, stable=False):
    """``torch.argsort(..., out=)``: its overload with out= takes ``stable`` (keyword) too."""
    out = torch.empty(0, dtype=torch.int64, device=x.device)
    got = torch.argsort(x, stable=stable, dim=dim, descending=descending, out=out)
    if got is not out:
        raise AssertionError("torch.argsort(out=) returned a new tensor, not out")
    return got


def _pair(name, arguments, ref, kinds=ORDERED, domain=UNIQUE, function=None, grad=2, notes=PAIR_NOTE, **extra):
    """An op giving (values, indices), reached as ``torch.<function>``, ``x.<function>()`` and with out=(v, i)."""
    function = function or name
    return OpInfo(name, doc(f"torch.{function}"), arguments, function=f"torch.{function}", method=function,
                  extra_routes={"out": _out_route(f"torch.{function}")}, kinds=kinds, domains=(domain,), ref=ref,
                  exact=True, grad=grad, notes=notes, **extra)


OPS = [
    _pair("sort", sort_args(), _sort_ref,
          notes="distinct values: the sorting permutation is defined, stable or not; " + PAIR_NOTE),
    _pair("sort-stable", sort_args(stable=False), _sort_ref, kinds=WITH_BOOL, domain=TIES, function="sort",
          fixed={"stable": True}, grad=0,
          notes="equal elements on purpose: stable=True keeps their order, which defines every index; " + PAIR_NOTE),
    OpInfo("argsort", doc("torch.argsort"), sort_args(), function="torch.argsort", method="argsort",
           extra_routes={"out": _argsort_out}, kinds=ORDERED, domains=(UNIQUE,), ref=_argsort_ref, exact=True,
           notes="out= exists only in the overload with stable: a route here"),
    OpInfo("msort", doc("torch.msort"), lambda sizes: st.tuples(st.tuples(sizes.shape()), st.just({})),
           function="torch.msort", method="msort", out=True, kinds=WITH_BOOL, domains=(UNIQUE,), ref=_msort_ref,
           exact=True, grad=2, vjp=_msort_vjp, vjp_source=yaml("sort("), node="SortBackward0"),
    _pair("topk", _topk, _topk_reference, notes="distinct values: the k largest (smallest) are one set; " + PAIR_NOTE),
    _pair("kthvalue", _kthvalue, _kthvalue_ref),
    OpInfo("median", doc("torch.median"), lambda sizes: st.tuples(st.tuples(sizes.shape()), st.just({})),
           function="torch.median", method="median", kinds=ORDERED, domains=(UNIQUE,), ref=_median_ref, exact=True,
           grad=2, vjp=_median_vjp, vjp_source=yaml("median("), node="MedianBackward0",
           notes="over all elements: the lower of the two medians of an even count; the median of nothing is NaN"),
    _pair("median-dim", reduce_dim(required=True), _median_dim_ref, function="median"),
    OpInfo("nanmedian", doc("torch.nanmedian"), lambda sizes: st.tuples(st.tuples(sizes.shape()), st.just({})),
           function="torch.nanmedian", method="nanmedian", kinds=ORDERED, domains=(UNIQUE,), ref=_nanmedian_ref,
           exact=True, grad=2, vjp=_median_vjp, vjp_source=yaml("nanmedian("), node="NanmedianBackward0",
           notes="no NaN is drawn: here it is median's lower median; the NaN rule is not exercised"),
    _pair("nanmedian-dim", reduce_dim(required=True), _nanmedian_dim_ref, function="nanmedian",
          notes="no NaN is drawn; " + PAIR_NOTE),
    _pair("mode", reduce_dim(required=False), _mode_ref, kinds=WITH_BOOL, domain=TIES, grad=0,
          notes="equal elements on purpose (a mode repeats); which of several modes and positions is returned is "
                "not documented: compared with numpy only on 0-d and empty inputs; " + PAIR_NOTE),
    OpInfo("unique", doc("torch.unique"), unique_args(sorted_option=True), function="torch.unique", method="unique",
           kinds=WITH_BOOL, domains=(TIES,), ref=_unique_ref, exact=True, meta=False, vmap=False,
           notes="the number of unique elements depends on the values: no meta result, no vmap"),
    OpInfo("unique_consecutive", doc("torch.unique_consecutive"), unique_args(sorted_option=False),
           function="torch.unique_consecutive", method="unique_consecutive", kinds=WITH_BOOL, domains=(TIES,),
           ref=_unique_consecutive_ref, exact=True, meta=False, vmap=False,
           notes="the number of runs depends on the values: no meta result, no vmap"),
]
