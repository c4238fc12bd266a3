"""Rearranging, extremum-along-a-dim, nan-ignoring and factory ops: each op's own documented rules,
against numpy (float64, int64 or bool arrays of the same values).

The universal invariants (``test_ops.py``) check that the routes, layouts, meta, vmap and out= of these
ops agree with one another; these tests check what the results are: flip, roll, rot90, tril/triu,
diagonal/diag, repeat_interleave and tile are numpy's functions of the same names, bitwise; max/min along a
dim give numpy's max and the index of the (unique) extremum; nansum/nanmean ignore NaNs as numpy's do; the
factories that take no tensor (torch.full, arange, scalar_tensor, empty_strided, empty) and Tensor.item
give the documented shapes, strides and values.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance import devices
from conformance.ops import Domain, Sizes, doc
from conformance.ops_helpers import draw_tensor, mapped, wide_numpy
from conformance.oracles import assert_equal
from strategies import LAYOUTS, supported

invariant = functools.partial(pytest.mark.invariant, "rearrange")

EVERY_KIND = ("float", "complex", "int", "uint", "bool")
ORDERED = ("float", "int", "uint")
ANY_VALUES = Domain(-3.0, 3.0)
UNIQUE = Domain(-10.0, 10.0, unique=True, integers=(-100, 100))  # one extremum per row: its index is unique
SUMMABLE = Domain(0.5, 4.49, integers=(0, 4), grid=1.0)  # integers 0..4: sums of 48 stay exact in every float dtype


def draw_input(data, device, kinds, domain: Domain = ANY_VALUES, min_dims: int = 0, max_dims: int = 4,
               max_numel: int = 48) -> torch.Tensor:
    """A tensor of a dtype of ``kinds`` the device holds, values from ``domain``, any layout (zero-size too)."""
    target = devices.target(device)
    dtype = data.draw(st.sampled_from(supported(target.device, kinds)), label="dtype")
    shape = data.draw(Sizes(max_numel).shape(min_dims=min_dims, max_dims=max_dims), label="shape")
    return draw_tensor(data, dtype, shape, target.device, domain, LAYOUTS, "x")


def dims_of(data, ndim: int, min_size: int = 0, max_size: int | None = None, label: str = "dims") -> tuple:
    """Distinct dims of an ``ndim``-dim tensor, each negative or not."""
    chosen = data.draw(st.lists(st.integers(0, ndim - 1), min_size=min_size,
                                max_size=ndim if max_size is None else max_size, unique=True), label=label)
    return tuple(d - ndim if data.draw(st.booleans(), label="negative") else d for d in chosen)


def assert_numpys(result: torch.Tensor, expected, what: str) -> None:
    """``result`` equals numpy's ``expected`` bitwise, as a tensor of the result's dtype."""
    assert_equal(result.detach().cpu(), torch.from_numpy(np.array(expected)).to(result.dtype), msg=what)


# ---------------------------------------------------------------------------
# Rearranging: numpy's functions of the same names
# ---------------------------------------------------------------------------

@invariant("flip-is-numpy-flip", source=doc("torch.flip"))
@given(data=st.data())
def test_flip_equals_numpy_flip(device, data):
    """"Reverse the order of an n-D tensor along given axis in dims" -- torch.flip's doc compares it with
    numpy's np.flip: the same elements in the same places, bitwise."""
    x = draw_input(data, device, EVERY_KIND, min_dims=1)
    dims = dims_of(data, x.dim(), min_size=1)
    assert_numpys(torch.flip(x, dims), np.flip(wide_numpy(x), dims), f"flip(dims={dims}) against numpy.flip")


