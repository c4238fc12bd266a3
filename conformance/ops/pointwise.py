"""Pointwise ops beyond ``elementwise``: inverse hyperbolic functions, bitwise and logical ops, IEEE
predicates and sign manipulation (isinf, signbit, copysign, nextafter), fused arithmetic (lerp, addcmul,
addcdiv), and the overloads of pow and clamp that take a Python scalar base or tensor bounds.

Every route is listed (``torch.X``, ``Tensor.X``, ``Tensor.X_``, ``out=``, the operators ``& | ^ ~ << >>``
and their in-place forms).  Domains keep drawn values off kinks, poles and branch cuts by construction
(``acosh`` on [1.2, 10], ``xlogy``'s first operand away from 0, distinct values where a gradient splits);
references are numpy's functions on float64 (integers and bools exactly).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from conformance.derivatives import DOCS as GENERATED, sum_to, yaml

from . import args
from .core import ANY, Arg, Domain, OpInfo, Sizes, doc

ARITHMETIC = Domain(-10.0, 10.0, integers=(-100, 100))
NONZERO = Domain(-10.0, 10.0, min_abs=0.5, integers=(-100, 100))
POSITIVE = Domain(0.5, 3.0)
UNIQUE = Domain(-10.0, 10.0, unique=True, integers=(-100, 100))
TIES = Domain(-0.49, 3.49, integers=(0, 3), grid=1.0)  # zeros and equal elements are common (+0.0: see grid)
STEPS = Domain(-2.49, 2.49, integers=(-2, 2), grid=1.0)  # -2..2: negative, zero and positive inputs, zeros common
SHIFTS = Domain(0.0, 7.0, integers=(0, 7))  # in range for every integer dtype, int8 and uint8 included
FLOATING = ("float", "complex", "int")  # ints promote to the default float dtype
REAL = ("float", "int")
INTEGRAL = ("int", "uint", "bool")
ALL = ("float", "complex", "int", "uint", "bool")


def _unary(name, vjp=None, source=None, domain=ANY, kinds=FLOATING, numpy=None, node=None, ref_kinds=("float",),
           inplace=True, out=True, method=True, **extra):
    """A unary op reached as ``torch.<name>``, ``x.<name>()``, ``x.<name>_()`` and with ``out=``; differentiable
    twice when it has a ``vjp``."""
    return OpInfo(name, doc(f"torch.{name}"), args.unary(), function=f"torch.{name}", method=name if method else None,
                  inplace=f"{name}_" if inplace else None, out=out, kinds=kinds, domains=(domain,), numpy=numpy,
                  ref_kinds=ref_kinds, grad=2 if vjp else 0, vjp=vjp, vjp_source=source,
                  node=(node or name.capitalize() + "Backward0") if vjp else None, elementwise=True, **extra)


def _binary(name, numpy=None, kinds=REAL, domains=(ARITHMETIC,), vjp=None, source=None, node=..., scalars=False,
            inplace=True, grad=None, **extra):
    """A broadcasting binary op reached as ``torch.<name>``, ``a.<name>(b)``, ``a.<name>_(b)`` and with ``out=``;
    ``scalars``: the second operand may be a Python scalar; ``node``: its grad_fn's name (default ``<Name>Backward0``
    with a ``vjp``), None where it depends on the arguments."""
    return OpInfo(name, doc(f"torch.{name}"), args.broadcasting(2), function=f"torch.{name}", method=name,
                  inplace=f"{name}_" if inplace else None, out=True, kinds=kinds, domains=domains, numpy=numpy,
                  grad=(2 if vjp else 0) if grad is None else grad, vjp=vjp, vjp_source=source,
                  node=(name.capitalize() + "Backward0" if vjp else None) if node is ... else node,
                  elementwise=True, scalars=scalars,
                  **extra)


# ---------------------------------------------------------------------------
# Unary math, predicates and sign manipulation
# ---------------------------------------------------------------------------

def _sgn(a):
    """sgn: x / |x| for complex x (0 at 0), the sign of a real x."""
    if np.iscomplexobj(a):
        with np.errstate(all="ignore"):
            return np.where(a == 0, 0, a / np.where(a == 0, 1, np.abs(a)))
    return np.sign(a)


def _nan_to_num(a, nan=0.0, posinf=None, neginf=None):
    """numpy's nan_to_num: nan -> ``nan``, +-inf -> ``posinf``/``neginf`` (default: the dtype's largest and
    lowest finite values -- of float64 here, as numpy computes in it; torch's are its own dtype's)."""
    return np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)


UNARY = [
    _unary("acosh", lambda g, out, x: (g / (x * x - 1).sqrt(),), yaml("acosh("), Domain(1.2, 10.0), numpy="arccosh",
           aliases=("torch.arccosh",)),
    _unary("asinh", lambda g, out, x: (g / (x * x + 1).sqrt(),), yaml("asinh("), Domain(-10.0, 10.0),
           numpy="arcsinh", aliases=("torch.arcsinh",)),
    _unary("atanh", lambda g, out, x: (g / (1 - x * x),), yaml("atanh("), Domain(-0.9, 0.9), numpy="arctanh",
           aliases=("torch.arctanh",)),
    # frac(x) = x - trunc(x): exact; its derivative 1 jumps at the integers, which the domain leaves out
    _unary("frac", lambda g, out, x: (g,), yaml("frac("), Domain(-0.95, 0.95, min_abs=0.05), ("float",),
           ref=lambda a: a - np.trunc(a), exact=True,
           notes="values in (-1, 1) off 0: frac's derivative jumps at every integer"),
    _unary("deg2rad", lambda g, out, x: (g * (math.pi / 180),), yaml("deg2rad("), Domain(-360.0, 360.0), REAL,
           numpy="deg2rad", node="Deg2RadBackward0"),
    _unary("rad2deg", lambda g, out, x: (g * (180 / math.pi),), yaml("rad2deg("), Domain(-7.0, 7.0), REAL,
           numpy="rad2deg", node="Rad2DegBackward0"),
    # nan_to_num(x) is x on finite x: its derivative grad * isfinite(x)
    OpInfo("nan_to_num", doc("torch.nan_to_num"),
           lambda sizes: st.tuples(st.tuples(sizes.shape()), args.maybe(
               nan=st.sampled_from([0.0, -1.5]), posinf=st.sampled_from([2.5, 100.0]),
               neginf=st.sampled_from([-2.5, -100.0]))),
           function="torch.nan_to_num", method="nan_to_num", inplace="nan_to_num_", out=True, kinds=("float",),
           domains=(ARITHMETIC,), ref=_nan_to_num, exact=True, grad=2,
           vjp=lambda g, out, x, **kwargs: (g * x.isfinite(),), vjp_source=yaml("nan_to_num("),
           node="NanToNumBackward0", elementwise=True,
           notes="drawn values are finite (the identity); test_special.py draws nan and infinities. Float only: "
                 "of an integer self nan_to_num_ writes nothing (no overlap error), which the in-place invariant "
                 "does not describe"),
    _unary("signbit", kinds=("float", "int", "uint", "bool"), domain=ARITHMETIC, numpy="signbit",
           ref_kinds=("float", "int", "uint", "bool"), exact=True, inplace=False),
    _unary("positive", kinds=("float", "complex", "int", "uint"), domain=ARITHMETIC, numpy="positive",
           ref_kinds=("float", "int", "uint"), exact=True, inplace=False, out=False, operator="__pos__",
           notes="returns its input itself ('Returns input'), so it takes no out= and has no in-place form"),
    _unary("sgn", kinds=("float", "complex", "int"), domain=NONZERO, ref=_sgn, ref_kinds=("float", "int"),
           exact=True, rounded_kinds=("complex",),
           notes="x / |x| of a complex x: a division by a hypot, rounded (compared with numpy on real kinds only)"),
    _unary("angle", kinds=FLOATING, domain=NONZERO, numpy="angle", inplace=False,
           notes="off 0: angle(-0.0) is pi in numpy (atan2(0, -0)), a signed zero the suite keeps out"),
    _unary("conj_physical", kinds=("complex",), domain=ARITHMETIC, numpy="conjugate", ref_kinds=("complex",),
           exact=True, notes="complex only: of a real input it returns the input itself and conj_physical_ writes "
                             "nothing (no overlap error), which the in-place and out= invariants do not describe"),
    _unary("bitwise_not", kinds=INTEGRAL, domain=ARITHMETIC, numpy="invert", ref_kinds=INTEGRAL, exact=True,
           operator="__invert__"),
]

# IEEE predicates: bool results, exact; drawn values are finite (test_special.py draws nan and infinities)
PREDICATES = [
    _unary(name, kinds=kinds, domain=ARITHMETIC, numpy=name, ref_kinds=kinds, exact=True, inplace=False, out=out)
    for name, kinds, out in (("isinf", ALL, False), ("isnan", ALL, False), ("isfinite", ALL, False),
                             ("isposinf", ("float", "int", "uint", "bool"), True),
                             ("isneginf", ("float", "int", "uint", "bool"), True))
]


# ---------------------------------------------------------------------------
# Bitwise and logical ops
# ---------------------------------------------------------------------------

def _bitwise(name, numpy, dunder=None, kinds=INTEGRAL, domains=(ARITHMETIC,)):
    """``torch.<name>``, the method, its in-place form, ``out=``, the operator and its in-place form; a Python
    int or bool as the second operand reaches the ``.Scalar`` overload."""
    operator = f"__{dunder}__" if dunder else None
    return _binary(name, numpy, kinds, domains, scalars=True, exact=True, operator=operator,
                   inplace_operator=f"__i{dunder}__" if dunder else None, ref_kinds=kinds,
                   reflected=(lambda x, s: _torch_function(name)(s, x)) if dunder else None)


def _torch_function(name):
    return getattr(torch, name)


BITWISE = [
    _bitwise("bitwise_and", "bitwise_and", "and"),
    _bitwise("bitwise_or", "bitwise_or", "or"),
    _bitwise("bitwise_xor", "bitwise_xor", "xor"),
    # shifts in 0..7: in range for every integer dtype (numpy and torch agree there; beyond, C leaves it undefined)
    _bitwise("bitwise_left_shift", "left_shift", "lshift", ("int", "uint"), (ARITHMETIC, SHIFTS)),
    _bitwise("bitwise_right_shift", "right_shift", "rshift", ("int", "uint"), (ARITHMETIC, SHIFTS)),
] + [
    _binary(name, name, ("bool", "int", "uint", "float", "complex"), (TIES,), exact=True,
            ref_kinds=("bool", "int", "uint", "float"))
    for name in ("logical_and", "logical_or", "logical_xor")
]


# ---------------------------------------------------------------------------
# Binary math
# ---------------------------------------------------------------------------

def _xlogy(a, b):
    """x * log(y), and 0 where x is 0 (and y is not nan): the documented special case."""
    with np.errstate(all="ignore"):
        return np.where((a == 0) & ~np.isnan(b), 0.0, a * np.log(b))


def _copysign_vjp(g, out, a, b):
    """derivatives.yaml: self: copysign_tensor_self_backward(grad, self, result) = grad * result / self (0 where
    self is 0); other: zeros."""
    return sum_to(g * out / a, a.shape), torch.zeros(b.shape, dtype=b.dtype)


def _logaddexp_vjp(base):
    def vjp(g, out, a, b):
        return (sum_to(g / (1 + base ** (b - a)), a.shape), sum_to(g / (1 + base ** (a - b)), b.shape))
    return vjp


def _fmax_vjp(g, out, a, b):
    return g * (a > b), g * (a < b)


def _fmin_vjp(g, out, a, b):
    return g * (a < b), g * (a > b)


def _ldexp_args(sizes: Sizes):
    """``input`` of the op's dtype and an int32 exponent, broadcasting together."""
    return args.broadcasting(2)(sizes).map(lambda case: ((case[0][0], Arg(case[0][1], torch.int32,
                                                                            Domain(-4, 4, integers=(-4, 4)))),
                                                         case[1]))


