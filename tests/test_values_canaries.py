"""Planted faults the values family must detect -- on torch itself, and on a device under test only."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from conformance import ops, promotion, test_values as values
from conformance.hypothesis_glue import overridden
from tests.canary import CANARY_SETTINGS, assert_caught
from tests.faulty_device import cpu_with_fault, cpu_with_one_wrong_element

REDUCTION = {op.name: op for op in values.REDUCTIONS}
UNARY = values.UNARY_OPS
BINARY = {op.name: op for op in values.BINARY}
INDEX = {op.name: op for op in values.GETITEM}


def test_sum_with_a_wrong_keepdim_is_caught(monkeypatch):
    """A sum that ignores keepdim: the reduced dims vanish even when asked to stay."""
    original = torch.sum
    monkeypatch.setattr(torch, "sum", lambda x, dim=None, keepdim=False: original(x) if dim is None
                        else original(x, dim))
    assert_caught(values.test_reduction_matches_numpy, device="cpu", reference_device="cpu", op=REDUCTION["sum"])


def test_boolean_mask_that_reorders_is_caught(monkeypatch):
    """Masked selection that returns the selected elements last-first instead of in C order."""
    original = torch.Tensor.__getitem__

    def reordering(self, index):
        out = original(self, index)
        parts = index if isinstance(index, tuple) else (index,)
        masked = any(isinstance(p, torch.Tensor) and p.dtype == torch.bool for p in parts)
        return out.flip(0) if masked and out.dim() else out

    monkeypatch.setattr(torch.Tensor, "__getitem__", reordering)
    assert_caught(values.test_getitem_matches_numpy, device="cpu", reference_device="cpu", op=INDEX["getitem-boolean-mask"])


def test_rows_gathered_in_sorted_order_are_caught(monkeypatch):
    """``x[rows]`` with a bare index tensor that gathers the rows in ascending order, not the index's."""
    original = torch.Tensor.__getitem__

    def sorting(self, index):
        if isinstance(index, torch.Tensor) and index.dtype == torch.int64:
            index = index.remainder(max(self.shape[0], 1)).sort().values
        return original(self, index)

    monkeypatch.setattr(torch.Tensor, "__getitem__", sorting)
    failure = assert_caught(values.test_index_rows_matches_numpy, device="cpu", reference_device="cpu",
                            op=ops.get("index"))
    assert "differ bitwise" in str(failure), failure


def test_integer_plus_float_that_stays_integer_is_caught(monkeypatch):
    """``int_tensor + float`` cast back to the integer dtype instead of promoting to float."""
    original = torch.Tensor.__add__

    def integral_add(self, other):
        out = original(self, other)
        floating = isinstance(other, float) or isinstance(other, torch.Tensor) and other.is_floating_point()
        return out.to(self.dtype) if floating and not self.is_floating_point() and not self.is_complex() else out

    monkeypatch.setattr(torch.Tensor, "__add__", integral_add)
    assert_caught(values.test_arithmetic_result_dtype_follows_promotion_table, device="cpu", op=ops.get("add"))


def test_result_type_that_ignores_categories_is_caught(monkeypatch):
    """A result_type that lets a dimensioned integer tensor win over a float scalar."""
    original = torch.result_type
    monkeypatch.setattr(torch, "result_type", lambda a, b: a.dtype if isinstance(a, torch.Tensor) and a.dim()
                        else original(a, b))
    assert_caught(values.test_result_type_follows_promotion_table, device="cpu",
                  op=values.OPERAND_PAIRS[1])


def test_device_only_fault_is_caught_by_the_differential():
    """mul off by 1e-5 (relative) on non-contiguous inputs, on the device under test only: the
    reference device is exact, so the device's elements are outside mul's budget and farther from the
    exact product -- both errors shown."""
    failure = assert_caught(values.test_binary_matches_numpy, device=cpu_with_fault(), reference_device="cpu",
                            op=BINARY["mul"])
    assert "farther from the exact value" in str(failure) and "ulp), cpu " in str(failure), failure


