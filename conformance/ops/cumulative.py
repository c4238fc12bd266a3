"""Cumulative ops along one dim: running sums, products, extrema and log-sum-exps, with numpy as reference.

Each scans a dim (negative dims too; a 0-d input has one position, named by dims 0 and -1) and gives a
result of the input's shape.  ``cumsum``/``cumprod`` take ``dtype=``: "the input tensor is casted to
dtype before the operation is performed", which the references do too.  Running products multiply at
most 5 factors of magnitude in [0.5, 2] (the longest side drawn), so nothing overflows even in int8;
running extrema scan distinct values, so the index of the extremum is defined (the index torch
returns for equal elements is not documented).
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from conformance.derivatives import yaml

from .core import Domain, OpInfo, Sizes, doc, resolve

ARITHMETIC = Domain(-10.0, 10.0, integers=(-10, 10))  # at most 5 terms: |sum| <= 50 fits int8
FACTORS = Domain(-2.0, 2.0, min_abs=0.5, integers=(-2, 2))  # no zero factor: the product's gradient is a quotient
UNIQUE = Domain(-10.0, 10.0, unique=True, integers=(-100, 100))
NUMERIC = ("float", "complex", "int", "uint", "bool")  # bool and integers accumulate in int64
ORDERED = ("float", "int", "uint")
DTYPES = {torch.float64: np.float64}  # dtype=: a floating one, so the result stays differentiable


@st.composite
def _scan(draw, sizes: Sizes, dtypes: bool):
    """A shape and the dim scanned (negative ones too); ``dtype=`` given or not when ``dtypes``."""
    shape = draw(sizes.shape(), label="shape")
    ndim = max(len(shape), 1)
    kwargs = {"dim": draw(st.integers(-ndim, ndim - 1), label="dim")}
    if dtypes and draw(st.booleans(), label="dtype given"):
        kwargs["dtype"] = draw(st.sampled_from(list(DTYPES)), label="dtype")
    return (shape,), kwargs


def scan(dtypes: bool = False):
    return lambda sizes: _scan(sizes, dtypes)


def _along(a: np.ndarray, dim: int, fn):
    """``fn(array, axis)`` along ``dim``; a 0-d array is scanned as its one element, keeping shape ()."""
    if a.ndim == 0:
        return fn(a.reshape(1), 0).reshape(())
    return fn(a, dim)


def _cast(a: np.ndarray, dtype) -> np.ndarray:
    """``a`` cast to the ``dtype=`` argument first (a complex input to a real dtype drops its imaginary part)."""
    if dtype is None:
        return a
    return (a.real if np.iscomplexobj(a) else a).astype(DTYPES[dtype])


def _cumsum(a, dim, dtype=None):
    return _along(_cast(a, dtype), dim, lambda b, axis: np.cumsum(b, axis=axis))


def _cumprod(a, dim, dtype=None):
    return _along(_cast(a, dtype), dim, lambda b, axis: np.cumprod(b, axis=axis))


def running_extreme(a: np.ndarray, axis: int, largest: bool):
    """(values, indices) of the running maximum (minimum) along ``axis``: the index of the element each
    running value is (distinct elements: one index)."""
    accumulate = np.maximum.accumulate if largest else np.minimum.accumulate
    values = accumulate(a, axis=axis)
    axis = axis % a.ndim
    positions = np.arange(a.shape[axis]).reshape([-1 if d == axis else 1 for d in range(a.ndim)])
    hits = np.where(a == values, positions, -1)  # the running value changes exactly where an element is it
    return values, np.maximum.accumulate(hits, axis=axis)


def _cummax(a, dim, largest=True):
    if a.ndim == 0:
        values, indices = running_extreme(a.reshape(1), 0, largest)
        return values.reshape(()), indices.reshape(())
    return running_extreme(a, dim, largest)


def _logcumsumexp(a, dim):
    return _along(a, dim, lambda b, axis: np.logaddexp.accumulate(b, axis=axis))


def _reversed_cumsum(t: torch.Tensor, dim: int) -> torch.Tensor:
    """sum_{j >= i} t_j along ``dim`` (numpy, on the float64 values): the adjoint of a running sum."""
    if t.dim() == 0:
        return t
    a = t.detach().cpu().numpy()
    return torch.from_numpy(np.flip(np.cumsum(np.flip(a, dim), axis=dim), dim).copy())


def _cumsum_vjp(g, out, x, dim, dtype=None):
    return (_reversed_cumsum(g, dim),)


def _cumprod_vjp(g, out, x, dim, dtype=None):
    # d out_j / d x_i = out_j / x_i for j >= i (no zero factor)
    return (_reversed_cumsum(g * out, dim) / x,)


def _logcumsumexp_vjp(g, out, x, dim):
    # d out_j / d x_i = exp(x_i - out_j) for j >= i
    return (_reversed_cumsum(g * (-out).exp(), dim) * x.exp(),)


def _extreme(name: str) -> OpInfo:
    return OpInfo(name, doc(f"torch.{name}"), scan(), function=f"torch.{name}", method=name,
                  extra_routes={"out": _out_route(f"torch.{name}")}, kinds=ORDERED, domains=(UNIQUE,),
                  ref=lambda a, dim: _cummax(a, dim, largest=name == "cummax"), exact=True, grad=2,
                  notes="distinct values: the index of the running extremum is one element's; out= takes a "
                        "(values, indices) pair, so it is a route here (the out= family passes one tensor)")


def _out_route(function: str):
    """``function(..., out=(values, indices))`` with empty tensors of the results' dtypes: returns the
    pair it was given, which then holds the results (a tuple out= is a route of its own, compared with
    the function's result by the routes-agree invariant)."""
    def call(x, *rest, **kwargs):
        outs = (torch.empty(0, dtype=x.dtype, device=x.device), torch.empty(0, dtype=torch.int64, device=x.device))
        got = resolve(function)(x, *rest, out=outs, **kwargs)
        if not (got[0] is outs[0] and got[1] is outs[1]):
            raise AssertionError(f"{function}(out=(values, indices)) returned new tensors, not the pair it was given")
        return tuple(got)
    return call


OPS = [
    OpInfo("cumsum", doc("torch.cumsum"), scan(dtypes=True), function="torch.cumsum", method="cumsum",
           inplace="cumsum_", out=True, kinds=NUMERIC, domains=(ARITHMETIC,), ref=_cumsum, grad=2, vjp=_cumsum_vjp,
           vjp_source=yaml("cumsum("), node="CumsumBackward0", reassociates=True,
           notes="its backward is a running sum too (rounded): the analytic check runs in float32/float64"),
    OpInfo("cumprod", doc("torch.cumprod"), scan(dtypes=True), function="torch.cumprod", method="cumprod",
           inplace="cumprod_", out=True, kinds=NUMERIC, domains=(FACTORS,), ref=_cumprod, grad=2, vjp=_cumprod_vjp,
           vjp_source=yaml("cumprod("), node="CumprodBackward0", reassociates=True),
    _extreme("cummax"),
    _extreme("cummin"),
    OpInfo("logcumsumexp", doc("torch.logcumsumexp"), scan(), function="torch.logcumsumexp", method="logcumsumexp",
           out=True, kinds=("float",), domains=(Domain(-5.0, 5.0),), ref=_logcumsumexp, grad=2,
           vjp=_logcumsumexp_vjp, vjp_source=yaml("logcumsumexp("), node="LogcumsumexpBackward0", reassociates=True),
]
