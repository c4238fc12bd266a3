"""Pure-Python reference model of contiguity and view compatibility.

Sources:
- ``Tensor.is_contiguous``: https://pytorch.org/docs/stable/generated/torch.Tensor.is_contiguous.html
  and the memory-format note https://pytorch.org/docs/stable/tensor_attributes.html#torch-memory-format
  (size-1 dims place no constraint on their stride; a tensor with no elements is contiguous).
- ``Tensor.view``: https://pytorch.org/docs/stable/generated/torch.Tensor.view.html -- "each new view
  dimension must either be a subspace of an original dimension, or only span across original
  dimensions d, d+1, ..., d+k that satisfy stride[i] = stride[i+1] * size[i+1]".
"""

from __future__ import annotations

import math
from typing import Sequence

Shape = Sequence[int]

CHANNELS_LAST_ORDER = {4: (1, 3, 2, 0), 5: (1, 4, 3, 2, 0)}  # innermost dim first


def _dense_in_order(shape: Shape, strides: Shape, order: Sequence[int]) -> bool:
    """Strides are those of a packed array whose dims, innermost first, are ``order``; size-1 dims are free."""
    expected = 1
    for d in order:
        if shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= shape[d]
    return True


def is_contiguous(shape: Shape, strides: Shape) -> bool:
    """``is_contiguous()``: C order, ignoring size-1 dims; always true with no elements."""
    if math.prod(shape) == 0:
        return True
    return _dense_in_order(shape, strides, range(len(shape) - 1, -1, -1))


def is_channels_last(shape: Shape, strides: Shape) -> bool:
    """``is_contiguous(memory_format=channels_last[_3d])``: NHWC / NDHWC order; false unless 4-D / 5-D.

    Unlike the contiguous format there is no exemption for tensors with no elements.
    """
    order = CHANNELS_LAST_ORDER.get(len(shape))
    return order is not None and _dense_in_order(shape, strides, order)


def contiguous_strides(shape: Shape) -> tuple[int, ...]:
    """The strides ``contiguous()`` gives: C order, a size-0 or size-1 dim counted as 1."""
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


