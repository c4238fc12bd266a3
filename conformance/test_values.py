"""Values family: torch results against numpy (float64; integers and bools exactly), per device.

On the reference device each test compares torch with numpy; on every other device under test the
same check compares the device with the reference device (``conformance.differential``).  Inputs are
drawn away from singularities, ties and ill-conditioning by construction (bounds, ``unique``,
positive values where a sum could cancel), never by wider tolerances.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conformance import budgets, devices, dtype_rules, promotion, references
from conformance.differential import check_values
from conformance.oracles import to_numpy
from strategies import WRITABLE_LAYOUTS, dtypes, kind_of, recipe_of, shapes, supported, tensors
from strategies.tensors import RECIPE_ATTR

invariant = functools.partial(pytest.mark.invariant, "values")

DOCS = "https://pytorch.org/docs/stable/"
NUMPY = "https://numpy.org/doc/stable/reference/generated/"
PROMOTION_DOC = DOCS + "tensor_attributes.html#type-promotion-doc"
INDEXING_DOC = DOCS + "tensor_view.html"  # torch follows numpy's indexing rules
NUMPY_INDEXING = "https://numpy.org/doc/stable/user/basics.indexing.html"
SEED_OPS = "seed 002 (mean/sum/pow/sqrt/exp/log/log2/log10 over dims)"


def doc(name: str) -> str:
    return f"{DOCS}generated/torch.{name}.html"


def numpy_of(x: torch.Tensor) -> np.ndarray:
    """The values of ``x`` for the numpy oracle: float64 (complex128), int64, or bool."""
    a = to_numpy(x)
    kind = kind_of(x.dtype)
    wide = {"float": np.float64, "complex": np.complex128, "int": np.int64, "uint": np.int64, "bool": np.bool_}
    return a.astype(wide[kind])


def quietly(fn: Callable) -> Callable:
    """Run a numpy oracle without its warnings for 0/0, log(0), empty means: the values are the point."""
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return fn(*args, **kwargs)
    return wrapped


def _draw(data, device, reference_device, label, kinds, shape=None, bounds=None, exclude=(), **kwargs):
    """A tensor drawn on the reference device, of a dtype the device under test supports.

    ``bounds`` maps a dtype kind to ``(low, high)``; other kinds get the strategy's defaults.
    """
    choices = [d for d in supported(devices.target(device).device, kinds) if d not in exclude]
    dtype = data.draw(st.sampled_from(choices), label=f"{label} dtype")
    low, high = (bounds or {}).get(kind_of(dtype), (None, None))
    return data.draw(tensors(dtype=dtype, shape=shape, device=devices.target(reference_device).device,
                             low=low, high=high, **kwargs), label=label)


def _mapped(x: torch.Tensor, fn: Callable) -> torch.Tensor:
    """``x`` with ``fn`` applied to its recipe's storage: same layout, new values, a matching recipe."""
    recipe = replace(recipe_of(x), storage=fn(recipe_of(x).storage))
    t = recipe.build()
    setattr(t, RECIPE_ATTR, recipe)
    return t


def _ties(data, device, reference_device, label, kinds, shape=None, top=3):
    """A tensor with many equal elements: the integers 0..top in the drawn dtype."""
    x = _draw(data, device, reference_device, label, kinds, shape=shape, bounds={
        "float": (-0.49, top + 0.49), "int": (0, top), "uint": (0, top)})
    return _mapped(x, torch.round) if x.is_floating_point() else x


# ---------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Reduction:
    """A reduction: torch ``(x, dim, keepdim, correction)`` and numpy ``(a, axis, keepdims, correction)``."""

    name: str
    torch: Callable
    numpy: Callable
    kinds: tuple
    source: str
    many_dims: bool = True  # accepts a tuple of dims
    exact: bool = False
    inputs: str = "positive"  # "positive" (no cancellation), "ties" (equal elements), "any"
    nonempty: bool = False  # undefined on an empty reduction (no identity)
    dtypes: tuple | None = None  # restrict the dtypes of ``kinds``


def _prod(x, dim, keepdim, correction):
    return torch.prod(x) if dim is None else torch.prod(x, dim, keepdim=keepdim)


def _np_prod(a, axis, keepdims, correction):
    return np.prod(a, axis=axis, keepdims=keepdims and axis is not None)