BINARY = [
    _binary("copysign", "copysign", REAL, (NONZERO,), vjp=_copysign_vjp, source=yaml("copysign.Tensor("),
            scalars=True, exact=True, ref_kinds=REAL,
            notes="both operands off 0: the derivative in other is 0 but jumps where other crosses 0; "
                  "-0.0 in other is test_special.py's rule"),
    # nextafter is exact, but numpy's float64 reference steps in float64: compared in float64 only
    _binary("nextafter", "nextafter", ("float",), (ARITHMETIC,), exact=True,
            ref_exclude=(torch.float16, torch.bfloat16, torch.float32)),
    OpInfo("ldexp", doc("torch.ldexp"), _ldexp_args, function="torch.ldexp", method="ldexp", inplace="ldexp_",
           out=True, kinds=("float",), domains=(ARITHMETIC,), ref=lambda a, b: np.ldexp(a, b), exact=True, grad=2,
           vjp=lambda g, out, x, e: (sum_to(g * 2.0 ** e.double(), x.shape),), vjp_source=yaml("ldexp.Tensor("),
           node="LdexpBackward0", notes="input * 2**other with an int32 other in -4..4: exact in every float dtype"),
    _binary("logaddexp", "logaddexp", ("float",), (Domain(-10.0, 10.0),), vjp=_logaddexp_vjp(math.e),
            source=yaml("logaddexp("), inplace=False),
    _binary("logaddexp2", "logaddexp2", ("float",), (Domain(-10.0, 10.0),), vjp=_logaddexp_vjp(2.0),
            source=yaml("logaddexp2("), node="Logaddexp2Backward0", inplace=False),
    # heaviside: the values operand must have input's dtype ("not yet implemented for tensors with different dtypes")
    _binary("heaviside", "heaviside", ("float", "int", "uint", "bool"), (STEPS,), exact=True,
            ref_kinds=("float", "int", "uint", "bool"), notes="zeros are common: values is taken exactly there"),
    OpInfo("fmax", doc("torch.fmax"), args.same_shape(2), function="torch.fmax", method="fmax", out=True,
           kinds=("float", "int", "uint"), domains=(UNIQUE,), distinct=True, numpy="fmax", exact=True, grad=2,
           vjp=_fmax_vjp, vjp_source=yaml("fmax("), node="FmaxBackward0",
           notes="distinct values: no ties, where the gradient is split"),
    OpInfo("fmin", doc("torch.fmin"), args.same_shape(2), function="torch.fmin", method="fmin", out=True,
           kinds=("float", "int", "uint"), domains=(UNIQUE,), distinct=True, numpy="fmin", exact=True, grad=2,
           vjp=_fmin_vjp, vjp_source=yaml("fmin("), node="FminBackward0"),
    _binary("float_power", "float_power", ("float", "int"), (POSITIVE, Domain(-2.0, 2.0)), scalars=True,
            inplace=False, ref_kinds=("float",),
            vjp=lambda g, out, a, b: (sum_to(g * b * a ** (b - 1), a.shape), sum_to(g * out * a.log(), b.shape)),
            source=GENERATED + "torch.float_power.html (pow in float64: " + yaml("pow.Tensor_Tensor(") + ")",
            node=None,  # composite: pow's node, PowBackward0 or PowBackward1 by the exponent's type
            notes="Tensor.float_power_ is left out: it raises unless self is float64 (its result's dtype), so "
                  "the in-place invariant's cast rule does not describe it"),
    _binary("xlogy", None, REAL, (Domain(-10.0, 10.0, min_abs=0.5, integers=(-100, 100)), Domain(0.5, 10.0)),
            ref=_xlogy, ref_kinds=("float",), scalars=True, aliases=("torch.special.xlogy",),
            vjp=lambda g, out, a, b: (sum_to(g * b.log() * (a != 0), a.shape), sum_to(g * a / b, b.shape)),
            source=yaml("xlogy.Tensor("),
            notes="self off 0: torch's derivative in self is 0 at self == 0 (xlogy(self != 0, other)); "
                  "the 0 case of the value is test_special.py's rule"),
    OpInfo("true_divide", doc("torch.true_divide"), args.broadcasting(2), function="torch.true_divide",
           method="true_divide", inplace="true_divide_", out=True, scalars=True,
           extra_routes={"Tensor.divide": lambda x, *rest, **kwargs: x.divide(*rest, **kwargs)},
           kinds=("float", "complex", "int", "uint", "bool"), domains=(ARITHMETIC, NONZERO), numpy="true_divide",
           ref_kinds=REAL, grad=2, vjp=lambda g, out, a, b: (sum_to(g / b, a.shape), sum_to(-g * a / (b * b), b.shape)),
           vjp_source=yaml("div.Tensor("), node="DivBackward0", elementwise=True,
           notes="torch.true_divide and Tensor.divide are aliases of torch.div (its entry: 'div'); this entry "
                 "reaches the alias's own method and in-place method"),
]


