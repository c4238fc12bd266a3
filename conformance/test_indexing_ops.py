"""The index family's own rules, through every route (function, method, in-place method):

* ``index_add`` and ``scatter_add`` accumulate repeated indices (numpy's ``np.add.at``);
* ``index_copy`` writes source slice i to ``index[i]`` whatever the index tensor's layout;
* ``scatter_reduce``'s ``include_self`` decides whether self's values join the reduction;
* an index out of range raises and leaves every operand as it was.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance import devices
from conformance.breadth_helpers import assert_matches_definition
from conformance.ops import REGISTRY
from conformance.ops_helpers import draw_case
from conformance.oracles import assert_equal

FAMILY = "index-ops"
DOCS = "https://pytorch.org/docs/stable/generated/"


# route name -> (op, operand keyword) -> call; the in-place routes write into a copy of self
ROUTES = {
    "function": lambda name, kw: lambda x, operand, **k: getattr(torch, name)(x, **{kw: operand}, **k),
    "method": lambda name, kw: lambda x, operand, **k: getattr(x, name)(**{kw: operand}, **k),
    "inplace": lambda name, kw: lambda x, operand, **k: getattr(x, name + "_")(**{kw: operand}, **k),
}
ACCUMULATING = {"index_add": ("index_add", "source"), "scatter_add": ("scatter_add", "src"),
                "index_copy": ("index_copy", "source"), "scatter_reduce-sum": ("scatter_reduce", "src"),
                "scatter_reduce-amax": ("scatter_reduce", "src"), "scatter_reduce-prod": ("scatter_reduce", "src"),
                "scatter_reduce-mean": ("scatter_reduce", "src")}


def _with_route(op, route):
    name, keyword = ACCUMULATING[op.name]
    from dataclasses import replace
    return replace(op, call=ROUTES[route](name, keyword), mutates=route == "inplace")


@pytest.mark.invariant(FAMILY, "accumulates-repeated-indices",
                       source=DOCS + "torch.Tensor.index_add_.html ; " + DOCS + "torch.Tensor.scatter_add_.html ; "
                       + DOCS + "torch.Tensor.index_copy_.html ; " + DOCS + "torch.Tensor.scatter_reduce_.html")
@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("name", sorted(ACCUMULATING))
@given(data=st.data())
def test_index_ops_follow_their_definition_on_every_route(device, name, route, data):
    """Through the function, the method and the in-place method, each op equals its definition
    written out element by element in numpy: repeated indices accumulate (``index_add``, ``scatter_add``,
    ``scatter_reduce`` with or without ``include_self``), ``index_copy`` puts slice i at ``index[i]``;
    index tensors are drawn in every layout (strided, offset, expanded)."""
    op = _with_route(REGISTRY[name], route)
    dtype = data.draw(st.sampled_from(op.reference_dtypes(devices.target(device).device)), label="dtype")
    assert_matches_definition(op, draw_case(data, op, device, dtype), device)


BAD_INDEX = {
    "index_add_": lambda x, i, dim: x.index_add_(dim, i, torch.ones_like(x.narrow(dim, 0, 1))),
    "index_copy_": lambda x, i, dim: x.index_copy_(dim, i, torch.ones_like(x.narrow(dim, 0, 1))),
    "scatter_": lambda x, i, dim: x.scatter_(dim, i.reshape((1,) * x.dim()), 1),
    "gather": lambda x, i, dim: x.gather(dim, i.reshape((1,) * x.dim())),
    "index_select": lambda x, i, dim: x.index_select(dim, i),
}


@pytest.mark.invariant(FAMILY, "out-of-range-raises", source=DOCS + "torch.Tensor.index_add_.html")
@pytest.mark.parametrize("name", sorted(BAD_INDEX))
@given(data=st.data())
def test_out_of_range_index_raises_and_leaves_operands(device, name, data):
    """An index at or past the size of ``dim`` (or below its negative) raises IndexError or
    RuntimeError, and neither self nor the index changes."""
    target = devices.target(device)
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3), label="shape"))
    dim = data.draw(st.integers(0, len(shape) - 1), label="dim")
    x = torch.arange(float(torch.Size(shape).numel()), device=target.device).reshape(shape)
    bad = data.draw(st.sampled_from([shape[dim], shape[dim] + 2, -shape[dim] - 1]), label="bad index")
    index = torch.tensor([bad], device=target.device)
    before, index_before = x.clone(), index.clone()
    with target.context():
        with pytest.raises((IndexError, RuntimeError)):
            BAD_INDEX[name](x, index, dim)
    assert_equal(x, before, msg=f"{name} changed self although it raised")
    assert_equal(index, index_before, msg=f"{name} changed the index")