REDUCTIONS = [
    Reduction("sum", lambda x, d, k, c: torch.sum(x, d, keepdim=k), lambda a, ax, k, c: np.sum(a, ax, keepdims=k),
              ("float", "int", "uint", "bool"), doc("sum")),
    Reduction("mean", lambda x, d, k, c: torch.mean(x, d, keepdim=k), lambda a, ax, k, c: np.mean(a, ax, keepdims=k),
              ("float",), doc("mean")),
    Reduction("prod", _prod, _np_prod, ("float", "int", "uint", "bool"), doc("prod"), many_dims=False,
              dtypes=(torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int8, torch.int16,
                      torch.int32, torch.int64, torch.uint8, torch.bool)),
    Reduction("amax", lambda x, d, k, c: torch.amax(x, () if d is None else d, keepdim=k),
              lambda a, ax, k, c: np.max(a, ax, keepdims=k), ("float", "int", "uint", "bool"), doc("amax"),
              exact=True, inputs="any", nonempty=True),
    Reduction("amin", lambda x, d, k, c: torch.amin(x, () if d is None else d, keepdim=k),
              lambda a, ax, k, c: np.min(a, ax, keepdims=k), ("float", "int", "uint", "bool"), doc("amin"),
              exact=True, inputs="any", nonempty=True),
    Reduction("argmax", lambda x, d, k, c: torch.argmax(x, d, keepdim=k),
              lambda a, ax, k, c: np.argmax(a, ax, keepdims=k), ("float", "int", "uint"), doc("argmax"),
              many_dims=False, exact=True, inputs="ties", nonempty=True),
    Reduction("argmin", lambda x, d, k, c: torch.argmin(x, d, keepdim=k),
              lambda a, ax, k, c: np.argmin(a, ax, keepdims=k), ("float", "int", "uint"), doc("argmin"),
              many_dims=False, exact=True, inputs="ties", nonempty=True),
    Reduction("var", lambda x, d, k, c: torch.var(x, d, correction=c, keepdim=k),
              lambda a, ax, k, c: np.var(a, ax, ddof=c, keepdims=k), ("float",), doc("var"), inputs="any",
              nonempty=True),
    Reduction("std", lambda x, d, k, c: torch.std(x, d, correction=c, keepdim=k),
              lambda a, ax, k, c: np.std(a, ax, ddof=c, keepdims=k), ("float",), doc("std"), inputs="any",
              nonempty=True),
    Reduction("all", lambda x, d, k, c: torch.all(x, d, keepdim=k), lambda a, ax, k, c: np.all(a, ax, keepdims=k),
              ("float", "int", "uint", "bool"), doc("all"), exact=True, inputs="ties"),
    Reduction("any", lambda x, d, k, c: torch.any(x, d, keepdim=k), lambda a, ax, k, c: np.any(a, ax, keepdims=k),
              ("float", "int", "uint", "bool"), doc("any"), exact=True, inputs="ties"),
]


@st.composite
def _reduction_dims(draw, ndim: int, many: bool):
    """None (all dims), one dim (maybe negative) or, where accepted, a tuple of distinct dims."""
    options = [st.none()]
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
        if many:
            options.append(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).flatmap(
                lambda ds: st.tuples(*[st.sampled_from([d, d - ndim]) for d in ds])))
    return draw(st.one_of(options))


def _reduced_count(shape, dim) -> int:
    if dim is None or not shape:
        return math.prod(shape)
    return math.prod(shape[d] for d in ((dim,) if isinstance(dim, int) else dim))


