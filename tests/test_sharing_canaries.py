"""Planted sharing faults that the sharing family must detect."""

from __future__ import annotations

import numpy as np
import torch

from conformance import test_sharing as sharing
from conformance.sharing import MATRIX
from tests.canary import assert_caught

ROW = {row.name: row for row in MATRIX}


def test_numpy_that_copies_is_caught(monkeypatch):
    original = torch.Tensor.numpy
    monkeypatch.setattr(torch.Tensor, "numpy", lambda self, *, force=False: original(self, force=force).copy())
    assert_caught(sharing.test_write_through_source_is_seen_through_result_iff_shared, device="cpu", op=ROW["numpy"])


def test_from_numpy_that_copies_is_caught(monkeypatch):
    original = torch.from_numpy
    monkeypatch.setattr(torch, "from_numpy", lambda a: original(np.array(a, copy=True)))
    assert_caught(sharing.test_write_through_result_is_seen_through_source_iff_shared, device="cpu",
                  op=ROW["from_numpy"])


def test_detach_that_clones_is_caught_by_the_matrix(monkeypatch):
    original = torch.Tensor.detach
    monkeypatch.setattr(torch.Tensor, "detach", lambda self: original(self).clone())
    assert_caught(sharing.test_memory_overlap_matches_the_matrix, device="cpu", op=ROW["detach"])


def test_detach_that_clones_is_caught_by_the_version_counter(monkeypatch):
    original = torch.Tensor.detach
    monkeypatch.setattr(torch.Tensor, "detach", lambda self: original(self).clone())
    assert_caught(sharing.test_inplace_on_detached_output_makes_backward_raise, device="cpu")


def test_clone_that_shares_is_caught(monkeypatch):
    monkeypatch.setattr(torch.Tensor, "clone", lambda self, *args, **kwargs: self.view_as(self))
    assert_caught(sharing.test_write_through_source_is_seen_through_result_iff_shared, device="cpu", op=ROW["clone"])


def test_advanced_indexing_that_returns_a_view_is_caught(monkeypatch):
    """Boolean-mask indexing that selects every row answered with the tensor itself."""
    original = torch.Tensor.__getitem__

    def getitem(self, index):
        if isinstance(index, torch.Tensor) and index.dtype == torch.bool and bool(index.all()):
            return self.view_as(self)
        return original(self, index)

    monkeypatch.setattr(torch.Tensor, "__getitem__", getitem)
    assert_caught(sharing.test_write_through_result_is_seen_through_source_iff_shared, device="cpu",
                  op=ROW["index-bool-tensor"])


def test_to_that_always_copies_is_caught(monkeypatch):
    original = torch.Tensor.to
    monkeypatch.setattr(torch.Tensor, "to", lambda self, *args, **kwargs: original(self, *args, **kwargs).clone())
    assert_caught(sharing.test_write_through_source_is_seen_through_result_iff_shared, device="cpu",
                  op=ROW["to-same"])


def test_numpy_that_ignores_requires_grad_is_caught(monkeypatch):
    original = torch.Tensor.numpy
    monkeypatch.setattr(torch.Tensor, "numpy", lambda self, *, force=False: original(self.detach(), force=force))
    assert_caught(sharing.test_numpy_of_tensor_requiring_grad_raises, device="cpu")


def test_data_that_tracks_versions_is_caught(monkeypatch):
    """A ``.data`` that behaves like ``detach()``, sharing the version counter."""
    monkeypatch.setattr(torch.Tensor, "data", property(lambda self: self.detach()))
    assert_caught(sharing.test_inplace_through_data_is_invisible_to_autograd, device="cpu")