@invariant("roll-is-numpy-roll", source=doc("torch.roll"))
@given(data=st.data())
def test_roll_equals_numpy_roll(device, data):
    """"Elements that are shifted beyond the last position are re-introduced at the first position. If dims is
    None, the tensor will be flattened before rolling and then restored to the original shape": numpy.roll,
    over one or more dims and over the flattened tensor."""
    x = draw_input(data, device, EVERY_KIND, min_dims=1)
    if data.draw(st.booleans(), label="flattened"):
        shifts, dims = data.draw(st.integers(-9, 9), label="shifts"), None
        got = torch.roll(x, shifts)
    else:
        dims = dims_of(data, x.dim(), min_size=1)
        shifts = tuple(data.draw(st.integers(-9, 9), label="shift") for _ in dims)
        got = torch.roll(x, shifts, dims)
    assert_numpys(got, np.roll(wide_numpy(x), shifts, axis=dims), f"roll({shifts}, dims={dims}) against numpy.roll")


@invariant("rot90-is-numpy-rot90", source=doc("torch.rot90"))
@given(data=st.data())
def test_rot90_equals_numpy_rot90(device, data):
    """"Rotate an n-D tensor by 90 degrees in the plane specified by dims axis. Rotation direction is from the
    first towards the second axis if k > 0, and from the second towards the first for k < 0": numpy.rot90's
    rule for every k (negative and beyond 4) and pair of dims."""
    x = draw_input(data, device, EVERY_KIND, min_dims=2)
    k = data.draw(st.integers(-6, 6), label="k")
    dims = dims_of(data, x.dim(), min_size=2, max_size=2)
    assert_numpys(torch.rot90(x, k, dims), np.rot90(wide_numpy(x), k, dims), f"rot90(k={k}, dims={dims})")


@invariant("tril-triu-are-numpys", source=doc("torch.tril") + " ; " + doc("torch.triu"))
@pytest.mark.parametrize("name", ["tril", "triu"])
@given(data=st.data())
def test_triangle_equals_numpys(device, name, data):
    """tril keeps "the elements on and below the diagonal", triu "on and above", of each matrix of a batch; the
    diagonal offset moves it ("A positive value includes just as many diagonals above the main diagonal"):
    numpy.tril / numpy.triu over the last two dims."""
    x = draw_input(data, device, EVERY_KIND, min_dims=2)
    diagonal = data.draw(st.integers(-5, 5), label="diagonal")
    assert_numpys(getattr(torch, name)(x, diagonal), getattr(np, name)(wide_numpy(x), diagonal),
                  f"{name}(diagonal={diagonal}) against numpy.{name}")


@invariant("diagonal-is-numpys", source=doc("torch.diagonal") + " ; " + doc("torch.diag"))
@given(data=st.data())
def test_diagonal_and_diag_equal_numpys(device, data):
    """torch.diagonal(x, offset, dim1, dim2) is numpy.diagonal (the diagonal "appended as a dimension at the
    end of the shape"); torch.diag of a matrix is its offset diagonal, of a vector the square matrix with it on
    that diagonal: numpy.diag."""
    x = draw_input(data, device, EVERY_KIND, min_dims=1, max_dims=3)
    offset = data.draw(st.integers(-4, 4), label="offset")
    a = wide_numpy(x)
    if x.dim() <= 2 and data.draw(st.booleans(), label="torch.diag"):
        assert_numpys(torch.diag(x, offset), np.diag(a, offset), f"diag(diagonal={offset}) against numpy.diag")
        return
    if x.dim() < 2:
        x, a = x.unsqueeze(0), a[None]
    dim1, dim2 = dims_of(data, x.dim(), min_size=2, max_size=2)
    assert_numpys(torch.diagonal(x, offset, dim1, dim2), np.diagonal(a, offset, dim1, dim2),
                  f"diagonal(offset={offset}, dim1={dim1}, dim2={dim2}) against numpy.diagonal")


