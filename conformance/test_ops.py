"""Universal invariants: each test checks one documented rule over every registry op it applies to.

The axes that matter are pytest parameters, so no combination is left to a rare draw: the op, the
dtype kind of its first input, and for binary ops the kind of the second operand (a tensor of any
dtype the op takes, a 0-d tensor, a Python bool, int, float or complex).  Hypothesis draws shapes,
layouts (strided, offset, expanded, zero-size) and values within them.  Which ops an invariant
applies to is data (``ops_helpers.APPLIES``); an op a device does not implement is skipped as
"unsupported: ...", not failed.
"""

from __future__ import annotations

import operator
import re
from dataclasses import replace

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from conformance import devices, promotion
from conformance.differential import assert_no_farther, flat
from conformance.ops import REGISTRY, Sizes
from conformance.ops_helpers import (
    OPERANDS, Outcome, accuracy_of, applicable, draw_case, draw_of_kind, draw_tensor, outcome, per_op,
    reassociates, skip_if_unsupported, structure, unsupported,
)
from conformance.oracles import assert_equal, differing
from conformance.params import over
from strategies import WRITABLE_LAYOUTS, rebuilt, supported, tensors

FAMILY = "ops"
DOCS = "https://pytorch.org/docs/stable/"
ROUTES_DOC = DOCS + "tensors.html"  # "Tensor.add: See torch.add()": a method is its function
INPLACE_DOC = DOCS + "tensors.html"  # "Methods which mutate a tensor are marked with an underscore suffix"
COMPLEX_TO_REAL_INPLACE = "https://github.com/pytorch/pytorch/pull/45069"  # in-place of a C -> R op is disabled
VERSION_DOC = DOCS + "notes/autograd.html#in-place-correctness-checks"
OVERLAP_DOC = DOCS + "generated/torch.Tensor.expand.html"  # "more than one element ... refers to the same memory"
BROADCAST_INPLACE_DOC = DOCS + "notes/broadcasting.html#in-place-semantics"
OUT_DOC = DOCS + "notes/out.html"
LAYOUT_DOC = DOCS + "tensor_view.html"
META_DOC = DOCS + "meta.html"
VMAP_DOC = DOCS + "generated/torch.func.vmap.html"
NUMPY_EMPTY_DOC = "https://numpy.org/doc/stable/user/basics.broadcasting.html"
DIFFERENTIAL_DOC = DOCS + "notes/numerical_accuracy.html"

SETTINGS = per_op()
LONG = Sizes(mode="long")  # every self has elements and a side >= 2: it can overlap itself and be grown
OPS = list(REGISTRY.values())
CANNOT_CAST = r"can't be cast to the desired output type"
OVERLAP = r"more than one element of the written-to tensor refers to a single memory location"
BROADCAST_SELF = r"output with shape \[[\d, ]*\] doesn't match the broadcast shape \[[\d, ]*\]"


def kinds(op):
    return [(kind,) for kind in op.kinds]


def kinds_and_operands(op):
    return [(kind, operand) for kind in op.kinds for operand in (OPERANDS if op.scalars else ("tensor",))]


def cases(invariant: str, rule: str, axes=kinds, argnames="op,kind"):
    """Parametrize over the ops ``invariant`` applies to (see ``ops_helpers.APPLIES``)."""
    return over(FAMILY, invariant, applicable(invariant, OPS), rule=rule, argnames=argnames, axes=axes)


def assert_same_outcome(expected: Outcome, got: Outcome, what: str) -> None:
    """The same exception type, or results equal bitwise (dtype, shape, values)."""
    if expected.raised or got.raised:
        assert (got.error, bool(got.raised)) == (expected.error, bool(expected.raised)), (
            f"{what}: raised {got.error and got.error.__name__} ({got.message[:200]}), the function route "
            f"{expected.error and expected.error.__name__} ({expected.message[:200]})")
        return
    results, wanted = flat(got.result), flat(expected.result)
    assert len(results) == len(wanted), f"{what}: {len(results)} results, the function route {len(wanted)}"
    for r, w in zip(results, wanted):
        assert_equal(r, w, msg=f"{what} differs from the function route")