@invariant("reduction", source=SEED_OPS)
@pytest.mark.parametrize("op", REDUCTIONS, ids=lambda op: op.name)
@given(data=st.data())
def test_reduction_matches_numpy(device, reference_device, op, data):
    """Over all dims, chosen dims, negative dims, with and without keepdim; argmax/argmin return the
    first index on ties; var/std divide by N - correction."""
    shape = shapes(zero_size=not op.nonempty)
    if op.dtypes is not None:
        kinds_dtypes = [d for d in supported(devices.target(device).device, op.kinds) if d in op.dtypes]
        if not kinds_dtypes:
            pytest.skip(f"{device} supports none of {op.dtypes}")
        dtype = data.draw(st.sampled_from(kinds_dtypes), label="dtype")
        low, high = ((0.8, 1.2) if dtype.is_floating_point else (-4, 4))
        x = data.draw(tensors(dtype=dtype, shape=shape, device=devices.target(reference_device).device,
                              low=low, high=high), label="x")
    elif op.inputs == "ties":
        x = _ties(data, device, reference_device, "x", op.kinds, shape=shape)
    else:
        bounds = {"float": (0.5, 10.0)} if op.inputs == "positive" else None
        x = _draw(data, device, reference_device, "x", op.kinds, shape=shape, bounds=bounds,
                  unique=op.name in ("var", "std"))
    dim = data.draw(_reduction_dims(x.dim(), op.many_dims), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    correction = 0
    if op.name in ("var", "std"):  # N - correction > 0: the documented divisor
        correction = data.draw(st.integers(0, min(2, _reduced_count(tuple(x.shape), dim) - 1)), label="correction")
    axis = dim if x.dim() else None
    options = {"correction": correction} if op.name in ("var", "std") else {}
    check_values(device, reference_device, lambda t: op.torch(t, dim, keepdim, correction), [x],
                 quietly(lambda: op.numpy(numpy_of(x), axis, keepdim, correction)), exact=op.exact,
                 dtype=dtype_rules.reduction(op.name, x.dtype), judge=budgets.judge(op.name, lambda dtype: references.reduction(
                     op.name, dtype, numpy_of(x), axis, keepdim, **options)))


# ---------------------------------------------------------------------------
# Elementwise unary ops, on ordinary values and on IEEE special values
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Unary:
    name: str
    torch: Callable
    numpy: Callable
    kinds: tuple = ("float",)
    low: float = -10.0
    high: float = 10.0
    exact: bool = False  # the result is one of finitely many exact values (no rounding)
    source: str = ""


UNARY = [
    Unary("sqrt", torch.sqrt, np.sqrt, low=0.0, high=100.0, source=doc("sqrt")),
    Unary("exp", torch.exp, np.exp, source=doc("exp")),
    Unary("log", torch.log, np.log, low=1e-3, high=100.0, source=doc("log")),
    Unary("log2", torch.log2, np.log2, low=1e-3, high=100.0, source=doc("log2")),
    Unary("log10", torch.log10, np.log10, low=1e-3, high=100.0, source=doc("log10")),
    Unary("expm1", torch.expm1, np.expm1, source=doc("expm1")),
    Unary("log1p", torch.log1p, np.log1p, low=-0.99, high=100.0, source=doc("log1p")),
    Unary("sin", torch.sin, np.sin, source=doc("sin")),
    Unary("cos", torch.cos, np.cos, source=doc("cos")),
    Unary("tan", torch.tan, np.tan, low=-1.4, high=1.4, source=doc("tan")),
    Unary("asin", torch.asin, np.arcsin, low=-0.99, high=0.99, source=doc("asin")),
    Unary("acos", torch.acos, np.arccos, low=-0.99, high=0.99, source=doc("acos")),
    Unary("atan", torch.atan, np.arctan, source=doc("atan")),
    Unary("sinh", torch.sinh, np.sinh, source=doc("sinh")),
    Unary("cosh", torch.cosh, np.cosh, source=doc("cosh")),
    Unary("tanh", torch.tanh, np.tanh, source=doc("tanh")),
    Unary("abs", torch.abs, np.abs, ("float", "int"), exact=True, source=doc("abs")),
    Unary("neg", torch.neg, np.negative, ("float", "int"), exact=True, source=doc("neg")),
    Unary("sign", torch.sign, np.sign, ("float", "int"), exact=True, source=doc("sign")),
    Unary("floor", torch.floor, np.floor, exact=True, source=doc("floor")),
    Unary("ceil", torch.ceil, np.ceil, exact=True, source=doc("ceil")),
    Unary("trunc", torch.trunc, np.trunc, exact=True, source=doc("trunc")),
    # torch.round: "rounds half to even" -- numpy.round does the same; halves are drawn on purpose.
    Unary("round", torch.round, np.round, exact=True, source=doc("round")),
]
UNARY_OPS = {op.name: op for op in UNARY}


@invariant("unary", source=SEED_OPS)
@pytest.mark.parametrize("op", UNARY, ids=lambda op: op.name)
@given(data=st.data())
def test_unary_matches_numpy(device, reference_device, op, data):
    x = _draw(data, device, reference_device, "x", op.kinds, bounds={"float": (op.low, op.high)})
    if op.name == "round" and data.draw(st.booleans(), label="halves"):
        x = _mapped(x, lambda s: (s * 2).floor() / 2)  # k/2: exact in every float dtype, ties to even
    check_values(device, reference_device, op.torch, [x], quietly(lambda: op.numpy(numpy_of(x))), exact=op.exact,
                 dtype=x.dtype, judge=budgets.judge(op.name, lambda dtype: references.elementwise(
                     op.name, dtype, op.numpy, numpy_of(x))))


@invariant("unary-special", source=DOCS + "notes/numerical_accuracy.html#extremal-values")
@pytest.mark.parametrize("op", UNARY, ids=lambda op: op.name)
@given(data=st.data())
def test_unary_special_values_match_numpy(device, reference_device, op, data):
    """inf, -inf, nan, -0.0, the largest finite and subnormal inputs, and arguments outside the
    domain: log(0) = -inf, log(-1) = sqrt(-1) = nan, exp(inf) = inf -- as numpy gives them."""
    x = _draw(data, device, reference_device, "x", ("float",), special=True)
    check_values(device, reference_device, op.torch, [x], quietly(lambda: op.numpy(numpy_of(x))), exact=op.exact,
                 dtype=x.dtype, judge=budgets.judge(op.name, lambda dtype: references.elementwise(
                     op.name, dtype, op.numpy, numpy_of(x))))


# ---------------------------------------------------------------------------
# Binary ops with broadcasting and mixed dtypes; division and remainder sign rules
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Binary:
    name: str
    torch: Callable
    numpy: Callable
    kinds: tuple
    source: str
    left: tuple = (None, None)  # (low, high) of float operands; ints use the defaults
    right: tuple = (None, None)
    right_min_abs: float = 0.0
    exact: bool = False
    ties: bool = False  # operands from a few small integers, so equal elements are common
    exclude: tuple = ()  # dtypes left out


_ARITHMETIC_KINDS = ("float", "int", "uint")
BINARY = [
    Binary("add", torch.add, np.add, _ARITHMETIC_KINDS, doc("add")),
    Binary("sub", torch.sub, np.subtract, _ARITHMETIC_KINDS, doc("sub")),
    Binary("mul", torch.mul, np.multiply, _ARITHMETIC_KINDS, doc("mul")),
    Binary("div", torch.div, np.true_divide, ("float", "int"), doc("div"), right_min_abs=0.5),
    Binary("pow", torch.pow, np.power, ("float",), doc("pow"), left=(0.5, 5.0), right=(-3.0, 3.0)),
    Binary("maximum", torch.maximum, np.maximum, ("float", "int", "uint"), doc("maximum"), exact=True),
    Binary("minimum", torch.minimum, np.minimum, ("float", "int", "uint"), doc("minimum"), exact=True),
    Binary("eq", torch.eq, np.equal, ("float", "int", "uint", "bool"), doc("eq"), exact=True, ties=True),
    Binary("ne", torch.ne, np.not_equal, ("float", "int", "uint", "bool"), doc("ne"), exact=True, ties=True),
    Binary("lt", torch.lt, np.less, ("float", "int", "uint"), doc("lt"), exact=True, ties=True),
    Binary("le", torch.le, np.less_equal, ("float", "int", "uint"), doc("le"), exact=True, ties=True),
    Binary("gt", torch.gt, np.greater, ("float", "int", "uint"), doc("gt"), exact=True, ties=True),
    Binary("ge", torch.ge, np.greater_equal, ("float", "int", "uint"), doc("ge"), exact=True, ties=True),
]


def _trunc_divide(a, b):
    """C-style division: the quotient rounded toward zero (exact on integers)."""
    if a.dtype.kind in "iu" and b.dtype.kind in "iu":
        return np.sign(a) * np.sign(b) * (np.abs(a) // np.abs(b))
    return np.trunc(np.true_divide(a, b))


# The quotient of float16/bfloat16 operands is rounded to that precision before it is rounded toward
# zero or down, which can cross an integer: the sign rules are checked on integers, float32, float64.
_COARSE = (torch.float16, torch.bfloat16)
DIVISION = [
    # torch.div(rounding_mode="trunc"): "rounds the results of the division towards zero"
    Binary("div-trunc", lambda a, b: torch.div(a, b, rounding_mode="trunc"), _trunc_divide,
           ("float", "int"), doc("div"), right_min_abs=0.5, exact=True, exclude=_COARSE),
    # rounding_mode="floor": "rounds the results of the division down" -- Python's //
    Binary("div-floor", lambda a, b: torch.div(a, b, rounding_mode="floor"), np.floor_divide,
           ("float", "int"), doc("div"), right_min_abs=0.5, exact=True, exclude=_COARSE),
    Binary("floor_divide", torch.floor_divide, np.floor_divide, ("float", "int"), doc("floor_divide"),
           right_min_abs=0.5, exact=True, exclude=_COARSE),
    # remainder: Python's modulus, the sign of the divisor; fmod: C's, the sign of the dividend
    Binary("remainder", torch.remainder, np.remainder, ("float", "int"), doc("remainder"), right_min_abs=0.5,
           exclude=_COARSE),
    # fmod is exact in IEEE arithmetic (C's fmod); remainder adds the divisor once: one rounding
    Binary("fmod", torch.fmod, np.fmod, ("float", "int"), doc("fmod"), right_min_abs=0.5, exact=True,
           exclude=_COARSE),
]


def _operands(data, device, reference_device, op: Binary, count: int = 2):
    """Operands of mutually broadcastable shapes, each of a dtype drawn from the op's kinds."""
    shapes_ = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=count, max_dims=3, max_side=4),
                        label="shapes").input_shapes
    if op.ties:
        return [_ties(data, device, reference_device, f"x{i}", op.kinds, shape=s) for i, s in enumerate(shapes_)]
    left = _draw(data, device, reference_device, "x0", op.kinds, shape=shapes_[0], bounds={"float": op.left},
                 exclude=op.exclude)
    right = _draw(data, device, reference_device, "x1", op.kinds, shape=shapes_[1], bounds={"float": op.right},
                  min_abs=op.right_min_abs, exclude=op.exclude)
    return [left, right]