@invariant("repeat-interleave-is-numpy-repeat", source=doc("torch.repeat_interleave"))
@given(data=st.data())
def test_repeat_interleave_equals_numpy_repeat(device, data):
    """"Repeat elements of a tensor ... This is different from torch.Tensor.repeat() but similar to
    numpy.repeat": an int or a tensor of repeats (one per element along dim, or one for all), along a dim or
    over the flattened tensor."""
    x = draw_input(data, device, EVERY_KIND, max_dims=3, max_numel=24)
    flattened = x.dim() == 0 or data.draw(st.booleans(), label="flattened")
    dim = None if flattened else data.draw(st.integers(-x.dim(), x.dim() - 1), label="dim")
    count = x.numel() if flattened else x.shape[dim]
    if data.draw(st.booleans(), label="tensor repeats"):
        repeats = data.draw(st.lists(st.integers(0, 3), min_size=count, max_size=count), label="repeats")
        got = torch.repeat_interleave(x, torch.tensor(repeats, dtype=torch.int64, device=x.device), dim=dim)
    else:
        repeats = data.draw(st.integers(0, 3), label="repeats")
        got = torch.repeat_interleave(x, repeats, dim=dim)
    expected = np.repeat(wide_numpy(x), repeats, axis=dim)
    assert_numpys(got, expected, f"repeat_interleave({repeats}, dim={dim}) against numpy.repeat")


@invariant("tile-is-numpy-tile", source=doc("torch.tile"))
@given(data=st.data())
def test_tile_equals_numpy_tile(device, data):
    """"If dims specifies fewer dimensions than input has, then ones are prepended to dims. Similarly, if input
    has fewer dimensions than dims specifies, then input is treated as if it were unsqueezed at dimension zero
    until it has as many dimensions as dims specifies" -- "Analogous to NumPy's tile"."""
    x = draw_input(data, device, EVERY_KIND, max_dims=3, max_numel=12)
    reps = tuple(data.draw(st.lists(st.integers(0, 3), max_size=4), label="dims"))
    assert_numpys(torch.tile(x, reps), np.tile(wide_numpy(x), reps), f"tile({reps}) against numpy.tile")


# ---------------------------------------------------------------------------
# Extrema along a dim; nan-ignoring reductions
# ---------------------------------------------------------------------------