def identical(got: Outcome, want: Outcome) -> bool:
    results, wanted = flat(got.result), flat(want.result)
    return len(results) == len(wanted) and all(
        r.dtype == w.dtype and r.shape == w.shape and not differing(r.cpu(), w.cpu()).any()
        for r, w in zip(results, wanted))


def assert_as_accurate(op, kind, case, target, got: Outcome, want: Outcome, what: str) -> None:
    """``got``, the op computed another way (strided inputs, a strided ``out=``, a vmap slice), against
    ``want``: the same exception type, and results bitwise equal where nothing is rounded.  Where rounding
    is, "PyTorch is not guaranteed to produce bitwise identical results for floating point computations
    that are mathematically identical" (``DIFFERENTIAL_DOC``: a vectorized path for contiguous rows, another
    order of a sum): each element that differs lies within the op's ULP budget of its exact value
    (``ops_helpers.accuracy_of``), or no farther from it than ``want``'s; a rounded result the suite holds
    no budget for (complex, several results) within ``assert_close``'s tolerance of its dtype."""
    assert got.error is want.error, (
        f"{what}: raised {got.error and got.error.__name__} ({got.message[:200]}), the contiguous one "
        f"{want.error and want.error.__name__} ({want.message[:200]})")
    if want.raised or identical(got, want):
        return
    results = flat(want.result)
    rounded = not op.exact_in(kind) and any(r.is_floating_point() or r.is_complex() for r in results)
    # one float result: the accuracy oracle can judge it
    accuracy = accuracy_of(op, case, results[0], target.device) if rounded and len(results) == 1 else None
    if accuracy is not None:
        assert_no_farther(got.result, want.result, lambda: [accuracy.exact], budgets=[accuracy.budget],
                          names=(what, "the contiguous result"))
    elif not rounded:
        for g, w in zip(flat(got.result), results):
            assert_equal(g, w, msg=what)
    else:
        for g, w in zip(flat(got.result), results):
            torch.testing.assert_close(g, w, equal_nan=True, msg=lambda m: f"{what}: {m}")


# ---------------------------------------------------------------------------
# Routes agree
# ---------------------------------------------------------------------------

@cases("routes-agree", ROUTES_DOC, kinds_and_operands, "op,kind,operand")
@SETTINGS
@given(data=st.data())
def test_routes_agree(device, op, kind, operand, data):
    """The function, the method, the operator and every alias of an op give the same result, bitwise,
    on the same arguments (or raise the same exception type); with a Python scalar, so does the
    reflected operator (``2.5 + x``)."""
    target = devices.target(device)
    case = draw_of_kind(data, op, device, kind, operand)
    with target.context():
        expected = outcome(case.run, op.fn)
        skip_if_unsupported(op, device, expected)
        for name, route in op.routes().items():
            got = outcome(case.run, route)
            if got is not None:
                assert_same_outcome(expected, got, f"route {name!r} on ({case.dtypes})")
        if op.reflected is not None and operand in ("bool", "int", "float", "complex") and op.operator:
            x, s = case.arguments()[0]
            if not case.kwargs:
                got = outcome(getattr(operator, op.operator), s, x)
                assert_same_outcome(outcome(op.reflected, *case.arguments()[0]), got,
                                    f"reflected {op.operator} (scalar on the left) on ({case.dtypes})")


# ---------------------------------------------------------------------------
# In-place routes
# ---------------------------------------------------------------------------

def with_self_of_result_shape(data, case):
    """The case with its first input redrawn, if needed, in the shape of the result (an in-place op
    writes the result into it) and in a layout without internal overlap.  The result's shape is the
    function's where it gives one (an op whose inputs do not broadcast together, ``scatter_(dim, index,
    src)``, keeps self's), else the inputs' broadcast shape."""
    inputs, kwargs = case.arguments()
    shapes = [tuple(x.shape) for x in inputs if isinstance(x, torch.Tensor)]
    x = inputs[0]
    result = outcome(case.op.fn, *inputs, **kwargs)
    if result is not None and not result.raised and flat(result.result):
        target = tuple(flat(result.result)[0].shape)
    else:
        try:
            target = torch.broadcast_shapes(*shapes)
        except RuntimeError:
            target = tuple(x.shape)
    inputs, kwargs = case.arguments()  # fresh copies: the function may have written into its inputs
    x = inputs[0]
    if tuple(x.shape) != tuple(target) or x.stride() and 0 in x.stride():
        x = draw_tensor(data, x.dtype, target, x.device, case.op.domain(0), WRITABLE_LAYOUTS, "self")
        case.inputs[0] = x
    return case