def _promoted(*operands) -> list:
    """numpy operands converted to the promoted dtype first: torch computes in the result type, so
    an operand that dtype cannot hold is rounded before the op (type-promotion doc)."""
    dtype = promotion.result_type(*operands)
    return [numpy_of(x.to(dtype)) for x in operands]


def _representable(x: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``x`` with values its promoted ``dtype`` holds exactly.  Whether torch rounds an operand to the
    result dtype before computing is unspecified (CPU keeps a zero-dim second operand in the higher
    internal precision), so operands are drawn where both readings agree."""
    if x.dtype == dtype or not (x.is_floating_point() and dtype.is_floating_point):
        return x
    return _mapped(x, lambda s: s.to(dtype).to(s.dtype))


# torch.maximum, minimum and clamp leave the sign of a zero result unspecified (numpy returns the first of
# two equal zeros, IEEE 754-2019's maximum/minimum order -0 below +0)
UNSIGNED_ZEROS = {"maximum", "minimum"}


def _binary_case(device, reference_device, op: Binary, a, b):
    dtype = promotion.result_type(a, b)
    a, b = _representable(a, dtype), _representable(b, dtype)
    check_values(device, reference_device, op.torch, [a, b], quietly(lambda: op.numpy(*_promoted(a, b))),
                 dtype=dtype_rules.binary(op.name, a, b), judge=budgets.judge(op.name, lambda dtype: references.elementwise(
                     op.name, dtype, op.numpy, *_promoted(a, b))),
                 exact=op.exact, signed_zeros=op.name not in UNSIGNED_ZEROS)


@invariant("binary-broadcast", source=DOCS + "notes/broadcasting.html")
@pytest.mark.parametrize("op", BINARY, ids=lambda op: op.name)
@given(data=st.data())
def test_binary_matches_numpy(device, reference_device, op, data):
    """Broadcast shapes and mixed dtypes: numpy's values, in torch's promoted dtype."""
    _binary_case(device, reference_device, op, *_operands(data, device, reference_device, op))


@invariant("division-sign-rules", source=doc("div"))
@pytest.mark.parametrize("op", DIVISION, ids=lambda op: op.name)
@given(data=st.data())
def test_division_and_remainder_sign_rules(device, reference_device, op, data):
    """Negative operands: trunc rounds toward zero, floor down; remainder takes the divisor's sign,
    fmod the dividend's -- exactly on integers."""
    _binary_case(device, reference_device, op, *_operands(data, device, reference_device, op))


@invariant("binary-special", source=DOCS + "notes/numerical_accuracy.html#extremal-values")
@pytest.mark.parametrize("op", [op for op in BINARY + DIVISION if "float" in op.kinds and not op.ties],
                         ids=lambda op: op.name)
@given(data=st.data())
def test_binary_special_values_match_numpy(device, reference_device, op, data):
    """IEEE special operands: 0/0 = nan, x/0 = inf, inf - inf = nan, nan propagates."""
    shapes_ = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=4),
                        label="shapes").input_shapes
    a, b = (_draw(data, device, reference_device, f"x{i}", ("float",), shape=s, special=True, exclude=op.exclude)
            for i, s in enumerate(shapes_))
    _binary_case(device, reference_device, op, a, b)


