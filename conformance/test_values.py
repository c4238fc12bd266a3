"""Values family: torch results against numpy (float64; integers and bools exactly), per device.

On the reference device each test compares torch with numpy; on every other device under test the
same check compares the device with the reference device (``conformance.differential``).  Inputs are
drawn away from singularities, ties and ill-conditioning by construction (bounds, ``unique``,
positive values where a sum could cancel), never by wider tolerances.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conformance import budgets, devices, dtype_rules, ops, promotion, references
from conformance.differential import check_values
from conformance.ops import elementwise
from conformance.ops_helpers import draw_case, draw_tensor, mapped
from conformance.oracles import to_numpy
from conformance.params import over
from strategies import LAYOUTS, dtypes, kind_of, supported, tensors

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


ORACLE = {*references.ELEMENTWISE, *references.REDUCTIONS, "matmul", "mm", "bmm"}  # exact values it has


def judged(op, dtype: torch.dtype) -> bool:
    """Whether a result of ``op`` in ``dtype`` can be judged: nothing is rounded (integers, bools, an exact
    op), or the accuracy oracle has the op's exact value and ULP budget (``ulp_budgets.json``)."""
    if op.exact or not (dtype.is_floating_point or dtype.is_complex):
        return True
    try:
        budgets.budget(op.name, dtype, "cpu")
    except KeyError:
        return False
    return op.name in ORACLE


def reference_dtype(data, op, device, label="dtype"):
    """A dtype the op is compared with numpy in, which the device under test holds and the oracle judges."""
    choices = [d for d in op.reference_dtypes(devices.target(device).device) if judged(op, d)]
    if not choices:
        pytest.skip(f"{devices.target(device).name} holds no dtype {op.name} is compared with numpy in")
    return data.draw(st.sampled_from(choices), label=label)


def registry_case(data, op, device, reference_device, **kwargs):
    """The op's arguments from the registry (its shapes, keyword arguments and domain), drawn on the
    reference device in a dtype the device under test holds."""
    return draw_case(data, op, devices.target(reference_device).device, reference_dtype(data, op, device), **kwargs)


def expected_of(op, case):
    """numpy's result for a registry case (quietly: 0/0 and log(0) are values here)."""
    return quietly(lambda: op.reference(*map(numpy_of, case.inputs), **case.kwargs))


# torch.maximum, minimum, relu and clamp leave the sign of a zero result unspecified (numpy returns the
# first of two equal zeros, IEEE 754-2019's maximum/minimum order -0 below +0)
UNSIGNED_ZEROS = {"maximum", "minimum", "relu"}


def elementwise_judge(op, *operands, **kwargs):
    """What a computed float result of elementwise ``op`` on ``operands`` (numpy float64) is judged by."""
    ieee = functools.partial(op.reference, **kwargs)  # numpy's result, the op's keyword arguments bound
    return budgets.judge(op.name, lambda dtype: references.elementwise(op.name, dtype, ieee, *operands, **kwargs))


# ---------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------

REDUCTIONS = ops.select(lambda op: op.area == "reductions" and op.reference is not None)


@over("values", "reduction", REDUCTIONS, rule=SEED_OPS)
@given(data=st.data())
def test_reduction_matches_numpy(device, reference_device, op, data):
    """Over all dims, chosen dims, negative dims, with and without keepdim; argmax/argmin return the
    first index on ties; var/std divide by N - correction."""
    case = registry_case(data, op, device, reference_device)
    x, kwargs = case.inputs[0], dict(case.kwargs)
    dim, keepdim = kwargs.pop("dim", None), kwargs.pop("keepdim", False)
    axis = None if x.dim() == 0 else dim
    judge = budgets.judge(op.name, lambda dtype: references.reduction(op.name, dtype, numpy_of(x), axis, keepdim,
                                                                      **kwargs)) if not op.exact else None
    check_values(device, reference_device, lambda t: op.fn(t, **case.kwargs), case.inputs, expected_of(op, case),
                 exact=op.exact, dtype=dtype_rules.reduction(op.name, x.dtype), judge=judge)


# ---------------------------------------------------------------------------
# Elementwise unary ops, on ordinary values and on IEEE special values
# ---------------------------------------------------------------------------

# the unary ops with a reference whose result has the input's dtype (logical_not's bool: the ops family)
UNARY = [ops.get(op.name) for op in elementwise.UNARY if op.reference is not None and op.name != "logical_not"]
UNARY_OPS = {op.name: op for op in UNARY}


@over("values", "unary", UNARY, rule=SEED_OPS)
@given(data=st.data())
def test_unary_matches_numpy(device, reference_device, op, data):
    case = registry_case(data, op, device, reference_device)
    if op.name == "round" and data.draw(st.booleans(), label="halves"):
        # torch.round "rounds half to even", as numpy.round does: halves are drawn on purpose
        case = replace(case, inputs=[mapped(case.inputs[0], lambda s: (s * 2).floor() / 2)])
    x = case.inputs[0]
    check_values(device, reference_device, lambda t: op.fn(t, **case.kwargs), case.inputs, expected_of(op, case),
                 exact=op.exact, dtype=x.dtype, judge=elementwise_judge(op, numpy_of(x), **case.kwargs),
                 signed_zeros=op.name not in UNSIGNED_ZEROS)


