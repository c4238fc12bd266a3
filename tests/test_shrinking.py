"""Shrink quality: planted faults whose minimal falsifying example is known shrink to it, and print it short.

Each test plants a fault as a canary does, runs the conformance test with Hypothesis's shrink phase on
(canaries leave it off) and bounds what the falsifying example prints: its tensors' elements, distinct
values and recipe characters.  ``python -m tests.measure shrink`` measures every canary the same way.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch
from hypothesis import Phase, given

from conformance import test_layout as layout
from conformance import test_values as values
from conformance.profiles import overridden
from strategies import dtypes, tensors
from tests.canary import CANARY_SETTINGS
from tests.measure import distinct, example_text, printed_recipes

SHRINKING = dict(CANARY_SETTINGS, phases=[Phase.explicit, Phase.generate, Phase.shrink])
BINARY = {op.name: op for op in values.BINARY}
PERMUTING = {op.name: op for op in layout.PERMUTING_VIEWS}


def shrunk(test, **kwargs):
    """The recipes and text of ``test``'s shrunk falsifying example (it must fail)."""
    with printed_recipes() as recipes, overridden(test, **SHRINKING):
        try:
            test(**kwargs)
        except Exception as failure:  # noqa: BLE001 -- any failure is the planted fault found
            text = example_text(failure)
        else:
            raise AssertionError(f"{test.__name__} did not detect the planted fault")
    return recipes, text


def _built(recipes) -> list[torch.Tensor]:
    return [recipe.build() for recipe in recipes]


@given(tensors(dtype=dtypes(kinds=("float",))))
def test_abs_clears_the_sign_bit(x):
    """``abs`` of every float is non-negative, -0.0 included (its sign bit is clear); numpy agrees."""
    out = torch.abs(x)
    assert not out.signbit().any()
    assert np.array_equal(np.signbit(np.abs(x.float().numpy())), out.signbit().numpy())


def test_a_fault_on_negative_zero_shrinks_to_one_element_holding_it(monkeypatch):
    """``abs`` that keeps the sign of -0.0: one element, -0.0, in one short expression.  (The values
    family compares "exact" results with ``assert_close``, which takes -0.0 for 0.0, so this property
    checks the sign bit itself.)"""
    original = torch.abs
    monkeypatch.setattr(torch, "abs", lambda x: torch.where(x == 0, x, original(x)))
    recipes, text = shrunk(test_abs_clears_the_sign_bit)
    (x,) = _built(recipes)
    assert x.numel() == 1 and x.item() == 0 and x.signbit().all(), text
    assert len(recipes[0].code()) <= 60, recipes[0].code()


def test_a_fault_on_nan_shrinks_to_a_nan_and_one_other_element():
    """``maximum`` that drops a NaN operand (``fmax``): two one-element operands, one of them NaN."""
    op = replace(BINARY["maximum"], torch=torch.fmax)
    recipes, text = shrunk(values.test_binary_special_values_match_numpy, device="cpu", reference_device="cpu",
                           op=op)
    drawn = _built(recipes)
    assert sum(t.numel() for t in drawn) <= 2, text
    assert any(t.isnan().any() for t in drawn), text
    assert sum(len(r.code()) for r in recipes) <= 120, text


def test_a_fault_blind_to_values_shrinks_to_zeros(transpose_copies):
    """A transpose that copies breaks the stride rule whatever the values: the example holds zeros only."""
    recipes, text = shrunk(layout.test_permuting_view_permutes_shape_and_strides, device="cpu",
                           op=PERMUTING["transpose"])
    (x,) = _built(recipes)
    assert distinct(x) == 1 and not x.any() and not x.signbit().any(), text
    assert recipes[0].code().startswith("torch.zeros("), recipes[0].code()


def test_a_fault_on_keepdim_shrinks_to_one_element():
    """A sum that ignores keepdim fails on any tensor with a dim: one element (of the simplest value the
    positive inputs allow), in one short expression."""
    original = torch.sum

    def sum_ignoring_keepdim(x, dim=None, keepdim=False):
        return original(x) if dim is None else original(x, dim)

    op = replace(next(op for op in values.REDUCTIONS if op.name == "sum"),
                 torch=lambda x, dim, keepdim, correction: sum_ignoring_keepdim(x, dim, keepdim=keepdim))
    recipes, text = shrunk(values.test_reduction_matches_numpy, device="cpu", reference_device="cpu", op=op)
    (x,) = _built(recipes)
    assert x.numel() <= 1 and distinct(x) <= 1, text
    assert len(recipes[0].code()) <= 60, recipes[0].code()