def test_one_wrong_element_beside_an_inf_is_caught_by_the_differential():
    """exp wrong by 1e-3 in one element of a result that holds an inf elsewhere: an aggregate over the
    tensor (largest error: inf on both devices) would pass it; the per-element arbitration does not."""
    failure = assert_caught(values.test_unary_special_values_match_numpy, device=cpu_with_one_wrong_element(),
                            reference_device="cpu", op=UNARY["exp"])
    assert "farther from the exact value" in str(failure), failure


def test_float64_tan_computed_in_float32_is_caught():
    """float64 tan evaluated in float32 and cast back: float32's precision, far outside float64's budget
    (assert_close's float64 defaults, rtol 1e-7, accepted it)."""
    op = replace(UNARY["tan"], call=lambda x: torch.tan(x.float()).to(x.dtype) if x.dtype == torch.float64
                 else torch.tan(x))
    failure = assert_caught(values.test_unary_matches_numpy, device="cpu", reference_device="cpu", op=op)
    assert "tan (torch.float64) outside the ULP budget" in str(failure), failure


def test_int16_prod_that_keeps_int16_and_wraps_is_caught(monkeypatch):
    """An integer prod that keeps int16 (wrapping) instead of giving int64: the documented dtype is asserted."""
    original = torch.prod
    monkeypatch.setattr(torch, "prod", lambda x, *args, **kwargs: original(x, *args, **kwargs).to(x.dtype)
                        if x.dtype == torch.int16 else original(x, *args, **kwargs))
    failure = assert_caught(values.test_reduction_matches_numpy, device="cpu", reference_device="cpu",
                            op=REDUCTION["prod"])
    assert "dtype torch.int16; the documented result dtype is torch.int64" in str(failure), failure


def test_ceil_of_negative_half_giving_positive_zero_is_caught():
    """ceil(-0.5) returning +0.0 instead of -0.0: exact results are compared bitwise."""
    op = replace(UNARY["ceil"], call=lambda x: torch.where(torch.ceil(x) == 0, torch.zeros_like(x), torch.ceil(x)))
    failure = assert_caught(values.test_unary_matches_numpy, device="cpu", reference_device="cpu", op=op)
    assert "differ bitwise" in str(failure) and ": 0.0, expected -0.0" in str(failure), failure


def test_a_clean_device_passes_the_differential():
    """The same path with a dispatch mode that changes nothing: no false alarm."""
    test = values.test_binary_matches_numpy
    with overridden(test, **CANARY_SETTINGS):
        test(device=cpu_with_fault(relative=0.0), reference_device="cpu", op=BINARY["mul"])


@pytest.mark.parametrize("op", ["sum", "argmax"])
def test_reductions_of_the_wrong_dim_are_caught(monkeypatch, op):
    """A reduction that normalises a negative dim wrongly (-1 counted from the front), in the kernel every route
    shares: the function and the method."""
    original = getattr(torch, op)

    def wrong_dim(x, dim=None, *args, **kwargs):
        if isinstance(dim, int) and dim < 0:
            dim = -dim - 1
        return original(x, dim, *args, **kwargs)

    monkeypatch.setattr(torch, op, wrong_dim)
    monkeypatch.setattr(torch.Tensor, op, wrong_dim)
    assert_caught(values.test_reduction_matches_numpy, device="cpu", reference_device="cpu", op=REDUCTION[op])


@pytest.mark.parametrize("row", promotion.NUMPY_DIFFERENCES, ids=lambda row: f"{row[0]}-{row[1]}")
def test_promotion_table_says_where_numpy_differs(row):
    """Each row the table marks as a numpy difference is one: torch and numpy give what it says."""
    a, b, torch_result, numpy_result, _ = row
    assert torch.promote_types(a, b) == promotion.promote_types(a, b) == torch_result
    assert str(np.result_type(str(a).removeprefix("torch."), str(b).removeprefix("torch."))) == numpy_result
