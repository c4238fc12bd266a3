"""Planted faults the op-specific rules of the nn ops (``conformance/test_nn.py``) must detect under the ``ci``
profile: one per rule, each planted where users reach the op (``torch.nn.functional.<op>``).
"""

from __future__ import annotations

import torch

from conformance import test_nn as rules
from tests.canary import assert_caught

F = torch.nn.functional


def test_embedding_whose_padding_row_receives_gradient_is_caught(monkeypatch):
    """The issue's canary: an embedding that ignores ``padding_idx``, so the padding row is differentiable."""
    original = F.embedding
    monkeypatch.setattr(F, "embedding", lambda input, weight, padding_idx=None, *args, **kwargs:
                        original(input, weight, None, *args, **kwargs))
    failure = assert_caught(rules.test_embedding_padding_row_gets_no_gradient, device="cpu")
    assert "weight gradient" in str(failure), failure


def test_softmax_that_does_not_normalize_is_caught(monkeypatch):
    """softmax dividing by the sum of all elements instead of the sum along ``dim``."""
    monkeypatch.setattr(F, "softmax", lambda x, dim=None, **kwargs: x.exp() / x.exp().sum())
    failure = assert_caught(rules.test_softmax_is_a_distribution_along_dim, device="cpu")
    assert "sums along dim" in str(failure), failure


def test_log_softmax_along_another_dim_is_caught(monkeypatch):
    """log_softmax that normalizes along the last dim whatever ``dim`` says."""
    original = F.log_softmax
    monkeypatch.setattr(F, "log_softmax", lambda x, dim=None, **kwargs: original(x, -1, **kwargs))
    failure = assert_caught(rules.test_log_softmax_is_input_minus_logsumexp, device="cpu")
    assert "log_softmax" in str(failure), failure


def test_cross_entropy_without_log_softmax_is_caught_by_the_composition(monkeypatch):
    """cross_entropy computed as nll_loss of softmax (not log_softmax)."""
    monkeypatch.setattr(F, "cross_entropy", lambda x, t, reduction="mean", label_smoothing=0.0, **kwargs:
                        F.nll_loss(torch.softmax(x, 1), t, reduction=reduction))
    failure = assert_caught(rules.test_cross_entropy_is_nll_loss_of_log_softmax, device="cpu")
    assert "nll_loss(log_softmax)" in str(failure), failure


def test_cross_entropy_ignoring_label_smoothing_is_caught_by_the_definition(monkeypatch):
    original = F.cross_entropy
    monkeypatch.setattr(F, "cross_entropy", lambda x, t, reduction="mean", label_smoothing=0.0, **kwargs:
                        original(x, t, reduction=reduction, **kwargs))
    failure = assert_caught(rules.test_cross_entropy_matches_its_definition, device="cpu")
    assert "label_smoothing=0.25" in str(failure), failure


def test_layer_norm_with_the_unbiased_variance_is_caught(monkeypatch):
    """layer_norm dividing by the unbiased standard deviation (Bessel's correction) instead of the biased one."""
    def faulty(x, normalized_shape, weight=None, bias=None, eps=1e-5):
        dims = tuple(range(x.dim() - len(normalized_shape), x.dim()))
        y = (x - x.mean(dims, keepdim=True)) / (x.var(dims, keepdim=True, correction=1) + eps).sqrt()
        return y * (1 if weight is None else weight) + (0 if bias is None else bias)

    monkeypatch.setattr(F, "layer_norm", faulty)
    failure = assert_caught(rules.test_layer_norm_standardizes_each_slice, device="cpu")
    assert "layer_norm's slice" in str(failure), failure


def test_layer_norm_without_its_bias_is_caught(monkeypatch):
    original = F.layer_norm
    monkeypatch.setattr(F, "layer_norm", lambda x, shape, weight=None, bias=None, eps=1e-5:
                        original(x, shape, weight, None, eps))
    failure = assert_caught(rules.test_layer_norm_matches_its_definition, device="cpu")
    assert "layer_norm over" in str(failure), failure


def test_batch_norm_with_a_biased_running_variance_is_caught(monkeypatch):
    """batch_norm that updates running_var with the biased variance."""
    original = F.batch_norm

    def faulty(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
        out = original(x, running_mean.clone(), running_var.clone(), weight, bias, training, momentum, eps)
        if training:
            dims = (0, *range(2, x.dim()))
            running_mean.mul_(1 - momentum).add_(momentum * x.mean(dims))
            running_var.mul_(1 - momentum).add_(momentum * x.var(dims, correction=0))
        return out

    monkeypatch.setattr(F, "batch_norm", faulty)
    failure = assert_caught(rules.test_batch_norm_updates_running_stats_by_momentum, device="cpu")
    assert "running_var" in str(failure), failure


def test_embedding_bag_sum_that_averages_is_caught(monkeypatch):
    original = F.embedding_bag
    monkeypatch.setattr(F, "embedding_bag", lambda input, weight, offsets=None, *args, mode="mean", **kwargs:
                        original(input, weight, offsets, *args, mode="mean", **kwargs))
    failure = assert_caught(rules.test_embedding_bag_sum_adds_the_rows_of_each_bag, device="cpu")
    assert "embedding_bag" in str(failure), failure
