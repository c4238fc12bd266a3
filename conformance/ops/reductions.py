"""Reductions over all dims or chosen ones (negative dims, ``keepdim``), with numpy as reference.

Sums, means and products reduce positive values or values bounded away from zero, so nothing
cancels; extrema reduce distinct values (no ties to split a gradient); argmax/argmin reduce values
with many ties on purpose (the first index wins).
"""

from __future__ import annotations

import numpy as np
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
