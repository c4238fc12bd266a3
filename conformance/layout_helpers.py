"""Strategies of the layout family that build what a rule needs instead of filtering for it.

Each returns a drawn tensor (with its printed recipe) and, where a test needs one, a new shape; the
condition a test used to ``assume()`` holds by construction, so every example is valid.
"""

from __future__ import annotations


import torch
from hypothesis import strategies as st

from conformance import layout_model as model
from strategies import reshapes, shapes, tensors


def _mergeable(shape, strides, d: int) -> bool:
    """Whether dims ``d`` and ``d + 1`` can be viewed as one dim (torch.Tensor.view's rule)."""
    merged = shape[:d] + (shape[d] * shape[d + 1],) + shape[d + 2:]
    return model.view_strides(shape, strides, merged) is not None


@st.composite
def viewable_reshapes(draw, x: torch.Tensor):
    """A new shape that ``x`` can be viewed as: a drawn reshape when the model says it is viewable, else
    a shape built from view-safe moves only -- merging a dim into the previous one where the model says
    the merged shape is a view, splitting a dim into two factors, inserting a size-1 dim.

    >>> viewable_reshapes(torch.ones(4, 6).mT).example()   # e.g. (6, 2, 2) or (1, 6, 4)
    """
    shape, strides = tuple(x.shape), x.stride()
    new_shape = draw(reshapes(shape), label="new_shape")
    if model.view_strides(shape, strides, new_shape) is not None:
        return new_shape
    sizes = []  # the sizes so far; each merge is checked with everything merged before it
    for d, size in enumerate(shape):
        if sizes and draw(st.booleans(), label="merge with the previous dim"):
            merged = (*sizes[:-1], sizes[-1] * size, *shape[d + 1:])
            if model.view_strides(shape, strides, merged) is not None:
                sizes[-1] *= size
                continue
        sizes.append(size)
    if sizes and draw(st.booleans(), label="split a dim"):
        d = draw(st.integers(0, len(sizes) - 1), label="split dim")
        factor = draw(st.sampled_from([f for f in range(1, sizes[d] + 1) if sizes[d] % f == 0] or [1]))
        sizes[d:d + 1] = [factor, sizes[d] // factor] if sizes[d] else [0, 1]
    if draw(st.booleans(), label="insert a size-1 dim"):
        sizes.insert(draw(st.integers(0, len(sizes)), label="at"), 1)
    return tuple(sizes)


@st.composite
def unviewable_reshapes(draw, device):
    """(x, new shape) such that no view of ``x`` has that shape, so ``reshape`` must copy.

    ``x`` has at least two dims, each of size >= 2, in any drawn layout.  The new shape is a drawn
    reshape when the model says it is not viewable; else one that merges two adjacent dims that do not
    merge (a drawn pair).  When every adjacent pair merges (``x`` is C-ordered up to its offset, or
    expanded throughout), the C-ordered clone's ``mT`` is used instead: strides ``(..., 1, n)`` with sizes
    >= 2 never merge.
    """
    x = draw(tensors(device=device, shape=shapes(min_dims=2, min_side=2, zero_size=False)), label="x")
    shape = tuple(x.shape)
    new_shape = draw(reshapes(shape), label="new_shape")
    if model.view_strides(shape, x.stride(), new_shape) is None:
        return x, new_shape
    pairs = [d for d in range(len(shape) - 1) if not _mergeable(shape, x.stride(), d)]
    if not pairs:
        x = x.clone(memory_format=torch.contiguous_format).mT
        shape, pairs = tuple(x.shape), [len(shape) - 2]
    d = draw(st.sampled_from(pairs), label="merged dims")
    return x, shape[:d] + (shape[d] * shape[d + 1],) + shape[d + 2:]


@st.composite
def contiguous_tensors(draw, device):
    """A contiguous tensor: drawn in any layout, and if that layout is not contiguous, its values cloned
    into ``torch.contiguous_format`` (``clone``'s documented memory format)."""
    x = draw(tensors(device=device), label="x")
    return x if x.is_contiguous() else x.clone(memory_format=torch.contiguous_format)


@st.composite
def non_contiguous_tensors(draw, device):
    """A tensor that is not contiguous: at least two elements, in any drawn layout; a layout that came out
    contiguous is replaced by the same values in every other cell of a storage twice as long
    (``new_empty(..., 2)[..., 0]``: last stride 2, so not contiguous as soon as two elements exist)."""
    x = draw(tensors(device=device, shape=shapes(min_dims=1, min_side=2, zero_size=False)), label="x")
    if x.is_contiguous():
        interleaved = x.new_empty(*x.shape, 2)[..., 0]
        x = interleaved.copy_(x)
    return x
