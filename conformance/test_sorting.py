"""Sorting and cumulative ops: each op's own documented rules, against numpy's sorts and running sums.

The universal invariants (``test_ops.py``) check that the routes, layouts, meta, vmap and out= of these
ops agree with one another; these tests check what the results are: a stable sort keeps equal elements
in order, sorted values are ordered and the indices gather them, topk / kthvalue / median pick numpy's
order statistics (the lower median of an even count), running sums and products are numpy's, and the
index of a running extremum points at it.  Values are drawn on coarse grids where ties are the point
(stable sort, ordering), and as integers (or integer-valued floats) where sums must be exact.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance import devices
from conformance.ops import Domain, Sizes, doc
from conformance.ops.cumulative import running_extreme
from conformance.ops.sorting import lower_median_position, order
from conformance.ops_helpers import draw_tensor
from conformance.oracles import assert_equal, to_numpy
from strategies import LAYOUTS, supported

invariant = functools.partial(pytest.mark.invariant, "sorting")

SORT_DOC = doc("torch.sort")
TOPK_DOC = doc("torch.topk")
KTHVALUE_DOC = doc("torch.kthvalue")
MEDIAN_DOC = doc("torch.median")
CUMSUM_DOC = doc("torch.cumsum")
CUMPROD_DOC = doc("torch.cumprod")
CUMMAX_DOC = doc("torch.cummax")
CUMMIN_DOC = doc("torch.cummin")

ORDERED = ("float", "int", "uint")
TIES = Domain(-0.49, 3.49, integers=(0, 3), grid=1.0)  # values 0..3: many equal elements
SPREAD = Domain(-10.0, 10.0, integers=(-20, 20))  # few equal elements (integers now and then)
UNIQUE = Domain(-10.0, 10.0, unique=True, integers=(-100, 100))
SMALL_INTEGERS = Domain(-10.49, 10.49, integers=(-10, 10), grid=1.0)  # sums of 5 stay exact in every dtype
FACTORS = Domain(-2.49, 2.49, integers=(-2, 2), grid=1.0)  # -2..2: products of 5 are exact in every dtype


def draw_input(data, device, kinds, domain: Domain, min_dims: int = 0, zero_size: bool = False,
               max_numel: int = 64):
    """A tensor of a dtype of ``kinds`` the device holds, values from ``domain``, any layout; a dim of it
    (negative ones too)."""
    target = devices.target(device)
    dtype = data.draw(st.sampled_from(supported(target.device, kinds)), label="dtype")
    shape = data.draw(Sizes(max_numel).shape(min_dims=min_dims, zero_size=zero_size), label="shape")
    x = draw_tensor(data, dtype, shape, target.device, domain, LAYOUTS, "x")
    ndim = max(x.dim(), 1)
    return x, data.draw(st.integers(-ndim, ndim - 1), label="dim")


def along(a: np.ndarray, dim: int) -> tuple[np.ndarray, int]:
    """``a`` as numpy sees a torch tensor's dim: a 0-d array as one element along axis 0."""
    return (a.reshape(1), 0) if a.ndim == 0 else (a, dim % a.ndim)


def shaped_like(result: np.ndarray, x: torch.Tensor) -> np.ndarray:
    return result.reshape(()) if x.dim() == 0 else result


def expected_tensor(expected: np.ndarray, like: torch.Tensor) -> torch.Tensor:
    """numpy's result as a cpu tensor of ``like``'s dtype (numpy holds bfloat16 as float32, exactly)."""
    return torch.from_numpy(np.array(expected)).to(like.dtype)


def gathered(x: torch.Tensor, dim: int, indices: torch.Tensor) -> torch.Tensor:
    """x's elements at ``indices`` along ``dim`` (0-d: the one element)."""
    if x.dim() == 0:
        return x.reshape(1).gather(0, indices.reshape(1)).reshape(indices.shape)
    return x.gather(dim, indices)


# ---------------------------------------------------------------------------
# sort
# ---------------------------------------------------------------------------

@invariant("stable-sort-keeps-equal-order", source=SORT_DOC)
@given(data=st.data())
def test_stable_sort_keeps_the_order_of_equal_elements(device, data):
    """``sort(stable=True)`` "makes the sorting routine stable, which guarantees that the order of equivalent
    elements is preserved": on values with many ties, ascending or descending, its indices are numpy's
    stable sorting permutation (equal elements in their input order)."""
    x, dim = draw_input(data, device, ORDERED + ("bool",), TIES)
    descending = data.draw(st.booleans(), label="descending")
    with devices.target(device).context():
        values, indices = torch.sort(x, stable=True, dim=dim, descending=descending)
    a, axis = along(to_numpy(x), dim)
    expected = shaped_like(order(a, axis, descending), x)
    assert_equal(indices.cpu(), expected_tensor(expected, indices),
                 msg=f"sort(stable=True, descending={descending}) reordered equal elements along dim {dim}")


