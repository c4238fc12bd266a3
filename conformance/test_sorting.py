"""Sorting and selection: the rules each op's documentation states.

* ``sort(stable=True)`` keeps the order of equal elements (ascending and descending), and ``argsort``
  gives the same order;
* ``topk(sorted=True)`` returns its k values sorted, the k largest (smallest), and indices that gather
  them from the input;
* ``kthvalue(k)`` is the k-th smallest element, ``median`` the lower of the two middle ones, each with
  an index that gathers it;
* a ``k`` out of range raises and leaves the input as it was.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance import devices
from conformance.ops import Domain
from conformance.ops_helpers import draw_tensor
from conformance.oracles import assert_equal, to_numpy
from strategies import LAYOUTS, supported

FAMILY = "sorting"
DOCS = "https://pytorch.org/docs/stable/generated/"
TIES = Domain(-0.49, 3.49, integers=(0, 3), grid=1.0)
DISTINCT = Domain(-10.0, 10.0, unique=True, integers=(-100, 100))
KINDS = ("float", "int", "uint")


def _input(data, device, domain, min_side=1):
    target = devices.target(device)
    dtype = data.draw(st.sampled_from(supported(target.device, KINDS)), label="dtype")
    shape = tuple(data.draw(st.lists(st.integers(1, 6), min_size=1, max_size=3), label="shape"))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    shape = shape[:dim % len(shape)] + (max(shape[dim], min_side),) + shape[dim % len(shape) + 1:]
    return draw_tensor(data, dtype, shape, target.device, domain, LAYOUTS, "input"), dim


SORT_ROUTES = {
    "torch.sort": lambda x, dim, descending: torch.sort(x, dim=dim, descending=descending, stable=True),
    "Tensor.sort": lambda x, dim, descending: x.sort(dim=dim, descending=descending, stable=True),
}


@pytest.mark.invariant(FAMILY, "sort-stable", source=DOCS + "torch.sort.html")
@pytest.mark.parametrize("route", sorted(SORT_ROUTES))
@given(data=st.data())
def test_stable_sort_keeps_the_order_of_equal_elements(device, route, data):
    """Sorted values are monotone along ``dim``; among equal values the indices increase ("stable=True
    ... guarantees that the order of equivalent elements is preserved"); the indices gather the
    values; argsort(stable=True) gives the same indices."""
    x, dim = _input(data, device, TIES)
    descending = data.draw(st.booleans(), label="descending")
    with devices.target(device).context():
        values, indices = SORT_ROUTES[route](x, dim, descending)
        order = torch.argsort(x, dim=dim, descending=descending, stable=True)
        gathered = x.gather(dim, indices)
    v, i = np.moveaxis(to_numpy(values).astype(np.float64), dim, -1), np.moveaxis(to_numpy(indices), dim, -1)
    step = np.diff(v, axis=-1)
    assert ((step <= 0) if descending else (step >= 0)).all(), "values are not sorted"
    ties = step == 0
    assert (np.diff(i, axis=-1)[ties] > 0).all(), "equal elements changed their order"
    assert_equal(gathered, values, msg="indices do not gather the sorted values")
    assert_equal(order, indices, msg="argsort(stable=True) differs from sort's indices")


@pytest.mark.invariant(FAMILY, "topk-sorted", source=DOCS + "torch.topk.html")
@given(data=st.data())
def test_topk_returns_the_k_extreme_values_sorted_with_gathering_indices(device, data):
    """``topk(k, largest, sorted=True)``: the k largest (smallest) values in descending (ascending)
    order, equal to the first k of a full sort, and indices such that ``x.gather(dim, indices)`` is
    the values."""
    x, dim = _input(data, device, DISTINCT)
    k = data.draw(st.integers(0, x.shape[dim]), label="k")
    largest = data.draw(st.booleans(), label="largest")
    with devices.target(device).context():
        values, indices = torch.topk(x, k, dim=dim, largest=largest, sorted=True)
        expected = torch.sort(x, dim=dim, descending=largest, stable=True).values.narrow(dim, 0, k)
        assert_equal(values, expected, msg="topk values are not the k extreme values in order")
        assert_equal(x.gather(dim, indices), values, msg="topk indices do not gather its values")


SELECTIONS = {
    "kthvalue": DOCS + "torch.kthvalue.html",
    "median": DOCS + "torch.median.html",
}


@pytest.mark.invariant(FAMILY, "kth-smallest", source=DOCS + "torch.kthvalue.html ; " + DOCS + "torch.median.html")
@pytest.mark.parametrize("which", sorted(SELECTIONS))
@given(data=st.data())
def test_selection_is_the_kth_smallest_element(device, which, data):
    """``kthvalue(k)`` is the k-th smallest element along ``dim`` and ``median`` the ((n - 1) // 2 + 1)-th
    ("the lower of the two medians" for an even n), compared with numpy's sort; the index gathers it."""
    x, dim = _input(data, device, DISTINCT)
    n = x.shape[dim]
    k = data.draw(st.integers(1, n), label="k") if which == "kthvalue" else (n - 1) // 2 + 1
    keepdim = data.draw(st.booleans(), label="keepdim")
    with devices.target(device).context():
        values, indices = (torch.kthvalue(x, k, dim, keepdim) if which == "kthvalue"
                           else torch.median(x, dim, keepdim))
    expected = np.take(np.sort(to_numpy(x), axis=dim), [k - 1], axis=dim)
    if not keepdim:
        expected = expected.squeeze(dim)
    assert_equal(values.cpu(), torch.from_numpy(np.array(expected)).to(values.dtype),
                 msg=f"{which} is not the {k}-th smallest of {n}")
    gathered = x.gather(dim, indices if keepdim else indices.unsqueeze(dim))
    assert_equal(gathered if keepdim else gathered.squeeze(dim), values, msg=f"{which}'s index does not gather it")


@pytest.mark.invariant(FAMILY, "k-out-of-range-raises", source=DOCS + "torch.topk.html")
@given(data=st.data())
def test_k_out_of_range_raises_and_leaves_the_input(device, data):
    """``topk`` and ``kthvalue`` with k beyond the size of ``dim`` raise RuntimeError ("selected index k
    out of range") and leave the input unchanged."""
    x, dim = _input(data, device, DISTINCT)
    before = x.clone()
    k = x.shape[dim] + data.draw(st.integers(1, 3), label="excess")
    op = data.draw(st.sampled_from(["topk", "kthvalue"]), label="op")
    with devices.target(device).context():
        with pytest.raises(RuntimeError):
            getattr(torch, op)(x, k, dim)
    assert_equal(x, before, msg=f"{op} changed its input although it raised")