@invariant("where", source=doc("where"))
@given(data=st.data())
def test_where_matches_numpy(device, reference_device, data):
    shapes_ = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=4),
                        label="shapes").input_shapes
    condition = _draw(data, device, reference_device, "condition", ("bool",), shape=shapes_[0])
    a, b = (_draw(data, device, reference_device, name, ("float", "int", "uint", "bool"), shape=s)
            for name, s in (("x", shapes_[1]), ("y", shapes_[2])))
    check_values(device, reference_device, torch.where, [condition, a, b],
                 lambda: np.where(numpy_of(condition), numpy_of(a), numpy_of(b)), exact=True,
                 dtype=promotion.result_type(a, b))


@invariant("clamp", source=doc("clamp"))
@given(data=st.data())
def test_clamp_matches_numpy_clip(device, reference_device, data):
    """``clamp(x, min, max)`` with either bound optional; "if min is greater than max, all elements
    are set to max" -- numpy.clip agrees.  Bounds are halves, exact in every dtype."""
    x = _draw(data, device, reference_device, "x", ("float", "int"))
    bound = st.integers(-20, 20).map(lambda k: k / 2 if x.is_floating_point() else k)
    low, high = data.draw(st.sampled_from([(True, False), (False, True), (True, True)]).flatmap(
        lambda which: st.tuples(bound if which[0] else st.none(), bound if which[1] else st.none())), label="bounds")
    expected = numpy_of(x)
    if low is not None:
        expected = np.maximum(expected, low)
    if high is not None:
        expected = np.minimum(expected, high)
    check_values(device, reference_device, lambda t: torch.clamp(t, low, high), [x], lambda: expected, exact=True,
                 dtype=x.dtype, signed_zeros=False)


# ---------------------------------------------------------------------------
# Type promotion against the table in conformance/promotion.py
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Operands:
    """A pair of operand kinds for the promotion rules."""

    name: str
    left: str  # "dimensioned", "zero-dim" or "scalar"
    right: str