@invariant("sort-ordered-and-gathers", source=SORT_DOC)
@given(data=st.data())
def test_sort_values_are_ordered_and_the_indices_gather_them(device, data):
    """``sort`` returns "(values, indices) where the values are the sorted values and indices are the indices
    of the elements in the original input tensor": values are numpy's sort of the input along the dim
    (reversed when descending), and ``x.gather(dim, indices)`` is those values, stable or not, ties included."""
    x, dim = draw_input(data, device, ORDERED + ("bool",), data.draw(st.sampled_from([TIES, SPREAD]), label="values"))
    kwargs = {"dim": dim, "descending": data.draw(st.booleans(), label="descending")}
    if data.draw(st.booleans(), label="stable given"):
        kwargs["stable"] = data.draw(st.booleans(), label="stable")
    with devices.target(device).context():
        values, indices = torch.sort(x, **kwargs)
    a, axis = along(to_numpy(x), dim)
    expected = np.take_along_axis(a, order(a, axis, kwargs["descending"]), axis)
    assert_equal(values.cpu(), expected_tensor(shaped_like(expected, x), values), msg=f"sort({kwargs}) values")
    assert_equal(gathered(x, dim, indices).cpu(), values.cpu(), msg=f"sort({kwargs}): x at the indices")


# ---------------------------------------------------------------------------
# topk, kthvalue, median
# ---------------------------------------------------------------------------

@invariant("topk-sorted-top-k", source=TOPK_DOC)
@given(data=st.data())
def test_topk_sorted_gives_the_top_k_of_a_sort_and_indices_that_gather_them(device, data):
    """``topk(k, dim, largest, sorted=True)``: "the k largest elements ... If largest is False then the k
    smallest"; "sorted: control whether to return the elements in sorted order": the values are the first
    k of numpy's sort (descending when largest), the indices are k distinct positions holding them."""
    x, dim = draw_input(data, device, ORDERED, data.draw(st.sampled_from([TIES, SPREAD]), label="values"))
    side = x.shape[dim] if x.dim() else 1
    k = data.draw(st.integers(1 if x.dim() == 0 else 0, side), label="k")
    largest = data.draw(st.booleans(), label="largest")
    with devices.target(device).context():
        values, indices = torch.topk(x, k, dim=dim, largest=largest, sorted=True)
    a, axis = along(to_numpy(x), dim)
    expected = np.take(np.take_along_axis(a, order(a, axis, descending=largest), axis), np.arange(k), axis=axis)
    assert_equal(values.cpu(), expected_tensor(shaped_like(expected, x), values),
                 msg=f"topk(k={k}, dim={dim}, largest={largest}, sorted=True) values")
    assert_equal(gathered(x, dim, indices).cpu(), values.cpu(), msg="topk: x at the indices")
    taken = np.sort(along(to_numpy(indices), dim)[0], axis=axis)
    assert (np.diff(taken, axis=axis) != 0).all(), "topk took one position twice"


@invariant("kthvalue-kth-smallest", source=KTHVALUE_DOC)
@given(data=st.data())
def test_kthvalue_is_the_kth_smallest(device, data):
    """``kthvalue(k, dim)`` returns "the k th smallest element of each row of the input tensor in the given
    dimension dim. And indices is the index location of each element found": numpy's sort at position k - 1
    (1-based k), and ``x.gather(dim, indices)`` is that value."""
    x, dim = draw_input(data, device, ORDERED, SPREAD)
    side = x.shape[dim] if x.dim() else 1
    k = data.draw(st.integers(1, side), label="k")
    keepdim = data.draw(st.booleans(), label="keepdim")
    with devices.target(device).context():
        values, indices = torch.kthvalue(x, k, dim=dim, keepdim=keepdim)
    a, axis = along(to_numpy(x), dim)
    expected = np.take(np.sort(a, axis=axis), [k - 1], axis=axis)  # the dim kept, of size 1
    expected = expected if keepdim and x.dim() else np.squeeze(expected, axis)
    assert_equal(values.cpu(), expected_tensor(expected, values),
                 msg=f"kthvalue(k={k}, dim={dim}) of a dim of size {side}")
    kept = indices if keepdim or x.dim() == 0 else indices.unsqueeze(dim)
    assert_equal(gathered(x, dim, kept).reshape(values.shape).cpu(), values.cpu(), msg="kthvalue: x at the index")