@cases("inplace", INPLACE_DOC + " ; " + VERSION_DOC + " ; " + COMPLEX_TO_REAL_INPLACE, kinds_and_operands,
       "op,kind,operand")
@SETTINGS
@given(data=st.data())
def test_inplace_writes_the_function_result_into_self(device, op, kind, operand, data):
    """``x.op_(...)`` and ``x op= y`` return ``x`` itself, bump its version counter by one, and leave in
    it the function's result cast to x's dtype (bitwise; an op that reassociates, e.g. ``addbmm_`` adding
    one product per batch into self, as accurate: ``assert_as_accurate``); where that result's dtype cannot be cast to
    x's (an integer x, a floating result), they raise and leave x untouched, and so they do where a
    complex x would get a real result (abs)."""
    target = devices.target(device)
    case = with_self_of_result_shape(data, draw_of_kind(data, op, device, kind, operand, layouts=WRITABLE_LAYOUTS))
    with target.context():
        expected = outcome(case.run, op.fn)
        skip_if_unsupported(op, device, expected)
        for route_name, route in op.inplace_routes().items():
            name = f"{route_name} on ({case.dtypes})"
            inputs, kwargs = case.arguments()
            x = inputs[0]
            before, version = x.clone(), x._version
            got = outcome(route, *inputs, **kwargs)
            if got is None:
                continue
            if expected.raised:
                assert got.raised, f"{name} succeeds where the function raises {expected.error.__name__}"
                continue
            result = flat(expected.result)[0]
            if x.is_complex() and not result.is_complex() and result.dtype != torch.bool:
                # "the in-place version of a C -> R function is disabled" (abs_, pytorch#45069); a bool
                # result (logical_and_ of a complex self) is not a C -> R function's, and is cast into self
                assert got.raised, f"{name}: a real result of a complex self written in place"
                continue
            if not promotion.can_cast(result.dtype, x.dtype):
                assert got.raised and re.search(CANNOT_CAST, got.message), (
                    f"{name}: a {result.dtype} result written into {x.dtype} self: "
                    f"{got.error.__name__ + ': ' + got.message[:200] if got.raised else 'no error'}")
                assert_equal(x, before, msg=f"{name} changed self although it raised")
                continue
            assert not got.raised, f"{name} raised {got.error.__name__}: {got.message[:300]}"
            assert got.result is x, f"{name} returned a new tensor, not self"
            assert x._version == version + 1, f"{name}: version {version} -> {x._version}, expected one bump"
            what = f"{name} left another value in self than the function's result"
            if reassociates(op) and result.dtype == x.dtype:
                # a product accumulated into self may add its terms in another order than the function
                # (addbmm_: one addmm_ per batch): as accurate, as for another layout (DIFFERENTIAL_DOC)
                assert_as_accurate(op, kind, case, target, Outcome(result=x), Outcome(result=result), what)
            else:
                assert_equal(x, result.to(x.dtype), msg=what)


def overlapping(x: torch.Tensor, dim: int) -> torch.Tensor:
    """A tensor of ``x``'s shape whose elements along ``dim`` all share one memory cell."""
    return x.narrow(dim, 0, 1).expand(x.shape)


