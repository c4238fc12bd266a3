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


def assert_equal(actual: torch.Tensor, expected: torch.Tensor, msg: str = "") -> None:
    """Exact equality of dtype, shape and every value, NaN equal to NaN (bitwise for floats)."""
    torch.testing.assert_close(actual, expected, rtol=0, atol=0, equal_nan=True,
                               msg=(lambda m: f"{msg}\n{m}") if msg else None)


def assert_equal_numpy(actual: torch.Tensor, expected: np.ndarray) -> None:
    """Exact equality of a tensor's shape and values with a numpy array."""
    np.testing.assert_array_equal(to_numpy(actual), expected, strict=True)