OPERAND_PAIRS = [
    Operands("tensor-tensor", "dimensioned", "dimensioned"),
    Operands("tensor-scalar", "dimensioned", "scalar"),
    Operands("zero-dim-vs-dimensioned", "zero-dim", "dimensioned"),
    Operands("zero-dim-vs-scalar", "zero-dim", "scalar"),
]
_SCALARS = st.one_of(st.booleans(), st.integers(-3, 3), st.sampled_from([0.5, -2.25]), st.sampled_from([1j, 1 - 2j]))


def _operand(data, device, kind: str, label: str):
    if kind == "scalar":
        return data.draw(_SCALARS, label=label)
    dtype = data.draw(dtypes(devices.target(device).device), label=f"{label} dtype")
    return torch.ones((2,) if kind == "dimensioned" else (), dtype=dtype, device=devices.target(device).device)


@invariant("result-type", source=PROMOTION_DOC)
@pytest.mark.parametrize("op", OPERAND_PAIRS, ids=lambda op: op.name)
@given(data=st.data())
def test_result_type_follows_promotion_table(device, op, data):
    a, b = _operand(data, device, op.left, "a"), _operand(data, device, op.right, "b")
    assert torch.result_type(a, b) == promotion.result_type(a, b)
    assert torch.result_type(b, a) == promotion.result_type(b, a)


ARITHMETIC_DTYPE = {
    "add": (lambda a, b: a + b, ("bool", "int", "uint", "float", "complex")),
    "mul": (lambda a, b: a * b, ("bool", "int", "uint", "float", "complex")),
    "sub": (lambda a, b: a - b, ("int", "uint", "float", "complex")),
    # torch.div: "always promotes integer inputs to the default scalar type"
    "div": (lambda a, b: a / b, ("bool", "int", "uint", "float", "complex")),
}


@invariant("arithmetic-dtype", source=PROMOTION_DOC)
@pytest.mark.parametrize("op", sorted(ARITHMETIC_DTYPE))
@given(data=st.data())
def test_arithmetic_result_dtype_follows_promotion_table(device, op, data):
    """``a op b`` has the dtype the table gives (int + float is float, never the int)."""
    fn, kinds = ARITHMETIC_DTYPE[op]
    target = devices.target(device).device
    kind = data.draw(st.sampled_from(OPERAND_PAIRS), label="operands")
    a = torch.ones((2,) if kind.left == "dimensioned" else (), dtype=data.draw(dtypes(target, kinds), label="a dtype"),
                   device=target)
    b = (data.draw(_SCALARS.filter(lambda s: op != "sub" or not isinstance(s, bool)), label="b") if kind.right == "scalar"
         else torch.ones((2,), dtype=data.draw(dtypes(target, kinds), label="b dtype"), device=target))
    expected = promotion.result_type(a, b)
    assume(expected != torch.complex32)  # float16 with a complex operand: "ComplexHalf support is experimental"
    if op == "div" and promotion.category(expected) < 2:
        expected = torch.get_default_dtype()
    assert fn(a, b).dtype == expected


# ---------------------------------------------------------------------------
# Indexing and __setitem__
# ---------------------------------------------------------------------------

def _index_array(draw, size: int, label: str, unique: bool = False) -> torch.Tensor:
    """An int64 index tensor into a dim of ``size`` (negative indices, duplicates unless ``unique``)."""
    if unique:
        picks = draw(st.lists(st.integers(0, size - 1), max_size=min(size, 4), unique=True), label=label)
        return torch.tensor([p - size if draw(st.booleans()) else p for p in picks], dtype=torch.int64)
    shape = draw(st.sampled_from([(), (1,), (3,), (2, 2), (0,)]), label=f"{label} shape")
    values = draw(st.lists(st.integers(-size, size - 1), min_size=math.prod(shape), max_size=math.prod(shape)),
                  label=label)
    return torch.tensor(values, dtype=torch.int64).reshape(shape)


@st.composite
def _slice_of(draw, size: int):
    bound = st.one_of(st.none(), st.integers(-size - 1, size + 1))
    return slice(draw(bound), draw(bound), draw(st.sampled_from([None, 1, 2, 3])))


