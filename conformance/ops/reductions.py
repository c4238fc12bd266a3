"""Reductions over all dims or chosen ones (negative dims, ``keepdim``), with numpy as reference.

Sums, means and products reduce positive values or values bounded away from zero, so nothing
cancels; extrema reduce distinct values (no ties to split a gradient); argmax/argmin reduce values
with many ties on purpose (the first index wins).
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from conformance.derivatives import count, extremum_vjp, norm_vjp, restore, std_vjp, var_vjp, yaml

from . import args
from .core import Domain, OpInfo, doc

POSITIVE = Domain(0.5, 10.0, integers=(-100, 100))  # no cancellation in a float sum
UNIQUE = Domain(-10.0, 10.0, unique=True, integers=(-100, 100))
TIES = Domain(-0.49, 3.49, integers=(0, 3), grid=1.0)
ALL_KINDS = ("float", "int", "uint", "bool")
ORDERED = ("float", "int", "uint")


def _numpy(name: str, **renamed):
    """numpy's reduction ``name`` called with torch's keyword arguments (``dim`` -> ``axis``, ...)."""
    fn = getattr(np, name)

    def ref(a, dim=None, keepdim=False, **kwargs):
        axis = None if dim is None or a.ndim == 0 else dim
        return fn(a, axis=axis, keepdims=keepdim, **{renamed.get(k, k): v for k, v in kwargs.items()})
    ref.__name__ = name
    return ref


def _logsumexp(a, dim, keepdim=False):
    axis = None if a.ndim == 0 else dim
    return np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdim))


def _vector_norm(a, ord=2, dim=None, keepdim=False):
    axis = None if dim is None or a.ndim == 0 else dim
    return np.sum(np.abs(a) ** ord, axis=axis, keepdims=keepdim) ** (1 / ord)


def _with_dim(kwargs) -> bool:
    return "dim" in kwargs


def _reduction(name, arguments, kinds, domain, vjp=None, out=True, signature=None, renamed=None, numpy=None,
               **extra):
    """A reduction reached as ``torch.<name>`` and ``x.<name>()``, with ``out=``; numpy's ``numpy``
    (default ``name``) is the reference; differentiable twice when it has a ``vjp`` (from
    derivatives.yaml's ``signature``)."""
    numpy = numpy or name
    return OpInfo(name, doc(f"torch.{name}"), arguments, function=f"torch.{name}", method=name, out=out,
                  kinds=kinds, domains=(domain,), numpy=numpy, ref=_numpy(numpy, **(renamed or {})),
                  grad=2 if vjp else 0, vjp=vjp, vjp_source=yaml(signature or f"{name}(") if vjp else None,
                  reassociates=True, **extra)


OPS = [
    _reduction("sum", args.reduction(), ALL_KINDS, POSITIVE,
               lambda g, out, x, dim=None, keepdim=False: (restore(g, x, dim, keepdim),), out=_with_dim,
               signature="sum.dim_IntList(", low_precision=True),
    _reduction("mean", args.reduction(min_reduced=1), ("float",), POSITIVE,
               lambda g, out, x, dim=None, keepdim=False: (restore(g, x, dim, keepdim) / count(x, dim),),
               signature="mean.dim(", low_precision=True),
    _reduction("prod", args.reduction("int", min_reduced=1, max_numel=12), ALL_KINDS,
               Domain(-1.5, 1.5, min_abs=0.5, integers=(-4, 4)),
               lambda g, out, x, dim=None, keepdim=False: (restore(g * out, x, dim, keepdim) / x,), out=_with_dim,
               signature="prod.dim_int(", low_precision=True,
               notes="at most 12 factors in [0.5, 1.5] in absolute value: no overflow or underflow in float16"),
    _reduction("amax", args.reduction(min_reduced=1), ORDERED, UNIQUE, extremum_vjp, node="AmaxBackward0", numpy="max",
               low_precision=True, exact=True),
    _reduction("amin", args.reduction(min_reduced=1), ORDERED, UNIQUE, extremum_vjp, node="AminBackward0", numpy="min",
               low_precision=True, exact=True),
    _reduction("argmax", args.reduction("int", min_reduced=1), ORDERED, TIES, exact=True,
               notes="many equal elements: the first index of the extremum is returned, as numpy does"),
    _reduction("argmin", args.reduction("int", min_reduced=1), ORDERED, TIES, exact=True),
    _reduction("var", args.reduction(min_reduced=2, correction=st.sampled_from([0, 1])), ("float",), UNIQUE,
               var_vjp, node="VarBackward0", signature="var.correction(", renamed={"correction": "ddof"}),
    _reduction("std", args.reduction(min_reduced=2, correction=st.sampled_from([0, 1])), ("float",), UNIQUE,
               std_vjp, node="StdBackward0", signature="std.correction(", renamed={"correction": "ddof"},
               notes="distinct values: the standard deviation is positive"),
    _reduction("all", args.reduction(), ALL_KINDS, TIES, exact=True),
    _reduction("any", args.reduction(), ALL_KINDS, TIES, exact=True),
    OpInfo("logsumexp", doc("torch.logsumexp"), args.reduction("tuple-required", min_reduced=1),
           function="torch.logsumexp", method="logsumexp", out=True, aliases=("torch.special.logsumexp",),
           kinds=("float",), ref=_logsumexp, grad=2, reassociates=True,
           vjp=lambda g, out, x, dim, keepdim: (
               restore(g, x, dim, keepdim) * (x - restore(out, x, dim, keepdim)).exp(),),
           vjp_source=yaml("logsumexp("), node="LogsumexpBackward0"),
    OpInfo("norm", doc("torch.linalg.vector_norm"),
           args.reduction(min_reduced=1, ord=st.sampled_from([1, 2, 3])), function="torch.linalg.vector_norm",
           out=True, kinds=("float",), domains=(Domain(min_abs=0.5),), ref=_vector_norm, grad=2, vjp=norm_vjp,
           reassociates=True,
           vjp_source=yaml("linalg_vector_norm("), node="LinalgVectorNormBackward0",
           notes="no zero element: |x| is smooth and the norm positive"),
]


# ---------------------------------------------------------------------------
# Extrema along a dim with their indices, nan-ignoring and counting reductions, (std|var)_mean
# ---------------------------------------------------------------------------

@st.composite
def _along_dim(draw, sizes, keepdim: bool = True):
    """One dim of a shape (dim 0 / -1 of a 0-d tensor), with ``keepdim`` drawn: ``torch.max(x, dim)``."""
    shape = draw(sizes.shape(zero_size=False) if sizes.mode == "any" else sizes.shape(), label="shape")
    ndim = max(len(shape), 1)
    kwargs = {"dim": draw(st.integers(-ndim, ndim - 1), label="dim")}
    if keepdim:
        kwargs["keepdim"] = draw(st.booleans(), label="keepdim")
    return (shape,), kwargs


@st.composite
def _count_dims(draw, sizes):
    """count_nonzero's dims: none (all), one int, or a tuple of distinct dims; it has no keepdim."""
    shape = draw(sizes.shape(), label="shape")
    ndim = max(len(shape), 1)
    how = draw(st.sampled_from(["all", "int", "tuple"]), label="dims given as")
    if how == "all":
        return (shape,), {}
    if how == "int":
        return (shape,), {"dim": draw(st.integers(-ndim, ndim - 1), label="dim")}
    dims = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True), label="dims")
    return (shape,), {"dim": tuple(d - ndim if draw(st.booleans(), label="negative") else d for d in dims)}


