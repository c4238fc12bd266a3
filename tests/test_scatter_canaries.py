"""Planted faults in the gather/scatter ops that the suite must detect under the ``ci`` profile: one per
op-specific rule (``conformance/test_scatter.py``), and the issue's index_copy_ that writes its source
in reverse order when the index tensor is not contiguous (caught by the universal layout invariant).

Each fault is planted on the public route the test calls (``torch.index_add``, ``Tensor.index_copy_``),
looked up at call time, so the planted route is the one tested.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import settings

from conformance import ops, test_ops, test_scatter as rules
from conformance.ops_helpers import per_op_examples
from tests.canary import assert_caught

OP = ops.REGISTRY
CI_PER_OP = per_op_examples(settings.get_profile("ci"))
OUT_OF_RANGE = {entry.name: entry for entry in rules.OUT_OF_RANGE}


# --- the canary: a layout-dependent index_copy_ ---------------------------------------

def test_index_copy_reversing_its_source_for_a_non_contiguous_index_is_caught(monkeypatch):
    """``index_copy_`` (and ``torch.index_copy``/``Tensor.index_copy``, which the invariants call too)
    writes ``source`` flipped along ``dim`` when ``index`` is not contiguous: the layout invariant draws
    strided index tensors and compares with their contiguous copies."""
    original = torch.Tensor.index_copy_

    def reversed_copy_(self, dim, index, source):
        if not index.is_contiguous():
            source = source.flip(dim)
        return original(self, dim, index, source)

    monkeypatch.setattr(torch.Tensor, "index_copy_", reversed_copy_)
    monkeypatch.setattr(torch.Tensor, "index_copy", lambda self, dim, index, source, **kwargs:
                        reversed_copy_(self.clone(), dim, index, source))
    monkeypatch.setattr(torch, "index_copy", lambda x, dim, index, source, **kwargs:
                        reversed_copy_(x.clone(), dim, index, source))
    failure = assert_caught(test_ops.test_result_does_not_depend_on_input_layout, max_examples=CI_PER_OP,
                            device="cpu", op=OP["index_copy"], kind="float")
    assert "strided inputs' result" in str(failure), failure


# --- one canary per op-specific rule ------------------------------------------------------------

def test_index_add_that_keeps_one_of_repeated_indices_is_caught(monkeypatch):
    """index_add writing each source slice (index_copy's semantics, the last write wins) instead of adding."""
    original = torch.index_add

    def copying(x, dim, index, source, *, alpha=1, **kwargs):
        written = torch.index_copy(torch.zeros_like(x), dim, index, source * alpha)
        touched = torch.index_copy(torch.zeros_like(x, dtype=torch.bool), dim, index,
                                   torch.ones_like(source, dtype=torch.bool))
        return torch.where(touched, x + written, original(x, dim, index, source, alpha=alpha))

    monkeypatch.setattr(torch, "index_add", copying)
    assert_caught(rules.test_index_add_accumulates_duplicate_indices, device="cpu")


def test_scatter_add_that_overwrites_is_caught(monkeypatch):
    """scatter_add with scatter's semantics: one of the values scattered to a position, not their sum."""
    def overwriting(x, dim, index, src):
        part = src[tuple(slice(0, n) for n in index.shape)]
        return torch.scatter(x, dim, index, x.gather(dim, index) + part)  # self + one of the values

    monkeypatch.setattr(torch, "scatter_add", overwriting)
    assert_caught(rules.test_scatter_add_accumulates_duplicate_indices, device="cpu")


def test_index_put_ignoring_accumulate_is_caught(monkeypatch):
    """index_put_(..., accumulate=True) storing the values (the last write wins) instead of adding them."""
    original = torch.Tensor.index_put_
    monkeypatch.setattr(torch.Tensor, "index_put_", lambda self, indices, values, accumulate=False:
                        original(self, indices, values + self[indices] if accumulate else values, False))
    assert_caught(rules.test_index_put_with_accumulate_adds_at_repeated_positions, device="cpu")


@pytest.mark.parametrize("reduce", ["sum", "amax"])
def test_scatter_reduce_ignoring_include_self_is_caught(monkeypatch, reduce):
    """scatter_reduce that always reduces self's own value in (include_self taken as True)."""
    original = torch.scatter_reduce
    monkeypatch.setattr(torch, "scatter_reduce", lambda x, dim, index, src, reduce, *, include_self=True:
                        original(x, dim, index, src, reduce, include_self=True))
    assert_caught(rules.test_scatter_reduce_include_self, device="cpu", reduce=reduce)


def test_gather_counting_from_the_end_is_caught(monkeypatch):
    """gather reading position ``size - 1 - index`` along dim (the index taken from the end)."""
    original = torch.gather
    monkeypatch.setattr(torch, "gather", lambda x, dim, index, **kwargs:
                        original(x, dim, x.shape[dim] - 1 - index, **kwargs))
    assert_caught(rules.test_gather_equals_numpys_take_along_axis, device="cpu")


def test_masked_select_in_column_major_order_is_caught(monkeypatch):
    """masked_select listing the selected elements in column-major (Fortran) order."""
    original = torch.masked_select

    def column_major(x, mask):
        x, mask = torch.broadcast_tensors(x, mask)
        dims = tuple(reversed(range(x.dim())))
        return original(x.permute(dims), mask.permute(dims))

    monkeypatch.setattr(torch, "masked_select", column_major)
    assert_caught(rules.test_masked_select_equals_numpys_boolean_indexing, device="cpu")


def test_take_wrapping_out_of_range_indices_is_caught(monkeypatch):
    """take reading ``index % numel`` instead of raising for an index outside the tensor."""
    original = torch.take
    monkeypatch.setattr(torch, "take", lambda x, index: original(x, index % max(x.numel(), 1)))
    assert_caught(rules.test_out_of_range_index_raises, device="cpu", op=OUT_OF_RANGE["take"])