@over("values", "unary-special", [op for op in UNARY if "float" in op.kinds],
      rule=DOCS + "notes/numerical_accuracy.html#extremal-values")
@given(data=st.data())
def test_unary_special_values_match_numpy(device, reference_device, op, data):
    """inf, -inf, nan, -0.0, the largest finite and subnormal inputs, and arguments outside the
    domain: log(0) = -inf, log(-1) = sqrt(-1) = nan, exp(inf) = inf -- as numpy gives them."""
    case = registry_case(data, op, device, reference_device)
    exclude = [d for d in supported("cpu", ("float",)) if not judged(op, d)]
    x = _draw(data, device, reference_device, "x", ("float",), special=True, exclude=exclude)
    check_values(device, reference_device, lambda t: op.fn(t, **case.kwargs), [x],
                 quietly(lambda: op.reference(numpy_of(x), **case.kwargs)), exact=op.exact,
                 dtype=x.dtype, judge=elementwise_judge(op, numpy_of(x), **case.kwargs),
                 signed_zeros=op.name not in UNSIGNED_ZEROS)


# ---------------------------------------------------------------------------
# Binary ops with broadcasting and mixed dtypes; division and remainder sign rules
# ---------------------------------------------------------------------------

DIVISION = ops.select(names=("div-trunc", "div-floor", "floor_divide", "remainder", "fmod"))
BINARY = [op for op in (ops.get(b.name) for b in elementwise.BINARY) if op.reference is not None and op not in DIVISION]


def _operands(data, device, reference_device, op, count: int = 2):
    """Operands of mutually broadcastable shapes, each of a dtype drawn from the op's reference dtypes,
    with values from its domain for that position."""
    shapes_ = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=count, max_dims=3, max_side=4),
                        label="shapes").input_shapes
    return [draw_tensor(data, reference_dtype(data, op, device, f"x{i} dtype"), shape,
                        devices.target(reference_device).device, op.domain(i), LAYOUTS, f"x{i}")
            for i, shape in enumerate(shapes_)]


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
    return mapped(x, lambda s: s.to(dtype).to(s.dtype))




def _binary_case(device, reference_device, op, a, b):
    dtype = promotion.result_type(a, b)
    a, b = _representable(a, dtype), _representable(b, dtype)
    check_values(device, reference_device, op.fn, [a, b], quietly(lambda: op.reference(*_promoted(a, b))),
                 dtype=dtype_rules.binary(op.name, a, b), judge=elementwise_judge(op, *_promoted(a, b)),
                 exact=op.exact, signed_zeros=op.name not in UNSIGNED_ZEROS)


@over("values", "binary-broadcast", BINARY, rule=DOCS + "notes/broadcasting.html")
@given(data=st.data())
def test_binary_matches_numpy(device, reference_device, op, data):
    """Broadcast shapes and mixed dtypes: numpy's values, in torch's promoted dtype."""
    _binary_case(device, reference_device, op, *_operands(data, device, reference_device, op))


@over("values", "division-sign-rules", DIVISION, rule=doc("div"))
@given(data=st.data())
def test_division_and_remainder_sign_rules(device, reference_device, op, data):
    """Negative operands: trunc rounds toward zero, floor down; remainder takes the divisor's sign,
    fmod the dividend's -- exactly on integers."""
    _binary_case(device, reference_device, op, *_operands(data, device, reference_device, op))


@over("values", "binary-special", [op for op in BINARY + DIVISION if "float" in op.kinds and not op.domain(0).grid],
      rule=DOCS + "notes/numerical_accuracy.html#extremal-values")
@given(data=st.data())
def test_binary_special_values_match_numpy(device, reference_device, op, data):
    """IEEE special operands: 0/0 = nan, x/0 = inf, inf - inf = nan, nan propagates."""
    shapes_ = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=4),
                        label="shapes").input_shapes
    exclude = tuple(d for d in supported("cpu", ("float",)) if d not in op.reference_dtypes("cpu"))
    a, b = (_draw(data, device, reference_device, f"x{i}", ("float",), shape=s, special=True, exclude=exclude)
            for i, s in enumerate(shapes_))
    _binary_case(device, reference_device, op, a, b)


WHERE, CLAMP = ops.get("where"), ops.get("clamp")


@invariant("where", source=WHERE.doc)
@given(data=st.data())
def test_where_matches_numpy(device, reference_device, data):
    shapes_ = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=4),
                        label="shapes").input_shapes
    condition = _draw(data, device, reference_device, "condition", ("bool",), shape=shapes_[0])
    a, b = (_draw(data, device, reference_device, name, ("float", "int", "uint", "bool"), shape=s)
            for name, s in (("x", shapes_[1]), ("y", shapes_[2])))
    check_values(device, reference_device, WHERE.fn, [condition, a, b],
                 lambda: np.where(numpy_of(condition), numpy_of(a), numpy_of(b)), exact=True,
                 dtype=promotion.result_type(a, b))