@st.composite
def _index(draw, shape: tuple, kind: str, unique: bool = False):
    """An index of ``kind`` into a tensor of ``shape``: a tuple of slices, ints, None, Ellipsis and tensors."""
    ndim = len(shape)
    parts = [draw(_slice_of(size)) for size in shape]
    if kind == "basic":
        for d in range(ndim):
            if shape[d] and draw(st.booleans()):
                parts[d] = draw(st.integers(-shape[d], shape[d] - 1))
        if draw(st.booleans()):
            parts.insert(draw(st.integers(0, len(parts))), None)
        if parts and draw(st.booleans()):
            cut = draw(st.integers(0, len(parts)))
            parts = parts[:cut] + [Ellipsis]
    elif kind == "integer-array":
        d = draw(st.integers(0, ndim - 1))
        parts[d] = _index_array(draw, shape[d], "index", unique)
    elif kind == "boolean-mask":
        start = draw(st.integers(0, ndim - 1))
        stop = draw(st.integers(start + 1, ndim))
        mask = draw(st.lists(st.booleans(), min_size=math.prod(shape[start:stop]),
                             max_size=math.prod(shape[start:stop])), label="mask")
        parts = parts[:start] + [torch.tensor(mask, dtype=torch.bool).reshape(shape[start:stop])] + parts[stop:]
    else:  # "mixed" or "mixed-with-integers": two index arrays, broadcast together, maybe apart
        i, j = sorted(draw(st.lists(st.integers(0, ndim - 1), min_size=2, max_size=2, unique=True)))
        pair = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=2, max_side=3)).input_shapes
        for d, s in ((i, pair[0]), (j, pair[1])):
            values = draw(st.lists(st.integers(-shape[d], shape[d] - 1), min_size=math.prod(s), max_size=math.prod(s)))
            parts[d] = torch.tensor(values, dtype=torch.int64).reshape(s)
        if kind == "mixed-with-integers":
            others = [d for d in range(ndim) if d not in (i, j)]
            d = draw(st.sampled_from(others))
            parts[d] = draw(st.integers(-shape[d], shape[d] - 1))
    return tuple(parts)


def _numpy_index(index: tuple) -> tuple:
    return tuple(to_numpy(p) if isinstance(p, torch.Tensor) else p for p in index)


@dataclass(frozen=True)
class IndexKind:
    name: str
    min_dims: int
    source: str


INDEX_KINDS = [
    IndexKind("basic", 0, INDEXING_DOC),
    IndexKind("integer-array", 1, NUMPY_INDEXING + "#integer-array-indexing"),
    IndexKind("boolean-mask", 1, NUMPY_INDEXING + "#boolean-array-indexing"),
    IndexKind("mixed", 2, NUMPY_INDEXING + "#combining-advanced-and-basic-indexing"),
    IndexKind("mixed-with-integers", 3, NUMPY_INDEXING + "#combining-advanced-and-basic-indexing"),
]


@invariant("getitem", source=NUMPY_INDEXING)
@pytest.mark.parametrize("op", INDEX_KINDS, ids=lambda op: op.name)
@given(data=st.data())
def test_getitem_matches_numpy(device, reference_device, op, data):
    """Integer arrays gather with duplicates in index order; a boolean mask selects in C order; separated
    advanced indices put their dims first -- numpy's rules."""
    x = _draw(data, device, reference_device, "x", ("float", "int", "uint", "bool"),
              shape=shapes(min_dims=op.min_dims, zero_size=op.name == "basic"))
    index = data.draw(_index(tuple(x.shape), op.name), label="index")
    check_values(device, reference_device, lambda t, *i: t[i], [x, *index],
                 lambda: numpy_of(x)[_numpy_index(index)], exact=True, dtype=x.dtype)


@invariant("setitem", source=NUMPY_INDEXING + "#assigning-values-to-indexed-arrays")
@pytest.mark.parametrize("op", [k for k in INDEX_KINDS if not k.name.startswith("mixed")], ids=lambda op: op.name)
@given(data=st.data())
def test_setitem_matches_numpy(device, reference_device, op, data):
    """``x[index] = value`` writes exactly the indexed cells (unique integer indices: with duplicates
    the written value is undefined), broadcasting ``value``."""
    x = _draw(data, device, reference_device, "x", ("float", "int", "uint", "bool"),
              shape=shapes(min_dims=op.min_dims, zero_size=op.name == "basic"), layouts=WRITABLE_LAYOUTS)
    index = data.draw(_index(tuple(x.shape), op.name, unique=True), label="index")
    target_shape = np.empty(tuple(x.shape))[_numpy_index(index)].shape
    kept = data.draw(st.integers(0, len(target_shape)), label="value dims")
    value_shape = tuple(data.draw(st.sampled_from([1, size]), label="value side")
                        for size in target_shape[len(target_shape) - kept:])
    value = data.draw(tensors(dtype=x.dtype, shape=value_shape, device=devices.target(reference_device).device),
                      label="value")

    def assign(t, v, *i):
        t[i] = v
        return t

    def expected():
        a = numpy_of(x).copy()
        a[_numpy_index(index)] = numpy_of(value)
        return a

    check_values(device, reference_device, assign, [x, value, *index], expected, exact=True, dtype=x.dtype)


# ---------------------------------------------------------------------------
# cat, stack, split, chunk
# ---------------------------------------------------------------------------

JOINING = ["cat", "stack", "split", "split-sizes", "chunk"]
JOINING_DOCS = {"cat": doc("cat"), "stack": doc("stack"), "split": doc("split"), "split-sizes": doc("split"),
                "chunk": doc("chunk")}


