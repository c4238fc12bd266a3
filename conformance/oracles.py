"""Oracles shared by the families: numpy views of tensors, storage identity, exact and close comparison."""

from __future__ import annotations

import numpy as np
import torch


def to_numpy(t: torch.Tensor) -> np.ndarray:
    """The values of ``t`` as a numpy array (bfloat16 widened exactly to float32)."""
    t = t.detach().cpu().resolve_conj().resolve_neg()
    if t.dtype == torch.bfloat16:
        t = t.float()
    return t.numpy()


def same_storage(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Whether two tensors are views of one storage (compared by its base address)."""
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def owns_distinct_memory(a: torch.Tensor, b: torch.Tensor) -> bool:
    """True unless ``a`` and ``b`` share an allocation; tensors without elements share nothing."""
    if a.numel() == 0 or b.numel() == 0:
        return True
    return not same_storage(a, b)


def layout(t: torch.Tensor) -> tuple:
    """(shape, strides, storage offset): everything that decides which cells a tensor reads."""
    return tuple(t.shape), t.stride(), t.storage_offset()


def _bits(t: torch.Tensor) -> torch.Tensor:
    """The bit patterns of a tensor's elements (floats and complex parts as integers), on cpu."""
    t = t.detach().cpu().resolve_conj().resolve_neg()
    if t.is_complex():
        t = torch.view_as_real(t)
    width = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}
    return t.view(width[t.element_size()]) if t.is_floating_point() else t


def differing(actual: torch.Tensor, expected: torch.Tensor) -> torch.Tensor:
    """Where two tensors of one dtype and shape differ bitwise: -0.0 differs from +0.0, any NaN
    matches any NaN (complex: per real and imaginary part)."""
    a, e = actual.detach().cpu(), expected.detach().cpu()
    if a.is_complex():
        a, e = torch.view_as_real(a.resolve_conj()), torch.view_as_real(e.resolve_conj())
    differ = _bits(a) != _bits(e)
    if a.is_floating_point():
        differ &= ~(a.isnan() & e.isnan())
    return differ.any(-1) if actual.is_complex() else differ


def assert_equal(actual: torch.Tensor, expected: torch.Tensor, msg: str = "", signed_zeros: bool = True) -> None:
    """Bitwise equality of dtype, shape and every value: -0.0 is not +0.0 (unless ``signed_zeros`` is False,
    for ops that leave the sign of a zero result unspecified); NaN matches NaN."""
    prefix = f"{msg}\n" if msg else ""
    if actual.dtype != expected.dtype:
        raise AssertionError(f"{prefix}dtype {actual.dtype}, expected {expected.dtype}")
    if actual.shape != expected.shape:
        raise AssertionError(f"{prefix}shape {tuple(actual.shape)}, expected {tuple(expected.shape)}")
    if not signed_zeros and (actual.is_floating_point() or actual.is_complex()):
        actual, expected = actual + 0, expected + 0  # x + 0 is +0.0 for either zero (IEEE 754 6.3)
    differ = differing(actual, expected)
    if differ.any():
        where = differ.nonzero().tolist()
        a, e = actual.detach().cpu(), expected.detach().cpu()
        shown = "\n".join(f"  at {tuple(i)}: {a[tuple(i)].item()!r}, expected {e[tuple(i)].item()!r}"
                          for i in where[:5])
        raise AssertionError(f"{prefix}{len(where)} of {differ.numel()} elements ({actual.dtype}) differ bitwise\n{shown}")


def assert_equal_numpy(actual: torch.Tensor, expected: np.ndarray) -> None:
    """Bitwise equality of a tensor's dtype (bfloat16 read as float32), shape and values with a numpy array."""
    a = to_numpy(actual)
    if a.dtype != expected.dtype:
        raise AssertionError(f"dtype {a.dtype}, expected {expected.dtype}")
    assert_equal(torch.from_numpy(a), torch.from_numpy(np.array(expected)))
