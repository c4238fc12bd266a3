"""Shrunk falsifying examples are small: bounds for planted faults whose minimal example is known.

Each fault is one a canary plants; here the ci run also shrinks, as a user's run does, and the printed
example must come down to the values that matter (``tests/shrink_table.py`` measures every canary).
"""

from __future__ import annotations

from dataclasses import replace

import torch
import torch.nn.functional as F

from conformance import test_training as training, test_values as values
from tests.shrink_table import shrunk

UNARY = values.UNARY_OPS
REDUCTION = {op.name: op for op in values.REDUCTIONS}


def test_a_fault_on_negative_zero_shrinks_to_one_negative_zero():
    """ceil giving +0.0 where it should give -0.0: the least input that shows it is -0.0 itself (0.0 passes)."""
    op = replace(UNARY["ceil"], call=lambda x: torch.where(torch.ceil(x) == 0, torch.zeros_like(x), torch.ceil(x)))
    example = shrunk(values.test_unary_matches_numpy, device="cpu", reference_device="cpu", op=op)
    assert (example["tensors"], example["elements"], example["distinct"]) == (1, 1, 1), example
    assert "torch.tensor([-0.0]" in example["text"], example["text"]


def test_a_wrong_keepdim_shrinks_to_one_zero(monkeypatch):
    """A sum that drops keepdim: any one element shows it, and the simplest is 0.0."""
    original = torch.sum
    monkeypatch.setattr(torch, "sum", lambda x, dim=None, keepdim=False: original(x) if dim is None
                        else original(x, dim))
    example = shrunk(values.test_reduction_matches_numpy, device="cpu", reference_device="cpu",
                     op=REDUCTION["sum"])
    assert (example["elements"], example["distinct"]) == (1, 1), example
    assert "torch.zeros(1," in example["text"], example["text"]


def test_dropout_in_evaluation_shrinks_to_one_value(monkeypatch):
    """Dropout left on in evaluation: a tensor of one repeated value shows it, printed in a few characters."""
    original = F.dropout
    monkeypatch.setattr(F, "dropout", lambda input, p=0.5, training=True, inplace=False: original(input, p, True))
    example = shrunk(training.test_dropout_in_evaluation_is_the_identity, device="cpu", op="functional")
    assert example["distinct"] == 1 and example["chars"] <= 200, example
