"""Op-specific rules of the gather/scatter family (``conformance/ops/scatter.py``), each against numpy.

The universal invariants (``test_ops.py``) check that the routes agree, that in-place and ``out=``
behave, layouts, meta and vmap; here each test checks one rule the documentation states for one op:
writes that accumulate at repeated indices (``np.add.at``), ``include_self``, gather as numpy's
``take_along_axis``, ``masked_select`` as numpy's boolean indexing, and what an index outside the
indexed dim does (it raises).  Arguments are the registry's (``draw_case``): one description of each op.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance import devices, ops
from conformance.ops import doc, scatter as entries
from conformance.ops_helpers import draw_case, wide_numpy
from conformance.oracles import assert_equal
from conformance.params import over

FAMILY = "scatter"
invariant = functools.partial(pytest.mark.invariant, FAMILY)

NUMPY = "https://numpy.org/doc/stable/reference/generated/"
ADD_AT = NUMPY + "numpy.ufunc.at.html"  # "unbuffered in place operation ... accumulated for repeated indices"
INDEX_ADD_DOC = doc("torch.Tensor.index_add_")
SCATTER_ADD_DOC = doc("torch.Tensor.scatter_add_")
SCATTER_REDUCE_DOC = doc("torch.Tensor.scatter_reduce_")
GATHER_DOC = doc("torch.gather")
INDEX_PUT_DOC = doc("torch.Tensor.index_put_")
MASKED_SELECT_DOC = doc("torch.masked_select")
NUMPY_MASK = "https://numpy.org/doc/stable/user/basics.indexing.html#boolean-array-indexing"
FLOATS = ("float",)


def _dtype(data, op, device, kinds=None):
    choices = op.dtypes(devices.target(device).device, kinds or op.kinds)
    return data.draw(st.sampled_from(choices), label="dtype")


def _expected(array: np.ndarray, like: torch.Tensor) -> torch.Tensor:
    """A numpy float64/int64 result as a tensor of ``like``'s dtype, on the cpu."""
    return torch.from_numpy(np.ascontiguousarray(array)).to(like.dtype)


# ---------------------------------------------------------------------------
# Writes at repeated indices accumulate
# ---------------------------------------------------------------------------

@invariant("index-add-accumulates", source=INDEX_ADD_DOC + " ; " + ADD_AT)
@given(data=st.data())
def test_index_add_accumulates_duplicate_indices(device, data):
    """``index_add(dim, index, source, alpha=a)``: "self[index[i]] += alpha * src[i]" along dim, each i
    added -- a repeated index adds every source slice it names, as ``np.add.at`` does.  Values are
    quarters: the sums are exact in every dtype, whatever order the kernel adds in."""
    op = ops.get("index_add")
    case = draw_case(data, op, device, _dtype(data, op, device))
    (x, source), kwargs = case.arguments()
    got = torch.index_add(x, kwargs["dim"], kwargs["index"], source, alpha=kwargs.get("alpha", 1))
    a, s = wide_numpy(x), wide_numpy(source)
    dim, index = kwargs["dim"] % a.ndim, wide_numpy(kwargs["index"]).reshape(-1)
    want = np.moveaxis(a.copy(), dim, 0)
    np.add.at(want, index, kwargs.get("alpha", 1) * np.moveaxis(s, dim, 0))
    assert_equal(got.cpu(), _expected(np.moveaxis(want, 0, dim), got), msg=f"index_add on ({case.dtypes})")


@invariant("scatter-add-accumulates", source=SCATTER_ADD_DOC + " ; " + ADD_AT)
@given(data=st.data())
def test_scatter_add_accumulates_duplicate_indices(device, data):
    """``scatter_add(dim, index, src)``: "self[index[i][j]][j] += src[i][j]" for every element of index --
    values written to one position all add up (``np.add.at`` at the positions index names)."""
    op = ops.get("scatter_add")
    case = draw_case(data, op, device, _dtype(data, op, device))
    (x, src), kwargs = case.arguments()
    got = torch.scatter_add(x, kwargs["dim"], kwargs["index"], src)
    a, s, index = wide_numpy(x), wide_numpy(src), wide_numpy(kwargs["index"])
    dim = kwargs["dim"] % a.ndim
    positions = tuple(index if k == dim else np.indices(index.shape)[k] for k in range(a.ndim))
    want = a.copy()
    np.add.at(want, positions, s[tuple(slice(0, n) for n in index.shape)])
    assert_equal(got.cpu(), _expected(want, got), msg=f"scatter_add on ({case.dtypes})")