@invariant("clamp", source=CLAMP.doc)
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
    check_values(device, reference_device, lambda t: CLAMP.fn(t, low, high), [x], lambda: expected, exact=True,
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


# torch.div: "always promotes integer inputs to the default scalar type"
ARITHMETIC = ops.select(names=("add", "div", "mul", "sub"))


@over("values", "arithmetic-dtype", ARITHMETIC, rule=PROMOTION_DOC)
@given(data=st.data())
def test_arithmetic_result_dtype_follows_promotion_table(device, op, data):
    """``a op b`` (the operator route) has the dtype the table gives (int + float is float, never the int)."""
    fn, kinds, op = op.routes()["operator"], op.kinds, op.name
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

GETITEM = ops.select(lambda op: op.name.startswith("getitem-"))
SETITEM = ops.select(lambda op: op.name.startswith("setitem-"))


def _numpy_index(index: tuple) -> tuple:
    return tuple(numpy_of(p) if isinstance(p, torch.Tensor) else p for p in index)


@over("values", "getitem", GETITEM, rule=NUMPY_INDEXING)
@given(data=st.data())
def test_getitem_matches_numpy(device, reference_device, op, data):
    """Integer arrays gather with duplicates in index order; a boolean mask selects in C order; separated
    advanced indices put their dims first -- numpy's rules."""
    case = registry_case(data, op, device, reference_device)
    x, index = case.inputs[0], case.kwargs["index"]
    check_values(device, reference_device, lambda t, *i: op.fn(t, index=i), [x, *index],
                 lambda: numpy_of(x)[_numpy_index(index)], exact=True, dtype=x.dtype)


ROWS = ops.select(names=("index",))  # x[rows]: one bare integer tensor indexing dim 0


@over("values", "index-rows", ROWS, rule=NUMPY_INDEXING + "#integer-array-indexing")
@given(data=st.data())
def test_index_rows_matches_numpy(device, reference_device, op, data):
    """``x[rows]`` gathers whole rows in the index's order, repeated and negative indices included."""
    case = registry_case(data, op, device, reference_device)
    check_values(device, reference_device, op.fn, case.inputs, expected_of(op, case), exact=True,
                 dtype=case.inputs[0].dtype)


@over("values", "setitem", SETITEM, rule=NUMPY_INDEXING + "#assigning-values-to-indexed-arrays")
@given(data=st.data())
def test_setitem_matches_numpy(device, reference_device, op, data):
    """``x[index] = value`` writes exactly the indexed cells (distinct positions: with a repeated index
    the written value is undefined), broadcasting ``value``."""
    case = registry_case(data, op, device, reference_device)
    (x, value), index = case.inputs, case.kwargs["index"]

    def expected():
        a = numpy_of(x).copy()
        a[_numpy_index(index)] = numpy_of(value)
        return a

    check_values(device, reference_device, lambda t, v, *i: op.fn(t, v, index=i), [x, value, *index], expected,
                 exact=True, dtype=x.dtype)


# ---------------------------------------------------------------------------
# cat, stack, split, chunk; matrix products
# ---------------------------------------------------------------------------

JOINING = ops.select(names=("cat", "stack", "split", "split-sections", "chunk"))


@over("values", "cat-stack-split", JOINING, rule=doc("cat"))
@given(data=st.data())
def test_joining_and_splitting_match_numpy(device, reference_device, op, data):
    """cat/stack join like numpy.concatenate/stack; split(size) gives pieces of ``size`` (the last
    smaller); split(sizes) the given sizes; chunk(n) pieces of ceil(size / n) -- maybe fewer than n."""
    case = registry_case(data, op, device, reference_device)
    check_values(device, reference_device, lambda *ts: op.fn(*ts, **case.kwargs), case.inputs, expected_of(op, case),
                 exact=True, dtype=case.inputs[0].dtype)


MATMUL = ops.select(names=("matmul", "mm", "bmm"))  # numpy.matmul's semantics, judged by its exact products


@over("values", "matmul", MATMUL, rule=doc("matmul"))
@given(data=st.data())
def test_matmul_matches_numpy(device, reference_device, op, data):
    """Products of positive factors (no cancellation): numpy's values and broadcast shapes (matmul's 1-D
    operands get a dim prepended or appended, as numpy.matmul's)."""
    case = registry_case(data, op, device, reference_device)
    a, b = case.inputs
    check_values(device, reference_device, op.fn, case.inputs, expected_of(op, case), exact=op.exact,
                 dtype=promotion.result_type(a, b), judge=budgets.judge(
                     op.name, lambda dtype: references.matmul(dtype, numpy_of(a), numpy_of(b))))
