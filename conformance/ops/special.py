"""torch.special and the special functions of torch: error functions, gamma and its relatives, Bessel
functions, the normal distribution, logit and xlogy, sinc, zeta.

References are mpmath (or Python's math) at double precision, element by element, compared in
float32 and float64 (float16/bfloat16 results of these functions are several ulps off: their accuracy
is the numerics family's, with ULP budgets); domains keep inputs where each function is smooth and finite (e.g. ``erfinv`` on [-0.9, 0.9], ``lgamma`` on
[0.5, 5], away from the poles).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import torch
from hypothesis import strategies as st

from . import args
from .core import Domain, OpInfo, doc

LOW = (torch.float16, torch.bfloat16)
NO_LOW = {"cpu": LOW}
REAL = ("float", "int")


def _vectorized(fn):
    """``fn`` on each element, in float64 (mpmath results converted)."""
    scalar = np.vectorize(lambda *xs: float(fn(*[float(x) for x in xs])), otypes=[np.float64])
    return lambda *arrays, **kwargs: scalar(*arrays, **kwargs) if all(np.size(a) for a in arrays) else \
        np.zeros(np.broadcast_shapes(*[np.shape(a) for a in arrays]))


def _bessel_i(order, scaled=False):
    return lambda x: float(mpmath.besseli(order, x) * (mpmath.exp(-abs(x)) if scaled else 1))


def _special(name, ref, domain, function=None, aliases=(), method=None, inplace=None, kinds=("float",),
             unsupported=None, grad=2, **extra):
    """``torch.special.<name>`` (or ``function``) of one tensor, elementwise."""
    return OpInfo(name, doc(function or f"torch.special.{name}"), args.unary(), function=function or
                  f"torch.special.{name}", aliases=aliases, method=method, inplace=inplace, out=True, kinds=kinds,
                  domains=(domain,), ref=_vectorized(ref), ref_kinds=("float",), ref_exclude=LOW,
                  unsupported=unsupported or {}, grad=grad, elementwise=True, **extra)


def _binary(name, ref, domains, function=None, aliases=(), kinds=("float",), unsupported=None, grad=2, **extra):
    return OpInfo(name, doc(function or f"torch.special.{name}"), args.broadcasting(2),
                  function=function or f"torch.special.{name}", aliases=aliases, out=True, kinds=kinds,
                  domains=domains, ref=_vectorized(ref), ref_kinds=("float",), ref_exclude=LOW,
                  unsupported=unsupported or {},
                  grad=grad, elementwise=True, **extra)


def _polygamma_args(sizes):
    return args.unary(n=st.integers(0, 3))(sizes)


def _mvlgamma_args(sizes):
    return args.unary(p=st.integers(1, 3))(sizes)


def _mvlgamma_ref(x, p):
    """log Gamma_p(x) = p (p - 1) / 4 log(pi) + sum_{j<p} lgamma(x - j / 2)."""
    return p * (p - 1) / 4 * math.log(math.pi) + sum(_vectorized(math.lgamma)(x - j / 2) for j in range(p))


def _ndtr(x):
    return 0.5 * math.erfc(-x / math.sqrt(2))


OPS = [
    _special("erfc", math.erfc, Domain(-3.0, 3.0), function="torch.erfc", aliases=("torch.special.erfc",),
             method="erfc", inplace="erfc_", kinds=REAL),
    _special("erfinv", mpmath.erfinv, Domain(-0.9, 0.9), function="torch.erfinv",
             aliases=("torch.special.erfinv",), method="erfinv", inplace="erfinv_"),
    _special("erfcx", lambda x: mpmath.exp(x * x) * mpmath.erfc(x), Domain(-2.0, 5.0), unsupported=NO_LOW),
    _special("lgamma", math.lgamma, Domain(0.5, 5.0), function="torch.lgamma", aliases=("torch.special.gammaln",),
             method="lgamma", inplace="lgamma_", kinds=REAL),
    _special("digamma", mpmath.digamma, Domain(0.5, 5.0), function="torch.digamma",
             aliases=("torch.special.digamma", "torch.special.psi"), method="digamma", inplace="digamma_"),
    OpInfo("polygamma", doc("torch.special.polygamma"), _polygamma_args,
           call=lambda x, n, **kw: torch.special.polygamma(n, x, **kw),
           extra_routes={"torch.polygamma": lambda x, n: torch.polygamma(n, x),
                         "method": lambda x, n: x.polygamma(n)},
           out=True, kinds=("float",), domains=(Domain(0.5, 5.0),),
           ref=lambda x, n: _vectorized(lambda v: mpmath.polygamma(n, v))(x), grad=2, elementwise=True),
    OpInfo("mvlgamma", doc("torch.special.multigammaln"), _mvlgamma_args, function="torch.special.multigammaln",
           aliases=("torch.mvlgamma",), out=True, kinds=("float",), domains=(Domain(1.5, 5.0),), ref=_mvlgamma_ref,
           grad=2, notes="x > (p - 1) / 2 for every drawn p"),
    _special("i0", _bessel_i(0), Domain(-5.0, 5.0), function="torch.i0", aliases=("torch.special.i0",), method="i0",
             inplace="i0_"),
    _special("i0e", _bessel_i(0, True), Domain(-5.0, 5.0), grad=1),
    _special("i1", _bessel_i(1), Domain(-5.0, 5.0), grad=1),
    _special("i1e", _bessel_i(1, True), Domain(-5.0, 5.0), grad=1),
    _special("ndtr", _ndtr, Domain(-4.0, 4.0)),
    _special("ndtri", lambda p: mpmath.sqrt(2) * mpmath.erfinv(2 * p - 1), Domain(0.05, 0.95), unsupported=NO_LOW),
    _special("log_ndtr", lambda x: mpmath.log(mpmath.ncdf(x)), Domain(-5.0, 5.0), unsupported=NO_LOW),
    _special("logit", lambda p: math.log(p / (1 - p)), Domain(0.05, 0.95), function="torch.logit",
             aliases=("torch.special.logit",), method="logit", inplace="logit_"),
    _special("entr", lambda x: -x * math.log(x), Domain(0.1, 5.0)),
    _special("sinc", lambda x: math.sin(math.pi * x) / (math.pi * x), Domain(-3.0, 3.0, min_abs=0.25),
             function="torch.sinc", aliases=("torch.special.sinc",), method="sinc", inplace="sinc_"),
    _special("bessel_j0", lambda x: mpmath.besselj(0, x), Domain(-8.0, 8.0), unsupported=NO_LOW, grad=0),
    _special("bessel_j1", lambda x: mpmath.besselj(1, x), Domain(-8.0, 8.0), unsupported=NO_LOW, grad=0),
    _special("spherical_bessel_j0", lambda x: math.sin(x) / x, Domain(-8.0, 8.0, min_abs=0.25),
             unsupported=NO_LOW, grad=0),
    _binary("xlogy", lambda x, y: x * math.log(y), (Domain(-3.0, 3.0), Domain(0.1, 5.0)), function="torch.xlogy",
            aliases=("torch.special.xlogy",)),
    _binary("xlog1py", lambda x, y: x * math.log1p(y), (Domain(-3.0, 3.0), Domain(-0.9, 5.0))),
    _binary("zeta", lambda x, q: mpmath.zeta(x, q), (Domain(1.5, 4.0), Domain(0.5, 3.0)), unsupported=NO_LOW,
            grad=0),
    _binary("gammainc", lambda a, x: mpmath.gammainc(a, 0, x, regularized=True), (Domain(0.5, 4.0),
                                                                                    Domain(0.1, 5.0)),
            function="torch.special.gammainc", aliases=("torch.igamma",), grad=0),
    _binary("gammaincc", lambda a, x: mpmath.gammainc(a, x, mpmath.inf, regularized=True),
            (Domain(0.5, 4.0), Domain(0.1, 5.0)), aliases=("torch.igammac",), grad=0),
]
