"""Planted training-loop faults that the training family must detect."""

from __future__ import annotations

import functools
import importlib

import pytest
import torch
import torch.nn.functional as F

from conformance import test_training as training
from conformance.training import OPTIM, Implementation, Variant
from tests.canary import assert_caught

VARIANT = {variant.name: variant for variant in training.VARIANTS}


def _replace_kernel(monkeypatch, module: str, name: str, wrap):
    """Replace ``name`` in ``torch.optim.<module>`` (an optimizer's single- or multi-tensor step function, looked
    up there at each step) by ``wrap(original)``.  torch.optim does not expose its submodules as attributes."""
    module = importlib.import_module(f"torch.optim.{module}")
    monkeypatch.setattr(module, name, wrap(getattr(module, name)))


# The five faults of the issue

def test_adam_bias_correction_one_step_ahead_is_caught(monkeypatch):
    """Bias corrections 1 - beta^(t+1) instead of 1 - beta^t; the stored step count stays right."""
    def ahead(original):
        def step(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, **kwargs):
            for count in state_steps:
                count += 1
            original(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, **kwargs)
            for count in state_steps:
                count -= 1
        return step

    _replace_kernel(monkeypatch, "adam", "_single_tensor_adam", ahead)
    assert_caught(training.test_step_matches_documented_algorithm, device="cpu", op=VARIANT["adam"])


def test_rmsprop_ignoring_centered_is_caught(monkeypatch):
    _replace_kernel(monkeypatch, "rmsprop", "_single_tensor_rmsprop",
                    lambda original: lambda *args, **kwargs: original(*args, **(kwargs | {"centered": False})))
    assert_caught(training.test_step_matches_documented_algorithm, device="cpu", op=VARIANT["rmsprop-centered"])


def test_foreach_sgd_dropping_weight_decay_is_caught(monkeypatch):
    _replace_kernel(monkeypatch, "sgd", "_multi_tensor_sgd",
                    lambda original: lambda *args, **kwargs: original(*args, **(kwargs | {"weight_decay": 0.0})))
    assert_caught(training.test_implementations_agree, device="cpu",
                  op=Implementation(OPTIM["sgd"], "foreach", "single-double"))


def test_optimizer_load_state_dict_losing_momentum_buffers_is_caught(monkeypatch):
    original = torch.optim.Optimizer.load_state_dict

    def forgetful(self, state_dict):
        state = {key: {name: value for name, value in entry.items() if name != "momentum_buffer"}
                 for key, entry in state_dict["state"].items()}
        original(self, state_dict | {"state": state})

    monkeypatch.setattr(torch.optim.Optimizer, "load_state_dict", forgetful)
    assert_caught(training.test_optimizer_state_dict_resumes_identically, device="cpu",
                  op=Variant(OPTIM["sgd"], ("momentum",)))


def test_module_conversion_replacing_parameters_is_caught(monkeypatch):
    """``module.to(dtype)`` that assigns new Parameter objects (the opt-in future behaviour, made the default)."""
    monkeypatch.setattr(torch.__future__, "get_overwrite_module_params_on_conversion", lambda: True)
    assert_caught(training.test_conversion_changes_parameters_in_place, device="cpu", reference_device="cpu",
                  op="to(dtype)")


# More faults, one per rule

def test_adamw_with_coupled_weight_decay_is_caught(monkeypatch):
    """AdamW that adds the decay to the gradient (Adam's L2 penalty) instead of scaling the parameter."""
    _replace_kernel(monkeypatch, "adam", "_single_tensor_adam",
                    lambda original: lambda *args, **kwargs:
                    original(*args, **(kwargs | {"decoupled_weight_decay": False})))
    assert_caught(training.test_step_matches_documented_algorithm, device="cpu", op=VARIANT["adamw"])


def test_foreach_step_on_contiguous_copies_is_caught(monkeypatch):
    """A foreach SGD that updates contiguous copies of strided parameters: their own elements never change."""
    _replace_kernel(monkeypatch, "sgd", "_multi_tensor_sgd",
                    lambda original: lambda params, *args, **kwargs:
                    original([p.contiguous() for p in params], *args, **kwargs))
    assert_caught(training.test_implementations_agree_on_strided_parameters, device="cpu",
                  op=Implementation(OPTIM["sgd"], "foreach"))


def test_zero_grad_that_writes_zeros_by_default_is_caught(monkeypatch):
    original = torch.optim.Optimizer.zero_grad
    monkeypatch.setattr(torch.optim.Optimizer, "zero_grad", lambda self, set_to_none=False: original(self, False))
    assert_caught(training.test_zero_grad_default_sets_grads_to_none, device="cpu", op="optimizer")


@pytest.mark.parametrize("op", sorted(training.DROPOUT))
def test_dropout_active_in_evaluation_is_caught(monkeypatch, op):
    original = F.dropout
    monkeypatch.setattr(F, "dropout", lambda input, p=0.5, training=True, inplace=False: original(input, p, True))
    assert_caught(training.test_dropout_in_evaluation_is_the_identity, device="cpu", op=op)


def test_batchnorm_moving_its_statistics_in_evaluation_is_caught(monkeypatch):
    """An evaluation-mode batch norm that normalizes right but still moves its running mean toward the batch."""
    original = F.batch_norm

    def drifting(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
        out = original(input, running_mean, running_var, weight, bias, training, momentum, eps)
        if not training and running_mean is not None:
            with torch.no_grad():
                running_mean.lerp_(input.transpose(0, 1).reshape(input.shape[1], -1).mean(1), 0.1)
        return out

    monkeypatch.setattr(F, "batch_norm", drifting)
    assert_caught(training.test_batchnorm_in_evaluation_uses_running_statistics, device="cpu")


def test_state_dict_of_copies_is_caught(monkeypatch):
    original = torch.nn.Module.state_dict

    @functools.wraps(original)
    def copying(self, *args, **kwargs):
        return {key: value.clone() for key, value in original(self, *args, **kwargs).items()}

    monkeypatch.setattr(torch.nn.Module, "state_dict", copying)
    assert_caught(training.test_state_dict_holds_detached_references, device="cpu")