@cases("inplace-overlap-raises", OVERLAP_DOC, kinds)
@SETTINGS
@given(data=st.data())
def test_inplace_on_overlapping_self_raises(device, op, kind, data):
    """An in-place op on a tensor with internal overlap (an ``expand``ed self) raises "unsupported
    operation: more than one element of the written-to tensor refers to a single memory location"."""
    target = devices.target(device)
    case = with_self_of_result_shape(data, draw_of_kind(data, op, device, kind, sizes=LONG, layouts=WRITABLE_LAYOUTS))
    inputs, kwargs = case.arguments()
    long = [d for d, size in enumerate(inputs[0].shape) if size > 1]  # LONG draws at least one
    dim = data.draw(st.sampled_from(long), label="expanded dim")
    inputs[0] = overlapping(inputs[0], dim)
    with target.context():
        expected = outcome(op.fn, *inputs, **kwargs)
        skip_if_unsupported(op, device, expected)
        result = None if expected.raised else flat(expected.result)[0]
        if result is None or inputs[0].is_complex() and not result.is_complex():
            documented = "."  # the function raises, or a complex self would get a real result: any error
        elif promotion.can_cast(result.dtype, inputs[0].dtype):
            documented = OVERLAP
        else:
            documented = f"{OVERLAP}|{CANNOT_CAST}"
        for route_name, route in op.inplace_routes().items():
            name = f"{route_name} on ({case.dtypes})"
            fresh, fresh_kwargs = case.arguments()
            fresh[0] = overlapping(fresh[0], dim)
            got = outcome(route, *fresh, **fresh_kwargs)
            if got is not None:
                what = f"{got.error.__name__}: {got.message[:200]}" if got.raised else "no error"
                assert got.raised and re.search(documented, got.message), f"{name} on an expanded self: {what}"


@cases("inplace-broadcast-raises", BROADCAST_INPLACE_DOC, kinds)
@SETTINGS
@given(data=st.data())
def test_inplace_that_would_grow_self_raises(device, op, kind, data):
    """"In-place operations do not allow the in-place tensor to change shape as a result of the
    broadcast": ``x.op_(y)`` with a ``y`` that broadcasts ``x`` to a larger shape raises."""
    target = devices.target(device)
    case = draw_of_kind(data, op, device, kind, sizes=LONG, layouts=WRITABLE_LAYOUTS)
    inputs, kwargs = case.arguments()
    x, y = inputs[0], inputs[1]
    grown = tuple(torch.broadcast_shapes(x.shape, y.shape))
    long = [d for d in range(len(grown)) if grown[d] > 1]  # LONG draws at least one
    if tuple(y.shape) != grown:
        y = draw_tensor(data, y.dtype, grown, y.device, op.domain(1), WRITABLE_LAYOUTS, "other, of the grown shape")
    dim = data.draw(st.sampled_from(long), label="dim of self kept at 1")
    x = draw_tensor(data, x.dtype, grown[:dim] + (1,) + grown[dim + 1:], x.device, op.domain(0), WRITABLE_LAYOUTS,
                    "self")
    with target.context():
        expected = outcome(op.fn, x, y, **kwargs)
        skip_if_unsupported(op, device, expected)
        castable = not expected.raised and promotion.can_cast(flat(expected.result)[0].dtype, x.dtype)
        documented = BROADCAST_SELF if castable else f"{BROADCAST_SELF}|{CANNOT_CAST}" if not expected.raised else "."
        for route_name, route in op.inplace_routes().items():
            name = f"{route_name} on ({x.dtype}, {y.dtype})"
            got = outcome(route, rebuilt(x, x.device), rebuilt(y, y.device), **kwargs)
            if got is not None:
                assert got.raised and re.search(documented, got.message), (
                    f"{name} growing self {tuple(x.shape)} to {tuple(grown)}: "
                    f"{got.error.__name__ + ': ' + got.message[:200] if got.raised else 'no error'}")


# ---------------------------------------------------------------------------
# out=
# ---------------------------------------------------------------------------

def out_case(data, op, device, kind):
    """A case whose keyword arguments the function takes ``out=`` with, and its result (None when the
    function raises: then the ``out=`` call must raise too, which this checks)."""
    case = draw_of_kind(data, op, device, kind)
    if not op.takes_out(case.kwargs):
        case = with_a_dim(data, case)
    expected = outcome(case.run, op.fn)
    skip_if_unsupported(op, device, expected)
    if expected.raised:
        got = call_with_out(op, case, torch.empty(0, device=devices.target(device).device))
        assert got.raised, f"out= succeeds where the function raises {expected.error.__name__}"
        return case, None
    return case, flat(expected.result)[0]


