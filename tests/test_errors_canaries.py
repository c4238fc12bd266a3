"""Planted faults that the errors family must detect."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from conformance import test_errors as errors
from conformance.errors_catalogue import CATALOGUE
from tests.canary import assert_caught

CASE = {case.name: case for case in CATALOGUE}


def test_error_that_no_longer_fires_is_caught(monkeypatch):
    """A ``view`` that silently copies where the strides forbid a view."""
    monkeypatch.setattr(torch.Tensor, "view", torch.Tensor.reshape)
    assert_caught(errors.test_failing_call_raises_documented_error, device="cpu", op=CASE["view-incompatible-strides"])


def test_error_of_the_wrong_type_is_caught(monkeypatch):
    """A dim out of range reported as RuntimeError instead of IndexError."""
    original = torch.Tensor.transpose

    def transpose(self, *dims):
        try:
            return original(self, *dims)
        except IndexError as error:
            raise RuntimeError(str(error)) from None

    monkeypatch.setattr(torch.Tensor, "transpose", transpose)
    assert_caught(errors.test_failing_call_raises_documented_error, device="cpu", op=CASE["transpose-dim-out-of-range"])


@pytest.mark.parametrize("method", ["add_", "sub_", "mul_"])
def test_inplace_op_that_writes_before_raising_is_caught(monkeypatch, method):
    """An in-place op that writes its self before checking that the result can be cast back."""
    original = getattr(torch.Tensor, method)

    def writes_first(self, other, **kwargs):
        self.fill_(1)
        return original(self, other, **kwargs)

    monkeypatch.setattr(torch.Tensor, method, writes_first)
    assert_caught(errors.test_failed_call_leaves_operands_intact, device="cpu", op=CASE["inplace-unsafe-cast"])


def test_force_that_is_ignored_is_caught(monkeypatch):
    """``numpy(force=True)`` that still refuses a tensor requiring grad."""
    original = torch.Tensor.numpy
    monkeypatch.setattr(torch.Tensor, "numpy", lambda self, *, force=False: original(self))
    assert_caught(errors.test_nearby_call_succeeds, device="cpu", op=CASE["numpy-requires-grad"])


def test_meta_view_without_stride_check_is_caught(monkeypatch):
    """A meta ``view`` that ignores strides: meta then accepts what the reference rejects."""
    original = torch.Tensor.view
    monkeypatch.setattr(torch.Tensor, "view",
                        lambda self, *shape: self.reshape(*shape) if self.is_meta else original(self, *shape))
    assert_caught(errors.test_meta_agrees_on_shape_errors, reference_device="cpu", op=CASE["view-incompatible-strides"])


def test_division_by_zero_that_raises_is_caught(monkeypatch):
    """A float division that raises on a zero divisor instead of returning inf."""
    case = next(case for case in errors.NON_ERRORS if case.name == "float-division-by-zero-is-inf")

    def strict_div(a, b):
        if bool((b == 0).any()):
            raise ZeroDivisionError("division by zero")
        return torch.div(a, b)

    assert_caught(errors.test_documented_non_error_returns_ieee_values, device="cpu", op=replace(case, call=strict_div))
