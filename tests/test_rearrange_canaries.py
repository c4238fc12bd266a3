"""Planted faults the rearranging, extremum, nan-reduction and factory rules (conformance/test_rearrange.py)
must detect under the ci profile: each breaks one documented rule where users reach the op (``torch.flip``,
``torch.roll``, ``torch.tril``, ...), and the rule's test must fail.
"""

from __future__ import annotations

import torch

from conformance import test_rearrange as rules
from tests.canary import assert_caught


def test_flip_of_one_dim_too_few_is_caught(monkeypatch):
    """flip leaving the last named dim unflipped."""
    original = torch.flip
    monkeypatch.setattr(torch, "flip", lambda x, dims: original(x, tuple(dims)[:-1]))
    assert_caught(rules.test_flip_equals_numpy_flip, device="cpu")


def test_roll_by_one_too_few_is_caught(monkeypatch):
    """roll by shifts - 1 (each shift)."""
    original = torch.roll

    def short(x, shifts, dims=None):
        less = shifts - 1 if isinstance(shifts, int) else tuple(s - 1 for s in shifts)
        return original(x, less, dims) if dims is not None else original(x, less)
    monkeypatch.setattr(torch, "roll", short)
    assert_caught(rules.test_roll_equals_numpy_roll, device="cpu")


def test_rot90_the_other_way_is_caught(monkeypatch):
    """rot90 turning from the second dim towards the first."""
    original = torch.rot90
    monkeypatch.setattr(torch, "rot90", lambda x, k=1, dims=(0, 1): original(x, -k, dims))
    assert_caught(rules.test_rot90_equals_numpy_rot90, device="cpu")


def test_tril_off_by_one_diagonal_is_caught(monkeypatch):
    original = torch.tril
    monkeypatch.setattr(torch, "tril", lambda x, diagonal=0: original(x, diagonal + 1))
    assert_caught(rules.test_triangle_equals_numpys, device="cpu", name="tril")


def test_triu_off_by_one_diagonal_is_caught(monkeypatch):
    original = torch.triu
    monkeypatch.setattr(torch, "triu", lambda x, diagonal=0: original(x, diagonal - 1))
    assert_caught(rules.test_triangle_equals_numpys, device="cpu", name="triu")


def test_diagonal_with_the_offset_negated_is_caught(monkeypatch):
    """diagonal and diag taking the diagonal on the other side of the main one."""
    diagonal, diag = torch.diagonal, torch.diag
    monkeypatch.setattr(torch, "diagonal", lambda x, offset=0, dim1=0, dim2=1: diagonal(x, -offset, dim1, dim2))
    monkeypatch.setattr(torch, "diag", lambda x, d=0: diag(x, -d))
    assert_caught(rules.test_diagonal_and_diag_equal_numpys, device="cpu")


def test_repeat_interleave_as_repeat_is_caught(monkeypatch):
    """repeat_interleave repeating the whole run (x.repeat) instead of each element."""
    original = torch.repeat_interleave

    def whole(x, repeats, dim=None):
        got = original(x, repeats, dim=dim)
        if isinstance(repeats, int) and repeats > 1 and got.numel():
            source = x.reshape(-1) if dim is None else x
            reps = [1] * source.dim()
            reps[0 if dim is None else dim] = repeats
            return source.repeat(reps)
        return got
    monkeypatch.setattr(torch, "repeat_interleave", whole)
    assert_caught(rules.test_repeat_interleave_equals_numpy_repeat, device="cpu")


def test_tile_appending_ones_is_caught(monkeypatch):
    """tile padding short dims with ones at the end instead of the front."""
    original = torch.tile

    def padded_at_the_end(x, dims):
        dims = tuple(dims) + (1,) * max(0, x.dim() - len(dims))
        return original(x, dims)
    monkeypatch.setattr(torch, "tile", padded_at_the_end)
    assert_caught(rules.test_tile_equals_numpy_tile, device="cpu")


def _last_index(original):
    """max/min along a dim returning the index counted from the end."""
    def faulty(x, dim, keepdim=False):
        values, indices = original(x, dim, keepdim)
        side = x.shape[dim] if x.dim() else 1
        return values, side - 1 - indices
    return faulty


def test_max_index_from_the_end_is_caught(monkeypatch):
    monkeypatch.setattr(torch, "max", _last_index(torch.max))
    failure = assert_caught(rules.test_extremum_along_a_dim_gives_numpys_value_and_its_index, device="cpu",
                            name="max")
    assert "indices" in str(failure), failure


def test_min_value_of_the_max_is_caught(monkeypatch):
    original = torch.max
    monkeypatch.setattr(torch, "min", lambda x, dim, keepdim=False: original(x, dim, keepdim))
    assert_caught(rules.test_extremum_along_a_dim_gives_numpys_value_and_its_index, device="cpu", name="min")


def test_nansum_propagating_nan_is_caught(monkeypatch):
    """nansum summing NaNs as sum does."""
    monkeypatch.setattr(torch, "nansum", lambda x, *args, **kwargs: torch.sum(x, *args, **kwargs))
    assert_caught(rules.test_nan_reductions_equal_numpys, device="cpu", name="nansum")


def test_nanmean_dividing_by_every_element_is_caught(monkeypatch):
    """nanmean dividing the sum of the non-NaN elements by the count of all elements."""
    def faulty(x, dim=None):
        total = torch.nansum(x) if dim is None else torch.nansum(x, dim)
        count = x.numel() if dim is None else torch.tensor([x.shape[d] for d in dim]).prod().item() if x.dim() else 1
        return total / count
    monkeypatch.setattr(torch, "nanmean", faulty)
    assert_caught(rules.test_nan_reductions_equal_numpys, device="cpu", name="nanmean")


def test_full_of_one_more_is_caught(monkeypatch):
    original = torch.full
    monkeypatch.setattr(torch, "full", lambda size, value, **kwargs: original(size, value + 1, **kwargs))
    assert_caught(rules.test_full_equals_numpy_full, device="cpu")


def test_arange_including_the_end_is_caught(monkeypatch):
    """arange over [start, end] instead of [start, end)."""
    original = torch.arange
    monkeypatch.setattr(torch, "arange", lambda start, end, step, **kwargs: original(
        start, end + (1 if step > 0 else -1), step, **kwargs))
    assert_caught(rules.test_arange_equals_numpy_arange, device="cpu")


def test_scalar_tensor_of_one_dim_is_caught(monkeypatch):
    original = torch.scalar_tensor
    monkeypatch.setattr(torch, "scalar_tensor", lambda s, **kwargs: original(s, **kwargs).reshape(1))
    assert_caught(rules.test_scalar_tensor_is_a_0d_tensor_of_the_value, device="cpu")


def test_empty_strided_ignoring_strides_is_caught(monkeypatch):
    original = torch.empty
    monkeypatch.setattr(torch, "empty_strided", lambda size, stride, **kwargs: original(size, **kwargs))
    assert_caught(rules.test_empty_strided_has_the_given_size_and_strides, device="cpu")


def test_empty_ignoring_memory_format_is_caught(monkeypatch):
    original = torch.empty
    monkeypatch.setattr(torch, "empty", lambda size, memory_format=None, **kwargs: original(size, **kwargs))
    assert_caught(rules.test_empty_has_the_memory_format_asked_for, device="cpu")


def test_item_of_a_float_as_int_is_caught(monkeypatch):
    original = torch.Tensor.item
    monkeypatch.setattr(torch.Tensor, "item", lambda self: int(original(self)) if self.is_floating_point()
                        else original(self))
    assert_caught(rules.test_item_is_the_one_element_as_a_python_number, device="cpu")
