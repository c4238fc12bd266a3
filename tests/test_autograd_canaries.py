"""Planted autograd faults that the autograd family must detect."""

from __future__ import annotations

import contextlib
from dataclasses import replace

import pytest
import torch

from conformance import ops, test_autograd as autograd
from tests.canary import assert_caught

OP = ops.REGISTRY


def _scaled_exp(backward_scale=1.0, forward_scale=1.0, detached=False):
    """exp as a custom autograd.Function whose derivatives can be planted wrong."""

    class Exp(torch.autograd.Function):
        @staticmethod
        def forward(x):
            return x.exp()

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(output)
            ctx.save_for_forward(output)

        @staticmethod
        def backward(ctx, grad):
            (result,) = ctx.saved_tensors
            return grad * (result.detach() if detached else result) * backward_scale

        @staticmethod
        def jvp(ctx, tangent):
            (result,) = ctx.saved_tensors
            return tangent * result * forward_scale

    return replace(OP["exp"], call=Exp.apply)


def test_backward_off_by_relative_1e_3_is_caught():
    assert_caught(autograd.test_gradient_equals_analytic_formula, device="cpu", op=_scaled_exp(1.001))


def test_backward_off_by_relative_1e_3_is_caught_through_backward_with_gradient(monkeypatch):
    monkeypatch.setattr(autograd, "DERIVATIVES", [_scaled_exp(1.001)])
    assert_caught(autograd.test_backward_with_gradient_gives_weighted_vjp, device="cpu")


def test_backward_off_by_one_percent_fails_gradcheck_with_jacobians():
    failure = assert_caught(autograd.test_gradient_equals_finite_differences, device="cpu", op=_scaled_exp(1.01))
    assert "numerical" in str(failure).lower() and "analytical" in str(failure).lower()


def test_forward_mode_off_by_relative_1e_3_is_caught():
    assert_caught(autograd.test_forward_mode_matches_reverse_mode, device="cpu", op=_scaled_exp(forward_scale=1.001))


def test_backward_that_is_not_differentiable_is_caught_by_gradgradcheck():
    """A backward built from detached saved values: first derivatives right, second derivatives lost."""
    assert_caught(autograd.test_second_derivative_equals_finite_differences, device="cpu",
                  op=_scaled_exp(detached=True))


def test_composition_with_a_wrong_backward_is_caught(monkeypatch):
    monkeypatch.setattr(autograd, "SMOOTH", [_scaled_exp(1.01)])
    assert_caught(autograd.test_composition_gradient_equals_finite_differences, device="cpu")


def _graph_leaves(node, seen=None):
    """The leaf tensors whose gradients a backward from ``node`` accumulates."""
    seen = set() if seen is None else seen
    if node is None or node in seen:
        return []
    seen.add(node)
    if hasattr(node, "variable"):
        return [node.variable]
    return [leaf for child, _ in node.next_functions for leaf in _graph_leaves(child, seen)]


def test_accumulation_replaced_by_overwrite_is_caught(monkeypatch):
    original = torch.Tensor.backward

    def overwriting(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        for leaf in _graph_leaves(self.grad_fn):
            leaf.grad = None
        original(self, gradient, retain_graph, create_graph, inputs)

    monkeypatch.setattr(torch.Tensor, "backward", overwriting)
    assert_caught(autograd.test_gradients_accumulate_across_backward_calls, device="cpu")


def test_retain_graph_that_is_ignored_is_caught(monkeypatch):
    original = torch.Tensor.backward
    monkeypatch.setattr(torch.Tensor, "backward",
                        lambda self, gradient=None, retain_graph=None, create_graph=False, inputs=None:
                        original(self, gradient, False, create_graph, inputs))
    assert_caught(autograd.test_retain_graph_allows_second_backward_that_accumulates, device="cpu", op="mul-self")


class _DoesNothing(contextlib.ContextDecorator):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("op", ["no_grad", "no_grad-decorator"])
def test_no_grad_that_does_nothing_is_caught(monkeypatch, op):
    monkeypatch.setattr(torch, "no_grad", _DoesNothing)
    assert_caught(autograd.test_results_do_not_require_grad_when_grad_is_disabled, device="cpu", op=op)


def test_no_grad_that_does_nothing_breaks_inplace_on_leaf(monkeypatch):
    monkeypatch.setattr(torch, "no_grad", _DoesNothing)
    assert_caught(autograd.test_inplace_on_leaf_is_allowed_under_no_grad, device="cpu", op="add_")


def test_detach_that_copies_is_caught(monkeypatch):
    original = torch.Tensor.detach
    monkeypatch.setattr(torch.Tensor, "detach", lambda self: original(self).clone())
    assert_caught(autograd.test_detach_returns_a_leaf_sharing_storage, device="cpu")


def test_wrong_grad_fn_name_is_caught(monkeypatch):
    monkeypatch.setattr(autograd, "NAMED", [replace(OP["exp"], call=torch.expm1)])
    assert_caught(autograd.test_result_grad_fn_has_documented_name, device="cpu")


def test_sigmoid_forward_off_with_a_consistent_backward_is_caught():
    """sigmoid's forward 1e-6 (relative) too large, its backward the derivatives.yaml formula applied to that
    forward -- self-consistent, so only an independent reference of the forward value can tell."""

    class Sigmoid(torch.autograd.Function):
        @staticmethod
        def forward(x):
            return torch.sigmoid(x) * (1 + 1e-6)

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(output)

        @staticmethod
        def backward(ctx, grad):
            (out,) = ctx.saved_tensors
            return grad * out * (1 - out)

    failure = assert_caught(autograd.test_forward_value_matches_reference, device="cpu",
                            op=replace(OP["sigmoid"], call=Sigmoid.apply))
    assert "sigmoid forward" in str(failure) and "outside the ULP budget" in str(failure), failure