def infer_shape(new_shape: Shape, numel: int) -> tuple[int, ...]:
    """Resolve a single ``-1`` in ``new_shape`` against ``numel``."""
    if -1 not in new_shape:
        return tuple(new_shape)
    known = math.prod(s for s in new_shape if s != -1)
    return tuple(numel // known if s == -1 else s for s in new_shape)


def view_strides(shape: Shape, strides: Shape, new_shape: Shape) -> tuple[int, ...] | None:
    """The strides of ``view(new_shape)``, or None when the view is impossible.

    Walks the original dims from the innermost out in chunks of dims that are
    contiguous with each other; every chunk must be covered exactly by new dims.
    """
    new_shape = infer_shape(new_shape, math.prod(shape))
    if not shape:
        return (1,) * len(new_shape)
    if math.prod(shape) == 0:
        if tuple(shape) == tuple(new_shape):
            return tuple(strides)
        return contiguous_strides(new_shape)
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_stride = strides[-1]
    tensor_numel = view_numel = 1
    for d in range(len(shape) - 1, -1, -1):
        tensor_numel *= shape[d]
        chunk_ends = d == 0 or (shape[d - 1] != 1 and strides[d - 1] != tensor_numel * chunk_stride)
        if not chunk_ends:
            continue
        while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
            new_strides[view_d] = view_numel * chunk_stride
            view_numel *= new_shape[view_d]
            view_d -= 1
        if view_numel != tensor_numel:
            return None
        if d > 0:
            chunk_stride = strides[d - 1]
            tensor_numel = view_numel = 1
    return tuple(new_strides) if view_d == -1 else None


def sliced(shape: Shape, strides: Shape, offset: int, index: Sequence[slice]):
    """(shape, strides, storage offset) of ``t[index]`` for a tuple of slices with positive steps."""
    new_shape, new_strides = list(shape), list(strides)
    for d, s in enumerate(index):
        start, stop, step = s.indices(shape[d])
        new_shape[d] = len(range(start, stop, step))
        new_strides[d] = strides[d] * step
        offset += start * strides[d]
    return tuple(new_shape), tuple(new_strides), offset


# ---------------------------------------------------------------------------
# Strides of new tensors: empty_like / .to (preserve_format) and TensorIterator outputs
# ---------------------------------------------------------------------------
# Source: the preserve_format note (https://pytorch.org/docs/stable/tensor_attributes.html#torch-memory-format):
# "If input tensor is allocated in dense non-overlapping memory, the output tensor strides will be
# copied from the input"; otherwise the output keeps the input's dim order (``infer_dense_strides`` and
# ``TensorIteratorBase::reorder_dimensions`` in ATen sort dims by stride, the same way).

def is_non_overlapping_and_dense(shape: Shape, strides: Shape) -> bool:
    """Every element has its own cell and the cells fill a block without gaps, in some dim order."""
    expected = 1
    for d in sorted((d for d in range(len(shape)) if shape[d] != 1), key=lambda d: (strides[d], shape[d])):
        if strides[d] != expected:
            return False
        expected *= shape[d]
    return True


def _stride_order(shape: Shape, operand_strides: Sequence[Shape]) -> list[int]:
    """Dims from fastest- to slowest-moving: an insertion sort in which a zero stride (broadcast) is
    no evidence, ties go to the smaller size, and later operands break ties of earlier ones."""
    def compare(d0, d1):
        for strides in operand_strides:
            s0, s1 = strides[d0], strides[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 != s1:
                return -1 if s0 < s1 else 1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    perm = list(range(len(shape) - 1, -1, -1))
    for i in range(1, len(perm)):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            comparison = compare(perm[d0], perm[d1])
            if comparison > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif comparison < 0:
                break
    return perm


def preserved_strides(shape: Shape, strides: Shape) -> tuple[int, ...]:
    """Strides of ``empty_like(x)`` / ``x.to(dtype)`` / ``x.clone()`` with the preserve format."""
    if is_non_overlapping_and_dense(shape, strides):
        return tuple(strides)
    out, step = [0] * len(shape), 1
    for d in _stride_order(shape, [strides]):
        out[d] = step
        step *= shape[d] if shape[d] > 1 else 1
    return tuple(out)


def broadcast_strides(shape: Shape, operand_shape: Shape, strides: Shape) -> tuple[int, ...]:
    """An operand's strides seen in the broadcast ``shape``: 0 on new and on stretched dims."""
    lead = len(shape) - len(operand_shape)
    return (0,) * lead + tuple(0 if size == 1 and shape[lead + d] != 1 else strides[d]
                               for d, size in enumerate(operand_shape))


def elementwise_strides(shape: Shape, operands: Sequence[tuple[Shape, Shape]], scalars: bool = False) -> tuple[int, ...]:
    """Strides of the output of an elementwise op (TensorIterator) on ``(shape, strides)`` operands.

    When every operand has the output's shape (no Python scalar among them) and all are contiguous,
    or all dense with equal strides, the output copies that layout; otherwise dims keep the
    operands' order (``_stride_order``) and the output is dense in it.
    """
    same_shape = not scalars and all(tuple(s) == tuple(shape) for s, _ in operands)
    if same_shape and all(is_contiguous(s, st) for s, st in operands):
        return contiguous_strides(shape)
    if same_shape and all(is_non_overlapping_and_dense(s, st) for s, st in operands) \
            and len({tuple(st) for _, st in operands}) == 1:
        return tuple(operands[-1][1])
    order = _stride_order(shape, [broadcast_strides(shape, s, st) for s, st in operands])
    out, step = [0] * len(shape), 1
    for d in order:
        out[d] = step
        step *= shape[d]
    return tuple(out)


def unsqueezed(shape: Shape, strides: Shape, dim: int) -> tuple[tuple, tuple]:
    """(shape, strides) of ``unsqueeze(dim)``: the new dim's stride spans the dim it precedes."""
    dim %= len(shape) + 1
    stride = 1 if dim == len(shape) else shape[dim] * strides[dim]
    return tuple(shape[:dim]) + (1,) + tuple(shape[dim:]), tuple(strides[:dim]) + (stride,) + tuple(strides[dim:])