def _pieces(a: np.ndarray, size: int, axis: int) -> list:
    """numpy pieces of ``size`` along ``axis``, the last one smaller: torch.split(int)'s rule."""
    return np.split(a, list(range(size, a.shape[axis], size)), axis=axis)


@invariant("cat-stack-split", source=doc("cat"))
@pytest.mark.parametrize("op", JOINING)
@given(data=st.data())
def test_joining_and_splitting_match_numpy(device, reference_device, op, data):
    """cat/stack join like numpy.concatenate/stack; split(size) gives pieces of ``size`` (the last
    smaller); split(sizes) the given sizes; chunk(n) pieces of ceil(size / n) -- maybe fewer than n."""
    kinds = ("float", "int", "uint", "bool")
    base = data.draw(shapes(min_dims=1, max_dims=3, zero_size=op != "chunk"), label="shape")
    dtype = data.draw(dtypes(devices.target(device).device, kinds), label="dtype")
    ndim = len(base)
    draw_tensor = functools.partial(tensors, dtype=dtype, device=devices.target(reference_device).device)
    if op in ("cat", "stack"):
        dim = data.draw(st.integers(-ndim - (op == "stack"), ndim - 1 + (op == "stack")), label="dim")
        count = data.draw(st.integers(1, 3), label="count")
        if op == "cat":
            sizes = data.draw(st.lists(st.integers(0, 3), min_size=count, max_size=count), label="sizes")
            parts = [data.draw(draw_tensor(shape=base[:dim % ndim] + (s,) + base[dim % ndim + 1:]), label=f"x{i}")
                     for i, s in enumerate(sizes)]
            fn, expected = (lambda *ts: torch.cat(ts, dim)), (lambda: np.concatenate([numpy_of(p) for p in parts], dim))
        else:
            parts = [data.draw(draw_tensor(shape=base), label=f"x{i}") for i in range(count)]
            fn, expected = (lambda *ts: torch.stack(ts, dim)), (lambda: np.stack([numpy_of(p) for p in parts], dim))
        check_values(device, reference_device, fn, parts, expected, exact=True, dtype=dtype)
        return
    x = data.draw(draw_tensor(shape=base), label="x")
    dim = data.draw(st.integers(-ndim, ndim - 1), label="dim")
    size = base[dim]
    if op == "split":
        step = data.draw(st.integers(1, max(1, size + 1)), label="split_size")
        fn, expected = (lambda t: t.split(step, dim)), (lambda: _pieces(numpy_of(x), step, dim))
    elif op == "split-sizes":
        cuts = sorted(data.draw(st.lists(st.integers(0, size), max_size=3), label="cuts"))
        sizes = [int(s) for s in np.diff([0, *cuts, size])]
        fn = lambda t: t.split(sizes, dim)  # noqa: E731
        expected = lambda: np.split(numpy_of(x), list(np.cumsum(sizes)[:-1]), axis=dim)  # noqa: E731
    else:
        chunks = data.draw(st.integers(1, size + 1), label="chunks")
        fn, expected = (lambda t: t.chunk(chunks, dim)), (lambda: _pieces(numpy_of(x), -(-size // chunks), dim))
    check_values(device, reference_device, fn, [x], expected, exact=True, dtype=dtype)


# ---------------------------------------------------------------------------
# matmul, mm, bmm
# ---------------------------------------------------------------------------

MATMUL = {
    # "the matrix multiplication ... broadcast ... 1-D operands get a dim prepended/appended" -- numpy.matmul's rule
    "matmul": (torch.matmul, hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=2, max_side=4)),
    "mm": (torch.mm, st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 4)).map(
        lambda nkm: ((nkm[0], nkm[1]), (nkm[1], nkm[2])))),
    "bmm": (torch.bmm, st.tuples(st.integers(0, 3), st.integers(0, 4), st.integers(0, 4), st.integers(0, 4)).map(
        lambda bnkm: ((bnkm[0], bnkm[1], bnkm[2]), (bnkm[0], bnkm[2], bnkm[3])))),
}


@invariant("matmul", source=doc("matmul"))
@pytest.mark.parametrize("op", sorted(MATMUL))
@given(data=st.data())
def test_matmul_matches_numpy(device, reference_device, op, data):
    """Products of positive factors (no cancellation): numpy.matmul's values and broadcast shapes."""
    fn, shape_strategy = MATMUL[op]
    drawn = data.draw(shape_strategy, label="shapes")
    a_shape, b_shape = drawn.input_shapes if op == "matmul" else drawn
    dtype = data.draw(dtypes(devices.target(device).device, ("float",)), label="dtype")
    a, b = (data.draw(tensors(dtype=dtype, shape=s, device=devices.target(reference_device).device, low=0.5,
                              high=2.0), label=name) for name, s in (("a", a_shape), ("b", b_shape)))
    check_values(device, reference_device, fn, [a, b], dtype=dtype, judge=budgets.judge(
        op, lambda result_dtype: references.matmul(result_dtype, numpy_of(a), numpy_of(b))))
