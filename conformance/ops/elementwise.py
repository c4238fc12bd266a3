"""Elementwise ops: unary math, rounding, activations, and binary arithmetic and comparisons.

Domains keep drawn values off kinks, poles and branch cuts by construction (e.g. ``log`` on
[0.5, 3], ``abs`` away from 0); references are numpy's functions on float64 (integers exactly).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from conformance.derivatives import DOCS as GENERATED, sum_to, yaml

from . import args
from .core import ANY, Arg, Domain, OpInfo, doc

LN2, LN10 = math.log(2), math.log(10)
POSITIVE = Domain(0.5, 3.0)
NONZERO = Domain(min_abs=0.5)
UNIQUE = Domain(-10.0, 10.0, unique=True, integers=(-100, 100))  # a uint8 of 64 distinct values fits
ARITHMETIC = Domain(-10.0, 10.0, integers=(-100, 100))
NONZERO_ARITHMETIC = Domain(-10.0, 10.0, min_abs=0.5, integers=(-100, 100))
LOG = Domain(1e-3, 100.0)
TIES = Domain(-0.49, 3.49, integers=(0, 3), grid=1.0)  # equal elements are common
FLOATING = ("float", "complex", "int")  # ints and bools promote to the default float dtype
REAL = ("float", "int")


def _unary(name, vjp=None, source=None, domain=ANY, kinds=FLOATING, numpy=None, node=None, ref_kinds=("float",),
           **extra):
    """A unary elementwise op reached as ``torch.<name>``, ``x.<name>()``, ``x.<name>_()`` and with ``out=``;
    differentiable twice when it has a ``vjp``; compared with its reference on ``ref_kinds``."""
    return OpInfo(name, doc(f"torch.{name}"), args.unary(), function=f"torch.{name}", method=name,
                  inplace=f"{name}_", out=True, kinds=kinds, domains=(domain,), numpy=numpy, ref_kinds=ref_kinds,
                  grad=2 if vjp else 0, vjp=vjp, vjp_source=source,
                  node=(node or name.capitalize() + "Backward0") if vjp else None, elementwise=True, **extra)


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _softplus(a, beta=1.0):
    """log(1 + exp(beta a)) / beta without overflow: max(a, 0) + log1p(exp(-|beta a|)) / beta (the largest
    finite a gives a, where log(1 + exp(beta a)) overflows)."""
    with np.errstate(over="ignore"):  # |beta a| overflowing to inf gives exp(-inf) = 0, the limit
        return np.maximum(a, 0) + np.log1p(np.exp(-np.abs(beta * a))) / beta


UNARY = [
    _unary("exp", lambda g, out, x: (g * out,), yaml("exp("), Domain(-10.0, 10.0), numpy="exp", low_precision=True,
           saves="result"),
    _unary("exp2", lambda g, out, x: (g * out * LN2,), yaml("exp2("), Domain(-10.0, 10.0), numpy="exp2",
           node="Exp2Backward0"),
    _unary("expm1", lambda g, out, x: (g * (out + 1),), yaml("expm1("), Domain(-10.0, 10.0), numpy="expm1",
           low_precision=True),
    _unary("log", lambda g, out, x: (g / x,), yaml("log("), LOG, numpy="log", low_precision=True),
    _unary("log1p", lambda g, out, x: (g / (x + 1),), yaml("log1p("), Domain(-0.9, 100.0), numpy="log1p",
           node="Log1PBackward0", low_precision=True),
    _unary("log2", lambda g, out, x: (g / (x * LN2),), yaml("log2("), LOG, numpy="log2",
           low_precision=True),
    _unary("log10", lambda g, out, x: (g / (x * LN10),), yaml("log10("), LOG, numpy="log10",
           low_precision=True),
    _unary("sqrt", lambda g, out, x: (g / (2 * out),), yaml("sqrt("), Domain(0.5, 100.0), numpy="sqrt",
           low_precision=True),
    _unary("rsqrt", lambda g, out, x: (-0.5 * g * out ** 3,), yaml("rsqrt("), POSITIVE, low_precision=True,
           ref=lambda a: 1 / np.sqrt(a)),
    _unary("reciprocal", lambda g, out, x: (-g * out * out,), yaml("reciprocal("), NONZERO, low_precision=True,
           numpy="reciprocal"),
    _unary("neg", lambda g, out, x: (-g,), yaml("neg("), ARITHMETIC, ("float", "complex", "int", "uint"),
           numpy="negative", ref_kinds=REAL, low_precision=True, exact=True, operator="__neg__",
           aliases=("torch.negative",)),
    _unary("square", lambda g, out, x: (2 * g * x,),
           GENERATED + "torch.square.html (x.pow(2), " + yaml("pow.Tensor_Scalar(") + ")", ARITHMETIC,
           ("float", "complex", "int"), numpy="square", node="PowBackward0", low_precision=True, saves="input"),
    _unary("abs", lambda g, out, x: (g * x.sign(),), yaml("abs("), NONZERO_ARITHMETIC,
           ("float", "complex", "int", "uint"), numpy="abs", ref_kinds=REAL, low_precision=True, exact=True,
           rounded_kinds=("complex",),  # |a + bi| = hypot(a, b)
           operator="__abs__",
           aliases=("torch.absolute",)),
    _unary("sin", lambda g, out, x: (g * x.cos(),), yaml("sin("), Domain(-10.0, 10.0), numpy="sin", low_precision=True,
           saves="input"),
    _unary("cos", lambda g, out, x: (-g * x.sin(),), yaml("cos("), Domain(-10.0, 10.0), numpy="cos",
           low_precision=True),
    _unary("tan", lambda g, out, x: (g * (1 + out ** 2),), yaml("tan("), Domain(-1.4, 1.4), numpy="tan"),
    _unary("asin", lambda g, out, x: (g / (1 - x * x).sqrt(),), yaml("asin("), Domain(-0.95, 0.95), numpy="arcsin",
           aliases=("torch.arcsin",)),
    _unary("acos", lambda g, out, x: (-g / (1 - x * x).sqrt(),), yaml("acos("), Domain(-0.95, 0.95), numpy="arccos",
           aliases=("torch.arccos",)),
    _unary("atan", lambda g, out, x: (g / (1 + x * x),), yaml("atan("), Domain(-10.0, 10.0), numpy="arctan",
           aliases=("torch.arctan",)),
    _unary("sinh", lambda g, out, x: (g * x.cosh(),), yaml("sinh("), Domain(-10.0, 10.0), numpy="sinh",
           low_precision=True),
    _unary("cosh", lambda g, out, x: (g * x.sinh(),), yaml("cosh("), Domain(-10.0, 10.0), numpy="cosh",
           low_precision=True),
    # not saturated in float16 (tanh(3) rounds below 1): its gradient 1 - out^2 is no signed zero
    _unary("tanh", lambda g, out, x: (g * (1 - out * out),), yaml("tanh("), ANY, numpy="tanh",
           low_precision=True, aliases=("torch.nn.functional.tanh",), saves="result"),
    _unary("sigmoid", lambda g, out, x: (g * out * (1 - out),), yaml("sigmoid("), Domain(-10.0, 10.0), saves="result",
           ref=_sigmoid, aliases=("torch.special.expit", "torch.nn.functional.sigmoid")),
    _unary("erf", lambda g, out, x: (g * 2 / math.sqrt(math.pi) * torch.exp(-x * x),), yaml("erf("), kinds=REAL,
           ref=np.vectorize(math.erf, otypes=[np.float64]), aliases=("torch.special.erf",)),
    # not differentiable (a derivative of zero almost everywhere), exact
    _unary("sign", kinds=REAL, domain=ARITHMETIC, numpy="sign", ref_kinds=REAL, exact=True),
    _unary("floor", kinds=REAL, domain=ARITHMETIC, numpy="floor", exact=True),
    _unary("ceil", kinds=REAL, domain=ARITHMETIC, numpy="ceil", exact=True),
    _unary("trunc", kinds=REAL, domain=ARITHMETIC, numpy="trunc", exact=True, aliases=("torch.fix",)),
    # torch.round: "rounds half to even" -- numpy.round does the same
    _unary("round", kinds=REAL, domain=ARITHMETIC, numpy="round", exact=True),
    _unary("logical_not", kinds=("bool", "int", "uint", "float"), domain=TIES, numpy="logical_not",
           ref_kinds=("bool", "int", "uint", "float"), exact=True),
    OpInfo("softplus", doc("torch.nn.functional.softplus"), args.unary(beta=st.sampled_from([0.5, 1.0, 2.0])),
           function="torch.nn.functional.softplus", out=True, kinds=("float",), domains=(Domain(-5.0, 5.0),),
           ref=_softplus, grad=2, vjp=lambda g, out, x, beta: (g * torch.sigmoid(beta * x),),
           vjp_source=yaml("softplus("),
           node="SoftplusBackward0", elementwise=True, low_precision=True,
           notes="|beta x| stays below the default threshold 20, where softplus is linear"),
    OpInfo("relu", doc("torch.nn.functional.relu"), args.unary(), function="torch.relu", method="relu",
           inplace="relu_", aliases=("torch.nn.functional.relu",), kinds=("float", "int", "uint"),
           domains=(Domain(-10.0, 10.0, min_abs=0.5, integers=(-100, 100)),), ref=lambda a: np.maximum(a, 0),
           exact=True, grad=2, vjp=lambda g, out, x: (g * (x > 0),), vjp_source=yaml("relu("), node="ReluBackward0",
           elementwise=True),
    OpInfo("pow-scalar", doc("torch.pow"), args.unary(exponent=st.sampled_from([-2.0, -0.5, 0.5, 1.5, 2.0, 3.0])),
           function="torch.pow", method="pow", inplace="pow_", out=True, kinds=("float",), domains=(POSITIVE,),
           ref=lambda a, exponent: np.power(a, exponent), grad=2,
           vjp=lambda g, out, x, exponent: (g * exponent * x ** (exponent - 1),), vjp_source=yaml("pow.Tensor_Scalar("),
           node="PowBackward0", elementwise=True),
]


def _binary(name, numpy=None, kinds=("float", "int", "uint"), domains=(ARITHMETIC,), vjp=None, source=None,
            node=None, operator=None, inplace_operator=None, kwargs=None, scalars=True, **extra):
    """A broadcasting binary op reached as ``torch.<name>``, ``a.<name>(b)``, ``a.<name>_(b)``, with
    ``out=`` and (``scalars``) with a Python scalar as ``b``."""
    return OpInfo(name, doc(f"torch.{name}"), args.broadcasting(2, kwargs), function=f"torch.{name}", method=name,
                  inplace=f"{name}_", out=True, kinds=kinds, domains=domains, numpy=numpy, grad=2 if vjp else 0,
                  vjp=vjp, vjp_source=source, node=node or (name.capitalize() + "Backward0" if vjp else None),
                  elementwise=True, operator=operator, inplace_operator=inplace_operator, scalars=scalars, **extra)


# integral: "alpha must not be a floating point number"; powers of two: alpha * x is exact in every float dtype
ALPHA = args.maybe(alpha=st.sampled_from([2, -4]))
_COMPARISON = dict(kinds=("float", "int", "uint", "bool"), domains=(TIES,), exact=True)
_DIVISION = dict(kinds=REAL, domains=(ARITHMETIC, NONZERO_ARITHMETIC))
# The quotient of float16/bfloat16 operands is rounded to that precision before it is rounded toward
# zero or down, which can cross an integer: rounding divisions are compared with numpy on integers,
# float32 and float64.
_ROUNDING = dict(ref_exclude=(torch.float16, torch.bfloat16), **_DIVISION)


def _trunc_divide(a, b):
    """C-style division: the quotient rounded toward zero (exact on integers)."""
    if a.dtype.kind in "iu" and b.dtype.kind in "iu":
        return np.sign(a) * np.sign(b) * (np.abs(a) // np.abs(b))
    return np.trunc(np.true_divide(a, b))


BINARY = [
    _binary("add", "add", ("float", "complex", "int", "uint", "bool"), kwargs=ALPHA,
            ref=lambda a, b, alpha=1: a + alpha * b, source=yaml("add.Tensor("),
            vjp=lambda g, out, a, b, alpha=1: (sum_to(g, a.shape), sum_to(alpha * g, b.shape)),
            operator="__add__", inplace_operator="__iadd__", reflected=lambda x, s: torch.add(x, s),
            ref_kinds=("float", "int", "uint")),
    _binary("sub", "subtract", ("float", "complex", "int", "uint"), kwargs=ALPHA,
            ref=lambda a, b, alpha=1: a - alpha * b,
            vjp=lambda g, out, a, b, alpha=1: (sum_to(g, a.shape), sum_to(-alpha * g, b.shape)),
            source=yaml("sub.Tensor("), operator="__sub__", inplace_operator="__isub__",
            reflected=lambda x, s: torch.rsub(x, s), aliases=("torch.subtract",), ref_kinds=("float", "int", "uint")),
    _binary("mul", "multiply", ("float", "complex", "int", "uint", "bool"),
            vjp=lambda g, out, a, b: (sum_to(g * b, a.shape), sum_to(g * a, b.shape)), source=yaml("mul.Tensor("),
            operator="__mul__", inplace_operator="__imul__", reflected=lambda x, s: torch.mul(x, s),
            aliases=("torch.multiply",), ref_kinds=("float", "int", "uint")),
    _binary("div", "true_divide", ("float", "complex", "int", "uint", "bool"), (ARITHMETIC, NONZERO_ARITHMETIC),
            vjp=lambda g, out, a, b: (sum_to(g / b, a.shape), sum_to(-g * a / (b * b), b.shape)),
            source=yaml("div.Tensor("), operator="__truediv__", inplace_operator="__itruediv__",
            aliases=("torch.divide", "torch.true_divide"), ref_kinds=REAL),
    _binary("pow", "power", ("float",), (POSITIVE, Domain(-2.0, 2.0)),
            vjp=lambda g, out, a, b: (sum_to(g * b * a ** (b - 1), a.shape), sum_to(g * out * a.log(), b.shape)),
            source=yaml("pow.Tensor_Tensor("), node="PowBackward1", operator="__pow__", inplace_operator="__ipow__",
            reflected=lambda x, s: torch.pow(s, x)),
    _binary("atan2", "arctan2", ("float",), (NONZERO,),
            vjp=lambda g, out, a, b: (sum_to(g * b / (a * a + b * b), a.shape),
                                      sum_to(-g * a / (a * a + b * b), b.shape)),
            source=yaml("atan2("), scalars=False, aliases=("torch.arctan2",)),
    _binary("hypot", "hypot", ("float",), (NONZERO,),
            vjp=lambda g, out, a, b: (sum_to(g * a / out, a.shape), sum_to(g * b / out, b.shape)),
            source=yaml("hypot("),
            scalars=False),
    OpInfo("maximum", doc("torch.maximum"), args.same_shape(2), function="torch.maximum", method="maximum", out=True,
           kinds=("float", "int", "uint"), domains=(UNIQUE,), distinct=True, numpy="maximum", exact=True, grad=2,
           vjp=lambda g, out, a, b: (g * (a > b), g * (a < b)), vjp_source=yaml("maximum("), node="MaximumBackward0",
           low_precision=True, notes="distinct values: no ties, where the gradient is split"),
    OpInfo("minimum", doc("torch.minimum"), args.same_shape(2), function="torch.minimum", method="minimum", out=True,
           kinds=("float", "int", "uint"), domains=(UNIQUE,), distinct=True, numpy="minimum", exact=True, grad=2,
           vjp=lambda g, out, a, b: (g * (a < b), g * (a > b)), vjp_source=yaml("minimum("), node="MinimumBackward0",
           low_precision=True),
    _binary("eq", "equal", operator="__eq__", **_COMPARISON),
    _binary("ne", "not_equal", operator="__ne__", aliases=("torch.not_equal",), **_COMPARISON),
    _binary("lt", "less", operator="__lt__", aliases=("torch.less",), **_COMPARISON),
    _binary("le", "less_equal", operator="__le__", aliases=("torch.less_equal",), **_COMPARISON),
    _binary("gt", "greater", operator="__gt__", aliases=("torch.greater",), **_COMPARISON),
    _binary("ge", "greater_equal", operator="__ge__", aliases=("torch.greater_equal",), **_COMPARISON),
    # division with rounding, and the two remainders: sign rules on negative operands
    OpInfo("div-trunc", doc("torch.div"), args.broadcasting(2), function="torch.div", method="div", inplace="div_",
           out=True, fixed={"rounding_mode": "trunc"}, scalars=True, ref=_trunc_divide, elementwise=True, exact=True, **_ROUNDING),
    OpInfo("div-floor", doc("torch.div"), args.broadcasting(2), function="torch.div", method="div", inplace="div_",
           out=True, fixed={"rounding_mode": "floor"}, scalars=True, numpy="floor_divide", elementwise=True,
           exact=True, **_ROUNDING),
    _binary("floor_divide", "floor_divide", operator="__floordiv__", inplace_operator="__ifloordiv__", exact=True,
            **_ROUNDING),
    # remainder: Python's modulus, the sign of the divisor; fmod: C's, the sign of the dividend
    _binary("remainder", "remainder", operator="__mod__", inplace_operator="__imod__",
            reflected=lambda x, s: torch.remainder(s, x), **_ROUNDING),
    _binary("fmod", "fmod", exact=True, **_ROUNDING),  # exact in IEEE arithmetic (C's fmod)
]


def _where_args(sizes):
    """A bool condition and two operands, broadcasting together."""
    return args.broadcasting(3)(sizes).map(lambda case: ((Arg(case[0][0], torch.bool),) + case[0][1:], case[1]))


OTHER = [
    OpInfo("where", doc("torch.where"), _where_args,
           function="torch.where", kinds=("float", "int", "uint", "bool"), domains=(ARITHMETIC,),
           numpy="where", exact=True, out=True, grad=2,
           vjp=lambda g, out, c, a, b: (sum_to(g * c, a.shape), sum_to(g * ~c, b.shape)),
           vjp_source=yaml("where.self("), node="WhereBackward0", notes="the condition is a bool tensor input"),
    OpInfo("clamp", doc("torch.clamp"), args.clamp(), function="torch.clamp", method="clamp", inplace="clamp_",
           out=True, aliases=("torch.clip",), kinds=REAL, domains=(Domain(-10.0, 10.0, integers=(-10, 10)),),
           ref=lambda a, min=None, max=None: np.minimum(np.maximum(a, -np.inf if min is None else min),
                                                       np.inf if max is None else max),
           exact=True, elementwise=True,
           notes="bounds are halves, exact in every dtype; 'if min is greater than max, all elements are set to max'"),
]


OPS = UNARY + BINARY + OTHER