def with_a_dim(data, case):
    """``case`` reducing along one drawn dim where it reduced every dim: a reduction's ``out=`` is in its
    overloads with ``dim`` only (``torch.sum(input, dim, keepdim=False, *, dtype=None, out=None)``)."""
    ndim = max(case.inputs[0].ndim, 1)
    kwargs = {**case.kwargs, "dim": data.draw(st.integers(-ndim, ndim - 1), label="dim (for out=)"),
              "keepdim": data.draw(st.booleans(), label="keepdim (for out=)")}
    if not case.op.takes_out(kwargs):
        raise AssertionError(f"{case.op.name} takes no out= with {kwargs}: its registry entry's out rule is wrong")
    return replace(case, kwargs=kwargs)


def call_with_out(op, case, out):
    inputs, kwargs = case.arguments()
    return outcome(op.fn, *inputs, out=out, **kwargs)


@cases("out-empty-resized", OUT_DOC, kinds)
@SETTINGS
@given(data=st.data())
def test_out_without_elements_is_resized(device, op, kind, data):
    """"If an out tensor has no elements it will be resized to the shape, stride, and memory format of
    the output": ``out=torch.empty(0)`` of the result's dtype returns that very tensor, holding the
    function's result."""
    target = devices.target(device)
    with target.context():
        case, expected = out_case(data, op, device, kind)
        if expected is None:
            return
        out = torch.empty(0, dtype=expected.dtype, device=expected.device)
        got = call_with_out(op, case, out)
        assert not got.raised, f"out= of no elements on ({case.dtypes}): {got.error.__name__}: {got.message[:300]}"
        assert got.result is out, "out= returned a new tensor, not out"
        assert_equal(out, expected, msg=f"out= holds another value than the function's result on ({case.dtypes})")
        assert tuple(out.shape) == tuple(expected.shape)


@cases("out-keeps-layout", OUT_DOC, kinds)
@SETTINGS
@given(data=st.data())
def test_out_of_the_result_shape_keeps_its_strides(device, op, kind, data):
    """"Passing out= tensors with the correct shape is numerically equivalent to performing the
    operation and 'safe copying' its results ... In this case strides and memory format are
    preserved": a strided ``out`` of the result's shape keeps its storage, offset and strides."""
    target = devices.target(device)
    with target.context():
        case, expected = out_case(data, op, device, kind)
        if expected is None:
            return
        assume(expected.dtype in supported(expected.device))  # not complex32 (float16 and a complex scalar)
        out = data.draw(tensors(expected.dtype, tuple(expected.shape), expected.device, layouts=WRITABLE_LAYOUTS),
                        label="out")
        layout = (structure(out), out.storage_offset())  # strides of the dims that address memory
        storage = out.untyped_storage().data_ptr()
        got = call_with_out(op, case, out)
        assert not got.raised, (f"out= of the result's shape on ({case.dtypes}): "
                                f"{got.error.__name__}: {got.message[:300]}")
        assert got.result is out, "out= returned a new tensor, not out"
        assert (structure(out), out.storage_offset()) == layout or out.numel() == 0, (
            f"out= changed out's strides or offset: {layout} -> {(structure(out), out.storage_offset())}")
        assert out.untyped_storage().data_ptr() == storage or out.numel() == 0, "out= moved out to new memory"
        assert_as_accurate(op, kind, case, target, Outcome(result=out), Outcome(result=expected),
                           f"strided out= holds another value than the function's result on ({case.dtypes})")


@cases("out-resize-warns", OUT_DOC, kinds)
@SETTINGS
@given(data=st.data())
def test_out_of_another_shape_warns_when_resized(device, op, kind, data):
    """"If an out tensor has a different shape than the result ... an error is thrown OR the out
    tensor is resized ... (This resizing behavior is deprecated)": a non-empty ``out`` of another
    shape either raises or is resized with the deprecation warning, holding the result."""
    target = devices.target(device)
    with target.context():
        case, expected = out_case(data, op, device, kind)
        if expected is None:
            return
        numel = data.draw(st.sampled_from([n for n in range(1, 5) if (n,) != tuple(expected.shape)]),
                          label="out numel")
        out = torch.zeros(numel, dtype=expected.dtype, device=expected.device)
        got = call_with_out(op, case, out)
        if got.raised:
            return
        resized = [w for w in got.warnings if "An output with one or more elements was resized" in str(w.message)]
        assert resized, f"out of shape ({numel},) resized to {tuple(out.shape)} without the deprecation warning"
        assert_equal(out, expected,
                     msg=f"the resized out holds another value than the function's result on ({case.dtypes})")


