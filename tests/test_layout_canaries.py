"""Planted layout faults that the layout family must detect."""

from __future__ import annotations

import torch

from conformance import test_layout as layout
from tests.canary import assert_caught

OP = {op.name: op for op in layout.PERMUTING_VIEWS}


def test_transpose_that_copies_breaks_the_stride_rule(transpose_copies):
    assert_caught(layout.test_permuting_view_permutes_shape_and_strides, device="cpu", op=OP["transpose"])


def test_transpose_that_copies_breaks_storage_sharing(transpose_copies):
    assert_caught(layout.test_permuting_view_shares_storage, device="cpu", op=OP["transpose"])


def test_contiguous_that_always_copies_is_caught(monkeypatch):
    monkeypatch.setattr(torch.Tensor, "contiguous",
                        lambda self, memory_format=torch.contiguous_format: self.clone(memory_format=memory_format))
    assert_caught(layout.test_contiguous_returns_self_when_contiguous, device="cpu")


def test_contiguous_that_keeps_strides_is_caught(monkeypatch):
    monkeypatch.setattr(torch.Tensor, "contiguous",
                        lambda self, memory_format=torch.contiguous_format: self.clone())
    assert_caught(layout.test_contiguous_copies_when_not_contiguous, device="cpu")


def test_is_contiguous_that_ignores_size_one_dims_is_caught(monkeypatch):
    """A contiguity check that also demands canonical strides on size-1 dims."""
    original = torch.Tensor.is_contiguous

    def strict(self, memory_format=torch.contiguous_format):
        if memory_format is not torch.contiguous_format:
            return original(self, memory_format=memory_format)
        expected, step = [], 1
        for size in reversed(self.shape):
            expected.insert(0, step)
            step *= size
        return self.numel() == 0 or self.stride() == tuple(expected)

    monkeypatch.setattr(torch.Tensor, "is_contiguous", strict)
    assert_caught(layout.test_is_contiguous_matches_model, device="cpu")


def test_view_that_always_copies_is_caught(monkeypatch):
    monkeypatch.setattr(torch.Tensor, "view", lambda self, *shape: self.reshape(*shape).clone())
    assert_caught(layout.test_view_shares_storage_and_values, device="cpu")


def test_reshape_that_always_copies_is_caught(monkeypatch):
    original = torch.Tensor.reshape
    monkeypatch.setattr(torch.Tensor, "reshape", lambda self, *shape: original(self.clone(), *shape))
    assert_caught(layout.test_reshape_is_a_view_when_view_is_possible, device="cpu")


def test_expand_that_materializes_is_caught(monkeypatch):
    original = torch.Tensor.expand
    monkeypatch.setattr(torch.Tensor, "expand", lambda self, *sizes: original(self, *sizes).clone())
    assert_caught(layout.test_expand_gives_stride_zero_on_expanded_dims, device="cpu")


def test_slicing_that_drops_the_offset_is_caught(monkeypatch):
    """Basic slicing computed on a fresh copy: the storage offset is lost."""
    original = torch.Tensor.__getitem__
    monkeypatch.setattr(torch.Tensor, "__getitem__", lambda self, index: original(self.clone(), index))
    assert_caught(layout.test_slicing_follows_storage_offset_arithmetic, device="cpu")
