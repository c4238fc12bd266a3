"""Layout and view family: strides, contiguity, views vs copies, storage offsets.

Each test checks one rule, cites its source, and runs on every device under test.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance import layout_model as model, ops
from conformance.layout_helpers import (contiguous_tensors, non_contiguous_tensors, unviewable_reshapes,
                                        viewable_reshapes)
from conformance.ops import Sizes
from conformance.ops_helpers import draw_case
from conformance.oracles import assert_equal, assert_equal_numpy, layout, owns_distinct_memory, same_storage, to_numpy
from conformance.params import over
from strategies import reshapes, shapes, tensors

invariant = functools.partial(pytest.mark.invariant, "layout")

DOCS = "https://pytorch.org/docs/stable/"
VIEW_DOC = DOCS + "generated/torch.Tensor.view.html"
VIEWS_DOC = DOCS + "tensor_view.html"
CONTIGUOUS_DOC = DOCS + "generated/torch.Tensor.contiguous.html"
IS_CONTIGUOUS_DOC = DOCS + "generated/torch.Tensor.is_contiguous.html"
MEMORY_FORMAT_DOC = DOCS + "tensor_attributes.html#torch-memory-format"
RESHAPE_DOC = DOCS + "generated/torch.reshape.html"
EXPAND_DOC = DOCS + "generated/torch.Tensor.expand.html"
NARROW_DOC = DOCS + "generated/torch.narrow.html"
SEED_VIEW = "seed 000 (torch.Tensor.view) and seed 004 (view vs reshape, contiguous)"


# ---------------------------------------------------------------------------
# Contiguity and view compatibility against the reference model
# ---------------------------------------------------------------------------

@invariant("is-contiguous-model", source=IS_CONTIGUOUS_DOC)
@given(data=st.data())
def test_is_contiguous_matches_model(device, data):
    x = data.draw(tensors(device=device), label="x")
    assert x.is_contiguous() == model.is_contiguous(x.shape, x.stride())


@invariant("channels-last-model", source=MEMORY_FORMAT_DOC)
@given(data=st.data())
def test_channels_last_matches_model(device, data):
    x = data.draw(tensors(shape=shapes(min_dims=4, max_dims=5), device=device), label="x")
    fmt = torch.channels_last if x.dim() == 4 else torch.channels_last_3d
    assert x.is_contiguous(memory_format=fmt) == model.is_channels_last(x.shape, x.stride())


@invariant("view-model", source=VIEW_DOC)
@given(data=st.data())
def test_view_matches_model(device, data):
    """``view`` succeeds exactly when the model says the shapes are compatible, with its strides."""
    x = data.draw(tensors(device=device), label="x")
    new_shape = data.draw(reshapes(tuple(x.shape)), label="new_shape")
    expected = model.view_strides(x.shape, x.stride(), new_shape)
    if expected is None:
        with pytest.raises(RuntimeError, match="view size is not compatible"):
            x.view(new_shape)
    else:
        assert x.view(new_shape).stride() == expected


@invariant("view-shares-storage", source=VIEWS_DOC)
@given(data=st.data())
def test_view_shares_storage_and_values(device, data):
    """A successful view reads the same storage, offset and C-order values as the original."""
    x = data.draw(tensors(device=device), label="x")
    new_shape = data.draw(viewable_reshapes(x), label="new_shape")
    y = x.view(new_shape)
    assert (same_storage(x, y), y.storage_offset()) == (True, x.storage_offset()) or x.numel() == 0
    assert_equal_numpy(y, to_numpy(x).reshape(model.infer_shape(new_shape, x.numel())))


# ---------------------------------------------------------------------------
# The seed example, generalised: transpose breaks contiguity, view(-1) fails, reshape works
# ---------------------------------------------------------------------------

_matrices = shapes(min_dims=2, max_dims=2, min_side=2, zero_size=False)


@invariant("transpose-not-contiguous", source=SEED_VIEW)
@given(data=st.data())
def test_transpose_of_matrix_is_not_contiguous(device, data):
    x = data.draw(tensors(shape=_matrices, device=device, layouts=("contiguous",)), label="x")
    assert x.is_contiguous() and not x.transpose(0, 1).is_contiguous()


@invariant("view-of-transpose-raises", source=SEED_VIEW)
@given(data=st.data())
def test_view_of_transpose_raises_pointing_to_reshape(device, data):
    x = data.draw(tensors(shape=_matrices, device=device, layouts=("contiguous",)), label="x")
    with pytest.raises(RuntimeError, match=r"view size is not compatible .*Use \.reshape\(\.\.\.\) instead"):
        x.transpose(0, 1).view(-1)


@invariant("reshape-of-transpose-copies", source=SEED_VIEW)
@given(data=st.data())
def test_reshape_of_transpose_equals_contiguous_copy(device, data):
    x = data.draw(tensors(shape=_matrices, device=device, layouts=("contiguous",)), label="x")
    t = x.transpose(0, 1)
    flat = t.reshape(-1)
    assert_equal(flat, t.contiguous().view(-1))
    assert owns_distinct_memory(flat, x)


# ---------------------------------------------------------------------------
# Dimension-permuting views: one table, three properties
# ---------------------------------------------------------------------------

PERMUTING_VIEWS = ops.select(lambda op: op.permutation is not None)  # transpose, permute, movedim, t, T, mT, ...


def _permuted_case(data, op, device, zero_size: bool = True):
    """A tensor of any dtype and layout, the view op's arguments, the permutation it applies, and the view."""
    case = draw_case(data, op, device, data.draw(st.sampled_from(op.dtypes(device)), label="dtype"),
                     Sizes(zero_size=zero_size))
    x = case.inputs[0]
    return x, case.kwargs, op.permutation(x.dim(), case.kwargs), op.fn(x, **case.kwargs)