MEDIANS = {
    "all": lambda x, dim: (torch.median(x), None),
    "dim": lambda x, dim: tuple(torch.median(x, dim)),
}


@invariant("median-lower", source=MEDIAN_DOC)
@pytest.mark.parametrize("variant", sorted(MEDIANS))
@given(data=st.data())
def test_median_is_the_lower_median(device, variant, data):
    """``median``: "The median is not unique for input tensors with an even number of elements ... In this case
    the lower of the two medians is returned": numpy's sort at position (n - 1) // 2, over all elements or along
    ``dim`` (whose index gathers it)."""
    x, dim = draw_input(data, device, ORDERED, UNIQUE)
    with devices.target(device).context():
        values, indices = MEDIANS[variant](x, dim)
    a = to_numpy(x)
    if variant == "all":
        flat = np.sort(a.reshape(-1))
        expected = np.array(flat[lower_median_position(flat.size)])
    else:
        b, axis = along(a, dim)
        expected = np.take(np.sort(b, axis=axis), lower_median_position(b.shape[axis]), axis=axis)
        kept = indices if x.dim() == 0 else indices.unsqueeze(dim)
        assert_equal(gathered(x, dim, kept).reshape(values.shape).cpu(), values.cpu(), msg="median(dim): x at the index")
    assert_equal(values.cpu(), expected_tensor(expected, values),
                 msg=f"median ({variant}) of {tuple(x.shape)} along {dim}")


# ---------------------------------------------------------------------------
# Running sums, products and extrema
# ---------------------------------------------------------------------------

RUNNING = {"cumsum": (np.cumsum, SMALL_INTEGERS, CUMSUM_DOC), "cumprod": (np.cumprod, FACTORS, CUMPROD_DOC)}


@invariant("running-sum-product", source=CUMSUM_DOC + " ; " + CUMPROD_DOC)
@pytest.mark.parametrize("op", sorted(RUNNING))
@given(data=st.data())
def test_cumsum_and_cumprod_are_numpys_running_sum_and_product(device, op, data):
    """``cumsum``: "y_i = x_1 + x_2 + ... + x_i"; ``cumprod``: "y_i = x_1 * x_2 * ... * x_i", along ``dim``:
    numpy's running sum / product, exactly -- on integers (accumulated in int64) and integer-valued floats
    whose partial results are exact in every dtype."""
    reference, domain, _ = RUNNING[op]
    x, dim = draw_input(data, device, ("float", "int", "uint", "bool"), domain, zero_size=True)
    with devices.target(device).context():
        got = getattr(torch, op)(x, dim)
    a, axis = along(to_numpy(x).astype(np.float64 if x.is_floating_point() else np.int64), dim)
    expected = shaped_like(reference(a, axis=axis), x)
    assert_equal(got.cpu(), expected_tensor(expected, got),
                 msg=f"{op} along dim {dim} of {tuple(x.shape)}")


EXTREMES = {"cummax": (True, CUMMAX_DOC), "cummin": (False, CUMMIN_DOC)}


@invariant("running-extreme-index", source=CUMMAX_DOC + " ; " + CUMMIN_DOC)
@pytest.mark.parametrize("op", sorted(EXTREMES))
@given(data=st.data())
def test_cummax_and_cummin_indices_point_at_the_running_extreme(device, op, data):
    """``cummax``/``cummin``: "values is the cumulative maximum (minimum) of elements of input in the dimension
    dim. And indices is the index location of each maximum (minimum) value found in the dimension dim": the
    values are numpy's running maximum (minimum), and each index i points at an element at or before i that
    holds it (ties included)."""
    largest, _ = EXTREMES[op]
    x, dim = draw_input(data, device, ORDERED, data.draw(st.sampled_from([TIES, SPREAD]), label="values"),
                        zero_size=True)
    with devices.target(device).context():
        values, indices = getattr(torch, op)(x, dim)
    a, axis = along(to_numpy(x), dim)
    expected, _ = running_extreme(a, axis, largest)
    assert_equal(values.cpu(), expected_tensor(shaped_like(expected, x), values),
                 msg=f"{op} values along dim {dim}")
    assert_equal(gathered(x, dim, indices).cpu(), values.cpu(), msg=f"{op}: x at the indices")
    positions = np.arange(a.shape[axis]).reshape([-1 if d == axis else 1 for d in range(a.ndim)])
    assert (along(to_numpy(indices), dim)[0] <= positions).all(), f"{op}: an index past its own position"