@invariant("max-min-dim", source=doc("torch.max") + " ; " + doc("torch.min"))
@pytest.mark.parametrize("name", ["max", "min"])
@given(data=st.data())
def test_extremum_along_a_dim_gives_numpys_value_and_its_index(device, name, data):
    """torch.max(input, dim, keepdim) "returns a namedtuple (values, indices) where values is the maximum value
    of each row of the input tensor in the given dimension dim. And indices is the index location of each
    maximum value found (argmax)" (torch.min: the minimum, argmin): with distinct values, numpy's max/min and
    argmax/argmin, keepdim keeping the reduced dim with size 1; a 0-d tensor is its own extremum at index 0."""
    x = draw_input(data, device, ORDERED, UNIQUE)
    ndim = max(x.dim(), 1)
    dim = data.draw(st.integers(-ndim, ndim - 1), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    a = wide_numpy(x)
    if a.ndim == 0:
        a = a.reshape(1)
    if a.shape[dim] == 0:
        with pytest.raises((IndexError, RuntimeError)):
            getattr(torch, name)(x, dim, keepdim)
        return
    values, indices = getattr(torch, name)(x, dim, keepdim)
    want_values = getattr(np, name)(a, axis=dim, keepdims=keepdim)
    want_indices = getattr(np, f"arg{name}")(a, axis=dim, keepdims=keepdim)
    if x.dim() == 0:
        want_values, want_indices = want_values.reshape(()), want_indices.reshape(())
    assert_numpys(values, want_values, f"torch.{name}(dim={dim}, keepdim={keepdim}).values against numpy.{name}")
    assert indices.dtype == torch.int64, f"torch.{name} indices of dtype {indices.dtype}"
    assert_numpys(indices, want_indices, f"torch.{name}(dim={dim}, keepdim={keepdim}).indices against numpy.arg{name}")


def with_nans(data, x: torch.Tensor) -> torch.Tensor:
    """``x`` (same layout) with some elements NaN: each storage cell is NaN with probability about a third."""
    pattern = data.draw(st.lists(st.booleans(), min_size=3, max_size=3), label="NaN pattern")

    def spoil(storage):
        mask = torch.tensor(pattern, device=storage.device).repeat(storage.numel() // 3 + 1)[:storage.numel()]
        return storage.masked_fill(mask.reshape(storage.shape), float("nan"))
    return mapped(x, spoil)


@invariant("nan-reductions-are-numpys", source=doc("torch.nansum") + " ; " + doc("torch.nanmean"))
@pytest.mark.parametrize("name", ["nansum", "nanmean"])
@given(data=st.data())
def test_nan_reductions_equal_numpys(device, name, data):
    """nansum "treats Not a Numbers (NaNs) as zero"; nanmean computes "the mean of all non-NaN elements"
    (NaN where a row has none): numpy.nansum / numpy.nanmean of the same values (float64), within the result
    dtype's default tolerance, NaN where numpy gives NaN.  The values are small integers: the sums are exact, so
    nothing but the mean's one division rounds."""
    x = with_nans(data, draw_input(data, device, ("float",), SUMMABLE))
    ndim = max(x.dim(), 1)
    dim = None if data.draw(st.booleans(), label="all dims") else dims_of(data, ndim, min_size=1)
    a = wide_numpy(x)
    axis = None if dim is None or a.ndim == 0 else dim
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's "Mean of empty slice": the NaN is the point
        expected = getattr(np, name)(a, axis=axis)
    got = getattr(torch, name)(x) if dim is None else getattr(torch, name)(x, dim)
    torch.testing.assert_close(got.cpu(), torch.from_numpy(np.array(expected)).to(got.dtype), equal_nan=True,
                               msg=lambda m: f"{name}(dim={dim}) against numpy.{name}: {m}")


# ---------------------------------------------------------------------------
# Factories that take no tensor, and Tensor.item
# ---------------------------------------------------------------------------

def factory_dtype(data, device, kinds=EVERY_KIND) -> torch.dtype:
    return data.draw(st.sampled_from(supported(devices.target(device).device, kinds)), label="dtype")


@invariant("full-is-numpy-full", source=doc("torch.full"))
@given(data=st.data())
def test_full_equals_numpy_full(device, data):
    """torch.full(size, fill_value, dtype=...) "creates a tensor of size size filled with fill_value":
    numpy.full's shape and values, in the dtype asked for."""
    dtype = factory_dtype(data, device)
    size = data.draw(Sizes(48).shape(), label="size")
    value = data.draw(st.sampled_from([0, 1, 3, 0.5, 2.5, True]), label="fill_value")
    got = torch.full(size, value, dtype=dtype, device=devices.target(device).device)
    assert got.dtype == dtype, f"torch.full(dtype={dtype}) gave {got.dtype}"
    assert_numpys(got, np.full(size, value), f"full({size}, {value!r}) against numpy.full")


@invariant("arange-is-numpy-arange", source=doc("torch.arange"))
@given(data=st.data())
def test_arange_equals_numpy_arange(device, data):
    """torch.arange(start, end, step) has "ceil((end - start) / step)" values "from the interval [start, end)
    taken with common difference step beginning from start": numpy.arange of the same integers (a negative
    step counts down; start == end gives no values)."""
    start = data.draw(st.integers(-10, 10), label="start")
    step = data.draw(st.sampled_from([-4, -3, -2, -1, 1, 2, 3, 4]), label="step")
    count = data.draw(st.integers(0, 6), label="count")
    # an end on the side the step goes to (torch raises for the other side), short of the next value by 0..|step|-1
    short = data.draw(st.integers(0, abs(step) - 1), label="short by") if count else 0
    end = start + step * count - (1 if step > 0 else -1) * short
    dtype = factory_dtype(data, device, ("float", "int"))
    got = torch.arange(start, end, step, dtype=dtype, device=devices.target(device).device)
    assert_numpys(got, np.arange(start, end, step), f"arange({start}, {end}, {step}, dtype={dtype})")


@invariant("scalar-tensor-is-0-d", source=doc("torch.scalar_tensor"))
@given(data=st.data())
def test_scalar_tensor_is_a_0d_tensor_of_the_value(device, data):
    """torch.scalar_tensor(s, dtype=...) is a 0-d tensor holding s in that dtype: numpy's 0-d array of s."""
    dtype = factory_dtype(data, device)
    value = data.draw(st.sampled_from([0, 1, 3, 0.5, 2.5, True]), label="s")
    got = torch.scalar_tensor(value, dtype=dtype, device=devices.target(device).device)
    assert got.dtype == dtype, f"scalar_tensor(dtype={dtype}) gave {got.dtype}"
    assert_numpys(got, np.array(value), f"scalar_tensor({value!r}, dtype={dtype})")


@invariant("empty-strided-has-the-strides", source=doc("torch.empty_strided"))
@given(data=st.data())
def test_empty_strided_has_the_given_size_and_strides(device, data):
    """torch.empty_strided(size, stride) "creates a tensor with the specified size and stride": exactly those
    (strides of every dim, sizes of 0 and 1 included) and the dtype asked for."""
    size = data.draw(Sizes(48).shape(), label="size")
    stride = tuple(data.draw(st.lists(st.integers(0, 24), min_size=len(size), max_size=len(size)), label="stride"))
    dtype = factory_dtype(data, device)
    got = torch.empty_strided(size, stride, dtype=dtype, device=devices.target(device).device)
    assert (tuple(got.shape), got.stride(), got.dtype) == (size, stride, dtype), (
        f"empty_strided({size}, {stride}, dtype={dtype}) gave {tuple(got.shape)}, {got.stride()}, {got.dtype}")


@invariant("empty-memory-format", source=doc("torch.empty"))
@given(data=st.data())
def test_empty_has_the_memory_format_asked_for(device, data):
    """torch.empty(size, memory_format=...): the size asked for, contiguous in that format (channels_last: the
    strides of an NHWC layout, "the desired memory format of returned Tensor")."""
    size = data.draw(Sizes(48).shape(min_dims=4, max_dims=4), label="size")
    fmt = data.draw(st.sampled_from([torch.contiguous_format, torch.channels_last]), label="memory_format")
    got = torch.empty(size, memory_format=fmt, device=devices.target(device).device)
    n, c, h, w = size
    expected = (h * w * c, 1, w * c, c) if fmt == torch.channels_last else (c * h * w, h * w, w, 1)
    assert tuple(got.shape) == size and got.is_contiguous(memory_format=fmt), (tuple(got.shape), got.stride())
    if got.numel():  # strides of sides of 1, and of a tensor without elements, address nothing
        addressed = [d for d in range(4) if size[d] > 1]
        assert [got.stride()[d] for d in addressed] == [expected[d] for d in addressed], (
            f"empty({size}, memory_format={fmt}) has strides {got.stride()}, the format's {expected}")


@invariant("item-is-the-element", source=doc("torch.Tensor.item"))
@given(data=st.data())
def test_item_is_the_one_element_as_a_python_number(device, data):
    """Tensor.item() "returns the value of this tensor as a standard Python number. This only works for tensors
    with one element": numpy's .item() of the same value (bool, int, float or complex), of the same Python type."""
    dtype = factory_dtype(data, device)
    shape = data.draw(st.sampled_from([(), (1,), (1, 1)]), label="shape")
    x = draw_tensor(data, dtype, shape, devices.target(device).device, ANY_VALUES, LAYOUTS, "x")
    got = x.item()
    want = wide_numpy(x).item()
    kind = bool if dtype == torch.bool else complex if dtype.is_complex else float if dtype.is_floating_point else int
    assert type(got) is kind, f"{dtype}.item() is a {type(got).__name__}"
    assert got == want, f"{dtype}.item() is {got!r}, the element is {want!r}"