@cases("out-dtype-raises", OUT_DOC, kinds)
@SETTINGS
@given(data=st.data())
def test_out_of_a_lower_kind_raises(device, op, kind, data):
    """"The destination of the copy cannot be a lower 'type kind' than the source" (bool < integer <
    float < complex): an ``out`` of a lower kind than the result raises, and keeps its values."""
    target = devices.target(device)
    with target.context():
        case, expected = out_case(data, op, device, kind)
        if expected is None:
            return
        lower = [d for d in (torch.bool, torch.int64, torch.float32)
                 if promotion.category(d) < promotion.category(expected.dtype)]
        if not lower:
            pytest.skip(f"{op.name} of {kind} inputs gives a bool result: no type kind is lower")
        dtype = data.draw(st.sampled_from(lower), label="out dtype")
        out = torch.zeros(expected.shape, dtype=dtype, device=expected.device)
        got = call_with_out(op, case, out)
        assert got.raised and got.error in (RuntimeError, TypeError), (
            f"a {expected.dtype} result into out of {dtype}: no error (out holds {out.flatten()[:6].tolist()}), "
            f"inputs ({case.dtypes})")
        assert not out.any(), f"out of {dtype} changed although the call raised: {out.flatten()[:6].tolist()}"


# ---------------------------------------------------------------------------
# Layout, meta, vmap
# ---------------------------------------------------------------------------

