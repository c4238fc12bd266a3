"""Special functions: ``torch.special.X`` and their ``torch.X`` / ``Tensor.X`` aliases -- the error function's
relatives, the normal distribution's cdf and quantile, Bessel functions, gamma-function relatives, zeta,
entropy, logit, xlog1py and ``round`` with ``decimals``.

References are numpy's functions where numpy has them (``i0``, ``sinc``) and otherwise mpmath, elementwise on
float64 (``_mp``; tensors stay small).  Derivatives follow ``derivatives.yaml``; where its formula names
another special function (digamma' = polygamma(1, .), i0' = i1), the formula evaluates that function with
mpmath, never with torch's own kernel.  Domains stay off poles (gamma's at 0, -1, ...), the ends of
erfinv/ndtri/logit's intervals and the kink of i1/sinc's formulas at 0, by construction.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import torch
from hypothesis import strategies as st

from conformance.derivatives import sum_to, yaml

from . import args
from .core import Domain, OpInfo, doc

REAL = ("float", "int")  # ints promote to the default float dtype
SQRT_PI, SQRT_2PI = math.sqrt(math.pi), math.sqrt(2 * math.pi)
SPECIAL = "https://pytorch.org/docs/stable/special.html"
GAMMA = Domain(0.5, 10.0)  # off the poles of gamma and its relatives (0, -1, -2, ...)
OFF_ZERO = Domain(-5.0, 5.0, min_abs=0.25)
UNIT = Domain(0.05, 0.95)  # probabilities: off logit's and ndtri's infinities at 0 and 1 (no integer inside)
NO_HALF_ON_CPU = {"cpu": (torch.float16, torch.bfloat16)}  # "erfcx_cpu" not implemented for 'Half' (and BFloat16)


def _mp(fn, nin: int = 1):
    """An mpmath function of ``nin`` float64 arrays, elementwise, as a float64 array (vectorized)."""
    scalar = np.vectorize(lambda *xs: float(fn(*map(mpmath.mpf, xs))), otypes=[np.float64])

    def ref(*arrays, **kwargs):
        out = scalar(*[np.asarray(a, dtype=np.float64) for a in arrays[:nin]], **kwargs)
        return np.asarray(out, dtype=np.float64)
    return ref


def _mp_tensor(fn, x: torch.Tensor, *more) -> torch.Tensor:
    """An mpmath function of float64 tensors (a derivative's formula), elementwise, as a float64 tensor."""
    values = _mp(fn, 1 + len(more))(x.numpy(), *(m.numpy() for m in more))
    return torch.from_numpy(np.ascontiguousarray(values)).reshape(x.shape)


def _special(name, vjp=None, source=None, domain=GAMMA, kinds=REAL, ref=None, numpy=None, node=None, torch_name=None,
             method=None, inplace=None, aliases=(), **extra):
    """``torch.special.<name>`` with ``out=``, and its aliases (``torch.<torch_name>``, the method and its
    in-place form where there are); differentiable twice when it has a ``vjp``."""
    function = f"torch.{torch_name}" if torch_name else f"torch.special.{name}"
    aliases = tuple(aliases) + ((f"torch.special.{name}",) if torch_name else ())
    return OpInfo(name, doc(function), args.unary(), function=function, method=method, inplace=inplace, out=True,
                  aliases=aliases, kinds=kinds, domains=(domain,), ref=ref, numpy=numpy, ref_kinds=("float",),
                  grad=2 if vjp else 0, vjp=vjp, vjp_source=source, node=node if vjp else None, elementwise=True,
                  **extra)


def _erfcx(x):
    return mpmath.exp(x * x) * mpmath.erfc(x)


def _ndtr(x):
    return mpmath.ncdf(x)


def _ndtri(p):
    return mpmath.sqrt(2) * mpmath.erfinv(2 * p - 1)


def _i0e(x):
    return mpmath.besseli(0, x) * mpmath.exp(-abs(x))


def _i1e(x):
    return mpmath.besseli(1, x) * mpmath.exp(-abs(x))


def _entr(x):
    return -x * mpmath.log(x)


def _logit_ref(a, eps=None):
    if eps is not None:
        a = np.clip(a, eps, 1 - eps)
    with np.errstate(all="ignore"):
        return np.log(a / (1 - a))


def _multigammaln(a, p):
    """log of the multivariate gamma function: p (p - 1) / 4 log(pi) + sum_j lgamma(a - j / 2)."""
    lgamma = np.vectorize(math.lgamma, otypes=[np.float64])
    return p * (p - 1) / 4 * math.log(math.pi) + sum(lgamma(a - j / 2) for j in range(p))


def _round_decimals(a, decimals):
    """torch.round(x, decimals=d): x * 10^d rounded half to even, over 10^d (d < 0: x / 10^-d, times 10^-d)."""
    if decimals >= 0:
        return np.round(a * 10.0 ** decimals) / 10.0 ** decimals
    return np.round(a / 10.0 ** -decimals) * 10.0 ** -decimals


UNARY = [
    _special("erfc", lambda g, out, x: (-2 / SQRT_PI * g * torch.exp(-x * x),), yaml("erfc("), Domain(-5.0, 5.0),
             ref=_mp(mpmath.erfc), torch_name="erfc", method="erfc", inplace="erfc_", node="ErfcBackward0"),
    _special("erfinv", lambda g, out, x: (0.5 * SQRT_PI * g * torch.exp(out * out),), yaml("erfinv("),
             Domain(-0.9, 0.9), ref=_mp(mpmath.erfinv), torch_name="erfinv", method="erfinv", inplace="erfinv_",
             node="ErfinvBackward0"),
    _special("erfcx", lambda g, out, x: ((2 * x * out - 2 / SQRT_PI) * g,), yaml("special_erfcx("), Domain(-3.0, 5.0),
             ref=_mp(_erfcx), node="SpecialErfcxBackward0",
             unsupported=NO_HALF_ON_CPU),
    _special("ndtr", lambda g, out, x: (g * torch.exp(-x * x / 2) / SQRT_2PI,), yaml("special_ndtr("),
             Domain(-5.0, 5.0), ref=_mp(_ndtr), node=None,
             notes="composite (0.5 erfc(-x / sqrt 2)): its grad_fn is the last step's, not a documented name"),
    _special("ndtri", lambda g, out, x: (g * SQRT_2PI * torch.exp(out * out / 2),), yaml("special_ndtri("), UNIT,
             ref=_mp(_ndtri), node="SpecialNdtriBackward0",
             kinds=("float",), unsupported=NO_HALF_ON_CPU),
    _special("log_ndtr", lambda g, out, x: (g / SQRT_2PI * torch.exp(-(out + x * x / 2)),), yaml("special_log_ndtr("),
             Domain(-5.0, 5.0), ref=_mp(lambda x: mpmath.log(mpmath.ncdf(x))), node="SpecialLogNdtrBackward0",
             unsupported=NO_HALF_ON_CPU),
    _special("i0", lambda g, out, x: (g * _mp_tensor(lambda v: mpmath.besseli(1, v), x),), yaml("i0("),
             Domain(-5.0, 5.0), numpy="i0", torch_name="i0", method="i0", inplace="i0_", node="I0Backward0"),
    _special("i0e", lambda g, out, x: (g * (_mp_tensor(_i1e, x) - x.sign() * out),), yaml("special_i0e("),
             Domain(-5.0, 5.0), ref=_mp(_i0e), node="SpecialI0EBackward0"),
    _special("i1", lambda g, out, x: (g * (_mp_tensor(lambda v: mpmath.besseli(0, v), x) - out / x),),
             yaml("special_i1("), OFF_ZERO, ref=_mp(lambda x: mpmath.besseli(1, x)), node="SpecialI1Backward0",
             notes="off 0, where derivatives.yaml's formula i0(x) - i1(x) / x is replaced by its limit"),
    _special("i1e", lambda g, out, x: (g * (_mp_tensor(_i0e, x) - out * (x.sign() + 1 / x)),), yaml("special_i1e("),
             OFF_ZERO, ref=_mp(_i1e), node="SpecialI1EBackward0"),
    _special("sinc", lambda g, out, x: (g * (math.pi * x * torch.cos(math.pi * x) - torch.sin(math.pi * x))
                                        / (math.pi * x * x),),
             yaml("sinc("), OFF_ZERO, kinds=("float", "complex", "int"), numpy="sinc", torch_name="sinc",
             method="sinc", inplace="sinc_", node="SincBackward0",
             notes="off 0, where derivatives.yaml's formula is replaced by its limit 0"),
    _special("entr", lambda g, out, x: (-g * (1 + x.log()),), yaml("special_entr("), Domain(0.05, 5.0), ref=_mp(_entr),
             node="SpecialEntrBackward0", notes="x > 0: entr is 0 at 0 and -inf below"),
    _special("digamma", lambda g, out, x: (g * _mp_tensor(lambda v: mpmath.polygamma(1, v), x),), yaml("digamma("),
             ref=_mp(mpmath.digamma), torch_name="digamma", method="digamma", inplace="digamma_",
             aliases=("torch.special.psi",), node="DigammaBackward0"),
    _special("gammaln", lambda g, out, x: (g * _mp_tensor(mpmath.digamma, x),), yaml("lgamma("),
             ref=np.vectorize(math.lgamma, otypes=[np.float64]), torch_name="lgamma", method="lgamma",
             inplace="lgamma_", node="LgammaBackward0"),
    OpInfo("polygamma", doc("torch.polygamma"), args.unary(n=st.sampled_from([1, 2])),
           call=lambda x, n, **kwargs: torch.polygamma(n, x, **kwargs), method="polygamma", inplace="polygamma_",
           out=True, extra_routes={"torch.special.polygamma": lambda x, n, **kwargs: torch.special.polygamma(n, x,
                                                                                                          **kwargs)},
           kinds=REAL, domains=(GAMMA,), ref=lambda a, n: _mp(lambda v: mpmath.polygamma(n, v))(a),
           ref_kinds=("float",), grad=2,
           vjp=lambda g, out, x, n: (g * _mp_tensor(lambda v: mpmath.polygamma(n + 1, v), x),),
           vjp_source=yaml("polygamma("), node="PolygammaBackward0", elementwise=True,
           notes="the order n comes first in the function (torch.polygamma(n, input)), last in the method"),
    OpInfo("multigammaln", doc("torch.special.multigammaln"), args.unary(p=st.sampled_from([1, 2, 3])),
           function="torch.special.multigammaln", aliases=("torch.mvlgamma",), method="mvlgamma",
           inplace="mvlgamma_", out=True, kinds=("float",), domains=(Domain(1.5, 10.0),), ref=_multigammaln, grad=2,
           vjp=lambda g, out, x, p: (g * sum(_mp_tensor(mpmath.digamma, x - j / 2) for j in range(p)),),
           vjp_source=yaml("mvlgamma("), node="MvlgammaBackward0", elementwise=True,
           notes="x > (p - 1) / 2 for every p drawn (1..3), as the doc requires"),
    OpInfo("logit", doc("torch.logit"), args.unary(eps=st.sampled_from([None, 1e-6, 0.01])), function="torch.logit",
           method="logit", inplace="logit_", out=True, aliases=("torch.special.logit",), kinds=("float",),
           domains=(UNIT,),
           ref=_logit_ref, ref_kinds=("float",), grad=2, vjp=lambda g, out, x, eps=None: (g / (x * (1 - x)),),
           vjp_source=yaml("logit("), node="LogitBackward0", elementwise=True,
           notes="eps below the domain's ends: the clamp to [eps, 1 - eps] is test_special.py's rule"),
    OpInfo("round-decimals", doc("torch.round"), args.unary(decimals=st.sampled_from([-1, 1, 2, 3])),
           function="torch.round", method="round", inplace="round_", out=True, aliases=("torch.special.round",),
           kinds=("float",), domains=(Domain(-100.0, 100.0),), ref=_round_decimals,
           notes="x * 10^d is rounded in the input's dtype first: not exact against a float64 reference"),
]


def _gammainc(a, x):
    return mpmath.gammainc(a, 0, x, regularized=True)


def _gammaincc(a, x):
    return mpmath.gammainc(a, x, mpmath.inf, regularized=True)


def _xlog1py(a, b):
    """x * log1p(y), and 0 where x is 0 (and y is not nan)."""
    with np.errstate(all="ignore"):
        return np.where((a == 0) & ~np.isnan(b), 0.0, a * np.log1p(b))


def _binary(name, function, ref, domains, aliases=(), method=None, inplace=None, scalars=False, **extra):
    return OpInfo(name, doc(function), args.broadcasting(2), function=function, method=method, inplace=inplace,
                  out=True, aliases=aliases, kinds=REAL, domains=domains, ref=ref, ref_kinds=("float",),
                  scalars=scalars, elementwise=True, **extra)


BINARY = [
    # derivatives.yaml: igamma's derivative in its first argument is not implemented
    _binary("gammainc", "torch.special.gammainc", _mp(_gammainc, 2), (Domain(0.5, 5.0), Domain(0.1, 5.0)),
            aliases=("torch.igamma",), method="igamma", inplace="igamma_",
            notes="not differentiable in its first argument ('not_implemented' in derivatives.yaml)"),
    _binary("gammaincc", "torch.special.gammaincc", _mp(_gammaincc, 2), (Domain(0.5, 5.0), Domain(0.1, 5.0)),
            aliases=("torch.igammac",), method="igammac", inplace="igammac_"),
    _binary("xlog1py", "torch.special.xlog1py", _xlog1py,
            (Domain(-10.0, 10.0, min_abs=0.5, integers=(-100, 100)), Domain(-0.9, 10.0)), scalars=True, grad=2,
            vjp=lambda g, out, a, b: (sum_to(g * b.log1p() * (a != 0), a.shape), sum_to(g * a / (b + 1), b.shape)),
            vjp_source=yaml("special_xlog1py("), node="SpecialXlog1PyBackward0",
            notes="self off 0, where torch's derivative in self is 0 (xlog1py(self != 0, other))"),
    _binary("zeta", "torch.special.zeta", _mp(mpmath.zeta, 2), (Domain(1.5, 5.0), Domain(0.5, 5.0)), scalars=True,
            unsupported=NO_HALF_ON_CPU,
            notes="Hurwitz zeta(x, q); not differentiable in x ('not_implemented' in derivatives.yaml)"),
]


OPS = UNARY + BINARY
