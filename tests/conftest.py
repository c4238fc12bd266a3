"""Faults shared by several canary modules."""

import pytest
import torch


@pytest.fixture
def transpose_copies(monkeypatch):
    """A transpose that returns a contiguous copy instead of a view."""
    original = torch.Tensor.transpose
    monkeypatch.setattr(torch.Tensor, "transpose", lambda self, *dims: original(self, *dims).contiguous())
