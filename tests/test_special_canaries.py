"""Planted faults the op-specific rules of the pointwise and special ops (``conformance/test_special.py``) must
detect under the ``ci`` profile: one per rule, each planted where users reach the op (``torch.xlogy``, ...).
"""

from __future__ import annotations

import torch

from conformance import test_special as rules
from tests.canary import assert_caught


def test_xlogy_that_is_nan_at_zero_is_caught(monkeypatch):
    """xlogy computed as x * log(y): 0 * log(0) = 0 * -inf = nan, 0 * log(-1) = nan where the rule says 0."""
    monkeypatch.setattr(torch, "xlogy", lambda x, y, **kwargs: x * torch.log(y))
    failure = assert_caught(rules.test_xlogy_is_zero_where_input_is_zero, device="cpu")
    assert "input 0" in str(failure), failure


def test_heaviside_ignoring_values_is_caught(monkeypatch):
    """heaviside that gives 0 at input 0 whatever ``values`` holds."""
    original = torch.heaviside
    monkeypatch.setattr(torch, "heaviside", lambda x, values, **kwargs: original(x, torch.zeros_like(values)))
    failure = assert_caught(rules.test_heaviside_takes_values_where_input_is_zero, device="cpu")
    assert "heaviside against numpy" in str(failure), failure


def test_copysign_ignoring_negative_zero_is_caught(monkeypatch):
    """copysign that tests ``other < 0`` instead of its sign bit: -0.0 (and -nan) give a positive result."""
    monkeypatch.setattr(torch, "copysign", lambda x, other, **kwargs: torch.where(other < 0, -x.abs(), x.abs()))
    failure = assert_caught(rules.test_copysign_takes_the_sign_of_negative_zero, device="cpu")
    assert "copysign" in str(failure), failure


def test_isfinite_that_forgets_nan_is_caught(monkeypatch):
    """isfinite computed as ~isinf: nan counts as finite."""
    monkeypatch.setattr(torch, "isfinite", lambda x: ~torch.isinf(x))
    failure = assert_caught(rules.test_isfinite_is_neither_inf_nor_nan, device="cpu")
    assert "isfinite vs" in str(failure), failure


def test_right_shift_of_the_magnitude_is_caught(monkeypatch):
    """A right shift of the magnitude with the sign put back (rounds toward zero) instead of the arithmetic
    shift numpy does (rounds down): -5 >> 1 gives -2, not -3."""
    original = torch.bitwise_right_shift
    monkeypatch.setattr(torch, "bitwise_right_shift",
                        lambda a, b, **kwargs: torch.where(a < 0, -original(-a, b), original(a, b)))
    failure = assert_caught(rules.test_shifts_match_numpy_within_the_width, device="cpu", name="bitwise_right_shift")
    assert "bitwise_right_shift against numpy" in str(failure), failure


def test_nan_to_num_with_wrong_defaults_is_caught(monkeypatch):
    """nan_to_num whose default replacements for the infinities are +-1 instead of the dtype's extremes."""
    original = torch.nan_to_num
    monkeypatch.setattr(torch, "nan_to_num", lambda x, nan=0.0, posinf=None, neginf=None, **kwargs: original(
        x, nan, 1.0 if posinf is None else posinf, -1.0 if neginf is None else neginf, **kwargs))
    failure = assert_caught(rules.test_nan_to_num_replaces_by_the_documented_defaults, device="cpu")
    assert "nan_to_num's defaults" in str(failure), failure


def test_logit_ignoring_eps_is_caught(monkeypatch):
    """logit that drops ``eps``: logit(0) = -inf and logit(1.5) = nan where the clamp gives finite values."""
    original = torch.logit
    monkeypatch.setattr(torch, "logit", lambda x, eps=None, **kwargs: original(x, **kwargs))
    failure = assert_caught(rules.test_logit_with_eps_clamps_the_input, device="cpu")
    assert "logit(x, eps=" in str(failure), failure