def _extremum_out(name):
    """``torch.max(x, dim, keepdim, out=(values, indices))``: the out= route of a (values, indices) result."""
    def route(x, dim, keepdim=False):
        out = (x.new_empty(0), torch.empty(0, dtype=torch.int64, device=x.device))
        return getattr(torch, name)(x, dim, keepdim, out=out)
    return route


def _aminmax_out(x, **kwargs):
    return torch.aminmax(x, **kwargs, out=(x.new_empty(0), x.new_empty(0)))


def _aminmax_ref(a, dim=None, keepdim=False):
    axis = None if dim is None or a.ndim == 0 else dim
    return np.min(a, axis=axis, keepdims=keepdim), np.max(a, axis=axis, keepdims=keepdim)


def _stat_mean(stat):
    def ref(a, dim=None, keepdim=False, correction=1):
        axis = None if dim is None or a.ndim == 0 else dim
        with np.errstate(all="ignore"):
            return (getattr(np, stat)(a, axis=axis, ddof=correction, keepdims=keepdim),
                    np.mean(a, axis=axis, keepdims=keepdim))
    ref.__name__ = f"{stat}_mean"
    return ref


EXTREMUM_NOTES = ("distinct values: the index of the extremum is unique; no numpy ref in the registry: the values "
                  "family's reduction test judges results of the input's dtype only (the indices are int64), so "
                  "values and indices are compared with numpy's max/argmax in conformance/test_rearrange.py")

OPS += [
    OpInfo("max-dim", doc("torch.max"), _along_dim, function="torch.max", method="max",
           extra_routes={"out": _extremum_out("max")}, kinds=ORDERED, domains=(UNIQUE,), exact=True, grad=1,
           notes=EXTREMUM_NOTES),
    OpInfo("min-dim", doc("torch.min"), _along_dim, function="torch.min", method="min",
           extra_routes={"out": _extremum_out("min")}, kinds=ORDERED, domains=(UNIQUE,), exact=True, grad=1,
           notes=EXTREMUM_NOTES),
    OpInfo("aminmax", doc("torch.aminmax"), args.reduction("int", min_reduced=1), function="torch.aminmax",
           method="aminmax", extra_routes={"out": _aminmax_out}, kinds=ORDERED, domains=(UNIQUE,), exact=True,
           ref=_aminmax_ref, numpy="min", grad=1, notes="distinct values: no ties to split a gradient"),
    _reduction("nansum", args.reduction(), ("float",), POSITIVE, out=_with_dim,
               notes="finite values here (the registry draws no NaN); NaNs are counted as zero in "
                     "conformance/test_rearrange.py against numpy.nansum"),
    _reduction("nanmean", args.reduction(min_reduced=1), ("float",), POSITIVE, out=_with_dim,
               notes="finite values here; NaN handling against numpy.nanmean in conformance/test_rearrange.py"),
    OpInfo("count_nonzero", doc("torch.count_nonzero"), _count_dims, function="torch.count_nonzero",
           method="count_nonzero", kinds=ALL_KINDS, domains=(TIES,), exact=True,
           notes="values on a grid with zeros among them; int64 counts: no registry ref (the values family judges "
                 "results of the input's dtype)"),
    OpInfo("std_mean", doc("torch.std_mean"), args.reduction(min_reduced=2, correction=st.sampled_from([0, 1])),
           function="torch.std_mean", kinds=("float",), domains=(UNIQUE,), ref=_stat_mean("std"), numpy="std",
           reassociates=True, grad=2, notes="distinct values: the standard deviation is positive"),
    OpInfo("var_mean", doc("torch.var_mean"), args.reduction(min_reduced=2, correction=st.sampled_from([0, 1])),
           function="torch.var_mean", kinds=("float",), domains=(UNIQUE,), ref=_stat_mean("var"), numpy="var",
           reassociates=True, grad=2),
]