@invariant("index-put-accumulates", source=INDEX_PUT_DOC + " ; " + ADD_AT)
@given(data=st.data())
def test_index_put_with_accumulate_adds_at_repeated_positions(device, data):
    """``index_put_(indices, values, accumulate=True)``: "equivalent to tensor[indices] += values", with
    every value named for one position added (``np.add.at``), where plain ``x[i] += v`` would keep one."""
    op = ops.get("index_put-accumulate")
    case = draw_case(data, op, device, _dtype(data, op, device))
    (x, values), kwargs = case.arguments()
    got = x.clone().index_put_(kwargs["indices"], values, accumulate=True)
    want = wide_numpy(x).copy()
    np.add.at(want, tuple(wide_numpy(i) for i in kwargs["indices"]), wide_numpy(values))
    assert_equal(got.cpu(), _expected(want, got), msg=f"index_put_(accumulate=True) on ({case.dtypes})")


# ---------------------------------------------------------------------------
# scatter_reduce's include_self
# ---------------------------------------------------------------------------

@invariant("scatter-reduce-include-self", source=SCATTER_REDUCE_DOC)
@pytest.mark.parametrize("reduce", sorted(entries.REDUCERS))
@given(data=st.data())
def test_scatter_reduce_include_self(device, reduce, data):
    """``scatter_reduce(dim, index, src, reduce, include_self)``: each position index names becomes the
    reduction of the src values scattered to it, "include_self (bool) -- whether elements from the self
    tensor are included in the reduction"; positions no index names keep self's value.  Against a numpy
    loop (float64; integer means floor-divide); exactly where nothing rounds (sum of quarters, amax,
    amin), else within the dtype's tolerance."""
    op = ops.get(f"scatter_reduce-{reduce}")
    case = draw_case(data, op, device, _dtype(data, op, device))
    (x, src), kwargs = case.arguments()
    include_self = data.draw(st.booleans(), label="include_self")
    got = torch.scatter_reduce(x, kwargs["dim"], kwargs["index"], src, reduce, include_self=include_self)
    a, s, index = wide_numpy(x), wide_numpy(src), wide_numpy(kwargs["index"])
    written = {}
    for p in np.ndindex(*index.shape):
        q = list(p)
        q[kwargs["dim"] % a.ndim] = index[p]
        written.setdefault(tuple(q), []).append(s[p])
    want = a.copy()
    for q, values in written.items():
        terms = ([a[q]] if include_self else []) + values
        if reduce == "mean" and not x.is_floating_point():
            want[q] = np.sum(terms) // len(terms)
        else:
            want[q] = entries.REDUCERS[reduce](np.array(terms))
    expected = _expected(want, got)
    if op.exact:
        assert_equal(got.cpu(), expected, msg=f"scatter_reduce({reduce!r}, include_self={include_self})")
    else:
        torch.testing.assert_close(got.cpu(), expected, msg=lambda m: f"scatter_reduce({reduce!r}, "
                                   f"include_self={include_self}) on ({case.dtypes}): {m}")


# ---------------------------------------------------------------------------
# gather and masked_select against numpy
# ---------------------------------------------------------------------------

@invariant("gather-take-along-axis", source=GATHER_DOC + " ; " + NUMPY + "numpy.take_along_axis.html")
@given(data=st.data())
def test_gather_equals_numpys_take_along_axis(device, data):
    """``gather(input, dim, index)``: "out[i][j][k] = input[index[i][j][k]][j][k]  # if dim == 0" -- with an
    index of input's shape, numpy's ``take_along_axis(input, index, axis=dim)``."""
    op = ops.get("gather")
    case = draw_case(data, op, device, _dtype(data, op, device, ("float", "int", "uint", "bool")))
    (x,), kwargs = case.arguments()
    dim = kwargs["dim"] % x.ndim
    length = data.draw(st.integers(0, 4), label="index length") if x.shape[dim] else 0
    shape = tuple(x.shape[:dim]) + (length,) + tuple(x.shape[dim + 1:])  # take_along_axis: input's other sides
    numel = int(np.prod(shape))
    values = data.draw(st.lists(st.integers(0, max(x.shape[dim] - 1, 0)), min_size=numel, max_size=numel),
                       label="index")
    index = torch.tensor(values, dtype=torch.int64).reshape(shape).to(x.device)
    got = torch.gather(x, dim, index)
    want = np.take_along_axis(wide_numpy(x), wide_numpy(index), axis=dim)
    assert_equal(got.cpu(), _expected(want, got), msg=f"gather on ({case.dtypes})")


@invariant("masked-select-boolean-indexing", source=MASKED_SELECT_DOC + " ; " + NUMPY_MASK)
@given(data=st.data())
def test_masked_select_equals_numpys_boolean_indexing(device, data):
    """``masked_select(input, mask)``: "a new 1-D tensor which indexes the input tensor according to the
    boolean mask", input and mask broadcast together -- numpy's ``a[mask]`` on the broadcast arrays, in
    row-major order."""
    op = ops.get("masked_select")
    case = draw_case(data, op, device, _dtype(data, op, device, ("float", "int", "uint", "bool")))
    (x, mask), _ = case.arguments()
    got = torch.masked_select(x, mask)
    a, m = np.broadcast_arrays(wide_numpy(x), wide_numpy(mask))
    assert_equal(got.cpu(), _expected(a[m], got), msg=f"masked_select on ({case.dtypes})")


