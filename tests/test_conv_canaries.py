"""Planted faults the conv area's rules (``conformance/test_conv.py``) must detect under the ci profile.

Each fault is planted on the public route users call (``torch.nn.functional.<op>``), which the rules look up at
call time, and breaks exactly one documented rule.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from conformance import test_conv as rules
from conformance.ops import REGISTRY
from tests.canary import assert_caught

OP = REGISTRY


def test_avg_pool2d_dropping_the_last_ceil_mode_window_is_caught(monkeypatch):
    """avg_pool2d(ceil_mode=True) computed as floor mode: the last partial window of each dim is dropped."""
    original = F.avg_pool2d

    def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                   divisor_override=None):
        return original(x, kernel_size, stride, padding, False, count_include_pad, divisor_override)

    monkeypatch.setattr(F, "avg_pool2d", avg_pool2d)
    failure = assert_caught(rules.test_avg_pool_equals_its_sliding_window, device="cpu", op=OP["avg_pool2d"])
    assert "avg_pool2d" in str(failure), failure


def test_convolution_that_flips_its_kernel_is_caught(monkeypatch):
    """conv2d computing a true convolution (the kernel flipped) instead of the documented cross-correlation."""
    original = F.conv2d
    monkeypatch.setattr(F, "conv2d", lambda x, w, *args, **kwargs: original(x, w.flip(-2, -1), *args, **kwargs))
    assert_caught(rules.test_convolution_equals_its_definition, device="cpu", op=OP["conv2d"])


def test_conv_transpose_that_is_not_the_adjoint_is_caught(monkeypatch):
    """conv_transpose2d with its kernel flipped: the right shapes, but no longer conv2d's adjoint."""
    original = F.conv_transpose2d
    monkeypatch.setattr(F, "conv_transpose2d",
                        lambda y, w, *args, **kwargs: original(y, w.flip(-2, -1), *args, **kwargs))
    assert_caught(rules.test_conv_transpose_is_the_adjoint_of_conv, device="cpu", op=OP["conv_transpose2d"])


def test_max_pool_padding_with_zeros_is_caught(monkeypatch):
    """max_pool2d padding with zeros instead of -inf: a window over the border of negative values returns 0."""
    original = F.max_pool2d

    def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
        p = (padding, padding) if isinstance(padding, int) else tuple(padding)
        padded = F.pad(x, (p[1], p[1], p[0], p[0]))
        return original(padded, kernel_size, stride, 0, dilation, ceil_mode, return_indices)

    monkeypatch.setattr(F, "max_pool2d", max_pool2d)
    assert_caught(rules.test_max_pool_equals_its_sliding_window, device="cpu", op=OP["max_pool2d"])


def test_reflect_padding_that_repeats_the_edge_is_caught(monkeypatch):
    """pad(mode="reflect") computed as numpy's "symmetric" (the edge repeated), via replicate for one cell."""
    original = F.pad

    def pad(x, pad, mode="constant", value=None):
        if mode != "reflect":
            return original(x, pad, mode, value)
        # symmetric padding: reflect a copy of x that starts with its own edge
        m = len(pad) // 2
        edged = original(x, tuple(1 for _ in range(2 * m)), mode="replicate")
        out = original(edged, pad, mode="reflect")
        return out[(Ellipsis,) + tuple(slice(1, -1) for _ in range(m))]

    monkeypatch.setattr(F, "pad", pad)
    assert_caught(rules.test_padding_modes_equal_numpy_pad, device="cpu", op=OP["pad-reflect"])


def test_nearest_interpolation_with_half_pixel_centres_is_caught(monkeypatch):
    """mode="nearest" computed with nearest-exact's half-pixel rule: floor((i + 1/2) scale), not floor(i scale)."""
    original = F.interpolate

    def interpolate(x, *args, mode="nearest", **kwargs):
        return original(x, *args, mode="nearest-exact" if mode == "nearest" else mode, **kwargs)

    monkeypatch.setattr(F, "interpolate", interpolate)
    assert_caught(rules.test_nearest_interpolation_follows_its_index_rule, device="cpu", op=OP["interpolate-nearest"])


def test_fold_that_averages_overlaps_is_caught(monkeypatch):
    """fold dividing each position by its overlap count (an average) instead of summing the overlapping patches."""
    original = F.fold

    def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
        summed = original(x, output_size, kernel_size, dilation, padding, stride)
        count = original(torch.ones_like(x), output_size, kernel_size, dilation, padding, stride)
        return summed / count.clamp(min=1)

    monkeypatch.setattr(F, "fold", fold)
    assert_caught(rules.test_fold_of_unfold_is_input_times_overlap_count, device="cpu", op=OP["fold"])