# ---------------------------------------------------------------------------
# Fused arithmetic: lerp, addcmul, addcdiv
# ---------------------------------------------------------------------------

def _lerp(a, b, weight):
    return a + weight * (b - a)


VALUE = args.maybe(value=st.sampled_from([2, -4]))  # integral (the int kinds take no float value), exact


def _three(kwargs=None):
    return args.broadcasting(3, kwargs)


FUSED = [
    OpInfo("lerp", doc("torch.lerp"), _three(), function="torch.lerp", method="lerp", inplace="lerp_", out=True,
           kinds=("float", "complex"), domains=(ARITHMETIC, ARITHMETIC, Domain(-1.0, 2.0)), ref=_lerp,
           grad=2, vjp=lambda g, out, a, b, w: (sum_to(g * (1 - w), a.shape), sum_to(g * w, b.shape),
                                                sum_to(g * (b - a), w.shape)),
           vjp_source=yaml("lerp.Tensor("), node="LerpBackward1", elementwise=True),
    OpInfo("lerp-scalar", doc("torch.lerp"),
           args.broadcasting(2, args.fixed(weight=st.sampled_from([-0.5, 0.25, 0.5, 0.75, 1.5]))),
           function="torch.lerp", method="lerp", inplace="lerp_", out=True, kinds=("float", "complex"),
           domains=(ARITHMETIC,), ref=_lerp, grad=2,
           vjp=lambda g, out, a, b, weight: (sum_to(g * (1 - weight), a.shape), sum_to(g * weight, b.shape)),
           vjp_source=yaml("lerp.Scalar("), node="LerpBackward0", elementwise=True),
    OpInfo("addcmul", doc("torch.addcmul"), _three(VALUE), function="torch.addcmul", method="addcmul",
           inplace="addcmul_", out=True, kinds=("float", "complex", "int"), domains=(ARITHMETIC,),
           ref=lambda a, b, c, value=1: a + value * b * c, ref_kinds=REAL, grad=2,
           vjp=lambda g, out, a, b, c, value=1: (sum_to(g, a.shape), sum_to(g * c * value, b.shape),
                                                 sum_to(g * b * value, c.shape)),
           vjp_source=yaml("addcmul("), node="AddcmulBackward0", elementwise=True),
    OpInfo("addcdiv", doc("torch.addcdiv"), _three(VALUE), function="torch.addcdiv", method="addcdiv",
           inplace="addcdiv_", out=True, kinds=("float", "complex"), domains=(ARITHMETIC, ARITHMETIC, NONZERO),
           ref=lambda a, b, c, value=1: a + value * b / c, grad=2,
           vjp=lambda g, out, a, b, c, value=1: (sum_to(g, a.shape), sum_to(g * value / c, b.shape),
                                                 sum_to(-g * value * b / (c * c), c.shape)),
           vjp_source=yaml("addcdiv("), node="AddcdivBackward0", elementwise=True,
           notes="integer inputs raise ('Integer division with addcdiv is no longer supported')"),
]