def permuting_views(invariant_id):
    return over("layout", invariant_id, PERMUTING_VIEWS, rule=VIEWS_DOC)


@permuting_views("permuting-view-layout")
@given(data=st.data())
def test_permuting_view_permutes_shape_and_strides(device, op, data):
    x, args, perm, y = _permuted_case(data, op, device)
    assert layout(y) == (tuple(x.shape[p] for p in perm), tuple(x.stride(p) for p in perm), x.storage_offset())


@permuting_views("permuting-view-shares-storage")
@given(data=st.data())
def test_permuting_view_shares_storage(device, op, data):
    x, args, perm, y = _permuted_case(data, op, device, zero_size=False)
    assert same_storage(x, y) and y._base is (x if x._base is None else x._base)


@permuting_views("permuting-view-values")
@given(data=st.data())
def test_permuting_view_values_equal_numpy_transpose(device, op, data):
    x, args, perm, y = _permuted_case(data, op, device)
    assert_equal_numpy(y, np.transpose(to_numpy(x), perm))


# ---------------------------------------------------------------------------
# contiguous() and reshape()
# ---------------------------------------------------------------------------

@invariant("contiguous-returns-self", source=CONTIGUOUS_DOC)
@given(data=st.data())
def test_contiguous_returns_self_when_contiguous(device, data):
    """"If self tensor is already in the specified memory format, this function returns the self tensor." """
    x = data.draw(contiguous_tensors(device), label="x")
    assert x.contiguous() is x


@invariant("contiguous-copies", source=CONTIGUOUS_DOC)
@given(data=st.data())
def test_contiguous_copies_when_not_contiguous(device, data):
    """Otherwise: a new tensor with canonical strides, equal values and memory of its own."""
    x = data.draw(non_contiguous_tensors(device), label="x")
    y = x.contiguous()
    assert y.stride() == model.contiguous_strides(x.shape) and owns_distinct_memory(x, y)
    assert_equal(y, x)


@invariant("reshape-views-when-possible", source=RESHAPE_DOC)
@given(data=st.data())
def test_reshape_is_a_view_when_view_is_possible(device, data):
    """"When possible, the returned tensor will be a view of input" -- with the view's strides."""
    x = data.draw(tensors(device=device, shape=shapes(zero_size=False)), label="x")
    new_shape = data.draw(viewable_reshapes(x), label="new_shape")
    strides = model.view_strides(x.shape, x.stride(), new_shape)
    y = x.reshape(new_shape)
    assert same_storage(x, y) and y.stride() == strides and y.storage_offset() == x.storage_offset()


@invariant("reshape-copies-otherwise", source=RESHAPE_DOC)
@given(data=st.data())
def test_reshape_copies_when_view_is_impossible(device, data):
    x, new_shape = data.draw(unviewable_reshapes(device), label="x, new_shape")
    y = x.reshape(new_shape)
    assert owns_distinct_memory(x, y) and y.is_contiguous()


