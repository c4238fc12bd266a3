"""Faults shared by several canary modules."""

import pytest
import torch


@pytest.fixture
def transpose_copies(monkeypatch):
    """A transpose that returns a contiguous copy instead of a view, as a method and as a function."""
    for owner in (torch.Tensor, torch):
        original = owner.transpose
        monkeypatch.setattr(owner, "transpose",
                            lambda self, *dims, _original=original, **named: _original(self, *dims, **named).contiguous())