# ---------------------------------------------------------------------------
# Other overloads: pow with a Python scalar base (pow.Scalar), clamp with tensor bounds (clamp.Tensor)
# ---------------------------------------------------------------------------

def _pow_scalar_base(x, base, **kwargs):
    return torch.pow(base, x, **kwargs)


def _clamp_tensor_vjp(g, out, x, low, high):
    """derivatives.yaml clamp.Tensor: self: where(min <= self <= max); min, max:
    clamp_backward_min_max (max wins where min > max)."""
    inside = (x >= low) & (x <= high)
    to_high = (x > high) | (low > high)
    to_low = (x < low) & ~to_high
    return g * inside, g * to_low, g * to_high


OTHER = [
    OpInfo("pow-scalar-base", doc("torch.pow"), args.unary(base=st.sampled_from([0.5, 1.5, 2.0, 3.0])),
           call=_pow_scalar_base, extra_routes={"reflected-operator": lambda x, base: base ** x},
           out=True, kinds=REAL, domains=(Domain(-3.0, 3.0),), ref=lambda a, base: np.power(base, a),
           ref_kinds=("float",), grad=2, vjp=lambda g, out, x, base: (g * out * math.log(base),),
           vjp_source=yaml("pow.Scalar("), node="PowBackward2", elementwise=True,
           notes="torch.pow(self: Number, exponent: Tensor) and Python's base ** x (Tensor.__rpow__)"),
    OpInfo("clamp-tensor", doc("torch.clamp"), args.same_shape(3), function="torch.clamp", method="clamp",
           inplace="clamp_", out=True, aliases=("torch.clip",), kinds=REAL, domains=(UNIQUE,), distinct=True,
           ref=lambda a, low, high: np.minimum(np.maximum(a, low), high), exact=True, grad=2,
           vjp=_clamp_tensor_vjp, vjp_source=yaml("clamp.Tensor("), node="ClampBackward0",
           notes="min and max as tensors (clamp.Tensor); distinct values: no ties with a bound, where the "
                 "gradient jumps; 'if min is greater than max, all elements are set to max'"),
]


OPS = UNARY + PREDICATES + BITWISE + BINARY + FUSED + OTHER