def contiguous_copies(value):
    """``value`` with every tensor in it (in tuples, lists and keyword-argument dicts: an index tensor
    passed by keyword) replaced by a contiguous copy."""
    if isinstance(value, dict):
        return {k: contiguous_copies(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(contiguous_copies(v) for v in value)
    return value.contiguous() if isinstance(value, torch.Tensor) else value


@cases("layout-independent", LAYOUT_DOC)
@SETTINGS
@given(data=st.data())
def test_result_does_not_depend_on_input_layout(device, op, kind, data):
    """Strided, offset, expanded and channels-last inputs give the result their contiguous copies give:
    bitwise where nothing is rounded; where rounding is (a kernel may take a vectorized path on
    contiguous rows, or add in another order), as accurate (see :func:`assert_as_accurate`)."""
    target = devices.target(device)
    case = draw_of_kind(data, op, device, kind, layouts="strided")
    with target.context():
        strided = outcome(case.run, op.fn)
        skip_if_unsupported(op, device, strided)
        inputs, kwargs = case.arguments()
        dense = outcome(op.fn, *contiguous_copies(inputs), **contiguous_copies(kwargs))
    assert_as_accurate(op, kind, case, target, strided, dense, f"the strided inputs' result ({case.dtypes})")


@cases("meta-agrees", META_DOC)
@SETTINGS
@given(data=st.data())
def test_meta_gives_the_device_structure(device, op, kind, data):
    """On the meta device the op gives the shape, dtype and strides the device gives, and raises
    exactly when the device raises.  Half the examples draw inputs whose layout reorders the strides, the
    inputs whose result strides a wrong stride rule changes."""
    target = devices.target(device)
    layouts = data.draw(st.sampled_from(("strided", "reordered")), label="input layouts")
    case = draw_of_kind(data, op, device, kind, layouts=layouts)
    with target.context():
        real = outcome(case.run, op.fn)
    skip_if_unsupported(op, device, real)
    meta = outcome(case.run, op.fn, devices.STRUCTURAL)
    assert meta.raised == real.raised, (
        f"meta {'raises ' + meta.error.__name__ + ': ' + meta.message[:200] if meta.raised else 'succeeds'}, "
        f"{target.name} {'raises ' + real.error.__name__ + ': ' + real.message[:200] if real.raised else 'succeeds'}")
    if not real.raised:
        assert structure(meta.result) == structure(real.result), (
            f"meta result's (shape, dtype, strides) differ on ({case.dtypes})")


def batched(data, case, size: int):
    """Each input of the op's own dtype with a batch dim of ``size`` inserted at a drawn position."""
    inputs, kwargs = case.arguments()
    dims = []
    for i in range(len(inputs)):
        if i not in case.diff or not isinstance(inputs[i], torch.Tensor):
            dims.append(None)
            continue
        x = inputs[i]
        dim = data.draw(st.integers(0, x.dim()), label=f"batch dim of input {i}")
        shape = tuple(x.shape[:dim]) + (size,) + tuple(x.shape[dim:])
        inputs[i] = draw_tensor(data, x.dtype, shape, x.device, case.op.domain(i), WRITABLE_LAYOUTS,
                                f"batched input {i}")
        dims.append(dim)
    return inputs, kwargs, tuple(dims)


@cases("vmap-matches-loop", VMAP_DOC)
@SETTINGS
@given(data=st.data())
def test_vmap_equals_a_loop_over_the_batch(device, op, kind, data):
    """``torch.func.vmap(op)`` over a batch dim of each input (at any position) equals the op applied
    to each slice, stacked: each slice of its result is judged against the loop's as a result computed
    another way (``assert_as_accurate``: bitwise where nothing is rounded, else within the op's ULP budget
    of the exact value, or the dtype's ``assert_close`` tolerance where the suite holds no budget: "batched
    computations" may round differently, ``DIFFERENTIAL_DOC``)."""
    target = devices.target(device)
    case = draw_of_kind(data, op, device, kind)
    size = data.draw(st.integers(1, 3), label="batch size")
    inputs, kwargs, dims = batched(data, case, size)
    assume(any(d is not None for d in dims))

    def fn(*xs):
        return op.fn(*xs, **kwargs)

    with target.context():
        slices = [outcome(fn, *[x if d is None else x.select(d, b) for x, d in zip(inputs, dims)])
                  for b in range(size)]
        skip_if_unsupported(op, device, slices[0])
        assume(not any(s.raised for s in slices))
        with unsupported(op, device):
            mapped = flat(torch.func.vmap(fn, in_dims=dims)(*inputs))
    for b, want in enumerate(slices):
        inputs_b = [x if d is None else x.select(d, b) for x, d in zip(inputs, dims)]
        got = Outcome(result=tuple(t[b] for t in mapped) if isinstance(want.result, (tuple, list)) else mapped[0][b])
        assert_as_accurate(op, kind, replace(case, inputs=inputs_b, kwargs=kwargs), target, got, want,
                           f"slice {b} of vmap vs loop on ({case.dtypes})")


# ---------------------------------------------------------------------------
# Zero-size and 0-d inputs; the device against the reference device
# ---------------------------------------------------------------------------

def against_reference(op, case, values: bool):
    """The op on the case against numpy's reference: both raise, or results of numpy's shapes and, where
    ``values`` (nothing rounded: an exact op, or the identities a reduction of nothing gives), numpy's
    values, bitwise; rounded values are the values family's business."""
    got = outcome(case.run, op.fn)
    arrays, kwargs = case.reference_arguments()
    with np.errstate(all="ignore"):
        want = outcome(op.reference, *arrays, **kwargs)
    assert got.raised == want.raised, (
        f"torch {'raises ' + got.error.__name__ + ': ' + got.message[:200] if got.raised else 'succeeds'}, "
        f"numpy {'raises ' + want.error.__name__ + ': ' + want.message[:200] if want.raised else 'succeeds'} "
        f"on ({case.dtypes})")
    if got.raised:
        return
    results, wanted = flat(got.result), [np.asarray(w) for w in flat(want.result)]
    assert [tuple(r.shape) for r in results] == [w.shape for w in wanted], (
        f"shapes {[tuple(r.shape) for r in results]}, numpy's {[w.shape for w in wanted]} on ({case.dtypes})")
    if values:
        for r, w in zip(results, wanted):
            assert_equal(r.cpu(), torch.from_numpy(np.array(w)).to(r.dtype), msg=f"against numpy on ({case.dtypes})")


def reference_dtype(data, op, device):
    choices = op.reference_dtypes(devices.target(device).device)
    if not choices:
        pytest.skip(f"{devices.target(device).name} has no dtype {op.name} is compared with numpy in")
    return data.draw(st.sampled_from(choices), label="dtype")


@over(FAMILY, "zero-size", applicable("zero-size", OPS), rule=NUMPY_EMPTY_DOC)
@SETTINGS
@given(data=st.data())
def test_zero_size_inputs_give_numpys_result(device, reference_device, op, data):
    """Inputs with a dim of size 0 give numpy's result (an empty result of the broadcast or reduced
    shape, a reduction's identity), or raise where numpy raises (the extremum of nothing)."""
    if devices.target(device) != devices.target(reference_device):
        pytest.skip("zero-size results are compared with numpy on the reference device")
    case = draw_case(data, op, device, reference_dtype(data, op, device), Sizes(mode="zero-size"))
    against_reference(op, case, values=True)  # an empty result, or sums of nothing: 0, products: 1, means: nan


@over(FAMILY, "zero-dim", applicable("zero-dim", OPS), rule=NUMPY_EMPTY_DOC)
@SETTINGS
@given(data=st.data())
def test_zero_dim_inputs_give_numpys_result(device, reference_device, op, data):
    """0-d inputs give numpy's result on 0-d arrays (a 0-d result, dims 0 and -1 naming the only
    position), or raise where numpy raises."""
    if devices.target(device) != devices.target(reference_device):
        pytest.skip("0-d results are compared with numpy on the reference device")
    case = draw_case(data, op, device, reference_dtype(data, op, device), Sizes(mode="0-d"))
    against_reference(op, case, values=op.exact)


@cases("device-matches-reference", DIFFERENTIAL_DOC)
@SETTINGS
@given(data=st.data())
def test_device_matches_reference_device(device, reference_device, op, kind, data):
    """The same arguments (values and layouts) give the reference device's result on the device:
    exactly where nothing is rounded, otherwise no farther from the float64 result than the
    reference's; the same exception type where the reference raises."""
    target, reference = devices.target(device), devices.target(reference_device)
    if target == reference:
        pytest.skip("the device is the reference device")
    case = draw_of_kind(data, op, reference.device, kind)
    with target.context():
        got = outcome(case.run, op.fn, target.device)
    skip_if_unsupported(op, device, got)
    with reference.context():
        want = outcome(case.run, op.fn, reference.device)
    assert got.error is want.error, f"{target.name} raised {got.error}, {reference.name} {want.error}"
    if want.raised:
        return
    exact = op.exact_in(kind) or not any(t.is_floating_point() or t.is_complex() for t in flat(want.result))

    def recompute():
        from conformance.differential import widened
        inputs, kwargs = case.arguments(reference.device)
        return op.fn(*[widened(x) for x in inputs], **kwargs)

    assert_no_farther(got.result, want.result, recompute, exact=exact, names=(target.name, reference.name))



COMPILE_DOC = DOCS + "generated/torch.compile.html"
COMPILED = [op for op in OPS if "float" in op.kinds and not op.mutates]


@pytest.mark.invariant(FAMILY, "compile-matches-eager", source=COMPILE_DOC)
@SETTINGS
@given(data=st.data())
def test_compiled_op_matches_eager(device, pytestconfig, data):
    """With ``--compile``: ``torch.compile(op, fullgraph=True)`` of a registry op drawn at random gives
    eager's result (no farther from the float64 result than eager's)."""
    backend = pytestconfig.getoption("compile")
    if not backend:
        pytest.skip("torch.compile runs with --compile only")
    op = data.draw(st.sampled_from(COMPILED), label="op")
    target = devices.target(device)
    case = draw_of_kind(data, op, device, "float")
    with target.context():
        eager = outcome(case.run, op.fn)
        skip_if_unsupported(op, device, eager)
        assume(not eager.raised)
        torch._dynamo.reset()
        inputs, kwargs = case.arguments()
        compiled = torch.compile(lambda *xs: op.fn(*xs, **kwargs), backend=backend, fullgraph=True)(*inputs)

    def recompute():
        from conformance.differential import widened
        inputs, kwargs = case.arguments()
        return op.fn(*[widened(x) for x in inputs], **kwargs)

    exact = op.exact or not any(t.is_floating_point() or t.is_complex() for t in flat(eager.result))
    assert_no_farther(compiled, eager.result, recompute, exact=exact, names=("compiled", "eager"))