# ---------------------------------------------------------------------------
# An index outside the indexed dim
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class OutOfRange:
    """One route of an op given an index with a value outside the indexed dim."""

    name: str
    source: str
    call: Callable  # call(x, dim, index) with a 1-D index along dim; index of x's shape when ``full``
    full: bool = False  # the index has x's shape (gather/scatter) rather than one dim
    error: tuple = (IndexError, RuntimeError)
    torch: str = ">=2.4"


def _scatter_src(x):
    return torch.ones_like(x)


OUT_OF_RANGE = [
    OutOfRange("gather", GATHER_DOC, lambda x, d, i: torch.gather(x, d, i), full=True),
    OutOfRange("scatter_", doc("torch.Tensor.scatter_"), lambda x, d, i: x.scatter_(d, i, _scatter_src(x)),
               full=True),
    OutOfRange("scatter_-value", doc("torch.Tensor.scatter_"), lambda x, d, i: x.scatter_(d, i, value=1),
               full=True),
    OutOfRange("scatter_add_", SCATTER_ADD_DOC, lambda x, d, i: x.scatter_add_(d, i, _scatter_src(x)), full=True),
    OutOfRange("scatter_reduce_", SCATTER_REDUCE_DOC,
               lambda x, d, i: x.scatter_reduce_(d, i, _scatter_src(x), "amax"), full=True),
    OutOfRange("index_add_", INDEX_ADD_DOC,
               lambda x, d, i: x.index_add_(d, i, torch.ones_like(x.index_select(d, i.clamp(0, 0))))),
    OutOfRange("index_copy_", doc("torch.Tensor.index_copy_"),
               lambda x, d, i: x.index_copy_(d, i, torch.ones_like(x.index_select(d, i.clamp(0, 0))))),
    OutOfRange("index_fill_", doc("torch.Tensor.index_fill_"), lambda x, d, i: x.index_fill_(d, i, 1)),
    OutOfRange("index_reduce_", doc("torch.Tensor.index_reduce_"),
               lambda x, d, i: x.index_reduce_(d, i, torch.ones_like(x.index_select(d, i.clamp(0, 0))), "amax")),
    OutOfRange("index_put_", INDEX_PUT_DOC,
               lambda x, d, i: x.movedim(d, 0).index_put_((i,), torch.ones((), dtype=x.dtype))),
    OutOfRange("index_select", doc("torch.index_select"), lambda x, d, i: torch.index_select(x, d, i)),
    OutOfRange("take", doc("torch.take"), lambda x, d, i: torch.take(x.movedim(d, 0), i)),
    OutOfRange("take_along_dim", doc("torch.take_along_dim"),
               lambda x, d, i: torch.take_along_dim(x, i, dim=d), full=True),
]
# "the values of index must be between 0 and self.size(dim) - 1 inclusive"; numpy: "IndexError ... out of bounds"
OUT_OF_RANGE_DOC = doc("torch.Tensor.scatter_") + (
    " ; https://numpy.org/doc/stable/user/basics.indexing.html#integer-array-indexing")


@st.composite
def out_of_range_case(draw, entry: OutOfRange, device):
    """A float32 tensor, a dim, and an index inside the dim but for one element: ``size + k`` or
    ``-size - 1 - k`` (outside even where negative indices count from the end; for take, outside the
    flattened tensor)."""
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), label="shape")
    dim = draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    size = int(np.prod(shape)) if entry.name == "take" else shape[dim]
    index_shape = shape if entry.full else (draw(st.integers(1, 4), label="index length"),)
    values = np.array(draw(st.lists(st.integers(0, size - 1), min_size=int(np.prod(index_shape)),
                                    max_size=int(np.prod(index_shape))), label="index")).reshape(index_shape)
    where = tuple(draw(st.integers(0, s - 1), label="bad position") for s in index_shape)
    values[where] = draw(st.one_of(st.integers(size, size + 3), st.integers(-size - 4, -size - 1)), label="bad index")
    x = torch.arange(int(np.prod(shape)), dtype=torch.float32, device=device).reshape(shape)
    return x, dim, torch.from_numpy(values).to(device)


@over(FAMILY, "out-of-range-raises", OUT_OF_RANGE, rule=OUT_OF_RANGE_DOC)
@pytest.mark.filterwarnings(r"ignore:index_reduce\(\) is in beta")
@given(data=st.data())
def test_out_of_range_index_raises(device, op, data):
    """An index value outside the indexed dim (past its end, or before its start counting from the end)
    raises IndexError or RuntimeError ("index ... is out of bounds for dimension ..."), as numpy raises
    IndexError, rather than reading or writing an element the index does not name."""
    x, dim, index = data.draw(out_of_range_case(op, devices.target(device).device), label="case")
    try:
        result = op.call(x, dim, index)
    except op.error:
        return
    raise AssertionError(f"{op.name} with index {index.tolist()} along dim {dim} of shape {tuple(x.shape)}: "
                         f"no error; result {result.tolist() if result.numel() < 20 else tuple(result.shape)}")
