"""Planted faults the breadth families must detect under the ci profile."""

from __future__ import annotations

import torch

from conformance import test_indexing_ops, test_linalg, test_nn, test_sorting
from tests.canary import assert_caught


def test_index_copy_reversing_source_for_a_strided_index_is_caught(monkeypatch):
    """index_copy_ that writes its source in reverse order when the index tensor is non-contiguous."""
    original = torch.Tensor.index_copy_

    def faulty(self, dim, index, source):
        return original(self, dim, index, source if index.is_contiguous() else source.flip(dim))

    monkeypatch.setattr(torch.Tensor, "index_copy_", faulty)
    assert_caught(test_indexing_ops.test_index_ops_follow_their_definition_on_every_route, device="cpu",
                  name="index_copy", route="inplace")


def test_kthvalue_off_by_one_for_even_sizes_is_caught(monkeypatch):
    """kthvalue returning the (k+1)-th smallest element when the reduced dim has an even size."""
    original = torch.kthvalue

    def faulty(x, k, dim=-1, keepdim=False):
        n = x.shape[dim] if x.dim() else 1
        return original(x, min(k + 1, n) if n % 2 == 0 else k, dim, keepdim)

    monkeypatch.setattr(torch, "kthvalue", faulty)
    assert_caught(test_sorting.test_selection_is_the_kth_smallest_element, device="cpu", which="kthvalue")


def test_batched_inverse_transposed_is_caught(monkeypatch):
    """A batched linalg.inv that returns the transpose of each inverse."""
    original = torch.linalg.inv
    monkeypatch.setattr(torch.linalg, "inv", lambda a, **kw: original(a, **kw).mT if a.dim() > 2 else original(a, **kw))
    assert_caught(test_linalg.test_solution_and_inverse_satisfy_their_equations, device="cpu")


def test_avg_pool2d_dropping_the_last_ceil_window_is_caught(monkeypatch):
    """avg_pool2d(ceil_mode=True) that drops the last, partial window (floor mode's output)."""
    original = torch.nn.functional.avg_pool2d

    def faulty(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None):
        return original(x, kernel_size, stride, padding, False, count_include_pad, divisor_override)

    monkeypatch.setattr(torch.nn.functional, "avg_pool2d", faulty)
    assert_caught(test_nn.test_ceil_mode_keeps_the_last_partial_window, device="cpu", pool="avg_pool2d")


def test_embedding_padding_row_with_gradient_is_caught(monkeypatch):
    """An embedding whose padding_idx row receives gradient like any other row."""
    original = torch.nn.functional.embedding
    monkeypatch.setattr(torch.nn.functional, "embedding",
                        lambda indices, weight, padding_idx=None, **kw: original(indices, weight, **kw))
    assert_caught(test_nn.test_padding_row_gets_no_gradient, device="cpu")
