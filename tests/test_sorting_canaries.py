"""Planted faults the sorting and cumulative rules (conformance/test_sorting.py) must detect under the ci
profile: each breaks one documented rule where users reach the op (``torch.kthvalue``, ``Tensor.kthvalue``,
``torch.sort``, ...), and the rule's test must fail.
"""

from __future__ import annotations

import torch

from conformance import test_sorting as rules
from tests.canary import assert_caught


def _side(x: torch.Tensor, dim: int) -> int:
    return x.shape[dim] if x.dim() else 1


def test_kthvalue_off_by_one_for_even_sizes_is_caught(monkeypatch):
    """kthvalue returning the (k+1)-th smallest (the (k-1)-th for k = n) along a dim of even size."""
    original = torch.kthvalue

    def off_by_one(x, k, dim=-1, keepdim=False, **kwargs):
        n = _side(x, dim)
        if n % 2 == 0:
            k = k + 1 if k < n else k - 1
        return original(x, k, dim, keepdim, **kwargs)

    monkeypatch.setattr(torch, "kthvalue", off_by_one)
    monkeypatch.setattr(torch.Tensor, "kthvalue", off_by_one)
    failure = assert_caught(rules.test_kthvalue_is_the_kth_smallest, device="cpu")
    assert "kthvalue" in str(failure), failure


def test_unstable_stable_sort_is_caught(monkeypatch):
    """sort(stable=True) putting equal elements in reverse input order (the values still sorted)."""
    original = torch.sort

    def reversed_ties(x, *args, stable=None, dim=-1, descending=False, **kwargs):
        if not stable or x.dim() == 0:
            return original(x, *args, stable=stable, dim=dim, descending=descending, **kwargs)
        values, indices = original(x.flip(dim), stable=True, dim=dim, descending=descending)
        return torch.return_types.sort((values, x.shape[dim] - 1 - indices))

    monkeypatch.setattr(torch, "sort", reversed_ties)
    failure = assert_caught(rules.test_stable_sort_keeps_the_order_of_equal_elements, device="cpu")
    assert "reordered equal elements" in str(failure), failure


def test_sort_indices_that_do_not_gather_the_values_are_caught(monkeypatch):
    """sort returning the sorted values with their indices rotated by one along the dim."""
    original = torch.sort

    def rotated_indices(x, *args, **kwargs):
        values, indices = original(x, *args, **kwargs)
        dim = kwargs.get("dim", -1)
        return torch.return_types.sort((values, indices.roll(1, dim) if indices.dim() else indices))

    monkeypatch.setattr(torch, "sort", rotated_indices)
    failure = assert_caught(rules.test_sort_values_are_ordered_and_the_indices_gather_them, device="cpu")
    assert "at the indices" in str(failure), failure


def test_topk_with_unsorted_output_is_caught(monkeypatch):
    """topk(sorted=True) returning its k elements in reverse order."""
    original = torch.topk

    def reversed_topk(x, k, dim=-1, largest=True, sorted=True, **kwargs):
        values, indices = original(x, k, dim, largest, sorted, **kwargs)
        if x.dim():
            values, indices = values.flip(dim), indices.flip(dim)
        return torch.return_types.topk((values, indices))

    monkeypatch.setattr(torch, "topk", reversed_topk)
    failure = assert_caught(rules.test_topk_sorted_gives_the_top_k_of_a_sort_and_indices_that_gather_them,
                            device="cpu")
    assert "topk" in str(failure), failure


def test_upper_median_for_even_sizes_is_caught(monkeypatch):
    """median over all elements returning the upper of the two medians of an even count."""
    original = torch.median

    def upper(x, *args, **kwargs):
        if args or kwargs or x.numel() % 2:
            return original(x, *args, **kwargs)
        return torch.kthvalue(x.reshape(-1), x.numel() // 2 + 1).values

    monkeypatch.setattr(torch, "median", upper)
    failure = assert_caught(rules.test_median_is_the_lower_median, device="cpu", variant="all")
    assert "median" in str(failure), failure


def test_upper_median_along_a_dim_is_caught(monkeypatch):
    """median(dim) returning the upper of the two medians along a dim of even size."""
    original = torch.median

    def upper(x, dim=None, keepdim=False):
        if dim is None or _side(x, dim) % 2:
            return original(x) if dim is None else original(x, dim, keepdim)
        return torch.kthvalue(x, _side(x, dim) // 2 + 1, dim, keepdim)

    monkeypatch.setattr(torch, "median", upper)
    failure = assert_caught(rules.test_median_is_the_lower_median, device="cpu", variant="dim")
    assert "median" in str(failure), failure


def test_cumsum_that_drops_the_first_element_is_caught(monkeypatch):
    """cumsum starting from the second element: y_i = x_2 + ... + x_i."""
    original = torch.cumsum

    def dropped_first(x, dim, **kwargs):
        y = original(x, dim, **kwargs)
        if x.dim() == 0 or x.shape[dim] == 0:
            return y
        return y - x.narrow(dim, 0, 1).to(y.dtype)

    monkeypatch.setattr(torch, "cumsum", dropped_first)
    failure = assert_caught(rules.test_cumsum_and_cumprod_are_numpys_running_sum_and_product, device="cpu",
                            op="cumsum")
    assert "cumsum" in str(failure), failure


def test_cumprod_that_skips_a_factor_is_caught(monkeypatch):
    """cumprod whose last element leaves out the last factor (the product of all but it)."""
    original = torch.cumprod

    def skipped(x, dim, **kwargs):
        y = original(x, dim, **kwargs)
        if x.dim() == 0 or x.shape[dim] < 2:
            return y
        n = x.shape[dim]
        return torch.cat([y.narrow(dim, 0, n - 1), y.narrow(dim, n - 2, 1)], dim)

    monkeypatch.setattr(torch, "cumprod", skipped)
    failure = assert_caught(rules.test_cumsum_and_cumprod_are_numpys_running_sum_and_product, device="cpu",
                            op="cumprod")
    assert "cumprod" in str(failure), failure


def test_cummax_indices_at_the_current_position_are_caught(monkeypatch):
    """cummax with the right values but each index its own position, not the maximum's."""
    original = torch.cummax

    def own_positions(x, dim, **kwargs):
        values, indices = original(x, dim, **kwargs)
        if x.dim():
            shape = [1] * x.dim()
            shape[dim] = -1
            indices = torch.arange(x.shape[dim]).reshape(shape).expand(x.shape).contiguous()
        return torch.return_types.cummax((values, indices))

    monkeypatch.setattr(torch, "cummax", own_positions)
    failure = assert_caught(rules.test_cummax_and_cummin_indices_point_at_the_running_extreme, device="cpu",
                            op="cummax")
    assert "cummax" in str(failure), failure


def test_cummin_returning_the_running_maximum_is_caught(monkeypatch):
    """cummin giving the running maximum (values and indices)."""
    monkeypatch.setattr(torch, "cummin", torch.cummax)
    failure = assert_caught(rules.test_cummax_and_cummin_indices_point_at_the_running_extreme, device="cpu",
                            op="cummin")
    assert "cummin" in str(failure), failure