@invariant("reshape-values", source=RESHAPE_DOC)
@given(data=st.data())
def test_reshape_values_equal_numpy_c_order(device, data):
    x = data.draw(tensors(device=device), label="x")
    new_shape = data.draw(reshapes(tuple(x.shape)), label="new_shape")
    assert_equal_numpy(x.reshape(new_shape), to_numpy(x).reshape(new_shape))


# ---------------------------------------------------------------------------
# expand, slicing and narrow: stride and storage-offset arithmetic
# ---------------------------------------------------------------------------

@st.composite
def _expansions(draw, shape):
    """A target shape ``expand`` accepts: new leading dims, and size-1 dims grown (or kept with -1)."""
    lead = draw(st.lists(st.integers(0, 3), max_size=6 - len(shape)), label="new leading sizes")
    grown = [draw(st.sampled_from([-1, 0, 1, 2, 3]), label="grown size") if s == 1 else
             draw(st.sampled_from([-1, s]), label="kept size") for s in shape]
    return tuple(lead) + tuple(grown)


@invariant("expand-strides", source=EXPAND_DOC)
@given(data=st.data())
def test_expand_gives_stride_zero_on_expanded_dims(device, data):
    """"A dimension of size one is expanded to a larger size by setting the stride to 0"; the rest keep theirs.

    The stride of a size-1 dim addresses nothing, so it is not compared.
    """
    x = data.draw(tensors(device=device), label="x")
    sizes = data.draw(_expansions(tuple(x.shape)), label="sizes")
    y = x.expand(sizes)
    lead = len(sizes) - x.dim()
    shape = sizes[:lead] + tuple(x.shape[d] if s == -1 else s for d, s in enumerate(sizes[lead:]))
    strides = (0,) * lead + tuple(0 if x.shape[d] != shape[lead + d] else x.stride(d) for d in range(x.dim()))
    addressed = [d for d, size in enumerate(shape) if size != 1]
    assert (tuple(y.shape), [y.stride(d) for d in addressed], y.storage_offset()) == \
        (shape, [strides[d] for d in addressed], x.storage_offset())


@invariant("expand-shares-storage", source=EXPAND_DOC)
@given(data=st.data())
def test_expand_shares_storage_and_values(device, data):
    x = data.draw(tensors(device=device), label="x")
    sizes = data.draw(_expansions(tuple(x.shape)), label="sizes")
    y = x.expand(sizes)
    assert same_storage(x, y) or y.numel() == 0 or x.numel() == 0
    assert_equal_numpy(y, np.broadcast_to(to_numpy(x), tuple(y.shape)))


@st.composite
def _slices(draw, shape):
    """A tuple of basic slices, one per dim, with negative and out-of-range bounds and positive steps."""
    bound = st.one_of(st.none(), st.integers(-7, 7))
    return tuple(slice(draw(bound), draw(bound), draw(st.sampled_from([None, 1, 2, 3]))) for _ in shape)


@invariant("slicing-offsets", source=VIEWS_DOC)
@given(data=st.data())
def test_slicing_follows_storage_offset_arithmetic(device, data):
    """Basic slicing is a view: offset += start * stride, stride *= step, size from Python's slice rules."""
    x = data.draw(tensors(device=device), label="x")
    index = data.draw(_slices(tuple(x.shape)), label="index")
    assert layout(x[index]) == model.sliced(x.shape, x.stride(), x.storage_offset(), index)


@invariant("slicing-values", source=VIEWS_DOC)
@given(data=st.data())
def test_slicing_values_equal_numpy(device, data):
    x = data.draw(tensors(device=device), label="x")
    index = data.draw(_slices(tuple(x.shape)), label="index")
    assert_equal_numpy(x[index], to_numpy(x)[index])


@invariant("narrow-offsets", source=NARROW_DOC)
@given(data=st.data())
def test_narrow_is_a_slice_of_one_dim(device, data):
    """``narrow(dim, start, length)`` is ``x[..., start:start + length, ...]`` along ``dim`` (start may be negative)."""
    x = data.draw(tensors(shape=shapes(min_dims=1), device=device), label="x")
    dim = data.draw(st.integers(-x.dim(), x.dim() - 1), label="dim")
    size = x.shape[dim]
    start = data.draw(st.integers(-size, size), label="start")
    length = data.draw(st.integers(0, size - start % size if size and start < 0 else size - start), label="length")
    index = [slice(None)] * x.dim()
    begin = start % size if size and start < 0 else start
    index[dim] = slice(begin, begin + length)
    assert layout(x.narrow(dim, start, length)) == model.sliced(x.shape, x.stride(), x.storage_offset(), index)
